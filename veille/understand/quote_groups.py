"""One quote across outlets: when two quotes are the same words carried by two sources.

Decisions over plain data (no spaCy): the pipeline stores each quote's ``quote_fingerprints`` with its analysis
(``quote_keys``), and ``quote_group`` walks the candidates the store returns for a fingerprint, asking
``is_same_quote`` of each, so no comparison runs over all pairs (``group_quotes`` fills a listing's groups).

Texts are compared after ``normalize_quote`` (``veille.text.fold``: accents, case, quote marks, apostrophes and
spacing folded).
Two quotes are the same when their speakers agree (both known and different is a veto) and either their
normalised texts are equal, or the shorter has ``MIN_WORDS`` words or more and both measures pass:
``token_set_ratio`` ≥ ``MIN_TOKEN_SET`` (rapidfuzz, 0–100) and the share of the shorter one's word 3-grams
found in the longer ≥ ``MIN_CONTAINMENT``, so an outlet that cuts a quote shorter still carries it. The
thresholds were measured on the bundled sample (200 French articles, 2,153 quotes; see docs/json.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from rapidfuzz.fuzz import token_set_ratio

from veille.errors import UsageError
from veille.model import Quote, QuoteRecord, QuoteSource
from veille.text import fold as normalize_quote

if TYPE_CHECKING:
    from veille.store.base import Store

logger = logging.getLogger(__name__)

QUOTE_GROUPER_VERSION = "veille-quote-groups 1"
SHINGLE = 3  # words per shingle
WINDOW = 4  # winnowing window: any run of SHINGLE + WINDOW - 1 = 6 shared words shares a fingerprint
MIN_WORDS = (
    6  # shorter quotes ("abus de confiance") are common phrases: grouped only when equal, same speaker
)
MIN_TOKEN_SET = 90.0
MIN_CONTAINMENT = 0.5
QUOTE_CANDIDATES = 500  # quotes read per fingerprint look-up when grouping one quote across outlets
QUOTE_GROUP_MAX = 200  # the walk over one quote's copies stops past this many


@dataclass(frozen=True, slots=True)
class QuoteSample:
    """What the grouping reads of a quote: its text and its speaker's registry id (None when unresolved)."""

    text: str
    speaker_id: str | None = None


def _hash(value: str) -> int:
    # a signed 64-bit integer, so SQLite stores it as an INTEGER
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big", signed=True)


def _shingles(words: Sequence[str]) -> list[str]:
    if len(words) <= SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def quote_fingerprints(text: str) -> list[int]:
    """Return the index keys of a quote: its winnowed word 3-gram hashes and the hash of its whole text.

    Two quotes that share a run of six words (or are equal once normalised) share a key. [] for a text
    without words.
    """
    words = normalize_quote(text).split()
    if not words:
        return []
    hashes = [_hash(s) for s in _shingles(words)]
    keys = {_hash("=" + " ".join(words))}
    for i in range(max(1, len(hashes) - WINDOW + 1)):
        keys.add(min(hashes[i : i + WINDOW]))
    return sorted(keys)


def containment(a: str, b: str) -> float:
    """Return the share of the shorter normalised text's word 3-grams that the other one has (0 to 1)."""
    sa, sb = set(_shingles(a.split())), set(_shingles(b.split()))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_same_quote(a: QuoteSample, b: QuoteSample) -> bool:
    """Return True when two quotes are the same words from the same speaker (see the module docstring)."""
    if a.speaker_id is not None and b.speaker_id is not None and a.speaker_id != b.speaker_id:
        return False
    na, nb = normalize_quote(a.text), normalize_quote(b.text)
    if not na or not nb:
        return False
    shorter = min(len(na.split()), len(nb.split()))
    if shorter < MIN_WORDS:
        return na == nb and a.speaker_id is not None and a.speaker_id == b.speaker_id
    if na == nb:
        return True
    return token_set_ratio(na, nb) >= MIN_TOKEN_SET and containment(na, nb) >= MIN_CONTAINMENT


def quote_keys(quotes: Iterable[Quote]) -> list[tuple[int, int]]:
    """Return the (quote start, fingerprint) pairs the store indexes an article's quotes by."""
    return [(q.start, key) for q in quotes for key in quote_fingerprints(q.text)]


