"""Quotes: text between quotation marks, the cue that introduces it, and the speaker resolved to an entity."""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from itertools import islice, takewhile
from typing import Any

from spacy.tokens import Doc, Span, Token

from veille.model import Entity, Quote, Speaker
from veille.understand.budget import check_budget
from veille.understand.coref import fold, holds, nominals, parse_office
from veille.understand.entities import EntityIndex, entity_name_keys, indexed, name_key
from veille.understand.nlp import DATA_DIR

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """A source the article names before its quotes: where, the document noun if any, and who it stands for."""

    position: int
    document: str | None
    speaker: Speaker


_PAIRS = (("«", "»"), ("“", "”"), ("‹", "›"))
_STOP_AFTER = re.compile(
    r"\s+(?:qui|que|dont|lors|après|avant|alors|en marge|devant|pendant)\b|[,.;:!?()\n«»\"“”]"
)
_OWNER_STOP = re.compile(
    r"\s+(?:qui|que|dont|publiée?s?|diffusée?s?|rendue?s?|parvenue?s?|datée?s?|signée?s?|à|au|aux|dans|pour|sur|lors|ce|cette|hier|selon)\b"
)
# "M. Komara": the civility's full stop is not a sentence end (swapped for a look-alike while splitting)
_CIVILITY_DOT = re.compile(r"\b(M|MM|Mme|Mmes|Mlle|Dr|Pr|Me|Mr|Mrs|Ms|St)\.(?=\s+[A-ZÀ-Ý])")
_APPOSED_NAME = re.compile(r"\s*(?P<name>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){0,3})\s*,")
# "selon X", "d'après X", "à en croire X", "de l'avis de X": X is the source of the clause around; "selon
# lesquelles …", "selon que …" are a relative and a conjunction, not a source
_SELON = re.compile(
    r"(?:\b(?:selon|according to)\s+|\bd['’]après\s+|(?<!\w)(?:à en croire|de l['’]avis d(?:e\s+|['’]))\s*)"
    r"(?!(?:lequel|laquelle|lesquels|lesquelles|que|qu['’])\b)"
    r"(?P<who>[^,.;:\n«»\"“”]+)",
    re.I,
)
_INVERTED = re.compile(r"(?i)\w-(?:t-)?(?:il|elle|ils|elles)$")  # "souvient-il", "a-t-elle"
_PRONOUN_CUE = re.compile(r"-(?:t-)?(?:il|elle|ils|elles)\b|\b(?:il|elle) (?:a|avait) \w+", re.I)
# what a reporting verb reports: a clause ("a affirmé que …", "annonce avoir …"), or its object when
# every sense of the verb is a way of saying ("a annoncé la fermeture …"; reporting_verbs.tsv "any")
_FRAME_DEPS = {
    "any": ("ccomp", "xcomp", "obj"),
    "clause": ("ccomp", "xcomp"),
    "que": ("ccomp",),
    "locution": (),  # "faire état de …": see _locution
}
# French support-verb locutions of saying, "faire" + noun + "de" complement: "faire état de", "faire part de",
# "faire mention de" (the noun carries the saying; "faire savoir que" is read through "savoir")
_LOCUTION_NOUNS = {"etat", "part", "mention"}
# negation words that deny a report ("n'a pas dit que …": the subject did not say it)
_NEGATIONS = frozenset(
    {"ne", "n'", "n’", "pas", "jamais", "nullement", "guère", "point", "not", "never", "n't"}
)
# French negative implicative verbs: "refuser de V", "renoncer à V" entail that V was not done (Karttunen's
# implicatives), so a reporting verb they govern reports nothing
_NOT_DONE = frozenset({"refuser", "renoncer", "eviter", "omettre", "negliger", "s'abstenir", "abstenir"})
_POUR = re.compile(r"(?i)pour\s+(?P<who>[^,.;:\n«»\"“”]+),")  # "Pour le ministre, …": his view follows
_PREPOSITIONS = {
    "à",
    "a",
    "de",
    "d'",
    "en",
    "dans",
    "pour",
    "sur",
    "avec",
    "par",
    "au",
    "aux",
    "du",
    "des",
    "to",
    "in",
    "on",
    "for",
    "with",
    "by",
    "at",
}
_FIRST_PERSON = re.compile(r"(?i)(?<!\w)(?:je|j['’]|moi|me|m['’]|I|I['’]m|my)(?!\w)")
_NEAR = 2000  # characters around a cue where its speaker phrase is looked for first
_CUE_REACH = 200  # characters after a quote where its cue may be
_APPOSITION_REACH = 10_000  # characters before a description where the name apposed to its noun is looked for
_PRONOUN_REACH = 600  # characters after the last quoted speaker that "il a ajouté" still takes them up
_RELATIVES = {"qui", "dont", "où", "lequel", "laquelle", "lesquels", "lesquelles"}
_ASIDES = {"qui", "alors", "tandis", "lorsque", "où", "dont", "which", "while", "who"}
_DIALOGUE = re.compile(r"\s*[—–―]\s*(?P<said>\S.*)")  # "— Nous continuerons, a dit …"
_SPACES = re.compile(r"[ \t\u00a0\u202f]*")
_QUOTE_MARKS = '«»“”"'
_QUALIFIER = re.compile(r"(?i)(?:^|\s)(?:de|du|des|d['’]|par|pour|à|au|aux|of|by|for)(?:\s|$|(?<=['’]))")
_INDEFINITE = re.compile(r"(?i)\s*(?:une?|des|d['’]autres|certain(?:e?s)?|plusieurs|quelques)\b")
_PRONOUNS = {"il", "elle", "he", "she"}
_STRESSED = {"lui", "elle", "eux", "elles"}  # French stressed pronouns: "selon lui", "pour elle"
# a definite determiner (article, demonstrative, possessive) before a lowercase head noun: "la fédération",
# "les médecins", "l'économiste", "ce responsable" (a capital after it is a name: "le NHS")
_DEFINITE = re.compile(
    r"(?:(?i:les|le|la|ces|cet|cette|ce|ses|son|sa|leurs|leur)\s+|(?i:l)['’]\s*)(?P<head>[a-zà-ÿœæ][\w'’-]*)"
)
# heads that take a part of a group, not one speaker: "l'une d'entre elles", "la plupart des personnes"
_PARTITIVES = {"un", "une", "uns", "unes", "autre", "autres", "plupart", "meme", "memes", "ensemble"}
# what may stand between a noun and the name apposed to it: lowercase adjectives ("le milliardaire américain
# Elon Musk"); and between a name and the noun apposed after it: a comma, maybe a determiner and adjectives
# ("Elon Musk, le …", "Russell Foster, neuroscientifique à …")
_CLAUSE_ENDS = {".", "!", "?", ";", ":", "«", "»", '"', "“", "”", "(", ")", "—", "–"}
_PARENTHESIS = re.compile(r"\s*\(\s*(?P<name>[^()\n]{1,60}?)\s*\)")  # "… pour les réfugiés (UNHCR)"
_CHANNEL = re.compile(r"\s+(?:sur|dans)\s")  # where the words were said, after the speaker
# ", Sebastien Haller," after a description; ", Ferjani Sassi." at the end of an incise
_APPOSITION = re.compile(r"\s*,\s*(?P<name>[A-ZÀ-Ý][^,.;:()\n«»\"“”]{1,60}?)\s*(?:,|\.(?:\s|$))")
_APPOSED_GAP = re.compile(r"(?:\s+[a-zà-ÿœæ][\w'’-]*){0,3}\s+")
_APPOSED_BEFORE = re.compile(r"\s*,\s*(?:(?i:les|le|la)\s+|(?i:l)['’]\s*)?(?:[a-zà-ÿœæ][\w'’-]*\s+){0,2}")


@cache
def speech_cues() -> tuple[str, ...]:
    """Return the speech verb/noun stems of data/speech_verbs.txt (French and English)."""
    lines = (DATA_DIR / "speech_verbs.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


@cache
def reporting_verbs() -> dict[str, str]:
    """Return the French reporting verbs of data/reporting_verbs.tsv (Verb∋Net's verbs of saying): folded
    lemma → "any" (its object is a message too), "clause" (a clause only) or "que" (a finite clause only)."""
    return {lemma: frame for lemma, (frame, _classes) in _verb_classes().items()}


@cache
def _verb_classes() -> dict[str, tuple[str, str]]:
    """Return folded lemma → (frame, Verb∋Net classes or supplement reason) for data/reporting_verbs.tsv."""
    rows = (DATA_DIR / "reporting_verbs.tsv").read_text(encoding="utf-8").splitlines()
    out: dict[str, tuple[str, str]] = {}
    for row in rows:
        if row.strip() and not row.startswith("#"):
            lemma, frame, classes = row.split("\t", 2)
            out[fold(lemma)] = (frame, classes)
    return out


def _lexical(verb: Token, test: Any) -> bool:
    """True when ``test(frame, classes)`` holds for the verb's row, read off its lemma or its regular form as
    _reporting_frame reads it."""
    rows = _verb_classes()
    candidates = (fold(verb.lemma_), *_infinitives(fold(verb.text)))
    return any(c in rows and test(*rows[c]) for c in candidates)


def _directive(verb: Token) -> bool:
    """True for a verb whose every class of saying is a directive one (Verb∋Net urge-58, order-60, forbid-67, or a
    directive supplement row: "appeler", "exiger"): it asks for something, it asserts nothing."""
    kinds = ("urge-58", "order-60", "forbid-67")
    return _lexical(
        verb,
        lambda frame, classes: (
            "directive" in classes
            and classes.startswith("supplement")
            or all(c.startswith(kinds) for c in classes.split())
        ),
    )


def _attributing(verb: Token) -> bool:
    """True for a verb that says what something is ("décrit X comme Y", "considère X comme Y"): a member of
    Verb∋Net's characterize-29.2 (NP V NP comme NP) or an opinion verb (frame "que")."""
    return _lexical(verb, lambda frame, classes: frame == "que" or "characterize-29.2" in classes)


def _imputing(verb: Token) -> bool:
    """True for a verb that imputes something to its object ("accuse X de …", "soupçonne X de …"): a verb of
    judgment (Verb∋Net judgment-33) or an opinion verb (frame "que")."""
    return _lexical(verb, lambda frame, classes: frame == "que" or "judgment-33" in classes)


def _reporting_frame(verb: Token) -> str | None:
    """Return what ``verb`` may report ("any", "clause" or "que") when it is a reporting verb, else None.

    French: its lemma among reporting_verbs() (a general lexicon, not words seen in articles). English keeps
    the speech cue lexicon (speech_verbs.txt), with an object only for verbs whose every sense is saying.
    """
    if verb.doc.lang_ == "fr":
        verbs = reporting_verbs()
        lemma = fold(verb.lemma_)
        if lemma in verbs:
            return verbs[lemma]
        # the lemmatizer gives a noun's lemma for a form that is also a noun ("estime", "indique"): read
        # the infinitive off the regular endings of the first and second conjugations instead
        return next((verbs[c] for c in _infinitives(fold(verb.text)) if c in verbs), None)
    if not _is_cue_word(verb.lemma_):
        return None
    return "clause" if fold(verb.lemma_) in ("note", "point", "conclude") else "any"


def _clitic_incise(verb: Token) -> str | None:
    """Return "clause" for a verb in an incise with an inverted subject pronoun after a comma ("…, conclut-elle",
    "…, poursuit-il"): that construction marks reported words whatever the verb; None otherwise."""
    nxt = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
    if (
        nxt is None
        or not nxt.text.startswith("-")
        or nxt.lower_.replace("-t-", "-").lstrip("-") not in _PRONOUNS
    ):
        return None
    first = min([c.i for c in verb.children if c.dep_.startswith("aux") and c.i < verb.i] + [verb.i])
    return "clause" if first > verb.sent.start and verb.doc[first - 1].text == "," else None


def _noun_incise(verb: Token, entities: Sequence[Entity]) -> str | None:
    """Return "clause" for the last verb of a sentence in an incise with an inverted subject after a comma
    ("…, poursuit le ministre.", "…, tranche Paul Melly."): the construction reports words whatever the verb
    (as _clitic_incise); None otherwise."""
    if "Fin" not in verb.morph.get("VerbForm", []) and not any(
        "Fin" in c.morph.get("VerbForm", []) for c in verb.children if c.dep_.startswith("aux")
    ):
        return None
    if _inverted_subject(verb, entities) is None:  # checked first: a comma before the verb, a subject after
        return None
    if any("Fin" in t.morph.get("VerbForm", []) for t in verb.doc[verb.i + 1 : verb.sent.end]):
        return None  # "…, soutiennent les forces, mais leur présence n'a pas …": a clause goes on
    return "clause" if _fronted(verb, force=True) else None


# regular endings of the first (-er) and second (-ir) conjugations, longest first (accents folded)
_ENDINGS = tuple(
    sorted(
        {(e, "er") for e in ("e", "es", "ent", "ons", "ez", "ait", "ais", "aient", "a", "ai", "erent", "ee")}
        | {(e, "er") for e in ("era", "erai", "eront", "erait", "eraient", "ant", "ees")}
        | {(e, "ir") for e in ("it", "is", "issent", "issait", "issaient", "ira", "iront")},
        key=lambda pair: (-len(pair[0]), pair),
    )
)


@lru_cache(maxsize=65536)  # asked once per verb token whose lemma is no reporting verb: a text repeats them
def _infinitives(form: str) -> tuple[str, ...]:
    """Return the infinitives a folded regular verb form may come from ("estime" → "estimer")."""
    return tuple(
        form[: -len(end)] + inf for end, inf in _ENDINGS if form.endswith(end) and len(form) > len(end) + 2
    )


def _negated(verb: Token) -> bool:
    """True when the verb or its auxiliary is negated ("n'a pas dit que …"), or when it is the infinitive of a
    French negative implicative ("a refusé de révéler …"): the words are no one's."""
    heads = [verb] + [c for c in verb.children if c.dep_.startswith("aux")]
    if any(c.dep_ == "advmod" and c.lower_ in _NEGATIONS for h in heads for c in h.children):
        return True
    return verb.dep_ == "xcomp" and verb.doc.lang_ == "fr" and fold(verb.head.lemma_) in _NOT_DONE


@cache
def _speakers() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / "speakers.json").read_text(encoding="utf-8"))
    return data


