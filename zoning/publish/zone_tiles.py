"""Zone layers as GeoJSON tiles per Web-Mercator XYZ tile, simplified per zoom, for maps.

``write_zone_tiles(store, folder)`` writes::

    folder/tiles.json              layers (zone values, legal status, and the palette's colours,
                                   shades and draw order), the tile index (which tiles exist),
                                   the rules that apply to each kind of feature, the verdict
                                   words and colours, the zoom range, the store's sha256
    folder/tiles/{z}/{x}/{y}.json  the zone features meeting that tile

Tiles are simplified for their zoom (about a pixel: detail finer than that cannot be seen)
and, below ``full_zoom``, leave out features smaller than a few pixels, so a province of
10^5 polygons opens with a few hundred kilobytes; the browser draws each tile on its own
canvas (``static/js/zonetiles.js``) and overzooms the last level. A feature wider than a
tile is cut to the tile grown by a margin, so its cut edges fall outside what is drawn.
Display only: screening always uses the full-precision store.

Used by the static site of ``python -m zoning export-map`` and by the app's public map,
which serves the same tiles from ``static/`` instead of sending the zones with the page.

Colours are not in the tiles: ``tiles.json`` carries the palette (``zoning.styles``) and the
browser paints from it — features filled opaque in the palette's layer order (strictest
zones of a layer last), the whole zone layer at the palette's opacity, so overlapping
layers show the upper one's legend colour, never a mix. :func:`apply_palette` writes the
palette into a ``tiles.json`` document; the app applies the current palette to a tile set
it wrote earlier the same way, so a changed palette needs no new tiles.

Examples
--------
>>> from zoning.engine import open_store  # doctest: +SKIP
>>> tiles = write_zone_tiles(open_store("data/zones.gpkg"), "zone_tiles")  # doctest: +SKIP
>>> tiles.count, tiles.meta["max_zoom"]  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import gzip as _gzip
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gis import strictjson
from gis.errors import InputError
from zoning.engine import store_catalog
from zoning.model import VERDICT_LABELS
from zoning.styles import Styles, load_styles
from zoning.zone_rules import RuleLine, rules_for_zone

__all__ = ["ZoneTiles", "apply_palette", "check_zooms", "tile_range", "write_zone_tiles"]

_TILE_PX = 256
#: Points (intakes) appear from this zoom on.
_POINT_ZOOM = 9
#: Below this zoom, features smaller than ``_MIN_PX`` pixels are left out (invisible anyway).
_MIN_PX = 3.0

def _mercator_y(lat: np.ndarray) -> np.ndarray:
    phi = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    return (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / math.pi) / 2.0


def tile_range(bounds: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x0, x1, y0, y1) of the XYZ tiles each lon/lat box (rows of minx, miny, maxx, maxy) meets."""
    n = 2**z
    x0 = np.floor((bounds[:, 0] + 180.0) / 360.0 * n).astype(np.int64)
    x1 = np.floor((bounds[:, 2] + 180.0) / 360.0 * n).astype(np.int64)
    y0 = np.floor(_mercator_y(bounds[:, 3]) * n).astype(np.int64)
    y1 = np.floor(_mercator_y(bounds[:, 1]) * n).astype(np.int64)
    clip = lambda v: np.clip(v, 0, n - 1)  # noqa: E731
    return clip(x0), clip(x1), clip(y0), clip(y1)


@dataclass(frozen=True)
class _Layer:
    index: int
    layer_id: str
    geoms: np.ndarray  # lon/lat
    names: np.ndarray
    zones: np.ndarray  # index into the layer's zone value list, -1 for none
    groups: np.ndarray  # index into the site's rule groups (what applies to the feature)


def _lonlat(gdf: Any) -> np.ndarray:
    if gdf.crs is not None and not gdf.crs.is_geographic:
        gdf = gdf.to_crs("EPSG:4490")
    return np.asarray(gdf.geometry.values, dtype=object)


