"""Bureau fixtures: the database in SQLite and in a real PostgreSQL, a store with two versions.

The versioned store is built through the importer, in CGCS2000 Gauss-Kruger metres (EPSG:4547)
near 湘潭:

    admin        测试县 (no version history)         x -10000..10000, y -10000..10000
    water_source v1, effective 2016-12-30: 二级 "旧水源" x 0..1000, y 0..1000
    water_source v2, effective 2024-07-01: 一级 "新水源" x 0..1000, y 0..1000

A road at (500, 500) lies in a grade-2 zone until 2024-07-01 and in a grade-1 zone after.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import box

from layers.importer import import_layer
from tests.postgres import fresh_database
from zoning.bureau.db import Database

GK = "EPSG:4547"
ORIGIN = (391650.0, 3082300.0)  # about 112.9°E, 27.85°N
_TO_LONLAT = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    return _TO_LONLAT.transform(ORIGIN[0] + dx, ORIGIN[1] + dy)


def point_wkt(dx: float, dy: float) -> str:
    return "POINT ({:.9f} {:.9f})".format(*lonlat(dx, dy))


def _square(x0: float, y0: float, x1: float, y1: float):
    return box(ORIGIN[0] + x0, ORIGIN[1] + y0, ORIGIN[0] + x1, ORIGIN[1] + y1)


def build_versioned_store(folder: Path) -> Path:
    store = folder / "county.gpkg"
    admin = gpd.GeoDataFrame({"adcode": ["430321"], "name": ["测试县"], "level": ["区县"]},
                             geometry=[_square(-10000, -10000, 10000, 10000)], crs=GK)  # fmt: skip
    pyogrio.write_dataframe(admin, store, layer="admin", driver="GPKG")
    for n, (name, grade, day) in enumerate((("旧水源", "二级", "2016-12-30"), ("新水源", "一级", "2024-07-01")), 1):
        src = folder / f"water_v{n}.gpkg"
        frame = gpd.GeoDataFrame({"name": [name], "grade": [grade]}, geometry=[_square(0, 0, 1000, 1000)], crs=GK)
        pyogrio.write_dataframe(frame, src, layer="water_source", driver="GPKG")
        import_layer(store, src, layer_id="water_source", effective_date=day, replace=n > 1, imported_by="tester",
                     source=f"测试批复 {n}")  # fmt: skip
    return store


@pytest.fixture
def versioned_store(tmp_path: Path) -> Path:
    return build_versioned_store(tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The bureau's database: a SQLite file, and a database on the session's real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'bureau.sqlite3'}"
    return fresh_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(db_url: str) -> Database:
    return Database.open(db_url)

