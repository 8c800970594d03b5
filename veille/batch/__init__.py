"""``veille batch`` and ``veille load``: web-crawl archives on a Dask cluster, results as Parquet, then a store.

``run_batch`` (``cluster.py``) runs one task per archive of a manifest (``task.py``: the records streamed,
extracted and understood with the functions ``veille run`` calls, written as Parquet); ``load_batch``
(``load.py``) brings the Parquet into a store, where ``veille run`` links, groups and compares as usual.
Dask and pyarrow load only when a batch command runs.
"""

from __future__ import annotations

from veille.batch.cluster import ArchiveReport, BatchSummary, run_batch
from veille.batch.load import LoadCounts, load_batch

__all__ = ["ArchiveReport", "BatchSummary", "LoadCounts", "load_batch", "run_batch"]
