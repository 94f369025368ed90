"""Helpers for the gis tests: every input file is written by the test itself, in tmp_path."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

# Two real county seats (approximate town centres, CGCS2000/WGS84 lon/lat).
XIANGTAN_COUNTY = (112.95, 27.78)  # 湘潭县 (易俗河)
CHANGSHA_COUNTY = (113.08, 28.25)  # 长沙县 (星沙)


@pytest.fixture
def counties_lonlat() -> gpd.GeoDataFrame:
    """Two 0.02-degree squares around the seats of 湘潭县 and 长沙县, EPSG:4326, Chinese names."""
    geoms = [box(x - 0.01, y - 0.01, x + 0.01, y + 0.01) for x, y in (XIANGTAN_COUNTY, CHANGSHA_COUNTY)]
    return gpd.GeoDataFrame({"name": ["湘潭县", "长沙县"], "code": [430321, 430121]}, geometry=geoms, crs="EPSG:4326")


@pytest.fixture
def points_lonlat() -> gpd.GeoDataFrame:
    """Two points at the county seats, EPSG:4326."""
    return gpd.GeoDataFrame(
        {"name": ["湘潭县", "长沙县"]}, geometry=[Point(*XIANGTAN_COUNTY), Point(*CHANGSHA_COUNTY)], crs="EPSG:4326"
    )


def write_shapefile(gdf: gpd.GeoDataFrame, folder: Path, name: str, *, encoding: str = "UTF-8") -> Path:
    """Write ``name.shp`` (+ sidecars) into ``folder`` with pyogrio; returns the .shp path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.shp"
    gdf.to_file(path, engine="pyogrio", encoding=encoding)
    return path


def zip_shapefile(shp: Path, out: Path, *, skip: tuple[str, ...] = (), prefix: str = "") -> Path:
    """Zip the sidecars of ``shp`` (except extensions in ``skip``) into ``out``."""
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(shp.parent.glob(f"{shp.stem}.*")):
            if f.suffix.lower().lstrip(".") not in skip:
                zf.write(f, arcname=prefix + f.name)
    return out
