"""Recipes for the illustrative zones of the embedded store (used by zoning.build.build_data).

Each recipe turns real base geography (data/base/) plus a documented parameter from
``data/illustrative/zones.yaml`` into zone geometry. Geometry is built in the CGCS2000
Gauss-Kruger zone of the feature (:func:`gis.crs.work_crs_for`) and returned in EPSG:4490.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from gis.crs import STORAGE_CRS, work_crs_for
from gis.errors import RuleConfigError

#: Vertices per quarter circle of the illustrative discs. The polygon's own area is what
#: the radii are solved for, so the vertex count does not bias the published areas.
DISC_QUAD_SEGS = 64


@dataclass(frozen=True)
class Base:
    """The real base geography, all in EPSG:4490 (WGS84 coordinates taken as CGCS2000)."""

    counties: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    lakes: gpd.GeoDataFrame
    tri_junction: Point
    province: BaseGeometry


def to_work(geom: BaseGeometry, crs: str) -> BaseGeometry:
    return gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(crs).iloc[0]


def to_ll(geom: BaseGeometry, crs: str) -> BaseGeometry:
    return gpd.GeoSeries([geom], crs=crs).to_crs(STORAGE_CRS).iloc[0]


def crs_for(geom_ll: BaseGeometry) -> str:
    return work_crs_for(tuple(geom_ll.bounds))


def area_m2(geom_ll: BaseGeometry) -> float:
    """Planar area in the feature's own GK work CRS."""
    return float(to_work(geom_ll, crs_for(geom_ll)).area)


# --- look-ups into the base data ----------------------------------------------------


def county(base: Base, adcode: str) -> BaseGeometry:
    hit = base.counties[base.counties["adcode"] == str(adcode)]
    if len(hit) != 1:
        msg = f"data/illustrative/zones.yaml: county adcode {adcode!r} is not in data/base/admin_counties.geojson"
        raise RuleConfigError(msg)
    return hit.geometry.iloc[0]


def town(base: Base, name: str, county: str | None = None) -> Point:
    """The GeoNames place ``name`` (romanised), in the county ``county`` (adcode) when given:
    several places share a romanised name."""
    hit = base.towns[base.towns["name"] == name]
    if county is not None:
        hit = hit[hit["county_adcode"] == str(county)]
    if len(hit) != 1:
        where = f" in county {county}" if county is not None else ""
        msg = f"data/illustrative/zones.yaml: town {name!r}{where} matches {len(hit)} GeoNames places; expected exactly one"
        raise RuleConfigError(msg)
    return hit.geometry.iloc[0]


def lake(base: Base, lake_id: int) -> BaseGeometry:
    hit = base.lakes[base.lakes["lake_id"] == int(lake_id)]
    if len(hit) != 1:
        msg = f"data/illustrative/zones.yaml: lake_id {lake_id!r} is not in data/base/lakes_gshhg.geojson"
        raise RuleConfigError(msg)
    return hit.geometry.iloc[0]


def river(base: Base, name_zh: str) -> gpd.GeoDataFrame:
    hit = base.rivers[base.rivers["name_zh"] == name_zh]
    if len(hit) == 0:
        msg = f"data/illustrative/zones.yaml: no river named {name_zh!r} in data/base/rivers_gshhg.geojson"
        raise RuleConfigError(msg)
    return hit


# --- shapes -------------------------------------------------------------------------


def disc_radius_for_area(area_m2_: float, *, quad_segs: int = DISC_QUAD_SEGS) -> float:
    """Radius of the buffer polygon (4*quad_segs vertices on the circle) whose area is
    ``area_m2_``: a regular n-gon of circumradius r has area n/2 r^2 sin(2 pi / n)."""
    n = 4 * quad_segs
    return math.sqrt(2.0 * area_m2_ / (n * math.sin(2.0 * math.pi / n)))


def disc(centre_ll: Point, radius_m: float) -> BaseGeometry:
    crs = crs_for(centre_ll)
    return to_ll(to_work(centre_ll, crs).buffer(radius_m, quad_segs=DISC_QUAD_SEGS), crs)


def disc_of_area(centre_ll: Point, area_km2: float) -> BaseGeometry:
    return disc(centre_ll, disc_radius_for_area(area_km2 * 1e6))


def inset(geom_ll: BaseGeometry, distance_m: float) -> BaseGeometry:
    """The part of ``geom_ll`` more than ``distance_m`` inside its boundary."""
    crs = crs_for(geom_ll)
    return to_ll(to_work(geom_ll, crs).buffer(-distance_m, quad_segs=16), crs)


