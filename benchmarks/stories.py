"""The story benchmark of issue 8: veille's story grouping and duplicates against a TF-IDF baseline, same run.

Usage: .venv/bin/python benchmarks/stories.py [--json] [--sets rpm2,newscluster,nearcopies,seeds,scale]
       [--limit N] [--eval-dir PATH] [--errors N] [--fold tune|heldout|all]
Sets are scored by fold (bench_common.fold_of of the file name): tune and heldout side by side by default, or the
one --fold names ("all": the whole set); nearcopies, seeds and scale run once, not split.
Sets are read from ../shared/eval (or $VEILLE_EVAL_DIR, or --eval-dir); see its README.md for formats.
Default sets: rpm2, newscluster, nearcopies, seeds (``scale`` runs only when asked).

veille, as ``veille run`` does it: each file goes through veille's ingest (iter_inputs) and extract_article;
analyze_articles (the pipeline's models: settings.spacy_model, spacy_model_en) analyses them once per set
(cached in memory for the run); the articles and analyses are put in a temporary SQLite store and each
analysis is read back with registry ids (store.get_analysis), as the group stage reads it; articles are then
fed to one StoryGrouper(Settings()) in the pipeline's order (dated articles first by date, then undated ones,
each in file order) with grouper.add(features_of(article, analysis), article.text). The story of an article
is the id add returns; its duplicate links are the links add returns (what the pipeline stores).
Baseline: TfidfVectorizer(word unigrams+bigrams, sublinear_tf, strip_accents="unicode", lowercase) on the same
article texts, agglomerative clustering with average linkage on cosine distance (scipy linkage, the same
tree sklearn's AgglomerativeClustering builds), cut at every distance threshold 0.05, 0.06 … 0.99; the
threshold with the best B-cubed F1 on the set itself is reported (an oracle). For a fair side-by-side, veille's
figure is given at its default settings, and once more at its own best story_threshold on the set (0.10, 0.15
… 0.60, same analyses, same order; informative only: the default is what ``veille run`` does). The "window ceiling"
is the gold itself cut wherever a gold story's consecutive dates are more than story_window_days apart: the
best B-cubed F1 a grouper can reach while it keeps that window. "After regroup": the online grouping, then one
``veille regroup`` over the whole set (group.regroup.recluster over the same features, in the same order,
with the duplicate links found online; stable_ids against the online stories, as pipeline.regroup does);
"kept ids" = share of articles whose story id did not change.

Scores. B-cubed: for each article, precision = share of its predicted story that has its gold story,
recall = share of its gold story inside its predicted story; P and R averaged over articles, F1 of the two
averages. ARI: sklearn.metrics.adjusted_rand_score. Pair P/R: over unordered article pairs.
  rpm2         rpm2-dev/documents/TNN_CK_DD.txt, gold story = TNN_CK (200 French articles, no dates).
  newscluster  news-cluster-dev/data/*.json (news-please records), gold = newsCluster.EventId.
               Duplicates: gold pairs = article pairs whose word 5-shingle sets (veille's normalised words:
               \\w+, lower case, no accents) have an exact Jaccard >= WIRE_JACCARD (0.5). veille's pairs = its
               duplicate links of every kind, each standing for every exact copy of its two ends (veille links a
               group of exact copies through its first article), and the pairs inside each group of exact
               copies; pair precision/recall against the gold pairs. Precision once more against a wider gold:
               Jaccard >= 0.5 or containment >= WIDE_CONTAINMENT (0.8) of the smaller text's shingles (25 or
               more) in the larger one (truncated and extended copies). The reference
               column is the exact Jaccard at veille's own threshold (settings.near_duplicate_threshold).
  nearcopies   From real rpm2-dev articles (each with a title and three paragraphs or more; --limit of them):
               truncated (first 60 % of the words), reordered (paragraphs after the title in reverse order),
               rewritten lead (the first sentence of the body replaced by the first sentence of an article
               of another topic), boilerplate (a "Lire aussi" block of three other titles after the second
               paragraph and a site footer at the end). A DuplicateIndex(settings.near_duplicate_threshold)
               holds the 200 originals; each copy is added under a new id; recall = copies linked to their
               original. False positives: links among the 200 originals between different articles of one
               topic, over the topic's pairs (pairs that share text for real, Jaccard >= 0.5, are reported).
               The reference column: exact 5-shingle Jaccard >= the same threshold.
  seeds        the two bundled seeds through the same path: one story, no duplicate link between them.
  scale        1k and 10k articles (100k with --limit 100000) made from the real texts of rpm2-dev and
               news-cluster-dev (425), in two variants. "copies": copy k of a text is dated base + 3k days
               (news-cluster dates, 2017-01-01 for rpm2) with light edits (one paragraph dropped when it has
               four or more, one word in 15 replaced by another word of the text): near-duplicates of each other, so every copy joins its
               text's story through its duplicate links (stories grow with n). "distinct": copy k is dated
               base + 45k days with one word in 4 replaced: no shared 5-shingles left, so no duplicate
               links, and further apart than the window and its long extension (10 + 20 days), so each copy
               is scored and opens or joins a story of its own period (many stories of stable size, as a
               long-running corpus has).
               Each distinct text is analysed once (analyze_article, name-derived
               entity ids, no registry) and the analysis is reused for its copies with the entities kept.
               Timed: features_of + StoryGrouper.add per article, in a forked process per size; peak memory
               = that process's ru_maxrss minus its RSS before grouping. Growth ratio = per-article time
               at n over per-article time at the previous size; the time of each thousand is kept too
               (the last one is the marginal cost). A size stops after SCALE_BUDGET (600 s) of grouping
               and says how far it got.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from bench_common import SEEDS_DIR, Progressor, Row, parse_args, report_folds, run_folds, select
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from veille.extract import extract_article
from veille.group import GROUPER_VERSION, DuplicateIndex, StoryGrouper, features_of
from veille.group.dedup import text_fingerprint
from veille.group.regroup import recluster, stable_ids
from veille.group.stories import LONG_WINDOW
from veille.ingest import iter_inputs
from veille.model import Analysis, Article, Document, DuplicateLink
from veille.pipeline import store_analysis
from veille.settings import Settings
from veille.store import open_store
from veille.text import normalized_words
from veille.understand import analyze_article, analyze_articles
from veille.understand.crosslink import link_entities
from veille.understand.nlp import load_pipeline

logger = logging.getLogger(__name__)

ALL_SETS = ("rpm2", "newscluster", "nearcopies", "seeds", "scale")
DEFAULT_SETS = ("rpm2", "newscluster", "nearcopies", "seeds")
TARGET_BCUBED = 0.90
ISSUE_BASELINE_RPM2 = 0.665
WIRE_JACCARD = 0.5
WIDE_CONTAINMENT = 0.8  # a wider gold for precision: Jaccard >= WIRE_JACCARD or containment >= this
SHINGLE = 5
THRESHOLDS = [round(0.05 + 0.01 * i, 2) for i in range(95)]
STORY_THRESHOLDS = [round(0.10 + 0.05 * i, 2) for i in range(11)]
COPY_KINDS = ("truncated", "reordered", "rewritten lead", "boilerplate")
SCALE_SIZES = (1_000, 10_000)
# variant: (days between copy k and k+1 of a text, one word in this many replaced in copies)
SCALE_VARIANTS = {"copies": (3, 15), "distinct": (45, 4)}
TARGET_MS = 6.0  # issue 8: 100k articles grouped in under 10 minutes
SCALE_BUDGET = 600.0  # seconds of grouping per size; a size stops at the next thousand past it
FOOTER = (
    "© 2024 Le Journal. Tous droits réservés. Mentions légales | Politique de confidentialité | "
    "Contactez-nous | Abonnez-vous à notre newsletter pour recevoir l'essentiel de l'actualité."
)


# ---------------------------------------------------------------- scoring


def bcubed(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> dict[str, float]:
    """Return B-cubed precision, recall and F1 of a predicted clustering against gold labels (same order)."""
    if len(pred) != len(gold):
        raise ValueError("pred and gold must label the same items")
    if not pred:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    both = Counter(zip(pred, gold, strict=True))
    size_pred, size_gold = Counter(pred), Counter(gold)
    p = sum(both[(a, b)] / size_pred[a] for a, b in zip(pred, gold, strict=True)) / len(pred)
    r = sum(both[(a, b)] / size_gold[b] for a, b in zip(pred, gold, strict=True)) / len(pred)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def ari(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """Return sklearn's adjusted Rand index of pred against gold (labels of any hashable type)."""
    ids: dict[Hashable, int] = {}
    gids: dict[Hashable, int] = {}
    return float(
        adjusted_rand_score(
            [gids.setdefault(g, len(gids)) for g in gold], [ids.setdefault(p, len(ids)) for p in pred]
        )
    )


