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
from zoning.engine import open_store, store_schemas
from zoning.zone_rules import RuleLine
from zoning.zone_rules import rules_for_zone as _zone_rules

__all__ = ["ZoneHit", "RuleLine", "zones_at", "rules_for_zone", "find_places"]

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
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"point ({lon}, {lat}) is not longitude/latitude in degrees; expected e.g. 112.94, 28.23"
        raise InputError(msg, zh=f"点 ({lon}, {lat}) 不是以度为单位的经纬度；应如 112.94, 28.23（经度在前，纬度在后）")
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
        index = sp.layer_index(zstore, layer_id, work_crs, zone_field=schema.zone_field if schema else None)
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
