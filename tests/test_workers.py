"""Several ``veille run`` processes on one database: they share the work and give the tables one process gives.

Real processes (``python -m veille``) on real text: the two seeds and ten articles of the bundled sample.
On PostgreSQL two processes started together split extraction and understanding (claims) and one of them
links, groups and compares; on SQLite the second writer waits its turn and never fails with "database is
locked". The tables are compared row by row, leaving out only what differs by nature between two runs
(the time a failure or a link was recorded, the order of autoincrement ids).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from veille.group.state import read_state_header
from veille.store import open_store
from veille.store.schema import claims, metadata

ROOT = Path(__file__).resolve().parent.parent
_VOLATILE = {"id", "time", "time_key", "created", "until_key", "received", "received_key"}


def _inputs(tmp_path: Path, sample_dir: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    for path in [
        *sorted((sample_dir / "seeds").glob("*.txt")),
        *sorted((sample_dir / "rpm2").glob("*.txt"))[:10],
    ]:
        shutil.copy(path, folder / path.name)
    return folder


def _veille(db: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "veille", "--db", db, *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(proc: subprocess.Popen[str]) -> dict:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out)


def _tables(db: str) -> dict[str, Counter]:
    store = open_store(db)
    try:
        found = {}
        for table in metadata.sorted_tables:
            if table is claims:
                continue
            columns = [c for c in table.columns if c.name not in _VOLATILE]
            rows = [tuple(r) for r in store._db.conn.execute(select(*columns)).all()]
            if (
                table.name == "states"
            ):  # the grouper's bytes follow set order, which varies by process: its header
                rows = [
                    (key, tag, repr(read_state_header(payload)) if key == "grouper" else payload)
                    for key, tag, payload in rows
                ]
            found[table.name] = Counter(rows)
        return found
    finally:
        store.close()


def _run_pair(one: str, two: str, inputs: Path) -> tuple[dict, list[dict]]:
    for db in (one, two):
        _finish(_veille(db, "ingest", str(inputs)))
    single = _finish(_veille(one, "run"))
    procs = [_veille(two, "run"), _veille(two, "run")]
    return single, [_finish(p) for p in procs]


def _check(single: dict, pair: list[dict], one: str, two: str) -> None:
    for stage in ("extract", "understand"):
        assert sum(run[stage]["processed"] for run in pair) == single[stage]["processed"], stage
    a, b = _tables(one), _tables(two)
    assert a["articles"] and a["analyses"] and a["story_articles"]
    for name in a:
        assert a[name] == b[name], f"table {name} differs between one process and two"


def test_workers_two_processes_on_postgresql_equal_one(tmp_path, sample_dir, postgres_server):
    one, two = postgres_server.create_database(), postgres_server.create_database()
    single, pair = _run_pair(one, two, _inputs(tmp_path, sample_dir))
    assert all(run["understand"]["processed"] > 0 for run in pair), "both processes took a share"
    _check(single, pair, one, two)


def test_workers_two_processes_on_sqlite_wait_their_turn(tmp_path, sample_dir):
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    single, pair = _run_pair(one, two, _inputs(tmp_path, sample_dir))
    _check(single, pair, one, two)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_workers_claims_one_winner(backend, tmp_path, request):
    from datetime import UTC, datetime, timedelta

    url = request.getfixturevalue("pg_url") if backend == "postgresql" else str(tmp_path / "c.db")
    a, b = open_store(url), open_store(url)
    try:
        soon = datetime.now(UTC) + timedelta(minutes=1)
        assert a.claim("extract", ["d1", "d2"], "w1", soon) == ["d1", "d2"]
        assert b.claim("extract", ["d2", "d3"], "w2", soon) == ["d3"]
        a.drop_claims("w1", "extract", ["d2"])
        assert b.claim("extract", ["d2"], "w2", soon) == ["d2"]
        past = datetime.now(UTC) - timedelta(seconds=1)
        a.renew_claims("w1", past)  # w1's lease on d1 ended: another worker takes it over
        assert b.claim("extract", ["d1"], "w2", soon) == ["d1"]
        assert {k: w for k, (w, _) in a.claims("extract").items()} == {"d1": "w2", "d2": "w2", "d3": "w2"}
    finally:
        a.close()
        b.close()


def _many(tmp_path: Path, sample_dir: Path, n: int) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for path in [
        *sorted((sample_dir / "seeds").glob("*.txt")),
        *sorted((sample_dir / "rpm2").glob("*.txt"))[:n],
    ]:
        shutil.copy(path, folder / path.name)
    return folder


def _spread(tmp_path: Path, sample_dir: Path, per_event: int) -> Path:
    """The seeds and the first ``per_event`` articles of each of the sample's 20 events: about 20 stories."""
    folder = tmp_path / "spread"
    folder.mkdir()
    for path in [
        *sorted((sample_dir / "seeds").glob("*.txt")),
        *sorted(p for p in (sample_dir / "rpm2").glob("T*.txt") if int(p.stem.split("_")[2]) <= per_event),
    ]:
        shutil.copy(path, folder / path.name)
    return folder


