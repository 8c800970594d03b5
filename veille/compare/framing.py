"""Framing: the words each source of a story chooses, found by contrast, not from a list of loaded words.

Each source (copies counted once) is compared with the rest of its story by the weighted log-odds with an
informative Dirichlet prior drawn from a background corpus (Monroe, Colaresi & Quinn 2008, "Fightin' Words").
Words inside a quote or an attributed clause ("selon X, ...") are marked as attributed framing, apart from
the source's own voice. A story of two or three sources is too small for counts to single out a phrase used
once, so words a source alone uses are also kept when they are marked: set in quotation marks, describing a
referent the source never names, or a noun given coordinated judging adjectives (``Analysis.qualifiers``,
kept whole: "des décisions politiques fortes et courageuses"). ``aligned_mentions`` lines up how the sources describe one registry entity.
"""

from __future__ import annotations

import logging
import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate

from veille.model import AlignedMention, Analysis, Article, Entity, FramingTerm, SourceWords
from veille.text import deaccent, sentences, stop_words

logger = logging.getLogger(__name__)

# Prior strength: the background counts as A0 pseudo-n-grams per order. 1000 is about twice the size of a
# news article, so the prior smooths a source's rates without drowning them (Monroe et al. scale it to
# the data; with a0 far above the story size every term's rate is the background's and z collapses to 0).
A0 = 1000.0
UNSEEN = 0.5  # pseudo-count of an n-gram the background never saw, so its prior is small but not zero
_TOKEN = re.compile(r"\w+(?:[-‐]\w+)*")
_CUE = re.compile(r"\b(?:selon|d['’]après|according to)\s+", re.IGNORECASE)
_CUE_TARGET = re.compile(r"[^,;:.!?«»\"“”()\n]+")
_ELISION = frozenset("'’")


STOP_WORDS = frozenset(deaccent(w).rstrip("'") for w in stop_words())

# a story's texts are folded word by word, and most words recur (in the story, in the background): once each
_fold_word = lru_cache(maxsize=1 << 16)(deaccent)


@dataclass(frozen=True, slots=True)
class _Gram:
    key: str
    start: int
    end: int


def _grams(text: str, max_n: int) -> Iterator[_Gram]:
    """Yield the n-grams (1..max_n) that neither start nor end with a stop word, never across punctuation
    or a number; keys are folded, offsets point into ``text``."""
    chunk: list[tuple[int, int, str]] = []
    previous_end: int | None = None

    def flush() -> Iterator[_Gram]:
        stop = [_is_stop(w[2]) for w in chunk]
        for n in range(1, max_n + 1):
            for i in range(len(chunk) - n + 1):
                if stop[i] or stop[i + n - 1]:
                    continue
                words = chunk[i : i + n]
                yield _Gram(" ".join(w[2] for w in words), words[0][0], words[-1][1])

    for match in _TOKEN.finditer(text):
        word = _fold_word(match.group())
        gap = text[previous_end : match.start()] if previous_end is not None else ""
        if word.replace("-", "").isdigit() or "_" in word or (gap.strip() and gap.strip() not in _ELISION):
            yield from flush()
            chunk = []
        if word.replace("-", "").isdigit() or "_" in word:
            previous_end = None
            continue
        chunk.append((match.start(), match.end(), word))
        previous_end = match.end()
    yield from flush()


def _is_stop(word: str) -> bool:
    return len(word) < 2 or word in STOP_WORDS


def _order(key: str) -> int:
    return key.count(" ") + 1


class Background(Counter[str]):
    """A corpus's folded n-gram counts, with per n-gram order their total and their number of distinct n-grams
    worked out once (``stats``), however many stories they serve as a prior (do not change the counts after)."""

    def stats(self) -> tuple[Counter[int], Counter[int]]:
        """Return (totals, vocabulary sizes) per n-gram order."""
        cached = self.__dict__.get("_stats")
        if cached is None:
            cached = self.__dict__["_stats"] = _order_stats(self)
        return cached


def _order_stats(counts: Counter[str]) -> tuple[Counter[int], Counter[int]]:
    totals: Counter[int] = Counter()
    vocab: Counter[int] = Counter()
    for key, count in counts.items():
        totals[_order(key)] += count
        vocab[_order(key)] += 1
    return totals, vocab


