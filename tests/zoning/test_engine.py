"""screen(): measurements against hand-computed values, tolerance band, nearby, county, data.

Shapes are built in EPSG:4547 (CGCS2000 Gauss-Kruger CM 114E, metres) at the central
meridian near 28N, where every expected number below is plain arithmetic; projects are
handed to the engine in lon/lat, as readers deliver them.
"""

from __future__ import annotations

import pytest
import shapely

from gis.errors import CRSError, GeometryError, InputError
from tests.zoning._engine_support import (
    GK114,
    GK114_ZONE,
    LONLAT,
    X0,
    Y0,
    MemoryStore,
    lonlat,
    rect,
    transform,
    zone_frame,
)
from zoning.engine import screen
from zoning.model import Project

STAMP = "2026-01-01T00:00:00+08:00"
#: 1 km x 1 km grade-1 water-source zone with its lower-left corner at (X0, Y0).
ZONE = rect(X0, Y0, 1000, 1000)


def _store(layers: dict[str, list[dict]], crs: str = GK114) -> MemoryStore:
    frames = {}
    for lid, rows in layers.items():
        rows = [{**r, "geometry": transform(r["geometry"], GK114, crs)} for r in rows]
        frames[lid] = zone_frame(rows, crs)
    return MemoryStore(frames)


def _water(crs: str = GK114, legal_status: str = "法定") -> MemoryStore:
    return _store(
        {"water_source": [{"name": "甲水厂水源", "grade": "一级", "legal_status": legal_status, "geometry": ZONE}]}, crs
    )


def _one(project: Project, store: MemoryStore, **kw: float) -> object:
    (result,) = screen([project], store, generated_at=STAMP, **kw)
    return result


@pytest.mark.parametrize("store_crs", [GK114, GK114_ZONE, LONLAT])
def test_rectangle_half_inside(store_crs: str) -> None:
    """100 m x 200 m rectangle straddling the east edge, 100 m x 100 m of it inside:
    area 20,000 m2, overlap 10,000 m2 = 50 %, whatever CRS the store keeps."""
    site = rect(X0 + 900, Y0 + 400, 200, 100)
    result = _one(Project("厂房", "road", lonlat(site)), _water(store_crs))
    assert result.project.area_m2 == pytest.approx(20_000, rel=1e-6)
    assert result.project.work_crs == "EPSG:4547"
    (row,) = result.conflicts
    assert (row.rule_id, row.relation, row.verdict) == ("DWS01", "intersects", "prohibited")
    assert row.overlap_area_m2 == pytest.approx(10_000, rel=1e-6)
    assert row.overlap_pct == pytest.approx(50.0, rel=1e-6)
    assert (row.overlap_length_m, row.distance_m) == (0.0, 0.0)
    assert row.overlap_geometry is not None
    assert transform(row.overlap_geometry, LONLAT, GK114).area == pytest.approx(10_000, rel=1e-6)
    assert result.verdict == "prohibited"


def test_line_inside_length() -> None:
    """A 1,000 m east-west line entering the zone from the west for 300 m."""
    line = shapely.LineString([(X0 - 700, Y0 + 500), (X0 + 300, Y0 + 500)])
    result = _one(Project("管线", "pipeline", lonlat(line)), _water())
    assert result.project.length_m == pytest.approx(1000, rel=1e-6)
    assert result.project.area_m2 == 0.0
    (row,) = result.conflicts
    assert row.overlap_length_m == pytest.approx(300, rel=1e-6)
    assert (row.overlap_area_m2, row.overlap_pct) == (0.0, 0.0)


def test_site_with_its_access_road_measures_both() -> None:
    """A KML MultiGeometry as a planner sends it: a 100 m x 100 m site fully inside the
    zone (x 900-1000 would touch the edge, so x 800-900) and a 600 m access road running
    east from the site out of the zone (x 900-1500: 100 m inside, 500 m outside).
    By hand: area 10,000 m2, length 600 m; overlap 10,000 m2 (100 %), road inside 100 m."""
    site = rect(X0 + 800, Y0 + 450, 100, 100)
    road = shapely.LineString([(X0 + 900, Y0 + 500), (X0 + 1500, Y0 + 500)])
    both = shapely.GeometryCollection([site, road])
    result = _one(Project("砂石场及进场道路", "quarry_sand", lonlat(both)), _water())
    assert result.project.area_m2 == pytest.approx(10_000, rel=1e-6)
    assert result.project.length_m == pytest.approx(600, rel=1e-6)
    (row,) = [c for c in result.conflicts if c.rule_id == "DWS01"]
    assert row.overlap_area_m2 == pytest.approx(10_000, rel=1e-6)
    assert row.overlap_pct == pytest.approx(100.0, rel=1e-6)
    assert row.overlap_length_m == pytest.approx(100, rel=1e-6)


