"""``veille sources status``: each source's health, read from the watcher's feed states and the stored articles.

Per source: its feeds (polled, failing, paused), the last success and the last error (with when), the new
articles of the last days (documents its feeds' entries became, and articles on its domains or under its name,
by day received) and whether it has gone silent: no new article for ``watch_silent_days`` days although it is
polled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from veille.model import FeedState, to_jsonable, utcnow
from veille.settings import Settings
from veille.store.base import Store

STATUS_DAYS = 7  # the days of new articles shown


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One source's health. ``state`` sums it up: ``paused`` (a feed paused), ``failing`` (a feed's last try
    failed), ``silent`` (no new article for ``watch_silent_days``), ``never polled``, ``inactive`` or ``ok``."""

    source_id: str
    name: str
    active: bool
    state: str
    feeds: int
    feeds_failing: int
    feeds_paused: int
    last_success: datetime | None
    last_error: str | None
    last_error_time: datetime | None
    last_article: datetime | None
    is_silent: bool
    articles_per_day: dict[str, int] = field(default_factory=dict)
    articles_recent: int = 0
    paused_feeds: tuple[str, ...] = ()


def _latest(values: list[datetime | None]) -> datetime | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def source_status(store: Store, settings: Settings, *, now: datetime | None = None) -> list[SourceStatus]:
    """Return the health of every registered source, by name (see the module text)."""
    moment = now or utcnow()
    first_day = (moment - timedelta(days=STATUS_DAYS - 1)).date()
    days = [(first_day + timedelta(days=i)).isoformat() for i in range(STATUS_DAYS)]
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=moment.tzinfo)
    activity = {a.source_id: a for a in store.source_activity(since)}
    feeds: dict[str, list[FeedState]] = {}
    for feed in store.feed_states(active_only=False):
        feeds.setdefault(feed.source_id, []).append(feed)
    silent_after = timedelta(days=settings.watch_silent_days)
    found: list[SourceStatus] = []
    for source in store.list_sources():
        own = feeds.get(source.id, [])
        seen = activity.get(source.id)
        per_day = {day: int(seen.days.get(day, 0)) if seen else 0 for day in days}
        last_article = seen.last_article if seen else None
        last_success = _latest([f.last_success for f in own])
        errors = [f for f in own if f.last_error_time is not None]
        last = max(errors, key=lambda f: f.last_error_time or moment) if errors else None
        failing = [f for f in own if f.failures > 0]
        paused = [f for f in own if f.paused]
        polled = last_success is not None
        # silent: polled, and no new article for watch_silent_days (counted from its registration when none yet)
        is_silent = bool(source.active and polled and moment - (last_article or source.added) > silent_after)
        if not source.active:
            state = "inactive"
        elif paused:
            state = "paused"
        elif failing:
            state = "failing"
        elif is_silent:
            state = "silent"
        elif own and not polled:
            state = "never polled"
        else:
            state = "ok"
        found.append(
            SourceStatus(
                source_id=source.id,
                name=source.name,
                active=source.active,
                state=state,
                feeds=len(own),
                feeds_failing=len(failing),
                feeds_paused=len(paused),
                last_success=last_success,
                last_error=last.last_error if last else None,
                last_error_time=last.last_error_time if last else None,
                last_article=last_article,
                is_silent=is_silent,
                articles_per_day=per_day,
                articles_recent=sum(per_day.values()),
                paused_feeds=tuple(f.url for f in paused),
            )
        )
    return found


def status_json(statuses: list[SourceStatus]) -> list[dict[str, Any]]:
    """Return the statuses as JSON-ready dicts (the same keys as the fields)."""
    return [to_jsonable(s) for s in statuses]
