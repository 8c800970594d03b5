"""Quantities read from real sentences (the seeds, the bundled French sample, English news-style lines)."""

from __future__ import annotations

import math

import pytest

from veille.model import Quantity
from veille.understand.quantities import compatible, find_quantities, same_measure, unit_family


def _rpm2(sample_dir, name: str) -> str:
    return (sample_dir / "rpm2" / f"{name}.txt").read_text(encoding="utf-8-sig").replace("\r\n", "\n")


def _one(text: str, lang: str = "fr") -> Quantity:
    found = find_quantities(text, lang)
    assert len(found) == 1, found
    return found[0]


def _by_text(found: list[Quantity]) -> dict[str, Quantity]:
    return {q.text: q for q in found}


def test_numbers_money_in_sample(sample_dir):
    text = _rpm2(sample_dir, "T02_C1_01")
    q = _by_text(find_quantities(text))["600 millions d’euros"]
    # a figure with a scale word is rounded to its last written digit, ±5 % at most: 570..630 millions
    assert (q.value, q.low, q.high, q.unit, q.approx) == pytest.approx((600e6, 570e6, 630e6, "EUR", "exact"))
    assert text[q.start : q.end] == q.text


def test_numbers_ages_in_sample(sample_dir):
    texts = [_rpm2(sample_dir, f"T10_C1_{i:02d}") for i in range(1, 11)]
    ages = [q for t in texts for q in find_quantities(t) if q.unit == "year"]
    values = {q.text: q.value for q in ages}
    assert values["deux ans et demi"] == 2.5
    assert values["2 ans et demi"] == 2.5
    assert values["34 ans"] == 34
    assert any(q.text in ("Âgée de 34 ans", "Agée de 34 ans") and q.counted == "age" for q in ages)
    # "trois filles et un garçon de 5, 7, 9 et 12 ans": the list shares its unit
    listed = [q for t in texts for q in find_quantities(t) if q.text in ("5", "7", "9")]
    assert listed and all(q.unit == "year" for q in listed)