def _zone_values(store: Any, layer_id: str, gdf: Any) -> tuple[str | None, list[str]]:
    """The layer's zone field and the zone values its features hold, in catalogue order
    (values outside the catalogue after them), so the legend lists what the map shows."""
    spec = store.catalog.layers[layer_id]
    field = spec.zone_field or None
    if not field:
        return None, []
    fspec = store.catalog.fields_of(layer_id).get(field)
    known = list(getattr(fspec, "values", ()) or ()) + list(getattr(fspec, "legacy", ()) or ())
    present = {str(v) for v in gdf[field].dropna()}
    return field, [v for v in known if v in present] + sorted(present - set(known))


class _RuleGroups:
    """Distinct lists of rules that apply to a feature (zone value + the fields the rules
    filter on), numbered as they are met: each tile feature carries its group number."""

    def __init__(self, rules: Any) -> None:
        self.rules = rules
        self.groups: list[list[dict[str, Any]]] = []
        self._index: dict[tuple[Any, ...], int] = {}

    def assign(self, layer_id: str, gdf: Any, field: str | None) -> np.ndarray:
        filters = sorted({k for r in self.rules.for_layer(layer_id) for k in (*r.where, *r.where_not)})
        cols = [c for c in ([field] if field else []) + filters if c in gdf.columns]
        if not len(gdf):
            return np.empty(0, dtype=np.int64)
        frame = gdf[cols].astype(object).where(gdf[cols].notna(), None) if cols else None
        keys = [tuple(row) for row in frame.itertuples(index=False, name=None)] if frame is not None else [()] * len(gdf)
        out = np.empty(len(gdf), dtype=np.int64)
        for i, key in enumerate(keys):
            full = (layer_id, *key)
            if full not in self._index:
                attrs = dict(zip(cols, key, strict=True))
                zone = attrs.get(field) if field else None
                lines = rules_for_zone(self.rules, layer_id, None if zone is None else str(zone), attrs)
                self._index[full] = len(self.groups)
                self.groups.append([_rule_json(line) for line in lines])
            out[i] = self._index[full]
        return out


def _rule_json(line: RuleLine) -> dict[str, Any]:
    return {
        "id": line.rule_id,
        "verdict": line.verdict,
        "verdict_zh": VERDICT_LABELS[line.verdict]["zh"],
        "verdict_en": VERDICT_LABELS[line.verdict]["en"],
        "condition_zh": line.condition_zh,
        "condition_en": line.condition_en,
        "types_zh": line.types_zh,
        "types_en": line.types_en,
        "basis": line.basis,
        "verified": line.confidence == "verified",
        "confidence": line.confidence,
        "distance_m": line.distance_m,
    }


def _layers(store: Any, groups: _RuleGroups) -> tuple[list[_Layer], dict[str, list[str]]]:
    layers: list[_Layer] = []
    zone_lists: dict[str, list[str]] = {}
    # What a zone map draws is data (catalogue roles): not the admin divisions or a table.
    drawn = set(store_catalog(store).map_layer_ids)
    for lid in store.layer_ids:
        if lid not in drawn:
            continue
        gdf = store.layer(lid)
        field, values = _zone_values(store, lid, gdf)
        zone_lists[lid] = values
        lookup = {v: i for i, v in enumerate(values)}
        zones = (
            np.array([lookup.get(str(v), -1) for v in gdf[field]], dtype=np.int64)
            if field
            else np.full(len(gdf), -1, dtype=np.int64)
        )
        names = gdf["name"].astype(str).to_numpy() if "name" in gdf.columns else np.array([f"{lid}#{i}" for i in range(len(gdf))])
        layers.append(_Layer(len(layers), lid, _lonlat(gdf), names, zones, groups.assign(lid, gdf, field)))
    return layers, zone_lists


