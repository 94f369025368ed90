"""What the server knows, read-only and public: readiness, layers, rules, control units.

* ``GET /api/health``: the readiness check (the store opened, the engine's indexes built);
* ``GET /api/v1/layers``: the store's layers, with titles, counts, CRS, legal status and
  lon/lat extent, and the layers it lacks;
* ``GET /api/v1/rules?type=&layer=``: the rule matrix (``python -m zoning rules list
  --format json``'s entries) and the project types;
* ``GET /api/v1/units?lon=&lat=[&type=]``: the environmental control unit(s) at a point and
  their access clauses, as a screening of a point there gives them (``units`` is ``[]`` when
  the store has no control-unit layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from shapely.geometry import Point

from gis.crs import lonlat_bounds
from gis.errors import InputError
from zoning.api.state import State
from zoning.engine import screen, store_schemas
from zoning.model import Project
from zoning.rule_listing import project_type_dicts, rule_dict
from zoning.rules import RuleSet

__all__ = ["router", "layers_listing", "rules_listing", "units_at"]

router = APIRouter(tags=["catalogue 图层与规则"])


def layers_listing(store: Any) -> dict[str, Any]:
    """The store's layers for ``/api/v1/layers``."""
    schemas = store_schemas(store)
    layers = []
    for lid, info in store.layer_info().items():
        frame = store.layer(lid)
        bbox = lonlat_bounds(tuple(frame.total_bounds), frame.crs) if len(frame) else None
        schema = schemas.get(lid)
        layers.append(
            {
                "id": lid,
                "title": {"zh": info.title_zh, "en": info.title_en},
                "features": info.features,
                "geometry_type": info.geometry_type,
                "crs": info.crs,
                "legal_status": info.legal_status,
                "zone_field": schema.zone_field if schema else None,
                "bbox_lonlat": list(bbox) if bbox else None,
            }
        )
    return {
        "store": Path(str(store.path)).name,  # public: the file, not the server's folders
        "sha256": store.sha256,
        "layers": layers,
        "absent_layers": list(store.absent_layers),
        "extra_layers": list(store.extra_layers),
    }


def rules_listing(rules: RuleSet, type_: str = "", layer: str = "") -> dict[str, Any]:
    """The active rules (those that can fire for ``type_`` and in ``layer`` when given).

    Raises
    ------
    InputError
        An unknown project type or a layer without rules.
    """
    selected = rules.applicable(type_) if type_ else list(rules.active)
    if layer:
        if layer not in rules.layers:
            msg = f"query parameter 'layer': {layer!r} has no rules; expected one of {', '.join(rules.layers)}"
            raise InputError(msg, zh=f"查询参数“layer”：图层“{layer}”没有规则；应为 {'、'.join(rules.layers)} 之一")
        selected = [r for r in selected if r.layer == layer]
    return {
        "rules_sha256": rules.sha256,
        "project_types_sha256": rules.project_types.sha256,
        "type": rules.project_types.resolve(type_) if type_ else None,
        "rules": [rule_dict(r) for r in selected],
        "project_types": project_type_dicts(rules.project_types),
    }


#: Clause fields that depend on the project (its type and attributes), left out when none is named.
_PROJECT_FIELDS = ("verdict", "applies", "finding", "finding_en")


def units_at(store: Any, rules: RuleSet, lon: float, lat: float, type_: str = "") -> list[dict[str, Any]]:
    """The control units at (lon, lat) with their access clauses, as a screening of a point
    there reports them (``zoning.engine.screen``: the unit layer, its own clauses or its
    category's defaults, and the general lists of the province, city and county).

    With ``type_``, each clause says whether and how it binds that project type (its
    verdict and finding); without, the clauses are listed without those fields. ``[]`` when
    the store has no control-unit layer.
    """
    key = type_ or next(iter(rules.project_types.types))
    point = Project(name=f"({lon}, {lat})", type=key, geometry=Point(lon, lat))
    (result,) = screen([point], store, rules=rules, near_m=0.0)
    units = [u.to_dict() for u in result.units]
    if not type_:
        for unit in units:
            unit["clauses"] = [{k: v for k, v in c.items() if k not in _PROJECT_FIELDS} for c in unit["clauses"]]
    return units


@router.get("/api/health", summary="Readiness 就绪检查")
def health(state: State) -> dict[str, Any]:
    """200 once the zone store is open and the engine's indexes are built (a readiness probe)."""
    return state.health()


@router.get("/api/v1/layers", summary="Layers of the zone store 图层列表")
def layers(state: State) -> dict[str, Any]:
    """The layers of the zone store the server screens against."""
    return layers_listing(state.store())


@router.get("/api/v1/rules", summary="The rule matrix 规则列表")
def rules(
    state: State,
    type: Annotated[str, Query(description="Only rules that can apply to this project type (key, 中文名称 or alias).",
                               openapi_examples={"example": {"value": "畜禽养殖场"}})] = "",
    layer: Annotated[str, Query(description="Only rules of this zone layer.", openapi_examples={"example": {"value": "water_source"}})] = "",
) -> dict[str, Any]:
    """The statutory rule matrix and the project types it refers to."""
    return rules_listing(state.rules(), type, layer)


@router.get("/api/v1/units", summary="Control units at a point 环境管控单元查询")
async def units(
    state: State,
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (CGCS2000/WGS84 degrees).", openapi_examples={"example": {"value": 112.93}})],
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (degrees).", openapi_examples={"example": {"value": 27.86}})],
    type: Annotated[str, Query(description="A project type (key, 中文名称 or alias): each clause then says whether "
                               "and how it binds it. Without, the clauses are listed as written.")] = "",
) -> dict[str, Any]:
    """The environmental control unit(s) at (lon, lat) and their access clauses."""
    store, rules = await run_in_threadpool(state.data)
    found = await run_in_threadpool(units_at, store, rules, lon, lat, type)
    layer = store.catalog.role_layer("control_unit")
    return {"lon": lon, "lat": lat, "type": rules.project_types.resolve(type) if type else None,
            "unit_layer": layer if layer in store.layer_ids else None, "units": found}  # fmt: skip
