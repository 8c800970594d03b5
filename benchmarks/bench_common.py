"""What every benchmark script shares: where the data is, the progress bars and the result table.

Imported by the scripts of this folder as ``bench_common`` (they run as ``python benchmarks/NAME.py``, so
this folder is on the import path).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from unidecode import unidecode

from veille.model import Article, Document

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = Path(os.environ.get("VEILLE_EVAL_DIR", ROOT.parent / "shared" / "eval"))
SEEDS_DIR = ROOT / "veille" / "data" / "sample" / "seeds"
SEEDS_GOLD = ROOT / "tests" / "data" / "seeds-gold.json"
T = TypeVar("T")


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
    folds: bool = False,
) -> tuple[argparse.Namespace, list[str]] | None:
    """Parse a benchmark's common options (--json, --sets, --limit, --eval-dir, [--errors], [--fold], -v).

    Sets logging too. ``folds``: the benchmark scores its sets by fold (``--fold``; see ``run_folds``).

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
    if folds:
        parser.add_argument(
            "--fold",
            choices=("tune", "heldout", "all"),
            default=None,
            help="score one fold of each set (fold_of), or all of it; default: tune and heldout side by side",
        )
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


def _targets(rows: list[Row]) -> list[dict[str, Any]]:
    """Return the rows that carry a target, as JSON: set, figure, veille, reference, target, met."""
    return [
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
    results["targets"] = _targets(rows)
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


# The fold the sets are read in (None: every document), set by ``run_folds`` while a fold is scored.
_active_fold: str | None = None


def in_fold(key: str) -> bool:
    """Return whether the document whose stable key is ``key`` belongs to the fold being scored."""
    return _active_fold in (None, "all") or fold_of(key) == _active_fold


def select(items: Sequence[T], key: Callable[[T], str], limit: int | None = None) -> list[T]:
    """Return the items of the fold being scored (``key`` gives each one's stable key), the first ``limit``."""
    chosen = [item for item in items if in_fold(key(item))]
    return chosen[:limit] if limit else chosen


@contextmanager
def active_fold(fold: str | None) -> Iterator[None]:
    """Within this block, ``select`` and ``in_fold`` keep the documents of ``fold`` only ("all"/None: every one)."""
    global _active_fold
    before, _active_fold = _active_fold, fold
    try:
        yield
    finally:
        _active_fold = before


def folds_to_run(choice: str | None) -> list[str]:
    """Return the folds a run scores: the one asked for, else tune and heldout."""
    return [choice] if choice else list(FOLDS)


def run_folds(
    choice: str | None, compute: Callable[[bool], tuple[dict[str, Any], list[Row]]]
) -> dict[str, Any]:
    """Score each fold of ``choice``: ``compute(first)`` runs under ``active_fold``; returns {fold: (results, rows)}.

    ``first`` is True on the first fold only, so that sets not split by fold (the seeds, speed) run once.
    """
    return {fold: _computed(fold, compute, i == 0) for i, fold in enumerate(folds_to_run(choice))}


def _computed(fold: str, compute: Callable[[bool], tuple[dict[str, Any], list[Row]]], first: bool) -> Any:
    with active_fold(fold):
        return compute(first)


_COUNT_RE = re.compile(r"\s*\(([^)]*\d[^)]*)\)")


def render_folds(
    per_fold: Mapping[str, tuple[dict[str, Any], list[Row]]], title: str, reference: str
) -> Table:
    """Return one table with a column per fold for veille and for the reference, rows matched by set and figure."""
    folds = list(per_fold)
    table = Table(title=title)
    table.add_column("set")
    table.add_column("figure")
    for fold in folds:
        table.add_column(f"veille {fold}", justify="right")
    for fold in folds:
        table.add_column(f"{reference} {fold}", justify="right")
    table.add_column("target")
    table.add_column(f"met ({folds[-1]})", justify="center")
    table.add_column(f"note ({folds[-1]})")
    order: dict[tuple[str, str], dict[str, Row]] = {}
    sizes: dict[str, dict[str, str]] = {}
    for fold in folds:
        for r in per_fold[fold][1]:
            # "fr-news-gold (10)" in one fold is "fr-news-gold (10)" or "(9)" in the other: one row.
            set_name = _COUNT_RE.sub("", r.set)
            order.setdefault((set_name, r.figure), {})[fold] = r
            if set_name != r.set:
                sizes.setdefault(set_name, {})[fold] = _COUNT_RE.search(r.set).group(1)  # type: ignore[union-attr]
    for (set_name, figure), by_fold in order.items():
        last = by_fold.get(folds[-1]) or next(iter(by_fold.values()))
        met = "" if last.met is None else ("[green]yes[/]" if last.met else "[red]no[/]")
        size = " | ".join(sizes.get(set_name, {}).get(f, "") for f in folds)
        table.add_row(
            f"{set_name} ({size})" if set_name in sizes else set_name,
            figure,
            *(_number(by_fold[f].veille, by_fold[f].digits) if f in by_fold else "" for f in folds),
            *(_number(by_fold[f].reference, by_fold[f].digits) if f in by_fold else "" for f in folds),
            last.target,
            met,
            last.note,
        )
    return table


def report_folds(
    per_fold: Mapping[str, tuple[dict[str, Any], list[Row]]],
    *,
    runtime: float,
    versions: Mapping[str, Any],
    as_json: bool,
    title: str,
    reference: str = "reference",
    width: int = 220,
) -> None:
    """Print the figures of every fold scored, side by side (or, with ``as_json``, {"folds": {fold: results}})."""
    if len(per_fold) == 1:
        ((fold, (results, rows)),) = per_fold.items()
        results["fold"] = fold
        report(
            results,
            rows,
            runtime=runtime,
            versions=versions,
            as_json=as_json,
            title=f"{title}, fold {fold}",
            reference=reference,
            width=width,
        )
        return
    if as_json:
        out: dict[str, Any] = {"folds": {}, "runtime_seconds": runtime, "versions": dict(versions)}
        for fold, (results, rows) in per_fold.items():
            results["targets"] = _targets(rows)
            out["folds"][fold] = results
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    else:
        Console(width=width).print(render_folds(per_fold, f"{title} — {runtime:.0f} s", reference))
