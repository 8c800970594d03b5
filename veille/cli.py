"""The ``veille`` command: each command parses, calls one library function, renders (or prints --json).

Exit codes: 0 when everything succeeded, 1 when some items failed (the summary says which and why),
2 on a usage error.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console, Group

from veille import pipeline, render, views
from veille.compare import coverage, export
from veille.errors import VeilleError
from veille.group.events import story_events
from veille.model import SOURCE_KINDS
from veille.settings import Settings, load_settings, setting_help
from veille.sources import registry
from veille.store import open_store
from veille.store.base import Store
from veille.store.engine import redact
from veille.understand import quote_groups

logger = logging.getLogger(__name__)
out = Console(soft_wrap=False)
err = Console(stderr=True)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@contextmanager
def _store(ctx: click.Context) -> Iterator[Store]:
    try:
        store = open_store(_settings(ctx).db)
    except VeilleError as exc:
        raise click.ClickException(f"{exc} (choose another path with --db or VEILLE_DB)") from exc
    try:
        yield store
    finally:
        store.close()


def _emit(as_json: bool, data: Any, renderable: Any) -> None:
    if as_json:
        render.print_json(out, data)
    else:
        out.print(renderable)


def _show_progress() -> bool:
    return sys.stderr.isatty()


def date_option(flag: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:  # noqa: A002
    """Return a --since/--until style option: a YYYY-MM-DD date."""
    return click.option(flag, type=click.DateTime(["%Y-%m-%d"]), metavar="DATE", help=help)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    default=None,
    help="The store: an SQLite path or a postgresql://USER@HOST/DBNAME address (default: $VEILLE_DB, then ./veille.db).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(package_name="veille")
@click.pass_context
def main(ctx: click.Context, db: str | None, verbose: int, quiet: bool) -> None:
    """veille: cross-check French-language news across outlets (stories, entities, quotes, sources side by side)."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        ctx.obj = {"settings": load_settings({"db": db})}
    except (ValueError, TypeError) as exc:
        raise click.UsageError(str(exc)) from exc


allow_private_option = click.option(
    "--allow-private",
    is_flag=True,
    default=None,
    help="Also fetch loopback, private and link-local addresses (refused by default; setting allow_private).",
)


@main.command()
@click.argument("sources", nargs=-1, required=True)
@allow_private_option
@json_option
@click.pass_context
def ingest(ctx: click.Context, sources: tuple[str, ...], allow_private: bool | None, as_json: bool) -> None:
    """Store files, folders (recursive), URLs or stdin (-) raw, each with a stable content id."""
    settings = _settings(ctx) if not allow_private else replace(_settings(ctx), allow_private=True)
    with _store(ctx) as store:
        count = pipeline.ingest(
            store, sources, settings=settings, stdin=sys.stdin.buffer, progress=_show_progress()
        )
    _emit(as_json, count.as_dict(), render.summary_table({"ingest": count.as_dict()}))
    ctx.exit(1 if count.failed else 0)


