"""The time (and events) benchmark of issue 7: veille's time expressions against a dateparser baseline.

Usage: .venv/bin/python benchmarks/time_events.py [--json] [--sets timebank,seeds,frnews,speed,events] [--limit N]
       [--eval-dir PATH] [--errors N] [--fold tune|heldout|all]
Sets are scored by fold (bench_common.fold_of of the TimeBank file name, the fr-news-gold article id): tune and heldout side by side by default, or the
one --fold names ("all": the whole set); seeds and speed run once, not split.
Sets are read from ../shared/eval (or $VEILLE_EVAL_DIR, or --eval-dir); see its README.md for formats.
veille: resolve_times(text, DCT, doc=fr_core_news_md parse of prepare_text(text)), as the pipeline calls it.
Baselines, same run: for times, dateparser only, dateparser.search.search_dates(text, languages=["fr"], settings={"RELATIVE_BASE":
DCT at midnight, "PREFER_DATES_FROM": "past"}); each (phrase, datetime) becomes a DATE whose value is the
datetime's ISO day; its span is the phrase's next occurrence in the text after the previous one found.
  timebank fr-timebank-dev/Data/*.tml (French TimeBank 1.1, ISO-TimeML). DCT = DCT/TIMEX3/@value; the text
           is TEXT's itertext() (tails included), gold TIMEX3 offsets rebuilt from it. Scoring as in
           TempEval-3: strict extraction P/R/F1 (a prediction matches a gold TIMEX3 with exactly the same
           span), relaxed extraction P/R/F1 (any character overlap; one-to-one, greedy by overlap, largest
           first, then earliest). On relaxed matches: type accuracy (same TIMEX3 type over relaxed matches)
           and value P/R/F1 (a relaxed match whose normalised value equals the gold value counts; P over
           the predictions, R over the gold TIMEX3s; values compared as strings, case-insensitive; a
           predicted None never matches). Also veille with doc=None (no tense), as a row. Anchor: HeidelTime on French TimeBank, strict F1 0.860, relaxed
           0.910, value F1 0.736 (published figures, not run here).
  seeds    the two bundled seeds (extract_article, then resolve_times with the extracted publication date and
           the parse) against tests/data/seeds-gold.json: each document's "relative_dates" ({text,
           resolves_to}) is found when a predicted expression overlaps the gold text's occurrence, right when
           its value equals resolves_to; "event_date" is found/right when an expression has that value; the
           visit range "les 06 et 07 février" is right when both its days (event "start", "end") come out of
           expressions inside that phrase.
  frnews   fr-news-gold-dev.jsonl, a held-out check (none of its texts was read to write the rules): recall
           of the events' "time_text" (a gold phrase is found when a predicted expression overlaps its first
           occurrence; resolve_times with no article date, so only spans count, not values).
  speed    milliseconds per article of resolve_times alone on prepared parses, next to the entities stage
           (extract_entities on the same parses), over the timebank texts.
  events   typed events with their arguments on fr-news-gold-dev, the seeds' events and find_events' cost,
           against a trigger-lexicon baseline in the same run: scoring rules in benchmarks/events_eval.py.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import events_eval
import spacy
from bench_common import (
    SEEDS_DIR,
    SEEDS_GOLD,
    Progressor,
    Row,
    parse_args,
    report_folds,
    run_folds,
    seed_article,
    select,
)
from spacy.language import Language

from veille.understand.dates import resolve_times
from veille.understand.nlp import DEFAULT_MODEL, load_pipeline, prepare_text

logger = logging.getLogger(__name__)

ALL_SETS = ("timebank", "seeds", "frnews", "speed", "events")
# Sets scored by fold (bench_common.fold_of of the file name or the article id); the others run once.
SPLIT_SETS = ("timebank", "frnews", "events")
HEIDELTIME = {"strict_f1": 0.860, "relaxed_f1": 0.910, "value_f1": 0.736}
TARGETS = {"value_f1": 0.80, "strict_f1": 0.86}


@dataclass(frozen=True)
class Timex:
    """A gold or predicted time expression: span, TIMEX3 type and value."""

    start: int
    end: int
    text: str
    type: str
    value: str | None


# ---------------------------------------------------------------- timebank


def read_tml(path: Path) -> tuple[str, date, list[Timex]]:
    """Return (text, DCT, gold TIMEX3s) of one ISO-TimeML file, offsets rebuilt from itertext and tails."""
    root = ET.parse(path).getroot()
    dct = date.fromisoformat(root.find("DCT/TIMEX3").get("value")[:10])  # type: ignore[union-attr,index]
    parts: list[str] = []
    gold: list[Timex] = []

    def walk(el: ET.Element) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            start = sum(map(len, parts))
            walk(child)
            end = sum(map(len, parts))
            if child.tag == "TIMEX3":
                gold.append(Timex(start, end, "", child.get("type", ""), child.get("value")))
            if child.tail:
                parts.append(child.tail)

    walk(root.find("TEXT"))  # type: ignore[arg-type]
    text = "".join(parts)
    return text, dct, [Timex(g.start, g.end, text[g.start : g.end], g.type, g.value) for g in gold]


def veille_timexes(text: str, dct: date | None, nlp: Language | None) -> list[Timex]:
    """Return veille's expressions, with the parse the pipeline would pass (none when ``nlp`` is None)."""
    doc = nlp(prepare_text(text, nlp.lang)) if nlp is not None else None
    return [Timex(t.start, t.end, t.text, t.type, t.value) for t in resolve_times(text, dct, doc=doc)]


