"""Robustness benchmark (issue 22): hostile inputs, killed runs, peak memory.

Usage: .venv/bin/python benchmarks/robustness.py [--json] [--parts hostile,kill,warc,run]
       [--trials-per-stage 4] [--seed 22] [--warc-mb 1024] [--sizes 200,2000,10000]

Prints one table per part:

hostile  every input of ``tests/hostile_inputs.py`` (``build(folder) -> list[HostileInput]``, written by the
         input-hardening work; the part says so and is skipped while that file is missing), each given to a real
         ``veille ingest`` then ``veille run``: kinds tried, crashes (a Python traceback or an exit code other
         than 0 / 1), hangs (no end within --timeout), items lost (an input that left neither a document nor a
         failure row), items doubled (an input stored as more documents than it holds).
kill     a real ``veille run`` (``--workers 1``) killed with SIGKILL at a seeded random checkpoint of each stage
         (the VEILLE_TEST_KILL_AT hook of veille/pipeline.py), then run again; trials per stage and how many
         ended with every table equal to an uninterrupted run's (tests/test_workers.py's comparison: stories,
         memberships, comparisons, entities, analyses, ...). Ingest trials kill ``veille ingest``.
warc     peak resident memory (the process tree, sampled by psutil every 20 ms) of ``veille ingest`` of one
         WARC of --warc-mb megabytes, written at run time under the temporary folder from the bundled sample's
         texts (each record an HTML page of 200 kB or more, made unique by its number).
run      peak resident memory of ``veille run --workers 1`` on fresh stores of --sizes articles, and the growth
         from the second size to the last (target: within 20 %). Corpus: the bundled sample, then the French
         news of ../shared/eval (benchmarks/store.py's news corpus); past its size, its texts again, each with
         its paragraphs in a seeded shuffled order and a numbered dateline, so no two documents are the same
         bytes (said in the output: such copies group with their originals, so large sizes have large stories).
         Where the peak is: the run goes through this file's --stage-probe (the same ``veille run`` in a process
         whose thread samples its own RSS and the main thread's stack every 50 ms), which gives the peak of each
         stage (the ``_run_<stage>`` function of veille/pipeline.py on the stack, else the outermost stage
         package, else ``other``: start, store), the veille function running at it, and a timeline (every 5 s).

CPU time on a shared machine is noisy; memory figures are RSS peaks of the whole process tree.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "veille" / "data" / "sample"
EVAL = ROOT.parent / "shared" / "eval"
KILL_STAGES = ("ingest", "extract", "understand", "link", "group", "compare")


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def veille(
    db: str, *args: str, kill_at: str | None = None, timeout: float = 900, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m veille --db DB ARGS --json`` to its end (or its kill); VEILLE_TEST_KILL_AT=kill_at."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VEILLE_TEST_KILL_AT", None)
    if kill_at is not None:
        env["VEILLE_TEST_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "veille", "--db", db, *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def copy_db(source: Path, target: Path) -> None:
    """Copy an SQLite store with its journal files, as a killed process left them."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        src = Path(f"{source}{suffix}")
        dst = Path(f"{target}{suffix}")
        if src.exists():
            shutil.copyfile(src, dst)
        elif dst.exists():
            dst.unlink()


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# kill trials ---------------------------------------------------------------------------------------------
def kill_corpus(folder: Path, topics: int = 10, per_topic: int = 2) -> Path:
    """Write the kill trials' corpus: the two seeds and ``per_topic`` articles of the first ``topics`` RPM2
    topics (22 texts by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = sorted((SAMPLE / "seeds").glob("*.txt"))
    by_topic: dict[str, list[Path]] = {}
    for path in sorted((SAMPLE / "rpm2").glob("T*.txt")):
        by_topic.setdefault(path.name[:3], []).append(path)
    paths += [p for group in list(by_topic.values())[:topics] for p in group[:per_topic]]
    for path in paths:
        shutil.copy(path, folder / path.name)
    return folder


@dataclass
class Trial:
    """One killed run: where it was killed, whether it died there, which tables differ after the rerun."""

    stage: str
    point: int
    killed: bool
    equal: bool
    differs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


class KillTrials:
    """A clean run of a small corpus, kept once; trials copy a prepared store, kill ``veille`` in one stage
    (SIGKILL at a checkpoint: VEILLE_TEST_KILL_AT="stage:n"), run it again and compare every table.

    Prepared stores: ``empty`` (ingest trials), ``ingested`` (extract, understand), ``understood`` (a run
    killed on entering the link step: link, group and compare trials start there, sparing the language model).
    """

    def __init__(self, work: Path, corpus: Path) -> None:
        self.work, self.corpus = work, corpus
        self._tables = _load("veille_bench_test_workers", ROOT / "tests" / "test_workers.py")._tables
        self.clean: dict[str, Any] = {}
        self.ingested: dict[str, Any] = {}
        self.bounds: dict[str, int] = {}

    def prepare(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        ingested, clean, understood = (self.work / n for n in ("ingested.db", "clean.db", "understood.db"))
        for path in (ingested, clean, understood):
            remove_db(path)
        done = veille(str(ingested), "ingest", str(self.corpus))
        if done.returncode != 0:
            raise RuntimeError(f"ingest failed: {done.stderr[-2000:]}")
        copy_db(ingested, clean)
        copy_db(ingested, understood)
        with ThreadPoolExecutor(max_workers=2) as pool:  # two stores: the runs do not meet
            clean_run = pool.submit(veille, str(clean), "run", "--workers", "1")
            died = veille(str(understood), "run", "--workers", "1", kill_at="link:1")
            done = clean_run.result()
        if done.returncode != 0:
            raise RuntimeError(f"clean run failed: {done.stderr[-2000:]}")
        if died.returncode != -signal.SIGKILL:
            raise RuntimeError(f"the run did not die on entering link: {died.stderr[-2000:]}")
        self.ingested = self._tables(str(ingested))
        self.clean = self._tables(str(clean))
        docs = sum(self.clean["documents"].values())
        stories = sum(self.clean["stories"].values())
        # checkpoints per stage (veille/pipeline.py): ingest, extract, understand two per item (inside the
        # item's transaction, after it); link three; group one per article, one per story written, two at
        # the end; compare one per story
        self.bounds = {
            "ingest": 2 * docs,
            "extract": 2 * docs,
            "understand": 2 * docs,
            "link": 3,
            "group": docs + stories + 2,
            "compare": stories,
        }

    def plan(self, per_stage: int | dict[str, int], seed: int) -> list[tuple[str, int]]:
        """Return (stage, checkpoint) pairs: seeded random points, ``per_stage`` of each stage (or as many as
        the mapping gives each)."""
        rng = random.Random(seed)
        counts = per_stage if isinstance(per_stage, dict) else dict.fromkeys(KILL_STAGES, per_stage)
        return [
            (stage, rng.randint(1, self.bounds[stage])) for stage in KILL_STAGES for _ in range(counts[stage])
        ]

    def trial(self, number: int, stage: str, point: int) -> Trial:
        start = time.perf_counter()
        db = self.work / f"trial-{number}.db"
        remove_db(db)
        kill_at = f"{stage}:{point}"
        try:
            if stage == "ingest":
                died = veille(str(db), "ingest", str(self.corpus), kill_at=kill_at)
                again = veille(str(db), "ingest", str(self.corpus))
                expected = self.ingested
            else:
                source = "ingested.db" if stage in ("extract", "understand") else "understood.db"
                copy_db(self.work / source, db)
                died = veille(str(db), "run", "--workers", "1", kill_at=kill_at)
                again = veille(str(db), "run", "--workers", "1")
                expected = self.clean
            killed = died.returncode == -signal.SIGKILL
            if again.returncode != 0:
                return Trial(
                    stage,
                    point,
                    killed,
                    False,
                    seconds=time.perf_counter() - start,
                    error=again.stderr[-1500:],
                )
            found = self._tables(str(db))
            differs = sorted(name for name in expected if expected[name] != found.get(name))
            return Trial(stage, point, killed, not differs, differs, time.perf_counter() - start)
        finally:
            remove_db(db)

    def run(self, plan: Sequence[tuple[str, int]], jobs: int = 1) -> list[Trial]:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(lambda p: self.trial(p[0], *p[1]), enumerate(plan)))


def kill_summary(trials: Sequence[Trial]) -> dict[str, dict[str, int]]:
    """Per stage: trials, killed (the run died at its checkpoint), equal to the clean run."""
    out: dict[str, dict[str, int]] = {}
    for t in trials:
        row = out.setdefault(t.stage, {"trials": 0, "killed": 0, "equal": 0})
        row["trials"] += 1
        row["killed"] += int(t.killed)
        row["equal"] += int(t.equal)
    return out


def part_kill(tmp: Path, per_stage: int, seed: int, jobs: int) -> dict[str, Any]:
    bench = KillTrials(tmp / "kill", kill_corpus(tmp / "kill-corpus"))
    bench.prepare()
    trials = bench.run(bench.plan(per_stage, seed), jobs=jobs)
    return {
        "corpus": sum(bench.clean["documents"].values()),
        "stories": sum(bench.clean["stories"].values()),
        "seed": seed,
        "stages": kill_summary(trials),
        "trials": [asdict(t) for t in trials],
    }


# hostile inputs ------------------------------------------------------------------------------------------
def part_hostile(tmp: Path, timeout: float) -> dict[str, Any]:
    """Ingest the hostile corpus twice and run every stage on it, each a real process with a timeout."""
    path = ROOT / "tests" / "hostile_inputs.py"
    if not path.is_file():
        return {"skipped": "tests/hostile_inputs.py is missing"}
    hostile = _load("veille_bench_hostile_inputs", path)
    from veille.settings import Settings
    from veille.store import open_store

    corpus, db = tmp / "hostile", tmp / "hostile.db"
    remove_db(db)
    cases = hostile.build(corpus, max_document_bytes=Settings().max_document_bytes)
    crashes = hangs = 0
    steps: dict[str, Any] = {}
    counts: list[int] = []
    try:
        for step, args in (
            ("ingest", ("ingest", str(corpus))),
            ("again", ("ingest", str(corpus))),
            ("run", ("run", "--workers", "1")),
        ):
            try:
                done = veille(str(db), *args, timeout=timeout)
            except subprocess.TimeoutExpired:
                hangs += 1
                steps[step] = "hang"
                continue
            crashed = done.returncode not in (0, 1) or "Traceback" in done.stderr
            crashes += int(crashed)
            steps[step] = {"exit": done.returncode, "crash": crashed}
            with open_store(str(db)) as store:
                counts.append(len(list(store.iter_document_ids())))
    finally:
        hostile.restore_permissions(cases)
    with open_store(str(db)) as store:
        docs = {d: store.get_document(d) for d in store.iter_document_ids()}
        failures = store.list_failures()
        extracted = {a.content_id for a in store.iter_articles()}
    failed = {(f.stage, f.item_id) for f in failures}
    named = [f.source or f.item_id for f in failures if f.stage == "ingest"]
    lost_inputs = [
        case.kind
        for case in cases
        if not any(str(corpus / case.kind) in (d.source if d else "") for d in docs.values())
        and not any(str(corpus / case.kind) in n for n in named)
    ]
    lost_docs = [
        d for d in docs if d not in extracted and ("extract", d) not in failed and ("ingest", d) not in failed
    ]
    return {
        "kinds": len({c.kind for c in cases}),
        "inputs": len(cases),
        "crashes": crashes,
        "hangs": hangs,
        "lost": len(lost_inputs) + len(lost_docs),
        "lost_inputs": lost_inputs,
        "lost_documents": len(lost_docs),
        # a second ingest of the same inputs must add no document
        "doubled": counts[1] - counts[0] if len(counts) >= 2 else None,
        "documents": len(docs),
        "failures": len(failures),
        "steps": steps,
    }


# peak memory ---------------------------------------------------------------------------------------------
PROBE_INTERVAL = 0.05  # seconds between two samples of the stage probe
TIMELINE_SECONDS = 5.0  # seconds between two points of the probe's timeline (and writes of its file)


def _stage_at(frame: Any) -> tuple[str, str]:
    """Return (stage, site) of a stack: the stage is that of the outermost ``_run_<stage>`` of veille/pipeline.py
    (KILL_STAGES), else the outermost veille/<stage>/ package, else "other" (start, imports, the claims and
    store calls between stages); the site is the innermost veille function ("understand/analyze.py:_analyze")."""
    frames = []
    while frame is not None:
        frames.append(frame.f_code)
        frame = frame.f_back
    site, by_run, by_package, importing = "", "", "", False
    for code in reversed(frames):  # outermost first
        path = code.co_filename.replace(os.sep, "/")
        importing = importing or path.startswith("<frozen importlib")
        if "/veille/" not in path or code.co_name == "<module>":
            continue
        rel = path.rsplit("/veille/", 1)[1]
        site = f"{rel}:{code.co_name}"
        name = code.co_name.removeprefix("_run_")
        if not by_run and rel == "pipeline.py" and name != code.co_name and name in KILL_STAGES:
            by_run = name
        if not by_package and rel.split("/")[0] in KILL_STAGES:
            by_package = rel.split("/")[0]
    return by_run or ("" if importing else by_package) or "other", site  # an import is no stage's work


def stage_probe(out: Path, args: Sequence[str]) -> int:
    """Run the veille CLI with ``args`` in this process while a thread samples its RSS and where the main thread
    is (_stage_at) every PROBE_INTERVAL seconds; write {"stages": {stage: peak MB, site at the peak, first and
    last second seen, samples}, "timeline": [[second, MB, stage], ...]} to ``out`` every TIMELINE_SECONDS and
    at the end (a run stopped early still leaves its figures); return the CLI's exit code."""
    import threading

    import psutil

    me, main_id, start = psutil.Process(), threading.get_ident(), time.perf_counter()
    stages: dict[str, dict[str, Any]] = {}
    timeline: list[list[Any]] = []
    done = threading.Event()

    def write() -> None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stages": stages, "timeline": timeline}), encoding="utf-8")
        tmp.replace(out)

    def sample() -> None:
        last = -TIMELINE_SECONDS
        while not done.wait(PROBE_INTERVAL):
            frame = sys._current_frames().get(main_id)
            stage, site = _stage_at(frame)
            del frame
            mb = round(me.memory_info().rss / 1e6, 1)
            now = round(time.perf_counter() - start, 2)
            row = stages.setdefault(stage, {"peak_rss_mb": 0.0, "site": "", "first": now, "samples": 0})
            row["samples"] += 1
            row["last"] = now
            if mb > row["peak_rss_mb"]:
                row.update(peak_rss_mb=mb, site=site, at=now)
            if now - last >= TIMELINE_SECONDS:
                timeline.append([now, mb, stage])
                write()
                last = now

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    code = 0
    try:
        from veille.cli import main as cli

        cli.main(args=list(args), prog_name="veille")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        done.set()
        thread.join()
        write()
    return code


