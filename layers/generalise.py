"""What the public sees of a layer the catalogue marks ``sensitive: true``: generalised geometry.

Some boundaries may not be published at full precision (the exact ecological red line is
not public). For the public — the public map's tiles, its place lookup and the exported
static site — each feature of a sensitive layer is simplified at the precision (default
500 m, ``ZONING_PUBLIC_PRECISION_M``) and every vertex snapped to a grid of that size in
the data's Gauss-Kruger zone: a boundary is then known to the public only to within the
grid. Nothing of a feature vanishes (someone inside it must still be told so): a part, a
neck or a sliver narrower than the grid, which snapping would lose, is kept as the grid
cells it touches; no point of the exact feature is then farther than ``uncertainty_m``
(604 m at 500 m) from the generalised one. Reviewers screen against the exact data.

``public_view(store)`` is the store as the public sees it: the same object for a store
without sensitive layers, else a view whose ``layer()`` gives the generalised frames and
whose ``sha256`` differs (so no index or tile set of the exact data is reused).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import STORAGE_CRS, work_crs_for
from gis.errors import InputError

__all__ = ["PRECISION_ENV", "DEFAULT_PRECISION_M", "public_precision_m", "generalise_frame", "public_view", "PublicView",
           "public_key", "sensitive_layers", "catalog_sensitive", "uncertainty_m"]  # fmt: skip

PRECISION_ENV = "ZONING_PUBLIC_PRECISION_M"
DEFAULT_PRECISION_M = 500.0


def public_precision_m() -> float:
    """``ZONING_PUBLIC_PRECISION_M`` (metres), default 500.

    Raises
    ------
    InputError
        The variable is not a positive number.
    """
    raw = os.environ.get(PRECISION_ENV, "").strip()
    if not raw:
        return DEFAULT_PRECISION_M
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"environment variable {PRECISION_ENV}={raw!r} is not a positive number of metres; expected e.g. 500"
        raise InputError(msg, zh=f"环境变量 {PRECISION_ENV}={raw!r} 不是正数（米）；应如 500")
    return value


def _touched_cells(geom: Any, size: float) -> Any:
    """The grid cells (``size`` metres, aligned on multiples of it) that ``geom`` touches, as
    one geometry."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    xs = np.arange(math.floor(minx / size), math.floor(maxx / size) + 1) * size
    ys = np.arange(math.floor(miny / size), math.floor(maxy / size) + 1) * size
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    cells = shapely.box(gx, gy, gx + size, gy + size)
    shapely.prepare(geom)
    return shapely.union_all(cells[shapely.intersects(geom, cells)])


def _generalise_one(geom: Any, size: float) -> Any:
    """One geometry simplified (half the grid) and snapped to the grid; whatever of it then
    lies farther than half a cell from the result — a part, a neck or a sliver narrower than
    the grid, lost to it — is added back as the grid cells it touches, so that no point of the
    exact geometry is farther than ``uncertainty_m(size)`` from the generalised one."""
    if geom is None or shapely.is_empty(geom):
        return geom
    snapped = shapely.set_precision(shapely.simplify(geom, size / 2, preserve_topology=True), grid_size=size)
    # GEOS keeps the grid as the result's precision model, and later overlays would round to
    # it (a 250 m buffer would come back as the same shape): go on in floating precision.
    snapped = shapely.set_precision(snapped, grid_size=0.0)
    areal = shapely.area(geom) > 0
    if areal:  # a polygon's collapsed bits (lines, points) say nothing of where it lies
        snapped = shapely.union_all([p for p in shapely.get_parts(snapped) if shapely.area(p) > 0])
    kept = not shapely.is_empty(snapped)
    missing = shapely.difference(geom, shapely.buffer(snapped, size / 2)) if kept else geom
    if shapely.is_empty(missing):
        return snapped
    cells = _touched_cells(missing, size)
    return shapely.set_precision(shapely.union(snapped, cells) if kept else cells, grid_size=size)


