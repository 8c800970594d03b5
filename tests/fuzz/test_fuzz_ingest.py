"""Property-based tests of the ingest readers: any bytes under any name give Ingested items, never an error.

sniff, decode, iter_bytes (every kind: HTML, text, JSON, JSON Lines, feeds, WARC, gzip), iter_warc on
archives written by warcio then broken, iter_feed on generated feeds, iter_json/iter_jsonl on any JSON.
"""

from __future__ import annotations

import gzip
import json

from fuzzing import budget, cp1252_text, html_text, mutated, news_text, seeds_names, warc_bytes
from hypothesis import given
from hypothesis import strategies as st

from veille.errors import EncodingError
from veille.ingest.base import Ingested
from veille.ingest.encoding import decode
from veille.ingest.feeds import iter_feed
from veille.ingest.files import iter_bytes
from veille.ingest.records import MAX_DEPTH, iter_json, iter_jsonl, json_depth
from veille.ingest.sniff import KINDS, sniff
from veille.ingest.warc import iter_warc

MAX_BYTES = 200_000
CODES = {"empty_input", "not_text", "bad_encoding", "too_large", "malformed", "bad_url", "unreadable"}


def _check(items: list[Ingested], source: str) -> None:
    for item in items:
        assert item.document is not None or item.failure is not None
        if item.failure is not None:
            assert item.failure.stage == "ingest" and item.failure.code in CODES, item.failure
            assert item.failure.message and item.failure.source == source
        if item.document is not None:
            assert item.document.source == source


def _ingest(raw: bytes, name: str) -> list[Ingested]:
    items = list(iter_bytes(raw, source=name, origin="file", max_bytes=MAX_BYTES, name=name))
    _check(items, name)
    return items


@budget(120)
@given(raw=st.one_of(st.binary(max_size=2000), html_text.map(str.encode)), name=seeds_names)
def test_fuzz_ingest_any_bytes_any_name(raw: bytes, name: str) -> None:
    assert sniff(raw, name) in KINDS
    first = _ingest(raw, name)
    # Deterministic: the same bytes give the same documents and failures again.
    again = _ingest(raw, name)
    assert [i.document.id if i.document else None for i in first] == [
        i.document.id if i.document else None for i in again
    ]
    assert [i.failure.code if i.failure else None for i in first] == [
        i.failure.code if i.failure else None for i in again
    ]


@budget(60)
@given(text=news_text)
def test_fuzz_ingest_utf8_text_decodes_to_itself(text: str) -> None:
    text = text.replace("\x00", "").lstrip("\ufeff")
    raw = text.encode("utf-8")
    try:
        decoded = decode(raw)
    except EncodingError:
        assert not text.isprintable()
        return
    if decoded.source == "utf-8":
        assert decoded.text == text and decoded.repaired == 0


@budget(60)
@given(
    utf8=news_text.filter(lambda t: any(ord(c) > 127 for c in t)), western=cp1252_text, declared=st.booleans()
)
def test_fuzz_ingest_mixed_encodings_decoded_run_by_run(utf8: str, western: str, declared: bool) -> None:
    utf8 = utf8.replace("\x00", "").lstrip("\ufeff")
    head = '<meta charset="utf-8">' if declared else ""
    raw = head.encode() + utf8.encode("utf-8") + western.encode("cp1252")
    try:
        decoded = decode(raw)
    except EncodingError:
        return
    if decoded.source == "mixed":
        # Each run read in its own encoding: the UTF-8 part intact, the cp1252 part readable.
        assert decoded.text == head + utf8 + western
        assert decoded.repaired == sum(1 for ch in western if ord(ch) > 127)
    elif declared and any(ord(c) > 127 for c in western):
        assert decoded.source in {"declared", "detected", "utf-16"}


@budget(60)
@given(
    records=st.lists(
        st.tuples(
            st.sampled_from(["response", "resource", "conversion", "metadata"]),
            st.sampled_from(
                ["https://exemple.ml/a", "http://exemple.ml/b?x=1", "dns:exemple.ml", "urn:x:1", ""]
            ),
            html_text.map(lambda t: t.encode("utf-8")),
            st.sampled_from(["text/html; charset=utf-8", "text/plain", "application/json", ""]),
        ),
        max_size=5,
    ),
    compressed=st.booleans(),
    data=st.data(),
)
def test_fuzz_ingest_warc_broken_never_stored_cut(records, compressed: bool, data: st.DataObject) -> None:
    whole = warc_bytes(records, gzip=compressed)
    items = list(iter_warc(whole, source="a.warc", max_bytes=MAX_BYTES))
    _check(items, "a.warc")
    assert all(i.failure is None or i.failure.code == "bad_url" for i in items if i.document is None)
    payloads = {payload for _, _, payload, _ in records}
    for item in items:
        if item.document is not None and item.failure is None:
            assert item.document.raw in payloads
    broken = data.draw(mutated(whole))
    items = list(iter_warc(broken, source="a.warc", max_bytes=MAX_BYTES))
    _check(items, "a.warc")


