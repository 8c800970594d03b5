"""The reading pages: stories, a story cross-checked, an article annotated, an entity, the methodology.

Each page is built from the same library calls as its JSON twin under ``/api/`` (linked from the page).
Templates are autoescaped and never mark article data safe; the few shapes drawn here (text segments,
the timeline chart, the map) are plain data the templates escape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from veille import __version__, pipeline
from veille.compare import coverage
from veille.model import Analysis, Article, Claim, Comparison, TimelineEntry
from veille.serve.app import ApiError, StoreDep, not_found, settings_of
from veille.serve.basemap import MapPoint, map_view
from veille.serve.i18n import language_of, translator
from veille.understand import quote_groups

router = APIRouter(include_in_schema=False)

SPAN = re.compile(r"^(\d{1,9})-(\d{1,9})$")
MAX_SPANS = 50
SHOWN_ROWS = 25  # a story page's rows per table (facts of each coverage, people, voices, timeline)
SHOWN_PER_SOURCE = 3  # facts only one source gives, per source
SHOWN_TERMS = 6  # an outlet's own and attributed words
SHOWN_SOURCES = 12  # sources side by side (and columns of the tables); the others counted


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("veille.serve", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: str | None) -> str | None:
    """Return an http(s) address unchanged, else None (a ``javascript:`` or ``data:`` link is never drawn)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page in the request's language; ``?lang=`` is remembered in a cookie."""
    language, chosen = language_of(request)
    html = (
        environment()
        .get_template(template)
        .render(
            t=translator(language),
            lang=language,
            other_lang="en" if language == "fr" else "fr",
            request=request,
            path=request.url.path,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    if chosen:
        response.set_cookie("lang", language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def error_page(request: Request, error: ApiError) -> Response:
    return render(request, "error.html", status=error.status, error=error, json_url=None)


# evidence links ----------------------------------------------------------------------------------
def evidence_url(article_id: str, spans: Sequence[tuple[int, int]]) -> str:
    """The article page with these spans highlighted (the first one scrolled to)."""
    query = urlencode([("span", f"{start}-{end}") for start, end in spans[:MAX_SPANS]])
    return f"/articles/{article_id}" + (f"?{query}" if query else "") + "#hl"


def parse_spans(values: Sequence[str], length: int) -> list[tuple[int, int]]:
    """Return the ``START-END`` spans of ``?span=`` inside a text of ``length``; ApiError for a malformed one."""
    spans = []
    for value in values[:MAX_SPANS]:
        found = SPAN.match(value)
        if found is None:
            raise ApiError(
                422, "bad_parameter", f"span {value[:40]!r} is not START-END", "e.g. ?span=120-245"
            )
        start, end = int(found[1]), int(found[2])
        if start < end and start < length:
            spans.append((start, min(end, length)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # overlapping or touching spans read as one passage
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# the annotated text ------------------------------------------------------------------------------
@dataclass(slots=True)
class Segment:
    """A run of text with the marks over it: CSS classes, a tooltip, a link (an entity's page)."""

    text: str
    classes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive segments, inside one requested passage (``anchor``: its element id) or outside any."""

    segments: tuple[Segment, ...]
    anchor: str | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    css: str
    note: str
    href: str | None = None


def marks_of(analysis: Analysis | None) -> list[Mark]:
    """The article's marks: entity mentions, quotes, dates, event words."""
    marks: list[Mark] = []
    if analysis is None:
        return marks
    for entity in analysis.entities:
        for mention in entity.mentions:
            marks.append(
                Mark(
                    mention.start,
                    mention.end,
                    f"ent ent-{entity.type}",
                    f"{entity.type}: {entity.name}",
                    f"/entities/{entity.entity_id}",
                )
            )
    for quote in analysis.quotes:
        speaker = quote.speaker.name if quote.speaker else (quote.speaker_text or "?")
        marks.append(Mark(quote.start, quote.end, "quote", f"« » {speaker} ({quote.kind})"))
    for time in analysis.times:
        marks.append(Mark(time.start, time.end, "time", f"{time.type}: {time.value or '?'}"))
    for event in analysis.events:
        marks.append(Mark(event.start, event.end, "event", f"{event.type}: {event.trigger}"))
    return marks


def segments(text: str, marks: Sequence[Mark], cuts: Sequence[int] = ()) -> list[Segment]:
    """Cut ``text`` at every mark's edge (and at ``cuts``); each piece carries the marks that cover it."""
    edges = {0, len(text), *(c for c in cuts if 0 <= c <= len(text))}
    for mark in marks:
        if 0 <= mark.start < mark.end <= len(text):
            edges.update((mark.start, mark.end))
    bounds = sorted(edges)
    out: list[Segment] = []
    ordered = sorted(marks, key=lambda m: (m.start, -m.end))
    for start, end in zip(bounds, bounds[1:], strict=False):
        piece = Segment(text[start:end])
        for mark in ordered:
            if mark.start <= start and end <= mark.end:
                piece.classes += mark.css.split()
                if mark.note:
                    piece.notes.append(mark.note)
                piece.href = piece.href or mark.href
        piece.classes = sorted(set(piece.classes))
        out.append(piece)
    return out


def blocks(text: str, marks: Sequence[Mark], spans: Sequence[tuple[int, int]]) -> list[Block]:
    """The annotated text in blocks: each requested span (sorted, not overlapping) one block of its own, the
    first with anchor ``hl`` (the others ``hl-2``, ``hl-3``…), so a page scrolls to it and marks it whole."""
    pieces = segments(text, marks, [edge for span in spans for edge in span])
    out: list[Block] = []
    run: list[Segment] = []
    current: int | None = None  # the span the run is inside, if any
    position = 0
    for piece in pieces:  # cut at every span's edges: each piece is wholly inside one span or outside all
        start, position = position, position + len(piece.text)
        owner = next((i for i, (first, last) in enumerate(spans) if first <= start < last), None)
        if owner != current and run:
            out.append(Block(tuple(run), _anchor(current)))
            run = []
        current = owner
        run.append(piece)
    if run:
        out.append(Block(tuple(run), _anchor(current)))
    return out


def _anchor(span: int | None) -> str | None:
    return None if span is None else ("hl" if span == 0 else f"hl-{span + 1}")


# the timeline chart ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    r: float
    entry: TimelineEntry
    href: str | None


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    points: tuple[ChartPoint, ...]
    ticks: tuple[tuple[float, str], ...]
    undated: tuple[TimelineEntry, ...]


def _day(when: str | None) -> date | None:
    if not when:
        return None
    found = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", when)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2] or 1), int(found[3] or 1))
    except ValueError:
        return None


def timeline_chart(entries: Sequence[TimelineEntry], width: int = 720) -> Chart:
    """Place the dated entries on a time axis (one lane per day, stacked), the undated apart."""
    dated = [(d, e) for e in entries if (d := _day(e.when)) is not None]
    undated = tuple(e for e in entries if _day(e.when) is None)
    if not dated:
        return Chart(width, 0, (), (), undated)
    first, last = min(d for d, _ in dated), max(d for d, _ in dated)
    span = max((last - first).days, 1)
    left, right = 40, width - 40
    stacks: dict[date, int] = {}
    points = []
    for day, entry in sorted(dated, key=lambda p: p[0]):
        level = stacks.get(day, 0)
        stacks[day] = level + 1
        x = left + (right - left) * (day - first).days / span if last != first else (left + right) / 2
        claim = entry.evidence[0] if entry.evidence else None
        href = evidence_url(claim.article_id, [(claim.start, claim.end)]) if claim else None
        points.append(ChartPoint(round(x, 1), 0.0, 4 + 2 * min(len(entry.sources), 4), entry, href))
    height = 50 + 18 * max(stacks.values())
    placed = []
    seen: dict[date, int] = {}
    for point, (day, _) in zip(points, sorted(dated, key=lambda p: p[0]), strict=True):
        level = seen.get(day, 0)
        seen[day] = level + 1
        placed.append(ChartPoint(point.x, height - 30 - 18 * level, point.r, point.entry, point.href))
    ticks = [(float(left), first.isoformat()), (float(right), last.isoformat())] if last != first else []
    if not ticks:
        ticks = [((left + right) / 2, first.isoformat())]
    return Chart(width, height, tuple(placed), tuple(ticks), undated)


# the pages ---------------------------------------------------------------------------------------
def _form_date(name: str, value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(
            422, "bad_parameter", f"{name}: {value[:20]!r} is not a date", "write YYYY-MM-DD"
        ) from None


def _form_count(name: str, value: str | None) -> int:
    if not value or not value.strip():
        return 1
    if not value.strip().isdigit() or not 1 <= int(value) <= 100_000:
        raise ApiError(
            422, "bad_parameter", f"{name}: {value[:20]!r} is not a count", "a whole number, 1 or more"
        )
    return int(value)


@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/stories", status_code=307)


@router.get("/stories", response_class=HTMLResponse)
def stories_page(
    request: Request,
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=500)] = None,
    since: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD; empty: no bound")] = None,
    until: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD; empty: no bound")] = None,
    entity: Annotated[str | None, Query(max_length=300)] = None,
    outlet: Annotated[str | None, Query(max_length=300)] = None,
    order: Annotated[str, Query(pattern="^(largest|newest)$")] = "newest",
    min_articles: Annotated[str | None, Query(max_length=6)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
) -> Response:
    # the filter form sends every field, the empty ones too: an empty field is no filter
    first, last = _form_date("since", since), _form_date("until", until)
    least = _form_count("min_articles", min_articles)
    q, entity, outlet = (v.strip() or None if v else None for v in (q, entity, outlet))
    found = pipeline.list_stories(
        store,
        min_articles=least,
        limit=limit + 1,
        since=first,
        until=last,
        entity=entity,
        outlet=outlet,
        query=q,
        order=order,
        offset=offset,
    )
    params = {
        "q": q,
        "since": first.isoformat() if first else None,
        "until": last.isoformat() if last else None,
        "entity": entity,
        "outlet": outlet,
        "order": order,
        "min_articles": least if least > 1 else None,
        "limit": limit,
    }
    kept = {k: v for k, v in params.items() if v is not None}

    def page_url(**changes: Any) -> str:
        merged = {**kept, **changes}
        return "/stories?" + urlencode({k: v for k, v in merged.items() if v is not None})

    hits = store.search(q, limit=10) if q else []
    return render(
        request,
        "stories.html",
        stories=found[:limit],
        params=params,
        hits=hits,
        previous_url=page_url(offset=max(0, offset - limit)) if offset > 0 else None,
        next_url=page_url(offset=offset + limit) if len(found) > limit else None,
        order_url={o: page_url(order=o, offset=None) for o in ("newest", "largest")},
        json_url="/api/stories?" + urlencode({k: v for k, v in {**kept, "offset": offset}.items()}),
    )


def _sides(comparison: Comparison) -> list[dict[str, Any]]:
    return [{"side": s, "index": i} for i, s in enumerate(comparison.sides)]


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, store: StoreDep, story_id: str, full: bool = False) -> Response:
    """A story cross-checked. A large story's page shows the first ``SHOWN_ROWS`` rows of each table (the
    facts told by several sources first), ``SHOWN_PER_SOURCE`` facts only one source gives per source and
    ``SHOWN_TERMS`` words per outlet and the first ``SHOWN_SOURCES`` sources side by side and as columns
    (a fact's other sources counted), each cut with a link to the whole (``?full=true``): every fact × every
    source of a 40-article story is megabytes of HTML; cut, a page stays the same size however large its story."""
    story = store.get_story(story_id)
    if story is None:
        raise not_found("story", story_id, "see /stories")
    report = pipeline.story_report(store, story.id)
    comparison = pipeline.story_comparison(store, story.id)
    members = {a.id: a for a in report.articles}
    cut = (
        Cut(None, None, None, None) if full else Cut(SHOWN_ROWS, SHOWN_PER_SOURCE, SHOWN_TERMS, SHOWN_SOURCES)
    )
    sides = cut(comparison.sides, "sources")
    order = [s.article_id for s in sides]
    facts: dict[str, list[Any]] = {"all": [], "some": [], "one": []}
    shown: set[str] = set()
    for group in comparison.facts:
        by_article: dict[str, Claim] = {}
        for claim in group.claims:
            by_article.setdefault(claim.article_id, claim)
        # one sentence may match several of another source's: label each row with a claim not shown yet
        lead = next((c for c in group.claims if c.text not in shown), group.claims[0])
        shown.add(lead.text)
        facts.setdefault(group.coverage, []).append(
            {
                "group": group,
                "lead": lead,
                "cells": [by_article.get(a) for a in order],
                "others": len(by_article.keys() - set(order)),
            }
        )
    only: dict[str, list[Any]] = {a: [] for a in order}  # the facts one source alone gives, per source
    for fact in facts.get("one", []):
        only.setdefault(fact["lead"].article_id, []).append(fact)
    framing: dict[str, dict[str, list[Any]]] = {a: {"own": [], "attributed": []} for a in order}
    for term in comparison.framing:
        framing.setdefault(term.article_id, {"own": [], "attributed": []})[
            "attributed" if term.attributed else "own"
        ].append(term)
    return render(
        request,
        "story.html",
        story=report.story,
        report=report,
        comparison=comparison,
        members=members,
        order=order,
        sides=sides,
        hidden_sides=len(comparison.sides) - len(sides),
        facts=facts,
        only=only,
        framing=framing,
        cut=cut,
        full_url=str(request.url.include_query_params(full="true").replace(fragment="")),
        chart=timeline_chart(comparison.timeline),
        evidence_url=evidence_url,
        json_url=f"/api/stories/{story.id}/comparison",
        report_url=f"/api/stories/{story.id}",
        coverage=coverage.story_coverage(
            store, story.id, min_sources=settings_of(request).blindspot_min_sources
        ),
    )


@dataclass(frozen=True)
class Cut:
    """How much of a story's tables its page shows (None: all)."""

    rows: int | None
    per_source: int | None
    terms: int | None
    sources: int | None

    def __call__(self, items: Sequence[Any], kind: str = "rows") -> Sequence[Any]:
        limit = getattr(self, kind)
        return items if limit is None else items[:limit]

    def hidden(self, items: Sequence[Any], kind: str = "rows") -> int:
        return len(items) - len(self(items, kind))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    store: StoreDep,
    article_id: str,
    span: Annotated[list[str] | None, Query(max_length=MAX_SPANS)] = None,
) -> Response:
    article: Article | None = store.get_article(article_id)
    if article is None:
        raise not_found("article", article_id, "see /stories")
    report = pipeline.article_report(store, article.id)
    spans = parse_spans(span or [], len(article.text))
    others = {
        a.id: a
        for a in store.iter_articles(
            [d.other_id if d.article_id == article.id else d.article_id for d in report.duplicates]
        )
    }
    return render(
        request,
        "article.html",
        article=article,
        report=report,
        analysis=report.analysis,
        blocks=blocks(article.text, marks_of(report.analysis), spans),
        spans=spans,
        others=others,
        json_url=f"/api/articles/{article.id}",
    )


@router.get("/entities", response_class=HTMLResponse)
def entities_page(
    request: Request,
    store: StoreDep,
    type: Annotated[str | None, Query(pattern="^(PER|ORG|LOC|MISC)$")] = None,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    found = store.list_entities(type=type, limit=limit)
    return render(
        request,
        "entities.html",
        entities=found,
        type=type,
        json_url="/api/entities?" + urlencode({k: v for k, v in {"type": type, "limit": limit}.items() if v}),
    )


@router.get("/entities/{name}", response_class=HTMLResponse)
def entity_page(request: Request, store: StoreDep, name: str) -> Response:
    report = pipeline.entity_report(store, name, limit=30)
    entity = report.entity
    articles = list(store.iter_articles(report.articles))
    quotes = (
        quote_groups.list_quotes(store, speaker=entity.entity_id, limit=20) if entity.type != "LOC" else []
    )
    stories = pipeline.list_stories(store, entity=entity.entity_id, limit=20, order="newest")
    points = []
    if entity.place and entity.place.latitude is not None and entity.place.longitude is not None:
        points.append(MapPoint(entity.name, entity.place.latitude, entity.place.longitude, None, "self"))
    else:
        places = {
            e.entity_id: e.name
            for s in stories[:10]
            for e in store.story_entities(s.id, limit=15)
            if e.type == "LOC"
        }
        for place_id, place in sorted(store.entity_places(sorted(places)).items()):
            if place.latitude is not None and place.longitude is not None:
                points.append(
                    MapPoint(
                        places[place_id], place.latitude, place.longitude, f"/entities/{place_id}", place.kind
                    )
                )
    at: dict[tuple[float, float], list[MapPoint]] = {}
    for point in points:  # a country placed at its capital, a city twice: one dot, one label
        at.setdefault((round(point.latitude, 1), round(point.longitude, 1)), []).append(point)
    points = [
        MapPoint(
            ", ".join(dict.fromkeys(p.label for p in same)),
            same[0].latitude,
            same[0].longitude,
            same[0].href,
            same[0].kind,
        )
        for same in at.values()
    ]
    return render(
        request,
        "entity.html",
        entity=entity,
        report=report,
        articles=articles,
        quotes=quotes,
        stories=stories,
        map=map_view(points),
        json_url=f"/api/entities/{entity.entity_id}",
    )


@router.get("/methodology", response_class=HTMLResponse)
def methodology_page(request: Request) -> Response:
    return render(request, "methodology.html", json_url="/openapi.json")
