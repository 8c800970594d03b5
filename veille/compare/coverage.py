"""A story's coverage by its sources: by country, kind and language, who published first, blind spots.

Computed when read, from the articles' ties to the source registry (``Store.article_ties``), so adding or
editing a source changes every story's coverage with no rerun.

- An article counts for the source of its URL's registered domain, else for the source named as its outlet;
  an article tied to no source counts as *unknown* (``unknown_articles``, ``unknown_share``) and is listed in
  the timing by its domain or outlet name.
- Countries and kinds count the articles and distinct sources of the tied articles; languages count every
  article (the analysis's language, else the extractor's; None when neither could tell).
- Timing: a source's first publication date in the story (the article's date, else the date its analysis
  was given) and its lag in days after the story's first date. veille keeps publication *dates*, not times
  of day, so sources that published on the same day as the first all count as first, with a lag of 0.
- Blind spot: a story told by at least ``min_sources`` distinct sources (setting ``blindspot_min_sources``,
  2 by default), every article tied to a source, and all those sources of one country (``by`` "country") or
  all of one kind (``by`` "kind"); both may hold. A source without a country never makes a country blind spot.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from veille.model import (
    ArticleTie,
    BlindSpot,
    Coverage,
    CoverageCount,
    Source,
    SourceTiming,
    Story,
    to_jsonable,
)
from veille.store.base import Store

__all__ = [
    "BLINDSPOT_MIN_SOURCES",
    "blindspot_stories",
    "comparison_json_with_coverage",
    "compute_coverage",
    "list_blindspot_stories",
    "story_coverage",
]

BLINDSPOT_MIN_SOURCES = 2


def _counts(values: Iterable[tuple[str | None, str]]) -> tuple[CoverageCount, ...]:
    """(value, source or article key) pairs → counts per value, the most articles first."""
    articles: Counter[str | None] = Counter()
    sources: dict[str | None, set[str]] = defaultdict(set)
    for value, key in values:
        articles[value] += 1
        sources[value].add(key)
    return tuple(
        CoverageCount(value=v, articles=n, sources=len(sources[v]))
        for v, n in sorted(articles.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    )


def _unknown_name(tie: ArticleTie) -> str:
    return tie.domain or tie.outlet or "unknown"


def _blindspots(sources: Iterable[Source], has_unknown: bool, min_sources: int) -> tuple[BlindSpot, ...]:
    """The blind-spot rule (see the module): the distinct sources of a story, whether it has unknown outlets."""
    distinct = list(sources)
    if has_unknown or len(distinct) < max(min_sources, 1):
        return ()
    found = []
    countries = {s.country for s in distinct}
    if len(countries) == 1 and None not in countries:
        found.append(BlindSpot(by="country", value=str(next(iter(countries)))))
    kinds = {s.kind for s in distinct}
    if len(kinds) == 1:
        found.append(BlindSpot(by="kind", value=next(iter(kinds))))
    return tuple(found)


def compute_coverage(
    story_id: str,
    ties: Sequence[ArticleTie],
    sources: Mapping[str, Source],
    *,
    min_sources: int = BLINDSPOT_MIN_SOURCES,
) -> Coverage:
    """Return the coverage of one story from its articles' ties and the registry (source id → Source)."""
    known = [(t, sources[t.source_id]) for t in ties if t.source_id is not None and t.source_id in sources]
    unknown = [t for t in ties if t.source_id is None or t.source_id not in sources]
    countries = _counts((s.country, s.id) for _, s in known)
    kinds = _counts((s.kind, s.id) for _, s in known)
    languages = _counts((t.language, t.source_id or f"?{_unknown_name(t)}") for t in ties)

    firsts: dict[tuple[str | None, str], list[ArticleTie]] = defaultdict(list)
    for tie, source in known:
        firsts[(source.id, source.name)].append(tie)
    for tie in unknown:
        firsts[(None, _unknown_name(tie))].append(tie)
    days = [t.published for t in ties if t.published is not None]
    start: date | None = min(days) if days else None
    timing = []
    for (sid, name), told in firsts.items():
        dated = [t.published for t in told if t.published is not None]
        first = min(dated) if dated else None
        registered = sources.get(sid) if sid is not None else None
        timing.append(
            SourceTiming(
                source_id=sid,
                name=name,
                country=registered.country if registered else None,
                kind=registered.kind if registered else None,
                articles=len(told),
                published=first,
                lag_days=(first - start).days if first is not None and start is not None else None,
                is_first=first is not None and first == start,
            )
        )
    timing.sort(key=lambda s: (s.published is None, s.published or date.min, s.source_id is None, s.name))

    distinct = {s.id: s for _, s in known}
    blindspots = _blindspots(distinct.values(), bool(unknown), min_sources)
    return Coverage(
        story_id=story_id,
        articles=len(ties),
        sources=len(distinct),
        countries=countries,
        kinds=kinds,
        languages=languages,
        timing=tuple(timing),
        unknown_articles=len(unknown),
        unknown_share=round(len(unknown) / len(ties), 4) if ties else 0.0,
        blindspots=blindspots,
        min_sources=min_sources,
    )


