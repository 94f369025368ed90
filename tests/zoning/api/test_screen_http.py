"""``POST /api/v1/screen`` over real HTTP gives the CLI's JSON for the same input.

Each case is a GeoJSON body and the CLI arguments that say the same thing; the body is
written to a file called ``request.geojson`` (the name the API reads it under), screened by
``python -m zoning screen`` against the same store, and the two answers must be equal
apart from ``generated_at``. Expected values are the CLI's, an independent path from the
HTTP layer (the API must not add, drop or change anything).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from shapely.geometry import LineString

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from tests.zoning._engine_support import GK114, X0, Y0, lonlat, rect
from tests.zoning.api.conftest import Server
from zoning.cli import cli


def feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__}


def collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


HALF_IN = lonlat(rect(X0 + 900, Y0 + 400, 200, 100))  # half in the grade-1 zone, half in grade 2
INSIDE = lonlat(rect(X0 + 200, Y0 + 200, 100, 100))
NEAR_NORAISE = lonlat(rect(X0 - 1900, Y0 + 300, 100, 100))  # 100 m east of the no-raise zone
POINT_IN = lonlat(rect(X0 + 500, Y0 + 500, 1, 1)).centroid
ROAD = lonlat(LineString([(X0 - 2500, Y0 + 500), (X0 + 1500, Y0 + 500)]))  # crosses the no-raise zone and grade 1


def _gcj(point: Any) -> list[float]:
    lon, lat = wgs84_to_gcj02([point.x], [point.y])
    return [float(lon[0]), float(lat[0])]


def _bd(point: Any) -> list[float]:
    lon, lat = wgs84_to_bd09([point.x], [point.y])
    return [float(lon[0]), float(lat[0])]


GK_FEATURES = [
    {"type": "Feature", "properties": {"name": "高斯一", "type": "road"},
     "geometry": rect(X0 + 900, Y0 + 400, 200, 100).__geo_interface__},
    {"type": "Feature", "properties": {"name": "高斯二", "type": "工业项目"},
     "geometry": rect(X0 - 2900, Y0 + 100, 300, 300).__geo_interface__},
]  # fmt: skip
GK_CRS_MEMBER = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}}

#: id -> (body, query string, CLI arguments after the file, answer shape)
CASES: dict[str, tuple[dict[str, Any], str, list[str]]] = {
    "feature, type and name as properties": (feature(HALF_IN, name="测试路", type="road"), "", ["--type-field", "type"]),
    "feature, type by query": (feature(INSIDE, name="厂"), "?type=industrial", ["--type", "industrial"]),
    "feature without a name (named after the file)": (feature(INSIDE, type="道路"), "", ["--type-field", "type"]),
    "GCJ-02 point": ({"type": "Feature", "properties": {"type": "industrial", "name": "高德点"},
                      "geometry": {"type": "Point", "coordinates": _gcj(POINT_IN)}}, "?crs=gcj02",
                     ["--type-field", "type", "--crs", "gcj02"]),
    "BD-09 point": ({"type": "Feature", "properties": {"type": "industrial", "name": "百度点"},
                     "geometry": {"type": "Point", "coordinates": _bd(POINT_IN)}}, "?crs=bd09",
                    ["--type-field", "type", "--crs", "bd09"]),
    "Gauss-Kruger collection, CRS in the file": (collection(*GK_FEATURES, crs=GK_CRS_MEMBER), "",
                                                 ["--type-field", "type"]),
    "Gauss-Kruger collection, CRS by query": (collection(*GK_FEATURES), "?crs=EPSG:4547",
                                              ["--type-field", "type", "--crs", "EPSG:4547"]),
    "batch of mixed types and attributes": (
        collection(feature(INSIDE, name="甲", type="livestock_farm", scale_head=2000),
                   feature(NEAR_NORAISE, name="乙", type="养殖场", scale_head=100),
                   feature(ROAD, name="丙", type="道路", unavoidable="是")),
        "", ["--type-field", "type"]),
    "attribute for every feature by query": (feature(NEAR_NORAISE, name="场", type="livestock_farm"),
                                             "?attr=scale_head=2000", ["--type-field", "type", "--attr", "scale_head=2000"]),
    "name by query": (feature(INSIDE, type="road"), "?name=" + quote("某道路"), ["--type-field", "type", "--name", "某道路"]),
    "tolerance and near radius": (feature(HALF_IN, name="路", type="road"), "?tolerance_m=20&near_m=300",
                                  ["--type-field", "type", "--tolerance-m", "20", "--near-m", "300"]),
    "line with a Chinese type": (feature(ROAD, name="穿越道路", type="道路", unavoidable=True), "",
                                 ["--type-field", "type"]),
    "multipolygon": ({"type": "Feature", "properties": {"name": "多块", "type": "industrial"},
                      "geometry": {"type": "MultiPolygon", "coordinates": [
                          INSIDE.__geo_interface__["coordinates"], NEAR_NORAISE.__geo_interface__["coordinates"]]}},
                     "", ["--type-field", "type"]),
}  # fmt: skip


def cli_json(tmp_path: Path, body: dict[str, Any] | str, args: list[str], store: Path) -> tuple[int, Any, str]:
    """The CLI on ``body`` written as request.geojson: (exit code, JSON or None, stderr)."""
    path = tmp_path / "request.geojson"
    path.write_text(body if isinstance(body, str) else json.dumps(body, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", str(path), "--zones", str(store), *args], catch_exceptions=False)
    return res.exit_code, (json.loads(res.stdout) if res.exit_code == 0 else None), res.stderr


def _strip(doc: Any) -> Any:
    """Without the time of the answer and the store's name: the CLI keeps the path its user
    typed, the API names the store without the server's folders (checked below)."""
    for item in doc if isinstance(doc, list) else [doc]:
        item.pop("generated_at")
        item["data"].pop("zones")
    return doc


