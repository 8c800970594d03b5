"""Conflicts: the same slot filled with incompatible values by different sources of a story.

How compatibility is decided, per kind (each Conflict carries its rule):
- event slots (who did it, to whom, where, when): the store's merged story events, whose slots conflict
  when the sources' values share nothing (participants, by registry id), when neither place is or contains
  the other, or when two dates do not overlap as intervals ("6 février" and "les 6 et 7 février" overlap);
- figures: two quantities measuring the same thing (``understand.quantities.same_measure``: the same unit family and the
  same counted noun, "morts" = "tués" = "killed"; an age is the age of one person noun or name) whose
  intervals cannot hold one value (``quantities.compatible``: "au moins 12" and "15" can, "84" and "77"
  cannot), or two lower bounds of different figures ("at least 5", "at least 7": a toll counted twice; an
  update when it rises with the articles' dates, or, undated, when all are lower bounds). The two must be
  in claims aligned as one fact, or in sentences sharing an entity and close words, or measure a weight,
  length or speed of one named thing ("the 400-pound gorilla"); a length, weight or speed of nothing named
  only when the words around both figures share one ("fell 15ft", "fell 10 to 12 feet"); a sum of money by
  the paraphrase class of the words around it (data/paraphrases.tsv: "perdu 600 millions" = "la perte de
  751 millions", one sum lost story-wide), else only within one fact. Orders of magnitude ("des dizaines")
  hold no figure, and a source that also gives the other's figure measures two things;
- dates: in claims aligned as one fact, two dates written in full (not resolved against the article's date)
  that do not overlap;
- titles and roles: one person given two different offices (normalised functions) by two sources, neither
  containing the other (a rank such as "colonel" goes with any office);
- who did it: the agents of one merged story event sharing no participant (not for announcements: each
  outlet quotes its own spokesman).
Copies count once: values are compared between sources, never within one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from itertools import combinations

from veille.compare.claims import content_words, paraphrase_classes
from veille.model import (
    Analysis,
    Article,
    Claim,
    ClaimGroup,
    Conflict,
    ConflictValue,
    Quantity,
    StoryEvent,
    TimeExpression,
    time_interval,
)
from veille.text import sentences
from veille.understand.event_groups import times_overlap
from veille.understand.quantities import canonical_counted, compatible, in_span, same_measure, unit_family

_WORD = re.compile(r"\w+", re.UNICODE)
STORY_WIDE_SIMILARITY = 0.25  # sentences this close (or sharing an entity) may state one figure
_ROLE_KIND = {"time": "date", "place": "place", "agent": "agent"}
SYMMETRIC = {"meet", "sign"}  # who met whom: the agent is whoever the sentence names first
SPEECH = {"announce"}  # each outlet quotes its own spokesman: who announced it is no disputed fact
CONTEXT_WORDS = 2
MAX_OWN_VALUES = 2  # a source giving more incompatible values than this for one measure lists several things
SPAN_SIMILARITY = 0.3  # sums and durations: a story quotes many, so their sentences must be closer
GENERIC_COUNTED = {"time", "fois"}  # "30 times", "trois fois": counts of anything
_OTHER = re.compile(r"\b(?:autres?|others?)\b", re.IGNORECASE)
_SPAN_UNITS = {"year", "month", "week", "day", "hour", "minute"}
_PHYSICAL = {"distance", "mass", "speed"}  # "the 400-pound gorilla": in one story, one thing weighs that
_TOLLS = {"dead", "injured"}  # canonical counted nouns of casualty counts
_MONEY = {"EUR", "USD", "GBP", "XOF", "CHF", "CNY", "JPY"}
DATE_FACT_SCORE = 0.45


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
            if slot.role == "agent" and (event.type in SYMMETRIC or event.type in SPEECH):
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
                        rule=f"the {slot.role} of one {event.type} event told by several sources: "
                        + (
                            "dates that do not overlap"
                            if slot.role == "time"
                            else "places neither of which contains the other"
                            if slot.role == "place"
                            else "no participant in common (registry ids)"
                        )
                        + " ("
                        + " vs ".join(dict.fromkeys(v.normalized for v in values))
                        + ")",
                    )
                )
    return out


_CORRECTION = re.compile(
    r"\bet non(?:\s+pas)?\b|contrairement à ce qui (?:avait été|a été) (?:annoncé|dit|écrit|rapporté)|\brectifi"
    r"|\bcorrig|\berratum\b|\bnot as (?:earlier|previously|initially) (?:reported|stated|said)\b"
    r"|\b(?:earlier|previously|initially|originally) (?:reported|misstated|stated)\b|\bcorrect(?:ed|ion)\b"
    r"|\bnot\s+\S+\s+as\s+(?:earlier|previously)\b",
    re.IGNORECASE,
)


_SUPERSEDED = re.compile(
    r"(?:\bet non(?: pas)?|\bnon pas|\bnot|\brather than|\binstead of|\bau lieu|\bplutôt que)(?:\s+de|\s+d['’])?\s*\Z",
    re.IGNORECASE,
)


def mark_corrections(conflicts: Sequence[Conflict]) -> list[Conflict]:
    """Return the conflicts with ``change`` "correction" where a value's sentence says it corrects another
    ("et non", "contrairement à ce qui avait été annoncé", "rectifié", "corrected", "not as earlier
    reported"); the rule then says so."""
    out = []
    for c in conflicts:
        if c.change is None and any(_CORRECTION.search(v.sentence) for v in c.values):
            c = replace(c, change="correction", rule=c.rule + "; a source says it corrects an earlier value")
        out.append(c)
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
    quantities: Mapping[str, Sequence[Quantity]],
    published: Mapping[str, date | None] | None = None,
) -> list[Conflict]:
    """Return figures that sources give differently for one measure, one conflict per measure with every value
    (the rules are in the module doc). A source that itself gives more than MAX_OWN_VALUES incompatible
    values for a measure is left out of it (the noun then names several things; two may be a correction).
    """
    published = published or {}
    facts_of: dict[tuple[str, int], set[int]] = {}
    for k, f in enumerate(facts):
        for c in f.claims if len(f.sources) > 1 else ():
            facts_of.setdefault((c.article_id, c.start), set()).add(k)
    by_measure: dict[str, list[tuple[Claim, Quantity]]] = {}
    for c in claims:
        for q in in_span(quantities.get(c.article_id, ()), c.start, c.end) if c.figures else ():
            if _SUPERSEDED.search(c.text, max(0, q.start - 30), q.start):
                continue  # "quinze, et non douze": the value a source corrects is not its value
            key = _measure_key(c.text, q)
            if key is not None:
                by_measure.setdefault(key, []).append((c, q))
    bags: dict[tuple[str, int], Counter[str]] = {}  # each claim's words, made once for all its pairs

    def close(ca: Claim, cb: Claim, bar: float) -> str | None:
        for c in (ca, cb):
            if (c.article_id, c.start) not in bags:
                bags[(c.article_id, c.start)] = _bag(c.text)
        named = dict(zip(ca.entities, ca.names, strict=True)) if len(ca.entities) == len(ca.names) else {}
        shared = [named.get(e, e) for e in ca.entities if e in set(cb.entities)]
        if shared and _cosine(bags[(ca.article_id, ca.start)], bags[(cb.article_id, cb.start)]) >= bar:
            return f"close sentences naming {shared[0]}"
        return None

    def related(measure: str, ca: Claim, qa: Quantity, cb: Claim, qb: Quantity) -> str | None:
        """Return why two figures of one measure fill one slot, or None when nothing says they do."""
        if physical_unnamed(qa) or physical_unnamed(qb):
            # "fell 15ft", "620 miles": only the words around say what
            words = sorted(_context(ca.text, qa) & _context(cb.text, qb))
            return f"the words around both figures share «{words[0]}»" if words else None
        if measure.startswith("money ("):
            return f"a sum of one kind ({measure[7:-1]}): one in the story"
        if unit_family(qa.unit) in _PHYSICAL and qa.counted and qb.counted:
            return f"the {unit_family(qa.unit)} of one named thing ({qa.counted})"
        if facts_of.get((ca.article_id, ca.start), set()) & facts_of.get((cb.article_id, cb.start), set()):
            return "in claims aligned as one fact"
        bar = SPAN_SIMILARITY if _is_span(qa) else STORY_WIDE_SIMILARITY
        return close(ca, cb, bar) if measure != "money" else None  # a sum nothing qualifies: one fact only

    out = []
    for measure, found in by_measure.items():
        per_source: dict[str, list[tuple[Claim, Quantity]]] = {}
        for c, q in found:
            per_source.setdefault(source_of[c.article_id], []).append((c, q))

        # one slot per group of clashing figures (a story gives many laps, ages, sums: each its own slot)
        slot_of: dict[int, int] = {}
        reasons: dict[tuple[int, int], str] = {}  # the first clash of each slot explains it
        for (i, (ca, qa)), (j, (cb, qb)) in combinations(enumerate(found), 2):
            sa, sb = source_of[ca.article_id], source_of[cb.article_id]
            if sa == sb or not same_measure(qa, qb) or not clash(qa, qb):
                continue
            if max(_value_groups(per_source[sa]), _value_groups(per_source[sb])) > MAX_OWN_VALUES:
                continue  # a source giving more values than this for the measure lists several things
            why = related(measure, ca, qa, cb, qb)
            if why is None:
                continue
            if any(_definite(q) and compatible(q, qb) for _, q in per_source[sa]) or any(
                _definite(q) and compatible(qa, q) for _, q in per_source[sb]
            ):
                continue  # a source also gives the other's figure: two things measured, not one
            _join(slot_of, i, j)
            reasons.setdefault((i, j), f"{_why_clash(qa, qb)}; same slot: {why}")
        slots: dict[int, set[tuple[Claim, Quantity]]] = {}
        for k in slot_of:
            slots.setdefault(_root(slot_of, k), set()).add(found[k])
        for root, pairs in slots.items():
            why = next(r for (i, _), r in reasons.items() if _root(slot_of, i) == root)
            out.append(_figure_conflict(measure, pairs, outlets, published, why))
    return out


