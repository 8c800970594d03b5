"""The understand stage's time budget (``understand_budget_seconds``) reaches ``veille run``: an article over
its budget is that article's failure (code budget_exceeded) and the run goes on; 0 means no limit."""

from __future__ import annotations

from pathlib import Path

from veille import pipeline
from veille.settings import load_settings
from veille.store import open_store


def _run(tmp_path: Path, seed_paths: dict[str, Path], budget: float):
    settings = load_settings({"understand_budget_seconds": budget}, environ={})
    store = open_store(str(tmp_path / f"budget-{budget}.db"))
    try:
        pipeline.ingest(store, [str(p) for p in seed_paths.values()], settings=settings)
        summary = pipeline.run(store, settings=settings)
        return summary, store.list_failures(stage="understand"), store.counts()
    finally:
        store.close()


def test_an_article_over_the_budget_is_a_failure_and_the_run_goes_on(tmp_path, seed_paths) -> None:
    _, failures, counts = _run(tmp_path, seed_paths, 1e-9)
    assert {f.code for f in failures} == {"budget_exceeded"}
    assert len(failures) == len(seed_paths)
    assert "understand_budget_seconds" in failures[0].message
    assert counts["articles"] == len(seed_paths)  # extraction stored them; only the analyses failed


def test_a_zero_budget_is_no_limit(tmp_path, seed_paths) -> None:
    _, failures, counts = _run(tmp_path, seed_paths, 0)
    assert failures == []
    assert counts["analyses"] == len(seed_paths)
