"""`veille serve` over the seeds: one error shape, writes behind the token (merge, upload), reads from other
machines behind it too, CORS closed by default, a Content-Security-Policy everywhere, pages in French or
English."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veille.serve import api
from veille.serve.app import create_app
from veille.settings import load_settings

TOKEN = "jeton-de-test-5b1f"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FAR = ("203.0.113.5", 1234)  # TEST-NET-3: not this machine

PAGE = b"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Niamey accueille une rencontre sur l'eau</title>
<meta property="og:site_name" content="Le Sahel de test"></head>
<body><nav>Accueil | Politique | Sport</nav>
<article><h1>Niamey accueille une rencontre sur l'eau</h1>
<p>Les ministres de l'Hydraulique du Niger et du Burkina Faso se sont retrouv\xc3\xa9s mardi \xc3\xa0 Niamey pour
parler du partage des eaux du fleuve Niger, dont d\xc3\xa9pendent des millions d'agriculteurs.</p>
<p>\xc2\xab Le fleuve est notre bien commun \xc2\xbb, a d\xc3\xa9clar\xc3\xa9 le ministre nig\xc3\xa9rien \xc3\xa0 l'ouverture
des travaux, qui doivent durer trois jours et se conclure par une d\xc3\xa9claration commune.</p>
<p>Les deux d\xc3\xa9l\xc3\xa9gations doivent aussi visiter le barrage de Kandadji, en construction depuis
plusieurs ann\xc3\xa9es en amont de la capitale.</p></article>
<footer>Signaler ce commentaire</footer></body></html>"""


def client_for(db: Path, **settings: object) -> TestClient:
    return TestClient(create_app(load_settings({"db": str(db), **settings}, environ={})))


def writable_copy(db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "veille.db"
    shutil.copy(db, copy)
    return copy


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "hint"}
    assert all(isinstance(v, str) for v in body.values()) and body["message"]
    assert body["code"] == code, body
    return body


def lang_of(response) -> str:
    found = re.search(r'<html lang="(\w+)"', response.text)
    assert found, response.text[:200]
    return found[1]


def snapshot(client: TestClient) -> tuple[dict, dict]:
    """What a write would change: the store's counts, and Lavrov's entity (names, hand edits)."""
    return client.get("/api/status").json(), client.get("/api/entities/Lavrov").json()


def ids_of(client: TestClient) -> dict[str, str]:
    [story] = client.get("/api/stories").json()
    person = client.get("/api/entities", params={"type": "PER", "limit": 1}).json()[0]
    return {"story": story["id"], "article": story["articles"][0], "entity": person["entity_id"]}


# errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/stories/s0000000000000", 404, "not_found"),
        ("GET", "/api/stories/s0000000000000/comparison", 404, "not_found"),
        ("GET", "/api/stories/s0000000000000/events", 404, "not_found"),
        ("GET", "/api/articles/ffffffffffff", 404, "not_found"),
        ("GET", "/api/entities/Personne%20Inconnue", 404, "not_found"),
        ("GET", "/api/quotes?story=s0000000000000", 404, "not_found"),
        ("GET", "/api/stories?entity=Personne%20Inconnue", 404, "not_found"),
        ("GET", "/api/stories?since=2023-13-01", 422, "bad_parameter"),
        ("GET", "/api/stories?until=hier", 422, "bad_parameter"),
        ("GET", "/api/stories?limit=0", 422, "bad_parameter"),
        ("GET", "/api/stories?order=oldest", 422, "bad_parameter"),
        ("GET", "/api/search", 422, "bad_parameter"),
        ("GET", "/api/entities?type=PERSON", 422, "bad_parameter"),
        ("GET", "/api/nothing/here", 404, "not_found"),
        ("POST", "/api/stories", 405, "method_not_allowed"),
        ("GET", "/api/run", 405, "method_not_allowed"),
    ],
)
def test_api_errors_have_one_shape(seeds_db, method, path, status, code):
    with client_for(seeds_db) as client:
        assert_error(client.request(method, path), status, code)


