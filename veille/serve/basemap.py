"""An offline world base map: places framed on the countries around them, as SVG data, no tile server.

The outlines are ``static/basemap.json`` (Natural Earth 1:110m countries, public domain), built by
``tools/make_basemap.py``. Nothing here writes HTML: a template draws a ``MapView`` and escapes it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

MIN_EXTENT_DEGREES = 20.0  # a single city still shows its region
MIN_X_SCALE = 0.25  # floor on cos(latitude), so a frame at a pole keeps a drawable width


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A place to mark, in degrees (WGS 84), with an optional link and a kind the template may style."""

    label: str
    latitude: float
    longitude: float
    href: str | None = None
    kind: str = ""


@dataclass(frozen=True, slots=True)
class MapView:
    """What a template draws: an SVG viewBox (its width and height in the same units), outlines, points."""

    view_box: str
    width: float
    height: float
    countries: tuple[tuple[str, str], ...]  # (name, svg path d)
    points: tuple[tuple[float, float, MapPoint], ...]  # (x, y, point)
    source: str


@dataclass(frozen=True, slots=True)
class _Ring:
    west: float
    south: float
    east: float
    north: float
    points: tuple[tuple[float, float], ...]  # (lon, lat), closed: the last repeats the first


@functools.cache
def _load_basemap() -> tuple[str, tuple[tuple[str, tuple[_Ring, ...]], ...]]:
    """Return the source credit and each country's (name, rings), read once from the package."""
    text = (resources.files("veille.serve") / "static" / "basemap.json").read_text(encoding="utf-8")
    data = json.loads(text)
    countries = []
    for country in data["countries"]:
        rings = []
        for raw in country["rings"]:
            points = tuple((float(lon), float(lat)) for lon, lat in raw)
            lons, lats = [lon for lon, _ in points], [lat for _, lat in points]
            rings.append(_Ring(min(lons), min(lats), max(lons), max(lats), points))
        countries.append((str(country["name"]), tuple(rings)))
    return str(data["source"]), tuple(countries)


def _span(low: float, high: float, floor: float, ceiling: float) -> tuple[float, float]:
    """Widen [low, high] to the minimum extent around its centre, then slide it inside [floor, ceiling]."""
    if high - low < MIN_EXTENT_DEGREES:
        centre = (low + high) / 2
        low, high = centre - MIN_EXTENT_DEGREES / 2, centre + MIN_EXTENT_DEGREES / 2
    extent = high - low
    if extent >= ceiling - floor:
        return floor, ceiling
    if low < floor:
        return floor, floor + extent
    if high > ceiling:
        return ceiling - extent, ceiling
    return low, high


def _number(value: float) -> str:
    """Format a coordinate with at most 2 decimals, no trailing zeros, and never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _path(rings: Sequence[_Ring], x_scale: float) -> str:
    """Return the SVG path data of rings: M, L, then Z instead of repeating the first point."""
    return "".join(
        "M" + "L".join(f"{_number(lon * x_scale)} {_number(-lat)}" for lon, lat in ring.points[:-1]) + "Z"
        for ring in rings
    )


def map_view(points: Sequence[MapPoint], *, margin_degrees: float = 6.0) -> MapView | None:
    """Return the countries and points framed on points plus a margin, or None when there is no point.

    Raises ValueError on a latitude outside ±90, a longitude outside ±180 (or NaN), or a negative margin.
    """
    if not points:
        return None
    if not margin_degrees >= 0:
        raise ValueError(f"margin_degrees must be 0 or more, not {margin_degrees}")
    for point in points:
        if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
            raise ValueError(f"{point.label!r}: no such place ({point.latitude}, {point.longitude})")
    lons, lats = [p.longitude for p in points], [p.latitude for p in points]
    west, east = _span(min(lons) - margin_degrees, max(lons) + margin_degrees, -180.0, 180.0)
    south, north = _span(min(lats) - margin_degrees, max(lats) + margin_degrees, -90.0, 90.0)
    # Equirectangular, x shrunk by cos(mean latitude) so the frame is not stretched east-west.
    x_scale = max(MIN_X_SCALE, math.cos(math.radians((south + north) / 2)))
    left, right = round(west * x_scale, 2), round(east * x_scale, 2)
    top, bottom = round(-north, 2), round(-south, 2)
    width, height = round(right - left, 2), round(bottom - top, 2)
    source, countries = _load_basemap()
    drawn = []
    for name, rings in countries:
        # A ring whose box misses the frame is invisible: leave it out of the page.
        seen = [
            r for r in rings if r.west <= east and r.east >= west and r.south <= north and r.north >= south
        ]
        if seen:
            drawn.append((name, _path(seen, x_scale)))
    placed = tuple((round(p.longitude * x_scale, 2), round(-p.latitude, 2), p) for p in points)
    view_box = f"{_number(left)} {_number(top)} {_number(width)} {_number(height)}"
    return MapView(view_box, width, height, tuple(drawn), placed, source)
