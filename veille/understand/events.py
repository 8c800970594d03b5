"""Events, first version: trigger words from a lexicon, arguments from the dependency parse."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import cache
from typing import Any

from spacy.tokens import Doc, Token

from veille.model import Entity, Event, EventArgument, TimeExpression
from veille.understand.entities import entity_at
from veille.understand.nlp import DATA_DIR

logger = logging.getLogger(__name__)


@cache
def _triggers() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "event_triggers.json").read_text(encoding="utf-8"))
    return data


def find_events(
    doc: Doc, text: str, entities: Sequence[Entity], times: Sequence[TimeExpression]
) -> list[Event]:
    """Return the typed events of ``doc`` with agent, patient, place and time arguments where found."""
    lex = _triggers()
    events = []
    for token in doc:
        lemma = token.lemma_.casefold()
        if token.pos_ in {"VERB", "AUX"} and token.pos_ != "AUX" and lemma in lex["verbs"]:
            kind = lex["verbs"][lemma]
        elif token.pos_ == "NOUN" and lemma in lex["nouns"] and not _is_modifier(token):
            kind = lex["nouns"][lemma]
        else:
            continue
        args = _arguments(token, text, entities)
        if lemma in lex["need_place"] and not any(a.role == "place" for a in args):
            continue
        sent = token.sent
        time = next(
            (
                t.value
                for t in times
                if t.value and t.type == "DATE" and sent.start_char <= t.start < sent.end_char
            ),
            None,
        )
        events.append(
            Event(
                type=kind,
                trigger=text[token.idx : token.idx + len(token)],
                start=token.idx,
                end=token.idx + len(token),
                arguments=tuple(args),
                time=time,
                modality=_modality(token),
            )
        )
    return events


def _arguments(trigger: Token, text: str, entities: Sequence[Entity]) -> list[EventArgument]:
    args = []
    for child in trigger.children:
        dep = child.dep_.split(":")[0]
        role = {"nsubj": "agent", "obj": "patient", "nmod": "patient"}.get(dep)
        cases = {c.lower_ for c in child.children if c.dep_ == "case"}
        if dep in {"obl", "nmod"} and cases & {"à", "au", "aux", "en", "dans"}:
            role = "place"
        elif dep == "nmod" and trigger.pos_ == "NOUN" and cases & {"de", "du", "des", "d'"}:
            role = "patient"
        elif dep == "obl" and cases & {"par"}:
            role = "agent"
        if role is None:
            continue
        span = _phrase(child)
        start, end = span
        entity = entity_at(entities, child.left_edge.idx, child.right_edge.idx + len(child.right_edge))
        if role == "place" and (entity is None or entity.type != "LOC"):
            continue
        args.append(EventArgument(role, text[start:end], start, end, entity.entity_id if entity else None))
    return args


def _is_modifier(token: Token) -> bool:
    """True for a noun that only qualifies another ("avions d'attaque"): nmod with "de" and no determiner."""
    kids = {c.dep_ for c in token.children}
    return (
        token.dep_ == "nmod" and "det" not in kids and any(c.lower_ in {"de", "d'"} for c in token.children)
    )


def _phrase(token: Token) -> tuple[int, int]:
    """Return the character span of a token with its flat/compound name parts and adjectives."""
    parts = [token] + [c for c in token.children if c.dep_ in {"flat:name", "amod", "compound", "det"}]
    return min(t.idx for t in parts), max(t.idx + len(t) for t in parts)


def _modality(trigger: Token) -> str:
    sent = trigger.sent
    words = {t.lower_ for t in sent}
    if "Fut" in trigger.morph.get("Tense", []) or any(
        "Fut" in t.morph.get("Tense", []) for t in trigger.children
    ):
        return "planned"
    if {"prévu", "prévue", "prévus", "prévues", "devrait", "doit"} & words:
        return "planned"
    if {"selon", "d'après"} & words:
        return "reported"
    return "asserted"
