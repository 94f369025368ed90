"""Zone stores written by the tests themselves (hand-made geometry near Xiangtan, in tmp_path)."""

from __future__ import annotations

import warnings
import zipfile
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


def probe_projects() -> list:
    """Projects across ``valid_store``'s zones: inside, on a border, near, and one far away."""
    from zoning.model import Project

    return [
        Project("a", "livestock_farm", box(X0 + 0.002, Y0 + 0.002, X0 + 0.004, Y0 + 0.004), {"scale_head": 800}),
        Project("b", "road", box(X0 + 0.015, Y0 + 0.001, X0 + 0.03, Y0 + 0.003)),
        Project("c", "industrial", box(X0 + 0.061, Y0 + 0.004, X0 + 0.065, Y0 + 0.006)),
        Project("d", "housing", box(X0 + 0.2, Y0 + 0.1, X0 + 0.201, Y0 + 0.101)),
    ]


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


def build_valid_store(path: Path) -> Path:
    """Four catalogue layers (water_source, eco_redline, water_intake, shoreline) plus one extra layer."""
    extra = gpd.GeoDataFrame({"note": ["规划底图"]}, geometry=[square(6)], crs="EPSG:4490")
    layers = {
        "water_source": water_source(),
        "eco_redline": eco_redline(),
        "water_intake": water_intake(),
        "shoreline": shoreline(),
        "basemap_notes": extra,
    }
    return write_store(path, layers)


@pytest.fixture
def valid_store(tmp_path: Path) -> Path:
    return build_valid_store(tmp_path / "zones.gpkg")


# 3-degree Gauss-Kruger zone 38 (CM 114E) with the zone prefix, near Xiangtan (about 112.9E, 27.85N).
E0, N0 = 38_392_000.0, 3_082_000.0

# A .prj as Chinese desktop GIS writes it: only "Gauss_Kruger" and its parameters, no EPSG code.
GK_PRJ = (
    'PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def official_water_source(grades: tuple[str, ...] = ("一级保护区", "二级保护区", "准保护区")) -> gpd.GeoDataFrame:
    """Three rectangles 1000 m x 500 m (area 500,000 m2 each), 2 km apart, Chinese field names."""
    geoms = [box(E0 + i * 2000, N0, E0 + i * 2000 + 1000, N0 + 500) for i in range(len(grades))]
    return gpd.GeoDataFrame(
        {"名称": ["湘潭市一水厂水源地"] * len(grades), "级别": list(grades), "备注": ["县环保局提供"] * len(grades)},
        geometry=geoms,
        crs="EPSG:4526",
    )


def zipped_gbk_shapefile(gdf: gpd.GeoDataFrame, folder: Path, name: str = "水源保护区") -> Path:
    """Write ``gdf`` as a GBK shapefile with a bare Gauss_Kruger .prj and no .cpg, zipped."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / f"{name}.shp"
    gdf.to_file(shp, engine="pyogrio", encoding="GBK")
    (folder / f"{name}.prj").write_text(GK_PRJ)
    out = folder.parent / f"{name}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.glob(f"{name}.*")):
            if f.suffix != ".cpg":  # Chinese desktop GIS often omits it: the encoding is detected
                zf.write(f, arcname=f.name)
    return out
