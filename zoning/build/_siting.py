"""Recipes for the second-round illustrative layers of the embedded store (RULES.md "New
layers"): compliant parks at their real towns, wetlands on the real Dongting outlines,
Xiangtan's named nature parks, aquatic germplasm reserves on named river reaches, the
Dongting lake shore for the shoreline layer, and the empty-but-declared layers.

Every feature gets ``legal_status`` 示意 and a ``source`` saying where its placement comes
from; ``data/illustrative/zones.yaml`` holds the recipes and ``data/README.md`` explains
them. Geometry is built in the feature's Gauss-Kruger zone and returned in EPSG:4490.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gis.crs import STORAGE_CRS
from gis.errors import RuleConfigError
from zoning.build import _illustrations as il

__all__ = [
    "ILLUSTRATIVE",
    "county_name",
    "industrial_parks",
    "wetlands",
    "nature_parks",
    "fish_germplasm",
    "lake_shores",
    "empty_layer",
]

ILLUSTRATIVE = "示意"


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, columns=[*columns, "geometry"], geometry="geometry", crs=STORAGE_CRS)


def county_name(base: il.Base, adcode: str) -> str:
    return str(base.counties.loc[base.counties["adcode"] == str(adcode), "name"].iloc[0])


def _offset(point: Point, east_m: float, north_m: float) -> Point:
    """``point`` moved ``east_m`` / ``north_m`` in its GK zone."""
    crs = il.crs_for(point)
    p = il.to_work(point, crs)
    return il.to_ll(Point(p.x + east_m, p.y + north_m), crs)


# --- compliant industrial parks ---------------------------------------------------------


def industrial_parks(base: il.Base, specs: Sequence[Mapping[str, Any]], *, avoid: BaseGeometry, version: str) -> gpd.GeoDataFrame:
    """Parks as discs around their real town points (optionally moved), within their
    county, minus ``avoid`` (the water-source zones and red line: parks are not drawn
    over them)."""
    rows = []
    for s in specs:
        town = il.town(base, s["town"], s["county"])
        east, north = (float(v) for v in s.get("offset_m", (0.0, 0.0)))
        centre = _offset(town, east, north) if (east or north) else town
        area = il.county(base, s["county"])
        geom = il.nonempty(il.disc(centre, float(s["radius_m"])).intersection(area).difference(avoid))
        moved = f"向东{east:.0f} m、向北{north:.0f} m处" if (east or north) else ""
        how = (
            f"示意：以GeoNames地名“{s['town']}”（{county_name(base, s['county'])}）{moved}为中心、半径{float(s['radius_m']):.0f} m"
            f"（本工具取值）的圆，限于县域内并扣除水源保护区和生态保护红线；园区名称、级别为真实信息，范围非园区批复四至。{s.get('note', '')}"
        )
        rows.append(
            {
                "name": s["name"], "level": s["level"], "chemical": "是" if s.get("chemical") else "否",
                "geometry": geom, "source": how.strip(), "legal_status": ILLUSTRATIVE, "version": version,
            }
        )  # fmt: skip
    return _frame(rows, ("name", "level", "chemical", "source", "legal_status", "version"))


# --- wetlands ------------------------------------------------------------------------


def wetlands(base: il.Base, specs: Sequence[Mapping[str, Any]], *, version: str) -> gpd.GeoDataFrame:
    """Wetlands on the real GSHHG lake outlines (the water surface only)."""
    rows = []
    for s in specs:
        water = il.lake(base, s["lake_id"])
        how = (
            f"示意：以GSHHG湖泊水面（lake_id {s['lake_id']}）为范围，未含湖洲、滩地和周边湿地；{s['why']}；非湿地名录公布边界"
        )
        rows.append(
            {"name": s["name"], "importance": s["importance"], "geometry": water, "source": how,
             "legal_status": ILLUSTRATIVE, "version": version}
        )  # fmt: skip
    return _frame(rows, ("name", "importance", "source", "legal_status", "version"))


# --- nature parks --------------------------------------------------------------------


def _park_in_box(s: Mapping[str, Any]) -> tuple[BaseGeometry, str]:
    w, south, e, n = (float(v) for v in s["bbox"])
    centre = Point((w + e) / 2, (south + n) / 2)
    geom = il.disc_of_area(centre, float(s["area_ha"]) / 100)
    how = (
        f"以公开资料所载地理坐标范围（东经{w:.4f}°–{e:.4f}°、北纬{south:.4f}°–{n:.4f}°）的中心为圆心、"
        f"面积取公布数{s['area_ha']}公顷的圆"
    )
    return geom, how


def _park_along_river(base: il.Base, s: Mapping[str, Any]) -> tuple[BaseGeometry, str]:
    """The river's corridor inside the county, upstream of a point ``from_town_m`` upstream
    (along the line) of a town."""
    lines = il.river(base, s["river"])
    line = shapely.union_all(lines.geometry.values)
    if line.geom_type != "LineString":
        msg = f"data/illustrative/zones.yaml: river {s['river']!r} is not one line; cannot measure along it"
        raise RuleConfigError(msg)
    crs = il.crs_for(line)
    work, town = il.to_work(line, crs), il.to_work(il.town(base, s["town"], s["county"]), crs)
    end = max(work.project(town) - float(s["from_town_m"]), 0.0)
    reach = substring(work, 0.0, end)
    band = reach.buffer(float(s["half_width_m"]), quad_segs=16, cap_style="flat")
    geom = il.to_ll(band, crs).intersection(il.county(base, s["county"]))
    how = (
        f"以{s['river']}（GSHHG河线，按流经地识别）在{county_name(base, s['county'])}境内、GeoNames地名“{s['town']}”"
        f"沿河上游{float(s['from_town_m']) / 1000:.0f} km以外的河段两侧各{float(s['half_width_m']):.0f} m（本工具取值）为范围"
    )
    return geom, how


def _park_at_county(base: il.Base, s: Mapping[str, Any]) -> tuple[BaseGeometry, str]:
    area = il.county(base, s["county"])
    centre = shapely.point_on_surface(area)
    geom = il.disc(centre, float(s["radius_m"])).intersection(area)
    how = f"位置仅知在{county_name(base, s['county'])}：以县域内部代表点为圆心、半径{float(s['radius_m']):.0f} m（本工具取值）的圆"
    return geom, how


def nature_parks(base: il.Base, specs: Sequence[Mapping[str, Any]], *, version: str) -> gpd.GeoDataFrame:
    """Named nature parks placed from what is known of their location (see each recipe)."""
    rows = []
    for s in specs:
        if "bbox" in s:
            geom, how = _park_in_box(s)
        elif "river" in s:
            geom, how = _park_along_river(base, s)
        else:
            geom, how = _park_at_county(base, s)
        text = f"示意：{how}；{s['where']}；非自然公园批复边界"
        rows.append(
            {"name": s["name"], "kind": s["kind"], "level": s["level"], "geometry": il.nonempty(geom), "source": text,
             "legal_status": ILLUSTRATIVE, "version": version}
        )  # fmt: skip
    return _frame(rows, ("name", "kind", "level", "source", "legal_status", "version"))


# --- aquatic germplasm reserves --------------------------------------------------------


def fish_germplasm(
    base: il.Base, specs: Sequence[Mapping[str, Any]], *, widths: Mapping[str, float], version: str
) -> gpd.GeoDataFrame:
    """Named reserves as the river's illustrative water corridor within their prefecture."""
    rows = []
    for s in specs:
        lines = shapely.union_all(il.river(base, s["river"]).geometry.values)
        width = float(widths[s["river"]])
        counties = base.counties[base.counties["prefecture"] == s["prefecture"]]
        if counties.empty:
            msg = f"data/illustrative/zones.yaml: prefecture {s['prefecture']!r} is not in data/base/admin_counties.geojson"
            raise RuleConfigError(msg)
        within = shapely.union_all(counties.geometry.values)
        geom = il.corridor(lines, width).intersection(within)
        how = (
            f"示意：{s['river']}示意水域（GSHHG河线两侧各{width / 2:.0f} m）在{s['prefecture']}境内的全部河段；"
            f"保护区名称为真实信息（{s['named_in']}），实际保护河段与功能分区未获得，全段按{s['zone']}示意"
        )
        rows.append(
            {"name": s["name"], "zone": s["zone"], "geometry": il.nonempty(geom), "source": how,
             "legal_status": ILLUSTRATIVE, "version": version}
        )  # fmt: skip
    return _frame(rows, ("name", "zone", "source", "legal_status", "version"))


# --- the Dongting lake shore (shoreline layer) ---------------------------------------------


def lake_shores(base: il.Base, spec: Mapping[str, Any], *, version: str) -> list[dict[str, Any]]:
    """Shoreline features of the Dongting lake outlines: distances are measured from the
    polygon's edge, the (assumed) shore."""
    rows = []
    for item in spec.get("lakes", []):
        rows.append(
            {
                "name": item["name"],
                "river": spec["lake_river"],
                "rank": spec["lake_rank"],
                "legal_status": ILLUSTRATIVE,
                "source": f"示意：GSHHG 2.3.7 湖泊水面（lake_id {item['lake_id']}）的边界作为湖岸线，距离自该边界量算；"
                "非岸线保护与利用规划划定的岸线",
                "version": version,
                "geometry": il.lake(base, item["lake_id"]),
            }
        )
    return rows


# --- layers shipped empty -----------------------------------------------------------------


def empty_layer(fields: Sequence[str]) -> gpd.GeoDataFrame:
    """An empty polygon layer with the catalogue's fields: declared, holding no data."""
    return gpd.GeoDataFrame({f: pd.Series(dtype="object") for f in fields}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS), crs=STORAGE_CRS)
