"""The site finder's raster: a grid in the work CRS, the worst-verdict raster, terrain, vectors.

Rasterised with rasterio (``rasterio.features.rasterize``) on a grid of square cells
aligned to multiples of the resolution in the Gauss-Kruger work CRS. What a cell means at
the edges:

* a constraint surface burns **every cell it touches** (``all_touched=True``), and a cell takes
  the worst verdict of all surfaces touching it — so a cell that touches a prohibited zone, by
  as little as a corner, is never offered, and offered land lies up to one cell inside the
  exact allowed area along its edges (area lost ≤ edge length x cell size);
* only cells **wholly inside** the search area are searched.

Candidates are vectorised back with ``rasterio.features.shapes`` (4-connected cells of one
verdict class form one polygon, edges on cell boundaries).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import rasterio.warp
import shapely
from affine import Affine
from rasterio.enums import MergeAlg, Resampling
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis.errors import DataSourceError, InputError
from zoning.sites.surfaces import Surface
from zoning.verdicts import VERDICT_RANK

__all__ = ["Grid", "MAX_CELLS", "verdict_raster", "inside_mask", "polygons", "label_cells", "Terrain", "read_slope",
           "near_mask"]

#: Cells a search may have (x 1 byte per raster; ~10 bytes per cell in all): a county at 30 m
#: is 2-5 million, Hunan at 100 m 21 million.
MAX_CELLS = 60_000_000
#: Cell value outside the search area (not searched).
OUTSIDE = 0
#: Surfaces are grown, and the area shrunk, by this much (m) before burning: an edge lying
#: exactly on a cell boundary (a zone drawn on round metres, a 30 m grid) then counts as
#: touching the cell beyond it, so an offered cell never shares an edge with what it avoids.
EDGE_EPSILON_M = 0.05


@dataclass(frozen=True)
class Grid:
    """Square cells of ``res`` metres in ``crs``; (x0, y1) is the top-left corner."""

    crs: str
    res: float
    x0: float
    y1: float
    width: int
    height: int

    @classmethod
    def covering(cls, bounds: Sequence[float], res: float, crs: str) -> Grid:
        """The grid aligned to multiples of ``res`` covering ``bounds`` (work CRS, metres).

        Raises
        ------
        InputError
            The resolution is not a positive number, or the grid would exceed ``MAX_CELLS``.
        """
        if not (isinstance(res, int | float) and math.isfinite(res) and res > 0):
            msg = f"--resolution-m {res!r}: expected a positive number of metres, e.g. 30"
            raise InputError(msg, zh=f"--resolution-m “{res}”：应为正数（米），如 30")
        x0 = math.floor(bounds[0] / res) * res
        y1 = math.ceil(bounds[3] / res) * res
        width = max(1, math.ceil((bounds[2] - x0) / res))
        height = max(1, math.ceil((y1 - bounds[1]) / res))
        cells = width * height
        if cells > MAX_CELLS:
            needed = math.ceil(res * math.sqrt(cells / MAX_CELLS))
            msg = (f"the search area at {res:g} m is {cells:,} cells, more than the {MAX_CELLS:,} a search may have; "
                   f"give a smaller area or --resolution-m {needed} or coarser")
            zh = (f"搜索范围在 {res:g} 米分辨率下共 {cells:,} 个栅格，超过上限 {MAX_CELLS:,}；"
                  f"请缩小范围，或将 --resolution-m 设为 {needed} 或更大")
            raise InputError(msg, zh=zh)
        return cls(crs, float(res), x0, y1, width, height)

    @property
    def transform(self) -> Affine:
        return Affine(self.res, 0.0, self.x0, 0.0, -self.res, self.y1)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def cell_area_m2(self) -> float:
        return self.res * self.res

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Work-CRS coordinates of the centres of cells (row, col)."""
        return self.x0 + (cols + 0.5) * self.res, self.y1 - (rows + 0.5) * self.res


def _burn(shapes: Sequence[tuple[BaseGeometry, int]], grid: Grid, *, all_touched: bool,
          out: np.ndarray | None = None) -> np.ndarray:
    target = out if out is not None else np.zeros(grid.shape, dtype=np.uint8)
    usable = [(g, v) for g, v in shapes if g is not None and not g.is_empty]
    if usable:
        rasterio.features.rasterize(usable, out=target, transform=grid.transform, all_touched=all_touched,
                                    merge_alg=MergeAlg.replace)
    return target


