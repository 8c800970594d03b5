"""Issue 22: the hostile corpus (tests/hostile_inputs.py) and the seeds ingested in ONE `veille ingest` batch.

Run as a subprocess with a timeout (a hang fails the test): the seeds come out intact (same content ids as
alone), every hostile input is a failure record with a clear message or a stored document, nothing is
dropped silently, and a second ingest of the same batch changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hostile_inputs
import pytest

from veille.extract.article import decode_document, extract_article
from veille.model import Document, Failure
from veille.settings import Settings
from veille.store import open_store

MAX_BYTES = 200_000
TIMEOUT = 240


def _ingest(db: Path, *sources: Path) -> dict[str, int]:
    env = dict(os.environ, VEILLE_MAX_DOCUMENT_BYTES=str(MAX_BYTES))
    command = [sys.executable, "-m", "veille", "--db", str(db), "ingest", "--json", *map(str, sources)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return json.loads(result.stdout)


def _contents(db: Path) -> tuple[dict[str, Document], list[Failure], dict[str, int]]:
    store = open_store(str(db))
    try:
        docs = {doc_id: store.get_document(doc_id) for doc_id in store.iter_document_ids()}
        return (
            {k: v for k, v in docs.items() if v is not None},
            store.list_failures(stage="ingest"),
            store.counts(),
        )
    finally:
        store.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    cases = hostile_inputs.build(root / "corpus", max_document_bytes=MAX_BYTES)
    yield root, cases
    hostile_inputs.restore_permissions(cases)


@pytest.fixture(scope="module")
def batch(corpus, seed_paths):
    root, cases = corpus
    db = root / "veille.db"
    seeds = list(seed_paths.values())
    first = _ingest(db, seeds[0], root / "corpus", seeds[1])
    before = _contents(db)
    second = _ingest(db, seeds[0], root / "corpus", seeds[1])
    return first, before, second, _contents(db)


def _kind_of(source: str, corpus_dir: Path) -> str | None:
    for base in {str(corpus_dir), str(corpus_dir.resolve())}:
        if source.startswith(base + os.sep):
            return source[len(base) + 1 :].split(os.sep)[0]
    return None


def test_hostile_corpus_has_every_kind(corpus):
    _, cases = corpus
    kinds = {case.kind for case in cases}
    assert len(kinds) >= 30
    for needed in (
        "deep-json-array",
        "symlink-loop",
        "fifo",
        "gzip-bomb",
        "feed-xxe",
        "warc-short-content-length",
    ):
        assert needed in kinds


def test_hostile_batch_seeds_intact(batch, seed_paths, tmp_path):
    _, (docs, failures, _), _, _ = batch
    alone = tmp_path / "alone.db"
    _ingest(alone, *seed_paths.values())
    alone_docs, alone_failures, _ = _contents(alone)
    assert not alone_failures
    assert set(alone_docs) <= set(docs)
    for doc_id, doc in alone_docs.items():
        assert docs[doc_id].raw == doc.raw
        assert not [f for f in failures if f.item_id == doc_id]


def test_hostile_batch_every_input_is_a_failure_or_a_document(batch, corpus):
    root, cases = corpus
    _, (docs, failures, _), _, _ = batch
    corpus_dir = root / "corpus"
    by_kind: dict[str, tuple[list[Document], list[Failure]]] = {case.kind: ([], []) for case in cases}
    for doc in docs.values():
        kind = _kind_of(doc.source, corpus_dir)
        if kind is not None:
            by_kind[kind][0].append(doc)
    for failure in failures:
        kind = _kind_of(failure.source or "", corpus_dir)
        assert kind is not None or failure.source is None, failure
        if kind is not None:
            by_kind[kind][1].append(failure)
    problems = []
    for case in cases:
        found_docs, found_failures = by_kind[case.kind]
        if case.expected == hostile_inputs.DOCUMENT:
            if not found_docs or found_failures:
                problems.append((case.kind, "document expected", found_failures))
        else:
            messages = [f"{f.code}: {f.message}" for f in found_failures]
            if not found_failures:
                problems.append((case.kind, "failure expected", [d.source for d in found_docs]))
            elif case.message and not any(m.lower() in msg.lower() for m in case.message for msg in messages):
                problems.append((case.kind, f"message with {case.message}", messages))
        for failure in found_failures:
            assert failure.code and failure.code != "internal" and len(failure.message) > 15, failure
    assert not problems, problems
    odd = by_kind["odd-names"][0]
    assert len(odd) == 5


def test_hostile_batch_second_ingest_changes_nothing(batch):
    first, (docs, failures, counts), second, (docs2, failures2, counts2) = batch
    assert first["processed"] == second["processed"] and second["ok"] == 0
    assert set(docs) == set(docs2) and counts == counts2

    def key(f: Failure) -> tuple[str, str, str]:
        return f.item_id, f.code, f.message

    assert sorted(map(key, failures)) == sorted(map(key, failures2))


def test_hostile_batch_text_decoded_right_and_dates_never_invented(batch, corpus):
    root, _ = corpus
    _, (docs, _, _), _, _ = batch
    by_name = {Path(doc.source).name: doc for doc in docs.values()}
    mixed = by_name["mixte.html"]
    assert mixed.hints["encoding_source"] == "mixed" and "windows-1252" in mixed.hints["encoding_repairs"]
    text = decode_document(mixed)
    assert "président a été reçu" in text and "Ã©" not in text
    assert by_name["utf16.txt"].hints["encoding"] == "utf-16-le"
    assert "Niamey" in decode_document(by_name["utf16.txt"])
    settings = Settings(max_document_bytes=MAX_BYTES)
    assert extract_article(by_name["fevrier.html"], settings=settings).published is None
    assert extract_article(by_name["record.json"], settings=settings).published is None  # "2023-02-31"
    [feed] = [d for d in docs.values() if d.source.endswith("date.rss")]
    assert json.loads(feed.raw)["date_publish"] is None
