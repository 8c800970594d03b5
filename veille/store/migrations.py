"""Numbered schema migrations for the SQLite store, recorded in a ``migrations`` table (name, applied_at).

Each migration runs once, in order, inside its own transaction. A database that records a migration
this code does not know was written by a newer veille: opening it raises StoreError.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from veille.errors import StoreError

logger = logging.getLogger(__name__)

_INITIAL = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    raw BLOB NOT NULL,
    media_type TEXT NOT NULL,
    source TEXT NOT NULL,
    container TEXT NOT NULL,
    received TEXT NOT NULL,
    received_key TEXT NOT NULL,          -- received in UTC, so ISO texts sort by instant
    record_id TEXT,
    url TEXT,
    hints TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX documents_received ON documents (received_key);

CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    content_id TEXT NOT NULL REFERENCES documents (id),
    text TEXT NOT NULL,
    url TEXT,
    title TEXT,
    title_source TEXT,
    outlet TEXT,
    outlet_source TEXT,
    author TEXT,
    author_source TEXT,
    published TEXT,
    published_source TEXT,
    extractor TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_content ON articles (content_id);

CREATE VIRTUAL TABLE articles_fts USING fts5 (
    article_id UNINDEXED, title, text, tokenize = "unicode61 remove_diacritics 2"
);

CREATE TABLE analyses (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    language TEXT,
    analyzer TEXT NOT NULL DEFAULT '',
    published TEXT,                      -- the date given to put_analysis, used when the article has none
    payload TEXT NOT NULL
);

CREATE TABLE mentions (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    text TEXT,                           -- NULL for an entity recorded without any mention
    start INTEGER,
    "end" INTEGER
);
CREATE INDEX mentions_entity ON mentions (entity_id);
CREATE INDEX mentions_article ON mentions (article_id);

CREATE TABLE quotes (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    kind TEXT NOT NULL,
    cue TEXT,
    speaker_name TEXT,
    speaker_entity_id TEXT,
    speaker_text TEXT
);
CREATE INDEX quotes_article ON quotes (article_id);
CREATE INDEX quotes_speaker ON quotes (speaker_entity_id);

CREATE TABLE stories (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    grouper TEXT NOT NULL DEFAULT '',
    first_seen TEXT,
    last_seen TEXT
);

CREATE TABLE story_articles (
    story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    grouper TEXT NOT NULL DEFAULT ''
);
CREATE INDEX story_articles_story ON story_articles (story_id);

CREATE TABLE duplicates (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    other_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (article_id, other_id)
);
CREATE INDEX duplicates_other ON duplicates (other_id);

CREATE TABLE comparisons (
    story_id TEXT PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    comparer TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL
);

CREATE TABLE failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    source TEXT,
    time TEXT NOT NULL,
    time_key TEXT NOT NULL               -- time in UTC, so ISO texts sort by instant
);
CREATE INDEX failures_item ON failures (stage, item_id);
"""

_OUTLET_LINES = """
ALTER TABLE articles ADD COLUMN published_evidence TEXT;
ALTER TABLE articles ADD COLUMN language TEXT;

-- Which page of an outlet shows which line (by hash): a line on many pages of one outlet is boilerplate.
CREATE TABLE outlet_lines (
    outlet TEXT NOT NULL,
    line_hash TEXT NOT NULL,
    content_id TEXT NOT NULL,
    PRIMARY KEY (outlet, line_hash, content_id)
) WITHOUT ROWID;
"""

_ENTITY_EDITS = """
-- The entity a mention belongs to once the user's edits are replayed (entity_id is the analyser's id).
ALTER TABLE mentions ADD COLUMN eid TEXT;
UPDATE mentions SET eid = entity_id;
CREATE INDEX mentions_eid ON mentions (eid);

-- Hand merges and splits of the registry, replayed in id order; they outlive re-analysis.
CREATE TABLE entity_edits (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
    entity_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    alias TEXT,
    article_id TEXT,
    target_name TEXT,
    note TEXT,
    created TEXT NOT NULL
);
"""