def test_numbers_seed_counts_and_exclusions(seed_texts):
    found = [q for text in seed_texts.values() for q in find_quantities(text)]
    texts = {q.text for q in found}
    assert "une dizaine d'appareils" in texts
    assert "huit avions" in texts
    assert "deux jours" in texts
    dizaine = next(q for q in found if q.text == "une dizaine d'appareils")
    assert (dizaine.low, dizaine.high, dizaine.counted, dizaine.approx) == (8, 13, "appareil", "about")
    values = {q.value for q in found}
    # dates ("06 février 2023", "les 6 et 7 février"), years, Su-25, Mi-8, the phone number: not quantities
    assert not values & {6, 7, 2023, 2022, 25, 89, 99, 28}
    assert not any("Su-25" in q.text or "Mi-8" in q.text or "2023" in q.text for q in found)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Le bilan fait état d'au moins 12 morts.",
            "fr",
            ("au moins 12 morts", 12, math.inf, None, "mort", "at_least"),
        ),
        (
            "Plus de 80 personnes ont été interpellées.",
            "fr",
            ("Plus de 80 personnes", 80, math.inf, None, "personne", "more_than"),
        ),
        (
            "Il a perdu près de 600 millions d'euros.",
            "fr",
            ("près de 600 millions d'euros", 570e6, 630e6, "EUR", None, "about"),
        ),
        (
            "Entre 50 et 100 salariés se sont rassemblés.",
            "fr",
            ("Entre 50 et 100 salariés", 50, 100, None, "salarie", "range"),
        ),
        ("Le trajet fait moins de 3 km.", "fr", ("moins de 3 km", 0, 3, "km", None, "less_than")),
        ("Les prix ont augmenté de 12,5 % en un an.", "fr", ("12,5 %", 12.5, 12.5, "%", None, "exact")),
        (
            "Le stade accueillait 91 000 spectateurs.",
            "fr",
            ("91 000 spectateurs", 91000, 91000, None, "spectateur", "exact"),
        ),
        (
            "Quelque 15.000 personnes assureront le spectacle.",
            "fr",
            ("Quelque 15.000 personnes", 13500, 16500, None, "personne", "about"),
        ),
        ("Vingt et un soldats ont été tués.", "fr", ("Vingt et un soldats", 21, 21, None, "soldat", "exact")),
        (
            "Il a reçu deux cents euros et 300 000 FCFA.",
            "fr",
            ("deux cents euros", 200, 200, "EUR", None, "exact"),
        ),
        (
            "Jusqu'à 200 cadres d'entreprises chinoises.",
            "fr",
            ("Jusqu'à 200 cadres", 0, 200, None, "cadre", "at_most"),
        ),
        (
            "At least 84 people were killed on Monday.",
            "en",
            ("At least 84 people", 84, math.inf, None, "killed", "at_least"),
        ),
        ("The bank lost $5bn in the crisis.", "en", ("$5bn", 4.75e9, 5.25e9, "USD", None, "exact")),
        ("A dozen soldiers were wounded.", "en", ("A dozen soldiers", 9.6, 15.6, None, "soldier", "about")),
        (
            "Fewer than 20 passengers were on board.",
            "en",
            ("Fewer than 20 passengers", 0, 20, None, "passenger", "less_than"),
        ),
        (
            "Some 1,200 troops crossed the border.",
            "en",
            ("Some 1,200 troops", 1080, 1320, None, "troop", "about"),
        ),
        (
            "Between 10 and 15 migrants drowned.",
            "en",
            ("Between 10 and 15 migrants", 10, 15, None, "migrant", "range"),
        ),
        ("A 4-year-old boy was found.", "en", ("4-year-old", 4, 4, "year", "age", "exact")),
        ("The boy, aged 4, was found alive.", "en", ("aged 4", 4, 4, "year", "age", "exact")),
    ],
)
def test_numbers_reads_figure(text, lang, expected):
    found = find_quantities(text, lang)
    q = _by_text(found)[expected[0]]
    assert (q.text, q.low, q.high, q.unit, q.counted, q.approx) == pytest.approx(expected)
    assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Il est arrivé le lundi 06 février 2023 à Bamako.", "fr"),
        ("La visite a eu lieu les 6 et 7 février, en 2016.", "fr"),
        ("Rendez-vous à 14h30 devant la mairie, le 1er mai.", "fr"),
        ("Le 15e jour, la troisième fois, il a quitté les Soukhoï Su-25.", "fr"),
        ("Le sommet du G7 et la pandémie de COVID-19 ont marqué 2020.", "fr"),
        ("Tél : (+227) 89 99 99 28", "fr"),
        ("The talks were held on February 6 at 10:30 am, on the 15th floor.", "en"),
        ("Jamais un chef de la diplomatie russe n'était venu.", "fr"),
    ],
)
def test_numbers_excludes_non_quantities(text, lang):
    assert find_quantities(text, lang) == []


def test_numbers_scales_agree():
    five = _one("Le plan prévoit 5 milliards d'euros.")
    same = _one("Le plan prévoit 5 000 millions d'euros.")
    assert five.value == same.value == 5e9
    assert compatible(five, same) and same_measure(five, same)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("au moins 12 morts", "15 morts", True),
        ("84 morts", "77 morts", False),
        ("une dizaine de blessés", "12 blessés", True),
        ("une dizaine de blessés", "20 blessés", False),
        ("près de 600 millions d'euros", "620 millions d'euros", True),
        ("près de 600 millions d'euros", "700 millions d'euros", False),
        ("plus de 80 personnes", "75 personnes", False),
        ("moins de 3 km", "2 km", True),
        ("deux ans et demi", "30 mois", True),
    ],
)
def test_numbers_compatible_both_ways(a, b, expected):
    qa, qb = _one(a), _one(b)
    assert compatible(qa, qb) is expected
    assert compatible(qb, qa) is expected


def test_numbers_compatible_across_languages_and_units():
    killed = _one("At least 84 people were killed.", "en")
    assert compatible(killed, _one("84 morts")) and not compatible(killed, _one("77 morts"))
    assert not compatible(_one("12 km"), _one("12 ans"))
    # a floating currency: within the range of rates, not beyond
    assert compatible(_one("$5bn", "en"), _one("4,5 milliards d'euros"))
    assert not compatible(_one("$5bn", "en"), _one("500 millions d'euros"))
    # the CFA franc has a fixed parity: 655 957 FCFA are 1 000 euros
    assert compatible(_one("655 957 FCFA"), _one("1 000 euros"))


