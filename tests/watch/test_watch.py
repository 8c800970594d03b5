"""``veille watch`` against 20 outlets played by a local server: exactly-once ingest, conditional requests,
back-off and pause, status, news sitemaps, SIGTERM, and a real ``kill -9`` mid-pass."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from outlets import OutletServer, World, page, rss, sitemap

from veille.model import Source, SourceFeed
from veille.settings import Settings
from veille.store import open_store
from veille.watch import poll, status

ROOT = Path(__file__).resolve().parents[2]
UA = "veille-test/1.0 (+mailto:test@example.invalid)"


def _settings(db, **kw):
    return Settings(
        **{
            "db": str(db),
            "user_agent": UA,
            "fetch_delay": 0.0,
            "allow_private": True,
            "fetch_timeout": 1.0,
            "fetch_max_bytes": 1_000_000,
            "watch_interval": 0.0,
            "watch_backoff": 30.0,
            "watch_pause_after": 3,
            "watch_workers": 8,
            **kw,
        }
    )


def _register(store, base, outlets):
    """outlets: {slug: [(feed path, kind)]} → one source per slug with those feeds."""
    for slug, feeds in outlets.items():
        store.put_source(
            Source(
                id=slug,
                name=slug.replace("-", " ").title(),
                kind="private",
                country="ML",
                feeds=tuple(SourceFeed(base + path, kind) for path, kind in feeds),
            )
        )


def _twenty(world: World, base: str) -> dict[str, list[tuple[str, str]]]:
    """Fill ``world`` with 20 outlets; return their feeds as {slug: [(path, kind)]}."""
    outlets: dict[str, list[tuple[str, str]]] = {}
    for n in range(1, 11):  # ten healthy RSS outlets with two articles each
        items = []
        for k in range(2):
            path = f"/o{n}/a/{k}.html"
            world.set(
                path,
                "text/html; charset=utf-8",
                page(f"Titre {n}-{k}", f"Article {k} du média {n} à Bamako."),
            )
            items.append((f"o{n}-{k}", base + path, f"Titre {n}-{k}"))
        world.set(f"/o{n}/rss", "application/rss+xml", rss(f"Média {n}", items))
        outlets[f"media-{n}"] = [(f"/o{n}/rss", "rss")]
    for n, behaviour in zip(range(11, 16), ("error", "slow", "loop", "endless", "huge"), strict=True):
        path = f"/o{n}/rss"
        if behaviour == "huge":
            filler = [(f"h{i}", f"{base}/o{n}/a/{i}.html", "x" * 400) for i in range(4000)]
            world.set(path, "application/rss+xml", rss("Énorme", filler))  # ~2 MB, over the 1 MB cap
        else:
            world.behaviours[path] = world.behaviours[path + "2"] = behaviour
        outlets[f"media-{n}"] = [(path, "rss")]
    world.set("/o16/rss", "application/rss+xml", b"<?xml version='1.0'?><rss><channel><title>Cass</chan")
    outlets["media-16"] = [("/o16/rss", "rss")]
    # one outlet, two feeds carrying the same entry
    shared = (base + "/o17/a/commun.html", "Commun")
    world.set("/o17/a/commun.html", "text/html", page("Commun", "Une dépêche présente dans deux rubriques."))
    world.set("/o17/a/seul.html", "text/html", page("Seul", "Une dépêche d'une seule rubrique."))
    world.set("/o17/une", "application/rss+xml", rss("Une", [("c1", *shared)]))
    world.set(
        "/o17/sahel",
        "application/rss+xml",
        rss("Sahel", [("c1", *shared), ("s1", base + "/o17/a/seul.html", "Seul")]),
    )
    outlets["media-17"] = [("/o17/une", "rss"), ("/o17/sahel", "rss")]
    # one article syndicated by two outlets: the same bytes at two addresses
    agency = page("Dépêche", "Le texte d'agence repris mot pour mot par deux médias.")
    for n in (18, 19):
        world.set(f"/o{n}/a/depeche.html", "text/html", agency)
        world.set(
            f"/o{n}/rss",
            "application/rss+xml",
            rss(f"Média {n}", [("d", f"{base}/o{n}/a/depeche.html", "D")]),
        )
        outlets[f"media-{n}"] = [(f"/o{n}/rss", "rss")]
    # a news sitemap
    world.set("/o20/a/s.html", "text/html", page("Plan", "Un article annoncé par un plan de site."))
    world.set("/o20/sitemap.xml", "application/xml", sitemap([(base + "/o20/a/s.html", "Plan du site")]))
    outlets["media-20"] = [("/o20/sitemap.xml", "sitemap")]
    return outlets


def _entries(store):
    return store.watch_entries([f.feed_id for f in store.feed_states(active_only=False)])


def test_watch_twenty_outlets_exactly_once_conditional_backoff_and_status(tmp_path):
    world = World()
    with OutletServer(world) as server:
        base = server.base
        outlets = _twenty(world, base)
        settings = _settings(tmp_path / "w.db")
        with open_store(settings.db) as store:
            _register(store, base, outlets)
            first = poll.poll_once(store, settings)
            assert first.feeds_due == 21 and first.feeds_failed == 6
            failing = {e["url"].split("/")[3]: e["error"] for e in first.errors}
            assert set(failing) == {"o11", "o12", "o13", "o14", "o15", "o16"}
            assert "HTTP 500" in failing["o11"] and "timed out" in failing["o12"]
            assert "redirects" in failing["o13"]
            assert failing["o14"].startswith("too_large") and failing["o15"].startswith("too_large")
            assert failing["o16"].startswith("malformed")
            pages = [p for p in world.paths() if "/a/" in p]
            assert sorted(pages) == sorted(set(pages))  # every page fetched once
            assert len(pages) == 20 + 2 + 2 + 1  # o1-o10, o17 (shared entry once), o18 + o19, o20
            # 25 pages, 24 distinct bodies: the syndicated one stored once
            assert first.documents_new == 24 and store.counts()["documents"] == 24
            entries = _entries(store)
            assert len(entries) == 20 + 3 + 2 + 1 and all(e.document_id for e in entries)
            assert len({e.document_id for e in entries if "depeche" in e.url}) == 1
            sitemap_doc = store.get_document(
                next(e.document_id for e in entries if e.url.endswith("/s.html"))
            )
            assert (
                sitemap_doc.hints["title"] == "Plan du site" and sitemap_doc.hints["outlet"] == "Sahel Info"
            )

            # second pass: a feed changed, the others answer 304; failing feeds back off (not asked)
            world.set("/o3/a/new.html", "text/html", page("Nouveau", "Un nouvel article du média 3."))
            world.set(
                "/o3/rss",
                "application/rss+xml",
                rss(
                    "Média 3",
                    [("o3-new", base + "/o3/a/new.html", "Nouveau"), ("o3-0", base + "/o3/a/0.html", "T")],
                ),
            )
            before = len(world.log)
            second = poll.poll_once(store, settings)
            asked = world.log[before:]
            assert second.feeds_due == 15 and second.feeds_failed == 0
            assert second.not_modified == 14 and second.documents_new == 1 and second.entries_new == 1
            assert [p for p, _, _ in asked if "/a/" in p] == ["/o3/a/new.html"]
            assert all(cond for p, cond, _ in asked if p.endswith(("rss", "une", "sahel", "sitemap.xml")))
            assert not any(
                p.startswith(("/o11", "/o12", "/o13", "/o14", "/o15", "/o16")) for p, _, _ in asked
            )

            # failing again (forced past their back-off) until paused, then never asked
            for _ in range(2):
                poll.poll_once(store, settings, force=True)
            states = {f.url.split("/")[3]: f for f in store.feed_states()}
            assert all(states[o].paused and states[o].failures == 3 for o in failing)
            assert all(states[o].next_due > states[o].last_fetch for o in failing)
            before = len(world.log)
            poll.poll_once(store, settings, force=True)
            assert not any(p.startswith("/o11") for p, _, _ in world.log[before:])

            found = {s.source_id: s for s in status.source_status(store, settings)}
            assert found["media-11"].state == "paused" and "HTTP 500" in found["media-11"].last_error
            assert found["media-11"].last_error_time is not None and found["media-11"].last_success is None
            assert found["media-3"].state == "ok" and found["media-3"].articles_recent == 3
            assert found["media-17"].articles_recent == 2 and found["media-17"].feeds == 2
            # no new article for longer than watch_silent_days: silent
            later = status.source_status(
                store, settings, now=found["media-3"].last_article.replace(year=2099)
            )
            assert {s.source_id: s.state for s in later}["media-3"] == "silent"
            assert poll.resume_feeds(store, "media-11") == [base + "/o11/rss"]
            assert not {f.url: f for f in store.feed_states()}[base + "/o11/rss"].paused


def _cli(db, *args, env_extra=None):
    env = {
        **os.environ,
        "VEILLE_USER_AGENT": UA,
        "VEILLE_FETCH_DELAY": "0",
        "VEILLE_FETCH_TIMEOUT": "5",
        "VEILLE_WATCH_WORKERS": "2",
        **(env_extra or {}),
    }
    return [sys.executable, "-m", "veille", "--db", str(db), *args], env


def _many(world, base, n):
    items = []
    for k in range(n):
        path = f"/o1/a/{k}.html"
        world.set(path, "text/html", page(f"Titre {k}", f"Article numéro {k} sur la situation à Gao."))
        items.append((f"e{k}", base + path, f"Titre {k}"))
    world.set("/o1/rss", "application/rss+xml", rss("Média", items))


def _stored(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {r[0] for r in conn.execute("SELECT url FROM watch_entries WHERE document_id IS NOT NULL")}


def test_watch_kill_9_mid_pass_loses_and_doubles_nothing(tmp_path):
    world = World(page_delay=0.1)
    db = tmp_path / "k.db"
    with OutletServer(world) as server:
        _many(world, server.base, 40)
        with open_store(str(db)) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
        cmd, env = _cli(db, "watch", "--once", "--no-run", "--allow-private")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(_stored(db)) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        committed = _stored(db)
        assert 5 <= len(committed) < 40  # killed mid-pass
        time.sleep(0.5)  # the server finishes answering the dead process's requests (logged when answered)
        before = len(world.log)
        with open_store(str(db)) as store:
            summary = poll.poll_once(store, _settings(db))
            entries = _entries(store)
            assert store.counts()["documents"] == 40
        assert summary.documents_new == 40 - len(committed)
        # exactly the pages not committed were fetched again, each once
        again = [server.base + p for p, _, _ in world.log[before:] if "/a/" in p]
        assert sorted(again) == sorted({server.base + f"/o1/a/{k}.html" for k in range(40)} - committed)
        assert len(entries) == 40 and len({e.document_id for e in entries}) == 40


def test_watch_sigterm_stops_after_current_item_and_resumes(tmp_path):
    world = World(page_delay=0.1)
    db = tmp_path / "t.db"
    with OutletServer(world) as server:
        _many(world, server.base, 30)
        with open_store(str(db)) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
        cmd, env = _cli(db, "watch", "--once", "--no-run", "--allow-private", "--json")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(_stored(db)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, errors = proc.communicate(timeout=20)
        assert proc.returncode == 0, errors
        summary = json.loads(out)
        assert summary["stopped"] is True and 3 <= summary["documents_new"] < 30
        stored = _stored(db)
        assert len(stored) == summary["documents_new"]  # what it fetched, it stored
        with open_store(str(db)) as store:
            assert all(f.etag is None for f in store.feed_states())  # the feed is read whole again
            rest = poll.poll_once(store, _settings(db))
            assert rest.documents_new == 30 - len(stored) and store.counts()["documents"] == 30


def test_watch_refuses_loopback_without_allow_private(tmp_path):
    world = World()
    with OutletServer(world) as server:
        _many(world, server.base, 1)
        settings = _settings(tmp_path / "p.db", allow_private=False)
        with open_store(settings.db) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
            summary = poll.poll_once(store, settings)
            assert summary.feeds_failed == 1 and "loopback" in summary.errors[0]["error"]
            assert world.log == []
            [state] = store.feed_states()
            assert state.failures == 1 and "--allow-private" in state.last_error


def test_backoff_grows_with_jitter_and_is_capped():
    settings = Settings(watch_backoff=10.0, watch_backoff_max=100.0)
    waits = [poll.backoff_seconds(n, settings) for n in range(1, 8)]
    assert 7.5 <= waits[0] < 12.5 and 15 <= waits[1] < 25 and 30 <= waits[2] < 50
    assert all(75 <= w < 125 for w in waits[4:])  # capped at 100 (with jitter)
    assert len({round(poll.backoff_seconds(3, settings), 6) for _ in range(20)}) > 1  # jittered


@pytest.mark.parametrize("raw", [b"<urlset", b"<!DOCTYPE x [<!ENTITY a 'b'>]><urlset>&a;</urlset>"])
def test_sitemap_broken_or_with_entities_is_malformed(raw):
    from veille.errors import MalformedError
    from veille.watch.sitemaps import parse_sitemap

    with pytest.raises(MalformedError):
        parse_sitemap(raw)


class _Receiver:
    """A local endpoint taking POSTed alerts: answers ``status`` and keeps each JSON body."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.bodies.append(json.loads(body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status, self.bodies = 500, []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/alertes"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


