"""JSON codec for the model: ``to_json`` (via ``model.to_jsonable``) and one ``*_from_json`` per class.

The store keeps nested objects (an analysis's entities, quotes, times, events; a comparison's sides)
as JSON payloads; the CLI's ``--json`` output uses the same shapes. Every ``*_from_json`` raises
``StoreError`` naming the class when a payload is malformed (a missing key or a wrong type).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from veille.errors import StoreError
from veille.model import (
    Analysis,
    Article,
    Comparison,
    ComparisonSide,
    Document,
    DuplicateLink,
    Entity,
    Event,
    EventArgument,
    Failure,
    Mention,
    Quote,
    RegistryEntity,
    Speaker,
    Story,
    TimeExpression,
    to_jsonable,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """Return the JSON-ready form of a model object (``Document.raw`` is left out)."""
    return to_jsonable(value)


def dumps(value: Any) -> str:
    """Return canonical JSON text for a model object or JSON-ready value (sorted keys, UTF-8 kept)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _guard(name: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreError(f"malformed {name} payload: {exc!r}") from exc


def parse_date(value: str | None) -> date | None:
    """Return the date of an ISO text (None stays None); raise StoreError on a malformed value."""
    if value is None:
        return None
    return _guard("date", lambda: date.fromisoformat(value[:10]))


def parse_datetime(value: str | None) -> datetime | None:
    """Return the datetime of an ISO text (None stays None); raise StoreError on a malformed value."""
    if value is None:
        return None
    return _guard("datetime", lambda: datetime.fromisoformat(value))


def _opt(data: Mapping[str, Any], key: str) -> Any:
    return data.get(key)


def mention_from_json(data: Mapping[str, Any]) -> Mention:
    """Return a Mention from its JSON form."""
    return _guard(
        "Mention", lambda: Mention(text=data["text"], start=int(data["start"]), end=int(data["end"]))
    )


def entity_from_json(data: Mapping[str, Any]) -> Entity:
    """Return an Entity (with its mentions) from its JSON form."""
    return _guard(
        "Entity",
        lambda: Entity(
            entity_id=data["entity_id"],
            name=data["name"],
            type=data["type"],
            mentions=tuple(mention_from_json(m) for m in data.get("mentions") or ()),
            roles=tuple(data.get("roles") or ()),
        ),
    )


def speaker_from_json(data: Mapping[str, Any] | None) -> Speaker | None:
    """Return a Speaker from its JSON form (None stays None)."""
    if data is None:
        return None
    return _guard("Speaker", lambda: Speaker(name=data["name"], entity_id=_opt(data, "entity_id")))


def quote_from_json(data: Mapping[str, Any]) -> Quote:
    """Return a Quote from its JSON form."""
    return _guard(
        "Quote",
        lambda: Quote(
            text=data["text"],
            start=int(data["start"]),
            end=int(data["end"]),
            kind=data["kind"],
            cue=_opt(data, "cue"),
            speaker=speaker_from_json(_opt(data, "speaker")),
            speaker_text=_opt(data, "speaker_text"),
        ),
    )


def time_from_json(data: Mapping[str, Any]) -> TimeExpression:
    """Return a TimeExpression from its JSON form."""
    return _guard(
        "TimeExpression",
        lambda: TimeExpression(
            text=data["text"],
            start=int(data["start"]),
            end=int(data["end"]),
            value=_opt(data, "value"),
            type=data.get("type") or "DATE",
            anchor=_opt(data, "anchor"),
        ),
    )


def event_argument_from_json(data: Mapping[str, Any]) -> EventArgument:
    """Return an EventArgument from its JSON form."""
    return _guard(
        "EventArgument",
        lambda: EventArgument(
            role=data["role"],
            text=data["text"],
            start=int(data["start"]),
            end=int(data["end"]),
            entity_id=_opt(data, "entity_id"),
        ),
    )


def event_from_json(data: Mapping[str, Any]) -> Event:
    """Return an Event (with its arguments) from its JSON form."""
    return _guard(
        "Event",
        lambda: Event(
            type=data["type"],
            trigger=data["trigger"],
            start=int(data["start"]),
            end=int(data["end"]),
            arguments=tuple(event_argument_from_json(a) for a in data.get("arguments") or ()),
            time=_opt(data, "time"),
            modality=data.get("modality") or "asserted",
        ),
    )


def analysis_payload(analysis: Analysis) -> dict[str, Any]:
    """Return the JSON payload the store keeps for an analysis: entities, quotes, times, events."""
    return {
        "entities": to_jsonable(analysis.entities),
        "quotes": to_jsonable(analysis.quotes),
        "times": to_jsonable(analysis.times),
        "events": to_jsonable(analysis.events),
    }


def analysis_from_json(data: Mapping[str, Any]) -> Analysis:
    """Return an Analysis from its JSON form (``to_json(analysis)``)."""
    return _guard(
        "Analysis",
        lambda: Analysis(
            article_id=data["article_id"],
            language=_opt(data, "language"),
            entities=tuple(entity_from_json(e) for e in data.get("entities") or ()),
            quotes=tuple(quote_from_json(q) for q in data.get("quotes") or ()),
            times=tuple(time_from_json(t) for t in data.get("times") or ()),
            events=tuple(event_from_json(e) for e in data.get("events") or ()),
            analyzer=data.get("analyzer") or "",
        ),
    )


def document_from_json(data: Mapping[str, Any], raw: bytes) -> Document:
    """Return a Document from its JSON form plus its raw bytes (JSON never carries them)."""

    def build() -> Document:
        received = parse_datetime(data["received"])
        if received is None:
            raise ValueError("received is missing")
        return Document(
            id=data["id"],
            raw=raw,
            media_type=data["media_type"],
            source=data["source"],
            container=data["container"],
            received=received,
            record_id=_opt(data, "record_id"),
            url=_opt(data, "url"),
            hints={str(k): str(v) for k, v in (data.get("hints") or {}).items()},
        )

    return _guard("Document", build)


def article_from_json(data: Mapping[str, Any]) -> Article:
    """Return an Article from its JSON form (``published`` as ISO date text)."""
    published = parse_date(_opt(data, "published"))
    return _guard(
        "Article",
        lambda: Article(
            id=data["id"],
            content_id=data["content_id"],
            text=data["text"],
            url=_opt(data, "url"),
            title=_opt(data, "title"),
            title_source=_opt(data, "title_source"),
            outlet=_opt(data, "outlet"),
            outlet_source=_opt(data, "outlet_source"),
            author=_opt(data, "author"),
            author_source=_opt(data, "author_source"),
            published=published,
            published_source=_opt(data, "published_source"),
            extractor=data.get("extractor") or "",
        ),
    )


def registry_entity_from_json(data: Mapping[str, Any]) -> RegistryEntity:
    """Return a RegistryEntity from its JSON form."""
    first, last = parse_date(_opt(data, "first_seen")), parse_date(_opt(data, "last_seen"))
    return _guard(
        "RegistryEntity",
        lambda: RegistryEntity(
            entity_id=data["entity_id"],
            name=data["name"],
            type=data["type"],
            aliases={str(k): int(v) for k, v in (data.get("aliases") or {}).items()},
            first_seen=first,
            last_seen=last,
            article_count=int(data.get("article_count") or 0),
        ),
    )


def duplicate_from_json(data: Mapping[str, Any]) -> DuplicateLink:
    """Return a DuplicateLink from its JSON form."""
    return _guard(
        "DuplicateLink",
        lambda: DuplicateLink(
            article_id=data["article_id"],
            other_id=data["other_id"],
            kind=data["kind"],
            similarity=float(data["similarity"]),
        ),
    )


def story_from_json(data: Mapping[str, Any]) -> Story:
    """Return a Story from its JSON form."""
    first, last = parse_date(_opt(data, "first_seen")), parse_date(_opt(data, "last_seen"))
    return _guard(
        "Story",
        lambda: Story(
            id=data["id"],
            label=data["label"],
            articles=tuple(data["articles"]),
            outlets=tuple(data.get("outlets") or ()),
            first_seen=first,
            last_seen=last,
            grouper=data.get("grouper") or "",
        ),
    )


def comparison_side_from_json(data: Mapping[str, Any]) -> ComparisonSide:
    """Return a ComparisonSide from its JSON form."""
    published = parse_date(_opt(data, "published"))
    return _guard(
        "ComparisonSide",
        lambda: ComparisonSide(
            article_id=data["article_id"],
            outlet=_opt(data, "outlet"),
            title=_opt(data, "title"),
            published=published,
            lead=data.get("lead") or "",
            entities=tuple(data.get("entities") or ()),
            only_entities=tuple(data.get("only_entities") or ()),
            quotes=tuple(quote_from_json(q) for q in data.get("quotes") or ()),
            times=tuple(time_from_json(t) for t in data.get("times") or ()),
            duplicate_of=_opt(data, "duplicate_of"),
        ),
    )


def comparison_from_json(data: Mapping[str, Any]) -> Comparison:
    """Return a Comparison (with its sides) from its JSON form."""
    return _guard(
        "Comparison",
        lambda: Comparison(
            story_id=data["story_id"],
            label=data.get("label") or "",
            shared_entities=tuple(data.get("shared_entities") or ()),
            sides=tuple(comparison_side_from_json(s) for s in data.get("sides") or ()),
            comparer=data.get("comparer") or "",
        ),
    )


def failure_from_json(data: Mapping[str, Any]) -> Failure:
    """Return a Failure from its JSON form."""
    time = parse_datetime(_opt(data, "time"))
    return _guard(
        "Failure",
        lambda: Failure(
            item_id=data["item_id"],
            stage=data["stage"],
            code=data["code"],
            message=data["message"],
            version=data.get("version") or "",
            source=_opt(data, "source"),
            **({"time": time} if time is not None else {}),
        ),
    )
