"""Sources: build and check an outlet record, read and write lists of them (CSV, TOML), import them into a store.

A source row names an outlet (``name``), its registered domains (``domain``: several separated by spaces), its
country (ISO 3166-1 alpha-2 or alpha-3 code, upper or lower case; empty for none), its kind (``SOURCE_KINDS``),
its languages (ISO 639-1 or 639-3 codes), its feeds (addresses separated by spaces; ``sitemap:URL`` or
``atom:URL`` says the kind when the address does not), ``active`` (yes/no) and a ``note``.

Importing is idempotent: a row updates the source with its id (when the row gives one), else the source that
has its name (accents and case ignored), else the source that holds one of its domains, else adds a source; an
empty optional cell keeps what is stored, so importing a file again, or the starter list over sources the user
completed, changes nothing. A bad row is reported with
its line and the reason, and the other rows are imported.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
import tomli_w

from veille.errors import StoreError, VeilleError
from veille.model import FEED_KINDS, SOURCE_KINDS, Source, SourceFeed
from veille.sources.domains import registered_domain
from veille.store.base import Store
from veille.text import fold

__all__ = [
    "CSV_COLUMNS",
    "add_source",
    "country_code",
    "format_of",
    "ImportReport",
    "RowError",
    "SourceError",
    "export_sources",
    "import_sources",
    "make_source",
    "read_sources",
    "source_id",
    "starter_path",
]

#: The columns ``export_sources`` writes; ``read_sources`` needs ``name`` and ``kind``, and reads ``domains`` as
#: ``domain``.
CSV_COLUMNS = ("id", "name", "domain", "country", "kind", "languages", "feeds", "active", "note")
_COLUMNS = frozenset(CSV_COLUMNS) | {"domains"}
_TRUE = {"1", "true", "yes", "y", "oui", "active"}
_FALSE = {"0", "false", "no", "n", "non", "inactive"}


class SourceError(VeilleError):
    """A source record or a list of sources that cannot be read: the message names the field and the fix."""

    code = "bad_source"


@dataclass(frozen=True, slots=True)
class RowError:
    """A row of a list of sources that was not imported: its line (1 = the first line), name and reason."""

    line: int
    name: str | None
    message: str


@dataclass(slots=True)
class ImportReport:
    """What an import did: source ids added, updated, unchanged, and the rows refused."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def source_id(name: str) -> str:
    """Return the id a source of this name gets: its folded words joined by hyphens (``Le Soleil`` → ``le-soleil``)."""
    slug = fold(name).replace(" ", "-")
    if not slug:
        raise SourceError(f"source name {name!r} has no letters or digits; give the outlet's name")
    return slug


def _country(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    found = None
    if len(value) == 2:
        found = pycountry.countries.get(alpha_2=value.upper())
    elif len(value) == 3:
        found = pycountry.countries.get(alpha_3=value.upper())
    if found is None:
        raise SourceError(f"country {value!r} is not an ISO 3166 code (two letters such as ML, SN, FR)")
    return str(found.alpha_2)


def country_code(value: str) -> str | None:
    """Return the ISO 3166 alpha-2 code of ``value`` (an alpha-2 or alpha-3 code, any case; None when empty).

    Raises SourceError for anything else, so a filter on a mistyped country is an error, not an empty list."""
    return _country(value)


def _language(value: str) -> str:
    code = value.strip().lower()
    found = None
    if len(code) == 2:
        found = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.languages.get(alpha_3=code)
    if found is None:
        raise SourceError(f"language {value!r} is not an ISO 639 code (such as fr, en, ar)")
    return str(getattr(found, "alpha_2", None) or found.alpha_3)


def _domain(value: str) -> str:
    domain = registered_domain(value)
    if domain is None:
        raise SourceError(
            f"{value!r} is not a domain name under a public suffix (such as lefaso.net, rfi.fr)"
        )
    return domain


def _feed(value: str | SourceFeed | Mapping[str, Any]) -> SourceFeed:
    if isinstance(value, SourceFeed):
        url, kind = value.url, value.kind
    elif isinstance(value, Mapping):
        url, kind = str(value.get("url") or ""), str(value.get("kind") or "")
    else:
        url, kind = value.strip(), ""
        prefix, _, rest = url.partition(":")
        if prefix.lower() in FEED_KINDS and rest and not rest.startswith("//"):
            kind, url = prefix.lower(), rest
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"feed {url!r} is not an http(s) address")
    kind = kind or _guess_feed_kind(url)
    if kind not in FEED_KINDS:
        raise SourceError(f"feed kind {kind!r} is not one of {', '.join(FEED_KINDS)}")
    return SourceFeed(url=url, kind=kind)


