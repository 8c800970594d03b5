from __future__ import annotations

from datetime import date

import pytest

from veille.understand.dates import resolve_times

MONDAY = date(2023, 2, 6)
WEDNESDAY = date(2023, 2, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il est arrivé le lundi 06 février 2023 à Bamako.", ["2023-02-06"]),
        ("Visite les 06 et 07 février 2023.", ["2023-02-06", "2023-02-07"]),
        ("Visite du 6 au 8 mars 2021.", ["2021-03-06", "2021-03-08"]),
        ("En janvier dernier, le président a réceptionné des avions.", ["2023-01"]),
        ("Le sommet est prévu en juillet prochain.", ["2023-07"]),
        ("Des livraisons en mars et août 2022.", ["2022-03", "2022-08"]),
        ("Une visite de deux jours.", ["P2D"]),
        ("Il est parti hier et reviendra demain.", ["2023-02-05", "2023-02-07"]),
        ("Ils se sont vus la semaine dernière, et l'an dernier aussi.", ["2023-W05", "2022"]),
        ("Présent au Mali depuis 2012, reparti en 2022.", ["2012", "2022"]),
        ("Il a parlé vendredi.", ["2023-02-03"]),
        ("Le 22-12-2023, le dernier vol est parti.", ["2023-12-22"]),
        ("They met on March 3, 2021.", ["2021-03-03"]),
        ("Il a sa place et ma voix.", []),
        ("Deux incendies en 97 (en janvier près du marché).", ["1997", "1997-01"]),
        ("Les années 60 furent prospères.", ["196X"]),
        ("Il arrive à l'automne.", ["2023-FA"]),
        ("Il y a quelques mois, tout allait bien.", ["PAST_REF"]),
        ("Il y a deux ans, tout allait bien.", ["2021"]),
        ("Une dizaine de jours plus tard.", ["P10D"]),
        ("La crise de 2013-14 a duré, entre 1982 et 1990 aussi.", ["2013", "1982", "1990"]),
        ("Il faudra 4.000 milliards d'ici à dix ans.", ["2023-02-06", "P10Y"]),
    ],
)
def test_dates_rules_resolve(text, expected):
    times = resolve_times(text, MONDAY)
    assert [t.value for t in times] == expected
    for t in times:
        assert text[t.start : t.end] == t.text


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        # French TimeML: determiners in, prepositions out.
        ("Il est né en 1975 à Vienne.", ["1975"]),
        ("Il est là depuis deux ans.", ["deux ans"]),
        ("Rendez-vous à 14 h devant la mairie.", ["14 h"]),
        ("Il a été élu le 6 mai dernier.", ["le 6 mai dernier"]),
        ("Elle reviendra l'an prochain.", ["l'an prochain"]),
        ("Il a donné jusqu'au 30 juin aux responsables.", ["30 juin"]),
        ("Les élections auront lieu les 6 et 13 avril prochains.", ["les 6", "13 avril prochains"]),
        ("Le recensement de mars-avril est publié.", ["mars", "avril"]),
        ("Il a été blessé hier en début d'après-midi.", ["hier en début d'après-midi"]),
    ],
)
def test_dates_spans_follow_french_timeml(text, spans):
    assert [t.text for t in resolve_times(text, MONDAY)] == spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les cours reprennent chaque lundi.", [("chaque lundi", "XXXX-WXX-1", "SET")]),
        ("La croissance est de 0,4 % par an.", [("an", "P1Y", "SET")]),
        ("Il sera reçu à 15 heures.", [("15 heures", "2023-02-06T15:00", "TIME")]),
        ("Le débat a duré deux heures.", [("deux heures", "PT2H", "DURATION")]),
        ("Il vit actuellement à Dakar.", [("actuellement", "PRESENT_REF", "TIME")]),
        ("Il part aujourd'hui.", [("aujourd'hui", "2023-02-06", "DATE")]),
        ("Il a été blessé hier soir.", [("hier soir", "2023-02-05TEV", "TIME")]),
        ("Un mandat d'un demi-siècle.", [("un demi-siècle", "P50Y", "DURATION")]),
    ],
)
def test_dates_types_sets_times_durations(text, expected):
    assert [(t.text, t.value, t.type) for t in resolve_times(text, MONDAY)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Moussa Traoré, 87 ans, a été heurté par une moto.",
        "Un chauffeur âgé de 38 ans a été agressé.",
        "Un maçon malien de 37 ans, s'est blessé.",
        "Le marché a rouvert et la fête du Vendredi Saint approche.",
        "Le tournoi des moins de 17 ans a repris.",
        "Il a fait savoir à 20 Minutes que la date était fixée.",
        "Le décret 2012-345 fixe 2000 habitants par commune.",
    ],
)
def test_dates_ages_and_lookalikes_are_not_times(text):
    assert resolve_times(text, MONDAY) == []


