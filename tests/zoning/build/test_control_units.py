"""zoning.build.control_units on hand-made geometry: the partition, its order of precedence,
codes and the sliver rule, with areas worked out by hand."""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from zoning.build.control_units import UnitGroup, derive_units, unit_code

GK = "EPSG:4547"  # CGCS2000 GK zone CM 114°E
X0, Y0 = 500_000.0, 3_100_000.0


def lonlat(geom):
    return gpd.GeoSeries([geom], crs=GK).to_crs("EPSG:4490").iloc[0]


def square(x0, y0, x1, y1):
    """A box in metres from the county's south-west corner, densified so that it stays the
    same shape through the round trip to lon/lat."""
    return lonlat(box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1).segmentize(50.0))


@pytest.fixture
def county():
    return gpd.GeoDataFrame({"adcode": ["430902"], "name": ["资阳区"]}, geometry=[square(0, 0, 10_000, 10_000)], crs="EPSG:4490")


def gk_km2(geom) -> float:
    return gpd.GeoSeries([geom], crs="EPSG:4490").to_crs(GK).area.iloc[0] / 1e6


def test_groups_take_what_earlier_groups_left_and_the_rest_is_general(county):
    groups = [
        UnitGroup("优先保护单元", "生态保护红线及自然保护地", square(0, 0, 2_000, 10_000)),  # 20 km²
        UnitGroup("优先保护单元", "饮用水水源保护区", square(1_000, 0, 4_000, 1_000)),  # 3 km², 1 of them red line
        UnitGroup("重点管控单元", "产业园区", square(6_000, 6_000, 8_000, 8_000)),  # 4 km²
        UnitGroup("重点管控单元", "城镇生活", square(7_000, 7_000, 9_000, 9_000)),  # 4 km², 1 of them park
    ]
    units = derive_units(county, groups).set_index("code")
    assert list(units.index) == ["ZH43090210001", "ZH43090210002", "ZH43090220001", "ZH43090220002", "ZH43090230001"]
    areas = {code: gk_km2(g) for code, g in units.geometry.items()}
    expected = {"ZH43090210001": 20.0, "ZH43090210002": 2.0, "ZH43090220001": 4.0, "ZH43090220002": 3.0, "ZH43090230001": 71.0}
    for code, km2 in expected.items():
        assert areas[code] == pytest.approx(km2, rel=1e-4), code
    for a, b in combinations(units.geometry, 2):
        assert a.intersection(b).area == pytest.approx(0.0, abs=1e-15)
    assert shapely.union_all(units.geometry.values).symmetric_difference(county.geometry.iloc[0]).area < 1e-12
    assert units.loc["ZH43090220002", "name"] == "资阳区城镇生活重点管控单元（示意）"
    assert units.loc["ZH43090230001", "name"] == "资阳区一般管控单元（示意）"


def test_a_sliver_is_no_unit_of_its_own_and_stays_general(county):
    groups = [
        UnitGroup("优先保护单元", "饮用水水源保护区", square(0, 0, 2, 1_000)),  # 2,000 m² < 10,000 m²
        UnitGroup("重点管控单元", "产业园区", square(5_000, 5_000, 6_000, 6_000)),
    ]
    units = derive_units(county, groups).set_index("code")
    assert list(units.index) == ["ZH43090220001", "ZH43090230001"]  # no priority unit; serials start at 1
    assert gk_km2(units.geometry["ZH43090230001"]) == pytest.approx(99.0, rel=1e-4)


def test_a_group_outside_the_county_makes_no_unit(county):
    units = derive_units(county, [UnitGroup("重点管控单元", "产业园区", square(20_000, 0, 21_000, 1_000))])
    assert list(units["code"]) == ["ZH43090230001"]


def test_code_pattern():
    assert unit_code("430603", "优先保护单元", 12) == "ZH43060310012"