def generalise_frame(gdf: gpd.GeoDataFrame, precision_m: float = DEFAULT_PRECISION_M) -> gpd.GeoDataFrame:
    """``gdf`` with every geometry simplified at ``precision_m`` and snapped to a grid of that
    size (in the data's Gauss-Kruger zone), what the grid lost added back as the cells it
    touches (``_generalise_one``); returned in EPSG:4490, attributes kept."""
    if gdf.empty or gdf.crs is None:
        return gdf.copy()
    lonlat = gdf.to_crs(STORAGE_CRS) if not gdf.crs.equals(STORAGE_CRS) else gdf
    work = work_crs_for(tuple(float(v) for v in lonlat.total_bounds))  # type: ignore[arg-type]
    metric = lonlat.to_crs(work)
    generalised = [_generalise_one(g, precision_m) for g in metric.geometry.to_numpy()]
    out = metric.set_geometry(gpd.GeoSeries(generalised, index=metric.index, crs=work))
    return out.to_crs(STORAGE_CRS)


def uncertainty_m(precision_m: float) -> float:
    """How far an exact boundary may lie from its generalised one: the simplification's
    tolerance (half the precision) plus the snapping (half a grid cell's diagonal) — 604 m
    at 500 m. A point that far from a generalised feature may be inside the exact one (the
    public's answer says so). ``generalise_frame`` keeps to it: what simplifying and snapping
    move farther than half a cell is added back as the cells it touches.

    >>> round(uncertainty_m(500.0))
    604
    """
    return precision_m / 2 + precision_m * math.sqrt(2) / 2


def public_key(sha256: str, sensitive: tuple[str, ...], precision_m: float) -> str:
    """The content hash of the public view of a store whose content is ``sha256``."""
    if not sensitive:
        return sha256
    text = f"{sha256}|public|{precision_m:g}|{','.join(sorted(sensitive))}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: What a store offers besides ``layer()`` that hands out its exact geometry: the pack
#: (memory-mapped arrays, and the indexes derived from them) and the geometry arrays.
_EXACT_ONLY = frozenset({"pack", "geometry_arrays"})


class PublicView:
    """A zone store as the public sees it: sensitive layers generalised (see the module text).

    Everything but ``layer()`` and ``sha256`` is the store's own.
    """

    def __init__(self, store: Any, precision_m: float, sensitive: tuple[str, ...]) -> None:
        self._store = store
        self.precision_m = precision_m
        self.sensitive = sensitive
        self.sha256 = public_key(str(store.sha256), sensitive, precision_m)
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # The exact data's fast paths are not the public's: without them the engine's indexes
        # are built from ``layer()`` (the generalised frames) and kept under this view's hash.
        if name in _EXACT_ONLY:
            raise AttributeError(name)
        return getattr(self._store, name)

    def crs(self, layer_id: str) -> str:
        """The CRS ``layer(layer_id)`` is in (a generalised layer: EPSG:4490)."""
        return STORAGE_CRS if layer_id in self.sensitive else str(self._store.crs(layer_id))

    def __repr__(self) -> str:
        return f"PublicView({self._store!r}, generalised={list(self.sensitive)}, precision_m={self.precision_m:g})"

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in self.sensitive:
            return self._store.layer(layer_id)
        with self._lock:
            if layer_id not in self._frames:
                self._frames[layer_id] = generalise_frame(self._store.layer(layer_id), self.precision_m)
            return self._frames[layer_id].copy(deep=False)


def catalog_sensitive(catalog: Any) -> tuple[str, ...]:
    """The layers a catalogue marks ``sensitive: true`` (present in a store or not)."""
    return tuple(lid for lid, spec in (getattr(catalog, "layers", {}) or {}).items() if getattr(spec, "sensitive", False))


def sensitive_layers(store: Any) -> tuple[str, ...]:
    """The store's layers its catalogue marks ``sensitive: true``."""
    catalog = getattr(store, "catalog", None)
    layers = getattr(catalog, "layers", {}) or {}
    return tuple(lid for lid in store.layer_ids if getattr(layers.get(lid), "sensitive", False))


def public_view(store: Any, precision_m: float | None = None) -> Any:
    """``store`` as the public sees it: itself when no layer is sensitive, else a ``PublicView``."""
    sensitive = sensitive_layers(store)
    if not sensitive:
        return store
    return PublicView(store, precision_m if precision_m is not None else public_precision_m(), sensitive)
