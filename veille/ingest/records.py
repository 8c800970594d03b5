"""JSON and JSON Lines records as news-please writes them: one Document per record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import IO, Any

from veille.errors import MalformedError, TooLargeError
from veille.ingest.base import Ingested, failed, ok
from veille.model import Document

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
OCTET_TYPE = "application/octet-stream"
# A news record is a flat object with a few lists; deeper nesting is a broken or hostile file.
MAX_DEPTH = 64
_CHUNK = 1 << 20


def json_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Return how deeply ``value`` nests lists and objects (a scalar is 0), counting at most to ``limit`` + 1."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _loads(raw: bytes) -> Any:
    """json.loads, with nesting bounded: RecursionError and records deeper than MAX_DEPTH are ValueErrors."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError(f"JSON nests too deeply (more than {MAX_DEPTH} levels)") from None
    if json_depth(data) > MAX_DEPTH:
        raise ValueError(f"JSON nests too deeply (more than {MAX_DEPTH} levels)")
    return data


def _record_document(raw: bytes, record: Any, *, source: str, container: str, number: int) -> Ingested:
    if not isinstance(record, dict):
        doc = Document.from_bytes(
            raw, media_type=OCTET_TYPE, source=source, container=container, record_id=str(number)
        )
        kind = type(record).__name__
        return failed(doc, MalformedError(f"record {number} is a JSON {kind}, not an object"), source=source)
    url = record.get("url")
    doc = Document.from_bytes(
        raw,
        media_type=JSON_TYPE,
        source=source,
        container=container,
        record_id=str(number),
        url=url if isinstance(url, str) and url else None,
        hints={"encoding": "utf-8", "encoding_source": "utf-8"},
    )
    return ok(doc)


def iter_jsonl(raw: bytes, *, source: str) -> Iterator[Ingested]:
    """Yield one Ingested per non-empty line of a JSON Lines file (record_id = line number, from 1).

    A line that is not valid JSON yields its bytes as application/octet-stream with a ``malformed`` Failure.
    """
    return _iter_lines(((line, 0) for line in raw.splitlines()), source=source)


def iter_jsonl_stream(stream: IO[bytes], *, source: str, max_line_bytes: int) -> Iterator[Ingested]:
    """Yield what ``iter_jsonl`` yields for the bytes of ``stream``, read line by line (a file of any size
    in bounded memory); a line over ``max_line_bytes`` is a ``too_large`` Failure, read and dropped."""
    return _iter_lines(_stream_lines(stream, max_line_bytes), source=source)


def _stream_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes, int]]:
    # (line, 0), or (b"", size) for a line over ``limit``; lines are cut as bytes.splitlines() cuts them.
    while chunk := stream.readline(limit + 1):
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            size = len(chunk)
            while more := stream.readline(_CHUNK):
                size += len(more)
                if more.endswith(b"\n"):
                    break
            yield b"", size
            continue
        for line in chunk.splitlines() or [b""]:
            yield line, 0


def _iter_lines(lines: Iterable[tuple[bytes, int]], *, source: str) -> Iterator[Ingested]:
    for number, (line, oversize) in enumerate(lines, start=1):
        if oversize:
            message = f"line {number} holds {oversize:,} bytes, over the input limit; not stored"
            yield failed(None, TooLargeError(message), source=source, item=f"{source}#line-{number}")
            continue
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            record = _loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            doc = Document.from_bytes(
                line, media_type=OCTET_TYPE, source=source, container="jsonl", record_id=str(number)
            )
            yield failed(doc, MalformedError(f"line {number} is not valid JSON: {exc}"), source=source)
            continue
        yield _record_document(line, record, source=source, container="jsonl", number=number)


def iter_json(raw: bytes, *, source: str) -> Iterator[Ingested]:
    """Yield one Ingested per record of a JSON file: each element of an array (re-serialized), or the
    object itself. Invalid JSON yields the whole file as application/octet-stream with a ``malformed`` Failure."""
    try:
        data = _loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="json")
        yield failed(doc, MalformedError(f"not valid JSON: {exc}"), source=source)
        return
    if isinstance(data, dict):
        yield _record_document(raw, data, source=source, container="json", number=1)
        return
    if not isinstance(data, list):
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container="json")
        yield failed(doc, MalformedError("JSON is neither an object nor an array of records"), source=source)
        return
    for number, record in enumerate(data, start=1):
        element = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        yield _record_document(element, record, source=source, container="json", number=number)
