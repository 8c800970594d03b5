"""veille batch and veille load: three WARC/WET files made here from the bundled sample, a 2-process Dask
LocalCluster on loopback, Parquet loaded into a store that must equal `veille run` on the same records."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="veille batch needs dask distributed (pip install distributed)")
pytest.importorskip("pyarrow", reason="veille batch writes Parquet with pyarrow")

from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from veille.batch import load_batch, run_batch  # noqa: E402
from veille.batch.archives import iter_archive, read_manifest  # noqa: E402
from veille.batch.task import DONE, model_loads, process_archive  # noqa: E402
from veille.errors import MissingInputError, UsageError  # noqa: E402
from veille.settings import Settings  # noqa: E402
from veille.store import open_store  # noqa: E402

# Each archive is its own outlet (its own domain): a batch task keeps the per-outlet line statistics of its
# own archive only, where `veille run` reads those of every page before (see veille/batch/task.py).
BROKEN = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _html(text: str, day: str) -> bytes:
    title, *paragraphs = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{day}T08:00:00+00:00"></head>'
        f"<body><nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Tous droits réservés</footer></body></html>"
    ).encode()


def _response(writer: WARCWriter, url: str, payload: bytes, content_type: str = "text/html; charset=utf-8"):
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)
    )


def _conversion(writer: WARCWriter, url: str, text: str):
    payload = text.lstrip("\ufeff").encode()
    headers = [("WARC-Type", "conversion"), ("Content-Type", "text/plain")]
    writer.write_record(
        writer.create_warc_record(
            url,
            "conversion",
            payload=io.BytesIO(payload),
            warc_headers_dict=dict(headers),
            length=len(payload),
        )
    )


@pytest.fixture(scope="module")
def archives(tmp_path_factory, sample_dir: Path, seed_paths: dict[str, Path]) -> Path:
    """Three archives: a.warc (HTML responses), b.warc.gz (WET conversions: a seed and RPM2 texts),
    c.warc.gz (HTML responses, a warcinfo and a request record, and a broken record: the bytes of an
    image served as text/html). Returns the folder, with manifest.txt listing them."""
    folder = tmp_path_factory.mktemp("archives")
    rpm2 = sorted((sample_dir / "rpm2").glob("T0*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in rpm2]
    with open(folder / "a.warc", "wb") as out:
        writer = WARCWriter(out, gzip=False)
        for i, text in enumerate(texts[:4]):
            _response(
                writer, f"https://www.lequotidien-a.fr/monde/{i}.html", _html(text, f"2023-02-0{i + 1}")
            )
    with open(folder / "b.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        seed = next(iter(seed_paths.values())).read_text(encoding="utf-8")
        _conversion(writer, "https://journal-b.ml/article/seed", seed)
        for i, text in enumerate(texts[10:13]):
            _conversion(writer, f"https://journal-b.ml/article/{i}", text)
    with open(folder / "c.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record("c.warc.gz", {"software": "veille tests"}))
        writer.write_record(
            writer.create_warc_record(
                "https://hebdo-c.sn/x", "request", payload=io.BytesIO(b"GET /x HTTP/1.1\r\n\r\n")
            )
        )
        for i, text in enumerate(texts[20:23]):
            _response(writer, f"https://hebdo-c.sn/actu/{i}", _html(text, "2023-03-01" if i else ""))
        _response(writer, "https://hebdo-c.sn/actu/broken", BROKEN)
    (folder / "manifest.txt").write_text(
        "# three archives made from the bundled sample\na.warc\n\nb.warc.gz\n"
        + str(folder / "c.warc.gz")
        + "\n",
        encoding="utf-8",
    )
    return folder


def _table(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(tuple(row) for row in conn.execute(sql))


DOCUMENTS = "SELECT id, raw, media_type, source, container, record_id, url, hints FROM documents"
ARTICLES = (
    "SELECT id, content_id, text, url, title, title_source, outlet, outlet_source, author, author_source,"
    " published, published_source, published_evidence, language, extractor FROM articles"
)
ANALYSES = "SELECT article_id, language, analyzer, published, payload, linker FROM analyses"
FAILURES = "SELECT item_id, stage, code, version, source FROM failures"
LINES = "SELECT outlet, line_hash, content_id FROM outlet_lines"


def test_batch_manifest_errors(tmp_path: Path):
    with pytest.raises(UsageError) as missing:
        read_manifest(tmp_path / "nope.txt")
    assert missing.value.code == "bad_manifest"
    (tmp_path / "empty.txt").write_text("# nothing yet\n\n", encoding="utf-8")
    with pytest.raises(UsageError) as empty:
        read_manifest(tmp_path / "empty.txt")
    assert empty.value.code == "bad_manifest"
    (tmp_path / "typo.txt").write_text("crawl-0001.warc.gz\n", encoding="utf-8")
    with pytest.raises(MissingInputError) as typo:
        run_batch(tmp_path / "typo.txt", tmp_path / "out", settings=Settings(), local=1)
    assert typo.value.code == "missing" and "crawl-0001.warc.gz" in str(typo.value)
    assert not (tmp_path / "out").exists()


def test_batch_archive_cut_keeps_records_and_names_the_archive(archives: Path, tmp_path: Path):
    """A cut gzip archive read as a stream: its whole records come out, then a malformed failure whose item
    id is the archive's content id, as `veille ingest` gives it."""
    from veille.ingest.warc import iter_warc

    raw = (archives / "b.warc.gz").read_bytes()
    cut = raw[: len(raw) - 300]
    (tmp_path / "cut.warc.gz").write_bytes(cut)
    with open(tmp_path / "cut.warc.gz", "rb") as stream:
        items = [item for _, item in iter_archive(stream, source="cut", max_bytes=10**7)]
    ingested = list(iter_warc(cut, source="cut", max_bytes=10**7))
    assert [i.document.id for i in items if i.document] == [i.document.id for i in ingested[:-1]]
    assert len(items) >= 2 and items[-1].document is None
    failure = items[-1].failure
    assert failure.code == "malformed" and failure.stage == "ingest"
    assert failure.item_id == hashlib.sha256(cut).hexdigest() == ingested[-1].failure.item_id
    with open(archives / "b.warc.gz", "rb") as stream:
        whole = [item for _, item in iter_archive(stream, source="b", max_bytes=10**7)]
    assert len(whole) == 4 and all(i.failure is None for i in whole)


