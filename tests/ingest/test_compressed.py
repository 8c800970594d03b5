"""Issue 22: gzip, bzip2 and xz inputs are decompressed with a bound; zstd is refused with a clear message.

Every compressed file is made here from real text (the seeds, WARC records written by warcio, JSON Lines).
A bomb is built from many small streams (each of 10 MB of zeros), so it is cheap to make and would take
minutes and gigabytes to decompress whole: the test only ends quickly because reading stops at the bound.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tracemalloc
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from veille.ingest.compressed import MAX_RATIO, decompress
from veille.ingest.files import iter_bytes, iter_file

MAX_BYTES = 200_000
COMPRESS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
# Peak Python memory allowed while a bomb is read: the xz decoder's dictionary (8 MiB for xz -6) twice,
# plus a few read buffers; a bomb decompressed whole would take a gigabyte.
MEMORY_BOUND = 48 << 20


def _ids(items):
    return [item.document.id for item in items if item.document is not None and item.failure is None]


def _failures(items):
    return [(item.failure.code, item.failure.message) for item in items if item.failure is not None]


def _bomb(compress, total: int) -> bytes:
    # Concatenated streams are one valid file (bzip2 -c a b, xz -c a b): ``total`` bytes of zeros.
    one = compress(b"\x00" * (10 << 20))
    return one * (total // (10 << 20))


def _warc(pages: int = 3) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for n in range(pages):
        body = (
            f"<html><head><title>Niamey {n}</title></head><body><p>Le ministre de la Défense a été reçu "
            f"mardi à Niamey par son homologue, la {n}e visite du genre.</p></body></html>"
        ).encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://exemple.ne/{n}", "response", payload=io.BytesIO(body), http_headers=http
        )
        writer.write_record(record)
    return out.getvalue()


def _jsonl(lines: int = 300) -> bytes:
    records = (
        {
            "url": f"https://exemple.ml/{n}",
            "title": f"Bamako {n}",
            "maintext": f"Le ministre est arrivé ({n}).",
        }
        for n in range(lines)
    )
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def _ingest(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_file(path, max_bytes=MAX_BYTES))


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
def test_compressed_seeds_keep_their_content_ids(tmp_path, seed_paths, ext):
    for seed in seed_paths.values():
        plain = _ingest(tmp_path, seed.name, seed.read_bytes())
        packed = _ingest(tmp_path, f"{seed.name}.{ext}", COMPRESS[ext](seed.read_bytes()))
        assert _failures(packed) == [] and _ids(packed) == _ids(plain) and len(_ids(plain)) == 1


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
def test_compressed_warc_and_jsonl_streams_give_the_same_documents(tmp_path, ext):
    # A gzip WARC is warcio's to read (one gzip member per record): only bzip2 and xz ones are made here.
    # 3,000 lines: over max_document_bytes once decompressed, read all the same as a stream.
    cases = [("articles.jsonl", _jsonl(3000))] + ([("crawl.warc", _warc())] if ext != "gz" else [])
    for name, data in cases:
        plain = _ingest(tmp_path, name, data)
        packed = _ingest(tmp_path, f"{name}.{ext}", COMPRESS[ext](data))
        assert _failures(packed) == [] and _ids(packed) == _ids(plain)
        assert len(_ids(plain)) == (3 if name == "crawl.warc" else 3000)


def test_compressed_streams_one_after_another_are_read_whole(tmp_path):
    # pbzip2 and xz -T write several streams; gzip members too: none is dropped.
    text = "Le ministre a été reçu à Niamey. ".encode() * 40
    for compress in COMPRESS.values():
        items = list(iter_bytes(compress(text) * 3, source="x", origin="file", max_bytes=MAX_BYTES))
        assert _failures(items) == [] and items[0].document.raw == text * 3


@pytest.mark.parametrize("ext", ["bz2", "xz"])
def test_compressed_bomb_is_a_failure_in_bounded_memory(tmp_path, ext):
    bomb = _bomb(COMPRESS[ext], 2 << 30)
    assert len(bomb) < 2 << 20  # 2 GB of zeros in under 2 MB
    tracemalloc.start()
    try:
        items = _ingest(tmp_path, f"page.html.{ext}", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    name = {"bz2": "bzip2", "xz": "xz"}[ext]
    assert _failures(items) == [("malformed", f"{name} content is larger than max_document_bytes (200,000)")]
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize("ext", ["bz2", "xz"])
def test_compressed_warc_bomb_stops_at_the_ratio(tmp_path, ext):
    # A WARC is read as a stream past max_document_bytes, as long as it expands no more than gzip can.
    record = _warc(1)
    bomb = COMPRESS[ext](record) + _bomb(COMPRESS[ext], 2 << 30)
    tracemalloc.start()
    try:
        items = _ingest(tmp_path, f"crawl.warc.{ext}", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(_ids(items)) == 1  # the record before the bomb is stored
    (code, message), *rest = _failures(items)
    assert code == "malformed" and not rest
    assert "WARC broke after 1 document record(s)" in message
    assert f"expands more than {MAX_RATIO} times" in message and "decompression bomb" in message
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
def test_compressed_truncated_stream_is_a_failure(tmp_path, seed_paths, ext):
    seed = next(iter(seed_paths.values()))
    data = COMPRESS[ext](seed.read_bytes())
    items = _ingest(tmp_path, f"cut.html.{ext}", data[: len(data) - 30])
    ((code, message),) = _failures(items)
    assert code == "malformed" and "truncated" in message
    assert items[0].document is not None and items[0].document.raw == data[: len(data) - 30]  # kept


@pytest.mark.parametrize("ext", ["bz2", "xz"])
def test_compressed_truncated_jsonl_keeps_the_lines_before_the_cut(tmp_path, ext):
    # bzip2 -1: blocks of 100 kB, so the blocks before the cut are whole (a block comes whole or not at all).
    compress = (lambda data: bz2.compress(data, 1)) if ext == "bz2" else lzma.compress
    data = compress(_jsonl(3000))
    items = _ingest(tmp_path, f"cut.jsonl.{ext}", data[: len(data) * 9 // 10])
    (code, message), *rest = _failures(items)
    assert code == "malformed" and not rest
    assert "JSON Lines broke after" in message and "truncated" in message
    assert len(_ids(items)) > 1000
    assert items[-1].document is not None and items[-1].document.raw == data[: len(data) * 9 // 10]


def test_compressed_corrupt_and_trailing_bytes_are_failures():
    good = bz2.compress(b"Le ministre est arrive a Niamey. " * 20)
    corrupt = good[:20] + bytes(range(256)) + good[20:]
    cases = {
        "corrupt bzip2 data": corrupt,
        "followed by bytes that are not xz data": lzma.compress(b"Bamako. " * 20) + b"du texte en plus " * 4,
        "not decompressed twice": lzma.compress(gzip.compress(b"Bamako. " * 20)),
    }
    for expected, data in cases.items():
        items = list(iter_bytes(data, source="x", origin="file", max_bytes=MAX_BYTES))
        ((code, message),) = _failures(items)
        assert code == "malformed" and expected in message
        assert items[0].document is not None and items[0].document.raw == data


def test_compressed_zstd_is_refused_with_what_to_do():
    # What `zstd -c` writes for "Bamako\n" (magic, frame header, one raw block, checksum).
    zstd_frame = bytes.fromhex("28b52ffd0458390000") + b"Bamako\n" + bytes.fromhex("96eef587")
    items = list(iter_bytes(zstd_frame, source="page.html.zst", origin="file", max_bytes=MAX_BYTES))
    ((code, message),) = _failures(items)
    assert code == "not_text" and "zstd" in message and "zstd -d" in message


def test_compressed_decompress_stops_one_step_past_the_limit():
    data = bz2.compress(b"a" * (5 << 20))
    with pytest.raises(Exception, match="larger than max_document_bytes"):
        decompress(data, "bzip2", 1 << 20)
    assert decompress(data, "bzip2", 5 << 20) == b"a" * (5 << 20)


def test_compressed_xz_asking_for_a_huge_dictionary_is_refused():
    # An xz header may ask the decoder for up to 4 GiB; this one asks for 1 GiB (its CRC made right).
    data = lzma.compress(b"Bamako. " * 100, filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}])
    header = bytearray(data[12 : 12 + (data[12] + 1) * 4])
    header[header.index(0x21) + 2] = 36  # LZMA2 dictionary size code 36: 2 << 29 bytes
    header[-4:] = zlib.crc32(bytes(header[:-4])).to_bytes(4, "little")
    hostile = data[:12] + bytes(header) + data[12 + len(header) :]
    assert lzma.decompress(hostile) == b"Bamako. " * 100  # valid xz: only its memory is hostile
    ((code, message),) = _failures(list(iter_bytes(hostile, source="x", origin="file", max_bytes=MAX_BYTES)))
    assert code == "malformed" and "Memory usage limit" in message
