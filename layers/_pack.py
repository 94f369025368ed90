"""The persisted form of a zone store version: plain arrays that open without decoding.

Opening a province-scale GeoPackage (10^5 polygons, 10^7 vertices) costs seconds: hashing the
file, reading it through GDAL, validating every geometry, and (in the engine) moving every
layer into a metric work CRS and cutting its outlines into pieces. None of that changes while
the file does not, so the first open keeps the result in a per-user cache directory as a
*pack*, and every later process maps the pack's files instead of redoing the work:

* ``stores/<hash of the store's absolute path>.json``: which pack describes the file, and the
  file's identity (size, mtime_ns, ctime_ns, inode, device) and the catalogue and code
  fingerprints it was made for;
* ``packs/<sha256>-<fingerprint>/manifest.json``: the opened store (layers present, problems
  found, per-layer summary, column dtypes, CRS) and every file of the pack with its size and
  BLAKE2b digest;
* ``packs/.../frames/<layer>.arrow`` (the layer's attributes, Arrow IPC) and
  ``frames/<layer>.<array>.npy`` (its geometry as coordinate and offset arrays,
  ``layers._geoarrays``);
* ``packs/.../derived/<name>/``: arrays other modules derive from the version (the engine's
  layers in a work CRS, their bounding boxes and pieces: ``zoning._spatial``), each with its
  own manifest, written once, atomically.

**No code runs from the cache.** Nothing here is pickled: JSON, Arrow IPC and ``.npy`` files
read with ``allow_pickle=False`` (an object array is refused). Every file's size is checked
against the manifest on open and every file but the coordinate arrays is checked against its
digest (the coordinates are memory-mapped and read only where a screening needs them; their
sizes and the offsets that index them are checked, so a damaged file can give wrong
coordinates but never a crash or a read outside the file). An entry that fails a check is
logged and ignored, and the store is read again.

Validity: a pack is used only when the store file's identity and the catalogue and the code
of the store's checks are exactly as when it was written; anything else (an edit, a copy,
``touch``, a new catalogue, a changed validator) builds a new one. The quick key is chosen
over re-hashing because hashing a 250 MB store costs as much as a third of the start-up
budget; the sha256 reported in results is the one computed from the file's bytes when the
pack was written. Derived entries live in the pack, so copies of the same content made under
the same catalogue share them.

The cache is used for stores of at least ``ZONING_CACHE_MIN_BYTES`` (default 32 MiB; small
stores open fast anyway). ``ZONING_CACHE=0`` turns it off, ``ZONING_CACHE_DIR`` moves it
(default ``$XDG_CACHE_HOME/eco-zoning-screener`` or ``~/.cache/eco-zoning-screener``). Every
cache failure (read-only home, full disk, a damaged entry) falls back to the normal path,
with a line in the log (``layers._pack``): the cache can make opening faster, never different.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMAT",
    "StorePack",
    "PackError",
    "cache_root",
    "enabled_for",
    "store_identity",
    "load_store",
    "save_store",
]

log = logging.getLogger(__name__)

#: Bumped whenever the layout of a pack changes.
FORMAT = 2
DEFAULT_MIN_BYTES = 32 * 1024 * 1024
#: Packs of at most this many store versions are kept.
_KEEP_VERSIONS = 4
#: Source files whose code decides what an opened store holds (a change builds new packs).
_CODE_FILES = ("store.py", "schema.py", "_gpkg.py", "catalog.py", "_pack.py", "_geoarrays.py")
#: Files at least this large whose name ends so are checked by size only (module notes).
_SIZE_ONLY_SUFFIXES = (".coords.npy", ".wkb.data.npy")
_SIZE_ONLY_FROM = 1 << 20


class PackError(Exception):
    """A pack entry that cannot be used (missing, stale, damaged); the caller falls back."""


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
        except OSError as err:  # the packs then outlive a change of this file's code
            log.warning("store cache: cannot read %s for the code fingerprint (%s)", name, err)
    return digest.hexdigest()


def _fingerprint(catalog: Any) -> str:
    """Catalogue + code: what, beside the file's bytes, decides what an opened store holds."""
    catalog_fp = hashlib.sha256(repr(catalog).encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{catalog_fp} {_code_fingerprint()}".encode()).hexdigest()


def store_identity(path: Path, catalog: Any) -> list[Any] | None:
    """The quick key of ``path`` now (pass to ``save_store``)."""
    try:
        st = path.stat()
    except OSError as err:
        log.info("store cache not used for %s: cannot stat it (%s)", path, err)
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, _fingerprint(catalog)]


