"""'Is this place in a protected zone?': the zone features at a point, by the engine's indexes.

The public map asks this of one point; it is answered by the same layer indexes
(``zoning._spatial.layer_index``: full-precision store geometry in the point's CGCS2000
Gauss-Kruger zone, an STRtree) that ``zoning.screen`` uses, so the public answer and a
screening can never disagree about what contains a place. Distances are planar metres in
that zone, never degrees.

Examples
--------
>>> from zoning.lookup import zones_at
>>> hits = zones_at("data/zones.gpkg", 112.93, 27.86, near_m=500)  # doctest: +SKIP
>>> [(h.layer, h.name, h.inside) for h in hits]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from gis.crs import STORAGE_CRS, work_crs_for
from gis.errors import InputError
from zoning import _spatial as sp
from zoning._layout import StoreLayout, store_layout
from zoning._places import Places, covered_layers, locate
from zoning.engine import default_rules, open_store, store_catalog, store_schemas
from zoning.units import Clause, general_list_holds, load_clauses, scope_rank
from zoning.zone_rules import RuleLine
from zoning.zone_rules import rules_for_zone as _zone_rules

__all__ = [
    "ZoneHit", "RuleLine", "zones_at", "rules_for_zone", "find_places",
    "PlaceClause", "UnitAnswer", "PlaceLists", "units_at", "unit_access_lists",
]  # fmt: skip

#: Geometry kinds a place can lie "in" (not points such as intakes, not tables).
_AREAL = frozenset({"polygon", "line_or_polygon"})


@dataclass(frozen=True)
class ZoneHit:
    """A zone feature at (or near) the point asked about."""

    layer: str
    feature_id: int
    name: str
    zone: str | None
    distance_m: float
    legal_status: str
    source: str
    level: str
    attributes: Mapping[str, Any]

    @property
    def inside(self) -> bool:
        return self.distance_m == 0.0


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _check_lonlat(lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"point ({lon}, {lat}) is not longitude/latitude in degrees; expected e.g. 112.94, 28.23"
        raise InputError(msg, zh=f"点 ({lon}, {lat}) 不是以度为单位的经纬度；应如 112.94, 28.23（经度在前，纬度在后）")


def zones_at(store: Any, lon: float, lat: float, *, near_m: float = 500.0) -> list[ZoneHit]:
    """Zone features containing (lon, lat), then those within ``near_m`` metres, nearest first.

    Parameters
    ----------
    store
        A ``layers.store.ZoneStore`` or the path of a zone GeoPackage.
    lon, lat
        CGCS2000 / WGS84 degrees.
    near_m
        Also list features this close (metres, planar in the point's Gauss-Kruger zone).

    Raises
    ------
    InputError
        If (lon, lat) is not a longitude/latitude pair in degrees.
    """
    _check_lonlat(lon, lat)
    zstore = open_store(store)
    schemas = store_schemas(zstore)
    work_crs = work_crs_for((lon, lat, lon, lat))
    here = sp.to_crs(np.array([Point(lon, lat)], dtype=object), STORAGE_CRS, work_crs)[0]
    hits: list[ZoneHit] = []
    for layer_id in zstore.layer_ids:
        schema = schemas.get(layer_id)
        # Zones only (catalogue roles): not the admin divisions, units or the access list.
        if schema is None or schema.role != "zone" or schema.geometry not in _AREAL:
            continue
        window = (here.x - near_m - 1, here.y - near_m - 1, here.x + near_m + 1, here.y + near_m + 1)
        index = sp.layer_index(zstore, layer_id, work_crs, zone_field=schema.zone_field if schema else None, window=window)
        hits.extend(_layer_hits(index, here, near_m))
    return sorted(hits, key=lambda h: (h.distance_m, h.layer, h.feature_id))


def _layer_hits(index: sp.LayerIndex, here: Point, near_m: float) -> list[ZoneHit]:
    if len(index) == 0:
        return []
    candidates = np.sort(index.tree.query(here, predicate="dwithin", distance=near_m))
    distances = shapely.distance(index.geoms[candidates], here)
    out = []
    for f, dist in zip(candidates, distances, strict=True):
        attrs = {k: _text(v) for k, v in index.attrs(int(f)).items()}
        out.append(
            ZoneHit(
                layer=index.layer,
                feature_id=int(f),
                name=_text(index.names[f]),
                zone=_text(index.zones[f]) or None,
                distance_m=round(float(dist), 1),
                legal_status=_text(index.legal_status[f]) or "法定",
                source=_text(index.sources[f]),
                level=attrs.get("level", ""),
                attributes=attrs,
            )
        )
    return out


def rules_for_zone(rules: Any, hit: ZoneHit) -> list[RuleLine]:
    """The active rules of ``hit``'s layer that apply to its zone and feature, worst first."""
    return _zone_rules(rules, hit.layer, hit.zone, hit.attributes)


def find_places(towns: pd.DataFrame, query: str, *, limit: int = 20) -> list[tuple[str, float, float]]:
    """Towns whose Chinese or romanised name contains ``query``: (label, lon, lat), exact first.

    Raises
    ------
    InputError
        If the query is empty.
    """
    text = query.strip()
    if not text:
        msg = "place name is empty; type a town or county seat such as 湘潭 or 平江"
        raise InputError(msg, zh="地名为空；请输入乡镇或县城名称，如 湘潭、平江")

    def column(name: str) -> pd.Series:
        return towns[name].fillna("").astype(str) if name in towns.columns else pd.Series("", index=towns.index)

    zh, en = column("name_zh"), column("name")
    # GeoNames' other Chinese names ("平江县|汉昌"): a county seat is often known by its town's name.
    aliases = column("name_zh_all")
    mask = (
        zh.str.contains(text, regex=False)
        | aliases.str.contains(text, regex=False)
        | en.str.lower().str.contains(text.lower(), regex=False)
    )
    found = towns[mask]
    rows: Sequence[tuple[int, str, float, float]] = [
        (0 if _text(r.get("name_zh")) == text else 1, _place_label(r), r.geometry.x, r.geometry.y)
        for _, r in found.iterrows()
    ]
    rows = sorted(rows, key=lambda r: (r[0], r[1]))[:limit]
    return [(label, lon, lat) for _, label, lon, lat in rows]


def _place_label(row: Any) -> str:
    name = _text(row.get("name_zh")) or _text(row.get("name"))
    where = "·".join(p for p in (_text(row.get("prefecture_name")), _text(row.get("county_name"))) if p)
    return f"{name}（{where}）" if where else name


# --- control units and access lists at a place --------------------------------------------------


@dataclass(frozen=True)
class PlaceClause:
    """An access-list clause as the public reads it: no project, so no verdict *for* one —
    the verdict the clause gives the projects it names (``types_zh``/``types_en``)."""

    scope: str
    dimension: str
    text: str
    types_zh: str
    types_en: str
    verdict: str | None
    basis: str
    confidence: str
    legal_status: str


@dataclass(frozen=True)
class UnitAnswer:
    """A control unit at the place: its own list, or (without one) its category's defaults."""

    layer: str
    feature_id: int
    code: str
    name: str
    category: str
    subtype: str
    legal_status: str
    source: str
    own: tuple[PlaceClause, ...]
    defaults: tuple[RuleLine, ...]


@dataclass(frozen=True)
class PlaceLists:
    """The units at a place and the general lists that hold there."""

    units: tuple[UnitAnswer, ...]
    general: tuple[PlaceClause, ...]
    #: The store's control-unit layer (None: it has none) and whether it has data here.
    unit_layer: str | None
    covered: bool
    inside_store: bool


def _types_words(clause: Clause, types: Any, lang: str) -> str:
    a = clause.applies_to
    if a.everyone:
        return "所有项目" if lang == "zh" else "every project"
    words = [types.types[k].label(lang) for k in sorted(a.types)] + [c.describe(lang) for c in a.conditions]
    words += list(a.unknown)
    return ("、" if lang == "zh" else ", ").join(words)


def _place_clause(clause: Clause, types: Any) -> PlaceClause:
    return PlaceClause(
        scope=clause.scope, dimension=clause.dimension, text=clause.text,
        types_zh=_types_words(clause, types, "zh"), types_en=_types_words(clause, types, "en"),
        verdict=clause.verdict or ("review" if clause.applies_to.everyone else None),
        basis=clause.basis, confidence=clause.confidence, legal_status=clause.legal_status,
    )  # fmt: skip


def _clauses(zstore: Any, layout: StoreLayout, types: Any) -> tuple[Clause, ...]:
    if layout.clauses is None:
        return ()
    frame = zstore.layer(layout.clauses)
    return load_clauses(frame, types, layer=layout.clauses, title=layout.clause_title, key=getattr(zstore, "sha256", None))


def _general(clauses: Sequence[Clause], codes: set[str], places: frozenset[str] | None, types: Any) -> tuple[PlaceClause, ...]:
    held = [c for c in clauses if general_list_holds(c.scope, codes, places)]
    return tuple(_place_clause(c, types) for c in sorted(held, key=lambda c: scope_rank(c.scope)))


def _unit_answer(index: sp.LayerIndex, f: int, clauses: Sequence[Clause], rules: Any) -> UnitAnswer:
    code = _text(index.columns["code"][f])
    own = tuple(_place_clause(c, rules.project_types) for c in clauses if c.scope == code)
    category = _text(index.zones[f])
    subtypes = index.columns.get("subtype")
    defaults = () if own else tuple(_zone_rules(rules, index.layer, category, index.attrs(f)))
    return UnitAnswer(
        layer=index.layer, feature_id=f, code=code, name=_text(index.names[f]), category=category,
        subtype=_text(subtypes[f]) if subtypes is not None else "", legal_status=_text(index.legal_status[f]) or "法定",
        source=_text(index.sources[f]), own=own, defaults=defaults,
    )  # fmt: skip


def units_at(store: Any, lon: float, lat: float, *, rules: Any = None) -> PlaceLists:
    """The control units containing (lon, lat), each with its own access list (or its
    category's default requirements), and the general lists of the province, city and county
    that hold there — the public's "which unit is this, and what does its list say?".

    Raises
    ------
    InputError
        If (lon, lat) is not a longitude/latitude pair in degrees.
    """
    _check_lonlat(lon, lat)
    zstore = open_store(store)
    rules = rules or default_rules()
    layout = store_layout(zstore, store_catalog(zstore))
    crs = work_crs_for((lon, lat, lon, lat))
    here = sp.to_crs(np.array([Point(lon, lat)], dtype=object), STORAGE_CRS, crs)
    admin = sp.layer_index(zstore, layout.admin, crs, zone_field=None) if layout.admin else None
    place: Places = locate(admin, here)[0]
    clauses = _clauses(zstore, layout, rules.project_types)
    units: tuple[UnitAnswer, ...] = ()
    codes: set[str] = set()
    covered = True
    if layout.units is not None:
        schema = store_schemas(zstore).get(layout.units)
        index = sp.layer_index(zstore, layout.units, crs, zone_field=schema.zone_field if schema else "category")
        codes = {_text(c) for c in index.columns["code"]}
        covered = covered_layers(layout.coverage_checks(zstore, admin, crs), [place], here, admin)[0].get(layout.units, True)
        found = sorted(int(f) for f in index.tree.query(here[0], predicate="intersects"))
        units = tuple(_unit_answer(index, f, clauses, rules) for f in found)
    general = _general(clauses, codes, place.names, rules.project_types) if place.inside else ()
    return PlaceLists(units, general, layout.units, covered, place.inside)


def unit_access_lists(store: Any, *, rules: Any = None) -> dict[str, Any]:
    """Every access-list clause of the store and, per control-unit feature, which clauses are
    its own and which general lists hold where it lies (decided at the unit's representative
    point) — what the exported public site shows when a unit is clicked. Empty without units.
    """
    zstore = open_store(store)
    rules = rules or default_rules()
    layout = store_layout(zstore, store_catalog(zstore))
    if layout.units is None:
        return {}
    clauses = _clauses(zstore, layout, rules.project_types)
    units = zstore.layer(layout.units).to_crs(STORAGE_CRS)
    points = np.array([shapely.point_on_surface(g) for g in units.geometry], dtype=object)
    codes = {_text(c) for c in units["code"]}
    by_unit: dict[str, dict[str, list[int]]] = {}
    if len(points):
        crs = work_crs_for(tuple(units.total_bounds))
        admin = sp.layer_index(zstore, layout.admin, crs, zone_field=None) if layout.admin else None
        places = locate(admin, sp.to_crs(points, STORAGE_CRS, crs))
        for f, (code, place) in enumerate(zip(units["code"], places, strict=True)):
            general = [i for i, c in enumerate(clauses) if general_list_holds(c.scope, codes, place.names)]
            general.sort(key=lambda i: scope_rank(clauses[i].scope))
            own = [i for i, c in enumerate(clauses) if c.scope == _text(code)]
            by_unit[str(f)] = {"own": own, "general": general}
    listed = [_place_clause(c, rules.project_types) for c in clauses]
    catalog = store_catalog(zstore)
    dimension = catalog.field(layout.clauses, "dimension") if layout.clauses else None
    return {
        "layer": layout.units,
        "clauses": [{**c.__dict__, "dimension_en": dimension.label(c.dimension, "en") if dimension else c.dimension}
                    for c in listed],
        "units": by_unit,
    }
