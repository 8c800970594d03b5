"""Quotes: text between quotation marks, the cue that introduces it, and the speaker resolved to an entity."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from veille.model import Entity, Quote, Speaker
from veille.understand.coref import holds, parse_office
from veille.understand.entities import entity_at, name_key
from veille.understand.nlp import DATA_DIR

logger = logging.getLogger(__name__)

_PAIRS = (("«", "»"), ("“", "”"))
_STOP_AFTER = re.compile(
    r"\s+(?:qui|que|dont|lors|après|avant|alors|en marge|devant|pendant)\b|[,.;:!?()\n«»\"“”]"
)
_OWNER_STOP = re.compile(
    r"\s+(?:qui|que|dont|publiée?s?|diffusée?s?|rendue?s?|parvenue?s?|datée?s?|signée?s?|à|au|aux|dans|pour|sur|lors|ce|cette|hier|selon)\b"
)
_SELON = re.compile(r"\b(?:selon|d['’]après|according to)\s+(?P<who>[^,.;:\n«»\"“”]+)", re.I)
_PRONOUN_CUE = re.compile(r"-t-(?:il|elle|ils|elles)\b|\b(?:il|elle) (?:a|avait) \w+", re.I)


@cache
def speech_cues() -> tuple[str, ...]:
    """Return the speech verb/noun stems of data/speech_verbs.txt (French and English)."""
    lines = (DATA_DIR / "speech_verbs.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _speakers() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "speakers.json").read_text(encoding="utf-8"))
    return data


def find_quotes(text: str, entities: Sequence[Entity]) -> list[Quote]:
    """Return the quotes of ``text`` with their cue and speaker (None + speaker_text when unresolved)."""
    sources = _selon_sources(text, entities)
    quotes: list[Quote] = []
    previous: Speaker | None = None
    for start, end in _quote_spans(text):
        content = text[start:end]
        words = content.split()
        if len(words) <= 3 and words[0][:1].isupper() and entity_at(entities, start, end) is not None:
            continue  # a name in quotes ("Wagner"), not a quote
        kind = "partial" if len(words) <= 3 else "direct"
        cue, phrase, same_as_previous = _cue(text, start, end)
        speaker: Speaker | None = None
        if same_as_previous:
            speaker = previous
        elif phrase:
            speaker = _resolve(phrase, text, entities, sources, anchor=start)
        quotes.append(Quote(content, start, end, kind, cue, speaker, phrase))
        previous = speaker or previous
    return quotes


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each quote's content, inner spaces trimmed; multi-paragraph « … » kept whole."""
    spans: list[tuple[int, int]] = []
    for open_mark, close_mark in _PAIRS:
        i = text.find(open_mark)
        while i >= 0:
            j = text.find(close_mark, i + 1)
            if j < 0:
                break
            inner = text[i + 1 : j]
            paragraphs = inner.split("\n")
            if len(paragraphs) > 1 and not all(
                p.strip().startswith(open_mark) for p in paragraphs[1:] if p.strip()
            ):
                i = text.find(open_mark, i + 1)  # unclosed mark: the quote cannot be delimited
                continue
            spans.append(_trim(text, i + 1, j))
            i = text.find(open_mark, j + 1)
    for paragraph in re.finditer(r"[^\n]+", text):
        marks = [m.start() + paragraph.start() for m in re.finditer('"', paragraph.group(0))]
        for a, b in zip(marks[0::2], marks[1::2], strict=False):
            spans.append(_trim(text, a + 1, b))
    return sorted(s for s in spans if s[1] > s[0])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "\u00a0\u202f"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\u00a0\u202f"):
        end -= 1
    return start, end


def _is_cue_word(word: str) -> bool:
    w = word.casefold().replace("’", "'")
    return any(w.startswith(c) and len(w) <= len(c) + 5 for c in speech_cues() if " " not in c)


