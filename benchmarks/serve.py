"""The serving benchmark of `veille serve`: throughput, latency, errors, page weight and first paint on a store
of 10,000 real articles, on SQLite and PostgreSQL, next to the same server's ceiling (a static file).

Usage: .venv/bin/python benchmarks/serve.py [--json] [--backends sqlite,postgresql] [--cache DIR] [--db PATH]
       [--rebuild] [--articles 10000] [--duration 10] [--connections 16] [--ids 5] [--loads 5]
       [--cache-seconds S] [--no-profile] [--save FILE] [--eval-dir PATH]
Progress goes to stderr, one line per phase with the time it took; the table (or ``--json``: every figure,
the store's recipe and build times, the profiles) to stdout; ``--save FILE`` writes that JSON too. Once the
store is built (cached), a run takes about 11 minutes for both backends (2.5 of them copying to PostgreSQL);
building the store of 10,000 took 11 more (analysis 4, copies 1, settle run 5).

The store (built once, then reused from ``--cache``, default ``/tmp/veille-serve-bench``; ``--db PATH`` uses
an SQLite store of yours instead; ``--rebuild`` builds again). benchmarks/store.py's scale recipe, with the
comparisons computed:
  1. news corpus  every distinct French news article of ``../shared/eval`` (store.py's ``news`` corpus: 755
                  articles from rpm2-dev, masakhanews-fr-dev, fr-news-gold-dev, htmldate-dev, trafilatura-dev,
                  scraped-text-dev and fr-timebank-dev; read at run time, written under the cache folder).
  2. analysis     ``veille ingest`` then ``veille run`` on them into ``CACHE/news-analysed.db`` (processes,
                  one ``veille run``; timed; cached on its own).
  3. copies       ``--articles`` articles written through the Store protocol (``store.load_copies``): copy k
                  of each analysed article, dated 45·k days after it, copy 0 with the real text, later copies
                  with one word in 4 swapped for a word of the same length of the same text (the analysis
                  stays valid, no duplicate links between copies); with 754 analysed bases (one of the 755
                  failed to understand), 10,000 articles are 13.3 copies of each, 754 of them the real texts.
  4. settle run   ``veille run`` on that store: links, groups and compares every story (the comparisons the
                  story page and /api/stories/{id}/comparison read are stored here; timed). Linking, grouping
                  and comparing run in one process at a time whatever the number of ``veille run`` processes
                  (docs/architecture.md), so one process runs it.
  ``--rebuild`` redoes steps 3 and 4; delete ``CACHE/news-analysed.*`` to redo step 2 as well.
  The store is ``CACHE/serve-sqlite-N.db`` with its recipe and build times in ``CACHE/serve-sqlite-N.json``.
  PostgreSQL: a throwaway server (tools/pgtemp.py, durability off), filled by ``veille copy`` from the SQLite
  store on every run (timed).

The measure, per backend. ``veille --db DB serve`` runs as a subprocess pinned with taskset to core 0 (and,
for PostgreSQL, the database server too: the server side is one core); this process, wrk and Chromium run on
core 1; loopback only. Per endpoint: one GET per path (must answer 200: size noted), a warm-up of WARMUP s,
then ``wrk -t1 -c CONNECTIONS -d DURATION`` with a Lua script rotating over the endpoint's paths and counting
non-2xx answers (its ``done`` hook prints requests, p50/p90/p95/p99 and every error kind: connect, read,
write, timeout after WRK_TIMEOUT, non-2xx), then the same with one connection for LATENCY_SECONDS (the
service time of one request alone). After each run, the next waits until the server's core is idle
(``wait_idle``): the server goes on with the requests wrk left behind, which would share the next measure's
core.
  endpoints   static (the reference: /static/app.css through the same middleware and server), /api/status,
              /stories (the page), /api/stories, /stories/{id} and /api/stories/{id}/comparison (rotating over
              --ids stories spread over the 20 largest, the largest included), /api/search?q= (rotating over
              SEARCH_QUERIES and the most cited person's name).
  page weight the HTML of each measured story page plus /static/app.css and /static/htmx.min.js, raw and
              gzip (level 6, what a gzip middleware would send); whether the server compresses (it is asked
              ``Accept-Encoding: gzip``).
  first paint Playwright on /usr/bin/chromium (headless, the flags of ../shared/notes/serving-and-scale.md),
              a fresh browser context per load (cold cache), ``first-contentful-paint`` of
              ``performance.getEntriesByName``; median of --loads loads per measured story, the worst median
              reported.
  profile     for each endpoint that misses a target: PROFILE_REQUESTS requests in this process under
              cProfile (``create_app`` driven by httpx's ASGI transport, anyio's thread pool replaced by a
              direct call so the endpoint runs in the profiled thread), after each path was timed alone (median
              of 3, the first one warming up); veille's functions with the most cumulative time per request,
              the libraries' (framework dispatch left out) and the functions with the most own time.
Targets (the issue): ≥ 200 req/s and 0 errors on every endpoint; p95 < 100 ms for JSON; story page < 200 kB;
first paint < 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gzip
import json
import os
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import store as store_bench  # benchmarks/store.py: the news corpus and the copies
from bench_common import DEFAULT_EVAL_DIR, ROOT
from rich.console import Console
from rich.table import Table

from veille.settings import load_settings
from veille.store import open_store

sys.path.insert(0, str(ROOT / "tools"))  # tools/ is not a package
try:
    import pgtemp
except ImportError:  # tools/pgtemp.py absent: PostgreSQL is skipped, saying so
    pgtemp = None

ALL_BACKENDS = ("sqlite", "postgresql")
ARTICLES = 10_000
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "veille-serve-bench"
DURATION = 10  # seconds of load per endpoint
CONNECTIONS = 16
WARMUP = 3  # seconds of load before each measure
LATENCY_SECONDS = 5  # seconds with one connection
WRK_TIMEOUT = "5s"
DRAIN_CAP = 240.0  # seconds to wait at most for the server to finish the requests a run left behind
IDS = 5
TOP_STORIES = 20
LOADS = 5
PROFILE_REQUESTS = 10
SERVER_CORE = 0
CLIENT_CORE = 1
SEARCH_QUERIES = ("serguei lavrov", "élection présidentielle", "changement climatique", "gouvernement")
TARGET_RPS = 200.0
TARGET_P95_MS = 100.0
TARGET_PAGE_BYTES = 200_000
TARGET_FCP_MS = 1000.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_START = time.perf_counter()


def say(message: str) -> None:
    """Print one progress line on stderr with the time since the start."""
    print(f"[serve {time.perf_counter() - _START:7.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Phases:
    """The elapsed time of every phase, in order."""

    done: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"{name} …")
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.done.append({"phase": name, "seconds": round(seconds, 2)})
            say(f"{name}: {seconds:.1f} s")


# ---------------------------------------------------------------- the store


def veille_env() -> dict[str, str]:
    """The environment of every ``veille`` subprocess: ours without VEILLE_* (no stray setting or token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def veille(db: str, *args: str, timeout: float = 7200) -> tuple[float, dict[str, Any]]:
    """Run ``veille --db DB ARGS --json`` as a process; return its wall time and parsed JSON output.

    Exit code 1 with a JSON summary is accepted (some items failed, recorded); anything else raises.
    """
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "veille", "--db", db, *args, "--json"],
        capture_output=True,
        text=True,
        env=veille_env(),
        cwd=ROOT,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1) or not proc.stdout.strip().startswith("{"):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"veille {' '.join(args)} failed ({proc.returncode}): {' / '.join(tail)}")
    return seconds, json.loads(proc.stdout)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def stage_seconds(summary: dict[str, Any]) -> dict[str, Any]:
    """{stage: {processed, failed, seconds}} of a run summary."""
    return {
        k: {"processed": v.get("processed"), "failed": v.get("failed"), "seconds": v.get("seconds")}
        for k, v in summary.items()
        if isinstance(v, dict) and "processed" in v
    }


