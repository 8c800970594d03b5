"""Scraped page text (issue 23): the line model keeps the article's lines and drops the page's clutter.

Each file of ``tests/extract/scraped/`` is a page written for these tests, flattened one block per line the
way a crawl's text record gives it: ``text``, the lines that must be kept (``keep``) and dropped (``drop``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veille.extract import clean_scraped_text, lines
from veille.extract.clutter import split_lines
from veille.extract.scraped import segment_scraped_text

PAGES = sorted((Path(__file__).parent / "scraped").glob("*.json"))


@pytest.fixture(scope="module", params=PAGES, ids=[path.stem for path in PAGES])
def page(request):
    return json.loads(request.param.read_text(encoding="utf-8"))


def test_scraped_pages_exist():
    assert len(PAGES) >= 2


def test_scraped_article_kept_clutter_dropped(page):
    assert lines.bundled_model() is not None
    seg = segment_scraped_text(page["text"])
    assert [line for line in page["keep"] if line not in seg.body] == []
    kept = set(seg.head + seg.body)
    assert [line for line in page["drop"] if line in kept] == []


def test_scraped_clean_text_is_the_article(page):
    cleaned = clean_scraped_text(page["text"])
    paragraphs = cleaned.split("\n\n")
    assert all(line in paragraphs for line in page["keep"])
    assert not any(line in paragraphs for line in page["drop"])
    # the body starts at the article's first line: the menu, notices and share buttons above it stay out
    seg = segment_scraped_text(page["text"])
    assert seg.body[0] == page["keep"][0]
    assert seg.start == split_lines(page["text"]).index(page["keep"][0])