@main.command()
@click.option(
    "--retry-failed", is_flag=True, help="Also retry items that failed at the current stage version."
)
@click.option(
    "--fail-fast", is_flag=True, help="Stop at the first failure and show its traceback (debugging)."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that extract and understand (default: the machine's cores; 1 with --fail-fast).",
)
@json_option
@click.pass_context
def run(ctx: click.Context, retry_failed: bool, fail_fast: bool, workers: int | None, as_json: bool) -> None:
    """Run every stage on what is new or was made by an older stage version."""
    with _store(ctx) as store:
        summary = pipeline.run(
            store,
            settings=_settings(ctx),
            retry_failed=retry_failed,
            fail_fast=fail_fast,
            progress=_show_progress(),
            workers=workers or (1 if fail_fast else pipeline.default_workers()),
            release_models=True,  # this process ends with the run
        )
    _emit(as_json, summary.as_dict(), render.summary_table(summary.as_dict()))
    if summary.failed and not as_json:
        err.print(
            f"{summary.failed} item(s) failed: see `veille failures`; retry with `veille run --retry-failed`."
        )
    ctx.exit(1 if summary.failed else 0)


def sample_sources() -> list[str]:
    """Return the files of the bundled sample corpus: the seeds and the RPM2 articles (their licence notices lie
    in ``data/notices``, so ingesting the folder reads these files and nothing else)."""
    root = Path(__file__).resolve().parent / "data" / "sample"
    return [str(p) for p in sorted(root.rglob("*.txt"))]


@main.command()
@json_option
@click.pass_context
def demo(ctx: click.Context, as_json: bool) -> None:
    """Ingest the bundled sample, run every stage, print the stories and the best-sourced story side by side.

    A store without sources gets the starter list of outlets (`veille sources import --starter`), so stories
    show their coverage by country and kind."""
    with _store(ctx) as store:
        settings = _settings(ctx)
        if not store.list_sources():
            registry.import_sources(
                store, *registry.read_sources(registry.starter_path().read_bytes(), "toml")
            )
        ingested = pipeline.ingest(store, sample_sources(), settings=settings, progress=_show_progress())
        summary = pipeline.run(store, settings=settings, progress=_show_progress())
        summary.stages["ingest"] = ingested
        stories = pipeline.list_stories(store, min_articles=2)
        featured = max(stories, key=lambda s: (len(s.outlets), len(s.articles)), default=None)
        comparison = pipeline.compare_story(store, featured.id) if featured else None
    if as_json:
        render.print_json(
            out,
            {
                "summary": summary.as_dict(),
                "stories": [views.story_view(s) for s in stories],
                "featured": views.comparison_view(comparison) if comparison else None,
            },
        )
    else:
        out.print(render.summary_table(summary.as_dict()))
        out.print(render.stories_table(stories, title=f"{len(stories)} stories with two articles or more"))
        if comparison:
            out.print(render.comparison_panel(comparison))
        out.print(
            f"Database: {_settings(ctx).db}. Next: `veille serve` to read it in a browser, or `veille stories`,"
            " `veille compare STORY_ID`, `veille entities`."
        )
    ctx.exit(1 if summary.failed else 0)


@main.command()
@click.option(
    "--min-articles", default=1, show_default=True, help="Only stories with at least this many articles."
)
@date_option("--since", "Only stories with articles on or after DATE.")
@date_option("--until", "Only stories with articles on or before DATE.")
@click.option("--entity", metavar="NAME", help="Only stories mentioning this entity (id, name or alias).")
@click.option(
    "--outlet", metavar="WORDS", help="Only stories with an article from this outlet (words of its name)."
)
@click.option("--query", metavar="WORDS", help="Only stories with an article holding these words.")
@click.option(
    "--order",
    type=click.Choice(["largest", "newest"]),
    default="largest",
    show_default=True,
    help="largest: the most articles first; newest: the latest article first.",
)
@click.option(
    "--limit", default=50, type=click.IntRange(min=1), show_default=True, help="How many stories at most."
)
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Skip this many (paging).")
@click.option(
    "--blindspot",
    is_flag=True,
    help="Only blind spots: stories told only by sources of one country or of one kind (each with its coverage).",
)
@json_option
@click.pass_context
def stories(
    ctx: click.Context,
    min_articles: int,
    since: datetime | None,
    until: datetime | None,
    entity: str | None,
    outlet: str | None,
    query: str | None,
    order: str,
    limit: int,
    offset: int,
    blindspot: bool,
    as_json: bool,
) -> None:
    """List stories, the largest (or newest) first, by date range, entity, outlet or words."""
    filters: dict[str, Any] = {
        "min_articles": min_articles,
        "since": since.date() if since else None,
        "until": until.date() if until else None,
        "entity": entity,
        "outlet": outlet,
        "query": query,
        "order": order,
    }
    with _store(ctx) as store:
        try:
            if blindspot:
                blind = coverage.list_blindspot_stories(
                    store,
                    min_sources=_settings(ctx).blindspot_min_sources,
                    limit=limit,
                    offset=offset,
                    **filters,
                )
            else:
                found = pipeline.list_stories(store, limit=limit, offset=offset, **filters)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    if blindspot:
        rows = views.blindspot_views(blind)
        _emit(as_json, rows, render.blindspots_table(rows))
        return
    _emit(as_json, [views.story_view(s) for s in found], render.stories_table(found))


@main.command()
@date_option("--since", "Only stories with articles on or after DATE (default: from the first).")
@date_option("--until", "Only stories with articles on or before DATE (default: to the last).")
@click.option("--dry-run", is_flag=True, help="Report what would change, write nothing.")
@json_option
@click.pass_context
def regroup(
    ctx: click.Context, since: datetime | None, until: datetime | None, dry_run: bool, as_json: bool
) -> None:
    """Re-cluster the stories of a date range at once (nightly); articles that stay keep their story id."""
    with _store(ctx) as store:
        report = pipeline.regroup(
            store,
            settings=_settings(ctx),
            since=since.date() if since else None,
            until=until.date() if until else None,
            dry_run=dry_run,
            progress=_show_progress(),
        )
    _emit(as_json, views.regroup_view(report), render.regroup_tables(report))
    ctx.exit(1 if report.compared.failed else 0)


@main.command()
@click.option("--kind", type=click.Choice(["exact", "near", "syndicated"]), help="Only links of this kind.")
@click.option(
    "--article", "article_id", metavar="ID", help="Only links of this article (id or unique prefix)."
)
@click.option("--story", "story_id", metavar="ID", help="Only links touching this story's articles.")
@click.option(
    "--limit", default=100, type=click.IntRange(min=1), show_default=True, help="How many links at most."
)
@json_option
@click.pass_context
def duplicates(
    ctx: click.Context,
    kind: str | None,
    article_id: str | None,
    story_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List articles that copy each other (exact, near, syndicated), the most similar first."""
    with _store(ctx) as store:
        try:
            found = store.list_duplicates(kind=kind, article_id=article_id, story_id=story_id, limit=limit)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, [views.duplicate_view(d) for d in found], render.duplicates_table(found))


@main.command()
@click.option(
    "--outlet", metavar="WORDS", help="Only articles from this outlet (words of its name, accents ignored)."
)
@date_option("--since", "Only articles published on or after DATE.")
@date_option("--until", "Only articles published on or before DATE.")
@click.option(
    "--limit", default=50, type=click.IntRange(min=1), show_default=True, help="How many articles at most."
)
@click.option("--offset", default=0, type=click.IntRange(min=0), help="Skip this many (paging).")
@json_option
@click.pass_context
def articles(
    ctx: click.Context,
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List articles, the latest published first: id, outlet, date, title."""
    with _store(ctx) as store:
        try:
            found = store.list_articles(
                outlet=outlet,
                since=since.date() if since else None,
                until=until.date() if until else None,
                limit=limit,
                offset=offset,
            )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    rows = [views.article_summary_view(a) for a in found]
    _emit(as_json, rows, render.articles_table(rows))


@main.command()
@click.argument("item_id")
@json_option
@click.pass_context
def show(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """Show an article (with its entities, quotes, dates) or a story, by id or unique id prefix."""
    with _store(ctx) as store:
        try:
            article = store.get_article(item_id)
            story = None if article else store.get_story(item_id)
            if article is not None:
                view = views.article_report_view(pipeline.article_report(store, article.id))
            elif story is not None:
                view = views.story_report_view(
                    pipeline.story_report(store, story.id),
                    coverage.story_coverage(
                        store, story.id, min_sources=_settings(ctx).blindspot_min_sources
                    ),
                )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    if article is not None:
        _emit(as_json, view, render.article_panel(view))
    elif story is not None:
        _emit(as_json, view, render.story_panel(view))
    else:
        raise click.UsageError(f"no article or story {item_id!r}; see `veille stories` or `veille search`")


@main.command()
@click.argument("story_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "html", "csv"]),
    default="terminal",
    show_default=True,
    help="markdown, html or csv: an export to paste into a note or a spreadsheet (with --output, to a file).",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True), help="Write the export to this file."
)
@click.option("--refresh", is_flag=True, help="Compare again instead of reading the stored comparison.")
@json_option
@click.pass_context
def compare(
    ctx: click.Context, story_id: str, fmt: str, output: str | None, refresh: bool, as_json: bool
) -> None:
    """Cross-check a story's sources: what all say, what only one says, where they disagree, the words each
    chooses, who they quote, the timeline; every item with its evidence (ARTICLE:START-END)."""
    if output is not None and fmt == "terminal":
        raise click.UsageError("--output writes an export: add --format markdown, html or csv")
    if as_json and fmt != "terminal":
        raise click.UsageError("--json prints the comparison itself: leave out --format")
    with _store(ctx) as store:
        try:
            comparison = pipeline.story_comparison(store, story_id, refresh=refresh)
            covered = coverage.story_coverage(
                store, comparison.story_id, min_sources=_settings(ctx).blindspot_min_sources
            )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    if fmt == "terminal":
        cov = views.coverage_view(covered)
        _emit(
            as_json,
            {**views.comparison_view(comparison), "coverage": cov},
            Group(render.comparison_panel(comparison), *render.coverage_lines(cov)),
        )
        return
    text = {"html": export.to_html, "csv": export.to_csv}.get(fmt, export.to_markdown)(comparison)
    if output is None:
        click.echo(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@main.group(invoke_without_command=True)
@click.option("--type", "type_", type=click.Choice(["PER", "ORG", "LOC", "MISC"]), help="Only this type.")
@click.option("--limit", default=50, type=click.IntRange(min=1), show_default=True)
@json_option
@click.pass_context
def entities(ctx: click.Context, type_: str | None, limit: int, as_json: bool) -> None:
    """List the entity registry: people, organisations, places, the most cited first.

    Subcommands show one entity, or correct the registry by hand (merge, split); corrections are kept
    and replayed on every later run.
    """
    if ctx.invoked_subcommand is not None:
        return
    with _store(ctx) as store:
        found = store.list_entities(type=type_, limit=limit)
    _emit(as_json, [views.entity_view(e) for e in found], render.entities_table(found))


@entities.command("show")
@click.argument("name")
@click.option(
    "--limit",
    default=20,
    type=click.IntRange(min=1),
    show_default=True,
    help="How many of its latest articles to list.",
)
@json_option
@click.pass_context
def entities_show(ctx: click.Context, name: str, limit: int, as_json: bool) -> None:
    """Show one entity (by id, name or alias): aliases, dates, latest articles, hand edits."""
    with _store(ctx) as store:
        try:
            report = pipeline.entity_report(store, name, limit=limit)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, views.entity_report_view(report), render.entity_panel(report))


@entities.command("merge")
@click.argument("source")
@click.argument("target")
@click.option("--note", help="Why (kept with the edit).")
@json_option
@click.pass_context
def entities_merge(ctx: click.Context, source: str, target: str, note: str | None, as_json: bool) -> None:
    """Merge entity SOURCE into TARGET (ids, names or aliases); later runs keep the merge."""
    with _store(ctx) as store:
        try:
            edit = pipeline.merge_entities(store, source, target, note=note)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, views.entity_edit_view(edit), f"merged {edit.entity_id} into {edit.target_id}")


@entities.command("split")
@click.argument("entity")
@click.option("--name", required=True, help="Name of the new entity the mentions move to.")
@click.option("--alias", help="Move only the mentions written exactly so.")
@click.option("--article", "article_id", help="Move only the mentions in this article (id or prefix).")
@click.option("--note", help="Why (kept with the edit).")
@json_option
@click.pass_context
def entities_split(
    ctx: click.Context,
    entity: str,
    name: str,
    alias: str | None,
    article_id: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Split mentions off ENTITY into a new entity NAME (by alias and/or article); later runs keep it."""
    with _store(ctx) as store:
        try:
            edit = pipeline.split_entity(store, entity, name, alias=alias, article_id=article_id, note=note)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, views.entity_edit_view(edit), f"split {edit.entity_id} → {edit.target_id} ({name})")


@main.command()
@click.option(
    "--speaker",
    metavar="NAME",
    help="Who said it: an entity id, name or alias (or an unresolved speaker's words).",
)
@click.option("--article", "article_id", metavar="ID", help="Only this article (id or unique prefix).")
@click.option(
    "--story", "story_id", metavar="ID", help="Only the articles of this story (id or unique prefix)."
)
@click.option("--kind", type=click.Choice(["direct", "indirect", "mixed", "partial"]), help="Only this kind.")
@date_option("--since", "Only articles published on or after DATE.")
@date_option("--until", "Only articles published on or before DATE.")
@click.option(
    "--text", metavar="WORDS", help="Only quotes containing these words (accents and case ignored)."
)
@click.option(
    "--limit", default=100, type=click.IntRange(min=1), show_default=True, help="How many quotes at most."
)
@json_option
@click.pass_context
def quotes(
    ctx: click.Context,
    speaker: str | None,
    article_id: str | None,
    story_id: str | None,
    kind: str | None,
    since: datetime | None,
    until: datetime | None,
    text: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List who said what, newest first: each quote with its speaker and the outlets that carry it."""
    with _store(ctx) as store:
        try:
            found = quote_groups.list_quotes(
                store,
                speaker=speaker,
                article_id=article_id,
                story_id=story_id,
                kind=kind,
                since=since.date() if since else None,
                until=until.date() if until else None,
                text=text,
                limit=limit,
            )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, [views.quote_view(q) for q in found], render.quotes_table(found))


@main.command()
@click.option(
    "--type", "type_", metavar="TYPE", help="Only this event type (visit, meet, sign, deliver, expel...)."
)
@click.option(
    "--entity", metavar="NAME", help="Only events with this entity (id, name or alias) among their arguments."
)
@click.option(
    "--place",
    metavar="NAME",
    help="Only events at this place (id, name or alias; a country includes its places).",
)
@date_option("--since", "Only events dated on or after DATE (their own date, else their article's).")
@date_option("--until", "Only events dated on or before DATE (their own date, else their article's).")
@click.option("--article", "article_id", metavar="ID", help="Only this article (id or unique prefix).")
@click.option(
    "--story",
    "story_id",
    metavar="ID",
    help="Only this story (id or unique prefix), each event told by several articles shown once with its sources.",
)
@click.option(
    "--limit", default=100, type=click.IntRange(min=1), show_default=True, help="How many events at most."
)
@json_option
@click.pass_context
def events(
    ctx: click.Context,
    type_: str | None,
    entity: str | None,
    place: str | None,
    since: datetime | None,
    until: datetime | None,
    article_id: str | None,
    story_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List what happened, latest first: typed events with who, whom, where and when, and their article.

    With --story, the story's events merged across outlets: each with all its sources, and the details
    sources disagree on (dates, places, participants) side by side, flagged CONFLICT.
    """
    filters: dict[str, Any] = {
        "type": type_,
        "entity": entity,
        "place": place,
        "since": since.date() if since else None,
        "until": until.date() if until else None,
        "article_id": article_id,
        "limit": limit,
    }
    with _store(ctx) as store:
        try:
            if story_id is not None:
                merged = story_events(store, story_id, **filters)
            else:
                found = store.list_events(**filters)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    if story_id is not None:
        _emit(as_json, [views.story_event_view(m) for m in merged], render.story_events_table(merged))
    else:
        _emit(as_json, [views.event_view(r) for r in found], render.events_table(found))


@main.command()
@click.argument("query")
@click.option("--limit", default=20, type=click.IntRange(min=1), show_default=True)
@json_option
@click.pass_context
def search(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Full-text search over titles and texts (accents and case ignored)."""
    with _store(ctx) as store:
        hits = store.search(query, limit=limit)
    _emit(as_json, [views.search_hit_view(h) for h in hits], render.search_table(hits))


@main.command()
@click.option("--stage", type=click.Choice(list(pipeline.STAGES)), help="Only this stage.")
@json_option
@click.pass_context
def failures(ctx: click.Context, stage: str | None, as_json: bool) -> None:
    """List recorded failures: the item, the stage, a stable code and the reason."""
    with _store(ctx) as store:
        found = store.list_failures(stage=stage)
    _emit(as_json, [views.failure_view(f) for f in found], render.failures_table(found))


@main.group("sources", invoke_without_command=True)
@json_option
@click.pass_context
def sources_group(ctx: click.Context, as_json: bool) -> None:
    """The source registry: the outlets articles are tied to (by URL domain, else outlet name), with their
    country, kind, languages and feeds. Without a subcommand: `veille sources list`.

    Start from the shipped list of Sahel and West African outlets with `veille sources import --starter`.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(sources_list, as_json=as_json)


def _source_kind_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:  # noqa: A002
    return click.option("--kind", type=click.Choice(SOURCE_KINDS), help=help)


@sources_group.command("list")
@click.option("--country", metavar="CC", help="Only sources of this country (ISO 3166 code, e.g. ML).")
@_source_kind_option("Only sources of this kind.")
@click.option("--active/--inactive", "active", default=None, help="Only active (or inactive) sources.")
@json_option
@click.pass_context
def sources_list(
    ctx: click.Context,
    country: str | None = None,
    kind: str | None = None,
    active: bool | None = None,
    as_json: bool = False,
) -> None:
    """List the registered sources by name."""
    try:
        code = registry.country_code(country) if country else None
    except VeilleError as exc:
        raise click.UsageError(str(exc)) from exc
    with _store(ctx) as store:
        found = store.list_sources(country=code, kind=kind, active=active)
    rows = [views.source_view(s) for s in found]
    _emit(as_json, rows, render.sources_table(rows))


@sources_group.command("show")
@click.argument("source")
@json_option
@click.pass_context
def sources_show(ctx: click.Context, source: str, as_json: bool) -> None:
    """Show one source, by id, name or one of its domains (any URL on it)."""
    with _store(ctx) as store:
        found = store.get_source(source)
    if found is None:
        raise click.UsageError(f"no source {source!r}; see `veille sources list`")
    view = views.source_view(found)
    _emit(as_json, view, render.source_panel(view))


@sources_group.command("add")
@click.argument("name")
@click.option(
    "--domain", "domains", multiple=True, metavar="DOMAIN", help="A domain of its articles (repeat)."
)
@click.option("--country", metavar="CC", help="Its country: ISO 3166 code (ML, SN, FR…).")
@click.option(
    "--kind",
    type=click.Choice(SOURCE_KINDS),
    help="public (public or state), private, international, agency, blog, other (required for a new source).",
)
@click.option(
    "--feed", "feeds", multiple=True, metavar="URL", help="An RSS/Atom feed or news sitemap (repeat)."
)
@click.option(
    "--language", "languages", multiple=True, metavar="CODE", help="A language it publishes in (repeat)."
)
@click.option("--active/--inactive", "active", default=None, help="Whether `veille watch` follows it.")
@click.option("--note", help="A note kept with it.")
@json_option
@click.pass_context
def sources_add(
    ctx: click.Context,
    name: str,
    domains: tuple[str, ...],
    country: str | None,
    kind: str | None,
    feeds: tuple[str, ...],
    languages: tuple[str, ...],
    active: bool | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Add a source, or update the source of that name: the domains, feeds and languages given are added to
    its own, the other options given replace its values. Articles already stored on its domains are tied to
    it at once."""
    with _store(ctx) as store:
        try:
            saved, added = registry.add_source(
                store,
                name,
                kind=kind,
                country=country,
                domains=domains,
                feeds=feeds,
                languages=languages,
                active=active,
                note=note,
            )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    view = views.source_view(saved)
    _emit(as_json, view, f"{'added' if added else 'updated'} source {saved.id} ({saved.name})")


@sources_group.command("import")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--starter", is_flag=True, help="Import the starter list shipped with veille (95 outlets).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "toml"]),
    help="The file's format (default: from its name, .toml or else csv).",
)
@json_option
@click.pass_context
def sources_import(
    ctx: click.Context, path: str | None, starter: bool, fmt: str | None, as_json: bool
) -> None:
    """Import sources from a CSV or TOML file (columns name,domain,country,kind,feeds and optionally
    languages,active,note,id; several domains or feeds separated by spaces), or the starter list.

    A row updates the source of its name (or of one of its domains), else adds one; an empty cell keeps the
    stored value, so importing again changes nothing. A bad row is reported with its line and skipped.
    Exits 1 when some rows were refused.
    """
    if (path is None) == (not starter):
        raise click.UsageError("give a FILE to import, or --starter (not both)")
    source = registry.starter_path() if starter else Path(str(path))
    with _store(ctx) as store:
        try:
            rows, errors = registry.read_sources(source.read_bytes(), fmt or registry.format_of(source))
        except VeilleError as exc:
            raise click.UsageError(f"{source}: {exc}") from exc
        report = registry.import_sources(store, rows, errors)
    view = views.import_report_view(report)
    _emit(as_json, view, render.import_report_table(view))
    ctx.exit(1 if report.errors else 0)