def test_numbers_same_measure():
    assert same_measure(_one("12 morts"), _one("12 killed", "en"))
    assert same_measure(_one("12 personnes ont été tuées"), _one("At least 84 people were killed.", "en"))
    assert same_measure(_one("3 blessés"), _one("three injured", "en"))
    assert not same_measure(_one("12 morts"), _one("12 blessés"))
    assert same_measure(_one("600 millions d'euros"), _one("$5bn", "en"))
    assert not same_measure(_one("600 millions d'euros"), _one("600 km"))
    assert not same_measure(_one("huit avions"), _one("deux hélicoptères"))


# --- issue 9: figure forms outlets use (units as adjectives, ages, laps and ranks, death tolls) -------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "A 300-pound bear escaped from the park.",
            "en",
            ("300-pound bear", 300, 300, "lb", "bear", "exact"),
        ),
        (
            "The 30-ton, unpainted lorry crossed the bridge.",
            "en",
            ("30-ton, unpainted lorry", 30, 30, "ton", "lorry", "exact"),
        ),
        (
            "He hired a 12-tonne removal van for the move.",
            "en",
            ("12-tonne removal van", 12, 12, "t", "van", "exact"),
        ),
        (
            "A 90-kg (198-pound) sack fell off.",
            "en",
            ("90-kg (198-pound) sack", 90, 90, "kg", "sack", "exact"),
        ),
        ("The climber slipped 20ft down the slope.", "en", ("20ft", 20, 20, "ft", None, "exact")),
        ("The car was doing 70mph on the ring road.", "en", ("70mph", 70, 70, "mph", None, "exact")),
        ("Winds reached 30-35 mph overnight.", "en", ("30-35 mph", 30, 35, "mph", None, "range")),
        ("The van slowed to about 50 km/h.", "en", ("about 50 km/h", 45, 55, "km/h", None, "about")),
        ("The pit is 9 feet deep.", "en", ("9 feet", 9, 9, "ft", None, "exact")),
        ("The wall stands 6 feet (1.8-metres) tall.", "en", ("1.8-metres", 1.8, 1.8, "m", None, "exact")),
        ("The seal weighs 450 pounds.", "en", ("450 pounds", 450, 450, "lb", None, "exact")),
        ("He paid 450 pounds for the ticket.", "en", ("450 pounds", 450, 450, "GBP", None, "exact")),
        (
            '"We will rebuild," the 19-year-old told reporters.',
            "en",
            ("19-year-old", 19, 19, "year", "age", "exact"),
        ),
        ("Tom Baker, 61, was taken to hospital.", "en", ("61", 61, 61, "year", "age", "exact")),
        (
            "Un homme de 52 ans de nationalité belge a été interpellé.",
            "fr",
            ("52 ans", 52, 52, "year", "age", "exact"),
        ),
        ("Lucie, 27 ans, a témoigné devant la cour.", "fr", ("27 ans", 27, 27, "year", "age", "exact")),
        ("The leader retired on lap 31 with a puncture.", "en", ("lap 31", 31, 31, None, "lap", "exact")),
        ("Lap 40 The safety car comes in.", "en", ("Lap 40", 40, 40, None, "lap", "exact")),
        ("He spun in the 33rd lap of the race.", "en", ("33rd lap", 33, 33, None, "lap", "exact")),
        ("The race was stopped after 25 of 58 laps.", "en", ("25 of 58 laps", 25, 25, None, "lap", "exact")),
        (
            "It ended with 30 of 58 planned laps run.",
            "en",
            ("30 of 58 planned laps", 30, 30, None, "lap", "exact"),
        ),
        ("She fell back to 12th place after the stop.", "en", ("12th place", 12, 12, None, "place", "exact")),
        ("He climbed from 18th to fifth in the wet.", "en", ("18th", 18, 18, None, "place", "exact")),
        ("Il a abandonné au 12e tour sur casse moteur.", "fr", ("12e tour", 12, 12, None, "lap", "exact")),
        ("La course est neutralisée au tour 40.", "fr", ("tour 40", 40, 40, None, "lap", "exact")),
        ("Elle a fini à la 7e place du classement.", "fr", ("7e place", 7, 7, None, "place", "exact")),
        ("The death toll climbed to 63 on Sunday.", "en", ("63", 63, 63, None, "dead", "exact")),
        ("Le bilan humain est passé à 17 dans la nuit.", "fr", ("17", 17, 17, None, "dead", "exact")),
        ("Le bilan s'élève désormais à 9 morts.", "fr", ("9 morts", 9, 9, None, "mort", "exact")),
    ],
)
def test_numbers_reads_issue9_forms(text, lang, expected):
    q = _by_text(find_quantities(text, lang))[expected[0]]
    assert (q.text, q.low, q.high, q.unit, q.counted, q.approx) == pytest.approx(expected)
    assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The fair runs until the 15th of July, as in the 15th century.", "en"),
        ("Au 1er tour de la présidentielle puis au 2e tour, il a gagné.", "fr"),
        ("Il a remporté le Tour 2009, puis le 96e Tour de France.", "fr"),
        ("They met from 5th to 10th July on the 1st floor.", "en"),
        ("The talks resumed at 10:30 on Monday.", "en"),
        ("The Su-25 crashed during the COVID-19 pandemic in 2020.", "en"),
        ("Elle a répondu sur un ton ferme.", "fr"),
    ],
)
def test_numbers_issue9_excludes(text, lang):
    assert find_quantities(text, lang) == []


