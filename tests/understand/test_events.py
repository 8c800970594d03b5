from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from veille.errors import VeilleError
from veille.model import Analysis, Article, Document, Event
from veille.understand import analyze_article
from veille.understand.events import EVENT_TYPES, find_events, trigger_lexicon

SEED_000 = "000_7d5c65816c15ba49"
SEED_002 = "002_c41fd276a5cca2db"


def analyze(text: str, nlp) -> Analysis:
    return analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp)


def seed(name: str, seed_paths: dict[str, Path], nlp) -> Analysis:
    from veille.extract import extract_article

    doc = Document.from_bytes(
        seed_paths[name].read_bytes(),
        media_type="text/plain",
        source=name,
        container="file",
        hints={"encoding": "utf-8"},
    )
    return analyze_article(extract_article(doc), nlp=nlp)


def only(events: tuple[Event, ...] | list[Event], kind: str) -> Event:
    found = [e for e in events if e.type == kind]
    assert len(found) == 1, [(e.type, e.trigger) for e in events]
    return found[0]


def roles(event: Event) -> dict[str, str]:
    return {a.role: a.text for a in event.arguments}


def test_events_lexicon_is_large_typed_and_bilingual():
    lex = trigger_lexicon()
    per_type = Counter(t.type for t in lex.values() if t.pos != "support")
    assert set(per_type) == set(EVENT_TYPES)
    assert min(per_type.values()) >= 9
    assert len(lex) >= 300
    assert {("verb", "réceptionner"), ("noun", "expulsion"), ("verb", "meet"), ("noun", "visit")} <= set(lex)
    assert {t.lang for t in lex.values()} == {"fr", "en"}


def test_events_bad_lexicon_row_raises_coded_error(tmp_path):
    bad = tmp_path / "triggers.tsv"
    bad.write_text("visiter\tverb\tfr\ttravel\n", encoding="utf-8")
    with pytest.raises(VeilleError) as info:
        trigger_lexicon(bad)
    assert info.value.code == "bad_lexicon"


def test_events_support_verb_gives_one_event(nlp):
    analysis = analyze("Le ministre Sergueï Lavrov a effectué une visite de travail à Bamako.", nlp)
    assert [e.type for e in analysis.events] == ["visit"]
    visit = analysis.events[0]
    assert visit.trigger == "visite"
    args = {a.role: a.entity_id for a in visit.arguments}
    assert args == {"agent": "per:serguei-lavrov", "place": "loc:bamako"}


def test_events_nominal_de_complement_by_noun_type(nlp):
    visit = only(analyze("La visite de Sergueï Lavrov à Bamako a duré deux jours.", nlp).events, "visit")
    assert roles(visit) == {"agent": "Sergueï Lavrov", "place": "Bamako"}
    expel = only(
        analyze("Le Mali a annoncé l'expulsion du diplomate français Joël Meyer.", nlp).events, "expel"
    )
    assert "Joël Meyer" in roles(expel)["patient"]
    assert roles(expel)["agent"] == "Le Mali"


def test_events_passive_subject_is_patient(nlp):
    arrest = only(
        analyze("Emmanuel Zongrana a été arrêté lundi par la gendarmerie à Ouagadougou.", nlp).events,
        "arrest",
    )
    assert roles(arrest)["patient"] == "Emmanuel Zongrana"
    assert roles(arrest)["place"] == "Ouagadougou"
    assert "agent" not in roles(arrest) or "gendarmerie" in roles(arrest)["agent"]


@pytest.mark.parametrize(
    ("text", "kind", "modality"),
    [
        ("Le président Macky Sall doit se rendre à Dakar la semaine prochaine.", "visit", "planned"),
        ("Le Premier ministre n'a jamais rencontré le président Macky Sall.", "meet", "negated"),
        ("Selon la police, les rebelles auraient tué dix civils à Gao.", "kill", "reported"),
        ("Le gouvernement a démenti l'arrestation de l'opposant Ousmane Sonko à Dakar.", "arrest", "denied"),
        ("Les rebelles ont tué dix civils à Gao.", "kill", "asserted"),
    ],
)
def test_events_modality(nlp, text, kind, modality):
    assert only(analyze(text, nlp).events, kind).modality == modality


def test_events_english_verbal_trigger(nlp):
    text = "Russian Foreign Minister Sergei Lavrov met Malian minister Abdoulaye Diop in Bamako on Monday."
    analysis = analyze(text, nlp)
    assert analysis.language == "en"
    meet = only(analysis.events, "meet")
    assert {a.role: a.entity_id for a in meet.arguments} == {
        "agent": "per:sergei-lavrov",
        "patient": "per:abdoulaye-diop",
        "place": "loc:bamako",
    }


