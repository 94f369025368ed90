"""Screen page flows by widget key: typed, uploaded and drawn projects, errors, memoisation.

Expected numbers are hand arithmetic on the test store (tests/ui/conftest.py): zones are
squares in the Gauss-Kruger metres the engine measures in; verdicts come from the rule
matrix as written in RULES.md / data/rules.yaml (DWS01: any industrial project in a
grade-1 water-source zone is prohibited; ECO04/ECO03: a road in a general red-line area is
prohibited unless unavoidable, then conditional).
"""

from __future__ import annotations

import json

import pytest

from tests.ui.conftest import coords_text, lonlat, shown
from ui import state


def _verdict(at) -> str | None:
    for md in at.markdown:
        if "ez-verdict" in md.value:
            return md.value.split("data-verdict='")[1].split("'")[0]
    return None


def _conflicts(at):
    """The conflict table (the first dataframe after the verdict)."""
    return at.dataframe[0].value


def _typed(at, offsets, *, kind: str, type_key: str):
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text(offsets)).run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value(kind).run()
    at.selectbox(key=state.SCREEN_TYPE).set_value(type_key).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_typed_polygon_half_in_grade1_water_source_is_prohibited(app) -> None:
    """A 200 m x 100 m site whose western half (100 m x 100 m) lies in the grade-1 zone."""
    at = _typed(app, [(900, 100), (1100, 100), (1100, 200), (900, 200)], kind="polygon", type_key="industrial")
    assert _verdict(at) == "prohibited"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["面积"] == "20,000 m²"  # shown back before screening
    assert metrics["冲突条目"] == "1" and metrics["所在县（市、区）"] == "测试县"
    row = _conflicts(at).iloc[0]
    assert row["规则编号"] == "DWS01" and row["保护区名称"] == "测试一级水源" and row["结论"] == "禁止"
    assert list(_conflicts(at).columns[:4]) == ["结论", "图层", "分区/级别", "保护区名称"]  # visible without scrolling
    assert row["重叠面积（m²）"] == pytest.approx(10_000, abs=0.5)
    assert row["占项目面积（%）"] == pytest.approx(50.0, abs=0.01)
    assert row["数据效力"] == "示意"
    assert any("示意数据，不具法律效力" in w.value for w in at.warning)
    # nearby: the red line 1,900 m east of the site's east edge (x 1100 -> 3000)
    nearby = at.dataframe[1].value
    assert nearby.set_index("保护区名称").loc["测试红线", "距离（m）"] == pytest.approx(1900, abs=0.5)


def test_typed_corners_read_as_a_line_say_how_to_get_a_polygon(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text([(900, 100), (1100, 100), (1100, 200), (900, 200)])).run()
    assert {m.label: m.value for m in at.metric}["识别的图形"] == "线"
    assert any("4 个点" in i.value and "选择“面”" in i.value for i in at.info), [i.value for i in at.info]
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    assert not any("选择“面”" in i.value for i in at.info)


def test_verdict_detail_does_not_repeat_the_grade_the_name_gives(app) -> None:
    at = _typed(app, [(900, 100), (1100, 100), (1100, 200), (900, 200)], kind="polygon", type_key="industrial")
    badge = next(md.value for md in at.markdown if "ez-verdict" in md.value)
    assert "主要依据：饮用水水源保护区 · 测试一级水源</div>" in badge  # not "测试一级水源 一级"


def test_road_through_red_line_depends_on_unavoidable(app) -> None:
    """A 2 km road crossing the 1 km-wide red-line square: 1,000 m inside."""
    at = _typed(app, [(2500, 500), (4500, 500)], kind="line", type_key="road")
    assert _verdict(at) == "prohibited"
    row = _conflicts(at).iloc[0]
    assert row["规则编号"] == "ECO04"
    assert row["线路穿越长度（m）"] == pytest.approx(1000, abs=0.5)
    at.toggle(key=state.attr_key(state.SCREEN_ATTR_PREFIX, "road", "unavoidable")).set_value(True).run()
    assert _verdict(at) == "conditional"
    assert _conflicts(at).iloc[0]["规则编号"] == "ECO03"


