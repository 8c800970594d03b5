"""`veille quotes` on the real seeds: who said what, by registry entity, with filters and sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille.cli import main

SEED_000 = "000_7d5c65816c15ba49"
SEED_002 = "002_c41fd276a5cca2db"


def _veille(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def _quotes(db: Path, *args: str) -> list[dict]:
    code, out = _veille(db, "quotes", *args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture(scope="module")
def seed_ids(seeds_db, seed_texts) -> dict[str, str]:
    """{seed name: article id}, told apart by their text."""
    ids = {}
    for story in json.loads(_veille(seeds_db, "stories", "--json")[1]):
        for article_id in story["articles"]:
            text = json.loads(_veille(seeds_db, "show", article_id, "--json")[1])["text"]
            ids["000" if "avoue le chef de la diplomatie malienne" in text else "002"] = article_id
    assert set(ids) == {"000", "002"}
    return {SEED_000: ids["000"], SEED_002: ids["002"]}


def _gold_starts(gold, seed: str, speaker: str) -> list[str]:
    return [q["starts"] for q in gold["documents"][seed]["quotes"] if q["speaker"] == speaker]


def _found(records: list[dict], starts: list[str]) -> list[str]:
    return [s for s in starts if any(r["text"].startswith(s) for r in records)]


def test_cli_quotes_speaker_abdoulaye_diop(seeds_db, seed_ids, gold):
    records = _quotes(seeds_db, "--speaker", "Abdoulaye Diop")
    starts = _gold_starts(gold, SEED_000, "Abdoulaye Diop")
    assert len(starts) == 3 and _found(records, starts) == starts
    assert {r["speaker_entity_id"] for r in records} == {"per:abdoulaye-diop"}
    assert {r["speaker_name"] for r in records} == {"Abdoulaye Diop"}
    # the quotes whose speaker the article only describes are his too
    assert {"le chef de la diplomatie malienne", "Abdoulaye Diop"} <= {r["speaker_text"] for r in records}
    diop = next(r for r in records if r["text"].startswith(starts[-1]))
    assert diop["article_id"] == seed_ids[SEED_000] and diop["outlet"] and diop["published"] == "2023-02-06"
    assert diop["kind"] == "direct" and diop["cue"] and diop["end"] > diop["start"]
    assert diop["quote_id"] == f"{diop['article_id']}:{diop['start']}"
    # no Lavrov quote is given to Diop
    assert not _found(records, _gold_starts(gold, SEED_000, "Sergueï Lavrov"))


def test_cli_quotes_speaker_lavrov(seeds_db, gold):
    records = _quotes(seeds_db, "--speaker", "Lavrov")
    starts = _gold_starts(gold, SEED_000, "Sergueï Lavrov")
    assert _found(records, starts) == starts
    assert {r["speaker_entity_id"] for r in records} == {"per:serguei-lavrov"}
    assert _quotes(seeds_db, "--speaker", "per:serguei-lavrov") == records


def test_cli_quotes_ministry_communique(seeds_db, seed_ids, gold):
    speaker = "ministère malien des Affaires étrangères"
    records = _quotes(seeds_db, "--speaker", speaker)
    starts = _gold_starts(gold, SEED_002, speaker)
    # what the communiqué says through "la même source", "le communiqué" and "la note du ministère"
    assert _found(records, starts) == starts
    assert {r["article_id"] for r in records} == {seed_ids[SEED_002]}
    assert {r["speaker_entity_id"] for r in records} == {"org:ministere-malien-des-affaires-etrangeres"}


def test_cli_quotes_western_chancelleries_call_them_mercenaries(seeds_db, seed_ids):
    records = _quotes(seeds_db, "--speaker", "chancelleries occidentales")
    assert [(r["text"], r["kind"], r["article_id"]) for r in records] == [
        ("mercenaires", "partial", seed_ids[SEED_002])
    ]


def test_cli_quotes_filters_combine(seeds_db, seed_ids):
    everything = _quotes(seeds_db)
    assert {r["article_id"] for r in everything} == set(seed_ids.values())
    direct = _quotes(
        seeds_db, "--speaker", "Abdoulaye Diop", "--kind", "direct", "--text", "droits de l'homme"
    )
    assert [r["text"][:30] for r in direct] == ["Les droits de l’Homme sont ins"]
    only_002 = _quotes(seeds_db, "--article", seed_ids[SEED_002][:8])
    assert only_002 and {r["article_id"] for r in only_002} == {seed_ids[SEED_002]}
    assert _quotes(seeds_db, "--speaker", "Abdoulaye Diop", "--article", seed_ids[SEED_002]) == []
    assert _quotes(seeds_db, "--since", "2023-02-07") == []
    assert len(_quotes(seeds_db, "--since", "2023-02-06", "--until", "2023-02-06")) == len(everything)
    assert len(_quotes(seeds_db, "--limit", "2")) == 2
    for kind in ("direct", "indirect"):
        of_kind = _quotes(seeds_db, "--kind", kind)
        assert of_kind and of_kind == [r for r in everything if r["kind"] == kind]
    story = json.loads(_veille(seeds_db, "stories", "--json")[1])[0]["id"]
    assert len(_quotes(seeds_db, "--story", story)) == len(everything)


def test_cli_quotes_seeds_share_no_quote(seeds_db):
    # the two outlets tell the same visit in their own words: no quote is carried by both
    for record in _quotes(seeds_db):
        assert record["group_id"] == record["quote_id"]
        assert record["source_count"] == 1
        assert record["sources"] == [
            {
                "article_id": record["article_id"],
                "outlet": record["outlet"],
                "published": record["published"],
                "quote_id": record["quote_id"],
            }
        ]


def test_cli_quotes_table_and_usage_errors(seeds_db):
    code, out = _veille(seeds_db, "quotes", "--speaker", "Abdoulaye Diop")
    assert code == 0 and "Abdoulaye Diop" in out and "direct" in out and "sources" in out
    code, out = _veille(seeds_db, "quotes", "--speaker", "Personne Inconnue")
    assert code == 2 and "no entity or quote speaker named 'Personne Inconnue'" in out
    code, out = _veille(seeds_db, "quotes", "--article", "ffffffffffff")
    assert code == 2 and "no article" in out
    code, out = _veille(seeds_db, "quotes", "--kind", "rumour")
    assert code == 2
    code, out = _veille(seeds_db, "quotes", "--limit", "-1")
    assert code == 2 and "--limit" in out


def test_cli_quotes_empty_store(tmp_path):
    db = tmp_path / "empty.db"
    assert _quotes(db) == []
    code, out = _veille(db, "quotes")
    assert code == 0 and "0 quotes" in out
