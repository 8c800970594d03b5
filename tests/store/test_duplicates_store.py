"""Duplicate links listed with both articles, filtered by kind, article and story."""

from __future__ import annotations

from datetime import date

import pytest

from veille.errors import UsageError
from veille.model import DuplicateLink, Story
from veille.pipeline import count_sources, list_stories


def test_duplicates_store_list_and_filters(store, put_text):
    wire = "Bamako (AFP) - Le ministre russe est arrivé lundi à Bamako pour une visite de deux jours."
    a = put_text(store, wire, "afp.com", date(2023, 2, 6))
    b = put_text(store, wire + " Lire aussi nos autres articles.", "site-b", date(2023, 2, 6))
    c = put_text(store, "Le ministre russe " + wire, "site-c", date(2023, 2, 7))
    other = put_text(store, "Une autre histoire à Niamey, sans rapport.", "site-d", date(2023, 2, 7))
    store.add_duplicates([DuplicateLink(b, a, "near", 0.93), DuplicateLink(c, a, "syndicated", 0.71)])
    store.put_story(Story(id="s1", label="visite", articles=(a, b, c)))
    store.put_story(Story(id="s2", label="autre", articles=(other,)))
    # two copies of one wire text: one source (counted from the stored links by pipeline.count_sources)
    assert store.get_story("s1").sources is None
    assert [s.sources for s in count_sources(store, [store.get_story("s1"), store.get_story("s2")])] == [1, 1]
    assert {s.id: s.sources for s in list_stories(store)} == {"s1": 1, "s2": 1}
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
