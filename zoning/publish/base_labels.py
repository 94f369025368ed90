"""The names of the offline base map: prefectures, counties, county seats, towns, rivers, lakes.

A planner drawing a site at zoom 15 needs to know where they are without the internet:
the app's own base map has boundaries and water but no names. This module makes the list
of labels ``static/js/baselabels.js`` draws (in the app and in the exported site), each
with the zoom from which it shows and a rank: where two would overlap on screen, the
higher-ranked one is drawn (a county before a town, a county seat before a village).

Every name is Chinese: a town GeoNames knows only by its romanisation is left out (the
county label still says where one is). Rivers are named along their course, once every
``_RIVER_SPACING_M`` of line, so a river crossing the screen at any zoom carries its name.

Examples
--------
>>> labels = base_labels()  # doctest: +SKIP
>>> labels[0]  # [kind, name, lon, lat, min_zoom, rank]  # doctest: +SKIP
['prefecture', '长沙市', 113.1, 28.3, 6, 0]
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import STORAGE_CRS, work_crs_for
from layers.paths import DATA_DIR

__all__ = ["base_labels", "LABEL_KINDS"]

log = logging.getLogger(__name__)

#: kind -> (min zoom, rank); a lower rank wins a place on screen.
LABEL_KINDS: dict[str, tuple[int, int]] = {
    "prefecture": (6, 0),
    "county": (8, 1),
    "seat": (9, 2),  # a county seat (its town)
    "lake": (8, 3),
    "river": (9, 4),
    "town": (10, 5),  # a town of 100,000 people shows from zoom 9 (rank 3)
}
_BIG_TOWN = 100_000
#: A river's name is repeated once every this much of its course.
_RIVER_SPACING_M = 25_000.0
#: A piece of river shorter than this (a channel between islands) carries no name.
_RIVER_MIN_M = 5_000.0


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _chinese(value: Any) -> str:
    text = _text(value)
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


def _label(kind: str, name: str, lon: float, lat: float, *, zoom: int | None = None, rank: int | None = None) -> list[Any]:
    min_zoom, default_rank = LABEL_KINDS[kind]
    return [kind, name, round(float(lon), 5), round(float(lat), 5), zoom if zoom is not None else min_zoom,
            rank if rank is not None else default_rank]


def _read(path: Path) -> gpd.GeoDataFrame | None:
    if not path.exists():
        log.warning("base map file %s is missing; its names are not on the map", path)
        return None
    return gpd.read_file(path).set_crs(STORAGE_CRS, allow_override=True)


def _areas(frame: gpd.GeoDataFrame | None, kind: str) -> list[list[Any]]:
    if frame is None or "name" not in frame.columns:
        return []
    points = shapely.point_on_surface(frame.geometry.values)
    return [_label(kind, _text(n), p.x, p.y) for n, p in zip(frame["name"], points, strict=True) if _text(n)]


def _seat_names(counties: gpd.GeoDataFrame | None) -> set[str]:
    """Names a county seat's town goes by: the county's name with and without 县/市/区."""
    names: set[str] = set()
    if counties is None or "name" not in counties.columns:
        return names
    for name in counties["name"].map(_text):
        if name:
            names |= {name, name.rstrip("县市区")}
    return names


def _towns(towns: gpd.GeoDataFrame | None, seats: set[str]) -> list[list[Any]]:
    if towns is None:
        return []
    out = []
    for row in towns.itertuples(index=False):
        name = _chinese(getattr(row, "name_zh", None))
        if not name:
            continue
        aliases = set(_text(getattr(row, "name_zh_all", "")).split("|")) | {name}
        population = getattr(row, "population", 0) or 0
        if aliases & seats:
            out.append(_label("seat", name, row.geometry.x, row.geometry.y))
        elif population >= _BIG_TOWN:
            out.append(_label("town", name, row.geometry.x, row.geometry.y, zoom=9, rank=3))
        else:
            out.append(_label("town", name, row.geometry.x, row.geometry.y))
    return out


def _along(line: Any, crs: str) -> list[Any]:
    """Points every ``_RIVER_SPACING_M`` along a lon/lat line (measured in metres), at least
    its middle; none on a piece shorter than ``_RIVER_MIN_M``."""
    work = gpd.GeoSeries([line], crs=STORAGE_CRS).to_crs(crs).iloc[0]
    if work.length < _RIVER_MIN_M:
        return []
    count = max(1, int(work.length // _RIVER_SPACING_M))
    marks = [work.interpolate((i + 0.5) * work.length / count) for i in range(count)]
    return list(gpd.GeoSeries(marks, crs=crs).to_crs(STORAGE_CRS))


def _rivers(*frames: gpd.GeoDataFrame | None) -> list[list[Any]]:
    """River names along their course; a river named in an earlier (finer) source is not
    named again from a later, coarser one; pieces shorter than ``_RIVER_MIN_M`` go unnamed."""
    out: list[list[Any]] = []
    named: dict[str, list[Any]] = {}
    for frame in frames:
        if frame is None or "name_zh" not in frame.columns:
            continue
        found: dict[str, list[Any]] = {}
        for name, geom in zip(frame["name_zh"], frame.geometry, strict=True):
            if _chinese(name) and geom is not None and not geom.is_empty:
                found.setdefault(_chinese(name), []).extend(shapely.get_parts(geom))
        named.update({k: v for k, v in found.items() if k not in named})
    for name, parts in sorted(named.items()):
        merged = shapely.line_merge(shapely.union_all(np.array(parts, dtype=object)))
        crs = work_crs_for(merged.bounds)
        for line in shapely.get_parts(merged):
            out += [_label("river", name, p.x, p.y) for p in _along(line, crs)]
    return out


def base_labels(base_dir: str | Path = DATA_DIR / "base") -> list[list[Any]]:
    """Every label of the offline base map, ``[kind, name, lon, lat, min_zoom, rank]``,
    best rank first (the order they are placed in)."""
    base = Path(base_dir)
    counties = _read(base / "admin_counties_display.geojson")
    labels = _areas(_read(base / "admin_prefectures_display.geojson"), "prefecture") + _areas(counties, "county")
    lakes = _read(base / "lakes_gshhg.geojson")
    if lakes is not None and "name_zh" in lakes.columns:
        labels += _areas(lakes.assign(name=lakes["name_zh"].map(_chinese)), "lake")
    labels += _towns(_read(base / "towns_geonames.geojson"), _seat_names(counties))
    labels += _rivers(_read(base / "rivers_gshhg.geojson"), _read(base / "rivers_ne.geojson"))
    return sorted(labels, key=lambda lab: (lab[5], lab[4], lab[1]))
