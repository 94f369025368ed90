"""Zone and county geometries for the report maps and the GeoPackage export.

Results carry the overlap geometry but not the zone features themselves; those come
from the zone store that answered (``DataInfo.zones``), checked against the content hash
recorded at screening time so a report never draws a newer or different zone than the
one that was screened. County boundaries come from the store's ``admin`` layer or, when
the store has none, from the base geography shipped in data/base.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from gis.crs import STORAGE_CRS
from layers.paths import DATA_DIR
from zoning.model import ScreeningResult

__all__ = ["StoreLike", "ReportZones"]

log = logging.getLogger(__name__)


class StoreLike(Protocol):
    """What the reports need from ``layers.store.ZoneStore``."""

    @property
    def layer_ids(self) -> Sequence[str]: ...

    def layer(self, layer_id: str) -> gpd.GeoDataFrame: ...


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _GpkgReader:
    """Minimal read-only store: used only when ``layers.store`` cannot be imported."""

    def __init__(self, path: Path) -> None:
        import pyogrio

        self.path = path
        self.sha256 = _file_sha256(path)
        self.layer_ids = [str(name) for name, _ in pyogrio.list_layers(path)]

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        return gpd.read_file(self.path, layer=layer_id)


def _open_store(path: Path) -> Any:
    try:
        from layers.store import ZoneStore
    except ImportError as err:  # the store module is optional for reports
        log.info("zone store module not importable (%s); the report reads %s directly", err, path)
        return _GpkgReader(path)
    return ZoneStore.open(path)


def _base_counties_path() -> Path | None:
    base = DATA_DIR / "base"
    if not base.is_dir():
        return None
    # the display (simplified) set first: maps need no full-resolution boundaries
    candidates = [*sorted(base.rglob("*count*display*")), *sorted(base.rglob("*count*simplified*")),
                  *sorted(base.rglob("*count*"))]
    for cand in candidates:
        if cand.suffix.lower() in {".geojson", ".gpkg", ".json", ".fgb", ".shp"}:
            return cand
    return None


class ReportZones:
    """Zone features in EPSG:4490 by layer and feature id, read lazily and cached per report.

    Parameters
    ----------
    store
        A ``ZoneStore`` (or anything with ``layer_ids`` and ``layer(id)``), or None when no
        zone geometry is available; the maps then show the project and overlaps only.
    note
        Why zones are unavailable, for the report's notes.
    """

    def __init__(self, store: StoreLike | None, *, note: str = "") -> None:
        self.store = store
        self.note = note
        self._frames: dict[str, gpd.GeoDataFrame | None] = {}
        self._counties: gpd.GeoDataFrame | None | bool = False

    @classmethod
    def for_results(cls, results: Sequence[ScreeningResult], *, store: StoreLike | None = None) -> ReportZones:
        """Open the store the results were screened against, if it is still the same data.

        A store passed explicitly is trusted (the caller screened with it). Otherwise
        ``DataInfo.zones`` is opened and its sha256 compared with the recorded one.
        """
        if store is not None or not results:
            return cls(store)
        data = results[0].data
        path = Path(data.zones)
        if not path.is_file():
            log.warning("zone store %s of the results is gone; report maps without zones", path)
            return cls(None, note=str(path))
        try:
            opened = _open_store(path)
        except Exception as err:  # noqa: BLE001 - any failure only costs the map backdrop
            log.warning("zone store %s cannot be opened (%s: %s); report maps without zones", path, type(err).__name__, err)
            return cls(None, note=f"{path}: {err}")
        sha = str(getattr(opened, "sha256", ""))
        if data.sha256 and sha and sha != data.sha256:
            log.warning("zone store %s changed since the screening (sha256 %s, was %s); report maps without zones",
                        path, sha[:12], data.sha256[:12])
            return cls(None, note=f"{path} (sha256 {sha[:12]}… ≠ {data.sha256[:12]}…)")
        return cls(opened)

    @property
    def available(self) -> bool:
        return self.store is not None

    def frame(self, layer_id: str) -> gpd.GeoDataFrame | None:
        """The whole layer in EPSG:4490 with ``feature_id`` = row position, or None."""
        if layer_id not in self._frames:
            self._frames[layer_id] = self._load(layer_id)
        return self._frames[layer_id]

    def _load(self, layer_id: str) -> gpd.GeoDataFrame | None:
        if self.store is None or layer_id not in set(self.store.layer_ids):
            return None
        gdf = self.store.layer(layer_id)
        if not isinstance(gdf, gpd.GeoDataFrame):
            # an attribute table (the access list): its rows for the source table, no geometry
            table = gdf.reset_index(drop=True)
            table["feature_id"] = range(len(table))
            return table
        if gdf.crs is None:
            gdf = gdf.set_crs(STORAGE_CRS)
        elif not gdf.crs.equals(STORAGE_CRS):
            gdf = gdf.to_crs(STORAGE_CRS)
        gdf = gdf.reset_index(drop=True)
        gdf["feature_id"] = range(len(gdf))
        return gdf

    def features(self, layer_id: str, feature_ids: Iterable[int]) -> gpd.GeoDataFrame | None:
        """The features of ``layer_id`` at these row positions (unknown ids are skipped)."""
        gdf = self.frame(layer_id)
        if gdf is None:
            return None
        ids = sorted({int(i) for i in feature_ids if 0 <= int(i) < len(gdf)})
        return gdf.iloc[ids]

    def in_bbox(self, layer_id: str, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame | None:
        """Features of ``layer_id`` whose envelope meets ``bbox`` (lon/lat)."""
        gdf = self.frame(layer_id)
        if gdf is None or gdf.empty:
            return gdf
        idx = gdf.sindex.query(_box(bbox), predicate="intersects")
        return gdf.iloc[sorted(idx)]

    def counties(self, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame | None:
        """County polygons (EPSG:4490, column ``name``) meeting ``bbox``, or None."""
        if self._counties is False:
            self._counties = self._load_counties()
        gdf = self._counties
        if gdf is None or isinstance(gdf, bool) or gdf.empty:
            return None
        idx = gdf.sindex.query(_box(bbox), predicate="intersects")
        return gdf.iloc[sorted(idx)]

    def _load_counties(self) -> gpd.GeoDataFrame | None:
        admin = self.frame("admin")
        if admin is not None and not admin.empty:
            level = admin["level"].astype(str) if "level" in admin.columns else pd.Series("", index=admin.index)
            county = admin[level.str.contains("county|县|区|district", case=False, regex=True)]
            return county if not county.empty else admin
        path = _base_counties_path()
        if path is None:
            return None
        gdf = gpd.read_file(path)
        return gdf.set_crs(STORAGE_CRS, allow_override=True)  # CGCS2000 = WGS84 for screening


def _box(bbox: tuple[float, float, float, float]) -> Any:
    from shapely.geometry import box

    return box(*bbox)
