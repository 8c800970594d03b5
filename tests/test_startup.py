"""Commands that need no model start without loading one: spaCy, scikit-learn, scipy, datasketch and the
extraction libraries are imported only by the commands that use them (the time is measured by
benchmarks/startup.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("spacy", "sklearn", "scipy", "datasketch", "trafilatura", "htmldate", "dateparser", "fastapi")
PROBE = """
import json, sys
from veille.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def _loaded(*args: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=watched), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("stories", "--json"),
        ("show", "{article}", "--json"),
        ("search", "Lavrov", "--json"),
        ("failures", "--json"),
        ("entities", "--json"),
    ],
)
def test_listing_commands_load_no_model(seeds_db, args):
    """A fresh process running a listing command over a real store imports none of the heavy libraries."""
    code = subprocess.run(
        [sys.executable, "-m", "veille", "--db", str(seeds_db), "articles", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    article = json.loads(code.stdout)[0]["id"]
    argv = ["--db", str(seeds_db), *(a.format(article=article) for a in args)]
    assert _loaded(*argv) == []


@pytest.mark.parametrize("args", [("--help",), ("stories", "--json"), ("search", "Lavrov", "--json")])
def test_listing_commands_load_neither_the_time_rules_nor_the_linker(seeds_db, args):
    """veille's own rule modules that cost tens of milliseconds of regular expressions at import (the time
    rules, the cross-article linker) are loaded by the stages and views that use them, not by a listing."""
    rules = ("veille.understand.dates", "veille.understand.crosslink")
    assert _loaded("--db", str(seeds_db), *args, watched=rules) == []
    assert _loaded("--db", str(seeds_db), "run", "--json", watched=rules) == sorted(rules)


def test_a_command_that_extracts_loads_what_it_needs(tmp_path, seed_paths):
    """The probe can fail: `veille extract` on a seed does import the extraction libraries."""
    seed = str(next(iter(seed_paths.values())))
    assert "trafilatura" in _loaded("--db", str(tmp_path / "x.db"), "extract", seed, "--json")
