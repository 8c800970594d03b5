"""The understand stage bounded in time and size (issue 22) and the inverted-cue crash (issue 23).

Hostile texts (unclosed « marks, a long run of names and offices, one line without a break) must cost the
rule passes about twice as much when doubled (process CPU time, the least of three runs, so a loaded machine
does not decide); a text longer than the model accepts is parsed in pieces; an article that exceeds its time
budget is that article's failure, the others are analysed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from spacy.tokens import Doc

from veille.errors import BudgetExceededError
from veille.model import Analysis, Article
from veille.understand import analyze
from veille.understand.analyze import (
    BATCH_CHARS,
    _analyze,
    analyze_article,
    analyze_articles,
    cut_pieces,
    parse_batches,
    parse_text,
)
from veille.understand.nlp import prepare_text
from veille.understand.quotes import _inverted_subject, find_quotes

PROSE = (
    "Le gouvernement de transition a annoncé mardi à Bamako une nouvelle série de mesures pour la sécurité"
    " dans la région de Mopti, a déclaré le porte-parole Abdoulaye Maïga. "
)
NAMES = [
    "Assimi Goïta",
    "Abdoulaye Diop",
    "Mohamed Bazoum",
    "Ibrahim Traoré",
    "Choguel Maïga",
    "Sadio Camara",
]
OFFICES = ["le président", "le ministre de la Défense", "le Premier ministre", "le chef de la diplomatie"]
MIXED = (
    "Selon le ministre {a}, son homologue {b} a rencontré le 3 mars 2023 à Niamey 1 200 soldats, « nous"
    " continuerons », a-t-il déclaré mardi. Le président {a} a annoncé que 12 villages ont été attaqués. "
)
# speakers that are descriptions ("l'économiste"), names apposed to a noun, surnames alone, a locution of saying
DESCRIBED = (
    "« Nous continuerons », a souligné l'économiste. Le milliardaire {a} a déclaré que l'usine ouvrira, selon"
    " la fédération. « Rien », écrit {s} sur Instagram. Elle a fait état de progrès, a ajouté la ministre {b}. "
)


def unclosed_quotes(size: int) -> str:
    return ("« " + PROSE) * (size // (len(PROSE) + 2) + 1)


def names_and_offices(size: int) -> str:
    parts, i = [], 0
    while sum(map(len, parts)) < size:
        parts.append(f"{OFFICES[i % len(OFFICES)]} {NAMES[i % len(NAMES)]}, ")
        i += 1
    return "".join(parts) + "."


def one_line(size: int) -> str:
    parts, i = [], 0
    while sum(map(len, parts)) < size:
        parts.append(MIXED.format(a=NAMES[i % len(NAMES)], b=NAMES[(i + 1) % len(NAMES)]))
        i += 1
    return "".join(parts)


def described_speakers(size: int) -> str:
    parts, i = [], 0
    while sum(map(len, parts)) < size:
        a, b = NAMES[i % len(NAMES)], NAMES[(i + 1) % len(NAMES)]
        parts.append(DESCRIBED.format(a=a, b=b, s=a.split()[-1]))
        i += 1
    return "".join(parts)


def passes_seconds(nlp, text: str) -> float:
    """The least process CPU time of three runs of the rule passes on one parse of ``text``."""
    doc = parse_text(nlp, prepare_text(text, "fr"))
    article = Article(id="a", content_id="c", text=text, published=date(2023, 3, 1), language="fr")
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        _analyze(article, doc, "fr")
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("make", [unclosed_quotes, names_and_offices, one_line, described_speakers])
def test_rule_passes_grow_linearly_on_hostile_text(nlp, make) -> None:
    passes_seconds(nlp, make(2_000))  # caches (lexicons, gazetteer) loaded before anything is timed
    small, double = passes_seconds(nlp, make(10_000)), passes_seconds(nlp, make(20_000))
    assert double / small <= 2.6, f"{make.__name__}: {small:.3f} s then {double:.3f} s when doubled"


def test_cut_pieces_cuts_at_paragraphs_then_sentences_then_spaces() -> None:
    paragraphs = "\n\n".join(PROSE * 3 for _ in range(40))
    pieces = cut_pieces(paragraphs, 2_000)
    assert "".join(pieces) == paragraphs
    assert all(len(p) <= 2_000 for p in pieces)
    assert all(p.endswith("\n\n") for p in pieces[:-1])
    line = PROSE * 60  # no line break: after a sentence
    pieces = cut_pieces(line, 2_000)
    assert "".join(pieces) == line and all(p.endswith("Maïga.") for p in pieces[:-1])
    word = "a" * 5_000  # one word longer than a piece: cut where it must be
    assert cut_pieces(word, 2_000) == ["a" * 2_000, "a" * 2_000, "a" * 1_000]


def test_pieces_give_the_parse_of_the_whole_on_a_normal_article(nlp, seed_texts) -> None:
    text = prepare_text(next(iter(seed_texts.values())), "fr")
    whole, pieces = parse_text(nlp, text), parse_text(nlp, text, piece_chars=800)
    assert pieces.text == text
    assert [(e.start_char, e.end_char, e.label_) for e in pieces.ents] == [
        (e.start_char, e.end_char, e.label_) for e in whole.ents
    ]


def test_text_longer_than_the_model_accepts_is_analysed_in_pieces(nlp) -> None:
    lead = "Le président Mohamed Bazoum a reçu mardi à Niamey le ministre Abdoulaye Diop.\n\n"
    filler = ("\n\n" + " " * 99_000) * 11  # cheap to parse, but spaCy's max_length (1,000,000) is passed
    end = "Le chef de l'État Assimi Goïta est arrivé jeudi à Bamako, a annoncé la présidence malienne.\n"
    text = lead + filler + end
    assert len(text) > nlp.max_length
    analysis = analyze_article(Article(id="long", content_id="c", text=text, language="fr"), nlp=nlp)
    tail = {m.text for e in analysis.entities for m in e.mentions if m.start > len(text) - len(end)}
    assert {"Assimi Goïta", "Bamako"} <= tail
    assert any(m.text == "Mohamed Bazoum" for e in analysis.entities for m in e.mentions)


def test_an_article_over_its_budget_fails_alone(nlp) -> None:
    short = [
        Article(
            id=f"s{i}",
            content_id=f"c{i}",
            text=PROSE + f"Le ministre {NAMES[i]} était présent.",
            language="fr",
        )
        for i in range(2)
    ]
    # longer than a piece: parsed under its budget, which the first piece's parse (seconds) already spends
    long = Article(id="long", content_id="cl", text=names_and_offices(110_000), language="fr")
    analyze_article(short[0], nlp=nlp, budget_seconds=None)  # lexicons and gazetteer loaded once, beforehand
    results = list(analyze_articles([short[0], long, short[1]], nlp=nlp, budget_seconds=0.25))
    assert isinstance(results[1], BudgetExceededError) and results[1].code == "budget_exceeded"
    assert "long" in str(results[1]) and "understand_budget_seconds" in str(results[1])
    assert [type(r) for r in (results[0], results[2])] == [Analysis, Analysis]


def test_the_budget_holds_in_a_thread(nlp) -> None:
    article = Article(id="t", content_id="c", text=PROSE * 4, language="fr")
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(analyze_article, article, nlp=nlp, budget_seconds=1e-9)
        with pytest.raises(BudgetExceededError):
            future.result()
        assert isinstance(
            pool.submit(analyze_article, article, nlp=nlp, budget_seconds=None).result(), Analysis
        )


def test_inverted_cue_whose_subject_is_a_lone_quote_mark_does_not_crash(nlp) -> None:
    """Issue 23: "…, a-t-il lancé »" parsed with the closing mark as the cue's object: tokens ran out."""
    words = ["Les", "négociations", "reprendront", "lundi", ",", "a", "lancé", "»", "."]
    spaces = [True, True, True, False, True, True, True, False, False]
    heads = [1, 2, 2, 2, 6, 6, 2, 6, 2]
    deps = ["det", "nsubj", "ROOT", "obl:mod", "punct", "aux:tense", "parataxis", "obj", "punct"]
    pos = ["DET", "NOUN", "VERB", "NOUN", "PUNCT", "AUX", "VERB", "PUNCT", "PUNCT"]
    doc = Doc(nlp.vocab, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos, lemmas=words)
    assert _inverted_subject(doc[6], []) is None
    assert isinstance(find_quotes(doc.text, [], doc), list)