def find_quotes(text: str, entities: Sequence[Entity], doc: Doc | None = None) -> list[Quote]:
    """Return the quotes of ``text`` with their cue and speaker (None + speaker_text when unresolved).

    Direct quotes come from quotation marks; with ``doc`` (the parse of a same-length copy of ``text``),
    reported speech too, read from the sentence's structure: the clause a reporting verb governs ("X a
    annoncé que …", "X annonce avoir …"; the verb from reporting_verbs(), a general lexicon, and its frame from
    the parse), the clause before an incise ("…, a affirmé le ministre", "…, conclut-elle"), "selon X, …",
    "d'après X, …", "Pour X, …", the clause a "comme" incise takes up ("Comme le souligne X, …"), what a verb
    says something is ("décrit X comme Y") and what it imputes ("accuse X de …"). The speaker is the verb's subject (the name before an apposition, the
    inverted subject of an incise, the agent of a passive, a pronoun's antecedent). A negated report ("n'a
    pas dit que …") is no quote. An indirect quote holding a quoted passage is "mixed" and replaces that
    direct quote.
    """
    entities = indexed(entities)
    verbs = frozenset(t.idx for t in doc if t.pos_ in ("VERB", "AUX")) if doc is not None else None
    sources = _document_sources(text, entities)
    direct = _direct_quotes(text, entities, sources, verbs, doc)
    if doc is None:
        return direct
    reported = _reported_quotes(doc, text, entities, sources, [(q.start, q.end) for q in direct])
    direct = [
        q if q.speaker is not None else _parsed_speaker(q, doc, text, entities, sources) for q in direct
    ]
    reported_spans = _Spans(reported)
    kept = _Spans()
    for quote in direct:
        holder = next(
            (r for r in reported_spans.overlapping(quote) if r.start <= quote.start and quote.end <= r.end),
            None,
        )
        if holder is None or _overlap(holder, quote) >= 0.5:
            if quote.speaker is None and holder is not None and holder.speaker is not None:
                quote = replace(quote, speaker=holder.speaker, speaker_text=holder.speaker_text)
            kept.add(quote)
    direct_spans = _Spans(direct)
    for quote in reported:
        inner = [d for d in direct_spans.overlapping(quote) if quote.start <= d.start and d.end <= quote.end]
        if any(_overlap(quote, d) >= 0.5 for d in inner) or any(
            _overlap(quote, k) >= 0.5 for k in kept.overlapping(quote)
        ):
            continue  # the direct quote it is, already kept
        kept.add(replace(quote, kind="mixed") if inner else quote)
    by_start: dict[int, Quote] = {}
    for quote in kept:  # one quote per start (the store names a quote by its article and start)
        if quote.start not in by_start or quote.end - quote.start > by_start[quote.start].end - quote.start:
            by_start[quote.start] = quote
    return _pronoun_speakers(sorted(by_start.values(), key=lambda q: q.start), entities, doc)


def _pronoun_speakers(quotes: list[Quote], entities: Sequence[Entity], doc: Doc | None = None) -> list[Quote]:
    """Give a quote whose speaker is a pronoun ("il a ajouté", "a-t-elle déclaré") the last speaker before it,
    else the last person named before it."""
    types = {e.entity_id: e.type for e in entities}
    out: list[Quote] = []
    last: tuple[int, Speaker] | None = None  # the last person or organisation quoted, and where
    plural: tuple[int, Speaker] | None = None  # the last speakers named in the plural ("Les chercheurs")
    for quote in quotes:
        pronoun = quote.speaker is None and (
            _anaphoric(quote.speaker_text)
            or quote.speaker_text is None
            and bool(_PRONOUN_CUE.search(quote.cue or ""))
        )
        if pronoun:
            recent = last[1] if last is not None and quote.start - last[0] <= _PRONOUN_REACH else None
            subject = _previous_subject(doc, quote.start, entities) if doc is not None else None
            earlier = _subject_before_pronoun(doc, quote, entities) if doc is not None else None
            if earlier is not None:
                recent, subject = earlier, None  # "Mame Awa Diouf a survécu …, elle raconte …": same sentence
            elif (
                subject is not None
                and types.get(subject.entity_id or "") == "PER"
                and last is not None
                and doc is not None
                and _after(doc, quote.start, last[0])
            ):
                # "Victoria Hatton … a pris des pilules … « Cela n'a pas aidé », dit-elle.": a person made the
                # subject of the sentence before, after the last quote ended, is named later than its speaker (an
                # organisation there is more often the setting: "il" still takes up the last speaker)
                recent = None
            if _FIRST_PERSON.search(quote.text):  # "je …": a person speaks, not an organisation
                recent = recent if recent and types.get(recent.entity_id or "") == "PER" else None
                subject = subject if subject and types.get(subject.entity_id or "") == "PER" else None
            near = plural is not None and quote.start - plural[0] <= _PRONOUN_REACH
            if _plural_possessive(quote.speaker_text) and plural is not None and near:
                # "Les chercheurs affirment … Selon leur rapport, …": "leur" takes up the last speakers in the plural
                recent, subject = plural[1], None
            quote = replace(quote, speaker=recent or subject or _antecedent(quote.start, entities))
        out.append(quote)
        if quote.speaker is not None and types.get(quote.speaker.entity_id or "") in ("PER", "ORG"):
            last = (quote.end, quote.speaker)
        if quote.speaker is not None and _definite_plural(quote.speaker_text):
            plural = (quote.end, quote.speaker)
    return out


def _plural_possessive(phrase: str | None) -> bool:
    """True for a document a plural possessive introduces ("leur rapport", "leurs conclusions")."""
    return (phrase or "").strip().casefold().startswith(("leur ", "leurs "))


def _definite_plural(phrase: str | None) -> bool:
    """True for a definite plural description ("Les chercheurs", "les autorités"): what "leur" may take up."""
    return (phrase or "").strip().casefold().startswith(("les ", "ces "))


def _subject_before_pronoun(doc: Doc, quote: Quote, entities: Sequence[Entity]) -> Speaker | None:
    """Return the person or organisation that is the subject of an earlier clause of the sentence in which a
    pronoun introduces ``quote`` ("Mame Awa Diouf a survécu au coronavirus, elle raconte …", "X a rencontré Y
    et il a déclaré que …"): the subject a French pronoun takes up first; None when the pronoun opens its
    sentence or follows the quote ("…, dit-elle"), or no such subject is named."""
    span = doc.char_span(quote.start, quote.start, alignment_mode="expand")
    if span is None:
        return None
    sentence = doc[span.start].sent
    before = [t for t in sentence if t.idx < quote.start]
    pronoun = next(
        (t for t in reversed(before) if t.pos_ == "PRON" and t.dep_ == "nsubj" and _pronoun(t.text)), None
    )
    if pronoun is None:
        return None
    index = indexed(entities)
    for t in reversed([t for t in before if t.i < pronoun.i]):
        if t.dep_ not in ("nsubj", "nsubj:pass") or t.pos_ == "PRON":
            continue
        if t.head.dep_ not in ("ROOT", "conj") or t.head.head.dep_ not in ("ROOT", "conj"):
            continue  # a subject inside a subordinate clause ("… a déclaré que l'efficacité …, bien qu'il …")
        # the subject's head word names it, or the name apposed to it ("L'archéologue britannique James Bent"),
        # not another word it governs
        named = [t, *(c for c in t.children if c.dep_ in ("appos", "flat:name") and c.pos_ == "PROPN")]
        entity = next((e for w in named if (e := index.at(w.idx, w.idx + len(w))) is not None), None)
        if entity is not None and entity.type in ("PER", "ORG"):
            return Speaker(entity.name, entity.entity_id)
        return None  # the nearest subject names no one: "il" may be anyone's
    return None


def _after(doc: Doc, pos: int, end: int) -> bool:
    """True when the sentence before the one holding ``pos`` starts at or after ``end``."""
    span = doc.char_span(pos, pos, alignment_mode="expand")
    if span is None or doc[span.start].sent.start == 0:
        return False
    return doc[doc[span.start].sent.start - 1].sent.start_char >= end


def _previous_subject(doc: Doc, pos: int, entities: Sequence[Entity]) -> Speaker | None:
    """Return the entity that is the subject of the sentence before ``pos``'s (what "il" usually takes up:
    "La RD Congo a accusé … Elle …"), when that subject names a person or organisation."""
    span = doc.char_span(pos, pos, alignment_mode="expand")
    if span is None:
        return None
    sentence = doc[span.start].sent
    if sentence.start == 0:
        return None
    previous = doc[sentence.start - 1].sent
    root = previous.root
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubj:pass")), None)
    if subject is None:
        return None
    tokens = list(subject.subtree)
    entity = indexed(entities).at(tokens[0].idx, tokens[-1].idx + len(tokens[-1]))
    if entity is None or entity.type not in ("PER", "ORG"):
        return None
    return Speaker(entity.name, entity.entity_id)


