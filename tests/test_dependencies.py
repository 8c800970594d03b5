"""Every third-party module veille imports comes from a distribution pyproject.toml declares.

A module that is only installed because something else pulls it in (tqdm, scipy before issue 17) works
on the machine that happens to have it and breaks a fresh install; this test catches it from the source.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "veille"


def normalise(name: str) -> str:
    """PEP 503: runs of '-', '_' and '.' are one '-', case is ignored."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> dict[str, Requirement]:
    """{normalised distribution name: requirement} of ``[project].dependencies``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(text) for text in project["dependencies"]]
    return {normalise(r.name): r for r in reqs}


def imported_modules() -> dict[str, list[str]]:
    """{top-level module: ['veille/x.py:LINE', ...]} for every absolute import anywhere in veille's
    source (module level, functions, ``TYPE_CHECKING`` blocks), less the standard library and veille."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in sys.stdlib_module_names or top == "veille" or top == "__future__":
                    continue
                found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_imported_modules_are_declared_dependencies():
    deps = declared()
    providers = importlib.metadata.packages_distributions()
    modules = imported_modules()
    assert "numpy" in modules and "spacy" in modules, "the import walk found nothing: is veille/ there?"
    problems = []
    for module, where in sorted(modules.items()):
        dists = providers.get(module)
        if not dists:
            problems.append(
                f"{module} (imported at {where[0]}) is not installed: no distribution provides it"
            )
        elif not any(normalise(d) in deps for d in dists):
            problems.append(
                f"{module} (imported at {where[0]}) comes from {', '.join(sorted(set(dists)))},"
                " which pyproject.toml's [project].dependencies does not declare"
            )
    assert not problems, "\n".join(problems)


def test_declared_dependencies_are_installed():
    """The venv matches pyproject (``make`` reinstalls when pyproject.toml changes)."""
    missing = []
    for name in sorted(declared()):
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    assert not missing, f"declared but not installed (run pip install -e '.[test]'): {missing}"
