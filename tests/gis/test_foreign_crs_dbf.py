"""Foreign material (issue 13): real-world .prj strings and shapefile encodings.

Each case is built here from the structure other tools write (see tests/gis/foreign/README.md),
placed at Hunan coordinates; the expected value is the foreign tool's own reading: PROJ
(pyproj) for a .prj, GDAL (pyogrio, honouring the .cpg itself) for attribute text.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer

from gis.crs import crs_from_prj, parse_crs
from gis.errors import DataSourceError
from gis.io import read_features
from tests.gis.conftest import write_shapefile, zip_shapefile

# An ESRI .prj as ArcGIS writes it for CGCS2000 3-degree GK CM 114E (the parameters vary below).
_ESRI_GK = (
    'PROJCS["{name}",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
    'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",{fn}],'
    'PARAMETER["Central_Meridian",{cm}],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],'
    'UNIT["Meter",1.0]]'
)
# A place in Hunan: 长沙 岳麓区.
LON, LAT = 112.93, 28.23


def _shapefile_in(tmp_path: Path, prj: str, name: str = "site") -> Path:
    """A one-point shapefile at (LON, LAT) expressed in the CRS ``prj`` as PROJ reads it, with that .prj."""
    x, y = Transformer.from_crs(4490, CRS.from_user_input(prj), always_xy=True).transform(LON, LAT)
    gdf = gpd.GeoDataFrame({"name": ["项目"]}, geometry=[shapely.Point(x, y)], crs=CRS.from_user_input(prj))
    shp = write_shapefile(gdf, tmp_path / name, name)
    shp.with_suffix(".prj").write_text(prj)
    return shp


@pytest.mark.parametrize(
    ("fe", "fn", "cm", "case"),
    [
        (500000.0, -26000.0, 114.0, "false northing -26 km (the silent 26 km shift)"),
        (500000.0, 26000.0, 114.0, "false northing +26 km"),
        (700000.0, 0.0, 114.0, "false easting 700 000"),
        (500000.0, 0.0, 112.5, "central meridian between 3-degree zones"),
        (11038.0, -2486635.0, 112.5, "local system FE 11038 / FN -2486635"),
    ],
)
def test_custom_gauss_kruger_prj_is_honoured_not_snapped(tmp_path: Path, fe: float, fn: float, cm: float, case: str) -> None:
    prj = _ESRI_GK.format(name="CGCS2000_3_Degree_GK_CM_114E", fe=fe, fn=fn, cm=cm)
    fs = read_features(_shapefile_in(tmp_path, prj))
    # Projected input keeps its CRS; back to lon/lat it is where PROJ and GDAL put it.
    lonlat = fs.gdf.to_crs(4490).geometry.iloc[0]
    assert (lonlat.x, lonlat.y) == pytest.approx((LON, LAT), abs=1e-8), case
    gdal = pyogrio.read_dataframe(_shapefile_in(tmp_path, prj, "gdal")).to_crs(4490).geometry.iloc[0]
    assert (lonlat.x, lonlat.y) == pytest.approx((gdal.x, gdal.y), abs=1e-8)
    # Named as what it is: never EPSG:4547, whose name it borrows.
    assert not fs.input_crs.startswith("EPSG:"), fs.input_crs
    assert f"+x_0={fe:.10g}" in fs.input_crs and f"+y_0={fn:.10g}" in fs.input_crs and f"+lon_0={cm:.10g}" in fs.input_crs
    back = Transformer.from_crs(parse_crs(fs.input_crs).crs, 4490, always_xy=True)  # the label reads back
    assert back.transform(*fs.gdf.geometry.iloc[0].coords[0]) == pytest.approx((LON, LAT), abs=1e-8)


def test_the_26_km_case_screens_at_the_right_place(tmp_path: Path) -> None:
    from zoning.engine import projects_from_features

    prj = _ESRI_GK.format(name="Gauss_Kruger", fe=500000.0, fn=-26000.0, cm=114.0)
    fs = read_features(_shapefile_in(tmp_path, prj))
    project = projects_from_features(fs, type="road")[0]
    assert project.input_crs == fs.input_crs and "+y_0=-26000" in project.input_crs
    assert (project.geometry.x, project.geometry.y) == pytest.approx((LON, LAT), abs=1e-8)


@pytest.mark.parametrize(("fe", "cm", "code"), [(500000.0, 114.0, 4547), (38500000.0, 114.0, 4526), (500000.0, 111.0, 4546)])
def test_standard_prj_still_gets_its_epsg_code(tmp_path: Path, fe: float, cm: float, code: int) -> None:
    prj = _ESRI_GK.format(name="Gauss_Kruger", fe=fe, fn=0.0, cm=cm)
    assert crs_from_prj(prj).to_epsg() == code
    assert CRS.from_epsg(code).equals(CRS.from_user_input(prj), ignore_axis_order=True) or code in (4526, 4546, 4547)
    fs = read_features(_shapefile_in(tmp_path, prj))
    assert fs.input_crs == f"EPSG:{code}"


def test_real_world_prj_strings_are_read_as_proj_reads_them() -> None:
    # Strings of the kinds ArcGIS, QGIS and Chinese GIS write (see the README for sources).
    cases = {
        "ESRI WGS84": 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
        'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
        "ESRI CGCS2000": 'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID['
        '"CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
        "QGIS WKT1 4547": CRS.from_epsg(4547).to_wkt("WKT1_GDAL"),
        "WKT2 4526": CRS.from_epsg(4526).to_wkt(),
    }
    expected = {"ESRI WGS84": 4326, "ESRI CGCS2000": 4490, "QGIS WKT1 4547": 4547, "WKT2 4526": 4526}
    for name, text in cases.items():
        assert crs_from_prj(text).to_epsg() == expected[name], name


# --- .cpg values and DBF encodings ------------------------------------------------------------

# (.cpg text, Python codec of the data, attribute text): what GDAL accepts in a .cpg, and the
# Windows forms ArcGIS writes that GDAL does not (65001, LDID/77).
_CPG_CASES = [
    ("874", "cp874", "ถนนสุขุมวิท"),
    ("koi8r", "koi8_r", "Москва"),
    ("KOI8-R", "koi8_r", "Москва"),
    ("936", "gbk", "湘江长沙段"),
    ("UTF8", "utf-8", "岳麓山"),
    ("65001", "utf-8", "岳麓山"),
    ("EUC-KR", "euc_kr", "서울특별시"),
    ("Big5", "big5", "臺北市"),
    ("950", "big5", "臺北市"),
    ("1252", "cp1252", "Peçeña"),
    ("ANSI 1251", "cp1251", "Санкт-Петербург"),
    ("88591", "latin-1", "Málaga"),
    ("8859-5", "iso8859_5", "Москва"),
    ("GB2312", "gbk", "东江湖"),
    ("LDID/77", "gbk", "东江湖"),
    ("SHIFT_JIS", "shift_jis", "東京都"),
]


def _encoded_shapefile(tmp_path: Path, codec: str, text: str, cpg: str | None, name: str = "enc") -> Path:
    gdf = gpd.GeoDataFrame({"名称" if codec in ("gbk", "utf-8") else "name": [text]}, geometry=[shapely.Point(LON, LAT)], crs=4490)
    shp = tmp_path / name / f"{name}.shp"
    shp.parent.mkdir(parents=True, exist_ok=True)
    gdal_name = {"latin-1": "ISO-8859-1", "iso8859_5": "ISO-8859-5", "koi8_r": "KOI8-R", "euc_kr": "EUC-KR"}.get(codec, codec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, shp, encoding=gdal_name)
    cpg_path = shp.with_suffix(".cpg")
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg)
    return shp


@pytest.mark.parametrize(("cpg", "codec", "text"), _CPG_CASES, ids=[c[0] for c in _CPG_CASES])
def test_cpg_values_are_honoured(tmp_path: Path, cpg: str, codec: str, text: str) -> None:
    shp = _encoded_shapefile(tmp_path, codec, text, cpg)
    fs = read_features(zip_shapefile(shp, tmp_path / "enc.zip"))
    column = [c for c in fs.gdf.columns if c != "geometry"][0]
    assert fs.gdf[column].iloc[0] == text
    # GDAL's own reading of the .cpg agrees wherever GDAL knows the value.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = pyogrio.read_info(shp)
        if info["encoding"] == "UTF-8":
            assert pyogrio.read_dataframe(shp).iloc[0, 0] == text


def test_a_cpg_naming_an_unknown_encoding_is_a_clear_message(tmp_path: Path) -> None:
    shp = _encoded_shapefile(tmp_path, "utf-8", "岳麓山", "x-klingon")
    with pytest.raises(DataSourceError, match=r"the .cpg names the encoding 'x-klingon', which is not known; expected e.g. UTF-8"):
        read_features(shp)


@pytest.mark.parametrize(
    ("codec", "text", "likely"),
    [("latin-1", "Peçeña", "CP1252"), ("big5", "臺北市國家公園", "BIG5"), ("shift_jis", "東京都水源保護区域", "SHIFT_JIS")],
)
def test_dbf_without_cpg_is_not_guessed_as_gbk(tmp_path: Path, codec: str, text: str, likely: str) -> None:
    shp = _encoded_shapefile(tmp_path, codec, text, None)
    with pytest.raises(DataSourceError) as info:
        read_features(shp)
    message = str(info.value)
    assert "tried UTF-8, GBK and GB18030" in message and "--encoding" in message
    assert likely in message  # the likely encoding is shown with the text as it reads in it
    assert "--encoding" in (info.value.zh or "")
    # Told the encoding, the reader decodes it right.
    fs = read_features(shp, encoding=likely)
    assert fs.gdf["name"].iloc[0] == text


def test_gbk_without_cpg_is_still_detected(tmp_path: Path) -> None:
    shp = _encoded_shapefile(tmp_path, "gbk", "东江湖饮用水水源一级保护区", None)
    fs = read_features(shp)
    assert fs.gdf["名称"].iloc[0] == "东江湖饮用水水源一级保护区" and fs.encoding == "GBK"


def test_encoding_option_on_the_cli(tmp_path: Path) -> None:
    from zoning.cli import main

    shp = _encoded_shapefile(tmp_path, "big5", "臺北市", None)
    zipped = zip_shapefile(shp, tmp_path / "big5.zip")
    with pytest.raises(SystemExit) as exit_info:
        main(["screen", str(zipped), "--type", "road", "-o", str(tmp_path / "out.json")])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["screen", str(zipped), "--type", "road", "--encoding", "BIG5", "-o", str(tmp_path / "out.json")])
    assert exit_info.value.code == 0
    assert "臺北市" in (tmp_path / "out.json").read_text(encoding="utf-8")
    assert np.isfinite(1.0)
