"""news-please JSON Lines and JSON arrays: one application/json Document per record."""

from __future__ import annotations

import json

from veille.ingest import iter_inputs
from veille.settings import Settings

SETTINGS = Settings()
RECORDS = [
    {
        "title": "Sergueï Lavrov à Bamako",
        "maintext": "Le ministre russe des Affaires étrangères est arrivé au Mali.",
        "description": "Visite de deux jours.",
        "url": "https://exemple.ml/lavrov",
        "date_publish": "2023-02-07 10:00:00",
        "source_domain": "exemple.ml",
        "authors": ["A. Traoré"],
        "language": "fr",
    },
    {
        "title": "Coopération militaire",
        "text": "Les deux pays renforcent leur coopération.",
        "url": "https://autre.ml/coop",
        "date_publish": None,
        "source_domain": "autre.ml",
        "authors": [],
        "language": "fr",
    },
]


def _ingest(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_inputs([str(path)], settings=SETTINGS))


def test_records_jsonl_one_document_per_line_and_bad_line(tmp_path):
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in RECORDS]
    data = lines[0] + b"\n" + b'{"title": "cass\xc3\xa9", "url": \n' + b"\n" + lines[1] + b"\n"
    items = _ingest(tmp_path, "articles.jsonl", data)
    assert [i.failure.code if i.failure else None for i in items] == [None, "malformed", None]
    first, bad, last = (i.document for i in items)
    assert first.raw == lines[0] and last.raw == lines[1]
    assert (first.media_type, first.container, first.record_id) == ("application/json", "jsonl", "1")
    assert first.url == "https://exemple.ml/lavrov" and last.record_id == "4"
    assert json.loads(first.raw)["maintext"].startswith("Le ministre russe")
    assert bad.media_type == "application/octet-stream" and bad.raw.startswith(b'{"title": "cass')
    assert "line 2" in items[1].failure.message and items[1].failure.item_id == bad.id


def test_records_jsonl_sniffed_without_extension(tmp_path):
    data = b"\n".join(json.dumps(r).encode() for r in RECORDS)
    items = _ingest(tmp_path, "export.txt", data)
    assert [i.document.container for i in items] == ["jsonl", "jsonl"]


def test_records_json_array_reserialized(tmp_path):
    data = json.dumps(RECORDS, indent=2).encode()
    items = _ingest(tmp_path, "articles.json", data)
    assert [i.failure for i in items] == [None, None]
    docs = [i.document for i in items]
    assert [d.record_id for d in docs] == ["1", "2"]
    assert docs[0].raw == json.dumps(RECORDS[0], ensure_ascii=False, sort_keys=True).encode("utf-8")
    assert "Sergueï" in docs[0].raw.decode("utf-8")
    assert docs[1].url == "https://autre.ml/coop" and docs[1].container == "json"


def test_records_single_object_and_broken_json(tmp_path):
    [single] = _ingest(tmp_path, "one.json", json.dumps(RECORDS[0]).encode())
    assert single.failure is None and single.document.url == "https://exemple.ml/lavrov"
    [broken] = _ingest(tmp_path, "broken.json", b'[{"title": "x"},')
    assert broken.failure.code == "malformed" and broken.document.media_type == "application/octet-stream"
