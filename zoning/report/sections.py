"""The sections of a project report: overview, conclusion, conflict table, nearby zones, maps,
data sources, notes, disclaimer. Each function returns document blocks in one language."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_CRS, wgs84_to_bd09, wgs84_to_gcj02
from gis.paths import scrub_paths
from zoning._notes import note_in
from zoning.model import VERDICT_RANK, Conflict, Nearby, ScreeningResult
from zoning.report.compliance import compliance_blocks, coverage_text, no_data_reason
from zoning.report.document import Block, Conclusion, Figure, Heading, KeyValues, Paragraph, Table
from zoning.report.i18n import (
    attribute_text,
    bearing_label,
    bracket,
    fmt_area,
    fmt_length,
    fmt_num,
    join_items,
    join_list,
    layer_title,
    project_type_label,
    relation_label,
    t,
    verdict_explanation,
    verdict_label,
    with_zone,
    zone_label,
)
from zoning.report.maps import detail_map, overview_map
from zoning.report.numbering import heading_number
from zoning.report.tables import conflicts_worst_first, geometry_label
from zoning.report.zones import ReportZones

__all__ = ["MapPolicy", "project_blocks", "data_blocks", "notes_blocks", "closing_blocks", "type_text",
           "MAX_VERTEX_ROWS", "MAX_REASONS"]

log = logging.getLogger(__name__)

#: Vertex rows printed per project; the GeoPackage export has every vertex.
MAX_VERTEX_ROWS = 40
#: Reasons spelled out in the conclusion box; the table lists every row.
MAX_REASONS = 6


class MapPolicy:
    """How many maps a report may still draw (a running budget shared by all project sections)."""

    def __init__(self, *, max_maps: int, overview: bool, single: bool) -> None:
        self.remaining = max_maps
        self.overview = overview
        self.single = single
        self.skipped_projects = 0
        self.drawn_projects = 0

    def take(self, count: int) -> bool:
        if count <= self.remaining:
            self.remaining -= count
            return True
        return False


def type_text(type_key: str, lang: str) -> str:
    """The project type as a reader says it (养殖场..., never the key ``livestock_farm``); an
    unknown type prints as it was given."""
    return project_type_label(type_key, lang)


def _heading(text_key: str, k: int, *, lang: str, batch: bool) -> Heading:
    if batch:
        return Heading(heading_number(2, k, lang) + t(text_key, lang), 3)
    return Heading(heading_number(1, k, lang) + t(text_key, lang), 1)


def project_blocks(result: ScreeningResult, zones: ReportZones, *, lang: str, policy: MapPolicy, maps: bool,
                   batch: bool, figure_start: int) -> list[Block]:
    """Overview, conclusion, conflicts, nearby and maps of one project."""
    k = 0

    def head(key: str) -> Heading:
        nonlocal k
        k += 1
        return _heading(key, k, lang=lang, batch=batch)

    blocks: list[Block] = [head("sec_overview"), KeyValues(tuple(_overview_rows(result, lang)))]
    vertices = _vertex_table(result, lang)
    if vertices is not None:
        blocks += [Paragraph(t("sec_vertices", lang), "note"), vertices]
    blocks += [head("sec_conclusion"), _conclusion(result, lang)]
    blocks += [head("sec_conflicts"), *_conflict_blocks(result, lang)]
    blocks += [head("sec_compliance"), *compliance_blocks(result, lang)]
    blocks += [head("sec_nearby"), *_nearby_blocks(result, lang)]
    if "within_m" in result.parameters:  # asked for: every zone within the radius (a buffer report)
        blocks += [head("sec_within"), *_within_blocks(result, lang)]
    figures = _map_blocks(result, zones, lang=lang, policy=policy, maps=maps, figure_start=figure_start)
    if figures:
        blocks += [head("sec_maps"), *figures]
    return blocks


# --- overview ---------------------------------------------------------------------------------


def _to_input_crs(lon: np.ndarray, lat: np.ndarray, input_crs: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Coordinates in the CRS the user gave; None when that is CGCS2000/WGS84 lon/lat already."""
    code = (input_crs or "").strip()
    low = code.lower().replace("-", "")
    if low in {"", "epsg:4490", "epsg:4326", "wgs84", "cgcs2000"}:
        return None
    if low == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if low == "bd09":
        return wgs84_to_bd09(lon, lat)
    try:
        tr = Transformer.from_crs(STORAGE_CRS, code, always_xy=True)
    except Exception as err:  # noqa: BLE001 - an unparseable label only costs this column
        log.warning("input CRS %r cannot be used for the coordinates column (%s); column left out", code, err)
        return None
    x, y = tr.transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _gk(lon: np.ndarray, lat: np.ndarray, work_crs: str) -> tuple[np.ndarray, np.ndarray]:
    easting, northing = Transformer.from_crs(STORAGE_CRS, work_crs, always_xy=True).transform(lon, lat)
    return np.asarray(easting), np.asarray(northing)