def _anaphoric(phrase: str | None) -> bool:
    """True for a pronoun or a possessive document ("son rapport", "leur communiqué"): whoever spoke last."""
    words = (phrase or "").strip().casefold().split()
    if (
        len(words) == 2
        and words[0] in ("son", "sa", "leur", "its", "their")
        and words[1] in _speakers()["documents"]
    ):
        return True
    # "Selon lui, …", "Pour elle, …": the stressed pronoun after a preposition takes up the last speaker too
    return _pronoun(phrase) or (phrase or "").strip().casefold() in _STRESSED


def _pronoun(phrase: str | None) -> bool:
    """True for "il", "Elle", "-t-il" (the subject pronoun of an inverted cue)."""
    word = (phrase or "").strip().casefold().replace("-t-", "-").lstrip("-")
    return word in _PRONOUNS or word == "t"  # "-t" is the euphonic t of "a-t-il", the pronoun's stand-in


def _parsed_speaker(
    quote: Quote, doc: Doc, text: str, entities: Sequence[Entity], sources: Sequence[Source]
) -> Quote:
    """Find a direct quote's speaker through the parse: the subject of the nearest speech verb of its sentence
    outside the quote ("Alessandra Morelli, représentante du HCR au Niger, indique que « … »")."""
    sent = doc.char_span(quote.start, quote.start, alignment_mode="expand")
    if sent is None:
        return quote
    sentence = doc[sent.start].sent
    verbs = [
        t
        for t in sentence
        if t.pos_ == "VERB" and _is_cue_word(t.lemma_) and not quote.start <= t.idx < quote.end
    ]
    if not verbs:
        return quote
    verb = min(verbs, key=lambda t: min(abs(t.idx - quote.start), abs(t.idx - quote.end)))
    span = _speaker_span(verb, _passive(verb))
    if span is None or quote.start <= span[0] < quote.end:
        return quote
    phrase = text[span[0] : span[1]]
    # a description is taken as the speaker only from the quote's own cue ("le pape a ajouté : « … »"): another
    # verb's subject in the sentence may be anyone
    own = quote.cue is not None and quote.cue.split()[-1] == verb.text
    speaker = _speaker_of(span, phrase, text, entities, sources, doc, describe=own)
    if speaker is None:
        return replace(quote, speaker_text=phrase) if _anaphoric(phrase) and not quote.speaker_text else quote
    return replace(
        quote, speaker=speaker, speaker_text=quote.speaker_text or phrase, cue=quote.cue or verb.text
    )


def _overlap(a: Quote, b: Quote) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter / max(a.end - a.start, b.end - b.start, 1)


def _direct_quotes(
    text: str,
    entities: Sequence[Entity],
    sources: Sequence[Source],
    verbs: frozenset[int] | None = None,
    doc: Doc | None = None,
) -> list[Quote]:
    """Return the quotes between quotation marks, with their cue and speaker (``verbs``: see _cue; ``doc``, the
    parse when there is one, see _definite)."""
    quotes: list[Quote] = []
    previous: Speaker | None = None
    for start, end in _quote_spans(text):
        check_budget("quotes")
        content = text[start:end]
        words = content.split()
        if len(words) <= 3 and words[0][:1].isupper() and indexed(entities).at(start, end) is not None:
            continue  # a name in quotes ("Wagner"), not a quote
        kind = "partial" if len(words) <= 3 else "direct"
        cue, phrase, same_as_previous = _cue(text, start, end, verbs)
        speaker: Speaker | None = None
        if same_as_previous:
            speaker = previous
        elif phrase:
            speaker = _resolve(phrase, text, entities, sources, anchor=start)
            if speaker is None and cue is not None and text.find(cue, end, end + _CUE_REACH + len(cue)) >= 0:
                # "», souligne l'économiste": the subject of an incise; before the quote, the words after its verb
                # are its object more often ("a tweeté la photo avec la légende : « … »")
                speaker = _definite(phrase, text, start, entities, doc)
        if kind == "partial" and cue is None and speaker is None:
            continue  # a term in quotation marks nobody is said to use ("tolérance zéro"): not a quote
        quotes.append(Quote(content, start, end, kind, cue, speaker, phrase))
        previous = speaker or previous
    return quotes


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each quote's content, inner spaces trimmed; multi-paragraph « … » kept whole."""
    spans: list[tuple[int, int]] = []
    for open_mark, close_mark in _PAIRS:
        spans.extend(_paired(text, open_mark, close_mark))
    for paragraph in re.finditer(r"[^\n]+", text):
        marks = [m.start() + paragraph.start() for m in re.finditer('"', paragraph.group(0))]
        for a, b in zip(marks[0::2], marks[1::2], strict=False):
            spans.append(_trim(text, a + 1, b))
        dialogue = _dialogue(text, paragraph)
        if dialogue is not None:
            spans.append(dialogue)
    # a quote nested in another (« … ‹ tenez bon › … », « … « … » … ») is part of it, not a quote of its own
    outermost: list[tuple[int, int]] = []
    reach = -1  # the furthest end of the spans kept so far: a span ending before it is inside one of them
    for span in sorted({s for s in spans if s[1] > s[0]}, key=lambda s: (s[0], -s[1])):
        if span[1] > reach:
            outermost.append(span)
            reach = span[1]
    return outermost


def _dialogue(text: str, paragraph: re.Match[str]) -> tuple[int, int] | None:
    """Return the words of a dialogue line up to its speech incise ("— Nous continuerons, a dit le colonel."),
    or None: a dash line without a speech verb after a comma is a list item, not a quote."""
    line = _DIALOGUE.match(paragraph.group(0))
    if line is None:
        return None
    for comma in re.finditer(",", line.group("said")):
        after = re.findall(r"[\w'’-]+", line.group("said")[comma.end() : comma.end() + 40])[:3]
        if any(_is_cue_word(word) for word in after):
            start = paragraph.start() + line.start("said")
            return _trim(text, start, start + comma.start())
    return None


def _paired(text: str, open_mark: str, close_mark: str) -> list[tuple[int, int]]:
    """Return the content span of every matched open/close pair, nested pairs included, in one pass.

    A quote runs over paragraphs only where each new paragraph opens with the mark again (the French
    convention); a mark still open at a paragraph that does not is unclosed and dropped, its inner pairs kept.
    """
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    continuation = -1  # the « that reopens a quote at a paragraph start is not a new quote
    for m in re.finditer(f"[{re.escape(open_mark)}{re.escape(close_mark)}\n]", text):
        mark, at = m.group(), m.start()
        if mark == "\n":
            if stack:
                spaces = _SPACES.match(text, m.end())
                nxt = spaces.end() if spaces else m.end()
                if nxt < len(text) and text[nxt] == open_mark:
                    continuation = nxt
                elif nxt < len(text) and text[nxt] != "\n":
                    stack.clear()  # unclosed: the quote cannot be delimited
        elif mark == open_mark:
            if at != continuation:
                stack.append(at)
        elif stack:
            pairs.append(_trim(text, stack.pop() + 1, at))
    return pairs


def _in_paragraph(text: str, start: int, end: int, at: int) -> tuple[int, int]:
    """Return start..end cut to the paragraph holding ``at`` and trimmed, dialogue dash included: the
    parser's sentences may run over a line break, reported speech does not."""
    start = max(start, text.rfind("\n", 0, at) + 1)
    stop = text.find("\n", at)
    start, end = _trim(text, start, min(end, stop) if stop >= 0 else end)
    dash = _DIALOGUE.match(text, start, end)
    return _trim(text, dash.start("said"), end) if dash and dash.start("said") > start else (start, end)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "\u00a0\u202f"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\u00a0\u202f"):
        end -= 1
    return start, end


@lru_cache(maxsize=65536)  # asked once per token and per quote: a text repeats its words
def _is_cue_word(word: str) -> bool:
    """True when a word is a form of a speech verb or noun of the lexicon (accents ignored: "considèrent")."""
    w = fold(word.replace("’", "'"))
    return any(w.startswith(c) and len(w) <= len(c) + 5 for c in _folded_cues())


@cache
def _folded_cues() -> tuple[str, ...]:
    return tuple(fold(c) for c in speech_cues() if " " not in c)


def _cue(
    text: str, start: int, end: int, verbs: frozenset[int] | None = None
) -> tuple[str | None, str | None, bool]:
    """Return (cue words, speaker phrase, same speaker as the previous quote) around one quote.

    ``verbs`` (start offsets of the parse's verbs, when there is a parse) keeps a cue after the quote to a
    verb: "pour notre pays" after a quote is no cue although "not" (noter) starts "notre".
    """
    after_start = end + 1
    line_end = text.find("\n", after_start, after_start + _CUE_REACH)
    after = text[after_start : line_end if line_end >= 0 else min(len(text), after_start + _CUE_REACH)]
    lead = re.match(r"[\s\u00a0]*[»”\"]?[\s\u00a0]*,?", after)
    if lead is not None and not after[lead.end() :].lstrip().startswith("."):
        for word in islice(re.finditer(r"[\w'’-]+", after[lead.end() :]), 4):
            # "», se souvient-il", "»,poursuit-elle": a verb with its subject pronoun inverted after the quote's
            # comma is its incise whatever the verb (as _clitic_incise), even where the tokenizer missed it
            inverted = "," in lead.group(0) and _INVERTED.search(word.group(0)) is not None
            if not inverted and not _is_cue_word(word.group(0)):
                continue
            if not inverted and verbs is not None and after_start + lead.end() + word.start() not in verbs:
                continue
            cue_end = lead.end() + word.end()
            cue = after[lead.end() : cue_end].strip()
            rest = after[cue_end:]
            pronoun = _PRONOUN_CUE.search(cue + rest[:10])
            if pronoun or rest.startswith("-t-"):
                # "», a-t-il dit": the pronoun is the speaker; find_quotes resolves it with the others
                return cue, pronoun.group(0).strip(" -").removeprefix("t-") if pronoun else "il", False
            before_cue = cue[: len(cue) - len(word.group(0))].split()
            if before_cue and _pronoun(before_cue[-1]):
                return cue, before_cue[-1], False  # '"…," he told reporters': the pronoun is the speaker
            phrase = _STOP_AFTER.split(_CIVILITY_DOT.sub(_keep_civility, rest), maxsplit=1)[0].strip()
            phrase = phrase.replace("\u2024", ".")
            # "écrit Vieira sur Instagram", "a dit le ministre dans un entretien": the channel, not the speaker
            phrase = _CHANNEL.split(phrase, maxsplit=1)[0].strip() or phrase
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
            if re.search(r"\bde\s*$|\bd['’]\s*$", before) or tail.strip(" ,:\u00a0").casefold() in (
                "",
                "que",
                "qu'",
                "qu’",
            ):
                # "Avant de poursuivre :" or "X a déclaré :" — subject before the verb, if any.
                subject = _subject_before(before)
                return words[k], subject, subject is None
            phrase = _STOP_AFTER.split(" " + tail.lstrip(" ,"), maxsplit=1)[0].strip()
            if phrase.split(" ", 1)[0].casefold() in _PREPOSITIONS:
                phrase = (
                    ""  # "il a appelé à une « … »": no speaker after the verb; the parse finds the subject
                )
            return words[k], phrase or None, False
    return None, None, False


def _keep_civility(match: re.Match[str]) -> str:
    return match.group(1) + "\u2024"


def _subject_before(before: str) -> str | None:
    m = re.search(r"([A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)\s+(?:a|avait|lui|leur)?\s*$", before)
    return m.group(1) if m else None


