"""Bad input never crashes or hangs the extractor (issue 4): each case ends in an Article or a coded error.

Inputs are real bytes built here and go through extract_article, which trims them with ``guard`` first.
A SIGALRM watchdog in the main thread turns a hang into a failure.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from veille.errors import ExtractionError, TooLargeError, VeilleError
from veille.extract import guard
from veille.extract.article import extract_article
from veille.ingest.encoding import decode_mixed_utf8
from veille.model import Article, Document

SENTENCE = (
    "Le conseil municipal a voté mardi soir le budget de la ville, après un débat de trois heures sur la "
    "rénovation des écoles et le prix des cantines, que l'opposition juge trop élevé."
)
PARAS = "".join(f"<p>{SENTENCE}</p>\n" for _ in range(5))


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail the test when the block runs longer than ``seconds`` (main thread only)."""

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"extraction took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _doc(raw: bytes, media_type: str = "text/html", hints: dict[str, str] | None = None) -> Document:
    return Document.from_bytes(raw, media_type=media_type, source="test", container="test", hints=hints)


def _page(body: str, title: str = "Le budget de la ville") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def _extract(doc: Document) -> Article:
    """extract_article itself: the guard is part of it."""
    return extract_article(doc)


def test_bad_input_nested_divs_keep_their_text() -> None:
    doc = _doc(_page("<div>" * 100_000 + PARAS + "</div>" * 100_000))
    with deadline(10):
        article = _extract(doc)
    assert "rénovation des écoles" in article.text


def test_bad_input_unclosed_tags_keep_every_paragraph() -> None:
    body = "".join(f"<div><p><span><b>Paragraphe {i}. {SENTENCE}" for i in range(600))
    doc = _doc(b"<html><head><title>Le budget</title></head><body>" + body.encode())
    with deadline(10):
        article = _extract(doc)
    # Without flattening, the parser drops everything nested past 256 elements.
    assert "Paragraphe 599." in article.text


def test_bad_input_nested_tables_keep_their_text() -> None:
    doc = _doc(_page("<table><tr><td>" * 20_000 + PARAS + "</td></tr></table>" * 20_000))
    with deadline(10):
        article = _extract(doc)
    assert "prix des cantines" in article.text


def test_bad_input_page_without_body_is_read() -> None:
    with deadline(5):
        article = _extract(_doc(PARAS.encode() * 2))
    assert "débat de trois heures" in article.text


def test_bad_input_broken_markup_is_read() -> None:
    raw = b"<html><<<>>><p>Le conseil <b>municipal</i> a vot\xc3\xa9 </div></body><p " + PARAS.encode() * 2
    with deadline(5):
        article = _extract(_doc(raw + b"<!-- unterminated"))
    assert "débat de trois heures" in article.text


def test_bad_input_markup_that_breaks_the_metadata_reader_keeps_the_text() -> None:
    # found by the long fuzz run: lxml asserts inside htmldate on this prefix; the text is read without metadata
    with deadline(10):
        article = _extract(_doc(b"<svg onload=x><html><body>" + PARAS.encode() + b"</body></html>"))
    assert "prix des cantines" in article.text


def test_bad_input_unclosed_title_is_no_article() -> None:
    # Browsers read everything after an unclosed <title> as the title: there is no body to show.
    with deadline(5), pytest.raises(ExtractionError) as err:
        _extract(_doc(b"<html><head><title>x" + PARAS.encode() * 4))
    assert err.value.code == "no_article"


def test_bad_input_50_mb_page_is_too_large() -> None:
    raw = _page(f"<p>{SENTENCE}</p>\n" * 260_000)
    assert len(raw) > 50_000_000
    with deadline(5), pytest.raises(TooLargeError) as err:
        _extract(_doc(raw))
    assert err.value.code == "too_large"


def test_bad_input_19_mb_page_is_cut_and_bounded() -> None:
    raw = _page("".join(f"<p>Paragraphe {i}. {SENTENCE}</p>\n" for i in range(90_000)))
    assert 19_000_000 < len(raw) < 20_000_000
    with deadline(20):
        article = _extract(_doc(raw))
    assert article.text.count("Paragraphe") < 98_000
    assert "Paragraphe 10. Le conseil" in article.text


def test_bad_input_navigation_only_page_is_no_article() -> None:
    items = "".join(f'<li><a href="/rubrique/{i}">Rubrique numéro {i}</a></li>' for i in range(300))
    doc = _doc(_page(f"<nav><ul>{items}</ul></nav><div><ul>{items}</ul></div>"))
    with deadline(10), pytest.raises(ExtractionError) as err:
        _extract(doc)
    assert err.value.code == "no_article"