def _fmt_xy(x: float, y: float, *, geographic: bool) -> str:
    return f"{x:.6f}, {y:.6f}" if geographic else f"{x:,.2f}, {y:,.2f}"


def _overview_rows(result: ScreeningResult, lang: str) -> list[tuple[str, str]]:
    p = result.project
    rows = [(t("name", lang), p.name)]
    # 建设单位 and 项目代码, when the input gave them (a project's identity in the approval file).
    rows += [(t(key, lang), value) for key, value in (("builder", p.builder), ("project_code", p.project_code)) if value]
    rows += [(t("type", lang), type_text(p.type, lang)), (t("county", lang), p.county or t("unknown", lang)),
             (t("geometry", lang), geometry_label(p.geometry_type, lang))]
    if p.area_m2 > 0:
        rows.append((t("area", lang), fmt_area(p.area_m2, lang)))
    if p.length_m > 0:
        rows.append((t("length", lang), fmt_length(p.length_m, lang)))
    lon, lat = p.centroid_lonlat
    rows.append((t("centroid", lang), f"E {lon:.6f}°, N {lat:.6f}°"))
    east, north = _gk(np.array([lon]), np.array([lat]), p.work_crs)
    rows.append((t("centroid_gk", lang, crs=p.work_crs), f"X = {north[0]:,.2f} m, Y = {east[0]:,.2f} m"))
    converted = _to_input_crs(np.array([lon]), np.array([lat]), p.input_crs)
    if converted is not None:
        geographic = p.input_crs.lower().replace("-", "") in {"gcj02", "bd09"}
        rows.append((t("centroid_input", lang, crs=p.input_crs),
                     _fmt_xy(float(converted[0][0]), float(converted[1][0]), geographic=geographic)))
    rows.append((t("input_crs", lang), p.input_crs))
    rows.append((t("work_crs", lang), p.work_crs))
    if p.attributes:
        attrs = join_items((attribute_text(k, v, lang) for k, v in sorted(p.attributes.items())), lang)
        rows.append((t("attributes", lang), attrs))
    return rows


def _vertices(geom: BaseGeometry) -> np.ndarray:
    """Vertices in order, without the closing repeat of each polygon ring."""
    parts = getattr(geom, "geoms", [geom])
    coords: list[np.ndarray] = []
    for part in parts:
        if part.geom_type == "Polygon":
            for ring in (part.exterior, *part.interiors):
                coords.append(np.asarray(ring.coords)[:-1, :2])
        else:
            coords.append(shapely.get_coordinates(part))
    return np.vstack(coords) if coords else np.empty((0, 2))


def _vertex_table(result: ScreeningResult, lang: str) -> Table | None:
    geom = result.project.geometry
    if geom is None or geom.geom_type == "Point":
        return None  # a point's only vertex is the centroid above
    xy = _vertices(geom)
    n = len(xy)
    shown = xy[:MAX_VERTEX_ROWS]
    east, north = _gk(shown[:, 0], shown[:, 1], result.project.work_crs)
    converted = _to_input_crs(shown[:, 0], shown[:, 1], result.project.input_crs)
    cols = [t("col_no", lang), t("col_lon", lang), t("col_lat", lang), t("col_x", lang), t("col_y", lang)]
    if converted is not None:
        cols += [t("col_in_x", lang), t("col_in_y", lang)]
    geographic_in = result.project.input_crs.lower().replace("-", "") in {"gcj02", "bd09"}
    rows = []
    for i, (lon, lat) in enumerate(shown):
        row = [f"J{i + 1}", f"{lon:.6f}", f"{lat:.6f}", f"{north[i]:,.2f}", f"{east[i]:,.2f}"]
        if converted is not None:
            fmt = "{:.6f}" if geographic_in else "{:,.2f}"
            row += [fmt.format(converted[0][i]), fmt.format(converted[1][i])]
        rows.append(tuple(row))
    caption = (t("vertices_capped", lang, n=n, k=MAX_VERTEX_ROWS) if n > MAX_VERTEX_ROWS
               else t("vertices_intro", lang, n=n))
    widths = (0.08, 0.16, 0.16, 0.2, 0.2) if converted is None else (0.07, 0.14, 0.13, 0.17, 0.17, 0.16, 0.16)
    return Table(tuple(cols), tuple(rows), widths, caption=caption, numeric=(False, *([True] * (len(cols) - 1))),
                 font_size=8.0)


