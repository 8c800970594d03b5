"""WARC and WET files (gzipped or not, read with warcio): one Document per HTML response or conversion."""

from __future__ import annotations

import io
import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from veille.errors import MalformedError, TooLargeError
from veille.ingest.base import Ingested, failed, text_item
from veille.ingest.compressed import STREAM_FLOOR, Inflater, open_stream
from veille.ingest.encoding import charset_from_content_type
from veille.ingest.sniff import gunzip_head, sniff
from veille.model import Document

logger = logging.getLogger(__name__)

WARC_TYPE = "application/warc"
# One record (or a broken archive kept whole) is read up to this many times max_document_bytes.
RECORD_LIMIT_FACTOR = 10
_CHUNK = 1 << 20
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _gzip_break(stream: IO[bytes]) -> tuple[str | None, int]:
    """Return why a (multi-member) gzip stream is incomplete or corrupt (None when it is whole), and the
    number of gzip members it starts.

    Reads ``stream`` from where it is to its end in bounded chunks (never held whole, never decompressed
    whole); NUL padding between or after members is allowed."""
    inflater = Inflater("gzip", stream.read)
    try:
        inflater.drain(_CHUNK)
    except MalformedError as exc:
        return str(exc), inflater.streams
    return None, inflater.streams


def _is_html(content_type: str, payload: bytes) -> bool:
    media = content_type.split(";")[0].strip().lower()
    if media:
        return media in _HTML_TYPES
    return sniff(payload) == "html"


def iter_warc(raw: bytes, *, source: str, max_bytes: int) -> Iterator[Ingested]:
    """Yield the Ingested items of WARC bytes (see ``iter_warc_stream``)."""
    yield from iter_warc_stream(io.BytesIO(raw), source=source, max_bytes=max_bytes)


class _QuietArchiveIterator(ArchiveIterator):  # type: ignore[misc]
    # warcio prints a warning on stderr when a record's Content-Length is short; read_document_records
    # turns it into a Failure instead (it counts them in err_count).
    INC_RECORD = ""


def iter_warc_stream(
    stream: IO[bytes], *, source: str, max_bytes: int, whole: IO[bytes] | None = None
) -> Iterator[Ingested]:
    """Yield a Document per HTML ``response`` (text/html) and per ``conversion`` record (text/plain, WET).

    ``stream`` is read record by record (it must be seekable: a gzip archive is checked whole first, in
    bounded chunks). Other records are skipped (counted at debug level); a record whose target URI is not
    http(s), whose Content-Length lies or whose payload is over the input limit is a Failure. When the
    archive is truncated or corrupt, the records read before the break come out as usual, then the raw
    archive (when not over the input limit) with a ``malformed`` Failure. ``whole`` is where that raw
    archive is read from when ``stream`` decompresses it (``veille.ingest.compressed.open_stream``).
    """
    state = RecordsRead()
    count = 0
    start = stream.tell()
    head = stream.read(64 * 1024)
    is_gzip = head.startswith(b"\x1f\x8b")
    broken: str | None = None
    if is_gzip:
        stream.seek(start)
        broken, members = _gzip_break(stream)
        head = gunzip_head(head, 64)
        if members == 1 and broken is None and head.lstrip().startswith(b"WARC/"):
            # One gzip member for the whole archive (``gzip file.warc``, not one member per record): warcio
            # reads its first record only. Read it decompressed, as a .warc.bz2 is (bounded steps). A cut or
            # corrupt one is read as before: what warcio reads, then the archive kept with its failure.
            stream.seek(start)
            reader = open_stream(stream, "gzip", floor=STREAM_FLOOR)
            kept = whole if whole is not None else stream
            yield from iter_warc_stream(reader, source=source, max_bytes=max_bytes, whole=kept)
            return
    stream.seek(start)
    try:
        if not head.lstrip().startswith(b"WARC/"):
            raise MalformedError("does not start with a WARC header (WARC/1.x)")

        def last_whole() -> bool:
            # WARC/1.x: each record ends with CRLF CRLF (gzip members are checked whole by _gzip_break).
            if is_gzip or not head.lstrip().startswith(b"WARC/"):
                return True
            stream.seek(start + state.end)
            return stream.read(4) == b"\r\n\r\n"

        for _, item in read_document_records(
            _QuietArchiveIterator(stream),
            is_gzip=is_gzip,
            source=source,
            max_bytes=max_bytes,
            state=state,
            last_whole=last_whole,
        ):
            count += item.document is not None
            yield item
        if state.broken is not None:
            broken = state.broken
        # warcio ends quietly on a header cut short: bytes left after the last record mean a break.
        elif not is_gzip and broken is None:
            if not last_whole():
                broken = "the last record is not followed by CRLF CRLF (the archive is cut)"
            stream.seek(start + state.end)
            left = _non_blank_left(stream)
            if left:
                broken = f"{left} bytes after the last whole record are not a complete record"
    except (ArchiveLoadFailed, MalformedError, EOFError, OSError, ValueError, zlib.error) as exc:
        broken = f"{type(exc).__name__}: {exc}"
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        # warcio trips over some cut headers with these instead of its own errors.
        logger.debug("warcio failed on %s", source, exc_info=True)
        broken = f"unreadable record ({type(exc).__name__}: {exc})"
    logger.debug("WARC %s: %d documents, skipped %s", source, count, dict(state.skipped))
    if broken is not None:
        message = f"WARC broke after {count} document record(s): {broken}"
        kept = whole if whole is not None else stream
        kept.seek(0 if whole is not None else start)
        raw = _read_upto(kept, _whole_limit(max_bytes) + 1)
        if len(raw) > _whole_limit(max_bytes):
            # Too big to keep as one document: the records before the break are stored, the rest is said.
            yield failed(
                None, MalformedError(message + "; the archive is too large to store whole"), source=source
            )
            return
        doc = Document.from_bytes(raw, media_type=WARC_TYPE, source=source, container="warc")
        yield failed(doc, MalformedError(message), source=source)


