"""Entity regression (issue 5): B-cubed merging on fr-news-gold-dev, scored as benchmarks/entities.py does.

Uses the benchmark's own scoring functions (gold occurrences, one-to-one matching, B-cubed), on the first
10 articles to stay fast. Floors are the figures measured when this test was written minus about 0.03;
raise them when the stage improves (benchmarks/entities.py gives the full figures). Skipped when
../shared/eval is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from veille.model import Article

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from entities import analyze_text, bcubed, gold_items, match_items, through_registry  # noqa: E402

ARTICLES = 10
# Measured at the end of issue 5 on these 10 articles: within F1 0.939, across F1 0.925.
FLOOR_WITHIN = 0.91
FLOOR_ACROSS = 0.89


@pytest.fixture(scope="module")
def scored(eval_dir: Path, nlp) -> dict[str, float]:
    rows = [
        json.loads(x)
        for x in (eval_dir / "fr-news-gold-dev.jsonl").read_text(encoding="utf-8").splitlines()
        if x
    ]
    rows = rows[:ARTICLES]
    analyses = {r["id"]: analyze_text(r["text"], r["id"]) for r in rows}
    registry = through_registry(
        [(Article(id=r["id"], content_id=r["id"], text=r["text"]), analyses[r["id"]]) for r in rows]
    )
    within_p = within_r = 0.0
    gold_across: list[str] = []
    ours_across: list[object] = []
    total = 0
    for row in rows:
        items = gold_items(row)
        mentions = [(m.start, m.end, e.entity_id) for e in analyses[row["id"]].entities for m in e.mentions]
        linked = [(m.start, m.end, e.entity_id) for e in registry[row["id"]].entities for m in e.mentions]
        ours = [v if v is not None else ("unmatched", k) for k, v in enumerate(match_items(items, mentions))]
        score = bcubed([i for _, _, i in items], ours)
        within_p += score["precision"] * len(items)
        within_r += score["recall"] * len(items)
        total += len(items)
        gold_across += [row["entities"][i]["canonical"].casefold() for _, _, i in items]
        ours_across += [
            v if v is not None else ("unmatched", row["id"], k)
            for k, v in enumerate(match_items(items, linked))
        ]
    p, r = within_p / total, within_r / total
    return {"within": 2 * p * r / (p + r), "across": bcubed(gold_across, ours_across)["f1"]}


def test_entities_regression_within_articles(scored):
    assert scored["within"] >= FLOOR_WITHIN, scored


def test_entities_regression_across_articles(scored):
    assert scored["across"] >= FLOOR_ACROSS, scored
