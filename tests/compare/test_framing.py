from __future__ import annotations

from pathlib import Path

import pytest

from veille.compare.framing import aligned_mentions, background_counts, framing_terms, log_odds_z
from veille.model import Analysis, Article, Document, Entity, Mention, Quote, Speaker

SEED_000 = "000_7d5c65816c15ba49"
SEED_002 = "002_c41fd276a5cca2db"


def _article(aid: str, outlet: str, text: str) -> Article:
    return Article(id=aid, content_id=aid, text=text, outlet=outlet)


@pytest.fixture(scope="module")
def seeds(seed_paths, nlp) -> dict[str, tuple[Article, Analysis]]:
    from veille.extract import extract_article
    from veille.understand import analyze_article

    out = {}
    for name in (SEED_000, SEED_002):
        doc = Document.from_bytes(
            seed_paths[name].read_bytes(),
            media_type="text/plain",
            source=name,
            container="file",
            hints={"encoding": "utf-8"},
        )
        article = extract_article(doc)
        out[name] = (article, analyze_article(article, nlp=nlp))
    return out


@pytest.fixture(scope="module")
def sample_texts(sample_dir: Path) -> list[str]:
    return [p.read_text(encoding="utf-8-sig") for p in sorted((sample_dir / "rpm2").glob("*.txt"))]


@pytest.fixture(scope="module")
def seed_terms(seeds, sample_texts):
    articles = [a for a, _ in seeds.values()]
    background = background_counts(sample_texts + [a.text for a in articles])
    analyses = {a.id: an for a, an in seeds.values()}
    terms = framing_terms(articles, analyses, {a.id: a.id for a in articles}, background)
    return {name: [t for t in terms if t.article_id == seeds[name][0].id] for name in seeds}


def test_framing_log_odds_sign_on_a_count_table():
    # "mercenaires" 10 times in 500 n-grams of one side, never in 500 of the other; background share 1e-3
    favoured = log_odds_z(10, 500, 0, 500, 1e-3)
    assert favoured > 1.96
    assert log_odds_z(0, 500, 10, 500, 1e-3) == pytest.approx(-favoured)
    assert log_odds_z(3, 500, 3, 500, 1e-3) == pytest.approx(0.0)
    assert log_odds_z(6, 500, 0, 500, 1e-3) < 1.96  # six against none is not yet significant
    # one occurrence against none is never significant, whatever the prior
    assert all(log_odds_z(1, 500, 0, 500, share) < 1.0 for share in (1e-6, 1e-4, 1e-2))


def test_framing_background_counts_skip_stop_words_and_numbers():
    counts = background_counts(["La junte militaire a signé 12 accords en 2023, selon Bamako."])
    assert counts["junte militaire"] == 1 and counts["junte"] == 1
    assert counts["accords"] == 1 and "12" not in counts and "12 accords" not in counts
    assert not any(k.startswith("la ") or k.endswith(" a") for k in counts)
    assert "accords en 2023" not in counts and "signe" in counts  # folded key


def test_framing_terms_significant_word_and_copies_counted_once(sample_texts):
    one = "Le Kremlin envoie des mercenaires. " * 10 + "Bamako parle de coopération."
    two = "Le Kremlin envoie des instructeurs. " * 10 + "Bamako parle de coopération."
    copy = two + " Fin."
    articles = [_article("a", "one.ml", one), _article("b", "two.ne", two), _article("c", "three.sn", copy)]
    names = {
        aid: Analysis(aid, "fr", (Entity("loc:kremlin", "Kremlin", "LOC", tuple(
            Mention("Kremlin", i, i + 7) for i in range(len(t)) if t.startswith("Kremlin", i))),))
        for aid, t in (("a", one), ("b", two), ("c", copy))
    }  # fmt: skip
    background = background_counts([*sample_texts, one, two])
    terms = framing_terms(articles, names, {"a": "A", "b": "B", "c": "B"}, background)
    # "mercenaires" alone is dropped: contained in the kept "envoie des mercenaires" with the same counts
    by_term = {(t.article_id, t.term): t for t in terms}
    merc = by_term[("a", "envoie des mercenaires")]
    assert merc.z >= 1.96 and merc.count == 10 and merc.others == 0 and merc.outlet == "one.ml"
    assert (
        len(merc.evidence) == 10
        and one[merc.evidence[0][0] : merc.evidence[0][1]] == "envoie des mercenaires"
    )
    instr = by_term[("b", "envoie des instructeurs")]
    assert instr.count == 10 and instr.others == 0  # the copy "c" is the same source: not counted again
    assert not any(t.article_id == "c" for t in terms)
    assert not any("kremlin" in t.term for t in terms)  # names are not framing
    assert not any("coopération" in t.term for t in terms)  # shared words are not framing