def dateparser_timexes(text: str, dct: date) -> list[Timex]:
    """Return the baseline's DATEs: every search_dates phrase, located in order in the text."""
    from dateparser.search import search_dates

    settings = {"RELATIVE_BASE": datetime(dct.year, dct.month, dct.day), "PREFER_DATES_FROM": "past"}
    found = search_dates(text, languages=["fr"], settings=settings) or []  # type: ignore[arg-type]
    out: list[Timex] = []
    pos = 0
    for phrase, when in found:
        start = text.find(phrase, pos)
        if start < 0:
            start = text.find(phrase)
        if start < 0:
            continue
        pos = start + len(phrase)
        out.append(Timex(start, pos, phrase, "DATE", when.date().isoformat()))
    return out


def match_relaxed(gold: list[Timex], pred: list[Timex]) -> list[tuple[Timex, Timex]]:
    """One-to-one overlap matches, greedy by overlap (largest first, then earliest)."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = min(g.end, p.end) - max(g.start, p.start)
            if ov > 0:
                pairs.append((-ov, g.start, gi, pi))
    pairs.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gold[gi], pred[pi]))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    """Precision, recall, F1 and the counts behind them."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "p": p,
        "r": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "pred": n_pred,
        "gold": n_gold,
    }


def same_value(g: Timex, p: Timex) -> bool:
    """True when a prediction's value equals the gold value (case-insensitive); None never matches."""
    return p.value is not None and g.value is not None and p.value.upper() == g.value.upper()


class Tally:
    """Counts over documents for one system, and its kept errors."""

    def __init__(self, n_errors: int) -> None:
        self.n_errors = n_errors
        self.counts: Counter[str] = Counter()
        self.errors: dict[str, list[str]] = {
            "missed": [],
            "spurious": [],
            "span": [],
            "type": [],
            "value": [],
        }
        self.classes: Counter[str] = Counter()

    def add(self, doc_id: str, text: str, gold: list[Timex], pred: list[Timex]) -> None:
        """Score one document."""
        self.counts["gold"] += len(gold)
        self.counts["pred"] += len(pred)
        golds = {(g.start, g.end) for g in gold}
        self.counts["strict"] += sum((p.start, p.end) in golds for p in pred)
        matches = match_relaxed(gold, pred)
        self.counts["relaxed"] += len(matches)
        self.counts["type"] += sum(g.type == p.type for g, p in matches)
        self.counts["value"] += sum(same_value(g, p) for g, p in matches)
        matched_g = {id(g) for g, _ in matches}
        matched_p = {id(p) for _, p in matches}

        def ctx(t: Timex) -> str:
            return " ".join(
                f"{text[max(0, t.start - 30) : t.start]}[[{t.text}]]{text[t.end : t.end + 20]}".split()
            )

        for g in gold:
            if id(g) not in matched_g:
                self._keep("missed", f"{doc_id} {g.type} {g.value}: {ctx(g)}")
                self.classes[f"missed {g.type}"] += 1
        for p in pred:
            if id(p) not in matched_p:
                self._keep("spurious", f"{doc_id} {p.type} {p.value}: {ctx(p)}")
                self.classes[f"spurious {p.type}"] += 1
        for g, p in matches:
            if (g.start, g.end) != (p.start, p.end):
                self._keep("span", f"{doc_id} gold «{g.text}» pred «{p.text}»")
                self.classes["span boundary"] += 1
            if g.type != p.type:
                self._keep("type", f"{doc_id} «{g.text}» gold {g.type} pred {p.type}")
                self.classes[f"type {g.type}→{p.type}"] += 1
            if not same_value(g, p):
                self._keep("value", f"{doc_id} «{p.text}» gold {g.value} pred {p.value}")
                self.classes[f"value {g.type}"] += 1

    def _keep(self, kind: str, line: str) -> None:
        if len(self.errors[kind]) < self.n_errors:
            self.errors[kind].append(line)

    def scores(self) -> dict[str, Any]:
        """Strict, relaxed, type accuracy, value P/R/F1, error classes and kept errors."""
        c = self.counts
        return {
            "strict": prf(c["strict"], c["pred"], c["gold"]),
            "relaxed": prf(c["relaxed"], c["pred"], c["gold"]),
            "type_accuracy": c["type"] / c["relaxed"] if c["relaxed"] else 0.0,
            "value": prf(c["value"], c["pred"], c["gold"]),
            "error_classes": dict(self.classes.most_common()),
            "errors": self.errors,
        }


