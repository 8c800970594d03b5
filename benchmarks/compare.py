"""The comparison benchmark (issues 9, 19): the seeds' gold comparison, hand-written conflicts, speed.

Usage: .venv/bin/python benchmarks/compare.py [--json] [--sets seeds,conflicts,heldout,speed,scale] [--errors N]
Sets other than seeds read ../shared/eval (or $VEILLE_EVAL_DIR, or --eval-dir).

  seeds      The two bundled seeds through the pipeline (ingest, run) into a temporary store, then
             ``pipeline.compare_story`` on their story, with the bundled sample's words (the seeds and 200
             RPM2 articles, what `veille demo` stores) as the corpus prior of the framing statistic. Gold: tests/data/seeds-gold.json "comparison"
             (4 shared items, 3 only in 000, 4 only in 002, framing per side). Matching rule, written before
             scoring, with the keys of benchmarks/data/seeds-compare-keys.json: a gold item is found by an
             output fact of the same coverage (shared = all sources, only_X = one source, seed X) whose claim
             from each side named in the keys contains every keyword of one of that side's alternatives
             (accents and case folded); framing: an output framing term of the side containing the gold words
             or contained in them, or an aligned mention whose words for that side contain them. Every output
             item of a side that matches no gold item (facts given by that side alone, framing terms, conflicts
             touching it) is listed, for a reader to judge as fact or noise (the issue allows 5 noise items per
             side).
  conflicts  The tune half of benchmarks/data/conflicts-gold.jsonl (conflicts-gold.md: 70 conflicts and 113
             compatible pairs written by hand from news-cluster-dev and rpm2-dev, split by story into a tune
             half and a held-out half before the tool ran on the second batch; conflicts-read.json lists the
             stories read in full and their half). Each story's articles go through veille's ingest, extract,
             analyze_articles and link, into a temporary store with their duplicate links (DuplicateIndex) and
             one story per gold story; ``pipeline.compare_story`` compares it. A predicted conflict matches a
             gold row when two of its values from different articles match two values of the row: same
             article, and the folded words of one contain the other's (or the same number). Recall over the
             half's conflicts; precision over every conflict predicted in its stories (a match of a conflict
             or of an update pair reported as an update is right, anything else is wrong); compatible pairs
             flagged: pairs a predicted conflict matches, except an update pair reported with change
             "update". By kind, and pairs by why. Misses and false conflicts are listed (--json).
  heldout    The same on the held-out half; nothing is listed, only counted (score it once, at the end).
  speed      ``pipeline.compare_story`` on a 20-article story (rpm2-dev topic T01: both sub-events), one core,
             analyses already stored; median of 3 runs. Target under 1 s.
  scale      ``build_comparison`` of 500 near-identical articles (one rpm2 article, each copy with one
             sentence in five changed), no duplicate links and no analyses, so every claim is aligned by its
             words. Target under 5 s.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench_common import SEEDS_DIR, Progressor, Row, norm, parse_args, prf, report

from veille import pipeline
from veille.cli import sample_sources
from veille.compare import COMPARER_VERSION
from veille.compare.framing import background_counts
from veille.extract import extract_article
from veille.group import DuplicateIndex
from veille.ingest import iter_inputs
from veille.model import Comparison, Story
from veille.settings import Settings
from veille.store import open_store
from veille.understand import analyze_articles
from veille.understand.crosslink import link_entities
from veille.understand.nlp import load_pipeline
from veille.understand.quantities import find_quantities

logger = logging.getLogger("benchmarks.compare")

ALL_SETS = ("seeds", "conflicts", "heldout", "speed", "scale")
KEYS = Path(__file__).resolve().parent / "data" / "seeds-compare-keys.json"
CONFLICTS = Path(__file__).resolve().parent / "data" / "conflicts-gold.jsonl"
READ = Path(__file__).resolve().parent / "data" / "conflicts-read.json"  # gold stories read, and their half
NOISE_LIMIT = 5
TARGET_RECALL, TARGET_PRECISION, TARGET_FLAGGED, TARGET_SECONDS = 0.7, 0.8, 0.1, 1.0
SCALE_ARTICLES, TARGET_SCALE_SECONDS = 500, 5.0


# ---------------------------------------------------------------- seeds


def _side_texts(fact: Any, article_of: dict[str, str]) -> dict[str, str]:
    """Return the folded words of a fact's claims per seed side ("000", "002")."""
    out: dict[str, str] = defaultdict(str)
    for c in fact.claims:
        out[article_of[c.article_id]] += " " + norm(c.text)
    return out


