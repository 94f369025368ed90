"""The conflict table: its columns and rows, the one table every tabular output writes.

The CSV (``csv_writer``), the workbook's conflict sheet (``xlsx_writer``) and the app's CSV
download are this table; only the writers differ. One row per conflict, worst verdict first;
a project without conflicts still gets one row (verdict 不涉及) so a batch table lists every
project. Words are in the reader's language (zh default, en); numbers stay numbers, as the
engine measured them (the JSON's values: m², %, m to the millimetre), so the table and the
JSON never disagree and Excel filters and sums them.

The columns are the union of what the three earlier tables carried (the CLI's CSV, the app's
CSV and the reviewer's workbook), keeping every column that carries information:

=====================  =============================  ==========================
key                    中文                           English
=====================  =============================  ==========================
index                  序号                           No.
project                项目名称                       Project
type                   项目类型                       Type
geometry_type          几何类型                       Geometry
area_m2                项目面积(m²)                   Project area (m²)
length_m               项目长度(m)                    Project length (m)
centroid_lon           中心经度(°)                    Centroid lon (°)
centroid_lat           中心纬度(°)                    Centroid lat (°)
county                 县（市、区）                   County
project_verdict        项目结论                       Project verdict
layer                  管控图层                       Layer
feature                要素名称                       Feature
zone                   分区/级别                      Zone
relation               空间关系                       Relation
overlap_area_m2        重叠面积(m²)                   Overlap (m²)
overlap_pct            占项目比例(%)                  Share of project (%)
overlap_length_m       穿越长度(m)                    Length inside (m)
distance_m             距离(m)                        Distance (m)
verdict                判定                           Verdict
rule_id                规则编号                       Rule
condition              管控要求/准入条件              Condition
basis                  法律依据                       Legal basis
confidence             依据核实                       Basis checked
legal_status           数据法律效力                   Data legal status
source                 要素来源                       Feature source
feature_id             要素序号(图层内)               Feature row in layer
input_crs              输入坐标系                     Input CRS
work_crs               计算坐标系                     Work CRS
=====================  =============================  ==========================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zoning.model import VERDICT_RANK, Conflict, ScreeningResult
from zoning.report.compliance import unit_summary
from zoning.report.i18n import (
    check_lang,
    layer_title,
    project_type_label,
    relation_label,
    t,
    verdict_label,
    zone_label,
)

__all__ = ["COLUMNS", "PROJECT_COLUMNS", "Cell", "conflict_table", "project_table", "conflicts_worst_first",
           "geometry_label", "headers"]

Cell = str | int | float

#: (key, zh header, en header) of the conflict table, in order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("index", "序号", "No."),
    ("project", "项目名称", "Project"),
    ("type", "项目类型", "Type"),
    ("geometry_type", "几何类型", "Geometry"),
    ("area_m2", "项目面积(m²)", "Project area (m²)"),
    ("length_m", "项目长度(m)", "Project length (m)"),
    ("centroid_lon", "中心经度(°)", "Centroid lon (°)"),
    ("centroid_lat", "中心纬度(°)", "Centroid lat (°)"),
    ("county", "县（市、区）", "County"),
    ("project_verdict", "项目结论", "Project verdict"),
    ("layer", "管控图层", "Layer"),
    ("feature", "要素名称", "Feature"),
    ("zone", "分区/级别", "Zone"),
    ("relation", "空间关系", "Relation"),
    ("overlap_area_m2", "重叠面积(m²)", "Overlap (m²)"),
    ("overlap_pct", "占项目比例(%)", "Share of project (%)"),
    ("overlap_length_m", "穿越长度(m)", "Length inside (m)"),
    ("distance_m", "距离(m)", "Distance (m)"),
    ("verdict", "判定", "Verdict"),
    ("rule_id", "规则编号", "Rule"),
    ("condition", "管控要求/准入条件", "Condition"),
    ("basis", "法律依据", "Legal basis"),
    ("confidence", "依据核实", "Basis checked"),
    ("legal_status", "数据法律效力", "Data legal status"),
    ("source", "要素来源", "Feature source"),
    ("feature_id", "要素序号(图层内)", "Feature row in layer"),
    ("input_crs", "输入坐标系", "Input CRS"),
    ("work_crs", "计算坐标系", "Work CRS"),
)
#: Columns of the per-project summary (one row per project), plus its conflict count.
PROJECT_COLUMNS: tuple[str, ...] = ("index", "project", "type", "county", "project_verdict")

_GEOMETRIES = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})


def headers(keys: Sequence[str], lang: str) -> list[str]:
    """The headers of ``keys`` (column keys of ``COLUMNS``) in ``lang``."""
    words = {key: (zh if lang == "zh" else en) for key, zh, en in COLUMNS}
    return [words[key] for key in keys]


def conflicts_worst_first(result: ScreeningResult) -> list[Conflict]:
    """Conflicts in report order: worst verdict first; within a verdict the engine's order."""
    return sorted(result.conflicts, key=lambda c: -VERDICT_RANK[c.verdict])


