"""The link step's cost per new article as the store grows (issue 17: "linking a new article costs the same at
100 and at 100,000 stored articles"), with the time spent in each Store primitive, so a growth is explained.

Usage: .venv/bin/python benchmarks/link_cost.py [--sizes 1000,10000,100000] [--new 50] [--bases DB]
       [--backends sqlite,postgresql] [--budget SECONDS] [--workdir DIR] [--json]

Bases: the analysed articles of an SQLite store (``--bases``; default: ``veille demo`` run once into the work
folder, i.e. the bundled sample), with their analyses as stored (the analyser's entity ids, before any link).
Stores are nested: for each size the store of the previous size is loaded further through the Store protocol
(``benchmarks/store.py``'s ``load_copies``: copies of the bases with shifted dates and new ids, their analyses
the bases' with the new article id), then every pending article is linked in one step (``settle``, timed but
not the figure), then ``--new`` more copies are stored and linked in one step: the figure is that step's wall
time over the new articles. Copies keep the analyser's entity ids, so a name of a base recurs in every copy of
it, as a person recurs in the news: the store of 10k holds 50 times the uses of "Goïta" the sample holds.

Per primitive: every Store call the link step makes (``link_entities`` only speaks the protocol) is timed,
with its calls and the rows it returned; "decide" is the rest of the step (``veille.understand.linking``).
The table gives ms per new article for each; ``names`` is how many names the step decided.
Digest: the SHA-256 of every stored link and every mention's link target (entity_links, mentions.lid) at the
end, so two runs (before and after a change of the linker) can be checked to decide the same.
Loading stops after --budget seconds per size (default LOAD_BUDGET) and the size is measured where it got.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench_common import ROOT
from click.testing import CliRunner
from rich.console import Console
from rich.table import Table
from store import Backends, Base, load_copies

from veille.cli import main as veille_main
from veille.settings import Settings
from veille.store import codec, open_store
from veille.understand.crosslink import link_entities

DEFAULT_SIZES = (1_000, 10_000, 100_000)
NEW_ARTICLES = 50
LOAD_BUDGET = 900.0  # seconds of loading per size
# the primitives link_entities calls (veille.store.base.Store, "cross-article links")
LINK_PRIMITIVES = (
    "pending",
    "link_queue",
    "article_names",
    "put_entity_keys",
    "find_entity_keys",
    "keyed_entities",
    "entity_keys_of",
    "name_nodes",
    "surname_uses",
    "put_links",
    "mark_linked",
    "clear_link_queue",
)  # the order of the table's columns; any other call the step makes comes after them

_START = time.perf_counter()
logger = logging.getLogger(__name__)


def say(message: str) -> None:
    """Print one progress line on stderr with the time since the start."""
    print(f"[link_cost {time.perf_counter() - _START:7.1f} s] {message}", file=sys.stderr, flush=True)


class TimedStore:
    """A Store that times the link primitives it forwards: seconds, calls and rows returned per name."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name == "transaction" or not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return (out := attr(*args, **kwargs))
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1
                if isinstance(out, list | dict | tuple):
                    self.rows[name] += len(out)

        return timed


@contextmanager
def opened(url: str, settings: Settings) -> Iterator[Any]:
    store = open_store(url, settings=settings)
    try:
        yield store
    finally:
        store.close()


def timed_link(url: str, settings: Settings) -> dict[str, Any]:
    """Link everything pending at url in one step; return its wall time and the time per primitive."""
    with opened(url, settings) as store:
        timed = TimedStore(store)
        start = time.perf_counter()
        report = link_entities(timed)
        seconds = time.perf_counter() - start
        counts = store.counts()
    spent = sum(timed.seconds.values())
    return {
        "articles": len(report.articles),
        "names": report.names,
        "links": report.links,
        "seconds": seconds,
        "primitives": {
            name: {"seconds": timed.seconds[name], "calls": timed.calls[name], "rows": timed.rows[name]}
            for name in sorted(timed.seconds, key=lambda n: -timed.seconds[n])
        },
        "decide_seconds": seconds - spent,
        "stored_articles": counts.get("articles"),
    }


def links_digest(url: str, settings: Settings) -> str:
    """Return the SHA-256 of the stored links and of every mention's link target, in a fixed order."""
    with opened(url, settings) as store:
        digest = hashlib.sha256()
        # the store's own connection: these two tables are what the link step decides
        for sql in (
            "SELECT article_id, entity_id, target_id, reason FROM entity_links ORDER BY article_id, entity_id",
            "SELECT article_id, entity_id, coalesce(text, ''), coalesce(start, -1), coalesce(lid, '')"
            " FROM mentions ORDER BY article_id, entity_id, coalesce(start, -1), coalesce(text, '')",
        ):
            for row in store._rows(sql):  # noqa: SLF001 - a benchmark's check, not an API
                digest.update(repr(tuple(row.values())).encode())
        return digest.hexdigest()


def read_bases(path: Path, settings: Settings) -> list[Base]:
    """Return every analysed article of an SQLite store with its analysis as the analyser made it.

    Not ``get_analysis``, which gives the registry's ids: a copy would then carry "Goïta" already linked
    to Assimi Goïta, and the link step would have no one-word name left to decide.
    """
    with opened(str(path), settings) as store:
        bases = []
        for article in sorted(store.iter_articles(), key=lambda a: a.id):
            row = store._one(  # noqa: SLF001 - the stored payload, before links and edits
                "SELECT article_id, language, analyzer, payload FROM analyses WHERE article_id = ?",
                (article.id,),
            )
            if row is not None:
                data = json.loads(row["payload"])
                data.update(article_id=row["article_id"], language=row["language"], analyzer=row["analyzer"])
                bases.append(Base(article, codec.analysis_from_json(data)))
        return bases


