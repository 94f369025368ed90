"""The formats of the people we serve (issue 13 item 2): 界址点坐标 TXT, DXF, FileGDB, .xlsx.

Expected values are computed independently: areas by the shoelace formula on the numbers
written into the file, positions by pyproj from the CRS the header names, DXF and FileGDB
geometry by GDAL's own reading of the same file.
"""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from gis.errors import CRSError, InputError
from gis.io import read_features

# 3 parcels in CGCS2000 3-degree zone 38 (CM 114E), X = northing, Y = easting with the zone number.
N0, E0 = 3_123_000.0, 38_512_000.0


def _shoelace(xy: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True))) / 2


def _ring(n: float, e: float, size: float) -> list[tuple[float, float]]:
    """(X northing, Y easting) corners of a square, closed as the format writes it."""
    pts = [(n, e), (n, e + size), (n + size, e + size), (n + size, e), (n, e)]
    return pts


def _parcel_text(header: str = "", zone_line: str = "带号=38\n", e0: float = E0) -> str:
    lines = [
        "[属性描述]",
        "格式版本号=1.01",
        "数据产生单位=湖南省某某县自然资源局",
        "数据产生日期=2024-06-01",
        header or "坐标系=2000国家大地坐标系",
        "几度分带=3",
        "投影类型=高斯克吕格",
        "计量单位=米",
        zone_line.strip(),
        "精度=0.001",
        "转换参数=,,,,,,",
        "[地块坐标]",
    ]
    # Parcel 1: a square with a square hole (ring 2); parcel 2: two separate squares (two outer
    # rings); parcel 3: one plain square.
    parcels = [
        ("P1", "带孔地块", [_ring(N0, e0, 100), _ring(N0 + 40, e0 + 40, 20)]),
        ("P2", "两块地", [_ring(N0, e0 + 300, 50), _ring(N0 + 200, e0 + 300, 50)]),
        ("P3", "普通地块", [_ring(N0 + 500, e0, 30)]),
    ]
    for code, name, rings in parcels:
        count = sum(len(r) for r in rings)
        lines.append(f"{count},0.9600,{code},{name},面,H49G001001,工业用地,,@")
        k = 1
        for ring_no, ring in enumerate(rings, start=1):
            for x, y in ring:
                lines.append(f"J{k},{ring_no},{x:.3f},{y:.3f}")
                k += 1
    return "\n".join(lines) + "\n"


def test_parcel_txt_parcels_rings_and_holes(tmp_path: Path) -> None:
    path = tmp_path / "界址点.txt"
    path.write_bytes(_parcel_text().encode("gbk"))  # as land-approval software writes it
    fs = read_features(path)
    assert fs.input_crs == "EPSG:4526" and len(fs) == 3
    geoms = list(fs.gdf.geometry)
    assert geoms[0].geom_type == "Polygon" and len(geoms[0].interiors) == 1
    assert geoms[1].geom_type == "MultiPolygon" and len(geoms[1].geoms) == 2
    assert geoms[0].area == pytest.approx(_shoelace(_ring(N0, E0, 100)[:-1]) - _shoelace(_ring(N0, E0, 20)[:-1]))
    assert geoms[1].area == pytest.approx(2 * 50 * 50)
    assert list(fs.gdf["地块名称"]) == ["带孔地块", "两块地", "普通地块"]
    # X is the northing: the first point lies where pyproj puts (Y, X) of EPSG:4526.
    lon, lat = Transformer.from_crs(4526, 4490, always_xy=True).transform(E0, N0)
    first = fs.gdf.to_crs(4490).geometry.iloc[2].exterior.coords[0]
    expected = Transformer.from_crs(4526, 4490, always_xy=True).transform(E0, N0 + 500)
    assert first == pytest.approx(expected, abs=1e-9)
    assert 112 < lon < 115 and 27 < lat < 29


def test_parcel_txt_without_zone_prefix_uses_the_header_zone(tmp_path: Path) -> None:
    text = _parcel_text(e0=E0 - 38_000_000)
    path = tmp_path / "无带号.txt"
    path.write_text(text, encoding="utf-8")
    assert read_features(path).input_crs == "EPSG:4547"


