"""``veille watch``: poll the registry's feeds, fetch each new entry's page once, ingest it, run the pipeline.

A pass takes the feeds that are due (not paused, their schedule or back-off over) and fetches them in threads
through one ``Fetcher`` (robots.txt, per-host delay and concurrency, bounds of issue 22), conditionally
(ETag / If-Modified-Since): a 304 costs one request and nothing is parsed. Entries not seen before have their
page fetched; the main thread alone writes the store, and writes each page's document together with its
entry (one transaction), so a process killed at any point leaves each entry stored with its document or not at
all: the next pass fetches again exactly what was not committed. A feed's validators are saved only once all
its new entries are stored, so an interrupted feed is read whole again next time (its stored entries skipped).

A feed that fails waits ``watch_backoff`` seconds, doubled at each failure in a row (with jitter, up to
``watch_backoff_max``), and is paused after ``watch_pause_after`` failures in a row; ``veille sources status``
says so. Every ``watch_batch`` new documents, and at the end of a pass, the pipeline runs (``pipeline.run``,
what ``veille run`` calls). A stop request (SIGINT/SIGTERM in the CLI) ends the pass after the items being
fetched are stored.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from veille.errors import FetchError, MalformedError, UsageError, VeilleError
from veille.ingest.base import Ingested
from veille.ingest.compressed import compression_of, decompress
from veille.ingest.encoding import charset_from_content_type
from veille.ingest.feeds import iter_feed
from veille.ingest.fetch import Fetched, Fetcher, host_key
from veille.model import FeedState, WatchEntry, utcnow
from veille.settings import Settings
from veille.store.base import Store
from veille.watch.sitemaps import parse_sitemap

logger = logging.getLogger(__name__)

WATCHER_VERSION = "veille-watch 0.1"
ENTRY_ATTEMPTS = 3  # an entry whose page failed this many times is left alone (its failure stays recorded)
STATE_BATCH, STATE_SECONDS = 200, 1.0  # feed states saved together: at most this many, this old
LOOP_LOOK_SECONDS = 60.0  # the loop looks at the registry at least this often (new feeds, resumed ones)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed: its key (the entry id, else its URL), its page's URL, what the feed said of it."""

    entry: str
    url: str
    hints: dict[str, str]


@dataclass(slots=True)
class PassSummary:
    """Counters of one pass: feeds polled / unchanged (304) / failed / paused now, entries new, documents
    stored new or already known, pages failed, requests made, whether the pipeline ran, and if it was stopped."""

    feeds_due: int = 0
    feeds_polled: int = 0
    not_modified: int = 0
    feeds_failed: int = 0
    feeds_paused: list[str] = field(default_factory=list)
    entries_new: int = 0
    documents_new: int = 0
    documents_known: int = 0
    pages_failed: int = 0
    requests: int = 0
    robots: int = 0
    pipeline_runs: int = 0
    pipeline: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds_due": self.feeds_due,
            "feeds_polled": self.feeds_polled,
            "not_modified": self.not_modified,
            "feeds_failed": self.feeds_failed,
            "feeds_paused": list(self.feeds_paused),
            "entries_new": self.entries_new,
            "documents_new": self.documents_new,
            "documents_known": self.documents_known,
            "pages_failed": self.pages_failed,
            "requests": self.requests,
            "robots": self.robots,
            "pipeline_runs": self.pipeline_runs,
            "pipeline": self.pipeline,
            "errors": list(self.errors),
            "stopped": self.stopped,
            "seconds": round(self.seconds, 3),
        }


