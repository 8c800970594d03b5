"""Events in the SQLite store: rows per event, filters, backfill, and one event merged across a story's outlets
(``veille.group.events.story_events`` over the store; names linked by the link step)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from veille.errors import UsageError
from veille.group.events import story_events
from veille.model import (
    Analysis,
    Article,
    Document,
    DuplicateLink,
    Entity,
    EntityEdit,
    Event,
    EventArgument,
    Mention,
    Place,
    Story,
    article_id,
    time_interval,
)
from veille.pipeline import store_analysis
from veille.understand.crosslink import link_entities
from veille.understand.event_groups import (
    EVENT_GROUPER_VERSION,
    EventSample,
    group_events,
    is_same_event,
    times_overlap,
    values_conflict,
)

PLACES = {
    "loc:mali": Place("country", "ML"),
    "loc:bamako": Place("city", "ML"),
    "loc:moscou": Place("city", "RU"),
}


def _entity(text: str, ident: str, name: str, surface: str | None = None) -> Entity:
    surface = surface or name
    i = text.index(surface)
    return Entity(
        ident, name, ident[:3].upper(), (Mention(surface, i, i + len(surface)),), place=PLACES.get(ident)
    )


def _arg(text: str, role: str, words: str, ident: str | None) -> EventArgument:
    i = text.index(words)
    return EventArgument(role, words, i, i + len(words), ident)


def _event(text: str, type_: str, trigger: str, args=(), time=None, modality="asserted") -> Event:
    i = text.index(trigger)
    return Event(
        type_, trigger, i, i + len(trigger), tuple(_arg(text, *a) for a in args), time=time, modality=modality
    )


def _put(store, text: str, *, outlet: str, published: date | None, entities=(), events=()) -> str:
    """Store one article of ``outlet`` with a hand-built analysis: entities (id, name), events."""
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
    ents = tuple(_entity(text, *e) for e in entities)
    evs = tuple(_event(text, *e[:2], **e[2]) for e in events)
    store_analysis(store, Analysis(art.id, "fr", ents, events=evs, analyzer="hand 1"))
    link_entities(store)
    return art.id


TEXT_A = "Sergueï Lavrov est arrivé au Mali lundi. Il a rencontré Abdoulaye Diop."
TEXT_B = "La visite de Lavrov à Bamako les 6 et 7 février. Lavrov ira ensuite à Moscou."
TEXT_C = "Lavrov est arrivé à Bamako, selon nos confrères. Jamais Lavrov ne s'était rendu au Mali."


@pytest.fixture()
def press(store):
    """Three outlets tell Lavrov's visit (dated a day, a range, or not at all); a visit to Moscow is another event."""
    a = _put(
        store,
        TEXT_A,
        outlet="one",
        published=date(2023, 2, 6),
        entities=[
            ("per:serguei-lavrov", "Sergueï Lavrov"),
            ("loc:mali", "Mali"),
            ("per:diop", "Abdoulaye Diop"),
        ],
        events=[
            (
                "visit",
                "arrivé",
                {
                    "args": [
                        ("agent", "Sergueï Lavrov", "per:serguei-lavrov"),
                        ("place", "Mali", "loc:mali"),
                    ],
                    "time": "2023-02-06",
                },
            ),
            (
                "meet",
                "rencontré",
                {"args": [("patient", "Abdoulaye Diop", "per:diop")], "time": "2023-02-06"},
            ),
        ],
    )
    b = _put(
        store,
        TEXT_B,
        outlet="two",
        published=date(2023, 2, 5),
        entities=[("per:lavrov", "Lavrov"), ("loc:bamako", "Bamako"), ("loc:moscou", "Moscou")],
        events=[
            (
                "visit",
                "visite",
                {
                    "args": [("agent", "Lavrov", "per:lavrov"), ("place", "Bamako", "loc:bamako")],
                    "time": "2023-02-06/2023-02-07",
                },
            ),
            (
                "visit",
                "ira",
                {"args": [("place", "Moscou", "loc:moscou")], "time": "2023-02-08", "modality": "planned"},
            ),
        ],
    )
    c = _put(
        store,
        TEXT_C,
        outlet="three",
        published=date(2023, 2, 7),
        entities=[("per:lavrov", "Lavrov"), ("loc:bamako", "Bamako"), ("loc:mali", "Mali")],
        events=[
            (
                "visit",
                "arrivé",
                {"args": [("agent", "Lavrov", "per:lavrov"), ("place", "Bamako", "loc:bamako")]},
            ),
            ("visit", "rendu", {"args": [("place", "Mali", "loc:mali")], "modality": "negated"}),
        ],
    )
    # the three articles are one story; "Lavrov" is linked to "Sergueï Lavrov" by the registry
    store.put_story(Story("s1", "Lavrov au Mali", (a, b, c)))
    return store, {"one": a, "two": b, "three": c}


