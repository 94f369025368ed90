"""Reproduce ``data/base/`` from the team's reference copy of the Hunan base geography.

Run once, by hand, when the reference data changes (the product never runs it and never
reads the reference directory at run time)::

    .venv/bin/python data/base/prepare_base.py /work/shared/data

What it does (``data/README.md`` documents each output file):

* counties: the 122 county-level units at the source's full resolution, trimmed to the
  fields the product uses; a display copy simplified as a *coverage* (shared borders stay
  shared, so no slivers or overlaps appear between neighbours, unlike a per-polygon
  simplification), and prefectures and the province dissolved from that display copy so
  all three display layers line up exactly;
* rivers: the GSHHG full-resolution lines, with ``name_zh`` filled in where the line is
  identified (by overlap with the named Natural Earth centrelines, or by location for the
  Zi, which Natural Earth lacks; by course for the Li 澧水 and the Lian 涟水: the one line
  that passes the towns of the river's course in order), each named line checked to run
  downstream;
* lakes, GeoNames towns, the Chang-Zhu-Tan tri-junction: copied, fields trimmed.

Output is GeoJSON in EPSG:4326 with 6-decimal coordinates (about 0.1 m), deterministic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

OUT_DIR = Path(__file__).resolve().parent
#: GEOS coverage simplification tolerance for the display copies, in degrees. Measured
#: against the full-resolution borders: maximum deviation about 500 m, median about 170 m.
DISPLAY_TOLERANCE_DEG = 0.002
#: A GSHHG line takes a Natural Earth river's name when at least this share of its length
#: lies within NAME_MATCH_M of that river's Natural Earth centreline.
NAME_MATCH_SHARE = 0.9
NAME_MATCH_M = 3000.0
#: Lines more than half within this distance of the Dongting lake polygons (>= 100 km2)
#: are lake channels, not named river reaches.
LAKE_CHANNEL_M = 5000.0
#: Named lines at least this long have their flow direction checked and recorded.
FLOW_CHECK_MIN_KM = 20.0
METRIC_CRS = "EPSG:4545"  # CGCS2000 3-degree GK, CM 111E: only used to measure here

NE_NAMES = {"湘江": "Xiang", "沅江": "Yuan", "长江": "Yangtze"}
#: Lines identified by location rather than by Natural Earth overlap. Each: the reference
#: point the line must pass within ``max_m`` of, the minimum line length, and why.
LOCATED = {
    "资江": {
        "name_en": "Zi",
        "near_lonlat": (112.3473, 28.5694),  # GeoNames "Heshan" = 益阳 city seat
        "max_m": 5000.0,
        "min_length_km": 300.0,
        "why": "the long class-3 line passing Yiyang (益阳), Anhua and Shaoyang; GSHHG has no names",
    },
}
#: Lines identified by their course: the one unnamed line (at least ``min_length_km`` long)
#: that passes within ``max_m`` of every town of the river's course, reaching them in this
#: order along the line (which also shows it is digitised downstream). Town points are the
#: GeoNames ones (towns_geonames.geojson: romanised name, then the county it lies in).
BY_COURSE = {
    "澧水": {
        "name_en": "Li",
        "towns": (
            ("Liyuan 桑植县", (110.1590, 29.4004)),
            ("Zhangjiajie 永定区", (110.4783, 29.1294)),
            ("Cili 慈利县", (111.1306, 29.4265)),
            ("Chujiang 石门县", (111.3680, 29.5840)),
            ("Liyang 澧县", (111.7502, 29.6448)),
            ("Jinshi 津市市", (111.8701, 29.6049)),
        ),
        "max_m": 5000.0,
        "min_length_km": 200.0,
        "why": "the line passing 桑植、张家界、慈利、石门、澧县、津市 in this order (the Li's course, west to east into Dongting)",
    },
    "涟水": {
        "name_en": "Lian",
        "towns": (
            ("Lianyuan 涟源市", (111.6642, 27.6883)),
            ("Loudi 娄星区", (111.9944, 27.7344)),
            ("Xiangxiang 湘乡市", (112.5333, 27.7333)),
            ("Xiangtan 岳塘区", (112.9000, 27.8500)),
        ),
        "max_m": 5000.0,
        "min_length_km": 150.0,
        "why": "the line passing 涟源、娄底、湘乡 in this order and joining the Xiang at 湘潭 (the Lian's course)",
    },
}
#: The eastern distributary of the lower Xiang past the Xiangyin county seat.
XIANGYIN_SEAT = (112.8786, 28.6821)  # GeoNames "Wenxing" 文星 = 湘阴县 seat
#: GSHHG line ends are not snapped to each other (65 m and 157 m gaps here).
BRANCH_JOIN_M = 500.0


def _write(gdf: gpd.GeoDataFrame, name: str) -> None:
    path = OUT_DIR / name
    path.unlink(missing_ok=True)
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": 6, "RFC7946": "NO"})
    print(f"{name}: {len(gdf)} features, {path.stat().st_size / 1e6:.2f} MB")


def _round(geoms: np.ndarray) -> np.ndarray:
    return shapely.set_precision(geoms, 1e-6)


def prepare_admin(src: Path) -> None:
    counties = gpd.read_file(src / "admin/hunan_counties.geojson")
    counties = counties[["adcode", "name", "level", "prefecture", "focus", "area_km2", "geometry"]].copy()
    counties["prefecture_adcode"] = counties["adcode"].str[:4] + "00"
    counties = counties.sort_values("adcode").reset_index(drop=True)
    if not shapely.coverage_is_valid(counties.geometry.values):
        msg = "the source counties are not a valid coverage; cannot simplify them as one"
        raise SystemExit(msg)
    _write(counties, "admin_counties.geojson")

    display = counties.copy()
    display["geometry"] = _round(shapely.coverage_simplify(counties.geometry.values, DISPLAY_TOLERANCE_DEG))
    _write(display, "admin_counties_display.geojson")

    pref = display.dissolve(by=["prefecture_adcode", "prefecture"], as_index=False)[
        ["prefecture_adcode", "prefecture", "geometry"]
    ]
    pref = pref.rename(columns={"prefecture_adcode": "adcode", "prefecture": "name"})
    pref["level"] = "市"
    _write(pref.sort_values("adcode").reset_index(drop=True), "admin_prefectures_display.geojson")

    prov = gpd.GeoDataFrame(
        {"adcode": ["430000"], "name": ["湖南省"], "level": ["省"]},
        geometry=[shapely.union_all(display.geometry.values)],
        crs=display.crs,
    )
    _write(prov, "admin_province_display.geojson")


def _name_by_ne(gshhg_m: gpd.GeoDataFrame, ne_m: gpd.GeoDataFrame, lakes_m: gpd.GeoDataFrame) -> pd.Series:
    names = pd.Series([None] * len(gshhg_m), index=gshhg_m.index, dtype=object)
    rivers = ne_m[ne_m["featurecla"] == "River"]  # not the centrelines drawn through lakes
    # Natural Earth carries the Yuan's name on through Dongting Lake to the Yangtze; GSHHG
    # channels lying mostly in or by the big lakes are lake channels and stay unnamed.
    big_lakes = shapely.union_all(lakes_m[lakes_m["area_km2"] >= 100].geometry.values).buffer(LAKE_CHANNEL_M)
    in_lake = gshhg_m.geometry.intersection(big_lakes).length / gshhg_m.geometry.length > 0.5
    for name_zh in NE_NAMES:
        zone = shapely.union_all(rivers[rivers["name_zh"] == name_zh].geometry.values).buffer(NAME_MATCH_M)
        share = gshhg_m.geometry.intersection(zone).length / gshhg_m.geometry.length
        names[(share >= NAME_MATCH_SHARE) & ~in_lake] = name_zh
    return names


_NAMES_EN = {**NE_NAMES, **{k: v["name_en"] for k, v in LOCATED.items()}, **{k: v["name_en"] for k, v in BY_COURSE.items()}}


def _line_by_course(gshhg_m: gpd.GeoDataFrame, names: pd.Series, name_zh: str, spec: dict) -> int:
    """The one unnamed line of at least ``min_length_km`` passing within ``max_m`` of each
    town of ``spec['towns']`` and reaching them in order along the line."""
    towns = gpd.GeoSeries([Point(xy) for _, xy in spec["towns"]], crs="EPSG:4326").to_crs(METRIC_CRS)
    found = []
    for i, line in gshhg_m.geometry.items():
        if names[i] is not None or line.length < spec["min_length_km"] * 1000:
            continue
        if max(line.distance(t) for t in towns) > spec["max_m"]:
            continue
        along = [line.project(t) for t in towns]
        if all(a < b for a, b in zip(along, along[1:], strict=False)):
            found.append(i)
    if len(found) != 1:
        msg = f"could not identify {name_zh} by its course: {len(found)} candidate lines {found}"
        raise SystemExit(msg)
    return int(found[0])


def prepare_rivers(src: Path) -> None:
    gshhg = gpd.read_file(src / "hydro/gshhg_rivers_hunan.geojson")
    ne = gpd.read_file(src / "hydro/ne_rivers_hunan.geojson")
    lakes_m = gpd.read_file(src / "hydro/gshhg_lakes_hunan.geojson").to_crs(METRIC_CRS)
    gshhg_m, ne_m = gshhg.to_crs(METRIC_CRS), ne.to_crs(METRIC_CRS)
    names = _name_by_ne(gshhg_m, ne_m, lakes_m)
    named_by = names.map(lambda n: None if n is None else f"与Natural Earth {n}中心线重合≥90%（3 km内）")

    for name_zh, spec in LOCATED.items():
        ref = gpd.GeoSeries([Point(spec["near_lonlat"])], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
        dist = gshhg_m.distance(ref).where(gshhg_m.length >= spec["min_length_km"] * 1000)
        idx = dist.idxmin()
        if dist[idx] > spec["max_m"] or names[idx] is not None:
            msg = f"could not identify {name_zh}: nearest candidate is {dist[idx]:.0f} m away"
            raise SystemExit(msg)
        names[idx] = name_zh
        named_by[idx] = f"按位置识别：{spec['why']}"

    for name_zh, spec in BY_COURSE.items():
        idx = _line_by_course(gshhg_m, names, name_zh, spec)
        names[idx] = name_zh
        named_by[idx] = f"按流经地识别：{spec['why']}"

    # The lower Xiang splits around Xiangyin; the branch past the county seat joins the
    # identified Xiang line at both ends (within BRANCH_JOIN_M).
    xiang = shapely.union_all(gshhg_m.geometry[names == "湘江"].values)
    seat = gpd.GeoSeries([Point(XIANGYIN_SEAT)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    idx = gshhg_m.distance(seat).where(names.isna()).idxmin()
    line = gshhg_m.geometry[idx]
    ends_on_xiang = all(Point(line.coords[i]).distance(xiang) < BRANCH_JOIN_M for i in (0, -1))
    if not ends_on_xiang:
        msg = "the Xiangyin branch does not join the Xiang line at both ends"
        raise SystemExit(msg)
    names[idx] = "湘江"
    named_by[idx] = "按位置识别：湘阴县城旁的湘江东支，两端与湘江干流线相接"

    # Named lines must run downstream (source -> mouth): the delineation relies on it.
    # Each of these rivers ends further north-east than it starts (Xiang, Zi, Yuan flow to
    # Dongting Lake, the Yangtze leaves Hunan eastwards), which we check rather than assume.
    # Short pieces (side channels, bits clipped at the border) can meander either way
    # locally, so their direction stays unknown.
    flow = pd.Series([None] * len(gshhg), index=gshhg.index, dtype=object)
    for i in names.dropna().index:
        if gshhg["length_km"][i] < FLOW_CHECK_MIN_KM:
            continue
        (x0, y0), (x1, y1) = gshhg.geometry[i].coords[0], gshhg.geometry[i].coords[-1]
        if (x1 - x0) + (y1 - y0) <= 0:
            msg = f"GSHHG line {i} ({names[i]}) is not digitised downstream"
            raise SystemExit(msg)
        flow[i] = "along"

    out = gpd.GeoDataFrame(
        {
            "gshhg_id": np.arange(len(gshhg), dtype="int32"),
            "name_zh": names.values,
            "name_en": names.map(lambda n: None if n is None else _NAMES_EN[n]).values,
            "named_by": named_by.values,
            # 'along' = digitised in the flow direction (checked above); unknown otherwise.
            "flow": flow.values,
            "gshhg_class": gshhg["gshhg_class"].astype("int32").values,
            "class_desc": gshhg["class_desc"].values,
            "length_km": gshhg["length_km"].values,
        },
        geometry=gshhg.geometry.values,
        crs=gshhg.crs,
    )
    _write(out, "rivers_gshhg.geojson")
    _write(ne[["name_zh", "name_en", "featurecla", "scalerank", "geometry"]], "rivers_ne.geojson")


def prepare_lakes_places(src: Path) -> None:
    lakes = gpd.read_file(src / "hydro/gshhg_lakes_hunan.geojson")
    lakes = lakes.rename(columns={"name_ne": "name_en"})[["name_zh", "name_en", "area_km2", "geometry"]]
    lakes.insert(0, "lake_id", np.arange(len(lakes), dtype="int32"))
    _write(lakes, "lakes_gshhg.geojson")
    ne_lakes = gpd.read_file(src / "hydro/ne_lakes_hunan.geojson")
    _write(ne_lakes[["name", "name_zh", "featurecla", "scalerank", "geometry"]], "lakes_ne.geojson")

    places = gpd.read_file(src / "places/geonames_places_hunan.geojson")
    cols = ["geonameid", "name", "name_zh", "name_zh_all", "population", "county_adcode", "county_name", "prefecture_name"]
    _write(places[[*cols, "geometry"]].sort_values("geonameid").reset_index(drop=True), "towns_geonames.geojson")

    tri = gpd.read_file(src / "derived/czt_tri_junction.geojson")
    _write(tri[["name", "counties_meeting", "counties_within_15km", "geometry"]], "czt_tri_junction.geojson")


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        msg = "usage: prepare_base.py SHARED_DATA_DIR   (e.g. /work/shared/data)"
        raise SystemExit(msg)
    src = Path(argv[0])
    prepare_admin(src)
    prepare_rivers(src)
    prepare_lakes_places(src)


if __name__ == "__main__":
    main(sys.argv[1:])
