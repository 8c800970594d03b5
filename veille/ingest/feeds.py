"""RSS 2.0 and Atom feeds (read with feedparser): one news-please-like JSON record per entry."""

from __future__ import annotations

import calendar
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser

from veille.errors import MalformedError
from veille.ingest.base import Ingested, failed, ok
from veille.model import Document

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
OCTET_TYPE = "application/octet-stream"


def _iso(parsed: Any) -> str | None:
    # feedparser gives UTC struct_time; timegm keeps it UTC (mktime would apply the local zone).
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()


def _authors(entry: Any) -> list[str]:
    names = [a.get("name", "").strip() for a in entry.get("authors", []) if isinstance(a, dict)]
    names = [n for n in names if n]
    if not names and entry.get("author"):
        names = [str(entry.get("author")).strip()]
    return names


def _maintext(entry: Any) -> str:
    contents = entry.get("content") or []
    values = [c.get("value", "") for c in contents if isinstance(c, dict) and c.get("value")]
    if values:
        return str(max(values, key=len))
    return str(entry.get("summary") or "")


def entry_record(entry: Any, *, feed_title: str, feed_url: str, language: str | None) -> dict[str, Any]:
    """Return the news-please-like record of one feedparser entry (title, url, date_publish, maintext...)."""
    record: dict[str, Any] = {
        "title": entry.get("title") or None,
        "url": entry.get("link") or None,
        "date_publish": _iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        "authors": _authors(entry),
        "description": entry.get("summary") or None,
        "maintext": _maintext(entry) or None,
        "source_domain": feed_title or None,
        "feed_title": feed_title or None,
        "feed_url": feed_url,
    }
    if language:
        record["language"] = language
    return record


def iter_feed(raw: bytes, *, source: str, declared: str | None = None) -> Iterator[Ingested]:
    """Yield one application/json Document per entry of an RSS or Atom feed (container rss/atom).

    A feed feedparser cannot read (not XML, no entries) yields its raw bytes with a ``malformed`` Failure.
    """
    headers = {"content-type": f"application/xml; charset={declared}"} if declared else None
    parsed = feedparser.parse(raw, response_headers=headers, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    version = str(parsed.get("version") or "")
    if not entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="rss")
            yield failed(doc, MalformedError(f"not a readable RSS/Atom feed: {reason}"), source=source)
        else:
            logger.info("feed %s has no entries", source)
        return
    if parsed.get("bozo"):
        logger.debug(
            "feed %s is not well-formed (%s); kept its entries", source, parsed.get("bozo_exception")
        )
    container = "atom" if version.startswith("atom") else "rss"
    feed = parsed.get("feed", {})
    feed_title = str(feed.get("title") or "")
    language = feed.get("language") or None
    for entry in entries:
        record = entry_record(entry, feed_title=feed_title, feed_url=source, language=language)
        body = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        hints = {"feed": source, "encoding": "utf-8", "encoding_source": "utf-8"}
        if feed_title:
            hints["feed_title"] = feed_title
        if record["date_publish"]:
            hints["published"] = record["date_publish"]
        if record["title"]:
            hints["title"] = record["title"]
        doc = Document.from_bytes(
            body,
            media_type=JSON_TYPE,
            source=source,
            container=container,
            record_id=entry.get("id") or entry.get("link") or None,
            url=record["url"],
            hints=hints,
        )
        yield ok(doc)