ATTACK = (
    "Mali : une attaque fait {n} morts à Gao\n\n{where}, 7 février 2023 - {lead} contre le camp militaire de Gao a"
    " fait {n} morts lundi 6 février 2023, {said}. Le porte-parole de l'armée, le colonel Souleymane Dembélé, a"
    " confirmé l'attaque du camp de Gao à l'aube. Le ministre de la Défense Sadio Camara s'est rendu à Gao mardi."
)
REPORTS = (
    ATTACK.format(
        n=12, where="Bamako", lead="Une attaque", said="a annoncé l'armée malienne dans un communiqué"
    ),
    ATTACK.format(n=20, where="Gao", lead="L'attaque", said="selon des sources locales"),
)


def _report_outlets(world, base):
    """Serve each of REPORTS as a plain-text page behind a one-entry RSS feed; return {slug: [(feed, kind)]}."""
    outlets = {}
    for n, text in enumerate(REPORTS):
        world.set(f"/o{n}/a/seed.txt", "text/plain; charset=utf-8", text.encode("utf-8"))
        world.set(
            f"/o{n}/rss", "application/rss+xml", rss(f"M{n}", [("s", f"{base}/o{n}/a/seed.txt", "Gao")])
        )
        outlets[f"media-{n}"] = [(f"/o{n}/rss", "rss")]
    return outlets


