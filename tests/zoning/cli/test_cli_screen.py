"""``python -m zoning screen`` and ``rules``: exit codes, JSON/CSV contract, batches, errors.

The store is a GeoPackage built in tmp_path in EPSG:4547 (metres); expected numbers are
hand-computed there (a 100 m x 200 m rectangle half inside a 1 km grade-1 zone...).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from tests.zoning._engine_support import X0, Y0, lonlat, rect, write_gpkg, zone_frame
from zoning.cli import cli

REPO = Path(__file__).resolve().parents[3]
HALF_IN = lonlat(rect(X0 + 900, Y0 + 400, 200, 100))  # 10,000 m2 of 20,000 m2 inside
FAR = lonlat(rect(X0 + 20_000, Y0 + 400, 100, 100))


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "zones.gpkg"
    return write_gpkg(
        path,
        {
            "water_source": zone_frame(
                [
                    {
                        "name": "甲水厂水源",
                        "grade": "一级",
                        "legal_status": "示意",
                        "geometry": rect(X0, Y0, 1000, 1000),
                    },
                    {
                        "name": "甲水厂水源",
                        "grade": "二级",
                        "legal_status": "示意",
                        "geometry": rect(X0 + 1000, Y0, 1000, 1000),
                    },
                ]
            ),
            "livestock_zone": zone_frame(
                [{"name": "某禁养区", "kind": "禁养区", "geometry": rect(X0 - 3000, Y0, 1000, 1000)}]
            ),
            "admin": zone_frame(
                [
                    {
                        "adcode": "430626",
                        "name": "平江县",
                        "level": "区县",
                        "geometry": rect(X0 - 30_000, Y0 - 30_000, 60_000, 60_000),
                    }
                ]
            ),
        },
    )


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_wkt_single_project_json(zones: Path) -> None:
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--name", "测试路")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert isinstance(doc, dict)
    assert doc["project"]["name"] == "测试路" and doc["project"]["county"] == "平江县"
    assert doc["project"]["area_m2"] == pytest.approx(20_000, rel=1e-6)
    assert doc["project"]["input_crs"] == "EPSG:4490" and doc["project"]["work_crs"] == "EPSG:4547"
    assert doc["verdict"] == "prohibited"
    by_zone = {c["zone"]: c for c in doc["conflicts"]}
    assert by_zone["一级"]["overlap_area_m2"] == pytest.approx(10_000, rel=1e-6)
    assert by_zone["一级"]["overlap_pct"] == pytest.approx(50, rel=1e-6)
    assert (by_zone["一级"]["rule_id"], by_zone["一级"]["verdict"]) == ("DWS01", "prohibited")
    assert (by_zone["二级"]["rule_id"], by_zone["二级"]["verdict"]) == ("DWS06", "conditional")
    assert by_zone["一级"]["legal_status"] == "示意"
    assert doc["data"]["layers"]["water_source"] == {"features": 2, "legal_status": "示意"}
    assert "eco_redline" in doc["data"]["absent_layers"]
    assert [n["layer"] for n in doc["nearby"]] == ["livestock_zone"]
    assert "测试路" in res.stdout  # UTF-8, not \\u escapes


def test_batch_geojson_in_input_order_with_type_and_attribute_columns(zones: Path, tmp_path: Path) -> None:
    path = tmp_path / "batch.geojson"
    feats = zone_frame(
        [
            {"名称": "远处道路", "类型": "道路", "scale_head": None, "geometry": FAR},
            {
                "名称": "养殖场",
                "类型": "畜禽养殖场",
                "scale_head": 2000,
                "geometry": lonlat(rect(X0 - 2600, Y0 + 400, 100, 100)),
            },
            {
                "名称": "小养殖户",
                "类型": "livestock_farm",
                "scale_head": 30,
                "geometry": lonlat(rect(X0 - 2600, Y0 + 400, 100, 100)),
            },
        ],
        crs="EPSG:4490",
    )
    feats.to_file(path, driver="GeoJSON")
    res = run("screen", str(path), "--type-field", "类型", "--zones", str(zones))
    assert res.exit_code == 0, res.output
    docs = json.loads(res.stdout)
    assert [d["project"]["name"] for d in docs] == ["远处道路", "养殖场", "小养殖户"]
    assert [d["verdict"] for d in docs] == ["clear", "prohibited", "review"]
    assert [d["project"]["type"] for d in docs] == ["road", "livestock_farm", "livestock_farm"]
    assert docs[1]["project"]["attributes"] == {"scale_head": 2000}
    assert [c["rule_id"] for c in docs[2]["conflicts"]] == ["LIV02"]


def test_one_feature_file_gives_an_object(zones: Path, tmp_path: Path) -> None:
    path = tmp_path / "one.geojson"
    zone_frame([{"geometry": FAR}], crs="EPSG:4490").to_file(path, driver="GeoJSON")
    res = run("screen", str(path), "--type", "road", "--zones", str(zones))
    assert isinstance(json.loads(res.stdout), dict)
    assert json.loads(res.stdout)["project"]["name"] == "one"


def test_fail_on(zones: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--fail-on", "prohibited", "-o", str(out))
    assert res.exit_code == 3
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"] == "prohibited"  # written before exiting
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(zones), "--fail-on", "review")
    assert res.exit_code == 0
    res = run("screen", HALF_IN.wkt, "--type", "water_supply", "--zones", str(zones), "--fail-on", "conditional")
    assert res.exit_code == 3  # conditional reaches conditional


def test_an_existing_output_file_is_replaced_only_with_overwrite(zones: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(zones), "-o", str(out))
    assert res.exit_code == 2
    assert f"错误：-o {out}：文件已存在；如要覆盖，请加 --overwrite" in res.output
    assert f"Error: -o {out}: the file already exists; give --overwrite to replace it" in res.output
    assert out.read_text(encoding="utf-8") == "old"
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(zones), "-o", str(out), "--overwrite")
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["verdict"] == "clear"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--type", "livestock_farm", "--attr", "scale_head=很多"],
            r"attribute 'scale_head': value '很多' is not a whole number",
        ),
        (
            ["--type", "road", "--attr", "unavoidable=maybe"],
            r"attribute 'unavoidable': value 'maybe' is not a yes/no value; expected 是/否",
        ),
        (
            ["--type", "road", "--attr", "scale_head=10"],
            r"attribute 'scale_head' does not apply to project type\(s\) \['road'\]",
        ),
        (["--type", "road", "--attr", "unavoidable"], r"--attr 'unavoidable': expected KEY=VALUE"),
        (["--type", "airport"], r"project type 'airport' is not a known project type; expected one of: livestock_farm"),
        (["--type", "road", "--type-field", "类型"], r"give exactly one of the project type"),
        ([], r"give exactly one of the project type"),
        (["--type-field", "类型"], r"type column '类型' is not in the file"),
    ],
)
def test_bad_input_exits_2_with_a_message(zones: Path, args: list[str], message: str) -> None:
    res = run("screen", FAR.wkt, "--zones", str(zones), *args)
    assert res.exit_code == 2
    assert re.search(message, res.output), res.output


def test_missing_store_and_report_without_output(zones: Path, tmp_path: Path) -> None:
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(tmp_path / "none.gpkg"))
    assert res.exit_code == 2 and "none.gpkg' does not exist" in res.output
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(zones), "--format", "pdf")
    assert res.exit_code == 2 and "--format pdf writes a file: give -o OUT.pdf" in res.output


def test_csv_one_row_per_conflict_with_bom(zones: Path, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    inside = lonlat(shapely.Point(X0 + 500, Y0 + 500))
    path.write_text(
        f"name,lon,lat,类型\n远处,{FAR.centroid.x},{FAR.centroid.y},道路\n排污口,{inside.x},{inside.y},入河排污口\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli, ["screen", str(path), "--type-field", "类型", "--zones", str(zones), "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    raw = res.stdout_bytes
    assert raw.startswith("\ufeff".encode())
    assert raw.count(b"\r\n") == 4  # RFC 4180 line ends
    header, *rows = csv.reader(io.StringIO(raw.decode("utf-8-sig")))
    assert header[:3] == ["序号", "项目名称", "项目类型"]
    col = {name: i for i, name in enumerate(header)}
    # one row for the clear project, one per conflict (DWS01 and DWS05) for the outfall
    assert len(rows) == 1 + 2
    assert rows[0][:3] == ["1", "远处", "道路"] and rows[0][col["判定"]] == "不涉及"
    assert [row[:2] for row in rows[1:]] == [["2", "排污口"], ["2", "排污口"]]
    assert sorted(row[col["规则编号"]] for row in rows[1:]) == ["DWS01", "DWS05"]
    assert {row[col["计算坐标系"]] for row in rows} == {"EPSG:4547"}
    res = CliRunner().invoke(
        cli, ["screen", str(path), "--type-field", "类型", "--zones", str(zones), "--format", "csv", "--lang", "en"]
    )
    header = next(csv.reader(io.StringIO(res.stdout_bytes.decode("utf-8-sig"))))
    assert header[:4] == ["No.", "Project", "Type", "Geometry"]
    assert {"Overlap (m²)", "Rule", "Verdict", "Relation", "Distance (m)", "Project area (m²)"} <= set(header)


def test_gcj02_csv_point(zones: Path, tmp_path: Path) -> None:
    """A point typed from Gaode (GCJ-02): 300 m west of the zone once converted (the raw
    GCJ-02 numbers would put it hundreds of metres off)."""
    from gis.crs import wgs84_to_gcj02

    true_point = lonlat(shapely.Point(X0 - 300, Y0 + 500))
    glon, glat = wgs84_to_gcj02(true_point.x, true_point.y)
    path = tmp_path / "gaode.csv"
    path.write_text(f"name,lon,lat\n泵站,{float(glon):.9f},{float(glat):.9f}\n", encoding="utf-8")
    res = run("screen", str(path), "--type", "road", "--zones", str(zones), "--crs", "gcj02")
    doc = json.loads(res.stdout)
    assert doc["project"]["input_crs"] == "gcj02"
    near = {n["layer"]: n for n in doc["nearby"]}
    assert near["water_source"]["distance_m"] == pytest.approx(300, abs=0.05)
    assert near["water_source"]["bearing_deg"] == pytest.approx(90, abs=0.1)
    assert any("GCJ-02" in n for n in doc["notes"])


def test_report_formats_go_through_the_registry(zones: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from zoning import report

    seen = {}

    def fake_render(results, *, lang, **options):  # type: ignore[no-untyped-def]
        seen.update(n=len(results), lang=lang)
        return b"report"

    monkeypatch.setitem(report.FORMATS, "docx", replace(report.FORMATS["docx"], render=fake_render))
    out = tmp_path / "r.docx"
    res = run(
        "screen",
        HALF_IN.wkt,
        "--type",
        "road",
        "--zones",
        str(zones),
        "--format",
        "docx",
        "-o",
        str(out),
        "--lang",
        "en",
    )
    assert res.exit_code == 0, res.output
    assert seen == {"n": 1, "lang": "en"}
    assert out.read_bytes() == b"report"


def test_python_m_zoning_exit_codes(zones: Path) -> None:
    """The real entry point: bad input is exit 2 with the message, --fail-on is exit 3."""
    base = [sys.executable, "-m", "zoning", "screen", "--zones", str(zones)]
    bad = subprocess.run([*base, FAR.wkt, "--type", "飞机场"], capture_output=True, text=True, cwd=REPO, check=False)
    assert bad.returncode == 2 and "'飞机场' is not a known project type" in bad.stderr
    assert "Traceback" not in bad.stderr
    hit = subprocess.run(
        [*base, HALF_IN.wkt, "--type", "road", "--fail-on", "prohibited"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert hit.returncode == 3 and json.loads(hit.stdout)["verdict"] == "prohibited"


#: Run the CLI in a fresh interpreter, then report (on stderr) which report libraries it loaded.
_LOADED_AFTER_SCREENING = """
import sys
from zoning.cli import main
try:
    main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
