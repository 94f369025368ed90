"""gis.io on text: CSV coordinate tables, WKT, 度分秒 values and typed coordinates."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Geod, Transformer

from gis.crs import wgs84_to_bd09
from gis.errors import CRSError, DataSourceError, InputError
from gis.io import parse_coordinates, parse_dms, read_features

# 113°10′13″ E and 28°25′33″ N by hand: degrees + minutes/60 + seconds/3600.
LON_DMS = 113 + 10 / 60 + 13 / 3600
LAT_DMS = 28 + 25 / 60 + 33 / 3600


# --- parse_dms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("113.1702", 113.1702),
        ("113°10′13″", LON_DMS),
        ("28º25'33＂", LAT_DMS),  # ordinal sign and full-width quote, as in Chinese documents
        ("113度10分13秒", LON_DMS),
        ("E113°10'13.5\"", 113 + 10 / 60 + 13.5 / 3600),
        ("113°10'13.5\"E", 113 + 10 / 60 + 13.5 / 3600),
        ("东经113°10′13″", LON_DMS),
        ("北纬 28° 25′ 33″", LAT_DMS),
        ("N28°25'33''", LAT_DMS),  # two apostrophes for seconds
        ("113°10.5′", 113 + 10.5 / 60),
        ("113:10:13", LON_DMS),
        ("-12°30′", -12.5),
        ("S12°30′", -12.5),
        ("西经 73.5", -73.5),
        ("１１３°１０′１３″", LON_DMS),  # full-width digits
    ],
)
def test_parse_dms_styles(text: str, expected: float) -> None:
    assert parse_dms(text) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("113°70′13″", r"coordinate value '113°70′13″' has minutes or seconds of 60 or more"),
        ("113°10′75″", r"has minutes or seconds of 60 or more"),
        ("北纬95°", r"coordinate value '北纬95°' = 95 degrees is out of range for a latitude"),
        ("200", r"'200' = 200 degrees is out of range"),
        ("abc", r"coordinate value 'abc' is not a longitude/latitude; expected decimal degrees such as 113.1702"),
        ("13″", r"'13″' has degrees, minutes and seconds out of order"),
        ("113′10°", r"out of order or malformed"),
        ("-S12°", r"is negative and also labelled S/W"),
        ("N28°E", r"has a hemisphere label both before and after"),
    ],
)
def test_parse_dms_errors_name_the_value(text: str, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern):
        parse_dms(text)


# --- CSV ----------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_decimal_lon_lat_points(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "name,lon,lat,规模\n养殖场A,112.95,27.78,2000\n养殖场B,113.08,28.25,500\n")
    fs = read_features(path)
    assert fs.format == "CSV"
    assert fs.gdf.crs.to_epsg() == 4490
    assert [(g.x, g.y) for g in fs.gdf.geometry] == [(112.95, 27.78), (113.08, 28.25)]
    assert fs.gdf["规模"].tolist() == [2000, 500]
    assert any("no CRS given: read as CGCS2000" in n for n in fs.notes)


@pytest.mark.parametrize(
    ("encoding", "second_style"),
    [
        ("utf-8", "28º25'33＂"),  # the ordinal-sign style of the issue (not encodable in GBK)
        ("utf-8-sig", "28º25'33＂"),
        ("gbk", "28°25′33″"),
    ],
)
def test_csv_chinese_columns_and_dms_in_any_encoding(tmp_path: Path, encoding: str, second_style: str) -> None:
    text = f"名称,东经,北纬\n湘潭县某点,113°10′13″,{second_style}\n长沙县某点,113度10分13秒,28度25分33秒\n"
    fs = read_features(_write(tmp_path, "dms.csv", text, encoding))
    assert fs.gdf["名称"].tolist() == ["湘潭县某点", "长沙县某点"]
    for g in fs.gdf.geometry:
        assert (g.x, g.y) == pytest.approx((LON_DMS, LAT_DMS), abs=1e-12)
    assert fs.encoding == {"utf-8": "UTF-8", "utf-8-sig": "UTF-8-SIG", "gbk": "GBK"}[encoding]


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("经度,纬度", ","),
        ("经度(°)\t纬度(°)", "\t"),
        ("Longitude;Latitude", ";"),
        ("LNG,LAT", ","),
        ("X坐标,Y坐标", ","),
    ],
)
def test_csv_coordinate_column_names(tmp_path: Path, header: str, sep: str) -> None:
    fs = read_features(_write(tmp_path, "c.csv", f"{header}\n112.95{sep}27.78\n"))
    assert (fs.gdf.geometry.iloc[0].x, fs.gdf.geometry.iloc[0].y) == (112.95, 27.78)


def test_csv_gk_metres_in_surveying_order_are_swapped(tmp_path: Path) -> None:
    """Chinese surveying tables give X = northing, Y = easting; with a projected --crs the
    columns are recognised by their magnitude and swapped."""
    east, north = Transformer.from_crs(4490, 4526, always_xy=True).transform(112.95, 27.78)
    path = _write(tmp_path, "jzd.csv", f"点号,X坐标,Y坐标\nJ1,{north:.3f},{east:.3f}\n")
    fs = read_features(path, crs="EPSG:4526")
    assert fs.gdf.crs.to_epsg() == 4526
    assert fs.gdf.geometry.iloc[0].x == pytest.approx(east, abs=1e-3)
    assert fs.gdf["点号"].tolist() == ["J1"]


def test_csv_rows_grouped_into_polygons(tmp_path: Path) -> None:
    """Two parcels given as boundary-point tables (编号 groups, 序号 orders, rows shuffled);
    parcel 1 closed by repeating its first point, parcel 2 not: forced to polygons."""
    rows = [
        ("地块1", 2, 113.01, 28.00),
        ("地块1", 1, 113.00, 28.00),
        ("地块2", 1, 113.10, 28.10),
        ("地块1", 3, 113.01, 28.01),
        ("地块1", 4, 113.00, 28.01),
        ("地块2", 2, 113.12, 28.10),
        ("地块2", 3, 113.12, 28.12),
        ("地块1", 5, 113.00, 28.00),
    ]
    text = "编号,序号,经度,纬度,用途\n" + "\n".join(f"{a},{b},{c},{d},养殖" for a, b, c, d in rows) + "\n"
    fs = read_features(_write(tmp_path, "parcels.csv", text), geometry="polygon", group_by="编号", order_by="序号")
    assert fs.gdf["编号"].tolist() == ["地块1", "地块2"]
    one, two = fs.gdf.geometry
    assert one.area == pytest.approx(0.01 * 0.01)  # a 0.01-degree square
    assert two.area == pytest.approx(0.02 * 0.02 / 2)  # a right triangle
    assert any("8 points joined into 2 polygon(s)" in n for n in fs.notes)


def test_csv_group_auto_makes_lines_when_not_closed(tmp_path: Path) -> None:
    text = "id,lon,lat\nr1,113.0,28.0\nr1,113.1,28.0\nr2,113.2,28.2\nr2,113.2,28.3\n"
    fs = read_features(_write(tmp_path, "roads.csv", text), group_by="id")
    assert fs.gdf.geometry.geom_type.tolist() == ["LineString", "LineString"]
    assert [g.length for g in fs.gdf.geometry] == pytest.approx([0.1, 0.1])  # planar, in degrees, by hand


def test_csv_group_with_too_few_points(tmp_path: Path) -> None:
    text = "id,lon,lat\na,113.0,28.0\na,113.1,28.0\na,113.1,28.1\nb,113.2,28.2\n"
    with pytest.raises(InputError, match=r"few.csv: group 'b' has 1 point\(s\); a line needs at least 2"):
        read_features(_write(tmp_path, "few.csv", text), group_by="id")
    with pytest.raises(
        DataSourceError, match=r"few.csv has no column 'parcel' for group_by; its columns are id, lon, lat"
    ):
        read_features(_write(tmp_path, "few.csv", text), group_by="parcel")


def test_csv_with_wkt_column(tmp_path: Path) -> None:
    text = 'name,wkt\nA,"POLYGON ((113 28, 113.01 28, 113.01 28.01, 113 28))"\nB,POINT (113.2 28.2)\n'
    fs = read_features(_write(tmp_path, "w.csv", text))
    assert fs.gdf.geometry.geom_type.tolist() == ["Polygon", "Point"]


def test_csv_without_coordinate_columns_lists_its_columns(tmp_path: Path) -> None:
    with pytest.raises(
        DataSourceError,
        match=r"n.csv has no coordinate columns: its columns are 名称, 地址; expected a pair such as lon/lat",
    ):
        read_features(_write(tmp_path, "n.csv", "名称,地址\n某厂,湘潭\n"))


def test_csv_bad_value_names_line_column_and_value(tmp_path: Path) -> None:
    text = "经度,纬度\n112.95,27.78\n\n113°61′00″,28.1\n"
    with pytest.raises(InputError, match=r"bad.csv: line 4, column '经度': value '113°61′00″' is not a coordinate"):
        read_features(_write(tmp_path, "bad.csv", text))
    with pytest.raises(InputError, match=r"blank.csv: column '纬度' is empty on line 3"):
        read_features(_write(tmp_path, "blank.csv", "经度,纬度\n112.95,27.78\n113.0,\n"))


def test_csv_swapped_lat_lon_is_explained(tmp_path: Path) -> None:
    with pytest.raises(
        CRSError,
        match=r"swap.csv has coordinates such as \(27.78000, 112.95000\) that look like latitude, longitude in swapped order",
    ):
        read_features(_write(tmp_path, "swap.csv", "lon,lat\n27.78,112.95\n"))


def test_csv_outside_china_is_explained(tmp_path: Path) -> None:
    with pytest.raises(CRSError, match=r"paris.csv lies outside China"):
        read_features(_write(tmp_path, "paris.csv", "lon,lat\n2.35,48.85\n"))


def test_csv_gk_metres_without_crs_are_explained(tmp_path: Path) -> None:
    with pytest.raises(
        CRSError, match=r"gk.csv has coordinates such as .* not degrees .* Gauss-Kruger zone prefix \(38"
    ):
        read_features(_write(tmp_path, "gk.csv", "x,y\n38401000,3074000\n"))


_ONE_WRONG = r"feature #{n} \(numbered from 1; 1 of {total} features look wrong, the others are plausible\) "


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        (
            "113.08,27.95\n27.95,113.08\n113.1,27.9\n",
            _ONE_WRONG.format(n=2, total=3)
            + r"has coordinates such as \(27.95000, 113.08000\) that look like latitude, longitude in swapped order",
        ),
        (
            "113.08,27.95\n113.1,27.9\n409562,3093352\n",
            _ONE_WRONG.format(n=3, total=3)
            + r"has coordinates such as \(409562.000, 3093352.000\) that are not degrees",
        ),
        (
            "113.08,27.95\n11.308,27.95\n",
            _ONE_WRONG.format(n=2, total=2) + r"lies outside China \(lon 11.3080..11.3080, lat 27.9500..27.9500\)",
        ),
    ],
    ids=["swapped row", "metres row", "typo row"],
)
def test_csv_one_wrong_row_is_named_with_its_own_values(tmp_path: Path, rows: str, pattern: str) -> None:
    """A batch with one mistyped row: the message names that row and quotes its numbers, not
    the bounds of the whole file (which quoted a good row and blamed the CRS)."""
    with pytest.raises(CRSError, match=r"batch.csv " + pattern):
        read_features(_write(tmp_path, "batch.csv", "lon,lat\n" + rows))


def test_csv_all_rows_wrong_keeps_the_whole_file_message(tmp_path: Path) -> None:
    with pytest.raises(CRSError, match=r"swap.csv has coordinates such as \(27.78000, 112.95000\) that look") as info:
        read_features(_write(tmp_path, "swap.csv", "lon,lat\n27.78,112.95\n27.9,113.1\n"))
    assert "feature #" not in str(info.value)


def test_csv_gk_metres_with_one_row_in_degrees_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        CRSError,
        match=_ONE_WRONG.format(n=2, total=3) + r"is declared in the projected CRS EPSG:4547 \(metres\) but its "
        r"coordinates such as \(113.08000, 27.95000\) look like degrees",
    ):
        read_features(_write(tmp_path, "gk.csv", "x,y\n409562,3093352\n113.08,27.95\n409600,3093400\n"), crs=4547)


def test_csv_in_bd09_is_converted(tmp_path: Path) -> None:
    true_lon, true_lat = 112.95, 27.78
    b_lon, b_lat = (float(v) for v in wgs84_to_bd09(true_lon, true_lat))
    fs = read_features(_write(tmp_path, "baidu.csv", f"lng,lat\n{b_lon!r},{b_lat!r}\n"), crs="baidu")
    p = fs.gdf.geometry.iloc[0]
    _, _, err_m = Geod(ellps="WGS84").inv(true_lon, true_lat, p.x, p.y)
    assert err_m < 0.5
    assert any("converted BD-09 coordinates to CGCS2000" in n for n in fs.notes)


def test_csv_undecodable_bytes_are_explained() -> None:
    with pytest.raises(DataSourceError, match=r"bin.csv: the text encoding cannot be told safely .* --encoding"):
        read_features(b"lon,lat\n\xff\xfe\xff,1\n", filename="bin.csv")


@pytest.mark.parametrize(
    "content", [b"\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"], ids=["blank lines", "BOM", "BOM + blanks"]
)
def test_csv_without_a_header_row_is_explained(content: bytes) -> None:
    """No header at all (blank lines, a lone BOM): pandas' EmptyDataError must not escape."""
    with pytest.raises(DataSourceError, match=r"blank.csv is empty \(no header row\); expected a header such as lon"):
        read_features(content, filename="blank.csv")