def _cue(text: str, start: int, end: int) -> tuple[str | None, str | None, bool]:
    """Return (cue words, speaker phrase, same speaker as the previous quote) around one quote."""
    after_start = end + 1
    line_end = text.find("\n", after_start)
    after = text[after_start : line_end if line_end >= 0 else len(text)]
    lead = re.match(r"[\s\u00a0]*[»”\"]?[\s\u00a0]*,?", after)
    if lead is not None and not after[lead.end() :].lstrip().startswith("."):
        for word in list(re.finditer(r"[\w'’-]+", after[lead.end() :]))[:4]:
            if not _is_cue_word(word.group(0)):
                continue
            cue_end = lead.end() + word.end()
            cue = after[lead.end() : cue_end].strip()
            rest = after[cue_end:]
            if _PRONOUN_CUE.search(cue + rest[:10]) or rest.startswith("-t-"):
                return cue, None, True
            phrase = _STOP_AFTER.split(rest, maxsplit=1)[0].strip()
            return cue, phrase or None, False
    # Before the quote: the clause since the last sentence end.
    head = text[max(0, start - 300) : start - 1]
    clause = re.split(r"[.!?»”\n]\s", head)[-1]
    selon = list(_SELON.finditer(clause))
    if selon:
        who = selon[-1]
        return who.group(0).strip(), who.group("who").strip(), False
    words = re.findall(r"[\w'’-]+", clause)
    for k in range(len(words) - 1, -1, -1):
        if _is_cue_word(words[k]):
            tail = clause[clause.rfind(words[k]) + len(words[k]) :]
            before = clause[: clause.rfind(words[k])]
            if re.search(r"\bde\s*$|\bd['’]\s*$", before) or not tail.strip(" ,:\u00a0"):
                # "Avant de poursuivre :" or "X a déclaré :" — subject before the verb, if any.
                subject = _subject_before(before)
                return words[k], subject, subject is None
            phrase = _STOP_AFTER.split(" " + tail.lstrip(" ,"), maxsplit=1)[0].strip()
            return words[k], phrase or None, False
    return None, None, False


def _subject_before(before: str) -> str | None:
    m = re.search(r"([A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)\s+(?:a|avait|lui|leur)?\s*$", before)
    return m.group(1) if m else None


def _selon_sources(text: str, entities: Sequence[Entity]) -> list[tuple[int, Speaker]]:
    """Return (position, speaker) of every "selon X" source of the article, in order."""
    out = []
    for m in _SELON.finditer(text):
        speaker = _resolve(m.group("who"), text, entities, [], anchor=m.start("who"))
        if speaker is not None:
            out.append((m.start(), speaker))
    return out


def _strip_det(phrase: str) -> str:
    pattern = r"^(?:(?:les|le|la|une|un|des|du|de la|son|sa|ses|leurs|leur|ces|cette|ce)\b|l['’]|de l['’])\s*"
    return re.sub(pattern, "", phrase.strip(), flags=re.I).strip()


def _resolve(
    phrase: str,
    text: str,
    entities: Sequence[Entity],
    sources: list[tuple[int, Speaker]],
    anchor: int | None = None,
) -> Speaker | None:
    """Resolve a speaker phrase: a named entity, a document's issuer, an office holder or an institution."""
    phrase = phrase.strip()
    if not phrase:
        return None
    pos = text.find(phrase) if anchor is None else anchor
    at = _nearest(text, phrase, pos)
    described = entity_at(entities, at, at + len(phrase)) if at >= 0 else None
    if described is not None and any(
        m.kind == "description" and m.start < at + len(phrase) and at < m.end for m in described.mentions
    ):
        return Speaker(described.name, described.entity_id)  # coref resolved "le chef de la diplomatie russe"
    for entity in entities:
        named = any(m.kind == "name" and m.text in phrase for m in entity.mentions)
        exact = entity.type == "PER" or name_key(_strip_det(phrase)) == name_key(entity.name)
        if entity.type in {"PER", "ORG"} and named and exact:
            return Speaker(entity.name, entity.entity_id)
    bare = _strip_det(phrase)
    head = bare.split()[0].casefold() if bare.split() else ""
    data = _speakers()
    if head in data["documents"] or "même source" in phrase.casefold():
        owner = re.match(r"\S+(?:\s+\S+)?\s+(?:du|de la|de l['’]|des|de)\s+(.+)", bare)
        if owner and owner.group(1).split()[0].casefold() not in data["documents"]:
            name = _OWNER_STOP.split(" " + owner.group(1), maxsplit=1)[0].strip()
            return _resolve(name, text, entities, sources, anchor=pos)
        earlier = [s for p, s in sources if anchor is None or p < anchor]
        return earlier[-1] if earlier else (sources[-1][1] if sources else None)
    office = _office_holder(bare, entities)
    if office is not None:
        return office
    if head in data["institutions"]:
        name = _OWNER_STOP.split(" " + bare, maxsplit=1)[0].strip()
        org = next(
            (e for e in entities if e.type == "ORG" and name_key(e.name) in name_key(name).split()), None
        )
        return Speaker(name, org.entity_id if org else None)
    return None


def _nearest(text: str, phrase: str, anchor: int) -> int:
    """Return the start of the occurrence of ``phrase`` closest to ``anchor`` (a quote's cue is next to it)."""
    starts = [m.start() for m in re.finditer(re.escape(phrase), text)]
    return min(starts, key=lambda s: abs(s - anchor)) if starts else -1


def _office_holder(description: str, entities: Sequence[Entity]) -> Speaker | None:
    """Return the one person whose offices (read by coref) hold the office a description names, else None."""
    asked = parse_office(description)
    if asked is None or asked.function == "homologue":
        return None
    matches = [e for e in entities if e.type == "PER" and any(holds(o, asked) for o in e.offices)]
    return Speaker(matches[0].name, matches[0].entity_id) if len(matches) == 1 else None