def _read_upto(stream: IO[bytes], size: int) -> bytes:
    # In chunks: read(size) allocates ``size`` bytes up front (200 MB by default) however small the file.
    chunks: list[bytes] = []
    while size > 0 and (chunk := stream.read(min(size, _CHUNK))):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _non_blank_left(stream: IO[bytes]) -> int:
    left = 0
    while chunk := stream.read(_CHUNK):
        left += len(chunk) if left else len(chunk.lstrip(b"\r\n"))
    return left


def _whole_limit(max_bytes: int) -> int:
    return max(max_bytes * RECORD_LIMIT_FACTOR, 1 << 20)


@dataclass(slots=True)
class RecordsRead:
    """What ``read_document_records`` learnt besides the documents: why the archive broke (None when every
    record was whole), where the last whole record ended (uncompressed archives only), what was skipped."""

    broken: str | None = None
    end: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def read_document_records(
    records: Iterable[Any],
    *,
    is_gzip: bool,
    source: str,
    max_bytes: int,
    state: RecordsRead,
    last_whole: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, Ingested]]:
    """Yield (record number, Ingested) per HTML response and WET conversion of a warcio ``ArchiveIterator``;
    stop at the first record cut short, saying why in ``state.broken``. warcio's own errors propagate.

    ``last_whole`` (called once the records are read) says whether the last record ends as a record must;
    when it does not, that record is a Failure rather than a document that may be cut."""
    # An item is held back until the next record starts: warcio only then finds that a Content-Length
    # was short (the record's text runs on past it), and such a record must not be stored cut.
    held: tuple[int, Ingested] | None = None
    seen_errors = getattr(records, "err_count", 0)
    iterator = iter(records)
    number = 0
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except Exception:
            # warcio's error on the next record is the caller's to handle; the record held back is whole.
            if held is not None:
                yield held
            raise
        number += 1
        errors = getattr(records, "err_count", 0)
        if errors != seen_errors:
            seen_errors = errors
            if held is not None:
                yield held[0], _lying_length(held, source=source)
                held = None
        if held is not None:
            yield held
            held = None
        if record.rec_type is None:
            raise MalformedError(f"record {number} has no WARC header")
        payload, extra = _bounded_payload(record, _whole_limit(max_bytes))
        # A whole record has consumed exactly its Content-Length; a cut one has bytes left to read.
        remaining = getattr(record.raw_stream, "limit", None)
        declared_length = (record.rec_headers.get_header("Content-Length") or "").strip()
        if remaining is None or not declared_length.isdigit():
            state.broken = f"record {number} has no readable Content-Length"
            return
        if remaining:
            state.broken = f"record {number} is cut short ({remaining} bytes missing)"
            return
        end_error: Exception | None = None
        if not is_gzip:
            try:
                state.end = records.get_record_offset() + records.get_record_length()  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001 - raised again below, once this record is out
                # warcio finds a record's end by reading on into the next one: a break there (a bomb, a cut
                # stream) comes after this record, whose Content-Length bytes were all read.
                end_error = exc
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        where = f"{source}#record-{number}"
        if record.rec_type not in {"response", "resource", "conversion"}:
            state.skipped[record.rec_type] += 1
        elif urlsplit(url.strip()).scheme.lower() not in {"http", "https"}:
            message = (
                f"record {number} ({record.rec_type}) has target URI {url[:200]!r}, not http(s); not stored"
            )
            held = number, failed(None, MalformedError(message, code="bad_url"), source=source, item=where)
        elif extra:
            size = len(payload) + extra
            message = (
                f"record {number} ({url[:200]}) holds {size:,} bytes, over the input limit "
                f"({_whole_limit(max_bytes):,} bytes); not stored"
            )
            held = number, failed(None, TooLargeError(message), source=source, item=where)
        else:
            item = _record_item(record, payload, source=source, max_bytes=max_bytes, skipped=state.skipped)
            if item is not None:
                held = number, item
        if end_error is not None:
            if held is not None:
                lied = getattr(records, "err_count", 0) != seen_errors
                yield held if not lied else (held[0], _lying_length(held, source=source))
            raise end_error
    if getattr(records, "err_count", 0) != seen_errors and held is not None:
        held = held[0], _lying_length(held, source=source)
    elif held is not None and last_whole is not None and not last_whole():
        message = (
            f"record {held[0]}: the archive ends right after its Content-Length bytes, without the record's "
            "closing CRLF CRLF: the archive is cut, and so may the record be; not stored"
        )
        held = (
            held[0],
            failed(None, MalformedError(message), source=source, item=f"{source}#record-{held[0]}"),
        )
    if held is not None:
        yield held


def _lying_length(held: tuple[int, Ingested], *, source: str) -> Ingested:
    number, item = held
    url = item.document.url if item.document is not None else None
    message = (
        f"record {number} ({url or 'no URI'}): its Content-Length is shorter than the record, whose text "
        "runs on past it; the record is not stored, since it would be cut"
    )
    return failed(None, MalformedError(message), source=source, item=f"{source}#record-{number}")


def _bounded_payload(record: Any, limit: int) -> tuple[bytes, int]:
    """Return (payload up to ``limit`` bytes, count of the bytes past it, read and dropped)."""
    stream = record.content_stream()
    payload = stream.read(limit + 1)
    if len(payload) <= limit:
        return payload, 0
    extra = len(payload) - limit
    while chunk := stream.read(_CHUNK):
        extra += len(chunk)
    return payload[:limit], extra


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
