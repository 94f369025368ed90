"""Provisional water-source zones: reaches measured along curved rivers, strip widths,
lake templates, and clear errors. Expected numbers are worked out by hand in the
comments (annulus-sector areas: a band of half-width h around an arc of length l has
area 2*h*l exactly, whatever the radius, as long as h < R)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from gis.errors import InputError, RuleConfigError
from zoning.build._delineation_params import load_delineation_params
from zoning.build.delineate import Intake, delineate, intakes_from_frame

WORK = "EPSG:4547"  # CGCS2000 GK, CM 114E: the work CRS the code picks for these intakes
CX, CY = 500_000.0, 3_100_000.0  # on the central meridian, about 28N
_TO_LL = Transformer.from_crs(WORK, "EPSG:4490", always_xy=True)


def to_lonlat(x: float, y: float) -> Point:
    return Point(*_TO_LL.transform(x, y))


def arc(radius_m: float, *, n: int = 4000, quarter: float = 0.5) -> LineString:
    """Counter-clockwise arc from angle 0 to quarter*pi (quarter circle by default)."""
    t = np.linspace(0.0, quarter * math.pi, n)
    return LineString(np.column_stack([CX + radius_m * np.cos(t), CY + radius_m * np.sin(t)]))


def on_arc(radius_m: float, s_m: float) -> tuple[float, float]:
    """The point at arc length s_m from the arc's start."""
    t = s_m / radius_m
    return CX + radius_m * math.cos(t), CY + radius_m * math.sin(t)


