"""Spatial helpers of the engine: layer indexes in the metric work CRS and vectorised measures.

Every measurement here is planar, in a CGCS2000 3-degree Gauss-Kruger zone (metres), on
shapely arrays: STRtree bulk queries find candidate (project, feature) pairs, exact
geometry runs only on those pairs, never on whole layers.

Notes
-----
Layers are moved into a work CRS once per store version and kept as arrays in the store's
pack (``zoning._index``: features and pieces built only where a question needs them); the
indexes of a process are cached per (store content hash, work CRS, layer), read-only once
built and shared by all callers (CLI, app sessions).

Nearest-feature and distance searches run on *pieces*: small features as they are, the
boundaries of large ones (more than ``PIECE_VERTICES`` x 2 vertices) cut into runs of
``PIECE_VERTICES`` segments (the idea of PostGIS's ST_Subdivide). For a project that does
not touch a feature, its distance to the feature is the smallest distance to the feature's
boundary (a polygon's nearest point to an outside geometry is on a ring), so the answers
are those of the whole features, while each exact distance costs tens of segments instead
of thousands. The nearest feature of every layer is found in one search of all layers'
pieces together (``nearest_by_layer``): a bounding-box query, box-distance lower bounds
against vertex-distance upper bounds per (project, layer), exact distances only for the
few pairs that can still win.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod

from gis.crs import STORAGE_CRS
from zoning import _index
from zoning._index import (
    PIECE_VERTICES,
    BoxTree,
    LayerIndex,
    ZoneStoreLike,
    layer_index,
    store_crs_list,
    transformer,
    zorder,
)

__all__ = [
    "ZoneStoreLike",
    "LayerIndex",
    "layer_index",
    "store_crs_list",
    "clear_index_cache",
    "to_crs",
    "touching_pairs",
    "within_pairs",
    "NearIndex",
    "near_index",
    "nearest_by_layer",
    "overlap_measures",
    "near_boundary_mask",
    "bearings_deg",
    "county_names",
    "zorder",
]

_GEOD = Geod(ellps="GRS80")  # the CGCS2000 ellipsoid (GRS80 to within 0.1 mm)
_CACHE_MAX = 48
#: Segments per piece of a project's outline in the nearest search.
_PROBE_VERTICES = 8
#: Batches of more projects than this are searched in two rounds (near_m / 4, then near_m):
#: fewer candidate pairs for the many projects settled within the first; a single project
#: is faster in one round (each round has a fixed cost).
_TWO_ROUNDS_FROM = 16
_cache_lock = threading.Lock()


def to_crs(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Transform an array of shapely geometries from ``src`` to ``dst`` (vectorised)."""
    if src == dst:
        return geoms
    tr = transformer(src, dst)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _xy)


def _pieces(geoms: np.ndarray, *, run: int = PIECE_VERTICES) -> tuple[np.ndarray, np.ndarray]:
    """(pieces, owner feature of each) for the distance searches (module notes): geometries
    with more than 2 x ``run`` vertices as runs of their outline. (The zone layers' pieces
    are cut the same way from their arrays: ``zoning._index.build_pieces``.)"""
    n = len(geoms)
    counts = shapely.get_num_coordinates(geoms)
    big = counts > 2 * run
    small_idx = np.flatnonzero(~big)
    big_idx = np.flatnonzero(big)
    if len(big_idx) == 0:
        return geoms, np.arange(n, dtype=np.intp)
    dims = shapely.get_dimensions(geoms[big_idx])
    # Rings of polygons; lines as they are (a line's boundary would be its end points).
    outline = np.where(dims == 2, shapely.boundary(geoms[big_idx]), geoms[big_idx])
    parts, part_owner = shapely.get_parts(outline, return_index=True)
    is_line = shapely.get_dimensions(parts) == 1  # points of a large multipoint stay whole
    runs, run_part = _cut_lines(parts[is_line], run)
    line_owner = part_owner[is_line][run_part]
    pieces = np.concatenate([geoms[small_idx], parts[~is_line], runs])
    owner = np.concatenate([small_idx, big_idx[part_owner[~is_line]], big_idx[line_owner]]).astype(np.intp)
    return pieces, owner


