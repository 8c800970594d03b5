"""Peak memory of reading one RSS feed whole (issue 22): feedparser is given the whole body, not a stream.

Usage: .venv/bin/python benchmarks/feed_memory.py [--mb 1,20] [--json]

Builds a well-formed RSS 2.0 feed of French news entries (title, link, date, description, content:encoded)
of each size, reads it with ``veille.ingest.feeds.iter_feed`` (every entry made into a Document, as ingest
does) under tracemalloc, and prints the peak of Python allocations, its ratio to the feed's size, and the
time (under tracemalloc, which slows it: the time is only an order of magnitude). The feed sizes that
matter are the caps: 20 MB (``fetch_max_bytes``, a feed by URL or ``veille watch``; ``max_document_bytes``,
a compressed feed once decompressed) and 200 MB (10 x ``max_document_bytes``, a feed file or stdin).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from veille.ingest.feeds import iter_feed  # noqa: E402 - after the path is set

PARAGRAPH = (
    "Le ministre de la Défense a été reçu mardi à Niamey par son homologue nigérien. « Nous renforçons "
    "notre coopération », a-t-il déclaré devant la presse, après deux heures d'entretien au palais."
)


def build_feed(size: int) -> bytes:
    """A well-formed RSS 2.0 feed of about ``size`` bytes (entries of about 2 kB)."""
    head = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        b'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Le Sahel</title>'
        b"<link>https://exemple.ne/</link><language>fr</language>\n"
    )
    parts = [head]
    total, n = len(head), 0
    while total < size:
        n += 1
        item = (
            f"<item><title>Visite à Niamey ({n})</title><link>https://exemple.ne/article-{n}</link>"
            f"<guid>https://exemple.ne/article-{n}</guid><pubDate>Mon, 06 Feb 2023 10:00:00 GMT</pubDate>"
            f"<description>{PARAGRAPH}</description>"
            f"<content:encoded><![CDATA[<p>{PARAGRAPH}</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p>"
            f"<p>{PARAGRAPH} ({n})</p>]]></content:encoded></item>\n"
        ).encode()
        parts.append(item)
        total += len(item)
    parts.append(b"</channel></rss>\n")
    return b"".join(parts)


def measure(size: int) -> dict[str, float]:
    """Return the feed's size, entries, peak traced memory (MB and x the size) and seconds for one size."""
    raw = build_feed(size)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    entries = sum(1 for item in iter_feed(raw, source="bench.rss") if item.document is not None)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "feed_mb": round(len(raw) / 1e6, 1),
        "entries": entries,
        "peak_mb": round(peak / 1e6, 1),
        "peak_x_feed": round(peak / len(raw), 1),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="1,20", help="feed sizes in MB, comma-separated")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = [measure(int(float(mb) * 1e6)) for mb in args.mb.split(",")]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'feed MB':>8} {'entries':>8} {'peak MB':>8} {'x feed':>7} {'seconds':>8}")
    for r in results:
        print(
            f"{r['feed_mb']:>8} {r['entries']:>8} {r['peak_mb']:>8} {r['peak_x_feed']:>7} {r['seconds']:>8}"
        )


if __name__ == "__main__":
    main()
