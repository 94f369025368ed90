"""gis.io on OGR formats: GeoJSON, Shapefile (zipped or bare; GBK/UTF-8; .prj), GeoPackage."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from pyproj import CRS

from gis.errors import CRSError, DataSourceError, GeometryError, InputError
from gis.io import list_layers, read_features, write_features
from gis.repair import GeometryRepairWarning
from tests.gis.conftest import XIANGTAN_COUNTY, write_shapefile, zip_shapefile

HUNAN = (108.6, 24.6, 114.3, 30.2)


def _inside_hunan(bounds: tuple[float, float, float, float]) -> bool:
    return HUNAN[0] <= bounds[0] and bounds[2] <= HUNAN[2] and HUNAN[1] <= bounds[1] and bounds[3] <= HUNAN[3]


# --- GeoJSON ----------------------------------------------------------------------------


def test_geojson_file_is_read_into_cgcs2000(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    path = tmp_path / "项目.geojson"
    counties_lonlat.to_file(path, engine="pyogrio")
    fs = read_features(path)
    assert fs.format == "GeoJSON"
    assert fs.input_crs == "EPSG:4326"
    assert fs.gdf.crs.to_epsg() == 4490
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]
    assert fs.gdf.geometry.iloc[0].equals_exact(counties_lonlat.geometry.iloc[0], 1e-12)
    assert any("treated as equal" in n for n in fs.notes)
    assert fs.repairs.count == 0
    assert len(fs) == 2


def test_geojson_upload_bytes_and_text(counties_lonlat: gpd.GeoDataFrame) -> None:
    text = counties_lonlat.to_json()
    from_bytes = read_features(text.encode("utf-8"), filename="upload.geojson")
    from_text = read_features(text)
    assert from_bytes.source == "upload.geojson"
    assert from_bytes.gdf["name"].tolist() == from_text.gdf["name"].tolist() == ["湘潭县", "长沙县"]


def test_geojson_with_gk_metres_and_no_crs_member_is_explained(tmp_path: Path) -> None:
    """GeoJSON means WGS84 lon/lat; a file of Gauss-Kruger metres written without a crs
    member is refused with a hint at the zone."""
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [38_401_000.0, 3_074_000.0]},
    }
    path = tmp_path / "gk.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(
        CRSError,
        match=r"gk.geojson has coordinates .* look like projected metres with a Gauss-Kruger zone prefix \(38: 3-degree zone 38, EPSG:4526\)",
    ):
        read_features(path)
    fs = read_features(path, crs="EPSG:4526")
    assert fs.gdf.crs.to_epsg() == 4526
    assert any("read as EPSG:4526 as requested" in n for n in fs.notes)


def test_geojson_null_geometry_is_an_error_naming_the_feature(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": [113.0, 28.0]}},
        {"type": "Feature", "properties": {"name": "b"}, "geometry": None},
    ]
    path = tmp_path / "nulls.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(
        GeometryError, match=r"nulls.geojson: 1 feature\(s\) without geometry .*\(#2, numbered from 1\)"
    ):
        read_features(path)


def test_invalid_polygon_in_a_file_is_repaired_reported_and_warned(tmp_path: Path) -> None:
    bowtie = shapely.from_wkt("POLYGON ((113 28, 113.02 28.02, 113.02 28, 113 28.02, 113 28))")
    path = tmp_path / "bowtie.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[bowtie], crs="EPSG:4326").to_file(path, engine="pyogrio")
    with pytest.warns(GeometryRepairWarning, match=r"bowtie.geojson: .*Self-intersection: 1"):
        fs = read_features(path)
    assert fs.repairs.count == 1
    assert fs.gdf.geometry.iloc[0].is_valid
    assert fs.gdf.geometry.iloc[0].area == pytest.approx(0.02 * 0.02 / 2)  # two triangles
    assert any("repaired 1 invalid geometry" in n for n in fs.notes)


def test_z_values_are_dropped_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "z.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(113.0, 28.0, 55.0)], crs="EPSG:4326").to_file(path, engine="pyogrio")
    fs = read_features(path)
    assert not fs.gdf.has_z.any()
    assert any("Z (height) values were dropped" in n for n in fs.notes)


# --- Shapefile ----------------------------------------------------------------------------


def test_gbk_shapefile_zipped_without_cpg_is_detected(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    frame = counties_lonlat.rename(columns={"name": "名称"})
    shp = write_shapefile(frame, tmp_path / "src", "县界", encoding="GBK")
    assert (shp.parent / "县界.cpg").read_text() == "GBK"  # what pyogrio wrote; removed from the zip
    raw_dbf = (shp.parent / "县界.dbf").read_bytes()
    assert "湘潭县".encode("gbk") in raw_dbf  # the attributes really are GBK
    archive = zip_shapefile(shp, tmp_path / "县界.zip", skip=("cpg",))
    fs = read_features(archive)
    assert fs.format == "Shapefile"
    assert fs.encoding == "GBK"
    assert fs.gdf["名称"].tolist() == ["湘潭县", "长沙县"]
    assert any("no .cpg: attribute encoding detected as GBK" in n for n in fs.notes)


def test_gbk_shapefile_with_cpg_uses_it(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "a", encoding="GBK")
    fs = read_features(zip_shapefile(shp, tmp_path / "a.zip"))
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]
    assert any("from the .cpg" in n for n in fs.notes)


def test_utf8_shapefile_without_cpg_is_detected_as_utf8(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "u", encoding="UTF-8")
    fs = read_features(zip_shapefile(shp, tmp_path / "u.zip", skip=("cpg",)))
    assert fs.encoding == "UTF-8"
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]


def test_cpg_that_lies_is_overruled_by_the_content(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "w", encoding="GBK")
    (shp.parent / "w.cpg").write_text("UTF-8")
    fs = read_features(shp)
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]
    assert any("the .cpg says UTF-8 but the attribute text is not UTF-8; read as GBK" in n for n in fs.notes)


def test_explicit_encoding_wins(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "e", encoding="GBK")
    (shp.parent / "e.cpg").unlink()
    fs = read_features(shp, encoding="GB18030")
    assert fs.encoding == "GB18030"
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]


def test_bare_shp_needs_its_dbf(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "b")
    (shp.parent / "b.dbf").unlink()
    with pytest.raises(
        DataSourceError, match=r"shapefile b.shp lacks b.dbf; a shapefile needs its .shp, .shx and .dbf"
    ):
        read_features(shp)


def test_zip_with_two_shapefiles_needs_a_layer(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    one = write_shapefile(counties_lonlat, tmp_path / "src", "one")
    two = write_shapefile(counties_lonlat.iloc[:1], tmp_path / "src", "two")
    archive = tmp_path / "both.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for shp in (one, two):
            for f in shp.parent.glob(f"{shp.stem}.*"):
                zf.write(f, arcname=f"data/{f.name}")
        zf.writestr("__MACOSX/data/._one.shp", b"junk")
    with pytest.raises(DataSourceError, match=r"both.zip holds 2 shapefiles \(one, two\); choose one with layer="):
        read_features(archive)
    fs = read_features(archive, layer="two")
    assert fs.layer == "two"
    assert len(fs) == 1
    infos = list_layers(archive)
    assert [(i.name, i.geometry_type, i.feature_count) for i in infos] == [("one", "Polygon", 2), ("two", "Polygon", 1)]


def test_zip_without_shapefile_or_known_file_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "notes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.docx", b"x")
    with pytest.raises(DataSourceError, match=r"notes.zip holds no readable file; expected a zipped Shapefile"):
        read_features(archive)


def test_zip_wrapping_one_geojson_is_read(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    archive = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x/项目.geojson", counties_lonlat.to_json())
    fs = read_features(archive)
    assert fs.format == "GeoJSON"
    assert fs.source == f"{archive}/x/项目.geojson"


# .prj files that only say Gauss_Kruger, as Chinese desktop GIS writes them.
_GK_PRJ = (
    'PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


@pytest.mark.parametrize(("epsg", "fe"), [(4526, 38500000.0), (4547, 500000.0)])
def test_gauss_kruger_prj_gets_its_epsg_code(
    tmp_path: Path, counties_lonlat: gpd.GeoDataFrame, epsg: int, fe: float
) -> None:
    shp = write_shapefile(counties_lonlat.to_crs(epsg), tmp_path / "src", "gk", encoding="GBK")
    (shp.parent / "gk.prj").write_text(_GK_PRJ.format(fe=fe))
    fs = read_features(zip_shapefile(shp, tmp_path / "gk.zip", skip=("cpg",)))
    assert fs.input_crs == f"EPSG:{epsg}"
    assert fs.gdf.crs.to_epsg() == epsg  # projected input keeps its CRS
    back = fs.gdf.to_crs(4490)
    assert _inside_hunan(tuple(back.total_bounds))
    assert back.geometry.iloc[0].centroid.distance(shapely.Point(*XIANGTAN_COUNTY)) < 1e-7
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]


def test_prj_without_prefix_on_prefixed_eastings_is_explained(
    tmp_path: Path, counties_lonlat: gpd.GeoDataFrame
) -> None:
    shp = write_shapefile(counties_lonlat.to_crs(4526), tmp_path / "src", "mix")
    (shp.parent / "mix.prj").write_text(_GK_PRJ.format(fe=500000.0))
    with pytest.raises(
        CRSError,
        match=r"mix.shp is declared in EPSG:4547 \(false easting 500,000 m\) but its eastings .* carry a zone prefix \(38\)",
    ):
        read_features(shp)


def test_shapefile_without_prj_in_lonlat_is_assumed_cgcs2000(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat, tmp_path / "src", "noprj")
    (shp.parent / "noprj.prj").unlink()
    fs = read_features(shp)
    assert fs.gdf.crs.to_epsg() == 4490
    assert any("no CRS given: read as CGCS2000" in n for n in fs.notes)


def test_shapefile_without_prj_in_metres_asks_for_crs(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    shp = write_shapefile(counties_lonlat.to_crs(4526), tmp_path / "src", "noprj")
    (shp.parent / "noprj.prj").unlink()
    with pytest.raises(
        CRSError,
        match=r"noprj.shp has no coordinate reference system \(no .prj or CRS in the file\), and it has coordinates .* EPSG:4526\). Give the CRS of the data \(e.g. --crs",
    ):
        read_features(shp)
    assert read_features(shp, crs=4526).gdf.crs.to_epsg() == 4526


def test_shapefile_without_prj_with_one_swapped_point_names_that_point(tmp_path: Path) -> None:
    """Two points, the second typed latitude first: the file is lon/lat with one bad feature,
    so the message names feature #2 and its values instead of asking for the file's CRS."""
    points = gpd.GeoDataFrame(
        {"name": ["好", "反"]}, geometry=[shapely.Point(113.08, 27.95), shapely.Point(27.95, 113.08)], crs="EPSG:4490"
    )
    shp = write_shapefile(points, tmp_path / "src", "pts")
    (shp.parent / "pts.prj").unlink()
    with pytest.raises(
        CRSError,
        match=r"pts.shp feature #2 \(numbered from 1; 1 of 2 features look wrong, the others are plausible\) has "
        r"coordinates such as \(27.95000, 113.08000\) that look like latitude, longitude in swapped order",
    ):
        read_features(shp)


