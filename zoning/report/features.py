"""The screening as GIS features, for the desks that take results into ArcGIS or QGIS.

Content for the Shapefile and FileGDB writers (``shp_writer``, ``gdb_writer``) and the
geometry helpers the GeoPackage shares: one feature per project (``results``) and one per
conflict row (``conflicts``), with the JSON's fields flattened, in a chosen projected CRS.

The CRS (``output_crs``)
    ``out_crs`` when the user names one; else the CGCS2000 3-degree Gauss-Kruger zone of the
    project's county, **with the zone number in the easting** (EPSG:4513–4533; Hunan: 4524
    CM 108°E, 4525 CM 111°E, 4526 CM 114°E). Why the zone-number variant: the land survey
    (三调) and territorial-planning databases of the 国土 desks keep 带号 in the easting, so
    a file lands in their projects without a transformation, and an easting such as
    38 512 345 cannot be mistaken for another zone. The county's zone is that of its
    centroid (the store's admin layer, else the shipped county boundaries); a project
    outside every county uses its own centroid. A batch spanning zones is written in the
    zone of most projects (ties: the western one) and says so in ``OutputCrs.note``.

The fields (``RESULT_FIELDS``, ``CONFLICT_FIELDS``)
    Each field has a full name (the FileGDB and the GeoPackage use it), a Shapefile name of
    at most 10 ASCII characters (dBASE's limit) and a title in both languages; the zip's
    README lists the mapping. Codes are the JSON's (``verdict`` = ``prohibited`` ...), each
    beside its words in the report's language (``verdict_label`` = 禁止). Lists of the JSON
    become counts or joined text (units, notes); attributes are their JSON text.

The conflicts' geometry
    Project ∩ zone where the engine measured an overlap; the project itself for rows
    without one (within a distance, outside, no data, outside the store), said by
    ``geometry_source``. A layer whose features have different dimensions (a point and a
    polygon project in one batch) is split: ``results_points``, ``results_polygons`` ...
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon

from gis.crs import STORAGE_CRS, gk_central_meridian, gk_epsg, parse_crs
from gis.errors import InputError
from gis.text import Text, text_of
from zoning.model import ScreeningResult
from zoning.report.i18n import (
    ILLUSTRATIVE_MARK,
    conclusion_label,
    layer_title,
    project_type_label,
    relation_label,
    t,
    verdict_label,
    zone_label,
)
from zoning.report.tables import conflicts_worst_first, geometry_label
from zoning.report.zones import ReportZones

__all__ = [
    "Field",
    "RESULT_FIELDS",
    "CONFLICT_FIELDS",
    "OutputCrs",
    "GisLayer",
    "output_crs",
    "check_out_crs",
    "gis_layers",
    "info_rows",
    "prepare",
    "readme_text",
    "zip_entries",
    "dimension",
    "to_multi",
    "DIMENSION_NAMES",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    """A flattened field: ``name`` (FileGDB, GeoPackage), ``shp`` (≤ 10 characters), titles."""

    name: str
    shp: str
    zh: str
    en: str

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


RESULT_FIELDS: tuple[Field, ...] = (
    Field("project_no", "project_no", "序号", "No."),
    Field("project_name", "name", "项目名称", "Project"),
    Field("project_type", "type", "项目类型代码", "Type code"),
    Field("type_label", "type_label", "项目类型", "Type"),
    Field("geometry_type", "geom_type", "几何类型", "Geometry"),
    Field("area_m2", "area_m2", "项目面积(m²)", "Project area (m²)"),
    Field("length_m", "length_m", "项目长度(m)", "Project length (m)"),
    Field("centroid_lon", "cent_lon", "中心经度(°)", "Centroid lon (°)"),
    Field("centroid_lat", "cent_lat", "中心纬度(°)", "Centroid lat (°)"),
    Field("county", "county", "县（市、区）", "County"),
    Field("prefecture", "prefecture", "市（州）", "Prefecture"),
    Field("adcode", "adcode", "行政区划代码", "Admin code"),
    Field("verdict", "verdict", "判定代码", "Verdict code"),
    Field("verdict_label", "verdict_lb", "判定", "Verdict"),
    Field("conclusion", "conclusion", "结论", "Conclusion"),
    Field("conflicts", "conflicts", "冲突条数", "Conflict rows"),
    Field("nearby", "nearby", "周边图层数", "Nearby layers"),
    Field("units", "units", "所在环境管控单元", "Control units"),
    Field("clauses", "clauses", "适用准入条款数", "Access clauses"),
    Field("coverage", "coverage", "结论适用范围", "What the verdict covers"),
    Field("legal_force", "legal_frc", "数据法律效力", "Legal force of the data"),
    Field("notes", "notes", "说明", "Notes"),
    Field("attributes", "attributes", "项目属性(JSON)", "Attributes (JSON)"),
    Field("input_crs", "input_crs", "输入坐标系", "Input CRS"),
    Field("work_crs", "work_crs", "计算坐标系", "Work CRS"),
    Field("generated_at", "generated", "筛查时间", "Screened at"),
    Field("zones", "zones", "图层库", "Zone store"),
    Field("zones_sha256", "zones_sha", "图层库SHA256", "Zone store SHA-256"),
)

CONFLICT_FIELDS: tuple[Field, ...] = (
    Field("project_no", "project_no", "项目序号", "Project No."),
    Field("project_name", "project", "项目名称", "Project"),
    Field("layer", "layer", "图层代码", "Layer code"),
    Field("layer_title", "layer_name", "管控图层", "Layer"),
    Field("feature", "feature", "要素名称", "Feature"),
    Field("feature_id", "feature_id", "要素序号(图层内)", "Feature row in layer"),
    Field("zone", "zone", "分区/级别", "Zone"),
    Field("relation", "relation", "空间关系代码", "Relation code"),
    Field("relation_label", "rel_label", "空间关系", "Relation"),
    Field("overlap_area_m2", "ovl_area", "重叠面积(m²)", "Overlap (m²)"),
    Field("overlap_pct", "ovl_pct", "占项目比例(%)", "Share of project (%)"),
    Field("overlap_length_m", "ovl_len", "穿越长度(m)", "Length inside (m)"),
    Field("distance_m", "distance", "距离(m)", "Distance (m)"),
    Field("verdict", "verdict", "判定代码", "Verdict code"),
    Field("verdict_label", "verdict_lb", "判定", "Verdict"),
    Field("rule_id", "rule_id", "规则编号", "Rule"),
    Field("condition", "condition", "管控要求/准入条件", "Condition"),
    Field("basis", "basis", "法律依据", "Legal basis"),
    Field("confidence", "confidence", "依据核实代码", "Basis check code"),
    Field("confidence_label", "conf_label", "依据核实", "Basis checked"),
    Field("legal_status", "legal_stat", "数据法律效力", "Data legal status"),
    Field("source", "source", "要素来源", "Feature source"),
    Field("geometry_source", "geom_src", "图形来源", "Geometry from"),
)

#: Layer-name suffix per geometry dimension, for layers that must be split.
DIMENSION_NAMES = {0: "points", 1: "lines", 2: "polygons"}
_MULTI = {"Point": MultiPoint, "LineString": MultiLineString, "Polygon": MultiPolygon}


def dimension(geom: Any) -> int:
    """0 for points, 1 for lines, 2 for polygons; a collection has its highest part's."""
    if geom.geom_type == "GeometryCollection":
        return max((dimension(g) for g in geom.geoms), default=0)
    return {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}.get(geom.geom_type, 2)