def test_api_error_messages_name_the_culprit(seeds_db):
    with client_for(seeds_db) as client:
        body = assert_error(client.get("/api/stories?since=2023-13-01"), 422, "bad_parameter")
        assert "since" in body["message"]
        assert "limit" in assert_error(client.get("/api/stories?limit=0"), 422, "bad_parameter")["message"]
        body = assert_error(client.get("/api/entities/Personne%20Inconnue"), 404, "not_found")
        assert "Personne Inconnue" in body["message"]
        body = assert_error(
            client.get("/api/stories/s0000000000000/comparison?format=pdf"), 422, "bad_parameter"
        )
        assert "format" in body["message"]


# writes ------------------------------------------------------------------------------------------
WRITES = [
    ("/api/run", {}),
    ("/api/entities/merge", {"json": {"source": "Goita", "target": "Lavrov"}}),
    ("/api/entities/split", {"json": {"entity": "Lavrov", "name": "Autre Lavrov", "alias": "Lavrov"}}),
    ("/api/ingest", {"files": [("files", ("page.html", PAGE, "text/html"))]}),
]


@pytest.mark.parametrize(("path", "request_args"), WRITES, ids=[w[0] for w in WRITES])
def test_api_writes_refused_without_a_configured_token(seeds_db, tmp_path, path, request_args):
    db = writable_copy(seeds_db, tmp_path)
    with client_for(db) as client:
        before = snapshot(client)
        body = assert_error(client.post(path, **request_args, headers=AUTH), 403, "writes_disabled")
        assert "VEILLE_TOKEN" in body["hint"]
        assert snapshot(client) == before
        assert before[0]["writes"] is False