# --- conclusion -------------------------------------------------------------------------------


def _basis_text(c: Conflict, lang: str) -> str:
    basis = c.basis or "—"
    return basis if c.confidence == "verified" else basis + bracket(t(_confidence_key(c.confidence), lang), lang)


def _confidence_key(confidence: str) -> str:
    """The i18n key of a confidence level (RULES.md: three levels; unknown reads as unverified)."""
    return confidence if confidence in ("verified", "secondary") else "unverified"


def _condition(c: Conflict, lang: str) -> str:
    return (c.condition_en or c.condition) if lang == "en" else c.condition


_REL_TEXT = {
    "area": {"zh": "项目与其重叠 {area} m²，占项目面积 {pct}%",
             "en": "the project overlaps it by {area} m² ({pct}% of the project)"},
    "length": {"zh": "项目穿越其中 {length} m", "en": "the project runs {length} m inside it"},
    "inside": {"zh": "项目位于其范围内", "en": "the project lies inside it"},
    "boundary": {"zh": "项目仅在边界容差带内与其相交",
                 "en": "the project meets it only within the boundary tolerance band"},
    "distance": {"zh": "项目距其 {distance} m，位于规则规定的距离范围内",
                 "en": "the project lies {distance} m from it, within the distance the rule sets"},
    "touches": {"zh": "项目与其相交（距离 0 m），位于规则规定的距离范围内",
                "en": "the project touches it (distance 0 m), within the distance the rule sets"},
    "outside": {"zh": "项目不在规则要求的区域内（最近 {distance} m）",
                "en": "the project is not inside the area the rule requires (nearest {distance} m)"},
    "no_coverage": {"zh": "该图层在项目所在地无数据", "en": "the layer has no data where the project lies"},
    "outside_extent": {"zh": "项目超出图层库覆盖范围", "en": "the project lies outside the zone store's coverage"},
}


def _relation_sentence(c: Conflict, lang: str) -> str:
    if c.relation == "outside":
        return _REL_TEXT["outside"][lang].format(distance=fmt_num(c.distance_m))
    if c.relation in ("no_coverage", "outside_extent"):
        return _REL_TEXT[c.relation][lang]
    if c.relation == "within_distance":
        # a distance rule also fires on a project inside the feature (a point in the river corridor)
        if c.distance_m <= 0:
            return _REL_TEXT["touches"][lang]
        return _REL_TEXT["distance"][lang].format(distance=fmt_num(c.distance_m))
    if c.relation == "near_boundary":
        return _REL_TEXT["boundary"][lang]
    if c.overlap_area_m2 > 0:
        return _REL_TEXT["area"][lang].format(area=fmt_num(c.overlap_area_m2), pct=f"{c.overlap_pct:.1f}")
    if c.overlap_length_m > 0:
        return _REL_TEXT["length"][lang].format(length=fmt_num(c.overlap_length_m))
    return _REL_TEXT["inside"][lang]