def _document_sources(text: str, entities: Sequence[Entity]) -> list[Source]:
    """Return the sources the article names, in order: "selon X" and documents with their issuer ("un
    communiqué du ministère …"), so that "la même source" or a later "le communiqué" can take them up."""
    found: list[tuple[int, str | None, str]] = [
        (m.start("who"), None, m.group("who")) for m in _SELON.finditer(text)
    ]
    found += [
        (m.start("who"), fold(m.group("doc")), m.group("who")) for m in _document_owners().finditer(text)
    ]
    out: list[Source] = []
    for pos, document, who in sorted(found, key=lambda f: f[0]):
        if out and out[-1].position == pos:
            continue  # "selon un communiqué du ministère": one source
        speaker = _resolve(who, text, entities, out, anchor=pos)
        if speaker is not None:
            out.append(Source(pos, document, speaker))
    return out


@cache
def _document_owners() -> re.Pattern[str]:
    """Match a document noun and its issuer: "communiqué du ministère …", "la note de l'ambassade …"."""
    nouns = "|".join(sorted(map(re.escape, _speakers()["documents"]), key=len, reverse=True))
    return re.compile(rf"\b(?P<doc>{nouns})s?\s+(?:du|de la|de l['’]|des)\s*(?P<who>[^,.;:\n«»\"“”]+)", re.I)


def _strip_det(phrase: str) -> str:
    pattern = r"^(?:(?:les|le|la|une|un|des|du|de la|son|sa|ses|leurs|leur|ces|cette|ce)\b|l['’]|de l['’])\s*"
    return re.sub(pattern, "", phrase.strip(), flags=re.I).strip()


def _resolve(
    phrase: str,
    text: str,
    entities: Sequence[Entity],
    sources: Sequence[Source],
    anchor: int | None = None,
) -> Speaker | None:
    """Resolve a speaker phrase: a named entity, a document's issuer, an office holder or an institution."""
    phrase = phrase.strip()
    if not phrase:
        return None
    pos = text.find(phrase) if anchor is None else anchor
    at = _nearest(text, phrase, pos)
    described = indexed(entities).at(at, at + len(phrase)) if at >= 0 else None
    if described is not None and described.type != "PER" and _person_head(phrase):
        return _described(phrase)  # "le porte-parole de l'opposition" is a person, not the opposition
    if described is not None and any(
        indexed(entities)[i] is described and m.kind == "description"
        for i, m in indexed(entities).mentions.overlapping(at, at + len(phrase))
    ):
        return Speaker(described.name, described.entity_id)  # coref resolved "le chef de la diplomatie russe"
    index = indexed(entities)
    key = name_key(_strip_det(phrase))
    for i, (entity, keys) in enumerate(zip(index, index.name_keys, strict=True)):
        if entity.type not in {"PER", "ORG"} or entity.type == "ORG" and key not in keys:
            continue
        if any(name in phrase for name in index.name_texts[i]):
            if entity.type != "PER" and _person_head(phrase):
                return _described(phrase)
            return Speaker(entity.name, entity.entity_id)
    surnamed = _surname_of(phrase, entities)
    if surnamed is not None:
        return Speaker(surnamed.name, surnamed.entity_id)
    bare = _strip_det(phrase)
    head = bare.split()[0].casefold() if bare.split() else ""
    data = _speakers()
    if head in data["documents"] or "même source" in phrase.casefold():
        if _anaphoric(phrase):
            return None  # "selon leur rapport": whoever spoke last (find_quotes takes them up)
        if _INDEFINITE.match(phrase) and not re.search(r"\b(?:du|de la|de l['’]|des)\s", bare):
            return None  # "des sources sécuritaires": nobody in particular
        owner = re.match(r"\S+(?:\s+\S+)?\s+(?:du|de la|de l['’]|des|de)\s+(.+)", bare)
        if owner and owner.group(1).split()[0].casefold() not in data["documents"]:
            name = _OWNER_STOP.split(" " + owner.group(1), maxsplit=1)[0].strip()
            return _resolve(name, text, entities, sources, anchor=pos)
        earlier = [s for s in sources if anchor is None or s.position < anchor]
        same = [s for s in earlier if s.document is not None and fold(head).startswith(s.document)]
        if same or earlier:
            # "le communiqué" takes up the last communiqué named, "la même source" the last source
            return (same or earlier)[-1].speaker
        return sources[-1].speaker if sources else None
    office = _office_holder(bare, entities)
    if office is not None:
        return office
    if head in data["institutions"]:
        name = _OWNER_STOP.split(" " + bare, maxsplit=1)[0].strip()
        words = name_key(name).split()
        org = next((e for e in entities if e.type == "ORG" and name_key(e.name) in words), None)
        return Speaker(name, org.entity_id if org else None)
    if phrase != bare and (fold(head) in nominals() or fold(head).rstrip("sx") in nominals()):
        return _described(phrase)
    if phrase != bare and re.fullmatch(r"(?:[A-ZÀ-Ý][\w'’.-]*\s*){1,4}", bare):
        # "selon l'Ukraine": a country speaks through its government; "selon la Fifa", "le NHS affirme": a name
        # the NER missed, no id
        if described is not None and name_key(bare) in entity_name_keys(described):
            return Speaker(described.name, described.entity_id)
        return Speaker(bare, None)
    return None


def _surname_of(phrase: str, entities: Sequence[Entity]) -> Entity | None:
    """Return the one person whose name ends or starts with ``phrase``, a single capitalised word ("écrit Vieira"
    after "Patrick Vieira" was named, "Megan dit" after "Megan Morgan", where the NER missed the word alone);
    None when none or several do."""
    word = phrase.strip()
    if not re.fullmatch(r"[A-ZÀ-Ý][\w'’-]+", word):
        return None
    index = indexed(entities)
    people = {index[i].entity_id: index[i] for i in index.person_name_ends.get(word, ())}
    return next(iter(people.values())) if len(people) == 1 else None


def _person_head(phrase: str) -> bool:
    """True when the phrase's head noun names a person ("le procureur de la ville de …", "un élu de …"):
    an organisation or place named after the head only qualifies the person."""
    words = _strip_det(phrase).split()
    head = fold(words[0]) if words else ""
    return nominals().get(head, nominals().get(head.rstrip("sx"), ("", "")))[0] == "PER"


def _qualifies(entity: Entity, phrase: str, start: int, index: EntityIndex) -> bool:
    """True when ``entity`` is named inside the speaker phrase at ``start`` but not at its head noun: the
    phrase starts with a lowercase noun ("élu", "radio") no mention of the entity covers."""
    bare = _strip_det(phrase)
    if not bare[:1].islower():
        return False
    head_start = start + phrase.find(bare)
    head_end = head_start + len(bare.split()[0])
    if any(index[i] is entity for i, _ in index.mentions.overlapping(head_start, head_end)):
        return False
    inside = [m for i, m in index.mentions.starting_in(head_end, start + len(phrase)) if index[i] is entity]
    # "le président Akufo-Addo" is the person; "un élu de Dori", "une radio soutenue par l'ONU" are not
    return not inside or any(
        _QUALIFIER.search(text_between)
        for text_between in (phrase[head_end - start : m.start - start] for m in inside)
    )


def _described(phrase: str) -> Speaker | None:
    """Return the speaker a description names without an entity ("le procureur militaire": named by the
    description, no id); None for an indefinite one ("un élu de Tillabéry" is nobody in particular)."""
    if _INDEFINITE.match(phrase):
        return None
    return Speaker(_OWNER_STOP.split(" " + _strip_det(phrase), maxsplit=1)[0].strip(), None)


def _definite(
    phrase: str, text: str, anchor: int, entities: Sequence[Entity], doc: Doc | None = None
) -> Speaker | None:
    """Return the speaker a definite description names when nothing else resolves it ("la fédération", "les
    médecins", "l'économiste"): the person or organisation whose name an earlier apposition gave that head noun
    ("le milliardaire Elon Musk" … "le milliardaire a déclaré"), else the description kept as words (no id).
    None for any other phrase: an indefinite one ("des experts") is nobody in particular, a pronoun is taken
    up elsewhere, a part of a group ("l'une d'elles", "la plupart des …") is no one speaker."""
    m = _DEFINITE.match(phrase.strip())
    if m is None or fold(m.group("head")) in _PARTITIVES:
        return None
    at = _nearest(text, phrase.strip(), anchor)
    named = (_apposed_person(text, at + len(phrase.strip()), entities) if at >= 0 else None) or _apposed_name(
        m.group("head"), text, anchor, entities, doc
    )  # "…», a réagi le milieu des Aigles, Ferjani Sassi."
    if named is not None:
        return Speaker(named.name, named.entity_id)
    return _described(phrase)


def _apposed_name(
    head: str, text: str, before: int, entities: Sequence[Entity], doc: Doc | None = None
) -> Entity | None:
    """Return the person or organisation last named, before ``before``, right after the noun ``head`` ("le
    milliardaire Elon Musk", "la fédération kényane FKF": a name apposed to the noun, only adjectives between,
    which only ``doc`` can tell) or right before it after a comma ("Elon Musk, le milliardaire"); None when no
    name was ever given it."""
    index = indexed(entities)
    found: Entity | None = None
    # within a bounded reach before the description, so that a text of many descriptions costs time in
    # proportion to its length, not to its length squared
    head_word = re.compile(rf"(?i)(?<![\w'’-]){re.escape(head)}(?![\w'’-])")
    for m in head_word.finditer(text, max(0, before - _APPOSITION_REACH), before):
        after = [
            index[i]
            for i, mention in index.mentions.starting_in(m.end(), m.end() + 60)
            if _apposed_to(text, m.start(), m.end(), mention.start, doc)
        ]
        before_it = [
            index[i]
            for i, mention in index.mentions.overlapping(max(0, m.start() - 80), m.start())
            if _APPOSED_BEFORE.fullmatch(text[mention.end : m.start()])
            and _apposition_of(m.start(), m.end(), mention.start, mention.end, doc)
        ]
        candidates = [e for e in after + before_it if e.type in ("PER", "ORG")]
        if candidates:
            found = candidates[0]  # the latest apposition before the description wins
    return found


def _apposition_of(start: int, end: int, name_start: int, name_end: int, doc: Doc | None) -> bool:
    """True when, per the parse ``doc``, the noun at ``start``..``end`` is an apposition to the name at
    ``name_start``..``name_end`` ("Russell Foster, neuroscientifique à …"), not a new phrase after its comma
    ("Selon Kabila, les allégations …"); False without a parse."""
    if doc is None:
        return False
    noun = doc.char_span(start, end, alignment_mode="expand")
    name = doc.char_span(name_start, name_end, alignment_mode="expand")
    if noun is None or name is None:
        return False
    head = noun[-1]  # an apposition, or a word the parser hung on the name as one ("neuroscientifique": amod)
    return head.dep_ in ("appos", "amod", "nmod", "acl", "dep") and name.start <= head.head.i < name.end


def _apposed_to(text: str, start: int, end: int, name_start: int, doc: Doc | None) -> bool:
    """True when the name starting at ``name_start`` is apposed to the noun at ``start``..``end``: right after it,
    or, per the parse ``doc``, its apposition with only lowercase words between ("le milliardaire sud-africain
    Patrice Motsepe"), not a later word of the sentence ("le milliardaire a racheté Twitter")."""
    gap = text[end:name_start]
    if not gap.strip():
        return name_start > end
    if doc is None or not _APPOSED_GAP.fullmatch(gap):
        return False
    noun = doc.char_span(start, end, alignment_mode="expand")
    name = doc.char_span(name_start, name_start + 1, alignment_mode="expand")
    if noun is None or name is None:
        return False
    return (
        name[0].head.i == noun[-1].i
        and name[0].dep_ in ("appos", "flat:name", "nmod")
        and not any(c.dep_ == "case" for c in name[0].children)
    )


