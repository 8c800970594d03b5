"""The store holds no stage logic: no module of ``veille/store/`` imports a stage package (issue 17)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "veille" / "store"
STAGES = ("ingest", "extract", "understand", "group", "compare")


def _imported(source: str, package: list[str]) -> set[str]:
    """Return the absolute names a module of ``package`` imports (relative imports resolved)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            # "from veille import understand" and "from .. import group" import the stage itself
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return names


def _stages(names: set[str]) -> list[str]:
    """Return the imported names that are a stage package or inside one (the shortest of each chain)."""
    bad = {n for n in names if n.split(".")[0] == "veille" and n.split(".")[1:2] in ([s] for s in STAGES)}
    return sorted(n for n in bad if not any(n.startswith(other + ".") for other in bad))


def _package(path: Path) -> list[str]:
    return ["veille", *path.relative_to(STORE.parent).parent.parts]


@pytest.mark.parametrize("path", sorted(STORE.rglob("*.py")), ids=lambda p: str(p.relative_to(STORE)))
def test_imports_store_module_imports_no_stage(path):
    bad = _stages(_imported(path.read_text(encoding="utf-8"), _package(path)))
    assert bad == [], f"{path.relative_to(STORE.parent.parent)} imports stage code: {', '.join(bad)}"


def test_imports_check_catches_absolute_and_relative_imports():
    package = _package(STORE / "sql.py")
    assert package == ["veille", "store"]
    for source in (
        "from veille.understand import linking",
        "import veille.ingest.html",
        "from veille import group",
        "from ..compare import build",
        "from .. import extract",
    ):
        assert _stages(_imported(source, package)), source
    for source in (
        "from veille.model import Story",
        "from . import codec",
        "from ..text import fold",
        "import re",
    ):
        assert not _stages(_imported(source, package)), source