def _fact_matches(fact: Any, item: dict[str, Any], coverage: str, article_of: dict[str, str]) -> bool:
    if fact.coverage != coverage:
        return False
    texts = _side_texts(fact, article_of)
    sides = [k for k in item if k in {"000", "002"}]
    if coverage == "one" and set(texts) != set(sides):
        return False
    return all(any(all(norm(k) in texts.get(side, "") for k in alt) for alt in item[side]) for side in sides)


def run_seeds(settings: Settings) -> dict[str, Any]:
    """Compare the seeds' story and score it against the gold (see the module doc)."""
    keys = json.loads(KEYS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "seeds.db"), settings=settings)
        try:
            paths = sorted(str(p) for p in SEEDS_DIR.glob("*.txt"))
            pipeline.ingest(store, paths, settings=settings)
            pipeline.run(store, settings=settings)
            [story] = store.list_stories(min_articles=2)
            # the corpus prior: the bundled sample (the seeds and 200 RPM2 articles), as `veille demo` stores it
            background = background_counts(Path(p).read_text(encoding="utf-8-sig") for p in sample_sources())
            start = time.perf_counter()
            comparison = pipeline.compare_story(store, story.id, background=background)
            seconds = time.perf_counter() - start
            article_of = {
                a.id: Path(_source(store, a.content_id)).name[:3] for a in store.iter_articles(story.articles)
            }
        finally:
            store.close()
    found: dict[str, list[dict[str, Any]]] = {}
    used: set[int] = set()
    for section, coverage in (("shared", "all"), ("only_000", "one"), ("only_002", "one")):
        found[section] = []
        for item in keys[section]:
            hit = next(
                (k for k, f in enumerate(comparison.facts) if _fact_matches(f, item, coverage, article_of)),
                None,
            )
            if hit is not None:
                used.add(hit)
            found[section].append(
                {
                    "item": item["item"],
                    "found": hit is not None,
                    "how": _how(comparison, hit) if hit is not None else "no output fact with its keys",
                }
            )
    framing_used: set[int] = set()
    framing = []
    for side, terms in keys["framing"].items():
        for term in terms:
            how = None
            matching = [
                k
                for k, t in enumerate(comparison.framing)
                if article_of[t.article_id] == side and (_within(term, t.term) or _within(t.term, term))
            ]
            if matching:  # the term closest to the gold words: the longest one inside them, else the shortest
                k = max(matching, key=lambda k: _closeness(term, comparison.framing[k].term))
                t = comparison.framing[k]
                how = f"framing term «{t.term}» (z {t.z:.2f}{', attributed to ' + t.attributed_to if t.attributed else ''})"
                framing_used.add(k)
            if how is None:
                for m in comparison.mentions:
                    for w in m.by_source:
                        if article_of[w.article_id] == side and any(_within(term, x) for x in w.words):
                            how = f"aligned mention of {m.name}: «{', '.join(w.words)}»"
            framing.append({"side": side, "term": term, "found": how is not None, "how": how or "missing"})
    others: dict[str, list[str]] = {"000": [], "002": []}
    for k, f in enumerate(comparison.facts):
        if k not in used and f.coverage == "one":
            side = article_of[f.claims[0].article_id]
            others[side].append(f"fact: {f.claims[0].text[:140]}")
    for k, t in enumerate(comparison.framing):
        if k not in framing_used:
            others[article_of[t.article_id]].append(f"framing: {t.term} (z {t.z:.2f})")
    for c in comparison.conflicts:
        for side in {article_of[v.article_id] for v in c.values}:
            others[side].append(f"conflict: {c.slot}: " + " vs ".join(v.value for v in c.values))
    return {
        "found": found,
        "framing": framing,
        "others": others,
        "seconds": round(seconds, 2),
        "facts": len(comparison.facts),
        "comparison": comparison,
    }