@budget(40)
@given(
    entries=st.lists(
        st.tuples(news_text, news_text, st.sampled_from(["2023-02-06", "2023-02-31", "", "x"])), max_size=4
    ),
    atom=st.booleans(),
    data=st.data(),
)
def test_fuzz_ingest_feeds(entries, atom: bool, data: st.DataObject) -> None:
    from xml.sax.saxutils import escape

    def clean(text: str) -> str:
        return escape("".join(ch for ch in text if ch.isprintable() or ch in "\n\t"))

    if atom:
        body = "".join(
            f"<entry><title>{clean(t)}</title><id>urn:{n}</id><link href='https://exemple.ml/{n}'/>"
            f"<updated>{d}T10:00:00Z</updated><summary>{clean(s)}</summary></entry>"
            for n, (t, s, d) in enumerate(entries)
        )
        feed = f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>F</title>{body}</feed>"
    else:
        body = "".join(
            f"<item><title>{clean(t)}</title><link>https://exemple.ml/{n}</link><guid>{n}</guid>"
            f"<pubDate>{d}</pubDate><description>{clean(s)}</description></item>"
            for n, (t, s, d) in enumerate(entries)
        )
        feed = f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>F</title>{body}</channel></rss>"
    raw = feed.encode("utf-8")
    items = list(iter_feed(raw, source="f.rss"))
    _check(items, "f.rss")
    docs = [i.document for i in items if i.document is not None and i.failure is None]
    assert len(docs) == len(entries)
    for doc in docs:
        record = json.loads(doc.raw)
        assert record["date_publish"] is None or record["date_publish"].startswith("2023-02-06")
    _check(list(iter_feed(data.draw(mutated(raw)), source="f.rss")), "f.rss")


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _containers,
    max_leaves=30,
)


@budget(60)
@given(value=json_values, depth=st.integers(0, 3 * MAX_DEPTH))
def test_fuzz_ingest_json_and_jsonl(value, depth: int) -> None:
    for _ in range(depth):
        value = {"a": value}
    raw = json.dumps(value).encode()
    items = list(iter_json(raw, source="a.json"))
    _check(items, "a.json")
    deep = json_depth(value) > MAX_DEPTH
    if deep:
        assert [i.failure.code for i in items if i.failure] == ["malformed"]
    elif isinstance(value, dict):
        assert len(items) == 1 and items[0].failure is None
    lines = raw + b"\n" + b"{broken\n" + json.dumps({"url": "https://exemple.ml"}).encode() + b"\n"
    items = list(iter_jsonl(lines, source="a.jsonl"))
    _check(items, "a.jsonl")
    assert items[-1].failure is None and items[-2].failure is not None


@budget(30)
@given(raw=st.binary(max_size=4000))
def test_fuzz_ingest_gzip_of_anything(raw: bytes) -> None:
    for items in (_ingest(gzip.compress(raw), "x.gz"), _ingest(gzip.compress(raw)[:-5], "x.gz")):
        assert items


@budget(60)
@given(
    bodies=st.lists(html_text.map(lambda t: ("<p>" + t + "</p>").encode("utf-8")), min_size=1, max_size=4),
    compressed=st.booleans(),
    cut=st.floats(0, 1),
    shorter=st.integers(0, 3),
)
def test_fuzz_ingest_warc_cut_or_lying_never_stored_cut(bodies, compressed: bool, cut: float, shorter: int):
    records = [("response", f"https://exemple.ml/{n}", body, "text/html") for n, body in enumerate(bodies)]
    whole = warc_bytes(records, gzip=compressed)
    if not compressed and shorter:
        # Content-Length of one record made 1 to 3 bytes short: the record's text runs past it.
        at = whole.rfind(b"Content-Length: ")
        end = whole.index(b"\r\n", at)
        length = int(whole[at + 16 : end])
        whole = whole[: at + 16] + str(max(length - shorter, 0)).encode() + whole[end:]
    broken = whole[: int(len(whole) * cut)] if cut < 1 else whole
    items = list(iter_warc(broken, source="a.warc", max_bytes=MAX_BYTES))
    _check(items, "a.warc")
    for item in items:
        if item.document is not None and item.document.media_type == "text/html":
            assert item.document.raw in bodies