def _sample(record: QuoteRecord) -> QuoteSample:
    return QuoteSample(record.text, record.speaker_entity_id)


def quote_group(
    store: Store, record: QuoteRecord, cache: dict[str, list[QuoteRecord]] | None = None
) -> list[QuoteRecord]:
    """Return every stored quote that is the same quote as ``record`` (itself included), earliest first.

    A walk over the fingerprint index: each quote found is compared with the quotes sharing a key with it (at
    most ``QUOTE_CANDIDATES`` each), so nothing compares all pairs; the walk stops at ``QUOTE_GROUP_MAX``.
    ``cache`` (quote id -> group) spares the walk for the other members of a group already walked.
    """
    if cache is not None and record.quote_id in cache:
        return cache[record.quote_id]
    found = {record.quote_id: record}
    frontier = [record]
    while frontier and len(found) < QUOTE_GROUP_MAX:
        current = frontier.pop(0)  # breadth first, candidates in id order: the same group every time
        for other in store.quotes_sharing_keys(current.quote_id, limit=QUOTE_CANDIDATES):
            if other.quote_id not in found and is_same_quote(_sample(current), _sample(other)):
                found[other.quote_id] = other
                frontier.append(other)
    members = sorted(
        found.values(), key=lambda r: (r.published is None, r.published or date.min, r.article_id, r.start)
    )
    if cache is not None:
        for key in found:
            cache[key] = members
    return members


def group_sources(members: Sequence[QuoteRecord]) -> tuple[QuoteSource, ...]:
    """Return one source per article among a quote group's members (already earliest first)."""
    sources: dict[str, QuoteSource] = {}
    for r in members:
        sources.setdefault(r.article_id, QuoteSource(r.article_id, r.outlet, r.published, r.quote_id))
    return tuple(sources.values())


def group_quotes(store: Store, records: Sequence[QuoteRecord]) -> list[QuoteRecord]:
    """Return the records with their group (``group_id``: the earliest carrier), ``sources`` and ``grouper``."""
    cache: dict[str, list[QuoteRecord]] = {}
    grouped = []
    for record in records:
        members = quote_group(store, record, cache)
        grouped.append(
            replace(
                record,
                group_id=members[0].quote_id,
                sources=group_sources(members),
                grouper=QUOTE_GROUPER_VERSION,
            )
        )
    return grouped


def index_stored_quotes(store: Store) -> int:
    """Store the fingerprints of the stored quotes that have none (a database written before the index);
    return how many quotes were indexed (0 after one look-up when the index is in use)."""
    quotes = store.unindexed_quotes()
    if not quotes:
        return 0
    by_article: dict[str, list[tuple[int, int]]] = {}
    for q in quotes:
        by_article.setdefault(q.article_id, []).extend((q.start, key) for key in quote_fingerprints(q.text))
    with store.transaction():
        for article_id, keys in by_article.items():
            store.put_quote_keys(article_id, keys)
    logger.info("indexed %d stored quotes for grouping across outlets", len(quotes))
    return len(quotes)


def list_quotes(
    store: Store,
    *,
    speaker: str | None = None,
    article_id: str | None = None,
    story_id: str | None = None,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    text: str | None = None,
    limit: int = 100,
) -> list[QuoteRecord]:
    """Return the stored quotes matching every filter (as ``Store.list_quotes``), each with its group and sources.

    UsageError for a speaker, article or story that names nothing.
    """
    index_stored_quotes(store)
    found = store.list_quotes(
        speaker=speaker,
        article_id=article_id,
        story_id=story_id,
        kind=kind,
        since=since,
        until=until,
        text=text,
        limit=limit,
    )
    return group_quotes(store, found)


def quote_sources(store: Store, quote_id: str) -> list[QuoteSource]:
    """Return the articles that carry the same quote as ``quote_id`` (``ARTICLE_ID:START``), earliest first.

    UsageError when no quote has that id.
    """
    index_stored_quotes(store)
    record = store.get_quote(quote_id)
    if record is None:
        raise UsageError(f"no quote {quote_id!r}; quote ids are ARTICLE_ID:START (see `veille quotes`)")
    return list(group_sources(quote_group(store, record)))
