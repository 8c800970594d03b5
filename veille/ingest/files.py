"""Read one input's bytes into Documents: sniff the kind, split containers, check emptiness, binary, size."""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from veille.errors import EmptyInputError, InputError, MalformedError, NotTextError
from veille.ingest.base import Ingested, failed, text_item
from veille.ingest.feeds import iter_feed
from veille.ingest.records import iter_json, iter_jsonl
from veille.ingest.sniff import binary_kind, sniff
from veille.ingest.warc import iter_warc
from veille.model import Document

logger = logging.getLogger(__name__)

OCTET_TYPE = "application/octet-stream"


def _gunzip(raw: bytes, limit: int) -> bytes:
    decompressor = zlib.decompressobj(wbits=31)
    data = decompressor.decompress(raw, limit + 1)
    if len(data) > limit:
        raise MalformedError(f"gzip content is larger than max_document_bytes ({limit:,})")
    if not decompressor.eof:
        raise MalformedError("gzip stream is truncated")
    return data


def iter_bytes(
    raw: bytes,
    *,
    source: str,
    origin: str,
    max_bytes: int,
    name: str = "",
    content_type: str | None = None,
    declared: str | None = None,
    url: str | None = None,
) -> Iterator[Ingested]:
    """Yield the Ingested items of one input's bytes; ``origin`` (file, stdin, url) is the container of a
    single HTML or text document. Never raises for bad bytes: each problem is a Failure with its code."""
    kind = sniff(raw, name, content_type)
    logger.debug("%s sniffed as %s", source, kind)
    if kind == "empty":
        yield failed(None, EmptyInputError(f"{source} is empty (0 bytes); nothing stored"), source=source)
        return
    if kind == "gzip":
        try:
            inner = _gunzip(raw, max_bytes)
        except (MalformedError, zlib.error, gzip.BadGzipFile) as exc:
            doc = Document.from_bytes(raw, media_type="application/gzip", source=source, container=origin)
            error = exc if isinstance(exc, MalformedError) else MalformedError(f"corrupt gzip data: {exc}")
            yield failed(doc, error, source=source)
            return
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        yield from iter_bytes(
            inner,
            source=source,
            origin=origin,
            max_bytes=max_bytes,
            name=inner_name,
            content_type=content_type,
            declared=declared,
            url=url,
        )
        return
    if kind == "binary":
        what = binary_kind(raw) or "binary data"
        doc = Document.from_bytes(raw, media_type=OCTET_TYPE, source=source, container=origin, url=url)
        yield failed(doc, NotTextError(f"{source} is {what}, not text or HTML"), source=source)
        return
    if kind == "warc":
        yield from iter_warc(raw, source=source, max_bytes=max_bytes)
    elif kind == "feed":
        yield from iter_feed(raw, source=source, declared=declared)
    elif kind == "json":
        yield from iter_json(raw, source=source)
    elif kind == "jsonl":
        yield from iter_jsonl(raw, source=source)
    else:
        hints = {"content_type": content_type} if content_type else None
        yield text_item(
            raw,
            media_type="text/html" if kind == "html" else "text/plain",
            source=source,
            container=origin,
            max_bytes=max_bytes,
            declared=declared,
            url=url,
            hints=hints,
        )


def walk_folder(folder: Path) -> Iterator[Path]:
    """Yield the files under ``folder`` recursively, sorted by path, skipping hidden files and folders."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def iter_file(path: Path, *, max_bytes: int) -> Iterator[Ingested]:
    """Yield the Ingested items of one file (source = its absolute path); unreadable files are Failures."""
    source = str(path.resolve())
    try:
        raw = path.read_bytes()
    except OSError as exc:
        error = InputError(f"cannot read {source}: {exc.strerror or exc}", code="unreadable")
        yield failed(None, error, source=source)
        return
    yield from iter_bytes(raw, source=source, origin="file", max_bytes=max_bytes, name=path.name)
