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
    names = [m for m in persons[0].mentions if m.kind == "name"]
    assert len(names) == count, names
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


def _entities(nlp, text):
    return analyze_article(Article(id="t", content_id="t", text=text, language="fr"), nlp=nlp).entities


def test_entities_civility_stays_in_the_mention_not_in_the_name(nlp):
    text = "M. Lavrov est arrivé mardi à Bamako. Sergueï Lavrov a ensuite rencontré Mme Aminata Traoré."
    entities = _entities(nlp, text)
    lavrov = next(e for e in entities if e.name == "Sergueï Lavrov")
    names = [(m.text, m.reason) for m in lavrov.mentions if m.kind == "name"]
    assert names == [("M. Lavrov", "first mention"), ("Sergueï Lavrov", "same name")]
    assert "M." not in lavrov.roles
    traore = next(e for e in entities if e.type == "PER" and "Traoré" in e.name)
    assert traore.name == "Aminata Traoré" and traore.mentions[0].text == "Mme Aminata Traoré"
    assert all(text[m.start : m.end] == m.text for e in entities for m in e.mentions)


def test_entities_every_name_mention_has_a_reason(nlp, seed_texts):
    for text in seed_texts.values():
        for entity in _entities(nlp, text):
            names = [m for m in entity.mentions if m.kind == "name"]
            assert all(m.reason for m in entity.mentions), entity
            if entity.type == "PER" and len({m.text for m in names}) > 1:
                assert any(m.reason.startswith(("surname of", "same name")) for m in names), entity


def test_entities_surname_reason_names_the_full_name(nlp):
    text = "Le colonel Assimi Goïta a reçu les délégués. Goïta a promis des élections."
    goita = next(e for e in _entities(nlp, text) if e.type == "PER")
    assert [m.reason for m in goita.mentions if m.kind == "name"] == [
        "first mention",
        "surname of Assimi Goïta",
    ]


def test_entities_acronym_joins_the_name_it_abbreviates(nlp):
    text = (
        "La Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali (MINUSMA) "
        "quitte le pays. Le départ de la MINUSMA inquiète les habitants de Gao."
    )
    orgs = [e for e in _entities(nlp, text) if e.type == "ORG"]
    mission = next(e for e in orgs if e.name.endswith("stabilisation au Mali"))
    assert mission.name.startswith("Mission multidimensionnelle")
    acronyms = [m for m in mission.mentions if m.text == "MINUSMA"]
    assert len(acronyms) == 2 and all(m.reason == f"acronym of {mission.name}" for m in acronyms)
    assert not [e for e in orgs if e.name == "MINUSMA"]


def test_entities_demonyms_alone_are_not_entities_but_a_suisse_is_a_person(nlp):
    text = "Les Maliens et les Américains ont voté. Un Suisse a gagné la course, devant la Suisse et le Mali."
    entities = _entities(nlp, text)
    assert not [e for e in entities if e.name in {"Maliens", "Américains"}]
    types = {(m.text, m.start): e.type for e in entities for m in e.mentions}
    assert types.get(("Suisse", text.index("Suisse"))) == "PER"
    assert types.get(("Suisse", text.rindex("Suisse"))) == "LOC"
    assert types.get(("Mali", text.rindex("Mali"))) == "LOC"


def test_entities_headline_rubric_words_are_not_names(nlp):
    text = (
        "Astronomie : une comète visible depuis Genève\n"
        "Page actualisée : 4 mars\n"
        "Des astronomes de l'Observatoire de Genève ont photographié la comète."
    )
    names = {e.name for e in _entities(nlp, text)}
    assert "Astronomie" not in names and "Page" not in names
    assert "Genève" in names


def test_entities_places_are_typed_with_coordinates(nlp, seed_texts):
    places = {}
    for text in seed_texts.values():
        for e in _entities(nlp, text):
            if e.type == "LOC" and e.place is not None:
                places[e.name] = e.place
    bamako = places["Bamako"]
    assert (bamako.kind, bamako.country, bamako.source) == ("city", "ML", "geonames:2460596")
    assert bamako.latitude == pytest.approx(12.6, abs=0.1) and bamako.longitude == pytest.approx(
        -8.0, abs=0.1
    )
    assert (places["Mali"].kind, places["Mali"].country) == ("country", "ML")
    assert (places["Russie"].kind, places["Russie"].country) == ("country", "RU")
    assert places["Russie"].latitude is not None
    assert places["Sahel"].kind == "region"


def test_entities_ambiguous_city_takes_the_country_of_the_article(nlp):
    # Several towns are called Tillabéri or Paris; the article's countries decide.
    us = _entities(nlp, "Au Texas, la ville de Paris a voté. Paris est proche des États-Unis et de Dallas.")
    fr = _entities(nlp, "La France a annoncé que Paris accueillera le sommet.")
    paris_us = next(e for e in us if e.name == "Paris")
    paris_fr = next(e for e in fr if e.name == "Paris")
    assert paris_fr.place.country == "FR"
    assert paris_us.place.country == "US" and paris_us.place.source.startswith("geonames:")


def test_entities_two_places_joined_by_a_hyphen_are_not_a_place(nlp):
    text = "Le sommet Russie-Afrique s'est tenu à Saint-Pétersbourg."
    types = {e.name: e.type for e in _entities(nlp, text)}
    assert types.get("Russie-Afrique") != "LOC"
    assert types.get("Saint-Pétersbourg") == "LOC"


def test_entities_surname_particle_and_spelled_out_civility(nlp):
    text = "Le général de Gaulle est arrivé à Alger. Monsieur Gavard est resté à Paris avec Mme Saget."
    entities = _entities(nlp, text)
    persons = {e.name: e for e in entities if e.type == "PER"}
    assert "de Gaulle" in persons, persons
    assert "général" in " ".join(persons["de Gaulle"].roles)
    assert persons["Gavard"].mentions[0].text == "Monsieur Gavard"


def test_entities_dateline_in_capitals_is_a_place(nlp):
    text = "ESTISSAC – Fête du cochon sur la place. Inscriptions à la mairie.\nGENÈVE. — Le conseil a voté."
    places = {e.name: e for e in _entities(nlp, text) if e.type == "LOC"}
    assert "Estissac" in places or "ESTISSAC" in places, places
    assert places.get("Genève") is not None and places["Genève"].place.country == "CH"


def test_entities_name_cut_by_the_model_at_a_preposition_is_joined(nlp):
    text = "Selon le rapport du Fonds des Nations unies, la situation empire."
    orgs = [e.name for e in _entities(nlp, text) if e.type == "ORG"]
    assert "Fonds des Nations unies" in orgs, orgs


def test_entities_hyphenated_name_is_not_cut_and_headline_names_survive(nlp):
    text = "Monsieur Nana Akufo-Addo a parlé à Accra. Médecins sans Frontières (MSF) a ouvert un centre."
    entities = _entities(nlp, text)
    names = {e.name: e.type for e in entities}
    assert names.get("Nana Akufo-Addo") == "PER", names
    msf = next(e for e in entities if e.name == "Médecins sans Frontières")
    assert msf.type == "ORG" and [m.text for m in msf.mentions] == ["Médecins sans Frontières", "MSF"]
