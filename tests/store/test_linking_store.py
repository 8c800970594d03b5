"""Automatic cross-article links in the SQLite registry: surnames, spelling variants, order, hand edits win.

The links are made by the link step (``veille.understand.crosslink``), run here after each change as
``veille run`` runs it after the understand stage.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from veille.model import (
    Analysis,
    Article,
    Document,
    Entity,
    EntityEdit,
    Link,
    Mention,
    Office,
    Place,
    Quote,
    Speaker,
    article_id,
)
from veille.pipeline import store_analysis
from veille.store import open_store
from veille.store.sql import REBUILD_ENTITY_COUNTS
from veille.understand.crosslink import LINKER_VERSION, article_keys, gather_names, link_entities

PRESIDENT_ML = ("président de la transition", "ML")


def _ent(entity_id: str, name: str, type_: str, text: str, **kw) -> Entity:
    i = text.index(name)
    return Entity(entity_id, name, type_, (Mention(name, i, i + len(name)),), **kw)


def _put(store, text: str, entities: list, *, published: date = date(2023, 2, 6), quotes=()) -> str:
    """Store one article with an analysis built by hand from ``text`` (each entity's name is in it), then link."""
    article = _store_only(store, text, entities, published=published, quotes=quotes)
    link_entities(store)
    return article


def _store_only(store, text: str, entities: list, *, published: date = date(2023, 2, 6), quotes=()) -> str:
    """Store one article with an analysis built by hand from ``text``, not linked yet."""
    doc = Document.from_bytes(
        text.encode(),
        media_type="text/plain",
        source="t",
        container="t",
        received=datetime(2023, 2, 6, tzinfo=UTC),
    )
    store.add_document(doc)
    art = Article(id=article_id(doc.id), content_id=doc.id, text=text, published=published)
    store.put_article(art)
    ents = [_ent(*e, text) if isinstance(e, tuple) else e(text) for e in entities]
    store_analysis(store, Analysis(art.id, "fr", tuple(ents), tuple(quotes), analyzer="hand 1"))
    return art.id


def _office(function: str, country: str, text: str, words: str) -> Office:
    i = text.index(words)
    return Office(function=function, text=words, start=i, end=i + len(words), country=country)


def _assimi(text: str) -> Entity:
    return _ent(
        "per:assimi-goita",
        "Assimi Goïta",
        "PER",
        text,
        offices=(_office(*PRESIDENT_ML, text, "président de la transition"),),
    )


def _goita_president(text: str) -> Entity:
    return _ent(
        "per:goita",
        "Goïta",
        "PER",
        text,
        offices=(_office(*PRESIDENT_ML, text, "président de la transition"),),
    )


# Four short articles: two Goïtas, and two articles naming only "Goïta".
CORPUS = [
    (
        "Le président de la transition Assimi Goïta a reçu à Bamako le représentant de la Minusma.",
        [_assimi, ("loc:bamako", "Bamako", "LOC"), ("org:minusma", "Minusma", "ORG")],
        date(2023, 2, 6),
    ),
    (
        "Moussa Goïta a marqué deux buts à Paris pour le Paris FC samedi.",
        [
            ("per:moussa-goita", "Moussa Goïta", "PER"),
            ("loc:paris", "Paris", "LOC"),
            ("org:paris-fc", "Paris FC", "ORG"),
        ],
        date(2023, 1, 10),
    ),
    (
        "Le président de la transition Goïta a promulgué la Constitution.",
        [_goita_president],
        date(2023, 7, 22),
    ),
    (
        "Goïta a quitté la réunion plus tôt que prévu.",
        [("per:goita", "Goïta", "PER")],
        date(2023, 3, 1),
    ),
]


def _registry(store) -> dict[str, dict[str, int]]:
    return {e.entity_id: dict(e.aliases) for e in store.list_entities(limit=100)}


def _lids(store) -> set[tuple[str, str, str]]:
    rows = store._rows("SELECT DISTINCT article_id, entity_id, eid FROM mentions")
    return {(r["article_id"], r["entity_id"], r["eid"]) for r in rows}


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (2, 3, 0, 1), (1, 3, 2, 0)])
def test_linking_shared_surname_decided_by_evidence_in_any_order(tmp_path, order):
    store = open_store(str(tmp_path / "o.db"))
    ids = {}
    for i in order:
        text, ents, day = CORPUS[i]
        ids[i] = _put(store, text, ents, published=day)
    registry = _registry(store)
    # the two Goïtas stay apart; the one with the office gets the "Goïta" that holds it
    assert registry["per:assimi-goita"] == {"Assimi Goïta": 1, "Goïta": 1}
    assert registry["per:moussa-goita"] == {"Moussa Goïta": 1}
    # nothing tells who "Goïta" is in the last article: it stays its own entity
    assert registry["per:goita"] == {"Goïta": 1}
    assimi = store.get_entity("per:assimi-goita")
    assert (
        assimi.reasons["Goïta"] == "surname of Assimi Goïta (shares office président de la transition (ML))"
    )
    assert [(o.function, o.country, o.since) for o in assimi.offices] == [
        ("président de la transition", "ML", date(2023, 2, 6))
    ]
    store.close()


