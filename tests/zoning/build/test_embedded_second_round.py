"""The second-round layers of the embedded store: control units that partition their counties
(Ziyang 2/2/1 as its plan says), the access list, parks, wetlands, nature parks, germplasm
reserves, the 澧水 and Dongting shore, the empty layers and every layer's coverage, and the
Yiyang source drawn from its registered parameters compared with the published areas.

Expected values are computed here from the base files and hand-typed published figures,
independently of zoning.build (areas on the GRS80 ellipsoid with pyproj.Geod, or in the GK
zone through pyproj).
"""

from __future__ import annotations

import re
import sqlite3
from itertools import combinations

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import Point

from gis.crs import work_crs_for
from layers.coverage import read_coverage
from layers.paths import DATA_DIR, DEFAULT_STORE

_GEOD = pyproj.Geod(ellps="GRS80")


def geodesic_m2(geom) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0])


def layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(DEFAULT_STORE, layer=name)


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return layer("env_control_unit")


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return layer("admin").set_index("adcode")


def test_ziyang_has_2_priority_2_key_and_1_general_unit_as_its_plan_says(units):
    ziyang = units[units["code"].str.startswith("ZH430902")].sort_values("code")
    assert list(ziyang["code"]) == ["ZH43090210001", "ZH43090210002", "ZH43090220001", "ZH43090220002", "ZH43090230001"]
    assert list(ziyang["category"]) == ["优先保护单元"] * 2 + ["重点管控单元"] * 2 + ["一般管控单元"]
    assert list(ziyang["subtype"]) == ["生态保护红线及自然保护地", "饮用水水源保护区", "产业园区", "城镇生活", "一般管控区"]
    assert ziyang["name"].str.startswith("资阳区").all() and ziyang["name"].str.endswith("（示意）").all()


def test_unit_codes_follow_the_published_pattern(units, counties):
    digit = {"优先保护单元": "1", "重点管控单元": "2", "一般管控单元": "3"}
    for _, unit in units.iterrows():
        m = re.fullmatch(r"ZH(\d{6})([123])(\d{4})", unit["code"])
        assert m, unit["code"]
        assert m.group(2) == digit[unit["category"]]
        # the adcode in the code is the county the unit lies in
        county = counties.geometry[m.group(1)]
        assert county.buffer(1e-6).contains(unit.geometry), unit["code"]
    assert units["code"].is_unique


def test_units_cover_each_county_without_gaps_or_overlaps(units, counties):
    """Official unit sets partition a county: union = county, pairwise overlaps of area 0."""
    for adcode, group in units.groupby(units["code"].str[2:8]):
        county = counties.geometry[adcode]
        crs = work_crs_for(tuple(county.bounds))
        county_gk = gpd.GeoSeries([county], crs="EPSG:4490").to_crs(crs).iloc[0]
        pieces = list(group.to_crs(crs).geometry)
        union = shapely.union_all(pieces)
        # Stored coordinates sit on a 1e-7° grid (about 1 cm): where a unit border meets the
        # county border, the meeting point moves by up to a centimetre. Nothing more may differ.
        assert union.symmetric_difference(county_gk).area < 0.01 * county_gk.length, adcode
        assert sum(p.area for p in pieces) == pytest.approx(county_gk.area, rel=1e-6), adcode
        for a, b in combinations(pieces, 2):
            assert a.intersection(b).area < 1e-6, adcode  # shared borders only


def test_units_are_drawn_where_the_other_illustrative_layers_are(units):
    codes = set(units["code"].str[2:8])
    coverage = read_coverage(DEFAULT_STORE)
    assert set(coverage["env_control_unit"].adcodes) == codes
    for lid in ("water_source", "nature_reserve", "scenic_area", "eco_redline", "industrial_park", "wetland", "nature_park"):
        assert set(coverage[lid].adcodes) <= codes, lid
    assert {"430902", "430603", "430781", "430381"} <= codes  # 资阳区, 云溪区, 津市市, 湘乡市


def test_priority_units_hold_the_red_line_and_water_sources(units, counties):
    """In 资阳区 the red-line unit contains the district's red line and the water-source unit
    the grade-1 zones not already in it."""
    red = layer("eco_redline").set_index("name").geometry["资阳区生态保护红线（示意）"]
    eco_unit = units.set_index("code").geometry["ZH43090210001"]
    assert red.difference(eco_unit.buffer(1e-6)).area < 1e-10
    ws = layer("water_source")
    first = shapely.union_all(ws[ws["grade"] == "一级"].geometry.values).intersection(counties.geometry["430902"])
    priority = shapely.union_all(units.set_index("code").geometry[["ZH43090210001", "ZH43090210002"]].values)
    assert first.difference(priority.buffer(1e-6)).area < 1e-10


