"""Duplicates: exact copies, near-copies and syndicated copies, by MinHash/LSH on word 5-shingles.

``DuplicateIndex`` is fed articles one at a time. Candidates come from a MinHash LSH index at a low
Jaccard threshold (``LSH_THRESHOLD``, never all pairs); each candidate is then decided on the real sets
of shingle hashes the index keeps (a sorted ``uint32`` array per article, about 4 bytes per word; with
the LSH buckets and the rest, about 6-9 KB an article, measured at 10k and 100k articles):

- exact: same normalised text (``text_fingerprint``), found by a dictionary look-up;
- near: Jaccard >= the index threshold (shared wire credit: syndicated);
- syndicated: the shorter text is contained in the longer one (truncated or extended copy,
  containment >= ``CONTAINMENT``), or both carry one wire credit ("(AFP)", "avec Reuters", "APS")
  and containment >= ``WIRE_CONTAINMENT``.

Similarity and containment are each the larger of two views: shingles over the whole word stream,
and shingles that stay inside one paragraph (so a copy with its paragraphs reordered still matches).
A near link's similarity is the Jaccard; a syndicated link's is the containment.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from veille.model import DuplicateLink

if TYPE_CHECKING:
    from datasketch import MinHash
from veille.text import normalized_words

logger = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE = 5
LSH_THRESHOLD = 0.3  # candidate retrieval: a low Jaccard, so truncated and extended copies are found
CONTAINMENT = 0.8  # shorter text contained in the longer one: a syndicated (truncated/extended) copy
WIRE_CONTAINMENT = 0.5  # containment enough when both texts carry one wire credit
MAX_CANDIDATES = 32  # LSH candidates decided per article, those sharing the most bands first
MIN_CONTAINED = 25  # shingles the shorter text needs before containment counts (not a title, a footer)

_PARAGRAPH = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_WIRE = re.compile(
    r"\((?:AFP|Reuters|AP|APS|ANP|MAP|ATOP|ACI|AIB|Xinhua|Anadolu|Sputnik)\)"
    r"|\bavec (?:l'?)?(?:AFP|Reuters|AP|APS|agences?)\b"
    r"|\b(?:Agence France-Presse|Associated Press|Reuters|Agence de presse sénégalaise)\b",
    re.IGNORECASE,
)
# odd 64-bit multipliers: a shingle's hash is a position-weighted sum of its words' hashes, then mixed
_WEIGHTS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)
_MIX = np.uint64(0xC4CEB9FE1A85EC53)


def _fingerprint(words: list[str]) -> str:
    return hashlib.sha1(" ".join(words).encode()).hexdigest()


def text_fingerprint(text: str) -> str:
    """Return a hash of the normalised words: equal for copies that differ only in spacing, case, accents."""
    return _fingerprint(normalized_words(text))


def wire_credits(text: str) -> set[str]:
    """Return the wire-agency credits found in a text, normalised ("afp", "reuters"...)."""
    return {
        re.sub(r"\W+", " ", m.group(0)).strip().lower().removeprefix("avec ") for m in _WIRE.finditer(text)
    }


@dataclass(frozen=True, slots=True)
class Shingles:
    """A text's word 5-shingle hashes: all of them (sorted, unique) and those that cross a paragraph break."""

    all: np.ndarray
    crossing: np.ndarray

    def inner(self) -> np.ndarray:
        """Return the hashes of the shingles that stay inside one paragraph (sorted, unique)."""
        return np.setdiff1d(self.all, self.crossing, assume_unique=True)

    @property
    def nbytes(self) -> int:
        """Return the bytes the two hash arrays hold."""
        return int(self.all.nbytes + self.crossing.nbytes)


def _mix(h: np.ndarray) -> np.ndarray:
    """Return 32-bit hashes from 64-bit sums (xor-shift-multiply finaliser, top 32 bits)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * _MIX
        h = h ^ (h >> np.uint64(29))
    return (h >> np.uint64(32)).astype(np.uint32)


def _paragraph_words(text: str) -> tuple[list[str], list[int]]:
    """Return the text's normalised words and, for each, the number of its paragraph."""
    words: list[str] = []
    para: list[int] = []
    for i, paragraph in enumerate(_PARAGRAPH.split(text)):
        found = normalized_words(paragraph)
        words += found
        para += [i] * len(found)
    return words, para


def shingle_hashes(text: str) -> Shingles:
    """Return the 32-bit hashes of the text's word 5-shingles (one shingle when shorter; none when no words)."""
    return _shingles(*_paragraph_words(text))


def _shingles(words: list[str], para: list[int]) -> Shingles:
    if not words:
        empty = np.empty(0, dtype=np.uint32)
        return Shingles(empty, empty)
    w = np.fromiter((zlib.crc32(x.encode()) for x in words), dtype=np.uint64, count=len(words))
    k = min(SHINGLE, len(words))
    n = len(words) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h += w[j : j + n] * _WEIGHTS[j]
    hashes = _mix(h)
    p = np.asarray(para)
    crosses = p[:n] != p[k - 1 :]
    everything = np.unique(hashes)
    inside = np.unique(hashes[~crosses])
    crossing = np.setdiff1d(np.unique(hashes[crosses]), inside, assume_unique=True)
    return Shingles(everything, crossing)


def minhash_of(text: str) -> MinHash:
    """Return the MinHash of the text's word 5-shingles (the whole text when it is shorter)."""
    return _minhash(shingle_hashes(text).all)