def _within(part: str, whole: str) -> bool:
    """Return True when the words of ``part`` occur in ``whole`` as a run of whole words (folded)."""
    return f" {norm(part)} " in f" {norm(whole)} "


def _closeness(gold: str, term: str) -> int:
    """Return how close an output term is to the gold words: its length when inside them, else minus it."""
    return len(norm(term)) if _within(term, gold) else -len(norm(term))


def _source(store: Any, content_id: str) -> str:
    doc = store.get_document(content_id)
    return doc.source if doc is not None else content_id


def _how(comparison: Comparison, k: int) -> str:
    f = comparison.facts[k]
    how = {
        "event": "same story event",
        "text": f"words and entities, score {f.score:.2f}",
        "alone": "one source",
    }
    return f"{how.get(f.matched_by, f.matched_by)}: " + " / ".join(f"«{c.text[:70]}…»" for c in f.claims)


# ---------------------------------------------------------------- conflicts


def _load_conflicts() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CONFLICTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_stories(half: str) -> list[tuple[str, str]]:
    """Return the gold stories of one half ("tune" or "held-out") that their author read in full."""
    rows = json.loads(READ.read_text(encoding="utf-8"))
    return sorted((r["set"], r["story"]) for r in rows if r["half"] == half)


def _paths(eval_dir: Path, set_name: str, story: str) -> list[Path]:
    if set_name == "rpm2":
        return sorted((eval_dir / "rpm2-dev" / "documents").glob(f"{story}_*.txt"))
    out = []
    for p in sorted((eval_dir / "news-cluster-dev" / "data").glob("*.json")):
        if str(json.loads(p.read_text(encoding="utf-8"))["newsCluster"]["EventId"]) == story:
            out.append(p)
    return out


def _doc_key(set_name: str, path: Path) -> str:
    return path.stem


def _same_value(a: str, b: str) -> bool:
    fa, fb = norm(a), norm(b)
    if fa and fb and (fa in fb or fb in fa):
        return True
    qa, qb = (
        find_quantities(a, "en") + find_quantities(a, "fr"),
        find_quantities(b, "en") + find_quantities(b, "fr"),
    )
    return any(x.value == y.value for x in qa for y in qb)


def _matches(conflict: Any, row: dict[str, Any], key_of: dict[str, str]) -> bool:
    """True when two of the conflict's values, from different articles, match two values of a gold row."""
    docs = {
        gv["doc"]
        for v in conflict.values
        for gv in row["values"]
        if key_of.get(v.article_id) == gv["doc"] and _same_value(v.value, gv["value"])
    }
    return len(docs) >= 2


def compare_gold_stories(
    eval_dir: Path, settings: Settings, stories: list[tuple[str, str]], prog: Progressor
) -> tuple[dict[tuple[str, str], list[Any]], dict[str, str], list[float]]:
    """Run each gold story through ingest, extract, understand, link, duplicates and compare (see the module
    doc); return its conflicts, the gold document key of each article id, and the compare times."""
    nlp = load_pipeline(settings.spacy_model)
    models = {"fr": settings.spacy_model, "en": settings.spacy_model_en or settings.spacy_model}
    predicted: dict[tuple[str, str], list[Any]] = {}
    key_of: dict[str, str] = {}
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "conflicts.db"), settings=settings)
        try:
            for set_name, story in prog.track(stories, "conflicts: stories"):
                articles = []
                for path in _paths(eval_dir, set_name, story):
                    for inp in iter_inputs([str(path)], settings=settings):
                        if inp.document is None or inp.failure is not None:
                            continue
                        store.add_document(inp.document)
                        article = extract_article(inp.document, settings=settings)
                        store.put_article(article)
                        key_of[article.id] = _doc_key(set_name, path)
                        articles.append(article)
                index = DuplicateIndex(settings.near_duplicate_threshold)
                for article, analysis in zip(
                    articles, analyze_articles(articles, nlp=nlp, models=models), strict=True
                ):
                    if not isinstance(analysis, Exception):
                        published = article.published.isoformat() if article.published else None
                        pipeline.store_analysis(store, analysis, published=published)
                    store.add_duplicates(index.add(article.id, article.text))
                link_entities(store)  # the link step, as `veille run` runs it after understand
                sid = f"gold-{set_name}-{story}"
                store.put_story(
                    Story(id=sid, label=f"{set_name} {story}", articles=tuple(a.id for a in articles))
                )
                start = time.perf_counter()
                comparison = pipeline.compare_story(store, sid)
                seconds.append(time.perf_counter() - start)
                predicted[(set_name, story)] = list(comparison.conflicts)
        finally:
            store.close()
    return predicted, key_of, seconds


