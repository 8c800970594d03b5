"""Relative and underspecified time expressions (issue 23): tense from the parse, the right anchor (the
article's day or the last time the text named), seasons, ranges and spans. Sentences written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from veille.understand.dates import resolve_times
from veille.understand.nlp import prepare_text

THURSDAY = date(2024, 3, 14)


def values(text: str, anchor: date | None, nlp) -> list[tuple[str, str | None]]:
    doc = nlp(prepare_text(text, "fr"))
    return [(t.text, t.value) for t in resolve_times(text, anchor, doc=doc)]


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("Le ministre a reçu lundi les représentants des syndicats.", "2024-03-11"),
        ("Le ministre recevra lundi les représentants des syndicats.", "2024-03-18"),
        # a periphrase: the tense is the one of "va", "doit", "vient de"
        ("Le ministre va recevoir lundi les représentants des syndicats.", "2024-03-18"),
        ("Le ministre doit se rendre lundi à Niamey.", "2024-03-18"),
        ("Le convoi vient de quitter lundi la ville de Gao.", "2024-03-11"),
    ],
)
def test_dates_weekday_follows_the_tense(nlp, text, monday):
    assert values(text, THURSDAY, nlp) == [("lundi", monday)]


def test_dates_last_and_next_month_across_a_year_boundary(nlp):
    assert values(
        "Les prix ont flambé le mois dernier sur les marchés de Ouagadougou.", date(2024, 1, 9), nlp
    ) == [("le mois dernier", "2023-12")]
    assert values("Le sommet se tiendra le mois prochain à Abuja.", date(2024, 12, 20), nlp) == [
        ("le mois prochain", "2025-01")
    ]
    assert values(
        "La récolte fut maigre l'an dernier ; cette année s'annonce meilleure.", date(2024, 1, 9), nlp
    ) == [
        ("l'an dernier", "2023"),
        ("cette année", "2024"),
    ]


def test_dates_seasons_take_timeml_values(nlp):
    got = values(
        "Les pluies de l'été dernier ont emporté deux ponts ; les travaux reprendront à l'automne "
        "et s'achèveront au printemps 2026.",
        date(2024, 6, 10),
        nlp,
    )
    assert got == [("l'été dernier", "2023-SU"), ("l'automne", "2024-FA"), ("printemps 2026", "2026-SP")]


def test_dates_ranges_and_spans(nlp):
    got = values(
        "La mission se déroulera du 3 au 17 juillet, puis l'équipe restera deux semaines à Niamey. "
        "Les combats avaient duré dix-huit mois ; au cours des trois derniers mois, la ville est restée calme.",
        date(2024, 6, 10),
        nlp,
    )
    assert ("3", "2024-07-03") in got and ("17 juillet", "2024-07-17") in got
    assert ("deux semaines", "P2W") in got
    assert ("dix-huit mois", "P18M") in got  # not "huit mois"
    assert ("trois derniers mois", "P3M") in got
    assert values("La transition doit durer quatre-vingt-dix jours.", date(2024, 6, 10), nlp) == [
        ("quatre-vingt-dix jours", "P90D")
    ]


def test_dates_veille_and_lendemain_take_the_last_day_named(nlp):
    text = (
        "Le 12 mars, les enquêteurs ont perquisitionné le siège du parti. La veille, son président avait "
        "quitté le pays. Le lendemain, ses avocats ont dénoncé un acharnement."
    )
    assert values(text, date(2024, 6, 10), nlp) == [
        ("Le 12 mars", "2024-03-12"),
        ("La veille", "2024-03-11"),
        ("Le lendemain", "2024-03-13"),
    ]


def test_dates_shifts_count_from_the_last_time_named(nlp):
    text = (
        "Le 5 juin, un camp militaire a été attaqué près de Djibo. Deux jours plus tard, l'armée a riposté ; "
        "trois semaines auparavant, des menaces avaient circulé."
    )
    got = values(text, date(2024, 6, 20), nlp)
    assert ("Deux jours plus tard", "2024-06-07") in got
    assert ("trois semaines auparavant", "2024-05-15") in got
    # the year after the one just named, not after the article's
    got = values(
        "En 2019, le dialogue avait échoué ; l'année suivante, un accord fut signé.", date(2024, 6, 10), nlp
    )
    assert ("l'année suivante", "2020") in got
    # "trois jours avant le scrutin" counts from an event, not from a date: only its span is kept
    got = values("Trois jours avant le scrutin, le 9 juin, la campagne s'est close.", date(2024, 6, 20), nlp)
    assert ("Trois jours", "P3D") in got


def test_dates_underspecified_day_takes_the_year_the_tense_points_to(nlp):
    assert values("Il a été élu le 20 décembre avec 58 % des voix.", date(2024, 1, 5), nlp) == [
        ("le 20 décembre", "2023-12-20")
    ]
    assert values("Le scrutin aura lieu le 25 février, a annoncé la commission.", date(2024, 1, 5), nlp) == [
        ("le 25 février", "2024-02-25")
    ]


def test_dates_centuries_parts_of_day_and_week_edges(nlp):
    got = values(
        "Au XIXe siècle, la ville était un carrefour. L'assaut a eu lieu dans la matinée de dimanche ; "
        "en début de semaine, une patrouille avait été visée.",
        date(2024, 6, 12),
        nlp,
    )
    assert ("XIXe siècle", "18") in got
    assert ("la matinée de dimanche", "2024-06-09TMO") in got
    assert ("début de semaine", "2024-W24") in got


def test_dates_parts_of_a_year_and_spans_from_now(nlp):
    got = values(
        "Au premier semestre 2024, les exportations d'or ont chuté ; au troisième trimestre, elles ont repris.",
        date(2024, 11, 4),
        nlp,
    )
    assert got == [("premier semestre 2024", "2024-H1"), ("troisième trimestre", "2024-Q3")]
    got = values("Dans un mois, un accord devrait être signé à Lomé.", date(2024, 6, 10), nlp)
    assert got == [("Dans un mois", "2024-07")]
    assert values("Il est arrivé dans un jour de grande affluence.", date(2024, 6, 10), nlp) == []
