"""The default Store backend: one SQLite file (stdlib sqlite3, WAL mode, foreign keys on).

One connection per store object, opened with ``check_same_thread=False``; every write goes through
that one connection under a lock, inside a transaction (``with store.transaction():`` batches many
writes into one). The entity registry and story outlets/dates are derived by queries, never counted
incrementally, so replacing an analysis or moving an article never leaves stale figures.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from veille.errors import StoreError, UsageError
from veille.group.copies import copy_groups
from veille.model import (
    Analysis,
    Article,
    Comparison,
    Document,
    DuplicateLink,
    EntityEdit,
    Event,
    Failure,
    Office,
    Place,
    RegistryEntity,
    Story,
    apply_entity_edits,
    resolve_entity_id,
)
from veille.store import codec
from veille.store.base import (
    DuplicateRecord,
    EventArgumentRecord,
    EventRecord,
    EventSlot,
    EventSource,
    QuoteRecord,
    QuoteSource,
    SearchHit,
    SlotValue,
    StoryEntity,
    StoryEvent,
)
from veille.store.migrations import apply_migrations
from veille.understand import linking
from veille.understand.event_groups import (
    PARTICIPANT_ROLES,
    EventSample,
    group_events,
    time_interval,
    values_conflict,
)
from veille.understand.linking import Link, NameNode, SurnameUse
from veille.understand.quote_groups import QuoteSample, is_same_quote, quote_fingerprints
from veille.understand.quote_groups import normalize_quote as _fold

logger = logging.getLogger(__name__)

STAGES = ("extract", "understand", "group")
MIN_PREFIX = 6
SNIPPET_MARK = ("**", "**")  # around matched words in search snippets; plain text, safe in a terminal
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
_WORD = re.compile(r"\w+", re.UNICODE)
_LINK_ROUNDS = 4  # rounds of key look-ups when gathering the names a new article may relink
_LINK_MAX_NAMES = 2000  # stop gathering past this many names (a log line says so)
_CONTEXT_ARTICLES = 50  # articles of a person read for co-occurring entities
_QUOTE_CANDIDATES = 500  # quotes read per fingerprint look-up when grouping one quote across outlets
_QUOTE_GROUP_MAX = 200  # the walk over one quote's copies stops past this many
_QUOTE_SELECT = (
    'SELECT q.article_id, q.text, q.start, q."end", q.kind, q.cue, q.speaker_name, q.speaker_entity_id,'
    " q.speaker_text, a.outlet, a.title, coalesce(a.published, n.published) AS day,"
    " (SELECT m.lid FROM mentions m WHERE m.article_id = q.article_id AND m.entity_id = q.speaker_entity_id"
    " LIMIT 1) AS speaker_lid"
    " FROM quotes q JOIN articles a ON a.id = q.article_id LEFT JOIN analyses n ON n.article_id = q.article_id"
)

_EVENT_SELECT = (
    'SELECT e.article_id, e.start, e."end", e.type, e.trigger, e.time, e.first_day, e.last_day, e.modality,'
    " a.outlet, a.title, coalesce(a.published, n.published) AS day"
    " FROM events e JOIN articles a ON a.id = e.article_id LEFT JOIN analyses n ON n.article_id = e.article_id"
)
_EVENT_DAY = "coalesce(e.first_day, a.published, n.published)"
_ALL = 1 << 62  # "no limit" for the SQL LIMIT of internal look-ups
_SLOT_ORDER = ("agent", "patient", "recipient", "place", "time", "object", "modality")
_ENTITY_SLOTS = frozenset({"agent", "patient", "recipient", "place"})

# every Article field but ``extractor``: when these are unchanged, downstream results stay valid
_CONTENT_FIELDS = (
    "content_id",
    "text",
    "url",
    "title",
    "title_source",
    "outlet",
    "outlet_source",
    "author",
    "author_source",
    "published",
    "published_source",
    "published_evidence",
    "language",
)


def _utc_key(moment: datetime) -> str:
    """Return a sortable UTC ISO text for a datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _casefold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _fold_text(value: object) -> str | None:
    return _fold(value) if isinstance(value, str) else None


def _alias_reason(row: sqlite3.Row) -> str:
    """Return why a mention's text belongs to its registry entity (edit, then link, then its own reason)."""
    if row["eid"] != row["lid"]:
        return f"moved by hand from {row['lid']}"
    if row["linked"]:
        return str(row["linked"])
    if row["own"]:
        return str(row["own"])
    if row["text"] == row["name"]:
        return "name of the entity"
    if _fold(row["text"]) == _fold(row["name"]):
        return "same name (accents and case ignored)"
    return f"same referent as {row['name']} in its article"


