"""Read one input's bytes into Documents: sniff the kind, split containers, check emptiness, binary, size."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from veille.errors import EmptyInputError, InputError, MalformedError, NotTextError, TooLargeError
from veille.ingest.base import Ingested, failed, text_item
from veille.ingest.compressed import NAMES, STREAM_FLOOR, compression_of, decompress, open_stream
from veille.ingest.feeds import iter_feed
from veille.ingest.records import iter_json, iter_jsonl, iter_jsonl_stream
from veille.ingest.sniff import binary_kind, sniff
from veille.ingest.warc import iter_warc, iter_warc_stream
from veille.model import Document

logger = logging.getLogger(__name__)

OCTET_TYPE = "application/octet-stream"
# One input (not a WARC, read record by record) is read up to this many times max_document_bytes.
INPUT_LIMIT_FACTOR = 10
_MIN_INPUT_LIMIT = 1 << 20
_CHUNK = 1 << 20
_SNIFF_BYTES = 64 * 1024


_COMPRESSED_TYPES = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz"}
_COMPRESSED_SUFFIXES = {"gzip": (".gz",), "bzip2": (".bz2", ".bz"), "xz": (".xz",)}


def _inner_name(name: str, fmt: str) -> str:
    # "page.html.bz2" holds "page.html": the inner name's extension still helps the sniffer.
    for suffix in _COMPRESSED_SUFFIXES[fmt]:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


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
    if kind == "compressed":
        fmt = compression_of(raw) or "gzip"
        try:
            inner = decompress(raw, fmt, max_bytes)
            again = compression_of(inner)
            if again is not None:
                # One level only: a stream inside a stream is how a bomb nests (each level under the cap).
                raise MalformedError(
                    f"{NAMES[fmt]} content is itself {NAMES[again]} data; not decompressed twice"
                )
        except MalformedError as exc:
            doc = Document.from_bytes(raw, media_type=_COMPRESSED_TYPES[fmt], source=source, container=origin)
            yield failed(doc, exc, source=source)
            return
        yield from iter_bytes(
            inner,
            source=source,
            origin=origin,
            max_bytes=max_bytes,
            name=_inner_name(name, fmt),
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


def walk_folder(folder: Path, on_error: Callable[[OSError], None] | None = None) -> Iterator[Path]:
    """Yield the files under ``folder`` recursively, sorted by path, skipping hidden files and folders.

    Symbolic links to folders are not followed (no loops) but yielded, like every entry that is not a
    folder: ``iter_file`` tells regular files from links to folders, FIFOs, devices, sockets and broken
    links. Each subfolder that cannot be listed is passed to ``on_error`` (its ``filename`` is the folder).
    """
    for root, dirs, files in os.walk(folder, onerror=on_error, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # A link to a folder is not walked (it may loop): it is yielded, and iter_file says so.
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in sorted([*files, *links]):
            if not name.startswith("."):
                yield Path(root) / name


def source_name(path: Path) -> str:
    """Return the absolute path of ``path`` with links resolved when they can be (a broken link or a link
    loop stays as given); bytes of the name that are not UTF-8 are written as ``\\xff``."""
    try:
        return _printable(str(path.resolve(strict=True)))
    except (OSError, RuntimeError):
        return _printable(os.path.abspath(path))


def _printable(name: str) -> str:
    # A file name that is not UTF-8 comes as lone surrogates, which no store or terminal takes: \xff them.
    return os.fsencode(name).decode("utf-8", "backslashreplace")


_KINDS = (
    (stat.S_ISDIR, "a folder (a symbolic link to a folder is not followed: pass the folder itself)"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "no such file (a broken symbolic link?)"
    return exc.strerror or str(exc)


def read_bounded(stream: IO[bytes], limit: int) -> bytes:
    """Return up to ``limit`` + 1 bytes of ``stream``, read in chunks (one byte more says "over the limit")."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def input_limit(max_bytes: int) -> int:
    """Return the most bytes read from one non-archive input: over it, nothing is stored (a failure says so)."""
    return max(max_bytes * INPUT_LIMIT_FACTOR, _MIN_INPUT_LIMIT)


def too_big(source: str, size: int | None, max_bytes: int) -> Ingested:
    """Return the ``too_large`` Failure of an input over ``input_limit``: not read, not stored."""
    limit = input_limit(max_bytes)
    said = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    message = (
        f"{source} is {said}, over the input limit ({limit:,} bytes = {INPUT_LIMIT_FACTOR} x "
        "max_document_bytes); not read, not stored (split it, or raise max_document_bytes)"
    )
    return failed(None, TooLargeError(message), source=source)


