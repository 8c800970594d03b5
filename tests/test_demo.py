"""`veille demo` on the bundled sample: the quick start's main job, run in process on a temporary database."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from veille.cli import main, sample_sources
from veille.model import article_id, content_id


def test_demo_groups_the_sample_and_features_the_seed_story(tmp_path, seed_paths):
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(main, ["--db", str(db), "demo", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout[-2000:]
    data = json.loads(result.stdout)
    assert data["summary"]["extract"]["ok"] == len(sample_sources())
    multi = [s for s in data["stories"] if s["size"] >= 2]
    assert len(multi) >= 8, [s["label"] for s in multi]
    seeds = {article_id(content_id(p.read_bytes())) for p in seed_paths.values()}
    featured = data["featured"]
    assert {side["article_id"] for side in featured["sides"]} == seeds
    assert all(side["outlet"] for side in featured["sides"])
    # the quick start's second run adds nothing and redoes nothing
    again = CliRunner().invoke(main, ["--db", str(db), "run", "--json"], catch_exceptions=False)
    assert all(stage["processed"] == 0 for stage in json.loads(again.stdout).values())


def test_ingesting_the_sample_folder_stores_its_articles_and_nothing_else(tmp_path):
    """A user who ingests the bundled folder itself gets the 202 texts `veille demo` reads, no licence notice."""
    folder = Path(sample_sources()[0]).parents[1]
    assert folder.name == "sample"
    db = tmp_path / "sample.db"
    result = CliRunner().invoke(
        main, ["--db", str(db), "ingest", str(folder), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stdout[-2000:]
    stored = json.loads(result.stdout)
    assert len(sample_sources()) == 202
    assert stored["processed"] == stored["ok"] == 202 and stored["failed"] == 0, stored
