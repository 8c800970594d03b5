"""Archives for ``veille batch``: the manifest, opening a WARC/WET file through fsspec, its records streamed.

A record becomes a Document exactly as ``veille ingest`` makes it (``ingest.warc``'s per-record function), so
ids, hints and sources are the same whichever command read the archive. The archive itself is never held in
memory: it is read as a stream, hashed on the way (its content id names the failure of a broken archive, as
``veille ingest`` names it) and checked for a cut gzip member as it goes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from veille.errors import MalformedError, MissingInputError, UsageError, VeilleError
from veille.ingest.base import Ingested, failed
from veille.ingest.compressed import Inflater

logger = logging.getLogger(__name__)

REMOTE_SCHEMES = ("s3://", "gs://", "gcs://", "http://", "https://", "hdfs://", "abfs://", "az://")
READ_BLOCK = 1 << 20
_TAIL = 1 << 16  # bytes kept from the end of the stream: what follows the last whole record is checked


def is_remote(source: str) -> bool:
    """Return True when ``source`` is read through an fsspec protocol rather than as a local path."""
    return source.lower().startswith(REMOTE_SCHEMES)


def read_manifest(manifest: str | Path) -> list[str]:
    """Return the archives a manifest lists (one per line; blank lines and ``#`` comments ignored), local ones
    as absolute paths, each once in the order given.

    Raises UsageError (code ``bad_manifest``) when the manifest cannot be read or lists nothing, and
    MissingInputError when a local archive it lists does not exist.
    """
    path = Path(manifest)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the manifest {manifest}: {exc}; give a text file listing one archive per line",
            code="bad_manifest",
        ) from exc
    sources: list[str] = []
    missing: list[str] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if not is_remote(entry):
            local = Path(entry).expanduser()
            if not local.is_absolute():
                local = path.resolve().parent / local  # relative to the manifest, wherever it is run from
            if not local.is_file():
                missing.append(entry)
            entry = str(local.resolve())
        if entry not in sources:
            sources.append(entry)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise MissingInputError(f"the manifest {manifest} lists archives that do not exist: {shown}")
    if not sources:
        raise UsageError(
            f"the manifest {manifest} lists no archive: write one WARC/WET path or URL per line",
            code="bad_manifest",
        )
    return sources


def open_archive(source: str) -> IO[bytes]:
    """Return a binary stream of an archive: a local path, or an fsspec URL (``s3://``, ``https://``...).

    Raises VeilleError ``unreadable`` when it cannot be opened (with the package to install for a protocol
    fsspec lacks).
    """
    try:
        if not is_remote(source):
            return open(source, "rb")  # noqa: SIM115 - the caller closes it
        import fsspec

        return fsspec.open(source, "rb").open()  # type: ignore[no-any-return]
    except ImportError as exc:
        raise VeilleError(
            f"cannot read {source}: {exc}; install the fsspec backend of its protocol (s3fs for s3://,"
            " aiohttp for https://) on every worker",
            code="unreadable",
        ) from exc
    except (OSError, ValueError) as exc:
        raise VeilleError(f"cannot read {source}: {exc}", code="unreadable") from exc


class _Checked(io.RawIOBase):
    """A read-through stream that hashes what passes (the archive's content id), counts it and keeps its last
    bytes."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream
        self.sha = hashlib.sha256()
        self.size = 0
        self.tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self._see(data)
        return n

    def _see(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        self.tail = (self.tail + data)[-_TAIL:]

    def finish(self) -> None:
        """Read the stream to its end (the whole archive's content id)."""
        while data := self._stream.read(READ_BLOCK):
            self._see(data)


class _Inflated(io.RawIOBase):
    """The decompressed bytes of a gzip stream, every member in turn (``ingest.compressed.Inflater``), read
    through in bounded steps. warcio inflates a per-record gzip WARC itself, member by member, but reads only
    the first record of an archive gzipped whole (``gzip crawl.warc``: one member); given the inflated bytes,
    it reads both alike. Corrupt data, or a stream that ends inside a member, ends the bytes there and says
    why in ``broken``: the records before are read as usual. ``finish`` inflates what warcio left unread,
    to tell a whole stream from a cut one."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._inflater = Inflater("gzip", raw.read)
        self.broken: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.broken is not None:
            return 0
        try:
            out = self._inflater.step(len(buffer))
        except MalformedError as exc:
            self.broken = str(exc)
            return 0
        buffer[: len(out)] = out
        return len(out)

    def finish(self) -> str | None:
        """Inflate the rest (kept nowhere); return why the stream is corrupt or cut, or None."""
        if self.broken is None:
            try:
                self._inflater.drain(READ_BLOCK)
            except MalformedError as exc:
                self.broken = str(exc)
        return self.broken


def iter_archive(stream: IO[bytes], *, source: str, max_bytes: int) -> Iterator[tuple[int, Ingested]]:
    """Yield (record number, Ingested) for each HTML response and WET conversion of a WARC/WET stream, as
    ``veille ingest`` yields them (``ingest.warc``), reading the stream once and never whole.

    When the archive is cut or corrupt, the records read before the break come out as usual, then an
    Ingested without document whose ``malformed`` Failure names the archive by its content id (as ``veille
    ingest`` does; the archive itself stays where the manifest points).
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    # the record loop of ``veille ingest``: same Document, same id, same hints
    from veille.ingest.warc import RecordsRead, read_document_records

    checked = _Checked(stream)
    reader: io.BufferedReader[Any] = io.BufferedReader(checked, READ_BLOCK)
    state = RecordsRead()
    broken: str | None = None
    count = 0
    inflated: _Inflated | None = None
    try:
        is_gzip = reader.peek(2)[:2] == b"\x1f\x8b"
        if is_gzip:
            inflated = _Inflated(reader)
            reader = io.BufferedReader(inflated, READ_BLOCK)
        if not reader.peek(64)[:64].lstrip().startswith(b"WARC/"):
            raise MalformedError("does not start with a WARC header (WARC/1.x)")
        for number, item in read_document_records(
            ArchiveIterator(reader),
            is_gzip=is_gzip,
            source=source,
            max_bytes=max_bytes,
            state=state,
        ):
            count += 1
            yield number, item
        broken = state.broken
        if broken is None:
            # warcio ends quietly on a cut gzip member or a header cut short: check what the stream held
            if inflated is not None:
                broken = inflated.finish()
            else:
                checked.finish()
                after = checked.size - state.end
                trailing = checked.tail[-after:] if 0 < after <= len(checked.tail) else b"x" * min(after, 1)
                if after > 0 and trailing.strip(b"\r\n"):
                    broken = f"{after} bytes after the last whole record are not a complete record"
    except (ArchiveLoadFailed, MalformedError, EOFError, OSError, ValueError, zlib.error) as exc:
        broken = f"{type(exc).__name__}: {exc}"
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        # warcio trips over some cut headers with these instead of its own errors.
        logger.debug("warcio failed on %s", source, exc_info=True)
        broken = f"unreadable record ({type(exc).__name__}: {exc})"
    if inflated is not None and inflated.broken is not None:
        broken = inflated.broken  # the cause, rather than the record it cut
    logger.debug("archive %s: %d document records, skipped %s", source, count, dict(state.skipped))
    if broken is not None:
        checked.finish()  # the rest of the archive, for its content id
        message = f"WARC broke after {count} document record(s): {broken}"
        failure = failed(None, MalformedError(message), source=source).failure
        if failure is not None:
            yield 0, Ingested(None, replace(failure, item_id=checked.sha.hexdigest()))


def archive_key(source: str) -> str:
    """Return the key of an archive in the output folder (its markers and part files): a hash of its address."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:20]