def _is_streamed(stream: IO[bytes], fmt: str, name: str, max_bytes: int) -> bool:
    """Say whether the compressed file ``stream`` (read from its start) holds a WARC or JSON Lines, to be read
    as a stream; leaves ``stream`` where it was."""
    position = stream.tell()
    stream.seek(0)
    try:
        head = open_stream(stream, fmt, floor=STREAM_FLOOR).read(_SNIFF_BYTES)
    except MalformedError:
        head = b""  # read whole instead, where the failure is told with the file kept
    stream.seek(position)
    if not head or compression_of(head) is not None:
        return False
    return _inner_kind(head, _inner_name(name, fmt)) in {"warc", "jsonl"}


def _inner_kind(head: bytes, name: str) -> str:
    # A WARC header decides before the binary check: a record of NUL bytes is still a WARC record.
    return "warc" if head.lstrip().startswith((b"WARC/", b"filedesc://")) else sniff(head, name)


def _iter_compressed_stream(
    stream: IO[bytes], fmt: str, name: str, *, source: str, max_bytes: int
) -> Iterator[Ingested]:
    """Yield the items of a compressed WARC or JSON Lines file read as a stream (bounded steps, bomb guard).

    A break (corrupt, truncated, a bomb) ends the file with a ``malformed`` Failure after the items read
    before it; the compressed file is kept with that failure when it is within the input limit."""
    stream.seek(0)
    reader = open_stream(stream, fmt, floor=STREAM_FLOOR)
    head = reader.read(_SNIFF_BYTES)
    reader.seek(0)
    if _inner_kind(head, _inner_name(name, fmt)) == "warc":
        yield from iter_warc_stream(reader, source=source, max_bytes=max_bytes, whole=stream)
        return
    count = 0
    try:
        for item in iter_jsonl_stream(reader, source=source, max_line_bytes=input_limit(max_bytes)):
            count += 1
            yield item
    except MalformedError as exc:
        message = f"{NAMES[fmt]} JSON Lines broke after {count} item(s): {exc}"
        stream.seek(0)
        raw = read_bounded(stream, input_limit(max_bytes))
        doc = None
        if len(raw) <= input_limit(max_bytes):
            doc = Document.from_bytes(raw, media_type=_COMPRESSED_TYPES[fmt], source=source, container="file")
        yield failed(doc, MalformedError(message), source=source)


def iter_file(path: Path, *, max_bytes: int) -> Iterator[Ingested]:
    """Yield the Ingested items of one file (source = its absolute path); unreadable files are Failures.

    Only regular files are opened (a FIFO, device or socket is a Failure, never read); a WARC is read
    record by record and a JSON Lines file line by line from the file, any other input up to
    ``input_limit(max_bytes)``.
    """
    # What is not a regular file is named as given (a link to /dev/zero is that link, not /dev/zero).
    source = _printable(os.path.abspath(path))
    try:
        kind = _not_regular(os.stat(path).st_mode)
        source = source_name(path) if kind is None else source
        if kind is not None:
            yield failed(
                None, InputError(f"{source} is {kind}, not a file; not read", code="not_file"), source=source
            )
            return
        # O_NONBLOCK: a file swapped for a FIFO after the check must not block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        error = InputError(f"cannot read {source}: {_os_reason(exc)}", code="unreadable")
        yield failed(None, error, source=source)
        return
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        kind = _not_regular(info.st_mode)
        if kind is not None:
            yield failed(
                None, InputError(f"{source} is {kind}, not a file; not read", code="not_file"), source=source
            )
            return
        try:
            head = stream.read(_SNIFF_BYTES)
            sniffed = sniff(head, path.name)
            if sniffed == "warc":
                stream.seek(0)
                yield from iter_warc_stream(stream, source=source, max_bytes=max_bytes)
                return
            if sniffed == "jsonl" and info.st_size > len(head):
                stream.seek(0)
                yield from iter_jsonl_stream(stream, source=source, max_line_bytes=input_limit(max_bytes))
                return
            fmt = compression_of(head) if sniffed == "compressed" else None
            if fmt is not None and _is_streamed(stream, fmt, path.name, max_bytes):
                yield from _iter_compressed_stream(stream, fmt, path.name, source=source, max_bytes=max_bytes)
                return
            if info.st_size > input_limit(max_bytes):
                yield too_big(source, info.st_size, max_bytes)
                return
            raw = head + read_bounded(stream, input_limit(max_bytes) - len(head))
        except OSError as exc:
            error = InputError(f"cannot read {source}: {_os_reason(exc)}", code="unreadable")
            yield failed(None, error, source=source)
            return
    if len(raw) > input_limit(max_bytes):
        yield too_big(source, None, max_bytes)
        return
    yield from iter_bytes(raw, source=source, origin="file", max_bytes=max_bytes, name=path.name)