def _cut_lines(lines: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut linestrings into runs of at most ``k`` segments sharing their end vertices:
    (runs, index of the line each run came from)."""
    coords, line_of = shapely.get_coordinates(lines, return_index=True)
    m = np.bincount(line_of, minlength=len(lines))
    first = np.concatenate([[0], np.cumsum(m)[:-1]])
    n_runs = np.maximum((m - 1 + k - 1) // k, 1)
    run_line = np.repeat(np.arange(len(lines)), n_runs)
    run_no = np.arange(n_runs.sum()) - np.repeat(np.cumsum(n_runs) - n_runs, n_runs)
    start = first[run_line] + run_no * k
    length = np.minimum(k + 1, m[run_line] - run_no * k)
    offsets = np.concatenate([[0], np.cumsum(length)])
    take = np.repeat(start - offsets[:-1], length) + np.arange(offsets[-1])
    return shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords[take], (offsets,)), run_line


def _empty_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    empty = np.empty(0, dtype=np.intp)
    return empty, empty.copy(), np.empty(0)


def touching_pairs(index: LayerIndex, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (project, feature) pairs that intersect (touching included): one bulk query."""
    if len(index) == 0 or len(geoms) == 0:
        pi, fi, _ = _empty_pairs()
        return pi, fi
    pi, fi = index.tree.query(geoms, predicate="intersects")
    return pi, fi


def _pair_codes(pi: np.ndarray, fi: np.ndarray, n_features: int) -> np.ndarray:
    return pi.astype(np.int64) * max(n_features, 1) + fi.astype(np.int64)


def _is_in(values: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``np.isin`` for the small arrays of one call (a sorted search; isin's setup costs more)."""
    if len(ref) == 0 or len(values) == 0:
        return np.zeros(len(values), dtype=bool)
    ref = np.sort(ref)
    pos = np.minimum(np.searchsorted(ref, values), len(ref) - 1)
    return ref[pos] == values


def within_pairs(
    index: LayerIndex, geoms: np.ndarray, which: np.ndarray, reach_m: float, touching: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of the projects ``which`` with features within ``reach_m`` that they do not
    touch, with the planar distance (> 0); touching pairs are known already.

    Searched on the pieces: an untouched feature's distance is its nearest piece's.
    """
    if len(index) == 0 or len(which) == 0 or reach_m <= 0:
        return _empty_pairs()
    sub, ci = index.piece_tree.query(geoms[which], predicate="dwithin", distance=reach_m)
    pi, fi = which[sub], index.piece_owner[ci]
    codes = _pair_codes(pi, fi, len(index))
    fresh = ~_is_in(codes, _pair_codes(*touching, len(index)))
    pi, fi, ci, codes = pi[fresh], fi[fresh], ci[fresh], codes[fresh]
    dist = shapely.distance(geoms[pi], index.pieces[ci])
    # Per (project, feature) the nearest of its pieces.
    order = np.lexsort((dist, codes))
    codes, pi, fi, dist = codes[order], pi[order], fi[order], dist[order]
    first = _starts(codes)
    return pi[first], fi[first], dist[first]


def _starts(sorted_keys: np.ndarray) -> np.ndarray:
    """True at the first element of each run of equal keys (sorted input)."""
    out = np.ones(len(sorted_keys), dtype=bool)
    out[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return out


@dataclass(frozen=True, eq=False)
class NearIndex:
    """The pieces of every zone layer of one work CRS in one STRtree, for the nearest search."""

    layers: tuple[LayerIndex, ...]
    layer_of: np.ndarray
    owner: np.ndarray
    bounds: np.ndarray
    vertex: np.ndarray
    tree: BoxTree
    #: Position of each layer's first piece (its pieces are contiguous, in its own order).
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)

    def pieces(self, rows: np.ndarray) -> np.ndarray:
        """The pieces at positions ``rows`` of the combined order (built on demand)."""
        out = np.full(len(rows), None, dtype=object)
        lay = self.layer_of[rows]
        for k in np.unique(lay):
            at = np.flatnonzero(lay == k)
            out[at] = self.layers[int(k)].pieces[rows[at] - self.offsets[k]]
        return out


_near_cache: OrderedDict[tuple[int, ...], NearIndex] = OrderedDict()


def near_index(indexes: Sequence[LayerIndex]) -> NearIndex:
    """The combined index of ``indexes`` (built once per set of cached layer indexes)."""
    key = tuple(id(ix) for ix in indexes)
    with _cache_lock:
        hit = _near_cache.get(key)
        if hit is not None and all(a is b for a, b in zip(hit.layers, indexes, strict=True)):
            _near_cache.move_to_end(key)
            return hit
    sizes = [len(ix.piece_owner) for ix in indexes]
    layer_of = np.repeat(np.arange(len(indexes), dtype=np.intp), sizes)
    owner = np.concatenate([ix.piece_owner for ix in indexes]) if indexes else np.empty(0, np.intp)
    bounds = np.concatenate([ix.piece_bounds for ix in indexes]) if indexes else np.empty((0, 4))
    vertex = np.concatenate([ix.piece_vertex for ix in indexes]) if indexes else np.empty((0, 2))
    offsets = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.intp)
    boxes = np.concatenate([ix.piece_boxes for ix in indexes]) if indexes else np.empty(0, dtype=object)
    built = NearIndex(tuple(indexes), layer_of, owner, bounds, vertex, BoxTree(boxes, None), offsets)
    with _cache_lock:
        _near_cache[key] = built
        while len(_near_cache) > _CACHE_MAX // 8:
            _near_cache.popitem(last=False)
    return built


def clear_index_cache(crs: str | None = None) -> None:
    """Drop the cached layer indexes and combined near indexes (of work CRS ``crs`` only,
    when given)."""
    _index.clear_index_cache(crs)
    with _cache_lock:
        for key in [k for k, v in _near_cache.items() if crs is None or any(ix.crs == crs for ix in v.layers)]:
            del _near_cache[key]


def _group_min(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each element, the smallest value of its group."""
    uniq, inverse = np.unique(groups, return_inverse=True)
    out = np.full(len(uniq), np.inf)
    np.minimum.at(out, inverse, values)
    return out[inverse]


def nearest_by_layer(
    near: NearIndex, geoms: np.ndarray, touching: Sequence[tuple[np.ndarray, np.ndarray]], near_m: float
) -> list[tuple[LayerIndex, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Per layer of ``near`` and per project, the nearest feature within ``near_m`` that the
    project does not touch (``touching[k]`` = touching pairs of layer k): (index, (projects,
    features, distances)), ties to the lowest feature id.

    A bounded search on pieces of both sides: projects' outlines are cut into short runs
    (points stay whole); candidate pairs come from one bounding-box query; a pair is
    measured only when its box distance does not exceed the smallest upper bound of its
    (project, layer) group (a vertex-to-vertex distance). Big batches are searched first
    within ``near_m / 4``; a group with nothing that near is searched again within ``near_m``.
    """
    n, n_layers = len(geoms), len(near.layers)
    if n == 0 or n_layers == 0 or near_m <= 0 or len(near) == 0:
        return [(ix, _empty_pairs()) for ix in near.layers]
    p_pieces, p_owner = _pieces(geoms, run=_PROBE_VERTICES)
    p_bounds = shapely.bounds(p_pieces)
    p_vertex = _first_vertices(p_pieces)
    width = max((len(ix) for ix in near.layers), default=1) + 1
    touched = np.concatenate(
        [(pi.astype(np.int64) * n_layers + k) * width + fi for k, (pi, fi) in enumerate(touching)]
    ) if touching else np.empty(0, np.int64)
    done = np.zeros(n * n_layers, dtype=bool)
    found = []
    for radius in (near_m / 4, near_m) if n > _TWO_ROUNDS_FROM else (near_m,):
        todo = np.logical_not(done.reshape(n, n_layers).all(axis=1))
        if not todo.any():
            break
        sel = np.flatnonzero(todo[p_owner])
        res = _near_round(near, None, p_pieces[sel], p_owner[sel], p_bounds[sel], p_vertex[sel], radius, touched, done, width)
        found.append(res)
        done[res[0] * n_layers + res[1]] = True
    p, lay, f, d = (np.concatenate(parts) for parts in zip(*found, strict=True)) if found else (np.empty(0, np.intp),) * 4
    out = []
    for k, ix in enumerate(near.layers):
        m = lay == k
        out.append((ix, (p[m].astype(np.intp), f[m].astype(np.intp), d[m].astype(float))))
    return out


def _first_vertices(geoms: np.ndarray) -> np.ndarray:
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    first = np.searchsorted(which, np.arange(len(geoms)))
    return coords[first]


def _near_round(
    near: NearIndex,
    layer: int | None,
    q: np.ndarray,
    q_owner: np.ndarray,
    q_bounds: np.ndarray,
    q_vertex: np.ndarray,
    radius: float,
    touched: np.ndarray,
    done: np.ndarray,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One search of all layers (``layer`` None, the combined tree) or of one layer (its own
    tree) within ``radius``: (project, layer, feature, distance) of the groups it settles."""
    n_layers = len(near.layers)
    b = q_bounds
    boxes = shapely.box(b[:, 0] - radius, b[:, 1] - radius, b[:, 2] + radius, b[:, 3] + radius)
    if layer is None:
        qi, ci = near.tree.query(boxes)  # boxes only: no geometry is built here
    else:
        qi, ci = near.layers[layer].piece_tree.query(boxes)
        ci = ci + near.offsets[layer]
    p, lay, f = q_owner[qi], near.layer_of[ci], near.owner[ci]
    group = p.astype(np.int64) * n_layers + lay
    keep = ~done[group]
    if len(touched):
        keep &= ~_is_in(group * width + f, touched)
    qi, ci, p, lay, f, group = qi[keep], ci[keep], p[keep], lay[keep], f[keep], group[keep]
    zb, qb = near.bounds[ci], b[qi]
    dx = np.maximum(0.0, np.maximum(zb[:, 0] - qb[:, 2], qb[:, 0] - zb[:, 2]))
    dy = np.maximum(0.0, np.maximum(zb[:, 1] - qb[:, 3], qb[:, 1] - zb[:, 3]))
    lower = np.hypot(dx, dy)
    upper = np.hypot(*(near.vertex[ci] - q_vertex[qi]).T)
    keep = lower <= np.minimum(radius, _group_min(group, upper))
    qi, ci, p, lay, f, group = qi[keep], ci[keep], p[keep], lay[keep], f[keep], group[keep]
    dist = shapely.distance(q[qi], near.pieces(ci))
    keep = dist <= radius
    p, lay, f, group, dist = p[keep], lay[keep], f[keep], group[keep], dist[keep]
    order = np.lexsort((f, dist, group))
    first = _starts(group[order])
    sel = order[first]
    return p[sel], lay[sel], f[sel], dist[sel]


def line_parts(geoms: np.ndarray) -> np.ndarray:
    """The line parts of each geometry: lines as they are, None for points and polygons,
    and for a mixed collection (a KML MultiGeometry of a site and its access road) a
    MultiLineString of its lines — so the road's length is measured, not lost."""
    out = np.array(geoms, dtype=object)
    out[shapely.get_dimensions(geoms) != 1] = None
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    if len(mixed):
        parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
        keep = shapely.get_dimensions(parts) == 1
        for k in np.unique(owner[keep]):
            lines = shapely.get_parts(parts[keep & (owner == k)])  # multi-lines to their lines
            out[mixed[k]] = shapely.multilinestrings(lines)
    return out


def overlap_measures(p_geoms: np.ndarray, z_geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """project ∩ zone per pair: (intersection geometries, area_m2, length_m).

    ``length_m`` is the length of the line parts of the project inside the zone (see
    ``line_parts``); it is 0 for polygon and point projects (their intersections'
    perimeters are not lengths).
    """
    inter = shapely.intersection(p_geoms, z_geoms)
    area = shapely.area(inter)
    length = np.where(shapely.get_dimensions(p_geoms) == 1, shapely.length(inter), 0.0)
    # Mixed collections (a site polygon with its access road): the length of their lines.
    mixed = np.flatnonzero(shapely.get_type_id(p_geoms) == 7)
    if len(mixed):
        lines = line_parts(p_geoms[mixed])
        has = ~shapely.is_missing(lines)
        length[mixed[has]] = shapely.length(shapely.intersection(lines[has], z_geoms[mixed[has]]))
    return inter, area, length


def near_boundary_mask(p_geoms: np.ndarray, z_geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """True where a project meets a zone only within ``tolerance_m`` of the zone boundary.

    RULES.md: the zone shrunk by ``tolerance_m`` does not intersect the project. The shrink is
    done locally: the zone is clipped to the project's bounding box grown by 2 x tolerance
    (every boundary point within ``tolerance_m`` of the project lies in that box, so the
    clip edges never come closer than ``tolerance_m``), then buffered by -tolerance.
    Only polygonal zones have an inside to shrink; other zones give False.
    """
    out = np.zeros(len(p_geoms), dtype=bool)
    if tolerance_m <= 0 or len(p_geoms) == 0:
        return out
    polygonal = shapely.get_dimensions(z_geoms) == 2
    xmin, ymin, xmax, ymax = shapely.bounds(p_geoms).T
    t = tolerance_m
    # Fast exit: the project's box grown by t lies inside the zone, so every project point
    # has a t-disc inside the zone and cannot be in the band (prepared contains).
    inside = shapely.contains(z_geoms, shapely.box(xmin - t, ymin - t, xmax + t, ymax + t))
    todo = np.flatnonzero(polygonal & ~inside)
    if len(todo) == 0:
        return out
    boxes = shapely.box(xmin[todo] - 2 * t, ymin[todo] - 2 * t, xmax[todo] + 2 * t, ymax[todo] + 2 * t)
    local = shapely.intersection(z_geoms[todo], boxes)
    shrunk = shapely.buffer(local, -t)
    out[todo] = ~shapely.intersects(p_geoms[todo], shrunk)
    return out


def bearings_deg(p_geoms: np.ndarray, z_geoms: np.ndarray, crs: str) -> np.ndarray:
    """Geodesic azimuth, degrees clockwise from true north in [0, 360), from the project's
    nearest point to the feature's nearest point (nearest points found in the work CRS,
    azimuth computed on the CGCS2000 ellipsoid)."""
    if len(p_geoms) == 0:
        return np.empty(0)
    lines = shapely.shortest_line(p_geoms, z_geoms)
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    tr = transformer(crs, STORAGE_CRS)
    lon1, lat1 = tr.transform(coords[:, 0, 0], coords[:, 0, 1])
    lon2, lat2 = tr.transform(coords[:, 1, 0], coords[:, 1, 1])
    az, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.mod(np.asarray(az, dtype=float), 360.0)


_COUNTY_LEVELS = frozenset({"区", "county", "district", "county-level", "区县", "县", "县级市", "自治县"})


def _is_county_level(level: Any) -> bool:
    text = str(level or "").strip()
    return text in _COUNTY_LEVELS or "县" in text or text.lower().startswith("county")


_COUNTY_MASKS: weakref.WeakKeyDictionary[LayerIndex, np.ndarray] = weakref.WeakKeyDictionary()


def _county_mask(admin: LayerIndex) -> np.ndarray:
    """Which admin features are county-level (all, if none is); once per layer index."""
    hit = _COUNTY_MASKS.get(admin)
    if hit is not None:
        return hit
    levels = admin.columns.get("level")
    mask = np.ones(len(admin), dtype=bool)
    if levels is not None:
        county = np.array([_is_county_level(v) for v in levels], dtype=bool)
        if county.any():
            mask = county
    _COUNTY_MASKS[admin] = mask
    return mask


def county_names(admin: LayerIndex, geoms: np.ndarray) -> list[str | None]:
    """County of each project: the county-level admin feature containing the project's
    centroid, else the one holding the largest share of it, else None.

    Admin features whose ``level`` is county-level (区县, 县, 区, 县级市...) are preferred;
    a store whose admin layer has none of those uses all of its features.
    """
    mask = _county_mask(admin)
    out: list[str | None] = [None] * len(geoms)
    if len(geoms) == 0 or not mask.any():
        return out
    cent = shapely.centroid(geoms)
    pi, fi = admin.tree.query(cent, predicate="intersects")
    # A centroid on a border between two counties: the first in feature order (whatever the tree).
    order = np.lexsort((fi, pi))
    pi, fi = pi[order], fi[order]
    keep = mask[fi]
    for p, f in zip(pi[keep], fi[keep], strict=True):
        if out[p] is None:
            out[p] = admin.names[f]
    missing = np.array([i for i, v in enumerate(out) if v is None], dtype=np.intp)
    if len(missing):
        _largest_share(admin, geoms, missing, mask, out)
    return out


def _largest_share(
    admin: LayerIndex, geoms: np.ndarray, which: np.ndarray, mask: np.ndarray, out: list[str | None]
) -> None:
    pi, fi = admin.tree.query(geoms[which], predicate="intersects")
    keep = mask[fi]
    pi, fi = pi[keep], fi[keep]
    if len(pi) == 0:
        return
    inter = shapely.intersection(geoms[which][pi], admin.geoms[fi])
    share = np.where(shapely.get_dimensions(inter) == 2, shapely.area(inter), shapely.length(inter))
    best: dict[int, tuple[float, int]] = {}
    for p, f, s in zip(pi, fi, share, strict=True):
        if p not in best or s > best[p][0]:
            best[int(p)] = (float(s), int(f))
    for p, (_, f) in best.items():
        out[int(which[p])] = admin.names[f]
