"""Opening and validating zone stores built by hand in tmp_path."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from gis.errors import DataSourceError, SchemaError
from layers.store import ZoneStore, validate_store
from tests.layers.conftest import X0, Y0, eco_redline, square, water_intake, water_source, write_store

CATALOGUE_ORDER = ("eco_redline", "water_source", "water_intake", "livestock_zone", "green_heart",
                   "nature_reserve", "scenic_area", "shoreline", "env_control_unit", "access_clause",
                   "industrial_park", "basic_farmland", "urban_boundary", "public_forest", "wetland",
                   "nature_park", "fish_germplasm", "admin")  # fmt: skip


def test_valid_store_opens_with_layers_in_catalogue_order(valid_store: Path) -> None:
    store = ZoneStore.open(valid_store)
    assert store.layer_ids == ("eco_redline", "water_source", "water_intake", "shoreline")
    assert store.absent_layers == tuple(
        lid for lid in CATALOGUE_ORDER if lid not in ("eco_redline", "water_source", "water_intake", "shoreline")
    )
    assert store.extra_layers == ("basemap_notes",)
    assert [str(p) for p in store.problems] == [
        "[警告 warning] basemap_notes: not in the layer catalogue; kept in the store but not screened"
    ]
    assert store.sha256 == hashlib.sha256(valid_store.read_bytes()).hexdigest()
    assert store.path == valid_store


def test_validate_reports_only_the_extra_layer_warning(valid_store: Path) -> None:
    problems = validate_store(valid_store)
    assert [(p.layer, p.severity) for p in problems] == [("basemap_notes", "warning")]


def test_legal_status_default_illustrative_and_mixed(valid_store: Path) -> None:
    store = ZoneStore.open(valid_store)
    # eco_redline was written without the column: the catalogue default 法定 is filled in.
    assert list(store.layer("eco_redline")["legal_status"]) == ["法定", "法定"]
    assert store.legal_status("eco_redline") == "法定"
    assert store.legal_status("water_intake") == "示意"
    assert store.legal_status("shoreline") == "混合"


def test_layer_info_counts_features_and_keeps_crs(valid_store: Path) -> None:
    info = ZoneStore.open(valid_store).layer_info()
    assert list(info) == ["eco_redline", "water_source", "water_intake", "shoreline"]
    ws = info["water_source"]
    assert (ws.features, ws.geometry_type, ws.crs, ws.legal_status, ws.title_zh) == (
        3, "Polygon", "EPSG:4490", "法定", "饮用水水源保护区"
    )  # fmt: skip
    assert info["shoreline"].geometry_type == "LineString/Polygon"


def test_layer_is_a_copy_callers_cannot_change_the_store(valid_store: Path) -> None:
    store = ZoneStore.open(valid_store)
    gdf = store.layer("water_source")
    gdf.loc[0, "grade"] = "二级"
    gdf["extra"] = 1
    again = store.layer("water_source")
    assert list(again["grade"]) == ["一级", "二级", "准保护区"]
    assert "extra" not in again.columns
    assert list(again.index) == [0, 1, 2]


def test_blank_legal_status_gets_the_default(tmp_path: Path) -> None:
    gdf = water_source()
    gdf["legal_status"] = ["示意", None, " "]
    store = ZoneStore.open(write_store(tmp_path / "z.gpkg", {"water_source": gdf}))
    assert list(store.layer("water_source")["legal_status"]) == ["示意", "法定", "法定"]
    assert store.legal_status("water_source") == "混合"


def test_absent_layer_is_named_with_those_present(valid_store: Path) -> None:
    store = ZoneStore.open(valid_store)
    with pytest.raises(
        DataSourceError,
        match=r"has no layer 'green_heart' \(absent from this store\); layers present: eco_redline, water_source",
    ):
        store.layer("green_heart")
    with pytest.raises(DataSourceError, match=r"has no layer 'basemap_notes' \(unknown to the catalogue\)"):
        store.crs("basemap_notes")


def test_store_with_only_one_layer_lists_the_rest_as_absent(tmp_path: Path) -> None:
    store = ZoneStore.open(write_store(tmp_path / "one.gpkg", {"water_source": water_source()}))
    assert store.layer_ids == ("water_source",)
    assert store.absent_layers == tuple(lid for lid in CATALOGUE_ORDER if lid != "water_source")
    assert store.extra_layers == ()


def test_missing_store_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"zone store .*nowhere.gpkg does not exist; expected a GeoPackage"):
        ZoneStore.open(tmp_path / "nowhere.gpkg")


def test_a_file_that_is_not_a_geopackage_is_named(tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"zones.gpkg is not a GeoPackage \(no SQLite header\)"):
        ZoneStore.open(path)
    with pytest.raises(DataSourceError, match=r"is a folder"):
        validate_store(tmp_path)


# --- a store in a Gauss-Kruger zone -----------------------------------------------------


def gk_water_source(epsg: int) -> gpd.GeoDataFrame:
    """The water-source squares projected to a CGCS2000 Gauss-Kruger zone (CM 114E)."""
    return water_source().to_crs(epsg)


def test_gauss_kruger_store_keeps_its_crs_and_coordinates(tmp_path: Path) -> None:
    source = gk_water_source(4526)  # 3-degree zone 38 with the zone prefix in the easting
    store = ZoneStore.open(write_store(tmp_path / "gk.gpkg", {"water_source": source}))
    assert store.crs("water_source") == "EPSG:4526"
    gdf = store.layer("water_source")
    assert gdf.crs.to_epsg() == 4526
    minx, miny, _, _ = gdf.total_bounds
    # 112.9E is 1.1 degrees west of CM 114E: about 108 km west of the 500 km false easting.
    assert 38_385_000 < minx < 38_400_000 and 3_000_000 < miny < 3_200_000
    # Stored as given: the same vertices come back (to the GeoPackage's double precision).
    assert shapely.equals_exact(gdf.geometry.values, source.geometry.values, tolerance=1e-6).all()


def test_gauss_kruger_numbers_under_the_wrong_zone_variant_are_an_error(tmp_path: Path) -> None:
    """Prefixed eastings (38 4xx xxx) declared as EPSG:4547 (CM 114E, no prefix)."""
    wrong = gk_water_source(4526).set_crs(4547, allow_override=True)
    problems = validate_store(write_store(tmp_path / "gk.gpkg", {"water_source": wrong}))
    assert len(problems) == 1 and problems[0].severity == "error"
    assert re.search(r"gk.gpkg layer water_source .*zone", problems[0].message), problems[0].message


# --- a store with many different problems -------------------------------------------------


def _bowtie() -> Polygon:
    return Polygon([(X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0), (X0, Y0 + 0.01)])


@pytest.fixture
def broken_store(tmp_path: Path) -> Path:
    """One store, one kind of problem per layer (see the test for the list)."""
    ws = water_source()
    ws["grade"] = ["一级保护区", "三级", "三级"]  # an alias spelling and an unknown grade
    eco = eco_redline().drop(columns=["category"]).rename(columns={"name": "Name"})  # required fields missing
    intake = water_intake()
    intake.loc[len(intake)] = ["二水厂取水口", "河流型", "示意", LineString([(X0, Y0), (X0 + 0.01, Y0)])]
    intake = gpd.GeoDataFrame(intake, geometry="geometry", crs="EPSG:4490")
    livestock = gpd.GeoDataFrame(
        {"name": ["甲", "乙", "丙"], "kind": ["禁养区", None, "禁养区"], "legal_status": ["法定", "法定", "官方"]},
        geometry=[square(0), square(1), None],
        crs="EPSG:4490",
    )
    green = gpd.GeoDataFrame({"name": ["绿心"], "zone": ["核心保护区"]}, geometry=[square(0)], crs=None)
    reserve = gpd.GeoDataFrame(
        {"name": ["保护区"], "zone": ["核心区"], "level": ["国家级"]},
        geometry=[box(3_100_000, 38_400_000, 3_101_000, 38_401_000)],  # metres declared as degrees
        crs="EPSG:4490",
    )
    scenic = gpd.GeoDataFrame(
        {"name": ["韶山"], "zone": ["核心景区"], "level": ["国家级"], "effective_date": ["2016年5月"]},
        geometry=[_bowtie()],
        crs="EPSG:4490",
    )
    dup = gpd.GeoDataFrame({"name": ["x"], "grade": ["一级"]}, geometry=[square(0)], crs="EPSG:4490")
    return write_store(
        tmp_path / "broken.gpkg",
        {
            "water_source": ws,
            "eco_redline": eco,
            "water_intake": intake,
            "livestock_zone": livestock,
            "green_heart": green,
            "nature_reserve": reserve,
            "scenic_area": scenic,
            "Water_Source ": dup,
        },
    )


EXPECTED_PROBLEMS = [
    # (layer, field, severity, message pattern)
    ("water_source", "grade", "error",
     r"3 feature\(s\) have values outside the allowed set \('三级' ×2, '一级保护区' ×1; fid 1, 2, 3\); "
     r"allowed: 一级, 二级, 准保护区; known spellings \(一级保护区 → 一级\) are mapped by `python -m zoning layers import`"),
    ("eco_redline", "name", "error",
     r"required field 'name' \(名称 / Name\) is missing; fields present: Name; the layer has 'Name' — rename it to 'name'"),
    ("eco_redline", "category", "error",
     r"required field 'category' \(类别 / Category\) holding one of 自然保护地核心保护区, 一般 is missing"),
    ("water_intake", None, "error",
     r"1 feature\(s\) have the wrong geometry type \('LineString' ×1; fid 2\); expected MultiPoint or Point"),
    ("livestock_zone", None, "error", r"1 feature\(s\) have no geometry or an empty geometry \(fid 3\)"),
    ("livestock_zone", "kind", "error", r"1 feature\(s\) have no value \(fid 2\); 'kind' \(类型 / Kind\) is required"),
    ("livestock_zone", "legal_status", "error", r"values outside the allowed set \('官方' ×1; fid 3\); allowed: 法定, 示意"),
    ("green_heart", None, "error", r"broken.gpkg layer green_heart has no coordinate reference system"),
    ("nature_reserve", None, "error", r"broken.gpkg layer nature_reserve has coordinates .* look like projected metres"),
    ("scenic_area", None, "warning", r"1 feature\(s\) have invalid geometry \('Self-intersection' ×1; fid 1\); they are repaired"),
    ("scenic_area", "effective_date", "warning", r"dates that are not YYYY-MM-DD \('2016年5月' ×1; fid 1\)"),
    ("Water_Source ", None, "error", r"layer 'Water_Source ' duplicates catalogue layer 'water_source'"),
]  # fmt: skip


def test_every_problem_is_reported_at_once(broken_store: Path) -> None:
    problems = validate_store(broken_store)
    found = [(p.layer, p.field, p.severity) for p in problems]
    assert sorted(found, key=str) == sorted([e[:3] for e in EXPECTED_PROBLEMS], key=str)
    for layer, field, severity, pattern in EXPECTED_PROBLEMS:
        (problem,) = [p for p in problems if (p.layer, p.field, p.severity) == (layer, field, severity)]
        assert re.search(pattern, problem.message), (pattern, problem.message)


def test_problem_rows_are_geopackage_fids(broken_store: Path) -> None:
    problems = validate_store(broken_store)
    (grade,) = [p for p in problems if p.field == "grade"]
    assert grade.rows == (1, 2, 3)


def test_open_refuses_the_store_listing_all_errors(broken_store: Path) -> None:
    with pytest.raises(SchemaError, match=r"broken.gpkg has 10 error\(s\) and 2 warning\(s\)") as info:
        ZoneStore.open(broken_store)
    text = str(info.value)
    for _layer, _field, severity, pattern in EXPECTED_PROBLEMS:
        if severity == "error":
            assert re.search(pattern, text), pattern
    assert "python -m zoning layers validate" in text


def test_a_table_without_geometry_under_a_catalogue_name_is_an_error(tmp_path: Path) -> None:
    import pandas as pd
    import pyogrio

    path = write_store(tmp_path / "z.gpkg", {"water_source": water_source()})
    pyogrio.write_dataframe(pd.DataFrame({"name": ["a"]}), path, layer="admin", driver="GPKG")
    (problem,) = validate_store(path)
    assert (problem.layer, problem.severity) == ("admin", "error")
    assert re.search(r"layer 'admin' is a table without geometry; expected polygon features", problem.message)


# --- warnings only: the store opens -----------------------------------------------------


def test_legacy_green_heart_values_are_a_warning_and_the_store_opens(tmp_path: Path) -> None:
    green = gpd.GeoDataFrame(
        {"name": ["绿心甲", "绿心乙", "绿心丙"], "zone": ["禁止开发区", "核心保护区", "控制建设区"]},
        geometry=[square(0), square(1), square(2)],
        crs="EPSG:4490",
    )
    path = write_store(tmp_path / "g.gpkg", {"green_heart": green})
    (problem,) = validate_store(path)
    assert (problem.layer, problem.field, problem.severity, problem.rows) == ("green_heart", "zone", "warning", (1, 3))
    assert re.search(
        r"2 feature\(s\) use legacy values \('禁止开发区' ×1, '控制建设区' ×1; fid 1, 3\); .*current values: 核心保护区, 融合发展区",
        problem.message,
    )
    store = ZoneStore.open(path)
    assert list(store.layer("green_heart")["zone"]) == ["禁止开发区", "核心保护区", "控制建设区"]
    assert store.problems == (problem,)


def test_invalid_geometry_is_repaired_when_read(tmp_path: Path) -> None:
    """A bow-tie of two 100 m x 100 m triangles in EPSG:4547 (metres): area 2 x 0.5 x 200 x 100."""
    x, y = 600_000.0, 3_080_000.0
    bowtie = Polygon([(x, y), (x + 200, y + 200), (x + 200, y), (x, y + 200)])
    scenic = gpd.GeoDataFrame({"name": ["甲", "乙"], "zone": ["核心景区", "一般景区"], "level": ["省级"] * 2},
                              geometry=[bowtie, box(x, y, x + 10, y + 10)], crs="EPSG:4547")  # fmt: skip
    store = ZoneStore.open(write_store(tmp_path / "s.gpkg", {"scenic_area": scenic}))
    gdf = store.layer("scenic_area")
    assert gdf.geometry.is_valid.all()
    assert gdf.geometry.area.tolist() == pytest.approx([20_000.0, 100.0])
    assert gdf.geometry.iloc[0].geom_type == "MultiPolygon"
    assert [p.severity for p in store.problems] == ["warning"]


def test_kept_versions_and_history_are_not_extra_layers(tmp_path: Path) -> None:
    path = write_store(tmp_path / "z.gpkg", {"water_source": water_source(), "water_source__v1": water_source()})
    store = ZoneStore.open(path)
    assert store.extra_layers == ()
    assert store.version_layers == ("water_source__v1",)
    assert validate_store(path) == []


def test_points_read_as_multipoints_are_accepted(tmp_path: Path) -> None:
    intake = water_intake()
    intake = intake.set_geometry(gpd.GeoSeries([shapely.MultiPoint([Point(X0, Y0)])], crs="EPSG:4490"))
    assert validate_store(write_store(tmp_path / "z.gpkg", {"water_intake": intake})) == []


def test_an_empty_layer_is_a_warning_with_the_default_legal_status(tmp_path: Path) -> None:
    import pyogrio

    empty = gpd.GeoDataFrame({"name": [], "zone": []}, geometry=gpd.GeoSeries([], crs="EPSG:4490"), crs="EPSG:4490")
    path = tmp_path / "e.gpkg"
    pyogrio.write_dataframe(empty, path, layer="green_heart", geometry_type="MultiPolygon")
    (problem,) = validate_store(path)
    assert (problem.layer, problem.severity) == ("green_heart", "warning")
    assert problem.message == "e.gpkg layer green_heart has no features; nothing in it will be screened"
    store = ZoneStore.open(path)
    assert (store.legal_status("green_heart"), store.layer_info()["green_heart"].features) == ("法定", 0)


def test_qgis_styles_saved_in_the_geopackage_are_not_extra_layers(tmp_path: Path) -> None:
    import pandas as pd
    import pyogrio

    path = write_store(tmp_path / "z.gpkg", {"water_source": water_source()})
    pyogrio.write_dataframe(pd.DataFrame({"f_table_name": ["water_source"]}), path, layer="layer_styles", driver="GPKG")
    assert ZoneStore.open(path).extra_layers == ()
    assert validate_store(path) == []