# --- WKT ------------------------------------------------------------------------------------


def test_single_and_multi_line_wkt() -> None:
    fs = read_features("POLYGON ((113 28,\n 113.01 28,\n 113.01 28.01,\n 113 28))")
    assert len(fs) == 1
    assert fs.format == "WKT"
    several = read_features("POINT (113 28)\n# a comment\n\nLINESTRING (113 28, 113.1 28.1)\n")
    assert several.gdf.geometry.geom_type.tolist() == ["Point", "LineString"]


def test_ewkt_srid_is_used_and_crs_overrides_it() -> None:
    fs = read_features("SRID=4326;POINT (113 28)")
    assert fs.input_crs == "EPSG:4326"
    east, north = Transformer.from_crs(4490, 4547, always_xy=True).transform(113.0, 28.0)
    projected = read_features(f"POINT ({east} {north})", crs=4547)
    assert projected.gdf.crs.to_epsg() == 4547


def test_bad_wkt_line_is_named() -> None:
    with pytest.raises(InputError, match=r"WKT text: line 2 'POINT \(113\)' is not valid WKT"):
        read_features("POINT (113 28)\nPOINT (113)\n")


def test_wkt_file(tmp_path: Path) -> None:
    fs = read_features(_write(tmp_path, "p.txt", "POINT (113 28)\n"))
    assert fs.format == "WKT"
    with pytest.raises(InputError, match=r"q.wkt: line 3 'LINESTRING \(113 28\)' is not valid WKT"):
        read_features(_write(tmp_path, "q.wkt", "POINT (113 28)\n\nLINESTRING (113 28)\n"))