def test_watch_runs_the_pipeline_then_alerts_are_raised_once_and_posted(tmp_path):
    from click.testing import CliRunner

    from veille.cli import main

    world = World()
    db = tmp_path / "a.db"
    env = {"VEILLE_USER_AGENT": UA, "VEILLE_FETCH_DELAY": "0", "VEILLE_WATCH_WORKERS": "2"}
    runner = CliRunner(env=env)
    receiver = _Receiver()
    try:
        with OutletServer(world) as server:
            outlets = _report_outlets(world, server.base)
            outlets["media-x"] = []
            with open_store(str(db)) as store:
                _register(store, server.base, outlets)

            def cli(*args):
                return runner.invoke(main, ["--db", str(db), *args])

            for watch in (
                ["--entity", "Souleymane Dembélé"],
                ["--words", "communiqué"],
                ["--sources", "media-x"],
            ):
                assert cli("watches", "add", *watch).exit_code == 0
            done = cli("watch", "--once", "--allow-private", "--json")
            assert done.exit_code == 0, done.output
            summary = json.loads(done.output)
            assert summary["documents_new"] == 2 and summary["pipeline_runs"] == 1
            assert summary["pipeline"]["group"]["ok"] == 2

            first = cli("alerts", "--post", receiver.url, "--json")
            assert first.exit_code == 1, first.output  # the endpoint failed: alerts kept pending
            report = json.loads(first.output)
            with open_store(str(db)) as store:
                [story] = store.list_stories()
                conflicts = store.get_comparison(story.id).conflicts
            assert [c.slot for c in conflicts] == ["figure: dead"]  # 12 or 20 dead
            kinds = [(a["watch_id"], a["kind"]) for a in report["alerts"]]
            assert kinds.count((1, "story")) == 1 and kinds.count((2, "story")) == 1
            assert kinds.count((1, "conflict")) == len(conflicts) and not any(w == 3 for w, _ in kinds)
            assert all(a["story_id"] == story.id for a in report["alerts"])
            assert len(report["failed"]) == len(report["alerts"]) and "500" in report["failed"][0]["error"]

            receiver.status = 200
            second = json.loads(cli("alerts", "--post", receiver.url, "--json").output)
            assert second["alerts"] == [] and sorted(second["delivered"]) == sorted(
                a["id"] for a in report["alerts"]
            )
            delivered = receiver.bodies[len(report["alerts"]) :]
            assert {b["id"] for b in delivered} == set(second["delivered"])
            assert all(b["story"]["id"] == story.id for b in delivered)
            third = json.loads(cli("alerts", "--post", receiver.url, "--json").output)
            assert third == {"alerts": [], "delivered": [], "failed": []}
            # looking back from a date raises nothing twice
            assert json.loads(cli("alerts", "--since", "2000-01-01", "--json").output)["alerts"] == []
            listed = json.loads(cli("watches", "list", "--json").output)
            assert [w["entity"] for w in listed] == ["Souleymane Dembélé", None, None]
            assert (
                cli("watches", "remove", "3").exit_code == 0 and cli("watches", "remove", "3").exit_code == 2
            )
            status_out = json.loads(cli("sources", "status", "--json").output)
            assert {s["source_id"]: s["articles_recent"] for s in status_out} == {
                "media-0": 1,
                "media-1": 1,
                "media-x": 0,
            }
    finally:
        receiver.close()


