"""JSON codec for the model: ``to_json`` (via ``model.to_jsonable``) and ``from_json(cls, data)`` back.

The store keeps nested objects (an analysis's entities, quotes, times, events; a comparison's sides)
as JSON payloads; the CLI's ``--json`` output uses the same shapes. Every ``*_from_json`` raises
``StoreError`` naming the class when a payload is malformed (a missing key or a wrong type).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import MISSING
from datetime import date, datetime
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from veille.errors import StoreError
from veille.model import (
    Analysis,
    Article,
    Comparison,
    Document,
    DuplicateLink,
    Failure,
    RegistryEntity,
    Story,
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


def _decode(tp: Any, value: Any) -> Any:
    """Turn a JSON value into the Python value of type ``tp`` (a model hint), recursively."""
    if value is None:
        return None
    origin = get_origin(tp)
    if origin in (UnionType, Union):
        inner = [t for t in get_args(tp) if t is not type(None)]
        return _decode(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        return tuple(_decode(get_args(tp)[0], v) for v in value)
    if origin is not None and issubclass(origin, Mapping):
        return dict(value)
    if dataclasses.is_dataclass(tp):
        return from_json(tp, value)  # type: ignore[arg-type]
    if tp is datetime:
        return parse_datetime(value)
    if tp is date:
        return parse_date(value)
    if tp in (int, float):
        return tp(value)
    return value


def from_json(cls: type[T], data: Mapping[str, Any], **given: Any) -> T:
    """Return a model object of class ``cls`` from its JSON form (as made by ``to_json``).

    Unknown keys are ignored; a missing or null field takes the dataclass default; ``given`` supplies
    fields JSON never carries (``Document.raw``). Raises StoreError naming the class when malformed.
    """
    hints = get_type_hints(cls)

    def build() -> T:
        kwargs = dict(given)
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in kwargs:
                continue
            value = data.get(f.name)
            if value is None and (f.default is not MISSING or f.default_factory is not MISSING):
                continue
            if value is None and f.name not in data and type(None) not in get_args(hints[f.name]):
                raise KeyError(f.name)
            kwargs[f.name] = _decode(hints[f.name], value)
        return cls(**kwargs)

    return _guard(cls.__name__, build)


def analysis_payload(analysis: Analysis) -> dict[str, Any]:
    """Return the JSON payload the store keeps for an analysis: entities, quotes, times, events, qualifiers."""
    return {
        "entities": to_jsonable(analysis.entities),
        "quotes": to_jsonable(analysis.quotes),
        "times": to_jsonable(analysis.times),
        "events": to_jsonable(analysis.events),
        "qualifiers": to_jsonable(analysis.qualifiers),
    }


def document_from_json(data: Mapping[str, Any], raw: bytes) -> Document:
    """Return a Document from its JSON form plus its raw bytes (JSON never carries them)."""
    return from_json(Document, data, raw=raw)


def article_from_json(data: Mapping[str, Any]) -> Article:
    """Return an Article from its JSON form (``published`` as ISO date text)."""
    return from_json(Article, data)


def analysis_from_json(data: Mapping[str, Any]) -> Analysis:
    """Return an Analysis (with its entities, quotes, times, events) from its JSON form."""
    return from_json(Analysis, data)


def registry_entity_from_json(data: Mapping[str, Any]) -> RegistryEntity:
    """Return a RegistryEntity from its JSON form."""
    return from_json(RegistryEntity, data)


def duplicate_from_json(data: Mapping[str, Any]) -> DuplicateLink:
    """Return a DuplicateLink from its JSON form."""
    return from_json(DuplicateLink, data)


def story_from_json(data: Mapping[str, Any]) -> Story:
    """Return a Story from its JSON form."""
    return from_json(Story, data)


def comparison_from_json(data: Mapping[str, Any]) -> Comparison:
    """Return a Comparison (with its sides) from its JSON form."""
    return from_json(Comparison, data)


def failure_from_json(data: Mapping[str, Any]) -> Failure:
    """Return a Failure from its JSON form."""
    return from_json(Failure, data)
