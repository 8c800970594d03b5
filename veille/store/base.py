"""The storage interface: a Protocol that speaks model objects, never SQL rows.

One implementation (``sql.SQLStore``) serves SQLite (the default) and PostgreSQL; it passes the contract
suite (``tests/store/test_contract.py``) on both. The store persists and reads; it decides
nothing a stage decides: cross-article links are decided by ``veille.understand.crosslink`` (the "link"
step), quote groups by ``veille.understand.quote_groups``, a story's merged events by ``veille.group.events``
and its sources by ``veille.group.copies``, each through the small primitives below.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from veille.model import (
    Alert,
    Analysis,
    Article,
    ArticleName,
    ArticleTie,
    Comparison,
    Document,
    DuplicateLink,
    DuplicateRecord,
    EntityEdit,
    EntityKey,
    EventRecord,
    Failure,
    FeedState,
    Link,
    NameNode,
    Place,
    QuoteRecord,
    RegistryEntity,
    SearchHit,
    Source,
    SourceActivity,
    Story,
    StoryEntity,
    SurnameUse,
    UnknownOutlet,
    Watch,
    WatchEntry,
)


class Store(Protocol):
    """What every storage backend provides. All writes are idempotent on the object's id."""

    url: str  # what ``open_store`` opens it again from, in another process

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

        For ``extract`` the items are document ids; for ``understand``, ``link`` and ``group`` article ids
        (``link``: articles with an analysis whose names were linked by another linker version, or never);
        for ``compare`` story ids (stories without a comparison by ``version``).
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
    def list_articles(
        self,
        *,
        outlet: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Article]:
        """Return articles, the latest published first, from an outlet, within a date range (paged)."""
        ...

    def put_analysis(self, analysis: Analysis, published: str | None = None) -> None:
        """Insert or replace an article's analysis and its rows (mentions, offices, places, quotes, events).

        Mentions take the stored cross-article link of their name (until the link step decides again) and
        the hand edits. A changed analysis makes the article pending for ``link`` again and queues the seed
        keys of the names it replaced (``link_queue``). ``published`` (ISO date) dates the registry's
        first/last seen and offices' ``since``; None leaves them unchanged.
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

    # cross-article links: persistence for veille.understand.crosslink (no decision here) --------------
    def article_names(self, article_ids: Sequence[str]) -> list[ArticleName]:
        """Return the names the stored analyses of these articles hold, one per (article, entity id, name, type).

        SQL: the article's ``mentions`` rows (analyser ids), grouped; ``texts`` are its name mentions' texts,
        ``descriptions`` its description mentions' texts; ``offices`` from ``entity_offices``.
        """
        ...

    def article_days(self, article_ids: Collection[str]) -> dict[str, date | None]:
        """Return each known article's day: its publication date, else the date its analysis was stored with."""
        ...

    def linked_ids(self, uses: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Return the linked id (``mentions.lid``) of each (article id, analyser entity id) with a mention there."""
        ...

    def stored_links(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Return the stored link target (``entity_links``) of each (article id or '', analyser entity id) linked."""
        ...

    def put_entity_keys(self, items: Mapping[str, tuple[Iterable[EntityKey], Iterable[str]]]) -> None:
        """Replace these articles' index keys (``entity_keys``, with their per-entity counts: kinds 'key' and
        'near') and the seed keys that reach their names (``link_seeds``, queued when an analysis is dropped):
        article id → (keys, seeds)."""
        ...

    def find_entity_keys(
        self, keys: Collection[str], *, article_ids: Collection[str] | None = None
    ) -> list[EntityKey]:
        """Return the ``entity_keys`` rows (one per article) holding one of ``keys``, in these articles when given."""
        ...

    def keyed_entities(self, keys: Collection[str]) -> list[EntityKey]:
        """Return the distinct (key, entity id, type) holding one of ``keys`` in any article (``article_id`` '').

        SQL: the per-entity counts of ``entity_counts`` (kind 'key'), so a key of many articles costs one row
        per entity, not per article.
        """
        ...

    def entity_keys_of(self, entity_ids: Collection[str]) -> list[EntityKey]:
        """Return the distinct index keys of these analyser entity ids in any article (``article_id`` '')."""
        ...

    def full_names_near(self, entity_ids: Collection[str]) -> list[tuple[str, str]]:
        """Return (one-word name id, full name id) for each full name holding the word ('p:WORD') of one of these
        one-word person names ('p1:WORD') in an article using it.

        SQL: the per-entity counts of ``entity_counts`` (kind 'near'), kept by ``put_entity_keys``: one row per
        pair of names, whatever the number of articles.
        """
        ...

    def surname_states(self, entity_ids: Collection[str]) -> dict[str, str]:
        """Return the state (``put_surname_states``) each of these one-word names was last decided in; none
        for a name never decided so (every use of it is decided again)."""
        ...

    def put_surname_states(self, states: Mapping[str, str]) -> None:
        """Record, per one-word name, the state of the full names its every use was just decided on."""
        ...

    def name_nodes(self, entity_ids: Collection[str]) -> list[NameNode]:
        """Return a NameNode per analyser entity id that has mentions, sorted by id.

        Name and type (the most frequent over its mention rows; on a tie the most UTF-8 bytes, then
        alphabetical), articles, name texts, offices (function, country) and place country (the most frequent)
        come from the per-entity counts (``entity_counts``); a person's ``context`` is the entity ids of its
        first 50 articles (by id), so the evidence never depends on arrival order.
        """
        ...

    def surname_uses(self, uses: Sequence[tuple[str, str]]) -> list[SurnameUse]:
        """Return the SurnameUse of each (article id, analyser entity id): its name in that article, that
        article's offices of it and the other entity ids of that article (in the order asked)."""
        ...

    def put_links(self, links: Mapping[tuple[str, str], Link | None]) -> None:
        """Store decided links per (article id, analyser entity id) (article '' for every article; None: no
        link) in ``entity_links`` and move the mentions whose link changed (``lid``; ``eid`` with hand edits)."""
        ...

    def mark_linked(self, article_ids: Sequence[str], linker: str) -> None:
        """Record that these articles' names were linked by ``linker`` (``analyses.linker``)."""
        ...

    def link_queue(self) -> list[str]:
        """Return the queued seed keys of dropped or replaced analyses (``link_queue``), sorted."""
        ...

    def clear_link_queue(self, keys: Iterable[str]) -> None:
        """Remove these keys from the link queue (the link step decided their names again)."""
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
        """Return stored quotes matching every filter given, newest article first, each its own group
        without sources (``veille.understand.quote_groups.group_quotes`` fills them).

        ``speaker`` is an entity id, name or alias (as ``find_entities``) or an unresolved speaker's words;
        ``text`` a substring (accents, case and punctuation ignored); ``since``/``until`` bound the article's
        date. UsageError for a speaker, article or story that names nothing.
        """
        ...

    def get_quote(self, quote_id: str) -> QuoteRecord | None:
        """Return the stored quote ``ARTICLE_ID:START`` (as ``list_quotes`` gives it), or None."""
        ...

    def put_quote_keys(self, article_id: str, keys: Iterable[tuple[int, int]]) -> None:
        """Replace the fingerprints (``quote_keys``) of an article's quotes: (quote start, fingerprint) pairs."""
        ...

    def quotes_sharing_keys(self, quote_id: str, *, limit: int) -> list[QuoteRecord]:
        """Return the quotes that share a fingerprint with ``quote_id`` (itself included when it has one): the
        first ``limit`` by (article id, start), in that order, as ``list_quotes`` gives them."""
        ...

    def unindexed_quotes(self) -> list[QuoteRecord]:
        """Return every stored quote when quotes are stored but no fingerprint is (a database written before
        migration 0005, or a backfill a killed process rolled back); [] otherwise, after one look-up."""
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
        query: str | None = None,
        order: str = "largest",
        offset: int = 0,
    ) -> list[Story]:
        """Return stories, the largest (or, ``order="newest"``, the latest) first, within a date range,
        mentioning an entity, from an outlet, holding words (``query``), skipping ``offset``
        (``Story.sources`` None: ``pipeline.count_sources`` counts them)."""
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

    def duplicate_links(self, article_ids: Collection[str]) -> list[DuplicateLink]:
        """Return the duplicate links that involve any of these articles (each once), by article ids."""
        ...

    def entity_places(self, entity_ids: Collection[str]) -> dict[str, Place]:
        """Return, per registry id among these, where it is (the location its articles give most often)."""
        ...

    def put_comparison(self, comparison: Comparison) -> None:
        """Insert or replace the comparison of a story."""
        ...

    def get_comparison(self, story_id: str) -> Comparison | None:
        """Return the stored comparison of a story, or None."""
        ...

    def get_comparison_json(self, story_id: str) -> tuple[str, str] | None:
        """Return the stored comparison of a story as it is stored: (its comparer, its JSON text), or None."""
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

    # saved states ----------------------------------------------------------------------------------
    def get_state(self, key: str) -> tuple[str, bytes] | None:
        """Return a saved state (its tag, its bytes), or None."""
        ...

    def put_state(self, key: str, tag: str, payload: bytes) -> None:
        """Save (replace) a state under ``key``."""
        ...

    def story_members(self, grouper: str) -> list[tuple[str, str]]:
        """Return (story id, article id) for every member of the stories made by ``grouper``."""
        ...

    def member_entity_ids(self, grouper: str, types: Collection[str]) -> dict[str, frozenset[str]]:
        """Return, for every member of the stories made by ``grouper``, the registry ids of its entities of these
        types (as ``get_analysis`` gives them)."""
        ...

    # claims: work taken by one of several processes on one database -------------------------------------
    def claim(self, stage: str, item_ids: Sequence[str], worker: str, until: datetime) -> list[str]:
        """Claim items of a stage for ``worker`` until ``until``; return those it holds now (others' are left)."""
        ...

    def claims(self, stage: str) -> dict[str, tuple[str, datetime]]:
        """Return the claims on a stage's items: item id → (worker, end of its lease)."""
        ...

    def renew_claims(self, worker: str, until: datetime) -> None:
        """Move the end of every lease ``worker`` holds to ``until``."""
        ...

    def drop_claims(
        self, worker: str, stage: str | None = None, item_ids: Sequence[str] | None = None
    ) -> None:
        """End the claims of ``worker`` (on one stage, on some items only)."""
        ...

    # sources: the registry of outlets (issue 21) ----------------------------------------------------------
    def put_source(self, source: Source) -> Source:
        """Insert or replace a source by id, with its domains and feeds; return it as stored (feed ids set).

        A feed kept by URL keeps its row (and id); feeds no longer listed are dropped. StoreError when one of
        its domains or its folded name belongs to another source.
        """
        ...

    def get_source(self, ident: str) -> Source | None:
        """Return a source by id, name (accents and case ignored) or one of its domains (any URL or host on
        it), or None."""
        ...

    def list_sources(
        self,
        *,
        country: str | None = None,
        kind: str | None = None,
        active: bool | None = None,
        ids: Collection[str] | None = None,
    ) -> list[Source]:
        """Return the sources, by name (folded); ``country``, ``kind``, ``active``, ``ids``: only those."""
        ...

    def unknown_outlets(self, *, limit: int = 100) -> list[UnknownOutlet]:
        """Return the domains (and, for articles without a URL, the outlet names) of articles tied to no
        source, with their article counts, the most frequent first."""
        ...

    def article_ties(self, story_ids: Sequence[str] | None = None) -> list[ArticleTie]:
        """Return the articles of these stories (None: of every story) with the source each is tied to: the
        source of its URL's registered domain, else the source named as its outlet (accents and case ignored)."""
        ...

    # the feed watcher, watches and alerts (issue 21: veille.watch) ---------------------------------------
    def feed_states(self, *, active_only: bool = True) -> list[FeedState]:
        """Return every feed of the registry with its polling state (defaults when never polled), by source
        name then URL; ``active_only``: only the feeds of active sources."""
        ...

    def put_feed_state(self, state: FeedState) -> None:
        """Save (replace) the polling state of one feed."""
        ...

    def watch_entries(
        self, feed_ids: Collection[int], *, entries: Collection[str] | None = None
    ) -> list[WatchEntry]:
        """Return the entries seen in these feeds (``entries``: only those with these keys)."""
        ...

    def entry_documents(self, urls: Collection[str]) -> dict[str, str]:
        """Return, for those of these URLs that an entry of any feed already became, the document id."""
        ...

    def put_watch_entry(self, entry: WatchEntry, documents: Sequence[Document] = ()) -> int:
        """Store ``documents`` (what the entry's page gave: its first is the entry's document) and record
        ``entry`` in one transaction; return how many documents were new (a killed process leaves all or
        none)."""
        ...

    def source_activity(self, since: datetime) -> list[SourceActivity]:
        """Return, per source, the documents received per day since ``since`` (UTC days) from its feeds'
        entries and the articles of its domains, and when the latest of them ever arrived."""
        ...

    def add_watch(self, watch: Watch) -> Watch:
        """Store a new watch; return it with its id."""
        ...

    def list_watches(self) -> list[Watch]:
        """Return the watches, oldest first."""
        ...

    def remove_watch(self, watch_id: int) -> bool:
        """Delete a watch and its alerts; return False when there is none with this id."""
        ...

    def set_watch_look(self, watch_id: int, when: datetime) -> None:
        """Record when ``veille alerts`` last looked for a watch."""
        ...

    def stories_received_since(self, when: datetime | None) -> list[str]:
        """Return the ids of the stories with an article whose document arrived after ``when`` (None: all)."""
        ...

    def add_alert(self, alert: Alert) -> bool:
        """Store an alert; return False (and change nothing) when the watch already has one of this kind and key."""
        ...

    def list_alerts(self, *, pending: bool = False, since: datetime | None = None) -> list[Alert]:
        """Return alerts, oldest first: ``pending`` only those not delivered; ``since`` only newer ones."""
        ...

    def mark_alert(self, alert_id: int, *, delivered: datetime | None, error: str | None) -> None:
        """Record a delivery of an alert: when it succeeded, or why it failed (it stays pending)."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
