"""Events read from the sentence's structure (issue 23): voice, nominal triggers, who undergoes the event,
negation and plans, charges, coordination, new and told-again mentions. Sentences written for these tests."""

from __future__ import annotations

import pytest

from veille.model import Article, Event
from veille.understand import analyze_article


def events(text: str, nlp) -> list[Event]:
    return list(analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp).events)


def of_type(found: list[Event], kind: str) -> list[Event]:
    return [e for e in found if e.type == kind]


def roles(event: Event) -> dict[str, str]:
    return {a.role: a.text for a in event.arguments}


def test_active_verb_takes_subject_object_and_place_without_the_time(nlp):
    (arrest,) = of_type(
        events("La police malienne a arrêté trois journalistes à Bamako mardi.", nlp), "arrest"
    )
    assert arrest.modality == "asserted"
    assert roles(arrest) == {"agent": "La police malienne", "count": "trois journalistes", "place": "Bamako"}


def test_passive_verb_takes_its_par_complement_as_agent(nlp):
    (arrest,) = of_type(events("Trois journalistes ont été arrêtés par la police à Bamako.", nlp), "arrest")
    got = roles(arrest)
    assert got["agent"] == "la police"
    assert got["count"] == "Trois journalistes"
    assert got["place"] == "Bamako"


def test_nominal_trigger_de_complement_is_the_patient_of_an_arrest(nlp):
    text = "L'arrestation de l'opposant Moussa Traoré à Kayes a provoqué la colère de ses partisans."
    (arrest,) = of_type(events(text, nlp), "arrest")
    assert arrest.trigger == "arrestation"
    assert roles(arrest)["patient"] == "l'opposant Moussa Traoré"
    assert roles(arrest)["place"] == "Kayes"


def test_support_verb_and_attack_noun_are_one_event_with_contre_as_patient(nlp):
    found = events("Les rebelles ont lancé une attaque contre la ville de Ménaka.", nlp)
    (attack,) = of_type(found, "attack")
    assert attack.trigger == "attaque"
    assert roles(attack)["agent"] == "Les rebelles"
    assert roles(attack)["patient"] == "la ville de Ménaka"


def test_passive_support_verb_subject_undergoes_the_nominal_event(nlp):
    found = events("Le convoi de la société minière a été pris en embuscade près de Boungou.", nlp)
    (attack,) = of_type(found, "attack")
    assert roles(attack)["patient"] == "Le convoi de la société minière"


def test_negated_event_is_marked_negated(nlp):
    (arrest,) = of_type(events("L'armée n'a pas arrêté le suspect.", nlp), "arrest")
    assert arrest.modality == "negated"
    assert roles(arrest)["patient"] == "le suspect"


def test_future_event_is_marked_planned_and_its_patient_stops_before_the_time(nlp):
    text = "Le président nommera un nouveau Premier ministre la semaine prochaine."
    (appoint,) = of_type(events(text, nlp), "appoint")
    assert appoint.modality == "planned"
    assert roles(appoint)["patient"] == "un nouveau Premier ministre"


@pytest.mark.parametrize(
    ("thing", "person", "kind"),
    [
        (
            "Médecins sans Frontières a arrêté ses activités à Mopti.",
            "Les gendarmes ont arrêté deux trafiquants à Mopti.",
            "arrest",
        ),
        ("L'armée a exécuté le programme de sécurité.", "Les jihadistes ont exécuté deux otages.", "kill"),
    ],
)
def test_people_not_things_undergo_arrests_and_executions(nlp, thing, person, kind):
    assert of_type(events(thing, nlp), kind) == []
    assert len(of_type(events(person, nlp), kind)) == 1


def test_a_charge_is_not_an_event_told_as_having_happened(nlp):
    assert of_type(events("Ils sont accusés d'avoir attaqué le village de Diafarabé.", nlp), "attack") == []
    assert len(of_type(events("Ils ont attaqué le village de Diafarabé.", nlp), "attack")) == 1


def test_coordinated_verbs_share_the_passive_subject(nlp):
    found = events("Trois migrants ont été arrêtés et expulsés vers le Niger.", nlp)
    assert [e.type for e in found] == ["arrest", "expel"]
    assert all(roles(e).get("count") == "Trois migrants" for e in found)


def test_an_indefinite_noun_is_a_new_event_not_the_one_told_before(nlp):
    text = (
        "Les survivants d'une attaque meurtrière au Burkina Faso ont été soignés. "
        "Le mois dernier, une attaque contre un site aurifère avait fait vingt morts au Burkina Faso."
    )
    attacks = of_type(events(text, nlp), "attack")
    # the second attack names its target; joined to the first, it would lend it a target it never had
    assert [roles(a).get("patient") for a in attacks] == [None, "un site aurifère"]


def test_a_noun_said_of_ce_is_the_event_told_before(nlp):
    text = (
        "Des jihadistes ont attaqué le camp militaire d'Inates mardi. "
        "C'est la pire attaque contre l'armée nigérienne depuis 2015."
    )
    (attack,) = of_type(events(text, nlp), "attack")
    assert attack.trigger == "attaqué"


@pytest.mark.parametrize(
    ("text", "kind", "modality"),
    [
        ("La police n'a arrêté personne à Bamako.", "arrest", "negated"),
        ("Le Mali n'a signé aucun accord avec la Russie.", "sign", "negated"),
        ("Les soldats ont fui avant que les rebelles ne les attaquent.", "attack", "asserted"),
        ("Les jihadistes n'ont tué que deux soldats.", "kill", "asserted"),
    ],
)
def test_ne_negates_with_its_partner_word_only(nlp, text, kind, modality):
    (event,) = of_type(events(text, nlp), kind)
    assert event.modality == modality


def test_a_noun_said_of_ce_before_any_event_of_its_type_is_the_event(nlp):
    (visit,) = of_type(
        events("C'est la première visite du président ghanéen au Mali depuis 2020.", nlp), "visit"
    )
    assert visit.trigger == "visite"


def test_par_on_an_active_verb_is_the_agent_of_its_object_noun(nlp):
    found = events("Le Ghana a fermement condamné l'invasion de l'Ukraine par la Russie.", nlp)
    (attack,) = of_type(found, "attack")
    assert roles(attack)["agent"] == "la Russie"
    assert roles(attack)["patient"] == "l'Ukraine"


def test_a_phrase_before_the_noun_is_not_part_of_the_argument(nlp):
    (kill,) = of_type(events("Selon le communiqué, 63 terroristes ont été tués à Chinégodar.", nlp), "kill")
    assert roles(kill)["count"] == "63 terroristes"
    assert kill.modality == "reported"