def test_point_inside() -> None:
    result = _one(Project("取水泵站", "road", lonlat(shapely.Point(X0 + 500, Y0 + 500))), _water())
    (row,) = result.conflicts
    assert (row.overlap_area_m2, row.overlap_pct, row.overlap_length_m, row.distance_m) == (0.0, 0.0, 0.0, 0.0)
    assert result.project.geometry_type == "Point"


def test_sliver_2m_inside_is_near_boundary_review() -> None:
    """Only a 2 m strip lies inside: within the 5 m band, so review instead of prohibited."""
    sliver = rect(X0 + 998, Y0 + 400, 100, 100)
    (row,) = _one(Project("厂房", "road", lonlat(sliver)), _water()).conflicts
    assert (row.relation, row.verdict, row.rule_id) == ("near_boundary", "review", "DWS01")
    assert row.condition.startswith("边界附近，需核实")
    assert "禁止" in row.condition and "Near the boundary" in row.condition_en
    assert row.overlap_area_m2 == pytest.approx(200, rel=1e-6)  # 2 m x 100 m


def test_20m_inside_keeps_the_rule_verdict() -> None:
    deep = rect(X0 + 980, Y0 + 400, 100, 100)
    (row,) = _one(Project("厂房", "road", lonlat(deep)), _water()).conflicts
    assert (row.relation, row.verdict) == ("intersects", "prohibited")
    assert row.overlap_area_m2 == pytest.approx(2000, rel=1e-6)


def test_tolerance_zero_turns_the_band_off() -> None:
    sliver = rect(X0 + 998, Y0 + 400, 100, 100)
    (row,) = _one(Project("厂房", "road", lonlat(sliver)), _water(), tolerance_m=0).conflicts
    assert (row.relation, row.verdict) == ("intersects", "prohibited")


def test_point_3m_inside_and_line_along_the_edge() -> None:
    point = lonlat(shapely.Point(X0 + 997, Y0 + 500))
    line = lonlat(shapely.LineString([(X0 + 996, Y0 + 100), (X0 + 996, Y0 + 900), (X0 + 1100, Y0 + 900)]))
    results = screen([Project("点", "road", point), Project("线", "road", line)], _water(), generated_at=STAMP)
    assert [r.conflicts[0].relation for r in results] == ["near_boundary", "near_boundary"]
    assert results[1].conflicts[0].overlap_length_m == pytest.approx(800 + 4, rel=1e-6)


def test_touching_the_boundary_only_is_near_boundary() -> None:
    """A parcel sharing the zone's east edge: intersects with zero overlap -> review."""
    (row,) = _one(Project("相邻地块", "residential", lonlat(rect(X0 + 1000, Y0, 100, 100))), _water()).conflicts
    assert (row.relation, row.verdict, row.overlap_area_m2) == ("near_boundary", "review", 0.0)


def test_one_row_per_feature_and_rule() -> None:
    """A sewage outfall in two overlapping grade-1 zones: DWS01 and DWS05 for each zone."""
    store = _store(
        {
            "water_source": [
                {"name": "甲", "grade": "一级", "geometry": ZONE},
                {"name": "乙", "grade": "一级", "geometry": rect(X0 + 500, Y0, 1000, 1000)},
            ]
        }
    )
    result = _one(Project("排污口", "sewage_outfall", lonlat(rect(X0 + 600, Y0 + 400, 50, 50))), store)
    assert sorted((c.feature, c.rule_id) for c in result.conflicts) == [
        ("乙", "DWS01"), ("乙", "DWS05"), ("甲", "DWS01"), ("甲", "DWS05"),
    ]  # fmt: skip
    assert all(c.overlap_area_m2 == pytest.approx(2500, rel=1e-6) for c in result.conflicts)


