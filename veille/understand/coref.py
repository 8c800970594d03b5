"""Descriptions and roles within one article: "le chef de la diplomatie russe" resolved to the person holding it.

Rules in the spirit of the multi-pass sieve of Lee et al. (2013), most precise first, each recorded in the
mention's ``reason``:

0. names first: a country has one name per article ("Burkina", "Burkina Faso"), a name read with two types is
   one referent, a name found once is a mention wherever else it is written, and so is an acronym the model
   missed that spells a name found;
1. a title just before a name ("le ministre russe des Affaires étrangères Sergueï Lavrov") is a role: it
   becomes an :class:`Office` of that person and a description mention of it;
2. apposition: "Paul Melly, l'analyste régional", "Le ministre …, Sergueï Lavrov,", "la mission de l'ONU
   (Minusma)", chains of them; read right to left before the other rules, so their offices are known;
3. a description that contains a name of its own type: "la ville de Djibo", "les rebelles du M23";
4. offices: "le chef de la diplomatie malienne" is the person whose office is foreign minister of Mali
   ("son homologue malien" takes the function of the person it is the counterpart of);
5. the same description again, then the same head noun class with an agreeing country ("la junte" after
   "La junte militaire du Mali", "le régime" after "la junte");
6. places by class: "le pays" is the last country named, "la capitale" its capital, "la ville" the last city;
7. a definite description that nothing above resolves opens a new entity ("l'opposition ivoirienne"),
   which later descriptions of its class join; an indefinite one that nothing resolves is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any

from spacy.tokens import Doc, Token

from veille.model import Entity, Mention, Office
from veille.understand import places
from veille.understand.budget import check_budget
from veille.understand.entities import entity_id_for, is_acronym_of, name_key
from veille.understand.nlp import DATA_DIR
from veille.understand.office_holders import holders_of, is_named
from veille.understand.spans import SpanIndex

logger = logging.getLogger(__name__)

_DEFINITE = {"le", "la", "les", "l", "l'", "l’", "the"}
_CONTRACTED = {"du", "au", "aux"}  # de/à + le: a definite article inside a preposition
_DEMONSTRATIVE = {"ce", "cet", "cette", "ces", "this", "these"}
_POSSESSIVE = {"son", "sa", "ses", "leur", "leurs", "his", "her", "their", "its"}
# "ma délégation", "notre pays": the speaker's, resolved by who speaks, not by the text around
_SPEAKER_RELATIVE = {
    "mon",
    "ma",
    "mes",
    "notre",
    "nos",
    "votre",
    "vos",
    "ton",
    "ta",
    "tes",
    "my",
    "our",
    "your",
}
_INDEFINITE = {"un", "une", "des", "a", "an"}
_QUANTIFIERS = {
    "deux",
    "trois",
    "plusieurs",
    "certains",
    "certaines",
    "nombreux",
    "nombreuses",
    "quelques",
    "tous",
    "toutes",
    "divers",
    "differents",
    "differentes",
}
_FORMER = {
    "ancien",
    "ancienne",
    "ex",
    "former",
    "dechu",
    "dechue",
    "depose",
    "deposee",
    "renverse",
    "renversee",
    "defunt",
    "feu",
    "late",
    "exile",
}
# classes whose "head de NAME" is NAME itself ("les rebelles du M23"), unlike "la mission de l'ONU"
_NAMED_BY_INNER = {
    "group",
    "party",
    "force",
    "coalition",
    "media",
    "company",
    "opposition",
    "bloc",
    "government",
}
# organs of a state: "les dirigeants de la CEDEAO" does not make the CEDEAO a government
_STATE = {"government", "army", "police", "justice", "court", "ministry", "parliament", "council"}
# classes a bare description of may take up the last organisation named ("l'organisation" after MSF)
_GENERIC_ORG = {
    "organisation",
    "agency",
    "group",
    "company",
    "party",
    "media",
    "mission",
    "bloc",
    "coalition",
}
_LINKS = {"de", "du", "des", "d", "d'", "au", "aux", "en", "pour", "of", "for"}
_NOT_ACRONYMS = {
    "le",
    "la",
    "les",
    "de",
    "du",
    "des",
    "un",
    "une",
    "et",
    "ou",
    "au",
    "aux",
    "en",
    "a",
    "il",
    "elle",
    "on",
    "ce",
    "the",
    "of",
    "and",
    "in",
    "to",
    "at",
    "by",
    "is",
    "it",
    "an",
}
_CAPS_WORD = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]{1,7}(?![\w-])")
_NON_WORD = re.compile(r"[^a-z0-9'-]+")
_CONTEXT_WINDOW = 1500  # characters back a class-only description ("le pays") may reach for its antecedent
_ORG_WINDOW = 600  # characters back "l'organisation" may reach for the organisation it takes up


@cache
def nominals() -> dict[str, tuple[str, str]]:
    """Return head noun (folded) → (type, class) of the description heads veille resolves."""
    return {head: (type_, cls) for head, (type_, cls, _plural) in _nominal_rows().items()}


@cache
def _nominal_rows() -> dict[str, tuple[str, str, bool]]:
    """Return head noun (folded) → (type, class, names one referent in the plural) from nominals.tsv."""
    out: dict[str, tuple[str, str, bool]] = {}
    for line in (DATA_DIR / "nominals.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, type_, *rest = (part.strip() for part in line.split("\t"))
        out[fold(head)] = (type_, (rest[0] if rest else "") or fold(head), rest[1:2] == ["plural"])
    return out


@cache
def _office_variants() -> list[tuple[str, str]]:
    rows = []
    for line in (DATA_DIR / "offices.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            office, variant = line.split("\t")
            rows.append((" ".join(_NON_WORD.sub(" ", fold(variant)).split()), office.strip()))
    return sorted(rows, key=lambda r: -len(r[0]))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Return text lowercased without accents, apostrophes made straight."""
    return places.fold(text.replace("’", "'"))