def test_watch_page_failure_is_recorded_and_retried_until_it_succeeds(tmp_path):
    world = World()
    with OutletServer(world) as server:
        _many(world, server.base, 3)
        missing = "/o1/a/2.html"
        body = world.resources.pop(missing)
        settings = _settings(tmp_path / "f.db")
        with open_store(settings.db) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
            first = poll.poll_once(store, settings)
            assert (first.documents_new, first.pages_failed) == (2, 1) and "404" in first.errors[0]["error"]
            [failure] = store.list_failures(stage="ingest")
            assert failure.item_id == server.base + missing and failure.code == "fetch_failed"
            [state] = store.feed_states()
            assert state.etag is None  # read whole next time, to retry the entry
            before = len(world.log)
            second = poll.poll_once(store, settings)
            asked = world.log[before:]
            assert [p for p, _, _ in asked if "/a/" in p] == [missing]
            assert not any(cond for p, cond, _ in asked if p == "/o1/rss")
            assert second.pages_failed == 1
            world.resources[missing] = body
            third = poll.poll_once(store, settings)
            assert third.documents_new == 1 and store.counts()["documents"] == 3
            entry = next(e for e in _entries(store) if e.url.endswith(missing))
            assert (entry.attempts, entry.error) == (3, None) and entry.document_id
            [state] = store.feed_states()
            assert state.etag is not None  # all stored: conditional again
            assert poll.poll_once(store, settings).not_modified == 1


