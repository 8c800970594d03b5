"""The event figures of issue 7: veille's typed events against a trigger-lexicon baseline, same run.

Wired into benchmarks/time_events.py through ``events_rows``; alone: .venv/bin/python benchmarks/events_eval.py
[--limit N] [--errors N] [--json] [--fold tune|heldout|all]: fr-news-gold-dev by fold (bench_common.fold_of of
the article id), tune and heldout side by side by default; seeds and speed run once.
veille: analyze_article(Article(id, content_id, text)).events, less the negated and denied ones (the gold
lists what happened: "a démenti l'octroi d'une mine" has no delivery; planned events stay). Baseline: plain spaCy fr_core_news_md
(spacy.load, no veille ruler): any token whose lemma (or lower-case form) is a verb or noun of veille's
trigger lexicon is an event of that type; agent = the nearest entity ending before it in its sentence;
place = the nearest LOC/GPE entity of its sentence; no patient.
  frnews  fr-news-gold-dev.jsonl (112 gold events, 39 "other"). A gold trigger is located as its exact
          substring, the occurrence nearest the occurrences of its argument strings when it occurs twice.
          Detection: a prediction matches a gold event when their trigger spans overlap (one-to-one, gold in
          text order, the nearest prediction first). "typed": types must be equal; gold "other" events are
          left out (veille predicts no "other"), and a prediction overlapping a gold "other" trigger is neither
          right nor spurious. "typed, other kept": the 112 gold events, "other" ones counting as misses and
          a prediction on them as spurious. "trigger only": types ignored, all 112 gold events.
          Arguments on typed matches: agent, patient, place (gold non-null); the prediction's argument of that
          role (for patient, the recipient when it has no patient) is right when its span overlaps the gold
          string's occurrence nearest the trigger, or it names the same gold entity (its words, without
          determiners, equal the canonical or one mention of the gold entity the gold string names).
          P = right / predicted arguments of the three roles, R = right / gold arguments. The gold leaves
          unnamed arguments empty ("38 personnes ont été tuées": no patient), so a second figure counts a
          predicted argument only where the gold fills that role.
  seeds   tests/data/seeds-gold.json "events", all 6: those without "source" (the story's events) in either
          seed, those with a "source" in that seed only. found = a predicted event of that type naming the gold
          place/actor/object words; right = also its agent (actor, or recipient for a delivery), for a visit its
          place, for a gold "planned" event the modality planned, for a gold "when" list a time in that list.
  speed   milliseconds per article of find_events alone on a prepared parse, entities and times.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
from bench_common import SEEDS_DIR, SEEDS_GOLD, Row, norm, occurrences, prf, seed_article, select
from spacy.language import Language

from veille.model import Analysis, Article, Event
from veille.understand import analyze_article
from veille.understand.events import EVENT_TYPES, trigger_lexicon
from veille.understand.nlp import DEFAULT_MODEL

TARGET_EVENT_F1 = 0.70
TARGET_ARG_F1 = 0.60
ROLES = ("agent", "patient", "place")
STOP = frozenset(
    ["le", "la", "les", "l", "de", "des", "du", "d", "un", "une", "au", "aux", "et", "the", "a", "of"]
)


def content_words(s: str) -> frozenset[str]:
    """Normalised words without determiners and prepositions (l'/d' split off)."""
    return frozenset(w for w in re.split(r"[\W_]+", norm(s)) if w and w not in STOP)


def nearest(text: str, phrase: str | None, near: Sequence[int]) -> tuple[int, int] | None:
    """Span of phrase's occurrence closest to a position in near (first without); None when absent."""
    if not phrase:
        return None
    starts = occurrences(text, phrase)
    if not starts:
        return None
    best = min(starts, key=lambda s: min(abs(s - n) for n in near)) if near else starts[0]
    return best, best + len(phrase)


# ---------------------------------------------------------------- predictions


