"""Chinese error texts of project types and attributes name the same project, row, column and value."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from gis.errors import CRSError, GeometryError, InputError
from gis.io import read_features
from tests.zoning._engine_support import GK114, X0, Y0, MemoryStore, lonlat, rect, zone_frame
from zoning.engine import projects_from_features, screen
from zoning.model import Project
from zoning.rules import load_project_types


def _water() -> MemoryStore:
    row = {"name": "甲水厂水源", "grade": "一级", "legal_status": "法定", "geometry": rect(X0, Y0, 1000, 1000)}
    return MemoryStore({"water_source": zone_frame([row], GK114)})


def test_unknown_project_type_lists_the_chinese_labels() -> None:
    types = load_project_types()
    with pytest.raises(InputError, match="'飞机场' is not a known project type") as info:
        types.resolve("飞机场")
    zh = str(info.value.zh)
    assert zh.startswith("项目类型“飞机场”无法识别；可选的项目类型：")
    for label in ("畜禽规模养殖场/养殖小区", "道路", "村民自建房"):
        assert label in zh


def test_unknown_type_in_a_batch_cell_names_file_row_and_column() -> None:
    fs = read_features("类型,lon,lat\n道路,112.95,27.78\n飞机场,112.96,27.79\n".encode(), filename="批量.csv")
    with pytest.raises(InputError, match=r"批量.csv row 2, column '类型': project type '飞机场'") as info:
        projects_from_features(fs, type_field="类型")
    assert str(info.value.zh).startswith("批量.csv 第 2 行“类型”列的项目类型“飞机场”无法识别")


def test_missing_type_column_lists_the_columns() -> None:
    fs = read_features(b"name,lon,lat\na,112.95,27.78\n", filename="p.csv")
    with pytest.raises(InputError, match="type column 'kind' is not in the file") as info:
        projects_from_features(fs, type_field="kind")
    assert info.value.zh == "p.csv 中没有项目类型列“kind”；现有的列：name"


def test_scale_must_be_a_whole_number() -> None:
    """存栏规模 typed as words: the Chinese names the attribute, the value and what is expected."""
    fs = read_features("POINT (112.95 27.78)")
    with pytest.raises(InputError, match="attribute 'scale_head': value '两千头' is not a whole number") as info:
        projects_from_features(fs, type="livestock_farm", attrs={"scale_head": "两千头"})
    assert info.value.zh == "属性“scale_head”：值“两千头”不是整数；养殖规模（存栏/出栏，头）应填写整数，如 2000"


def test_scale_cell_of_a_batch_names_the_row() -> None:
    fs = read_features("类型,scale_head,lon,lat\n畜禽养殖场,2.5,112.95,27.78\n".encode(), filename="farms.csv")
    with pytest.raises(InputError, match=r"farms.csv row 1, column 'scale_head': value 2.5") as info:
        projects_from_features(fs, type_field="类型")
    assert str(info.value.zh).startswith("farms.csv 第 1 行的列“scale_head”：值“2.5”不是整数")


def test_yes_no_and_attributes_that_do_not_apply() -> None:
    site = lonlat(rect(X0, Y0, 10, 10))
    with pytest.raises(InputError, match="value '也许' is not a yes/no value") as info:
        screen([Project("x", "road", site, {"unavoidable": "也许"})], _water())
    assert str(info.value.zh).startswith("项目“x”（第 1 个）的属性“unavoidable”：值“也许”不是“是/否”")
    with pytest.raises(InputError, match="'scale_head': attribute for project type 'road'") as info:
        screen([Project("x", "road", site, {"scale_head": 10})], _water())
    zh = str(info.value.zh)
    assert zh.startswith("项目“x”（第 1 个）的属性“scale_head”不适用于该项目类型；项目类型“道路”（road）可填写的属性：")
    with pytest.raises(InputError, match="attribute 'speed' is not known") as info:
        projects_from_features(read_features("POINT (112.95 27.78)"), type="road", attrs={"speed": "60"})
    assert str(info.value.zh).startswith("属性“speed”未知；可用的属性：")


def test_empty_and_implausible_project_geometry() -> None:
    site = lonlat(rect(X0, Y0, 10, 10))
    with pytest.raises(GeometryError, match="has an empty geometry") as info:
        screen([Project("好", "road", site), Project("空", "road", shapely.Polygon())], _water())
    assert info.value.zh == "项目“空”（第 2 个）的几何为空；应为经纬度（EPSG:4490）下的点、线或面"
    with pytest.raises(CRSError, match="not degrees") as info:
        screen([Project("x", "road", rect(X0, Y0, 10, 10))], _water())
    assert str(info.value.zh).startswith("项目“x”（第 1 个）中的 (")


# --- the CLI prints both languages ---------------------------------------------------------


def test_cli_prints_chinese_then_english_and_exits_2(tmp_path: Path) -> None:
    """``screen --type 飞机场``: the first line is the Chinese, the second the English, exit code 2."""
    from click.testing import CliRunner

    from tests.zoning._engine_support import write_gpkg
    from zoning.cli import cli

    row = {"name": "甲水厂水源", "grade": "一级", "legal_status": "示意", "geometry": rect(X0, Y0, 1000, 1000)}
    zones = write_gpkg(tmp_path / "zones.gpkg", {"water_source": zone_frame([row])})
    res = CliRunner().invoke(cli, ["screen", "POINT (112.95 27.78)", "--type", "飞机场", "--zones", str(zones)])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines[0].startswith("错误：项目类型“飞机场”无法识别；可选的项目类型：")
    assert lines[1].startswith("Error: project type '飞机场' is not a known project type")


def test_cli_error_without_chinese_prints_the_english_only() -> None:
    from zoning.cli.errors import error_text

    assert error_text("rules.yaml: bad") == "Error: rules.yaml: bad"
    assert error_text("a\nlist", "甲\nlist") == "错误：甲\nError: a\nlist"
