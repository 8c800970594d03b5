"""English articles: read by the English pipeline, labels mapped to ours, titles kept as roles (issue 5)."""

from __future__ import annotations

import pytest

from veille.model import Article
from veille.understand import ANALYZER_VERSION, analyze_article, analyze_articles
from veille.understand.nlp import DEFAULT_MODEL, ENGLISH_MODEL, load_pipeline, prepare_text

TEXT = (
    "Foreign Minister Penny Wong arrived in Jakarta on Tuesday for two days of talks. "
    "Ms Wong told reporters that Australia and Indonesia would sign a maritime agreement "
    "before the ASEAN summit in November. The World Health Organization also sent a team to Surabaya, "
    "where President Joko Widodo opened a new hospital worth $40 million."
)


@pytest.fixture(scope="module")
def english():
    return analyze_article(Article(id="en", content_id="en", text=TEXT))


def test_english_article_is_read_by_the_english_pipeline(english):
    assert english.language == "en"
    assert DEFAULT_MODEL in ANALYZER_VERSION and ENGLISH_MODEL in ANALYZER_VERSION
    assert load_pipeline(language="en").lang == "en"
    assert load_pipeline(language="de").lang == "fr"  # no German pipeline: French reads it


def _by_mention(analysis, text):
    return next(e for e in analysis.entities if any(m.text == text for m in e.mentions))


def test_english_persons_orgs_places_found_with_right_offsets(english):
    # Keyed by mention text: the entity name of a country may be its canonical (French) name.
    types = {m.text: e.type for e in english.entities for m in e.mentions}
    assert types.get("Penny Wong") == "PER" and types.get("Joko Widodo") == "PER"
    assert types.get("World Health Organization") == "ORG" and types.get("ASEAN") == "ORG"
    assert (
        types.get("Jakarta") == "LOC" and types.get("Surabaya") == "LOC" and types.get("Australia") == "LOC"
    )
    for entity in english.entities:
        for m in entity.mentions:
            assert TEXT[m.start : m.end] == m.text
    # Dates, amounts and nationalities (NORP) are not entities.
    assert not {"Tuesday", "November", "$40 million", "two days"} & set(types)


def test_english_titles_become_roles_and_surname_joins(english):
    wong = next(e for e in english.entities if e.name == "Penny Wong")
    assert "Foreign Minister" in wong.roles
    names = [(m.text, m.reason) for m in wong.mentions if m.kind == "name"]
    assert names == [("Penny Wong", "first mention"), ("Ms Wong", "surname of Penny Wong")]
    widodo = next(e for e in english.entities if e.name == "Joko Widodo")
    assert "President" in widodo.roles


def test_english_places_carry_coordinates(english):
    jakarta = _by_mention(english, "Jakarta")
    assert (jakarta.place.kind, jakarta.place.country) == ("city", "ID")
    assert jakarta.place.latitude == pytest.approx(-6.2, abs=0.2)
    australia = _by_mention(english, "Australia")
    assert (australia.place.kind, australia.place.country) == ("country", "AU")


def test_english_routing_in_a_mixed_batch_keeps_order(nlp, seed_texts):
    french = next(iter(seed_texts.values()))
    articles = [
        Article(id="fr", content_id="fr", text=french),
        Article(id="en", content_id="en", text=TEXT),
        Article(id="empty", content_id="empty", text=" "),
        Article(id="fr-tagged", content_id="fr2", text=TEXT, language="fr"),
    ]
    results = list(analyze_articles(articles, nlp=nlp, batch_size=3))
    assert [getattr(r, "article_id", None) for r in results] == ["fr", "en", None, "fr-tagged"]
    assert results[0].language == "fr" and results[1].language == "en"
    assert getattr(results[2], "code", None) == "empty_input"
    # Article.language wins over detection: the English text tagged "fr" is read by the French pipeline.
    assert results[3].language == "fr"
    en_ws = {e.name for e in results[1].entities}
    assert "Penny Wong" in en_ws


def test_english_prepare_text_keeps_curly_apostrophes_for_english():
    text = "Putin’s envoy"
    assert prepare_text(text, "en") == text
    assert prepare_text(text, "fr") == "Putin's envoy"
