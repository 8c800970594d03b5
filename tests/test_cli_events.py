"""`veille events` on the real seeds: what happened, to whom, where and when; one visit across both outlets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille.cli import main

LAVROV = "per:serguei-lavrov"


def _veille(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def _events(db: Path, *args: str) -> list[dict]:
    code, out = _veille(db, "events", *args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture(scope="module")
def seed_ids(seeds_db) -> dict[str, str]:
    """{seed name: article id}, told apart by their text."""
    ids = {}
    for story in json.loads(_veille(seeds_db, "stories", "--json")[1]):
        for article_id in story["articles"]:
            text = json.loads(_veille(seeds_db, "show", article_id, "--json")[1])["text"]
            ids["000" if "avoue le chef de la diplomatie malienne" in text else "002"] = article_id
    assert set(ids) == {"000", "002"}
    return ids


@pytest.fixture(scope="module")
def story_id(seeds_db) -> str:
    stories = json.loads(_veille(seeds_db, "stories", "--json")[1])
    assert len(stories) == 1 and len(stories[0]["articles"]) == 2
    return str(stories[0]["id"])


def _agents(record: dict) -> set[str | None]:
    return {a["entity_id"] for a in record["arguments"] if a["role"] == "agent"}


def test_cli_events_visit_of_lavrov_in_both_seeds(seeds_db, seed_ids):
    visits = _events(seeds_db, "--type", "visit")
    assert visits and {r["type"] for r in visits} == {"visit"}
    by_lavrov = [r for r in visits if LAVROV in _agents(r)]
    assert {r["article_id"] for r in by_lavrov} == set(seed_ids.values())
    first = next(r for r in by_lavrov if r["article_id"] == seed_ids["000"])
    assert first["event_id"] == f"{first['article_id']}:{first['start']}"
    assert first["outlet"] and first["published"] == "2023-02-06" and first["time"] == "2023-02-06"
    assert first["dated_by"] == "time" and first["first_day"] == "2023-02-06"
    assert {a["name"] for a in first["arguments"] if a["role"] == "agent"} == {"Sergueï Lavrov"}


def test_cli_events_story_merges_one_visit(seeds_db, seed_ids, story_id):
    merged = _events(seeds_db, "--story", story_id[:8], "--type", "visit")
    shared = [m for m in merged if m["source_count"] > 1]
    assert len(shared) == 1, [m["trigger"] for m in shared]
    [visit] = shared
    assert {s["article_id"] for s in visit["sources"]} == set(seed_ids.values())
    slots = {s["role"]: s for s in visit["slots"]}
    assert [v["entity_id"] for v in slots["agent"]["values"]] == [LAVROV]
    assert "loc:bamako" in {v["entity_id"] for v in slots["place"]["values"]}
    assert not slots["place"]["is_conflict"]  # Mali (one seed) contains Bamako (the other)
    # conflicts are the slots flagged, never a value dropped
    assert visit["conflicts"] == [s["role"] for s in visit["slots"] if s["is_conflict"]]
    assert set(visit["events"]) >= {e for s in visit["sources"] for e in s["event_ids"]}
    # people read the same: sources and slots, conflicts flagged
    code, out = _veille(seeds_db, "events", "--story", story_id, "--type", "visit")
    assert code == 0 and "Lavrov" in out and visit["event_id"] in out
    assert ("CONFLICT" in out) == any(m["conflicts"] for m in merged)


def test_cli_events_entity_lavrov(seeds_db):
    records = _events(seeds_db, "--entity", "Lavrov")
    assert records and all(LAVROV in {a["entity_id"] for a in r["arguments"]} for r in records)
    assert {"visit", "meet"} <= {r["type"] for r in records}
    assert _events(seeds_db, "--entity", LAVROV) == records
    at_bamako = _events(seeds_db, "--entity", "Lavrov", "--place", "Bamako")
    assert at_bamako and all(
        "loc:bamako" in {a["entity_id"] for a in r["arguments"] if a["role"] == "place"} for r in at_bamako
    )


def test_cli_events_filters_combine(seeds_db, seed_ids):
    everything = _events(seeds_db)
    assert {r["article_id"] for r in everything} == set(seed_ids.values())
    assert len(_events(seeds_db, "--limit", "2")) == 2
    only_000 = _events(seeds_db, "--article", seed_ids["000"][:8])
    assert only_000 and {r["article_id"] for r in only_000} == {seed_ids["000"]}
    # "en janvier dernier": the delivery is dated 2023-01, before the articles
    january = _events(seeds_db, "--since", "2023-01-01", "--until", "2023-01-31")
    assert january and all(r["dated_by"] == "time" and r["time"].startswith("2023-01") for r in january)
    assert _events(seeds_db, "--since", "2024-01-01") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2023-02-31"], "--since"),
        (["--until", "lundi"], "--until"),
        (["--limit", "0"], "--limit"),
        (["--entity", "Angela Merkel"], "no entity named"),
        (["--place", "Tombouctou"], "no place named"),
        (["--story", "nostory"], "no story"),
        (["--article", "ffffffffffff"], "no article"),
    ],
)
def test_cli_events_usage_errors(seeds_db, args, message):
    code, out = _veille(seeds_db, "events", *args)
    assert code == 2 and message in out


def test_cli_events_place_must_be_a_place(seeds_db):
    code, out = _veille(seeds_db, "events", "--place", "Lavrov")
    assert code == 2 and "no place named 'Lavrov'" in out
