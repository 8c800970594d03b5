"""Schemathesis over the API's own schema (/openapi.json), on the bundled sample: every GET operation, with
valid and invalid parameters and real ids, never answers a server error, answers what its schema says, and
every error has the one shape; writes without the token are refused, never run. Bounded and derandomized:
the same examples on every run, a few seconds per operation."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from veille.serve import api
from veille.serve.app import create_app
from veille.settings import load_settings

GET_PATHS = sorted(r.path for r in api.router.routes if "GET" in r.methods)
POST_PATHS = sorted(r.path for r in api.router.routes if "POST" in r.methods)
EXAMPLES = 50  # per operation: about a second each on 2 cores
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def error_shape(ctx, response, case):
    """Every error is JSON {"code", "message", "hint"} (a schemathesis check)."""
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0] == "application/json", response.headers
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"code", "message", "hint"}, body
        assert re.fullmatch(r"[a-z_]+", body["code"]) and body["message"], body
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    error_shape,
]


@cache
def app_for(db: Path, token: str = "") -> FastAPI:
    return create_app(load_settings({"db": str(db), "token": token}, environ={}))


def operation_of(app: FastAPI, path: str, method: str):
    return schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]


def get_json(app: FastAPI, path: str, **query):
    response = operation_of(app, path, "GET").Case(query=query).call()
    assert response.status_code == 200, response.text
    return response.json()


@cache
def real_ids(db: Path) -> dict[str, str]:
    """A path parameter's real values: the best-sourced story, one of its articles, its most cited person, a
    source (`veille demo` loads the starter list)."""
    app = app_for(db)
    story = max(get_json(app, "/api/stories"), key=lambda s: (len(s["outlets"]), s["size"]))
    [person] = get_json(app, "/api/entities", type="PER", limit=1)
    source = get_json(app, "/api/sources")[0]
    return {
        "story_id": story["id"],
        "article_id": story["articles"][0],
        "name": person["entity_id"],
        "source_id": source["id"],
    }


@pytest.mark.parametrize("path", GET_PATHS)
def test_fuzz_get_operation_answers_as_documented(sample_db, path):
    app = app_for(sample_db)
    operation = operation_of(app, path, "GET")
    strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    known = {name: value for name, value in real_ids(sample_db).items() if f"{{{name}}}" in path}
    if known:  # random ids only ever meet a 404: also go past it with real ones
        strategies.append(operation.as_strategy(path_parameters=known))
    statuses: Counter[int] = Counter()

    @given(case=st.one_of(strategies))
    @BOUNDED
    def answers(case):
        response = case.call()
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    answers()
    assert statuses[200] > 0, statuses  # the examples reached real data, not only errors
    no_parameter = {"/api/status", "/api/sources/status", "/api/watches"}  # nothing to get wrong
    if path not in no_parameter:
        assert any(400 <= s < 500 for s in statuses), statuses


@pytest.mark.parametrize("path", POST_PATHS)
def test_fuzz_post_operation_without_token_is_refused(sample_db, tmp_path, path):
    db = tmp_path / "veille.db"
    shutil.copy(sample_db, db)  # a write let through must not touch the shared sample
    app = app_for(db)
    operation = operation_of(app, path, "POST")
    statuses: Counter[int] = Counter()

    @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode]))
    @BOUNDED
    def refused(case):
        response = case.call()
        statuses[response.status_code] += 1
        case.validate_response(response, checks=[not_a_server_error, error_shape])
        # refused before the body is read: even one that does not parse
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "writes_disabled"

    counts = get_json(app, "/api/status")["counts"]
    refused()
    assert statuses[403] > 0, statuses
    assert get_json(app, "/api/status")["counts"] == counts


# Every 4xx the API gives is in /openapi.json, with the error shape (FastAPI alone would document only 200 and
# its own 422, HTTPValidationError `{"detail": [...]}`).
ERROR_CASES = [
    ("GET", "/api/stories/{story_id}", {"story_id": "s0000000000000"}, {}, 404),
    ("GET", "/api/entities/{name}", {"name": "Personne Inconnue"}, {}, 404),
    ("GET", "/api/stories", {}, {"q": '"('}, 400),
    ("GET", "/api/articles", {}, {"outlet": "--"}, 400),
    ("POST", "/api/run", {}, {}, 403),
]


@pytest.mark.parametrize(
    ("method", "path", "path_parameters", "query", "status"),
    ERROR_CASES,
    ids=[f"{u[0]} {u[1]} {u[4]}" for u in ERROR_CASES],
)
def test_fuzz_error_statuses_are_documented(sample_db, method, path, path_parameters, query, status):
    case = operation_of(app_for(sample_db), path, method).Case(path_parameters=path_parameters, query=query)
    response = case.call()
    assert response.status_code == status, response.text
    case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])


def test_fuzz_422_documented_with_the_error_shape(sample_db):
    spec = app_for(sample_db).openapi()
    reference = spec["paths"]["/api/stories"]["get"]["responses"]["422"]["content"]["application/json"][
        "schema"
    ]
    documented = spec["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]
    assert set(documented.get("required", [])) == {"code", "message", "hint"}, documented
