"""Runs the stages over what is pending in a store, one item at a time, recording failures.

Each stage is a pure function of model objects; only this module (and the thin fronts) touches the
store. A stage's output carries the stage's version, so ``run`` redoes exactly the items that are new
or were made by an older version. One item's failure is recorded (stage, code, message, version) and
the batch goes on; ``fail_fast`` re-raises instead, for debugging.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from time import perf_counter
from typing import IO, TYPE_CHECKING, Any, TypeVar

from tqdm import tqdm

from veille.compare import COMPARER_VERSION
from veille.errors import UsageError, VeilleError
from veille.extract import EXTRACTOR_VERSION
from veille.group import GROUPER_VERSION
from veille.group.copies import count_sources as _count_sources
from veille.group.events import story_events
from veille.model import (
    Analysis,
    Article,
    Comparison,
    Document,
    DuplicateLink,
    DuplicateRecord,
    EntityEdit,
    Failure,
    RegistryEntity,
    Story,
    StoryEntity,
    StoryEvent,
    to_jsonable,
)
from veille.settings import Settings
from veille.store.base import Store
from veille.understand.quote_groups import index_stored_quotes, quote_keys

if TYPE_CHECKING:
    from veille.extract.scraped import LineCounter
    from veille.group.stories import StoryGrouper
    from veille.ingest.base import Ingested

logger = logging.getLogger(__name__)

STAGES = ("ingest", "extract", "understand", "link", "group", "compare")
T = TypeVar("T")


@dataclass(slots=True)
class StageCount:
    """Counters of one stage in one run: items processed, succeeded, failed (by failure code), wall seconds."""

    processed: int = 0
    ok: int = 0
    failed: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def fail(self, code: str) -> None:
        self.failed += 1
        self.codes[code] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "processed": self.processed,
            "ok": self.ok,
            "failed": self.failed,
            "codes": dict(self.codes),
            "seconds": round(self.seconds, 3),
        }

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Add the wall time of the enclosed block to ``seconds``."""
        start = perf_counter()
        try:
            yield
        finally:
            self.seconds += perf_counter() - start


@dataclass(slots=True)
class RunSummary:
    """Counters per stage for one run; ``failed`` is the total number of failed items."""

    stages: dict[str, StageCount] = field(default_factory=lambda: {s: StageCount() for s in STAGES})

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.stages.values())

    def as_dict(self) -> dict[str, Any]:
        return {name: count.as_dict() for name, count in self.stages.items()}


# A test-only hook (tests/test_kill.py): VEILLE_TEST_KILL_AT="stage:n" kills this process (SIGKILL, no cleanup)
# at the n-th checkpoint of that stage, so a test can stop a real run at a chosen point between or inside
# writes. Read here only, once; unset (always, outside those tests) every checkpoint does nothing.
_KILL_AT = os.environ.get("VEILLE_TEST_KILL_AT", "")
_checkpoints: Counter[str] = Counter()


def _checkpoint(stage: str) -> None:
    """Count a point of ``stage`` where a crash may happen; die there when VEILLE_TEST_KILL_AT names it."""
    if not _KILL_AT:
        return
    _checkpoints[stage] += 1
    if f"{stage}:{_checkpoints[stage]}" == _KILL_AT:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _progress(items: Sequence[T], desc: str, show: bool) -> Iterable[T]:
    return tqdm(items, desc=desc, unit="item", disable=not show or not items, leave=False)


def _record(store: Store, count: StageCount, failure: Failure) -> None:
    logger.info("%s failed for %s: %s (%s)", failure.stage, failure.item_id, failure.code, failure.message)
    store.add_failure(failure)
    count.fail(failure.code)


def _failure(item_id: str, stage: str, exc: Exception, version: str, source: str | None = None) -> Failure:
    code = exc.code if isinstance(exc, VeilleError) else "internal"
    message = str(exc) if isinstance(exc, VeilleError) else f"{type(exc).__name__}: {exc}"
    return Failure(item_id=item_id, stage=stage, code=code, message=message, version=version, source=source)


def ingest(
    store: Store,
    sources: Sequence[str],
    *,
    settings: Settings,
    stdin: IO[bytes] | None = None,
    progress: bool = False,
) -> StageCount:
    """Store every input of ``sources`` raw (paths, folders, URLs, "-"); return the ingest counters.

    Known bytes are not stored twice (``processed`` counts them, ``ok`` counts only new documents).
    """
    from veille.ingest import iter_inputs  # the stages' libraries load when a command needs them

    items = iter_inputs(sources, settings=settings, stdin=stdin)
    return _store_inputs(store, tqdm(items, desc="ingest", unit="doc", disable=not progress, leave=False))


def ingest_uploads(store: Store, uploads: Sequence[tuple[str, bytes]], *, settings: Settings) -> StageCount:
    """Store uploaded files (name, bytes) raw as ``ingest`` does; each document's source is ``upload:NAME``."""
    from veille.ingest.files import iter_bytes

    return _store_inputs(
        store,
        (
            item
            for name, raw in uploads
            for item in iter_bytes(
                raw,
                source=f"upload:{name}",
                origin="upload",
                max_bytes=settings.max_document_bytes,
                name=name,
            )
        ),
    )


def _store_inputs(store: Store, items: Iterable[Ingested]) -> StageCount:
    count = StageCount()
    with count.timed():
        for item in items:
            count.processed += 1
            # a document and its failure together: known bytes are not recorded again
            with store.transaction():
                is_new = store.add_document(item.document) if item.document is not None else False
                _checkpoint("ingest")
                if item.failure is not None and (is_new or item.document is None):
                    _record(store, count, item.failure)
            _checkpoint("ingest")
            count.ok += int(is_new and item.failure is None)
    return count


def _line_counts(store: Store, outlet: str | None, doc_id: str) -> LineCounter | None:
    """Return the reader of an outlet's line statistics for one page (None when the outlet is unknown)."""
    if outlet is None:
        return None

    def counts(page_lines: Sequence[str]) -> list[int]:
        from veille.extract.scraped import line_hash

        hashes = [line_hash(line) for line in page_lines]
        seen = store.outlet_line_pages(outlet, hashes, exclude=doc_id)
        return [seen.get(h, 0) for h in hashes]

    return counts