def test_parcel_txt_without_a_coordinate_system_is_refused_unless_crs_given(tmp_path: Path) -> None:
    text = _parcel_text(header="坐标系=", zone_line="").replace("几度分带=3\n", "")
    path = tmp_path / "无坐标系.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CRSError, match=r"does not say its coordinate system .* --crs"):
        read_features(path)
    assert len(read_features(path, crs="EPSG:4526")) == 3


def test_parcel_txt_on_xian80_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "西安80.txt"
    path.write_text(_parcel_text(header="坐标系=1980西安坐标系"), encoding="utf-8")
    with pytest.raises(CRSError, match=r"Xian 1980"):
        read_features(path)


def test_parcel_txt_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "坏.txt"
    path.write_text(_parcel_text().replace("J3,1,", "J3;1;", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"line \d+ 'J3;1;"):
        read_features(path)


# --- DXF -----------------------------------------------------------------------------------


def _dxf(path: Path) -> Path:
    def lw(pts: list[tuple[float, float]], closed: bool, layer: str) -> list[str]:
        out = ["0", "LWPOLYLINE", "8", layer, "90", str(len(pts)), "70", "1" if closed else "0"]
        for x, y in pts:
            out += ["10", f"{x}", "20", f"{y}"]
        return out

    x0, y0 = 512_000.0, 3_123_000.0
    ents = lw([(x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 100), (x0, y0 + 100)], True, "红线")
    ents += lw([(x0 + 200, y0), (x0 + 300, y0 + 50)], False, "道路")
    ents += ["0", "POLYLINE", "8", "地块", "66", "1", "10", "0", "20", "0", "30", "0", "70", "1"]
    for x, y in [(x0 + 400, y0), (x0 + 500, y0), (x0 + 500, y0 + 80)]:
        ents += ["0", "VERTEX", "8", "地块", "10", f"{x}", "20", f"{y}", "30", "0"]
    ents += ["0", "SEQEND", "0", "POINT", "8", "井", "10", f"{x0 + 600}", "20", f"{y0}", "30", "0"]
    ents += ["0", "TEXT", "8", "注记", "10", f"{x0 + 10}", "20", f"{y0 + 10}", "30", "0", "40", "2.5", "1", "项目用地"]
    head = ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1015", "9", "$DWGCODEPAGE", "3", "ANSI_936"]
    lines = [*head, "0", "ENDSEC", "0", "SECTION", "2", "ENTITIES", *ents, "0", "ENDSEC", "0", "EOF"]
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))  # AutoCAD 2000 writes the code page's bytes
    return path


def test_dxf_closed_polylines_are_polygons(tmp_path: Path) -> None:
    path = _dxf(tmp_path / "总平面.dxf")
    fs = read_features(path, crs="EPSG:4547")
    kinds = list(fs.gdf.geometry.geom_type)
    assert kinds == ["Polygon", "LineString", "Polygon", "Point"]  # the TEXT label is not a feature
    assert fs.gdf.geometry.iloc[0].area == pytest.approx(100 * 100)
    assert fs.gdf.geometry.iloc[2].area == pytest.approx(_shoelace([(0, 0), (100, 0), (100, 80)]))
    assert list(fs.gdf["cad_layer"])[:3] == ["红线", "道路", "地块"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.set_gdal_config_options({"DXF_CLOSED_LINE_AS_POLYGON": "TRUE"})
        gdal = pyogrio.read_dataframe(path)
    assert shapely.equals(fs.gdf.geometry.iloc[0], gdal.geometry.iloc[0])


def test_dxf_without_crs_asks_for_one_with_the_zone_hint(tmp_path: Path) -> None:
    with pytest.raises(CRSError, match=r"no coordinate reference system .* Gauss-Kruger zone without zone prefix.*EPSG:4547"):
        read_features(_dxf(tmp_path / "a.dxf"))


# --- FileGDB --------------------------------------------------------------------------------


@pytest.fixture
def gdb(tmp_path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"名称": ["东江湖一级保护区", "湘江二级保护区"], "级别": ["一级", "二级"]},
        geometry=[shapely.box(113.0, 28.0, 113.01, 28.01), shapely.box(113.1, 28.1, 113.12, 28.12)],
        crs=4490,
    )
    path = tmp_path / "水源.gdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, driver="OpenFileGDB", layer="water")
        pyogrio.write_dataframe(gdf.to_crs(4547), path, driver="OpenFileGDB", layer="water_gk", append=False)
    return path


