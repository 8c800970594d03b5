"""Qualifiers: nouns given coordinated judging adjectives ("des décisions politiques fortes et courageuses",
"un pays uni, indépendant et souverain", "a rare and provocative move"), read from the parse.

Such a phrase is how a writer, or the speaker they quote, appraises something; the comparison shows it as
framing even when it occurs once, where counts say nothing. Kept: a noun with adjectival modifiers (amod)
at least one of which is coordinated (conj), holding MIN_JUDGING words tagged as adjectives that are not
relational (a coordinated word tagged otherwise, "indépendant et souverain", joins the phrase, not the count).
Relational adjectives are derived from nouns and classify rather than judge ("économique, commerciale et
culturelle", "sécuritaire et économique", "military and economic"); they are told by their suffixes.
"""

from __future__ import annotations

import logging
import re

from spacy.tokens import Doc, Token

from veille.model import Qualifier

logger = logging.getLogger(__name__)

MIN_JUDGING = 2
_RELATIONAL = re.compile(
    r"(?:iques?|aires?|elles?|els?|aux|ales?|al|iens?|iennes?|ais|aises?|ois|oises?|ic|ical|ary|ian|ese|ish)$",
    re.IGNORECASE,
)
_ADJECTIVE_LIKE = frozenset(["ADJ", "NOUN", "VERB"])  # a coordinated adjective is sometimes tagged otherwise


def find_qualifiers(doc: Doc, text: str) -> list[Qualifier]:
    """Return the qualified nouns of a parsed text (offsets into ``text``, which ``doc`` was made from)."""
    out = []
    for noun in doc:
        if noun.pos_ not in {"NOUN", "PROPN"}:
            continue
        modifiers = [t for t in noun.children if t.dep_ == "amod" and t.pos_ == "ADJ"]
        group = [*modifiers, *(c for m in modifiers for c in _conjuncts(m))]
        if len(group) == len(modifiers):
            continue  # no coordination: "les tendances illégitimes" is a description, not an appraisal
        judging = [t for t in group if t.pos_ == "ADJ" and not _RELATIONAL.search(t.text)]
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
