"""Public map: 'is this place in a protected zone?' by coordinates and by place name."""

from __future__ import annotations

from tests.ui.conftest import lonlat, page, shown
from ui import state


def _ask_coords(at, dx: float, dy: float):
    lon, lat = lonlat(dx, dy)
    at.text_input(key=state.PUBLIC_COORDS).input(f"{lon:.9f}, {lat:.9f}")
    at.button(key=state.PUBLIC_LOOKUP).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
    at.text_input(key=state.PUBLIC_PLACE).input("湘潭").run()
    assert not at.exception
    options = at.selectbox(key=state.PUBLIC_PLACE_PICK).options
    assert options and options[0].startswith("湘潭")
    assert any(m.value.startswith("##### :material/location_on: 湘潭") for m in at.markdown)


def test_unknown_place_and_bad_coordinates_are_messages(app) -> None:
    at = page(app, "public")
    at.text_input(key=state.PUBLIC_PLACE).input("不存在的地方").run()
    assert any("不存在的地方" in w.value for w in at.warning)
    at.text_input(key=state.PUBLIC_COORDS).input("east, north")
    at.button(key=state.PUBLIC_LOOKUP).click().run()
    assert not at.exception and at.error and "east" in at.error[0].value
    # The error does not stop the page: what follows the lookup tabs (the hint, then the map) still runs.
    assert any("也可以直接在地图上单击任意位置" in c.value for c in at.caption)


def test_a_new_place_query_starts_at_its_best_match(app) -> None:
    """The pick belongs to its query: having chosen the 2nd 长沙 match, asking for 岳阳
    answers for the best 岳阳 match, not for whichever place is 2nd in the new list."""
    at = page(app, "public")
    at.text_input(key=state.PUBLIC_PLACE).input("长沙").run()
    assert len(at.selectbox(key=state.PUBLIC_PLACE_PICK).options) > 1
    at.selectbox(key=state.PUBLIC_PLACE_PICK).set_value(1).run()
    at.text_input(key=state.PUBLIC_PLACE).input("岳阳").run()
    assert not at.exception, [e.value for e in at.exception]
    pick = at.selectbox(key=state.PUBLIC_PLACE_PICK)
    assert len(pick.options) > 1 and pick.value == 0
    best = pick.options[0]
    assert any(m.value == f"##### :material/location_on: {best}" for m in at.markdown), [m.value for m in at.markdown][:8]


def test_survey_xy_are_looked_up_in_the_zone_they_name(app) -> None:
    """X/Y as surveyors write them (northing, easting with the zone number 38: the test store's
    EPSG:4547 metres + 38,000,000 m) in the grade-1 square: the lookup waits for the zone."""
    from tests.ui.conftest import ORIGIN

    at = page(app, "public")
    at.text_input(key=state.PUBLIC_COORDS).input(f"{ORIGIN[1] + 500:.3f}, {ORIGIN[0] + 500 + 38_000_000:.3f}").run()
    assert any("EPSG:4526" in shown(i.value) for i in at.info)
    at.button(key=state.PUBLIC_LOOKUP).click().run()
    assert "data-verdict" not in "\n".join(m.value for m in at.markdown)  # not looked up in lon/lat
    next(b for b in at.button if b.label == "使用 EPSG:4526").click().run()
    at.button(key=state.PUBLIC_LOOKUP).click().run()
    assert not at.exception and not at.error
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
