"""Cached loaders, keyed on primitive values (path + sha256), shared by every session.

``st.cache_resource`` objects (the store, rule set, display layers) are shared by all
users of the server and must be treated as read-only. The keys are the file path and its
content hash, so replacing ``data/zones.gpkg`` or ``rules.yaml`` is picked up on the next
run without a restart, and an unchanged file is never read twice.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st
import yaml

from gis.errors import DataSourceError
from layers.paths import (
    CATALOG_PATH,
    DATA_DIR,
    STORE_ENV,
    catalog_path,
    display_path,
    is_postgres_url,
    project_types_path,
    rules_path,
    store_location,
)
from ui.components import (
    HUNAN_BOUNDS,
    StaticBase,
    ZoneLayerView,
    display_tolerance_deg,
    to_display_geojson,
    zone_layer_view,
)
from ui.i18n import Lang, pick
from ui.static_cache import publish_json

__all__ = [
    "BASE_DIR",
    "FileRef",
    "file_ref",
    "store_ref",
    "shown_path",
    "get_store",
    "get_rules",
    "catalog_ref",
    "rules_ref",
    "types_ref",
    "LayerLabel",
    "get_layer_labels",
    "layer_labels",
    "layer_titles",
    "rules_key",
    "get_base_display",
    "get_towns",
    "get_counties",
    "get_divisions",
    "get_zone_views",
    "zone_views",
    "get_layer",
]

BASE_DIR = DATA_DIR / "base"


@dataclass(frozen=True)
class FileRef:
    """A file and the hash of its content: the cache key of everything loaded from it."""

    path: str
    sha256: str
    mtime: float

    @property
    def short(self) -> str:
        return self.sha256[:12]


@st.cache_data(show_spinner=False, max_entries=64)
def _sha256(path: str, mtime_ns: int, size: int) -> str:
    # mtime and size are part of the key so a replaced file is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_ref(path: str | Path) -> FileRef:
    """Path, content hash and modification time of ``path`` (hash cached on mtime + size).

    Raises
    ------
    DataSourceError
        If the file does not exist or cannot be read.
    """
    p = str(Path(path).resolve())
    try:
        info = os.stat(p)
    except OSError as err:
        name = shown_path(p)  # the message reaches the page: no server folders in it
        msg = f"{name} cannot be read ({err.strerror}); expected an existing file (set {STORE_ENV} or run `make data`)"
        zh = f"无法读取文件 {name}（{err.strerror}）；请确认文件存在（可设置环境变量 {STORE_ENV}，或运行 make data 重建内置图层库）"
        raise DataSourceError(msg, zh=zh) from err
    return FileRef(p, _sha256(p, info.st_mtime_ns, info.st_size), info.st_mtime)


def shown_path(path: str | Path) -> str:
    """A file's path as a visitor may see it (``layers.paths.display_path``): relative to the
    app (``data/zones.gpkg``), else only its file name — never the server's folder layout."""
    return display_path(path)


def store_ref() -> FileRef:
    """The zone store in use: ``$ZONING_STORE`` when set (a GeoPackage, or a PostGIS schema as
    ``postgresql://user:pass@host/db?schema=NAME``), else the embedded data/zones.gpkg
    (``layers.paths.store_location``, the HTTP API's resolution too)."""
    location = store_location()
    if is_postgres_url(location):
        return FileRef(location, _postgis_version(location), 0.0)
    return file_ref(location)


@st.cache_data(show_spinner=False, ttl=30, max_entries=4)
def _postgis_version(url: str) -> str:
    """The version of the PostGIS store (asked again every 30 s: a new push is picked up)."""
    from layers.pgstore import store_version

    return store_version(url)


def catalog_ref() -> FileRef:
    """The layer catalogue in use: ``$ZONING_CATALOG`` when set, else data/catalog.yaml
    (``layers.paths.catalog_path``, as the API)."""
    return file_ref(catalog_path())


def rules_ref() -> FileRef:
    """The rules file in use: ``$ZONING_RULES`` when set, else data/rules.yaml (``layers.paths.rules_path``)."""
    return file_ref(rules_path())


def types_ref() -> FileRef:
    """The project types in use: ``$ZONING_PROJECT_TYPES`` when set, else data/project_types.yaml
    (``layers.paths.project_types_path``)."""
    return file_ref(project_types_path())


def get_store(path: str, sha256: str) -> Any:
    """The opened ``layers.store.ZoneStore`` (read-only; indexes are built once per process),
    validated against the catalogue in use (``catalog_ref``)."""
    catalog = catalog_ref()
    return _get_store(path, sha256, catalog.path, catalog.sha256)


@st.cache_resource(show_spinner=False, max_entries=4)
def _get_store(path: str, sha256: str, catalog_path: str, catalog_sha256: str) -> Any:
    from zoning.engine import open_store

    return open_store(path if is_postgres_url(path) else Path(path), catalog=catalog_path)


