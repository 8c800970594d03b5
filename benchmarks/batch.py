"""`veille batch` on a local Dask cluster (issue 20): records/s with 1 and 2 worker processes, and the ratio.

Usage: .venv/bin/python benchmarks/batch.py [--json] [--records 10000] [--per-archive 500] [--workers 1,2]

Input, built at run time into a temporary folder (never into the project): the 202 texts of the bundled
sample (``veille/data/sample``: the two seeds and 200 RPM2 articles) cycled until ``--records`` records, each
copy wrapped in an HTML page of its own (title, paragraphs, a publication date that moves by one day per
cycle, a per-record comment), served by a domain of its cycle (``www.presseNN.example``), so every record is
a distinct document that goes through the whole of extraction and understanding, and an outlet never shows
the same page twice. Records are written ``--per-archive`` to a gzipped WARC file of HTTP responses, the way
a crawl is cut into files; the manifest lists them.

For each worker count: ``run_batch(manifest, fresh output, local=N)`` timed from the call to its return, so
the figure includes starting the cluster and each worker loading its models (a few seconds on thousands of
records). Figures: records/s (records read ÷ wall seconds) and the seconds per stage summed over the tasks;
then 2 workers ÷ 1 (target ≥ 1.7). Progress goes to stderr, the table (or ``--json``) to stdout.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from veille.batch import run_batch
from veille.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "veille" / "data" / "sample"
TARGET_SCALING = 1.7


def sample_texts() -> list[str]:
    """Return the bundled sample's article texts (seeds and RPM2), in path order."""
    paths = sorted(SAMPLE.rglob("*.txt"))
    return [p.read_text(encoding="utf-8").lstrip("\ufeff") for p in paths]


def page(text: str, day: date, number: int) -> bytes:
    """Return an HTML page holding a text: its first line as title, the other lines as paragraphs."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title, paragraphs = escape(lines[0]), "".join(f"<p>{escape(p)}</p>" for p in lines[1:])
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{day.isoformat()}T08:00:00+00:00"></head>'
        f"<body><!-- record {number} --><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def build_archives(folder: Path, records: int, per_archive: int) -> Path:
    """Write ``records`` records into gzipped WARC files of ``per_archive`` each; return the manifest."""
    texts = sample_texts()
    names: list[str] = []
    writer: WARCWriter | None = None
    out: Any = None
    for number in range(records):
        if number % per_archive == 0:
            if out is not None:
                out.close()
            names.append(f"crawl-{len(names):04d}.warc.gz")
            out = open(folder / names[-1], "wb")  # noqa: SIM115 - closed when the next file opens
            writer = WARCWriter(out, gzip=True)
        cycle, index = divmod(number, len(texts))
        payload = page(texts[index], date(2023, 1, 1) + timedelta(days=cycle), number)
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        url = f"https://www.presse{cycle:02d}.example/articles/{index}.html"
        assert writer is not None
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers)
        )
    if out is not None:
        out.close()
    manifest = folder / "manifest.txt"
    manifest.write_text("\n".join(names) + "\n", encoding="utf-8")
    return manifest


def measure(manifest: Path, output: Path, workers: int) -> dict[str, Any]:
    """Run the batch on a fresh output folder with ``workers`` local processes; return its figures."""
    start = time.perf_counter()
    summary = run_batch(manifest, output, settings=Settings(), local=workers)
    wall = time.perf_counter() - start
    return {
        "workers": workers,
        "records": summary.records,
        "archives": summary.done,
        "failed_archives": summary.failed,
        "seconds": round(wall, 2),
        "records_per_s": round(summary.records / wall, 2),
        "stage_seconds": {name: round(c.seconds, 1) for name, c in summary.stages.items()},
        "failed_records": {name: c.failed for name, c in summary.stages.items() if c.failed},
        "model_loads": sorted(w.get("loads", 0) for w in summary.workers.values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Build the archives, run the batch with each worker count, print the table (or --json)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--per-archive", type=int, default=500)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        manifest = build_archives(tmp, args.records, args.per_archive)
        print(f"{args.records} records in {len(manifest.read_text().split())} archives", file=sys.stderr)
        for workers in (int(w) for w in args.workers.split(",")):
            runs.append(measure(manifest, tmp / f"out-{workers}", workers))
            print(f"{workers} worker(s): {runs[-1]}", file=sys.stderr)
    by = {r["workers"]: r for r in runs}
    ratio = round(by[2]["records_per_s"] / by[1]["records_per_s"], 2) if 1 in by and 2 in by else None
    result = {"records": args.records, "per_archive": args.per_archive, "runs": runs, "scaling": ratio}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"veille batch, {args.records} records ({args.per_archive} per archive), local Dask cluster")
    print(f"{'workers':>8} {'records/s':>10} {'seconds':>9}  stage seconds (summed over tasks)")
    for run in runs:
        print(f"{run['workers']:>8} {run['records_per_s']:>10} {run['seconds']:>9}  {run['stage_seconds']}")
    if ratio is not None:
        print(
            f"scaling, 2 workers ÷ 1: {ratio} (target ≥ {TARGET_SCALING}: {'met' if ratio >= TARGET_SCALING else 'NOT met'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