print("exit", code, "loaded", *[m for m in ("matplotlib", "fpdf", "docx", "openpyxl") if m in sys.modules],
      file=sys.stderr)
"""


@pytest.mark.parametrize(("fmt", "loaded"), [("csv", ""), ("json", ""), ("xlsx", " openpyxl")])
def test_a_csv_or_json_screening_loads_no_report_library(zones: Path, tmp_path: Path, fmt: str, loaded: str) -> None:
    """A CSV or JSON screening imports neither matplotlib, fpdf2 nor python-docx (nor openpyxl);
    the workbook, which needs openpyxl, shows the check sees what a format loads."""
    out = tmp_path / f"r.{fmt}"
    res = subprocess.run(
        [sys.executable, "-c", _LOADED_AFTER_SCREENING, "screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones),
         "--format", fmt, "-o", str(out)],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert res.stderr.strip().splitlines()[-1] == f"exit 0 loaded{loaded}", res.stderr
    assert out.stat().st_size > 0


def test_python_m_zoning_empty_csv_is_exit_2_not_a_traceback(zones: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    res = subprocess.run(
        [sys.executable, "-m", "zoning", "screen", str(empty), "--type", "road", "--zones", str(zones)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert res.returncode == 2 and "empty.csv is empty (0 bytes)" in res.stderr
    assert "Traceback" not in res.stderr


def test_python_m_zoning_repair_warning_is_one_line(zones: Path) -> None:
    """A bow-tie 100 m x 100 m in EPSG:4547 far from every zone: repaired into two triangles
    of 100 x 50 / 2 = 2,500 m2 each (by hand); stderr says so in one line, without the
    Python source line that issued the warning."""
    x, y = X0 + 20_000, Y0 + 400
    bowtie = f"POLYGON (({x} {y}, {x + 100} {y + 100}, {x + 100} {y}, {x} {y + 100}, {x} {y}))"
    res = subprocess.run(
        [sys.executable, "-m", "zoning", "screen", bowtie, "--crs", "EPSG:4547", "--type", "road"]
        + ["--zones", str(zones)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["project"]["area_m2"] == pytest.approx(5_000, rel=1e-9)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: WKT text: ")
    assert "repaired 1 invalid geometry (Self-intersection: 1)" in lines[0]


def test_rules_list_and_validate(tmp_path: Path) -> None:
    res = run("rules", "list", "--type", "尾矿库", "--layer", "shoreline", "--format", "json")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)
    assert [(r["id"], r["distance_m"]) for r in rows] == [
        ("SHL02", 3000.0), ("SHL03", 1000.0), ("SHL05", 3000.0), ("SHL06", 1000.0),
    ]  # fmt: skip
    table = run("rules", "list", "--type", "road", "--lang", "en").stdout
    assert table.splitlines()[0].split()[:3] == ["id", "layer", "zones"]
    assert "ECO03" in table and "LIV01" not in table
    ok = run("rules", "validate", "data/rules.yaml")
    assert ok.exit_code == 0 and "78 rules OK" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - {id: X01, layer: nowhere, types: all, verdict: banned, condition: {zh: a, en: b}, basis: [{law: c}], confidence: verified}\n",
        encoding="utf-8",
    )
    res = run("rules", "validate", str(bad))
    assert res.exit_code == 2
    assert "field 'layer': 'nowhere'" in res.output and "field 'verdict': 'banned'" in res.output
    assert run("rules", "list", "--type", "airport").exit_code == 2


def test_zip_and_xlsx_formats_write_the_report_files(zones: Path, tmp_path: Path) -> None:
    """Two projects (one half inside the grade-1 zone, one 20 km away) as a zip bundle and
    as a workbook: the bundle holds the summary, one PDF per project, the table and the GeoPackage."""
    import io
    import zipfile

    from openpyxl import load_workbook

    path = tmp_path / "two.geojson"
    zone_frame([{"名称": "半入路", "类型": "road", "geometry": HALF_IN}, {"名称": "远处路", "类型": "road", "geometry": FAR}],
               crs="EPSG:4490").to_file(path, driver="GeoJSON")
    out = tmp_path / "bundle.zip"
    res = run("screen", str(path), "--type-field", "类型", "--name-field", "名称", "--zones", str(zones),
              "--format", "zip", "-o", str(out))
    assert res.exit_code == 0, res.output
    names = zipfile.ZipFile(out).namelist()
    assert names[0] == "00_汇总_summary.pdf"
    assert sorted(n for n in names if n.startswith("projects/")) == ["projects/1_半入路.pdf", "projects/2_远处路.pdf"]
    assert {"conflicts.xlsx", "screening.gpkg"} <= set(names)
    assert zipfile.ZipFile(out).read("projects/1_半入路.pdf").startswith(b"%PDF")

    book = tmp_path / "t.xlsx"
    res = run("screen", str(path), "--type-field", "类型", "--name-field", "名称", "--zones", str(zones),
              "--format", "xlsx", "-o", str(book))
    assert res.exit_code == 0, res.output
    rows = list(load_workbook(io.BytesIO(book.read_bytes()))["冲突一览"].iter_rows(values_only=True))
    header = rows[0]
    # 半入路: grade-1 (prohibited) and grade-2 rows; 远处路: one row, no conflict
    assert [(r[header.index("项目名称")], r[header.index("规则编号")]) for r in rows[1:]] == [
        ("半入路", "DWS01"), ("半入路", "DWS06"), ("远处路", None)]
    assert rows[1][header.index("重叠面积(m²)")] == pytest.approx(10_000, rel=1e-6)


def test_zip_without_output_is_refused(zones: Path) -> None:
    res = run("screen", FAR.wkt, "--type", "road", "--zones", str(zones), "--format", "zip")
    assert res.exit_code == 2 and "--format zip writes a file: give -o OUT.zip" in res.output


def test_shp_and_gdb_outputs_open_with_gdal_in_the_county_zone(zones: Path, tmp_path: Path) -> None:
    """平江县 is centred on 114E: zone 38, with the zone number EPSG:4526 (4513 + 38 - 25)."""
    import numpy as np
    import pyogrio
    from pyproj import CRS, Transformer

    to_zone = Transformer.from_crs(4490, 4526, always_xy=True)

    shp = tmp_path / "结果.zip"
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--name", "测试路",
              "--format", "shp", "-o", str(shp))
    assert res.exit_code == 0, res.output
    assert CRS.from_user_input(pyogrio.read_info(shp, layer="results")["crs"]).equals(CRS.from_epsg(4526))
    results = pyogrio.read_dataframe(shp, layer="results")
    assert list(results["name"]) == ["测试路"] and list(results["county"]) == ["平江县"]
    expected = shapely.transform(HALF_IN, lambda xy: np.column_stack(to_zone.transform(xy[:, 0], xy[:, 1])))
    assert shapely.hausdorff_distance(results.geometry.iloc[0], expected) < 0.001
    conflicts = pyogrio.read_dataframe(shp, layer="conflicts")
    assert sorted(conflicts["zone"]) == ["一级", "二级"] and set(conflicts["layer_name"]) == {"饮用水水源保护区"}

    gdb = tmp_path / "结果.gdb"
    args = ["screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--format", "gdb", "-o", str(gdb)]
    assert run(*args).exit_code == 0
    assert gdb.is_dir() and {"results", "conflicts", "report_info"} == {n for n, _ in pyogrio.list_layers(gdb)}
    assert CRS.from_user_input(pyogrio.read_info(gdb, layer="conflicts")["crs"]).equals(CRS.from_epsg(4526))
    again = run(*args)
    assert again.exit_code == 2 and "--overwrite" in again.output  # an existing FileGDB needs --overwrite
    assert run(*args, "--overwrite", "--out-crs", "EPSG:4547").exit_code == 0
    assert CRS.from_user_input(pyogrio.read_info(gdb, layer="results")["crs"]).equals(CRS.from_epsg(4547))


def test_out_crs_only_for_gis_formats_and_never_an_offset(zones: Path, tmp_path: Path) -> None:
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--format", "csv", "--out-crs", "4547")
    assert res.exit_code == 2 and "--out-crs applies to gdb and shp only" in res.output
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--format", "shp", "-o",
              str(tmp_path / "a.zip"), "--out-crs", "baidu")
    assert res.exit_code == 2 and "不是文件可声明的坐标系" in res.output and not (tmp_path / "a.zip").exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    res = run("screen", HALF_IN.wkt, "--type", "road", "--zones", str(zones), "--format", "shp", "-o", str(folder))
    assert res.exit_code == 2 and "is a folder" in res.output
