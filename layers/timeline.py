"""When each version of a layer was in force: effective dates, the dates they ceased.

The store's ``store_history`` records every version of a layer with its ``effective_date``
(the date the approving document gave the zoning legal force; an import without one counts
from the day it was imported; a layer adopted from before version tracking has no start).
From the history this module derives each version's period:

* a version is in force from its effective date until a *later* version (by version
  number) comes into force — that date is its ``ceased_date``; a later version whose
  effective date is earlier still replaces it from that date (the period is then empty);
* a version an administrator rolled *back from* is ``withdrawn`` (taken back as wrong or
  not approved): it is treated as never in force, until a rollback restores it.

So on a date D the version in force is the latest non-withdrawn version whose effective
date is on or before D; a layer none of whose versions is in force on D is absent then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis.errors import InputError
from layers import _gpkg

__all__ = ["VersionPeriod", "periods_of", "version_periods", "current_versions", "in_force", "parse_day", "VERSION_ACTIONS"]

#: Actions in store_history that create a version (a rollback only makes one current again).
VERSION_ACTIONS = ("import", "replace", "adopt")


@dataclass(frozen=True)
class VersionPeriod:
    """One version of a layer and when it was in force.

    ``effective_date`` None = since before version tracking; ``ceased_date`` None = still in
    force (or not yet replaced). ``current`` = the data in the layer itself; ``available`` =
    its data is in the store (current or kept as ``<layer>__v<N>``).
    """

    layer: str
    version: int
    label: str | None
    effective_date: str | None
    ceased_date: str | None
    withdrawn: bool
    current: bool
    available: bool
    recorded_at: str
    recorded_by: str

    def in_force_on(self, day: str) -> bool:
        """Whether this version was the one in force on ``day`` (YYYY-MM-DD)."""
        if self.withdrawn:
            return False
        started = self.effective_date is None or self.effective_date <= day
        return started and (self.ceased_date is None or day < self.ceased_date)

    def as_dict(self) -> dict[str, Any]:
        """What a result's ``data.versions`` names for the layer."""
        return {
            "version": self.version,
            "label": self.label or f"v{self.version}",
            "effective_date": self.effective_date,
            "ceased_date": self.ceased_date,
        }


def parse_day(value: str | dt.date | None, *, what: str = "as-of date") -> str | None:
    """``YYYY-MM-DD`` of a date or date text, None for None.

    Raises
    ------
    InputError
        Text that is not a date (named, with the form expected).
    """
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        msg = f"{what} {value!r} is not a date; expected YYYY-MM-DD, e.g. 2020-06-30"
        raise InputError(msg, zh=f"日期“{value}”无效；应为“年-月-日”（YYYY-MM-DD），如 2020-06-30") from None


def _effective(row: _gpkg.HistoryRow) -> str | None:
    if row.effective_date:
        return row.effective_date
    return None if row.action == "adopt" else row.recorded_at[:10]


def periods_of(
    layer_id: str, history: Sequence[_gpkg.HistoryRow], *, present: bool, kept: set[int]
) -> tuple[VersionPeriod, ...]:
    """The periods of ``layer_id``'s versions from its history rows (oldest first).

    ``present``: the layer itself is in the store; ``kept``: version numbers kept as
    ``<layer>__v<N>``.
    """
    current: int | None = None
    withdrawn: set[int] = set()
    versions: dict[int, _gpkg.HistoryRow] = {}
    for row in history:
        if row.action in VERSION_ACTIONS:
            versions[row.version] = row
            current = row.version
        elif row.action == "rollback":
            if current is not None and current != row.version:
                withdrawn.add(current)
            withdrawn.discard(row.version)
            current = row.version
    if not present:
        current = None
    out = []
    for number in sorted(versions):
        row = versions[number]
        later = [_effective(versions[n]) for n in versions if n > number and n not in withdrawn]
        starts = [d for d in later if d is not None]
        ceased = min(starts) if starts else None
        out.append(
            VersionPeriod(
                layer=layer_id, version=number, label=row.label, effective_date=_effective(row), ceased_date=ceased,
                withdrawn=number in withdrawn, current=number == current,
                available=number == current or number in kept, recorded_at=row.recorded_at, recorded_by=row.recorded_by,
            )  # fmt: skip
        )
    return tuple(out)


def _store_tables(path: Path) -> tuple[set[str], dict[str, set[int]]]:
    names = {name for name, _ in _gpkg.list_tables(path)}
    kept: dict[str, set[int]] = {}
    for name in names:
        parsed = _gpkg.parse_version_layer(name)
        if parsed is not None:
            kept.setdefault(parsed[0], set()).add(parsed[1])
    return names, kept


def version_periods(store_path: str | Path, layer_id: str) -> tuple[VersionPeriod, ...]:
    """The periods of every recorded version of ``layer_id`` (empty without history).

    Raises
    ------
    DataSourceError
        The store cannot be read.
    """
    path = Path(store_path)
    names, kept = _store_tables(path)
    history = _gpkg.read_history(path, layer_id)
    return periods_of(layer_id, history, present=layer_id in names, kept=kept.get(layer_id, set()))


def _all_periods(path: Path) -> dict[str, tuple[VersionPeriod, ...]]:
    names, kept = _store_tables(path)
    by_layer: dict[str, list[_gpkg.HistoryRow]] = {}
    for row in _gpkg.read_history(path):
        by_layer.setdefault(row.layer, []).append(row)
    return {
        lid: periods_of(lid, rows, present=lid in names, kept=kept.get(lid, set())) for lid, rows in by_layer.items()
    }


def current_versions(store_path: str | Path) -> Mapping[str, VersionPeriod]:
    """Layer -> its current version's period, for layers with a version history.

    Raises
    ------
    DataSourceError
        The store cannot be read.
    """
    out = {}
    for lid, periods in _all_periods(Path(store_path)).items():
        current = next((p for p in periods if p.current), None)
        if current is not None:
            out[lid] = current
    return out


def in_force(store_path: str | Path, day: str | dt.date) -> dict[str, VersionPeriod | None]:
    """Layer -> the version in force on ``day`` (None: none of its versions was), for the
    layers with a version history. Layers without history are not listed: they have no
    dates, and are taken as they are.

    Raises
    ------
    InputError
        ``day`` is not a date.
    DataSourceError
        The store cannot be read.
    """
    wanted = parse_day(day)
    assert wanted is not None
    out: dict[str, VersionPeriod | None] = {}
    for lid, periods in _all_periods(Path(store_path)).items():
        out[lid] = next((p for p in periods if p.in_force_on(wanted)), None)
    return out
