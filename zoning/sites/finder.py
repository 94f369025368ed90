"""选址建议: where in an area a project type may go — surfaces, raster, candidates, exact check, rank.

``find_sites(store, query, area)`` runs the whole search:

1. the constraint surfaces of the type and attributes, derived from the rules
   (``zoning.sites.surfaces``);
2. the worst-verdict raster at the stated resolution, optional terrain (``--dem``,
   ``--max-slope``) and distance to a supplied layer (``--near-layer``), vectorised back into
   candidate polygons (``zoning.sites.grid``);
3. every candidate screened by ``zoning.engine.screen`` on its exact geometry; a candidate
   whose exact verdict is excluded loses the excluded surfaces it meets and is screened
   again (twice at most), else it is dropped — no candidate is ever offered at an excluded
   verdict;
4. fit (a disc of the project's area inside), distance to the nearest prohibited place,
   slope, distance to the supplied layer; ranked: best verdict first, then the farthest from
   anywhere prohibited, then the largest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.text import Text
from zoning.engine import default_rules, rules_for_project, screen
from zoning.model import Project, ScreeningResult
from zoning.rules import RuleSet
from zoning.sites.area import SearchArea, to_lonlat, to_work
from zoning.sites.grid import Grid, Terrain, label_cells, near_mask, polygons, read_slope, verdict_raster
from zoning.sites.model import Candidate, Reason, SiteQuery, SiteSearch
from zoning.sites.surfaces import Surfaces, constraint_surfaces
from zoning.verdicts import VERDICT_RANK, VERDICTS

__all__ = ["find_sites", "Progress"]

Progress = Callable[[float, Text], None]
#: Rounds of "cut what the exact screening excludes, screen again" before a candidate is dropped.
_VERIFY_ROUNDS = 3
#: Margin (m) added round an excluded surface cut out of a candidate.
_CUT_MARGIN_M = 1.0


def _quiet(_fraction: float, _text: Text) -> None:
    return None


@dataclass
class _Run:
    """Scratch state of one search."""

    store: Any
    ruleset: RuleSet
    query: SiteQuery
    area: SearchArea
    type_key: str
    attributes: dict[str, Any]
    progress: Progress
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[Text] = field(default_factory=list)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 3)
        self._t = now


def find_sites(store: Any, query: SiteQuery, area: SearchArea, *, rules: RuleSet | None = None,
               progress: Progress | None = None) -> SiteSearch:
    """Candidate sites for ``query`` in ``area`` (see the module notes).

    Parameters
    ----------
    store
        An opened ``layers.store.ZoneStore`` (``zoning.engine.open_store``).
    query
        Type, attributes and options (``SiteQuery``).
    area
        Where to search (``zoning.sites.area``).
    rules
        The rule set; default the packaged one.
    progress
        Called with (fraction done, what is being done) as the search goes.

    Raises
    ------
    InputError
        Unknown type or attribute, bad option, too many cells.
    DataSourceError
        A DEM or near layer that cannot be read.
    """
    ruleset = rules if rules is not None else default_rules()
    pr = rules_for_project(ruleset, query.project_type, query.attributes)
    run = _Run(store, ruleset, query, area, pr.type, dict(pr.attributes), progress or _quiet)
    grid = Grid.covering(area.work.bounds, query.resolution_m, area.crs)
    run.counts["cells"] = grid.width * grid.height
    run.progress(0.05, Text("由规则推导约束面", "deriving the constraint surfaces from the rules"))
    surfaces = constraint_surfaces(store, pr, area, ruleset=ruleset)
    run.lap("surfaces")
    run.progress(0.3, Text("栅格化并合成最不利结论", "rasterising and combining the worst verdicts"))
    raster = verdict_raster(surfaces.items, area.work, grid)
    offered = (raster > 0) & (raster < query.exclude_rank)
    terrain = _terrain(run, grid, offered)
    near_geoms = _near(run, grid, offered)
    run.counts["offered_cells"] = int(offered.sum())
    run.lap("raster")
    run.progress(0.45, Text("矢量化候选地块", "vectorising the candidate sites"))
    found = _vectorise(run, raster, offered, grid)
    run.lap("vectorise")
    run.progress(0.55, Text("以筛查引擎按精确几何复核候选地块", "re-screening the candidates on their exact geometry"))
    checked = _verify(run, found, surfaces)
    run.lap("verify")
    run.progress(0.85, Text("计算适配、距离与排序", "fit, distances and ranking"))
    candidates = _rank(run, checked, surfaces, grid, terrain, near_geoms)
    run.lap("rank")
    run.progress(1.0, Text("完成", "done"))
    return SiteSearch(
        query=query, type_key=pr.type, attributes=dict(pr.attributes), area_label=area.label, area_key=area.key,
        crs=area.crs, resolution_m=grid.res, candidates=tuple(candidates), counts=dict(run.counts),
        offered_area_m2=float(run.counts["offered_cells"]) * grid.cell_area_m2, timings=dict(run.timings),
        store_sha256=str(getattr(store, "sha256", "")), rules_sha256=ruleset.sha256,
        illustrative=surfaces.illustrative, notes=tuple(run.notes), surfaces=_surface_counts(surfaces),
    )  # fmt: skip


def _surface_counts(surfaces: Surfaces) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in surfaces.items:
        for rid in s.rule_ids:
            out[rid] = out.get(rid, 0) + 1
    return dict(sorted(out.items()))


# --- terrain and the supplied layer --------------------------------------------------------------


def _terrain(run: _Run, grid: Grid, offered: np.ndarray) -> Terrain | None:
    q = run.query
    if q.dem is None or q.max_slope_deg is None:
        return None
    terrain = read_slope(q.dem, grid)
    unknown = np.isnan(terrain.slope_deg) & offered
    steep = (terrain.slope_deg > q.max_slope_deg) & offered
    run.counts["steep_cells"] = int(steep.sum())
    run.counts["no_dem_cells"] = int(unknown.sum())
    offered &= ~(steep | unknown)
    if terrain.dem_cell_m > 3 * grid.res:
        cell = f"{terrain.dem_cell_m:,.0f}"
        run.notes.append(Text(
            f"高程数据栅格约 {cell} 米，远粗于 {grid.res:g} 米的分析分辨率：坡度被平均化，仅供参考，不能代替实测地形",
            f"The DEM's cells are about {cell} m, far coarser than the {grid.res:g} m analysis grid: slopes are "
            "averaged out and indicative only, no substitute for surveyed terrain",
        ))  # fmt: skip
    if unknown.any():
        run.notes.append(Text("高程数据未覆盖之处坡度不明，未列为候选", "Where the DEM has no data the slope is unknown: not offered"))
    return terrain


def _near(run: _Run, grid: Grid, offered: np.ndarray) -> np.ndarray | None:
    q = run.query
    if q.near_layer is None or q.max_distance_m is None:
        return None
    from gis.io import read_features

    fs = read_features(q.near_layer)
    gdf = fs.gdf if fs.gdf.crs is None or fs.gdf.crs.is_geographic else fs.gdf.to_crs("EPSG:4490")
    geoms = to_work(np.asarray(gdf.geometry.to_numpy(), dtype=object), grid.crs)
    far = ~near_mask(geoms, grid, q.max_distance_m) & offered
    run.counts["far_cells"] = int(far.sum())
    offered &= ~far
    return np.asarray(geoms, dtype=object)


# --- candidates -----------------------------------------------------------------------------------


@dataclass
class _Found:
    geometry: BaseGeometry
    raster_verdict: str
    result: ScreeningResult | None = None


def _vectorise(run: _Run, raster: np.ndarray, offered: np.ndarray, grid: Grid) -> list[_Found]:
    smallest = run.query.smallest_m2
    found, small, unfit = [], 0, 0
    for geom, value in polygons(raster, offered, grid):
        if geom.area < smallest or geom.area <= 0:
            small += 1
        elif run.query.area_m2 and _fit(geom, run.query.area_m2, grid.res)[1] is False:
            unfit += 1  # checked again after the exact screening (a cut may take the room)
        else:
            found.append(_Found(geom, VERDICTS[value - 1]))
    run.counts["regions"] = len(found) + small + unfit
    run.counts["too_small"] = small
    run.counts["unfit_raster"] = unfit
    # Best raster verdict first, then the largest: those are screened first.
    found.sort(key=lambda f: (VERDICT_RANK[f.raster_verdict], -f.geometry.area))
    return found


def _screen(run: _Run, geoms: Sequence[BaseGeometry]) -> list[ScreeningResult]:
    lonlat = to_lonlat(np.asarray(list(geoms), dtype=object), run.area.crs)
    projects = [Project(f"候选 {i + 1}", run.type_key, g, run.attributes) for i, g in enumerate(lonlat)]
    return screen(projects, run.store, rules=run.ruleset, near_m=0.0) if projects else []


def _verify(run: _Run, found: list[_Found], surfaces: Surfaces) -> list[_Found]:
    """Screen candidates on their exact geometry, in chunks, until enough are confirmed; cut
    excluded surfaces out of any the engine excludes (see the module notes)."""
    q = run.query
    excluded = surfaces.at_least(q.exclude)
    tree = shapely.STRtree([s.geometry for s in excluded]) if excluded else None
    wanted = q.max_candidates if q.max_candidates else len(found)
    done: list[_Found] = []
    queue = list(found)
    shrunk = dropped = 0
    while queue and len(done) < wanted:
        chunk, queue = queue[: max(wanted - len(done), 8)], queue[max(wanted - len(done), 8):]
        for _round in range(_VERIFY_ROUNDS):
            if not chunk:
                break
            again: list[_Found] = []
            for item, result in zip(chunk, _screen(run, [c.geometry for c in chunk]), strict=True):
                if VERDICT_RANK[result.verdict] < q.exclude_rank:
                    item.result = result
                    done.append(item)
                    continue
                parts = _cut(item.geometry, tree, excluded, q.smallest_m2)
                shrunk += 1 if parts else 0
                dropped += 0 if parts else 1
                again += [_Found(p, item.raster_verdict) for p in parts]
            chunk = again
        dropped += len(chunk)
    run.counts["shrunk_by_screening"] = shrunk
    run.counts["dropped_by_screening"] = dropped
    run.counts["not_screened"] = len(queue)
    return done


def _cut(geom: BaseGeometry, tree: shapely.STRtree | None, excluded: Sequence[Any], smallest: float) -> list[BaseGeometry]:
    """``geom`` less the excluded surfaces it meets (grown by a metre), in parts of at least
    ``smallest``; [] when none meets it (the cause cannot be cut out: the candidate is dropped)."""
    if tree is None:
        return []
    hits = tree.query(geom, predicate="intersects")
    if len(hits) == 0:
        return []
    cut = shapely.buffer(shapely.union_all([excluded[i].geometry for i in hits]), _CUT_MARGIN_M)
    rest = shapely.difference(geom, cut)
    parts = shapely.get_parts(rest)
    return [p for p in parts if shapely.get_dimensions(p) == 2 and p.area >= max(smallest, 1.0)]


# --- measures and rank ---------------------------------------------------------------------------------


def _reasons(result: ScreeningResult) -> tuple[Reason, ...]:
    seen: dict[str, Reason] = {}
    for c in result.conflicts:
        if c.verdict != "clear" and c.rule_id not in seen:
            seen[c.rule_id] = Reason(c.rule_id, c.verdict, c.condition, c.condition_en or c.condition)
    for cl in result.clauses:
        key = cl.clause_id or cl.rule_id
        if cl.applies and cl.verdict != "clear" and key not in seen:
            seen[key] = Reason(key, cl.verdict, cl.text, cl.text_en or cl.text)
    return tuple(sorted(seen.values(), key=lambda r: (-VERDICT_RANK[r.verdict], r.rule_id)))


def _fit(geom: BaseGeometry, area_m2: float | None, res: float) -> tuple[float, bool | None, Any]:
    """(largest inscribed disc radius, whether a disc of ``area_m2`` fits, its centre)."""
    # The radius is reported to a few metres (a county-size candidate needs no finer); the fit
    # itself is then checked exactly with the disc.
    circle = shapely.maximum_inscribed_circle(geom, tolerance=max(res / 2, 1.0, math.sqrt(geom.area) / 500))
    centre = shapely.get_point(circle, 0)
    radius = float(circle.length)
    if not area_m2:
        return radius, None, centre
    need = math.sqrt(area_m2 / math.pi)
    fits = radius >= need and bool(shapely.contains(geom, shapely.buffer(centre, need, quad_segs=16)))
    return radius, fits, centre


def _edges(geoms: Sequence[BaseGeometry]) -> np.ndarray:
    """Every edge of the geometries' outlines (polygon rings, lines) as a two-point line."""
    array = np.asarray(list(geoms), dtype=object)
    outline = np.where(shapely.get_dimensions(array) == 2, shapely.boundary(array), array)
    parts = shapely.get_parts(outline)
    parts = parts[shapely.get_dimensions(parts) == 1]
    coords, which = shapely.get_coordinates(parts, return_index=True)
    same = which[1:] == which[:-1]
    return shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))