def peak_rss(
    command: Sequence[str], log: Path, env: dict[str, str] | None = None, interval: float = 0.02
) -> tuple[int, int, float]:
    """Run ``command`` (its stderr to ``log``); return (exit code, peak RSS in bytes of it and its children
    together, sampled every ``interval`` seconds, wall seconds)."""
    import psutil

    start = time.perf_counter()
    with log.open("wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        root = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            total = 0
            with contextlib.suppress(psutil.Error):  # the process (or a child) ended between two looks
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            peak = max(peak, total)
            time.sleep(interval)
    return proc.returncode, peak, time.perf_counter() - start


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VEILLE_TEST_KILL_AT", None)
    return env


PAGE_BYTES = 200_000  # a WARC record's page: large pages, so the ingest is not all per-document commits


def write_warc(path: Path, megabytes: int) -> int:
    """Write an uncompressed WARC of about ``megabytes`` MB of HTML response records built from the sample's
    texts (each page ~200 kB or more, numbered, so no two are the same bytes); return the number of records."""
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted(SAMPLE.rglob("T*.txt"))]
    target = megabytes * 1_000_000
    written = records = 0
    with path.open("wb") as out:
        while written < target:
            text = texts[records % len(texts)]
            title, _, body = text.partition("\n")
            paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
            while len(paragraphs) < PAGE_BYTES:
                paragraphs += paragraphs
            page = (
                f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title} ({records})</title>'
                f"</head><body><article><h1>{title}</h1><p>Dépêche n° {records}</p>{paragraphs}</article></body></html>"
            ).encode()
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page
            header = (
                "WARC/1.0\r\nWARC-Type: response\r\n"
                f"WARC-Target-URI: https://example.org/depeche/{records}\r\n"
                "WARC-Date: 2023-02-06T10:00:00Z\r\n"
                f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{records:012d}>\r\n"
                "Content-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(http)}\r\n\r\n"
            ).encode()
            out.write(header + http + b"\r\n\r\n")
            written += len(header) + len(http) + 4
            records += 1
    return records