def _compare_claims(db: str, proc: subprocess.Popen[str], until=None) -> dict[str, int]:
    """Watch a run's claims on stories to compare until it ends (or ``until(store, claims)`` says so); return
    every story seen claimed → the pid that held it."""
    import time

    store = open_store(db)
    seen: dict[str, int] = {}
    try:
        while proc.poll() is None:
            held = {
                story: int(worker.split(":")[1]) for story, (worker, _) in store.claims("compare").items()
            }
            seen.update(held)
            if until is not None and until(store, held):
                break
            time.sleep(0.02)
    finally:
        store.close()
    return seen


def test_run_with_two_workers_equals_one(tmp_path, sample_dir):
    """`veille run --workers 2` starts a second process that takes a share of understanding and of comparing
    (issue 20), and the tables equal one process's."""
    inputs = _spread(tmp_path, sample_dir, 2)
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    for db in (one, two):
        _finish(_veille(db, "ingest", str(inputs)))
    single = _finish(_veille(one, "run", "--workers", "1"))
    proc = _veille(two, "run", "--workers", "2")
    claimed = _compare_claims(two, proc)
    both = _finish(proc)
    assert both["understand"]["processed"] == single["understand"]["processed"] == 42
    assert both["understand"]["ok"] == 42 and both["extract"]["ok"] == single["extract"]["ok"]
    stories = single["compare"]["processed"]
    assert stories >= 15 and both["compare"]["ok"] == stories
    assert len(set(claimed.values())) == 2 and proc.pid in claimed.values(), "the run and its helper compared"
    a, b = _tables(one), _tables(two)
    for name in a:
        assert a[name] == b[name], f"table {name} differs between one worker and two"


def test_a_helper_that_dies_comparing_fails_its_stories_not_the_run(tmp_path, sample_dir):
    """Kill the helper once it has compared a story and holds others: those it held and had not compared are
    recorded as failures (worker_died), the run compares the rest, and a run with --retry-failed ends with the
    tables of one process."""
    import signal

    inputs = _spread(tmp_path, sample_dir, 2)
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    for db in (one, two):
        _finish(_veille(db, "ingest", str(inputs)))
    proc = _veille(two, "run", "--workers", "2")
    killed: dict[str, set[str]] = {}

    def kill_helper(store, held: dict[str, int]) -> bool:
        for pid in set(held.values()) - {proc.pid}:
            mine = {story for story, p in held.items() if p == pid}
            done = {story for story in mine if store.get_comparison(story) is not None}
            if done:  # it compared these: the rest of what it holds is being compared, or next
                os.kill(pid, signal.SIGKILL)
                killed["done"], killed["held"] = done, mine
                return True
        return False

    _compare_claims(two, proc, until=kill_helper)
    out, err = proc.communicate(timeout=600)
    single = _finish(_veille(one, "run", "--workers", "1"))
    assert killed, "the helper never compared a story"
    summary, stories = json.loads(out), single["compare"]["processed"]
    died = summary["compare"]["codes"].get("worker_died", 0)
    assert summary["compare"]["processed"] == stories and summary["compare"]["ok"] == stories - died, err[
        -2000:
    ]
    assert proc.returncode == (1 if died else 0)
    store = open_store(two)
    try:
        failed = {f.item_id for f in store.list_failures() if f.stage == "compare"}
        assert len(failed) == died and failed <= killed["held"] - killed["done"]
        assert all(store.get_comparison(s) is None for s in failed)
        assert all(
            store.get_comparison(s.id) is not None
            for s in store.list_stories(limit=1000)
            if s.id not in failed
        )
    finally:
        store.close()
    _finish(_veille(two, "run", "--retry-failed", "--workers", "1"))
    a, b = _tables(one), _tables(two)
    for name in a:
        assert a[name] == b[name], f"table {name} differs from one worker's after a helper died and a retry"