class _Distances:
    """Distance from a candidate to a set of regions, by the edges of both outlines in an
    STRtree (a candidate never overlaps them: it was cut to stay clear of them), which
    costs milliseconds where a distance between two county-size polygons costs seconds."""

    def __init__(self, geoms: Sequence[BaseGeometry]) -> None:
        edges = _edges(geoms) if len(geoms) else np.array([], dtype=object)
        self.tree = shapely.STRtree(edges) if len(edges) else None
        self.regions = shapely.STRtree(list(geoms)) if len(geoms) else None

    def to(self, geom: BaseGeometry) -> float | None:
        if self.tree is None or self.regions is None:
            return None
        if len(self.regions.query(geom, predicate="intersects")):
            return 0.0
        _, dist = self.tree.query_nearest(_edges([geom]), return_distance=True, all_matches=False)
        return float(dist.min()) if len(dist) else None


def _slopes(items: Sequence[_Found], grid: Grid, terrain: Terrain | None) -> list[tuple[float | None, float | None]]:
    if terrain is None or not items:
        return [(None, None)] * len(items)
    labels = label_cells([f.geometry for f in items], grid)
    out: list[tuple[float | None, float | None]] = []
    for i in range(len(items)):
        values = terrain.slope_deg[labels == i + 1]
        values = values[~np.isnan(values)]
        out.append((float(values.mean()), float(values.max())) if len(values) else (None, None))
    return out