def pair_prf(pred: Iterable[frozenset[str]], gold: Iterable[frozenset[str]]) -> dict[str, float | int]:
    """Return precision, recall, F1 (0.0 where undefined) and counts of predicted against gold unordered pairs."""
    p_set, g_set = set(pred), set(gold)
    tp = len(p_set & g_set)
    prec = tp / len(p_set) if p_set else 0.0
    rec = tp / len(g_set) if g_set else 0.0
    return {
        "precision": prec,
        "recall": rec,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "tp": tp,
        "pred": len(p_set),
        "gold": len(g_set),
    }


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """Return the word k-shingles of a text's normalised words (the whole text when shorter)."""
    words = normalized_words(text)
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Return |a ∩ b| / |a ∪ b| (0.0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def copy_pairs(
    texts: dict[str, str], threshold: float, containment: float = 2.0
) -> dict[frozenset[str], float]:
    """Return every pair of ids whose texts' 5-shingle Jaccard is at least threshold, with the Jaccard; with
    ``containment``, also the pairs where the smaller set (25 shingles or more) is that much in the larger."""
    sh = {k: shingles(v) for k, v in texts.items()}
    out = {}
    for a, b in combinations(sorted(sh), 2):
        j = jaccard(sh[a], sh[b])
        smaller = min(len(sh[a]), len(sh[b]))
        c = len(sh[a] & sh[b]) / smaller if smaller >= 25 else 0.0
        if j >= threshold or c >= containment:
            out[frozenset((a, b))] = j
    return out


def baseline_sweep(texts: Sequence[str], gold: Sequence[Hashable]) -> dict[str, Any]:
    """Return the TF-IDF + average-linkage baseline at its best distance threshold, and the whole sweep."""
    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")
    matrix = tfidf.fit_transform(texts).toarray()
    tree = linkage(pdist(matrix, metric="cosine"), method="average")
    sweep = []
    for t in THRESHOLDS:
        labels = list(fcluster(tree, t=t, criterion="distance"))
        sweep.append(
            {"threshold": t, **bcubed(labels, gold), "ari": ari(labels, gold), "stories": len(set(labels))}
        )
    best = max(sweep, key=lambda s: (s["f1"], -s["threshold"]))
    return {"best": best, "sweep": [{k: round(v, 4) for k, v in s.items()} for s in sweep]}


# ---------------------------------------------------------------- veille's path


@dataclass
class Item:
    """One input file as veille reads it, with its gold story label."""

    path: Path
    document: Document
    article: Article
    gold: str
    analysis: Analysis | None = None


def read_items(paths: Sequence[Path], gold_of: Callable[[Path], str], settings: Settings) -> list[Item]:
    """Ingest and extract each path as the pipeline does; a path veille cannot read is logged and skipped."""
    items = []
    for path in paths:
        for inp in iter_inputs([str(path)], settings=settings):
            if inp.document is None or inp.failure is not None:
                logger.warning("%s not ingested: %s", path, inp.failure)
                continue
            try:
                article = extract_article(inp.document, settings=settings)
            except Exception as exc:  # a failing file is one item failed, as in `veille run`
                logger.warning("%s not extracted: %s", path, exc)
                continue
            items.append(Item(path, inp.document, article, gold_of(path)))
    return items


def analyse(items: list[Item], settings: Settings) -> float:
    """Fill each item's analysis with analyze_articles (the pipeline's call); return the seconds it took."""
    start = time.perf_counter()
    nlp = load_pipeline(settings.spacy_model)
    models = {"fr": settings.spacy_model, "en": settings.spacy_model_en or settings.spacy_model}
    for item, result in zip(
        items, analyze_articles([i.article for i in items], nlp=nlp, models=models), strict=True
    ):
        if isinstance(result, Exception):
            logger.warning("%s not analysed: %s", item.path, result)
            continue
        item.analysis = result
    return time.perf_counter() - start


def pipeline_order(items: Sequence[Item]) -> list[Item]:
    """Return the items in the group stage's order: dated first by date, then undated, each in input order."""
    return [
        it
        for _, it in sorted(
            enumerate(items),
            key=lambda p: (p[1].article.published is None, p[1].article.published or date.min, p[0]),
        )
    ]


def registry_analyses(items: Sequence[Item], settings: Settings) -> dict[str, Analysis | None]:
    """Return each item's analysis as the group stage reads it: stored, then read back with registry ids."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "bench.db"), settings=settings)
        try:
            for it in items:
                store.add_document(it.document)
                store.put_article(it.article)
                if it.analysis is not None:
                    published = it.article.published.isoformat() if it.article.published else None
                    store_analysis(store, it.analysis, published=published)
            link_entities(store)  # the link step, as `veille run` runs it after understand
            return {it.article.id: store.get_analysis(it.article.id) for it in items}
        finally:
            store.close()


def group(
    items: Sequence[Item], analyses: dict[str, Analysis | None], settings: Settings
) -> tuple[dict[str, str], list[DuplicateLink], float]:
    """Feed items to one StoryGrouper in the pipeline's order; return story per article id, links, seconds."""
    grouper = StoryGrouper(settings)
    story_of: dict[str, str] = {}
    links: list[DuplicateLink] = []
    start = time.perf_counter()
    for it in pipeline_order(items):
        sid, found = grouper.add(features_of(it.article, analyses[it.article.id]), it.article.text)
        story_of[it.article.id] = sid
        links.extend(found)
    return story_of, links, time.perf_counter() - start


def regrouped(
    items: Sequence[Item],
    analyses: dict[str, Analysis | None],
    story_of: dict[str, str],
    links: Sequence[DuplicateLink],
    settings: Settings,
) -> tuple[dict[str, str], float]:
    """Return the story of each article after one regrouping of the whole set (as pipeline.regroup), seconds."""
    start = time.perf_counter()
    ordered = pipeline_order(items)
    clusters = recluster(
        [features_of(it.article, analyses[it.article.id]) for it in ordered],
        threshold=settings.regroup_threshold,
        reach_days=settings.story_window_days + LONG_WINDOW,
        copies=[(lk.article_id, lk.other_id) for lk in links],
        copy_days=settings.story_window_days,
    )
    named = stable_ids(clusters, story_of)
    return {a: sid for sid, members in named.items() for a in members}, time.perf_counter() - start


def window_split(gold: Sequence[str], dates: Sequence[date | None], window: int) -> list[str]:
    """Return gold labels split wherever two consecutive dates of a gold story are more than window days apart.

    The best any grouper can do that never lets a story jump a gap longer than its window; undated items
    stay in their gold story.
    """
    by_gold: dict[str, list[tuple[date, int]]] = defaultdict(list)
    out = list(gold)
    for i, (g, d) in enumerate(zip(gold, dates, strict=True)):
        if d is not None:
            by_gold[g].append((d, i))
    for g, dated in by_gold.items():
        part, previous = 0, None
        for d, i in sorted(dated):
            if previous is not None and (d - previous).days > window:
                part += 1
            out[i] = f"{g}#{part}" if part else g
            previous = d
    return out


def story_errors(items: Sequence[Item], story_of: dict[str, str], n: int) -> list[str]:
    """Return up to n lines on the gold stories split the most and the predicted stories mixing the most."""
    by_gold: dict[str, Counter[str]] = defaultdict(Counter)
    by_pred: dict[str, Counter[str]] = defaultdict(Counter)
    for it in items:
        by_gold[it.gold][story_of[it.article.id]] += 1
        by_pred[story_of[it.article.id]][it.gold] += 1
    lines = [
        f"gold {g} split into {len(c)} stories: {sorted(c.values(), reverse=True)}"
        for g, c in sorted(by_gold.items(), key=lambda kv: -len(kv[1]))
        if len(c) > 1
    ][: max(0, n // 2)]
    lines += [
        f"story {p} mixes {dict(c.most_common())}"
        for p, c in sorted(by_pred.items(), key=lambda kv: -len(kv[1]))
        if len(c) > 1
    ][: n - len(lines)]
    return lines


def run_stories(
    name: str, items: list[Item], settings: Settings, n_errors: int, analysis_seconds: float
) -> dict[str, Any]:
    """Score veille and the baseline on one gold-labelled set; returns figures, timings and errors."""
    analyses = registry_analyses(items, settings)
    story_of, links, group_seconds = group(items, analyses, settings)
    gold = [it.gold for it in items]
    pred = [story_of[it.article.id] for it in items]
    sweep = []
    for threshold in STORY_THRESHOLDS:
        tried, _, _ = group(items, analyses, replace(settings, story_threshold=threshold))
        labels = [tried[it.article.id] for it in items]
        sweep.append({"threshold": threshold, **bcubed(labels, gold), "stories": len(set(labels))})
    after, regroup_seconds = regrouped(items, analyses, story_of, links, settings)
    again = [after[it.article.id] for it in items]
    base_start = time.perf_counter()
    base = baseline_sweep([it.article.text for it in items], gold)
    ceiling = window_split(gold, [it.article.published for it in items], settings.story_window_days)
    return {
        "articles": len(items),
        "gold_stories": len(set(gold)),
        "window_ceiling": {**bcubed(ceiling, gold), "stories": len(set(ceiling))},
        "dated": sum(it.article.published is not None for it in items),
        "veille": {**bcubed(pred, gold), "ari": ari(pred, gold), "stories": len(set(pred))},
        "regroup": {
            **bcubed(again, gold),
            "ari": ari(again, gold),
            "stories": len(set(again)),
            "kept_ids": sum(a == b for a, b in zip(pred, again, strict=True)) / len(pred),
            "threshold": settings.regroup_threshold,
        },
        "baseline": base["best"],
        "baseline_sweep": base["sweep"],
        "veille_threshold_sweep": [{k: round(v, 4) for k, v in t.items()} for t in sweep],
        "veille_best": max(sweep, key=lambda t: (t["f1"], -t["threshold"])),
        "story_threshold": settings.story_threshold,
        "window_days": settings.story_window_days,
        "links": [(lk.article_id, lk.other_id, lk.kind, lk.similarity) for lk in links],
        "seconds": {
            "analysis": round(analysis_seconds, 1),
            "group": round(group_seconds, 2),
            "regroup": round(regroup_seconds, 2),
            "baseline": round(time.perf_counter() - base_start, 2),
        },
        "errors": story_errors(items, story_of, n_errors),
    }


# ---------------------------------------------------------------- sets


def rpm2_items(eval_dir: Path, settings: Settings, limit: int | None) -> list[Item]:
    """Return the rpm2-dev articles of the fold being scored in file order, gold = TNN_CK."""
    paths = select(sorted((eval_dir / "rpm2-dev" / "documents").glob("*.txt")), lambda p: p.name, limit)
    return read_items(paths, lambda p: p.stem.rsplit("_", 1)[0], settings)


def newscluster_items(eval_dir: Path, settings: Settings, limit: int | None) -> list[Item]:
    """Return the news-cluster-dev records of the fold being scored in file order, gold = newsCluster.EventId."""
    paths = select(sorted((eval_dir / "news-cluster-dev" / "data").glob("*.json")), lambda p: p.name, limit)

    def gold_of(p: Path) -> str:
        return str(json.loads(p.read_text(encoding="utf-8"))["newsCluster"]["EventId"])

    return read_items(paths, gold_of, settings)


def duplicates_vs_wire(
    items: Sequence[Item], links: Sequence[Any], settings: Settings, n: int
) -> dict[str, Any]:
    """Score veille's duplicate links against pairs sharing wire text (exact 5-shingle Jaccard ≥ WIRE_JACCARD)."""
    texts = {it.article.id: it.article.text for it in items}
    exact = copy_pairs(texts, min(WIRE_JACCARD, settings.near_duplicate_threshold))
    gold = {p for p, j in exact.items() if j >= WIRE_JACCARD}
    ref = {p for p, j in exact.items() if j >= settings.near_duplicate_threshold}
    # a link to the first of a group of exact copies stands for every copy of the group (as dedup says)
    group: dict[str, list[str]] = defaultdict(list)
    for article_id, text in texts.items():
        group[text_fingerprint(text)].append(article_id)
    copies_of = {a: members for members in group.values() for a in members}
    pred = {frozenset(p) for members in group.values() for p in combinations(members, 2)}
    pred |= {frozenset((x, y)) for a, b, _, _ in links for x in copies_of[a] for y in copies_of[b] if x != y}
    kinds = Counter(k for _, _, k, _ in links)
    missed = sorted(gold - pred, key=lambda p: -exact[p])
    wide = set(copy_pairs(texts, WIRE_JACCARD, containment=WIDE_CONTAINMENT))
    return {
        "threshold": WIRE_JACCARD,
        "gold_pairs": len(gold),
        "veille": pair_prf(pred, gold),
        "veille_wide": pair_prf(pred, wide),
        "wide_pairs": len(wide),
        "reference": pair_prf(ref, gold),
        "kinds": dict(kinds),
        "missed": [f"{' '.join(sorted(p))} jaccard {exact[p]:.2f}" for p in missed[:n]],
        "spurious": [" ".join(sorted(p)) for p in sorted(pred - wide, key=sorted)[:n]],
    }


_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀ-Ý«])")


def paragraphs(text: str) -> list[str]:
    """Return the non-empty paragraphs of an article text (title first)."""
    return [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text) if p.strip()]