def background_counts(texts: Iterable[str], max_n: int = 3) -> Background:
    """Return the folded n-gram counts (1..max_n, same rules as the terms) of a corpus; empty texts add nothing."""
    counts = Background()
    for text in texts:
        counts.update(g.key for g in _grams(text or "", max_n))
    return counts


def log_odds_z(y_i: int, n_i: int, y_j: int, n_j: int, prior_share: float, a0: float = A0) -> float:
    """Return the weighted log-odds z-score of a term used y_i times in n_i by one side, y_j in n_j by the
    other, under a Dirichlet prior a_w = a0 * prior_share (Monroe et al. 2008, eq. 16 and 18)."""
    a_w = a0 * prior_share
    delta = math.log((y_i + a_w) / (n_i + a0 - y_i - a_w)) - math.log((y_j + a_w) / (n_j + a0 - y_j - a_w))
    return delta / math.sqrt(1.0 / (y_i + a_w) + 1.0 / (y_j + a_w))


def _sources(articles: Sequence[Article], source_of: Mapping[str, str]) -> list[Article]:
    """Return the first article of each source (copies share a source key and count once), in story order."""
    seen: set[str] = set()
    firsts = []
    for article in articles:
        key = source_of.get(article.id, article.id)
        if key not in seen:
            seen.add(key)
            firsts.append(article)
    return firsts