# --- typed coordinates --------------------------------------------------------------------------


def test_one_typed_pair_is_a_point() -> None:
    fs = parse_coordinates("113°10′13″, 28°25′33″")
    p = fs.gdf.geometry.iloc[0]
    assert (p.x, p.y) == pytest.approx((LON_DMS, LAT_DMS), abs=1e-12)
    assert fs.format == "coordinates"


def test_typed_pairs_with_spaces_inside_dms_and_latitude_first_labels() -> None:
    fs = parse_coordinates("北纬 28° 25′ 33″  东经 113° 10′ 13″")
    p = fs.gdf.geometry.iloc[0]
    assert (p.x, p.y) == pytest.approx((LON_DMS, LAT_DMS), abs=1e-12)
    assert any("latitude first" in n for n in fs.notes)


def test_closed_ring_of_pairs_is_a_polygon_open_one_a_line() -> None:
    ring = "113.00 28.00; 113.01 28.00; 113.01 28.01; 113.00 28.01; 113.00 28.00"
    assert parse_coordinates(ring).gdf.geometry.iloc[0].area == pytest.approx(1e-4)
    line = parse_coordinates("经度,纬度\n113.00,28.00\n113.01,28.00\n")
    assert line.gdf.geometry.iloc[0].geom_type == "LineString"
    forced = parse_coordinates("113.00 28.00\n113.01 28.00\n113.01 28.01", geometry="polygon")
    assert forced.gdf.geometry.iloc[0].area == pytest.approx(0.01 * 0.01 / 2)
    points = parse_coordinates("113.00 28.00\n113.01 28.00", geometry="point")
    assert len(points) == 2


