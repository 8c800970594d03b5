"""The hostile corpus (issue 22): every kind of broken or hostile input, built at run time in a folder.

``build(folder, max_document_bytes=...)`` writes each kind under ``folder`` and returns what it wrote: the
kind's name, its paths, and the outcome an ingest run with that ``max_document_bytes`` must give — "failure"
(at least one failure record names the input, with a clear message; documents read before a break may be
stored too) or "document" (stored, no failure). Sizes follow ``max_document_bytes``: the test uses a small
one, ``benchmarks/robustness.py`` a large one (a gzip bomb of 50 x max_document_bytes, and so on).

Nothing large is committed: every file is generated here. Kinds that need a facility the machine lacks (a
FIFO, a socket, an unreadable file when running as root) say what they expect on this machine.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FAILURE = "failure"
DOCUMENT = "document"

PARAGRAPH = (
    "Le ministre de la Défense a été reçu mardi à Niamey par son homologue nigérien. « Nous renforçons "
    "notre coopération », a-t-il déclaré devant la presse, après deux heures d'entretien."
)
PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Visite à Niamey</title></head>'
    "<body><article><h1>Visite à Niamey</h1><p>{body}</p></article></body></html>"
)


@dataclass(frozen=True, slots=True)
class HostileInput:
    """One kind of hostile input: its name, the paths it wrote, the outcome it must give, and why."""

    kind: str
    paths: list[Path]
    expected: str
    note: str = ""
    # Substrings one of the input's failure messages must hold (a clear message, not a bare exception).
    message: list[str] = field(default_factory=list)


def _page(body: str = PARAGRAPH) -> bytes:
    return PAGE.format(body=body).encode("utf-8")


def _warc_record(uri: str, payload: bytes, *, length_delta: int = 0, rec_type: str = "response") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    block = http + payload
    header = (
        f"WARC/1.0\r\nWARC-Type: {rec_type}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2023-02-06T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{abs(zlib.crc32(uri.encode())):032d}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block) + length_delta}\r\n\r\n"
    )
    return header.encode() + block + b"\r\n\r\n"


def _bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes, written in chunks (never ``size`` bytes in memory)."""
    out = io.BytesIO()
    chunk = b"\x00" * min(size, 1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as fh:
        left = size
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)
    return out.getvalue()


