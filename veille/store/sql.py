"""The Store on SQLite or PostgreSQL: one class, the tables of ``schema.py``, portable SQL through ``engine``.

One connection per store object (``engine.Database``), shared by threads under a lock; every write runs
inside a transaction (``with store.transaction():`` batches many writes into one). The entity registry and
story outlets/dates are derived by queries, never counted incrementally, so replacing an analysis or moving
an article never leaves stale figures. Only full-text search (FTS5 / tsvector) and a byte-length function
differ by dialect; names and texts are compared through the ``*_cf``/``*_fold`` columns written here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import CursorResult, RowMapping

from veille.errors import StoreError, UsageError
from veille.model import (
    Alert,
    Analysis,
    Article,
    ArticleName,
    ArticleTie,
    Comparison,
    Document,
    DuplicateLink,
    DuplicateRecord,
    EntityEdit,
    EntityKey,
    Event,
    EventArgumentRecord,
    EventRecord,
    Failure,
    FeedState,
    Link,
    NameNode,
    Office,
    OfficeKey,
    Place,
    QuoteRecord,
    RegistryEntity,
    SearchHit,
    Source,
    SourceActivity,
    SourceFeed,
    Story,
    StoryEntity,
    SurnameUse,
    UnknownOutlet,
    Watch,
    WatchEntry,
    apply_entity_edits,
    resolve_entity_id,
    time_interval,
)
from veille.sources.domains import article_domain, registered_domain
from veille.store import codec, migrate
from veille.store.engine import Database, Params, _bind, _statement
from veille.text import fold as _fold

logger = logging.getLogger(__name__)

STAGES = ("extract", "understand", "link", "group")
MIN_PREFIX = 6
SNIPPET_MARK = ("**", "**")  # around matched words in search snippets; plain text, safe in a terminal
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
_PAGE = 500  # rows per page of a scan of a whole table (``iter_articles()``)
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTEXT_ARTICLES = 50  # articles of a person read for co-occurring entities
_COMPOUND = 200  # SELECTs per UNION ALL, under SQLite's limit of 500
_PERSON = "PER"
# ORDER BY term of a registry name: the names of entities named in some article before those only described
_NAMED_FIRST = "max(CASE WHEN kind = 'description' THEN 0 ELSE 1 END) DESC"
_SURNAME_STATE = "surname:"  # states key prefix of the link step's one-word names (put_surname_states)
_T = TypeVar("_T")
#: Per-article contributions to entity_counts (added when an analysis is stored, taken off when it goes).
COUNT_ENTITIES: dict[str, str] = {
    "articles": "SELECT entity_id, 'article' AS kind, '' AS value, '' AS detail, 1 AS n FROM mentions"
    " WHERE article_id = :article GROUP BY entity_id",
    "names": "SELECT entity_id, 'name' AS kind, name AS value, type AS detail, count(*) AS n FROM mentions"
    " WHERE article_id = :article GROUP BY entity_id, name, type",
    "aliases": "SELECT entity_id, 'alias' AS kind, text AS value, '' AS detail, count(*) AS n FROM mentions"
    " WHERE article_id = :article AND kind = 'name' AND text IS NOT NULL GROUP BY entity_id, text",
    "offices": "SELECT entity_id, 'office' AS kind, function AS value, coalesce(country, '') AS detail,"
    " count(*) AS n FROM entity_offices WHERE article_id = :article GROUP BY entity_id, function, coalesce(country, '')",
    "countries": "SELECT entity_id, 'country' AS kind, country AS value, '' AS detail, count(*) AS n"
    " FROM entity_places WHERE article_id = :article AND country IS NOT NULL GROUP BY entity_id, country",
    "keys": "SELECT entity_id, 'key' AS kind, key AS value, type AS detail, count(*) AS n FROM entity_keys"
    " WHERE article_id = :article GROUP BY entity_id, key, type",
    # a one-word person name (key 'p1:WORD') and the full names holding WORD ('p:WORD') in the same article
    "near": "SELECT s.entity_id, 'near' AS kind, f.entity_id AS value, '' AS detail, count(*) AS n"
    " FROM entity_keys s JOIN entity_keys f ON f.article_id = s.article_id AND f.key = 'p:' || substr(s.key, 4)"
    " WHERE s.article_id = :article AND substr(s.key, 1, 3) = 'p1:' GROUP BY s.entity_id, f.entity_id",
}
#: The parts the link step writes (``put_entity_keys``); the others are written with the analysis.
LINK_COUNTS = ("keys", "near")

#: The same counts over every stored article (the same as migration r0002 runs; a test checks the incremental counts against it).
REBUILD_ENTITY_COUNTS = """
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
    WHERE substr(s.key, 1, 3) = 'p1:' GROUP BY s.entity_id, f.entity_id;
"""

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


def _cf(text: str | None) -> str | None:
    """``text`` casefolded, for the ``*_cf`` columns (None stays None)."""
    return text.casefold() if text is not None else None


def _folded(text: str | None) -> str | None:
    """``text`` folded (``veille.text.fold``), for the ``*_fold`` columns (None stays None)."""
    return _fold(text) if text is not None else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _chunks(ids: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _alias_reason(row: RowMapping) -> str:
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


class _Result:
    """The rows of one statement run inside a transaction, read like a DB-API cursor (``fetchone``, ``rowcount``)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, result: CursorResult[Any]) -> None:
        self._rows: list[RowMapping] = list(result.mappings()) if result.returns_rows else []
        self.rowcount = int(result.rowcount)

    def fetchone(self) -> RowMapping | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[RowMapping]:
        return self._rows

    def __iter__(self) -> Iterator[RowMapping]:
        return iter(self._rows)