def _registry(store: Store, ties: Sequence[ArticleTie] | None = None) -> dict[str, Source]:
    """The sources these ties name (None: every source)."""
    ids = None if ties is None else {t.source_id for t in ties if t.source_id is not None}
    return {s.id: s for s in store.list_sources(ids=ids)}


def story_coverage(store: Store, story_id: str, *, min_sources: int = BLINDSPOT_MIN_SOURCES) -> Coverage:
    """Return the coverage of a stored story (its full id), read from the store's registry now."""
    ties = store.article_ties([story_id])
    return compute_coverage(story_id, ties, _registry(store, ties), min_sources=min_sources)


def blindspot_stories(store: Store, *, min_sources: int = BLINDSPOT_MIN_SOURCES) -> dict[str, Coverage]:
    """Return the coverage of every story that is a blind spot, by story id."""
    by_story: dict[str, list[ArticleTie]] = defaultdict(list)
    for tie in store.article_ties(None):
        by_story[tie.story_id].append(tie)
    registry = _registry(store)
    found = {}
    for sid, ties in by_story.items():  # the rule on the sources first; the whole coverage of the few found
        ids = {t.source_id for t in ties}
        known = [registry[i] for i in ids if i is not None and i in registry]
        if _blindspots(known, len(known) < len(ids), min_sources):
            found[sid] = compute_coverage(sid, ties, registry, min_sources=min_sources)
    return found


_PAGE = 500  # stories read per query while looking for blind spots among the filtered stories


def list_blindspot_stories(
    store: Store,
    *,
    min_sources: int = BLINDSPOT_MIN_SOURCES,
    limit: int = 100,
    offset: int = 0,
    **filters: Any,
) -> list[tuple[Story, Coverage]]:
    """Return the blind-spot stories among those ``pipeline.list_stories`` lists with these filters (in its
    order), each with its coverage; ``limit``/``offset`` page through the blind spots."""
    from veille import pipeline

    blind = blindspot_stories(store, min_sources=min_sources)
    found: list[tuple[Story, Coverage]] = []
    if not blind:
        return found
    start = 0
    while len(found) < offset + limit:
        page = pipeline.list_stories(store, limit=_PAGE, offset=start, **filters)
        found += [(story, blind[story.id]) for story in page if story.id in blind]
        if len(page) < _PAGE:
            break
        start += _PAGE
    return found[offset : offset + limit]


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    """Return a coverage as JSON-ready values (``views.coverage_view``'s shape: with ``blindspot`` true or false)."""
    result: dict[str, Any] = to_jsonable(coverage)
    result["blindspot"] = bool(coverage.blindspots)
    return result


def comparison_json_with_coverage(comparison_json: str, coverage: Coverage) -> str:
    """Return a comparison's JSON text (an object) with the story's ``coverage`` added as its last key, without
    decoding the comparison (it is stored as text and may be large)."""
    text = comparison_json.rstrip()
    if not text.endswith("}"):
        raise ValueError("a comparison's JSON must be an object")
    added = json.dumps(coverage_json(coverage), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f'{text[:-1]}{"," if text[:-1].rstrip() != "{" else ""}"coverage":{added}}}'
