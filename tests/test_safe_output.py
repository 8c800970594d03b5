"""Article text that would act on a reader's tools comes out inert: issue 22, "safe output everywhere".

A hostile article (rich markup, HTML that runs, a spreadsheet formula, ANSI and OSC terminal sequences, an
8-bit CSI) is stored beside the two seeds and run through every stage by the CLI, so it joins their story.
Then ``stories``, ``search``, ``show`` (article and story), ``compare`` in every format and ``--json`` must
all succeed and print none of it raw.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from veille.cli import main
from veille.extract import EXTRACTOR_VERSION

ANSI = "\x1b[31m"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\lien\x1b]8;;\x1b\\"
C1_CSI = "\x9b2J"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example/","clic")'
TITLE = f"[/] [bold]x {SCRIPT} {ANSI}Bamako{C1_CSI}"
OUTLET = FORMULA
CONTROLS = ("\x1b", "\x9b", "\x07")  # a terminal acts on these; "<script>" on a terminal is only text
LIVE_HTML = (SCRIPT, "<img")


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], env={"COLUMNS": "400"})
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, seeds_db: Path, seed_texts: dict[str, str], put_text):
    """The seeds' store with a hostile copy of a seed's opening (title, outlet and text hostile), run again."""
    from veille.store import open_store

    db = tmp_path_factory.mktemp("hostile") / "veille.db"
    shutil.copy(seeds_db, db)
    seed = next(iter(seed_texts.values()))
    paragraphs = [p for p in seed.split("\n") if len(p) > 80][:4]
    text = "\n\n".join(
        [
            f"{paragraphs[0]} {ANSI}{SCRIPT} [/] [bold]gras{C1_CSI}",
            f"« Nous continuerons {IMG} {OSC_LINK} », a déclaré Abdoulaye Diop.",
            *paragraphs[1:],
            f"{FORMULA} +33 -1 @cmd",
        ]
    )
    store = open_store(str(db))
    try:  # stored as this extractor's output, so that `run` keeps the hostile title and outlet
        article = put_text(store, text, OUTLET, None, title=TITLE)
        stored = store.get_article(article)
        store.put_article(dataclasses.replace(stored, extractor=EXTRACTOR_VERSION))
    finally:
        store.close()
    run(db, "run")
    stories = json.loads(run(db, "stories", "--json"))
    story = next(s for s in stories if article in s["articles"])
    return {"db": db, "article": article, "story": story["id"]}


def assert_inert(output: str, *, html: bool = False) -> None:
    for raw in CONTROLS + (LIVE_HTML if html else ()):
        assert raw not in output, f"{raw!r} reached the output"


@pytest.mark.parametrize(
    "args",
    [
        ("stories",),
        ("search", "continuerons"),
        ("show", "{article}"),
        ("show", "{story}"),
        ("compare", "{story}"),
    ],
    ids=["stories", "search", "show-article", "show-story", "compare-terminal"],
)
def test_terminal_output_is_inert(hostile: dict[str, Any], args: tuple[str, ...]) -> None:
    out = run(hostile["db"], *(a.format(**hostile) for a in args))
    assert_inert(out)
    if args[0] == "search" or args[1:] == ("{article}",):  # where the title is shown: as text, not as markup
        assert "[/] [bold]x" in out


def test_story_label_with_markup_renders_as_text() -> None:
    from datetime import date

    from rich.console import Console

    from veille import render
    from veille.model import Story

    story = Story(
        id="s1", label=TITLE, articles=("a1",), outlets=(OUTLET,), first_seen=date(2023, 2, 6), last_seen=None
    )
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render.stories_table([story]))
    out = console.file.getvalue()
    assert_inert(out)
    assert "[/] [bold]x" in out


@pytest.mark.parametrize(
    "args", [("stories",), ("search", "continuerons"), ("show", "{article}"), ("compare", "{story}")]
)
def test_json_output_is_inert_and_lossless(hostile: dict[str, Any], args: tuple[str, ...]) -> None:
    out = run(hostile["db"], *(a.format(**hostile) for a in args), "--json")
    assert "\x1b" not in out and "\x9b" not in out  # escaped as \u001b, \u009b
    data = json.loads(out)
    assert data  # the JSON keeps the article's words as they are (only their printing is escaped)
    if args[0] == "show":
        assert data["title"] == TITLE


def test_markdown_export_escapes_html_and_markdown(hostile: dict[str, Any]) -> None:
    out = run(hostile["db"], "compare", hostile["story"], "--format", "markdown")
    assert_inert(out, html=True)
    assert "onerror=alert" not in out.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "](javascript" not in out


def test_html_export_escapes_everything(hostile: dict[str, Any]) -> None:
    out = run(hostile["db"], "compare", hostile["story"], "--format", "html")
    assert_inert(out, html=True)
    assert "&lt;script&gt;" in out or "&lt;img" in out or FORMULA not in out


def test_csv_export_neutralises_formulas(hostile: dict[str, Any]) -> None:
    out = run(hostile["db"], "compare", hostile["story"], "--format", "csv")
    assert "\x1b" not in out and "\x9b" not in out
    rows = list(csv.reader(io.StringIO(out)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(c.startswith("'=HYPERLINK") for c in cells), "the hostile outlet should be in the export"


def test_export_functions_on_hostile_strings() -> None:
    from veille.compare.export import csv_cell, markdown_text, plain
    from veille.render import escape

    assert plain(f"a{ANSI}b{OSC_LINK}c{C1_CSI}\td\ne\x07") == "ablienc2J\td\ne"
    assert markdown_text(f"{SCRIPT} [x](javascript:alert(1)) *y*") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; \\[x](javascript:alert(1)) \\*y\\*"
    )
    assert [csv_cell(c) for c in ("=1+1", "+33", "-2", "@SUM(A1)", "\tx", "ok", f"{ANSI}=1")] == [
        "'=1+1",
        "'+33",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        "'=1",
    ]
    assert escape(f"[/] [bold]x{ANSI}") == "\\[/] \\[bold]x"