def test_every_layer_records_where_it_holds_data():
    coverage = read_coverage(DEFAULT_STORE)
    with sqlite3.connect(DEFAULT_STORE) as conn:
        layers = {r[0] for r in conn.execute("SELECT table_name FROM gpkg_contents")}
    expected = layers - {"admin", "access_clause", "store_history", "layer_coverage", "layer_styles", "green_heart__v1"}
    assert set(coverage) == expected
    # the empty layers cover nothing: results say "no data for this layer here"
    for lid in ("basic_farmland", "urban_boundary", "public_forest"):
        assert coverage[lid].adcodes == () and coverage[lid].extent is None
        assert "空图层" in coverage[lid].note
    assert coverage["green_heart"].adcodes == ("430000",)
    # a layer drawn in a few counties does not claim the province
    assert "430000" not in coverage["water_source"].adcodes
    assert "431122" not in coverage["water_source"].adcodes  # 东安县: no water source drawn there


def test_access_list_marks_what_is_invented_and_cites_the_seeds(units):
    clauses = gpd.read_file(DEFAULT_STORE, layer="access_clause")
    assert set(clauses["legal_status"]) == {"示意"}
    unit_rows = clauses[clauses["scope"].str.startswith("ZH")]
    assert set(unit_rows["scope"]) <= set(units["code"])
    assert unit_rows["basis"].str.contains("示意条款").all()
    assert unit_rows["source"].str.contains("为演示单元自身清单而拟").all()
    general = clauses[~clauses["scope"].str.startswith("ZH")]
    basis = " ".join(general["basis"])
    for cited in ("长江经济带发展负面清单指南", "长江保护法", "关于加强生态环境分区管控的意见", "湖南省\"三线一单\"", "湘潭市"):
        assert cited in basis, cited
    vocs = general[general["scope"] == "湘潭市"].iloc[0]
    assert vocs["text"] == "新建涉VOCs排放的工业企业须入园区" and vocs["verdict"] == "conditional"


def test_parks_sit_at_their_towns_and_only_yunxi_is_a_chemical_park(counties):
    parks = layer("industrial_park").set_index("name")
    assert parks.loc[parks["chemical"] == "是"].index.tolist() == ["岳阳绿色化工高新技术产业开发区（示意）"]
    yunxi = parks.geometry["岳阳绿色化工高新技术产业开发区（示意）"]
    assert yunxi.within(counties.geometry["430603"].buffer(1e-6))  # 云溪区
    assert yunxi.contains(Point(113.2458, 29.4733))  # GeoNames 云溪
    assert parks.geometry["益阳长春经济开发区（示意）"].within(counties.geometry["430902"].buffer(1e-6))
    # not drawn over the water sources or the red line
    ws = layer("water_source")
    protected = shapely.union_all([*ws[ws["grade"].isin(["一级", "二级"])].geometry, *layer("eco_redline").geometry])
    assert all(p.intersection(protected).area < 1e-10 for p in parks.geometry)


def test_dongting_wetlands_are_the_real_lake_outlines():
    wet = layer("wetland").set_index("name")
    lakes = gpd.read_file(DATA_DIR / "base" / "lakes_gshhg.geojson").set_index("lake_id").geometry
    east = wet.geometry["东洞庭湖湿地（示意）"]
    assert wet.loc["东洞庭湖湿地（示意）", "importance"] == "国家重要湿地"
    assert geodesic_m2(east) == pytest.approx(geodesic_m2(lakes[1]), rel=1e-4)
    assert east.symmetric_difference(lakes[1]).area < 1e-8


def test_dongtai_shan_has_its_published_area_at_its_published_place(counties):
    """东台山国家森林自然公园: 341.7 ha, E112°31′00″–112°34′06″, N27°41′16″–27°43′43″ (public descriptions)."""
    parks = layer("nature_park").set_index("name")
    dongtai = parks.geometry["东台山国家森林自然公园（示意）"]
    assert geodesic_m2(dongtai) == pytest.approx(3.417e6, rel=0.005)
    centre = Point((112 + 31 / 60 + 112 + 34 / 60 + 6 / 3600) / 2, (27 + 41 / 60 + 16 / 3600 + 27 + 43 / 60 + 43 / 3600) / 2)
    assert dongtai.contains(centre)
    assert dongtai.within(counties.geometry["430381"])  # 湘乡市
    assert parks.geometry["齐白石省级森林自然公园（示意）"].within(counties.geometry["430321"].buffer(1e-6))  # 湘潭县
    shuifu = parks.geometry["水府庙国家湿地自然公园（示意，湘潭市部分）"]
    assert shuifu.within(counties.geometry["430381"].buffer(1e-6)) and geodesic_m2(shuifu) > 1e7
    assert parks["source"].str.contains("非自然公园批复边界").all()


