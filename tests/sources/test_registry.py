"""The source registry without a store: registered domains, checking a source, reading lists, the starter list."""

from __future__ import annotations

import tomllib

import pytest

from veille.model import SOURCE_KINDS
from veille.sources.domains import article_domain, registered_domain
from veille.sources.registry import (
    SourceError,
    export_sources,
    make_source,
    read_sources,
    starter_path,
)

# the eleven countries the starter list must cover (issue 21)
SAHEL_WEST_AFRICA = {"ML", "NE", "BF", "SN", "CI", "GN", "TD", "MR", "CM", "BJ", "TG"}


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("https://www.lefaso.net/spip.php?article123", "lefaso.net"),
        ("http://m.lefaso.net/x", "lefaso.net"),
        ("https://information.tv5monde.com/afrique/mali", "tv5monde.com"),
        ("https://www.bbc.co.uk/afrique/region-64543322", "bbc.co.uk"),  # a two-label public suffix
        ("https://www.aa.com.tr/fr/afrique/x", "aa.com.tr"),
        ("https://user:pw@WWW.ORTM.ML.:443/actualites", "ortm.ml"),  # credentials, port, case, final dot
        ("lesoleil.sn", "lesoleil.sn"),  # a bare host
        ("lemonde.fr/afrique", "lemonde.fr"),
        ("https://radiomali.blogspot.com/2023/02/x.html", "radiomali.blogspot.com"),  # a private suffix
        ("https://actualité.sn/x", "xn--actualit-i1a.sn"),  # IDNA
        ("http://127.0.0.1:8000/a", None),
        ("http://[::1]/a", None),
        ("http://localhost/a", None),
        ("https://intranet.invalidtld/a", None),
        ("", None),
    ],
)
def test_registered_domain_reduces_hosts_to_their_registered_domain(value, domain):
    assert registered_domain(value) == domain


def test_article_domain_uses_the_url_else_an_outlet_hint_that_is_a_host():
    assert article_domain("https://www.rfi.fr/fr/afrique/x", "RFI") == "rfi.fr"
    assert article_domain(None, "actuniger.com") == "actuniger.com"
    assert article_domain(None, "Lefaso.net") == "lefaso.net"
    assert article_domain(None, "emediasn") is None
    assert article_domain(None, "M. Diallo à Bamako.") is None  # a name, not a host
    assert article_domain(None, None) is None


def test_make_source_checks_and_normalises_every_field():
    source = make_source(
        "  Wakat   Séra ",
        kind="Private",
        country="bfa",  # ISO alpha-3, any case
        domains=["https://www.wakatsera.com/x", "m.wakatsera.com"],
        feeds=["https://www.wakatsera.com/feed/", "sitemap:https://www.wakatsera.com/news.xml"],
        languages=["fra", "fr"],
    )
    assert (source.id, source.name, source.kind, source.country) == (
        "wakat-sera",
        "Wakat Séra",
        "private",
        "BF",
    )
    assert source.domains == ("wakatsera.com",)
    assert [(f.url, f.kind) for f in source.feeds] == [
        ("https://www.wakatsera.com/feed/", "rss"),
        ("https://www.wakatsera.com/news.xml", "sitemap"),
    ]
    assert source.languages == ("fr",)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("kind", "state", "kind 'state' is not one of"),
        ("country", "Mali", "not an ISO 3166 code"),
        ("country", "XX", "not an ISO 3166 code"),
        ("languages", ["french"], "not an ISO 639 code"),
        ("domains", ["localhost"], "not a domain name"),
        ("feeds", ["ftp://example.org/feed"], "not an http(s) address"),
        ("feeds", ["podcast:https://example.org/feed"], "not an http(s) address"),
        ("id", "Mali Web", "lower-case words joined by hyphens"),
    ],
)
def test_make_source_refuses_a_bad_field_with_a_message_naming_it(field, value, words):
    values = {"kind": "private", "country": "ML", "domains": ["maliweb.net"]} | {field: value}
    with pytest.raises(SourceError, match=words.replace("(", r"\(").replace(")", r"\)")):
        make_source("Maliweb", **values)