def parse_office(text: str, start: int = -1, end: int = -1, orgs: Sequence[Entity] = ()) -> Office | None:
    """Return the office a role text names ("son homologue malien" → homologue of ML), or None.

    The function is the longest known variant in the text (offices.tsv), else its first person head noun;
    the country comes from a demonym or a country name in it; the organisation from an ORG entity named in it.
    """
    folded = fold(text)
    # "ministre russe des Affaires étrangères": the demonym is the country, not part of the function
    kept = [w for w in _NON_WORD.sub(" ", folded).split() if places.country_by_demonym(w) is None]
    padded = " " + " ".join(kept) + " "
    function = next((office for variant, office in _office_variants() if f" {variant} " in padded), None)
    words = padded.split()
    if function is None:
        heads = nominals()
        function = next((w for w in words if heads.get(w, ("",))[0] == "PER"), None)
    if function is None:
        return None
    if _FORMER & set(words):
        function = f"ancien {function}"
    country = _country_in(text)
    org = next((e.name for e in orgs if e.type == "ORG" and _names_in(e, folded)), None)
    return Office(function=function, text=text, start=start, end=end, country=country, org=org)


def merge_offices(offices: Sequence[Office]) -> list[Office]:
    """Return offices without repeats: one per function (the most specific attestation, first seen), and no
    bare function ("ministre") where a fuller one ("ministre des affaires étrangères") is attested."""
    best: dict[str, Office] = {}
    for office in offices:
        held = best.get(office.function)
        if held is None or (office.country, office.org).count(None) < (held.country, held.org).count(None):
            best[office.function] = (
                office if held is None else replace(office, start=held.start, end=held.end)
            )
    functions = list(best)
    return [
        o
        for f, o in best.items()
        if not any(g != f and g.startswith(f + " ") for g in functions) or o.country
    ]


def _country_in(text: str) -> str | None:
    for i, word in enumerate(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)):
        if word[:1].islower() or i > 0:  # "Forces armées Nigériennes", not a sentence's first word
            found = places.country_by_demonym(word)
            if found is not None:
                return found.iso2
    for match in re.finditer(
        r"\b(?:de la|de l'|de l’|du|des|d'|d’|de|of|au|en)\s*([A-ZÉÈ][^\s,;.()]*(?:\s+[A-Zd][^\s,;.()]*){0,3})",
        text,
    ):
        words = match.group(1).split()
        for n in range(len(words), 0, -1):
            code = _country_of_place(" ".join(words[:n]))
            if code is not None:
                return code
    return None


def _names_in(entity: Entity, folded: str) -> bool:
    return any(f" {name_key(m.text)} " in f" {name_key(folded)} " for m in entity.mentions if len(m.text) > 2)


@dataclass
class _Referent:
    """An entity being built: its mentions, head-noun classes, country, offices, place kind."""

    entity: Entity
    added: list[Mention] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    country: str | None = None
    offices: list[Office] = field(default_factory=list)
    place_kind: str | None = None
    nominal_name: str | None = None
    # last_before's index: [the mentions it was built from, how many of ``added`` it holds, the starts sorted]
    _starts: list[Any] = field(default_factory=lambda: [None, 0, []], repr=False, compare=False)

    @property
    def type(self) -> str:
        return self.entity.type

    def positions(self) -> list[int]:
        return [m.start for m in (*self.entity.mentions, *self.added)]

    def last_before(self, pos: int) -> int:
        """Return the last mention start before ``pos`` (-1: none), by bisection: asked per description."""
        starts = self._sorted_positions()
        k = bisect_left(starts, pos)
        return starts[k - 1] if k else -1

    def _sorted_positions(self) -> list[int]:
        # kept sorted as mentions are added (``added`` only grows; a new entity brings new mentions)
        cache = self._starts
        if cache[0] is not self.entity.mentions:
            cache[:] = [self.entity.mentions, 0, sorted(m.start for m in self.entity.mentions)]
        for m in self.added[cache[1] :]:
            insort(cache[2], m.start)
        cache[1] = len(self.added)
        return cache[2]


@dataclass
class _Description:
    start: int
    end: int
    text: str
    head: str
    type: str
    cls: str
    det: str
    country: str | None
    head_token: Token


def resolve_descriptions(
    doc: Doc, text: str, entities: list[Entity], *, on: date | None = None
) -> list[Entity]:
    """Return the entities with their offices and the description mentions that refer to them.

    ``doc`` is the parse of a same-length copy of ``text``; unresolvable indefinite descriptions are dropped,
    unresolved definite ones with a known head become entities of their own (named by their longest form).
    ``on`` is the article's date: an office no person of the article is said to hold goes to its holder that
    day in the list of office holders (data/office_holders.tsv); without a date, only to a person the article
    names and the list gives that office.
    """
    refs = _merge_same_referents([_Referent(e) for e in entities])
    _propagate_names(refs, text)
    orgs = [e for e in entities if e.type == "ORG"]
    for ref in refs:
        _seed_referent(ref, text, orgs)
    _fill_counterparts(refs, doc)
    owner_at = {m.start: ref for ref in refs for m in ref.entity.mentions}
    owner_end = {m.end: ref for ref in refs for m in ref.entity.mentions}
    covered = [(m.start, m.end) for r in refs for m in r.entity.mentions]
    people = {m.start for r in refs if r.type == "PER" for m in r.entity.mentions}
    person_tokens = {t.i for t in doc if t.idx in people}
    descriptions = _descriptions(doc, text, covered, person_tokens)
    # appositions first, right to left: "Leur envoyé, l'ancien président nigérian Goodluck Jonathan" chains
    # to the name, and offices given in apposition are known before descriptions look for their holders
    placed: set[int] = set()
    for desc in reversed(descriptions):
        if _place_apposition(desc, owner_at, owner_end, text, orgs):
            placed.add(desc.start)
    names = _mention_index(refs)  # the names' mentions by place, for every description's inner name
    for desc in descriptions:
        if desc.start not in placed:
            _resolve(desc, refs, text, orgs, on, names=names)
    _name_the_office(refs, orgs)
    return _build(refs, text)