def inside_mask(area: BaseGeometry, grid: Grid) -> np.ndarray:
    """Cells wholly inside ``area`` (by ``EDGE_EPSILON_M`` at least): centre inside, and its
    boundary touches none of them."""
    inner = shapely.buffer(area, -EDGE_EPSILON_M, join_style="mitre")
    centre = _burn([(inner, 1)], grid, all_touched=False).astype(bool)
    edge = _burn([(inner.boundary, 1)], grid, all_touched=True).astype(bool)
    return centre & ~edge


def verdict_raster(surfaces: Sequence[Surface], area: BaseGeometry, grid: Grid) -> np.ndarray:
    """Per cell the worst verdict (``VERDICT_RANK``: 1 clear .. 4 prohibited) of every surface
    that touches it; ``OUTSIDE`` (0) for cells not wholly inside ``area``."""
    raster = np.full(grid.shape, VERDICT_RANK["clear"], dtype=np.uint8)
    # Burnt from the mildest to the worst verdict: where surfaces overlap the worst is burnt last.
    ordered = sorted(surfaces, key=lambda s: VERDICT_RANK[s.verdict])
    grown = shapely.buffer(np.array([s.geometry for s in ordered], dtype=object), EDGE_EPSILON_M, quad_segs=2,
                           join_style="mitre")
    _burn([(g, VERDICT_RANK[s.verdict]) for g, s in zip(grown, ordered, strict=True)], grid, all_touched=True,
          out=raster)
    raster[~inside_mask(area, grid)] = OUTSIDE
    return raster


def polygons(classes: np.ndarray, mask: np.ndarray, grid: Grid) -> Iterator[tuple[BaseGeometry, int]]:
    """The connected regions (4-connected) of equal ``classes`` where ``mask``, as (polygon, class)."""
    for geom, value in rasterio.features.shapes(classes.astype(np.uint8), mask=mask, connectivity=4,
                                                transform=grid.transform):
        yield shape(geom), int(value)


def label_cells(geoms: Sequence[BaseGeometry], grid: Grid) -> np.ndarray:
    """Cells by the (1-based) index of the grid-aligned polygon whose cells they are (0: none)."""
    shapes = [(g, i + 1) for i, g in enumerate(geoms)]
    out = np.zeros(grid.shape, dtype=np.int32)
    if shapes:
        rasterio.features.rasterize(shapes, out=out, transform=grid.transform, all_touched=False)
    return out


# --- terrain and distance to a supplied layer ---------------------------------------------------


@dataclass(frozen=True)
class Terrain:
    """Slope (degrees, NaN where the DEM has no data) on the grid, and the DEM's own cell size."""

    slope_deg: np.ndarray
    dem_cell_m: float
    source: str


def read_slope(path: str | Path, grid: Grid) -> Terrain:
    """Slope on ``grid`` from a DEM (any CRS rasterio reads): elevations resampled bilinearly
    to the grid, then the gradient in metres of the work CRS (cells of ``grid.res``).

    Raises
    ------
    DataSourceError
        The DEM cannot be read.
    """
    try:
        with rasterio.open(path) as src:
            dem = np.full(grid.shape, np.nan, dtype=np.float32)
            rasterio.warp.reproject(
                source=rasterio.band(src, 1), destination=dem, dst_transform=grid.transform, dst_crs=grid.crs,
                resampling=Resampling.bilinear, src_nodata=src.nodata, dst_nodata=np.nan,
            )  # fmt: skip
            cell = _cell_m(src)
    except rasterio.errors.RasterioError as err:
        msg = f"--dem {path}: cannot read the elevation raster ({err})"
        raise DataSourceError(msg, zh=f"--dem {path}：无法读取高程栅格（{err}）") from err
    gy, gx = np.gradient(dem.astype(np.float64), grid.res)
    slope = np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
    return Terrain(slope, cell, str(path))


def _cell_m(src: Any) -> float:
    """The DEM's cell size in metres (degrees x 111 km for a geographic DEM)."""
    rx, ry = src.res
    if src.crs is not None and src.crs.is_geographic:
        lat = math.radians((src.bounds.bottom + src.bounds.top) / 2)
        return float(max(rx * 111_320.0 * math.cos(lat), ry * 110_574.0))
    return float(max(rx, ry))


def near_mask(geoms_work: np.ndarray, grid: Grid, max_distance_m: float) -> np.ndarray:
    """Cells whose centre lies within ``max_distance_m`` of any of the geometries."""
    zone = shapely.union_all(shapely.buffer(geoms_work, max_distance_m, quad_segs=16))
    return _burn([(zone, 1)], grid, all_touched=False).astype(bool)