def test_typed_gk_coordinates_in_surveying_order() -> None:
    east, north = Transformer.from_crs(4490, 4547, always_xy=True).transform(112.95, 27.78)
    fs = parse_coordinates(f"{north:.3f}, {east:.3f}", crs="EPSG:4547")
    assert fs.gdf.geometry.iloc[0].x == pytest.approx(east, abs=1e-3)
    assert any("X = northing" in n for n in fs.notes)


@pytest.mark.parametrize(
    ("text", "kwargs", "error", "pattern"),
    [
        ("", {}, InputError, r"no coordinates were given"),
        ("113.1 28.2 5", {}, InputError, r"coordinates line 1 '113.1 28.2 5' is not one coordinate pair"),
        ("113.1, abc", {}, InputError, r"coordinate value 'abc' is not a longitude/latitude"),
        ("N28 N29", {}, InputError, r"labels both values as latitude"),
        (
            "113 28\n113 28",
            {"geometry": "line"},
            InputError,
            r"a line needs at least 2 different coordinate pairs, 1 given",
        ),
        ("113 28\n113.1 28", {"geometry": "polygon"}, InputError, r"a polygon needs at least 3 different"),
        ("113 28", {"geometry": "circle"}, InputError, r"geometry was 'circle' but is expected to be one of"),
        (
            "28.2 113.1",
            {},
            CRSError,
            r"typed coordinates has coordinates such as \(28.20000, 113.10000\) that look like latitude, longitude in swapped order",
        ),
        ("113 28", {"crs": "nowhere"}, CRSError, r"CRS 'nowhere' is not recognised"),
    ],
)
def test_typed_coordinate_errors(text: str, kwargs: dict[str, str], error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        parse_coordinates(text, **kwargs)  # type: ignore[arg-type]


def test_list_layers_of_text_files_is_one_layer(tmp_path: Path) -> None:
    from gis.io import list_layers

    csv_info = list_layers(_write(tmp_path, "pts.csv", "lon,lat\n113,28\n\n113.1,28.1\n"))
    assert [(i.name, i.feature_count) for i in csv_info] == [("pts", 2)]
    wkt_info = list_layers(b"POINT (113 28)\n# note\nPOINT (113.1 28.1)\n", filename="p.wkt")
    assert [(i.name, i.feature_count) for i in wkt_info] == [("p", 2)]


def test_csv_point_geometry_with_group_by_is_contradictory(tmp_path: Path) -> None:
    text = "id,lon,lat\na,113.0,28.0\na,113.1,28.0\n"
    with pytest.raises(
        InputError, match=r"g.csv: group_by='id' joins rows into lines or polygons, but geometry='point'"
    ):
        read_features(_write(tmp_path, "g.csv", text), geometry="point", group_by="id")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("113 10 13", 113 + 10 / 60 + 13 / 3600),  # by hand: 113.1702777...
        ("E 113 10 13.5", 113 + 10 / 60 + 13.5 / 3600),
        ("北纬 28 25 33", 28 + 25 / 60 + 33 / 3600),
        ("28 25", 28 + 25 / 60),
        ("-12 30", -12.5),
    ],
)
def test_degrees_minutes_seconds_apart_by_spaces(text: str, expected: float) -> None:
    assert parse_dms(text) == pytest.approx(expected, abs=1e-12)


