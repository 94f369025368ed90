"""The folium maps as objects (ui.components.build_map) — never through a browser."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass

import folium
import folium.plugins
import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from tests.ui.conftest import GK, ORIGIN
from ui.components import (
    HUNAN_BOUNDS,
    LayerMeta,
    MapPoint,
    OnlineTiles,
    build_map,
    display_tolerance_deg,
    to_display_geojson,
    zone_layer_view,
)
from ui.offline import asset_urls, external_urls, localise
from ui.styles import verdict_colour


def _html(m: folium.Map) -> str:
    """The rendered page, with the JSON \\uXXXX escapes of embedded strings decoded."""
    page = m.get_root().render()
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), page)


def _children(m: folium.Map, cls: type) -> list:
    out = []

    def walk(el):
        if isinstance(el, cls):
            out.append(el)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    return out


def test_default_map_loads_only_local_assets() -> None:
    m = build_map(draw=True)
    assert external_urls(m) == []
    page = _html(m)
    srcs = re.findall(r"""<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']""", page)
    assert srcs, "the rendered map should load Leaflet from somewhere"
    assert all(s.startswith("/app/static/") for s in srcs), srcs
    urls = asset_urls()
    assert urls["leaflet_js"] in srcs and urls["draw_js"] in srcs and urls["font_css"] in srcs


def test_no_tile_layer_unless_the_user_opts_in() -> None:
    assert _children(build_map(), folium.TileLayer) == []
    osm = _children(build_map(online=OnlineTiles(osm=True)), folium.TileLayer)
    assert [t.tiles for t in osm] == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    tdt = _children(build_map(online=OnlineTiles(tianditu_key="abc123")), folium.TileLayer)
    assert len(tdt) == 2 and all("tk=abc123" in t.tiles and "tianditu.gov.cn" in t.tiles for t in tdt)


def test_localise_refuses_a_plugin_that_would_load_from_a_cdn() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="would load from outside the app"):
        localise(m)


def test_draw_toolbar_and_its_chinese_texts() -> None:
    m = build_map(draw=True, lang="zh")
    assert len(_children(m, folium.plugins.Draw)) == 1
    page = _html(m)
    assert "绘制面（用地范围）" in page and "L.drawLocal" in page
    assert "Draw a polygon (site area)" in _html(build_map(draw=True, lang="en"))
    assert _children(build_map(draw=False), folium.plugins.Draw) == []


def test_illustrative_notice_is_on_the_map_itself() -> None:
    assert "示意数据，不具法律效力" in _html(build_map(illustrative=True))
    assert "示意数据，不具法律效力" not in _html(build_map(illustrative=False))


def _zone_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["一级区", "二级区"], "grade": ["一级", "二级"], "legal_status": ["示意", "法定"]},
        geometry=[box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + 1000, ORIGIN[1] + 1000),
                  box(ORIGIN[0] - 3000, ORIGIN[1], ORIGIN[0] - 2000, ORIGIN[1] + 1000)],
        crs=GK,
    )  # fmt: skip


def test_zone_layer_is_reprojected_to_lonlat_and_legend_lists_grades() -> None:
    view = zone_layer_view(_zone_gdf(), layer_id="water_source", title="饮用水水源保护区", zone_field="grade", legal_status="混合")
    feats = view.geojson["features"]
    assert [f["properties"]["_fid"] for f in feats] == [0, 1]
    lon, lat = feats[0]["geometry"]["coordinates"][0][0]
    assert 112.8 < lon < 113.0 and 27.8 < lat < 27.9  # ORIGIN is about 112.9°E 27.85°N
    page = _html(build_map(zones=[view]))
    assert "饮用水水源保护区" in page and "一级" in page and "二级" in page
    # 一级's swatch: the palette's water-source fill #a6cee3 taken 40 % toward its edge #1f5fa8
    # (= #70a2cb, see tests/zoning/test_styles.py) at the zones' opacity 0.7
    assert "rgba(112,162,203,0.7)" in page


