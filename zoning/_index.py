"""Layer indexes of the engine: a store layer in a metric work CRS, ready to query.

A ``LayerIndex`` holds, for one (store version, work CRS, layer): the features' bounding
boxes and an STRtree over them, the *pieces* the distance searches run on (the module notes
of ``zoning._spatial``) with their boxes, and the attribute columns as text. Geometries are
not built up front: ``index.geoms[rows]`` builds the rows asked for from coordinate arrays
(``layers._geoarrays``) and keeps them for the next question, so a batch decodes only the
features near its projects. ``index.tree.query(geoms, predicate=...)`` answers as an STRtree
of the geometries would (the same candidates, in the same order: GEOS orders a tree by the
envelopes alone), testing the predicate on the candidates it builds.

Everything derived here from a store version is kept in the store's pack
(``ZoneStore.pack``, ``layers._pack``) the first time it is made — the layer moved into the
work CRS, its boxes and pieces, its text columns — so the next process maps the arrays and
builds only its STRtrees (about 0.1 s per 10^5 boxes). Stores without a pack (small ones,
the cache off, a store double in tests) build the same arrays in memory.

The builders are here and not in ``layers``: what a piece is and how text is read are the
engine's choices.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from gis.crs import STORAGE_CRS
from layers._geoarrays import FAMILY_OF_KIND, ColumnError, GeomColumn, encode, range_bounds, ranges, reordered

__all__ = [
    "ZoneStoreLike",
    "LayerIndex",
    "Geoms",
    "BoxTree",
    "layer_index",
    "store_crs_list",
    "clear_index_cache",
    "transformer",
    "PIECE_VERTICES",
    "zorder",
]

log = logging.getLogger(__name__)

_CACHE_MAX = 48
#: Segments per piece of a large feature's boundary in the distance searches.
PIECE_VERTICES = 64
#: Built geometries kept by a process, counted in coordinates (about 100 MB of GEOS objects).
_BUILT_BUDGET = 2_000_000
_WHOLE, _RUN, _POINT = 0, 1, 2


class ZoneStoreLike(Protocol):
    """What the engine uses of ``layers.store.ZoneStore`` (docs/ARCHITECTURE.md).

    Optional, used when present: ``feature_count(layer)``, ``coverage(layer)``, ``catalog``,
    ``pack`` (derived arrays are kept there), ``geometry_arrays(layer)`` and
    ``attributes(layer)`` (a layer without building its geometries).
    """

    @property
    def path(self) -> Any: ...
    @property
    def sha256(self) -> str: ...
    @property
    def layer_ids(self) -> Sequence[str]: ...
    @property
    def absent_layers(self) -> Sequence[str]: ...
    def layer(self, layer_id: str) -> Any: ...
    def legal_status(self, layer_id: str) -> str: ...


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


# --- lazily built geometry arrays ------------------------------------------------------------


class Geoms:
    """A read-only array of geometries built on first access (``geoms[rows]``).

    Built rows are kept (and, with ``prepare``, GEOS-prepared for fast repeated predicates)
    while all the arrays of the process together keep at most ``_BUILT_BUDGET`` coordinates;
    past that every array drops what it keeps, and rows are built again when asked for
    (answers never depend on it; memory stays bounded however long the process serves).
    """

    def __init__(self, n: int, build: Any, sizes: np.ndarray, *, prepare: bool = True) -> None:
        self._n = n
        self._build = build
        self._sizes = sizes
        self._prepare = prepare
        self._built = np.full(n, None, dtype=object)
        self._have = np.zeros(n, dtype=bool)
        self._generation = _generation
        self._lock = threading.Lock()
        _ALL_GEOMS.add(self)

    def __len__(self) -> int:
        return self._n

    def _reset(self) -> None:
        self._built = np.full(self._n, None, dtype=object)
        self._have = np.zeros(self._n, dtype=bool)
        self._generation = _generation

    def forget(self, *, wait: bool = True) -> None:
        """Drop the built rows (built again when asked for). Without ``wait``, an array in
        use is left alone: it drops them at its next access (its generation is old)."""
        if self._lock.acquire(blocking=wait):
            try:
                self._reset()
            finally:
                self._lock.release()

    def __getitem__(self, idx: Any) -> Any:
        scalar = np.ndim(idx) == 0
        rows = np.atleast_1d(np.asarray(idx, dtype=np.intp))
        cost = 0
        with self._lock:
            if self._generation != _generation:
                self._reset()
            built, have = self._built, self._have
            missing = rows[~have[rows]] if len(rows) else rows
            if len(missing):
                wanted = np.unique(missing)
                made = self._build(wanted)
                if self._prepare:
                    shapely.prepare(made)
                built[wanted] = made
                have[wanted] = True
                cost = int(self._sizes[wanted].sum())
            out = built[rows]
        if cost:
            _spend(cost)
        return out[0] if scalar else out


_ALL_GEOMS: weakref.WeakSet[Geoms] = weakref.WeakSet()
_budget_lock = threading.Lock()
_spent = 0
_generation = 0


def _spend(coords: int) -> None:
    """Count built coordinates; past the budget every array forgets what it built (those in
    use by a caller up the stack, at their next access)."""
    global _spent, _generation
    with _budget_lock:
        _spent += coords
        if _spent <= _BUILT_BUDGET:
            return
        _spent = 0
        _generation += 1
        arrays = list(_ALL_GEOMS)
    for geoms in arrays:
        geoms.forget(wait=False)


class BoxTree:
    """An STRtree over bounding boxes that answers as an STRtree of the geometries would.

    ``query(g)`` gives the candidates whose box meets ``g``'s envelope, as ``STRtree.query``
    does; with ``predicate`` ("intersects", "dwithin") the candidates are built and tested
    exactly (the tree's side prepared). The order of the answer is the tree's, which GEOS
    decides from the envelopes only, so it is the order a tree of the geometries gives.
    """

    def __init__(self, boxes: np.ndarray, geoms: Geoms | None) -> None:
        self.tree = shapely.STRtree(boxes)
        self.geoms = geoms

    def query(self, geometry: Any, predicate: str | None = None, distance: float | None = None) -> np.ndarray:
        scalar = np.ndim(geometry) == 0
        if predicate == "dwithin":
            d = float(distance or 0.0)
            b = shapely.bounds(geometry)
            grown = shapely.box(b[..., 0] - d, b[..., 1] - d, b[..., 2] + d, b[..., 3] + d)
            found = self.tree.query(grown)
        elif predicate in (None, "intersects"):
            found = self.tree.query(geometry)
        else:
            msg = f"BoxTree.query: predicate {predicate!r} is not supported (intersects, dwithin)"
            raise ValueError(msg)
        if predicate is None:
            return found
        if scalar:
            qi, ti = np.zeros(len(found), dtype=np.intp), found
            q = np.array([geometry], dtype=object)
        else:
            qi, ti = found
            q = np.asarray(geometry, dtype=object)
        if len(ti) == 0:
            return found
        if self.geoms is None:
            msg = "BoxTree.query: a tree of boxes only answers without a predicate"
            raise ValueError(msg)
        tree_side = self.geoms[ti]
        # Both predicates are symmetric: the tree's (prepared, often large) geometry goes first.
        if predicate == "intersects":
            keep = shapely.intersects(tree_side, q[qi])
        else:
            keep = shapely.dwithin(tree_side, q[qi], float(distance or 0.0))
        return found[keep] if scalar else found[:, keep]


# --- the index --------------------------------------------------------------------------------


def boxes_of(bounds: np.ndarray) -> np.ndarray:
    """Tree items standing for ``(n, 4)`` bounds: the diagonal of each box, a two-point line
    whose envelope is the box (an STRtree sees envelopes only; 250 bytes against a box
    polygon's 420). None where a bound is NaN (missing or empty rows)."""
    boxes = np.full(len(bounds), None, dtype=object)
    ok = np.isfinite(bounds).all(axis=1)
    if ok.any():
        boxes[ok] = shapely.linestrings(np.ascontiguousarray(bounds[ok], dtype=np.float64).reshape(-1, 2, 2))
    return boxes


class _TextColumns(Mapping[str, np.ndarray]):
    """Attribute columns as object arrays of stripped text (None for blank), converted on first use."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)
        self._done: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> np.ndarray:
        hit = self._done.get(name)
        if hit is None:
            raw = self._raw[name]
            with self._lock:
                hit = self._done.get(name)
                if hit is None:
                    hit = raw if isinstance(raw, np.ndarray) else _arrow_text(raw)
                    self._done[name] = hit
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True, eq=False)
class LayerIndex:
    """One store layer in a work CRS: geometries built on demand, their box tree, pieces, text columns."""

    layer: str
    crs: str
    geoms: Geoms
    bounds: np.ndarray
    names: np.ndarray
    zones: np.ndarray
    legal_status: np.ndarray
    sources: np.ndarray
    #: Every attribute column as an object array of text (rule feature filters).
    columns: Mapping[str, np.ndarray]
    #: Pieces for distance searches (``zoning._spatial`` notes): the feature of each, their
    #: boxes and first vertices, built on demand like the features.
    pieces: Geoms
    piece_owner: np.ndarray
    piece_kind: np.ndarray
    piece_bounds: np.ndarray
    piece_vertex: np.ndarray

    def __len__(self) -> int:
        return len(self.geoms)

    def attrs(self, i: int) -> dict[str, Any]:
        return {name: col[i] for name, col in self.columns.items()}

    @cached_property
    def boxes(self) -> np.ndarray:
        """The features' bounding boxes as polygons (for STRtrees)."""
        return boxes_of(self.bounds)

    @cached_property
    def piece_boxes(self) -> np.ndarray:
        """The pieces' bounding boxes (a whole feature's is the feature's: made once)."""
        whole = self.piece_kind == _WHOLE
        out = np.empty(len(self.piece_owner), dtype=object)
        out[whole] = self.boxes[self.piece_owner[whole]]
        out[~whole] = boxes_of(self.piece_bounds[~whole])
        return out

    @cached_property
    def tree(self) -> BoxTree:
        """STRtree of the features' boxes, answering as one of the features (``BoxTree``)."""
        return BoxTree(self.boxes, self.geoms)

    @cached_property
    def piece_tree(self) -> BoxTree:
        """STRtree of the pieces' boxes (built when first needed: only some layers need it)."""
        return BoxTree(self.piece_boxes, self.pieces)

    def nearest_piece(self, geom: Any, rows: np.ndarray | None = None) -> tuple[int, float]:
        """(feature, distance) of the piece nearest to ``geom`` among the pieces of ``rows``
        (features; None = all), or (-1, 0.0) when there is none. Pieces are measured in
        order of their box distance until no box is nearer than the best piece; ties go to
        the lowest piece number."""
        take = np.arange(len(self.piece_owner)) if rows is None else np.flatnonzero(np.isin(self.piece_owner, rows))
        take = take[np.isfinite(self.piece_bounds[take]).all(axis=1)]
        if len(take) == 0:
            return -1, 0.0
        x0, y0, x1, y1 = shapely.bounds(geom)
        b = self.piece_bounds[take]
        dx = np.maximum(0.0, np.maximum(b[:, 0] - x1, x0 - b[:, 2]))
        dy = np.maximum(0.0, np.maximum(b[:, 1] - y1, y0 - b[:, 3]))
        lower = np.hypot(dx, dy)
        order = np.lexsort((take, lower))
        best_d, best_p = np.inf, -1
        step = 64
        for start in range(0, len(order), step):
            chunk = order[start : start + step]
            if lower[chunk[0]] > best_d:
                break
            dist = shapely.distance(self.pieces[take[chunk]], geom)
            for j in np.flatnonzero(dist <= best_d):
                p = int(take[chunk[j]])
                if dist[j] < best_d or (dist[j] == best_d and p < best_p):
                    best_d, best_p = float(dist[j]), p
        return int(self.piece_owner[best_p]), best_d


# --- building -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _recipe() -> str:
    """What decides the derived arrays: the code of the functions that make them and of the
    codec (an edit elsewhere in this module keeps the kept arrays)."""
    import inspect

    digest = hashlib.sha256(f"pieces {PIECE_VERTICES}".encode())
    for fn in (to_work_crs, build_pieces, _runs, _piece_boxes, _text_arrays, _text_column, _text, _make_index_arrays,
               _zkey, zorder):  # fmt: skip
        digest.update(inspect.getsource(fn).encode("utf-8"))
    codec = Path(__file__).resolve().parents[1] / "layers" / "_geoarrays.py"
    try:
        digest.update(codec.read_bytes())
    except OSError as err:
        log.warning("index cache: cannot read %s for the code fingerprint (%s)", codec, err)
    return digest.hexdigest()[:16]


def _safe_crs(crs: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in crs)


def _source(store: Any, layer_id: str) -> tuple[dict[str, np.ndarray], str, int]:
    """(geometry arrays, their CRS label, feature count) of a layer as stored."""
    arrays_of = getattr(store, "geometry_arrays", None)
    if arrays_of is not None:
        arrays, crs_label, n = arrays_of(layer_id)
        return arrays, crs_label, n
    gdf = store.layer(layer_id)
    src = gdf.crs
    # CGCS2000 and WGS84 lon/lat are treated as equal (gis.crs): no datum step.
    label = STORAGE_CRS if src is None or src.is_geographic else src.to_wkt()
    return encode(np.asarray(gdf.geometry.to_numpy(), dtype=object)), label, len(gdf)


def _attributes(store: Any, layer_id: str) -> pd.DataFrame:
    attrs_of = getattr(store, "attributes", None)
    if attrs_of is not None:
        return attrs_of(layer_id)
    gdf = store.layer(layer_id)
    geometry = getattr(gdf, "geometry", None)
    return pd.DataFrame(gdf.drop(columns=[geometry.name])) if geometry is not None else pd.DataFrame(gdf)


def to_work_crs(arrays: Mapping[str, np.ndarray], src: str, dst: str) -> dict[str, np.ndarray]:
    """The geometry arrays moved from ``src`` to ``dst``: each family's coordinates in one
    vectorised transform (2D, as ``shapely.transform`` gives), collections through shapely."""
    if src == dst:
        return dict(arrays)
    tr = transformer(src, dst)
    out = dict(arrays)
    for key, coords in arrays.items():
        if key.endswith(".coords"):
            x, y = tr.transform(np.asarray(coords[:, 0]), np.asarray(coords[:, 1]))
            out[key] = np.column_stack([x, y])
    if "wkb.data" in arrays:
        column = GeomColumn(arrays)
        wkb_rows = np.flatnonzero(column.family == 3)
        moved = shapely.transform(column.take(wkb_rows), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        blobs = shapely.to_wkb(moved)
        sizes = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
        out["wkb.data"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        out["wkb.off"] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return out


def _coord_ranges(column: GeomColumn) -> tuple[np.ndarray, np.ndarray]:
    """(first, end) coordinate of each feature within its family's coordinates (0, 0 for the others)."""
    start = np.zeros(column.n, dtype=np.int64)
    end = np.zeros(column.n, dtype=np.int64)
    for code, family in column.families.items():
        rows = np.flatnonzero(column.family == code)
        if len(rows):
            start[rows], end[rows] = family.coord_range(column.row[rows])
    return start, end


def _runs(first: np.ndarray, count: np.ndarray, owner: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of at most ``k`` segments sharing their end vertices over lines of ``count``
    coordinates from ``first``: (owner, start, length) per run, in line order."""
    n_runs = np.maximum((count - 1 + k - 1) // k, 1)
    line = np.repeat(np.arange(len(count)), n_runs)
    run_no = np.arange(int(n_runs.sum())) - np.repeat(np.cumsum(n_runs) - n_runs, n_runs)
    start = first[line] + run_no * k
    length = np.minimum(k + 1, count[line] - run_no * k)
    return owner[line], start, length


def build_pieces(column: GeomColumn, *, run: int = PIECE_VERTICES) -> dict[str, np.ndarray]:
    """The pieces of a layer as arrays (``pc.owner``, ``pc.kind``, ``pc.start``, ``pc.len``,
    ``pc.bounds``, ``pc.vertex``): features of at most 2 x ``run`` coordinates whole; the
    outlines of larger ones (polygon rings, line parts) as runs of ``run`` segments; the
    points of a large multipoint one by one. Order: whole features, points, runs (each by
    feature, then part), as ``zoning._spatial._pieces`` cuts a project."""
    start, end = _coord_ranges(column)
    counts = end - start
    big = (counts > 2 * run) & np.isin(column.family, (0, 1, 2))
    small = np.flatnonzero(~big)
    owners: list[np.ndarray] = [small]
    kinds: list[np.ndarray] = [np.full(len(small), _WHOLE, dtype=np.int8)]
    starts: list[np.ndarray] = [start[small]]
    lens: list[np.ndarray] = [counts[small]]
    # Points of large multipoints.
    pts = np.flatnonzero(big & (column.family == 0))
    if len(pts):
        idx = ranges(start[pts], end[pts])
        owners.append(np.repeat(pts, counts[pts]))
        kinds.append(np.full(len(idx), _POINT, dtype=np.int8))
        starts.append(idx)
        lens.append(np.ones(len(idx), dtype=np.int64))
    # Runs over rings (polygons) and line parts, merged in feature order.
    run_parts = []
    for code in (1, 2):
        rows = np.flatnonzero(big & (column.family == code))
        if not len(rows):
            continue
        family = column.families[code]
        idx = column.row[rows].astype(np.int64)
        owner = rows
        for off in reversed(family.offsets[1:]):  # down to the innermost level above coordinates
            s, e = off[idx], off[idx + 1]
            owner = np.repeat(owner, e - s)
            idx = ranges(s, e)
        inner = family.offsets[0]
        run_parts.append(_runs(inner[idx], inner[idx + 1] - inner[idx], owner, run))
    if run_parts:
        o, s, ln = (np.concatenate(p) for p in zip(*run_parts, strict=True))
        order = np.argsort(o, kind="stable")
        owners.append(o[order])
        kinds.append(np.full(len(o), _RUN, dtype=np.int8))
        starts.append(s[order])
        lens.append(ln[order])
    owner = np.concatenate(owners).astype(np.int64)
    kind = np.concatenate(kinds)
    pstart = np.concatenate(starts).astype(np.int64)
    plen = np.concatenate(lens).astype(np.int64)
    bounds, vertex = _piece_boxes(column, owner, kind, pstart, plen)
    return {"pc.owner": owner, "pc.kind": kind, "pc.start": pstart, "pc.len": plen, "pc.bounds": bounds, "pc.vertex": vertex}


def _piece_boxes(
    column: GeomColumn, owner: np.ndarray, kind: np.ndarray, start: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.full((len(owner), 4), np.nan)
    vertex = np.full((len(owner), 2), np.nan)
    whole = np.flatnonzero(kind == _WHOLE)
    fb, fv = column.bounds(), column.first_vertex()
    bounds[whole], vertex[whole] = fb[owner[whole]], fv[owner[whole]]
    for code, family in column.families.items():
        sel = np.flatnonzero((kind != _WHOLE) & (column.family[owner] == code))
        if len(sel):
            bounds[sel] = range_bounds(family.coords, start[sel], start[sel] + length[sel])
            vertex[sel] = np.asarray(family.coords[start[sel]])[:, :2]
    return bounds, vertex


def _piece_builder(column: GeomColumn, feats: Geoms, arrays: Mapping[str, np.ndarray], positions: np.ndarray | None = None) -> Any:
    """Builds pieces: whole features from ``feats`` (layer positions: ``positions`` of the
    column's rows, when the column holds a window of the layer), runs and points from the
    column's coordinates."""
    owner, kind, start, length = (arrays[k] for k in ("pc.owner", "pc.kind", "pc.start", "pc.len"))
    layer_owner = owner if positions is None else positions[owner]

    def build(rows: np.ndarray) -> np.ndarray:
        out = np.full(len(rows), None, dtype=object)
        k = kind[rows]
        whole = np.flatnonzero(k == _WHOLE)
        if len(whole):
            out[whole] = feats[layer_owner[rows[whole]]]
        for code, family in column.families.items():
            fam = column.family[owner[rows]] == code
            runs = np.flatnonzero((k == _RUN) & fam)
            if len(runs):
                s, ln = start[rows[runs]], length[rows[runs]]
                coords = np.asarray(family.coords[ranges(s, s + ln)])
                offsets = np.concatenate([[0], np.cumsum(ln)]).astype(np.int64)
                out[runs] = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (offsets,))
            points = np.flatnonzero((k == _POINT) & fam)
            if len(points):
                out[points] = shapely.points(np.asarray(family.coords[start[rows[points]]]))
        return out

    return build


def _check_pieces(arrays: Mapping[str, np.ndarray], column: GeomColumn) -> None:
    """Refuse piece arrays that do not fit the features (``ColumnError``)."""
    keys = ("pc.owner", "pc.kind", "pc.start", "pc.len", "pc.bounds", "pc.vertex")
    if any(k not in arrays for k in keys):
        msg = "piece arrays missing"
        raise ColumnError(msg)
    owner, kind, start, length, bounds, vertex = (arrays[k] for k in keys)
    m = len(owner)
    if not (kind.shape == start.shape == length.shape == (m,) and bounds.shape == (m, 4) and vertex.shape == (m, 2)):
        msg = "piece array shapes"
        raise ColumnError(msg)
    if m and (owner.min() < 0 or owner.max() >= column.n or not np.isin(kind, (_WHOLE, _RUN, _POINT)).all()):
        msg = "piece owners or kinds"
        raise ColumnError(msg)
    cut = kind != _WHOLE
    if cut.any():
        fam = column.family[owner[cut]]
        if not np.isin(fam, list(column.families)).all():
            msg = "pieces of features without coordinates"
            raise ColumnError(msg)
        size = np.array([len(column.families[int(f)].coords) if int(f) in column.families else 0 for f in range(3)])
        s, ln = start[cut], length[cut]
        least = np.where(kind[cut] == _RUN, 2, 1)
        if (s < 0).any() or (ln < least).any() or (s + ln > size[fam]).any():
            msg = "piece coordinate ranges"
            raise ColumnError(msg)


def _text_arrays(frame: pd.DataFrame) -> tuple[list[str], dict[str, np.ndarray]]:
    """Every column as stripped text (None for missing/blank), as UTF-8 data + offsets + validity."""
    import pyarrow as pa

    names: list[str] = []
    out: dict[str, np.ndarray] = {}
    for k, name in enumerate(frame.columns):
        text = _text_column(frame[name])
        arr = pa.array(text, type=pa.large_string())
        validity = np.asarray(arr.is_valid(), dtype=bool)
        buffers = arr.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1].copy()
        data = np.frombuffer(buffers[2], dtype=np.uint8).copy() if buffers[2] is not None else np.zeros(0, np.uint8)
        out[f"t{k}.data"] = data
        out[f"t{k}.off"] = offsets
        out[f"t{k}.valid"] = validity
        names.append(str(name))
    return names, out


def _arrow_text(parts: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """An object array of str/None from UTF-8 data, offsets and validity (``_text_arrays``)."""
    import pyarrow as pa

    data, offsets, valid = parts
    n = len(valid)
    if len(offsets) != n + 1 or offsets[0] < 0 or (np.diff(offsets) < 0).any() or offsets[-1] > len(data):
        msg = "text offsets"
        raise ColumnError(msg)
    arr = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(np.ascontiguousarray(offsets)), pa.py_buffer(np.ascontiguousarray(data)),
        pa.py_buffer(np.packbits(valid, bitorder="little")),
    )  # fmt: skip
    arr.validate(full=True)  # UTF-8 checked: a damaged file is refused, never decoded wrongly
    # One Python string per distinct value (zones, status, sources repeat a few values).
    encoded = arr.dictionary_encode()
    values = encoded.dictionary.to_numpy(zero_copy_only=False)
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    out = np.full(n, None, dtype=object)
    valid_rows = codes >= 0
    out[valid_rows] = values[codes[valid_rows]]
    return out


def _text(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v).strip()


def _text_column(column: pd.Series) -> np.ndarray:
    """The column as stripped text, NaN/None/"" replaced by None (object array)."""
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype):
        # Text columns (pandas str dtype, as read through Arrow): vectorised strip.
        text = column.str.strip()
        out = text.to_numpy(dtype=object, na_value=None)
        out[(text.isna() | (text == "")).to_numpy(dtype=bool)] = None
        return out
    return np.array([t if (t := _text(v)) else None for v in column.to_numpy(dtype=object)], dtype=object)


def _derived(store: Any, what: str, make: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) of derived entry ``what`` (of this code's recipe): from the store's
    pack, else made (and kept there, replacing entries of older recipes)."""
    pack = getattr(store, "pack", None)
    name = f"{what}.{_recipe()}"
    if pack is not None:
        hit = pack.derived(name)
        if hit is not None:
            return hit
    meta, arrays = make()
    if pack is not None:
        pack.put_derived(name, meta, arrays, replaces=f"{what}.")
    return meta, arrays


def _load_text(store: Any, layer_id: str) -> tuple[int, dict[str, Any]]:
    def make() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        frame = _attributes(store, layer_id)
        names, arrays = _text_arrays(frame)
        return {"columns": names, "n": len(frame)}, arrays

    meta, arrays = _derived(store, f"text.{layer_id}", make)
    cols = {name: (arrays[f"t{k}.data"], arrays[f"t{k}.off"], arrays[f"t{k}.valid"]) for k, name in enumerate(meta["columns"])}
    return int(meta["n"]), cols


def _make_index_arrays(store: Any, layer_id: str, crs: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    arrays, src, n = _source(store, layer_id)
    moved = to_work_crs(arrays, src, crs)
    bounds = GeomColumn(moved, n).bounds()
    # Coordinates stored along a Z-order curve of the features' boxes (``reordered``).
    moved = reordered(moved, _zkey(bounds))
    column = GeomColumn(moved, n)
    out = {f"g.{k}": v for k, v in moved.items()}
    out["bounds"] = bounds
    out.update(build_pieces(column))
    return {"n": n, "crs": crs}, out


def zorder(x: np.ndarray, y: np.ndarray, bits: int = 16) -> np.ndarray:
    """Z-order (Morton) key of points scaled into a 2^bits grid over their extent: sorting by
    it puts points near each other mostly near each other in the order."""
    key = np.zeros(len(x), dtype=np.int64)
    if len(x) == 0:
        return key
    span = max(float(np.ptp(x)), float(np.ptp(y))) or 1.0
    scale = (1 << bits) - 1
    xi = ((x - x.min()) / span * scale).astype(np.int64)
    yi = ((y - y.min()) / span * scale).astype(np.int64)
    for b in range(bits):
        key |= ((xi >> b) & 1) << (2 * b)
        key |= ((yi >> b) & 1) << (2 * b + 1)
    return key


def _zkey(bounds: np.ndarray) -> np.ndarray:
    """Z-order key of the boxes' centres (rows without a box last)."""
    ok = np.isfinite(bounds).all(axis=1)
    key = np.full(len(bounds), np.iinfo(np.int64).max, dtype=np.int64)
    key[ok] = zorder((bounds[ok, 0] + bounds[ok, 2]) / 2, (bounds[ok, 1] + bounds[ok, 3]) / 2)
    return key


def _open_index_arrays(store: Any, layer_id: str, crs: str) -> tuple[GeomColumn, dict[str, np.ndarray]]:
    name = f"index.{layer_id}@{_safe_crs(crs)}"
    meta, arrays = _derived(store, name, lambda: _make_index_arrays(store, layer_id, crs))
    try:
        column, arrays = _checked_index(meta, arrays, crs)
    except (ColumnError, KeyError, TypeError, ValueError) as err:
        if getattr(store, "pack", None) is None:
            raise
        log.warning("index cache of layer %s in %s unusable (%s); building it again", layer_id, crs, err)
        meta, arrays = _make_index_arrays(store, layer_id, crs)
        column, arrays = _checked_index(meta, arrays, crs)
    return column, arrays


def _checked_index(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], crs: str) -> tuple[GeomColumn, dict[str, np.ndarray]]:
    n = int(meta["n"])
    if meta.get("crs") != crs:
        msg = "index of another CRS"
        raise ColumnError(msg)
    column = GeomColumn({k[2:]: v for k, v in arrays.items() if k.startswith("g.")}, n)
    if arrays["bounds"].shape != (n, 4):
        msg = "bounds"
        raise ColumnError(msg)
    _check_pieces(arrays, column)
    return column, dict(arrays)


@dataclass(frozen=True, eq=False)
class _LayerText:
    """A layer's text columns and the fields the engine reads, shared by its work CRSs."""

    n: int
    columns: _TextColumns
    names: np.ndarray
    legal_status: np.ndarray
    sources: np.ndarray


_texts: OrderedDict[tuple[str, str], _LayerText] = OrderedDict()


def _layer_text(store: Any, layer_id: str) -> _LayerText:
    key = (str(store.sha256 or f"id:{id(store)}"), layer_id)
    with _cache_lock:
        hit = _texts.get(key)
    if hit is not None:
        return hit
    n, raw = _load_text(store, layer_id)
    columns = _TextColumns(raw)
    names = columns["name"].copy() if "name" in columns else np.full(n, None, dtype=object)
    for i in np.flatnonzero(pd.isna(names)):
        names[i] = f"{layer_id}#{i}"
    legal = columns["legal_status"].copy() if "legal_status" in columns else np.full(n, None, dtype=object)
    legal[pd.isna(legal)] = "法定"
    sources = columns["source"].copy() if "source" in columns else np.full(n, None, dtype=object)
    sources[pd.isna(sources)] = ""
    text = _LayerText(n, columns, names, legal, sources)
    with _cache_lock:
        _texts[key] = text
        while len(_texts) > _CACHE_MAX:
            _texts.popitem(last=False)
    return text


def _build_index(store: ZoneStoreLike, layer_id: str, crs: str, zone_field: str | None) -> LayerIndex:
    column, arrays = _open_index_arrays(store, layer_id, crs)
    text = _layer_text(store, layer_id)
    if text.n != column.n:
        msg = f"layer {layer_id}: {text.n} attribute rows for {column.n} geometries"
        raise ColumnError(msg)
    columns = text.columns
    start, end = _coord_ranges(column)
    feats = Geoms(column.n, column.take, np.maximum(end - start, 1))
    pieces = Geoms(
        len(arrays["pc.owner"]), _piece_builder(column, feats, arrays), np.maximum(arrays["pc.len"], 1), prepare=False
    )
    n = column.n
    zones = columns[zone_field] if zone_field and zone_field in columns else np.full(n, None, dtype=object)
    bounds = np.asarray(arrays["bounds"])
    return LayerIndex(
        layer=layer_id,
        crs=crs,
        geoms=feats,
        bounds=bounds,
        names=text.names,
        zones=zones,
        legal_status=text.legal_status,
        sources=text.sources,
        columns=columns,
        pieces=pieces,
        piece_owner=np.asarray(arrays["pc.owner"], dtype=np.intp),
        piece_kind=np.asarray(arrays["pc.kind"]),
        piece_bounds=np.asarray(arrays["pc.bounds"]),
        piece_vertex=np.asarray(arrays["pc.vertex"]),
    )


def _window_index(
    store: Any, layer_id: str, crs: str, zone_field: str | None, window: tuple[float, float, float, float] | None
) -> LayerIndex:
    """The index of the features of a store screened tile by tile (``store.windowed``: a
    PostGIS store) whose boxes meet ``window`` (work-CRS bounds; None: all): the layer's
    attributes whole, the geometry of the window's features only, at their layer positions."""
    from pyproj import CRS as _CRS

    text = _layer_text(store, layer_id)
    n = text.n
    layer_crs = store.layer_crs(layer_id)
    src = STORAGE_CRS if layer_crs.is_geographic else layer_crs.to_wkt()
    stored_window = None
    if window is not None:
        tr = Transformer.from_crs(_CRS.from_user_input(crs), layer_crs, always_xy=True)
        stored_window = tr.transform_bounds(*window, densify_pts=21)
    positions, geoms = store.fetch_window(layer_id, stored_window)
    positions = np.asarray(positions, dtype=np.intp)
    moved = to_work_crs(encode(np.asarray(geoms, dtype=object)), src, crs)
    column = GeomColumn(moved, len(positions))
    local = np.full(n, -1, dtype=np.intp)
    local[positions] = np.arange(len(positions))
    start, end = _coord_ranges(column)
    sizes = np.ones(n, dtype=np.int64)
    sizes[positions] = np.maximum(end - start, 1)
    feats = Geoms(n, lambda rows: column.take(local[rows]), sizes)
    bounds = np.full((n, 4), np.nan)
    bounds[positions] = column.bounds()
    pieces = build_pieces(column)
    piece_rows = len(pieces["pc.owner"])
    return LayerIndex(
        layer=layer_id, crs=crs, geoms=feats, bounds=bounds, names=text.names,
        zones=text.columns[zone_field] if zone_field and zone_field in text.columns else np.full(n, None, dtype=object),
        legal_status=text.legal_status, sources=text.sources, columns=text.columns,
        pieces=Geoms(piece_rows, _piece_builder(column, feats, pieces, positions), np.maximum(pieces["pc.len"], 1), prepare=False),
        piece_owner=positions[pieces["pc.owner"]].astype(np.intp), piece_kind=pieces["pc.kind"],
        piece_bounds=pieces["pc.bounds"], piece_vertex=pieces["pc.vertex"],
    )  # fmt: skip


_cache: OrderedDict[tuple[str, str, str, str | None], LayerIndex] = OrderedDict()
_cache_lock = threading.Lock()
_build_locks: dict[tuple[str, str, str, str | None], threading.Lock] = {}


def layer_index(
    store: ZoneStoreLike,
    layer_id: str,
    crs: str,
    *,
    zone_field: str | None,
    window: tuple[float, float, float, float] | None = None,
) -> LayerIndex:
    """The index of ``layer_id`` in ``crs``, built on first use and kept per process.

    Keyed on the store's content hash, so a changed store file gets fresh indexes; one build
    per key even when several threads (app sessions) ask at once. A store screened tile by
    tile (``windowed``: PostGIS) gives an index of the features meeting ``window`` (work-CRS
    bounds; None: the whole layer), made for the call; other stores ignore ``window``.
    """
    if getattr(store, "windowed", False):
        return _window_index(store, layer_id, crs, zone_field, window)
    key = (str(store.sha256 or f"id:{id(store)}"), crs, layer_id, zone_field)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        lock = _build_locks.setdefault(key, threading.Lock())
    with lock:
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None:
            return hit
        index = _build_index(store, layer_id, crs, zone_field)
        with _cache_lock:
            _cache[key] = index
            _build_locks.pop(key, None)
            while len(_cache) > _CACHE_MAX:
                _cache.popitem(last=False)
    return index


def clear_index_cache(crs: str | None = None) -> None:
    """Drop the cached layer indexes (of work CRS ``crs`` only, when given): tests, memory
    pressure, a batch done with a zone."""
    with _cache_lock:
        if crs is None:
            _cache.clear()
            _texts.clear()
            return
        for key in [k for k in _cache if k[1] == crs]:
            del _cache[key]


def store_crs_list(store: Any) -> list[str]:
    """The Gauss-Kruger work CRSs (west to east) the store's admin layer (else all its
    layers) spans (``gis.crs.gk_zones_spanning``)."""
    from gis.crs import gk_zones_spanning, lonlat_bounds

    cat = getattr(store, "catalog", None)
    admin = cat.role_layer("admin") if cat is not None and hasattr(cat, "role_layer") else None
    west, east = np.inf, -np.inf
    for lid in [admin] if admin is not None and admin in store.layer_ids else list(store.layer_ids):
        arrays, src, n = _source(store, lid)
        b = GeomColumn(arrays, n).bounds() if n else np.empty((0, 4))
        b = b[np.isfinite(b).all(axis=1)]
        if not len(b):
            continue
        box = lonlat_bounds((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), src)
        west, east = min(west, box[0]), max(east, box[2])
    return gk_zones_spanning(west, east) if west <= east else []


def families_of(kinds: np.ndarray) -> np.ndarray:
    """Family code of shapely type ids (``layers._geoarrays.FAMILY_OF_KIND``; 3 = other)."""
    out = np.full(len(kinds), 3, dtype=np.int8)
    for k, f in FAMILY_OF_KIND.items():
        out[kinds == k] = f
    return out
