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


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory, seed_paths):
    db = tmp_path_factory.mktemp("entities") / "veille.db"
    assert _veille(db, "ingest", *map(str, seed_paths.values()))[0] == 0
    assert _veille(db, "run")[0] == 0
    return db


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


def test_cli_entities_merge_survives_a_rerun(db):
    # The seeds write "Vladimir Poutine" (one outlet) and "Poutine" (the other): two registry entries.
    before = _people(db)
    assert "per:poutine" in before and "per:vladimir-poutine" in before
    code, out = _veille(
        db, "entities", "merge", "Poutine", "Vladimir Poutine", "--note", "même personne", "--json"
    )
    assert code == 0, out
    assert json.loads(out)["target_id"] == "per:vladimir-poutine"
    after = _people(db)
    assert "per:poutine" not in after
    assert after["per:vladimir-poutine"]["article_count"] == 2
    assert set(after["per:vladimir-poutine"]["aliases"]) == {"Poutine", "Vladimir Poutine"}
    assert after["per:vladimir-poutine"]["name"] == "Vladimir Poutine"
    # Every analysis made again from scratch: the analyser still says "per:poutine", the edit wins.
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM mentions")
        conn.execute("DELETE FROM quotes")
        conn.execute("DELETE FROM analyses")
    code, out = _veille(db, "run", "--json")
    assert code == 0 and json.loads(out)["understand"]["processed"] == 2
    rerun = _people(db)
    assert "per:poutine" not in rerun and rerun["per:vladimir-poutine"]["article_count"] == 2
    # Every article view speaks of the merged entity too.
    code, out = _veille(db, "entities", "show", "per:vladimir-poutine", "--json")
    for article_id in json.loads(out)["articles"]:
        code, shown = _veille(db, "show", article_id, "--json")
        named = {e["entity_id"]: e["name"] for e in json.loads(shown)["entities"]}
        assert named.get("per:vladimir-poutine") == "Vladimir Poutine" and "per:poutine" not in named


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
