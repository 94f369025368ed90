"""What changed between two versions of a layer: features, and area gained and lost per zone.

``diff_versions(store, "water_source", 1, 2)`` reads both versions (the current layer or a
kept ``<layer>__v<N>``) and pairs their features:

1. by name (the catalogue's ``name`` field), one to one; several of one name are paired
   by how much they overlap;
2. features left over on both sides, by geometry: a pair whose overlap is at least half of
   the larger (intersection over union >= 0.5) is the same feature, renamed;
3. the rest are added (only in V2) or removed (only in V1).

A pair is unchanged when its geometry is the same (symmetric difference under 0.01 m²,
or 1 mm for lines and points) and its attributes are the same — not counting the
bookkeeping fields every import rewrites (``version``, ``effective_date``, ``source``).

Areas are measured in a metric CRS: the layers' own when both versions share a projected
CRS, else the Gauss-Kruger zone of the data (``gis.crs.work_crs_for``). Per zone value
(the catalogue's ``zone_field``): *gained* = the union of V2's features of that value minus
V1's, *lost* the reverse; for a line layer the lengths, for points the counts. The gained
and lost parts are the changed areas, written as a layer (EPSG:4490) by ``write_diff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import STORAGE_CRS, work_crs_for
from gis.errors import InputError
from layers import _gpkg
from layers.catalog import Catalog, load_catalog
from layers.importer import list_versions
from layers.schema import attribute_columns

__all__ = ["ZoneChange", "FeatureChange", "LayerDiff", "diff_versions", "write_diff"]

#: Fields every import fills anew; a change in them alone is not a change of the zone.
_BOOKKEEPING = frozenset({"version", "effective_date", "source"})
_SAME_AREA_M2 = 0.01
_SAME_DISTANCE_M = 0.001


@dataclass(frozen=True)
class ZoneChange:
    """Gained and lost per zone value: m² (polygons), m (lines) or features (points)."""

    zone: str
    gained: float
    lost: float
    unit: str  # "m2" | "m" | "count"

    @property
    def net(self) -> float:
        return self.gained - self.lost


@dataclass(frozen=True)
class FeatureChange:
    """One feature's fate: ``added``, ``removed`` or ``changed`` (and what changed)."""

    status: str
    name: str
    zone: str
    what: tuple[str, ...]
    v1_row: int | None
    v2_row: int | None


@dataclass(frozen=True)
class LayerDiff:
    """Two versions of a layer compared (see the module text)."""

    layer: str
    v1: int
    v2: int
    work_crs: str
    added: int
    removed: int
    changed: int
    unchanged: int
    zones: tuple[ZoneChange, ...]
    features: tuple[FeatureChange, ...]
    changed_areas: gpd.GeoDataFrame  # zone, change (gained/lost), measure, unit, geometry (EPSG:4490)
    feature_geometries: gpd.GeoDataFrame  # status, name, zone, what, geometry (EPSG:4490)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer, "v1": self.v1, "v2": self.v2, "work_crs": self.work_crs,
            "features": {"added": self.added, "removed": self.removed, "changed": self.changed, "unchanged": self.unchanged},
            "zones": [{"zone": z.zone, "gained": z.gained, "lost": z.lost, "net": z.net, "unit": z.unit} for z in self.zones],
            "changes": [{"status": f.status, "name": f.name, "zone": f.zone, "what": list(f.what), "v1_row": f.v1_row,
                         "v2_row": f.v2_row} for f in self.features],
        }  # fmt: skip


def _version_frame(store: Path, layer_id: str, version: int, catalog: Catalog) -> gpd.GeoDataFrame:
    versions = {v.version: v for v in list_versions(store, layer_id, catalog=catalog)}
    target = versions.get(int(version))
    if target is None:
        listed = ", ".join(f"v{n}" for n in sorted(versions)) or "none"
        msg = f"layer {layer_id!r} of {store} has no version {version}; versions: {listed}"
        listed_zh = "、".join(f"v{n}" for n in sorted(versions)) or "无"
        raise InputError(msg, zh=f"{store} 的图层“{layer_id}”没有版本 {version}；现有版本：{listed_zh}")
    if not target.available:
        msg = f"version {version} of layer {layer_id!r} is no longer kept in {store}"
        raise InputError(msg, zh=f"{store} 中已没有图层“{layer_id}”的版本 {version}")
    name = layer_id if target.current else _gpkg.version_layer(layer_id, target.version)
    frame, _ = _gpkg.read_layer(store, name)
    return frame


