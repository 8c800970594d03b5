"""``load_batch``: the Parquet output of ``veille batch`` brought into a store with the store's own methods.

What lands is what ``veille run`` would have stored for the same records (documents with their raw bytes,
articles, analyses with their quote fingerprints, outlet line statistics, failures), at the versions the
workers ran, so ``veille run`` afterwards only links, groups and compares. Only archives marked done are read;
loading twice stores nothing twice (every write is keyed by content).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from veille.batch.task import DONE, published_of
from veille.errors import StoreError, UsageError
from veille.model import Document, Failure, content_id
from veille.store.base import Store

logger = logging.getLogger(__name__)

BATCH_ROWS = 256  # Parquet rows read at a time: a part file is never read whole


@dataclass(slots=True)
class LoadCounts:
    """What ``load_batch`` read and stored: archives, new documents, articles, analyses, failures."""

    archives: int = 0
    documents: int = 0
    articles: int = 0
    analyses: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def finished_archives(parquet_dir: str | Path) -> list[dict[str, Any]]:
    """Return the done markers of a ``veille batch`` output folder, sorted by archive; UsageError
    (``bad_batch_dir``) when the folder holds none."""
    folder = Path(parquet_dir).expanduser()
    markers = sorted((folder / DONE).glob("*.json"))
    if not markers:
        raise UsageError(
            f"{folder} holds no finished archive ({DONE}/*.json): give the --output folder of `veille batch`",
            code="bad_batch_dir",
        )
    found = [json.loads(path.read_text(encoding="utf-8")) for path in markers]
    return sorted(found, key=lambda m: str(m.get("source", "")))


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        yield from batch.to_pylist()


def load_batch(
    store: Store, parquet_dir: str | Path, *, progress: Callable[[str], None] | None = None
) -> LoadCounts:
    """Store the results of every finished archive of a ``veille batch`` output folder; return the counts.

    Each archive is loaded in one transaction, in the order ``veille run`` stores its outputs (documents,
    ingest failures, articles with their line statistics, analyses, other failures). ``progress`` is called
    with each archive's source once it is in. UsageError for a folder without finished archives; StoreError
    for a part file whose bytes do not match their document id.
    """
    from veille.extract import EXTRACTOR_VERSION
    from veille.understand import ANALYZER_VERSION

    folder = Path(parquet_dir).expanduser()
    counts = LoadCounts()
    for marker in finished_archives(folder):
        if marker.get("extractor") != EXTRACTOR_VERSION or marker.get("analyzer") != ANALYZER_VERSION:
            logger.warning(
                "archive %s was made by %s / %s, not this install's %s / %s: `veille run` will redo it",
                marker.get("source"),
                marker.get("extractor"),
                marker.get("analyzer"),
                EXTRACTOR_VERSION,
                ANALYZER_VERSION,
            )
        files: dict[str, list[Path]] = {}
        for name in marker.get("files", []):
            files.setdefault(name.split("/", 1)[0], []).append(folder / name)
        with store.transaction():
            _load_archive(store, files, counts)
        counts.archives += 1
        if progress is not None:
            progress(str(marker.get("source", "")))
    logger.info("loaded %s from %s", counts.as_dict(), folder)
    return counts


def _load_archive(store: Store, files: dict[str, list[Path]], counts: LoadCounts) -> None:
    """Store one archive's part files (table name → paths)."""
    from veille.pipeline import store_analysis
    from veille.store import codec

    new: set[str] = set()
    known: set[str] = set()
    for path in files.get("documents", []):
        for row in _rows(path):
            doc = _document(row)
            known.add(doc.id)
            if store.add_document(doc):
                new.add(doc.id)
                counts.documents += 1
    failures = [Failure(**row) for path in files.get("failures", []) for row in _rows(path)]
    for failure in failures:
        # as ``veille ingest``: a known document's ingest failure was recorded when it first came
        if failure.stage == "ingest" and (failure.item_id in new or failure.item_id not in known):
            store.add_failure(failure)
            counts.failures += 1
    for path in files.get("articles", []):
        published = published_of(path.parent.name)
        for row in _rows(path):
            article = codec.article_from_json({**row, "published": published and published.isoformat()})
            store.put_article(article)
            store.clear_failures("extract", article.content_id)
            counts.articles += 1
    lines: dict[tuple[str, str], list[str]] = {}
    for path in files.get("outlet_lines", []):
        for row in _rows(path):
            lines.setdefault((row["outlet"], row["content_id"]), []).append(row["line_hash"])
    for (outlet, doc_id), hashes in lines.items():
        store.record_outlet_lines(outlet, doc_id, hashes)
    for path in files.get("analyses", []):
        published = published_of(path.parent.name)
        for row in _rows(path):
            data = {
                **json.loads(row["payload"]),
                **{k: row[k] for k in ("article_id", "language", "analyzer")},
            }
            analysis = codec.analysis_from_json(data)
            store_analysis(store, analysis, published=published.isoformat() if published else None)
            store.clear_failures("understand", analysis.article_id)
            counts.analyses += 1
    for failure in failures:
        if failure.stage != "ingest":
            store.add_failure(failure)
            counts.failures += 1


def _document(row: dict[str, Any]) -> Document:
    raw = bytes(row["raw"])
    if content_id(raw) != row["id"]:
        raise StoreError(
            f"document {row['id']} in the batch output does not hold its bytes: rerun `veille batch`"
        )
    return Document(
        id=row["id"],
        raw=raw,
        media_type=row["media_type"],
        source=row["source"],
        container=row["container"],
        received=row["received"],
        record_id=row["record_id"],
        url=row["url"],
        hints=json.loads(row["hints"] or "{}"),
    )
