"""Issue 17: one schema for SQLite and PostgreSQL, the store beside the stages.

- ``documents.seq``: arrival order (SQLite's rowid before), so both backends process documents in one order;
- ``mentions.id``: a key of its own (the rowid before), ``name_cf``/``text_cf``: casefolded name and text;
- ``quotes.*_fold`` and ``articles.outlet_fold``: folded texts (``veille.text.fold``) for the filters;
- ``claims``: work a process holds, so several ``veille run`` share one database;
- ``states``: a stage's saved state (the story grouper's index), so a run does not rebuild it;
- full-text search on PostgreSQL (``schema.FTS_POSTGRESQL``); SQLite keeps its FTS5 table.

Folded columns are filled in Python (``str.casefold``, ``veille.text.fold``), the values the store writes.

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from veille.store.schema import FTS_POSTGRESQL
from veille.text import fold

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

_T = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")  # byte order on both backends
_OLD_MENTION_INDEXES = ("mentions_entity", "mentions_article", "mentions_eid", "mentions_article_entity")
_MENTION_INDEXES = {
    "mentions_entity_article": ["entity_id", "article_id"],
    "mentions_entity_lid": ["entity_id", "lid"],
    "mentions_article": ["article_id"],
    "mentions_eid": ["eid"],
    "mentions_article_entity": ["article_id", "entity_id"],
}
_MENTION_COLUMNS = 'article_id, entity_id, name, type, text, start, "end", eid, lid, kind, reason'


_REBUILD_ENTITY_COUNTS = """
INSERT INTO entity_counts (entity_id, kind, value, detail, n)
SELECT entity_id, 'article', '', '', count(DISTINCT article_id) FROM mentions GROUP BY entity_id
UNION ALL SELECT entity_id, 'name', name, type, count(*) FROM mentions GROUP BY entity_id, name, type
UNION ALL SELECT entity_id, 'alias', text, '', count(*) FROM mentions WHERE kind = 'name' AND text IS NOT NULL
    GROUP BY entity_id, text
UNION ALL SELECT entity_id, 'office', function, coalesce(country, ''), count(*) FROM entity_offices
    GROUP BY entity_id, function, coalesce(country, '')
UNION ALL SELECT entity_id, 'country', country, '', count(*) FROM entity_places WHERE country IS NOT NULL
    GROUP BY entity_id, country
UNION ALL SELECT entity_id, 'key', key, type, count(*) FROM entity_keys GROUP BY entity_id, key, type
UNION ALL SELECT s.entity_id, 'near', f.entity_id, '', count(*) FROM entity_keys s
    JOIN entity_keys f ON f.article_id = s.article_id AND f.key = 'p:' || substr(s.key, 4)
    WHERE substr(s.key, 1, 3) = 'p1:' GROUP BY s.entity_id, f.entity_id
"""


def _fill(table: str, column: str, source: str, fn: Callable[[str], str]) -> None:
    """Set ``column`` to ``fn(source)`` on every row: one UPDATE over a Python function on SQLite (linear in
    the rows), one UPDATE per distinct value elsewhere (PostgreSQL databases start empty at this revision)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        raw = bind.connection.dbapi_connection
        raw.create_function("veille_fill", 1, lambda v: fn(v) if isinstance(v, str) else None)  # type: ignore[union-attr]
        bind.execute(sa.text(f"UPDATE {table} SET {column} = veille_fill({source})"))
        return
    values = [
        r[0]
        for r in bind.execute(sa.text(f"SELECT DISTINCT {source} FROM {table} WHERE {source} IS NOT NULL"))
    ]
    if values:
        bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :folded WHERE {source} = :value"),
            [{"folded": fn(v), "value": v} for v in values],
        )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # the numbered migrations of veille 0.1: alembic_version records the schema from now on
    op.execute("DROP TABLE IF EXISTS migrations")
    # documents: arrival order
    op.add_column("documents", sa.Column("seq", sa.BigInteger))
    if sqlite:
        op.execute("UPDATE documents SET seq = rowid")
    op.drop_index("documents_received", table_name="documents")
    op.create_index("documents_received", "documents", ["received_key", "seq"])
    op.create_index("documents_seq", "documents", ["seq"])

    # mentions: rebuilt with a key of their own and casefolded names
    for name in _OLD_MENTION_INDEXES:
        op.drop_index(name, table_name="mentions")
    op.rename_table("mentions", "mentions_v1")
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("article_id", _T, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("name", _T, nullable=False),
        sa.Column("type", _T, nullable=False),
        sa.Column("text", _T),
        sa.Column("start", sa.Integer),
        sa.Column("end", sa.Integer),
        sa.Column("eid", _T),
        sa.Column("lid", _T),
        sa.Column("kind", _T, nullable=False, server_default="name"),
        sa.Column("reason", _T, nullable=False, server_default=""),
        sa.Column("name_cf", _T),
        sa.Column("text_cf", _T),
    )
    order = " ORDER BY rowid" if sqlite else ""
    op.execute(f"INSERT INTO mentions ({_MENTION_COLUMNS}) SELECT {_MENTION_COLUMNS} FROM mentions_v1{order}")
    op.drop_table("mentions_v1")
    for name, columns in _MENTION_INDEXES.items():
        op.create_index(name, "mentions", columns)
    op.create_index("mentions_name_cf", "mentions", ["name_cf"])
    op.create_index("mentions_text_cf", "mentions", ["text_cf"])
    _fill("mentions", "name_cf", "name", str.casefold)
    _fill("mentions", "text_cf", "text", str.casefold)

    # folded texts for the quote and story filters
    op.add_column("quotes", sa.Column("text_fold", _T))
    op.add_column("quotes", sa.Column("speaker_name_fold", _T))
    op.add_column("quotes", sa.Column("speaker_text_fold", _T))
    op.add_column("articles", sa.Column("outlet_fold", _T))
    _fill("quotes", "text_fold", "text", fold)
    _fill("quotes", "speaker_name_fold", "speaker_name", fold)
    _fill("quotes", "speaker_text_fold", "speaker_text", fold)
    _fill("articles", "outlet_fold", "outlet", fold)

    # the link step: a versioned step of its own (NULL: every stored article is linked again once)
    op.add_column("analyses", sa.Column("linker", _T))
    op.create_table(
        "link_seeds",
        sa.Column("article_id", _T, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", _T, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "key"),
        sqlite_with_rowid=False,
    )
    op.create_table("link_queue", sa.Column("key", _T, primary_key=True), sqlite_with_rowid=False)
    op.create_table(
        "entity_counts",
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.Column("value", _T, nullable=False),
        sa.Column("detail", _T, nullable=False, server_default=""),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("entity_id", "kind", "value", "detail"),
        sqlite_with_rowid=False,
    )
    op.create_index("entity_counts_value", "entity_counts", ["kind", "value"])
    op.create_index("analyses_linker", "analyses", ["linker"])
    op.execute(_REBUILD_ENTITY_COUNTS)

    op.create_table(
        "claims",
        sa.Column("stage", _T, nullable=False),
        sa.Column("item_id", _T, nullable=False),
        sa.Column("worker", _T, nullable=False),
        sa.Column("until_key", _T, nullable=False),
        sa.PrimaryKeyConstraint("stage", "item_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "states",
        sa.Column("key", _T, primary_key=True),
        sa.Column("tag", _T, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    if not sqlite:
        for statement in FTS_POSTGRESQL:
            op.execute(statement)
