"""The extract stage: one Document → one Article (text with its title first, and metadata with sources).

``extract_article`` and ``clean_scraped_text`` are loaded on first use, so that a command that extracts
nothing (``veille stories``, ``veille show``) never loads trafilatura, htmldate and lxml; the stage's
version names the versions of both libraries from the installed packages' metadata.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.extract.article import extract_article
    from veille.extract.scraped import clean_scraped_text

EXTRACTOR_VERSION = (
    f"veille-extract 0.3 (trafilatura {version('trafilatura')}, htmldate {version('htmldate')})"
)

__all__ = ["EXTRACTOR_VERSION", "clean_scraped_text", "extract_article"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        return import_module("veille.extract.article").extract_article
    if name == "clean_scraped_text":
        return import_module("veille.extract.scraped").clean_scraped_text
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
