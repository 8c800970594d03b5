"""The HTTP API and the CLI give the same JSON: each GET endpoint against its `veille … --json` twin, over the
bundled sample (`sample_db`, only read here), with real ids taken from the store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from veille.cli import main
from veille.serve import api
from veille.serve.app import create_app
from veille.settings import load_settings

# (CLI args, API path, has results); {story}, {article}... are filled from the store by `picks`
CASES = [
    (["stories"], "/api/stories", True),
    (["stories", "--order", "newest"], "/api/stories?order=newest", True),
    (["stories", "--min-articles", "2"], "/api/stories?min_articles=2", True),
    (["stories", "--query", "Lavrov Bamako"], "/api/stories?q=Lavrov%20Bamako", True),
    (
        ["stories", "--since", "{day}", "--until", "{day}"],
        "/api/stories?since={day}&until={day}",
        True,
    ),
    (
        ["stories", "--since", "2008-01-01", "--until", "2008-12-31"],
        "/api/stories?since=2008-01-01&until=2008-12-31",
        True,
    ),
    (["stories", "--outlet", "{outlet}"], "/api/stories?outlet={outlet}", True),
    (["stories", "--entity", "{person}"], "/api/stories?entity={person}", True),
    (["stories", "--limit", "3", "--offset", "2"], "/api/stories?limit=3&offset=2", True),
    (
        ["stories", "--order", "newest", "--limit", "2", "--offset", "1"],
        "/api/stories?order=newest&limit=2&offset=1",
        True,
    ),
    (["show", "{story}"], "/api/stories/{story}", True),
    (["show", "{largest}"], "/api/stories/{largest}", True),
    (["show", "{article}"], "/api/articles/{article}", True),
    (["compare", "{story}"], "/api/stories/{story}/comparison", True),
    (["compare", "{largest}"], "/api/stories/{largest}/comparison?format=json", True),
    (["events", "--story", "{story}"], "/api/stories/{story}/events", True),
    (["events", "--story", "{largest}", "--limit", "5"], "/api/stories/{largest}/events?limit=5", True),
    (["articles"], "/api/articles", True),
    (
        ["articles", "--outlet", "{outlet}", "--since", "{day}"],
        "/api/articles?outlet={outlet}&since={day}",
        True,
    ),
    (["articles", "--limit", "5", "--offset", "10"], "/api/articles?limit=5&offset=10", True),
    (["entities"], "/api/entities", True),
    (["entities", "--type", "PER", "--limit", "10"], "/api/entities?type=PER&limit=10", True),
    (["entities", "show", "{person}"], "/api/entities/{person}", True),
    (["entities", "show", "{person_id}", "--limit", "3"], "/api/entities/{person_id}?limit=3", True),
    (["quotes"], "/api/quotes", True),
    (["quotes", "--speaker", "{person}"], "/api/quotes?speaker={person}", True),
    (["quotes", "--story", "{story}"], "/api/quotes?story={story}", True),
    (
        ["quotes", "--article", "{article}", "--kind", "direct"],
        "/api/quotes?article={article}&kind=direct",
        True,
    ),
    (["events"], "/api/events", True),
    (["events", "--entity", "{person}", "--limit", "5"], "/api/events?entity={person}&limit=5", True),
    (["search", "Bamako"], "/api/search?q=Bamako", True),
    (
        ["search", "Société Générale", "--limit", "3"],
        "/api/search?q=Soci%C3%A9t%C3%A9%20G%C3%A9n%C3%A9rale&limit=3",
        True,
    ),
    (["duplicates"], "/api/duplicates", True),
    (["duplicates", "--story", "{largest}"], "/api/duplicates?story={largest}", False),
    (["failures"], "/api/failures", False),  # the sample fails nowhere
    (["sources", "list"], "/api/sources", True),  # `veille demo` loads the starter list
    (
        ["sources", "list", "--country", "NE", "--kind", "private"],
        "/api/sources?country=NE&kind=private",
        True,
    ),
    (["sources", "show", "{source}"], "/api/sources/{source}", True),
    (["sources", "unknown"], "/api/sources/unknown", True),
    (["sources", "status"], "/api/sources/status", True),
    (["stories", "--blindspot"], "/api/stories?blindspot=true", False),
    (["watches", "list"], "/api/watches", False),  # the sample has none: test_api.py adds some
]
ROUTE_PARAMETERS = {
    "{source}": "{source_id}",
    "{largest}": "{story_id}",
    "{story}": "{story_id}",
    "{article}": "{article_id}",
    "{person}": "{name}",
    "{person_id}": "{name}",
}
EXPORTS = ["markdown", "html", "csv"]
MEDIA = {"markdown": "text/markdown", "html": "text/html", "csv": "text/csv"}


def cli_json(db: Path, *args: str):
    result = CliRunner().invoke(main, ["--db", str(db), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@cache
def picks(db: Path) -> dict[str, str]:
    """Real ids and names from the store: the largest story, the best-sourced one, one of its articles, its
    day and an outlet, the most cited person."""
    stories = cli_json(db, "stories")
    best = max(stories, key=lambda s: (len(s["outlets"]), s["size"]))
    [person] = cli_json(db, "entities", "--type", "PER", "--limit", "1")
    return {
        "largest": stories[0]["id"],
        "story": best["id"],
        "article": best["articles"][0],
        "day": best["first_seen"],
        "outlet": best["outlets"][0],
        "person": person["name"],
        "person_id": person["entity_id"],
        "source": cli_json(db, "sources", "list", "--country", "NE")[0]["id"],
    }


def route_of(path: str) -> str:
    """The API route a CASES path calls: ``/api/stories/{largest}?limit=5`` → ``/api/stories/{story_id}``."""
    path = path.split("?")[0]
    for placeholder, parameter in ROUTE_PARAMETERS.items():
        path = path.replace(placeholder, parameter)
    return path


def api_client(db: Path) -> TestClient:
    return TestClient(create_app(load_settings({"db": str(db)}, environ={})))


def store_digest(db: Path) -> str:
    """A digest of every row of the SQLite store, opened read-only."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        digest = hashlib.sha256()
        for line in conn.iterdump():
            digest.update(line.encode())
    return digest.hexdigest()