def _nearest(text: str, phrase: str, anchor: int) -> int:
    """Return the start of the occurrence of ``phrase`` closest to ``anchor`` (a quote's cue is next to it)."""
    lo = max(0, anchor - _NEAR)
    starts = _starts(text, phrase, lo, anchor + _NEAR + len(phrase)) or _starts(text, phrase, 0, len(text))
    return min(starts, key=lambda s: abs(s - anchor)) if starts else -1


def _starts(text: str, phrase: str, lo: int, hi: int) -> list[int]:
    """Return the starts of the non-overlapping occurrences of ``phrase`` in ``text[lo:hi]`` (as offsets into
    ``text``), as ``re.finditer(re.escape(phrase), ...)`` finds them, without compiling a pattern per phrase."""
    part, step = text[lo:hi], max(len(phrase), 1)
    starts, at = [], part.find(phrase)
    while at >= 0:
        starts.append(lo + at)
        at = part.find(phrase, at + step)
    return starts


def _office_holder(description: str, entities: Sequence[Entity]) -> Speaker | None:
    """Return the one person whose offices (read by coref) hold the office a description names, else None."""
    asked = parse_office(description)
    if asked is None or asked.function == "homologue":
        return None
    matches = [e for e in entities if e.type == "PER" and any(holds(o, asked) for o in e.offices)]
    return Speaker(matches[0].name, matches[0].entity_id) if len(matches) == 1 else None


def _reported_quotes(
    doc: Doc,
    text: str,
    entities: Sequence[Entity],
    sources: Sequence[Source],
    quoted: Sequence[tuple[int, int]] = (),
) -> list[Quote]:
    """Return reported speech: what a reporting verb's complement says, and "selon X, …" sentences.

    Verbs inside a direct quote (``quoted`` spans) are the quoted speaker's own words, not a report.
    """
    out: list[Quote] = []
    quoted = sorted(quoted)  # direct quotes do not overlap (_quote_spans keeps the outermost)
    quoted_starts = [s for s, _ in quoted]
    for token in doc:
        check_budget("reported speech")
        lexical = _reporting_frame(token) if token.pos_ == "VERB" else None
        frame = (
            lexical or _clitic_incise(token) or _noun_incise(token, entities) or _locution(token)
            if token.pos_ == "VERB"
            else None
        )
        if frame is None:
            continue
        k = bisect_right(quoted_starts, token.idx) - 1
        if k >= 0 and token.idx < quoted[k][1]:
            continue
        if _after_quote(text, token) or _bare_infinitive(token) or _negated(token) or _attributive(token):
            continue  # "», avoue le chef …": the quote before is what was said; "Rappeler que …": no speaker
        if token.dep_ == "advcl" and "Inf" in token.morph.get("VerbForm", []):
            # "ont manifesté pour dénoncer la violence": a purpose; "pour annoncer que …" still reports
            frame = "que"
        passive = _passive(token)
        aside = _comme_report(token) if lexical else None
        content: tuple[int, int] | None
        if aside is not None:  # "Comme le souligne X, …", "…, comme l'a dit X."
            content, inverted = aside
        else:
            inverted = _inverted_subject(token, entities, lexical)
            content = _fronted(token, force=True) if inverted else _content(token, passive, frame)
        if content is None:
            continue
        start, end = _in_paragraph(text, *content, token.idx)
        if end - start < 2:
            continue
        speaker_span = inverted or _speaker_span(token, passive)
        phrase = text[speaker_span[0] : speaker_span[1]] if speaker_span else None
        speaker = _speaker_of(speaker_span, phrase, text, entities, sources, doc) if speaker_span else None
        cue_tokens = [c for c in token.children if c.dep_.startswith("aux") and c.i < token.i] + [token]
        last = doc[token.i + 1] if frame == "locution" else token  # "a fait état"
        cue = text[cue_tokens[0].idx : last.idx + len(last)]
        kind = "mixed" if any(ch in text[start:end] for ch in _QUOTE_MARKS) else "indirect"
        out.append(Quote(text[start:end], start, end, kind, cue, speaker, phrase))
    out.extend(_selon_quotes(doc, text, entities, sources))
    return _without_overlaps(out)


def _locution(verb: Token) -> str | None:
    """Return "locution" for "faire" with a bare noun object of saying and a "de" complement after it ("a fait
    état de plusieurs morts", "a fait part de son inquiétude"): the locution reports that complement; None
    otherwise ("faire partie de", "faire l'état des lieux" have another noun or a determiner)."""
    if verb.doc.lang_ != "fr" or verb.lemma_ != "faire":
        return None
    return "locution" if _locution_complement(verb) is not None else None


def _locution_complement(verb: Token) -> Token | None:
    """Return the head of the "de" complement of a "faire état de" locution (see _locution), or None."""
    noun = next(
        (
            c
            for c in verb.children
            if c.dep_ == "obj"
            and c.i == verb.i + 1
            and fold(c.lower_) in _LOCUTION_NOUNS
            and not any(d.dep_ == "det" for d in c.children)
        ),
        None,
    )
    if noun is None:
        return None
    following = [c for c in (*verb.children, *noun.children) if c.i > noun.i]
    return next(
        (
            c
            for c in sorted(following, key=lambda c: c.i)
            if next(c.subtree).i == noun.i + 1 and next(c.subtree).lower_ in ("de", "d'", "d’", "du", "des")
        ),
        None,
    )


def _passive(verb: Token) -> bool:
    """True when the verb has a passive auxiliary: a verb form ("a été annoncé", "was said"), not a word the
    parser mislabelled so ("il a lui-même averti": "lui-même" read as aux:pass)."""
    return any(c.dep_ == "aux:pass" and c.pos_ in ("AUX", "VERB") for c in verb.children)


def _attributive(verb: Token) -> bool:
    """True for a participle qualifying a noun ("une milice appelée les anti-Balaka", "le système, souvent
    critiqué, …"): it names or describes, it reports no one's words."""
    if "Part" not in verb.morph.get("VerbForm", []) or any(c.dep_.startswith("aux") for c in verb.children):
        return False
    if verb.dep_ == "acl" and verb.sent.root.pos_ not in ("VERB", "AUX") and verb.doc.lang_ == "fr":
        # "Dans une vidéo …, M. Akufo-Addo décrit l'évolution comme …": in a sentence the parser gave a noun for
        # root, a participle with no finite verb outside its own clause is the predicate ("décrit", "dit",
        # "écrit" are finite forms too)
        own = {t.i for t in verb.subtree}
        if not any("Fin" in t.morph.get("VerbForm", []) for t in verb.sent if t.i not in own):
            return False
    # a conjunct shares its head's auxiliary only when the head is a participle too ("a dit … et ajouté …")
    return verb.dep_ == "acl" or verb.dep_ == "conj" and "Part" not in verb.head.morph.get("VerbForm", [])


def _relative(clause: Token) -> bool:
    """True for a French clause that opens with a relative pronoun ("…, qu'Ankara désigne comme …"): a relative
    the parser hung on the verb, not what the verb reports."""
    first = next(clause.subtree)
    return (
        clause.doc.lang_ == "fr"
        and first.pos_ == "PRON"
        and "Rel" in first.morph.get("PronType", [])
        and first.dep_ != "mark"
    )


def _finite_if(frame: str, child: Token) -> bool:
    """For an opinion verb ("que"), True only for a finite clause: "estime que …", not "pense partir"."""
    return frame != "que" or "Inf" not in child.morph.get("VerbForm", [])


def _de_complement(child: Token) -> bool:
    """True for a "de" complement of a passive verb: "est accusé de crimes …", "d'avoir …"."""
    first = next(child.subtree)  # "d'être à l'origine": the "de" may hang on the copula, not on the head
    return child.dep_ in ("obl:arg", "obl", "obj", "xcomp", "acl") and first.lower_ in ("de", "d'", "d’")


def _after_quote(text: str, verb: Token) -> bool:
    """True when the verb's clause follows a closing quote mark (an inverted cue: "», a-t-il dit")."""
    first = min([c.idx for c in verb.children if c.dep_.startswith("aux") and c.i < verb.i] + [verb.idx])
    return text[max(0, first - 6) : first].rstrip(" ,\u00a0\u202f")[-1:] in ("»", "”", '"')


def _bare_infinitive(verb: Token) -> bool:
    """True for an infinitive heading its own sentence ("Rappeler que …"): the writer speaks, not a source."""
    return "Inf" in verb.morph.get("VerbForm", []) and verb.dep_ == "ROOT"


def _content(verb: Token, passive: bool, frame: str = "any") -> tuple[int, int] | None:
    """Return the character span of what a reporting verb reports, or None (too short, or nothing reported).

    ``frame`` (reporting_verbs.tsv): "any", the object is a message too ("a annoncé la fermeture …");
    "clause", only a clause ("a rappelé que …", "a promis de …", not "a rappelé son ambassadeur"); "que",
    only a finite clause ("estime que …", not the intention of "prévoit de partir").
    """
    message_object = frame == "any"
    deps = _FRAME_DEPS[frame]
    child = next(
        (c for d in deps for c in verb.children if c.dep_ == d and _finite_if(frame, c) and not _relative(c)),
        None,
    )
    if frame == "locution":  # "a fait état de plusieurs morts": the "de" complement of the locution
        child = _locution_complement(verb)
        if child is None:
            return None
    if child is None and passive:
        # "est accusé de crimes …": the "de" complement; "Il a été annoncé par X que …": the "que" clause
        # (the impersonal "il" is no content); "La fermeture … a été annoncée par …": the passive subject
        child = next((c for c in verb.children if c.i > verb.i and _de_complement(c)), None)
        if child is None and frame != "que":
            subject = next((c for c in verb.children if c.dep_ == "nsubj:pass" and c.pos_ != "PRON"), None)
            found = _que_clause(verb)
            if found is not None or subject is None or not message_object:
                return found
            child = subject
    if child is None and not passive and verb.doc.lang_ == "fr":
        # "Israël accuse le mouvement de boycott d'être une menace …": with its object (the one blamed or
        # asked), the "de" complement is what the speaker imputes, as for the passive "est accusé de …"
        obj = (
            next((c for c in verb.children if c.dep_ == "obj" and c.i > verb.i), None)
            if _imputing(verb)
            else None
        )
        child = obj and next(
            (c for c in verb.children if c.i > obj.i and c.dep_ != "obj" and _de_complement(c)), None
        )
    if child is None:
        attributed = _attributed_object(verb) if verb.doc.lang_ == "fr" else None
        if attributed is None:
            return _que_clause(verb) or _fronted(verb)
        child, tokens = attributed
    else:
        tokens = list(child.subtree)
    if child.dep_ == "xcomp" and child.pos_ != "VERB":
        # "décrit l'évolution comme inquiétante", "qualifie la décision d'illégale": the object and what it is
        # said to be
        obj = next((c for c in verb.children if c.dep_ == "obj" and verb.i < c.i < child.i), None)
        if obj is not None:
            tokens = list(verb.doc[next(obj.subtree).i : tokens[-1].i + 1])
    if child.dep_ == "obj":
        # "a annoncé un retard de quatre ans dans la transition …": the object and what follows it
        tail = [
            c for c in verb.children if c.i > tokens[-1].i and c.dep_.startswith(("obl", "advmod", "nmod"))
        ]
        for c in tail:
            sub = list(c.subtree)
            if sub[0].i != tokens[-1].i + 1:
                break
            tokens.extend(sub)
    while tokens and (
        tokens[0].dep_ in ("mark", "case") or tokens[0].is_punct or tokens[0].lower_ in ("que", "qu'", "that")
    ):
        tokens = tokens[1:]
    if tokens and tokens[0].i > verb.i:
        # what is reported runs to the sentence's end ("…, pour des raisons de sécurité, dans la ville de …"),
        # up to a clause of the speaker's own ("…, et affirme que …") or an aside
        rest = list(verb.doc[tokens[-1].i + 1 : verb.sent.end])
        # a subordinate clause of the reporting verb itself ("est accusé de … après que la cour …") frames the
        # report, it is not reported
        framing = {
            next(c.subtree).i
            for c in verb.children
            if c.dep_ == "advcl" and any(m.dep_ == "mark" for m in c.children)
        }
        for k, t in enumerate(rest):
            if (
                t.dep_ == "conj"
                and t.head.i == verb.i
                or t.text in ("«", "“")
                or t.lower_ in ("selon", "d'après")
                or t.i in framing
            ):
                rest = rest[:k]
                break
        while rest and (rest[-1].pos_ == "CCONJ" or rest[-1].is_punct):
            rest = rest[:-1]
        tokens = tokens + rest
    tokens = _until_aside(_until_report(tokens))
    while tokens and tokens[-1].is_punct and tokens[-1].text not in _QUOTE_MARKS:
        tokens = tokens[:-1]
    if len([t for t in tokens if not t.is_punct]) < 4:
        return None  # "a annoncé mardi", "a dit cela": no statement
    opening = next((k for k, t in enumerate(tokens[:10]) if t.text in ("«", "“", '"')), None)
    if opening is not None and opening > 0 and tokens[opening - 1].text in (",", ":"):
        return None  # "poursuit le communiqué, « … »": the cue of a direct quote, which says it all
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1])