def test_the_li_river_and_the_dongting_shore_are_in_the_shoreline_layer():
    shore = layer("shoreline").set_index("name")
    assert set(shore["river"]) == {"湘江", "资江", "沅江", "长江", "澧水", "洞庭湖"}
    li = shore[shore["river"] == "澧水"].geometry.iloc[0]
    # the Li passes the towns of its course (GeoNames points typed by hand): 桑植, 张家界, 慈利, 石门, 澧县, 津市
    towns = [(110.1590, 29.4004), (110.4783, 29.1294), (111.1306, 29.4265), (111.3680, 29.5840), (111.7502, 29.6448), (111.8701, 29.6049)]
    crs = "EPSG:4545"  # CGCS2000 GK zone 37, CM 111°E
    li_gk = gpd.GeoSeries([li], crs="EPSG:4490").to_crs(crs).iloc[0]
    for xy in towns:
        assert gpd.GeoSeries([Point(xy)], crs="EPSG:4490").to_crs(crs).iloc[0].distance(li_gk) < 5000, xy
    lakes = gpd.read_file(DATA_DIR / "base" / "lakes_gshhg.geojson").set_index("lake_id").geometry
    dongting = shore[shore["river"] == "洞庭湖"].geometry
    assert sorted(round(geodesic_m2(g) / 1e6) for g in dongting) == sorted(round(geodesic_m2(lakes[i]) / 1e6) for i in (0, 1))
    assert set(shore.loc[shore["river"] == "洞庭湖", "rank"]) == {"湖泊"}


def test_germplasm_reserves_follow_their_named_reaches(counties):
    fish = layer("fish_germplasm").set_index("name")
    xiangtan = shapely.union_all(counties[counties["prefecture"] == "湘潭市"].geometry.values).buffer(1e-6)
    assert fish.geometry["湘江湘潭段野鲤国家级水产种质资源保护区（示意）"].within(xiangtan)
    assert fish["source"].str.contains("实际保护河段与功能分区未获得").all()


# --- the Yiyang city 资江 source from its registered parameters ---------------------------------

PUBLISHED_KM2 = {("一级", "水域"): 0.959, ("一级", "陆域"): 0.233, ("二级", "水域"): 0.84, ("二级", "陆域"): 0.43}


def test_yiyang_source_is_drawn_from_the_registration_table_and_compared_with_it():
    """Drawn from the registered reach (1,000 m above intake 1 to 100 m below intake 2, 50 m
    land; grade 2 a further 2,000 / 200 m, 1,000 m land) on the GSHHG Zi with the 350 m
    illustrative width. Measured against the published areas (2025 build):

    ======  ====  =========  =====  ==========================================================
    grade   part  published  drawn  why they differ
    ======  ====  =========  =====  ==========================================================
    一级    水域  0.959      0.956  the 350 m width happens to match the 5-year flood channel
    一级    陆域  0.233      0.273  no dikes in our data: full 50 m strips
    二级    水域  0.84       0.770  illustrative width narrower than the 10-year flood area
    二级    陆域  0.43       9.57   registered "1,000 m in principle", but the real land stops
                                    at dikes, ridges and roads, which we do not have
    ======  ====  =========  =====  ==========================================================

    The test holds the drawing to what the parameters imply, not to the published numbers.
    """
    ws = layer("water_source")
    yiyang = ws[ws["param_set"] == "yiyang_registered"]
    assert yiyang["source"].str.contains("益阳市第一批集中式饮用水水源保护区登记表").all()
    crs = work_crs_for(tuple(yiyang.total_bounds))
    drawn = {(r["grade"], r["part"]): r.geometry for _, r in yiyang.to_crs(crs).iterrows()}
    assert set(drawn) == set(PUBLISHED_KM2)  # no 准保护区: the table registers none
    km2 = {k: g.area / 1e6 for k, g in drawn.items()}
    # the water parts: within 10 % of the published areas
    assert km2[("一级", "水域")] == pytest.approx(PUBLISHED_KM2[("一级", "水域")], rel=0.10)
    assert km2[("二级", "水域")] == pytest.approx(PUBLISHED_KM2[("二级", "水域")], rel=0.10)
    # the land parts are larger than published: nothing stops them at dikes, ridges or roads
    assert PUBLISHED_KM2[("一级", "陆域")] < km2[("一级", "陆域")] < 1.5 * PUBLISHED_KM2[("一级", "陆域")]
    assert km2[("二级", "陆域")] > 10 * PUBLISHED_KM2[("二级", "陆域")]
    # grade 1 water: the river between the intakes plus 1,000 m up and 100 m down, 350 m wide
    rivers = gpd.read_file(DATA_DIR / "base" / "rivers_gshhg.geojson")
    zi = gpd.GeoSeries([rivers[rivers["name_zh"] == "资江"].geometry.iloc[0]], crs="EPSG:4490").to_crs(crs).iloc[0]
    intakes = [(112 + 19 / 60 + 29.30 / 3600, 28 + 35 / 60 + 12.75 / 3600), (112 + 20 / 60 + 38.48 / 3600, 28 + 35 / 60 + 22.30 / 3600)]
    at = [zi.project(p) for p in gpd.GeoSeries([Point(xy) for xy in intakes], crs="EPSG:4490").to_crs(crs)]
    length = (at[1] - at[0]) + 1000 + 100
    assert zi.intersection(drawn[("一级", "水域")]).length == pytest.approx(length, abs=2.0)
    assert km2[("一级", "水域")] == pytest.approx(length * 350 / 1e6, rel=0.02)
