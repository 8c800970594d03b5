"""The understand stage's speed-ups (issue 20) change no output: each is checked against what it replaced, on
the seeds and the bundled sample (real French news) and on edge cases written for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spacy.matcher import Matcher

from veille.model import Article
from veille.understand import dates
from veille.understand.analyze import analyze_article, analyze_articles
from veille.understand.coref import _occurrences
from veille.understand.nlp import org_names
from veille.understand.quotes import _starts


@pytest.fixture(scope="module")
def texts(seed_texts: dict[str, str], sample_dir: Path) -> list[str]:
    """The two seeds and 60 texts of the sample (RPM2), with edge cases the speed-ups must keep."""
    sample = [p.read_text(encoding="utf-8") for p in sorted((sample_dir / "rpm2").glob("*.txt"))[::3]]
    edge = (
        "Rendez-vous à mıdi (un ı sans point), le LUNDİ 3 MARS, au Quai d'Orsay. La CROIX-ROUGE et al-qaïda, "
        "AL-QAÏDA, la minusma et la Minusma. Trois jours plus tard, l'été dernier, au XIXe siècle."
    )
    return [*seed_texts.values(), *sample, edge]


def test_time_rules_skipped_by_their_words_find_what_a_full_scan_finds(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = [[(f.start, f.end, f.rule) for f in dates._find(text)] for text in texts]
    needed = [(rule, pattern, dates._NEEDS[rule]) for rule, pattern in dates.RULES if rule in dates._NEEDS]
    assert len(needed) > 20
    for rule, pattern, words in needed:  # every match of a rule holds one of its words (day_first: ahead)
        for text in texts:
            for m in pattern.finditer(text):
                seen = text[m.start() : m.end() + 80].casefold().replace("\u0131", "i")
                assert any(w in seen for w in words), (rule, m.group(0))
    monkeypatch.setattr(dates, "_NEEDS", {})
    full = [[(f.start, f.end, f.rule) for f in dates._find(text)] for text in texts]
    assert fast == full
    assert any(rule == "clock_word" for _, _, rule in fast[-1])  # "à mıdi": re.I reads ı as i


@pytest.mark.parametrize(
    "text",
    [
        "Angola, l'Angola, Angolais, pro-Angola, Angola_x, Angola-Nord, 2Angola, Angola2, «Angola».",
        "AngolaAngola Angola",
        "Angola",
        "Ngola Angola Ébola Angolaé éAngola Angola",
    ],
)
def test_name_occurrences_are_what_the_bounded_pattern_finds(text: str) -> None:
    for form in ("Angola", "Angola Angola", "AngolaAngola"):
        pattern = re.compile(r"(?<![\w-])" + re.escape(form) + r"(?![\w-])")
        assert list(_occurrences(text, form)) == [m.span() for m in pattern.finditer(text)]


def test_phrase_starts_are_what_finditer_finds() -> None:
    text = "aaaa a.b a.b (x) le porte-parole du porte-parole"
    for phrase in ("aa", "a.b", "(x)", "porte-parole", "", "absent"):
        for lo, hi in ((0, len(text)), (3, 20), (10, 12)):
            expected = [m.start() + lo for m in re.finditer(re.escape(phrase), text[lo:hi])]
            assert _starts(text, phrase, lo, hi) == expected


def test_organisation_ruler_matches_what_token_patterns_match(nlp, texts: list[str]) -> None:
    """The ruler's phrase patterns (LOWER) find the same tokens as the token patterns of every name would."""
    matcher = Matcher(nlp.vocab)
    names = org_names()
    for name in names["lower"]:
        parts = re.findall(r"\w+(?:-\w+)*|'|\S", name)
        matcher.add("ORG", [[{"LOWER": part.lower()} for part in parts]])
    matcher.add("ORG", [[{"ORTH": name}] for name in names["exact"]])
    ruler = nlp.get_pipe("veille_orgs")
    found = 0
    for text in texts:
        doc = nlp.make_doc(text)
        expected = {(s, e) for _, s, e in matcher(doc)}
        assert {(s, e) for _, s, e in ruler.match(doc)} == expected
        found += len(expected)
    assert found > 20


def test_batch_analyses_equal_one_at_a_time(nlp, seed_texts: dict[str, str], sample_dir: Path) -> None:
    texts = [
        *seed_texts.values(),
        *(p.read_text(encoding="utf-8") for p in sorted(sample_dir.glob("rpm2/*"))[:4]),
    ]
    articles = [Article(id=f"a{i}", content_id=f"a{i}", text=t) for i, t in enumerate(texts)]
    batch = list(analyze_articles(articles, nlp=nlp, batch_size=4))
    assert batch == [analyze_article(a, nlp=nlp) for a in articles]
    assert all(a.entities and a.times for a in batch)
