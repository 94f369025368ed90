"""Control units and access clauses, the relation outside, the HJ/T 81 setback and coverage.

Every arrangement is built in EPSG:4547 (metres, CM 114E) around (500 000, 3 100 000), where
areas, lengths and distances are computed by hand in the docstrings; projects are handed to
the engine in lon/lat like any user's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import shapely

from layers.coverage import LayerCoverage
from tests.zoning._engine_support import MemoryStore, lonlat, rect, zone_frame
from zoning.engine import screen
from zoning.model import Project, ScreeningResult

STAMP = "2026-01-01T00:00:00+08:00"
#: Two counties of 益阳市 side by side: 资阳区 x 480-500 km, 赫山区 x 500-520 km (40 km tall).
ZIYANG = rect(480_000, 3_080_000, 20_000, 40_000)
HESHAN = rect(500_000, 3_080_000, 20_000, 40_000)


def admin_frame() -> Any:
    return zone_frame(
        [
            {"adcode": "430902", "name": "资阳区", "level": "区县", "prefecture": "益阳市", "geometry": ZIYANG},
            {"adcode": "430903", "name": "赫山区", "level": "区县", "prefecture": "益阳市", "geometry": HESHAN},
        ]
    )


def one(project: Project, store: Any, **kw: Any) -> ScreeningResult:
    (result,) = screen([project], store, generated_at=STAMP, **kw)
    return result


def at(geom: Any, type_: str = "industrial", **attrs: Any) -> Project:
    return Project("p", type_, lonlat(geom), attrs)


# --- units and their shares ------------------------------------------------------------------


def units_frame() -> Any:
    """U1 = x 499-501 km, U2 = x 501-503 km, both y 3099-3101 km (2 km squares, inside both counties' band)."""
    return zone_frame(
        [
            {"code": "ZH43090220001", "name": "资阳城区", "category": "重点管控单元", "subtype": "城镇生活",
             "geometry": rect(499_000, 3_099_000, 2_000, 2_000)},
            {"code": "ZH43090310001", "name": "赫山优先", "category": "优先保护单元", "subtype": "一般生态空间",
             "geometry": rect(501_000, 3_099_000, 2_000, 2_000)},
        ]
    )  # fmt: skip


def test_polygon_project_gets_its_area_share_of_each_unit() -> None:
    """Project x 500 800-501 100, y 3 100 400-3 100 500: 300 x 100 = 30 000 m²; 200 x 100 in U1
    (66.667 %), 100 x 100 in U2 (33.333 %), the larger share first."""
    result = one(at(rect(500_800, 3_100_400, 300, 100)), MemoryStore({"env_control_unit": units_frame()}))
    assert [(u.code, u.share_pct) for u in result.units] == [("ZH43090220001", 66.667), ("ZH43090310001", 33.333)]
    u1 = result.units[0]
    assert (u1.name, u1.category, u1.subtype) == ("资阳城区", "重点管控单元", "城镇生活")
    assert result.to_dict()["units"][0]["share_pct"] == 66.667


def test_line_project_gets_its_length_share_and_a_point_100() -> None:
    """A 1 000 m road from x 500 500 to 501 500 runs 500 m in each unit (50 %); a point lies in
    one unit (100 %); a square that only shares U2's border lies in U1 alone."""
    store = MemoryStore({"env_control_unit": units_frame()})
    road = one(at(shapely.LineString([(500_500, 3_100_500), (501_500, 3_100_500)]), "road"), store)
    assert [(u.code, u.share_pct) for u in road.units] == [("ZH43090220001", 50.0), ("ZH43090310001", 50.0)]
    point = one(at(shapely.Point(502_000, 3_100_000)), store)
    assert [(u.code, u.share_pct) for u in point.units] == [("ZH43090310001", 100.0)]
    touching = one(at(rect(500_900, 3_100_000, 100, 100)), store)
    assert [(u.code, u.share_pct) for u in touching.units] == [("ZH43090220001", 100.0)]


def test_no_unit_layer_means_no_units() -> None:
    result = one(at(rect(500_800, 3_100_400, 300, 100)), MemoryStore({"admin": admin_frame()}))
    assert result.units == () and result.to_dict()["units"] == []


# --- access clauses -------------------------------------------------------------------------


def clauses_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"scope": "省级", "dimension": "空间布局约束", "text": "严守生态保护红线"},
            {"scope": "益阳市", "dimension": "空间布局约束", "text": "新建涉VOCs排放的工业企业须入园",
             "applies_to": "industrial, emits_vocs", "verdict": "conditional", "basis": "益阳市准入清单"},
            {"scope": "长沙市", "dimension": "空间布局约束", "text": "长沙的要求", "applies_to": "industrial",
             "verdict": "prohibited"},
            {"scope": "资阳区", "dimension": "环境风险防控", "text": "禁止新建化工项目",
             "applies_to": "chemical_project", "verdict": "prohibited"},
            {"scope": "ZH43090220001", "dimension": "污染物排放管控", "text": "改建项目不得增加排放",
             "applies_to": "改建", "verdict": "conditional", "confidence": "secondary"},
        ]
    )  # fmt: skip