@sources_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "toml"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
@click.option(
    "--json", "as_json", is_flag=True, help="Write the sources as JSON (as `veille sources list --json`)."
)
@click.pass_context
def sources_export(ctx: click.Context, fmt: str, output: str | None, as_json: bool) -> None:
    """Write every source as CSV or TOML (what `veille sources import` reads back), or JSON."""
    with _store(ctx) as store:
        found = store.list_sources()
    if as_json:
        text = json.dumps([views.source_view(s) for s in found], ensure_ascii=False, indent=2) + "\n"
    else:
        text = registry.export_sources(found, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@sources_group.command("unknown")
@click.option("--limit", default=50, type=click.IntRange(min=1), show_default=True, help="How many at most.")
@json_option
@click.pass_context
def sources_unknown(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List the domains (and outlet names of articles without a URL) of articles tied to no source, the most
    frequent first: the outlets to add."""
    with _store(ctx) as store:
        found = store.unknown_outlets(limit=limit)
    rows = [views.unknown_outlet_view(u) for u in found]
    _emit(as_json, rows, render.unknown_outlets_table(rows))


@sources_group.command("status")
@json_option
@click.pass_context
def sources_status(ctx: click.Context, as_json: bool) -> None:
    """Each source's health as `veille watch` sees it: last success, last error (and when), new articles per
    day over the last 7 days, and whether it failing, paused or gone silent (watch_silent_days)."""
    from veille.watch import status, tables

    with _store(ctx) as store:
        found = status.source_status(store, _settings(ctx))
    _emit(as_json, status.status_json(found), tables.status_table(found))


@sources_group.command("schedule")
@click.argument("source")
@click.argument("seconds", required=False, type=click.FloatRange(min=0))
@json_option
@click.pass_context
def sources_schedule(ctx: click.Context, source: str, seconds: float | None, as_json: bool) -> None:
    """Poll SOURCE's feeds every SECONDS in `veille watch` (without SECONDS: back to the watch_interval
    setting)."""
    from veille.watch import poll

    with _store(ctx) as store:
        try:
            feeds = poll.schedule_feeds(store, source, seconds)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    every = f"every {seconds:g}s" if seconds is not None else "on the watch_interval setting"
    if as_json:
        _emit(True, {"source": source, "interval": seconds, "feeds": feeds}, "")
        return
    err.print(f"{len(feeds)} feed(s) of {source} polled {every}")


@main.command()
@click.option("--once", is_flag=True, help="One pass over the due feeds, then exit (for cron).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    help="Seconds between two polls of a feed (default: its own schedule, else the watch_interval setting).",
)
@click.option(
    "--force", is_flag=True, help="Poll every feed not paused now, whatever its schedule or back-off."
)
@click.option(
    "--resume", "resume", metavar="SOURCE", help="Unpause the paused feeds of SOURCE (or 'all') first."
)
@click.option(
    "--no-run", is_flag=True, help="Only store the new articles; leave the pipeline to `veille run`."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes for each pipeline run.",
)
@allow_private_option
@json_option
@click.pass_context
def watch(
    ctx: click.Context,
    once: bool,
    interval: float | None,
    force: bool,
    resume: str | None,
    no_run: bool,
    workers: int,
    allow_private: bool | None,
    as_json: bool,
) -> None:
    """Follow the registered sources' feeds: fetch each new entry's page once, store it, run the pipeline on
    the new articles in batches. Runs until SIGINT/SIGTERM, which stop it after the current item (exit 0);
    a restart goes on where it stopped. --once: one pass (exit 1 when a feed or page failed)."""
    import signal
    import threading

    from veille.watch import poll, tables

    changes: dict[str, Any] = {"allow_private": True} if allow_private else {}
    if interval is not None:
        changes["watch_interval"] = interval
    settings = replace(_settings(ctx), **changes)
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        if stop.is_set():  # asked twice (e.g. during a long pipeline run): stop now; commits are whole
            err.print(f"veille watch: {signal.Signals(signum).name} again: stopping now")
            raise KeyboardInterrupt
        err.print(
            f"veille watch: {signal.Signals(signum).name}: stopping after the current item (again: at once)"
        )
        stop.set()

    def _show(summary: poll.PassSummary) -> None:
        _emit(as_json, summary.as_dict(), tables.pass_table(summary))
        sys.stdout.flush()

    progress = (
        (lambda url: err.print(f"polled {render.escape(url)}", highlight=False)) if _show_progress() else None
    )
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _store(ctx) as store:
            if resume:
                resumed = poll.resume_feeds(store, None if resume == "all" else resume)
                err.print(f"resumed {len(resumed)} paused feed(s)")

            def run_pipeline() -> dict[str, Any]:
                return pipeline.run(store, settings=settings, workers=workers).as_dict()

            runner = None if no_run else run_pipeline
            if once:
                summary = poll.poll_once(
                    store, settings, stop=stop, force=force, run_pipeline=runner, progress=progress
                )
                _show(summary)
                ctx.exit(1 if (summary.feeds_failed or summary.pages_failed) and not summary.stopped else 0)
            poll.watch(store, settings, stop=stop, on_pass=_show, run_pipeline=runner, progress=progress)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@main.group("watches", invoke_without_command=True)
@click.pass_context
def watches_group(ctx: click.Context) -> None:
    """What you follow: an entity, words, a set of sources; `veille alerts` tells what is new in them.
    Without a subcommand: `veille watches list`."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(watches_list)


@watches_group.command("add")
@click.option("--entity", metavar="NAME", help="Stories mentioning this entity (id, name or alias).")
@click.option("--words", metavar="WORDS", help="Stories with an article holding these words.")
@click.option(
    "--sources", "sources", multiple=True, metavar="SOURCE", help="Stories told by this source (repeat)."
)
@json_option
@click.pass_context
def watches_add(
    ctx: click.Context, entity: str | None, words: str | None, sources: tuple[str, ...], as_json: bool
) -> None:
    """Save a watch (a story must match everything given); its alerts start from now."""
    from veille.model import to_jsonable
    from veille.watch import alerts

    with _store(ctx) as store:
        try:
            saved = alerts.add_watch(store, entity=entity, words=words, sources=sources)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, to_jsonable(saved), f"saved watch {saved.id}")


