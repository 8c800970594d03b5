"""Nouns given coordinated judging adjectives, read from the parse of real text."""

from __future__ import annotations

from veille.understand.qualifiers import find_qualifiers


def test_qualifiers_of_the_seed_quote(nlp, seed_texts):
    text = next(t for t in seed_texts.values() if "fortes et courageuses" in t)
    found = {q.text: q for q in find_qualifiers(nlp(text), text)}
    assert "décisions politiques fortes et courageuses" in found
    assert "pays uni, indépendant et souverain" in found  # "souverain" tagged a noun still joins the phrase
    q = found["décisions politiques fortes et courageuses"]
    assert text[q.start : q.end] == q.text and q.head == "décisions"


def test_qualifiers_judging_adjectives_of_any_ending(nlp):
    for text, phrase in (
        ("Le président a salué une victoire historique et magnifique.", "victoire historique et magnifique"),
        (
            "Le maire dénonce une attaque brutale et criminelle contre des civils.",
            "attaque brutale et criminelle",
        ),
        (
            "Il a pris des décisions politiques fortes et courageuses.",
            "décisions politiques fortes et courageuses",
        ),
    ):
        assert [q.text for q in find_qualifiers(nlp(text), text)] == [phrase]


def test_qualifiers_leave_classifying_and_single_adjectives_alone(nlp):
    text = (
        "Les deux pays renforcent leur coopération économique, commerciale et culturelle. "
        "Nous soutiendrons le Mali sur le plan sécuritaire et économique. "
        "Il dénonce les tendances illégitimes. Les relations maliennes et russes se renforcent. "
        "Le ministre a salué une législation juste et équilibrée."
    )
    assert [q.text for q in find_qualifiers(nlp(text), text)] == ["législation juste et équilibrée"]


def test_qualifiers_relational_words_and_demonyms():
    from veille.understand.qualifiers import is_relational

    assert all(is_relational(w) for w in ("économique", "civil", "malienne", "Russian", "military"))
    assert not any(
        is_relational(w) for w in ("civilisé", "economical", "historique", "brutale", "courageuses")
    )
