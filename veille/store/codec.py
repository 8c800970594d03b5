"""JSON codec for the model: ``to_json`` (via ``model.to_jsonable``) and ``from_json(cls, data)`` back.

The store keeps nested objects (an analysis's entities, quotes, times, events; a comparison's sides)
as JSON payloads; the CLI's ``--json`` output uses the same shapes. Every ``*_from_json`` raises
``StoreError`` naming the class when a payload is malformed (a missing key or a wrong type).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import MISSING
from datetime import date, datetime
from types import UnionType
from typing import Any, NamedTuple, TypeVar, Union, cast, get_args, get_origin, get_type_hints

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


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """Return the function turning a non-null JSON value into the Python value of type ``tp`` (a model
    hint), worked out once per hint: the per-value ``get_origin`` dispatch was the rest of the time."""
    origin = get_origin(tp)
    if origin in (UnionType, Union):
        inner = [t for t in get_args(tp) if t is not type(None)]
        if len(inner) != 1:
            return _identity
        return functools.partial(_decode, inner[0])
    if origin is tuple:
        item = get_args(tp)[0]
        return lambda value: tuple([_decode(item, v) for v in value])
    if origin is not None and issubclass(origin, Mapping):
        return dict
    if dataclasses.is_dataclass(tp):
        return functools.partial(from_json, tp)  # type: ignore[arg-type]
    if tp is datetime:
        return parse_datetime
    if tp is date:
        return parse_date
    if tp is int:
        return int
    if tp is float:
        return _number  # a whole number JSON holds stays an int: stored again, it reads as it was written
    return _identity


def _number(value: Any) -> float:
    return value if isinstance(value, int) and not isinstance(value, bool) else float(value)


def _decode(tp: Any, value: Any) -> Any:
    """Turn a JSON value into the Python value of type ``tp`` (a model hint), recursively."""
    return None if value is None else _decoder(tp)(value)


class _Field(NamedTuple):
    """What ``from_json`` needs of a dataclass field, worked out once per class."""

    name: str
    hint: Any  # the resolved type hint
    has_default: bool  # a default or a default factory: a missing or null value takes it
    nullable: bool  # None is among the hint's arguments (``X | None``)


@functools.cache
def _fields(cls: Any) -> tuple[_Field, ...]:
    """Return the decoding plan of a dataclass: its fields with their resolved hints (cached per class:
    ``get_type_hints`` evaluates every annotation string and was most of the decoding time)."""
    hints = get_type_hints(cls)
    return tuple(
        _Field(
            f.name,
            hints[f.name],
            f.default is not MISSING or f.default_factory is not MISSING,
            type(None) in get_args(hints[f.name]),
        )
        for f in dataclasses.fields(cls)
    )


def from_json(cls: type[T], data: Mapping[str, Any], **given: Any) -> T:
    """Return a model object of class ``cls`` from its JSON form (as made by ``to_json``).

    Unknown keys are ignored; a missing or null field takes the dataclass default; ``given`` supplies
    fields JSON never carries (``Document.raw``). Raises StoreError naming the class when malformed.
    """

    def build() -> T:
        kwargs = dict(given)
        for f in _fields(cast(type, cls)):
            if f.name in kwargs:
                continue
            value = data.get(f.name)
            if value is None and f.has_default:
                continue
            if value is None and not f.nullable and f.name not in data:
                raise KeyError(f.name)
            kwargs[f.name] = _decode(f.hint, value)
        return cls(**kwargs)

    return _guard(cls.__name__, build)


def analysis_payload(analysis: Analysis) -> dict[str, Any]:
    """Return the JSON payload the store keeps for an analysis: entities, quotes, times, events, qualifiers,
    quantities."""
    return {
        "entities": to_jsonable(analysis.entities),
        "quotes": to_jsonable(analysis.quotes),
        "times": to_jsonable(analysis.times),
        "events": to_jsonable(analysis.events),
        "qualifiers": to_jsonable(analysis.qualifiers),
        "quantities": to_jsonable(analysis.quantities),
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
