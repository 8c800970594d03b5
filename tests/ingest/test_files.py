"""iter_inputs over files, folders and stdin: seeds, encodings, and every kind of bad input in one batch."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
from pathlib import Path

import pytest

from veille.errors import UsageError
from veille.ingest import Ingested, iter_inputs
from veille.settings import Settings

SETTINGS = Settings()
PAGE = (
    "<!DOCTYPE html><html><head>{meta}<title>Visite à Bamako</title></head><body>"
    "<article><h1>Visite à Bamako</h1><p>Le ministre a été reçu à Bamako, où il a rencontré son "
    "homologue. « Une coopération renforcée », a-t-il déclaré.</p></article></body></html>"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _ingest(paths, **kw) -> list[Ingested]:
    return list(iter_inputs([str(p) for p in paths], settings=kw.pop("settings", SETTINGS), **kw))


def _one(path: Path):
    [item] = _ingest([path])
    return item


def test_files_seeds_come_in_as_utf8_text(seed_paths):
    items = _ingest(seed_paths.values())
    assert len(items) == 2
    for item, path in zip(items, seed_paths.values(), strict=True):
        doc = item.document
        assert item.failure is None
        assert doc.id == hashlib.sha256(path.read_bytes()).hexdigest()
        assert doc.raw == path.read_bytes()
        assert doc.media_type == "text/plain" and doc.container == "file"
        assert doc.source == str(path.resolve())
        assert (doc.hints["encoding"], doc.hints["encoding_source"]) == ("utf-8", "utf-8")
        assert doc.received.tzinfo is not None


def test_files_folder_recursion_sorted_and_hidden_skipped(tmp_path, seed_paths):
    texts = [p.read_bytes() for p in seed_paths.values()]
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / ".cache").mkdir()
    (tmp_path / "b" / "deep" / "z.txt").write_bytes(texts[0])
    (tmp_path / "a.txt").write_bytes(texts[1])
    (tmp_path / ".hidden.txt").write_bytes(b"secret notes")
    (tmp_path / ".cache" / "c.txt").write_bytes(b"cached")
    items = _ingest([tmp_path])
    assert [Path(i.document.source).relative_to(tmp_path).as_posix() for i in items] == [
        "a.txt",
        "b/deep/z.txt",
    ]
    assert [i.document.raw for i in items] == [texts[1], texts[0]]


def test_files_several_paths_keep_order_and_report_missing(tmp_path, seed_paths):
    first, second = seed_paths.values()
    missing = tmp_path / "nope.html"
    items = _ingest([second, missing, first])
    assert [i.document.source if i.document else None for i in items] == [
        str(second.resolve()),
        None,
        str(first.resolve()),
    ]
    failure = items[1].failure
    assert failure.code == "missing" and failure.item_id == str(missing) and "no such file" in failure.message


def test_files_stdin_dash(seed_paths):
    raw = next(iter(seed_paths.values())).read_bytes()
    [item] = list(iter_inputs(["-"], settings=SETTINGS, stdin=io.BytesIO(raw)))
    doc = item.document
    assert item.failure is None
    assert (doc.source, doc.container, doc.raw, doc.media_type) == ("-", "stdin", raw, "text/plain")


def test_files_no_sources_is_usage_error():
    with pytest.raises(UsageError):
        iter_inputs([], settings=SETTINGS)


@pytest.mark.parametrize(
    ("encoding", "meta", "want_encoding", "want_source"),
    [
        ("cp1252", '<meta charset="windows-1252">', "cp1252", "declared"),
        (
            "latin-1",
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
            "cp1252",
            "declared",
        ),
        ("cp1252", "", "cp1252", "detected"),
        ("latin-1", "", "cp1252", "detected"),
        ("utf-8", '<meta charset="utf-8">', "utf-8", "declared"),
    ],
)
def test_files_html_encodings(tmp_path, encoding, meta, want_encoding, want_source):
    raw = PAGE.format(meta=meta).encode(encoding)
    path = tmp_path / "page.html"
    path.write_bytes(raw)
    item = _one(path)
    doc = item.document
    assert item.failure is None
    assert doc.media_type == "text/html" and doc.raw == raw
    assert (doc.hints["encoding"], doc.hints["encoding_source"]) == (want_encoding, want_source)
    assert "a été reçu à Bamako, où" in doc.raw.decode(doc.hints["encoding"], errors="replace")


def test_files_html_utf8_bom(tmp_path):
    raw = codecs.BOM_UTF8 + PAGE.format(meta="").encode("utf-8")
    path = tmp_path / "bom.htm"
    path.write_bytes(raw)
    doc = _one(path).document
    assert doc.media_type == "text/html" and doc.raw == raw
    assert doc.hints["encoding_source"] == "bom"
    assert doc.raw.decode(doc.hints["encoding"]).startswith("<!DOCTYPE html>")


def test_files_invalid_utf8_declared_is_detected(tmp_path):
    raw = PAGE.format(meta='<meta charset="utf-8">').encode("cp1252")
    path = tmp_path / "liar.html"
    path.write_bytes(raw)
    item = _one(path)
    assert item.failure is None
    assert (item.document.hints["encoding"], item.document.hints["encoding_source"]) == ("cp1252", "detected")


def test_files_gzipped_html_is_read_inside(tmp_path):
    raw = PAGE.format(meta="").encode("utf-8")
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(raw))
    item = _one(path)
    assert item.failure is None and item.document.media_type == "text/html" and item.document.raw == raw


def test_files_text_with_stray_brackets_stays_plain(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes("[Photo] Le ministre <à gauche> a parlé.\nSuite du texte.\n".encode())
    assert _one(path).document.media_type == "text/plain"


def _truncated_warc() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for n in range(3):
        body = PAGE.format(meta="").replace("Bamako", f"Bamako ({n})").encode() * 20
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://exemple.ml/{n}", "response", payload=io.BytesIO(body), http_headers=http
        )
        writer.write_record(record)
    data = out.getvalue()
    return data[: len(data) * 5 // 6]


def test_files_mixed_batch_seeds_whole_and_each_failure_coded(tmp_path, seed_paths):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "image.html").write_bytes(PNG)
    big = bad / "huge.html"
    chunk = b"<p>Le ministre a \xc3\xa9t\xc3\xa9 re\xc3\xa7u \xc3\xa0 Bamako.</p>\n"
    with big.open("wb") as fh:
        fh.write(b"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>\n")
        fh.write(chunk * (50_000_000 // len(chunk) + 1))
        fh.write(b"</body></html>")
    invalid = PAGE.format(meta="").encode("utf-8").replace("été".encode(), b"\xe9t\xe9")
    (bad / "invalid-utf8.html").write_bytes(invalid)
    (bad / "nobody.html").write_bytes(b"<html><head><title>Rien</title></head></html>")
    (bad / "cut.warc.gz").write_bytes(_truncated_warc())
    (bad / "feed.rss").write_bytes(b"Service indisponible {{ 503 }} -- ceci n'est pas du XML")
    seeds = list(seed_paths.values())
    names = [
        "cut.warc.gz",
        "empty.txt",
        "feed.rss",
        "huge.html",
        "image.html",
        "invalid-utf8.html",
        "nobody.html",
    ]
    items = _ingest([seeds[0], *(bad / n for n in names), seeds[1]])

    by_source: dict[str, list[Ingested]] = {}
    for item in items:
        src = item.document.source if item.document else item.failure.source
        by_source.setdefault(Path(src).name, []).append(item)
    for seed in seeds:
        [item] = by_source[seed.name]
        assert item.failure is None and item.document.raw == seed.read_bytes()
    codes = {name: [i.failure.code if i.failure else None for i in by_source[name]] for name in names}
    assert codes["empty.txt"] == ["empty_input"] and by_source["empty.txt"][0].document is None
    assert codes["image.html"] == ["not_text"]
    assert by_source["image.html"][0].document.media_type == "application/octet-stream"
    assert by_source["image.html"][0].document.raw == PNG
    assert codes["huge.html"] == ["too_large"]
    huge = by_source["huge.html"][0].document
    assert huge.media_type == "text/html" and len(huge.raw) == big.stat().st_size
    assert codes["invalid-utf8.html"] == [None]
    # UTF-8 with a cp1252 run: decoded run by run (never the whole page as cp1252), and the repair is said.
    mixed = by_source["invalid-utf8.html"][0].document.hints
    assert (mixed["encoding"], mixed["encoding_source"]) == ("utf-8", "mixed")
    assert mixed["encoding_repairs"].startswith("2 byte(s)")
    assert codes["nobody.html"] == [None] and by_source["nobody.html"][0].document.media_type == "text/html"
    assert codes["cut.warc.gz"][-1] == "malformed" and set(codes["cut.warc.gz"][:-1]) == {None}
    assert len(codes["cut.warc.gz"]) >= 2
    assert codes["feed.rss"] == ["malformed"]
    # Failures point at the stored document when there is one, at the path otherwise.
    for item in items:
        if item.failure is not None:
            assert item.failure.stage == "ingest"
            assert item.failure.item_id == (item.document.id if item.document else item.failure.source)


def test_files_gzip_html_truncated_is_malformed(tmp_path):
    data = gzip.compress(PAGE.format(meta="").encode() * 50)
    path = tmp_path / "cut.html.gz"
    path.write_bytes(data[: len(data) // 2])
    item = _one(path)
    assert item.failure.code == "malformed" and item.document.raw == data[: len(data) // 2]