def _attributed_object(verb: Token) -> tuple[Token, list[Token]] | None:
    """Return the object of a verb and the "comme …" attribute the speaker gives it ("décrit la nomination comme
    une « épée à double tranchant »", "considérait les avocats comme « une dépense inutile »"), whichever word
    the parser hung the attribute on: a judgment reported, not a thing named; None without both."""
    if not _attributing(verb):
        return None
    obj = next((c for c in verb.children if c.dep_ == "obj" and c.i > verb.i and c.pos_ != "PRON"), None)
    if obj is None:
        return None
    own = list(obj.subtree)
    # "comme" after the object, inside its subtree or after the phrases that follow it, no comma between
    comme = None
    for t in verb.doc[obj.i + 1 : min(verb.sent.end, own[-1].i + 8)]:
        if t.is_punct and t.text not in _QUOTE_MARKS or t.pos_ in ("VERB", "AUX"):
            break
        if t.lower_ == "comme":
            comme = t
            break
    if comme is None or comme.head.i <= comme.i:
        return None
    attribute = comme.head
    if any(c.dep_ == "case" and comme.i < c.i < attribute.i for c in attribute.children):
        return None  # "de jour comme de nuit": "comme" joins two phrases, it attributes nothing
    if not (attribute.head.i == verb.i or obj.i < attribute.i <= own[-1].i):
        return None
    end = max(own[-1].i, max(t.i for t in attribute.subtree))
    return obj, list(verb.doc[own[0].i : end + 1])


def _until_report(tokens: list[Token]) -> list[Token]:
    """Cut a reported clause before a conjoined report of its own ("… des fonds de santé, et affirme qu'au moins
    …", which the parser may hang inside the first clause): the second report is a quote of its own."""
    for k, t in enumerate(tokens[1:], start=1):
        if t.dep_ != "conj" or t.pos_ != "VERB" or _reporting_frame(t) is None:
            continue
        if any(c.dep_ == "ccomp" for c in t.children) or (
            k + 1 < len(tokens) and tokens[k + 1].lower_ in ("que", "qu'", "qu’")
        ):
            cut = tokens[: max(0, next(t.subtree).i - tokens[0].i)]
            while cut and (cut[-1].pos_ == "CCONJ" or cut[-1].is_punct):
                cut = cut[:-1]
            return cut
    return tokens


def _until_aside(tokens: list[Token]) -> list[Token]:
    """Cut a reported clause at a comma opening an aside (", créé en 2014 …", ", qui …", ", alors que …") or
    where another source starts ("mais selon …")."""
    inside = {t.i for t in tokens}
    for k, t in enumerate(tokens[:-1]):
        nxt = tokens[k + 1]
        if t.text == "," and (nxt.dep_ in ("advcl", "acl", "acl:relcl") or nxt.lower_ in _ASIDES):
            if _relative_within(nxt, inside):
                continue  # "…que la mucormycose, dont le taux … est de 50 %, pourrait …": the report's own noun
            return tokens[:k]
        if k > 0 and t.lower_ in ("selon", "d'après", "according"):
            # "… de l'armée mais selon les chancelleries, …": another source starts
            cut = tokens[:k]
            while cut and (cut[-1].pos_ == "CCONJ" or cut[-1].is_punct):
                cut = cut[:-1]
            return cut
    return tokens


def _relative_within(first: Token, inside: set[int]) -> bool:
    """True when the aside opening at ``first`` is a French relative clause that belongs to the reported clause
    ``inside`` (token indices): one the clause resumes after ("…que la mucormycose, dont le taux … est de 50 %,
    pourrait …"), or one set apart from its antecedent ("…que plusieurs comités ont été mis en place, qui ont
    coûté …": "qui ont" cannot take up "place"), which only the speaker's sentence explains. A relative right
    after a noun it may take up, at the clause's end ("… avec les combattants, qui ont refusé …"), is an aside
    the reporter may add: not kept."""
    if first.doc.lang_ != "fr" or first.lower_ not in _RELATIVES:
        return False
    clause = first
    for _ in range(3):  # "dont le taux …": the relative pronoun hangs a step or two below the clause's head
        if clause.dep_ in ("acl:relcl", "advcl") or clause.pos_ == "VERB" or clause.head.i == clause.i:
            break
        clause = clause.head
    if clause.head.i not in inside:
        return False
    antecedent = clause.head
    # "qui" is the subject of its clause: its finite verb agrees in number with the antecedent
    finite = [t for t in [clause, *clause.children] if "Fin" in t.morph.get("VerbForm", [])]
    said = {n for t in finite for n in t.morph.get("Number", [])} if first.lower_ == "qui" else set()

    def agrees(noun: Token) -> bool:
        number = set(noun.morph.get("Number", []))
        return not said or not number or bool(said & number)

    if clause.dep_ == "acl:relcl" and antecedent.pos_ in ("NOUN", "PROPN", "PRON", "NUM"):
        if antecedent.head.i in inside and antecedent.head.i > first.i:
            return True  # the reported clause goes on after the relative
        before = first.doc[first.i - 2]  # the word before the comma
        adjacent = any(t.i == before.i for t in antecedent.subtree if t.i < first.i)
        return not (adjacent and agrees(antecedent))
    # the parser hung the relative on a verb: its antecedent is the noun before the comma, if it agrees
    before = first.doc[first.i - 2]
    if before.pos_ == "ADJ" and before.dep_ == "amod" and before.head.i < before.i:
        before = before.head  # "des engrais synthétiques, qui …": the noun the adjective qualifies
    if before.pos_ not in ("NOUN", "PROPN", "PRON", "NUM"):
        return True
    return bool(said) and not agrees(before)


def _que_clause(verb: Token) -> tuple[int, int] | None:
    """Return the "que …" clause a misparse hung elsewhere ("a déclaré à l'AFP qu'il pourrait …", "a déclaré à
    l'agence de presse Reuters qu'une …": the addressee may take a few words before it)."""
    sent_end = verb.sent.end
    reach = 12 if verb.doc.lang_ == "fr" else 7
    addressee = {
        t.i
        for c in verb.children
        if c.i > verb.i
        and c.dep_.startswith(("obl", "iobj"))
        and next(c.subtree).lower_ in ("à", "au", "aux")
        for t in c.subtree
    }
    for t in verb.doc[verb.i + 1 : min(sent_end, verb.i + reach)]:
        # past a few words, only the addressee ("à l'agence de presse Reuters") may come before it
        if t.i > verb.i + 6 and any(w.i not in addressee for w in verb.doc[verb.i + 1 : t.i]):
            return None
        if t.lower_ in ("que", "qu'", "that") and t.i + 1 < sent_end:
            rest = _until_aside(list(verb.doc[t.i + 1 : sent_end]))
            while rest and rest[-1].is_punct:
                rest = rest[:-1]
            if len(rest) >= 4:
                return rest[0].idx, rest[-1].idx + len(rest[-1])
            return None
        if t.is_punct:
            return None
    return None


def _inverted_subject(
    verb: Token, entities: Sequence[Entity], frame: str | None = None
) -> tuple[int, int] | None:
    """Return the span of the subject written after a cue that follows a comma ("…, écrit l'analyste Paul
    Melly", "…, rapporte l'AFP"), which the parser often reads as the object; None when there is none.

    ``frame``: the verb's reporting frame when it is a reporting verb (reporting_verbs()). A verb that reports
    a clause only ("clause", "que") takes no noun object, so a definite noun phrase after it in the incise is
    its subject ("…, a ajouté la fédération").
    """
    first = min([c.i for c in verb.children if c.dep_.startswith("aux") and c.i < verb.i] + [verb.i])
    if first == verb.sent.start or verb.doc[first - 1].text != ",":
        return None
    subject_before = any(
        c.dep_ in ("nsubj", "nsubj:pass", "expl:subj") and c.i < verb.i for c in verb.children
    )
    clitic = any(c.pos_ == "PRON" and c.text.startswith("-") and _pronoun(c.text) for c in verb.children)
    if subject_before and not clitic and not _after_clause(verb, first):
        # "Les casques bleus, soutenus par …, soutiennent …": the subject is before, no incise (but "La
        # coopération, a-t-il indiqué, …": an inverted pronoun is the verb's own subject)
        return None
    after = (
        [
            c
            for c in verb.children
            if c.i > verb.i
            and (
                c.dep_ in ("nsubj", "obj", "nsubj:pass")
                or c.dep_ == "xcomp"
                and c.pos_ == "PROPN"
                or c.pos_ == "PRON"
                and c.lower_.lstrip("-") in _PRONOUNS
            )
        ]
        or [
            c
            for c in verb.children
            if first < c.i < verb.i
            and c.pos_ == "PRON"
            and c.lower_.startswith("-")
            and c.lower_[1:] in _PRONOUNS
        ]
    )  # "…, explique Favour Nunoo", "…, ajoute-t-il": the subject after the cue, whatever the parser calls it;
    # "…, a-t-il indiqué, …": the pronoun between the auxiliary and the participle
    if not after and verb.doc.lang_ == "fr":
        # "…, a déclaré à la presse Soumya Swaminathan": the name read as an apposition to the addressee
        after = [
            a
            for c in verb.children
            if c.i > verb.i and c.dep_.startswith("obl")
            for a in c.children
            if a.dep_ == "appos" and a.pos_ == "PROPN" and a.i > c.i
        ]
    if not after:
        return None
    head = after[0]
    tokens = []
    for t in head.subtree:
        if t.text in (",", ";", "(") and t.i > head.i:
            break  # "Favour Nunoo, de la BBC, à Accra": the name, not what follows its comma
        tokens.append(t)
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    if not tokens:
        return None  # the parser hung a lone quote mark or dash on the cue ("…, a-t-il dit »"): no subject
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    named = indexed(entities).at(start, end) is not None
    described = fold(head.lemma_) in nominals() or fold(head.text) in nominals()
    proper = (
        head.pos_ == "PROPN" or head.text[:1].isupper()
    )  # "…, explique Favour Nunoo" (a name the NER missed)
    pronoun = head.pos_ == "PRON" and head.lower_.lstrip("-") in _PRONOUNS  # "…, conclut-elle"
    definite = (
        verb.doc.lang_ == "fr"
        and frame in ("clause", "que")
        and head.pos_ == "NOUN"
        and any(c.dep_ == "det" and "Def" in c.morph.get("Definite", []) for c in head.children)
        and _main_clause_before(verb, first)
    )
    if subject_before:  # an incise on the clause before only when a speaker is named after the verb
        return (start, end) if named or described or proper or pronoun else None
    return (
        (start, end) if named or described or proper or pronoun or definite or head.dep_ == "nsubj" else None
    )