def _ids(records) -> set[str]:
    return {r.event_id for r in records}


def test_events_store_rows_follow_the_analysis(press):
    store, ids = press
    rows = store._rows(
        "SELECT type, trigger, time, first_day, last_day FROM events ORDER BY article_id, start"
    )
    assert len(rows) == 6
    assert ("visit", "visite", "2023-02-06/2023-02-07", "2023-02-06", "2023-02-07") in [
        tuple(r.values()) for r in rows
    ]
    args = store._rows(
        "SELECT role, text, entity_id FROM event_arguments WHERE article_id = ?", (ids["one"],)
    )
    assert [tuple(r.values()) for r in args] == [
        ("agent", "Sergueï Lavrov", "per:serguei-lavrov"),
        ("place", "Mali", "loc:mali"),
        ("patient", "Abdoulaye Diop", "per:diop"),
    ]


def test_events_store_reanalysis_replaces_rows(press):
    store, ids = press
    first = store.get_analysis(ids["one"])
    assert first is not None
    kept = (first.events[1],)
    store.put_analysis(Analysis(ids["one"], "fr", first.entities, events=kept, analyzer="hand 2"))
    found = store.list_events(article_id=ids["one"])
    assert [(r.type, r.trigger) for r in found] == [("meet", "rencontré")]
    assert store._db.scalar("SELECT count(*) FROM event_arguments WHERE article_id = ?", (ids["one"],)) == 1


def test_events_store_filters(press):
    store, ids = press
    visits = store.list_events(type="visit")
    assert len(visits) == 5 and {r.type for r in visits} == {"visit"}
    # by name, alias or id, compared by registry id (the one-word "Lavrov" is linked to Sergueï Lavrov)
    lavrov = store.list_events(entity="Lavrov")
    assert _ids(lavrov) == {
        f"{ids['one']}:{TEXT_A.index('arrivé')}",
        f"{ids['two']}:{TEXT_B.index('visite')}",
        f"{ids['three']}:{TEXT_C.index('arrivé')}",
    }
    [registry] = store.find_entities("Sergueï Lavrov")
    agents = {(a.entity_id, a.name) for r in lavrov for a in r.arguments if a.role == "agent"}
    assert agents == {(registry.entity_id, registry.name)}
    assert store.list_events(entity=registry.entity_id) == lavrov
    assert [r.trigger for r in store.list_events(entity="Abdoulaye Diop")] == ["rencontré"]
    # a country also finds the places in it; a city only itself
    assert {r.trigger for r in store.list_events(place="Mali")} == {"arrivé", "visite", "rendu"}
    assert {r.outlet for r in store.list_events(place="Bamako")} == {"two", "three"}
    assert [r.trigger for r in store.list_events(place="Moscou")] == ["ira"]
    assert store.list_events(article_id=ids["two"][:8], type="visit", limit=1)[0].article_id == ids["two"]
    assert len(store.list_events(story_id="s1")) == 6
    with pytest.raises(UsageError, match="no entity named"):
        store.list_events(entity="Poutine")
    with pytest.raises(UsageError, match="no place named"):
        store.list_events(place="Tombouctou")
    with pytest.raises(UsageError, match="no story"):
        store.list_events(story_id="nope")
    with pytest.raises(UsageError, match="no article"):
        store.list_events(article_id="ffffffffff")