def run_timebank(
    eval_dir: Path, nlp: Language, prog: Progressor, limit: int | None, n_errors: int
) -> dict[str, Any]:
    """Score veille and the dateparser baseline on French TimeBank."""
    paths = select(sorted((eval_dir / "fr-timebank-dev" / "Data").glob("*.tml")), lambda p: p.name, limit)
    tallies = {"veille": Tally(n_errors), "dateparser": Tally(n_errors), "veille_no_parse": Tally(0)}
    for path in prog.track(paths, "timebank"):
        text, dct, gold = read_tml(path)
        tallies["veille"].add(path.stem, text, gold, veille_timexes(text, dct, nlp))
        tallies["veille_no_parse"].add(path.stem, text, gold, veille_timexes(text, dct, None))
        tallies["dateparser"].add(path.stem, text, gold, dateparser_timexes(text, dct))
    out: dict[str, Any] = {"documents": len(paths)}
    out.update({name: t.scores() for name, t in tallies.items()})
    return out


# ---------------------------------------------------------------- seeds


def _norm(s: str) -> str:
    return " ".join(s.casefold().replace("’", "'").split())


def run_seeds(nlp: Language) -> dict[str, Any]:
    """Per seed: gold relative dates, the event date and the visit range, found and right."""
    gold = json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))
    visit = next(e for e in gold["events"] if e["type"] == "visit")
    out: dict[str, Any] = {}
    for name, g in gold["documents"].items():
        article = seed_article(SEEDS_DIR / f"{name}.txt")
        text = article.text
        doc = nlp(prepare_text(text, nlp.lang))
        times = resolve_times(text, article.published, doc=doc)
        items = []
        for rel in g.get("relative_dates", []):
            at = _norm(text).find(_norm(rel["text"]))
            # _norm keeps lengths only where whitespace is single; search the raw text case-insensitively.
            m = re.search(re.escape(rel["text"]).replace(r"\ ", r"\s+"), text, re.I)
            hits = [t for t in times if m and t.start < m.end() and m.start() < t.end]
            items.append(
                {
                    "gold": f"{rel['text']} → {rel['resolves_to']}",
                    "found": bool(hits) and at >= 0,
                    "right": any(t.value == rel["resolves_to"] for t in hits),
                    "pred": [f"{t.text} → {t.value}" for t in hits],
                }
            )
        if g.get("event_date"):
            hits = [t for t in times if t.value == g["event_date"]]
            items.append(
                {
                    "gold": f"event_date {g['event_date']}",
                    "found": bool(hits),
                    "right": bool(hits),
                    "pred": [],
                }
            )
        pair = re.search(r"\bles\s+\d{1,2}\s+et\s+\d{1,2}\s+\w+(?:\s+\d{4})?", text)
        if pair:
            inside = {t.value for t in times if pair.start() <= t.start and t.end <= pair.end()}
            items.append(
                {
                    "gold": f"range «{pair.group(0)}» → {visit['start']}/{visit['end']}",
                    "found": bool(inside),
                    "right": {visit["start"], visit["end"]} <= inside,
                    "pred": sorted(v for v in inside if v),
                }
            )
        out[name] = {
            "published": article.published.isoformat() if article.published else None,
            "asked": len(items),
            "found": sum(i["found"] for i in items),
            "right": sum(i["right"] for i in items),
            "items": items,
            "times": [f"{t.text} → {t.value}" for t in times],
        }
    return out


