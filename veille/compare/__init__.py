"""The compare stage: a story's sources side by side, the facts they share or not, conflicts, framing,
voices and timeline (``build.py``). ``build_comparison`` is loaded on first use, so that a command that
compares nothing never reads the stage's word lists."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.compare.build import build_comparison

COMPARER_VERSION = (
    "veille-compare 0.4 (claims aligned by story events, words, clauses and paraphrase classes, near-identical"
    " claims first; conflicts one per slot, explained, updates and corrections; framing with qualifiers, voices)"
)

__all__ = ["COMPARER_VERSION", "build_comparison"]


def __getattr__(name: str) -> Any:
    if name == "build_comparison":
        return import_module("veille.compare.build").build_comparison
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
