"""Geometry columns as flat coordinate and offset arrays, decoded lazily, a few rows at a time.

A layer of 10^5 polygons and 10^7 vertices takes seconds to turn into shapely objects (from
WKB or from GDAL), and a screening needs only the features near its projects. Here a
column is kept the way GeoArrow keeps it: per geometry family, one ``(n, 2|3)`` float64
coordinate array and the offset arrays of its nesting (geometry -> parts -> rings ->
coordinates), which can live in memory-mapped ``.npy`` files. ``GeomColumn.take(rows)``
gathers the slices of the rows asked for and builds only those geometries with
``shapely.from_ragged_array``; the coordinates of the others are never read.

Families: points (Point, MultiPoint), lines (LineString, MultiLineString), polygons (Polygon,
MultiPolygon), each stored in its multi layout with the single/multi kind of every row kept
so a Polygon comes back a Polygon with the same coordinates. What that layout cannot hold
exactly (collections, linear rings, empty parts, a layer mixing 2D and 3D, M values) is kept
as WKB, decoded per row when taken. Empty geometries are kept by kind, missing ones as None.

Arrays read from files are checked before use (``check_arrays``): ``from_ragged_array``
trusts its offsets (a polygon part without a ring crashes the interpreter), so a damaged or
tampered file must be refused before any geometry is built from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import GeometryType

__all__ = ["GeomColumn", "encode", "ranges", "check_arrays", "ColumnError", "FAMILY_OF_KIND"]

#: shapely type id -> family: 0 points, 1 lines, 2 polygons; 3 WKB (anything else); -1 missing.
FAMILY_OF_KIND = {0: 0, 4: 0, 1: 1, 5: 1, 3: 2, 6: 2}
_MULTI = {0: GeometryType.MULTIPOINT, 1: GeometryType.MULTILINESTRING, 2: GeometryType.MULTIPOLYGON}
_FAMILY_NAMES = ("point", "line", "poly")
#: Offset arrays per family, outermost last as shapely's ragged layout has them.
_LEVELS = {0: ("go",), 1: ("lo", "go"), 2: ("ro", "po", "go")}
_WKB = 3
_EMPTY_WKT = {0: "POINT EMPTY", 1: "LINESTRING EMPTY", 3: "POLYGON EMPTY", 4: "MULTIPOINT EMPTY",
              5: "MULTILINESTRING EMPTY", 6: "MULTIPOLYGON EMPTY", 7: "GEOMETRYCOLLECTION EMPTY"}  # fmt: skip


class ColumnError(ValueError):
    """Arrays that do not describe a geometry column (damaged or foreign files)."""


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(s, e)`` for each pair (vectorised)."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(ends, dtype=np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    firsts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.repeat(starts - firsts, lengths) + np.arange(total, dtype=np.int64)


def _offsets(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _fits_layout(geoms: np.ndarray, family: int) -> np.ndarray:
    """Rows whose structure the family's ragged layout rebuilds exactly (no empty part or ring)."""
    ok = np.ones(len(geoms), dtype=bool)
    if family == 0 or len(geoms) == 0:
        # A multipoint with an empty point cannot be told from one without it.
        parts, owner = shapely.get_parts(geoms, return_index=True)
        bad = shapely.is_empty(parts)
        ok[np.unique(owner[bad])] = False
        return ok
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if family == 1:
        bad = shapely.get_num_coordinates(parts) < 2
    else:
        bad = shapely.is_empty(parts)
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        short = shapely.get_num_coordinates(rings) < 4
        bad = bad.copy()
        bad[np.unique(ring_owner[short])] = True
    ok[np.unique(owner[bad])] = False
    return ok


