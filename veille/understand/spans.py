"""Span lookups that keep the analysis near-linear in the text's length.

A rule that asks "which mention, time or quote is at this place?" once per token or per event must not read
every span of the article each time: on a long article that is n² work. ``SpanIndex`` sorts the spans once
and answers by bisection, returning what a full scan would have found, in the order the spans were given.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class SpanIndex(Generic[T]):
    """Items with a (start, end) span each, found by place; answers keep the items' input order."""

    __slots__ = ("_starts", "_rows", "_longest")

    def __init__(self, items: Iterable[tuple[int, int, T]]) -> None:
        rows = sorted(
            ((start, end, order, item) for order, (start, end, item) in enumerate(items)), key=lambda r: r[:3]
        )
        self._rows = rows
        self._starts = [r[0] for r in rows]
        self._longest = max((r[1] - r[0] for r in rows), default=0)

    def overlapping(self, start: int, end: int) -> list[T]:
        """Return the items whose span shares a character with start..end (end excluded)."""
        lo = bisect_left(self._starts, start - self._longest)
        hi = bisect_left(self._starts, end)
        found = [r for r in self._rows[lo:hi] if r[1] > start]
        return [r[3] for r in sorted(found, key=lambda r: r[2])]

    def covering(self, pos: int) -> list[T]:
        """Return the items whose span holds the offset ``pos`` (start <= pos < end)."""
        return self.overlapping(pos, pos + 1)

    def within(self, start: int, end: int) -> list[T]:
        """Return the items whose span starts at or after ``start`` and ends at or before ``end``."""
        lo, hi = bisect_left(self._starts, start), bisect_right(self._starts, end)
        return [r[3] for r in sorted((r for r in self._rows[lo:hi] if r[1] <= end), key=lambda r: r[2])]

    def starting_in(self, start: int, end: int) -> list[T]:
        """Return the items whose span starts in start..end (end excluded)."""
        lo, hi = bisect_left(self._starts, start), bisect_left(self._starts, end)
        return [r[3] for r in sorted(self._rows[lo:hi], key=lambda r: r[2])]

    def __len__(self) -> int:
        return len(self._rows)


class _HasSpan(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=_HasSpan)


class Spanned(tuple[S, ...]):
    """A tuple of spans (times, quotes) that carries its SpanIndex, built on first use."""

    @cached_property
    def spans(self) -> SpanIndex[S]:
        """The SpanIndex of the items, by their ``start``..``end``."""
        return SpanIndex((item.start, item.end, item) for item in self)


def spanned(items: Sequence[S]) -> Spanned[S]:
    """Return ``items`` as a Spanned tuple (itself when it already is one): build it once, query it often."""
    return items if isinstance(items, Spanned) else Spanned(items)
