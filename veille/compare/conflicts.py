"""Conflicts: the same slot filled with incompatible values by different sources of a story.

How compatibility is decided, per kind (each Conflict carries its rule):
- event slots (who did it, to whom, where, when): the store's merged story events, whose slots conflict
  when the sources' values share nothing (participants, by registry id), when neither place is or contains
  the other, or when two dates do not overlap as intervals ("6 février" and "les 6 et 7 février" overlap);
- figures: two quantities measuring the same thing (``numbers.same_measure``: the same unit family and the
  same counted noun, "morts" = "tués" = "killed") whose intervals cannot hold one value
  (``numbers.compatible``: "au moins 12" and "15" can, "84" and "77" cannot), in claims aligned as one fact,
  or anywhere in the story when the two sentences share an entity or close words;
- dates: in claims aligned as one fact, two dates (TIMEX3 days or months) that do not overlap;
- titles and roles: one person given two different offices (normalised functions) by two sources, neither
  containing the other.
Copies count once: values are compared between sources, never within one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations

from veille.compare.claims import sentences
from veille.compare.numbers import Quantity, canonical_counted, compatible, find_quantities, same_measure
from veille.model import Analysis, Article, Claim, ClaimGroup, Conflict, ConflictValue
from veille.store.base import StoryEvent
from veille.understand.event_groups import times_overlap

_WORD = re.compile(r"\w+", re.UNICODE)
STORY_WIDE_SIMILARITY = 0.15  # sentences this close (or sharing an entity) may state one figure
_ROLE_KIND = {"time": "date", "place": "place", "agent": "agent"}
SYMMETRIC = {"meet", "sign"}  # who met whom: the agent is whoever the sentence names first


def _value(
    claim: Claim, outlet: str | None, text: str, start: int, end: int, normalized: str
) -> ConflictValue:
    return ConflictValue(
        value=text,
        article_id=claim.article_id,
        outlet=outlet,
        start=start,
        end=end,
        sentence=claim.text,
        normalized=normalized,
    )


def event_conflicts(
    events: Sequence[StoryEvent],
    claims: Sequence[Claim],
    outlets: Mapping[str, str | None],
    source_of: Mapping[str, str],
) -> list[Conflict]:
    """Return the conflicting slots of the story's merged events, each value with its source sentence (a copy's
    value is its original's: not repeated)."""
    claim_of = {(c.article_id, c.event_id): c for c in claims if c.event_id}
    out = []
    for event in events:
        for slot in event.slots:
            if not slot.is_conflict or slot.role not in _ROLE_KIND:
                continue  # a patient or recipient one source leaves out or words otherwise is not "who did it"
            if slot.role == "agent" and event.type in SYMMETRIC:
                continue
            values = []
            for v in slot.values:
                for article in v.articles:
                    if source_of.get(article, article) != article:
                        continue
                    claim = claim_of.get((article, event.event_id))
                    if claim is None:
                        continue
                    at = claim.text.find(v.name) if v.name else -1
                    start = claim.start + at if at >= 0 else claim.start
                    end = start + len(v.name) if at >= 0 else claim.end
                    values.append(_value(claim, outlets.get(article), v.name or v.value, start, end, v.value))
            if len({v.normalized for v in values}) > 1 and len({v.article_id for v in values}) > 1:
                out.append(
                    Conflict(
                        slot=f"{event.type} {slot.role}",
                        kind=_ROLE_KIND[slot.role],
                        values=tuple(values),
                        rule="event slot: "
                        + (
                            "dates that do not overlap"
                            if slot.role == "time"
                            else "places neither of which contains the other"
                            if slot.role == "place"
                            else "no participant in common (registry ids)"
                        ),
                    )
                )
    return out


def _bag(text: str) -> Counter[str]:
    return Counter(w.lower()[:6] for w in _WORD.findall(text) if len(w) > 3 and not w.isdigit())


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def figure_conflicts(
    facts: Sequence[ClaimGroup],
    claims: Sequence[Claim],
    source_of: Mapping[str, str],
    outlets: Mapping[str, str | None],
    languages: Mapping[str, str],
) -> list[Conflict]:
    """Return figures that sources give differently for one measure, one conflict per measure with every value.

    A measure is a counted noun (canonical: "morts" = "tués") with its unit; sums of money and durations count
    in sentences closer than other figures (SPAN_SIMILARITY: a story quotes many). Two sources' values conflict
    when no interval holds both and their sentences are one fact, or close (a shared entity and
    STORY_WIDE_SIMILARITY of words); a source that itself gives more than MAX_OWN_VALUES incompatible values
    for a measure is left out of it (the noun then names several things; two may be a correction).
    """
    fact_of = {
        (c.article_id, c.start): k for k, f in enumerate(facts) for c in f.claims if len(f.sources) > 1
    }
    by_measure: dict[str, list[tuple[Claim, Quantity]]] = {}
    for c in claims:
        if not c.figures:
            continue
        for q in find_quantities(c.text, languages.get(c.article_id, "fr")):
            counted = canonical_counted(q.counted) or ("money" if q.unit in _MONEY else None)
            if counted is None or counted in GENERIC_COUNTED or _OTHER.search(q.text):
                continue  # "14 autres otages", "two other men": a part of a count, not the count
            money = q.unit in _MONEY  # sums in any currency are one measure: compatible() converts them
            key = "money" if money else f"{counted} ({q.unit})" if q.unit else counted
            by_measure.setdefault(key, []).append((c, q))
    out = []
    for measure, found in by_measure.items():
        per_source: dict[str, list[tuple[Claim, Quantity]]] = {}
        for c, q in found:
            per_source.setdefault(source_of[c.article_id], []).append((c, q))
        consistent = [values for values in per_source.values() if _value_groups(values) <= MAX_OWN_VALUES]
        pairs: set[tuple[Claim, Quantity]] = set()
        for va, vb in combinations(consistent, 2):
            for ca, qa in va:
                for cb, qb in vb:
                    if not same_measure(qa, qb) or compatible(qa, qb):
                        continue
                    fa, fb = fact_of.get((ca.article_id, ca.start)), fact_of.get((cb.article_id, cb.start))
                    aligned = fa is not None and fa == fb
                    bar = SPAN_SIMILARITY if _is_span(qa) else STORY_WIDE_SIMILARITY
                    close = (
                        bool(set(ca.entities) & set(cb.entities))
                        and _cosine(_bag(ca.text), _bag(cb.text)) >= bar
                    )
                    if aligned or close:
                        pairs.update({(ca, qa), (cb, qb)})
        if not pairs:
            continue
        values = tuple(
            _value(
                c,
                outlets.get(c.article_id),
                q.text,
                c.start + q.start,
                c.start + q.end,
                f"{q.low:g}..{q.high:g}",
            )
            for c, q in sorted(pairs, key=lambda p: (p[0].article_id, p[0].start, p[1].start))
        )
        out.append(
            Conflict(
                slot=f"figure: {measure}",
                kind="figure",
                values=values,
                rule="same measure (counted noun and unit), intervals that cannot hold one value, in one fact or"
                " in close sentences naming one entity",
            )
        )
    return out


