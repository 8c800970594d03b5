"""The HTTP API under ``/api/``: the same library calls as the CLI, the same JSON (docs/json.md).

Each endpoint is the twin of a ``veille … --json`` command (named in its description); a test gives both
the same store and compares. Reads are GET; writes (ingest, run, entity merge and split) are POST and need
the server's token.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from veille import pipeline, views
from veille.compare import coverage, export
from veille.errors import VeilleError
from veille.group.events import story_events
from veille.model import (
    Article,
    Comparison,
    DuplicateRecord,
    EntityEdit,
    EventRecord,
    Failure,
    QuoteRecord,
    RegistryEntity,
    SearchHit,
    Source,
    Story,
    StoryEvent,
    UnknownOutlet,
    Watch,
    to_jsonable,
)
from veille.serve.app import ApiError, StoreDep, check_token, not_found, settings_of
from veille.sources import registry
from veille.store.base import Store
from veille.understand import quote_groups
from veille.watch import status as watch_status
from veille.watch.status import SourceStatus


class ArticleLine(BaseModel):
    """An article's line in a list (``views.article_summary_view``)."""

    id: str
    outlet: str | None
    published: date | None
    title: str | None
    url: str | None
    author: str | None
    language: str | None


class ErrorBody(BaseModel):
    """Every error: a stable code, what went wrong, what to do."""

    code: str
    message: str
    hint: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("bad_parameter: a value that names nothing usable (no words, an ambiguous id prefix)"),
    401: _error("bad_token: a write, or a read from another machine, without the right token"),
    403: _error("writes_disabled / remote_reads_disabled: the server has no token"),
    404: _error("not_found: no story, article, entity… with that id or name"),
    405: _error("method_not_allowed"),
    413: _error("too_large / too_many_files: an upload over the limits"),
    422: _error("bad_parameter: a malformed parameter (a date, a number out of range, an unknown choice)"),
    503: _error("store_unavailable: the database does not answer"),
}

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)

Json = Response


class JSON(JSONResponse):
    """A JSON answer written as the CLI's ``--json`` (UTF-8 kept) straight from the views' JSON-ready values:
    returned as a Response, FastAPI does not walk every value again (its encoder took 40 % of a large
    comparison's time)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


Limit = Annotated[int, Query(ge=1, le=1000, description="How many at most.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many (paging).")]
Since = Annotated[date | None, Query(description="YYYY-MM-DD: on or after this date.")]
Until = Annotated[date | None, Query(description="YYYY-MM-DD: on or before this date.")]
Text = Annotated[str | None, Query(min_length=1, max_length=500)]
Ident = Annotated[str, Query(min_length=1, max_length=200)]


def require_token(request: Request) -> None:
    """Dependency of every write: the request must carry the server's token."""
    check_token(settings_of(request), request)


Write = Depends(require_token)


@router.get("/status", summary="What the store holds: counters of each kind of item")
def status(store: StoreDep, request: Request) -> Json:
    """Counts of documents, articles, analyses, entities, stories and failures; whether writes are open."""
    return JSON(
        {
            "store": getattr(store, "path", None),
            "counts": store.counts(),
            "writes": bool(settings_of(request).token),
        }
    )


@router.get("/stories", responses={200: {"model": list[Story]}}, summary="Stories (`veille stories --json`)")
def list_stories(
    store: StoreDep,
    request: Request,
    since: Since = None,
    until: Until = None,
    entity: Text = None,
    outlet: Text = None,
    q: Text = None,
    order: Literal["largest", "newest"] = "largest",
    min_articles: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Limit = 50,
    offset: Offset = 0,
    blindspot: Annotated[
        bool,
        Query(description="Only blind spots, each with its coverage (`veille stories --blindspot --json`)."),
    ] = False,
) -> Json:
    """Stories, the largest (or newest) first, by dates, entity, outlet or words (``q``); ``blindspot``: only
    the stories told by sources of one country or one kind, each with its ``coverage``."""
    filters: dict[str, Any] = {
        "min_articles": min_articles,
        "since": since,
        "until": until,
        "entity": entity,
        "outlet": outlet,
        "query": q,
        "order": order,
    }
    if blindspot:
        found = coverage.list_blindspot_stories(
            store,
            min_sources=settings_of(request).blindspot_min_sources,
            limit=limit,
            offset=offset,
            **filters,
        )
        return JSON(views.blindspot_views(found))
    return JSON(
        [views.story_view(s) for s in pipeline.list_stories(store, limit=limit, offset=offset, **filters)]
    )