def fts_query(text: str) -> str:
    """Return an FTS5 query matching every word of ``text`` (each quoted, so no syntax errors); '' if none."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in _WORD.findall(text))


class SQLiteStore:
    """Store backend on one SQLite file; raises StoreError when the file cannot be opened or written."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open database {path}: {exc}; check the path and its permissions"
            ) from exc
        self._conn.row_factory = sqlite3.Row
        # SQLite's lower() folds ASCII only; names are compared with Python's casefold (É, Ï, Œ...).
        self._conn.create_function("casefold", 1, _casefold, deterministic=True)
        self._conn.create_function("fold_text", 1, _fold_text, deterministic=True)
        try:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA busy_timeout = 5000")
            applied = apply_migrations(self._conn, path)
        except sqlite3.Error as exc:
            self._conn.close()
            raise StoreError(
                f"cannot use database {path}: {exc}; is it an SQLite file veille wrote?"
            ) from exc
        except StoreError:
            self._conn.close()
            raise
        if "0004_entity_links" in applied and self._one("SELECT 1 FROM analyses LIMIT 1") is not None:
            self._backfill_entity_facts()
        if self._one("SELECT 1 FROM quote_keys LIMIT 1") is None and self._one(
            "SELECT 1 FROM quotes LIMIT 1"
        ):  # quotes stored before 0005, or a backfill a killed process rolled back: index them now
            self._backfill_quote_keys()
        if self._one("SELECT 1 FROM store_meta WHERE key = 'events_backfilled'") is None:
            # analyses stored before 0006 (or a backfill a killed process rolled back): store their events once
            self._backfill_events()

    # plumbing ----------------------------------------------------------------------------------
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
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to {self.path}: {exc}") from exc
            self._depth = 1
            try:
                yield
            except sqlite3.IntegrityError as exc:
                self._conn.execute("ROLLBACK")
                raise StoreError(
                    f"{self.path}: write refused ({exc}); write the referenced item first"
                ) from exc
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise StoreError(f"{self.path}: write failed: {exc}") from exc
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: query failed: {exc}") from exc

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _x(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        # only called inside transaction(), so errors are turned into StoreError there
        return self._conn.execute(sql, params)

    def _resolve(self, table: str, ident: str) -> str | None:
        """Return the full id for ``ident`` (exact, or a unique prefix ≥ 6 chars); UsageError when ambiguous."""
        if self._one(f"SELECT 1 FROM {table} WHERE id = ?", (ident,)):
            return ident
        if len(ident) < MIN_PREFIX:
            return None
        rows = self._rows(
            f"SELECT id FROM {table} WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 11", (len(ident), ident)
        )
        if len(rows) > 1:
            shown = ", ".join(r["id"] for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
            raise UsageError(f"id prefix {ident!r} is ambiguous: {shown}; give more characters")
        return rows[0]["id"] if rows else None

    # documents ---------------------------------------------------------------------------------
    def add_document(self, doc: Document) -> bool:
        """Store a raw document; return False (and change nothing) when its content id is known."""
        with self.transaction():
            cur = self._x(
                "INSERT OR IGNORE INTO documents (id, raw, media_type, source, container, received,"
                " received_key, record_id, url, hints) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.raw,
                    doc.media_type,
                    doc.source,
                    doc.container,
                    doc.received.isoformat(),
                    _utc_key(doc.received),
                    doc.record_id,
                    doc.url,
                    json.dumps(dict(doc.hints), ensure_ascii=False, sort_keys=True),
                ),
            )
            return cur.rowcount > 0

    def get_document(self, doc_id: str) -> Document | None:
        """Return the document with this content id, or None."""
        row = self._one("SELECT * FROM documents WHERE id = ?", (doc_id,))
        if row is None:
            return None
        data = dict(row)
        data["hints"] = json.loads(data["hints"] or "{}")
        return codec.document_from_json(data, bytes(row["raw"]))

    def iter_document_ids(self) -> Iterator[str]:
        """Yield every document id, oldest first."""
        for row in self._rows("SELECT id FROM documents ORDER BY received_key, rowid"):
            yield row["id"]

    # stage bookkeeping -------------------------------------------------------------------------
    def pending(self, stage: str, version: str, *, retry_failed: bool = False) -> list[str]:
        """Return the item ids the stage must (re)process at ``version``, oldest document first.

        extract: documents without an article by ``version`` and without an ingest failure;
        understand / group: articles without an analysis / story membership by ``version``.
        Items that failed this stage at ``version`` are left out unless ``retry_failed``.
        Raises UsageError for an unknown stage.
        """
        failed = (
            ""
            if retry_failed
            else " AND NOT EXISTS (SELECT 1 FROM failures f WHERE f.item_id = {item}"
            " AND f.stage = :stage AND f.version = :version)"
        )
        params = {"stage": stage, "version": version}
        if stage == "extract":
            sql = (
                "SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM articles a"
                " WHERE a.content_id = d.id AND a.extractor = :version)"
                " AND NOT EXISTS (SELECT 1 FROM failures f WHERE f.item_id = d.id AND f.stage = 'ingest')"
                + failed.format(item="d.id")
                + " ORDER BY d.received_key, d.rowid"
            )
        elif stage == "understand":
            sql = (
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.content_id"
                " WHERE NOT EXISTS (SELECT 1 FROM analyses n WHERE n.article_id = a.id AND n.analyzer = :version)"
                + failed.format(item="a.id")
                + " ORDER BY d.received_key, d.rowid, a.id"
            )
        elif stage == "group":
            sql = (
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.content_id"
                " JOIN analyses n ON n.article_id = a.id"
                " WHERE NOT EXISTS (SELECT 1 FROM story_articles s WHERE s.article_id = a.id"
                " AND s.grouper = :version)"
                + failed.format(item="a.id")
                + " ORDER BY d.received_key, d.rowid, a.id"
            )
        else:
            raise UsageError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        return [row[0] for row in self._rows(sql, params)]

    # articles ----------------------------------------------------------------------------------
    def put_article(self, article: Article) -> None:
        """Insert or replace an article; a changed content drops its analysis, story membership and links.

        When only ``extractor`` differs, the analysis and story membership are kept (they are still valid).
        Raises StoreError when ``article.content_id`` is not a stored document.
        """
        values = {
            "id": article.id,
            "content_id": article.content_id,
            "text": article.text,
            "url": article.url,
            "title": article.title,
            "title_source": article.title_source,
            "outlet": article.outlet,
            "outlet_source": article.outlet_source,
            "author": article.author,
            "author_source": article.author_source,
            "published": _iso(article.published),
            "published_source": article.published_source,
            "published_evidence": article.published_evidence,
            "language": article.language,
            "extractor": article.extractor,
        }
        with self.transaction():
            old = self._x("SELECT * FROM articles WHERE id = ?", (article.id,)).fetchone()
            if old is not None and all(old[k] == values[k] for k in _CONTENT_FIELDS):
                self._x("UPDATE articles SET extractor = ? WHERE id = ?", (article.extractor, article.id))
                return
            if old is not None:
                logger.debug("article %s changed: dropping its analysis and story membership", article.id)
                self._relink(self._drop_analysis(article.id))
                self._drop_membership([article.id])
                self._x(
                    "DELETE FROM duplicates WHERE article_id = ? OR other_id = ?", (article.id, article.id)
                )
                self._x("DELETE FROM articles_fts WHERE article_id = ?", (article.id,))
                sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
                self._x(f"UPDATE articles SET {sets} WHERE id = :id", values)
            else:
                cols = ", ".join(values)
                self._x(
                    f"INSERT INTO articles ({cols}) VALUES ({', '.join(':' + k for k in values)})", values
                )
            self._x(
                "INSERT INTO articles_fts (article_id, title, text) VALUES (?, ?, ?)",
                (article.id, article.title or "", article.text),
            )

    def _drop_analysis(self, article_id: str) -> set[str]:
        """Delete an article's analysis and what derives from it; return the keys of the names it held.

        The caller relinks with those keys, so names that were linked because of this article are decided again.
        """
        keys = self._article_query_keys(article_id)
        self._x("DELETE FROM analyses WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM mentions WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM quotes WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM quote_keys WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM events WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM event_arguments WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM entity_keys WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM entity_offices WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM entity_places WHERE article_id = ?", (article_id,))
        self._x("DELETE FROM entity_links WHERE article_id = ?", (article_id,))
        return keys

    def _article_query_keys(self, article_id: str) -> set[str]:
        """Return the index keys to look up for the names of one article's entities."""

        names: dict[tuple[str, str, str], list[str]] = {}
        for row in self._x(
            "SELECT entity_id, name, type, text, kind FROM mentions WHERE article_id = ?", (article_id,)
        ):
            texts = names.setdefault((row["entity_id"], row["name"], row["type"]), [])
            if row["text"] is not None and row["kind"] == "name":
                texts.append(row["text"])
        keys: set[str] = set()
        for (_, name, type_), texts in names.items():
            keys |= linking.seed_keys(type_, name, texts)
        return keys

    def _drop_membership(self, article_ids: Sequence[str]) -> None:
        """Remove these articles from their stories; a story left empty is deleted, a changed one loses its comparison."""
        for chunk in _chunks(list(article_ids)):
            marks = ",".join("?" * len(chunk))
            touched = [
                r[0]
                for r in self._x(
                    f"SELECT DISTINCT story_id FROM story_articles WHERE article_id IN ({marks})", chunk
                )
            ]
            if not touched:
                continue
            self._x(f"DELETE FROM story_articles WHERE article_id IN ({marks})", chunk)
            for story_id in touched:
                self._x("DELETE FROM comparisons WHERE story_id = ?", (story_id,))
                self._x(
                    "DELETE FROM stories WHERE id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM story_articles WHERE story_id = ?)",
                    (story_id, story_id),
                )

    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return codec.article_from_json(dict(row))

    def get_article(self, article_id: str) -> Article | None:
        """Return an article by id or unique prefix (≥ 6 chars), or None; UsageError when the prefix is ambiguous."""
        full = self._resolve("articles", article_id)
        if full is None:
            return None
        row = self._one("SELECT * FROM articles WHERE id = ?", (full,))
        return self._article(row) if row is not None else None

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[Article]:
        """Yield the articles with these ids in the order given, skipping unknown ids (all articles, oldest first, when None)."""
        if ids is None:
            for row in self._rows(
                "SELECT a.* FROM articles a JOIN documents d ON d.id = a.content_id"
                " ORDER BY d.received_key, d.rowid, a.id"
            ):
                yield self._article(row)
            return
        ids = list(ids)
        for chunk in _chunks(ids):
            rows = self._rows(f"SELECT * FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found = {row["id"]: row for row in rows}
            for ident in chunk:
                if ident in found:
                    yield self._article(found[ident])

    # analyses ----------------------------------------------------------------------------------
    def put_analysis(self, analysis: Analysis, published: str | None = None) -> None:
        """Insert or replace an article's analysis and its mentions and quotes (the registry follows).

        The article's names are linked to the registry (spelling variants, one-word surnames) and the names
        that share a key with them are decided again, so the registry does not depend on arrival order;
        hand edits apply after the links. An unchanged payload only updates ``analyzer`` and keeps story
        membership; a changed one drops it. ``published`` dates the registry when the article has no date.
        StoreError when the article is unknown.
        """
        payload = codec.dumps(codec.analysis_payload(analysis))
        article = analysis.article_id
        with self.transaction():
            old = self._x(
                "SELECT language, payload FROM analyses WHERE article_id = ?", (article,)
            ).fetchone()
            if old is not None and old["payload"] == payload and old["language"] == analysis.language:
                self._x(
                    "UPDATE analyses SET analyzer = ?, published = coalesce(?, published) WHERE article_id = ?",
                    (analysis.analyzer, published, article),
                )
                return
            seeds: set[str] = set()
            if old is not None:
                self._drop_membership([article])
            # also clears rows left by a hand deletion of the analysis (keys, offices, places, links)
            seeds |= self._drop_analysis(article)
            self._x(
                "INSERT INTO analyses (article_id, language, analyzer, published, payload) VALUES (?, ?, ?, ?, ?)",
                (article, analysis.language, analysis.analyzer, published, payload),
            )
            edits = self.entity_edits()
            mentions: list[tuple[Any, ...]] = []
            for ent in analysis.entities:
                base = (article, ent.entity_id, ent.name, ent.type)
                if not ent.mentions:
                    eid = resolve_entity_id(edits, ent.entity_id, None, article)
                    mentions.append((*base, None, None, None, ent.entity_id, eid, "name", ""))
                mentions.extend(
                    (
                        *base,
                        m.text,
                        m.start,
                        m.end,
                        ent.entity_id,
                        resolve_entity_id(edits, ent.entity_id, m.text, article),
                        m.kind,
                        m.reason,
                    )
                    for m in ent.mentions
                )
            self._conn.executemany(
                'INSERT INTO mentions (article_id, entity_id, name, type, text, start, "end", lid, eid, kind, reason)'
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                mentions,
            )
            seeds |= self._put_entity_facts(analysis)
            self._conn.executemany(
                'INSERT INTO quotes (article_id, text, start, "end", kind, cue, speaker_name,'
                " speaker_entity_id, speaker_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        article,
                        q.text,
                        q.start,
                        q.end,
                        q.kind,
                        q.cue,
                        q.speaker.name if q.speaker else None,
                        q.speaker.entity_id if q.speaker else None,
                        q.speaker_text,
                    )
                    for q in analysis.quotes
                ],
            )
            self._put_quote_keys(article, [(q.start, q.text) for q in analysis.quotes])
            self._put_events(article, analysis.events)
            self._relink(seeds)

    def _put_quote_keys(self, article_id: str, quotes: Iterable[tuple[int, str]]) -> None:
        """Index one article's quotes (start, text) by their fingerprints, for grouping across outlets."""

        self._conn.executemany(
            "INSERT OR IGNORE INTO quote_keys (key, article_id, start) VALUES (?, ?, ?)",
            [(key, article_id, start) for start, text in quotes for key in quote_fingerprints(text)],
        )

    def _backfill_quote_keys(self) -> None:
        """Index the stored quotes that have no fingerprints (stored before migration 0005), in one transaction."""
        with self.transaction():
            rows = self._x("SELECT article_id, start, text FROM quotes ORDER BY article_id").fetchall()
            by_article: dict[str, list[tuple[int, str]]] = {}
            for row in rows:
                by_article.setdefault(row["article_id"], []).append((row["start"], row["text"]))
            for article_id, quotes in by_article.items():
                self._put_quote_keys(article_id, quotes)
        logger.info("indexed %d stored quotes for grouping across outlets", len(rows))

    def _put_events(self, article_id: str, events: Sequence[Event]) -> None:
        """Store one article's events and their arguments as rows (the caller dropped the old ones)."""

        rows: list[tuple[Any, ...]] = []
        arguments: list[tuple[Any, ...]] = []
        seen: set[int] = set()
        for event in events:
            if (
                event.start in seen
            ):  # an event is (article, trigger start); the analyser gives one per trigger
                logger.warning(
                    "article %s: two events at %d; the %s one is not stored",
                    article_id,
                    event.start,
                    event.type,
                )
                continue
            seen.add(event.start)
            days = time_interval(event.time)
            rows.append(
                (
                    article_id,
                    event.start,
                    event.end,
                    event.type,
                    event.trigger,
                    event.time,
                    _iso(days[0]) if days else None,
                    _iso(days[1]) if days else None,
                    event.modality,
                )
            )
            arguments.extend(
                (article_id, event.start, i, a.role, a.text, a.start, a.end, a.entity_id)
                for i, a in enumerate(event.arguments)
            )
        self._conn.executemany(
            'INSERT INTO events (article_id, start, "end", type, trigger, time, first_day, last_day, modality)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._conn.executemany(
            'INSERT INTO event_arguments (article_id, event_start, position, role, text, start, "end", entity_id)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments,
        )

    def _backfill_events(self) -> None:
        """Store the events of the analyses whose events have no rows (stored before migration 0006), in one transaction."""
        count = 0
        with self.transaction():
            for row in self._conn.execute(  # a cursor, not fetchall: one payload in memory at a time
                "SELECT article_id, language, analyzer, payload FROM analyses n WHERE NOT EXISTS"
                " (SELECT 1 FROM events e WHERE e.article_id = n.article_id) ORDER BY article_id"
            ):
                data = json.loads(row["payload"])
                data.update(article_id=row["article_id"], language=row["language"], analyzer=row["analyzer"])
                events = codec.analysis_from_json(data).events
                self._put_events(row["article_id"], events)
                count += len(events)
            self._x(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('events_backfilled', ?)",
                (str(count),),
            )
        if count:
            logger.info("stored %d events of the stored analyses", count)

    def _put_entity_facts(self, analysis: Analysis) -> set[str]:
        """Store an analysis's index keys, offices and places; return the keys that reach its names."""

        article = analysis.article_id
        seeds: set[str] = set()
        keys: set[tuple[str, str, str, str]] = set()
        offices: list[tuple[Any, ...]] = []
        places: list[tuple[Any, ...]] = []
        for ent in analysis.entities:
            offices.extend(
                (article, ent.entity_id, o.function, o.country, o.org, o.text, o.start, o.end)
                for o in ent.offices
            )
            if ent.place is not None:
                p = ent.place
                places.append((article, ent.entity_id, p.kind, p.country, p.latitude, p.longitude, p.source))
            texts = [m.text for m in ent.mentions if m.kind == "name"]
            if ent.mentions and not texts:
                continue  # described, never named ("le chef de la diplomatie malienne"): nothing to link
            keys.update(
                (k, ent.entity_id, article, ent.type) for k in linking.index_keys(ent.type, ent.name, texts)
            )
            seeds |= linking.seed_keys(ent.type, ent.name, texts)
        self._conn.executemany(
            "INSERT OR IGNORE INTO entity_keys (key, entity_id, article_id, type) VALUES (?, ?, ?, ?)",
            sorted(keys),
        )
        self._conn.executemany(
            'INSERT INTO entity_offices (article_id, entity_id, function, country, org, text, start, "end")'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            offices,
        )
        self._conn.executemany(
            "INSERT INTO entity_places (article_id, entity_id, kind, country, latitude, longitude, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            places,
        )
        return seeds

    def _backfill_entity_facts(self) -> None:
        """Index the analyses stored before migration 0004 and link their names (once, when it applies)."""
        seeds: set[str] = set()
        with self.transaction():
            for row in self._x("SELECT article_id, language, analyzer, payload FROM analyses").fetchall():
                data = json.loads(row["payload"])
                data.update(article_id=row["article_id"], language=row["language"], analyzer=row["analyzer"])
                seeds |= self._put_entity_facts(codec.analysis_from_json(data))
            self._relink(seeds)
        logger.info("indexed the stored analyses for entity links (%d keys)", len(seeds))

    # automatic cross-article links -------------------------------------------------------------------
    def _relink(self, seeds: set[str]) -> None:
        """Decide again the links of every name reachable from these index keys, and move their mentions.

        Names sharing a key with a name found are gathered too (a few rounds, bounded), so a decision sees
        every candidate; the outcome depends on the stored names only, never on their arrival order.
        """

        full, singles = self._gather_names(seeds)
        if not full and not singles:
            return
        nodes = self._name_nodes(full)
        links = linking.cluster_names(nodes)
        clusters = linking.build_clusters(nodes, links)
        desired: dict[tuple[str, str], Link | None] = {("", ident): links.get(ident) for ident in full}
        for article_id, ident in sorted(singles):
            desired[(article_id, ident)] = linking.link_surname(
                self._surname_use(article_id, ident), clusters
            )
        self._write_links(desired)

    def _gather_names(self, seeds: set[str]) -> tuple[set[str], set[tuple[str, str]]]:
        """Return the full names (entity ids) and one-word person names (article, entity id) the keys reach."""

        full: set[str] = set()
        singles: set[tuple[str, str]] = set()
        asked: set[str] = set()
        todo = set(seeds)
        for _ in range(_LINK_ROUNDS):
            todo -= asked
            if not todo or len(full) + len(singles) > _LINK_MAX_NAMES:
                break
            asked |= todo
            found: list[sqlite3.Row] = []
            for chunk in _chunks(sorted(todo)):
                marks = ",".join("?" * len(chunk))
                # one-word person names ("p1" keys) are decided per article; every other key is a full name's
                found.extend(
                    self._x(
                        "SELECT DISTINCT entity_id, article_id, key FROM entity_keys"
                        f" WHERE key IN ({marks}) AND key LIKE 'p1%'",
                        chunk,
                    ).fetchall()
                )
                found.extend(
                    self._x(
                        "SELECT DISTINCT entity_id, '' AS article_id, '' AS key FROM entity_keys"
                        f" WHERE key IN ({marks}) AND key NOT LIKE 'p1%'",
                        chunk,
                    ).fetchall()
                )
            todo = set()
            new_full: set[str] = set()
            for row in found:
                if not row["article_id"]:
                    if row["entity_id"] not in full:
                        new_full.add(row["entity_id"])
                    continue
                if (row["article_id"], row["entity_id"]) in singles:
                    continue
                singles.add((row["article_id"], row["entity_id"]))
                named = self._x(
                    "SELECT name FROM mentions WHERE article_id = ? AND entity_id = ? LIMIT 1",
                    (row["article_id"], row["entity_id"]),
                ).fetchone()
                words = linking.name_tokens(named[0]) if named else []
                if not words:
                    continue
                word = words[0]
                todo |= linking.query_keys(linking.PERSON, word)
                # the full names of its own article that hold the word (a first name alone: "Alberto")
                new_full |= {
                    r[0]
                    for r in self._x(
                        "SELECT entity_id FROM entity_keys WHERE article_id = ? AND key = ?",
                        (row["article_id"], f"p:{word}"),
                    )
                }
            new_full -= full
            full |= new_full
            for chunk in _chunks(sorted(new_full)):
                rows = self._x(
                    f"SELECT DISTINCT key FROM entity_keys WHERE entity_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                # a full name's own keys reach its variants and its one-word uses ("p:" keys reach only
                # full names sharing a first name, which never link on that alone)
                todo |= {r["key"] for r in rows if not r["key"].startswith("p:")}
                todo |= {"p1:" + r["key"][2:] for r in rows if r["key"].startswith("p:")}
                todo |= {"p1s:" + r["key"][3:] for r in rows if r["key"].startswith("ps:")}
        if todo - asked:
            logger.warning("entity links: gathering stopped at %d names; some links may wait", len(full))
        return full, singles

    def _name_nodes(self, ids: set[str]) -> list[NameNode]:
        """Return a linking.NameNode per analyser entity id: name, articles, aliases, offices, context, country."""

        nodes = []
        for ident in sorted(ids):
            head = self._x(
                "SELECT name, type, count(*) AS n FROM mentions WHERE entity_id = ? GROUP BY name, type"
                " ORDER BY n DESC, length(CAST(name AS BLOB)) DESC, name LIMIT 1",
                (ident,),
            ).fetchone()
            if head is None:
                continue
            count = self._x(
                "SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id = ?", (ident,)
            ).fetchone()[0]
            aliases = frozenset(
                r[0]
                for r in self._x(
                    "SELECT DISTINCT text FROM mentions WHERE entity_id = ? AND kind = 'name' AND text IS NOT NULL",
                    (ident,),
                )
            )
            offices = frozenset(
                linking.OfficeKey(r["function"], r["country"])
                for r in self._x(
                    "SELECT DISTINCT function, country FROM entity_offices WHERE entity_id = ?", (ident,)
                )
            )
            context: frozenset[str] = frozenset()
            if head["type"] == linking.PERSON:
                # a fixed sample (the first article ids), so the evidence does not depend on arrival order
                context = frozenset(
                    r[0]
                    for r in self._x(
                        "SELECT DISTINCT entity_id FROM mentions WHERE article_id IN (SELECT DISTINCT"
                        " article_id FROM mentions WHERE entity_id = ? ORDER BY article_id LIMIT ?)"
                        " AND entity_id != ?",
                        (ident, _CONTEXT_ARTICLES, ident),
                    )
                )
            country = self._x(
                "SELECT country FROM entity_places WHERE entity_id = ? AND country IS NOT NULL"
                " GROUP BY country ORDER BY count(*) DESC, country LIMIT 1",
                (ident,),
            ).fetchone()
            nodes.append(
                linking.NameNode(
                    entity_id=ident,
                    name=head["name"],
                    type=head["type"],
                    articles=int(count),
                    aliases=aliases,
                    offices=offices,
                    context=context,
                    country=country[0] if country else None,
                )
            )
        return nodes

    def _surname_use(self, article_id: str, ident: str) -> SurnameUse:
        """Return the linking.SurnameUse of a one-word person name in one article."""

        head = self._x(
            "SELECT name FROM mentions WHERE article_id = ? AND entity_id = ? LIMIT 1", (article_id, ident)
        ).fetchone()
        offices = frozenset(
            linking.OfficeKey(r["function"], r["country"])
            for r in self._x(
                "SELECT DISTINCT function, country FROM entity_offices WHERE article_id = ? AND entity_id = ?",
                (article_id, ident),
            )
        )
        neighbours = frozenset(
            r[0]
            for r in self._x(
                "SELECT DISTINCT entity_id FROM mentions WHERE article_id = ? AND entity_id != ?",
                (article_id, ident),
            )
        )
        return linking.SurnameUse(article_id, ident, head["name"] if head else ident, offices, neighbours)

    def _write_links(self, desired: Mapping[tuple[str, str], Link | None]) -> None:
        """Store the decided links and move the mentions whose link changed (hand edits replayed after)."""
        edits = self.entity_edits()
        now = datetime.now(UTC).isoformat()
        for (article_id, ident), link in sorted(desired.items()):
            if link is None:
                self._x(
                    "DELETE FROM entity_links WHERE article_id = ? AND entity_id = ?", (article_id, ident)
                )
                target = ident
            else:
                self._x(
                    "INSERT INTO entity_links (article_id, entity_id, target_id, reason, created)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (article_id, entity_id) DO UPDATE SET"
                    " target_id = excluded.target_id, reason = excluded.reason,"
                    " created = CASE WHEN entity_links.target_id = excluded.target_id"
                    " THEN entity_links.created ELSE excluded.created END",
                    (article_id, ident, link.target_id, link.reason, now),
                )
                target = link.target_id
            where, params = "entity_id = ? AND lid IS NOT ?", [ident, target]
            if article_id:
                where += " AND article_id = ?"
                params.append(article_id)
            moved = self._x(f"SELECT rowid, article_id, text FROM mentions WHERE {where}", params).fetchall()
            if moved:
                logger.debug(
                    "entity %s%s now links to %s", ident, f" in {article_id}" if article_id else "", target
                )
                self._conn.executemany(
                    "UPDATE mentions SET lid = ?, eid = ? WHERE rowid = ?",
                    [
                        (target, resolve_entity_id(edits, target, r["text"], r["article_id"]), r["rowid"])
                        for r in moved
                    ],
                )

    def get_analysis(self, article_id: str) -> Analysis | None:
        """Return an article's analysis with entity ids as the registry has them (links, then hand edits), or None."""
        row = self._one("SELECT * FROM analyses WHERE article_id = ?", (article_id,))
        if row is None:
            return None
        data = json.loads(row["payload"])
        data.update(article_id=row["article_id"], language=row["language"], analyzer=row["analyzer"])
        analysis = codec.analysis_from_json(data)
        links = [
            EntityEdit("split", r["entity_id"], r["lid"], article_id=row["article_id"])
            for r in self._rows(
                "SELECT DISTINCT entity_id, lid FROM mentions WHERE article_id = ? AND lid IS NOT NULL"
                " AND lid != entity_id ORDER BY entity_id",
                (row["article_id"],),
            )
        ]
        edits = self.entity_edits()
        if not links and not edits:
            return analysis
        moved = [
            r["eid"]
            for r in self._rows(
                "SELECT DISTINCT eid FROM mentions WHERE article_id = ? AND eid != entity_id",
                (row["article_id"],),
            )
        ]
        names = self._best_names(moved)
        names.update(self._entity_names(edits))
        return apply_entity_edits(analysis, [*links, *edits], names)

    def _best_names(self, ids: Sequence[str]) -> dict[str, str]:
        """Return the registry name of these entities (the most frequent name of their mentions)."""
        best: dict[str, str] = {}
        for chunk in _chunks(list(ids)):
            for row in self._rows(
                f"SELECT eid, name FROM mentions WHERE eid IN ({','.join('?' * len(chunk))}) GROUP BY eid, name"
                " ORDER BY eid, count(*) DESC, length(CAST(name AS BLOB)) DESC, name",
                chunk,
            ):
                best.setdefault(row["eid"], row["name"])
        return best

    def _entities(self, where: str, params: Sequence[Any], limit: int) -> list[RegistryEntity]:
        heads = self._rows(
            "SELECT m.eid AS entity_id, count(DISTINCT m.article_id) AS article_count,"
            " count(m.text) AS mention_count,"
            " min(coalesce(a.published, n.published)) AS first_seen,"
            " max(coalesce(a.published, n.published)) AS last_seen"
            " FROM mentions m JOIN articles a ON a.id = m.article_id"
            " LEFT JOIN analyses n ON n.article_id = m.article_id"
            f" {where} GROUP BY m.eid"
            " ORDER BY article_count DESC, mention_count DESC, m.eid LIMIT ?",
            (*params, limit),
        )
        ids = [head["entity_id"] for head in heads]
        best: dict[str, sqlite3.Row] = {}
        aliases: dict[str, dict[str, int]] = {ident: {} for ident in ids}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            # canonical name and type: the most frequent over the mention rows; on a tie the spelling with
            # more UTF-8 bytes wins (it keeps its diacritics: "Goïta" over "Goita"), then alphabetical
            for row in self._rows(
                f"SELECT eid, name, type FROM mentions WHERE eid IN ({marks}) GROUP BY eid, name, type"
                " ORDER BY eid, count(*) DESC, length(CAST(name AS BLOB)) DESC, name, type",
                chunk,
            ):
                best.setdefault(row["eid"], row)
            for row in self._rows(
                f"SELECT eid, text, count(*) AS n FROM mentions WHERE eid IN ({marks}) AND text IS NOT NULL"
                " GROUP BY eid, text ORDER BY eid, n DESC, text",
                chunk,
            ):
                aliases[row["eid"]][row["text"]] = row["n"]
        names = self._entity_names(self.entity_edits())
        reasons = self._alias_reasons(ids)
        offices = self._registry_offices(ids)
        places = self._registry_places(ids)
        return [
            RegistryEntity(
                entity_id=head["entity_id"],
                name=names.get(head["entity_id"], best[head["entity_id"]]["name"]),
                type=best[head["entity_id"]]["type"],
                aliases=aliases[head["entity_id"]],
                first_seen=codec.parse_date(head["first_seen"]),
                last_seen=codec.parse_date(head["last_seen"]),
                article_count=head["article_count"],
                reasons=reasons.get(head["entity_id"], {}),
                offices=tuple(offices.get(head["entity_id"], ())),
                place=places.get(head["entity_id"]),
            )
            for head in heads
        ]

    def _alias_reasons(self, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """Return, per entity and alias, why the alias joined: hand edit, automatic link, or its article's reason.

        An alias written in several ways takes the reason of its most frequent one.
        """
        reasons: dict[str, dict[str, str]] = {}
        for chunk in _chunks(list(ids)):
            rows = self._rows(
                "SELECT m.eid, m.text, m.entity_id, m.name, m.lid, m.reason AS own, l.reason AS linked,"
                " count(*) AS n FROM mentions m LEFT JOIN entity_links l ON l.entity_id = m.entity_id"
                " AND l.target_id = m.lid AND l.article_id IN ('', m.article_id)"
                f" WHERE m.eid IN ({','.join('?' * len(chunk))}) AND m.text IS NOT NULL"
                " GROUP BY m.eid, m.text, m.entity_id, m.name, m.lid, own, linked"
                " ORDER BY m.eid, m.text, n DESC, linked IS NULL, m.entity_id",
                chunk,
            )
            for row in rows:
                per = reasons.setdefault(row["eid"], {})
                if row["text"] not in per:
                    per[row["text"]] = _alias_reason(row)
        return reasons

    def _registry_offices(self, ids: Sequence[str]) -> dict[str, list[Office]]:
        """Return, per entity, its offices with the first date an article attested each (oldest first)."""
        offices: dict[str, list[Office]] = {}
        for chunk in _chunks(list(ids)):
            # the first attestation (oldest date, then article id, then position) stands for the office
            rows = self._rows(
                'SELECT * FROM (SELECT m.eid, o.function, o.country, o.org, o.text, o.start, o."end",'
                " coalesce(a.published, n.published) AS since, row_number() OVER (PARTITION BY m.eid,"
                " o.function, o.country, o.org ORDER BY coalesce(a.published, n.published) IS NULL,"
                " coalesce(a.published, n.published), o.article_id, o.start) AS rank"
                " FROM entity_offices o"
                " JOIN (SELECT DISTINCT article_id, entity_id, eid FROM mentions"
                f" WHERE eid IN ({','.join('?' * len(chunk))})) m"
                " ON m.article_id = o.article_id AND m.entity_id = o.entity_id"
                " JOIN articles a ON a.id = o.article_id LEFT JOIN analyses n ON n.article_id = o.article_id)"
                " WHERE rank = 1 ORDER BY eid, since IS NULL, since, function, country",
                chunk,
            )
            for row in rows:
                offices.setdefault(row["eid"], []).append(
                    Office(
                        function=row["function"],
                        text=row["text"],
                        start=row["start"],
                        end=row["end"],
                        country=row["country"],
                        org=row["org"],
                        since=codec.parse_date(row["since"]),
                    )
                )
        return {eid: _fold_offices(found) for eid, found in offices.items()}

    def _registry_places(self, ids: Sequence[str]) -> dict[str, Place]:
        """Return, per place entity, where it is (the location its articles give most often)."""
        places: dict[str, Place] = {}
        for chunk in _chunks(list(ids)):
            rows = self._rows(
                "SELECT m.eid, p.kind, p.country, p.latitude, p.longitude, p.source, count(*) AS n"
                " FROM entity_places p JOIN (SELECT DISTINCT article_id, entity_id, eid FROM mentions"
                f" WHERE eid IN ({','.join('?' * len(chunk))})) m"
                " ON m.article_id = p.article_id AND m.entity_id = p.entity_id"
                " GROUP BY m.eid, p.kind, p.country, p.latitude, p.longitude, p.source"
                " ORDER BY m.eid, n DESC, p.latitude IS NULL, p.kind, p.country",
                chunk,
            )
            for row in rows:
                places.setdefault(
                    row["eid"],
                    Place(
                        kind=row["kind"],
                        country=row["country"],
                        latitude=row["latitude"],
                        longitude=row["longitude"],
                        source=row["source"],
                    ),
                )
        return places

    def list_entities(self, *, type: str | None = None, limit: int = 50) -> list[RegistryEntity]:  # noqa: A002
        """Return registry entities, the most-cited (most articles, then mentions) first, optionally of one type."""
        if type is None:
            return self._entities("", (), limit)
        return self._entities("WHERE m.type = ?", (type,), limit)

    def get_entity(self, entity_id: str) -> RegistryEntity | None:
        """Return one registry entity, or None."""
        found = self._entities("WHERE m.eid = ?", (entity_id,), 1)
        return found[0] if found else None

    def find_entities(self, query: str, *, limit: int = 20) -> list[RegistryEntity]:
        """Return the entities whose id, name or an alias is ``query`` (case ignored), the most cited first.

        Names given by hand edits count, and replace the analyser's name of the mentions they moved.
        """
        names = self._entity_names(self.entity_edits())
        key = query.casefold()
        rows = self._rows(
            "SELECT DISTINCT eid, casefold(text) = ? AS by_text, casefold(name) = ? AS by_name FROM mentions"
            " WHERE eid = ? OR casefold(name) = ? OR casefold(text) = ?",
            (key, key, query, key, key),
        )
        ids = {row["eid"] for row in rows if row["eid"] == query or row["by_text"]}
        ids |= {row["eid"] for row in rows if row["by_name"] and row["eid"] not in names}
        ids |= {ident for ident, name in names.items() if name.casefold() == key}
        found = (
            self._entities(f"WHERE m.eid IN ({','.join('?' * len(ids))})", sorted(ids), len(ids))
            if ids
            else []
        )
        return sorted(found, key=lambda e: (-e.article_count, e.entity_id))[:limit]

    def entity_articles(self, entity_id: str, *, limit: int = 100) -> list[str]:
        """Return the ids of the articles that mention an entity, newest first."""
        rows = self._rows(
            "SELECT m.article_id, max(coalesce(a.published, n.published)) AS day FROM mentions m"
            " JOIN articles a ON a.id = m.article_id LEFT JOIN analyses n ON n.article_id = m.article_id"
            " WHERE m.eid = ? GROUP BY m.article_id ORDER BY day DESC, m.article_id LIMIT ?",
            (entity_id, limit),
        )
        return [row["article_id"] for row in rows]

    # hand edits of the registry ----------------------------------------------------------------------
    def entity_edits(self) -> list[EntityEdit]:
        """Return the user's merges and splits, in the order they are replayed."""
        return [
            EntityEdit(
                kind=row["kind"],
                entity_id=row["entity_id"],
                target_id=row["target_id"],
                alias=row["alias"],
                article_id=row["article_id"],
                target_name=row["target_name"],
                note=row["note"],
                created=datetime.fromisoformat(row["created"]),
            )
            for row in self._rows("SELECT * FROM entity_edits ORDER BY id")
        ]

    def _entity_names(self, edits: Sequence[EntityEdit]) -> dict[str, str]:
        """Return the names hand edits give to entities (a split's new entity, a merge's target), latest wins."""
        return {e.target_id: e.target_name for e in edits if e.target_name}

    def add_entity_edit(self, edit: EntityEdit) -> int:
        """Record a merge or split and apply it to the stored mentions; return how many mentions moved.

        UsageError when the entity is unknown, a merge targets an unknown entity or itself, or a split
        moves no mention.
        """
        with self.transaction():
            if self._x("SELECT 1 FROM mentions WHERE eid = ? LIMIT 1", (edit.entity_id,)).fetchone() is None:
                raise UsageError(f"no entity {edit.entity_id!r} in the registry (see `veille entities`)")
            if edit.kind == "merge":
                if edit.target_id == edit.entity_id:
                    raise UsageError("an entity cannot be merged into itself")
                if (
                    self._x("SELECT 1 FROM mentions WHERE eid = ? LIMIT 1", (edit.target_id,)).fetchone()
                    is None
                ):
                    raise UsageError(f"no entity {edit.target_id!r} to merge into (see `veille entities`)")
                moved = self._x("UPDATE mentions SET eid = ? WHERE eid = ?", (edit.target_id, edit.entity_id))
            elif edit.kind == "split":
                sql = "UPDATE mentions SET eid = ? WHERE eid = ?"
                params: list[Any] = [edit.target_id, edit.entity_id]
                if edit.alias is not None:
                    sql += " AND text = ?"
                    params.append(edit.alias)
                if edit.article_id is not None:
                    sql += " AND article_id = ?"
                    params.append(edit.article_id)
                moved = self._x(sql, params)
                if moved.rowcount == 0:
                    raise UsageError(f"no mention of {edit.entity_id!r} matches that split (alias, article)")
            else:
                raise UsageError(f"unknown edit kind {edit.kind!r}: merge or split")
            created = edit.created or datetime.now(UTC)
            self._x(
                "INSERT INTO entity_edits (kind, entity_id, target_id, alias, article_id, target_name, note, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    edit.kind,
                    edit.entity_id,
                    edit.target_id,
                    edit.alias,
                    edit.article_id,
                    edit.target_name,
                    edit.note,
                    created.isoformat(),
                ),
            )
            return int(moved.rowcount)

    # quotes ------------------------------------------------------------------------------------
    def list_quotes(
        self,
        *,
        speaker: str | None = None,
        article_id: str | None = None,
        story_id: str | None = None,
        kind: str | None = None,
        since: date | None = None,
        until: date | None = None,
        text: str | None = None,
        limit: int = 100,
    ) -> list[QuoteRecord]:
        """Return stored quotes matching every filter given, newest article first, each with its sources.

        ``speaker`` is an entity id, name or alias (as ``find_entities``: every entity it names) or the words
        of an unresolved speaker; speakers are compared by registry id (links, then hand edits). ``text`` is a
        substring, accents, case and punctuation ignored. UsageError for a speaker, article or story that
        names nothing.
        """
        where: list[str] = []
        params: list[Any] = []
        wanted: set[str] | None = None
        if speaker is not None:
            wanted, clause, clause_params = self._speaker_clause(speaker)
            where.append(clause)
            params += clause_params
        self._scope("q.article_id", article_id, story_id, where, params)
        if kind is not None:
            where.append("q.kind = ?")
            params.append(kind)
        if since is not None:
            where.append("coalesce(a.published, n.published) >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("coalesce(a.published, n.published) <= ?")
            params.append(until.isoformat())
        if text is not None:
            where.append("instr(fold_text(q.text), ?) > 0")
            params.append(_fold(text))
        sql = _QUOTE_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY day IS NULL, day DESC, q.article_id, q.start"
        if wanted is None:  # no speaker check after the query: SQL can stop at the limit
            sql += " LIMIT ?"
            params.append(limit)
        edits = self.entity_edits()
        rows = [(row, self._registry_speaker(row, edits)) for row in self._rows(sql, params)]
        if wanted is not None:
            rows = [(row, eid) for row, eid in rows if eid is None or eid in wanted][:limit]
        names = self._best_names(
            sorted({eid for row, eid in rows if eid and eid != row["speaker_entity_id"]})
        )
        names.update(self._entity_names(edits))
        groups: dict[tuple[str, int], list[sqlite3.Row]] = {}
        records = []
        for row, eid in rows:
            members = self._quote_group(row, edits, groups)
            name = names.get(eid, row["speaker_name"]) if eid is not None else row["speaker_name"]
            records.append(
                QuoteRecord(
                    quote_id=f"{row['article_id']}:{row['start']}",
                    article_id=row["article_id"],
                    outlet=row["outlet"],
                    title=row["title"],
                    published=codec.parse_date(row["day"]),
                    text=row["text"],
                    start=row["start"],
                    end=row["end"],
                    kind=row["kind"],
                    cue=row["cue"],
                    speaker_name=name,
                    speaker_entity_id=eid,
                    speaker_text=row["speaker_text"],
                    group_id=f"{members[0]['article_id']}:{members[0]['start']}",
                    sources=_quote_sources(members),
                )
            )
        return records

    def _speaker_clause(self, speaker: str) -> tuple[set[str], str, list[Any]]:
        """Return the registry ids ``speaker`` names and the WHERE clause (with params) of its quotes' candidates.

        Unresolved speakers match by their words (accents and case ignored). UsageError when nothing matches.
        """
        wanted = {e.entity_id for e in self.find_entities(speaker, limit=1000)}
        folded = _fold(speaker)
        unresolved = "(q.speaker_entity_id IS NULL AND (fold_text(q.speaker_name) = ? OR fold_text(q.speaker_text) = ?))"
        if not wanted and not self._one(
            f"SELECT 1 FROM quotes q WHERE {unresolved} LIMIT 1", (folded, folded)
        ):
            raise UsageError(
                f"no entity or quote speaker named {speaker!r}; see `veille entities` for names and ids"
            )
        ids = sorted(wanted)
        marks = ",".join("?" * len(ids))
        clause = unresolved
        params: list[Any] = [folded, folded]
        if ids:
            # the registry id of a speaker is its mention's (lid, then hand edits): candidates here, checked after
            clause += (
                f" OR q.speaker_entity_id IN ({marks}) OR EXISTS (SELECT 1 FROM mentions m"
                f" WHERE m.article_id = q.article_id AND m.entity_id = q.speaker_entity_id AND m.eid IN ({marks}))"
            )
            params += ids + ids
        return wanted, f"({clause})", params

    @staticmethod
    def _registry_speaker(row: sqlite3.Row, edits: Sequence[EntityEdit]) -> str | None:
        """Return the registry id of a quote row's speaker (its automatic link, then hand edits), or None."""
        ident = row["speaker_entity_id"]
        if ident is None:
            return None
        return resolve_entity_id(edits, row["speaker_lid"] or ident, row["speaker_text"], row["article_id"])

    def _quote_row(self, article_id: str, start: int) -> sqlite3.Row | None:
        return self._one(
            _QUOTE_SELECT + " WHERE q.article_id = ? AND q.start = ? LIMIT 1", (article_id, start)
        )

    def _quote_group(
        self, row: sqlite3.Row, edits: Sequence[EntityEdit], cache: dict[tuple[str, int], list[sqlite3.Row]]
    ) -> list[sqlite3.Row]:
        """Return the rows of every quote that is the same quote as ``row`` (itself included), earliest first.

        A walk over the fingerprint index: each quote found is compared with the quotes sharing a key with it
        (at most ``_QUOTE_CANDIDATES`` each), so nothing compares all pairs; the walk stops at ``_QUOTE_GROUP_MAX``.
        """

        node = (row["article_id"], row["start"])
        if node in cache:
            return cache[node]

        def sample(r: sqlite3.Row) -> QuoteSample:
            return QuoteSample(r["text"], self._registry_speaker(r, edits))

        found = {node: row}
        frontier = [row]
        while frontier and len(found) < _QUOTE_GROUP_MAX:
            current = frontier.pop(0)  # breadth first, candidates in id order: the same group every time
            for other in self._rows(
                _QUOTE_SELECT + " WHERE (q.article_id, q.start) IN (SELECT DISTINCT k2.article_id, k2.start"
                " FROM quote_keys k1 JOIN quote_keys k2 ON k2.key = k1.key WHERE k1.article_id = ?"
                " AND k1.start = ? ORDER BY k2.article_id, k2.start LIMIT ?) ORDER BY q.article_id, q.start",
                (current["article_id"], current["start"], _QUOTE_CANDIDATES),
            ):  # the candidates' rows in one query
                key = (other["article_id"], other["start"])
                if key not in found and is_same_quote(sample(current), sample(other)):
                    found[key] = other
                    frontier.append(other)
        members = sorted(
            found.values(), key=lambda r: (r["day"] is None, r["day"] or "", r["article_id"], r["start"])
        )
        for key in found:
            cache[key] = members
        return members

    def quote_sources(self, quote_id: str) -> list[QuoteSource]:
        """Return the articles that carry the same quote as ``quote_id`` (``ARTICLE_ID:START``), earliest first.

        UsageError when no quote has that id.
        """
        article, _, start = quote_id.rpartition(":")
        row = self._quote_row(article, int(start)) if article and start.isdigit() else None
        if row is None:
            raise UsageError(f"no quote {quote_id!r}; quote ids are ARTICLE_ID:START (see `veille quotes`)")
        return list(_quote_sources(self._quote_group(row, self.entity_edits(), {})))

    # events ------------------------------------------------------------------------------------
    def list_events(
        self,
        *,
        type: str | None = None,  # noqa: A002
        entity: str | None = None,
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        story_id: str | None = None,
        article_id: str | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """Return stored events matching every filter given, the latest first (by the day they are dated to).

        ``entity`` is an entity id, name or alias (every entity ``find_entities`` names) among the event's
        arguments, ``place`` the same among its place arguments, a country also matching the places in it;
        arguments are compared by registry id (links, then hand edits). ``since``/``until`` bound the days of
        the event's own resolved time when it is a date, else its article's date (``dated_by`` says which);
        an interval matches when it overlaps. UsageError for a name, article or story that names nothing.
        """
        where: list[str] = []
        params: list[Any] = []
        wanted: set[str] | None = None
        wanted_places: set[str] | None = None
        if type is not None:
            where.append("e.type = ?")
            params.append(type)
        if entity is not None:
            wanted = self._named_ids(entity, "entity")
            where.append(self._argument_clause(len(wanted)))
            params += sorted(wanted) * 2
        if place is not None:
            wanted_places = self._places_within(self._named_ids(place, "place"))
            where.append(self._argument_clause(len(wanted_places), role="place"))
            params += sorted(wanted_places) * 2
        self._scope("e.article_id", article_id, story_id, where, params)
        if since is not None:
            where.append("coalesce(e.last_day, a.published, n.published) >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append(f"{_EVENT_DAY} <= ?")
            params.append(until.isoformat())
        sql = _EVENT_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {_EVENT_DAY} IS NULL, {_EVENT_DAY} DESC, e.article_id, e.start"
        if wanted is None and wanted_places is None:  # no check after the query: SQL can stop at the limit
            sql += " LIMIT ?"
            params.append(limit)
        records = self._event_records(self._rows(sql, params))
        if wanted is not None:
            records = [r for r in records if any(a.entity_id in wanted for a in r.arguments)]
        if wanted_places is not None:
            records = [
                r
                for r in records
                if any(a.role == "place" and a.entity_id in wanted_places for a in r.arguments)
            ]
        return records[:limit]

    def _scope(
        self, column: str, article_id: str | None, story_id: str | None, where: list[str], params: list[Any]
    ) -> None:
        """Add to ``where``/``params`` the clauses keeping ``column`` to one article and/or one story (ids or
        unique prefixes); UsageError when either names nothing."""
        if article_id is not None:
            full = self._resolve("articles", article_id)
            if full is None:
                raise UsageError(f"no article {article_id!r} (see `veille search` or `veille stories`)")
            where.append(f"{column} = ?")
            params.append(full)
        if story_id is not None:
            full = self._resolve("stories", story_id)
            if full is None:
                raise UsageError(f"no story {story_id!r} (see `veille stories`)")
            where.append(f"{column} IN (SELECT article_id FROM story_articles WHERE story_id = ?)")
            params.append(full)

    def _named_ids(self, name: str, what: str) -> set[str]:
        """Return the registry ids ``name`` names (id, name or alias; places only for ``what`` "place");
        UsageError when it names none."""
        found = self.find_entities(name, limit=1000)
        ids = {e.entity_id for e in found if what != "place" or e.type == "LOC"}
        if not ids:
            raise UsageError(f"no {what} named {name!r}; see `veille entities` for names and ids")
        return ids

    @staticmethod
    def _argument_clause(count: int, role: str | None = None) -> str:
        """Return the WHERE clause of events with an argument (of ``role``) whose entity may be one of ``count`` ids.

        Candidates only (the analyser's id, or a mention of it in the registry): checked after the query.
        """
        marks = ",".join("?" * count)
        of_role = " AND g.role = 'place'" if role == "place" else ""
        return (
            "EXISTS (SELECT 1 FROM event_arguments g WHERE g.article_id = e.article_id AND g.event_start = e.start"
            f"{of_role} AND (g.entity_id IN ({marks}) OR EXISTS (SELECT 1 FROM mentions m"
            f" WHERE m.article_id = g.article_id AND m.entity_id = g.entity_id AND m.eid IN ({marks}))))"
        )

    def _places_within(self, ids: set[str]) -> set[str]:
        """Return ``ids`` and, for those that are countries, the registry ids of the places located in them."""
        countries = sorted(
            {
                p.country
                for p in self._registry_places(sorted(ids)).values()
                if p.kind == "country" and p.country
            }
        )
        found = set(ids)
        if countries:
            rows = self._rows(
                "SELECT DISTINCT m.eid FROM entity_places p JOIN mentions m ON m.article_id = p.article_id"
                f" AND m.entity_id = p.entity_id WHERE p.country IN ({','.join('?' * len(countries))})",
                countries,
            )
            inside = {r["eid"] for r in rows}
            found |= {
                ident for ident, p in self._registry_places(sorted(inside)).items() if p.country in countries
            }
        return found

    def _event_records(self, rows: Sequence[sqlite3.Row]) -> list[EventRecord]:
        """Return the EventRecords of event rows, arguments read with their registry ids and names."""
        wanted = {(r["article_id"], r["start"]) for r in rows}
        edits = self.entity_edits()
        arguments: dict[tuple[str, int], list[tuple[sqlite3.Row, str | None]]] = {}
        for chunk in _chunks(sorted({r["article_id"] for r in rows})):
            for g in self._rows(
                "SELECT g.*, (SELECT m.lid FROM mentions m WHERE m.article_id = g.article_id"
                " AND m.entity_id = g.entity_id LIMIT 1) AS lid FROM event_arguments g"
                f" WHERE g.article_id IN ({','.join('?' * len(chunk))}) ORDER BY g.article_id, g.event_start, g.position",
                chunk,
            ):
                key = (g["article_id"], g["event_start"])
                if key not in wanted:
                    continue
                eid = (
                    resolve_entity_id(edits, g["lid"] or g["entity_id"], g["text"], g["article_id"])
                    if g["entity_id"] is not None
                    else None
                )
                arguments.setdefault(key, []).append((g, eid))
        names = self._best_names(sorted({eid for found in arguments.values() for _, eid in found if eid}))
        names.update(self._entity_names(edits))
        records = []
        for r in rows:
            args = tuple(
                EventArgumentRecord(
                    role=g["role"],
                    text=g["text"],
                    start=g["start"],
                    end=g["end"],
                    entity_id=eid,
                    name=names.get(eid) if eid is not None else None,
                )
                for g, eid in arguments.get((r["article_id"], r["start"]), [])
            )
            day = codec.parse_date(r["day"])
            dated_by: str | None = "time"
            first, last = codec.parse_date(r["first_day"]), codec.parse_date(r["last_day"])
            if first is None:
                first, last, dated_by = day, day, ("article" if day is not None else None)
            records.append(
                EventRecord(
                    event_id=f"{r['article_id']}:{r['start']}",
                    article_id=r["article_id"],
                    outlet=r["outlet"],
                    title=r["title"],
                    published=day,
                    type=r["type"],
                    trigger=r["trigger"],
                    start=r["start"],
                    end=r["end"],
                    time=r["time"],
                    modality=r["modality"],
                    arguments=args,
                    first_day=first,
                    last_day=last,
                    dated_by=dated_by,
                )
            )
        return records

    def story_events(
        self,
        story_id: str,
        *,
        type: str | None = None,  # noqa: A002
        entity: str | None = None,
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        article_id: str | None = None,
        limit: int = 100,
    ) -> list[StoryEvent]:
        """Return a story's events, one per event however many articles tell it, the most-sourced first.

        Same-event decisions are veille.understand.event_groups's; articles the store knows as duplicates of
        each other count as one source. The filters (as ``list_events``) keep the merged events with at least
        one report matching them all. UsageError for an unknown story or a name that names nothing.
        """

        full = self._resolve("stories", story_id)
        if full is None:
            raise UsageError(f"no story {story_id!r} (see `veille stories`)")
        records = self.list_events(story_id=full, type=type, limit=_ALL)
        records.sort(key=lambda r: (r.published is None, r.published or date.min, r.article_id, r.start))
        within = self._containing_places(
            sorted({a.entity_id for r in records for a in r.arguments if a.role == "place" and a.entity_id})
        )
        samples = [
            EventSample(
                type=r.type,
                modality=r.modality,
                participants=frozenset(
                    a.entity_id for a in r.arguments if a.role in PARTICIPANT_ROLES and a.entity_id
                ),
                places={
                    a.entity_id: within[a.entity_id] for a in r.arguments if a.role == "place" and a.entity_id
                },
                time=r.time,
                source=r.article_id,
            )
            for r in records
        ]
        source_of = self._source_keys(sorted({r.article_id for r in records}))
        merged = [
            _story_event(full, [records[i] for i in group], source_of, within)
            for group in group_events(samples)
        ]
        if any(v is not None for v in (entity, place, since, until, article_id)):
            matching = {
                r.event_id
                for r in self.list_events(
                    story_id=full,
                    type=type,
                    entity=entity,
                    place=place,
                    since=since,
                    until=until,
                    article_id=article_id,
                    limit=_ALL,
                )
            }
            merged = [m for m in merged if matching & set(m.events)]
        merged.sort(key=lambda m: (-len(m.sources), m.sources[0].published or date.max, m.event_id))
        return merged[:limit]

    def _containing_places(self, ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """Return, per place id, the ids among ``ids`` that contain it (the country of a city)."""
        facts = self._registry_places(ids)
        countries = {p.country: ident for ident, p in facts.items() if p.kind == "country" and p.country}
        within: dict[str, frozenset[str]] = {}
        for ident in ids:
            country = facts[ident].country if ident in facts else None
            outer = countries.get(country) if country is not None else None
            within[ident] = frozenset({outer}) if outer is not None and outer != ident else frozenset()
        return within

    def _source_keys(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Return, per article, the article standing for its source: copies the store links count as one
        (``group.copies.copy_groups``: also two copies linked only through a third article)."""
        links: list[tuple[str, str]] = []
        for chunk in _chunks(list(article_ids)):
            marks = ",".join("?" * len(chunk))
            links += [
                (row["article_id"], row["other_id"])
                for row in self._rows(
                    f"SELECT article_id, other_id FROM duplicates WHERE article_id IN ({marks})"
                    f" OR other_id IN ({marks})",
                    [*chunk, *chunk],
                )
            ]
        key = {
            a: first
            for first, members in copy_groups(links, within=set(article_ids)).items()
            for a in members
        }
        return {a: key.get(a, a) for a in article_ids}

    # grouping ----------------------------------------------------------------------------------
    def put_story(self, story: Story) -> None:
        """Insert or replace a story and exactly its membership; articles moved here leave their old story.

        A story left without articles is deleted; a story whose membership changed loses its comparison.
        StoreError when an article is unknown.
        """
        members = list(dict.fromkeys(story.articles))
        with self.transaction():
            before = {
                r[0] for r in self._x("SELECT article_id FROM story_articles WHERE story_id = ?", (story.id,))
            }
            self._x(
                "INSERT INTO stories (id, label, grouper, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET label = excluded.label, grouper = excluded.grouper,"
                " first_seen = excluded.first_seen, last_seen = excluded.last_seen",
                (story.id, story.label, story.grouper, _iso(story.first_seen), _iso(story.last_seen)),
            )
            if before != set(members):
                self._x("DELETE FROM comparisons WHERE story_id = ?", (story.id,))
            self._x("DELETE FROM story_articles WHERE story_id = ?", (story.id,))
            self._drop_membership(members)  # moved from another story
            self._conn.executemany(
                "INSERT INTO story_articles (story_id, article_id, grouper) VALUES (?, ?, ?)",
                [(story.id, a, story.grouper) for a in members],
            )
            if not members:
                self._x("DELETE FROM stories WHERE id = ?", (story.id,))

    def delete_story(self, story_id: str) -> None:
        """Remove a story, its membership and its comparison (its articles become ungrouped)."""
        with self.transaction():
            self._x("DELETE FROM stories WHERE id = ?", (story_id,))

    def _story(self, row: sqlite3.Row, *, with_sources: bool = True) -> Story:
        members = self._rows(
            "SELECT a.id, a.outlet, a.published FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " WHERE s.story_id = ? ORDER BY a.published IS NULL, a.published, a.id",
            (row["id"],),
        )
        dates = [m["published"] for m in members if m["published"]]
        return Story(
            id=row["id"],
            label=row["label"],
            articles=tuple(m["id"] for m in members),
            outlets=tuple(sorted({m["outlet"] for m in members if m["outlet"]})),
            first_seen=codec.parse_date(min(dates) if dates else row["first_seen"]),
            last_seen=codec.parse_date(max(dates) if dates else row["last_seen"]),
            grouper=row["grouper"],
            sources=len(set(self._source_keys([m["id"] for m in members]).values()))
            if with_sources
            else None,
        )

    def get_story(self, story_id: str) -> Story | None:
        """Return a story by id or unique prefix (≥ 6 chars), or None; UsageError when the prefix is ambiguous."""
        full = self._resolve("stories", story_id)
        if full is None:
            return None
        row = self._one("SELECT * FROM stories WHERE id = ?", (full,))
        return self._story(row) if row is not None else None

    def story_of(self, article_id: str) -> Story | None:
        """Return the story an article belongs to, or None."""
        row = self._one(
            "SELECT s.* FROM stories s JOIN story_articles m ON m.story_id = s.id WHERE m.article_id = ?",
            (article_id,),
        )
        return self._story(row) if row is not None else None

    def list_stories(
        self,
        *,
        min_articles: int = 1,
        limit: int = 100,
        since: date | None = None,
        until: date | None = None,
        entity: str | None = None,
        outlet: str | None = None,
        with_sources: bool = True,
    ) -> list[Story]:
        """Return stories with at least ``min_articles`` articles, the largest first (then the most recent).

        ``with_sources=False`` leaves ``Story.sources`` None and saves a query per story (for the grouper, which
        reads every story on each run).

        ``since``/``until``: stories whose dates (their articles' publication dates) reach into the range;
        ``entity``: an entity id, name or alias (as ``find_entities``) one of its articles mentions, compared by
        registry id; ``outlet``: a substring of the outlet of one of its articles (accents and case ignored).
        UsageError for an entity that names nothing or a blank outlet.
        """
        if outlet is not None and not _fold(outlet):
            raise UsageError("--outlet needs some words of an outlet's name")
        where: list[str] = []
        params: list[Any] = []
        if entity is not None:
            ids = sorted(self._named_ids(entity, "entity"))
            where.append(
                "s.id IN (SELECT sa.story_id FROM story_articles sa JOIN mentions mm ON mm.article_id ="
                f" sa.article_id WHERE mm.eid IN ({','.join('?' * len(ids))}))"
            )
            params += ids
        if outlet is not None:
            where.append(
                "s.id IN (SELECT sa.story_id FROM story_articles sa JOIN articles oa ON oa.id = sa.article_id"
                " WHERE instr(fold_text(oa.outlet), ?) > 0)"
            )
            params.append(_fold(outlet))
        having = ["size >= ?"]
        having_params: list[Any] = [min_articles]
        if since is not None:
            having.append("coalesce(max(a.published), s.last_seen) >= ?")
            having_params.append(since.isoformat())
        if until is not None:
            having.append("coalesce(min(a.published), s.first_seen) <= ?")
            having_params.append(until.isoformat())
        rows = self._rows(
            "SELECT s.*, count(m.article_id) AS size, max(a.published) AS latest FROM stories s"
            " JOIN story_articles m ON m.story_id = s.id JOIN articles a ON a.id = m.article_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY s.id HAVING "
            + " AND ".join(having)
            + " ORDER BY size DESC, latest DESC, s.id LIMIT ?",
            (*params, *having_params, limit),
        )
        return [self._story(row, with_sources=with_sources) for row in rows]

    def story_entities(self, story_id: str, *, limit: int = 10) -> list[StoryEntity]:
        """Return a story's main entities (registry ids): in the most of its articles first, then the most
        mentioned; UsageError for a story that names nothing."""
        full = self._resolve("stories", story_id)
        if full is None:
            raise UsageError(f"no story {story_id!r} (see `veille stories`)")
        rows = self._rows(
            "SELECT m.eid, max(m.type) AS type, count(DISTINCT m.article_id) AS articles, count(m.text) AS mentions"
            " FROM story_articles sa JOIN mentions m ON m.article_id = sa.article_id WHERE sa.story_id = ?"
            " GROUP BY m.eid ORDER BY articles DESC, mentions DESC, m.eid LIMIT ?",
            (full, limit),
        )
        names = self._best_names([r["eid"] for r in rows])
        names.update(self._entity_names(self.entity_edits()))
        return [
            StoryEntity(r["eid"], names.get(r["eid"], r["eid"]), r["type"], r["articles"], r["mentions"])
            for r in rows
        ]

    def list_duplicates(
        self,
        *,
        kind: str | None = None,
        article_id: str | None = None,
        story_id: str | None = None,
        limit: int = 100,
    ) -> list[DuplicateRecord]:
        """Return duplicate links (exact, near, syndicated), the most similar first, each with both articles'
        outlet, title and date. ``article_id``/``story_id`` keep the links that touch that article or story.
        UsageError for an article or story that names nothing."""
        where: list[str] = []
        params: list[Any] = []
        if kind is not None:
            where.append("d.kind = ?")
            params.append(kind)
        scope: list[str] = []
        scope_params: list[Any] = []
        self._scope("{side}", article_id, story_id, scope, scope_params)  # resolved once, used for both sides
        if scope:
            both = [" AND ".join(scope).replace("{side}", side) for side in ("d.article_id", "d.other_id")]
            where.append(f"(({both[0]}) OR ({both[1]}))")
            params += scope_params * 2
        rows = self._rows(
            "SELECT d.*, a.outlet AS a_outlet, a.title AS a_title, a.published AS a_published,"
            " o.outlet AS o_outlet, o.title AS o_title, o.published AS o_published FROM duplicates d"
            " JOIN articles a ON a.id = d.article_id JOIN articles o ON o.id = d.other_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY d.similarity DESC, d.article_id, d.other_id LIMIT ?",
            (*params, limit),
        )
        return [
            DuplicateRecord(
                article_id=r["article_id"],
                other_id=r["other_id"],
                kind=r["kind"],
                similarity=r["similarity"],
                outlet=r["a_outlet"],
                title=r["a_title"],
                published=codec.parse_date(r["a_published"]),
                other_outlet=r["o_outlet"],
                other_title=r["o_title"],
                other_published=codec.parse_date(r["o_published"]),
            )
            for r in rows
        ]

    def add_duplicates(self, links: Iterable[DuplicateLink]) -> None:
        """Record duplicate links (idempotent: a known pair is updated); StoreError when an article is unknown."""
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO duplicates (article_id, other_id, kind, similarity) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (article_id, other_id) DO UPDATE SET kind = excluded.kind,"
                " similarity = excluded.similarity",
                [(link.article_id, link.other_id, link.kind, link.similarity) for link in links],
            )

    def duplicates_of(self, article_id: str) -> list[DuplicateLink]:
        """Return the duplicate links that involve this article, the most similar first."""
        rows = self._rows(
            "SELECT * FROM duplicates WHERE article_id = ? OR other_id = ?"
            " ORDER BY similarity DESC, article_id, other_id",
            (article_id, article_id),
        )
        return [codec.duplicate_from_json(dict(r)) for r in rows]

    def put_comparison(self, comparison: Comparison) -> None:
        """Insert or replace the comparison of a story; StoreError when the story is unknown."""
        with self.transaction():
            self._x(
                "INSERT INTO comparisons (story_id, comparer, payload) VALUES (?, ?, ?)"
                " ON CONFLICT (story_id) DO UPDATE SET comparer = excluded.comparer, payload = excluded.payload",
                (comparison.story_id, comparison.comparer, codec.dumps(comparison)),
            )

    def get_comparison(self, story_id: str) -> Comparison | None:
        """Return the stored comparison of a story, or None."""
        row = self._one("SELECT payload FROM comparisons WHERE story_id = ?", (story_id,))
        return codec.comparison_from_json(json.loads(row["payload"])) if row is not None else None

    # per-outlet line statistics ------------------------------------------------------------------
    def record_outlet_lines(self, outlet: str, content_id: str, line_hashes: Iterable[str]) -> None:
        """Record that this document of this outlet shows these lines (idempotent)."""
        rows = [(outlet, line_hash, content_id) for line_hash in set(line_hashes)]
        with self.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO outlet_lines (outlet, line_hash, content_id) VALUES (?, ?, ?)", rows
            )

    def outlet_line_pages(
        self, outlet: str, line_hashes: Sequence[str], *, exclude: str | None = None
    ) -> dict[str, int]:
        """Return, for each line hash seen on the outlet's other documents, on how many of them (``exclude``: this one)."""
        counts: dict[str, int] = {}
        hashes = sorted(set(line_hashes))
        for chunk in _chunks(hashes):
            rows = self._rows(
                "SELECT line_hash, COUNT(*) AS pages FROM outlet_lines WHERE outlet = ?"
                f" AND line_hash IN ({','.join('?' * len(chunk))}) AND content_id != ? GROUP BY line_hash",
                [outlet, *chunk, exclude or ""],
            )
            counts.update({row["line_hash"]: int(row["pages"]) for row in rows})
        return counts

    # failures, search, stats -------------------------------------------------------------------
    def add_failure(self, failure: Failure) -> None:
        """Record that an item failed a stage; a new failure replaces the item's earlier one at that stage and version."""
        with self.transaction():
            self._x(
                "DELETE FROM failures WHERE item_id = ? AND stage = ? AND version = ?",
                (failure.item_id, failure.stage, failure.version),
            )
            self._x(
                "INSERT INTO failures (item_id, stage, code, message, version, source, time, time_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    failure.item_id,
                    failure.stage,
                    failure.code,
                    failure.message,
                    failure.version,
                    failure.source,
                    failure.time.isoformat(),
                    _utc_key(failure.time),
                ),
            )

    def clear_failures(self, stage: str, item_id: str) -> None:
        """Forget the failures of one item at one stage (after it succeeds)."""
        with self.transaction():
            self._x("DELETE FROM failures WHERE stage = ? AND item_id = ?", (stage, item_id))

    def list_failures(self, *, stage: str | None = None) -> list[Failure]:
        """Return recorded failures, newest first, optionally of one stage."""
        where, params = ("WHERE stage = ?", (stage,)) if stage is not None else ("", ())
        rows = self._rows(f"SELECT * FROM failures {where} ORDER BY time_key DESC, id DESC", params)
        return [codec.failure_from_json(dict(r)) for r in rows]

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Return the articles matching every word of ``query`` (accents and case ignored), best first.

        Any user text is safe (words are quoted); a query without any word returns [].
        """
        match = fts_query(query)
        if not match:
            return []
        rows = self._rows(
            "SELECT f.article_id, a.title, a.outlet,"
            " snippet(articles_fts, -1, ?, ?, '…', 16) AS snippet, bm25(articles_fts) AS rank"
            " FROM articles_fts f JOIN articles a ON a.id = f.article_id"
            " WHERE articles_fts MATCH ? ORDER BY rank, f.article_id LIMIT ?",
            (*SNIPPET_MARK, match, limit),
        )
        return [
            SearchHit(
                article_id=r["article_id"],
                title=r["title"],
                outlet=r["outlet"],
                snippet=r["snippet"],
                rank=r["rank"],
            )
            for r in rows
        ]

    def counts(self) -> dict[str, int]:
        """Return how many documents, articles, analyses, entities, stories and failures are stored."""
        row = self._one(
            "SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM articles) AS articles,"
            " (SELECT count(*) FROM analyses) AS analyses,"
            " (SELECT count(DISTINCT eid) FROM mentions) AS entities,"
            " (SELECT count(*) FROM stories) AS stories, (SELECT count(*) FROM failures) AS failures"
        )
        assert row is not None  # a SELECT without FROM always returns one row
        return {key: int(value) for key, value in dict(row).items()}

    def close(self) -> None:
        """Release the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quote_sources(members: Sequence[sqlite3.Row]) -> tuple[QuoteSource, ...]:
    """Return one source per article among a quote group's rows (already earliest first)."""
    sources: dict[str, QuoteSource] = {}
    for r in members:
        sources.setdefault(
            r["article_id"],
            QuoteSource(
                article_id=r["article_id"],
                outlet=r["outlet"],
                published=codec.parse_date(r["day"]),
                quote_id=f"{r['article_id']}:{r['start']}",
            ),
        )
    return tuple(sources.values())


def _story_event(
    story_id: str,
    members: Sequence[EventRecord],
    source_of: Mapping[str, str],
    within: Mapping[str, frozenset[str]],
) -> StoryEvent:
    """Return one merged event from its reports (earliest article first): sources, slots, conflicts."""

    # the most detailed report (most slots filled) stands for the event; the earliest on a tie
    head = min(members, key=lambda r: -(len({a.role for a in r.arguments}) + (r.time is not None)))
    by_source: dict[str, list[EventRecord]] = {}
    for r in members:
        by_source.setdefault(source_of.get(r.article_id, r.article_id), []).append(r)
    sources = []
    for reports in by_source.values():
        articles = list(dict.fromkeys(r.article_id for r in reports))
        sources.append(
            EventSource(
                article_id=articles[0],
                outlet=reports[0].outlet,
                published=reports[0].published,
                event_ids=tuple(r.event_id for r in reports),
                copies=tuple(articles[1:]),
            )
        )
    # role -> value -> (name, entity id, articles); role -> source -> values
    values: dict[str, dict[str, tuple[str, str | None, list[str]]]] = {}
    given: dict[str, dict[str, set[str]]] = {}

    def add(role: str, value: str, name: str, entity_id: str | None, article: str) -> None:
        _, _, articles = values.setdefault(role, {}).setdefault(value, (name, entity_id, []))
        if article not in articles:
            articles.append(article)
        per_source = given.setdefault(role, {}).setdefault(source_of.get(article, article), set())
        # participants and places are compared by registry id: unlinked words ("la femme") may be anyone
        if entity_id is not None or role not in _ENTITY_SLOTS:
            per_source.add(value)

    for r in members:
        for a in r.arguments:
            if a.entity_id is not None:
                add(a.role, a.entity_id, a.name or a.text, a.entity_id, r.article_id)
            else:
                add(a.role, _fold(a.text), a.text, None, r.article_id)
        if r.time is not None:
            add("time", r.time, r.time, None, r.article_id)
        add("modality", r.modality, r.modality, None, r.article_id)
    roles = [role for role in _SLOT_ORDER if role in values] + sorted(set(values) - set(_SLOT_ORDER))
    slots = tuple(
        EventSlot(
            role=role,
            values=tuple(
                SlotValue(value=value, name=name, entity_id=entity_id, articles=tuple(articles))
                for value, (name, entity_id, articles) in values[role].items()
            ),
            is_conflict=values_conflict(role, {k: frozenset(v) for k, v in given[role].items()}, within),
        )
        for role in roles
    )
    return StoryEvent(
        event_id=head.event_id,
        story_id=story_id,
        type=head.type,
        trigger=head.trigger,
        sources=tuple(sources),
        slots=slots,
        events=tuple(r.event_id for r in members),
        conflicts=tuple(slot.role for slot in slots if slot.is_conflict),
    )


def _fold_offices(offices: list[Office]) -> list[Office]:
    """Drop an office seen without country or organisation when the same function is also seen with one
    ("chef de la diplomatie" in one article, "homologue malien" in another); the kept one takes the
    earlier date."""
    out: list[Office] = []
    for office in offices:
        if office.country is None and office.org is None:
            fuller = [o for o in offices if o.function == office.function and (o.country or o.org)]
            if fuller:
                continue
        bare = [
            o.since
            for o in offices
            if o.function == office.function and o.country is None and o.org is None and o.since is not None
        ]
        if bare and office.since is not None and min(bare) < office.since:
            office = replace(office, since=min(bare))
        out.append(office)
    return out
