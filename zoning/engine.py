"""The screening engine: projects + a zone store + the rule matrix -> ScreeningResults.

The same ``screen()`` serves the UI, the CLI and the tests. Rules are data
(``zoning.rules``); this module measures geometry in the metric work CRS and loops over
the rule rows for the (project, zone feature) pairs the spatial index finds.

Examples
--------
>>> from shapely import Point
>>> from zoning.model import Project
>>> results = screen([Project("养殖场", "livestock_farm", Point(112.9, 27.8), {"scale_head": 800})],
...                  "data/zones.gpkg")  # doctest: +SKIP
>>> results[0].verdict  # doctest: +SKIP
'prohibited'
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gis.crs import STORAGE_CRS, work_crs_for_geometry
from gis.errors import GeometryError, InputError, Label
from gis.text import Text
from layers.catalog import Catalog, load_catalog
from layers.paths import CATALOG_PATH, PROJECT_TYPES_PATH, RULES_PATH, is_postgres_url
from layers.store import ZoneStore
from zoning import _spatial as sp
from zoning._catalog_schema import LayerSchema, load_layer_schemas, schemas_from_catalog
from zoning._conflicts import keep_nearest, layer_conflicts, nearby_records, sort_conflicts
from zoning._layout import StoreLayout, coverage_rows, store_layout
from zoning._match import LayerRules, ProjectRules, compile_rules, rules_for_project
from zoning._notes import result_notes
from zoning._outside import outside_conflicts
from zoning._places import Places, covered_layers, division_places, locate
from zoning._projects import ProjectRows, RowProblem, projects_by_row, projects_from_features
from zoning.coverage import coverage_statement
from zoning.model import (
    ClauseRecord,
    CoverageInfo,
    DataInfo,
    LayerInfo,
    Project,
    ProjectInfo,
    ScreeningResult,
    UnitRecord,
    worst_verdict,
)
from zoning.plausibility import plausibility_notes
from zoning.rules import ProjectTypes, RuleSet, load_project_types, load_rules
from zoning.units import Clause, load_clauses, unit_shares, units_for_project

__all__ = [
    "screen",
    "prepare_projects",
    "screen_prepared",
    "PreparedProject",
    "projects_from_features",
    "projects_by_row",
    "ProjectRows",
    "RowProblem",
    "default_rules",
    "open_store",
    "store_schemas",
    "store_catalog",
    # what the rules say for one type and attributes, and the places of admin divisions
    # (the site finder derives its constraint surfaces from these: zoning.sites)
    "ProjectRules",
    "rules_for_project",
    "division_places",
    "warm",
]

_TZ_CHINA = _dt.timezone(_dt.timedelta(hours=8))


@lru_cache(maxsize=4)
def _cached_rules(rules_key: tuple[str, float, int], types_key: tuple[str, float, int]) -> RuleSet:
    return load_rules(rules_key[0], project_types=load_project_types(types_key[0]))


def _file_key(path: Path) -> tuple[str, float, int]:
    stat = path.stat()
    return str(path), stat.st_mtime, stat.st_size


def default_rules() -> RuleSet:
    """The packaged rule matrix, reloaded when data/rules.yaml or project_types.yaml change."""
    return _cached_rules(_file_key(RULES_PATH), _file_key(PROJECT_TYPES_PATH))


@lru_cache(maxsize=2)
def _cached_schemas(catalog_key: tuple[str, float, int]) -> dict[str, LayerSchema]:
    return load_layer_schemas(Path(catalog_key[0]))


def _schemas() -> dict[str, LayerSchema]:
    return _cached_schemas(_file_key(CATALOG_PATH))


_CATALOG_SCHEMAS: OrderedDict[int, tuple[Any, dict[str, LayerSchema]]] = OrderedDict()
_CATALOG_SCHEMAS_LOCK = threading.Lock()


def store_schemas(store: Any) -> dict[str, LayerSchema]:
    """Zone fields and values from the catalogue the store was validated against, else
    the packaged one (reduced once per catalogue object: catalogues are read-only)."""
    catalog = getattr(store, "catalog", None)
    if catalog is None or not hasattr(catalog, "layers"):
        return _schemas()
    # Keyed by identity (catalogues hold mappings, so they do not hash); the entry keeps the
    # catalogue alive, so an id is never reused while its entry exists.
    with _CATALOG_SCHEMAS_LOCK:
        hit = _CATALOG_SCHEMAS.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    schemas = schemas_from_catalog(catalog)
    with _CATALOG_SCHEMAS_LOCK:
        _CATALOG_SCHEMAS[id(catalog)] = (catalog, schemas)
        while len(_CATALOG_SCHEMAS) > 8:
            _CATALOG_SCHEMAS.popitem(last=False)
    return schemas


def store_catalog(store: Any) -> Catalog:
    """The catalogue a store was opened with, else the packaged one (a store double in tests)."""
    catalog = getattr(store, "catalog", None)
    return catalog if isinstance(catalog, Catalog) else load_catalog()


def open_store(store: Any, *, catalog: Any = None) -> sp.ZoneStoreLike:
    """A store object for ``store``: an opened store is returned as is; a GeoPackage path or a
    PostGIS URL (``postgresql://user:pass@host/db?schema=NAME``, ``layers.pgstore``) is opened."""
    if is_postgres_url(store):
        from layers.pgstore import PgStore

        return PgStore.open(store, catalog=catalog)
    if isinstance(store, str | Path):
        return ZoneStore.open(Path(store), catalog=catalog)
    return store


def warm(store: Any, *, work_crs: Iterable[str] | None = None, rules: RuleSet | None = None) -> tuple[str, ...]:
    """Build what a screening needs before the first one is asked: the layer indexes (and
    the combined nearby index) of every layer in each work CRS, the store summary and the
    compiled rules. A server calls it at start-up, so its first answer is as fast as the
    next (its readiness check); indexes are built once per process and store version.

    Parameters
    ----------
    store
        A store (``ZoneStore``, ``PgStore``), the path of a zone GeoPackage or a PostGIS URL.
    work_crs
        The work CRSs to prepare; default the 3-degree Gauss-Kruger zones the store's
        admin layer (else all its layers) spans (three for Hunan: EPSG:4545, 4546, 4547).
    rules
        The rule matrix to compile; default the packaged one.

    Returns
    -------
    tuple[str, ...]
        The work CRSs prepared.
    """
    zstore = open_store(store)
    zones = tuple(work_crs) if work_crs is not None else tuple(sp.store_crs_list(zstore))
    schemas = store_schemas(zstore)
    layout = store_layout(zstore, store_catalog(zstore))
    for crs in zones:
        indexes = []
        for lid in layout.zones:
            schema = schemas.get(lid)
            indexes.append(sp.layer_index(zstore, lid, crs, zone_field=schema.zone_field if schema else None))
        sp.near_index(indexes)
        # As _screen_group and _units ask for them (an index is cached whatever its zone field).
        if layout.admin is not None:
            sp.layer_index(zstore, layout.admin, crs, zone_field=None)
        if layout.units is not None:
            unit_schema = schemas.get(layout.units)
            sp.layer_index(zstore, layout.units, crs, zone_field=unit_schema.zone_field if unit_schema else "category")
    _data_info(zstore)
    compile_rules(rules if rules is not None else default_rules())
    return zones


@dataclass
class PreparedProject:
    """A project checked and ready to screen (``prepare_projects``): its type key, parsed
    attributes, valid geometry, work CRS and position in the input (scratch fields are
    filled while it is screened; never returned to callers of ``screen``)."""

    index: int
    project: Project
    type: str
    attributes: dict[str, Any]
    geometry: Any
    crs: str
    notes: list[str]
    defaults_used: set[str] = field(default_factory=set)
    #: Admin names and codes the project lies in (None: the store has no admin layer).
    places: frozenset[str] | None = None


def _check_params(tolerance_m: float, near_m: float, *within_m: float) -> None:
    for name, value in (("tolerance_m", tolerance_m), ("near_m", near_m), *(("within_m", w) for w in within_m)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            msg = f"{name} was {value!r} but is expected to be a finite number of metres >= 0"
            raise InputError(msg, zh=f"{name} 为 {value!r}，应为不小于 0 的有限数值（单位：米）")


def _prepare(i: int, project: Project, types: ProjectTypes) -> PreparedProject:
    label = f"project {project.name!r} (#{i + 1})" if project.name else f"project #{i + 1}"
    label_zh = f"项目“{project.name}”（第 {i + 1} 个）" if project.name else f"第 {i + 1} 个项目"
    key = types.resolve(project.type, source=Label(f"{label}: project type", f"{label_zh}的项目类型"))
    attrs = types.parse_attributes(
        key, dict(project.attributes or {}), source=Label(f"{label}: attribute", f"{label_zh}的属性")
    )
    geom = project.geometry
    notes = list(project.notes)
    if geom is None or geom.is_empty:
        msg = f"{label} has an empty geometry; expected a point, line or polygon in lon/lat (EPSG:4490)"
        raise GeometryError(msg, zh=f"{label_zh}的几何为空；应为经纬度（EPSG:4490）下的点、线或面")
    if not geom.is_valid:
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        notes.append(Text("项目几何无效，已自动修复", "the project geometry was invalid and has been repaired"))
    return PreparedProject(i, project, key, attrs, geom, work_crs_for_geometry(geom, source=Label(label, label_zh)), notes)


def screen(
    projects: Iterable[Project] | Project,
    store: Any,
    *,
    rules: RuleSet | None = None,
    tolerance_m: float = 5.0,
    near_m: float = 5000.0,
    generated_at: str | None = None,
    within_m: float | None = None,
) -> list[ScreeningResult]:
    """Screen projects against every zone layer of a store.

    Parameters
    ----------
    projects
        Projects with geometry in CGCS2000 lon/lat (EPSG:4490; WGS84 treated as equal). The
        type may be a key, a Chinese label or an alias; attributes may be given as text.
    store
        A ``layers.store.ZoneStore`` or the path of a zone GeoPackage.
    rules
        The rule matrix; default the packaged ``data/rules.yaml``.
    tolerance_m
        Boundary tolerance: a project meeting a zone only within this band along the zone
        boundary gets ``near_boundary`` / ``review`` instead of the rule's verdict.
    near_m
        How far to look for the nearest untouched feature of each layer (``nearby``).
    generated_at
        Timestamp to put in the results (ISO 8601); default now, China time.
    within_m
        Also list every zone feature within this many metres of the project (``within``,
        NEPAssist's "everything within X m"), touching ones included; default none.

    Returns
    -------
    list[ScreeningResult]
        One per project, in input order.

    Raises
    ------
    InputError
        Unknown project type, attribute or bad attribute value; bad tolerance/near.
    GeometryError
        Empty project geometry.
    CRSError
        Project coordinates not plausible lon/lat in China.

    Notes
    -----
    Every measurement is planar in the CGCS2000 3-degree Gauss-Kruger zone of each project
    (``gis.crs.work_crs_for_geometry``: the zone of the project's centroid): ``overlap_area_m2`` = area of project ∩ zone,
    ``overlap_pct`` = 100 x overlap / project area (0 for points and lines),
    ``overlap_length_m`` = length of a line project inside the zone, ``distance_m`` = 0
    when they intersect, else the shortest distance. ``nearby`` holds, per layer, the
    nearest feature within ``near_m`` that the project does not touch; ``bearing_deg`` is
    the geodesic azimuth (CGCS2000 ellipsoid), clockwise from true north, from the
    project's nearest point to the feature's nearest point. For ``within_distance`` rules
    the tolerance band is the outer ``tolerance_m`` of the rule's distance.
    """
    ruleset = rules if rules is not None else default_rules()
    _check_params(tolerance_m, near_m, *(() if within_m is None else (within_m,)))
    items = prepare_projects(projects, ruleset)
    return screen_prepared(items, store, rules=ruleset, tolerance_m=tolerance_m, near_m=near_m, generated_at=generated_at,
                           within_m=within_m)


def prepare_projects(projects: Iterable[Project] | Project, rules: RuleSet | None = None) -> list[PreparedProject]:
    """Check every project and choose its work CRS, in input order (``screen``'s first step;
    batches use it to sort and share out the projects before ``screen_prepared``).

    Raises
    ------
    InputError, GeometryError, CRSError
        For the first project (in input order) that cannot be screened, as ``screen`` does.
    """
    ruleset = rules if rules is not None else default_rules()
    return [_prepare(i, p, ruleset.project_types) for i, p in enumerate(_as_list(projects))]


def screen_prepared(
    items: Sequence[PreparedProject],
    store: Any,
    *,
    rules: RuleSet | None = None,
    tolerance_m: float = 5.0,
    near_m: float = 5000.0,
    generated_at: str | None = None,
    within_m: float | None = None,
) -> list[ScreeningResult]:
    """``screen`` for projects already prepared (``prepare_projects``): one result per item,
    in the order given; each result's ``project.index`` is the item's position in its input.
    The answers for a project are the same whichever items share the call."""
    ruleset = rules if rules is not None else default_rules()
    _check_params(tolerance_m, near_m, *(() if within_m is None else (within_m,)))
    items = [dataclasses.replace(item, notes=list(item.notes), defaults_used=set(), places=None) for item in items]
    zstore = open_store(store)
    stamp = generated_at or _dt.datetime.now(_TZ_CHINA).isoformat(timespec="seconds")
    data = _data_info(zstore)
    params = _parameters(ruleset, tolerance_m, near_m)
    if within_m is not None:
        params["within_m"] = float(within_m)
    schemas = store_schemas(zstore)
    layout = store_layout(zstore, store_catalog(zstore))
    results: list[ScreeningResult | None] = [None] * len(items)
    groups: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        groups.setdefault(item.crs, []).append(k)
    for crs, positions in groups.items():
        for tile in _tiles(zstore, items, positions):
            members = [items[k] for k in tile]
            group = _screen_group(members, crs, zstore, ruleset, tolerance_m, near_m, schemas, layout, within_m=within_m)
            for k, item, result in zip(tile, members, group, strict=True):
                results[k] = _finish(item, result, data, stamp, params, ruleset, schemas, layout)
    return [r for r in results if r is not None]


#: Projects per tile of a store screened tile by tile (each tile fetches its own features).
_TILE_PROJECTS = 200


def _tiles(store: Any, items: Sequence[PreparedProject], positions: list[int]) -> list[list[int]]:
    """The positions of one CRS group, cut into tiles of neighbours for a store screened tile
    by tile (runs along a Z-order curve of the centroids); other stores: one tile."""
    if not getattr(store, "windowed", False) or len(positions) <= _TILE_PROJECTS:
        return [positions]
    cent = shapely.centroid(np.array([items[k].geometry for k in positions], dtype=object))
    key = sp.zorder(np.nan_to_num(shapely.get_x(cent)), np.nan_to_num(shapely.get_y(cent)))
    order = [positions[int(i)] for i in np.argsort(key, kind="stable")]
    return [order[i : i + _TILE_PROJECTS] for i in range(0, len(order), _TILE_PROJECTS)]


def _as_list(projects: Iterable[Project] | Project) -> list[Project]:
    return [projects] if isinstance(projects, Project) else list(projects)


_DATA_INFO: OrderedDict[tuple[str, str, str, str], DataInfo] = OrderedDict()
_DATA_INFO_LOCK = threading.Lock()


def _data_info(store: sp.ZoneStoreLike) -> DataInfo:
    """What the store holds; computed once per store content (sha256) and path."""
    key = (type(store).__qualname__, str(store.path), str(store.sha256 or id(store)), str(getattr(store, "as_of", None)))
    with _DATA_INFO_LOCK:
        hit = _DATA_INFO.get(key)
    if hit is not None:
        return hit
    info = _read_data_info(store)
    with _DATA_INFO_LOCK:
        _DATA_INFO[key] = info
        while len(_DATA_INFO) > 16:
            _DATA_INFO.popitem(last=False)
    return info


def _read_data_info(store: sp.ZoneStoreLike) -> DataInfo:
    layers = {}
    coverage = getattr(store, "coverage", None)
    for lid in store.layer_ids:
        record = coverage(lid) if coverage is not None else None
        described = None
        if record is not None:
            described = {"adcodes": list(record.adcodes), "extent": record.extent is not None, "note": record.note}
        layers[lid] = LayerInfo(features=_feature_count(store, lid), legal_status=store.legal_status(lid), coverage=described)
    # A store seen as of a date (layers.asof) is named by the store its versions come from.
    origin = getattr(store, "origin", None)
    return DataInfo(
        zones=str(origin or store.path), sha256=str(store.sha256), layers=layers, absent_layers=tuple(store.absent_layers),
        versions={k: dict(v) for k, v in (getattr(store, "versions", None) or {}).items()},
        as_of=getattr(store, "as_of", None), source_sha256=getattr(store, "origin_sha256", None),
    )  # fmt: skip


def _feature_count(store: sp.ZoneStoreLike, layer_id: str) -> int:
    count = getattr(store, "feature_count", None)
    return int(count(layer_id)) if count is not None else len(store.layer(layer_id))


def _parameters(ruleset: RuleSet, tolerance_m: float, near_m: float) -> dict[str, Any]:
    return {
        "tolerance_m": float(tolerance_m),
        "near_m": float(near_m),
        "rules_sha256": ruleset.sha256,
        "project_types_sha256": ruleset.project_types.sha256,
        "livestock_scale_threshold": ruleset.project_types.scale_threshold,
    }


@dataclass
class _GroupResult:
    info: dict[str, Any]
    conflicts: list[Any]
    nearby: list[Any]
    place: Places | None = None
    within: list[Any] = field(default_factory=list)
    covered: dict[str, bool] = field(default_factory=dict)
    units: tuple[UnitRecord, ...] = ()
    clauses: tuple[ClauseRecord, ...] = ()


def _screen_group(
    members: Sequence[PreparedProject],
    crs: str,
    store: sp.ZoneStoreLike,
    ruleset: RuleSet,
    tolerance_m: float,
    near_m: float,
    schemas: Mapping[str, LayerSchema],
    layout: StoreLayout,
    *,
    within_m: float | None = None,
) -> list[_GroupResult]:
    geoms_ll = np.array([m.geometry for m in members], dtype=object)
    geoms = sp.to_crs(geoms_ll, STORAGE_CRS, crs)
    dims = shapely.get_dimensions(geoms)
    areas = np.where(dims == 2, shapely.area(geoms), 0.0)
    lengths = shapely.length(sp.line_parts(geoms))
    lengths = np.where(np.isnan(lengths), 0.0, lengths)
    cent = sp.to_crs(shapely.centroid(geoms), crs, STORAGE_CRS)
    out = [
        _GroupResult(
            info={"area_m2": float(areas[k]), "length_m": float(lengths[k]), "centroid": cent[k]},
            conflicts=[],
            nearby=[],
        )
        for k in range(len(members))
    ]
    compiled = compile_rules(ruleset)
    window = _window(store, geoms, compiled, near_m, tolerance_m)
    admin = sp.layer_index(store, layout.admin, crs, zone_field=None, window=window(layout.admin)) if layout.admin else None
    places = locate(admin, geoms)
    for k, member in enumerate(members):
        member.places = places[k].names
        out[k].place = places[k]
    checks = layout.coverage_checks(store, admin, crs)
    covered = covered_layers(checks, places, geoms, admin)
    specs = ruleset.project_types.attributes
    indexes, touchings = [], []
    for lid in layout.zones:
        schema = schemas.get(lid)
        index = sp.layer_index(store, lid, crs, zone_field=schema.zone_field if schema else None, window=window(lid))
        lrules = compiled.get(lid)
        touching = sp.touching_pairs(index, geoms)
        _note_unknown_zones(members, index, touching, schema)
        if lrules is not None:
            pairs = _rule_pairs(members, geoms, index, lrules, touching)
            found = layer_conflicts(members, geoms, areas, index, lrules, pairs, specs=specs, tolerance_m=tolerance_m)
            found += outside_conflicts(
                members, geoms, areas, index, lrules, touching, [c[lid] for c in covered],
                specs=specs, tolerance_m=tolerance_m,
            )  # fmt: skip
            for k, conflict in found:
                out[k].conflicts.append(conflict)
        indexes.append(index)
        touchings.append(touching)
    nearest = sp.nearest_by_layer(sp.near_index(indexes), geoms, touchings, near_m)
    for k, near in nearby_records(geoms, nearest, crs):
        out[k].nearby.append(near)
    if within_m is not None:
        for k, near in nearby_records(geoms, _within(indexes, touchings, geoms, within_m), crs):
            out[k].within.append(near)
    for k, conflict in coverage_rows(members, places, covered, ruleset, compiled, layout):
        out[k].conflicts.append(conflict)
    for k, place in enumerate(places):
        if layout.admin is not None and not place.features:
            # Wholly outside the admin extent: one "超出图层库覆盖范围" row, not one "no data
            # here" row per layer (outside rules add those for an uncovered project).
            out[k].conflicts = [c for c in out[k].conflicts if c.relation != "no_coverage"]
    for k, res in enumerate(out):
        res.info["county"] = places[k].county
        res.covered = covered[k]
    _units(members, geoms, store, ruleset, compiled, layout, crs, schemas, out, window)
    return out


def _window(
    store: sp.ZoneStoreLike, geoms: np.ndarray, compiled: Mapping[str, LayerRules], near_m: float, tolerance_m: float
) -> Any:
    """``window(layer)``: the work-CRS bounds a store screened tile by tile (PostGIS) is asked
    for — the projects' box grown by every distance an answer can reach (the nearby radius,
    the rules' distances, the tolerance) — or None: the whole layer, for a layer with
    ``outside`` rules (its nearest qualifying feature may be anywhere) and for other stores."""
    if not getattr(store, "windowed", False) or len(geoms) == 0:
        return lambda layer: None
    reach = max([near_m, *(lr.reach_m for lr in compiled.values())]) + tolerance_m + 1.0
    b = shapely.bounds(geoms)
    box = (float(b[:, 0].min() - reach), float(b[:, 1].min() - reach), float(b[:, 2].max() + reach), float(b[:, 3].max() + reach))
    whole = {lid for lid, lr in compiled.items() if any(lr.outside_by_type.values())}
    return lambda layer: None if layer in whole else box


def _units(
    members: Sequence[PreparedProject],
    geoms: np.ndarray,
    store: sp.ZoneStoreLike,
    ruleset: RuleSet,
    compiled: Mapping[str, LayerRules],
    layout: StoreLayout,
    crs: str,
    schemas: Mapping[str, LayerSchema],
    out: Sequence[_GroupResult],
    window: Any,
) -> None:
    """The control units and access clauses of each project (``zoning.units``)."""
    if layout.units is None and layout.clauses is None:
        return
    index = None
    shares: list[list[tuple[int, float]]] = [[] for _ in members]
    if layout.units is not None:
        schema = schemas.get(layout.units)
        zone_field = schema.zone_field if schema else "category"
        index = sp.layer_index(store, layout.units, crs, zone_field=zone_field, window=window(layout.units))
        shares = unit_shares(index, geoms)
    clauses: tuple[Clause, ...] = ()
    if layout.clauses is not None:
        clauses = load_clauses(
            store.layer(layout.clauses), ruleset.project_types, layer=layout.clauses,
            title=layout.clause_title, key=(store.sha256 or id(store)),
        )  # fmt: skip
    defaults = compiled.get(layout.units) if layout.units else None
    for k, member in enumerate(members):
        # No unit data here (the coverage row says so): the general lists still apply.
        here = shares[k] if layout.units is None or out[k].covered.get(layout.units, True) else []
        out[k].units, out[k].clauses = units_for_project(member, here, index, clauses, ruleset.project_types, defaults)


def _note_unknown_zones(
    members: Sequence[PreparedProject], index: sp.LayerIndex, touching: tuple[np.ndarray, np.ndarray], schema: LayerSchema | None
) -> None:
    """A touched feature whose zone value the catalogue does not know cannot be judged:
    say so rather than answer "clear" silently (a validated store never has one)."""
    if schema is None or not schema.zone_field or not schema.zone_values:
        return
    allowed = set(schema.zone_values)
    for k, f in zip(*touching, strict=True):
        value = index.zones[f]
        if value not in allowed:
            members[int(k)].notes.append(
                Text(
                    f"{schema.title_zh}要素“{index.names[f]}”的{schema.zone_field}值“{value}”不在图层目录中，未套用规则",
                    f"{index.layer} feature {index.names[f]!r} has {schema.zone_field} {value!r}, not in the catalogue: "
                    "no rule applied",
                )
            )


def _rule_pairs(
    members: Sequence[PreparedProject],
    geoms: np.ndarray,
    index: sp.LayerIndex,
    lrules: LayerRules,
    touching: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Touching pairs (distance 0), plus, for project types with a within_distance rule in
    this layer, the untouched features within the rules' reach and their distances."""
    pi, fi = touching
    if lrules.reach_m <= 0 or not lrules.reach_types:
        return pi, fi, np.zeros(len(pi))
    which = np.array([k for k, m in enumerate(members) if m.type in lrules.reach_types], dtype=np.intp)
    wpi, wfi, wd = sp.within_pairs(index, geoms, which, lrules.reach_m, touching)
    return np.concatenate([pi, wpi]), np.concatenate([fi, wfi]), np.concatenate([np.zeros(len(pi)), wd])


def _within(indexes: Sequence[sp.LayerIndex], touchings: Sequence[tuple[np.ndarray, np.ndarray]], geoms: np.ndarray,
            within_m: float) -> list[tuple[sp.LayerIndex, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per layer, every (project, feature) pair within ``within_m``: touching (0 m) and not."""
    everyone = np.arange(len(geoms), dtype=np.intp)
    found = []
    for index, (tpi, tfi) in zip(indexes, touchings, strict=True):
        wpi, wfi, wd = sp.within_pairs(index, geoms, everyone, within_m, (tpi, tfi))
        found.append((index, (np.concatenate([tpi, wpi]), np.concatenate([tfi, wfi]),
                              np.concatenate([np.zeros(len(tpi)), wd]))))
    return found


def _finish(
    item: PreparedProject,
    res: _GroupResult,
    data: DataInfo,
    stamp: str,
    params: Mapping[str, Any],
    ruleset: RuleSet,
    schemas: Mapping[str, LayerSchema],
    layout: StoreLayout,
) -> ScreeningResult:
    conflicts = sort_conflicts(keep_nearest(res.conflicts, ruleset.nearest_rule_ids), layer_order=list(data.layers))
    nearby = sorted(res.nearby, key=lambda n: (n.distance_m, n.layer))
    centroid = res.info["centroid"]
    info = ProjectInfo(
        name=item.project.name,
        type=item.type,
        geometry_type=item.geometry.geom_type,
        area_m2=round(res.info["area_m2"], 3),
        length_m=round(res.info["length_m"], 3),
        centroid_lonlat=(round(centroid.x, 7), round(centroid.y, 7)),
        county=res.info["county"],
        input_crs=item.project.input_crs,
        work_crs=item.crs,
        attributes=dict(item.attributes),
        index=item.index,
        geometry=item.geometry,
        prefecture=res.place.prefecture if res.place else None,
        adcode=res.place.adcode if res.place else None,
        builder=item.project.builder,
        project_code=item.project.project_code,
    )
    # What looks wrong about the project itself first (a county drawn as a site): warnings, never refusals.
    notes = plausibility_notes(item.type, info.geometry_type, info.area_m2, info.length_m, ruleset.project_types)
    notes += result_notes(
        item.notes, item.defaults_used, item.attributes, ruleset, data, conflicts, nearby, schemas=schemas
    )
    verdict = worst_verdict([*(c.verdict for c in conflicts), *(c.verdict for c in res.clauses if c.applies)])
    return ScreeningResult(
        project=info,
        verdict=verdict,
        conflicts=tuple(conflicts),
        nearby=tuple(nearby),
        data=data,
        generated_at=stamp,
        parameters=dict(params),
        notes=tuple(notes),
        units=res.units,
        clauses=res.clauses,
        coverage=_coverage_info(res, data, layout, verdict),
        within=tuple(sorted(res.within, key=lambda n: (n.distance_m, n.layer, n.feature_id))),
    )


def _coverage_info(res: _GroupResult, data: DataInfo, layout: StoreLayout, verdict: str) -> CoverageInfo:
    """Which layers answered at this project (``CoverageInfo``), with its sentence."""
    inside = res.place.inside if res.place is not None else True
    checked = tuple(lid for lid in layout.screened if res.covered.get(lid, True) and inside)
    outside = tuple(lid for lid in layout.screened if not (res.covered.get(lid, True) and inside))
    info = CoverageInfo(missing=tuple(data.absent_layers), outside=outside, checked=checked, inside_store=inside)
    # The same few combinations recur over a batch: the sentences are made once each.
    key = (info.missing, outside, checked, inside, verdict)
    done = layout.statements.get(key)
    if done is None:
        zh = coverage_statement(info, verdict=verdict, titles=layout.titles, lang="zh")
        en = coverage_statement(info, verdict=verdict, titles=layout.titles, lang="en")
        done = layout.statements[key] = CoverageInfo(info.missing, outside, checked, inside, zh, en)
    return done