def first_sentence(paragraph: str) -> str:
    """Return the first sentence of a paragraph (the whole paragraph when no sentence end is found)."""
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


def make_copies(text: str, other_lead: str, other_titles: Sequence[str]) -> dict[str, str]:
    """Return the four near-copies of an article text (see the module docstring), keyed by kind."""
    paras = paragraphs(text)
    title, body = paras[0], paras[1:]
    words = text.split()
    lead_rest = body[0][len(first_sentence(body[0])) :].strip()
    block = "Lire aussi :\n" + "\n".join(f"- {t}" for t in other_titles)
    return {
        "truncated": " ".join(words[: int(len(words) * 0.6)]),
        "reordered": "\n\n".join([title, *reversed(body)]),
        "rewritten lead": "\n\n".join([title, f"{other_lead} {lead_rest}".strip(), *body[1:]]),
        "boilerplate": "\n\n".join([title, *body[:2], block, *body[2:], FOOTER]),
    }


def run_nearcopies(eval_dir: Path, settings: Settings, limit: int | None, n_errors: int) -> dict[str, Any]:
    """Recall of veille's DuplicateIndex on made near-copies of rpm2 articles, false positives across one topic."""
    start = time.perf_counter()
    docs = sorted((eval_dir / "rpm2-dev" / "documents").glob("*.txt"))
    texts = {p.stem: "\n".join(p.read_text(encoding="utf-8-sig").splitlines()) for p in docs}
    topic = {k: k.split("_")[0] for k in texts}
    thr = settings.near_duplicate_threshold
    originals = DuplicateIndex(thr)
    false_links = []
    for k, text in texts.items():
        false_links += [(k, lk.other_id, lk.similarity) for lk in originals.add(k, text)]
    sh = {k: shingles(t) for k, t in texts.items()}
    same_topic = [(a, b) for a, b in combinations(sorted(texts), 2) if topic[a] == topic[b]]
    real_copies = {frozenset((a, b)) for a, b in same_topic if jaccard(sh[a], sh[b]) >= WIRE_JACCARD}
    ref_fp = sum(jaccard(sh[a], sh[b]) >= thr for a, b in same_topic)
    rng = random.Random(8)
    eligible = [k for k in sorted(texts) if len(paragraphs(texts[k])) >= 4][:limit]
    found: dict[str, int] = Counter()
    ref_found: dict[str, int] = Counter()
    missed: dict[str, list[str]] = defaultdict(list)
    for k in eligible:
        others = [o for o in sorted(texts) if topic[o] != topic[k]]
        lead_from = rng.choice(others)
        titles = [paragraphs(texts[o])[0] for o in rng.sample(others, 3)]
        copies = make_copies(texts[k], first_sentence(paragraphs(texts[lead_from])[1]), titles)
        for kind, copy in copies.items():
            copy_id = f"{k}~{kind}"
            links = originals.add(copy_id, copy)
            sim = next((lk.similarity for lk in links if lk.other_id == k), None)
            exact = jaccard(shingles(copy), sh[k])
            ref_found[kind] += exact >= thr
            if sim is not None:
                found[kind] += 1
            elif len(missed[kind]) < n_errors:
                missed[kind].append(f"{k} exact jaccard {exact:.2f}")
    cross_topic = [fl for fl in false_links if topic[fl[0]] != topic[fl[1]]]
    in_topic = [fl for fl in false_links if topic[fl[0]] == topic[fl[1]]]
    return {
        "articles": len(eligible),
        "recall": {kind: found[kind] / len(eligible) if eligible else 0.0 for kind in COPY_KINDS},
        "reference_recall": {
            kind: ref_found[kind] / len(eligible) if eligible else 0.0 for kind in COPY_KINDS
        },
        "missed": dict(missed),
        "same_topic_pairs": len(same_topic),
        "same_topic_links": len(in_topic),
        "same_topic_links_real_copies": sum(frozenset(fl[:2]) in real_copies for fl in in_topic),
        "false_positive_rate": len([fl for fl in in_topic if frozenset(fl[:2]) not in real_copies])
        / max(1, len(same_topic)),
        "reference_false_positive_rate": max(0, ref_fp - len(real_copies)) / max(1, len(same_topic)),
        "cross_topic_links": len(cross_topic),
        "links": [f"{a} ~ {b} {s}" for a, b, s in false_links[:n_errors]],
        "seconds": round(time.perf_counter() - start, 1),
    }


