"""The benchmark gate of issue 23: a few cheap figures, recomputed and held against benchmarks/baseline.json.

Usage: .venv/bin/python benchmarks/baseline.py [--update] [--json] [--eval-dir PATH]
  (no flag)  recompute every figure, print it next to its baseline, exit 1 when one falls more than its
             tolerance below it or when the files it reads changed (their sha256), 2 when the sets are missing.
  --update   rewrite baseline.json from this run: deliberately, after a change that moves a figure (say so in
             the commit), or when an evaluation set changed. The tolerances already in the file are kept.
tests/test_baseline.py runs the same checks (skipped without ../shared/eval, failing instead under CI=true).

Each check scores one stage on one set with the benchmark's own scoring functions (imported, not copied),
on the fold it names (bench_common.fold_of; "all": the whole set):
  scraped    extraction.py's scraped-text-dev segment F1, the line model's training pages left out.
  plaintext  extraction.py's plaintext set: share of the real French plain-text articles found.
  trafilatura-fr  extraction.py's trafilatura-dev segment F1 on its French pages.
  timebank   time_events.py's French TimeBank strict extraction F1 and value F1 (veille only).
  quotes     quotes.py's fr-news-gold-dev quote F1 (all kinds), indirect-quote recall and speaker accuracy
             (veille only).
  merge      entities.py's fr-news-gold-dev entity merging across articles (B³ F1 through the registry, as
             `veille run` links) and descriptions resolved to their person (veille only).
  events     events_eval.py's fr-news-gold-dev typed event F1 and argument F1 (veille only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_common import DEFAULT_EVAL_DIR, ROOT, Progressor, active_fold, select

if TYPE_CHECKING:
    from spacy.language import Language

BASELINE_FILE = Path(__file__).resolve().parent / "baseline.json"
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Check:
    """One figure of the gate: what it measures, on which files and fold, and how to recompute it."""

    name: str
    stage: str
    set: str
    figure: str
    fold: str
    files: Callable[[Path], Iterable[Path]]
    measure: Callable[[Path], dict[str, float]]
    command: str
    # About one document or item of the fold: a smaller drop is noise from a single case.
    tolerance: float = DEFAULT_TOLERANCE


def corpus_sha256(eval_dir: Path, paths: Iterable[Path]) -> str:
    """Return the sha256 over the files read: each one's path (under eval_dir, or the project) and bytes."""
    digest = hashlib.sha256()
    named = [
        (path.relative_to(eval_dir if path.is_relative_to(eval_dir) else ROOT).as_posix(), path)
        for path in paths
    ]
    for name, path in sorted(
        named
    ):  # by the names hashed: the same order wherever the clone and the sets lie
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# ---------------------------------------------------------------- measures


def _scraped(eval_dir: Path) -> dict[str, float]:
    import extraction

    with active_fold("heldout"), Progressor() as prog:
        result = extraction.run_scraped(eval_dir, None, prog, {})
    return {"scraped-text-dev segment F1": result["veille"]["all"]["f1"]}


def _plaintext(eval_dir: Path) -> dict[str, float]:
    import extraction

    with active_fold("heldout"), Progressor() as prog:
        result = extraction.run_plaintext(eval_dir, None, prog)
    return {"plain-text articles found": result["articles"] / result["texts"]}


def _trafilatura_fr(eval_dir: Path) -> dict[str, float]:
    import extraction

    with active_fold("all"), Progressor() as prog:
        result = extraction.run_trafilatura_dev(eval_dir, None, prog, {}, lang="fr")
    return {"trafilatura-dev fr segment F1": result["veille"]["fr"]["f1"]}


def _timebank(eval_dir: Path) -> dict[str, float]:
    import time_events

    from veille.understand.nlp import DEFAULT_MODEL, load_pipeline

    nlp = load_pipeline(DEFAULT_MODEL)
    tally = time_events.Tally(0)
    with active_fold("heldout"):
        paths = select(_timebank_files(eval_dir), lambda p: p.name)
    for path in paths:
        text, dct, gold = time_events.read_tml(path)
        tally.add(path.stem, text, gold, time_events.veille_timexes(text, dct, nlp))
    scores = tally.scores()
    return {
        "French TimeBank strict extraction F1": scores["strict"]["f1"],
        "French TimeBank value F1": scores["value"]["f1"],
    }