def _reason(c: Conflict, lang: str) -> str:
    zone = (f"，{c.zone}" if lang == "zh" else f", {zone_label(c.layer, c.zone, lang)}") if c.zone else ""
    cond = _condition(c, lang).rstrip("。. ")
    verdict = verdict_label(c.verdict, lang)
    if lang == "zh":
        cond = f"{cond}。" if cond else ""
        where = f"「{c.feature}」（{layer_title(c.layer, lang)}{zone}）" if c.feature else layer_title(c.layer, lang)
        return (f"{where}：{_relation_sentence(c, lang)}。{cond}"
                f"判定为“{verdict}”，依据{_basis_text(c, lang)}。")
    cond = f" {cond}." if cond else ""
    where = f"\"{c.feature}\" ({layer_title(c.layer, lang)}{zone})" if c.feature else layer_title(c.layer, lang)
    return (f"{where}: {_relation_sentence(c, lang)}.{cond} "
            f"Verdict: {verdict}; basis: {_basis_text(c, lang)}.")


def _conclusion(result: ScreeningResult, lang: str) -> Conclusion:
    """The boxed conclusion. Layers without data where the project lies make one reason
    together (not one each); the last line says what the verdict covers."""
    label = verdict_label(result.verdict, lang)
    rows = conflicts_worst_first(result)
    no_data = [c.layer for c in rows if c.relation == "no_coverage"]
    rows = [c for c in rows if c.relation != "no_coverage"]
    reasons = [_reason(c, lang) for c in rows[:MAX_REASONS]]
    if len(rows) > MAX_REASONS:
        more = len(rows) - MAX_REASONS
        reasons.append(f"……另有 {more} 项，详见一览表。" if lang == "zh" else f"… and {more} more rows (see the table).")
    if no_data:
        reasons.append(no_data_reason(list(dict.fromkeys(no_data)), lang))
    if not rows and not no_data:
        reasons.append(t("reason_none", lang))
    applying = [c for c in result.clauses if c.applies and c.verdict != "clear"]
    if applying:
        worst = max(applying, key=lambda c: VERDICT_RANK[c.verdict])
        reasons.append(t("clauses_reason", lang, n=len(applying), verdict=verdict_label(worst.verdict, lang)))
    if result.data.absent_layers:
        titles = join_list((layer_title(lid, lang) for lid in result.data.absent_layers), lang)
        reasons.append(t("absent_note", lang, layers=titles))
    covered = coverage_text(result, lang)
    if covered:
        reasons.append(covered)
    return Conclusion(result.verdict, t("conclusion_is", lang, label=label), verdict_explanation(result.verdict, lang),
                      tuple(reasons))


# --- conflict and nearby tables ----------------------------------------------------------------


def _relation_cell(c: Conflict, result: ScreeningResult, lang: str) -> str:
    head = {"intersects": "相交" if lang == "zh" else "Intersects",
            "near_boundary": "边界附近" if lang == "zh" else "Near boundary",
            "within_distance": ""}.get(c.relation, relation_label(c.relation, lang))
    if c.relation == "within_distance" and c.distance_m <= 0:
        head = "相交" if lang == "zh" else "Intersects"
    parts = [head] if head else []
    if c.relation == "within_distance" or c.distance_m > 0:
        parts.append(t("distance_cell", lang, distance=fmt_num(c.distance_m)))
    elif c.overlap_area_m2 > 0:
        parts.append(t("overlap_cell", lang, area=fmt_num(c.overlap_area_m2), pct=f"{c.overlap_pct:.1f}"))
    elif c.overlap_length_m > 0:
        parts.append(t("inside_cell", lang, length=fmt_num(c.overlap_length_m)))
    return "\n".join(parts)


def _feature_cell(c: Conflict, lang: str) -> str:
    text = with_zone(c.feature, c.zone, lang, c.layer)
    if c.legal_status and c.legal_status != "法定":
        text += "\n〔示意〕" if lang == "zh" else "\n[illustrative]"
    return text


def _conflict_blocks(result: ScreeningResult, lang: str) -> list[Block]:
    rows_c = conflicts_worst_first(result)
    if not rows_c:
        return [Paragraph(t("conflicts_none", lang))]
    rows = []
    for i, c in enumerate(rows_c, start=1):
        rows.append((str(i), layer_title(c.layer, lang), _feature_cell(c, lang), _relation_cell(c, result, lang),
                     f"{verdict_label(c.verdict, lang)}\n{c.rule_id}", _condition(c, lang), c.basis or "—",
                     t(_confidence_key(c.confidence), lang)))
    cols = (t("col_no", lang), t("col_layer", lang), t("col_feature", lang), t("col_relation", lang),
            t("col_verdict", lang), t("col_condition", lang), t("col_basis", lang), t("col_confidence", lang))
    # English verdicts ("Conditional") and "Basis checked" need wider columns than 禁止 / 依据核实
    widths = (0.05, 0.12, 0.14, 0.14, 0.1, 0.23, 0.14, 0.08) if lang == "zh" else (
        0.05, 0.12, 0.14, 0.13, 0.11, 0.21, 0.14, 0.10)
    table = Table(cols, tuple(rows), widths,
                  row_levels=tuple(c.verdict for c in rows_c), font_size=8.0)
    return [table]