class SQLStore:
    """The store on one SQLite file or PostgreSQL database; StoreError when it cannot be opened or written."""

    def __init__(self, url: str) -> None:
        self._db = Database(url)
        self.url = url
        self.path = self._db.label
        self.dialect = self._db.dialect
        try:
            migrate.upgrade(self._db.conn, self._db.label)
        except BaseException:
            self._db.close()
            raise
        # the byte length of a name: on a tie of counts, the spelling that keeps its diacritics wins
        self._bytes = "octet_length({})" if self.dialect == "postgresql" else "length(CAST({} AS BLOB))"

    # plumbing ----------------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """Run the enclosed writes as one transaction (nested uses join the outer one); roll back on error."""
        return self._db.transaction()

    def _rows(self, sql: str, params: Params = ()) -> list[RowMapping]:
        return self._db.rows(sql, params)

    def _one(self, sql: str, params: Params = ()) -> RowMapping | None:
        return self._db.one(sql, params)

    def _x(self, sql: str, params: Params = ()) -> _Result:
        # only called inside transaction(), so errors are turned into StoreError there
        return _Result(self._db.conn.execute(_statement(sql), _bind(params)))

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
                "INSERT INTO documents (id, raw, media_type, source, container, received,"
                " received_key, record_id, url, hints, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " (SELECT coalesce(max(seq), 0) + 1 FROM documents)) ON CONFLICT DO NOTHING",
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
        for row in self._rows("SELECT id FROM documents ORDER BY received_key, seq"):
            yield row["id"]

    # stage bookkeeping -------------------------------------------------------------------------
    def pending(self, stage: str, version: str, *, retry_failed: bool = False) -> list[str]:
        """Return the item ids the stage must (re)process at ``version``, oldest document first.

        extract: documents without an article by ``version`` and without an ingest failure;
        understand / group: articles without an analysis / story membership by ``version``;
        link: analysed articles whose names were linked by another linker version, or never;
        compare: stories without a comparison by ``version`` (a changed membership deletes a comparison).
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
                + " ORDER BY d.received_key, d.seq"
            )
        elif stage == "understand":
            sql = (
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.content_id"
                " WHERE NOT EXISTS (SELECT 1 FROM analyses n WHERE n.article_id = a.id AND n.analyzer = :version)"
                + failed.format(item="a.id")
                + " ORDER BY d.received_key, d.seq, a.id"
            )
        elif stage == "link":
            sql = (
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.content_id"
                " JOIN analyses n ON n.article_id = a.id"
                # two ranges and NULL, not "<>": the linker index finds the few pending rows in a big store
                " WHERE (n.linker IS NULL OR n.linker < :version OR n.linker > :version)"
                + failed.format(item="a.id")
                + " ORDER BY d.received_key, d.seq, a.id"
            )
        elif stage == "group":
            sql = (
                "SELECT a.id FROM articles a JOIN documents d ON d.id = a.content_id"
                " JOIN analyses n ON n.article_id = a.id"
                " WHERE NOT EXISTS (SELECT 1 FROM story_articles s WHERE s.article_id = a.id"
                " AND s.grouper = :version)"
                + failed.format(item="a.id")
                + " ORDER BY d.received_key, d.seq, a.id"
            )
        elif stage == "compare":
            sql = (
                "SELECT s.id FROM stories s WHERE NOT EXISTS (SELECT 1 FROM comparisons c"
                " WHERE c.story_id = s.id AND c.comparer = :version)"
                + failed.format(item="s.id")
                + " ORDER BY s.id"
            )
        else:
            raise UsageError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        return [row["id"] for row in self._rows(sql, params)]

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
            folded = _folded(article.outlet)
            old = self._x("SELECT * FROM articles WHERE id = ?", (article.id,)).fetchone()
            if old is not None and all(old[k] == values[k] for k in _CONTENT_FIELDS):
                self._x("UPDATE articles SET extractor = ? WHERE id = ?", (article.extractor, article.id))
                return
            if old is not None:
                logger.debug("article %s changed: dropping its analysis and story membership", article.id)
                self._drop_analysis(article.id)
                self._drop_membership([article.id])
                self._x(
                    "DELETE FROM duplicates WHERE article_id = ? OR other_id = ?", (article.id, article.id)
                )
                self._x("DELETE FROM articles_fts WHERE article_id = ?", (article.id,))
                sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
                self._x(
                    f"UPDATE articles SET {sets}, outlet_fold = :outlet_fold, domain = :domain WHERE id = :id",
                    {**values, "outlet_fold": folded, "domain": article_domain(article.url, article.outlet)},
                )
            else:
                row = {**values, "outlet_fold": folded, "domain": article_domain(article.url, article.outlet)}
                cols = ", ".join(row)
                self._x(f"INSERT INTO articles ({cols}) VALUES ({', '.join(':' + k for k in row)})", row)
            self._x(
                "INSERT INTO articles_fts (article_id, title, text) VALUES (?, ?, ?)",
                (article.id, article.title or "", article.text),
            )

    def _drop_analysis(self, article_id: str) -> None:
        """Delete an article's analysis and what derives from it, keeping the per-entity counts right.

        The seed keys the link step stored for its names go to ``link_queue``, so the next link step decides
        again the names that were linked because of this article.
        """
        self._count_entities(article_id, -1, COUNT_ENTITIES)
        self._x(
            "INSERT INTO link_queue (key) SELECT key FROM link_seeds WHERE article_id = ? ON CONFLICT DO NOTHING",
            (article_id,),
        )
        self._x("DELETE FROM link_seeds WHERE article_id = ?", (article_id,))
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

    def _count_entities(self, article_ids: str | Sequence[str], sign: int, parts: Mapping[str, str]) -> None:
        """Add (``sign`` 1) or remove (-1) articles' rows to/from the per-entity counts (``entity_counts``).

        ``parts`` are SELECTs of (entity_id, kind, value, detail, n) over an article's rows (``COUNT_ENTITIES``),
        summed over the articles (several only for parts whose counts add up: ``LINK_COUNTS``); rows brought
        to zero are deleted.
        """
        ids = [article_ids] if isinstance(article_ids, str) else list(article_ids)
        marks = ", ".join(f":a{i}" for i in range(len(ids)))
        params: dict[str, Any] = {f"a{i}": ident for i, ident in enumerate(ids)}
        union = " UNION ALL ".join(
            f"SELECT * FROM ({sql.replace('= :article', f'IN ({marks})')}) AS part{i}"
            for i, sql in enumerate(parts.values())
        )
        self._x(
            "INSERT INTO entity_counts (entity_id, kind, value, detail, n)"
            f" SELECT entity_id, kind, value, detail, :sign * n FROM ({union}) AS counted WHERE true"
            " ON CONFLICT (entity_id, kind, value, detail) DO UPDATE SET n = entity_counts.n + excluded.n",
            {**params, "sign": sign},
        )
        if sign < 0:
            self._x(
                "DELETE FROM entity_counts WHERE n <= 0 AND entity_id IN"
                f" (SELECT DISTINCT entity_id FROM mentions WHERE article_id IN ({marks}))",
                params,
            )

    def _drop_membership(self, article_ids: Sequence[str]) -> None:
        """Remove these articles from their stories; a story left empty is deleted, a changed one loses its comparison."""
        for chunk in _chunks(list(article_ids)):
            marks = ",".join("?" * len(chunk))
            touched = [
                r["story_id"]
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
    def _article(row: RowMapping) -> Article:
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
        if ids is None:  # a page at a time (keyset), so memory does not grow with the corpus
            after: tuple[str, int, str] | None = None
            while True:
                rows = self._rows(
                    "SELECT a.*, d.received_key AS page_key, d.seq AS page_seq FROM articles a"
                    " JOIN documents d ON d.id = a.content_id"
                    + ("" if after is None else " WHERE (d.received_key, d.seq, a.id) > (?, ?, ?)")
                    + f" ORDER BY d.received_key, d.seq, a.id LIMIT {_PAGE}",
                    () if after is None else after,
                )
                for row in rows:
                    yield codec.article_from_json({k: v for k, v in row.items() if not k.startswith("page_")})
                if len(rows) < _PAGE:
                    return
                last = rows[-1]
                after = (last["page_key"], last["page_seq"], last["id"])
        ids = list(ids)
        for chunk in _chunks(ids):
            rows = self._rows(f"SELECT * FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found = {row["id"]: row for row in rows}
            for ident in chunk:
                if ident in found:
                    yield self._article(found[ident])

    def list_articles(
        self,
        *,
        outlet: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Article]:
        """Return articles, the latest published first (undated last), from an outlet (words of its name,
        accents and case ignored), published within a date range; ``offset`` skips that many (paging)."""
        if outlet is not None and not _fold(outlet):
            raise UsageError("the outlet filter needs some words of an outlet's name")
        where, params = [], []
        if outlet is not None:
            where.append("outlet_fold LIKE ?")
            params.append(f"%{_fold(outlet)}%")
        if since is not None:
            where.append("published >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("published <= ?")
            params.append(until.isoformat())
        rows = self._rows(
            "SELECT * FROM articles"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY published IS NULL, published DESC, id LIMIT ? OFFSET ?",
            (*params, limit, max(0, offset)),
        )
        return [self._article(row) for row in rows]

    # analyses ----------------------------------------------------------------------------------
    def put_analysis(self, analysis: Analysis, published: str | None = None) -> None:
        """Insert or replace an article's analysis and its rows: mentions, offices, places, quotes, events.

        Mentions take the stored cross-article link of their name (``entity_links``, article '') and then the
        hand edits; the link step decides the links again (the article is pending ``link`` until it has). An
        unchanged payload only updates ``analyzer`` and keeps story membership and links; a changed one drops
        the membership and queues the seed keys of the names it replaced. ``published`` dates the registry when
        the article has no date. StoreError when the article is unknown.
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
            if old is not None:
                self._drop_membership([article])
            # also clears rows left by a hand deletion of the analysis (keys, offices, places, links)
            self._drop_analysis(article)
            self._x(
                "INSERT INTO analyses (article_id, language, analyzer, published, payload) VALUES (?, ?, ?, ?, ?)",
                (article, analysis.language, analysis.analyzer, published, payload),
            )
            edits = self.entity_edits()
            linked = self._global_links(sorted({ent.entity_id for ent in analysis.entities}))
            mentions: list[tuple[Any, ...]] = []
            for ent in analysis.entities:
                base = (article, ent.entity_id, ent.name, ent.type)
                lid = linked.get(ent.entity_id, ent.entity_id)
                if not ent.mentions:
                    eid = resolve_entity_id(edits, lid, None, article)
                    mentions.append((*base, None, None, None, lid, eid, "name", "", _cf(ent.name), None))
                mentions.extend(
                    (
                        *base,
                        m.text,
                        m.start,
                        m.end,
                        lid,
                        resolve_entity_id(edits, lid, m.text, article),
                        m.kind,
                        m.reason,
                        _cf(ent.name),
                        _cf(m.text),
                    )
                    for m in ent.mentions
                )
            self._db.execute_many(
                'INSERT INTO mentions (article_id, entity_id, name, type, text, start, "end", lid, eid, kind, reason,'
                " name_cf, text_cf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                mentions,
            )
            self._put_entity_rows(analysis)
            self._db.execute_many(
                'INSERT INTO quotes (article_id, text, start, "end", kind, cue, speaker_name,'
                " speaker_entity_id, speaker_text, text_fold, speaker_name_fold, speaker_text_fold)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        _folded(q.text),
                        _folded(q.speaker.name if q.speaker else None),
                        _folded(q.speaker_text),
                    )
                    for q in analysis.quotes
                ],
            )
            self._put_events(article, analysis.events)
            self._count_entities(
                article, 1, {k: v for k, v in COUNT_ENTITIES.items() if k not in LINK_COUNTS}
            )

    def _global_links(self, entity_ids: Sequence[str]) -> dict[str, str]:
        """Return the stored link target of these analyser ids in every article (``entity_links``, article '')."""
        found: dict[str, str] = {}
        for chunk in _chunks(list(entity_ids)):
            found.update(
                (row["entity_id"], row["target_id"])
                for row in self._x(
                    "SELECT entity_id, target_id FROM entity_links WHERE article_id = ''"
                    f" AND entity_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

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
        self._db.execute_many(
            'INSERT INTO events (article_id, start, "end", type, trigger, time, first_day, last_day, modality)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._db.execute_many(
            'INSERT INTO event_arguments (article_id, event_start, position, role, text, start, "end", entity_id)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments,
        )

    def _put_entity_rows(self, analysis: Analysis) -> None:
        """Store the offices and places an analysis attests (the registry dates and locates entities by them)."""
        article = analysis.article_id
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
        self._db.execute_many(
            'INSERT INTO entity_offices (article_id, entity_id, function, country, org, text, start, "end")'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            offices,
        )
        self._db.execute_many(
            "INSERT INTO entity_places (article_id, entity_id, kind, country, latitude, longitude, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            places,
        )

    def article_names(self, article_ids: Sequence[str]) -> list[ArticleName]:
        """Return the names the stored analyses of these articles hold, one per (article, entity id, name, type),
        with the texts of their name and description mentions and the offices the article attests for them."""
        found: dict[tuple[str, str, str, str], tuple[list[str], list[bool], list[str]]] = {}
        offices: dict[tuple[str, str], list[OfficeKey]] = {}
        for chunk in _chunks(list(dict.fromkeys(article_ids))):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT article_id, entity_id, name, type, text, kind FROM mentions"
                f" WHERE article_id IN ({marks}) ORDER BY article_id, id",
                chunk,
            ):
                texts, seen, described = found.setdefault(
                    (row["article_id"], row["entity_id"], row["name"], row["type"]), ([], [False], [])
                )
                if row["text"] is not None:
                    seen[0] = True
                    (texts if row["kind"] == "name" else described).append(row["text"])
            for row in self._rows(
                "SELECT DISTINCT article_id, entity_id, function, country FROM entity_offices"
                f" WHERE article_id IN ({marks}) ORDER BY article_id, entity_id, function, country",
                chunk,
            ):
                offices.setdefault((row["article_id"], row["entity_id"]), []).append(
                    OfficeKey(row["function"], row["country"])
                )
        return [
            ArticleName(
                article,
                ident,
                name,
                type_,
                tuple(texts),
                seen[0],
                tuple(described),
                tuple(offices.get((article, ident), ())),
            )
            for (article, ident, name, type_), (texts, seen, described) in found.items()
        ]

    def article_days(self, article_ids: Collection[str]) -> dict[str, date | None]:
        """Return each article's day: its publication date, else the date its analysis was stored with."""
        days: dict[str, date | None] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            for row in self._rows(
                "SELECT a.id, coalesce(a.published, n.published) AS day FROM articles a"
                " LEFT JOIN analyses n ON n.article_id = a.id"
                f" WHERE a.id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                days[row["id"]] = codec.parse_date(row["day"])
        return days

    def _wanted_pairs(self, pairs: Collection[tuple[str, str]], select: str) -> Iterator[Any]:
        """Yield the rows of ``select`` over the table ``wanted(article_id, entity_id)`` of these pairs (a VALUES
        list, a chunk at a time)."""
        for chunk in _chunks(sorted(set(pairs))):
            values = ", ".join("(?, ?)" for _ in chunk)
            wanted = f"WITH wanted(article_id, entity_id) AS (VALUES {values}) "
            yield from self._rows(wanted + select, [v for pair in chunk for v in pair])

    def linked_ids(self, uses: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Return the linked id (``lid``) of each (article id, analyser entity id) that has a mention there."""
        rows = self._wanted_pairs(
            uses,
            "SELECT w.article_id, w.entity_id, (SELECT m.lid FROM mentions m WHERE m.article_id = w.article_id"
            " AND m.entity_id = w.entity_id ORDER BY m.id LIMIT 1) AS lid FROM wanted w",
        )
        return {(r["article_id"], r["entity_id"]): r["lid"] for r in rows if r["lid"] is not None}

    def stored_links(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Return the stored link target of each (article id or '', analyser entity id) that has a link."""
        rows = self._wanted_pairs(
            keys,
            "SELECT l.article_id, l.entity_id, l.target_id FROM wanted w JOIN entity_links l"
            " ON l.article_id = w.article_id AND l.entity_id = w.entity_id",
        )
        return {(r["article_id"], r["entity_id"]): r["target_id"] for r in rows}

    def put_entity_keys(self, items: Mapping[str, tuple[Iterable[EntityKey], Iterable[str]]]) -> None:
        """Replace these articles' index keys (and their per-entity counts, 'key' and 'near') and the seed keys
        of their names: article id → (keys, seeds). A few statements per batch of articles, not per article."""
        only_keys = {k: COUNT_ENTITIES[k] for k in LINK_COUNTS}
        given = {article: (list(keys), set(seeds)) for article, (keys, seeds) in items.items()}
        with self.transaction():
            for chunk in _chunks(sorted(given)):
                marks = ",".join("?" * len(chunk))
                self._count_entities(chunk, -1, only_keys)
                self._x(f"DELETE FROM entity_keys WHERE article_id IN ({marks})", chunk)
                self._db.execute_many(
                    "INSERT INTO entity_keys (key, entity_id, article_id, type) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    sorted({(k.key, k.entity_id, a, k.type) for a in chunk for k in given[a][0]}),
                )
                self._count_entities(chunk, 1, only_keys)
                self._x(f"DELETE FROM link_seeds WHERE article_id IN ({marks})", chunk)
                self._db.execute_many(
                    "INSERT INTO link_seeds (article_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    sorted((a, key) for a in chunk for key in given[a][1]),
                )

    def find_entity_keys(
        self, keys: Collection[str], *, article_ids: Collection[str] | None = None
    ) -> list[EntityKey]:
        """Return the ``entity_keys`` rows holding one of ``keys`` (in these articles when given)."""
        wanted = sorted(set(keys))
        scopes: list[Sequence[str] | None] = (
            [None] if article_ids is None else list(_chunks(sorted(set(article_ids))))
        )
        found: list[EntityKey] = []
        for chunk in _chunks(wanted):
            for scope in scopes:
                sql = f"SELECT key, entity_id, article_id, type FROM entity_keys WHERE key IN ({','.join('?' * len(chunk))})"
                params = list(chunk)
                if scope is not None:
                    sql += f" AND article_id IN ({','.join('?' * len(scope))})"
                    params += scope
                found.extend(
                    EntityKey(r["key"], r["entity_id"], r["article_id"], r["type"])
                    for r in self._rows(sql, params)
                )
        return found

    def keyed_entities(self, keys: Collection[str]) -> list[EntityKey]:
        """Return the distinct (key, entity id, type) holding one of ``keys`` in any article (per-entity counts)."""
        return self._counted_keys("value", keys)

    def entity_keys_of(self, entity_ids: Collection[str]) -> list[EntityKey]:
        """Return the distinct index keys of these analyser entity ids in any article (per-entity counts)."""
        return self._counted_keys("entity_id", entity_ids)

    def _counted_keys(self, column: str, values: Collection[str]) -> list[EntityKey]:
        """The 'key' rows of ``entity_counts`` whose ``column`` (value or entity_id) is one of ``values``."""
        found: list[EntityKey] = []
        for chunk in _chunks(sorted(set(values))):
            found.extend(
                EntityKey(r["value"], r["entity_id"], "", r["detail"])
                for r in self._rows(
                    "SELECT value, entity_id, detail FROM entity_counts WHERE kind = 'key'"
                    f" AND {column} IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def full_names_near(self, entity_ids: Collection[str]) -> list[tuple[str, str]]:
        """Return (one-word name id, full name id) for each full name holding the word of one of these one-word
        names in an article using it (per-entity counts, kind 'near')."""
        found: list[tuple[str, str]] = []
        for chunk in _chunks(sorted(set(entity_ids))):
            found.extend(
                (r["entity_id"], r["value"])
                for r in self._rows(
                    "SELECT entity_id, value FROM entity_counts WHERE kind = 'near'"
                    f" AND entity_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def surname_states(self, entity_ids: Collection[str]) -> dict[str, str]:
        """Return the state each of these one-word names was last decided in (``states``, key 'surname:ID')."""
        found: dict[str, str] = {}
        for chunk in _chunks(sorted({_SURNAME_STATE + ident for ident in entity_ids})):
            found.update(
                (r["key"][len(_SURNAME_STATE) :], r["tag"])
                for r in self._rows(
                    f"SELECT key, tag FROM states WHERE key IN ({','.join('?' * len(chunk))})", chunk
                )
            )
        return found

    def put_surname_states(self, states: Mapping[str, str]) -> None:
        """Record the state these one-word names were decided in (every use of each)."""
        with self.transaction():
            self._db.execute_many(
                "INSERT INTO states (key, tag, payload) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET tag = excluded.tag, payload = excluded.payload",
                [(_SURNAME_STATE + ident, state, b"") for ident, state in sorted(states.items())],
            )

    def name_nodes(self, entity_ids: Collection[str]) -> list[NameNode]:
        """Return a NameNode per analyser entity id that has mentions (sorted by id), from the per-entity counts;
        a person's context is the entity ids of its first 50 articles (by id)."""
        ids = sorted(set(entity_ids))
        names: dict[str, list[tuple[int, str, str]]] = {}
        articles: dict[str, int] = {}
        aliases: dict[str, set[str]] = {}
        offices: dict[str, set[OfficeKey]] = {}
        countries: dict[str, list[tuple[int, str]]] = {}
        for chunk in _chunks(ids):
            for r in self._rows(
                "SELECT entity_id, kind, value, detail, n FROM entity_counts"
                f" WHERE entity_id IN ({','.join('?' * len(chunk))}) AND kind != 'key'",
                chunk,
            ):
                ident, kind = r["entity_id"], r["kind"]
                if kind == "name":
                    names.setdefault(ident, []).append((r["n"], r["value"], r["detail"]))
                elif kind == "article":
                    articles[ident] = r["n"]
                elif kind == "alias":
                    aliases.setdefault(ident, set()).add(r["value"])
                elif kind == "office":
                    offices.setdefault(ident, set()).add(OfficeKey(r["value"], r["detail"] or None))
                elif kind == "country":
                    countries.setdefault(ident, []).append((r["n"], r["value"]))
        # name and type: the most frequent over the mention rows; on a tie the most UTF-8 bytes, then alphabetical
        heads = {
            ident: min(found, key=lambda h: (-h[0], -len(h[1].encode()), h[1], h[2]))
            for ident, found in names.items()
        }
        context = self._person_context(sorted(i for i, h in heads.items() if h[2] == _PERSON))
        return [
            NameNode(
                entity_id=ident,
                name=heads[ident][1],
                type=heads[ident][2],
                articles=articles.get(ident, 0),
                aliases=frozenset(aliases.get(ident, ())),
                offices=frozenset(offices.get(ident, ())),
                context=frozenset(context.get(ident, ())),
                country=min(countries[ident], key=lambda c: (-c[0], c[1]))[1] if ident in countries else None,
            )
            for ident in ids
            if ident in heads
        ]

    def _person_context(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """Return, per analyser entity id, the other entity ids of its first ``_CONTEXT_ARTICLES`` articles (by id).

        A fixed sample, so the evidence does not depend on arrival order. Two queries per batch: each entity's
        sample is read through the (entity_id, article_id) index and stops at the sample's size (a name of many
        articles costs no more than one of 50), then the entities of the sampled articles.
        """
        context: dict[str, set[str]] = {}
        for chunk in _chunks(list(ids), _COMPOUND):
            sample = " UNION ALL ".join(
                f"SELECT CAST(? AS TEXT) AS entity_id, article_id FROM (SELECT DISTINCT article_id FROM mentions"
                f" WHERE entity_id = ? ORDER BY article_id LIMIT ?) AS sample{i}"
                for i in range(len(chunk))
            )
            firsts = self._rows(sample, [v for ident in chunk for v in (ident, ident, _CONTEXT_ARTICLES)])
            present: dict[str, set[str]] = {}
            for articles in _chunks(sorted({r["article_id"] for r in firsts})):
                for r in self._rows(
                    "SELECT DISTINCT article_id, entity_id FROM mentions"
                    f" WHERE article_id IN ({','.join('?' * len(articles))})",
                    articles,
                ):
                    present.setdefault(r["article_id"], set()).add(r["entity_id"])
            for r in firsts:
                context.setdefault(r["entity_id"], set()).update(present.get(r["article_id"], ()))
        for ident, found in context.items():
            found.discard(ident)
        return context

    def surname_uses(self, uses: Sequence[tuple[str, str]]) -> list[SurnameUse]:
        """Return the SurnameUse of each (article id, analyser entity id), in the order asked: its name in that
        article (the id when it has no mention there), that article's offices of it and its other entity ids."""
        names: dict[tuple[str, str], str] = {}
        present: dict[str, set[str]] = {}
        offices: dict[tuple[str, str], set[OfficeKey]] = {}
        for pairs in _chunks(sorted(set(uses))):
            values = ", ".join("(?, ?)" for _ in pairs)
            for r in self._rows(
                f"WITH wanted(article_id, entity_id) AS (VALUES {values}) SELECT m.article_id, m.entity_id,"
                " (SELECT x.name FROM mentions x WHERE x.article_id = m.article_id AND x.entity_id = m.entity_id"
                " ORDER BY x.id LIMIT 1) AS name FROM wanted m",
                [v for pair in pairs for v in pair],
            ):
                if r["name"] is not None:
                    names[(r["article_id"], r["entity_id"])] = r["name"]
        for chunk in _chunks(sorted({article for article, _ in uses})):
            marks = ",".join("?" * len(chunk))
            # the (article_id, entity_id) index alone answers: no mention row is read
            for r in self._rows(
                f"SELECT DISTINCT article_id, entity_id FROM mentions WHERE article_id IN ({marks})", chunk
            ):
                present.setdefault(r["article_id"], set()).add(r["entity_id"])
            for r in self._rows(
                "SELECT DISTINCT article_id, entity_id, function, country FROM entity_offices"
                f" WHERE article_id IN ({marks})",
                chunk,
            ):
                offices.setdefault((r["article_id"], r["entity_id"]), set()).add(
                    OfficeKey(r["function"], r["country"])
                )
        return [
            SurnameUse(
                article,
                ident,
                names.get((article, ident), ident),
                frozenset(offices.get((article, ident), ())),
                frozenset(present.get(article, set()) - {ident}),
            )
            for article, ident in uses
        ]

    def put_links(self, links: Mapping[tuple[str, str], Link | None]) -> None:
        """Store the decided links and move the mentions whose link changed (hand edits replayed after)."""
        now = datetime.now(UTC).isoformat()
        with self.transaction():
            edits = self.entity_edits()
            for (article_id, ident), link in sorted(links.items()):
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
                        " THEN entity_links.created ELSE excluded.created END"
                        # an unchanged link is not written again (no page to write back at commit)
                        " WHERE entity_links.target_id != excluded.target_id"
                        " OR entity_links.reason != excluded.reason",
                        (article_id, ident, link.target_id, link.reason, now),
                    )
                    target = link.target_id
                where, params = "entity_id = ?", [ident]
                if article_id:
                    where += " AND article_id = ?"
                    params.append(article_id)
                # the mentions whose lid differs from the target, as index ranges on (entity_id, lid): a name of
                # many articles costs its moved mentions, not all of them
                moved = self._x(
                    " UNION ALL ".join(
                        f"SELECT id, article_id, text FROM mentions WHERE {where} AND {test}"
                        for test in ("lid < ?", "lid > ?", "lid IS NULL")
                    ),
                    [*params, target, *params, target, *params],
                ).fetchall()
                if moved:
                    logger.debug(
                        "entity %s%s now links to %s",
                        ident,
                        f" in {article_id}" if article_id else "",
                        target,
                    )
                    self._db.execute_many(
                        "UPDATE mentions SET lid = ?, eid = ? WHERE id = ?",
                        [
                            (target, resolve_entity_id(edits, target, r["text"], r["article_id"]), r["id"])
                            for r in moved
                        ],
                    )

    def mark_linked(self, article_ids: Sequence[str], linker: str) -> None:
        """Record that these articles' names were linked by ``linker`` (``analyses.linker``)."""
        with self.transaction():
            for chunk in _chunks(list(article_ids)):
                self._x(
                    f"UPDATE analyses SET linker = ? WHERE article_id IN ({','.join('?' * len(chunk))})",
                    [linker, *chunk],
                )

    def link_queue(self) -> list[str]:
        """Return the queued seed keys of dropped or replaced analyses, sorted."""
        return [row["key"] for row in self._rows("SELECT key FROM link_queue ORDER BY key")]

    def clear_link_queue(self, keys: Iterable[str]) -> None:
        """Remove these keys from the link queue."""
        with self.transaction():
            for chunk in _chunks(sorted(set(keys))):
                self._x(f"DELETE FROM link_queue WHERE key IN ({','.join('?' * len(chunk))})", chunk)

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
        # a description linked in this article alone (an office read in another article) gives the link's reason
        linked = {
            r["entity_id"]: r["reason"]
            for r in self._rows(
                "SELECT entity_id, reason FROM entity_links WHERE article_id = ?", (row["article_id"],)
            )
        }
        if linked:
            analysis = replace(
                analysis,
                entities=tuple(
                    replace(
                        e,
                        mentions=tuple(
                            replace(m, reason=linked[e.entity_id]) if m.kind == "description" else m
                            for m in e.mentions
                        ),
                    )
                    if e.entity_id in linked
                    else e
                    for e in analysis.entities
                ),
            )
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
                f" ORDER BY eid, {_NAMED_FIRST}, count(*) DESC, {self._bytes.format('name')} DESC, name",
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
        best: dict[str, RowMapping] = {}
        aliases: dict[str, dict[str, int]] = {ident: {} for ident in ids}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            # canonical name and type: the most frequent over the mention rows; on a tie the spelling with
            # more UTF-8 bytes wins (it keeps its diacritics: "Goïta" over "Goita"), then alphabetical; a name
            # written in some article goes before the name of a description linked to it ("chef de la diplomatie")
            for row in self._rows(
                f"SELECT eid, name, type FROM mentions WHERE eid IN ({marks}) GROUP BY eid, name, type"
                f" ORDER BY eid, {_NAMED_FIRST}, count(*) DESC, {self._bytes.format('name')} DESC, name, type",
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
                " GROUP BY m.eid, m.text, m.entity_id, m.name, m.lid, m.reason, l.reason"
                # ties broken on every grouped column, so both backends pick the same reason
                " ORDER BY m.eid, m.text, n DESC, l.reason IS NULL, m.entity_id, m.lid, m.name, m.reason, l.reason",
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
                " JOIN articles a ON a.id = o.article_id LEFT JOIN analyses n ON n.article_id = o.article_id) AS ranked"
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
                " ORDER BY m.eid, n DESC, p.latitude IS NULL, p.kind, p.country IS NOT NULL, p.country",
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
            "SELECT DISTINCT eid, text_cf = ? AS by_text, name_cf = ? AS by_name FROM mentions"
            " WHERE eid = ? OR name_cf = ? OR text_cf = ?",
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
            " WHERE m.eid = ? GROUP BY m.article_id ORDER BY max(coalesce(a.published, n.published)) IS NULL,"
            " max(coalesce(a.published, n.published)) DESC, m.article_id LIMIT ?",
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
        """Return stored quotes matching every filter given, newest article first, each its own group without
        sources (``veille.understand.quote_groups.group_quotes`` fills them).

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
            where.append("q.text_fold LIKE ?")
            params.append(f"%{_fold(text)}%")
        sql = _QUOTE_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY coalesce(a.published, n.published) IS NULL, coalesce(a.published, n.published) DESC, q.article_id, q.start"
        if wanted is None:  # no speaker check after the query: SQL can stop at the limit
            sql += " LIMIT ?"
            params.append(limit)
        edits = self.entity_edits()
        rows = [(row, self._registry_speaker(row, edits)) for row in self._rows(sql, params)]
        if wanted is not None:
            rows = [(row, eid) for row, eid in rows if eid is None or eid in wanted][:limit]
        return self._quote_records(rows, edits)

    def _quote_records(
        self, rows: Sequence[tuple[RowMapping, str | None]], edits: Sequence[EntityEdit]
    ) -> list[QuoteRecord]:
        """Return the QuoteRecords of quote rows (``_QUOTE_SELECT``) with their speakers' registry ids and names."""
        names = self._best_names(
            sorted({eid for row, eid in rows if eid and eid != row["speaker_entity_id"]})
        )
        names.update(self._entity_names(edits))
        records = []
        for row, eid in rows:
            name = names.get(eid, row["speaker_name"]) if eid is not None else row["speaker_name"]
            quote_id = f"{row['article_id']}:{row['start']}"
            records.append(
                QuoteRecord(
                    quote_id=quote_id,
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
                    group_id=quote_id,
                )
            )
        return records

    def _quote_rows(self, where: str, params: Sequence[Any]) -> list[QuoteRecord]:
        edits = self.entity_edits()
        rows = self._rows(_QUOTE_SELECT + where, params)
        return self._quote_records([(row, self._registry_speaker(row, edits)) for row in rows], edits)

    def _speaker_clause(self, speaker: str) -> tuple[set[str], str, list[Any]]:
        """Return the registry ids ``speaker`` names and the WHERE clause (with params) of its quotes' candidates.

        Unresolved speakers match by their words (accents and case ignored). UsageError when nothing matches.
        """
        wanted = {e.entity_id for e in self.find_entities(speaker, limit=1000)}
        folded = _fold(speaker)
        unresolved = "(q.speaker_entity_id IS NULL AND (q.speaker_name_fold = ? OR q.speaker_text_fold = ?))"
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
    def _registry_speaker(row: RowMapping, edits: Sequence[EntityEdit]) -> str | None:
        """Return the registry id of a quote row's speaker (its automatic link, then hand edits), or None."""
        ident = row["speaker_entity_id"]
        if ident is None:
            return None
        return resolve_entity_id(edits, row["speaker_lid"] or ident, row["speaker_text"], row["article_id"])

    def get_quote(self, quote_id: str) -> QuoteRecord | None:
        """Return the stored quote ``ARTICLE_ID:START`` (as ``list_quotes`` gives it), or None."""
        article, _, start = quote_id.rpartition(":")
        if not article or not start.isdigit():
            return None
        found = self._quote_rows(" WHERE q.article_id = ? AND q.start = ? LIMIT 1", (article, int(start)))
        return found[0] if found else None

    def put_quote_keys(self, article_id: str, keys: Iterable[tuple[int, int]]) -> None:
        """Replace the fingerprints of an article's quotes: (quote start, fingerprint) pairs."""
        with self.transaction():
            self._x("DELETE FROM quote_keys WHERE article_id = ?", (article_id,))
            self._db.execute_many(
                "INSERT INTO quote_keys (key, article_id, start) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(key, article_id, start) for start, key in keys],
            )

    def quotes_sharing_keys(self, quote_id: str, *, limit: int) -> list[QuoteRecord]:
        """Return the first ``limit`` quotes (by article id, start) that share a fingerprint with ``quote_id``."""
        article, _, start = quote_id.rpartition(":")
        if not article or not start.isdigit():
            return []
        return self._quote_rows(
            " WHERE (q.article_id, q.start) IN (SELECT DISTINCT k2.article_id, k2.start"
            " FROM quote_keys k1 JOIN quote_keys k2 ON k2.key = k1.key WHERE k1.article_id = ?"
            " AND k1.start = ? ORDER BY k2.article_id, k2.start LIMIT ?) ORDER BY q.article_id, q.start",
            (article, int(start), limit),
        )

    def unindexed_quotes(self) -> list[QuoteRecord]:
        """Return every stored quote when quotes are stored but no fingerprint is (a database written before
        migration 0005, or a backfill a killed process rolled back); [] otherwise."""
        if self._one("SELECT 1 FROM quote_keys LIMIT 1") is not None:
            return []
        return self._quote_rows(" ORDER BY q.article_id, q.start", ())

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

    def _event_records(self, rows: Sequence[RowMapping]) -> list[EventRecord]:
        """Return the EventRecords of event rows, arguments read with their registry ids and names."""
        wanted = {(r["article_id"], r["start"]) for r in rows}
        edits = self.entity_edits()
        arguments: dict[tuple[str, int], list[tuple[RowMapping, str | None]]] = {}
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

    # grouping ----------------------------------------------------------------------------------
    def put_story(self, story: Story) -> None:
        """Insert or replace a story and exactly its membership; articles moved here leave their old story.

        A story left without articles is deleted; a story whose membership changed loses its comparison.
        StoreError when an article is unknown.
        """
        members = list(dict.fromkeys(story.articles))
        with self.transaction():
            before = {
                r["article_id"]
                for r in self._x("SELECT article_id FROM story_articles WHERE story_id = ?", (story.id,))
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
            self._db.execute_many(
                "INSERT INTO story_articles (story_id, article_id, grouper) VALUES (?, ?, ?)",
                [(story.id, a, story.grouper) for a in members],
            )
            if not members:
                self._x("DELETE FROM stories WHERE id = ?", (story.id,))

    def delete_story(self, story_id: str) -> None:
        """Remove a story, its membership and its comparison (its articles become ungrouped)."""
        with self.transaction():
            self._x("DELETE FROM stories WHERE id = ?", (story_id,))

    def _story(self, row: RowMapping) -> Story:
        return self._stories([row])[0]

    def _stories(self, rows: Sequence[RowMapping]) -> list[Story]:
        """Return the stories of these rows, their members read in one query per chunk of stories."""
        members: dict[str, list[RowMapping]] = {row["id"]: [] for row in rows}
        for chunk in _chunks(list(members)):
            for m in self._rows(
                "SELECT s.story_id, a.id, a.outlet, a.published FROM story_articles s"
                f" JOIN articles a ON a.id = s.article_id WHERE s.story_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY s.story_id, a.published IS NULL, a.published, a.id",
                chunk,
            ):
                members[m["story_id"]].append(m)
        stories = []
        for row in rows:
            told = members[row["id"]]
            dates = [m["published"] for m in told if m["published"]]
            first = min(dates) if dates else None
            stories.append(
                Story(
                    id=row["id"],
                    label=row["label"],
                    articles=tuple(m["id"] for m in told),
                    outlets=tuple(sorted({m["outlet"] for m in told if m["outlet"]})),
                    first_seen=codec.parse_date(min(dates) if dates else row["first_seen"]),
                    last_seen=codec.parse_date(max(dates) if dates else row["last_seen"]),
                    grouper=row["grouper"],
                    first_reported=tuple(
                        dict.fromkeys(
                            m["outlet"] for m in told if first and m["published"] == first and m["outlet"]
                        )
                    ),
                )
            )
        return stories

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
        query: str | None = None,
        order: str = "largest",
        offset: int = 0,
    ) -> list[Story]:
        """Return stories with at least ``min_articles`` articles, the largest first (then the most recent);
        ``order="newest"``: the latest article first (then the largest); ``offset`` skips that many (paging).

        ``Story.sources`` is None: ``pipeline.count_sources`` counts them from the duplicate links.

        ``since``/``until``: stories whose dates (their articles' publication dates) reach into the range;
        ``entity``: an entity id, name or alias (as ``find_entities``) one of its articles mentions, compared by
        registry id; ``outlet``: a substring of the outlet of one of its articles (accents and case ignored).
        ``query``: words one of its articles holds (title or text, as ``search``; accents and case ignored).
        UsageError for an entity that names nothing, a blank outlet or query, an unknown order.
        """
        if outlet is not None and not _fold(outlet):
            raise UsageError("the outlet filter needs some words of an outlet's name")
        if query is not None and not _WORD.search(query):
            raise UsageError("the query needs some words")
        if order not in ("largest", "newest"):
            raise UsageError(f"unknown order {order!r}: largest or newest")
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
                " WHERE oa.outlet_fold LIKE ?)"
            )
            params.append(f"%{_fold(outlet)}%")
        if query is not None:
            if self.dialect == "postgresql":
                where.append(
                    "s.id IN (SELECT sa.story_id FROM story_articles sa JOIN articles_fts f ON f.article_id ="
                    " sa.article_id WHERE f.tsv @@ plainto_tsquery('veille_fr', ?))"
                )
                params.append(" ".join(_WORD.findall(query)))
            else:
                where.append(
                    "s.id IN (SELECT sa.story_id FROM story_articles sa JOIN articles_fts f ON f.article_id ="
                    " sa.article_id WHERE articles_fts MATCH ?)"
                )
                params.append(fts_query(query))
        having = ["count(m.article_id) >= ?"]
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
            + (
                " ORDER BY size DESC, max(a.published) IS NULL, max(a.published) DESC, s.id"
                if order == "largest"
                else " ORDER BY max(a.published) IS NULL, max(a.published) DESC, size DESC, s.id"
            )
            + " LIMIT ? OFFSET ?",
            (*params, *having_params, limit, max(0, offset)),
        )
        return self._stories(rows)

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
            self._db.execute_many(
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

    def duplicate_links(self, article_ids: Collection[str]) -> list[DuplicateLink]:
        """Return the duplicate links that involve any of these articles, each once, by article ids."""
        found: dict[tuple[str, str], DuplicateLink] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT * FROM duplicates WHERE article_id IN ({marks}) OR other_id IN ({marks})",
                [*chunk, *chunk],
            ):
                found.setdefault((row["article_id"], row["other_id"]), codec.duplicate_from_json(dict(row)))
        return [found[key] for key in sorted(found)]

    def entity_places(self, entity_ids: Collection[str]) -> dict[str, Place]:
        """Return, per registry id among these, where it is (the location its articles give most often)."""
        return self._registry_places(sorted(set(entity_ids)))

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

    def get_comparison_json(self, story_id: str) -> tuple[str, str] | None:
        """Return the stored comparison of a story as it is stored: (its comparer, its JSON text), or None."""
        row = self._one("SELECT comparer, payload FROM comparisons WHERE story_id = ?", (story_id,))
        return (row["comparer"], row["payload"]) if row is not None else None

    # per-outlet line statistics ------------------------------------------------------------------
    def record_outlet_lines(self, outlet: str, content_id: str, line_hashes: Iterable[str]) -> None:
        """Record that this document of this outlet shows these lines (idempotent)."""
        rows = [(outlet, line_hash, content_id) for line_hash in set(line_hashes)]
        with self.transaction():
            self._db.execute_many(
                "INSERT INTO outlet_lines (outlet, line_hash, content_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
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
        if not _WORD.search(query):
            return []
        if self.dialect == "postgresql":
            # French stemming after unaccent; ts_rank is "higher is better", so its negation sorts like bm25.
            # The best rows are chosen first, then only they get a headline (ts_headline reads the whole text).
            rows = self._rows(
                "SELECT t.article_id, a.title, a.outlet, ts_headline('veille_fr', f.text, t.q,"
                " 'StartSel=**, StopSel=**, MaxWords=16, MinWords=6, MaxFragments=1, FragmentDelimiter=…')"
                " AS snippet, t.rank FROM (SELECT f.article_id, q, -ts_rank(f.tsv, q) AS rank"
                " FROM articles_fts f, plainto_tsquery('veille_fr', ?) q WHERE f.tsv @@ q"
                " ORDER BY rank, f.article_id LIMIT ?) AS t"
                " JOIN articles_fts f ON f.article_id = t.article_id JOIN articles a ON a.id = t.article_id"
                " ORDER BY t.rank, t.article_id",
                (" ".join(_WORD.findall(query)), limit),
            )
        else:
            rows = self._rows(
                "SELECT f.article_id, a.title, a.outlet,"
                " snippet(articles_fts, -1, ?, ?, '…', 16) AS snippet, bm25(articles_fts) AS rank"
                " FROM articles_fts f JOIN articles a ON a.id = f.article_id"
                " WHERE articles_fts MATCH ? ORDER BY rank, f.article_id LIMIT ?",
                (*SNIPPET_MARK, fts_query(query), limit),
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

    # work shared by several processes ---------------------------------------------------------
    def claim(self, stage: str, item_ids: Sequence[str], worker: str, until: datetime) -> list[str]:
        """Claim items of a stage for ``worker`` until ``until`` (UTC); return those it holds now, in order.

        An item held by another worker is left out (``ON CONFLICT DO NOTHING``: of two processes claiming at
        once, one wins); a claim whose lease has ended is dropped first. Claims are rows, so they outlive
        a killed process until their lease ends (``drop_claims`` ends them sooner).
        """
        ids = list(dict.fromkeys(item_ids))
        if not ids:
            return []
        now, end = _utc_key(datetime.now(UTC)), _utc_key(until)
        held: set[str] = set()
        with self.transaction():
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                self._x(
                    f"DELETE FROM claims WHERE stage = ? AND item_id IN ({marks}) AND until_key < ?",
                    (stage, *chunk, now),
                )
                self._db.execute_many(
                    "INSERT INTO claims (stage, item_id, worker, until_key) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(stage, ident, worker, end) for ident in chunk],
                )
                held |= {
                    r["item_id"]
                    for r in self._x(
                        f"SELECT item_id FROM claims WHERE stage = ? AND worker = ? AND item_id IN ({marks})",
                        (stage, worker, *chunk),
                    )
                }
        return [ident for ident in ids if ident in held]

    def claims(self, stage: str) -> dict[str, tuple[str, datetime]]:
        """Return the claims on a stage's items: item id → (worker, end of its lease)."""
        return {
            r["item_id"]: (r["worker"], datetime.fromisoformat(r["until_key"]))
            for r in self._rows("SELECT item_id, worker, until_key FROM claims WHERE stage = ?", (stage,))
        }

    def renew_claims(self, worker: str, until: datetime) -> None:
        """Move the end of every lease ``worker`` holds to ``until``."""
        with self.transaction():
            self._x("UPDATE claims SET until_key = ? WHERE worker = ?", (_utc_key(until), worker))

    def drop_claims(
        self, worker: str, stage: str | None = None, item_ids: Sequence[str] | None = None
    ) -> None:
        """End the claims of ``worker`` (on one stage, on some items only)."""
        where, params = "worker = ?", [worker]
        if stage is not None:
            where += " AND stage = ?"
            params.append(stage)
        with self.transaction():
            if item_ids is None:
                self._x(f"DELETE FROM claims WHERE {where}", params)
                return
            for chunk in _chunks(list(item_ids)):
                marks = ",".join("?" * len(chunk))
                self._x(f"DELETE FROM claims WHERE {where} AND item_id IN ({marks})", (*params, *chunk))

    # saved states -----------------------------------------------------------------------------------
    def get_state(self, key: str) -> tuple[str, bytes] | None:
        """Return a saved state (its tag, its bytes), or None."""
        row = self._one("SELECT tag, payload FROM states WHERE key = ?", (key,))
        return (str(row["tag"]), bytes(row["payload"])) if row is not None else None

    def put_state(self, key: str, tag: str, payload: bytes) -> None:
        """Save (replace) a state under ``key``."""
        with self.transaction():
            self._x(
                "INSERT INTO states (key, tag, payload) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET tag = excluded.tag, payload = excluded.payload",
                (key, tag, payload),
            )

    def story_members(self, grouper: str) -> list[tuple[str, str]]:
        """Return (story id, article id) for every member of the stories made by ``grouper``."""
        rows = self._rows("SELECT story_id, article_id FROM story_articles WHERE grouper = ?", (grouper,))
        return [(r["story_id"], r["article_id"]) for r in rows]

    def member_entity_ids(self, grouper: str, types: Collection[str]) -> dict[str, frozenset[str]]:
        """Return, for every member of the stories made by ``grouper``, the registry ids of its entities of these
        types (as ``get_analysis`` gives them: links, then hand edits)."""
        kinds = sorted(types)
        rows = self._rows(
            "SELECT DISTINCT m.article_id, m.eid FROM story_articles s JOIN mentions m ON m.article_id = s.article_id"
            f" WHERE s.grouper = ? AND m.type IN ({','.join('?' * len(kinds))})",
            (grouper, *kinds),
        )
        found: dict[str, set[str]] = {}
        for r in rows:
            found.setdefault(r["article_id"], set()).add(r["eid"])
        return {article: frozenset(ids) for article, ids in found.items()}

    # sources: the registry of outlets (issue 21) ----------------------------------------------------------
    def put_source(self, source: Source) -> Source:
        """Insert or replace a source by id, with its domains and feeds; return it as stored (feed ids set).

        A feed kept by URL keeps its row (and id); feeds no longer listed are dropped. StoreError when one of
        its domains or its folded name belongs to another source.
        """
        name_fold = _fold(source.name)
        with self.transaction():
            other = self._one(
                "SELECT id FROM sources WHERE name_fold = ? AND id <> ?", (name_fold, source.id)
            )
            if other is not None:
                raise StoreError(f"source {other['id']!r} already has the name {source.name!r}")
            for domain in source.domains:
                owner = self._one(
                    "SELECT source_id FROM source_domains WHERE domain = ? AND source_id <> ?",
                    (domain, source.id),
                )
                if owner is not None:
                    raise StoreError(f"domain {domain!r} already belongs to source {owner['source_id']!r}")
            row = {
                "id": source.id,
                "name": source.name,
                "name_fold": name_fold,
                "country": source.country,
                "kind": source.kind,
                "languages": json.dumps(list(source.languages)),
                "active": 1 if source.active else 0,
                "added": source.added.isoformat(),
                "note": source.note,
            }
            if self._one("SELECT 1 FROM sources WHERE id = ?", (source.id,)) is None:
                cols = ", ".join(row)
                self._x(f"INSERT INTO sources ({cols}) VALUES ({', '.join(':' + k for k in row)})", row)
            else:
                sets = ", ".join(f"{k} = :{k}" for k in row if k not in ("id", "added"))
                self._x(f"UPDATE sources SET {sets} WHERE id = :id", row)
            self._x("DELETE FROM source_domains WHERE source_id = ?", (source.id,))
            for domain in dict.fromkeys(source.domains):
                self._x("INSERT INTO source_domains (domain, source_id) VALUES (?, ?)", (domain, source.id))
            kept = {
                r["url"]: r
                for r in self._rows("SELECT * FROM source_feeds WHERE source_id = ?", (source.id,))
            }
            wanted = {feed.url: feed for feed in source.feeds}
            for url in kept.keys() - wanted.keys():
                self._x("DELETE FROM source_feeds WHERE id = ?", (kept[url]["id"],))
            for url, feed in wanted.items():
                if url not in kept:
                    self._x(
                        "INSERT INTO source_feeds (source_id, url, kind) VALUES (?, ?, ?)",
                        (source.id, url, feed.kind),
                    )
                elif kept[url]["kind"] != feed.kind:
                    self._x("UPDATE source_feeds SET kind = ? WHERE id = ?", (feed.kind, kept[url]["id"]))
        stored = self.get_source(source.id)
        assert stored is not None
        return stored

    def _sources(self, rows: Sequence[RowMapping]) -> list[Source]:
        ids = [r["id"] for r in rows]
        domains: dict[str, list[str]] = {i: [] for i in ids}
        feeds: dict[str, list[SourceFeed]] = {i: [] for i in ids}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self._rows(
                f"SELECT source_id, domain FROM source_domains WHERE source_id IN ({marks}) ORDER BY domain",
                chunk,
            ):
                domains[r["source_id"]].append(r["domain"])
            for r in self._rows(
                f"SELECT id, source_id, url, kind FROM source_feeds WHERE source_id IN ({marks}) ORDER BY id",
                chunk,
            ):
                feeds[r["source_id"]].append(SourceFeed(url=r["url"], kind=r["kind"], id=int(r["id"])))
        return [
            Source(
                id=r["id"],
                name=r["name"],
                kind=r["kind"],
                country=r["country"],
                domains=tuple(domains[r["id"]]),
                feeds=tuple(feeds[r["id"]]),
                languages=tuple(json.loads(r["languages"])),
                active=bool(r["active"]),
                added=datetime.fromisoformat(r["added"]),
                note=r["note"],
            )
            for r in rows
        ]

    def get_source(self, ident: str) -> Source | None:
        """Return a source by id, name (accents and case ignored) or one of its domains (any URL or host on
        it), or None."""
        row = self._one("SELECT * FROM sources WHERE id = ?", (ident,))
        if row is None and _fold(ident):
            row = self._one("SELECT * FROM sources WHERE name_fold = ?", (_fold(ident),))
        if row is None and (domain := registered_domain(ident)) is not None:
            row = self._one(
                "SELECT s.* FROM sources s JOIN source_domains d ON d.source_id = s.id WHERE d.domain = ?",
                (domain,),
            )
        return self._sources([row])[0] if row is not None else None

    def list_sources(
        self,
        *,
        country: str | None = None,
        kind: str | None = None,
        active: bool | None = None,
        ids: Collection[str] | None = None,
    ) -> list[Source]:
        """Return the sources, by name (folded); ``country``, ``kind``, ``active``, ``ids``: only those."""
        where: list[str] = []
        params: list[Any] = []
        if country is not None:
            where.append("country = ?")
            params.append(country.upper())
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if active is not None:
            where.append("active = ?")
            params.append(1 if active else 0)
        if ids is not None:
            found: list[Source] = []
            for chunk in _chunks(sorted(set(ids))):
                rows = self._rows(
                    "SELECT * FROM sources WHERE "
                    + " AND ".join([*where, f"id IN ({','.join('?' * len(chunk))})"]),
                    [*params, *chunk],
                )
                found += self._sources(rows)
            return sorted(found, key=lambda s: (_fold(s.name), s.id))
        rows = self._rows(
            "SELECT * FROM sources"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY name_fold, id",
            params,
        )
        return self._sources(rows)

    def unknown_outlets(self, *, limit: int = 100) -> list[UnknownOutlet]:
        """Return the domains (and, for articles without a URL, the outlet names) of articles tied to no
        source, with their article counts, the most frequent first."""
        rows = self._rows(
            "SELECT a.domain, CASE WHEN a.domain IS NULL THEN a.outlet_fold END AS fold, max(a.outlet) AS outlet,"
            " count(*) AS n FROM articles a LEFT JOIN source_domains d ON d.domain = a.domain"
            " LEFT JOIN sources s ON d.source_id IS NULL AND s.name_fold = a.outlet_fold"
            " WHERE d.source_id IS NULL AND s.id IS NULL"
            " GROUP BY a.domain, CASE WHEN a.domain IS NULL THEN a.outlet_fold END"
            " ORDER BY n DESC, a.domain IS NULL, a.domain, max(a.outlet) LIMIT ?",
            (limit,),
        )
        return [UnknownOutlet(domain=r["domain"], outlet=r["outlet"], articles=int(r["n"])) for r in rows]

    def article_ties(self, story_ids: Sequence[str] | None = None) -> list[ArticleTie]:
        """Return the articles of these stories (None: of every story) with the source each is tied to: the
        source of its URL's registered domain, else the source named as its outlet (accents and case ignored)."""
        select = (
            "SELECT m.story_id, a.id, a.outlet, a.domain, coalesce(a.published, n.published) AS day,"
            " coalesce(n.language, a.language) AS language, coalesce(d.source_id, s.id) AS source_id"
            " FROM story_articles m JOIN articles a ON a.id = m.article_id"
            " LEFT JOIN analyses n ON n.article_id = a.id LEFT JOIN source_domains d ON d.domain = a.domain"
            " LEFT JOIN sources s ON d.source_id IS NULL AND s.name_fold = a.outlet_fold"
        )
        day = "coalesce(a.published, n.published)"
        order = f" ORDER BY m.story_id, {day} IS NULL, {day}, a.id"
        if story_ids is None:
            rows = self._rows(select + order)
        else:
            rows = []
            for chunk in _chunks(list(dict.fromkeys(story_ids))):
                rows += self._rows(
                    select + f" WHERE m.story_id IN ({','.join('?' * len(chunk))})" + order, chunk
                )
        return [
            ArticleTie(
                story_id=r["story_id"],
                article_id=r["id"],
                outlet=r["outlet"],
                domain=r["domain"],
                published=codec.parse_date(r["day"]),
                language=r["language"],
                source_id=r["source_id"],
            )
            for r in rows
        ]

    # the feed watcher, watches and alerts (issue 21: veille.watch) ---------------------------------------
    @staticmethod
    def _feed_state(r: RowMapping) -> FeedState:
        return FeedState(
            feed_id=int(r["id"]),
            source_id=r["source_id"],
            source_name=r["name"],
            url=r["url"],
            kind=r["kind"],
            etag=r["etag"],
            last_modified=r["last_modified"],
            last_fetch=codec.parse_datetime(r["last_fetch"]),
            last_success=codec.parse_datetime(r["last_success"]),
            last_error=r["last_error"],
            last_error_time=codec.parse_datetime(r["last_error_time"]),
            failures=int(r["failures"] or 0),
            next_due=codec.parse_datetime(r["next_due"]),
            paused=bool(r["paused"]),
            interval=r["interval"],
        )

    def feed_states(self, *, active_only: bool = True) -> list[FeedState]:
        """Return every feed of the registry with its polling state (defaults when never polled), by source
        name then URL; ``active_only``: only the feeds of active sources."""
        where = " WHERE s.active = 1" if active_only else ""
        rows = self._rows(
            "SELECT f.id, f.source_id, s.name, f.url, f.kind, w.etag, w.last_modified, w.last_fetch,"
            " w.last_success, w.last_error, w.last_error_time, w.failures, w.next_due, w.paused, w.interval"
            " FROM source_feeds f JOIN sources s ON s.id = f.source_id"
            f" LEFT JOIN watch_feeds w ON w.feed_id = f.id{where} ORDER BY s.name_fold, f.url, f.id"
        )
        return [self._feed_state(r) for r in rows]

    def put_feed_state(self, state: FeedState) -> None:
        """Save (replace) the polling state of one feed."""
        row = {
            "feed_id": state.feed_id,
            "etag": state.etag,
            "last_modified": state.last_modified,
            "last_fetch": _utc_key(state.last_fetch) if state.last_fetch else None,
            "last_success": _utc_key(state.last_success) if state.last_success else None,
            "last_error": state.last_error,
            "last_error_time": _utc_key(state.last_error_time) if state.last_error_time else None,
            "failures": state.failures,
            "next_due": _utc_key(state.next_due) if state.next_due else None,
            "paused": 1 if state.paused else 0,
            "interval": state.interval,
        }
        cols = ", ".join(f'"{k}"' for k in row)
        sets = ", ".join(f'"{k}" = excluded."{k}"' for k in row if k != "feed_id")
        with self.transaction():
            self._x(
                f"INSERT INTO watch_feeds ({cols}) VALUES ({', '.join(':' + k for k in row)})"
                f" ON CONFLICT (feed_id) DO UPDATE SET {sets}",
                row,
            )

    def watch_entries(
        self, feed_ids: Collection[int], *, entries: Collection[str] | None = None
    ) -> list[WatchEntry]:
        """Return the entries seen in these feeds (``entries``: only those with these keys)."""
        found: list[WatchEntry] = []
        keys = None if entries is None else sorted(set(entries))
        for chunk in _chunks(sorted(set(feed_ids))):
            select = f"SELECT * FROM watch_entries WHERE feed_id IN ({','.join('?' * len(chunk))})"
            if keys is None:
                rows = self._rows(select, chunk)
            else:
                rows = []
                for part in _chunks(keys):
                    rows += self._rows(
                        f"{select} AND entry IN ({','.join('?' * len(part))})", [*chunk, *part]
                    )
            found += [
                WatchEntry(
                    feed_id=int(r["feed_id"]),
                    entry=r["entry"],
                    url=r["url"],
                    document_id=r["document_id"],
                    seen=datetime.fromisoformat(r["seen"]),
                    attempts=int(r["attempts"]),
                    error=r["error"],
                )
                for r in rows
            ]
        return found

    def entry_documents(self, urls: Collection[str]) -> dict[str, str]:
        """Return, for those of these URLs that an entry of any feed already became, the document id."""
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(set(urls))):
            rows = self._rows(
                "SELECT url, min(document_id) AS document_id FROM watch_entries WHERE document_id IS NOT NULL"
                f" AND url IN ({','.join('?' * len(chunk))}) GROUP BY url",
                chunk,
            )
            found.update({r["url"]: r["document_id"] for r in rows})
        return found

    def put_watch_entry(self, entry: WatchEntry, documents: Sequence[Document] = ()) -> int:
        """Store ``documents`` (what the entry's page gave: its first is the entry's document) and record
        ``entry`` in one transaction; return how many documents were new (a killed process leaves all or
        none)."""
        with self.transaction():
            new = sum(self.add_document(document) for document in documents)
            self._x(
                "INSERT INTO watch_entries (feed_id, entry, url, document_id, seen, attempts, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, entry) DO UPDATE SET url = excluded.url,"
                " document_id = excluded.document_id, attempts = excluded.attempts, error = excluded.error",
                (
                    entry.feed_id,
                    entry.entry,
                    entry.url,
                    entry.document_id,
                    _utc_key(entry.seen),
                    entry.attempts,
                    entry.error,
                ),
            )
        return new

    def source_activity(self, since: datetime) -> list[SourceActivity]:
        """Return, per source, the documents received per day since ``since`` (UTC days) from its feeds'
        entries and the articles of its domains, and when the latest of them ever arrived."""
        tied = (
            "SELECT f.source_id, e.document_id AS doc FROM watch_entries e JOIN source_feeds f ON f.id = e.feed_id"
            " WHERE e.document_id IS NOT NULL"
            " UNION SELECT coalesce(d.source_id, s.id) AS source_id, a.content_id AS doc FROM articles a"
            " LEFT JOIN source_domains d ON d.domain = a.domain"
            " LEFT JOIN sources s ON d.source_id IS NULL AND s.name_fold = a.outlet_fold"
            " WHERE coalesce(d.source_id, s.id) IS NOT NULL"
        )
        latest = {
            r["source_id"]: datetime.fromisoformat(r["last"])
            for r in self._rows(
                f"SELECT t.source_id, max(doc.received_key) AS last FROM ({tied}) t"
                " JOIN documents doc ON doc.id = t.doc GROUP BY t.source_id"
            )
        }
        days: dict[str, dict[str, int]] = {}
        for r in self._rows(
            f"SELECT t.source_id, substr(doc.received_key, 1, 10) AS day, count(DISTINCT t.doc) AS n"
            f" FROM ({tied}) t JOIN documents doc ON doc.id = t.doc WHERE doc.received_key >= ?"
            " GROUP BY t.source_id, substr(doc.received_key, 1, 10)",
            (_utc_key(since),),
        ):
            days.setdefault(r["source_id"], {})[r["day"]] = int(r["n"])
        return [
            SourceActivity(source_id=ident, days=days.get(ident, {}), last_article=last)
            for ident, last in sorted(latest.items())
        ]

    @staticmethod
    def _watch(r: RowMapping) -> Watch:
        return Watch(
            id=int(r["id"]),
            entity=r["entity"],
            words=r["words"],
            sources=tuple(json.loads(r["sources"] or "[]")),
            created=datetime.fromisoformat(r["created"]),
            last_look=codec.parse_datetime(r["last_look"]),
        )

    def add_watch(self, watch: Watch) -> Watch:
        """Store a new watch; return it with its id."""
        with self.transaction():
            row = self._x(
                "INSERT INTO watches (entity, words, sources, created, last_look) VALUES (?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    watch.entity,
                    watch.words,
                    json.dumps(list(watch.sources)),
                    _utc_key(watch.created),
                    _utc_key(watch.last_look) if watch.last_look else None,
                ),
            ).fetchone()
        assert row is not None  # INSERT ... RETURNING gives the new row
        return replace(watch, id=int(row["id"]))

    def list_watches(self) -> list[Watch]:
        """Return the watches, oldest first."""
        return [self._watch(r) for r in self._rows("SELECT * FROM watches ORDER BY id")]

    def remove_watch(self, watch_id: int) -> bool:
        """Delete a watch and its alerts; return False when there is none with this id."""
        with self.transaction():
            self._x("DELETE FROM alerts WHERE watch_id = ?", (watch_id,))
            return self._x("DELETE FROM watches WHERE id = ?", (watch_id,)).rowcount > 0

    def set_watch_look(self, watch_id: int, when: datetime) -> None:
        """Record when ``veille alerts`` last looked for a watch."""
        with self.transaction():
            self._x("UPDATE watches SET last_look = ? WHERE id = ?", (_utc_key(when), watch_id))

    def stories_received_since(self, when: datetime | None) -> list[str]:
        """Return the ids of the stories with an article whose document arrived after ``when`` (None: all)."""
        where, params = ("WHERE d.received_key > ?", (_utc_key(when),)) if when is not None else ("", ())
        rows = self._rows(
            "SELECT DISTINCT m.story_id FROM story_articles m JOIN articles a ON a.id = m.article_id"
            f" JOIN documents d ON d.id = a.content_id {where} ORDER BY m.story_id",
            params,
        )
        return [r["story_id"] for r in rows]

    def add_alert(self, alert: Alert) -> bool:
        """Store an alert; return False (and change nothing) when the watch already has one of this kind and key."""
        with self.transaction():
            cur = self._x(
                "INSERT INTO alerts (watch_id, kind, key, story_id, payload, created) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    alert.watch_id,
                    alert.kind,
                    alert.key,
                    alert.story_id,
                    alert.payload,
                    _utc_key(alert.created),
                ),
            )
            return cur.rowcount > 0

    def list_alerts(self, *, pending: bool = False, since: datetime | None = None) -> list[Alert]:
        """Return alerts, oldest first: ``pending`` only those not delivered; ``since`` only newer ones."""
        clauses, params = [], []
        if pending:
            clauses.append("delivered IS NULL")
        if since is not None:
            clauses.append("created > ?")
            params.append(_utc_key(since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return [
            Alert(
                id=int(r["id"]),
                watch_id=int(r["watch_id"]),
                kind=r["kind"],
                key=r["key"],
                story_id=r["story_id"],
                payload=r["payload"],
                created=datetime.fromisoformat(r["created"]),
                delivered=codec.parse_datetime(r["delivered"]),
                delivery_error=r["delivery_error"],
            )
            for r in self._rows(f"SELECT * FROM alerts{where} ORDER BY id", params)
        ]

    def mark_alert(self, alert_id: int, *, delivered: datetime | None, error: str | None) -> None:
        """Record a delivery of an alert: when it succeeded, or why it failed (it stays pending)."""
        with self.transaction():
            self._x(
                "UPDATE alerts SET delivered = ?, delivery_error = ? WHERE id = ?",
                (_utc_key(delivered) if delivered else None, error, alert_id),
            )

    def close(self) -> None:
        """Release the connection (idempotent)."""
        self._db.close()

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
