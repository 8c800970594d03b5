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
