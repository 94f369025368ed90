"""Control units, access lists and coverage from the shell; an open catalogue added by data alone.

Stores are built in tmp_path through ``python -m zoning layers import`` (the way a county
brings its official files), then screened with ``python -m zoning screen``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pytest
import shapely
import yaml

from layers.store import ZoneStore
from tests.open_catalogue import write_open_catalogue
from tests.zoning._engine_support import GK114, lonlat, rect
from zoning.cli import main

UNIT_A = rect(499_000, 3_099_000, 2_000, 2_000)  # x 499-501 km, y 3 099-3 101 km (EPSG:4547)
UNIT_B = rect(501_000, 3_099_000, 2_000, 2_000)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def one_layer_store(folder: Path, layer: str, frame: gpd.GeoDataFrame) -> Path:
    """A store of one layer, written straight to a GeoPackage (no import)."""
    store = folder / "z.gpkg"
    frame.to_file(store, layer=layer)
    return store


def units_shapefile_gbk(path: Path) -> Path:
    """The official unit layer as published: GBK shapefile with short Chinese column names (a
    .dbf keeps 10 bytes of a name), CGCS2000 Gauss-Kruger."""
    gdf = gpd.GeoDataFrame(
        {"单元编码": ["ZH43090220001", "ZH43090210001"], "单元名称": ["资阳区城镇单元", "资阳区优先保护单元"],
         "管控类别": ["重点管控", "优先保护"]},
        geometry=[UNIT_A, UNIT_B], crs=GK114,
    )  # fmt: skip
    out = path / "units.shp"
    gdf.to_file(out, encoding="GBK")
    return out


def access_list_xlsx(path: Path) -> Path:
    """A wide published list: a title row, the unit code merged over two rows, one column per dimension."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["益阳市生态环境准入清单（示意）"])
    sheet.append(["环境管控单元编码", "环境管控单元名称", "空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"])
    sheet.append(["ZH43090220001", "资阳区城镇单元", "新建涉VOCs排放的工业企业须入园", "严格执行排放标准", "/", ""])
    sheet.append([None, None, "禁止新建化工项目", None, None, None])
    sheet.merge_cells("A3:A4")
    out = path / "准入清单.xlsx"
    book.save(out)
    return out


@pytest.fixture
def unit_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A store holding only the unit layer and its access list, imported as published."""
    store = tmp_path / "units.gpkg"
    code, out, err = run(capsys, "layers", "import", store, units_shapefile_gbk(tmp_path), "--layer", "env_control_unit")
    assert code == 0, err
    assert "field 单元编码 taken as code" in out and "value 重点管控 read as 重点管控单元" in out
    code, out, err = run(capsys, "layers", "import", store, access_list_xlsx(tmp_path), "--layer", "access_clause")
    assert code == 0, err
    assert "header on row 2" in out and "empty cell(s) taken from the row above" in out
    return store


def test_access_list_is_imported_as_rows_of_dimension_and_text(unit_store: Path) -> None:
    """Wide form melted: 2 texts of row 3 ("/" and a blank cell are no clauses) plus 1 of the
    merged row 4 = 3 clauses, in published order, row 4 under row 3's unit code."""
    clauses = ZoneStore.open(unit_store).layer("access_clause")
    assert list(zip(clauses["scope"], clauses["dimension"], clauses["text"], strict=True)) == [
        ("ZH43090220001", "空间布局约束", "新建涉VOCs排放的工业企业须入园"),
        ("ZH43090220001", "污染物排放管控", "严格执行排放标准"),
        ("ZH43090220001", "空间布局约束", "禁止新建化工项目"),
    ]