_LEAD_REACH = 400  # characters from an office to the name it announces ("Le ministre … Cette visite de X")


def _name_the_office(refs: list[_Referent], orgs: Sequence[Entity]) -> None:
    """Cataphora of news leads: "Le ministre nigérien de l'Hydraulique a inauguré … Cette visite d'Adamou
    Mahaman Issa".

    When the article's unresolved person descriptions all name one office of one country (or organisation),
    and the first person named after that office, within a few sentences (``_LEAD_REACH``), is named there
    for the first time and has no office of their own, the descriptions are that person's. Anything less
    clear-cut leaves them as they are.
    """
    offices: dict[tuple[str, str], list[tuple[_Referent, Office]]] = {}
    for ref in refs:
        if ref.type != "PER" or not ref.nominal_name or not ref.added:
            continue
        first = min(ref.added, key=lambda m: m.start)
        office = parse_office(first.text, first.start, first.end, orgs)
        if office is None or office.function == "homologue" or office.function.startswith("ancien "):
            return  # an unresolved description of some other kind: not a clear-cut case
        where = office.country or office.org
        if where is None:
            return
        offices.setdefault((office.function, where), []).append((ref, office))
    if len(offices) != 1:
        return
    described = next(iter(offices.values()))
    begins = min(m.start for ref, _ in described for m in ref.added)
    named = [r for r in refs if r.type == "PER" and not r.nominal_name and r.entity.mentions]
    after = [(min(m.start for m in r.entity.mentions), r) for r in named]
    later = sorted(((at, r) for at, r in after if at > begins), key=lambda x: x[0])
    if not later or later[0][0] - begins > _LEAD_REACH or later[0][1].offices:
        return
    person = later[0][1]
    for ref, office in described:
        for m in ref.added:
            person.added.append(
                replace(m, reason=f"the office the article names before {person.entity.name}")
            )
        person.texts |= ref.texts
        person.offices.append(office)
        refs.remove(ref)
    person.country = person.country or described[0][1].country


def _merge_same_referents(refs: list[_Referent]) -> list[_Referent]:
    """One sense per article: fold referents with the same name but another type ("Bunagana" read as a place
    and as a person), and the names of one country ("Burkina", "Burkina Faso"), named as the country is.

    The type kept is the one most mentions have; a tie goes to what the gazetteer knows the name as.
    """
    groups: dict[str, list[_Referent]] = {}
    for ref in refs:
        country = _country_named(ref) if ref.type in ("LOC", "ORG", "MISC") else None
        if country is not None and ref.type != "LOC":
            # "République centrafricaine" read as an organisation is still the country
            ref.entity = replace(ref.entity, type="LOC", entity_id=entity_id_for(ref.entity.name, "LOC"))
        key = f"country:{country.iso2}" if country is not None else name_key(ref.entity.name)
        groups.setdefault(key, []).append(ref)
    gone: set[int] = set()
    for key, group in groups.items():
        if len(group) < 2 and not key.startswith("country:"):
            continue
        votes: dict[str, int] = {}
        for ref in group:
            votes[ref.type] = votes.get(ref.type, 0) + len(ref.entity.mentions)
        known = "LOC" if places.lookup_place(group[0].entity.name) is not None else None
        kind = max(votes, key=lambda t: (votes[t], t == known))
        target = max(group, key=lambda r: (r.type == kind, len(r.entity.mentions)))
        entity = replace(target.entity, type=kind)
        if key.startswith("country:"):
            country = _country_named(target)
            if country is not None:
                entity = replace(
                    entity, name=country.name_fr, entity_id=entity_id_for(country.name_fr, "LOC")
                )
        for ref in group:
            if ref is target:
                continue
            why = "same country as" if key.startswith("country:") else "same name as"
            moved = tuple(replace(m, reason=f"{why} {entity.name}") for m in ref.entity.mentions)
            entity = replace(entity, mentions=entity.mentions + moved, roles=entity.roles + ref.entity.roles)
            gone.add(id(ref))
        target.entity = entity
    return [r for r in refs if id(r) not in gone]


