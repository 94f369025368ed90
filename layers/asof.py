"""A zone store as it stood on a date: for each layer, the version in force then.

``open_as_of(store, "2020-06-30")`` looks up, per layer with a version history, the version
in force on that day (``layers.timeline``): the current layer, a kept ``<layer>__v<N>``, or
none (a layer not yet in force is absent). Layers without a history have no dates and are
taken as they are. When the answer differs from the store's current layers, a view file is
written once (a copy of the store with the kept versions in place, in the data folder's
``asof/``, named by the store's hash and the versions chosen) and opened like any store;
the ``ZoneStore`` it returns names the date, the versions and the store they come from, so
a result's ``data`` says what it was screened against.

Coverage records are the store's current ones (they are not versioned).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gis.errors import DataSourceError, InputError
from layers import _gpkg
from layers.catalog import Catalog
from layers.store import ZoneStore, _sha256
from layers.timeline import VersionPeriod, in_force, parse_day

__all__ = ["open_as_of", "AsOfPlan", "plan_as_of"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AsOfPlan:
    """What the store looked like on ``day``: per layer with history, the version in force (None: none)."""

    day: str
    versions: Mapping[str, VersionPeriod | None]

    @property
    def differs(self) -> bool:
        """Whether some layer's version in force is not the store's current data."""
        return any(p is None or not p.current for p in self.versions.values())

    def key(self) -> str:
        chosen = {lid: (p.version if p else None) for lid, p in sorted(self.versions.items())}
        return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:12]


def plan_as_of(store_path: str | Path, day: str) -> AsOfPlan:
    """The versions of ``store_path`` in force on ``day``.

    Raises
    ------
    InputError
        ``day`` is not a date.
    DataSourceError
        The store cannot be read, or a version in force then is no longer kept in it.
    """
    wanted = parse_day(day)
    assert wanted is not None
    versions = in_force(store_path, wanted)
    for lid, period in versions.items():
        if period is not None and not period.available:
            kept = _gpkg.version_layer(lid, period.version)
            msg = f"zone store {store_path}: version {period.version} of layer {lid!r}, in force on {wanted}, is no longer kept ({kept})"
            zh = f"图层库 {store_path}：{wanted} 有效的图层“{lid}”版本 {period.version} 已不在库中（{kept}）"
            raise DataSourceError(msg, zh=zh)
    return AsOfPlan(wanted, versions)


@lru_cache(maxsize=16)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    return _sha256(Path(path))


def _build_view(store: Path, plan: AsOfPlan, target: Path) -> None:
    """Copy ``store`` and put each layer's version in force in place; renamed into ``target`` when done."""
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".gpkg", dir=target.parent)
    os.close(fd)
    work = Path(name)
    try:
        shutil.copyfile(store, work)
        for lid, period in plan.versions.items():
            if period is not None and period.current:
                continue
            names = {n for n, _ in _gpkg.list_tables(work)}
            if lid in names:
                _gpkg.drop_layer(work, lid)
            if period is not None:
                _gpkg.copy_layer(work, _gpkg.version_layer(lid, period.version), lid)
        os.replace(work, target)
    finally:
        work.unlink(missing_ok=True)


def open_as_of(
    store_path: str | Path, day: str, *, catalog: Catalog | str | Path | None = None, cache_dir: str | Path | None = None
) -> ZoneStore:
    """The store ``store_path`` as it stood on ``day`` (YYYY-MM-DD), opened and validated.

    Parameters
    ----------
    store_path
        The zone store (GeoPackage) with its ``store_history``.
    day
        The date; the versions in force then are screened.
    catalog
        As for ``ZoneStore.open``.
    cache_dir
        Where view files are kept (default: ``asof/`` in the bureau's data folder,
        ``ZONING_DATA_DIR``); a view is written once per store hash and set of versions.

    Raises
    ------
    InputError
        ``day`` is not a date.
    DataSourceError, SchemaError
        The store cannot be read, or a version in force then is no longer kept.
    """
    path = Path(store_path)
    _gpkg.check_geopackage(path)
    plan = plan_as_of(path, day)
    stat = path.stat()
    origin_sha = _file_sha256(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if plan.differs and not _any_layer_left(path, plan):
        msg = (f"zone store {path} held no layer on {plan.day}: no version of "
               f"{', '.join(sorted(plan.versions))} was in force yet; choose a later date")
        zh = f"图层库 {path} 在 {plan.day} 尚无任何有效图层（{'、'.join(sorted(plan.versions))} 均未生效）；请选择更晚的日期"
        raise InputError(msg, zh=zh)  # fmt: skip
    if plan.differs:
        folder = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        view = folder / f"{path.stem}-{origin_sha[:16]}-{plan.key()}.gpkg"
        if not view.exists():
            log.info("writing the view of %s as of %s: %s", path.name, plan.day, view)
            _build_view(path, plan, view)
        store = ZoneStore.open(view, catalog=catalog)
    else:
        store = ZoneStore.open(path, catalog=catalog)
    versions = {lid: p.as_dict() for lid, p in plan.versions.items() if p is not None}
    return store.as_view(as_of=plan.day, versions=versions, origin=path, origin_sha256=origin_sha)


def _any_layer_left(path: Path, plan: AsOfPlan) -> bool:
    """Whether the store on the plan's day holds some layer (one without history, or one in force)."""
    from layers.catalog import load_catalog

    names = {n for n, _ in _gpkg.list_tables(path)}
    catalogue = set(load_catalog().layers) | set(plan.versions)
    untracked = {n for n in names if n in catalogue and n not in plan.versions}
    return bool(untracked) or any(p is not None for p in plan.versions.values())


def _default_cache_dir() -> Path:
    from layers.paths import user_data_dir

    return user_data_dir() / "asof"
