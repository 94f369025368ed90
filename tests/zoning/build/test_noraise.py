"""No-raise zones as the union of their statutory parts: every piece says why, pieces do
not overlap, only the statutory parts count. Areas are hand-computed for squares laid out
in a Gauss-Kruger CRS and measured back in it.

The overlay runs in longitude/latitude (no measurement there), where a square's edges are
straight lines between the same corners but not exactly the GK straight lines: crossing
points move by centimetres, so areas agree to ~1e-5, hence rel=1e-4 below."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

from gis.errors import InputError, RuleConfigError
from zoning.build.noraise import derive_no_raise, load_noraise_params, statutory_parts, town_labels, town_parts
from zoning.cli import cli

WORK = "EPSG:4547"
X0, Y0 = 500_000.0, 3_100_000.0


def sq(x: float, y: float, size: float):
    return box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def layer(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=WORK)


def areas_m2(gdf: gpd.GeoDataFrame) -> list[float]:
    return list(gdf.to_crs(WORK).area)


@pytest.fixture
def water_and_scenic():
    water = layer(
        [
            {"name": "甲水源 一级保护区（陆域）", "grade": "一级", "part": "陆域"},
            {"name": "甲水源 一级保护区（水域）", "grade": "一级", "part": "水域"},
            {"name": "甲水源 准保护区（陆域）", "grade": "准保护区", "part": "陆域"},
        ],
        [sq(0, 0, 1000), sq(-2000, 0, 1000), sq(5000, 0, 1000)],
    )
    scenic = layer([{"name": "乙风景区", "zone": "一般景区"}], [sq(500, 500, 1000)])
    return water, scenic


def test_overlap_becomes_one_piece_listing_both_parts(water_and_scenic):
    water, scenic = water_and_scenic
    out = derive_no_raise(statutory_parts(water_source=water, scenic_area=scenic))
    by_parts = dict(zip(out["basis_parts"], areas_m2(out), strict=True))
    # A = [0,1000]^2 (water land), B = [500,1500]^2 (scenic): A only and B only are
    # 1e6 - 250 000 = 750 000 m2 each, the overlap 500 * 500 = 250 000 m2.
    assert by_parts == pytest.approx(
        {"饮用水水源一级保护区": 750_000.0, "风景名胜区": 750_000.0, "饮用水水源一级保护区;风景名胜区": 250_000.0}, rel=1e-4
    )
    both = out[out["basis_parts"] == "饮用水水源一级保护区;风景名胜区"].iloc[0]
    assert both["basis_features"] == "乙风景区;甲水源 一级保护区（陆域）"
    assert both["kind"] == "禁养区" and both["legal_status"] == "示意"
    assert "第十一条第（一）项" in both["source"] and "示意" in both["source"]


def test_water_parts_and_quasi_zone_are_not_no_raise(water_and_scenic):
    water, scenic = water_and_scenic
    out = derive_no_raise(statutory_parts(water_source=water, scenic_area=scenic))
    # total = union of the land square and the scenic square only: 2e6 - 250 000
    assert sum(areas_m2(out)) == pytest.approx(1_750_000.0, rel=1e-4)
    assert not out["basis_features"].str.contains("水域|准保护区").any()


def test_pieces_do_not_overlap_so_a_point_hits_exactly_one(water_and_scenic):
    water, scenic = water_and_scenic
    out = derive_no_raise(statutory_parts(water_source=water, scenic_area=scenic)).to_crs(WORK)
    for x, y, expected in ((250, 250, 1), (750, 750, 1), (1250, 1250, 1), (3000, 3000, 0)):
        assert int(out.contains(Point(X0 + x, Y0 + y)).sum()) == expected


def test_water_layer_without_part_field_is_used_whole_and_says_so():
    water = layer([{"name": "官方水源", "grade": "二级"}], [sq(0, 0, 1000)])
    out = derive_no_raise(statutory_parts(water_source=water))
    assert out.iloc[0]["basis_features"] == "官方水源（未区分水域/陆域）"
    assert out.iloc[0]["basis_parts"] == "饮用水水源二级保护区"


def test_reserve_core_and_buffer_only():
    reserve = layer(
        [{"name": "丙保护区", "zone": z, "level": "国家级"} for z in ("核心区", "缓冲区", "实验区")],
        [sq(0, 0, 1000), sq(1000, 0, 1000), sq(2000, 0, 1000)],
    )
    out = derive_no_raise(statutory_parts(nature_reserve=reserve))
    assert sorted(out["basis_parts"]) == ["自然保护区核心区", "自然保护区缓冲区"]
    assert sum(areas_m2(out)) == pytest.approx(2_000_000.0, rel=1e-4)


def test_town_radius_by_population_class_and_override():
    towns = gpd.GeoDataFrame(
        {"name": ["Big", "Unknown"], "name_zh": ["大城", None], "population": [3_000_000, 0]},
        geometry=[Point(113.0, 28.0), Point(113.5, 28.0)],
        crs="EPSG:4490",
    )
    parts = town_parts(towns)
    # 3 million -> class >= 2 million -> 9000 m; population 0 = unknown -> 500 m. A town
    # without a Chinese name is never named by its romanisation.
    assert [p.feature for p in parts] == ["大城城镇建成区（半径9000米，示意）", "城镇建成区1（半径500米，示意）"]
    out = derive_no_raise(parts).sort_values("basis_features")
    # 64-gon inscribed in the circle: area = 32 r^2 sin(2 pi / 64) = 0.99839 * pi r^2
    n = 64
    expected = sorted(n / 2 * r**2 * math.sin(2 * math.pi / n) for r in (9000.0, 500.0))
    got = sorted(gpd.GeoSeries([g], crs="EPSG:4490").to_crs(WORK).area.iloc[0] for g in out.geometry)
    assert got == pytest.approx(expected, rel=2e-3)  # GK scale at 113-113.5E, < 0.1 %
    fixed = town_parts(towns, radius_m=800.0)
    assert all("半径800米" in p.feature for p in fixed)


def test_towns_without_a_chinese_name_are_named_by_county_kind_and_number():
    towns = gpd.GeoDataFrame(
        {"name": ["Anjiang", "Zhushi", "Pingjiang", "Tiantang"], "name_zh": [None, "", "平江", None],
         "county_name": ["洪江市", "洞口县", "平江县", "洪江市"], "population": [0, 0, 0, 0]},
        geometry=[Point(110.0 + i / 10, 27.0) for i in range(4)], crs="EPSG:4490",
    )  # fmt: skip
    assert list(town_labels(towns).values()) == ["洪江市城镇建成区1", "洞口县城镇建成区1", "平江城镇建成区", "洪江市城镇建成区2"]
    names = derive_no_raise(town_parts(towns))["name"].tolist()
    assert not [n for n in names if any("a" <= ch.lower() <= "z" for ch in n)], names


def test_town_polygons_are_used_as_given():
    towns = layer([{"name_zh": "丁镇", "population": 0}], [sq(0, 0, 2000)])
    (part,) = town_parts(towns)
    assert part.feature == "丁镇城镇建成区"
    assert areas_m2(derive_no_raise([part])) == pytest.approx([4_000_000.0], rel=1e-4)


def test_bad_radius_and_bad_params_are_refused(tmp_path):
    towns = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(113, 28)], crs="EPSG:4490")
    with pytest.raises(InputError, match=r"town radius was -5.0 m; expected a positive number"):
        town_parts(towns, radius_m=-5.0)
    bad = tmp_path / "p.yaml"
    bad.write_text("town_radius_m: [{min_population: 1}]\nunknown_population_radius_m: 500\nparts: {}\n", encoding="utf-8")
    with pytest.raises(RuleConfigError, match=r"p.yaml: cannot read the no-raise parameters \(KeyError"):
        load_noraise_params(bad)


def test_cli_noraise_writes_livestock_zone(tmp_path, water_and_scenic):
    water, scenic = water_and_scenic
    store = tmp_path / "store.gpkg"
    water.to_file(store, layer="water_source", engine="pyogrio")
    scenic.to_file(store, layer="scenic_area", engine="pyogrio")
    towns = tmp_path / "towns.geojson"
    gpd.GeoDataFrame({"name": ["t"]}, geometry=[Point(X0 + 8000, Y0)], crs=WORK).to_crs("EPSG:4490").to_file(towns)
    out = tmp_path / "nr.gpkg"
    result = CliRunner().invoke(cli, ["noraise", str(store), "-o", str(out), "--towns", str(towns), "--town-radius-m", "300"])
    assert result.exit_code == 0, result.output
    assert "wrote 4 no-raise pieces" in result.output
    got = gpd.read_file(out, layer="livestock_zone")
    assert set(got["basis_parts"]) == {"饮用水水源一级保护区", "风景名胜区", "饮用水水源一级保护区;风景名胜区", "城镇居民区（人口集中区域）"}


def test_cli_noraise_refuses_contradictory_town_options(tmp_path):
    result = CliRunner().invoke(cli, ["noraise", str(tmp_path / "x.gpkg"), "-o", "o.gpkg", "--no-towns", "--town-radius-m", "5"])
    assert result.exit_code != 0
    assert "--no-towns leaves towns out" in str(result.exception) + result.output