def test_spaced_dms_pair_and_thousands_groups_are_not_confused() -> None:
    from gis.io import parse_coordinates

    point = parse_coordinates("113 10 13, 28 25 33").gdf.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((113 + 10 / 60 + 13 / 3600, 28 + 25 / 60 + 33 / 3600), abs=1e-12)
    # Three-digit groups are thousands, not minutes: one (out-of-range) number, named.
    with pytest.raises(InputError, match=r"'38 500 000' = 3.85e\+07 degrees is out of range"):
        parse_dms("38 500 000")


# --- coordinate columns a county spreadsheet uses, recognised or mapped (issue 17) -----------------


def test_pinyin_and_surveying_coordinate_headers_are_recognised() -> None:
    from gis.io import coordinate_columns

    assert coordinate_columns(["名称", "jd", "wd"]) == ("jd", "wd")
    assert coordinate_columns(["名称", "JD", "WD"]) == ("JD", "WD")
    assert coordinate_columns(["X 坐标", "Y 坐标"]) == ("X 坐标", "Y 坐标")
    assert coordinate_columns(["东坐标", "北坐标", "类型"]) == ("东坐标", "北坐标")
    assert coordinate_columns(["名称", "东向", "北向"]) is None  # not a name it knows: the user maps it


def test_mapped_coordinate_columns_in_gauss_kruger_metres() -> None:
    """Columns the reader does not know, mapped by the user, in CGCS2000 / 3-degree GK zone 38
    (CM 114°E, EPSG:4547); the expected lon/lat is pyproj's."""
    from pyproj import Transformer

    data = "名称,东向,北向\n甲,391650,3082300\n".encode()
    fs = read_features(data, filename="项目.csv", crs="EPSG:4547", columns=("东向", "北向"))
    lon, lat = Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True).transform(391650, 3082300)
    got = fs.gdf.to_crs("EPSG:4490").geometry.iloc[0]
    assert (got.x, got.y) == pytest.approx((lon, lat), abs=1e-9)
    with pytest.raises(DataSourceError) as info:
        read_features(data, filename="项目.csv", crs="EPSG:4547", columns=("东", "北向"))
    assert "没有坐标列“东”" in info.value.zh and "名称、东向、北向" in info.value.zh
