from pathlib import Path

from veille.group.dedup import (
    BandIndex,
    DuplicateIndex,
    minhash_of,
    shingle_hashes,
    similarity_of,
    text_fingerprint,
    wire_credits,
)
from veille.model import DuplicateLink


def _rpm2(sample_dir: Path, name: str) -> str:
    return (sample_dir / "rpm2" / f"{name}.txt").read_text(encoding="utf-8-sig").replace("\r\n", "\n")


def test_dedup_labels_exact_near_and_distinct(sample_dir):
    original = _rpm2(sample_dir, "T01_C1_01")
    paragraphs = original.split("\n")
    edited = "\n".join(paragraphs[:-1]) + "\nPublicité — Abonnez-vous à notre lettre d'information."
    other_story = _rpm2(sample_dir, "T02_C1_01")
    index = DuplicateIndex(threshold=0.8)
    assert index.add("a", original) == []
    exact = index.add("b", original.upper().replace(" ", "  "))
    assert [(link.other_id, link.kind) for link in exact] == [("a", "exact")]
    near = index.add("c", edited)
    [link] = near  # to the first of the exact group {a, b}: it stands for both
    assert link.other_id == "a" and link.kind == "near" and 0.8 <= link.similarity < 1
    assert index.add("d", other_story) == []


def test_dedup_marks_syndicated_copies_by_wire_credit(sample_dir):
    text = _rpm2(sample_dir, "T03_C1_02")
    words = text.split()
    rewritten = " ".join(words[: int(len(words) * 0.7)]) + " (AFP)"
    index = DuplicateIndex(threshold=0.95)
    index.add("wire", text + " (AFP)")
    links = index.add("copy", rewritten)
    assert [link.kind for link in links] == ["syndicated"]


def test_dedup_fingerprint_ignores_case_accents_spacing():
    assert text_fingerprint("Sergueï  Lavrov À Bamako") == text_fingerprint("serguei lavrov a bamako")
    assert wire_credits("Bamako, 6 fév. (AFP) — texte, avec Reuters") == {"afp", "reuters"}


def _body_words(sample_dir: Path, name: str) -> list[str]:
    return _rpm2(sample_dir, name).split()


def test_dedup_links_truncated_copy_as_syndicated_by_containment(sample_dir):
    original = _rpm2(sample_dir, "T05_C1_03")
    words = original.split()
    truncated = " ".join(words[: int(len(words) * 0.6)])  # first 60 %, paragraph breaks lost
    jaccard, containment = similarity_of(shingle_hashes(truncated), shingle_hashes(original))
    assert jaccard < 0.8 <= containment  # a Jaccard rule alone cannot catch it
    index = DuplicateIndex(threshold=0.8)
    index.add("original", original)
    links = index.add("truncated", truncated)
    assert [(lk.other_id, lk.kind) for lk in links] == [("original", "syndicated")]
    assert links[0].similarity == round(containment, 3)


def test_dedup_links_reordered_paragraphs_as_near(sample_dir):
    original = _rpm2(sample_dir, "T07_C2_02")
    title, *body = [p for p in original.split("\n") if p.strip()]
    assert len(body) >= 3
    reordered = "\n".join([title, *reversed(body)])
    whole = shingle_hashes(reordered)
    assert whole.crossing.size  # shingles across the new paragraph breaks differ from the original's
    index = DuplicateIndex(threshold=0.8)
    index.add("original", original)
    links = index.add("reordered", reordered)
    assert [(lk.other_id, lk.kind) for lk in links] == [("original", "near")]
    assert links[0].similarity >= 0.95


def test_dedup_wire_credit_lowers_the_containment_needed(sample_dir):
    first = _body_words(sample_dir, "T02_C1_03")
    other = _body_words(sample_dir, "T09_C2_01")
    kept = len(first) * 3 // 5  # the wire text's first 60 %, then another article's text
    wire = " ".join(first) + " (AFP)"
    mixed = " ".join(first[:kept] + other[: len(first) - kept])
    jaccard, containment = similarity_of(shingle_hashes(mixed), shingle_hashes(wire))
    assert jaccard < 0.5 and 0.5 <= containment < 0.8
    credited = DuplicateIndex(threshold=0.8)
    credited.add("wire", wire)
    links = credited.add("copy", mixed + " (AFP)")
    assert [lk.kind for lk in links] == ["syndicated"] and 0.5 <= links[0].similarity < 0.8
    plain = DuplicateIndex(threshold=0.8)
    plain.add("wire", wire)
    assert plain.add("copy", mixed) == []


