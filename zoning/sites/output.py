"""The site finder's outputs: the candidate table (zh/en columns) and the GeoPackage.

The GeoPackage holds two layers: ``candidates`` (polygons in the search's Gauss-Kruger work
CRS, where areas and distances were measured, with their centroids in lon/lat and in that
CRS) and ``search`` (an attribute table: what was asked, the resolution and what it means at
the edges, counts, timings, data and rules versions, notes — each row in Chinese and English).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.errors import DataSourceError
from zoning.sites.model import Candidate, SiteSearch

__all__ = ["CANDIDATE_COLUMNS", "candidate_rows", "candidate_frame", "search_rows", "write_sites",
           "reasons_json"]

#: (key, 中文, English) of the candidate table, in order.
CANDIDATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("rank", "排序", "Rank"),
    ("verdict", "结论", "Verdict"),
    ("area_m2", "面积(平方米)", "Area (m²)"),
    ("area_ha", "面积(公顷)", "Area (ha)"),
    ("reasons", "有条件准入/需核实的原因", "Why conditional / review"),
    ("rule_ids", "规则编号", "Rule ids"),
    ("prohibited_distance_m", "距最近禁止区域(米)", "To nearest prohibited (m)"),
    ("fit_radius_m", "最大内切圆半径(米)", "Largest inscribed disc radius (m)"),
    ("fits", "可容纳项目用地", "Project footprint fits"),
    ("centroid_lon", "中心经度", "Centroid lon"),
    ("centroid_lat", "中心纬度", "Centroid lat"),
    ("centroid_x", "中心X(高斯-克吕格)", "Centroid X (Gauss-Kruger)"),
    ("centroid_y", "中心Y(高斯-克吕格)", "Centroid Y (Gauss-Kruger)"),
    ("slope_mean_deg", "平均坡度(度)", "Mean slope (°)"),
    ("slope_max_deg", "最大坡度(度)", "Max slope (°)"),
    ("near_distance_m", "距指定图层(米)", "To supplied layer (m)"),
    ("raster_verdict", "栅格结论", "Raster verdict"),
    ("legal_status", "数据法律效力", "Legal status of data"),
)


def _verdict_word(code: str, lang: str) -> str:
    from zoning.model import VERDICT_LABELS

    return VERDICT_LABELS[code]["en" if lang == "en" else "zh"]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def candidate_rows(search: SiteSearch, *, lang: str = "zh") -> list[dict[str, Any]]:
    """One dict per candidate, keyed by ``CANDIDATE_COLUMNS`` keys (values in ``lang``)."""
    rows = []
    for c in search.candidates:
        fits: Any = None if c.fits is None else (("是" if c.fits else "否") if lang == "zh" else c.fits)
        rows.append({
            "rank": c.rank, "verdict": _verdict_word(c.verdict, lang), "area_m2": round(c.area_m2, 1),
            "area_ha": round(c.area_m2 / 10_000, 4), "reasons": c.reason_text(lang),
            "rule_ids": ",".join(r.rule_id for r in c.reasons),
            "prohibited_distance_m": _round(c.prohibited_distance_m, 1), "fit_radius_m": round(c.fit_radius_m, 1),
            "fits": fits, "centroid_lon": round(c.centroid_lonlat[0], 7), "centroid_lat": round(c.centroid_lonlat[1], 7),
            "centroid_x": round(c.centroid_xy[0], 2), "centroid_y": round(c.centroid_xy[1], 2),
            "slope_mean_deg": _round(c.slope_mean_deg, 2), "slope_max_deg": _round(c.slope_max_deg, 2),
            "near_distance_m": _round(c.near_distance_m, 1), "raster_verdict": _verdict_word(c.raster_verdict, lang),
            "legal_status": ("示意" if c.illustrative else "法定") if lang == "zh" else (
                "illustrative" if c.illustrative else "official"),
        })  # fmt: skip
    return rows


def reasons_json(candidate: Candidate) -> str:
    return json.dumps([[r.rule_id, r.verdict, r.text_zh, r.text_en] for r in candidate.reasons], ensure_ascii=False)


def candidate_frame(search: SiteSearch) -> gpd.GeoDataFrame:
    """The ``candidates`` layer: codes and numbers as fields, reasons in both languages."""
    records = []
    for c, row in zip(search.candidates, candidate_rows(search, lang="en"), strict=True):
        records.append({
            **{k: v for k, v in row.items() if k not in ("verdict", "raster_verdict", "reasons", "fits", "legal_status")},
            "verdict": c.verdict, "verdict_zh": _verdict_word(c.verdict, "zh"), "raster_verdict": c.raster_verdict,
            "reasons_zh": c.reason_text("zh"), "reasons_en": c.reason_text("en"), "reasons_json": reasons_json(c),
            "fits": c.fits, "fit_lon": c.fit_lonlat[0] if c.fit_lonlat else None,
            "fit_lat": c.fit_lonlat[1] if c.fit_lonlat else None, "work_crs": search.crs,
            "legal_status": "示意" if c.illustrative else "法定",
        })  # fmt: skip
    geoms = [c.geometry for c in search.candidates]
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(
        columns=["rank", "verdict", "area_m2", "reasons_json"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=search.crs)


def search_rows(search: SiteSearch) -> list[tuple[str, str, str]]:
    """(key, 中文, English) rows describing the search."""
    q = search.query
    attrs = ", ".join(f"{k}={v}" for k, v in sorted(search.attributes.items())) or "—"
    rows = [
        ("project_type", search.type_key, search.type_key),
        ("attributes", attrs, attrs),
        ("area", search.area_label.zh, search.area_label.en),
        ("work_crs", search.crs, search.crs),
        ("resolution_m", f"{search.resolution_m:g}", f"{search.resolution_m:g}"),
        ("edges", search.edges("zh"), search.edges("en")),
        ("exclude", f"{q.exclude} 及更不利的结论不列为候选", f"{q.exclude} and worse are not offered"),
        ("area_m2", f"{q.area_m2 or '—'}", f"{q.area_m2 or '—'}"),
        ("min_area_m2", f"{q.smallest_m2:g}", f"{q.smallest_m2:g}"),
        ("offered_area_m2", f"{search.offered_area_m2:.0f}", f"{search.offered_area_m2:.0f}"),
        ("ranking", "结论由好到差，其次距最近禁止区域由远到近，其次面积由大到小",
         "best verdict first, then farthest from anywhere prohibited, then largest"),
        ("store_sha256", search.store_sha256, search.store_sha256),
        ("rules_sha256", search.rules_sha256, search.rules_sha256),
        ("counts", json.dumps(dict(search.counts)), json.dumps(dict(search.counts))),
        ("timings_s", json.dumps(dict(search.timings)), json.dumps(dict(search.timings))),
        ("surfaces", json.dumps(dict(search.surfaces)), json.dumps(dict(search.surfaces))),
    ]
    if search.illustrative:
        rows.insert(0, ("legal_status", "示意数据，不具法律效力", "illustrative data, no legal force"))
    rows += [(f"note_{i + 1}", n.zh, n.en) for i, n in enumerate(search.notes)]
    return rows


def write_sites(search: SiteSearch, path: str | Path) -> Path:
    """Write the GeoPackage (replacing ``path``; written beside it first, then moved).

    Raises
    ------
    DataSourceError
        The file cannot be written.
    """
    import pyogrio

    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", prefix=f".{target.stem}.", dir=target.parent or ".")
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        candidate_frame(search).to_file(tmp, layer="candidates", driver="GPKG")
        table = pd.DataFrame(search_rows(search), columns=["key", "zh", "en"])
        pyogrio.write_dataframe(table, tmp, layer="search", driver="GPKG")
        os.replace(tmp, target)
    except OSError as err:
        msg = f"-o {target}: cannot write the GeoPackage ({err.strerror or err})"
        raise DataSourceError(msg, zh=f"-o {target}：无法写入 GeoPackage（{err.strerror or err}）") from err
    return target


def candidate_table(search: SiteSearch, *, lang: str = "zh") -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the candidate table in ``lang`` (pages, spreadsheets)."""
    header = [zh if lang == "zh" else en for _, zh, en in CANDIDATE_COLUMNS]
    keys: Sequence[str] = [k for k, _, _ in CANDIDATE_COLUMNS]
    return header, [[row[k] for k in keys] for row in candidate_rows(search, lang=lang)]
