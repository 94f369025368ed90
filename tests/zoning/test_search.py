"""The search box's reading of what a planner types (zoning.search.find_site).

Expected positions come from pyproj (an independent tool) converting the same metres; the
zoom from the tile arithmetic by hand (a 256 px tile spans 360/2^z degrees of longitude).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from gis.errors import InputError
from zoning import search
from zoning.search import Found, find_site, zoom_for_bounds

TOWNS = gpd.GeoDataFrame({"name": ["Pingjiang"], "name_zh": ["平江"], "county_name": ["平江县"], "prefecture_name": ["岳阳市"]},
                         geometry=[Point(113.58, 28.70)], crs="EPSG:4490")  # fmt: skip
DIVISIONS = gpd.GeoDataFrame({"name": ["平江县", "岳阳市"], "prefecture": ["岳阳市", ""], "level": ["县级", "地级"]},
                             geometry=[box(113.2, 28.4, 114.1, 29.1), box(112.3, 28.4, 114.2, 29.9)], crs="EPSG:4490")  # fmt: skip
NORTHING, EASTING = 3_082_300.0, 391_650.0  # about 112.9°E, 27.85°N in the 114°E zone


def test_survey_metres_with_their_zone_number_are_read_in_that_zone() -> None:
    """X = 3082300, Y = 38391650 (zone 38 written in the easting, as survey drawings do)."""
    lon, lat = Transformer.from_crs("EPSG:4526", "EPSG:4490", always_xy=True).transform(38_000_000 + EASTING, NORTHING)
    (hit,) = find_site(f"{NORTHING:.0f}, {38_000_000 + EASTING:.0f}", towns=TOWNS)
    assert hit.kind == "coords" and hit.is_point
    assert (hit.lon, hit.lat) == pytest.approx((lon, lat), abs=1e-7)
    assert hit.note is not None and "第 38 带" in hit.note.zh and "EPSG:4526" in hit.note.zh


def test_plain_metres_need_the_zone_and_are_read_in_the_zone_chosen() -> None:
    typed = f"{EASTING:.0f}, {NORTHING:.0f}"
    with pytest.raises(InputError) as info:
        find_site(typed, towns=TOWNS)
    assert "不带带号" in str(info.value.zh) and "114°E" in str(info.value.zh)
    lon, lat = Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True).transform(EASTING, NORTHING)
    (hit,) = find_site(typed, towns=TOWNS, crs="EPSG:4547")
    assert (hit.lon, hit.lat) == pytest.approx((lon, lat), abs=1e-7)


def test_degrees_and_two_pairs() -> None:
    (hit,) = find_site("112.94, 27.83", towns=TOWNS)
    assert (hit.lon, hit.lat, hit.note) == (112.94, 27.83, None)
    with pytest.raises(InputError) as info:
        find_site("112.94, 27.83\n112.95, 27.84", towns=TOWNS)
    assert "只接受一对坐标" in str(info.value.zh)


def test_a_county_is_found_before_its_town_and_shows_its_extent() -> None:
    hits = find_site("平江", towns=TOWNS, divisions=DIVISIONS)
    assert [h.kind for h in hits] == ["county", "town"]
    assert hits[0].label == "平江县（岳阳市）" and hits[0].bounds == (113.2, 28.4, 114.1, 29.1)
    assert find_site("岳阳市", towns=TOWNS, divisions=DIVISIONS)[0].kind == "prefecture"
    assert find_site("县", towns=TOWNS, divisions=DIVISIONS) == []  # a bare suffix finds nothing


def test_a_report_number_is_recognised_and_found_once_a_finder_exists(monkeypatch) -> None:
    monkeypatch.setattr(search, "_REPORT_FINDERS", [])
    with pytest.raises(InputError) as info:
        find_site("ezs-20261206-0a1b2c3d", towns=TOWNS)
    assert "报告编号 EZS-20261206-0A1B2C3D" in str(info.value.zh) and "尚未启用" in str(info.value.zh)
    site = Found("示范项目", 112.9, 27.85, "report")
    search.register_report_finder(lambda number: site if number == "EZS-20261206-0A1B2C3D" else None)
    assert find_site("EZS-20261206-0a1b2c3d", towns=TOWNS) == [site]
    with pytest.raises(InputError) as info:
        find_site("EZS-20261206-ffffffff", towns=TOWNS)
    assert "未在已保存的筛查记录中找到" in str(info.value.zh)


def test_an_empty_search_is_a_message() -> None:
    with pytest.raises(InputError) as info:
        find_site("  ", towns=TOWNS)
    assert str(info.value.zh).startswith("查询内容为空")


def test_the_zoom_shows_the_whole_extent() -> None:
    """1° of longitude in 700 px: 2^z tiles of 256 px over 360° must fit, 2^z <= 984 -> z = 9."""
    assert zoom_for_bounds((112.0, 27.9, 113.0, 27.91), width_px=700, height_px=480) == 9
    assert zoom_for_bounds((112.9, 27.85, 112.9, 27.85)) == 18  # a point: the closest zoom
