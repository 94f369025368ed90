"""Screening real places against the embedded store: sensible verdicts for a planner.

Points are taken from the store's own features or from real places (GeoNames towns,
known coordinates), and the expectations follow RULES.md for the illustrative layers.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from layers.paths import DATA_DIR, DEFAULT_STORE
from zoning.engine import screen
from zoning.model import Project


@pytest.fixture(scope="module")
def store():
    from layers.store import ZoneStore

    return ZoneStore.open(DEFAULT_STORE)


def feature(layer: str, **match: str):
    gdf = gpd.read_file(DEFAULT_STORE, layer=layer)
    for field, value in match.items():
        gdf = gdf[gdf[field] == value]
    assert len(gdf) == 1, (layer, match, len(gdf))
    return gdf.geometry.iloc[0]


def conflicts(result, layer: str) -> list[dict]:
    return [c for c in result.to_dict()["conflicts"] if c["layer"] == layer]


def test_chemical_plant_at_the_xiangtan_intake_is_prohibited(store):
    intake = feature("water_intake", name="湘潭市区湘江取水口（示意）")
    (result,) = screen([Project("湘江边化工厂", "chemical_project", intake)], store)
    assert result.verdict == "prohibited"
    rows = conflicts(result, "water_source")
    first = [c for c in rows if c["zone"] == "一级"]
    assert first and first[0]["verdict"] == "prohibited" and first[0]["rule_id"] == "DWS01"
    assert first[0]["legal_status"] == "示意"
    # and the 1 km chemical rule of the Yangtze Protection Law fires on the Xiang shoreline
    assert any(c["verdict"] == "prohibited" for c in conflicts(result, "shoreline"))
    assert result.to_dict()["project"]["county"] in {"岳塘区", "雨湖区", "湘潭县"}


def test_downtown_changsha_has_no_water_source_conflict_and_is_not_called_clear(store):
    """五一广场, central Changsha (芙蓉区), about 1.3 km east of the Xiang. No zone touches it,
    but the embedded store has no water-source, farmland, urban-boundary or forest data there:
    the answer is "需核实" for those layers (COV01), never a silent "不涉及"."""
    (result,) = screen([Project("五一广场住宅", "residential", Point(112.977, 28.196))], store)
    assert conflicts(result, "water_source") == [c for c in conflicts(result, "water_source") if c["rule_id"] == "COV01"]
    assert result.verdict == "review"
    assert {c.rule_id for c in result.conflicts if c.verdict != "clear"} <= {"COV01", "UB01"}
    assert {"water_source", "basic_farmland", "urban_boundary", "public_forest"} <= set(result.coverage.outside)
    assert "在项目所在地无数据、未能筛查" in result.coverage.statement_zh and "永久基本农田" in result.coverage.statement_zh
    assert result.to_dict()["project"]["county"] == "芙蓉区"


def test_pig_farm_in_a_town_is_a_no_raise_conflict_that_says_why(store):
    (result,) = screen([Project("城区养猪场", "livestock_farm", Point(112.977, 28.196), {"scale_head": 2000})], store)
    rows = conflicts(result, "livestock_zone")
    assert rows and rows[0]["verdict"] == "prohibited" and rows[0]["zone"] == "禁养区"
    assert "长沙城镇建成区" in rows[0]["feature"]


def test_green_heart_core_and_legacy_layer(store):
    tri = gpd.read_file(DATA_DIR / "base" / "czt_tri_junction.geojson").geometry.iloc[0]
    (result,) = screen([Project("绿心工厂", "industrial", tri, {"discharges_pollutants": True})], store)
    rows = conflicts(result, "green_heart")
    assert [c["zone"] for c in rows] == ["核心保护区"]
    assert rows[0]["verdict"] == "prohibited"
    # the 2012 version is kept (green_heart__v1) for as-of screening, not screened today
    assert "green_heart__v1" not in result.to_dict()["data"]["layers"]
    assert len(rows) == 1


def test_road_through_nanyue_scenic_area_is_conditional(store):
    core = feature("scenic_area", name="南岳衡山风景名胜区（示意）", zone="核心景区")
    point = shapely.point_on_surface(core)
    (result,) = screen([Project("景区道路", "road", point)], store)
    rows = conflicts(result, "scenic_area")
    assert rows and rows[0]["verdict"] == "conditional"


def test_coordinates_in_beijing_are_not_clear(store):
    """天安门 (116.3975, 39.9087) lies outside the store's admin layer (Hunan): review
    "超出图层库覆盖范围", no county, every present layer listed as not checked there."""
    (result,) = screen([Project("北京某地", "chemical_project", Point(116.3975, 39.9087))], store)
    assert result.verdict == "review"
    assert [(c.rule_id, c.relation) for c in result.conflicts] == [("COV02", "outside_extent")]
    assert result.conflicts[0].condition.startswith("超出图层库覆盖范围")
    assert result.project.county is None and result.coverage.inside_store is False
    # every screened layer (not the admin layer, not the access-list table) is "not checked here"
    assert set(result.coverage.outside) == set(store.layer_ids) - {"admin", "access_clause"}
    # and Hunan's access lists do not bind a place outside Hunan
    assert result.units == () and result.clauses == ()


def test_livestock_farm_on_the_xiang_in_dongan_gets_no_shl04(store):
    """(111.5159, 26.2954) lies in the illustrative Xiang water polygon in 东安县 (永州市):
    the 500 m Xiang buffer of the Yueyang and Hengyang plans does not apply there."""
    (result,) = screen([Project("东安养殖场", "livestock_farm", Point(111.5159, 26.2954), {"scale_head": 2000})], store)
    assert (result.project.county, result.project.prefecture) == ("东安县", "永州市")
    assert "SHL04" not in [c.rule_id for c in result.conflicts]


def test_livestock_farm_on_the_xiang_in_hengyang_gets_shl04(store):
    """(112.6472, 26.7573) lies in the Xiang water polygon in 珠晖区 (衡阳市): SHL04 review."""
    (result,) = screen([Project("衡阳养殖场", "livestock_farm", Point(112.6472, 26.7573), {"scale_head": 2000})], store)
    assert (result.project.county, result.project.prefecture) == ("珠晖区", "衡阳市")
    (row,) = [c for c in result.conflicts if c.rule_id == "SHL04"]
    assert row.verdict == "review" and row.confidence == "unverified"


# --- second round: the layers that decide siting cases ------------------------------------------


def _li_point_in_jinshi(offset_m: float) -> Point:
    """The point ``offset_m`` from the 澧水 centreline toward the GeoNames 津市 town point
    (111.8701, 29.6049), worked out in GK zone 37 (CM 111°E) from the base river file."""
    rivers = gpd.read_file(DATA_DIR / "base" / "rivers_gshhg.geojson")
    gk = "EPSG:4545"
    li = rivers[rivers["name_zh"] == "澧水"].to_crs(gk).geometry.iloc[0]
    town = gpd.GeoSeries([Point(111.8701, 29.6049)], crs="EPSG:4490").to_crs(gk).iloc[0]
    foot = li.interpolate(li.project(town))
    dx, dy = town.x - foot.x, town.y - foot.y
    scale = offset_m / (dx**2 + dy**2) ** 0.5
    site = Point(foot.x + dx * scale, foot.y + dy * scale)
    assert site.distance(li) == pytest.approx(offset_m, abs=1.0)
    return gpd.GeoSeries([site], crs=gk).to_crs("EPSG:4490").iloc[0]


def test_chemical_plant_in_jinshi_half_a_km_from_the_li_is_prohibited(store):
    """The issue's case: a chemical plant in 津市 0.5 km from the 澧水 was "clear" because the
    shoreline layer had only 湘/资/沅/长江. The 1 km rule of 长江保护法 §26 now fires; the
    distance is measured from the assumed bank (300 m illustrative width: 500 - 150 m)."""
    (result,) = screen([Project("津市化工厂", "chemical_project", _li_point_in_jinshi(500.0))], store)
    assert result.project.county == "津市市"
    (row,) = [c for c in result.conflicts if c.rule_id == "SHL01"]
    assert row.verdict == "prohibited" and "澧水" in row.feature
    assert row.distance_m == pytest.approx(350.0, abs=5.0)
    assert result.verdict == "prohibited"


def test_east_dongting_is_a_nationally_important_wetland(store):
    lakes = gpd.read_file(DATA_DIR / "base" / "lakes_gshhg.geojson")
    inside = shapely.point_on_surface(lakes[lakes["lake_id"] == 1].geometry.iloc[0])
    (result,) = screen([Project("湖区厂房", "industrial", inside)], store)
    (row,) = [c for c in result.conflicts if c.layer == "wetland"]
    assert (row.rule_id, row.verdict, row.zone) == ("WL01", "prohibited", "国家重要湿地")
    assert row.feature == "东洞庭湖湿地（示意）" and row.legal_status == "示意"


def test_a_quarry_in_dongtai_shan_forest_park_is_prohibited_a_road_conditional(store):
    """东台山国家森林自然公园, centre of its published coordinate range (湘乡市)."""
    centre = Point((112 + 31 / 60 + 112 + 34 / 60 + 6 / 3600) / 2, (27 + 41 / 60 + 16 / 3600 + 27 + 43 / 60 + 43 / 3600) / 2)
    quarry, road = screen([Project("采石场", "quarry_sand", centre), Project("景区道路", "road", centre)], store)
    assert [(c.rule_id, c.verdict) for c in quarry.conflicts if c.layer == "nature_park"] == [("NP01", "prohibited")]
    assert [(c.rule_id, c.verdict) for c in road.conflicts if c.layer == "nature_park"] == [("NP02", "conditional")]
    assert quarry.project.county == "湘乡市"


def test_a_site_in_ziyang_lies_in_one_unit_and_gets_its_own_list(store):
    """A point in the 资阳区 park (the illustrative 益阳长春经济开发区): the park unit, 100 %,
    with the province's general list and the unit's own clauses."""
    park = feature("industrial_park", name="益阳长春经济开发区（示意）")
    (result,) = screen([Project("园区工业项目", "industrial", shapely.point_on_surface(park))], store)
    (unit,) = result.units
    assert (unit.code, unit.category, unit.share_pct) == ("ZH43090220001", "重点管控单元", 100.0)
    scopes = [c.scope for c in unit.clauses]
    assert scopes[0] == "省级" and scopes[-2:] == ["ZH43090220001", "ZH43090220001"]
    own = [c for c in unit.clauses if c.scope == "ZH43090220001"]
    assert [(c.dimension, c.verdict, c.origin) for c in own] == [
        ("空间布局约束", "review", "list"),
        ("污染物排放管控", "conditional", "list"),
    ]
    assert all(c.legal_status == "示意" for c in unit.clauses)


def test_chemical_plants_in_yunxi_inside_and_outside_the_chemical_park(store):
    park = feature("industrial_park", name="岳阳绿色化工高新技术产业开发区（示意）")
    inside = shapely.point_on_surface(park)
    outside = Point(113.28, 29.55)  # 云溪区, north of the illustrative park disc
    assert not park.contains(outside)
    a, b = screen([Project("园区内", "chemical_project", inside), Project("园区外", "chemical_project", outside)], store)
    assert b.project.county == a.project.county == "云溪区"
    assert "PARK01" not in [c.rule_id for c in a.conflicts]
    (row,) = [c for c in b.conflicts if c.rule_id == "PARK01"]
    assert row.verdict == "prohibited" and row.relation == "outside" and row.feature == "岳阳绿色化工高新技术产业开发区（示意）"
