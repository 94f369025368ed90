"""``screen --as-of / --save``, ``layers diff``, ``users`` and ``history``: the bureau from the shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from layers.paths import REPO_ROOT
from tests.zoning.bureau.conftest import build_versioned_store, lonlat, point_wkt
from tests.zoning.cli.test_cli_layers import run


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "userdata"
    monkeypatch.setenv("ZONING_DATA_DIR", str(folder))
    monkeypatch.delenv("ZONING_DB_URL", raising=False)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_versioned_store(tmp_path)


def test_screen_as_of_gives_the_old_verdict_and_names_the_versions(
    capsys: pytest.CaptureFixture[str], store: Path, data_dir: Path
) -> None:
    code, out, _ = run(capsys, "screen", point_wkt(500, 500), "--type", "road", "--zones", store, "--as-of", "2020-06-30")
    then = json.loads(out)
    code_now, out_now, _ = run(capsys, "screen", point_wkt(500, 500), "--type", "road", "--zones", store)
    now = json.loads(out_now)
    assert (code, code_now) == (0, 0)
    assert now["verdict"] == "prohibited" and then["verdict"] != "prohibited"
    assert {c["zone"] for c in then["conflicts"]} == {"二级"} and {c["zone"] for c in now["conflicts"]} >= {"一级"}
    assert then["data"]["as_of"] == "2020-06-30" and now["data"]["as_of"] is None
    assert then["data"]["versions"]["water_source"] == {"version": 1, "label": "v1", "effective_date": "2016-12-30",
                                                       "ceased_date": "2024-07-01"}  # fmt: skip
    assert now["data"]["versions"]["water_source"]["version"] == 2
    assert then["data"]["zones"] == str(store) and then["data"]["source_sha256"] == now["data"]["sha256"]
    assert (data_dir / "asof").is_dir()  # the view is kept in the user's data folder


def test_as_of_a_bad_date_or_before_any_data(capsys: pytest.CaptureFixture[str], store: Path, data_dir: Path) -> None:
    code, _, err = run(capsys, "screen", point_wkt(500, 500), "--type", "road", "--zones", store, "--as-of", "2020-02-30")
    assert code == 2 and "错误：" in err and "YYYY-MM-DD" in err
    code, out, err = run(capsys, "screen", point_wkt(500, 500), "--type", "road", "--zones", store, "--as-of", "2010-01-01")
    assert code == 0, err  # the admin layer has no history: it stays; water_source was not in force yet
    assert "water_source" in json.loads(out)["data"]["absent_layers"]
    # A PostGIS store keeps only its current layers: refused before any connection is tried.
    url = "postgresql://nobody@127.0.0.1:1/none?schema=hunan"
    code, _, err = run(capsys, "screen", point_wkt(500, 500), "--type", "road", "--zones", url, "--as-of", "2020-06-30")
    assert code == 2 and "错误：--as-of 需要记录了版本历史的 GeoPackage 图层库" in err and "Error: --as-of needs" in err


def test_layers_diff_by_hand_and_the_changed_areas_layer(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "s.gpkg"
    frames = {1: [(0, 0, 100), (300, 0, 100)], 2: [(50, 0, 100)]}  # v1: A, B (一级); v2: A moved 50 m
    x, y = 391_650.0, 3_082_300.0
    for version, squares in frames.items():
        from shapely.geometry import box

        frame = gpd.GeoDataFrame({"name": ["A", "B"][: len(squares)], "grade": ["一级"] * len(squares)},
                                 geometry=[box(x + dx, y + dy, x + dx + s, y + dy + s) for dx, dy, s in squares],
                                 crs="EPSG:4547")  # fmt: skip
        src = tmp_path / f"v{version}.gpkg"
        pyogrio.write_dataframe(frame, src, layer="water_source", driver="GPKG")
        args = ["layers", "import", store, src, "--layer", "water_source", *(["--replace"] if version > 1 else [])]
        assert run(capsys, *args)[0] == 0
    out_file = tmp_path / "changed.gpkg"
    code, out, err = run(capsys, "layers", "diff", store, "water_source", "1", "v2", "-o", out_file, "--format", "json")
    assert code == 0, err
    diff = json.loads(out)
    assert diff["features"] == {"added": 0, "removed": 1, "changed": 1, "unchanged": 0}
    (zone,) = diff["zones"]
    # gained: 100..150 x 0..100 = 5000 m²; lost: 0..50 x 0..100 (A) + B's 100 x 100 = 15000 m²
    assert (zone["zone"], zone["gained"], zone["lost"]) == ("一级", pytest.approx(5000.0), pytest.approx(15000.0))
    areas = pyogrio.read_dataframe(out_file, layer="changed_areas").to_crs("EPSG:4547")
    assert sorted(areas.area.round(1)) == [5000.0, 15000.0]
    code, _, err = run(capsys, "layers", "diff", store, "water_source", "1", "2", "-o", out_file)
    assert code == 2 and "--overwrite" in err
    code, out, _ = run(capsys, "layers", "diff", store, "water_source", "1", "2")
    assert "一级" in out and "5,000.0" in out and "-10,000.0" in out


def test_users_add_list_disable_passwd(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, "users", "add", "wang", "--role", "reviewer", "--generate")
    assert code == 0 and "shown this once" in out
    password = out.strip().rsplit(": ", 1)[1]
    code, out, _ = run(capsys, "users", "list")
    assert "wang" in out and "reviewer" in out and password not in out and str(data_dir) in out
    assert run(capsys, "users", "disable", "wang")[0] == 0
    code, out, _ = run(capsys, "users", "list")
    assert "停用 disabled" in out
    code, _, err = run(capsys, "users", "add", "wang", "--role", "reviewer", "--generate")
    assert code == 2 and "exists already" in err and "已有名为“wang”的账户" in err
    code, out, _ = run(capsys, "users", "passwd", "wang", "--generate")
    assert code == 0 and out.strip().rsplit(": ", 1)[1] != password
    code, _, err = run(capsys, "users", "disable", "nobody")
    assert code == 2 and "no account called 'nobody'" in err


def test_users_add_asks_for_the_password_twice(data_dir: Path) -> None:
    env = {"ZONING_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "zoning", "users", "add", "li", "--role", "admin"], cwd=REPO_ROOT, env=env,
                          input="secret-pass-1\nsecret-pass-1\n", capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "secret-pass-1" not in done.stdout  # not echoed
    from zoning.bureau.accounts import Accounts
    from zoning.bureau.db import Database

    accounts = Accounts(Database.open(f"sqlite:///{data_dir / 'bureau.sqlite3'}"))
    assert accounts.sign_in("li", "secret-pass-1").session.role == "admin"


def test_screen_save_then_history_show_find_and_rescreen(
    capsys: pytest.CaptureFixture[str], store: Path, data_dir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "batch.csv"
    (lon1, lat1), (lon2, lat2) = lonlat(500, 500), lonlat(8000, 8000)
    csv.write_text(f"项目名称,建设单位,项目代码,经度,纬度\n湘江大道,某某交通建设公司,2612-430321-04-01-000001,{lon1},{lat1}\n"
                   f"外环路,某某城投,2612-430321-04-01-000002,{lon2},{lat2}\n", encoding="utf-8")  # fmt: skip
    pdf = tmp_path / "report.pdf"
    code, _, err = run(capsys, "screen", csv, "--type", "road", "--zones", store, "--as-of", "2020-06-30", "--save",
                       "--saved-by", "wang", "--format", "pdf", "-o", pdf)  # fmt: skip
    assert code == 0, err
    number = err.split("saved: ")[1].split()[0]
    assert number.startswith("EZS-")
    from pypdf import PdfReader

    text = "".join("".join(p.extract_text().split()) for p in PdfReader(pdf).pages).replace("\x00", "")
    assert number in text and "某某交通建设公司" in text and "2612-430321-04-01-000001" in text
    code, out, _ = run(capsys, "history", "show", number, "--format", "json")
    saved = json.loads(out)
    assert saved["number"] == number and saved["saved_by"] == "wang" and saved["as_of"] == "2020-06-30"
    assert [r["project"]["builder"] for r in saved["results"]] == ["某某交通建设公司", "某某城投"]
    assert saved["versions"]["water_source"]["version"] == 1
    code, out, _ = run(capsys, "history", "find", "--name", "外环")
    assert code == 0 and number in out
    code, out, _ = run(capsys, "history", "find", "--county", "测试县", "--verdict", "prohibited")
    assert number not in out  # as of 2020 nothing was prohibited
    code, out, _ = run(capsys, "history", "rescreen", number, "--zones", store, "--format", "json")
    again = json.loads(out)
    assert again["verdict_before"] != "prohibited" and again["verdict_after"] == "prohibited" and again["verdict_changed"]
    first = again["projects"][0]
    assert {c["zone"] for c in first["added"]} >= {"一级"} and {c["zone"] for c in first["removed"]} == {"二级"}
    assert not again["projects"][1]["changed"] if "changed" in again["projects"][1] else True
    code, out, _ = run(capsys, "history", "affected", "--zones", store)
    assert code == 0 and number in out and "ms each" in out
    code, _, err = run(capsys, "history", "show", "EZS-20000101-00000000")
    assert code == 2 and "没有编号为" in err
