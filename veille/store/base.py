"""The storage interface: a Protocol that speaks model objects, never SQL rows.

SQLite (``sqlite.py``) is the default backend; a PostgreSQL backend implements the same Protocol and
passes the same contract suite (``tests/store/test_contract.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from veille.model import (
    Analysis,
    Article,
    Comparison,
    Document,
    DuplicateLink,
    EntityEdit,
    Failure,
    RegistryEntity,
    Story,
)


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
    and ``sources`` every article that carries it (this one included), earliest first.
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
    merged in, earliest article first; ``conflicts`` the roles of the slots whose values conflict.
    """

    event_id: str
    story_id: str
    type: str
    trigger: str
    sources: tuple[EventSource, ...]
    slots: tuple[EventSlot, ...]
    events: tuple[str, ...]
    conflicts: tuple[str, ...] = ()


class Store(Protocol):
    """What every storage backend provides. All writes are idempotent on the object's id."""

    def transaction(self) -> AbstractContextManager[None]:
        """Run the enclosed writes as one transaction (nested uses join the outer one); roll back on error."""
        ...

    # documents ---------------------------------------------------------------------------------
    def add_document(self, doc: Document) -> bool:
        """Store a raw document; return False (and change nothing) when its content id is known."""
        ...

    def get_document(self, doc_id: str) -> Document | None:
        """Return the document with this content id, or None."""
        ...

    def iter_document_ids(self) -> Iterator[str]:
        """Yield every document id, oldest first."""
        ...

    # stage bookkeeping -------------------------------------------------------------------------
    def pending(self, stage: str, version: str, *, retry_failed: bool = False) -> list[str]:
        """Return the item ids the stage must (re)process at ``version``.

        For ``extract`` the items are document ids; for ``understand`` and ``group`` article ids.
        An item is pending when the stage has no output for it made by ``version``, and (unless
        ``retry_failed``) no failure recorded for it at that same version.
        """
        ...

    # articles ----------------------------------------------------------------------------------
    def put_article(self, article: Article) -> None:
        """Insert or replace the article extracted from a document (keyed by ``article.id``)."""
        ...

    def get_article(self, article_id: str) -> Article | None:
        """Return an article by id (a unique prefix of at least 6 characters also works), or None."""
        ...

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[Article]:
        """Yield the articles with these ids (all articles when None)."""
        ...

    # analyses ----------------------------------------------------------------------------------
    def put_analysis(self, analysis: Analysis, published: str | None = None) -> None:
        """Insert or replace an article's analysis and update the entity registry from it.

        Its names are linked across articles (spelling variants, one-word surnames, acronyms; each link
        with a reason) and the stored names that share an index key with them are decided again, so the
        registry does not depend on the order articles arrive in; hand edits apply after the links.
        ``published`` (ISO date) dates the registry's first/last seen and offices' ``since``; None leaves
        them unchanged.
        """
        ...

    def get_analysis(self, article_id: str) -> Analysis | None:
        """Return an article's analysis with entity ids as the registry has them (links, then edits), or None."""
        ...

    def list_entities(self, *, type: str | None = None, limit: int = 50) -> list[RegistryEntity]:  # noqa: A002
        """Return registry entities, the most-cited first, optionally of one type.

        Each carries ``reasons`` (alias → why it joined), ``offices`` (with the first date attested) and ``place``.
        """
        ...

    def get_entity(self, entity_id: str) -> RegistryEntity | None:
        """Return one registry entity, or None."""
        ...

    def find_entities(self, query: str, *, limit: int = 20) -> list[RegistryEntity]:
        """Return the entities whose id, name or an alias is ``query`` (case ignored), the most cited first."""
        ...

    def entity_articles(self, entity_id: str, *, limit: int = 100) -> list[str]:
        """Return the ids of the articles that mention an entity, newest first."""
        ...

    def entity_edits(self) -> list[EntityEdit]:
        """Return the user's merges and splits, in the order they are replayed."""
        ...

    def add_entity_edit(self, edit: EntityEdit) -> int:
        """Record a merge or split and apply it to the stored mentions; return how many mentions moved.

        Edits are replayed on every later analysis, so they survive re-runs. UsageError for an unknown
        entity, a merge into itself, or a split that moves nothing.
        """
        ...

    # quotes ------------------------------------------------------------------------------------
    def list_quotes(
        self,
        *,
        speaker: str | None = None,
        article_id: str | None = None,
        story_id: str | None = None,
        kind: str | None = None,
        since: date | None = None,
        until: date | None = None,
        text: str | None = None,
        limit: int = 100,
    ) -> list[QuoteRecord]:
        """Return stored quotes matching every filter given, newest article first, each with its sources.

        ``speaker`` is an entity id, name or alias (as ``find_entities``) or an unresolved speaker's words;
        ``text`` a substring (accents, case and punctuation ignored); ``since``/``until`` bound the article's
        date. UsageError for a speaker, article or story that names nothing.
        """
        ...

    def quote_sources(self, quote_id: str) -> list[QuoteSource]:
        """Return the articles that carry the same quote as ``quote_id`` (itself included), earliest first.

        UsageError when no quote has that id.
        """
        ...

    # events ------------------------------------------------------------------------------------
    def list_events(
        self,
        *,
        type: str | None = None,  # noqa: A002
        entity: str | None = None,
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        story_id: str | None = None,
        article_id: str | None = None,
        limit: int = 100,
    ) -> list[EventRecord]:
        """Return stored events matching every filter given, the latest first, arguments with registry ids.

        ``entity``/``place``: an entity id, name or alias (as ``find_entities``) among the arguments / the place
        arguments (a country also matches the places in it); ``since``/``until`` bound the event's own
        resolved time, else its article's date (``dated_by`` says which). UsageError for a name, article or
        story that names nothing.
        """
        ...

    def story_events(
        self,
        story_id: str,
        *,
        type: str | None = None,  # noqa: A002
        entity: str | None = None,
        place: str | None = None,
        since: date | None = None,
        until: date | None = None,
        article_id: str | None = None,
        limit: int = 100,
    ) -> list[StoryEvent]:
        """Return a story's events, one per event however many articles tell it, the most-sourced first.

        Each carries all its sources and every value its slots are given (conflicts side by side); the filters
        (as ``list_events``) keep the merged events with at least one report matching them all.
        UsageError for an unknown story or a name that names nothing.
        """
        ...

    # grouping ----------------------------------------------------------------------------------
    def put_story(self, story: Story) -> None:
        """Insert or replace a story and its membership (an article belongs to one story)."""
        ...

    def delete_story(self, story_id: str) -> None:
        """Remove a story (its articles become ungrouped)."""
        ...

    def get_story(self, story_id: str) -> Story | None:
        """Return a story by id (or a unique prefix of at least 6 characters), or None."""
        ...

    def story_of(self, article_id: str) -> Story | None:
        """Return the story an article belongs to, or None."""
        ...

    def list_stories(
        self,
        *,
        min_articles: int = 1,
        limit: int = 100,
        since: date | None = None,
        until: date | None = None,
        entity: str | None = None,
        outlet: str | None = None,
        with_sources: bool = True,
    ) -> list[Story]:
        """Return stories, the largest first, within a date range, mentioning an entity, from an outlet
        (``with_sources=False``: without counting their sources)."""
        ...

    def story_entities(self, story_id: str, *, limit: int = 10) -> list[StoryEntity]:
        """Return a story's main entities: in the most of its articles first, then the most mentioned."""
        ...

    def list_duplicates(
        self,
        *,
        kind: str | None = None,
        article_id: str | None = None,
        story_id: str | None = None,
        limit: int = 100,
    ) -> list[DuplicateRecord]:
        """Return duplicate links with both articles' outlet, title and date, the most similar first."""
        ...

    def add_duplicates(self, links: Iterable[DuplicateLink]) -> None:
        """Record duplicate links (idempotent)."""
        ...

    def duplicates_of(self, article_id: str) -> list[DuplicateLink]:
        """Return the duplicate links that involve this article."""
        ...

    def put_comparison(self, comparison: Comparison) -> None:
        """Insert or replace the comparison of a story."""
        ...

    def get_comparison(self, story_id: str) -> Comparison | None:
        """Return the stored comparison of a story, or None."""
        ...

    # per-outlet line statistics ------------------------------------------------------------------
    def record_outlet_lines(self, outlet: str, content_id: str, line_hashes: Iterable[str]) -> None:
        """Record that this document of this outlet shows these lines (idempotent)."""
        ...

    def outlet_line_pages(
        self, outlet: str, line_hashes: Sequence[str], *, exclude: str | None = None
    ) -> dict[str, int]:
        """Return, for each line hash seen on the outlet's other documents, on how many of them (``exclude``: this one)."""
        ...

    # failures, search, stats -------------------------------------------------------------------
    def add_failure(self, failure: Failure) -> None:
        """Record that an item failed a stage (the item itself stays stored)."""
        ...

    def clear_failures(self, stage: str, item_id: str) -> None:
        """Forget the failures of one item at one stage (after it succeeds)."""
        ...

    def list_failures(self, *, stage: str | None = None) -> list[Failure]:
        """Return recorded failures, newest first."""
        ...

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Full-text search over article titles and texts (accents and case ignored)."""
        ...

    def counts(self) -> dict[str, int]:
        """Return how many documents, articles, analyses, entities, stories and failures are stored."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
