import json
import re
import struct
import zlib
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from veille.errors import VeilleError
from veille.group import StoryGrouper, dedup, features_of, stories
from veille.group.state import MAGIC, membership_digest, read_state_header
from veille.model import Analysis, Article, Entity, Mention
from veille.settings import Settings

_NAME = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]{3,}(?: [A-ZÀ-Ý][a-zà-ÿ]{3,})*")
_TYPES = ("PER", "ORG", "LOC", "MISC")


def _analysis(article: Article) -> Analysis:
    """Entities by hand: the article's most frequent capitalised names, typed in turn (MISC is ignored)."""
    found = Counter(
        m.group(0) for m in _NAME.finditer(article.text) if m.start() and article.text[m.start() - 1] != "\n"
    )
    entities = []
    for i, (name, _) in enumerate(found.most_common(6)):
        start = article.text.index(name)
        entities.append(
            Entity(f"e:{name.lower()}", name, _TYPES[i % 4], (Mention(name, start, start + len(name)),))
        )
    return Analysis(article_id=article.id, language="fr", entities=tuple(entities))


def _feed(sample_dir: Path) -> list[tuple[Article, Analysis | None]]:
    """The 200 sample articles, dated by topic (a few undated), with exact, near and wire copies of some, in
    the group stage's order (dated first, by date)."""
    items = []
    for path in sorted((sample_dir / "rpm2").glob("T*.txt")):
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        topic, number = int(path.stem[1:3]), int(path.stem[-2:])
        day = None if number % 9 == 0 else date(2024, 1, 1) + timedelta(days=9 * topic + number % 7)
        article = Article(
            path.stem, path.stem, text, title=text.split("\n", 1)[0], outlet=f"o{number % 5}", published=day
        )
        items.append((article, _analysis(article) if number % 3 else None))
        if number % 6 == 1:  # an exact copy (case and spacing differ), the next day
            copy = replace(
                article,
                id=f"{path.stem}-x",
                text=text.upper().replace(" ", "  "),
                published=day and day + timedelta(days=1),
            )
            items.append((copy, None))
        if number % 6 == 2:  # a near copy: last paragraph dropped, a wire credit added
            paras = text.rstrip().split("\n")
            copy = replace(article, id=f"{path.stem}-n", text="\n".join(paras[:-1]) + " (AFP)", published=day)
            items.append((copy, None))
    order = sorted(
        range(len(items)), key=lambda i: (items[i][0].published is None, items[i][0].published or date.min, i)
    )
    return [items[i] for i in order]


def _add(grouper, item):
    article, analysis = item
    return grouper.add(features_of(article, analysis), article.text)


def _texts_of(items):
    """A text source over the fed articles (the pipeline's is the store), counting the texts it gives."""
    texts = {article.id: article.text for article, _ in items}
    given = Counter()

    def source(ids):
        given.update(i for i in ids if i in texts)
        return {i: texts[i] for i in ids if i in texts}

    source.given = given
    return source


def _half_fed(sample_dir, monkeypatch, settings=None):
    """A grouper fed the first half, with its text source; the second half (stories are closed every 40
    articles, so both halves close some; the duplicate index keeps 8 articles' shingles at hand, so it reads
    candidates' texts again)."""
    monkeypatch.setattr(stories, "CLOSE_EVERY", 40)
    monkeypatch.setattr(dedup, "SHINGLE_CACHE", 8)
    items = _feed(sample_dir)
    half = len(items) // 2
    texts = _texts_of(items)
    grouper = StoryGrouper(settings, texts=texts)
    placed = [_add(grouper, item) for item in items[:half]]
    return grouper, placed, items[half:]


def test_state_restored_grouper_decides_as_the_original(sample_dir, monkeypatch):
    original, placed, rest = _half_fed(sample_dir, monkeypatch)
    blob = original.dump()
    texts = original.duplicates._texts
    restored = StoryGrouper.restore(blob, Settings(), texts=texts)
    assert len(restored.duplicates._shingles) == 0  # nothing at hand: every candidate is read again
    assert restored.dump() == blob  # the same state, byte for byte
    first_half = {sid for sid, _ in placed}
    first_ids = {a for sid in first_half for a in original.story(sid).articles}

    decided = []
    for article, analysis in rest:
        feats = features_of(article, analysis)
        # the same candidates with the very same scores (cached centroids included), then the same decision
        candidates = original.candidates(feats)
        assert restored.candidates(feats) == candidates
        assert [restored.score(feats, sid) for sid in candidates] == [
            original.score(feats, sid) for sid in candidates
        ]
        decided.append(original.add(feats, article.text))
        assert restored.add(feats, article.text) == decided[-1]  # story id, links, kinds and similarities
    every = first_half | {sid for sid, _ in decided}
    assert [restored.story(sid) for sid in sorted(every)] == [original.story(sid) for sid in sorted(every)]
    assert restored.dump() == original.dump()

    # the second half leans on the restored state: it joins old stories and links to old articles
    links = [link for _, found in decided for link in found]
    assert sum(sid in first_half for sid, _ in decided) >= 10
    assert {link.kind for link in links} >= {"exact", "near"} or {link.kind for link in links} >= {
        "exact",
        "syndicated",
    }
    assert any(link.other_id in first_ids for link in links)
    # the shingles at hand stayed bounded; the texts of candidates out of it were read again, and decided the same
    assert len(original.duplicates._shingles) == len(restored.duplicates._shingles) == 8
    assert original.duplicates.reads > 0 and restored.duplicates.reads > 0
    assert texts.given
    states = original._stories.values()
    assert any(s.vector is None and s.last for s in states), "no story was closed"
    assert any(s.vector is not None for s in states) and any(s.entities for s in states)