# --- GeoPackage ----------------------------------------------------------------------------


@pytest.fixture
def two_layer_gpkg(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame, points_lonlat: gpd.GeoDataFrame) -> Path:
    path = tmp_path / "zones.gpkg"
    counties_lonlat.to_crs(4547).to_file(path, layer="counties", engine="pyogrio")
    points_lonlat.to_file(path, layer="intakes", engine="pyogrio")
    return path


def test_geopackage_with_two_layers_needs_a_layer(two_layer_gpkg: Path) -> None:
    with pytest.raises(
        DataSourceError,
        match=r"zones.gpkg has 2 layers: counties \(Polygon\), intakes \(Point\); choose one with layer=",
    ):
        read_features(two_layer_gpkg)


def test_geopackage_layer_by_name_and_number(two_layer_gpkg: Path) -> None:
    counties = read_features(two_layer_gpkg, layer="counties")
    assert counties.layer == "counties"
    assert counties.gdf.crs.to_epsg() == 4547
    assert counties.gdf["name"].tolist() == ["湘潭县", "长沙县"]
    intakes = read_features(two_layer_gpkg, layer=1)
    assert intakes.layer == "intakes"
    assert intakes.gdf.crs.to_epsg() == 4490


def test_geopackage_unknown_layer_lists_the_layers(two_layer_gpkg: Path) -> None:
    with pytest.raises(DataSourceError, match=r"zones.gpkg has no layer 'rivers'; its layers are counties, intakes"):
        read_features(two_layer_gpkg, layer="rivers")
    with pytest.raises(DataSourceError, match=r"has no layer number 5; it has 2 layer\(s\)"):
        read_features(two_layer_gpkg, layer=5)