def test_framing_terms_selon_clause_is_attributed(sample_texts):
    one = "Selon les observateurs occidentaux, des mercenaires sont arrivés. " * 10 + "Un bilan suit."
    two = "Des instructeurs sont arrivés. " * 10 + "Un bilan suit."
    articles = [_article("a", "one.ml", one), _article("b", "two.ne", two)]
    terms = framing_terms(articles, {}, {}, background_counts([*sample_texts, one, two]))
    merc = next(t for t in terms if t.term.startswith("mercenaires"))
    assert merc.attributed and merc.attributed_to == "les observateurs occidentaux"
    instr = next(t for t in terms if t.term.startswith("instructeurs"))
    assert not instr.attributed and instr.attributed_to is None


def test_framing_terms_quote_speaker_and_single_source():
    text = "« Des mercenaires », dit le ministre. Des mercenaires encore."
    start = text.index("Des")
    quote = Quote(
        "Des mercenaires", start, start + 15, "direct", "dit", Speaker("Abdoulaye Diop", "per:diop")
    )
    art = _article("a", "one.ml", text)
    assert (
        framing_terms([art], {"a": Analysis("a", "fr", quotes=(quote,))}, {}, background_counts([text])) == []
    )


def test_framing_seed_002_mercenaires_attributed_to_chancelleries(seed_terms):
    terms = seed_terms[SEED_002]
    merc = next(t for t in terms if t.term == "mercenaires")
    assert (
        merc.attributed
        and merc.attributed_to is not None
        and "chancelleries occidentales" in merc.attributed_to
    )
    assert merc.others == 0 and merc.outlet == "actuniger.com"


def test_framing_seed_002_junte_militaire_kept_and_strict(seed_terms):
    terms = seed_terms[SEED_002]
    junte = [t for t in terms if "junte militaire" in t.term]
    assert len(junte) == 1 and not junte[0].attributed and junte[0].others == 0
    assert len(terms) <= 8  # per_source
    assert not any(w in t.term for t in terms for w in ("lavrov", "bamako", "russie", "wagner"))  # names


def test_framing_seed_000_is_short_and_has_no_names(seed_terms, seeds):
    terms = seed_terms[SEED_000]
    qualified = {(q.start, q.end) for q in seeds[SEED_000][1].qualifiers}
    assert {t.evidence[0] for t in terms} >= qualified  # Diop's two qualified nouns, kept whole
    assert len([t for t in terms if t.evidence[0] not in qualified]) <= 3  # and at most three by counts
    assert not any(w in t.term for t in terms for w in ("lavrov", "diop", "mali"))


def test_framing_seed_000_gold_phrase(seed_terms):
    """Once in Diop's quote, against none: counts cannot single it out, the qualified noun does (attributed)."""
    [term] = [t for t in seed_terms[SEED_000] if t.term == "décisions politiques fortes et courageuses"]
    assert term.attributed and term.attributed_to == "Abdoulaye Diop"


def test_framing_aligned_mentions_on_the_seeds(seeds):
    articles = [a for a, _ in seeds.values()]
    analyses = {a.id: an for a, an in seeds.values()}
    aligned = {
        m.entity_id: {w.article_id: w.words for w in m.by_source}
        for m in aligned_mentions(articles, analyses, {})
    }
    lavrov = aligned["per:serguei-lavrov"]
    assert "influent chef de la diplomatie russe" in lavrov[seeds[SEED_000][0].id]
    assert "homologue russe" in lavrov[seeds[SEED_002][0].id]
    assert "loc:mali" not in aligned  # named alike, described by one source at most
    # copies are one source: the same analyses under one source key align nothing
    assert aligned_mentions(articles, analyses, {a.id: "same" for a in articles}) == []


def test_framing_a_closing_selon_attributes_its_sentence():
    from veille.compare.framing import _attributions

    text = (
        "Des mercenaires sont arrivés à Bamako, selon les chancelleries occidentales. Le ministre est parti."
    )
    [(start, end, who)] = _attributions(text, None)
    assert who == "les chancelleries occidentales"
    assert text[start:end].startswith("Des mercenaires") and start <= text.index("mercenaires") < end


def test_framing_inside_any_agrees_with_the_scan_it_replaced():
    """Issue 20: names are looked up by bisection over sorted spans (nested, overlapping, touching), with the
    very answers of the linear scan over them."""
    import random

    from veille.compare.framing import _inside, _inside_any

    rng = random.Random(20)
    for _ in range(200):
        spans = [(s, s + rng.randint(0, 12)) for s in (rng.randint(0, 60) for _ in range(rng.randint(0, 8)))]
        inside = _inside_any(spans)
        for _ in range(50):
            start = rng.randint(0, 70)
            end = start + rng.randint(0, 10)
            assert inside(start, end) == _inside(start, end, spans), (spans, start, end)
