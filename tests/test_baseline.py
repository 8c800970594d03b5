"""The benchmark gate (issue 23): cheap benchmark figures, recomputed, must not fall below benchmarks/baseline.json.

Skipped when ../shared/eval is missing, except under CI=true, where a missing evaluation set fails.
A figure that moved on purpose: rerun ``python benchmarks/baseline.py --update`` and commit baseline.json.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import baseline  # noqa: E402

EVAL_DIR = baseline.DEFAULT_EVAL_DIR  # ../shared/eval beside the checkout, or $VEILLE_EVAL_DIR


def _missing(why: str) -> NoReturn:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"the benchmark gate cannot run under CI=true: {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, Any]]:
    """Every figure of the gate, recomputed once for the module."""
    if not EVAL_DIR.is_dir():
        _missing(f"evaluation sets not found at {EVAL_DIR} (set VEILLE_EVAL_DIR to their folder)")
    try:
        return baseline.run_checks(EVAL_DIR)
    except FileNotFoundError as exc:
        _missing(f"an evaluation set is missing: {exc}")


def test_baseline_file_names_every_check_with_its_corpus_and_command():
    entries = baseline.load_baseline()
    assert {e["check"] for e in entries.values()} == {c.name for c in baseline.CHECKS}
    for name, entry in entries.items():
        assert entry["fold"] in ("tune", "heldout", "all"), name
        assert 0 < entry["tolerance"] < 0.1, name
        assert len(entry["sha256"]) == 64, name
        assert entry["command"].startswith(".venv/bin/python benchmarks/"), name


def test_baseline_figures_hold(measured):
    problems = baseline.compare(baseline.load_baseline(), measured)
    assert not problems, "\n".join(problems)


def test_baseline_compare_reports_a_drop_and_a_changed_corpus(measured):
    # The gate itself must be able to fail: a figure below its floor, and another corpus, are both reported.
    base = baseline.load_baseline()
    name = next(iter(base))
    lowered = {name: {**measured[name], "figure": base[name]["figure"] - 2 * base[name]["tolerance"]}}
    assert "< baseline" in " ".join(baseline.compare(base, lowered))
    moved = {name: {**measured[name], "sha256": "0" * 64}}
    assert "changed" in " ".join(baseline.compare(base, moved))


@pytest.mark.parametrize("project", ["aaa-veille", "zzz-veille"])
def test_corpus_hash_is_the_same_wherever_the_clone_lies(tmp_path, monkeypatch, project):
    """The hash reads names relative to the sets or the project: a clone named before or after ``shared``
    (a fresh clone in /tmp, CI's checkout) hashes the same files the same way."""
    files = {"shared/eval/set/gold.jsonl": b'{"a": 1}\n', f"{project}/training/model.npz": b"\x00\x01"}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(baseline, "ROOT", tmp_path / project)
    got = baseline.corpus_sha256(tmp_path / "shared" / "eval", [tmp_path / n for n in files])
    expected = baseline.hashlib.sha256()
    for name, data in (("set/gold.jsonl", b'{"a": 1}\n'), ("training/model.npz", b"\x00\x01")):
        expected.update(name.encode() + b"\0" + baseline.hashlib.sha256(data).digest())
    assert got == expected.hexdigest()