def _quotes(eval_dir: Path) -> dict[str, float]:
    import quotes

    tally = quotes.Tally()
    with active_fold("heldout"):
        rows = select(_frnews_rows(eval_dir), lambda row: row["id"])
    for row in rows:
        preds = quotes.veille_preds(row["text"], quotes.analyze_text(row["text"], row["id"]))
        quotes.score_frnews(row, preds, tally, 0)
    scores = tally.scores()
    return {
        "fr-news-gold quote F1 (all kinds)": scores["all"]["f1"],
        "fr-news-gold indirect quote recall": scores["indirect"]["recall"],
        "fr-news-gold speaker accuracy (matched)": scores["speaker"]["accuracy"],
    }


@cache
def _plain_spacy() -> Language:
    """The reference model the entity and event benchmarks score beside veille (plain spaCy, no ruler)."""
    import spacy

    from veille.understand.nlp import DEFAULT_MODEL

    return spacy.load(DEFAULT_MODEL)


def _merge(eval_dir: Path) -> dict[str, float]:
    import entities

    with active_fold("heldout"), Progressor() as prog:
        result = entities.run_merge(eval_dir, _plain_spacy(), prog, None)
    return {
        "fr-news-gold entity merging B³ F1 (across)": result["veille"]["across"]["f1"],
        "fr-news-gold descriptions resolved": result["descriptions"]["rate"] or 0.0,
    }


def _events(eval_dir: Path) -> dict[str, float]:
    import events_eval

    with active_fold("heldout"):
        result = events_eval.run_frnews(eval_dir, _plain_spacy(), None, 0)
    return {
        "fr-news-gold typed event F1": result["veille"]["typed"]["f1"],
        "fr-news-gold event argument F1": result["veille"]["arguments"]["f1"],
    }


