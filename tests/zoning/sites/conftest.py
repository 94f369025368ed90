"""Constructed stores for the site finder: hand-built squares and lines in Gauss-Kruger metres.

The "county" is a 10 km x 10 km square with its lower-left corner at (X0, Y0) of EPSG:4547
(CM 114E); expected areas are computed by hand from the squares' sides.
"""

from __future__ import annotations

from typing import Any

import pytest

from gis.text import Text
from tests.zoning._engine_support import GK114, X0, Y0, MemoryStore, lonlat, rect, zone_frame
from zoning.sites import area_from_geometry

COUNTY_M = 10_000.0


def county_frame() -> Any:
    return zone_frame([{"adcode": "430421", "name": "测试县", "level": "区县",
                        "geometry": rect(X0, Y0, COUNTY_M, COUNTY_M)}])


def memory_store(layers: dict[str, Any], **kwargs: Any) -> MemoryStore:
    """A store of ``layers`` plus the county as its admin layer."""
    return MemoryStore({"admin": county_frame(), **layers}, **kwargs)


def county_area() -> Any:
    """The county as a search area (lon/lat, as a user gives it)."""
    return area_from_geometry(lonlat(rect(X0, Y0, COUNTY_M, COUNTY_M)), label=Text("测试县", "test county"),
                              key="test:county")


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test gets an empty cache folder of its own (the user's cache is never touched)."""
    monkeypatch.setenv("ZONING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


__all__ = ["GK114", "X0", "Y0", "COUNTY_M", "county_frame", "memory_store", "county_area", "rect", "zone_frame",
           "lonlat"]
