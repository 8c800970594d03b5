"""A killed run resumes to exactly the clean result (issue 22).

A real ``veille run`` (``python -m veille``, one worker) on 14 texts of the bundled sample is killed with SIGKILL
at a seeded random checkpoint of each stage (the VEILLE_TEST_KILL_AT hook of veille/pipeline.py: points
between two items and inside an item's open transaction), then run again; every table must equal an
uninterrupted run's, row by row (tests/test_workers.py's comparison). 20 trials over the six stages (ingest,
extract, understand, link, group, compare: fewer where each trial loads the language model, to keep the file
near three minutes on a loaded 2-core machine, about two minutes of CPU); the machinery is
benchmarks/robustness.py's, which reports the same trials.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from robustness import KillTrials, kill_corpus, kill_summary  # noqa: E402

SEED = 22
PER_STAGE = {"ingest": 4, "extract": 2, "understand": 2, "link": 3, "group": 5, "compare": 4}


def test_kill_at_any_stage_then_run_gives_the_clean_tables(tmp_path):
    bench = KillTrials(tmp_path / "kill", kill_corpus(tmp_path / "corpus", topics=6))
    bench.prepare()
    stories = sum(bench.clean["stories"].values())
    assert stories >= 5 and sum(bench.clean["comparisons"].values()) == stories
    plan = bench.plan(PER_STAGE, SEED)
    assert len(plan) >= 20 and {stage for stage, _ in plan} == set(bench.bounds)
    trials = bench.run(plan, jobs=2)
    summary = kill_summary(trials)
    assert all(t.killed for t in trials), [(t.stage, t.point) for t in trials if not t.killed]
    wrong = [(t.stage, t.point, t.differs, t.error) for t in trials if not t.equal]
    assert not wrong, wrong
    assert all(row["equal"] == row["trials"] == PER_STAGE[stage] for stage, row in summary.items()), summary
