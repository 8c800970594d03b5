"""What every benchmark script shares: where the data is, the progress bars and the result table.

Imported by the scripts of this folder as ``bench_common`` (they run as ``python benchmarks/NAME.py``, so
this folder is on the import path).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from unidecode import unidecode

from veille.model import Article, Document

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = Path(os.environ.get("VEILLE_EVAL_DIR", ROOT.parent / "shared" / "eval"))
SEEDS_DIR = ROOT / "veille" / "data" / "sample" / "seeds"
SEEDS_GOLD = ROOT / "tests" / "data" / "seeds-gold.json"


class Progressor:
    """One rich progress bar per set on stderr, off when stderr is not a terminal."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not sys.stderr.isatty(),
        )

    def __enter__(self) -> Progressor:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def track(self, items: Sequence[Any], label: str) -> Iterable[Any]:
        """Yield items while advancing a bar labelled label."""
        task = self.progress.add_task(label, total=len(items))
        for item in items:
            yield item
            self.progress.advance(task)


@dataclass
class Row:
    """One line of the table: a figure for veille and the reference, the target and whether it is met."""

    set: str
    figure: str
    veille: float | None
    reference: float | None
    target: str = ""
    met: bool | None = None
    note: str = ""
    digits: int = 3

    @property
    def delta(self) -> float | None:
        """veille minus reference, when both exist."""
        return None if self.veille is None or self.reference is None else self.veille - self.reference


def _number(x: float | None, digits: int, sign: bool = False) -> str:
    if x is None:
        return "—"
    digits = 0 if isinstance(x, int) else digits
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def render(rows: list[Row], title: str, reference: str = "reference") -> Table:
    """Return the rich table of rows; ``reference`` names the column of the reference tool."""
    table = Table(title=title)
    for col, justify in (
        ("set", "left"),
        ("figure", "left"),
        ("veille", "right"),
        (reference, "right"),
        ("delta", "right"),
        ("target", "left"),
        ("met", "center"),
        ("note", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        met = "" if r.met is None else ("[green]yes[/]" if r.met else "[red]no[/]")
        table.add_row(
            r.set,
            r.figure,
            _number(r.veille, r.digits),
            _number(r.reference, r.digits),
            _number(r.delta, r.digits, sign=True),
            r.target,
            met,
            r.note,
        )
    return table


def parse_args(
    argv: list[str] | None,
    description: str | None,
    all_sets: Sequence[str],
    *,
    unit: str,
    errors_help: str | None = None,
) -> tuple[argparse.Namespace, list[str]] | None:
    """Parse a benchmark's common options (--json, --sets, --limit, --eval-dir, [--errors], -v) and set logging.

    Returns (args, sets), or None after saying so on stderr when a set needs ../shared/eval and it is missing.
    Unknown sets are a usage error (exit 2).
    """
    parser = argparse.ArgumentParser(description=(description or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument(
        "--sets", default=",".join(all_sets), help=f"comma-separated subset of {list(all_sets)}"
    )
    parser.add_argument("--limit", type=int, default=None, help=f"at most N {unit} per set (a quick look)")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    if errors_help:
        parser.add_argument("--errors", type=int, default=15, help=errors_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="log each failing document")
    args = parser.parse_args(argv)
    # A script, not the library: it may set levels, so that per-page warnings do not bury the bar.
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(sets) - set(all_sets)
    if unknown:
        parser.error(f"unknown sets {sorted(unknown)}; choose among {list(all_sets)}")
    if any(s != "seeds" for s in sets) and not args.eval_dir.is_dir():
        print(
            f"evaluation sets not found at {args.eval_dir}: pass --eval-dir or set VEILLE_EVAL_DIR",
            file=sys.stderr,
        )
        return None
    return args, sets


def report(
    results: dict[str, Any],
    rows: list[Row],
    *,
    runtime: float,
    versions: Mapping[str, Any],
    as_json: bool,
    title: str,
    reference: str = "reference",
    width: int = 200,
) -> None:
    """Print the table (or, with ``as_json``, the results with their targets, runtime and versions)."""
    results["targets"] = [
        {
            "set": r.set,
            "figure": r.figure,
            "veille": r.veille,
            "reference": r.reference,
            "target": r.target,
            "met": r.met,
        }
        for r in rows
        if r.target
    ]
    results["runtime_seconds"] = runtime
    results["versions"] = dict(versions)
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    else:
        Console(width=width).print(render(rows, f"{title} — {runtime:.0f} s", reference))


def norm(s: str) -> str:
    """Return the accent-, case-, apostrophe- and space-insensitive form of a name or phrase."""
    return " ".join(unidecode(s).casefold().replace("’", "'").split())


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    """Return precision, recall, f1 (0.0 where undefined) with the counts."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "pred": n_pred,
        "gold": n_gold,
    }


def occurrences(text: str, phrase: str) -> list[int]:
    """Return the start of every (possibly overlapping) exact occurrence of phrase in text."""
    out, i = [], text.find(phrase) if phrase else -1
    while i >= 0:
        out.append(i)
        i = text.find(phrase, i + 1)
    return out


def seed_article(path: Path) -> Article:
    """Return veille's extracted Article of one seed file (text/plain, UTF-8)."""
    from veille.extract import extract_article

    doc = Document.from_bytes(
        path.read_bytes(),
        media_type="text/plain",
        source=path.name,
        container="file",
        hints={"encoding": "utf-8"},
    )
    return extract_article(doc)


#: The fold every benchmark reports on (issue 23): rules are written and tuned reading fold "tune" only,
#: and the figures quoted as held out come from fold "heldout". The split is by document, from a hash of
#: the document's stable key (file name, id or URL), so it never depends on the order a set is read in.
FOLDS = ("tune", "heldout")


def fold_of(key: str) -> str:
    """Return the fold ("tune" or "heldout") of the document whose stable key is ``key``."""
    import hashlib

    return FOLDS[int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 2]
