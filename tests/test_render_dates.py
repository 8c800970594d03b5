from __future__ import annotations

from datetime import date

from veille.render import _dated
from veille.understand.dates import resolve_times


def test_render_dates_day_range_shown_once_and_noise_left_out():
    text = "Lavrov séjournera à Bamako les 6 et 7 février 2023. Désormais, la coopération se renforce."
    times = [(t.text, t.start, t.end, t.value) for t in resolve_times(text, date(2023, 2, 4))]
    assert _dated(times) == ["les 6 – 7 février 2023 → 2023-02-06 – 2023-02-07"]