@watches_group.command("list")
@json_option
@click.pass_context
def watches_list(ctx: click.Context, as_json: bool = False) -> None:
    """List the saved watches."""
    from veille.model import to_jsonable
    from veille.watch import tables

    with _store(ctx) as store:
        found = store.list_watches()
    _emit(as_json, to_jsonable(found), tables.watches_table(found))


@watches_group.command("remove")
@click.argument("watch_id", type=int)
@click.pass_context
def watches_remove(ctx: click.Context, watch_id: int) -> None:
    """Delete a watch and its alerts."""
    from veille.watch import alerts

    with _store(ctx) as store:
        try:
            alerts.remove_watch(store, watch_id)
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    err.print(f"removed watch {watch_id}")


@main.command()
@date_option("--since", "Look from DATE instead of each watch's last look.")
@click.option(
    "--post", metavar="URL", help="POST each alert not yet delivered as JSON to URL (failed: kept)."
)
@json_option
@click.pass_context
def alerts(ctx: click.Context, since: datetime | None, post: str | None, as_json: bool) -> None:
    """New stories matching your watches and new conflicts in watched stories since the last look.
    Exits 1 when an alert could not be posted (it stays pending for the next look)."""
    from datetime import UTC

    from veille.watch import alerts as watch_alerts
    from veille.watch import tables

    with _store(ctx) as store:
        try:
            report = watch_alerts.check_alerts(
                store, _settings(ctx), since=since.replace(tzinfo=UTC) if since else None, post=post
            )
        except VeilleError as exc:
            raise click.UsageError(str(exc)) from exc
    _emit(as_json, report.as_dict(), tables.alerts_table(report))
    ctx.exit(1 if report.failed else 0)


