"""iter_inputs: every source (paths, folders, "-" for stdin, http(s) URLs) into Ingested items."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from veille.errors import InputError, MissingInputError, UsageError
from veille.ingest.base import Ingested, failed
from veille.ingest.fetch import Fetcher, is_url
from veille.ingest.files import (
    input_limit,
    iter_bytes,
    iter_file,
    read_bounded,
    source_name,
    too_big,
    walk_folder,
)
from veille.settings import Settings

logger = logging.getLogger(__name__)


def iter_inputs(
    sources: Sequence[str], *, settings: Settings, stdin: IO[bytes] | None = None
) -> Iterator[Ingested]:
    """Yield an Ingested per input item of ``sources`` (files, folders, "-", URLs), in order.

    Never raises for one bad item (it yields its Failure); raises UsageError when ``sources`` is empty.
    """
    if isinstance(sources, str | bytes) or not sources:
        raise UsageError("no input given: pass file or folder paths, http(s) URLs, or - for stdin")
    return _iter(list(sources), settings, stdin)


def _iter(sources: list[str], settings: Settings, stdin: IO[bytes] | None) -> Iterator[Ingested]:
    max_bytes = settings.max_document_bytes
    fetcher: Fetcher | None = None
    try:
        for source in sources:
            if source == "-":
                stream = stdin if stdin is not None else sys.stdin.buffer
                raw = read_bounded(stream, input_limit(max_bytes))
                if len(raw) > input_limit(max_bytes):
                    yield too_big("-", None, max_bytes)
                else:
                    yield from _guarded(
                        iter_bytes(raw, source="-", origin="stdin", max_bytes=max_bytes), source="-"
                    )
            elif is_url(source):
                fetcher = fetcher or Fetcher(settings)
                yield from fetcher.fetch(source)
            else:
                yield from _iter_path(Path(source), max_bytes)
    finally:
        if fetcher is not None:
            fetcher.close()


# Wall-clock seconds one input may take to give its next item (a document or a failure); past it the input
# ends with a ``timeout`` failure. Every reader is linear in bounded bytes: this catches what is not.
ITEM_SECONDS = 120.0


class _ItemTimeout(BaseException):
    # Not an Exception: the readers' own "except Exception" (around third-party parsers) must not take it.
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise _ItemTimeout in the block after ``seconds`` (SIGALRM: main thread only, and only when no one
    else uses SIGALRM; elsewhere the block runs without a timer)."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _ItemTimeout

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _guarded(items: Iterator[Ingested], *, source: str, seconds: float = ITEM_SECONDS) -> Iterator[Ingested]:
    """Yield ``items``; an unexpected error in reading one input, or ``seconds`` spent waiting for its next
    item, ends that input with a Failure, never the batch. The consumer's time between items is not counted."""
    iterator = iter(items)
    while True:
        try:
            with _deadline(seconds):
                item = next(iterator)
        except StopIteration:
            return
        except _ItemTimeout:
            message = f"reading {source} took more than {seconds:g} s for one item; stopped there"
            logger.warning(message)
            with suppress(Exception):  # the reader's cleanup (closing its file) must not raise past here
                iterator.close()  # type: ignore[attr-defined]
            yield failed(None, InputError(message, code="timeout"), source=source)
            return
        except Exception as exc:  # noqa: BLE001 - one input must not stop a batch (RecursionError, MemoryError...)
            logger.exception("reading %s failed unexpectedly", source)
            error = InputError(f"reading {source} failed: {type(exc).__name__}: {exc}", code="internal")
            yield failed(None, error, source=source)
            return
        yield item


def _unlistable(found: list[Ingested]) -> Callable[[OSError], None]:
    def on_error(exc: OSError) -> None:
        where = source_name(Path(exc.filename)) if exc.filename else "a subfolder"
        message = f"cannot list folder {where}: {exc.strerror or exc}; its files were not read"
        found.append(failed(None, InputError(message, code="unreadable"), source=where))

    return on_error


def _iter_path(path: Path, max_bytes: int) -> Iterator[Ingested]:
    if path.is_dir():
        found = 0
        errors: list[Ingested] = []
        for file in walk_folder(path, on_error=_unlistable(errors)):
            yield from errors
            errors.clear()
            found += 1
            yield from _guarded(iter_file(file, max_bytes=max_bytes), source=source_name(file))
        yield from errors
        if not found:
            logger.warning("folder %s holds no (non-hidden) files", path)
    elif path.exists() or path.is_symlink():
        yield from _guarded(iter_file(path, max_bytes=max_bytes), source=source_name(path))
    else:
        source = str(path.resolve())
        message = f"{path}: no such file or folder (check the path; URLs must start with http:// or https://)"
        yield failed(None, MissingInputError(message), source=source)
