"""Migrations and copies: a database made by veille 0.1 upgrades in place without loss, a migrated database
matches the declared tables on both backends, and ``veille copy`` carries every row both ways."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from veille.cli import main
from veille.store import migrate, open_store
from veille.store.copy import copy_store, table_checksums
from veille.store.schema import metadata

LEGACY = Path(__file__).resolve().parent.parent / "data" / "store-0.1"


def _json(db: str, *args: str):
    result = CliRunner().invoke(main, ["--db", db, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _contains(old, new, where="") -> None:
    """Assert that ``new`` says everything ``old`` said (new keys may be added)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        for key, value in old.items():
            assert key in new, f"{where}.{key} missing"
            _contains(value, new[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{where}: {len(old)} items before"
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _contains(a, b, f"{where}[{i}]")
    else:
        assert old == new, f"{where}: {old!r} became {new!r}"


def test_migrate_a_veille_0_1_database_upgrades_in_place_without_loss(tmp_path):
    db = tmp_path / "veille.db"
    shutil.copy(LEGACY / "veille.db", db)
    expected = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))
    story = expected["stories"][0]["id"]
    now = {
        "stories": _json(str(db), "stories"),
        "show_story": _json(str(db), "show", story),
        "compare": _json(str(db), "compare", story),
        "search": _json(str(db), "search", "Lavrov Bamako"),
        "entities": _json(str(db), "entities"),
        "entity": _json(str(db), "entities", "show", "Abdoulaye Diop"),
        "quotes": _json(str(db), "quotes"),
        "events": _json(str(db), "events"),
        "duplicates": _json(str(db), "duplicates"),
        "failures": _json(str(db), "failures"),
        "show_article": {a: _json(str(db), "show", a) for a in expected["show_article"]},
    }
    from veille.compare import COMPARER_VERSION

    for key, old in expected.items():
        if key == "compare" and old["comparer"] != COMPARER_VERSION:
            # a newer comparer compares again: the same story and sources, its own facts and conflicts
            assert now[key]["comparer"] == COMPARER_VERSION
            old = {k: old[k] for k in ("story_id", "label", "sides")}
        _contains(old, now[key], key)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.HEAD
    assert conn.execute("SELECT count(*) FROM mentions WHERE name_cf IS NULL").fetchone()[0] == 0
    conn.close()
    # the upgraded store runs on: nothing new to extract or understand, the same single story
    result = CliRunner().invoke(main, ["--db", str(db), "run", "--json"])
    assert result.exit_code == 0, result.output
    assert [s["articles"] for s in _json(str(db), "stories")] == [s["articles"] for s in expected["stories"]]


def _schema_differences(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = open_store(url)
    try:
        context = MigrationContext.configure(store._db.conn)
        diffs = compare_metadata(context, metadata)
    finally:
        store.close()
    # the full-text table is dialect-specific and declared apart (schema.FTS_*)
    return [d for d in diffs if "articles_fts" not in repr(d) and "_trgm" not in repr(d)]


def _layout(url: str) -> dict:
    """Every table's columns and indexes, by name (what SQLite's reflection reads alike from old and new DDL)."""
    from sqlalchemy import inspect

    store = open_store(url)
    try:
        found = inspect(store._db.conn)
        return {
            table: (
                sorted(c["name"] for c in found.get_columns(table)),
                sorted(str(i["name"]) for i in found.get_indexes(table)),
            )
            for table in found.get_table_names()
        }
    finally:
        store.close()


def test_migrate_sqlite_matches_declared_tables(tmp_path):
    assert _schema_differences(str(tmp_path / "fresh.db")) == []
    # an upgraded 0.1 database has the fresh one's tables, columns and indexes (its legacy DDL text differs:
    # nullable text keys, REAL for Float, a foreign key's spacing, which SQLite keeps as written)
    db = tmp_path / "legacy.db"
    shutil.copy(LEGACY / "veille.db", db)
    assert _layout(str(db)) == _layout(str(tmp_path / "fresh.db"))


def test_migrate_postgresql_matches_declared_tables(pg_url):
    assert _schema_differences(pg_url) == []


def test_migrate_head_is_the_script_directory_head(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "veille.store:alembic")
    assert ScriptDirectory.from_config(config).get_heads() == [migrate.HEAD]


def test_copy_sqlite_to_postgresql_and_back_is_lossless(seeds_db, tmp_path, pg_url):
    source = tmp_path / "source.db"
    shutil.copy(seeds_db, source)
    back = tmp_path / "back.db"
    for src, dst in ((str(source), pg_url), (pg_url, str(back))):
        result = CliRunner().invoke(main, ["copy", src, dst, "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert all(t["is_equal"] for t in report["tables"])
    stores = [open_store(str(source)), open_store(pg_url), open_store(str(back))]
    try:
        sums = [table_checksums(s._db) for s in stores]
        assert sums[0] == sums[1] == sums[2]
        assert sums[0]["articles"][0] == 2 and sums[0]["mentions"][0] > 50
        # the same articles are found (ranked by FTS5's bm25 on SQLite, ts_rank on PostgreSQL)
        assert sorted(h.article_id for h in stores[1].search("Lavrov")) == sorted(
            h.article_id for h in stores[0].search("Lavrov")
        )
    finally:
        for s in stores:
            s.close()
    story = _json(str(source), "stories")[0]["id"]
    for db in (pg_url, str(back)):
        assert _json(db, "compare", story) == _json(str(source), "compare", story)
        assert _json(db, "show", story) == _json(str(source), "show", story)


def test_copy_refuses_a_target_that_holds_documents(seeds_db, tmp_path):
    target = tmp_path / "full.db"
    shutil.copy(seeds_db, target)
    result = CliRunner().invoke(main, ["copy", str(seeds_db), str(target)])
    assert result.exit_code != 0
    assert "already holds documents" in result.output
    with pytest.raises(Exception, match="already holds"):
        a, b = open_store(str(seeds_db)), open_store(str(target))
        try:
            copy_store(a._db, b._db)
        finally:
            a.close()
            b.close()
