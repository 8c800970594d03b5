"""Quotes in the SQLite store: listing with filters, speakers by registry id, one quote across outlets.

Quotes are grouped across outlets by ``veille.understand.quote_groups`` over the store's fingerprint index
(``list_quotes``/``quote_sources`` there are what the CLI calls); names are linked by the link step.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from veille.errors import UsageError
from veille.model import (
    Analysis,
    Article,
    Document,
    Entity,
    EntityEdit,
    Mention,
    Quote,
    Speaker,
    article_id,
)
from veille.pipeline import store_analysis
from veille.store import open_store
from veille.understand.crosslink import link_entities
from veille.understand.quote_groups import (
    QUOTE_GROUPER_VERSION,
    QuoteSample,
    group_quotes,
    is_same_quote,
    list_quotes,
    normalize_quote,
    quote_fingerprints,
    quote_sources,
)

DIOP_WORDS = "Les droits de l’Homme sont instrumentalisés, politisés pour des agendas cachés"
LAVROV_WORDS = "Nous sommes très contents de notre visite et de défendre avec vous des valeurs communes"


def _ent(entity_id: str, name: str, text: str) -> Entity:
    i = text.index(name)
    return Entity(entity_id, name, entity_id[:3].upper(), (Mention(name, i, i + len(name)),))


def _quote(text: str, words: str, speaker: tuple[str, str | None] | None, kind: str = "direct") -> Quote:
    i = text.index(words)
    who = Speaker(speaker[0], speaker[1]) if speaker else None
    return Quote(
        words, i, i + len(words), kind, cue="a affirmé", speaker=who, speaker_text=speaker and speaker[0]
    )


def _put(store, text: str, *, outlet: str, published: date | None, entities=(), quotes=()) -> str:
    """Store one article of ``outlet`` with a hand-built analysis: entities (id, name), quotes (words, speaker)."""
    doc = Document.from_bytes(
        text.encode(),
        media_type="text/plain",
        source=outlet,
        container="t",
        received=datetime(2023, 2, 6, tzinfo=UTC),
    )
    store.add_document(doc)
    art = Article(id=article_id(doc.id), content_id=doc.id, text=text, outlet=outlet, published=published)
    store.put_article(art)
    ents = tuple(_ent(ident, name, text) for ident, name in entities)
    qs = tuple(_quote(text, *q) for q in quotes)
    store_analysis(store, Analysis(art.id, "fr", ents, qs, analyzer="hand 1"))
    link_entities(store)
    return art.id


@pytest.fixture()
def press(store):
    """Four outlets: two carry Diop's words (one with typographic quotes, one with plain and no accents), one
    Diop under his surname only, one a different quote by Lavrov."""
    a = _put(
        store,
        f"Abdoulaye Diop a affirmé : « {DIOP_WORDS} ». Sergueï Lavrov a dit « {LAVROV_WORDS} ».",
        outlet="emediasn",
        published=date(2023, 2, 6),
        entities=[("per:abdoulaye-diop", "Abdoulaye Diop"), ("per:serguei-lavrov", "Sergueï Lavrov")],
        quotes=[
            (DIOP_WORDS, ("Abdoulaye Diop", "per:abdoulaye-diop")),
            (LAVROV_WORDS, ("Sergueï Lavrov", "per:serguei-lavrov")),
        ],
    )
    copy = "les droits de l'homme sont instrumentalises, politises pour des agendas caches"
    b = _put(
        store,
        f'Le ministre Abdoulaye Diop a affirme : "{copy}", a-t-il dit.',
        outlet="malijet",
        published=date(2023, 2, 7),
        entities=[("per:abdoulaye-diop", "Abdoulaye Diop")],
        quotes=[(copy, ("Abdoulaye Diop", "per:abdoulaye-diop"))],
    )
    cut = "droits de l’Homme sont instrumentalisés, politisés pour des agendas"
    c = _put(
        store,
        f"Pour Diop, les « {cut} ». Le pays de Poutine a signé.",
        outlet="actuniger.com",
        published=date(2023, 2, 8),
        entities=[("per:diop", "Diop")],
        quotes=[(cut, ("Diop", "per:diop"), "partial")],
    )
    return {"first": a, "copy": b, "cut": c}


def test_quotes_store_empty_store_lists_nothing(store):
    assert list_quotes(store) == []
    assert list_quotes(store, text="droits") == []


def test_quotes_store_one_quote_across_outlets(store, press):
    diop = [q for q in list_quotes(store) if "agendas" in q.text]
    assert len(diop) == 3
    # the earliest carrier names the group; every copy lists the same three sources, earliest first
    first = f"{press['first']}:{diop[-1].start}"
    assert {q.group_id for q in diop} == {first}
    for q in diop:
        assert [s.article_id for s in q.sources] == [press["first"], press["copy"], press["cut"]]
        assert [s.outlet for s in q.sources] == ["emediasn", "malijet", "actuniger.com"]
        assert q.sources[0].published == date(2023, 2, 6)
        assert q.grouper == QUOTE_GROUPER_VERSION
    # the store alone gives each quote as its own group, without sources
    assert {
        (q.group_id, q.sources, q.grouper) for q in store.list_quotes() if q.quote_id == diop[0].quote_id
    } == {(diop[0].quote_id, (), "")}
    lavrov = [q for q in list_quotes(store) if q.speaker_entity_id == "per:serguei-lavrov"]
    assert len(lavrov) == 1 and len(lavrov[0].sources) == 1 and lavrov[0].group_id == lavrov[0].quote_id
    assert [s.article_id for s in quote_sources(store, diop[0].quote_id)] == [
        press["first"],
        press["copy"],
        press["cut"],
    ]
    with pytest.raises(UsageError, match="no quote"):
        quote_sources(store, "nothing:12")


def test_quotes_store_speaker_by_registry_id(store, press):
    # "Diop" alone in the third article is linked to Abdoulaye Diop: his quote is reported under the registry id
    found = list_quotes(store, speaker="Abdoulaye Diop")
    assert [q.article_id for q in found] == [press["cut"], press["copy"], press["first"]]
    assert {q.speaker_entity_id for q in found} == {"per:abdoulaye-diop"}
    assert {q.speaker_name for q in found} == {"Abdoulaye Diop"}
    assert found[0].speaker_text == "Diop"
    assert [q.quote_id for q in list_quotes(store, speaker="diop")] == [q.quote_id for q in found]
    assert [q.quote_id for q in list_quotes(store, speaker="per:abdoulaye-diop")] == [
        q.quote_id for q in found
    ]
    assert [q.text for q in list_quotes(store, speaker="sergueï lavrov")] == [LAVROV_WORDS]
    with pytest.raises(UsageError, match="no entity or quote speaker named 'Personne Inconnue'"):
        list_quotes(store, speaker="Personne Inconnue")


def test_quotes_store_hand_merge_moves_speaker(store, press):
    store.add_entity_edit(
        EntityEdit("merge", "per:serguei-lavrov", "per:abdoulaye-diop", target_name="Abdoulaye Diop")
    )
    assert len(list_quotes(store, speaker="Abdoulaye Diop")) == 4
    assert {q.speaker_entity_id for q in list_quotes(store)} == {"per:abdoulaye-diop"}


def test_quotes_store_same_words_other_speaker_is_another_quote(store, press):
    other = _put(
        store,
        f"Sergueï Lavrov a répondu : « {DIOP_WORDS} ».",
        outlet="tass",
        published=date(2023, 2, 9),
        entities=[("per:serguei-lavrov", "Sergueï Lavrov")],
        quotes=[(DIOP_WORDS, ("Sergueï Lavrov", "per:serguei-lavrov"))],
    )
    mine = list_quotes(store, article_id=other)[0]
    assert len(mine.sources) == 1 and mine.group_id == mine.quote_id
    # an unattributed copy joins the group of the attributed ones
    anon = _put(
        store,
        f"On a entendu : « {DIOP_WORDS} ».",
        outlet="x",
        published=date(2023, 2, 10),
        quotes=[(DIOP_WORDS, None)],
    )
    assert len(list_quotes(store, article_id=anon)[0].sources) >= 2


def test_quotes_store_short_phrases_group_only_with_same_speaker(store):
    words = "abus de confiance"
    a = _put(
        store, f"Il parle d'« {words} ».", outlet="a", published=date(2023, 1, 1), quotes=[(words, None)]
    )
    b = _put(
        store, f"Elle évoque un « {words} ».", outlet="b", published=date(2023, 1, 2), quotes=[(words, None)]
    )
    assert len(list_quotes(store, article_id=a)[0].sources) == 1
    assert len(list_quotes(store, article_id=b)[0].sources) == 1


def test_quotes_store_filters_combine(store, press):
    assert [q.kind for q in list_quotes(store, kind="partial")] == ["partial"]
    assert len(list_quotes(store, since=date(2023, 2, 7))) == 2
    assert len(list_quotes(store, until=date(2023, 2, 6))) == 2
    assert len(list_quotes(store, since=date(2023, 2, 7), until=date(2023, 2, 7))) == 1
    # text: accents, case and quote marks ignored
    assert len(list_quotes(store, text="DROITS DE L'HOMME")) == 3
    assert len(list_quotes(store, text="défendre avec vous")) == 1
    assert list_quotes(store, speaker="Sergueï Lavrov", text="droits") == []
    assert len(list_quotes(store, speaker="Abdoulaye Diop", kind="direct", since=date(2023, 2, 7))) == 1
    assert [q.article_id for q in list_quotes(store, article_id=press["copy"][:8])] == [press["copy"]]
    assert len(list_quotes(store, limit=2)) == 2
    assert len(list_quotes(store, speaker="Abdoulaye Diop", limit=1)) == 1
    with pytest.raises(UsageError, match="no article"):
        list_quotes(store, article_id="ffffffffffff")
    with pytest.raises(UsageError, match="no story"):
        list_quotes(store, story_id="ffffffffffff")


def test_quotes_store_unresolved_speaker_by_words(store):
    words = "des mercenaires russes opèrent dans le centre du pays depuis des mois"
    _put(
        store,
        f"Selon les chancelleries occidentales, {words}.",
        outlet="a",
        published=None,
        quotes=[(words, ("chancelleries occidentales", None), "indirect")],
    )
    found = list_quotes(store, speaker="Chancelleries occidentales")
    assert len(found) == 1 and found[0].speaker_entity_id is None and found[0].published is None
    assert list_quotes(store, speaker="chancelleries occidentales", since=date(2000, 1, 1)) == []


def test_quotes_store_groups_through_the_index(store, press, tmp_path):
    # grouping reads candidates from quote_keys only: without the index no copy is found (group_quotes alone:
    # list_quotes would first fingerprint the stored quotes of an empty index, as after an upgrade)
    with store.transaction():
        store._x("DELETE FROM quote_keys")
    assert {len(q.sources) for q in group_quotes(store, store.list_quotes())} == {1}


def test_quotes_store_replaced_analysis_drops_its_keys(store, press):
    count = "SELECT count(*) FROM quote_keys WHERE article_id = ?"
    assert store._db.scalar(count, (press["copy"],)) > 0
    store.put_analysis(Analysis(press["copy"], "fr", (), (), analyzer="hand 2"))
    assert store._db.scalar(count, (press["copy"],)) == 0
    diop = [q for q in list_quotes(store) if "agendas" in q.text]
    assert {len(q.sources) for q in diop} == {2}


def test_quotes_store_indexes_quotes_stored_without_keys(tmp_path):
    path = str(tmp_path / "old.db")
    store = open_store(path)
    _put(
        store,
        f"Abdoulaye Diop : « {DIOP_WORDS} ».",
        outlet="a",
        published=date(2023, 2, 6),
        quotes=[(DIOP_WORDS, None)],
    )
    _put(
        store,
        f"Diop : « {DIOP_WORDS} ».",
        outlet="b",
        published=date(2023, 2, 7),
        quotes=[(DIOP_WORDS, None)],
    )
    store.close()
    with sqlite3.connect(
        path
    ) as conn:  # a backfill a killed process rolled back, or a database upgraded from 0.1
        conn.execute("DELETE FROM quote_keys")
    store = open_store(path)
    assert [len(q.sources) for q in list_quotes(store)] == [2, 2]
    store.close()


def test_quotes_store_fingerprints_and_decisions():
    assert normalize_quote("« L’Homme  est-il  “libre” ? »") == "l homme est il libre"
    assert quote_fingerprints("« ... »") == []
    long = "le système financier français est un système stable qui a une solvabilité très confortable"
    cut = "système financier français est un système stable"
    # a shared run of six words shares a fingerprint
    assert set(quote_fingerprints(long)) & set(quote_fingerprints(cut))
    assert not set(quote_fingerprints(long)) & set(quote_fingerprints(DIOP_WORDS))
    assert is_same_quote(QuoteSample(long), QuoteSample(cut))
    assert is_same_quote(QuoteSample(long, "per:a"), QuoteSample(long.upper(), None))
    assert not is_same_quote(QuoteSample(long, "per:a"), QuoteSample(long, "per:b"))
    assert not is_same_quote(QuoteSample(long), QuoteSample(DIOP_WORDS))
    # shared common words are not a quote: "il n y a" in both
    assert not is_same_quote(
        QuoteSample("il n'y a pas eu un seul tir, pas un seul blessé"), QuoteSample("il n'y a aucun problème")
    )
    assert not is_same_quote(QuoteSample("abus de confiance"), QuoteSample("abus de confiance"))
    assert is_same_quote(QuoteSample("abus de confiance", "per:a"), QuoteSample("Abus de confiance", "per:a"))