def test_linking_result_is_the_same_in_every_order(tmp_path):
    seen = set()
    for n, order in enumerate(itertools.permutations(range(4))):
        store = open_store(str(tmp_path / f"p{n}.db"))
        for i in order:
            text, ents, day = CORPUS[i]
            _put(store, text, ents, published=day)
        seen.add(frozenset(_lids(store)))
        store.close()
    assert len(seen) == 1


def test_linking_later_full_name_relinks_earlier_surnames(store):
    first = _put(store, "Poutine a parlé au téléphone avec Bamako.", [("per:poutine", "Poutine", "PER")])
    assert "per:poutine" in _registry(store)
    _put(
        store,
        "Vladimir Poutine a reçu Sergueï Lavrov.",
        [("per:vladimir-poutine", "Vladimir Poutine", "PER")],
    )
    registry = _registry(store)
    assert "per:poutine" not in registry
    assert registry["per:vladimir-poutine"] == {"Poutine": 1, "Vladimir Poutine": 1}
    assert store.get_entity("per:vladimir-poutine").reasons["Poutine"] == (
        "surname of Vladimir Poutine (only person so named)"
    )
    # a second Poutine with another first name makes the surname ambiguous again
    _put(
        store,
        "Ekaterina Poutine a ouvert une galerie.",
        [("per:ekaterina-poutine", "Ekaterina Poutine", "PER")],
    )
    assert _registry(store)["per:poutine"] == {"Poutine": 1}
    assert {e.entity_id for e in store.get_analysis(first).entities} == {"per:poutine"}


def test_linking_one_word_name_decides_only_its_new_uses(tmp_path):
    # issue 17: a name used alone in many articles costs its new uses; its stored uses are decided again only
    # when the full names it may join change, and the links are those of deciding every use at once
    store = open_store(str(tmp_path / "steps.db"))
    texts = [CORPUS[0][:2]]
    assimi = _put(store, *texts[0])
    alone = []
    for n in range(7):
        texts.append((f"Goïta a parlé {n + 2} fois à la radio.", [("per:goita", "Goïta", "PER")]))
        alone.append(_store_only(store, *texts[-1]))
        report = link_entities(store)
    assert report.names == 2  # Assimi Goïta and the new use, not the six stored ones
    assert store.entity_articles("per:assimi-goita") == sorted([assimi, *alone])
    # a second person of that surname: every stored use is decided again, and none can tell which one
    texts.append(CORPUS[1][:2])
    _store_only(store, *texts[-1])
    report = link_entities(store)
    assert report.names == 4 + len(alone)  # Moussa Goïta, Paris, Paris FC, Assimi Goïta and every use
    assert _registry(store)["per:goita"] == {"Goïta": len(alone)}
    once = open_store(str(tmp_path / "once.db"))
    for text, ents in texts:
        _store_only(once, text, ents)
    link_entities(once)
    assert _lids(once) == _lids(store)
    once.close()
    store.close()


