"""The understand stage: language, entities, quotes, times and events of each article.

``analyze_article`` reads one article; ``analyze_articles`` streams many through ``nlp.pipe`` (both in
``understand/analyze.py``). They are loaded on first use, so that the modules of this stage that need no
model (``dates``, ``linking``, ``crosslink``, ``quote_groups``, ``event_groups``, ``places``), which the pipeline,
``group.events`` and the renderer use, never load spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.understand.analyze import ANALYZER_VERSION, analyze_article, analyze_articles

__all__ = ["ANALYZER_VERSION", "analyze_article", "analyze_articles"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("veille.understand.analyze"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
