"""The store benchmark of issue 17: SQLite and PostgreSQL side by side, on the CLI a user runs.

Usage: .venv/bin/python benchmarks/store.py [--json] [--backends sqlite,postgresql] [--corpora sample,news]
       [--reps 20] [--limit N] [--eval-dir PATH] [--workdir DIR]
       [--scale 1000,10000,100000] [--scale-only] [--scale-budget SECONDS]
Everything runs in this process: each ``veille`` command through click's CliRunner on ``veille.cli.main``
with ``--db URL`` (what a user types, parsing and JSON rendering included), the scale part's loading through
the Store protocol (``veille.store.open_store``). Progress goes to stderr, one line per phase with the time
it took; the table (or ``--json``: every figure, every timing, the corpus recipe) to stdout.

Backends. ``sqlite``: a file in a temporary folder (``--workdir`` keeps them). ``postgresql``: one throwaway
server from ``tools/pgtemp.py`` (``TempPostgres``; a fresh database per corpus), skipped with the reason
``pgtemp.available()`` gives when it cannot run here; a backend whose ``veille ingest`` or ``veille run``
fails (PostgreSQL before its backend works: "not available yet", or a method the port lacks) is reported
"not measured" with the last line of veille's error, and the other backends go on. Before any timing, a warm-up ingests and runs the two seeds into a scratch SQLite store (spaCy models and every lazy
table loaded once), so no backend pays the loading.

Corpora.
  sample  the bundled sample as ``veille demo`` ingests it (``veille.cli.sample_sources()``: the 202 files of
          ``veille/data/sample/``, the two seeds and 200 RPM2 articles; licence files left out).
  news    every distinct French news article of ``../shared/eval`` (or $VEILLE_EVAL_DIR / --eval-dir), built
          at run time into a temporary folder (never into the project) and ingested as one folder. Sets,
          in this order (the first copy of an article wins):
            rpm2-dev           documents/*.txt, all French (the set's documentation): the files as they are.
            news-cluster-dev   data/*.json whose ``language`` is "fr", or is missing and py3langid says fr on
                               title + text: the record files as they are (none today: 188 en, 36 unlabelled
                               and English, 1 de).
            masakhanews-fr-dev data/fra/dev.tsv and few_shot_data/50_samples/fra/train.tsv (the ``fra`` folders
                               only; ``eng`` is English): one JSON Lines file per split, records
                               {title: headline, text, url (dev only), language: "fr"}.
            fr-news-gold-dev   fr-news-gold-dev.jsonl: records {title: headline, text, url, language: "fr"}.
            htmldate-dev       pages whose lang_index.tsv language is "fr": html/FILE.gz uncompressed to FILE.
            trafilatura-dev    pages whose lang_index.tsv language is "fr" (evaldata.json gives the file).
            scraped-text-dev   gold.jsonl records with lang "fr": their ``text`` (a page's text nodes, one per
                               line) as a .txt file, read by veille's scraped-text line model.
            fr-timebank-dev    Data/*.tml (Est Républicain 1999, all French): records {text: the TEXT element's
                               text, date_publish: the DCT, outlet: "Est Républicain", language: "fr"}.
          Duplicates across sets are dropped twice over: by URL (scheme, "www." and a trailing slash left out,
          case folded in the host) and by content hash (SHA-256 of the case-folded, whitespace-collapsed text
          for text and record sets; of the raw bytes for HTML pages, whose copies in other sets carry their
          URL). ``--limit N`` keeps at most N articles per set (a quick look). The recipe (read, French, kept,
          dropped by URL, dropped by hash, per set) is printed on stderr and kept in --json.
          Not used: hipe2022-fr-dev (historical newspapers through OCR), fenec-fr (mixed genres), and every
          English or German set. The issue asks for about 2,000 articles; these sets hold about 750 distinct
          French ones, which is what this corpus is.

Figures, per corpus and backend:
  ingest, s            wall time of ``veille --db URL ingest --json FILES`` (or the summary's ``seconds``).
  run, s               wall time of ``veille --db URL run --json`` over everything ingested.
  <stage>, s           time of each stage of that run: the ``seconds`` of each stage in the run summary when
                       veille reports them (StageCount.seconds); until then the benchmark's own clock around
                       ``pipeline._run_<stage>`` (the note says which). Data-driven: a new stage (``link``)
                       appears as soon as the summary carries it.
  <command>, ms        median wall time (p95 in the note) of one in-process CLI call, opening the store
                       included, over --reps calls per target after one warm-up call per target:
                       ``stories --json``; ``show STORY_ID --json`` and ``compare STORY_ID --json`` on the
                       TOP_STORIES largest stories; ``show ARTICLE_ID --json`` on the first article of each;
                       ``search QUERY --json`` on SEARCH_QUERIES and the name of the most cited person of the
                       registry. Targets are chosen on the first backend and asked of every backend.
  same --json output   for each call above (and the run summary without its timings), the warm-up call's
                       stdout parsed and dumped with sorted keys on each backend, compared with the first
                       backend's: how many are byte-equal; the note gives the first difference (JSON path and
                       both values) and how many leaves differ.
  Targets (issue 17): every PostgreSQL time within 1.5× of SQLite's on one worker; identical outputs.

Scale (``--scale 1000,10000,100000``; off by default; ``--scale-only`` runs only this, with those sizes
unless --scale says otherwise). Analysing 100k articles is out of reach here (≈ 7 articles/s), so big stores
reuse real analyses, as benchmarks/stories.py's ``scale`` set does:
  bases        the news corpus ingested and run once into SQLite (the store of the news corpus above when it
               ran on SQLite; else a scratch one, timed as its own phase); its articles and analyses (read back
               with get_analysis) are the bases. NEW_ARTICLES per size are held out (every k-th article by id).
  load         copies are written through the Store protocol, in transactions of LOAD_BATCH: add_document,
               put_article, put_analysis (published given). Copy k of a base is dated its date (2017-01-01 when
               undated) + 45·k days, beyond the grouping window and its long extension, so copies never
               join each other's stories; copy 0 keeps the text, later copies have one word in 4 replaced by a
               word of the same length from the same text (offsets of the analysis stay inside the text,
               5-shingles shared with the other copies are broken: no duplicate links); the document's raw bytes
               are the copy's text plus a line naming the copy, so every copy has its own content id; the
               analysis is the base's with the new article id. Sizes are nested: the store of 10k is the store
               of 1k loaded further. Figure: ms per article over the last 1,000 loaded (and over all). Where
               put_analysis links names across the registry (veille before issue 17) this is the in-store
               linking cost; where linking is a stage of its own it is the plain write cost, and the link
               stage shows in the runs below. Loading a size stops after --scale-budget seconds (default
               SCALE_BUDGET) and says how far it got.
  settle run   ``veille run --json`` once the copies are loaded: everything they left pending (the group stage
               today, the link stage once it exists), per stage. The compare stage is left out of this run
               (``pipeline._run_compare`` made a no-op while it lasts): comparing the tens of thousands of stories
               the copies make would take hours and is not what this part measures; ``veille compare`` makes a
               missing comparison on demand.
  incremental  NEW_ARTICLES held-out real articles (their original documents written as files) ingested, then
               ``veille run --json`` with every stage: its wall time, and per stage the ms per new article (the
               stage's seconds over the new articles, whatever its items: compare's are stories). ``link`` and
               ``group`` are the figures issue 17 asks to stay flat; the note gives the growth since the smallest
               size. Before issue 17 the group stage rebuilt its index from every stored analysis at every run,
               so it grew with the store.
Stage seconds in the scale part come from the same source as above (the summary, else the benchmark's clock).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_common import DEFAULT_EVAL_DIR, ROOT
from click.testing import CliRunner
from rich.console import Console
from rich.table import Table

from veille import pipeline
from veille.cli import main as veille_main
from veille.cli import sample_sources
from veille.errors import VeilleError
from veille.model import Analysis, Article, Document, article_id
from veille.settings import Settings
from veille.store import open_store

sys.path.insert(0, str(ROOT / "tools"))  # tools/ is not a package
try:
    import pgtemp
except ImportError:  # tools/pgtemp.py absent: PostgreSQL is skipped, saying so
    pgtemp = None

logger = logging.getLogger(__name__)

ALL_BACKENDS = ("sqlite", "postgresql")
ALL_CORPORA = ("sample", "news")
DEFAULT_REPS = 20
DEFAULT_SCALE = (1_000, 10_000, 100_000)
TARGET_RATIO = 1.5  # PostgreSQL within 1.5× of SQLite on one worker
TOP_STORIES = 3
SEARCH_QUERIES = ("serguei lavrov", "élection présidentielle", "changement climatique")
NEW_ARTICLES = 50
LOAD_BATCH = 200
SCALE_BUDGET = 3600.0  # seconds of loading per size
COPY_STEP_DAYS = 45
COPY_EVERY = 4  # one word in this many replaced in copies after the first
UNDATED_BASE = date(2017, 1, 1)
MEDIA_SUFFIX = {"text/html": ".html", "text/plain": ".txt", "application/json": ".json"}

_START = time.perf_counter()


def say(message: str) -> None:
    """Print one progress line on stderr with the time since the start."""
    print(f"[store {time.perf_counter() - _START:7.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Phases:
    """The elapsed time of every phase, in order."""

    done: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"{name} …")
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.done.append({"phase": name, "seconds": round(seconds, 2)})
            say(f"{name}: {seconds:.1f} s")


# ---------------------------------------------------------------- the news corpus


@dataclass
class Piece:
    """One article of the news corpus: the file (or JSON Lines record) that carries it, its URL and hash."""

    set: str
    name: str  # file name under the set's folder, or the JSON Lines file for records
    url: str | None
    digest: str
    raw: bytes | None = None
    record: dict[str, Any] | None = None


def norm_url(url: str | None) -> str | None:
    """Return a URL without scheme, "www.", fragment and trailing slash (host case folded); None stays None."""
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def text_digest(text: str) -> str:
    """Return the SHA-256 of a text case folded, whitespace collapsed."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode("utf-8")).hexdigest()