def test_linking_spelling_variants_join_with_a_reason(store):
    _put(store, "Sergueï Lavrov est arrivé à Bamako.", [("per:serguei-lavrov", "Sergueï Lavrov", "PER")])
    _put(store, "Sergueï Lavrov a quitté Moscou.", [("per:serguei-lavrov", "Sergueï Lavrov", "PER")])
    _put(store, "Sergey Lavrov met his counterpart.", [("per:sergey-lavrov", "Sergey Lavrov", "PER")])
    registry = _registry(store)
    assert "per:sergey-lavrov" not in registry
    assert registry["per:serguei-lavrov"] == {"Sergueï Lavrov": 2, "Sergey Lavrov": 1}
    reason = store.get_entity("per:serguei-lavrov").reasons["Sergey Lavrov"]
    assert reason.startswith("spelling variant of Sergueï Lavrov (similarity 0.")


def test_linking_hand_split_wins_over_links_and_survives_relinks(store):
    _put(
        store,
        "Vladimir Poutine a reçu Sergueï Lavrov.",
        [("per:vladimir-poutine", "Vladimir Poutine", "PER")],
    )
    text = "Le pays de Poutine a signé des accords."
    second = _put(store, text, [("per:poutine", "Poutine", "PER")])
    assert store.get_entity("per:poutine") is None
    moved = store.add_entity_edit(
        EntityEdit(
            "split",
            "per:vladimir-poutine",
            "per:poutine-autre",
            alias="Poutine",
            target_name="Poutine (autre)",
        )
    )
    assert moved == 1
    assert _registry(store)["per:poutine-autre"] == {"Poutine": 1}
    # another full-name article relinks every "Poutine": the hand split still wins
    _put(store, "Vladimir Poutine parle à Moscou.", [("per:vladimir-poutine", "Vladimir Poutine", "PER")])
    assert _registry(store)["per:poutine-autre"] == {"Poutine": 1}
    assert (
        store.get_entity("per:poutine-autre").reasons["Poutine"] == "moved by hand from per:vladimir-poutine"
    )
    # the article analysed again (a new payload): still split
    store.put_analysis(
        Analysis(
            second, "fr", (_ent("per:poutine", "Poutine", "PER", text, roles=("pays",)),), analyzer="hand 2"
        )
    )
    link_entities(store)
    assert _registry(store)["per:poutine-autre"] == {"Poutine": 1}
    assert {e.entity_id for e in store.get_analysis(second).entities} == {"per:poutine-autre"}


def test_linking_get_analysis_speaks_registry_ids(store):
    _put(
        store,
        "Vladimir Poutine a reçu Sergueï Lavrov.",
        [("per:vladimir-poutine", "Vladimir Poutine", "PER")],
    )
    text = "« Nous resterons », a dit Poutine à Bamako."
    quote = Quote(
        "« Nous resterons »", 0, 18, "direct", "a dit", Speaker("Poutine", "per:poutine"), "Poutine"
    )
    second = _put(
        store, text, [("per:poutine", "Poutine", "PER"), ("loc:bamako", "Bamako", "LOC")], quotes=[quote]
    )
    analysis = store.get_analysis(second)
    named = {e.entity_id: e.name for e in analysis.entities}
    assert named == {"per:vladimir-poutine": "Vladimir Poutine", "loc:bamako": "Bamako"}
    assert analysis.quotes[0].speaker == Speaker("Vladimir Poutine", "per:vladimir-poutine")


def test_linking_dropped_article_unlinks_its_surnames(store):
    doc_text = "Vladimir Poutine a reçu Sergueï Lavrov."
    first = _put(store, doc_text, [("per:vladimir-poutine", "Vladimir Poutine", "PER")])
    _put(store, "Le pays de Poutine a signé.", [("per:poutine", "Poutine", "PER")])
    assert store.get_entity("per:poutine") is None
    # the first article's text changes (a new extraction): its analysis goes, and the link with it
    old = store.get_article(first)
    store.put_article(
        Article(id=old.id, content_id=old.content_id, text="Texte tout autre.", published=old.published)
    )
    link_entities(store)  # the dropped analysis queued its names' keys: the link step decides them again
    assert _registry(store) == {"per:poutine": {"Poutine": 1}}


