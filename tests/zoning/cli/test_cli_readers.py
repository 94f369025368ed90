"""The CLI and store parts of issue 19 item 5/6 and issue 13 item 1: a store with nothing to
screen is refused, usage errors in Chinese, real causes named, history stamped in +08:00,
work copies of killed edits cleaned and reported."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers import _gpkg
from layers.importer import import_layer, list_versions
from tests.layers.conftest import build_valid_store, water_source, write_store
from zoning.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


# --- a store with nothing to screen ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["only extra layers", "catalogue layer without geometry"])
def test_store_without_a_screenable_layer_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    store = tmp_path / "zones.gpkg"
    if kind == "only extra layers":
        gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.box(112.9, 28.2, 113, 28.3)], crs=4490).to_file(
            store, layer="roads"
        )
    else:
        import pyogrio

        frame = gpd.pd.DataFrame({"name": ["x"], "grade": ["一级"]})
        pyogrio.write_dataframe(frame, store, layer="water_source", driver="GPKG")
    code, out, err = run(capsys, "screen", "POINT (112.95 28.25)", "--type", "road", "--zones", store, "--fail-on", "review")
    assert code == 2, out
    assert out == "" and "clear" not in out
    assert err.startswith("错误：")
    code, _, err = run(capsys, "layers", "validate", store)
    assert code == 2


# --- usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "zh"),
    [
        (["screen"], "缺少参数 PROJECT_FILE"),
        (["screen", "x", "--bogus"], "没有选项 --bogus"),
        (["screen", "a", "b"], "多余的参数：b"),
        (["screen", "x", "--format", "nope"], "参数 --format 的值无效：'nope' 不是可选值之一"),
        (["nosuch"], "没有子命令“nosuch”"),
        (["layers", "rollback", "s.gpkg", "water_source", "vv"], "参数 VERSION 的值无效：“vv”：应为版本号"),
    ],
)
def test_usage_errors_are_bilingual(capsys: pytest.CaptureFixture[str], args: list[str], zh: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert f"错误：{zh}" in err and "\nError: " in err
    assert err.index("错误：") < err.index("\nError: ")


# --- the real cause ----------------------------------------------------------------------------


def test_nan_coordinate_is_named_not_called_missing_geometry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Point","coordinates":[NaN,28.1]}}]}'
    )
    code, _, err = run(capsys, "screen", path, "--type", "road")
    assert code == 2
    assert "coordinate value nan, which is not a number" in err and "without geometry" not in err


def test_dev_zero_as_project_is_not_called_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "screen", "/dev/zero", "--type", "road")
    assert code == 2 and "character device" in err and "empty" not in err


def test_a_file_name_with_a_semicolon_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "项目;二期.csv"
    path.write_text("lon,lat\n112.93,28.23\n", encoding="utf-8")
    code, out, err = run(capsys, "screen", path, "--type", "road")
    assert code == 0, err
    assert '"verdict"' in out


def test_batch_limit_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("lon,lat\n" + "".join(f"{112.9 + i * 0.001},28.2\n" for i in range(30)), encoding="utf-8")
    monkeypatch.setenv("ZONING_MAX_BATCH", "10")
    code, _, err = run(capsys, "screen", path, "--type", "road")
    assert code == 2 and "limit batch" in err and "ZONING_MAX_BATCH" in err


# --- store history and work copies -------------------------------------------------------------


def test_history_is_stamped_in_china_time_whatever_the_machine_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        src = tmp_path / "ws.geojson"
        water_source().to_file(src)
        import_layer(tmp_path / "s.gpkg", src, layer_id="water_source")
        stamp = list_versions(tmp_path / "s.gpkg", "water_source")[0].recorded_at
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert stamp.endswith("+08:00")


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_work_copies_of_killed_edits_are_reported_and_cleaned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = build_valid_store(tmp_path / "zones.gpkg")
    stale = tmp_path / f".zones.{_dead_pid()}.abcd1234.gpkg"
    live = tmp_path / f".zones.{os.getppid()}.efgh5678.gpkg"
    legacy = tmp_path / ".zones.ijkl9012.gpkg"
    for copy in (stale, live, legacy):
        copy.write_bytes(store.read_bytes())
    code, out, _ = run(capsys, "layers", "validate", store)
    assert code == 0
    assert f"{stale.name}" in out and "did not finish" in out
    assert f"{live.name}" in out and "in progress" in out
    assert f"{legacy.name}" in out and "owner unknown" in out
    src = tmp_path / "ws.geojson"
    water_source().to_file(src)
    import_layer(store, src, layer_id="water_source", replace=True)
    assert not stale.exists()  # provably stale: removed under the lock
    assert live.exists() and legacy.exists()  # not provably stale: kept
    assert _gpkg.stale_work_copies(store) == []


def test_store_with_only_warnings_still_screens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = write_store(tmp_path / "z.gpkg", {"water_source": water_source()})
    code, out, _ = run(capsys, "screen", "POINT (112.95 28.25)", "--type", "road", "--zones", store)
    assert code == 0 and '"verdict"' in out
