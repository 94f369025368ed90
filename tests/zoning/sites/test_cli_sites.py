"""``python -m zoning site-find`` and ``compare`` on a constructed GeoPackage store: the
candidates GeoPackage read back, the comparison exported to XLSX and DOCX and read back
(openpyxl, python-docx), refusals with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.zoning._engine_support import X0, Y0, lonlat, rect, write_gpkg, zone_frame
from tests.zoning.sites.conftest import COUNTY_M, county_frame

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "ZONING_CACHE_DIR": str(env_dir)}
    return subprocess.run([sys.executable, "-m", "zoning", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county with a 2 km red line in its middle, as a GeoPackage."""
    path = tmp_path_factory.mktemp("sites-store") / "zones.gpkg"
    red = zone_frame([{"name": "红线", "category": "一般", "legal_status": "示意",
                       "geometry": rect(X0 + 4000, Y0 + 4000, 2000, 2000)}])
    return write_gpkg(path, {"admin": county_frame(), "eco_redline": red})


def test_site_find_writes_candidates_and_the_search(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "sites.gpkg"
    done = _run("site-find", "--type", "化工项目", "--county", "测试县", "--zones", str(store), "-o", str(out),
                env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    sites = gpd.read_file(out, layer="candidates")
    assert len(sites) == 1 and sites["verdict"].tolist() == ["clear"]
    assert sites.crs.to_epsg() == 4547
    assert 96e6 - 48_000 * 30 <= sites.geometry.area.sum() <= 96e6
    assert sites["legal_status"].tolist() == ["示意"]
    lon, lat = sites[["centroid_lon", "centroid_lat"]].iloc[0]
    assert shapely.Point(lon, lat).within(lonlat(rect(X0, Y0, COUNTY_M, COUNTY_M)))
    search = gpd.read_file(out, layer="search")
    rows = dict(zip(search["key"], search["zh"], strict=True))
    assert rows["resolution_m"] == "30" and "栅格" in rows["edges"]
    assert rows["legal_status"].startswith("示意")
    assert json.loads(rows["counts"])["cells"] > 0
    assert "1\t" in done.stdout  # the ranked table
    again = _run("site-find", "--type", "化工项目", "--county", "测试县", "--zones", str(store), "-o", str(out),
                 env_dir=tmp_path)
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_site_find_refuses_an_unknown_county_and_two_areas(store: Path, tmp_path: Path) -> None:
    done = _run("site-find", "--type", "landfill", "--county", "测试市", "--zones", str(store), "-o",
                str(tmp_path / "x.gpkg"), env_dir=tmp_path)
    assert done.returncode == 2
    assert "错误" in done.stderr and "测试县" in done.stderr  # the close name is offered
    both = _run("site-find", "--type", "landfill", "--county", "测试县", "--bbox", "114,28,114.1,28.1",
                "--zones", str(store), "-o", str(tmp_path / "y.gpkg"), env_dir=tmp_path)
    assert both.returncode == 2 and "--bbox" in both.stderr


def _sites_file(tmp_path: Path) -> Path:
    """Three alternatives: in the red line, 300 m from it, far from it."""
    rows = [{"name": "甲地", "geometry": lonlat(rect(X0 + 4500, Y0 + 4500, 200, 200))},
            {"name": "乙地", "geometry": lonlat(rect(X0 + 6300, Y0 + 4500, 200, 200))},
            {"name": "丙地", "geometry": lonlat(rect(X0 + 500, Y0 + 500, 200, 200))}]
    path = tmp_path / "sites.geojson"
    gpd.GeoDataFrame([{"name": r["name"]} for r in rows], geometry=[r["geometry"] for r in rows],
                     crs="EPSG:4490").to_file(path, driver="GeoJSON")
    return path


def test_compare_exports_xlsx_and_docx(store: Path, tmp_path: Path) -> None:
    import docx
    import openpyxl

    sites = _sites_file(tmp_path)
    xlsx = tmp_path / "cmp.xlsx"
    done = _run("compare", str(sites), "--type", "landfill", "--zones", str(store), "--format", "xlsx", "-o", str(xlsx),
                env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "方案比选"
    table = [list(r) for r in wb["方案比选"].iter_rows(values_only=True)]
    assert table[0] == ["比选因素", "方案1：甲地", "方案2：乙地", "方案3：丙地"]
    by = {r[0]: r[1:] for r in table[1:]}
    assert [v == "禁止" for v in by["结论"]] == [True, False, False]
    assert "ECO08" in by["禁止类冲突"][0] and by["禁止类冲突"][2] == "—"
    assert by["距生态保护红线"][0] == "位于其内" and by["距生态保护红线"][1] == "300 m"
    assert by["比选排序（按结论）"][0] == "3"
    doc_path = tmp_path / "cmp.docx"
    done = _run("compare", str(sites), "--type", "landfill", "--zones", str(store), "--format", "docx", "-o",
                str(doc_path), "--lang", "en", env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = docx.Document(str(doc_path))
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any("Comparison of alternative sites" in h for h in heads), heads
    first = doc.tables[0] if "Factor" in doc.tables[0].rows[0].cells[0].text else next(
        t for t in doc.tables if t.rows[0].cells[0].text == "Factor")
    assert [c.text for c in first.rows[0].cells] == ["Factor", "Site 1: 甲地", "Site 2: 乙地", "Site 3: 丙地"]
    assert doc.inline_shapes, "the comparison map"


def test_compare_needs_two_to_six_sites(store: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.geojson"
    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[lonlat(rect(X0 + 500, Y0 + 500, 100, 100))],
                     crs="EPSG:4490").to_file(one, driver="GeoJSON")
    done = _run("compare", str(one), "--type", "landfill", "--zones", str(store), "-o", str(tmp_path / "c.xlsx"),
                env_dir=tmp_path)
    assert done.returncode == 2 and "2～6" in done.stderr and "2 to 6" in done.stderr