def make_bases(workdir: Path) -> Path:
    """Run ``veille demo`` (the bundled sample) into the work folder once; return the store's path."""
    path = workdir / "bases.db"
    if not path.exists():
        say("bases: veille demo into the work folder (about a minute) …")
        result = CliRunner().invoke(veille_main, ["-q", "--db", str(path), "demo"], catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(f"veille demo failed: {result.output[-500:]}")
    return path


def run_backend(
    url: str, bases: list[Base], sizes: list[int], new: int, budget: float, settings: Settings
) -> list[dict[str, Any]]:
    """Measure every size on one (empty) store, loading it further between sizes."""
    rows: list[dict[str, Any]] = []
    loaded = 0
    for size in sizes:
        row: dict[str, Any] = {"size": size}
        start = time.perf_counter()
        load = load_copies(url, bases, loaded, max(loaded, size - new), budget, settings)
        loaded = load["reached"]
        row["load_seconds"] = round(time.perf_counter() - start, 1)
        say(f"size {size:,}: loaded {loaded:,} in {row['load_seconds']} s; linking them (settle) …")
        settle = timed_link(url, settings)
        row["settle_seconds"] = round(settle["seconds"], 1)
        say(f"size {size:,}: settle link {settle['seconds']:.1f} s; {new} new articles …")
        load_copies(url, bases, loaded, loaded + new, budget, settings)
        loaded += new
        step = timed_link(url, settings)
        row["stored"] = step["stored_articles"]
        row["new"] = step["articles"]
        row["ms_per_new_article"] = round(step["seconds"] * 1000 / max(1, step["articles"]), 2)
        row["step"] = step
        say(
            f"size {size:,}: {row['ms_per_new_article']} ms per new article"
            f" ({step['names']} names decided, {step['seconds']:.2f} s)"
        )
        rows.append(row)
        if load["stopped"]:
            say(f"size {size:,}: loading stopped by the budget; larger sizes not measured")
            break
    return rows


def render(results: dict[str, Any]) -> None:
    """Print one table per backend: a column per size, a row per figure (ms per new article)."""
    console = Console(width=max(100, 32 + 26 * len(results["sizes"])))
    for backend, rows in results["runs"].items():
        table = Table(title=f"link step, {backend}: {results['new']} new articles linked in one step")
        table.add_column("figure")
        for row in rows:
            table.add_column(f"{row['stored']:,} stored", justify="right")
        table.add_row("ms per new article", *(f"{row['ms_per_new_article']:.1f}" for row in rows))
        table.add_row("names decided", *(str(row["step"]["names"]) for row in rows))
        names = sorted(
            {p for row in rows for p in row["step"]["primitives"]},
            key=lambda p: LINK_PRIMITIVES.index(p) if p in LINK_PRIMITIVES else len(LINK_PRIMITIVES),
        )
        for name in names:
            cells = []
            for row in rows:
                got = row["step"]["primitives"].get(name)
                n = max(1, row["new"])
                cells.append(
                    f"{got['seconds'] * 1000 / n:.2f} ({got['calls']}×, {got['rows']:,} rows)" if got else "-"
                )
            table.add_row(f"  {name}, ms", *cells)
        table.add_row(
            "  decide (linking), ms",
            *(f"{row['step']['decide_seconds'] * 1000 / max(1, row['new']):.2f}" for row in rows),
        )
        table.add_row("settle link of the loaded copies, s", *(str(row["settle_seconds"]) for row in rows))
        table.add_row("load, s", *(str(row["load_seconds"]) for row in rows))
        console.print(table)
        console.print(f"links digest ({backend}): {results['digest'][backend]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="stored-article sizes")
    parser.add_argument("--new", type=int, default=NEW_ARTICLES, help="new articles linked at each size")
    parser.add_argument("--bases", type=Path, default=None, help="an analysed SQLite store (default: demo)")
    parser.add_argument("--backends", default="sqlite", help="subset of sqlite,postgresql")
    parser.add_argument("--budget", type=float, default=LOAD_BUDGET, help="seconds of loading per size")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench" / "link_cost")
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if any(s <= args.new for s in args.sizes) or args.new < 1:
        parser.error("every size must be larger than --new, and --new at least 1")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = Settings()
    bases_path = args.bases or make_bases(args.workdir)
    bases = read_bases(bases_path, settings)
    say(f"{len(bases)} analysed bases from {bases_path}")
    results: dict[str, Any] = {
        "sizes": args.sizes,
        "new": args.new,
        "bases": len(bases),
        "runs": {},
        "digest": {},
    }
    with ExitStack() as stack:
        backends = Backends(args.backends, args.workdir, stack)
        for backend in backends.active():
            url = backends.url(backend, "link_cost")
            results["runs"][backend] = run_backend(url, bases, args.sizes, args.new, args.budget, settings)
            results["digest"][backend] = links_digest(url, settings)
        results["skipped"] = backends.skipped
    results["seconds"] = round(time.perf_counter() - _START, 1)
    if args.json:
        print(json.dumps(results, indent=1, default=str))
    else:
        render(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