# ---------------------------------------------------------------- frnews


def run_frnews(eval_dir: Path, nlp: Language, limit: int | None, n_errors: int) -> dict[str, Any]:
    """Recall of the events' time_text in fr-news-gold-dev (texts never used to write the rules)."""
    rows = [
        json.loads(x)
        for x in (eval_dir / "fr-news-gold-dev.jsonl").read_text(encoding="utf-8").splitlines()
        if x
    ]
    rows = select(rows, lambda row: row["id"], limit)
    asked = found = 0
    missed: list[str] = []
    for row in rows:
        text = row["text"]
        times = resolve_times(text, None, doc=nlp(prepare_text(text, nlp.lang)))
        for event in row["events"]:
            phrase = event.get("time_text")
            at = text.find(phrase) if phrase else -1
            if at < 0:
                continue
            asked += 1
            if any(t.start < at + len(phrase) and at < t.end for t in times):
                found += 1
            elif len(missed) < n_errors:
                missed.append(f"{row['id']}: {phrase}")
    return {
        "articles": len(rows),
        "asked": asked,
        "found": found,
        "recall": found / asked if asked else 0.0,
        "missed": missed,
    }


# ---------------------------------------------------------------- speed


def run_speed(eval_dir: Path, nlp: Language, limit: int | None) -> dict[str, Any]:
    """Milliseconds per article of resolve_times alone, and of extract_entities, on prepared parses."""
    from veille.understand.entities import extract_entities

    paths = sorted((eval_dir / "fr-timebank-dev" / "Data").glob("*.tml"))
    paths = paths[:limit] if limit else paths
    prepared = []
    for path in paths:
        text, dct, _ = read_tml(path)
        prepared.append((text, dct, nlp(prepare_text(text, nlp.lang))))
    passes = 5
    t0 = time.perf_counter()
    for _ in range(passes):
        for text, dct, doc in prepared:
            resolve_times(text, dct, doc=doc)
    times_ms = (time.perf_counter() - t0) * 1000 / (passes * len(prepared))
    t0 = time.perf_counter()
    for text, _, doc in prepared:
        extract_entities(doc, text)
    entities_ms = (time.perf_counter() - t0) * 1000 / len(prepared)
    chars = sum(len(t) for t, _, _ in prepared) / len(prepared)
    return {
        "articles": len(prepared),
        "chars_per_article": chars,
        "resolve_times_ms": times_ms,
        "entities_ms": entities_ms,
    }


# ---------------------------------------------------------------- table


def timebank_rows(r: dict[str, Any]) -> list[Row]:
    """Rows of the timebank set: veille, with dateparser as reference and HeidelTime in the note."""
    v, b = r["veille"], r["dateparser"]
    n = f"{r['documents']} docs, {v['strict']['gold']} TIMEX3"
    return [
        Row("timebank", "strict extraction F1", v["strict"]["f1"], b["strict"]["f1"],
            f"≥ {TARGETS['strict_f1']}", v["strict"]["f1"] >= TARGETS["strict_f1"],
            f"HeidelTime {HEIDELTIME['strict_f1']}; {n}"),
        Row("timebank", "strict P / R", v["strict"]["p"], b["strict"]["p"], note=f"R {v['strict']['r']:.3f} vs {b['strict']['r']:.3f}"),
        Row("timebank", "relaxed extraction F1", v["relaxed"]["f1"], b["relaxed"]["f1"], note=f"HeidelTime {HEIDELTIME['relaxed_f1']}"),
        Row("timebank", "relaxed P / R", v["relaxed"]["p"], b["relaxed"]["p"], note=f"R {v['relaxed']['r']:.3f} vs {b['relaxed']['r']:.3f}"),
        Row("timebank", "type accuracy (relaxed matches)", v["type_accuracy"], b["type_accuracy"], note="baseline: DATE only"),
        Row("timebank", "value F1", v["value"]["f1"], b["value"]["f1"], f"≥ {TARGETS['value_f1']}",
            v["value"]["f1"] >= TARGETS["value_f1"], f"HeidelTime {HEIDELTIME['value_f1']}"),
        Row("timebank", "value P / R", v["value"]["p"], b["value"]["p"], note=f"R {v['value']['r']:.3f} vs {b['value']['r']:.3f}"),
        Row("timebank", "value F1, veille without parse", r["veille_no_parse"]["value"]["f1"], b["value"]["f1"],
            note="doc=None: no tense, nearest day"),
    ]  # fmt: skip


