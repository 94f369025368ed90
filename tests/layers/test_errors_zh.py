"""Chinese error texts of the zone store and the importer name the same store, layer, field and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.errors import DataSourceError, InputError, SchemaError
from layers.importer import import_layer, rollback
from layers.store import ZoneStore
from tests.layers.conftest import official_water_source, zipped_gbk_shapefile

MAP = {"名称": "name", "级别": "grade"}


@pytest.fixture
def shp_zip(tmp_path: Path) -> Path:
    return zipped_gbk_shapefile(official_water_source(), tmp_path / "src")


def test_missing_store(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.gpkg"
    with pytest.raises(DataSourceError, match="does not exist") as info:
        ZoneStore.open(path)
    assert info.value.zh == f"图层库 {path} 不存在；应为 GeoPackage（.gpkg）文件，如 data/zones.gpkg"


def test_store_that_is_not_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "zones.gpkg"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataSourceError, match="is not a GeoPackage") as info:
        ZoneStore.open(path)
    assert str(info.value.zh).startswith(f"图层库 {path} 不是 GeoPackage 文件（没有 SQLite 文件头）")


def test_absent_layer_names_the_layers_present(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    with pytest.raises(DataSourceError, match="has no layer 'eco_redline'") as info:
        ZoneStore.open(store_path).layer("eco_redline")
    assert info.value.zh == f"图层库 {store_path} 中没有图层“eco_redline”（本数据库未包含该图层）；现有图层：water_source"


def test_import_options_name_the_bad_value(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "s.gpkg"
    with pytest.raises(InputError, match="legal status '官方'") as info:
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, legal_status="官方")
    assert str(info.value.zh).startswith("法律效力“官方”无效；应为 法定、示意 之一")
    with pytest.raises(InputError, match="effective date '2016/12/30'") as info:
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP, effective_date="2016/12/30")
    assert str(info.value.zh).startswith("生效日期“2016/12/30”不是有效日期")
    with pytest.raises(InputError, match="has no field '名字'") as info:
        import_layer(store_path, shp_zip, layer_id="water_source", field_map={"名字": "name", "级别": "grade"})
    assert str(info.value.zh).startswith(f"--map 名字=name：{shp_zip} 中没有字段“名字”；现有字段：名称、级别、备注")


def test_import_that_does_not_fit_has_a_chinese_headline(tmp_path: Path) -> None:
    bad = official_water_source(("一级保护区", "三级", "三级"))
    src = zipped_gbk_shapefile(bad, tmp_path / "src")
    with pytest.raises(SchemaError, match="cannot be imported as layer 'water_source'") as info:
        import_layer(tmp_path / "county.gpkg", src, layer_id="water_source", field_map=MAP)
    zh = str(info.value.zh)
    assert zh.startswith(f"{src} 无法导入为图层“water_source”（饮用水水源保护区）：有 1 个错误")
    assert "'三级' ×2" in zh  # the problem list itself is the catalogue checks' text


def test_existing_layer_and_versions(tmp_path: Path, shp_zip: Path) -> None:
    store_path = tmp_path / "county.gpkg"
    import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    with pytest.raises(InputError, match="refusing to overwrite") as info:
        import_layer(store_path, shp_zip, layer_id="water_source", field_map=MAP)
    assert str(info.value.zh).startswith(f"图层库 {store_path} 已有图层“water_source”（版本 1），不会覆盖")
    with pytest.raises(InputError, match="has no version 7") as info:
        rollback(store_path, "water_source", 7)
    assert info.value.zh == f"{store_path} 的图层“water_source”没有版本 7；现有版本：v1"


def test_layer_not_in_the_catalogue_lists_the_layers_with_their_chinese_titles(tmp_path: Path, shp_zip: Path) -> None:
    with pytest.raises(SchemaError, match="layer 'water' is not in the layer catalogue") as info:
        import_layer(tmp_path / "s.gpkg", shp_zip, layer_id="water", field_map=MAP)
    zh = str(info.value.zh)
    assert zh.startswith("图层目录中没有图层“water”；应为以下之一：") and "water_source（饮用水水源保护区）" in zh