def belt(geom_ll: BaseGeometry, distance_m: float) -> BaseGeometry:
    """The ring of land within ``distance_m`` outside ``geom_ll``."""
    crs = crs_for(geom_ll)
    work = to_work(geom_ll, crs)
    return to_ll(work.buffer(distance_m, quad_segs=16).difference(work), crs)


def _bisect(f: Callable[[float], float], lo: float, hi: float, *, rel: float, target: float) -> float:
    """x in [lo, hi] with f(x) ~= target for a non-increasing f."""
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        value = f(mid)
        if abs(value - target) <= rel * target:
            return mid
        lo, hi = (mid, hi) if value > target else (lo, mid)
    return 0.5 * (lo + hi)


def far_from_towns(county_ll: BaseGeometry, towns_ll: Sequence[Point], target_km2: float) -> tuple[BaseGeometry, float]:
    """The part of a county farther than d from all its towns, d solved so the area is
    ``target_km2`` (to 0.01 %). Returns (geometry, d in metres).

    Raises
    ------
    RuleConfigError
        If the county is smaller than the target or has no towns to measure from.
    """
    crs = crs_for(county_ll)
    area = to_work(county_ll, crs)
    if not towns_ll:
        msg = "far_from_towns: the county has no GeoNames towns to measure from"
        raise RuleConfigError(msg)
    if area.area < target_km2 * 1e6:
        msg = f"far_from_towns: the county is {area.area / 1e6:.1f} km², smaller than the target {target_km2} km²"
        raise RuleConfigError(msg)
    pts = shapely.MultiPoint([to_work(p, crs) for p in towns_ll])

    def remaining(d: float) -> float:
        return float(area.difference(pts.buffer(d, quad_segs=16)).area)

    diameter = math.dist(area.bounds[:2], area.bounds[2:])
    d = _bisect(remaining, 0.0, diameter, rel=1e-4, target=target_km2 * 1e6)
    return to_ll(area.difference(pts.buffer(d, quad_segs=16)), crs), d


def point_upstream(line_ll: BaseGeometry, near_ll: Point, upstream_m: float) -> Point:
    """The point ``upstream_m`` upstream (toward the line's start; lines run downstream)
    of the line point nearest to ``near_ll``, measured along the line."""
    crs = crs_for(line_ll)
    line, near = to_work(line_ll, crs), to_work(near_ll, crs)
    at = max(line.project(near) - upstream_m, 0.0)
    return to_ll(line.interpolate(at), crs)


def point_inside_shore(water_ll: BaseGeometry, near_ll: Point, inset_m: float) -> Point:
    """The point ``inset_m`` inside the shore of ``water_ll`` nearest to ``near_ll``."""
    crs = crs_for(water_ll)
    inner = to_work(water_ll, crs).buffer(-inset_m, quad_segs=16)
    return to_ll(nearest_points(inner, to_work(near_ll, crs))[0], crs)


def river_point_nearest(lines_ll: BaseGeometry, within_ll: BaseGeometry, target_ll: Point) -> Point:
    """The point of the river lines inside ``within_ll`` (+500 m) nearest to ``target_ll``."""
    crs = crs_for(within_ll)
    lines = to_work(lines_ll, crs).intersection(to_work(within_ll, crs).buffer(500.0))
    return to_ll(nearest_points(lines, to_work(target_ll, crs))[0], crs)


def toward(start_ll: Point, target_ll: Point, distance_m: float) -> Point:
    """The point ``distance_m`` from ``start_ll`` on the straight line toward ``target_ll``."""
    crs = crs_for(start_ll)
    a, b = to_work(start_ll, crs), to_work(target_ll, crs)
    f = distance_m / a.distance(b)
    return to_ll(Point(a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)), crs)


def corridor(lines_ll: BaseGeometry, width_m: float) -> BaseGeometry:
    """A water corridor of full width ``width_m`` around river lines (square ends)."""
    crs = crs_for(lines_ll)
    return to_ll(to_work(lines_ll, crs).buffer(width_m / 2, quad_segs=8, cap_style="flat"), crs)


def nonempty(geom: BaseGeometry) -> BaseGeometry:
    if geom.is_empty:
        return Polygon()
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.union_all(polys) if polys else Polygon()


__all__ = [
    "Base",
    "DISC_QUAD_SEGS",
    "area_m2",
    "belt",
    "corridor",
    "county",
    "crs_for",
    "disc",
    "disc_of_area",
    "disc_radius_for_area",
    "far_from_towns",
    "inset",
    "lake",
    "nonempty",
    "point_inside_shore",
    "point_upstream",
    "river",
    "river_point_nearest",
    "to_ll",
    "to_work",
    "toward",
    "town",
]