def test_watch_keeps_every_document_an_entry_page_gives(tmp_path):
    """An entry whose page is a JSON Lines file of two articles: both are stored, with the entry, and the entry
    points to the first (before, the second was dropped with nothing recorded)."""
    world = World()
    with OutletServer(world) as server:
        lines = [
            {
                "url": f"https://presse.example/{k}",
                "title": f"Titre {k}",
                "text": f"Article numéro {k} sur Gao.",
            }
            for k in (1, 2)
        ]
        body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        world.set("/o1/a/both.jsonl", "application/x-ndjson", body)
        world.set(
            "/o1/rss", "application/rss+xml", rss("Média", [("e1", server.base + "/o1/a/both.jsonl", "T")])
        )
        settings = _settings(tmp_path / "j.db")
        with open_store(settings.db) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
            summary = poll.poll_once(store, settings)
            assert (summary.documents_new, summary.pages_failed) == (2, 0), summary.errors
            assert store.counts()["documents"] == 2 and not store.list_failures()
            [entry] = _entries(store)
            first = store.get_document(entry.document_id)
            assert first is not None and b"Titre 1" in first.raw
            again = poll.poll_once(store, settings)
            assert again.documents_new == 0 and store.counts()["documents"] == 2


def test_watch_reads_a_sitemap_gzipped_without_content_encoding(tmp_path):
    """``sitemap.xml.gz`` served as application/x-gzip, no Content-Encoding (as many sites serve it): its
    entries are read; a gzip bomb in its place is the feed's failure, not an exhausted process."""
    import gzip

    world = World()
    with OutletServer(world) as server:
        world.set(
            "/o1/a/s.html", "text/html", page("Plan", "Article du plan du site sur la situation à Gao.")
        )
        world.set(
            "/o1/news.xml.gz",
            "application/x-gzip",
            gzip.compress(sitemap([(server.base + "/o1/a/s.html", "Plan")])),
        )
        settings = _settings(tmp_path / "g.db")
        with open_store(settings.db) as store:
            _register(store, server.base, {"media": [("/o1/news.xml.gz", "sitemap")]})
            summary = poll.poll_once(store, settings)
            assert (summary.documents_new, summary.feeds_failed) == (1, 0), summary.errors
            [entry] = _entries(store)
            assert entry.url == server.base + "/o1/a/s.html"
        # over fetch_max_bytes (1 MB here) once decompressed: 30 KB on the wire, refused after 1 MB of inflating
        world.set("/o2/news.xml.gz", "application/x-gzip", gzip.compress(b"<urlset>" + b" " * 30_000_000))
        settings = _settings(tmp_path / "b.db")
        with open_store(settings.db) as store:
            _register(store, server.base, {"bombe": [("/o2/news.xml.gz", "sitemap")]})
            summary = poll.poll_once(store, settings)
            assert (summary.documents_new, summary.feeds_failed) == (0, 1)
            assert "larger than fetch_max_bytes" in summary.errors[0]["error"], summary.errors


