"""Livestock no-raise zones (禁养区) as the union of their statutory parts.

《畜禽规模养殖污染防治条例》第十一条 lists where livestock farms may not be built: drinking-
water source protection zones and scenic areas; the core and buffer zones of nature
reserves; towns and other population-concentrated areas. A no-raise map is therefore
*derived*: this module takes those parts (from a zone store, plus town points or
polygons) and overlays them into non-overlapping pieces, each carrying **which statutory
parts and which features** it comes from (``basis_parts``, ``basis_features``), so a
conflict can say *why* a place is a no-raise zone.

Overlaps: the result is a planar partition. Where a town disc overlaps a water-source
zone, that piece is one feature whose ``basis_parts`` lists both. One feature per
location (rather than one per part, stacked) keeps areas additive, gives a screened
point exactly one 禁养区 conflict row, and still names every reason.

Only the *land* parts of water-source zones count (a farm cannot stand in the river):
features with ``part`` = 陆域 when the layer says so (zoning.build.delineate writes it), the
whole polygon otherwise (then the basis says 未区分水域/陆域).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_CRS, work_crs_for_lon
from gis.errors import InputError, RuleConfigError
from layers.paths import DATA_DIR

__all__ = [
    "NORAISE_PARAMS_PATH",
    "NoRaiseParams",
    "Part",
    "load_noraise_params",
    "statutory_parts",
    "town_parts",
    "town_labels",
    "derive_no_raise",
    "read_store_layers",
    "no_raise_from_layers",
]

NORAISE_PARAMS_PATH = DATA_DIR / "noraise_params.yaml"
_REGULATION = "《畜禽规模养殖污染防治条例》"
_QUAD_SEGS = 16
#: Output fields (after geometry), in order.
OUTPUT_FIELDS = ("name", "kind", "basis_parts", "basis_features", "legal_status", "source")
#: At most this many feature names go into a piece's ``name`` (all are in basis_features).
_NAME_FEATURES = 3


@dataclass(frozen=True)
class NoRaiseParams:
    #: (min_population, radius_m), largest first
    town_radius_m: tuple[tuple[int, float], ...]
    unknown_population_radius_m: float
    #: part key -> (label, clause)
    parts: Mapping[str, tuple[str, str]]

    def radius_for(self, population: float | None) -> float:
        """Built-up radius (m) of a town point with this population (0/None = unknown)."""
        if population is None or not np.isfinite(population) or population <= 0:
            return self.unknown_population_radius_m
        for min_pop, radius in self.town_radius_m:
            if population >= min_pop:
                return radius
        return self.unknown_population_radius_m


@dataclass(frozen=True)
class Part:
    """One statutory part: ``key`` into NoRaiseParams.parts, the feature's name, and its
    geometry in EPSG:4490."""

    key: str
    feature: str
    geometry: BaseGeometry


def load_noraise_params(path: Path | str | None = None) -> NoRaiseParams:
    """Read ``data/noraise_params.yaml``.

    Raises
    ------
    RuleConfigError
        If the file is unreadable or an entry is malformed (the message names the key).
    """
    path = Path(path) if path is not None else NORAISE_PARAMS_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        classes = [(int(c["min_population"]), float(c["radius_m"])) for c in data["town_radius_m"]]
        unknown = float(data["unknown_population_radius_m"])
        parts = {str(k): (str(v["label"]), str(v["clause"])) for k, v in data["parts"].items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as err:
        msg = (
            f"{path}: cannot read the no-raise parameters ({type(err).__name__}: {err}); expected town_radius_m "
            "(list of min_population/radius_m), unknown_population_radius_m and parts (label/clause)"
        )
        raise RuleConfigError(msg) from err
    if any(r <= 0 for _, r in classes) or unknown <= 0:
        msg = f"{path}: every radius_m must be > 0 m"
        raise RuleConfigError(msg)
    missing = {"water_1", "water_2", "scenic", "reserve_core", "reserve_buffer", "town"} - set(parts)
    if missing:
        msg = f"{path}: 'parts' lacks {', '.join(sorted(missing))}"
        raise RuleConfigError(msg)
    return NoRaiseParams(tuple(sorted(classes, reverse=True)), unknown, MappingProxyType(parts))


# --- collecting the parts -----------------------------------------------------------

_WATER_GRADES = {"一级": "water_1", "二级": "water_2"}
_RESERVE_ZONES = {"核心区": "reserve_core", "缓冲区": "reserve_buffer", "核心保护区": "reserve_core_protected"}


def _name(row: pd.Series, fallback: str) -> str:
    value = row.get("name")
    return str(value) if isinstance(value, str) and value.strip() else fallback


def _water_parts(layer: gpd.GeoDataFrame) -> list[Part]:
    has_part = "part" in layer.columns
    out = []
    for i, row in layer.iterrows():
        key = _WATER_GRADES.get(str(row.get("grade")))
        if key is None or (has_part and row.get("part") != "陆域"):
            continue  # 准保护区 lies outside the 保护区; water parts are not farmland
        name = _name(row, f"water_source #{i}")
        out.append(Part(key, name if has_part else f"{name}（未区分水域/陆域）", row.geometry))
    return out


def statutory_parts(
    *,
    water_source: gpd.GeoDataFrame | None = None,
    scenic_area: gpd.GeoDataFrame | None = None,
    nature_reserve: gpd.GeoDataFrame | None = None,
) -> list[Part]:
    """The zone-layer parts of 第十一条: land parts of 一级/二级 water-source zones, all
    of every scenic area, nature-reserve core and buffer zones (and 核心保护区).

    Layers may be in any CRS; the parts come back in EPSG:4490.
    """
    parts: list[Part] = []
    if water_source is not None and len(water_source):
        parts += _water_parts(water_source.to_crs(STORAGE_CRS))
    if scenic_area is not None and len(scenic_area):
        layer = scenic_area.to_crs(STORAGE_CRS)
        parts += [Part("scenic", _name(row, f"scenic_area #{i}"), row.geometry) for i, row in layer.iterrows()]
    if nature_reserve is not None and len(nature_reserve):
        layer = nature_reserve.to_crs(STORAGE_CRS)
        for i, row in layer.iterrows():
            key = _RESERVE_ZONES.get(str(row.get("zone")))
            if key is not None:
                parts.append(Part(key, f"{_name(row, f'nature_reserve #{i}')}{row.get('zone')}", row.geometry))
    return [p for p in parts if p.geometry is not None and not p.geometry.is_empty]


def _disc(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    """A disc of ``radius_m`` drawn in the point's own GK zone, returned in EPSG:4490."""
    crs = work_crs_for_lon(lon)
    centre = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=STORAGE_CRS).to_crs(crs)
    return centre.buffer(radius_m, quad_segs=_QUAD_SEGS).to_crs(STORAGE_CRS).iloc[0]