@dataclass
class Arg:
    """One predicted argument: its span and the words that may name a gold entity."""

    start: int
    end: int
    names: set[frozenset[str]] = field(default_factory=set)


@dataclass
class Pred:
    """One predicted event, from veille or the baseline."""

    type: str
    start: int
    end: int
    trigger: str
    args: dict[str, Arg] = field(default_factory=dict)


def veille_preds(analysis: Analysis) -> list[Pred]:
    """veille's events as Preds; an argument names its span's words and every mention of its entity."""
    by_id = {e.entity_id: e for e in analysis.entities}
    out = []
    for e in analysis.events:
        if e.modality in {"negated", "denied"}:
            continue  # told as not having happened: not an event of the gold (issue 23)
        args: dict[str, Arg] = {}
        for a in e.arguments:
            names = {content_words(a.text)}
            entity = by_id.get(a.entity_id) if a.entity_id else None
            if entity is not None:
                names |= {content_words(entity.name)} | {content_words(m.text) for m in entity.mentions}
            args.setdefault(a.role, Arg(a.start, a.end, names))
        if "patient" not in args and "recipient" in args:
            args["patient"] = args["recipient"]
        out.append(Pred(e.type, e.start, e.end, e.trigger, args))
    return out


def baseline_preds(text: str, nlp: Language) -> list[Pred]:
    """The trigger-lexicon baseline on plain spaCy (see the module docstring)."""
    lex = trigger_lexicon()
    doc = nlp(text)
    out = []
    for sent in doc.sents:
        ents = list(sent.ents)
        for tok in sent:
            keys = [("verb", tok.lemma_.casefold()), ("noun", tok.lemma_.casefold()), ("noun", tok.lower_)]
            trig = next((lex[k] for k in keys if k in lex), None)
            if trig is None:
                continue
            args: dict[str, Arg] = {}
            before = [e for e in ents if e.end_char <= tok.idx]
            if before:
                e = before[-1]
                args["agent"] = Arg(e.start_char, e.end_char, {content_words(e.text)})
            locs = [e for e in ents if e.label_ in {"LOC", "GPE"}]
            if locs:
                e = min(locs, key=lambda x: abs(x.start_char - tok.idx))
                args["place"] = Arg(e.start_char, e.end_char, {content_words(e.text)})
            out.append(Pred(trig.type, tok.idx, tok.idx + len(tok), tok.text, args))
    return out


# ---------------------------------------------------------------- scoring


@dataclass
class GoldEvent:
    """One gold event located in its text, with the accepted names of each argument."""

    type: str
    start: int
    end: int
    trigger: str
    args: dict[str, tuple[tuple[int, int] | None, set[frozenset[str]]]]


def gold_events(row: dict[str, Any]) -> list[GoldEvent]:
    """Locate the gold events of one article (trigger near its argument strings) with their entities' names."""
    text = row["text"]
    names: dict[str, set[frozenset[str]]] = {}
    for ent in row.get("entities") or []:
        forms = {content_words(ent["canonical"])} | {content_words(m) for m in ent.get("mentions") or []}
        for s in [ent["canonical"], *(ent.get("mentions") or [])]:
            names.setdefault(s, set()).update(forms)
    out = []
    for g in row["events"]:
        anchors = [s for r in ROLES for s in occurrences(text, g.get(r) or "")]
        where = nearest(text, g["trigger"], anchors)
        if where is None:
            continue
        args = {}
        for r in ROLES:
            s = g.get(r)
            if s:
                args[r] = (nearest(text, s, [where[0]]), names.get(s, set()) | {content_words(s)})
        out.append(GoldEvent(g["type"], where[0], where[1], g["trigger"], args))
    return out


