"""What the app writes into ``static/generated/`` for the browser to fetch from the app itself.

Streamlit sends a folium map's HTML over its websocket on every render; data put in the
page that way is sent again each time and never cached. Large, unchanging map data is
written once instead, as files under ``static/generated/`` (Streamlit's static serving,
``/app/static/generated/...``), and the maps fetch it: the browser asks only for what is in
view and keeps it. Files are named by content hash, so a new version is a new name.

* :func:`publish_json` — a JSON document (the base map's boundaries, rivers and lakes);
* :func:`tile_build` / :func:`zone_tiles` — the zone tiles of a store version.

Zone tiles: a province's official layers (10^5 polygons) cannot go into the page — as
GeoJSON they are hundreds of megabytes. The public map draws ``zoning.publish.zone_tiles`` tiles
instead, simplified per zoom, from ``static/generated/zone_tiles/<store sha256>/``. They
are written once per store version, in a background thread (a province takes about
a minute; the embedded data a second or two), into a work folder renamed into place when
complete, so a half-written set is never served. Until they are ready the page says so and
answers clicks from the store as always. A server whose ``static/`` is read-only gets no
tiles (the page falls back to drawing the layers itself).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from gis import strictjson
from layers.generalise import public_view
from ui.offline import STATIC_URL
from zoning.publish.zone_tiles import apply_palette

__all__ = ["GENERATED_DIR", "TILES_DIR", "TileSet", "TileBuild", "publish_json", "zone_tiles", "tile_build"]

log = logging.getLogger(__name__)

#: Where generated files go (inside the folder Streamlit serves; not in git).
GENERATED_DIR = Path(__file__).resolve().parents[1] / "static" / "generated"
_GENERATED_URL = f"{STATIC_URL}/generated"
TILES_DIR = GENERATED_DIR / "zone_tiles"
_TILES_URL = f"{_GENERATED_URL}/zone_tiles"
#: Tile sets of other store versions kept (an administrator may roll back).
_KEEP = 3
#: Zoom levels written; the map overzooms the last one (about 40 m of detail).
_MIN_ZOOM, _MAX_ZOOM = 5, 12


@dataclass(frozen=True)
class TileSet:
    """A complete tile set: where the browser finds it and what ``tiles.json`` says."""

    url: str  # folder URL ending in "/", holding {z}/{x}/{y}.json
    meta: dict[str, Any]


@dataclass
class TileBuild:
    """The tile set of one store version: ready, being written, or failed."""

    folder: Path
    url: str
    error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _meta: dict[str, Any] | None = None

    def wait(self, timeout_s: float) -> TileSet | None:
        """The tile set, waiting up to ``timeout_s`` for a build under way; None if not ready."""
        self._done.wait(max(timeout_s, 0.0))
        if self._meta is None and (self.folder / "tiles.json").exists():
            self._meta = json.loads((self.folder / "tiles.json").read_text(encoding="utf-8"))
            self._meta.pop("rule_groups", None)  # clicks are answered from the store
        if self._meta is None:
            return None
        # The colours are the palette's as it is now (the tiles hold none): a changed
        # data/styles.yaml shows without writing the tiles again.
        return TileSet(f"{self.url}/tiles/", apply_palette(self._meta))

    @property
    def building(self) -> bool:
        return not self._done.is_set()


def _write(build: TileBuild, store_path: str) -> None:
    """Write the tile set of ``store_path`` into ``build.folder`` (a work folder first)."""
    from layers.paths import catalog_path
    from layers.store import ZoneStore
    from zoning.publish.zone_tiles import write_zone_tiles

    work = build.folder.with_name(f".{build.folder.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        # The tiles are the public's: sensitive layers generalised (layers.generalise), as the
        # catalogue in use (an open catalogue's too) marks them — the one _public_name reads.
        store = ZoneStore.open(Path(store_path), catalog=catalog_path())
        write_zone_tiles(public_view(store), work, min_zoom=_MIN_ZOOM, max_zoom=_MAX_ZOOM)
        try:
            os.replace(work, build.folder)
        except OSError:
            if not (build.folder / "tiles.json").exists():  # not another process's set
                raise
            log.debug("tile set %s was written by another process meanwhile; its copy is kept", build.folder)
        _prune(build.folder)
    except Exception as err:  # noqa: BLE001 - any failure: no tiles, the page draws the layers itself
        build.error = f"{type(err).__name__}: {err}"
        log.warning("zone tiles of %s not written (%s); the public map draws the layers itself", store_path, build.error)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        build._done.set()


def _prune(current: Path) -> None:
    """Remove the oldest tile sets beyond ``_KEEP`` (work folders, named ``.…``, are each
    removed by the build that made them)."""
    sets = sorted((p for p in current.parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime, reverse=True)  # fmt: skip
    for old in [p for p in sets if p != current][_KEEP - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def tile_build(path: str, sha256: str) -> TileBuild:
    """The tile set of the store at ``path`` with content ``sha256``, started if not on disk
    (named by the content of its public view: a change of what is generalised is a new set)."""
    name = _public_name(sha256)
    build = TileBuild(TILES_DIR / name, f"{_TILES_URL}/{name}")
    if (build.folder / "tiles.json").exists():
        build._done.set()
        return build
    try:
        TILES_DIR.mkdir(parents=True, exist_ok=True)
        writable = os.access(TILES_DIR, os.W_OK)
    except OSError as err:
        log.debug("cannot create %s (%s)", TILES_DIR, err)
        writable = False
    if not writable:
        build.error = f"{TILES_DIR} is not writable"
        log.warning("%s; the public map draws the zone layers itself (slower)", build.error)
        build._done.set()
        return build
    threading.Thread(target=_write, args=(build, path), name=f"zone-tiles-{name}", daemon=True).start()
    return build


def _public_name(sha256: str) -> str:
    from layers.catalog import load_catalog
    from layers.generalise import catalog_sensitive, public_key, public_precision_m
    from layers.paths import catalog_path

    catalog = load_catalog(catalog_path())
    return public_key(sha256, catalog_sensitive(catalog), public_precision_m())[:16]


def zone_tiles(path: str, sha256: str, *, wait_s: float = 0.0) -> TileSet | None:
    """The tile set of the store, waiting up to ``wait_s`` for it; None while it is written."""
    return tile_build(path, sha256).wait(wait_s)


def publish_json(name: str, payload: Any) -> str | None:
    """Write ``payload`` as ``static/generated/<name>-<hash>.json`` (once); its URL, or None
    where the static folder is read-only (callers then put the data in the page)."""
    body = strictjson.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    file_name = f"{name}-{hashlib.sha256(body).hexdigest()[:16]}.json"
    path = GENERATED_DIR / file_name
    try:
        if not path.exists():
            GENERATED_DIR.mkdir(parents=True, exist_ok=True)
            work = path.with_name(f".{file_name}.{os.getpid()}.{threading.get_ident()}")
            work.write_bytes(body)
            os.replace(work, path)
    except OSError as err:
        log.info("cannot write %s (%s); the data go in the page instead", path, err)
        return None
    return f"{_GENERATED_URL}/{file_name}"