def _nearby_blocks(result: ScreeningResult, lang: str) -> list[Block]:
    near = result.parameters.get("near_m", 5000)
    if not result.nearby:
        return [Paragraph(t("nearby_none", lang, near=fmt_num(float(near))))]
    return [Paragraph(t("nearby_intro", lang, near=fmt_num(float(near))), "note"), _zone_list(result.nearby, lang)]


def _within_blocks(result: ScreeningResult, lang: str) -> list[Block]:
    radius = fmt_num(float(result.parameters["within_m"]))
    if not result.within:
        return [Paragraph(t("within_none", lang, m=radius))]
    return [Paragraph(t("within_intro", lang, m=radius, n=len(result.within)), "note"), _zone_list(result.within, lang)]


def _zone_list(zones: Sequence[Nearby], lang: str) -> Table:
    """Zones with their distance and bearing from the project, nearest first."""
    rows = []
    for i, n in enumerate(sorted(zones, key=lambda n: n.distance_m), start=1):
        status = t(f"status_{n.legal_status}", lang) if n.legal_status in ("法定", "示意", "混合") else (
            n.legal_status or "—")
        zone = zone_label(n.layer, n.zone, lang) if n.zone else "—"
        rows.append((str(i), layer_title(n.layer, lang), n.feature, zone, fmt_num(n.distance_m),
                     bearing_label(n.bearing_deg, lang), status))
    cols = (t("col_no", lang), t("col_layer", lang), t("col_feature_only", lang), t("col_zone", lang),
            t("col_distance", lang), t("col_bearing", lang), t("col_status", lang))
    return Table(cols, tuple(rows), (0.06, 0.2, 0.24, 0.12, 0.12, 0.14, 0.12), numeric=(False, False, False, False, True, False, False))


# --- maps ----------------------------------------------------------------------------------------


def _map_blocks(result: ScreeningResult, zones: ReportZones, *, lang: str, policy: MapPolicy, maps: bool,
                figure_start: int) -> list[Block]:
    if not maps or result.project.geometry is None:
        return []
    # a detail map per layer with a feature to show ("no data here" rows have none)
    layers = list(dict.fromkeys(c.layer for c in conflicts_worst_first(result) if c.feature_id >= 0))
    want_overview = policy.single or (policy.overview and bool(result.conflicts))
    needed = len(layers) + (1 if want_overview else 0)
    if needed == 0:
        return []
    if not policy.single and not policy.take(needed):
        # out of budget for the full set: detail maps alone may still fit
        want_overview = False
        if not layers or not policy.take(len(layers)):
            policy.skipped_projects += 1
            return []
    policy.drawn_projects += 1
    crs_note = t("map_crs_note", lang, crs=result.project.work_crs)
    blocks: list[Block] = []
    n = figure_start
    if want_overview:
        img = overview_map(result, zones, lang=lang)
        blocks.append(Figure(img.png, t("map_overview", lang, n=n) + "\n" + crs_note, img.width_px, img.height_px))
        n += 1
    for layer_id in layers:
        img = detail_map(result, layer_id, zones, lang=lang)
        caption = t("map_detail", lang, n=n, layer=layer_title(layer_id, lang)) + "\n" + crs_note
        blocks.append(Figure(img.png, caption, img.width_px, img.height_px))
        n += 1
    return blocks


# --- data sources, notes, disclaimer ---------------------------------------------------------------


def _unique_text(values: Sequence[Any], lang: str, limit: int = 3) -> str:
    seen = [str(v) for v in dict.fromkeys(values) if v is not None and str(v).strip() and str(v) != "nan"]
    if not seen:
        return "—"
    extra = len(seen) - limit
    more = t("and_more", lang, n=len(seen)) if extra > 0 else ""
    return join_items(seen[:limit], lang) + more


