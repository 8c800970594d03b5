"""Claims cut from real articles and aligned across the two seeds."""

from __future__ import annotations

import shutil

from veille.compare.claims import align_claims, article_claims, sentences
from veille.store import open_store


def test_claims_sentences_keep_abbreviations_and_offsets(seed_texts):
    text = "M. Diop a reçu M. Lavrov. Ils ont parlé de sécurité ! « Nous continuerons », a dit le ministre."
    got = sentences(text)
    assert [s.text for s in got] == [
        "M. Diop a reçu M. Lavrov.",
        "Ils ont parlé de sécurité !",
        "« Nous continuerons », a dit le ministre.",
    ]
    for text in seed_texts.values():
        assert all(text[s.start : s.end] == s.text for s in sentences(text))


def test_claims_of_the_seeds_carry_events_figures_and_attribution(seeds_db, tmp_path):
    db = tmp_path / "seeds.db"
    shutil.copy(seeds_db, db)
    store = open_store(str(db))
    try:
        [story] = store.list_stories()
        events = store.story_events(story.id, limit=100)
        event_of = {
            (e.rsplit(":", 1)[0], int(e.rsplit(":", 1)[1])): se.event_id for se in events for e in se.events
        }
        articles = list(store.iter_articles(story.articles))
        claims = [c for a in articles for c in article_claims(a, store.get_analysis(a.id), event_of)]
        texts = {a.id: a.text for a in articles}
        assert all(texts[c.article_id][c.start : c.end] == c.text for c in claims)
        assert not any(
            "Commentaires" in c.text or "vues" in c.text for c in claims
        )  # page clutter is no claim
        delivery = next(c for c in claims if "Su-25" in c.text)
        assert delivery.event_type == "deliver" and any("dizaine" in f for f in delivery.figures)
        assert "2023-01" in delivery.dates
        wagner = next(c for c in claims if "mercenaires" in c.text)
        assert wagner.attributed_to is not None  # not the outlet's own voice (two voices: the first is named)
        facts = align_claims(claims, store._source_keys(story.articles))
    finally:
        store.close()
    shared = [f for f in facts if f.coverage == "all"]
    assert any(f.matched_by == "event" and f.claims[0].event_type == "visit" for f in shared)
    cooperation = next(f for f in shared if "volonté ferme" in f.claims[0].text)
    assert cooperation.matched_by == "text" and len(cooperation.claims) == 2
    assert all(len({c.article_id for c in f.claims}) == len(f.claims) for f in facts)  # one claim per source
    only = [f for f in facts if f.coverage == "one"]
    assert any("commandeur" in f.claims[0].text for f in only)
    assert any("Su-25" in f.claims[0].text for f in only)


def test_claims_a_copy_is_not_a_second_source():
    """A copy gives no claim of its own: the fact both sources give is shared by all, none is "only" the copy's."""
    from datetime import date

    from veille.compare import build_comparison
    from veille.model import Article, DuplicateLink, Story

    one = "Le ministre a annoncé la libération de douze otages à Niamey lundi matin."
    other = "Douze otages ont été libérés à Niamey lundi, a annoncé le ministre de la défense."
    articles = [
        Article(id=i, content_id=i, text=t, title="", outlet=o, published=date(2023, 2, 6))
        for i, t, o in (("a", one, "one.ne"), ("a2", one, "copy.ne"), ("b", other, "two.ml"))
    ]
    comparison = build_comparison(
        Story("s", "otages", ("a", "a2", "b")), articles, {}, [DuplicateLink("a2", "a", "exact", 1.0)]
    )
    assert comparison.sources == 2
    assert all(c.article_id != "a2" for f in comparison.facts for c in f.claims)
    [fact] = comparison.facts
    assert fact.coverage == "all" and fact.sources == ("a", "b")


def test_claims_descriptions_lose_only_their_determiner():
    from veille.compare.framing import _strip_determiner

    assert _strip_determiner("une armée") == "armée"
    assert _strip_determiner("l'armée malienne") == "armée malienne"
    assert _strip_determiner("les autorités de transition") == "autorités de transition"
    assert _strip_determiner("autorités de transition") == "autorités de transition"
    assert _strip_determiner("unité spéciale") == "unité spéciale"