def test_screen_on_a_store_of_units_and_clauses_answers_both(unit_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A factory at (500 000, 3 100 000) lies in unit A (100 %): its own three clauses, each
    review "逐条核对" (an official list has no applies_to); unit B gets its category default."""
    wkt = lonlat(shapely.Point(500_000, 3_100_000)).wkt
    code, out, err = run(capsys, "screen", wkt, "--type", "industrial", "--zones", unit_store)
    assert code == 0, err
    doc = json.loads(out)
    (unit,) = doc["units"]
    assert (unit["code"], unit["category"], unit["share_pct"]) == ("ZH43090220001", "重点管控单元", 100.0)
    assert [(c["dimension"], c["verdict"], c["applies"]) for c in unit["clauses"]] == [
        ("空间布局约束", "review", True), ("污染物排放管控", "review", True), ("空间布局约束", "review", True),
    ]  # fmt: skip
    assert unit["clauses"][0]["confidence"] == "verified" and doc["verdict"] == "review"
    assert doc["coverage"]["checked"] == ["env_control_unit"]
    wkt_b = lonlat(shapely.Point(502_000, 3_100_000)).wkt
    doc_b = json.loads(run(capsys, "screen", wkt_b, "--type", "industrial", "--zones", unit_store)[1])
    assert [(c["rule_id"], c["verdict"]) for c in doc_b["units"][0]["clauses"]] == [("ECU01", "conditional")]


def test_general_list_from_csv_with_set_scope(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "省级清单.csv"
    csv.write_text("管控维度,管控要求,适用对象,结论\n空间布局约束,禁止新建化工园区外化工项目,chemical_project,禁止\n", encoding="gbk")
    store = tmp_path / "z.gpkg"
    code, out, err = run(capsys, "layers", "import", store, csv, "--layer", "access_clause", "--set", "scope=省级")
    assert code == 0, err
    table = ZoneStore.open(store).layer("access_clause")
    assert table[["scope", "applies_to", "verdict"]].values.tolist() == [["省级", "chemical_project", "prohibited"]]
    wkt = lonlat(shapely.Point(500_000, 3_100_000)).wkt
    doc = json.loads(run(capsys, "screen", wkt, "--type", "化工项目", "--zones", store)[1])
    assert doc["units"] == [] and [(c["scope"], c["verdict"]) for c in doc["clauses"]] == [("省级", "prohibited")]
    assert doc["verdict"] == "prohibited"


def test_validate_warns_about_applies_to_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text("scope,dimension,text,applies_to\n省级,空间布局约束,x,\"industrial, 飞机场\"\n", encoding="utf-8")
    store = tmp_path / "z.gpkg"
    assert run(capsys, "layers", "import", store, csv, "--layer", "access_clause")[0] == 0
    code, out, _ = run(capsys, "layers", "validate", store)
    assert code == 0
    assert "access_clause.applies_to: access_clause row 1 (scope 省级): applies_to '飞机场' is neither" in out


def test_coverage_recorded_on_import_and_by_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two counties (x 480-500 / 500-520 km); a water source in the second; coverage first from
    the features (the second county only), then widened by the command to both."""
    admin = gpd.GeoDataFrame(
        {"adcode": ["430902", "430903"], "name": ["资阳区", "赫山区"], "level": ["区县", "区县"]},
        geometry=[rect(480_000, 3_080_000, 20_000, 40_000), rect(500_000, 3_080_000, 20_000, 40_000)], crs=GK114,
    )  # fmt: skip
    ws = gpd.GeoDataFrame({"名称": ["水源"], "级别": ["一级保护区"]}, geometry=[rect(510_000, 3_100_000, 500, 500)], crs=GK114)
    admin.to_file(tmp_path / "admin.gpkg")
    ws.to_file(tmp_path / "ws.gpkg")
    store = tmp_path / "z.gpkg"
    assert run(capsys, "layers", "import", store, tmp_path / "admin.gpkg", "--layer", "admin")[0] == 0
    code, out, err = run(capsys, "layers", "import", store, tmp_path / "ws.gpkg", "--layer", "water_source",
                         "--map", "名称=name", "--map", "级别=grade", "--coverage-from-features")  # fmt: skip
    assert code == 0, err
    assert "coverage recorded: 430903" in out
    wkt = lonlat(shapely.Point(490_000, 3_100_000)).wkt
    doc = json.loads(run(capsys, "screen", wkt, "--type", "industrial", "--zones", store)[1])
    assert doc["coverage"]["outside"] == ["water_source"] and doc["verdict"] == "review"
    assert doc["data"]["layers"]["water_source"]["coverage"]["adcodes"] == ["430903"]
    code, out, _ = run(capsys, "layers", "coverage", store, "water_source", "--adcodes", "430900", "--note", "益阳市全市")
    assert code == 0 and "430900" in out and "益阳市全市" in out
    doc = json.loads(run(capsys, "screen", wkt, "--type", "industrial", "--zones", store)[1])
    assert doc["coverage"]["checked"] == ["water_source"] and doc["verdict"] == "clear"
    code, out, _ = run(capsys, "layers", "coverage", store, "water_source", "--clear")
    assert code == 0 and "whole admin extent" in out
    code, _, err = run(capsys, "layers", "coverage", store, "water_source", "--adcodes", "43")
    assert code == 2 and "'43' is not an admin division code" in err


def test_construction_nature_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rebuilt tailings pond 2 km from the Yangtze: SHL05 review instead of SHL02 prohibited."""
    shore = gpd.GeoDataFrame({"name": ["长江岸线"], "river": ["长江"], "rank": ["干流"]},
                             geometry=[shapely.LineString([(495_000, 3_100_000), (505_000, 3_100_000)])], crs=GK114)  # fmt: skip
    store = one_layer_store(tmp_path, "shoreline", shore)
    wkt = lonlat(shapely.Point(500_000, 3_102_000)).wkt
    new = json.loads(run(capsys, "screen", wkt, "--type", "尾矿库", "--zones", store)[1])
    assert [(c["rule_id"], c["verdict"]) for c in new["conflicts"]] == [("SHL02", "prohibited")]
    code, out, err = run(capsys, "screen", wkt, "--type", "尾矿库", "--zones", store, "--attr", "construction_nature=改建项目")
    assert code == 0, err
    assert [(c["rule_id"], c["verdict"]) for c in json.loads(out)["conflicts"]] == [("SHL05", "review")]
    code, _, err = run(capsys, "screen", wkt, "--type", "尾矿库", "--zones", store, "--attr", "construction_nature=改扩建")
    assert code == 2 and "建设性质应为 新建、改建、扩建 之一" in err


# --- an open catalogue: a layer type and its rules added by data alone ------------------------


def test_a_new_layer_type_is_imported_and_screened_without_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cat_path, rules_path = write_open_catalogue(tmp_path)
    mines = gpd.GeoDataFrame({"矿山名称": ["甲矿", "乙矿"], "status": ["有效", "已过期"]},
                             geometry=[rect(500_000, 3_100_000, 1_000, 1_000), rect(503_000, 3_100_000, 1_000, 1_000)], crs=GK114)  # fmt: skip
    mines.to_file(tmp_path / "mines.gpkg")
    store = tmp_path / "z.gpkg"
    code, out, err = run(capsys, "layers", "import", store, tmp_path / "mines.gpkg", "--layer", "mining_right", "--catalog", cat_path)
    assert code == 0, err
    assert "field 矿山名称 taken as name" in out and "value 已过期 read as 过期" in out
    code, _, err = run(capsys, "layers", "import", store, tmp_path / "mines.gpkg", "--layer", "mining_right", "--replace")
    assert code == 2 and "mining_right" in err  # the packaged catalogue does not know it
    assert run(capsys, "layers", "validate", store, "--catalog", cat_path)[0] == 0
    # a road across both mines (x 499 500 - 504 500): MR01 on 甲矿 (conditional), MR02 on 乙矿 (review)
    road = lonlat(shapely.LineString([(499_500, 3_100_500), (504_500, 3_100_500)])).wkt
    code, out, err = run(capsys, "screen", road, "--type", "road", "--zones", store, "--catalog", cat_path, "--rules", rules_path)
    assert code == 0, err
    doc = json.loads(out)
    rows = sorted((c["rule_id"], c["feature"], c["verdict"], round(c["overlap_length_m"], 3)) for c in doc["conflicts"])
    assert rows == [("MR01", "甲矿", "conditional", 1000.0), ("MR02", "乙矿", "review", 1000.0)]
    assert doc["verdict"] == "conditional" and "mining_right" in doc["coverage"]["checked"]
    # every output names the layer by the open catalogue's title, the CSV as the documents
    code, out, err = run(capsys, "screen", road, "--type", "road", "--zones", store, "--catalog", cat_path,
                         "--rules", rules_path, "--format", "csv")  # fmt: skip
    assert code == 0, err
    assert "采矿权,甲矿" in out and "采矿权,乙矿" in out and "mining_right" not in out
    # with the packaged catalogue the layer is an extra layer: kept, not screened — and a store
    # with nothing the catalogue knows is refused rather than answered "clear" (issue 19)
    code, _, err = run(capsys, "screen", road, "--type", "road", "--zones", store)
    assert code == 2 and "holds no layer of the catalogue (mining_right)" in err


def test_a_bad_open_catalogue_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cat_path, rules_path = write_open_catalogue(tmp_path)
    rules: dict[str, Any] = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    rules["rules"][-1]["zones"] = ["作废"]
    rules["rules"][-2]["layer"] = "mining_rights"
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    store = tmp_path / "z.gpkg"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[rect(0, 0, 1, 1)], crs=GK114).iloc[:0].to_file(store, layer="basic_farmland")
    code, _, err = run(capsys, "screen", "POINT (114 28)", "--type", "road", "--zones", store, "--catalog", cat_path, "--rules", rules_path)
    assert code == 2
    assert "rule 'MR01' field 'layer': 'mining_rights' is not one of" in err
    assert "rule 'MR02' field 'zones': '作废' is not a mining_right.status value ['有效', '过期']" in err


def test_secondary_confidence_is_never_printed_as_verified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A housing site in a general red line: ECO08, confidence secondary (RULES.md "verified
    (secondary)"): the Chinese CSV says 依二手资料核实, the JSON `secondary`."""
    from zoning.model import confidence_label

    red = gpd.GeoDataFrame({"name": ["红线"], "category": ["一般"]}, geometry=[rect(500_000, 3_100_000, 1_000, 1_000)], crs=GK114)
    store = one_layer_store(tmp_path, "eco_redline", red)
    wkt = lonlat(shapely.Point(500_500, 3_100_500)).wkt
    doc = json.loads(run(capsys, "screen", wkt, "--type", "residential", "--zones", store)[1])
    assert [(c["rule_id"], c["confidence"]) for c in doc["conflicts"]] == [("ECO08", "secondary")]
    code, out, _ = run(capsys, "screen", wkt, "--type", "residential", "--zones", store, "--format", "csv")
    assert code == 0 and "依二手资料核实" in out and "已核实" not in out.replace("依二手资料核实", "")
    assert [confidence_label(c) for c in ("verified", "secondary", "unverified", "bogus")] == [
        "已核实", "依二手资料核实", "待法规核实", "待法规核实",
    ]  # fmt: skip