def _root(parent: dict[int, int], k: int) -> int:
    while parent.get(k, k) != k:
        k = parent[k]
    return k


def _join(parent: dict[int, int], i: int, j: int) -> None:
    parent.setdefault(i, i)
    parent.setdefault(j, j)
    parent[_root(parent, i)] = _root(parent, j)


def _figure_conflict(
    measure: str,
    pairs: set[tuple[Claim, Quantity]],
    outlets: Mapping[str, str | None],
    published: Mapping[str, date | None],
    why: str,
) -> Conflict:
    """Return one figure slot's conflict: every clashing value, an update when a toll rises with the dates."""
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
    order = _rising([(published.get(c.article_id), q) for c, q in pairs])
    rising = order is True or (order is None and all(q.high == math.inf for _, q in pairs))
    update = measure in _TOLLS and rising
    return Conflict(
        slot=f"figure: {measure}",
        kind="figure",
        change="update" if update else None,
        values=values,
        rule=f"figures of one measure ({measure}): {why}"
        + (
            "; a toll that rises with the articles' dates (or counts given as lower bounds): an update"
            if update
            else ""
        ),
    )


def _measure_key(text: str, q: Quantity) -> str | None:
    """Return what a figure measures ("dead", "truck (mass)", "money (loss)", "age of child"), or None for a
    figure that is no slot: a part of a count ("14 autres otages"), an order of magnitude, an age of nobody."""
    family = unit_family(q.unit)
    physical = family in _PHYSICAL
    money = q.unit in _MONEY  # sums in any currency are one measure: compatible() converts them
    counted = canonical_counted(q.counted) or ("money" if money else family if physical else None)
    if counted is None or counted in GENERIC_COUNTED or _OTHER.search(q.text) or _vague(q):
        return None
    if money:
        what = _context_class(text, q)  # "perdu 600 millions", "la perte de 751 millions": a sum lost
        return f"money ({what[1:]})" if what else "money"
    if counted == "age":
        whose = age_referent(text, q)
        return f"age of {whose}" if whose else None
    unit = family if physical else q.unit  # "25-ton" and "25-tonne" trucks are one measure
    return counted if not unit or counted == unit else f"{counted} ({unit})"