def run_seeds(settings: Settings) -> dict[str, Any]:
    """Group the two seeds through veille's path: one story? any duplicate link between them?"""
    paths = sorted(SEEDS_DIR.glob("*.txt"))
    items = read_items(paths, lambda p: "seeds", settings)
    analyse(items, settings)
    story_of, links, _ = group(items, registry_analyses(items, settings), settings)
    return {
        "articles": len(items),
        "stories": len(set(story_of.values())),
        "duplicate_links": [(lk.article_id, lk.other_id, lk.kind, lk.similarity) for lk in links],
    }


# ---------------------------------------------------------------- scale


def _edit(text: str, k: int, rng: random.Random, every: int) -> str:
    """Return copy k of a text: one paragraph dropped (when four or more), a word of every ``every`` replaced."""
    paras = paragraphs(text)
    if k and len(paras) >= 4:
        del paras[rng.randrange(1, len(paras))]
    words = "\n\n".join(paras).split(" ")
    for i in range(rng.randrange(every), len(words), every):
        words[i] = rng.choice(words)  # a word of the same text: no artificial vocabulary
    return " ".join(words)


def _scale_child(articles: list[tuple[Article, Analysis | None]], settings: Settings, conn: Any) -> None:
    """Group articles in this (forked) process within SCALE_BUDGET seconds; send back what it measured.

    Sends seconds, articles done, peak RSS growth (MB), story count and the ms per article of each 1000.
    """
    rss0 = _rss_mb()
    grouper = StoryGrouper(settings)
    stories = set()
    start = last = time.perf_counter()
    per_thousand = []
    done = 0
    for article, analysis in articles:
        sid, _ = grouper.add(features_of(article, analysis), article.text)
        stories.add(sid)
        done += 1
        if done % 1000 == 0:
            now = time.perf_counter()
            per_thousand.append(round(now - last, 3))  # seconds for 1000 articles = ms per article
            last = now
            logger.info("scale: %d articles, %.2f ms per article over the last 1000", done, per_thousand[-1])
            if now - start > SCALE_BUDGET:
                break
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    conn.send(
        {
            "seconds": seconds,
            "done": done,
            "peak_mb": peak - rss0,
            "stories": len(stories),
            "ms_per_article_by_1000": per_thousand,
        }
    )
    conn.close()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_scale(eval_dir: Path, settings: Settings, limit: int | None, prog: Progressor) -> dict[str, Any]:
    """Time veille's grouping calls at 1k and 10k (and ``limit``) articles made from real texts."""
    base = rpm2_items(eval_dir, settings, None) + newscluster_items(eval_dir, settings, None)
    start = time.perf_counter()
    nlp = load_pipeline(settings.spacy_model)
    models = {"fr": settings.spacy_model, "en": settings.spacy_model_en or settings.spacy_model}
    seeds: list[tuple[Article, Analysis | None]] = []
    for it in prog.track(base, "scale: analyse"):
        try:
            seeds.append((it.article, analyze_article(it.article, nlp=nlp, models=models)))
        except Exception as exc:
            logger.warning("%s not analysed: %s", it.path, exc)
            seeds.append((it.article, None))
    analysis_seconds = time.perf_counter() - start
    sizes = sorted({*SCALE_SIZES, *([limit] if limit and limit not in SCALE_SIZES else [])})
    rng = random.Random(8)
    out: dict[str, Any] = {
        "distinct_texts": len(seeds),
        "analysis_seconds": round(analysis_seconds, 1),
        "sizes": [],
    }
    ctx = mp.get_context("fork")
    for variant, (step_days, every) in SCALE_VARIANTS.items():
        previous = None
        for n in sizes:
            articles = []
            for i in range(n):
                article, analysis = seeds[i % len(seeds)]
                k = i // len(seeds)
                day = (article.published or date(2017, 1, 1)) + timedelta(days=step_days * k)
                text = article.text if k == 0 else _edit(article.text, k, rng, every)
                copy = replace(article, id=f"{article.id}-{k}", text=text, published=day)
                articles.append((copy, replace(analysis, article_id=copy.id) if analysis else None))
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_scale_child, args=(articles, settings, child))
            proc.start()
            res = parent.recv()
            proc.join()
            per = res["seconds"] / res["done"] * 1000
            res.update(
                variant=variant,
                n=n,
                ms_per_article=round(per, 3),
                growth=round(per / previous, 2) if previous else None,
                seconds=round(res["seconds"], 1),
                peak_mb=round(res["peak_mb"], 1),
            )
            previous = per
            out["sizes"].append(res)
            logger.info("scale %s %d: %.2f ms per article", variant, n, per)
    return out