def test_state_round_trips_empty_and_loaded_groupers(sample_dir):
    """An empty grouper; stories loaded as the pipeline loads them, some members without their text (out of
    the duplicate index), a story without members, a title with a lone surrogate."""
    empty = StoryGrouper()
    assert StoryGrouper.restore(empty.dump(), Settings()).dump() == empty.dump()
    items = [item for item in _feed(sample_dir) if "-" not in item[0].id][:6]
    odd = replace(items[0][0], title="Titre \udcff mal décodé")
    grouper = StoryGrouper()
    grouper.load("s-odd", [(features_of(odd, None), None)])
    grouper.load("s-no-text", [(features_of(a, an), None) for a, an in items[1:3]])
    grouper.load("s-empty", [])
    grouper.load("s-text", [(features_of(a, an), a.text) for a, an in items[3:]])
    restored = StoryGrouper.restore(grouper.dump(), Settings(), texts=_texts_of(items))
    assert restored.dump() == grouper.dump()
    assert len(restored.duplicates) == 3
    assert restored.story("s-no-text") == grouper.story("s-no-text")
    assert restored.story("s-odd").label == odd.title
    for article, analysis in (items[1], items[4]):  # copies: linked only to the article indexed with its text
        copy = replace(article, id=article.id + "-again")
        expected = grouper.add(features_of(copy, analysis), copy.text)
        assert restored.add(features_of(copy, analysis), copy.text) == expected
        assert [link.kind for link in expected[1]] == ([] if article is items[1][0] else ["exact"])


def test_state_header_says_what_made_it(sample_dir, monkeypatch):
    grouper, placed, _ = _half_fed(sample_dir, monkeypatch)
    header = read_state_header(grouper.dump())
    assert header.signature == grouper.signature == StoryGrouper(Settings()).signature
    assert header.signature["story_threshold"] == Settings().story_threshold
    assert header.articles == len(placed)
    sids = {sid for sid, _ in placed}
    assert header.stories == len(sids)
    assert header.membership == membership_digest(
        (sid, a) for sid in sids for a in grouper.story(sid).articles
    )
    assert header.membership != membership_digest([(next(iter(sids)), "another-article")])


@pytest.mark.parametrize(
    "other",
    [{"story_threshold": 0.25}, {"story_window_days": 5}, {"near_duplicate_threshold": 0.9}],
)
def test_state_refused_under_other_settings(sample_dir, monkeypatch, other):
    grouper, _, _ = _half_fed(sample_dir, monkeypatch)
    blob = grouper.dump()
    with pytest.raises(VeilleError) as err:
        StoryGrouper.restore(blob, Settings(**other))
    assert err.value.code == "bad_state" and next(iter(other)) in str(err.value)
    monkeypatch.setattr(stories, "GROUPER_VERSION", stories.GROUPER_VERSION + " (next)")
    with pytest.raises(VeilleError, match="grouper"):
        StoryGrouper.restore(blob, Settings())


def _rewrite(blob: bytes, change) -> bytes:
    """Return the blob with its body changed by ``change(document, parts)`` (parts: the zlib part's arrays and
    the raw part, as bytearrays), then packed again with a valid zlib stream, checksum and header: only the
    state's own checks can refuse it."""
    start = len(MAGIC) + 4
    (size,) = struct.unpack_from("<I", blob, len(MAGIC))
    header = json.loads(blob[start : start + size])
    rest = blob[start + size :]
    body = bytearray(zlib.decompress(rest[: header["packed_bytes"]]))
    (doc_size,) = struct.unpack_from("<I", body)
    doc = json.loads(body[4 : 4 + doc_size])
    parts = (body[4 + doc_size :], bytearray(rest[header["packed_bytes"] :]))
    change(doc, parts)
    text = json.dumps(doc).encode()
    text += b" " * (-(len(text) + 4) % 8)
    body = struct.pack("<I", len(text)) + text + bytes(parts[0])
    packed = zlib.compress(body)
    header.update(
        body_bytes=len(body),
        packed_bytes=len(packed),
        raw_bytes=len(parts[1]),
        raw_crc32=zlib.crc32(parts[1]),
    )
    head = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(head)) + head + packed + bytes(parts[1])


def _poke(name, value):
    def change(doc, parts):
        dtype, _, offset, part = doc["arrays"][name]
        struct.pack_into(
            {"i4": "<i", "i8": "<q", "u1": "<B", "u8": "<Q"}[dtype],
            parts[part],
            offset + 8 * (dtype == "u8"),
            value,
        )

    return change