def _streams_bomb(compress: Callable[[bytes], bytes], size: int) -> bytes:
    """About ``size`` zero bytes as concatenated streams of 10 MB each (one valid bzip2 or xz file, as
    ``bzip2 -c a b`` writes): a few kB, cheap to build at any size."""
    one = compress(b"\x00" * (10 << 20))
    return one * max(1, size // (10 << 20))


def _write(folder: Path, name: str | bytes, data: bytes) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.write_bytes(data)
    return path


def build(folder: Path, *, max_document_bytes: int = 200_000) -> list[HostileInput]:
    """Write every hostile kind under ``folder`` (created) and return them, for an ingest run with
    ``max_document_bytes`` (VEILLE_MAX_DOCUMENT_BYTES)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[HostileInput] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0

    def add(
        kind: str, expected: str, make: Callable[[Path], list[Path]], note: str = "", *message: str
    ) -> None:
        where = folder / kind
        where.mkdir(exist_ok=True)
        paths = make(where)
        if paths:
            cases.append(HostileInput(kind, paths, expected, note, list(message)))

    big = max_document_bytes

    # Binary, empty and size.
    add(
        "binary",
        FAILURE,
        lambda d: [_write(d, "photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)],
        "",
        "PNG",
    )
    add("empty", FAILURE, lambda d: [_write(d, "vide.txt", b"")], "", "empty")
    add(
        "whitespace",
        DOCUMENT,
        lambda d: [_write(d, "blancs.txt", b" \n\t\n  \r\n")],
        "stored; extract says empty",
    )
    add(
        "over-max-document",
        FAILURE,
        lambda d: [_write(d, "gros.html", _page(PARAGRAPH * (2 * big // len(PARAGRAPH))))],
        "stored, not extracted",
        "max_document_bytes",
    )
    add(
        "over-input-limit",
        FAILURE,
        lambda d: [_write(d, "enorme.txt", b"mot " * (10 * big // 4 + (1 << 18)))],
        "not read",
        "input limit",
    )
    add(
        "giant-word",
        DOCUMENT,
        lambda d: [_write(d, "mot.txt", b"Le " + b"a" * min(big // 2, 1 << 20) + b" fin.\n")],
    )
    add(
        "giant-line",
        DOCUMENT,
        lambda d: [_write(d, "ligne.txt", (PARAGRAPH + " ").encode() * min(big // 400, 2000))],
    )
    add(
        "bzip2-as-text",
        DOCUMENT,
        lambda d: [_write(d, "archive.txt", bz2.compress(PARAGRAPH.encode() * 50))],
        "decompressed whatever its name: content decides",
    )
    add(
        "zstd-as-text",
        FAILURE,
        lambda d: [_write(d, "archive2.txt", b"\x28\xb5\x2f\xfd" + bytes(range(200)))],
        "",
        "zstd",
    )

    # Nesting and structure.
    add(
        "deep-json-array",
        FAILURE,
        lambda d: [_write(d, "profond.json", b"[" * 100_000 + b"]" * 100_000)],
        "",
        "deeply",
    )
    add(
        "deep-json-object",
        FAILURE,
        lambda d: [_write(d, "objet.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000)],
        "",
        "deeply",
    )
    add(
        "deep-html",
        DOCUMENT,
        lambda d: [
            _write(
                d,
                "divs.html",
                b"<div>" * min(100_000, big // 20) + _page() + b"</div>" * min(100_000, big // 20),
            )
        ],
    )
    add(
        "json-scalar",
        FAILURE,
        lambda d: [_write(d, "nombre.json", b"42")],
        "",
        "neither an object nor an array",
    )
    good_line = json.dumps({"url": "https://exemple.ne/a", "title": "Visite", "maintext": PARAGRAPH}).encode()
    add(
        "jsonl-broken-lines",
        FAILURE,
        lambda d: [
            _write(
                d,
                "lignes.jsonl",
                good_line
                + b"\n{pas du json\n"
                + b"[" * 50_000
                + b"\n"
                + good_line.replace(b"/a", b"/b")
                + b"\n",
            )
        ],
        "the good lines are stored",
        "line 2",
    )

    # Encodings.
    mixed = _page("Le président a été reçu. ".replace("président", "pr\u00e9sident") + PARAGRAPH).replace(
        "a été reçu. ".encode(), "a été reçu. ".encode("cp1252")
    )
    add(
        "utf8-with-cp1252-paragraph",
        DOCUMENT,
        lambda d: [_write(d, "mixte.html", mixed)],
        "decoded run by run",
    )
    add(
        "invalid-utf8-bytes",
        DOCUMENT,
        lambda d: [_write(d, "octets.html", _page() + b"<p>\xff\xfe\x80 fin</p>")],
    )
    add("utf16-no-bom", DOCUMENT, lambda d: [_write(d, "utf16.txt", (PARAGRAPH + "\n").encode("utf-16-le"))])
    add(
        "utf16-be-no-bom",
        DOCUMENT,
        lambda d: [_write(d, "utf16be.txt", (PARAGRAPH + "\n").encode("utf-16-be"))],
    )
    add(
        "starts-like-exe",
        DOCUMENT,
        lambda d: [_write(d, "mz.txt", ("MZ est le sigle du mouvement. " + PARAGRAPH).encode())],
    )
    add(
        "starts-like-mp3",
        DOCUMENT,
        lambda d: [_write(d, "id3.txt", ("ID3 : troisième identifiant. " + PARAGRAPH).encode())],
    )
    add(
        "stray-nul",
        DOCUMENT,
        lambda d: [_write(d, "nul.txt", (PARAGRAPH[:60]).encode() + b"\x00" + PARAGRAPH[60:].encode())],
    )
    add(
        "control-characters",
        FAILURE,
        lambda d: [_write(d, "controles.txt", bytes(range(1, 9)) * 40 + b"texte")],
        "",
        "control bytes",
    )

    # Compression.
    add(
        "gzip-bomb",
        FAILURE,
        lambda d: [_write(d, "bombe.html.gz", _bomb(50 * big))],
        "decompression stops at the limit",
        "larger than",
    )
    add(
        "gzip-truncated",
        FAILURE,
        lambda d: [_write(d, "coupe.html.gz", gzip.compress(_page() * 20)[:-40])],
        "",
        "truncated",
    )
    add(
        "gzip-garbage",
        FAILURE,
        lambda d: [_write(d, "faux.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)))],
        "",
        "gzip",
    )
    add(
        "bzip2-bomb",
        FAILURE,
        lambda d: [_write(d, "bombe.html.bz2", _streams_bomb(bz2.compress, 50 * big))],
        "decompression stops at the limit",
        "larger than",
    )
    add(
        "xz-bomb",
        FAILURE,
        lambda d: [_write(d, "bombe.txt.xz", _streams_bomb(lzma.compress, 50 * big))],
        "decompression stops at the limit",
        "larger than",
    )
    add(
        "bzip2-truncated",
        FAILURE,
        lambda d: [_write(d, "coupe.html.bz2", bz2.compress(_page() * 20)[:-40])],
        "",
        "truncated",
    )
    add(
        "xz-truncated",
        FAILURE,
        lambda d: [_write(d, "coupe.html.xz", lzma.compress(_page() * 20)[:-40])],
        "",
        "truncated",
    )
    add(
        "xz-garbage",
        FAILURE,
        lambda d: [_write(d, "faux.xz", b"\xfd7zXZ\x00" + bytes(range(256)))],
        "",
        "corrupt xz",
    )
    add(
        "compressed-twice",
        FAILURE,
        lambda d: [_write(d, "double.html.gz.xz", lzma.compress(gzip.compress(_page())))],
        "one level of compression only",
        "twice",
    )
    add(
        "jsonl-xz",
        DOCUMENT,
        lambda d: [
            _write(
                d,
                "articles.jsonl.xz",
                lzma.compress(
                    b"".join(
                        json.dumps({"url": f"https://exemple.ne/{n}", "maintext": PARAGRAPH}).encode() + b"\n"
                        for n in range(50)
                    )
                ),
            )
        ],
        "read as a stream",
    )

    # WARC.
    good = _warc_record("https://exemple.ne/1", _page())
    add(
        "warc-truncated",
        FAILURE,
        lambda d: [_write(d, "coupe.warc", good + _warc_record("https://exemple.ne/2", _page())[:-300])],
        "",
        "WARC broke",
    )
    add(
        "warc-short-content-length",
        FAILURE,
        lambda d: [
            _write(
                d,
                "ment.warc",
                good
                + _warc_record("https://exemple.ne/3", _page(), length_delta=-100)
                + _warc_record("https://exemple.ne/4", _page("Suite. " + PARAGRAPH)),
            )
        ],
        "the lying record is not stored cut",
        "Content-Length",
    )
    add(
        "warc-non-http-uri",
        FAILURE,
        lambda d: [
            _write(
                d,
                "dns.warc",
                _warc_record("dns:exemple.ne", b"1.2.3.4") + _warc_record("file:///etc/passwd", _page()),
            )
        ],
        "",
        "not http(s)",
    )
    add(
        "warc-garbage",
        FAILURE,
        lambda d: [
            _write(
                d,
                "faux.warc",
                b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: douze\r\n\r\n" + PARAGRAPH.encode() * 8,
            )
        ],
        "",
        "WARC broke",
    )
    add(
        "warc-xz-bomb",
        FAILURE,
        lambda d: [
            _write(
                d,
                "bombe.warc.xz",
                lzma.compress(_warc_record("https://exemple.ne/6", _page()))
                + _streams_bomb(lzma.compress, 50 * big),
            )
        ],
        "the record before the bomb is stored",
        "decompression bomb",
    )
    add(
        "warc-gzip-bomb-record",
        FAILURE,
        lambda d: [
            _write(
                d,
                "bombe.warc.gz",
                gzip.compress(_warc_record("https://exemple.ne/5", b"")) + _bomb_record(12 * big),
            )
        ],
        "",
        "over the input limit",
    )
    add(
        "warc-gzipped-whole",
        DOCUMENT,
        lambda d: [
            _write(d, "entier.warc.gz", gzip.compress(good + _warc_record("https://exemple.ne/7", _page())))
        ],
        "one gzip member for the whole archive (gzip crawl.warc): every record read, not only the first",
    )

    # Feeds and XML.
    add(
        "feed-xxe",
        FAILURE,
        lambda d: [
            _write(d, "xxe.rss", _feed('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"))
        ],
        "",
        "entities",
    )
    laughs = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" if i else "ha"}{("&l" + str(i - 1) + ";") * 9 if i else ""}">'
        for i in range(10)
    )
    add(
        "feed-billion-laughs",
        FAILURE,
        lambda d: [_write(d, "rires.rss", _feed(f"<!DOCTYPE rss [{laughs}]>", "&l9;"))],
        "",
        "entities",
    )
    add(
        "feed-not-xml",
        FAILURE,
        lambda d: [_write(d, "flux.rss", b'<rss version="2.0"><channel><<<< pas du XML')],
        "",
        "not a readable RSS/Atom feed",
    )
    add(
        "markup-backtracking",
        DOCUMENT,
        lambda d: [_write(d, "commentaires.html", b"<!-- a -->" * 400 + b"<!-- " * 800 + _page())],
        "unterminated comments: the sniffer's prolog patterns must not backtrack for minutes",
    )
    add(
        "feed-huge-not-well-formed",
        FAILURE,
        lambda d: [_write(d, "balises.rss", b'<rss version="2.0"><channel><item><title>' + b"<a>" * 400_000)],
        "feedparser's lenient parser would take minutes",
        "too large for the lenient parser",
    )
    add(
        "feed-impossible-date",
        DOCUMENT,
        lambda d: [_write(d, "date.rss", _feed("", "Visite", date="2023-02-31T10:00:00Z"))],
        "no date, never March 3rd",
    )
    add(
        "feed-hostile-markup",
        DOCUMENT,
        lambda d: [
            _write(
                d,
                "balises.rss",
                _feed("", "<![CDATA[<script>alert(1)</script><img src=x onerror=alert(2)>]]>"),
            )
        ],
    )

    # Dates and markup.
    impossible = _page(PARAGRAPH).replace(
        b"<title>", b'<meta property="article:published_time" content="2023-02-31T10:00:00Z"><title>'
    )
    add(
        "impossible-date",
        DOCUMENT,
        lambda d: [_write(d, "fevrier.html", impossible)],
        "stored; extract finds no date",
    )
    hostile = (
        '<html><head><title><script>alert("titre")</script>Visite</title>'
        '<meta name="author" content="&quot;><script>alert(1)</script>">'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"<img src=x onerror=alert(1)>",'
        '"datePublished":"javascript:alert(1)"}</script></head><body><article><h1 onclick="alert(1)">Visite</h1>'
        f'<p>{PARAGRAPH}</p><iframe src="javascript:alert(1)"></iframe></article></body></html>'
    ).encode()
    add("hostile-markup", DOCUMENT, lambda d: [_write(d, "balises.html", hostile)])
    record = {
        "url": "javascript:alert(1)",
        "title": "<script>alert(1)</script>",
        "authors": ["<b>x</b>"],
        "maintext": PARAGRAPH,
        "date_publish": "2023-02-31",
    }
    add("hostile-json-record", DOCUMENT, lambda d: [_write(d, "record.json", json.dumps(record).encode())])

    # File names.
    add(
        "odd-names",
        DOCUMENT,
        lambda d: [
            _write(d, "ligne\nretour.txt", PARAGRAPH.encode()),
            _write(d, b"octet-\xff-latin.txt", (PARAGRAPH + " 2").encode()),
            _write(d, "-rf.txt", (PARAGRAPH + " 3").encode()),
            _write(d, "é" * 120 + ".txt", (PARAGRAPH + " 4").encode()),
            _write(d, "guillemets \"'` $(x).txt", (PARAGRAPH + " 5").encode()),
        ],
    )

    # Things that are not files.
    add("symlink-loop", FAILURE, _symlink_loop, "", "symbolic link loop")
    add("folder-link-loop", FAILURE, _folder_loop, "not followed", "not followed")
    add("dangling-symlink", FAILURE, _dangling, "", "no such file")
    add("fifo", FAILURE, _fifo, "never opened", "FIFO")
    add("socket", FAILURE, _socket, "", "socket")
    add("device", FAILURE, _device, "", "device")
    unreadable_expected = DOCUMENT if is_root else FAILURE
    add(
        "unreadable-file",
        unreadable_expected,
        _unreadable_file,
        "root reads it anyway" if is_root else "",
        *(() if is_root else ("cannot read",)),
    )
    add(
        "unreadable-folder",
        unreadable_expected,
        _unreadable_folder,
        "root lists it anyway" if is_root else "",
        *(() if is_root else ("cannot list",)),
    )
    return cases


def _bomb_record(size: int) -> bytes:
    """A gzip member holding one WARC record of ``size`` zero bytes (compressed in chunks)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    header = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://exemple.ne/bombe\r\n"
        "WARC-Date: 2023-02-06T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http) + size}\r\n\r\n"
    ).encode()
    out = io.BytesIO()
    chunk = b"\x00" * min(size, 1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as fh:
        fh.write(header + http)
        left = size
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)
        fh.write(b"\r\n\r\n")
    return out.getvalue()


