"""Issue 21: the source registry.

- ``sources``: an outlet (name, country, kind, languages, active); ``source_domains``: the registered
  domains that tie articles to it; ``source_feeds``: its feeds, a stable row each (the feed watcher keeps
  its polling state in tables of its own, chained after this revision);
- ``articles.domain``: the registered domain of the article's URL (else of its outlet hint when that is a
  host name), filled here for the stored articles, so articles are tied to sources at read time (adding a
  source ties the articles already stored).

Revision ID: r0003
Revises: r0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from veille.sources.domains import article_domain

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

_T = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")  # byte order on both backends


def _fill_domains() -> None:
    """Set ``articles.domain`` on every stored article, as the store does when it writes one
    (``veille.sources.domains.article_domain``: the URL's registered domain, else the outlet hint's)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        raw = bind.connection.dbapi_connection
        raw.create_function("veille_domain", 2, article_domain)  # type: ignore[union-attr]
        bind.execute(sa.text("UPDATE articles SET domain = veille_domain(url, outlet)"))
        return
    pairs = bind.execute(sa.text("SELECT DISTINCT url, outlet FROM articles")).all()
    rows = [{"domain": d, "url": u, "outlet": o} for u, o in pairs if (d := article_domain(u, o)) is not None]
    if rows:
        bind.execute(
            sa.text(
                "UPDATE articles SET domain = :domain WHERE url IS NOT DISTINCT FROM :url"
                " AND outlet IS NOT DISTINCT FROM :outlet"
            ),
            rows,
        )


def upgrade() -> None:
    op.add_column("articles", sa.Column("domain", _T))
    op.create_index("articles_domain", "articles", ["domain"])
    _fill_domains()
    op.create_table(
        "sources",
        sa.Column("id", _T, primary_key=True),
        sa.Column("name", _T, nullable=False),
        sa.Column("name_fold", _T, nullable=False, unique=True),
        sa.Column("country", _T),
        sa.Column("kind", _T, nullable=False),
        sa.Column("languages", _T, nullable=False, server_default="[]"),
        sa.Column("active", sa.Integer, nullable=False, server_default="1"),
        sa.Column("added", _T, nullable=False),
        sa.Column("note", _T),
        sa.CheckConstraint(
            "kind IN ('public', 'private', 'international', 'agency', 'blog', 'other')", name="sources_kind"
        ),
    )
    op.create_table(
        "source_domains",
        sa.Column("domain", _T, primary_key=True),
        sa.Column("source_id", _T, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("source_domains_source", "source_domains", ["source_id"])
    op.create_table(
        "source_feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", _T, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", _T, nullable=False),
        sa.Column("kind", _T, nullable=False),
        sa.UniqueConstraint("source_id", "url", name="source_feeds_source_url"),
        sa.CheckConstraint("kind IN ('rss', 'atom', 'sitemap')", name="source_feeds_kind"),
    )
