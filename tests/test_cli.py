"""The CLI run in process on the real seeds; assertions on what lands in the store and on --json output."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille import pipeline
from veille.cli import main
from veille.store import open_store

ARTICLE_KEYS = {
    "id", "content_id", "url", "outlet", "title", "author", "published", "published_source", "language",
    "text", "entities", "quotes", "times", "events", "quantities",
}  # fmt: skip


def _veille(db: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory, seed_paths):
    """A store with the two seeds ingested and run through every stage once."""
    db = tmp_path_factory.mktemp("cli") / "veille.db"
    code, _ = _veille(db, "ingest", *map(str, seed_paths.values()))
    assert code == 0
    code, out = _veille(db, "run", "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["extract"]["ok"] == 2 and summary["understand"]["ok"] == 2 and summary["group"]["ok"] == 2
    assert summary["link"]["ok"] == 2  # the link step runs between understand and group
    assert list(summary) == list(pipeline.STAGES) and all(s["seconds"] >= 0 for s in summary.values())
    return db


def test_cli_seeds_form_one_story_with_both_sources(seeded_db):
    code, out = _veille(seeded_db, "stories", "--json")
    stories = json.loads(out)
    assert code == 0 and len(stories) == 1
    story = stories[0]
    assert story["size"] == 2 and len(story["outlets"]) == 2
    assert story["first_seen"] == "2023-02-06"
    code, out = _veille(seeded_db, "compare", story["id"], "--json")
    comparison = json.loads(out)
    assert [bool(side["outlet"]) for side in comparison["sides"]] == [True, True]
    assert any("Lavrov" in name for name in comparison["shared_entities"])
    code, out = _veille(seeded_db, "compare", story["id"])
    assert code == 0 and "sources side by side" in out


def test_cli_show_article_json_has_the_documented_keys(seeded_db, seed_paths):
    import hashlib

    doc_id = hashlib.sha256(seed_paths["002_c41fd276a5cca2db"].read_bytes()).hexdigest()
    code, out = _veille(seeded_db, "show", doc_id[:10], "--json")
    article = json.loads(out)
    assert code == 0 and set(article) >= ARTICLE_KEYS
    assert article["content_id"] == doc_id and article["language"] == "fr"
    assert article["published"] == "2023-02-06" and article["published_source"] == "inferred"
    for entity in article["entities"]:
        for m in entity["mentions"]:
            assert article["text"][m["start"] : m["end"]] == m["text"]
    assert article["story_id"]
    # the figures are part of the analysis: spans of the text, with their interval, noun and hedge
    for q in article["quantities"]:
        assert article["text"][q["start"] : q["end"]] == q["text"]
    dizaine = next(q for q in article["quantities"] if q["text"].startswith("une dizaine"))
    assert (dizaine["approx"], dizaine["counted"], dizaine["low"] <= 10 <= dizaine["high"]) == (
        "about",
        "appareil",
        True,
    )
    from veille.render import figure_words  # what `veille show` prints of it

    assert figure_words(dizaine) == "une dizaine d'appareils = 10 (8–13) appareil"


def test_cli_search_entities_failures(seeded_db):
    code, out = _veille(seeded_db, "search", "serguei lavrov", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out = _veille(seeded_db, "entities", "--type", "PER", "--json")
    people = {e["name"] for e in json.loads(out)}
    assert any("Lavrov" in p for p in people) and any("Diop" in p for p in people)
    code, out = _veille(seeded_db, "failures", "--json")
    assert code == 0 and json.loads(out) == []


def test_cli_rerun_does_nothing_and_an_upgrade_redoes_only_its_stage(seeded_db, monkeypatch):
    code, out = _veille(seeded_db, "run", "--json")
    assert code == 0 and all(c["processed"] == 0 for c in json.loads(out).values())
    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", pipeline.EXTRACTOR_VERSION + "+upgrade")
    code, out = _veille(seeded_db, "run", "--json")
    summary = json.loads(out)
    assert summary["extract"]["processed"] == 2
    assert summary["understand"]["processed"] == 0 and summary["group"]["processed"] == 0
    # a new linker version links every stored name again, and nothing else
    from veille.understand import crosslink  # the run reads its version when it links

    monkeypatch.setattr(crosslink, "LINKER_VERSION", "veille-linker upgrade")
    code, out = _veille(seeded_db, "run", "--json")
    summary = json.loads(out)
    assert summary["link"]["processed"] == summary["link"]["ok"] == 2
    assert summary["understand"]["processed"] == 0 and summary["group"]["processed"] == 0


def test_cli_bad_inputs_are_recorded_and_the_seeds_come_out_whole(tmp_path, seed_paths):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.html").write_bytes(b"")
    (bad / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (bad / "latin1.html").write_bytes(
        "<html><body><p>Le ministre a annoncé une réforme de l'été à Niamey, après des débats animés.</p>"
        "<p>Les députés ont voté à une large majorité le texte présenté par le gouvernement.</p></body></html>".encode(
            "latin-1"
        )
    )
    (bad / "nobody.html").write_bytes(b"<html><head><title>rien</title></head></html>")
    (bad / "feed.rss").write_bytes(b"this is not xml <rss")
    (bad / "cut.warc.gz").write_bytes(
        gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 500)[:-20]
    )
    db = tmp_path / "veille.db"
    code, _ = _veille(db, "ingest", *map(str, seed_paths.values()), str(bad))
    assert code == 1
    code, _ = _veille(db, "run")
    assert code == 1
    code, out = _veille(db, "failures", "--json")
    failed_sources = {Path(f["source"] or f["item_id"]).name for f in json.loads(out)}
    assert {"empty.html", "image.html", "nobody.html", "feed.rss", "cut.warc.gz"} <= failed_sources
    assert "latin1.html" not in failed_sources
    store = open_store(str(db))
    try:
        articles = list(store.iter_articles())
        by_source = {store.get_document(a.content_id).source: a for a in articles}
        for path in seed_paths.values():
            doc = store.get_document(by_source[str(path.resolve())].content_id)
            assert doc.raw == path.read_bytes()
        assert any("réforme de l'été à Niamey" in a.text for a in articles)
    finally:
        store.close()


def test_cli_extract_and_analyze_without_a_database(tmp_path, seed_paths):
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(seed_paths["000_7d5c65816c15ba49"]), "--json"])
    article = json.loads(result.stdout)
    assert result.exit_code == 0 and article["title"] == "Mali: SERGUEÏ LAVROV À BAMAKO"
    record = {
        "title": "Le Niger ferme son espace aérien",
        "maintext": "Les autorités nigériennes ont annoncé hier la fermeture de l'espace aérien du pays. "
        "La décision a été prise lundi à Niamey par le général Abdourahamane Tiani.",
        "date_publish": "2023-08-07 10:00:00",
        "source_domain": "example-outlet.ne",
        "url": "https://example-outlet.ne/article/1",
    }
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(main, ["analyze", str(path), "--json"])
    analysed = json.loads(result.stdout)
    assert result.exit_code == 0 and analysed["published"] == "2023-08-07"
    assert analysed["outlet"] == "example-outlet.ne"
    assert any(t["text"] == "hier" and t["value"] == "2023-08-06" for t in analysed["times"])
    assert any(e["type"] == "PER" and "Tiani" in e["name"] for e in analysed["entities"])


def test_cli_ingest_reads_stdin(tmp_path, seed_paths):
    db = tmp_path / "veille.db"
    raw = seed_paths["000_7d5c65816c15ba49"].read_bytes()
    code, _ = _veille(db, "ingest", "-", stdin=raw)
    assert code == 0
    code, _ = _veille(db, "ingest", "-", stdin=raw)
    store = open_store(str(db))
    try:
        assert store.counts()["documents"] == 1
    finally:
        store.close()


def test_cli_config_json_lists_every_setting():
    result = CliRunner().invoke(main, ["config", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["db"] and "story_threshold" in data
