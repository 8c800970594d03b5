"""``run_batch``: the archives of a manifest on a Dask distributed cluster, one task per archive.

The client only submits tasks and adds up their counters: every task writes its own Parquet files
(``task.process_archive``), nothing is collected here. ``local=N`` starts a cluster of N single-threaded
worker processes on 127.0.0.1 for the run; ``scheduler`` joins an existing one (its workers need veille, its
models and the same versions installed, and the output folder at the same path).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veille.batch.archives import archive_key, read_manifest
from veille.batch.task import BATCH_STAGES, model_loads, process_archive, read_marker
from veille.errors import UsageError, VeilleError
from veille.pipeline import StageCount, default_workers
from veille.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    """What became of one archive of the manifest: ``status`` done, skipped (done by an earlier run) or failed
    (its task raised or its worker died: no marker, a rerun tries it again)."""

    source: str
    status: str
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0
    worker: str | None = None
    error: str | None = None


@dataclass(slots=True)
class BatchSummary:
    """Counters of one ``veille batch`` run: archives done, skipped and failed, counters per stage (records,
    ok, failed, seconds summed over tasks), wall seconds, and per worker the models it loaded."""

    archives: int
    output: str
    done: int = 0
    skipped: int = 0
    failed: int = 0
    stages: dict[str, StageCount] = field(default_factory=lambda: {s: StageCount() for s in BATCH_STAGES})
    errors: dict[str, str] = field(default_factory=dict)
    workers: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        """Records read from the archives of this run (skipped archives not counted)."""
        return self.stages["ingest"].processed

    def add(self, report: ArchiveReport) -> None:
        """Count one archive's report in."""
        if report.status == "skipped":
            self.skipped += 1
            return
        if report.status == "failed":
            self.failed += 1
            self.errors[report.source] = report.error or "failed"
            return
        self.done += 1
        for stage, counts in report.stages.items():
            mine = self.stages.setdefault(stage, StageCount())
            mine.processed += counts.get("processed", 0)
            mine.ok += counts.get("ok", 0)
            mine.failed += counts.get("failed", 0)
            mine.codes.update(counts.get("codes", {}))
            mine.seconds += counts.get("seconds", 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "archives": self.archives,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "output": self.output,
            "records": self.records,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records / self.seconds, 2) if self.seconds else None,
            "stages": {name: count.as_dict() for name, count in self.stages.items()},
            "errors": dict(self.errors),
            "workers": dict(self.workers),
        }


Progress = Callable[[ArchiveReport], None]


def run_batch(
    manifest: str | Path,
    output_dir: str | Path,
    *,
    settings: Settings,
    scheduler: str | None = None,
    local: int | None = None,
    progress: Progress | None = None,
) -> BatchSummary:
    """Extract and understand every archive a manifest lists on a Dask cluster, writing Parquet under
    ``output_dir``; return the run's counters.

    Archives marked done by an earlier run are skipped (reported, not read). ``scheduler`` (tcp://HOST:8786)
    joins a cluster; else ``local`` worker processes (default: this machine's cores) are started on 127.0.0.1
    and stopped at the end. ``progress`` is called with each archive's report as it finishes. Raises
    UsageError for both or bad options, a bad manifest or a missing archive (before anything starts), and
    VeilleError ``cluster`` when the scheduler cannot be reached.
    """
    if scheduler is not None and local is not None:
        raise UsageError("give either a scheduler address or a number of local workers, not both")
    if local is not None and local < 1:
        raise UsageError(f"--local needs at least 1 worker, not {local}")
    sources = read_manifest(manifest)
    output = Path(output_dir).expanduser().resolve()
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {output}: {exc}") from exc
    summary = BatchSummary(archives=len(sources), output=str(output))
    started = time.perf_counter()
    todo = []
    for source in sources:
        marker = read_marker(output, source)
        if marker is None:
            todo.append(source)
            continue
        report = ArchiveReport(source, "skipped", marker.get("stages", {}), worker=marker.get("worker"))
        summary.add(report)
        if progress is not None:
            progress(report)
    if todo:
        with _client(scheduler, local) as client:
            _run_tasks(client, todo, output, settings, summary, progress)
            summary.workers = _worker_loads(client)
    summary.seconds = time.perf_counter() - started
    logger.info(
        "batch: %d archives done, %d skipped, %d failed; %d records in %.1f s",
        summary.done,
        summary.skipped,
        summary.failed,
        summary.records,
        summary.seconds,
    )
    return summary


@contextmanager
def _client(scheduler: str | None, local: int | None) -> Iterator[Any]:
    """Yield a Dask client on ``scheduler``, or on a LocalCluster of ``local`` processes started (and closed)
    here; VeilleError ``cluster`` when the scheduler does not answer."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise VeilleError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the address"
                " (tcp://HOST:8786) or run with --local N",
                code="cluster",
            ) from exc
        with client:
            yield client
        return
    workers = local or default_workers()
    logger.info("starting a local Dask cluster of %d worker process(es) on 127.0.0.1", workers)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # spaCy and the extractors hold the GIL: one process per core
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_port=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _run_tasks(
    client: Any,
    sources: list[str],
    output: Path,
    settings: Settings,
    summary: BatchSummary,
    progress: Progress | None,
) -> None:
    """Submit one task per archive and count each in as it finishes; a failed task fails its archive only."""
    from distributed import as_completed

    futures = {
        client.submit(
            process_archive,
            source,
            str(output),
            settings,
            key=f"veille-archive-{archive_key(source)}",
            pure=False,
        ): source
        for source in sources
    }
    for future in as_completed(futures):
        source = futures[future]
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - a task's error (or its dead worker) fails that archive only
            error = str(exc) if isinstance(exc, VeilleError) else f"{type(exc).__name__}: {exc}"
            logger.warning("archive %s failed: %s", source, error)
            report = ArchiveReport(source, "failed", error=error)
        else:
            report = ArchiveReport(
                source,
                result.get("status", "done"),
                result.get("stages", {}),
                result.get("seconds", 0.0),
                result.get("worker"),
            )
        finally:
            future.release()
        summary.add(report)
        if progress is not None:
            progress(report)


def _worker_loads(client: Any) -> dict[str, dict[str, Any]]:
    """Return, per worker address, its pid and the spaCy pipelines it loaded (``task.model_loads``)."""
    try:
        return dict(client.run(model_loads))
    except Exception as exc:  # noqa: BLE001 - a report, not the run's result
        logger.warning("could not read the workers' model loads: %s", exc)
        return {}