def test_batch_reads_an_archive_gzipped_whole_as_ingest_does(archives: Path, tmp_path: Path):
    """``gzip a.warc``: one gzip member for the whole archive. warcio alone reads its first record and stops
    ("non-chunked gzip"); batch reads every record, the same documents as ``veille ingest`` and as the plain
    archive. Cut, it keeps the records before the cut and names the cause."""
    import gzip

    from veille.ingest.warc import iter_warc

    plain = (archives / "a.warc").read_bytes()
    whole = gzip.compress(plain)
    items = [item for _, item in iter_archive(io.BytesIO(whole), source="w", max_bytes=10**7)]
    expected = [item for _, item in iter_archive(io.BytesIO(plain), source="w", max_bytes=10**7)]
    ingested = list(iter_warc(whole, source="w", max_bytes=10**7))
    assert len(items) == 4 and all(i.failure is None for i in items)
    ids = [i.document.id for i in items]
    assert ids == [i.document.id for i in expected] == [i.document.id for i in ingested]
    per_record = (archives / "b.warc.gz").read_bytes()  # one member per record, cut inside the third
    cut = per_record[: len(per_record) // 2]
    found = [item for _, item in iter_archive(io.BytesIO(cut), source="c", max_bytes=10**7)]
    assert found[-1].failure is not None and "gzip stream is truncated" in found[-1].failure.message
    assert [i.document.id for i in found[:-1]] == [
        i.document.id for i in list(iter_warc(cut, source="c", max_bytes=10**7))[:-1]
    ]


def test_batch_load_equals_run(archives: Path, tmp_path: Path):
    from veille.pipeline import ingest, run

    settings = Settings()
    output = tmp_path / "parquet"
    reports = []
    summary = run_batch(
        archives / "manifest.txt", output, settings=settings, local=2, progress=reports.append
    )
    assert (summary.done, summary.skipped, summary.failed) == (3, 0, 0), summary.errors
    assert sorted(r.status for r in reports) == ["done"] * 3
    stages = summary.stages
    assert (stages["ingest"].processed, stages["ingest"].ok, dict(stages["ingest"].codes)) == (
        12,
        11,
        {"bad_encoding": 1},
    )
    assert stages["extract"].processed == 11 == stages["extract"].ok
    assert stages["understand"].processed == 11 == stages["understand"].ok
    assert (stages["write"].processed, stages["write"].ok) == (3, 3)  # counted in archives committed

    # each worker process loaded the French pipeline once, whatever number of archives it read
    assert len(summary.workers) == 2
    ran = {r.worker.rpartition(":")[2] for r in reports}
    loads = {str(w["pid"]): w["loads"] for w in summary.workers.values()}
    assert ran <= set(loads)
    assert all(loads[pid] == 1 for pid in ran), loads
    assert model_loads()["pid"] not in {w["pid"] for w in summary.workers.values()}

    # the broken record is a failure row (its bytes are no text), its bytes a document row
    import pyarrow.dataset as ds

    failures = ds.dataset(output / "failures").to_table().to_pylist()
    assert [(f["stage"], f["code"]) for f in failures] == [("ingest", "bad_encoding")]
    broken_id = hashlib.sha256(BROKEN).hexdigest()
    assert failures[0]["item_id"] == broken_id
    documents = ds.dataset(output / "documents").to_table(columns=["id", "raw"]).to_pylist()
    assert {d["id"]: d["raw"] for d in documents}[broken_id] == BROKEN
    articles = ds.dataset(output / "articles", partitioning="hive").to_table(columns=["id", "published"])
    assert {"2023-02-01", "2023-03-01"} <= set(articles.column("published").to_pylist())

    # the loaded store equals `veille run` on the same records
    loaded_db, reference_db = tmp_path / "loaded.db", tmp_path / "reference.db"
    with open_store(str(loaded_db)) as store:
        counts = load_batch(store, output)
        assert counts.as_dict() == {
            "archives": 3,
            "documents": 12,
            "articles": 11,
            "analyses": 11,
            "failures": 1,
        }
        again = load_batch(store, output)
        assert (again.documents, store.counts()["documents"]) == (0, 12)
        after = run(store, settings=settings)
        assert after.stages["extract"].processed == 0 and after.stages["understand"].processed == 0
        assert after.stages["group"].ok == 11 and store.counts()["stories"] > 0
    with open_store(str(reference_db)) as store:
        sources = [str(archives / name) for name in ("a.warc", "b.warc.gz", "c.warc.gz")]
        ingest(store, sources, settings=settings)
        run(store, settings=settings)
    for sql in (DOCUMENTS, ARTICLES, ANALYSES, FAILURES, LINES):
        loaded, reference = _table(loaded_db, sql), _table(reference_db, sql)
        assert loaded == reference, sql
        assert loaded or sql == FAILURES
    assert len(_table(loaded_db, ANALYSES)) == 11

    # a rerun skips every finished archive: nothing read, nothing written
    before = {p: p.stat().st_mtime_ns for p in output.rglob("*.parquet")}
    rerun = run_batch(archives / "manifest.txt", output, settings=settings, local=2)
    assert (rerun.done, rerun.skipped, rerun.records, rerun.workers) == (0, 3, 0, {})
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*.parquet")} == before

    # a task killed after moving its files but before its marker: redone, its part files replaced
    source = str(archives / "c.warc.gz")
    marker = next(m for m in (output / DONE).glob("*.json") if json.loads(m.read_text())["source"] == source)
    marker.unlink()
    redone = process_archive(source, str(output), settings)
    assert redone["status"] == "done" and marker.exists()
    assert sorted(p.relative_to(output) for p in output.rglob("*.parquet")) == sorted(
        p.relative_to(output) for p in before
    )
    assert not list((output / "_tmp").iterdir())
    with open_store(str(loaded_db)) as store:
        third = load_batch(store, output)
        assert (third.documents, store.counts()["documents"], store.counts()["articles"]) == (0, 12, 11)


def test_batch_and_load_commands_say_what_is_wrong(tmp_path: Path):
    """The CLI layer: one cluster option at a time, and a folder no batch finished is refused by name."""
    from click.testing import CliRunner

    from veille.cli import main

    manifest = tmp_path / "manifest.txt"
    manifest.write_text("a.warc.gz\n", encoding="utf-8")
    both = CliRunner().invoke(
        main, ["batch", str(manifest), "--output", str(tmp_path / "out"), "--local", "1", "--scheduler", "x"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    empty = tmp_path / "empty"
    empty.mkdir()
    loaded = CliRunner().invoke(main, ["--db", str(tmp_path / "v.db"), "load", str(empty)])
    assert loaded.exit_code != 0 and "veille batch" in loaded.output + str(loaded.exception)