def _is_update(conflict: Any) -> bool:
    return bool(conflict.change == "update")


def run_conflicts(
    eval_dir: Path, settings: Settings, half: str, limit: int | None, n_errors: int, prog: Progressor
) -> dict[str, Any]:
    """Compare the gold stories of one half and score their conflicts against the hand-written gold: recall
    over its conflicts, precision over every conflict predicted in them, and the share of its compatible
    pairs flagged (a count that rose with time, reported as an update, is not flagged)."""
    stories = read_stories(half)
    if limit:
        stories = stories[:limit]
    wanted = set(stories)
    rows = [g for g in _load_conflicts() if (g["set"], g["story"]) in wanted]
    gold = [g for g in rows if g["kind"] != "compatible"]
    pairs = [g for g in rows if g["kind"] == "compatible"]
    predicted, key_of, seconds = compare_gold_stories(eval_dir, settings, stories, prog)
    good: set[tuple[str, str, int]] = (
        set()
    )  # predicted conflicts matching a gold conflict (or an update pair)
    misses, flagged_notes = [], []
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for g in gold:
        key = (g["set"], g["story"])
        hits = [k for k, c in enumerate(predicted[key]) if _matches(c, g, key_of)]
        good.update((*key, k) for k in hits)
        by_kind[g["kind"]].append(bool(hits))
        if not hits:
            misses.append(
                f"{key[0]} {key[1]} {g['kind']} {g['slot']}: " + " vs ".join(v["value"] for v in g["values"])
            )
    flagged_by_why: dict[str, list[bool]] = defaultdict(list)
    for g in pairs:
        key = (g["set"], g["story"])
        hits = [k for k, c in enumerate(predicted[key]) if _matches(c, g, key_of)]
        wrong = [k for k in hits if not (g["why"] == "update" and _is_update(predicted[key][k]))]
        good.update((*key, k) for k in hits if k not in wrong)
        flagged_by_why[g["why"]].append(bool(wrong))
        if wrong:
            flagged_notes.append(
                f"{key[0]} {key[1]} {g['why']} {g['slot']}: " + " vs ".join(v["value"] for v in g["values"])
            )
    n_pred = sum(len(v) for v in predicted.values())
    spurious = [
        f"{s} {k}: {c.kind} {c.slot}: "
        + " vs ".join(f"{v.value} ({key_of.get(v.article_id, '?')[:10]})" for v in c.values)
        for (s, k), cs in predicted.items()
        for i, c in enumerate(cs)
        if (s, k, i) not in good
    ]
    found = sum(ok for oks in by_kind.values() for ok in oks)
    flagged = sum(f for fs in flagged_by_why.values() for f in fs)
    return {
        "half": half,
        "stories": len(stories),
        "gold": len(gold),
        "pairs": len(pairs),
        "recall": prf(found, n_pred, len(gold)),
        "precision": prf(len(good), n_pred, len(gold)),
        "flagged": {
            "flagged": flagged,
            "pairs": len(pairs),
            "share": round(flagged / len(pairs), 3) if pairs else 0.0,
        },
        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())},
        "flagged_by_why": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(flagged_by_why.items())},
        "predicted_kinds": dict(Counter(c.kind for cs in predicted.values() for c in cs)),
        # the held-out half is scored, never read: its errors are not listed
        "misses": misses[:n_errors] if half == "tune" else [],
        "spurious": spurious[:n_errors] if half == "tune" else [],
        "flagged_pairs": flagged_notes[:n_errors] if half == "tune" else [],
        "seconds_median": round(statistics.median(seconds), 2) if seconds else None,
    }


