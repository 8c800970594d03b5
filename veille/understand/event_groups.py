"""One event across a story's outlets: when two events are the same event, and which details conflict.

Pure decisions over plain data (no spaCy): ``veille.group.events`` gives each event of a story as an
``EventSample`` (registry ids, TIMEX3 value, places with the places that contain them) and asks ``group_events``.

Two events are the same event (``is_same_event``) when they have the same type and polarity (negated or
denied only with negated or denied), and
- participants (agent, patient, recipient registry ids) share at least one id, or one side has none;
- times overlap as intervals (``time_interval``: "2023-02" contains "2023-02-06"; "2023-02-06" and
  "2023-02-07" are different days), or one is missing or is not a date (P2D, PRESENT_REF);
- places are the same registry id, or one contains the other (a city in its country), or one is missing;
- and at least one of these agrees positively (a shared participant, a compatible place both give, or
  overlapping times both give): two bare "visite" of one story are not joined on their type alone.

A date range is one ISO 8601 interval of TIMEX3 dates, ``START/END``: "les 06 et 07 février 2023" is
"2023-02-06/2023-02-07" (TIMEX3 has no single value for a range; TimeML gives two dates and a duration).

``group_events`` joins same-event pairs (the strongest agreements first) into groups, refusing a join that
would put two events with different participants or incompatible places in one group. Times are the
exception: a group may hold two events whose dates differ when a third, undated one links them (the
date outlets most often disagree on); ``slot_conflicts`` then shows both dates side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from veille.model import time_interval

logger = logging.getLogger(__name__)

EVENT_GROUPER_VERSION = "veille-event-groups 1"
PARTICIPANT_ROLES = ("agent", "patient", "recipient")
NEGATIVE = frozenset({"negated", "denied"})


@dataclass(frozen=True, slots=True)
class EventSample:
    """What the grouping reads of one event: type, modality, participants' registry ids, places, time.

    ``places`` maps each place's registry id to the ids of the places that contain it (Bamako → {Mali}).
    ``source`` (the article, across a story): two events of one source are never one event — the events
    stage already merged the mentions of one event within its article.
    """

    type: str
    modality: str = "asserted"
    participants: frozenset[str] = frozenset()
    places: Mapping[str, frozenset[str]] = field(default_factory=dict)
    time: str | None = None
    source: str | None = None


def times_overlap(a: str | None, b: str | None) -> bool | None:
    """Return True when two TIMEX3 values overlap as intervals, False when they do not, None when one is not a date."""
    ia, ib = time_interval(a), time_interval(b)
    if ia is None or ib is None:
        return None
    return ia[0] <= ib[1] and ib[0] <= ia[1]


def places_agree(a: Mapping[str, frozenset[str]], b: Mapping[str, frozenset[str]]) -> bool | None:
    """Return True when a place of ``a`` is one of ``b`` or contains or lies in it, False when none does, None when one has none."""
    if not a or not b:
        return None
    return any(p == q or q in a[p] or p in b[q] for p in a for q in b)


def _agreement(a: EventSample, b: EventSample) -> int | None:
    """Return how many slots agree positively when ``a`` and ``b`` may be one event, None when they contradict."""
    if a.type != b.type or (a.modality in NEGATIVE) != (b.modality in NEGATIVE):
        return None
    score = 0
    if a.participants and b.participants:
        if not a.participants & b.participants:
            return None
        score += 1
    place = places_agree(a.places, b.places)
    if place is False:
        return None
    score += place is True
    time = times_overlap(a.time, b.time)
    if time is False:
        return None
    score += time is True
    return score


def is_same_event(a: EventSample, b: EventSample) -> bool:
    """Return True when two events are the same event by the rules of the module docstring."""
    return bool(_agreement(a, b))


def _may_share_group(a: EventSample, b: EventSample) -> bool:
    """Return False when two events cannot be in one group: other type, polarity, participants or place."""
    if a.type != b.type or (a.modality in NEGATIVE) != (b.modality in NEGATIVE):
        return False
    if a.source is not None and a.source == b.source:
        return False
    if a.participants and b.participants and not a.participants & b.participants:
        return False
    return places_agree(a.places, b.places) is not False


def group_events(samples: Sequence[EventSample]) -> list[list[int]]:
    """Return the groups of same events as lists of indices into ``samples`` (each sorted; groups by first index).

    Pairs join strongest agreement first (then by index, so the result never depends on anything else);
    a join is refused when two members of the merged group differ on participants or place.
    """
    # Only pairs that may agree positively are compared: those sharing a key (a participant, a place or a
    # place containing it, a month both dates touch) within one type, found by an inverted index.
    index: dict[tuple[str, str], list[int]] = {}
    for i, sample in enumerate(samples):
        for key in _keys(sample):
            index.setdefault((sample.type, key), []).append(i)
    candidates: set[tuple[int, int]] = set()
    for indices in index.values():
        for k, i in enumerate(indices):
            candidates.update((i, j) for j in indices[k + 1 :])
    pairs: list[tuple[int, int, int]] = []
    for i, j in candidates:
        if samples[i].source is not None and samples[i].source == samples[j].source:
            continue
        score = _agreement(samples[i], samples[j])
        if score:
            pairs.append((-score, i, j))
    parent = list(range(len(samples)))
    members = {i: [i] for i in range(len(samples))}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in sorted(pairs):
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        if all(_may_share_group(samples[x], samples[y]) for x in members[ri] for y in members[rj]):
            keep, gone = min(ri, rj), max(ri, rj)
            parent[gone] = keep
            members[keep] = sorted(members[keep] + members.pop(gone))
    return [members[r] for r in sorted(members)]


_MONTHS_INDEXED = 36  # a date spanning more months than this is not indexed by month (it still agrees)


def _keys(sample: EventSample) -> set[str]:
    """Return the index keys of an event: its participants, its places and their containers, its months."""
    keys = set(sample.participants)
    for place, containers in sample.places.items():
        keys.add(place)
        keys.update(containers)
    interval = time_interval(sample.time)
    if interval is not None:
        (y1, m1), (y2, m2) = (interval[0].year, interval[0].month), (interval[1].year, interval[1].month)
        months = (y2 - y1) * 12 + m2 - m1 + 1
        if months <= _MONTHS_INDEXED:
            keys.update(
                f"month:{(y1 * 12 + m1 - 1 + k) // 12}-{(m1 - 1 + k) % 12 + 1}" for k in range(months)
            )
    return keys


def values_conflict(
    role: str, by_source: Mapping[str, frozenset[str]], places: Mapping[str, frozenset[str]]
) -> bool:
    """Return True when the sources of one merged event give incompatible values for a slot.

    ``by_source`` maps each source to the values it gives (registry ids, TIMEX3 values or folded words).
    time: two values that do not overlap; place: two places neither of which is or contains the other
    (``places`` maps a place id to the ids that contain it); any other role (participants, objects): two
    sources whose sets of values share none. Modality never conflicts (planned then done is one event).
    """
    if role == "modality":
        return False
    given = [values for values in by_source.values() if values]
    if role == "time":
        flat = sorted({v for values in given for v in values})
        return any(times_overlap(a, b) is False for i, a in enumerate(flat) for b in flat[i + 1 :])
    if role == "place":
        flat = sorted({v for values in given for v in values})
        return any(
            places_agree({a: places.get(a, frozenset())}, {b: places.get(b, frozenset())}) is False
            for i, a in enumerate(flat)
            for b in flat[i + 1 :]
        )
    return any(not (a & b) for i, a in enumerate(given) for b in given[i + 1 :])
