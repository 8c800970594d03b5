"""The pieces the pages are drawn from: evidence spans, the annotated text, the timeline chart, safe links."""

from __future__ import annotations

import pytest

from veille.model import Claim, TimelineEntry
from veille.serve.app import ApiError
from veille.serve.pages import (
    Mark,
    blocks,
    evidence_url,
    parse_spans,
    safe_url,
    segments,
    timeline_chart,
)

TEXT = (
    "Le ministre russe des Affaires étrangères Sergueï Lavrov est arrivé au Mali le lundi 06 février 2023 "
    "pour une visite de deux jours."
)


def test_segments_rebuild_the_text_and_carry_every_mark_over_its_words():
    lavrov = TEXT.index("Sergueï Lavrov")
    monday = TEXT.index("lundi 06 février 2023")
    marks = [
        Mark(lavrov, lavrov + len("Sergueï Lavrov"), "ent ent-PER", "PER: Sergueï Lavrov", "/entities/per:x"),
        Mark(monday, monday + len("lundi 06 février 2023"), "time", "DATE: 2023-02-06"),
    ]
    pieces = segments(TEXT, marks)
    assert "".join(p.text for p in pieces) == TEXT
    person = next(p for p in pieces if p.text == "Sergueï Lavrov")
    assert person.href == "/entities/per:x" and "ent-PER" in person.classes
    assert next(p for p in pieces if p.text == "lundi 06 février 2023").notes == ["DATE: 2023-02-06"]


def test_each_requested_span_is_one_block_the_first_anchored():
    lavrov = TEXT.index("Sergueï Lavrov")
    marks = [Mark(lavrov, lavrov + len("Sergueï Lavrov"), "ent ent-PER", "PER", "/entities/per:x")]
    spans = [(lavrov - 10, lavrov + 30), (len(TEXT) - 10, len(TEXT))]
    found = blocks(TEXT, marks, spans)
    assert "".join(p.text for b in found for p in b.segments) == TEXT
    marked = [(b.anchor, "".join(p.text for p in b.segments)) for b in found if b.anchor]
    assert marked == [("hl", TEXT[lavrov - 10 : lavrov + 30]), ("hl-2", TEXT[-10:])]
    # the entity inside the first span keeps its own mark
    assert any(p.text == "Sergueï Lavrov" and p.href for p in found[1].segments)


def test_segments_ignore_marks_outside_the_text():
    pieces = segments("court", [Mark(3, 99, "hl", ""), Mark(-1, 2, "hl", "")])
    assert "".join(p.text for p in pieces) == "court" and not any(p.classes for p in pieces)


def test_spans_are_read_clipped_merged_and_refused_when_malformed():
    assert parse_spans(["31-162", "5-20", "400-450", "9-9", "250-500"], 300) == [
        (5, 20),
        (31, 162),
        (250, 300),
    ]
    assert parse_spans(["10-40", "30-60", "60-70"], 300) == [(10, 70)]
    with pytest.raises(ApiError) as caught:
        parse_spans(["31-"], 300)
    assert caught.value.status == 422 and caught.value.code == "bad_parameter"
    assert evidence_url("abc", [(1, 2), (3, 4)]) == "/articles/abc?span=1-2&span=3-4#hl"


def test_only_web_addresses_become_links():
    assert safe_url("https://actuniger.com/a.html") == "https://actuniger.com/a.html"
    for hostile in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "",
        None,
    ):
        assert safe_url(hostile) is None


def _entry(when: str | None, sources: int = 1) -> TimelineEntry:
    claim = Claim(article_id="a1", start=10, end=20, text="x")
    return TimelineEntry(when, "visit", "label", "e", tuple(f"s{i}" for i in range(sources)), (claim,))


def test_timeline_chart_places_dates_in_order_and_keeps_the_undated_apart():
    chart = timeline_chart([_entry("2023-02-07"), _entry("2022-03"), _entry(None), _entry("2023-02-07", 3)])
    assert [p.entry.when for p in chart.points] == ["2022-03", "2023-02-07", "2023-02-07"]
    xs = [p.x for p in chart.points]
    assert xs[0] < xs[1] == xs[2]  # same day, same x, stacked
    assert chart.points[1].y != chart.points[2].y and chart.points[2].r > chart.points[1].r
    assert all(0 <= p.x <= chart.width and 0 <= p.y <= chart.height for p in chart.points)
    assert [e.when for e in chart.undated] == [None]
    assert chart.points[0].href == "/articles/a1?span=10-20#hl"
    assert timeline_chart([_entry("pas une date")]).points == ()
