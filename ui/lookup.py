"""'Is this place in a protected zone?': the zones at a point and what their rules say.

For the public map. Distances are measured in the CGCS2000 Gauss-Kruger zone of the point
(``gis.crs.work_crs_for``), never in degrees; containment uses the full-precision store
geometry, not the simplified display copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import Point

from gis.crs import work_crs_for
from gis.errors import InputError
from zoning.zone_rules import RuleLine
from zoning.zone_rules import rules_for_zone as zone_rules

__all__ = ["ZoneHit", "RuleLine", "zones_at", "rules_for_zone", "find_places"]

_SKIP_LAYERS = ("admin", "water_intake")


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


def zones_at(
    layers: Mapping[str, gpd.GeoDataFrame],
    lon: float,
    lat: float,
    *,
    zone_fields: Mapping[str, str | None],
    near_m: float = 500.0,
) -> list[ZoneHit]:
    """Zone features containing (lon, lat), then those within ``near_m`` metres, nearest first.

    Parameters
    ----------
    layers
        Store layers (any CRS, must be set) by layer id.
    lon, lat
        CGCS2000 / WGS84 degrees.
    zone_fields
        Layer id -> the field holding the zone/grade (catalogue ``zone_field``).
    near_m
        Also list features this close (metres, planar in the point's Gauss-Kruger zone).
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"point ({lon}, {lat}) is not longitude/latitude in degrees; expected e.g. 112.94, 28.23"
        raise InputError(msg, zh=f"点 ({lon}, {lat}) 不是以度为单位的经纬度；应如 112.94, 28.23（经度在前，纬度在后）")
    work_crs = work_crs_for((lon, lat, lon, lat))
    here = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4490").to_crs(work_crs).iloc[0]
    reach = here.buffer(near_m)
    hits: list[ZoneHit] = []
    for layer_id, gdf in layers.items():
        if layer_id in _SKIP_LAYERS or gdf.empty:
            continue
        hits.extend(_layer_hits(layer_id, gdf, here, reach, work_crs, zone_fields.get(layer_id)))
    return sorted(hits, key=lambda h: (h.distance_m, h.layer))


def _layer_hits(
    layer_id: str, gdf: gpd.GeoDataFrame, here: Point, reach: Any, work_crs: str, zone_field: str | None
) -> Iterable[ZoneHit]:
    # Candidates by bounding box in the layer's own CRS, then exact distance in metres.
    reach_native = gpd.GeoSeries([reach], crs=work_crs).to_crs(gdf.crs).iloc[0]
    candidates = gdf.sindex.query(reach_native, predicate="intersects")
    if len(candidates) == 0:
        return []
    sub = gdf.iloc[sorted(candidates)].to_crs(work_crs)
    distances = shapely.distance(sub.geometry.values, here)
    out = []
    for (pos, row), dist in zip(zip(sorted(candidates), sub.itertuples(index=False), strict=True), distances, strict=True):
        attrs = row._asdict()
        out.append(
            ZoneHit(
                layer=layer_id,
                feature_id=int(pos),
                name=_text(attrs.get("name")),
                zone=_text(attrs.get(zone_field)) if zone_field else None,
                distance_m=round(float(dist), 1),
                legal_status=_text(attrs.get("legal_status")) or "法定",
                source=_text(attrs.get("source")),
                level=_text(attrs.get("level")),
                attributes={k: _text(v) for k, v in attrs.items() if k != "geometry"},
            )
        )
    return out


def rules_for_zone(rules: Any, hit: ZoneHit) -> list[RuleLine]:
    """The active rules of ``hit``'s layer that apply to its zone and feature, worst first."""
    return zone_rules(rules, hit.layer, hit.zone, hit.attributes)


def find_places(towns: gpd.GeoDataFrame, query: str, *, limit: int = 20) -> list[tuple[str, float, float]]:
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
    zh = towns.get("name_zh", gpd.GeoSeries(dtype=object)).fillna("").astype(str)
    en = towns.get("name", gpd.GeoSeries(dtype=object)).fillna("").astype(str)
    # GeoNames' other Chinese names ("平江县|汉昌"): a county seat is often known by its town's name.
    aliases = towns.get("name_zh_all", gpd.GeoSeries(dtype=object)).fillna("").astype(str)
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