def run(
    store: Store,
    *,
    settings: Settings,
    retry_failed: bool = False,
    fail_fast: bool = False,
    progress: bool = False,
    workers: int = 1,
    release_models: bool = False,
) -> RunSummary:
    """Run extract, understand, link, group and compare on everything pending; return the counters per stage.

    ``release_models``: let go of the NLP pipelines once understanding is done (``nlp.release_pipelines``),
    so that linking, grouping and comparing, whose memory grows with the store, do not add to the
    pipeline's. For a process that ends with the run (``veille run``); one that runs again and again (``veille
    watch``, the API) keeps them rather than load them at every run.

    Several processes may run at once on one database: each takes its share of extraction and understanding
    through claims (``Worker``), then one at a time links, groups and compares what all of them made, so
    the tables end as one process would leave them. ``workers`` above 1 starts that many processes in all
    (``_Helpers``: this one and workers - 1 spawned ones, each loading its models once): they extract and
    understand, wait while this one links and groups, then compare the stories with it; their counters are
    added to this run's.
    """
    summary = RunSummary()
    if (
        workers > 1
    ):  # a helper is worth its start (a second or two, and its models) only for a batch of its own
        from veille.understand import ANALYZER_VERSION

        work = sum(  # the stories left to compare now (a new comparer): helpers compare too
            len(store.pending(stage, version, retry_failed=retry_failed))
            for stage, version in (
                ("extract", EXTRACTOR_VERSION),
                ("understand", ANALYZER_VERSION),
                ("compare", COMPARER_VERSION),
            )
        )
        workers = min(workers, max(1, work // UNDERSTAND_BATCH))
    with Worker(store) as worker:
        with _Helpers(store, settings, workers - 1, retry_failed) as helpers:
            worker.helpers = {p.pid for p in helpers.processes if p.pid is not None}
            _run_articles(store, settings, worker, summary, retry_failed, fail_fast, progress)
            if release_models:
                from veille.understand.nlp import release_pipelines

                release_pipelines()
            with worker.exclusive("link, group and compare"):
                stages = summary.stages
                with stages["link"].timed():
                    _run_link(store, stages["link"], retry_failed, fail_fast)
                with stages["group"].timed():
                    _run_group(store, settings, stages["group"], retry_failed, fail_fast, progress)
                with stages["compare"].timed():
                    # every story without a comparison by this comparer: those grouping touched now, and those
                    # a killed run grouped but left uncompared (grouping a story deletes its comparison)
                    stale = store.pending("compare", COMPARER_VERSION, retry_failed=retry_failed)
                    if helpers.running():
                        _compare_with_helpers(
                            store,
                            stale,
                            stages["compare"],
                            worker,
                            helpers,
                            retry_failed,
                            fail_fast,
                            progress,
                        )
                    else:
                        _run_compare(store, set(stale), stages["compare"], fail_fast, progress)
        helpers.add_to(summary, worker.failed, worker.finished_by_dead)
    return summary


LEASE = timedelta(minutes=2)  # a claim outlives a killed process by at most this long (same host: at once)
RENEW_SECONDS = 20.0
WAIT_SECONDS = 0.5  # between two looks at the claims while another process holds the work
EXTRACT_BATCH = 16  # documents extracted per turn of the extraction lock
UNDERSTAND_BATCH = 16  # articles claimed at once for understanding (fewer when little is pending)
_EXCLUSIVE = "exclusive"  # the claims stage of the one-at-a-time steps
_HOST = socket.gethostname()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


class Worker:
    """This process's claims on a store: an id (host:pid:token), leases renewed in the background while it
    runs, every claim dropped when it ends. Claims of a dead process on this host are dropped on sight; those
    of another host end with their lease."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.id = f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="veille-lease", daemon=True)
        self._waiting: str | None = None
        self.helpers: set[int] = set()  # pids of this run's helper processes: their death fails their items
        self.failed: dict[str, list[str]] = {}  # stage → the items failed so (counted in this run's summary)
        # (helper pid, stage) → the items it held and had finished when it died (its counters died with it)
        self.finished_by_dead: Counter[tuple[int, str]] = Counter()

    def __enter__(self) -> Worker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        try:
            self.store.drop_claims(self.id)
        except VeilleError as error:  # the lease ends them anyway
            logger.warning("could not drop the claims of %s: %s", self.id, error)

    def _until(self) -> datetime:
        return datetime.now(UTC) + LEASE

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_SECONDS):
            try:
                self.store.renew_claims(self.id, self._until())
            except Exception as error:  # noqa: BLE001 - a missed renewal is retried; the lease is long
                logger.warning("could not renew the claims of %s: %s", self.id, error)

    def held_by_others(self, stage: str) -> dict[str, str]:
        """Return the live claims of other processes on a stage (item → worker), dropping a dead one's."""
        now = datetime.now(UTC)
        found: dict[str, str] = {}
        dead: set[str] = set()
        doomed: list[tuple[str, int]] = []
        if self.helpers:
            import multiprocessing

            multiprocessing.active_children()  # reaps a helper that ended: a zombie's pid still answers kill 0
        for item, (worker, until) in self.store.claims(stage).items():
            if worker == self.id or until <= now:
                continue
            host, _, rest = worker.partition(":")
            pid = rest.partition(":")[0]
            if host == _HOST and pid.isdigit() and not _alive(int(pid)):
                dead.add(worker)
                if stage in _DIES_WITH and int(pid) in self.helpers:
                    doomed.append((item, int(pid)))
                continue
            found[item] = worker
        if doomed:
            finished = _finished(self.store, stage, [item for item, _ in doomed])
            for item, pid_ in doomed:
                if item in finished:
                    self.finished_by_dead[pid_, stage] += 1
            doomed = [(item, pid_) for item, pid_ in doomed if item not in finished]
        if doomed:  # a helper died on them: failed, not handed to another process to die on again
            items = [item for item, _ in doomed]
            _fail_held(self.store, stage, items, "a worker process of this run ended while working on them")
            self.failed.setdefault(stage, []).extend(items)
        for worker in sorted(dead):
            logger.info("dropping the claims of %s, a process that ended", worker)
            self.store.drop_claims(worker)
        return found

    def claim(self, stage: str, item_ids: Sequence[str]) -> list[str]:
        """Claim these items (those no other process holds); return the ones this process holds now."""
        return self.store.claim(stage, item_ids, self.id, self._until())

    def release(self, stage: str, item_ids: Sequence[str] | None = None) -> None:
        self.store.drop_claims(self.id, stage, item_ids)

    def try_exclusive(self, name: str) -> bool:
        """Take the one-at-a-time lock ``name`` if no other process holds it."""
        if name in self.held_by_others(_EXCLUSIVE):
            return False
        return self.claim(_EXCLUSIVE, [name]) == [name]

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the lock ``name`` for the enclosed block, waiting while another process holds it."""
        said = False
        while not self.try_exclusive(name):
            if not said:
                holder = self.held_by_others(_EXCLUSIVE).get(name, "another process")
                logger.info("waiting for %s to finish: %s", holder, name)
                said = True
            time.sleep(WAIT_SECONDS)
        try:
            yield
        finally:
            self.release(_EXCLUSIVE, [name])


def _run_articles(
    store: Store,
    settings: Settings,
    worker: Worker,
    summary: RunSummary,
    retry: bool,
    fail_fast: bool,
    progress: bool,
    report: Callable[[], None] | None = None,
) -> None:
    """Extract and understand everything pending, sharing the work with other processes; ``report`` is called
    after each batch (a helper sends its counters so far).

    Extraction goes one process at a time, in arrival order, a batch per turn of the lock (an outlet's line
    statistics depend on the pages extracted before: one order gives one result); understanding is split by
    claims of batches. A process whose turn at extraction is taken understands meanwhile; it returns when
    nothing is left to extract or understand and no other process holds any of it.
    """
    from veille.understand import ANALYZER_VERSION

    extract, understand = summary.stages["extract"], summary.stages["understand"]
    tried: dict[str, set[str]] = {"extract": set(), "understand": set()}  # retried once per run
    nlp: list[Any] = []
    index_stored_quotes(store)  # before new fingerprints are written: it only fills an empty index
    with (
        tqdm(desc="extract", unit="doc", disable=not progress, leave=False) as ebar,
        tqdm(desc="understand", unit="article", disable=not progress, leave=False) as ubar,
    ):
        while True:
            worked = False
            docs = [
                d
                for d in store.pending("extract", EXTRACTOR_VERSION, retry_failed=retry)
                if d not in tried["extract"]
            ]
            ebar.total = ebar.n + len(docs)
            if docs and worker.try_exclusive("extract"):
                try:
                    # again under the lock: another process may have extracted some meanwhile
                    docs = [
                        d
                        for d in store.pending("extract", EXTRACTOR_VERSION, retry_failed=retry)
                        if d not in tried["extract"]
                    ][:EXTRACT_BATCH]
                    with extract.timed():
                        _run_extract(store, settings, docs, extract, fail_fast)
                finally:
                    worker.release(_EXCLUSIVE, ["extract"])
                tried["extract"].update(docs)
                ebar.update(len(docs))
                worked = worked or bool(docs)
                if report is not None:
                    report()
            held = _claim_batch(store, worker, ANALYZER_VERSION, retry, tried["understand"])
            ubar.total = ubar.n + len(held)
            if held:
                try:
                    with understand.timed():
                        if not nlp:
                            from veille.understand.nlp import load_pipeline

                            nlp.append(load_pipeline(settings.spacy_model))
                        _run_understand(store, settings, held, nlp[0], understand, fail_fast)
                finally:
                    worker.release("understand", held)
                tried["understand"].update(held)
                ubar.update(len(held))
                worked = True
                if report is not None:
                    report()
            if worked:
                continue
            if worker.held_by_others("understand") or "extract" in worker.held_by_others(_EXCLUSIVE):
                time.sleep(WAIT_SECONDS)  # another process is still at it: what it makes may be ours to do
                continue
            return


def default_workers() -> int:
    """Return the processes ``veille run`` uses by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Helpers:
    """Processes that work beside this one (``run(workers=N)``): spawned, each opens the store itself, loads its
    models once and takes its share of extraction and understanding through claims; then it waits while this
    process links and groups, compares stories with it (``compare``) and sends its counters back.
    A helper that dies fails the articles or stories it held (code ``worker_died``), never the run; the
    documents of an extraction turn it held are extracted again by another process."""

    def __init__(self, store: Store, settings: Settings, count: int, retry: bool) -> None:
        self.store, self.settings, self.count, self.retry = store, settings, max(0, count), retry
        self.processes: list[Any] = []
        self.results: list[dict[str, Any]] = []  # {"pid": …, "stages": {stage: counters}}, one per message
        self._queue: Any = None
        self._orders: list[Any] = []  # a queue per helper: its comparisons, then the word to end (None)
        self._reported: set[int] = set()  # the helpers that sent their comparison counters
        self._stopped = False
        self._finished_by_dead: Counter[tuple[int, str]] = Counter()

    def __enter__(self) -> _Helpers:
        if not self.count:
            return self
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork: each helper imports veille afresh
        self._queue = context.Queue()
        for _ in range(self.count):
            orders = context.Queue()
            process = context.Process(
                target=work_articles,
                args=(self.store.url, self.settings, self.retry, self._queue, orders),
                name="veille-worker",
                daemon=True,
            )
            process.start()
            self.processes.append(process)
            self._orders.append(orders)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def running(self) -> bool:
        """Whether a helper is alive to take a share of the comparisons."""
        return any(p.is_alive() for p in self.processes)

    def compare(self, story_ids: Sequence[str], background: Counter[str]) -> None:
        """Hand every helper the stories to compare (the same list, in the order to take them) and the framing
        prior, computed once by this process."""
        for orders in self._orders:
            orders.put((list(story_ids), background))

    def comparing(self, wait: float = 0.0) -> bool:
        """Whether a live helper has not sent its comparison counters yet (``wait``: at most so many seconds
        for a message first, returning as soon as one comes)."""
        self._collect(wait, first=True)
        return any(p.is_alive() and p.pid not in self._reported for p in self.processes)

    def _collect(self, timeout: float, first: bool = False) -> None:
        """Read the helpers' messages: with ``first``, wait up to ``timeout`` for the first one only."""
        import queue as queues

        while self._queue is not None:
            try:
                message = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
            except queues.Empty:
                return
            self.results.append(message)
            if "compare" in message["stages"]:
                self._reported.add(message["pid"])
            if first:
                timeout = 0.0

    def stop(self) -> None:
        """Tell every helper to end, wait for them, and fail what a helper that died held (once)."""
        if self._stopped:
            return
        self._stopped = True
        for orders in self._orders:
            orders.put(None)
        for process in self.processes:
            while process.exitcode is None:  # read while waiting: a helper ends once its messages are read
                self._collect(0.1)
                process.join(0.1)
        self._collect(0.1)
        for process in self.processes:
            if process.exitcode != 0:
                self._fail_dead(process.pid, process.exitcode)

    def _fail_dead(self, pid: int | None, exitcode: int | None) -> None:
        why = f"the worker process {pid} ended with code {exitcode}"
        for stage in _DIES_WITH:
            claims = self.store.claims(stage)
            owners = {o for o, _ in claims.values() if o.split(":")[1:2] == [str(pid)]}
            held = [item for item, (o, _) in claims.items() if o in owners]
            finished = _finished(self.store, stage, held)
            if pid is not None and finished:
                self._finished_by_dead[pid, stage] = len(finished)
            held = [item for item in held if item not in finished]
            if held:
                _fail_held(self.store, stage, held, why)
            for owner in owners:
                self.store.drop_claims(owner, stage)
            if held:
                self.results.append({"pid": pid, "stages": {stage: _died_counts(len(held))}})

    def add_to(
        self,
        summary: RunSummary,
        died: dict[str, list[str]] | None = None,
        finished: Counter[tuple[int, str]] | None = None,
    ) -> None:
        """Add the helpers' counters to this run's: each helper's latest (its counters so far, sent after every
        batch, so a helper that dies is counted up to its last batch), the items a dead helper held that this
        process failed (``Worker.failed``: stage → items), and those it held and had finished when it died
        (``Worker.finished_by_dead``: (pid, stage) → items), unless it had sent that stage's counters since."""
        for stage, items in (died or {}).items():
            if items:
                self.results.append({"pid": None, "stages": {stage: _died_counts(len(items))}})
        latest: dict[tuple[int, str], dict[str, Any]] = {}
        for result in self.results:
            for stage, counts in result["stages"].items():
                if result.get("so_far"):
                    latest[result["pid"], stage] = counts
                else:
                    _add_counts(summary.stages[stage], counts)
        for (pid, stage), count in {**self._finished_by_dead, **(finished or {})}.items():
            if stage == "compare" and (pid, stage) in latest:
                continue  # its comparison counters came: they count the stories it still held
            _add_counts(summary.stages[stage], {"processed": count, "ok": count})
        for (_, stage), counts in latest.items():
            _add_counts(summary.stages[stage], counts)


def _add_counts(count: StageCount, counts: dict[str, Any]) -> None:
    count.processed += counts.get("processed", 0)
    count.ok += counts.get("ok", 0)
    count.failed += counts.get("failed", 0)
    count.codes.update(counts.get("codes", {}))


_DIES_WITH = ("understand", "compare")  # the stages whose items a dead helper fails (others are redone)


def _died_counts(count: int) -> dict[str, Any]:
    return {"processed": count, "failed": count, "codes": {"worker_died": count}}


def _version_of(stage: str) -> str:
    """Return the version a stage of _DIES_WITH writes its results with."""
    if stage == "understand":
        from veille.understand import ANALYZER_VERSION

        return ANALYZER_VERSION
    return COMPARER_VERSION


def _finished(store: Store, stage: str, held: Sequence[str]) -> set[str]:
    """Return the items a dead helper held that it had finished: it keeps its claims on the stories it
    compared until the end, and on its batch's articles while it stores their analyses one by one. Only the
    others fail with it."""
    undone = set(store.pending(stage, _version_of(stage)))
    return {item for item in held if item not in undone}


def _fail_held(store: Store, stage: str, item_ids: Sequence[str], why: str) -> None:
    """Record these items as failed at ``stage`` (code ``worker_died``): a process of this run died on them."""
    version = _version_of(stage)
    error = VeilleError(why, code="worker_died")
    logger.warning("%s: %d item(s) of %s recorded as failures", why, len(item_ids), stage)
    for item in item_ids:
        store.add_failure(_failure(item, stage, error, version))


def work_articles(
    url: str, settings: Settings, retry: bool, results: Any = None, orders: Any = None
) -> dict[str, dict[str, Any]]:
    """Extract and understand a store's pending items in this process, sharing with the others by claims; then,
    when ``orders`` (a queue) brings stories and the framing prior, compare those no other process holds,
    until it brings None. Return (and put on ``results``, a queue, when given) the counters per stage."""
    from veille.store import open_store

    parent = os.getppid()  # the run: once it has died, this process's parent is another
    store = open_store(url, settings=settings)
    try:
        summary = RunSummary()
        with Worker(store) as worker:

            def report(*stages: str) -> None:  # this helper's counters so far: the run keeps the latest
                if results is not None:
                    counts = {s: summary.stages[s].as_dict() for s in stages}
                    results.put({"pid": os.getpid(), "so_far": True, "stages": counts})

            _run_articles(
                store, settings, worker, summary, retry, False, False, lambda: report("extract", "understand")
            )
            report("extract", "understand")
            from veille.understand.nlp import release_pipelines

            release_pipelines()  # what is left for this process is comparing: no pipeline reads a story
            job = _await_order(orders, parent) if orders is not None else None
            if job is not None:
                story_ids, background = job
                count = summary.stages["compare"]
                with count.timed():
                    _compare_claimed(
                        store, worker, story_ids, background, count, retry, False, set(), parent=parent
                    )
                report("compare")
                # the stories stay claimed until the run says every process is done: none is compared twice
                _await_order(orders, parent)
        return {stage: summary.stages[stage].as_dict() for stage in ("extract", "understand", "compare")}
    finally:
        store.close()


def _await_order(orders: Any, parent: int) -> Any:
    """Return the next order of the run (pid ``parent``) that started this helper; None when it says so or has
    died."""
    import queue as queues

    while True:
        try:
            return orders.get(timeout=1.0)
        except queues.Empty:
            if os.getppid() != parent:  # the run was killed: no order will come
                return None


def _claim_batch(store: Store, worker: Worker, version: str, retry: bool, tried: set[str]) -> list[str]:
    """Claim a batch of articles pending understanding that no other process holds; return them (maybe none)."""
    taken = worker.held_by_others("understand")
    free = [
        a
        for a in store.pending("understand", version, retry_failed=retry)
        if a not in tried and a not in taken
    ]
    if not free:
        return []
    size = max(1, min(UNDERSTAND_BATCH, math.ceil(len(free) / 4)))
    held = worker.claim("understand", free[:size])
    if not held:
        return []
    # still pending? another process may have understood some between the reading and the claim
    still = set(store.pending("understand", version, retry_failed=retry))
    done = [a for a in held if a not in still]
    if done:
        worker.release("understand", done)
    return [a for a in held if a in still]


def _run_extract(
    store: Store, settings: Settings, doc_ids: Sequence[str], count: StageCount, fail_fast: bool
) -> None:
    from veille.extract import extract_article
    from veille.extract.article import outlet_key, outlet_lines
    from veille.extract.scraped import line_hash

    for doc_id in doc_ids:
        count.processed += 1
        doc = store.get_document(doc_id)
        if doc is None:
            continue
        try:
            outlet = outlet_key(doc)
            article = extract_article(doc, settings=settings, line_counts=_line_counts(store, outlet, doc.id))
        except Exception as exc:
            if fail_fast:
                raise
            _record(store, count, _failure(doc_id, "extract", exc, EXTRACTOR_VERSION, doc.source))
            _checkpoint("extract")
            continue
        # the article and its outlet lines together: the next pages of the outlet are extracted with them
        with store.transaction():
            store.put_article(article)
            _checkpoint("extract")
            if outlet is not None:
                hashes = [line_hash(line) for line in outlet_lines(doc, article)]
                store.record_outlet_lines(outlet, doc.id, hashes)
            store.clear_failures("extract", doc_id)
        _checkpoint("extract")
        count.ok += 1


def _run_understand(
    store: Store, settings: Settings, article_ids: Sequence[str], nlp: Any, count: StageCount, fail_fast: bool
) -> None:
    from veille.understand import ANALYZER_VERSION, analyze_articles

    articles = list(store.iter_articles(list(article_ids)))
    results = analyze_articles(articles, nlp=nlp, models=_models(settings), budget_seconds=_budget(settings))
    for article, result in zip(articles, results, strict=True):
        count.processed += 1
        if isinstance(result, Exception):
            if fail_fast:
                raise result
            _record(store, count, _failure(article.id, "understand", result, ANALYZER_VERSION))
            continue
        published = article.published.isoformat() if article.published else None
        with store.transaction():
            store_analysis(store, result, published=published)
            _checkpoint("understand")
            store.clear_failures("understand", article.id)
        _checkpoint("understand")
        count.ok += 1


def store_analysis(store: Store, analysis: Analysis, published: str | None = None) -> None:
    """Store an analysis with its quotes' fingerprints, in one transaction (``Store.put_analysis``); the link
    step links its names later."""
    with store.transaction():
        store.put_analysis(analysis, published=published)
        store.put_quote_keys(analysis.article_id, quote_keys(analysis.quotes))


def _run_link(store: Store, count: StageCount, retry: bool, fail_fast: bool) -> None:
    """Link the names of the articles pending ``link`` (one step, one transaction); a failure is recorded
    against each of them."""
    from veille.understand.crosslink import LINKER_VERSION, link_entities  # its rules load when a run links

    pending = store.pending("link", LINKER_VERSION, retry_failed=retry)
    count.processed += len(pending)
    _checkpoint("link")
    try:
        with store.transaction():  # the links, the articles' stamps and their cleared failures together
            report = link_entities(store, pending=pending, version=LINKER_VERSION)
            _checkpoint("link")
            for article_id in report.articles:
                store.clear_failures("link", article_id)
    except Exception as exc:
        if fail_fast:
            raise
        for article_id in pending:
            _record(store, count, _failure(article_id, "link", exc, LINKER_VERSION))
        return
    _checkpoint("link")
    count.ok += len(report.articles)


def _models(settings: Settings) -> dict[str, str]:
    """Return the spaCy pipeline per language the settings name (English falls back to the French one)."""
    return {"fr": settings.spacy_model, "en": settings.spacy_model_en or settings.spacy_model}


def _budget(settings: Settings) -> float | None:
    """Return the CPU seconds one article's analysis may take (None: no limit, the setting's 0)."""
    return settings.understand_budget_seconds or None


def _sort_key(article: Article, position: int) -> tuple[bool, date, int]:
    return (article.published is None, article.published or date.min, position)


GROUP_BATCH = 256  # articles read from the store at once while grouping (the rest stays on disk)


def _run_group(
    store: Store, settings: Settings, count: StageCount, retry: bool, fail_fast: bool, progress: bool
) -> set[str]:
    """Group the articles pending ``group`` (by date, then arrival) and return the stories they touched.

    Everything grouping decides is written in one transaction at the end: the touched stories and their
    members, the copies' links, the failures and the grouper's saved index (whose tag is the membership it
    matches). A crash before the commit leaves the stories as they were, so the next run groups the same
    articles in the same order from the same saved index, and ends with the tables this run would have left.
    """
    pending = store.pending("group", GROUPER_VERSION, retry_failed=retry)
    if not pending:
        return set()
    from veille.group.stories import features_of

    grouper = _grouper(store, settings)
    # the order first (dates only: the texts are read again a batch at a time, so memory does not grow with it)
    keys = [(_sort_key(a, i), a.id) for i, a in enumerate(store.iter_articles(pending))]
    order = [article_id for _, article_id in sorted(keys)]
    touched: set[str] = set()
    links: list[DuplicateLink] = []
    failures: list[Failure] = []
    with tqdm(total=len(order), desc="group", unit="item", disable=not progress, leave=False) as bar:
        for start in range(0, len(order), GROUP_BATCH):
            for article in store.iter_articles(order[start : start + GROUP_BATCH]):
                count.processed += 1
                bar.update()
                try:
                    feats = features_of(article, store.get_analysis(article.id))
                    story_id, found = grouper.add(feats, article.text)
                except Exception as exc:
                    if fail_fast:
                        raise
                    failure = _failure(article.id, "group", exc, GROUPER_VERSION)
                    logger.info("group failed for %s: %s (%s)", article.id, failure.code, failure.message)
                    failures.append(failure)
                    count.fail(failure.code)
                    continue
                links.extend(found)
                touched.add(story_id)
                count.ok += 1
                _checkpoint("group")
    with store.transaction():
        store.add_duplicates(links)
        for failure in failures:
            store.add_failure(failure)
        for story_id in sorted(touched):
            store.put_story(grouper.story(story_id))  # a changed membership deletes the story's comparison
            store.clear_failures("compare", story_id)  # compared again, as a story that changed
            _checkpoint("group")
        store.put_state(GROUPER_STATE, _grouper_tag(store, grouper), grouper.dump())
        _checkpoint("group")
    _checkpoint("group")
    return touched


GROUPER_STATE = "grouper"  # the key of the story grouper's saved index in the store


def _grouper_tag(store: Store, grouper: StoryGrouper) -> str:
    """What a saved grouper was made from: its signature and the stories' members (``membership_digest``)."""
    from veille.group.state import membership_digest

    members = membership_digest(store.story_members(GROUPER_VERSION))
    return hashlib.sha256(json.dumps([grouper.signature, members], sort_keys=True).encode()).hexdigest()


def _grouper(store: Store, settings: Settings) -> StoryGrouper:
    """Return the story grouper over the stored stories: the saved one when the stories still have the members
    it was saved with (its articles given the registry ids their names have now: the link step and hand
    edits move names after grouping), else one rebuilt from every stored story's articles and analyses."""
    from veille.group.stories import ENTITY_TYPES, StoryGrouper, features_of

    def texts(article_ids: Sequence[str]) -> dict[str, str]:
        """The stored texts of articles: where the duplicate index reads its candidates' shingles again."""
        return {a.id: a.text for a in store.iter_articles(article_ids)}

    fresh = StoryGrouper(settings, texts=texts)
    saved = store.get_state(GROUPER_STATE)
    if saved is not None:
        tag, payload = saved
        if tag == _grouper_tag(store, fresh):
            try:
                grouper = StoryGrouper.restore(payload, settings, texts=texts)
            except VeilleError as error:
                logger.warning("the saved story index cannot be read (%s): rebuilding it", error)
            else:
                now = store.member_entity_ids(GROUPER_VERSION, ENTITY_TYPES)
                moved = [
                    (article_id, now.get(article_id, frozenset()))
                    for article_id, entities in grouper.member_entities().items()
                    if entities != now.get(article_id, frozenset())
                ]
                for article_id, entities in moved:
                    grouper.set_entities(article_id, entities)
                logger.debug("story index restored; %d articles' names moved since it was saved", len(moved))
                return grouper
        else:
            logger.info("the stored stories changed since the story index was saved: rebuilding it")
    stories = [s for s in store.list_stories(limit=10**9) if s.grouper == GROUPER_VERSION]
    # the earliest stories first (each one's articles by date): the first of a group of copies is indexed
    # first again, as when they arrived
    for story in sorted(stories, key=lambda s: (s.first_seen is None, s.first_seen or date.min, s.id)):
        members = [
            (features_of(a, store.get_analysis(a.id)), a.text) for a in store.iter_articles(story.articles)
        ]
        fresh.load(story.id, members)
    return fresh


@dataclass(frozen=True, slots=True)
class Move:
    """One article that changed story in a regrouping."""

    article_id: str
    title: str | None
    from_story: str
    to_story: str


@dataclass(frozen=True, slots=True)
class RegroupReport:
    """What a regrouping did (or would do, on a dry run) to the stories reaching into a date range."""

    since: date | None
    until: date | None
    dry_run: bool
    articles: int
    stories_before: int
    stories_after: int
    kept: list[str]  # story ids that stay, with their membership changed or not
    opened: list[str]
    closed: list[str]
    moves: list[Move]
    compared: StageCount = field(default_factory=StageCount)


def regroup(
    store: Store,
    *,
    settings: Settings,
    since: date | None = None,
    until: date | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> RegroupReport:
    """Re-cluster the stories reaching into [since, until] (all stories when both are None) at once.

    Their articles are clustered by ``group.regroup.recluster`` (average linkage over TF-IDF pairs, date ranges
    within the window plus LONG_WINDOW, copies kept together); each cluster keeps the id of the old story it
    shares the most articles with, so articles that stay keep their story id. Changed stories are relabelled,
    rewritten in one transaction and compared again; ``dry_run`` only reports. It waits while another process
    links, groups or compares (``veille run``) and holds them off while it works.
    """
    with Worker(store) as worker, worker.exclusive("link, group and compare"):
        return _regroup(store, settings, since, until, dry_run, progress)


def _regroup(
    store: Store, settings: Settings, since: date | None, until: date | None, dry_run: bool, progress: bool
) -> RegroupReport:
    from veille.group.regroup import recluster, stable_ids
    from veille.group.stories import LONG_WINDOW, StoryGrouper, features_of

    stories = store.list_stories(limit=10**9, since=since, until=until)
    old = {a: s.id for s in stories for a in s.articles}
    articles = list(store.iter_articles(list(old)))
    articles = [a for _, a in sorted(enumerate(articles), key=lambda p: _sort_key(p[1], p[0]))]
    feats = [features_of(a, store.get_analysis(a.id)) for a in _progress(articles, "regroup: read", progress)]
    copies = [(link.article_id, link.other_id) for a in articles for link in store.duplicates_of(a.id)]
    clusters = recluster(
        feats,
        threshold=settings.regroup_threshold,
        reach_days=settings.story_window_days + LONG_WINDOW,
        copies=copies,
        copy_days=settings.story_window_days,
    )
    named = stable_ids(clusters, old, is_free=lambda sid: store.get_story(sid) is None)
    before = {s.id: set(s.articles) for s in stories}
    changed = sorted(sid for sid, members in named.items() if before.get(sid) != set(members))
    titles = {a.id: a.title for a in articles}
    moves = [
        Move(a, titles[a], old[a], sid) for sid, members in named.items() for a in members if old[a] != sid
    ]
    report = RegroupReport(
        since=since,
        until=until,
        dry_run=dry_run,
        articles=len(articles),
        stories_before=len(stories),
        stories_after=len(named),
        kept=sorted(set(named) & set(before)),
        opened=sorted(set(named) - set(before)),
        closed=sorted(set(before) - set(named)),
        moves=sorted(moves, key=lambda m: (m.to_story, m.article_id)),
    )
    if dry_run or not changed:
        return report
    labeller = StoryGrouper(settings)  # labels over the whole range, without a duplicate index
    by_id = {f.article_id: f for f in feats}
    for sid, members in named.items():
        labeller.load(sid, [(by_id[a], None) for a in members])
    relabelled = [labeller.story(sid) for sid in changed]
    with store.transaction():
        for story in relabelled:
            store.put_story(story)
    with report.compared.timed():
        _run_compare(store, set(changed), report.compared, False, progress)
    return report


def _run_compare(
    store: Store, story_ids: set[str], count: StageCount, fail_fast: bool, progress: bool
) -> None:
    if not story_ids:
        return
    background = corpus_background(store)
    for story_id in _progress(sorted(story_ids), "compare", progress):
        _compare_one(store, story_id, background, count, fail_fast)


COMPARE_BATCH = 4  # stories claimed at once when processes compare together (fewer as the list runs out)


def _compare_with_helpers(
    store: Store,
    stale: Sequence[str],
    count: StageCount,
    worker: Worker,
    helpers: _Helpers,
    retry: bool,
    fail_fast: bool,
    progress: bool,
) -> None:
    """Compare the stories ``stale`` in this process and the helpers at once, and return when all are done.

    The framing prior is read once here and handed to the helpers with the list, the largest stories first
    (the last to finish are short ones). Every process claims a few stories at a time and keeps them claimed
    until the end, so none is compared twice; a helper that dies fails the stories it held and had not
    compared (``worker_died``), and those it never reached are compared here.
    """
    if not stale:
        return
    background = corpus_background(store)
    sizes = Counter(story for story, _ in store.story_members(GROUPER_VERSION))
    order = sorted(stale, key=lambda s: (-sizes[s], s))
    helpers.compare(order, background)
    tried: set[str] = set()
    with tqdm(total=len(order), desc="compare", unit="story", disable=not progress, leave=False) as bar:
        while True:
            busy = helpers.comparing()  # looked at before the pass: a pass follows the last helper's end
            _compare_claimed(store, worker, order, background, count, retry, fail_fast, tried, bar=bar)
            if not busy:
                break
            helpers.comparing(wait=WAIT_SECONDS)  # woken by a helper's counters, or a look at the claims
    mine = count.processed
    helpers.stop()
    worker.release("compare")
    logger.info("compared %d of %d stories in this process, the others in its helpers", mine, len(order))


def _compare_claimed(
    store: Store,
    worker: Worker,
    story_ids: Sequence[str],
    background: Counter[str],
    count: StageCount,
    retry: bool,
    fail_fast: bool,
    tried: set[str],
    *,
    parent: int | None = None,
    bar: Any = None,
) -> None:
    """Compare, in their order, the stories of ``story_ids`` that no other process holds and this one has not
    tried (``tried``, updated), a few claimed at a time, and keep them claimed (``_compare_with_helpers``).
    Without ``parent`` this is the run's process, which fails the stories of a dead helper
    (``Worker.held_by_others``); a helper (``parent``: the run's pid) counts every other claim as taken, and
    stops when the run has died."""
    reap = parent is None
    while reap or os.getppid() == parent:
        taken = worker.held_by_others("compare") if reap else store.claims("compare")
        gone = set(worker.failed.get("compare", ()))
        free = [s for s in story_ids if s not in tried and s not in taken and s not in gone]
        if not free:
            return
        batch = free[: max(1, min(COMPARE_BATCH, math.ceil(len(free) / 8)))]
        tried.update(batch)
        held = worker.claim("compare", batch)
        if held:  # still pending? a helper that died may have compared some before its claims were dropped
            still = set(store.pending("compare", COMPARER_VERSION, retry_failed=retry))
            held = [s for s in held if s in still]
        for story_id in held:
            _compare_one(store, story_id, background, count, fail_fast)
            if bar is not None:
                bar.update()
            if not reap and os.getppid() != parent:  # the rest stays pending for the next run
                return


def _compare_one(
    store: Store, story_id: str, background: Counter[str], count: StageCount, fail_fast: bool
) -> None:
    count.processed += 1
    try:
        comparison = compare_story(store, story_id, background=background)
        with store.transaction():  # stored with its comparer version: the mark that the story is done
            store.put_comparison(comparison)
            store.clear_failures("compare", story_id)  # a story retried (--retry-failed) and compared now
    except Exception as exc:
        if fail_fast:
            raise
        _record(store, count, _failure(story_id, "compare", exc, COMPARER_VERSION))
        return
    _checkpoint("compare")
    count.ok += 1


BACKGROUND_ARTICLES = 400  # stored articles whose words make the framing prior


def corpus_background(store: Store, limit: int = BACKGROUND_ARTICLES) -> Counter[str]:
    """Return the n-gram counts of up to ``limit`` stored articles: the corpus prior of the framing statistic."""
    from veille.compare.framing import background_counts

    return background_counts(a.text for a in islice(store.iter_articles(), limit))


def story_comparison(store: Store, story_id: str, *, refresh: bool = False) -> Comparison:
    """Return a story's stored comparison when the current comparer made it, else compare it now and store
    it (``refresh``: always compare again); UsageError when no story has that id or prefix."""
    story = store.get_story(story_id)
    if story is None:
        raise UsageError(f"no story {story_id!r}; see `veille stories`")
    stored = None if refresh else store.get_comparison(story.id)
    if stored is not None and stored.comparer == COMPARER_VERSION:
        return stored
    comparison = compare_story(store, story.id)
    store.put_comparison(comparison)
    return comparison


def story_comparison_json(store: Store, story_id: str) -> str:
    """Return a story's comparison as JSON text (``veille compare --json``'s content, keys sorted): the stored
    text itself when the current comparer made it (nothing decoded), else as ``story_comparison``."""
    story = store.get_story(story_id)
    if story is None:
        raise UsageError(f"no story {story_id!r}; see `veille stories`")
    stored = store.get_comparison_json(story.id)
    if stored is not None and stored[0] == COMPARER_VERSION:
        return stored[1]
    return json.dumps(
        to_jsonable(story_comparison(store, story.id)),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def compare_story(store: Store, story_id: str, *, background: Counter[str] | None = None) -> Comparison:
    """Return a fresh Comparison of a stored story (``background``: the framing prior, else read from the
    store); raises VeilleError when the story is unknown."""
    from veille.compare import build_comparison

    story = store.get_story(story_id)
    if story is None:
        raise VeilleError(f"no story {story_id!r}; list them with `veille stories`", code="not_found")
    articles = list(store.iter_articles(story.articles))
    analyses = {a.id: store.get_analysis(a.id) for a in articles}
    links = [link for a in articles for link in store.duplicates_of(a.id)]
    events = story_events(store, story.id, limit=10**6)
    if background is None:
        background = corpus_background(store)
    return build_comparison(story, articles, analyses, links, events, background)


def analyze_document(
    doc: Document, *, settings: Settings, with_analysis: bool = True
) -> tuple[Article, Analysis | None]:
    """Extract (and, with ``with_analysis``, understand) one document without a store; raises VeilleError."""
    from veille.extract import extract_article

    article = extract_article(doc, settings=settings)
    if not with_analysis:
        return article, None
    from veille.understand import analyze_article
    from veille.understand.nlp import load_pipeline

    return article, analyze_article(
        article,
        nlp=load_pipeline(settings.spacy_model),
        models=_models(settings),
        budget_seconds=_budget(settings),
    )


@dataclass(frozen=True, slots=True)
class EntityReport:
    """One registry entity with the articles that mention it and the hand edits that shaped it."""

    entity: RegistryEntity
    articles: list[str]
    edits: list[EntityEdit]


@dataclass(frozen=True, slots=True)
class ArticleReport:
    """One article for a reader: its analysis, its story and the articles it copies or that copy it."""

    article: Article
    analysis: Analysis | None
    story_id: str | None
    duplicates: list[DuplicateLink]


def article_report(store: Store, article_id: str) -> ArticleReport:
    """Return an article (by id or unique prefix) with its analysis, story id and copies; UsageError when no
    article has that id."""
    article = store.get_article(article_id)
    if article is None:
        raise UsageError(f"no article {article_id!r}; see `veille articles` or `veille search`")
    story = store.story_of(article.id)
    return ArticleReport(
        article, store.get_analysis(article.id), story.id if story else None, store.duplicates_of(article.id)
    )


@dataclass(frozen=True, slots=True)
class StoryReport:
    """One story for a reader: its articles, main entities, events told across its outlets, copies."""

    story: Story
    articles: list[Article]
    entities: list[StoryEntity]
    events: list[StoryEvent]
    duplicates: list[DuplicateRecord]


def story_report(store: Store, story_id: str, *, entities: int = 10, events: int = 8) -> StoryReport:
    """Return a story (by id or unique prefix) with its articles, main entities, main events and copies;
    UsageError when no story has that id."""
    story = store.get_story(story_id)
    if story is None:
        raise UsageError(f"no story {story_id!r}; see `veille stories`")
    articles = list(store.iter_articles(story.articles))
    return StoryReport(
        count_sources(store, [story])[0],
        articles,
        store.story_entities(story.id, limit=entities),
        story_events(store, story.id, limit=events),
        store.list_duplicates(story_id=story.id),
    )


def count_sources(store: Store, stories: Sequence[Story]) -> list[Story]:
    """Return the stories with ``sources``: their articles with copies (stored duplicate links) counted once."""
    links = store.duplicate_links(sorted({a for s in stories for a in s.articles}))
    pairs = [(link.article_id, link.other_id) for link in links]
    by_article: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        for article in set(pair):
            by_article.setdefault(article, []).append(pair)
    return [
        replace(
            s,
            sources=_count_sources(
                s.articles, sorted({p for a in s.articles for p in by_article.get(a, ())})
            ),
        )
        for s in stories
    ]


def list_stories(
    store: Store,
    *,
    min_articles: int = 1,
    limit: int = 100,
    since: date | None = None,
    until: date | None = None,
    entity: str | None = None,
    outlet: str | None = None,
    query: str | None = None,
    order: str = "largest",
    offset: int = 0,
) -> list[Story]:
    """Return stories (as ``Store.list_stories``: the largest or newest first, filters alike) with their sources
    counted."""
    found = store.list_stories(
        min_articles=min_articles,
        limit=limit,
        since=since,
        until=until,
        entity=entity,
        outlet=outlet,
        query=query,
        order=order,
        offset=offset,
    )
    return count_sources(store, found)


def find_entity(store: Store, query: str) -> RegistryEntity:
    """Return the one entity ``query`` names (id, canonical name or alias); UsageError when none or several."""
    found = store.find_entities(query, limit=10)
    if not found:
        raise UsageError(f"no entity named {query!r} (see `veille entities`)")
    exact = [e for e in found if e.entity_id == query]
    if exact:
        return exact[0]
    if len(found) > 1:
        ids = ", ".join(e.entity_id for e in found)
        raise UsageError(f"{query!r} names several entities ({ids}): give the entity id")
    return found[0]


def entity_report(store: Store, query: str, *, limit: int = 20) -> EntityReport:
    """Return an entity (by id, name or alias), its latest articles and the edits that concern it."""
    entity = find_entity(store, query)
    edits = [e for e in store.entity_edits() if entity.entity_id in (e.entity_id, e.target_id)]
    return EntityReport(entity, store.entity_articles(entity.entity_id, limit=limit), edits)


def merge_entities(store: Store, source: str, target: str, *, note: str | None = None) -> EntityEdit:
    """Merge entity ``source`` into ``target`` (ids, names or aliases) for good: re-runs keep the merge."""
    src, dst = find_entity(store, source), find_entity(store, target)
    edit = EntityEdit(
        kind="merge",
        entity_id=src.entity_id,
        target_id=dst.entity_id,
        target_name=dst.name,
        note=note,
        created=datetime.now(UTC),
    )
    store.add_entity_edit(edit)
    return edit


def split_entity(
    store: Store,
    entity: str,
    name: str,
    *,
    alias: str | None = None,
    article_id: str | None = None,
    note: str | None = None,
) -> EntityEdit:
    """Move the mentions of ``entity`` that are ``alias`` (and/or in ``article_id``) to a new entity ``name``.

    UsageError when neither alias nor article is given, or nothing matches. Re-runs keep the split.
    """
    if alias is None and article_id is None:
        raise UsageError("say which mentions to split off: --alias TEXT and/or --article ID")
    from veille.understand.entities import entity_id_for

    src = find_entity(store, entity)
    if article_id is not None:
        article = store.get_article(article_id)
        if article is None:
            raise UsageError(f"no article {article_id!r}")
        article_id = article.id
    target = entity_id_for(name, src.type)
    if target == src.entity_id:
        raise UsageError(f"{name!r} gives the same id as the entity it splits from: choose another name")
    if store.get_entity(target) is not None:
        raise UsageError(f"{name!r} is already entity {target}: split to a new name, or merge into it")
    edit = EntityEdit(
        kind="split",
        entity_id=src.entity_id,
        target_id=target,
        alias=alias,
        article_id=article_id,
        target_name=name,
        note=note,
        created=datetime.now(UTC),
    )
    store.add_entity_edit(edit)
    return edit
