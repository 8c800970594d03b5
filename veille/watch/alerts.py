"""Watches and alerts: what is new, since the last look, in the stories a user follows.

A watch names an entity, words, a set of sources, or several of them (a story must match all that are given).
``check_alerts`` looks at the stories that received an article since each watch's last look (or ``since``),
raises an alert for each matching story not alerted before and for each conflict (``Comparison.conflicts``)
of such a story not alerted before, then moves the watch's mark. Alerts are stored once per watch and key;
``post`` sends every alert not yet delivered as JSON to a URL, and one that fails stays pending for the next
look.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from veille.errors import UsageError
from veille.model import Alert, Comparison, Conflict, Story, Watch, to_jsonable, utcnow
from veille.settings import Settings
from veille.store.base import Store

logger = logging.getLogger(__name__)

MATCH_LIMIT = 100_000  # stories read per criterion of a watch (list_stories' limit)


@dataclass(slots=True)
class AlertReport:
    """What one look found: the new alerts, and (with ``post``) the alerts delivered and those that failed."""

    alerts: list[Alert] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "alerts": [alert_json(a) for a in self.alerts],
            "delivered": list(self.delivered),
            "failed": list(self.failed),
        }


def alert_json(alert: Alert) -> dict[str, Any]:
    """Return an alert as JSON: its id, watch, kind, story and the payload it carries."""
    return {
        "id": alert.id,
        "watch_id": alert.watch_id,
        "kind": alert.kind,
        "story_id": alert.story_id,
        "created": alert.created.isoformat(),
        "delivered": alert.delivered.isoformat() if alert.delivered else None,
        **json.loads(alert.payload),
    }


def add_watch(
    store: Store, *, entity: str | None = None, words: str | None = None, sources: tuple[str, ...] = ()
) -> Watch:
    """Save a watch; the sources are checked against the registry (id, name or domain) and stored by id.

    Raises UsageError when nothing is given or a source is unknown. Its first look starts now.
    """
    entity = (entity or "").strip() or None
    words = (words or "").strip() or None
    if entity is None and words is None and not sources:
        raise UsageError("a watch needs --entity, --words or --sources (or several)")
    ids: list[str] = []
    for name in sources:
        source = store.get_source(name)
        if source is None:
            raise UsageError(f"unknown source {name!r}: see `veille sources list`")
        ids.append(source.id)
    now = utcnow()
    return store.add_watch(Watch(None, entity, words, tuple(dict.fromkeys(ids)), now, now))


def remove_watch(store: Store, watch_id: int) -> None:
    """Delete a watch and its alerts; UsageError when there is none with this id."""
    if not store.remove_watch(watch_id):
        raise UsageError(f"no watch {watch_id}: see `veille watches list`")


def _matching(store: Store, watch: Watch, candidates: list[str]) -> list[str]:
    """Return the candidate story ids that match everything the watch gives."""
    keep = set(candidates)
    if watch.entity:
        try:
            keep &= {s.id for s in store.list_stories(entity=watch.entity, limit=MATCH_LIMIT)}
        except UsageError:  # no entity of that name yet: nothing matches until one is stored
            return []
    if watch.words and keep:
        keep &= {s.id for s in store.list_stories(query=watch.words, limit=MATCH_LIMIT)}
    if watch.sources and keep:
        wanted = set(watch.sources)
        keep &= {t.story_id for t in store.article_ties(sorted(keep)) if t.source_id in wanted}
    return [s for s in candidates if s in keep]


def _story_json(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "label": story.label,
        "articles": len(story.articles),
        "outlets": list(story.outlets),
        "first_seen": story.first_seen.isoformat() if story.first_seen else None,
        "last_seen": story.last_seen.isoformat() if story.last_seen else None,
    }


def _conflict_key(story_id: str, conflict: Conflict) -> str:
    values = sorted({f"{v.normalized or v.value}@{v.article_id}" for v in conflict.values})
    return f"{story_id}|{conflict.slot}|{conflict.kind}|{'|'.join(values)}"


def _conflict_json(conflict: Conflict) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(conflict)
    return data


def is_pipeline_behind(store: Store) -> bool:
    """Return True when documents, articles or stories still wait for a stage whose output alerts read
    (extract, understand, group, compare), items that failed there left aside."""
    from veille.compare import COMPARER_VERSION
    from veille.extract import EXTRACTOR_VERSION
    from veille.group import GROUPER_VERSION
    from veille.understand import ANALYZER_VERSION

    stages = (
        ("extract", EXTRACTOR_VERSION),
        ("understand", ANALYZER_VERSION),
        ("group", GROUPER_VERSION),
        ("compare", COMPARER_VERSION),
    )
    return any(store.pending(stage, version) for stage, version in stages)


def look(store: Store, *, since: datetime | None = None, now: datetime | None = None) -> list[Alert]:
    """Raise the alerts of every watch since its last look (``since``: from then instead); return the new ones.

    A watch's mark moves to now only when the pipeline has nothing pending (``is_pipeline_behind``): a
    document received before this look but grouped after it would otherwise never be looked at. While the
    pipeline is behind the mark stays, the same stories are looked at again, and the alerts already raised
    are not raised twice (one per watch, kind and key)."""
    moment = now or utcnow()
    behind = is_pipeline_behind(store)
    if behind:
        logger.info("the pipeline has pending items: watches keep their last look until `veille run`")
    fresh: list[Alert] = []
    touched_cache: dict[datetime | None, list[str]] = {}
    for watch in store.list_watches():
        assert watch.id is not None  # stored watches have ids
        start = since or watch.last_look or watch.created
        if start not in touched_cache:
            touched_cache[start] = store.stories_received_since(start)
        for story_id in _matching(store, watch, touched_cache[start]):
            story = store.get_story(story_id)
            if story is None:
                continue
            story_data = _story_json(story)
            candidates = [
                Alert(
                    watch.id,
                    "story",
                    story.id,
                    story.id,
                    json.dumps({"watch": _watch_json(watch), "story": story_data}, ensure_ascii=False),
                    created=moment,
                )
            ]
            comparison: Comparison | None = store.get_comparison(story.id)
            for conflict in comparison.conflicts if comparison is not None else ():
                payload = {
                    "watch": _watch_json(watch),
                    "story": story_data,
                    "conflict": _conflict_json(conflict),
                }
                candidates.append(
                    Alert(
                        watch.id,
                        "conflict",
                        _conflict_key(story.id, conflict),
                        story.id,
                        json.dumps(payload, ensure_ascii=False),
                        created=moment,
                    )
                )
            fresh += [a for a in candidates if store.add_alert(a)]
        if not behind:
            store.set_watch_look(watch.id, moment)
    stored = {
        (a.watch_id, a.kind, a.key): a for a in store.list_alerts(since=moment - timedelta(microseconds=1))
    }
    return [stored.get((a.watch_id, a.kind, a.key), a) for a in fresh]


def _watch_json(watch: Watch) -> dict[str, Any]:
    return {"id": watch.id, "entity": watch.entity, "words": watch.words, "sources": list(watch.sources)}


def post_alerts(store: Store, url: str, settings: Settings) -> tuple[list[int], list[dict[str, Any]]]:
    """POST every alert not yet delivered to ``url`` as JSON (one request each, ``alert_timeout``); a 2xx
    answer marks it delivered, anything else keeps it pending with its error. Return (delivered ids, failures)."""
    if not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"--post needs an http(s) URL, not {url!r}")
    delivered: list[int] = []
    failures: list[dict[str, Any]] = []
    headers = {"User-Agent": settings.user_agent}
    with httpx.Client(timeout=settings.alert_timeout, follow_redirects=False, headers=headers) as client:
        for alert in store.list_alerts(pending=True):
            assert alert.id is not None  # stored alerts have ids
            error: str | None = None
            try:
                response = client.post(url, json=alert_json(alert))
                if not 200 <= response.status_code < 300:
                    error = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if error is None:
                store.mark_alert(alert.id, delivered=utcnow(), error=None)
                delivered.append(alert.id)
            else:
                logger.warning("alert %s not delivered to %s: %s (kept pending)", alert.id, url, error)
                store.mark_alert(alert.id, delivered=None, error=error)
                failures.append({"id": alert.id, "error": error})
    return delivered, failures


def check_alerts(
    store: Store, settings: Settings, *, since: datetime | None = None, post: str | None = None
) -> AlertReport:
    """Look for new alerts (``look``) and, with ``post``, deliver every pending one (``post_alerts``).

    Raises UsageError for a ``post`` address that is not http(s), before anything is looked at."""
    if post and not post.lower().startswith(("http://", "https://")):
        raise UsageError(f"--post needs an http(s) URL, not {post!r}")
    report = AlertReport(alerts=look(store, since=since))
    if post:
        report.delivered, report.failed = post_alerts(store, post, settings)
    return report