def test_linking_registry_offices_since_and_place(store):
    text_a = "Le ministre des Affaires étrangères Sergueï Lavrov est à Bamako."
    text_b = "Sergueï Lavrov, ministre des Affaires étrangères, quitte Bamako."

    def lavrov(text: str) -> Entity:
        office = _office("ministre des affaires étrangères", "RU", text, "ministre des Affaires étrangères")
        return _ent("per:serguei-lavrov", "Sergueï Lavrov", "PER", text, offices=(office,))

    def bamako(text: str) -> Entity:
        place = Place("city", "ML", 12.65, -8.0, "geonames")
        return _ent("loc:bamako", "Bamako", "LOC", text, place=place)

    _put(store, text_b, [lavrov, bamako], published=date(2023, 3, 2))
    _put(store, text_a, [lavrov, bamako], published=date(2023, 2, 6))
    (office,) = store.get_entity("per:serguei-lavrov").offices
    assert (office.function, office.country, office.since) == (
        "ministre des affaires étrangères",
        "RU",
        date(2023, 2, 6),
    )
    assert (
        office.text == "ministre des Affaires étrangères" and text_a[office.start : office.end] == office.text
    )
    assert store.get_entity("loc:bamako").place == Place("city", "ML", 12.65, -8.0, "geonames")
    assert store.get_entity("per:serguei-lavrov").place is None


def test_linking_acronym_with_expansion_joins_across_articles(store):
    long = "Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali"
    text = f"La {long} (Minusma) quitte le pays."

    def mission(t: str) -> Entity:
        i, j = t.index(long), t.index("Minusma")
        mentions = (Mention(long, i, i + len(long)), Mention("Minusma", j, j + 7))
        return Entity("org:mission-multidimensionnelle", long, "ORG", mentions)

    _put(store, text, [mission])
    _put(store, "La Minusma a fermé sa base de Tessalit.", [("org:minusma", "Minusma", "ORG")])
    _put(store, "Le départ de la Minusma inquiète.", [("org:minusma", "Minusma", "ORG")])
    registry = _registry(store)
    assert registry["org:minusma"] == {"Minusma": 3, long: 1}
    assert store.get_entity("org:minusma").reasons[long] == f"written {long} and Minusma in one article"


GOITA_TEXTS = [
    "Le président de la transition malienne, le colonel Assimi Goïta, a reçu mardi à Bamako le Premier ministre"
    " Choguel Maïga. Le Mali prépare un référendum.",
    "Le milieu de terrain Moussa Goïta a signé au Paris FC. L'ancien joueur de Lyon arrive libre à Paris.",
    "Le colonel Goïta a promulgué à Bamako la nouvelle Constitution, et le Mali entre dans une nouvelle ère.",
    "Selon plusieurs témoins, M. Goïta a quitté la réunion plus tôt que prévu.",
]


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0)])
def test_linking_real_analyses_keep_two_goitas_apart(tmp_path, nlp, order):
    from veille.understand import analyze_article

    store = open_store(str(tmp_path / "g.db"))
    ids = {}
    for i in order:
        text = GOITA_TEXTS[i]
        doc = Document.from_bytes(text.encode(), media_type="text/plain", source="t", container="t")
        store.add_document(doc)
        art = Article(id=article_id(doc.id), content_id=doc.id, text=text, published=date(2023, 6, 1 + i))
        store.put_article(art)
        store.put_analysis(analyze_article(art, nlp=nlp))
        link_entities(store)
        ids[i] = art.id
    assimi = {a for a in store.entity_articles("per:assimi-goita")}
    moussa = {a for a in store.entity_articles("per:moussa-goita")}
    # the colonel at Bamako in the third text is Assimi; the footballer keeps his own entity; the last
    # "Goïta" has nothing to tell who he is and stays apart
    assert assimi == {ids[0], ids[2]}
    assert moussa == {ids[1]}
    assert store.entity_articles("per:goita") == [ids[3]]
    assert store.get_entity("per:assimi-goita").reasons["Goïta"].startswith("surname of Assimi Goïta (")
    store.close()


def test_linking_links_again_a_database_upgraded_from_0_1(tmp_path):
    # veille 0.1 linked names inside the store and recorded no linker version: after the upgrade every
    # article waits for the link step, which decides the same registry again
    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).resolve().parent.parent / "data" / "store-0.1" / "veille.db", path)
    store = open_store(str(path))
    before = _registry(store)
    assert len(store.pending("link", LINKER_VERSION)) == 2
    link_entities(store)
    assert store.pending("link", LINKER_VERSION) == []
    assert _registry(store) == before
    assert before["per:abdoulaye-diop"]["Abdoulaye Diop"] >= 2
    store.close()