def test_list_layers_reports_names_types_and_counts(two_layer_gpkg: Path) -> None:
    infos = list_layers(two_layer_gpkg)
    assert [(i.name, i.geometry_type, i.feature_count) for i in infos] == [
        ("counties", "Polygon", 2),
        ("intakes", "Point", 2),
    ]
    assert list_layers(two_layer_gpkg.read_bytes(), filename="zones.gpkg") == infos


def test_geopackage_ignores_an_encoding_option_visibly(two_layer_gpkg: Path) -> None:
    fs = read_features(two_layer_gpkg, layer="intakes", encoding="GBK")
    assert fs.encoding == "UTF-8"
    assert fs.gdf["name"].tolist() == ["湘潭县", "长沙县"]
    assert any("always UTF-8; encoding GBK ignored" in n for n in fs.notes)


def test_geopackage_with_a_custom_gauss_kruger_crs_gets_its_epsg_code(
    tmp_path: Path, counties_lonlat: gpd.GeoDataFrame
) -> None:
    """A layer imported from a bare Gauss_Kruger .prj carries that CRS without an EPSG code."""
    custom = CRS.from_user_input(_GK_PRJ.format(fe=38500000.0))
    path = tmp_path / "custom.gpkg"
    counties_lonlat.to_crs(4526).set_crs(custom, allow_override=True).to_file(path, engine="pyogrio")
    fs = read_features(path)
    assert fs.input_crs == "EPSG:4526"


