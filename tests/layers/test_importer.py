"""Importing official layers into a store: a zipped GBK shapefile in Gauss-Kruger zone 38, versions, roll-back."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon, box

from gis.errors import InputError, SchemaError
from gis.repair import GeometryRepairWarning
from layers.importer import import_layer, list_versions, rollback
from layers.store import ZoneStore, validate_store
from tests.layers.conftest import E0, N0, official_water_source, water_source, write_store, zipped_gbk_shapefile


@pytest.fixture
def shp_zip(tmp_path: Path) -> Path:
    return zipped_gbk_shapefile(official_water_source(), tmp_path / "src")


MAP = {"名称": "name", "级别": "grade"}


def test_import_a_zipped_gbk_shapefile_in_gauss_kruger_zone_38(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    result = import_layer(
        store_path, shp_zip, layer_id="water_source", field_map=MAP,
        source="湘政函〔2016〕176号", effective_date="2016-12-30",
    )  # fmt: skip
    assert (result.layer, result.version, result.replaced_version, result.features) == ("water_source", 1, None, 3)
    assert (result.crs, result.legal_status) == ("EPSG:4526", "法定")
    assert result.source_sha256 == hashlib.sha256(shp_zip.read_bytes()).hexdigest()
    assert any("GBK" in n for n in result.notes)
    assert any(n.startswith("grade: 一级保护区 → 一级 ×1") for n in result.notes)

    store = ZoneStore.open(store_path)
    assert store.layer_ids == ("water_source",)
    assert store.crs("water_source") == "EPSG:4526"  # the data's own CRS is kept
    gdf = store.layer("water_source")
    assert gdf["name"].tolist() == ["湘潭市一水厂水源地"] * 3
    assert gdf["grade"].tolist() == ["一级", "二级", "准保护区"]
    assert gdf["备注"].tolist() == ["县环保局提供"] * 3  # unmapped fields are kept as they are
    assert gdf.geometry.area.tolist() == pytest.approx([500_000.0] * 3)
    assert gdf.total_bounds.tolist() == pytest.approx([E0, N0, E0 + 5000, N0 + 500])
    assert gdf["legal_status"].tolist() == ["法定"] * 3
    assert gdf["source"].tolist() == ["湘政函〔2016〕176号"] * 3
    assert gdf["effective_date"].astype(str).tolist() == ["2016-12-30"] * 3
    assert gdf["version"].tolist() == ["v1"] * 3
    assert validate_store(store_path) == []


def test_the_import_is_recorded_in_the_store(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(
        store_path, shp_zip, layer_id="water_source", field_map=MAP, version="2016版", imported_by="县环保局 张工"
    )
    (v,) = list_versions(store_path, "water_source")
    assert (v.version, v.action, v.current, v.available) == (1, "import", True, True)
    assert (v.source_file, v.features, v.crs, v.label, v.recorded_by) == (
        "水源保护区.zip",
        3,
        "EPSG:4526",
        "2016版",
        "县环保局 张工",
    )
    assert v.source_sha256 == hashlib.sha256(shp_zip.read_bytes()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", v.recorded_at)
    # The history is a GeoPackage attribute table that GDAL (and QGIS) can read.
    table = pyogrio.read_dataframe(store_path, layer="store_history")
    assert table["layer"].tolist() == ["water_source"] and table["features"].tolist() == [3]


def test_an_existing_layer_is_not_overwritten_without_replace(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    before = store_path.read_bytes()
    with pytest.raises(
        InputError, match=r"already has layer 'water_source' \(version 1\); refusing to overwrite it. Add --replace"
    ):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    assert store_path.read_bytes() == before


def test_replace_keeps_the_previous_version_and_rollback_restores_it(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    # Version 2: the 2023 revision drops the 准保护区 (two features left).
    revised = zipped_gbk_shapefile(official_water_source(("一级保护区", "二级保护区")), tmp_path / "rev", "水源2023")
    result = import_layer(store_path, revised, layer_id="water_source", field_map=MAP, replace=True)
    assert (result.version, result.replaced_version, result.features) == (2, 1, 2)
    store = ZoneStore.open(store_path)
    assert len(store.layer("water_source")) == 2
    assert store.version_layers == ("water_source__v1",)
    assert store.extra_layers == ()
    assert [(v.version, v.action, v.current, v.available) for v in list_versions(store_path, "water_source")] == [
        (1, "import", False, True),
        (2, "replace", True, True),
    ]

    back = rollback(store_path, "water_source", 1)
    assert (back.version, back.previous_version, back.features) == (1, 2, 3)
    store = ZoneStore.open(store_path)
    assert store.layer("water_source")["grade"].tolist() == ["一级", "二级", "准保护区"]
    assert store.version_layers == ("water_source__v2",)
    assert [(v.version, v.current, v.available) for v in list_versions(store_path, "water_source")] == [
        (1, True, True),
        (2, False, True),
    ]

    # Forward again, then a third import numbers on from the highest version.
    rollback(store_path, "water_source", 2)
    assert len(ZoneStore.open(store_path).layer("water_source")) == 2
    third = import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, replace=True)
    assert (third.version, third.replaced_version) == (3, 2)
    assert [v.version for v in list_versions(store_path, "water_source") if v.available] == [1, 2, 3]


def test_rollback_refuses_unknown_and_current_versions(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, replace=True)
    with pytest.raises(InputError, match=r"layer 'water_source' of .*county.gpkg has no version 7; versions: v1, v2"):
        rollback(store_path, "water_source", 7)
    with pytest.raises(InputError, match=r"version 2 of layer 'water_source' is already the current one"):
        rollback(store_path, "water_source", 2)
    with pytest.raises(InputError, match=r"has no version 1; versions: none"):
        rollback(store_path, "eco_redline", 1)


def test_a_layer_that_predates_imports_is_adopted_as_version_1(tmp_path: Path, shp_zip: Path) -> None:
    store_path = write_store(tmp_path / "built.gpkg", {"water_source": water_source()})
    (adopted,) = list_versions(store_path, "water_source")
    assert (adopted.version, adopted.action, adopted.current, adopted.features) == (1, "adopt", True, 3)
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, replace=True)
    assert [(v.version, v.action, v.current) for v in list_versions(store_path, "water_source")] == [
        (1, "adopt", False),
        (2, "replace", True),
    ]
    rollback(store_path, "water_source", 1)
    store = ZoneStore.open(store_path)
    assert store.crs("water_source") == "EPSG:4490"
    assert store.layer("water_source")["name"].tolist() == ["湘江一水厂水源"] * 3


def test_data_that_does_not_fit_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    bad = official_water_source(("一级保护区", "三级", "三级"))
    bad.loc[1, "名称"] = None
    src = zipped_gbk_shapefile(bad, tmp_path / "src")
    store_path = tmp_path / "county.gpkg"
    with pytest.raises(SchemaError) as info:
        import_layer(store_path, src, layer_id="water_source", field_map=MAP)
    text = str(info.value)
    assert re.search(
        r"水源保护区.zip cannot be imported as layer 'water_source' \(饮用水水源保护区 / .*\): 2 error\(s\)", text
    )
    assert re.search(r"water_source.name: 1 feature\(s\) have no value \(feature # 2\)", text)
    assert re.search(
        r"water_source.grade: 2 feature\(s\) have values outside the allowed set \('三级' ×2; feature # 2, 3\)", text
    )
    assert not store_path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src", "水源保护区.zip"]  # no temporary files left


def test_without_a_field_map_the_missing_fields_are_named(tmp_path: Path, shp_zip: Path) -> None:
    """级别 is the catalogue's Chinese title of grade (taken on its own); 名称 is not that of name (水源地名称)."""
    with pytest.raises(
        SchemaError,
        match=r"1 error\(s\); fix them in the file or map the fields with --map SOURCE=FIELD:\n.*water_source.name: required field 'name' \(水源地名称 / Name\) is missing; fields present: grade, legal_status, version, 名称, 备注$",
    ):
        import_layer(tmp_path / "s.gpkg", shp_zip, layer_id="water_source")