@cache
def minhash_template() -> MinHash:
    """The MinHash whose permutations every article's uses: drawn once, not per article. datasketch (and
    scipy under it) is imported here, when duplicates are first looked for, not when veille starts."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM)


def _minhash(hashes: np.ndarray) -> MinHash:
    from datasketch import MinHash

    template = minhash_template()
    mh = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=template.permutations, scheme=template.scheme)
    mh.update_batch(hashes.tolist())
    return mh


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return (Jaccard, containment of the smaller in the larger) of two sorted unique hash arrays."""
    if not a.size or not b.size:
        return 0.0, 0.0
    shared = np.intersect1d(a, b, assume_unique=True).size
    smaller = min(a.size, b.size)
    return shared / (a.size + b.size - shared), (shared / smaller if smaller >= MIN_CONTAINED else 0.0)


def similarity_of(a: Shingles, b: Shingles) -> tuple[float, float]:
    """Return (Jaccard, containment) of two texts' shingles: the larger over whole-text and in-paragraph views."""
    j_all, c_all = _overlap(a.all, b.all)
    if not a.crossing.size and not b.crossing.size:
        return j_all, c_all
    j_in, c_in = _overlap(a.inner(), b.inner())
    return max(j_all, j_in), max(c_all, c_in)


class BandIndex:
    """MinHash LSH buckets kept compact: per band, a dict from the band's values (one int) to an id or ids.

    The bands and rows are the ones datasketch's ``MinHashLSH`` picks for the threshold; its own storage
    keeps a set and a bytes key per band and article (measured: about 12 KB an article at 37 bands), this
    one about 90 bytes per band (3.2 KB an article).
    """

    def __init__(self, threshold: float, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHashLSH

        params = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands, self.rows = params.b, params.r
        self._tables: list[dict[int, str | list[str]]] = [{} for _ in range(self.bands)]

    def _keys(self, mh: MinHash) -> list[int]:
        values = np.asarray(mh.hashvalues)
        r = self.rows
        return [int.from_bytes(values[i * r : (i + 1) * r].tobytes(), "little") for i in range(self.bands)]

    def insert(self, key: str, mh: MinHash) -> None:
        """Put a key in the bucket of each of its MinHash's bands."""
        for table, band in zip(self._tables, self._keys(mh), strict=True):
            held = table.get(band)
            if held is None:
                table[band] = key
            elif isinstance(held, str):
                table[band] = [held, key]
            else:
                held.append(key)

    def query(self, mh: MinHash) -> Counter[str]:
        """Return the keys that share at least one band with the MinHash (its LSH candidates), each with the
        number of bands it shares (more bands: a higher Jaccard, likely)."""
        found: Counter[str] = Counter()
        for table, band in zip(self._tables, self._keys(mh), strict=True):
            held = table.get(band)
            if held is None:
                continue
            if isinstance(held, str):
                found[held] += 1
            else:
                found.update(held)
        return found


@dataclass(frozen=True, slots=True)
class _Entry:
    shingles: Shingles
    fingerprint: str
    credits: frozenset[str]


class DuplicateIndex:
    """An incremental index of article texts that labels each new article's copies."""

    def __init__(
        self,
        threshold: float = 0.8,
        *,
        containment: float = CONTAINMENT,
        wire_containment: float = WIRE_CONTAINMENT,
        lsh_threshold: float = LSH_THRESHOLD,
    ) -> None:
        self.threshold = threshold
        self.containment = containment
        self.wire_containment = wire_containment
        self._lsh = BandIndex(min(lsh_threshold, threshold))
        self._entries: dict[str, _Entry] = {}
        self._first_of: dict[str, str] = {}  # text fingerprint -> first article with that text

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def memory_bytes(self) -> int:
        """Return the bytes held by the kept shingle hashes (the LSH tables come on top)."""
        unique = {id(e): e for e in self._entries.values()}  # exact copies share their first's entry
        return sum(e.shingles.nbytes for e in unique.values())

    def _decide(self, new: _Entry, old: _Entry) -> tuple[str, float] | None:
        """Return (kind, similarity) of a candidate pair, or None when it is not a copy."""
        jac, cont = similarity_of(new.shingles, old.shingles)
        shared_credit = bool(new.credits & old.credits)
        if jac >= self.threshold:
            return ("syndicated" if shared_credit else "near"), jac
        if cont >= self.containment or (shared_credit and cont >= self.wire_containment):
            return "syndicated", cont
        return None

    def add(self, article_id: str, text: str) -> list[DuplicateLink]:
        """Index an article and return its links to the already indexed copies (exact, near, syndicated).

        A group of exact copies is linked through its first article: a new exact copy links to it alone (and is
        not compared further), a near or syndicated copy links to it for the whole group.
        At most MAX_CANDIDATES LSH candidates are decided, those sharing the most bands first, so the cost of
        an article stays bounded when a text has been copied hundreds of times. An id already indexed, or a
        text without words, gives no link (and is not indexed twice).
        """
        if article_id in self._entries:
            return []
        words, para = _paragraph_words(text)
        if not words:
            logger.debug("dedup: %s has no words, not indexed", article_id)
            return []
        fingerprint = _fingerprint(words)
        exact = self._first_of.get(fingerprint)
        if exact is not None:  # the same text: linked to its first article, which stands for all its copies
            self._entries[article_id] = self._entries[exact]
            return [DuplicateLink(article_id, exact, "exact", 1.0)]
        entry = _Entry(_shingles(words, para), fingerprint, frozenset(wire_credits(text)))
        mh = _minhash(entry.shingles.all)
        links = []
        hits = self._lsh.query(mh)
        for candidate, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]:
            decided = self._decide(entry, self._entries[candidate])
            if decided is not None:
                links.append(DuplicateLink(article_id, candidate, decided[0], round(decided[1], 3)))
        self._lsh.insert(article_id, mh)
        self._entries[article_id] = entry
        self._first_of[fingerprint] = article_id
        return links