def test_geopackage_upload_as_bytes(two_layer_gpkg: Path) -> None:
    fs = read_features(two_layer_gpkg.read_bytes(), filename="上传.gpkg", layer="intakes")
    assert fs.source == "上传.gpkg"
    assert fs.format == "GeoPackage"


def test_empty_layer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4490")).to_file(
        path, layer="nothing", engine="pyogrio"
    )
    with pytest.raises(DataSourceError, match=r"empty.gpkg layer nothing has no features"):
        read_features(path)


# --- sources and write_features --------------------------------------------------------------


def test_missing_file_and_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"file .*nope.geojson does not exist"):
        read_features(tmp_path / "nope.geojson")
    with pytest.raises(DataSourceError, match=r"nope.geojson does not exist"):
        read_features(str(tmp_path / "nope.geojson"))
    dwg = tmp_path / "plan.dwg"
    dwg.write_bytes(b"AC1032")
    with pytest.raises(DataSourceError, match=r"plan.dwg has the extension '.dwg', which is not a supported format"):
        read_features(dwg)


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".geojson", ".gpkg", ".kml", ".kmz", ".zip", ".shp", ".wkt"])
def test_zero_byte_file_of_any_format_is_said_to_be_empty(tmp_path: Path, suffix: str) -> None:
    """A 0-byte file (a failed download or save) is named as empty, whatever its extension;
    the .csv/.txt case used to escape as pandas' EmptyDataError."""
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(DataSourceError, match=rf"file .*empty{suffix} is empty \(0 bytes\)"):
        read_features(path)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_no_input_not_the_current_folder(text: str) -> None:
    with pytest.raises(InputError, match=r"no input given \(an empty text\)"):
        read_features(text)


def test_text_that_is_neither_path_nor_wkt_is_refused() -> None:
    with pytest.raises(DataSourceError, match=r"'hello' is neither an existing file nor WKT text"):
        read_features("hello")


def test_empty_upload_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"upload a.geojson is empty \(0 bytes\)"):
        read_features(b"", filename="a.geojson")
    with pytest.raises(DataSourceError, match=r"broken.zip is a damaged or unsupported zip archive"):
        read_features(b"not a zip", filename="broken.zip")
    with pytest.raises(DataSourceError, match=r"bad.geojson cannot be opened \(Failed to read GeoJSON data"):
        read_features(b'{"type": "FeatureCollection", "features": [', filename="bad.geojson")