def age_referent(text: str, q: Quantity) -> str | None:
    """Return whose age a quantity gives: the person noun it qualifies ("a 4-year-old boy", "la femme de 34
    ans", "la femme âgée de 34 ans"; nouns of one kind grouped: boy = garçon = child), the noun right after an
    "N-year-old" ("a 17-year-old gorilla"), or the name just before "Name, 47,"; None when none is there."""
    after = _WORD.findall(text[q.end : q.end + 40])[:2]
    before = _WORD.findall(text[max(0, q.start - 40) : q.start])[-3:]
    for word in [*after[:1], *reversed(before)]:
        group = _PERSON_GROUP.get(word.lower())
        if group:
            return group
    if after and q.text.lower().endswith("old") and after[0].isalpha() and after[0].islower():
        word = after[0].lower()
        if word not in _NOT_REFERENT:
            return word
    name = re.search(r"([A-ZÀ-Ý][\w'-]+),?\s*(?:âgée?s?\s+de\s+)?\Z", text[: q.start])
    return name.group(1) if name else None


_PERSON_WORDS = {
    "child": "boy girl child son daughter toddler kid baby infant garçon garçonnet fille fillette enfant fils bébé"
    " petit petite mineur mineure",
    "woman": "woman femme mother mère maman mom mum wife épouse",
    "man": "man homme father père husband mari",
}
_PERSON_GROUP = {w: group for group, words in _PERSON_WORDS.items() for w in words.split()}
_NOT_REFERENT = {"said", "was", "is", "has", "had", "who", "and", "from", "in", "at", "of", "on", "with"}