def _comme_report(verb: Token) -> tuple[tuple[int, int], tuple[int, int] | None] | None:
    """Return (what is reported, who says it) for a French reporting verb in a "comme" clause that takes up the
    rest of the sentence with a neuter "le" ("Comme le souligne Mira Milosevich, Poutine a réussi …", "…, comme
    l'a dit le ministre."): the sentence's other clause is the report, the verb's subject (often written after
    it) its speaker; None for any other use of the verb."""
    if verb.doc.lang_ != "fr" or _directive(verb):
        return None  # "comme l'appelle l'UEFA", "comme l'exige la loi": a name, a rule, no statement taken up
    mark = next((c for c in verb.children if c.dep_ == "mark" and c.lower_ == "comme" and c.i < verb.i), None)
    if mark is None or not any(
        c.dep_ in ("obj", "det", "expl:comp") and c.lower_ in ("le", "l'", "l’") and mark.i < c.i < verb.i
        for c in verb.children
    ):
        return None  # "comme prévu", "comme il l'a fait": no "le" that stands for a statement
    sent = verb.sent
    comma = next((t for t in verb.doc[verb.i + 1 : sent.end] if t.text in (",", ";", ":")), None)
    words = [t for t in sent if not (t.is_punct or t.is_space)]
    if all(t.pos_ in ("CCONJ", "ADV") for t in words if t.i < mark.i):
        if comma is None:
            return None
        said = [t for t in verb.doc[comma.i + 1 : sent.end] if not t.is_space]
    elif mark.i > sent.start and verb.doc[mark.i - 1].text == "," and comma is None:
        said = [t for t in verb.doc[sent.start : mark.i - 1] if not t.is_space]
    else:
        return None
    while said and said[-1].is_punct and said[-1].text not in _QUOTE_MARKS:
        said = said[:-1]
    if len([t for t in said if not t.is_punct]) < 4:
        return None
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")), None) or next(
        (
            c
            for c in verb.children
            if c.dep_ in ("obj", "appos") and c.i > verb.i and c.pos_ in ("NOUN", "PROPN")
        ),
        None,
    )  # "Comme l'a déclaré le ministre": the inverted subject, read as the object
    speaker = None
    if subject is not None:
        tokens = list(
            takewhile(
                lambda t: (
                    t.text not in (",", ";", "(") and not (t.i > subject.i and t.lower_ in ("à", "au", "aux"))
                ),
                subject.subtree,
            )
        )  # "le ministre", not "le ministre à la presse"
        speaker = (tokens[0].idx, tokens[-1].idx + len(tokens[-1])) if tokens else None
    return (said[0].idx, said[-1].idx + len(said[-1])), speaker


def _main_clause_before(verb: Token, first: int) -> bool:
    """True when the words before the verb (its first word at ``first``) hold a main clause: a finite verb with no
    subordinating conjunction whose head is not among those words ("Aucune équipe ne sera reléguée …, a ajouté
    la fédération"; not "Si de nombreux internautes ont salué …, d'autres, …, ont critiqué la concession")."""
    doc = verb.doc
    for t in doc[verb.sent.start : first]:
        finite = any("Fin" in w.morph.get("VerbForm", []) for w in [t, *t.children] if w.i <= t.i)
        if (
            finite
            and t.pos_ in ("VERB", "AUX", "ADJ", "NOUN")
            and not any(c.dep_ == "mark" for c in t.children)
            and (t.head.i == t.i or t.head.i >= first)
        ):
            return True
    return False


def _after_clause(verb: Token, first: int) -> bool:
    """True when the verb (its first word at ``first``) is joined to a finite clause written before its comma
    ("Ce régime favorise …, deux éléments qui …, explique le professeur Calder."): an incise on that clause,
    whatever subject the parser gave it before the comma."""
    head = verb.head
    if verb.doc.lang_ != "fr" or verb.dep_ not in ("conj", "parataxis") or head.i >= first:
        return False
    if any(c.dep_ in ("cc", "mark") for c in verb.children):
        return False  # "…, car les pays … ont interdit …": a clause joined by a conjunction is no incise
    return any("Fin" in t.morph.get("VerbForm", []) for t in [head, *head.children] if t.i <= head.i)


def _fronted(verb: Token, *, force: bool = False) -> tuple[int, int] | None:
    """Return the clause before ", rapporte Radio Okapi" / ", ajoute-t-il": what the inverted cue reports."""
    first_i = min([c.i for c in verb.children if c.dep_.startswith("aux") and c.i < verb.i] + [verb.i])
    words = [t for t in verb.doc[verb.sent.start : first_i] if not t.is_space]
    rest = _continuation(verb, first_i)
    if len(words) < (2 if rest else 5) or words[-1].text != ",":
        return None
    if not force and not any(
        c.dep_ in ("nsubj", "expl:subj") and c.i > verb.i or c.text.startswith("-") for c in verb.children
    ):
        return None
    first, last = words[0], rest[-1] if rest else words[-2]
    return first.idx, last.idx + len(last)


def _continuation(verb: Token, first: int) -> list[Token]:
    """Return the words after an incise in the middle of a French sentence whose words before it hold no main
    clause ("Son moment fort, dit-il, a été de jouer …", "La coopération, a-t-il indiqué, va se renforcer"):
    the sentence goes on with what was said; [] for an incise at the end, or after a clause of its own."""
    doc = verb.doc
    if doc.lang_ != "fr" or _main_clause_before(verb, first):
        return []
    end = verb.sent.end
    comma = next((t for t in doc[verb.i + 1 : min(end, verb.i + 8)] if t.text == ","), None)
    if comma is None or any(
        "Fin" in t.morph.get("VerbForm", []) and t.pos_ in ("VERB", "AUX") for t in doc[verb.i + 1 : comma.i]
    ):
        return []
    rest = [t for t in doc[comma.i + 1 : end] if not t.is_space]
    while rest and rest[-1].is_punct and rest[-1].text not in _QUOTE_MARKS:
        rest.pop()
    if len([t for t in rest if not t.is_punct]) < 3 or not any(
        "Fin" in t.morph.get("VerbForm", []) for t in rest
    ):
        return []
    return rest


def _speaker_span(verb: Token, passive: bool) -> tuple[int, int] | None:
    """Return the span naming who speaks: the subject, the agent of a passive, a relative's antecedent."""
    # "Il estime que …" is read as expl:subj; "il a lui-même averti que …" as a passive's subject although
    # its auxiliary is "avoir", which makes no passive ("Il est interdit de …" is one: no speaker)
    active = any(c.dep_.startswith("aux") and c.lemma_ == "avoir" for c in verb.children)
    deps: tuple[str, ...] = ("nsubj", "expl:subj", "nsubj:pass") if active else ("nsubj", "expl:subj")
    if passive:
        deps = ("obl:agent",)
    subject = next((c for d in deps for c in verb.children if c.dep_ == d), None)
    participle = verb.dep_ == "advcl" and bool({"Part", "Ger"} & set(verb.morph.get("VerbForm", [])))
    if subject is None and (verb.dep_ in ("xcomp", "conj") or participle) and verb.head is not verb:
        # "X a décidé d'annoncer …", "X a dit … et a ajouté …", "X a évoqué …, ajoutant que …"
        head = verb.head
        if verb.dep_ == "conj" and head.dep_ == "ccomp" and _reporting_frame(head.head) is not None:
            head = head.head  # "X affirme que P, et affirme que Q" with the second verb hung on P: X's
        return _speaker_span(head, False)
    if (
        subject is None
        and verb.dep_ == "acl"
        and verb.head.pos_ in ("PROPN", "NOUN")
        and verb.doc.lang_ == "fr"
    ):
        # a predicate the parser hung on its subject (see _attributive), or inside a relative clause after it
        subject = _relative_antecedent(verb) or verb.head
    if subject is None:
        return _unattached_subject(verb)
    if subject.lower_ in ("qui", "who", "that") and verb.dep_ == "acl:relcl":
        subject = verb.head  # "l'armée congolaise qui accuse …"
    tokens = [
        t
        for t in subject.subtree
        if t.i <= subject.i or t.dep_ in ("amod", "flat:name", "nmod", "case", "det", "appos")
    ]
    tokens = [t for t in tokens if t.dep_ != "acl:relcl" and not (t.i > subject.i and t.is_punct)]
    tokens = [t for t in tokens if t.lower_ != "par" or t.i > subject.i]
    span = sorted(tokens, key=lambda t: t.i)
    # keep the contiguous run around the head
    run = [subject]
    for t in reversed([t for t in span if t.i < subject.i]):
        if t.i == run[0].i - 1:
            run.insert(0, t)
    for t in [t for t in span if t.i > subject.i]:
        if t.i == run[-1].i + 1:
            run.append(t)
    doc = subject.doc
    while (
        run[0].i >= 1 and not doc[run[0].i - 1].whitespace_ and "-" in (run[0].text, doc[run[0].i - 1].text)
    ):
        run.insert(0, doc[run[0].i - 1])  # "Abdoul-Aziz Mohammed": one name, split by the parser
    return run[0].idx, run[-1].idx + len(run[-1])


def _relative_antecedent(verb: Token) -> Token | None:
    """Return the antecedent of the relative clause written between the subject and a finite verb the parser
    hung inside that clause ("Sébastien Bassong, qui a remporté 18 sélections avec le Cameroun, dit qu'…": the
    verb read as qualifying "sélections"); None when the verb follows no such clause."""
    if "Fin" not in verb.morph.get("VerbForm", []) or verb.i == 0 or verb.doc[verb.i - 1].text != ",":
        return None
    node = verb.head
    while node.dep_ != "acl:relcl" and node.head.i != node.i and node.i < verb.i:
        node = node.head
    if node.dep_ != "acl:relcl" or node.head.i >= verb.i:
        return None
    return node.head


