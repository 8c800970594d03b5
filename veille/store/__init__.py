"""Storage: ``open_store`` returns a backend implementing the ``Store`` protocol (``store/base.py``).

SQLite is the default backend; ``postgresql://`` addresses are reserved for the PostgreSQL backend.
"""

from __future__ import annotations

import logging
from pathlib import Path

from veille.errors import StoreError
from veille.settings import Settings
from veille.store.base import SearchHit, Store
from veille.store.sqlite import SQLiteStore

logger = logging.getLogger(__name__)

__all__ = ["SQLiteStore", "SearchHit", "Store", "open_store"]

DEFAULT_DB = "veille.db"


def open_store(path: str | None = None, *, settings: Settings | None = None) -> Store:
    """Open (creating and migrating if needed) the store at ``path``, else ``settings.db``, else ./veille.db.

    Raises StoreError for a ``postgresql://`` address (backend not available yet), a missing folder,
    an unreadable file or a schema newer than this code.
    """
    target = path or (settings.db if settings is not None else None) or DEFAULT_DB
    if target.startswith(("postgresql://", "postgres://")):
        raise StoreError(
            f"{target.split('@')[-1]}: the PostgreSQL backend is not available yet; use an SQLite path (e.g. veille.db)"
        )
    if target != ":memory:" and not target.startswith("file:"):
        folder = Path(target).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(
                f"cannot create database {target}: folder {folder} does not exist; create it first"
            )
        target = str(Path(target).expanduser())
    logger.debug("opening SQLite store %s", target)
    return SQLiteStore(target)
