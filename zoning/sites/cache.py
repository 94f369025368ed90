"""Site searches cached per (type, attributes, area, options, store sha256, rules sha256).

In memory (the last few searches of this process) and on disk under the cache root
(``$ZONING_CACHE_DIR`` or ``~/.cache/eco-zoning-screener``; ``ZONING_CACHE=0`` turns it off)
as ``sites/<key>.gpkg`` (the candidates, as written for the user) plus ``<key>.json`` (the
rest of the answer). Nothing is unpickled from the cache folder: a GeoPackage and JSON only.
An entry that cannot be read is logged and searched again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from gis.text import Text
from layers._pack import cache_root
from zoning.rules import RuleSet
from zoning.sites.area import SearchArea, to_lonlat
from zoning.sites.finder import Progress, find_sites
from zoning.sites.model import Candidate, Reason, SiteQuery, SiteSearch
from zoning.sites.output import write_sites

__all__ = ["search_key", "cached_find_sites"]

log = logging.getLogger(__name__)
_MEMORY: OrderedDict[str, SiteSearch] = OrderedDict()
_LOCK = threading.Lock()
_MEMORY_MAX = 8
#: Bumped when what a search answers changes (old entries are then ignored).
_FORMAT = 1


def _file_sha(path: str | None) -> str | None:
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def search_key(query: SiteQuery, area: SearchArea, *, store_sha256: str, rules: RuleSet) -> str:
    """The cache key of a search (hex sha256 of everything its answer depends on)."""
    import shapely

    payload = {
        "format": _FORMAT,
        "query": {**asdict(query), "attributes": sorted((str(k), str(v)) for k, v in query.attributes.items()),
                  "dem": _file_sha(query.dem), "near_layer": _file_sha(query.near_layer)},
        "area": area.key, "area_wkb": hashlib.sha256(shapely.to_wkb(area.lonlat)).hexdigest(),
        "store": store_sha256, "rules": rules.sha256, "types": rules.project_types.sha256,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _folder() -> Path | None:
    root = cache_root()
    return root / "sites" if root is not None else None


def _meta(search: SiteSearch) -> dict[str, Any]:
    return {
        "format": _FORMAT, "type_key": search.type_key, "attributes": {k: v for k, v in search.attributes.items()},
        "area_label": search.area_label.as_dict(), "area_key": search.area_key, "crs": search.crs,
        "resolution_m": search.resolution_m, "counts": dict(search.counts), "offered_area_m2": search.offered_area_m2,
        "timings": dict(search.timings), "store_sha256": search.store_sha256, "rules_sha256": search.rules_sha256,
        "illustrative": search.illustrative, "notes": [n.as_dict() for n in search.notes],
        "surfaces": dict(search.surfaces),
    }


def _save(folder: Path, key: str, search: SiteSearch) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_sites(search, folder / f"{key}.gpkg")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(_meta(search), fh, ensure_ascii=False)
    os.replace(tmp, folder / f"{key}.json")


def _candidates(gpkg: Path, crs: str) -> tuple[Candidate, ...]:
    import geopandas as gpd

    frame = gpd.read_file(gpkg, layer="candidates")
    if len(frame) == 0:
        return ()
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    lonlat = to_lonlat(geoms, crs)
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        reasons = tuple(Reason(*r) for r in json.loads(row.reasons_json))
        fits = None if row.fits is None or row.fits != row.fits else bool(row.fits)
        out.append(Candidate(
            rank=int(row.rank), geometry=geoms[i], geometry_lonlat=lonlat[i], area_m2=float(geoms[i].area),
            verdict=row.verdict, raster_verdict=row.raster_verdict, reasons=reasons,
            centroid_lonlat=(row.centroid_lon, row.centroid_lat), centroid_xy=(row.centroid_x, row.centroid_y),
            prohibited_distance_m=_num(row.prohibited_distance_m), fit_radius_m=float(row.fit_radius_m), fits=fits,
            fit_lonlat=(row.fit_lon, row.fit_lat) if fits else None, slope_mean_deg=_num(row.slope_mean_deg),
            slope_max_deg=_num(row.slope_max_deg), near_distance_m=_num(row.near_distance_m),
            illustrative=row.legal_status == "示意",
        ))  # fmt: skip
    return tuple(out)


def _num(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _load(folder: Path, key: str, query: SiteQuery) -> SiteSearch | None:
    meta_path, gpkg = folder / f"{key}.json", folder / f"{key}.gpkg"
    if not (meta_path.exists() and gpkg.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            return None
        return SiteSearch(
            query=query, type_key=meta["type_key"], attributes=meta["attributes"],
            area_label=Text(**meta["area_label"]), area_key=meta["area_key"], crs=meta["crs"],
            resolution_m=meta["resolution_m"], candidates=_candidates(gpkg, meta["crs"]), counts=meta["counts"],
            offered_area_m2=meta["offered_area_m2"], timings=meta["timings"], store_sha256=meta["store_sha256"],
            rules_sha256=meta["rules_sha256"], illustrative=meta["illustrative"],
            notes=tuple(Text(**n) for n in meta["notes"]), surfaces=meta["surfaces"], from_cache=True,
        )  # fmt: skip
    except Exception as err:  # noqa: BLE001 - any damage to a cache entry: search again
        log.warning("site search cache entry %s unreadable (%s); searching again", key, err)
        return None


def cached_find_sites(store: Any, query: SiteQuery, area: SearchArea, *, rules: RuleSet,
                      progress: Progress | None = None) -> SiteSearch:
    """``find_sites`` through the memory and disk caches (see the module notes)."""
    key = search_key(query, area, store_sha256=str(getattr(store, "sha256", "")), rules=rules)
    with _LOCK:
        hit = _MEMORY.get(key)
    if hit is not None:
        return replace(hit, from_cache=True)
    folder = _folder()
    found = _load(folder, key, query) if folder is not None else None
    if found is None:
        found = find_sites(store, query, area, rules=rules, progress=progress)
        if folder is not None:
            try:
                _save(folder, key, found)
            except OSError as err:
                log.warning("site search not cached in %s: %s", folder, err)
    with _LOCK:
        _MEMORY[key] = found
        while len(_MEMORY) > _MEMORY_MAX:
            _MEMORY.popitem(last=False)
    return found