def test_display_simplification_drops_invisible_detail_only() -> None:
    """A circle of 2,000 vertices and 10 km radius, simplified for the province view, keeps
    its shape within the tolerance with far fewer vertices. Douglas-Peucker moves the
    outline by at most the tolerance d, so the symmetric difference is at most
    perimeter x d = 2πr·d, i.e. a share 2d/r of the area πr²."""
    circle = Point(ORIGIN).buffer(10_000, quad_segs=500)
    gdf = gpd.GeoDataFrame({"name": ["圆"]}, geometry=[circle], crs=GK)
    tol = display_tolerance_deg(HUNAN_BOUNDS)
    assert tol == pytest.approx(max(114.26 - 108.78, 30.13 - 24.64) / 1500)
    full = to_display_geojson(gdf, columns=["name"])
    simple = to_display_geojson(gdf, columns=["name"], tolerance_deg=tol)
    n_full = len(full["features"][0]["geometry"]["coordinates"][0])
    n_simple = len(simple["features"][0]["geometry"]["coordinates"][0])
    assert n_full > 1900 and n_simple < n_full / 10
    a = shapely.geometry.shape(full["features"][0]["geometry"])
    b = shapely.geometry.shape(simple["features"][0]["geometry"])
    d_m = tol * 111_000  # a degree of latitude; a degree of longitude is shorter
    assert a.symmetric_difference(b).area / a.area < 2 * d_m / 10_000


def test_clip_to_view_keeps_only_features_in_the_window() -> None:
    gdf = _zone_gdf().to_crs("EPSG:4490")
    first = gdf.geometry.iloc[0].bounds
    out = to_display_geojson(gdf, columns=["name"], clip_bounds=first)
    assert [f["properties"]["name"] for f in out["features"]] == ["一级区"]


@dataclass
class _Conflict:
    """The parts of zoning.model.Conflict the result map reads."""

    verdict: str = "prohibited"
    layer: str = "water_source"
    feature: str = "一级区"
    zone: str = "一级"
    feature_id: int = 0
    overlap_geometry: Polygon | None = None


@dataclass
class _Project:
    geometry: Polygon


@dataclass
class _Result:
    project: _Project
    conflicts: tuple


def _site(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A rectangle given in metres from ORIGIN, in lon/lat."""
    return gpd.GeoSeries([box(ORIGIN[0] + x0, ORIGIN[1] + y0, ORIGIN[0] + x1, ORIGIN[1] + y1)], crs=GK).to_crs(4490).iloc[0]


def test_result_map_highlights_project_overlap_and_conflicting_zone() -> None:
    from ui.components import _HtmlControl, result_map

    zones = _zone_gdf()
    conflict = _Conflict(overlap_geometry=_site(900, 100, 1000, 200))
    m = result_map(_Result(_Project(_site(900, 100, 1100, 200)), (conflict,)), layers={"water_source": zones},
                   meta={"water_source": LayerMeta("饮用水水源保护区", "grade", "混合")})  # fmt: skip
    page = _html(m)
    assert "重叠部分" in page and "拟建项目" in page
    assert verdict_colour("prohibited") == "#c62828" and "#c62828" in page and "#d50000" in page
    assert "示意数据，不具法律效力" in page  # the zones shown are not all 法定
    # The legend explains what is drawn on top of the zones.
    legend = next(c.content for c in _children(m, _HtmlControl) if c.css_class == "ez-legend")
    assert "拟建项目" in legend and "重叠部分" in legend and "冲突的保护区" in legend
    # The map opens on the 200 m x 100 m site (400 m around it), not on the 3 km margin
    # the zones are prepared for.
    (south, west), (north, east) = next(iter(_children(m, folium.FitBounds))).bounds
    assert (east - west) * 111_000 * 0.884 == pytest.approx(200 + 2 * 400, rel=0.05)


def test_a_zone_several_rules_hit_is_outlined_in_its_worst_verdicts_colour() -> None:
    """The farm's 禁养区 is hit by LIV02 (review) after LIV01 (prohibited) in the engine's
    order; the outline drawn last, on top, must be the prohibited red, not the review blue."""
    from ui.components import result_map

    result = _Result(_Project(_site(100, 100, 200, 200)), (_Conflict("prohibited"), _Conflict("review")))
    m = result_map(result, layers={"water_source": _zone_gdf()},
                   meta={"water_source": LayerMeta("饮用水水源保护区", "grade", "法定")})  # fmt: skip
    outlines = [g for g in _children(m, folium.GeoJson) if g.layer_name == "冲突的保护区"]
    colours = [g.style_function(g.data["features"][0] if "features" in g.data else g.data)["color"] for g in outlines]
    assert colours == [verdict_colour("review"), verdict_colour("prohibited")]


def test_points_and_verdict_legend() -> None:
    m = build_map(points=[MapPoint(112.9, 27.85, verdict_colour("clear"), "1. 项目甲 — 不涉及")], verdict_legend=True)
    assert len(_children(m, folium.CircleMarker)) == 1
    page = _html(m)
    assert "项目甲" in page and "有条件准入" in page  # the verdict legend


def test_line_and_point_projects_draw() -> None:
    for geom in (LineString([(112.9, 27.85), (112.95, 27.86)]), Point(112.9, 27.85)):
        assert "拟建项目" in _html(build_map(project=geom))


def test_dense_layer_is_drawn_as_an_embedded_picture(monkeypatch) -> None:
    """Above VECTOR_LIMIT features a layer becomes one PNG (a data URL: no request leaves
    the app). Ten 1 km squares 3 km apart along a row; the picture is coloured at a
    square's centre and transparent half-way between two squares."""
    import base64
    import io

    import numpy as np
    import rasterio
    from pyproj import Transformer

    import ui.components as components

    monkeypatch.setattr(components, "VECTOR_LIMIT", 5)
    squares = [box(ORIGIN[0] + 3000 * i, ORIGIN[1], ORIGIN[0] + 3000 * i + 1000, ORIGIN[1] + 1000) for i in range(10)]
    gdf = gpd.GeoDataFrame({"name": [f"区{i}" for i in range(10)], "grade": ["一级"] * 10, "legal_status": ["法定"] * 10},
                           geometry=squares, crs=GK)  # fmt: skip
    to_ll = Transformer.from_crs(GK, "EPSG:4326", always_xy=True)
    west, south = to_ll.transform(ORIGIN[0] - 2000, ORIGIN[1] - 2000)
    east, north = to_ll.transform(ORIGIN[0] + 31_000, ORIGIN[1] + 3000)
    view = zone_layer_view(gdf, layer_id="water_source", title="水源", zone_field="grade", legal_status="法定",
                           bounds=(west, south, east, north))  # fmt: skip
    assert view.image is not None and view.geojson["features"] == [] and view.values == ("一级",)
    url, (s, w, n, e) = view.image
    assert url.startswith("data:image/png;base64,") and (s, w, n, e) == (south, west, north, east)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)  # a plain picture
        png = rasterio.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    with png:
        rgba = png.read()
        height, width = png.height, png.width
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_merc.transform([west, east], [south, north])

    def pixel(dx: float, dy: float) -> np.ndarray:
        lon, lat = to_ll.transform(ORIGIN[0] + dx, ORIGIN[1] + dy)
        x, y = to_merc.transform(lon, lat)
        col = int((x - x0) / (x1 - x0) * width)
        row = int((y1 - y) / (y1 - y0) * height)
        return rgba[:, row, col]

    # 一级's shade (#70a2cb, see tests/zoning/test_styles.py), opaque: the zone pane gives the opacity
    assert list(pixel(500, 500)) == [0x70, 0xA2, 0xCB, 255]
    assert pixel(2000, 500)[3] == 0  # between squares 0 and 1: transparent
    m = build_map(zones=[view])
    assert len(_children(m, folium.raster_layers.ImageOverlay)) == 1
    assert external_urls(m) == []
    assert "一级" in _html(m)  # the legend still lists the grades