def test_watch_loop_polls_again_on_its_interval_until_sigterm(tmp_path):
    world = World()
    db = tmp_path / "l.db"
    with OutletServer(world) as server:
        _many(world, server.base, 2)
        with open_store(str(db)) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
        cmd, env = _cli(db, "watch", "--interval", "0.3", "--no-run", "--allow-private", "--json")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while len(_stored(db)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            _many(world, server.base, 3)  # the feed grows: the running loop picks the new entry up
            while len(_stored(db)) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(_stored(db)) == 3
            answered = len(world.log)
            while not any(st == 304 for _, _, st in world.log[answered:]) and time.monotonic() < deadline:
                time.sleep(0.05)  # a later pass asks again and finds the feed unchanged
            proc.send_signal(signal.SIGTERM)
            out, errors = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, errors
        passes = [
            json.loads(part) for part in out.decode().replace("}\n{", "}\x00{").split("\x00") if part.strip()
        ]
        assert len(passes) >= 2 and sum(p["documents_new"] for p in passes) == 3
        assert sum(p["not_modified"] for p in passes) >= 1  # passes in between found the feed unchanged


def test_watch_source_schedule_keeps_a_feed_until_it_is_due(tmp_path):
    from click.testing import CliRunner

    from veille.cli import main

    world = World()
    db = tmp_path / "s.db"
    with OutletServer(world) as server:
        _many(world, server.base, 1)
        settings = _settings(db)
        with open_store(str(db)) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
        done = CliRunner().invoke(main, ["--db", str(db), "sources", "schedule", "Media", "3600", "--json"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output) == {
            "source": "Media",
            "interval": 3600.0,
            "feeds": [server.base + "/o1/rss"],
        }
        with open_store(str(db)) as store:
            assert poll.poll_once(store, settings).feeds_polled == 1
            [state] = store.feed_states()
            assert (
                state.interval == 3600 and 3590 < (state.next_due - state.last_fetch).total_seconds() <= 3600
            )
            assert poll.poll_once(store, settings).feeds_due == 0  # not due for an hour
            poll.schedule_feeds(store, "media", None)  # back to watch_interval (0 here)
            [state] = store.feed_states()
            assert state.interval is None and state.next_due is None
            assert poll.poll_once(store, settings).not_modified == 1  # due again at once
        bad = CliRunner().invoke(main, ["--db", str(db), "sources", "schedule", "nobody", "60"])
        assert bad.exit_code == 2 and "unknown source" in bad.output


def test_watch_catches_up_on_stored_documents_and_alerts_wait_for_the_pipeline(tmp_path):
    """Documents stored without the pipeline (--no-run, or a stopped process) are processed by the next pass
    even when it finds nothing new, and a look at alerts taken before they were grouped does not skip them."""
    from click.testing import CliRunner

    from veille.cli import main

    world = World()
    db = tmp_path / "c.db"
    env = {"VEILLE_USER_AGENT": UA, "VEILLE_FETCH_DELAY": "0", "VEILLE_WATCH_WORKERS": "2"}
    runner = CliRunner(env=env)
    with OutletServer(world) as server:
        with open_store(str(db)) as store:
            _register(store, server.base, _report_outlets(world, server.base))

        def cli(*args):
            return runner.invoke(main, ["--db", str(db), *args])

        assert cli("watches", "add", "--words", "communiqué").exit_code == 0
        stored = json.loads(cli("watch", "--once", "--no-run", "--allow-private", "--json").output)
        assert stored["documents_new"] == 2 and stored["pipeline_runs"] == 0
        early = json.loads(cli("alerts", "--json").output)  # nothing grouped yet: nothing to say
        assert early["alerts"] == []
        again = cli("watch", "--once", "--force", "--allow-private", "--json")
        assert again.exit_code == 0, again.output
        summary = json.loads(again.output)
        assert summary["documents_new"] == 0 and summary["not_modified"] == 2
        assert summary["pipeline_runs"] == 1 and summary["pipeline"]["group"]["ok"] == 2
        late = json.loads(cli("alerts", "--json").output)
        with open_store(str(db)) as store:
            [story] = store.list_stories()
        kinds = sorted((a["kind"], a["story_id"]) for a in late["alerts"])
        assert kinds == [("conflict", story.id), ("story", story.id)]  # 12 or 20 dead
        assert json.loads(cli("alerts", "--json").output)["alerts"] == []


def test_watch_second_sigterm_stops_a_pipeline_run_and_the_next_pass_catches_up(tmp_path):
    from veille import pipeline
    from veille.extract import EXTRACTOR_VERSION

    world = World()
    db = tmp_path / "p.db"
    with OutletServer(world) as server:
        _many(world, server.base, 30)
        with open_store(str(db)) as store:
            _register(store, server.base, {"media": [("/o1/rss", "rss")]})
        cmd, env = _cli(db, "watch", "--once", "--allow-private", "--json")
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(_stored(db)) < 30 and time.monotonic() < deadline:
                time.sleep(0.02)
            # every page is stored: the pass now runs the pipeline (models to load, 30 articles), and a first
            # SIGTERM lets it finish; a second one stops it
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            _out, errors = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode != 0 and b"again: stopping now" in errors, errors
        settings = _settings(db)
        with open_store(str(db)) as store:
            assert len(store.pending("extract", EXTRACTOR_VERSION)) > 0  # the run was cut short
            summary = poll.poll_once(
                store,
                settings,
                force=True,
                run_pipeline=lambda: pipeline.run(store, settings=settings).as_dict(),
            )
            assert summary.documents_new == 0 and summary.pipeline_runs == 1
            assert store.pending("extract", EXTRACTOR_VERSION) == []
            assert store.counts()["documents"] == 30