def _feed(doctype: str, title: str, *, date: str = "Mon, 06 Feb 2023 10:00:00 GMT") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel><title>Flux</title>'
        f"<item><title>{title}</title><link>https://exemple.ne/flux/1</link><guid>1</guid>"
        f"<pubDate>{date}</pubDate><description>{PARAGRAPH}</description></item></channel></rss>"
    ).encode()


def _symlink_loop(d: Path) -> list[Path]:
    (d / "a.txt").symlink_to(d / "b.txt")
    (d / "b.txt").symlink_to(d / "a.txt")
    return [d / "a.txt", d / "b.txt"]


def _folder_loop(d: Path) -> list[Path]:
    (d / "boucle").symlink_to(d, target_is_directory=True)
    return [d / "boucle"]


def _dangling(d: Path) -> list[Path]:
    (d / "absent.txt").symlink_to(d / "nulle-part.txt")
    return [d / "absent.txt"]


def _fifo(d: Path) -> list[Path]:
    if not hasattr(os, "mkfifo"):
        return []
    os.mkfifo(d / "tube.txt")
    return [d / "tube.txt"]


def _socket(d: Path) -> list[Path]:
    if not hasattr(socket, "AF_UNIX"):
        return []
    path = d / "prise.txt"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
    return [path]


def _device(d: Path) -> list[Path]:
    if not os.path.exists("/dev/zero"):
        return []
    (d / "zero.txt").symlink_to("/dev/zero")
    return [d / "zero.txt"]


def _unreadable_file(d: Path) -> list[Path]:
    path = _write(d, "secret.txt", PARAGRAPH.encode() + b" secret")
    path.chmod(0)
    return [path]


def _unreadable_folder(d: Path) -> list[Path]:
    inner = d / "ferme"
    inner.mkdir()
    _write(inner, "dedans.txt", PARAGRAPH.encode() + b" dedans")
    inner.chmod(0)
    return [inner]


def restore_permissions(cases: list[HostileInput]) -> None:
    """Make what ``build`` locked readable again (so the folder can be deleted)."""
    for case in cases:
        for path in case.paths:
            if not path.is_symlink() and path.exists():
                path.chmod(0o755 if path.is_dir() else 0o644)