def clash(a: Quantity, b: Quantity) -> bool:
    """Return True when two values of one measure disagree: no interval holds both, or both are lower bounds
    of different figures ("at least 5 dead", "at least 7 dead": each is the count someone had made when it
    was written, so the two counts differ, though the intervals overlap)."""
    if not compatible(a, b):
        return True
    return a.high == math.inf and b.high == math.inf and a.low != b.low


def _why_clash(a: Quantity, b: Quantity) -> str:
    """Return in words why two values of one measure disagree (see ``clash``)."""
    if compatible(a, b):
        return f"two lower bounds that differ ({a.text}, {b.text}): two counts"
    return f"no value lies in both {_interval(a)} and {_interval(b)}"


def _interval(q: Quantity) -> str:
    """Return a figure with the interval its words allow, for people: «about 12 feet» (10.8–13.2 ft)."""
    unit = f" {q.unit}" if q.unit else ""
    if q.high == math.inf:
        return f"«{q.text}» (≥ {_amount(q.low)}{unit})"
    if q.low == q.high:
        return f"«{q.text}» ({_amount(q.low)}{unit})"
    return f"«{q.text}» ({_amount(q.low)}–{_amount(q.high)}{unit})"


def _amount(x: float) -> str:
    """Return a number for people: 45, 3.7, 12,500, 750.5 million, 5 billion."""
    for size, word in ((1e9, " billion"), (1e6, " million")):
        if abs(x) >= size:
            return f"{x / size:.4g}{word}"
    return f"{x:,.6g}"


def physical_unnamed(q: Quantity) -> bool:
    """Return True for a distance, mass or speed with no counted noun ("fell 15ft", "at 40mph")."""
    return unit_family(q.unit) in _PHYSICAL and not q.counted


def _context_class(text: str, q: Quantity) -> str | None:
    """Return the paraphrase class of the words around a figure (data/paraphrases.tsv: "@loss"), if any."""
    return next((w for w in sorted(_context(text, q)) if w in paraphrase_classes()), None)


def _context(text: str, q: Quantity) -> set[str]:
    """Return the content words (stems, paraphrase classes) CONTEXT_WORDS either side of a figure."""
    before = _WORD.findall(text[max(0, q.start - 60) : q.start])[-CONTEXT_WORDS:]
    after = _WORD.findall(text[q.end : q.end + 60])[:CONTEXT_WORDS]
    return set(content_words(" ".join(before + after)))