_ENTITY_LINKS = """
-- Automatic cross-article links sit between the analyser's id and the hand edits:
-- mentions.entity_id (analyser) → mentions.lid (after links) → mentions.eid (after edits, the registry id).
ALTER TABLE mentions ADD COLUMN lid TEXT;
ALTER TABLE mentions ADD COLUMN kind TEXT NOT NULL DEFAULT 'name';
ALTER TABLE mentions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
UPDATE mentions SET lid = entity_id;
CREATE INDEX mentions_article_entity ON mentions (article_id, entity_id);
CREATE INDEX mentions_analyser ON mentions (entity_id);

-- One row per linked name: article_id '' for a name linked in every article (a spelling variant),
-- an article id for a one-word person name linked in that article only.
CREATE TABLE entity_links (
    article_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (article_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX entity_links_target ON entity_links (target_id);

-- Candidate retrieval: index key of a name (a word, a consonant skeleton) → the articles' entities.
CREATE TABLE entity_keys (
    key TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    PRIMARY KEY (key, entity_id, article_id)
) WITHOUT ROWID;
CREATE INDEX entity_keys_article ON entity_keys (article_id);
CREATE INDEX entity_keys_entity ON entity_keys (entity_id);

-- Offices and places the analyses attest, so the registry dates and locates its entities.
CREATE TABLE entity_offices (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    function TEXT NOT NULL,
    country TEXT,
    org TEXT,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE INDEX entity_offices_entity ON entity_offices (entity_id);
CREATE INDEX entity_offices_article ON entity_offices (article_id);

CREATE TABLE entity_places (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT,
    latitude REAL,
    longitude REAL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entity_places_entity ON entity_places (entity_id);
CREATE INDEX entity_places_article ON entity_places (article_id);
"""

_QUOTE_KEYS = """
-- Candidate retrieval for one quote across outlets: the fingerprints of each quote's normalised text
-- (veille.understand.quote_groups.quote_fingerprints); a quote is (article_id, start).
CREATE TABLE quote_keys (
    key INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    PRIMARY KEY (key, article_id, start)
) WITHOUT ROWID;
CREATE INDEX quote_keys_quote ON quote_keys (article_id, start);
CREATE INDEX quotes_article_start ON quotes (article_id, start);
"""

_EVENTS = """
-- Events read by the understand stage, one row per trigger (an event is (article_id, start)); entity_id is the
-- analyser's id, read through mentions (lid, then hand edits) to the registry id. first_day/last_day are the
-- days the TIMEX3 value covers (veille.understand.event_groups.time_interval), NULL when it is not a date.
CREATE TABLE events (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    type TEXT NOT NULL,
    trigger TEXT NOT NULL,
    time TEXT,
    first_day TEXT,
    last_day TEXT,
    modality TEXT NOT NULL,
    PRIMARY KEY (article_id, start)
) WITHOUT ROWID;
CREATE INDEX events_type ON events (type);

CREATE TABLE event_arguments (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    event_start INTEGER NOT NULL,
    position INTEGER NOT NULL,           -- the argument's rank in Event.arguments
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    entity_id TEXT,
    PRIMARY KEY (article_id, event_start, position)
) WITHOUT ROWID;
CREATE INDEX event_arguments_entity ON event_arguments (entity_id);
"""

#: (name, SQL) in the order they apply; never edit a released migration, add a new one.
_STORE_META = """
-- One-off facts about the database, such as "events_backfilled": a backfill records its key in the same
-- transaction as its rows, so opening the store checks one row instead of scanning the analyses.
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_initial", _INITIAL),
    ("0002_outlet_lines", _OUTLET_LINES),
    ("0003_entity_edits", _ENTITY_EDITS),
    ("0004_entity_links", _ENTITY_LINKS),
    ("0005_quote_keys", _QUOTE_KEYS),
    ("0006_events", _EVENTS),
    ("0007_store_meta", _STORE_META),
)


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Return the names of the migrations recorded in the database, in the order applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [row[0] for row in conn.execute("SELECT name FROM migrations ORDER BY rowid")]


def apply_migrations(conn: sqlite3.Connection, path: str = "") -> list[str]:
    """Apply the migrations not yet recorded; return their names.

    Raises StoreError when the database records a migration this code does not know (newer schema)
    or when a migration fails (it is rolled back).
    """
    done = applied_migrations(conn)
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown:
        raise StoreError(
            f"database {path or '(memory)'} has a schema newer than this veille "
            f"(unknown migration(s): {', '.join(unknown)}); upgrade veille or use another --db"
        )
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        try:
            # executescript commits any open transaction first; BEGIN/COMMIT make the step and its
            # record atomic (name and time are ours, never user input, so inlining them is safe)
            record = f"INSERT INTO migrations (name, applied_at) VALUES ('{name}', '{datetime.now(UTC).isoformat()}');"
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            raise StoreError(f"database {path or '(memory)'}: migration {name} failed: {exc}") from exc
        logger.info("applied migration %s to %s", name, path or "(memory)")
        applied.append(name)
    return applied