def test_fields_named_like_the_catalogue_are_mapped_automatically(tmp_path: Path) -> None:
    gdf = official_water_source().rename(columns={"名称": "NAME", "级别": "级别"})
    src = zipped_gbk_shapefile(gdf, tmp_path / "src")
    result = import_layer(tmp_path / "s.gpkg", src, layer_id="water_source")
    assert "字段 NAME 自动对应 name / field NAME taken as name" in result.notes
    assert "字段 级别 自动对应 grade / field 级别 taken as grade" in result.notes
    assert ZoneStore.open(tmp_path / "s.gpkg").layer("water_source")["grade"].tolist() == ["一级", "二级", "准保护区"]


def test_bad_field_maps_and_options_are_refused(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "s.gpkg"
    with pytest.raises(
        InputError, match=r"--map 名字=name: .*水源保护区.zip has no field '名字'; its fields: 名称, 级别, 备注"
    ):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map={"名字": "name", "级别": "grade"})
    with pytest.raises(
        InputError, match=r"--map 级别=level: 'level' is not a field of this layer; expected one of name, grade, source"
    ):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map={"名称": "name", "级别": "level"})
    with pytest.raises(InputError, match=r"several fields are mapped to 'name'"):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map={"名称": "name", "备注": "name"})
    with pytest.raises(InputError, match=r"legal status '官方' is not one of 法定, 示意"):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, legal_status="官方")
    with pytest.raises(InputError, match=r"effective date '2016/12/30' is not a date; expected YYYY-MM-DD"):
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, effective_date="2016/12/30")
    with pytest.raises(SchemaError, match=r"layer 'water' is not in the layer catalogue"):
        import_layer(store_path, shp_zip, layer_id="water", field_map=MAP)
    assert not store_path.exists()


