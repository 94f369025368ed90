"""The constraint surfaces of one project type and its attributes, derived from the rules.

Nothing here lists a zone or a verdict: every surface comes from asking the engine's own
rule loop (``zoning.engine.rules_for_project``) what fires, and with which verdict —

* **zone features** (``intersects``, ``within_distance``, ``near``): for each feature of each
  zone layer, the rows that fire when a project touches it and at each distance at which a
  row's predicate changes (``ProjectRules.breakpoints``: the 1 km shoreline SHL01, the
  HJ/T 81 500 m setback LIV05, ...) — the feature, or its buffer (a ring where the verdict
  outside is worse than inside), with the worst verdict of those rows;
* **outside** (``industrial_park`` PARK01 "in a compliant chemical park"): where the layer has
  data, everything not inside a qualifying feature;
* **coverage**: where a layer with rows for this type has no data (COV01) and outside the
  store's admin extent (COV02) — review at best, never a silent clear;
* **control units and access clauses**: one probe project per piece of (admin division ×
  unit) screened by ``zoning.engine.screen`` itself; the clauses that apply there give the
  piece its verdict.

Rows limited to some places (``admin:``, e.g. SHL04 only in 岳阳市/衡阳市) are evaluated per
class of admin divisions (those where the same limited rows hold), with the places the
engine would give a project there (``division_places``).

All geometry is in the search area's Gauss-Kruger work CRS (metres). Buffers are drawn
round the *outside* of the true distance, so a surface never falls short of the rule's
distance: the polygon's arcs circumscribe the circle, and GEOS simplifies a buffer's input by
up to 1 % of the distance (its default simplify factor), so radii are grown by 1.3 % in all
(13 m at the 1 km shoreline).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_CRS
from gis.text import Text
from layers.coverage import adcode_matches
from zoning.engine import ProjectRules, division_places, screen, store_catalog
from zoning.model import Project
from zoning.rules import Rule
from zoning.sites.area import SearchArea, to_lonlat, to_work
from zoning.verdicts import VERDICT_RANK, worst_verdict

__all__ = ["Surface", "Surfaces", "constraint_surfaces", "BUFFER_QUAD_SEGS"]

#: Segments per quarter circle of the buffers; radii are grown by 1/cos(pi/(4 q)) (0.12 % for
#: q = 16: the arcs' chords) plus GEOS's input simplification (1 % of the distance) and a margin.
BUFFER_QUAD_SEGS = 16
_GROW = 1.0 / math.cos(math.pi / (4 * BUFFER_QUAD_SEGS)) + 0.012


@dataclass(frozen=True)
class Surface:
    """A region (work CRS) where the project would get ``verdict`` from the rows ``rule_ids``.

    ``kind``: ``zone`` (inside or within a distance of zone features), ``outside`` (not inside
    a qualifying feature), ``no_data`` (a layer has no data here), ``outside_store`` (outside
    the store's admin extent), ``clauses`` (access clauses of a control unit or a place).
    """

    geometry: BaseGeometry
    verdict: str
    rule_ids: tuple[str, ...]
    layer: str
    kind: str


@dataclass(frozen=True)
class Surfaces:
    """The surfaces of one search, the layers they came from and whether any is 示意."""

    items: tuple[Surface, ...]
    layers: tuple[str, ...]
    illustrative: bool
    notes: tuple[Text, ...] = ()

    def at_least(self, verdict: str) -> list[Surface]:
        """The surfaces whose verdict is ``verdict`` or worse."""
        return [s for s in self.items if VERDICT_RANK[s.verdict] >= VERDICT_RANK[verdict]]


@dataclass(frozen=True)
class _Clipped:
    """The features of one layer near the search area: positions in the layer, work-CRS
    geometry, and the attribute rows as stripped text."""

    positions: np.ndarray
    geoms: np.ndarray
    rows: list[dict[str, str | None]]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _clip(store: Any, layer_id: str, window: BaseGeometry, crs: str) -> _Clipped:
    """The layer's features whose bounds meet ``window`` (work CRS), moved into ``crs``.

    Geographic layers count as CGCS2000 lon/lat, as the engine counts them.
    """
    gdf = store.layer(layer_id)
    src = gdf.crs
    src_crs: Any = STORAGE_CRS if src is None or src.is_geographic else src
    tr = Transformer.from_crs(crs, src_crs, always_xy=True)
    x0, y0, x1, y1 = tr.transform_bounds(*window.bounds, densify_pts=21)  # type: ignore[misc]
    native = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    b = shapely.bounds(native)
    pos = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
    back = Transformer.from_crs(src_crs, crs, always_xy=True)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = back.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    geoms = shapely.transform(native[pos], _xy)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    frame = gdf.iloc[pos][columns]
    rows = [{c: _text(v) for c, v in zip(columns, values, strict=True)} for values in frame.itertuples(index=False)]
    return _Clipped(pos, geoms, rows)


def _union(geoms: Any) -> BaseGeometry:
    return shapely.union_all(np.asarray(list(geoms), dtype=object)) if len(geoms) else shapely.Polygon()


def _buffer(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    return shapely.buffer(geom, distance_m * _GROW, quad_segs=BUFFER_QUAD_SEGS)


# --- places --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PlaceClass:
    """Divisions where the same place-limited rows hold: the places to evaluate with, and
    the region (None = everywhere)."""

    places: frozenset[str] | None
    region: BaseGeometry | None


def _place_classes(store: Any, pr: ProjectRules, admin_id: str | None, admin: _Clipped | None,
                   limited: Sequence[Rule]) -> list[_PlaceClass]:
    if admin_id is None or admin is None:
        return [_PlaceClass(None, None)]  # no admin layer: places unknown, limited rows become review
    if not limited:
        return [_PlaceClass(frozenset(), None)]
    full = store.layer(admin_id)
    places = division_places(
        [_text(v) or f"{admin_id}#{i}" for i, v in enumerate(full["name"])],
        [_text(v) for v in full["adcode"]] if "adcode" in full.columns else None,
        [_text(v) for v in full["prefecture"]] if "prefecture" in full.columns else None,
    )
    groups: dict[frozenset[str], list[int]] = {}
    for k, pos in enumerate(admin.positions):
        key = frozenset(r.id for r in limited if r.applies_in(places[int(pos)]))
        groups.setdefault(key, []).append(k)
    # Everywhere without the limited rows (a subset of every class's rows), and each class
    # that has some of them over its own divisions.
    out = [_PlaceClass(frozenset(), None)]
    for key, members in groups.items():
        if key:
            out.append(_PlaceClass(places[int(admin.positions[members[0]])], _union(admin.geoms[members])))
    return out


# --- zone features -------------------------------------------------------------------------------


def _decision_verdict(decision: Any) -> tuple[str, tuple[str, ...]] | None:
    if not decision.rules:
        return None
    verdicts = ["review" if r.id in decision.place_unknown else r.verdict for r in decision.rules]
    return worst_verdict(verdicts), tuple(r.id for r in decision.rules)


def _levels(pr: ProjectRules, layer: str, zone: str | None, attrs: Mapping[str, Any],
            places: frozenset[str] | None) -> list[tuple[float, str, tuple[str, ...]]]:
    """(distance, verdict, rule ids) at each breakpoint where some row fires."""
    out = []
    for b in pr.breakpoints(layer):
        found = _decision_verdict(pr.fired(layer, zone=zone, feature_attrs=attrs, distance_m=b, places=places))
        if found is not None:
            out.append((b, *found))
    return out


def _level_regions(geom: BaseGeometry, levels: Sequence[tuple[float, str, tuple[str, ...]]],
                   breakpoints: Sequence[float]) -> list[tuple[BaseGeometry, str, tuple[str, ...]]]:
    """Regions of the levels of one feature. A level whose verdict is no worse than every
    level inside it is drawn as the whole buffer (the inner, worse ones win the overlap);
    otherwise as the ring beyond the previous breakpoint, so it never spreads over a zone
    whose own rows say less (a setback ``near`` rule does not fire inside the zone)."""
    out = []
    by_distance = {b: (v, ids) for b, v, ids in levels}
    for i, b in enumerate(breakpoints):
        if b not in by_distance:
            continue
        verdict, ids = by_distance[b]
        region = geom if b == 0 else _buffer(geom, b)
        inner = [by_distance.get(p) for p in breakpoints[:i]]
        if b > 0 and any(x is None or VERDICT_RANK[x[0]] < VERDICT_RANK[verdict] for x in inner):
            previous = breakpoints[i - 1]
            region = shapely.difference(region, geom if previous == 0 else _buffer(geom, previous))
        out.append((region, verdict, ids))
    return out


def _feature_surfaces(pr: ProjectRules, layer: str, zone_field: str | None, feats: _Clipped,
                      classes: Sequence[_PlaceClass]) -> list[Surface]:
    rules = pr.feature_rules(layer)
    if not rules or len(feats.positions) == 0:
        return []
    # Only the fields the rows filter on decide: features alike in those share one answer.
    fields = sorted({name for r in rules for name in (*r.where, *r.where_not)})
    breakpoints = pr.breakpoints(layer)
    memo: dict[tuple[Any, ...], list[tuple[float, str, tuple[str, ...]]]] = {}
    out: list[Surface] = []
    for k, row in enumerate(feats.rows):
        zone = row.get(zone_field) if zone_field else None
        attrs = {name: row.get(name) for name in fields}
        for c, cls in enumerate(classes):
            key = (c, zone, *(attrs[name] for name in fields))
            if key not in memo:
                memo[key] = _levels(pr, layer, zone, attrs, cls.places)
            for region, verdict, ids in _level_regions(feats.geoms[k], memo[key], breakpoints):
                if cls.region is not None:
                    region = shapely.intersection(region, cls.region)
                if not region.is_empty:
                    out.append(Surface(region, verdict, ids, layer, "zone"))
    return out


# --- outside, coverage ------------------------------------------------------------------------


def _covered(store: Any, layer: str, admin: _Clipped | None, extent: BaseGeometry, crs: str) -> BaseGeometry:
    """Where ``layer`` holds data (``layers.coverage``): no record = the admin extent."""
    coverage = getattr(store, "coverage", None)
    record = coverage(layer) if coverage is not None else None
    if record is None:
        return extent
    parts = []
    if record.extent is not None:
        parts.append(to_work(record.extent, crs))
    if record.adcodes and admin is not None:
        members = [k for k, row in enumerate(admin.rows)
                   if row.get("adcode") and any(adcode_matches(w, str(row["adcode"])) for w in record.adcodes)]
        parts += list(admin.geoms[members])
    return _union(parts)


def _outside_surfaces(pr: ProjectRules, layer: str, zone_field: str | None, feats: _Clipped,
                      covered: BaseGeometry, classes: Sequence[_PlaceClass]) -> list[Surface]:
    out = []
    for cls in classes:
        for rule, unknown in pr.outside_rules(layer, cls.places):
            inside = [feats.geoms[k] for k, row in enumerate(feats.rows)
                      if rule.applies_to_zone(row.get(zone_field) if zone_field else None, layer)
                      and rule.applies_to_feature(row)]
            region = shapely.difference(covered, _union(inside))
            if cls.region is not None:
                region = shapely.intersection(region, cls.region)
            if not region.is_empty:
                out.append(Surface(region, "review" if unknown else rule.verdict, (rule.id,), layer, "outside"))
    return out


def _no_data_surface(pr: ProjectRules, layer: str, covered: BaseGeometry, extent: BaseGeometry,
                     always: bool) -> Surface | None:
    """Review where the layer has no data inside the store's extent (COV01 and the layer's
    outside rows, which say the same there)."""
    if not (always or pr.has_rules(layer)):
        return None
    ids = [r.id for r in pr.store_rules("no_coverage", layer)]
    ids += [r.id for r, _ in pr.outside_rules(layer, None)]
    gap = shapely.difference(extent, covered)
    if gap.is_empty or not ids:
        return None
    return Surface(gap, "review", tuple(dict.fromkeys(ids)), layer, "no_data")


# --- control units and access clauses -----------------------------------------------------------


def _pieces(window: BaseGeometry, admin: _Clipped | None, units: _Clipped | None) -> list[BaseGeometry]:
    """(admin division x unit) pieces of the window, and each division's part in no unit."""
    divisions = list(admin.geoms) if admin is not None and len(admin.geoms) else [window]
    unit_geoms = list(units.geoms) if units is not None else []
    out = []
    for division in divisions:
        d = shapely.intersection(division, window)
        if d.is_empty:
            continue
        touching = [u for u in unit_geoms if shapely.intersects(u, d)]
        out += [shapely.intersection(d, u) for u in touching]
        out.append(shapely.difference(d, _union(touching)) if touching else d)
    return [p for p in out if not p.is_empty and p.area > 1.0]