def test_upload_file_name_cannot_escape_the_temp_folder(counties_lonlat: gpd.GeoDataFrame) -> None:
    fs = read_features(counties_lonlat.to_json().encode(), filename="../../etc/x.geojson")
    assert fs.source == "../../etc/x.geojson"
    assert len(fs) == 2


def test_write_and_read_back_geopackage_layers(
    tmp_path: Path, counties_lonlat: gpd.GeoDataFrame, points_lonlat: gpd.GeoDataFrame
) -> None:
    out = tmp_path / "out.gpkg"
    write_features(counties_lonlat.to_crs(4547), out, layer="a")
    write_features(points_lonlat, out, layer="b")
    write_features(points_lonlat.iloc[:1], out, layer="b")  # replaces layer b only
    assert [i.name for i in list_layers(out)] == ["a", "b"]
    assert read_features(out, layer="a").gdf.crs.to_epsg() == 4547
    assert len(read_features(out, layer="b")) == 1


def test_write_geojson_is_lonlat(tmp_path: Path, counties_lonlat: gpd.GeoDataFrame) -> None:
    out = write_features(counties_lonlat.to_crs(4547), tmp_path / "o.geojson")
    back = pyogrio.read_dataframe(out)
    assert CRS(back.crs).to_epsg() == 4490
    assert back.total_bounds == pytest.approx(counties_lonlat.total_bounds, abs=1e-7)


def test_write_refuses_missing_crs_and_unknown_format(tmp_path: Path) -> None:
    naive = gpd.GeoDataFrame(geometry=[shapely.Point(113, 28)])
    with pytest.raises(CRSError, match=r"features written to .*x.gpkg have no CRS"):
        write_features(naive, tmp_path / "x.gpkg")
    with pytest.raises(DataSourceError, match=r"cannot tell the output format of .*x.dxf"):
        write_features(naive.set_crs(4490), tmp_path / "x.dxf")


# --- .dbf encoding detection on hand-built files --------------------------------------------


def _dbf(cells: list[bytes], *, width: int = 12, field_name: bytes = b"NAME") -> bytes:
    """A minimal dBASE III file with one character field (layout per the dBASE III spec)."""
    header_len = 32 + 32 + 1
    record_len = 1 + width
    header = bytes([0x03, 126, 1, 1]) + len(cells).to_bytes(4, "little")
    header += header_len.to_bytes(2, "little") + record_len.to_bytes(2, "little") + bytes(20)
    field = field_name.ljust(11, b"\0") + b"C" + bytes(4) + bytes([width, 0]) + bytes(14)
    records = b"".join(b" " + c.ljust(width, b" ")[:width] for c in cells)
    return header + field + b"\r" + records + b"\x1a"


def test_sniff_dbf_encoding_on_hand_built_files() -> None:
    from gis._vector import sniff_dbf_encoding

    assert sniff_dbf_encoding(_dbf([b"abc", b"xyz"])) is None  # plain ASCII
    assert sniff_dbf_encoding(_dbf(["湘潭县".encode()])) == "UTF-8"
    assert sniff_dbf_encoding(_dbf(["湘潭县".encode("gbk"), "长沙县".encode("gbk")])) == "GBK"
    # A UTF-8 writer cut "湘潭县城关" at 12 bytes, splitting the 4th character: still UTF-8.
    assert sniff_dbf_encoding(_dbf(["湘潭县城关".encode()[:11]], width=11)) == "UTF-8"
    # 𠀀 (U+20000) exists in GB18030 but not in GBK.
    assert sniff_dbf_encoding(_dbf(["𠀀村".encode("gb18030")])) == "GB18030"
    # Chinese field names count too.
    assert sniff_dbf_encoding(_dbf([b"a"], field_name="名称".encode("gbk"))) == "GBK"
    with pytest.raises(DataSourceError, match=r"the text encoding cannot be told safely .*tried UTF-8, GBK and GB18030"):
        sniff_dbf_encoding(_dbf([b"\xff\xff\xff"]))
