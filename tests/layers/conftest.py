"""Zone stores written by the tests themselves (hand-made geometry near Xiangtan, in tmp_path)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

# Around 湘潭 (lon/lat, CGCS2000): small squares well inside Hunan.
X0, Y0 = 112.90, 27.85


def square(i: int, size: float = 0.01) -> object:
    """A ``size``-degree square, the i-th along a row starting at (X0, Y0)."""
    x = X0 + i * 0.02
    return box(x, Y0, x + size, Y0 + size)


def write_store(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write each frame as a GeoPackage layer of ``path`` (frames without CRS allowed)."""
    for name, gdf in layers.items():
        with warnings.catch_warnings():
            # pyogrio warns when a frame has no CRS; the tests want exactly that.
            warnings.filterwarnings("ignore", message="'crs' was not provided")
            pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
    return path


def water_source() -> gpd.GeoDataFrame:
    """Three water-source zones, one per grade, official (legal_status 法定)."""
    return gpd.GeoDataFrame(
        {
            "name": ["湘江一水厂水源", "湘江一水厂水源", "湘江一水厂水源"],
            "grade": ["一级", "二级", "准保护区"],
            "legal_status": ["法定", "法定", "法定"],
            "source": ["湘政函〔2016〕176号"] * 3,
        },
        geometry=[square(0), square(1), square(2)],
        crs="EPSG:4490",
    )


def eco_redline() -> gpd.GeoDataFrame:
    """Two red-line polygons without legal_status (the default 法定 applies)."""
    return gpd.GeoDataFrame(
        {"name": ["韶山红线", "昭山红线"], "category": ["一般", "自然保护地核心保护区"]},
        geometry=[square(3), square(4)],
        crs="EPSG:4490",
    )


def water_intake() -> gpd.GeoDataFrame:
    """One illustrative intake point."""
    return gpd.GeoDataFrame(
        {"name": ["一水厂取水口"], "source_type": ["河流型"], "legal_status": ["示意"]},
        geometry=[Point(X0 + 0.005, Y0 + 0.005)],
        crs="EPSG:4490",
    )


def shoreline() -> gpd.GeoDataFrame:
    """A shoreline line and a shoreline polygon (both allowed), one official, one illustrative."""
    return gpd.GeoDataFrame(
        {
            "name": ["湘江岸线", "涓水岸线"],
            "river": ["湘江", "涓水"],
            "rank": ["干流", "支流"],
            "legal_status": ["法定", "示意"],
        },
        geometry=[LineString([(X0, Y0), (X0 + 0.1, Y0 + 0.02)]), square(5)],
        crs="EPSG:4490",
    )


@pytest.fixture
def valid_store(tmp_path: Path) -> Path:
    """Four catalogue layers (water_source, eco_redline, water_intake, shoreline) plus one extra layer."""
    extra = gpd.GeoDataFrame({"note": ["规划底图"]}, geometry=[square(6)], crs="EPSG:4490")
    return write_store(
        tmp_path / "zones.gpkg",
        {
            "water_source": water_source(),
            "eco_redline": eco_redline(),
            "water_intake": water_intake(),
            "shoreline": shoreline(),
            "basemap_notes": extra,
        },
    )
