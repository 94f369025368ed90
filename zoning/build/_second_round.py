"""The second-round layers of the embedded store and where every illustrative layer holds
data (zoning.build.build_data calls these after the first-round layers).

* ``siting_layers``: compliant parks, wetlands, nature parks, aquatic germplasm reserves
  (``zoning.build._siting``) and the layers shipped empty (``empty_layers`` of the recipe);
* ``coverage_records``: per layer, the counties it was drawn for (``layers.coverage``), so a
  project elsewhere is told "该图层在此处无数据" rather than a silent clear; an empty layer
  records an empty coverage (it covers nothing);
* ``control_units``: the illustrative 环境管控单元 of the covered counties
  (``zoning.build.control_units``);
* ``access_list``: the illustrative 生态环境准入清单 from ``data/illustrative/access_list.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from shapely.geometry.base import BaseGeometry

from gis.errors import RuleConfigError
from layers.coverage import LayerCoverage
from zoning.build import _illustrations as il
from zoning.build import _siting as st
from zoning.build._delineation_params import load_delineation_params
from zoning.build.control_units import UnitGroup, derive_units
from zoning.build.noraise import load_noraise_params, town_parts

__all__ = ["siting_layers", "layer_counties", "coverage_records", "control_units", "access_list", "unit_counties", "EMPTY_FIELDS", "PROVINCE"]

PROVINCE = "430000"
#: Fields of the layers shipped empty (the catalogue's, in its order).
EMPTY_FIELDS = {
    "basic_farmland": ("name",),
    "urban_boundary": ("name",),
    "public_forest": ("level", "grade", "name"),
}
ACCESS_FIELDS = ("scope", "dimension", "text", "applies_to", "verdict", "basis", "confidence")


def _union(frames: Iterable[gpd.GeoDataFrame]) -> BaseGeometry:
    geoms = [g for f in frames for g in f.geometry if g is not None and not g.is_empty]
    return shapely.union_all(geoms) if geoms else shapely.Polygon()


def siting_layers(base: il.Base, spec: Mapping[str, Any], layers: Mapping[str, gpd.GeoDataFrame], version: str) -> dict[str, gpd.GeoDataFrame]:
    """Parks, wetlands, nature parks, germplasm reserves and the empty layers."""
    ws = layers["water_source"]
    avoid = _union([ws[ws["grade"].isin(["一级", "二级"])], layers["eco_redline"]])
    widths = load_delineation_params().river_width_m
    out = {
        "industrial_park": st.industrial_parks(base, spec["industrial_park"], avoid=avoid, version=version),
        "wetland": st.wetlands(base, spec["wetland"], version=version),
        "nature_park": st.nature_parks(base, spec["nature_park"], version=version),
        "fish_germplasm": st.fish_germplasm(base, spec["fish_germplasm"], widths=widths, version=version),
    }
    for lid in spec["empty_layers"]:
        out[lid] = st.empty_layer((*EMPTY_FIELDS[lid], "legal_status", "source", "version"))
    return out


# --- coverage -------------------------------------------------------------------------------


def _counties_of(base: il.Base, geom: BaseGeometry, min_m2: float) -> tuple[str, ...]:
    """Adcodes of the counties holding at least ``min_m2`` of ``geom`` (county order)."""
    if geom.is_empty:
        return ()
    counties = base.counties
    hits = counties.sindex.query(geom, predicate="intersects")
    out = []
    for i in sorted(hits):
        row = counties.iloc[int(i)]
        part = il.nonempty(row.geometry.intersection(geom))
        if not part.is_empty and il.area_m2(part) >= min_m2:
            out.append(str(row["adcode"]))
    return tuple(sorted(out))


def layer_counties(base: il.Base, layers: Mapping[str, gpd.GeoDataFrame], spec: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Per drawn layer, the counties it holds data in (see the recipe's ``coverage``)."""
    cov = spec["coverage"]
    min_m2 = float(cov["min_km2"]) * 1e6
    out: dict[str, tuple[str, ...]] = {}
    for lid, gdf in layers.items():
        if lid in ("admin", "access_clause", "env_control_unit", "livestock_zone", "water_intake") or lid in spec["empty_layers"]:
            continue
        if "__v" in lid:
            continue
        geom = _union([gdf])
        if lid == "shoreline":
            geom = _reach(geom, float(cov["shoreline_reach_m"]))
        out[lid] = (PROVINCE,) if lid in cov["province_wide"] else _counties_of(base, geom, min_m2)
    out["water_intake"] = out["water_source"]
    out["livestock_zone"] = tuple(sorted({c for lid in cov["livestock_from"] for c in out[lid]}))
    return out


