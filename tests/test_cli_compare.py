"""`veille compare` on the seeds: the stored comparison, side by side, as JSON, Markdown and HTML."""

from __future__ import annotations

import json
import re
import shutil

from click.testing import CliRunner

from veille.cli import main
from veille.compare import COMPARER_VERSION
from veille.store import open_store


def test_cli_compare_seeds_json_markdown_html(seeds_db, tmp_path):
    db = tmp_path / "seeds.db"
    shutil.copy(seeds_db, db)
    runner = CliRunner()
    [story] = json.loads(runner.invoke(main, ["--db", str(db), "stories", "--json"]).output)
    result = runner.invoke(main, ["--db", str(db), "compare", story["id"], "--json"])
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.output)
    assert comparison["sources"] == 2 and comparison["comparer"] == COMPARER_VERSION
    coverage = {f["coverage"] for f in comparison["facts"]}
    assert coverage == {"all", "one"}
    assert comparison["conflicts"] == []  # the two outlets agree on dates, places and who did what
    assert any(v["speaker"] == "Abdoulaye Diop" for v in comparison["voices"])
    assert [t["when"] for t in comparison["timeline"] if t["when"]][:3] == [
        "2022-03",
        "2023-01",
        "2023-02-06",
    ]
    store = open_store(str(db))
    try:
        texts = {a.id: a.text for a in store.iter_articles(story["articles"])}
        assert store.get_comparison(story["id"]) is not None  # stored, read back by the next call
    finally:
        store.close()
    for fact in comparison["facts"]:
        for claim in fact["claims"]:
            assert texts[claim["article_id"]][claim["start"] : claim["end"]] == claim["text"]
    result = runner.invoke(main, ["--db", str(db), "compare", story["id"][:8], "--format", "markdown"])
    assert result.exit_code == 0, result.output
    md = result.output
    assert "## What all sources say" in md and "## What only one source says" in md and "## Timeline" in md
    for article_id, start, end in re.findall(r"\[([0-9a-f]{16}):(\d+)-(\d+)\]", md):
        assert 0 <= int(start) < int(end) <= len(texts[article_id])
    out = tmp_path / "compare.html"
    result = runner.invoke(
        main, ["--db", str(db), "compare", story["id"], "--format", "html", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<h2>What all sources say</h2>" in page
    result = runner.invoke(main, ["--db", str(db), "compare", story["id"]])
    assert result.exit_code == 0 and "Facts, source by source" in result.output
    result = runner.invoke(main, ["--db", str(db), "compare", "ffffffffffff"])
    assert result.exit_code == 2 and "no story" in result.output


def test_cli_compare_refuses_mixed_outputs(seeds_db, tmp_path):
    runner = CliRunner()
    [story] = json.loads(runner.invoke(main, ["--db", str(seeds_db), "stories", "--json"]).output)
    result = runner.invoke(
        main, ["--db", str(seeds_db), "compare", story["id"], "--output", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "--format markdown" in result.output
    result = runner.invoke(
        main, ["--db", str(seeds_db), "compare", story["id"], "--json", "--format", "html"]
    )
    assert result.exit_code == 2 and "leave out --format" in result.output
