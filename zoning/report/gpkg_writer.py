"""The screening as a GeoPackage: the projects, the zone features hit and the overlaps.

Layers (EPSG:4490, one geometry dimension per layer so QGIS styles them directly; only
non-empty layers are written):

* ``project_polygons`` / ``project_lines`` / ``project_points``: one row per project with
  name, type, county, verdict, conclusion, area_m2, length_m, conflict count;
* ``zones_hit_polygons`` / ``zones_hit_lines``: each zone feature a project conflicts with,
  with its layer, name, zone, legal status and source (needs the zone store; see zones.py);
* ``overlap_polygons`` / ``overlap_lines`` / ``overlap_points``: project ∩ zone per conflict
  row, with the verdict, rule, condition and legal basis;
* ``report_info`` (no geometry): report number, store path and sha256, parameters, and the
  illustrative-data mark when it applies;
* ``layer_styles``: the default QGIS style of every layer, from the palette
  (``zoning.qgis_styles.style_report``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from gis.crs import STORAGE_CRS
from gis.paths import scrub_paths
from zoning.model import ScreeningResult
from zoning.qgis_styles import style_report
from zoning.report.features import DIMENSION_NAMES, dimension, to_multi
from zoning.report.i18n import (
    ILLUSTRATIVE_MARK,
    catalog_of,
    check_lang,
    report_catalog,
    t,
    verdict_label,
)
from zoning.report.numbering import report_number
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["write_gpkg", "render_gpkg"]


def _split_write(rows: list[dict[str, Any]], name: str, path: Path) -> None:
    """Write ``rows`` (each with a ``geometry``) as ``<name>_<points|lines|polygons>`` layers."""
    if not rows:
        return
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    dims = gdf.geometry.apply(dimension)
    for dim, suffix in DIMENSION_NAMES.items():
        part = gdf[dims == dim]
        if part.empty:
            continue
        # promote to multi-part so single and multi geometries share one layer type
        part = part.assign(geometry=to_multi(part.geometry))
        part.to_file(path, layer=f"{name}_{suffix}", driver="GPKG", engine="pyogrio")


def _project_rows(results: Sequence[ScreeningResult], lang: str) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(results, start=1):
        p = r.project
        rows.append({"index": i, "name": p.name, "type": p.type, "county": p.county or "", "verdict": r.verdict,
                     "verdict_label": verdict_label(r.verdict, lang),
                     "area_m2": p.area_m2, "length_m": p.length_m, "conflicts": len(r.conflicts),
                     "input_crs": p.input_crs, "work_crs": p.work_crs, "geometry": p.geometry})
    return rows


def _overlap_rows(results: Sequence[ScreeningResult], lang: str) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(results, start=1):
        for c in r.conflicts:
            if c.overlap_geometry is None:
                continue
            rows.append({"project_index": i, "project": r.project.name, "layer": c.layer, "feature": c.feature,
                         "zone": c.zone or "", "relation": c.relation, "overlap_area_m2": c.overlap_area_m2,
                         "overlap_pct": c.overlap_pct, "overlap_length_m": c.overlap_length_m,
                         "verdict": c.verdict, "verdict_label": verdict_label(c.verdict, lang), "rule_id": c.rule_id,
                         "condition": c.condition, "basis": c.basis, "confidence": c.confidence,
                         "legal_status": c.legal_status, "geometry": c.overlap_geometry})
    return rows


def _zone_rows(results: Sequence[ScreeningResult], zones: ReportZones) -> list[dict[str, Any]]:
    wanted: dict[tuple[str, int], list[int]] = {}
    for i, r in enumerate(results, start=1):
        for c in r.conflicts:
            if c.feature_id >= 0:
                wanted.setdefault((c.layer, c.feature_id), []).append(i)
    rows = []
    with catalog_of(zones.store) as catalog:
        zone_fields = {lid: spec.zone_field for lid, spec in catalog.layers.items()}
    for (layer_id, fid), projects in sorted(wanted.items()):
        gdf = zones.features(layer_id, [fid])
        if gdf is None or gdf.empty:
            continue
        rec = gdf.iloc[0]
        field = zone_fields.get(layer_id)
        rows.append({"layer": layer_id, "feature_id": fid, "name": str(rec.get("name", "")),
                     "zone": str(rec[field]) if field and field in rec and pd.notna(rec[field]) else "",
                     "legal_status": str(rec.get("legal_status", "")), "source": str(rec.get("source", "") or ""),
                     "projects": ",".join(str(p) for p in sorted(set(projects))), "geometry": rec.geometry})
    return rows


def write_gpkg(results: Sequence[ScreeningResult], out: Path, *, lang: str = "zh",
               store: StoreLike | None = None, zones: ReportZones | None = None) -> None:
    """Write the GeoPackage to ``out`` (replaced if it exists)."""
    lang = check_lang(lang)
    out = Path(out)
    if out.exists():
        out.unlink()
    zones = zones if zones is not None else ReportZones.for_results(results, store=store)
    _split_write(_project_rows(results, lang), "project", out)
    _split_write(_zone_rows(results, zones), "zones_hit", out)
    _split_write(_overlap_rows(results, lang), "overlap", out)
    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    info = [("report_no", report_number(results)), ("generated_at", results[0].generated_at),
            ("zones", scrub_paths(results[0].data.zones)), ("zones_sha256", results[0].data.sha256),
            ("legal_force", ILLUSTRATIVE_MARK[lang] if illustrative else t("official_data", lang))]
    info += [(str(k), str(v)) for k, v in sorted(results[0].parameters.items())]
    table = pd.DataFrame(info, columns=["key", "value"])
    pyogrio.write_dataframe(table, out, layer="report_info", driver="GPKG")
    # Opens styled in QGIS: projects and overlaps by verdict, zones hit in the palette's colours.
    style_report(out, catalog=report_catalog())


def render_gpkg(results: Sequence[ScreeningResult], *, lang: str = "zh", store: StoreLike | None = None,
                zones: ReportZones | None = None) -> bytes:
    """The GeoPackage as bytes (written through a temporary file: SQLite needs a file)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screening.gpkg"
        write_gpkg(results, path, lang=lang, store=store, zones=zones)
        return path.read_bytes()