def test_events_seed_visit_and_expulsion(seed_paths, nlp):
    analysis = seed(SEED_000, seed_paths, nlp)
    visit = next(e for e in analysis.events if e.type == "visit" and e.trigger == "arrivé")
    assert {a.role: a.entity_id for a in visit.arguments} == {
        "agent": "per:serguei-lavrov",
        "place": "loc:mali",
    }
    expel = only(analysis.events, "expel")
    assert expel.trigger == "expulsion"
    assert "Minusma" in roles(expel)["patient"]
    # the visit told again ("Cette visite ...") is not a second event
    assert not [
        e for e in analysis.events if e.type == "visit" and e.trigger == "visite" and e.start > visit.start
    ]


def test_events_seed_delivery_objects_and_one_visit(seed_paths, nlp):
    analysis = seed(SEED_002, seed_paths, nlp)
    delivery = next(e for e in analysis.events if e.type == "deliver" and e.trigger == "réceptionné")
    assert "Goita" in roles(delivery)["recipient"]
    assert {a.text for a in delivery.arguments if a.role == "object"} >= {"Su-25", "Mi-8"}
    # "séjournera à Bamako, les 6 et 7 février" tells the visit of the first line again: one visit, not two
    visits = [
        e
        for e in analysis.events
        if e.type == "visit" and roles(e).get("place") == "Bamako" and "Lavrov" in roles(e).get("agent", "")
    ]
    assert len(visits) == 1 and visits[0].time == "2023-02-06/2023-02-07"
    assert not any(e.trigger == "séjournera" for e in analysis.events)


def test_events_offsets_point_into_text_and_empty_doc(seed_texts, nlp):
    text = seed_texts[SEED_002]
    analysis = analyze(text, nlp)
    assert len(analysis.events) >= 5
    for event in analysis.events:
        assert event.type in EVENT_TYPES
        assert event.modality in {"asserted", "planned", "negated", "denied", "reported"}
        assert text[event.start : event.end] == event.trigger
        for arg in event.arguments:
            assert text[arg.start : arg.end] == arg.text
    assert find_events(nlp(""), "", [], []) == []


def test_events_direct_quote_and_purpose_are_not_events(nlp):
    text = (
        'Le ministre a été clair : "Nous n\'avons jamais livré des armes aux rebelles de Gao." '
        "Les soldats ont été envoyés à Gao pour combattre les rebelles."
    )
    triggers = [e.trigger for e in analyze(text, nlp).events]
    assert "livré" not in triggers  # inside the direct quote
    assert "combattre" not in triggers  # an aim ("pour combattre"), not a fact
    assert "envoyés" in triggers


def test_events_receiving_a_thing_is_no_meeting(nlp):
    assert not [
        e for e in analyze("Le Ghana a reçu une deuxième dose de vaccins.", nlp).events if e.type == "meet"
    ]
    meet = only(analyze("Le président Macky Sall a reçu Abdoulaye Diop à Dakar.", nlp).events, "meet")
    assert {a.role: a.entity_id for a in meet.arguments}["patient"] == "per:abdoulaye-diop"


def test_events_announced_event_is_the_event(nlp):
    events = analyze("Les autorités du Burkina Faso ont annoncé l'arrestation de huit soldats.", nlp).events
    assert [e.type for e in events] == ["arrest"]
    assert "Burkina Faso" in roles(events[0])["agent"]


def test_events_pronoun_subject_takes_previous_subject(nlp):
    text = "La CEDEAO a levé les sanctions contre le Mali. Elle a choisi Thomas Boni Yayi comme médiateur."
    appoint = only(analyze(text, nlp).events, "appoint")
    agent = next(a for a in appoint.arguments if a.role == "agent")
    assert agent.text == "Elle" and agent.entity_id is not None and "cedeao" in agent.entity_id


def test_events_seed_meeting_agent_is_the_visitor(seed_paths, nlp):
    analysis = seed(SEED_000, seed_paths, nlp)
    meet = next(e for e in analysis.events if e.trigger == "tête-à-tête")
    assert {a.role: a.entity_id for a in meet.arguments} == {
        "agent": "per:serguei-lavrov",
        "patient": "per:abdoulaye-diop",
    }
    visit = next(e for e in analysis.events if e.trigger == "arrivé")
    assert "\n" not in roles(visit)["agent"]


