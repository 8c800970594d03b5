"""Property-based tests of the readers after ingest: HTML and scraped-text extraction, dates, quantities.

Each never raises anything but its documented errors (extract_article: VeilleError) and keeps its
invariants: spans lie inside the text they point into, an impossible date is never read as another day.
"""

from __future__ import annotations

import calendar
import datetime

from fuzzing import budget, html_text, news_text
from hypothesis import given
from hypothesis import strategies as st

from veille.errors import VeilleError
from veille.extract.article import extract_article
from veille.extract.metadata import find_lead_date, parse_date_value
from veille.extract.pubdate import find_publication_date, impossible_days
from veille.extract.scraped import clean_scraped_text, segment_scraped_text
from veille.ingest.feeds import impossible_date
from veille.model import Article, Document
from veille.understand.quantities import find_quantities

PARAGRAPH = (
    "Le ministre a été reçu mardi à Bamako, où il a rencontré son homologue pour parler de la sécurité "
    "dans la région des trois frontières, a indiqué un communiqué publié le soir même."
)


def _article(raw: bytes, media_type: str) -> Article | None:
    doc = Document.from_bytes(raw, media_type=media_type, source="fuzz", container="test")
    try:
        article = extract_article(doc)
    except VeilleError:
        return None
    assert isinstance(article.text, str) and article.content_id == doc.id
    return article


@budget(25)
@given(before=html_text, after=html_text, raw_tail=st.binary(max_size=200))
def test_fuzz_extract_html_never_raises(before: str, after: str, raw_tail: bytes) -> None:
    page = f"<html><head><title>Visite</title></head><body>{before}<p>{PARAGRAPH}</p>{after}</body></html>"
    article = _article(page.encode("utf-8") + raw_tail, "text/html")
    if article is not None and "<" not in before + after and "&" not in before + after:
        assert "rencontré son homologue" in article.text


@budget(25)
@given(lines=st.lists(st.one_of(news_text, st.just(PARAGRAPH)), max_size=20))
def test_fuzz_extract_scraped_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    seg = segment_scraped_text(text)
    assert all(isinstance(line, str) for line in seg.head + seg.body + seg.tail)
    cleaned = clean_scraped_text(text)
    assert isinstance(cleaned, str)
    _article(text.encode("utf-8", "surrogatepass"), "text/plain")


days = st.dates(min_value=datetime.date(1995, 1, 1), max_value=datetime.date(2025, 12, 31))


@budget(60)
@given(value=st.one_of(news_text, st.text(max_size=40)))
def test_fuzz_dates_parse_any_text(value: str) -> None:
    found = parse_date_value(value)
    assert found is None or isinstance(found, datetime.date)
    lead = find_lead_date(value)
    assert lead is None or lead.year >= 1990
    impossible_date(value)
    impossible_days(value)


@budget(60)
@given(day=days, time=st.sampled_from(["", "T10:00:00Z", "T23:59:00+01:00", " 08:00"]))
def test_fuzz_dates_valid_iso_read_as_written(day: datetime.date, time: str) -> None:
    assert parse_date_value(day.isoformat() + time) == day


@budget(40)
@given(year=st.integers(1995, 2025), month=st.integers(1, 12), extra=st.integers(1, 4))
def test_fuzz_dates_impossible_day_is_no_date(year: int, month: int, extra: int) -> None:
    day = calendar.monthrange(year, month)[1] + extra
    if day > 31:
        return
    written = f"{year}-{month:02d}-{day:02d}"
    assert parse_date_value(written) is None
    assert impossible_date(written)
    page = (
        f'<html><head><meta property="article:published_time" content="{written}T10:00:00Z"></head>'
        f"<body><article><p>Publié le {day:02d}/{month:02d}/{year}. {PARAGRAPH}</p></article></body></html>"
    )
    finding = find_publication_date(page)
    # Never another day of that month (htmldate alone says the 1st).
    assert finding is None or (finding.value.year, finding.value.month) != (year, month)


@budget(25)
@given(before=html_text, day=days)
def test_fuzz_dates_publication_date_any_markup(before: str, day: datetime.date) -> None:
    page = f'<html><head><meta property="article:published_time" content="{day}T10:00:00Z"></head><body>{before}</body></html>'
    finding = find_publication_date(page)
    assert finding is None or isinstance(finding.value, datetime.date)
    find_publication_date(before)


@budget(80)
@given(text=st.one_of(news_text, st.text(max_size=80)), lang=st.sampled_from(["fr", "en", "de", "", "fr-FR"]))
def test_fuzz_quantities_spans_inside_text(text: str, lang: str) -> None:
    for quantity in find_quantities(text, lang):
        assert 0 <= quantity.start < quantity.end <= len(text)
        assert text[quantity.start : quantity.end] == quantity.text
        assert quantity.low <= quantity.value <= quantity.high
    # Idempotent: the same text is read the same way again.
    assert find_quantities(text, lang) == find_quantities(text, lang)


numbers = st.one_of(
    st.integers(0, 10**9).map(str),
    st.integers(0, 10**6).map(lambda n: f"{n:,}".replace(",", " ")),
    st.floats(0, 10**6, allow_nan=False).map(lambda x: f"{x:.2f}".replace(".", ",")),
)


@budget(60)
@given(
    number=numbers,
    hedge=st.sampled_from(["", "au moins ", "près de ", "environ ", "plus de "]),
    unit=st.sampled_from(["morts", "millions d'euros", "km", "ans", "personnes", "%"]),
)
def test_fuzz_quantities_written_figures(number: str, hedge: str, unit: str) -> None:
    text = f"Selon le bilan, {hedge}{number} {unit} ont été recensés mardi."
    for quantity in find_quantities(text, "fr"):
        assert text[quantity.start : quantity.end] == quantity.text
        assert quantity.low <= quantity.value <= quantity.high