def _promote(geom: Any) -> Any:
    """Single to multi-part; a collection keeps only the parts of its highest dimension."""
    if geom.geom_type in _MULTI:
        return _MULTI[geom.geom_type]([geom])
    if geom.geom_type == "GeometryCollection":
        dim = dimension(geom)
        flat = [q for p in geom.geoms if dimension(p) == dim for q in getattr(p, "geoms", [p])]
        return (MultiPoint, MultiLineString, MultiPolygon)[dim](flat)
    return geom


def to_multi(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Every geometry as its multi-part type, so single and multi share one layer type."""
    return geoms.apply(_promote)


# --- the CRS ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputCrs:
    """The CRS features are written in (``EPSG:4526`` or a custom CRS's label) and how it was chosen."""

    crs: Any  # pyproj.CRS
    label: str
    note: Text


def _county_lon(result: ScreeningResult, zones: ReportZones | None) -> float | None:
    """The longitude of the centroid of the project's county, None when it cannot be found."""
    p = result.project
    if zones is None or not (p.adcode or p.county):
        return None
    lon, lat = p.centroid_lonlat
    counties = zones.counties((lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
    if counties is None or counties.empty:
        return None
    match = pd.Series(False, index=counties.index)
    if p.adcode and "adcode" in counties.columns:
        match = counties["adcode"].astype(str) == str(p.adcode)
    if not match.any() and p.county and "name" in counties.columns:
        match = counties["name"].astype(str) == p.county
    if not match.any():
        return None
    # The centroid in degrees only picks a 3-degree band: no measurement is made with it.
    geom = counties[match].geometry.iloc[0]
    return float(geom.centroid.x)


def check_out_crs(value: Any) -> Any:
    """``value`` as a ``gis.crs.CrsChoice`` a GIS file can declare.

    Raises
    ------
    InputError
        ``value`` is GCJ-02/BD-09 (offsets for reading web-map coordinates).
    CRSError
        ``value`` is not a CRS.
    """
    choice = parse_crs(value)
    if choice.offset is not None:
        msg = (f"--out-crs {value}: {choice.offset} is an offset for coordinates copied from web maps, not a CRS a "
               "GIS file can declare; expected e.g. EPSG:4526 or EPSG:4547")
        zh = f"--out-crs {value}：{choice.offset} 是网络地图坐标的偏移，不是文件可声明的坐标系；应为 EPSG:4526、EPSG:4547 等"
        raise InputError(msg, zh=zh)
    return choice


def output_crs(results: Sequence[ScreeningResult], *, zones: ReportZones | None = None,
               out_crs: Any = None) -> OutputCrs:
    """The CRS to write ``results`` in: ``out_crs`` if given, else the county's zone (see the module).

    Raises
    ------
    InputError
        ``out_crs`` is GCJ-02/BD-09 (offsets for reading web-map coordinates, not a CRS a
        file can declare).
    CRSError
        ``out_crs`` is not a CRS.
    """
    if out_crs is not None and str(out_crs).strip():
        choice = check_out_crs(out_crs)
        return OutputCrs(choice.crs, choice.label, Text(f"坐标系 {choice.label}（按指定）", f"CRS {choice.label} (as asked)"))
    meridians = []
    for r in results:
        lon = _county_lon(r, zones)
        meridians.append(gk_central_meridian(lon if lon is not None else r.project.centroid_lonlat[0]))
    counts = Counter(meridians)
    cm = min(counts, key=lambda m: (-counts[m], m))
    code = gk_epsg(cm, zone_prefix=True)
    label = f"EPSG:{code}"
    zone = cm // 3
    note = Text(f"坐标系 {label}（CGCS2000 3度带第{zone}带，中央子午线 {cm}°E，东坐标带带号）：项目所在县的分带",
                f"CRS {label} (CGCS2000 3-degree Gauss-Kruger zone {zone}, CM {cm}E, eastings with the zone "
                "number): the zone of the project's county")
    if len(counts) > 1:
        others = "、".join(f"第{m // 3}带 {counts[m]} 个" for m in sorted(counts) if m != cm)
        others_en = ", ".join(f"zone {m // 3}: {counts[m]}" for m in sorted(counts) if m != cm)
        note = Text(f"坐标系 {label}（CGCS2000 3度带第{zone}带，中央子午线 {cm}°E，东坐标带带号）：本批项目跨越多个分带，"
                    f"按多数项目（{counts[cm]} 个）所在县的分带输出；另有 {others}，其坐标超出本带范围，"
                    "如需按各自分带请用 --out-crs 分别输出",
                    f"CRS {label} (CGCS2000 3-degree Gauss-Kruger zone {zone}, CM {cm}E, eastings with the zone "
                    f"number): the batch spans zones; written in the zone of most projects' counties "
                    f"({counts[cm]}); others ({others_en}) lie outside this zone — use --out-crs for their own")
        log.warning("%s", note.en)
    from pyproj import CRS

    return OutputCrs(CRS.from_epsg(code), label, note)


# --- the rows -----------------------------------------------------------------------------


def _legal_force(r: ScreeningResult, lang: str) -> str:
    return ILLUSTRATIVE_MARK[lang] if (r.data.illustrative or r.illustrative_used) else t("official_data", lang)


def _result_row(no: int, r: ScreeningResult, lang: str) -> dict[str, Any]:
    p = r.project
    units = "；".join(f"{u.code} {u.name}".strip() for u in r.units)
    coverage = r.coverage.statement_en if lang == "en" else r.coverage.statement_zh
    return {
        "project_no": no, "project_name": p.name, "project_type": p.type,
        "type_label": project_type_label(p.type, lang), "geometry_type": geometry_label(p.geometry_type, lang),
        "area_m2": p.area_m2, "length_m": p.length_m, "centroid_lon": p.centroid_lonlat[0],
        "centroid_lat": p.centroid_lonlat[1], "county": p.county or "", "prefecture": p.prefecture or "",
        "adcode": p.adcode or "", "verdict": r.verdict, "verdict_label": verdict_label(r.verdict, lang),
        "conclusion": conclusion_label(r.verdict, lang), "conflicts": len(r.conflicts), "nearby": len(r.nearby),
        "units": units, "clauses": len(r.clauses), "coverage": coverage or "", "legal_force": _legal_force(r, lang),
        "notes": "；".join(text_of(n).pick(lang) for n in r.notes),
        "attributes": json.dumps(dict(p.attributes), ensure_ascii=False, sort_keys=True, default=str),
        "input_crs": p.input_crs, "work_crs": p.work_crs, "generated_at": r.generated_at,
        "zones": r.data.zones, "zones_sha256": r.data.sha256, "geometry": p.geometry,
    }  # fmt: skip


def _conflict_rows(no: int, r: ScreeningResult, lang: str) -> list[dict[str, Any]]:
    rows = []
    for c in conflicts_worst_first(r):
        overlap = c.overlap_geometry is not None and not c.overlap_geometry.is_empty
        level = c.confidence if c.confidence in ("verified", "secondary") else "unverified"
        rows.append({
            "project_no": no, "project_name": r.project.name, "layer": c.layer, "layer_title": layer_title(c.layer, lang),
            "feature": c.feature, "feature_id": c.feature_id, "zone": zone_label(c.layer, c.zone, lang) if c.zone else "",
            "relation": c.relation, "relation_label": relation_label(c.relation, lang),
            "overlap_area_m2": c.overlap_area_m2, "overlap_pct": c.overlap_pct, "overlap_length_m": c.overlap_length_m,
            "distance_m": c.distance_m, "verdict": c.verdict, "verdict_label": verdict_label(c.verdict, lang),
            "rule_id": c.rule_id, "condition": (c.condition_en or c.condition) if lang == "en" else c.condition,
            "basis": c.basis, "confidence": c.confidence, "confidence_label": t(level, lang),
            "legal_status": c.legal_status, "source": c.source,
            "geometry_source": "overlap" if overlap else "project",
            "geometry": c.overlap_geometry if overlap else r.project.geometry,
        })  # fmt: skip
    return rows


@dataclass(frozen=True)
class GisLayer:
    """One layer to write: its name, fields, features (in the output CRS) and geometry type
    (multi-part: ``MultiPolygon``, ``MultiLineString`` or ``MultiPoint``)."""

    name: str
    fields: tuple[Field, ...]
    frame: gpd.GeoDataFrame
    geometry_type: str


_MULTI_NAMES = {0: "MultiPoint", 1: "MultiLineString", 2: "MultiPolygon"}


def _frame(rows: list[dict[str, Any]], fields: tuple[Field, ...], crs: Any) -> gpd.GeoDataFrame:
    columns = [f.name for f in fields]
    table = pd.DataFrame(rows, columns=[*columns, "geometry"])
    for column in columns:
        # 32-bit integers: a FileGDB before ArcGIS Pro 3.2 has no 64-bit integer field.
        if pd.api.types.is_integer_dtype(table[column]):
            table[column] = table[column].astype("int32")
    geoms = gpd.GeoSeries(list(table["geometry"]), crs=STORAGE_CRS)
    return gpd.GeoDataFrame(table[columns], geometry=geoms.to_crs(crs), crs=crs)


def _split(name: str, fields: tuple[Field, ...], frame: gpd.GeoDataFrame, empty_dim: int) -> list[GisLayer]:
    """``frame`` as one layer, or one per dimension when its features have several; an
    empty frame is still a layer (of dimension ``empty_dim``): a desk always finds it."""
    if frame.empty:
        return [GisLayer(name, fields, frame, _MULTI_NAMES[empty_dim])]
    dims = frame.geometry.apply(dimension)
    present = sorted(set(dims))
    out = []
    for dim in present:
        part = frame[dims == dim]
        part = part.set_geometry(to_multi(part.geometry))
        out.append(GisLayer(name if len(present) == 1 else f"{name}_{DIMENSION_NAMES[dim]}", fields, part,
                            _MULTI_NAMES[dim]))
    return out


def gis_layers(results: Sequence[ScreeningResult], crs: OutputCrs, *, lang: str) -> list[GisLayer]:
    """The results and conflicts layers (each split by dimension when needed), in ``crs``."""
    result_rows = [_result_row(i, r, lang) for i, r in enumerate(results, start=1)]
    conflict_rows = [row for i, r in enumerate(results, start=1) for row in _conflict_rows(i, r, lang)]
    results_frame = _frame(result_rows, RESULT_FIELDS, crs.crs)
    widest = max((dimension(g) for g in results_frame.geometry), default=2)
    return [*_split("results", RESULT_FIELDS, results_frame, widest),
            *_split("conflicts", CONFLICT_FIELDS, _frame(conflict_rows, CONFLICT_FIELDS, crs.crs), widest)]


def prepare(results: Sequence[ScreeningResult], *, lang: str, store: Any = None, zones: ReportZones | None = None,
            out_crs: Any = None) -> tuple[str, OutputCrs, list[GisLayer]]:
    """What a GIS writer starts from: the checked language, the CRS and the layers.

    Raises
    ------
    InputError, CRSError
        ``lang`` is not supported, or ``out_crs`` is not a CRS a file can declare.
    """
    from zoning.report.i18n import check_lang

    lang = check_lang(lang)
    zones = zones if zones is not None else ReportZones.for_results(results, store=store)
    crs = output_crs(results, zones=zones, out_crs=out_crs)
    return lang, crs, gis_layers(results, crs, lang=lang)


def info_rows(results: Sequence[ScreeningResult], crs: OutputCrs, *, lang: str) -> list[tuple[str, str]]:
    """The ``report_info`` table: report number, CRS and how it was chosen, the store, legal force."""
    from zoning.report.numbering import report_number

    first = results[0]
    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    rows = [("report_no", report_number(results)), ("generated_at", first.generated_at),
            ("crs", crs.label), ("crs_note", crs.note.pick(lang)),
            ("zones", first.data.zones), ("zones_sha256", first.data.sha256),
            ("legal_force", ILLUSTRATIVE_MARK[lang] if illustrative else t("official_data", lang))]
    rows += [(str(k), str(v)) for k, v in sorted(first.parameters.items())]
    return rows


def readme_text(results: Sequence[ScreeningResult], crs: OutputCrs, layers: Sequence[GisLayer], *,
                shapefile: bool, extra: Sequence[str] = ()) -> str:
    """The zip's README (both languages, Chinese first): layers, CRS and why, legal force, fields."""
    from zoning.report.numbering import report_number

    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    lines = [f"生态环境分区管控符合性筛查结果 / Eco-zoning screening results  {report_number(results)}", ""]
    if illustrative:
        lines += [f"【{ILLUSTRATIVE_MARK['zh']}】 {ILLUSTRATIVE_MARK['en']}", ""]
    lines += [f"坐标系 / CRS: {crs.label}", f"  {crs.note.zh}", f"  {crs.note.en}", ""]
    lines += ["图层 / Layers:"]
    for layer in layers:
        kind = "项目 / projects" if layer.name.startswith("results") else "冲突 / conflict rows"
        lines.append(f"  {layer.name}: {len(layer.frame)} {kind} ({layer.geometry_type})")
    lines += ["  report_info: 报告信息 / report information (no geometry)", *extra, ""]
    header = "字段 / Fields (Shapefile 名 = 完整名 / short = full name):" if shapefile else "字段 / Fields:"
    lines.append(header)
    for title, fields in (("results", RESULT_FIELDS), ("conflicts", CONFLICT_FIELDS)):
        lines.append(f"  [{title}]")
        for f in fields:
            name = f"{f.shp:<10} = {f.name}" if shapefile else f.name
            lines.append(f"    {name:<36} {f.zh} / {f.en}")
    return "\n".join(lines) + "\n"


#: A fixed time for every zip entry, so the same results give the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_entries(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A deflated zip of ``(name, bytes)`` in the given order, every entry stamped ``_ZIP_TIME``."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()
