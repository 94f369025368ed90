"""GeoPackage plumbing for the zone store: layer names, reading, writing, the history table.

A store is one GeoPackage. Besides the catalogue layers it may hold kept versions of
replaced layers (``<layer>__v<N>``) and ``store_history``, a non-spatial attribute table
(registered in ``gpkg_contents`` so QGIS lists it) with one row per import, replacement,
adoption of a pre-existing layer and roll-back. Every change goes through ``edit_store``:
the work is done on a copy that replaces the store in one ``os.replace``, so a failed
import leaves the store exactly as it was, and readers that have the old file open keep a
consistent view.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from gis.errors import DataSourceError

try:  # POSIX: serialise writers of one store; on other systems edits are not locked.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "HISTORY_TABLE",
    "HistoryRow",
    "version_layer",
    "parse_version_layer",
    "check_geopackage",
    "list_tables",
    "read_layer",
    "write_layer",
    "copy_layer",
    "drop_layer",
    "read_history",
    "append_history",
    "edit_store",
    "connect",
    "register_attributes_table",
    "work_copies",
    "stale_work_copies",
    "now_text",
    "current_user",
]

log = logging.getLogger(__name__)

HISTORY_TABLE = "store_history"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_VERSION_RE = re.compile(r"^(?P<layer>[a-z][a-z0-9_]*?)__v(?P<n>[1-9][0-9]*)$")


def version_layer(layer_id: str, version: int) -> str:
    """Name of the kept copy of version ``version`` of ``layer_id``: ``water_source__v2``."""
    return f"{layer_id}__v{version}"


def parse_version_layer(name: str) -> tuple[str, int] | None:
    """(layer id, version) for a kept-version layer name, else None."""
    m = _VERSION_RE.match(name)
    return (m["layer"], int(m["n"])) if m else None


def check_geopackage(path: Path) -> None:
    """Raise DataSourceError naming ``path`` unless it is an existing, readable GeoPackage."""
    if not path.exists():
        msg = f"zone store {path} does not exist; expected a GeoPackage (.gpkg) such as data/zones.gpkg"
        zh = f"图层库 {path} 不存在；应为 GeoPackage（.gpkg）文件，如 data/zones.gpkg"
        raise DataSourceError(msg, zh=zh)
    if path.is_dir():
        msg = f"zone store {path} is a folder; expected a GeoPackage (.gpkg) file"
        raise DataSourceError(msg, zh=f"图层库 {path} 是文件夹；应为 GeoPackage（.gpkg）文件")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as err:
        msg = f"zone store {path} cannot be read ({err.strerror})"
        raise DataSourceError(msg, zh=f"无法读取图层库 {path}（{err.strerror}）") from err
    if head != _SQLITE_MAGIC:
        msg = f"zone store {path} is not a GeoPackage (no SQLite header); expected a .gpkg file such as data/zones.gpkg"
        zh = f"图层库 {path} 不是 GeoPackage 文件（没有 SQLite 文件头）；应为 .gpkg 文件，如 data/zones.gpkg"
        raise DataSourceError(msg, zh=zh)


def list_tables(path: Path) -> list[tuple[str, str | None]]:
    """(name, geometry type or None for attribute tables) of every layer, in file order."""
    try:
        rows = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, OSError) as err:
        msg = f"zone store {path} cannot be opened as a GeoPackage ({err})"
        raise DataSourceError(msg, zh=f"无法以 GeoPackage 格式打开图层库 {path}（{err}）") from err
    return [(str(name), None if gtype is None else str(gtype)) for name, gtype in rows]


def read_layer(path: Path, name: str) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The layer ``name`` (RangeIndex) and the GeoPackage fid of each row.

    Raises
    ------
    DataSourceError
        If the layer cannot be read.
    """
    try:
        frame = pyogrio.read_dataframe(path, layer=name, use_arrow=True, fid_as_index=True)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError, OSError) as err:
        msg = f"zone store {path} layer {name!r} cannot be read ({err})"
        raise DataSourceError(msg, zh=f"无法读取图层库 {path} 的图层“{name}”（{err}）") from err
    fids = np.asarray(frame.index, dtype=np.int64)
    return frame.reset_index(drop=True), fids