def _guess_feed_kind(url: str) -> str:
    """The kind a feed address says: ``sitemap`` or ``atom`` when its path names it, else ``rss`` (feedparser
    reads RSS and Atom alike, so the difference only matters to a reader of the list)."""
    path = urlsplit(url).path.lower()
    if "sitemap" in path:
        return "sitemap"
    return "atom" if "atom" in path else "rss"


def make_source(
    name: str,
    *,
    kind: str,
    country: str | None = None,
    domains: Iterable[str] = (),
    feeds: Iterable[str | SourceFeed | Mapping[str, Any]] = (),
    languages: Iterable[str] = (),
    active: bool = True,
    note: str | None = None,
    id: str | None = None,  # noqa: A002 - the field's name
) -> Source:
    """Return a checked Source: country and languages as ISO codes, domains reduced to registered domains,
    feeds as http(s) addresses with a kind. Raises SourceError naming the first bad field."""
    name = " ".join(name.split())
    if not name:
        raise SourceError("a source needs a name")
    kind = kind.strip().lower()
    if kind not in SOURCE_KINDS:
        raise SourceError(f"kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    if id and id.strip() and fold(id).replace(" ", "-") != id.strip():
        raise SourceError(f"id {id!r} must be lower-case words joined by hyphens, such as 'le-soleil'")
    return Source(
        id=id.strip() if id and id.strip() else source_id(name),
        name=name,
        kind=kind,
        country=_country(country or ""),
        domains=tuple(sorted({_domain(d) for d in domains if d.strip()})),
        feeds=tuple({f.url: f for f in map(_feed, feeds)}.values()),
        languages=tuple(dict.fromkeys(_language(code) for code in languages if code.strip())),
        active=active,
        note=note.strip() if note and note.strip() else None,
    )


# reading and writing lists of sources ---------------------------------------------------------------------


def _words(value: Any) -> list[Any]:
    """A cell's values: a TOML list as is, a text split on spaces (and commas)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return value.replace(",", " ").split()
    raise SourceError(f"{value!r} is neither a text nor a list")


def _text(cells: Mapping[str, Any], name: str) -> str | None:
    """A cell's text, None when empty; SourceError when it is not a text (a number or list in TOML)."""
    value = cells.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SourceError(f"{name} {value!r} must be a text")
    return value


def _active(value: Any) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SourceError(f"active {value!r} is not yes or no")


@dataclass(frozen=True, slots=True)
class _Row:
    """One row read from a list: the source it describes and which optional cells it left empty."""

    line: int
    source: Source
    empty: frozenset[str]


def _row(line: int, cells: Mapping[str, Any]) -> _Row:
    unknown = sorted(set(cells) - _COLUMNS)
    if unknown:
        raise SourceError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(CSV_COLUMNS)}")
    text = {k: v.strip() if isinstance(v, str) else v for k, v in cells.items()}
    domains = _words(text.get("domain")) + _words(text.get("domains"))
    feeds = text.get("feeds")
    feed_values = feeds if isinstance(feeds, list) else _words(feeds)
    languages = _words(text.get("languages"))
    active = _active(text.get("active"))
    country = _text(text, "country")
    note = _text(text, "note")
    values: dict[str, Any] = {
        "country": country,
        "domains": domains,
        "feeds": feed_values,
        "languages": languages,
        "note": note,
        "active": active,
    }
    source = make_source(
        _text(text, "name") or "",
        kind=_text(text, "kind") or "",
        country=country,
        domains=[str(d) for d in domains],
        feeds=feed_values,
        languages=[str(code) for code in languages],
        active=True if active is None else active,
        note=note,
        id=_text(text, "id"),
    )
    return _Row(line, source, frozenset(k for k, v in values.items() if v in (None, [])))