def test_bad_input_200k_links_are_bounded() -> None:
    links = "".join(f'<a href="/p/{i}">lien {i}</a> ' for i in range(200_000))
    with deadline(20):
        article = _extract(_doc(_page(PARAS + f"<div>{links}</div>")))
    assert "débat de trois heures" in article.text


def test_bad_input_mixed_utf8_and_cp1252_reads_both() -> None:
    raw = _page(PARAS).replace(b"</body>", "<p>Un élève a été récompensé.</p></body>".encode("cp1252"))
    with deadline(5):
        article = _extract(_doc(raw))
    assert "rénovation des écoles" in article.text
    assert "Un élève a été récompensé." in article.text
    assert "\ufffd" not in article.text


def test_bad_input_mixed_decoding_counts_the_cp1252_bytes() -> None:
    raw = "Rénovation des écoles : ".encode() + "élève récompensé".encode("cp1252")
    decoded = decode_mixed_utf8(raw, declared=False)
    assert decoded is not None and (decoded.text, decoded.repaired) == (
        "Rénovation des écoles : élève récompensé",
        4,
    )
    assert decode_mixed_utf8("élève récompensé".encode("cp1252"), declared=False) is None
    assert decode_mixed_utf8("élève".encode(), declared=False) is None


@pytest.mark.parametrize(
    ("lang", "sentence", "needle"),
    [
        ("zh", "市议会周二晚上投票通过了该市的预算，经过三个小时关于学校翻新和食堂价格的辩论。", "市议会"),
        ("ar", "صوت المجلس البلدي مساء الثلاثاء على ميزانية المدينة بعد نقاش دام ثلاث ساعات. ", "المجلس"),
    ],
)
def test_bad_input_unsupported_language_keeps_its_text(lang: str, sentence: str, needle: str) -> None:
    body = "".join(f"<p>{sentence * 3}</p>" for _ in range(6))
    with deadline(5):
        article = _extract(_doc(_page(body, title=sentence[:20])))
    assert needle in article.text
    assert len(article.text) > len(sentence) * 6


def test_bad_input_5_mb_single_line_text_is_bounded() -> None:
    raw = " ".join(f"Phrase {i}. {SENTENCE}" for i in range(27_000)).encode()
    assert len(raw) > 5_000_000 and b"\n" not in raw
    with deadline(20):
        article = _extract(_doc(raw, "text/plain"))
    assert "Phrase 0. Le conseil" in article.text
    assert max(len(p) for p in article.text.split("\n\n")) <= guard.MAX_LINE_CHARS


def test_bad_input_1_mb_repeated_line_text_is_bounded() -> None:
    raw = (SENTENCE + "\n").encode() * (1_000_000 // len(SENTENCE.encode()))
    with deadline(15):
        article = _extract(_doc(raw, "text/plain"))
    assert SENTENCE in article.text


def test_bad_input_empty_and_binary_are_coded() -> None:
    for raw, code in [(b"   \n ", "empty_input"), (b"\x00\x01\x02" * 1000, "not_text")]:
        with pytest.raises(VeilleError) as err:
            _extract(_doc(raw))
        assert err.value.code == code


def test_bad_input_page_within_budget_is_untouched() -> None:
    html = _page("<script>var a = '<div><div><div>';</script>" + PARAS).decode()
    assert guard.prepare_html(html) == (html, [])
    text = SENTENCE + "\n" + SENTENCE
    assert guard.prepare_text(text) == (text, [])


def test_bad_input_prepare_html_cuts_at_its_budget() -> None:
    html = _page("<script>" + "x" * 5000 + "</script>" + PARAS * 100).decode()
    out, notes = guard.prepare_html(html, max_chars=10_000)
    assert len(out) <= 10_000 and "<script>" not in out
    assert any(note.startswith("cut:") for note in notes)


def test_a_long_line_is_split_at_sentence_ends_losing_no_character():
    """A scraped line of many sentences is cut at sentence ends (veille.text.sentences): a closing quote mark
    after the stop stays with its sentence, and every word is kept."""
    from veille.extract.guard import prepare_text

    said = "« Nous ne partirons pas », a déclaré le ministre. «La sécurité d'abord.» Puis il est reparti (à 18 h.) "
    line = said * 40
    text, notes = prepare_text(line.strip(), max_line_chars=500)
    assert notes and all(len(piece) <= 500 for piece in text.split("\n"))
    assert text.count("»") == line.count("»") and text.split() == line.split()
    assert "«La sécurité d'abord.»" in text and "(à 18 h.)" in text
