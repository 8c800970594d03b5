"""veille: turns raw news from many outlets into a source-attributed record of what happened.

Public API: ``open_store``, ``run``, ``ingest``, ``__version__``. See docs/architecture.md.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("veille")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # Lazy: importing veille must not import spaCy, trafilatura and the rest.
    if name == "open_store":
        from veille.store import open_store

        return open_store
    if name in {"run", "ingest"}:
        from veille import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)


__all__ = ["__version__", "ingest", "open_store", "run"]
