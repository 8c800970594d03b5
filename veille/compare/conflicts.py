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

from veille.compare.numbers import Quantity, canonical_counted, compatible, find_quantities, same_measure
from veille.model import Analysis, Article, Claim, ClaimGroup, Conflict, ConflictValue
from veille.store.base import StoryEvent
from veille.understand.event_groups import times_overlap

STORY_WIDE_SIMILARITY = 0.15  # sentences this close (or sharing an entity) may state one figure
_WORD = re.compile(r"\w+", re.UNICODE)
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
    events: Sequence[StoryEvent], claims: Sequence[Claim], outlets: Mapping[str, str | None]
) -> list[Conflict]:
    """Return the conflicting slots of the story's merged events, each value with its source sentence."""
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
    """Return figures that sources give differently for one measure (see the module doc), one conflict per
    measure with every value."""
    fact_of = {
        (c.article_id, c.start): k for k, f in enumerate(facts) for c in f.claims if len(f.sources) > 1
    }
    found = [
        (c, q)
        for c in claims
        if c.figures
        for q in find_quantities(c.text, languages.get(c.article_id, "fr"))
        if q.counted or q.unit
    ]
    bags = {(c.article_id, c.start): _bag(c.text) for c, _ in found}
    clashes: dict[str, list[tuple[Claim, Quantity]]] = {}
    for (ca, qa), (cb, qb) in combinations(found, 2):
        if source_of[ca.article_id] == source_of[cb.article_id]:
            continue
        if not same_measure(qa, qb) or compatible(qa, qb):
            continue
        fa, fb = fact_of.get((ca.article_id, ca.start)), fact_of.get((cb.article_id, cb.start))
        aligned = fa is not None and fa == fb
        close = (
            set(ca.entities) & set(cb.entities)
            or _cosine(bags[(ca.article_id, ca.start)], bags[(cb.article_id, cb.start)])
            >= STORY_WIDE_SIMILARITY
        )
        if not (aligned or close):
            continue
        key = canonical_counted(qa.counted) or qa.unit or "figure"
        clashes.setdefault(key, [])
        for pair in ((ca, qa), (cb, qb)):
            if pair not in clashes[key]:
                clashes[key].append(pair)
    out = []
    for key, pairs in clashes.items():
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
                slot=f"figure: {key}",
                kind="figure",
                values=values,
                rule="same measure (unit and counted noun), intervals that cannot hold one value",
            )
        )
    return out


def date_conflicts(facts: Sequence[ClaimGroup], outlets: Mapping[str, str | None]) -> list[Conflict]:
    """Return dates that the claims of one aligned fact (not a story event: those come from its time slot)
    give without overlap."""
    out = []
    for fact in facts:
        if len(fact.sources) < 2 or fact.matched_by == "event":
            continue
        dated = [(c, d) for c in fact.claims for d in c.dates if re.match(r"^\d{4}-\d{2}", d)]
        bad = [
            (a, b)
            for a, b in combinations(dated, 2)
            if a[0].article_id != b[0].article_id and times_overlap(a[1], b[1]) is False
        ]
        if bad:
            seen = {x for pair in bad for x in pair}
            out.append(
                Conflict(
                    slot="date of one fact",
                    kind="date",
                    values=tuple(
                        _value(c, outlets.get(c.article_id), d, c.start, c.end, d)
                        for c, d in sorted(seen, key=lambda x: (x[0].article_id, x[1]))
                    ),
                    rule="TIMEX3 values of aligned claims that do not overlap as intervals",
                )
            )
    return out


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
            for o in e.offices:
                offices.setdefault(e.entity_id, {}).setdefault(
                    source_of[article.id], (o.function, article, o.start, o.end, o.country or o.org)
                )
    out = []
    for entity_id, by_source in offices.items():
        given = list(by_source.values())
        clash = [
            (a, b)
            for a, b in combinations(given, 2)
            if a[0] not in b[0] and b[0] not in a[0] and (a[4] is None or b[4] is None or a[4] == b[4])
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


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    return text[left:right].strip()
