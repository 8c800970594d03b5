"""Duplicates: exact copies, near-copies and syndicated copies, by MinHash/LSH on word 5-shingles.

``DuplicateIndex`` is fed articles one at a time. Candidates come from a MinHash LSH index at a low
Jaccard threshold (``LSH_THRESHOLD``, never all pairs); each candidate is then decided on the real sets
of shingle hashes of both texts (a sorted ``uint32`` array per article, about 4 bytes per word). The index
keeps per article only its LSH bands, its text fingerprint and its wire credits; a candidate's shingles
come from a cache of the SHINGLE_CACHE most recently used articles, else from its text, read again through
the index's text source (the store's articles, in the pipeline), so memory does not grow with the corpus
by the shingles. Without a text source every article's shingles are kept.

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
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from veille.errors import VeilleError
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
SHINGLE_CACHE = 2048  # articles whose shingles the index keeps at hand (those last added or decided)

# the texts of indexed articles, by id (an id it does not know is left out): where shingles are read again
TextSource = Callable[[Sequence[str]], Mapping[str, str]]

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


def _splitmix(h: np.ndarray) -> np.ndarray:
    """Return SplitMix64's finaliser of 64-bit values (every input bit reaches every output bit)."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


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
    """MinHash LSH buckets kept compact: each band's values with its number folded into one 64-bit key, held
    with the number of the article in two sorted arrays (plus the latest inserts in a dict, merged into them
    now and then).

    The bands and rows are the ones datasketch's ``MinHashLSH`` picks for the threshold; its own storage
    keeps a set and a bytes key per band and article (measured: about 12 KB an article at 37 bands), dicts of
    Python ints about 2.2 KB, these arrays 12 bytes a band (450 bytes an article). Two bands' keys that fold
    to the same 64 bits (about one chance in 10^19 a pair) only make one more candidate, decided on shingles.
    """

    def __init__(self, threshold: float, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHashLSH

        params = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands, self.rows = params.b, params.r
        self.ids: list[str] = []  # article number -> its id, in the order inserted
        self.keys = np.empty(0, dtype=np.uint64)  # sorted (by key, then number)
        self.numbers = np.empty(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}  # key -> numbers inserted since the last merge
        self._pending = 0

    def band_keys(self, mh: MinHash) -> np.ndarray:
        """Return the 64-bit key of each band of a MinHash (its ``rows`` values and the band's number)."""
        values = np.asarray(mh.hashvalues, dtype=np.uint64)[: self.bands * self.rows].reshape(self.bands, -1)
        with np.errstate(over="ignore"):
            h = np.arange(1, self.bands + 1, dtype=np.uint64) * _MIX
            for j in range(self.rows):
                h = _splitmix(h ^ values[:, j])
        return h

    def insert(self, key: str, mh: MinHash) -> None:
        """Put a key in the bucket of each of its MinHash's bands."""
        number = len(self.ids)
        self.ids.append(key)
        for band in self.band_keys(mh).tolist():
            self._recent.setdefault(band, []).append(number)
        self._pending += self.bands
        if self._pending > max(1 << 14, self.keys.size // 4):  # merging costs the whole array: now and then
            self.merge()

    def merge(self) -> None:
        """Move the latest inserts into the sorted arrays."""
        if not self._recent:
            return
        keys = np.fromiter(
            (k for k, held in self._recent.items() for _ in held), dtype=np.uint64, count=self._pending
        )
        numbers = np.fromiter(
            (n for held in self._recent.values() for n in held), dtype=np.int32, count=self._pending
        )
        keys, numbers = np.concatenate([self.keys, keys]), np.concatenate([self.numbers, numbers])
        order = np.lexsort((numbers, keys))
        self.keys, self.numbers = keys[order], numbers[order]
        self._recent, self._pending = {}, 0

    def query(self, mh: MinHash) -> Counter[str]:
        """Return the keys that share at least one band with the MinHash (its LSH candidates), each with the
        number of bands it shares (more bands: a higher Jaccard, likely)."""
        bands = self.band_keys(mh)
        found: Counter[int] = Counter()
        if self.keys.size:
            low = np.searchsorted(self.keys, bands, "left")
            high = np.searchsorted(self.keys, bands, "right")
            for lo, hi in zip(low.tolist(), high.tolist(), strict=True):
                if hi > lo:
                    found.update(self.numbers[lo:hi].tolist())
        for band in bands.tolist():
            found.update(self._recent.get(band, ()))
        return Counter({self.ids[n]: c for n, c in found.items()})


@dataclass(frozen=True, slots=True)
class _Entry:
    fingerprint: str
    credits: frozenset[str]


class DuplicateIndex:
    """An incremental index of article texts that labels each new article's copies.

    ``texts`` gives the texts of indexed articles by id: with it, the index keeps the shingles of the
    ``cache`` (SHINGLE_CACHE) articles last added or decided and reads the others' texts again when they are candidates;
    without it, it keeps every article's shingles.
    """

    def __init__(
        self,
        threshold: float = 0.8,
        *,
        containment: float = CONTAINMENT,
        wire_containment: float = WIRE_CONTAINMENT,
        lsh_threshold: float = LSH_THRESHOLD,
        texts: TextSource | None = None,
        cache: int | None = None,
    ) -> None:
        self.threshold = threshold
        self.containment = containment
        self.wire_containment = wire_containment
        self._lsh = BandIndex(min(lsh_threshold, threshold))
        self._entries: dict[str, _Entry] = {}
        self._first_of: dict[str, str] = {}  # text fingerprint -> first article with that text
        self._texts = texts
        self._cache_size = max(1, SHINGLE_CACHE if cache is None else cache)
        self._shingles: OrderedDict[str, Shingles] = OrderedDict()  # least recently used first
        self.reads = 0  # texts read again through the text source

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def memory_bytes(self) -> int:
        """Return the bytes held by the shingle hashes at hand (the LSH tables come on top)."""
        return sum(s.nbytes for s in self._shingles.values())

    def _keep(self, article_id: str, shingles: Shingles) -> None:
        self._shingles[article_id] = shingles
        self._shingles.move_to_end(article_id)
        if self._texts is not None:
            while len(self._shingles) > self._cache_size:
                self._shingles.popitem(last=False)

    def _shingles_of(self, article_ids: list[str]) -> dict[str, Shingles]:
        """Return the shingles of indexed articles, from the cache or read again from their texts (an article
        the text source no longer has is left out)."""
        found: dict[str, Shingles] = {}
        missing = []
        for aid in article_ids:
            held = self._shingles.get(aid)
            if held is None:
                missing.append(aid)
            else:
                self._shingles.move_to_end(aid)
                found[aid] = held
        if missing:
            if self._texts is None:
                raise VeilleError(
                    "the duplicate index was restored without its articles' texts: give it a text source",
                    code="bad_state",
                )
            texts = self._texts(missing)
            self.reads += len(missing)
            for aid in missing:
                if aid in texts:
                    found[aid] = shingle_hashes(texts[aid])
                    self._keep(aid, found[aid])
                else:
                    logger.debug("dedup: the text of %s is gone; not a candidate any more", aid)
        return found

    def _decide(
        self, new: _Entry, new_shingles: Shingles, old: _Entry, old_shingles: Shingles
    ) -> tuple[str, float] | None:
        """Return (kind, similarity) of a candidate pair, or None when it is not a copy."""
        jac, cont = similarity_of(new_shingles, old_shingles)
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
        return self._add(article_id, text, decide=True)

    def index(self, article_id: str, text: str) -> None:
        """Index an article without looking for its copies (the links of a stored story are known already)."""
        self._add(article_id, text, decide=False)

    def _add(self, article_id: str, text: str, decide: bool) -> list[DuplicateLink]:
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
            return [DuplicateLink(article_id, exact, "exact", 1.0)] if decide else []
        entry = _Entry(fingerprint, frozenset(wire_credits(text)))
        shingles = _shingles(words, para)
        mh = _minhash(shingles.all)
        links = []
        if decide:
            hits = self._lsh.query(mh)
            chosen = [c for c, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]]
            known = self._shingles_of(chosen)
            for candidate in chosen:
                if candidate not in known:
                    continue
                decided = self._decide(entry, shingles, self._entries[candidate], known[candidate])
                if decided is not None:
                    links.append(DuplicateLink(article_id, candidate, decided[0], round(decided[1], 3)))
        self._lsh.insert(article_id, mh)
        self._entries[article_id] = entry
        self._first_of[fingerprint] = article_id
        self._keep(article_id, shingles)
        return links