def _pointer_path(root: Path, path: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:32]
    return root / "stores" / f"{key}.json"


def _digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _size_only(name: str, size: int) -> bool:
    return size >= _SIZE_ONLY_FROM and name.endswith(_SIZE_ONLY_SUFFIXES)


def _write_json_atomic(target: Path, payload: Any) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _read_json(path: Path) -> Any:
    with path.open("rb") as fh:
        return json.loads(fh.read(64 << 20))


# --- writing a folder of arrays ---------------------------------------------------------------


class _FolderWriter:
    """Files written into a temporary folder, then renamed into place with their manifest."""

    def __init__(self, parent: Path) -> None:
        parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(dir=parent, prefix=".tmp-"))
        self.files: dict[str, list[Any]] = {}

    def array(self, name: str, array: np.ndarray) -> None:
        if array.dtype == object:
            msg = f"array {name} holds Python objects; packs hold plain arrays only"
            raise PackError(msg)
        np.save(self.tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        self._record(f"{name}.npy")

    def arrays(self, prefix: str, arrays: Mapping[str, np.ndarray]) -> None:
        for key, array in arrays.items():
            self.array(f"{prefix}{key}", array)

    def bytes(self, name: str, data: bytes) -> None:
        (self.tmp / name).write_bytes(data)
        self._record(name)

    def _record(self, name: str) -> None:
        path = self.tmp / name
        size = path.stat().st_size
        self.files[name] = [size, None if _size_only(name, size) else _digest(path)]

    def commit(self, target: Path, manifest: dict[str, Any]) -> None:
        """Write the manifest and rename the folder to ``target`` (another process may have
        written the same entry first: then this copy is dropped)."""
        manifest = {**manifest, "format": FORMAT, "files": self.files}
        (self.tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(self.tmp, target)
        except OSError:
            if not (target / "manifest.json").exists():
                raise
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _open_folder(folder: Path) -> dict[str, Any]:
    """The manifest of an entry folder after checking its files (``PackError`` otherwise)."""
    try:
        manifest = _read_json(folder / "manifest.json")
    except FileNotFoundError as err:
        msg = f"{folder} has no manifest"
        raise PackError(msg) from err
    except (OSError, ValueError) as err:
        msg = f"manifest of {folder} cannot be read ({err})"
        raise PackError(msg) from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        msg = f"{folder} is not a pack entry of format {FORMAT}"
        raise PackError(msg)
    for name, record in manifest["files"].items():
        path = folder / name
        if "/" in name or name.startswith(".") or not isinstance(record, list) or len(record) != 2:
            msg = f"{folder}: bad file record {name!r}"
            raise PackError(msg)
        try:
            size = path.stat().st_size
        except OSError as err:
            msg = f"{path} is missing ({err})"
            raise PackError(msg) from err
        if size != record[0]:
            msg = f"{path} has {size} bytes, the manifest says {record[0]}"
            raise PackError(msg)
        if record[1] is None and not _size_only(name, size):
            msg = f"{path} has no digest"
            raise PackError(msg)
    return manifest


def _checked_file(folder: Path, manifest: Mapping[str, Any], name: str) -> Path:
    """The file ``name`` of an entry, after checking its digest (when it has one): files are
    checked when first read, so what a process never reads costs nothing."""
    path = folder / name
    record = manifest["files"].get(name)
    if record is None:
        msg = f"{path} is not listed in the manifest"
        raise PackError(msg)
    if record[1] is not None and _digest(path) != record[1]:
        msg = f"{path} does not match its digest (changed after it was written)"
        raise PackError(msg)
    return path


def _load_array(folder: Path, manifest: Mapping[str, Any], name: str) -> np.ndarray:
    path = _checked_file(folder, manifest, name)
    try:
        array = np.load(path, mmap_mode="r" if name.endswith(_SIZE_ONLY_SUFFIXES) else None, allow_pickle=False)
    except (OSError, ValueError) as err:
        msg = f"{path} cannot be read ({err})"
        raise PackError(msg) from err
    if not isinstance(array, np.ndarray) or array.dtype.hasobject:
        msg = f"{path} is not a plain array"
        raise PackError(msg)
    return array


def _load_arrays(folder: Path, manifest: Mapping[str, Any], prefix: str) -> dict[str, np.ndarray]:
    """Arrays of the entry whose file names start with ``prefix`` (coordinates memory-mapped)."""
    out = {}
    for name in manifest["files"]:
        if name.startswith(prefix) and name.endswith(".npy"):
            out[name[len(prefix) : -len(".npy")]] = _load_array(folder, manifest, name)
    return out


# --- the store pack --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StorePack:
    """An opened pack: the manifest of a store version and the folder of its files."""

    folder: Path
    manifest: Mapping[str, Any]

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    def layer_record(self, layer_id: str) -> Mapping[str, Any]:
        return self.manifest["layers"][layer_id]

    def frame_arrays(self, layer_id: str) -> dict[str, np.ndarray]:
        """The arrays of the layer's geometry in its stored CRS (``layers._geoarrays``)."""
        return _load_arrays(self.folder, self.manifest, f"frames.{layer_id}.g.")

    def frame_table(self, layer_id: str) -> Any:
        """The layer's attributes as an Arrow table (memory-mapped)."""
        import pyarrow as pa

        path = _checked_file(self.folder, self.manifest, f"frames.{layer_id}.arrow")
        try:
            with pa.memory_map(str(path), "r") as source:
                return pa.ipc.open_file(source).read_all()
        except (OSError, pa.ArrowException) as err:
            msg = f"{path} cannot be read ({err})"
            raise PackError(msg) from err

    # Derived entries -----------------------------------------------------------------------

    def _derived_dir(self, name: str) -> Path:
        return self.folder / "derived" / _safe(name)

    def derived(self, name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """(meta, arrays) of derived entry ``name``, or None when absent or unusable (logged)."""
        folder = self._derived_dir(name)
        if not folder.exists():
            return None
        try:
            manifest = _open_folder(folder)
            return dict(manifest.get("meta") or {}), _load_arrays(folder, manifest, "")
        except PackError as err:
            log.warning("derived cache entry %s cannot be used (%s); building it again", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def put_derived(
        self, name: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], *, replaces: str | None = None
    ) -> None:
        """Keep derived entry ``name`` (best effort: a failure is logged, never raised);
        entries whose names start with ``replaces`` (older recipes of the same thing) go."""
        target = self._derived_dir(name)
        writer: _FolderWriter | None = None
        try:
            writer = _FolderWriter(target.parent)
            writer.arrays("", arrays)
            writer.commit(target, {"meta": dict(meta)})
        except Exception as err:  # noqa: BLE001 - best effort: the caller has what it derived
            log.info("derived cache entry %s not written (%s: %s)", target, type(err).__name__, err)
            if writer is not None:
                writer.discard()
            return
        if replaces:
            prefix = _safe(replaces)
            for old in target.parent.iterdir():
                if old.name.startswith(prefix) and old.name != target.name:
                    shutil.rmtree(old, ignore_errors=True)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in name)


_OPEN_LOCK = threading.Lock()


def load_store(path: Path, catalog: Any) -> StorePack | None:
    """The pack for ``path`` and ``catalog``, or None (absent, stale, damaged: logged)."""
    root = cache_root()
    ident = store_identity(path, catalog)
    if root is None or ident is None:
        return None
    pointer = _pointer_path(root, path)
    try:
        record = _read_json(pointer)
    except FileNotFoundError:
        log.debug("no store cache entry for %s yet", path)
        return None
    except (OSError, ValueError) as err:
        log.warning("store cache entry %s cannot be read (%s); reading %s", pointer, err, path)
        return None
    if not isinstance(record, dict) or record.get("identity") != ident or record.get("format") != FORMAT:
        log.info("store cache entry %s is stale (the store, catalogue or code changed); reading %s", pointer, path)
        return None
    folder = root / "packs" / _safe(str(record.get("pack", "")))
    try:
        with _OPEN_LOCK:
            manifest = _open_folder(folder)
    except PackError as err:
        log.warning("store cache entry %s cannot be read (%s); reading %s", folder, err, path)
        return None
    if manifest.get("sha256") != record.get("sha256"):
        log.warning("store cache entry %s does not belong to %s; reading it", folder, path)
        return None
    return StorePack(folder, manifest)


def save_store(
    path: Path,
    catalog: Any,
    *,
    identity_before: list[Any] | None,
    sha256: str,
    summary: Mapping[str, Any],
    frames: Mapping[str, Any],
    encode_frame: Callable[[Any], tuple[Mapping[str, Any], bytes, Mapping[str, np.ndarray]]],
) -> StorePack | None:
    """Write the pack of ``path`` (best effort), unless the file changed while it was read
    (``identity_before`` is ``store_identity`` taken before reading).

    ``summary`` is what the store keeps besides its layers (JSON-able); ``encode_frame(frame)``
    gives a layer's (record, Arrow IPC bytes of its attributes, geometry arrays).
    """
    root = cache_root()
    ident = store_identity(path, catalog)
    if root is None or ident is None or ident != identity_before:
        return None
    key = f"{sha256[:32]}-{ident[-1][:16]}"
    target = root / "packs" / key
    writer: _FolderWriter | None = None
    try:
        if not (target / "manifest.json").exists():
            writer = _FolderWriter(target.parent)
            layers = {}
            for lid, frame in frames.items():
                record, table, arrays = encode_frame(frame)
                writer.bytes(f"frames.{lid}.arrow", table)
                writer.arrays(f"frames.{lid}.g.", arrays)
                layers[lid] = dict(record)
            writer.commit(target, {"sha256": sha256, **summary, "layers": layers})
        _write_json_atomic(_pointer_path(root, path), {"format": FORMAT, "identity": ident, "sha256": sha256, "pack": key})
        _prune(root / "packs", keep=target)
        return StorePack(target, _open_folder(target))
    except Exception as err:  # noqa: BLE001 - best effort: the next open reads the store again
        log.info("store cache entry for %s not written (%s: %s)", path, type(err).__name__, err)
        if writer is not None:
            writer.discard()
        return None


def _prune(folder: Path, *, keep: Path) -> None:
    """Keep the packs of the ``_KEEP_VERSIONS`` most recently written store versions (and
    drop temporary folders of writers that are gone)."""
    dirs = []
    for d in folder.iterdir():
        with contextlib.suppress(OSError):
            if d.is_dir() and not d.name.startswith(".tmp-"):
                dirs.append((d.stat().st_mtime, d))
    dirs.sort(reverse=True)
    for _, old in dirs[_KEEP_VERSIONS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def problems_to_json(problems: Iterable[Any]) -> list[dict[str, Any]]:
    """Store problems (``layers.schema.Problem``) as JSON records."""
    return [
        {"layer": p.layer, "field": p.field, "message": p.message, "severity": p.severity, "rows": [int(r) for r in p.rows]}
        for p in problems
    ]
