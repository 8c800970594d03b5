"""The source registry in the store (SQLite and PostgreSQL): import and export, tying articles to sources at read
time, unknown outlets, and the coverage and blind spots computed from them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from veille.compare.coverage import (
    blindspot_stories,
    comparison_json_with_coverage,
    list_blindspot_stories,
    story_coverage,
)
from veille.model import Article, Document, Story, article_id
from veille.sources.registry import (
    add_source,
    export_sources,
    import_sources,
    read_sources,
    starter_path,
)
from veille.store import open_store

BACKENDS = ["sqlite", "postgresql"]

# Real openings of the two seed reports (veille/data/sample/seeds) and of a third text on the same visit
LAVROV = [
    "Le ministre russe des Affaires étrangères Sergueï Lavrov est arrivé au Mali le lundi 06 février 2023 pour une"
    " visite de deux jours.",
    "Sergueï Lavrov et Abdoulaye Diop ont animé une conférence de presse conjointe à Bamako sur la coopération"
    " entre la Russie et le Mali.",
    "À Bamako, le colonel Assimi Goïta a reçu Sergueï Lavrov, venu parler de coopération militaire, selon la"
    " présidence malienne.",
]


def _article(store, text: str, *, url: str | None, outlet: str | None, day: date | None) -> str:
    doc = Document.from_bytes(
        text.encode(),
        media_type="text/plain",
        source=url or "seed.txt",
        container="t",
        received=datetime(2023, 2, 7, tzinfo=UTC),
        url=url,
    )
    store.add_document(doc)
    art = Article(
        id=article_id(doc.id),
        content_id=doc.id,
        text=text,
        url=url,
        outlet=outlet,
        published=day,
        language="fr",
    )
    store.put_article(art)
    return art.id


def _story(store, ids: list[str], label: str = "Sergueï Lavrov au Mali") -> str:
    story_id = "s" + ids[0][:15]
    store.put_story(Story(id=story_id, label=label, articles=tuple(ids)))
    return story_id


def _starter(store) -> None:
    rows, errors = read_sources(starter_path().read_bytes(), "toml")
    report = import_sources(store, rows, errors)
    assert report.errors == [] and len(report.added) == len(rows)


def test_import_is_idempotent_and_updates_by_name_or_domain(st):
    _starter(st)
    count = len(st.list_sources())
    rows, errors = read_sources(starter_path().read_bytes(), "toml")
    again = import_sources(st, rows, errors)
    assert (again.added, again.updated, len(again.unchanged)) == ([], [], count)

    # a row naming a stored outlet (accents and case ignored) updates it; empty cells keep what is stored
    data = "name,domain,country,kind,feeds\nwakat sera,,,private,https://www.wakatsera.com/feed/\n"
    report = import_sources(st, *read_sources(data, "csv"))
    assert report.updated == ["wakat-sera"]
    wakat = st.get_source("Wakat Séra")
    assert wakat is not None and (wakat.country, wakat.domains) == ("BF", ("wakatsera.com",))
    [feed] = wakat.feeds
    assert feed.id is not None and feed.kind == "rss"
    # a row under another name but a stored domain updates the source of that domain; the feed keeps its row
    data = "name,domain,country,kind,feeds,note\nWakat Séra,wakatsera.com,BF,private,https://www.wakatsera.com/feed/,hebdo\n"
    report = import_sources(st, *read_sources(data, "csv"))
    assert report.updated == ["wakat-sera"]
    assert st.get_source("wakatsera.com").feeds[0].id == feed.id
    assert len(st.list_sources()) == count


def test_a_domain_held_by_another_source_is_a_row_error_and_the_rest_is_imported(st):
    _starter(st)
    # Burkina24 is matched by its name; lefaso.net belongs to Lefaso.net
    data = "name,domain,country,kind\nBurkina24,lefaso.net,BF,private\nOmega FM,omega-fm.bf,BF,private\n"
    report = import_sources(st, *read_sources(data, "csv"))
    assert report.added == ["omega-fm"]
    [error] = report.errors
    assert (error.line, error.name) == (2, "Burkina24")
    assert "lefaso.net" in error.message and "lefaso-net" in error.message
    assert st.get_source("burkina24").domains == ("burkina24.com",)  # nothing changed


def test_export_and_import_round_trip_into_another_store(st, tmp_path):
    _starter(st)
    add_source(st, "Studio Tamani", feeds=["https://www.studiotamani.org/feed"], languages=["bm"])
    add_source(st, "Blog du Sahel", kind="blog", domains=["sahel.blogspot.com"], active=False)
    for fmt in ("csv", "toml"):
        other = open_store(str(tmp_path / f"other-{fmt}.db"))
        try:
            report = import_sources(other, *read_sources(export_sources(st.list_sources(), fmt), fmt))
            assert report.errors == [] and len(report.added) == len(st.list_sources())

            def strip(sources):
                return [(s.id, s.name, s.kind, s.country, s.domains, s.languages, s.active, s.note,
                         [(f.url, f.kind) for f in s.feeds]) for s in sources]  # fmt: skip

            assert strip(other.list_sources()) == strip(st.list_sources())
        finally:
            other.close()


def test_articles_are_tied_at_read_time_by_registered_domain_then_outlet_name(st):
    a = _article(
        st, LAVROV[0], url="https://m.lefaso.net/spip.php?article1", outlet="Lefaso", day=date(2023, 2, 6)
    )
    b = _article(
        st, LAVROV[1], url=None, outlet="actuniger.com", day=date(2023, 2, 6)
    )  # a host as outlet hint
    c = _article(st, LAVROV[2], url=None, outlet="Studio Tamani", day=date(2023, 2, 8))  # a name only
    d = _article(st, LAVROV[2] + " (AFP)", url="http://127.0.0.1/x", outlet=None, day=None)
    story = _story(st, [a, b, c, d])
    unknown = [(u.domain, u.outlet, u.articles) for u in st.unknown_outlets()]
    assert sorted(unknown, key=str) == sorted(
        [("lefaso.net", "Lefaso", 1), ("actuniger.com", "actuniger.com", 1), (None, "Studio Tamani", 1),
         (None, None, 1)], key=str)  # fmt: skip

    _starter(st)  # added after the articles: they are tied with no rerun
    ties = {t.article_id: t.source_id for t in st.article_ties([story])}
    assert ties == {a: "lefaso-net", b: "actuniger", c: "studio-tamani", d: None}
    assert [(u.domain, u.outlet) for u in st.unknown_outlets()] == [(None, None)]
    assert st.get_source("https://www.lefaso.net/a/b").id == "lefaso-net"  # any URL on its domain


def test_coverage_counts_countries_kinds_languages_and_lags(st):
    a = _article(st, LAVROV[0], url="https://www.ortm.ml/x", outlet="ORTM", day=date(2023, 2, 6))
    b = _article(st, LAVROV[1], url="https://www.essor.ml/y", outlet="L'Essor", day=date(2023, 2, 7))
    c = _article(st, LAVROV[2], url="https://www.rfi.fr/fr/afrique/z", outlet="RFI", day=date(2023, 2, 9))
    d = _article(st, LAVROV[2] + " Fin.", url="https://blog.example-sahel.org/p", outlet=None, day=None)
    story = _story(st, [a, b, c, d])
    _starter(st)

    cov = story_coverage(st, story)
    assert (cov.articles, cov.sources, cov.unknown_articles, cov.unknown_share) == (4, 3, 1, 0.25)
    assert [(x.value, x.sources, x.articles) for x in cov.countries] == [("ML", 2, 2), ("FR", 1, 1)]
    assert [(x.value, x.sources) for x in cov.kinds] == [("public", 2), ("international", 1)]
    assert [(x.value, x.articles) for x in cov.languages] == [("fr", 4)]
    assert [(t.name, t.lag_days, t.is_first) for t in cov.timing] == [
        ("ORTM", 0, True),
        ("L'Essor", 1, False),
        ("RFI", 3, False),
        ("example-sahel.org", None, False),  # an unknown outlet, listed by its domain, undated
    ]
    assert cov.blindspots == ()


def test_blind_spots_follow_the_registry_with_no_rerun(st):
    a = _article(st, LAVROV[0], url="https://www.ortm.ml/x", outlet=None, day=date(2023, 2, 6))
    b = _article(st, LAVROV[1], url="https://www.essor.ml/y", outlet=None, day=date(2023, 2, 6))
    c = _article(st, LAVROV[2], url="https://www.journaldumali.com/z", outlet=None, day=date(2023, 2, 6))
    one_country = _story(st, [a, b])
    single = _story(st, [c], label="Une seule source")
    assert blindspot_stories(st) == {}  # no registry: nothing known, no blind spot

    _starter(st)
    cov = story_coverage(st, one_country)
    assert [(s.by, s.value) for s in cov.blindspots] == [("country", "ML"), ("kind", "public")]
    assert set(blindspot_stories(st)) == {one_country}  # one source is not a blind spot
    assert story_coverage(st, single).blindspots == ()
    assert story_coverage(st, one_country, min_sources=3).blindspots == ()  # the setting
    [(story, listed)] = list_blindspot_stories(st)
    assert story.id == one_country and listed == cov

    # L'Essor is re-registered as a French private outlet: the story is no longer a blind spot
    add_source(st, "L'Essor", kind="private", country="FR")
    assert story_coverage(st, one_country).blindspots == ()
    assert list_blindspot_stories(st) == []


def test_comparison_json_gets_the_coverage_without_decoding_it(st):
    import json

    a = _article(st, LAVROV[0], url="https://www.ortm.ml/x", outlet=None, day=date(2023, 2, 6))
    story = _story(st, [a])
    cov = story_coverage(st, story)
    text = comparison_json_with_coverage('{"label":"x","sides":[{"a":"}"}]}', cov)
    assert json.loads(text) == {"label": "x", "sides": [{"a": "}"}], "coverage": json.loads(text)["coverage"]}
    assert (
        json.loads(text)["coverage"]["story_id"] == story
        and json.loads(text)["coverage"]["blindspot"] is False
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_fills_the_domain_of_stored_articles(backend, request, tmp_path):
    """A store at r0002 (before the registry) with articles: upgrading fills ``articles.domain``."""
    from alembic import command

    from veille.store.migrate import _alembic_config

    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    else:
        url = str(tmp_path / "old.db")
        engine = sa.create_engine(f"sqlite:///{url}")
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        command.upgrade(_alembic_config(conn), "r0002")
        for n, (link, outlet) in enumerate(
            [("https://www.lefaso.net/a", "Lefaso"), (None, "actuniger.com"), (None, "emediasn")]
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO documents (id, raw, media_type, source, container, received, received_key, hints)"
                    " VALUES (:id, :raw, 'text/plain', 's', 't', '2023-02-06', '2023-02-06', '{}')"
                ),
                {"id": f"d{n}", "raw": b"x"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO articles (id, content_id, text, url, outlet) VALUES (:id, :doc, 'texte', :url, :outlet)"
                ),
                {"id": f"a{n}", "doc": f"d{n}", "url": link, "outlet": outlet},
            )
    engine.dispose()
    store = open_store(url)
    try:
        add_source(store, "Lefaso.net", kind="private", country="BF", domains=["lefaso.net"])
        unknown = {(u.domain, u.outlet) for u in store.unknown_outlets()}
        assert unknown == {("actuniger.com", "actuniger.com"), (None, "emediasn")}
    finally:
        store.close()