def part_warc(tmp: Path, megabytes: int) -> dict[str, Any]:
    warc, db = tmp / "big.warc", tmp / "warc.db"
    remove_db(db)
    records = write_warc(warc, megabytes)
    size = warc.stat().st_size
    code, peak, seconds = peak_rss(
        [sys.executable, "-m", "veille", "--db", str(db), "ingest", str(warc), "--json"],
        tmp / "warc.log",
        _env(),
    )
    from veille.store import open_store

    with open_store(str(db)) as store:
        stored = len(list(store.iter_document_ids()))
    warc.unlink()
    remove_db(db)
    return {
        "warc_bytes": size,
        "records": records,
        "stored": stored,
        "exit": code,
        "peak_rss_mb": round(peak / 1e6, 1),
        "seconds": round(seconds, 1),
    }


def _pool() -> list[tuple[str, str]]:
    """(title, body) of every distinct French news text at hand: the sample, then ../shared/eval's."""
    import csv

    seen: set[str] = set()
    pool: list[tuple[str, str]] = []

    def add(title: str, body: str) -> None:
        key = body.strip()[:400]
        if body.strip() and key not in seen:
            seen.add(key)
            pool.append((title.strip(), body.strip()))

    for path in sorted(SAMPLE.rglob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8-sig").partition("\n")
        add(title, body)
    for path in sorted((EVAL / "rpm2-dev" / "documents").glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8-sig").partition("\n")
        add(title, body)
    csv.field_size_limit(10**8)
    for path in sorted((EVAL / "masakhanews-fr-dev").rglob("*.tsv")):
        if "/fra/" in str(path):
            with path.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    add(row.get("headline") or "", row.get("text") or "")
    gold = EVAL / "fr-news-gold-dev.jsonl"
    if gold.is_file():
        for line in gold.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                add(str(row.get("title") or ""), str(row.get("text") or ""))
    return pool


def write_run_corpus(folder: Path, size: int, seed: int = 22) -> dict[str, int]:
    """Write ``size`` plain-text articles: the pool's texts, then (past the pool) made ones, each the title and
    first half of one pool text, the second half of another (seeded) and a numbered dateline."""
    pool = _pool()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    made = 0
    for n in range(size):
        if n < len(pool):
            title, body = pool[n]
        else:
            (title, first), (_, second) = rng.sample(pool, 2)
            a, b = first.split("\n"), second.split("\n")
            body = "\n".join([f"Dépêche n° {n}.", *a[: max(1, len(a) // 2)], *b[len(b) // 2 :]])
            made += 1
        (folder / f"a{n:05d}.txt").write_text(f"{title}\n{body}\n", encoding="utf-8")
    return {"articles": size, "from_pool": size - made, "made": made, "pool": len(pool)}


def part_run(tmp: Path, sizes: Sequence[int]) -> dict[str, Any]:
    if not EVAL.is_dir():  # the pool is then the sample alone: another corpus, figures not comparable
        print(
            f"warning: {EVAL} is missing: the run corpus is made from the bundled sample only",
            file=sys.stderr,
        )
    rows = []
    for size in sizes:
        folder, db = tmp / f"run-{size}", tmp / f"run-{size}.db"
        remove_db(db)
        shutil.rmtree(folder, ignore_errors=True)
        recipe = write_run_corpus(folder, size)
        done = veille(str(db), "ingest", str(folder))
        if done.returncode not in (0, 1):
            raise RuntimeError(done.stderr[-2000:])
        probe = tmp / f"run-{size}.stages.json"
        code, peak, seconds = peak_rss(
            [sys.executable, __file__, "--stage-probe", str(probe), "--db", str(db), "run", "--workers", "1"]
            + ["--json"],
            tmp / f"run-{size}.log",
            _env(),
        )
        probed = json.loads(probe.read_text(encoding="utf-8")) if probe.is_file() else {}
        rows.append(
            {
                **recipe,
                "exit": code,
                "peak_rss_mb": round(peak / 1e6, 1),
                "seconds": round(seconds, 1),
                "stages": probed.get("stages", {}),
                "timeline": probed.get("timeline", []),
            }
        )
        print(f"run {size}: {rows[-1]}", file=sys.stderr)
        remove_db(db)
        shutil.rmtree(folder, ignore_errors=True)
    growth, base = None, (rows[1] if len(rows) > 2 else rows[0]) if rows else None
    if base is not None and len(rows) >= 2:  # from the second size (the first when only two) to the last
        growth = round(100 * (rows[-1]["peak_rss_mb"] / base["peak_rss_mb"] - 1), 1)
    return {
        "sizes": rows,
        "growth_percent": growth,
        "growth_from": base["articles"] if base else None,
        "growth_to": rows[-1]["articles"] if rows else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--stage-probe"]:  # the run part's own process: --stage-probe OUT VEILLE-ARGS...
        return stage_probe(Path(argv[1]), argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--parts", default="hostile,kill,warc,run", help="which parts to run (comma-separated)"
    )
    parser.add_argument("--trials-per-stage", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=1, help="kill trials run at once")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--warc-mb", type=int, default=1024)
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a hostile step is a hang")
    parser.add_argument(
        "--tmp", type=Path, default=None, help="working folder (default: a new temporary one)"
    )
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="veille-robustness-"))
    tmp.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    try:
        if "hostile" in parts:
            results["hostile"] = part_hostile(tmp, args.timeout)
            print(f"hostile: {results['hostile']}", file=sys.stderr)
        if "kill" in parts:
            results["kill"] = part_kill(tmp, args.trials_per_stage, args.seed, args.jobs)
            print(f"kill: {results['kill']['stages']}", file=sys.stderr)
        if "warc" in parts:
            results["warc"] = part_warc(tmp, args.warc_mb)
            print(f"warc: {results['warc']}", file=sys.stderr)
        if "run" in parts:
            results["run"] = part_run(tmp, [int(s) for s in args.sizes.split(",") if s.strip()])
    finally:
        if args.tmp is None:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(render(results))
    return 0


def render(results: dict[str, Any]) -> str:
    """The issue's table: one line per figure, with its target."""
    lines = ["veille robustness benchmark (issue 22)", ""]
    h = results.get("hostile")
    if h is not None:
        if "skipped" in h:
            lines.append(f"hostile inputs: skipped ({h['skipped']})")
        else:
            lines += [
                f"input kinds tried      {h['kinds']:>8}   ({h['inputs']} inputs, {h['documents']} documents, {h['failures']} failures)",
                f"crashes                {h['crashes']:>8}   target 0",
                f"hangs                  {h['hangs']:>8}   target 0",
                f"items lost             {h['lost']:>8}   target 0",
                f"items doubled          {h['doubled']!s:>8}   target 0",
            ]
    k = results.get("kill")
    if k is not None:
        lines.append(f"kill trials ({k['corpus']} documents, {k['stories']} stories, seed {k['seed']}):")
        for stage, row in k["stages"].items():
            lines.append(
                f"  {stage:<10} {row['equal']:>3} of {row['trials']:>3} equal to a clean run   (killed {row['killed']})"
            )
    w = results.get("warc")
    if w is not None:
        lines.append(
            f"WARC ingest peak       {w['peak_rss_mb']:>8} MB   target < 300 MB for 1 GB ({w['warc_bytes'] / 1e9:.2f} GB,"
            f" {w['records']} records, {w['stored']} stored, {w['seconds']} s)"
        )
    r = results.get("run")
    if r is not None:
        for row in r["sizes"]:
            lines.append(
                f"veille run peak        {row['peak_rss_mb']:>8} MB   at {row['articles']} articles"
                f" ({row['made']} made from a pool of {row['pool']} texts, {row['seconds']} s, exit {row['exit']})"
            )
            for stage, at in sorted(row.get("stages", {}).items(), key=lambda kv: kv[1]["first"]):
                lines.append(
                    f"  {stage:<20} {at['peak_rss_mb']:>8} MB   at {at.get('at', '?')} s, in {at['site'] or '-'}"
                    f" ({at['first']}-{at['last']} s)"
                )
        lines.append(
            f"growth                 {r['growth_percent']!s:>8} %    from {r['growth_from']} to {r['growth_to']}"
            " articles (target: within 20 % from 2,000 to 10,000)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