def _metric_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> str:
    if a.crs is not None and b.crs is not None and a.crs.equals(b.crs) and a.crs.is_projected:
        return a.crs.to_string()
    boxes = [f.to_crs(STORAGE_CRS).total_bounds for f in (a, b) if len(f) and f.crs is not None]
    if not boxes:
        return "EPSG:4547"
    stacked = np.vstack(boxes)
    return work_crs_for((stacked[:, 0].min(), stacked[:, 1].min(), stacked[:, 2].max(), stacked[:, 3].max()))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _same_geometry(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if a.geom_type != b.geom_type and a.area == 0 and b.area == 0:
        return False
    if a.area > 0 or b.area > 0:
        return float(a.symmetric_difference(b).area) <= _SAME_AREA_M2
    return float(a.hausdorff_distance(b)) <= _SAME_DISTANCE_M


def _iou(a: Any, b: Any) -> float:
    if a.area > 0 and b.area > 0:
        union = a.union(b).area
        return float(a.intersection(b).area / union) if union else 0.0
    return 1.0 if a.distance(b) <= _SAME_DISTANCE_M else 0.0


class _Pairing:
    """Pairs of rows (v1, v2) between two frames in the metric CRS."""

    def __init__(self, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, name_field: str | None) -> None:
        self.a, self.b = a, b
        self.pairs: list[tuple[int, int]] = []
        left, right = set(range(len(a))), set(range(len(b)))
        if name_field and name_field in a.columns and name_field in b.columns:
            self._by_name(name_field, left, right)
        self._by_overlap(left, right)
        self.removed, self.added = sorted(left), sorted(right)

    def _by_name(self, field: str, left: set[int], right: set[int]) -> None:
        names_a = [_text(v) for v in self.a[field]]
        names_b = [_text(v) for v in self.b[field]]
        for name in sorted({n for n in names_a if n} & {n for n in names_b if n}):
            rows_a = [i for i in sorted(left) if names_a[i] == name]
            rows_b = [j for j in sorted(right) if names_b[j] == name]
            self._greedy(rows_a, rows_b, left, right, minimum=None)

    def _by_overlap(self, left: set[int], right: set[int]) -> None:
        self._greedy(sorted(left), sorted(right), left, right, minimum=0.5)

    def _greedy(
        self, rows_a: list[int], rows_b: list[int], left: set[int], right: set[int], *, minimum: float | None
    ) -> None:
        """Pair the best-overlapping rows first, those of at least ``minimum`` (None: any; same names)."""
        geoms_a, geoms_b = self.a.geometry.to_numpy(), self.b.geometry.to_numpy()
        scores = sorted(((_iou(geoms_a[i], geoms_b[j]), i, j) for i in rows_a for j in rows_b), reverse=True)
        for score, i, j in scores:
            if i in left and j in right and (minimum is None or score >= minimum):
                self.pairs.append((i, j))
                left.discard(i)
                right.discard(j)


def _compared_fields(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    return sorted((set(attribute_columns(a)) | set(attribute_columns(b))) - _BOOKKEEPING)


def _feature_changes(
    pairing: _Pairing, fields: list[str], name_field: str | None, zone_field: str | None
) -> tuple[list[FeatureChange], int]:
    a, b = pairing.a, pairing.b
    ga, gb = a.geometry.to_numpy(), b.geometry.to_numpy()

    def cell(frame: pd.DataFrame, row: int, field: str | None) -> str:
        return _text(frame[field].iloc[row]) if field and field in frame.columns else ""

    out: list[FeatureChange] = []
    unchanged = 0
    for i, j in sorted(pairing.pairs):
        what = [f for f in fields if cell(a, i, f) != cell(b, j, f)]
        if not _same_geometry(ga[i], gb[j]):
            what.insert(0, "geometry")
        if what:
            out.append(FeatureChange("changed", cell(b, j, name_field), cell(b, j, zone_field), tuple(what), i, j))
        else:
            unchanged += 1
    out += [FeatureChange("removed", cell(a, i, name_field), cell(a, i, zone_field), (), i, None) for i in pairing.removed]
    out += [FeatureChange("added", cell(b, j, name_field), cell(b, j, zone_field), (), None, j) for j in pairing.added]
    return out, unchanged


def _zone_union(frame: gpd.GeoDataFrame, zone_field: str | None, zone: str) -> Any:
    if zone_field and zone_field in frame.columns:
        mask = np.array([_text(v) == zone for v in frame[zone_field]], dtype=bool)
    else:
        mask = np.ones(len(frame), dtype=bool)
    geoms = frame.geometry.to_numpy()[mask]
    return shapely.union_all(geoms) if len(geoms) else shapely.GeometryCollection()


def _zone_changes(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, zone_field: str | None, work_crs: str
) -> tuple[list[ZoneChange], gpd.GeoDataFrame]:
    values = set()
    for frame in (a, b):
        if zone_field and zone_field in frame.columns:
            values |= {_text(v) for v in frame[zone_field]}
        else:
            values.add("")
    rows, shapes, zones = [], [], []
    for zone in sorted(values):
        old, new = _zone_union(a, zone_field, zone), _zone_union(b, zone_field, zone)
        gained, lost = new.difference(old), old.difference(new)
        kind = "m2" if (old.area > 0 or new.area > 0) else "m" if (old.length > 0 or new.length > 0) else "count"
        measure = {"m2": lambda g: float(g.area), "m": lambda g: float(g.length),
                   "count": lambda g: float(len(shapely.get_parts(g))) if not g.is_empty else 0.0}[kind]  # fmt: skip
        zones.append(ZoneChange(zone, measure(gained), measure(lost), kind))
        for change, geom in (("gained", gained), ("lost", lost)):
            if not geom.is_empty and measure(geom) > 0:
                rows.append({"zone": zone, "change": change, "measure": measure(geom), "unit": kind})
                shapes.append(geom)
    frame = gpd.GeoDataFrame(rows, geometry=shapes, crs=work_crs) if rows else gpd.GeoDataFrame(
        {"zone": [], "change": [], "measure": [], "unit": []}, geometry=[], crs=work_crs)  # fmt: skip
    return zones, frame.to_crs(STORAGE_CRS)


def diff_versions(
    store_path: str | Path, layer_id: str, v1: int, v2: int, *, catalog: Catalog | str | Path | None = None
) -> LayerDiff:
    """Compare versions ``v1`` and ``v2`` of ``layer_id`` in a store (see the module text).

    Raises
    ------
    InputError
        A version the layer does not have, or no longer keeps.
    SchemaError
        ``layer_id`` is not a catalogue layer, or has no geometry.
    DataSourceError
        The store cannot be read.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    spec = cat.layer(layer_id)
    if not spec.has_geometry:
        msg = f"layer {layer_id!r} is a table without geometry; compare its versions as tables"
        raise InputError(msg, zh=f"图层“{layer_id}”为无几何的属性表，无法比较面积")
    store = Path(store_path)
    _gpkg.check_geopackage(store)
    a, b = _version_frame(store, layer_id, v1, cat), _version_frame(store, layer_id, v2, cat)
    work = _metric_crs(a, b)
    a, b = a.to_crs(work), b.to_crs(work)
    name_field = "name" if "name" in cat.fields_of(layer_id) else None
    pairing = _Pairing(a, b, name_field)
    changes, unchanged = _feature_changes(pairing, _compared_fields(a, b), name_field, spec.zone_field)
    zones, areas = _zone_changes(a, b, spec.zone_field, work)
    geoms = [(b if c.v2_row is not None else a).geometry.iloc[c.v2_row if c.v2_row is not None else c.v1_row]
             for c in changes]  # fmt: skip
    feature_frame = gpd.GeoDataFrame(
        {"status": [c.status for c in changes], "name": [c.name for c in changes], "zone": [c.zone for c in changes],
         "what": [", ".join(c.what) for c in changes]},
        geometry=geoms, crs=work,
    ).to_crs(STORAGE_CRS)  # fmt: skip
    count = {s: sum(c.status == s for c in changes) for s in ("added", "removed", "changed")}
    return LayerDiff(
        layer=layer_id, v1=int(v1), v2=int(v2), work_crs=work, added=count["added"], removed=count["removed"],
        changed=count["changed"], unchanged=unchanged, zones=tuple(zones), features=tuple(changes), changed_areas=areas,
        feature_geometries=feature_frame,
    )  # fmt: skip


def write_diff(diff: LayerDiff, path: str | Path) -> Path:
    """Write the changed areas (layer ``changed_areas``) and the changed features (``changed_features``)
    as a GeoPackage (EPSG:4490), replacing a file there."""
    out = Path(path)
    out.unlink(missing_ok=True)
    _gpkg.write_layer(out, "changed_areas", diff.changed_areas)
    _gpkg.write_layer(out, "changed_features", diff.feature_geometries)
    return out
