"""What the ingest stage yields: one Ingested per input item, a Document and/or the Failure it met."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from veille.errors import EncodingError, TooLargeError, VeilleError
from veille.ingest.encoding import decode
from veille.model import Document, Failure

logger = logging.getLogger(__name__)

INGESTER_VERSION = "veille-ingest 0.1"


@dataclass(frozen=True, slots=True)
class Ingested:
    """One ingested item: its Document (None only when nothing could be read) and its Failure, if any.

    ``failure.item_id`` is the document id when a document exists, else the source (path or URL).
    """

    document: Document | None
    failure: Failure | None = None


def ok(document: Document) -> Ingested:
    """Return a successful Ingested for ``document``."""
    return Ingested(document, None)


def failed(
    document: Document | None, error: VeilleError, *, source: str, item: str | None = None
) -> Ingested:
    """Return an Ingested carrying ``error`` as a Failure of stage ``ingest`` for ``document``, else for
    ``item`` (a part of the source, e.g. "archive.warc#record-3"), else for ``source``."""
    item_id = document.id if document is not None else item or source
    failure = Failure(
        item_id=item_id,
        stage="ingest",
        code=error.code,
        message=str(error),
        version=INGESTER_VERSION,
        source=source,
    )
    logger.debug("ingest failure %s for %s: %s", error.code, item_id, error)
    return Ingested(document, failure)


_LARGE_PREFIX = 1 << 16


def _prefix_for_hint(raw: bytes, limit: int) -> bytes:
    # Keep the encoding hint of a huge document cheap: decode a prefix cut on a UTF-8 boundary.
    prefix = raw[:limit]
    for cut in range(4):
        end = len(prefix) - cut
        try:
            prefix[:end].decode("utf-8")
            return prefix[:end]
        except UnicodeDecodeError:
            continue
    return prefix


def text_item(
    raw: bytes,
    *,
    media_type: str,
    source: str,
    container: str,
    max_bytes: int,
    declared: str | None = None,
    url: str | None = None,
    record_id: str | None = None,
    hints: dict[str, str] | None = None,
) -> Ingested:
    """Return an Ingested for one HTML or plain-text item, with ``encoding``/``encoding_source`` hints (and
    ``encoding_repairs`` when runs of bytes outside a UTF-8 text were read as windows-1252).

    Over ``max_bytes``: Document + ``too_large`` Failure; undecodable: Document + ``bad_encoding`` Failure.
    """
    all_hints = dict(hints or {})
    too_large = len(raw) > max_bytes
    probe = _prefix_for_hint(raw, _LARGE_PREFIX) if too_large else raw
    error: VeilleError | None = None
    try:
        decoded = decode(probe, declared)
        all_hints.update(encoding=decoded.encoding, encoding_source=decoded.source)
        if decoded.repaired:
            # Said on the document: some of its bytes were not in its encoding and were read as cp1252.
            all_hints["encoding_repairs"] = f"{decoded.repaired} byte(s) outside UTF-8 read as windows-1252"
    except EncodingError as exc:
        error = exc
    doc = Document.from_bytes(
        raw,
        media_type=media_type,
        source=source,
        container=container,
        url=url,
        record_id=record_id,
        hints=all_hints,
    )
    if too_large:
        return failed(
            doc,
            TooLargeError(
                f"{len(raw):,} bytes is over max_document_bytes ({max_bytes:,}); stored, not extracted"
            ),
            source=source,
        )
    if error is not None:
        return failed(doc, error, source=source)
    return ok(doc)