def test_typed_dms_point_far_from_zones_is_clear(app) -> None:
    lon, lat = lonlat(-8000, -8000)

    def dms(v: float) -> str:
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        return f"{d}°{m}′{s:.4f}″"

    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(f"{dms(lon)} {dms(lat)}").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert not at.exception
    assert _verdict(at) == "clear"
    assert any("未发现冲突" in s.value for s in at.success)


def test_bad_coordinates_are_a_message_not_a_traceback(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input("112.9, abc").run()
    assert not at.exception
    assert at.error and "abc" in at.error[0].value


def test_gcj02_coordinates_are_converted_and_said_so(app) -> None:
    from gis.crs import wgs84_to_gcj02

    lon, lat = lonlat(500, 500)  # the middle of the grade-1 square
    glon, glat = wgs84_to_gcj02(lon, lat)
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.selectbox(key=state.SCREEN_COORD_CRS).set_value("gcj02").run()
    at.text_area(key=state.SCREEN_COORDS).input(f"{float(glon):.9f}, {float(glat):.9f}").run()
    assert any("GCJ-02" in shown(i.value) for i in at.info), [i.value for i in at.info]
    assert not any("converted" in i.value for i in at.info)  # the note in the page's language only
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert _verdict(at) == "prohibited"  # inside only after the ~600 m GCJ-02 offset is undone


def _geojson_bytes(features: list[tuple[str, list[tuple[float, float]]]]) -> bytes:
    coll = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name},
         "geometry": {"type": "Polygon", "coordinates": [[list(lonlat(*o)) for o in [*offs, offs[0]]]]}}
        for name, offs in features
    ]}  # fmt: skip
    return json.dumps(coll).encode()