def geometry_label(geometry_type: str, lang: str) -> str:
    """点 / 线 / 面 ... for a geometry type; an unknown type as it was given."""
    return t(f"geom_{geometry_type}", lang) if geometry_type in _GEOMETRIES else geometry_type


def _status_label(value: str, lang: str) -> str:
    return t(f"status_{value}", lang) if value in ("法定", "示意") else value


def _project_cells(i: int, r: ScreeningResult, lang: str) -> dict[str, Cell]:
    p = r.project
    return {
        "index": i,
        "project": p.name,
        "type": project_type_label(p.type, lang),
        "geometry_type": geometry_label(p.geometry_type, lang),
        "area_m2": p.area_m2,
        "length_m": p.length_m,
        "centroid_lon": p.centroid_lonlat[0],
        "centroid_lat": p.centroid_lonlat[1],
        "county": p.county or "",
        "project_verdict": verdict_label(r.verdict, lang),
        "input_crs": p.input_crs,
        "work_crs": p.work_crs,
    }


def _conflict_cells(c: Conflict, lang: str) -> dict[str, Cell]:
    return {
        "layer": layer_title(c.layer, lang),
        "feature": c.feature,
        "zone": zone_label(c.layer, c.zone, lang) if c.zone else "",
        "relation": relation_label(c.relation, lang),
        "overlap_area_m2": c.overlap_area_m2,
        "overlap_pct": c.overlap_pct,
        "overlap_length_m": c.overlap_length_m,
        "distance_m": c.distance_m,
        "verdict": verdict_label(c.verdict, lang),
        "rule_id": c.rule_id,
        "condition": (c.condition_en or c.condition) if lang == "en" else c.condition,
        "basis": c.basis,
        # Three levels (RULES.md); never print secondary as 已核实.
        "confidence": t(c.confidence if c.confidence in ("verified", "secondary") else "unverified", lang),
        "legal_status": _status_label(c.legal_status, lang),
        "source": c.source,
        "feature_id": c.feature_id if c.feature_id >= 0 else "",
    }


def conflict_table(
    results: Sequence[ScreeningResult], *, lang: str = "zh", start: int = 1
) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of the conflict table (values typed: numbers stay numbers); projects
    are numbered from ``start`` (a part of a batch written part by part).

    Raises
    ------
    InputError
        If ``lang`` is not supported.
    """
    lang = check_lang(lang)
    keys = [key for key, _, _ in COLUMNS]
    rows: list[list[Cell]] = []
    for i, r in enumerate(results, start=start):
        base = _project_cells(i, r, lang)
        conflicts = conflicts_worst_first(r)
        if not conflicts:
            row: dict[str, Any] = {**base, "verdict": verdict_label("clear", lang)}
            rows.append([row.get(key, "") for key in keys])
        for c in conflicts:
            row = {**base, **_conflict_cells(c, lang)}
            rows.append([row.get(key, "") for key in keys])
    return headers(keys, lang), rows


def project_table(results: Sequence[ScreeningResult], *, lang: str = "zh") -> tuple[list[str], list[list[Cell]]]:
    """One row per project: ``PROJECT_COLUMNS``, the number of conflicts, the control units
    it lies in (with shares) and what its verdict covers."""
    lang = check_lang(lang)
    rows: list[list[Cell]] = []
    for i, r in enumerate(results, start=1):
        cells = _project_cells(i, r, lang)
        rows.append([*(cells[k] for k in PROJECT_COLUMNS), len(r.conflicts), unit_summary(r, lang),
                     r.coverage.statement_en if lang == "en" else r.coverage.statement_zh])
    extra = [t("col_conflicts", lang), t("col_units", lang), t("col_coverage", lang)]
    return [*headers(PROJECT_COLUMNS, lang), *extra], rows
