"""The zone layers as OGC API – Features collections: metadata, CRS handling and item queries.

Features come from the opened ``ZoneStore`` (``store.layer(id)``: validated, stored CRS,
defaults applied), so a client sees what the engine screens against. A feature's id is its
row position in the layer, the ``feature_id`` of a screening's conflicts; it is stable for
a store version.

Coordinates: ``CRS84`` (lon, lat) unless the client asks for another CRS of the
collection's list (``crs=``), in that CRS's axis order as OGC API – Features Part 2
requires (EPSG:4490 and 4326: lat, lon; the Gauss-Kruger CRSs: northing, easting). A
``bbox`` is in CRS84 unless ``bbox-crs`` names another; it selects the features that
intersect the box, tested exactly in the layer's storage CRS (the box's edges densified
before they are moved there).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from gis.crs import HUNAN_BOUNDS, gk_zones_spanning, lonlat_bounds

__all__ = ["CRS84", "crs_uri", "parse_crs_uri", "supported_crs", "LayerTable", "layer_table", "ItemQuery",
           "ItemPage", "query_items", "CrsNotSupported"]  # fmt: skip

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"
#: Points per box edge when a bbox is moved to another CRS (a straight edge bends there).
_DENSIFY = 32


class CrsNotSupported(ValueError):
    """A ``crs``/``bbox-crs`` value outside the collection's list."""


def crs_uri(label: str) -> str | None:
    """The OGC URI of ``EPSG:4490`` and the like (None for a CRS without an EPSG code)."""
    if label.upper().startswith("EPSG:") and label[5:].isdigit():
        return f"{_EPSG_URI}{int(label[5:])}"
    return None


def parse_crs_uri(value: str) -> str:
    """A CRS URI (or ``EPSG:n``/``CRS84``/``[EPSG:n]``) in the canonical URI form.

    Raises
    ------
    CrsNotSupported
        Not a CRS URI this server reads.
    """
    text = value.strip().strip("[]")
    if text.upper() in ("CRS84", "OGC:CRS84") or text.rstrip("/") in (CRS84, CRS84.replace("1.3", "0")):
        return CRS84
    if text.startswith(_EPSG_URI) and text[len(_EPSG_URI):].isdigit():
        return f"{_EPSG_URI}{int(text[len(_EPSG_URI):])}"
    uri = crs_uri(text)
    if uri is None:
        raise CrsNotSupported(value)
    return uri


def supported_crs(storage: str | None) -> list[str]:
    """The CRS list of every collection: CRS84, WGS84 and CGCS2000 lon/lat, the CGCS2000
    3-degree Gauss-Kruger zones over Hunan (both the central-meridian and the zone-number
    variants), and the layer's storage CRS."""
    zones = gk_zones_spanning(HUNAN_BOUNDS[0], HUNAN_BOUNDS[2])
    zones += gk_zones_spanning(HUNAN_BOUNDS[0], HUNAN_BOUNDS[2], zone_prefix=True)
    out = [CRS84, f"{_EPSG_URI}4326", f"{_EPSG_URI}4490", *(crs_uri(z) or "" for z in zones)]
    if storage and storage not in out:
        out.append(storage)
    return out


def _pyproj_crs(uri: str) -> CRS:
    return CRS.from_user_input("OGC:CRS84" if uri == CRS84 else f"EPSG:{uri.rsplit('/', 1)[-1]}")


def _northing_first(crs: CRS) -> bool:
    return bool(crs.axis_info) and crs.axis_info[0].direction in ("north", "south")


@dataclass(frozen=True)
class LayerTable:
    """One store layer ready for queries: features, index, property texts, CRS."""

    layer: str
    frame: Any
    tree: shapely.STRtree
    texts: Mapping[str, np.ndarray]
    storage: CRS
    storage_uri: str | None
    bbox_crs84: tuple[float, float, float, float] | None
    filterable: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.frame)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


