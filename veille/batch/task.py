"""One task of ``veille batch``: one archive's records extracted and understood, written as Parquet.

This runs on a Dask worker (``process_archive``). The records are streamed (``archives.iter_archive``), taken
``CHUNK`` at a time: extracted one by one with ``extract_article``, then understood together with
``analyze_articles`` through the pipeline loaded once per worker process (``understand.nlp.load_pipeline``,
cached in its module). The outputs are the rows ``veille run`` would store, written per task under a
temporary folder, moved into place when the archive is finished, then marked done (``_done/KEY.json``,
written last and atomically): a killed task leaves no marker, and its rerun replaces its part files.

Output layout (``OUTPUT``)::

    documents/part-KEY.parquet                 raw bytes and where they came from
    articles/published=YYYY-MM-DD/part-KEY.parquet   (``published=unknown`` without a date)
    analyses/published=YYYY-MM-DD/part-KEY.parquet   the analysis payload as the store keeps it
    failures/part-KEY.parquet                  one row per failed record: stage, code, message, item id
    outlet_lines/part-KEY.parquet              the per-outlet line statistics extraction adds
    _done/KEY.json                             the archive's counters and files, once all are in place
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from veille.batch.archives import archive_key, iter_archive, open_archive
from veille.model import Analysis, Article, Document, Failure, to_jsonable
from veille.pipeline import StageCount, _budget, _failure, _models
from veille.settings import Settings

logger = logging.getLogger(__name__)

CHUNK = 64  # records read, extracted, then understood together (one nlp.pipe over their articles)
FLUSH_ROWS = 256  # rows of one part file buffered before they are written as a row group
FLUSH_BYTES = 32 << 20  # ...or this many raw bytes of documents
DONE = "_done"
TMP = "_tmp"
TABLES = ("documents", "articles", "analyses", "failures", "outlet_lines")
PARTITIONED = ("articles", "analyses")
UNKNOWN_DATE = "unknown"
BATCH_STAGES = ("ingest", "extract", "understand", "write")
T = TypeVar("T")


def article_columns() -> list[str]:
    """Return the Article fields a Parquet row holds: all but ``published``, which names its partition."""
    return [f.name for f in fields(Article) if f.name != "published"]


def schemas() -> dict[str, Any]:
    """Return the pyarrow schema of each output table (explicit, so an all-empty column keeps its type)."""
    import pyarrow as pa

    text = pa.string()
    return {
        "documents": pa.schema(
            [
                ("id", text),
                ("raw", pa.large_binary()),
                ("media_type", text),
                ("source", text),
                ("container", text),
                ("received", pa.timestamp("us", tz="UTC")),
                ("record_id", text),
                ("url", text),
                ("hints", text),  # JSON object, as the store keeps it
                ("position", pa.int64()),  # the record's number in its archive
            ]
        ),
        "articles": pa.schema([(name, text) for name in article_columns()]),
        "analyses": pa.schema(
            [("article_id", text), ("language", text), ("analyzer", text), ("payload", text)]
        ),
        "failures": pa.schema(
            [
                ("item_id", text),
                ("stage", text),
                ("code", text),
                ("message", text),
                ("version", text),
                ("source", text),
                ("time", pa.timestamp("us", tz="UTC")),
            ]
        ),
        "outlet_lines": pa.schema([("outlet", text), ("content_id", text), ("line_hash", text)]),
    }


def partition_of(published: date | None) -> str:
    """Return the partition folder of a publication date: ``published=YYYY-MM-DD`` or ``published=unknown``."""
    return f"published={published.isoformat() if published else UNKNOWN_DATE}"


def published_of(partition: str) -> date | None:
    """Return the publication date a partition folder names (None for ``unknown``); inverse of partition_of."""
    value = partition.partition("=")[2]
    return None if value in ("", UNKNOWN_DATE) else date.fromisoformat(value)


class PartWriter:
    """The Parquet part files of one task, written row group by row group under a temporary folder."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder, self.key = folder, key
        self._schemas = schemas()
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._bytes = 0
        self._writers: dict[str, Any] = {}

    def add(self, table: str, row: dict[str, Any], partition: str | None = None) -> None:
        """Buffer one row of ``table`` (in ``partition`` for articles and analyses), writing when enough is held."""
        path = (
            f"{table}/{partition}/part-{self.key}.parquet"
            if partition
            else f"{table}/part-{self.key}.parquet"
        )
        rows = self._rows.setdefault(path, [])
        rows.append(row)
        self._bytes += len(row.get("raw") or b"")
        if len(rows) >= FLUSH_ROWS:
            self._flush(path)
        if self._bytes >= FLUSH_BYTES:
            self._flush_all()

    def _flush(self, path: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self._rows.pop(path, [])
        if not rows:
            return
        schema = self._schemas[path.split("/", 1)[0]]
        writer = self._writers.get(path)
        if writer is None:
            target = self.folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            writer = self._writers[path] = pq.ParquetWriter(target, schema, compression="zstd")
        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        self._bytes = sum(len(r.get("raw") or b"") for rs in self._rows.values() for r in rs)

    def _flush_all(self) -> None:
        for path in list(self._rows):
            self._flush(path)

    def close(self) -> list[str]:
        """Write what is buffered, close every file; return their paths relative to the folder."""
        self._flush_all()
        for writer in self._writers.values():
            writer.close()
        return sorted(self._writers)

    def abort(self) -> None:
        """Close every file without caring for its content (the task failed; its folder is removed)."""
        for writer in self._writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - a broken part is thrown away anyway
                logger.debug("closing a part of %s failed", self.key, exc_info=True)


def document_row(doc: Document, position: int) -> dict[str, Any]:
    """Return the Parquet row of a document: every field, raw bytes included (nothing lost)."""
    return {
        "id": doc.id,
        "raw": doc.raw,
        "media_type": doc.media_type,
        "source": doc.source,
        "container": doc.container,
        "received": doc.received,
        "record_id": doc.record_id,
        "url": doc.url,
        "hints": json.dumps(dict(doc.hints), ensure_ascii=False, sort_keys=True),
        "position": position,
    }


def article_row(article: Article) -> dict[str, Any]:
    """Return the Parquet row of an article (its date is its partition)."""
    data = to_jsonable(article)
    return {name: data[name] for name in article_columns()}


def analysis_row(analysis: Analysis) -> dict[str, Any]:
    """Return the Parquet row of an analysis: its JSON payload exactly as the store keeps it."""
    from veille.store import codec

    return {
        "article_id": analysis.article_id,
        "language": analysis.language,
        "analyzer": analysis.analyzer,
        "payload": codec.dumps(codec.analysis_payload(analysis)),
    }


def failure_row(failure: Failure) -> dict[str, Any]:
    """Return the Parquet row of a failure."""
    return {f.name: getattr(failure, f.name) for f in fields(Failure)}


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _timed(items: Iterable[T], count: StageCount) -> Iterator[T]:
    """Yield the items, adding the time spent producing them (reading the archive) to ``count.seconds``."""
    iterator = iter(items)
    while True:
        start = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            count.seconds += time.perf_counter() - start
            return
        count.seconds += time.perf_counter() - start
        yield item


class ArchiveWork:
    """The records of one archive going through ingest, extract and understand, into a PartWriter.

    Extraction reads per-outlet line statistics as ``veille run`` reads them from the store, kept here for
    the pages of this archive read so far (an archive is one task: pages of other archives are not seen).
    """

    def __init__(self, settings: Settings, parts: PartWriter) -> None:
        self.settings, self.parts = settings, parts
        self.stages = {name: StageCount() for name in BATCH_STAGES}
        self._seen: set[str] = set()
        self._lines: dict[str, Counter[str]] = {}

    def _fail(self, failure: Failure) -> None:
        logger.info(
            "%s failed for %s: %s (%s)", failure.stage, failure.item_id, failure.code, failure.message
        )
        self.stages[failure.stage].fail(failure.code)
        with self.stages["write"].timed():
            self.parts.add("failures", failure_row(failure))

    def run(self, chunk: Sequence[tuple[int, Any]]) -> None:
        """Ingest, extract and understand a chunk of (record number, Ingested) items."""
        ingest, extract = self.stages["ingest"], self.stages["extract"]
        articles: list[Article] = []
        for number, item in chunk:
            ingest.processed += 1
            doc = item.document
            if doc is not None:
                if doc.id in self._seen:  # the same bytes twice: stored once, as ``add_document`` does
                    continue
                self._seen.add(doc.id)
                with self.stages["write"].timed():
                    self.parts.add("documents", document_row(doc, number))
            if item.failure is not None:
                self._fail(item.failure)
                continue
            ingest.ok += 1
            with extract.timed():
                article = self._extract(doc)
            if article is not None:
                articles.append(article)
        if articles:
            with self.stages["understand"].timed():
                self._understand(articles)

    def _extract(self, doc: Document) -> Article | None:
        from veille.extract import EXTRACTOR_VERSION, extract_article
        from veille.extract.article import outlet_key, outlet_lines
        from veille.extract.scraped import line_hash

        count = self.stages["extract"]
        count.processed += 1
        try:
            outlet = outlet_key(doc)
            article = extract_article(doc, settings=self.settings, line_counts=self._counter(outlet))
        except Exception as exc:  # noqa: BLE001 - recorded per record, as ``veille run`` does
            self._fail(_failure(doc.id, "extract", exc, EXTRACTOR_VERSION, doc.source))
            return None
        with self.stages["write"].timed():
            self.parts.add("articles", article_row(article), partition_of(article.published))
            if outlet is not None:
                hashes = sorted({line_hash(line) for line in outlet_lines(doc, article)})
                self._lines.setdefault(outlet, Counter()).update(hashes)
                for hashed in hashes:
                    self.parts.add(
                        "outlet_lines", {"outlet": outlet, "content_id": doc.id, "line_hash": hashed}
                    )
        count.ok += 1
        return article

    def _counter(self, outlet: str | None) -> Any:
        """Return the line statistics reader of ``pipeline._line_counts``, over this archive's pages."""
        if outlet is None:
            return None
        from veille.extract.scraped import line_hash

        seen = self._lines.get(outlet, Counter())
        return lambda page_lines: [seen.get(line_hash(line), 0) for line in page_lines]

    def _understand(self, articles: Sequence[Article]) -> None:
        from veille.understand import ANALYZER_VERSION, analyze_articles
        from veille.understand.nlp import load_pipeline

        count = self.stages["understand"]
        nlp = load_pipeline(self.settings.spacy_model)  # once per worker process: cached in its module
        models = _models(self.settings)
        budget = _budget(self.settings)
        try:
            results: list[Analysis | Exception] = list(
                analyze_articles(articles, nlp=nlp, models=models, budget_seconds=budget)
            )
        except Exception:  # noqa: BLE001 - one article broke the batch: read them one by one to find it
            logger.warning("understanding a batch failed; reading its %d articles one by one", len(articles))
            results = []
            for article in articles:
                try:
                    results.extend(analyze_articles([article], nlp=nlp, models=models, budget_seconds=budget))
                except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
                    results.append(exc)
        for article, result in zip(articles, results, strict=True):
            count.processed += 1
            if isinstance(result, Exception):
                self._fail(_failure(article.id, "understand", result, ANALYZER_VERSION))
                continue
            with self.stages["write"].timed():
                self.parts.add("analyses", analysis_row(result), partition_of(article.published))
            count.ok += 1


def marker_path(output: Path, source: str) -> Path:
    """Return where the done marker of an archive lives in an output folder."""
    return output / DONE / f"{archive_key(source)}.json"


def read_marker(output: Path, source: str) -> dict[str, Any] | None:
    """Return the done marker of an archive (its counters and files), or None when it is not finished."""
    path = marker_path(output, source)
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None


def process_archive(source: str, output: str, settings: Settings) -> dict[str, Any]:
    """Extract and understand every record of one archive into Parquet part files under ``output``; return
    its done marker (source, files, counters per stage, versions, worker).

    An archive already marked done is not read again (``status`` "skipped"). A cut or corrupt archive keeps
    the records read before the break and gets a ``malformed`` failure row. Raises VeilleError
    ``unreadable`` when the archive cannot be opened (no marker: a rerun tries it again).
    """
    from veille.extract import EXTRACTOR_VERSION
    from veille.understand import ANALYZER_VERSION

    out = Path(output)
    done = read_marker(out, source)
    if done is not None:
        return {**done, "status": "skipped"}
    key = archive_key(source)
    started = time.perf_counter()
    tmp = out / TMP / f"{key}.{os.getpid()}.{secrets.token_hex(4)}"
    parts = PartWriter(tmp, key)
    work = ArchiveWork(settings, parts)
    try:
        with open_archive(source) as stream:
            items = iter_archive(stream, source=source, max_bytes=settings.max_document_bytes)
            for chunk in _chunks(_timed(items, work.stages["ingest"]), CHUNK):
                work.run(chunk)
        write = work.stages["write"]  # counted in archives: each one's parts committed at once, or none
        write.processed += 1
        with write.timed():
            files = parts.close()
            _commit(out, tmp, key, files)
        write.ok += 1
    except BaseException:
        parts.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    marker = {
        "source": source,
        "key": key,
        "files": files,
        "stages": {name: count.as_dict() for name, count in work.stages.items()},
        "extractor": EXTRACTOR_VERSION,
        "analyzer": ANALYZER_VERSION,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "seconds": round(time.perf_counter() - started, 3),
        "finished": datetime.now(UTC).isoformat(),
    }
    _write_atomically(marker_path(out, source), json.dumps(marker, ensure_ascii=False, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    logger.info("archive %s done: %s", source, marker["stages"])
    return {**marker, "status": "done"}


def _commit(out: Path, tmp: Path, key: str, files: Sequence[str]) -> None:
    """Move a task's part files into place, first removing what an earlier, killed run of it left there."""
    for stale in [*out.glob(f"*/part-{key}.parquet"), *out.glob(f"*/*/part-{key}.parquet")]:
        if TMP not in stale.relative_to(out).parts:
            stale.unlink()
    for name in files:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / name, target)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader sees no marker or a whole one


def model_loads() -> dict[str, Any]:
    """Return this process's pid and how many spaCy pipelines it has loaded (``load_pipeline``'s cache
    misses) and holds: read on each worker by ``run_batch`` to show that a worker loads a model once."""
    from veille.understand import nlp

    info = nlp._load.cache_info()
    return {"pid": os.getpid(), "loads": info.misses, "pipelines": info.currsize}