# ---------------------------------------------------------------- table


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Turn the results into table rows, with each issue-8 target checked."""
    rows: list[Row] = []
    for key, label in (("rpm2", "rpm2-dev"), ("newscluster", "news-cluster-dev")):
        r = results.get(key)
        if not r:
            continue
        v, b = r["veille"], r["baseline"]
        name = f"{label} ({r['articles']}, {r['gold_stories']} gold)"
        issue = f" (issue: {ISSUE_BASELINE_RPM2})" if key == "rpm2" else ""
        rows.append(
            Row(
                name,
                "B-cubed F1",
                v["f1"],
                b["f1"],
                f"≥ {TARGET_BCUBED}",
                v["f1"] >= TARGET_BCUBED,
                f"P {v['precision']:.3f} R {v['recall']:.3f}, {v['stories']} stories | base P {b['precision']:.3f}"
                f" R {b['recall']:.3f}, {b['stories']} stories at threshold {b['threshold']}{issue}",
            )
        )
        rows.append(Row(name, "  ARI", v["ari"], b["ari"]))
        g = r["regroup"]
        rows.append(
            Row(
                name,
                "  B-cubed F1 after `veille regroup`",
                g["f1"],
                b["f1"],
                f"≥ {TARGET_BCUBED}",
                g["f1"] >= TARGET_BCUBED,
                f"P {g['precision']:.3f} R {g['recall']:.3f}, {g['stories']} stories, ARI {g['ari']:.3f};"
                f" {g['kept_ids']:.0%} of articles keep their story id (regroup_threshold {g['threshold']})",
            )
        )
        wc = r["window_ceiling"]
        if wc["stories"] > r["gold_stories"]:
            rows.append(
                Row(
                    name,
                    "  B-cubed F1 ceiling of the time window",
                    wc["f1"],
                    None,
                    note=f"gold stories cut at date gaps > {r['window_days']} days: {wc['stories']} stories",
                )
            )
        vb = r["veille_best"]
        rows.append(
            Row(
                name,
                "  B-cubed F1, both at best threshold",
                vb["f1"],
                b["f1"],
                note=f"veille story_threshold {vb['threshold']} (default {r['story_threshold']}):"
                f" P {vb['precision']:.3f}"
                f" R {vb['recall']:.3f}, {vb['stories']} stories",
            )
        )
        s = r["seconds"]
        rows.append(
            Row(
                name,
                "  seconds: veille analysis | baseline",
                s["analysis"],
                s["baseline"],
                note=f"group {s['group']} s, regroup {s['regroup']} s; {r['dated']} articles dated",
                digits=1,
            )
        )
        d = r.get("duplicates")
        if d:
            rows.append(
                Row(
                    name,
                    f"duplicates P (wire pairs: Jaccard ≥ {d['threshold']})",
                    d["veille"]["precision"],
                    d["reference"]["precision"],
                    note=f"{d['veille']['tp']}/{d['veille']['pred']} pairs right; kinds {d['kinds']}"
                    f" | ref = exact Jaccard ≥ near threshold",
                )
            )
            w = d["veille_wide"]
            rows.append(
                Row(
                    name,
                    f"  duplicates P, containment ≥ {WIDE_CONTAINMENT} also gold",
                    w["precision"],
                    None,
                    note=f"{w['tp']}/{w['pred']} pairs right against {d['wide_pairs']} pairs (truncated and"
                    " extended copies count)",
                )
            )
            rows.append(
                Row(
                    name,
                    "  duplicates R",
                    d["veille"]["recall"],
                    d["reference"]["recall"],
                    note=f"{d['veille']['tp']}/{d['gold_pairs']} wire pairs found",
                )
            )
    nc = results.get("nearcopies")
    if nc:
        name = f"rpm2 near-copies ({nc['articles']} each)"
        for kind in COPY_KINDS:
            rows.append(Row(name, f"recall {kind}", nc["recall"][kind], nc["reference_recall"][kind]))
        rows.append(
            Row(
                name,
                "false-positive rate, same topic",
                nc["false_positive_rate"],
                nc["reference_false_positive_rate"],
                note=f"{nc['same_topic_links']} links over {nc['same_topic_pairs']} pairs"
                f" ({nc['same_topic_links_real_copies']} real copies, Jaccard ≥ {WIRE_JACCARD});"
                f" {nc['cross_topic_links']} across topics",
                digits=4,
            )
        )
    sd = results.get("seeds")
    if sd:
        rows.append(Row("seeds", "stories for the two seeds", sd["stories"], None, "1", sd["stories"] == 1))
        n_links = len(sd["duplicate_links"])
        rows.append(Row("seeds", "duplicate links between them", n_links, None, "0", n_links == 0))
    sc = results.get("scale")
    if sc:
        for s in sc["sizes"]:
            marginal = s["ms_per_article_by_1000"][-1] if s["ms_per_article_by_1000"] else "—"
            cut = f"; STOPPED at {s['done']:,} (budget {SCALE_BUDGET:.0f} s)" if s["done"] < s["n"] else ""
            growth = f"×{s['growth']}" if s["growth"] else "—"
            rows.append(
                Row(
                    f"scale {s['variant']} {s['n']:,}",
                    "ms per article (features_of + add)",
                    s["ms_per_article"],
                    None,
                    f"≤ {TARGET_MS:.0f} (100k in 10 min)",
                    s["ms_per_article"] <= TARGET_MS,
                    note=f"growth {growth}; last 1000: {marginal} ms each; {s['seconds']} s;"
                    f" peak +{s['peak_mb']} MB ({s['peak_mb'] / s['done'] * 1024:.0f} KB per article);"
                    f" {s['stories']} stories{cut}",
                    digits=2,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sets and print the table (or JSON); returns the exit code."""
    parsed = parse_args(
        argv,
        __doc__,
        ALL_SETS,
        unit="articles",
        errors_help="how many split/mixed stories, missed copies to keep (in --json)",
        folds=True,
    )
    if parsed is None:
        return 1
    args, sets = parsed
    if args.sets == ",".join(ALL_SETS):
        sets = list(DEFAULT_SETS)
    settings = Settings()
    start = time.perf_counter()

    def compute(first: bool) -> tuple[dict[str, Any], list[Row]]:
        results: dict[str, Any] = {}
        with Progressor() as prog:
            if "rpm2" in sets:
                items = rpm2_items(args.eval_dir, settings, args.limit)
                seconds = analyse(items, settings)
                results["rpm2"] = run_stories("rpm2", items, settings, args.errors, seconds)
            if "newscluster" in sets:
                items = newscluster_items(args.eval_dir, settings, args.limit)
                seconds = analyse(items, settings)
                res = run_stories("newscluster", items, settings, args.errors, seconds)
                res["duplicates"] = duplicates_vs_wire(items, res["links"], settings, args.errors)
                results["newscluster"] = res
            # Made copies, the seeds and the timing: not split by fold, run once.
            if "nearcopies" in sets and first:
                results["nearcopies"] = run_nearcopies(args.eval_dir, settings, args.limit, args.errors)
            if "seeds" in sets and first:
                results["seeds"] = run_seeds(settings)
            if "scale" in sets and first:
                results["scale"] = run_scale(args.eval_dir, settings, args.limit, prog)
        return results, build_rows(results)

    report_folds(
        run_folds(args.fold, compute),
        runtime=time.perf_counter() - start,
        versions={
            "grouper": GROUPER_VERSION,
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "story_threshold": settings.story_threshold,
            "story_window_days": settings.story_window_days,
            "near_duplicate_threshold": settings.near_duplicate_threshold,
            "regroup_threshold": settings.regroup_threshold,
        },
        as_json=args.json,
        title="veille story benchmark (issue 8)",
        reference="baseline",
        width=230,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