@router.get(
    "/sources", responses={200: {"model": list[Source]}}, summary="Sources (`veille sources list --json`)"
)
def list_sources(
    store: StoreDep,
    country: Annotated[
        str | None, Query(min_length=2, max_length=3, description="ISO 3166 code, e.g. ML or MLI.")
    ] = None,
    kind: Literal["public", "private", "international", "agency", "blog", "other"] | None = None,
    active: bool | None = None,
) -> Json:
    """The registered sources (outlets) by name: country, kind, languages, domains, feeds."""
    try:
        code = registry.country_code(country) if country else None
    except VeilleError as exc:
        raise ApiError(400, exc.code, str(exc), "give an ISO 3166 code such as ML, NE or SN") from exc
    return JSON([views.source_view(s) for s in store.list_sources(country=code, kind=kind, active=active)])


@router.get(
    "/sources/unknown",
    responses={200: {"model": list[UnknownOutlet]}},
    summary="Outlets of articles tied to no source (`veille sources unknown --json`)",
)
def unknown_sources(store: StoreDep, limit: Limit = 50) -> Json:
    """The domains (or outlet names) of articles tied to no source, the most frequent first."""
    return JSON([views.unknown_outlet_view(u) for u in store.unknown_outlets(limit=limit)])


@router.get(
    "/sources/status",
    responses={200: {"model": list[SourceStatus]}},
    summary="Each source's health (`veille sources status --json`)",
)
def sources_status(store: StoreDep, request: Request) -> Json:
    """Per source: last success, last error and when, new articles per day (7 days), failing, paused, silent."""
    return JSON(watch_status.status_json(watch_status.source_status(store, settings_of(request))))


@router.get(
    "/watches",
    responses={200: {"model": list[Watch]}},
    summary="The saved watches (`veille watches list --json`)",
)
def list_watches(store: StoreDep) -> Json:
    """What users follow: an entity, words or sources each watch asks for, and when `veille alerts` last
    looked. Alerts themselves stay on the CLI (`veille alerts`): reading them marks them seen."""
    return JSON(to_jsonable(store.list_watches()))


@router.get(
    "/sources/{source_id}",
    responses={200: {"model": Source}},
    summary="A source (`veille sources show SOURCE --json`)",
)
def get_source(store: StoreDep, source_id: str) -> Json:
    """One source by id, name or domain."""
    found = store.get_source(source_id)
    if found is None:
        raise not_found("source", source_id, "list them at /api/sources")
    return JSON(views.source_view(found))


def _story_id(store: Store, story_id: str) -> str:
    story = store.get_story(story_id)
    if story is None:
        raise not_found("story", story_id, "list them at /api/stories")
    return story.id


@router.get(
    "/stories/{story_id}", responses={200: {"model": Story}}, summary="A story (`veille show STORY --json`)"
)
def get_story(store: StoreDep, story_id: str, request: Request) -> Json:
    """A story with its articles, main entities, events across outlets, copies and coverage by source."""
    full = _story_id(store, story_id)
    covered = coverage.story_coverage(store, full, min_sources=settings_of(request).blindspot_min_sources)
    return JSON(views.story_report_view(pipeline.story_report(store, full), covered))


@router.get(
    "/stories/{story_id}/comparison",
    summary="A story's sources compared (`veille compare STORY --json`, or `--format markdown|html|csv`)",
    responses={200: {"model": Comparison, "content": {"text/markdown": {}, "text/html": {}, "text/csv": {}}}},
)
def get_comparison(
    store: StoreDep,
    story_id: str,
    request: Request,
    format: Literal["json", "markdown", "html", "csv"] = "json",  # noqa: A002 - the query parameter's name
    download: bool = False,
) -> Json:
    """What all sources say, what only one says, conflicts, framing, voices, timeline (with evidence), and the
    story's coverage by source (computed when read)."""
    if format == "json":  # the stored JSON as it is when current (decoding and encoding it took 250 ms)
        full = _story_id(store, story_id)
        covered = coverage.story_coverage(store, full, min_sources=settings_of(request).blindspot_min_sources)
        return Response(
            coverage.comparison_json_with_coverage(pipeline.story_comparison_json(store, full), covered),
            media_type="application/json",
        )
    comparison = pipeline.story_comparison(store, _story_id(store, story_id))
    text, media, suffix = {
        "markdown": (export.to_markdown, "text/markdown; charset=utf-8", "md"),
        "html": (export.to_html, "text/html; charset=utf-8", "html"),
        "csv": (export.to_csv, "text/csv; charset=utf-8", "csv"),
    }[format]
    headers = {}
    if download or format != "html":
        headers["Content-Disposition"] = f'attachment; filename="story-{comparison.story_id}.{suffix}"'
    response: Response = PlainTextResponse(text(comparison), media_type=media, headers=headers)
    if format == "html":  # a standalone page with its own inline style: let it be, and nothing else
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get(
    "/stories/{story_id}/events",
    responses={200: {"model": list[StoryEvent]}},
    summary="A story's events (`veille events --story STORY --json`)",
)
def get_story_events(
    store: StoreDep,
    story_id: str,
    type: Text = None,  # noqa: A002 - the query parameter's name
    entity: Text = None,
    place: Text = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
) -> Json:
    """The story's events merged across its sources, with the details they disagree on."""
    merged = story_events(
        store,
        _story_id(store, story_id),
        type=type,
        entity=entity,
        place=place,
        since=since,
        until=until,
        article_id=None,
        limit=limit,
    )
    return JSON([views.story_event_view(m) for m in merged])


