"""Language identification with py3langid."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text`` (py3langid), or None when it has fewer than 20 letters."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    import py3langid

    lang, _score = py3langid.classify(text)
    return str(lang)