def _rank(run: _Run, items: list[_Found], surfaces: Surfaces, grid: Grid, terrain: Terrain | None,
          near_geoms: np.ndarray | None) -> list[Candidate]:
    q = run.query
    to_prohibited = _Distances([s.geometry for s in surfaces.at_least("prohibited")])
    to_near = _Distances(list(near_geoms) if near_geoms is not None else [])
    slopes = _slopes(items, grid, terrain)
    out: list[Candidate] = []
    unfit = 0
    for item, (s_mean, s_max) in zip(items, slopes, strict=True):
        result = item.result
        if result is None:  # _verify sets it on every item it returns
            continue
        radius, fits, centre = _fit(item.geometry, q.area_m2, grid.res)
        if fits is False:
            unfit += 1
            continue
        c = item.geometry.centroid
        lonlat = to_lonlat(np.array([item.geometry, c, centre], dtype=object), grid.crs)
        out.append(Candidate(
            rank=0, geometry=item.geometry, geometry_lonlat=lonlat[0], area_m2=float(item.geometry.area),
            verdict=result.verdict, raster_verdict=item.raster_verdict, reasons=_reasons(result),
            centroid_lonlat=(lonlat[1].x, lonlat[1].y), centroid_xy=(c.x, c.y),
            prohibited_distance_m=to_prohibited.to(item.geometry), fit_radius_m=radius, fits=fits,
            fit_lonlat=(lonlat[2].x, lonlat[2].y) if fits else None, slope_mean_deg=s_mean, slope_max_deg=s_max,
            near_distance_m=to_near.to(item.geometry),
            illustrative=surfaces.illustrative or result.illustrative_used,
        ))  # fmt: skip
    run.counts["unfit"] = unfit
    out.sort(key=lambda c: (VERDICT_RANK[c.verdict],
                            -(c.prohibited_distance_m if c.prohibited_distance_m is not None else math.inf),
                            -c.area_m2))
    ranked = [replace(c, rank=i + 1) for i, c in enumerate(out)]
    limit = q.max_candidates or len(ranked)
    run.counts["not_listed"] = max(0, len(ranked) - limit)
    return ranked[:limit]