def rivers(*lines: LineString, **fields: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(fields, geometry=list(lines), crs=WORK)


def zones_in_work(result, grade: str, part: str):
    z = result.zones
    hit = z[(z.grade == grade) & (z.part == part)]
    assert len(hit) == 1, f"expected one {grade} {part} feature, got {len(hit)}"
    return gpd.GeoSeries(hit.geometry.values, crs="EPSG:4490").to_crs(WORK).iloc[0]


R = 5000.0  # radius of the curved test river, m
S_INTAKE = 5000.0  # intake at arc length 5000 m (angle 1 rad)


@pytest.fixture(scope="module")
def curved():
    """HJ 338 defaults on a quarter circle of radius 5 km, river 100 m wide."""
    x, y = on_arc(R, S_INTAKE)
    intake = Intake("弯道取水口", "河流型", to_lonlat(x, y), river_width_m=100.0)
    return delineate([intake], rivers(arc(R)), params="hj338")


def test_upstream_extent_is_measured_along_the_curve(curved):
    water1 = zones_in_work(curved, "一级", "水域")
    line = arc(R)
    # 一级 reach: 1000 m upstream + 100 m downstream, along the line = 1100 m.
    assert line.intersection(water1).length == pytest.approx(1100.0, abs=0.5)
    # Its upstream end is the arc point at s = 5000 - 1000 = 4000 m (angle 0.8 rad) ...
    up_end = Point(on_arc(R, 4000.0))
    assert water1.exterior.distance(up_end) < 0.5
    assert water1.contains(Point(on_arc(R, 4010.0)))
    assert not water1.contains(Point(on_arc(R, 3990.0)))
    # ... which is NOT 1000 m from the intake in a straight line: the chord is
    # 2 R sin(0.2 / 2) = 998.33 m, so a straight-line buffer would reach further.
    chord = Point(on_arc(R, S_INTAKE)).distance(up_end)
    assert chord == pytest.approx(2 * R * math.sin(0.1), abs=0.01)
    assert chord < 999.0


def test_water_and_land_areas_on_the_curve(curved):
    # w = 100 m wide water (h = 50 m); areas = 2 * h * reach length.
    assert zones_in_work(curved, "一级", "水域").area == pytest.approx(100 * 1100, rel=2e-4)  # 110 000 m2
    # 一级 land: 50 m beyond each bank along 1100 m: 2 * 50 * 1100 = 110 000 m2.
    assert zones_in_work(curved, "一级", "陆域").area == pytest.approx(2 * 50 * 1100, rel=2e-4)
    # 二级 reach 3000 up + 300 down = 3300 m; water ring = 100 * (3300 - 1100) = 220 000 m2.
    assert zones_in_work(curved, "二级", "水域").area == pytest.approx(220_000, rel=2e-4)
    # 二级 land to 1000 m from the bank: total band 2 * 1050 * 3300 = 6 930 000, minus the
    # 二级 water (220 000), the 一级 water (110 000) and 一级 land (110 000) = 6 490 000 m2.
    assert zones_in_work(curved, "二级", "陆域").area == pytest.approx(6_490_000, rel=2e-4)


def test_strip_widths_across_the_river(curved):
    # A radial cross-section through the intake: 一级 land is 50 m on each bank, 二级
    # land is the rest out to 1000 m from each bank (950 m each side).
    cx, cy = CX, CY
    ix, iy = on_arc(R, S_INTAKE)
    ux, uy = (ix - cx) / R, (iy - cy) / R
    section = LineString([(cx + ux * (R - 1500), cy + uy * (R - 1500)), (cx + ux * (R + 1500), cy + uy * (R + 1500))])
    assert section.intersection(zones_in_work(curved, "一级", "水域")).length == pytest.approx(100.0, abs=0.05)
    assert section.intersection(zones_in_work(curved, "一级", "陆域")).length == pytest.approx(100.0, abs=0.05)
    assert section.intersection(zones_in_work(curved, "二级", "陆域")).length == pytest.approx(1900.0, abs=0.05)


def test_every_feature_is_labelled_illustrative_with_its_method(curved):
    z = curved.zones
    assert set(z.legal_status) == {"示意"}
    assert z.crs.to_epsg() == 4490
    first = z[(z.grade == "一级") & (z.part == "水域")].iloc[0]
    assert first["name"] == "弯道取水口 一级保护区（水域）"
    for words in ("示意", "HJ 338-2018", "上溯1000 m", "下延100 m", "河宽100 m", "岸线外50 m", "EPSG:4547"):
        assert words in first["source"]
    assert set(z.grade) == {"一级", "二级", "准保护区"}


def test_reverse_flow_puts_upstream_toward_the_line_end():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    intake = Intake("逆向", "河流型", to_lonlat(CX + 3000, CY), river_width_m=100.0, flow="reverse")
    water1 = zones_in_work(delineate([intake], rivers(line), params="hj338"), "一级", "水域")
    # upstream is now +x: the reach spans x = 3000 - 100 .. 3000 + 1000.
    minx, _, maxx, _ = water1.bounds
    assert (minx - CX, maxx - CX) == pytest.approx((2900.0, 4000.0), abs=0.01)


def test_flow_field_on_the_river_line_is_used():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    intake = Intake("河线属性", "河流型", to_lonlat(CX + 3000, CY), river_width_m=100.0)
    result = delineate([intake], rivers(line, flow=["reverse"]), params="hj338")
    minx, _, maxx, _ = zones_in_work(result, "一级", "水域").bounds
    assert (minx - CX, maxx - CX) == pytest.approx((2900.0, 4000.0), abs=0.01)
    assert not result.notes  # direction was given, nothing assumed


def test_hunan_township_template_on_a_straight_stream():
    line = LineString([(CX, CY), (CX, CY + 5000)])  # flows north
    intake = Intake("乡镇", "河流型", to_lonlat(CX + 3, CY + 2000), river_width_m=20.0)
    result = delineate([intake], rivers(line), params="hunan_township")
    # 一级: 330 m upstream, nothing downstream; water 20 * 330 = 6600; land 2 * 10 * 330 = 6600.
    assert zones_in_work(result, "一级", "水域").area == pytest.approx(6600.0, rel=1e-6)
    assert zones_in_work(result, "一级", "陆域").area == pytest.approx(6600.0, rel=1e-6)
    _, miny, _, maxy = zones_in_work(result, "一级", "水域").bounds
    assert (miny - CY, maxy - CY) == pytest.approx((1670.0, 2000.0), abs=0.01)
    # 二级 to 1000 m upstream, land to 50 m from the bank: band 1000 * 2 * 60 = 120 000,
    # minus 二级 water 20 * 670 = 13 400 and the 一级 total 330 * 40 = 13 200 -> 93 400.
    assert zones_in_work(result, "二级", "水域").area == pytest.approx(13_400.0, rel=1e-6)
    assert zones_in_work(result, "二级", "陆域").area == pytest.approx(93_400.0, rel=1e-6)
    assert "准保护区" not in set(result.zones.grade)


def test_reach_is_clamped_at_the_end_of_the_line_with_a_note():
    line = LineString([(CX, CY), (CX + 600, CY)])
    intake = Intake("短河", "河流型", to_lonlat(CX + 500, CY), river_width_m=10.0)
    result = delineate([intake], rivers(line), params="hunan_township")
    assert zones_in_work(result, "一级", "水域").area == pytest.approx(10 * 330, rel=1e-6)
    minx, _, maxx, _ = zones_in_work(result, "二级", "水域").bounds
    assert (minx - CX, maxx - CX) == pytest.approx((0.0, 170.0), abs=0.01)  # 500 m left upstream, not 1000
    assert any("二级" in n and "上游长度不足" in n for n in result.notes)


def test_river_through_a_water_polygon_uses_the_polygon():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    lake = Polygon([(CX + 2000, CY - 300), (CX + 8000, CY - 300), (CX + 8000, CY + 300), (CX + 2000, CY + 300)])
    water = gpd.GeoDataFrame(geometry=[lake], crs=WORK)
    intake = Intake("湖段", "河流型", to_lonlat(CX + 5000, CY), river_width_m=100.0)
    result = delineate([intake], rivers(line), water=water, params="hj338")
    # the polygon is 600 m wide: 一级 water = 600 * 1100, land = 2 * 50 * 1100.
    assert zones_in_work(result, "一级", "水域").area == pytest.approx(660_000.0, rel=1e-6)
    assert zones_in_work(result, "一级", "陆域").area == pytest.approx(110_000.0, rel=1e-6)


def circle_lake(radius_m: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(CX, CY).buffer(radius_m, quad_segs=256)], crs=WORK)