@pytest.mark.parametrize(("args", "path", "has_results"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_contract_api_json_is_the_cli_json(sample_db, args, path, has_results):
    ids = picks(sample_db)
    args = [a.format(**ids) for a in args]
    path = path.format(**ids)
    with api_client(sample_db) as client:
        response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    expected = cli_json(sample_db, *args)
    assert response.json() == expected
    if has_results:  # an empty list on both sides would prove nothing
        assert expected, f"veille {' '.join(args)} --json found nothing: pick another example"


@pytest.mark.parametrize("fmt", EXPORTS)
@pytest.mark.parametrize("which", ["story", "largest"])
def test_contract_comparison_export_is_the_cli_export(sample_db, fmt, which):
    story = picks(sample_db)[which]
    result = CliRunner().invoke(main, ["--db", str(sample_db), "compare", story, "--format", fmt])
    assert result.exit_code == 0, result.output
    with api_client(sample_db) as client:
        response = client.get(f"/api/stories/{story}/comparison", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA[fmt])
    assert result.stdout == response.text + "\n"  # click.echo ends the export with a newline
    assert story in response.text


def test_contract_every_get_endpoint_has_a_twin():
    """Adding a GET endpoint without a contract case here fails; each endpoint names its CLI twin."""
    covered = {route_of(path) for _, path, _ in CASES}
    for route in api.router.routes:
        if "GET" not in route.methods or route.path == "/api/status":  # counters only: no CLI twin
            continue
        assert route.path in covered, f"no contract case for GET {route.path}"
        assert "`veille " in route.summary and "--json`" in route.summary, route.path


def test_contract_reads_leave_the_store_unchanged(sample_db):
    """Every read above (API and CLI) writes nothing: the same rows before and after."""
    before = store_digest(sample_db)
    ids = picks(sample_db)
    with api_client(sample_db) as client:
        for args, path, _ in CASES:
            assert client.get(path.format(**ids)).status_code == 200
            cli_json(sample_db, *(a.format(**ids) for a in args))
        for fmt in EXPORTS:
            assert client.get(f"/api/stories/{ids['story']}/comparison?format={fmt}").status_code == 200
    assert store_digest(sample_db) == before