def full_store() -> MemoryStore:
    return MemoryStore({"admin": admin_frame(), "env_control_unit": units_frame(), "access_clause": clauses_frame()})


def test_general_and_unit_clauses_apply_by_place_type_and_attribute() -> None:
    """A new VOC-emitting factory in U1 (资阳区, 益阳市): the provincial clause (no applies_to:
    review), 益阳市's VOC clause (conditional), 资阳区's chemical clause (not for it: clear),
    U1's own 改建 clause (not for a new project: clear); 长沙市's list is not listed."""
    result = one(at(rect(499_500, 3_100_000, 100, 100), emits_vocs=True), full_store())
    (unit,) = result.units
    got = [(c.scope, c.applies, c.verdict) for c in unit.clauses]
    assert got == [
        ("省级", True, "review"),
        ("益阳市", True, "conditional"),
        ("资阳区", False, "clear"),
        ("ZH43090220001", False, "clear"),
    ]
    assert [c.scope for c in result.clauses] == ["省级", "益阳市", "资阳区", "ZH43090220001"]
    assert result.verdict == "conditional"
    assert unit.clauses[0].finding_zh.startswith("适用于所有项目") and unit.clauses[0].basis == "生态环境准入清单（省级）"
    assert unit.clauses[1].basis == "益阳市准入清单" and unit.clauses[3].confidence == "secondary"
    assert unit.clauses[2].finding_zh == "本项目（一般工业项目）不属本条适用对象（chemical_project）"


def test_clause_verdicts_count_toward_the_overall_verdict() -> None:
    """Without VOCs the 益阳市 clause does not bind; a 改建 project meets U1's own clause."""
    store = full_store()
    plain = one(at(rect(499_500, 3_100_000, 100, 100)), store)
    assert [c.verdict for c in plain.clauses if c.applies] == ["review"] and plain.verdict == "review"
    rebuilt = one(at(rect(499_500, 3_100_000, 100, 100), construction_nature="改建"), store)
    assert [(c.scope, c.verdict) for c in rebuilt.clauses if c.applies] == [("省级", "review"), ("ZH43090220001", "conditional")]
    assert rebuilt.verdict == "conditional"
    chemical = one(at(rect(499_500, 3_100_000, 100, 100), "chemical_project"), store)
    assert chemical.verdict == "prohibited" and not chemical.conflicts


def test_unit_without_clauses_gets_its_category_default() -> None:
    """U2 (优先保护单元) has no clause of its own: an industrial project gets ECU01
    (conditional), housing ECU03 (review); a point in U1 keeps U1's own clause instead."""
    store = full_store()
    factory = one(at(shapely.Point(502_000, 3_100_000)), store)
    (unit,) = factory.units
    defaults = [c for c in unit.clauses if c.origin == "default"]
    assert [(c.rule_id, c.verdict, c.scope, c.dimension, c.confidence) for c in defaults] == [
        ("ECU01", "conditional", "ZH43090310001", "空间布局约束", "secondary")
    ]
    housing = one(at(shapely.Point(502_000, 3_100_000), "residential"), store)
    assert [c.rule_id for c in housing.units[0].clauses if c.origin == "default"] == ["ECU03"]
    in_u1 = one(at(shapely.Point(500_000, 3_100_000)), store)
    assert not [c for c in in_u1.units[0].clauses if c.origin == "default"]


