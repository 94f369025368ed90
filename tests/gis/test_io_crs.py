"""gis.io CRS handling end to end: overrides, GCJ-02 on every vertex, datums, plausibility."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, note, settings
from pyproj import Geod
from shapely.geometry import Polygon

from gis.crs import wgs84_to_gcj02
from gis.errors import CRSError
from gis.io import read_features
from tests.strategies import hunan_polygons_lonlat

GEOD = Geod(ellps="WGS84")


def _gcj_polygon(poly: Polygon) -> Polygon:
    """The polygon as a Gaode map would show it: every vertex shifted by the (independently
    checked, see test_crs.py) forward GCJ-02 formula."""
    xy = np.asarray(poly.exterior.coords)
    g_lon, g_lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    return Polygon(np.column_stack([g_lon, g_lat]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hunan_polygons_lonlat(with_hole=False))
def test_gcj02_polygon_is_converted_on_every_vertex(tmp_path: Path, poly: Polygon) -> None:
    note(poly.wkt)
    path = tmp_path / "gaode.geojson"
    gpd.GeoDataFrame(geometry=[_gcj_polygon(poly)], crs="EPSG:4326").to_file(path, engine="pyogrio")
    fs = read_features(path, crs="gcj02")
    assert fs.input_crs == "gcj02"
    assert fs.gdf.crs.to_epsg() == 4490
    got = np.asarray(fs.gdf.geometry.iloc[0].exterior.coords)
    want = np.asarray(poly.exterior.coords)
    assert got.shape == want.shape
    _, _, err_m = GEOD.inv(want[:, 0], want[:, 1], got[:, 0], got[:, 1])
    assert np.max(err_m) < 0.5
    assert any("converted GCJ-02 coordinates to CGCS2000" in n for n in fs.notes)


def test_crs_override_replaces_the_file_crs_with_a_note(tmp_path: Path, points_lonlat: gpd.GeoDataFrame) -> None:
    path = tmp_path / "p.gpkg"
    points_lonlat.to_file(path, engine="pyogrio")
    fs = read_features(path, crs="EPSG:4490")
    assert fs.input_crs == "EPSG:4490"
    assert any("not the file's own EPSG:4326" in n for n in fs.notes)


@pytest.mark.parametrize(("crs", "datum"), [("EPSG:4214", "Beijing 1954"), ("EPSG:4610", "Xian 1980")])
def test_geographic_old_chinese_datums_are_refused(crs: str, datum: str) -> None:
    with pytest.raises(CRSError, match=rf"WKT text is in {crs} on the {datum} datum, which differs from CGCS2000"):
        read_features("POINT (113 28)", crs=crs)


def test_degrees_in_a_projected_file_are_explained(tmp_path: Path, points_lonlat: gpd.GeoDataFrame) -> None:
    path = tmp_path / "wrong.gpkg"
    points_lonlat.set_crs(4547, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(
        CRSError,
        match=r"wrong.gpkg is declared in the projected CRS EPSG:4547 \(metres\) but its coordinates such as \(112.95000, 27.78000\) look like degrees",
    ):
        read_features(path)


def test_large_geopackage_uses_the_arrow_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """100 000 twelve-vertex polygons across Hunan: read through Arrow, in seconds."""
    n = 100_000
    rng = np.random.default_rng(0)
    x = rng.uniform(108.7, 114.2, n)
    y = rng.uniform(24.7, 30.1, n)
    angles = np.linspace(0, 2 * np.pi, 13)[:-1]
    coords = np.stack([x[:, None] + 0.002 * np.cos(angles), y[:, None] + 0.002 * np.sin(angles)], axis=-1)
    polys = shapely.polygons(shapely.linearrings(coords.reshape(-1, 2), indices=np.repeat(np.arange(n), 12)))
    path = tmp_path / "big.gpkg"
    frame = gpd.GeoDataFrame({"name": np.arange(n).astype(str)}, geometry=polys, crs="EPSG:4490")
    pyogrio.write_dataframe(frame, path, layer="eco_redline", use_arrow=True)

    calls: list[dict[str, object]] = []
    real = pyogrio.read_dataframe

    def spy(*args: object, **kwargs: object) -> gpd.GeoDataFrame:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    start = time.perf_counter()
    fs = read_features(path)
    elapsed_s = time.perf_counter() - start
    assert len(fs) == n
    assert [c.get("use_arrow") for c in calls] == [True]
    # About 0.4 s on the development machine; the bound leaves room for a busy CI runner.
    assert elapsed_s < 10.0