def test_numbers_durations_and_bare_figures_stay_what_they_are():
    days = _one("La nounou lui a menti pendant 13 jours.")
    assert (days.unit, days.counted) == ("day", None)
    prison = _by_text(find_quantities("Il risque trois ans d'emprisonnement."))["trois ans d'emprisonnement"]
    assert prison.counted == "emprisonnement"
    contract = _one("Il a signé un contrat de 5 ans.")
    assert (contract.unit, contract.counted) == ("year", None)
    # "bilan" alone may be a balance sheet; a figure after another clause is not the toll
    assert _one("Le bilan financier est passé à 12 cette année.").counted is None
    after = find_quantities("The death toll rose to 85, and 202 were injured.", "en")
    assert [q.counted for q in after] == ["dead", None]


def test_numbers_age_in_sample(sample_dir):
    text = _rpm2(sample_dir, "T10_C2_02")
    ages = [q for q in find_quantities(text) if q.value == 34]
    assert ages and all((q.unit, q.counted) == ("year", "age") for q in ages)


@pytest.mark.parametrize(
    ("a", "b", "same", "agree"),
    [
        ("a 400-pound gorilla", "a 450-pound gorilla", True, False),
        ("fell 15ft", "fell 10 to 12 feet", True, False),
        ("fell about 12 feet", "3.7-meters", True, True),  # a conversion rounded to the digits shown
        ("400-pound", "181-kg", True, True),
        ("450-pound", "181-kg", True, False),
        ("the 25-ton truck", "a 25-tonne truck", True, True),  # a short or long ton is about a tonne
        ("a 19-ton delivery truck", "a 25-tonne truck", True, False),
        ("at 40mph", "at 64 km/h", True, True),
        ("at 40mph", "at 20-25 mph", True, False),
        ("a 25-ton truck", "a 400-pound gorilla", False, False),
        ("on lap 20", "in the 28th lap", True, False),
        ("the death toll rose to 85.", "84 people were killed", True, False),
        ("a 10-day visit", "12 days", True, False),
    ],
)
def test_numbers_issue9_measures(a, b, same, agree):
    qa, qb = _one(a, "en"), _one(b, "en")
    assert same_measure(qa, qb) is same and same_measure(qb, qa) is same
    assert compatible(qa, qb) is agree and compatible(qb, qa) is agree


def test_numbers_unit_family():
    assert [unit_family(u) for u in ("lb", "ton", "t", "kg")] == ["mass"] * 4
    assert [unit_family(u) for u in ("ft", "m", "mi", "km")] == ["distance"] * 4
    assert unit_family("mph") == unit_family("km/h") == "speed"
    assert unit_family(None) == "count" and unit_family("USD") == "money"


def test_numbers_scaled_figures_are_rounded_to_their_last_digit():
    """ "750 millions" and "751 millions" can be one sum; "2,3 millions" and "2,6 millions" cannot."""
    assert compatible(_one("750 millions d'euros"), _one("751 millions d'euros"))
    assert compatible(_one("11 million documents", "en"), _one("11.5 million documents", "en"))
    assert not compatible(_one("2,3 millions de déplacés"), _one("2,6 millions de déplacés"))
    assert not compatible(_one("600 millions d'euros"), _one("695 millions d'euros"))
    assert not compatible(_one("80 morts"), _one("77 morts"))  # a count without a scale word is exact
    assert not compatible(_one("100 millions d'euros"), _one("140 millions d'euros"))  # ±5 % at most
    assert not compatible(_one("1 milliard d'euros"), _one("1,4 milliard d'euros"))