def test_store_without_admin_layer_shows_place_lists_as_undecidable() -> None:
    """Units and clauses only: 省级 applies; a city's list cannot be placed (review)."""
    store = MemoryStore({"env_control_unit": units_frame(), "access_clause": clauses_frame()})
    result = one(at(rect(499_500, 3_100_000, 100, 100)), store)
    assert result.project.county is None and result.units[0].code == "ZH43090220001"
    cities = {c.scope: (c.applies, c.verdict) for c in result.clauses}
    assert cities["长沙市"] == (True, "review") and cities["益阳市"] == (True, "review")
    assert "无法判断本清单是否适用于项目所在地" in result.clauses[1].finding_zh


def test_unknown_applies_to_gives_review_and_is_reported() -> None:
    from zoning.rules import load_project_types
    from zoning.units import check_clauses

    frame = pd.DataFrame([{"scope": "省级", "dimension": "空间布局约束", "text": "x", "applies_to": "industrial, 飞机场"}])
    store = MemoryStore({"access_clause": frame})
    (clause,) = one(at(shapely.Point(500_000, 3_100_000)), store).clauses
    assert (clause.applies, clause.verdict) == (True, "review") and "飞机场" in clause.finding_zh
    (problem,) = check_clauses(frame, load_project_types())
    assert "applies_to '飞机场' is neither a project type nor an attribute condition" in problem


@pytest.mark.parametrize(
    ("text", "type_", "attrs", "expected"),
    [
        ("industrial, chemical_project", "chemical_project", {}, True),
        ("工业项目、化工", "chemical_project", {}, True),
        ("industrial, emits_vocs", "industrial", {"emits_vocs": True}, True),
        ("industrial, emits_vocs", "industrial", {}, False),
        ("新建, 涉VOCs排放", "chemical_project", {"emits_vocs": "是"}, True),
        ("!national_major", "road", {"national_major": True}, False),
        ("scale_head>=500", "livestock_farm", {"scale_head": 500}, True),
        ("scale_head>=500", "livestock_farm", {"scale_head": 499}, False),
        ("construction_nature=扩建", "road", {"construction_nature": "扩建项目"}, True),
    ],
)
def test_applies_to_grammar(text: str, type_: str, attrs: dict[str, Any], expected: bool) -> None:
    from zoning.rules import load_project_types
    from zoning.units import parse_applies_to

    types = load_project_types()
    parsed = parse_applies_to(text, types)
    assert parsed.unknown == ()
    assert parsed.matches(type_, types.parse_attributes(type_, attrs), types) is expected


# --- the relation outside (合规园区) and coverage ---------------------------------------------


def park_store(**coverage: Any) -> MemoryStore:
    """A chemical park x 510-511 km, y 3 100-3 101 km in 赫山区; the park layer's coverage as given."""
    park = zone_frame([{"name": "示例化工园区", "level": "省级", "chemical": "是", "geometry": rect(510_000, 3_100_000, 1_000, 1_000)}])
    return MemoryStore(
        {"admin": admin_frame(), "industrial_park": park},
        coverage={k: LayerCoverage(k, tuple(v)) for k, v in coverage.items()},
    )


def test_outside_a_park_fires_where_the_layer_has_data() -> None:
    """A chemical plant at (513 000, 3 100 500) is 2 000 m east of the park: PARK01 prohibited."""
    result = one(at(shapely.Point(513_000, 3_100_500), "chemical_project"), park_store(industrial_park=["430903"]))
    (row,) = [c for c in result.conflicts if c.rule_id == "PARK01"]
    assert (row.relation, row.verdict, row.feature, row.distance_m) == ("outside", "prohibited", "示例化工园区", 2000.0)
    assert result.verdict == "prohibited" and "industrial_park" in result.coverage.checked


def test_outside_a_park_without_data_there_is_review() -> None:
    """The same plant in 资阳区 (x 490 km), where the park layer records no data: PARK01 gives
    review "no data here" and COV01 says the layer has no data."""
    result = one(at(shapely.Point(490_000, 3_100_500), "chemical_project"), park_store(industrial_park=["430903"]))
    rows = {c.rule_id: c for c in result.conflicts}
    assert (rows["PARK01"].relation, rows["PARK01"].verdict) == ("no_coverage", "review")
    assert rows["PARK01"].condition.startswith("该图层在此处无数据，无法判断：须进入合规化工园区")
    assert (rows["COV01"].layer, rows["COV01"].relation, rows["COV01"].verdict) == ("industrial_park", "no_coverage", "review")
    assert result.coverage.outside == ("industrial_park",) and result.verdict == "review"