def backoff_seconds(failures: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Return how long a feed waits after ``failures`` failures in a row: ``watch_backoff`` doubled at each
    further failure, up to ``watch_backoff_max``, times a jitter in [0.75, 1.25) so failing feeds spread out."""
    base = min(settings.watch_backoff_max, settings.watch_backoff * 2 ** max(0, failures - 1))
    return base * (0.75 + (rng or random).random() * 0.5)


def feed_items(answer: Fetched, kind: str, max_bytes: int) -> list[FeedItem]:
    """Return the entries of a fetched feed (RSS/Atom through ``veille.ingest.feeds``, or a news sitemap). A
    compressed file sent without Content-Encoding (``sitemap.xml.gz`` as ``application/gzip``) is read
    decompressed, up to ``max_bytes``.

    Raises MalformedError when the feed cannot be read at all (entries a broken feed still gives are kept), or
    when it is compressed and corrupt, cut or larger than ``max_bytes`` once decompressed.
    """
    body = answer.body
    fmt = compression_of(body)
    if fmt is not None:
        body = decompress(body, fmt, max_bytes, "fetch_max_bytes")
    if kind == "sitemap" or body.lstrip()[:200].find(b"<urlset") >= 0:
        return [FeedItem(e.url, e.url, dict(e.hints)) for e in parse_sitemap(body)]
    items: list[FeedItem] = []
    declared = charset_from_content_type(answer.content_type)
    for ingested in iter_feed(body, source=answer.url, declared=declared):
        doc = ingested.document
        if ingested.failure is not None and (doc is None or doc.media_type != "application/json"):
            raise MalformedError(ingested.failure.message)
        if doc is None or not doc.url:
            continue
        hints = {k: v for k, v in doc.hints.items() if k in ("title", "published", "feed", "feed_title")}
        items.append(FeedItem(doc.record_id or doc.url, doc.url, hints))
    return items


@dataclass(slots=True)
class _Feed:
    """A feed during a pass: its state, the answer's validators, and its pages still being fetched."""

    state: FeedState
    etag: str | None = None
    last_modified: str | None = None
    outstanding: int = 0
    parsed: bool = False
    incomplete: bool = False  # entries left unfetched (stop asked): its state is not saved, it is read again
    retry: bool = False  # a page failed: its validators are not kept, so the next pass reads it whole


class _Pass:
    """One pass over the due feeds (see the module text); ``run`` returns its summary."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        fetcher: Fetcher,
        stop: threading.Event,
        run_pipeline: Callable[[], dict[str, Any]] | None,
        progress: Callable[[str], None] | None,
        catch_up: bool = False,
    ) -> None:
        self.store, self.settings, self.fetcher, self.stop = store, settings, fetcher, stop
        self.run_pipeline, self.progress, self.catch_up = run_pipeline, progress, catch_up
        self.summary = PassSummary()
        self.results: queue.Queue[tuple[str, _Feed, Any]] = queue.Queue()
        self.feeds: dict[int, _Feed] = {}
        self.seen: dict[tuple[int, str], WatchEntry] = {}
        self.fetched_urls: dict[str, str] = {}  # page URL → document id, this pass
        self.waiting: dict[str, list[tuple[_Feed, FeedItem]]] = {}  # page URL being fetched → entries on it
        self.pending_pipeline = 0
        self.rng = random.Random()
        self.pool: ThreadPoolExecutor | None = None
        self.todo: dict[str, deque[tuple[Callable[..., None], tuple[Any, ...]]]] = defaultdict(deque)
        self.in_flight: dict[str, int] = defaultdict(int)  # per host, changed under _lock
        self._lock = threading.Lock()
        self.running = 0  # fetches submitted whose result is not handled yet
        self.states: list[FeedState] = []  # feed states to save, written together (one commit)
        self.saved_at = time.monotonic()

    def _save_state(self, state: FeedState) -> None:
        """Queue a feed's new state; they are written in one transaction every second (or 200 feeds).

        Entries are committed one by one before their feed's state is queued, so a state lost to a kill only
        makes that feed be asked again (conditionally), never an entry lost or doubled."""
        self.states.append(state)
        if len(self.states) >= STATE_BATCH or time.monotonic() - self.saved_at >= STATE_SECONDS:
            self._flush_states()

    def _flush_states(self) -> None:
        if self.states:
            with self.store.transaction():
                for state in self.states:
                    self.store.put_feed_state(state)
            self.states.clear()
        self.saved_at = time.monotonic()

    # dispatch: a fetch starts only when its host may take it, so no thread sleeps on a host's delay -----
    def _queue(self, url: str, fn: Callable[..., None], *args: Any) -> None:
        self.todo[host_key(url)].append((fn, args))

    def _task(self, host: str, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        finally:
            with self._lock:
                self.in_flight[host] -= 1

    def _dispatch(self, workers: int) -> float:
        """Start the queued fetches whose host is free (under its concurrency limit, its delay over), up to
        ``workers`` at once; return how long to wait before the next may start (at most 0.2 s)."""
        assert self.pool is not None  # set by run()
        per_host = 1 if self.settings.fetch_delay > 0 else max(1, self.settings.fetch_host_concurrency)
        wait = 0.2
        for host in [h for h, q in self.todo.items() if q]:
            if self.running >= workers:
                return 0.2
            with self._lock:
                busy = self.in_flight[host]
            if busy >= per_host:
                continue
            ready = self.fetcher.ready_in(host)
            if ready > 0:
                wait = min(wait, ready)
                continue
            fn, args = self.todo[host].popleft()
            with self._lock:
                self.in_flight[host] += 1
            self.running += 1
            self.pool.submit(self._task, host, fn, args)
        for host in [h for h, q in self.todo.items() if not q]:
            del self.todo[host]
        return max(0.001, wait)

    # worker threads: fetch only ----------------------------------------------------------------------
    def _poll_feed(self, feed: _Feed) -> None:
        state = feed.state
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        try:
            answer = self.fetcher.get(state.url, headers=headers)
            items = (
                [] if answer.status == 304 else feed_items(answer, state.kind, self.settings.fetch_max_bytes)
            )
        except VeilleError as exc:
            self.results.put(("feed_failed", feed, exc))
            return
        except Exception as exc:  # noqa: BLE001 - one feed's unexpected error must not end the pass
            logger.exception("feed %s", state.url)
            self.results.put(("feed_failed", feed, exc))
            return
        feed.etag, feed.last_modified = answer.headers.get("etag"), answer.headers.get("last-modified")
        self.results.put(("not_modified" if answer.status == 304 else "feed_ok", feed, items))

    def _fetch_page(self, feed: _Feed, item: FeedItem) -> None:
        try:
            found = list(self.fetcher.fetch(item.url))
        except Exception as exc:  # noqa: BLE001 - reported as this page's failure
            logger.exception("page %s", item.url)
            found = [_failed_page(item.url, exc)]
        self.results.put(("page", feed, (item, found)))

    # main thread: decisions and writes ---------------------------------------------------------------
    def run(self, due: Sequence[FeedState]) -> PassSummary:
        start = time.perf_counter()
        self.summary.feeds_due = len(due)
        workers = max(1, self.settings.watch_workers)
        with ThreadPoolExecutor(workers, thread_name_prefix="veille-watch") as pool:
            self.pool = pool
            for state in due:
                feed = self.feeds[state.feed_id] = _Feed(state)
                feed.outstanding = 1  # the feed itself
                self._queue(state.url, self._poll_feed, feed)
            while self.running or any(self.todo.values()):
                if self.stop.is_set() and not self.summary.stopped:
                    self.summary.stopped = True
                    left = sum(len(q) for q in self.todo.values())
                    self.todo.clear()
                    logger.info("stop asked: storing what is being fetched (%d fetches left undone)", left)
                wait = self._dispatch(workers)
                if not self.running:
                    time.sleep(wait)
                    continue
                try:
                    kind, feed, payload = self.results.get(timeout=wait)
                except queue.Empty:
                    if time.monotonic() - self.saved_at >= STATE_SECONDS:
                        self._flush_states()
                    continue
                self.running -= 1
                self._handle(kind, feed, payload)
        self._flush_states()
        if (
            self.run_pipeline is not None
            and (self.pending_pipeline or self.catch_up)
            and not self.summary.stopped
        ):
            self._pipeline()  # catch_up: documents an earlier, stopped or killed, process stored but did not run
        counts = self.fetcher.counts
        self.summary.requests, self.summary.robots = counts.requests, counts.robots
        self.summary.seconds = time.perf_counter() - start
        return self.summary

    def _handle(self, kind: str, feed: _Feed, payload: Any) -> None:
        """Act on one result."""
        if kind == "feed_failed":
            self._feed_failed(feed, payload)
        elif kind == "not_modified":
            self.summary.not_modified += 1
            self._feed_done(feed, not_modified=True)
        elif kind == "feed_ok":
            self._new_entries(feed, payload)
        else:
            item, found = payload
            self._store_page(feed, item, found)

    def _new_entries(self, feed: _Feed, items: list[FeedItem]) -> None:
        feed_id = feed.state.feed_id
        feed.parsed = True
        keys = {i.entry for i in items}  # only this answer's entries: a feed's history grows without end
        for entry in self.store.watch_entries([feed_id], entries=keys) if keys else ():
            self.seen[(feed_id, entry.entry)] = entry
        fresh: list[FeedItem] = []
        for item in dict((i.entry, i) for i in items).values():
            seen = self.seen.get((feed_id, item.entry))
            if seen is None or (seen.document_id is None and seen.attempts < ENTRY_ATTEMPTS):
                fresh.append(item)
        known = self.store.entry_documents([i.url for i in fresh]) if fresh else {}
        for item in fresh:
            if self.stop.is_set():
                feed.incomplete = True
                break
            self.summary.entries_new += 1
            document_id = known.get(item.url) or self.fetched_urls.get(item.url)
            if document_id is not None:  # the same page under another feed or outlet: not fetched again
                self._put_entry(feed, item, document_id, None)
                self.summary.documents_known += 1
            elif item.url in self.waiting:
                self.waiting[item.url].append((feed, item))
                feed.outstanding += 1
            else:
                self.waiting[item.url] = []
                feed.outstanding += 1
                self._queue(item.url, self._fetch_page, feed, item)
        self._feed_step_done(feed)

    def _put_entry(self, feed: _Feed, item: FeedItem, document_id: str | None, error: str | None) -> None:
        key = (feed.state.feed_id, item.entry)
        before = self.seen.get(key)
        entry = WatchEntry(
            feed_id=feed.state.feed_id,
            entry=item.entry,
            url=item.url,
            document_id=document_id,
            attempts=(before.attempts if before else 0) + 1,
            error=error,
        )
        self.store.put_watch_entry(entry)
        self.seen[key] = entry

    def _store_page(self, feed: _Feed, item: FeedItem, found: list[Ingested]) -> None:
        """Store what an entry's page gave with the entry: its first document is the entry's (given the feed's
        hints); any further documents (a page that is a JSON list, a feed, an archive) are stored too, and every
        failure is recorded."""
        others = self.waiting.pop(item.url, [])
        documents = [i.document for i in found if i.document is not None]
        failures = [i.failure for i in found if i.failure is not None]
        key = (feed.state.feed_id, item.entry)
        before = self.seen.get(key)
        if documents:
            documents[0] = replace(documents[0], hints={**item.hints, **documents[0].hints})
        document = documents[0] if documents else None
        entry = WatchEntry(
            feed_id=feed.state.feed_id,
            entry=item.entry,
            url=item.url,
            document_id=document.id if document is not None else None,
            attempts=(before.attempts if before else 0) + 1,
            error=failures[0].message if failures and document is None else None,
        )
        new = self.store.put_watch_entry(entry, documents)
        self.seen[key] = entry
        if new or document is None:
            for failure in failures:
                self.store.add_failure(failure)
        if document is None:
            feed.retry = True
            self.summary.pages_failed += 1
            self.summary.errors.append(
                {"url": item.url, "error": failures[0].message if failures else "no document"}
            )
        else:
            self.fetched_urls[item.url] = document.id
            self.summary.documents_new += new
            self.summary.documents_known += len(documents) - new
            self.pending_pipeline += new
        for other_feed, other in others:
            if document is not None:
                self._put_entry(other_feed, other, document.id, None)
                self.summary.documents_known += 1
            else:
                self._put_entry(other_feed, other, None, entry.error)
                other_feed.retry = True
            self._feed_step_done(other_feed)
        self._feed_step_done(feed)
        if (
            self.run_pipeline is not None
            and self.pending_pipeline >= max(1, self.settings.watch_batch)
            and not self.stop.is_set()
        ):
            self._pipeline()

    def _pipeline(self) -> None:
        assert self.run_pipeline is not None
        self._flush_states()
        logger.info("running the pipeline on %d new document(s)", self.pending_pipeline)
        counts = self.run_pipeline()
        self.pending_pipeline = 0
        self.summary.pipeline_runs += 1
        for stage, values in counts.items():
            total = self.summary.pipeline.setdefault(stage, {"processed": 0, "ok": 0, "failed": 0})
            for key in ("processed", "ok", "failed"):
                total[key] += int(values.get(key, 0))

    def _feed_step_done(self, feed: _Feed) -> None:
        feed.outstanding -= 1
        if feed.outstanding == 0 and feed.parsed:
            self._feed_done(feed)

    def _feed_done(self, feed: _Feed, *, not_modified: bool = False) -> None:
        state = feed.state
        self.summary.feeds_polled += 1
        if feed.incomplete:
            return  # read whole again next time; its stored entries are skipped then
        now = utcnow()
        interval = state.interval if state.interval is not None else self.settings.watch_interval
        if not_modified:  # a 304 may leave out the validators: the old ones still hold
            etag, modified = feed.etag or state.etag, feed.last_modified or state.last_modified
        elif feed.retry:
            etag = modified = None
        else:
            etag, modified = feed.etag, feed.last_modified
        saved = replace(
            state,
            etag=etag,
            last_modified=modified,
            last_fetch=now,
            last_success=now,
            failures=0,
            next_due=now + timedelta(seconds=interval),
        )
        self._save_state(saved)
        if self.progress is not None:
            self.progress(state.url)

    def _feed_failed(self, feed: _Feed, error: Exception) -> None:
        now = utcnow()
        state = feed.state
        failures = state.failures + 1
        paused = failures >= max(1, self.settings.watch_pause_after)
        wait = backoff_seconds(failures, self.settings, self.rng)
        message = str(error) if isinstance(error, VeilleError) else f"{type(error).__name__}: {error}"
        code = error.code if isinstance(error, VeilleError) else "internal"
        self._save_state(
            replace(
                state,
                last_fetch=now,
                last_error=f"{code}: {message}",
                last_error_time=now,
                failures=failures,
                next_due=now + timedelta(seconds=wait),
                paused=paused,
            )
        )
        self.summary.feeds_failed += 1
        self.summary.errors.append({"url": state.url, "error": f"{code}: {message}"})
        if paused:
            self.summary.feeds_paused.append(state.url)
            logger.warning(
                "feed %s of %s paused after %d failures in a row (last: %s); `veille watch --resume` polls it again",
                state.url,
                state.source_name,
                failures,
                message,
            )
        else:
            logger.info("feed %s failed (%s); next try in %.0fs", state.url, message, wait)
        if self.progress is not None:
            self.progress(state.url)


def _failed_page(url: str, exc: Exception) -> Ingested:
    from veille.ingest.base import failed

    return failed(None, FetchError(f"{url}: {type(exc).__name__}: {exc}"), source=url)


def due_feeds(
    states: Iterable[FeedState], *, now: datetime | None = None, force: bool = False
) -> list[FeedState]:
    """Return the feeds to poll now: not paused, and (unless ``force``) their next due time reached."""
    moment = now or utcnow()
    return [s for s in states if not s.paused and (force or s.next_due is None or s.next_due <= moment)]


def resume_feeds(store: Store, source: str | None = None) -> list[str]:
    """Unpause the paused feeds (of one source id or name, or all) and make them due now; return their URLs."""
    resumed: list[str] = []
    for state in store.feed_states(active_only=False):
        if state.paused and (source is None or source in (state.source_id, state.source_name)):
            store.put_feed_state(replace(state, paused=False, failures=0, next_due=None))
            resumed.append(state.url)
    return resumed


def schedule_feeds(store: Store, source: str, seconds: float | None) -> list[str]:
    """Give the feeds of one source (id, name or domain) their own polling interval (None: back to
    ``watch_interval``), due from their last fetch on the new schedule; return their URLs. UsageError for an
    unknown source or a negative interval."""
    if seconds is not None and seconds < 0:
        raise UsageError(f"an interval is a number of seconds, 0 or more, not {seconds:g}")
    found = store.get_source(source)
    if found is None:
        raise UsageError(f"unknown source {source!r}: see `veille sources list`")
    changed: list[str] = []
    for state in store.feed_states(active_only=False):
        if state.source_id == found.id:
            # due on the new schedule at once: its last fetch plus the interval (None: at the next pass)
            due = (
                state.last_fetch + timedelta(seconds=seconds)
                if state.last_fetch and seconds is not None
                else None
            )
            store.put_feed_state(replace(state, interval=seconds, next_due=due))
            changed.append(state.url)
    return changed


def poll_once(
    store: Store,
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    force: bool = False,
    run_pipeline: Callable[[], dict[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
    fetcher: Fetcher | None = None,
    catch_up: bool = True,
) -> PassSummary:
    """Poll every due feed once (``force``: every feed not paused) and store the new entries' pages.

    ``run_pipeline`` (e.g. ``pipeline.run`` on this store, returning its counters) runs every ``watch_batch``
    new documents and at the end of the pass; with ``catch_up`` it runs at the end even when the pass stored
    nothing new, so the documents a stopped or killed process stored are processed (``pipeline.run`` does
    only what is pending). ``progress`` is called with each feed's URL once it is done.
    """
    due = due_feeds(store.feed_states(), force=force)
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings, connections=max(4, settings.watch_workers * 2))
    try:
        summary = _Pass(
            store, settings, fetcher, stop or threading.Event(), run_pipeline, progress, catch_up
        ).run(due)
    finally:
        if own:
            fetcher.close()
    logger.info(
        "watch pass: %d feed(s) due, %d unchanged, %d failed, %d new document(s)",
        summary.feeds_due,
        summary.not_modified,
        summary.feeds_failed,
        summary.documents_new,
    )
    return summary


def next_wake(store: Store, *, now: datetime | None = None) -> float:
    """Return the seconds until the next feed is due (at most ``LOOP_LOOK_SECONDS``; 0 when one is due)."""
    moment = now or datetime.now(UTC)
    dues = [s.next_due or moment for s in store.feed_states() if not s.paused]
    if not dues:
        return LOOP_LOOK_SECONDS
    return max(0.0, min(LOOP_LOOK_SECONDS, (min(dues) - moment).total_seconds()))


def watch(
    store: Store,
    settings: Settings,
    *,
    stop: threading.Event,
    on_pass: Callable[[PassSummary], None],
    run_pipeline: Callable[[], dict[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Poll the feeds pass after pass, each when it is due, until ``stop`` is set; return the passes made."""
    passes = 0
    with Fetcher(settings, connections=max(4, settings.watch_workers * 2)) as fetcher:
        while not stop.is_set():
            fetcher.counts = type(fetcher.counts)()
            summary = poll_once(
                store,
                settings,
                stop=stop,
                run_pipeline=run_pipeline,
                progress=progress,
                fetcher=fetcher,
                catch_up=passes == 0,  # the first pass runs what an earlier process left unprocessed
            )
            passes += 1
            on_pass(summary)
            stop.wait(next_wake(store))
    return passes
