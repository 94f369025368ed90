"""Errors on the pages are in the page's language: the core's Chinese text on a Chinese page,
its English after switching to English; messages raised in ui/ have both."""

from __future__ import annotations

import geopandas as gpd
import pytest

from gis.errors import GeometryError, InputError
from tests.ui.conftest import shown
from ui import state
from ui.inputs import drawing_to_features, measure, read_typed, read_upload
from zoning.lookup import find_places, zones_at

SWAPPED = "28.2 113.1"  # latitude first, as a planner copies it from a document


def _type(at, text: str):
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_swapped_coordinates_are_explained_in_chinese_on_a_chinese_page(app) -> None:
    at = _type(app, SWAPPED)
    (error,) = at.error
    text = shown(error.value)
    assert text.startswith("无法处理输入：输入的坐标中的 (28.20000, 113.10000) 等坐标看起来是纬度在前、经度在后")
    assert "swapped" not in text


def test_the_same_error_in_english_after_switching_language(app) -> None:
    at = _type(app, SWAPPED)
    at.sidebar.radio(key=state.LANG).set_value("en").run()
    (error,) = at.error
    text = shown(error.value)
    assert text.startswith("Cannot process the input: typed coordinates has coordinates such as (28.20000, 113.10000)")
    assert "that look like latitude, longitude in swapped order" in text
    assert "输入的坐标" not in text and "纬度在前" not in text


# --- messages raised in ui/ ------------------------------------------------------------------


def test_nothing_drawn() -> None:
    with pytest.raises(GeometryError, match="nothing was drawn") as info:
        drawing_to_features([])
    assert info.value.zh == "地图上还没有绘制图形；请用地图左侧的工具栏绘制点、线或面"


def test_empty_upload_names_the_file() -> None:
    with pytest.raises(InputError, match="项目.zip: the uploaded file is empty") as info:
        read_upload(b"", filename="项目.zip")
    assert str(info.value.zh).startswith("项目.zip：上传的文件为空")


def test_bad_geometry_kind_and_no_geometry() -> None:
    with pytest.raises(InputError, match="geometry kind 'circle'") as info:
        read_typed("113 28", crs="EPSG:4490", kind="circle")
    assert str(info.value.zh).startswith("几何类型“circle”无效")
    with pytest.raises(GeometryError, match="the input has no geometry") as info:
        measure([])
    assert info.value.zh == "输入的内容没有几何图形；应至少有一个点、线或面"


def test_lookup_messages() -> None:
    with pytest.raises(InputError, match=r"point \(3000000, 500000\)") as info:
        zones_at("memory", 3_000_000, 500_000)
    assert str(info.value.zh).startswith("点 (3000000, 500000) 不是以度为单位的经纬度")
    with pytest.raises(InputError, match="place name is empty") as info:
        find_places(gpd.GeoDataFrame(geometry=[]), "  ")
    assert str(info.value.zh).startswith("地名为空")