def get_public_store(path: str, sha256: str) -> Any:
    """The store as the public sees it (``layers.generalise.public_view``: the layers the
    catalogue marks sensitive generalised): for the public map and its place lookup."""
    catalog = catalog_ref()
    return _get_public_store(path, sha256, catalog.path, catalog.sha256, os.environ.get("ZONING_PUBLIC_PRECISION_M", ""))


@st.cache_resource(show_spinner=False, max_entries=4)
def _get_public_store(path: str, sha256: str, catalog_path: str, catalog_sha256: str, precision: str) -> Any:
    from layers.generalise import public_view

    return public_view(get_store(path, sha256))


@st.cache_resource(show_spinner=False, max_entries=4)
def get_rules(rules_sha256: str, types_sha256: str, catalog_sha256: str = "") -> Any:
    """The validated rule matrix (``zoning.rules.RuleSet``) with its project types, checked
    against the catalogue in use; a bad file raises ``RuleConfigError`` listing every problem."""
    from zoning.rules import load_project_types, load_rules

    return load_rules(
        rules_ref().path, project_types=load_project_types(types_ref().path), catalog_path=catalog_ref().path
    )


def rules_key() -> tuple[str, str, str]:
    """The cache key of ``get_rules``: the hashes of the rules, project types and catalogue in use."""
    return rules_ref().sha256, types_ref().sha256, catalog_ref().sha256


@dataclass(frozen=True)
class LayerLabel:
    """A catalogue layer's titles and zone field (data/catalog.yaml)."""

    title_zh: str
    title_en: str
    zone_field: str | None