def _reach(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    crs = il.crs_for(geom)
    return il.to_ll(il.to_work(geom, crs).buffer(distance_m, quad_segs=8), crs)


_NOTES = {
    "shoreline": "示意岸线：湘、资、沅、澧四水干流、长江和洞庭湖湖岸所经县区（要素1 km范围内）；其他河流未绘",
    "livestock_zone": "示意禁养区：水源、风景名胜区、自然保护区示意范围所在县区（城镇部分全省绘制，其余县区缺水源等部分）",
    "green_heart": "长株潭生态绿心全省仅此一处，示意范围已全部绘出",
}


def coverage_records(base: il.Base, spec: Mapping[str, Any], counties: Mapping[str, tuple[str, ...]]) -> list[LayerCoverage]:
    """One record per layer of the store except ``admin`` and the access list (``counties``
    from ``layer_counties``, the control units' own included)."""
    names = dict(zip(base.counties["adcode"], base.counties["name"], strict=True))
    records = []
    for lid, codes in sorted(counties.items()):
        where = "全省" if codes == (PROVINCE,) else "、".join(names[c] for c in codes)
        note = _NOTES.get(lid, "示意数据，仅在这些县区绘制" if lid != "env_control_unit" else "示意管控单元，仅在这些县区推导")
        records.append(LayerCoverage(lid, codes, None, f"{note}：{where}" if lid != "green_heart" else note))
    for lid, why in sorted(spec["empty_layers"].items()):
        # No codes and no extent: the layer covers nothing (layers.coverage), so every result
        # says "no data for this layer here" instead of treating the empty layer as checked.
        records.append(LayerCoverage(lid, (), None, f"内置数据不含此图层（空图层）：{why}"))
    return records


# --- control units ----------------------------------------------------------------------------


def unit_counties(spec: Mapping[str, Any], counties: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    recipe = spec["env_control_unit"]
    codes = {c for lid in recipe["counties_from"] for c in counties.get(lid, ()) if c != PROVINCE}
    return tuple(sorted(codes | {str(c) for c in recipe.get("also_counties", [])}))


def control_units(
    base: il.Base, spec: Mapping[str, Any], layers: Mapping[str, gpd.GeoDataFrame], codes: Sequence[str], version: str
) -> gpd.GeoDataFrame:
    """The units of the counties ``codes`` (``unit_counties``)."""
    recipe = spec["env_control_unit"]
    ws = layers["water_source"]
    towns = _union_parts(town_parts(base.towns, params=load_noraise_params()))
    groups = [
        UnitGroup("优先保护单元", "生态保护红线及自然保护地", _union([layers[lid] for lid in recipe["priority_ecological"]])),
        UnitGroup("优先保护单元", "饮用水水源保护区", _union([ws[ws["grade"].isin(recipe["priority_water_grades"])]])),
        UnitGroup("重点管控单元", "产业园区", _union([layers["industrial_park"]])),
        UnitGroup("重点管控单元", "城镇生活", towns),
    ]
    for g in groups:
        shapely.prepare(g.geometry)
    counties = base.counties[base.counties["adcode"].isin(codes)]
    units = derive_units(counties, groups, min_area_m2=float(recipe["min_unit_km2"]) * 1e6)
    units["legal_status"] = st.ILLUSTRATIVE
    units["version"] = version
    units["source"] = [_unit_source(row) for _, row in units.iterrows()]
    return units.drop(columns=["adcode"])


def _union_parts(parts: Sequence[Any]) -> BaseGeometry:
    return shapely.union_all(np.array([p.geometry for p in parts], dtype=object))


_UNIT_METHOD = {
    "生态保护红线及自然保护地": "县域内生态保护红线、自然保护区、风景名胜区、重要湿地、自然公园和水产种质资源保护区示意范围的合并",
    "饮用水水源保护区": "县域内饮用水水源一级、二级保护区示意范围中未划入上一优先保护单元的部分",
    "产业园区": "县域内合规园区示意范围中未划入优先保护单元的部分",
    "城镇生活": "县域内城镇建成区示意范围（GeoNames城镇点按人口分级取半径，同禁养区推导）中未划入上述单元的部分",
    "一般管控区": "县域内其余部分",
}


def _unit_source(row: pd.Series) -> str:
    return (
        f"示意：按本工具方法由示意图层推导（{_UNIT_METHOD[row['subtype']]}）；各单元无缝无叠覆盖全县，"
        "编码按ZH+县级行政区划代码+类别码+序号的公布格式编排；非生态环境分区管控方案批复的管控单元"
    )


# --- access list ----------------------------------------------------------------------------------


def access_list(path: Path, unit_codes: Iterable[str], version: str) -> pd.DataFrame:
    """The illustrative access list (a table without geometry), in file order.

    Raises
    ------
    RuleConfigError
        If the file cannot be read or a unit clause names a code the units do not have.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read the illustrative access list: {err}"
        raise RuleConfigError(msg) from err
    rows = list((data or {}).get("clauses", []))
    known = set(unit_codes)
    bad = sorted({str(r["scope"]) for r in rows if str(r["scope"]).startswith("ZH") and str(r["scope"]) not in known})
    if bad:
        msg = f"{path}: clauses name unit codes the derived units do not have: {', '.join(bad)}"
        raise RuleConfigError(msg)
    frame = pd.DataFrame(
        [{f: (str(r[f]) if r.get(f) is not None else None) for f in (*ACCESS_FIELDS, "source")} for r in rows]
    )
    frame["legal_status"] = st.ILLUSTRATIVE
    frame["version"] = version
    return frame
