"""The same hand-computed answers whatever form the project arrives in.

A 100 m x 200 m rectangle straddles the east edge of a 1 km grade-1 zone (10,000 m2 of its
20,000 m2 inside, computed by hand in EPSG:4547). The zone store is kept in a Gauss-Kruger
zone (EPSG:4547, or EPSG:4526 with the zone number in the easting); the project comes as
WGS84 GeoJSON, GCJ-02 coordinates, KML, CSV points, or a zipped GBK shapefile whose .prj
only says "Gauss_Kruger". Everything goes through gis.io.read_features and
projects_from_features, as in the CLI and the app.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis.crs import wgs84_to_gcj02
from gis.errors import InputError
from gis.io import read_features
from tests.zoning._engine_support import GK114, GK114_ZONE, X0, Y0, MemoryStore, lonlat, rect, transform, zone_frame
from zoning.engine import projects_from_features, screen

SITE = rect(X0 + 900, Y0 + 400, 200, 100)
PRJ_BARE_GK_38 = (
    'PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
    'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],'
    'UNIT["Meter",1.0]]'
)


@pytest.fixture(params=[GK114, GK114_ZONE])
def store(request: pytest.FixtureRequest) -> MemoryStore:
    crs = request.param
    zone = transform(rect(X0, Y0, 1000, 1000), GK114, crs)
    return MemoryStore({"water_source": zone_frame([{"name": "甲水厂水源", "grade": "一级", "geometry": zone}], crs)})


def _check_half_inside(fs: object, store: MemoryStore, **kw: object) -> None:
    (project,) = projects_from_features(fs, **kw)
    (result,) = screen([project], store)
    assert result.project.area_m2 == pytest.approx(20_000, rel=1e-3)
    (row,) = result.conflicts
    assert row.overlap_area_m2 == pytest.approx(10_000, rel=1e-3)
    assert row.overlap_pct == pytest.approx(50, rel=1e-3)


def test_wgs84_geojson(store: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "site.geojson"
    zone_frame([{"名称": "厂区", "geometry": lonlat(SITE)}], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    _check_half_inside(read_features(path), store, type="road")


def test_gcj02_geojson(store: MemoryStore, tmp_path: Path) -> None:
    """Every vertex shifted into GCJ-02 (as copied from Gaode) and declared with crs=gcj02."""
    true = lonlat(SITE)

    def to_gcj(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    shifted = shapely.transform(true, to_gcj)
    path = tmp_path / "gaode.geojson"
    zone_frame([{"geometry": shifted}], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    fs = read_features(path, crs="gcj02")
    assert fs.input_crs == "gcj02"
    _check_half_inside(fs, store, type="road")
    # Without the conversion the same numbers land hundreds of metres away: no conflict.
    (raw,) = screen(projects_from_features(read_features(path), type="road"), store)
    assert raw.conflicts == ()


def test_kml(store: MemoryStore, tmp_path: Path) -> None:
    ring = " ".join(f"{x:.9f},{y:.9f},0" for x, y in lonlat(SITE).exterior.coords)
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Placemark><name>厂区</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
    )
    path = tmp_path / "site.kml"
    path.write_text(kml, encoding="utf-8")
    fs = read_features(path)
    _check_half_inside(fs, store, type="道路")


def test_csv_points(store: MemoryStore, tmp_path: Path) -> None:
    """CSV points: one 300 m inside the zone's east edge, one 300 m east of it."""
    inside, outside = lonlat(shapely.Point(X0 + 700, Y0 + 500)), lonlat(shapely.Point(X0 + 1300, Y0 + 500))
    path = tmp_path / "points.csv"
    path.write_text(
        f"名称,经度,纬度,类型\n泵站,{inside.x:.9f},{inside.y:.9f},道路\n仓库,{outside.x:.9f},{outside.y:.9f},一般工业项目\n",
        encoding="utf-8",
    )
    projects = projects_from_features(read_features(path), type_field="类型")
    assert [(p.name, p.type) for p in projects] == [("泵站", "road"), ("仓库", "industrial")]
    first, second = screen(projects, store)
    assert [c.rule_id for c in first.conflicts] == ["DWS01"]
    assert second.conflicts == ()
    assert second.nearby[0].distance_m == pytest.approx(300, abs=0.01)


