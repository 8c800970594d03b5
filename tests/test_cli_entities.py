"""Hand corrections of the entity registry (veille entities show / merge / split) on the real seeds."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille.cli import main


def _veille(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


@pytest.fixture()
def db(seeds_db, tmp_path):
    copy = tmp_path / "veille.db"
    shutil.copy(seeds_db, copy)
    return copy


def _people(db: Path) -> dict[str, dict]:
    code, out = _veille(db, "entities", "--type", "PER", "--json")
    assert code == 0, out
    return {e["entity_id"]: e for e in json.loads(out)}


def test_cli_entities_show_by_alias(db):
    code, out = _veille(db, "entities", "show", "Lavrov", "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["entity_id"] == "per:serguei-lavrov"
    assert shown["article_count"] == 2 and len(shown["articles"]) == 2
    assert shown["edits"] == []
    code, out = _veille(db, "entities", "show", "Personne Inconnue")
    assert code != 0 and "no entity" in out


def _rerun_from_scratch(db: Path) -> None:
    """Drop every analysis and run again: the analyser gives its own ids, links and edits are replayed."""
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM mentions")
        conn.execute("DELETE FROM quotes")
        conn.execute("DELETE FROM analyses")
    code, out = _veille(db, "run", "--json")
    assert code == 0 and json.loads(out)["understand"]["processed"] == 2


def test_cli_entities_surname_linked_across_seeds(db, seed_texts):
    # One seed writes "Vladimir Poutine", the other only "Poutine": one registry entity, with the reason.
    assert "Vladimir Poutine" in seed_texts["000_7d5c65816c15ba49"]
    assert (
        "Vladimir" not in seed_texts["002_c41fd276a5cca2db"]
        and "Poutine" in seed_texts["002_c41fd276a5cca2db"]
    )
    people = _people(db)
    assert "per:poutine" not in people
    poutine = people["per:vladimir-poutine"]
    assert poutine["article_count"] == 2 and {"Poutine", "Vladimir Poutine"} <= set(poutine["aliases"])
    assert poutine["reasons"]["Poutine"] == "surname of Vladimir Poutine (only person so named)"
    code, out = _veille(db, "entities", "show", "Poutine")
    assert code == 0 and "Poutine (1) — surname of Vladimir Poutine (only person so named)" in out
    # every article view speaks of the registry entity
    for article_id in json.loads(_veille(db, "entities", "show", "Poutine", "--json")[1])["articles"]:
        named = {
            e["entity_id"]: e["name"]
            for e in json.loads(_veille(db, "show", article_id, "--json")[1])["entities"]
        }
        assert named.get("per:vladimir-poutine") == "Vladimir Poutine" and "per:poutine" not in named


def test_cli_entities_registry_same_in_either_order(db, seed_paths, tmp_path):
    reverse = tmp_path / "reverse.db"
    for path in sorted(seed_paths.values(), reverse=True):
        assert _veille(reverse, "ingest", str(path))[0] == 0
        assert _veille(reverse, "run")[0] == 0
    forward = json.loads(_veille(db, "entities", "--limit", "1000", "--json")[1])
    backward = json.loads(_veille(reverse, "entities", "--limit", "1000", "--json")[1])
    assert sorted(forward, key=lambda e: e["entity_id"]) == sorted(backward, key=lambda e: e["entity_id"])


def test_cli_entities_split_of_a_link_survives_a_rerun(db):
    code, out = _veille(
        db,
        "entities",
        "split",
        "Vladimir Poutine",
        "--alias",
        "Poutine",
        "--name",
        "Poutine (homonyme)",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["target_id"] == "per:poutine-homonyme"
    _rerun_from_scratch(db)
    people = _people(db)
    assert set(people["per:poutine-homonyme"]["aliases"]) == {"Poutine"}
    assert people["per:poutine-homonyme"]["reasons"]["Poutine"] == "moved by hand from per:vladimir-poutine"
    assert "Poutine" not in people["per:vladimir-poutine"]["aliases"]


def test_cli_entities_merge_survives_a_rerun(db):
    # "Moscou" as a metonym for Russia: two registry places until a user merges them.
    def places() -> dict[str, dict]:
        return {e["entity_id"]: e for e in json.loads(_veille(db, "entities", "--type", "LOC", "--json")[1])}

    before = places()
    assert "loc:moscou" in before and "loc:russie" in before
    code, out = _veille(db, "entities", "merge", "Moscou", "Russie", "--note", "Moscou = la Russie", "--json")
    assert code == 0, out
    assert json.loads(out)["target_id"] == "loc:russie"
    after = places()
    assert "loc:moscou" not in after
    assert after["loc:russie"]["article_count"] == 2 and "Moscou" in after["loc:russie"]["aliases"]
    assert after["loc:russie"]["reasons"]["Moscou"] == "moved by hand from loc:moscou"
    assert after["loc:russie"]["name"] == "Russie"
    # Every analysis made again from scratch: the analyser still says "loc:moscou", the edit wins.
    _rerun_from_scratch(db)
    rerun = places()
    assert "loc:moscou" not in rerun and "Moscou" in rerun["loc:russie"]["aliases"]


def test_cli_entities_split_by_alias(db):
    code, out = _veille(db, "entities", "split", "Lavrov", "--alias", "Lavrov", "--name", "Lavrov (homonyme)")
    assert code == 0, out
    people = _people(db)
    assert "per:lavrov-homonyme" in people
    assert set(people["per:lavrov-homonyme"]["aliases"]) == {"Lavrov"}
    assert people["per:lavrov-homonyme"]["name"] == "Lavrov (homonyme)"
    code, out = _veille(db, "entities", "show", "per:lavrov-homonyme", "--json")
    assert json.loads(out)["name"] == "Lavrov (homonyme)"
    # Both entities are found by their own names, in any case; the edit is dated.
    code, out = _veille(db, "entities", "show", "lavrov (HOMONYME)", "--json")
    assert code == 0, out
    assert json.loads(out)["entity_id"] == "per:lavrov-homonyme"
    assert json.loads(out)["edits"][0]["created"] is not None
    code, out = _veille(db, "entities", "show", "SERGUEÏ LAVROV", "--json")
    assert code == 0, out
    assert json.loads(out)["entity_id"] == "per:serguei-lavrov"
    # A split cannot silently merge into an entity that exists.
    code, out = _veille(
        db, "entities", "split", "Lavrov", "--alias", "Sergueï Lavrov", "--name", "Abdoulaye Diop"
    )
    assert code != 0 and "already entity" in out
    assert "Lavrov" not in people["per:serguei-lavrov"]["aliases"]


def test_cli_entities_bad_edits_are_refused(db):
    assert _veille(db, "entities", "merge", "Lavrov", "Lavrov")[0] != 0
    assert _veille(db, "entities", "split", "Lavrov", "--name", "X")[0] != 0
    code, out = _veille(db, "entities", "split", "Lavrov", "--alias", "Jamais Écrit", "--name", "X")
    assert code != 0 and "no mention" in out
