"""The compare stage: a story's sources side by side, the facts they share or not, conflicts, framing,
voices and timeline (``build.py``)."""

from veille.compare.build import COMPARER_VERSION, build_comparison

__all__ = ["COMPARER_VERSION", "build_comparison"]
