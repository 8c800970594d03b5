from __future__ import annotations

from datetime import date

import pytest

from veille.understand.dates import resolve_times

MONDAY = date(2023, 2, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Il est arrivé le lundi 06 février 2023 à Bamako.", ["2023-02-06"]),
        ("Visite les 06 et 07 février 2023.", ["2023-02-06", "2023-02-07"]),
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
    ],
)
def test_dates_rules_resolve(text, expected):
    times = resolve_times(text, MONDAY)
    assert [t.value for t in times] == expected
    for t in times:
        assert text[t.start : t.end] == t.text


def test_dates_anchor_to_first_full_date_when_unpublished():
    text = "Le 3 mars 2021, il est arrivé. La veille, hier donc, il était à Dakar."
    times = resolve_times(text, None)
    hier = next(t for t in times if t.text == "hier")
    assert hier.value == "2021-03-02" and hier.anchor == "2021-03-03"
    assert resolve_times("Il est parti hier.", None)[0].value is None
