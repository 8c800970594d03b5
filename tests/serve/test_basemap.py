"""The offline base map: framing on the places, countries kept or left out, edges of the world."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from veille.serve.basemap import MapPoint, map_view

BAMAKO = MapPoint("Bamako", 12.65, -8.0, href="/places/bamako", kind="capital")
NIAMEY = MapPoint("Niamey", 13.51, 2.11)
PATH_D = re.compile(r"^(M-?\d+(\.\d{1,2})? -?\d+(\.\d{1,2})?(L-?\d+(\.\d{1,2})? -?\d+(\.\d{1,2})?)*Z)+$")


def frame_of(view):
    left, top, width, height = (float(n) for n in view.view_box.split())
    assert (width, height) == (view.width, view.height)
    assert width > 0 and height > 0
    return left, top, left + width, top + height


def assert_points_inside(view):
    left, top, right, bottom = frame_of(view)
    for x, y, _ in view.points:
        assert left - 1e-9 <= x <= right + 1e-9
        assert top - 1e-9 <= y <= bottom + 1e-9


def test_basemap_frames_bamako_and_niamey_on_the_sahel():
    view = map_view([BAMAKO, NIAMEY])
    assert view is not None
    assert_points_inside(view)
    assert [p for _, _, p in view.points] == [BAMAKO, NIAMEY]
    names = {name for name, _ in view.countries}
    assert {"Mali", "Niger", "Burkina Faso"} <= names
    assert "Japan" not in names and "Brazil" not in names and "Russia" not in names
    for _, d in view.countries:
        assert PATH_D.match(d), d[:80]
    assert "Natural Earth" in view.source


def test_basemap_single_city_shows_its_region():
    view = map_view([BAMAKO])
    assert view is not None
    assert view.height >= 20
    assert view.width >= 20 * 0.9  # x shrinks by cos(latitude), about 0.98 at Bamako
    assert_points_inside(view)
    assert {"Mali", "Senegal", "Guinea"} <= {name for name, _ in view.countries}


def test_basemap_no_point_gives_none():
    assert map_view([]) is None


@pytest.mark.parametrize(
    "points",
    [
        [MapPoint("Suva", -18.14, 178.44)],
        [MapPoint("Date line east", 0.0, 180.0), MapPoint("Date line west", 0.0, -180.0)],
        [MapPoint("North Pole", 90.0, 0.0)],
        [MapPoint("South Pole", -90.0, 135.0)],
        [MapPoint("Nome", 64.5, -165.4), MapPoint("Anadyr", 64.73, 177.5)],
    ],
    ids=["suva", "both-sides", "north-pole", "south-pole", "bering"],
)
def test_basemap_edge_of_the_world_stays_in_frame(points):
    view = map_view(points)
    assert view is not None
    left, top, right, bottom = frame_of(view)
    assert top >= -90 and bottom <= 90
    assert_points_inside(view)
    assert view.countries


def test_basemap_suva_draws_fiji():
    view = map_view([MapPoint("Suva", -18.14, 178.44)])
    assert view is not None
    assert "Fiji" in {name for name, _ in view.countries}


@pytest.mark.parametrize(("latitude", "longitude"), [(91.0, 0.0), (0.0, -180.5), (float("nan"), 0.0)])
def test_basemap_rejects_impossible_coordinates(latitude, longitude):
    with pytest.raises(ValueError, match="no such place"):
        map_view([MapPoint("Nowhere", latitude, longitude)])


def test_basemap_json_is_small_and_well_formed():
    ref = resources.files("veille.serve") / "static" / "basemap.json"
    raw = ref.read_bytes()
    assert len(raw) < 200_000
    data = json.loads(raw)
    assert len(data["countries"]) > 150
    for country in data["countries"]:
        assert country["rings"], country["name"]
        for ring in country["rings"]:
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)
