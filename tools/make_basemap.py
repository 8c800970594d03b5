"""Build veille/serve/static/basemap.json, the offline world base map (run once; the output is committed).

Input (build time only): the Natural Earth 1:110m admin 0 countries layer (public domain) as geopandas
0.14.4 ships it (``geopandas/datasets/naturalearth_lowres/naturalearth_lowres.{shp,dbf,cpg}``), read
straight out of the wheel. The shapefile and dBase III formats are parsed here with ``struct``, so
neither geopandas nor pyshp is needed, at build time or at run time. Each ring is simplified
(Douglas–Peucker, ``--tolerance`` degrees), rounded to 2 decimals, and dropped when it collapses.

Run as (the wheel fetched with ``pip download geopandas==0.14.4 --no-deps -d /tmp/geo``):
  .venv/bin/python tools/make_basemap.py /tmp/geo/geopandas-0.14.4-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import struct
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("make_basemap")

DEFAULT_WHEEL = Path("/tmp/geo/geopandas-0.14.4-py3-none-any.whl")
OUT_PATH = Path(__file__).resolve().parent.parent / "veille" / "serve" / "static" / "basemap.json"
MEMBER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
SOURCE = "Natural Earth 1:110m admin 0 countries (public domain), via geopandas 0.14.4 naturalearth_lowres"
SHAPE_NULL, SHAPE_POLYGON = 0, 5

Point = tuple[float, float]
Ring = list[Point]


def read_polygons(shp: bytes) -> list[list[Ring]]:
    """Return each record's rings (lon, lat) from a Polygon shapefile; a null shape gives no rings."""
    file_code, length_words = struct.unpack(">i20xi", shp[:28])
    (shape_type,) = struct.unpack("<i", shp[32:36])
    if file_code != 9994 or shape_type != SHAPE_POLYGON:
        raise ValueError(f"not a Polygon shapefile (file code {file_code}, shape type {shape_type})")
    records: list[list[Ring]] = []
    offset, end = 100, min(len(shp), length_words * 2)
    while offset < end:
        _number, content_words = struct.unpack(">ii", shp[offset : offset + 8])
        content = shp[offset + 8 : offset + 8 + content_words * 2]
        offset += 8 + content_words * 2
        (record_type,) = struct.unpack("<i", content[:4])
        if record_type == SHAPE_NULL:
            records.append([])
            continue
        if record_type != SHAPE_POLYGON:
            raise ValueError(f"unexpected shape type {record_type} in record {len(records) + 1}")
        num_parts, num_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{num_parts}i", content[44 : 44 + 4 * num_parts]))
        start = 44 + 4 * num_parts
        coords = struct.unpack(f"<{2 * num_points}d", content[start : start + 16 * num_points])
        points = list(zip(coords[0::2], coords[1::2], strict=True))
        bounds = [*parts, num_points]
        records.append([points[bounds[i] : bounds[i + 1]] for i in range(num_parts)])
    return records


def read_dbf(dbf: bytes, encoding: str) -> list[dict[str, str]]:
    """Return the dBase III records as {field name: stripped text}, skipping deleted rows."""
    num_records, header_length, record_length = struct.unpack("<IHH", dbf[4:12])
    fields: list[tuple[str, int]] = []
    offset = 32
    while dbf[offset] != 0x0D:
        raw_name, length = struct.unpack("<11s5xB", dbf[offset : offset + 17])
        fields.append((raw_name.split(b"\x00", 1)[0].decode("ascii"), length))
        offset += 32
    rows: list[dict[str, str]] = []
    for index in range(num_records):
        record = dbf[header_length + index * record_length : header_length + (index + 1) * record_length]
        if record[:1] == b"*":
            continue
        row, position = {}, 1
        for name, length in fields:
            row[name] = record[position : position + length].decode(encoding).strip()
            position += length
        rows.append(row)
    return rows


def _segment_distance(point: Point, start: Point, end: Point) -> float:
    """Return the distance from point to the segment start–end, in degrees."""
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / span))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def simplify_line(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker: keep both ends and every point farther than tolerance from the kept line."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            d = _segment_distance(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplify_ring(ring: Ring, tolerance: float) -> Ring | None:
    """Return the simplified, rounded, closed ring, or None when it collapses below a triangle."""
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 3:
        return None
    # A closed ring has no natural ends: split it at the point farthest from its first one.
    far = max(range(len(ring)), key=lambda i: math.dist(ring[0], ring[i]))
    head = simplify_line([*ring[: far + 1]], tolerance)
    tail = simplify_line([*ring[far:], ring[0]], tolerance)
    rounded: Ring = []
    for lon, lat in head[:-1] + tail[:-1]:
        point = (round(lon, 2) + 0.0, round(lat, 2) + 0.0)  # + 0.0 turns -0.0 into 0.0
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if len(rounded) > 1 and rounded[-1] == rounded[0]:
        rounded.pop()
    if len(set(rounded)) < 3:
        return None
    return [*rounded, rounded[0]]


def build_basemap(wheel: Path, tolerance: float) -> dict[str, object]:
    """Return the basemap document built from the Natural Earth files inside the geopandas wheel."""
    with zipfile.ZipFile(wheel) as archive:
        shp = archive.read(f"{MEMBER}.shp")
        dbf = archive.read(f"{MEMBER}.dbf")
        encoding = archive.read(f"{MEMBER}.cpg").decode("ascii").strip() or "latin-1"
    shapes, rows = read_polygons(shp), read_dbf(dbf, encoding)
    if len(shapes) != len(rows):
        raise ValueError(f"{len(shapes)} shapes but {len(rows)} attribute rows")
    countries = []
    for row, rings in zip(rows, shapes, strict=True):
        kept = [r for r in (simplify_ring(ring, tolerance) for ring in rings) if r is not None]
        if not kept:
            logger.info("dropped %s: every ring collapsed", row["name"])
            continue
        rings_json = [[[lon, lat] for lon, lat in ring] for ring in kept]
        countries.append({"iso_a3": row["iso_a3"], "name": row["name"], "rings": rings_json})
    return {"source": SOURCE, "countries": countries}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", nargs="?", type=Path, default=DEFAULT_WHEEL, help="geopandas 0.14.4 wheel")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where to write basemap.json")
    parser.add_argument("--tolerance", type=float, default=0.1, help="Douglas–Peucker tolerance, degrees")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    basemap = build_basemap(args.wheel, args.tolerance)
    countries = basemap["countries"]
    assert isinstance(countries, list)
    # One country per line: compact, yet a rebuild shows up as a readable diff.
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in countries]
    text = f'{{"source":{json.dumps(SOURCE)},"countries":[\n' + ",\n".join(lines) + "\n]}\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    points = sum(len(ring) for c in countries for ring in c["rings"])
    logger.info("wrote %s: %d countries, %d points, %d bytes", args.out, len(countries), points, len(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
