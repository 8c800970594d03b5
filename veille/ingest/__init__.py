"""The ingest stage: every input kind (files, folders, stdin, URLs, WARC/WET, feeds, JSON records)
becomes Documents holding the raw bytes exactly as received. See docs/architecture.md."""

from veille.ingest.base import INGESTER_VERSION, Ingested
from veille.ingest.encoding import decode_text
from veille.ingest.inputs import iter_inputs

__all__ = ["INGESTER_VERSION", "Ingested", "decode_text", "iter_inputs"]