def test_uploaded_file_with_two_sites_lets_the_planner_pick_one(app) -> None:
    data = _geojson_bytes([
        ("甲地块", [(-8000, -8000), (-7900, -8000), (-7900, -7900), (-8000, -7900)]),
        ("乙地块", [(100, 100), (300, 100), (300, 300), (100, 300)]),
    ])  # fmt: skip
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("upload").run()
    at.file_uploader(key=state.SCREEN_UPLOAD).set_value(("sites.geojson", data, "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 个要素" in i.value for i in at.info)
    at.selectbox(key=state.SCREEN_FEATURE).set_value(1).run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert _verdict(at) == "prohibited"
    # The project is called by the chosen feature's own name, not the file's.
    assert at.text_input(key=state.SCREEN_NAME).placeholder == "乙地块"
    assert at.session_state[state.SCREEN_RESULT][1][0].project.name == "乙地块"
    row = _conflicts(at).iloc[0]
    assert row["重叠面积（m²）"] == pytest.approx(40_000, abs=1) and row["占项目面积（%）"] == pytest.approx(100, abs=0.01)
    at.selectbox(key=state.SCREEN_FEATURE).set_value(0).run()
    assert _verdict(at) == "clear"


def test_unreadable_upload_is_a_message(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("upload").run()
    at.file_uploader(key=state.SCREEN_UPLOAD).set_value(("broken.geojson", b"{not json", "application/geo+json")).run()
    assert not at.exception
    assert at.error and "broken.geojson" in shown(at.error[0].value)
    assert "/tmp/" not in shown(at.error[0].value)  # the server's temporary folder is not shown


def test_drawn_polygon_is_screened(app) -> None:
    """st_folium cannot be driven by AppTest; the page reads the last drawing from session
    state, exactly as Leaflet.draw returns it (a GeoJSON Feature in WGS84)."""
    ring = [list(lonlat(*o)) for o in [(100, 100), (300, 100), (300, 300), (100, 300), (100, 100)]]
    at = app
    at.session_state[state.SCREEN_DRAWN] = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    at.run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert not at.exception
    assert _verdict(at) == "prohibited"
    assert _conflicts(at).iloc[0]["重叠面积（m²）"] == pytest.approx(40_000, abs=1)
    # Leaflet draws in WGS84, taken as CGCS2000: no note about it (nothing for the planner to check).
    assert not [i.value for i in at.info if "EPSG:4326" in i.value or "坐标系" in i.value]


def test_rerun_does_not_screen_again_unless_the_input_changes(app, monkeypatch) -> None:
    import zoning.engine

    calls = []
    real = zoning.engine.screen

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zoning.engine, "screen", counting)
    at = _typed(app, [(900, 100), (1100, 100), (1100, 200), (900, 200)], kind="polygon", type_key="industrial")
    assert len(calls) == 1
    at.run()
    at.sidebar.radio(key=state.LANG).set_value("en").run()  # a language switch is not a new input
    assert len(calls) == 1
    assert _verdict(at) == "prohibited"
    at.text_input(key=state.SCREEN_NAME).input("新名称").run()
    assert len(calls) == 2


def test_uploaded_geopackage_asks_which_layer(app, tmp_path) -> None:
    """A GeoPackage with two layers: 'far' (a site 8 km away) and 'inside' (in the grade-1 zone)."""
    import geopandas as gpd
    from shapely.geometry import Polygon

    from tests.ui.conftest import GK, ORIGIN

    def site(dx: float, dy: float) -> Polygon:
        x, y = ORIGIN[0] + dx, ORIGIN[1] + dy
        return Polygon([(x, y), (x + 100, y), (x + 100, y + 100), (x, y + 100)])

    path = tmp_path / "sites.gpkg"
    gpd.GeoDataFrame({"name": ["远处"]}, geometry=[site(-8000, -8000)], crs=GK).to_file(path, layer="far")
    gpd.GeoDataFrame({"name": ["水源内"]}, geometry=[site(400, 400)], crs=GK).to_file(path, layer="inside")
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("upload").run()
    at.file_uploader(key=state.SCREEN_UPLOAD).set_value(("sites.gpkg", path.read_bytes(), "application/geopackage+sqlite3")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(at.selectbox(key=state.SCREEN_UPLOAD_LAYER).options) == ["far", "inside"]
    at.selectbox(key=state.SCREEN_UPLOAD_LAYER).set_value("inside").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert _verdict(at) == "prohibited"
    # Gauss-Kruger input is measured as given: a 100 m square is 10,000 m², all of it inside.
    row = _conflicts(at).iloc[0]
    assert row["重叠面积（m²）"] == pytest.approx(10_000, abs=0.5) and row["占项目面积（%）"] == pytest.approx(100, abs=0.01)
    at.selectbox(key=state.SCREEN_UPLOAD_LAYER).set_value("far").run()
    assert _verdict(at) == "clear"


def test_a_files_type_and_head_count_are_carried_into_the_form(app) -> None:
    """A one-farm file with 类型 = 养猪场 and 存栏 = 3000: the form opens with that type and
    3000 head (the planner can still change them), and the farm in the grade-1 zone is
    screened with them."""
    feats = [{"type": "Feature", "properties": {"场名": "一号猪场", "类型": "养猪场", "存栏": 3000},
              "geometry": {"type": "Point", "coordinates": list(lonlat(500, 500))}}]  # fmt: skip
    data = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode("utf-8")
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("upload").run()
    at.file_uploader(key=state.SCREEN_UPLOAD).set_value(("farm.geojson", data, "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=state.SCREEN_TYPE).value == "livestock_farm"
    assert at.number_input(key=state.attr_key(state.SCREEN_ATTR_PREFIX, "livestock_farm", "scale_head")).value == 3000
    assert any("已从文件带入" in c.value and "3000" in c.value and "存栏" in c.value for c in at.caption)
    assert at.session_state[state.SCREEN_RESULT][1][0].project.attributes["scale_head"] == 3000
    assert not any("Session State" in w.value for w in at.warning)  # no "two defaults" complaint from Streamlit


def test_every_zone_within_a_radius_is_listed_when_asked(app) -> None:
    """A point 300 m east of the grade-1 square: within 2,000 m lie the grade-1 zone (300 m)
    and the red line (1,700 m) — the nearby table shows the same two, but only as nearest
    per layer; with 4,000 m the grade-2 square (3,300 m) joins the list."""
    at = _typed(app, [(1300, 500)], kind="point", type_key="industrial")
    assert not any("米范围内的全部管控要素" in s.value for s in at.subheader)
    at.number_input(key=state.SCREEN_WITHIN).set_value(4000).run()
    assert not at.exception, [e.value for e in at.exception]
    heading = next(s.value for s in at.subheader if "米范围内的全部管控要素" in s.value)
    assert heading == "4,000 米范围内的全部管控要素（3 个）"
    table = at.dataframe[-1].value
    assert list(table["保护区名称"]) == ["测试一级水源", "测试红线", "测试二级水源"]
    assert list(table["距离（m）"].round()) == [300, 1700, 3300]


def test_a_project_unlike_its_type_is_screened_with_a_warning_beside_the_verdict(app) -> None:
    """A road typed as one point in the grade-1 zone, then a 70 km x 60 km "chemical project"
    (4,200 km² = 420,000 ha, a county drawn by mistake): each is screened, with a warning
    beside the verdict saying what to check; a usual 2 ha chemical plant gets none."""
    at = _typed(app, [(500, 500)], kind="point", type_key="road")
    assert _verdict(at) is not None
    assert any(w.value.startswith("“道路”通常以线或面表示，本项目为点") for w in at.warning), [w.value for w in at.warning]
    corners = [(-30_000, -30_000), (40_000, -30_000), (40_000, 30_000), (-30_000, 30_000)]
    at = _typed(at, corners, kind="polygon", type_key="chemical_project")
    assert _verdict(at) == "prohibited"  # screened as given: the grade-1 zone lies inside it
    (size,) = [shown(w.value) for w in at.warning if w.value.startswith("项目面积")]
    hectares = float(size.split(" ")[1].replace(",", ""))
    assert hectares == pytest.approx(420_000, rel=1e-3), size
    assert "远大于“化工项目/化工园区”的常见规模（一般不超过 3,000 公顷）" in size and "已照常筛查" in size
    at = _typed(at, [(-5000, -5000), (-4900, -5000), (-4900, -4800), (-5000, -4800)], kind="polygon", type_key="chemical_project")
    assert _verdict(at) is not None and not any("常见规模" in w.value or "通常以" in w.value for w in at.warning)


# --- survey X/Y in a Gauss-Kruger zone -------------------------------------------------------

SITE = [(900, 100), (1100, 100), (1100, 200), (900, 200), (900, 100)]  # half in the grade-1 zone


def _survey_text(*, zone_number: bool) -> str:
    """The site as surveyors write it: X = northing first, Y = easting (EPSG:4547 metres; with
    the zone number the easting gains 38,000,000 m — EPSG:4526's false easting 38,500,000 m
    against 4547's 500,000 m, the two otherwise identical)."""
    from tests.ui.conftest import ORIGIN

    prefix = 38_000_000 if zone_number else 0
    return "\n".join(f"{ORIGIN[1] + dy:.3f}, {ORIGIN[0] + dx + prefix:.3f}" for dx, dy in SITE)


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_crs_choice_offers_the_hunan_zones_by_code_and_name(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    options = at.selectbox(key=state.SCREEN_COORD_CRS).options  # as shown: the labels
    zones = [o for o in options if o.startswith("EPSG:45")]
    assert [o.split()[0] for o in zones] == ["EPSG:4545", "EPSG:4524", "EPSG:4546", "EPSG:4525", "EPSG:4547", "EPSG:4526"]
    assert zones[2].startswith("EPSG:4546 CGCS2000 3度带 中央子午线 111°E（东坐标不带带号")
    assert zones[5].startswith("EPSG:4526 CGCS2000 3度带 第38带 中央子午线 114°E（东坐标带带号")


def test_survey_xy_with_a_zone_number_offer_that_zone(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(_survey_text(zone_number=True)).run()
    assert not at.exception and not at.error
    assert any("EPSG:4526" in shown(i.value) for i in at.info), [i.value for i in at.info]
    _button(at, "使用 EPSG:4526").click().run()
    assert at.selectbox(key=state.SCREEN_COORD_CRS).value == "EPSG:4526"
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert {m.label: m.value for m in at.metric}["面积"] == "20,000 m²"
    assert _verdict(at) == "prohibited"


def test_bare_survey_xy_ask_which_zone_naming_the_candidates(app) -> None:
    at = app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(_survey_text(zone_number=False)).run()
    assert not at.exception and not at.error and _verdict(at) is None
    asked = " ".join(shown(w.value) for w in at.warning)
    assert "EPSG:4546" in asked and "EPSG:4547" in asked  # ORIGIN is 112.9E: CM 111 puts it at 109.9E, also Hunan
    _button(at, "使用 EPSG:4547").click().run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert _verdict(at) == "prohibited"
