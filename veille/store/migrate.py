"""Bring a database to the schema this code declares (``schema.py``), with Alembic, on SQLite and PostgreSQL.

One chain of revisions (``veille/store/alembic/versions``) serves both backends. Opening a store reads the
recorded revision first (one query) and runs Alembic only when it is behind. The whole upgrade runs in one
transaction, under ``BEGIN IMMEDIATE`` on SQLite and an advisory lock on PostgreSQL, so two processes that
open a new database at once migrate it once, and a killed upgrade leaves the database as it was.

A database made by veille 0.1 (the SQLite store of numbered migrations ``0001``-``0007`` recorded in a
``migrations`` table) is stamped at revision ``r0001``, which is that schema, then upgraded in place.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, inspect, text

from veille.errors import StoreError

logger = logging.getLogger(__name__)

HEAD = "r0004"  # the newest revision; tests check it is the script directory's head
LEGACY_MIGRATIONS = (
    "0001_initial",
    "0002_outlet_lines",
    "0003_entity_edits",
    "0004_entity_links",
    "0005_quote_keys",
    "0006_events",
    "0007_store_meta",
)
_LOCK_KEY = 7_317_270_017  # PostgreSQL advisory lock held while a database is migrated


def current_revision(conn: Connection) -> str | None:
    """Return the Alembic revision the database records, "legacy" for a veille 0.1 database, None when empty."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return str(row[0]) if row is not None else None
    if "migrations" in tables:
        return "legacy"
    if "documents" in tables:
        raise StoreError("the database holds tables veille did not make; use another --db")
    return None


def _alembic_config(conn: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "veille.store:alembic")
    config.attributes["connection"] = conn
    return config


def known_revisions(conn: Connection) -> set[str]:
    """Return every revision id of the script directory."""
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_alembic_config(conn)).walk_revisions()}


def upgrade(conn: Connection, label: str) -> list[str]:
    """Migrate the database behind ``conn`` (autocommit mode) to ``HEAD``; return the revisions applied.

    StoreError when the database was made by a newer veille, by a veille 0.1 older than migration 0007,
    or when a revision fails (nothing is changed then).
    """
    if _is_current(conn):
        return []
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    sqlite = conn.dialect.name == "sqlite"
    conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
    try:
        if not sqlite:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        before = current_revision(conn)
        if before == "legacy":
            done = [r[0] for r in conn.exec_driver_sql("SELECT name FROM migrations ORDER BY rowid")]
            if tuple(done) != LEGACY_MIGRATIONS:
                raise StoreError(
                    f"database {label} was made by an early veille (migrations {', '.join(done) or 'none'});"
                    " make it again: veille ingest … then veille run"
                )
            command.stamp(_alembic_config(conn), "r0001")
            before = "r0001"
        if before is not None and before not in known_revisions(conn):
            raise StoreError(
                f"database {label} has a schema newer than this veille (revision {before});"
                " upgrade veille or use another --db"
            )
        command.upgrade(_alembic_config(conn), "head")
        after = MigrationContext.configure(conn).get_current_revision()
    except StoreError:
        conn.exec_driver_sql("ROLLBACK")
        raise
    except Exception as exc:
        conn.exec_driver_sql("ROLLBACK")
        raise StoreError(f"database {label}: migration failed: {exc}") from exc
    conn.exec_driver_sql("COMMIT")
    applied = [] if before == after else [f"{before or 'empty'} -> {after}"]
    if applied:
        logger.info("migrated %s: %s", label, applied[0])
    return applied


def _is_current(conn: Connection) -> bool:
    try:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except Exception:  # no version table yet (autocommit: a failed statement leaves nothing open)
        return False
    return row is not None and row[0] == HEAD