def test_events_seed_planned_audience_and_similar_deliveries(seed_paths, nlp):
    analysis = seed(SEED_002, seed_paths, nlp)
    audience = next(e for e in analysis.events if e.trigger == "reçu")
    assert audience.type == "meet" and audience.modality == "planned"
    assert {a.entity_id for a in audience.arguments if a.role in {"agent", "patient"}} == {
        "per:assimi-goita",
        "per:serguei-lavrov",
    }
    # "De livraisons semblables avaient eu lieu en mars et août 2022": another delivery, dated
    similar = [e for e in analysis.events if e.type == "deliver" and e.trigger == "livraisons"]
    assert [e.time for e in similar] == ["2022-03"]


def test_events_count_of_people_is_a_count_not_a_patient(nlp):
    kill = only(analyze("Au moins 38 personnes ont été tuées mercredi près de Boungou.", nlp).events, "kill")
    assert "patient" not in roles(kill)
    assert roles(kill)["count"] == "Au moins 38 personnes"
    protest = only(
        analyze("Des milliers de personnes ont protesté dimanche à Ouagadougou.", nlp).events, "protest"
    )
    assert roles(protest)["count"] == "Des milliers de personnes"
    named = only(analyze("Les gendarmes ont arrêté Amadou Koufa à Mopti.", nlp).events, "arrest")
    assert roles(named)["patient"] == "Amadou Koufa"


def test_events_one_event_per_real_event_in_an_article(nlp):
    text = (
        "Sergueï Lavrov a rencontré lundi Abdoulaye Diop. "
        "Sergueï Lavrov a ensuite eu un entretien avec Abdoulaye Diop sur la sécurité."
    )
    meet = only(analyze(text, nlp).events, "meet")
    assert meet.trigger == "rencontré"  # the first mention, as the gold marks it
    assert roles(meet) == {"agent": "Sergueï Lavrov", "patient": "Abdoulaye Diop"}
    # the same agent meeting two different parties is two meetings
    text = (
        "La junte rencontrera mardi les chefs des confessions religieuses. "
        "Jeudi, la junte entre en discussion avec les présidents des organisations de la société civile."
    )
    assert [e.type for e in analyze(text, nlp).events] == ["meet", "meet"]


@pytest.mark.parametrize(
    "text",
    [
        "Si la CEDEAO attaque le Niger, le Mali se tiendra à ses côtés.",  # a condition
        "En cas d'attaque contre le Niger, le Mali interviendra.",
        "Les rebelles refusent le résultat. Ils veulent une nouvelle élection.",  # a wish
        "La CEDEAO a nommé Thomas Boni Yayi pour tenter de négocier un accord avec la junte.",  # an aim
        "Le président a rappelé que la remise en cause des institutions n'était pas acceptable.",  # an idiom
        "Paul Melly est consultant auprès du programme Afrique de Chatham House à Londres.",  # an attribute
        "Le parti compte participer aux travaux de l'Assemblée.",  # "participer" without a meeting
    ],
)
def test_events_what_did_not_happen_is_no_event(nlp, text):
    events = analyze(text, nlp).events
    assert not [e for e in events if e.type in {"attack", "elect", "meet", "sign", "deliver"}], events


def test_events_lexicon_additions_and_their_arguments(nlp):
    host = only(
        analyze(
            "Le président Nana Akufo-Addo a participé à la conférence annuelle du barreau à Accra.", nlp
        ).events,
        "meet",
    )
    assert host.trigger == "participé"  # the conference is folded into the verb, not a second event
    speech = only(
        analyze(
            "S'exprimant mercredi à Genève, le chef de l'OMS, Tedros Ghebreyesus, a déclaré que l'enquête continuait.",
            nlp,
        ).events,
        "announce",
    )
    assert "Tedros Ghebreyesus" in roles(speech)["agent"]  # a participle clause shares the main subject
    assert roles(speech)["place"] == "Genève"
    taking = only(
        analyze("Les rebelles ont annoncé la prise de la ville de Goma mardi.", nlp).events, "attack"
    )
    assert "Goma" in roles(taking)["place"]
    assert not analyze("Cette prise de pouvoir a été condamnée par l'Union africaine.", nlp).events
    fight = only(
        analyze(
            "Depuis mars, les combats entre l'armée congolaise et les rebelles du M23 ont déplacé des milliers de civils.",
            nlp,
        ).events,
        "attack",
    )
    assert (
        roles(fight)["patient"] == "l'armée congolaise et les rebelles du M23"
    )  # "entre" is no form of "entrer"


def test_events_place_is_the_name_and_figurative_attacks_are_not_events(nlp):
    text = (
        "Au cours du séjour de la délégation russe à Bamako, les deux ministres ont signé un accord. "
        "Moscou mène une offensive diplomatique en Afrique."
    )
    events = analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp).events
    places = {a.text for e in events for a in e.arguments if a.role == "place"}
    assert "Bamako" in places and not any("cours" in p for p in places)
    assert not any(e.type == "attack" for e in events)