def test_zipped_gbk_shapefile_with_bare_gauss_kruger_prj(store: MemoryStore, tmp_path: Path) -> None:
    """A desktop-GIS export: zone-prefixed GK coordinates, .prj saying only Gauss_Kruger,
    GBK attribute text and no .cpg."""
    src = tmp_path / "shp"
    src.mkdir()
    gdf = zone_frame(
        [{"名称": "某县污水管线", "类型": "管线", "geometry": transform(SITE, GK114, GK114_ZONE)}], crs=GK114_ZONE
    )
    gdf.to_file(src / "工程.shp", encoding="GBK")
    (src / "工程.prj").write_text(PRJ_BARE_GK_38, encoding="ascii")
    (src / "工程.cpg").unlink(missing_ok=True)
    archive = tmp_path / "工程.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(src.iterdir()):
            zf.write(part, part.name)
    fs = read_features(archive)
    assert fs.input_crs == "EPSG:4526"
    (project,) = projects_from_features(fs, type_field="类型")
    assert (project.name, project.type) == ("某县污水管线", "pipeline")
    _check_half_inside(fs, store, type_field="类型")


def test_attribute_columns_and_errors(store: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "farms.csv"
    p = lonlat(shapely.Point(X0 + 500, Y0 + 500))
    path.write_text(
        "name,lon,lat,类型,scale_head,unavoidable\n"
        f"甲,{p.x},{p.y},畜禽养殖场,1200,\n"
        f"乙,{p.x},{p.y},道路,,是\n"
        f"丙,{p.x},{p.y},道路,,否\n",
        encoding="utf-8",
    )
    fs = read_features(path)
    projects = projects_from_features(fs, type_field="类型", attrs={"unavoidable": "true"})
    assert [dict(pr.attributes) for pr in projects] == [
        {"scale_head": 1200},
        {"unavoidable": True},
        {"unavoidable": False},
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"name,lon,lat,类型,unavoidable\n甲,{p.x},{p.y},道路,是\n乙,{p.x},{p.y},道路,大概\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"bad.csv row 2, column 'unavoidable': value '大概' is not a yes/no value"):
        projects_from_features(read_features(bad), type_field="类型")
    typo = tmp_path / "typo.csv"
    typo.write_text(f"name,lon,lat,类型\n甲,{p.x},{p.y},高架桥梁\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"typo.csv row 1, column '类型': project type '高架桥梁' is not a known"):
        projects_from_features(read_features(typo), type_field="类型")
    with pytest.raises(InputError, match=r"name column 'project' is not in the file; columns are \['name', '类型'\]"):
        projects_from_features(read_features(typo), type="road", name_field="project")


def test_names(tmp_path: Path) -> None:
    path = tmp_path / "无名.geojson"
    pts = [lonlat(shapely.Point(X0 + i, Y0)) for i in (0, 10)]
    zone_frame([{"geometry": g} for g in pts], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    fs = read_features(path)
    assert [p.name for p in projects_from_features(fs, type="road")] == ["无名 #1", "无名 #2"]
    assert [p.name for p in projects_from_features(fs, type="road", name="新区道路")] == ["新区道路 #1", "新区道路 #2"]
    (wkt,) = projects_from_features(read_features(pts[0].wkt), type="road")
    assert wkt.name == "项目" and wkt.input_crs == "EPSG:4490"


# A pipeline 1,000 m long from 500 m inside the zone's east edge to 500 m beyond it: 500 m of it
# lie inside (by hand, in EPSG:4547); the same line arrives as KML, GCJ-02 GeoJSON and a zipped
# GBK shapefile in the zone-prefixed Gauss-Kruger CRS with a bare "Gauss_Kruger" .prj.
LINE = shapely.LineString([(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500)])


def _line_as_kml(tmp_path: Path) -> object:
    coords = " ".join(f"{x:.9f},{y:.9f}" for x, y in lonlat(LINE).coords)
    path = tmp_path / "line.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<Placemark><name>管线</name><LineString><coordinates>{coords}</coordinates></LineString></Placemark>"
        "</Document></kml>",
        encoding="utf-8",
    )
    return read_features(path)


def _line_as_gcj02(tmp_path: Path) -> object:
    def to_gcj(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(wgs84_to_gcj02(coords[:, 0], coords[:, 1]))

    path = tmp_path / "line.geojson"
    shifted = shapely.transform(lonlat(LINE), to_gcj)
    zone_frame([{"geometry": shifted}], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return read_features(path, crs="gcj02")


def _line_as_gbk_shapefile(tmp_path: Path) -> object:
    src = tmp_path / "shp"
    src.mkdir()
    zone_frame([{"名称": "污水管线", "geometry": transform(LINE, GK114, GK114_ZONE)}], crs=GK114_ZONE).to_file(
        src / "管线.shp", encoding="GBK"
    )
    (src / "管线.prj").write_text(PRJ_BARE_GK_38, encoding="ascii")
    (src / "管线.cpg").unlink(missing_ok=True)
    archive = tmp_path / "管线.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(src.iterdir()):
            zf.write(part, part.name)
    return read_features(archive)


@pytest.mark.parametrize(
    "read", [_line_as_kml, _line_as_gcj02, _line_as_gbk_shapefile], ids=["kml", "gcj02", "gbk-shp"]
)
def test_line_length_inside_the_zone_in_every_format(store: MemoryStore, tmp_path: Path, read: object) -> None:
    (project,) = projects_from_features(read(tmp_path), type="pipeline")  # type: ignore[operator]
    (result,) = screen([project], store)
    assert result.project.length_m == pytest.approx(1_000, abs=0.01)
    (row,) = result.conflicts
    assert row.overlap_length_m == pytest.approx(500, abs=0.01)
    assert (row.overlap_area_m2, row.overlap_pct, row.distance_m) == (0.0, 0.0, 0.0)
    assert row.rule_id == "DWS01"


def test_a_batch_with_bad_rows_keeps_every_good_row_and_names_every_bad_one() -> None:
    """50 rows, three of them bad in three ways (an unknown type, an empty type, a malformed
    attribute): 47 projects, in file order, and the three rows with column, value and reason."""
    from zoning.engine import projects_by_row

    rows = [{"项目名称": f"项目{i}", "类型": "道路", "scale_head": "", "geometry": lonlat(rect(X0 + 10 * i, Y0, 5, 5))}
            for i in range(1, 51)]
    rows[9]["类型"] = "飞机场"  # row 10: no such type
    rows[19]["类型"] = " "  # row 20: empty
    rows[29].update({"类型": "畜禽养殖场", "scale_head": "三千头"})  # row 30: not a number
    csv = "项目名称,类型,scale_head,lon,lat\n" + "\n".join(
        f"{r['项目名称']},{r['类型']},{r['scale_head']},{r['geometry'].centroid.x:.9f},{r['geometry'].centroid.y:.9f}"
        for r in rows)  # fmt: skip
    fs = read_features(csv.encode("utf-8"), filename="批量.csv")
    got = projects_by_row(fs, type_field="类型", name_field="项目名称")
    assert len(got.projects) == 47
    assert got.rows == tuple(r for r in range(1, 51) if r not in (10, 20, 30))
    assert [p.name for p in got.projects][:10] == [f"项目{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11)]
    assert [(p.row, p.column, p.value) for p in got.problems] == [(10, "类型", "飞机场"), (20, "类型", ""),
                                                                  (30, "scale_head", "三千头")]
    assert "第 10 行“类型”列的项目类型“飞机场”无法识别" in got.problems[0].error.zh
    assert "项目类型为空" in got.problems[1].error.zh
    assert "三千头" in got.problems[2].error.zh
    with pytest.raises(InputError):  # what concerns the whole file still stops it
        projects_by_row(fs, type_field="类别")


def test_a_bad_cell_of_a_mapped_column_is_named_by_the_files_own_column() -> None:
    """The batch page copies the reviewer's 年出栏（头） column to the attribute it maps to; the
    row set aside names 年出栏（头）, in its column and its reason — never the key scale_head."""
    from zoning.engine import projects_by_row

    lon, lat = lonlat(rect(X0, Y0, 5, 5)).centroid.coords[0]
    csv = f"项目名称,类型,年出栏（头）,lon,lat\n一号猪场,畜禽养殖场,3000,{lon:.9f},{lat:.9f}\n二号猪场,畜禽养殖场,三千头,{lon:.9f},{lat:.9f}\n"
    fs = read_features(csv.encode("utf-8"), filename="猪场.csv")
    fs.gdf["scale_head"] = fs.gdf["年出栏（头）"]
    got = projects_by_row(fs, type_field="类型", name_field="项目名称", columns={"scale_head": "年出栏（头）"})
    assert [p.attributes for p in got.projects] == [{"scale_head": 3000}]
    (problem,) = got.problems
    assert (problem.row, problem.column, problem.value) == (2, "年出栏（头）", "三千头")
    assert "“年出栏（头）”" in problem.error.zh and "scale_head" not in problem.error.zh + str(problem.error)
