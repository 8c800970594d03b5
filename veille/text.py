"""Text folding shared by the stages and the store: one definition of "the same words".

``fold`` is what quote grouping compares and what the store's filters (quote text, outlet) match on, so a
search and a grouping never disagree on accents, case or punctuation.
"""

from __future__ import annotations

import re

from unidecode import unidecode

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Return the words of ``text`` folded (accents, case) and joined by single spaces; '' when it has none."""
    return " ".join(_WORD.findall(unidecode(text).casefold().replace("_", " ")))