def bytes_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _record(set_name: str, name: str, record: dict[str, Any]) -> Piece:
    record = {k: v for k, v in record.items() if v not in (None, "")}
    return Piece(set_name, name, record.get("url"), text_digest(record.get("text", "")), record=record)


def _lang_index(path: Path) -> dict[str, str]:
    """Return {url key: lang} from a lang_index.tsv (header skipped, CR stripped)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.rstrip("\r").split("\t")
        if len(cols) >= 3:
            out[cols[0]] = cols[2].strip()
    return out


def _jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the records of a JSON Lines file (lines split on \\n only: texts hold U+2028)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def _tsv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def set_rpm2(base: Path) -> tuple[int, list[Piece]]:
    paths = sorted((base / "rpm2-dev" / "documents").glob("*.txt"))
    pieces = []
    for p in paths:
        raw = p.read_bytes()
        pieces.append(Piece("rpm2-dev", p.name, None, text_digest(raw.decode("utf-8-sig")), raw=raw))
    return len(paths), pieces


def set_news_cluster(base: Path) -> tuple[int, list[Piece]]:
    import py3langid

    paths = sorted((base / "news-cluster-dev" / "data").glob("*.json"))
    pieces = []
    for p in paths:
        raw = p.read_bytes()
        data = json.loads(raw)
        lang = data.get("language")
        if not lang or lang == "None":
            lang = py3langid.classify(f"{data.get('title') or ''}\n{data.get('text') or ''}")[0]
        if lang == "fr":
            pieces.append(
                Piece(
                    "news-cluster-dev", p.name, data.get("url"), text_digest(data.get("text") or ""), raw=raw
                )
            )
    return len(paths), pieces


def set_masakhanews(base: Path) -> list[tuple[str, int, list[Piece]]]:
    out = []
    root = base / "masakhanews-fr-dev"
    for label, path in (
        ("masakhanews-fr-dev (dev)", root / "data" / "fra" / "dev.tsv"),
        ("masakhanews-fr-dev (few-shot)", root / "few_shot_data" / "50_samples" / "fra" / "train.tsv"),
    ):
        rows = _tsv(path) if path.is_file() else []
        name = "masakhanews-fra-" + ("dev" if "(dev)" in label else "fewshot") + ".jsonl"
        pieces = [
            _record(
                label,
                name,
                {"title": r.get("headline"), "text": r.get("text"), "url": r.get("url"), "language": "fr"},
            )
            for r in rows
        ]
        out.append((label, len(rows), pieces))
    return out


def set_fr_news_gold(base: Path) -> tuple[int, list[Piece]]:
    path = base / "fr-news-gold-dev.jsonl"
    rows = _jsonl(path)
    pieces = [
        _record(
            "fr-news-gold-dev",
            "fr-news-gold-dev.jsonl",
            {"title": r.get("headline"), "text": r.get("text"), "url": r.get("url"), "language": "fr"},
        )
        for r in rows
    ]
    return len(rows), pieces


def _html_pages(set_name: str, folder: Path, files: dict[str, str]) -> tuple[int, list[Piece]]:
    """French pages of an HTML set: files maps each page's URL key to its file (without .gz)."""
    langs = _lang_index(folder / "lang_index.tsv")
    pieces = []
    for key, file in files.items():
        path = folder / "html" / f"{file}.gz"
        if langs.get(key) != "fr" or not path.is_file():
            continue
        raw = gzip.decompress(path.read_bytes())
        url = key if key.startswith("http") else None
        pieces.append(Piece(set_name, file, url, bytes_digest(raw), raw=raw))
    return len(files), pieces


