"""Tell what an input is: content first (magic bytes, root element, JSON shape), name or Content-Type second."""

from __future__ import annotations

import json
import logging
import re
import zlib

from veille.ingest.compressed import compression_of
from veille.ingest.encoding import bom_encoding, utf16_without_bom

logger = logging.getLogger(__name__)

# Kinds returned by sniff(); "compressed" is a gzip, bzip2 or xz stream (a gzip WARC is "warc": warcio
# reads gzip itself).
KINDS = ("empty", "binary", "compressed", "warc", "feed", "json", "jsonl", "html", "text")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/ODT/EPUB)"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive (zstd is not decompressed: decompress it first, zstd -d)"),
    (b"\x7fELF", "ELF executable"),
    (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office document"),
    (b"SQLite format 3\x00", "SQLite database"),
)
# Short magic numbers that plain text can start with ("MZ est...", "ID3 ..."): each is a format only when
# the bytes after it have that format's structure.
_WEAK_MAGIC: tuple[tuple[re.Pattern[bytes], str], ...] = (
    # DOS header: 58 more header bytes, then e_lfanew; real executables are full of NUL bytes.
    (re.compile(rb"MZ[\x00-\xff]{58}", re.S), "Windows executable"),
    # ID3v2: version 2-4, revision, flags, then a 4-byte "syncsafe" size (each byte below 0x80).
    (re.compile(rb"ID3[\x02-\x04][\x00-\x09][\x00-\xff][\x00-\x7f]{4}", re.S), "MP3 audio"),
)
_HEAD = 8192
# A few NUL bytes in a long text are noise (a stray byte from a bad copy); binaries are full of them. The
# same bound as extract's (veille/extract/article.py): 2, or one per 1,000 bytes.
_MAX_STRAY_NULS = 2
_MAX_NUL_RATIO = 0.001
# Control bytes text holds (tab, line ends, form feed, escape); more than a few others make it binary.
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b\x00")
_MAX_CONTROL_SHARE = 0.1
_MAX_CONTROL_WITH_NULS = 0.01
# A DOCTYPE may hold an internal subset in brackets, whose declarations hold ">" themselves. Each part of
# the prolog is matched once, never re-tried (atomic group, possessive repeat): no backtracking blow-up.
_ROOT = re.compile(
    r"^(?>\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[[^\]]*\]\s*)?>)*+<([A-Za-z_][\w:.-]*)", re.S | re.I
)
_HTML_START = re.compile(r"^\s*(?><!--.*?-->\s*)*+<(?:!doctype\s+html|html\b|head\b|body\b)", re.S | re.I)
_HTML_ANYWHERE = re.compile(r"<(?:html|head|body)\b[^>]*>|<!doctype\s+html", re.I)
_HTML_TAG = re.compile(
    r"<(?:meta|title|div|p|article|section|span|script|style|table|h[1-6]|br|a|ul|li|img|link)\b[^>]*>",
    re.I,
)
_FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf"}
_EXT_KINDS = (
    ((".warc", ".warc.gz", ".wet", ".wet.gz", ".arc", ".arc.gz"), "warc"),
    ((".rss", ".atom", ".rdf"), "feed"),
    ((".jsonl", ".ndjson", ".jsonl.gz"), "jsonl"),
    ((".json",), "json"),
    ((".html", ".htm", ".xhtml", ".shtml"), "html"),
)
_TYPE_KINDS = (
    (("rss+xml", "atom+xml", "rdf+xml"), "feed"),
    (("ndjson", "jsonl", "json-seq"), "jsonl"),
    (("json",), "json"),
    (("html",), "html"),
    (("warc",), "warc"),
)