def _short_fingerprints(doc, parts):
    """Make the text fingerprints one byte short of what the entries need."""
    doc["arrays"]["dup_fingerprint"][1] -= 1


def _flip(blob, at):
    return blob[:at] + bytes([blob[at] ^ 0xFF]) + blob[at + 1 :]


def test_state_tampered_blob_refused(sample_dir, monkeypatch):
    grouper, _, _ = _half_fed(sample_dir, monkeypatch)
    blob = grouper.dump()
    assert StoryGrouper.restore(_rewrite(blob, lambda doc, parts: None), Settings()).dump() == blob
    body = len(MAGIC) + 4 + struct.unpack_from("<I", blob, len(MAGIC))[0]
    damaged = [
        b"",
        b"not a state at all",
        b"\x80\x04\x95" + blob,  # a pickle's opening bytes
        blob[:-100],  # truncated
        _flip(blob, body + 100),  # one byte flipped in the zlib part
        _flip(blob, len(blob) - 5),  # in the raw part
        blob + b"trailing",
        blob.replace(b'"format":2', b'"format":9', 1),
        _rewrite(blob, _poke("open", -1)),  # an index Python would take from the end
        _rewrite(blob, _poke("story_of", 10**6)),
        _rewrite(blob, _poke("story_terms_off", 5)),  # offsets that do not start at 0
        _rewrite(blob, _poke("lsh_number", -3)),
        _rewrite(blob, _poke("lsh_key", 0)),  # band keys no longer sorted
        _rewrite(blob, _short_fingerprints),
        _rewrite(blob, lambda doc, parts: doc["arrays"]["df"].__setitem__(2, 10**9)),  # out of the body
        _rewrite(blob, lambda doc, parts: doc["arrays"]["df"].__setitem__(0, "O")),  # objects: never
        _rewrite(blob, lambda doc, parts: doc.__setitem__("titles", doc["titles"][:-1])),
        _rewrite(blob, lambda doc, parts: doc.__setitem__("members", [1] * len(doc["members"]))),
        _rewrite(blob, lambda doc, parts: doc["duplicates"].__setitem__("bands", 2)),
    ]
    for i, data in enumerate(damaged):
        with pytest.raises(VeilleError) as err:
            StoryGrouper.restore(data, Settings())
        assert err.value.code == "bad_state", i


def _run_in(db: str, folder: Path) -> None:
    from click.testing import CliRunner

    from veille.cli import main

    for args in (["ingest", str(folder)], ["run"]):
        result = CliRunner().invoke(main, ["--db", db, *args, "--json"])
        assert result.exit_code == 0, result.output


def test_state_saved_by_run_is_restored_and_groups_as_a_rebuild(tmp_path, sample_dir, caplog):
    # a second `veille run` restores the grouper the first saved (the link step moved some names meanwhile:
    # the restored index follows them) and makes the stories a grouper rebuilt from the store makes
    import logging
    import shutil

    from veille.store import open_store

    texts = sorted((sample_dir / "rpm2").glob("*.txt"))
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, paths in (
        (first, texts[:24]),
        (second, [*texts[24:40], *sorted((sample_dir / "seeds").glob("*.txt"))]),
    ):
        folder.mkdir()
        for path in paths:
            shutil.copy(path, folder / path.name)
    saved, rebuilt = str(tmp_path / "saved.db"), str(tmp_path / "rebuilt.db")
    _run_in(saved, first)
    shutil.copy(saved, rebuilt)
    store = open_store(rebuilt)
    assert store.get_state("grouper") is not None
    with store.transaction():
        store._x("DELETE FROM states")
    store.close()
    with caplog.at_level(logging.DEBUG, logger="veille.pipeline"):
        _run_in(saved, second)
    assert "story index restored" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="veille.pipeline"):
        _run_in(rebuilt, second)
    assert "story index restored" not in caplog.text
    stores = [open_store(saved), open_store(rebuilt)]
    try:
        a, b = ([(s.id, s.articles, s.label) for s in st.list_stories(limit=1000)] for st in stores)
        assert a == b and len(a) >= 3
    finally:
        for st in stores:
            st.close()


def test_state_arrays_refuse_values_out_of_range_instead_of_wrapping():
    """The dump keeps its numbers in typed int64 / float64 accumulators and narrows them to each array's
    dtype: a value the dtype cannot hold raises, as a list's did, rather than wrapping into another story."""
    from array import array

    from veille.group.state import _Arrays

    arrays = _Arrays()
    arrays.put("story_first", array("q", [1, 2**31 - 1]))
    with pytest.raises(OverflowError):
        arrays.put("story_last", array("q", [2**31]))
    with pytest.raises(OverflowError):
        arrays.put("story_vector_mode", array("q", [-1]))  # a uint8 array
    arrays.put("story_terms_val", array("d", [0.5, 1.25]))
    assert arrays.table["story_first"][:2] == ["i4", 2] and arrays.table["story_terms_val"][:2] == ["f8", 2]
    assert arrays.size[0] == 8 + 16  # two int32 values padded to 8 bytes, two float64 values
