from __future__ import annotations

from datetime import date

from veille.render import _dated
from veille.understand.dates import resolve_times


def test_render_dates_day_range_shown_once_and_noise_left_out():
    text = "Lavrov séjournera à Bamako les 6 et 7 février 2023. Désormais, la coopération se renforce."
    assert _dated(resolve_times(text, date(2023, 2, 4))) == ["les 6 – 7 février 2023 → 2023-02-06/2023-02-07"]
    apart = resolve_times("Il était à Gao le 8 mars, puis le 6 mars à Kidal.", date(2023, 3, 20))
    assert _dated(apart) == ["le 8 mars → 2023-03-08", "le 6 mars → 2023-03-06"]