@router.get(
    "/articles", responses={200: {"model": list[ArticleLine]}}, summary="Articles (`veille articles --json`)"
)
def list_articles(
    store: StoreDep,
    outlet: Text = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Json:
    """Articles, the latest published first (no text: see /api/articles/{id})."""
    found = store.list_articles(outlet=outlet, since=since, until=until, limit=limit, offset=offset)
    return JSON([views.article_summary_view(a) for a in found])


@router.get(
    "/articles/{article_id}",
    responses={200: {"model": Article}},
    summary="An article (`veille show ARTICLE --json`)",
)
def get_article(store: StoreDep, article_id: str) -> Json:
    """An article with its text, metadata (and where each field came from), analysis, story and copies."""
    return JSON(views.article_report_view(pipeline.article_report(store, article_id)))


@router.get(
    "/entities",
    responses={200: {"model": list[RegistryEntity]}},
    summary="The entity registry (`veille entities --json`)",
)
def list_entities(
    store: StoreDep,
    type: Literal["PER", "ORG", "LOC", "MISC"] | None = None,  # noqa: A002 - the query parameter's name
    limit: Limit = 50,
) -> Json:
    """People, organisations, places, the most cited first."""
    return JSON([views.entity_view(e) for e in store.list_entities(type=type, limit=limit)])


@router.get(
    "/entities/{name}",
    responses={200: {"model": RegistryEntity}},
    summary="An entity (`veille entities show NAME --json`)",
)
def get_entity(store: StoreDep, name: str, limit: Limit = 20) -> Json:
    """An entity by id, name or alias: its names and why each joined, offices, latest articles, hand edits."""
    return JSON(views.entity_report_view(pipeline.entity_report(store, name, limit=limit)))


class MergeRequest(BaseModel):
    """Merge entity ``source`` into ``target`` (ids, names or aliases)."""

    source: str = Field(min_length=1, max_length=300)
    target: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)


class SplitRequest(BaseModel):
    """Move the mentions of ``entity`` written ``alias`` (and/or in ``article_id``) to a new entity ``name``."""

    entity: str = Field(min_length=1, max_length=300)
    name: str = Field(min_length=1, max_length=300)
    alias: str | None = Field(default=None, max_length=300)
    article_id: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "/entities/merge",
    responses={200: {"model": EntityEdit}},
    summary="Merge two entities (`veille entities merge --json`); needs the token",
    dependencies=[Write],
)
def merge_entities(request: Request, body: MergeRequest) -> Json:
    """Kept and replayed on every later run."""
    with request.app.state.stores.writer() as store:
        edit = pipeline.merge_entities(store, body.source, body.target, note=body.note)
    return JSON(views.entity_edit_view(edit))


@router.post(
    "/entities/split",
    responses={200: {"model": EntityEdit}},
    summary="Split mentions off an entity (`veille entities split --json`); needs the token",
    dependencies=[Write],
)
def split_entity(request: Request, body: SplitRequest) -> Json:
    """Kept and replayed on every later run."""
    with request.app.state.stores.writer() as store:
        edit = pipeline.split_entity(
            store, body.entity, body.name, alias=body.alias, article_id=body.article_id, note=body.note
        )
    return JSON(views.entity_edit_view(edit))


