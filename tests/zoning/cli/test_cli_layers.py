"""``python -m zoning layers ...``: exit codes 0/2 and the messages, on stores built in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from layers.paths import REPO_ROOT
from tests.layers.conftest import (
    build_valid_store,
    official_water_source,
    square,
    water_source,
    write_store,
    zipped_gbk_shapefile,
)
from zoning.cli import cli, main


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run ``zoning.cli.main`` in-process (as ``python -m zoning`` does); (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.fixture
def valid_store(tmp_path: Path) -> Path:
    return build_valid_store(tmp_path / "zones.gpkg")


@pytest.fixture
def broken_store(tmp_path: Path) -> Path:
    """water_source with an unknown grade (fid 2) and eco_redline without its category field."""
    ws = water_source()
    ws.loc[1, "grade"] = "三级"
    eco = gpd.GeoDataFrame({"name": ["红线"]}, geometry=[square(3)], crs="EPSG:4490")
    return write_store(tmp_path / "broken.gpkg", {"water_source": ws, "eco_redline": eco})


def test_list_shows_layers_absent_and_extra(capsys: pytest.CaptureFixture[str], valid_store: Path) -> None:
    code, out, err = run(capsys, "layers", "list", valid_store)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[1].split() == ["图层", "layer", "名称", "title", "要素", "features", "几何", "geometry",
                                "坐标系", "CRS", "法律效力", "legal", "status"]  # fmt: skip
    assert lines[2].split() == ["eco_redline", "生态保护红线", "2", "Polygon", "EPSG:4490", "法定"]
    assert lines[3].split() == ["water_source", "饮用水水源保护区", "3", "Polygon", "EPSG:4490", "法定"]
    assert lines[5].split() == ["shoreline", "河流岸线", "2", "LineString/Polygon", "EPSG:4490", "混合"]
    assert (
        "absent layers (not screened): livestock_zone, green_heart, nature_reserve, scenic_area, env_control_unit, "
        "access_clause, industrial_park, basic_farmland, urban_boundary, public_forest, wetland, nature_park, "
        "fish_germplasm, admin"
    ) in out
    assert "extra layers (kept, not screened): basemap_notes" in out
    assert "示意数据，不具法律效力" in out


def test_list_json(capsys: pytest.CaptureFixture[str], valid_store: Path) -> None:
    code, out, _ = run(capsys, "layers", "list", valid_store, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["layers"]["water_intake"] == {
        "layer": "water_intake", "title_zh": "饮用水取水口", "title_en": "Drinking-water intake",
        "features": 1, "geometry_type": "Point", "crs": "EPSG:4490", "legal_status": "示意",
    }  # fmt: skip
    assert data["extra_layers"] == ["basemap_notes"]


def test_validate_valid_store_exits_0_and_prints_warnings(
    capsys: pytest.CaptureFixture[str], valid_store: Path
) -> None:
    code, out, err = run(capsys, "layers", "validate", valid_store)
    assert (code, err) == (0, "")
    assert "有效 valid — 0 error(s), 1 warning(s)" in out
    assert "[警告 warning] basemap_notes: not in the layer catalogue" in out


def test_validate_invalid_store_exits_2_listing_every_problem(
    capsys: pytest.CaptureFixture[str], broken_store: Path
) -> None:
    code, out, err = run(capsys, "layers", "validate", broken_store)
    assert code == 2
    assert "无效 invalid — 2 error(s), 0 warning(s)" in out
    assert "[错误 error] water_source.grade: 1 feature(s) have values outside the allowed set ('三级' ×1; fid 2)" in out
    assert "[错误 error] eco_redline.category: required field 'category' (类别 / Category)" in out
    assert err.strip().splitlines() == [
        f"错误：图层库 {broken_store} 有 2 个错误，见上方列表",
        f"Error: zone store {broken_store} has 2 error(s); see the list above",
    ]


def test_validate_json_lists_problems(capsys: pytest.CaptureFixture[str], broken_store: Path) -> None:
    code, out, _ = run(capsys, "layers", "validate", broken_store, "--format", "json")
    data = json.loads(out)
    assert (code, data["valid"]) == (2, False)
    assert sorted((p["layer"], p["field"], p["rows"]) for p in data["problems"]) == [
        ("eco_redline", "category", []),
        ("water_source", "grade", [2]),
    ]


def test_list_refuses_an_invalid_or_missing_store_with_exit_2(
    capsys: pytest.CaptureFixture[str], broken_store: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "layers", "list", broken_store)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"错误：图层库 {broken_store} 有 2 个错误、0 个警告")
    assert lines[1].startswith(f"Error: zone store {broken_store} has 2 error(s) and 0 warning(s)")
    assert err.count("water_source.grade: 1 feature(s)") == 1  # the problem list once, for both languages
    code, _, err = run(capsys, "layers", "validate", tmp_path / "missing.gpkg")
    assert code == 2
    missing = tmp_path / "missing.gpkg"
    assert err.strip().splitlines() == [
        f"错误：图层库 {missing} 不存在；应为 GeoPackage（.gpkg）文件，如 data/zones.gpkg",
        f"Error: zone store {missing} does not exist; expected a GeoPackage (.gpkg) such as data/zones.gpkg",
    ]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], valid_store: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "layers", "import", valid_store, tmp_path / "x.zip")
    assert code == 2 and "Missing option '--layer'" in err
    code, _, err = run(
        capsys, "layers", "import", valid_store, tmp_path / "x.zip", "--layer", "water_source", "--map", "名称"
    )
    assert code == 2 and "Invalid value for --map: '名称': expected SOURCE_FIELD=CATALOGUE_FIELD, e.g. 名称=name" in err
    code, _, err = run(
        capsys, "layers", "import", valid_store, tmp_path / "x.zip", "--layer", "x", "--legal-status", "官方"
    )
    assert code == 2 and "Invalid value for '--legal-status': '官方' is not one of '法定', '示意'" in err
    code, _, err = run(capsys, "layers", "rollback", valid_store, "water_source", "latest")
    assert code == 2 and "'latest': expected a version number such as 2 or v2" in err
    code, _, err = run(capsys, "layers", "frobnicate")
    assert code == 2 and "No such command 'frobnicate'" in err


def test_import_versions_rollback_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "county.gpkg"
    first = zipped_gbk_shapefile(official_water_source(), tmp_path / "a", "水源2016")
    second = zipped_gbk_shapefile(official_water_source(("一级保护区",)), tmp_path / "b", "水源2023")
    maps = ("--map", "名称=name", "--map", "级别=grade")

    code, out, err = run(capsys, "layers", "import", store, first, "--layer", "water_source", *maps,
                         "--source", "湘政函〔2016〕176号", "--effective-date", "2016-12-30")  # fmt: skip
    assert (code, err) == (0, "")
    assert f"已导入 imported layer water_source v1 into {store}: 3 feature(s), EPSG:4526, 法定" in out
    assert "grade: 一级保护区 → 一级 ×1" in out

    code, out, err = run(capsys, "layers", "import", store, second, "--layer", "water_source", *maps)
    assert code == 2 and out == ""
    assert "already has layer 'water_source' (version 1); refusing to overwrite it. Add --replace" in err

    code, out, _ = run(capsys, "layers", "import", store, second, "--layer", "water_source", *maps, "--replace")
    assert code == 0
    assert "v2" in out and f"`python -m zoning layers rollback {store} water_source 1`" in out

    code, out, _ = run(capsys, "layers", "versions", store, "water_source")
    rows = [line.split() for line in out.splitlines()[1:3]]
    assert code == 0
    assert [r[:2] for r in rows] == [["v1", "import"], ["*v2", "replace"]]
    assert "水源2016.zip" in rows[0] and "湘政函〔2016〕176号" in rows[0]

    code, out, _ = run(capsys, "layers", "rollback", store, "water_source", "v1")
    assert (code, out.strip()) == (0, f"已回退 rolled back water_source in {store} to v1 (3 feature(s)); v2 kept")
    code, out, _ = run(capsys, "layers", "versions", store, "water_source", "--format", "json")
    assert [(v["version"], v["current"], v["available"]) for v in json.loads(out)] == [
        (1, True, True),
        (2, False, True),
    ]

    code, _, err = run(capsys, "layers", "rollback", store, "water_source", "1")
    assert code == 2 and "version 1 of layer 'water_source' is already the current one; versions: v1, v2" in err


def test_import_of_data_that_does_not_fit_exits_2_with_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = zipped_gbk_shapefile(official_water_source(("一级", "三级")), tmp_path / "src")
    code, out, err = run(
        capsys, "layers", "import", tmp_path / "s.gpkg", src, "--layer", "water_source", "--map", "级别=grade"
    )
    assert (code, out) == (2, "")
    assert "cannot be imported as layer 'water_source'" in err
    assert "water_source.name: required field 'name'" in err
    assert "water_source.grade: 1 feature(s) have values outside the allowed set ('三级' ×1; feature # 2)" in err
    assert not (tmp_path / "s.gpkg").exists()


def test_planning_errors_exit_2_when_the_click_group_runs_standalone(broken_store: Path) -> None:
    """Through click's own main (CliRunner), not zoning.cli.main: still exit 2 with the message."""
    result = CliRunner().invoke(cli, ["layers", "list", str(broken_store)])
    assert result.exit_code == 2
    assert "Error: zone store" in result.output and "has 2 error(s)" in result.output


def test_python_dash_m_zoning_end_to_end(valid_store: Path, broken_store: Path) -> None:
    """The real command line, once for each exit code."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    ok = subprocess.run([sys.executable, "-m", "zoning", "layers", "validate", str(valid_store)],
                        capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=False)  # fmt: skip
    bad = subprocess.run([sys.executable, "-m", "zoning", "layers", "validate", str(broken_store)],
                         capture_output=True, text=True, cwd=REPO_ROOT, env=env, check=False)  # fmt: skip
    assert (ok.returncode, bad.returncode) == (0, 2), (ok.stderr, bad.stderr)
    assert "有效 valid" in ok.stdout
    assert "Traceback" not in bad.stderr and "has 2 error(s)" in bad.stderr
