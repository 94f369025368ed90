"""Shared hypothesis strategies for spatial tests (append yours; keep them generic).

Extents: Hunan spans lon 108.6-114.3 E, lat 24.6-30.2 N. Gauss-Kruger metres are given
for the CGCS2000 3-degree zone with central meridian 114E (EPSG:4547, false easting
500 000 m, no zone prefix), which covers eastern Hunan (Changsha-Zhuzhou-Xiangtan).

Polygons are star-shaped around a centre (vertices at strictly increasing angles, positive
radii), hence always simple and valid; ``with_hole`` adds a hole that is the same ring
shrunk towards the centre, which a star-shaped polygon always contains strictly.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import shapely
from shapely.geometry import Point, Polygon

__all__ = [
    "HUNAN_LON",
    "HUNAN_LAT",
    "GK4547_EASTING",
    "GK4547_NORTHING",
    "hunan_lon",
    "hunan_lat",
    "hunan_lonlat",
    "hunan_points",
    "star_polygon",
    "hunan_polygons_lonlat",
    "hunan_polygons_gk",
    "bowtie_polygons_lonlat",
]

HUNAN_LON = (108.6, 114.3)
HUNAN_LAT = (24.6, 30.2)
#: Eastern Hunan in EPSG:4547 (CM 114E): about lon 112.4-114.3, lat 25-30.
GK4547_EASTING = (340_000.0, 520_000.0)
GK4547_NORTHING = (2_770_000.0, 3_320_000.0)


def hunan_lon() -> st.SearchStrategy[float]:
    """Longitudes inside Hunan's bounding box (degrees E)."""
    return st.floats(*HUNAN_LON, allow_nan=False, allow_infinity=False)


def hunan_lat() -> st.SearchStrategy[float]:
    """Latitudes inside Hunan's bounding box (degrees N)."""
    return st.floats(*HUNAN_LAT, allow_nan=False, allow_infinity=False)


def hunan_lonlat() -> st.SearchStrategy[tuple[float, float]]:
    """(lon, lat) pairs inside Hunan's bounding box."""
    return st.tuples(hunan_lon(), hunan_lat())


def hunan_points() -> st.SearchStrategy[Point]:
    """shapely Points in lon/lat (EPSG:4490) inside Hunan's bounding box."""
    return hunan_lonlat().map(lambda xy: Point(*xy))


@st.composite
def star_polygon(
    draw: st.DrawFn,
    *,
    cx: st.SearchStrategy[float],
    cy: st.SearchStrategy[float],
    min_radius: float,
    max_radius: float,
    max_vertices: int = 12,
    with_hole: bool | None = None,
) -> Polygon:
    """A valid star-shaped polygon around a drawn centre; radii in the units of cx/cy.

    ``with_hole=None`` lets hypothesis decide whether to add a hole.
    """
    x0, y0 = draw(cx), draw(cy)
    n = draw(st.integers(3, max_vertices))
    # Angles at least 10 degrees apart keep vertices well separated (no near-collinear slivers).
    gaps = draw(st.lists(st.floats(1.0, 3.0), min_size=n, max_size=n))
    total = sum(gaps)
    angles = []
    acc = draw(st.floats(0.0, 2 * math.pi))
    for g in gaps:
        angles.append(acc)
        acc += g / total * 2 * math.pi * (36 - n) / 36 + math.radians(10)
    radii = draw(st.lists(st.floats(min_radius, max_radius), min_size=n, max_size=n))
    shell = [(x0 + r * math.cos(a), y0 + r * math.sin(a)) for a, r in zip(angles, radii, strict=True)]
    hole = draw(st.booleans()) if with_hole is None else with_hole
    if hole:
        s = draw(st.floats(0.1, 0.6))
        inner = [(x0 + s * (x - x0), y0 + s * (y - y0)) for x, y in reversed(shell)]
        poly = Polygon(shell, [inner])
    else:
        poly = Polygon(shell)
    # Defensive: floating point could in theory break simplicity; never hand out invalid shapes.
    return poly if shapely.is_valid(poly) else Polygon(shell).convex_hull


def hunan_polygons_lonlat(*, max_radius_deg: float = 0.05, with_hole: bool | None = None) -> st.SearchStrategy[Polygon]:
    """Valid polygons in lon/lat inside Hunan, up to ``max_radius_deg`` across from the centre."""
    return star_polygon(
        cx=st.floats(HUNAN_LON[0] + max_radius_deg, HUNAN_LON[1] - max_radius_deg),
        cy=st.floats(HUNAN_LAT[0] + max_radius_deg, HUNAN_LAT[1] - max_radius_deg),
        min_radius=max_radius_deg / 20,
        max_radius=max_radius_deg,
        with_hole=with_hole,
    )


def hunan_polygons_gk(*, max_radius_m: float = 5000.0, with_hole: bool | None = None) -> st.SearchStrategy[Polygon]:
    """Valid polygons in EPSG:4547 metres (CGCS2000 GK CM 114E) over eastern Hunan."""
    return star_polygon(
        cx=st.floats(GK4547_EASTING[0] + max_radius_m, GK4547_EASTING[1] - max_radius_m),
        cy=st.floats(GK4547_NORTHING[0] + max_radius_m, GK4547_NORTHING[1] - max_radius_m),
        min_radius=max_radius_m / 20,
        max_radius=max_radius_m,
        with_hole=with_hole,
    )


@st.composite
def bowtie_polygons_lonlat(draw: st.DrawFn) -> Polygon:
    """Invalid 'bow-tie' polygons in Hunan: a quadrilateral whose edges cross once.

    The ring (x0,y0) (x1,y1) (x1,y0) (x0,y1) crosses itself at the rectangle's centre;
    a valid repair is two triangles of total area w*h/2.
    """
    x0, y0 = draw(hunan_lonlat())
    w = draw(st.floats(0.001, 0.05))
    h = draw(st.floats(0.001, 0.05))
    return Polygon([(x0, y0), (x0 + w, y0 + h), (x0 + w, y0), (x0, y0 + h)])
