"""JSON views of model objects: the shapes of ``--json`` output and of the HTTP API (docs/json.md).

The shapes are a public contract: fields are only ever added, never renamed or removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veille.pipeline import ArticleReport, EntityReport, RegroupReport, StoryReport
    from veille.sources.registry import ImportReport

from veille.compare.coverage import coverage_json
from veille.model import (
    Analysis,
    Article,
    Comparison,
    Coverage,
    DuplicateLink,
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
    to_jsonable,
)


def article_view(
    article: Article,
    analysis: Analysis | None = None,
    *,
    story_id: str | None = None,
    duplicates: Sequence[DuplicateLink] = (),
) -> dict[str, Any]:
    """Return an article with its analysis as one JSON-ready dict (empty lists when not analysed yet)."""
    view: dict[str, Any] = to_jsonable(article)
    view["language"] = analysis.language if analysis and analysis.language else article.language
    view["entities"] = to_jsonable(analysis.entities) if analysis else []
    view["quotes"] = to_jsonable(analysis.quotes) if analysis else []
    view["times"] = to_jsonable(analysis.times) if analysis else []
    view["events"] = to_jsonable(analysis.events) if analysis else []
    view["qualifiers"] = to_jsonable(analysis.qualifiers) if analysis else []
    view["quantities"] = to_jsonable(analysis.quantities) if analysis else []
    view["analyzer"] = analysis.analyzer if analysis else None
    view["story_id"] = story_id
    view["duplicates"] = [_duplicate_view(article.id, link) for link in duplicates]
    return view


def article_report_view(report: ArticleReport) -> dict[str, Any]:
    """Return ``pipeline.article_report`` as ``article_view`` does (``veille show ARTICLE``)."""
    return article_view(
        report.article, report.analysis, story_id=report.story_id, duplicates=report.duplicates
    )


def article_summary_view(article: Article) -> dict[str, Any]:
    """Return an article's line in a list: id, outlet, published, title, url, author, language (no text)."""
    return {
        "id": article.id,
        "outlet": article.outlet,
        "published": article.published.isoformat() if article.published else None,
        "title": article.title,
        "url": article.url,
        "author": article.author,
        "language": article.language,
    }


def _duplicate_view(article_id: str, link: DuplicateLink) -> dict[str, Any]:
    other = link.other_id if link.article_id == article_id else link.article_id
    return {"article_id": other, "kind": link.kind, "similarity": link.similarity}


def story_view(story: Story) -> dict[str, Any]:
    """Return a story as a JSON-ready dict (id, label, articles, outlets, first_seen, last_seen, size)."""
    view: dict[str, Any] = to_jsonable(story)
    view["size"] = len(story.articles)
    return view


def regroup_view(report: RegroupReport) -> dict[str, Any]:
    """Return a regrouping as a JSON-ready dict: range, counts, story ids kept/opened/closed, moves, and the
    ``compared`` stage counters of the changed stories."""
    view: dict[str, Any] = to_jsonable(report)
    view["compared"] = report.compared.as_dict()
    return view


def story_report_view(report: StoryReport, coverage: Coverage | None = None) -> dict[str, Any]:
    """Return a story report as one JSON-ready dict: the story (``articles``: ids, as ``story_view``), its
    ``members`` (each article's id, outlet, date, title, url), entities, events (with ``source_count``) and
    duplicate links; with ``coverage``, its coverage by source (``coverage_view``)."""
    view = story_view(report.story)
    if coverage is not None:
        view["coverage"] = coverage_view(coverage)
    view["members"] = [
        {"id": a.id, "outlet": a.outlet, "published": a.published, "title": a.title, "url": a.url}
        for a in report.articles
    ]
    view["entities"] = report.entities
    view["events"] = [story_event_view(e) for e in report.events]
    view["duplicates"] = report.duplicates
    result: dict[str, Any] = to_jsonable(view)
    return result


def comparison_view(comparison: Comparison) -> dict[str, Any]:
    """Return a comparison as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(comparison)
    return result


def entity_view(entity: RegistryEntity) -> dict[str, Any]:
    """Return a registry entity as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(entity)
    return result


def entity_report_view(report: EntityReport) -> dict[str, Any]:
    """Return an entity with its articles and hand edits as a JSON-ready dict."""
    result: dict[str, Any] = entity_view(report.entity)
    result["articles"] = list(report.articles)
    result["edits"] = [to_jsonable(edit) for edit in report.edits]
    return result


def entity_edit_view(edit: EntityEdit) -> dict[str, Any]:
    """Return a hand merge or split as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(edit)
    return result


def failure_view(failure: Failure) -> dict[str, Any]:
    """Return a failure as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(failure)
    return result


def quote_view(record: QuoteRecord) -> dict[str, Any]:
    """Return a stored quote with its speaker, article and sources as a JSON-ready dict (docs/json.md)."""
    result: dict[str, Any] = to_jsonable(record)
    result["source_count"] = len(record.sources)
    return result


def duplicate_view(record: DuplicateRecord) -> dict[str, Any]:
    """Return a stored duplicate link with both articles' outlet, title and date as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(record)
    return result


def event_view(record: EventRecord) -> dict[str, Any]:
    """Return a stored event with its article and arguments as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(record)
    return result


def story_event_view(event: StoryEvent) -> dict[str, Any]:
    """Return a story's event merged across its sources, with ``source_count``, as a JSON-ready dict."""
    return {**to_jsonable(event), "source_count": len(event.sources)}


def search_hit_view(hit: SearchHit) -> dict[str, Any]:
    """Return a search hit (article_id, title, outlet, snippet, rank) as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(hit)
    return result


def source_view(source: Source) -> dict[str, Any]:
    """Return a registered source (outlet) as a JSON-ready dict: id, name, kind, country, domains, feeds
    (url, kind, id), languages, active, added, note."""
    result: dict[str, Any] = to_jsonable(source)
    return result


def unknown_outlet_view(outlet: UnknownOutlet) -> dict[str, Any]:
    """Return a domain or outlet name of articles tied to no source, with their count, as a JSON-ready dict."""
    result: dict[str, Any] = to_jsonable(outlet)
    return result


def import_report_view(report: ImportReport) -> dict[str, Any]:
    """Return a sources import as a JSON-ready dict: ids added, updated, unchanged; refused rows (line, name,
    message)."""
    result: dict[str, Any] = to_jsonable(report)
    return result


def coverage_view(coverage: Coverage) -> dict[str, Any]:
    """Return a story's coverage (countries, kinds, languages, timing, unknown share, blind spots) as a
    JSON-ready dict, with ``blindspot``: true when it has any blind spot."""
    return coverage_json(coverage)


def blindspot_views(found: Sequence[tuple[Story, Coverage]]) -> list[dict[str, Any]]:
    """Return blind-spot stories (``coverage.list_blindspot_stories``) as ``veille stories --blindspot --json``
    and ``GET /api/stories?blindspot=true`` give them: each story's view with its ``coverage``."""
    return [{**story_view(story), "coverage": coverage_view(covered)} for story, covered in found]
