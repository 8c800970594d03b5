"""Quantities read from real sentences (the seeds, the bundled French sample, English news-style lines)."""

from __future__ import annotations

import math

import pytest

from veille.compare.numbers import Quantity, compatible, find_quantities, same_measure


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
    assert (q.value, q.low, q.high, q.unit, q.approx) == (600e6, 600e6, 600e6, "EUR", "exact")
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
        ("The bank lost $5bn in the crisis.", "en", ("$5bn", 5e9, 5e9, "USD", None, "exact")),
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