# ---------------------------------------------------------------- speed


def run_speed(eval_dir: Path, settings: Settings) -> dict[str, Any]:
    """Time compare_story on rpm2-dev topic T01 (20 articles) with stored analyses, one core, median of 3."""
    paths = sorted((eval_dir / "rpm2-dev" / "documents").glob("T01_*.txt"))
    nlp = load_pipeline(settings.spacy_model)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "speed.db"), settings=settings)
        try:
            articles = []
            for path in paths:
                for inp in iter_inputs([str(path)], settings=settings):
                    if inp.document is not None and inp.failure is None:
                        store.add_document(inp.document)
                        article = extract_article(inp.document, settings=settings)
                        store.put_article(article)
                        articles.append(article)
            for analysis in analyze_articles(articles, nlp=nlp):
                if not isinstance(analysis, Exception):
                    pipeline.store_analysis(store, analysis)
            link_entities(store)
            store.put_story(Story(id="speed", label="T01", articles=tuple(a.id for a in articles)))
            background = pipeline.corpus_background(store)
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                comparison = pipeline.compare_story(store, "speed", background=background)
                runs.append(time.perf_counter() - start)
            start = time.perf_counter()
            pipeline.corpus_background(store)
            background_seconds = time.perf_counter() - start
        finally:
            store.close()
    return {
        "articles": len(articles),
        "seconds": round(statistics.median(runs), 2),
        "background_seconds": round(background_seconds, 2),
        "facts": len(comparison.facts),
        "conflicts": len(comparison.conflicts),
    }


def run_scale(eval_dir: Path) -> dict[str, Any]:
    """Time build_comparison on SCALE_ARTICLES near-identical articles: one rpm2 article, each copy with a
    different word of every fifth sentence changed, no duplicate links (each copy is its own source) and no
    analyses, so every claim goes through the word alignment, the part that grew with the square."""
    path = sorted((eval_dir / "rpm2-dev" / "documents").glob("T01_C1_*.txt"))[0]
    base = path.read_text(encoding="utf-8-sig")
    from veille.model import Article
    from veille.text import sentences

    parts = [s.text for s in sentences(base)]
    articles = []
    for k in range(SCALE_ARTICLES):
        text = " ".join(f"{p} (version {k})" if i % 5 == k % 5 else p for i, p in enumerate(parts))
        articles.append(
            Article(
                id=f"a{k:04d}",
                content_id=f"c{k:04d}",
                url=None,
                title=parts[0],
                outlet=f"outlet {k}",
                author=None,
                published=None,
                language="fr",
                text=text,
            )
        )
    from veille.compare.build import build_comparison

    story = Story(id="scale", label="scale", articles=tuple(a.id for a in articles))
    start = time.perf_counter()
    comparison = build_comparison(story, articles, {}, background=Counter())
    seconds = time.perf_counter() - start
    claims = sum(len(f.claims) for f in comparison.facts)
    return {
        "articles": len(articles),
        "seconds": round(seconds, 2),
        "claims": claims,
        "facts": len(comparison.facts),
    }


