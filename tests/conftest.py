"""The only conftest: real-text fixtures (the seeds, the bundled sample, the gold), a temporary store and a
way to put a text in it,
the spaCy pipeline loaded once per session, and the shared evaluation sets (skipped when absent)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "veille" / "data" / "sample"
SEEDS_DIR = SAMPLE_DIR / "seeds"
TEST_DATA = Path(__file__).resolve().parent / "data"
EVAL_DIR = Path(os.environ.get("VEILLE_EVAL_DIR", ROOT.parent / "shared" / "eval"))

SEED_000 = "000_7d5c65816c15ba49"
SEED_002 = "002_c41fd276a5cca2db"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """{seed name: path} for the two seed articles, exactly as given."""
    return {p.stem: p for p in sorted(SEEDS_DIR.glob("*.txt"))}


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory: pytest.TempPathFactory, seed_paths: dict[str, Path]) -> Path:
    """A database holding the two seeds run through every stage by the CLI (read-only: copy it to change it)."""
    from click.testing import CliRunner

    from veille.cli import main

    db = tmp_path_factory.mktemp("seeds") / "veille.db"
    for args in (["ingest", *map(str, seed_paths.values())], ["run"]):
        result = CliRunner().invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the bundled sample (seeds and RPM2 articles) run through every stage, as `veille
    demo` leaves it (read-only: copy it to change it)."""
    from click.testing import CliRunner

    from veille.cli import main

    db = tmp_path_factory.mktemp("sample") / "veille.db"
    result = CliRunner().invoke(main, ["--db", str(db), "demo", "--json"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="session")
def live_server() -> Iterator[Callable[..., str]]:
    """Start `veille serve`'s app on a free loopback port in this process: ``start(db, token="")`` returns its
    base URL; every server started is stopped at the end of the session."""
    import socket
    import threading
    import time

    import uvicorn

    from veille.serve.app import create_app
    from veille.settings import load_settings

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(db: Path | str, token: str = "") -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        app = create_app(load_settings({"db": str(db), "token": token}, environ={}))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def seed_texts(seed_paths: dict[str, Path]) -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in seed_paths.items()}


@pytest.fixture(scope="session")
def gold() -> dict[str, Any]:
    """The hand-made reading of the seeds (tests/data/seeds-gold.json, a copy of shared/gold)."""
    return json.loads((TEST_DATA / "seeds-gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture()
def store(tmp_path: Path):
    """A fresh SQLite store in a temporary folder."""
    from veille.store import open_store

    st = open_store(str(tmp_path / "test.db"))
    yield st
    st.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def st(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh store on each backend: SQLite in a temporary folder, PostgreSQL on the throwaway server."""
    from veille.store import open_store

    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else str(tmp_path / "st.db")
    store = open_store(url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def put_text() -> Callable[..., str]:
    """Return put(store, text, outlet, day, title=None) -> article id: stores a text as a document and its
    article (no analysis), as ingest and extract would for a plain-text page."""
    from veille.model import Article, Document, article_id

    def put(store: Any, text: str, outlet: str, day: date | None, title: str | None = None) -> str:
        doc = Document.from_bytes(
            text.encode(),
            media_type="text/plain",
            source=outlet,
            container="t",
            received=datetime(2023, 2, 6, tzinfo=UTC),
        )
        store.add_document(doc)
        art = Article(
            id=article_id(doc.id),
            content_id=doc.id,
            text=text,
            outlet=outlet,
            published=day,
            title=title or text[:20],
        )
        store.put_article(art)
        return art.id

    return put


@pytest.fixture(scope="session")
def nlp():
    """The French spaCy pipeline, loaded once for the whole session."""
    from veille.understand.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """../shared/eval beside the checkout; tests that need it skip with a clear message when absent."""
    if not EVAL_DIR.is_dir():
        pytest.skip(f"evaluation sets not found at {EVAL_DIR} (set VEILLE_EVAL_DIR to their folder)")
    return EVAL_DIR


def _postgres_unavailable(why: str) -> None:
    """Skip the PostgreSQL tests with the reason, or fail under CI=true (CI installs the server: .ci/run)."""
    hint = "install Debian's postgresql (apt-get install postgresql) or run .ci/run"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {why}; {hint}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {why}; {hint}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A throwaway PostgreSQL server for the whole session (tools/pgtemp.py's TempPostgres: trust auth,
    user postgres, 127.0.0.1, durability off), stopped and removed at the end. Skipped when PostgreSQL
    cannot run here, except under CI=true where that fails."""
    import sys

    tools = str(ROOT / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import pgtemp

    why = pgtemp.available()
    if why:
        _postgres_unavailable(why)
    with pgtemp.TempPostgres() as server:  # a start that fails here is an error, not a skip
        yield server


@pytest.fixture()
def pg_url(postgres_server: Any) -> Iterator[str]:
    """The URL (postgresql://postgres@127.0.0.1:PORT/NAME) of a fresh database of its own for this test,
    with the extensions unaccent and pg_trgm; dropped afterwards (connections left open are closed)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