@pytest.mark.parametrize(("path", "request_args"), WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer faux"}, {"X-Veille-Token": "faux"}])
def test_api_writes_refused_with_a_wrong_token(seeds_db, tmp_path, path, request_args, headers):
    db = writable_copy(seeds_db, tmp_path)
    with client_for(db, token=TOKEN) as client:
        before = snapshot(client)
        assert_error(client.post(path, **request_args, headers=headers), 401, "bad_token")
        assert snapshot(client) == before
        assert before[0]["writes"] is True


def test_api_merge_shows_in_the_entity_edits(seeds_db, tmp_path):
    db = writable_copy(seeds_db, tmp_path)
    with client_for(db, token=TOKEN) as client:
        source = client.get("/api/entities/Igor Gromyko").json()
        target = client.get("/api/entities/Lavrov").json()
        assert source["entity_id"] != target["entity_id"] and target["edits"] == []
        body = {"source": "Igor Gromyko", "target": "Lavrov", "note": "test de fusion"}
        response = client.post("/api/entities/merge", json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        edit = response.json()
        assert edit["kind"] == "merge" and edit["note"] == "test de fusion"
        assert (edit["entity_id"], edit["target_id"]) == (source["entity_id"], target["entity_id"])
        merged = client.get(f"/api/entities/{target['entity_id']}").json()
        assert merged["edits"] == [edit]
        assert "Igor Gromyko" in merged["aliases"]
        assert client.get("/api/entities/Igor Gromyko").json()["entity_id"] == target["entity_id"]
        unknown = client.post(
            "/api/entities/merge", json={"source": "Zorglub", "target": "Lavrov"}, headers=AUTH
        )
        assert_error(unknown, 404, "not_found")
        assert_error(
            client.post("/api/entities/merge", json={"source": ""}, headers=AUTH), 422, "bad_parameter"
        )


def test_api_watches_are_the_cli_watches(seeds_db, tmp_path):
    """The watches a user saved on the command line, over the API: the same JSON as `veille watches list`."""
    import json

    from click.testing import CliRunner

    from veille.cli import main

    db = writable_copy(seeds_db, tmp_path)
    runner = CliRunner()
    for args in (["--entity", "Lavrov"], ["--words", "coopération militaire"]):
        added = runner.invoke(main, ["--db", str(db), "watches", "add", *args])
        assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["--db", str(db), "watches", "list", "--json"])
    expected = json.loads(listed.stdout)
    assert [w["words"] for w in expected] == [None, "coopération militaire"] and expected[0]["entity"]
    with client_for(db) as client:
        response = client.get("/api/watches")
    assert response.status_code == 200 and response.json() == expected


def test_api_ingest_upload_then_the_same_again(seeds_db, tmp_path):
    db = writable_copy(seeds_db, tmp_path)
    upload = [("files", ("niamey-eau.html", PAGE, "text/html"))]
    with client_for(db, token=TOKEN) as client:
        response = client.post("/api/ingest", files=upload, headers=AUTH)
        assert response.status_code == 200, response.text
        counts = response.json()
        assert counts["ingest"] | {"seconds": 0} == {
            "processed": 1,
            "ok": 1,
            "failed": 0,
            "codes": {},
            "seconds": 0,
        }
        assert counts["run"]["extract"]["ok"] == 1 and counts["run"]["understand"]["ok"] == 1
        assert all(stage["failed"] == 0 for stage in counts["run"].values())
        [hit] = client.get("/api/search", params={"q": "Kandadji"}).json()
        article = client.get(f"/api/articles/{hit['article_id']}").json()
        assert article["title"] == "Niamey accueille une rencontre sur l'eau"
        assert "parler du partage des eaux du fleuve Niger" in article["text"]
        assert "Signaler ce commentaire" not in article["text"]
        assert article["story_id"] is not None

        counts_before = client.get("/api/status").json()["counts"]
        again = client.post("/api/ingest", files=upload, headers=AUTH).json()
        assert (again["ingest"]["processed"], again["ingest"]["ok"], again["ingest"]["failed"]) == (1, 0, 0)
        assert again["run"]["extract"]["processed"] == 0  # already known: nothing new to read
        assert client.get("/api/status").json()["counts"] == counts_before


def test_api_ingest_binary_garbage_is_a_recorded_failure(seeds_db, tmp_path):
    db = writable_copy(seeds_db, tmp_path)
    garbage = bytes(range(256)) * 16  # NUL bytes and all: no text
    with client_for(db, token=TOKEN) as client:
        assert client.get("/api/failures").json() == []
        response = client.post(
            "/api/ingest?run=false",
            files=[("files", ("junk.bin", garbage, "application/octet-stream"))],
            headers=AUTH,
        )
        assert response.status_code == 200, response.text
        counts = response.json()
        assert counts["run"] is None
        assert (counts["ingest"]["processed"], counts["ingest"]["failed"]) == (1, 1)
        assert counts["ingest"]["codes"] == {"not_text": 1}
        [failure] = client.get("/api/failures").json()
        assert (failure["stage"], failure["code"]) == ("ingest", "not_text")
        assert "junk.bin" in failure["source"]
        assert client.get("/api/failures?stage=extract").json() == []


def test_api_ingest_needs_a_file(seeds_db, tmp_path):
    db = writable_copy(seeds_db, tmp_path)
    with client_for(db, token=TOKEN) as client:
        assert_error(client.post("/api/ingest", headers=AUTH), 422, "bad_parameter")
        empty = client.post(
            "/api/ingest?run=false", files=[("files", ("vide.txt", b"", "text/plain"))], headers=AUTH
        )
        assert empty.status_code == 200 and empty.json()["ingest"]["codes"] == {"empty_input": 1}


# reads from other machines -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/stories", "/api/status", "/stories", "/methodology"])
def test_api_reads_from_another_machine_need_the_token(seeds_db, path):
    app = create_app(load_settings({"db": str(seeds_db), "token": TOKEN}, environ={}))
    with TestClient(app, client=FAR) as far:
        refused = far.get(path)
        assert refused.status_code == 401
        assert "Content-Security-Policy" in refused.headers
        if path.startswith("/api"):
            assert_error(refused, 401, "bad_token")
        assert far.get(path, headers={"Authorization": "Bearer faux"}).status_code == 401
        assert far.get(path, headers=AUTH).status_code == 200
        assert far.get(path, headers={"X-Veille-Token": TOKEN}).status_code == 200
    with TestClient(app) as near:  # this machine reads without it
        assert near.get(path).status_code == 200


def test_api_reads_from_another_machine_refused_without_any_token(seeds_db):
    with TestClient(create_app(load_settings({"db": str(seeds_db)}, environ={})), client=FAR) as far:
        assert far.get("/api/stories").status_code == 403
        assert far.get("/api/stories", headers=AUTH).status_code == 403


# CORS and headers --------------------------------------------------------------------------------
def test_api_cors_closed_by_default(seeds_db):
    with client_for(seeds_db) as client:
        response = client.get("/api/stories", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
        preflight = client.options(
            "/api/stories", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
        assert "access-control-allow-origin" not in preflight.headers


def test_api_cors_open_to_the_configured_origin_only(seeds_db):
    with client_for(seeds_db, cors_origins="https://desk.example") as client:
        allowed = client.get("/api/stories", headers={"Origin": "https://desk.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
        preflight = client.options(
            "/api/entities/merge",
            headers={
                "Origin": "https://desk.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://desk.example"
        other = client.get("/api/stories", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        other = client.options(
            "/api/stories", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
        assert "access-control-allow-origin" not in other.headers


def script_sources(policy: str) -> list[str]:
    """The sources a Content-Security-Policy allows scripts from (script-src, else default-src)."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives.get("script-src", directives.get("default-src"))


def test_api_security_headers_everywhere(seeds_db):
    with client_for(seeds_db) as client:
        ids = ids_of(client)
        paths = [
            "/stories",
            f"/stories/{ids['story']}",
            f"/articles/{ids['article']}",
            f"/entities/{ids['entity']}",
            "/methodology",
            "/api/stories",
            f"/api/stories/{ids['story']}/comparison",
            f"/api/stories/{ids['story']}/comparison?format=html",
            "/api/stories/s0000000000000",
            "/stories/s0000000000000",
            "/openapi.json",
        ]
        for path in paths:
            response = client.get(path)
            policy = response.headers.get("content-security-policy")
            assert policy, path
            sources = script_sources(policy)
            assert sources is not None and "'unsafe-inline'" not in sources and "*" not in sources, path
            assert response.headers["x-content-type-options"] == "nosniff", path
        assert script_sources(client.get("/stories").headers["content-security-policy"]) == ["'self'"]


def test_api_openapi_lists_every_api_path(seeds_db):
    with client_for(seeds_db) as client:
        schema = client.get("/openapi.json").json()
    listed = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    routes = {(r.path, m) for r in api.router.routes for m in r.methods}
    assert routes == listed
    assert {p for p, _ in listed} >= {
        "/api/status",
        "/api/stories",
        "/api/stories/{story_id}",
        "/api/stories/{story_id}/comparison",
        "/api/stories/{story_id}/events",
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/entities",
        "/api/entities/{name}",
        "/api/entities/merge",
        "/api/entities/split",
        "/api/quotes",
        "/api/events",
        "/api/search",
        "/api/duplicates",
        "/api/failures",
        "/api/run",
        "/api/ingest",
    }
    assert all(p.startswith("/api/") for p, _ in listed)  # pages stay out of the API schema


# pages -------------------------------------------------------------------------------------------
PAGES = [
    "/stories",
    "/stories/{story}",
    "/articles/{article}",
    "/entities",
    "/entities/{entity}",
    "/methodology",
]
NAV = {"fr": ">Histoires</a>", "en": ">Stories</a>"}


@pytest.mark.parametrize("page", PAGES)
def test_api_pages_in_french_by_default_and_in_english(seeds_db, page):
    with client_for(seeds_db) as client:
        path = page.format(**ids_of(client))
        french = client.get(path)
        assert french.status_code == 200 and french.headers["content-type"].startswith("text/html")
        assert lang_of(french) == "fr" and NAV["fr"] in french.text
        english = client.get(path, params={"lang": "en"})
        assert lang_of(english) == "en" and NAV["en"] in english.text and NAV["fr"] not in english.text
    with client_for(seeds_db) as browser:
        english = browser.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
        assert english.status_code == 200 and lang_of(english) == "en"
        german_first = browser.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
        assert lang_of(german_first) == "fr"


def test_api_pages_cookie_keeps_the_language(seeds_db):
    with client_for(seeds_db) as client:
        chosen = client.get("/stories?lang=en")
        assert "lang=en" in chosen.headers["set-cookie"]
        assert lang_of(client.get("/entities")) == "en"
        assert lang_of(client.get("/methodology", headers={"Accept-Language": "fr-FR"})) == "en"
        assert lang_of(client.get("/methodology?lang=fr")) == "fr"
        assert lang_of(client.get("/stories")) == "fr"
        assert lang_of(client.get("/stories?lang=xx")) == "fr"  # an unknown language changes nothing


def test_api_pages_bad_span_is_an_html_422(seeds_db):
    with client_for(seeds_db) as client:
        article = ids_of(client)["article"]
        response = client.get(f"/articles/{article}", params={"span": "abc"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert lang_of(response) == "fr" and "START-END" in response.text
        assert client.get(f"/articles/{article}", params={"span": "0-40"}).status_code == 200
        missing = client.get("/stories/s0000000000000")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert client.get("/entities/Personne Inconnue").status_code == 404


def test_story_page_cuts_long_tables_and_links_the_whole(seeds_db, monkeypatch):
    """A story's page shows the first rows of each table and a link to the whole; ``?full=true`` shows all."""
    from veille.serve import pages

    monkeypatch.setattr(pages, "SHOWN_ROWS", 1)
    monkeypatch.setattr(pages, "SHOWN_PER_SOURCE", 1)
    client = client_for(seeds_db)
    [story] = client.get("/api/stories").json()
    facts = client.get(f"/api/stories/{story['id']}/comparison").json()["facts"]
    told = {c: sum(1 for f in facts if f["coverage"] == c) for c in ("all", "some", "one")}
    assert told["all"] > 1 and told["one"] > 2  # the seeds share several facts and each adds its own
    cut = client.get(f"/stories/{story['id']}").text
    whole = client.get(f"/stories/{story['id']}?full=true").text
    assert cut.count('data-coverage="all"') == 1 and whole.count('data-coverage="all"') == told["all"]
    assert cut.count('data-coverage="one"') == 2  # one under each of the two outlets
    assert whole.count('data-coverage="one"') == told["one"]
    assert f"{told['all'] - 1} de plus" in cut and "full=true#facts" in cut
    assert 'class="more"' not in whole


def test_story_page_shows_the_first_sources_and_counts_the_others(seeds_db, monkeypatch):
    """Past ``SHOWN_SOURCES`` sources, the page's columns stop and each fact counts its other sources."""
    from veille.serve import pages

    monkeypatch.setattr(pages, "SHOWN_SOURCES", 1)
    client = client_for(seeds_db)
    [story] = client.get("/api/stories").json()
    comparison = client.get(f"/api/stories/{story['id']}/comparison").json()
    first = comparison["sides"][0]["article_id"]
    cut = client.get(f"/stories/{story['id']}").text
    assert cut.count('class="side" data-article=') == 2  # one in the sources, one for its lone facts
    second = comparison["sides"][1]["article_id"]
    assert f'data-article="{first}"' in cut and f'data-article="{second}"' not in cut
    shared = sum(1 for f in comparison["facts"] if f["coverage"] == "all")
    assert cut.count('<td class="cell others">1</td>') == min(shared, pages.SHOWN_ROWS)
    assert "1 de plus" in cut and "full=true#sources" in cut
    whole = client.get(f"/stories/{story['id']}?full=true").text
    assert f'data-article="{second}"' in whole and "cell others" not in whole


def test_answers_kept_a_few_seconds_and_cleared_by_a_write(seeds_db, tmp_path):
    """A read asked again is answered from what was kept (an ``age`` header), in the encoding asked; a
    write through the server clears them, so the next read sees it; with ``serve_cache_seconds`` 0 none
    is kept."""
    db = writable_copy(seeds_db, tmp_path)
    client = client_for(db, token=TOKEN)
    first = client.get("/api/status")
    again = client.get("/api/status")
    assert "age" not in first.headers and again.headers["age"] == "0" and again.json() == first.json()
    [story] = client.get("/api/stories").json()
    path = f"/api/stories/{story['id']}/comparison"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and "age" not in plain.headers  # another answer
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.json() == plain.json()
    sent = client.post("/api/ingest", files={"files": ("niamey.html", PAGE, "text/html")}, headers=AUTH)
    assert sent.status_code == 200, sent.text
    after = client.get("/api/status")
    assert "age" not in after.headers
    assert after.json()["counts"]["documents"] == first.json()["counts"]["documents"] + 1
    off = client_for(db, serve_cache_seconds=0.0)
    off.get("/api/status")
    assert "age" not in off.get("/api/status").headers


def test_equal_requests_at_once_computed_once(seeds_db):
    """Requests for the same answer arriving together wait for the first one's: one is computed (no ``age``
    header), the others are sent the kept answer."""
    import asyncio

    import httpx

    app = create_app(load_settings({"db": str(seeds_db)}, environ={}))

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            [story] = (await client.get("/api/stories")).json()
            return await asyncio.gather(*(client.get(f"/stories/{story['id']}") for _ in range(8)))

    answers = asyncio.run(burst())
    assert all(a.status_code == 200 for a in answers)
    assert sum("age" not in a.headers for a in answers) == 1
    assert len({a.text for a in answers}) == 1
