"""Claims: each article of a story cut into sentences carrying what the earlier stages read in them, then
aligned across sources into facts shared by all, by some, or given by one.

A claim is a sentence of the article body that ends like a sentence and has at least MIN_WORDS words, or a
line of UNENDED_MIN_WORDS words without a full stop (a photo caption; a heading or a "Lire aussi" line is no
claim), with its entities, event, figures (the analysis's quantities),
dates (the analysis's TIMEX3 values) and attribution (a quote covering it, or "selon X"). No new language
pass: sentence cuts are punctuation rules, everything else comes from the stored analysis.

Alignment: claims telling the same story event (``StoryEvent``, the store's cross-source event groups) form
one fact (each source's first telling; later ones, and events only one source tells, go with the rest); the
other claims are paired across sources, the most similar first, when the cosine of their content words
(TF-IDF over the story's sentences, with one token per paraphrase class: event words of the trigger lexicon,
"jamais" = "une première du genre") weighed with the overlap of their entities reaches ALIGN_THRESHOLD, or
when one clause of each (pieces between commas and quote marks) reaches CLAUSE_THRESHOLD; pairs are proposed
by the words they share (an inverted index, never all pairs); a fact holds at most one claim per source. A
sentence of an event fact may join one more fact by its words: it may state two things ("X visits Bamako,
a first for a Russian foreign minister").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from veille.compare.framing import STOP_WORDS, attribution_cue
from veille.model import Analysis, Article, Claim, ClaimGroup
from veille.text import WORD, normalized_words, sentences
from veille.understand.events import trigger_lexicon
from veille.understand.quantities import in_span, stored_quantities

MIN_WORDS = 6
UNENDED_MIN_WORDS = 12
ALIGN_THRESHOLD = 0.35
CLAUSE_THRESHOLD = 0.55  # two clauses this close align their sentences whatever else the sentences say
CLAUSE_MIN_WORDS = 4
CLAUSE_GATE = 0.15  # sentences less alike than this are not scored clause by clause
_CLAUSE_CUT = re.compile(r"[,;:«»\"“”]")
TEXT_WEIGHT = 0.7  # the rest is entity overlap (Jaccard of registry ids)
STEM = 6
MIN_STEM = 5  # shorter trigger lemmas ("tuer", "met") stand for too many other words once cut
PARAPHRASES = Path(__file__).parent / "data" / "paraphrases.tsv"
COMMON_SHARE = 20  # words in more than 1/20 of a story's claims do not propose pairs ...
COMMON_MIN = 20  # ... when that is more than this many claims
NEAR_COPY = 0.9  # claims of different sources this alike (cosine of word counts) are one item before pairing
NEAR_KEYS = 3  # a claim looks for near-identical ones among the leaders sharing one of its rarest words
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?…][»\"”’)]*\s*$|[»\"”]\s*$")


def content_words(text: str) -> list[str]:
    """Return the content words of a text (folded, no stop words), cut to STEM letters (a crude stem:
    "renforcement" = "renforcer"), then one token per paraphrase class the text uses (``class_tokens``)."""
    words = normalized_words(text)
    return [w[:STEM] for w in words if w not in STOP_WORDS and not w.isdigit()] + class_tokens(words)


def class_tokens(words: Sequence[str]) -> list[str]:
    """Return "@class" for each paraphrase class the folded words use: event types, by the stems of the event
    trigger lexicon ("tête-à-tête", "rencontre", "échanger" -> @meet), and the classes of
    data/paraphrases.tsv ("jamais", "première du genre" -> @first)."""
    stems, pattern, _ = _classes()
    found = {stems[w[:STEM]] for w in words if w[:STEM] in stems}
    found.update(f"@{m.lastgroup}" for m in pattern.finditer(" ".join(words)))
    return sorted(found)


def paraphrase_classes() -> frozenset[str]:
    """Return the class tokens of data/paraphrases.tsv ("@first", "@loss"): classes that are no event type."""
    return _classes()[2]


@cache
def _classes() -> tuple[dict[str, str], re.Pattern[str], frozenset[str]]:
    stems: dict[str, str] = {}
    phrases: dict[str, list[str]] = {}
    for trigger in trigger_lexicon().values():
        words = normalized_words(trigger.lemma)
        if trigger.pos == "support" or not words:
            continue
        if len(words) > 1:  # "tête-à-tête": the words in a row
            phrases.setdefault(trigger.type, []).append(re.escape(" ".join(words)))
        elif len(words[0]) >= MIN_STEM:
            stems.setdefault(words[0][:STEM], f"@{trigger.type}")
    listed = set()
    for line in PARAPHRASES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, regex = line.split("\t", 1)
            phrases.setdefault(name, []).append(regex.strip())
            listed.add(f"@{name}")
    groups = [rf"(?P<{name}>\b(?:{'|'.join(alternatives)})\b)" for name, alternatives in phrases.items()]
    return stems, re.compile("|".join(groups) or r"(?!)"), frozenset(listed)


def article_claims(
    article: Article, analysis: Analysis | None, story_event_of: Mapping[tuple[str, int], str]
) -> list[Claim]:
    """Return an article's claims (see the module doc). ``story_event_of`` maps (article id, trigger start)
    of a stored event to the story event it was merged into."""
    entities = [
        (m.start, m.end, e.entity_id, e.name)
        for e in (analysis.entities if analysis else ())
        if e.type in {"PER", "ORG", "LOC", "MISC"}
        for m in e.mentions
    ]
    events = list(analysis.events) if analysis else []
    times = list(analysis.times) if analysis else []
    quotes = list(analysis.quotes) if analysis else []
    figures = stored_quantities(article.text, analysis)
    body_from = len(article.title or "") if article.text.startswith(article.title or "\0") else 0
    out = []
    for sent in sentences(article.text):
        if sent.start < body_from or len(WORD.findall(sent.text)) < MIN_WORDS:
            continue
        if not _ENDS_LIKE_SENTENCE.search(sent.text) and len(WORD.findall(sent.text)) < UNENDED_MIN_WORDS:
            continue  # a heading, a menu line (a long line without a full stop is a caption: it states facts)
        inside = [(eid, name) for s, e, eid, name in entities if s >= sent.start and e <= sent.end]
        event = next((ev for ev in events if sent.start <= ev.start < sent.end), None)
        speaker = next(
            (
                (q.speaker.name if q.speaker else q.speaker_text)
                for q in quotes
                if q.start < sent.end and q.end > sent.start and (q.speaker or q.speaker_text)
            ),
            None,
        )
        if speaker is None:
            speaker = attribution_cue(sent.text)
        out.append(
            Claim(
                article_id=article.id,
                start=sent.start,
                end=sent.end,
                text=sent.text,
                event_type=event.type if event else None,
                event_id=story_event_of.get((article.id, event.start)) if event else None,
                entities=tuple(dict.fromkeys(eid for eid, _ in inside)),
                names=tuple(dict.fromkeys(name for _, name in inside)),
                figures=tuple(q.text for q in in_span(figures, sent.start, sent.end)),
                dates=tuple(
                    dict.fromkeys(t.value for t in times if t.value and sent.start <= t.start < sent.end)
                ),
                attributed_to=speaker,
            )
        )
    return out


def align_claims(claims: Sequence[Claim], source_of: Mapping[str, str]) -> list[ClaimGroup]:
    """Return the claims grouped into facts (see the module doc), facts of more sources first.

    ``source_of`` maps an article id to the article standing for its source (copies share one).
    """
    sources = sorted(set(source_of.values()))
    by_event: dict[str, list[Claim]] = {}
    loose: list[Claim] = []
    for c in claims:
        if c.event_id is not None:
            by_event.setdefault(c.event_id, []).append(c)
        else:
            loose.append(c)
    groups: list[tuple[list[Claim], str, float]] = []
    placed: set[int] = set()  # id(claim) of the claims of event facts: each may state one more fact
    for members in by_event.values():
        firsts: dict[str, Claim] = {}
        for c in members:  # one claim per source: its first telling; later ones are aligned by their words
            if source_of[c.article_id] in firsts:
                loose.append(c)
            else:
                firsts[source_of[c.article_id]] = c
        if len(firsts) < 2:  # an event one source tells: its sentence is aligned by its words
            loose.extend(firsts.values())
            continue
        for c in firsts.values():
            placed.add(id(c))
        groups.append((list(firsts.values()), "event", 1.0))
    in_events = [c for members, _, _ in groups for c in members]
    groups += _align_by_text([*loose, *in_events], source_of, placed)
    out = []
    for members, how, score in groups:
        given = sorted({source_of[c.article_id] for c in members})
        coverage = (
            "all" if len(given) == len(sources) and len(sources) > 1 else "some" if len(given) > 1 else "one"
        )
        out.append(
            ClaimGroup(
                claims=tuple(sorted(members, key=lambda c: (c.article_id, c.start))),
                sources=tuple(given),
                coverage=coverage,
                matched_by=how if len(given) > 1 else "alone",
                score=round(score, 3),
            )
        )
    out.sort(key=lambda g: (-len(g.sources), g.claims[0].article_id, g.claims[0].start))
    return out


def _clauses(text: str) -> list[str]:
    """Return the clauses of a sentence worth aligning alone: pieces between commas, semicolons, colons and
    quote marks, each joined to the next until it has CLAUSE_MIN_WORDS content words; a piece of one content
    word ("avant de poursuivre", "a-t-il dit") is dropped. A sentence of one clause gives none: its whole
    score says it all."""
    out: list[str] = []
    pending = ""
    for piece in _CLAUSE_CUT.split(text):
        if not pending and len(content_words(piece)) < 2:
            continue
        pending = f"{pending} {piece}".strip()
        if len(content_words(pending)) >= CLAUSE_MIN_WORDS:
            out.append(pending)
            pending = ""
    if pending and out:
        out[-1] = f"{out[-1]} {pending}"
    return out if len(out) > 1 else []


def _unit(bag: Counter[str], weights: Mapping[str, float]) -> dict[str, float]:
    """Return a clause's words weighted as in its sentence's vector, scaled to unit length."""
    vec = {w: weights.get(w, 0.0) for w in bag}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {w: v / norm for w, v in vec.items()}


def _dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def _align_by_text(
    claims: Sequence[Claim], source_of: Mapping[str, str], placed: set[int]
) -> list[tuple[list[Claim], str, float]]:
    """Pair claims of different sources by words and entities, greedily (see the module doc). A claim of an
    event fact (``placed``: their ids) may join one fact more, with claims of no fact yet: a sentence
    may state two things ("a visit, the first of its kind"); alone, it adds no fact.

    Near-identical claims of different sources (``_near_copies``) are aligned first, as one item: pairs are
    then proposed between items, so a sentence that 500 sources repeat costs 500 lookups, not 500² pairs."""
    bags = [Counter(content_words(c.text)) for c in claims]
    lead, sources = _near_copies(claims, bags, source_of, placed)
    items = sorted(sources)  # the claims standing for their near-identical copies
    df = Counter(w for k in items for w in bags[k])
    n = len(items)
    vectors: dict[int, dict[str, float]] = {}
    for k in items:
        vec = {w: (1 + math.log(c)) * (math.log((n + 1) / (df[w] + 1)) + 1) for w, c in bags[k].items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors[k] = {w: v / norm for w, v in vec.items()}
    # candidates: pairs sharing a word no more common than COMMON_SHARE of the items (never all pairs)
    common = max(COMMON_MIN, n // COMMON_SHARE)
    postings: dict[str, list[int]] = {}
    for k in items:
        for w in bags[k]:
            if df[w] <= common:
                postings.setdefault(w, []).append(k)
    pairs = {(i, j) for ks in postings.values() for x, i in enumerate(ks) for j in ks[x + 1 :]}
    clauses: dict[int, list[dict[str, float]]] = {}  # worked out for the pairs whose sentences fall short

    def clauses_of(k: int) -> list[dict[str, float]]:
        if k not in clauses:
            clauses[k] = [
                _unit(Counter(content_words(part)), vectors[k]) for part in _clauses(claims[k].text)
            ]
        return clauses[k]

    scored = []
    for i, j in sorted(pairs):
        if sources[i] & sources[j]:
            continue
        if id(claims[i]) in placed and id(claims[j]) in placed:
            continue
        a, b = vectors[i], vectors[j]
        cosine = sum(v * b.get(w, 0.0) for w, v in a.items())
        ea, eb = set(claims[i].entities), set(claims[j].entities)
        overlap = len(ea & eb) / len(ea | eb) if ea and eb else 0.0
        score = max(cosine, TEXT_WEIGHT * cosine + (1 - TEXT_WEIGHT) * overlap)  # shared entities only help
        if score >= ALIGN_THRESHOLD:
            scored.append((score, i, j))
            continue
        if cosine < CLAUSE_GATE:
            continue  # a speed trade-off: sentences this far apart are not scored clause by clause
        clause = max((_dot(x, y) for x in clauses_of(i) for y in clauses_of(j)), default=0.0)
        if clause >= CLAUSE_THRESHOLD:
            scored.append((clause, i, j))
    group_of: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    best: dict[int, float] = {}
    for score, i, j in sorted(scored, key=lambda t: (-t[0], t[1], t[2])):
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is not None and gi == gj:
            continue
        left = members[gi] if gi is not None else {i}
        right = members[gj] if gj is not None else {j}
        if set().union(*(sources[k] for k in left)) & set().union(*(sources[k] for k in right)):
            continue  # a fact holds one claim per source
        if sum(id(claims[k]) in placed for k in left | right) > 1:
            continue  # claims of event facts join a fact of claims of no fact: never two of them
        key = gi if gi is not None else gj if gj is not None else i
        joined = left | right
        for k in joined:
            group_of[k] = key
        previous = [best.pop(g, 0.0) for g in (gi, gj) if g is not None]
        for g in (gi, gj):
            if g is not None:
                members.pop(g, None)
        members[key] = joined
        best[key] = max([score, *previous])
    for k in items:  # near-identical copies with no other item: a fact of their own
        if k not in group_of and len(lead[k]) > 1:
            group_of[k] = k
            members[k] = {k}
            best[k] = NEAR_COPY
    out = [
        ([claims[m] for m in sorted(m for k in ks for m in lead[k])], "text", best.get(key, 0.0))
        for key, ks in members.items()
    ]
    out += [([claims[k]], "alone", 0.0) for k in items if k not in group_of and id(claims[k]) not in placed]
    return out


def _near_copies(
    claims: Sequence[Claim], bags: Sequence[Counter[str]], source_of: Mapping[str, str], placed: set[int]
) -> tuple[dict[int, list[int]], dict[int, set[str]]]:
    """Group claims of different sources whose content words are near-identical (cosine of word counts at
    least NEAR_COPY): each group is led by its first claim. Candidates come from an index of the leaders
    by their NEAR_KEYS rarest words, so each claim is compared with the few leaders sharing one of them.
    Returns the members of each leader (itself first) and the sources they stand for. Claims of event
    facts (``placed``) lead their own group."""
    df = Counter(w for bag in bags for w in bag)
    lead: dict[int, list[int]] = {}
    sources: dict[int, set[str]] = {}
    index: dict[str, list[int]] = {}
    norms = [math.sqrt(sum(v * v for v in bag.values())) or 1.0 for bag in bags]
    for k, bag in enumerate(bags):
        source = source_of[claims[k].article_id]
        keys = sorted(bag, key=lambda w: (df[w], w))[:NEAR_KEYS]
        match = None
        if id(claims[k]) not in placed and keys:
            seen: set[int] = set()
            for w in keys:
                for leader in index.get(w, ()):
                    if leader in seen or source in sources[leader]:
                        continue
                    seen.add(leader)
                    other = bags[leader]
                    cosine = sum(v * other.get(w2, 0) for w2, v in bag.items()) / (norms[k] * norms[leader])
                    if cosine >= NEAR_COPY:
                        match = leader
                        break
                if match is not None:
                    break
        if match is None:
            lead[k], sources[k] = [k], {source}
            if id(claims[k]) not in placed:
                for w in keys:
                    index.setdefault(w, []).append(k)
        else:
            lead[match].append(k)
            sources[match].add(source)
    return lead, sources