def test_linking_new_linker_version_relinks_every_name(store):
    for text, ents, day in CORPUS:
        _put(store, text, ents, published=day)
    before = _lids(store)
    assert store.pending("link", LINKER_VERSION) == []
    everything = store.pending("link", "linker 2")
    assert len(everything) == len(CORPUS)
    # a link made by the old version that the new one would not make: the new step decides every name again
    store.put_links({("", "per:moussa-goita"): Link("per:assimi-goita", "a rule of another version")})
    assert ("per:moussa-goita", "per:assimi-goita") in {(e, lid) for _, e, lid in _lids(store)}
    report = link_entities(store, version="linker 2")
    assert sorted(report.articles) == sorted(everything)
    assert store.pending("link", "linker 2") == []
    assert _lids(store) == before
    linkers = {r["linker"] for r in store._rows("SELECT linker FROM analyses")}
    assert linkers == {"linker 2"}


def test_linking_step_stamps_and_queues_persistence_only(store):
    first = _put(
        store,
        "Vladimir Poutine a reçu Sergueï Lavrov.",
        [("per:vladimir-poutine", "Vladimir Poutine", "PER")],
    )
    second = _store_only(store, "Le pays de Poutine a signé.", [("per:poutine", "Poutine", "PER")])
    # stored, not yet linked: pending for the link step, its mentions on the analyser's id
    assert store.pending("link", LINKER_VERSION) == [second]
    assert _registry(store)["per:poutine"] == {"Poutine": 1}
    link_entities(store)
    assert store.pending("link", LINKER_VERSION) == []
    assert "per:poutine" not in _registry(store)
    # a changed analysis of the full name's article queues the keys its names held; the next step re-decides
    store.put_analysis(Analysis(first, "fr", (), analyzer="hand 2"))
    assert store.link_queue() and store.pending("link", LINKER_VERSION) == [first]
    link_entities(store)
    assert store.link_queue() == []
    assert _registry(store) == {"per:poutine": {"Poutine": 1}}


def test_linking_entity_counts_follow_every_change(store):
    ids = [_put(store, text, ents, published=day) for text, ents, day in CORPUS]
    store.put_analysis(Analysis(ids[0], "fr", (), analyzer="hand 2"))  # replaced
    doc_text = "Moussa Goïta a marqué trois buts à Paris."
    ids.append(
        _put(store, doc_text, [("per:moussa-goita", "Moussa Goïta", "PER"), ("loc:paris", "Paris", "LOC")])
    )
    old = store.get_article(ids[1])
    store.put_article(
        Article(id=old.id, content_id=old.content_id, text="Autre texte.", published=old.published)
    )
    link_entities(store)
    kept = sorted(tuple(r.values()) for r in store._rows("SELECT * FROM entity_counts"))
    with store.transaction():
        store._x("DELETE FROM entity_counts")
        store._x(REBUILD_ENTITY_COUNTS)
    assert kept == sorted(tuple(r.values()) for r in store._rows("SELECT * FROM entity_counts"))
    assert ("per:moussa-goita", "article", "", "", 1) in kept


def test_linking_gathers_past_two_thousand_names(store):
    # 2,100 full names share the surname skeleton of "Poutine" (different first names never join); a one-word
    # "Poutine" is two rounds away from their key: the old cap (2,000 names) stopped before it. Only the keys are
    # written here (as the link step writes them), so the test reads the gathering alone.
    firsts = [a + b + c for a in "bcdfg" for b in "aeiou" for c in "klmnprstvz"][:105]
    articles = []
    for n in range(20):
        names = [f"{first.capitalize()}{n:02d} Poutine" for first in firsts]
        ents = [(f"per:{name.lower().replace(' ', '-')}", name, "PER") for name in names]
        articles.append(_store_only(store, ". ".join(names) + ".", ents))
    single = _store_only(store, "Poutine a parlé.", [("per:poutine", "Poutine", "PER")])
    for article in [*articles, single]:
        keys, _, held = article_keys(store.article_names([article]))
        store.put_entity_keys({article: (keys, held)})
    full, singles = gather_names(store, {"ps:ptn"})
    assert len(full) == 2100
    # a one-word name is gathered once, with its word, however many articles use it
    assert singles == {"per:poutine": {"poutine"}}
