"""Storage: ``open_store`` returns the store (``sql.SQLStore``, implementing ``base.Store``) at an address.

An address is an SQLite path (the default ``./veille.db``; ``:memory:`` for a throwaway store) or a
PostgreSQL URL (``postgresql://USER@HOST:PORT/DBNAME``). Both backends share one schema (``schema.py``), one
chain of migrations (``migrate.py``) and one implementation.
"""

from __future__ import annotations

import logging
from pathlib import Path

from veille.errors import StoreError
from veille.settings import Settings
from veille.store.base import Store
from veille.store.engine import is_postgres, redact
from veille.store.sql import SQLStore

logger = logging.getLogger(__name__)

__all__ = ["SQLStore", "Store", "open_store"]

DEFAULT_DB = "veille.db"


def open_store(path: str | None = None, *, settings: Settings | None = None) -> Store:
    """Open (creating and migrating if needed) the store at ``path``, else ``settings.db``, else ./veille.db.

    Raises StoreError for a missing folder, an unreadable file, a server that does not answer or a schema
    newer than this code.
    """
    target = path or (settings.db if settings is not None else None) or DEFAULT_DB
    if is_postgres(target):
        logger.debug("opening PostgreSQL store %s", redact(target))
        return SQLStore(target)
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///") :]
    if target != ":memory:":
        folder = Path(target).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(
                f"cannot create database {target}: folder {folder} does not exist; create it first"
            )
        target = str(Path(target).expanduser())
    logger.debug("opening SQLite store %s", target)
    return SQLStore(target)
