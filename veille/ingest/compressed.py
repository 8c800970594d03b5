"""Compressed inputs (gzip, bzip2, xz): decompressed with a bound, never whole past it.

A compressed file whose content is read whole (HTML, text, JSON, a feed) is decompressed up to
``max_document_bytes``; a compressed WARC or JSON Lines file is read as a stream (``open_stream``) whose
output may pass a floor (1 MiB from ``veille.ingest.files``) only while it stays under ``MAX_RATIO`` times the
compressed bytes read.
Either way a decompression bomb is a ``malformed`` failure, and memory holds at most one bounded step.
zstd is recognised by ``veille.ingest.sniff`` and refused (no zstd decompressor among the dependencies).
See docs/robustness.md.
"""

from __future__ import annotations

import bz2
import io
import lzma
import re
import zlib
from collections.abc import Callable
from typing import IO, Any

from veille.errors import MalformedError

# deflate (gzip) cannot expand more than about 1032 times (258 bytes per 2-bit match code); bzip2 and xz
# can (a million times, 6,800 times: measured on zeros). A streamed bzip2 or xz input may expand as far as a gzip
# one could, no further.
MAX_RATIO = 1032
_STEP = 1 << 16
# Compressed bytes fed per step: small, so that the bytes read but not yet decompressed let the output run
# at most 8 KiB x MAX_RATIO (8 MiB) past the ratio before it is caught.
_FEED = 1 << 13
_XZ_MEMORY = 1 << 27
# A streamed (WARC, JSON Lines) compressed file may always expand to 1 MiB; past it, by MAX_RATIO at most.
# Small: warcio reads a run without line ends (a bomb of zeros) as one line, several copies in memory.
STREAM_FLOOR = 1 << 20
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")
_XZ = b"\xfd7zXZ\x00"
_GZIP = b"\x1f\x8b"
# What each format is called in messages.
NAMES = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz"}


def compression_of(raw: bytes) -> str | None:
    """Return the compression format ``raw`` starts with ("gzip", "bzip2", "xz"), or None."""
    if raw.startswith(_GZIP):
        return "gzip"
    if raw.startswith(_XZ):
        return "xz"
    if _BZIP2.match(raw[:10]):
        return "bzip2"
    return None


def _decompressor(fmt: str) -> Any:
    if fmt == "gzip":
        return zlib.decompressobj(wbits=31)
    if fmt == "bzip2":
        return bz2.BZ2Decompressor()
    # xz -9 needs 65 MiB to decode; a header that asks for more is refused, not allocated.
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=_XZ_MEMORY)


_ERRORS = (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError)


class Inflater:
    """One format's decompressors over successive streams (multi-member gzip, pbzip2, xz), fed by ``read``;
    each ``step`` returns at most ``size`` bytes, so a bomb is never held decompressed. ``streams`` counts
    the streams (gzip members) begun so far."""

    def __init__(self, fmt: str, read: Callable[[int], bytes]) -> None:
        self.fmt = fmt
        self._read = read
        self._d = _decompressor(fmt)
        self._pending = b""  # compressed bytes read but not yet given to the decompressor
        self.done = False
        self.streams = 1

    def drain(self, size: int) -> None:
        """Decompress the rest, ``size`` bytes at a time, keeping none of it (an integrity check); raise
        MalformedError as ``step`` does."""
        while self.step(size):
            pass

    def step(self, size: int) -> bytes:
        """Return the next 1 to ``size`` decompressed bytes, or b"" at the end of the last stream; raise
        MalformedError on corrupt or truncated data, or bytes after a stream that start no other stream."""
        name = NAMES[self.fmt]
        while not self.done:
            if self._d.eof:
                rest = self._d.unused_data + self._pending
                # NUL padding between or after streams is allowed (tape blocks, gzip -r output).
                rest = rest.lstrip(b"\x00")
                while not rest:
                    chunk = self._read(_FEED)
                    if not chunk:
                        self.done = True
                        return b""
                    rest = chunk.lstrip(b"\x00")
                if compression_of(rest) != self.fmt and len(rest) >= 10:
                    raise MalformedError(f"{name} stream is followed by bytes that are not {name} data")
                self._d, self._pending = _decompressor(self.fmt), rest
                self.streams += 1
            hungry = not self._pending if self.fmt == "gzip" else self._d.needs_input and not self._pending
            if hungry:
                self._pending = self._read(_FEED)
                if not self._pending:
                    raise MalformedError(
                        f"{name} stream is truncated (it ends before its end-of-stream marker)"
                    )
            try:
                out: bytes = self._d.decompress(self._pending, size)
            except _ERRORS as exc:
                raise MalformedError(f"corrupt {name} data: {exc}") from exc
            # zlib keeps what it could not use as unconsumed_tail; bz2 and lzma buffer it themselves.
            self._pending = self._d.unconsumed_tail if self.fmt == "gzip" else b""
            if out:
                return out
        return b""


def decompress(raw: bytes, fmt: str, limit: int, limit_name: str = "max_document_bytes") -> bytes:
    """Return the decompressed content of ``raw`` (every stream in it); raise MalformedError when it is
    corrupt, truncated, or larger than ``limit`` (the setting ``limit_name``; nothing past ``limit`` + one
    step is decompressed)."""
    source = io.BytesIO(raw)
    inflater = Inflater(fmt, source.read)
    parts: list[bytes] = []
    size = 0
    while chunk := inflater.step(min(_STEP, limit + 1 - size)):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise MalformedError(f"{NAMES[fmt]} content is larger than {limit_name} ({limit:,})")
    return b"".join(parts)


class _BoundedReader(io.RawIOBase):
    """The decompressed bytes of a compressed file, read in bounded steps; seekable (back by decompressing
    again from the start). Past ``floor`` bytes, more than MAX_RATIO times the compressed bytes read is a
    bomb: MalformedError."""

    def __init__(self, raw: IO[bytes], fmt: str, floor: int) -> None:
        super().__init__()
        self._raw = raw
        self._start = raw.tell()
        self._fmt = fmt
        self._floor = floor
        self._rewind()

    def _rewind(self) -> None:
        self._raw.seek(self._start)
        self._read_in = 0
        self._out = 0
        self._inflater = Inflater(self._fmt, self._read_raw)

    def _read_raw(self, size: int) -> bytes:
        chunk = self._raw.read(size)
        self._read_in += len(chunk)
        return chunk

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not len(view):
            return 0
        out = self._inflater.step(len(view))
        view[: len(out)] = out
        self._out += len(out)
        if self._out > max(self._floor, MAX_RATIO * self._read_in):
            raise MalformedError(
                f"{NAMES[self._fmt]} data expands more than {MAX_RATIO} times ({self._out:,} bytes from "
                f"{self._read_in:,}; gzip cannot): a decompression bomb, not read further"
            )
        return len(out)

    def tell(self) -> int:
        return self._out

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._out
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a decompressed stream cannot seek from its end")
        if offset < self._out:
            self._rewind()
        scratch = bytearray(_STEP)
        while self._out < offset:
            if not self.readinto(memoryview(scratch)[: min(_STEP, offset - self._out)]):
                break
        return self._out


def open_stream(raw: IO[bytes], fmt: str, *, floor: int) -> io.BufferedReader:
    """Return a seekable reader of the decompressed content of ``raw`` (from where it is), read in bounded
    steps; reading raises MalformedError when the data is corrupt or truncated, or expands past ``floor``
    bytes by more than MAX_RATIO times the compressed bytes read."""
    return io.BufferedReader(_BoundedReader(raw, fmt, floor), buffer_size=_STEP)
