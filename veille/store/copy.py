"""``veille copy SRC DST``: a whole store copied to another database (SQLite to PostgreSQL and back).

Every table of ``schema.metadata`` is read from the source in key order and written to the destination in
batches, parents before children, in one transaction on the destination; the full-text index is rebuilt
there from the articles, and PostgreSQL's id sequences are moved past the copied ids. After the copy each
table's row count and checksum (``table_checksums``: an order-free sum of one SHA-256 per row, over the
values as Python reads them) are compared on both sides; any difference raises StoreError and the copy
is rolled back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select

from veille.errors import StoreError
from veille.store.engine import Database
from veille.store.schema import claims, metadata

logger = logging.getLogger(__name__)

BATCH = 1000
_MOD = 1 << 256
_SKIPPED = {claims.name}  # leases of running processes: meaningless in another database


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table of a copy: rows read and written, and whether both sides' checksums agree."""

    table: str
    rows: int
    checksum: str
    is_equal: bool


def _tables() -> list[Table]:
    return [t for t in metadata.sorted_tables if t.name not in _SKIPPED]


def _row_digest(row: tuple[Any, ...]) -> int:
    parts = []
    for value in row:
        if isinstance(value, bytes | bytearray | memoryview):
            parts.append("b:" + bytes(value).hex())
        elif isinstance(value, float):
            parts.append("f:" + repr(value))
        else:
            parts.append(f"{type(value).__name__}:{value}")
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest(), "big")


def _batches(db: Database, table: Table, *, ordered: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """Yield the rows of ``table`` (values in column order) in batches, streamed from the server.

    PostgreSQL streams through a server-side cursor, which lives in a transaction: the store's own when one
    is open (so a copy reads what it has written), else a read-only one of its own.
    """
    query = select(table)
    if ordered:
        query = query.order_by(*(list(table.primary_key.columns) or list(table.columns)))
    if db.dialect != "postgresql":
        result = db.conn.execution_options(yield_per=BATCH).execute(query)
        for part in result.partitions():
            yield [tuple(row) for row in part]
        return
    raw: Any = db.conn.connection.driver_connection  # psycopg.Connection
    sql = str(query.compile(dialect=db.engine.dialect))
    own = nullcontext() if db.in_transaction else raw.transaction()
    with own, raw.cursor(name=f"veille_copy_{table.name}") as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            yield [tuple(row) for row in rows]


def table_checksums(db: Database) -> dict[str, tuple[int, str]]:
    """Return, per table, its row count and an order-free checksum of its rows (hex)."""
    sums: dict[str, tuple[int, str]] = {}
    for table in _tables():
        total, count = 0, 0
        for part in _batches(db, table):
            for row in part:
                total = (total + _row_digest(row)) % _MOD
                count += 1
        sums[table.name] = (count, f"{total:064x}")
    return sums


def copy_store(
    source: Database, target: Database, *, progress: Callable[[str, int], None] | None = None
) -> list[TableCopy]:
    """Copy every row of ``source`` into the empty store ``target`` (both migrated); return a line per table.

    StoreError when the target already holds documents, or when a table's count or checksum differs after
    the copy (the target is then left as it was).
    """
    if target.scalar("SELECT count(*) FROM documents"):
        raise StoreError(f"{target.label} already holds documents: copy into an empty database")
    with target.transaction():
        for table in _tables():
            if table.name == "store_meta":
                target.conn.execute(table.delete())
            columns = list(table.columns)
            names = [c.name for c in columns]
            written = 0
            for part in _batches(source, table, ordered=True):
                target.conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in part])
                written += len(part)
                if progress is not None:
                    progress(table.name, written)
            if target.dialect == "postgresql":
                for column in columns:
                    if column.autoincrement is True and column.primary_key:
                        top = target.conn.execute(select(func.max(column))).scalar()
                        if top is not None:
                            target.conn.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), {int(top)})"
                            )
        target.conn.exec_driver_sql("DELETE FROM articles_fts")
        target.conn.exec_driver_sql(
            "INSERT INTO articles_fts (article_id, title, text) SELECT id, coalesce(title, ''), text FROM articles"
        )
        before = table_checksums(source)
        after = table_checksums(target)
        report = [
            TableCopy(name, before[name][0], before[name][1], before[name] == after.get(name))
            for name in before
        ]
        differ = [r.table for r in report if not r.is_equal]
        if differ:
            raise StoreError(
                f"copy from {source.label} to {target.label} differs in {', '.join(differ)}; nothing was written"
            )
    logger.info("copied %d tables from %s to %s", len(report), source.label, target.label)
    return report


def copy_database(
    source: str, target: str, *, progress: Callable[[str, int], None] | None = None
) -> list[TableCopy]:
    """Open the stores at ``source`` and ``target`` (SQLite paths or PostgreSQL URLs; both migrated to this
    veille's schema first) and copy the first into the second (``copy_store``)."""
    from veille.store.sql import SQLStore

    if source == target:
        raise StoreError("source and target are the same database")
    src = SQLStore(source)
    try:
        dst = SQLStore(target)
        try:
            return copy_store(src._db, dst._db, progress=progress)
        finally:
            dst.close()
    finally:
        src.close()