def _csv_rows(data: str) -> Iterator[tuple[int, dict[str, Any]] | RowError]:
    reader = csv.DictReader(io.StringIO(data, newline=""))
    columns = [c.strip().lower() for c in reader.fieldnames or ()]
    if "name" not in columns or "kind" not in columns:
        raise SourceError(
            "a CSV list of sources needs a header line with at least the columns name and kind"
            f" (found: {', '.join(columns) or 'none'}); e.g. name,domain,country,kind,feeds"
        )
    reader.fieldnames = columns
    line = 1
    for cells in reader:
        line_of_row = line + 1
        line = reader.line_num
        if None in cells:
            yield RowError(
                line_of_row, cells.get("name"), "more cells than columns (quote a cell that holds a comma)"
            )
            continue
        if not any((v or "").strip() for v in cells.values()):
            continue
        yield line_of_row, {k: v for k, v in cells.items() if k}


def _toml_rows(data: str) -> Iterator[tuple[int, dict[str, Any]] | RowError]:
    try:
        parsed = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"not a TOML list of sources: {exc}") from exc
    unknown = sorted(set(parsed) - {"source", "provenance"})
    if unknown:
        raise SourceError(f"unknown top-level key(s) {', '.join(unknown)}: sources go in [[source]] tables")
    tables = parsed.get("source", [])
    if not isinstance(tables, list):
        raise SourceError("sources go in [[source]] tables (an array of tables)")
    for number, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            yield RowError(number, None, "a [[source]] entry must be a table")
            continue
        yield number, table


def read_sources(data: bytes | str, fmt: str) -> tuple[list[_Row], list[RowError]]:
    """Read a list of sources (``fmt`` "csv" or "toml"); return the good rows and the refused rows (for TOML
    the "line" is the source's rank in the file). Raises SourceError when the file as a whole cannot be read."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(f"a list of sources must be UTF-8 text ({exc})") from exc
    if fmt not in ("csv", "toml"):
        raise SourceError(f"unknown format {fmt!r}: csv or toml")
    rows: list[_Row] = []
    errors: list[RowError] = []
    for item in (_csv_rows if fmt == "csv" else _toml_rows)(data):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        line, cells = item
        try:
            rows.append(_row(line, cells))
        except SourceError as exc:
            name = cells.get("name")
            errors.append(RowError(line, name if isinstance(name, str) else None, str(exc)))
    return rows, errors


def format_of(path: str | Path) -> str:
    """Return "toml" for a path ending in .toml, else "csv"."""
    return "toml" if str(path).lower().endswith(".toml") else "csv"


def starter_path() -> Path:
    """Return the path of the starter list shipped with veille (``veille/sources/data/starter.toml``)."""
    return Path(str(resources.files("veille.sources") / "data" / "starter.toml"))


def _comparable(source: Source) -> Source:
    return replace(source, feeds=tuple(SourceFeed(f.url, f.kind) for f in source.feeds))


def _merge(stored: Source, row: _Row) -> Source:
    """The row's values over the stored source's; an empty optional cell keeps the stored value."""
    new = row.source
    keep = row.empty
    return replace(
        stored,
        name=new.name,
        kind=new.kind,
        country=stored.country if "country" in keep else new.country,
        domains=stored.domains if "domains" in keep else new.domains,
        feeds=stored.feeds if "feeds" in keep else new.feeds,
        languages=stored.languages if "languages" in keep else new.languages,
        active=stored.active if "active" in keep else new.active,
        note=stored.note if "note" in keep else new.note,
    )


class _Index:
    """The stored sources by id, folded name and domain, read once for a whole import."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self.by_key: dict[str, Source] = {}
        for source in sources:
            self.add(source)

    def add(self, source: Source) -> None:
        self.by_key[f"id:{source.id}"] = source
        self.by_key[f"name:{fold(source.name)}"] = source
        for domain in source.domains:
            self.by_key[f"domain:{domain}"] = source

    def match(self, source: Source) -> Source | None:
        """The stored source a row describes: by id, else by folded name, else by one of its domains."""
        keys = [f"id:{source.id}", f"name:{fold(source.name)}", *(f"domain:{d}" for d in source.domains)]
        return next((self.by_key[k] for k in keys if k in self.by_key), None)


