"""Typed events of one article: trigger words from a lexicon, arguments from the dependency parse.

Verbal triggers ("a rencontré", "ont été tués") and nominal ones ("la visite de Lavrov à Bamako", "l'expulsion
du chef de ...") come from ``data/event_triggers.tsv`` (French and English lemmas). A support verb ("a effectué
une visite", "procéder à l'arrestation") is no event itself: its subject, place and time go to the noun it
governs, so one event is found, not two; a trigger noun under a verb trigger of the same type ("arrivé ...
pour une visite", "reçu en audience") is folded into the verb's event.

Not events: a trigger inside a direct quote (what someone says), inside an organisation's name, a participle
that qualifies a noun ("les difficultés rencontrées"), an aim ("pour négocier"), an attribute ("est consultant"),
a headline-style noun ("Arrestation de ..."), a quote cue ('..., a annoncé X') and the announcing of an event that
is itself a trigger ("ont annoncé l'arrestation": the arrest is the event, its announcer its agent).
Nor are: a condition ("si X attaque", "en cas d'attaque"), a wish ("ils veulent une nouvelle élection"), the object
of an aim ("pour tenter de négocier un accord"), an idiom ("la remise en cause"), a present participle after "être"
("est consultant"), and a demonstrative noun ("cette rencontre") when the article tells that type of event anywhere.
Nor (issue 23, from the parse and general French, not from dev sentences): a charge or contested claim ("accusés
d'avoir attaqué", "responsable de meurtres", "a prétendu que"); a ``human`` trigger that a thing undergoes
("arrêter ses activités", by word vectors); "c'est la pire attaque" after an attack (that attack, judged).
A noun with an indefinite article ("une attaque contre ...") is a new event unless it shares a participant.
One event per real-world event: mentions of one article that ``event_groups.group_events`` joins and whose shared
participant roles agree are one event, told by its first mention (the one the gold marks more often) with the roles
the later ones add. A host verb ("participer") is an event only with a trigger noun of its type, which it takes in.
Agents: a pronoun stands for the subject of the sentence before; a noun without a "de" doer takes the subject of
its clause ("X a poursuivi ses visites", "lors de leur sommet"), a meeting "avec Y" the story's subject.

Roles: agent, patient, recipient, place, object, count. A number of people without a name ("38 personnes ont
été tuées", "des milliers de manifestants") is a count, not a patient or agent: how many, not who. A name's place
complement is not part of it ("Amadou Koufa à Mopti": patient "Amadou Koufa"). Event.time is the TIMEX3 value of
the time expression of the trigger's clause. Modality, one of:
  asserted  the default;
  planned   future tense, "va/doit/devrait + infinitive", "prévu", "prochain", "will";
  negated   "ne ... pas/jamais/plus/personne/aucun", "not/never" (not the expletive "avant que ... ne");
  denied    under "démentir/nier/deny";
  reported  "selon ...", "according to", conditional ("aurait tué").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.errors import VeilleError
from veille.model import Entity, Event, EventArgument, Mention, Quote, TimeExpression
from veille.understand.budget import check_budget
from veille.understand.dates import day_ranges
from veille.understand.entities import indexed
from veille.understand.event_groups import PARTICIPANT_ROLES, EventSample, group_events
from veille.understand.nlp import DATA_DIR
from veille.understand.spans import SpanIndex, spanned

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

logger = logging.getLogger(__name__)

TRIGGERS_PATH = DATA_DIR / "event_triggers.tsv"
EVENT_TYPES = (
    "visit",
    "meet",
    "sign",
    "deliver",
    "expel",
    "attack",
    "arrest",
    "kill",
    "elect",
    "appoint",
    "protest",
    "announce",
)
MODALITIES = ("asserted", "planned", "negated", "denied", "reported")

# Prepositions (spaCy lemmas or surfaces), folded: "au"/"aux" → "à", "du"/"des"/"d'" → "de".
_FOLD = {"au": "à", "aux": "à", "du": "de", "des": "de", "d'": "de", "d": "de", "dans": "dans"}
_PLACE_MARKERS = frozenset(["à", "en", "dans", "sur", "vers", "près", "in", "at", "to", "into", "near", "on"])
_AGENT_MARKERS = frozenset(["par", "by"])
_OF_MARKERS = frozenset(["de", "of"])
_AGAINST_MARKERS = frozenset(["contre", "against"])
_WITH_MARKERS = frozenset(["avec", "with", "entre", "between"])
_RECIPIENT_MARKERS = frozenset(["à", "to", "pour", "for"])
_MARKERS = (
    _PLACE_MARKERS | _AGENT_MARKERS | _OF_MARKERS | _AGAINST_MARKERS | _WITH_MARKERS | _RECIPIENT_MARKERS
)
_NEGATIONS = frozenset(["pas", "jamais", "plus", "guère", "not", "never", "n't", "no"])
_DENY = frozenset(["démentir", "nier", "contester", "deny", "dismiss", "reject", "refute"])
_PLANNING_HEADS = frozenset(
    ["aller", "devoir", "prévoir", "compter", "envisager", "projeter", "plan", "schedule", "expect", "intend"]
)
_PLANNED_WORDS = frozenset(
    ["prévu", "prévue", "prévus", "prévues", "prochain", "prochaine", "futur", "future"]
)
_REPORTED_WORDS = frozenset(["selon", "reportedly", "allegedly", "apparently"])
_PRONOUN_POS = frozenset(["PRON", "DET"])
_SUBJECTS = frozenset(["nsubj", "csubj"])
_PASSIVE_SUBJECTS = frozenset(["nsubj:pass", "nsubjpass"])
_OBJECTS = frozenset(["obj", "dobj", "iobj"])
_CLAUSE_DEPS = frozenset(["acl:relcl", "relcl", "acl", "advcl", "ccomp", "parataxis"])


@dataclass(frozen=True, slots=True)
class Trigger:
    """One lexicon row: the event type of a lemma and how its complements map to roles."""

    lemma: str
    pos: str  # verb, noun or support
    lang: str
    type: str
    subj: str = "agent"
    obj: str = "patient"
    de: str = "auto"
    needs_place: bool = False
    reflexive: bool = False
    never_reflexive: bool = False
    needs_actor: bool = False
    venue: bool = False
    host: bool = False
    human: bool = False


@cache
def trigger_lexicon(path: Path = TRIGGERS_PATH) -> dict[tuple[str, str], Trigger]:
    """Return {(pos, lemma): Trigger} read from the TSV lexicon; VeilleError(bad_lexicon) on a malformed row."""
    out: dict[tuple[str, str], Trigger] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 4 or cols[1] not in {"verb", "noun", "support"}:
            raise VeilleError(
                f"{path.name} line {n}: expected lemma, pos, lang, type[, options]", code="bad_lexicon"
            )
        lemma, pos, lang, kind = cols[:4]
        if pos != "support" and kind not in EVENT_TYPES:
            raise VeilleError(f"{path.name} line {n}: unknown event type {kind!r}", code="bad_lexicon")
        opts = [o.strip() for o in cols[4].split(",")] if len(cols) > 4 and cols[4].strip() else []
        keyed = dict(o.split("=", 1) for o in opts if "=" in o)
        out[(pos, lemma.casefold())] = Trigger(
            lemma=lemma,
            pos=pos,
            lang=lang,
            type=kind,
            subj=keyed.get("subj", "agent"),
            obj=keyed.get("obj", "patient"),
            de=keyed.get("de", "auto"),
            needs_place="place" in opts,
            reflexive="refl" in opts,
            never_reflexive="norefl" in opts,
            needs_actor="actor" in opts,
            venue="venue" in opts,
            host="host" in opts,
            human="human" in opts,
        )
    return out


def find_events(
    doc: Doc,
    text: str,
    entities: Sequence[Entity],
    times: Sequence[TimeExpression] = (),
    quotes: Sequence[Quote] = (),
) -> list[Event]:
    """Return the typed events of ``doc`` (parsed from ``text`` or a same-length copy) in text order.

    Each event has its agent/patient/recipient/place/object arguments where the parse gives them, each linked to
    the entity its span names; an empty doc gives []. ``quotes`` (the quotes stage's output): a trigger inside a
    direct quote of four words or more is what someone says, not an event. A day range ("les 6 et 7 février")
    is the event's time as an ISO 8601 interval.
    """
    lex = trigger_lexicon()
    quoted = SpanIndex(
        (q.start, q.end, (q.start, q.end))
        for q in quotes
        if q.kind in ("direct", "partial") and len(q.text.split()) >= _QUOTE_MIN_WORDS
    )
    ranges = day_ranges(times, text)
    times = spanned([replace(t, value=ranges.get(i, t.value)) for i, t in enumerate(times)])
    entities = indexed(entities)  # looked up per token and per event: by bisection, not by a full scan
    names = SpanIndex((s, e, (s, e)) for s, e in _name_spans(entities))
    kinds = {e.entity_id: e.type for e in entities}
    found: dict[int, tuple[Token, Trigger]] = {}
    for token in doc:
        check_budget("event triggers")
        trig = _trigger_of(token, lex)
        if trig is not None and not _inside(token.idx, names):
            found[token.i] = (token, trig)
    events: list[Event] = []
    sentences: list[tuple[int, int]] = []
    fresh: set[int] = set()  # starts of nouns with an indefinite article: events the article has not told yet
    seen_types: set[str] = set()
    for token, trig in found.values():
        check_budget("events")
        if _inside(token.idx, quoted) or _is_backdrop(token, trig, found):
            continue
        if trig.host and not any(
            c.i in found and found[c.i][1].pos == "noun" and found[c.i][1].type == trig.type
            for c in token.children
        ):
            continue  # "participer" is a meeting only with one: "a participé à la conférence"
        if trig.pos == "noun" and _folded_into_verb(token, trig, found):
            continue
        if (
            trig.pos == "noun"
            and _is_anaphoric(token)
            and (
                trig.type in seen_types
                or (any(t.type == trig.type and i != token.i for i, (_, t) in found.items()))
            )
        ):
            continue  # "cette visite" after a visit: the same event told again
        if trig.pos == "noun" and trig.type in seen_types and _is_predicated(token):
            continue  # "... ont attaqué le camp. C'est la pire attaque ...": the attack told before, judged
        clause = _clause_head(token, lex) if trig.pos == "noun" else token
        args = _arguments(token, trig, clause, text, entities, found, times)
        if trig.needs_place and not any(a.role == "place" for a in args):
            continue
        if trig.needs_actor and not any(
            a.role == "patient" and kinds.get(a.entity_id or "") in {"PER", "ORG"} for a in args
        ):
            continue  # "reçoit une piqûre": receiving a thing is no meeting
        if _is_hypothetical(token, clause):
            continue  # "si X attaque", "en cas d'attaque": what may happen
        if trig.human and not _done_to_people(token, trig, args):
            continue  # "arrêter ses activités", "exécuter un programme": a thing, not a person, undergoes it
        if _is_charge(token, clause):
            continue  # "accusés d'avoir coordonné des attaques": a charge, not an event told as having happened
        if trig.pos == "noun" and not args and trig.type in seen_types and not _is_distinct(token):
            continue  # "notre visite" after a visit: a bare noun adds nothing to the event told before
        seen_types.add(trig.type)
        event = Event(
            type=trig.type,
            trigger=text[token.idx : token.idx + len(token)],
            start=token.idx,
            end=token.idx + len(token),
            arguments=tuple(args),
            time=_time_of(token, clause, times),
            modality=_modality(token, clause),
        )
        told = next((k for k, earlier in enumerate(events) if _repeats(event, earlier)), None)
        if _is_distinct(token) or told is None:
            events.append(event)
            sentences.append((token.sent.start_char, token.sent.end_char))
            if trig.pos == "noun" and _is_indefinite(token):
                fresh.add(event.start)

    events = _share_places(events, sentences)
    return _one_per_event(events, fresh)


def _sample(event: Event) -> EventSample:
    """Return what the same-event rules of event_groups read of one event of this article."""
    return EventSample(
        type=event.type,
        modality=event.modality,
        participants=frozenset(
            a.entity_id for a in event.arguments if a.role in PARTICIPANT_ROLES and a.entity_id
        ),
        places={a.entity_id: frozenset() for a in event.arguments if a.role == "place" and a.entity_id},
        time=event.time,
    )


def _one_per_event(events: list[Event], fresh: set[int] | frozenset[int] = frozenset()) -> list[Event]:
    """Return one event per real-world event of the article: mentions that ``group_events`` joins (and whose
    shared participant roles agree) become the first mention, completed with the roles only the others give.
    A mention starting at an offset of ``fresh`` ("une attaque contre ...") brings in a new event: it joins an
    event told before it only when they share a participant ("X a rencontré Y ... X a eu un entretien avec Y")."""
    samples = [_sample(e) for e in events]
    groups: list[list[int]] = []
    for group in group_events(samples):
        # group_events joins on one shared participant; inside one article a role both mentions fill must agree
        # ("la junte rencontrera les chefs religieux", "... entre en discussion avec la société civile": two)
        for i in group:
            home = next(
                (
                    g
                    for g in groups
                    if g[0] in group
                    and all(_roles_agree(events[i], events[j]) for j in g)
                    and (
                        events[i].start not in fresh
                        or any(samples[i].participants & samples[j].participants for j in g)
                    )
                ),
                None,
            )
            if home is None:
                groups.append([i])
            else:
                home.append(i)
    out = []
    for members in groups:
        if len(members) == 1:
            out.append(events[members[0]])
            continue
        event = events[members[0]]
        roles = {a.role for a in event.arguments}
        extra = []
        for i in members:
            for a in events[i].arguments:
                if a.role not in roles and a.role not in {"object"}:
                    roles.add(a.role)
                    extra.append(a)
        time = event.time or next((events[i].time for i in members if events[i].time), None)
        out.append(replace(event, arguments=(*event.arguments, *extra), time=time))
    return sorted(out, key=lambda e: e.start)


def _roles_agree(a: Event, b: Event) -> bool:
    """True when every participant role both events fill names the same entity or the same words."""
    first = {x.role: x for x in a.arguments if x.role in PARTICIPANT_ROLES}
    for y in b.arguments:
        x = first.get(y.role)
        if x is not None and not (
            (x.entity_id is not None and x.entity_id == y.entity_id) or x.text.casefold() == y.text.casefold()
        ):
            return False
    return True


def _share_places(events: list[Event], sentences: list[tuple[int, int]]) -> list[Event]:
    """Give an event without a place the place of another event of its sentence ("20 personnes ont été tuées
    lors d'une attaque ... au Burkina Faso": the killing is where the attack is)."""
    out = []
    for event, sent in zip(events, sentences, strict=True):
        if not any(a.role == "place" for a in event.arguments):
            place = next(
                (
                    a
                    for other, where in zip(events, sentences, strict=True)
                    if where == sent and other is not event
                    for a in other.arguments
                    if a.role == "place"
                ),
                None,
            )
            if place is not None:
                event = replace(event, arguments=(*event.arguments, place))
        out.append(event)
    return out


_QUOTE_MIN_WORDS = 4  # shorter quoted phrases are names or scare quotes ("côté amis"), not speech


def _name_spans(entities: Sequence[Entity]) -> list[tuple[int, int]]:
    """Return the spans of organisation and other names ("Rassemblement du peuple de Guinée")."""
    return [
        (m.start, m.end)
        for e in entities
        if e.type in {"ORG", "MISC"}
        for m in e.mentions
        if m.kind == "name" and len(m.text.split()) > 1
    ]


def _inside(offset: int, spans: Sequence[tuple[int, int]] | SpanIndex[tuple[int, int]]) -> bool:
    if isinstance(spans, SpanIndex):
        return bool(spans.covering(offset))
    return any(s <= offset < e for s, e in spans)


_IDIOM_TAILS = {"remise": ("cause", "question"), "mise": ("cause",)}
_WISH = frozenset(["vouloir", "souhaiter", "réclamer", "exiger", "want", "demand", "wish"])


def _is_aim(verb: Token) -> bool:
    """True for an infinitive that states an aim ("pour négocier", "pour tenter de ..."), up the xcomp chain."""
    node = verb
    for _ in range(3):
        if "Inf" not in node.morph.get("VerbForm", []):
            return False
        if any(c.dep_ == "mark" and c.lower_ in _PURPOSE_MARKS for c in node.children):
            return True
        if node.dep_ != "xcomp" or node.head.i == node.i:
            return False
        node = node.head
    return False


_PURPOSE_MARKS = frozenset(["pour", "afin", "to", "in order"])


_FIGURATIVE = frozenset(
    ["diplomatique", "politique", "médiatique", "verbal", "commercial", "économique", "juridique", "diplomatic",
     "political", "verbal", "commercial", "economic", "legal"]
)  # fmt: skip


def _is_backdrop(token: Token, trig: Trigger, found: dict[int, tuple[Token, Trigger]]) -> bool:
    """True for a trigger that reports no event of its own (see the rules below)."""
    if trig.pos == "noun":
        head = token.head
        if token.dep_ in _OBJECTS and head.i != token.i and _is_aim(head):
            return True  # "pour négocier un accord": the agreement is an aim too
        if token.dep_ in _OBJECTS and head.lemma_.casefold() in _WISH:
            return True  # "ils veulent une nouvelle élection": a wish, not a fact
        if any(c.lemma_.casefold() in _IDIOM_TAILS.get(token.lemma_.casefold(), ()) for c in token.children):
            return True  # "la remise en cause": an idiom, not a handing over
        if trig.type in {"attack", "kill", "expel"} and any(
            c.dep_ == "amod" and c.lemma_.casefold() in _FIGURATIVE for c in token.children
        ):
            return True  # "une offensive diplomatique", "une attaque verbale": words, not violence
        # "Arrestation de trois protestataires au Ghana": the headline of a linked article
        return token.text[:1].isupper() and not any(c.dep_ in {"det", "nmod:poss"} for c in token.children)
    kids = list(token.children)
    form = token.morph.get("VerbForm", [])
    if (
        "Part" in form
        and token.lower_.endswith(("ant", "ants"))
        and any(c.dep_.startswith("aux") for c in kids)
    ):
        return True  # "est consultant auprès de": a present participle after "être" is an attribute
    if token.dep_ == "acl" and "Part" in form and not any(c.dep_.startswith("aux") for c in kids):
        # "les difficultés rencontrées", "l'alerte publiée": a participle that qualifies a noun, unless its
        # doer is named ("des fonds accordés par le FMI")
        return not any(c.dep_ in {"obl:agent", "agent"} for c in kids)
    if "Inf" in form and (
        any(c.dep_ == "mark" and c.lower_ in _PURPOSE_MARKS for c in kids) or token.dep_ == "acl"
    ):
        return True  # "pour négocier un accord", "le droit de choisir": an aim, not a fact
    if "Inf" in form and token.dep_ == "xcomp" and _is_aim(token.head):
        return True  # "pour tenter de négocier": the aim's own verb
    if any(c.dep_ == "cop" for c in kids):
        return True  # "est consultant auprès de": an attribute, not an action
    if trig.type == "announce":
        if any(c.dep_ in _SUBJECTS and c.i > token.i for c in kids):
            return True  # '"...", a annoncé X': the cue of a quote
        # "ont annoncé l'arrestation de huit soldats": the announced event is the event
        return any(c.dep_ in _OBJECTS and c.i in found and found[c.i][1].type != "announce" for c in kids)
    return False


def _stem(word: str) -> str:
    return word.casefold()[:5]


def _repeats(event: Event, earlier: Event) -> bool:
    """True when event tells an earlier one again: same type and lemma-free match of every argument it has."""
    if event.type != earlier.type or event.modality != earlier.modality:
        return False
    if _stem(event.trigger) != _stem(earlier.trigger):
        return False
    before = {a.role: a for a in earlier.arguments}
    for a in event.arguments:
        b = before.get(a.role)
        if b is None:
            if a.role in {"agent", "patient", "recipient"}:
                return False
            continue
        same = (
            a.entity_id is not None and a.entity_id == b.entity_id
        ) or a.text.casefold() == b.text.casefold()
        if not same:
            return False
    return True


# ---------------------------------------------------------------- triggers


def _trigger_of(token: Token, lex: dict[tuple[str, str], Trigger]) -> Trigger | None:
    """Return the lexicon row that makes ``token`` an event trigger, or None."""
    lemma = token.lemma_.casefold()
    if token.pos_ == "VERB" or (token.pos_ == "ADJ" and "Part" in token.morph.get("VerbForm", [])):
        trig = lex.get(("verb", lemma))
        if trig is None:
            return None
        if (trig.reflexive or trig.never_reflexive) and trig.reflexive != _is_reflexive(token):
            return None
        return trig
    if token.pos_ == "NOUN":
        trig = lex.get(("noun", lemma)) or lex.get(("noun", token.lower_))
        if trig is None or _is_modifier(token):
            return None
        return trig
    return None


def _is_reflexive(verb: Token) -> bool:
    """True for a pronominal verb ("se rendre", "s'est livré")."""
    return any(c.dep_.startswith("expl") or c.lower_ in {"se", "s'", "s’", "me", "te"} for c in verb.children)


_COLLECTIVES = frozenset(
    ["série", "vague", "suite", "succession", "multitude", "nombre", "ensemble", "series", "wave"]
)
_DISTINCT = frozenset(
    ["semblable", "similaire", "pareil", "autre", "nouveau", "similar", "other", "new", "another"]
)


def _is_distinct(noun: Token) -> bool:
    """True for a noun that names another event of a kind told before ("de livraisons semblables")."""
    return any(c.dep_ == "amod" and c.lemma_.casefold() in _DISTINCT for c in noun.children)


def _is_modifier(token: Token) -> bool:
    """True for a noun that only qualifies another ("avions d'attaque", "droit de vote"): de + no determiner."""
    if token.dep_ not in {"nmod", "compound"} or token.head.lemma_.casefold() in _COLLECTIVES:
        return False
    kids = list(token.children)
    has_det = any(c.dep_ in {"det", "nummod"} for c in kids)
    return not has_det and any(c.dep_ == "case" and c.lower_ in {"de", "d'"} for c in kids)


def _folded_into_verb(noun: Token, trig: Trigger, found: dict[int, tuple[Token, Trigger]]) -> bool:
    """True when the noun's governing verb is a trigger of the same type ("arrivé ... pour une visite")."""
    head = noun.head
    if head.i == noun.i:
        return False
    other = found.get(head.i)
    return other is not None and other[1].pos == "verb" and other[1].type == trig.type


def _is_hypothetical(token: Token, clause: Token) -> bool:
    """True for a trigger in a condition: a clause under "si"/"if", or a noun after "en cas de"/"in case of"."""
    for node in (token, clause, *list(clause.ancestors)[:2]):
        if any(c.dep_ == "mark" and c.lower_ in {"si", "if", "unless"} for c in node.children):
            return True
        if node.dep_ in {"advcl"} and node is not token:
            break
    window = token.doc[max(token.sent.start, token.i - 3) : token.i].text.casefold()
    return "en cas d" in window or "in case of" in window


def _is_indefinite(noun: Token) -> bool:
    """True for a noun with an indefinite article ("une attaque", "un sommet"): a new event in the discourse."""
    return any(c.dep_ == "det" and c.lower_ in {"un", "une", "a", "an"} for c in noun.children)


def _is_anaphoric(noun: Token) -> bool:
    """True for a demonstrative mention ("cette visite", "ce sommet")."""
    return any(
        c.dep_ == "det" and c.lower_ in {"ce", "cet", "cette", "ces", "this", "these"} for c in noun.children
    )


def _is_predicated(noun: Token) -> bool:
    """True for a noun said of a pronoun ("c'est la pire attaque contre ..."): after an event of its type, that
    event judged; before any, it may be the first telling ("C'est la première visite de X au Mali")."""
    kids = list(noun.children)
    # the parser may hang the copula on an adjective of the noun ("c'est la pire attaque": "pire")
    kids += [g for c in kids if c.dep_ == "amod" for g in c.children]
    return any(c.dep_ == "cop" for c in kids) and any(
        c.dep_ in _SUBJECTS and c.pos_ == "PRON" and c.lower_ in _DEICTIC_SUBJECTS for c in kids
    )


_DEICTIC_SUBJECTS = frozenset(["c'", "c’", "ce", "cela", "ça", "it", "this", "that"])

# ---------------------------------------------------------------- who undergoes it: people or things

# Verbs and nouns of arrest, appointment, election, execution or expulsion are events of their class only when
# people undergo them: "arrêter des suspects" / "arrêter ses activités", "exécuter un otage" / "exécuter un
# programme", "la détention de trois journalistes" / "la détention d'armes". French marks no animacy in the
# parse, so a common noun is placed by its word vector against two small sets of prototype words.
_PERSON_PROTOTYPES = ("personne", "homme", "femme", "gens", "individu", "habitant", "person", "people")
_THING_PROTOTYPES = ("chose", "objet", "activité", "bâtiment", "produit", "document", "thing", "object")
# A noun is a thing only when clearly nearer the things: unsure ones may be people. Set on 47 person and 42 thing
# nouns of everyday news French written for it (none from an evaluation set), with fr_core_news_md: no person
# noun scores below -0.09 ("enseignants"), three things in four score below -0.15.
_THING_MARGIN = 0.15
# (vectors name, shape) → (people, things): keyed by the vectors themselves, not the vocabulary, so that a
# pipeline let go after understanding (nlp.release_pipelines) is not kept alive by this cache
_prototypes: dict[tuple[str, tuple[int, ...]], tuple[Any, Any] | None] = {}


def _prototype(vocab: Any, words: Sequence[str]) -> Any:
    """The unit mean of the unit vectors of the words the vocabulary has, or None when it has none of them."""
    rows = []
    for w in words:
        if vocab.has_vector(w):
            v = vocab.get_vector(w)
            n = float(v @ v) ** 0.5
            if n:
                rows.append(v / n)
    if not rows:
        return None
    mean = sum(rows) / len(rows)
    return mean / float(mean @ mean) ** 0.5


def _animacy(token: Token) -> float | None:
    """Return how much nearer a common noun's word vector is to people than to things (cosine difference), or
    None when the pipeline has no word vectors or not this word's."""
    vocab = token.vocab
    if not vocab.vectors.size or token.pos_ != "NOUN":
        return None
    key = (vocab.vectors.name, tuple(vocab.vectors.shape))
    if key not in _prototypes:
        person, thing = _prototype(vocab, _PERSON_PROTOTYPES), _prototype(vocab, _THING_PROTOTYPES)
        _prototypes[key] = (person, thing) if person is not None and thing is not None else None
    protos = _prototypes[key]
    word = token.lower_ if vocab.has_vector(token.lower_) else token.lemma_.casefold()
    if protos is None or not vocab.has_vector(word):
        return None
    v = vocab.get_vector(word)
    n = float(v @ v) ** 0.5
    if not n:
        return None
    person, thing = protos
    return float(v @ person - v @ thing) / n


def _is_thing(nominal: Token) -> bool:
    """True for a common noun clearly naming a thing, not people ("ses activités", "un programme")."""
    if nominal.lemma_.casefold() in _QUANTITY_NOUNS:  # "des milliers de manifestants": the counted noun
        counted = next((c for c in nominal.children if c.dep_.startswith("nmod")), None)
        return counted is not None and _is_thing(counted)
    score = _animacy(nominal)
    return score is not None and score < -_THING_MARGIN


def _done_to_people(token: Token, trig: Trigger, args: Sequence[EventArgument]) -> bool:
    """True when who undergoes the trigger may be people: for a verb, its object or passive subject (one it must
    have, unless it is a participle: "arrêté en décembre, il ..."); for a noun, its "de" complement if any."""
    if trig.pos == "noun":
        return not any(
            _is_thing(c)
            for c in token.children
            if c.dep_.startswith("nmod")
            and any(_FOLD.get(k.lower_, k.lower_) == "de" for k in c.children if k.dep_ == "case")
        )
    undergo: list[Token] = []
    node = token
    for _ in range(3):  # "les ont arrêtés puis expulsés": a coordinated verb shares its head's object
        passive = _is_passive(node)
        undergo = [
            c
            for c in node.children
            if c.dep_ in _OBJECTS
            or c.dep_ in _PASSIVE_SUBJECTS
            or (passive and c.dep_.split(":")[0] in _SUBJECTS)
        ]
        if undergo or node.dep_ != "conj" or node.head.i == node.i:
            break
        node = node.head
    if not undergo:
        participle = "Part" in token.morph.get("VerbForm", [])
        return participle or any(a.role in {"patient", "count"} for a in args)
    return not all(_is_thing(c) for c in undergo)


# A charge or a contested claim: what it governs is alleged, not told as having happened ("accusés d'avoir
# coordonné des attaques", "responsable de meurtres", "a prétendu que X a conclu un accord"). Verbs and
# adjectives ("le responsable de la sécurité" is a person, not a charge), and the nouns naming a charge.
_CHARGE = frozenset(
    ["accuser", "soupçonner", "suspecter", "inculper", "reprocher", "responsable", "coupable", "prétendre",
     "alléguer", "accuse", "suspect", "charge", "allege", "guilty"]
)  # fmt: skip
_CHARGE_NOUNS = frozenset(["accusation", "allégation", "inculpation", "accusation", "allegation", "charge"])


def _is_charge(token: Token, clause: Token) -> bool:
    """True for a trigger governed (within three steps of its clause) by a charge or a contested claim."""
    heads = list(clause.ancestors)[:3] + ([clause] if clause.i != token.i else [])
    return any(
        (h.pos_ in {"VERB", "ADJ", "AUX"} and h.lemma_.casefold() in _CHARGE)
        or (h.pos_ == "NOUN" and h.lemma_.casefold() in _CHARGE_NOUNS)
        for h in heads
    )


def _clause_head(noun: Token, lex: dict[tuple[str, str], Trigger]) -> Token:
    """Return the support verb governing a trigger noun ("effectue une visite" → effectue), else the noun."""
    head = noun.head
    if head.i == noun.i or head.pos_ not in {"VERB", "AUX"}:
        return noun
    support = lex.get(("support", head.lemma_.casefold()))
    if support is None:
        return noun
    dep = noun.dep_.split(":")[0]
    if (
        dep in {"obj", "dobj", "obl"}
        or (dep in _SUBJECTS and support.venue)
        or noun.dep_ in _PASSIVE_SUBJECTS
    ):
        return head
    return noun


# ---------------------------------------------------------------- arguments


def _complements(token: Token) -> Iterator[tuple[str, str, Token]]:
    """Yield (dependency, preposition, nominal) for the dependents of token, French and English trees alike."""
    for child in token.children:
        dep = child.dep_
        if dep in {"prep", "agent"}:  # English: the preposition heads its object
            for pobj in child.children:
                if pobj.dep_ in {"pobj", "pcomp"}:
                    yield dep, child.lower_, pobj
            continue
        cases = [c for c in child.children if c.dep_ in {"case", "fixed"} and c.i < child.i]
        low = cases[0].lower_ if cases else ""
        # the surface first: spaCy lemmatises "entre" as "entrer"
        marker = _FOLD.get(low, low if low in _MARKERS else cases[0].lemma_.casefold()) if cases else ""
        yield dep, marker, child


def _role(dep: str, marker: str, nominal: Token, trig: Trigger, verbal: bool, passive: bool) -> str | None:
    """Return the role of one dependent of a trigger, or None."""
    base = dep.split(":")[0]
    if verbal:
        if dep in _PASSIVE_SUBJECTS or (base in _SUBJECTS and passive):
            return trig.obj if trig.obj != "object" else "object"
        if base in _SUBJECTS:
            return trig.subj
        if dep == "obl:agent" or dep == "agent" or (base == "obl" and marker in _AGENT_MARKERS):
            return "agent"
        if dep in _OBJECTS or dep == "obl:arg" and not marker:
            return trig.obj
    else:
        if base in {"nmod", "prep"} and marker in _OF_MARKERS:
            return "agent-of" if trig.de == "agent" else trig.de
        if dep.startswith("poss"):
            return "agent" if trig.de in {"agent", "auto"} else trig.de
        if base in {"nmod", "prep"} and marker in _AGENT_MARKERS:
            return "agent"
    if marker in _AGAINST_MARKERS:
        return "patient"
    if marker in _WITH_MARKERS and trig.type in {"meet", "sign"}:
        return "patient"
    if marker in {"entre", "between"} and trig.type == "attack":
        return "patient"  # "les combats entre l'armée et les rebelles": the sides
    if trig.type == "deliver" and marker in _RECIPIENT_MARKERS:
        return "recipient"
    if marker in _PLACE_MARKERS:
        return "place"
    return None


def _arguments(
    token: Token,
    trig: Trigger,
    clause: Token,
    text: str,
    entities: Sequence[Entity],
    found: dict[int, tuple[Token, Trigger]],
    times: Sequence[TimeExpression] = (),
) -> list[EventArgument]:
    """Return the arguments of one trigger: its own dependents, then its support verb's, then a shared subject,
    then (for the place) the nearest place named in its sentence."""
    verbal = trig.pos == "verb"
    sources: list[tuple[Token, bool]] = [(token, verbal)]
    if clause.i != token.i:
        sources.append((clause, True))
    # A trigger noun folded-into check already ran; a verb trigger may carry a same-type noun's complements.
    for child in token.children:
        other = found.get(child.i)
        if verbal and other is not None and other[1].pos == "noun" and other[1].type == trig.type:
            sources.append((child, False))
    args: dict[str, EventArgument] = {}
    for source, is_verb in sources:
        passive = is_verb and any(c.dep_ in {"aux:pass", "auxpass"} for c in source.children)
        for dep, marker, nominal in _complements(source):
            if source is clause and clause.i != token.i and nominal.i == token.i:
                continue
            if (
                is_verb
                and nominal.i in found
                and found[nominal.i][1].pos == "noun"
                and found[nominal.i][1].type == trig.type
            ):
                continue  # "a participé à la conférence": the conference is the event itself, not its place
            role = _role(
                dep,
                marker,
                nominal,
                trig if source is not clause or clause.i == token.i else _SUPPORT,
                is_verb,
                passive,
            )
            if role is None or _is_time(nominal, times):
                continue
            if source is clause and clause.i != token.i and role == "patient" and not passive:
                continue  # a support verb's object is the trigger noun itself; its passive subject undergoes
                # the event ("le personnel a été pris en embuscade")
            arg = _argument(role, nominal, trig, text, entities)
            if arg is not None and arg.role not in args:
                args[arg.role] = arg
    if verbal and "agent" not in args and trig.subj == "agent" and not _is_passive(token):
        subject = _inherited_subject(token)
        if subject is not None:
            arg = _argument("agent", subject, trig, text, entities)
            if arg is not None:
                args["agent"] = arg
    if not verbal and "agent" not in args and token.dep_ in _OBJECTS and not _is_passive(token.head):
        # "a condamné l'invasion de l'Ukraine par la Russie": an active verb has no "par" agent of its own, the
        # parser hangs the noun's on it
        for dep, marker, nominal in _complements(token.head):
            if nominal.i > token.i and (dep in {"obl:agent", "agent"} or marker in _AGENT_MARKERS):
                arg = _argument("agent", nominal, trig, text, entities)
                if arg is not None:
                    args["agent"] = arg
                    break
    if not verbal and "agent" not in args and clause.i == token.i and token.dep_ in _OBJECTS:
        head = found.get(token.head.i)
        if head is not None and head[1].type == "announce":  # "a annoncé l'expulsion": who announced acts
            subject = next((c for c in token.head.children if c.dep_ in _SUBJECTS), None)
            arg = _argument("agent", subject, trig, text, entities) if subject is not None else None
            if arg is not None:
                args["agent"] = arg
    if not verbal and "agent" not in args and clause.i == token.i and trig.de == "agent":
        doer = _host_doer(token, text, entities)
        if doer is None and trig.type in {"meet", "visit"} and (trig.type == "visit" or "patient" in args):
            topic = _antecedent(token, entities)  # "Après un tête-à-tête avec X": the story's subject met X
            if (
                topic is not None
                and topic.type in {"PER", "ORG"}
                and topic.entity_id != (args["patient"].entity_id if "patient" in args else None)
            ):
                m = _last_mention(topic, token.idx)
                if m is not None:
                    doer = EventArgument("agent", m.text, m.start, m.end, topic.entity_id)
        if doer is not None:
            args["agent"] = doer
    if "place" not in args and not trig.needs_place:
        place = _sentence_place(token, entities, args.values())
        if place is not None:
            args["place"] = place
    order = ("agent", "patient", "recipient", "count", "object", "place")
    out = [args[r] for r in order if r in args]
    if "object" in args:
        out += _named_objects(args["object"], token.doc, text)
    return out


_CIRCUMSTANTIAL = frozenset(["obl", "obl:mod", "nmod", "advmod"])


def _last_mention(entity: Entity, before: int) -> Mention | None:
    """Return the entity's last mention before an offset (its first one when none is before)."""
    earlier = [m for m in entity.mentions if m.start < before]
    return (
        max(earlier, key=lambda m: m.start)
        if earlier
        else min(entity.mentions, key=lambda m: m.start, default=None)
    )


def _host_doer(noun: Token, text: str, entities: Sequence[Entity]) -> EventArgument | None:
    """Return who does what a noun names when it has no "de" complement: the subject (or passive agent) of the
    clause it sits in ("X a poursuivi ses visites", "lors de leur sommet", "dans un discours"), else the subject
    of the sentence before; only a person, organisation or country counts."""
    has_poss = any(c.dep_ in {"det", "nmod:poss"} and "Poss=Yes" in str(c.morph) for c in noun.children)
    node = noun
    for _ in range(3):
        if node.head.i == node.i:
            return None
        if node.dep_.split(":")[0] not in _CIRCUMSTANTIAL | _OBJECTS and not has_poss:
            return None
        node = node.head
        if node.pos_ in {"VERB", "AUX"}:
            break
    else:
        return None
    if node.pos_ not in {"VERB", "AUX"}:
        return None
    kinds = {e.entity_id: e.type for e in entities}
    for child in node.children:
        if child.dep_ in _SUBJECTS or child.dep_ in {"obl:agent", "agent"}:
            arg = _argument("agent", child, _SUPPORT, text, entities)
            if arg is not None and kinds.get(arg.entity_id or "") in {"PER", "ORG", "LOC"}:
                return arg
    return None


_MODEL_NAME = re.compile(r"^[A-Z][A-Za-z]*-?\d+[A-Za-z0-9]*$")


def _named_objects(obj: EventArgument, doc: Doc, text: str) -> list[EventArgument]:
    """Return the named things inside an object's whole phrase ("des Soukhoï Su-25 et deux hélicoptères Mi-8")."""
    span = doc.char_span(obj.start, obj.end, alignment_mode="expand")
    if span is None:
        return []
    out = []
    for t in span.root.subtree:
        if _MODEL_NAME.match(t.text) and not (obj.start <= t.idx < obj.end and obj.text == t.text):
            out.append(EventArgument("object", text[t.idx : t.idx + len(t)], t.idx, t.idx + len(t)))
    return out


_TIME_WORDS = frozenset(
    [
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "matin",
        "soir",
        "veille",
        "lendemain",
        "semaine",
        "mois",
        "année",
        "an",
        "jour",
        "heure",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "week",
        "month",
        "year",
        "day",
    ]
)


def _is_time(nominal: Token, times: Sequence[TimeExpression]) -> bool:
    """True for a time phrase ("mardi", "le 10 décembre"): a resolved time expression or a calendar word."""
    if nominal.lemma_.casefold() in _TIME_WORDS or nominal.like_num:
        return True
    return bool(spanned(times).spans.covering(nominal.idx))


def _sentence_place(
    token: Token, entities: Sequence[Entity], taken: Iterable[EventArgument]
) -> EventArgument | None:
    """Return the place named nearest the trigger in its sentence (behind a place preposition first); None if none."""
    sent = token.sent
    # a place may sit inside the patient's phrase ("le bureau du MSF à Maïné Soroa"), not inside the agent's
    used = {(a.start, a.end) for a in taken if a.role in {"agent", "recipient"}}
    doc = token.doc
    best: tuple[int, EventArgument] | None = None
    index = indexed(entities)
    for i, m in index.mentions.starting_in(sent.start_char, sent.end_char):
        entity = index[i]
        if entity.type != "LOC" or any(m.start < e and s < m.end for s, e in used):
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        root = span.root
        cases = {_FOLD.get(c.lower_, c.lower_) for c in root.children if c.dep_ == "case"}
        if root.dep_ == "pobj":
            cases.add(root.head.lower_)
        if cases and not cases & _PLACE_MARKERS and not cases & {"de"}:
            continue  # "par la Russie", "avec le Mali": a party, not a place
        distance = abs(root.i - token.i)
        if distance > (_PLACE_REACH if cases & _PLACE_MARKERS else _PLACE_REACH // 2):
            continue
        distance += 0 if cases & _PLACE_MARKERS else 1000
        if best is None or distance < best[0]:
            best = (distance, EventArgument("place", m.text, m.start, m.end, entity.entity_id))
    return best[1] if best else None


_PLACE_REACH = 24  # tokens: a place named farther from the trigger is another clause's


_SUPPORT = Trigger(lemma="", pos="support", lang="", type="", subj="agent", obj="patient")


def _is_passive(token: Token) -> bool:
    return any(c.dep_ in {"aux:pass", "auxpass"} for c in token.children)


def _inherited_subject(verb: Token) -> Token | None:
    """Return the subject a verb shares with its head: coordinated, infinitive or relative clause ("qui")."""
    node = verb
    for _ in range(3):
        if any(c.dep_.split(":")[0] in _SUBJECTS for c in node.children):
            return (
                None if node is verb else next(c for c in node.children if c.dep_.split(":")[0] in _SUBJECTS)
            )
        if node.dep_ in {"conj", "xcomp"} and node.head.i != node.i:
            node = node.head
            continue
        if (
            node.dep_ == "advcl"
            and "Part" in node.morph.get("VerbForm", [])
            and not any(c.dep_ == "mark" and c.pos_ == "SCONJ" for c in node.children)
        ):
            node = node.head  # "S'exprimant à Genève, le chef de l'OMS a ...": the main clause's subject
            continue
        if node.dep_ in {"acl:relcl", "relcl"} and any(
            c.dep_ in _SUBJECTS and c.lower_ in {"qui", "who", "that", "which"} for c in node.children
        ):
            return node.head
        return None
    return None


def _argument(
    role: str, nominal: Token, trig: Trigger, text: str, entities: Sequence[Entity]
) -> EventArgument | None:
    """Return the argument for a nominal (its phrase, and the entity it names), or None when it cannot fill role."""
    if nominal.lower_ in {"qui", "who", "that", "which", "que"} and nominal.head.dep_ in {
        "acl:relcl",
        "relcl",
    }:
        nominal = nominal.head.head
    start, end = _phrase(nominal)
    # a phrase never runs over a line break (a title glued to the first sentence)
    cut = text.rfind("\n", start, nominal.idx)
    if cut >= 0:
        start = cut + 1
    cut = text.find("\n", nominal.idx, end)
    if cut >= 0:
        end = cut
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    entity = _entity_of(nominal, start, end, entities)
    if entity is None and nominal.lower_ in _PERSONAL_PRONOUNS and role != "place":
        entity = _antecedent(nominal, entities)
    if nominal.pos_ in _PRONOUN_POS and entity is None:
        return None
    if role == "place" and (entity is None or entity.type != "LOC"):
        return None
    if role == "place" and entity is not None:
        # "au cours du séjour de la délégation à Bamako", "une offensive en Afrique": the place is the name
        # inside the phrase, not the phrase
        index = indexed(entities)  # the entity's mentions inside the phrase, without reading all of them
        inside = [m for i, m in index.mentions.within(start, end) if index[i] is entity]
        if inside and not any(m.start <= nominal.idx < m.end for m in inside):
            m = min(inside, key=lambda m: abs(m.start - nominal.idx))
            start, end = m.start, m.end
    actor = entity is not None and entity.type in {"PER", "ORG", "LOC"}
    if role == "auto":
        role = "agent" if actor and entity is not None and entity.type != "LOC" else "patient"
    elif role == "agent-of" and not actor:
        return None  # "une visite de travail": not who visits
    elif role == "agent-of":
        role = "agent"
    if role in {"patient", "agent"} and entity is None and _is_count(nominal) and not _is_thing(nominal):
        role = "count"  # "38 personnes ont été tuées": how many, not who ("cinq autobus" are no people)
    return EventArgument(role, text[start:end], start, end, entity.entity_id if entity else None)


_QUANTITY_NOUNS = frozenset(
    [
        "millier",
        "milliers",
        "million",
        "centaine",
        "dizaine",
        "douzaine",
        "vingtaine",
        "trentaine",
        "quarantaine",
        "cinquantaine",
        "soixantaine",
        "plupart",
        "nombre",
        "total",
        "thousands",
        "hundreds",
        "dozens",
        "scores",
        "most",
    ]
)
_QUANTITY_DETS = frozenset(["plusieurs", "quelques", "nombreux", "nombreuses", "several", "many", "some"])


_DEFINITE = frozenset(["le", "la", "l'", "l’", "les", "ces", "leurs", "ses", "the", "these", "those"])


def _is_count(nominal: Token) -> bool:
    """True for a phrase that gives a number of people, not who they are ("38 personnes", "des milliers de
    manifestants", "la plupart de ces réfugiés", "plusieurs soldats")."""
    if nominal.lemma_.casefold() in _QUANTITY_NOUNS or nominal.lower_ in _QUANTITY_NOUNS:
        return True
    if any(c.dep_ == "det" and c.lower_ in _DEFINITE for c in nominal.children):
        return False  # "les deux ministres": known people, not a count
    return any(
        (c.dep_ == "nummod" and c.like_num) or (c.dep_ in {"det", "amod"} and c.lower_ in _QUANTITY_DETS)
        for c in nominal.children
    )


_PERSONAL_PRONOUNS = frozenset(
    [
        "il",
        "elle",
        "ils",
        "elles",
        "l'",
        "l’",
        "le",
        "la",
        "les",
        "lui",
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
    ]
)


def _antecedent(pronoun: Token, entities: Sequence[Entity]) -> Entity | None:
    """Return the entity a third-person pronoun stands for: the subject of the sentence before (or the one
    before that when it is itself a pronoun), when that subject names a person, organisation or country."""
    doc = pronoun.doc
    sent = pronoun.sent
    for _ in range(2):
        if sent.start == 0:
            return None
        sent = doc[sent.start - 1].sent
        subject = next((c for c in sent.root.children if c.dep_ in _SUBJECTS | _PASSIVE_SUBJECTS), None)
        if subject is None:
            return None
        if subject.pos_ == "PRON":
            continue
        start, end = _phrase(subject)
        entity = _entity_of(subject, start, end, entities)
        return entity if entity is not None and entity.type in {"PER", "ORG", "LOC"} else None
    return None


def _phrase(token: Token) -> tuple[int, int]:
    """Return the character span of a nominal's phrase, without its relative clauses and trailing punctuation."""
    keep = [token]
    stack = [
        c
        for c in token.children
        if c.dep_ not in _CLAUSE_DEPS
        and not (c.dep_ in {"case", "mark"} and c.i < token.i)
        and not (token.pos_ == "PROPN" and _is_place_pp(c))
        and not (c.i > token.i and _is_time_word(c))
        and not (c.i < token.i and any(k.dep_ == "case" for k in c.children))
    ]  # nor a time glued to it ("à Bamako mardi", "un Premier ministre la semaine prochaine"): the event's time,
    # nor a prepositional phrase before it ("Selon le communiqué, 63 terroristes"): a French noun phrase takes
    # its complements after its head
    while stack:
        t = stack.pop()
        keep.append(t)
        stack.extend(c for c in t.children if c.dep_ not in _CLAUSE_DEPS)
    idx = sorted(t.i for t in keep)
    # a contiguous run around the head: stop at the first gap
    lo = hi = token.i
    present = set(idx)
    while lo - 1 in present:
        lo -= 1
    while hi + 1 in present:
        hi += 1
    doc = token.doc
    while (
        hi > lo
        and doc[hi].is_punct
        and not (doc[hi].is_right_punct and any(doc[k].is_left_punct for k in range(lo, hi)))
    ):
        hi -= 1
    while lo < hi and (doc[lo].is_punct or doc[lo].dep_ == "cc"):
        lo += 1

    return doc[lo].idx, doc[hi].idx + len(doc[hi])


def _is_time_word(token: Token) -> bool:
    """True for a calendar word or a year ("mardi", "la semaine prochaine", "depuis 2015")."""
    if token.pos_ in {"NOUN", "PROPN"} and token.lemma_.casefold() in _TIME_WORDS:
        return True
    return token.like_num and len(token.text) == 4 and token.text.startswith(("19", "20"))


def _is_place_pp(child: Token) -> bool:
    """True for a place complement of a name ("Amadou Koufa à Mopti"): where the event is, not who."""
    return child.dep_.startswith("nmod") and any(
        c.dep_ == "case" and _FOLD.get(c.lower_, c.lower_) in _PLACE_MARKERS - {"sur", "on", "to"}
        for c in child.children
    )


def _entity_of(token: Token, start: int, end: int, entities: Sequence[Entity]) -> Entity | None:
    """Return the entity a phrase names: a mention on its head word or its name parts, else the longest in it."""
    heads = [token] + [
        c
        for c in token.children
        if c.dep_ in {"flat:name", "flat", "appos", "compound", "nmod"} and c.pos_ == "PROPN"
    ]
    index = indexed(entities)
    for head in heads:
        found = index.mentions.covering(head.idx)
        if found:
            return index[min(i for i, _ in found)]
    best, best_len = None, 0
    for i, m in index.mentions.within(start, end):  # in entity order, as the first longest wins
        if m.end - m.start > best_len and m.kind == "name":
            best, best_len = index[i], m.end - m.start
    return best


# ---------------------------------------------------------------- time and modality


def _time_of(token: Token, clause: Token, times: Sequence[TimeExpression]) -> str | None:
    """Return the TIMEX3 value of the dated expression in the trigger's (or its support verb's) own clause."""
    doc = token.doc
    best: tuple[int, str] | None = None
    # the clause's words are in its sentence: only the times there can be governed by the trigger or clause
    sents = (token.sent, clause.sent)
    for t in spanned(times).spans.overlapping(
        min(s.start_char for s in sents), max(s.end_char for s in sents)
    ):
        if not t.value or t.type not in {"DATE", "TIME"}:
            continue
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        word = span.root
        for head in (token, clause):
            if _governs(head, word):
                distance = abs(word.i - token.i)
                if best is None or distance < best[0]:
                    best = (distance, t.value)
    return best[1] if best else None


def _governs(head: Token, word: Token) -> bool:
    """True when word is in head's subtree without crossing another clause (a verb or a clause relation)."""
    node = word
    for _ in range(8):
        if node.i == head.i:
            return True
        if node.head.i == node.i:
            return False
        if node is not word and (node.pos_ in {"VERB"} or node.dep_ in _CLAUSE_DEPS):
            return False
        node = node.head
    return False


# "ne" negates with a second negative word ("n'a tué personne", "n'a signé aucun accord") or alone with a few
# verbs ("il ne peut confirmer"); else it is the expletive "ne" of "avant que l'armée ne les chasse" or the
# "ne ... que" of "n'a tué que deux soldats".
_NE_PARTNERS = frozenset(
    ["pas", "jamais", "plus", "rien", "personne", "guère", "aucun", "aucune", "point", "nullement", "ni", "nul",
     "nulle"]
)  # fmt: skip  # not "que": "n'a tué que deux soldats" tells a killing
_BARE_NE_VERBS = frozenset(["pouvoir", "savoir", "oser", "cesser"])


def _ne_negates(verb: Token, kids: Sequence[Token]) -> bool:
    """True when the "ne" of a verb negates it (see _NE_PARTNERS)."""
    if verb.lemma_.casefold() in _BARE_NE_VERBS or any(
        a.lemma_.casefold() in _BARE_NE_VERBS for a in kids if a.dep_.startswith("aux")
    ):
        return True
    return any(w.lower_ in _NE_PARTNERS for w in [*kids, *(g for c in kids for g in c.children)])


def _modality(token: Token, clause: Token) -> str:
    """Return asserted, planned, negated, denied or reported for the trigger (see the module docstring)."""
    verb = clause if clause.i != token.i else token
    chain = [verb] + [a for a in list(verb.ancestors)[:3]]
    kids = [c for c in verb.children]
    if any(a.lemma_.casefold() in _DENY for a in chain[1:]):
        return "denied"
    if any(c.lower_ in _NEGATIONS and c.dep_ in {"advmod", "neg"} for c in kids) or (
        any(c.lower_ in {"ne", "n'", "n’"} for c in kids) and _ne_negates(verb, kids)
    ):
        return "negated"
    aux = [c for c in kids if c.dep_.startswith("aux")]
    moods = {m for t in [verb, *aux] for m in t.morph.get("Tense", []) + t.morph.get("Mood", [])}
    if "Fut" in moods or any(c.lower_ == "will" for c in aux):
        return "planned"
    if verb.dep_ in {"xcomp", "ccomp"} and verb.head.lemma_.casefold() in _PLANNING_HEADS:
        return "planned"
    if any(c.lemma_.casefold() in _PLANNING_HEADS and c.i < verb.i for c in aux):
        return "planned"
    words = [c for c in token.children] + ([c for c in verb.children] if verb is not token else [])
    if any(w.lower_ in _PLANNED_WORDS for w in words) or token.head.lower_ in _PLANNED_WORDS:
        return "planned"
    if "Cnd" in moods and verb.head.lemma_.casefold() not in _PLANNING_HEADS:
        return "reported"
    for node in chain:
        for c in node.children:
            if c.lower_ in _REPORTED_WORDS or any(
                g.lower_ == "selon" for g in c.children if g.dep_ == "case"
            ):
                return "reported"
            if c.lower_ == "according":
                return "reported"
    return "asserted"
