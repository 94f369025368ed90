"""A fast on-disk form of big zone stores, so a process starts screening in about a second.

Opening a province-scale GeoPackage (10^5 polygons, 10^7 vertices) costs seconds: hashing
the file, reading it through GDAL, validating every geometry, and (in the engine) moving
every layer into a metric work CRS. None of that changes while the file does not. This
module keeps the result of that work in a per-user cache directory:

* ``stores/<hash of the store's absolute path>.pkl``: the validated, prepared layers as
  ``ZoneStore.open`` hands them out, the problems found, the file's sha256, and the
  fingerprint they were made for;
* ``geoms/<store sha256>/<name>.pkl``: geometry arrays derived from a store's content (the
  engine's layers in a work CRS), as WKB.

Validity: an entry is used only when the store file's (size, mtime_ns, ctime_ns, inode,
device) and the catalogue and the code of the store's checks are exactly as when it was
written; anything else (an edit, a copy, ``touch``, a new catalogue, a changed validator)
rebuilds it. The quick key is chosen over re-hashing because hashing a 250 MB store costs
as much as a third of the start-up budget; the sha256 reported in results is the one
computed from the file's bytes when the entry was written. Derived geometry is keyed by
that sha256, so copies of the same content share it.

The cache is used for stores of at least ``ZONING_CACHE_MIN_BYTES`` (default 32 MiB; small
stores open fast anyway). ``ZONING_CACHE=0`` turns it off, ``ZONING_CACHE_DIR`` moves it
(default ``$XDG_CACHE_HOME/eco-zoning-screener`` or ``~/.cache/eco-zoning-screener``).
Every cache failure (read-only home, full disk, a damaged entry) falls back to the normal
path, with a line in the log (``layers._fastcache``): the cache can make opening faster,
never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = ["CachedStore", "cache_root", "enabled_for", "load_store", "save_store", "load_geoms", "save_geoms"]

log = logging.getLogger(__name__)

#: Bumped whenever the layout of an entry changes.
FORMAT = 1
DEFAULT_MIN_BYTES = 32 * 1024 * 1024
#: Derived geometry of at most this many store versions is kept.
_KEEP_CONTENTS = 4
#: Source files whose code decides what an opened store holds (a change rebuilds entries).
_CODE_FILES = ("store.py", "schema.py", "_gpkg.py", "catalog.py", "_fastcache.py")


@dataclass(frozen=True)
class CachedStore:
    """What ``ZoneStore.open`` needs from a cache entry."""

    sha256: str
    present: tuple[str, ...]
    extra: tuple[str, ...]
    versions: tuple[str, ...]
    problems: tuple[Any, ...]
    frames: Mapping[str, Any]


def cache_root() -> Path | None:
    """The cache directory, or None when the cache is turned off."""
    if os.environ.get("ZONING_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    explicit = os.environ.get("ZONING_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eco-zoning-screener"


def enabled_for(path: Path, cache: bool | None) -> bool:
    """Whether to use the cache for the store at ``path``: ``cache`` if given (and the cache
    is on), else for files of at least ``ZONING_CACHE_MIN_BYTES``."""
    if cache is False or cache_root() is None:
        return False
    if cache is True:
        return True
    raw = os.environ.get("ZONING_CACHE_MIN_BYTES", DEFAULT_MIN_BYTES)
    try:
        minimum = int(raw)
    except ValueError:
        log.warning("ZONING_CACHE_MIN_BYTES=%r is not a whole number of bytes; store cache off", raw)
        return False
    try:
        return path.stat().st_size >= minimum
    except OSError as err:
        log.info("store cache off for %s: cannot read its size (%s)", path, err)
        return False


def _code_fingerprint() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for name in _CODE_FILES:
        try:
            digest.update((here / name).read_bytes())
        except OSError as err:  # the entries then outlive a change of this file's code
            log.warning("store cache: cannot read %s for the code fingerprint (%s)", name, err)
    return digest.hexdigest()


def _identity(path: Path, catalog: Any) -> tuple[Any, ...] | None:
    try:
        st = path.stat()
    except OSError as err:
        log.info("store cache not used for %s: cannot stat it (%s)", path, err)
        return None
    catalog_fp = hashlib.sha256(repr(catalog).encode("utf-8")).hexdigest()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, catalog_fp, _code_fingerprint())


def _entry_path(root: Path, path: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:32]
    return root / "stores" / f"{key}.pkl"


def _write_atomic(target: Path, payload: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def load_store(path: Path, catalog: Any) -> CachedStore | None:
    """The cached open store for ``path`` and ``catalog``, or None (absent, stale, damaged)."""
    root = cache_root()
    ident = _identity(path, catalog)
    if root is None or ident is None:
        return None
    entry_path = _entry_path(root, path)
    try:
        with entry_path.open("rb") as fh:
            stored_ident = pickle.load(fh)
            if stored_ident != ident:
                log.info("store cache entry %s is stale (the store, catalogue or code changed); reading %s", entry_path, path)
                return None
            entry = pickle.load(fh)
    except FileNotFoundError:
        log.debug("no store cache entry for %s yet", path)
        return None
    except Exception as err:  # noqa: BLE001 - a damaged or foreign entry is simply rebuilt
        log.warning("store cache entry %s cannot be read (%s: %s); reading %s", entry_path, type(err).__name__, err, path)
        return None
    if not isinstance(entry, CachedStore):
        log.warning("store cache entry %s holds a %s, not a cached store; reading %s", entry_path, type(entry).__name__, path)
        return None
    return entry


def save_store(path: Path, catalog: Any, entry: CachedStore, *, identity_before: tuple[Any, ...] | None) -> None:
    """Write the entry for ``path`` (best effort), unless the file changed while it was read
    (``identity_before`` is ``store_identity`` taken before reading)."""
    root = cache_root()
    ident = _identity(path, catalog)
    if root is None or ident is None or ident != identity_before:
        return
    try:
        payload = pickle.dumps(ident, protocol=5) + pickle.dumps(entry, protocol=5)
        _write_atomic(_entry_path(root, path), payload)
    except Exception as err:  # noqa: BLE001 - best effort: the next open reads the store again
        log.info("store cache entry for %s not written (%s: %s)", path, type(err).__name__, err)


def store_identity(path: Path, catalog: Any) -> tuple[Any, ...] | None:
    """The quick key of ``path`` now (pass to ``save_store``)."""
    return _identity(path, catalog)


def _geoms_dir(root: Path, sha256: str) -> Path:
    return root / "geoms" / sha256


def load_geoms(sha256: str, name: str) -> np.ndarray | None:
    """Geometry array ``name`` derived from the store content ``sha256``, or None."""
    root = cache_root()
    if root is None or not sha256:
        return None
    target = _geoms_dir(root, sha256) / f"{_safe(name)}.pkl"
    try:
        with target.open("rb") as fh:
            fmt, offsets, blob = pickle.load(fh)
        if fmt != FORMAT:
            log.info("geometry cache %s has format %s, not %s; rebuilding", target, fmt, FORMAT)
            return None
        wkb = [blob[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        return shapely.from_wkb(np.array(wkb, dtype=object))
    except FileNotFoundError:
        log.debug("no geometry cache %s yet", target)
        return None
    except Exception as err:  # noqa: BLE001 - damaged: rebuild
        log.warning("geometry cache %s cannot be read (%s: %s); rebuilding", target, type(err).__name__, err)
        return None


def save_geoms(sha256: str, name: str, geoms: np.ndarray) -> None:
    """Keep geometry array ``name`` derived from store content ``sha256`` (best effort)."""
    root = cache_root()
    if root is None or not sha256:
        return
    try:
        wkb = shapely.to_wkb(geoms)
        sizes = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        payload = pickle.dumps((FORMAT, offsets, b"".join(wkb)), protocol=5)
        target = _geoms_dir(root, sha256) / f"{_safe(name)}.pkl"
        _write_atomic(target, payload)
        _prune(root / "geoms", keep=target.parent)
    except Exception as err:  # noqa: BLE001 - best effort: the engine derives them again next time
        log.info("geometry cache %s for store %s not written (%s: %s)", name, sha256[:12], type(err).__name__, err)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in name)


def _prune(folder: Path, *, keep: Path) -> None:
    """Keep the derived geometry of the ``_KEEP_CONTENTS`` most recently written store versions."""
    dirs = sorted((d for d in folder.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime, reverse=True)
    for old in dirs[_KEEP_CONTENTS:]:
        if old == keep:
            continue
        for f in old.iterdir():
            with contextlib.suppress(OSError):
                f.unlink()
        with contextlib.suppress(OSError):
            old.rmdir()