def town_parts(
    towns: gpd.GeoDataFrame, *, params: NoRaiseParams | None = None, radius_m: float | None = None
) -> list[Part]:
    """Town built-up areas: polygons as given; points as discs, of ``radius_m`` when given,
    else by population class (``population`` field; params.town_radius_m).

    Raises
    ------
    InputError
        If ``radius_m`` is not a positive number.
    """
    if radius_m is not None and not (np.isfinite(radius_m) and radius_m > 0):
        msg = f"town radius was {radius_m!r} m; expected a positive number of metres"
        raise InputError(msg)
    params = params or load_noraise_params()
    layer = towns.to_crs(STORAGE_CRS)
    labels = town_labels(layer)
    out = []
    for i, row in layer.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        label = labels[i]
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            out.append(Part("town", label, geom))
            continue
        pop = row.get("population")
        known = pop is not None and not pd.isna(pop)
        r = radius_m if radius_m is not None else params.radius_for(float(pop) if known else None)
        out.append(Part("town", f"{label}（半径{r:.0f}米，示意）", _disc(geom.x, geom.y, r)))
    return out


def _chinese(value: Any) -> str:
    """``value`` when it is a non-empty text with at least one CJK character, else ""."""
    text = value.strip() if isinstance(value, str) else ""
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


def town_labels(towns: pd.DataFrame) -> dict[Any, str]:
    """Row label -> the Chinese name of each town's built-up area (``…城镇建成区``).

    A town's own Chinese name (``name_zh``, else a Chinese ``name``) where it has one;
    otherwise — GeoNames holds only a romanised name for about one town in eight — the
    county it lies in, the kind and a number counted within that county in row order
    (``平江县城镇建成区3``), or ``城镇建成区<n>`` without a county. Never the romanisation:
    a planner reads these names in a Chinese report.
    """
    labels: dict[Any, str] = {}
    unnamed: dict[str, int] = {}
    for i, row in towns.iterrows():
        name = _chinese(row.get("name_zh")) or _chinese(row.get("name"))
        if name:
            labels[i] = f"{name}城镇建成区"
            continue
        county = _chinese(row.get("county_name"))
        unnamed[county] = unnamed.get(county, 0) + 1
        labels[i] = f"{county}城镇建成区{unnamed[county]}"
    return labels


# --- the overlay --------------------------------------------------------------------


def _faces(parts: Sequence[Part]) -> tuple[np.ndarray, list[list[int]]]:
    """Planar faces of all part boundaries and, for each face, the parts covering it."""
    geoms = np.array([p.geometry for p in parts], dtype=object)
    edges = shapely.union_all(shapely.boundary(geoms))
    faces = np.asarray(shapely.get_parts(shapely.polygonize(shapely.get_parts(edges))), dtype=object)
    if len(faces) == 0:
        return faces, []
    probes = shapely.point_on_surface(faces)
    tree = shapely.STRtree(geoms)
    face_idx, part_idx = tree.query(probes, predicate="within")
    covering: list[list[int]] = [[] for _ in range(len(faces))]
    for f, p in zip(face_idx.tolist(), part_idx.tolist(), strict=True):
        covering[f].append(p)
    return faces, covering