def test_read_csv_reports_each_bad_row_with_its_line_and_keeps_the_good_ones():
    data = (
        "name,domain,country,kind,feeds\n"
        "Lefaso.net,lefaso.net,BF,private,https://lefaso.net/spip.php?page=backend\n"
        "Radio sans pays,radio.example.org,Burkina,public,\n"  # line 3: country
        '"Journal, du Mali",journaldumali.com,ML,private,\n'  # a quoted comma
        ",nobody.example.org,ML,private,\n"  # line 5: no name
        "Tchadinfos,tchadinfos.com,TD,private,https://tchadinfos.com/feed/ https://tchadinfos.com/x.rss\n"
        "APS,aps.sn,SN,state,\n"  # line 7: kind
        "Trop,de.example.org,ML,private,,surplus\n"  # line 8: one cell too many
        "\n"
    )
    rows, errors = read_sources(data.encode(), "csv")
    assert [r.source.name for r in rows] == ["Lefaso.net", "Journal, du Mali", "Tchadinfos"]
    assert [f.url for f in rows[2].source.feeds] == [
        "https://tchadinfos.com/feed/",
        "https://tchadinfos.com/x.rss",
    ]
    assert [(e.line, e.name) for e in errors] == [
        (3, "Radio sans pays"),
        (5, ""),
        (7, "APS"),
        (8, "Trop"),
    ]
    assert "ISO 3166" in errors[0].message and "needs a name" in errors[1].message
    assert "kind 'state'" in errors[2].message and "more cells than columns" in errors[3].message


@pytest.mark.parametrize(
    ("data", "fmt", "words"),
    [
        (b"title,url\nA,https://a.example.org\n", "csv", "at least the columns name and kind"),
        (b"", "csv", "at least the columns name and kind"),
        ("name,kind\nLe Soleil,public\n".encode("utf-16"), "csv", "UTF-8"),
        (b"[[source]\nname = 'x'", "toml", "not a TOML list"),
        (b"outlets = []", "toml", "unknown top-level key"),
    ],
)
def test_read_refuses_a_file_it_cannot_read_as_a_whole(data, fmt, words):
    with pytest.raises(SourceError, match=words):
        read_sources(data, fmt)


def test_read_toml_reports_bad_tables_by_rank():
    data = b"""
[[source]]
name = "RFI"
kind = "international"
country = "FR"
domains = ["rfi.fr"]
feeds = [{url = "https://www.rfi.fr/fr/afrique/rss", kind = "rss"}]

[[source]]
name = "Sans type"
country = 12
kind = "private"
"""
    rows, errors = read_sources(data, "toml")
    assert [r.source.id for r in rows] == ["rfi"]
    assert [(e.line, e.name) for e in errors] == [(2, "Sans type")]
    assert "must be a text" in errors[0].message


def test_export_then_read_gives_the_same_sources_in_csv_and_toml():
    sources = [
        make_source(
            "Le Monde",
            kind="international",
            country="FR",
            domains=["lemonde.fr"],
            feeds=["https://www.lemonde.fr/afrique/rss_full.xml", "atom:https://www.lemonde.fr/a.xml"],
            languages=["fr"],
            note="Le Monde Afrique, a section",
        ),
        make_source("Blog sans pays", kind="blog", domains=["exemple.blogspot.com"], active=False),
    ]
    for fmt in ("csv", "toml"):
        rows, errors = read_sources(export_sources(sources, fmt), fmt)
        assert errors == []
        assert [r.source for r in rows] == [
            s.__class__(**{**{f: getattr(s, f) for f in s.__dataclass_fields__}, "added": r.source.added})
            for s, r in zip(sources, rows, strict=True)
        ]


def test_the_starter_list_holds_at_least_60_valid_outlets_over_the_eleven_countries():
    raw = starter_path().read_bytes()
    assert "general knowledge" in tomllib.loads(raw.decode())["provenance"]
    rows, errors = read_sources(raw, "toml")
    assert errors == []
    sources = [r.source for r in rows]
    assert len(sources) >= 60
    assert {s.country for s in sources} >= SAHEL_WEST_AFRICA
    for country in SAHEL_WEST_AFRICA:  # national outlets of each country, state and private
        kinds = {s.kind for s in sources if s.country == country}
        assert {"public", "private"} <= kinds, country
    assert {s.kind for s in sources} <= set(SOURCE_KINDS)
    assert len({s.id for s in sources}) == len(sources)
    domains = [d for s in sources for d in s.domains]
    assert all(s.domains for s in sources) and len(set(domains)) == len(domains)
    assert all(not s.feeds for s in sources)  # unverified feeds are left out
    by_name = {s.name: s for s in sources}
    for name, country, kind in [
        ("ORTM", "ML", "public"),
        ("Le Sahel", "NE", "public"),
        ("Sidwaya", "BF", "public"),
        ("Le Soleil", "SN", "public"),
        ("Fraternité Matin", "CI", "public"),
        ("AGP", "GN", "public"),
        ("Tchadinfos", "TD", "private"),
        ("AMI", "MR", "public"),
        ("Cameroon Tribune", "CM", "public"),
        ("La Nation", "BJ", "public"),
        ("RFI", "FR", "international"),
        ("AFP", "FR", "agency"),
    ]:
        assert (by_name[name].country, by_name[name].kind) == (country, kind), name