def test_a_worker_that_dies_fails_its_articles_not_the_run(tmp_path, sample_dir):
    """Kill the helper process while it holds articles: they are recorded as failures (worker_died), every
    other article is read, and the run ends with its stories."""
    import signal
    import time

    inputs = _many(tmp_path, sample_dir, 62)
    db = str(tmp_path / "die.db")
    _finish(_veille(db, "ingest", str(inputs)))
    proc = _veille(db, "run", "--workers", "2")
    store = open_store(db)
    killed, deadline = None, time.monotonic() + 240
    try:
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            for worker, _ in store.claims("understand").values():
                pid = int(worker.split(":")[1])
                if pid != proc.pid:  # the helper, not the run itself
                    os.kill(pid, signal.SIGKILL)
                    killed = pid
                    break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=600)
    finally:
        store.close()
    assert killed is not None, "the helper never held articles"
    summary = json.loads(out)
    assert proc.returncode == 1 and summary["understand"]["codes"].get("worker_died", 0) > 0, err[-2000:]
    store = open_store(db)
    try:
        died = [f for f in store.list_failures() if f.code == "worker_died"]
        assert died and all(str(killed) in f.message or "worker process" in f.message for f in died)
        analysed = {a.id for a in store.iter_articles() if store.get_analysis(a.id) is not None}
        assert len(analysed) + len(died) == 64 and store.list_stories(limit=100)
    finally:
        store.close()


def test_a_dead_helper_fails_only_the_articles_it_had_not_stored(tmp_path, sample_dir):
    """A helper holds its whole batch's claims while it stores the batch's analyses one by one: when it dies
    there, the articles it stored are done and must not be failed (worker_died); the others are."""
    from datetime import UTC, datetime, timedelta

    from veille.pipeline import _HOST, Worker

    seeds = sorted((sample_dir / "seeds").glob("*.txt"))
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    shutil.copy(seeds[0], first / seeds[0].name)
    shutil.copy(seeds[1], later / seeds[1].name)
    db = str(tmp_path / "dead.db")
    _finish(_veille(db, "ingest", str(first)))
    _finish(_veille(db, "run", "--workers", "1"))
    _finish(_veille(db, "ingest", str(later)))
    # extracted, then killed inside the transaction of its first analysis: the new article stays undone
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VEILLE_TEST_KILL_AT": "understand:1"}
    killed = subprocess.run(
        [sys.executable, "-m", "veille", "--db", db, "run", "--workers", "1"],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid of this host that is no longer alive: the dead helper
    store = open_store(db)
    try:
        ids = [a.id for a in store.iter_articles()]
        done = [a for a in ids if store.get_analysis(a) is not None]
        undone = [a for a in ids if a not in done]
        assert len(done) == 1 and len(undone) == 1
        for owner in {owner for owner, _ in store.claims("understand").values()}:
            store.drop_claims(owner)  # the killed run's own claim
        until = datetime.now(UTC) + timedelta(minutes=2)
        assert store.claim("understand", ids, f"{_HOST}:{gone.pid}:dead", until) == ids
        worker = Worker(store)
        worker.helpers = {gone.pid}
        assert worker.held_by_others("understand") == {}
        assert worker.failed == {"understand": undone}
        assert worker.finished_by_dead == {(gone.pid, "understand"): 1}  # counted in the run's summary
        failed = {f.item_id for f in store.list_failures() if f.code == "worker_died"}
        assert failed == set(undone) and not store.claims("understand")
    finally:
        store.close()


def test_the_run_counts_a_helper_by_its_latest_counters_and_what_it_finished_before_dying(tmp_path):
    """Helpers send their counters so far after every batch: the run adds each helper's latest once, then what a
    helper that died had stored since (its held articles found done), and a comparison it had reported once."""
    from collections import Counter

    from veille.pipeline import RunSummary, _Helpers
    from veille.settings import Settings

    store = open_store(str(tmp_path / "counts.db"))
    try:
        helpers = _Helpers(store, Settings(), 0, False)
        understood = {"processed": 16, "ok": 15, "failed": 1, "codes": {"budget_exceeded": 1}}
        helpers.results = [
            {"pid": 7, "so_far": True, "stages": {"extract": {"processed": 0}, "understand": understood}},
            {"pid": 7, "so_far": True, "stages": {"understand": {**understood, "processed": 32, "ok": 31}}},
            {"pid": 8, "so_far": True, "stages": {"understand": {"processed": 16, "ok": 16}}},
            {"pid": 8, "so_far": True, "stages": {"compare": {"processed": 2, "ok": 2}}},
        ]
        summary = RunSummary()
        finished = Counter({(7, "understand"): 3, (8, "compare"): 2, (9, "compare"): 1})
        helpers.add_to(summary, {"understand": ["a", "b"]}, finished)
        understand, compare = summary.stages["understand"], summary.stages["compare"]
        assert (understand.processed, understand.ok, understand.failed) == (
            32 + 16 + 3 + 2,
            31 + 16 + 3,
            1 + 2,
        )
        assert understand.codes == Counter({"budget_exceeded": 1, "worker_died": 2})
        assert (compare.processed, compare.ok) == (2 + 1, 2 + 1)  # 8's two stories once; 9 sent nothing
    finally:
        store.close()