def _clause_surfaces(store: Any, pr: ProjectRules, area: SearchArea, window: BaseGeometry,
                     admin: _Clipped | None, units: _Clipped | None, layer: str, ruleset: Any) -> list[Surface]:
    pieces = _pieces(window, admin, units)
    if not pieces:
        return []
    points = to_lonlat(np.array([shapely.point_on_surface(p) for p in pieces], dtype=object), area.crs)
    probes = [Project(f"probe {i}", pr.type, pt, dict(pr.attributes)) for i, pt in enumerate(points)]
    out = []
    for piece, result in zip(pieces, screen(probes, store, rules=ruleset, near_m=0.0), strict=True):
        applied = [c for c in result.clauses if c.applies and c.verdict != "clear"]
        if applied:
            ids = tuple(dict.fromkeys(c.clause_id or c.rule_id for c in applied))
            out.append(Surface(piece, worst_verdict(c.verdict for c in applied), ids, layer, "clauses"))
    return out


# --- all of it ------------------------------------------------------------------------------------


def _limited_rules(pr: ProjectRules, zones: Sequence[str]) -> list[Rule]:
    rules = [r for lid in zones for r in pr.feature_rules(lid) if r.admin]
    rules += [r for lid in zones for r, _ in pr.outside_rules(lid, None) if r.admin]
    return list({r.id: r for r in rules}.values())


