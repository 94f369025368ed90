"""Bad input over HTTP: a 4xx with the CLI's bilingual message, never a traceback; the body
limit; the catch-all 500 with a reference number and nothing of the server's inside."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.zoning._engine_support import X0, Y0, lonlat, rect
from tests.zoning.api.conftest import Server, serve
from tests.zoning.api.test_screen_http import cli_json, feature
from zoning.api import create_app
from zoning.api.settings import API_LIMITS, ApiSettings

INSIDE = lonlat(rect(X0 + 200, Y0 + 200, 100, 100))

#: id -> (body text, query, CLI arguments, HTTP status)
BAD: dict[str, tuple[str, str, list[str], int]] = {
    "unknown project type": (json.dumps(feature(INSIDE, type="飞船发射场")), "", ["--type-field", "type"], 422),
    "unknown type by query": (json.dumps(feature(INSIDE)), "?type=spaceport", ["--type", "spaceport"], 422),
    "not JSON at all": ("this is not geojson", "", ["--type", "road"], 400),
    "truncated JSON": ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [112.9,', "", ["--type", "road"], 400),
    "coordinates outside China": (json.dumps({"type": "Feature", "properties": {"type": "road"},
                                              "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}),
                                  "", ["--type-field", "type"], 400),
    "latitude and longitude swapped": (json.dumps({"type": "Feature", "properties": {"type": "road"},
                                                   "geometry": {"type": "Point", "coordinates": [28.0, 113.0]}}),
                                       "", ["--type-field", "type"], 400),
    "bad attribute value": (json.dumps(feature(INSIDE, type="livestock_farm", scale_head="很多")), "",
                            ["--type-field", "type"], 422),
    "attribute the type does not take": (json.dumps(feature(INSIDE, type="road")), "?attr=scale_head=10",
                                         ["--type-field", "type", "--attr", "scale_head=10"], 422),
    "malformed attr": (json.dumps(feature(INSIDE, type="road")), "?attr=scale_head", ["--type-field", "type"], 422),
    "unknown CRS": (json.dumps(feature(INSIDE, type="road")), "?crs=EPSG:999999",
                    ["--type-field", "type", "--crs", "EPSG:999999"], 400),
    "empty collection": ('{"type": "FeatureCollection", "features": []}', "", ["--type", "road"], 400),
    "feature without geometry": ('{"type": "Feature", "properties": {"type": "road"}, "geometry": null}', "",
                                 ["--type-field", "type"], 400),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gets_the_cli_message(case: str, server: Server, auth: dict[str, str], api_store: Path,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    text, query, args, status = BAD[case]
    got = server.call("POST", "/api/v1/screen" + query, text, {**auth, "Content-Type": "application/geo+json"})
    assert got.status == status, got.body.decode()
    error = got.error
    assert error["status"] == status
    assert error["message"].startswith("错误：") and "\nError: " in error["message"]
    assert "Traceback" not in got.body.decode()
    if case == "malformed attr":  # the CLI checks --attr's form in click; the API names `attr`
        assert "attr 'scale_head': expected KEY=VALUE" in error["en"]
        return
    monkeypatch.chdir(tmp_path)
    code, _out, stderr = cli_json(tmp_path, text, args, api_store)
    assert code == 2
    # The CLI names the file by the path it was given; the API reads the body as request.geojson.
    cli_message = stderr.replace(str(tmp_path / "request.geojson"), "request.geojson").strip()
    cli_message = "\n".join(line for line in cli_message.splitlines() if not line.startswith(("warning:", "RuntimeWarning")))
    assert error["message"] == cli_message


def test_no_type_anywhere_says_how_to_give_one(server: Server, auth: dict[str, str]) -> None:
    got = server.call("POST", "/api/v1/screen", feature(INSIDE, name="无类型"), auth)
    assert got.status == 422
    assert "?type=" in got.error["en"] and "?type=" in got.error["zh"] and "缺少项目类型" in got.error["zh"]


def test_two_aliases_with_different_values_are_refused(server: Server, auth: dict[str, str]) -> None:
    got = server.call("POST", "/api/v1/screen", feature(INSIDE, type="livestock_farm", 存栏=100, scale_head=900), auth)
    assert got.status == 422
    assert "row 1" in got.error["en"] and "存栏" in got.error["zh"] and "scale_head" in got.error["zh"]


@pytest.mark.parametrize(("query", "name", "zh"), [
    ("?near_m=abc", "near_m", "应为数字"),
    ("?tolerance_m=-1", "tolerance_m", "应不小于 0"),
    ("?lang=fr", "lang", "格式不符"),
    ("?format=odt", "format", "无法识别"),
])  # fmt: skip
def test_bad_parameters_are_named(query: str, name: str, zh: str, server: Server, auth: dict[str, str]) -> None:
    got = server.call("POST", "/api/v1/screen" + query, feature(INSIDE, type="road"), auth)
    assert got.status == 422, got.body
    assert f"'{name}'" in got.error["en"] and f"“{name}”" in got.error["zh"] and zh in got.error["zh"]


def test_unacceptable_accept_is_406(server: Server, auth: dict[str, str]) -> None:
    got = server.call("POST", "/api/v1/screen", feature(INSIDE, type="road"), {**auth, "Accept": "image/png"})
    assert got.status == 406 and "image/png" in got.error["en"]


def test_multipart_upload_is_415(server: Server, auth: dict[str, str]) -> None:
    got = server.call("POST", "/api/v1/screen", b"--x\r\n\r\n", {**auth, "Content-Type": "multipart/form-data; boundary=x"})
    assert got.status == 415


def test_unknown_address_is_a_bilingual_404(server: Server) -> None:
    got = server.call("GET", "/api/v1/nothing-here")
    assert got.status == 404 and got.error["zh"].startswith("没有这个地址")


def test_body_limit(api_store: Path, keys_file: Path, auth: dict[str, str]) -> None:
    """A body over the limit is refused with 413, by Content-Length and while streaming."""
    limits = replace(API_LIMITS, text_bytes=2000)
    with serve(ApiSettings(store=api_store, keys_file=keys_file, limits=limits, warm_up=False)) as small:
        big = json.dumps(feature(INSIDE, type="road", note="x" * 3000))
        got = small.call("POST", "/api/v1/screen", big, auth)
        assert got.status == 413 and "MiB" in got.error["en"] and "ZONING_MAX_TEXT_BYTES" in got.error["en"]
        ok = small.call("POST", "/api/v1/screen", feature(INSIDE, type="road"), auth)
        assert ok.status == 200
        # Chunked (no Content-Length): refused while it streams in.
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", small.port, timeout=30)
        conn.putrequest("POST", "/api/v1/screen")
        for key, value in {**auth, "Transfer-Encoding": "chunked", "Content-Type": "application/json"}.items():
            conn.putheader(key, value)
        conn.endheaders()
        for _ in range(5):
            chunk = b"x" * 1000
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        assert resp.status == 413
        conn.close()


def test_a_bug_is_a_500_with_a_reference_and_no_internals(api_store: Path, keys_file: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """The catch-all: a route that fails unexpectedly answers 500, bilingual, with the number
    the log has, and no exception text, path or traceback."""
    app = create_app(ApiSettings(store=api_store, keys_file=keys_file, warm_up=False))

    @app.get("/api/v1/broken")
    def broken() -> Any:
        secret = "/srv/secret/path.gpkg"
        raise RuntimeError(secret)

    from tests.zoning.api.conftest import Server as RealServer

    with caplog.at_level(logging.ERROR, logger="zoning.api.errors"), RealServer(app) as running:
        got = running.call("GET", "/api/v1/broken")
    assert got.status == 500
    error = got.error
    reference = error["reference"]
    assert len(reference) == 12 and reference in error["zh"] and reference in error["en"]
    text = got.body.decode()
    assert "secret" not in text and "RuntimeError" not in text and "Traceback" not in text
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)
