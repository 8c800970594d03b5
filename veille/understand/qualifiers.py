"""Qualifiers: nouns given coordinated judging adjectives ("des décisions politiques fortes et courageuses",
"un pays uni, indépendant et souverain", "a rare and provocative move"), read from the parse.

Such a phrase is how a writer, or the speaker they quote, appraises something; the comparison shows it as
framing even when it occurs once, where counts say nothing. Kept: a noun with adjectival modifiers (amod)
at least one of which is coordinated (conj), holding MIN_JUDGING words tagged as adjectives that are not
relational (a coordinated word tagged otherwise, "indépendant et souverain", joins the phrase, not the count).
Relational adjectives are derived from nouns and classify rather than judge ("économique, commerciale et
culturelle", "sécuritaire et économique", "military and economic"); they are listed by stem in
data/relational_adjectives.txt (the common ones of news, not every one), and French demonyms ("malienne")
come from the country data.
"""

from __future__ import annotations

import logging
from functools import cache

from spacy.tokens import Doc, Token

from veille.model import Qualifier
from veille.understand.nlp import DATA_DIR
from veille.understand.places import country_by_demonym, fold

logger = logging.getLogger(__name__)

MIN_JUDGING = 2
RELATIONAL_PATH = DATA_DIR / "relational_adjectives.txt"
_ADJECTIVE_LIKE = frozenset(["ADJ", "NOUN", "VERB"])  # a coordinated adjective is sometimes tagged otherwise


@cache
def _relational_words() -> tuple[tuple[str, ...], frozenset[str]]:
    """Return (stems, whole words) of data/relational_adjectives.txt."""
    lines = [line.strip() for line in RELATIONAL_PATH.read_text(encoding="utf-8").splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    return tuple(e for e in entries if not e.endswith("$")), frozenset(
        e[:-1] for e in entries if e.endswith("$")
    )


def is_relational(word: str) -> bool:
    """Return True for an adjective that classifies rather than judges: a stem or word of
    data/relational_adjectives.txt ("économique", "military", "civil") or a French demonym ("malienne")."""
    folded = fold(word)
    stems, whole = _relational_words()
    return folded in whole or folded.startswith(stems) or country_by_demonym(word) is not None


def find_qualifiers(doc: Doc, text: str) -> list[Qualifier]:
    """Return the qualified nouns of a parsed text (offsets into ``text``, which ``doc`` was made from)."""
    out = []
    for noun in doc:
        if noun.pos_ not in {"NOUN", "PROPN"}:
            continue
        modifiers = [t for t in noun.children if t.dep_ == "amod" and t.pos_ == "ADJ"]
        if not modifiers:
            continue
        # the coordinated ones hang from a modifier, or from the noun itself in some parses
        joined = [c for m in modifiers for c in _conjuncts(m)]
        joined += [c for c in noun.children if c.dep_ == "conj" and c.pos_ == "ADJ" and c.i > noun.i]
        group = [*modifiers, *joined]
        if not joined:
            continue  # no coordination: "les tendances illégitimes" is a description, not an appraisal
        judging = [t for t in group if t.pos_ == "ADJ" and not is_relational(t.text)]
        if len(judging) < MIN_JUDGING:
            continue
        tokens = [noun, *group]
        first, last = min(t.i for t in tokens), max(t.i for t in tokens)
        start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
        out.append(Qualifier(text=text[start:end], start=start, end=end, head=noun.text))
    return out


def _conjuncts(token: Token) -> list[Token]:
    """Return the words coordinated with an adjective ("fortes et courageuses": courageuses), recursively."""
    found = []
    for child in token.children:
        if child.dep_ == "conj" and child.pos_ in _ADJECTIVE_LIKE and child.i > token.i:
            found.append(child)
            found.extend(_conjuncts(child))
    return found