def _unattached_subject(verb: Token) -> tuple[int, int] | None:
    """Return the noun phrase written right before a finite French verb the parser gave no subject, which it
    hung elsewhere: after an apposition between commas ("Glory Oguegbu, fondatrice de l'institut, affirme que
    …": the phrase before the first comma) or after "et" ("… et les Nations unies (ONU) affirment que …"). The
    phrase runs back to a sentence or clause boundary (punctuation, a conjunction, a verb) and opens with a
    determiner or a noun; None otherwise."""
    doc = verb.doc
    auxiliaries = [c for c in verb.children if c.dep_.startswith("aux") and c.i < verb.i]
    # a participle heading a sentence with no auxiliary ("Krebs avertit que …" read as such) is a finite verb
    # the tagger missed
    bare = verb.dep_ == "ROOT" and not auxiliaries and "Part" in verb.morph.get("VerbForm", [])
    finite = any("Fin" in t.morph.get("VerbForm", []) for t in [verb, *auxiliaries])
    if doc.lang_ != "fr" or not (finite or bare):
        return None
    first = min([c.i for c in auxiliaries] + [verb.i])
    if any(c.dep_ in ("nsubj", "nsubj:pass", "expl:subj") for c in verb.children):
        return None
    k = first - 1
    if k >= 0 and doc[k].text == ")":  # "les Nations unies (ONU) affirment": the name in parentheses
        while k >= 0 and doc[k].text != "(":
            k -= 1
        k -= 1
    end = k
    while k >= 0 and first - k <= 25:
        t = doc[k]
        if (
            t.text in _CLAUSE_ENDS
            or "\n" in t.text
            or t.pos_ in ("CCONJ", "SCONJ", "PRON")
            or t.pos_ in ("VERB", "AUX")
            and "Part" not in t.morph.get("VerbForm", [])  # "fondatrice" may be read as a participle
        ):
            break
        k -= 1
    else:
        if k >= 0:
            return None  # too long a run: no noun phrase of its own
    run = [t for t in doc[k + 1 : end + 1] if not t.is_space]
    commas = [t.i for t in run if t.text == ","]
    if commas and (len(commas) != 2 or commas[-1] != run[-1].i):
        return None  # "NP, apposition," only
    phrase = [t for t in run if t.i < commas[0]] if commas else run
    if not phrase or phrase[0].pos_ not in ("DET", "PROPN", "NOUN", "X"):
        return None
    if not any(t.pos_ in ("NOUN", "PROPN") for t in phrase) or phrase[-1].is_punct:
        return None
    return phrase[0].idx, phrase[-1].idx + len(phrase[-1])


def _speaker_of(
    span: tuple[int, int],
    phrase: str | None,
    text: str,
    entities: Sequence[Entity],
    sources: Sequence[Source],
    doc: Doc | None = None,
    *,
    describe: bool = True,
) -> Speaker | None:
    """Resolve a speaker span: the entity it names, the person a pronoun stands for, what _resolve finds, or
    (``describe``) a definite description (_definite; ``doc``, the parse, tells the adjectives of an
    apposition)."""
    start, end = span
    if _anaphoric(phrase):
        return None  # resolved once every quote is known (find_quotes: the last person quoted)
    named = _parenthesised(text, end, entities) or _apposed_person(text, end, entities)
    entity = indexed(entities).at(start, end)
    if named is not None and not (
        entity is not None and name_key(_strip_det(phrase or "")) in entity_name_keys(entity)
    ):
        return Speaker(named.name, named.entity_id)  # "L'agence des Nations unies pour les réfugiés (UNHCR)"
    if entity is not None and phrase and _qualifies(entity, phrase, start, indexed(entities)):
        # "Un élu de Tillabéry", "une radio soutenue par l'ONU": the place or body qualifies the speaker
        head = fold(_strip_det(phrase).split()[0])
        if head not in _speakers()["documents"] and head not in _speakers()["institutions"]:
            return _described(phrase)
        entity = None  # "le communiqué du ministère …": _resolve reads the issuer
    if entity is not None and entity.type not in ("PER", "ORG", "LOC") and phrase:
        # "Megan dit …" after "Megan Morgan": the NER may type a first name alone as MISC; the person it names
        entity = _surname_of(phrase, entities) or entity
    if entity is not None:
        return Speaker(entity.name, entity.entity_id)
    if not phrase:
        return None
    found = _resolve(phrase, text, entities, sources, anchor=start)
    if found is None and re.fullmatch(r"(?:[A-ZÀ-Ý][\w'’.-]*\s*){2,4}", phrase.strip()):
        return Speaker(phrase.strip(), None)  # "Abdoul-Aziz Mohammed": a name the NER missed, no id
    # "la fédération a annoncé que …": the subject of a report names its speaker even without a name
    return found or (_definite(phrase, text, start, entities, doc) if describe else None)


def _parenthesised(text: str, end: int, entities: Sequence[Entity]) -> Entity | None:
    """Return the person or organisation named in parentheses right after a speaker phrase ending at ``end``
    ("L'agence des Nations unies pour les réfugiés (UNHCR) a indiqué …"): the name of what the phrase describes,
    which the parser leaves out of the subject; None without one."""
    m = _PARENTHESIS.match(text, end)
    if m is None:
        return None
    entity = indexed(entities).at(m.start("name"), m.end("name"))
    return entity if entity is not None and entity.type in ("PER", "ORG") else None


def _apposed_person(text: str, end: int, entities: Sequence[Entity]) -> Entity | None:
    """Return the person whose name stands alone between commas right after a speaker phrase ending at ``end``
    ("L'attaquant ivoirien de l'Ajax, Sebastien Haller, estime …"): the description names that person; None
    otherwise (a name that is no person's may be the next of a list: "L'ONU, l'UA, …")."""
    m = _APPOSITION.match(text, end)
    if m is None:
        return None
    entity = indexed(entities).at(m.start("name"), m.end("name"))
    if entity is None or entity.type != "PER":
        return None
    covered = any(
        indexed(entities)[i] is entity and mention.start <= m.start("name") and m.end("name") <= mention.end
        for i, mention in indexed(entities).mentions.overlapping(m.start("name"), m.end("name"))
    )
    return entity if covered else None


def _antecedent(before: int, entities: Sequence[Entity]) -> Speaker | None:
    """Return the person last named before ``before`` (what "il" or "elle" stands for), else None."""
    person = indexed(entities).last_person_before(before)
    return Speaker(person.name, person.entity_id) if person else None


def _selon_quotes(doc: Doc, text: str, entities: Sequence[Entity], sources: Sequence[Source]) -> list[Quote]:
    """Return "Selon X, …" and "…, selon X." sentences: the rest of the sentence is what X says."""
    out: list[Quote] = []
    known = {s.position: s.speaker for s in sources}  # "selon X" already resolved by _document_sources
    for sent in doc.sents:
        check_budget("selon")
        sentence = text[sent.start_char : sent.end_char]
        for m in _SELON.finditer(sentence):
            who_start = sent.start_char + m.start("who")
            who = m.group("who").strip()
            if m.start() <= 2:  # "Selon X, content."
                comma = sentence.find(",", m.end("who") - 1)
                if comma < 0:
                    continue
                named = _APPOSED_NAME.match(sentence, comma + 1)
                if (
                    named
                ):  # "Selon le porte-parole du gouvernement, Abdoulaye Maïga, …": the name is the source
                    who = named.group("name")
                    who_start = sent.start_char + named.start("name")
                    comma = named.end() - 1
                start, end = sent.start_char + comma + 1, sent.end_char
            elif _adjunct_before(sent, sent.start_char + m.start()) and sentence.startswith(
                ",", m.end("who")
            ):
                # "À ce jour, selon l'OMS, plus de 57 000 personnes …": no clause before, the sentence's follows
                start, end = sent.start_char + m.end("who") + 1, sent.end_char
            else:  # "content, selon X."
                start, end = _sentence_start(sent), sent.start_char + m.start()
            start, end = _in_paragraph(text, start, end, sent.start_char + m.start())
            while end > start and text[end - 1] in ",.;: ":
                end -= 1
            if len(text[start:end].split()) < 4:
                continue
            speaker = known.get(who_start) or _resolve(who, text, entities, sources, anchor=who_start)
            kind = "mixed" if any(ch in text[start:end] for ch in _QUOTE_MARKS) else "indirect"
            cue = sentence[m.start() : m.start("who")].strip()  # "selon", "à en croire", "de l'avis de"
            out.append(Quote(text[start:end], start, end, kind, cue, speaker, who))
        view = _view_of(sent, text, entities, sources)
        if view is not None:
            out.append(view)
    return out


def _sentence_start(sent: Span) -> int:
    """Return where the sentence holding ``sent`` starts in the text: the parser may cut a sentence at a dash or
    a lowercase word ("Les « structures ad hoc » … - notamment un comité … - ont augmenté les budgets …"), and
    such a piece goes on from the one before it unless that one ended with a full stop."""
    doc, start = sent.doc, sent.start
    while start > 0:
        first = doc[start]
        previous = doc[start - 1]
        if previous.text in (".", "!", "?") or not (
            first.text[:1].islower() or first.text in ("-", "–", "—")
        ):
            break
        if "\n" in previous.text or "\n" in previous.whitespace_:
            break
        start = previous.sent.start
    return doc[start].idx


def _adjunct_before(sent: Span, pos: int) -> bool:
    """True when the words of ``sent`` before ``pos`` hold no finite verb ("À ce jour, selon …"): an adjunct,
    not the clause a later "selon X" attributes."""
    return not any("Fin" in t.morph.get("VerbForm", []) for t in sent if t.idx < pos)


def _view_of(sent: Span, text: str, entities: Sequence[Entity], sources: Sequence[Source]) -> Quote | None:
    """Return "Pour le ministre, la situation est sous contrôle." as what the minister holds: a sentence
    opening with "pour" + a person or organisation, a comma, then a finite clause; None otherwise ("Pour la
    première fois, …" names nobody)."""
    m = _POUR.match(text, sent.start_char, sent.end_char)
    if m is None:
        return None
    who, who_start = m.group("who").strip(), m.start("who")
    entity = indexed(entities).at(who_start, who_start + len(who))
    if not (
        entity is not None
        and entity.type in ("PER", "ORG")
        or _person_head(who)
        or who.casefold() in _STRESSED
    ):
        return None
    clause = [t for t in sent if t.idx >= m.end()]
    if not any("Fin" in t.morph.get("VerbForm", []) for t in clause):
        return None  # "Pour le ministre, une victoire." is no statement
    start, end = _in_paragraph(text, m.end(), sent.end_char, m.end())
    while end > start and text[end - 1] in ",.;: ":
        end -= 1
    if len(text[start:end].split()) < 4:
        return None
    speaker = _speaker_of((who_start, who_start + len(who)), who, text, entities, sources, sent.doc)
    kind = "mixed" if any(ch in text[start:end] for ch in _QUOTE_MARKS) else "indirect"
    return Quote(text[start:end], start, end, kind, text[m.start() : m.start() + 4], speaker, who)


def _without_overlaps(quotes: list[Quote]) -> list[Quote]:
    """Keep, among quotes overlapping by half, the one found first (verbs before "selon"), in text order."""
    kept = _Spans()
    for quote in quotes:
        if all(_overlap(quote, k) < 0.5 for k in kept.overlapping(quote)):
            kept.add(quote)
    return list(kept)


class _Spans:
    """Quotes kept in start order, with the ones overlapping a span found by bisection (quotes are short)."""

    def __init__(self, quotes: Sequence[Quote] = ()) -> None:
        self._rows: list[tuple[int, int, Quote]] = sorted(
            ((q.start, q.end, q) for q in quotes), key=lambda r: r[:2]
        )
        self._longest = max((q.end - q.start for q in quotes), default=0)

    def add(self, quote: Quote) -> None:
        insort(self._rows, (quote.start, quote.end, quote), key=lambda r: r[:2])
        self._longest = max(self._longest, quote.end - quote.start)

    def overlapping(self, quote: Quote) -> list[Quote]:
        lo = bisect_left(self._rows, quote.start - self._longest, key=lambda r: r[0])
        hi = bisect_left(self._rows, quote.end, key=lambda r: r[0])
        return [q for start, end, q in self._rows[lo:hi] if end > quote.start]

    def __iter__(self) -> Iterator[Quote]:
        return (q for _, _, q in self._rows)