def _vague(q: Quantity) -> bool:
    """Return True for an order of magnitude ("dozens", "des centaines")."""
    return q.approx == "magnitude"


def _definite(q: Quantity) -> bool:
    """Return True for a figure that names one value (exact, about, a range): no open bound, no magnitude."""
    return q.high != math.inf and q.low > 0 and not _vague(q)


def _rising(dated: Sequence[tuple[date | None, Quantity]]) -> bool | None:
    """Return True when a later article's value is never smaller than an earlier one's (a toll being
    updated), False when the dates say otherwise, None when a date is unknown or all are the same day."""
    known = [(d, q) for d, q in dated if d is not None]
    if len(known) < len(dated) or len({d for d, _ in known}) < 2:
        return None
    return (
        all(
            (qa.low <= qb.low) if da < db else (qa.low >= qb.low)
            for (da, qa), (db, qb) in combinations(known, 2)
            if da != db  # the same day, two figures say nothing of the order
        )
        and len({q.low for _, q in known}) > 1
    )


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


def date_conflicts(
    facts: Sequence[ClaimGroup], outlets: Mapping[str, str | None], analyses: Mapping[str, Analysis | None]
) -> list[Conflict]:
    """Return dates that the claims of one fact aligned by words (story events have their time slot) give
    without overlap, when each claim writes exactly one date in full (no weekday or "hier" resolved against
    the article's date: outlets of different days resolve them differently) and the fact is a close match
    (DATE_FACT_SCORE). Clock times are left out: outlets give them in different time zones."""
    written = _written_dates(analyses)
    out = []
    for fact in facts:
        if len(fact.sources) < 2 or fact.matched_by != "text" or fact.score < DATE_FACT_SCORE:
            continue
        given = []
        for c in fact.claims:
            found = _calendar_dates(c, written.get(c.article_id, ()))
            if len(found) == 1:
                given.append((c, found[0]))
        if len(given) < 2 or all(
            times_overlap(a[1].value, b[1].value) is not False for a, b in combinations(given, 2)
        ):
            continue
        out.append(
            Conflict(
                slot="date of one fact",
                kind="date",
                values=tuple(
                    _value(c, outlets.get(c.article_id), t.text, t.start, t.end, t.value or "")
                    for c, t in given
                ),
                rule="claims aligned as one fact each write one date in full, and "
                + " and ".join(dict.fromkeys(f"{t.value} («{t.text}»)" for _, t in given))
                + " do not overlap",
            )
        )
    return out


def _written_dates(analyses: Mapping[str, Analysis | None]) -> dict[str, list[TimeExpression]]:
    return {
        aid: [t for t in analysis.times if t.value]
        for aid, analysis in analyses.items()
        if analysis is not None
    }


def _calendar_dates(claim: Claim, times: Sequence[TimeExpression]) -> list[TimeExpression]:
    return [
        t
        for t in times
        if claim.start <= t.start < claim.end and t.anchor is None and time_interval(t.value) is not None
    ]


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
            and not ({a[0].lower(), b[0].lower()} & _NO_OFFICE)
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
                rule="one person given different offices by different sources, neither containing the other ("
                + " vs ".join(dict.fromkeys(f"«{f}»" for f, *_ in given))
                + ", normalised functions)",
            )
        )
    return out


GENERIC_TITLES = {
    "leader",
    "chef",
    "dirigeant",
    "responsable",
    "official",
    "head",
    "chief",
    "premier",
    "first",
}
# a military or police rank goes with any office ("colonel" and "porte-parole" are both true)
RANKS = {
    "colonel", "général", "general", "capitaine", "captain", "lieutenant", "commandant", "commander", "major",
    "sergent", "sergeant", "adjudant", "caporal", "corporal", "amiral", "admiral", "maréchal", "marshal",
}  # fmt: skip


_NO_OFFICE = GENERIC_TITLES | RANKS


def _sentence_around(text: str, start: int, end: int) -> str:
    """Return the sentence (``text.sentences``) holding start..end, or the span's words when none does."""
    return next((s.text for s in sentences(text) if s.start <= start and end <= s.end), text[start:end])
