"""The formats planners bring, uploaded in a real browser (issue 13): a 界址点 TXT, a DXF, a
zipped FileGDB and an .xlsx batch are accepted by the screen and batch pages' uploaders
(never Streamlit's English "files are not allowed") and screened against the test store.

Every file puts its project in the test store's grade-1 water-source square (offsets 0..1000 m
from ORIGIN in EPSG:4547, tests/ui/conftest.py), so an industrial project there is 禁止
(DWS01); the coordinates are the store's own EPSG:4547 numbers (with the zone number:
+38,000,000 m in the easting, EPSG:4526) or pyproj's lon/lat of them.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
from shapely.geometry import box

from tests.e2e.helpers import TIMEOUT_MS, choose_option, wait_ready
from tests.ui.conftest import ORIGIN, lonlat

pytestmark = pytest.mark.e2e

UPLOADER = "[data-testid='stFileUploader'] input[type='file']"


def _parcel_txt(path: Path) -> Path:
    """A 200 m square parcel, X = northing, Y = easting with the zone number (zone 38)."""
    e0, n0 = ORIGIN[0] + 400 + 38_000_000, ORIGIN[1] + 400
    ring = [(n0, e0), (n0, e0 + 200), (n0 + 200, e0 + 200), (n0 + 200, e0), (n0, e0)]
    lines = ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米", "带号=38",
             "[地块坐标]", "5,0.04,D1,水源旁厂房,面,,工业用地,,@"]
    lines += [f"J{i},1,{x:.3f},{y:.3f}" for i, (x, y) in enumerate(ring, start=1)]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    return path


def _dxf(path: Path) -> Path:
    """A closed LWPOLYLINE in EPSG:4547 metres (a CAD file says no CRS)."""
    x0, y0 = ORIGIN[0] + 400, ORIGIN[1] + 400
    pts = [(x0, y0), (x0 + 200, y0), (x0 + 200, y0 + 200), (x0, y0 + 200)]
    ents = ["0", "LWPOLYLINE", "8", "红线", "90", "4", "70", "1"]
    for x, y in pts:
        ents += ["10", f"{x}", "20", f"{y}"]
    lines = ["0", "SECTION", "2", "ENTITIES", *ents, "0", "ENDSEC", "0", "EOF"]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))  # AutoCAD writes its code page
    return path


def _gdb_zip(folder: Path) -> Path:
    corners = [lonlat(400, 400), lonlat(600, 600)]
    gdf = gpd.GeoDataFrame({"名称": ["水源旁仓库"]}, geometry=[box(*corners[0], *corners[1])], crs=4490)
    gdb = folder / "项目.gdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, gdb, driver="OpenFileGDB", layer="site")
    out = folder / "项目.gdb.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(gdb.iterdir()):
            zf.write(f, arcname=f"项目.gdb/{f.name}")
    return out


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(("项目名称", "类型", "经度", "纬度"))
    for name, kind, (dx, dy) in [("水源内项目", "一般工业项目", (500, 500)), ("红线旁道路", "道路", (2990, 500)),
                                 ("远处项目", "一般工业项目", (-8000, -8000))]:
        lon, lat = lonlat(dx, dy)
        sheet.append((name, kind, round(lon, 9), round(lat, 9)))
    book.save(path)
    return path


def _files(tmp_path: Path) -> dict[str, Path]:
    return {"txt": _parcel_txt(tmp_path / "界址点.txt"), "dxf": _dxf(tmp_path / "总平面.dxf"),
            "gdb": _gdb_zip(tmp_path), "xlsx": _xlsx(tmp_path / "批量.xlsx")}


def _assert_no_refusal(page) -> None:
    assert page.get_by_text("not allowed").count() == 0
    assert page.get_by_text("不支持").count() == 0


def _choose_crs(page, code: str) -> None:
    """Open the upload form's optional CRS choice and pick ``code`` (EPSG:4547 ...)."""
    page.get_by_text("坐标系（可选，文件未注明时指定）").click()
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="坐标系").last
    choose_option(page, box, code, label_starts=True)


def _upload_on_screen(page, app_url: str, path: Path) -> None:
    page.goto(app_url)
    wait_ready(page)
    page.get_by_text("上传文件", exact=True).first.click()
    wait_ready(page)
    page.locator(UPLOADER).set_input_files(str(path))
    wait_ready(page)
    _assert_no_refusal(page)


def _screen_upload(page, app_url: str, path: Path, *, crs: str | None = None) -> None:
    _upload_on_screen(page, app_url, path)
    if crs is not None:
        page.get_by_text("没有坐标系").first.wait_for(timeout=TIMEOUT_MS)  # asked for, not guessed
        _choose_crs(page, crs)
    page.get_by_text("识别的图形").first.wait_for(timeout=TIMEOUT_MS)
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
    choose_option(page, box, "一般工业项目")
    verdict = page.locator(".ez-verdict[data-verdict='prohibited']")
    verdict.wait_for(timeout=TIMEOUT_MS)
    assert "禁止" in verdict.inner_text()
    _assert_no_refusal(page)


@pytest.mark.parametrize("kind", ["txt", "dxf", "gdb", "xlsx"])
def test_screen_page_screens_each_new_format(page, app_url: str, tmp_path: Path, kind: str) -> None:
    path = _files(tmp_path)[kind]
    if kind == "xlsx":  # the first row of the batch sheet lies in the zone: the planner picks it
        _upload_on_screen(page, app_url, path)
        page.get_by_text("文件含 3 个要素").wait_for(timeout=TIMEOUT_MS)
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
        choose_option(page, box, "一般工业项目")
        page.locator(".ez-verdict[data-verdict='prohibited']").wait_for(timeout=TIMEOUT_MS)
        return
    _screen_upload(page, app_url, path, crs="EPSG:4547" if kind == "dxf" else None)


@pytest.mark.parametrize("kind,count", [("xlsx", 3), ("txt", 1), ("gdb", 1)])
def test_batch_page_accepts_and_screens_each_new_format(page, app_url: str, tmp_path: Path, kind: str,
                                                        count: int) -> None:
    path = _files(tmp_path)[kind]
    page.goto(f"{app_url}/batch")
    wait_ready(page)
    page.locator(UPLOADER).set_input_files(str(path))
    wait_ready(page)
    _assert_no_refusal(page)
    page.get_by_text(f"{count} 个项目").first.wait_for(timeout=TIMEOUT_MS)  # 已读取 <file>：n 个项目
    if kind != "xlsx":  # read; screened on the screen page above (no type column here)
        return
    run = page.get_by_role("button", name=f"开始筛查 {count} 个项目")
    run.wait_for(timeout=TIMEOUT_MS)
    run.click()
    page.get_by_text("按县（市、区）统计项目结论").wait_for(timeout=TIMEOUT_MS)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="禁止")
    assert "1" in metric.first.inner_text()


def test_batch_page_accepts_a_dxf(page, app_url: str, tmp_path: Path) -> None:
    page.goto(f"{app_url}/batch")
    wait_ready(page)
    page.locator(UPLOADER).set_input_files(str(_dxf(tmp_path / "总平面.dxf")))
    wait_ready(page)
    _assert_no_refusal(page)
    page.get_by_text("没有坐标系").first.wait_for(timeout=TIMEOUT_MS)
    _choose_crs(page, "EPSG:4547")
    page.get_by_text("1 个项目").first.wait_for(timeout=TIMEOUT_MS)
