"""Who may do what over HTTP: API keys (hashes only in the file), roles, open screening, CORS,
and the saved-screening endpoints (404 until a screening store is configured)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gis.io import read_features
from tests.zoning._engine_support import X0, Y0, lonlat, rect
from tests.zoning.api.conftest import Server, serve
from tests.zoning.api.test_screen_http import feature
from zoning.api.keys import add_key, hash_token
from zoning.api.settings import ApiSettings
from zoning.cli import cli
from zoning.engine import projects_from_features, screen
from zoning.saved import SavedScreening

BODY = feature(lonlat(rect(X0 + 200, Y0 + 200, 100, 100)), type="road", name="路")
REVIEWER_ONLY = [("POST", "/api/v1/screen"), ("GET", "/api/v1/screenings/EZS-20261206-0001"),
                 ("GET", "/api/v1/reports/EZS-20261206-0001.pdf"), ("GET", "/api/v1/reports/EZS-20261206-0001.docx")]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), REVIEWER_ONLY)
def test_reviewer_endpoints_refuse_without_a_key(method: str, path: str, server: Server) -> None:
    got = server.call(method, path, BODY if method == "POST" else None)
    assert got.status == 401
    assert got.headers["www-authenticate"].startswith("Bearer")
    assert "API 密钥" in got.error["zh"] and "API key" in got.error["en"]


@pytest.mark.parametrize(("method", "path"), REVIEWER_ONLY)
@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_reviewer_endpoints_refuse_a_wrong_key(method: str, path: str, header: str, server: Server,
                                               reviewer_key: str) -> None:  # fmt: skip
    wrong = reviewer_key[:-4] + ("aaaa" if not reviewer_key.endswith("aaaa") else "bbbb")
    value = f"Bearer {wrong}" if header == "Authorization" else wrong
    got = server.call(method, path, BODY if method == "POST" else None, {header: value})
    assert got.status == 401 and got.error["en"] == "the API key is not valid"


def test_a_good_key_in_either_header_screens(server: Server, reviewer_key: str) -> None:
    assert server.call("POST", "/api/v1/screen", BODY, {"X-API-Key": reviewer_key}).status == 200
    assert server.call("POST", "/api/v1/screen", BODY, {"Authorization": f"Bearer {reviewer_key}"}).status == 200


def test_saved_screenings_are_404_without_a_screening_store(server: Server, auth: dict[str, str]) -> None:
    for path in ("/api/v1/screenings/EZS-20261206-0001", "/api/v1/reports/EZS-20261206-0001.pdf"):
        got = server.call("GET", path, headers=auth)
        assert got.status == 404
        assert got.error["en"] == "no saved screening with the number 'EZS-20261206-0001'"
        assert got.error["zh"] == "没有编号为“EZS-20261206-0001”的已保存筛查"
    assert server.call("GET", "/api/v1/screenings/bad%20number!", headers=auth).status == 422
    assert server.call("GET", "/api/v1/reports/EZS-1.xlsx", headers=auth).status == 422


class Shelf:
    """A screening store holding one record (what the history work will implement on SQLite)."""

    def __init__(self, record: SavedScreening) -> None:
        self.record = record

    def get(self, number: str) -> SavedScreening | None:
        return self.record if number == self.record.number else None


def test_a_configured_screening_store_is_read(api_store: Path, keys_file: Path, auth: dict[str, str]) -> None:
    """With a store configured, the record comes back as saved, and its report as PDF."""
    fs = read_features(json.dumps(BODY).encode(), filename="request.geojson")
    results = screen(projects_from_features(fs, type_field="type"), api_store)
    record = SavedScreening("EZS-20261206-0042", results, saved_by="测试审查系统", saved_at="2026-12-06T10:00:00+08:00")
    with serve(ApiSettings(store=api_store, keys_file=keys_file, screenings=Shelf(record), warm_up=False)) as running:
        got = running.call("GET", "/api/v1/screenings/EZS-20261206-0042", headers=auth)
        assert got.status == 200
        assert got.json()["results"] == results[0].to_dict() and got.json()["saved_by"] == "测试审查系统"
        pdf = running.call("GET", "/api/v1/reports/EZS-20261206-0042.pdf", headers=auth)
        assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
        assert running.call("GET", "/api/v1/screenings/EZS-20261206-0043", headers=auth).status == 404


def test_roles_and_open_screening(api_store: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    admin = add_key(keys, "管理员", "admin")
    settings = ApiSettings(store=api_store, keys_file=keys, open_screening=True, warm_up=False)
    with serve(settings) as running:
        assert running.call("POST", "/api/v1/screen", BODY).status == 200  # open to all
        assert running.call("GET", "/api/v1/screenings/EZS-1").status == 401  # still a reviewer's
        assert running.call("GET", "/api/v1/screenings/EZS-1", headers={"X-API-Key": admin}).status == 404  # admin ≥ reviewer


def test_key_file_keeps_hashes_only_and_the_cli_manages_it(tmp_path: Path, api_store: Path) -> None:
    keys = tmp_path / "conf" / "api_keys.yaml"
    res = CliRunner().invoke(cli, ["api-keys", "add", "县审批系统", "--role", "reviewer", "--keys-file", str(keys)])
    assert res.exit_code == 0, res.stderr
    token = res.stdout.strip()
    assert token.startswith("ezs_") and len(token) > 40
    text = keys.read_text(encoding="utf-8")
    assert token not in text and hash_token(token) in text
    assert (keys.stat().st_mode & 0o777) == 0o600
    entry = yaml.safe_load(text)["keys"][0]
    assert (entry["name"], entry["role"]) == ("县审批系统", "reviewer")
    again = CliRunner().invoke(cli, ["api-keys", "add", "县审批系统", "--keys-file", str(keys)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    listed = CliRunner().invoke(cli, ["api-keys", "list", "--keys-file", str(keys)])
    assert "县审批系统" in listed.stdout and token not in listed.stdout
    with serve(ApiSettings(store=api_store, keys_file=keys, warm_up=False)) as running:
        assert running.call("POST", "/api/v1/screen", BODY, {"X-API-Key": token}).status == 200
        removed = CliRunner().invoke(cli, ["api-keys", "remove", "县审批系统", "--keys-file", str(keys)])
        assert removed.exit_code == 0
        assert running.call("POST", "/api/v1/screen", BODY, {"X-API-Key": token}).status == 401  # at once


def test_cors_is_off_unless_configured(server: Server, api_store: Path, keys_file: Path) -> None:
    origin = {"Origin": "https://yizhangtu.example.gov.cn"}
    plain = server.call("GET", "/api/v1/layers", headers=origin)
    assert plain.status == 200 and "access-control-allow-origin" not in plain.headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in server.call("OPTIONS", "/api/v1/screen", headers=preflight).headers
    settings = ApiSettings(store=api_store, keys_file=keys_file, cors_origins=(origin["Origin"],), warm_up=False)
    with serve(settings) as running:
        allowed = running.call("GET", "/api/v1/layers", headers=origin)
        assert allowed.headers["access-control-allow-origin"] == origin["Origin"]
        pre = running.call("OPTIONS", "/api/v1/screen", headers=preflight)
        assert pre.status == 200 and pre.headers["access-control-allow-origin"] == origin["Origin"]
        other = running.call("GET", "/api/v1/layers", headers={"Origin": "https://elsewhere.example.com"})
        assert "access-control-allow-origin" not in other.headers


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {"ZONING_STORE": "/srv/zones.gpkg", "ZONING_API_KEYS_FILE": str(tmp_path / "k.yaml"),
           "ZONING_API_OPEN_SCREENING": "1", "ZONING_API_CORS_ORIGINS": "https://a.example, https://b.example",
           "ZONING_MAX_TEXT_BYTES": "4M", "ZONING_RULES": "/srv/rules.yaml"}  # fmt: skip
    settings = ApiSettings.from_env(env)
    assert settings.store == Path("/srv/zones.gpkg") and settings.keys_file == tmp_path / "k.yaml"
    assert settings.open_screening and settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.limits.text_bytes == 4 * 2**20 and settings.limits.batch == 2_000  # the API's own default
    assert settings.rules == Path("/srv/rules.yaml")
    bare = ApiSettings.from_env({"XDG_CONFIG_HOME": str(tmp_path)})
    assert not bare.open_screening and bare.cors_origins == ()
    assert bare.keys_file == tmp_path / "eco-zoning-screener" / "api_keys.yaml"
    from gis.errors import InputError, PlanningError

    with pytest.raises(InputError, match="ZONING_API_OPEN_SCREENING"):
        ApiSettings.from_env({"ZONING_API_OPEN_SCREENING": "perhaps"})
    with pytest.raises(PlanningError, match="ZONING_MAX_TEXT_BYTES"):
        ApiSettings.from_env({"ZONING_MAX_TEXT_BYTES": "lots"})