def test_events_store_dates_own_time_else_article(press):
    store, ids = press
    by_id = {r.event_id: r for r in store.list_events(limit=100)}
    visite = next(r for r in by_id.values() if r.trigger == "visite")
    assert (visite.first_day, visite.last_day, visite.dated_by) == (
        date(2023, 2, 6),
        date(2023, 2, 7),
        "time",
    )
    assert visite.published == date(2023, 2, 5)  # the article's date stays the article's
    undated = next(r for r in by_id.values() if r.trigger == "arrivé" and r.article_id == ids["three"])
    assert (undated.first_day, undated.dated_by) == (date(2023, 2, 7), "article")
    # the range overlaps 2023-02-07, its article's date (2023-02-05) does not count
    on_7 = store.list_events(since=date(2023, 2, 7), until=date(2023, 2, 7))
    assert {r.trigger for r in on_7} == {"visite", "arrivé", "rendu"}
    assert {r.outlet for r in on_7} == {"two", "three"}
    assert [r.trigger for r in store.list_events(since=date(2023, 2, 8))] == ["ira"]
    assert store.list_events(until=date(2023, 2, 5)) == []
    # latest first
    days = [r.first_day for r in store.list_events(limit=100)]
    assert days == sorted(days, reverse=True)


def test_events_store_entity_edit_moves_arguments(press):
    store, _ = press
    store.add_entity_edit(EntityEdit("split", "per:serguei-lavrov", "per:other", target_name="Autre Lavrov"))
    assert {a.name for r in store.list_events(entity="Autre Lavrov") for a in r.arguments} >= {"Autre Lavrov"}


def test_events_store_story_merges_one_visit(press):
    store, ids = press
    merged = story_events(store, "s1")
    visits = [m for m in merged if m.type == "visit" and len(m.sources) > 1]
    assert len(visits) == 1
    visit = visits[0]
    assert [s.outlet for s in visit.sources] == ["two", "one", "three"]  # earliest article first
    assert merged[0] is visit  # the most-sourced first
    assert {m.grouper for m in merged} == {EVENT_GROUPER_VERSION}
    slots = {s.role: s for s in visit.slots}
    assert [v.value for v in slots["agent"].values] == [store.find_entities("Lavrov")[0].entity_id]
    assert {v.value for v in slots["place"].values} == {"loc:mali", "loc:bamako"}
    assert not slots["place"].is_conflict  # Bamako is in Mali
    assert {v.value for v in slots["time"].values} == {"2023-02-06", "2023-02-06/2023-02-07"}
    assert visit.conflicts == ()
    # never merged: the negated visit, the planned visit to Moscow (another place, another day)
    others = {m.trigger for m in merged if m is not visit}
    assert {"rendu", "ira", "rencontré"} <= others
    assert story_events(store, "s1", type="meet")[0].trigger == "rencontré"
    assert [m.event_id for m in story_events(store, "s1", place="Moscou")] == [
        f"{ids['two']}:{TEXT_B.index('ira')}"
    ]
    with pytest.raises(UsageError, match="no story"):
        story_events(store, "zzzzzzzz")


def test_events_store_story_conflicting_dates_side_by_side(store):
    text = "Lavrov est arrivé à Bamako."
    a = _put(
        store,
        text,
        outlet="one",
        published=date(2023, 2, 6),
        entities=[("per:lavrov", "Lavrov"), ("loc:bamako", "Bamako")],
        events=[("visit", "arrivé", {"args": [("agent", "Lavrov", "per:lavrov")], "time": "2023-02-06"})],
    )
    b = _put(
        store,
        text + " Selon nos sources.",
        outlet="two",
        published=date(2023, 2, 7),
        entities=[("per:lavrov", "Lavrov"), ("loc:bamako", "Bamako")],
        events=[
            (
                "visit",
                "arrivé",
                {"args": [("agent", "Lavrov", "per:lavrov"), ("place", "Bamako", "loc:bamako")]},
            )
        ],
    )
    c = _put(
        store,
        text + " Hier.",
        outlet="three",
        published=date(2023, 2, 8),
        entities=[("per:lavrov", "Lavrov")],
        events=[("visit", "arrivé", {"args": [("agent", "Lavrov", "per:lavrov")], "time": "2023-02-07"})],
    )
    store.put_story(Story("s2", "Lavrov", (a, b, c)))
    [visit] = story_events(store, "s2")
    assert visit.conflicts == ("time",)
    time = next(s for s in visit.slots if s.role == "time")
    assert [(v.value, v.articles) for v in time.values] == [("2023-02-06", (a,)), ("2023-02-07", (c,))]
    # a copy the store knows counts as one source with the article it copies
    store.add_duplicates([DuplicateLink(c, a, "near", 0.97)])
    [visit] = story_events(store, "s2")
    assert len(visit.sources) == 2
    assert [(s.article_id, s.copies) for s in visit.sources] == [(a, (c,)), (b, ())]


