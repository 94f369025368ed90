"""Helpers for the engine tests: tiny zone stores and CRS conversions of hand-built shapes.

Geometry is built in a Gauss-Kruger zone (metres), where expected areas and distances are
hand-computed, and converted to CGCS2000 lon/lat for the projects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

GK114 = "EPSG:4547"  # CGCS2000 3-degree Gauss-Kruger CM 114E, false easting 500 km
GK114_ZONE = "EPSG:4526"  # the same zone with the zone number 38 in the easting
LONLAT = "EPSG:4490"
#: 114.0E ~28.0N: on the central meridian of EPSG:4547 (just east of Hunan's border; tests only).
X0, Y0 = 500_000.0, 3_100_000.0


def transform(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """``geom`` from ``src`` to ``dst`` (always x/y = lon/lat order)."""
    tr = Transformer.from_crs(src, dst, always_xy=True)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _xy)


def lonlat(geom: BaseGeometry, src: str = GK114) -> BaseGeometry:
    return transform(geom, src, LONLAT)


def rect(x: float, y: float, w: float, h: float) -> BaseGeometry:
    """Axis-aligned rectangle with lower-left corner (x, y) in metres."""
    return shapely.box(x, y, x + w, y + h)


def zone_frame(rows: Sequence[Mapping[str, Any]], crs: str = GK114) -> gpd.GeoDataFrame:
    """A layer GeoDataFrame from rows holding ``geometry`` plus attribute fields."""
    records = [{k: v for k, v in r.items() if k != "geometry"} for r in rows]
    return gpd.GeoDataFrame(records, geometry=[r["geometry"] for r in rows], crs=crs)


class MemoryStore:
    """A zone store held in memory, with the interface of ``layers.store.ZoneStore`` the
    engine uses (test double: rule and geometry tests need no GeoPackage I/O). Its layers
    are those of the catalogue (default: the packaged one), in catalogue order; ``coverage``
    holds ``layers.coverage.LayerCoverage`` records by layer."""

    def __init__(
        self,
        layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
        *,
        path: str = "memory",
        catalog: Any = None,
        coverage: Mapping[str, Any] | None = None,
    ) -> None:
        from layers.catalog import load_catalog

        self.catalog = catalog if catalog is not None else load_catalog()
        self._layers = {}
        self._coverage = dict(coverage or {})
        digest = hashlib.sha256()
        for lid, gdf in layers.items():
            gdf = gdf.copy()
            if "legal_status" not in gdf.columns:
                gdf["legal_status"] = "法定"
            gdf["legal_status"] = gdf["legal_status"].fillna("法定")
            self._layers[lid] = gdf
            digest.update(lid.encode())
            if isinstance(gdf, gpd.GeoDataFrame):
                for wkb in shapely.to_wkb(np.asarray(gdf.geometry.to_numpy(), dtype=object)):
                    digest.update(wkb)
                digest.update(gdf.drop(columns=gdf.geometry.name).to_csv().encode())
                digest.update(str(gdf.crs).encode())
            else:
                digest.update(gdf.to_csv().encode())
        digest.update(repr(sorted((k, v.adcodes, v.extent_wkt) for k, v in self._coverage.items())).encode())
        self.path = path
        self.sha256 = digest.hexdigest()
        self.layer_ids = tuple(lid for lid in self.catalog.layers if lid in self._layers)
        self.absent_layers = tuple(lid for lid in self.catalog.layers if lid not in self._layers)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        return self._layers[layer_id]

    def coverage(self, layer_id: str) -> Any:
        return self._coverage.get(layer_id)

    def legal_status(self, layer_id: str) -> str:
        values = set(self._layers[layer_id]["legal_status"])
        return values.pop() if len(values) == 1 else "混合"


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write ``layers`` into one GeoPackage (each in its own CRS)."""
    for lid, gdf in layers.items():
        gdf.to_file(path, layer=lid, driver="GPKG")
    return path


def open_gpkg_store(path: Path) -> Any:
    """Open a GeoPackage zone store with the product's ZoneStore."""
    from layers.store import ZoneStore

    return ZoneStore.open(path)
