"""Issue 22, one defect per test: what used to crash, hang or corrupt an ingest, on real bytes."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest

from veille.ingest import iter_inputs
from veille.ingest.encoding import decode
from veille.ingest.feeds import iter_feed
from veille.ingest.files import iter_file
from veille.ingest.sniff import sniff
from veille.ingest.warc import iter_warc, iter_warc_stream
from veille.settings import Settings

SENTENCE = "Le président a été reçu mardi à Niamey par son homologue, a indiqué la présidence."


def _record(uri: str, payload: bytes, delta: int = 0) -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + payload
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2023-02-06T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{len(uri):08d}>\r\nContent-Length: {len(block) + delta}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def _page(text: str = SENTENCE) -> bytes:
    return f"<html><body><p>{text}</p></body></html>".encode()


def test_hardening_text_that_starts_like_a_magic_number_is_text():
    for start in ("MZ est un sigle. ", "ID3 : le troisième. ", "BZh, dit-il. "):
        assert sniff((start + SENTENCE).encode()) == "text"
    assert sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)) == "binary"
    assert sniff(b"ID3\x04\x00\x00\x00\x00\x10\x00" + bytes(64)) == "binary"


def test_hardening_stray_nul_and_utf16_without_bom_are_text():
    assert sniff(SENTENCE[:20].encode() + b"\x00" + SENTENCE[20:].encode()) == "text"
    for codec in ("utf-16-le", "utf-16-be"):
        raw = SENTENCE.encode(codec)
        assert sniff(raw) == "text"
        decoded = decode(raw)
        assert (decoded.text, decoded.encoding) == (SENTENCE, codec)
    assert sniff(bytes(range(256)) * 8) == "binary"


def test_hardening_cp1252_paragraph_in_utf8_page_decoded_run_by_run():
    raw = b'<meta charset="utf-8"><p>' + SENTENCE.encode() + b"</p><p>" + SENTENCE.encode("cp1252") + b"</p>"
    decoded = decode(raw)
    assert decoded.text.count(SENTENCE) == 2 and "Ã" not in decoded.text
    assert (decoded.source, decoded.repaired) == ("mixed", sum(ord(c) > 127 for c in SENTENCE))


def test_hardening_warc_short_content_length_and_non_http_uri_are_failures():
    raw = (
        _record("https://exemple.ne/1", _page())
        + _record("https://exemple.ne/2", _page("Deux. " + SENTENCE), delta=-100)
        + _record("dns:exemple.ne", b"1.2.3.4")
        + _record("https://exemple.ne/3", _page("Trois. " + SENTENCE))
    )
    items = list(iter_warc(raw, source="a.warc", max_bytes=10**6))
    stored = [i.document.url for i in items if i.document is not None]
    assert stored == ["https://exemple.ne/1", "https://exemple.ne/3"]
    failures = [i.failure for i in items if i.failure is not None]
    assert [f.item_id for f in failures] == ["a.warc#record-2", "a.warc#record-3"]
    assert "Content-Length is shorter" in failures[0].message and failures[1].code == "bad_url"


def test_hardening_warc_read_record_by_record_in_bounded_memory():
    # Memory for a 20 MB archive of 40 records stays a fraction of it: records are streamed, never all held.
    record = _record("https://exemple.ne/x", _page(SENTENCE * 6000))
    stream = io.BytesIO(record * 40)
    tracemalloc.start()
    count = sum(1 for item in iter_warc_stream(stream, source="big.warc", max_bytes=10**6) if item.document)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 40
    assert peak < len(stream.getvalue()) / 4


def test_hardening_feed_entities_refused_and_broken_declarations_are_failures():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0">'
        b"<channel><title>t</title><item><title>&x;</title><link>https://a.ne/1</link></item></channel></rss>"
    )
    [item] = iter_feed(xxe, source="f.rss")
    assert item.failure is not None and "entities" in item.failure.message
    # Found by the long fuzz run: feedparser raised on these instead of saying the feed is broken.
    for declaration in (b"\x80utf-8", b"\x00tf-8"):
        raw = (
            b"<?xml version='1.0' encoding='"
            + declaration
            + b"'?><rss version='2.0'><channel></channel></rss>"
        )
        [item] = iter_feed(raw, source="f.rss")
        assert item.failure is not None and item.failure.code == "malformed"


def test_hardening_feed_dates_never_invented():
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        b'<entry><title>a</title><id>1</id><link href="https://a.ne/1"/><updated>2023-02-31T10:00:00Z</updated></entry>'
        b'<entry><title>b</title><id>2</id><link href="https://a.ne/2"/><updated>T10:00:00Z</updated></entry>'
        b'<entry><title>c</title><id>3</id><link href="https://a.ne/3"/><updated>2023-02-06T10:00:00Z</updated></entry>'
        b"</feed>"
    )
    dates = [item.document.hints.get("published") for item in iter_feed(atom, source="f.atom")]
    assert dates == [None, None, "2023-02-06T10:00:00+00:00"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_hardening_fifo_device_and_link_loop_are_failures_never_read(tmp_path):
    os.mkfifo(tmp_path / "tube.html")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "ok.txt").write_text(SENTENCE)
    items = list(iter_inputs([str(tmp_path)], settings=Settings()))
    codes = {os.path.basename(i.failure.source if i.failure else i.document.source): i for i in items}
    assert codes["ok.txt"].failure is None
    assert codes["tube.html"].failure.code == "not_file" and "FIFO" in codes["tube.html"].failure.message
    assert codes["zero.txt"].failure.code == "not_file"
    assert "symbolic link loop" in codes["a.txt"].failure.message


def test_hardening_file_over_input_limit_not_read(tmp_path):
    path = tmp_path / "grand.txt"
    path.write_bytes(b"mot " * 400_000)
    [item] = iter_file(path, max_bytes=100_000)
    assert (
        item.document is None and item.failure.code == "too_large" and "input limit" in item.failure.message
    )


def test_hardening_folder_that_cannot_be_listed_is_a_failure(tmp_path):
    # As root every folder can be listed: a folder that vanishes (here: never was) takes the same path.
    from veille.ingest.files import walk_folder
    from veille.ingest.inputs import _unlistable

    found: list = []
    assert list(walk_folder(tmp_path / "parti", on_error=_unlistable(found))) == []
    [item] = found
    assert item.document is None and item.failure.code == "unreadable"
    assert item.failure.message.startswith(f"cannot list folder {tmp_path / 'parti'}")


def test_hardening_jsonl_streamed_line_by_line_past_the_input_limit(tmp_path):
    import json

    from veille.ingest.records import iter_jsonl

    lines = [json.dumps({"url": f"https://exemple.ne/{n}", "maintext": SENTENCE * 10}) for n in range(3000)]
    raw = ("\n".join(lines[:1500]) + "\n{cassé\n" + "\n".join(lines[1500:]) + "\n").encode()
    path = tmp_path / "gros.jsonl"
    path.write_bytes(raw)
    items = list(iter_file(path, max_bytes=100_000))  # 2.8 MB: over the 1 MB input limit, read line by line
    source = str(path.resolve())
    whole = list(iter_jsonl(raw, source=source))
    assert [i.document.id for i in items] == [i.document.id for i in whole]  # same documents as from bytes
    assert len(items) == 3001 and [i.failure.code for i in items if i.failure] == ["malformed"]


def test_hardening_publication_date_impossible_day_and_odd_root_markup():
    from veille.extract.pubdate import find_publication_date

    meta = '<meta property="article:published_time" content="{}T10:00:00Z">'
    page = "<html><head>{}</head><body><article><p>" + SENTENCE + "</p></article></body></html>"
    # htmldate alone reads 2023-02-31 as 2023-02-01: no date is kept, never another day.
    assert find_publication_date(page.format(meta.format("2023-02-31"))) is None
    assert find_publication_date(page.format(meta.format("2023-02-06"))).value.isoformat() == "2023-02-06"
    # Found by the long fuzz run: lxml asserted inside htmldate on this root; now no date, no error.
    assert find_publication_date("<svg onload=x><html>") is None


def test_hardening_cp1252_article_in_utf8_template_extracts_readable():
    # The case: a UTF-8 page (one accent in its template) whose article body is cp1252 throughout.
    from veille.extract.article import extract_article
    from veille.ingest.files import iter_bytes

    raw = (
        b'<html><head><meta charset="utf-8"><title>Visite \xc3\xa0 Niamey</title></head><body><article><p>'
        + (SENTENCE + " ").encode("cp1252") * 5
        + b"</p></article></body></html>"
    )
    [item] = iter_bytes(raw, source="page.html", origin="file", max_bytes=10**6, name="page.html")
    assert item.failure is None and item.document.hints["encoding_source"] == "mixed"
    text = extract_article(item.document).text
    assert text.startswith("Visite à Niamey") and SENTENCE in text and "\ufffd" not in text


def test_hardening_long_cp1252_paragraph_in_undeclared_utf8_text_decoded_run_by_run():
    # Found by the long fuzz run of 2026-12-07 (a UTF-8 page followed by many stray bytes): when the stray bytes
    # outnumbered the UTF-8 characters four to one, the whole text was read as cp1252 ("prÃ©sident").
    first = "Le président a été reçu à Niamey.\n".encode()
    pasted = ("Les députés ont adopté à l'unanimité la réforme présentée début février. " * 3).encode(
        "cp1252"
    )
    decoded = decode(first + pasted)
    assert decoded.source == "mixed" and decoded.repaired == sum(b > 127 for b in pasted)
    assert decoded.text.startswith("Le président a été reçu") and "Les députés ont adopté" in decoded.text
    ascii_only = (
        "Le ministre est à Niamey.\n".encode()
    )  # one UTF-8 letter: too few to tell, detection decides
    assert decode(ascii_only + pasted).source != "mixed"


def test_hardening_utf8_too_full_of_controls_is_refused_not_read_in_a_code_page():
    # Found by the long fuzz run (second round): C1 controls written in UTF-8 ("\x91" is two bytes, C2 91) count
    # as controls read as UTF-8 but not read as cp1252 ("Â‘"), so the cp1252 reading of the whole page passed
    # the control check the UTF-8 reading failed: mojibake instead of a refusal.
    from veille.errors import EncodingError

    text = (SENTENCE + " ") * 5 + "\x01" * 9 + "\x91" * 3
    with pytest.raises(EncodingError, match="control characters"):
        decode(text.encode("utf-8") + b"\xff")


def test_hardening_document_without_hints_is_never_read_whole_in_a_detected_code_page():
    # Found by the long fuzz run of 2026-12-07: a UTF-8 page with a few control bytes and one stray byte, given
    # to extraction without ingest's hints, was read whole as ISO-8859-10 ("rencontrÃĐ") by the detector.
    from veille.errors import EncodingError
    from veille.extract.article import extract_article
    from veille.model import Document

    body = f"<html><head><title>Visite</title></head><body><p>{SENTENCE}</p>"
    noisy = (body + "\x1f" * 5 + "</body></html>").encode("utf-8") + b"\x00\x80"
    doc = Document.from_bytes(noisy, media_type="text/html", source="fuzz", container="test")
    with pytest.raises(EncodingError, match="control characters"):
        extract_article(doc)  # as ingest refuses the same bytes: a failure, not an article in mojibake
    stray = (body + "</body></html>").encode("utf-8") + b"\x80"
    doc = Document.from_bytes(stray, media_type="text/html", source="fuzz", container="test")
    assert SENTENCE in extract_article(doc).text  # the stray byte alone: UTF-8, run by run


def test_hardening_input_time_limit_counts_the_reader_not_the_consumer():
    import time

    from veille.ingest.base import ok
    from veille.ingest.inputs import _guarded
    from veille.model import Document

    doc = Document.from_bytes(SENTENCE.encode(), media_type="text/plain", source="s", container="file")

    def stuck():
        yield ok(doc)
        time.sleep(30)  # a reader that hangs after its first item
        yield ok(doc)

    items = list(_guarded(stuck(), source="lent.txt", seconds=0.3))
    assert [i.failure.code if i.failure else "doc" for i in items] == ["doc", "timeout"]
    assert "more than 0.3 s" in items[1].failure.message
    # The time the consumer spends between items (storing them) is not the reader's.
    slow_consumer = []
    for item in _guarded(iter([ok(doc), ok(doc)]), source="vite.txt", seconds=0.2):
        time.sleep(0.4)
        slow_consumer.append(item)
    assert [i.failure for i in slow_consumer] == [None, None]


def test_hardening_warc_cut_right_after_a_lying_length_is_not_stored_cut():
    # Found by the long fuzz run: Content-Length 1 byte short and the archive cut where that length ends
    # (the evidence after it gone) stored "<p></p" for "<p></p>". The record's missing CRLF CRLF says so.
    whole = _record("https://exemple.ne/1", _page()) + _record("https://exemple.ne/2", b"<p></p>", delta=-1)
    cut = whole[: len(whole) - 5]
    items = list(iter_warc(cut, source="a.warc", max_bytes=10**6))
    assert [i.document.raw for i in items if i.document and i.document.media_type == "text/html"] == [_page()]
    assert "without the record's closing CRLF CRLF" in items[1].failure.message
    assert items[2].failure.code == "malformed" and items[2].document.raw == cut  # the archive, kept whole
