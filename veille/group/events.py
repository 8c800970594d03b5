"""A story's events as every source tells them: the events of its articles merged across outlets.

Reads the story's stored events (``Store.list_events``, arguments by registry id), where its places are
(``Store.entity_places``) and which of its articles copy each other (``Store.duplicate_links``: a copy counts
once); the same-event decisions are ``veille.understand.event_groups``'s, whose version each StoryEvent carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from veille.errors import UsageError
from veille.group.copies import source_keys
from veille.model import EventRecord, EventSlot, EventSource, SlotValue, StoryEvent
from veille.text import fold
from veille.understand.event_groups import (
    EVENT_GROUPER_VERSION,
    PARTICIPANT_ROLES,
    EventSample,
    group_events,
    values_conflict,
)

if TYPE_CHECKING:
    from veille.store.base import Store

_ALL = 1 << 62  # "no limit" for the store's listing
_SLOT_ORDER = ("agent", "patient", "recipient", "place", "time", "object", "modality")
_ENTITY_SLOTS = frozenset({"agent", "patient", "recipient", "place"})


def story_events(
    store: Store,
    story_id: str,
    *,
    type: str | None = None,  # noqa: A002
    entity: str | None = None,
    place: str | None = None,
    since: date | None = None,
    until: date | None = None,
    article_id: str | None = None,
    limit: int = 100,
) -> list[StoryEvent]:
    """Return a story's events, one per event however many articles tell it, the most-sourced first.

    Each carries all its sources (articles the store knows as copies of each other count as one) and every
    value its slots are given (conflicts side by side). The filters (as ``Store.list_events``) keep the merged
    events with at least one report matching them all. UsageError for an unknown story or a name that names
    nothing.
    """
    story = store.get_story(story_id)
    if story is None:
        raise UsageError(f"no story {story_id!r} (see `veille stories`)")
    full = story.id
    records = store.list_events(story_id=full, type=type, limit=_ALL)
    records.sort(key=lambda r: (r.published is None, r.published or date.min, r.article_id, r.start))
    within = containing_places(
        store,
        sorted({a.entity_id for r in records for a in r.arguments if a.role == "place" and a.entity_id}),
    )
    samples = [
        EventSample(
            type=r.type,
            modality=r.modality,
            participants=frozenset(
                a.entity_id for a in r.arguments if a.role in PARTICIPANT_ROLES and a.entity_id
            ),
            places={
                a.entity_id: within[a.entity_id] for a in r.arguments if a.role == "place" and a.entity_id
            },
            time=r.time,
            source=r.article_id,
        )
        for r in records
    ]
    articles = sorted({r.article_id for r in records})
    source_of = source_keys(articles, ((d.article_id, d.other_id) for d in store.duplicate_links(articles)))
    merged = [
        merge_reports(full, [records[i] for i in group], source_of, within) for group in group_events(samples)
    ]
    if any(v is not None for v in (entity, place, since, until, article_id)):
        matching = {
            r.event_id
            for r in store.list_events(
                story_id=full,
                type=type,
                entity=entity,
                place=place,
                since=since,
                until=until,
                article_id=article_id,
                limit=_ALL,
            )
        }
        merged = [m for m in merged if matching & set(m.events)]
    merged.sort(key=lambda m: (-len(m.sources), m.sources[0].published or date.max, m.event_id))
    return merged[:limit]


def containing_places(store: Store, ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """Return, per place id, the ids among ``ids`` that contain it (the country of a city)."""
    facts = store.entity_places(ids)
    countries = {p.country: ident for ident, p in facts.items() if p.kind == "country" and p.country}
    within: dict[str, frozenset[str]] = {}
    for ident in ids:
        country = facts[ident].country if ident in facts else None
        outer = countries.get(country) if country is not None else None
        within[ident] = frozenset({outer}) if outer is not None and outer != ident else frozenset()
    return within


def merge_reports(
    story_id: str,
    members: Sequence[EventRecord],
    source_of: Mapping[str, str],
    within: Mapping[str, frozenset[str]],
) -> StoryEvent:
    """Return one merged event from its reports (earliest article first): sources, slots, conflicts."""

    # the most detailed report (most slots filled) stands for the event; the earliest on a tie
    head = min(members, key=lambda r: -(len({a.role for a in r.arguments}) + (r.time is not None)))
    by_source: dict[str, list[EventRecord]] = {}
    for r in members:
        by_source.setdefault(source_of.get(r.article_id, r.article_id), []).append(r)
    sources = []
    for reports in by_source.values():
        articles = list(dict.fromkeys(r.article_id for r in reports))
        sources.append(
            EventSource(
                article_id=articles[0],
                outlet=reports[0].outlet,
                published=reports[0].published,
                event_ids=tuple(r.event_id for r in reports),
                copies=tuple(articles[1:]),
            )
        )
    # role -> value -> (name, entity id, articles); role -> source -> values
    values: dict[str, dict[str, tuple[str, str | None, list[str]]]] = {}
    given: dict[str, dict[str, set[str]]] = {}

    def add(role: str, value: str, name: str, entity_id: str | None, article: str) -> None:
        _, _, articles = values.setdefault(role, {}).setdefault(value, (name, entity_id, []))
        if article not in articles:
            articles.append(article)
        per_source = given.setdefault(role, {}).setdefault(source_of.get(article, article), set())
        # participants and places are compared by registry id: unlinked words ("la femme") may be anyone
        if entity_id is not None or role not in _ENTITY_SLOTS:
            per_source.add(value)

    for r in members:
        for a in r.arguments:
            if a.entity_id is not None:
                add(a.role, a.entity_id, a.name or a.text, a.entity_id, r.article_id)
            else:
                add(a.role, fold(a.text), a.text, None, r.article_id)
        if r.time is not None:
            add("time", r.time, r.time, None, r.article_id)
        add("modality", r.modality, r.modality, None, r.article_id)
    roles = [role for role in _SLOT_ORDER if role in values] + sorted(set(values) - set(_SLOT_ORDER))
    slots = tuple(
        EventSlot(
            role=role,
            values=tuple(
                SlotValue(value=value, name=name, entity_id=entity_id, articles=tuple(articles))
                for value, (name, entity_id, articles) in values[role].items()
            ),
            is_conflict=values_conflict(role, {k: frozenset(v) for k, v in given[role].items()}, within),
        )
        for role in roles
    )
    return StoryEvent(
        event_id=head.event_id,
        story_id=story_id,
        type=head.type,
        trigger=head.trigger,
        sources=tuple(sources),
        slots=slots,
        events=tuple(r.event_id for r in members),
        conflicts=tuple(slot.role for slot in slots if slot.is_conflict),
        grouper=EVENT_GROUPER_VERSION,
    )
