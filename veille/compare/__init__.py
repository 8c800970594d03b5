"""The compare stage: a story's sources side by side."""

from veille.compare.sides import COMPARER_VERSION, build_comparison

__all__ = ["COMPARER_VERSION", "build_comparison"]