def _sample_articles(sample_dir, longest: int | None = None) -> list[Article]:
    paths = sorted((sample_dir / "rpm2").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    if longest is not None:
        texts = sorted(texts, key=len, reverse=True)[:longest]
    return [Article(id=f"s{i}", content_id=f"c{i}", text=t, language="fr") for i, t in enumerate(texts)]


def test_parse_batches_hold_at_most_the_character_budget(sample_dir) -> None:
    """Issue 22: a run's peak memory is its heaviest parse batch; on the sample's real texts no batch of several
    texts passes BATCH_CHARS, none passes 16 texts, each is as full as the budget allows, all texts in order."""
    lengths = [len(prepare_text(a.text, "fr")) for a in _sample_articles(sample_dir)]
    batches = parse_batches(lengths, 16)
    assert [i for batch in batches for i in batch] == list(range(len(lengths)))
    for batch, following in zip(batches, [*batches[1:], None], strict=True):
        size = sum(lengths[i] for i in batch)
        assert len(batch) <= 16 and (size <= BATCH_CHARS or len(batch) == 1)
        if following is not None:  # cut only when the next text would pass a limit
            assert len(batch) == 16 or size + lengths[following[0]] > BATCH_CHARS
    assert sum(len(b) < 16 for b in batches[:-1]) > 5  # the budget, not the count, cuts most batches here
    assert parse_batches([BATCH_CHARS + 1, 10, 10, BATCH_CHARS, 1], 16) == [[0], [1, 2], [3], [4]]


def test_batches_cut_by_characters_give_the_analyses_of_one_at_a_time(nlp, sample_dir) -> None:
    articles = _sample_articles(sample_dir, longest=6)  # 43,000 characters: two batches
    assert len(parse_batches([len(a.text) for a in articles], 16)) > 1
    batch = list(analyze_articles(articles, nlp=nlp, batch_size=16))
    assert batch == [analyze_article(a, nlp=nlp) for a in articles]
    assert all(isinstance(a, Analysis) and a.entities for a in batch)


def test_analysing_leaves_the_vocabulary_as_it_found_it(nlp) -> None:
    """spaCy's string store grows with every new word read; the analyses drop what they added (memory zones),
    so a long run's vocabulary does not grow with its corpus, and what they return stays readable."""
    name = "Zakaria Wunmbolé-Kotraxi"
    text = f"Le ministre {name} est arrivé mardi à Niamey, où {name.split()[1]} a rencontré la presse. " * 3
    articles = [
        Article(id=f"v{i}", content_id=f"v{i}", text=text + f"Dépêche {i}.", language="fr") for i in range(3)
    ]
    before = len(nlp.vocab.strings)
    results = [*analyze_articles(articles, nlp=nlp, batch_size=2), analyze_article(articles[0], nlp=nlp)]
    assert len(nlp.vocab.strings) == before
    for result in results:
        assert isinstance(result, Analysis)
        assert any(m.text == name for e in result.entities for m in e.mentions)
    with ThreadPoolExecutor(
        2
    ) as pool:  # threads sharing the pipeline share its zone: no Doc loses its strings
        threaded = list(pool.map(lambda a: analyze_article(a, nlp=nlp), articles))
    assert threaded == results[:3]
    assert len(nlp.vocab.strings) == before


def test_the_lemmatizer_cache_is_emptied_past_its_bound(nlp, sample_dir, monkeypatch) -> None:
    cache = nlp.get_pipe("lemmatizer").cache
    articles = _sample_articles(sample_dir)[:6]
    monkeypatch.setattr(analyze, "LEMMA_CACHE", 100)
    cache.clear()
    forms = {w.casefold() for a in articles for w in a.text.split()}
    assert len(forms) > 500  # far more word forms than the bound
    list(analyze_articles(articles, nlp=nlp, batch_size=2))
    assert len(cache) <= 100