def test_dedup_sample_has_no_links_across_topics_and_bounded_memory(sample_dir):
    index = DuplicateIndex(threshold=0.8)
    links = []
    words = 0
    for path in sorted((sample_dir / "rpm2").glob("T*.txt")):
        text = path.read_text(encoding="utf-8-sig")
        words += len(text.split())
        links += index.add(path.stem, text)
    assert len(index) == 200
    assert all(lk.article_id.split("_")[0] == lk.other_id.split("_")[0] for lk in links)
    assert len(links) <= 2
    assert index.memory_bytes() <= 5 * words  # about 4 bytes per word kept, not the texts


def test_dedup_exact_copies_link_to_the_first_and_skips_empty_text(sample_dir):
    """Exact copies link to the first of their text only, and a near copy links to that first for the group:
    links grow with the copies, not with their pairs."""
    text = _rpm2(sample_dir, "T04_C1_01")
    index = DuplicateIndex()
    assert index.add("a", text) == []
    assert index.add("b", text) == [DuplicateLink("b", "a", "exact", 1.0)]
    assert index.add("c", text.lower()) == [DuplicateLink("c", "a", "exact", 1.0)]
    near = text.replace("dalaï-lama", "Dalaï Lama", 1) + "\nLire aussi : nos autres articles sur le Tibet."
    [link] = index.add("d", near)
    assert link.other_id == "a" and link.kind in {"near", "syndicated"}
    assert index.add("a", text) == []  # already indexed
    assert index.add("empty", " — … ") == [] and "empty" not in index


def test_dedup_keeps_a_bounded_cache_and_reads_candidates_texts_again(sample_dir):
    """With a text source, the index keeps only the shingles of the articles last used; an older article that
    is a candidate has its text read again and is linked as it would be from memory; an article whose text
    is gone is no candidate any more (no link, no error)."""
    texts = {
        p.stem: p.read_text(encoding="utf-8-sig") for p in sorted((sample_dir / "rpm2").glob("T0[1-3]*.txt"))
    }
    asked: list[str] = []

    def source(ids):
        asked.extend(ids)
        return {i: texts[i] for i in ids if i in texts}

    bounded, whole = DuplicateIndex(texts=source, cache=4), DuplicateIndex()
    for name, text in texts.items():
        assert bounded.add(name, text) == whole.add(name, text)
    assert len(bounded._shingles) == 4 and len(whole._shingles) == len(texts)
    assert bounded.memory_bytes() < whole.memory_bytes() / 5
    first = next(iter(texts))
    paragraphs = texts[first].split("\n")
    copy = "\n".join(paragraphs[:-1]) + "\nLire aussi : nos autres articles."
    expected = whole.add("copy", copy)
    assert expected and expected[0].other_id == first
    assert bounded.add("copy", copy) == expected
    assert first in asked and bounded.reads == len(asked)
    gone = DuplicateIndex(texts=source, cache=4)
    for name, text in texts.items():
        gone.add(name, text)
    del texts[first]  # the article left the store: a copy of it is no longer linked to it, and nothing fails
    assert first not in gone._shingles
    assert gone.add("copy", copy) == [link for link in expected if link.other_id != first]


def test_dedup_band_index_returns_copies_not_unrelated_texts(sample_dir):
    original = _rpm2(sample_dir, "T06_C1_01")
    index = BandIndex(0.3)
    assert index.bands * index.rows <= 128
    index.insert("original", minhash_of(original))
    index.insert("other", minhash_of(_rpm2(sample_dir, "T08_C2_05")))
    words = original.split()
    assert set(index.query(minhash_of(" ".join(words[: len(words) * 2 // 3])))) == {"original"}
    assert not index.query(minhash_of(_rpm2(sample_dir, "T03_C2_01")))


def test_dedup_seeds_are_one_event_but_not_copies(seed_texts):
    index = DuplicateIndex()
    links = [link for name, text in sorted(seed_texts.items()) for link in index.add(name, text)]
    assert len(seed_texts) == 2 and len(index) == 2
    assert links == []
    first, second = (shingle_hashes(t) for t in seed_texts.values())
    assert similarity_of(first, second)[1] < 0.5