def test_overall_verdict_is_the_worst_row() -> None:
    """Industrial project without discharge: grade-2 (C) and quasi (C) and grade-1 (P)."""
    store = _store(
        {
            "water_source": [
                {"name": "一级区", "grade": "一级", "geometry": ZONE},
                {"name": "二级区", "grade": "二级", "geometry": rect(X0 + 1000, Y0, 1000, 1000)},
            ]
        }
    )
    site = lonlat(rect(X0 + 1500, Y0 + 400, 100, 100))
    result = _one(Project("厂", "industrial", site, {"discharges_pollutants": False}), store)
    assert result.verdict == "conditional"
    across = lonlat(rect(X0 + 900, Y0 + 400, 200, 100))
    result = _one(Project("厂", "industrial", across, {"discharges_pollutants": False}), store)
    assert result.verdict == "prohibited"
    assert [c.verdict for c in result.conflicts] == ["prohibited", "conditional"]


def test_no_conflict_is_clear() -> None:
    result = _one(Project("远处", "road", lonlat(rect(X0 + 3000, Y0, 10, 10))), _water())
    assert (result.verdict, result.conflicts) == ("clear", ())


def test_nearby_distance_and_bearing() -> None:
    """Zone 1,000 m west of a point on the central meridian's row: distance 1,000 m; the
    nearest zone point lies due west (270); a second layer due north (0), another east (90)."""
    store = _store(
        {
            "water_source": [{"name": "西", "grade": "二级", "geometry": rect(X0 - 2000, Y0 - 500, 1000, 1000)}],
            "eco_redline": [{"name": "北", "category": "一般", "geometry": rect(X0 - 500, Y0 + 1500, 1000, 1000)}],
            "scenic_area": [
                {"name": "东近", "zone": "一般景区", "level": "省级", "geometry": rect(X0 + 2500, Y0 - 500, 100, 1000)},
                {"name": "东远", "zone": "一般景区", "level": "省级", "geometry": rect(X0 + 3500, Y0 - 500, 100, 1000)},
            ],
        }
    )
    result = _one(Project("点", "road", lonlat(shapely.Point(X0, Y0))), store)
    near = {n.layer: n for n in result.nearby}
    assert near["water_source"].distance_m == pytest.approx(1000, rel=1e-6)
    assert near["water_source"].bearing_deg == pytest.approx(270, abs=0.05)
    assert near["eco_redline"].distance_m == pytest.approx(1500, rel=1e-6)
    assert min(near["eco_redline"].bearing_deg, 360 - near["eco_redline"].bearing_deg) == pytest.approx(0, abs=0.05)
    assert (near["scenic_area"].feature, near["scenic_area"].distance_m) == ("东近", pytest.approx(2500, rel=1e-6))
    assert near["scenic_area"].bearing_deg == pytest.approx(90, abs=0.05)
    assert [n.layer for n in result.nearby] == ["water_source", "eco_redline", "scenic_area"]  # by distance
    assert result.conflicts == ()


def test_nearby_excludes_touched_features_and_respects_near_m() -> None:
    store = _store(
        {
            "water_source": [
                {"name": "所在", "grade": "一级", "geometry": ZONE},
                {"name": "邻近", "grade": "二级", "geometry": rect(X0 + 1800, Y0, 500, 500)},
                {"name": "很远", "grade": "二级", "geometry": rect(X0 - 7000, Y0, 500, 500)},
            ]
        }
    )
    project = Project("厂", "road", lonlat(rect(X0 + 900, Y0 + 100, 50, 50)))
    result = _one(project, store)
    assert [c.feature for c in result.conflicts] == ["所在"]
    assert [(n.feature, n.distance_m) for n in result.nearby] == [("邻近", pytest.approx(850, rel=1e-6))]
    result = _one(project, store, near_m=500)
    assert result.nearby == ()
    assert result.parameters["near_m"] == 500.0


def test_nearby_for_a_touching_project_searches_outwards() -> None:
    """Inside zone 所在, the untouched features lie 3,000 m and 4,000 m away (beyond the
    first search radii near_m/16 and near_m/4): the 3,000 m one is reported."""
    store = _store(
        {
            "eco_redline": [
                {"name": "所在", "category": "一般", "geometry": rect(X0 - 500, Y0 - 500, 1000, 1000)},
                {"name": "四公里", "category": "一般", "geometry": rect(X0 + 4050, Y0 - 100, 200, 200)},
                {"name": "三公里", "category": "一般", "geometry": rect(X0 - 3050 - 200, Y0 - 100, 200, 200)},
            ]
        }
    )
    result = _one(Project("厂", "research_monitoring", lonlat(rect(X0 - 50, Y0 - 50, 100, 100))), store)
    assert [c.feature for c in result.conflicts] == ["所在"]
    assert [(n.feature, n.distance_m) for n in result.nearby] == [("三公里", pytest.approx(3000, rel=1e-6))]
    assert result.nearby[0].bearing_deg == pytest.approx(270, abs=0.05)