def write_layer(path: Path, name: str, gdf: gpd.GeoDataFrame) -> None:
    """Write ``gdf`` as layer ``name`` of the GeoPackage at ``path`` (replacing a layer of that name)."""
    # Mixed single/multi parts are promoted so the layer has one declared geometry type.
    pyogrio.write_dataframe(
        gdf, path, layer=name, driver="GPKG", promote_to_multi=None, layer_options={"OVERWRITE": "YES"}
    )


def copy_layer(path: Path, source: str, target: str) -> int:
    """Copy layer ``source`` to ``target`` within one GeoPackage; returns the feature count."""
    frame, _ = read_layer(path, source)
    write_layer(path, target, frame)
    return len(frame)


def drop_layer(path: Path, name: str) -> None:
    """Delete layer ``name`` with its spatial index and metadata."""
    import fiona  # GDAL's DeleteLayer cleans gpkg_contents, the R-tree and triggers; pyogrio has no delete.

    fiona.remove(str(path), layer=name, driver="GPKG")


# --- the history table -----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One event in ``store_history``.

    ``action`` is ``import`` (a new layer), ``replace`` (a new version of a layer),
    ``adopt`` (a layer that was in the store before any import, recorded as a version when
    first replaced) or ``rollback`` (``version`` became current again).
    """

    layer: str
    version: int
    action: str
    recorded_at: str
    recorded_by: str
    source_file: str | None = None
    source_sha256: str | None = None
    features: int | None = None
    crs: str | None = None
    legal_status: str | None = None
    source: str | None = None
    effective_date: str | None = None
    label: str | None = None
    note: str | None = None


_COLUMNS = tuple(f.name for f in fields(HistoryRow))
_CREATE = f"""CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    layer TEXT NOT NULL, version INTEGER NOT NULL, action TEXT NOT NULL,
    recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
    source_file TEXT, source_sha256 TEXT, features INTEGER, crs TEXT,
    legal_status TEXT, source TEXT, effective_date TEXT, label TEXT, note TEXT)"""


def connect(path: Path) -> sqlite3.Connection:
    """A read-write SQLite connection to the GeoPackage at ``path`` (for bookkeeping tables)."""
    return _connect(path)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    except sqlite3.Error as err:
        msg = f"zone store {path} cannot be opened for writing ({err})"
        raise DataSourceError(msg, zh=f"无法以写入方式打开图层库 {path}（{err}）") from err


def _has_history(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (HISTORY_TABLE,)).fetchone()
    return row is not None


def read_history(path: Path, layer_id: str | None = None) -> list[HistoryRow]:
    """Events of ``store_history`` (all, or of one layer), oldest first; empty if the table is absent."""
    uri = f"file:{path}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            if not _has_history(conn):
                return []
            sql = f"SELECT {', '.join(_COLUMNS)} FROM {HISTORY_TABLE}"
            args: tuple[str, ...] = ()
            if layer_id is not None:
                sql += " WHERE layer = ?"
                args = (layer_id,)
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()
    except sqlite3.Error as err:
        msg = f"zone store {path}: the {HISTORY_TABLE} table cannot be read ({err})"
        raise DataSourceError(msg, zh=f"无法读取图层库 {path} 的 {HISTORY_TABLE} 表（{err}）") from err
    return [HistoryRow(*row) for row in rows]


def append_history(path: Path, rows: Sequence[HistoryRow]) -> None:
    """Append events to ``store_history``, creating and registering the table on first use."""
    with contextlib.closing(_connect(path)) as conn, conn:
        if not _has_history(conn):
            conn.execute(_CREATE)
            register_attributes_table(conn, HISTORY_TABLE, "图层导入与版本记录 / layer imports and versions")
        placeholders = ", ".join("?" for _ in _COLUMNS)
        conn.executemany(
            f"INSERT INTO {HISTORY_TABLE} ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            [tuple(getattr(r, c) for c in _COLUMNS) for r in rows],
        )


def register_attributes_table(conn: sqlite3.Connection, name: str, description: str, *, fixed_time: str | None = None) -> None:
    """Register table ``name`` in ``gpkg_contents`` as a GeoPackage attributes table, so GDAL
    and QGIS list it; ``fixed_time`` (ISO) instead of now keeps a rebuilt store byte-identical."""
    when = "?" if fixed_time else "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
        f"VALUES (?, 'attributes', ?, ?, {when})",
        (name, name, description, *([fixed_time] if fixed_time else [])),
    )
#: China Standard Time: the history is stamped like the reports, whatever the machine's zone.
CHINA_TZ = timezone(timedelta(hours=8))


def now_text() -> str:
    """The time in China Standard Time, e.g. ``2026-11-22T10:00:00+08:00`` (as reports stamp it)."""
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError) as err:  # no login name (some containers)
        log.info("no login name for the edit history (%s); recorded as 'unknown'", err)
        return "unknown"


# --- atomic edits ----------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # The lock is on the store's folder (flock works on a directory descriptor on POSIX), so
    # no lock file is left next to the store; edits of stores in one folder are serialised.
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# Work copies are ".<store stem>.<pid>.<random>.gpkg" next to the store: the pid says who owns one.
_WORK_RE = re.compile(r"^\.(?P<stem>.+)\.(?P<pid>[0-9]+)\.[A-Za-z0-9_]+\.gpkg$")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def work_copies(path: Path) -> list[tuple[Path, int | None]]:
    """Work copies of the store at ``path`` in its folder: (file, owning pid or None if unnamed).

    Copies without a pid in their name come from versions before the pid was recorded.
    """
    out: list[tuple[Path, int | None]] = []
    prefix = f".{path.stem}."
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(".gpkg")]
    except OSError:
        return out
    for p in sorted(candidates):
        m = _WORK_RE.match(p.name)
        owner = int(m["pid"]) if m and m["stem"] == path.stem else None
        out.append((p, owner))
    return out


def stale_work_copies(path: Path) -> list[Path]:
    """Work copies left behind by an edit that died (kill -9, power cut): their owner is gone.

    Only copies whose owning process no longer exists count; a copy of a live process, or
    one whose owner cannot be told, is never called stale.
    """
    return [p for p, pid in work_copies(path) if pid is not None and pid != os.getpid() and not _pid_alive(pid)]


def _remove_stale(path: Path) -> None:
    """Called with the store's lock held: no live editor can be using a copy whose owner is gone."""
    for stale in stale_work_copies(path):
        for extra in (stale, Path(f"{stale}-journal"), Path(f"{stale}-wal"), Path(f"{stale}-shm")):
            try:
                extra.unlink(missing_ok=True)
            except OSError as err:
                log.warning("stale work copy %s could not be removed (%s); remove it by hand", extra, err)
                continue
        log.info("removed the work copy %s left by an edit that did not finish", stale.name)


@contextlib.contextmanager
def edit_store(path: Path) -> Iterator[Path]:
    """Yield a working copy of the store (or a fresh path if it does not exist yet); on
    success it replaces the store atomically, on any exception the store is untouched.

    Work copies left by an edit that was killed are removed first (under the lock, and only
    those whose owning process is gone)."""
    if not path.parent.is_dir():
        msg = f"zone store {path}: folder {path.parent} does not exist"
        raise DataSourceError(msg, zh=f"图层库 {path}：文件夹 {path.parent} 不存在")
    with _locked(path):
        _remove_stale(path)
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.{os.getpid()}.", suffix=".gpkg", dir=path.parent)
        os.close(fd)
        work = Path(name)
        try:
            if path.exists():
                shutil.copy2(path, work)
            else:
                work.unlink()  # GDAL creates the GeoPackage on first write
            yield work
            os.replace(work, path)
        finally:
            work.unlink(missing_ok=True)
