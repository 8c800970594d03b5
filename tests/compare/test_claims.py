"""Claims cut from real articles and aligned across the two seeds."""

from __future__ import annotations

import shutil

from veille.compare.claims import align_claims, article_claims, class_tokens, content_words
from veille.group.copies import source_keys
from veille.group.events import story_events
from veille.model import Claim
from veille.store import open_store
from veille.text import sentences


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
        events = story_events(store, story.id, limit=100)
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
        links = [(d.article_id, d.other_id) for d in store.duplicate_links(story.articles)]
        facts = align_claims(claims, source_keys(story.articles, links))
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
    # a sentence may state two facts: 002's visit sentence ends "une première du genre pour un chef de la
    # diplomatie russe au Mali", which 000 says as "Jamais un chef de la diplomatie russe ne s'était rendu…"
    first = next(f for f in shared if any("Jamais" in c.text for c in f.claims))
    assert any("première du genre" in c.text and c.event_type == "visit" for c in first.claims)
    # 000's tête-à-tête and 002's planned "rencontre bilatérale entre les deux ministres" are one fact
    assert any(
        any("tête-à-tête" in c.text for c in f.claims)
        and any("rencontre bilatérale" in c.text for c in f.claims)
        for f in shared
    )


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


def test_claims_paraphrase_classes_give_one_token():
    """Event words of the trigger lexicon and the novelty words of data/paraphrases.tsv become one token."""
    meet = [
        content_words(t)
        for t in ("un tête-à-tête avec son homologue", "une rencontre bilatérale", "ils ont échangé")
    ]
    assert all("@meet" in words for words in meet)
    assert "@first" in content_words("Jamais un ministre ne s'était rendu à Niamey")
    assert "@first" in content_words("une première du genre pour un chef de la diplomatie")
    assert "@first" in content_words("the first-ever visit of a foreign minister")
    assert "@first" not in content_words("le Premier ministre a reçu le ministre")  # a title, not a novelty
    assert "@first" not in content_words("Il n'a jamais dit cela au ministre")  # a negation, not a novelty
    assert "@first" in content_words("une mobilisation du jamais vu à Niamey")
    assert class_tokens([]) == []


def test_claims_clauses_align_a_sentence_that_says_more():
    """Two long sentences sharing one clause are one fact; sentences sharing only common words are not."""
    one = Claim(
        "a",
        0,
        10,
        "Le ministre est arrivé lundi à Niamey, une première pour un chef de la diplomatie turque au Niger.",
    )
    other = Claim(
        "b", 0, 10,
        "Selon la présidence, qui a publié un long communiqué sur la coopération agricole et les échanges commerciaux,"
        " jamais un chef de la diplomatie turque ne s'était rendu au Niger.",
    )  # fmt: skip
    unrelated = Claim(
        "c",
        0,
        10,
        "Le ministre de l'agriculture a publié lundi un communiqué sur la saison des pluies au Niger.",
    )
    facts = align_claims([one, other, unrelated], {"a": "a", "b": "b", "c": "c"})
    shared = [f for f in facts if len(f.sources) > 1]
    assert [sorted(c.article_id for c in f.claims) for f in shared] == [["a", "b"]]


def test_claims_two_sentences_of_one_event_fact_never_meet_again():
    """Sentences of an event fact may each join one fact by their words, never one holding two of them."""
    text = "Le ministre turc est arrivé lundi à Niamey pour une visite de deux jours au Niger."
    claims = [
        Claim("a", 0, len(text), text, event_id="E1"),
        Claim("b", 0, len(text), text),
        Claim("c", 0, len(text), text, event_id="E1"),
        Claim("d", 0, len(text), text),
    ]
    facts = align_claims(claims, {k: k for k in "abcd"})
    by_text = [f for f in facts if f.matched_by == "text"]
    assert all(sum(c.event_id == "E1" for c in f.claims) <= 1 for f in by_text)
    assert any(f.matched_by == "event" and {c.article_id for c in f.claims} == {"a", "c"} for f in facts)
