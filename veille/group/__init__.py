"""The group stage: duplicates and syndicated copies, and stories across outlets.

The grouper and the duplicate index are loaded on first use, so that ``copies`` and ``events`` (which the
comparison and the listings use) never load them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.group.dedup import DuplicateIndex
    from veille.group.stories import ArticleFeatures, StoryGrouper, features_of

GROUPER_VERSION = "veille-group 0.3 (tfidf+entity cosine online, long window, minhash 5-shingles, copies linked to the first)"

__all__ = ["GROUPER_VERSION", "ArticleFeatures", "DuplicateIndex", "StoryGrouper", "features_of"]


def __getattr__(name: str) -> Any:
    if name == "DuplicateIndex":
        return import_module("veille.group.dedup").DuplicateIndex
    if name in __all__:
        return getattr(import_module("veille.group.stories"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
