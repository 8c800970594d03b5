"""The extraction benchmark of issue 4: veille's extract_article against the reference tools, same run.

Usage: .venv/bin/python benchmarks/extraction.py [--json] [--sets trafilatura,aeb,htmldate,scraped,seeds]
       [--limit N] [--eval-dir PATH] [--fold tune|heldout|all]
Each set is scored by fold (bench_common.fold_of of the page's URL key): tune and heldout side by side by
default, or the one --fold names ("all": the whole set). The seeds and the speed figures are not split.
Sets are read from ../shared/eval (or $VEILLE_EVAL_DIR, or --eval-dir); see its README.md for formats.
  trafilatura  trafilatura-dev: segment P/R/F1/accuracy (whitespace collapsed; `with` found = TP, missing =
               FN; `without` found = FP, missing = TN), all pages and French alone (lang_index.tsv), against
               trafilatura.extract(raw, url); title / author / date exact match against trafilatura's metadata.
  aeb          scrapinghub-aeb: 4-token shingles of \\w+ tokens, case kept (as the benchmark's evaluate.py),
               per-document normalised TP/FP/FN, P and R averaged over documents, F1 of the averages
               (veille's headline paragraph left out: the gold articleBody has no title);
               against trafilatura.extract(html) as the benchmark's own runner calls it (published: 0.958).
  htmldate     htmldate-dev: exact-day accuracy of Article.published, all and French, against
               htmldate.find_date(extensive_search=True, original_date=True); a missing gold date is right
               only when no date is given.
  scraped      scraped-text-dev: segment F1 on the flat text (text/plain) against trafilatura on the same
               lines wrapped as <p>, and against keeping everything; title / author match. The line model's
               training pages are left out and counted (excluded_training): a page whose URL (normalised:
               no scheme, "www.", fragment or trailing slash) is one of htmldate-dev's or scrapinghub-aeb's,
               whose text flattened the training's way is one of theirs (sha256), or whose line features are
               a page block of training/line-features.npz (sha256). The all-pages row gives the 95% interval
               of veille's F1, and of its difference with trafilatura's, over 1,000 resamplings of the pages.
  plaintext    470 real French news texts given as plain text, the whole text being the article: masakhanews-fr-dev
               dev.tsv (headline line, then the body as one line), fr-timebank-dev (TEXT's text) and rpm2-dev
               (title line, then paragraphs). Articles found (no ExtractionError), no_article count, and body
               kept: share of the body's \\w+ tokens (text after its first line) in the output, averaged over
               texts (0 for a text with no article).
  seeds        the two bundled seeds against tests/data/seeds-gold.json: must_keep kept, must_drop left,
               author, outlet, and no false publication date.
Speed: pages per second on one core (this script is single-process), timing the extraction calls only, on
the HTML sets (trafilatura-dev, scrapinghub-aeb), veille against trafilatura.extract.
An exception is an empty output for that page, counted as an error; the run goes on.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import json
import logging
import math
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import htmldate
import numpy as np
import trafilatura
from bench_common import (
    ROOT,
    SEEDS_DIR,
    SEEDS_GOLD,
    Progressor,
    Row,
    in_fold,
    parse_args,
    report_folds,
    run_folds,
    seed_article,
    select,
)
from unidecode import unidecode

from veille.extract import extract_article, lines
from veille.extract.clutter import split_lines
from veille.extract.train import flatten_html
from veille.model import Article, Document

logger = logging.getLogger(__name__)

ALL_SETS = ("trafilatura", "aeb", "htmldate", "scraped", "plaintext", "seeds")
WS_RE = re.compile(r"\s+")
TOKEN_RE = re.compile(r"\w+")

# Targets of issue 4 (margins over the reference measured in the same run, or absolute floors).
TARGET_F1_MARGIN = 0.01
TARGET_DATE_MARGIN = 0.01
TARGET_SCRAPED_F1 = 0.90
TARGET_SPEED_OVERHEAD = 0.25


# ---------------------------------------------------------------- scorers


def collapse(text: str | None) -> str:
    """Return text with every whitespace run collapsed to one space and the ends stripped ('' for None)."""
    return WS_RE.sub(" ", text or "").strip()


@dataclass
class SegmentCounts:
    """Segment outcomes: `with` found (tp) / missing (fn), `without` found (fp) / missing (tn)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, other: SegmentCounts) -> None:
        """Add another page's counts to these."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn

    def scores(self) -> dict[str, float]:
        """Return precision, recall, f1 and accuracy over all segments (0.0 where undefined)."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        acc = (self.tp + self.tn) / total if total else 0.0
        return {"precision": p, "recall": r, "f1": f1, "accuracy": acc}