def test_county_from_the_admin_layer() -> None:
    """Two county squares inside a prefecture; centroid rule, then the largest share."""
    store = _store(
        {
            "admin": [
                {
                    "adcode": "430600",
                    "name": "某市",
                    "level": "市",
                    "geometry": rect(X0 - 10_000, Y0 - 10_000, 20_000, 20_000),
                },
                {
                    "adcode": "430621",
                    "name": "甲县",
                    "level": "区县",
                    "geometry": rect(X0 - 10_000, Y0 - 10_000, 10_000, 20_000),
                },
                {
                    "adcode": "430602",
                    "name": "乙区",
                    "level": "区县",
                    "geometry": rect(X0, Y0 - 10_000, 10_000, 20_000),
                },
            ],
            "water_source": [{"name": "甲水厂水源", "grade": "一级", "geometry": ZONE}],
        }
    )
    in_a = Project("a", "road", lonlat(rect(X0 - 5000, Y0, 100, 100)))
    straddle = Project("b", "road", lonlat(rect(X0 - 100, Y0, 400, 100)))  # centroid 100 m into 乙区
    # A U-shaped line whose centroid falls south of both counties; 5 km of it in 甲县, 1 km in 乙区.
    u_line = lonlat(
        shapely.LineString(
            [(X0 - 7000, Y0 - 5000), (X0 - 7000, Y0 - 30_000), (X0 + 3000, Y0 - 30_000), (X0 + 3000, Y0 - 9000)]
        )
    )
    outside = Project("d", "road", lonlat(shapely.Point(X0 + 50_000, Y0)))
    results = screen([in_a, straddle, Project("c", "pipeline", u_line), outside], store, generated_at=STAMP)
    assert [r.project.county for r in results] == ["甲县", "乙区", "甲县", None]


def test_data_info_absent_layers_and_illustrative_note() -> None:
    result = _one(Project("厂", "road", lonlat(rect(X0 + 100, Y0 + 100, 10, 10))), _water(legal_status="示意"))
    data = result.data.to_dict()
    assert data["layers"] == {"water_source": {"features": 1, "legal_status": "示意"}}
    assert "eco_redline" in data["absent_layers"] and "water_source" not in data["absent_layers"]
    assert data["illustrative"] is True
    assert result.illustrative_used
    assert "示意数据，不具法律效力 / illustrative data, no legal force" in result.notes
    assert any(n.startswith("图层缺失，未筛查：生态保护红线（eco_redline）") for n in result.notes)
    assert result.conflicts[0].legal_status == "示意"


def test_missing_attribute_notes() -> None:
    store = _store(
        {
            "eco_redline": [{"name": "红线", "category": "一般", "geometry": ZONE}],
            "livestock_zone": [{"name": "禁养", "kind": "禁养区", "geometry": ZONE}],
        }
    )
    site = lonlat(rect(X0 + 400, Y0 + 400, 50, 50))
    road, farm = screen([Project("路", "road", site), Project("场", "livestock_farm", site)], store, generated_at=STAMP)
    assert any("必须且无法避让" in n and "unavoidable" in n and "默认值“否”" in n for n in road.notes)
    assert road.verdict == "prohibited"
    assert any("养殖规模" in n and "无法完全判定" in n for n in farm.notes)
    assert {c.rule_id for c in farm.conflicts} == {"ECO08", "LIV03"}
    given = _one(Project("路", "road", site, {"unavoidable": True}), store)
    assert not any("unavoidable" in n for n in given.notes)


def test_batch_keeps_input_order_across_work_crs_zones() -> None:
    """Projects in three Gauss-Kruger zones (CM 108, 111, 114E) come back in input order."""
    far_west = Project("w", "road", shapely.Point(109.0, 27.0))
    middle = Project("m", "road", shapely.Point(111.2, 27.5))
    here = Project("h", "road", lonlat(shapely.Point(X0 + 500, Y0 + 500)))
    results = screen([middle, here, far_west, here], _water(), generated_at=STAMP)
    assert [r.project.name for r in results] == ["m", "h", "w", "h"]
    assert [r.project.work_crs for r in results] == ["EPSG:4546", "EPSG:4547", "EPSG:4545", "EPSG:4547"]
    assert [r.project.index for r in results] == [0, 1, 2, 3]
    assert [r.verdict for r in results] == ["clear", "prohibited", "clear", "prohibited"]