@router.get(
    "/quotes", responses={200: {"model": list[QuoteRecord]}}, summary="Who said what (`veille quotes --json`)"
)
def list_quotes(
    store: StoreDep,
    speaker: Text = None,
    article: Text = None,
    story: Text = None,
    kind: Literal["direct", "indirect", "mixed", "partial"] | None = None,
    since: Since = None,
    until: Until = None,
    text: Text = None,
    limit: Limit = 100,
) -> Json:
    """Quotes, newest first, each with its speaker and the outlets that carry it."""
    found = quote_groups.list_quotes(
        store,
        speaker=speaker,
        article_id=article,
        story_id=story,
        kind=kind,
        since=since,
        until=until,
        text=text,
        limit=limit,
    )
    return JSON([views.quote_view(q) for q in found])


@router.get(
    "/events", responses={200: {"model": list[EventRecord]}}, summary="What happened (`veille events --json`)"
)
def list_events(
    store: StoreDep,
    type: Text = None,  # noqa: A002 - the query parameter's name
    entity: Text = None,
    place: Text = None,
    since: Since = None,
    until: Until = None,
    article: Text = None,
    limit: Limit = 100,
) -> Json:
    """Typed events with who, whom, where and when, latest first (a story's: /api/stories/{id}/events)."""
    found = store.list_events(
        type=type, entity=entity, place=place, since=since, until=until, article_id=article, limit=limit
    )
    return JSON([views.event_view(r) for r in found])


@router.get(
    "/search",
    responses={200: {"model": list[SearchHit]}},
    summary="Full-text search (`veille search --json`)",
)
def search(
    store: StoreDep, q: Annotated[str, Query(min_length=1, max_length=500)], limit: Limit = 20
) -> Json:
    """Articles matching every word (accents and case ignored), best first, with a snippet."""
    return JSON([views.search_hit_view(h) for h in store.search(q, limit=limit)])


@router.get(
    "/duplicates",
    responses={200: {"model": list[DuplicateRecord]}},
    summary="Copies (`veille duplicates --json`)",
)
def list_duplicates(
    store: StoreDep,
    kind: Literal["exact", "near", "syndicated"] | None = None,
    article: Text = None,
    story: Text = None,
    limit: Limit = 100,
) -> Json:
    """Articles that copy each other, the most similar first."""
    found = store.list_duplicates(kind=kind, article_id=article, story_id=story, limit=limit)
    return JSON([views.duplicate_view(d) for d in found])


@router.get(
    "/failures",
    responses={200: {"model": list[Failure]}},
    summary="Recorded failures (`veille failures --json`)",
)
def list_failures(
    store: StoreDep,
    stage: Literal["ingest", "extract", "understand", "link", "group", "compare"] | None = None,
) -> Json:
    """The item, the stage, a stable code and the reason."""
    return JSON([views.failure_view(f) for f in store.list_failures(stage=stage)])


@router.post("/run", summary="Run every stage (`veille run --json`); needs the token", dependencies=[Write])
def run(request: Request, retry_failed: bool = False) -> Json:
    """Run every stage on what is new; returns each stage's counters (processed, ok, failed, codes, seconds)."""
    with request.app.state.stores.writer() as store:
        summary = pipeline.run(store, settings=settings_of(request), retry_failed=retry_failed)
    return JSON(summary.as_dict())


MAX_UPLOAD_FILES = 200


@router.post(
    "/ingest",
    summary="Ingest uploaded files (`veille ingest --json`), then run the stages; needs the token",
    dependencies=[Write],
)
def ingest(
    request: Request,
    files: Annotated[list[UploadFile], File(description="HTML, text, WARC/WET, RSS/Atom or JSON files.")],
    run: bool = True,
) -> Json:
    """Store each file raw with its stable id (same counters as `veille ingest`); with ``run`` (default), run
    every stage after and return its counters too."""
    if len(files) > MAX_UPLOAD_FILES:
        raise ApiError(
            413, "too_many_files", f"{len(files)} files in one request", f"send {MAX_UPLOAD_FILES} at most"
        )
    settings = settings_of(request)
    limit = settings.max_document_bytes * 4  # containers (WARC, feeds) hold many documents
    uploads = []
    for number, upload in enumerate(files):
        name = Path(upload.filename or "").name or f"upload-{number}"
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            raise ApiError(
                413, "too_large", f"{name} is over {limit} bytes", "split it, or ingest it with the CLI"
            )
        uploads.append((name, data))
    with request.app.state.stores.writer() as store:
        count = pipeline.ingest_uploads(store, uploads, settings=settings)
        summary = pipeline.run(store, settings=settings) if run else None
    return JSON({"ingest": count.as_dict(), "run": summary.as_dict() if summary else None})
