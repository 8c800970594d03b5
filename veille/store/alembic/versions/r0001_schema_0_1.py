"""The schema of veille 0.1 (the SQLite store's migrations 0001-0007), for every backend.

A database made by veille 0.1 records those seven migrations in its ``migrations`` table: it is stamped at
this revision instead of running it (``veille.store.migrate``), then upgraded like any other.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

_T = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")  # byte order on both backends


def _article_fk() -> sa.ForeignKey:
    return sa.ForeignKey("articles.id", ondelete="CASCADE")


def upgrade() -> None:
    no_rowid = {"sqlite_with_rowid": False}
    op.create_table(
        "documents",
        sa.Column("id", _T, primary_key=True),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("media_type", _T, nullable=False),
        sa.Column("source", _T, nullable=False),
        sa.Column("container", _T, nullable=False),
        sa.Column("received", _T, nullable=False),
        sa.Column("received_key", _T, nullable=False),
        sa.Column("record_id", _T),
        sa.Column("url", _T),
        sa.Column("hints", _T, nullable=False, server_default="{}"),
    )
    op.create_index("documents_received", "documents", ["received_key"])
    op.create_table(
        "articles",
        sa.Column("id", _T, primary_key=True),
        sa.Column("content_id", _T, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("text", _T, nullable=False),
        sa.Column("url", _T),
        sa.Column("title", _T),
        sa.Column("title_source", _T),
        sa.Column("outlet", _T),
        sa.Column("outlet_source", _T),
        sa.Column("author", _T),
        sa.Column("author_source", _T),
        sa.Column("published", _T),
        sa.Column("published_source", _T),
        sa.Column("extractor", _T, nullable=False, server_default=""),
        sa.Column("published_evidence", _T),
        sa.Column("language", _T),
    )
    op.create_index("articles_content", "articles", ["content_id"])
    op.create_table(
        "analyses",
        sa.Column("article_id", _T, _article_fk(), primary_key=True),
        sa.Column("language", _T),
        sa.Column("analyzer", _T, nullable=False, server_default=""),
        sa.Column("published", _T),
        sa.Column("payload", _T, nullable=False),
    )
    op.create_table(
        "mentions",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
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
    )
    op.create_index("mentions_entity", "mentions", ["entity_id"])
    op.create_index("mentions_article", "mentions", ["article_id"])
    op.create_index("mentions_eid", "mentions", ["eid"])
    op.create_index("mentions_article_entity", "mentions", ["article_id", "entity_id"])
    op.create_table(
        "quotes",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("text", _T, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.Column("cue", _T),
        sa.Column("speaker_name", _T),
        sa.Column("speaker_entity_id", _T),
        sa.Column("speaker_text", _T),
    )
    op.create_index("quotes_article", "quotes", ["article_id"])
    op.create_index("quotes_speaker", "quotes", ["speaker_entity_id"])
    op.create_index("quotes_article_start", "quotes", ["article_id", "start"])
    op.create_table(
        "quote_keys",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "article_id", "start"),
        **no_rowid,
    )
    op.create_index("quote_keys_quote", "quote_keys", ["article_id", "start"])
    op.create_table(
        "events",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("type", _T, nullable=False),
        sa.Column("trigger", _T, nullable=False),
        sa.Column("time", _T),
        sa.Column("first_day", _T),
        sa.Column("last_day", _T),
        sa.Column("modality", _T, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "start"),
        **no_rowid,
    )
    op.create_index("events_type", "events", ["type"])
    op.create_table(
        "event_arguments",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("event_start", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("role", _T, nullable=False),
        sa.Column("text", _T, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("entity_id", _T),
        sa.PrimaryKeyConstraint("article_id", "event_start", "position"),
        **no_rowid,
    )
    op.create_index("event_arguments_entity", "event_arguments", ["entity_id"])
    op.create_table(
        "entity_links",
        sa.Column("article_id", _T, nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("target_id", _T, nullable=False),
        sa.Column("reason", _T, nullable=False),
        sa.Column("created", _T, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "entity_id"),
        **no_rowid,
    )
    op.create_index("entity_links_target", "entity_links", ["target_id"])
    op.create_table(
        "entity_keys",
        sa.Column("key", _T, nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("type", _T, nullable=False),
        sa.PrimaryKeyConstraint("key", "entity_id", "article_id"),
        **no_rowid,
    )
    op.create_index("entity_keys_article", "entity_keys", ["article_id"])
    op.create_index("entity_keys_entity", "entity_keys", ["entity_id"])
    op.create_table(
        "entity_offices",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("function", _T, nullable=False),
        sa.Column("country", _T),
        sa.Column("org", _T),
        sa.Column("text", _T, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
    )
    op.create_index("entity_offices_entity", "entity_offices", ["entity_id"])
    op.create_index("entity_offices_article", "entity_offices", ["article_id"])
    op.create_table(
        "entity_places",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.Column("country", _T),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("source", _T, nullable=False, server_default=""),
    )
    op.create_index("entity_places_entity", "entity_places", ["entity_id"])
    op.create_index("entity_places_article", "entity_places", ["article_id"])
    op.create_table(
        "entity_edits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", _T, nullable=False),
        sa.Column("entity_id", _T, nullable=False),
        sa.Column("target_id", _T, nullable=False),
        sa.Column("alias", _T),
        sa.Column("article_id", _T),
        sa.Column("target_name", _T),
        sa.Column("note", _T),
        sa.Column("created", _T, nullable=False),
        sa.CheckConstraint("kind IN ('merge', 'split')", name="entity_edits_kind"),
    )
    op.create_table(
        "stories",
        sa.Column("id", _T, primary_key=True),
        sa.Column("label", _T, nullable=False),
        sa.Column("grouper", _T, nullable=False, server_default=""),
        sa.Column("first_seen", _T),
        sa.Column("last_seen", _T),
    )
    op.create_table(
        "story_articles",
        sa.Column("story_id", _T, sa.ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("article_id", _T, _article_fk(), nullable=False, unique=True),
        sa.Column("grouper", _T, nullable=False, server_default=""),
    )
    op.create_index("story_articles_story", "story_articles", ["story_id"])
    op.create_table(
        "duplicates",
        sa.Column("article_id", _T, _article_fk(), nullable=False),
        sa.Column("other_id", _T, _article_fk(), nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "other_id"),
    )
    op.create_index("duplicates_other", "duplicates", ["other_id"])
    op.create_table(
        "comparisons",
        sa.Column("story_id", _T, sa.ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("comparer", _T, nullable=False, server_default=""),
        sa.Column("payload", _T, nullable=False),
    )
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", _T, nullable=False),
        sa.Column("stage", _T, nullable=False),
        sa.Column("code", _T, nullable=False),
        sa.Column("message", _T, nullable=False),
        sa.Column("version", _T, nullable=False, server_default=""),
        sa.Column("source", _T),
        sa.Column("time", _T, nullable=False),
        sa.Column("time_key", _T, nullable=False),
    )
    op.create_index("failures_item", "failures", ["stage", "item_id"])
    op.create_table(
        "outlet_lines",
        sa.Column("outlet", _T, nullable=False),
        sa.Column("line_hash", _T, nullable=False),
        sa.Column("content_id", _T, nullable=False),
        sa.PrimaryKeyConstraint("outlet", "line_hash", "content_id"),
        **no_rowid,
    )
    op.create_table(
        "store_meta",
        sa.Column("key", _T, primary_key=True),
        sa.Column("value", _T, nullable=False),
        **no_rowid,
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE articles_fts USING fts5 ("
            ' article_id UNINDEXED, title, text, tokenize = "unicode61 remove_diacritics 2")'
        )