@dataclass
class Tally:
    """Counts of one system over the articles, plus error samples."""

    det: Counter[str] = field(default_factory=Counter)
    per_type: dict[str, Counter[str]] = field(default_factory=dict)
    args: dict[str, Counter[str]] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    wrong_type: list[str] = field(default_factory=list)
    wrong_arg: list[str] = field(default_factory=list)

    def count(self, kind: str, key: str, n: int = 1) -> None:
        self.per_type.setdefault(kind, Counter())[key] += n

    def scores(self) -> dict[str, Any]:
        """P/R/F1 of each scoring, per type, and of the arguments."""
        d = self.det
        out: dict[str, Any] = {
            "typed": prf(d["typed_tp"], d["typed_pred"], d["typed_gold"]),
            "typed_other_kept": prf(d["typed_tp"], d["all_pred"], d["all_gold"]),
            "trigger_only": prf(d["trig_tp"], d["all_pred"], d["all_gold"]),
            "per_type": {
                k: prf(c["tp"], c["pred"], c["gold"])
                for k, c in sorted(self.per_type.items())
                if c["gold"] or c["pred"]
            },
        }
        total = Counter[str]()
        for r in ROLES:
            c = self.args.get(r, Counter())
            out[f"arg_{r}"] = prf(c["right"], c["pred"], c["gold"])
            total.update(c)
        out["arguments"] = prf(total["right"], total["pred"], total["gold"])
        out["arguments_filled"] = prf(total["right"], total["pred_filled"], total["gold"])
        return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _pair(gold: list[GoldEvent], preds: list[Pred], typed: bool) -> dict[int, int]:
    """Return {gold index: pred index}, overlapping triggers, one-to-one, nearest start first."""
    pairs = sorted(
        (abs(g.start - p.start), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(preds)
        if _overlaps((g.start, g.end), (p.start, p.end)) and (not typed or g.type == p.type)
    )
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, gi, pi in pairs:
        if gi not in out and pi not in used:
            out[gi] = pi
            used.add(pi)
    return out


def score_article(row: dict[str, Any], preds: list[Pred], tally: Tally, errors: int) -> None:
    """Add one article's detection and argument counts to tally (see the module docstring)."""
    text = row["text"]
    gold = gold_events(row)
    typed_gold = [g for g in gold if g.type != "other"]
    typed = _pair(typed_gold, preds, typed=True)
    loose = _pair(gold, preds, typed=False)
    on_other = {pi for gi, pi in loose.items() if gold[gi].type == "other"} - set(typed.values())
    tally.det["typed_tp"] += len(typed)
    tally.det["typed_gold"] += len(typed_gold)
    tally.det["typed_pred"] += len(preds) - len(on_other)
    tally.det["all_gold"] += len(gold)
    tally.det["all_pred"] += len(preds)
    tally.det["trig_tp"] += len(loose)
    for g in typed_gold:
        tally.count(g.type, "gold")
    for pi, p in enumerate(preds):
        if pi not in on_other:
            tally.count(p.type, "pred")
    matched_preds = set(typed.values())
    for gi in typed:
        tally.count(typed_gold[gi].type, "tp")
    for gi, g in enumerate(typed_gold):
        if gi in typed:
            continue
        near = [p for p in preds if _overlaps((g.start, g.end), (p.start, p.end))]
        if near and len(tally.wrong_type) < errors:
            tally.wrong_type.append(
                f"{row['id']} {g.type}:{g.trigger!r} → {near[0].type}:{near[0].trigger!r}"
            )
        elif not near and len(tally.missed) < errors:
            tally.missed.append(
                f"{row['id']} {g.type}:{g.trigger!r} «{text[max(0, g.start - 40) : g.end + 30]}»".replace(
                    "\n", " "
                )
            )
    for pi, p in enumerate(preds):
        if pi not in matched_preds and pi not in on_other and len(tally.spurious) < errors * 3:
            tally.spurious.append(f"{row['id']} {p.type}:{p.trigger!r}")
    for gi, pi in typed.items():
        g, p = typed_gold[gi], preds[pi]
        for r in ROLES:
            c = tally.args.setdefault(r, Counter())
            pa = p.args.get(r)
            c["pred"] += pa is not None
            if r not in g.args:
                continue
            c["gold"] += 1
            c["pred_filled"] += pa is not None
            span, names = g.args[r]
            if pa is None:
                continue
            right = (span is not None and _overlaps(span, (pa.start, pa.end))) or bool(pa.names & names)
            c["right"] += right
            if not right and len(tally.wrong_arg) < errors:
                tally.wrong_arg.append(
                    f"{row['id']} {g.type}:{g.trigger!r} {r}: {text[pa.start : pa.end]!r} ≠ gold"
                )


def read_gold(eval_dir: Path, limit: int | None) -> list[dict[str, Any]]:
    """The fr-news-gold-dev rows of the fold being scored (bench_common.select by id), the first limit ones."""
    rows = [
        json.loads(x)
        for x in (eval_dir / "fr-news-gold-dev.jsonl").read_text(encoding="utf-8").splitlines()
        if x
    ]
    return select(rows, lambda row: row["id"], limit)


def run_frnews(eval_dir: Path, plain: Language, limit: int | None, errors: int) -> dict[str, Any]:
    """Score veille and the baseline on fr-news-gold-dev."""
    tallies = {"veille": Tally(), "baseline": Tally()}
    rows = read_gold(eval_dir, limit)
    for row in rows:
        analysis = analyze_article(Article(id=row["id"], content_id=row["id"], text=row["text"]))
        score_article(row, veille_preds(analysis), tallies["veille"], errors)
        score_article(row, baseline_preds(row["text"], plain), tallies["baseline"], errors)
    out: dict[str, Any] = {"articles": len(rows)}
    for name, t in tallies.items():
        out[name] = t.scores()
        out[name]["errors"] = {
            "missed": t.missed,
            "wrong_type": t.wrong_type,
            "spurious": t.spurious,
            "wrong_arg": t.wrong_arg,
        }
    return out


# ---------------------------------------------------------------- seeds


_SEED_ENTITIES: dict[str, set[frozenset[str]]] = {}


def _names(e: Event, role: str) -> list[frozenset[str]]:
    """The words of each argument of role, and those of every name of the entity it is linked to."""
    out = []
    for a in e.arguments:
        if a.role == role:
            out.append(content_words(a.text))
            out += sorted(_SEED_ENTITIES.get(a.entity_id or "", ()), key=sorted)
    return out


def _has(words: list[frozenset[str]], gold: str) -> bool:
    g = content_words(gold)
    return any(w and (g <= w or w <= g) for w in words)


def _seed_found(e: Event, g: dict[str, Any], actors: list[str]) -> bool:
    """True when a predicted event names the words that identify one seed-gold event."""
    if g["type"] == "visit":
        return _has(_names(e, "place"), g["place"])
    if g["type"] == "meet":
        return any(_has(_names(e, r), a) for r in ("agent", "patient") for a in actors)
    if g["type"] == "deliver":
        return any(_has(_names(e, "object"), w) for w in g.get("what", [])) or _has(
            _names(e, "recipient"), g.get("recipient", "")
        )
    return any(_has([content_words(a.text)], g.get("target", "")) for a in e.arguments)


def run_seeds() -> dict[str, Any]:
    """Per seed-gold event of the story: found / right in either seed (see the module docstring)."""
    gold = json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))["events"]
    by_seed: dict[str, list[Event]] = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        analysis = analyze_article(seed_article(path))
        by_seed[path.name] = list(analysis.events)
        for entity in analysis.entities:
            names = {content_words(entity.name)} | {content_words(m.text) for m in entity.mentions}
            _SEED_ENTITIES.setdefault(entity.entity_id, set()).update(names)
    out = []
    for g in gold:
        events = [e for name, told in by_seed.items() if name.startswith(g.get("source", "")) for e in told]
        actors = g.get("actors") or [g.get("actor")]
        same = [e for e in events if e.type == g["type"]]
        found = [e for e in same if _seed_found(e, g, actors)]
        if g["type"] == "visit":
            right = [e for e in found if _has(_names(e, "agent"), g["actor"])]
        elif g["type"] == "meet":
            right = [
                e
                for e in found
                if all(any(_has(_names(e, r), a) for r in ("agent", "patient")) for a in actors)
            ]
        elif g["type"] == "deliver":
            right = [e for e in found if _has(_names(e, "recipient") + _names(e, "agent"), g["recipient"])]
        else:
            right = [e for e in found if _has(_names(e, "agent") + _names(e, "patient"), g.get("target", ""))]
        if g.get("planned"):
            right = [e for e in right if e.modality == "planned"]
        if isinstance(g.get("when"), list):
            right = [e for e in right if e.time in g["when"]]
        out.append(
            {
                "type": g["type"],
                "gold": {k: v for k, v in g.items() if k != "type"},
                "found": bool(found),
                "right": bool(right),
                "events": [
                    f"{e.trigger}:{[(a.role, a.text) for a in e.arguments]} {e.time} {e.modality}"
                    for e in (right or found or same)[:3]
                ],
            }
        )
    return {"events": out, "seeds": sorted(by_seed)}


