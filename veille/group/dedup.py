"""Duplicates: exact copies, near-copies and syndicated copies, by MinHash/LSH on word 5-shingles.

``DuplicateIndex`` is fed articles one at a time; each new article is compared only with the candidates
the LSH index returns (never all pairs). Wire credits ("(AFP)", "avec Reuters", "APS") mark a copy
as syndicated.
"""

from __future__ import annotations

import hashlib
import logging
import re

from datasketch import MinHash, MinHashLSH
from unidecode import unidecode

from veille.model import DuplicateLink

logger = logging.getLogger(__name__)

NUM_PERM = 128
SHINGLE = 5
SYNDICATION_FLOOR = 0.5  # a copy this close that carries a wire credit is a syndicated (edited) copy

_WORD = re.compile(r"\w+", re.UNICODE)
_WIRE = re.compile(
    r"\((?:AFP|Reuters|AP|APS|ANP|MAP|ATOP|ACI|AIB|Xinhua|Anadolu|Sputnik)\)"
    r"|\bavec (?:l'?)?(?:AFP|Reuters|AP|APS|agences?)\b"
    r"|\b(?:Agence France-Presse|Associated Press|Reuters|Agence de presse sénégalaise)\b",
    re.IGNORECASE,
)


def normalized_words(text: str) -> list[str]:
    """Return the text's words, lower-cased and without accents (the unit of every text comparison)."""
    return _WORD.findall(unidecode(text).lower())


def text_fingerprint(text: str) -> str:
    """Return a hash of the normalised words: equal for copies that differ only in spacing, case, accents."""
    return hashlib.sha1(" ".join(normalized_words(text)).encode()).hexdigest()


def wire_credits(text: str) -> set[str]:
    """Return the wire-agency credits found in a text, normalised ("afp", "reuters"...)."""
    return {
        re.sub(r"\W+", " ", m.group(0)).strip().lower().removeprefix("avec ") for m in _WIRE.finditer(text)
    }


def minhash_of(text: str) -> MinHash:
    """Return the MinHash of the text's word 5-shingles (the whole text when it is shorter)."""
    words = normalized_words(text)
    mh = MinHash(num_perm=NUM_PERM)
    if len(words) < SHINGLE:
        mh.update(" ".join(words).encode())
        return mh
    for i in range(len(words) - SHINGLE + 1):
        mh.update(" ".join(words[i : i + SHINGLE]).encode())
    return mh


class DuplicateIndex:
    """An incremental index of article texts that labels each new article's copies."""

    def __init__(self, threshold: float = 0.8) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=min(threshold, SYNDICATION_FLOOR), num_perm=NUM_PERM)
        self._hashes: dict[str, MinHash] = {}
        self._fingerprints: dict[str, str] = {}
        self._credits: dict[str, set[str]] = {}

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._hashes

    def add(self, article_id: str, text: str) -> list[DuplicateLink]:
        """Index an article and return its links to the already indexed copies (exact, near, syndicated)."""
        if article_id in self._hashes:
            return []
        mh = minhash_of(text)
        fingerprint = text_fingerprint(text)
        wire = wire_credits(text)
        links = []
        for other in self._lsh.query(mh):
            if self._fingerprints[other] == fingerprint:
                links.append(DuplicateLink(article_id, other, "exact", 1.0))
                continue
            similarity = round(mh.jaccard(self._hashes[other]), 3)
            shared_credit = bool(wire & self._credits[other])
            if similarity >= self.threshold:
                kind = "syndicated" if shared_credit else "near"
            elif similarity >= SYNDICATION_FLOOR and shared_credit:
                kind = "syndicated"
            else:
                continue
            links.append(DuplicateLink(article_id, other, kind, similarity))
        self._lsh.insert(article_id, mh)
        self._hashes[article_id] = mh
        self._fingerprints[article_id] = fingerprint
        self._credits[article_id] = wire
        return links
