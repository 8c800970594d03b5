from __future__ import annotations

import pytest

from veille.model import Article
from veille.understand import analyze_article


@pytest.mark.parametrize(
    ("text", "name", "count"),
    [
        (
            "Le ministre Sergueï Lavrov est arrivé à Bamako. M. Lavrov a rencontré la presse. "
            "Le ministre Lavrov est reparti le soir.",
            "Sergueï Lavrov",
            3,
        ),
        (
            "Le colonel Assimi Goïta a reçu les délégués à Bamako. Le président Goita a ensuite parlé.",
            "Assimi Goïta",
            2,
        ),
    ],
)
def test_entities_merge_person_mentions(nlp, text, name, count):
    analysis = analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp)
    persons = [e for e in analysis.entities if e.type == "PER"]
    assert [e.name for e in persons] == [name]
    assert len(persons[0].mentions) == count
    assert all(text[m.start : m.end] == m.text for m in persons[0].mentions)


def test_entities_all_caps_title_and_gazetteer(nlp):
    text = "SERGUEÏ LAVROV À BAMAKO\n\nLe groupe Wagner et la Minusma sont cités par Sergueï Lavrov."
    analysis = analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp)
    types = {e.name: e.type for e in analysis.entities}
    assert types.get("Sergueï Lavrov") == "PER" and types.get("Minusma") == "ORG"
    assert any(e.type == "ORG" and "Wagner" in e.name for e in analysis.entities)
    lavrov = next(e for e in analysis.entities if e.name == "Sergueï Lavrov")
    assert lavrov.mentions[0].text == "SERGUEÏ LAVROV"


def test_entities_country_starting_with_a_clutter_word_is_kept(nlp):
    # "États" opens clutter names ("Etats généraux de la presse" menus) but "États-Unis" is a country.
    text = (
        "Les États-Unis ont annoncé mardi une aide alimentaire pour le Niger, selon leur ambassade à Niamey."
    )
    analysis = analyze_article(Article(id="us", content_id="us", text=text), nlp=nlp)
    names = {e.name: e.type for e in analysis.entities}
    assert names.get("États-Unis") == "LOC", names
