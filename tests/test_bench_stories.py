"""The scoring rules of benchmarks/stories.py (issue 8) on tiny hand-made inputs."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from stories import (  # noqa: E402
    ari,
    baseline_sweep,
    bcubed,
    copy_pairs,
    jaccard,
    make_copies,
    pair_prf,
    shingles,
    window_split,
)


def test_bench_stories_bcubed_counts_each_article():
    gold = ["a", "a", "a", "b", "b"]
    # all in one story: precision per article 3/5 or 2/5 -> mean (3*3/5 + 2*2/5)/5 = 0.52; recall 1
    one = bcubed(["x"] * 5, gold)
    assert one["precision"] == pytest.approx(0.52) and one["recall"] == 1.0
    assert one["f1"] == pytest.approx(2 * 0.52 / 1.52)
    # singletons: precision 1, recall (3*1/3 + 2*1/2)/5 = 0.4
    single = bcubed(["1", "2", "3", "4", "5"], gold)
    assert single["precision"] == 1.0 and single["recall"] == pytest.approx(0.4)
    assert bcubed(["p", "p", "p", "q", "q"], gold)["f1"] == 1.0
    with pytest.raises(ValueError):
        bcubed(["p"], gold)


def test_bench_stories_ari_ignores_label_names():
    gold = ["a", "a", "b", "b"]
    assert ari(["s9", "s9", "s1", "s1"], gold) == 1.0
    assert ari([1, 2, 1, 2], gold) < 0.0  # every pair crossed: below chance


def test_bench_stories_pair_prf_is_unordered():
    gold = [frozenset(("a", "b")), frozenset(("c", "d"))]
    pred = [frozenset(("b", "a")), frozenset(("a", "c"))]
    r = pair_prf(pred, gold)
    assert (r["tp"], r["precision"], r["recall"]) == (1, 0.5, 0.5)
    assert pair_prf([], gold)["precision"] == 0.0


def test_bench_stories_shingles_are_accent_and_case_free():
    assert shingles("Élection à Paris ce soir") == {"election a paris ce soir"}
    assert shingles("Deux mots") == {"deux mots"}
    a = shingles("un deux trois quatre cinq six")
    assert a == {"un deux trois quatre cinq", "deux trois quatre cinq six"}
    assert jaccard(a, shingles("UN deux trois quatre cinq")) == 0.5


def test_bench_stories_copy_pairs_keeps_only_shared_text():
    body = " ".join(f"mot{i}" for i in range(40))
    texts = {"x": body, "y": body + " fin", "z": "tout autre chose ici vraiment sans rapport"}
    assert set(copy_pairs(texts, 0.5)) == {frozenset(("x", "y"))}


def test_bench_stories_make_copies_edits_as_described():
    text = "Titre\n\nPremière phrase. Deuxième phrase.\n\nParagraphe deux.\n\nParagraphe trois.\n\nQuatre."
    copies = make_copies(text, "Autre attaque.", ["T1", "T2", "T3"])
    assert copies["reordered"].split("\n\n") == [
        "Titre",
        "Quatre.",
        "Paragraphe trois.",
        "Paragraphe deux.",
        "Première phrase. Deuxième phrase.",
    ]
    assert copies["rewritten lead"].split("\n\n")[1] == "Autre attaque. Deuxième phrase."
    assert "Lire aussi :\n- T1\n- T2\n- T3" in copies["boilerplate"]
    assert len(copies["truncated"].split()) == int(len(text.split()) * 0.6)


def test_bench_stories_baseline_finds_two_topics():
    texts = [
        "le séisme a frappé la ville de Naples ce matin",
        "un séisme frappe Naples, la ville compte ses morts",
        "la finale de football a vu la victoire de Lyon",
        "Lyon remporte la finale de football",
    ]
    best = baseline_sweep(texts, ["q", "q", "f", "f"])["best"]
    assert best["f1"] == 1.0 and best["stories"] == 2


def test_bench_stories_window_split_cuts_long_gaps_only():
    d = [date(2020, 1, 1), date(2020, 1, 9), date(2020, 1, 30), None, date(2020, 1, 2)]
    assert window_split(["a", "a", "a", "a", "b"], d, 10) == ["a", "a", "a#1", "a", "b"]