def test_reservoir_whole_water_body_and_200_m_land():
    intake = Intake("水库", "湖库型", to_lonlat(CX + 100, CY))
    result = delineate([intake], None, water=circle_lake(1000.0), params="hunan_township")
    assert zones_in_work(result, "一级", "水域").area == pytest.approx(math.pi * 1000**2, rel=1e-4)
    # land ring 1000..1200 m: pi * (1200^2 - 1000^2) = 1 382 301 m2
    assert zones_in_work(result, "一级", "陆域").area == pytest.approx(math.pi * (1200**2 - 1000**2), rel=1e-3)
    assert any("汇水区" in n for n in result.notes)  # 二级 needs a DEM: said, not faked
    assert set(result.zones.grade) == {"一级"}


def test_medium_lake_gets_a_300_m_radius():
    # 3.14 km2 -> medium (1..50 km2): 一级 = water within 300 m of the intake; the shore
    # is 1000 m away, so there is no 一级 land.
    intake = Intake("湖泊", "湖库型", to_lonlat(CX, CY))
    result = delineate([intake], None, water=circle_lake(1000.0), params="hj338")
    assert zones_in_work(result, "一级", "水域").area == pytest.approx(math.pi * 300**2, rel=1e-3)
    assert len(result.zones) == 1


def test_large_lake_second_grade_ring():
    # size given: large -> 一级 500 m radius, 二级 2000 m radius water + 3000 m land.
    intake = Intake("大湖", "湖库型", to_lonlat(CX, CY), size_class="large")
    result = delineate([intake], None, water=circle_lake(1500.0), params="hj338")
    # 二级 water: the rest of the 1500 m lake beyond 500 m: pi (1500^2 - 500^2)
    assert zones_in_work(result, "二级", "水域").area == pytest.approx(math.pi * (1500**2 - 500**2), rel=1e-3)
    # 二级 land: the ring 1500..4500 m
    assert zones_in_work(result, "二级", "陆域").area == pytest.approx(math.pi * (4500**2 - 1500**2), rel=1e-3)


def test_intake_far_from_any_river_is_refused_with_its_name():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    intake = Intake("远离河道", "河流型", to_lonlat(CX + 5000, CY + 3000))
    with pytest.raises(
        InputError, match=r"intake '远离河道' lies 3000 m from the nearest river line; expected within 1500 m"
    ):
        delineate([intake], rivers(line), params="hj338")


def test_unknown_river_name_lists_the_known_ones():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    intake = Intake("指定河流", "河流型", to_lonlat(CX + 5000, CY), river="资江")
    with pytest.raises(InputError, match=r"no river line named '资江'.*named rivers there: 湘江"):
        delineate([intake], rivers(line, name_zh=["湘江"]), params="hj338")


