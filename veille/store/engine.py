"""Connections to the two backends, one way to run a statement on either, one transaction discipline.

``connect(url)`` opens SQLite (a path, ``sqlite:///…`` or ``:memory:``) or PostgreSQL (``postgresql://…``,
through psycopg 3) with the driver in autocommit mode: ``Database.transaction()`` opens the transactions
itself (``BEGIN IMMEDIATE`` on SQLite, so a second writer waits its turn instead of failing later with
"database is locked"; ``BEGIN`` on PostgreSQL) and nested uses join the outer one. Statements are SQL
texts with ``?`` or ``:name`` placeholders, the same text on both backends (portable SQL); the few
places that differ by dialect ask ``Database.dialect``.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.sql.elements import TextClause

from veille.errors import StoreError

logger = logging.getLogger(__name__)

_VALUES = re.compile(r"VALUES\s*(\((?:\s*\?\s*,)*\s*\?\s*\))", re.IGNORECASE)  # one row of ? placeholders
_MAX_PARAMS = 30_000  # per multi-row statement, under PostgreSQL's 65,535
BUSY_TIMEOUT_MS = 600_000  # a second SQLite writer waits up to 10 minutes for its turn
Params = Sequence[Any] | Mapping[str, Any]


def is_postgres(url: str) -> bool:
    """True for a PostgreSQL address (``postgresql://``, ``postgres://``, ``postgresql+psycopg://``)."""
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def redact(url: str) -> str:
    """Return the address without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _sqlite_engine(path: str) -> Engine:
    memory = path in (":memory:", "")
    engine = create_engine(
        "sqlite://" if memory else f"sqlite:///{path}",
        poolclass=StaticPool if memory else NullPool,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        isolation_level="AUTOCOMMIT",
    )

    @event.listens_for(engine, "connect")
    def _setup(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.close()

    return engine


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _postgres_engine(url: str) -> Engine:
    """Return this process's engine for a PostgreSQL address (one per address, its connections pooled), so a
    store opened again (an API request, a benchmark's calls) skips the connection and the dialect's set-up."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            driver_url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
            # up to 32 connections: `veille serve` reads on 16 threads at most, writes open their own
            engine = create_engine(
                driver_url, pool_size=4, max_overflow=28, pool_pre_ping=True, isolation_level="AUTOCOMMIT"
            )
            _ENGINES[url] = engine
        return engine


@functools.lru_cache(maxsize=4096)
def _statement(sql: str) -> TextClause:
    """Return the SQL text as a statement, its ``?`` placeholders numbered ``:p0, :p1…`` in order."""
    if "?" not in sql:
        return text(sql)
    parts = sql.split("?")
    return text("".join(f"{part}:p{i}" for i, part in enumerate(parts[:-1])) + parts[-1])


def _bind(params: Params) -> dict[str, Any]:
    if isinstance(params, Mapping):
        return dict(params)
    return {f"p{i}": value for i, value in enumerate(params)}


class Database:
    """One connection to a store's database, shared by threads under a lock, with nested transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = redact(url)
        self.dialect = "postgresql" if is_postgres(url) else "sqlite"
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self.engine = (
                _postgres_engine(url) if self.dialect == "postgresql" else _sqlite_engine(_sqlite_path(url))
            )
            self.conn: Connection = self.engine.connect()
        except exc.SQLAlchemyError as error:
            raise StoreError(
                f"cannot open database {self.label}: {_reason(error)}; check the address and its permissions"
            ) from error

    # statements --------------------------------------------------------------------------------
    def rows(self, sql: str, params: Params = ()) -> list[RowMapping]:
        """Run a query and return its rows (mappings: ``row["column"]``); StoreError when it fails."""
        try:
            with self._lock:
                return list(self.conn.execute(_statement(sql), _bind(params)).mappings())
        except exc.SQLAlchemyError as error:
            self._recover()
            raise StoreError(f"{self.label}: query failed: {_reason(error)}") from error

    def one(self, sql: str, params: Params = ()) -> RowMapping | None:
        """Run a query and return its first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """Run a query and return the first column of its first row (None when no row)."""
        row = self.one(sql, params)
        return next(iter(row.values())) if row is not None else None

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement inside ``transaction()``; return the rows it changed."""
        return int(self.conn.execute(_statement(sql), _bind(params)).rowcount)

    def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each parameter set, inside ``transaction()``.

        On PostgreSQL an ``INSERT … VALUES (?, …)`` that updates nothing on conflict is sent as one statement
        of many rows per batch (one round trip instead of one per row; measured: the link step's writes 3×
        faster); SQLite, in process, runs it row by row.
        """
        if not rows:
            return
        found = _VALUES.search(sql) if self.dialect == "postgresql" and "DO UPDATE" not in sql else None
        if found is None or len(rows) == 1 or isinstance(rows[0], Mapping):
            self.conn.execute(_statement(sql), [_bind(r) for r in rows])
            return
        group = found.group(1)
        per = max(1, _MAX_PARAMS // group.count("?"))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            statement = sql[: found.start(1)] + ", ".join([group] * len(chunk)) + sql[found.end(1) :]
            # straight to the driver (psycopg's %s): SQLAlchemy would parse thousands of named parameters
            self.conn.exec_driver_sql(
                statement.replace("%", "%%").replace("?", "%s"), tuple(v for row in chunk for v in row)
            )

    def query(self, sql: str, params: Params = ()) -> list[RowMapping]:
        """Run a query inside ``transaction()`` (errors surface there); return its rows."""
        return list(self.conn.execute(_statement(sql), _bind(params)).mappings())

    # transactions ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the enclosed writes as one transaction (nested uses join the outer one); roll back on error."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            try:
                self.conn.exec_driver_sql("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            except exc.SQLAlchemyError as error:
                raise StoreError(f"cannot write to {self.label}: {_reason(error)}") from error
            self._depth = 1
            try:
                yield
            except exc.IntegrityError as error:
                self._rollback()
                raise StoreError(
                    f"{self.label}: write refused ({_reason(error)}); write the referenced item first"
                ) from error
            except exc.SQLAlchemyError as error:
                self._rollback()
                raise StoreError(f"{self.label}: write failed: {_reason(error)}") from error
            except BaseException as error:
                logger.debug("%s: transaction rolled back: %r", self.label, error)
                self._rollback()
                raise
            else:
                try:
                    self.conn.exec_driver_sql("COMMIT")
                except exc.SQLAlchemyError as error:
                    self._rollback()
                    raise StoreError(f"{self.label}: commit failed: {_reason(error)}") from error
            finally:
                self._depth = 0

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def _rollback(self) -> None:
        try:
            self.conn.exec_driver_sql("ROLLBACK")
        except exc.SQLAlchemyError:  # the connection is gone: nothing was committed
            logger.warning("%s: rollback failed; the connection is closed", self.label)
        if self.conn.invalidated:
            # the driver dropped the connection mid-transaction: clear it, so the next statement reconnects
            # (a failure recorded after this error must not fail in turn)
            try:
                self.conn.rollback()
            except exc.SQLAlchemyError:
                self.conn = self.engine.connect()

    def _recover(self) -> None:
        """After a failed read outside a transaction, leave the connection usable."""
        if not self._depth and self.conn.invalidated:
            self.conn = self.engine.connect()

    def close(self) -> None:
        """Release the connection (idempotent): back to the pool on PostgreSQL, closed on SQLite."""
        with self._lock:
            self.conn.close()
            if self.dialect == "sqlite":
                self.engine.dispose()


def _sqlite_path(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    if url in ("sqlite://", ":memory:"):
        return ":memory:"
    return url


def _reason(error: exc.SQLAlchemyError) -> str:
    """The driver's message without SQLAlchemy's statement dump."""
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).strip().splitlines()[0]