def _stateless(ctx: click.Context, path: str, with_analysis: bool) -> None:
    from veille.ingest import iter_inputs

    failed = 0
    for item in iter_inputs([path], settings=_settings(ctx), stdin=sys.stdin.buffer):
        if item.failure is not None or item.document is None:
            failed += 1
            reason = item.failure.message if item.failure else "unreadable"
            err.print(f"{render.escape(path)}: {render.escape(reason)}")
            continue
        try:
            article, analysis = pipeline.analyze_document(
                item.document, settings=_settings(ctx), with_analysis=with_analysis
            )
        except VeilleError as exc:
            failed += 1
            err.print(f"{render.escape(item.document.source)}: {exc.code}: {render.escape(str(exc))}")
            continue
        out.file.write(render.json_line(views.article_view(article, analysis)) + "\n")
    ctx.exit(1 if failed else 0)


@main.command()
@click.argument("path")
@click.option(
    "--json", "as_json", is_flag=True, default=True, help="JSON Lines, one article per line (default)."
)
@click.pass_context
def extract(ctx: click.Context, path: str, as_json: bool) -> None:
    """Extract the article(s) of one input without a database (JSON Lines on stdout)."""
    _stateless(ctx, path, with_analysis=False)


@main.command()
@click.argument("path")
@click.option(
    "--json", "as_json", is_flag=True, default=True, help="JSON Lines, one article per line (default)."
)
@click.pass_context
def analyze(ctx: click.Context, path: str, as_json: bool) -> None:
    """Extract and understand the article(s) of one input without a database (JSON Lines on stdout)."""
    _stateless(ctx, path, with_analysis=True)


