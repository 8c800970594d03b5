"""The store's tables, declared once for every backend (SQLAlchemy Core): SQLite and PostgreSQL.

Dates and datetimes are ISO texts (``*_key`` columns hold UTC instants, so texts sort by instant), nested
model objects are canonical JSON texts (``veille.store.codec``). Columns ending in ``_cf`` hold
``str.casefold`` of their text and those ending in ``_fold`` hold ``veille.text.fold`` of it, computed in
Python when a row is written, so both backends compare names and search words the same way.

Full-text search is the one table that differs by dialect (``FTS_SQLITE`` / ``FTS_POSTGRESQL``): an FTS5
table with diacritics removed on SQLite; on PostgreSQL a table with a stored ``tsvector`` of the
``veille_fr`` configuration (French stemming after ``unaccent``) under a GIN index. Both take the same
``INSERT INTO articles_fts (article_id, title, text)`` and ``DELETE`` statements.

The migrations (``veille/store/alembic/versions``) build exactly these tables; ``tests/store`` checks that a
migrated database and these declarations agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy import Text as _Text

metadata = MetaData()

#: Text columns compare byte by byte on both backends (PostgreSQL: collation "C", whatever the database's
#: locale), so every ORDER BY gives SQLite's order and both backends list alike.
Text = _Text().with_variant(_Text(collation="C"), "postgresql")

_NO_ROWID: dict[str, Any] = {"sqlite_with_rowid": False}


def _article_fk() -> ForeignKey:
    return ForeignKey("articles.id", ondelete="CASCADE")


documents = Table(
    "documents",
    metadata,
    Column("id", Text, primary_key=True),
    Column("raw", LargeBinary, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("container", Text, nullable=False),
    Column("received", Text, nullable=False),
    Column("received_key", Text, nullable=False),  # received in UTC
    Column("record_id", Text),
    Column("url", Text),
    Column("hints", Text, nullable=False, server_default="{}"),
    Column("seq", BigInteger),  # arrival order among documents received at the same instant
    Index("documents_received", "received_key", "seq"),
    Index("documents_seq", "seq"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Text, primary_key=True),
    Column("content_id", Text, ForeignKey("documents.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("title_source", Text),
    Column("outlet", Text),
    Column("outlet_source", Text),
    Column("author", Text),
    Column("author_source", Text),
    Column("published", Text),
    Column("published_source", Text),
    Column("extractor", Text, nullable=False, server_default=""),
    Column("published_evidence", Text),
    Column("language", Text),
    Column("outlet_fold", Text),
    Column("domain", Text),  # the key to its source: veille.sources.domains.article_domain(url, outlet)
    Index("articles_content", "content_id"),
    Index("articles_domain", "domain"),
)

analyses = Table(
    "analyses",
    metadata,
    Column("article_id", Text, _article_fk(), primary_key=True),
    Column("language", Text),
    Column("analyzer", Text, nullable=False, server_default=""),
    Column("published", Text),  # the date given to put_analysis, used when the article has none
    Column("payload", Text, nullable=False),
    Column("linker", Text),  # the linker version that linked the article's names (NULL: not yet)
    Index("analyses_linker", "linker"),  # pending link: the few rows not at the current version
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("entity_id", Text, nullable=False),  # the analyser's id
    Column("name", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("text", Text),  # NULL for an entity recorded without any mention
    Column("start", Integer),
    Column("end", Integer),
    Column("eid", Text),  # the registry id: after automatic links, then hand edits
    Column("lid", Text),  # after automatic links
    Column("kind", Text, nullable=False, server_default="name"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("name_cf", Text),
    Column("text_cf", Text),
    Index("mentions_entity_article", "entity_id", "article_id"),
    Index("mentions_entity_lid", "entity_id", "lid"),
    Index("mentions_article", "article_id"),
    Index("mentions_eid", "eid"),
    Index("mentions_article_entity", "article_id", "entity_id"),
    Index("mentions_name_cf", "name_cf"),
    Index("mentions_text_cf", "text_cf"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("cue", Text),
    Column("speaker_name", Text),
    Column("speaker_entity_id", Text),
    Column("speaker_text", Text),
    Column("text_fold", Text),
    Column("speaker_name_fold", Text),
    Column("speaker_text_fold", Text),
    Index("quotes_article", "article_id"),
    Index("quotes_speaker", "speaker_entity_id"),
    Index("quotes_article_start", "article_id", "start"),
)

quote_keys = Table(
    "quote_keys",
    metadata,
    Column("key", BigInteger, nullable=False),
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("start", Integer, nullable=False),
    PrimaryKeyConstraint("key", "article_id", "start"),
    Index("quote_keys_quote", "article_id", "start"),
    **_NO_ROWID,
)

events = Table(
    "events",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("trigger", Text, nullable=False),
    Column("time", Text),
    Column("first_day", Text),
    Column("last_day", Text),
    Column("modality", Text, nullable=False),
    PrimaryKeyConstraint("article_id", "start"),
    Index("events_type", "type"),
    **_NO_ROWID,
)

event_arguments = Table(
    "event_arguments",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("event_start", Integer, nullable=False),
    Column("position", Integer, nullable=False),  # the argument's rank in Event.arguments
    Column("role", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("entity_id", Text),
    PrimaryKeyConstraint("article_id", "event_start", "position"),
    Index("event_arguments_entity", "entity_id"),
    **_NO_ROWID,
)

entity_links = Table(
    "entity_links",
    metadata,
    Column("article_id", Text, nullable=False),  # '' for a name linked in every article
    Column("entity_id", Text, nullable=False),
    Column("target_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created", Text, nullable=False),
    PrimaryKeyConstraint("article_id", "entity_id"),
    Index("entity_links_target", "target_id"),
    **_NO_ROWID,
)

entity_keys = Table(
    "entity_keys",
    metadata,
    Column("key", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("type", Text, nullable=False),
    PrimaryKeyConstraint("key", "entity_id", "article_id"),
    Index("entity_keys_article", "article_id"),
    Index("entity_keys_entity", "entity_id"),
    **_NO_ROWID,
)

entity_offices = Table(
    "entity_offices",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("function", Text, nullable=False),
    Column("country", Text),
    Column("org", Text),
    Column("text", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Index("entity_offices_entity", "entity_id"),
    Index("entity_offices_article", "article_id"),
)

entity_places = Table(
    "entity_places",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("country", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("source", Text, nullable=False, server_default=""),
    Index("entity_places_entity", "entity_id"),
    Index("entity_places_article", "article_id"),
)

# The keys that reach an article's names (written by the link step); when its analysis is replaced or dropped
# they move to link_queue, so the next link step decides again the names that were linked because of it.
link_seeds = Table(
    "link_seeds",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("key", Text, nullable=False),
    PrimaryKeyConstraint("article_id", "key"),
    **_NO_ROWID,
)

link_queue = Table("link_queue", metadata, Column("key", Text, primary_key=True), **_NO_ROWID)

# Counts per analyser entity id, kept up to date as analyses and keys are stored and dropped, so the link step
# reads an entity's facts in a few rows whatever the number of its mentions: kind 'article' (value ''): articles
# holding it; 'name' (value name, detail type): mention rows per name and type; 'alias' (value text): name
# mentions per text; 'office' (value function, detail country or ''); 'country' (value country): place rows
# per country; 'key' (value key, detail type): articles per index key; 'near' (value a full name's entity id):
# articles where a one-word name stands next to a full name holding its word.
entity_counts = Table(
    "entity_counts",
    metadata,
    Column("entity_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("entity_id", "kind", "value", "detail"),
    Index("entity_counts_value", "kind", "value"),
    **_NO_ROWID,
)

entity_edits = Table(
    "entity_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("target_id", Text, nullable=False),
    Column("alias", Text),
    Column("article_id", Text),
    Column("target_name", Text),
    Column("note", Text),
    Column("created", Text, nullable=False),
    CheckConstraint("kind IN ('merge', 'split')", name="entity_edits_kind"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("grouper", Text, nullable=False, server_default=""),
    Column("first_seen", Text),
    Column("last_seen", Text),
)

story_articles = Table(
    "story_articles",
    metadata,
    Column("story_id", Text, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", Text, _article_fk(), nullable=False, unique=True),
    Column("grouper", Text, nullable=False, server_default=""),
    Index("story_articles_story", "story_id"),
)

duplicates = Table(
    "duplicates",
    metadata,
    Column("article_id", Text, _article_fk(), nullable=False),
    Column("other_id", Text, _article_fk(), nullable=False),
    Column("kind", Text, nullable=False),
    Column("similarity", Float, nullable=False),
    PrimaryKeyConstraint("article_id", "other_id"),
    Index("duplicates_other", "other_id"),
)

comparisons = Table(
    "comparisons",
    metadata,
    Column("story_id", Text, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("comparer", Text, nullable=False, server_default=""),
    Column("payload", Text, nullable=False),
)

failures = Table(
    "failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("version", Text, nullable=False, server_default=""),
    Column("source", Text),
    Column("time", Text, nullable=False),
    Column("time_key", Text, nullable=False),  # time in UTC
    Index("failures_item", "stage", "item_id"),
)

outlet_lines = Table(
    "outlet_lines",
    metadata,
    Column("outlet", Text, nullable=False),
    Column("line_hash", Text, nullable=False),
    Column("content_id", Text, nullable=False),
    PrimaryKeyConstraint("outlet", "line_hash", "content_id"),
    **_NO_ROWID,
)

store_meta = Table(
    "store_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    **_NO_ROWID,
)

# A stage's saved state, opaque bytes (the story grouper's index: ``veille.group.state``); ``tag`` says what
# stored data it was made from, so the stage can tell whether it still holds.
states = Table(
    "states",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tag", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

# Work claimed by a process (``veille run`` with several workers on one database): a row per item being
# processed, with the lease's end; another process skips claimed items until the lease ends.
claims = Table(
    "claims",
    metadata,
    Column("stage", Text, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("worker", Text, nullable=False),
    Column("until_key", Text, nullable=False),  # the lease's end, UTC ISO text
    PrimaryKeyConstraint("stage", "item_id"),
    **_NO_ROWID,
)

# The source registry (issue 21): an outlet, the registered domains that tie articles to it (an article's
# ``domain`` column, joined at read time, so adding a source ties the articles already stored) and its feeds
# (a stable row per feed; the feed watcher keeps its polling state in tables of its own).
sources = Table(
    "sources",
    metadata,
    Column("id", Text, primary_key=True),  # a slug of the name, stable when the name is edited
    Column("name", Text, nullable=False),
    Column("name_fold", Text, nullable=False, unique=True),
    Column("country", Text),  # ISO 3166-1 alpha-2
    Column("kind", Text, nullable=False),
    Column("languages", Text, nullable=False, server_default="[]"),  # JSON list of ISO 639-1 codes
    Column("active", Integer, nullable=False, server_default="1"),
    Column("added", Text, nullable=False),
    Column("note", Text),
    CheckConstraint(
        "kind IN ('public', 'private', 'international', 'agency', 'blog', 'other')", name="sources_kind"
    ),
)

source_domains = Table(
    "source_domains",
    metadata,
    Column("domain", Text, primary_key=True),
    Column("source_id", Text, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Index("source_domains_source", "source_id"),
)

source_feeds = Table(
    "source_feeds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", Text, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("kind", Text, nullable=False),
    UniqueConstraint("source_id", "url", name="source_feeds_source_url"),
    CheckConstraint("kind IN ('rss', 'atom', 'sitemap')", name="source_feeds_kind"),
)

# The feed watcher (issue 21, ``veille watch``): per-feed polling state, the entries seen (entry → document, so
# a restart resumes and nothing is stored twice), and what users watch with the alerts it raised.
watch_feeds = Table(
    "watch_feeds",
    metadata,
    Column("feed_id", Integer, ForeignKey("source_feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch", Text),  # UTC ISO instants, like every *_key column
    Column("last_success", Text),
    Column("last_error", Text),
    Column("last_error_time", Text),
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row
    Column("next_due", Text),
    Column("paused", Integer, nullable=False, server_default="0"),
    Column("interval", Float),  # seconds; None: the watch_interval setting
)

watch_entries = Table(
    "watch_entries",
    metadata,
    Column("feed_id", Integer, ForeignKey("source_feeds.id", ondelete="CASCADE"), nullable=False),
    Column("entry", Text, nullable=False),  # the entry's id in its feed, else its URL
    Column("url", Text),
    Column("document_id", Text),  # None while its page could not be fetched
    Column("seen", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    PrimaryKeyConstraint("feed_id", "entry"),
    Index("watch_entries_url", "url"),
    Index("watch_entries_document", "document_id"),
)

watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", Text),
    Column("words", Text),
    Column("sources", Text, nullable=False, server_default="[]"),  # JSON list of source ids
    Column("created", Text, nullable=False),
    Column("last_look", Text),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("story_id", Text, nullable=False),
    Column("payload", Text, nullable=False),  # the alert as JSON, as printed and posted
    Column("created", Text, nullable=False),
    Column("delivered", Text),
    Column("delivery_error", Text),
    UniqueConstraint("watch_id", "kind", "key", name="alerts_watch_kind_key"),
    CheckConstraint("kind IN ('story', 'conflict')", name="alerts_kind"),
)

FTS_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5 ("
    ' article_id UNINDEXED, title, text, tokenize = "unicode61 remove_diacritics 2")'
)

FTS_POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'veille_fr') THEN"
    " CREATE TEXT SEARCH CONFIGURATION veille_fr (COPY = french);"
    " ALTER TEXT SEARCH CONFIGURATION veille_fr ALTER MAPPING FOR hword, hword_part, word"
    " WITH unaccent, french_stem; END IF; END $$",
    'CREATE TABLE IF NOT EXISTS articles_fts (article_id TEXT COLLATE "C" PRIMARY KEY, title TEXT NOT NULL,'
    " text TEXT NOT NULL, tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('veille_fr', title), 'A')"
    " || to_tsvector('veille_fr', text)) STORED)",
    "CREATE INDEX IF NOT EXISTS articles_fts_tsv ON articles_fts USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS articles_outlet_trgm ON articles USING gin (outlet_fold gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS quotes_text_trgm ON quotes USING gin (text_fold gin_trgm_ops)",
)
