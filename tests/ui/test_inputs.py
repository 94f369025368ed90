"""Input helpers without Streamlit: drawings to Projects, sizes; the page's place examples are found."""

from __future__ import annotations

import pytest

from gis.errors import GeometryError, InputError
from tests.ui.conftest import GK, lonlat
from ui.inputs import drawing_to_features, measure, read_drawing, read_typed, to_projects


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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_suggested_in_the_search_box_is_found(lang: str) -> None:
    """The search box's examples (places and coordinates) must work on the shipped base data."""
    import re

    from ui.cache import get_divisions, get_towns
    from ui.i18n import tr
    from zoning.search import find_site

    text = re.split(r"如 |e\.g\. ", tr("search.placeholder", lang))[-1]
    places = [e for e in re.split(r"[、,，]\s*", text) if e and not re.search(r"\d", e)]
    assert len(places) >= 2
    towns, divisions = get_towns(), get_divisions()
    assert {e: bool(find_site(e, towns=towns, divisions=divisions)) for e in places} == {e: True for e in places}
    coords = re.search(r"\d+\.\d+, \d+\.\d+", text)
    assert coords and find_site(coords.group(0), towns=towns)[0].kind == "coords"
