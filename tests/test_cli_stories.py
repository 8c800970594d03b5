"""`veille stories` filters and `veille duplicates` on the seeds (one story, no duplicate link between them)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from veille.cli import main


def _veille(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    return result.exit_code, result.output


def _json(db: Path, *args: str) -> list[dict]:
    code, out = _veille(db, *args, "--json")
    assert code == 0, out
    return json.loads(out)


def test_cli_stories_filters(seeds_db):
    [story] = _json(seeds_db, "stories")
    assert story["size"] == 2 and story["sources"] == 2  # two outlets, no copy
    assert _json(seeds_db, "stories", "--entity", "Lavrov") == [story]
    assert _json(seeds_db, "stories", "--entity", "per:serguei-lavrov") == [story]
    assert _json(seeds_db, "stories", "--outlet", "ACTUNIGER") == [story]
    assert _json(seeds_db, "stories", "--outlet", "lemonde") == []
    code, out = _veille(seeds_db, "stories", "--outlet", "  ")
    assert code == 2 and "outlet filter needs some words" in out
    assert _json(seeds_db, "stories", "--since", "2023-02-01", "--until", "2023-02-28") == [story]
    assert _json(seeds_db, "stories", "--since", "2023-03-01") == []
    assert _json(seeds_db, "stories", "--until", "2023-01-31") == []
    code, out = _veille(seeds_db, "stories", "--entity", "Personne Inconnue")
    assert code == 2 and "no entity named 'Personne Inconnue'" in out


def test_cli_duplicates_none_between_the_seeds(seeds_db):
    [story] = _json(seeds_db, "stories")
    assert _json(seeds_db, "duplicates") == []
    assert _json(seeds_db, "duplicates", "--story", story["id"][:8]) == []
    code, out = _veille(seeds_db, "duplicates", "--article", "ffffffffffff")
    assert code == 2 and "no article" in out
    code, out = _veille(seeds_db, "duplicates", "--kind", "copy")
    assert code == 2


def test_cli_show_story_report(seeds_db):
    [story] = _json(seeds_db, "stories")
    code, out = _veille(seeds_db, "show", story["id"], "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["id"] == story["id"] and report["size"] == 2
    assert report["articles"] == story["articles"]
    assert [a["id"] for a in report["members"]] == story["articles"]
    names = [e["name"] for e in report["entities"]]
    assert "Sergueï Lavrov" in names[:3] and all(e["articles"] >= 1 for e in report["entities"])
    visit = next(e for e in report["events"] if e["type"] == "visit")
    assert visit["source_count"] == 2  # the one visit both outlets tell, first
    assert report["duplicates"] == []
    code, out = _veille(seeds_db, "show", story["id"][:8])
    assert code == 0 and "Sergueï Lavrov" in out and "visit" in out
