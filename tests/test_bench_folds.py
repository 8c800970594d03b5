"""The fold rule of the benchmarks (issue 23): one split by document key, the same in every script."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_common import FOLDS, Row, active_fold, fold_of, in_fold, render_folds, select  # noqa: E402

KEYS = [f"T{t:02d}_C{c}_{i:02d}.txt" for t in range(1, 11) for c in (1, 2) for i in range(1, 11)]


def test_bench_folds_partition_the_documents_by_key():
    with active_fold("tune"):
        tune = select(KEYS, str)
    with active_fold("heldout"):
        heldout = select(KEYS, str)
    assert set(tune).isdisjoint(heldout)
    assert sorted(tune + heldout) == sorted(KEYS)
    assert all(fold_of(k) == "tune" for k in tune)
    # Both folds are real halves on 200 keys, not an empty side.
    assert 60 < len(tune) < 140
    # The fold of a key does not depend on the order or company it is read in.
    with active_fold("tune"):
        assert select(list(reversed(KEYS)), str) == list(reversed(tune))
        assert select(KEYS, str, limit=3) == tune[:3]


def test_bench_folds_all_and_no_fold_keep_every_document():
    for fold in ("all", None):
        with active_fold(fold):
            assert select(KEYS, str) == KEYS
            assert all(in_fold(k) for k in KEYS)
    assert set(FOLDS) == {fold_of(k) for k in KEYS}


def test_bench_folds_table_joins_rows_whose_set_names_carry_counts():
    per_fold = {
        "tune": ({}, [Row("fr-news-gold (7)", "quote F1", 0.836, 0.341)]),
        "heldout": ({}, [Row("fr-news-gold (13)", "quote F1", 0.876, 0.400)]),
    }
    table = render_folds(per_fold, "quotes", "baseline")
    assert table.row_count == 1
    assert [c.header for c in table.columns][2:6] == [
        "veille tune",
        "veille heldout",
        "baseline tune",
        "baseline heldout",
    ]
    assert list(table.columns[0].cells) == ["fr-news-gold (7 | 13)"]
    assert list(table.columns[3].cells) == ["0.876"]