def build_store(cache: Path, articles: int, eval_dir: Path, phases: Phases) -> dict[str, Any]:
    """Build the SQLite store of ``articles`` articles under cache (the module docstring); return its recipe."""
    cache.mkdir(parents=True, exist_ok=True)
    base = cache / "news-analysed.db"
    base_recipe_path = cache / "news-analysed.json"
    if base.is_file() and base_recipe_path.is_file():
        base_recipe = json.loads(base_recipe_path.read_text())
        say(f"analysed news corpus reused: {base} (built in {base_recipe['run_seconds']:.0f} s)")
    else:
        folder = cache / "news-corpus"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        with phases.phase("news corpus: build from ../shared/eval"):
            corpus = store_bench.build_news_corpus(eval_dir, folder, None)
        say(f"  news corpus: {corpus['articles']} articles")
        remove_sqlite(base)
        with phases.phase(f"analysis: veille ingest + veille run on {corpus['articles']} articles (SQLite)"):
            ingest_s, ingested = veille(str(base), "ingest", str(folder))
            run_s, summary = veille(str(base), "run")
        base_recipe = {
            "corpus": corpus,
            "ingest_seconds": round(ingest_s, 1),
            "ingested": ingested.get("ok"),
            "run_seconds": round(run_s, 1),
            "run_stages": stage_seconds(summary),
        }
        base_recipe_path.write_text(json.dumps(base_recipe, ensure_ascii=False, indent=2))
    target = cache / f"serve-sqlite-{articles}.db"
    remove_sqlite(target)
    settings = load_settings({"db": str(target)}, environ={})
    with phases.phase("copies: read the analysed articles"):
        bases = [b for b, _ in store_bench.read_bases(str(base), settings)]
    say(f"  {len(bases)} analysed articles are the bases")
    with phases.phase(f"copies: load {articles:,} articles through the Store protocol"):
        load = store_bench.load_copies(str(target), bases, 0, articles, float("inf"), settings)
    with phases.phase(f"settle: veille run (link, group, compare) on {articles:,} articles"):
        settle_s, summary = veille(str(target), "run")
    counts = store_counts(str(target))
    recipe = {
        "articles": articles,
        "bases": len(bases),
        "originals": min(len(bases), articles),
        "copies_per_base": round(articles / max(1, len(bases)), 1),
        "analysis": base_recipe,
        "load_seconds": load["seconds"],
        "settle_seconds": round(settle_s, 1),
        "settle_stages": stage_seconds(summary),
        "counts": counts,
        "built": time.strftime("%Y-%m-%d %H:%M"),
    }
    (cache / f"serve-sqlite-{articles}.json").write_text(json.dumps(recipe, ensure_ascii=False, indent=2))
    return recipe