# ---------------------------------------------------------------- speed


def run_speed(eval_dir: Path, limit: int | None) -> dict[str, Any]:
    """Milliseconds per article of find_events alone on prepared docs, entities and times."""
    from veille.understand.coref import resolve_descriptions
    from veille.understand.dates import resolve_times
    from veille.understand.entities import extract_entities
    from veille.understand.events import find_events
    from veille.understand.nlp import load_pipeline, prepare_text
    from veille.understand.quotes import find_quotes

    nlp = load_pipeline(DEFAULT_MODEL)
    prepared = []
    for row in read_gold(eval_dir, limit):
        text = row["text"]
        doc = nlp(prepare_text(text, nlp.lang))
        entities = resolve_descriptions(doc, text, extract_entities(doc, text))
        quotes = find_quotes(text, entities, doc)
        prepared.append((doc, text, entities, resolve_times(text, None, doc=doc), quotes))
    find_events(*prepared[0])
    passes = 5
    t0 = time.perf_counter()
    for _ in range(passes):
        for item in prepared:
            find_events(*item)
    return {
        "articles": len(prepared),
        "find_events_ms": (time.perf_counter() - t0) * 1000 / (passes * len(prepared)),
    }


# ---------------------------------------------------------------- rows


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Table rows of the event results, with the issue-7 targets checked."""
    rows: list[Row] = []
    fr = results.get("frnews")
    if fr:
        label = f"fr-news-gold events ({fr['articles']})"
        v, b = fr["veille"], fr["baseline"]
        t = v["typed"]
        rows.append(
            Row(
                label,
                "event F1 typed (gold other out)",
                t["f1"],
                b["typed"]["f1"],
                f"≥ {TARGET_EVENT_F1}",
                t["f1"] >= TARGET_EVENT_F1,
                f"P {t['precision']:.3f} R {t['recall']:.3f} ({t['tp']}/{t['gold']}, {t['pred']} pred) | base P {b['typed']['precision']:.3f} R {b['typed']['recall']:.3f}",
            )
        )
        for key, name in (
            ("typed_other_kept", "  event F1 typed, other kept"),
            ("trigger_only", "  event F1 trigger only"),
        ):
            s = v[key]
            rows.append(
                Row(
                    label,
                    name,
                    s["f1"],
                    b[key]["f1"],
                    note=f"P {s['precision']:.3f} R {s['recall']:.3f} ({s['tp']}/{s['gold']}, {s['pred']} pred)",
                )
            )
        for kind in EVENT_TYPES:
            s = v["per_type"].get(kind)
            if not s or not s["gold"]:
                continue
            bs = b["per_type"].get(kind, {"f1": 0.0, "tp": 0})
            rows.append(
                Row(
                    label,
                    f"  F1 {kind}",
                    s["f1"],
                    bs["f1"],
                    note=f"R {s['tp']}/{s['gold']}, P of {s['pred']} pred | base {bs.get('tp', 0)}/{s['gold']}",
                )
            )
        a = v["arguments"]
        rows.append(
            Row(
                label,
                "argument F1 (typed matches)",
                a["f1"],
                b["arguments"]["f1"],
                f"≥ {TARGET_ARG_F1}",
                a["f1"] >= TARGET_ARG_F1,
                f"P {a['precision']:.3f} R {a['recall']:.3f} ({a['tp']}/{a['gold']}, {a['pred']} pred)",
            )
        )
        a, ba = v["arguments_filled"], b["arguments_filled"]
        rows.append(
            Row(
                label,
                "  argument F1, gold-filled roles only",
                a["f1"],
                ba["f1"],
                note=f"P {a['precision']:.3f} R {a['recall']:.3f}: a predicted argument of a role the gold leaves empty not counted",
            )
        )
        for r in ROLES:
            s, bs = v[f"arg_{r}"], b[f"arg_{r}"]
            rows.append(
                Row(
                    label,
                    f"  argument F1 {r}",
                    s["f1"],
                    bs["f1"],
                    note=f"{s['tp']}/{s['gold']} right, {s['pred']} pred | base {bs['tp']}/{bs['gold']}",
                )
            )
    seeds = results.get("seeds")
    if seeds:
        for item in seeds["events"]:
            g = item["gold"]
            what = (
                g.get("place")
                or "+".join(g.get("actors") or [])
                or "+".join(g.get("what") or [])
                or g.get("target", "")
            )
            told = f" ({g['source']})" if g.get("source") else ""
            rows.append(
                Row(
                    "seeds events",
                    f"{item['type']} {what}{told}"[:40],
                    float(item["found"]),
                    None,
                    "found+right",
                    item["found"] and item["right"],
                    f"right={item['right']}; {'; '.join(item['events'])[:150]}",
                    digits=0,
                )
            )
    speed = results.get("speed")
    if speed:
        rows.append(
            Row(
                "speed",
                "find_events ms / article",
                speed["find_events_ms"],
                None,
                note=f"{speed['articles']} fr-news texts, prepared parse",
                digits=2,
            )
        )
    return rows


def events_rows(eval_dir: Path, limit: int | None, errors: int) -> list[Row]:
    """Run fr-news-gold (veille and baseline), the seeds and the speed; return the table rows."""
    return build_rows(events_results(eval_dir, limit, errors))


def events_results(eval_dir: Path, limit: int | None, errors: int, first: bool = True) -> dict[str, Any]:
    """Every event figure as a dict (frnews, seeds, speed), the baseline measured in the same call.

    fr-news-gold-dev is read in the fold being scored; the seeds and the speed (not split) only when ``first``.
    """
    plain = spacy.load(DEFAULT_MODEL)  # the baseline's model: plain spaCy, without veille's ruler
    results = {"frnews": run_frnews(eval_dir, plain, limit, errors)}
    if first:
        results["seeds"] = run_seeds()
        results["speed"] = run_speed(eval_dir, limit)
    return results


if __name__ == "__main__":
    from bench_common import parse_args, report_folds, run_folds

    parsed = parse_args(
        None,
        __doc__,
        ("frnews", "seeds", "speed"),
        unit="articles",
        errors_help="error samples kept",
        folds=True,
    )
    if parsed is None:
        sys.exit(2)
    args, _sets = parsed
    t0 = time.perf_counter()

    def compute(first: bool) -> tuple[dict[str, Any], list[Row]]:
        results = events_results(args.eval_dir, args.limit, args.errors, first)
        return results, build_rows(results)

    report_folds(
        run_folds(args.fold, compute),
        runtime=time.perf_counter() - t0,
        versions={"spacy": spacy.__version__, "model": DEFAULT_MODEL},
        as_json=args.json,
        title="veille event benchmark (issue 7)",
        reference="baseline",
        width=230,
    )
    sys.exit(0)
