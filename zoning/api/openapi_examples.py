"""Examples in the OpenAPI document: request bodies a client can send as they are (places in
the embedded store's illustrative zones near Xiangtan) and the shape of an answer."""

from __future__ import annotations

from typing import Any

__all__ = ["REQUEST_EXAMPLES", "RESULT_EXAMPLE"]

_FARM = {
    "type": "Feature",
    "properties": {"name": "某生猪养殖场", "type": "畜禽养殖场", "存栏": 800},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[112.878, 27.834], [112.883, 27.834], [112.883, 27.838], [112.878, 27.838], [112.878, 27.834]]],
    },
}

REQUEST_EXAMPLES: dict[str, Any] = {
    "feature": {
        "summary": "A Feature: a pig farm (type and herd size as properties; 存栏 is an alias of scale_head)",
        "value": _FARM,
    },
    "collection": {
        "summary": "A FeatureCollection: a batch (one result per feature, in order)",
        "value": {
            "type": "FeatureCollection",
            "features": [
                _FARM,
                {
                    "type": "Feature",
                    "properties": {"name": "湘潭某道路", "type": "road"},
                    "geometry": {"type": "LineString", "coordinates": [[112.86, 27.83], [112.90, 27.85]]},
                },
            ],
        },
    },
    "gcj02_point": {
        "summary": "A point copied from Gaode (GCJ-02): send it with ?crs=gcj02",
        "value": {
            "type": "Feature",
            "properties": {"name": "高德地图上选的点", "type": "industrial"},
            "geometry": {"type": "Point", "coordinates": [112.8865, 27.8392]},
        },
    },
}

RESULT_EXAMPLE: dict[str, Any] = {
    "project": {"name": "某生猪养殖场", "type": "livestock_farm", "geometry_type": "Polygon", "area_m2": 218000.0,
                "length_m": 0.0, "centroid_lonlat": [112.8805, 27.836], "county": "岳塘区",
                "input_crs": "EPSG:4326", "work_crs": "EPSG:4546", "attributes": {"scale_head": 800}, "index": 0},
    "verdict": "prohibited",
    "conflicts": [{"layer": "water_source", "feature": "湘潭市区湘江取水口（示意） 一级保护区（水域）", "zone": "一级",
                   "relation": "intersects", "overlap_area_m2": 3500.0, "overlap_pct": 1.6, "overlap_length_m": 0.0,
                   "distance_m": 0.0, "verdict": "prohibited", "rule_id": "DWS01", "condition": "…",
                   "basis": "《水污染防治法》第六十五条", "confidence": "verified", "legal_status": "示意"}],
    "nearby": [],
    "data": {"zones": "data/zones.gpkg", "sha256": "…", "layers": {}},
    "generated_at": "2026-12-06T10:00:00+08:00",
}  # fmt: skip
