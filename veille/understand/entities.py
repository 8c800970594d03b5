"""Entities within one article: NER spans cleaned and typed, titles turned into roles, mentions merged per
referent (each with the reason it joined), places located with the shipped gazetteer.

Reads French (fr_core_news_md: PER ORG LOC MISC) and English (en_core_web_sm: PERSON ORG GPE ...) docs.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans
from unidecode import unidecode

from veille.model import Entity, Mention, Place
from veille.understand import places
from veille.understand.linking import name_key
from veille.understand.nlp import DATA_DIR, common_words, org_names
from veille.understand.spans import SpanIndex

logger = logging.getLogger(__name__)

TYPES = {"PER": "per", "ORG": "org", "LOC": "loc", "MISC": "misc"}
# spaCy labels (French WikiNER and English OntoNotes schemes) → ours; a label absent here is not a name
# (dates, amounts) and NORP ("Russian") is a nationality, not an entity.
LABELS = {
    "PER": "PER",
    "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "MISC": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "LAW": "MISC",
    "WORK_OF_ART": "MISC",
}
# "SoHO", "iPhone": a capital after a small letter inside a word marks a brand, not a place.
_CAMEL = re.compile(r"[a-z][A-Z]")
_BRACKETED = re.compile(r"\s*\(\s*([^\s)]*)\s*\)")
# Lowercase particles that open a surname ("de Gaulle", "van Petegem", "von der Leyen").
_PARTICLES = frozenset(
    {"de", "du", "des", "d'", "van", "von", "der", "da", "di", "del", "della", "dos", "al", "ben", "bin"}
)
_DETERMINERS = frozenset({"le", "la", "les", "l'", "l’", "the"})
# Population above which a city name typed PER by the model is read as the city ("Moscou a répondu").
_BIG_CITY = 500_000
_ROLE_POS = {"NOUN", "ADJ", "DET", "ADP", "PROPN"}


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
def civilities() -> frozenset[str]:
    """Return the civilities kept at the head of a person's mention ("M. Lavrov"), as written; never roles."""
    lines = (DATA_DIR / "civilities.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _gazetteer_exact() -> frozenset[str]:
    return frozenset(org_names()["exact"])


@cache
def _org_keys() -> frozenset[str]:
    data = org_names()
    return frozenset(name_key(n) for n in (*data["lower"], *data["exact"]))


@cache
def _world_regions() -> dict[str, str]:
    """Return folded name → canonical name of the continents and world regions (data/regions_world.tsv)."""
    out: dict[str, str] = {}
    for line in (DATA_DIR / "regions_world.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, others = line.partition("\t")
        for form in (name, *others.split("|")):
            if form.strip():
                out.setdefault(places.fold(form), name)
    return out


@dataclass
class _Found:
    label: str
    mention: Mention
    name: str  # the name inside the mention: civility left out ("Lavrov" in "M. Lavrov")
    roles: list[str]


@dataclass
class _Cluster:
    type: str
    names: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    # mention start → the name it carries and how it joined ("key", "part", "acronym")
    joined: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        full = [n for n in self.names if len(n.split()) > 1] or self.names
        return max(full, key=lambda n: (not n.isupper(), len(n.split()), len(n)))

    def add(self, found: _Found, how: str) -> None:
        self.names.append(found.name)
        self.mentions.append(found.mention)
        self.roles.extend(found.roles)
        self.joined.setdefault(found.mention.start, (found.name, how))


def extract_entities(doc: Doc, text: str) -> list[Entity]:
    """Return one Entity per referent of ``doc`` (parsed from a same-length copy of ``text``).

    Mention text is read from ``text``; junk spans (lowercase words, numbers, 1–2 chars, clutter, demonyms,
    headline common nouns) are dropped; LOC entities get their Place when the gazetteer knows them.
    """
    found = [f for f in (_clean_span(ent, text) for ent in _spans(doc)) if f is not None]
    clusters = _merge(found, text)
    entities = []
    for cluster in clusters:
        name = cluster.name
        ordered = sorted(set(cluster.mentions), key=lambda m: m.start)
        mentions = tuple(
            Mention(m.text, m.start, m.end, "name", _reason(k == 0, *cluster.joined[m.start], name))
            for k, m in enumerate(ordered)
        )
        kept = tuple(dict.fromkeys(r for r in cluster.roles if r))
        entities.append(Entity(entity_id_for(name, cluster.type), name, cluster.type, mentions, kept))
    entities.sort(key=lambda e: e.mentions[0].start)
    return _locate(entities)


def _spans(doc: Doc) -> list[Span]:
    """Return the doc's entity spans, a long name written before its acronym ("Fonds ... (Unicef)") made one.

    The model often cuts such names ("Mission ... des" + "Nations unies" + "Mali"); the acronym in
    parentheses says where the name starts: the farthest capitalised word, in the same clause, that begins
    with the acronym's first letter.
    """
    long_names = _datelines(doc) + _joined_fragments(doc)
    for tok in doc[2:-2]:
        if tok.text != "(" or doc[tok.i + 2].text != ")":
            continue
        acronym = doc[tok.i + 1]
        span = _long_name(doc, tok.i, acronym.text)
        if span is not None:
            # A name glossed by an acronym is an organisation; a country ("République centrafricaine
            # (RCA)") is retyped LOC by the gazetteer later.
            long_names.append(Span(doc, span[0], span[1], label="ORG"))
    if not long_names:
        return list(doc.ents)
    return sorted(filter_spans([*long_names, *doc.ents]), key=lambda s: s.start)


def _datelines(doc: Doc) -> list[Span]:
    """Return the all-caps place names opening a line or sentence before a dash ("ESTISSAC – Fête", "GENÈVE. —")."""
    out = []
    for tok in doc:
        if not (tok.is_upper and tok.is_alpha and len(tok) > 2):
            continue
        previous = doc[tok.i - 1] if tok.i > 0 else None
        if previous is not None and not (
            previous.is_space or previous.text in {".", ":", "\n"} or tok.is_sent_start
        ):
            continue
        end = tok.i + 1
        while end < len(doc) and doc[end].is_upper and (doc[end].is_alpha or doc[end].text == "-"):
            end += 1
        k = end + (1 if end < len(doc) and doc[end].text == "." else 0)
        if k < len(doc) and doc[k].text in {"–", "—", "-", "--"}:
            out.append(Span(doc, tok.i, end, label="LOC"))
    return out


def _joined_fragments(doc: Doc) -> list[Span]:
    """Return entity pairs the model cut at a preposition ("Fonds des" + "Nations unies") as one span."""
    ents = list(doc.ents)
    out = []
    for left, right in zip(ents, ents[1:], strict=False):
        if (
            left.end == right.start
            and len(left) > 1
            and left[-1].pos_ in {"ADP", "DET"}
            and left.text[:1].isupper()  # not "paix des" + "Nations unies"
        ):
            label = "ORG" if "ORG" in {left.label_, right.label_} else left.label_
            out.append(Span(doc, left.start, right.end, label=label))
    return out


def _long_name(doc: Doc, paren: int, acronym: str) -> tuple[int, int] | None:
    if not (2 <= len(acronym) <= 10 and acronym[:1].isupper() and acronym.isalpha()):
        return None
    first_letter = unidecode(acronym[0]).upper()
    start = None
    for i in range(paren - 1, max(paren - 16, -1), -1):
        tok = doc[i]
        if tok.is_sent_start and i != paren - 1 and not tok.text[:1].isupper():
            break
        finite = tok.pos_ in {"VERB", "AUX"} and "Part" not in tok.morph.get(
            "VerbForm", []
        )  # "unies" is fine
        if finite or tok.pos_ in {"AUX", "PRON", "NUM"} or (tok.is_punct and tok.text not in {"'", "’", "-"}):
            break
        if tok.text[:1].isupper() and unidecode(tok.text[:1]).upper() == first_letter:
            start = i
        if tok.is_sent_start:
            break
    if start is None or paren - start < 2:
        return None
    return start, paren


def _reason(is_first: bool, mention_name: str, how: str, name: str) -> str:
    """Return why a mention belongs to the entity named ``name`` (a short English phrase)."""
    if is_first:
        return "first mention"
    if how == "acronym":
        return f"acronym of {name}" if name_key(mention_name) != name_key(name) else "same name"
    key, words = name_key(mention_name), name_key(name).split()
    if key == " ".join(words):
        return "same name"
    if len(key.split()) == 1 and key in words:
        return f"surname of {name}" if key == words[-1] else f"first name of {name}"
    return f"part of the name {name}"


def _clean_span(ent: Span, text: str) -> _Found | None:
    label = LABELS.get(ent.label_)
    if label is None:
        return None
    doc = ent.doc
    tokens = list(ent)
    roles: list[str] = []
    title_words = titles()
    civility_words = civilities()
    # Leading determiners ("la France") and, for people, titles ("président Goita") are not the name.
    while tokens and (tokens[0].lower_ in _DETERMINERS or tokens[0].pos_ == "DET"):
        tokens = tokens[1:]
    civility: Token | None = None
    if len(tokens) > 1 and tokens[0].text in civility_words:
        civility = tokens.pop(0)
    elif tokens and ent.start > 0 and doc[ent.start - 1].text in civility_words and tokens[0].i == ent.start:
        civility = doc[ent.start - 1]
    if civility is not None:
        label = "PER"  # "M. Hagenbeck" is a person whatever the model said
    if label == "PER":
        lead = []
        while len(tokens) > 1 and tokens[0].lower_ in title_words and tokens[0].text not in civility_words:
            lead.append(tokens.pop(0))
        if lead:
            roles.append(text[lead[0].idx : lead[-1].idx + len(lead[-1])])
    # a name never runs over a line break ("LIGUE ARABE" + "La Ligue arabe" read as one span)
    breaks = [k for k, t in enumerate(tokens) if "\n" in t.text or "\n" in t.whitespace_]
    if breaks:
        tokens = tokens[: breaks[0] + 1] if not tokens[breaks[0]].is_space else tokens[: breaks[0]]
    while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
        tokens = tokens[:-1]
    if not tokens:
        return None
    # "Nana Akufo" + "-Addo": the model stopped inside a hyphenated name written without spaces.
    k = tokens[-1].i
    while (
        k + 2 < len(doc) and not doc[k].whitespace_ and doc[k + 1].text == "-" and not doc[k + 1].whitespace_
    ):
        if not (doc[k + 2].text[:1].isupper() and doc[k + 2].is_alpha):
            break
        tokens.extend([doc[k + 1], doc[k + 2]])
        k += 2
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    surface = text[start:end]
    if _is_junk(surface, label, ent.ent_id_ or ent.label_):
        return None
    if civility is None:
        retyped = _retype(surface, label, tokens)
        if retyped is None:
            return None
        label = retyped
    if label == "PER":
        roles.extend(_roles_before(doc, (civility or tokens[0]).i))
    if civility is not None:
        start = civility.idx
    return _Found(label, Mention(text[start:end], start, end), surface, roles)


def _retype(surface: str, label: str, tokens: list[Token]) -> str | None:
    """Return the label a gazetteer gives the span (a country is LOC), or None when it is no entity at all.

    Demonyms alone ("les Maliens") are not entities, except a person ("un Suisse"); headline common nouns
    ("Astronomie : ...", "Page actualisée") are dropped.
    """
    key = name_key(surface)
    if key in _org_keys():
        return "ORG"
    first = tokens[0]
    before = first.doc[first.i - 1].lower_ if first.i > 0 else ""
    is_demonym = len(tokens) == 1 and places.country_by_demonym(surface) is not None
    if is_demonym and before in {"un", "une", "a", "an"}:
        return "PER"  # "un Suisse médaillé d'or"
    if places.country_by_name(surface) is not None or places.fold(surface) in _world_regions():
        return "LOC"
    if is_demonym:
        return None
    parts = [p for p in re.split(r"[-‐–]", surface) if p]
    if len(parts) > 1 and all(places.country_by_name(p) or places.fold(p) in _world_regions() for p in parts):
        return "MISC"  # "Russie-Afrique", "Russie-Mali": a summit or a relation between places, not a place
    if label != "LOC" and not _CAMEL.search(surface):
        place = places.lookup_place(surface)
        # A person or an organisation named like a place's old or foreign alias ("Staline") stays as it is.
        own_name = place is not None and places.fold(place.name) == places.fold(surface)
        if place is not None and (label == "MISC" or own_name):
            big = place.is_capital or (place.population or 0) >= _BIG_CITY
            if label == "MISC" or (label == "ORG" and (big or place.kind == "region")):
                return "LOC"
            if label == "PER" and big and len(tokens) == 1:
                return "LOC"
        if place is not None:
            return label
    if _is_headline_noun(tokens, surface):
        return None
    return label


def _is_headline_noun(tokens: list[Token], surface: str) -> bool:
    """True for a capitalised common noun phrase opening a line or sentence ("Astronomie :", "Grève générale",
    an all-caps heading "DONNEES CLINIQUES"); "Médecins sans Frontières" (a later word capitalised) is a name."""
    first = tokens[0]
    doc = first.doc
    previous = doc[first.i - 1] if first.i > 0 else None
    # The parser's sentence starts are not trusted alone: it splits "les maladies animales Oscar, le petit".
    at_start = previous is None or previous.is_space or previous.text in {":", "—", "–", ".", "!", "?"}
    if not at_start:
        return False
    common = common_words(doc.lang_)
    words = [t for t in tokens if t.is_alpha]
    if not words or not all(_is_common(t, common) for t in words):
        return False
    is_upper = surface.isupper()
    if not is_upper and any(t.text[:1].isupper() for t in words[1:]):
        return False
    after = doc[tokens[-1].i + 1].text if tokens[-1].i + 1 < len(doc) else ""
    return first.pos_ != "PROPN" or after == ":" or (is_upper and len(words) > 1)


def _is_common(token: Token, common: frozenset[str]) -> bool:
    """True for a stop word or a common noun/adjective, plural ("cliniques") or unaccented ("DONNEES") too."""
    if token.is_stop or token.lower_ in common or token.lemma_.lower() in common:
        return True
    folded = _folded_common_words(token.doc.lang_)
    word = token.lower_
    return word == unidecode(word) and (word in folded or word.rstrip("s") in folded)


@cache
def _folded_common_words(language: str) -> frozenset[str]:
    return frozenset(unidecode(w) for w in common_words(language))


def _is_junk(surface: str, label: str, source: str) -> bool:
    key = name_key(surface)
    if surface in _gazetteer_exact():
        return False
    if len(surface) <= 2 or not key or key.replace(" ", "").isdigit():
        return True
    words = surface.split()
    particle = label == "PER" and len(words) > 1 and words[0] in _PARTICLES and words[1][:1].isupper()
    if not surface[0].isupper() and not surface[0].isdigit() and not particle:
        return True  # "ministre des Affaires étrangères", "conseil": not a name; "de Gaulle" is one
    if key in _lexicon("junk.txt"):
        return True
    # "Président Macron", "Transition malienne" are clutter; "États-Unis" (first word "etats") is a country.
    if key.split()[0] in _lexicon("junk.txt") and label != "ORG" and places.country_by_name(surface) is None:
        return True
    return any(ch.isdigit() for ch in surface) and label == "PER"


def _roles_before(doc: Doc, first: int) -> list[str]:
    """Return the title phrase just before a person's name ("le ministre russe des Affaires étrangères").

    A title set off by a comma ("Le ministre …, Sergueï Lavrov,") is an apposition: coref decides it.
    """
    i = first - 1
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
            return [doc[span[0].i : span[-1].i + 1].text]  # not doc.text: that joins the whole document
    return []


def _merge(found: Iterable[_Found], text: str) -> list[_Cluster]:
    """Group mentions per referent: same key; a person's surname joins the one full name containing it;
    an acronym joins the name it abbreviates ("Mission ... (MINUSMA)", initials)."""
    by_key: dict[tuple[str, str], _Cluster] = {}
    order: list[_Cluster] = []
    singles: list[_Found] = []
    for item in sorted(found, key=lambda f: -len(f.name.split())):
        key = name_key(item.name)
        if item.label == "PER" and len(key.split()) == 1:
            singles.append(item)
            continue
        cluster = by_key.get((item.label, key))
        how = "key"
        if cluster is None and item.label == "PER":
            cluster, how = _containing(order, key.split()), "part"
        if cluster is None:
            cluster = _Cluster(item.label)
            by_key[(item.label, key)] = cluster
            order.append(cluster)
            how = "key"
        cluster.add(item, how)
    for item in singles:
        key = name_key(item.name)
        hosts = [c for c in order if c.type == "PER" and key in name_key(c.name).split()]
        if len(hosts) == 1:
            hosts[0].add(item, "part")
            continue
        cluster = by_key.get((item.label, key))
        if cluster is None:
            cluster = by_key[(item.label, key)] = _Cluster(item.label)
            order.append(cluster)
        cluster.add(item, "key")
    return _merge_acronyms(order, text)


def _merge_acronyms(clusters: list[_Cluster], text: str) -> list[_Cluster]:
    """Fold an acronym cluster into the name it abbreviates ("OMS", "Caf"); return the clusters left."""
    long_orgs = [c for c in clusters if c.type in ("ORG", "MISC", "LOC") and len(c.name.split()) > 1]
    out: list[_Cluster] = []
    for cluster in clusters:
        acronym = cluster.name
        host = None
        if (
            long_orgs
            and cluster.type != "PER"
            and len(acronym.split()) == 1
            and 2 <= len(acronym) <= 10
            and acronym[:1].isupper()
        ):
            host = _acronym_host(acronym, long_orgs, text)
        if host is None or host is cluster:
            out.append(cluster)
            continue
        for mention in cluster.mentions:
            host.mentions.append(mention)
            host.joined.setdefault(mention.start, (cluster.joined[mention.start][0], "acronym"))
        host.roles.extend(cluster.roles)
    return out


def _acronym_host(acronym: str, orgs: Sequence[_Cluster], text: str) -> _Cluster | None:
    """Return the name written "Long Name (ACRONYM)" in the text, else the one whose words' starts spell it."""
    letters = unidecode(acronym).upper()
    if not letters.isalpha():
        return None
    for org in orgs:
        for mention in org.mentions:
            tail = text[mention.end : mention.end + len(acronym) + 4]
            bracketed = _BRACKETED.match(tail)  # "Long Name (ACRONYM)"
            if bracketed and bracketed.group(1) == acronym:
                return org
    if not acronym.isupper() and places.lookup_place(acronym) is not None:
        return None  # "Mali" is a place, not the initials of "Mission au Libéria"
    initials = [o for o in orgs if is_acronym_of(acronym, o.name)]
    return initials[0] if len(initials) == 1 else None


_ACRONYM_SKIP = {
    "de",
    "du",
    "des",
    "d",
    "la",
    "le",
    "les",
    "l",
    "pour",
    "et",
    "en",
    "au",
    "aux",
    "sur",
    "of",
    "the",
    "and",
    "for",
}


def is_acronym_of(short: str, name: str) -> bool:
    """True when ``short`` ("OMS", "Minusma", "FACT") is made of the starts of the words of ``name``.

    Each content word of ``name`` gives the next one or more letters of ``short``; short words (de, la, pour)
    may give a letter or none: "Organisation mondiale de la santé" → OMS, "Médecins sans Frontières" → MSF.
    Strict, because it finds acronyms with no other clue; ``linking.abbreviates`` is the looser check of two
    forms an article already tied ("Minusma" after its expansion in brackets).
    """
    letters = re.sub(r"[^a-z0-9]", "", places.fold(short))
    words = [w for w in re.split(r"[\s'’-]+", places.fold(name)) if w]
    if (
        not 2 <= len(letters) <= 10
        or len(words) < 2
        or len(letters) < len([w for w in words if w not in _ACRONYM_SKIP])
    ):
        return False

    @cache
    def match(k: int, j: int) -> bool:
        if k == len(words):
            return j == len(letters)
        word = words[k]
        if word in _ACRONYM_SKIP and match(k + 1, j):
            return True
        return any(
            word[:n] == letters[j : j + n] and match(k + 1, j + n)
            for n in range(1, min(len(word), len(letters) - j) + 1)
        )

    return match(0, 0)


def _containing(clusters: Sequence[_Cluster], words: list[str]) -> _Cluster | None:
    hosts = [c for c in clusters if c.type == "PER" and set(words) <= set(name_key(c.name).split())]
    return hosts[0] if len(hosts) == 1 else None


def _locate(entities: list[Entity]) -> list[Entity]:
    """Return the entities with ``place`` set on every LOC the gazetteer knows.

    An ambiguous city name takes the country the article's other places name, else the most populous.
    """
    countries = {c.iso2 for e in entities if e.type == "LOC" and (c := places.country_by_name(e.name))}
    out = []
    for entity in entities:
        place = _place_of(entity.name, countries) if entity.type == "LOC" else None
        if place is None:
            out.append(entity)
            continue
        # "BAMAKO" from a headline: the gazetteer's spelling reads better (same key, same entity_id).
        name = _gazetteer_spelling(entity.name) if entity.name.isupper() else entity.name
        out.append(replace(entity, name=name, place=place))
    return out


def _gazetteer_spelling(name: str) -> str:
    """Return the country's French name when ``name`` is it in capitals, else ``name`` title-cased."""
    country = places.country_by_name(name)
    if country is not None and places.fold(country.name_fr) == places.fold(name):
        return country.name_fr
    return name.title()


def _place_of(name: str, countries: set[str]) -> Place | None:
    country = places.country_by_name(name)
    if country is not None:
        return Place("country", country.iso2, country.lat, country.lon, f"countries:{country.iso2}")
    region = _world_regions().get(places.fold(name))
    if region is not None:
        return Place("region", None, None, None, "regions_world")
    hits = places.lookup_places(name)
    if not hits:
        return None
    best = next((p for p in hits if p.country_iso2 in countries), hits[0])
    return Place(best.kind, best.country_iso2, best.lat, best.lon, best.source)


class EntityIndex(tuple[Entity, ...]):
    """An article's entities with their lookups (entity at a span, name keys, last person named) built once,
    so that a long article costs time in proportion to its size, not to its size squared."""

    @cached_property
    def _mentions(self) -> tuple[list[int], list[tuple[int, int, int]], int]:
        """Return mention starts (sorted), (start, end, entity index) rows and the longest mention."""
        rows = sorted((m.start, m.end, i) for i, e in enumerate(self) for m in e.mentions)
        return [r[0] for r in rows], rows, max((r[1] - r[0] for r in rows), default=0)

    @cached_property
    def mentions(self) -> SpanIndex[tuple[int, Mention]]:
        """Return the mentions as (entity index, mention), by place; answers in entity then mention order."""
        return SpanIndex((m.start, m.end, (i, m)) for i, e in enumerate(self) for m in e.mentions)

    @cached_property
    def name_texts(self) -> list[tuple[str, ...]]:
        """Return, per entity, the distinct texts of its name mentions (a name said 500 times is one text)."""
        return [tuple(dict.fromkeys(m.text for m in e.mentions if m.kind == "name")) for e in self]

    @cached_property
    def name_keys(self) -> list[frozenset[str]]:
        """Return, per entity, the name keys of its name mentions and of its canonical name."""
        return [entity_name_keys(e) for e in self]

    @cached_property
    def person_name_ends(self) -> dict[str, tuple[int, ...]]:
        """Return, for each first or last word of a person's names of two words or more (its canonical name and
        every mention's text), the indexes of the people named so ("Vieira" → Patrick Vieira)."""
        ends: dict[str, dict[int, None]] = {}
        for i, e in enumerate(self):
            if e.type != "PER":
                continue
            for name in dict.fromkeys((e.name, *(m.text for m in e.mentions))):
                words = name.split()
                if len(words) > 1:
                    for word in (words[0], words[-1]):
                        ends.setdefault(word, {})[i] = None
        return {word: tuple(people) for word, people in ends.items()}

    def at(self, start: int, end: int) -> Entity | None:
        """Return the entity with a mention overlapping start..end (the longest overlap; first entity on a tie)."""
        starts, rows, longest = self._mentions
        best: tuple[int, int] | None = None  # (overlap, -entity index)
        for m_start, m_end, i in rows[bisect_left(starts, start - longest) : bisect_left(starts, end)]:
            overlap = min(end, m_end) - max(start, m_start)
            if overlap > 0 and (best is None or (overlap, -i) > best):
                best = (overlap, -i)
        return self[-best[1]] if best else None

    def last_person_before(self, pos: int) -> Entity | None:
        """Return the person whose mention starts last before ``pos``."""
        starts, rows, _ = self._mentions
        for _start, _end, i in reversed(rows[: bisect_left(starts, pos)]):
            if self[i].type == "PER":
                return self[i]
        return None


def entity_name_keys(entity: Entity) -> frozenset[str]:
    """Return the name keys of an entity's name mentions and of its canonical name."""
    return frozenset(
        {name_key(m.text) for m in entity.mentions if m.kind == "name"} | {name_key(entity.name)}
    )


def indexed(entities: Sequence[Entity]) -> EntityIndex:
    """Return ``entities`` as an EntityIndex (itself when it already is one)."""
    return entities if isinstance(entities, EntityIndex) else EntityIndex(entities)
