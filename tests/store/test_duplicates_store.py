"""Duplicate links listed with both articles, filtered by kind, article and story."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from veille.errors import UsageError
from veille.model import Article, Document, DuplicateLink, Story, article_id


def _put(store, text: str, outlet: str, day: date) -> str:
    doc = Document.from_bytes(
        text.encode(),
        media_type="text/plain",
        source=outlet,
        container="t",
        received=datetime(2023, 2, 6, tzinfo=UTC),
    )
    store.add_document(doc)
    art = Article(
        id=article_id(doc.id), content_id=doc.id, text=text, outlet=outlet, published=day, title=text[:20]
    )
    store.put_article(art)
    return art.id


def test_duplicates_store_list_and_filters(store):
    wire = "Bamako (AFP) - Le ministre russe est arrivé lundi à Bamako pour une visite de deux jours."
    a = _put(store, wire, "afp.com", date(2023, 2, 6))
    b = _put(store, wire + " Lire aussi nos autres articles.", "site-b", date(2023, 2, 6))
    c = _put(store, "Le ministre russe " + wire, "site-c", date(2023, 2, 7))
    other = _put(store, "Une autre histoire à Niamey, sans rapport.", "site-d", date(2023, 2, 7))
    store.add_duplicates([DuplicateLink(b, a, "near", 0.93), DuplicateLink(c, a, "syndicated", 0.71)])
    store.put_story(Story(id="s1", label="visite", articles=(a, b, c)))
    store.put_story(Story(id="s2", label="autre", articles=(other,)))
    links = store.list_duplicates()
    assert [(d.article_id, d.other_id, d.kind) for d in links] == [(b, a, "near"), (c, a, "syndicated")]
    assert links[0].outlet == "site-b" and links[0].other_outlet == "afp.com"
    assert links[1].other_published == date(2023, 2, 6)
    assert [d.kind for d in store.list_duplicates(kind="syndicated")] == ["syndicated"]
    assert (
        len(store.list_duplicates(article_id=a)) == 2
    )  # the copied article, on the other side of both links
    assert len(store.list_duplicates(article_id=c[:8])) == 1
    assert len(store.list_duplicates(story_id="s1")) == 2
    assert store.list_duplicates(story_id="s2") == []
    assert len(store.list_duplicates(limit=1)) == 1
    with pytest.raises(UsageError):
        store.list_duplicates(story_id="nostory")