def test_unknown_parameter_set_and_groundwater_are_refused():
    intake = Intake("井", "地下水型", to_lonlat(CX, CY))
    with pytest.raises(InputError, match=r"--params is 'hj339'; expected one of hunan_township, hj338"):
        delineate([intake], None, params="hj339")
    with pytest.raises(InputError, match=r"intake '井' is 地下水型"):
        delineate([intake], None, params="hj338")


def test_lake_intake_without_water_polygons_is_refused():
    intake = Intake("无水体", "湖库型", to_lonlat(CX, CY))
    with pytest.raises(InputError, match=r"intake '无水体' is 湖库型 but no water polygons were given \(--water\)"):
        delineate([intake], None, params="hj338")


def test_intakes_from_frame_checks_fields():
    ok = gpd.GeoDataFrame(
        {"name": ["a"], "source_type": ["湖库型"], "size_class": ["大型"], "flow": ["reverse"], "river_width_m": [250]},
        geometry=[Point(113, 28)],
        crs="EPSG:4490",
    )
    (intake,) = intakes_from_frame(ok, source="in.geojson")
    assert (intake.source_type, intake.size_class, intake.flow, intake.river_width_m) == (
        "湖库型",
        "large",
        "reverse",
        250.0,
    )
    bad = ok.assign(source_type=["河道型"])
    with pytest.raises(
        InputError, match=r"in.geojson, intake 'a': field 'source_type' is '河道型'; expected one of 河流型"
    ):
        intakes_from_frame(bad, source="in.geojson")
    with pytest.raises(InputError, match=r"field 'river_width_m' is '-5'; expected a positive number"):
        intakes_from_frame(ok.assign(river_width_m=["-5"]), source="in.geojson")
    line = gpd.GeoDataFrame({"name": ["l"]}, geometry=[LineString([(113, 28), (113.1, 28)])], crs="EPSG:4490")
    with pytest.raises(InputError, match=r"in.geojson, feature 1 has a LineString; an intake must be a point"):
        intakes_from_frame(line, source="in.geojson")


def test_parameters_file_says_what_rules_md_says():
    cfg = load_delineation_params()
    hj = cfg.param_sets["hj338"]
    # RULES.md: 一级 1000 up / 100 down / land 50; 二级 2000 further up / 200 further down / land 1000.
    assert [(g.grade, g.upstream_m, g.downstream_m, g.land_m) for g in hj.river[:2]] == [
        ("一级", 1000, 100, 50),
        ("二级", 3000, 300, 1000),
    ]
    assert hj.confidence == "unverified"
    tw = cfg.param_sets["hunan_township"]
    # RULES.md: 330 m + 10 m strip; a further 670 m + 50 m strip.
    assert [(g.grade, g.upstream_m, g.land_m) for g in tw.river] == [("一级", 330, 10), ("二级", 1000, 50)]
    large = hj.lake["large"]
    assert [(g.grade, g.radius_m, g.land_m) for g in large] == [("一级", 500, 200), ("二级", 2000, 3000)]


def test_bad_parameters_file_names_the_key(tmp_path):
    text = (load_delineation_params().path).read_text(encoding="utf-8").replace("land_m: 1000", "land_m: -3", 1)
    bad = tmp_path / "p.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RuleConfigError, match=r"p.yaml: 'param_sets.hj338.river\[1\].land_m' is -3; expected a number"):
        load_delineation_params(bad)


