"""The one reading of plain text: the shipped stop words are spaCy's, folding and words agree, sentences keep
their offsets, and reading any of it loads no spaCy."""

from __future__ import annotations

import subprocess
import sys

from spacy.lang.en.stop_words import STOP_WORDS as EN
from spacy.lang.fr.stop_words import STOP_WORDS as FR

from veille.text import deaccent, fold, normalized_words, sentences, stop_words


def test_shipped_stop_words_are_spacys():
    assert stop_words("fr") == frozenset(FR) and stop_words("en") == frozenset(EN)
    assert stop_words() == frozenset(FR) | frozenset(EN)
    assert {"le", "la", "selon", "the"} <= stop_words() and "bamako" not in stop_words()


def test_fold_and_words_read_the_same_words():
    text = "Le président Assimi Goïta a reçu Sergueï Lavrov à Koulouba — l’œuvre « d’une vie »."
    assert fold(text) == "le president assimi goita a recu serguei lavrov a koulouba l oeuvre d une vie"
    assert normalized_words(text) == fold(text).split()
    assert normalized_words("mot_composé") == ["mot_compose"] and fold("mot_composé") == "mot compose"
    assert deaccent("L’Élysée, Œuvre : 42 %") == "l'elysee, œuvre : 42 %"  # punctuation and œ kept


def test_sentences_keep_offsets_and_abbreviations():
    text = "M. Lavrov est arrivé lundi. « Nous sommes là », a-t-il dit !\nLire aussi\n\n  Fin…"
    found = sentences(text)
    assert [s.text for s in found] == [
        "M. Lavrov est arrivé lundi.",
        "« Nous sommes là », a-t-il dit !",
        "Lire aussi",
        "Fin…",
    ]
    assert all(text[s.start : s.end] == s.text for s in found)


def test_reading_text_loads_no_spacy():
    code = "import sys, veille.text as t; t.stop_words(); t.sentences('Un. Deux.'); print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
