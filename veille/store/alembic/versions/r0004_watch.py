"""Issue 21: the feed watcher's state, watches and alerts.

- ``watch_feeds``: one row per polled feed of ``source_feeds``: validators of the last answer (ETag,
  Last-Modified), when it was fetched / last succeeded / last failed and why, failures in a row, when it is due
  again, paused, its own interval (None: the ``watch_interval`` setting);
- ``watch_entries``: the entries seen in a feed (its id, or its URL) and the document their page became, so a
  restart resumes and nothing is fetched or stored twice (the document and the entry are written in one
  transaction);
- ``watches``: what a user follows (an entity, words, a set of sources) and the mark of their last look;
- ``alerts``: a new matching story or a new conflict in a watched story, once per watch, with its delivery
  state (``--post``: an alert not delivered stays pending).

Revision ID: r0004
Revises: r0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None

_T = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")  # byte order on both backends


def upgrade() -> None:
    op.create_table(
        "watch_feeds",
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("source_feeds.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("etag", _T),
        sa.Column("last_modified", _T),
        sa.Column("last_fetch", _T),
        sa.Column("last_success", _T),
        sa.Column("last_error", _T),
        sa.Column("last_error_time", _T),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_due", _T),
        sa.Column("paused", sa.Integer, nullable=False, server_default="0"),
        sa.Column("interval", sa.Float),
    )
    op.create_table(
        "watch_entries",
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("source_feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("entry", _T, nullable=False),
        sa.Column("url", _T),
        sa.Column("document_id", _T),
        sa.Column("seen", _T, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", _T),
        sa.PrimaryKeyConstraint("feed_id", "entry"),
    )
    op.create_index("watch_entries_url", "watch_entries", ["url"])
    op.create_index("watch_entries_document", "watch_entries", ["document_id"])
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", _T),
        sa.Column("words", _T),
        sa.Column("sources", _T, nullable=False, server_default="[]"),
        sa.Column("created", _T, nullable=False),
        sa.Column("last_look", _T),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.Column("key", _T, nullable=False),
        sa.Column("story_id", _T, nullable=False),
        sa.Column("payload", _T, nullable=False),
        sa.Column("created", _T, nullable=False),
        sa.Column("delivered", _T),
        sa.Column("delivery_error", _T),
        sa.UniqueConstraint("watch_id", "kind", "key", name="alerts_watch_kind_key"),
        sa.CheckConstraint("kind IN ('story', 'conflict')", name="alerts_kind"),
    )
