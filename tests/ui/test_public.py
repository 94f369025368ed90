"""Public map: 'is this place in a protected zone?' — by the search box (place or coordinates)
and by a click on the map, the answer always for the point marked."""

from __future__ import annotations

from tests.ui.conftest import lonlat, page, shown
from ui import state
from ui.public_panel import near_by_zone
from ui.search import SearchKeys
from zoning.lookup import ZoneHit

SEARCH = SearchKeys("public")


def _ask_coords(at, dx: float, dy: float):
    lon, lat = lonlat(dx, dy)
    at.text_input(key=SEARCH.text).input(f"{lon:.9f}, {lat:.9f}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _answer_heading(at) -> str:
    return next(shown(m.value) for m in at.markdown if m.value.startswith("##### :material/location_on: "))


def test_point_in_grade1_zone_shows_its_rules(app) -> None:
    at = _ask_coords(page(app, "public"), 500, 500)
    labels = [e.label for e in at.expander]
    assert any("测试一级水源" in lab and "一级" in lab for lab in labels), labels
    text = "\n".join(m.value for m in at.markdown)
    assert "位于 1 个保护区内" in text and "部分建设活动在此被禁止" in text
    assert "data-verdict='prohibited'" in text
    assert "在此区域内禁止" in text
    # DWS01's condition, in plain words, with its legal basis (data/rules.yaml)
    assert "饮用水水源一级保护区内禁止新建、改建、扩建与供水设施和保护水源无关的建设项目" in text
    assert "《水污染防治法》第六十五条" in text
    assert "示意数据，不具法律效力" in text  # the zone's legal status, in words


def test_point_near_but_outside_lists_the_zone_with_its_distance(app) -> None:
    """300 m east of the grade-1 square's east edge (x = 1000 m)."""
    at = _ask_coords(page(app, "public"), 1300, 500)
    text = "\n".join(m.value for m in at.markdown)
    assert "data-verdict='clear'" in text
    labels = [e.label for e in at.expander]
    assert any("测试一级水源" in lab and "相距约 300 米" in lab for lab in labels), labels


def test_place_name_lookup(app) -> None:
    at = page(app, "public")
    at.text_input(key=SEARCH.text).input("湘潭").run()
    assert not at.exception
    options = at.selectbox(key=SEARCH.pick).options
    # the county and the city come first (they show an area), then the towns
    assert options[0].startswith("湘潭县") and any(o.startswith("湘潭（") for o in options), options
    at.selectbox(key=SEARCH.pick).set_value(next(i for i, o in enumerate(options) if o.startswith("湘潭（"))).run()
    assert _answer_heading(at).startswith("##### :material/location_on: 湘潭（")


def test_unknown_place_and_bad_coordinates_are_messages(app) -> None:
    at = page(app, "public")
    at.text_input(key=SEARCH.text).input("不存在的地方").run()
    assert any("不存在的地方" in w.value for w in at.warning)
    at.text_input(key=SEARCH.text).input("112.9, north").run()
    assert not at.exception and at.error and "north" in at.error[0].value
    # The error does not stop the page: what follows the search (the hint, then the map) still runs.
    assert any("也可以直接在地图上单击任意位置" in c.value for c in at.caption)


def test_a_new_place_query_starts_at_its_best_match(app) -> None:
    """The pick belongs to its query: having chosen the 2nd 长沙 match, asking for 岳阳
    shows the best 岳阳 match, not whichever place is 2nd in the new list."""
    at = page(app, "public")
    at.text_input(key=SEARCH.text).input("长沙").run()
    assert len(at.selectbox(key=SEARCH.pick).options) > 1
    at.selectbox(key=SEARCH.pick).set_value(1).run()
    at.text_input(key=SEARCH.text).input("岳阳").run()
    assert not at.exception, [e.value for e in at.exception]
    pick = at.selectbox(key=SEARCH.pick)
    assert len(pick.options) > 1 and pick.value == 0
    assert "岳阳" in at.session_state[SEARCH.found].label  # the map goes to the best 岳阳 match, not a 长沙 one


def test_survey_xy_are_looked_up_in_the_zone_they_name(app) -> None:
    """X/Y as surveyors write them (northing, easting with the zone number 38: the test store's
    EPSG:4547 metres + 38,000,000 m) in the grade-1 square: read in zone 38 and said so."""
    from tests.ui.conftest import ORIGIN

    at = page(app, "public")
    at.text_input(key=SEARCH.text).input(f"{ORIGIN[1] + 500:.3f}, {ORIGIN[0] + 500 + 38_000_000:.3f}").run()
    assert not at.exception and not at.error
    assert any("EPSG:4526" in shown(c.value) for c in [*at.caption, *at.info]), [c.value for c in [*at.caption, *at.info]]
    assert "data-verdict='prohibited'" in "\n".join(m.value for m in at.markdown)


def test_the_red_line_is_answered_generalised_and_the_answer_says_so(app) -> None:
    """The test store's red line (sensitive in the catalogue) is the square x 3000..4000,
    y 0..1000 m from ORIGIN (391 650, 3 082 300): east 394 650..395 650, north 3 082 300..
    3 083 300. On the 500 m grid the public sees 394 500..395 500 x 3 082 500..3 083 500 (the
    corners snap to the nearest grid lines) plus the cell that keeps the lost south-east corner.
    The point (3350, 100) — east 395 000, north 3 082 400 — is inside the exact red line and
    100 m south of the public shape: the public is told "not inside", and that the red line
    there is generalised; 8 km away nothing is said of it."""
    at = _ask_coords(page(app, "public"), 3350, 100)
    text = "\n".join(m.value for m in at.markdown)
    assert "data-verdict='clear'" in text
    notes = [i.value for i in at.info if "不对公众精确公开" in i.value]
    assert len(notes) == 1 and "生态保护红线" in notes[0] and "500 米" in notes[0], [i.value for i in at.info]
    far = _ask_coords(page(app, "public"), -8000, -8000)
    assert not [i.value for i in far.info if "不对公众精确公开" in i.value]


def test_a_click_on_the_map_is_the_question_before_the_map_is_drawn(app) -> None:
    """The map's value (written by st_folium before the run) is read first: the answer and
    the marker the map gets are for the point clicked, in the same run."""
    at = _ask_coords(page(app, "public"), 1300, 500)
    lon, lat = lonlat(500, 500)
    at.session_state[state.PUBLIC_MAP] = {"last_clicked": {"lng": lon, "lat": lat}}
    at.run()
    assert not at.exception
    assert _answer_heading(at) == f"##### :material/location_on: {lon:.5f}, {lat:.5f}"
    assert "data-verdict='prohibited'" in "\n".join(m.value for m in at.markdown)
    assert at.session_state[state.PUBLIC_CLICKED][:2] == (lon, lat)


def _hit(name: str, distance: float, fid: int, layer: str = "livestock_zone", zone: str | None = "禁养区") -> ZoneHit:
    return ZoneHit(layer, fid, name, zone, distance, "示意", "", "", {})


def test_zones_near_a_place_are_listed_once_each() -> None:
    hits = [_hit("禁养区：湘潭城镇建成区", 120.0, 3), _hit("禁养区：湘潭城镇建成区", 40.0, 7), _hit("禁养区：某水源", 300.0, 1),
            _hit("禁养区：湘潭城镇建成区", 80.0, 2, layer="other")]
    listed = near_by_zone(hits)
    assert [(h.layer, h.feature_id) for h in listed] == [("livestock_zone", 7), ("other", 2), ("livestock_zone", 1)]
