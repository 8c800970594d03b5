"""`veille sources …`, `veille stories --blindspot`, coverage in `veille show` and `veille compare`, and their
HTTP twins and story page, over the two seeds run through every stage (a copy of ``seeds_db``)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from veille.cli import main
from veille.serve.app import create_app
from veille.settings import load_settings


def _run(db, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == code, result.output
    return result.output


def _json(db, *args: str, code: int = 0):
    return json.loads(_run(db, *args, "--json", code=code))


@pytest.fixture()
def db(seeds_db, tmp_path):
    copy = tmp_path / "veille.db"
    shutil.copy(seeds_db, copy)
    return copy


def test_sources_commands_from_the_starter_list_to_a_blind_spot(db, tmp_path):
    [story] = _json(db, "stories")
    assert _json(db, "sources", "list") == []
    # the seeds' outlet hints: "actuniger.com" (a host) and "emediasn" (a name), both unknown at first
    assert {(u["domain"], u["outlet"]) for u in _json(db, "sources", "unknown")} == {
        ("actuniger.com", "actuniger.com"),
        (None, "emediasn"),
    }
    report = _json(db, "sources", "import", "--starter")
    assert len(report["added"]) >= 60 and report["errors"] == []
    assert _json(db, "sources", "import", "--starter")["added"] == []  # idempotent
    niger = _json(db, "sources", "list", "--country", "NE", "--kind", "private")
    assert "actuniger" in {s["id"] for s in niger} and {s["country"] for s in niger} == {"NE"}
    assert _json(db, "sources", "list", "--country", "ner", "--kind", "private") == niger  # alpha-3, any case
    assert "not an ISO 3166 code" in _run(db, "sources", "list", "--country", "XQ", code=2)
    assert _json(db, "sources", "show", "https://www.actuniger.com/politique/x.html")["name"] == "ActuNiger"
    assert [u["outlet"] for u in _json(db, "sources", "unknown")] == ["emediasn"]

    coverage = _json(db, "show", story["id"])["coverage"]
    assert coverage["unknown_articles"] == 1 and coverage["blindspot"] is False
    assert _json(db, "stories", "--blindspot") == []

    added = _json(
        db, "sources", "add", "emediasn", "--kind", "private", "--country", "SN", "--language", "fr"
    )
    assert (added["id"], added["country"], added["kind"]) == ("emediasn", "SN", "private")
    [blind] = _json(db, "stories", "--blindspot")
    assert blind["id"] == story["id"]
    assert blind["coverage"]["blindspots"] == [{"by": "kind", "value": "private"}]  # two countries, one kind
    assert [c["value"] for c in blind["coverage"]["countries"]] == ["NE", "SN"]
    listed = _run(db, "stories", "--blindspot")
    assert "1 blind-spot stories" in listed and "only private" in listed
    shown = _run(db, "show", story["id"])
    assert "Blind spot: only private sources" in shown and "ActuNiger (first)" in shown
    assert _json(db, "compare", story["id"])["coverage"] == blind["coverage"]

    # an outlet re-registered as public: no blind spot any more, with no rerun
    _run(db, "sources", "add", "emediasn", "--kind", "public")
    assert _json(db, "stories", "--blindspot") == []
    # `add` finds a source by its name, never by a domain: a domain of another source is refused
    refused = _run(
        db, "sources", "add", "Radio Niger", "--kind", "private", "--domain", "actuniger.com", code=2
    )
    assert "'actuniger.com' already belongs to source 'actuniger'" in refused
    assert _json(db, "sources", "show", "actuniger")["name"] == "ActuNiger"


def test_sources_import_reports_bad_rows_and_export_reads_back(db, tmp_path):
    listing = tmp_path / "mine.csv"
    listing.write_text(
        "name,domain,country,kind,feeds\n"
        "Studio Tamani,studiotamani.org,ML,private,https://www.studiotamani.org/feed\n"
        "Radio Kledu,,Mali,private,\n",
        encoding="utf-8",
    )
    report = _json(db, "sources", "import", str(listing), code=1)
    assert report["added"] == ["studio-tamani"]
    assert report["errors"] == [{"line": 3, "name": "Radio Kledu", "message": report["errors"][0]["message"]}]
    assert "ISO 3166" in report["errors"][0]["message"]
    assert "line 3 (Radio Kledu)" in _run(db, "sources", "import", str(listing), code=1)

    for fmt in ("csv", "toml"):
        out = tmp_path / f"export.{fmt}"
        _run(db, "sources", "export", "--format", fmt, "--output", str(out))
        again = _json(db, "sources", "import", str(out))
        assert (again["added"], again["updated"], again["unchanged"]) == ([], [], ["studio-tamani"])
    assert _json(db, "sources", "export") == _json(db, "sources", "list") == _json(db, "sources")
    _run(db, "sources", "import", "--starter", str(listing), code=2)
    assert "not a TOML list" in _run(db, "sources", "import", "--format", "toml", str(listing), code=2)


def test_api_and_story_page_show_sources_and_coverage(db):
    _run(db, "sources", "import", "--starter")
    _run(db, "sources", "add", "emediasn", "--kind", "private", "--country", "SN")
    [story] = _json(db, "stories")
    with TestClient(create_app(load_settings({"db": str(db)}))) as client:
        assert client.get("/api/sources").json() == _json(db, "sources", "list")
        assert client.get("/api/sources?country=SN&kind=private").json() == _json(
            db, "sources", "list", "--country", "SN", "--kind", "private"
        )
        assert client.get("/api/sources?country=SEN&kind=private").json() == _json(
            db, "sources", "list", "--country", "SN", "--kind", "private"
        )
        wrong = client.get("/api/sources?country=XQ")
        assert wrong.status_code == 400 and wrong.json()["code"] == "bad_source"
        assert client.get("/api/sources/emediasn").json() == _json(db, "sources", "show", "emediasn")
        assert client.get("/api/sources/nothing-here").status_code == 404
        assert client.get("/api/sources/unknown").json() == _json(db, "sources", "unknown")
        assert client.get("/api/stories?blindspot=true").json() == _json(db, "stories", "--blindspot")
        assert client.get(f"/api/stories/{story['id']}").json() == _json(db, "show", story["id"])
        compared = client.get(f"/api/stories/{story['id']}/comparison").json()
        assert compared == _json(db, "compare", story["id"])
        assert compared["coverage"]["blindspot"] is True
        page = client.get(f"/stories/{story['id']}?lang=fr").text
        section = page[page.index('id="coverage"') : page.index("</section>", page.index('id="coverage"'))]
        assert "Angle mort" in section and "seulement des sources de type privé" in section
        assert "NE (1), SN (1)" in section
        english = client.get(f"/stories/{story['id']}?lang=en").text
        assert "Blind spot" in english and "only sources of kind private" in english