def test_inside_the_park_and_near_its_boundary() -> None:
    """Inside: no row. A 20 x 20 m site reaching 3 m beyond the park's east edge (x 510 983-
    511 003) is outside only within the 5 m tolerance: near_boundary review."""
    store = park_store()
    inside = one(at(rect(510_400, 3_100_400, 100, 100), "chemical_project"), store)
    assert not [c for c in inside.conflicts if c.rule_id == "PARK01"]
    edge = one(at(rect(510_983, 3_100_400, 20, 20), "chemical_project"), store)
    (row,) = [c for c in edge.conflicts if c.rule_id == "PARK01"]
    assert (row.relation, row.verdict, row.distance_m) == ("near_boundary", "review", 0.0)
    beyond = one(at(rect(510_983, 3_100_400, 20, 20), "chemical_project"), store, tolerance_m=2.0)
    (row,) = [c for c in beyond.conflicts if c.rule_id == "PARK01"]
    assert (row.relation, row.verdict) == ("outside", "prohibited")
    assert row.overlap_area_m2 == pytest.approx(17 * 20, abs=1e-6) and row.overlap_pct == pytest.approx(85.0)


# --- HJ/T 81 setback ---------------------------------------------------------------------------


def test_setback_is_one_row_with_the_nearest_no_build_area() -> None:
    """A 2 000-head farm at (501 240, 3 101 320): the no-raise square x/y 500-501 km / 3 100-
    3 101 km is sqrt(240² + 320²) = 400 m away (from its corner); a grade-2 water source whose
    west edge is x = 501 440 is 200 m away. One LIV05 row: the water source, 200 m."""
    store = MemoryStore(
        {
            "livestock_zone": zone_frame([{"name": "禁养区", "kind": "禁养区", "geometry": rect(500_000, 3_100_000, 1_000, 1_000)}]),
            "water_source": zone_frame([{"name": "水源", "grade": "二级", "geometry": rect(501_440, 3_100_000, 1_000, 3_000)}]),
        }
    )
    result = one(at(shapely.Point(501_240, 3_101_320), "livestock_farm", scale_head=2000), store)
    (row,) = [c for c in result.conflicts if c.rule_id == "LIV05"]
    assert (row.layer, row.feature, row.verdict, row.relation) == ("water_source", "水源", "review", "within_distance")
    assert row.distance_m == pytest.approx(200.0, abs=1e-6)
    far = MemoryStore({"livestock_zone": store.layer("livestock_zone")})
    (row,) = [c for c in one(at(shapely.Point(501_240, 3_101_320), "livestock_farm", scale_head=2000), far).conflicts]
    assert (row.rule_id, row.distance_m) == ("LIV05", pytest.approx(400.0, abs=1e-6))


# --- coverage --------------------------------------------------------------------------------


def test_coverage_by_codes_extent_and_the_admin_extent() -> None:
    """Water sources recorded for 赫山区 only; red line with an extent polygon x 485-490 km;
    shoreline without a record (the whole admin extent)."""
    red = zone_frame([{"name": "红线", "category": "一般", "geometry": rect(700_000, 3_100_000, 10, 10)}])
    ws = zone_frame([{"name": "水源", "grade": "一级", "geometry": rect(700_000, 3_100_000, 10, 10)}])
    shore = zone_frame([{"name": "岸线", "river": "资江", "rank": "干流", "geometry": shapely.LineString([(700_000, 3_100_000), (700_100, 3_100_000)])}])
    extent = lonlat(rect(485_000, 3_090_000, 5_000, 20_000))
    store = MemoryStore(
        {"admin": admin_frame(), "eco_redline": red, "water_source": ws, "shoreline": shore},
        coverage={"water_source": LayerCoverage("water_source", ("430903",)), "eco_redline": LayerCoverage("eco_redline", (), extent)},
    )
    in_extent = one(at(shapely.Point(487_000, 3_100_000)), store)
    assert in_extent.coverage.checked == ("eco_redline", "shoreline")
    assert in_extent.coverage.outside == ("water_source",)
    assert [c.rule_id for c in in_extent.conflicts] == ["COV01"] and in_extent.verdict == "review"
    assert "water_source" not in in_extent.coverage.missing and "wetland" in in_extent.coverage.missing
    heshan = one(at(shapely.Point(510_000, 3_100_000)), store)
    assert heshan.coverage.checked == ("water_source", "shoreline") and heshan.coverage.outside == ("eco_redline",)
    road = one(at(shapely.Point(487_000, 3_100_000), "road"), store)
    assert [(c.rule_id, c.layer) for c in road.conflicts] == [("COV01", "water_source")]
    assert road.coverage.statement_zh.startswith("已筛查（在项目所在地有数据）：生态保护红线、河流岸线。在项目所在地无数据、未能筛查：饮用水水源保护区。")


