"""`veille watch` on 1,000 simulated feeds on loopback: one pass with everything new, then one pass with every
feed unchanged (conditional requests answered 304). Wall time, requests made, conditional hits, peak memory.

Usage: .venv/bin/python benchmarks/watch.py [--json] [--feeds 1000] [--hosts 100] [--entries 1]
       [--delay 1.0] [--workers 8]

The outlets are played by the test suite's server (tests/watch/outlets.py) in a process of its own: ``--hosts``
servers on 127.0.0.1 (one port each, so one host each for the per-host delay and concurrency limit), the feeds
spread evenly over them, each feed an RSS file of ``--entries`` entries whose pages are small HTML articles.
The watcher runs here as `veille watch --once` does (``poll.poll_once``, the pipeline left out: the figures
are the poller's), into a fresh SQLite store, with the default settings but ``allow_private`` (the servers are
on loopback), ``fetch_delay`` = ``--delay`` (default: the setting's default, 1 s) and ``watch_workers`` =
``--workers``. Requests and 304s are counted by the fetcher; peak memory is this process's largest RSS
(psutil, sampled every 20 ms) during each pass. Target: the pass over the unchanged feeds under 30 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "watch"))

from outlets import OutletServer, World, page, rss  # noqa: E402 - the test suite's outlet server

from veille.model import Source, SourceFeed  # noqa: E402
from veille.settings import Settings  # noqa: E402
from veille.store import open_store  # noqa: E402
from veille.watch import poll  # noqa: E402

TARGET_SECONDS = 30.0


def _serve(feeds_per_host: list[int], entries: int, ready: Any, stop: Any) -> None:
    """Run one server per host (each in a thread) until ``stop`` is set; send their base URLs to ``ready``."""
    servers = []
    for host, count in enumerate(feeds_per_host):
        world = World()
        server = OutletServer(world)
        for feed in range(count):
            items = []
            for k in range(entries):
                path = f"/h{host}/f{feed}/a/{k}.html"
                text = f"Article {k} du flux {feed} du média {host}, sur la situation sécuritaire à Mopti."
                world.set(path, "text/html; charset=utf-8", page(f"Titre {host}-{feed}-{k}", text))
                items.append((f"{host}-{feed}-{k}", server.base + path, f"Titre {k}"))
            world.set(f"/h{host}/f{feed}/rss", "application/rss+xml", rss(f"Média {host}", items))
        servers.append(server.__enter__())
    ready.send([s.base for s in servers])
    stop.wait()
    for server in servers:
        server.__exit__()


class _PeakRSS:
    """This process's largest resident memory while the block runs (sampled by a thread)."""

    def __init__(self) -> None:
        self.peak = 0
        self._done = threading.Event()
        self._proc = psutil.Process()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> _PeakRSS:
        self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def main(argv: list[str] | None = None) -> int:
    """Start the outlets, run the two passes, print the table (or JSON); exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--entries", type=int, default=1)
    parser.add_argument("--delay", type=float, default=Settings().fetch_delay)
    parser.add_argument("--workers", type=int, default=Settings().watch_workers)
    args = parser.parse_args(argv)
    per_host = [
        args.feeds // args.hosts + (1 if h < args.feeds % args.hosts else 0) for h in range(args.hosts)
    ]
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    server = ctx.Process(target=_serve, args=(per_host, args.entries, send, stop), daemon=True)
    server.start()
    passes: list[dict[str, Any]] = []
    try:
        bases = receive.recv()
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                db=str(Path(tmp) / "watch.db"),
                allow_private=True,
                fetch_delay=args.delay,
                watch_workers=args.workers,
                watch_interval=0.0,
            )
            with open_store(settings.db) as store:
                for host, (base, count) in enumerate(zip(bases, per_host, strict=True)):
                    feeds = tuple(SourceFeed(f"{base}/h{host}/f{f}/rss", "rss") for f in range(count))
                    store.put_source(
                        Source(id=f"media-{host}", name=f"Média {host}", kind="private", feeds=feeds)
                    )
                for name in ("first (all new)", "second (unchanged)"):
                    with _PeakRSS() as memory:
                        start = time.perf_counter()
                        summary = poll.poll_once(store, settings)
                        seconds = time.perf_counter() - start
                    passes.append(
                        {
                            "pass": name,
                            "seconds": round(seconds, 2),
                            "feeds": summary.feeds_polled,
                            "failed": summary.feeds_failed,
                            "requests": summary.requests,
                            "not_modified": summary.not_modified,
                            "robots": summary.robots,
                            "documents_new": summary.documents_new,
                            "peak_rss_mb": round(memory.peak / 2**20, 1),
                        }
                    )
                    print(f"{name}: {seconds:.1f}s", file=sys.stderr)
    finally:
        stop.set()
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    unchanged = passes[-1]["seconds"]
    result = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "entries_per_feed": args.entries,
        "fetch_delay": args.delay,
        "workers": args.workers,
        "passes": passes,
        "target_seconds": TARGET_SECONDS,
        "met": unchanged < TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.feeds} feeds on {args.hosts} hosts, fetch_delay {args.delay}s, {args.workers} workers")
        print(
            f"{'pass':<20} {'seconds':>8} {'feeds':>6} {'requests':>9} {'304':>5} {'robots':>7} {'new docs':>9} {'peak RSS MB':>12}"
        )
        for p in passes:
            print(
                f"{p['pass']:<20} {p['seconds']:>8} {p['feeds']:>6} {p['requests']:>9} {p['not_modified']:>5}"
                f" {p['robots']:>7} {p['documents_new']:>9} {p['peak_rss_mb']:>12}"
            )
        print(f"target: unchanged pass < {TARGET_SECONDS:g}s: {'met' if result['met'] else 'missed'}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
