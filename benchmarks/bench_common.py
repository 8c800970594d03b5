"""What every benchmark script shares: where the data is, the progress bars and the result table.

Imported by the scripts of this folder as ``bench_common`` (they run as ``python benchmarks/NAME.py``, so
this folder is on the import path).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