def test_zone_measured_in_the_projects_own_zone() -> None:
    """A zone built in EPSG:4546 (CM 111E) at 111.2E, stored in EPSG:4547: the project is
    measured in 4546, where the 100 m x 200 m rectangle is half inside (10,000 m2)."""
    x, y = 520_000.0, 3_050_000.0
    zone_111 = rect(x, y, 1000, 1000)
    store = MemoryStore(
        {
            "water_source": zone_frame(
                [{"name": "西", "grade": "一级", "geometry": transform(zone_111, "EPSG:4546", GK114)}]
            )
        }
    )
    site = lonlat(rect(x + 900, y + 400, 200, 100), "EPSG:4546")
    result = _one(Project("厂", "road", site), store)
    assert result.project.work_crs == "EPSG:4546"
    assert result.conflicts[0].overlap_area_m2 == pytest.approx(10_000, rel=1e-4)


def test_unknown_zone_value_is_noted_not_silently_clear() -> None:
    store = _store({"water_source": [{"name": "旧数据", "grade": "一级保护区", "geometry": ZONE}]})
    result = _one(Project("厂", "road", lonlat(rect(X0 + 400, Y0 + 400, 50, 50)), {"unavoidable": None}), store)
    assert result.verdict == "clear"
    assert any("“一级保护区”不在图层目录中，未套用规则" in n for n in result.notes)


def test_labels_aliases_and_text_attributes_are_accepted() -> None:
    store = _store({"livestock_zone": [{"name": "禁养", "kind": "禁养区", "geometry": ZONE}]})
    site = lonlat(rect(X0 + 400, Y0 + 400, 50, 50))
    result = _one(Project("场", "畜禽养殖场", site, {"scale_head": "1,200"}), store)
    assert (result.project.type, result.project.attributes["scale_head"], result.verdict) == (
        "livestock_farm",
        1200,
        "prohibited",
    )


def test_bad_input_is_a_clear_error() -> None:
    store = _water()
    site = lonlat(rect(X0, Y0, 10, 10))
    with pytest.raises(InputError, match=r"project '机场' \(#1\): project type '机场' is not a known project type"):
        screen([Project("机场", "机场", site)], store)
    with pytest.raises(GeometryError, match=r"project '空' \(#2\) has an empty geometry"):
        screen([Project("好", "road", site), Project("空", "road", shapely.Polygon())], store)
    with pytest.raises(CRSError, match=r"project 'x' \(#1\) has coordinates .* not degrees"):
        screen([Project("x", "road", rect(X0, Y0, 10, 10))], store)
    with pytest.raises(InputError, match=r"tolerance_m was -1 but is expected to be a finite number of metres >= 0"):
        screen([Project("x", "road", site)], store, tolerance_m=-1)
    with pytest.raises(
        InputError, match=r"project 'x' \(#1\): attribute 'unavoidable': value '也许' is not a yes/no value"
    ):
        screen([Project("x", "road", site, {"unavoidable": "也许"})], store)


def test_invalid_project_geometry_is_repaired_with_a_note() -> None:
    """A bow-tie polygon (self-intersecting) is made valid: two 50 m x 50 m triangles' worth."""
    bow = shapely.Polygon([(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 200), (X0 + 200, Y0 + 100), (X0 + 100, Y0 + 200)])
    result = _one(Project("蝴蝶", "road", lonlat(bow)), _water())
    assert result.project.area_m2 == pytest.approx(5000, rel=1e-6)
    assert any("已自动修复" in n for n in result.notes)


def test_json_contract_field_names() -> None:
    result = _one(Project("厂", "road", lonlat(rect(X0 + 900, Y0 + 400, 200, 100))), _water()).to_dict()
    assert set(result) >= {"project", "verdict", "conflicts", "nearby", "data", "generated_at"}
    assert set(result["project"]) >= {
        "name", "type", "geometry_type", "area_m2", "length_m", "centroid_lonlat", "county", "input_crs", "work_crs",
    }  # fmt: skip
    assert set(result["conflicts"][0]) >= {
        "layer", "feature", "zone", "relation", "overlap_area_m2", "overlap_pct", "overlap_length_m", "distance_m",
        "verdict", "rule_id", "condition", "basis", "confidence", "legal_status",
    }  # fmt: skip
    assert set(result["data"]) >= {"zones", "sha256", "layers"}
    assert result["generated_at"] == STAMP
    lon, lat = result["project"]["centroid_lonlat"]
    assert lon == pytest.approx(114.0, abs=0.02) and lat == pytest.approx(28.0, abs=0.05)