def _name_spans(analysis: Analysis | None) -> list[tuple[int, int]]:
    if analysis is None:
        return []
    return sorted((m.start, m.end) for e in analysis.entities for m in e.mentions if m.kind == "name")


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _inside_any(spans: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """Return ``_inside`` over fixed spans in log time: a span starting at or before ``start`` reaches ``end``
    exactly when the furthest end among those spans does."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))

    def inside(start: int, end: int) -> bool:
        i = bisect_right(starts, start)
        return i > 0 and reach[i - 1] >= end

    return inside


def attribution_cue(text: str) -> str | None:
    """Return who the first "selon X" / "d'après X" / "according to X" of a text names, or None."""
    for cue in _CUE.finditer(text):
        target = _CUE_TARGET.match(text, cue.end())
        if target is not None and target.group().strip():
            return target.group().strip()
    return None


def _attributions(text: str, analysis: Analysis | None) -> list[tuple[int, int, str]]:
    """Return the attributed spans of a text: quotes (to their speaker), "selon X, ..." clauses up to the end
    of their sentence, and the sentence before a closing "…, selon X." (to X)."""
    spans: list[tuple[int, int, str]] = []
    for quote in analysis.quotes if analysis else ():
        who = quote.speaker.name if quote.speaker else quote.speaker_text
        if who:
            spans.append((quote.start, quote.end, who))
    cues = list(_CUE.finditer(text))
    cut = sentences(text) if cues else []
    for cue in cues:
        target = _CUE_TARGET.match(text, cue.end())
        if target is None or not target.group().strip():
            continue
        sentence = next((s for s in cut if s.start <= cue.start() < s.end), None)
        begin, end = (sentence.start, sentence.end) if sentence else (0, len(text))
        if not text[target.end() : end].strip(' .!?…»"”’)'):  # "…, selon X." closes it: the sentence is X's
            spans.append((begin, cue.start(), target.group().strip()))
        else:
            spans.append((target.end(), end, target.group().strip()))
    return spans


def _marked_spans(analysis: Analysis | None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return the spans where wording is a choice even in a tiny story: the words the writer sets in
    quotation marks (partial quotes); the descriptions of referents the source never names, and the nouns
    given coordinated judging adjectives (``Analysis.qualifiers``: "des décisions fortes et courageuses")."""
    if analysis is None:
        return [], []
    quoted = [(q.start, q.end) for q in analysis.quotes if q.kind == "partial"]
    described = [
        (m.start, m.end)
        for entity in analysis.entities
        if entity.mentions and all(m.kind == "description" for m in entity.mentions)
        for m in entity.mentions
    ]
    described += [(q.start, q.end) for q in analysis.qualifiers]
    return quoted, described


@dataclass(slots=True)
class _SourceCounts:
    article: Article
    counts: Counter[str]
    totals: Counter[int]
    spans: dict[str, list[tuple[int, int]]]
    surfaces: dict[str, Counter[str]]


def _count_source(article: Article, analysis: Analysis | None, max_n: int) -> _SourceCounts:
    in_name = _inside_any(_name_spans(analysis))
    counts: Counter[str] = Counter()
    totals: Counter[int] = Counter()
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for gram in _grams(article.text, max_n):
        totals[_order(gram.key)] += 1
        if in_name(gram.start, gram.end):  # names are not framing
            continue
        counts[gram.key] += 1
        spans[gram.key].append((gram.start, gram.end))
        surfaces[gram.key][" ".join(article.text[gram.start : gram.end].lower().split())] += 1
    return _SourceCounts(article, counts, totals, spans, surfaces)


def framing_terms(
    articles: Sequence[Article],
    analyses: Mapping[str, Analysis | None],
    source_of: Mapping[str, str],
    background: Counter[str],
    *,
    max_n: int = 3,
    min_count: int = 1,
    z_min: float = 1.96,
    per_source: int = 8,
) -> list[FramingTerm]:
    """Return the terms each source favours over the rest of its story, strongest first within a source.

    A term is kept when its z reaches ``z_min``, or when it is marked in that source (in quotation marks, or
    describing a referent the source never names) and no other source uses it. Fewer than two sources: [].
    """
    sources = [_count_source(a, analyses.get(a.id), max_n) for a in _sources(articles, source_of)]
    if len(sources) < 2:
        return []
    story: Counter[str] = Counter()
    for src in sources:
        story.update(src.counts)
    bg_totals, vocab = background.stats() if isinstance(background, Background) else _order_stats(background)
    vocab = vocab + Counter(_order(key) for key in story if key not in background)  # background ∪ story
    story_totals: Counter[int] = Counter()
    for src in sources:
        story_totals.update(src.totals)
    kept: list[FramingTerm] = []
    for source in sources:
        analysis = analyses.get(source.article.id)
        attributions = _attributions(source.article.text, analysis)
        quoted, described = _marked_spans(analysis)
        marked = quoted + described
        scored: list[tuple[bool, FramingTerm]] = []
        for key, y_i in source.counts.items():
            if y_i < min_count:
                continue
            n = _order(key)
            y_j, n_j = story[key] - y_i, story_totals[n] - source.totals[n]
            # add-half smoothing over the background and story vocabulary: 0 < share < 1
            share = (background[key] + UNSEEN) / (bg_totals[n] + UNSEEN * (vocab[n] + 1))
            z = log_odds_z(y_i, source.totals[n], y_j, n_j, share)
            evidence = source.spans[key]
            is_marked = y_j == 0 and any(_inside(s, e, marked) for s, e in evidence)
            is_quoted = y_j == 0 and any(_inside(s, e, quoted) for s, e in evidence)
            if z <= 0 or (z < z_min and not is_marked):
                continue
            who = [next((w for s0, e0, w in attributions if s0 <= s and e <= e0), None) for s, e in evidence]
            speakers = Counter(w for w in who if w)
            is_attributed = sum(speakers.values()) * 2 > len(who)
            scored.append(
                (
                    is_quoted,
                    FramingTerm(
                        term=source.surfaces[key].most_common(1)[0][0],
                        article_id=source.article.id,
                        outlet=source.article.outlet,
                        z=round(z, 3),
                        count=y_i,
                        others=y_j,
                        attributed=is_attributed,
                        attributed_to=speakers.most_common(1)[0][0] if is_attributed else None,
                        evidence=tuple(evidence),
                    ),
                )
            )
        scored = _whole_qualifiers(scored, source, analysis, attributions, story)
        kept.extend(_select(scored, source.article.text, per_source))
    logger.debug("framing: %d terms over %d sources", len(kept), len(sources))
    return kept


def _whole_qualifiers(
    scored: list[tuple[bool, FramingTerm]],
    source: _SourceCounts,
    analysis: Analysis | None,
    attributions: Sequence[tuple[int, int, str]],
    story: Counter[str],
) -> list[tuple[bool, FramingTerm]]:
    """Return the scored terms with each qualifier of the source ("un pays uni, indépendant et souverain")
    as one term in place of the pieces the punctuation cut it into, unless another source uses its words."""
    text = source.article.text
    for qualifier in analysis.qualifiers if analysis else ():
        keys = [g.key for g in _grams(qualifier.text, 3)]
        longest = [k for k in keys if _order(k) == max(map(_order, keys), default=0)]
        if not longest or any(story[k] > source.counts.get(k, 0) for k in longest):
            continue  # another source words it alike: not this source's choice
        span = (qualifier.start, qualifier.end)
        inside = [(q, t) for q, t in scored if all(_inside(s, e, [span]) for s, e in t.evidence)]
        who = next((w for s0, e0, w in attributions if s0 <= span[0] and span[1] <= e0), None)
        term = FramingTerm(
            term=" ".join(text[span[0] : span[1]].lower().split()),
            article_id=source.article.id,
            outlet=source.article.outlet,
            z=max((t.z for _, t in inside), default=0.0),
            count=1,
            others=0,
            attributed=who is not None,
            attributed_to=who,
            evidence=(span,),
        )
        scored = [(q, t) for q, t in scored if (q, t) not in inside] + [(any(q for q, _ in inside), term)]
    return scored


def _select(scored: list[tuple[bool, FramingTerm]], text: str, per_source: int) -> list[FramingTerm]:
    """Drop a term contained in a longer one with the same counts, join terms whose occurrences overlap
    with the same counts ("décisions politiques fortes" + "fortes et courageuses"), then keep the
    ``per_source`` strongest: words in quotation marks first (the writer flags them), then by z."""
    quoted = {id(t) for q, t in scored if q}
    terms = [t for _, t in scored]

    def covered(short: FramingTerm, long: FramingTerm) -> bool:
        return (
            short is not long
            and (short.count, short.others) == (long.count, long.others)
            and long.evidence[0][1] - long.evidence[0][0] > short.evidence[0][1] - short.evidence[0][0]
            and all(_inside(s, e, long.evidence) for s, e in short.evidence)
        )

    terms = [t for t in terms if not any(covered(t, other) for other in terms)]
    terms.sort(key=lambda t: t.evidence)
    joined: list[FramingTerm] = []
    for term in terms:
        last = joined[-1] if joined else None
        if (
            last is not None
            and (last.count, last.others) == (term.count, term.others)
            and all(
                s2 < e1 and s1 < e2 for (s1, e1), (s2, e2) in zip(last.evidence, term.evidence, strict=True)
            )
        ):
            evidence = tuple(
                (s1, max(e1, e2)) for (s1, e1), (_, e2) in zip(last.evidence, term.evidence, strict=True)
            )
            strongest = max(last, term, key=lambda t: t.z)
            s0, e0 = evidence[0]
            joined[-1] = replace(strongest, term=" ".join(text[s0:e0].lower().split()), evidence=evidence)
            if id(last) in quoted or id(term) in quoted:
                quoted.add(id(joined[-1]))
            continue
        joined.append(term)
    joined.sort(key=lambda t: (id(t) not in quoted, -t.z, -len(t.term.split()), t.term))
    return joined[:per_source]


def aligned_mentions(
    articles: Sequence[Article], analyses: Mapping[str, Analysis | None], source_of: Mapping[str, str]
) -> list[AlignedMention]:
    """Return the entities at least two sources describe, and differently: per source, its descriptions and
    the name forms no other source uses. Articles without an analysis are skipped."""
    per_entity: dict[str, dict[str, Entity]] = defaultdict(dict)
    for article in _sources(articles, source_of):
        analysis = analyses.get(article.id)
        for entity in analysis.entities if analysis else ():
            per_entity[entity.entity_id][article.id] = entity
    aligned = []
    for entity_id, by_article in per_entity.items():
        if len(by_article) < 2:
            continue
        names = {
            aid: {deaccent(m.text) for m in e.mentions if m.kind == "name"} for aid, e in by_article.items()
        }
        rows = []
        for aid, entity in by_article.items():
            others = set().union(*(names[o] for o in by_article if o != aid))
            words = [_strip_determiner(m.text) for m in entity.mentions if m.kind == "description"]
            words += [m.text for m in entity.mentions if m.kind == "name" and deaccent(m.text) not in others]
            rows.append((aid, tuple(dict.fromkeys(w for w in words if w))))
        described = [frozenset(deaccent(w) for w in forms) for _, forms in rows if forms]
        if len(described) >= 2 and len(set(described)) > 1:
            aligned.append(
                AlignedMention(
                    entity_id,
                    next(iter(by_article.values())).name,
                    tuple(SourceWords(aid, forms) for aid, forms in rows),
                )
            )
    return aligned


_DETERMINER = re.compile(
    r"^(?:(?:les|le|la|son|sa|ses|leurs|leur|une|un|des|du|the|an|a)\s+|l['’]\s*)", re.IGNORECASE
)


def _strip_determiner(text: str) -> str:
    return " ".join(_DETERMINER.sub("", text.strip()).split())