def test_filegdb_folder_and_zipped_folder(tmp_path: Path, gdb: Path) -> None:
    fs = read_features(gdb, layer="water")
    assert fs.format == "FileGDB" and fs.layer == "water" and list(fs.gdf["名称"])[0] == "东江湖一级保护区"
    gdal = pyogrio.read_dataframe(gdb, layer="water")
    assert all(shapely.equals(a, b) for a, b in zip(fs.gdf.geometry, gdal.geometry, strict=True))
    zipped = tmp_path / "水源.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for f in gdb.iterdir():
            zf.write(f, arcname=f"水源.gdb/{f.name}")
    fs2 = read_features(zipped, layer="water_gk")
    assert fs2.input_crs == "EPSG:4547" and len(fs2) == 2
    with pytest.raises(Exception, match=r"has 2 layers: water .*water_gk"):
        read_features(zipped)


# --- .xlsx batches --------------------------------------------------------------------------


def test_xlsx_batch_reads_like_the_csv_batch(tmp_path: Path) -> None:
    rows = [
        ("名称", "类型", "经度", "纬度", "规模"),
        ("养殖场甲", "畜禽养殖场", "113°10′13″", "28°25′33″", 2000),
        ("道路乙", "道路", 112.93, 28.23, None),
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "批量.xlsx"
    book.save(path)
    csv = tmp_path / "批量.csv"
    csv.write_text("\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n", encoding="utf-8")
    x, c = read_features(path), read_features(csv)
    assert x.format == "XLSX" and len(x) == 2
    assert [g.wkt for g in x.gdf.geometry] == [g.wkt for g in c.gdf.geometry]
    assert list(x.gdf["名称"]) == ["养殖场甲", "道路乙"] and list(x.gdf["规模"].fillna(0)) == [2000, 0]


def test_each_new_format_screens_through_the_cli(tmp_path: Path, gdb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zoning.cli import main

    parcels = tmp_path / "界址点.txt"
    parcels.write_text(_parcel_text(), encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.append(("名称", "lon", "lat"))
    book.active.append(("甲", 112.93, 28.23))
    xlsx = tmp_path / "b.xlsx"
    book.save(xlsx)
    cases = [
        [str(parcels)],
        [str(_dxf(tmp_path / "c.dxf")), "--crs", "EPSG:4547"],
        [str(gdb), "--layer", "water"],
        [str(xlsx)],
    ]
    for args in cases:
        with pytest.raises(SystemExit) as exit_info:
            main(["screen", *args, "--type", "road", "--format", "json"])
        out = capsys.readouterr().out
        assert exit_info.value.code == 0, args
        doc = json.loads(out)
        results = doc if isinstance(doc, list) else [doc]
        assert all(r["verdict"] for r in results)
    shutil.rmtree(gdb)


def test_a_zipped_filegdb_lists_its_layers(tmp_path: Path, gdb: Path) -> None:
    """The upload form offers a layer choice from list_layers: a zipped FileGDB lists its own."""
    from gis.io import list_layers

    zipped = tmp_path / "水源.gdb.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for f in gdb.iterdir():
            zf.write(f, arcname=f"水源.gdb/{f.name}")
        zf.writestr("说明.txt", "readme")
    expected = [name for name, _ in pyogrio.list_layers(gdb)]
    assert [info.name for info in list_layers(zipped)] == expected == ["water", "water_gk"]
    assert [info.name for info in list_layers(zipped.read_bytes(), filename="水源.gdb.zip")] == expected
    assert list_layers(zipped)[0].feature_count == 2
