"""gis.io on KML and KMZ: hand-written KML text, folders, Chinese ExtendedData, errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pyproj import Geod

from gis.crs import wgs84_to_gcj02
from gis.errors import DataSourceError
from gis.io import list_layers, read_features

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>项目</name>
  <Folder><name>养殖场</name>
    <Placemark><name>湘潭县某养殖场</name><description>拟建</description>
      <ExtendedData><Data name="规模"><value>2000</value></Data><Data name="类型"><value>生猪</value></Data></ExtendedData>
      <Polygon>
        <outerBoundaryIs><LinearRing><coordinates>
          112.94,27.77,0 112.96,27.77,0 112.96,27.79,0 112.94,27.79,0 112.94,27.77,0
        </coordinates></LinearRing></outerBoundaryIs>
        <innerBoundaryIs><LinearRing><coordinates>
          112.945,27.775 112.955,27.775 112.955,27.785 112.945,27.785 112.945,27.775
        </coordinates></LinearRing></innerBoundaryIs>
      </Polygon>
    </Placemark>
  </Folder>
  <Folder><name>道路</name>
    <Placemark><name>连接线</name>
      <MultiGeometry>
        <LineString><coordinates>112.90,27.70 113.00,27.80</coordinates></LineString>
        <LineString><coordinates>113.00, 27.80 113.05, 27.85</coordinates></LineString>
      </MultiGeometry>
    </Placemark>
    <Placemark><name>取水口</name><Point><coordinates>112.93,27.86,0</coordinates></Point></Placemark>
  </Folder>
</Document>
</kml>
"""


@pytest.fixture
def kml_path(tmp_path: Path) -> Path:
    path = tmp_path / "项目.kml"
    path.write_text(KML, encoding="utf-8")
    return path


def test_kml_placemarks_with_folders_and_chinese_extended_data(kml_path: Path) -> None:
    fs = read_features(kml_path)
    assert fs.format == "KML"
    assert fs.input_crs == "EPSG:4326"
    assert fs.gdf.crs.to_epsg() == 4490
    assert fs.gdf["name"].tolist() == ["湘潭县某养殖场", "连接线", "取水口"]
    assert fs.gdf["folder"].tolist() == ["养殖场", "道路", "道路"]
    assert fs.gdf.loc[0, "规模"] == 2000  # numeric ExtendedData becomes a number
    assert fs.gdf.loc[0, "类型"] == "生猪"
    farm, road, intake = fs.gdf.geometry
    assert farm.geom_type == "Polygon"
    assert farm.area == pytest.approx(0.02 * 0.02 - 0.01 * 0.01)  # shell minus hole, by hand
    assert road.geom_type == "MultiLineString"
    assert road.length == pytest.approx(0.1 * 2**0.5 + 0.05 * 2**0.5)  # two diagonals, by hand
    assert (intake.x, intake.y) == (112.93, 27.86)
    assert not fs.gdf.has_z.any()  # altitudes dropped


def test_kml_folder_as_layer_and_listing(kml_path: Path) -> None:
    fs = read_features(kml_path, layer="道路")
    assert fs.gdf["name"].tolist() == ["连接线", "取水口"]
    infos = list_layers(kml_path)
    assert [(i.name, i.geometry_type, i.feature_count) for i in infos] == [("养殖场", "Polygon", 1), ("道路", None, 2)]
    with pytest.raises(DataSourceError, match=r"项目.kml has no folder '河流'; its folders are 养殖场, 道路"):
        read_features(kml_path, layer="河流")


def test_kmz_is_zipped_kml(tmp_path: Path) -> None:
    path = tmp_path / "项目.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("doc.kml", KML.encode("utf-8"))
        zf.writestr("files/icon.png", b"\x89PNG")
    fs = read_features(path)
    assert fs.format == "KMZ"
    assert len(fs) == 3
    assert read_features(path.read_bytes(), filename="上传.kmz").gdf["name"].tolist() == fs.gdf["name"].tolist()


def test_kml_from_gaode_with_crs_gcj02_is_converted(tmp_path: Path) -> None:
    """A point drawn on a Gaode (GCJ-02) map: read with crs='gcj02' it lands back on the
    true position (within 0.5 m)."""
    true_lon, true_lat = 112.93, 27.86
    g_lon, g_lat = (float(v) for v in wgs84_to_gcj02(true_lon, true_lat))
    text = KML.replace("112.93,27.86,0", f"{g_lon!r},{g_lat!r},0")
    path = tmp_path / "gaode.kml"
    path.write_text(text, encoding="utf-8")
    fs = read_features(path, crs="gcj02")
    assert fs.input_crs == "gcj02"
    p = fs.gdf.geometry.iloc[2]
    _, _, err_m = Geod(ellps="WGS84").inv(true_lon, true_lat, p.x, p.y)
    assert err_m < 0.5


def test_kml_declared_gbk_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gbk.kml"
    path.write_bytes(KML.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk"))
    fs = read_features(path)
    assert fs.encoding == "GBK"
    assert fs.gdf["name"].iloc[0] == "湘潭县某养殖场"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("<kml><Document>", r"bad.kml is not readable KML \(.*\); expected a KML 2.2 XML document"),
        ("<gpx></gpx>", r"bad.kml is XML but not KML \(root element <gpx>\); expected <kml>"),
        ("<kml><Document></Document></kml>", r"bad.kml has no Placemark"),
        (
            "<kml><Placemark><name>p</name><Point><coordinates>abc,def</coordinates></Point></Placemark></kml>",
            r"bad.kml placemark 'p': KML coordinates 'abc,def' are not numbers",
        ),
        (
            "<kml><Placemark><name>q</name><LineString><coordinates>1,2,3,4</coordinates></LineString></Placemark></kml>",
            r"bad.kml placemark 'q': KML coordinates '1,2,3,4' are not 'lon,lat\[,alt\]' tuples",
        ),
    ],
)
def test_broken_kml_is_explained(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "bad.kml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError, match=pattern):
        read_features(path)


def test_kmz_without_kml_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "empty.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(DataSourceError, match=r"empty.kmz is a KMZ without a .kml document inside"):
        read_features(path)


def test_kml_placemarks_outside_folders_are_a_layer_of_their_own(tmp_path: Path) -> None:
    text = KML.replace(
        "<Document><name>项目</name>",
        "<Document><name>项目</name><Placemark><name>散点</name><Point><coordinates>113.0,28.0</coordinates></Point></Placemark>",
    )
    path = tmp_path / "mixed.kml"
    path.write_text(text, encoding="utf-8")
    infos = list_layers(path)
    assert [(i.name, i.feature_count) for i in infos] == [("(根目录 / top level)", 1), ("养殖场", 1), ("道路", 2)]
    fs = read_features(path, layer=infos[0].name)
    assert fs.gdf["name"].tolist() == ["散点"]
