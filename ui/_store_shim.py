"""SHIM (app-owned, temporary): a minimal read-only zone store for when ``layers.store`` has
not landed yet. It offers exactly the documented ``ZoneStore`` interface the app and the
engine use (path, sha256, layer_ids, absent_layers, layer(), legal_status()) and nothing
else: no validation, no import. ``ui.cache.get_store`` prefers ``layers.store.ZoneStore``
whenever it can be imported; delete this module once it has landed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from gis.errors import DataSourceError

__all__ = ["ShimZoneStore"]

_KNOWN = ("eco_redline", "water_source", "water_intake", "livestock_zone", "green_heart", "nature_reserve",
          "scenic_area", "shoreline", "admin")  # fmt: skip


@dataclass(frozen=True, eq=False)
class ShimZoneStore:
    path: Path
    sha256: str
    layer_ids: tuple[str, ...]
    absent_layers: tuple[str, ...]
    _layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: Path) -> ShimZoneStore:
        if not Path(path).is_file():
            msg = f"zone store {path} does not exist; expected a GeoPackage such as data/zones.gpkg"
            raise DataSourceError(msg)
        try:
            names = [str(n) for n, _g in pyogrio.list_layers(path)]
        except Exception as err:  # noqa: BLE001 - any GDAL failure means "cannot open"
            msg = f"zone store {path} cannot be opened as a GeoPackage ({err})"
            raise DataSourceError(msg) from err
        present = tuple(n for n in _KNOWN if n in names)
        layers = {}
        for name in present:
            gdf = gpd.read_file(path, layer=name)
            if "legal_status" not in gdf.columns:
                gdf["legal_status"] = "法定"
            gdf["legal_status"] = gdf["legal_status"].fillna("法定")
            layers[name] = gdf
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        absent = tuple(n for n in _KNOWN if n not in names)
        return cls(Path(path), digest, present, absent, layers)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        return self._layers[layer_id]

    def legal_status(self, layer_id: str) -> str:
        values: Sequence[Any] = sorted(set(self._layers[layer_id]["legal_status"].astype(str)))
        if list(values) == ["法定"]:
            return "法定"
        if list(values) == ["示意"]:
            return "示意"
        return "混合" if values else "法定"