@st.cache_resource(show_spinner=False, max_entries=4)
def get_layer_labels(sha256: str, path: str = str(CATALOG_PATH)) -> dict[str, LayerLabel]:
    """Layer id -> titles and zone field, read from the catalogue file (keyed on its hash)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = {}
    for layer_id, spec in (raw.get("layers") or {}).items():
        title = spec.get("title") or {}
        out[str(layer_id)] = LayerLabel(str(title.get("zh", layer_id)), str(title.get("en", layer_id)), spec.get("zone_field"))
    return out


def layer_labels() -> dict[str, LayerLabel]:
    ref = catalog_ref()
    return get_layer_labels(ref.sha256, ref.path)


def layer_titles() -> dict[str, tuple[str, str]]:
    """Layer id -> (zh, en) title, for tables."""
    return {k: (v.title_zh, v.title_en) for k, v in layer_labels().items()}


@st.cache_resource(show_spinner=False)
def get_base_display(base_dir: str = str(BASE_DIR)) -> dict[str, dict[str, Any]] | StaticBase:
    """The app's own vector base map for every map — lakes, rivers, boundaries and the names
    of places and rivers (``zoning.publish.base_labels``) — as files the browser fetches
    once and keeps (``ui.static_cache``), or, where the app cannot write its static folder,
    as lon/lat GeoJSON dicts put in each map."""
    data: dict[str, dict[str, Any]] = {**_base_geojson(base_dir), "labels": {"labels": _base_labels(base_dir)}}
    urls = {key: publish_json(f"base-{key}", gj) for key, gj in data.items()}
    published = {key: url for key, url in urls.items() if url is not None}
    return StaticBase(published) if len(published) == len(urls) else data


def _base_labels(base_dir: str) -> list[list[Any]]:
    """The names the base map shows (``zoning.publish.base_labels``)."""
    from zoning.publish.base_labels import base_labels

    return base_labels(base_dir)


def _base_geojson(base_dir: str) -> dict[str, dict[str, Any]]:
    """The base map as lon/lat GeoJSON dicts, simplified for the province-wide view."""
    base = Path(base_dir)
    tol = display_tolerance_deg(HUNAN_BOUNDS)
    sources = {
        "counties": ("admin_counties_display.geojson", ["name", "prefecture"], tol),
        "prefectures": ("admin_prefectures_display.geojson", ["name"], tol),
        "rivers": ("rivers_gshhg.geojson", ["name_zh", "name_en"], tol),
        "lakes": ("lakes_gshhg.geojson", ["name_zh", "name_en"], tol),
    }
    out: dict[str, dict[str, Any]] = {}
    for key, (name, columns, tolerance) in sources.items():
        path = base / name
        if path.exists():
            out[key] = to_display_geojson(gpd.read_file(path), columns=columns, tolerance_deg=tolerance)
    return out


@st.cache_resource(show_spinner=False)
def get_towns(base_dir: str = str(BASE_DIR)) -> gpd.GeoDataFrame:
    """GeoNames towns of Hunan (Chinese names) for the place-name lookup."""
    return gpd.read_file(Path(base_dir) / "towns_geonames.geojson")


@st.cache_resource(show_spinner=False)
def get_divisions(base_dir: str = str(BASE_DIR)) -> gpd.GeoDataFrame:
    """Counties and prefectures (names, display outlines) for the search box."""
    from zoning.search import divisions_frame

    base = Path(base_dir)
    prefectures = base / "admin_prefectures_display.geojson"
    return divisions_frame(gpd.read_file(base / "admin_counties_display.geojson"),
                           gpd.read_file(prefectures) if prefectures.exists() else None)


@st.cache_resource(show_spinner=False)
def get_counties(base_dir: str = str(BASE_DIR)) -> gpd.GeoDataFrame:
    """County-level units at full resolution (for 'which county' on batch maps)."""
    return gpd.read_file(Path(base_dir) / "admin_counties.geojson")


@st.cache_resource(show_spinner=False, max_entries=8)
def get_zone_views(
    path: str,
    sha256: str,
    catalog_sha256: str,
    lang: Lang,
    bounds: tuple[float, float, float, float] | None = None,
    catalog_path: str = str(CATALOG_PATH),
    public: bool = False,
) -> tuple[ZoneLayerView, ...]:
    """Every zone layer of the store simplified for a map of ``bounds`` (lon/lat; None = the
    province-wide view), clipped to ``bounds`` when given. Round ``bounds`` before calling
    so that nearby views share a cache entry. ``public``: as the public sees them (sensitive
    layers generalised)."""
    store = get_public_store(path, sha256) if public else get_store(path, sha256)
    labels = get_layer_labels(catalog_sha256, catalog_path)
    views = []
    for layer_id in store.layer_ids:
        spec = store.catalog.layers[layer_id]
        # Zones with an area to draw: not the admin layer, not points, not tables.
        if spec.role not in ("zone", "control_unit") or spec.geometry in ("point", "none"):
            continue
        spec = labels.get(layer_id)
        title = pick(spec.title_zh, spec.title_en, lang) if spec else layer_id
        views.append(
            zone_layer_view(
                store.layer(layer_id) if public else get_layer(path, sha256, layer_id),
                layer_id=layer_id,
                title=title,
                zone_field=spec.zone_field if spec else None,
                legal_status=store.legal_status(layer_id),
                bounds=bounds,
            )
        )
    return tuple(v for v in views if bounds is None or not v.empty)


def zone_views(
    lang: Lang, bounds: tuple[float, float, float, float] | None = None, *, public: bool = False
) -> tuple[ZoneLayerView, ...]:
    """The zone views of the store in use (see :func:`get_zone_views`); bounds rounded to 0.01°;
    ``public``: sensitive layers generalised (the public map)."""
    ref = store_ref()
    if bounds is not None:
        bounds = (
            math.floor(bounds[0] * 100) / 100, math.floor(bounds[1] * 100) / 100,
            math.ceil(bounds[2] * 100) / 100, math.ceil(bounds[3] * 100) / 100,
        )  # fmt: skip
    catalog = catalog_ref()
    return get_zone_views(ref.path, ref.sha256, catalog.sha256, lang, bounds, catalog.path, public)


@st.cache_resource(show_spinner=False, max_entries=64)
def get_layer(path: str, sha256: str, layer_id: str) -> gpd.GeoDataFrame:
    """One store layer at full precision, native CRS (read once per store version; read-only)."""
    return get_store(path, sha256).layer(layer_id)


ATTRIBUTION_PATH = DATA_DIR / "attribution.yaml"


def attribution_table() -> Any:
    """The data sources of data/attribution.yaml as a table in the user's language (None if absent)."""
    import pandas as pd

    from ui.i18n import lang, t

    if not ATTRIBUTION_PATH.exists():
        return None
    raw = _attribution(file_ref(ATTRIBUTION_PATH).sha256)
    language = lang()
    rows = [
        {
            t("about.col_data"): str(src.get("name", "")),
            t("about.col_licence"): str(src.get("licence", "")),
            t("about.col_text"): pick(str((src.get("text") or {}).get("zh", "")), str((src.get("text") or {}).get("en", "")), language),
            t("about.col_required"): t("common.yes" if src.get("required") else "common.no"),
        }
        for src in raw.get("sources", [])
    ]
    return pd.DataFrame(rows)


@st.cache_data(show_spinner=False, max_entries=4)
def _attribution(sha256: str) -> dict[str, Any]:
    return yaml.safe_load(ATTRIBUTION_PATH.read_text(encoding="utf-8")) or {}


@st.cache_resource(show_spinner=False, max_entries=4)
def get_layer_versions(path: str, sha256: str) -> dict[str, Any]:
    """Layer id -> its current ``layers.LayerVersion`` (store_history), for dates and labels."""
    from layers import list_versions

    store = get_store(path, sha256)
    out: dict[str, Any] = {}
    if getattr(store, "windowed", False):  # a PostGIS store: its history stays in the schema
        return out
    for layer_id in store.layer_ids:
        current = [v for v in list_versions(path, layer_id, catalog=store.catalog) if v.current]
        if current:
            out[layer_id] = current[-1]
    return out
