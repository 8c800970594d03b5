"""A comparison as sections of rows a person reads: the terminal, Markdown and HTML renderers share them.

Every row that states something carries its evidence as ``ARTICLE_ID:START-END`` (character offsets in the
article's text), so a reader can go back to the words.
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass

from veille.model import Claim, Comparison, Conflict

SNIPPET = 220  # characters of a sentence shown in a cell


@dataclass(frozen=True, slots=True)
class Section:
    """A titled table: column headers and rows of cells (plain text)."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


# What an article may carry that a terminal or a spreadsheet would act on: ANSI escape sequences (CSI such as
# "\x1b[31m", OSC such as the "\x1b]8;;URL" hyperlink, other ESC sequences), then any C0 control but tab and
# line feed, DEL and the C1 controls (the 8-bit CSI "\x9b" included).
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# an unescaped "[" starts every link and image, "*", "_", "~" and "`" emphasis and code, "|" a table cell
_MD_SPECIAL = re.compile(r"([\\`*_\[|~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain(text: str) -> str:
    """Return ``text`` without terminal escape sequences and control characters (tab and line feed kept):
    what every rendering of article text (terminal, Markdown, HTML, CSV) is made from."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def markdown_text(text: str) -> str:
    """Return article text as inert Markdown: raw HTML and autolinks escaped (``<script>`` shows as text), the
    characters that open a link, an image, emphasis, code or a table cell backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(plain(text), quote=False))


def csv_cell(text: str) -> str:
    """Return a CSV cell a spreadsheet shows as text: one starting with = + - @ tab or CR is prefixed with an
    apostrophe (OWASP's defence against formula injection), controls removed."""
    cleaned = plain(text)
    return "'" + cleaned if text.startswith(_FORMULA_START) or cleaned.startswith(_FORMULA_START) else cleaned


def cut(text: str, limit: int = SNIPPET) -> str:
    """Return the text on one line, cut at a word before ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def evidence(article_id: str, start: int, end: int) -> str:
    """Return the reference of a span: ARTICLE_ID:START-END."""
    return f"{article_id}:{start}-{end}"


def _claim(claim: Claim) -> str:
    said = f" (said by {claim.attributed_to})" if claim.attributed_to else ""
    return f"«{cut(claim.text)}»{said} [{evidence(claim.article_id, claim.start, claim.end)}]"


Rows = list[tuple[str, ...]]


def sections(comparison: Comparison) -> list[Section]:
    """Return the comparison's sections: sources, facts shared by all, by some, given by one source,
    conflicts, framing, descriptions, voices, timeline (empty sections left out)."""
    names = {
        s.article_id: f"{s.outlet or 'unknown outlet'} ({s.published or 'undated'})" for s in comparison.sides
    }
    out = [
        Section(
            "Sources",
            ("source", "article", "title", "copy of"),
            tuple(
                (names[s.article_id], s.article_id, s.title or "(untitled)", s.duplicate_of or "")
                for s in comparison.sides
            ),
            note=f"{comparison.sources} sources; copies count once.",
        )
    ]
    for coverage, title in FACT_SECTIONS:
        rows: Rows = [
            (
                ", ".join(names.get(s, s) for s in f.sources),
                " / ".join(_claim(c) for c in f.claims),
                f.matched_by if f.matched_by != "text" else f"text {f.score:.2f}",
            )
            for f in comparison.facts
            if f.coverage == coverage
        ]
        out.append(Section(title, ("sources", "claims", "aligned by"), tuple(rows)))
    out += [
        _conflicts(comparison, names),
        _framing(comparison, names),
        Section(
            "How each source names the same people and bodies",
            ("entity", "source", "words"),
            tuple(
                (m.name, names.get(w.article_id, w.article_id), ", ".join(w.words))
                for m in comparison.mentions
                for w in m.by_source
            ),
        ),
        _voices(comparison, names),
        Section(
            "Timeline",
            ("when", "event", "sources", "words", "evidence"),
            tuple(
                (
                    t.when or "date not given",
                    t.type,
                    ", ".join(names.get(s, s) for s in t.sources),
                    cut(t.label, 160),
                    ", ".join(evidence(c.article_id, c.start, c.end) for c in t.evidence[:3]),
                )
                for t in comparison.timeline
            ),
        ),
    ]
    return [section for section in out if section.rows]


FACT_SECTIONS = (
    ("all", "What all sources say"),
    ("some", "What some sources say"),
    ("one", "What only one source says"),
)


def _conflicts(comparison: Comparison, names: dict[str, str]) -> Section:
    """Each conflict explains itself: its slot, kind and change (an update, a correction) and the rule that
    decided, on its first row; then each value with its source, sentence and evidence."""
    rows: Rows = [
        (
            f"{k.slot} ({conflict_kind(k)})" if i == 0 else "",
            k.rule if i == 0 else "",
            names.get(v.article_id, v.outlet or v.article_id),
            v.value,
            f"«{cut(v.sentence)}» [{evidence(v.article_id, v.start, v.end)}]",
        )
        for k in comparison.conflicts
        for i, v in enumerate(k.values)
    ]
    return Section(
        "Where the sources disagree", ("slot", "decided by", "source", "value", "evidence"), tuple(rows), ""
    )


def conflict_kind(conflict: Conflict) -> str:
    """Return a conflict's kind with its change: "figure", "figure, update", "date, correction"."""
    return f"{conflict.kind}, {conflict.change}" if conflict.change else conflict.kind