def constraint_surfaces(store: Any, pr: ProjectRules, area: SearchArea, *, ruleset: Any,
                        margin_m: float = 0.0) -> Surfaces:
    """Every surface of ``pr`` (one project type and attributes) over ``area``.

    Parameters
    ----------
    store
        A ``layers.store.ZoneStore`` (or a store with its interface).
    pr
        ``zoning.engine.rules_for_project(ruleset, type, attributes)``.
    area
        The search area; surfaces are computed over its box grown by ``margin_m`` and by
        the farthest reach of any row (a shoreline 1 km outside the county still bites).
    ruleset
        The rule set ``pr`` came from (the clause probes are screened with it).
    """
    catalog = store_catalog(store)
    present = [lid for lid in store.layer_ids if lid in catalog.layers]
    specs = catalog.layers

    def role(r: str) -> str | None:
        return next((lid for lid in present if specs[lid].role == r), None)

    zones = [lid for lid in present if specs[lid].role == "zone" and specs[lid].has_geometry]
    admin_id, unit_id, clause_id = role("admin"), role("control_unit"), role("access_list")
    reach = max((max(pr.breakpoints(lid)) for lid in zones), default=0.0)
    x0, y0, x1, y1 = area.work.bounds
    grow = reach * _GROW + margin_m
    window = shapely.box(x0 - grow, y0 - grow, x1 + grow, y1 + grow)
    admin = _clip(store, admin_id, window, area.crs) if admin_id else None
    extent = shapely.intersection(_union(admin.geoms), window) if admin is not None else window
    classes = _place_classes(store, pr, admin_id, admin, _limited_rules(pr, zones))
    items: list[Surface] = []
    used: list[str] = []
    for lid in zones:
        if not pr.has_rules(lid):
            continue
        feats = _clip(store, lid, window, area.crs)
        covered = _covered(store, lid, admin, extent, area.crs)
        found = _feature_surfaces(pr, lid, specs[lid].zone_field, feats, classes)
        found += _outside_surfaces(pr, lid, specs[lid].zone_field, feats, covered, classes)
        gap = _no_data_surface(pr, lid, covered, extent, always=False)
        found += [gap] if gap is not None else []
        if found:
            used.append(lid)
        items += found
    units = _clip(store, unit_id, window, area.crs) if unit_id else None
    if unit_id is not None:
        gap = _no_data_surface(pr, unit_id, _covered(store, unit_id, admin, extent, area.crs), extent, always=True)
        items += [gap] if gap is not None else []
    if unit_id is not None or clause_id is not None:
        found = _clause_surfaces(store, pr, area, shapely.intersection(window, extent), admin, units,
                                 unit_id or clause_id or "", ruleset)
        items += found
        used += [lid for lid in (unit_id, clause_id) if lid is not None and found]
    if admin_id is not None:
        outside = shapely.difference(window, extent)
        rules = pr.store_rules("outside_extent")
        if not outside.is_empty and rules:
            verdict = worst_verdict(r.verdict for r in rules)
            items.append(Surface(outside, verdict, tuple(r.id for r in rules), admin_id, "outside_store"))
    illustrative = any(store.legal_status(lid) != "法定" for lid in dict.fromkeys(used))
    return Surfaces(tuple(items), tuple(dict.fromkeys(used)), illustrative)
