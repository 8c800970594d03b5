"""Start-up of the commands that need no model (issue 20): seconds from launch to the end of their output.

Usage: .venv/bin/python benchmarks/startup.py [--json] [--runs N]

A store of the bundled sample (the seeds and 200 RPM2 articles, as `veille demo` makes it) is built once in a
temporary folder. Each command then runs N times (default 7) as a fresh process, `python -m veille --db STORE
…`, with its output thrown away; the figure is the median wall time. The commands print all their output at
once, so the end of the output is also the first output. The reference, measured in the same run, is the
interpreter alone (`python -c pass`): a floor no command goes under. Target: under 0.5 s for each command.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import Row, report

from veille.cli import sample_sources

TARGET_SECONDS = 0.5
COMMANDS = (
    ("--help",),
    ("stories",),
    ("show", "{article}"),
    ("search", "Lavrov"),
    ("failures",),
    ("entities", "--limit", "20"),
    ("quotes", "--limit", "20"),
)


def _seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Build the sample store, time each command, print the table (or JSON); returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sample.db")
        veille = [sys.executable, "-m", "veille", "--db", db]
        subprocess.run([*veille, "ingest", *sample_sources()], capture_output=True, check=True)
        subprocess.run([*veille, "run"], capture_output=True, check=True)
        listed = subprocess.run([*veille, "articles", "--json"], capture_output=True, check=True, text=True)
        article = json.loads(listed.stdout)[0]["id"]
        floor = _seconds([sys.executable, "-c", "pass"], args.runs)
        results["interpreter"] = round(floor, 3)
        for command in COMMANDS:
            words = [w.format(article=article) for w in command]
            results[" ".join(command)] = round(_seconds([*veille, *words], args.runs), 3)
    rows = [
        Row(
            "start-up (sample store)",
            f"veille {name}",
            seconds,
            results["interpreter"],
            f"< {TARGET_SECONDS} s",
            seconds < TARGET_SECONDS,
            f"median of {args.runs} fresh processes; reference: the interpreter alone",
        )
        for name, seconds in results.items()
        if name != "interpreter"
    ]
    report(
        results,
        rows,
        runtime=time.perf_counter() - begin,
        versions={"python": sys.version.split()[0]},
        as_json=args.json,
        title="veille start-up benchmark (issue 20)",
        reference="python -c pass",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
