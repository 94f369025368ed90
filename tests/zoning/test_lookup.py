"""The public map's question "is this place in a protected zone?", answered by the engine's indexes."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from gis.errors import InputError
from tests.zoning._engine_support import MemoryStore
from zoning.lookup import find_places, zones_at

GK = "EPSG:4547"
ORIGIN = (391650.0, 3082300.0)  # about 112.9°E, 27.85°N
_TO_LONLAT = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    return _TO_LONLAT.transform(ORIGIN[0] + dx, ORIGIN[1] + dy)


def test_zones_at_inside_near_and_far() -> None:
    """Square 0..1000 m; points at its middle, 250 m east of its east edge, and 2 km away."""
    zones = gpd.GeoDataFrame(
        {"name": ["方块"], "grade": ["一级"], "legal_status": ["示意"], "source": ["测试"]},
        geometry=[box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 1000, ORIGIN[1] + 1000)], crs=GK,
    ).to_crs("EPSG:4490")  # stored as lon/lat, measured back in metres
    store = MemoryStore({"water_source": zones})
    inside = zones_at(store, *lonlat(500, 500))
    assert [(h.name, h.zone, h.distance_m, h.inside, h.legal_status) for h in inside] == [("方块", "一级", 0.0, True, "示意")]
    near = zones_at(store, *lonlat(1250, 500), near_m=500)
    assert len(near) == 1 and near[0].distance_m == pytest.approx(250, abs=0.2) and not near[0].inside
    assert zones_at(store, *lonlat(3000, 500), near_m=500) == []
    with pytest.raises(InputError, match="not longitude/latitude"):
        zones_at(store, 391650.0, 3082300.0)


def test_find_places_exact_chinese_name_first() -> None:
    towns = gpd.GeoDataFrame(
        {"name": ["Xiangtan", "Xiangtan Xian"], "name_zh": ["湘潭县", "湘潭"], "county_name": ["湘潭县", "岳塘区"],
         "prefecture_name": ["湘潭市", "湘潭市"]},
        geometry=gpd.points_from_xy([112.95, 112.94], [27.78, 27.83]), crs="EPSG:4326",
    )  # fmt: skip
    found = find_places(towns, "湘潭")
    assert [label for label, _, _ in found] == ["湘潭（湘潭市·岳塘区）", "湘潭县（湘潭市·湘潭县）"]
    assert find_places(towns, "xiangtan xian")[0][0].startswith("湘潭")
    with pytest.raises(InputError, match="place name is empty"):
        find_places(towns, "  ")


def test_find_places_by_other_chinese_name() -> None:
    """GeoNames lists a county seat under the county and its town (平江县 | 汉昌)."""
    towns = gpd.GeoDataFrame(
        {"name": ["Hanchang"], "name_zh": ["平江县"], "name_zh_all": ["平江县|汉昌"], "county_name": ["平江县"],
         "prefecture_name": ["岳阳市"]},
        geometry=gpd.points_from_xy([113.58], [28.70]), crs="EPSG:4326",
    )  # fmt: skip
    assert [label for label, _, _ in find_places(towns, "汉昌")] == ["平江县（岳阳市·平江县）"]


def test_lookup_and_screen_agree_on_the_default_store() -> None:
    """The public answer and a screening of the same point name the same zone features:
    points inside a water source, a red line, the green heart and a scenic area (each a
    representative point of a shipped feature) and one outside every zone."""
    from shapely.geometry import Point

    from layers.paths import DEFAULT_STORE
    from zoning.engine import screen
    from zoning.model import Project

    points = ((112.88032, 27.8365), (112.985, 29.31937), (113.08081, 27.95314), (112.66196, 27.26398), (113.58, 28.70))
    answered = []
    for lon, lat in points:
        inside = {(h.layer, h.feature_id) for h in zones_at(DEFAULT_STORE, lon, lat, near_m=0) if h.inside}
        result = screen([Project("p", "livestock_farm", Point(lon, lat), {"scale_head": 3000})], DEFAULT_STORE)[0]
        # rows about a feature the project touches (not distances, not "no data here" rows)
        touched = {(c.layer, c.feature_id) for c in result.conflicts if c.relation in ("intersects", "near_boundary")}
        assert touched <= inside
        answered.append(bool(touched))
    assert answered == [True, True, True, True, False]