def count_segments(output: str | None, keep: Iterable[str], drop: Iterable[str]) -> SegmentCounts:
    """Score one output against its segments, trafilatura's way: substring test after collapsing spaces."""
    text = collapse(output)
    counts = SegmentCounts()
    for seg in keep:
        if collapse(seg) in text:
            counts.tp += 1
        else:
            counts.fn += 1
    for seg in drop:
        if collapse(seg) in text:
            counts.fp += 1
        else:
            counts.tn += 1
    return counts


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    # As the benchmark's evaluate.py: a text shorter than n tokens gives one shorter shingle, empty gives none.
    tokens = TOKEN_RE.findall(text or "")
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def shingle_counts(true: str, pred: str | None) -> tuple[float, float, float]:
    """Return one document's (tp, fp, fn) over 4-token shingles, normalised to sum to 1 (zeros if empty)."""
    gold, got = _shingles(true), _shingles(pred or "")
    tp = sum((gold & got).values())
    fp = sum((got - gold).values())
    fn = sum((gold - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_scores(docs: list[tuple[float, float, float]]) -> dict[str, float]:
    """Return P and R averaged over documents (where defined, as evaluate.py) and the F1 of the averages."""

    def precision(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    ps = [precision(*d) for d in docs if d[0] + d[1] > 0]
    rs = [recall(*d) for d in docs if d[0] + d[2] > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def norm_field(value: Any) -> str:
    """Case- and whitespace-insensitive form of a title or author (lists joined with '; ')."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return collapse(str(value or "")).casefold()


def norm_name(value: str | None) -> str:
    """Accent-, case- and punctuation-free form of a name, for outlet hints such as 'actuniger'."""
    return re.sub(r"[^a-z0-9]", "", unidecode(value or "").casefold())


def day(value: Any) -> str | None:
    """Return the YYYY-MM-DD day of a date, a datetime or an ISO string; None when empty or unreadable."""
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


class Rate:
    """An exact-match rate: right / asked."""

    def __init__(self) -> None:
        self.right = 0
        self.asked = 0

    def add(self, ok: bool) -> None:
        """Count one more question, right or not."""
        self.asked += 1
        self.right += bool(ok)

    def value(self) -> float | None:
        """Return the rate, or None when nothing was asked."""
        return self.right / self.asked if self.asked else None

    def as_dict(self) -> dict[str, Any]:
        """Return {rate, right, asked} for --json."""
        return {"rate": self.value(), "right": self.right, "asked": self.asked}


# ---------------------------------------------------------------- runners


class Timer:
    """Accumulates the wall time of the calls it runs, and the pages and errors."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.pages = 0
        self.errors = 0
        self.error_codes: Counter[str] = Counter()

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Return func(*args, **kwargs), or None when it raises (logged and counted as an error)."""
        self.pages += 1
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # one page's failure is an empty output; the reason is logged
            self.errors += 1
            self.error_codes[getattr(exc, "code", type(exc).__name__)] += 1
            logger.info("extraction failed: %s: %s", type(exc).__name__, exc)
            return None
        finally:
            self.seconds += time.perf_counter() - start


def veille_html(raw: bytes, name: str, url: str | None) -> Article:
    """Run veille's extractor on one HTML page."""
    doc = Document.from_bytes(raw, media_type="text/html", source=name, container="file", url=url)
    return extract_article(doc)


def veille_text(text: str, name: str, url: str | None) -> Article:
    """Run veille's extractor on one scraped text (UTF-8 text/plain)."""
    doc = Document.from_bytes(
        text.encode("utf-8"),
        media_type="text/plain",
        source=name,
        container="file",
        url=url,
        hints={"encoding": "utf-8"},
    )
    return extract_article(doc)


def http_url(key: str) -> str | None:
    """Return the set's key when it is a real URL, else None (keys such as 'hard::file.html')."""
    return key if key.startswith("http") else None


def read_lang_index(path: Path) -> dict[str, str]:
    """Return {url key: lang} from a lang_index.tsv (header line skipped, CR stripped)."""
    langs = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.rstrip("\r").split("\t")
        if len(cols) >= 3:
            langs[cols[0]] = cols[2].strip()
    return langs


def _segment_block(counts: SegmentCounts, pages: int) -> dict[str, Any]:
    return {**counts.scores(), **asdict(counts), "pages": pages}


def run_trafilatura_dev(
    eval_dir: Path, limit: int | None, prog: Progressor, speed: dict[str, Timer], lang: str | None = None
) -> dict:
    """Return segment scores (all, fr) and title/author/date match for veille and trafilatura.

    Pages of the fold being scored (``bench_common.select``), in language ``lang`` only when given.
    """
    base = eval_dir / "trafilatura-dev"
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    langs = read_lang_index(base / "lang_index.tsv")
    keys = select([k for k in gold if lang is None or langs.get(k) == lang], str, limit)
    tools = ("veille", "trafilatura")
    seg = {(t, sub): SegmentCounts() for t in tools for sub in ("all", "fr")}
    fields = {(t, f): Rate() for t in tools for f in ("title", "author", "date")}
    pages = {"all": 0, "fr": 0}
    timers = {"veille": Timer(), "trafilatura": Timer(), "trafilatura_metadata": Timer()}
    for key in prog.track(keys, "trafilatura-dev"):
        item = gold[key]
        raw = gzip.decompress((base / "html" / f"{item['file']}.gz").read_bytes())
        url = http_url(key)
        art = timers["veille"].run(veille_html, raw, key, url)
        ref_text = timers["trafilatura"].run(trafilatura.extract, raw, url=url)
        ref_meta = timers["trafilatura_metadata"].run(
            trafilatura.bare_extraction, raw, url=url, with_metadata=True
        )
        outputs = {"veille": art.text if art else None, "trafilatura": ref_text}
        subsets = ["all", "fr"] if langs.get(key) == "fr" else ["all"]
        for sub in subsets:
            pages[sub] += 1
            for tool in tools:
                seg[tool, sub].add(count_segments(outputs[tool], item["with"], item["without"]))
        got = {
            "veille": {
                "title": art.title if art else None,
                "author": art.author if art else None,
                "date": day(art.published) if art else None,
            },
            "trafilatura": {
                "title": getattr(ref_meta, "title", None),
                "author": getattr(ref_meta, "author", None),
                "date": day(getattr(ref_meta, "date", None)),
            },
        }
        for name in ("title", "author"):
            if norm_field(item.get(name)):
                for tool in tools:
                    fields[tool, name].add(norm_field(got[tool][name]) == norm_field(item[name]))
        if day(item.get("date")):
            for tool in tools:
                fields[tool, "date"].add(got[tool]["date"] == day(item["date"]))
    speed["trafilatura-dev"] = timers["veille"]
    speed["trafilatura-dev/ref"] = timers["trafilatura"]
    speed["trafilatura-dev/ref+metadata"] = timers["trafilatura_metadata"]
    return {
        tool: {
            **{sub: _segment_block(seg[tool, sub], pages[sub]) for sub in ("all", "fr")},
            **{f: fields[tool, f].as_dict() for f in ("title", "author", "date")},
            "errors": timers[tool].errors,
            "error_codes": dict(timers[tool].error_codes),
        }
        for tool in tools
    }


def body_of(art: Article | None) -> str | None:
    """Return an article's text without its headline paragraph (scrapinghub's gold body has no title)."""
    if art is None:
        return None
    paragraphs = art.text.split("\n\n")
    if art.title and paragraphs and collapse(paragraphs[0]) == collapse(art.title):
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def run_aeb(eval_dir: Path, limit: int | None, prog: Progressor, speed: dict[str, Timer]) -> dict:
    """Return shingle P/R/F1 for veille and trafilatura on scrapinghub-aeb."""
    base = eval_dir / "scrapinghub-aeb"
    gold = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    # The stable key is the page's URL, as in the other sets (its id when it has none).
    keys = select(list(gold), lambda k: gold[k].get("url") or k, limit)
    docs: dict[str, list[tuple[float, float, float]]] = {"veille": [], "trafilatura": []}
    timers = {"veille": Timer(), "trafilatura": Timer()}
    for key in prog.track(keys, "scrapinghub-aeb"):
        raw = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())
        # The benchmark's own runner reads the page as UTF-8 text and calls extract() so.
        page = raw.decode("utf-8", errors="replace")
        # Neither tool gets the URL, as in the benchmark's runner.
        art = timers["veille"].run(veille_html, raw, key, None)
        ref = timers["trafilatura"].run(trafilatura.extract, page)
        true = gold[key].get("articleBody", "")
        docs["veille"].append(shingle_counts(true, body_of(art)))
        docs["trafilatura"].append(shingle_counts(true, ref))
    speed["scrapinghub-aeb"] = timers["veille"]
    speed["scrapinghub-aeb/ref"] = timers["trafilatura"]
    return {
        tool: {
            **shingle_scores(docs[tool]),
            "pages": len(keys),
            "errors": timers[tool].errors,
            "error_codes": dict(timers[tool].error_codes),
        }
        for tool in docs
    }


def run_htmldate(eval_dir: Path, limit: int | None, prog: Progressor, speed: dict[str, Timer]) -> dict:
    """Return exact-day accuracy (all, fr) of veille's published date and of htmldate.find_date."""
    base = eval_dir / "htmldate-dev"
    gold = json.loads((base / "gold.json").read_text(encoding="utf-8"))
    langs = read_lang_index(base / "lang_index.tsv")
    keys = select(list(gold), str, limit)
    rates = {(t, sub): Rate() for t in ("veille", "htmldate") for sub in ("all", "fr")}
    timers = {"veille": Timer(), "htmldate": Timer()}
    for key in prog.track(keys, "htmldate-dev"):
        item = gold[key]
        raw = gzip.decompress((base / "html" / f"{item['file']}.gz").read_bytes())
        url = http_url(key)
        want = item["date"] if isinstance(item["date"], str) else None  # NaN in the gold: no date
        art = timers["veille"].run(veille_html, raw, key, url)
        ref = timers["htmldate"].run(
            htmldate.find_date, raw, extensive_search=True, original_date=True, url=url
        )
        got = {"veille": day(art.published) if art else None, "htmldate": day(ref)}
        subsets = ["all", "fr"] if langs.get(key) == "fr" else ["all"]
        for sub in subsets:
            for tool, value in got.items():
                rates[tool, sub].add(value == (day(want) if want else None))
    speed["htmldate-dev"] = timers["veille"]
    speed["htmldate-dev/ref"] = timers["htmldate"]
    return {
        tool: {
            **{sub: rates[tool, sub].as_dict() for sub in ("all", "fr")},
            "errors": timers[tool].errors,
            "error_codes": dict(timers[tool].error_codes),
        }
        for tool in timers
    }


def wrap_lines(text: str) -> str:
    """Return the text as an HTML article with each non-empty line as a paragraph."""
    paras = "".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())
    return f"<html><body><article>{paras}</article></body></html>"


def norm_url(url: str) -> str:
    """Return a URL without scheme, "www.", host case, fragment and trailing slash (set keys kept as they are)."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return url.strip()
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def _content_hash(page_lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(collapse(line) for line in page_lines).encode("utf-8")).hexdigest()


def _features_hash(block: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(block, dtype=np.float32).tobytes()).hexdigest()


@dataclass
class TrainingPages:
    """What the shipped line model learnt from: its pages' URLs, their flattened text and feature rows, hashed."""

    urls: set[str]
    contents: set[str]
    features: set[str]

    def reason(self, url: str, text: str) -> str | None:
        """Return why a scraped page is one of the training pages ("url", "content", "features"), else None."""
        if norm_url(url) in self.urls:
            return "url"
        page_lines = split_lines(text)
        if _content_hash(page_lines) in self.contents:
            return "content"
        if self.features and page_lines and _features_hash(lines.line_features(page_lines)) in self.features:
            return "features"
        return None


def line_model_training(
    eval_dir: Path, features_file: Path = ROOT / "training" / "line-features.npz"
) -> TrainingPages:
    """Return the training pages of the line model, as ``veille.extract.train.training_pages`` reads them.

    URLs of htmldate-dev and scrapinghub-aeb, the hash of each page flattened the way training flattens it,
    and the hash of each page's block of the shipped training matrix (``training/``), when it is there.
    """
    urls: set[str] = set()
    contents: set[str] = set()
    hd = json.loads((eval_dir / "htmldate-dev" / "gold.json").read_text(encoding="utf-8"))
    aeb = json.loads((eval_dir / "scrapinghub-aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [(url, eval_dir / "htmldate-dev" / "html" / f"{item['file']}.gz") for url, item in hd.items()]
    pages += [
        (item.get("url") or "", eval_dir / "scrapinghub-aeb" / "html" / f"{key}.html.gz")
        for key, item in aeb.items()
    ]
    for url, path in pages:
        if url:
            urls.add(norm_url(url))
        raw = gzip.decompress(path.read_bytes())
        try:  # decoded as the training decodes it (veille.extract.train)
            page = raw.decode("utf-8")
        except UnicodeDecodeError:
            page = raw.decode("cp1252", errors="replace")
        page_lines = flatten_html(page)
        contents.add(_content_hash(page_lines))
    features: set[str] = set()
    if features_file.is_file():
        data = np.load(features_file, allow_pickle=False)
        x, groups = data["x"], data["groups"]
        bounds = np.flatnonzero(np.diff(groups)) + 1
        for block in np.split(x, bounds):
            features.add(_features_hash(block))
    return TrainingPages(urls, contents, features)


def read_scraped(eval_dir: Path) -> list[dict[str, Any]]:
    """Return the scraped-text-dev items (every one, in file order)."""
    # split on newlines only: the texts hold U+2028 and other characters splitlines() breaks on
    rows = (eval_dir / "scraped-text-dev" / "gold.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(row) for row in rows if row.strip()]


def run_scraped(
    eval_dir: Path,
    limit: int | None,
    prog: Progressor,
    speed: dict[str, Timer],
    training: TrainingPages | None = None,
) -> dict:
    """Return segment scores (all, fr) on scraped text for veille, trafilatura on wrapped lines, keep-all.

    Pages of the fold being scored, less the line model's training pages (``training``; read here when
    None): they are counted by reason under "excluded_training", not scored.
    """
    training = training or line_model_training(eval_dir)
    candidates = [item for item in read_scraped(eval_dir) if in_fold(item["url"])]
    excluded: Counter[str] = Counter()
    items = []
    for item in candidates:
        reason = training.reason(item["url"], item["text"])
        if reason:
            excluded[reason] += 1
        else:
            items.append(item)
    items = items[:limit] if limit else items
    tools = ("veille", "trafilatura", "keep_all")
    seg = {(t, sub): SegmentCounts() for t in tools for sub in ("all", "fr")}
    fields = {(t, f): Rate() for t in ("veille", "trafilatura") for f in ("title", "author")}
    pages = {"all": 0, "fr": 0}
    per_page: dict[str, list[SegmentCounts]] = {tool: [] for tool in tools}
    timers = {"veille": Timer(), "trafilatura": Timer()}
    for item in prog.track(items, "scraped-text-dev"):
        url = http_url(item.get("url", ""))
        art = timers["veille"].run(veille_text, item["text"], item["id"], url)
        wrapped = wrap_lines(item["text"])
        ref = timers["trafilatura"].run(trafilatura.bare_extraction, wrapped, url=url, with_metadata=True)
        outputs = {
            "veille": art.text if art else None,
            "trafilatura": getattr(ref, "text", None),
            "keep_all": item["text"],
        }
        subsets = ["all", "fr"] if item.get("lang") == "fr" else ["all"]
        page_counts = {tool: count_segments(outputs[tool], item["with"], item["without"]) for tool in tools}
        for tool in tools:
            per_page[tool].append(page_counts[tool])
        for sub in subsets:
            pages[sub] += 1
            for tool in tools:
                seg[tool, sub].add(page_counts[tool])
        for name in ("title", "author"):
            if norm_field(item.get(name)):
                fields["veille", name].add(norm_field(getattr(art, name, None)) == norm_field(item[name]))
                fields["trafilatura", name].add(
                    norm_field(getattr(ref, name, None)) == norm_field(item[name])
                )
    speed["scraped-text-dev"] = timers["veille"]
    speed["scraped-text-dev/ref"] = timers["trafilatura"]
    result: dict[str, Any] = {"excluded_training": {**excluded, "total": sum(excluded.values())}}
    for tool in tools:
        result[tool] = {sub: _segment_block(seg[tool, sub], pages[sub]) for sub in ("all", "fr")}
        result[tool]["all"]["f1_ci95"] = bootstrap_f1(per_page[tool])
        if tool in timers:
            result[tool].update({f: fields[tool, f].as_dict() for f in ("title", "author")})
            result[tool]["errors"] = timers[tool].errors
            result[tool]["error_codes"] = dict(timers[tool].error_codes)
    result["veille"]["all"]["minus_trafilatura_ci95"] = bootstrap_f1(
        per_page["veille"], per_page["trafilatura"]
    )
    return result


def bootstrap_f1(
    pages: list[SegmentCounts], minus: list[SegmentCounts] | None = None, draws: int = 1000
) -> list[float] | None:
    """Return the 95% interval of segment F1 over resamplings of the pages (seeded), None for no page.

    With ``minus`` (another tool's counts on the same pages), the interval of the difference of the two
    F1s on the same resamplings. The pages of one fold are few (84 / 104 on scraped-text-dev) and their
    segments uneven: this says how far apart two figures must be before they differ.
    """
    if not pages:
        return None
    picks = np.random.default_rng(0).integers(0, len(pages), size=(draws, len(pages)))

    def f1s(counts: list[SegmentCounts]) -> np.ndarray:
        table = np.array([[c.tp, c.fp, c.fn] for c in counts], dtype=float)
        tp, fp, fn = table[picks].sum(axis=1).T
        denom = 2 * tp + fp + fn
        return np.divide(2 * tp, denom, out=np.zeros(draws), where=denom > 0)

    values = f1s(pages) - (f1s(minus) if minus is not None else 0.0)
    return [round(float(q), 4) for q in np.quantile(values, [0.025, 0.975])]


def plain_texts(eval_dir: Path) -> list[tuple[str, str]]:
    """Return (key, text) of the real French news texts given as plain text (masakhanews, TimeBank, rpm2)."""
    texts: list[tuple[str, str]] = []
    with (eval_dir / "masakhanews-fr-dev" / "data" / "fra" / "dev.tsv").open(
        encoding="utf-8", newline=""
    ) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            texts.append((row["url"], f"{row['headline']}\n{row['text']}"))
    for path in sorted((eval_dir / "fr-timebank-dev" / "Data").glob("*.tml")):
        text_el = ET.parse(path).getroot().find("TEXT")
        texts.append((path.name, "".join(text_el.itertext()) if text_el is not None else ""))
    for path in sorted((eval_dir / "rpm2-dev" / "documents").glob("*.txt")):
        texts.append((path.name, path.read_text(encoding="utf-8-sig")))
    return texts


def run_plaintext(eval_dir: Path, limit: int | None, prog: Progressor) -> dict:
    """Return how many real plain-text articles come out as articles, the error codes and the body kept."""
    texts = select(plain_texts(eval_dir), lambda kt: kt[0], limit)
    timer = Timer()
    kept: list[float] = []
    for key, text in prog.track(texts, "plain texts"):
        art = timer.run(veille_text, text, key, http_url(key))
        body = Counter(TOKEN_RE.findall(text.strip().split("\n", 1)[-1]))
        got = Counter(TOKEN_RE.findall(art.text)) if art else Counter()
        kept.append(sum((body & got).values()) / sum(body.values()) if body else 0.0)
    return {
        "texts": len(texts),
        "articles": len(texts) - timer.errors,
        "errors": timer.errors,
        "error_codes": dict(timer.error_codes),
        "body_kept": sum(kept) / len(kept) if kept else None,
    }


def run_seeds(prog: Progressor) -> dict:
    """Return, per seed, must_keep kept, must_drop left, author/outlet match and the publication date check."""
    gold = json.loads(SEEDS_GOLD.read_text(encoding="utf-8"))["documents"]
    paths = [p for p in sorted(SEEDS_DIR.glob("*.txt")) if p.stem in gold]
    result: dict[str, Any] = {}
    for path in prog.track(paths, "seeds"):
        g = gold[path.stem]
        try:
            art: Article | None = seed_article(path)
        except Exception as exc:  # a failing seed is reported, not fatal
            logger.warning("seed %s failed: %s", path.stem, exc)
            art = None
        text = norm_field(art.text if art else "")
        kept = [k for k in g["must_keep"] if norm_field(k) in text]
        left = [d for d in g["must_drop"] if norm_field(d) in text]
        # The gold gives no publication date; its event date is the only date it gives, so a published
        # date is "not false" when absent or equal to it.
        gold_day = day(g.get("published") or g.get("date") or g.get("event_date"))
        published = day(art.published) if art else None
        outlet_hint = g.get("outlet") or g.get("outlet_hint")
        result[path.stem] = {
            "error": art is None,
            "must_keep": len(g["must_keep"]),
            "must_keep_kept": len(kept),
            "must_keep_missing": [k for k in g["must_keep"] if k not in kept],
            "must_drop": len(g["must_drop"]),
            "must_drop_remaining": left,
            "author": art.author if art else None,
            "author_gold": g.get("author"),
            "author_ok": (norm_field(art.author if art else None) == norm_field(g["author"]))
            if g.get("author")
            else None,
            "outlet": art.outlet if art else None,
            "outlet_gold": outlet_hint,
            "outlet_ok": (norm_name(outlet_hint) in norm_name(art.outlet if art else None))
            if outlet_hint
            else None,
            "published": published,
            "published_source": art.published_source if art else None,
            "published_gold": gold_day,
            "published_ok": published is None or published == gold_day,
        }
    return result


# ---------------------------------------------------------------- report


def _f(block: dict, key: str) -> float | None:
    value = block.get(key)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _codes(block: dict) -> str:
    return ", ".join(f"{code} {n}" for code, n in sorted(block.get("error_codes", {}).items()))


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Turn the results into table rows, with each issue-4 target checked."""
    rows: list[Row] = []
    tr = results.get("trafilatura-dev")
    if tr:
        v, r = tr["veille"], tr["trafilatura"]
        for sub in ("all", "fr"):
            if not v[sub]["pages"]:
                continue
            vf, rf = v[sub]["f1"], r[sub]["f1"]
            rows.append(
                Row(
                    f"trafilatura-dev {sub}",
                    "segment F1",
                    vf,
                    rf,
                    f">= ref + {TARGET_F1_MARGIN}",
                    vf >= rf + TARGET_F1_MARGIN,
                    f"{v[sub]['pages']} pages; P {v[sub]['precision']:.3f}/{r[sub]['precision']:.3f} "
                    f"R {v[sub]['recall']:.3f}/{r[sub]['recall']:.3f} acc {v[sub]['accuracy']:.3f}/{r[sub]['accuracy']:.3f}",
                )
            )
        for name in ("title", "author", "date"):
            if not v[name]["asked"]:
                continue
            rows.append(
                Row(
                    "trafilatura-dev all",
                    f"{name} match",
                    v[name]["rate"],
                    r[name]["rate"],
                    note=f"{v[name]['asked']} pages with a gold {name}",
                )
            )
        rows.append(Row("trafilatura-dev all", "errors", v["errors"], r["errors"], note=_codes(v)))
    aeb = results.get("scrapinghub-aeb")
    if aeb:
        v, r = aeb["veille"], aeb["trafilatura"]
        rows.append(
            Row(
                "scrapinghub-aeb",
                "shingle F1",
                v["f1"],
                r["f1"],
                note=f"{v['pages']} pages; P {v['precision']:.3f}/{r['precision']:.3f} "
                f"R {v['recall']:.3f}/{r['recall']:.3f}; published trafilatura 0.958",
            )
        )
        rows.append(Row("scrapinghub-aeb", "errors", v["errors"], r["errors"], note=_codes(v)))
    hd = results.get("htmldate-dev")
    if hd:
        v, r = hd["veille"], hd["htmldate"]
        for sub in ("all", "fr"):
            if not v[sub]["asked"]:
                continue
            vf, rf = v[sub]["rate"], r[sub]["rate"]
            rows.append(
                Row(
                    f"htmldate-dev {sub}",
                    "date accuracy",
                    vf,
                    rf,
                    f">= ref + {TARGET_DATE_MARGIN}",
                    vf >= rf + TARGET_DATE_MARGIN,
                    f"{v[sub]['asked']} pages; veille errors on the whole set {v['errors']} {_codes(v)}".strip(),
                )
            )
    sc = results.get("scraped-text-dev")
    if sc:
        v, r, k = sc["veille"], sc["trafilatura"], sc["keep_all"]
        for sub in ("all", "fr"):
            if not v[sub]["pages"]:
                continue
            vf = v[sub]["f1"]
            rows.append(
                Row(
                    f"scraped-text-dev {sub}",
                    "segment F1",
                    vf,
                    r[sub]["f1"],
                    f">= {TARGET_SCRAPED_F1}",
                    vf >= TARGET_SCRAPED_F1,
                    f"{v[sub]['pages']} pages ({sc['excluded_training']['total']} training pages left out); "
                    + (
                        f"95% interval over pages {v[sub]['f1_ci95'][0]:.3f}-{v[sub]['f1_ci95'][1]:.3f}, "
                        f"of the delta {v[sub]['minus_trafilatura_ci95'][0]:+.3f} to "
                        f"{v[sub]['minus_trafilatura_ci95'][1]:+.3f}; "
                        if v[sub].get("f1_ci95")
                        else ""
                    )
                    + f"keep-all F1 {k[sub]['f1']:.3f}; "
                    f"P {v[sub]['precision']:.3f}/{r[sub]['precision']:.3f} R {v[sub]['recall']:.3f}/{r[sub]['recall']:.3f}",
                )
            )
        for name in ("title", "author"):
            if not v[name]["asked"]:
                continue
            rows.append(
                Row(
                    "scraped-text-dev all",
                    f"{name} match",
                    v[name]["rate"],
                    r[name]["rate"],
                    note=f"{v[name]['asked']} texts with a gold {name}",
                )
            )
        rows.append(Row("scraped-text-dev all", "errors", v["errors"], r["errors"], note=_codes(v)))
    pt = results.get("plaintext")
    if pt:
        rows.append(
            Row(
                "plaintext (fr news)",
                "articles found",
                pt["articles"],
                None,
                f"= {pt['texts']}",
                pt["articles"] == pt["texts"],
                f"of {pt['texts']} texts; {_codes(pt)}",
            )
        )
        rows.append(
            Row("plaintext (fr news)", "body kept", pt["body_kept"], None, note="share of body tokens")
        )
    seeds = results.get("seeds")
    if seeds:
        kept = sum(s["must_keep_kept"] for s in seeds.values())
        keep = sum(s["must_keep"] for s in seeds.values())
        left = sum(len(s["must_drop_remaining"]) for s in seeds.values())
        drop = sum(s["must_drop"] for s in seeds.values())
        rows.append(Row("seeds", "must_keep kept", kept, None, f"= {keep}", kept == keep, f"{kept}/{keep}"))
        rows.append(Row("seeds", "must_drop left", left, None, "= 0", left == 0, f"{left}/{drop} left"))
        for name in ("author", "outlet"):
            checks = [s[f"{name}_ok"] for s in seeds.values() if s[f"{name}_ok"] is not None]
            rows.append(
                Row(
                    "seeds",
                    f"{name} match",
                    sum(checks),
                    None,
                    f"= {len(checks)}",
                    all(checks),
                    ", ".join(f"{s[name]!r}" for s in seeds.values()),
                )
            )
        ok = [s["published_ok"] for s in seeds.values()]
        rows.append(
            Row(
                "seeds",
                "no false date",
                sum(ok),
                None,
                f"= {len(ok)}",
                all(ok),
                ", ".join(f"{s['published']} ({s['published_source']})" for s in seeds.values()),
            )
        )
    sp = results.get("speed")
    if sp:
        rows.append(
            Row(
                "speed (HTML sets)",
                "pages/s, 1 core",
                sp["veille_pages_per_second"],
                sp["reference_pages_per_second"],
                f"overhead <= {TARGET_SPEED_OVERHEAD:.0%}",
                sp["overhead"] <= TARGET_SPEED_OVERHEAD,
                f"overhead {sp['overhead']:+.0%} over {sp['pages']} pages; ref = trafilatura.extract"
                + (
                    f"; {sp['overhead_vs_metadata_extraction']:+.0%} vs bare_extraction(with_metadata) on trafilatura-dev"
                    if sp.get("overhead_vs_metadata_extraction") is not None
                    else ""
                ),
                digits=1,
            )
        )
    return rows


def speed_figures(timers: dict[str, Timer]) -> dict[str, Any] | None:
    """Return pages/s for veille and trafilatura.extract over the HTML sets, and veille's overhead."""
    sets = [s for s in ("trafilatura-dev", "scrapinghub-aeb") if s in timers]
    if not sets:
        return None
    pages = sum(timers[s].pages for s in sets)
    veille_s = sum(timers[s].seconds for s in sets)
    ref_s = sum(timers[f"{s}/ref"].seconds for s in sets)
    return {
        "sets": sets,
        "pages": pages,
        "veille_seconds": veille_s,
        "reference_seconds": ref_s,
        "veille_pages_per_second": pages / veille_s if veille_s else None,
        "reference_pages_per_second": pages / ref_s if ref_s else None,
        "overhead": veille_s / ref_s - 1 if ref_s else math.inf,
        # veille also reads title, author, date: trafilatura's own metadata pass is the like-for-like cost.
        "overhead_vs_metadata_extraction": (
            timers["trafilatura-dev"].seconds / timers["trafilatura-dev/ref+metadata"].seconds - 1
            if "trafilatura-dev/ref+metadata" in timers and timers["trafilatura-dev/ref+metadata"].seconds
            else None
        ),
        "per_set": {
            name: {
                "pages": t.pages,
                "seconds": t.seconds,
                "errors": t.errors,
                "error_codes": dict(t.error_codes),
            }
            for name, t in timers.items()
        },
    }


WARM_UP_PAGE = (
    b"<html><head><title>Essai</title></head><body><article><h1>Essai</h1>"
    + b"<p>Une phrase assez longue pour faire un paragraphe d'article, publi\xc3\xa9 le 6 f\xc3\xa9vrier 2023.</p>"
    * 5
    + b"</article></body></html>"
)


def warm_up() -> None:
    """Call each tool once, untimed, so that lazy imports and caches are not charged to the first page."""
    timer = Timer()
    timer.run(veille_html, WARM_UP_PAGE, "warm-up", None)
    timer.run(trafilatura.extract, WARM_UP_PAGE)
    timer.run(trafilatura.bare_extraction, WARM_UP_PAGE, with_metadata=True)
    timer.run(htmldate.find_date, WARM_UP_PAGE, extensive_search=True, original_date=True)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sets and print the table (or --json); 2 when the eval folder is missing."""
    parsed = parse_args(argv, __doc__, ALL_SETS, unit="pages", folds=True)
    if parsed is None:
        return 2
    args, sets = parsed
    start = time.perf_counter()
    warm_up()
    training = line_model_training(args.eval_dir) if "scraped" in sets else None

    def compute(first: bool) -> tuple[dict[str, Any], list[Row]]:
        results: dict[str, Any] = {}
        timers: dict[str, Timer] = {}
        with Progressor() as prog:
            if "trafilatura" in sets:
                results["trafilatura-dev"] = run_trafilatura_dev(args.eval_dir, args.limit, prog, timers)
            if "aeb" in sets:
                results["scrapinghub-aeb"] = run_aeb(args.eval_dir, args.limit, prog, timers)
            if "htmldate" in sets:
                results["htmldate-dev"] = run_htmldate(args.eval_dir, args.limit, prog, timers)
            if "scraped" in sets:
                results["scraped-text-dev"] = run_scraped(args.eval_dir, args.limit, prog, timers, training)
            if "plaintext" in sets:
                results["plaintext"] = run_plaintext(args.eval_dir, args.limit, prog)
            if "seeds" in sets and first:  # two documents, not split by fold
                results["seeds"] = run_seeds(prog)
        speed = speed_figures(timers)
        if speed:
            results["speed"] = speed
        return results, build_rows(results)

    report_folds(
        run_folds(args.fold, compute),
        runtime=time.perf_counter() - start,
        versions={"trafilatura": trafilatura.__version__, "htmldate": htmldate.__version__},
        as_json=args.json,
        title="veille extraction benchmark (issue 4)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
