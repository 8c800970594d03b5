"""The docs stay in step with the code: every command and setting documented, generated pages current."""

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_and_settings_pages_are_current():
    gen = _generator()
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == gen.cli_markdown(), "run: python docs/generate.py"
    assert (DOCS / "settings.md").read_text(encoding="utf-8") == gen.settings_markdown(), (
        "run: python docs/generate.py"
    )


def test_docs_json_schema_names_every_article_key():
    text = (DOCS / "json.md").read_text(encoding="utf-8")
    for key in ("content_id", "published_source", "entities", "mentions", "quotes", "speaker", "times", "events",
                "first_seen", "last_seen", "outlets"):  # fmt: skip
        assert f"`{key}`" in text, key
