"""The service around the screening: the OpenAPI document (validated as OpenAPI 3.0), the
docs page served from the app itself, readiness, layers, rules and control units — and
``python -m zoning serve`` itself, in a child process."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts as versions
from openapi_spec_validator.versions.shortcuts import get_spec_version

from layers.store import ZoneStore
from tests.zoning.api.conftest import ProcessServer, Server, build_store
from zoning.cli import cli


def test_openapi_document_validates_with_examples(server: Server) -> None:
    got = server.call("GET", "/api/openapi.json")
    assert got.status == 200
    doc = got.json()
    assert get_spec_version(doc) == versions.OPENAPIV30
    validate(doc)  # raises on any error
    screen = doc["paths"]["/api/v1/screen"]["post"]
    examples = screen["requestBody"]["content"]["application/geo+json"]["examples"]
    assert {"feature", "collection", "gcj02_point"} <= set(examples)
    assert examples["collection"]["value"]["type"] == "FeatureCollection"
    assert {"bearer", "apiKey"} <= set(doc["components"]["securitySchemes"])
    assert "security" in screen
    items = next(p for p in doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"] if p["name"] == "limit")
    assert items["schema"]["maximum"] == 10_000  # GDAL's OAPIF driver reads the page size from here


def test_the_request_examples_screen(server: Server, auth: dict[str, str], tmp_path: Path) -> None:
    """The examples are real requests: each one screens (on the embedded store's extent they
    fall outside this test store's county, which does not matter here)."""
    doc = server.call("GET", "/api/openapi.json").json()
    examples = doc["paths"]["/api/v1/screen"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for name, example in examples.items():
        query = "?crs=gcj02" if name == "gcj02_point" else ""
        got = server.call("POST", "/api/v1/screen" + query, example["value"], auth)
        assert got.status == 200, (name, got.body[:300])


def test_docs_page_is_served_by_the_app_itself(server: Server) -> None:
    page = server.call("GET", "/api/docs")
    assert page.status == 200
    text = page.body.decode()
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", text)
    assert urls and all(u.startswith("/") for u in urls), urls  # nothing from another host
    for url in urls:
        asset = server.call("GET", url)
        assert asset.status == 200, url
    assert "/api/openapi.json" in text
    css = server.call("GET", "/api/assets/fonts/noto-sans-sc.css").body.decode()
    slices = re.findall(r"url\(([^)]+\.woff2)\)", css)
    assert len(slices) > 100 and not any(s.startswith(("/", "http")) for s in slices)  # beside the CSS
    font = server.call("GET", "/api/assets/fonts/" + slices[0])
    assert font.status == 200 and font.body[:4] == b"wOF2"


def test_health_lists_the_store_and_the_warmed_zones(server: Server, api_store: Path) -> None:
    got = server.call("GET", "/api/health").json()
    assert got["status"] == "ok"
    assert got["store"]["file"] == api_store.name  # not the server's folders (a public endpoint)
    assert got["store"]["sha256"] == ZoneStore.open(api_store).sha256
    assert got["work_crs_ready"] == ["EPSG:4547"]  # the test store lies around 114 E


def test_layers_listing(server: Server) -> None:
    doc = server.call("GET", "/api/v1/layers").json()
    assert doc["store"] == "zones.gpkg"
    by_id = {layer["id"]: layer for layer in doc["layers"]}
    assert set(by_id) == {"water_source", "eco_redline", "livestock_zone", "admin"}
    assert by_id["water_source"]["features"] == 3 and by_id["water_source"]["crs"] == "EPSG:4547"
    assert by_id["water_source"]["legal_status"] == "混合" and by_id["water_source"]["zone_field"] == "grade"
    assert "green_heart" in doc["absent_layers"]


def test_rules_are_the_cli_rules(server: Server) -> None:
    res = CliRunner().invoke(cli, ["rules", "list", "--type", "畜禽养殖场", "--format", "json"])
    assert res.exit_code == 0
    doc = server.call("GET", "/api/v1/rules?type=%E7%95%9C%E7%A6%BD%E5%85%BB%E6%AE%96%E5%9C%BA").json()  # 畜禽养殖场
    assert doc["type"] == "livestock_farm" and doc["rules"] == json.loads(res.stdout)
    farm = next(t for t in doc["project_types"] if t["key"] == "livestock_farm")
    scale = next(a for a in farm["attributes"] if a["name"] == "scale_head")
    assert "存栏" in scale["aliases"]
    by_layer = server.call("GET", "/api/v1/rules?layer=water_source").json()["rules"]
    assert by_layer and {r["layer"] for r in by_layer} == {"water_source"}
    bad = server.call("GET", "/api/v1/rules?type=spaceport")
    cli_bad = CliRunner().invoke(cli, ["rules", "list", "--type", "spaceport"])
    assert bad.status == 422 and bad.error["message"] == cli_bad.stderr.strip()


def test_units_are_empty_without_a_unit_layer(server: Server) -> None:
    got = server.call("GET", "/api/v1/units?lon=114.0&lat=28.0").json()
    assert got == {"lon": 114.0, "lat": 28.0, "type": None, "unit_layer": None, "units": []}
    bad = server.call("GET", "/api/v1/units?lon=200&lat=28")
    assert bad.status == 422 and "lon" in bad.error["en"]


def test_serve_command_runs_and_picks_up_a_replaced_store(tmp_path: Path, reviewer_key: str, keys_file: Path) -> None:
    """``python -m zoning serve`` in its own process; replacing the store file is seen on the
    next request, without a restart (as the app does)."""
    store = build_store(tmp_path / "zones.gpkg")
    with ProcessServer("--zones", str(store), "--keys-file", str(keys_file)) as running:
        before = running.call("GET", "/api/health").json()["store"]["sha256"]
        other = build_store(tmp_path / "other.gpkg")
        import geopandas as gpd

        extra = gpd.read_file(other, layer="water_source").iloc[:1]
        extra.to_file(other, layer="water_source", driver="GPKG")  # one zone fewer
        shutil.move(other, store)
        after = running.call("GET", "/api/health").json()["store"]["sha256"]
        assert after != before and after == ZoneStore.open(store).sha256
        assert running.call("GET", "/ogc/collections/water_source/items").json()["numberMatched"] == 1


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["serve", "--zones", str(tmp_path / "nowhere.gpkg"), "--port", "1"])
    assert res.exit_code == 2 and "nowhere.gpkg" in res.stderr and "图层库" in res.stderr


@pytest.mark.parametrize("path", ["/api/v1/layers", "/ogc/collections"])
def test_public_endpoints_need_no_key(path: str, server: Server) -> None:
    assert server.call("GET", path).status == 200


def test_a_broken_store_is_503_not_the_clients_fault(tmp_path: Path, keys_file: Path, auth: dict[str, str]) -> None:
    from tests.zoning.api.conftest import serve
    from zoning.api.settings import ApiSettings

    store = build_store(tmp_path / "zones.gpkg")
    with serve(ApiSettings(store=store, keys_file=keys_file, warm_up=False)) as running:
        assert running.call("GET", "/api/health").status == 200
        store.write_bytes(b"not a geopackage")
        for method, path in (("GET", "/api/health"), ("GET", "/api/v1/layers"), ("POST", "/api/v1/screen")):
            got = running.call(method, path, {"type": "Feature"} if method == "POST" else None, auth)
            assert got.status == 503, (path, got.body)
            assert str(tmp_path) not in got.body.decode()  # the server's paths stay in its log


def test_units_at_a_point_are_the_screenings_units(tmp_path: Path, keys_file: Path) -> None:
    """A store with control units and an access list: the units at a point are those the
    CLI's screening of that point reports (with a type: the clauses' verdicts for it)."""
    import pyogrio

    from tests.zoning._engine_support import lonlat, write_gpkg
    from tests.zoning.test_units_coverage import admin_frame, clauses_frame, units_frame
    from zoning.api.settings import ApiSettings

    store = write_gpkg(tmp_path / "units.gpkg", {"admin": admin_frame(), "env_control_unit": units_frame()})
    pyogrio.write_dataframe(clauses_frame(), store, layer="access_clause", driver="GPKG")
    point = lonlat(shapely.Point(499_500, 3_099_500))  # in unit ZH43090220001 (资阳区)
    cli_res = CliRunner().invoke(cli, ["screen", point.wkt, "--type", "industrial", "--zones", str(store)])
    assert cli_res.exit_code == 0, cli_res.stderr
    want = json.loads(cli_res.stdout)["units"]
    assert [u["code"] for u in want] == ["ZH43090220001"]
    from tests.zoning.api.conftest import serve

    with serve(ApiSettings(store=store, keys_file=keys_file, warm_up=False)) as running:
        got = running.call("GET", f"/api/v1/units?lon={point.x}&lat={point.y}&type=industrial").json()
        assert got["unit_layer"] == "env_control_unit" and got["type"] == "industrial"
        assert got["units"] == want
        plain = running.call("GET", f"/api/v1/units?lon={point.x}&lat={point.y}").json()["units"]
        assert [c["text"] for c in plain[0]["clauses"]] == [c["text"] for c in want[0]["clauses"]]
        assert all("verdict" not in c for c in plain[0]["clauses"])
