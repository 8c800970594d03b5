"""Rendering for people: rich tables and panels for the terminal. Scripts use the ``--json`` views instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.markup import escape as _markup_escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from veille.compare import export
from veille.model import (
    Comparison,
    ComparisonSide,
    DuplicateRecord,
    EventRecord,
    Failure,
    QuoteRecord,
    RegistryEntity,
    SearchHit,
    Story,
    StoryEvent,
    TimeExpression,
)

if TYPE_CHECKING:
    from veille.pipeline import EntityReport, RegroupReport


def escape(text: str) -> str:
    """Return text from an article (or any input) safe in rich markup: control characters and terminal escape
    sequences removed (export.plain), square brackets escaped ("[/]" is text, not a closing tag)."""
    return _markup_escape(export.plain(text))


def _text(text: str, style: str = "") -> Text:
    """Return a rich Text (never read as markup) of text from an article, control characters removed."""
    return Text(export.plain(text), style=style)


COLUMNS_SIDE_BY_SIDE = 3  # more sources than this are shown in rows of three


def _date(value: Any) -> str:
    return value.isoformat() if value else "—"


def summary_table(summary: dict[str, dict[str, Any]]) -> Table:
    """Return the per-stage counters of a run as a table."""
    table = Table(title="run summary", show_edge=False)
    for col in ("stage", "processed", "ok", "failed", "failure codes"):
        table.add_column(col, justify="right" if col in {"processed", "ok", "failed"} else "left")
    for stage, c in summary.items():
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(c["codes"].items()))
        table.add_row(stage, str(c["processed"]), str(c["ok"]), str(c["failed"]), codes)
    return table


def counts_table(title: str, counts: dict[str, int]) -> Table:
    """Return named counts (what a command read or stored) as a two-column table."""
    table = Table(title=title, show_edge=False)
    table.add_column("item")
    table.add_column("count", justify="right")
    for name, value in counts.items():
        table.add_row(name, str(value))
    return table


def regroup_tables(report: RegroupReport, max_moves: int = 30) -> Group:
    """Return a regrouping as a summary table and the table of the articles that changed story."""
    verb = "would move" if report.dry_run else "moved"
    span = f"{_date(report.since) if report.since else 'start'} → {_date(report.until) if report.until else 'now'}"
    summary = Table(
        title=f"regroup {span}" + (" (dry run: nothing written)" if report.dry_run else ""), show_edge=False
    )
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    for name, value in (
        ("articles", report.articles),
        ("stories before", report.stories_before),
        ("stories after", report.stories_after),
        ("stories kept (same id)", len(report.kept)),
        ("stories opened", len(report.opened)),
        ("stories closed", len(report.closed)),
        (f"articles {verb}", len(report.moves)),
    ):
        summary.add_row(name, str(value))
    moves = Table(
        title=f"articles {verb} (first {max_moves})" if len(report.moves) > max_moves else f"articles {verb}",
        show_edge=False,
    )
    for col in ("article", "title", "from story", "to story"):
        moves.add_column(col, overflow="fold")
    for m in report.moves[:max_moves]:
        moves.add_row(m.article_id, escape(m.title or "(untitled)"), m.from_story, m.to_story)
    return Group(summary, moves) if report.moves else Group(summary)


def articles_table(rows: Sequence[dict[str, Any]]) -> Table:
    """Return article lines (``views.article_summary_view``) as a table: id, date, outlet, title."""
    table = Table(title=f"{len(rows)} articles", show_edge=False)
    table.add_column("article")
    table.add_column("published")
    table.add_column("outlet")
    table.add_column("title", overflow="fold")
    for row in rows:
        table.add_row(
            escape(row["id"]),
            escape(row["published"] or "—"),
            escape(row["outlet"] or "—"),
            escape(row["title"] or "(untitled)"),
        )
    return table


def stories_table(stories: Sequence[Story], title: str = "stories") -> Table:
    """Return stories as a table: id, size, outlets, dates, label."""
    table = Table(title=title, show_edge=False)
    table.add_column("story")
    table.add_column("articles", justify="right")
    table.add_column("outlets")
    table.add_column("dates")
    table.add_column("label", overflow="fold")
    for s in stories:
        dates = (
            _date(s.first_seen)
            if s.first_seen == s.last_seen
            else f"{_date(s.first_seen)} → {_date(s.last_seen)}"
        )
        size = str(len(s.articles))
        if s.sources is not None and s.sources < len(s.articles):
            size += f" ({s.sources} sources)"  # copies counted once
        table.add_row(s.id, size, escape(", ".join(s.outlets) or "—"), dates, escape(s.label))
    return table


def _side_cell(side: ComparisonSide, max_quotes: int = 4) -> Group:
    parts: list[Any] = [
        _text(side.title or "(untitled)", style="bold"),
        _text(
            f"{side.outlet or 'unknown outlet'} · {_date(side.published)} · {side.article_id}", style="dim"
        ),
    ]
    if side.duplicate_of:
        parts.append(Text(f"copy of {side.duplicate_of} (counted once)", style="yellow"))
    parts.append(_text(side.lead))
    if side.only_entities:
        parts.append(_text("Only here: " + ", ".join(side.only_entities), style="magenta"))
    for quote in side.quotes[:max_quotes]:
        who = quote.speaker.name if quote.speaker else (quote.speaker_text or "unattributed")
        body = quote.text if len(quote.text) < 160 else quote.text[:157] + "…"
        parts.append(_text(_said(who, body, quote.kind), style="green"))
    if len(side.quotes) > max_quotes:
        parts.append(Text(f"(+{len(side.quotes) - max_quotes} more quotes)", style="dim"))
    dated = _dated(side.times)[:6]
    if dated:
        parts.append(_text("Dates: " + "; ".join(dated), style="cyan"))
    return Group(*parts)


def _dated(times: Sequence[TimeExpression]) -> list[str]:
    """Return "text → value" for each dated expression a reader cares about: calendar values only (not
    PRESENT_REF or durations), a day range written as two TimeML expressions shown as one, each value once."""
    from veille.understand.dates import day_ranges  # the time rules: loaded by the views that show dates

    ranges = day_ranges(times)
    out: list[str] = []
    seen: set[str] = set()
    for i, t in enumerate(times):
        if not t.value or not t.value[:1].isdigit():
            continue
        text, value = t.text, ranges.get(i, t.value)
        if i in ranges and i + 1 in ranges and ranges[i] == ranges[i + 1]:
            text = f"{t.text} – {times[i + 1].text}"
        if value not in seen:
            seen.add(value)
            out.append(f"{text} → {value}")
    return out


def comparison_panel(comparison: Comparison) -> Group:
    """Return a story's comparison for a person: the sources side by side (rows of up to three columns),
    the facts in one column per source (up to FACT_COLUMNS sources, else listed), then conflicts, framing,
    descriptions, voices and timeline as tables, each item with its evidence (ARTICLE:START-END)."""
    header = _text(f"{comparison.label}  [{comparison.story_id}]", style="bold")
    shared = _text(
        "Named by every source: " + (", ".join(comparison.shared_entities) or "—"), style="magenta"
    )
    blocks: list[Any] = [header, shared]
    sides = list(comparison.sides)
    for i in range(0, len(sides), COLUMNS_SIDE_BY_SIDE):
        chunk = sides[i : i + COLUMNS_SIDE_BY_SIDE]
        table = Table(show_header=False, expand=True, show_lines=False)
        for _ in chunk:
            table.add_column(ratio=1, overflow="fold")
        table.add_row(*[_side_cell(side) for side in chunk])
        blocks.append(table)
    out: list[Any] = [Panel(Group(*blocks), title="sources side by side")]
    sources = [s for s in comparison.sides if not s.duplicate_of]
    if comparison.facts and 1 < len(sources) <= FACT_COLUMNS:
        out.append(_facts_side_by_side(comparison, sources))
    for section in export.sections(comparison)[1:]:
        if section.title.startswith("What") and 1 < len(sources) <= FACT_COLUMNS:
            continue  # shown side by side above
        table = Table(title=section.title, caption=section.note or None, show_lines=True, expand=True)
        for h in section.headers:
            table.add_column(h, overflow="fold")
        for row in section.rows:
            table.add_row(*(escape(c) for c in row))
        out.append(table)
    return Group(*out)


FACT_COLUMNS = 4  # more sources than this: facts are listed with their sources instead of in columns


def _facts_side_by_side(comparison: Comparison, sources: Sequence[ComparisonSide]) -> Table:
    table = Table(title="Facts, source by source (all, then some, then one)", show_lines=True, expand=True)
    table.add_column("", no_wrap=True)
    for side in sources:
        table.add_column(
            f"{side.outlet or 'unknown outlet'}\n{_date(side.published)}", ratio=1, overflow="fold"
        )
    column = {side.article_id: k for k, side in enumerate(sources)}
    for fact in comparison.facts:
        cells = [""] * len(sources)
        for claim in fact.claims:
            k = column.get(claim.article_id)
            if k is not None and not cells[k]:
                said = f" [dim](said by {escape(claim.attributed_to)})[/]" if claim.attributed_to else ""
                cells[k] = (
                    escape(export.cut(claim.text))
                    + said
                    + f" [dim]{claim.article_id}:{claim.start}-{claim.end}[/]"
                )
        mark = {"all": "[green]all[/]", "some": "[yellow]some[/]"}.get(fact.coverage, "[magenta]one[/]")
        table.add_row(mark, *(c or "[dim]—[/]" for c in cells))
    return table


def entity_panel(report: EntityReport) -> Panel:
    """Return one entity for people: aliases with counts and why each joined, offices since, place, edits."""
    e = report.entity
    lines = [
        f"[bold]{escape(e.name)}[/]  {e.type}  [dim]{e.entity_id}[/]",
        f"{e.article_count} articles, first seen {e.first_seen or '—'}, last seen {e.last_seen or '—'}",
        "aliases:",
    ]
    for alias, count in sorted(e.aliases.items(), key=lambda kv: (-kv[1], kv[0])):
        why = e.reasons.get(alias)
        lines.append(f"  {escape(alias)} ({count})" + (f" [dim]— {escape(why)}[/]" if why else ""))
    for office in e.offices:
        where = ", ".join(x for x in (office.country, office.org) if x)
        lines.append(
            f"office: {escape(office.function)}{f' ({escape(where)})' if where else ''}"
            f" since {office.since or '—'} [dim]«{escape(office.text)}»[/]"
        )
    if e.place is not None:
        p = e.place
        at = (
            f" at {p.latitude:.4f}, {p.longitude:.4f}"
            if p.latitude is not None and p.longitude is not None
            else ""
        )
        lines.append(
            f"place: {p.kind}{f' in {p.country}' if p.country else ''}{at} [dim]{escape(p.source)}[/]"
        )
    if report.articles:
        lines.append("latest articles: " + ", ".join(report.articles))
    for edit in report.edits:
        what = f"{edit.kind} {edit.entity_id} → {edit.target_id}"
        what += f" (alias {escape(edit.alias)})" if edit.alias else ""
        what += f" (article {edit.article_id})" if edit.article_id else ""
        lines.append(f"[dim]edit: {what}{' — ' + escape(edit.note) if edit.note else ''}[/]")
    return Panel("\n".join(lines), title="entity", expand=False)


def entities_table(entities: Sequence[RegistryEntity]) -> Table:
    """Return registry entities as a table."""
    table = Table(title="entities", show_edge=False)
    for col in ("entity", "type", "name", "articles", "aliases", "first seen", "last seen"):
        table.add_column(col, overflow="fold")
    for e in entities:
        aliases = ", ".join(f"{a} ({n})" for a, n in sorted(e.aliases.items(), key=lambda kv: -kv[1])[:5])
        table.add_row(
            e.entity_id,
            e.type,
            escape(e.name),
            str(e.article_count),
            escape(aliases),
            _date(e.first_seen),
            _date(e.last_seen),
        )
    return table


def quotes_table(quotes: Sequence[QuoteRecord], *, width: int = 160) -> Table:
    """Return stored quotes as a table: speaker, kind, the quote (shortened to ``width``), outlet, date, sources.

    ``--json`` carries every field (ids, offsets, cue, each source).
    """
    table = Table(title=f"{len(quotes)} quotes", show_edge=False)
    table.add_column("speaker", overflow="fold", max_width=20)
    table.add_column("kind", no_wrap=True)
    table.add_column("quote", overflow="fold", ratio=1)
    table.add_column("outlet", overflow="fold", max_width=14)
    table.add_column("date", no_wrap=True)
    table.add_column("sources", justify="right", no_wrap=True)
    for q in quotes:
        who = q.speaker_name or (f"({q.speaker_text})" if q.speaker_text else "—")
        body = q.text if len(q.text) <= width else q.text[: width - 1] + "…"
        table.add_row(
            escape(who),
            q.kind,
            escape(body),
            escape(q.outlet or "—"),
            _date(q.published),
            str(len(q.sources)),
        )
    return table


def events_table(records: Sequence[EventRecord]) -> Table:
    """Return stored events as a table (``--json`` carries every field: offsets, argument ids, dated_by)."""
    table = Table(title=f"{len(records)} events", show_edge=False)
    table.add_column("date", overflow="fold", max_width=12)
    table.add_column("event (id)", overflow="fold", max_width=26)
    table.add_column("arguments", overflow="fold", ratio=1, min_width=20)
    table.add_column("outlet", overflow="fold", max_width=14)
    for r in records:
        day = r.time or (f"{r.first_day.isoformat()} (article)" if r.first_day else "—")
        what = f"{r.type}: {r.trigger}" + ("" if r.modality == "asserted" else f" ({r.modality})")
        args = "; ".join(f"{a.role}: {a.name or a.text}" for a in r.arguments) or "—"
        table.add_row(day, escape(what) + f"\n[dim]{r.event_id}[/dim]", escape(args), escape(r.outlet or "—"))
    return table


def story_events_table(merged: Sequence[StoryEvent]) -> Table:
    """Return a story's merged events: sources, then each slot's values with how many articles give each."""
    table = Table(title=f"{len(merged)} events", show_edge=False)
    table.add_column("event (id)", overflow="fold", max_width=26)
    table.add_column("sources", overflow="fold", max_width=24)
    table.add_column("value (articles giving it)", overflow="fold", ratio=1, min_width=20)
    for m in merged:
        sources = ", ".join(
            f"{s.outlet or s.article_id}" + (f" (+{len(s.copies)} copies)" if s.copies else "")
            for s in m.sources
        )
        lines = [
            ("CONFLICT " if slot.is_conflict else "")
            + f"{slot.role}: "
            + (" ≠ " if slot.is_conflict else " | ").join(
                f"{v.name} ({len(v.articles)})" for v in slot.values
            )
            for slot in m.slots
        ]
        table.add_row(
            escape(f"{m.type} ({m.trigger})") + f"\n[dim]{m.event_id}[/dim]",
            escape(f"{len(m.sources)}: {sources}"),
            escape("\n".join(lines)),
        )
    return table


def story_panel(view: dict[str, Any]) -> Panel:
    """Return a story report (``views.story_report_view``) for a reader: dates and outlets, main entities,
    events with their sources (conflicts flagged), articles, copies."""
    first, last = view.get("first_seen"), view.get("last_seen")
    dates = first if first == last else f"{first} → {last}"
    lines: list[Any] = [
        _text(
            f"{view['size']} articles · {', '.join(view['outlets']) or 'unknown outlets'} · {dates or 'undated'}"
        )
    ]
    if view["entities"]:
        names = [f"{e['name']} [{e['type']}] ({e['articles']})" for e in view["entities"]]
        lines.append(_text("Entities: " + ", ".join(names), style="magenta"))
    for e in view["events"]:
        slots = {
            s["role"]: " | ".join(v["name"] for v in s["values"])
            for s in e["slots"]
            if s["role"] != "modality"
        }
        what = ", ".join(f"{role} {value}" for role, value in slots.items())
        flag = f" — CONFLICT on {', '.join(e['conflicts'])}" if e["conflicts"] else ""
        lines.append(
            _text(
                f"Event {e['type']} ({e['trigger']}): {what} [{e['source_count']} source{'s' if e['source_count'] > 1 else ''}]{flag}",
                style="blue",
            )
        )
    for a in view["members"]:
        lines.append(
            _text(f"{a['published'] or '—'}  {a['outlet'] or '—'}  {a['title'] or '(untitled)'}  {a['id']}")
        )
    for d in view["duplicates"]:
        lines.append(
            Text(
                f"{d['article_id']} is a {d['kind']} copy of {d['other_id']} ({d['similarity']:.2f})",
                style="yellow",
            )
        )
    if view.get("coverage"):
        lines += coverage_lines(view["coverage"])
    return Panel(Group(*lines), title=escape(f"{view['label']}  [{view['id']}]"))


def blindspot_text(blindspots: Sequence[dict[str, Any]]) -> str:
    """Return blind spots (``views.coverage_view``'s ``blindspots``) in words: "only ML outlets", "only public"."""
    return ", ".join(
        f"only {b['value']} {'outlets' if b['by'] == 'country' else 'sources'}" for b in blindspots
    )


def coverage_lines(coverage: dict[str, Any]) -> list[Text]:
    """Return a story's coverage (``views.coverage_view``) as lines: countries, kinds, languages, who published
    first and how late the others followed, the unknown share and the blind-spot notice."""

    def counts(key: str) -> str:
        return ", ".join(f"{c['value'] or '?'} {c['sources']}/{c['articles']}" for c in coverage[key]) or "—"

    def many(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    lines = [
        Text(
            f"Coverage: {many(coverage['sources'], 'source')}, {many(coverage['articles'], 'article')}"
            f" · countries {counts('countries')} · kinds {counts('kinds')} · languages {counts('languages')}"
            " (sources/articles)",
            style="cyan",
        )
    ]
    if coverage["unknown_articles"]:
        lines.append(
            Text(
                f"{many(coverage['unknown_articles'], 'article')} ({coverage['unknown_share']:.0%}) from outlets not in the"
                " registry: see `veille sources unknown`",
                style="cyan",
            )
        )
    timing = []
    for t in coverage["timing"]:
        when = "undated" if t["published"] is None else ("first" if t["is_first"] else f"+{t['lag_days']} d")
        timing.append(f"{t['name']} ({when})")
    if timing:
        lines.append(_text("Published: " + ", ".join(timing), style="cyan"))
    if coverage["blindspots"]:
        lines.append(Text(f"Blind spot: {blindspot_text(coverage['blindspots'])}", style="bold red"))
    return lines


def blindspots_table(rows: Sequence[dict[str, Any]]) -> Table:
    """Return blind-spot stories (``views.story_view`` with ``coverage``) as a table."""
    table = Table(title=f"{len(rows)} blind-spot stories", show_edge=False)
    table.add_column("story")
    table.add_column("sources", justify="right")
    table.add_column("blind spot")
    table.add_column("first")
    table.add_column("label", overflow="fold")
    for row in rows:
        cov = row["coverage"]
        first = ", ".join(t["name"] for t in cov["timing"] if t["is_first"]) or "—"
        table.add_row(
            Text(row["id"]),
            str(cov["sources"]),
            Text(blindspot_text(cov["blindspots"])),
            _text(first),
            _text(row["label"]),
        )
    return table


def sources_table(rows: Sequence[dict[str, Any]]) -> Table:
    """Return sources (``views.source_view``) as a table: id, name, country, kind, domains, feeds, active."""
    table = Table(title=f"{len(rows)} sources", show_edge=False)
    for col in ("id", "name", "country", "kind", "domains", "feeds", "active"):
        table.add_column(col, justify="right" if col == "feeds" else "left", overflow="fold")
    for row in rows:
        table.add_row(
            Text(row["id"]),
            Text(row["name"]),
            row["country"] or "—",
            row["kind"],
            Text(" ".join(row["domains"]) or "—"),
            str(len(row["feeds"])),
            "yes" if row["active"] else "no",
        )
    return table


def source_panel(view: dict[str, Any]) -> Panel:
    """Return one source (``views.source_view``) for a reader."""
    lines = [
        Text(
            f"{view['kind']} · {view['country'] or 'no country'} · {', '.join(view['languages']) or 'languages —'}"
        ),
        Text("domains: " + (" ".join(view["domains"]) or "—")),
    ]
    lines += [Text(f"feed {f['id']}: {f['url']} ({f['kind']})") for f in view["feeds"]] or [Text("no feeds")]
    lines.append(Text(f"active: {'yes' if view['active'] else 'no'} · added {view['added']}"))
    if view["note"]:
        lines.append(Text(view["note"], style="italic"))
    return Panel(Group(*lines), title=Text(f"{view['name']}  [{view['id']}]"))


def unknown_outlets_table(rows: Sequence[dict[str, Any]]) -> Table:
    """Return the domains and outlet names of articles tied to no source, the most frequent first."""
    addable = sum(1 for row in rows if row["domain"] or row["outlet"])
    table = Table(title=f"{addable} unknown outlets (add them with `veille sources add`)", show_edge=False)
    table.add_column("domain")
    table.add_column("outlet")
    table.add_column("articles", justify="right")
    for row in rows:
        if row["domain"] or row["outlet"]:
            table.add_row(_text(row["domain"] or "—"), _text(row["outlet"] or "—"), str(row["articles"]))
        else:  # nothing to tie them by: neither an address nor an outlet name came with them
            table.add_row("—", Text("(no address, no outlet name)", style="dim"), str(row["articles"]))
    return table


def import_report_table(view: dict[str, Any]) -> Group:
    """Return a sources import (``views.import_report_view``): counts, then each refused row and why."""
    counts = counts_table(
        "sources import",
        {"added": len(view["added"]), "updated": len(view["updated"]), "unchanged": len(view["unchanged"])}
        | {"refused": len(view["errors"])},
    )
    errors = [
        Text(f"line {e['line']} ({e['name'] or 'no name'}): {e['message']}", style="red")
        for e in view["errors"]
    ]
    return Group(counts, *errors)


def duplicates_table(links: Sequence[DuplicateRecord]) -> Table:
    """Return duplicate links as a table: kind, similarity, then each article's outlet, date and title."""
    table = Table(title=f"{len(links)} duplicate links", show_edge=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("similarity", justify="right", no_wrap=True)
    table.add_column("article", overflow="fold", ratio=1)
    table.add_column("copy of / copied by", overflow="fold", ratio=1)
    for d in links:
        one = escape(f"{d.outlet or '—'} · {_date(d.published)} · {d.title or '(untitled)'}")
        two = escape(
            f"{d.other_outlet or '—'} · {_date(d.other_published)} · {d.other_title or '(untitled)'}"
        )
        table.add_row(
            d.kind,
            f"{d.similarity:.2f}",
            one + f"\n[dim]{d.article_id}[/dim]",
            two + f"\n[dim]{d.other_id}[/dim]",
        )
    return table


def search_table(hits: Sequence[SearchHit]) -> Table:
    """Return full-text search hits as a table."""
    table = Table(title="search", show_edge=False)
    for col in ("article", "outlet", "title", "snippet"):
        table.add_column(col, overflow="fold")
    for h in hits:
        table.add_row(h.article_id, escape(h.outlet or "—"), escape(h.title or "—"), escape(h.snippet))
    return table


def failures_table(failures: Sequence[Failure]) -> Table:
    """Return recorded failures as a table."""
    table = Table(title="failures", show_edge=False)
    for col in ("time", "stage", "code", "item", "source", "message"):
        table.add_column(col, overflow="fold")
    for f in failures:
        table.add_row(
            f.time.strftime("%Y-%m-%d %H:%M:%S"),
            f.stage,
            f.code,
            f.item_id[:16],
            escape(f.source or "—"),
            escape(f.message),
        )
    return table


def article_panel(view: dict[str, Any]) -> Panel:
    """Return an article view (see views.article_view) as a panel: metadata, entities, quotes, dates, text."""
    meta = Table.grid(padding=(0, 1))
    for key in ("id", "outlet", "author", "published", "language", "url", "story_id"):
        value = view.get(key)
        source = view.get(f"{key}_source")
        meta.add_row(
            Text(key, style="dim"),
            escape(f"{value if value is not None else '—'}" + (f"  ({source})" if source else "")),
        )
    lines: list[Any] = [meta]
    ents = [f"{e['name']} [{e['type']}]×{len(e['mentions'])}" for e in view["entities"]]
    if ents:
        lines.append(_text("Entities: " + ", ".join(ents), style="magenta"))
    for q in view["quotes"]:
        who = q["speaker"]["name"] if q["speaker"] else (q.get("speaker_text") or "unattributed")
        lines.append(_text(_said(who, q["text"][:200], q["kind"]), style="green"))
    dated = _dated([TimeExpression(**t) for t in view["times"]])
    if dated:
        lines.append(_text("Dates: " + "; ".join(dated), style="cyan"))
    for e in view.get("events", []):
        args = ", ".join(f"{a['role']} {a['text']}" for a in e["arguments"])
        when = f", {e['time']}" if e.get("time") else ""
        how = "" if e["modality"] == "asserted" else f" ({e['modality']})"
        lines.append(
            _text(f"Event {e['type']}{how}: {e['trigger']}{' — ' + args if args else ''}{when}", style="blue")
        )
    figures = [figure_words(q) for q in view.get("quantities", [])]
    if figures:
        lines.append(_text("Figures: " + "; ".join(figures), style="yellow"))
    lines.append(_text(view["text"]))
    return Panel(Group(*lines), title=escape(view.get("title") or "(untitled)"))


def figure_words(q: dict[str, Any]) -> str:
    """Return a stored quantity for people: its words, then what they were read as ("au moins 12 morts" ->
    "≥ 12 dead"), the interval when hedged."""
    value, low, high = q["value"], q["low"], q["high"]
    hedge = {"at_least": "≥ ", "more_than": "> ", "at_most": "≤ ", "less_than": "< "}.get(q["approx"], "")
    shown = f"{hedge}{_number(value)}"
    if q["approx"] in ("about", "range", "magnitude") or (not hedge and low != high):
        shown += f" ({_number(low)}–{_number(high) if high is not None else '∞'})"
    what = " ".join(w for w in (q.get("unit"), q.get("counted")) if w)
    return f"{q['text']} = {shown}{' ' + what if what else ''}"


def _number(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ") if float(x).is_integer() else f"{x:,.2f}".replace(",", " ")


def _said(who: str, body: str, kind: str) -> str:
    """Return a quote for people: quoted words in « », reported speech as "who: (reported) …"."""
    if kind in ("direct", "partial"):
        return f"« {body} » — {who}"
    return f"{who} ({'reported' if kind == 'indirect' else 'partly quoted'}): {body}"


_RAW_CONTROLS = re.compile(r"[\x7f-\x9f]")


def json_line(data: Any) -> str:
    """Return data as one line of JSON (JSON Lines), with C1 controls and DEL escaped as print_json does."""
    import json

    text = json.dumps(data, ensure_ascii=False)
    return _RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(console: Console, data: Any) -> None:
    """Print data as JSON on stdout (no colour, no wrapping)."""
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2)  # C0 controls come out as \\u001b, not C1 or DEL
    console.file.write(_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def copy_table(rows: Sequence[dict[str, Any]]) -> Table:
    """Return a store copy as a table: rows per table and whether both sides' checksums agree."""
    table = Table(title="copy", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("checksum (both sides)")
    for r in rows:
        table.add_row(
            r["table"], str(r["rows"]), ("equal " if r["is_equal"] else "DIFFERENT ") + r["checksum"][:16]
        )
    return table
