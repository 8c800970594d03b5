"""Every command on PostgreSQL gives what it gives on SQLite: the same inputs run through the CLI into one
database of each kind, then every listing, show, compare, hand edit and regroup compared as ``--json``.

Search is the one exception by design: PostgreSQL matches with French stemming and ranks with ``ts_rank``
(SQLite: FTS5 and bm25), so only the articles it finds are compared, not their order or snippets.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille.cli import main


def _json(db: str, *args: str):
    result = CliRunner().invoke(main, ["--db", db, *args, "--json"])
    assert result.exit_code == 0, f"{args}: {result.output}"
    return json.loads(result.output)


def _timeless(value):
    """The output without clock readings: when a hand edit was made, how long a step took."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("created", "seconds")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


@pytest.fixture
def french_db(postgres_server) -> Iterator[str]:
    """A database whose locale sorts text the French way (ICU "fr-FR"), as a newsroom's server may: veille
    must still list in SQLite's (byte) order."""
    import psycopg

    name = f"fr{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR'"
            " LOCALE 'C.UTF-8'"
        )
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def test_cli_postgresql_every_command_as_on_sqlite(tmp_path: Path, sample_dir: Path, french_db: str):
    pg_url = french_db
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for path in [
        *sorted((sample_dir / "seeds").glob("*.txt")),
        *sorted((sample_dir / "rpm2").glob("*.txt"))[:14],
    ]:
        shutil.copy(path, inputs / path.name)
    sqlite = str(tmp_path / "veille.db")
    dbs = (sqlite, pg_url)
    out: dict[str, list] = {}

    def both(*args: str) -> None:
        found = [_timeless(_json(db, *args)) for db in dbs]
        assert found[0] == found[1], f"veille {' '.join(args)} differs between SQLite and PostgreSQL"
        out[" ".join(args)] = found[0]

    for db in dbs:
        assert _json(db, "ingest", str(inputs))["ok"] == 16
    runs = [_timeless(_json(db, "run")) for db in dbs]
    assert runs[0] == runs[1] and runs[0]["group"]["ok"] == 16
    both("stories")
    story = next(s["id"] for s in out["stories"] if set(s["outlets"]) == {"emediasn", "actuniger.com"})
    article = out["stories"][0]["articles"][0]
    for args in (
        ("show", story),
        ("show", article),
        ("compare", story),
        ("entities",),
        ("entities", "--type", "PER"),
        ("entities", "show", "Abdoulaye Diop"),
        ("quotes",),
        ("quotes", "--speaker", "Abdoulaye Diop"),
        ("events",),
        ("events", "--story", story),
        ("duplicates",),
        ("failures",),
        ("stories", "--entity", "Lavrov"),
        ("stories", "--outlet", "emedia"),
        ("regroup", "--dry-run"),
    ):
        both(*args)
    # hand edits, then what they change
    both("entities", "merge", "Lavrov", "Abdoulaye Diop", "--note", "a test of the edits")
    both("entities", "show", "Abdoulaye Diop")
    both("entities", "split", "Abdoulaye Diop", "--name", "Sergueï Lavrov", "--alias", "Sergueï Lavrov")
    both("entities", "--type", "PER")
    both("regroup")
    both("stories")
    # search: the same articles found for a name written without its accents
    hits = [{h["article_id"] for h in _json(db, "search", "serguei lavrov")} for db in dbs]
    assert hits[0] == hits[1] and len(hits[0]) == 2