def store_counts(db: str) -> dict[str, Any]:
    store = open_store(db, settings=load_settings({"db": db}, environ={}))
    try:
        return dict(store.counts())
    finally:
        store.close()


def stale_comparisons(db: str) -> list[str]:
    """The ids, among the TOP_STORIES largest stories, whose stored comparison is missing or from another
    comparer: their first GET would compare and store (a write on a read, and a slower first request)."""
    from veille.compare import COMPARER_VERSION

    store = open_store(db, settings=load_settings({"db": db}, environ={}))
    try:
        out = []
        for sid in (s.id for s in store.list_stories(limit=TOP_STORIES, order="largest")):
            c = store.get_comparison(sid)
            if c is None or c.comparer != COMPARER_VERSION:
                out.append(sid)
        return out
    finally:
        store.close()


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``veille serve`` pinned to SERVER_CORE, as a subprocess."""

    db: str
    log: Path
    cache_seconds: float | None = None  # the server's serve_cache_seconds (None: its default)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    ready_seconds: float = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        self.port = free_port()
        cmd = ["taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "veille", "--db", self.db, "serve"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        env = veille_env()
        if self.cache_seconds is not None:
            env["VEILLE_SERVE_CACHE_SECONDS"] = str(self.cache_seconds)
        start = time.perf_counter()
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        while time.perf_counter() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"veille serve exited ({self.proc.returncode}): see {self.log}")
            try:
                if fetch(self.base + "/static/app.css", timeout=2)[0] == 200:
                    self.ready_seconds = time.perf_counter() - start
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"veille serve did not answer within {timeout:.0f} s: see {self.log}")

    def rss_mb(self) -> float | None:
        """Resident memory of the server process (the python under taskset: taskset execs it)."""
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def fetch(url: str, timeout: float = 30, gzip_ok: bool = False) -> tuple[int, bytes, dict[str, str]]:
    """GET url; return status, body (as sent) and headers (lower-case names)."""
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}


def get_json(url: str) -> Any:
    status, body, _ = fetch(url)
    if status != 200:
        raise RuntimeError(f"GET {url}: {status} {body[:200]!r}")
    return json.loads(body)


def pin_postgres(pg: Any) -> str:
    """Pin the PostgreSQL postmaster (and the backends it forks from now on) to SERVER_CORE."""
    try:
        pid = int((pg.datadir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError) as exc:
        return f"not pinned: {exc}"
    subprocess.run(["taskset", "-a", "-p", "-c", str(SERVER_CORE), str(pid)], check=True, capture_output=True)
    return f"postmaster {pid} pinned to core {SERVER_CORE}"


# ---------------------------------------------------------------- load


LUA = r"""
paths = {PATHS}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; non2xx = 0 end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"non2xx":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    bad, latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def lua_script(paths: Sequence[str], folder: Path) -> Path:
    quoted = ", ".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings for these paths
    path = folder / f"rotate-{abs(hash(tuple(paths)))}.lua"
    path.write_text(LUA.replace("{PATHS}", "{" + quoted + "}"))
    return path