def test_illustrative_import_marks_every_feature_official_import_keeps_the_files_own(tmp_path: Path) -> None:
    gdf = official_water_source()
    gdf["法律效力"] = ["示意", None, "法定"]  # the catalogue's Chinese title of legal_status
    src = zipped_gbk_shapefile(gdf, tmp_path / "src")
    official = import_layer(tmp_path / "a.gpkg", src, layer_id="water_source", field_map=MAP)
    assert official.legal_status == "混合"
    assert "legal_status: 文件自带 示意 ×1，保留 / the file's own value 示意 kept for 1 feature(s)" in official.notes
    assert ZoneStore.open(tmp_path / "a.gpkg").layer("water_source")["legal_status"].tolist() == [
        "示意",
        "法定",
        "法定",
    ]
    shown = import_layer(tmp_path / "b.gpkg", src, layer_id="water_source", field_map=MAP, legal_status="示意")
    assert shown.legal_status == "示意"
    assert ZoneStore.open(tmp_path / "b.gpkg").legal_status("water_source") == "示意"


def test_import_a_geopackage_layer_in_lonlat(tmp_path: Path) -> None:
    """A two-layer GeoPackage; the chosen layer (EPSG:4326 lon/lat) is stored as CGCS2000 with the same numbers."""
    src = tmp_path / "county.gpkg"
    ws = water_source().drop(columns=["legal_status"]).set_crs(4326, allow_override=True)
    write_store(src, {"水源": ws, "other": ws})
    result = import_layer(tmp_path / "store.gpkg", src, layer_id="water_source", source_layer="水源")
    assert (result.features, result.crs) == (3, "EPSG:4490")
    stored = ZoneStore.open(tmp_path / "store.gpkg").layer("water_source")
    assert stored.total_bounds.tolist() == pytest.approx(ws.total_bounds.tolist())


def test_invalid_source_geometry_is_repaired_and_warned(tmp_path: Path) -> None:
    gdf = official_water_source(("一级",))
    gdf.loc[0, "geometry"] = Polygon([(E0, N0), (E0 + 200, N0 + 200), (E0 + 200, N0), (E0, N0 + 200)])
    src = zipped_gbk_shapefile(gdf, tmp_path / "src")
    with pytest.warns(GeometryRepairWarning, match=r"repaired 1 invalid geometry"):
        result = import_layer(tmp_path / "s.gpkg", src, layer_id="water_source", field_map=MAP)
    assert any("Self-intersection" in n for n in result.notes)
    stored = ZoneStore.open(tmp_path / "s.gpkg").layer("water_source")
    # Two triangles, each half of 200 m x 100 m.
    assert stored.geometry.is_valid.all() and stored.geometry.area.tolist() == pytest.approx([20_000.0])


def test_legacy_green_heart_values_import_with_a_warning(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"名称": ["绿心甲", "绿心乙"], "分区": ["禁止开发区", "核心保护区"]},
        geometry=[box(E0, N0, E0 + 100, N0 + 100), box(E0 + 200, N0, E0 + 300, N0 + 100)],
        crs="EPSG:4526",
    )
    src = zipped_gbk_shapefile(gdf, tmp_path / "src", "绿心")
    result = import_layer(tmp_path / "s.gpkg", src, layer_id="green_heart", field_map={"名称": "name"})
    (warning,) = result.warnings
    assert (warning.field, warning.severity) == ("zone", "warning")
    assert "legacy values ('禁止开发区' ×1; feature # 1)" in warning.message


def test_import_an_upload_given_as_bytes(tmp_path: Path, shp_zip: Path) -> None:
    data = shp_zip.read_bytes()
    result = import_layer(tmp_path / "s.gpkg", data, filename="上传/水源.zip", layer_id="water_source", field_map=MAP)
    assert (result.features, result.crs) == (3, "EPSG:4526")
    (v,) = list_versions(tmp_path / "s.gpkg", "water_source")
    assert (v.source_file, v.source_sha256) == ("水源.zip", hashlib.sha256(data).hexdigest())
    with pytest.raises(InputError, match=r"an uploaded file \(bytes\) needs its file name \(filename=...\)"):
        import_layer(tmp_path / "t.gpkg", data, layer_id="water_source", field_map=MAP)
