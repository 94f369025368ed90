"""A small hand-built zone store for the app tests, and AppTest helpers.

All zone squares are drawn in EPSG:4547 (CGCS2000 Gauss-Kruger, 3-degree zone, CM 114°E),
the work CRS the engine picks for projects near 112.9°E, so expected areas and lengths
are simple arithmetic in metres. Project coordinates are those corners converted to
lon/lat with pyproj (an independent tool), written with 9 decimals (< 0.1 mm).

Layout (x, y offsets in metres from ORIGIN):

    water_source 一级  "测试一级水源"  x 0..1000,     y 0..1000
    water_source 二级  "测试二级水源"  x -3000..-2000, y 0..1000
    eco_redline  一般  "测试红线"      x 3000..4000,  y 0..1000
    admin              "测试县"        x -10000..10000, y -10000..10000
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import box

from ui import state

ORIGIN = (391650.0, 3082300.0)  # about 112.9°E, 27.85°N in EPSG:4547
GK = "EPSG:4547"
_TO_LONLAT = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown element's source: data in it is written as character
    references (``ui.escape.md_text``), which Markdown shows as the characters."""
    return html.unescape(markdown)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """lon/lat of the point ORIGIN + (dx, dy) metres."""
    return _TO_LONLAT.transform(ORIGIN[0] + dx, ORIGIN[1] + dy)


def coords_text(offsets: list[tuple[float, float]]) -> str:
    """Typed-coordinates text (one 'lon, lat' per line) for GK offsets."""
    return "\n".join("{:.9f}, {:.9f}".format(*lonlat(dx, dy)) for dx, dy in offsets)


def _square(x0: float, y0: float, x1: float, y1: float):
    return box(ORIGIN[0] + x0, ORIGIN[1] + y0, ORIGIN[0] + x1, ORIGIN[1] + y1)


def build_store(path: Path) -> Path:
    """Write the test zone store (a GeoPackage) to ``path``."""
    layers = {
        "water_source": gpd.GeoDataFrame(
            {"name": ["测试一级水源", "测试二级水源"], "grade": ["一级", "二级"], "legal_status": ["示意", "示意"],
             "source": ["测试数据", "测试数据"]},
            geometry=[_square(0, 0, 1000, 1000), _square(-3000, 0, -2000, 1000)], crs=GK,
        ),
        "eco_redline": gpd.GeoDataFrame(
            {"name": ["测试红线"], "category": ["一般"], "legal_status": ["示意"], "source": ["测试数据"]},
            geometry=[_square(3000, 0, 4000, 1000)], crs=GK,
        ),
        "admin": gpd.GeoDataFrame(
            {"adcode": ["430321"], "name": ["测试县"], "level": ["区县"]},
            geometry=[_square(-10000, -10000, 10000, 10000)], crs=GK,
        ),
    }  # fmt: skip
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture(scope="session")
def test_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("store") / "zones_test.gpkg")


@pytest.fixture
def use_test_store(test_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test store, with screening open to everyone (the pages' own tests; sign-in and
    roles are tested in tests/ui/test_access.py)."""
    monkeypatch.setenv("ZONING_STORE", str(test_store))
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")
    yield test_store


APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(use_test_store: Path):
    """An AppTest of the whole app (sidebar + navigation) on the test store, run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def page(at, name: str):
    """Switch ``at`` to pages/<name>.py and run it."""
    at.switch_page(f"pages/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


__all__ = ["ORIGIN", "GK", "lonlat", "coords_text", "build_store", "page", "state", "os"]