#: Tile coordinates are integers in units of 1/_SUBPIXEL of a pixel, relative to the tile's
#: top-left corner (Web Mercator): 3-4 digits per coordinate instead of ~10 for degrees.
_SUBPIXEL = 4
#: A feature wider than a tile is cut to the tile grown by this many pixels, so its cut
#: edges (and their outline strokes) fall outside what is drawn.
_MARGIN_PX = 8.0
_INTEGRAL = re.compile(r"\.0(?=[,\]])")


def _to_world_px(geoms: np.ndarray, z: int) -> np.ndarray:
    """lon/lat geometries to Web-Mercator pixel coordinates of zoom z (y down)."""
    scale = _TILE_PX * 2**z

    def _px(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] + 180.0) / 360.0 * scale, _mercator_y(xy[:, 1]) * scale])

    return shapely.transform(geoms, _px)


def _feature_text(layer: _Layer, i: int, geojson: str) -> str:
    name = json.dumps(str(layer.names[i]), ensure_ascii=False)
    return (
        f'{{"type":"Feature","properties":{{"l":{layer.index},"i":{int(i)},"z":{int(layer.zones[i])},'
        f'"r":{int(layer.groups[i])},"n":{name}}},"geometry":{geojson}}}'
    )


def _layer_tiles(layer: _Layer, z: int, *, full_zoom: int) -> tuple[np.ndarray, list[str]]:
    """(tile keys, Feature texts) of one layer at zoom z.

    Features are simplified to a pixel in Web-Mercator pixel space; below ``full_zoom``
    those smaller than ``_MIN_PX`` pixels are left out; a feature spanning several tiles
    is cut to each tile grown by ``_MARGIN_PX``; coordinates are written as integers of
    1/``_SUBPIXEL`` pixel from the tile's top-left corner.
    """
    px_deg = 360.0 / (_TILE_PX * 2**z)
    geoms = layer.geoms
    dims = shapely.get_dimensions(geoms)
    keep = np.ones(len(geoms), dtype=bool)
    if z < _POINT_ZOOM:
        keep &= dims > 0
    if z < full_zoom:
        b = shapely.bounds(geoms)
        keep &= (np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) >= _MIN_PX * px_deg) | (dims == 0)
    pos = np.flatnonzero(keep)
    if len(pos) == 0:
        return np.empty(0, np.int64), []
    simple = shapely.simplify(_to_world_px(geoms[pos], z), 1.0, preserve_topology=True)
    n = 2**z
    b = shapely.bounds(simple)
    x0, x1 = (np.clip(np.floor(b[:, c] / _TILE_PX), 0, n - 1).astype(np.int64) for c in (0, 2))
    y0, y1 = (np.clip(np.floor(b[:, c] / _TILE_PX), 0, n - 1).astype(np.int64) for c in (1, 3))
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    count = nx * ny
    owner = np.repeat(np.arange(len(pos)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    tx, ty = x0[owner] + k % nx[owner], y0[owner] + k // nx[owner]
    geo = simple[owner]
    multi = count[owner] > 1
    if multi.any():
        ox, oy = tx[multi] * _TILE_PX, ty[multi] * _TILE_PX
        box = shapely.box(ox - _MARGIN_PX, oy - _MARGIN_PX, ox + _TILE_PX + _MARGIN_PX, oy + _TILE_PX + _MARGIN_PX)
        geo[multi] = shapely.intersection(geo[multi], box)
    present = ~shapely.is_empty(geo)
    geo, owner, tx, ty = geo[present], owner[present], tx[present], ty[present]
    # To integer sub-pixels of each piece's own tile.
    coords, which = shapely.get_coordinates(geo, return_index=True)
    coords = np.round((coords - np.column_stack([tx[which], ty[which]]) * _TILE_PX) * _SUBPIXEL)
    # (Repeated points left in: dropping them would collapse the rings of features smaller
    # than a sub-pixel, which must still be drawn from ``full_zoom`` on.)
    geo = shapely.set_coordinates(geo.copy(), coords)
    texts = [_INTEGRAL.sub("", t) for t in shapely.to_geojson(geo)]
    feats = [_feature_text(layer, int(pos[o]), g) for o, g in zip(owner, texts, strict=True)]
    return (tx * n + ty).astype(np.int64), feats


@dataclass(frozen=True)
class _Tiles:
    count: int
    features: int
    #: zoom -> {"x0", "y0", "w", "h", "bits"}: which tiles exist (a row-major bitmap of the
    #: box of written tiles, base64), so the page asks only for tiles that hold something.
    index: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ZoneTiles:
    """What ``write_zone_tiles`` wrote: ``folder``, tile and feature-piece counts, and the
    ``meta`` it also wrote to ``folder/tiles.json``."""

    folder: Path
    count: int
    features: int
    meta: Mapping[str, Any]


def _write_tiles(
    layers: Sequence[_Layer], outdir: Path, *, min_zoom: int, max_zoom: int, full_zoom: int, gzip: bool
) -> _Tiles:
    """Write ``tiles/{z}/{x}/{y}.json`` for the zone layers (see ``export_map``)."""
    root = outdir / "tiles"
    n_tiles = n_features = 0
    index: dict[str, dict[str, Any]] = {}
    for z in range(min_zoom, max_zoom + 1):
        parts = [_layer_tiles(layer, z, full_zoom=full_zoom) for layer in layers]
        keys = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        texts = np.asarray([t for p in parts for t in p[1]], dtype=object)
        if not len(keys):
            continue
        n_features += len(keys)
        order = np.argsort(keys, kind="stable")
        keys, texts = keys[order], texts[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        for a, b in zip(starts, ends, strict=True):
            tx, ty = divmod(int(keys[a]), 2**z)
            path = root / str(z) / str(tx) / f"{ty}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            body = ('{"type":"FeatureCollection","features":[' + ",".join(texts[a:b]) + "]}").encode("utf-8")
            path.write_bytes(body)
            if gzip:
                path.with_name(path.name + ".gz").write_bytes(_gzip.compress(body, compresslevel=6, mtime=0))
            n_tiles += 1
        index[str(z)] = _tile_bitmap(keys[starts], z)
    return _Tiles(n_tiles, n_features, index)


def _tile_bitmap(keys: np.ndarray, z: int) -> dict[str, Any]:
    """The written tiles of one zoom as a bitmap over their bounding box of tiles."""
    tx, ty = np.divmod(keys, 2**z)
    x0, y0 = int(tx.min()), int(ty.min())
    w, h = int(tx.max()) - x0 + 1, int(ty.max()) - y0 + 1
    bits = np.zeros(w * h, dtype=bool)
    bits[(ty - y0) * w + (tx - x0)] = True
    return {"x0": x0, "y0": y0, "w": w, "h": h, "bits": base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")}


def _label_en(store: Any, layer_id: str, value: str) -> str:
    field = store.catalog.layers[layer_id].zone_field
    spec = store.catalog.fields_of(layer_id).get(field) if field else None
    return spec.label(value, "en") if spec is not None else value


def apply_palette(meta: Mapping[str, Any], styles: Styles | None = None) -> dict[str, Any]:
    """A copy of a ``tiles.json`` document with the palette's colours (default the current
    palette, ``zoning.styles.load_styles``).

    Per layer: ``colour`` (fill of a feature without a zone value), ``edge`` (outlines,
    lines, points), ``order`` (draw order, lower first); per zone value: ``colour`` and
    ``rank`` (0 strictest/darkest .. 2 lightest, drawn last to first). At the top:
    ``opacity`` of the zone layer as a whole and ``verdicts`` (code -> zh, en, colour).
    """
    palette = styles or load_styles()
    layers = []
    for layer in meta.get("layers", []):
        style = palette.layer(layer["id"])
        zones = [{**z, "colour": style.zone_fill(z["value"]), "rank": style.rank(z["value"])} for z in layer["zones"]]
        layers.append({**layer, "zones": zones, "colour": style.zone_fill(None), "edge": style.edge, "order": style.order})
    verdicts = {code: {"zh": v.text.zh, "en": v.text.en, "colour": v.colour} for code, v in palette.verdicts.items()}
    return {**meta, "layers": layers, "opacity": palette.opacity, "verdicts": verdicts,
            "palette_sha256": palette.sha256}


def _meta(store: Any, zone_lists: Mapping[str, Sequence[str]], groups: _RuleGroups, tiles: _Tiles,
          zooms: tuple[int, int]) -> dict[str, Any]:  # fmt: skip
    layers = []
    for lid, values in zone_lists.items():
        spec = store.catalog.layers[lid]
        layers.append(
            {
                "id": lid,
                "title_zh": spec.title_zh,
                "title_en": spec.title_en,
                "kind": spec.geometry,
                "legal_status": store.legal_status(lid),
                "zone_field": spec.zone_field,
                "zones": [{"value": v, "label_en": _label_en(store, lid, v)} for v in values],
            }
        )
    return apply_palette({
        "min_zoom": zooms[0],
        "max_zoom": zooms[1],
        # Tile coordinates: integers of 1/subpixel pixel from the tile's top-left corner.
        "subpixel": _SUBPIXEL,
        "illustrative": any(layer["legal_status"] != "法定" for layer in layers),
        "store_sha256": str(store.sha256),
        "layers": layers,
        "rule_groups": groups.groups,
        "tiles": tiles.index,
    })


def check_zooms(min_zoom: int, max_zoom: int, full_zoom: int) -> None:
    """Refuse zoom levels out of order (InputError naming them)."""
    if not 0 <= min_zoom <= max_zoom <= 18 or not min_zoom <= full_zoom:
        msg = f"zoom levels {min_zoom}..{max_zoom} (full from {full_zoom}) are expected as 0 <= min <= max <= 18, full >= min"
        zh = f"缩放级别 {min_zoom}..{max_zoom}（完整显示自 {full_zoom} 级）不符合要求：应满足 0 ≤ 最小 ≤ 最大 ≤ 18，且完整显示级别 ≥ 最小级别"
        raise InputError(msg, zh=zh)


def write_zone_tiles(
    store: Any,
    folder: str | Path,
    *,
    rules: Any = None,
    min_zoom: int = 5,
    max_zoom: int = 12,
    full_zoom: int = 10,
    gzip: bool = False,
) -> ZoneTiles:
    """Write the zone layers of ``store`` as tiles into ``folder`` (see the module text).

    Parameters
    ----------
    store
        An opened ``layers.store.ZoneStore`` (any CRS; tiles are lon/lat, EPSG:4490).
    folder
        Where ``tiles/`` and ``tiles.json`` go (created).
    rules
        The rule set whose rules are listed per feature; default the packaged one.
    min_zoom, max_zoom
        Zoom levels to write tiles for; maps overzoom ``max_zoom`` (zoom 12 keeps about
        40 m of detail).
    full_zoom
        From this zoom on every feature is written, however small; below it, features
        smaller than a few pixels are left out.
    gzip
        Also write ``<tile>.json.gz`` beside every tile, for servers that send precompressed
        files (nginx ``gzip_static``): about a fifth of the bytes, no compression per request.

    Raises
    ------
    InputError
        If the zoom levels are out of order.
    """
    check_zooms(min_zoom, max_zoom, full_zoom)
    if rules is None:
        from zoning.engine import default_rules

        rules = default_rules()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    groups = _RuleGroups(rules)
    layers, zone_lists = _layers(store, groups)
    tiles = _write_tiles(layers, out, min_zoom=min_zoom, max_zoom=max_zoom, full_zoom=full_zoom, gzip=gzip)
    meta = _meta(store, zone_lists, groups, tiles, (min_zoom, max_zoom))
    (out / "tiles.json").write_text(strictjson.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return ZoneTiles(out, tiles.count, tiles.features, meta)