def encode(geoms: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays of a geometry column (names as ``GeomColumn`` reads them).

    Parameters
    ----------
    geoms
        Object array of shapely geometries or None.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    kind = shapely.get_type_id(geoms).astype(np.int8)
    empty = shapely.is_empty(geoms) & (kind >= 0)
    has_z = shapely.has_z(geoms[kind >= 0]) if n else np.zeros(0, dtype=bool)
    uniform_z = len(has_z) == 0 or has_z.all() or not has_z.any()
    family = np.full(n, -1, dtype=np.int8)
    for k, fam in FAMILY_OF_KIND.items():
        family[kind == k] = fam
    family[(kind >= 0) & (family < 0)] = _WKB
    family[empty] = -1
    if n and (not uniform_z or bool(shapely.has_m(geoms[kind >= 0]).any())):
        family[(kind >= 0) & ~empty] = _WKB
    out: dict[str, np.ndarray] = {"kind": kind, "empty": empty}
    for fam in (0, 1, 2):
        rows = np.flatnonzero(family == fam)
        if len(rows):
            bad = ~_fits_layout(geoms[rows], fam)
            family[rows[bad]] = _WKB
    row = np.full(n, -1, dtype=np.int64)
    for fam in (0, 1, 2):
        rows = np.flatnonzero(family == fam)
        row[rows] = np.arange(len(rows))
        if not len(rows):
            continue
        include_z = bool(shapely.has_z(geoms[rows[0]]))
        _, coords, offsets = shapely.to_ragged_array(geoms[rows], include_z=include_z)
        # All-single columns come in the single layout: add the one-part-per-row level.
        offsets = tuple(offsets)
        while len(offsets) < len(_LEVELS[fam]):
            offsets = (*offsets, np.arange(len(offsets[-1]) if offsets else len(coords) + 1))
        name = _FAMILY_NAMES[fam]
        out[f"{name}.coords"] = np.ascontiguousarray(coords, dtype=np.float64)
        for level, array in zip(_LEVELS[fam], offsets, strict=True):
            out[f"{name}.{level}"] = np.asarray(array, dtype=np.int64)
    rows = np.flatnonzero(family == _WKB)
    row[rows] = np.arange(len(rows))
    if len(rows):
        blobs = shapely.to_wkb(geoms[rows])
        sizes = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
        out["wkb.data"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        out["wkb.off"] = _offsets(sizes)
    out["family"] = family
    out["row"] = row
    return out


def check_arrays(arrays: Mapping[str, np.ndarray], n: int) -> None:
    """Refuse arrays that do not describe ``n`` geometries (``ColumnError``): shapes, dtypes,
    offsets that start at 0, never decrease, end at the next level's length, and the least
    sizes ``from_ragged_array`` needs (a part has a ring, a ring 4 coordinates, a line 2)."""

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ColumnError(what)

    kind, family, row, empty = (arrays.get(k) for k in ("kind", "family", "row", "empty"))
    need(all(a is not None for a in (kind, family, row, empty)), "per-row arrays missing")
    assert kind is not None and family is not None and row is not None and empty is not None
    need(kind.shape == (n,) and family.shape == (n,) and row.shape == (n,) and empty.shape == (n,), "row count")
    need(kind.dtype == np.int8 and family.dtype == np.int8 and row.dtype == np.int64 and empty.dtype == bool, "dtypes")
    need(bool(np.isin(kind, (-1, 0, 1, 2, 3, 4, 5, 6, 7)).all()), "geometry kinds")
    need(bool(np.isin(family, (-1, 0, 1, 2, _WKB)).all()), "families")
    need(bool(((family == -1) == ((kind == -1) | empty)).all()), "missing/empty rows")
    for fam in (0, 1, 2):
        mine = family == fam
        need(bool(np.isin(kind[mine], [k for k, f in FAMILY_OF_KIND.items() if f == fam]).all()), "kinds of a family")
        count = _check_family(arrays, fam)
        rows = row[mine]
        need(bool(((rows >= 0) & (rows < max(count, 0))).all()) and len(np.unique(rows)) == len(rows), "family rows")
        need(int(mine.sum()) == max(count, 0), "family row count")
    wkb = family == _WKB
    if wkb.any():
        data, off = arrays.get("wkb.data"), arrays.get("wkb.off")
        need(data is not None and off is not None, "WKB arrays missing")
        assert data is not None and off is not None
        need(data.dtype == np.uint8 and data.ndim == 1 and off.dtype == np.int64, "WKB dtypes")
        _check_offsets(off, len(data), 0, "WKB offsets")
        rows = row[wkb]
        need(bool(((rows >= 0) & (rows < len(off) - 1)).all()), "WKB rows")


def _check_offsets(off: np.ndarray, length: int, least: int, what: str) -> None:
    if off.ndim != 1 or off.dtype != np.int64 or len(off) < 1 or off[0] != 0 or off[-1] != length:
        raise ColumnError(what)
    if len(off) > 1 and int(np.diff(off).min()) < least:
        raise ColumnError(what)


def _check_family(arrays: Mapping[str, np.ndarray], fam: int) -> int:
    """The family's row count (-1 when absent) after checking its arrays."""
    name = _FAMILY_NAMES[fam]
    coords = arrays.get(f"{name}.coords")
    if coords is None:
        return -1
    if coords.dtype != np.float64 or coords.ndim != 2 or coords.shape[1] not in (2, 3):
        msg = f"{name} coordinates"
        raise ColumnError(msg)
    length = len(coords)
    # Least children per parent, innermost first: ring >= 4 coords / line >= 2 / part >= 1 ring.
    least = {0: (1,), 1: (2, 1), 2: (4, 1, 1)}[fam]
    for level, minimum in zip(_LEVELS[fam], least, strict=True):
        off = arrays.get(f"{name}.{level}")
        if off is None:
            msg = f"{name} offsets missing"
            raise ColumnError(msg)
        _check_offsets(off, length, minimum, f"{name} offsets {level}")
        length = len(off) - 1
    return length


@dataclass(frozen=True, eq=False)
class _Family:
    code: int
    coords: np.ndarray
    offsets: tuple[np.ndarray, ...]  # innermost first, as from_ragged_array takes them

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """(coordinates, offsets innermost first) of ``rows`` (this family's row numbers)."""
        idx = rows.astype(np.int64)
        new: list[np.ndarray] = []
        for off in reversed(self.offsets):  # geometry level first
            starts, ends = off[idx], off[idx + 1]
            new.append(_offsets(ends - starts))
            idx = ranges(starts, ends)
        return np.asarray(self.coords[idx]), tuple(reversed(new))

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Multi geometries of ``rows`` (this family's row numbers)."""
        coords, offsets = self.gather(rows)
        return shapely.from_ragged_array(_MULTI[self.code], coords, offsets)

    def coord_range(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first, end) coordinate of each row."""
        start, end = rows.astype(np.int64), rows.astype(np.int64) + 1
        for off in reversed(self.offsets):
            start, end = off[start], off[end]
        return start, end


class GeomColumn:
    """A read-only geometry column over the arrays of ``encode`` (in memory or memory-mapped).

    ``take(rows)`` builds the geometries of ``rows`` (an int or an integer array); nothing is
    cached here (see ``zoning._spatial`` for the engine's cache of built features).
    """

    def __init__(self, arrays: Mapping[str, np.ndarray], n: int | None = None, *, checked: bool = False) -> None:
        size = len(arrays["kind"]) if n is None else n
        if not checked:
            check_arrays(arrays, size)
        self.n = size
        self.kind = np.asarray(arrays["kind"])
        self.family = np.asarray(arrays["family"])
        self.row = np.asarray(arrays["row"])
        self.empty = np.asarray(arrays["empty"])
        self.families: dict[int, _Family] = {}
        for fam in (0, 1, 2):
            name = _FAMILY_NAMES[fam]
            if f"{name}.coords" in arrays:
                offsets = tuple(arrays[f"{name}.{level}"] for level in _LEVELS[fam])
                self.families[fam] = _Family(fam, arrays[f"{name}.coords"], offsets)
        self._wkb = (arrays["wkb.data"], arrays["wkb.off"]) if "wkb.data" in arrays else None

    def __len__(self) -> int:
        return self.n

    def take(self, rows: Any) -> np.ndarray:
        """The geometries of ``rows`` (object array, in the order asked)."""
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        out = np.full(len(rows), None, dtype=object)
        if len(rows) == 0:
            return out
        fam = self.family[rows]
        for code, family in self.families.items():
            at = np.flatnonzero(fam == code)
            if len(at):
                multi = family.take(self.row[rows[at]])
                single = np.isin(self.kind[rows[at]], (0, 1, 3))
                if single.any():
                    multi[single] = shapely.get_geometry(multi[single], 0)
                out[at] = multi
        at = np.flatnonzero(fam == _WKB)
        if len(at) and self._wkb is not None:
            data, off = self._wkb
            r = self.row[rows[at]]
            out[at] = shapely.from_wkb(np.array([bytes(data[off[i] : off[i + 1]]) for i in r], dtype=object))
        at = np.flatnonzero(self.empty[rows])
        for i in at:
            out[i] = shapely.from_wkt(_EMPTY_WKT.get(int(self.kind[rows[i]]), "GEOMETRYCOLLECTION EMPTY"))
        return out

    def all(self) -> np.ndarray:
        """Every geometry of the column."""
        return self.take(np.arange(self.n))

    def bounds(self) -> np.ndarray:
        """``(n, 4)`` xmin, ymin, xmax, ymax of each row (NaN for missing and empty ones),
        computed from the coordinates without building geometries."""
        out = np.full((self.n, 4), np.nan)
        for code, family in self.families.items():
            rows = np.flatnonzero(self.family == code)
            if len(rows) == 0:
                continue
            start, end = family.coord_range(self.row[rows])
            out[rows] = range_bounds(family.coords, start, end)
        at = np.flatnonzero(self.family == _WKB)
        if len(at):
            out[at] = shapely.bounds(self.take(at))
        return out

    def first_vertex(self) -> np.ndarray:
        """``(n, 2)`` first coordinate of each row (NaN where it has none)."""
        out = np.full((self.n, 2), np.nan)
        for code, family in self.families.items():
            rows = np.flatnonzero(self.family == code)
            if len(rows):
                start, _ = family.coord_range(self.row[rows])
                out[rows] = np.asarray(family.coords[start])[:, :2]
        at = np.flatnonzero(self.family == _WKB)
        if len(at):
            coords, which = shapely.get_coordinates(self.take(at), return_index=True)
            first = np.searchsorted(which, np.arange(len(at)))
            has = first < len(which)
            out[at[has]] = coords[first[has]]
        return out


def reordered(arrays: Mapping[str, np.ndarray], key: np.ndarray) -> dict[str, np.ndarray]:
    """The same column with each family's rows stored in the order of ``key`` (one value per
    geometry; rows of equal key keep their order): geometries near each other in ``key``
    then lie near each other in the coordinate arrays, so building a few neighbours reads
    a few pages of a memory-mapped file, not one page each. Every geometry keeps its
    position in the column; only ``row`` and the family arrays change."""
    column = GeomColumn(arrays)
    out = dict(arrays)
    row = np.array(column.row, copy=True)
    for code, family in column.families.items():
        members = np.flatnonzero(column.family == code)
        order = members[np.argsort(key[members], kind="stable")]
        old_rows = column.row[order]
        coords, offsets = family.gather(old_rows)
        name = _FAMILY_NAMES[code]
        out[f"{name}.coords"] = np.ascontiguousarray(coords)
        for level, array in zip(_LEVELS[code], offsets, strict=True):
            out[f"{name}.{level}"] = array
        row[order] = np.arange(len(order))
    out["row"] = row
    return out


def range_bounds(coords: np.ndarray, start: np.ndarray, end: np.ndarray, *, chunk: int = 1 << 22) -> np.ndarray:
    """xmin, ymin, xmax, ymax of ``coords[start:end]`` for each range (NaN for an empty one),
    gathering at most about ``chunk`` coordinates at a time (a memory map is never read whole
    into memory)."""
    n = len(start)
    out = np.full((n, 4), np.nan)
    start = np.asarray(start, dtype=np.int64)
    lengths = np.asarray(end, dtype=np.int64) - start
    idxs = np.flatnonzero(lengths > 0)
    cum = np.cumsum(lengths[idxs])
    b = 0
    while b < len(idxs):
        done = int(cum[b - 1]) if b else 0
        e = max(int(np.searchsorted(cum, done + chunk, side="right")), b + 1)
        sel = idxs[b:e]
        vals = np.asarray(coords[ranges(start[sel], start[sel] + lengths[sel])])[:, :2]
        at = _offsets(lengths[sel])[:-1]
        out[sel, 0:2] = np.minimum.reduceat(vals, at, axis=0)
        out[sel, 2:4] = np.maximum.reduceat(vals, at, axis=0)
        b = e
    return out
