"""Chinese error texts: every family of input mistake a planner meets says in Chinese what the
English says, naming the same file, field and value; the English (``str(err)``) is unchanged."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import Point

from gis.crs import check_lonlat_plausible, check_projected_plausible, parse_crs
from gis.errors import (
    CRSError,
    DataSourceError,
    GeometryError,
    InputError,
    Label,
    PlanningError,
    SchemaError,
    zh_label,
    zh_lead,
)
from gis.io import parse_coordinates, parse_dms, read_features
from gis.repair import check_not_empty
from gis.text import Text


def _points(coords: list[list[float]]) -> bytes:
    features = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": c}} for c in coords]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


# --- the API -----------------------------------------------------------------------------------


def test_str_is_the_english_and_zh_the_chinese() -> None:
    """Existing callers (pytest.raises(match=), logs) see the English; pages pick a language."""
    err = CRSError("x.shp is bad", zh="x.shp 有误")
    assert (str(err), err.zh, err.message("zh"), err.message("en")) == ("x.shp is bad", "x.shp 有误", "x.shp 有误", "x.shp is bad")
    assert isinstance(err, ValueError) and isinstance(err, PlanningError)


def test_without_chinese_every_language_gets_the_english() -> None:
    err = SchemaError("layer 'x' lacks 'name'")
    assert err.zh is None and err.message("zh") == "layer 'x' lacks 'name'"


def test_data_source_error_is_still_an_os_error_and_pickles_with_its_chinese() -> None:
    """OSError's own constructor must not swallow the keyword, and Streamlit's caches pickle errors."""
    err = DataSourceError("a.gpkg cannot be opened", zh="无法打开 a.gpkg")
    assert isinstance(err, OSError) and str(err) == "a.gpkg cannot be opened"
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back), back.zh) == (DataSourceError, "a.gpkg cannot be opened", "无法打开 a.gpkg")


def test_labels_carry_their_chinese_name() -> None:
    src = Label("typed coordinates", "输入的坐标")
    assert f"{src} are empty" == "typed coordinates are empty"
    assert zh_label(src) == "输入的坐标" and zh_label(Text("输入的坐标", "typed coordinates")) == "输入的坐标"
    # a joined string is never split again: only a structured pair has a Chinese half
    assert zh_label("输入的坐标 / typed coordinates") == "输入的坐标 / typed coordinates"
    assert zh_label("数据/甲.csv") == "数据/甲.csv"  # a path is not a bilingual label
    assert (zh_lead("a.csv"), zh_lead(src)) == ("a.csv ", "输入的坐标")
    back = pickle.loads(pickle.dumps(src))
    assert (type(back), str(back), back.zh, back.en) == (Label, "typed coordinates", "输入的坐标", "typed coordinates")


# --- CRS and coordinates ---------------------------------------------------------------------


def test_swapped_lat_lon_names_the_file_and_the_values() -> None:
    with pytest.raises(CRSError, match=r"bad.geojson has coordinates such as \(28.10000, 113.00000\)") as info:
        read_features(_points([[28.1, 113.0]]), filename="bad.geojson")
    zh = info.value.zh
    assert zh is not None and zh.startswith("bad.geojson 中的 (28.10000, 113.00000) 等坐标")
    assert "纬度在前、经度在后" in zh and "应先写经度" in zh


def test_swapped_typed_coordinates_are_called_typed_coordinates_in_chinese() -> None:
    with pytest.raises(CRSError, match="swapped order") as info:
        parse_coordinates("28.2 113.1")
    assert info.value.message("zh").startswith("输入的坐标中的 (28.20000, 113.10000) 等坐标看起来是纬度在前")


def test_one_swapped_row_of_a_csv_names_the_feature_in_chinese() -> None:
    data = b"lon,lat\n113.0,28.0\n28.1,113.0\n113.1,28.1\n"
    with pytest.raises(CRSError, match=r"mixed.csv feature #2") as info:
        read_features(data, filename="mixed.csv")
    assert "mixed.csv 的第 2 个要素（从 1 起编号；3 个要素中有 1 个看起来有误" in str(info.value.zh)


def test_projected_metres_given_as_degrees() -> None:
    """Gauss-Kruger metres with zone prefix 38 in a GeoJSON (lon/lat by definition): refused."""
    with pytest.raises(CRSError, match="look like projected metres") as info:
        read_features(_points([[38_500_000.0, 3_100_000.0]]), filename="gk.geojson")
    zh = str(info.value.zh)
    assert zh.startswith("gk.geojson 中的 (38500000.000, 3100000.000) 等坐标不是以度为单位的经纬度")
    assert "以米为单位的投影坐标" in zh and "EPSG:4526" in zh


def test_projected_metres_in_a_shapefile_without_prj(tmp_path: Path) -> None:
    """No .prj and metres: the Chinese says both, naming the zip, in one sentence."""
    from tests.gis.conftest import write_shapefile, zip_shapefile

    gdf = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(500_000, 3_100_000)], crs="EPSG:4547")
    shp = write_shapefile(gdf, tmp_path / "shp", "sites")
    zipped = zip_shapefile(shp, tmp_path / "sites.zip", skip=("prj",))
    with pytest.raises(CRSError, match="has no coordinate reference system") as info:
        read_features(zipped, filename="sites.zip")
    zh = str(info.value.zh)
    assert zh.startswith("sites.zip 没有坐标系（无 .prj 文件，文件中也未声明坐标系），且其中的 (500000.000, 3100000.000) 等坐标")
    assert "EPSG:4547" in zh


def test_degrees_labelled_as_projected() -> None:
    with pytest.raises(CRSError, match="look like degrees") as info:
        check_projected_plausible((113.0, 28.0, 113.1, 28.1), CRS.from_epsg(4547), source="roads.shp")
    assert str(info.value.zh).startswith("roads.shp 声明为投影坐标系 EPSG:4547（单位：米），但其坐标（如 (113.00000, 28.00000)）")


def test_outside_china() -> None:
    with pytest.raises(CRSError, match="lies outside China") as info:
        check_lonlat_plausible((2.35, 48.85, 2.36, 48.86), source="paris.csv")
    assert str(info.value.zh).startswith("paris.csv 位于中国境外（经度 2.3500–2.3600，纬度 48.8500–48.8600）")


def test_gauss_kruger_zone_prefix_mismatch() -> None:
    """Eastings of zone 37 declared as zone 38 (EPSG:4526): the Chinese names both zones and the fix."""
    with pytest.raises(CRSError, match="carry the zone prefix 37") as info:
        check_projected_plausible((37_500_000, 3_000_000, 37_500_100, 3_000_100), CRS.from_epsg(4526), source="g.shp")
    zh = str(info.value.zh)
    assert "g.shp 声明为 EPSG:4526（第 38 带" in zh and "37,500,000" in zh and "带号为 37" in zh and "EPSG:4525" in zh


def test_gauss_kruger_prefix_where_none_is_expected() -> None:
    with pytest.raises(CRSError, match="carry a zone prefix") as info:
        check_projected_plausible((38_500_000, 3_000_000, 38_500_100, 3_000_100), CRS.from_epsg(4547), source="g.shp")
    assert "带有带号 38" in str(info.value.zh) and "EPSG:4526" in str(info.value.zh)


def test_unknown_crs_names_the_value() -> None:
    with pytest.raises(CRSError, match="CRS 'EPSG:99999' is not recognised") as info:
        parse_crs("EPSG:99999")
    zh = str(info.value.zh)
    assert zh.startswith("无法识别坐标系“EPSG:99999”") and "gcj02" in zh and "bd09" in zh


def test_bad_dms_value() -> None:
    with pytest.raises(InputError, match="minutes or seconds of 60 or more") as info:
        parse_dms("113°70′")
    assert info.value.zh == "坐标值“113°70′”的分或秒达到或超过 60；分和秒都必须小于 60"
    with pytest.raises(InputError, match="is not a longitude/latitude") as info:
        parse_dms("113度x分")
    assert str(info.value.zh).startswith("坐标值“113度x分”不是经度或纬度；应为十进制度")


# --- empty input ----------------------------------------------------------------------------


def test_no_coordinates_and_a_place_name_typed_as_coordinates() -> None:
    """A planner types the district instead of coordinates: the Chinese quotes it and says why."""
    with pytest.raises(InputError, match="no coordinates were given") as info:
        parse_coordinates("湘潭市岳塘区")
    zh = str(info.value.zh)
    assert zh.startswith("“湘潭市岳塘区”中没有坐标") and "地名、地址不能代替坐标" in zh
    with pytest.raises(InputError, match="no coordinates were given") as info:
        parse_coordinates("  ")
    assert str(info.value.zh).startswith("未输入坐标")


def test_empty_file_and_empty_text(tmp_path: Path) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataSourceError, match=r"空.csv is empty \(0 bytes\)") as info:
        read_features(empty)
    assert str(info.value.zh).startswith(f"文件 {empty} 为空（0 字节）")
    with pytest.raises(InputError, match="no input given") as info:
        read_features("")
    assert str(info.value.zh).startswith("没有输入内容（文本为空）")


def test_empty_geometry_names_the_features() -> None:
    geoms = gpd.GeoSeries([Point(113, 28), None, Point()])
    with pytest.raises(GeometryError, match=r"2 feature\(s\) without geometry") as info:
        check_not_empty(geoms, source="sites.geojson")
    assert str(info.value.zh).startswith("sites.geojson：有 2 个要素没有几何或几何为空（#2、#3，从 1 起编号）")


# --- files -----------------------------------------------------------------------------------


def test_unsupported_format_names_the_extension() -> None:
    with pytest.raises(DataSourceError, match="extension '.dwg'") as info:
        read_features(b"AC1015", filename="总平面.dwg")
    assert str(info.value.zh).startswith("总平面.dwg 的扩展名“.dwg”不是支持的格式；应为 GeoJSON、Shapefile 压缩包")


def test_missing_file() -> None:
    with pytest.raises(DataSourceError, match="does not exist") as info:
        read_features(Path("/nowhere/项目.geojson"))
    assert str(info.value.zh).startswith("文件 /nowhere/项目.geojson 不存在")


def test_unreadable_file() -> None:
    with pytest.raises(DataSourceError, match="broken.geojson cannot be opened") as info:
        read_features(b"{not json", filename="broken.geojson")
    assert str(info.value.zh).startswith("无法打开 broken.geojson（")


def test_several_layers_and_no_layer_chosen(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    for name in ("roads", "sites"):
        gpd.GeoDataFrame(geometry=[Point(113, 28)], crs="EPSG:4490").to_file(path, layer=name, engine="pyogrio")
    with pytest.raises(DataSourceError, match="has 2 layers") as info:
        read_features(path, filename="two.gpkg")
    zh = str(info.value.zh)
    assert zh.startswith("two.gpkg 中有 2 个图层：roads（Point）、sites（Point）") and "请选择其中一个图层" in zh
    with pytest.raises(DataSourceError, match="has no layer 'rivers'") as info:
        read_features(path, filename="two.gpkg", layer="rivers")
    assert info.value.zh == "two.gpkg 中没有图层“rivers”；现有图层：roads、sites"


def test_csv_without_coordinate_columns_lists_found_and_accepted_names() -> None:
    with pytest.raises(DataSourceError, match="has no coordinate columns") as info:
        read_features("名称,东,北\n甲,113,28\n".encode(), filename="点位.csv")
    zh = str(info.value.zh)
    assert zh.startswith("点位.csv 中没有坐标列：现有的列为 名称、东、北")
    for accepted in ("经度/纬度", "lon/lat", "x/y", "X坐标/Y坐标", "wkt"):
        assert accepted in zh


def test_csv_bad_coordinate_cell_names_line_column_and_value() -> None:
    with pytest.raises(InputError, match=r"line 3, column '纬度': value '北纬二十八度'") as info:
        read_features("经度,纬度\n113,28\n113.1,北纬二十八度\n".encode(), filename="点.csv")
    assert str(info.value.zh).startswith("点.csv：第 3 行“纬度”列的值“北纬二十八度”不是坐标；应为十进制度")
