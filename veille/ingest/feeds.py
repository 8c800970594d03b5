"""RSS 2.0 and Atom feeds (read with feedparser): one news-please-like JSON record per entry."""

from __future__ import annotations

import calendar
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from xml.parsers import expat

import feedparser

from veille.errors import MalformedError
from veille.ingest.base import Ingested, failed, ok
from veille.model import Document

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
OCTET_TYPE = "application/octet-stream"


_WRITTEN_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)")
_WRITTEN_RFC822 = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<y>\d{4})")
_MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}


def impossible_date(written: str | None) -> bool:
    """Return True when ``written`` (a feed's date as written) names a day its month does not have.

    feedparser rolls such a day over (2023-02-31 becomes March 3rd): it must be no date instead.
    """
    if not written:
        return False
    match = _WRITTEN_ISO.search(written)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
    else:
        match = _WRITTEN_RFC822.search(written)
        if not match or match["mon"].title() not in _MONTHS:
            return False
        year, month, day = int(match["y"]), _MONTHS[match["mon"].title()], int(match["d"])
    if not 1 <= month <= 12:
        return True
    return not 1 <= day <= calendar.monthrange(year, month)[1]


def _iso(parsed: Any, written: str | None = None) -> str | None:
    # feedparser gives UTC struct_time; timegm keeps it UTC (mktime would apply the local zone).
    if not parsed:
        return None
    if impossible_date(written):
        logger.info("feed date %r names a day that does not exist; no date kept", written)
        return None
    year = parsed[0]
    if written is not None and not any(str(y) in written for y in (year - 1, year, year + 1)):
        # feedparser fills what is not written from today (a bare time "T10:00:00Z" becomes today).
        logger.info("feed date %r does not write its year; no date kept", written)
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        logger.info("feed date %r is out of range; no date kept", written)
        return None


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


def _entry_date(entry: Any) -> str | None:
    for key in ("published", "updated"):
        if entry.get(f"{key}_parsed"):
            return _iso(entry.get(f"{key}_parsed"), str(entry.get(key) or ""))
    return None


def entry_record(entry: Any, *, feed_title: str, feed_url: str, language: str | None) -> dict[str, Any]:
    """Return the news-please-like record of one feedparser entry (title, url, date_publish, maintext...)."""
    record: dict[str, Any] = {
        "title": entry.get("title") or None,
        "url": entry.get("link") or None,
        "date_publish": _entry_date(entry),
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


_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s>]{1,100})", re.I)
_PROLOG_BYTES = 1 << 20
# feedparser reads a feed that is not well-formed XML with a lenient parser written in Python, whose time
# grows with the size (about 10 s per MB of tags here): only feeds up to this size get it.
LENIENT_MAX_BYTES = 1 << 20


def _declared_entity(raw: bytes) -> str | None:
    """Return the name of the first entity an XML document's DOCTYPE declares, or None.

    Feeds never need them; expat limits the billion laughs but the loose parser feedparser falls back to
    does not, and an external entity reads a local file or a URL. Works on UTF-16 too (NULs dropped).
    """
    head = raw[:_PROLOG_BYTES].replace(b"\x00", b"")
    if b"<!" not in head:
        return None
    match = _ENTITY_DECL.search(head)
    return match.group(2).decode("utf-8", "replace") if match else None


def _not_well_formed(raw: bytes) -> str | None:
    """Return why ``raw`` is not well-formed XML (expat, in C: fast on any size), or None when it is."""
    parser = expat.ParserCreate()
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, ValueError, LookupError) as exc:
        return str(exc)
    return None


def iter_feed(raw: bytes, *, source: str, declared: str | None = None) -> Iterator[Ingested]:
    """Yield one application/json Document per entry of an RSS or Atom feed (container rss/atom).

    A feed feedparser cannot read (not XML, no entries), or one that declares XML entities, yields its raw
    bytes with a ``malformed`` Failure.
    """
    entity = _declared_entity(raw)
    if entity is not None:
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="rss")
        message = (
            f"feed declares XML entities ({entity}); refused unread, as entity expansion can exhaust memory "
            "(billion laughs) or read local files (XXE)"
        )
        yield failed(doc, MalformedError(message), source=source)
        return
    broken = _not_well_formed(raw) if len(raw) > LENIENT_MAX_BYTES else None
    if broken is not None:
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="rss")
        message = (
            f"not a readable RSS/Atom feed: not well-formed XML ({broken}), and at {len(raw):,} bytes too large "
            f"for the lenient parser (at most {LENIENT_MAX_BYTES:,} bytes: its time grows with the size)"
        )
        yield failed(doc, MalformedError(message), source=source)
        return
    headers = {"content-type": f"application/xml; charset={declared}"} if declared else None
    try:
        parsed = feedparser.parse(raw, response_headers=headers, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - feedparser raises many kinds on hostile bytes (found by fuzzing)
        # e.g. UnicodeDecodeError or "embedded null character" on a broken XML encoding declaration.
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="rss")
        message = f"not a readable RSS/Atom feed: feedparser failed ({type(exc).__name__}: {exc})"
        yield failed(doc, MalformedError(message), source=source)
        return
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