def test_cli_delineate_writes_water_source_and_refuses_bad_params(tmp_path, capsys):
    from zoning.cli import main

    river_file, intake_file, out = tmp_path / "rivers.geojson", tmp_path / "intakes.geojson", tmp_path / "ws.gpkg"
    rivers(arc(R), name_zh=["测试河"]).to_crs("EPSG:4490").to_file(river_file)
    x, y = on_arc(R, S_INTAKE)
    gpd.GeoDataFrame({"name": ["命令行取水口"], "river_width_m": [100]}, geometry=[to_lonlat(x, y)], crs="EPSG:4490").to_file(
        intake_file
    )
    with pytest.raises(SystemExit) as done:
        main(["delineate", str(intake_file), "--rivers", str(river_file), "--params", "hj338", "-o", str(out)])
    assert done.value.code == 0
    assert "wrote 6 features" in capsys.readouterr().out
    got = gpd.read_file(out, layer="water_source")
    water1 = got[(got.grade == "一级") & (got.part == "水域")].to_crs(WORK).geometry.iloc[0]
    assert water1.area == pytest.approx(110_000.0, rel=2e-4)  # same hand value as above
    with pytest.raises(SystemExit) as bad:
        main(["delineate", str(intake_file), "--rivers", str(river_file), "--params", "hj", "-o", str(tmp_path / "other.gpkg")])
    assert bad.value.code == 2
    assert "error: --params is 'hj'; expected one of hunan_township, hj338" in capsys.readouterr().err


def test_missing_names_and_flows_are_not_values():
    # Null name/flow (as read from files) must neither group unnamed lines together nor
    # count as a flow hint: the reach runs as digitised, and the assumption is noted.
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    other = LineString([(CX + 10_000, CY), (CX + 20_000, CY + 5000)])
    intake = Intake("无名河", "河流型", to_lonlat(CX + 9500, CY), river_width_m=100.0)
    result = delineate([intake], rivers(line, other, name_zh=[np.nan, np.nan], flow=[np.nan, np.nan]), params="hj338")
    minx, _, maxx, _ = zones_in_work(result, "一级", "水域").bounds
    # upstream toward the start: 8500 .. 9600; not continued onto the other unnamed line
    assert (minx - CX, maxx - CX) == pytest.approx((8500.0, 9600.0), abs=0.01)
    assert any("假定河线按水流方向数字化" in n for n in result.notes)


def test_same_named_lines_are_joined_end_to_end_not_cut_at_crossings():
    main = LineString([(CX, CY), (CX + 10_000, CY)])
    crossing = LineString([(CX + 5000, CY - 3000), (CX + 5000, CY + 3000)])
    intake = Intake("交叉", "河流型", to_lonlat(CX + 5500, CY), river_width_m=100.0, river="甲河")
    result = delineate([intake], rivers(main, crossing, name_zh=["甲河", "甲河"]), params="hj338")
    minx, _, maxx, _ = zones_in_work(result, "一级", "水域").bounds
    assert (minx - CX, maxx - CX) == pytest.approx((4500.0, 5600.0), abs=0.01)


def test_bad_flow_value_on_a_river_line_is_refused():
    line = LineString([(CX, CY), (CX + 10_000, CY)])
    intake = Intake("x", "河流型", to_lonlat(CX + 5000, CY))
    with pytest.raises(InputError, match=r"river line '甲河': field 'flow' is 'downhill'; expected one of along, reverse"):
        delineate([intake], rivers(line, name_zh=["甲河"], flow=["downhill"]), params="hj338")


def test_two_intakes_of_one_reach_take_the_river_between_them():
    """A source registered as "1,000 m above intake 1 to 100 m below intake 2" (the Yiyang
    table): on the curved test river, intakes at s = 5,000 m and s = 6,500 m (given the
    other way round), HJ 338 grade 1: the reach runs from s = 4,000 to s = 6,600 m, 2,600 m
    along the line; water 100 m wide, so the band's area is 2 * 50 * 2,600 = 260,000 m²."""
    first, second = on_arc(R, 5_000.0), on_arc(R, 6_500.0)
    intake = Intake("两口取水", "河流型", to_lonlat(*second), river_width_m=100.0, reach_to=to_lonlat(*first))
    result = delineate([intake], rivers(arc(R)), params="hj338")
    water1 = zones_in_work(result, "一级", "水域")
    assert arc(R).intersection(water1).length == pytest.approx(2_600.0, abs=0.5)
    assert water1.area == pytest.approx(260_000.0, rel=1e-3)
    assert "两取水口间沿河线1500 m全部纳入" in result.zones["source"].iloc[0]


def test_a_second_intake_off_the_river_is_refused():
    first = on_arc(R, 5_000.0)
    far = to_lonlat(CX - 10_000.0, CY)  # 15 km from the arc
    with pytest.raises(InputError, match="second intake lies .* from the river line of the first"):
        delineate([Intake("错口", "河流型", to_lonlat(*first), reach_to=far)], rivers(arc(R)), params="hj338")
