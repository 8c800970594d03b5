"""Role descriptions resolved through the shipped list of office holders, only inside the holder's term, and
the office a news lead names before the person (issue 23). Sentences written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from veille.model import Analysis, Article, Entity, Office
from veille.understand import analyze_article
from veille.understand.office_holders import holders_of, is_named, office_holders

DIPLOMATIE = (
    "Le chef de la diplomatie malienne a reçu mardi à Bamako une délégation de la Cédéao. "
    "Les échanges ont porté sur le calendrier électoral."
)


def analyse(text: str, nlp, published: date | None = None) -> Analysis:
    return analyze_article(Article(id="t", content_id="t", text=text, published=published), nlp=nlp)


def owner(analysis: Analysis, phrase: str) -> Entity | None:
    for entity in analysis.entities:
        for m in entity.mentions:
            if m.text == phrase:
                return entity
    return None


def test_office_holders_list_is_well_formed():
    rows = office_holders()
    assert len(rows) > 100
    for h in rows:
        assert h.country or h.orgs, h
        assert h.end is None or h.start <= h.end, h
    # no office of a country has two holders on one day
    terms: dict[tuple[str, str | None, frozenset[str]], list] = {}
    for h in rows:
        terms.setdefault((h.function, h.country, h.orgs), []).append(h)
    for key, held in terms.items():
        held.sort(key=lambda h: h.start)
        for a, b in zip(held, held[1:], strict=False):
            assert a.end is not None and a.end <= b.start, (key, a.name, b.name)


def test_office_holders_answer_only_inside_the_term():
    asked = Office("ministre des affaires étrangères", "chef de la diplomatie malienne", -1, -1, country="ML")
    assert [h.name for h in holders_of(asked, date(2023, 3, 14))] == ["Abdoulaye Diop"]
    assert [h.name for h in holders_of(asked, date(2020, 1, 10))] == ["Tiébilé Dramé"]
    assert holders_of(asked, date(2018, 1, 10)) == []  # between two terms of the list
    # "président" is answered by a fuller office, "président de la transition"
    head = Office("président", "le président burkinabè", -1, -1, country="BF")
    assert [h.name for h in holders_of(head, date(2023, 5, 1))] == ["Ibrahim Traoré"]
    # an office with neither country nor organisation asks for nobody
    assert holders_of(Office("président", "le président", -1, -1), date(2023, 5, 1)) == []
    holder = holders_of(head, date(2023, 5, 1))[0]
    assert is_named(holder, ["Ibrahim Traore"]) and not is_named(holder, ["Traoré"])


def test_office_holders_resolve_a_description_inside_the_term(nlp):
    analysis = analyse(DIPLOMATIE, nlp, date(2023, 3, 14))
    minister = owner(analysis, "Le chef de la diplomatie malienne")
    assert minister is not None and minister.name == "Abdoulaye Diop"
    (mention,) = [m for m in minister.mentions if m.text == "Le chef de la diplomatie malienne"]
    assert "list of office holders" in mention.reason
    assert minister.offices[0].function == "ministre des affaires étrangères"
    assert minister.offices[0].country == "ML"


@pytest.mark.parametrize("published", [date(2012, 6, 1), None])
def test_office_holders_not_outside_the_term_nor_without_a_date(nlp, published):
    analysis = analyse(DIPLOMATIE, nlp, published)
    described = owner(analysis, "Le chef de la diplomatie malienne")
    assert described is not None and described.name == "chef de la diplomatie malienne"


def test_office_holders_a_named_person_the_list_gives_the_office(nlp):
    text = (
        "Le président de la transition burkinabè a limogé son Premier ministre vendredi. "
        "Ibrahim Traoré a justifié sa décision devant les forces vives de la nation."
    )
    phrase = "Le président de la transition burkinabè"

    def reason(analysis: Analysis) -> str:
        entity = owner(analysis, phrase)
        assert entity is not None and entity.name == "Ibrahim Traoré"
        return next(m.reason for m in entity.mentions if m.text == phrase)

    assert "list of office holders" in reason(analyse(text, nlp, date(2024, 12, 8)))
    # before his term the list says nothing; only the lead rule (the office, then the first name) joins them
    assert "list of office holders" not in reason(analyse(text, nlp, date(2021, 1, 8)))


def test_office_holders_an_international_post_by_its_organisation(nlp):
    text = "Le secrétaire général de l'ONU a appelé à la retenue dans le nord du Mali."
    assert owner(analyse(text, nlp, date(2015, 5, 1)), "Le secrétaire général de l'ONU").name == "Ban Ki-moon"
    assert (
        owner(analyse(text, nlp, date(2020, 5, 1)), "Le secrétaire général de l'ONU").name
        == "António Guterres"
    )
    # a paraphrase of the press (offices.tsv): the same office
    text = "Le patron de l'ONU a exhorté les belligérants à cesser le feu."
    assert owner(analyse(text, nlp, date(2023, 8, 1)), "Le patron de l'ONU").name == "António Guterres"


def test_office_holders_a_former_office_is_nobody_s_today(nlp):
    text = "L'ancien président malien a été reçu à Dakar par les autorités sénégalaises."
    described = owner(analyse(text, nlp, date(2016, 1, 5)), "L'ancien président malien")
    assert described is None or described.name != "Ibrahim Boubacar Keïta"


def test_office_holders_a_lead_names_the_office_before_the_person(nlp):
    # not in the list: the lead's office goes to the first person named after it, who has none of their own
    text = (
        "Le ministre nigérien de l'Hydraulique a inauguré lundi trois forages à Tillabéri. "
        "Cette visite d'Adamou Mahaman Issa intervient après des mois de sécheresse. "
        "« L'eau est une priorité », a déclaré Adamou Mahaman Issa devant les habitants."
    )
    analysis = analyse(text, nlp)
    assert owner(analysis, "Le ministre nigérien de l'Hydraulique").name == "Adamou Mahaman Issa"
    # a person who already has an office of their own is not taken for it
    text = (
        "Le ministre nigérien de l'Hydraulique a inauguré lundi trois forages. Le gouverneur de Tillabéri, "
        "Abdou Karim Sani, a salué le projet."
    )
    described = owner(analyse(text, nlp), "Le ministre nigérien de l'Hydraulique")
    assert described is not None and described.name != "Abdou Karim Sani"


def test_office_holders_an_office_of_no_country_goes_to_the_named_holder(nlp):
    text = "Macky Sall a reçu mardi les chefs religieux au palais. Le chef de l'Etat a appelé au calme."
    assert owner(analyse(text, nlp, date(2023, 7, 4)), "Le chef de l'Etat").name == "Macky Sall"
    # out of office that day: not his
    described = owner(analyse(text, nlp, date(2025, 1, 10)), "Le chef de l'Etat")
    assert described is None or described.name != "Macky Sall"
    # two named people the list makes presidents: nobody
    text = "Macky Sall a reçu mardi Emmanuel Macron au palais. Le chef de l'Etat a appelé au calme."
    described = owner(analyse(text, nlp, date(2023, 7, 4)), "Le chef de l'Etat")
    assert described is None or described.name not in {"Macky Sall", "Emmanuel Macron"}
