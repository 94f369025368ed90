"""Deterministic generator of province-scale benchmark data: zone layers and projects.

Everything here is made up (示意) and seeded: the same arguments give byte-identical
layers. Zones follow the zone-store contract (DESIGN.md) with valid catalogue values, over
Hunan's real outline (``data/base/admin_province_display.geojson``); the ``admin`` layer is
the real county layer of ``data/base``.

Shapes are irregular star-shaped rings (a radius per direction made of a few random
harmonics plus per-vertex noise, directions strictly increasing), so every ring is simple
and valid by construction. Sizes are realistic: most polygons are small (median radius
~250 m, tens of vertices) and a few are large (2-12 km, thousands of vertices); some have a
hole, some are two-part multipolygons. Part of the layers are stored in EPSG:4490, part in
the CGCS2000 3-degree Gauss-Kruger zone CM 111°E (EPSG:4546), as provincial data comes.

Examples
--------
>>> report = generate_zones("benchmarks/out/zones.gpkg", polygons=2_000, vertices=100_000)  # doctest: +SKIP
>>> projects = generate_projects("benchmarks/out/projects.gpkg", n=100)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[1]
BASE_DIR = REPO / "data" / "base"
#: Bumped whenever the generated data changes (benchmarks/run.py keys its cache on it).
GENERATOR_VERSION = 3
DEFAULT_SEED = 20261122
GK_CRS = "EPSG:4546"  # CGCS2000 3-degree Gauss-Kruger, CM 111°E (no zone prefix)
LONLAT_CRS = "EPSG:4490"

__all__ = ["LAYER_PLAN", "ZonesReport", "generate_zones", "generate_projects", "hunan_outline", "GENERATOR_VERSION"]


@dataclass(frozen=True)
class _LayerPlan:
    layer: str
    share: float  # share of the polygons
    large_share: float  # share of those that are large
    crs: str
    region: tuple[float, float, float] | None = None  # (lon, lat, radius_km): clustered layers


#: Polygon layers and how the polygon budget is shared between them.
LAYER_PLAN: tuple[_LayerPlan, ...] = (
    _LayerPlan("eco_redline", 0.40, 0.006, LONLAT_CRS),
    _LayerPlan("water_source", 0.14, 0.004, GK_CRS),
    _LayerPlan("livestock_zone", 0.14, 0.004, GK_CRS),
    _LayerPlan("nature_reserve", 0.10, 0.008, LONLAT_CRS),
    _LayerPlan("scenic_area", 0.08, 0.008, LONLAT_CRS),
    _LayerPlan("green_heart", 0.04, 0.002, LONLAT_CRS, region=(113.02, 27.85, 35.0)),
    _LayerPlan("shoreline", 0.10, 0.0, LONLAT_CRS),
)
#: Share of the vertex budget that goes to shoreline lines (the rest to polygons).
_LINE_VERTEX_SHARE = 0.12
_VALUES = {
    "eco_redline": {"category": ["自然保护地核心保护区", "一般", "一般", "一般"]},
    "water_source": {"grade": ["一级", "二级", "二级", "准保护区"]},
    "livestock_zone": {"kind": ["禁养区", "禁养区", "限养区"]},
    "green_heart": {"zone": ["核心保护区", "融合发展区"]},
    "nature_reserve": {"zone": ["核心区", "缓冲区", "实验区"], "level": ["国家级", "省级", "市级", "县级"]},
    "scenic_area": {"zone": ["核心景区", "一般景区"], "level": ["国家级", "省级"]},
    "shoreline": {"rank": ["干流", "支流", "支流"], "river": ["湘江", "资水", "沅水", "澧水", "耒水", "渌水"]},
}
_TITLES = {
    "eco_redline": "生态保护红线",
    "water_source": "水源保护区",
    "livestock_zone": "畜禽养殖区",
    "green_heart": "绿心",
    "nature_reserve": "自然保护区",
    "scenic_area": "风景名胜区",
    "shoreline": "岸线",
    "water_intake": "取水口",
}


@dataclass(frozen=True)
class ZonesReport:
    """What ``generate_zones`` wrote."""

    path: Path
    features: dict[str, int]
    polygons: int
    vertices: int
    seconds: float


def hunan_outline(bounds: tuple[float, float, float, float] | None = None) -> shapely.Geometry:
    """Hunan's outline (lon/lat) from the repository's base geography, clipped to ``bounds``."""
    gdf = gpd.read_file(BASE_DIR / "admin_province_display.geojson")
    outline = shapely.union_all(gdf.geometry.values)
    return outline if bounds is None else shapely.clip_by_rect(outline, *bounds)


def _sample_points(rng: np.random.Generator, n: int, outline: shapely.Geometry, region: tuple | None) -> np.ndarray:
    """n (lon, lat) points uniformly inside Hunan (or a disc of it), by rejection."""
    shapely.prepare(outline)
    minx, miny, maxx, maxy = outline.bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        m = max(2 * (n - have), 1024)
        if region is None:
            x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
        else:
            lon, lat, radius_km = region
            r = radius_km * np.sqrt(rng.uniform(0, 1, m))
            a = rng.uniform(0, 2 * math.pi, m)
            x = lon + r * np.cos(a) / (111.32 * math.cos(math.radians(lat)))
            y = lat + r * np.sin(a) / 110.57
        keep = shapely.contains_xy(outline, x, y)
        pts = np.column_stack([x[keep], y[keep]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _star_rings(
    rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, radius: np.ndarray, counts: np.ndarray, *, hole: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Closed star-shaped rings: (coordinates, ring offsets) for shapely.from_ragged_array.

    The radius in each direction is ``radius`` x (1 + harmonics + noise) with the factor in
    [0.32, 1.68] (outer rings) or scaled into [0, 0.25] x radius (holes), so a hole always
    lies inside its outer ring and every ring is simple (directions strictly increase).
    """
    n = len(cx)
    poly = np.repeat(np.arange(n), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(counts.sum()) - np.repeat(start, counts)
    step = 2 * math.pi / counts[poly]
    theta = (j + rng.uniform(-0.4, 0.4, len(j))) * step + rng.uniform(0, 2 * math.pi, n)[poly]
    factor = np.ones(len(j))
    for k, amp in ((2, 0.25), (3, 0.15), (5, 0.12), (9, 0.08)):
        a = rng.uniform(0, amp, n)[poly]
        factor += a * np.cos(k * theta + rng.uniform(0, 2 * math.pi, n)[poly])
    factor += rng.uniform(-0.08, 0.08, len(j))
    if hole:
        factor = 0.1 + 0.1 * (factor - 0.32) / 1.36  # [0.1, 0.2] of the radius
    r = radius[poly] * factor
    x = cx[poly] + r * np.cos(theta)
    y = cy[poly] + r * np.sin(theta)
    # Close each ring: append its first vertex after its last.
    closed = np.insert(np.column_stack([x, y]), np.cumsum(counts), np.column_stack([x[start], y[start]]), axis=0)
    offsets = np.concatenate([[0], np.cumsum(counts + 1)])
    return closed, offsets


def _polygon_sizes(rng: np.random.Generator, n: int, large_share: float) -> tuple[np.ndarray, np.ndarray]:
    """(radius_m, is_large): lognormal small polygons, log-uniform 2-12 km large ones."""
    large = rng.uniform(0, 1, n) < large_share
    radius = np.minimum(np.exp(rng.normal(math.log(250.0), 0.9, n)), 3000.0)
    radius[large] = np.exp(rng.uniform(math.log(2000.0), math.log(12000.0), int(large.sum())))
    return radius, large


def _vertex_counts(radius: np.ndarray, large: np.ndarray, budget: int) -> np.ndarray:
    """Vertices per ring proportional to perimeter**0.7 (detail grows slower than size),
    scaled to ``budget`` in total; 12 to 12,000 per ring."""
    weight = (2 * math.pi * radius) ** 0.7 * np.where(large, 2.5, 1.0)
    counts = np.clip(np.round(weight * budget / weight.sum()), 12, 12000).astype(np.int64)
    return counts


def _polygon_layer(
    rng: np.random.Generator, plan: _LayerPlan, n: int, budget: int, outline: shapely.Geometry, to_gk: Transformer
) -> np.ndarray:
    """n polygons (EPSG:4546 metres): some with a hole, some two-part multipolygons."""
    lonlat = _sample_points(rng, n, outline, plan.region)
    cx, cy = to_gk.transform(lonlat[:, 0], lonlat[:, 1])
    radius, large = _polygon_sizes(rng, n, plan.large_share)
    counts = _vertex_counts(radius, large, budget)
    polys = _polygons(*_star_rings(rng, np.asarray(cx), np.asarray(cy), radius, counts, hole=False))
    holes_at = np.flatnonzero(large & (rng.uniform(0, 1, n) < 0.3))
    if len(holes_at):
        hc, ho = _star_rings(
            rng, np.asarray(cx)[holes_at], np.asarray(cy)[holes_at], radius[holes_at], counts[holes_at] // 4 + 12, hole=True
        )
        hole_lines = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, hc, (ho,))
        for k, i in enumerate(holes_at):
            polys[i] = shapely.Polygon(polys[i].exterior, [shapely.get_coordinates(hole_lines[k])])
    # ~3% small features get a second, smaller part 3 radii away (never touching the first).
    multi_at = np.flatnonzero(~large & (rng.uniform(0, 1, n) < 0.03))
    if len(multi_at):
        a = rng.uniform(0, 2 * math.pi, len(multi_at))
        px = np.asarray(cx)[multi_at] + 3 * radius[multi_at] * np.cos(a)
        py = np.asarray(cy)[multi_at] + 3 * radius[multi_at] * np.sin(a)
        pc, po = _star_rings(rng, px, py, radius[multi_at] * 0.5, np.maximum(counts[multi_at] // 2, 12), hole=False)
        parts = _polygons(pc, po)
        for k, i in enumerate(multi_at):
            polys[i] = shapely.MultiPolygon([polys[i], parts[k]])
    return polys


def _polygons(coords: np.ndarray, ring_offsets: np.ndarray) -> np.ndarray:
    """One single-ring polygon per ring of ``_star_rings`` output."""
    geom_offsets = np.arange(len(ring_offsets))
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, (ring_offsets, geom_offsets))


def _river_lines(
    rng: np.random.Generator, n: int, budget: int, outline: shapely.Geometry, to_gk: Transformer
) -> np.ndarray:
    """n meandering lines (EPSG:4546): a heading that wanders smoothly, ~40 m steps."""
    lonlat = _sample_points(rng, n, outline, None)
    x0, y0 = to_gk.transform(lonlat[:, 0], lonlat[:, 1])
    weight = rng.lognormal(0.0, 0.7, n)
    counts = np.clip(np.round(weight * budget / weight.sum()), 8, 20000).astype(np.int64)
    line = np.repeat(np.arange(n), counts)
    turn = rng.normal(0, 0.12, counts.sum())
    heading = rng.uniform(0, 2 * math.pi, n)[line] + _cumsum_by(turn, counts)
    step = rng.uniform(30, 50, n)[line]
    x = np.asarray(x0)[line] + _cumsum_by(step * np.cos(heading), counts)
    y = np.asarray(y0)[line] + _cumsum_by(step * np.sin(heading), counts)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, np.column_stack([x, y]), (offsets,))


