"""The one data model of veille: every stage reads and writes these objects, and so does the store.

All classes are frozen, slotted dataclasses (cheap to build by the million, picklable into Spark
workers). Annotations are spans: character offsets into the immutable ``Article.text``.
A field name is also the database column and the ``--json`` key (see docs/data-model.md).
"""

from __future__ import annotations

import calendar
import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})(?:-WE)?$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def content_id(raw: bytes) -> str:
    """Return the stable content id of raw bytes: the SHA-256 hex digest."""
    return hashlib.sha256(raw).hexdigest()


def article_id(doc_id: str) -> str:
    """Return the short article id derived from a document's content id (its first 16 hex digits)."""
    return doc_id[:16]


def utcnow() -> datetime:
    """Return the current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Document:
    """One input unit exactly as received: its raw bytes and where they came from.

    ``media_type`` says how to read ``raw``: ``text/html``, ``text/plain``, ``application/json``
    (one news-please-style record), or the container's own type when the container itself could
    not be split (then a Failure says why). ``hints`` carries what the container told about the
    item (title, published, outlet, author, feed, text, encoding...), never guessed values.
    """

    id: str
    raw: bytes
    media_type: str
    source: str
    container: str
    received: datetime
    record_id: str | None = None
    url: str | None = None
    hints: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_bytes(
        cls,
        raw: bytes,
        *,
        media_type: str,
        source: str,
        container: str,
        record_id: str | None = None,
        url: str | None = None,
        hints: Mapping[str, str] | None = None,
        received: datetime | None = None,
    ) -> Document:
        """Build a Document whose id is the content id of ``raw``."""
        return cls(
            id=content_id(raw),
            raw=raw,
            media_type=media_type,
            source=source,
            container=container,
            received=received or utcnow(),
            record_id=record_id,
            url=url,
            hints=dict(hints or {}),
        )


@dataclass(frozen=True, slots=True)
class Article:
    """The article extracted from one Document: main text and metadata, each field with its origin.

    ``*_source`` values: ``metadata`` (HTML meta, JSON-LD, feed or record field), ``url``, ``text``
    (found in the visible text, such as a signature), ``inferred`` (derived, e.g. from the lead's
    dates), or None when the field is empty. ``published_evidence`` says what gave the date (e.g. "JSON-LD
    datePublished 2023-02-06T10:00:00Z", "lead: les 06 et 07 février 2023"); ``language`` is the ISO code
    of the text's language (py3langid), None when too short to tell.
    """

    id: str
    content_id: str
    text: str
    url: str | None = None
    title: str | None = None
    title_source: str | None = None
    outlet: str | None = None
    outlet_source: str | None = None
    author: str | None = None
    author_source: str | None = None
    published: date | None = None
    published_source: str | None = None
    extractor: str = ""
    published_evidence: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of ``Article.text`` that names or describes an entity.

    ``kind`` is "name" ("Sergueï Lavrov", "Lavrov") or "description" ("le chef de la diplomatie russe");
    ``reason`` says why the mention belongs to its entity ("surname of Sergueï Lavrov", "holds the role …").
    """

    text: str
    start: int
    end: int
    kind: str = "name"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Office:
    """A role an article attests for a person: "ministre des affaires étrangères" of country "RU".

    ``function`` is normalised (lowercase, synonyms folded: chef de la diplomatie → ministre des affaires
    étrangères); ``country`` an ISO 3166 alpha-2 code, ``org`` an organisation name; ``text`` spans
    start..end of ``Article.text``; ``since`` is the first date the registry saw it attested (None within
    one article's analysis).
    """

    function: str
    text: str
    start: int
    end: int
    country: str | None = None
    org: str | None = None
    since: date | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a place entity is: kind (country, city, region), ISO country code, coordinates, data source."""

    kind: str
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """One referent within an article (PER, ORG, LOC, MISC) with all its mentions there.

    ``entity_id`` is the id in the cross-article registry (same id for Goïta and Goita); ``roles`` are the
    surface titles seen with the name, ``offices`` the roles read from them, ``place`` where a place is.
    """

    entity_id: str
    name: str
    type: str
    mentions: tuple[Mention, ...]
    roles: tuple[str, ...] = ()
    offices: tuple[Office, ...] = ()
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who a quote is attributed to; ``entity_id`` is None when no entity could be resolved."""

    name: str
    entity_id: str | None = None


@dataclass(frozen=True, slots=True)
class Qualifier:
    """A noun the writer or speaker qualifies with coordinated judging adjectives ("des décisions politiques
    fortes et courageuses", "a rare and provocative move"): ``text`` spans start..end of ``Article.text``;
    ``head`` is the noun."""

    text: str
    start: int
    end: int
    head: str


@dataclass(frozen=True, slots=True)
class Quantity:
    """One figure as written (``understand.quantities``): ``text`` spans start..end of the text read (the
    article's, in an Analysis), with the interval its words allow (``low``..``high``; ``high`` is infinite
    for "at least", null in JSON), the figure itself (``value``), its unit ("year", "EUR", "km"), what it
    counts (the noun, "morts", "killed") and its hedge (``approx``: "exact", "about" for "environ", "près
    de", "une dizaine", "at_least", "at_most", "more_than", "less_than", "range" for "10 à 12",
    "magnitude" for "des dizaines"). ``event``: the start of the trigger of the analysis's event
    told in the same sentence, when there is one (its ``Event.start``)."""

    text: str
    start: int
    end: int
    low: float
    value: float
    unit: str | None
    counted: str | None
    approx: str
    high: float = math.inf
    event: int | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote: ``text`` spans start..end of ``Article.text``; kind is direct, indirect, mixed or partial.

    ``speaker`` is None when unresolved; ``speaker_text`` keeps the surface words that name the speaker.
    """

    text: str
    start: int
    end: int
    kind: str
    cue: str | None = None
    speaker: Speaker | None = None
    speaker_text: str | None = None


@dataclass(frozen=True, slots=True)
class TimeExpression:
    """A time expression and its TIMEX3-style value (2023-02-06, 2023-01, P2D, PRESENT_REF).

    ``anchor`` is the date the value was resolved against (ISO), or None for absolute values.
    """

    text: str
    start: int
    end: int
    value: str | None
    type: str = "DATE"
    anchor: str | None = None


@dataclass(frozen=True, slots=True)
class EventArgument:
    """One argument of an event: its role (agent, patient, place, object...) and span."""

    role: str
    text: str
    start: int
    end: int
    entity_id: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A typed event (visit, meet, sign, deliver, expel, attack, ...) with its trigger span and arguments."""

    type: str
    trigger: str
    start: int
    end: int
    arguments: tuple[EventArgument, ...] = ()
    time: str | None = None
    modality: str = "asserted"


@lru_cache(maxsize=4096)
def time_interval(value: str | None) -> tuple[date, date] | None:
    """Return the first and last day a TIMEX3 value covers (a day, week, month, quarter, year, START/END).

    None for a value that is not a calendar date (P2D, PRESENT_REF, XXXX-02, None) or is malformed.
    """
    if not value:
        return None
    if "/" in value:
        first, _, last = value.partition("/")
        a, b = time_interval(first), time_interval(last)
        if a is None or b is None or b[1] < a[0]:
            return None
        return a[0], b[1]
    try:
        if m := _DAY.match(value):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return day, day
        if m := _MONTH.match(value):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if m := _YEAR.match(value):
            return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
        if m := _WEEK.match(value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            if value.endswith("-WE"):  # the week-end of that week
                return monday + timedelta(days=5), monday + timedelta(days=6)
            return monday, monday + timedelta(days=6)
        if m := _QUARTER.match(value):
            year, first_month = int(m[1]), 3 * int(m[2]) - 2
            last_month = first_month + 2
            return date(year, first_month, 1), date(
                year, last_month, calendar.monthrange(year, last_month)[1]
            )
    except ValueError:  # 2023-02-30, week 54: not a date
        return None
    return None


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the understand stage read in one article."""

    article_id: str
    language: str | None
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    times: tuple[TimeExpression, ...] = ()
    events: tuple[Event, ...] = ()
    analyzer: str = ""
    qualifiers: tuple[Qualifier, ...] = ()
    quantities: tuple[Quantity, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistryEntity:
    """An entity of the cross-article registry: canonical name, type, aliases with counts.

    ``reasons`` says, per alias, why it joined the entity; ``offices`` are the roles seen, each with the
    first date it was attested; ``place`` is set for places.
    """

    entity_id: str
    name: str
    type: str
    aliases: Mapping[str, int] = field(default_factory=dict)
    first_seen: date | None = None
    last_seen: date | None = None
    article_count: int = 0
    reasons: Mapping[str, str] = field(default_factory=dict)
    offices: tuple[Office, ...] = ()
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class EntityEdit:
    """A user's correction of the registry, replayed in order on every mention, now and after re-runs.

    ``merge``: mentions of ``entity_id`` become ``target_id``. ``split``: the mentions of ``entity_id`` whose
    text is ``alias`` (when given) in article ``article_id`` (when given) become ``target_id`` (a new
    entity named ``target_name``).
    """

    kind: str
    entity_id: str
    target_id: str
    alias: str | None = None
    article_id: str | None = None
    target_name: str | None = None
    note: str | None = None
    created: datetime | None = None

    def applies(self, entity_id: str, text: str | None, article_id: str) -> bool:
        """Return True when this edit moves a mention of ``entity_id`` (surface ``text``, in ``article_id``)."""
        if entity_id != self.entity_id:
            return False
        if self.kind == "merge":
            return True
        return (self.alias is None or self.alias == text) and (
            self.article_id is None or self.article_id == article_id
        )


def resolve_entity_id(edits: Sequence[EntityEdit], entity_id: str, text: str | None, article_id: str) -> str:
    """Return the entity a mention belongs to once the user's edits are replayed in order."""
    current = entity_id
    for edit in edits:
        if edit.applies(current, text, article_id):
            current = edit.target_id
    return current


def apply_entity_edits(analysis: Analysis, edits: Sequence[EntityEdit], names: Mapping[str, str]) -> Analysis:
    """Return an analysis with the user's edits replayed on its entities, quote speakers and event arguments.

    A split entity becomes two (its moved mentions named ``names[target]``); entities merged into one
    referent of the same article become one, first seen first.
    """
    article = analysis.article_id
    grouped: dict[str, list[Mention]] = {}
    meta: dict[str, Entity] = {}
    for ent in analysis.entities:
        targets: list[tuple[str, Mention | None]] = [
            (resolve_entity_id(edits, ent.entity_id, m.text, article), m) for m in ent.mentions
        ]
        if not targets:
            targets = [(resolve_entity_id(edits, ent.entity_id, None, article), None)]
        for target, mention in targets:
            grouped.setdefault(target, [])
            if mention is not None:
                grouped[target].append(mention)
            if target not in meta:
                meta[target] = ent
    entities = tuple(
        replace(
            meta[target],
            entity_id=target,
            name=names.get(target, meta[target].name),
            mentions=tuple(sorted(mentions, key=lambda m: m.start)),
        )
        for target, mentions in grouped.items()
    )

    def speaker(quote: Quote) -> Speaker | None:
        if quote.speaker is None or quote.speaker.entity_id is None:
            return quote.speaker
        target = resolve_entity_id(edits, quote.speaker.entity_id, quote.speaker_text, article)
        return Speaker(name=names.get(target, quote.speaker.name), entity_id=target)

    def argument(arg: EventArgument) -> EventArgument:
        if arg.entity_id is None:
            return arg
        return replace(arg, entity_id=resolve_entity_id(edits, arg.entity_id, arg.text, article))

    return replace(
        analysis,
        entities=entities,
        quotes=tuple(replace(q, speaker=speaker(q)) for q in analysis.quotes),
        events=tuple(replace(e, arguments=tuple(argument(a) for a in e.arguments)) for e in analysis.events),
    )


@dataclass(frozen=True, slots=True)
class DuplicateLink:
    """Two articles that share their text: kind is exact, near or syndicated."""

    article_id: str
    other_id: str
    kind: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Story:
    """A group of articles from one or more outlets telling the same event."""

    id: str
    label: str
    articles: tuple[str, ...]
    outlets: tuple[str, ...] = ()
    first_seen: date | None = None
    last_seen: date | None = None
    grouper: str = ""
    # articles with copies (duplicate links) counted once (pipeline.count_sources); None: not counted
    sources: int | None = None
    # the outlets of its articles published on its earliest date (who reported it first), as read from the store
    first_reported: tuple[str, ...] = ()


# Cross-article links: what the link step (veille.understand.crosslink) reads and writes through the store ----


@dataclass(frozen=True, slots=True)
class ArticleName:
    """One entity of one stored analysis as the link step reads it: the analyser's id, name and type.

    ``texts`` are the texts of its name mentions; ``has_mentions`` is False for an entity stored without
    any mention (a described-only entity has mentions but no name text). ``descriptions`` are the texts of its
    description mentions, ``offices`` the offices the article attests for it (cross-article role links).
    """

    article_id: str
    entity_id: str
    name: str
    type: str
    texts: tuple[str, ...] = ()
    has_mentions: bool = True
    descriptions: tuple[str, ...] = ()
    offices: tuple[OfficeKey, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityKey:
    """One index key of a name (a word, a consonant skeleton) in one article (``article_id`` '' : any article)."""

    key: str
    entity_id: str
    article_id: str = ""
    type: str = ""


@dataclass(frozen=True, slots=True)
class OfficeKey:
    """An office as evidence: normalised function and ISO country (None when unknown)."""

    function: str
    country: str | None = None

    def label(self) -> str:
        """Return "ministre des affaires étrangères (RU)"."""
        return f"{self.function} ({self.country})" if self.country else self.function


@dataclass(frozen=True, slots=True)
class NameNode:
    """One analyser entity id as the registry knows it: its name, how often seen, its evidence.

    ``aliases`` are its name mentions' texts, ``context`` the entity ids seen in its articles, ``country``
    the country of a place (two places of different countries never join).
    """

    entity_id: str
    name: str
    type: str
    articles: int = 1
    aliases: frozenset[str] = frozenset()
    offices: frozenset[OfficeKey] = frozenset()
    context: frozenset[str] = frozenset()
    country: str | None = None


@dataclass(frozen=True, slots=True)
class SurnameUse:
    """A one-word person name in one article, with that article's evidence (its offices, other entities)."""

    article_id: str
    entity_id: str
    name: str
    offices: frozenset[OfficeKey] = frozenset()
    neighbours: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Link:
    """A decision: the name joins ``target_id`` because of ``reason``."""

    target_id: str
    reason: str


# What the store returns to readers (listings, the compare stage) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One full-text search result: the article, a snippet with the match, and its rank."""

    article_id: str
    title: str | None
    outlet: str | None
    snippet: str
    rank: float


@dataclass(frozen=True, slots=True)
class QuoteSource:
    """One article that carries a quote: its id, outlet, publication date and where the quote is in it."""

    article_id: str
    outlet: str | None
    published: date | None
    quote_id: str


@dataclass(frozen=True, slots=True)
class QuoteRecord:
    """A stored quote with its article's outlet and date, its speaker as the registry has it, and its group.

    ``quote_id`` is ``ARTICLE_ID:START``; ``speaker_entity_id`` is the registry id (after links and hand
    edits), None when unresolved; ``group_id`` is the ``quote_id`` of the earliest carrier of the same quote
    and ``sources`` every article that carries it (this one included), earliest first; ``grouper`` the
    version of the quote grouping that filled them (veille.understand.quote_groups; '' when not grouped:
    the store alone gives each quote as its own group, without sources).
    """

    quote_id: str
    article_id: str
    outlet: str | None
    title: str | None
    published: date | None
    text: str
    start: int
    end: int
    kind: str
    cue: str | None
    speaker_name: str | None
    speaker_entity_id: str | None
    speaker_text: str | None
    group_id: str
    sources: tuple[QuoteSource, ...] = ()
    grouper: str = ""


@dataclass(frozen=True, slots=True)
class StoryEntity:
    """An entity of a story: its registry id, name and type, in how many of the story's articles, how often."""

    entity_id: str
    name: str
    type: str
    articles: int
    mentions: int


@dataclass(frozen=True, slots=True)
class DuplicateRecord:
    """Two articles that share their text (``kind``: exact, near, syndicated) with each one's outlet, title, date."""

    article_id: str
    other_id: str
    kind: str
    similarity: float
    outlet: str | None = None
    title: str | None = None
    published: date | None = None
    other_outlet: str | None = None
    other_title: str | None = None
    other_published: date | None = None


@dataclass(frozen=True, slots=True)
class EventArgumentRecord:
    """One argument of a stored event: role, words and offsets, and the registry entity it names (or None)."""

    role: str
    text: str
    start: int
    end: int
    entity_id: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event with its article's outlet, title and date, and its arguments as the registry has them.

    ``event_id`` is ``ARTICLE_ID:START`` (the trigger's start); ``time`` the TIMEX3 value (a range is
    ``START/END``); ``first_day``/``last_day`` the days the event is dated to and ``dated_by`` what dated it:
    "time" (its own resolved time) or "article" (the article's date, when the event has no date of its own),
    None when neither is known. ``--since``/``--until`` filter on these days.
    """

    event_id: str
    article_id: str
    outlet: str | None
    title: str | None
    published: date | None
    type: str
    trigger: str
    start: int
    end: int
    time: str | None
    modality: str
    arguments: tuple[EventArgumentRecord, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    dated_by: str | None = None


@dataclass(frozen=True, slots=True)
class EventSource:
    """One source of a merged event: its article (copies it is known to duplicate in ``copies``) and its events."""

    article_id: str
    outlet: str | None
    published: date | None
    event_ids: tuple[str, ...]
    copies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlotValue:
    """One value of a merged event's slot: ``value`` (registry id, TIMEX3 value or folded words), its name, who gives it."""

    value: str
    name: str
    entity_id: str | None
    articles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventSlot:
    """A slot of a merged event (agent, patient, recipient, place, time, object, modality) with every value given.

    ``is_conflict`` is True when sources give incompatible values (veille.understand.event_groups.values_conflict;
    participants and places compared by registry id only); the values stay side by side.
    """

    role: str
    values: tuple[SlotValue, ...]
    is_conflict: bool = False


@dataclass(frozen=True, slots=True)
class StoryEvent:
    """One event of a story as every source tells it: its sources, its slots, and which slots conflict.

    ``event_id`` is the id of its most detailed report (the earliest on a tie); ``events`` every stored event
    merged in, earliest article first; ``conflicts`` the roles of the slots whose values conflict; ``grouper``
    the version of the event grouping that merged them (veille.understand.event_groups).
    """

    event_id: str
    story_id: str
    type: str
    trigger: str
    sources: tuple[EventSource, ...]
    slots: tuple[EventSlot, ...]
    events: tuple[str, ...]
    conflicts: tuple[str, ...] = ()
    grouper: str = ""


@dataclass(frozen=True, slots=True)
class ComparisonSide:
    """What one source of a story says: its entities, quotes, dates, and what only it has."""

    article_id: str
    outlet: str | None
    title: str | None
    published: date | None
    lead: str
    entities: tuple[str, ...]
    only_entities: tuple[str, ...]
    quotes: tuple[Quote, ...]
    times: tuple[TimeExpression, ...]
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of one article: a sentence (``start``..``end`` of ``Article.text``) with what the earlier
    stages read in it: its event (type, and the story-level event it belongs to), entities (registry ids and
    names), figures, dates (TIMEX3 values), and who it is attributed to (a quote's speaker, "selon X")."""

    article_id: str
    start: int
    end: int
    text: str
    event_type: str | None = None
    event_id: str | None = None  # the story event (``StoryEvent.event_id``) the claim tells, if any
    entities: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    attributed_to: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """Claims of several sources aligned as one fact, or one source's claim alone.

    ``sources``: the articles standing for the sources that give it (copies count once); ``coverage`` is
    "all", "some" or "one"; ``matched_by`` says how the claims were aligned ("event": the same story event;
    "text": close words and entities, with the score; "alone").
    """

    claims: tuple[Claim, ...]
    sources: tuple[str, ...]
    coverage: str
    matched_by: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class ConflictValue:
    """One value of a conflicting slot as one source gives it, with its words and sentence as evidence."""

    value: str
    article_id: str
    outlet: str | None
    start: int
    end: int
    sentence: str
    normalized: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    """A slot (a date, a place, a figure, a role, who did it) that sources fill with incompatible values;
    ``rule`` says how compatibility was decided. ``change`` is "update" when the values are one count taken
    at different times (it rises with the articles' dates), "correction" when a source says an earlier
    value was wrong ("et non", "contrairement à ce qui avait été annoncé", "not as earlier reported"),
    None for a plain disagreement."""

    slot: str
    kind: str
    values: tuple[ConflictValue, ...]
    rule: str
    change: str | None = None


@dataclass(frozen=True, slots=True)
class FramingTerm:
    """Words one source favours over the other sources of its story (weighted log-odds z-score against a
    corpus prior), with their occurrences; ``attributed_to`` is set when the source reports someone else's
    words (a quote, "selon X") rather than using them in its own voice."""

    term: str
    article_id: str
    outlet: str | None
    z: float
    count: int
    others: int
    attributed: bool = False
    attributed_to: str | None = None
    evidence: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SourceWords:
    """The words one source (its article) uses for something."""

    article_id: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlignedMention:
    """One entity as each source describes it: per source article, its descriptions and name forms."""

    entity_id: str
    name: str
    by_source: tuple[SourceWords, ...]


@dataclass(frozen=True, slots=True)
class VoiceCount:
    """How one source quotes one speaker: direct and indirect quotes, with their spans."""

    article_id: str
    outlet: str | None
    direct: int
    indirect: int
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Voice:
    """A speaker of a story: who quotes them, how often, directly or not, and which sources do not."""

    speaker: str
    entity_id: str | None
    by_source: tuple[VoiceCount, ...]
    absent_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of the story in time: its day or interval (TIMEX3, None when undated), type, the words of
    its most detailed report, and the sources telling it with their evidence."""

    when: str | None
    type: str
    label: str
    event_id: str
    sources: tuple[str, ...]
    evidence: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """A story's sources side by side: per-source sides, the facts aligned across sources (shared by all,
    some, one), conflicting values, framing, voices and the timeline. ``sources`` counts copies once."""

    story_id: str
    label: str
    shared_entities: tuple[str, ...]
    sides: tuple[ComparisonSide, ...]
    comparer: str = ""
    sources: int = 0
    facts: tuple[ClaimGroup, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    framing: tuple[FramingTerm, ...] = ()
    mentions: tuple[AlignedMention, ...] = ()
    voices: tuple[Voice, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()


# The source registry and coverage (issue 21: veille.sources, veille.compare.coverage) -------------------------

#: What an outlet is: public (public or state media), private, international, agency (news agency), blog, other.
SOURCE_KINDS = ("public", "private", "international", "agency", "blog", "other")
#: What a feed address serves: an RSS or Atom feed, or a news sitemap.
FEED_KINDS = ("rss", "atom", "sitemap")


@dataclass(frozen=True, slots=True)
class SourceFeed:
    """A feed of a source: its address and kind; ``id`` is the stored row's key (None before it is stored)."""

    url: str
    kind: str = "rss"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """An outlet: ``id`` a slug of its name, ``country`` ISO 3166-1 alpha-2 (None when it has none),
    ``kind`` one of ``SOURCE_KINDS``, ``languages`` ISO 639-1 codes, ``domains`` the registered domains
    that tie articles to it (an article whose URL has no registered source domain is tied by its outlet name)."""

    id: str
    name: str
    kind: str
    country: str | None = None
    domains: tuple[str, ...] = ()
    feeds: tuple[SourceFeed, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True
    added: datetime = field(default_factory=utcnow)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class UnknownOutlet:
    """Articles tied to no source: by registered domain, or by outlet name when they have no URL."""

    domain: str | None
    outlet: str | None
    articles: int


@dataclass(frozen=True, slots=True)
class ArticleTie:
    """A story's article as coverage reads it: its outlet, URL domain, date, language and source (None: none)."""

    story_id: str
    article_id: str
    outlet: str | None
    domain: str | None
    published: date | None
    language: str | None
    source_id: str | None


@dataclass(frozen=True, slots=True)
class CoverageCount:
    """Articles and distinct sources of a story for one value of a dimension (a country, kind or language)."""

    value: str | None
    articles: int
    sources: int


@dataclass(frozen=True, slots=True)
class SourceTiming:
    """When one source (or one unknown outlet, ``source_id`` None) first published in a story: its first
    date and its lag in days after the story's first date (None without a date)."""

    source_id: str | None
    name: str
    country: str | None
    kind: str | None
    articles: int
    published: date | None
    lag_days: int | None
    is_first: bool


@dataclass(frozen=True, slots=True)
class BlindSpot:
    """A story carried only by sources of one country (``by`` "country") or of one kind (``by`` "kind")."""

    by: str
    value: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """A story's coverage by its sources, computed when read from the registry: counts by country, kind and
    language, who published first and how late the others followed, the share of articles tied to no
    source, and its blind spots (``min_sources``: the fewest sources for a blind spot)."""

    story_id: str
    articles: int
    sources: int
    countries: tuple[CoverageCount, ...]
    kinds: tuple[CoverageCount, ...]
    languages: tuple[CoverageCount, ...]
    timing: tuple[SourceTiming, ...]
    unknown_articles: int
    unknown_share: float
    blindspots: tuple[BlindSpot, ...]
    min_sources: int


# The feed watcher, watches and alerts (issue 21: veille.watch) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed as ``veille watch`` polls it: where it is, whose it is, and its polling state. Times are UTC;
    ``failures`` counts failures in a row, ``interval`` is its own schedule in seconds (None: the setting)."""

    feed_id: int
    source_id: str
    source_name: str
    url: str
    kind: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_time: datetime | None = None
    failures: int = 0
    next_due: datetime | None = None
    paused: bool = False
    interval: float | None = None


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """An entry seen in a feed (``entry``: its id in the feed, else its URL) and the document its page became
    (None while the page could not be fetched: ``attempts`` and ``error`` say how it went)."""

    feed_id: int
    entry: str
    url: str | None
    document_id: str | None
    seen: datetime = field(default_factory=utcnow)
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SourceActivity:
    """What the store knows of one source's new articles: documents per received day (its feeds' entries and
    the articles of its domains) and when the latest arrived."""

    source_id: str
    days: Mapping[str, int]
    last_article: datetime | None


@dataclass(frozen=True, slots=True)
class Watch:
    """What a user follows: stories mentioning an entity, holding words, or told by some sources (all given
    must match); ``last_look`` is when ``veille alerts`` last looked for it (None: never)."""

    id: int | None
    entity: str | None = None
    words: str | None = None
    sources: tuple[str, ...] = ()
    created: datetime = field(default_factory=utcnow)
    last_look: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """A new story matching a watch (``kind`` "story") or a new conflict in a watched story ("conflict"), once
    per watch and ``key``; ``payload`` is the JSON that is printed and posted. ``delivered`` is set once a
    POST succeeded; ``delivery_error`` keeps the last failed one."""

    watch_id: int
    kind: str
    key: str
    story_id: str
    payload: str
    id: int | None = None
    created: datetime = field(default_factory=utcnow)
    delivered: datetime | None = None
    delivery_error: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A recorded failure of one item at one stage; the item itself stays stored."""

    item_id: str
    stage: str
    code: str
    message: str
    version: str = ""
    source: str | None = None
    time: datetime = field(default_factory=utcnow)


def to_jsonable(value: Any) -> Any:
    """Turn model objects (and dates, bytes, tuples, mappings) into JSON-ready values."""
    if hasattr(value, "__dataclass_fields__"):
        return {
            name: to_jsonable(getattr(value, name)) for name in value.__dataclass_fields__ if name != "raw"
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no infinity: an open bound is null, read back as the field's default
    return value