def test_event_groups_time_interval():
    assert time_interval("2023-02-06") == (date(2023, 2, 6), date(2023, 2, 6))
    assert time_interval("2023-02") == (date(2023, 2, 1), date(2023, 2, 28))
    assert time_interval("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert time_interval("2023") == (date(2023, 1, 1), date(2023, 12, 31))
    assert time_interval("2023-W06") == (date(2023, 2, 6), date(2023, 2, 12))
    assert time_interval("2023-Q1") == (date(2023, 1, 1), date(2023, 3, 31))
    assert time_interval("2023-02-06/2023-02-07") == (date(2023, 2, 6), date(2023, 2, 7))
    assert time_interval("2023-02-06T10:00") == (date(2023, 2, 6), date(2023, 2, 6))
    for value in ("P2D", "PRESENT_REF", "XXXX-02", "2023-02-30", "2023-02-07/2023-02-06", "", None):
        assert time_interval(value) is None
    assert times_overlap("2023-02", "2023-02-06") is True
    assert times_overlap("2023-02-06", "2023-02-07") is False
    assert times_overlap("2023-02-06/2023-02-07", "2023-02-07") is True
    assert times_overlap("P2D", "2023-02-07") is None


def test_event_groups_same_event_rules():
    lavrov = EventSample("visit", participants=frozenset({"per:lavrov"}), time="2023-02-06")
    mali = {"loc:mali": frozenset()}
    bamako = {"loc:bamako": frozenset({"loc:mali"})}
    assert is_same_event(lavrov, EventSample("visit", participants=frozenset({"per:lavrov", "per:diop"})))
    assert not is_same_event(lavrov, EventSample("meet", participants=frozenset({"per:lavrov"})))
    assert not is_same_event(lavrov, EventSample("visit", participants=frozenset({"per:diop"})))
    assert not is_same_event(
        lavrov, EventSample("visit", participants=frozenset({"per:lavrov"}), time="2023-02-07")
    )
    assert not is_same_event(lavrov, EventSample("visit", "negated", frozenset({"per:lavrov"})))
    assert is_same_event(EventSample("visit", places=mali), EventSample("visit", places=bamako))
    assert not is_same_event(
        EventSample("visit", places=bamako), EventSample("visit", places={"loc:moscou": frozenset()})
    )
    # no positive agreement: two bare reports are not joined on their type alone
    assert not is_same_event(EventSample("visit"), EventSample("visit"))
    assert is_same_event(EventSample("visit", time="2023-02"), EventSample("visit", time="2023-02-06"))


def test_event_groups_no_chain_through_a_bare_report():
    # a report with only a place agrees with two visits by different people: it joins one, never both
    samples = [
        EventSample("visit", participants=frozenset({"per:lavrov"}), places={"loc:bamako": frozenset()}),
        EventSample("visit", participants=frozenset({"org:junte"}), places={"loc:bamako": frozenset()}),
        EventSample("visit", places={"loc:bamako": frozenset()}),
    ]
    groups = group_events(samples)
    assert len(groups) == 2 and sorted(len(g) for g in groups) == [1, 2]
    assert values_conflict("agent", {"a": frozenset({"x"}), "b": frozenset({"y"})}, {})
    assert not values_conflict("agent", {"a": frozenset({"x"}), "b": frozenset({"x", "y"})}, {})
    assert not values_conflict(
        "place",
        {"a": frozenset({"loc:bamako"}), "b": frozenset({"loc:mali"})},
        {"loc:bamako": frozenset({"loc:mali"})},
    )
    assert not values_conflict("modality", {"a": frozenset({"planned"}), "b": frozenset({"asserted"})}, {})


def test_events_groups_never_join_two_events_of_one_article():
    a1 = EventSample("meet", participants=frozenset({"per:diop", "per:lavrov"}), source="a")
    a2 = EventSample("meet", participants=frozenset({"per:diop"}), time="2023-07", source="a")
    b = EventSample("meet", participants=frozenset({"per:diop"}), source="b")
    groups = group_events([a1, a2, b])
    assert [0, 1] not in groups and not any({0, 1} <= set(g) for g in groups)
    assert group_events([a1, a2]) == [[0], [1]]
    assert group_events([replace(a1, source=None), replace(a2, source=None)]) == [[0, 1]]
