"""Resource limits (gis.limits): bombs made here are refused within seconds, under a small
memory budget, with the limit named and the setting that raises it.

Memory is measured in a child process (``resource.getrusage`` peak RSS before and after
the read), so the test process's own allocations do not blur it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gis.errors import DataSourceError, LimitError
from gis.io import read_features
from gis.limits import Limits, describe_bytes, env_var, limits_in_force, read_limited

REPO = Path(__file__).resolve().parents[2]

# A child that reads one input and prints (seconds, peak-RSS growth in MiB, outcome).
_PROBE = textwrap.dedent(
    """
    import json, resource, sys, time
    from gis.io import read_features
    from gis.errors import PlanningError
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        read_features(sys.argv[1])
        outcome = "read"
    except PlanningError as err:
        outcome = type(err).__name__ + ": " + str(err)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"seconds": time.perf_counter() - t0, "grown_mib": grown, "outcome": outcome}))
    """
)


def _probe(path: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _geojson_bomb(path: Path, *, gib: float) -> Path:
    """A zip whose one GeoJSON member expands to ``gib`` GiB of spaces (a few MB on disk)."""
    size = int(gib * 2**30)
    head = b'{"type": "FeatureCollection", "features": [], "x": "'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("bomb.geojson", "w", force_zip64=True) as fh:
            fh.write(head)
            block = b" " * (1 << 20)
            for _ in range(size // len(block)):
                fh.write(block)
            fh.write(b'"}')
    return path


@pytest.fixture(scope="module")
def bomb_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _geojson_bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip", gib=1)


def test_a_zip_bomb_is_refused_from_its_central_directory(bomb_zip: Path) -> None:
    assert bomb_zip.stat().st_size < 8 * 2**20  # a few MB on disk ...
    result = _probe(bomb_zip)  # ... 1 GiB inside: a ratio of about 1000:1
    assert str(result["outcome"]).startswith("LimitError")
    assert "limit zip_ratio" in str(result["outcome"]) and env_var("zip_ratio") in str(result["outcome"])
    assert float(result["seconds"]) < 5
    assert float(result["grown_mib"]) < 100


def test_raising_the_ratio_limit_lets_the_size_limit_speak(bomb_zip: Path) -> None:
    result = _probe(bomb_zip, env={"ZONING_MAX_ZIP_RATIO": "100000", "ZONING_MAX_UNZIPPED_BYTES": "512M"})
    assert "limit unzipped_bytes" in str(result["outcome"]) and "ZONING_MAX_UNZIPPED_BYTES" in str(result["outcome"])
    assert float(result["grown_mib"]) < 100


def test_a_kmz_bomb_is_refused(tmp_path: Path) -> None:
    kmz = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(kmz, "w", compression=zipfile.ZIP_DEFLATED) as zf, zf.open("doc.kml", "w", force_zip64=True) as fh:
        fh.write(b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><!--')
        for _ in range(512):
            fh.write(b"A" * (1 << 20))  # 512 MiB of comment
        fh.write(b"--></Document></kml>")
    result = _probe(kmz)
    assert str(result["outcome"]).startswith("LimitError") and "bomb.kmz" in str(result["outcome"])
    assert float(result["seconds"]) < 5 and float(result["grown_mib"]) < 100


def test_a_member_whose_header_understates_its_size_is_caught_while_streaming(tmp_path: Path) -> None:
    # The central directory says 100 bytes; the deflate stream holds 64 MiB. Reading stops
    # at the declared size and the CRC check exposes the lie: a damaged archive, no bomb.
    member = b'{"type":"FeatureCollection","features":[]}' + b" " * (64 * 2**20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar.geojson", member)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (100).to_bytes(4, "little")  # uncompressed size in the central directory
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(DataSourceError, match=r"liar.zip is a damaged or unsupported zip archive"):
        read_features(path)


def test_text_inputs_are_held_to_the_text_limit(tmp_path: Path) -> None:
    csv = tmp_path / "big.csv"
    csv.write_text("lon,lat\n" + "113.1,28.2\n" * 200_000)
    with pytest.raises(LimitError, match=r"big.csv: the size of a text input is 2\.\d MiB, above the limit of 1\.0 MiB"):
        read_features(csv, limits=Limits(text_bytes=2**20))
    assert len(read_features(csv)) == 200_000  # the default limit admits it


def test_feature_count_is_checked_from_the_header_before_reading(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(113 + i * 1e-4, 28) for i in range(2000)], crs=4490)
    path = tmp_path / "many.gpkg"
    gdf.to_file(path)
    with pytest.raises(LimitError, match=r"number of features in one input is 2,000, above the limit of 1,000") as info:
        read_features(path, limits=Limits(features=1000))
    assert info.value.limit_name == "features"
    assert "ZONING_MAX_FEATURES" in str(info.value) and "ZONING_MAX_FEATURES" in (info.value.zh or "")


def test_vertex_count_is_checked(tmp_path: Path) -> None:
    ring = [(113 + 0.01 * shapely.geometry.Point(0, 0).x + i * 1e-5, 28 + (i % 2) * 1e-5) for i in range(5000)]
    line = shapely.LineString(ring)
    path = tmp_path / "long.geojson"
    gpd.GeoDataFrame(geometry=[line], crs=4490).to_file(path)
    with pytest.raises(LimitError, match=r"number of vertices in one input is 5,000, above the limit of 4,000"):
        read_features(path, limits=Limits(vertices=4000))


def test_dev_zero_is_refused_as_a_device_not_called_empty() -> None:
    with pytest.raises(DataSourceError, match=r"/dev/zero is not a regular file but a character device") as info:
        read_features("/dev/zero")
    assert "empty" not in str(info.value)
    assert "字符设备" in (info.value.zh or "")


def test_a_stream_is_refused_once_it_passes_the_limit() -> None:
    t0 = time.perf_counter()
    with limits_in_force(Limits(config_bytes=2**20)), pytest.raises(LimitError, match=r"more than 1\.0 MiB"):
        read_limited("/dev/zero", "config_bytes", "rules file /dev/zero")
    assert time.perf_counter() - t0 < 2


def test_limits_from_the_environment() -> None:
    limits = Limits.from_env({"ZONING_MAX_UNZIPPED_BYTES": "4G", "ZONING_MAX_FEATURES": "1000", "ZONING_MAX_ZIP_RATIO": "50"})
    assert limits.unzipped_bytes == 4 * 2**30 and limits.features == 1000 and limits.zip_ratio == 50.0
    with pytest.raises(LimitError, match=r"ZONING_MAX_BATCH='lots' is not a positive number"):
        Limits.from_env({"ZONING_MAX_BATCH": "lots"})
    assert describe_bytes(1536) == "1.5 KiB"


def test_rules_from_dev_zero_exit_2_quickly_and_small(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import resource, subprocess, sys, json
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run([sys.executable, "-m", "zoning", "screen", "POINT (113 28)", "--type", "road",
                               "--rules", "/dev/zero"], capture_output=True, text=True, timeout=60)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({"rc": done.returncode, "err": done.stderr, "peak_mib": peak}))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=90)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rc"] == 2
    assert "config_bytes" in result["err"] and "ZONING_MAX_CONFIG_BYTES" in result["err"]
    assert "empty" not in result["err"] and "Traceback" not in result["err"]
    assert result["err"].startswith("错误：")
    assert result["peak_mib"] < 400  # the whole CLI process, libraries included
