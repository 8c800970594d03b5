"""iter_inputs: every source (paths, folders, "-" for stdin, http(s) URLs) into Ingested items."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from veille.errors import MissingInputError, UsageError
from veille.ingest.base import Ingested, failed
from veille.ingest.fetch import Fetcher, is_url
from veille.ingest.files import iter_bytes, iter_file, walk_folder
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
                yield from iter_bytes(stream.read(), source="-", origin="stdin", max_bytes=max_bytes)
            elif is_url(source):
                fetcher = fetcher or Fetcher(settings)
                yield from fetcher.fetch(source)
            else:
                yield from _iter_path(Path(source), max_bytes)
    finally:
        if fetcher is not None:
            fetcher.close()


def _iter_path(path: Path, max_bytes: int) -> Iterator[Ingested]:
    if path.is_dir():
        found = 0
        for file in walk_folder(path):
            found += 1
            yield from iter_file(file, max_bytes=max_bytes)
        if not found:
            logger.warning("folder %s holds no (non-hidden) files", path)
    elif path.exists():
        yield from iter_file(path, max_bytes=max_bytes)
    else:
        source = str(path.resolve())
        message = f"{path}: no such file or folder (check the path; URLs must start with http:// or https://)"
        yield failed(None, MissingInputError(message), source=source)