def binary_kind(raw: bytes) -> str | None:
    """Return a name for the binary format of ``raw`` (magic number or NUL bytes), or None for text."""
    for magic, name in _MAGIC:
        if raw.startswith(magic):
            return name
    head = raw[:_HEAD]
    for pattern, name in _WEAK_MAGIC:
        if pattern.match(head) and b"\x00" in head:
            return name
    if bom_encoding(raw) in {"utf-16", "utf-32"} or utf16_without_bom(head) is not None:
        return None
    if b"\x00" in head and not _text_with_nuls(head):
        return "binary data (NUL bytes)"
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    if controls > _MAX_CONTROL_SHARE * len(head):
        return "binary data (control bytes)"
    return None


def _text_with_nuls(head: bytes) -> bool:
    # A text with stray NUL bytes (a bad copy, a padded export): few NULs, and almost no other control byte.
    rest = head.replace(b"\x00", b"")
    nuls = len(head) - len(rest)
    controls = sum(1 for byte in rest if byte < 0x20 and byte not in _TEXT_CONTROLS)
    few_nuls = nuls <= _MAX_STRAY_NULS or nuls <= _MAX_NUL_RATIO * len(head)
    return bool(rest.strip()) and few_nuls and controls <= _MAX_CONTROL_WITH_NULS * len(rest)


def gunzip_head(raw: bytes, size: int = _HEAD) -> bytes:
    """Return up to ``size`` decompressed bytes from the start of a gzip stream (b"" when corrupt)."""
    try:
        return zlib.decompressobj(wbits=47).decompress(raw[: 64 * 1024], size)
    except zlib.error:
        return b""


def _head_text(raw: bytes) -> str:
    head = raw[:_HEAD]
    bom = bom_encoding(head) or utf16_without_bom(head)
    if bom in {"utf-16", "utf-32", "utf-16-le", "utf-16-be"}:
        return head.decode(bom, "replace")
    return head.decode("utf-8-sig" if bom else "latin-1", "replace")


def _by_name(name: str, content_type: str | None) -> str | None:
    lowered = name.lower()
    for suffixes, kind in _EXT_KINDS:
        if lowered.endswith(suffixes):
            return kind
    media = (content_type or "").split(";")[0].strip().lower()
    for parts, kind in _TYPE_KINDS:
        if any(part in media for part in parts):
            return kind
    if media in {"application/xml", "text/xml"}:
        return "feed"
    return None


def _json_kind(raw: bytes, head: str, hint: str | None) -> str | None:
    stripped = head.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    if hint == "jsonl":
        return "jsonl"
    try:
        json.loads(raw)
        return "json"
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    lines = [line for line in raw.splitlines() if line.strip()]
    if stripped.startswith("{") and len(lines) > 1:
        try:
            json.loads(lines[0])
            return "jsonl"
        except (ValueError, UnicodeDecodeError, RecursionError):
            pass
    return "json" if hint == "json" else None


def sniff(raw: bytes, name: str = "", content_type: str | None = None) -> str:
    """Return the kind of ``raw`` (one of KINDS): content decides first, then ``name``'s extension or
    ``content_type``; text that shows no sign of anything else is "text"."""
    if not raw:
        return "empty"
    compression = compression_of(raw)
    if compression == "gzip":
        inner = gunzip_head(raw)
        return "warc" if inner.lstrip().startswith(b"WARC/") else "compressed"
    if compression is not None:
        return "compressed"
    binary = binary_kind(raw)
    if binary is not None:
        return "binary"
    head = _head_text(raw)
    if head.lstrip().startswith(("WARC/", "filedesc://")):
        return "warc"
    hint = _by_name(name, content_type)
    root = _ROOT.match(head)
    if root and root.group(1).lower() in _FEED_ROOTS:
        return "feed"
    if _HTML_START.match(head) or _HTML_ANYWHERE.search(head):
        return "html"
    json_kind = _json_kind(raw, head, hint)
    if json_kind is not None:
        return json_kind
    if head.lstrip().startswith("<") and _HTML_TAG.search(head):
        return "html"
    if hint is not None:
        return hint
    if len(_HTML_TAG.findall(head)) >= 3:
        return "html"
    return "text"