@main.command()
@json_option
@click.pass_context
def config(ctx: click.Context, as_json: bool) -> None:
    """Print the effective settings (defaults < veille.toml < VEILLE_* variables < flags)."""
    settings = _settings(ctx)
    data = {name: getattr(settings, name) for name in setting_help()}
    if data.get("token"):
        data["token"] = "***"  # a secret: say it is set, never print it
    if as_json:
        render.print_json(out, data)
    else:
        for name, (_, help_text) in setting_help().items():
            out.print(f"[bold]{name}[/bold] = {data[name]!r}  [dim]{help_text}[/dim]")


@main.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option(
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder of the Parquet results (created; a rerun skips the archives finished there).",
)
@click.option("--scheduler", default=None, help="Address of a running Dask scheduler (tcp://HOST:8786).")
@click.option(
    "--local",
    type=click.IntRange(min=1),
    default=None,
    help="Start a Dask cluster of N worker processes on 127.0.0.1 (default: the machine's cores).",
)
@json_option
@click.pass_context
def batch(
    ctx: click.Context, manifest: str, output: str, scheduler: str | None, local: int | None, as_json: bool
) -> None:
    """Extract and understand the WARC/WET files a manifest lists (paths, s3://, https://) on a Dask
    cluster, one task per file, writing Parquet; then `veille load DIR` brings the results into a store."""
    from veille.batch import run_batch

    if not logging.getLogger().isEnabledFor(logging.INFO):  # Dask logs each worker's start and end at INFO
        import distributed  # noqa: F401 - configures its loggers on import: quieted after

        for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.core"):
            logging.getLogger(name).setLevel(logging.WARNING)
    if scheduler and local:
        raise click.UsageError("give --scheduler or --local, not both")
    shown = _show_progress()
    summary = run_batch(
        manifest,
        output,
        settings=_settings(ctx),
        scheduler=scheduler,
        local=local,
        progress=(lambda r: err.print(f"{r.status}: {render.escape(r.source)}")) if shown else None,
    )
    data = summary.as_dict()
    _emit(as_json, data, render.summary_table(data["stages"]))
    if not as_json:
        err.print(
            f"{data['done']} archive(s) done, {data['skipped']} skipped (done before), {data['failed']} failed;"
            f" {data['records']} records at {data['records_per_second']} records/s. Next: `veille load {output}`."
        )
        if summary.failed:
            err.print("Failed archives have no results yet: run the same command again to retry them.")
    ctx.exit(1 if summary.failed or any(c.failed for c in summary.stages.values()) else 0)