def _piece_name(features: Sequence[str]) -> str:
    shown = "、".join(features[:_NAME_FEATURES])
    more = f"等{len(features)}处" if len(features) > _NAME_FEATURES else ""
    return f"禁养区：{shown}{more}"


def _piece_source(keys: Iterable[str], params: NoRaiseParams) -> str:
    clauses = "、".join(dict.fromkeys(f"{params.parts[k][1]}（{params.parts[k][0]}）" for k in keys))
    return f"示意：按{_REGULATION}{clauses}由法定禁养区域叠加合成（zoning.build.noraise），不是经批复的禁养区划定方案"


def derive_no_raise(parts: Sequence[Part], *, params: NoRaiseParams | None = None) -> gpd.GeoDataFrame:
    """Overlay statutory parts into non-overlapping 禁养区 pieces that say why.

    Parameters
    ----------
    parts
        From :func:`statutory_parts` and :func:`town_parts` (EPSG:4490).
    params
        Labels and clauses of the parts; default ``data/noraise_params.yaml``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4490, one feature per distinct set of covering features, sorted by name:
        ``name``, ``kind`` (禁养区), ``basis_parts`` (statutory labels joined by ";"),
        ``basis_features`` (feature names joined by ";"), ``legal_status`` (示意), ``source``.

    Notes
    -----
    Overlay is planar in longitude/latitude: no distance or area is measured here.
    """
    params = params or load_noraise_params()
    unknown = sorted({p.key for p in parts} - set(params.parts))
    if unknown:
        msg = f"unknown no-raise part key(s) {', '.join(unknown)}; expected one of {', '.join(params.parts)}"
        raise InputError(msg)
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[BaseGeometry]] = {}
    if parts:
        faces, covering = _faces(parts)
        for face, idx in zip(faces, covering, strict=True):
            if not idx:
                continue  # a hole between parts
            keys = tuple(sorted({parts[i].key for i in idx}, key=list(params.parts).index))
            features = tuple(sorted({parts[i].feature for i in idx}))
            groups.setdefault((keys, features), []).append(face)
    rows = [
        {
            "name": _piece_name(features),
            "kind": "禁养区",
            "basis_parts": ";".join(dict.fromkeys(params.parts[k][0] for k in keys)),
            "basis_features": ";".join(features),
            "legal_status": "示意",
            "source": _piece_source(keys, params),
            # union_all, not coverage_union_all: polygonize faces meet exactly only up to
            # floating-point noding, and a coverage union of a near-coverage can be invalid.
            "geometry": shapely.union_all(np.array(pieces, dtype=object)),
        }
        for (keys, features), pieces in groups.items()
    ]
    out = gpd.GeoDataFrame(rows, columns=[*OUTPUT_FIELDS, "geometry"], geometry="geometry", crs=STORAGE_CRS)
    return out.sort_values(["name", "basis_features"], kind="stable").reset_index(drop=True)


def read_store_layers(store: Path, layer_ids: Iterable[str]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a zone GeoPackage that are present among ``layer_ids``.

    Raises
    ------
    DataSourceError
        (from pyogrio, re-raised) if the file cannot be opened as a GeoPackage.
    """
    import pyogrio

    from gis.errors import DataSourceError

    try:
        present = {str(name) for name, _ in pyogrio.list_layers(store)}
        return {lid: gpd.read_file(store, layer=lid, engine="pyogrio") for lid in layer_ids if lid in present}
    except (OSError, pyogrio.errors.DataSourceError) as err:
        msg = f"{store}: cannot open the zone store ({err}); expected a GeoPackage such as data/zones.gpkg"
        raise DataSourceError(msg) from err


def no_raise_from_layers(
    layers: Mapping[str, Any],
    *,
    towns: gpd.GeoDataFrame | None,
    town_radius_m: float | None = None,
    params: NoRaiseParams | None = None,
) -> gpd.GeoDataFrame:
    """禁养区 from a store's ``water_source`` / ``scenic_area`` / ``nature_reserve`` layers
    plus towns (points or polygons; ``None`` to leave part (三) out)."""
    params = params or load_noraise_params()
    parts = statutory_parts(
        water_source=layers.get("water_source"),
        scenic_area=layers.get("scenic_area"),
        nature_reserve=layers.get("nature_reserve"),
    )
    if towns is not None:
        parts += town_parts(towns, params=params, radius_m=town_radius_m)
    return derive_no_raise(parts, params=params)
