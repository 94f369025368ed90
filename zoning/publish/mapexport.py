"""The public zone map as a self-contained static site: ``python -m zoning export-map OUTDIR``.

What it writes (every file the browser needs; no request leaves the host serving it)::

    OUTDIR/index.html            the page (Chinese first, English one click away)
    OUTDIR/assets/               map.js, zonetiles.js, map.css, Leaflet (vendored), Noto Sans SC slices
    OUTDIR/data/meta.json        layers, the palette's colours, the rules per kind of feature, tile index,
                                 notices, and the page's words (site.* of data/messages.yaml)
    OUTDIR/data/base.json        county outlines, rivers and lakes (display sets of data/base)
    OUTDIR/data/places.json      towns, for looking a place up by name
    OUTDIR/data/labels.json      the base map's names: places, counties, rivers (``base_labels``)
    OUTDIR/tiles/{z}/{x}/{y}.json  zone features per Web-Mercator tile (``zoning.publish.zone_tiles``)

Examples
--------
>>> report = export_map("public_map")  # doctest: +SKIP
>>> report.tiles, report.megabytes  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gis import strictjson
from gis.errors import InputError
from layers.generalise import public_view
from layers.paths import DATA_DIR, DEFAULT_STORE, STATIC_DIR
from zoning.basemap import BaseMap
from zoning.lookup import unit_access_lists
from zoning.messages import site_texts
from zoning.publish.base_labels import base_labels
from zoning.publish.zone_tiles import check_zooms, tile_range, write_zone_tiles

__all__ = ["ExportReport", "export_map", "site_files", "tile_range"]

log = logging.getLogger(__name__)

_SITE = Path(__file__).resolve().parent / "map_site"
_STATIC = STATIC_DIR

@dataclass(frozen=True)
class ExportReport:
    """What ``export_map`` wrote."""

    outdir: Path
    tiles: int
    features: int
    megabytes: float
    seconds: float
    zooms: tuple[int, int]


def _attribution() -> dict[str, Any]:
    import yaml

    path = DATA_DIR / "attribution.yaml"
    if not path.exists():
        log.warning("%s is missing; the site shows the default notice and no source credits", path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    notice = raw.get("notice") or {}
    texts = [s.get("text") or {} for s in raw.get("sources", [])]
    return {
        "notice_zh": notice.get("zh", "示意数据，不具法律效力"),
        "notice_en": notice.get("en", "Illustrative data, no legal force"),
        "sources": [{"zh": t.get("zh", ""), "en": t.get("en", "")} for t in texts],
    }


def _round_geojson(geoms: np.ndarray, tolerance_deg: float, decimals: int) -> list[Any]:
    simple = shapely.transform(shapely.simplify(geoms, tolerance_deg), lambda xy: np.round(xy, decimals))
    return [json.loads(g) for g in shapely.to_geojson(simple)]


def _base_geojson() -> str:
    """The offline base map: county outlines, rivers and lakes (display sets of data/base)."""
    import geopandas as gpd

    feats: list[dict[str, Any]] = []
    for name, kind in (("admin_counties_display", "county"), ("lakes_gshhg", "lake"), ("rivers_gshhg", "river")):
        path = DATA_DIR / "base" / f"{name}.geojson"
        if not path.exists():
            log.warning("base map file %s is missing; the site's base map has no %s features", path, kind)
            continue
        gdf = gpd.read_file(path)
        labels = gdf["name_zh"] if "name_zh" in gdf.columns else gdf.get("name", [""] * len(gdf))
        for label, geom in zip(labels, _round_geojson(gdf.geometry.values, 0.002, 4), strict=True):
            text = "" if label is None or label != label else str(label)
            feats.append({"type": "Feature", "properties": {"k": kind, "n": text}, "geometry": geom})
    return strictjson.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":"))


def _places() -> str:
    """Towns for "look up a place by name": [name_zh, name, county, lon, lat] rows."""
    import geopandas as gpd

    path = DATA_DIR / "base" / "towns_geonames.geojson"
    rows: list[list[Any]] = []
    if not path.exists():
        log.warning("%s is missing; the site cannot look places up by name", path)
    else:
        gdf = gpd.read_file(path)
        for r in gdf.itertuples(index=False):
            where = "·".join(str(p) for p in (getattr(r, "prefecture_name", ""), getattr(r, "county_name", "")) if p)
            rows.append([str(r.name_zh or r.name), str(r.name or ""), where, round(r.geometry.x, 5), round(r.geometry.y, 5)])
    return strictjson.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _copy_assets(out: Path) -> None:
    assets = out / "assets"
    for name in ("map.js", "map.css"):
        shutil.copy2(_SITE / name, assets / name)
    for name in ("zonetiles.js", "baselabels.js"):
        shutil.copy2(_STATIC / "js" / name, assets / name)
    shutil.copytree(_STATIC / "vendor" / "leaflet-1.9.3", assets / "leaflet", dirs_exist_ok=True)
    fonts = _STATIC / "fonts"
    if not (fonts / "noto-sans-sc.css").exists():
        log.warning("%s has no noto-sans-sc.css; the site's text falls back to the reader's system fonts", fonts)
    else:
        shutil.copytree(fonts / "noto-sans-sc", assets / "fonts" / "noto-sans-sc", dirs_exist_ok=True)
        # The app serves the slices at /app/static/fonts/; the site keeps them beside the CSS.
        css = (fonts / "noto-sans-sc.css").read_text(encoding="utf-8").replace("/app/static/fonts/", "")
        (assets / "fonts" / "noto-sans-sc.css").write_text(css, encoding="utf-8")


def export_map(
    outdir: str | Path,
    *,
    store: Any = None,
    rules: Any = None,
    min_zoom: int = 5,
    max_zoom: int = 12,
    full_zoom: int = 10,
    gzip: bool = True,
    basemap: BaseMap | None = None,
) -> ExportReport:
    """Write the public zone map of ``store`` as a static site in ``outdir``.

    Parameters
    ----------
    outdir
        Folder to write; created, or emptied first if it holds an earlier export (any other
        non-empty folder is refused).
    store
        A ``ZoneStore`` or the path of a zone GeoPackage; default the embedded data/zones.gpkg.
    rules
        The rule matrix shown on click; default the packaged one.
    min_zoom, max_zoom, full_zoom, gzip
        The tiles' zoom range and detail, and whether precompressed copies are written
        (see ``zoning.publish.zone_tiles.write_zone_tiles``; here gzip is on, for nginx ``gzip_static``).
    basemap
        A tile service the site draws under the zones (an intranet's 天地图 政务版 or WMTS,
        ``zoning.basemap.BaseMap``): written to ``meta.json``, its credit shown on the page,
        and its origins — only those — allowed by the page's Content-Security-Policy.

    Raises
    ------
    InputError
        If ``outdir`` is a file or a non-empty folder that is not an earlier export, or the
        zoom levels are out of order.
    """
    from zoning.engine import open_store

    started = time.perf_counter()
    check_zooms(min_zoom, max_zoom, full_zoom)  # before touching outdir
    # The public's site: layers the catalogue marks sensitive are generalised (layers.generalise).
    zstore = public_view(open_store(store if store is not None else DEFAULT_STORE))
    out = _prepare_outdir(Path(outdir))
    (out / "assets").mkdir(parents=True)
    (out / "data").mkdir()
    _copy_assets(out)
    tiles = write_zone_tiles(zstore, out, rules=rules, min_zoom=min_zoom, max_zoom=max_zoom, full_zoom=full_zoom, gzip=gzip)
    texts = site_texts()
    meta = {
        "title_zh": texts["zh"]["title"],
        "title_en": texts["en"]["title"],
        "bounds": [108.78, 24.64, 114.26, 30.13],
        **tiles.meta,
        "attribution": _attribution(),
        "texts": texts,  # the page's words: site.* of data/messages.yaml
        "basemap": basemap.as_dict() if basemap is not None else None,
        # the control units' access lists: every clause, and per unit feature its own and the
        # general lists that hold where it lies (shown when a unit is clicked)
        "access_list": unit_access_lists(zstore, rules=rules),
    }
    (out / "tiles.json").unlink()  # the site reads data/meta.json, which holds it all
    (out / "data" / "meta.json").write_text(strictjson.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (out / "data" / "base.json").write_text(_base_geojson(), encoding="utf-8")
    (out / "data" / "places.json").write_text(_places(), encoding="utf-8")
    labels = strictjson.dumps(base_labels(DATA_DIR / "base"), ensure_ascii=False, separators=(",", ":"))
    (out / "data" / "labels.json").write_text(labels, encoding="utf-8")
    (out / "index.html").write_text(_page(basemap), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return ExportReport(out, tiles.count, tiles.features, size / 1e6, time.perf_counter() - started, (min_zoom, max_zoom))


#: The page's policy names the images it may load; a configured base map adds its origins.
_IMG_SRC = "img-src 'self' data: blob:"


def _page(basemap: BaseMap | None) -> str:
    """index.html, its Content-Security-Policy allowing the base map's origins (only those)."""
    page = (_SITE / "index.html").read_text(encoding="utf-8")
    if _IMG_SRC not in page:
        msg = f"{_SITE / 'index.html'} has no {_IMG_SRC!r} in its policy; the base map's origins cannot be added"
        raise RuntimeError(msg)
    origins = " ".join(basemap.origins) if basemap is not None else ""
    return page.replace(_IMG_SRC, f"{_IMG_SRC} {origins}".rstrip())


_MARKER = ".zoning-export-map"


def _prepare_outdir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        msg = f"export-map output {out} is a file; expected a folder to write the site into"
        raise InputError(msg, zh=f"导出目录 {out} 是一个文件；请给出用于写入网站的文件夹")
    if out.exists() and any(out.iterdir()):
        if not (out / _MARKER).exists():
            msg = f"export-map output {out} is a non-empty folder that is not an earlier export; give a new or empty folder"
            zh = f"导出目录 {out} 不是空文件夹，也不是此前导出的地图网站；为免覆盖其中文件，请给出新的或空的文件夹"
            raise InputError(msg, zh=zh)
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / _MARKER).write_text("written by python -m zoning export-map; the folder is replaced on the next export\n")
    return out


def site_files(outdir: str | Path, suffixes: Iterable[str] = (".html", ".js", ".css")) -> list[Path]:
    """The site's files with the given suffixes (tests, checks)."""
    return sorted(p for p in Path(outdir).rglob("*") if p.suffix in tuple(suffixes))