def _propagate_names(refs: list[_Referent], text: str) -> None:
    """One sense per article, again: every other occurrence of a name the model found once ("Angola" the model
    missed in one sentence) becomes a mention of the same referent, unless it lies inside another mention."""
    taken = sorted((m.start, m.end) for r in refs for m in r.entity.mentions)
    reach = max((e - s for s, e in taken), default=0) + 1  # no mention reaches further back than this
    for ref in refs:
        forms = {m.text for m in ref.entity.mentions if len(m.text) >= 3 and m.text[:1].isupper()}
        added: list[Mention] = []
        for form in sorted(forms, key=len, reverse=True):
            for start, end in _occurrences(text, form):
                if _overlaps(taken, start, end, reach):
                    continue
                added.append(
                    Mention(form, start, end, reason=f"same name as {ref.entity.name} (missed by the model)")
                )
                insort(taken, (start, end))
        if added:
            _add_mentions(ref, added)
    # an acronym the model missed ("RPG") that spells the words of a name it found
    long_names = [r for r in refs if r.type in ("ORG", "MISC", "LOC") and len(r.entity.name.split()) > 1]
    for match in _CAPS_WORD.finditer(text):
        start, end = match.span()
        if (
            _overlaps(taken, start, end, reach)
            or fold(match.group(0)) in _NOT_ACRONYMS
            or _shouted(text, start)
        ):
            continue  # "LA" on a line in capitals is a word, not the initials of "Ligue arabe"
        hosts = [r for r in long_names if is_acronym_of(match.group(0), r.entity.name)]
        if len(hosts) == 1:
            _add_mentions(
                hosts[0], [Mention(match.group(0), start, end, reason=f"acronym of {hosts[0].entity.name}")]
            )
            taken.append((start, end))


