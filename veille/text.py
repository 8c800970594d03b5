"""The one reading of plain text every stage and the store share: words, folding, sentences, stop words.

``fold`` is what quote grouping compares and what the store's filters (quote text, outlet) match on, so a
search and a grouping never disagree on accents, case or punctuation; its output is stored (``outlet_fold``,
the quote keys), so it never changes. ``normalized_words`` is the unit of every text comparison (shingles, fingerprints,
TF-IDF, claims); ``deaccent`` keeps punctuation and case-folds without transliterating (the key framing terms
are counted under); ``sentences`` cuts an article into sentences with their offsets; ``stop_words`` are
spaCy's French and English lists, shipped as files so that reading them loads no spaCy.

Nothing here imports spaCy or a model: a command that needs no analysis starts without them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from unidecode import unidecode

WORD = re.compile(r"\w+", re.UNICODE)
_DATA = Path(__file__).parent / "data"
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?…。！？؟]+[»\"”’)\]]*(?=\s|$)|$)", re.MULTILINE)
_ABBREVIATION = re.compile(r"(?:\b(?:M|Mme|Mlle|Dr|Pr|St|Me|Mgr|av|apr|J\.-C|etc|cf|p|n°)|\b[A-Z])\.$")


def fold(text: str) -> str:
    """Return the words of ``text`` folded (accents, case) and joined by single spaces; '' when it has none."""
    return " ".join(WORD.findall(unidecode(text).casefold().replace("_", " ")))


class _Ascii(dict[int, str]):
    """unidecode one character at a time, cached: str.translate with it equals unidecode(text), faster."""

    def __missing__(self, code: int) -> str:
        out = self[code] = unidecode(chr(code))
        return out


_ASCII = _Ascii()


def normalized_words(text: str) -> list[str]:
    """Return the text's words, transliterated to ASCII and lower-cased ("Goïta" -> "goita"): the unit of every
    text comparison. ``fold(text)`` is the same words joined, save that ``fold`` also cuts at "_" (kept
    here: the fingerprints and shingles stored by grouping are made of these words)."""
    return WORD.findall(text.translate(_ASCII).lower())


def deaccent(text: str) -> str:
    """Return ``text`` lower-cased without its accents, punctuation and non-Latin letters kept, ’ made '."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text: ``start``..``end`` of it."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Return the sentences of a text, line by line, cut after . ! ? … (and a closing quote mark), not after
    an abbreviation ("M.", "J.-C.", an initial); blank and whitespace-only pieces are dropped."""
    out: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        pending = None
        for m in _SENTENCE.finditer(line.group(0)):
            start, end = line.start() + m.start(), line.start() + m.end()
            if pending is not None:
                start = pending
            piece = text[start:end]
            if _ABBREVIATION.search(piece.rstrip()) and end < line.end():
                pending = start
                continue
            pending = None
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if piece.strip():
                out.append(Sentence(start + lead, end - trail, piece.strip()))
    return out


@cache
def stop_words(language: str | None = None) -> frozenset[str]:
    """Return spaCy's stop words of ``language`` ("fr" or "en"; None: both), as spaCy spells them."""
    if language is None:
        return stop_words("fr") | stop_words("en")
    if language not in ("fr", "en"):
        raise ValueError(f"no stop words for {language!r}: fr or en")
    lines = (_DATA / f"stop_words_{language}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