def import_sources(store: Store, rows: Sequence[_Row], errors: Sequence[RowError] = ()) -> ImportReport:
    """Add or update these sources (see the module's rules); a row the store refuses (a domain held by another
    source) is reported as an error and the others are imported."""
    report = ImportReport(errors=list(errors))
    index = _Index(store.list_sources())
    with store.transaction():  # one commit for the whole list
        for row in rows:
            stored = index.match(row.source)
            wanted = row.source if stored is None else _merge(stored, row)
            if stored is not None and _comparable(wanted) == _comparable(stored):
                report.unchanged.append(stored.id)
                continue
            # the store refuses a name or domain of another source (checked before it writes anything)
            try:
                saved = store.put_source(wanted)
            except StoreError as exc:
                report.errors.append(RowError(row.line, row.source.name, str(exc)))
                continue
            index.add(saved)
            (report.added if stored is None else report.updated).append(saved.id)
    report.errors.sort(key=lambda e: e.line)
    return report


def add_source(
    store: Store,
    name: str,
    *,
    kind: str | None = None,
    country: str | None = None,
    domains: Iterable[str] = (),
    feeds: Iterable[str] = (),
    languages: Iterable[str] = (),
    active: bool | None = None,
    note: str | None = None,
) -> tuple[Source, bool]:
    """Add a source, or update the one with this name (accents and case ignored); return it as stored and
    whether it is new. On an update the stored name stays (an import row with the source's id renames it),
    the domains, feeds and languages given are added to the stored ones, and kind, country, active and note
    replace theirs when given. SourceError for a bad value, a new source without a kind, or a domain held
    by another source."""
    domains, feeds, languages = list(domains), list(feeds), list(languages)
    probe = make_source(
        name,
        kind=kind or "other",
        country=country,
        domains=domains,
        feeds=feeds,
        languages=languages,
        active=True if active is None else active,
        note=note,
    )
    stored = _Index(store.list_sources()).match(replace(probe, domains=()))  # by id or name, not by domain
    if stored is None:
        if kind is None:
            raise SourceError(f"{probe.name!r} is a new source: give its --kind ({', '.join(SOURCE_KINDS)})")
        try:
            return store.put_source(probe), True
        except VeilleError as exc:
            raise SourceError(str(exc)) from exc
    wanted = replace(
        stored,
        kind=probe.kind if kind is not None else stored.kind,
        country=probe.country if country else stored.country,
        domains=tuple(sorted({*stored.domains, *probe.domains})),
        feeds=tuple({f.url: f for f in (*stored.feeds, *probe.feeds)}.values()),
        languages=tuple(dict.fromkeys((*stored.languages, *probe.languages))),
        active=stored.active if active is None else active,
        note=probe.note if note is not None else stored.note,
    )
    try:
        return store.put_source(wanted), False
    except VeilleError as exc:
        raise SourceError(str(exc)) from exc


def export_sources(sources: Sequence[Source], fmt: str, *, provenance: str | None = None) -> str:
    """Return the sources as a CSV or TOML list that ``read_sources`` reads back to the same sources."""
    if fmt == "toml":
        doc: dict[str, Any] = {}
        if provenance:
            doc["provenance"] = provenance
        doc["source"] = [_toml_table(s) for s in sources]
        return tomli_w.dumps(doc)
    if fmt != "csv":
        raise SourceError(f"unknown format {fmt!r}: csv or toml")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in sources:
        writer.writerow(
            [
                s.id,
                s.name,
                " ".join(s.domains),
                s.country or "",
                s.kind,
                " ".join(s.languages),
                " ".join(_feed_text(f) for f in s.feeds),
                "yes" if s.active else "no",
                s.note or "",
            ]
        )
    return buffer.getvalue()


def _feed_text(feed: SourceFeed) -> str:
    return feed.url if feed.kind == _guess_feed_kind(feed.url) else f"{feed.kind}:{feed.url}"


def _toml_table(source: Source) -> dict[str, Any]:
    table: dict[str, Any] = {"id": source.id, "name": source.name, "kind": source.kind}
    if source.country:
        table["country"] = source.country
    table["domains"] = list(source.domains)
    if source.languages:
        table["languages"] = list(source.languages)
    if source.feeds:
        table["feeds"] = [{"url": f.url, "kind": f.kind} for f in source.feeds]
    table["active"] = source.active
    if source.note:
        table["note"] = source.note
    return table