def _occurrences(text: str, form: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of each occurrence of ``form`` in ``text``, left to right and not overlapping, that
    no word character or hyphen touches: what ``(?<![\\w-])form(?![\\w-])`` finds, without compiling a pattern
    per name (thousands per batch, more than the re module's cache holds)."""
    size, start = len(form), text.find(form)
    while start >= 0:
        end = start + size
        if (start == 0 or not _word_char(text[start - 1])) and (
            end == len(text) or not _word_char(text[end])
        ):
            yield start, end
            start = text.find(form, end)
        else:
            start = text.find(form, start + 1)


def _word_char(char: str) -> bool:
    """True for what ``[\\w-]`` matches: a letter or digit (str.isalnum, as the re module's \\w), _ or -."""
    return char.isalnum() or char in "_-"


def _overlaps(spans: list[tuple[int, int]], start: int, end: int, reach: int) -> bool:
    """True when start..end overlaps one of ``spans`` (sorted by start; none longer than ``reach``)."""
    i = bisect_left(spans, (start - reach, 0))
    return any(s < end and start < e for s, e in spans[i : bisect_left(spans, (end, 0))])


def _shouted(text: str, pos: int) -> bool:
    """True when the line around ``pos`` is mostly capitals (a title or a shouted line, not running text)."""
    line = text[text.rfind("\n", 0, pos) + 1 : (text.find("\n", pos) + 1 or len(text) + 1) - 1]
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.6 * len(letters)


def _add_mentions(ref: _Referent, mentions: Sequence[Mention]) -> None:
    ref.entity = replace(
        ref.entity, mentions=tuple(sorted((*ref.entity.mentions, *mentions), key=lambda m: m.start))
    )


def _country_named(ref: _Referent) -> places.Country | None:
    """Return the country the referent's name, or any of its mentions, names ("RCA" merged with its expansion)."""
    for name in (ref.entity.name, *(m.text for m in ref.entity.mentions)):
        country = places.country_by_name(name)
        if country is not None:
            return country
    return None


def _seed_referent(ref: _Referent, text: str, orgs: Sequence[Entity]) -> None:
    entity = ref.entity
    first = entity.mentions[0].start if entity.mentions else 0
    if entity.type == "PER":
        for role in entity.roles:
            pos = text.rfind(role, 0, first + len(role) + 200)
            office = parse_office(role, pos, pos + len(role) if pos >= 0 else -1, orgs)
            if office is not None:
                ref.offices.append(office)
        ref.offices = merge_offices(ref.offices)
        ref.country = next((o.country for o in ref.offices if o.country), None)
    elif entity.type == "LOC":
        country = places.country_by_name(entity.name)
        if country is not None:
            ref.place_kind, ref.country = "country", country.iso2
        else:
            found = places.lookup_place(entity.name)
            if found is not None:
                ref.place_kind = found.kind
                ref.country = found.country_iso2
    elif entity.type == "ORG":
        heads = nominals()
        words = fold(entity.name).split()
        if words and words[0] in heads and heads[words[0]][0] == "ORG":
            ref.classes.add(heads[words[0]][1])
        ref.country = _country_in(entity.name)


def _fill_counterparts(refs: list[_Referent], doc: Doc) -> None:
    """Give "son homologue malien X" the function of the nearest person before X that has one."""
    people = sorted((r for r in refs if r.type == "PER"), key=lambda r: min(r.positions(), default=0))
    for ref in people:
        for k, office in enumerate(ref.offices):
            if office.function != "homologue":
                continue
            at = office.start if office.start >= 0 else min(ref.positions(), default=0)
            best: tuple[int, Office] | None = None
            for other in people:
                if other is ref:
                    continue
                for o in other.offices:
                    if o.function == "homologue":
                        continue
                    pos = other.last_before(at)
                    if pos < 0 and o.start >= 0:
                        continue
                    distance = at - max(pos, o.start)
                    if best is None or distance < best[0]:
                        best = (distance, o)
            if best is not None:
                ref.offices[k] = replace(office, function=best[1].function, org=office.org or best[1].org)
        ref.country = ref.country or next((o.country for o in ref.offices if o.country), None)


def _descriptions(
    doc: Doc, text: str, covered: Sequence[tuple[int, int]], person_tokens: set[int]
) -> list[_Description]:
    """Return the noun phrases headed by a known description noun, in text order."""
    heads = nominals()
    out: list[_Description] = []
    inside = _Covering(covered)
    for token in doc:
        check_budget("descriptions")
        if token.pos_ not in ("NOUN", "PROPN", "ADJ", "VERB"):
            continue
        head = fold(token.text)
        if head not in heads:
            head = fold(token.lemma_)
            if head not in heads:
                continue
        if token.text[:1].isupper() and not _starts_phrase(token) and heads[head][0] != "PER":
            continue  # "l'Organisation centrale indienne …" inside a sentence is a name; "le Ministre" a title
        det = next((c for c in token.children if c.dep_ == "det" and c.i < token.i), None)
        if det is None and token.i > 0 and fold(doc[token.i - 1].text) in _CONTRACTED:
            det = doc[token.i - 1]
        if _counted(token, head) or det is not None and fold(det.text) in _SPEAKER_RELATIVE:
            continue
        lefts = [c.i for c in token.children if c.dep_ == "amod" and c.i < token.i]
        left = min([det.i if det is not None else token.i, *lefts])
        if det is None:
            k = left - 1
            while k > 0 and doc[k].pos_ == "ADJ" and left - k < 3:
                k -= 1
            if k >= 0 and doc[k].pos_ == "DET":
                det, left = doc[k], k  # "l'influent chef": the parser hangs the article on the adjective
        end_i = _right_edge(doc, token, person_tokens)
        start, end = doc[left].idx, doc[end_i].idx + len(doc[end_i])
        if inside(start, end):
            continue  # inside a name, or its head is part of one ("La Mission multidimensionnelle …")
        type_, cls = heads[head]
        det_text = fold(det.text) if det is not None else ""
        if det_text in _CONTRACTED:
            det_text, start = "le", doc[left + 1].idx if left < token.i else token.idx
            if start >= end:
                continue
        surface = text[start:end]
        out.append(_Description(start, end, surface, head, type_, cls, det_text, _country_in(surface), token))
    return out


class _Covering:
    """Whether a span lies inside one of ``spans``: a bisection on their starts and the furthest end reached
    so far, so each question costs log n however many spans there are."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach: list[int] = []
        for _, e in ordered:
            self._reach.append(max(e, self._reach[-1]) if self._reach else e)

    def __call__(self, start: int, end: int) -> bool:
        k = bisect_right(self._starts, start)
        return k > 0 and self._reach[k - 1] >= end


def _starts_phrase(token: Token) -> bool:
    """True when a capital may be the sentence's: first word, or only a determiner and adjectives before."""
    i = token.i - 1
    while i >= 0 and token.doc[i].pos_ in ("DET", "ADJ"):
        i -= 1
    return (
        i < 0 or token.doc[i].is_sent_end or token.doc[i + 1].is_sent_start or token.doc[i].text in '.:«"\n'
    )


def _right_edge(doc: Doc, head: Token, person_tokens: set[int]) -> int:
    """Return the last token of the phrase a head noun starts: adjectives, then "de/du/des … noun adj" links.

    Read off the surface (the parser often hangs "de la diplomatie russe" on the wrong word); stops at a
    person's name, a verb, punctuation or after 12 tokens.
    """
    end = head.i
    i = head.i + 1
    limit = min(len(doc), head.i + 13)

    def ok(t: Token) -> bool:
        # a person's name ends the phrase: one the name stage kept, not any span the model tagged PER
        return t.i not in person_tokens and not t.is_sent_start

    while i < limit and ok(doc[i]):
        adjective = doc[i].pos_ == "ADJ" or doc[i].dep_ == "amod" and doc[i].text.islower()  # "frontalière"
        if adjective or _demonym(doc[i].text) or "Part" in doc[i].morph.get("VerbForm", []):
            end, i = i, i + 1
        elif fold(doc[i].text) in ("et", "and") and i + 1 < limit and _qualifier(doc, i + 1):
            end, i = i + 1, i + 2  # "le président déchu et exilé"
        else:
            break
    while i < limit and doc[i].pos_ == "ADP" and fold(doc[i].text) in _LINKS and ok(doc[i]):
        j = i + 1
        if j < limit and doc[j].pos_ == "DET":
            j += 1
        if j >= limit or doc[j].pos_ not in ("NOUN", "PROPN") or doc[j].is_sent_start:
            break  # after "de", any name may follow: "la ville frontalière de Bunagana"
        end, i = j, j + 1
        while i < limit and doc[i].pos_ in ("ADJ", "PROPN") and ok(doc[i]):
            end, i = i, i + 1
    return end


def _qualifier(doc: Doc, i: int) -> bool:
    """True for the last word of "déchu et exilé": an adjective, or a lowercase word that ends the phrase."""
    token = doc[i]
    if token.pos_ == "ADJ" or "Part" in token.morph.get("VerbForm", []):
        return True
    ends = i + 1 >= len(doc) or doc[i + 1].is_punct
    return token.pos_ == "NOUN" and token.text.islower() and ends


def _demonym(word: str) -> bool:
    return word[:1].islower() and places.country_by_demonym(word) is not None


def _counted(token: Token, head: str) -> bool:
    """True for "les deux ministres", "plusieurs pays", "les pays occidentaux": several referents, not one."""
    if any(c.dep_ == "nummod" or fold(c.text) in _QUANTIFIERS for c in token.children if c.i < token.i):
        return True
    return "Plur" in token.morph.get("Number", []) and not _nominal_rows()[head][2]


def _place_apposition(
    desc: _Description,
    owner_at: dict[int, _Referent],
    owner_end: dict[int, _Referent],
    text: str,
    orgs: Sequence[Entity],
) -> bool:
    """Attach a description to the name (or placed description) it is a title of or in apposition to."""
    found = _apposition(desc, owner_at, owner_end, text)
    if found is None:
        return False
    ref, how = found
    if ref.type == "PER" and desc.type == "PER":
        office = parse_office(desc.text, desc.start, desc.end, orgs)
        if office is not None and not any(o.start == office.start for o in ref.offices):
            ref.offices.append(office)
            ref.country = ref.country or office.country
    if ref.type != desc.type:
        return False
    _attach(ref, desc, f"{'title of' if how == 'title' else 'apposition to'} {ref.entity.name}")
    owner_at.setdefault(desc.start, ref)
    owner_end.setdefault(desc.end, ref)
    return True


def _resolve(
    desc: _Description,
    refs: list[_Referent],
    text: str,
    orgs: Sequence[Entity],
    on: date | None = None,
    *,
    names: SpanIndex[tuple[_Referent, Mention]] | None = None,
) -> None:
    """Attach a description by the first rule that resolves it, or open an entity for it, or drop it."""
    if not desc.det:
        return  # "porte-parole du M23" without a determiner only describes the name it is in apposition to
    inner = _inner_name(desc, refs, names)
    if inner is not None:
        _attach(
            inner,
            desc,
            f"names {inner.entity.name}",
            learn=desc.cls not in _STATE or bool(inner.nominal_name),
        )
        return
    indefinite = desc.det in _INDEFINITE
    if desc.type == "PER" and not indefinite:
        holder = _office_holder(desc, refs, orgs) or _listed_holder(desc, refs, orgs, on)
        if holder is not None:
            ref, office = holder
            _attach(ref, desc, f"holds the office {office}")
            return
    same = _same_description(desc, refs)
    if same is not None:
        _attach(same, desc, f"repeats {same.nominal_name or same.entity.name!r}")
        return
    if indefinite:
        return
    by_class = _class_antecedent(desc, refs, text)
    if by_class is not None:
        ref, reason = by_class
        _attach(ref, desc, reason)
        return
    named = any(w[:1].isupper() for w in desc.text.split()[1:])
    if desc.type == "ORG" and desc.cls in _GENERIC_ORG and not named:
        last = _last_named_org(refs, desc.start, desc.cls)
        # "la société russe …" does not take up a Malian organisation
        if last is not None and (desc.country is None or desc.country == last.country):
            _attach(last, desc, f"the last organisation named ({last.entity.name})")
            return
    if desc.type in ("ORG", "PER") and (desc.country or desc.type == "ORG") or desc.type == "LOC" and named:
        _open(desc, refs)


def _apposition(
    desc: _Description, owner_at: dict[int, _Referent], owner_end: dict[int, _Referent], text: str
) -> tuple[_Referent, str] | None:
    """Return the named referent a description stands in apposition to, with how ("title" when before it)."""
    after = text[desc.end : desc.end + 3]
    gap = len(after) - len(after.lstrip(" ,("))
    ref = owner_at.get(desc.end + gap)
    if ref is not None and gap <= 3:
        opener = after[:gap].strip()
        if opener == "":
            return ref, "title"
        chained = any(m.start == desc.end + gap for m in ref.added)
        if opener == "," and _closed_after(ref, desc.end + gap, text) and (chained or _agrees(desc, ref)):
            return (
                ref,
                "apposition",
            )  # "Le ministre …, Sergueï Lavrov, effectue" (not "Avec le ministre, X dit")
        if opener == "(" and ref.type == desc.type:
            return ref, "apposition"
    before = text[: desc.start].rstrip()
    if before.endswith(","):
        ref = owner_end.get(len(before[:-1].rstrip()))
        if ref is not None and ref.type == desc.type and _agrees(desc, ref):
            return ref, "apposition"
    return None


def _closed_after(ref: _Referent, start: int, text: str) -> bool:
    """True when the mention of ``ref`` at ``start`` is followed by a comma, bracket, colon or line end."""
    if any(m.start == start for m in ref.added):
        return True  # a chain of appositions: "Leur envoyé, l'ancien président nigérian Goodluck Jonathan"
    ends = [m.end for m in ref.entity.mentions if m.start == start]
    return bool(ends) and (text[ends[0] :].lstrip(" ")[:1] in ("", ",", ")", ";", ":", "\n", "."))


def _agrees(desc: _Description, ref: _Referent) -> bool:
    """False when a description names another country than the one the referent's offices give."""
    return not (desc.country and ref.country and desc.country != ref.country)


def _mention_index(refs: Sequence[_Referent]) -> SpanIndex[tuple[_Referent, Mention]]:
    """Return the referents' entity mentions by place, in referent then mention order."""
    return SpanIndex((m.start, m.end, (ref, m)) for ref in refs for m in ref.entity.mentions)


def _inner_name(
    desc: _Description, refs: list[_Referent], names: SpanIndex[tuple[_Referent, Mention]] | None = None
) -> _Referent | None:
    """Return the name a description is built on: "la ville de Djibo", "les rebelles du M23", "le groupe Seleka".

    ``names``: _mention_index(refs), built once for many descriptions (the mentions inside the description are
    read from it, in referent order, instead of every mention of the article)."""
    if desc.cls == "capital":
        return None
    refused: set[int] = set()  # referents whose type the description cannot take
    for ref, m in (names or _mention_index(refs)).within(desc.start, desc.end):
        if ref.nominal_name or id(ref) in refused:
            continue
        if ref.type != desc.type and not _retypable(ref, desc):
            refused.add(id(ref))
            continue
        between = fold(desc.text[: m.start - desc.start]).split()
        if all(w in _DEFINITE | _DEMONSTRATIVE for w in between):
            return ref  # "le Conseil de sécurité" is the name with its article
        apposed = bool(between) and between[-1] not in ("de", "du", "des", "d", "l", "la", "le", "les")
        if apposed or desc.type == "LOC" or desc.cls in _NAMED_BY_INNER:
            return ref
    return None


def _retypable(ref: _Referent, desc: _Description) -> bool:
    """True when an organisation description may retype the name it holds: "les rebelles du M23" (M23 read as
    a place), "la firme Maiden Pharmaceuticals" (read as MISC); never a place the gazetteer knows."""
    if desc.type != "ORG" or ref.type not in ("LOC", "MISC", "PER"):
        return False
    if ref.type == "PER" and ref.offices:
        return False
    return places.lookup_place(ref.entity.name) is None and places.country_by_name(ref.entity.name) is None


def _office_holder(
    desc: _Description, refs: list[_Referent], orgs: Sequence[Entity]
) -> tuple[_Referent, str] | None:
    office = parse_office(desc.text, desc.start, desc.end, orgs)
    if office is None or office.function == "homologue":
        return None
    country = office.country
    best: tuple[tuple[int, int], _Referent, Office] | None = None
    for ref in refs:
        if ref.type != "PER" or ref.nominal_name:
            continue
        for held in ref.offices:
            if not _same_function(office.function, held.function):
                continue
            if country and held.country and held.country != country:
                continue
            if country and not held.country and ref.country != country:
                continue
            if office.org and held.org and name_key(office.org) != name_key(held.org):
                continue
            pos = ref.last_before(desc.start)
            rank = (pos >= 0, pos if pos >= 0 else -min(ref.positions(), default=0))
            if best is None or rank > best[0]:
                best = (rank, ref, held)
    if best is None:
        return None
    held = best[2]
    where = f" ({held.country})" if held.country else ""
    return best[1], f"{held.function}{where}"


def _listed_holder(
    desc: _Description, refs: list[_Referent], orgs: Sequence[Entity], on: date | None
) -> tuple[_Referent, str] | None:
    """Resolve a role no one in the article is said to hold through the list of office holders: the one person
    the article names who held it (on ``on`` when known), else, on a known day, the one holder that day, who
    becomes an entity of the article. An office of no named country ("le chef de l'État") goes only to a
    person the article names whom the list gives that function. A plural or a former office ("l'ancien
    président") asks for nobody."""
    office = parse_office(desc.text, desc.start, desc.end, orgs)
    if office is None or office.function == "homologue" or "Plur" in desc.head_token.morph.get("Number", []):
        return None
    unplaced = office.country is None and office.org is None
    listed = holders_of(office, on, anywhere=unplaced)
    if not listed:
        return None
    named = {
        id(ref): (ref, h)
        for ref in refs
        if ref.type == "PER" and not ref.nominal_name
        for h in listed
        if is_named(h, [ref.entity.name, *(m.text for m in ref.entity.mentions if m.kind == "name")])
    }
    if len(named) > 1 or not named and (on is None or unplaced or len({h.name for h in listed}) != 1):
        return None
    if named:
        ref, h = next(iter(named.values()))
    else:
        h = listed[0]
        ref = _Referent(Entity(entity_id_for(h.name, "PER"), h.name, "PER", ()))
        ref.country = h.country
        refs.append(ref)
    ref.offices.append(replace(office, country=office.country or h.country))
    where = h.country or office.org
    return ref, f"{h.function} ({where}) from {h.start.isoformat()}, by the list of office holders"


def _same_function(asked: str, held: str) -> bool:
    return asked == held or held.startswith(asked + " ")


def holds(held: Office, asked: Office) -> bool:
    """True when an office held answers the one a description asks for: the same function (or a fuller one:
    "président de la transition" answers "président") and no other country or organisation."""
    if not _same_function(asked.function, held.function):
        return False
    if asked.country and held.country != asked.country:
        return False
    return not (asked.org and held.org and name_key(asked.org) != name_key(held.org))


def _same_description(desc: _Description, refs: list[_Referent]) -> _Referent | None:
    key = _desc_key(desc.text)
    hits = [r for r in refs if key in r.texts]
    return max(hits, key=lambda r: r.last_before(desc.start)) if hits else None


def _desc_key(text: str) -> str:
    words = fold(text).split()
    while words and (words[0] in _DEFINITE | _DEMONSTRATIVE | _POSSESSIVE | _INDEFINITE or words[0] == "l'"):
        words = words[1:]
    return " ".join(words).replace("l' ", "l'")


def _class_antecedent(desc: _Description, refs: list[_Referent], text: str) -> tuple[_Referent, str] | None:
    """Return the latest referent of the description's class (and country, when it names one)."""
    window = desc.start - _CONTEXT_WINDOW
    candidates: list[tuple[int, _Referent, str]] = []
    capital: str | None = None  # the capital "la capitale" stands for, looked up once
    for ref in refs:
        pos = ref.last_before(desc.start)
        if pos < 0:
            continue
        if desc.type == "LOC" and ref.type == "LOC":
            if desc.cls == "capital":
                if capital is None:
                    capital = _capital_of(desc.country or _latest_country(refs, desc.start)) or ""
                if capital and name_key(capital) == name_key(ref.entity.name):
                    candidates.append((pos, ref, "capital of the country in context"))
                continue
            if ref.place_kind == desc.cls or desc.cls in ref.classes:
                if desc.country and ref.country and desc.country != ref.country and desc.cls != "country":
                    continue
                if pos >= window or desc.cls in ref.classes:
                    candidates.append((pos, ref, f"last {desc.cls} named"))
        elif desc.type == ref.type and desc.cls in ref.classes:
            if desc.country and desc.country != ref.country or not _fits(desc, ref):
                continue
            candidates.append(
                (pos, ref, f"same kind ({desc.cls}) as {ref.nominal_name or ref.entity.name!r}")
            )
        elif (
            desc.type == "PER"
            and ref.type == "PER"
            and not ref.nominal_name
            and any(_same_function(fold(desc.head), fold(o.function)) for o in ref.offices)
        ):
            if desc.country and ref.country and desc.country != ref.country:
                continue
            if pos >= window:
                candidates.append((pos, ref, f"the last {desc.head} named"))
    if not candidates:
        return None
    pos, ref, reason = max(candidates, key=lambda c: c[0])
    return ref, reason


def _fits(desc: _Description, ref: _Referent) -> bool:
    """True when every modifier of a description ("constitutionnelle" in "la cour constitutionnelle") is a word
    the referent was already named or described with; demonyms are checked as countries instead."""
    known = {
        w[:5]
        for t in (ref.entity.name, *ref.texts, *(m.text for m in ref.entity.mentions))
        for w in fold(t).split()
    }
    places_named = {w for n in _capitalised(desc.text) if _country_of_place(n) for w in fold(n).split()}
    for word in fold(desc.text).split()[1:]:
        if word in _LINKS or word in _DEFINITE or len(word) < 3 or word == desc.head or _demonym(word):
            continue
        if word in places_named:
            continue
        if word[:5] not in known:
            return False
    return True


def _capitalised(text: str) -> list[str]:
    return re.findall(r"[A-ZÉÈÎ][\w'’-]+(?:\s+[A-ZÉÈÎ][\w'’-]+)*", text)


def _country_of_place(name: str) -> str | None:
    """Return the ISO code of a country or capital name ("Bamako" → ML), else None."""
    country = places.country_by_name(name)
    if country is not None:
        return country.iso2
    return _capitals().get(fold(name))


@cache
def _capitals() -> dict[str, str]:
    """Return folded capital name → ISO code of its country."""
    return {fold(c.capital): c.iso2 for c in places.countries() if c.capital}


def _last_named_org(refs: list[_Referent], before: int, cls: str) -> _Referent | None:
    pos, ref = max(
        (
            (r.last_before(before), r)
            for r in refs
            if r.type in ("ORG", "MISC") and not r.nominal_name and (not r.classes or cls in r.classes)
        ),
        key=lambda x: x[0],
        default=(-1, None),
    )
    return ref if ref is not None and before - pos <= _ORG_WINDOW else None


def _latest_country(refs: list[_Referent], before: int) -> str | None:
    best = max(
        ((r.last_before(before), r.country) for r in refs if r.place_kind == "country" and r.country),
        default=(-1, None),
    )
    return best[1]


def _capital_of(iso2: str | None) -> str | None:
    if iso2 is None:
        return None
    return _capital_names().get(iso2)


@cache
def _capital_names() -> dict[str, str]:
    """Return ISO code → capital name."""
    return {c.iso2: c.capital for c in places.countries() if c.capital}


def _attach(ref: _Referent, desc: _Description, reason: str, *, learn: bool = True) -> None:
    """Add a description to a referent; ``learn`` makes its class the referent's (not for "les dirigeants de
    la CEDEAO": the CEDEAO is not thereby a government that "le régime" may take up)."""
    ref.added.append(Mention(desc.text, desc.start, desc.end, kind="description", reason=reason))
    ref.texts.add(_desc_key(desc.text))
    if learn:
        ref.classes.add(desc.cls)
    ref.country = ref.country or desc.country
    if ref.type != desc.type and _retypable(ref, desc):
        ref.entity = replace(ref.entity, type=desc.type, entity_id=entity_id_for(ref.entity.name, desc.type))


def _open(desc: _Description, refs: list[_Referent]) -> None:
    name = _strip_det(desc.text)
    mention = Mention(desc.text, desc.start, desc.end, kind="description", reason="first description")
    ref = _Referent(Entity(entity_id_for(name, desc.type), name, desc.type, ()), nominal_name=name)
    ref.added.append(mention)
    ref.texts.add(_desc_key(desc.text))
    ref.classes.add(desc.cls)
    ref.country = desc.country
    refs.append(ref)


def _build(refs: list[_Referent], text: str) -> list[Entity]:
    scope = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    out = []
    for ref in refs:
        entity = ref.entity
        mentions = tuple(sorted((*entity.mentions, *ref.added), key=lambda m: m.start))
        name = entity.name
        if ref.nominal_name:
            longest = max((m for m in ref.added), key=lambda m: len(m.text))
            name = _strip_det(longest.text)
        offices = merge_offices(ref.offices)
        if any(o.function != "homologue" for o in offices):
            offices = [o for o in offices if o.function != "homologue"]
        entity_id = entity.entity_id
        if ref.nominal_name:
            entity_id = entity_id_for(name, entity.type)
            if ref.country is None and not _capitalised(name):
                entity_id = f"{entity_id}~{scope}"  # "le gouvernement" of one article is not every article's
        out.append(
            replace(
                entity,
                entity_id=entity_id,
                name=name,
                mentions=mentions,
                offices=tuple(offices),
            )
        )
    out.sort(key=lambda e: e.mentions[0].start if e.mentions else 0)
    return out


def _strip_det(text: str) -> str:
    words = text.split()
    if words and fold(words[0]) in _DEFINITE | _DEMONSTRATIVE | _POSSESSIVE:
        return text[len(words[0]) :].lstrip()
    if text[:2].lower() in ("l'", "l’"):
        return text[2:]
    return text