MAX_OWN_VALUES = 2  # a source giving more incompatible values than this for one measure lists several things
SPAN_SIMILARITY = 0.3  # sums and durations: a story quotes many, so their sentences must be closer
GENERIC_COUNTED = {"time", "fois"}  # "30 times", "trois fois": counts of anything
_OTHER = re.compile(r"\b(?:autres?|others?)\b", re.IGNORECASE)
_SPAN_UNITS = {"year", "month", "week", "day", "hour", "minute"}
_MONEY = {"EUR", "USD", "GBP", "XOF", "CHF", "CNY", "JPY"}


def _value_groups(values: Sequence[tuple[Claim, Quantity]]) -> int:
    """Return how many mutually incompatible values a source gives (greedy groups of compatible ones)."""
    groups: list[Quantity] = []
    for _, q in values:
        if not any(compatible(q, g) for g in groups):
            groups.append(q)
    return len(groups)


def _is_span(q: Quantity) -> bool:
    """Return True for money and durations: a story quotes many different ones."""
    return q.unit in _SPAN_UNITS or q.unit in _MONEY


def date_conflicts(facts: Sequence[ClaimGroup], outlets: Mapping[str, str | None]) -> list[Conflict]:
    """Return days that the claims of one fact aligned by words (story events have their time slot) give
    without overlap, when each claim gives exactly one day and the fact is a close match (DATE_FACT_SCORE)."""
    out = []
    for fact in facts:
        if len(fact.sources) < 2 or fact.matched_by != "text" or fact.score < DATE_FACT_SCORE:
            continue
        days = [(c, c.dates[0]) for c in fact.claims if len(c.dates) == 1 and _DAY.match(c.dates[0])]
        if len(days) < 2 or all(times_overlap(a[1], b[1]) is not False for a, b in combinations(days, 2)):
            continue
        out.append(
            Conflict(
                slot="date of one fact",
                kind="date",
                values=tuple(_value(c, outlets.get(c.article_id), d, c.start, c.end, d) for c, d in days),
                rule="the one day each aligned claim gives, days that do not overlap",
            )
        )
    return out


DATE_FACT_SCORE = 0.45
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def role_conflicts(
    articles: Sequence[Article], analyses: Mapping[str, Analysis | None], source_of: Mapping[str, str]
) -> list[Conflict]:
    """Return people given different offices by different sources (normalised functions, neither containing
    the other, for the same country or organisation when both say)."""
    offices: dict[str, dict[str, tuple[str, Article, int, int, str | None]]] = {}
    names: dict[str, str] = {}
    for article in articles:
        analysis = analyses.get(article.id)
        for e in analysis.entities if analysis else ():
            if e.type != "PER":
                continue
            names[e.entity_id] = e.name
            functions = {o.function for o in e.offices}
            if len(functions) != 1:
                continue  # a source giving several offices for one person is not one value
            o = e.offices[0]
            offices.setdefault(e.entity_id, {}).setdefault(
                source_of[article.id], (o.function, article, o.start, o.end, o.country or o.org)
            )
    out = []
    for entity_id, by_source in offices.items():
        given = list(by_source.values())
        clash = [
            (a, b)
            for a, b in combinations(given, 2)
            if a[0] not in b[0]
            and b[0] not in a[0]
            and not ({a[0], b[0]} & GENERIC_TITLES)
            and (a[4] is None or b[4] is None or a[4] == b[4])
        ]
        if not clash:
            continue
        values = []
        for function, article, start, end, _ in given:
            values.append(
                ConflictValue(
                    value=article.text[start:end],
                    article_id=article.id,
                    outlet=article.outlet,
                    start=start,
                    end=end,
                    sentence=_sentence_around(article.text, start, end),
                    normalized=function,
                )
            )
        out.append(
            Conflict(
                slot=f"title of {names[entity_id]}",
                kind="role",
                values=tuple(values),
                rule="different normalised offices for one person, neither containing the other",
            )
        )
    return out


GENERIC_TITLES = {"leader", "chef", "dirigeant", "responsable", "official", "head", "chief"}


def _sentence_around(text: str, start: int, end: int) -> str:
    """Return the sentence (``claims.sentences``) holding start..end, or the span's words when none does."""
    return next((s.text for s in sentences(text) if s.start <= start and end <= s.end), text[start:end])