def test_dates_relative_to_another_event_needs_a_date_nearby():
    text = "Le 6 février, Lavrov est arrivé à Bamako. À la veille de cette visite, Moscou a livré des armes."
    veille = [t for t in resolve_times(text, date(2023, 2, 10)) if t.text == "la veille"]
    assert [(t.value, t.anchor) for t in veille] == [("2023-02-05", "2023-02-06")]
    alone = resolve_times("À la veille de cette visite, Moscou a livré des armes.", MONDAY)
    assert [(t.text, t.value) for t in alone] == [("la veille", None)]


def test_dates_times_of_day_take_the_last_day_named():
    text = "La cérémonie aura lieu samedi 22 juillet à 15 h 45. Le même jour à 14 h 15, une autre."
    times = resolve_times(text, date(2023, 7, 20))
    assert [(t.text, t.value) for t in times] == [
        ("samedi 22 juillet", "2023-07-22"),
        ("15 h 45", "2023-07-22T15:45"),
        ("Le même jour", "2023-07-22"),
        ("14 h 15", "2023-07-22T14:15"),
    ]


def test_dates_anchor_to_first_full_date_when_unpublished():
    text = "Le 3 mars 2021, il est arrivé. La veille, hier donc, il était à Dakar."
    times = resolve_times(text, None)
    hier = next(t for t in times if t.text == "hier")
    assert hier.value == "2021-03-02" and hier.anchor == "2021-03-03 (first date in text)"
    assert resolve_times("Il est parti hier.", None)[0].value is None


@pytest.mark.parametrize(
    ("text", "word", "value"),
    [
        ("Le ministre est arrivé lundi à Bamako.", "lundi", "2023-02-06"),
        ("Le ministre arrivera lundi à Bamako.", "lundi", "2023-02-13"),
        ("Le ministre s'est rendu vendredi à Dakar.", "vendredi", "2023-02-03"),
        ("Le ministre se rendra vendredi à Dakar.", "vendredi", "2023-02-10"),
        ("Le supporter a été blessé le 21 juin à Lens.", "le 21 juin", "2022-06-21"),
        ("Le rendez-vous est fixé au 21 juin à Lens.", "21 juin", "2023-06-21"),
    ],
)
def test_dates_tense_decides_direction(nlp, text, word, value):
    times = resolve_times(text, WEDNESDAY, doc=nlp(text))
    assert [t.value for t in times if t.text == word] == [value]


def test_dates_without_parse_take_the_nearest_day():
    # No doc: "lundi" is the nearest Monday to a Wednesday, two days back.
    assert [t.value for t in resolve_times("Le ministre arrivera lundi.", WEDNESDAY)] == ["2023-02-06"]


def test_dates_seed_range_and_relative_month(seed_texts, nlp):
    text = next(t for name, t in seed_texts.items() if name.startswith("002"))
    times = resolve_times(text, MONDAY, doc=nlp(text))
    values = {(t.text, t.value) for t in times}
    assert ("les 06", "2023-02-06") in values and ("07 février 2023", "2023-02-07") in values
    assert ("janvier dernier", "2023-01") in values
    assert not any(t.text == "22-12-2023" and t.value is None for t in times)


def test_dates_eve_of_an_event_dated_later_in_the_sentence():
    text = (
        "Selon un communiqué publié à la veille de cette visite, le ministre séjournera à Bamako les 6 et 7 "
        "février 2023.\nAu lendemain du scrutin, rien. Le 12 mars 2021, il a parlé."
    )
    times = {t.text: t for t in resolve_times(text, date(2023, 2, 4))}
    assert times["la veille"].value == "2023-02-05"
    assert times["la veille"].anchor is not None and "event" in times["la veille"].anchor
    assert times["lendemain"].value is None  # a new paragraph; the only later day is in another sentence


def test_dates_day_ranges_only_for_days_that_run_on():
    from veille.understand.dates import day_ranges

    text = "Visite les 6 et 7 février 2023, puis les 6 et 13 avril, et du 20 au 24 mai."
    times = resolve_times(text, MONDAY)
    assert sorted(set(day_ranges(times, text).values())) == ["2023-02-06/2023-02-07", "2023-05-20/2023-05-24"]


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("Il y a 99999999999 jours, dans 999999999 semaines.", MONDAY),
        ("Il reviendra lundi, le 5 mars.", date(9999, 12, 31)),
        ("Il est parti le 5 mars.", date(1, 1, 1)),
    ],
)
def test_dates_extreme_values_give_no_value_not_a_crash(text, anchor):
    times = resolve_times(text, anchor)
    assert times and all(text[t.start : t.end] == t.text for t in times)
