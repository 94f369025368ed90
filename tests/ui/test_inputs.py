"""Input helpers without Streamlit: drawings to Projects, sizes, place search, zones at a point."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from gis.errors import GeometryError, InputError
from tests.ui.conftest import GK, ORIGIN, lonlat
from ui.inputs import drawing_to_features, measure, read_drawing, read_typed, to_projects
from ui.lookup import find_places, zones_at


def _leaflet_polygon(offsets: list[tuple[float, float]]) -> dict:
    ring = [list(lonlat(*o)) for o in [*offsets, offsets[0]]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_drawn_polygon_becomes_a_project_with_its_area() -> None:
    """A 300 m x 200 m rectangle drawn on the map (Leaflet gives WGS84 lon/lat)."""
    parsed = read_drawing(_leaflet_polygon([(0, 0), (300, 0), (300, 200), (0, 200)]))
    projects = to_projects(parsed, type_key="道路", attributes={"unavoidable": True}, name="测试道路")
    assert len(projects) == 1
    p = projects[0]
    assert (p.name, p.type, dict(p.attributes)) == ("测试道路", "road", {"unavoidable": True})
    assert measure(parsed.geometries_lonlat()).area_m2 == pytest.approx(60_000, abs=0.5)
    assert measure(parsed.geometries_lonlat()).work_crs == GK


def test_drawing_list_takes_every_shape_and_nothing_drawn_is_an_error() -> None:
    a = _leaflet_polygon([(0, 0), (10, 0), (10, 10)])
    line = {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [list(lonlat(0, 0)), list(lonlat(500, 0))]}}
    coll = drawing_to_features([a, line])
    assert [f["geometry"]["type"] for f in coll["features"]] == ["Polygon", "LineString"]
    assert read_drawing(line).notes == ()  # WGS84 from Leaflet is CGCS2000 for screening: nothing to tell
    assert measure(read_drawing(line).geometries_lonlat()).length_m == pytest.approx(500, abs=0.05)
    with pytest.raises(GeometryError, match="nothing was drawn"):
        drawing_to_features([])
    with pytest.raises(GeometryError, match="nothing was drawn"):
        drawing_to_features(None)


def test_typed_points_and_kind_check() -> None:
    text = "\n".join(f"{x:.9f}, {y:.9f}" for x, y in (lonlat(0, 0), lonlat(100, 0)))
    assert len(read_typed(text, crs="EPSG:4490", kind="point").features.gdf) == 2
    assert measure(read_typed(text, crs="EPSG:4490", kind="line").geometries_lonlat()).length_m == pytest.approx(100, abs=0.01)
    with pytest.raises(InputError, match="geometry kind 'circle'"):
        read_typed(text, crs="EPSG:4490", kind="circle")


def test_zones_at_inside_near_and_far() -> None:
    """Square 0..1000 m; points at its middle, 250 m east of its east edge, and 2 km away."""
    zones = gpd.GeoDataFrame(
        {"name": ["方块"], "grade": ["一级"], "legal_status": ["示意"], "source": ["测试"]},
        geometry=[box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 1000, ORIGIN[1] + 1000)], crs=GK,
    ).to_crs("EPSG:4490")  # stored as lon/lat, measured back in metres
    layers = {"water_source": zones}
    inside = zones_at(layers, *lonlat(500, 500), zone_fields={"water_source": "grade"})
    assert [(h.name, h.zone, h.distance_m, h.inside, h.legal_status) for h in inside] == [("方块", "一级", 0.0, True, "示意")]
    near = zones_at(layers, *lonlat(1250, 500), zone_fields={"water_source": "grade"}, near_m=500)
    assert len(near) == 1 and near[0].distance_m == pytest.approx(250, abs=0.2) and not near[0].inside
    assert zones_at(layers, *lonlat(3000, 500), zone_fields={"water_source": "grade"}, near_m=500) == []
    with pytest.raises(InputError, match="not longitude/latitude"):
        zones_at(layers, 391650.0, 3082300.0, zone_fields={})


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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_place_name_suggested_on_the_public_page_is_found(lang: str) -> None:
    """The search box's examples must work on the shipped towns layer."""
    import re

    from ui.cache import get_towns
    from ui.i18n import tr

    examples = [e for e in re.split(r"[、,，]\s*", tr("public.place_placeholder", lang).split("：")[-1].removeprefix("e.g. ")) if e]
    assert len(examples) >= 2
    towns = get_towns()
    assert {e: bool(find_places(towns, e)) for e in examples} == {e: True for e in examples}