def test_scale_bar_is_metric_only() -> None:
    page = _html(build_map())
    assert "L.control.scale({imperial: false" in page and "L.control.scale()" not in page


def test_english_legend_names_the_grades_in_english() -> None:
    gdf = gpd.GeoDataFrame({"name": ["甲", "乙"], "grade": ["一级", "准保护区"], "legal_status": ["示意", "示意"]},
                           geometry=[box(*ORIGIN, ORIGIN[0] + 500, ORIGIN[1] + 500),
                                     box(ORIGIN[0] + 600, ORIGIN[1], ORIGIN[0] + 900, ORIGIN[1] + 300)], crs=GK)  # fmt: skip
    view = zone_layer_view(gdf, layer_id="water_source", title="Drinking-water source protection zone",
                           zone_field="grade", legal_status="示意")  # fmt: skip
    english = _html(build_map(lang="en", zones=[view]))
    assert "Grade I<" in english and "Quasi-protection zone<" in english
    chinese = _html(build_map(lang="zh", zones=[view]))
    assert "一级<" in chinese and "Grade I" not in chinese


def test_the_first_view_is_fitted_without_an_animation() -> None:
    """Leaflet drops a setView that comes while it animates a zoom: a search answered in the
    map's first moments moved the marker but not the map (seen on a phone-sized window)."""
    html = build_map(lang="zh", bounds=(112.0, 27.0, 113.0, 28.0)).get_root().render()
    fits = re.findall(r"\.fitBounds\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)", html, flags=re.S)
    assert len(fits) == 1 and json.loads(fits[0][0]) == [[27.0, 112.0], [28.0, 113.0]]
    assert json.loads(fits[0][1]) == {"animate": False}
