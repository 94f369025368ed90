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


def test_downtown_changsha_has_no_water_source_conflict(store):
    # 五一广场, central Changsha (芙蓉区), about 1.3 km east of the Xiang
    (result,) = screen([Project("五一广场住宅", "residential", Point(112.977, 28.196))], store)
    assert conflicts(result, "water_source") == []
    assert result.verdict == "clear"
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
    assert set(result.coverage.outside) == set(store.layer_ids) - {"admin"}


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
