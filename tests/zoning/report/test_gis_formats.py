"""``--format shp`` and ``--format gdb``: read back with GDAL, checked against pyproj.

Expected values come from outside the writers: the CRS from ``pyproj.CRS.from_epsg`` of the
zone worked out by hand (county centroid → 3-degree zone → EPSG 4513 + zone − 25), geometry
from the results' lon/lat geometry transformed by a pyproj ``Transformer`` (the writers go
through geopandas), text from the fixture's own strings and, for the .dbf, the raw bytes
decoded by Python's GBK codec (not GDAL).
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import box

from gis.errors import DataSourceError, InputError
from tests.zoning.report.conftest import FakeStore, farm_result, local, make_store
from zoning.report import FORMATS, render_report, write_report
from zoning.report.features import CONFLICT_FIELDS, RESULT_FIELDS

# Xiangtan county lies at about 112.93E: 3-degree zone floor(112.93 / 3 + 0.5) = 38, CM 114E;
# with the zone number in the easting that is EPSG:4513 + (38 - 25) = 4526.
ZONE_38 = 4526


def _moved(geom_lonlat, epsg: int):
    t = Transformer.from_crs(4490, epsg, always_xy=True)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom_lonlat, move)


def _assert_same_place(read_back, geom_lonlat, epsg: int) -> None:
    expected = _moved(geom_lonlat, epsg)
    assert shapely.hausdorff_distance(read_back, expected) < 0.001  # 1 mm


def _unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    return folder


def _dbf_field_names(path: Path) -> list[str]:
    raw = path.read_bytes()
    header = struct.unpack("<H", raw[8:10])[0]
    return [raw[32 + 32 * i: 43 + 32 * i].rstrip(b"\0").decode("ascii") for i in range((header - 33) // 32)]


def test_shapefile_of_one_project(store, farm, tmp_path: Path) -> None:
    data = render_report([farm], "shp", store=store)
    folder = _unzip(data, tmp_path / "shp")
    assert {p.name for p in folder.iterdir()} >= {f"{layer}{s}" for layer in ("results", "conflicts")
                                                  for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")}
    for layer in ("results", "conflicts"):
        info = pyogrio.read_info(folder / f"{layer}.shp")
        assert CRS.from_user_input(info["crs"]).equals(CRS.from_epsg(ZONE_38))
        # GBK, declared both ways: .cpg "936" and the dBASE language driver 0x4D (code page 936).
        assert (folder / f"{layer}.cpg").read_text() == "936"
        assert (folder / f"{layer}.dbf").read_bytes()[29] == 0x4D
    results = pyogrio.read_dataframe(folder / "results.shp")
    assert list(results["name"]) == ["湘潭县示范生猪养殖场"] and list(results["verdict_lb"]) == ["禁止"]
    assert list(results["county"]) == ["湘潭县"] and list(results["conclusion"]) == ["禁止"]  # one verdict vocabulary (issue 17)
    _assert_same_place(results.geometry.iloc[0], farm.project.geometry, ZONE_38)
    # The raw .dbf holds the GBK bytes of the name (read without GDAL).
    assert "湘潭县示范生猪养殖场".encode("gbk") in (folder / "results.dbf").read_bytes()
    conflicts = pyogrio.read_dataframe(folder / "conflicts.shp")
    assert sorted(conflicts["ovl_area"]) == [5000.0, 7000.0, 12000.0]
    assert set(conflicts["layer_name"]) == {"饮用水水源保护区", "畜禽养殖禁养区/限养区"}
    assert set(conflicts["geom_src"]) == {"overlap"}
    for _, row in conflicts.iterrows():
        (source,) = [c for c in farm.conflicts if c.overlap_area_m2 == row["ovl_area"]]
        _assert_same_place(row.geometry, source.overlap_geometry, ZONE_38)
    info = dict(pyogrio.read_dataframe(folder / "report_info.dbf")[["key", "value"]].values)
    assert info["crs"] == f"EPSG:{ZONE_38}" and "示意" in info["legal_force"]
    readme = (folder / "README.txt").read_text(encoding="utf-8-sig")
    assert "verdict_lb = verdict_label" in readme and f"EPSG:{ZONE_38}" in readme


def test_shapefile_field_names_fit_dbase(store, farm, tmp_path: Path) -> None:
    for fields in (RESULT_FIELDS, CONFLICT_FIELDS):
        names = [f.shp for f in fields]
        assert all(len(n) <= 10 and n.isascii() for n in names) and len(set(names)) == len(names)
    folder = _unzip(render_report([farm], "shp", store=store), tmp_path)
    assert _dbf_field_names(folder / "results.dbf") == [f.shp for f in RESULT_FIELDS]
    assert _dbf_field_names(folder / "conflicts.dbf") == [f.shp for f in CONFLICT_FIELDS]


def test_a_batch_of_points_lines_and_polygons_is_split_by_dimension(store, batch, tmp_path: Path) -> None:
    folder = _unzip(render_report(batch, "shp", store=store), tmp_path)
    layers = {p.stem for p in folder.glob("*.shp")}
    assert layers == {"results_points", "results_lines", "results_polygons",
                      "conflicts_points", "conflicts_lines", "conflicts_polygons"}
    lines = pyogrio.read_dataframe(folder / "results_lines.shp")
    assert list(lines["name"]) == ["示例县道改建工程"] and list(lines["verdict"]) == ["conditional"]
    _assert_same_place(lines.geometry.iloc[0], batch[1].project.geometry, ZONE_38)
    polygons = pyogrio.read_dataframe(folder / "results_polygons.shp")
    assert sorted(polygons["project_no"]) == [1, 4]  # the farm and the housing estate (no conflicts)


def test_project_without_conflicts_still_has_a_conflicts_layer(store, batch, tmp_path: Path) -> None:
    housing = batch[3]
    folder = _unzip(render_report([housing], "shp", store=store), tmp_path)
    assert pyogrio.read_info(folder / "conflicts.shp")["features"] == 0
    assert pyogrio.read_info(folder / "conflicts.shp")["geometry_type"] == "Polygon"


def test_dbf_text_is_fitted_to_gbk_and_254_bytes(store, farm, tmp_path: Path) -> None:
    long_name = "长" * 200  # 400 bytes in GBK
    rare = "𠮷野家养殖场"  # U+20BB7 is not in GBK
    results = [replace(farm, project=replace(farm.project, name=long_name)),
               replace(farm, project=replace(farm.project, name=rare, index=1))]
    folder = _unzip(render_report(results, "shp", store=store), tmp_path)
    names = list(pyogrio.read_dataframe(folder / "results.shp")["name"])
    assert names[0].endswith("…") and len(names[0].encode("gbk")) <= 254 and names[0].startswith("长" * 120)
    assert names[1] == "?野家养殖场"
    info = dict(pyogrio.read_dataframe(folder / "report_info.dbf")[["key", "value"]].values)
    assert "已写作“?”" in info["dbf_text"]
    # The FileGDB keeps every character.
    gdb = _unzip(render_report(results, "gdb", store=store), tmp_path / "gdb")
    (path,) = gdb.glob("*.gdb")
    assert list(pyogrio.read_dataframe(path, layer="results")["project_name"]) == [long_name, rare]


def test_formula_like_names_stay_as_given_in_the_dbf(store, farm, tmp_path: Path) -> None:
    """GIS attribute text is data, not a spreadsheet cell: no apostrophe (see shp_writer)."""
    name = '=HYPERLINK("http://evil.example","x")'
    result = replace(farm, project=replace(farm.project, name=name))
    folder = _unzip(render_report([result], "shp", store=store), tmp_path)
    assert list(pyogrio.read_dataframe(folder / "results.shp")["name"]) == [name]


def test_filegdb_zip_and_folder(store, batch, tmp_path: Path) -> None:
    data = render_report(batch, "gdb", store=store)
    zipped = tmp_path / "out.gdb.zip"
    zipped.write_bytes(data)
    layers = dict(pyogrio.list_layers(zipped))
    assert {"results_points", "results_lines", "results_polygons", "conflicts_points", "conflicts_lines",
            "conflicts_polygons", "report_info"} == set(layers)
    folder = tmp_path / "out.gdb"
    write_report(batch, "gdb", folder, store=store)
    assert folder.is_dir() and dict(pyogrio.list_layers(folder)) == layers
    info = pyogrio.read_info(folder, layer="results_polygons")
    assert CRS.from_user_input(info["crs"]).equals(CRS.from_epsg(ZONE_38))
    results = pyogrio.read_dataframe(folder, layer="results_polygons")
    assert list(results["project_name"]) == ["湘潭县示范生猪养殖场", "示例安置小区"]
    for _, row in results.iterrows():
        _assert_same_place(row.geometry, batch[row["project_no"] - 1].project.geometry, ZONE_38)
    conflicts = pyogrio.read_dataframe(folder, layer="conflicts_lines")
    assert list(conflicts["layer_title"]) == ["生态保护红线"] and list(conflicts["overlap_length_m"]) == [1000.0]
    assert conflicts["condition"].iloc[0].startswith("必须且无法避让")


def test_gdb_folder_replaces_a_filegdb_but_never_another_folder(store, farm, tmp_path: Path) -> None:
    folder = tmp_path / "x.gdb"
    write_report([farm], "gdb", folder, store=store)
    write_report([farm], "gdb", folder, store=store)  # replaced in place
    assert "results" in dict(pyogrio.list_layers(folder))
    other = tmp_path / "docs.gdb"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(DataSourceError, match="not a FileGDB"):
        write_report([farm], "gdb", other, store=store)
    assert (other / "notes.txt").read_text() == "keep me"


def test_out_crs_is_honoured_and_offsets_refused(store, farm, tmp_path: Path) -> None:
    folder = _unzip(render_report([farm], "shp", store=store, out_crs="EPSG:4547"), tmp_path)
    results = pyogrio.read_dataframe(folder / "results.shp")
    assert CRS.from_user_input(pyogrio.read_info(folder / "results.shp")["crs"]).equals(CRS.from_epsg(4547))
    _assert_same_place(results.geometry.iloc[0], farm.project.geometry, 4547)
    with pytest.raises(InputError, match="gcj02 is an offset"):
        render_report([farm], "gdb", store=store, out_crs="gcj02")


def _county_store(west: float, east: float) -> FakeStore:
    import geopandas as gpd

    store = make_store()
    admin = gpd.GeoDataFrame([{"adcode": "430999", "name": "跨带县", "level": "county", "legal_status": "法定"}],
                             geometry=[box(west, 27.5, east, 28.0)], crs=4490)
    return FakeStore({**store.layers, "admin": admin})


def test_the_county_decides_the_zone_not_the_project(tmp_path: Path) -> None:
    """A county whose centroid lies at 112.4E (zone 37, CM 111E) keeps its projects in zone 37
    even where a project itself lies east of the 112.5E zone edge."""
    store = _county_store(112.0, 112.8)
    farm = farm_result(store)
    project = replace(farm.project, county="跨带县", centroid_lonlat=(112.6, 27.7),
                      geometry=box(112.6, 27.7, 112.601, 27.701))
    result = replace(farm, project=project, conflicts=())
    folder = _unzip(render_report([result], "shp", store=store), tmp_path)
    crs = CRS.from_user_input(pyogrio.read_info(folder / "results.shp")["crs"])
    assert crs.equals(CRS.from_epsg(4525))  # 4513 + (37 - 25)
    read = pyogrio.read_dataframe(folder / "results.shp").geometry.iloc[0]
    _assert_same_place(read, project.geometry, 4525)


def test_a_batch_across_zones_takes_the_zone_of_most_projects_and_says_so(store, batch, tmp_path: Path) -> None:
    west = replace(batch[3], project=replace(batch[3].project, county="", centroid_lonlat=(110.0, 27.0),
                                             geometry=local(box(0, 0, 10, 10))))
    folder = _unzip(render_report([batch[0], batch[1], west], "shp", store=store), tmp_path)
    info = dict(pyogrio.read_dataframe(folder / "report_info.dbf")[["key", "value"]].values)
    assert info["crs"] == f"EPSG:{ZONE_38}"
    assert "跨越多个分带" in info["crs_note"] and "第37带 1 个" in info["crs_note"]


def test_registry_offers_both_with_their_own_media_types() -> None:
    assert FORMATS["shp"].suffix == ".shp.zip" and FORMATS["gdb"].suffix == ".gdb.zip"
    assert FORMATS["gdb"].folder == ".gdb" and FORMATS["shp"].projected and FORMATS["gdb"].projected
    assert FORMATS["shp"].media_type != FORMATS["zip"].media_type != FORMATS["gdb"].media_type


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_a_spreadsheet_opens_dbf_text_as_text_where_a_csv_would_run_it(store, farm, tmp_path: Path) -> None:
    """Why the .dbf is not neutralised: LibreOffice Calc (with its dBase driver) imports the
    character field as a text cell; the same name in a CSV is imported as a formula."""
    import openpyxl

    name = "=1+1"
    result = replace(farm, project=replace(farm.project, name=name))
    folder = _unzip(render_report([result], "shp", store=store), tmp_path / "shp")
    (folder / "names.csv").write_text(f"name\n{name}\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path)}  # LibreOffice keeps a profile there
    for source in ("results.dbf", "names.csv"):
        subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"),
                        str(folder / source)], check=True, capture_output=True, env=env, timeout=180)
    from_dbf = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx").active
    from_csv = openpyxl.load_workbook(tmp_path / "out" / "names.xlsx").active
    names = [c for c in from_dbf[2] if c.value == name]
    assert names and names[0].data_type == "s"  # text
    assert from_csv["A2"].value == name and from_csv["A2"].data_type == "f"  # a formula