def seeds_rows(r: dict[str, Any]) -> list[Row]:
    """Rows of the seeds set: found and right over asked, per seed."""
    rows = []
    for name, s in r.items():
        wrong = [i["gold"] for i in s["items"] if not i["right"]]
        rows.append(Row("seeds", f"{name[:3]} found / {s['asked']}", s["found"], None, digits=0))
        rows.append(
            Row("seeds", f"{name[:3]} right / {s['asked']}", s["right"], None, f"= {s['asked']}",
                s["right"] == s["asked"], "wrong: " + "; ".join(wrong) if wrong else "", digits=0)
        )  # fmt: skip
    return rows


def frnews_rows(r: dict[str, Any]) -> list[Row]:
    """Row of the frnews set: recall of the gold events' time phrases."""
    note = f"{r['found']}/{r['asked']} event time_text overlapped; missed: " + "; ".join(r["missed"][:5])
    return [Row("frnews", "event time_text recall (held out)", r["recall"], None, note=note)]


def speed_rows(r: dict[str, Any]) -> list[Row]:
    """Rows of the speed set."""
    note = f"{r['articles']} timebank texts, {r['chars_per_article']:.0f} chars each"
    return [
        Row("speed", "resolve_times ms/article", r["resolve_times_ms"], None, note=note, digits=2),
        Row("speed", "extract_entities ms/article", r["entities_ms"], None, note="same parses", digits=2),
    ]


ROW_BUILDERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "timebank": timebank_rows,
    "seeds": seeds_rows,
    "frnews": frnews_rows,
    "speed": speed_rows,
    "events": events_eval.build_rows,
}


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Table rows of every set that ran."""
    return [row for name, build in ROW_BUILDERS.items() if name in results for row in build(results[name])]


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sets and print the table (or --json); 2 when the eval folder is missing."""
    parsed = parse_args(
        argv, __doc__, ALL_SETS, unit="articles", errors_help="errors kept per kind and system", folds=True
    )
    if parsed is None:
        return 2
    args, sets = parsed
    start = time.perf_counter()
    nlp = load_pipeline(DEFAULT_MODEL)

    def compute(first: bool) -> tuple[dict[str, Any], list[Row]]:
        set_runners: dict[str, Callable[[Progressor], dict[str, Any]]] = {
            "timebank": lambda prog: run_timebank(args.eval_dir, nlp, prog, args.limit, args.errors),
            "seeds": lambda prog: run_seeds(nlp),
            "frnews": lambda prog: run_frnews(args.eval_dir, nlp, args.limit, args.errors),
            "speed": lambda prog: run_speed(args.eval_dir, nlp, args.limit),
            "events": lambda prog: events_eval.events_results(args.eval_dir, args.limit, args.errors, first),
        }
        results: dict[str, Any] = {}
        with Progressor() as prog:
            for name in sets:
                if first or name in SPLIT_SETS:
                    results[name] = set_runners[name](prog)
        if not args.json and "timebank" in results and args.errors:
            r = results["timebank"]["veille"]
            print(f"\n== veille: error classes {r['error_classes']}", file=sys.stderr)
            for kind, lines in r["errors"].items():
                for line in lines:
                    print(f"  {kind}: {line}", file=sys.stderr)
        return results, build_rows(results)

    import dateparser

    report_folds(
        run_folds(args.fold, compute),
        runtime=time.perf_counter() - start,
        versions={"spacy": spacy.__version__, "model": DEFAULT_MODEL, "dateparser": dateparser.__version__},
        as_json=args.json,
        title="veille time and event benchmark (issue 7)",
        reference="baseline",
        width=200,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
