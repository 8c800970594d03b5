"""Every core of one machine (issue 20): `veille run` with 1 and 2 workers, beside plain spaCy and trafilatura.

Usage: .venv/bin/python benchmarks/scale.py [--json] [--limit N] [--workers 1,2]

Corpus: the "news" corpus of benchmarks/store.py (every distinct French news article of ../shared/eval, built
at run time into a temporary folder; its recipe is that module's docstring and is kept in --json): 755
articles today. The issue asks for about 2,000; the sets hold no more distinct French news. ``--limit N``
keeps at most N per set.

For each worker count, a fresh SQLite store: ``veille ingest`` of the corpus (not timed in articles/s), then
``veille run --workers N --json`` as a fresh process, timed from launch to exit. Figures:
  articles/s     articles stored by the run ÷ the run's wall seconds (every stage: extract, understand, link,
                 group, compare).
  <stage>, s     the run summary's seconds per stage (the wall time of the stage in the main process; the
                 helpers work inside the same window).
  peak memory    the largest resident set of the run's processes (``resource.getrusage`` of the children:
                 the run itself, and its helpers through it, reaped by it).
  CPU, s         user + system seconds of the run's own process and of each helper (psutil, sampled every
                 0.2 s until each ends): whether the run's process, which also links, groups and hands out
                 the comparisons, takes more than its share, and how much of the machine the run had
                 (CPU seconds ÷ wall seconds ÷ workers; below 1 when other work shares the cores).
The references, measured in the same run on the same texts and the same process count:
  spaCy          ``fr_core_news_md`` ``nlp.pipe`` over the stored articles' texts (``n_process`` = N,
                 batch_size 16), model load excluded: articles/s. veille's understand stage is compared to it
                 as (articles ÷ understand seconds) ÷ spaCy's articles/s; veille's understand seconds include
                 loading its models once (spaCy's do not: the comparison is against veille).
  trafilatura    ``trafilatura.extract`` (defaults) over the corpus's HTML pages, one process: pages/s.
Targets: ≥ 20 articles/s end to end with 2 workers; understand ≥ 0.8× plain spaCy at the same process count;
2 workers ≥ 1.7× one; peak memory < 1.5 GB per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import DEFAULT_EVAL_DIR, Row, report
from store import build_news_corpus

TARGET_RATE, TARGET_SPACY, TARGET_SCALING, TARGET_MEMORY_GB = 20.0, 0.8, 1.7, 1.5


def _spacy_rate(texts: list[str], processes: int) -> float:
    """Return plain spaCy's articles/s over ``texts`` with ``processes`` processes (model load excluded)."""
    import spacy

    nlp = spacy.load("fr_core_news_md")
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=16, n_process=processes):
        pass
    return len(texts) / (time.perf_counter() - start)


def _trafilatura_rate(pages: list[bytes]) -> float:
    import trafilatura

    start = time.perf_counter()
    for raw in pages:
        trafilatura.extract(raw)
    return len(pages) / (time.perf_counter() - start) if pages else 0.0


def _cpu_watch(proc: subprocess.Popen[str]) -> tuple[str, str, dict[int, float]]:
    """Wait for ``proc`` while sampling the CPU seconds (user + system) of it and its children every 0.2 s;
    return its stdout, stderr and the last CPU seconds seen per pid."""
    import contextlib
    import threading

    import psutil

    cpu: dict[int, float] = {}
    root = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            with contextlib.suppress(psutil.Error):  # a process ended between two looks
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        if p.pid == proc.pid or "spawn_main" in " ".join(p.cmdline()):
                            times = p.cpu_times()
                            cpu[p.pid] = times.user + times.system

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    stop.set()
    thread.join()
    return out, err, cpu


