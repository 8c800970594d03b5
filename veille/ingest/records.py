"""JSON and JSON Lines records as news-please writes them: one Document per record."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from veille.errors import MalformedError
from veille.ingest.base import Ingested, failed, ok
from veille.model import Document

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
OCTET_TYPE = "application/octet-stream"


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
    for number, line in enumerate(raw.splitlines(), start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            record = json.loads(line)
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
        data = json.loads(raw)
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
