"""Geometry repair: make invalid geometry valid without changing its dimension, and say so.

Planners' files often hold bow-tie polygons, rings that touch themselves or duplicated
closing vertices. Screening needs valid geometry (GEOS overlays fail or give wrong areas
otherwise), so every geometry read by ``gis.io`` passes through ``repair_geometries``.
Repairs are never silent: they are counted by kind in a ``RepairReport``, listed in the
notes of the ``FeatureSet`` and raised as a ``GeometryRepairWarning``.

Notes
-----
Repair is ``shapely.make_valid`` (the "linework" method), then only the parts with the
dimension of the input are kept: a self-touching polygon can come back as a
GeometryCollection of polygons plus stray lines, and a polygon project must stay a
polygon. The dropped lower-dimension parts are counted. Geometries that were already
valid are returned untouched (same object, same area).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from gis.errors import GeometryError, zh_label
from gis.text import Text

__all__ = ["RepairReport", "GeometryRepairWarning", "repair_geometries", "check_not_empty"]

# is_valid_reason appends the location, e.g. "Self-intersection[113.1 28.2]".
_LOCATION_RE = re.compile(r"\s*\[[^\]]*\]\s*$")
_MAX_LISTED = 10


class GeometryRepairWarning(UserWarning):
    """Invalid geometry was repaired; the data is usable but was changed."""


@dataclass(frozen=True)
class RepairReport:
    """What ``repair_geometries`` changed.

    Attributes
    ----------
    count
        Number of geometries that were invalid and repaired.
    kinds
        Number of repairs per GEOS invalidity reason (``"Self-intersection"``,
        ``"Ring Self-intersection"``, ``"Too few points in geometry component"`` ...).
        Treat as read-only.
    rows
        0-based positions of the repaired geometries in the input.
    dropped_parts
        Lower-dimension pieces (e.g. stray lines from a polygon) discarded so that each
        geometry keeps its input dimension.
    source
        The file or input the geometries came from.
    """

    count: int = 0
    kinds: Mapping[str, int] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    dropped_parts: int = 0
    source: str = ""

    def summary(self) -> Text:
        """One sentence, Chinese then English, e.g. for the notes of a FeatureSet.

        Examples
        --------
        >>> RepairReport().summary()
        '几何有效，无需修复 / all geometries valid, no repair needed'
        >>> RepairReport(1, {"Self-intersection": 1}, (0,)).summary()
        '已修复 1 个无效几何（Self-intersection 1） / repaired 1 invalid geometry (Self-intersection: 1) at feature #1'
        """
        if self.count == 0:
            return Text("几何有效，无需修复", "all geometries valid, no repair needed")
        kinds_zh = "，".join(f"{k} {n}" for k, n in self.kinds.items())
        kinds_en = ", ".join(f"{k}: {n}" for k, n in self.kinds.items())
        plural = "geometry" if self.count == 1 else "geometries"
        shown = ", ".join(f"#{r + 1}" for r in self.rows[:_MAX_LISTED])
        more = f" and {len(self.rows) - _MAX_LISTED} more" if len(self.rows) > _MAX_LISTED else ""
        where = f" at feature {shown}{more}"
        dropped_zh = f"，舍弃 {self.dropped_parts} 个低维碎片" if self.dropped_parts else ""
        dropped_en = f"; dropped {self.dropped_parts} lower-dimension part(s)" if self.dropped_parts else ""
        return Text(
            f"已修复 {self.count} 个无效几何（{kinds_zh}）{dropped_zh}",
            f"repaired {self.count} invalid {plural} ({kinds_en}){where}{dropped_en}",
        )


def _describe_rows(rows: np.ndarray) -> str:
    listed = ", ".join(f"#{int(r) + 1}" for r in rows[:_MAX_LISTED])
    if len(rows) > _MAX_LISTED:
        listed += f" and {len(rows) - _MAX_LISTED} more"
    return listed


def _describe_rows_zh(rows: np.ndarray) -> str:
    listed = "、".join(f"#{int(r) + 1}" for r in rows[:_MAX_LISTED])
    if len(rows) > _MAX_LISTED:
        listed += f" 等，另有 {len(rows) - _MAX_LISTED} 个"
    return listed


def check_not_empty(geoms: gpd.GeoSeries, *, source: str) -> None:
    """Raise a GeometryError naming ``source`` and the features whose geometry is null or empty.

    Raises
    ------
    GeometryError
        If any geometry is missing (null) or empty; features are numbered from 1.
    """
    values = np.asarray(geoms.values, dtype=object)
    bad = np.flatnonzero(shapely.is_missing(values) | shapely.is_empty(values))
    if len(bad):
        msg = (
            f"{source}: {len(bad)} feature(s) without geometry or with an empty geometry "
            f"({_describe_rows(bad)}, numbered from 1); every feature needs a point, line or "
            "polygon — delete or redraw them"
        )
        zh = (
            f"{zh_label(source)}：有 {len(bad)} 个要素没有几何或几何为空（{_describe_rows_zh(bad)}，从 1 起编号）；"
            "每个要素都必须有点、线或面，请删除或重新绘制这些要素"
        )
        raise GeometryError(msg, zh=zh)


def _reason_kind(reason: str) -> str:
    return _LOCATION_RE.sub("", reason) or reason


def _keep_dimension(fixed: np.ndarray, dims: np.ndarray) -> tuple[np.ndarray, int]:
    """Keep only the parts of each geometry whose dimension equals ``dims``; count the rest."""
    parts, owner = shapely.get_parts(fixed, return_index=True)
    keep = shapely.get_dimensions(parts) == dims[owner]
    dropped = int((~keep).sum())
    if dropped == 0:
        return fixed, 0
    parts, owner = parts[keep], owner[keep]
    out = np.full(len(fixed), None, dtype=object)
    builders = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
    for dim, build in builders.items():
        # One vectorised call per dimension; with ``out`` given, rows without parts of
        # this dimension keep their value (None if nothing survives: caught as collapsed).
        sel = dims[owner] == dim
        if sel.any():
            build(parts[sel], indices=owner[sel], out=out)
    # Single parts come back as Multi*; unwrap them to the plain type.
    singles = shapely.get_num_geometries(out) == 1
    out[singles] = shapely.get_geometry(out[singles], 0)
    return out, dropped


def repair_geometries(geoms: gpd.GeoSeries, *, source: str) -> tuple[gpd.GeoSeries, RepairReport]:
    """Repair invalid geometries, keeping each input's dimension, and report what changed.

    Parameters
    ----------
    geoms
        Geometries in any CRS (repair is planar and CRS-agnostic).
    source
        Name of the file or input, used in messages.

    Returns
    -------
    repaired : GeoSeries
        Same index and CRS; valid geometries are the input objects unchanged.
    report : RepairReport
        Count, kinds and rows of the repairs.

    Raises
    ------
    GeometryError
        If a geometry is null or empty, or collapses entirely when repaired (e.g. a
        polygon whose vertices all lie on one line).

    Warns
    -----
    GeometryRepairWarning
        When at least one geometry was repaired.

    Examples
    --------
    >>> import warnings
    >>> bowtie = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))"])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fixed, report = repair_geometries(bowtie, source="demo")
    >>> fixed.iloc[0].geom_type, report.kinds
    ('MultiPolygon', {'Self-intersection': 1})
    """
    check_not_empty(geoms, source=source)
    values = np.asarray(geoms.values, dtype=object)
    invalid = np.flatnonzero(~shapely.is_valid(values))
    if len(invalid) == 0:
        return geoms, RepairReport(source=source)
    bad = values[invalid]
    kinds = Counter(_reason_kind(r) for r in shapely.is_valid_reason(bad))
    dims = shapely.get_dimensions(bad)
    fixed, dropped = _keep_dimension(shapely.make_valid(bad), dims)
    collapsed = np.flatnonzero(shapely.is_missing(fixed) | shapely.is_empty(fixed))
    if len(collapsed):
        msg = (
            f"{source}: feature {_describe_rows(invalid[collapsed])} (numbered from 1) is invalid "
            f"({', '.join(sorted(kinds))}) and cannot be repaired: it collapses to nothing of its "
            "own dimension (e.g. a polygon whose points lie on one line); redraw it"
        )
        zh = (
            f"{zh_label(source)}：要素 {_describe_rows_zh(invalid[collapsed])}（从 1 起编号）无效"
            f"（{'、'.join(sorted(kinds))}）且无法修复：修复后不再是同维度的几何（如各顶点共线的面）；请重新绘制"
        )
        raise GeometryError(msg, zh=zh)
    out = values.copy()
    out[invalid] = fixed
    report = RepairReport(
        count=len(invalid),
        kinds=dict(sorted(kinds.items())),
        rows=tuple(int(r) for r in invalid),
        dropped_parts=dropped,
        source=source,
    )
    warnings.warn(f"{source}: {report.summary()}", GeometryRepairWarning, stacklevel=2)
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs, name=geoms.name), report