_tables: OrderedDict[tuple[str, str], LayerTable] = OrderedDict()
_tables_lock = threading.Lock()


def layer_table(store: Any, layer_id: str) -> LayerTable:
    """The query table of ``layer_id`` (built once per store version and layer)."""
    key = (str(store.sha256), layer_id)
    with _tables_lock:
        hit = _tables.get(key)
    if hit is not None:
        return hit
    frame = store.layer(layer_id)
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    fields = [f for f in store.catalog.fields_of(layer_id) if f in columns]
    storage = CRS.from_user_input(frame.crs or "EPSG:4490")
    bbox = lonlat_bounds(tuple(frame.total_bounds), storage) if len(frame) else None
    table = LayerTable(
        layer=layer_id,
        frame=frame,
        tree=shapely.STRtree(geoms),
        texts={c: np.array([_text(v) for v in frame[c].to_numpy(dtype=object)], dtype=object) for c in columns},
        storage=storage,
        storage_uri=crs_uri(store.crs(layer_id)),
        bbox_crs84=bbox,
        filterable=tuple(fields),
    )
    with _tables_lock:
        _tables[key] = table
        while len(_tables) > 64:
            _tables.popitem(last=False)
    return table


@dataclass(frozen=True)
class ItemQuery:
    """What a client asked of ``/items`` (already checked for form)."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: str = CRS84
    filters: Mapping[str, str] | None = None
    limit: int = 100
    offset: int = 0
    crs: str = CRS84


@dataclass(frozen=True)
class ItemPage:
    """One page of features: their positions in the layer and how many matched in all."""

    positions: np.ndarray
    matched: int


def _bbox_polygon(bbox: Sequence[float], bbox_crs: str, storage: CRS) -> Any:
    source = _pyproj_crs(bbox_crs)
    a, b, c, d = bbox
    # The box in the CRS's own axis order; shapely and pyproj (always_xy) want x = east.
    minx, miny, maxx, maxy = (b, a, d, c) if _northing_first(source) else (a, b, c, d)
    box = shapely.segmentize(shapely.box(minx, miny, maxx, maxy), max(maxx - minx, maxy - miny) / _DENSIFY or 1.0)
    if source.equals(storage, ignore_axis_order=True) or (source.is_geographic and storage.is_geographic):
        return box  # CRS84, WGS84 and CGCS2000 lon/lat are taken as equal (gis.crs)
    move = Transformer.from_crs(source, storage, always_xy=True)
    return shapely.transform(box, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))


def query_items(table: LayerTable, query: ItemQuery) -> ItemPage:
    """The features of ``table`` the query selects, one page of them."""
    if query.bbox is not None:
        area = _bbox_polygon(query.bbox, query.bbox_crs, table.storage)
        positions = np.sort(table.tree.query(area, predicate="intersects"))
    else:
        positions = np.arange(len(table))
    for name, value in (query.filters or {}).items():
        positions = positions[table.texts[name][positions] == value]
    return ItemPage(positions[query.offset : query.offset + query.limit], int(len(positions)))


def output_geometries(table: LayerTable, positions: np.ndarray, crs: str) -> list[str]:
    """The GeoJSON text of the features' geometries in ``crs`` (its axis order)."""
    geoms = np.asarray(table.frame.geometry.to_numpy(), dtype=object)[positions]
    target = _pyproj_crs(crs)
    same = target.equals(table.storage, ignore_axis_order=True) or (target.is_geographic and table.storage.is_geographic)
    if not same:
        move = Transformer.from_crs(table.storage, target, always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))
    if _northing_first(target):
        geoms = shapely.transform(geoms, lambda xy: xy[:, ::-1])
    return [str(g) for g in shapely.to_geojson(geoms)]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def properties(table: LayerTable, positions: np.ndarray) -> list[dict[str, Any]]:
    """The features' properties (JSON values: NaN as null, dates as ISO text)."""
    frame = table.frame.iloc[positions].drop(columns=[table.frame.geometry.name])
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