def set_htmldate(base: Path) -> tuple[int, list[Piece]]:
    folder = base / "htmldate-dev"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    return _html_pages("htmldate-dev", folder, {k: v["file"] for k, v in gold.items()})


def set_trafilatura(base: Path) -> tuple[int, list[Piece]]:
    folder = base / "trafilatura-dev"
    gold = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    return _html_pages("trafilatura-dev", folder, {k: v["file"] for k, v in gold.items()})


def set_scraped(base: Path) -> tuple[int, list[Piece]]:
    path = base / "scraped-text-dev" / "gold.jsonl"
    rows = _jsonl(path)
    pieces = [
        Piece(
            "scraped-text-dev",
            f"{re.sub(r'[^A-Za-z0-9._-]', '_', str(r['id']))}.txt",
            r.get("url"),
            text_digest(r["text"]),
            raw=r["text"].encode("utf-8"),
        )
        for r in rows
        if r.get("lang") == "fr"
    ]
    return len(rows), pieces


def set_timebank(base: Path) -> tuple[int, list[Piece]]:
    paths = sorted((base / "fr-timebank-dev" / "Data").glob("*.tml"))
    pieces = []
    for p in paths:
        root = ET.parse(p).getroot()
        dct = root.find("DCT/TIMEX3")
        text_el = root.find("TEXT")
        text = "".join(text_el.itertext()).strip() if text_el is not None else ""
        pieces.append(
            _record(
                "fr-timebank-dev",
                "fr-timebank-dev.jsonl",
                {
                    "text": text,
                    "date_publish": dct.get("value") if dct is not None else None,
                    "outlet": "Est Républicain",
                    "language": "fr",
                },
            )
        )
    return len(paths), pieces


def build_news_corpus(eval_dir: Path, folder: Path, limit: int | None) -> dict[str, Any]:
    """Write the news corpus under folder (see the module docstring); return the recipe, counts per set."""
    readers: list[tuple[str, Callable[[Path], Any]]] = [
        ("rpm2-dev", set_rpm2),
        ("news-cluster-dev", set_news_cluster),
        ("masakhanews-fr-dev", set_masakhanews),  # two splits, each named by the reader
        ("fr-news-gold-dev", set_fr_news_gold),
        ("htmldate-dev", set_htmldate),
        ("trafilatura-dev", set_trafilatura),
        ("scraped-text-dev", set_scraped),
        ("fr-timebank-dev", set_timebank),
    ]
    sets: list[tuple[str, int, list[Piece]]] = []
    for name, reader in readers:
        got = reader(eval_dir)
        sets.extend(got if isinstance(got, list) else [(name, *got)])
    seen_urls: set[str] = set()
    seen_digests: set[str] = set()
    recipe = []
    jsonl: dict[str, list[dict[str, Any]]] = defaultdict(list)
    total = 0
    for name, read, pieces in sets:
        kept = by_url = by_hash = 0
        for piece in pieces:
            if limit is not None and kept >= limit:
                break
            url = norm_url(piece.url)
            if url is not None and url in seen_urls:
                by_url += 1
                continue
            if piece.digest in seen_digests:
                by_hash += 1
                continue
            if url is not None:
                seen_urls.add(url)
            seen_digests.add(piece.digest)
            kept += 1
            if piece.record is not None:
                jsonl[piece.name].append(piece.record)
            else:
                target = folder / piece.set.split(" ")[0] / piece.name
                target.parent.mkdir(parents=True, exist_ok=True)
                assert piece.raw is not None
                target.write_bytes(piece.raw)
        total += kept
        recipe.append(
            {
                "set": name,
                "read": read,
                "french": len(pieces),
                "kept": kept,
                "dup_url": by_url,
                "dup_hash": by_hash,
            }
        )
    for name, records in jsonl.items():
        lines = (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records)
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"sets": recipe, "articles": total, "folder": str(folder)}


# ---------------------------------------------------------------- the CLI, in process


@dataclass
class Call:
    """One CLI call: its wall time, exit code, stdout and stderr."""

    seconds: float
    code: int
    stdout: str
    stderr: str

    def data(self) -> Any:
        """Return the parsed JSON of stdout; VeilleError (code "bench") when it is not JSON."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError:
            lines = (self.stderr or self.stdout).strip().splitlines()
            reason = lines[-1].removeprefix("Error: ") if lines else f"exit code {self.code}"
            raise VeilleError(reason, code="bench") from None


class Cli:
    """``veille --db URL ARGS`` through click's CliRunner, in this process."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, url: str, *args: str) -> Call:
        start = time.perf_counter()
        result = self.runner.invoke(veille_main, ["--db", url, *args], catch_exceptions=True)
        seconds = time.perf_counter() - start
        stderr = result.stderr if result.stderr_bytes is not None else ""
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += f"\n{type(result.exception).__name__}: {result.exception}"
        return Call(seconds, result.exit_code, result.stdout, stderr)


@contextmanager
def stage_clock() -> Iterator[dict[str, float]]:
    """Time each ``pipeline._run_<stage>`` while inside (the fallback when the summary has no seconds)."""
    times: dict[str, float] = {}
    originals: dict[str, Any] = {}
    for stage in pipeline.STAGES:
        name = f"_run_{stage}"
        fn = getattr(pipeline, name, None)
        if not callable(fn):
            continue
        originals[name] = fn

        def timed(*args: Any, _fn: Any = fn, _stage: str = stage, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                times[_stage] = times.get(_stage, 0.0) + time.perf_counter() - start

        setattr(pipeline, name, timed)
    try:
        yield times
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)


@contextmanager
def skip_stage(stage: str) -> Iterator[None]:
    """Make ``pipeline._run_<stage>`` do nothing while inside (the settle run leaves compare out)."""
    name = f"_run_{stage}"
    original = getattr(pipeline, name, None)
    if original is None:
        yield
        return
    setattr(pipeline, name, lambda *args, **kwargs: None)
    try:
        yield
    finally:
        setattr(pipeline, name, original)


def stage_figures(summary: dict[str, Any], clock: dict[str, float]) -> dict[str, Any]:
    """Return {stages: {stage: {processed, ok, failed, seconds}}, source} from a run summary.

    ``seconds`` come from the summary when any stage carries them ("summary"), else from the benchmark's
    clock ("bench clock").
    """
    counts = {k: v for k, v in summary.items() if isinstance(v, dict) and "processed" in v}
    reported = any(isinstance(v.get("seconds"), int | float) for v in counts.values())
    stages = {}
    for name, c in counts.items():
        seconds = c.get("seconds") if reported else clock.get(name)
        stages[name] = {
            "processed": c.get("processed", 0),
            "ok": c.get("ok", 0),
            "failed": c.get("failed", 0),
            "seconds": None if seconds is None else round(float(seconds), 3),
        }
    return {"stages": stages, "source": "summary" if reported else ("bench clock" if clock else None)}


def without_timings(data: Any) -> Any:
    """Return JSON data with every ``seconds`` key dropped (for comparing run summaries)."""
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k != "seconds"}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


def canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def differences(a: Any, b: Any, path: str = "$", out: list[str] | None = None, cap: int = 1000) -> list[str]:
    """Return the JSON paths where a and b differ (leaves; at most cap), each with both values, in order."""
    out = [] if out is None else out
    if len(out) >= cap:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(
                    f"{path}.{key}: {'missing' if key not in a else _short(a[key])} ≠ "
                    f"{'missing' if key not in b else _short(b[key])}"
                )
            else:
                differences(a[key], b[key], f"{path}.{key}", out, cap)
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            differences(x, y, f"{path}[{i}]", out, cap)
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items ≠ {len(b)} items")
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: {_short(a)} ≠ {_short(b)}")
    return out


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- one corpus on one backend


@dataclass
class Target:
    """One call the latency and equality parts make: its kind ("show story"...), label and arguments."""

    kind: str
    label: str
    args: tuple[str, ...]


def plan_targets(cli: Cli, url: str) -> list[Target]:
    """Choose the calls on a loaded store: stories, the largest stories, their first articles, searches."""
    stories = cli(url, "stories", "--json").data()
    top = sorted(stories, key=lambda s: -len(s.get("articles", [])))[:TOP_STORIES]
    targets = [Target("stories", "stories --json", ("stories", "--json"))]
    targets += [Target("show story", f"show {s['id']}", ("show", s["id"], "--json")) for s in top]
    targets += [
        Target("show article", f"show {s['articles'][0]}", ("show", s["articles"][0], "--json"))
        for s in top
        if s.get("articles")
    ]
    queries = list(SEARCH_QUERIES)
    try:
        people = cli(url, "entities", "--type", "PER", "--limit", "1", "--json").data()
        if people and people[0].get("name") and people[0]["name"] not in queries:
            queries.append(people[0]["name"])
    except VeilleError as exc:
        logger.warning("no most cited person: %s", exc)
    targets += [Target("search", f'search "{q}"', ("search", q, "--json")) for q in queries]
    targets += [Target("compare", f"compare {s['id']}", ("compare", s["id"], "--json")) for s in top]
    return targets


def load_corpus(cli: Cli, url: str, sources: Sequence[str]) -> dict[str, Any]:
    """Ingest sources and run every stage on a fresh store; return timings, counts and the run summary."""
    ingest = cli(url, "ingest", "--json", *sources)
    ingested = ingest.data()  # raises when the backend cannot open the store
    with stage_clock() as clock:
        run = cli(url, "run", "--json")
    summary = run.data()
    return {
        "ingest_seconds": round(float(ingested.get("seconds") or ingest.seconds), 3),
        "ingest_wall_seconds": round(ingest.seconds, 3),
        "ingest": without_timings(ingested),
        "run_seconds": round(run.seconds, 3),
        "run_exit_code": run.code,
        **stage_figures(summary, clock),
        "summary": summary,
    }


def measure_calls(cli: Cli, url: str, targets: Sequence[Target], reps: int) -> dict[str, Any]:
    """Warm up and time each target reps times; return the outputs (canonical JSON) and latency per kind."""
    outputs: dict[str, str] = {}
    errors: dict[str, str] = {}
    timings: dict[str, list[float]] = defaultdict(list)
    per_target: dict[str, dict[str, float]] = {}
    for t in targets:
        first = cli(url, *t.args)
        try:
            data = first.data()
            if t.kind == "search":  # ranks differ by design (bm25 | ts_rank): compare the articles found
                outputs[t.label + " (articles found)"] = canonical(sorted(h["article_id"] for h in data))
            outputs[t.label] = canonical(data)
        except VeilleError as exc:
            errors[t.label] = str(exc)
            continue
        times = [cli(url, *t.args).seconds * 1000 for _ in range(reps)]
        timings[t.kind] += times
        per_target[t.label] = {
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2),
        }
    latency = {kind: {**spread(ms), "calls": len(ms)} for kind, ms in timings.items()}
    return {"latency": latency, "per_target": per_target, "outputs": outputs, "errors": errors}


def spread(ms: Sequence[float]) -> dict[str, float]:
    """Return the median and the 95th percentile (inclusive method) of timings in ms."""
    p95 = statistics.quantiles(ms, n=100, method="inclusive")[94] if len(ms) > 1 else ms[0]
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


def compare_outputs(reference: dict[str, str], other: dict[str, str]) -> dict[str, Any]:
    """Compare one backend's outputs with the reference backend's, call by call."""
    same, differ = [], []
    first: str | None = None
    leaves = 0
    for label, ref in reference.items():
        got = other.get(label)
        if got == ref:
            same.append(label)
            continue
        differ.append(label)
        if got is None:
            found = ["no output (the call failed)"]
        else:
            found = differences(json.loads(ref), json.loads(got))
        leaves += len(found)
        if first is None:
            first = f"{label}: {found[0] if found else 'differs'}"
    return {
        "compared": len(reference),
        "identical": len(same),
        "differ": differ,
        "first": first,
        "leaves": leaves,
    }


# ---------------------------------------------------------------- backends