@main.command()
@click.argument("parquet_dir", type=click.Path(exists=True, file_okay=False))
@json_option
@click.pass_context
def load(ctx: click.Context, parquet_dir: str, as_json: bool) -> None:
    """Bring the Parquet results of `veille batch` into the store (twice stores nothing twice); then
    `veille run` links, groups and compares them."""
    from veille.batch import load_batch

    with _store(ctx) as store:
        counts = load_batch(store, parquet_dir).as_dict()
    _emit(as_json, counts, render.counts_table("load", counts))


@main.command(name="copy")
@click.argument("source")
@click.argument("target")
@json_option
def copy_command(source: str, target: str, as_json: bool) -> None:
    """Copy a whole store to another database (SQLite path or postgresql:// URL), e.g. SQLite to PostgreSQL.

    The target must hold no documents; every table's row count and checksum are compared after the copy,
    and any difference undoes it.
    """
    from veille.store.copy import copy_database

    try:
        report = copy_database(source, target)
    except VeilleError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [
        {"table": r.table, "rows": r.rows, "checksum": r.checksum, "is_equal": r.is_equal} for r in report
    ]
    _emit(
        as_json, {"source": redact(source), "target": redact(target), "tables": rows}, render.copy_table(rows)
    )


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (this machine only)."
)
@click.option(
    "--port", default=8000, type=click.IntRange(0, 65535), show_default=True, help="Port to listen on."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the reading pages and the HTTP API (/api/…, /openapi.json) over the store until Ctrl-C.

    Reads are open to this machine; writes (ingest, run, entity edits) need VEILLE_TOKEN, sent as
    `Authorization: Bearer TOKEN`. Listening beyond this machine (--host 0.0.0.0) needs VEILLE_TOKEN too, and
    then every request from elsewhere must carry it.
    """
    from veille.serve.app import is_loopback
    from veille.serve.app import serve as run_server

    settings = _settings(ctx)
    if not is_loopback(host) and not settings.token:
        raise click.UsageError(
            f"--host {host} opens the store to other machines: set VEILLE_TOKEN first (they must send it)"
        )
    with _store(ctx):  # a clear error now for a store that cannot be opened, before the server starts
        pass
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port"
        ) from exc
    shown = f"[{host}]" if ":" in host else host
    err.print(f"veille: serving {redact(settings.db)} at http://{shown}:{port}/ (Ctrl-C stops)")
    run_server(settings, host=host, port=port, log_level="warning")
