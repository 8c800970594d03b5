"""Entities within one article: NER spans cleaned, titles turned into roles, mentions merged per referent."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from spacy.tokens import Doc, Span, Token
from unidecode import unidecode

from veille.model import Entity, Mention
from veille.understand import places
from veille.understand.nlp import DATA_DIR

logger = logging.getLogger(__name__)

TYPES = {"PER": "per", "ORG": "org", "LOC": "loc", "MISC": "misc"}
_NON_KEY = re.compile(r"[^a-z0-9]+")
_ROLE_POS = {"NOUN", "ADJ", "DET", "ADP", "PROPN"}


def name_key(name: str) -> str:
    """Return the accent-, case- and punctuation-insensitive key of a name ("Goïta" → "goita")."""
    return _NON_KEY.sub(" ", unidecode(name).casefold()).strip()


def entity_id_for(name: str, type: str) -> str:  # noqa: A002 - the model's field is named type
    """Return the stable registry id of a name, e.g. "per:assimi-goita" for Assimi Goïta or Goita."""
    prefix = TYPES.get(type.upper(), type.lower()[:4] or "misc")
    return f"{prefix}:{name_key(name).replace(' ', '-')}"


@cache
def _lexicon(filename: str) -> frozenset[str]:
    lines = (DATA_DIR / filename).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def titles() -> frozenset[str]:
    """Return the title words (ministre, colonel, M. ...) stripped from names and kept as roles."""
    return _lexicon("titles.txt")


@cache
def _gazetteer_exact() -> frozenset[str]:
    data = json.loads((DATA_DIR / "orgs.json").read_text(encoding="utf-8"))
    return frozenset(data["exact"])


@dataclass
class _Cluster:
    type: str
    names: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        full = [n for n in self.names if len(n.split()) > 1] or self.names
        return max(full, key=lambda n: (not n.isupper(), len(n.split()), len(n)))


def extract_entities(doc: Doc, text: str) -> list[Entity]:
    """Return one Entity per referent of ``doc`` (parsed from a same-length copy of ``text``).

    Mention text is read from ``text``; junk spans (lowercase words, numbers, 1–2 chars, clutter) are dropped.
    """
    found: list[tuple[str, Mention, list[str]]] = []
    for ent in doc.ents:
        cleaned = _clean_span(ent, text)
        if cleaned is None:
            continue
        label, mention, roles = cleaned
        found.append((label, mention, roles))
    clusters = _merge(found)
    entities = []
    for cluster in clusters:
        name = cluster.name
        mentions = tuple(sorted(set(cluster.mentions), key=lambda m: m.start))
        kept = tuple(dict.fromkeys(r for r in cluster.roles if r))
        entities.append(Entity(entity_id_for(name, cluster.type), name, cluster.type, mentions, kept))
    entities.sort(key=lambda e: e.mentions[0].start)
    return entities


def _clean_span(ent: Span, text: str) -> tuple[str, Mention, list[str]] | None:
    label = ent.label_ if ent.label_ in TYPES else "MISC"
    tokens = list(ent)
    roles: list[str] = []
    title_words = titles()
    # Leading determiners ("la France") and, for people, titles ("président Goita") are not the name.
    while tokens and (tokens[0].lower_ in {"le", "la", "les", "l'", "l’"} or tokens[0].pos_ == "DET"):
        tokens = tokens[1:]
    if label == "PER":
        lead = []
        while len(tokens) > 1 and tokens[0].lower_ in title_words:
            lead.append(tokens.pop(0))
        if lead:
            roles.append(text[lead[0].idx : lead[-1].idx + len(lead[-1])])
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    surface = text[start:end]
    if _is_junk(surface, label, ent.ent_id_ or ent.label_):
        return None
    if label == "PER":
        roles.extend(_roles_before(ent.doc, tokens[0].i))
    return label, Mention(surface, start, end), roles


def _is_junk(surface: str, label: str, source: str) -> bool:
    key = name_key(surface)
    if surface in _gazetteer_exact():
        return False
    if len(surface) <= 2 or not key or key.replace(" ", "").isdigit():
        return True
    if not surface[0].isupper() and not surface[0].isdigit():
        return True  # "ministre des Affaires étrangères", "conseil": not a name
    if key in _lexicon("junk.txt"):
        return True
    # "Président Macron", "Transition malienne" are clutter; "États-Unis" (first word "etats") is a country.
    if key.split()[0] in _lexicon("junk.txt") and label != "ORG" and places.country_by_name(surface) is None:
        return True
    return any(ch.isdigit() for ch in surface) and label == "PER"


def _roles_before(doc: Doc, first: int) -> list[str]:
    """Return the title phrase just before a person's name ("le ministre russe des Affaires étrangères")."""
    i = first - 1
    if i >= 0 and doc[i].text == ",":
        i -= 1
    chunk: list[Token] = []
    while i >= 0 and len(chunk) < 10 and doc[i].pos_ in _ROLE_POS and not doc[i].is_sent_end:
        if doc[i].ent_type_ == "PER":
            break
        chunk.append(doc[i])
        i -= 1
    chunk.reverse()
    title_words = titles() - {"le", "la", "l'", "les"}
    for k, token in enumerate(chunk):
        if token.lower_ in title_words:
            span = chunk[k:]
            return [doc.text[span[0].idx : span[-1].idx + len(span[-1])]]
    return []


def _merge(found: Iterable[tuple[str, Mention, list[str]]]) -> list[_Cluster]:
    """Group mentions per referent: same key; a person's surname joins the one full name containing it."""
    by_key: dict[tuple[str, str], _Cluster] = {}
    order: list[_Cluster] = []
    singles: list[tuple[str, Mention, list[str]]] = []
    items = sorted(found, key=lambda f: -len(f[1].text.split()))
    for label, mention, roles in items:
        key = name_key(mention.text)
        if label == "PER" and len(key.split()) == 1:
            singles.append((label, mention, roles))
            continue
        cluster = by_key.get((label, key))
        if cluster is None and label == "PER":
            cluster = _containing(order, key.split())
        if cluster is None:
            cluster = _Cluster(label)
            by_key[(label, key)] = cluster
            order.append(cluster)
        cluster.names.append(mention.text)
        cluster.mentions.append(mention)
        cluster.roles.extend(roles)
    for label, mention, roles in singles:
        key = name_key(mention.text)
        hosts = [c for c in order if c.type == "PER" and key in name_key(c.name).split()]
        if len(hosts) == 1:
            cluster = hosts[0]
        else:
            cluster = by_key.get((label, key)) or _Cluster(label)
            if (label, key) not in by_key:
                by_key[(label, key)] = cluster
                order.append(cluster)
        cluster.names.append(mention.text)
        cluster.mentions.append(mention)
        cluster.roles.extend(roles)
    return order


def _containing(clusters: Sequence[_Cluster], words: list[str]) -> _Cluster | None:
    hosts = [c for c in clusters if c.type == "PER" and set(words) <= set(name_key(c.name).split())]
    return hosts[0] if len(hosts) == 1 else None


def entity_at(entities: Sequence[Entity], start: int, end: int) -> Entity | None:
    """Return the entity with a mention overlapping start..end (the longest overlap), or None."""
    best, best_overlap = None, 0
    for entity in entities:
        for m in entity.mentions:
            overlap = min(end, m.end) - max(start, m.start)
            if overlap > best_overlap:
                best, best_overlap = entity, overlap
    return best