class Backends:
    """Hands out a fresh database URL per backend and name; knows why a backend is skipped."""

    def __init__(self, names: Sequence[str], workdir: Path, stack: ExitStack) -> None:
        self.names = list(names)
        self.workdir = workdir
        self.skipped: dict[str, str] = {}
        self.pg: Any = None
        if "postgresql" in self.names:
            why = pgtemp.available() if pgtemp is not None else "tools/pgtemp.py is missing"
            if why:
                self.skipped["postgresql"] = f"no PostgreSQL here: {why}"
            else:
                try:
                    self.pg = stack.enter_context(pgtemp.TempPostgres())
                except pgtemp.PostgresError as exc:
                    self.skipped["postgresql"] = f"the temporary server did not start: {exc}"
        for name in self.skipped:
            say(f"{name} skipped: {self.skipped[name]}")

    def active(self) -> list[str]:
        return [n for n in self.names if n not in self.skipped]

    def url(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            path = self.workdir / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return str(path)
        return str(self.pg.create_database(re.sub(r"\W", "_", name).lower()))


# ---------------------------------------------------------------- scale


@dataclass
class Base:
    article: Article
    analysis: Analysis


_WORD = re.compile(r"\w+")


def copy_text(text: str, k: int, rng: random.Random) -> str:
    """Return copy k of a text: the text itself for k = 0, else one word in COPY_EVERY replaced by another
    word of the same length from the text (offsets unchanged)."""
    if k == 0:
        return text
    spans = [m.span() for m in _WORD.finditer(text)]
    by_length: dict[int, list[str]] = defaultdict(list)
    for s, e in spans:
        by_length[e - s].append(text[s:e])
    chars = list(text)
    for i in range(rng.randrange(COPY_EVERY), len(spans), COPY_EVERY):
        s, e = spans[i]
        chars[s:e] = rng.choice(by_length[e - s])
    return "".join(chars)


def copy_of(base: Base, k: int, rng: random.Random) -> tuple[Document, Article, Analysis, str]:
    """Return copy k of a base: its document, article, analysis and ISO publication date."""
    text = copy_text(base.article.text, k, rng)
    raw = f"{text}\n\n[veille store benchmark: copy {k} of {base.article.id}]".encode()
    doc = Document.from_bytes(
        raw, media_type="text/plain", source=f"store-bench/{base.article.id}/{k}", container="file"
    )
    day = (base.article.published or UNDATED_BASE) + timedelta(days=COPY_STEP_DAYS * k)
    new_id = article_id(doc.id)
    article = replace(
        base.article,
        id=new_id,
        content_id=doc.id,
        text=text,
        published=day,
        url=f"{base.article.url}#copy-{k}" if base.article.url else None,
    )
    return doc, article, replace(base.analysis, article_id=new_id), day.isoformat()


def read_bases(url: str, settings: Settings) -> list[tuple[Base, Document | None]]:
    """Return every analysed article of a store with its analysis and its original document, by article id."""
    store = open_store(url, settings=settings)
    try:
        out = []
        for art in sorted(store.iter_articles(), key=lambda a: a.id):
            analysis = store.get_analysis(art.id)
            if analysis is not None:
                out.append((Base(art, analysis), store.get_document(art.content_id)))
        return out
    finally:
        store.close()


def write_new_batch(docs: Sequence[Document], folder: Path) -> list[str]:
    """Write held-out original documents as files (extension from their media type); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in docs:
        path = folder / f"{doc.id[:16]}{MEDIA_SUFFIX.get(doc.media_type, '.txt')}"
        path.write_bytes(doc.raw)
        paths.append(str(path))
    return paths


def load_copies(
    url: str, bases: Sequence[Base], start: int, stop: int, budget: float, settings: Settings
) -> dict[str, Any]:
    """Write copies number start..stop-1 into the store at url; return ms per article by thousand."""
    rng = random.Random(17 + start)
    store = open_store(url, settings=settings)
    began = last = time.perf_counter()
    by_thousand: list[float] = []
    done = last_done = start
    try:
        while done < stop:
            with store.transaction():
                for i in range(done, min(done + LOAD_BATCH, stop)):
                    base = bases[i % len(bases)]
                    doc, article, analysis, day = copy_of(base, i // len(bases), rng)
                    store.add_document(doc)
                    store.put_article(article)
                    store.put_analysis(analysis, published=day)
            done = min(done + LOAD_BATCH, stop)
            if done % 1000 == 0 or done == stop:
                now = time.perf_counter()
                by_thousand.append(round((now - last) * 1000 / (done - last_done), 2))
                last, last_done = now, done
                if done % 10_000 == 0:
                    say(f"    loaded {done:,} ({by_thousand[-1]} ms per article over the last 1,000)")
                if now - began > budget and done < stop:
                    say(f"    loading stopped at {done:,}: budget of {budget:.0f} s spent")
                    break
        counts = store.counts()
    finally:
        store.close()
    seconds = time.perf_counter() - began
    return {
        "loaded": done - start,
        "reached": done,
        "stopped": done < stop,
        "seconds": round(seconds, 2),
        "ms_per_article": round(seconds * 1000 / max(1, done - start), 2),
        "ms_per_article_last_1000": by_thousand[-1] if by_thousand else None,
        "ms_per_article_by_1000": by_thousand,
        "counts": counts,
    }


def run_scale(
    cli: Cli,
    backends: Backends,
    sizes: Sequence[int],
    base_url: str,
    workdir: Path,
    budget: float,
    settings: Settings,
    phases: Phases,
) -> dict[str, Any]:
    """The scale part (see the module docstring), for every active backend."""
    pairs = read_bases(base_url, settings)
    per_size = min(
        NEW_ARTICLES, len(pairs) // (2 * len(sizes))
    )  # a small corpus (--limit) keeps half as bases
    held = per_size * len(sizes)
    step = max(1, len(pairs) // max(1, held)) if held else 0
    held_idx = set(range(0, step * held, step)) if held else set()
    new_docs = [pairs[i][1] for i in sorted(held_idx) if pairs[i][1] is not None]
    bases = [b for i, (b, _) in enumerate(pairs) if i not in held_idx]
    say(f"scale: {len(bases)} analysed bases, {len(new_docs)} real articles held out for the new batches")
    out: dict[str, Any] = {"bases": len(bases), "held_out": len(new_docs), "sizes": list(sizes), "runs": {}}
    for backend in backends.active():
        url = backends.url(backend, "scale")
        rows = []
        loaded = 0
        for n, size in enumerate(sizes):
            batch = new_docs[n * per_size : (n + 1) * per_size]
            row: dict[str, Any] = {"size": size}
            try:
                with phases.phase(f"scale {backend} {size:,}: load copies {loaded:,}..{size:,}"):
                    row["load"] = load_copies(url, bases, loaded, size, budget, settings)
                loaded = row["load"]["reached"]
                with phases.phase(f"scale {backend} {size:,}: settle run"), skip_stage("compare"):
                    with stage_clock() as clock:
                        settle = cli(url, "run", "--json")
                    row["settle"] = {
                        "seconds": round(settle.seconds, 2),
                        **stage_figures(settle.data(), clock),
                    }
                if not batch:
                    raise VeilleError("no held-out article left for this size: the corpus is too small")
                paths = write_new_batch(batch, workdir / f"new-{backend}-{size}")
                with phases.phase(f"scale {backend} {size:,}: {len(paths)} new articles, ingest + run"):
                    ingest = cli(url, "ingest", "--json", *paths)
                    ingest.data()
                    with stage_clock() as clock:
                        run = cli(url, "run", "--json")
                    figures = stage_figures(run.data(), clock)
                row["incremental"] = {
                    "new": len(paths),
                    "ingest_seconds": round(ingest.seconds, 2),
                    "seconds": round(run.seconds, 2),
                    **figures,
                    "ms_per_new_article": {
                        s: round(v["seconds"] * 1000 / len(paths), 2)
                        for s, v in figures["stages"].items()
                        if v["seconds"] is not None and v["processed"] and paths
                    },
                }
                row["stored_articles"] = row["load"]["counts"].get("articles", loaded) + len(paths)
            except VeilleError as exc:
                row["error"] = str(exc)
                say(f"scale {backend} {size:,}: {exc}")
                rows.append(row)
                break
            rows.append(row)
            if row["load"]["stopped"]:
                break
        out["runs"][backend] = rows
    return out


# ---------------------------------------------------------------- table


@dataclass
class Line:
    """One row of the table: a figure per backend, its target and whether PostgreSQL meets it."""

    corpus: str
    figure: str
    values: dict[str, float | str | None]
    digits: int = 1
    target: str = ""
    met: bool | None = None
    note: str = ""
    ratio: bool = False  # show PostgreSQL over SQLite


def _fmt(value: float | str | None, digits: int) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _ratio(line: Line) -> float | None:
    a, b = line.values.get("sqlite"), line.values.get("postgresql")
    if isinstance(a, int | float) and isinstance(b, int | float) and a > 0:
        return b / a
    return None


def timed_line(
    corpus: str, figure: str, values: dict[str, float | None], note: str = "", digits: int = 1
) -> Line:
    """A time figure: PostgreSQL over SQLite shown, target 1.5× checked when both exist."""
    line = Line(corpus, figure, dict(values), digits, f"pg ≤ {TARGET_RATIO}× sqlite", None, note, ratio=True)
    r = _ratio(line)
    line.met = None if r is None else r <= TARGET_RATIO
    return line


def _failed(stages: dict[str, Any]) -> str:
    """Return "stage n, ..." for the stages of a run that had failures ("" when none)."""
    return ", ".join(f"{s} {v['failed']}" for s, v in stages.items() if v.get("failed"))


def corpus_lines(name: str, res: dict[str, Any], backends: Sequence[str]) -> list[Line]:
    """The rows of one corpus: load, stage times, latencies, equality."""
    per = res["backends"]
    ok = [b for b in backends if "error" not in per.get(b, {"error": 1})]
    lines: list[Line] = []
    label = f"{name} ({res['inputs']})"
    if not ok:
        return [
            Line(label, "nothing measured", {}, note="; ".join(f"{b}: {per[b].get('error')}" for b in per))
        ]
    lines.append(
        Line(
            label,
            "documents ingested | articles extracted",
            {
                b: f"{per[b]['ingest'].get('ok', 0):,} | {per[b]['stages'].get('extract', {}).get('ok', 0):,}"
                for b in ok
            },
            note="; ".join(
                [f"{b} failed: {_failed(per[b]['stages'])}" for b in ok if _failed(per[b]["stages"])]
                + [f"{b} not measured: {per[b]['error']}" for b in backends if b in per and b not in ok]
            ),
        )
    )
    lines.append(timed_line(label, "ingest, s", {b: per[b]["ingest_seconds"] for b in ok}))
    lines.append(
        timed_line(
            label,
            "run (every stage), s",
            {b: per[b]["run_seconds"] for b in ok},
            note="wall time of `veille run --json`",
        )
    )
    stages = list(dict.fromkeys(s for b in ok for s in per[b]["stages"]))
    for stage in stages:
        vals = {b: per[b]["stages"].get(stage, {}).get("seconds") for b in ok}
        if all(v is None for v in vals.values()) or not any(
            per[b]["stages"].get(stage, {}).get("processed") for b in ok
        ):
            continue
        counts = {per[b]["stages"].get(stage, {}).get("processed") for b in ok}
        sources = {per[b]["source"] for b in ok}
        lines.append(
            timed_line(
                label,
                f"  {stage}, s",
                vals,
                note=f"{'/'.join(str(c) for c in counts)} items; from the {'/'.join(sorted(map(str, sources)))}",
            )
        )
    kinds = list(dict.fromkeys(k for b in ok for k in per[b]["calls"]["latency"]))
    for kind in kinds:
        lat = {b: per[b]["calls"]["latency"].get(kind) for b in ok}
        med = {b: (v["median_ms"] if v else None) for b, v in lat.items()}
        p95 = " | ".join(f"{v['p95_ms']:.1f}" if v else "—" for v in lat.values())
        calls = next((v["calls"] for v in lat.values() if v), 0)
        lines.append(timed_line(label, f"{kind} --json, median ms", med, note=f"p95 {p95} ms; {calls} calls"))
    ref = ok[0]
    for b in ok[1:]:
        eq = per[b]["equal"]
        note = "identical" if not eq["differ"] else f"first: {eq['first']} ({eq['leaves']} leaves differ)"
        lines.append(
            Line(
                label,
                f"same --json output ({b} vs {ref})",
                {ref: eq["compared"], b: eq["identical"]},
                0,
                "identical",
                eq["identical"] == eq["compared"],
                note,
            )
        )
    if len(ok) == 1:
        n = len(per[ref]["calls"]["outputs"])
        lines.append(
            Line(
                label,
                "same --json output",
                {ref: f"{n} outputs"},
                0,
                "identical",
                None,
                "one backend: nothing to compare",
            )
        )
    errs = {b: per[b]["calls"]["errors"] for b in ok if per[b]["calls"]["errors"]}
    if errs:
        lines.append(
            Line(label, "calls that failed", {b: len(e) for b, e in errs.items()}, 0, note=str(errs)[:200])
        )
    w = res.get("workers")
    if w and "error" in w:
        lines.append(
            Line(label, "several workers on PostgreSQL", {"postgresql": "failed"}, note=w["error"][-200:])
        )
    elif w:
        lines.append(
            Line(
                label,
                f"`veille run` processes: 1 | {w['workers']} at once, s",
                {"postgresql": f"{w['one_process_seconds']:.1f} | {w['run_seconds']:.1f}"},
                0,
                note=f"wall time, each process loading its models; the {w['workers']} understood"
                f" {'+'.join(map(str, w['understood']))}, extracted {'+'.join(map(str, w['extracted']))}",
            )
        )
        lines.append(
            Line(
                label,
                f"{w['workers']} workers: every table as one worker's",
                {
                    "postgresql": f"{w['tables'] - len(w['tables_differing'])}/{w['tables']} tables, {w['rows']} rows"
                },
                0,
                "same tables",
                not w["tables_differing"],
                "differ: " + ", ".join(w["tables_differing"]) if w["tables_differing"] else "",
            )
        )
    return lines


def scale_lines(res: dict[str, Any], backends: Sequence[str]) -> list[Line]:
    """The rows of the scale part, one group per size."""
    runs = res["runs"]
    lines: list[Line] = []
    first: dict[str, dict[str, float]] = {}
    for i, size in enumerate(res["sizes"]):
        rows = {b: runs[b][i] for b in backends if b in runs and i < len(runs[b])}
        if not rows:
            continue
        label = f"scale {size:,}"
        errors = {b: r["error"] for b, r in rows.items() if "error" in r}
        good = {b: r for b, r in rows.items() if "incremental" in r}
        if errors:
            lines.append(Line(label, "error", {b: "error" for b in errors}, note=str(errors)[:200]))
        if not good:
            continue
        stopped = [b for b, r in good.items() if r["load"]["stopped"]]
        lines.append(
            Line(
                label,
                "stored articles",
                {b: r["stored_articles"] for b, r in good.items()},
                0,
                note=f"loading STOPPED by the budget on {', '.join(stopped)}" if stopped else "",
            )
        )
        lines.append(
            timed_line(
                label,
                "load, ms per copy (last 1,000)",
                {b: r["load"]["ms_per_article_last_1000"] for b, r in good.items()},
                note="add_document + put_article + put_analysis; mean "
                + " | ".join(f"{r['load']['ms_per_article']:.1f}" for r in good.values())
                + " ms over "
                + " | ".join(f"{r['load']['loaded']:,}" for r in good.values()),
                digits=2,
            )
        )
        lines.append(
            timed_line(
                label,
                "settle run, s",
                {b: r["settle"]["seconds"] for b, r in good.items()},
                note="; ".join(
                    f"{b}: "
                    + ", ".join(
                        f"{s} {v['seconds']:.1f}"
                        for s, v in r["settle"]["stages"].items()
                        if v["processed"] and v["seconds"] is not None
                    )
                    for b, r in good.items()
                ),
            )
        )
        new = next(iter(good.values()))["incremental"]["new"]
        lines.append(
            timed_line(
                label,
                f"incremental run ({new} new), s",
                {b: r["incremental"]["seconds"] for b, r in good.items()},
                note="wall time of `veille run --json` after ingesting them; source: "
                + "/".join(sorted({str(r["incremental"]["source"]) for r in good.values()})),
            )
        )
        stages = list(dict.fromkeys(s for r in good.values() for s in r["incremental"]["ms_per_new_article"]))
        for stage in stages:
            vals = {b: r["incremental"]["ms_per_new_article"].get(stage) for b, r in good.items()}
            growth = []
            for b, v in vals.items():
                if v is None:
                    continue
                base = first.setdefault(b, {}).setdefault(stage, v)
                if i and base:
                    growth.append(f"{b} ×{v / base:.2f}")
            items = "/".join(
                sorted({str(r["incremental"]["stages"][stage]["processed"]) for r in good.values()})
            )
            note = f"{items} items" + (
                f"; growth since {res['sizes'][0]:,}: {', '.join(growth)}" if growth else ""
            )
            lines.append(timed_line(label, f"  {stage}, ms per new article", vals, note=note, digits=2))
    return lines


def render_table(lines: list[Line], backends: Sequence[str], title: str) -> Table:
    table = Table(title=title)
    table.add_column("corpus")
    table.add_column("figure")
    for b in backends:
        table.add_column(b, justify="right")
    both = "sqlite" in backends and "postgresql" in backends
    if both:
        table.add_column("pg ÷ sqlite", justify="right")
    for col in ("target", "met", "note"):
        table.add_column(col, justify="center" if col == "met" else "left")
    for line in lines:
        met = "" if line.met is None else ("[green]yes[/]" if line.met else "[red]no[/]")
        cells = [line.corpus, line.figure, *(_fmt(line.values.get(b), line.digits) for b in backends)]
        if both:
            r = _ratio(line) if line.ratio else None
            cells.append("—" if r is None else f"{r:.2f}×")
        table.add_row(*cells, line.target if line.ratio or line.target else "", met, line.note)
    return table


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    parser.add_argument("--backends", default=",".join(ALL_BACKENDS), help=f"subset of {list(ALL_BACKENDS)}")
    parser.add_argument("--corpora", default=",".join(ALL_CORPORA), help=f"subset of {list(ALL_CORPORA)}")
    parser.add_argument(
        "--reps", type=int, default=DEFAULT_REPS, help="timed calls per target (after one warm-up)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="at most N articles per set of the news corpus"
    )
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpora and databases here")
    parser.add_argument(
        "--scale", default=None, help="stored-article sizes, e.g. 1000,10000,100000 (off by default)"
    )
    parser.add_argument("--scale-only", action="store_true", help="run only the scale part")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="after each corpus, run it again on PostgreSQL with this many `veille run` processes at once and"
        " compare every table with one process's (0 or 1: skip)",
    )
    parser.add_argument(
        "--scale-budget", type=float, default=SCALE_BUDGET, help="seconds of loading per size before it stops"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log veille's warnings")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    if set(args.backends) - set(ALL_BACKENDS) or not args.backends:
        parser.error(f"--backends: choose among {list(ALL_BACKENDS)}")
    if set(args.corpora) - set(ALL_CORPORA):
        parser.error(f"--corpora: choose among {list(ALL_CORPORA)}")
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    sizes = args.scale or (",".join(map(str, DEFAULT_SCALE)) if args.scale_only else "")
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--scale takes comma-separated integers")
    if any(s < 1 for s in args.sizes):
        parser.error("--scale sizes must be positive")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr)
    return args


def warm_up(cli: Cli, workdir: Path) -> None:
    """Ingest and run the two seeds in a scratch SQLite store: models and lazy tables loaded before timing."""
    seeds = [s for s in sample_sources() if "/seeds/" in s]
    url = str(workdir / "warm-up.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{url}{suffix}").unlink(missing_ok=True)
    cli(url, "ingest", "--json", *seeds).data()
    cli(url, "run", "--json").data()


def run_corpus(
    cli: Cli, backends: Backends, name: str, sources: Sequence[str], reps: int, phases: Phases
) -> dict[str, Any]:
    """Load one corpus on every active backend, time the calls, compare the outputs."""
    per: dict[str, dict[str, Any]] = {}
    targets: list[Target] | None = None
    for backend in backends.names:
        if backend in backends.skipped:
            per[backend] = {"error": backends.skipped[backend]}
            continue
        url = backends.url(backend, f"bench_{name}")
        try:
            with phases.phase(f"{name} on {backend}: ingest + run"):
                res = load_corpus(cli, url, sources)
            say(
                f"{name} on {backend}: ingest {res['ingest_seconds']:.1f} s, run {res['run_seconds']:.1f} s ("
                + ", ".join(f"{s} {v['seconds']:.1f}" for s, v in res["stages"].items() if v["seconds"])
                + ")"
            )
            if targets is None:
                targets = plan_targets(cli, url)
                res["base_url"] = url
            with phases.phase(f"{name} on {backend}: {len(targets)} calls × (1 + {reps})"):
                res["calls"] = measure_calls(cli, url, targets, reps)
            res["calls"]["outputs"]["run summary"] = canonical(without_timings(res["summary"]))
        except VeilleError as exc:
            per[backend] = {"error": str(exc)}
            say(f"{name} on {backend}: not measured: {exc}")
            continue
        per[backend] = res
    ok = [b for b in backends.names if "error" not in per[b]]
    if ok:
        reference = per[ok[0]]["calls"]["outputs"]
        for b in ok[1:]:
            per[b]["equal"] = compare_outputs(reference, per[b]["calls"]["outputs"])
    return {"inputs": f"{len(sources)} inputs", "backends": per, "targets": [t.label for t in targets or []]}


# ---------------------------------------------------------------- several workers

_VOLATILE = {"id", "time", "time_key", "created", "until_key", "received", "received_key"}


def table_contents(url: str) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every table's rows (claims left out; columns that differ by nature between two runs left out: ids,
    clock readings), the saved grouper by its header (its bytes follow set order, which varies by process)."""
    from sqlalchemy import select

    from veille.group.state import read_state_header
    from veille.store.schema import claims, metadata

    store = open_store(url)
    try:
        found: dict[str, Counter[tuple[Any, ...]]] = {}
        for table in metadata.sorted_tables:
            if table is claims:
                continue
            columns = [c for c in table.columns if c.name not in _VOLATILE]
            rows = [tuple(r) for r in store._db.conn.execute(select(*columns)).all()]  # type: ignore[attr-defined]
            if table.name == "states":
                rows = [
                    (key, tag, repr(read_state_header(payload)) if key == "grouper" else payload)
                    for key, tag, payload in rows
                ]
            found[table.name] = Counter(rows)
        return found
    finally:
        store.close()


def _run_processes(url: str, sources: Sequence[str], workers: int) -> tuple[float, list[dict[str, Any]]]:
    """Ingest into ``url``, then start ``workers`` ``veille run`` processes at once; return their wall time and
    summaries (each process loads its models: the time a user waits)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "veille", "--db", url, "ingest", "--json", *sources],
        check=True,
        capture_output=True,
        env=env,
        timeout=3600,
    )
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "veille", "--db", url, "run", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(workers)
    ]
    outs = [p.communicate(timeout=7200) for p in procs]
    seconds = time.perf_counter() - start
    for p, (out, err) in zip(procs, outs, strict=True):
        if p.returncode and not out.strip().startswith("{"):  # 1 with a summary: some items failed, recorded
            raise VeilleError(
                f"veille run failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}"
            )
    return seconds, [json.loads(out) for out, _ in outs]


def run_workers(backends: Backends, name: str, sources: Sequence[str], workers: int) -> dict[str, Any]:
    """On two fresh PostgreSQL databases, the corpus run by one ``veille run`` process and by ``workers`` at
    once; their wall times, and whether every table is the same."""
    try:
        one_url = backends.url("postgresql", f"bench_{name}_one_process")
        one_seconds, _ = _run_processes(one_url, sources, 1)
        url = backends.url("postgresql", f"bench_{name}_{workers}_processes")
        seconds, summaries = _run_processes(url, sources, workers)
    except (VeilleError, subprocess.SubprocessError) as exc:
        return {"error": str(exc)}
    one, many = table_contents(one_url), table_contents(url)
    differ = sorted(t for t in one if one[t] != many.get(t))
    return {
        "workers": workers,
        "one_process_seconds": round(one_seconds, 2),
        "run_seconds": round(seconds, 2),
        "understood": [s["understand"]["processed"] for s in summaries],
        "extracted": [s["extract"]["processed"] for s in summaries],
        "tables": len(one),
        "rows": sum(sum(c.values()) for c in one.values()),
        "tables_differing": differ,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    phases = Phases()
    cli = Cli()
    results: dict[str, Any] = {"backends": args.backends, "reps": args.reps, "corpora": {}}
    corpora = [] if args.scale_only else args.corpora
    needs_eval = "news" in corpora or args.sizes
    if needs_eval and not args.eval_dir.is_dir():
        print(
            f"evaluation sets not found at {args.eval_dir}: pass --eval-dir or set VEILLE_EVAL_DIR",
            file=sys.stderr,
        )
        return 1
    with ExitStack() as stack:
        if args.workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="veille-store-bench-")))
        else:
            workdir = args.workdir.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        backends = Backends(args.backends, workdir, stack)
        results["skipped"] = dict(backends.skipped)
        with phases.phase("warm-up (seeds into a scratch SQLite store)"):
            warm_up(cli, workdir)
        news_sources: list[str] = []
        if needs_eval:
            folder = workdir / "news-corpus"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            with phases.phase("news corpus: build from ../shared/eval"):
                recipe = build_news_corpus(args.eval_dir, folder, args.limit)
            results["news_recipe"] = recipe
            for s in recipe["sets"]:
                say(
                    f"  {s['set']:<30} read {s['read']:>4}  French {s['french']:>4}  kept {s['kept']:>4}"
                    f"  duplicate URL {s['dup_url']:>3}  duplicate text {s['dup_hash']:>3}"
                )
            say(f"  news corpus: {recipe['articles']} articles")
            news_sources = [str(folder)]
        for name in corpora:
            sources = sample_sources() if name == "sample" else news_sources
            res = run_corpus(cli, backends, name, sources, args.reps, phases)
            if name == "news":
                res["inputs"] = f"{results['news_recipe']['articles']} articles"
            results["corpora"][name] = res
            if args.workers > 1 and "postgresql" in backends.active():
                with phases.phase(f"{name} on postgresql: 1 process, then {args.workers} at once"):
                    res["workers"] = run_workers(backends, name, sources, args.workers)
                w = res["workers"]
                say(
                    f"{name} on postgresql, {args.workers} workers: {w.get('run_seconds')} s, tables differing: "
                    f"{w.get('tables_differing', w.get('error'))}"
                )
        if args.sizes:
            news = results["corpora"].get("news", {}).get("backends", {}).get("sqlite", {})
            base_url = news.get("base_url") if "error" not in news else None
            if base_url is None:
                base_url = str(workdir / "scale-bases.db")
                with phases.phase("scale: analyse the news corpus once (SQLite, ingest + run)"):
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{base_url}{suffix}").unlink(missing_ok=True)
                    load_corpus(cli, base_url, news_sources)
            results["scale"] = run_scale(
                cli, backends, args.sizes, base_url, workdir, args.scale_budget, settings, phases
            )
    runtime = time.perf_counter() - _START
    results["phases"] = phases.done
    results["runtime_seconds"] = round(runtime, 1)
    results["versions"] = {
        "veille": _version(),
        "postgresql_bindir": str(pgtemp.find_bindir()) if pgtemp is not None else None,
    }
    active = [b for b in args.backends if b not in results["skipped"]] or args.backends
    lines: list[Line] = []
    for name, res in results["corpora"].items():
        lines += corpus_lines(name, res, args.backends)
    if "scale" in results:
        lines += scale_lines(results["scale"], active)
    results["targets"] = [
        {"corpus": ln.corpus, "figure": ln.figure, "values": ln.values, "target": ln.target, "met": ln.met}
        for ln in lines
        if ln.target
    ]
    if args.json:
        for res in results["corpora"].values():
            for per in res["backends"].values():
                per.get("calls", {}).pop("outputs", None)
        print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
        return 0
    console = Console(width=240)
    console.print(render_table(lines, args.backends, f"veille store benchmark (issue 17) — {runtime:.0f} s"))
    for reason in results["skipped"].items():
        console.print(f"skipped {reason[0]}: {reason[1]}")
    console.print("phases: " + "; ".join(f"{p['phase']} {p['seconds']:.1f} s" for p in phases.done))
    return 0


def _version() -> str:
    from importlib.metadata import version

    return version("veille")


if __name__ == "__main__":
    sys.exit(main())