def _run(folder: Path, workers: int, tmp: Path) -> dict[str, Any]:
    db = str(tmp / f"scale-{workers}.db")
    veille = [sys.executable, "-m", "veille", "--db", db]
    subprocess.run([*veille, "ingest", str(folder), "--json"], capture_output=True, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    load = [round(x, 2) for x in os.getloadavg()]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*veille, "run", "--workers", str(workers), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, _, cpu = _cpu_watch(proc)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(out)
    own = cpu.pop(proc.pid, 0.0)
    articles = summary["extract"]["ok"]
    return {
        "workers": workers,
        "db": db,
        "articles": articles,
        "seconds": round(seconds, 1),
        "articles_per_s": round(articles / seconds, 2),
        "stages": {k: v["seconds"] for k, v in summary.items()},
        "understand_per_s": round(
            summary["understand"]["ok"] / max(summary["understand"]["seconds"], 1e-9), 2
        ),
        "failed": summary["extract"]["failed"] + summary["understand"]["failed"],
        "peak_memory_mb": round(max(peak_kb, before) / 1024, 0),
        "cpu_seconds": {"run": round(own, 1), "helpers": [round(c, 1) for c in cpu.values()]},
        "machine_share": round((own + sum(cpu.values())) / seconds / workers, 2),
        "load_average": {"before": load, "after": [round(x, 2) for x in os.getloadavg()]},
        "exit": proc.returncode,
    }


def _texts(db: str) -> list[str]:
    from veille.store import open_store

    store = open_store(db)
    try:
        return [a.text for a in store.iter_articles()]
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """Build the corpus, run veille with each worker count and the references, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    begin = time.perf_counter()
    results: dict[str, Any] = {"runs": []}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder = tmp / "news"
        folder.mkdir()
        results["corpus"] = build_news_corpus(args.eval_dir, folder, args.limit)
        print(f"corpus: {results['corpus']['articles']} articles", file=sys.stderr)
        for workers in counts:
            results["runs"].append(_run(folder, workers, tmp))
            print(f"run with {workers} worker(s): {results['runs'][-1]}", file=sys.stderr)
        texts = _texts(results["runs"][0]["db"])
        results["spacy"] = {str(n): round(_spacy_rate(texts, n), 2) for n in counts}
        pages = [p.read_bytes() for p in folder.rglob("*") if p.suffix.lower() in {".html", ".htm"}]
        results["trafilatura"] = {"pages": len(pages), "pages_per_s": round(_trafilatura_rate(pages), 2)}
    rows = []
    by = {r["workers"]: r for r in results["runs"]}
    for workers, run in sorted(by.items()):
        label = f"{run['articles']} articles, {workers} worker(s)"
        spacy_rate = results["spacy"][str(workers)]
        rows.append(
            Row(
                label,
                "end to end, articles/s",
                run["articles_per_s"],
                None,
                f"≥ {TARGET_RATE} (2 workers)",
                run["articles_per_s"] >= TARGET_RATE if workers == 2 else None,
                f"{run['seconds']} s; stages {run['stages']}",
            )
        )
        rows.append(
            Row(
                label,
                "understand ÷ plain spaCy",
                round(run["understand_per_s"] / spacy_rate, 2),
                spacy_rate,
                f"≥ {TARGET_SPACY}",
                run["understand_per_s"] / spacy_rate >= TARGET_SPACY,
                f"understand {run['understand_per_s']} articles/s; spaCy nlp.pipe n_process={workers}",
            )
        )
        rows.append(
            Row(
                label,
                "CPU s, the run's process / helpers",
                run["cpu_seconds"]["run"],
                None,
                "",
                None,
                f"helpers {run['cpu_seconds']['helpers']}; machine share {run['machine_share']}; load average"
                f" (1, 5, 15 min) before {run['load_average']['before']}, after {run['load_average']['after']}",
            )
        )
        rows.append(
            Row(
                label,
                "peak memory, MB",
                run["peak_memory_mb"],
                None,
                f"< {TARGET_MEMORY_GB * 1024:.0f}",
                run["peak_memory_mb"] < TARGET_MEMORY_GB * 1024,
                "largest process of the run",
            )
        )
    if 1 in by and 2 in by:
        ratio = round(by[2]["articles_per_s"] / by[1]["articles_per_s"], 2)
        rows.append(
            Row("scaling", "2 workers ÷ 1", ratio, None, f"≥ {TARGET_SCALING}", ratio >= TARGET_SCALING)
        )
    t = results["trafilatura"]
    rows.append(
        Row(
            "reference",
            "trafilatura.extract, pages/s",
            t["pages_per_s"],
            None,
            "",
            None,
            f"{t['pages']} HTML pages",
        )
    )
    for run in results["runs"]:
        run.pop("db", None)
    report(
        results,
        rows,
        runtime=time.perf_counter() - begin,
        versions={"python": sys.version.split()[0]},
        as_json=args.json,
        title="veille scale benchmark (issue 20)",
        reference="plain spaCy",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
