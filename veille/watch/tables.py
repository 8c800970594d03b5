"""Terminal tables of the watcher's commands (the JSON twins are the same data as dicts)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from veille.model import Watch
from veille.watch.alerts import AlertReport
from veille.watch.poll import PassSummary
from veille.watch.status import SourceStatus


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "–"


def pass_table(summary: PassSummary) -> Table:
    """Return one watch pass's counters as a table."""
    table = Table(title="watch pass" + (" (stopped)" if summary.stopped else ""), show_edge=False)
    table.add_column("item")
    table.add_column("count", justify="right")
    data = summary.as_dict()
    for key in (
        "feeds_due",
        "feeds_polled",
        "not_modified",
        "feeds_failed",
        "entries_new",
        "documents_new",
        "documents_known",
        "pages_failed",
        "requests",
        "pipeline_runs",
    ):
        table.add_row(key.replace("_", " "), str(data[key]))
    if summary.feeds_paused:
        table.add_row("feeds paused now", ", ".join(summary.feeds_paused))
    return table


def status_table(statuses: list[SourceStatus]) -> Table:
    """Return the sources' health as a table, one row per source."""
    table = Table(title="sources status", show_edge=False)
    for col in ("source", "state", "feeds", "last success", "last error", "new/day (7 d)", "last article"):
        table.add_column(col, justify="right" if col == "feeds" else "left", overflow="fold")
    for s in statuses:
        feeds = f"{s.feeds}" + (f" ({s.feeds_failing} failing)" if s.feeds_failing else "")
        error = f"{_when(s.last_error_time)} {s.last_error[:80]}" if s.last_error else "–"
        days = " ".join(str(n) for n in s.articles_per_day.values())
        table.add_row(s.name, s.state, feeds, _when(s.last_success), error, days, _when(s.last_article))
    return table


def watches_table(watches: list[Watch]) -> Table:
    """Return the saved watches as a table."""
    table = Table(title="watches", show_edge=False)
    for col in ("id", "entity", "words", "sources", "last look"):
        table.add_column(col)
    for w in watches:
        table.add_row(
            str(w.id), w.entity or "–", w.words or "–", ", ".join(w.sources) or "–", _when(w.last_look)
        )
    return table


def alerts_table(report: AlertReport) -> Table:
    """Return the new alerts of a look (and the deliveries) as a table."""
    title = f"{len(report.alerts)} new alert(s)"
    if report.delivered or report.failed:
        title += f"; posted {len(report.delivered)}, {len(report.failed)} failed (kept pending)"
    table = Table(title=title, show_edge=False)
    for col in ("id", "watch", "kind", "story", "what"):
        table.add_column(col, overflow="fold")
    for a in report.as_dict()["alerts"]:
        what = a["story"]["label"]
        if a["kind"] == "conflict":
            conflict = a["conflict"]
            values = " / ".join(f"{v['value']} ({v.get('outlet') or '?'})" for v in conflict["values"])
            what = f"{conflict['slot']}: {values}"
        table.add_row(str(a["id"]), str(a["watch_id"]), a["kind"], a["story_id"][:12], what)
    return table