#: Sources listed per layer in the source table (those of the features the report names
#: come first); the rest of a layer's sources are counted in one row.
MAX_SOURCE_ROWS = 3


def _layer_dates(layer_id: str, zones: ReportZones, lang: str) -> str:
    gdf = zones.frame(layer_id) if zones.available else None
    if gdf is None:
        return "—"
    dates: list[Any] = []
    for col in ("effective_date", "version"):
        if col in gdf.columns:
            dates += gdf[col].tolist()
    return _unique_text(dates, lang)


def _named_features(results: Sequence[ScreeningResult]) -> dict[str, dict[int, str]]:
    """Layer -> feature id -> name of every feature the report names (conflicts and nearby)."""
    named: dict[str, dict[int, str]] = {}
    for r in results:
        items: list[Conflict | Nearby] = [*r.conflicts, *r.nearby]
        for item in items:
            if item.feature_id >= 0:
                named.setdefault(item.layer, {})[item.feature_id] = item.feature
    return named


def _layer_sources(layer_id: str, zones: ReportZones, named: dict[int, str],
                   lang: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The source cell of a layer's row, and the rows (features, source, named features) for
    the source table when the layer's features have more than one source.

    A source text is printed once however many features share it; a layer of one source
    gets it in its own row, a layer of several lists them in the source table, those of
    the features this report names first, at most ``MAX_SOURCE_ROWS``.
    """
    gdf = zones.frame(layer_id) if zones.available else None
    if gdf is None or "source" not in gdf.columns:
        return "—", []
    texts = gdf["source"].astype("string").fillna("").str.strip()
    counts: dict[str, int] = {}
    for text in texts:
        if text and text != "nan":
            counts[text] = counts.get(text, 0) + 1
    if not counts:
        return "—", []
    if len(counts) == 1:
        return next(iter(counts)), []
    names_of: dict[str, list[str]] = {}
    for fid, name in named.items():
        if 0 <= fid < len(texts) and texts.iloc[fid] in counts:
            names_of.setdefault(texts.iloc[fid], []).append(name)
    order = sorted(counts, key=lambda src: (src not in names_of, -counts[src]))
    shown, rest = order[:max(MAX_SOURCE_ROWS, len(names_of))], order[max(MAX_SOURCE_ROWS, len(names_of)):]
    rows = [(str(counts[src]), src, _names(names_of.get(src, []), lang)) for src in shown]
    if rest:
        rows.append((str(sum(counts[src] for src in rest)), t("sources_rest", lang, n=len(rest)), "—"))
    return t("sources_see_table", lang, n=len(counts)), rows


def _names(names: Sequence[str], lang: str, limit: int = 3) -> str:
    distinct = list(dict.fromkeys(names))
    if not distinct:
        return "—"
    more = t("and_more", lang, n=len(distinct)) if len(distinct) > limit else ""
    return join_list(distinct[:limit], lang) + more


def _rules_version(params: dict[str, Any], lang: str) -> str:
    keys = [k for k in params if "rule" in k.lower()]
    if not keys:
        return "—"
    return join_items((f"{k} = {params[k]}" for k in sorted(keys)), lang)


def data_blocks(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str, level: int,
                index: int) -> list[Block]:
    """Store path and hash, rules version, parameters, datum, and one row per layer."""
    data = results[0].data
    params = dict(results[0].parameters)
    tol = params.get("tolerance_m", 5.0)
    near = params.get("near_m", 5000.0)
    # the store by its name (and hash), never where the server keeps it
    kv = [(t("data_store", lang), scrub_paths(data.zones)), (t("data_sha", lang), data.sha256 or "—"),
          (t("data_rules", lang), _rules_version(params, lang)),
          (t("data_params", lang), t("data_params_value", lang, tol=fmt_num(float(tol), 1), near=fmt_num(float(near)))),
          (t("data_crs", lang), t("data_crs_value", lang)),
          (t("data_base", lang), t("data_base_value", lang))]
    rows = []
    source_rows: list[tuple[str, str, str, str]] = []
    named = _named_features(results)
    for layer_id, info in data.layers.items():
        source, listed = _layer_sources(layer_id, zones, named.get(layer_id, {}), lang)
        status = t(f"status_{info.legal_status}", lang) if f"status_{info.legal_status}" in _STATUSES else (
            info.legal_status)
        title = layer_title(layer_id, lang)
        rows.append((title, str(info.features), status, source, _layer_dates(layer_id, zones, lang)))
        # the layer's name on its first row only: the rows below belong to it
        source_rows += [(title if k == 0 else "", *row) for k, row in enumerate(listed)]
    blocks: list[Block] = [Heading(heading_number(1, index, lang) + t("sec_data", lang), level),
                           KeyValues(tuple(kv), label_width=0.22)]
    if rows:
        cols = (t("col_layer", lang), t("col_features", lang), t("col_status", lang), t("col_source", lang),
                t("col_date", lang))
        blocks.append(Table(cols, tuple(rows), (0.22, 0.1, 0.14, 0.36, 0.18), numeric=(False, True, False, False, False)))
    if source_rows:
        source_cols = (t("col_layer", lang), t("col_features", lang), t("col_source", lang), t("col_named", lang))
        blocks.append(Table(source_cols, tuple(source_rows), (0.18, 0.1, 0.52, 0.2),
                            caption=t("sources_caption", lang), numeric=(False, True, False, False)))
    if data.absent_layers:
        titles = join_list((layer_title(lid, lang) for lid in data.absent_layers), lang)
        blocks.append(Paragraph(t("absent_note", lang, layers=titles), "note"))
    return blocks


_STATUSES = {"status_法定", "status_示意", "status_混合"}


def notes_blocks(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str, level: int, index: int,
                 capped: str) -> list[Block]:
    """Screening notes (repairs, conversions) and map caveats."""
    notes: list[str] = _screening_notes(results, lang)
    if capped:
        notes.append(capped)
    if not zones.available:
        notes.append(t("maps_unavailable", lang, path=scrub_paths(zones.note or results[0].data.zones)))
    blocks: list[Block] = [Heading(heading_number(1, index, lang) + t("sec_notes", lang), level)]
    blocks += [Paragraph(f"{i}. {n}", "small") for i, n in enumerate(notes, start=1)]
    return blocks


def _screening_notes(results: Sequence[ScreeningResult], lang: str) -> list[str]:
    """Each distinct screening note once, with the projects it concerns.

    A batch read from one file gives every project the same notes (encoding, coordinate
    columns, CRS, the 示意 notice); listed per project they filled a tenth of a 200-project
    report. A note of one project keeps its ``[n] name`` prefix. The engine writes each note
    as a (Chinese, English) pair; the report prints the half in its own language.
    """
    if len(results) == 1:
        return list(dict.fromkeys(note_in(n, lang) for n in results[0].notes))
    projects: dict[str, list[int]] = {}
    for i, r in enumerate(results, start=1):
        for note in dict.fromkeys(note_in(n, lang) for n in r.notes):
            projects.setdefault(note, []).append(i)
    lines = []
    for note, numbers in projects.items():
        if len(numbers) == 1:
            who = f"[{numbers[0]}] {results[numbers[0] - 1].project.name}"
        elif len(numbers) == len(results):
            who = t("notes_all", lang, n=len(results))
        else:
            who = t("notes_some", lang, projects=_number_ranges(numbers, lang), n=len(numbers))
        lines.append(f"{who}{t('colon', lang)}{note}")
    return lines


def _number_ranges(numbers: Sequence[int], lang: str) -> str:
    """Sorted distinct ``numbers`` as runs: 1–3、5 (zh) / 1–3, 5 (en)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs]
    return ("、" if lang == "zh" else ", ").join(parts)


def closing_blocks(*, lang: str, level: int, index: int) -> list[Block]:
    """Disclaimer and the reviewer's sign-off space."""
    blocks: list[Block] = [Heading(heading_number(1, index, lang) + t("sec_disclaimer", lang), level)]
    blocks += [Paragraph(line, "small") for line in t("disclaimer", lang).split("\n")]
    blocks += [Heading(heading_number(1, index + 1, lang) + t("sec_signoff", lang), level),
               Paragraph(t("signoff", lang), "body")]
    return blocks

