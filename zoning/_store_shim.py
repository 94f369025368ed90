"""SHIM: a minimal read-only GeoPackage zone store, used only while ``layers.store`` is absent.

``layers.store.ZoneStore`` (docs/ARCHITECTURE.md) is the real store, with full schema
validation; ``zoning.engine.open_store`` prefers it whenever it can be imported. This shim
offers just what the engine reads: path, sha256, layer_ids, absent_layers, layer(),
legal_status(). Remove it once layers.store has landed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from gis.errors import DataSourceError
from zoning._catalog_schema import load_layer_schemas

__all__ = ["GpkgStore"]


class GpkgStore:
    """Read-only view of a zone GeoPackage (layers named as in data/catalog.yaml)."""

    def __init__(self, path: Path, catalog_path: Path) -> None:
        try:
            raw = path.read_bytes()
            names = {str(row[0]) for row in pyogrio.list_layers(path)}
        except (OSError, pyogrio.errors.DataSourceError) as err:
            msg = f"zone store {str(path)!r} cannot be opened as a GeoPackage: {err}"
            raise DataSourceError(msg) from err
        known = list(load_layer_schemas(catalog_path))
        self.path = path
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.layer_ids = tuple(lid for lid in known if lid in names)
        self.absent_layers = tuple(lid for lid in known if lid not in names)
        self._cache: dict[str, Any] = {}

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in self._cache:
            gdf = gpd.read_file(self.path, layer=layer_id)
            if "legal_status" not in gdf.columns:
                gdf["legal_status"] = "法定"
            gdf["legal_status"] = gdf["legal_status"].fillna("法定")
            self._cache[layer_id] = gdf
        return self._cache[layer_id]

    def legal_status(self, layer_id: str) -> str:
        values = set(self.layer(layer_id)["legal_status"])
        return values.pop() if len(values) == 1 else "混合"