def test_clear_says_what_it_covers() -> None:
    store = MemoryStore({"admin": admin_frame(), "shoreline": zone_frame([
        {"name": "岸线", "river": "资江", "rank": "干流", "geometry": shapely.LineString([(700_000, 3_100_000), (700_100, 3_100_000)])}])})
    result = one(at(shapely.Point(487_000, 3_100_000)), store)
    assert result.verdict == "clear"
    assert result.coverage.statement_zh.startswith("“不涉及”仅就在项目所在地有数据的图层而言：河流岸线。图层库未包含：")
    assert result.coverage.statement_en.startswith("'Not affected' holds only for the layers with data where the project lies: River shoreline.")
    assert result.to_dict()["coverage"]["checked"] == ["shoreline"]


def test_outside_the_admin_extent_is_one_review_row() -> None:
    store = MemoryStore({"admin": admin_frame(), "water_source": zone_frame([{"name": "水源", "grade": "一级", "geometry": rect(490_000, 3_100_000, 10, 10)}])})
    result = one(at(shapely.Point(560_000, 3_100_000)), store)
    assert [(c.rule_id, c.layer, c.relation) for c in result.conflicts] == [("COV02", "admin", "outside_extent")]
    assert result.verdict == "review" and result.project.county is None
    assert result.coverage.inside_store is False and result.coverage.outside == ("water_source",)


def test_without_unit_data_here_the_general_lists_still_apply() -> None:
    """Units recorded for 赫山区 only: a factory in 资阳区 gets COV01 for the unit layer, no
    unit, and the provincial and 益阳市 clauses."""
    store = MemoryStore(
        {"admin": admin_frame(), "env_control_unit": units_frame(), "access_clause": clauses_frame()},
        coverage={"env_control_unit": LayerCoverage("env_control_unit", ("430903",))},
    )
    result = one(at(shapely.Point(499_500, 3_100_000), emits_vocs=True), store)
    assert result.units == ()
    assert [(c.rule_id, c.layer) for c in result.conflicts] == [("COV01", "env_control_unit")]
    assert [c.scope for c in result.clauses] == ["省级", "益阳市", "资阳区"]
    assert result.verdict == "conditional" and result.coverage.outside == ("env_control_unit",)


def test_reports_carry_the_new_rows_without_failing(tmp_path: Any) -> None:
    """A DOCX and a PDF of results with outside, no-data and outside-the-store rows and clauses
    (the PDF read back by poppler's pdftotext, as tests/zoning/report does)."""
    import subprocess

    from zoning.report import write_report

    results = screen(
        [
            at(shapely.Point(490_000, 3_100_500), "chemical_project"),
            at(shapely.Point(560_000, 3_100_000), "road"),
            at(shapely.Point(513_000, 3_100_500), "chemical_project"),
        ],
        park_store(industrial_park=["430903"]),
        generated_at=STAMP,
    )
    assert [r.verdict for r in results] == ["review", "review", "prohibited"]
    write_report(results, "docx", tmp_path / "r.docx", lang="zh")
    write_report(results, "pdf", tmp_path / "r.pdf", lang="zh")
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace(" ", "").replace("\n", "")
    assert "该图层在此处无数据" in text and "超出图层库覆盖范围" in text and "须进入合规化工园区" in text
