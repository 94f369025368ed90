"""ui.map_text and the maps built with it: data reaches a map only as JSON strings shown
with textContent — no folium Tooltip/GeoJsonTooltip (which write HTML), no raw markup in
the page. That the browser then shows the names as text, and runs nothing, is checked in
Chromium (tests/e2e/test_hostile.py)."""

from __future__ import annotations

import json
import re

import folium
import pytest
from shapely.geometry import Point, box

from tests.hostile import HOSTILE, IMG, SCRIPT, TEMPLATE
from tests.ui.conftest import GK, ORIGIN
from ui.components import MapPoint, build_map, zone_layer_view
from ui.map_text import FieldsTooltip, TextTooltip, layer_name


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _hostile_map() -> folium.Map:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"name": list(HOSTILE), "grade": ["一级"] * len(HOSTILE), "legal_status": ["示意"] * len(HOSTILE)},
        geometry=[box(ORIGIN[0] + 200 * i, ORIGIN[1], ORIGIN[0] + 200 * i + 100, ORIGIN[1] + 100) for i in range(len(HOSTILE))],
        crs=GK,
    )
    view = zone_layer_view(gdf, layer_id="water_source", title=IMG, zone_field="grade", legal_status="示意")
    project = gdf.to_crs("EPSG:4490").geometry.iloc[0]
    points = [MapPoint(112.9 + i / 100, 27.8, "#ff0000", name) for i, name in enumerate(HOSTILE)]
    return build_map(
        zones=[view], project=project, conflict_zones=[(project, "prohibited", SCRIPT)], overlaps=[project],
        points=points, illustrative=True, verdict_legend=True,
    )  # fmt: skip


def test_no_html_tooltip_or_popup_is_left_in_a_map() -> None:
    m = _hostile_map()
    kinds = {type(el).__name__ for el in _walk(m)}
    assert not kinds & {"Tooltip", "GeoJsonTooltip", "Popup", "GeoJsonPopup"}, kinds
    assert {"TextTooltip", "FieldsTooltip"} <= kinds


def test_no_hostile_markup_reaches_the_page_source() -> None:
    page = _hostile_map().get_root().render()
    # Strings go into scripts as JSON with < > & ' escaped: no tag can start in the page.
    for needle in ("<img src=x", "<script>alert", "<b>b</b>"):
        assert needle not in page
    # The layer control writes names as HTML: the name arrives escaped, once.
    assert re.search(r'"&lt;img src=x onerror=alert\(1\)&gt;（示意）"|\\u0026lt;img', page)


def test_text_tooltip_and_fields_tooltip_use_text_nodes() -> None:
    marker = folium.CircleMarker([28.0, 113.0]).add_child(TextTooltip(TEMPLATE))
    page = folium.Map().add_child(marker).get_root().render()
    bind = page[page.index(".bindTooltip(") :].split("});")[0]
    # the text is one JSON string (backticks and ${} are inert there), set as textContent
    assert f"div.textContent = {json.dumps(TEMPLATE)};" in bind
    assert "innerHTML" not in bind and bind.count("`") == TEMPLATE.count("`")
    gj = folium.GeoJson({"type": "FeatureCollection", "features": []}).add_child(FieldsTooltip(["name"], ["名称"]))
    page = folium.Map().add_child(gj).get_root().render()
    body = page[page.index(".bindTooltip(") :].split("}, {sticky")[0]
    assert "textContent" in body and "innerHTML" not in body and "`" not in body


def test_fields_tooltip_needs_one_alias_per_field() -> None:
    with pytest.raises(ValueError, match="2 fields but 1 aliases"):
        FieldsTooltip(["a", "b"], ["A"])


def test_layer_name_is_html_escaped() -> None:
    assert layer_name(IMG) == "&lt;img src=x onerror=alert(1)&gt;"
    assert layer_name("生态保护红线") == "生态保护红线"


def test_result_map_point_of_a_project_has_a_text_tooltip() -> None:
    m = build_map(points=[MapPoint(113.0, 28.0, "#ff0000", IMG)], project=Point(113.0, 28.0))
    tips = [el for el in _walk(m) if isinstance(el, TextTooltip)]
    assert [t.text for t in tips].count(IMG) == 1