def _cumsum_by(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group of ``counts``."""
    total = np.cumsum(values)
    ends = np.cumsum(counts)
    before = np.concatenate([[0.0], total[ends[:-1] - 1]])
    return total - np.repeat(before, counts)


def _attributes(rng: np.random.Generator, layer: str, n: int) -> dict[str, np.ndarray]:
    title = _TITLES[layer]
    cols: dict[str, np.ndarray] = {"name": np.array([f"{title}{i:06d}" for i in range(n)], dtype=object)}
    for field, values in _VALUES.get(layer, {}).items():
        cols[field] = np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]
    cols["source"] = np.full(n, "基准测试生成数据（示意）", dtype=object)
    cols["legal_status"] = np.full(n, "示意", dtype=object)
    return cols


def _frame(geoms: np.ndarray, cols: dict[str, np.ndarray], crs: str, to_ll: Transformer | None) -> gpd.GeoDataFrame:
    if crs == LONLAT_CRS and to_ll is not None:
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(geoms, crs=crs))


def _write(path: Path, layer: str, gdf: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG", promote_to_multi=None)


def generate_zones(
    path: str | Path,
    *,
    polygons: int = 100_000,
    vertices: int = 10_000_000,
    intakes: int = 3_000,
    seed: int = DEFAULT_SEED,
    bounds: tuple[float, float, float, float] | None = None,
) -> ZonesReport:
    """Write a benchmark zone store (GeoPackage) with every first-round catalogue layer (the
    zone layers of DESIGN.md, intakes and counties; not the second-round layers).

    Parameters
    ----------
    path
        The GeoPackage to write (replaced if it exists).
    polygons
        Polygon features over all zone layers (the admin layer's 122 real counties come on top).
    vertices
        Approximate vertex total of the zone layers (polygons and shoreline lines).
    intakes
        Points of the ``water_intake`` layer.
    seed
        Random seed; the same arguments give the same data.
    bounds
        Only this lon/lat box of Hunan (small dense stores for tests); default all of it.

    Returns
    -------
    ZonesReport
    """
    started = time.perf_counter()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    outline = hunan_outline(bounds)
    to_gk = Transformer.from_crs(LONLAT_CRS, GK_CRS, always_xy=True)
    to_ll = Transformer.from_crs(GK_CRS, LONLAT_CRS, always_xy=True)
    poly_budget = int(vertices * (1 - _LINE_VERTEX_SHARE))
    features: dict[str, int] = {}
    n_poly = n_vert = 0
    for plan in LAYER_PLAN:
        n = max(int(round(polygons * plan.share)), 4)
        keep_region = plan.region if bounds is None else None  # a clustered layer spreads over the test box
        plan_here = _LayerPlan(plan.layer, plan.share, plan.large_share, plan.crs, keep_region)
        geoms = _polygon_layer(rng, plan_here, n, int(poly_budget * plan.share), outline, to_gk)
        n_poly += n
        if plan.layer == "shoreline":
            n_lines = n
            lines = _river_lines(rng, n_lines, int(vertices * _LINE_VERTEX_SHARE), outline, to_gk)
            geoms = np.concatenate([geoms, lines])
        cols = _attributes(rng, plan.layer, len(geoms))
        n_vert += int(shapely.get_num_coordinates(geoms).sum())
        _write(out, plan.layer, _frame(geoms, cols, plan.crs, to_ll))
        features[plan.layer] = len(geoms)
    pts = _sample_points(rng, intakes, outline, None)
    cols = _attributes(rng, "water_intake", intakes)
    cols["source_type"] = np.asarray(["河流型", "湖库型", "地下水型"], dtype=object)[rng.integers(0, 3, intakes)]
    _write(out, "water_intake", _frame(shapely.points(pts), cols, LONLAT_CRS, None))
    features["water_intake"] = intakes
    admin = gpd.read_file(BASE_DIR / "admin_counties.geojson")[["adcode", "name", "level", "geometry"]]
    admin = admin.set_crs(LONLAT_CRS, allow_override=True)
    admin["legal_status"] = "法定"  # real county boundaries (reference data, not a zone)
    _write(out, "admin", admin)
    features["admin"] = len(admin)
    return ZonesReport(out, features, n_poly, n_vert, time.perf_counter() - started)


#: Project geometry mix: point, line, polygon, multi (two polygons or two lines).
_GEOMETRY_MIX = (("point", 0.40), ("line", 0.25), ("polygon", 0.30), ("multi", 0.05))


def _project_types() -> list[str]:
    import yaml

    raw = yaml.safe_load((REPO / "data" / "project_types.yaml").read_text(encoding="utf-8"))
    return sorted(raw["types"])


def generate_projects(
    path: str | Path | None,
    *,
    n: int = 10_000,
    seed: int = DEFAULT_SEED + 1,
    bounds: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Write ``n`` projects over Hunan or ``bounds`` (EPSG:4490): points, lines, polygons and
    multi-part features, with a ``type`` column and per-type attributes; returns them too
    (``path`` None: only returned)."""
    rng = np.random.default_rng(seed)
    outline = hunan_outline(bounds)
    to_gk = Transformer.from_crs(LONLAT_CRS, GK_CRS, always_xy=True)
    to_ll = Transformer.from_crs(GK_CRS, LONLAT_CRS, always_xy=True)
    kinds = rng.choice([k for k, _ in _GEOMETRY_MIX], size=n, p=[p for _, p in _GEOMETRY_MIX])
    centre = _sample_points(rng, n, outline, None)
    cx, cy = (np.asarray(v) for v in to_gk.transform(centre[:, 0], centre[:, 1]))
    radius = np.exp(rng.uniform(math.log(40.0), math.log(600.0), n))
    poly_geoms = _polygons(*_star_rings(rng, cx, cy, radius, np.full(n, 16), hole=False))
    lines = _river_lines(rng, n, n * 60, outline, to_gk)
    geoms = np.empty(n, dtype=object)
    for i, kind in enumerate(kinds):
        if kind == "point":
            geoms[i] = shapely.Point(cx[i], cy[i])
        elif kind == "polygon":
            geoms[i] = poly_geoms[i]
        elif kind == "line":
            xy = shapely.get_coordinates(lines[i])
            geoms[i] = shapely.LineString(xy - xy[0] + (cx[i], cy[i]))
        else:
            other = shapely.transform(poly_geoms[i], lambda xy, shift=3 * radius[i]: xy + shift)
            geoms[i] = shapely.MultiPolygon([poly_geoms[i], other])
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    types = _project_types()
    ptype = np.asarray(types, dtype=object)[rng.integers(0, len(types), n)]
    linear = {"road", "railway", "pipeline", "water_supply", "flood_control"}
    gdf = gpd.GeoDataFrame(
        {
            "name": [f"项目{i:05d}" for i in range(n)],
            "type": ptype,
            "scale_head": np.where(ptype == "livestock_farm", rng.integers(50, 5000, n), None),
            "unavoidable": np.where(np.isin(ptype, list(linear)), rng.uniform(0, 1, n) < 0.5, None),
        },
        geometry=gpd.GeoSeries(geoms, crs=LONLAT_CRS),
    )
    if path is not None:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        pyogrio.write_dataframe(gdf, out, layer="projects", driver="GPKG", promote_to_multi=None)
    return gdf