@pytest.mark.parametrize("case", list(CASES))
def test_http_screen_is_the_cli_json(case: str, server: Server, auth: dict[str, str], api_store: Path,
                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    body, query, args = CASES[case]
    monkeypatch.chdir(tmp_path)  # the CLI names an unnamed project after its file: "request"
    code, want, err = cli_json(tmp_path, body, args, api_store)
    assert code == 0, err
    got = server.call("POST", "/api/v1/screen" + query, body, {**auth, "Content-Type": "application/geo+json"})
    assert got.status == 200, got.body.decode()
    assert got.headers["content-type"].startswith("application/json")
    for item in got.json() if isinstance(got.json(), list) else [got.json()]:
        assert item["data"]["zones"] == api_store.name  # the file name, not the server's path
    assert _strip(got.json()) == _strip(want)


def test_the_cases_cover_what_they_claim(server: Server, auth: dict[str, str]) -> None:
    """The comparisons above are not of empty answers: conflicts, batches and CRSs are there."""
    batch = server.call("POST", "/api/v1/screen", CASES["batch of mixed types and attributes"][0], auth).json()
    assert [r["verdict"] for r in batch] == ["prohibited", "clear", "prohibited"]  # in grade 1; 100 m off; crossing
    assert batch[0]["project"]["attributes"]["scale_head"] == 2000
    gk = server.call("POST", "/api/v1/screen", CASES["Gauss-Kruger collection, CRS in the file"][0], auth).json()
    assert [r["project"]["input_crs"] for r in gk] == ["EPSG:4547", "EPSG:4547"]
    assert gk[0]["project"]["area_m2"] == pytest.approx(20_000, rel=1e-6)  # 200 m x 100 m
    gcj = server.call("POST", "/api/v1/screen?crs=gcj02", CASES["GCJ-02 point"][0], auth).json()
    assert gcj["project"]["input_crs"] == "gcj02"
    assert gcj["project"]["centroid_lonlat"] == pytest.approx([POINT_IN.x, POINT_IN.y], abs=1e-6)
    assert {c["layer"] for c in gcj["conflicts"]} == {"water_source"}
    unnamed = server.call("POST", "/api/v1/screen", CASES["feature without a name (named after the file)"][0], auth).json()
    assert unnamed["project"]["name"] == "request"


def test_batch_file_aliases_set_attributes(server: Server, auth: dict[str, str], api_store: Path, tmp_path: Path) -> None:
    """存栏 (an alias of scale_head) and 无法避让 (of unavoidable) as properties give what the CLI
    gives for the attributes' own column names."""
    aliased = collection(feature(NEAR_NORAISE, name="甲", type="livestock_farm", 存栏=2000),
                         feature(NEAR_NORAISE, name="乙", type="livestock_farm", 年出栏="120"),
                         feature(ROAD, name="丙", type="road", 无法避让="是"))  # fmt: skip
    plain = collection(feature(NEAR_NORAISE, name="甲", type="livestock_farm", scale_head=2000),
                       feature(NEAR_NORAISE, name="乙", type="livestock_farm", scale_head="120"),
                       feature(ROAD, name="丙", type="road", unavoidable="是"))  # fmt: skip
    code, want, err = cli_json(tmp_path, plain, ["--type-field", "type"], api_store)
    assert code == 0, err
    got = server.call("POST", "/api/v1/screen", aliased, auth)
    assert got.status == 200, got.body.decode()
    doc = got.json()
    assert [r["project"]["attributes"].get("scale_head") for r in doc] == [2000, 120, None]
    assert doc[2]["project"]["attributes"]["unavoidable"] is True
    assert _strip(doc) == _strip(want)


def test_one_feature_collection_is_a_list(server: Server, auth: dict[str, str], api_store: Path, tmp_path: Path) -> None:
    """DESIGN.md: a list for a collection, even of one (the CLI prints the object itself)."""
    body = collection(feature(INSIDE, name="独一", type="road"))
    code, want, err = cli_json(tmp_path, body, ["--type-field", "type"], api_store)
    assert code == 0, err
    got = server.call("POST", "/api/v1/screen", body, auth).json()
    assert isinstance(got, list) and len(got) == 1
    assert _strip(got[0]) == _strip(want)


@pytest.mark.parametrize(("fmt", "media", "magic"), [
    ("csv", "text/csv", "\ufeff".encode()),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ("pdf", "application/pdf", b"%PDF"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ("gpkg", "application/geopackage+sqlite3", b"SQLite format 3"),
    ("shp", "application/vnd.shp+zip", b"PK"),
    ("gdb", "application/x-filegdb+zip", b"PK"),
])  # fmt: skip
def test_formats_by_query_and_accept(fmt: str, media: str, magic: bytes, server: Server, auth: dict[str, str]) -> None:
    body = feature(HALF_IN, name="路", type="road")
    by_query = server.call("POST", f"/api/v1/screen?format={fmt}", body, auth)
    assert by_query.status == 200, by_query.body[:300]
    assert by_query.headers["content-type"].split(";")[0] == media
    assert by_query.body.startswith(magic)
    by_accept = server.call("POST", "/api/v1/screen", body, {**auth, "Accept": f"{media}, application/json;q=0.5"})
    assert by_accept.status == 200 and by_accept.headers["content-type"].split(";")[0] == media
    if fmt != "csv":
        assert "attachment" in by_query.headers["content-disposition"]


def test_csv_is_the_cli_csv(server: Server, auth: dict[str, str], api_store: Path, tmp_path: Path) -> None:
    body = collection(feature(HALF_IN, name="路", type="road"), feature(INSIDE, name="厂", type="industrial"))
    path = tmp_path / "request.geojson"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", str(path), "--zones", str(api_store), "--type-field", "type",
                                   "--format", "csv", "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.stderr
    got = server.call("POST", "/api/v1/screen?format=csv&lang=en", body, auth)
    assert got.body == res.stdout_bytes


def test_gk_geometry_type_reaches_the_result(server: Server, auth: dict[str, str]) -> None:
    """A line in EPSG:4547 is measured in metres: 4000 m long (hand-built)."""
    line = {"type": "Feature", "properties": {"type": "road", "name": "线"},
            "geometry": {"type": "LineString", "coordinates": [[X0 - 2500, Y0 + 500], [X0 + 1500, Y0 + 500]]}}  # fmt: skip
    doc = server.call("POST", f"/api/v1/screen?crs={GK114}", line, auth).json()
    assert doc["project"]["length_m"] == pytest.approx(4000, rel=1e-6)


@pytest.mark.parametrize("fmt", ["shp", "gdb"])
def test_gis_formats_open_with_gdal_in_the_county_zone(fmt: str, server: Server, auth: dict[str, str],
                                                       tmp_path: Path) -> None:
    """The store's county lies at 114E (X0 = 500 km in EPSG:4547): zone 38, EPSG:4526 with the
    zone number; the file's name ends as the registry says."""
    import pyogrio
    from pyproj import CRS

    got = server.call("POST", f"/api/v1/screen?format={fmt}", feature(HALF_IN, name="穿越水源的路", type="road"), auth)
    assert got.status == 200 and f".{fmt}.zip" in got.headers["content-disposition"]
    path = tmp_path / f"r.{fmt}.zip"
    path.write_bytes(got.body)
    assert CRS.from_user_input(pyogrio.read_info(path, layer="results")["crs"]).equals(CRS.from_epsg(4526))
    names = pyogrio.read_dataframe(path, layer="results")["name" if fmt == "shp" else "project_name"]
    assert list(names) == ["穿越水源的路"]
    assert pyogrio.read_info(path, layer="conflicts")["features"] >= 1
