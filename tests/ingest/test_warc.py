"""WARC and WET files built with warcio's writer: one document per HTML response or conversion record."""

from __future__ import annotations

import gzip
import io

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from veille.ingest import iter_inputs
from veille.settings import Settings

SETTINGS = Settings()
BODY = (
    "<html><head><title>Lavrov à Bamako {n}</title></head><body><p>Le ministre russe est arrivé à "
    "Bamako pour une visite de deux jours, la {n}e du genre.</p></body></html>"
)


def build_warc(*, gzipped: bool, pages: int = 2, charset: str = "utf-8") -> bytes:
    """A WARC with warcinfo, request, HTML responses, a PNG response and a 404, as a crawler writes it."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped)
    writer.write_record(writer.create_warcinfo_record("crawl.warc", {"software": "test"}))
    for n in range(1, pages + 1):
        url = f"https://exemple.ml/article-{n}"
        request = StatusAndHeaders("GET /article HTTP/1.1", [("Host", "exemple.ml")], is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
        body = BODY.format(n=n).encode(charset)
        http = StatusAndHeaders(
            "200 OK", [("Content-Type", f"text/html; charset={charset}")], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        )
    png = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "https://exemple.ml/logo.png",
            "response",
            payload=io.BytesIO(b"\x89PNG\r\n\x1a\n"),
            http_headers=png,
        )
    )
    missing = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "https://exemple.ml/absent",
            "response",
            payload=io.BytesIO(b"<html>absent</html>"),
            http_headers=missing,
        )
    )
    return out.getvalue()


def build_wet(*, gzipped: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzipped)
    writer.write_record(writer.create_warcinfo_record("crawl.wet", {"software": "test"}))
    for n in (1, 2):
        text = f"Lavrov à Bamako {n}\nLe ministre russe est arrivé à Bamako.".encode()
        record = writer.create_warc_record(
            f"https://exemple.ml/article-{n}",
            "conversion",
            payload=io.BytesIO(text),
            warc_content_type="text/plain",
        )
        writer.write_record(record)
    return out.getvalue()


def _ingest(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_inputs([str(path)], settings=SETTINGS))


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_html_responses_become_documents(tmp_path, gzipped):
    items = _ingest(tmp_path, "crawl.warc.gz" if gzipped else "crawl.warc", build_warc(gzipped=gzipped))
    assert [i.failure for i in items] == [None, None]
    docs = [i.document for i in items]
    assert [d.url for d in docs] == ["https://exemple.ml/article-1", "https://exemple.ml/article-2"]
    for n, doc in enumerate(docs, start=1):
        assert doc.media_type == "text/html" and doc.container == "warc"
        assert doc.raw == BODY.format(n=n).encode()
        assert doc.record_id.startswith("<urn:uuid:")
        assert doc.hints["warc_date"].startswith("20")
        assert (doc.hints["encoding"], doc.hints["encoding_source"]) == ("utf-8", "declared")
    assert docs[0].record_id != docs[1].record_id


def test_warc_declared_http_charset_kept(tmp_path):
    items = _ingest(tmp_path, "latin.warc", build_warc(gzipped=False, pages=1, charset="iso-8859-1"))
    [doc] = [i.document for i in items]
    assert doc.hints["encoding"] == "cp1252" and doc.hints["encoding_source"] == "declared"
    assert "arrivé à Bamako" in doc.raw.decode(doc.hints["encoding"])


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_wet_conversions_become_text(tmp_path, gzipped):
    items = _ingest(tmp_path, "crawl.warc.wet.gz" if gzipped else "crawl.wet", build_wet(gzipped=gzipped))
    docs = [i.document for i in items]
    assert [i.failure for i in items] == [None, None]
    assert [(d.media_type, d.container) for d in docs] == [("text/plain", "wet")] * 2
    assert docs[1].raw.decode("utf-8").startswith("Lavrov à Bamako 2")
    assert docs[1].url == "https://exemple.ml/article-2" and docs[1].record_id.startswith("<urn:uuid:")


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_truncated_yields_earlier_records_then_malformed(tmp_path, gzipped):
    data = build_warc(gzipped=gzipped, pages=4)
    cut = data[: len(data) // 2]
    items = _ingest(tmp_path, "cut.warc.gz" if gzipped else "cut.warc", cut)
    *good, last = items
    assert good and all(i.failure is None and i.document.media_type == "text/html" for i in good)
    assert len(good) < 4
    assert last.failure.code == "malformed"
    assert f"after {len(good)} document record" in last.failure.message
    assert last.document.raw == cut and last.document.media_type == "application/warc"


@pytest.mark.parametrize("wet", [False, True])
def test_warc_gzipped_whole_reads_every_record_as_the_plain_archive(tmp_path, wet):
    """``gzip crawl.warc`` makes one gzip member of the whole archive, not one per record: warcio alone reads its
    first record and stops ("non-chunked gzip file detected"). It is read decompressed instead: the same
    documents as the plain archive, and the same ids again on a second ingest."""
    plain = build_wet(gzipped=False) if wet else build_warc(gzipped=False, pages=4)
    expected = _ingest(tmp_path, "plain.warc", plain)
    items = _ingest(tmp_path, "whole.warc.gz", gzip.compress(plain))
    assert [i.failure for i in items] == [None] * len(expected) and len(expected) == (2 if wet else 4)
    assert [(i.document.id, i.document.raw, i.document.url, i.document.hints) for i in items] == [
        (i.document.id, i.document.raw, i.document.url, i.document.hints) for i in expected
    ]


def test_warc_gzipped_whole_and_cut_keeps_the_archive_with_its_failure(tmp_path):
    data = gzip.compress(build_warc(gzipped=False, pages=4))
    cut = data[: len(data) // 2]
    items = _ingest(tmp_path, "cut.warc.gz", cut)
    assert items[-1].failure.code == "malformed" and items[-1].document.raw == cut
    assert all(i.failure is None for i in items[:-1])


def test_warc_garbage_with_warc_extension_is_malformed(tmp_path):
    items = _ingest(tmp_path, "fake.warc", b"Ceci n'est pas une archive.\n")
    assert [i.failure.code for i in items] == ["malformed"]
