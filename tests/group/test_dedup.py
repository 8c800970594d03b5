from pathlib import Path

from veille.group.dedup import DuplicateIndex, text_fingerprint, wire_credits


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
    assert {link.other_id for link in near} == {"a", "b"}
    assert all(link.kind == "near" and 0.8 <= link.similarity < 1 for link in near)
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