def _frnews_rows(eval_dir: Path) -> list[dict[str, Any]]:
    text = (eval_dir / "fr-news-gold-dev.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line]


def _timebank_files(eval_dir: Path) -> list[Path]:
    return sorted((eval_dir / "fr-timebank-dev" / "Data").glob("*.tml"))


def _plaintext_files(eval_dir: Path) -> list[Path]:
    return [
        eval_dir / "masakhanews-fr-dev" / "data" / "fra" / "dev.tsv",
        *_timebank_files(eval_dir),
        *sorted((eval_dir / "rpm2-dev" / "documents").glob("*.txt")),
    ]


def _scraped_files(eval_dir: Path) -> list[Path]:
    # The training pages are read too: they decide which scraped pages are scored.
    return [
        eval_dir / "scraped-text-dev" / "gold.jsonl",
        eval_dir / "htmldate-dev" / "gold.json",
        eval_dir / "scrapinghub-aeb" / "ground-truth.json",
        ROOT / "training" / "line-features.npz",
    ]


def _trafilatura_files(eval_dir: Path) -> list[Path]:
    base = eval_dir / "trafilatura-dev"
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    langs = {}
    for line in (base / "lang_index.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.rstrip("\r").split("\t")
        if len(cols) >= 3:
            langs[cols[0]] = cols[2].strip()
    pages = [base / "html" / f"{item['file']}.gz" for key, item in gold.items() if langs.get(key) == "fr"]
    return [base / "evaldata.json", base / "lang_index.tsv", *pages]


CHECKS = (
    Check(
        "scraped",
        "extract",
        "scraped-text-dev",
        "scraped-text-dev segment F1",
        "heldout",
        _scraped_files,
        _scraped,
        ".venv/bin/python benchmarks/extraction.py --sets scraped --fold heldout",
    ),
    Check(
        "plaintext",
        "extract",
        "masakhanews-fr-dev + fr-timebank-dev + rpm2-dev",
        "plain-text articles found",
        "heldout",
        _plaintext_files,
        _plaintext,
        ".venv/bin/python benchmarks/extraction.py --sets plaintext --fold heldout",
    ),
    Check(
        "trafilatura-fr",
        "extract",
        "trafilatura-dev (fr pages)",
        "trafilatura-dev fr segment F1",
        "all",
        _trafilatura_files,
        _trafilatura_fr,
        ".venv/bin/python benchmarks/extraction.py --sets trafilatura --fold all (row trafilatura-dev fr)",
        tolerance=0.02,
    ),
    Check(
        "timebank",
        "understand/times",
        "fr-timebank-dev",
        "French TimeBank value F1",
        "heldout",
        _timebank_files,
        _timebank,
        ".venv/bin/python benchmarks/time_events.py --sets timebank --fold heldout",
    ),
    Check(
        "quotes",
        "understand/quotes",
        "fr-news-gold-dev",
        "fr-news-gold quote F1 (all kinds)",
        "heldout",
        lambda eval_dir: [eval_dir / "fr-news-gold-dev.jsonl"],
        _quotes,
        ".venv/bin/python benchmarks/quotes.py --sets frnews --fold heldout",
        tolerance=0.02,
    ),
    Check(
        "merge",
        "understand/entities + link",
        "fr-news-gold-dev",
        "fr-news-gold entity merging B³ F1 (across)",
        "heldout",
        lambda eval_dir: [eval_dir / "fr-news-gold-dev.jsonl"],
        _merge,
        ".venv/bin/python benchmarks/entities.py --sets merge --fold heldout",
        tolerance=0.02,
    ),
    Check(
        "events",
        "understand/events",
        "fr-news-gold-dev",
        "fr-news-gold typed event F1",
        "heldout",
        lambda eval_dir: [eval_dir / "fr-news-gold-dev.jsonl"],
        _events,
        ".venv/bin/python benchmarks/events_eval.py --sets frnews --fold heldout",
        tolerance=0.03,
    ),
)


# ---------------------------------------------------------------- run, compare, update


def run_checks(eval_dir: Path, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Return, per figure, {check, stage, set, fold, figure, sha256, command, seconds} from a fresh run."""
    wanted = set(names) if names is not None else None
    out: dict[str, dict[str, Any]] = {}
    for check in CHECKS:
        if wanted is not None and check.name not in wanted:
            continue
        start = time.perf_counter()
        figures = check.measure(eval_dir)
        seconds = time.perf_counter() - start
        sha = corpus_sha256(eval_dir, check.files(eval_dir))
        for figure, value in figures.items():
            out[figure] = {
                "check": check.name,
                "stage": check.stage,
                "set": check.set,
                "fold": check.fold,
                "figure": round(value, 4),
                "sha256": sha,
                "command": check.command,
                "tolerance": check.tolerance,
                "seconds": round(seconds, 1),
            }
    return out


def load_baseline(path: Path = BASELINE_FILE) -> dict[str, dict[str, Any]]:
    """Return the baseline's entries by figure name."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["figures"])


def compare(baseline: dict[str, dict[str, Any]], measured: dict[str, dict[str, Any]]) -> list[str]:
    """Return one message per figure that fell below its baseline minus its tolerance or whose corpus changed."""
    problems = []
    for name, base in baseline.items():
        got = measured.get(name)
        if got is None:
            continue
        if got["sha256"] != base["sha256"]:
            problems.append(
                f"{name}: the files it reads changed (sha256 {got['sha256'][:12]} ≠ baseline "
                f"{base['sha256'][:12]}); check the set, then update benchmarks/baseline.json deliberately "
                "(python benchmarks/baseline.py --update)"
            )
        floor = base["figure"] - base["tolerance"]
        if got["figure"] < floor:
            problems.append(
                f"{name} ({base['fold']} fold): {got['figure']:.4f} < baseline {base['figure']:.4f} − tolerance "
                f"{base['tolerance']}; fix the regression, or update benchmarks/baseline.json deliberately "
                f"(python benchmarks/baseline.py --update) and say why. Reproduce: {base['command']}"
            )
    return problems


def write_baseline(measured: dict[str, dict[str, Any]], path: Path = BASELINE_FILE) -> None:
    """Write measured figures as the new baseline, keeping each figure's tolerance when it had one (else the
    check's)."""
    old = load_baseline(path) if path.is_file() else {}
    figures = {}
    for name, entry in measured.items():
        kept = {k: v for k, v in entry.items() if k != "seconds"}
        kept["tolerance"] = old.get(name, {}).get("tolerance", entry["tolerance"])
        figures[name] = kept
    doc = {
        "about": "Figures the gate holds (tests/test_baseline.py); rewrite with python benchmarks/baseline.py "
        "--update, deliberately. A figure fails when it falls more than its tolerance below; sha256 covers "
        "the evaluation files the check reads.",
        "figures": figures,
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Recompute the gate's figures; compare them with baseline.json, or rewrite it with --update."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite baseline.json from this run")
    parser.add_argument("--json", action="store_true", help="print the measured figures as JSON")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    args = parser.parse_args(argv)
    if not args.eval_dir.is_dir():
        print(
            f"evaluation sets not found at {args.eval_dir}: pass --eval-dir or set VEILLE_EVAL_DIR",
            file=sys.stderr,
        )
        return 2
    measured = run_checks(args.eval_dir)
    if args.update:
        write_baseline(measured)
    baseline = load_baseline()
    if args.json:
        print(json.dumps({"measured": measured, "baseline": baseline}, ensure_ascii=False, indent=2))
    else:
        for name, got in measured.items():
            base = baseline.get(name, {})
            print(
                f"{name:45} {got['fold']:8} {got['figure']:.4f}  baseline {base.get('figure', float('nan')):.4f}"
                f" ± {base.get('tolerance', float('nan'))}  ({got['seconds']} s)"
            )
    problems = [] if args.update else compare(baseline, measured)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