def wrk(base: str, paths: Sequence[str], seconds: float, connections: int, folder: Path) -> dict[str, Any]:
    """Run wrk on CLIENT_CORE over paths for seconds; return req/s, p50/p95/p99 in ms and errors."""
    script = lua_script(paths, folder)
    cmd = ["taskset", "-c", str(CLIENT_CORE), "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"]
    cmd += ["--timeout", WRK_TIMEOUT, "-s", str(script), base + paths[0]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    found = re.search(r"^WRKJSON (\{.*\})$", proc.stdout, re.M)
    if found is None:
        raise RuntimeError(f"wrk gave no summary ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    raw = json.loads(found[1])
    errors = {k: raw[k] for k in ("connect", "read", "write", "timeout", "non2xx")}
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50"] / 1000, 1),
        "p90_ms": round(raw["p90"] / 1000, 1),
        "p95_ms": round(raw["p95"] / 1000, 1),
        "p99_ms": round(raw["p99"] / 1000, 1),
        "max_ms": round(raw["max"] / 1000, 1),
        "errors": sum(errors.values()),
        "error_kinds": {k: v for k, v in errors.items() if v},
        "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1000, 1),
    }


@dataclass
class Endpoint:
    """One endpoint measured: its name, whether it is JSON, the paths it rotates over."""

    name: str
    is_json: bool
    paths: list[str]
    is_reference: bool = False


def plan(base: str, ids: int) -> tuple[list[Endpoint], dict[str, Any]]:
    """Choose the story ids and the queries on the running server; return the endpoints and what was chosen."""
    top = get_json(base + f"/api/stories?order=largest&limit={TOP_STORIES}")
    if not top:
        raise RuntimeError("the store holds no story")
    step = max(1, len(top) // ids)
    chosen = top[::step][:ids]
    queries = list(SEARCH_QUERIES)
    people = get_json(base + "/api/entities?type=PER&limit=1")
    if people and people[0].get("name") and people[0]["name"] not in queries:
        queries.append(people[0]["name"])
    sids = [s["id"] for s in chosen]
    endpoints = [
        Endpoint("static /static/app.css (reference)", False, ["/static/app.css"], is_reference=True),
        Endpoint("/api/status", True, ["/api/status"]),
        Endpoint("/stories (page)", False, ["/stories"]),
        Endpoint("/api/stories", True, ["/api/stories"]),
        Endpoint("/stories/{id} (page)", False, [f"/stories/{s}" for s in sids]),
        Endpoint("/api/stories/{id}/comparison", True, [f"/api/stories/{s}/comparison" for s in sids]),
        Endpoint("/api/search?q=", True, [f"/api/search?q={quote(q)}" for q in queries]),
    ]
    picked = {
        "stories": [{"id": s["id"], "size": s["size"], "label": s.get("label")} for s in chosen],
        "top_sizes": [s["size"] for s in top],
        "queries": queries,
    }
    return endpoints, picked


def measure_endpoint(base: str, ep: Endpoint, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Check each path answers 200, warm up, then load with CONNECTIONS and with one connection."""
    sizes = {}
    for path in ep.paths:
        status, body, _ = fetch(base + path, timeout=60)
        if status != 200:
            return {"error": f"GET {path}: {status} {body[:200]!r}"}
        sizes[path] = len(body)
    drained = []
    wrk(base, ep.paths, WARMUP, args.connections, folder)
    drained.append(wait_idle())
    loaded = wrk(base, ep.paths, args.duration, args.connections, folder)
    drained.append(wait_idle())
    alone = wrk(base, ep.paths, LATENCY_SECONDS, 1, folder)
    drained.append(wait_idle())
    return {
        "paths": ep.paths,
        "bytes": sizes,
        "load": loaded,
        "one_connection": alone,
        "drain_seconds": drained,
    }


def _core_times(core: int) -> tuple[int, int]:
    """(busy, total) clock ticks of one core since boot (/proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(v) for v in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle + iowait
            return sum(ticks) - idle, sum(ticks)
    return 0, 1


def wait_idle(cap: float = DRAIN_CAP) -> float:
    """Wait until the server's core is idle (under 10 % busy over half a second); return the seconds waited.

    wrk stops at its deadline, but the server goes on with the requests it had accepted (a sync endpoint's
    thread is not cancelled when its client leaves): without this, the next measure would share the core
    with them.
    """
    start = time.perf_counter()
    while time.perf_counter() - start < cap:
        busy0, total0 = _core_times(SERVER_CORE)
        time.sleep(0.5)
        busy1, total1 = _core_times(SERVER_CORE)
        if (busy1 - busy0) < 0.1 * max(1, total1 - total0):
            break
    return round(time.perf_counter() - start, 1)


# ---------------------------------------------------------------- page weight and first paint


def page_weight(base: str, story_paths: Sequence[str]) -> dict[str, Any]:
    """Bytes of each story page with its CSS and JS, raw and gzip; whether the server compresses."""
    assets = {}
    for asset in ("/static/app.css", "/static/htmx.min.js"):
        _, body, _ = fetch(base + asset)
        assets[asset] = {"raw": len(body), "gzip": len(gzip.compress(body, 6))}
    pages = []
    for path in story_paths:
        status, body, _ = fetch(base + path)
        _, sent, headers = fetch(base + path, gzip_ok=True)
        raw_total = len(body) + sum(a["raw"] for a in assets.values())
        gz_total = len(gzip.compress(body, 6)) + sum(a["gzip"] for a in assets.values())
        pages.append(
            {
                "path": path,
                "status": status,
                "html_raw": len(body),
                "html_gzip": len(gzip.compress(body, 6)),
                "total_raw": raw_total,
                "total_gzip": gz_total,
                "served_encoding": headers.get("content-encoding", "identity"),
                "served_bytes": len(sent),
            }
        )
    worst = max(pages, key=lambda p: p["total_raw"])
    return {"assets": assets, "pages": pages, "worst": worst}


FCP_JS = """() => new Promise(resolve => {
  const found = performance.getEntriesByName('first-contentful-paint');
  if (found.length) { resolve(found[0].startTime); return; }
  new PerformanceObserver(list => {
    const f = list.getEntriesByName('first-contentful-paint');
    if (f.length) resolve(f[0].startTime);
  }).observe({type: 'paint', buffered: true});
  setTimeout(() => resolve(null), 5000);
})"""

NAV_JS = """() => { const n = performance.getEntriesByType('navigation')[0];
  return n ? {response_end: n.responseEnd, dom_content_loaded: n.domContentLoadedEventEnd,
              load: n.loadEventEnd} : null; }"""


def first_paint(base: str, story_paths: Sequence[str], loads: int) -> dict[str, Any]:
    """Median first-contentful-paint (ms) over loads cold loads of each story page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return {"error": f"playwright is not installed: {exc}"}
    if not Path(CHROMIUM).is_file():
        return {"error": f"{CHROMIUM} is missing (apt-get install -y chromium)"}
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in story_paths:
                fcps, navs = [], []
                for _ in range(loads):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(base + path, wait_until="load", timeout=30_000)
                    fcps.append(page.evaluate(FCP_JS))
                    navs.append(page.evaluate(NAV_JS))
                    context.close()
                good = [f for f in fcps if f is not None]
                out.append(
                    {
                        "path": path,
                        "fcp_ms": [round(f, 1) for f in good],
                        "median_fcp_ms": round(statistics.median(good), 1) if good else None,
                        "median_load_ms": round(statistics.median(n["load"] for n in navs if n), 1),
                    }
                )
        finally:
            browser.close()
    medians = [o["median_fcp_ms"] for o in out if o["median_fcp_ms"] is not None]
    return {"pages": out, "worst_median_fcp_ms": max(medians) if medians else None, "loads": loads}


# ---------------------------------------------------------------- profile


_DISPATCH = (  # the layers every request passes through: their cumulative time is the whole request's
    *("asyncio/", "anyio/", "httpx/", "h11/", "starlette/middleware", "starlette/routing"),
    *("starlette/concurrency", "starlette/_exception_handler", "fastapi/routing", "fastapi/middleware"),
    "fastapi/telemetry",
)


def profile(db: str, paths: Sequence[str], requests: int) -> dict[str, Any]:
    """Profile requests over paths in this process; veille's heaviest functions per request.

    The app runs on an event loop in this thread (httpx's ASGI transport) with anyio's thread pool replaced by
    a direct call, so that cProfile, which sees one thread, sees the endpoint's work. Each path is also timed
    alone (median of 3, no profiler).
    """
    import asyncio

    import anyio.to_thread
    import httpx

    from veille.serve.app import create_app

    async def inline(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    app = create_app(
        load_settings({"db": db, "serve_cache_seconds": 0.0}, environ={})
    )  # the work, not a copy
    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    prof = cProfile.Profile()
    per_path: dict[str, float] = {}

    async def drive() -> tuple[int, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for path in paths:
                times = []
                for _ in range(3):  # the first also warms up: store opened, templates compiled
                    start = time.perf_counter()
                    (await client.get(path)).raise_for_status()
                    times.append((time.perf_counter() - start) * 1000)
                per_path[path] = round(statistics.median(times), 1)
            done = 0
            start = time.perf_counter()
            prof.enable()
            while done < requests:
                for path in paths:
                    await client.get(path)
                    done += 1
            prof.disable()
            return done, (time.perf_counter() - start) * 1000 / done

    try:
        done, wall = asyncio.run(drive())
    finally:
        anyio.to_thread.run_sync = original  # type: ignore[assignment]
        app.state.stores.close()
    stats = pstats.Stats(prof)
    rows = [
        (file, fn, ncalls, tottime, cumtime)
        for (file, _, fn), (_, ncalls, tottime, cumtime, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]

    def name(file: str, fn: str) -> str:
        if "site-packages/" in file:
            return re.sub(r".*site-packages/", "", file) + ":" + fn
        if f"{ROOT}/" in file:
            return file.replace(f"{ROOT}/", "") + ":" + fn
        return f"{Path(file).name}:{fn}"

    def listed(chosen: Sequence[tuple[str, str, int, float, float]], col: int) -> list[dict[str, Any]]:
        return [
            {
                "function": name(r[0], r[1]),
                "ms_per_request": round(r[col] * 1000 / done, 2),
                "calls": r[2] // done,
            }
            for r in chosen
        ]

    ours = [r for r in rows if r[0].startswith(f"{ROOT}/veille/")]
    libraries = [
        r
        for r in rows
        if "site-packages/" in r[0] and not any(d in r[0] for d in _DISPATCH) and r[4] * 1000 / done > 1
    ]
    return {
        "requests": done,
        "ms_per_request": round(wall, 1),
        "ms_per_path_alone": per_path,
        "veille_cumulative": listed(sorted(ours, key=lambda r: -r[4])[:15], 4),
        "library_cumulative": listed(sorted(libraries, key=lambda r: -r[4])[:10], 4),
        "own_time": listed(sorted(rows, key=lambda r: -r[3])[:12], 3),
    }


# ---------------------------------------------------------------- one backend


def measure_backend(
    db: str, label: str, args: argparse.Namespace, folder: Path, phases: Phases
) -> dict[str, Any]:
    """Serve db, measure every endpoint, the page weight and first paint; profile the endpoints that miss."""
    server = Server(db, folder / f"serve-{label}.log", args.cache_seconds)
    res: dict[str, Any] = {}
    with phases.phase(f"{label}: start veille serve (core {SERVER_CORE})"):
        server.start()
    try:
        res["ready_seconds"] = round(server.ready_seconds, 2)
        endpoints, picked = plan(server.base, args.ids)
        res["picked"] = picked
        say(
            "  stories measured (size): "
            + ", ".join(f"{s['id'][:12]} ({s['size']})" for s in picked["stories"])
            + f"; 20 largest: {picked['top_sizes']}"
        )
        res["endpoints"] = {}
        for ep in endpoints:
            with phases.phase(f"{label}: {ep.name} ({len(ep.paths)} paths)"):
                got = measure_endpoint(server.base, ep, args, folder)
            got.update(is_json=ep.is_json, is_reference=ep.is_reference)
            res["endpoints"][ep.name] = got
            if "error" in got:
                say(f"  {got['error']}")
                continue
            ld, one = got["load"], got["one_connection"]
            say(
                f"  {ld['rps']:.1f} req/s, p50/p95/p99 {latencies(ld)} ms, errors {errors_cell(ld)}"
                f"; one connection: p50 {alone(got)} ms, {one['rps']:.1f} req/s; answers {answer_kb(got)} kB"
            )
            if sum(got["drain_seconds"]) > 2:
                say(
                    f"  the server was still busy {got['drain_seconds']} s after the warm-up, load, one-connection runs"
                )
        res["server_rss_mb"] = server.rss_mb()
        story_paths = [f"/stories/{s['id']}" for s in picked["stories"]]
        with phases.phase(f"{label}: page weight"):
            res["weight"] = page_weight(server.base, story_paths)
        if args.loads:
            with phases.phase(f"{label}: first paint, {args.loads} loads × {len(story_paths)} pages"):
                res["first_paint"] = first_paint(server.base, story_paths, args.loads)
    finally:
        server.stop()
    if args.profile:
        for name, got in res["endpoints"].items():
            if "error" in got or got["is_reference"] or not missed(got):
                continue
            with phases.phase(f"{label}: profile {name}"):
                got["profile"] = profile(db, got["paths"], PROFILE_REQUESTS)
            top = got["profile"]["veille_cumulative"][:4]
            say("  " + "; ".join(f"{t['function']} {t['ms_per_request']} ms" for t in top))
    return res


def missed(got: dict[str, Any]) -> bool:
    ld = got["load"]
    return (
        not ld["requests"]
        or ld["rps"] < TARGET_RPS
        or ld["errors"] > 0
        or (got["is_json"] and ld["p95_ms"] >= TARGET_P95_MS)
    )


def latencies(ld: dict[str, Any]) -> str:
    """p50 / p95 / p99, or why there are none (no request answered within the run)."""
    if not ld["requests"]:
        return "none answered"
    return f"{ld['p50_ms']} / {ld['p95_ms']} / {ld['p99_ms']}"


def alone(got: dict[str, Any]) -> str:
    one = got["one_connection"]
    return f"{one['p50_ms']}" if one["requests"] else "none answered"


def answer_kb(got: dict[str, Any]) -> str:
    """The size of the endpoint's answers (uncompressed), a range when its paths differ."""
    sizes = sorted(got["bytes"].values())
    lo, hi = sizes[0] / 1000, sizes[-1] / 1000
    return f"{lo:,.1f}" if hi - lo < 0.1 else f"{lo:,.1f}–{hi:,.1f}"


def errors_cell(ld: dict[str, Any]) -> str:
    kinds = ", ".join(f"{k} {v}" for k, v in ld["error_kinds"].items())
    if not ld["requests"]:
        return f"{ld['errors']}, no answer within the run" + (f" ({kinds})" if kinds else "")
    return f"{ld['errors']}" + (f" ({kinds})" if kinds else "")


# ---------------------------------------------------------------- table


def table(results: dict[str, Any], backends: Sequence[str]) -> Table:
    t = Table(
        title=f"veille serve — {results['store']['articles']:,} articles — {results['runtime_seconds']:.0f} s"
    )
    for col in ("endpoint", "figure", *backends, "target", "met"):
        t.add_column(col, justify="right" if col in backends else "left")

    def cell(backend: str, fn: Any) -> str:
        per = results["backends"].get(backend, {})
        try:
            return str(fn(per))
        except (KeyError, TypeError):
            return "—"

    def met(fn: Any) -> str:
        flags = []
        for b in backends:
            try:
                flags.append(bool(fn(results["backends"][b])))
            except (KeyError, TypeError):
                continue
        if not flags:
            return ""
        return "[green]yes[/]" if all(flags) else "[red]no[/]"

    names = next(iter(results["backends"].values()), {}).get("endpoints", {})
    for name in names:
        is_json = names[name].get("is_json")
        is_ref = names[name].get("is_reference")

        def ep(per: dict[str, Any], _n: str = name) -> dict[str, Any]:
            return per["endpoints"][_n]

        t.add_row(
            name,
            "req/s (c=16)",
            *(cell(b, lambda p: f"{ep(p)['load']['rps']:,.0f}") for b in backends),
            "" if is_ref else f"≥ {TARGET_RPS:.0f}",
            "" if is_ref else met(lambda p: ep(p)["load"]["rps"] >= TARGET_RPS),
        )
        t.add_row(
            "",
            "p50 / p95 / p99 ms (c=16)",
            *(cell(b, lambda p: latencies(ep(p)["load"])) for b in backends),
            f"p95 < {TARGET_P95_MS:.0f}" if is_json else "",
            met(lambda p: ep(p)["load"]["requests"] and ep(p)["load"]["p95_ms"] < TARGET_P95_MS)
            if is_json
            else "",
        )
        t.add_row(
            "",
            "errors (c=16)",
            *(cell(b, lambda p: errors_cell(ep(p)["load"])) for b in backends),
            "" if is_ref else "0",
            "" if is_ref else met(lambda p: ep(p)["load"]["requests"] and ep(p)["load"]["errors"] == 0),
        )
        t.add_row(
            "",
            "p50 ms alone (c=1) · answer kB",
            *(cell(b, lambda p: f"{alone(ep(p))} · {answer_kb(ep(p))}") for b in backends),
            "",
            "",
        )
    t.add_row(
        "story page",
        "HTML + CSS + JS, kB raw (gzip)",
        *(
            cell(
                b,
                lambda p: (
                    f"{p['weight']['worst']['total_raw'] / 1000:.1f} ({p['weight']['worst']['total_gzip'] / 1000:.1f})"
                ),
            )
            for b in backends
        ),
        f"< {TARGET_PAGE_BYTES // 1000} kB",
        met(lambda p: p["weight"]["worst"]["total_raw"] < TARGET_PAGE_BYTES),
    )
    t.add_row(
        "",
        "served encoding",
        *(cell(b, lambda p: p["weight"]["worst"]["served_encoding"]) for b in backends),
        "",
        "",
    )
    t.add_row(
        "",
        f"first paint, worst median of {results['loads']} loads, ms",
        *(cell(b, lambda p: p["first_paint"]["worst_median_fcp_ms"]) for b in backends),
        f"< {TARGET_FCP_MS:.0f} ms",
        met(lambda p: p["first_paint"]["worst_median_fcp_ms"] < TARGET_FCP_MS),
    )
    t.add_row(
        "server", "RSS after the load, MB", *(cell(b, lambda p: p["server_rss_mb"]) for b in backends), "", ""
    )
    t.add_row(
        "server",
        "start to first answer, s",
        *(cell(b, lambda p: p["ready_seconds"]) for b in backends),
        "",
        "",
    )
    return t


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument("--save", type=Path, default=None, help="also write that JSON object to this file")
    parser.add_argument("--backends", default=",".join(ALL_BACKENDS), help=f"subset of {list(ALL_BACKENDS)}")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the built store is kept")
    parser.add_argument("--db", default=None, help="an SQLite store to serve instead of building one")
    parser.add_argument("--rebuild", action="store_true", help="build the store again even when cached")
    parser.add_argument("--articles", type=int, default=ARTICLES, help="articles in the built store")
    parser.add_argument("--duration", type=float, default=DURATION, help="seconds of load per endpoint")
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help="concurrent connections")
    parser.add_argument("--ids", type=int, default=IDS, help="story ids rotated over (among the 20 largest)")
    parser.add_argument(
        "--loads", type=int, default=LOADS, help="page loads per story for first paint (0: skip)"
    )
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=None,
        help="the server's serve_cache_seconds (default: its own, 10; 0: every answer computed)",
    )
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="do not profile misses")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(args.backends) - set(ALL_BACKENDS) or not args.backends:
        parser.error(f"--backends: choose among {list(ALL_BACKENDS)}")
    if args.articles < 1 or args.ids < 1 or args.connections < 1:
        parser.error("--articles, --ids and --connections must be positive")
    return args


def check_tools() -> str | None:
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            return f"{tool} is missing: apt-get install -y {'wrk' if tool == 'wrk' else 'util-linux'}"
    if len(os.sched_getaffinity(0)) < 2:
        return (
            "this benchmark pins the server and the load tool to two different cores: one core is available"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    why = check_tools()
    if why:
        print(why, file=sys.stderr)
        return 1
    phases = Phases()
    results: dict[str, Any] = {
        "duration": args.duration,
        "connections": args.connections,
        "loads": args.loads,
        "cache_seconds": args.cache_seconds,
        "backends": {},
        "skipped": {},
    }
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="veille-serve-bench-")))
        if args.db:
            db = args.db
            results["store"] = {"db": db, "given": True, "counts": store_counts(db)}
            results["store"]["articles"] = results["store"]["counts"].get("articles", 0)
        else:
            db = str(args.cache / f"serve-sqlite-{args.articles}.db")
            recipe_path = args.cache / f"serve-sqlite-{args.articles}.json"
            if args.rebuild or not (Path(db).is_file() and recipe_path.is_file()):
                if not args.eval_dir.is_dir():
                    print(f"evaluation sets not found at {args.eval_dir}: pass --eval-dir", file=sys.stderr)
                    return 1
                recipe = build_store(args.cache, args.articles, args.eval_dir, phases)
            else:
                recipe = json.loads(recipe_path.read_text())
                say(f"store reused: {db} (built {recipe['built']}; --rebuild to build again)")
            results["store"] = {"db": db, "given": False, **recipe}
        say(f"store: {results['store'].get('counts')}")
        # The client side (this process, wrk, Chromium) on its own core from now on; the server on the other.
        os.sched_setaffinity(0, {CLIENT_CORE})
        urls: dict[str, str] = {}
        for backend in args.backends:
            if backend == "sqlite":
                urls[backend] = db
                continue
            why = pgtemp.available() if pgtemp is not None else "tools/pgtemp.py is missing"
            if why:
                results["skipped"][backend] = why
                say(f"postgresql skipped: {why}")
                continue
            pg = stack.enter_context(pgtemp.TempPostgres())
            url = pg.create_database("serve_bench")
            with phases.phase(f"postgresql: veille copy {Path(db).name} → {url}"):
                copy_s, copied = copy_store(db, url)
            results["postgresql_copy"] = {"seconds": round(copy_s, 1), "tables": copied}
            results["postgresql_pinned"] = pin_postgres(pg)
            urls[backend] = url
        for backend, url in urls.items():
            stale = stale_comparisons(url)  # before the server could store any
            try:
                res = measure_backend(url, backend, args, folder, phases)
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                res = {"error": str(exc)}
                say(f"{backend}: not measured: {exc}")
            if stale:
                res["stale_comparisons"] = stale
                say(
                    f"{backend}: WARNING {len(stale)} of the largest stories have no current stored comparison"
                )
            results["backends"][backend] = res
    runtime = time.perf_counter() - _START
    results["phases"] = phases.done
    results["runtime_seconds"] = round(runtime, 1)
    results["versions"] = versions()
    if args.save:
        args.save.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
        return 0
    measured = [b for b in args.backends if "endpoints" in results["backends"].get(b, {})]
    console = Console(width=220)
    console.print(table(results, measured))
    for backend, per in results["backends"].items():
        if "error" in per:
            console.print(f"{backend}: not measured: {per['error']}")
        for name, got in per.get("endpoints", {}).items():
            if "profile" in got:
                top = got["profile"]["veille_cumulative"][:6]
                console.print(
                    f"{backend} {name}: {got['profile']['ms_per_request']} ms per request in process; "
                    + "; ".join(f"{t['function']} {t['ms_per_request']} ms" for t in top)
                )
    console.print("phases: " + "; ".join(f"{p['phase']} {p['seconds']:.1f} s" for p in phases.done))
    return 0


def copy_store(source: str, target: str) -> tuple[float, Any]:
    """``veille copy SOURCE TARGET --json``: its wall time and table report."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "veille", "copy", source, target, "--json"],
        capture_output=True,
        text=True,
        env=veille_env(),
        cwd=ROOT,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"veille copy failed: {proc.stderr.strip()[-300:]}")
    return time.perf_counter() - start, json.loads(proc.stdout).get("tables")


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {name: version(name) for name in ("veille", "fastapi", "starlette", "uvicorn", "jinja2")}
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return out


if __name__ == "__main__":
    sys.exit(main())
