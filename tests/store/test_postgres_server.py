"""The throwaway PostgreSQL server the PostgreSQL store tests run on (tools/pgtemp.py, fixtures in conftest):
it answers, has what the store needs (unaccent, pg_trgm, the french text search configuration), gives each
test a database of its own, and leaves nothing behind."""

from __future__ import annotations

import socket
from typing import Any

import psycopg


def test_server_has_the_extensions_the_store_needs(pg_url: str):
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        assert conn.execute("SELECT unaccent('Sergueï Lavrov à Bamako')").fetchone() == (
            "Serguei Lavrov a Bamako",
        )
        (similarity,) = conn.execute("SELECT similarity('Abdoulaye Diop', 'Abdoulay Diop')").fetchone()
        assert 0.5 < similarity < 1
        assert conn.execute("SELECT 'Goïta' % 'Goita'").fetchone() == (True,)  # pg_trgm's operator
        encoding = conn.execute(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
        )
        assert encoding.fetchone() == ("UTF8",)


def test_french_text_search_configuration(pg_url: str):
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'french'").fetchone() == (1,)
        (vector,) = conn.execute(
            "SELECT to_tsvector('french', unaccent('Les ministres sont arrivés à Bamako'))::text"
        ).fetchone()
        assert (
            "'ministr'" in vector and "'bamako'" in vector and "'les'" not in vector
        )  # stemmed, stop words out
        query = (
            "SELECT to_tsvector('french', 'Le ministre est arrivé') @@ plainto_tsquery('french', 'ministres')"
        )
        assert conn.execute(query).fetchone() == (True,)


def test_each_database_is_fresh_and_its_own(pg_url: str, postgres_server: Any):
    other = postgres_server.create_database()
    assert other != pg_url
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    with psycopg.connect(pg_url) as a, psycopg.connect(other) as b:
        assert a.execute(tables).fetchone() == (0,) and b.execute(tables).fetchone() == (0,)
        a.execute("CREATE TABLE articles (id text PRIMARY KEY)")
        a.execute("INSERT INTO articles VALUES ('68334adba1575013')")
        a.commit()
        assert a.execute(tables).fetchone() == (1,) and b.execute(tables).fetchone() == (0,)
    postgres_server.drop_database(other.rsplit("/", 1)[1])


def test_server_stops_and_leaves_nothing_behind(postgres_server: Any):
    """Leaving the with block on an error stops the server and removes its folder."""
    server = type(postgres_server)()
    try:
        with server:
            folder, port = server.dir, server.port
            with psycopg.connect(server.url()) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
            raise RuntimeError("a failing test")
    except RuntimeError:
        pass
    assert server.dir is None and not folder.exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there any more
    server.stop()  # twice is harmless
