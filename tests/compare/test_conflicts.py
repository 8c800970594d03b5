"""Conflicting figures between sources, and compatible ones that are not conflicts (bundled sample texts)."""

from __future__ import annotations

from veille.compare.claims import sentences
from veille.compare.conflicts import figure_conflicts
from veille.compare.numbers import find_quantities
from veille.model import Claim, ClaimGroup


def _claim(article_id: str, text: str, entities: tuple[str, ...] = ("org:caisse-d-epargne",)) -> Claim:
    figures = tuple(q.text for q in find_quantities(text, "fr"))
    return Claim(article_id, 0, len(text), text, entities=entities, figures=figures)


def _sentence(sample_dir, name: str, needle: str) -> str:
    text = (sample_dir / "rpm2" / f"{name}.txt").read_text(encoding="utf-8-sig")
    return next(s.text for s in sentences(text) if needle in s.text)


def test_conflicts_figures_that_cannot_be_one_value(sample_dir):
    """Two outlets' losses of the Caisse d'Epargne, aligned as one fact: 600 vs 751 million euros conflict."""
    a = _claim("a", _sentence(sample_dir, "T02_C1_01", "perdu 600 millions"))
    b = _claim("b", _sentence(sample_dir, "T02_C1_02", "751 millions"))
    fact = ClaimGroup((a, b), ("a", "b"), "all", "text", 0.5)
    [conflict] = figure_conflicts([fact], [a, b], {"a": "a", "b": "b"}, {"a": "one", "b": "two"}, {})
    assert conflict.kind == "figure" and {v.article_id for v in conflict.values} == {"a", "b"}
    assert any(v.value.startswith("600 millions") for v in conflict.values)
    for v in conflict.values:  # the evidence points at the words in their sentence
        claim = a if v.article_id == "a" else b
        assert claim.text[v.start - claim.start : v.end - claim.start] == v.value


def test_conflicts_leave_compatible_and_partial_counts_alone():
    same = [
        _claim(
            "a",
            "Au moins 12 personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
            ("loc:tillaberi",),
        ),
        _claim("b", "L'attaque de Tillabéri a fait 15 morts, selon un élu local.", ("loc:tillaberi",)),
        _claim(
            "c",
            "Une quinzaine de personnes ont été tuées lors de l'attaque de Tillabéri.",
            ("loc:tillaberi",),
        ),
    ]
    assert figure_conflicts([], same, {"a": "a", "b": "b", "c": "c"}, {}, {}) == []
    partial = [
        _claim(
            "a",
            "Ingrid Betancourt et quatorze autres otages ont été libérés par l'armée.",
            ("per:betancourt",),
        ),
        _claim(
            "b",
            "La libération de 15 otages, dont Ingrid Betancourt, a été filmée par l'armée.",
            ("per:betancourt",),
        ),
    ]
    assert figure_conflicts([], partial, {"a": "a", "b": "b"}, {}, {}) == []
    apart = [  # the same measure, but sentences about other things: not one slot
        _claim("a", "Au moins 12 personnes ont été tuées dans l'attaque de Tillabéri.", ("loc:tillaberi",)),
        _claim("b", "En 2019, un accident de bus avait fait 40 morts près de Kayes.", ("loc:kayes",)),
    ]
    assert figure_conflicts([], apart, {"a": "a", "b": "b"}, {}, {}) == []
