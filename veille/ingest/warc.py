"""WARC and WET files (gzipped or not, read with warcio): one Document per HTML response or conversion."""

from __future__ import annotations

import io
import logging
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from veille.errors import MalformedError
from veille.ingest.base import Ingested, failed, text_item
from veille.ingest.encoding import charset_from_content_type
from veille.ingest.sniff import gunzip_head, sniff
from veille.model import Document

logger = logging.getLogger(__name__)

WARC_TYPE = "application/warc"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _gzip_break(raw: bytes) -> str | None:
    """Return why a (multi-member) gzip stream is incomplete or corrupt, or None when it is whole."""
    data = raw
    while data:
        decompressor = zlib.decompressobj(wbits=31)
        try:
            while True:
                # Bounded output per step so a huge archive is never held decompressed.
                decompressor.decompress(data, 1 << 20)
                data = decompressor.unconsumed_tail
                if not data or decompressor.eof:
                    break
        except zlib.error as exc:
            return f"corrupt gzip data ({exc})"
        if not decompressor.eof:
            return "gzip stream ends before its end-of-stream marker (truncated)"
        data = decompressor.unused_data
        if data.strip(b"\x00") == b"":
            return None
    return None


def _is_html(content_type: str, payload: bytes) -> bool:
    media = content_type.split(";")[0].strip().lower()
    if media:
        return media in _HTML_TYPES
    return sniff(payload) == "html"


def iter_warc(raw: bytes, *, source: str, max_bytes: int) -> Iterator[Ingested]:
    """Yield a Document per HTML ``response`` (text/html) and per ``conversion`` record (text/plain, WET).

    Other records are skipped (counted at debug level). When the archive is truncated or corrupt, the
    records read before the break come out as usual, then the raw archive with a ``malformed`` Failure.
    """
    state = RecordsRead()
    count = 0
    is_gzip = raw.startswith(b"\x1f\x8b")
    broken: str | None = _gzip_break(raw) if is_gzip else None
    head = gunzip_head(raw, 64) if is_gzip else raw[:64]
    try:
        if not head.lstrip().startswith(b"WARC/"):
            raise MalformedError("does not start with a WARC header (WARC/1.x)")
        for _, item in read_document_records(
            ArchiveIterator(io.BytesIO(raw)), is_gzip=is_gzip, source=source, max_bytes=max_bytes, state=state
        ):
            count += 1
            yield item
        if state.broken is not None:
            broken = state.broken
        # warcio ends quietly on a header cut short: bytes left after the last record mean a break.
        elif not is_gzip and broken is None and raw[state.end :].strip(b"\r\n"):
            broken = f"{len(raw) - state.end} bytes after the last whole record are not a complete record"
    except (ArchiveLoadFailed, MalformedError, EOFError, OSError, ValueError, zlib.error) as exc:
        broken = f"{type(exc).__name__}: {exc}"
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        # warcio trips over some cut headers with these instead of its own errors.
        logger.debug("warcio failed on %s", source, exc_info=True)
        broken = f"unreadable record ({type(exc).__name__}: {exc})"
    logger.debug("WARC %s: %d documents, skipped %s", source, count, dict(state.skipped))
    if broken is not None:
        doc = Document.from_bytes(raw, media_type=WARC_TYPE, source=source, container="warc")
        message = f"WARC broke after {count} document record(s): {broken}"
        yield failed(doc, MalformedError(message), source=source)


@dataclass(slots=True)
class RecordsRead:
    """What ``read_document_records`` learnt besides the documents: why the archive broke (None when every
    record was whole), where the last whole record ended (uncompressed archives only), what was skipped."""

    broken: str | None = None
    end: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def read_document_records(
    records: Iterable[Any], *, is_gzip: bool, source: str, max_bytes: int, state: RecordsRead
) -> Iterator[tuple[int, Ingested]]:
    """Yield (record number, Ingested) per HTML response and WET conversion of a warcio ``ArchiveIterator``;
    stop at the first record cut short, saying why in ``state.broken``. warcio's own errors propagate."""
    for number, record in enumerate(records, start=1):
        if record.rec_type is None:
            raise MalformedError(f"record {number} has no WARC header")
        payload = record.content_stream().read()
        # A whole record has consumed exactly its Content-Length; a cut one has bytes left to read.
        remaining = getattr(record.raw_stream, "limit", None)
        declared_length = (record.rec_headers.get_header("Content-Length") or "").strip()
        if remaining is None or not declared_length.isdigit():
            state.broken = f"record {number} has no readable Content-Length"
            return
        if remaining:
            state.broken = f"record {number} is cut short ({remaining} bytes missing)"
            return
        if not is_gzip:
            state.end = records.get_record_offset() + records.get_record_length()  # type: ignore[attr-defined]
        if record.rec_type not in {"response", "resource", "conversion"}:
            state.skipped[record.rec_type] += 1
            continue
        item = _record_item(record, payload, source=source, max_bytes=max_bytes, skipped=state.skipped)
        if item is not None:
            yield number, item


def _record_item(
    record: object, payload: bytes, *, source: str, max_bytes: int, skipped: Counter[str]
) -> Ingested | None:
    headers = record.rec_headers  # type: ignore[attr-defined]
    rec_type: str = record.rec_type  # type: ignore[attr-defined]
    record_id = headers.get_header("WARC-Record-ID")
    url = headers.get_header("WARC-Target-URI")
    hints = {"warc_date": headers.get_header("WARC-Date") or "", "warc_type": rec_type}
    hints = {k: v for k, v in hints.items() if v}
    if rec_type == "conversion":
        if not payload.strip():
            skipped["empty conversion"] += 1
            return None
        return text_item(
            payload,
            media_type="text/plain",
            source=source,
            container="wet",
            max_bytes=max_bytes,
            declared=charset_from_content_type(headers.get_header("Content-Type")) or "utf-8",
            url=url,
            record_id=record_id,
            hints=hints,
        )
    http = record.http_headers  # type: ignore[attr-defined]
    if http is not None:
        status = http.get_statuscode() or ""
        content_type = http.get_header("Content-Type") or ""
        if status and not status.startswith("2"):
            skipped[f"http {status}"] += 1
            return None
    else:
        content_type = headers.get_header("Content-Type") or ""
    if not payload.strip() or not _is_html(content_type, payload):
        logger.debug("skipping non-HTML %s record %s (%s)", rec_type, url, content_type or "no type")
        skipped[f"non-html {rec_type}"] += 1
        return None
    if content_type:
        hints["content_type"] = content_type
    return text_item(
        payload,
        media_type="text/html",
        source=source,
        container="warc",
        max_bytes=max_bytes,
        declared=charset_from_content_type(content_type),
        url=url,
        record_id=record_id,
        hints=hints,
    )