# ---------------------------------------------------------------- table


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Turn the results into table rows, with each target checked (issue 19's for conflicts and speed)."""
    rows: list[Row] = []
    s = results.get("seeds")
    if s:
        for section, items in s["found"].items():
            n = sum(i["found"] for i in items)
            rows.append(
                Row(
                    "seeds",
                    f"{section} items found (of {len(items)})",
                    n,
                    None,
                    f"{len(items)}/{len(items)}",
                    n == len(items),
                    "; ".join(f"{i['item']}: {i['how'][:90]}" for i in items if not i["found"])
                    or "all found",
                )
            )
        n = sum(f["found"] for f in s["framing"])
        rows.append(
            Row(
                "seeds",
                f"framing items found (of {len(s['framing'])})",
                n,
                None,
                f"{len(s['framing'])}/{len(s['framing'])}",
                n == len(s["framing"]),
                "; ".join(f"{f['side']} {f['term']}: {f['how']}" for f in s["framing"])[:200],
            )
        )
        for side, items in s["others"].items():
            rows.append(
                Row(
                    "seeds",
                    f"other items, side {side}",
                    len(items),
                    None,
                    f"noise ≤ {NOISE_LIMIT}",
                    None,
                    "listed in --json (others): judge by reading",
                )
            )
    for name in ("conflicts", "heldout"):
        c = results.get(name)
        if not c:
            continue
        r, p, f = c["recall"], c["precision"], c["flagged"]
        label = f"{name} ({c['half']} half: {c['gold']} conflicts, {c['pairs']} compatible pairs, {c['stories']} stories)"
        rows.append(
            Row(
                label,
                "conflict recall",
                r["recall"],
                None,
                f"≥ {TARGET_RECALL}",
                r["recall"] >= TARGET_RECALL,
                f"{r['tp']}/{r['gold']}; by kind {c['by_kind']}",
            )
        )
        rows.append(
            Row(
                label,
                "conflict precision",
                p["precision"],
                None,
                f"≥ {TARGET_PRECISION}",
                p["precision"] >= TARGET_PRECISION,
                f"{p['tp']}/{p['pred']} predicted conflicts match a gold one; kinds {c['predicted_kinds']}",
            )
        )
        rows.append(
            Row(
                label,
                "compatible pairs flagged",
                f["share"],
                None,
                f"≤ {TARGET_FLAGGED}",
                f["share"] <= TARGET_FLAGGED,
                f"{f['flagged']}/{f['pairs']}; by why {c['flagged_by_why']}",
            )
        )
    sp = results.get("speed")
    if sp:
        rows.append(
            Row(
                f"speed ({sp['articles']}-article story)",
                "compare_story seconds",
                sp["seconds"],
                None,
                f"< {TARGET_SECONDS}",
                sp["seconds"] < TARGET_SECONDS,
                f"one core, stored analyses, median of 3; corpus prior read in {sp['background_seconds']} s",
            )
        )
    sc = results.get("scale")
    if sc:
        rows.append(
            Row(
                f"scale ({sc['articles']} near-identical articles)",
                "build_comparison seconds",
                sc["seconds"],
                None,
                f"< {TARGET_SCALE_SECONDS}",
                sc["seconds"] < TARGET_SCALE_SECONDS,
                f"{sc['claims']} claims, {sc['facts']} facts; no duplicate links, no analyses: every claim aligned by its words",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sets and print the table (or JSON); returns the exit code."""
    parsed = parse_args(
        argv,
        __doc__,
        ALL_SETS,
        unit="stories",
        errors_help="how many misses and spurious conflicts to keep (in --json)",
    )
    if parsed is None:
        return 1
    args, sets = parsed
    settings = Settings()
    start = time.perf_counter()
    results: dict[str, Any] = {}
    with Progressor() as prog:
        if "seeds" in sets:
            results["seeds"] = run_seeds(settings)
        if "conflicts" in sets:
            results["conflicts"] = run_conflicts(
                args.eval_dir, settings, "tune", args.limit, args.errors, prog
            )
        if "heldout" in sets:
            results["heldout"] = run_conflicts(
                args.eval_dir, settings, "held-out", args.limit, args.errors, prog
            )
        if "speed" in sets:
            results["speed"] = run_speed(args.eval_dir, settings)
        if "scale" in sets:
            results["scale"] = run_scale(args.eval_dir)
    rows = build_rows(results)
    if "seeds" in results:
        results["seeds"]["comparison"] = None  # printed by `veille compare`, not here
    report(
        results,
        rows,
        runtime=time.perf_counter() - start,
        versions={"comparer": COMPARER_VERSION},
        as_json=args.json,
        title="veille comparison benchmark (issues 9, 19)",
        width=220,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