def _framing(comparison: Comparison, names: dict[str, str]) -> Section:
    rows: Rows = [
        (
            names.get(t.article_id, t.article_id),
            t.term,
            f"attributed to {t.attributed_to}" if t.attributed else "own voice",
            f"z {t.z:.2f}",
            ", ".join(evidence(t.article_id, s, e) for s, e in t.evidence[:3]),
        )
        for t in comparison.framing
    ]
    return Section(
        "Words each source chooses",
        ("source", "words", "voice", "contrast", "evidence"),
        tuple(rows),
        "weighted log-odds of a source against the rest of the story, corpus prior",
    )


def _voices(comparison: Comparison, names: dict[str, str]) -> Section:
    rows: Rows = [
        (
            v.speaker,
            names.get(c.article_id, c.article_id),
            f"{c.direct} direct, {c.indirect} indirect",
            ", ".join(evidence(c.article_id, s, e) for s, e in c.spans[:3]),
            ", ".join(names.get(a, a) for a in v.absent_from) or "—",
        )
        for v in comparison.voices
        for c in v.by_source
    ]
    return Section("Who is quoted", ("speaker", "quoted by", "how", "evidence", "not quoted by"), tuple(rows))


def _md_cell(text: str) -> str:
    return markdown_text(text).replace("\n", " ")


def to_markdown(comparison: Comparison) -> str:
    """Return the comparison as Markdown a journalist can paste into a note."""
    lines = [
        f"# {markdown_text(comparison.label)}",
        "",
        f"Story `{plain(comparison.story_id).replace('`', '')}` — compared by {markdown_text(comparison.comparer)}.",
        "",
    ]
    for section in sections(comparison):
        lines += [f"## {section.title}", ""]
        if section.note:
            lines += [f"_{section.note}_", ""]
        lines.append("| " + " | ".join(section.headers) + " |")
        lines.append("|" + "---|" * len(section.headers))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines)


def to_html(comparison: Comparison) -> str:
    """Return the comparison as a standalone HTML page."""

    def e(text: str) -> str:
        return html.escape(plain(text))

    parts = [
        "<!doctype html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{e(comparison.label)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse;"
        "width:100%;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top;"
        "text-align:left}.note{color:#555;font-style:italic}</style>",
        "</head><body>",
        f"<h1>{e(comparison.label)}</h1>",
        f"<p>Story <code>{e(comparison.story_id)}</code> — compared by {e(comparison.comparer)}.</p>",
    ]
    for section in sections(comparison):
        parts.append(f"<h2>{e(section.title)}</h2>")
        if section.note:
            parts.append(f'<p class="note">{e(section.note)}</p>')
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in section.headers) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in section.rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_csv(comparison: Comparison) -> str:
    """Return the comparison as CSV for a spreadsheet: per section, a row ``section, header…`` then its rows
    ``section, cell…`` (sections differ in their columns; the first cell says which one a row belongs to)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "story", csv_cell(comparison.story_id), csv_cell(comparison.label)])
    for section in sections(comparison):
        writer.writerow([section.title, *section.headers])
        writer.writerows([section.title, *(csv_cell(c) for c in row)] for row in section.rows)
    return buffer.getvalue()
