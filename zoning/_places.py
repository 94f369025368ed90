"""Where each project lies by the store's admin layer, and which layers hold data there.

RULES.md "A `clear` is only as wide as the data": the engine asks, per project, (1) whether it
lies inside the store's admin extent, (2) its county, prefecture and every admin name and code
it lies in (for rules with ``admin:`` and for the scope of general access lists) and (3) for
each layer, whether the layer's coverage (``layers.coverage``) holds the project.

Notes
-----
A project "lies in" an admin feature when they share interior points (a shared border
only does not count). It is inside the extent when it is covered by the union of those
features. Coverage by admin codes is decided on the features, not on a union geometry: a
project inside the extent is covered by a set of divisions exactly when every division it
lies in belongs to the set. Only a coverage extent polygon needs a geometric test.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from gis.crs import STORAGE_CRS
from layers.coverage import LayerCoverage, adcode_matches
from zoning import _spatial as sp

__all__ = ["Places", "locate", "covered_layers", "CoverageCheck", "prepare_coverage", "division_places"]


@dataclass(frozen=True)
class Places:
    """Where one project lies by the admin layer (all None/empty without one)."""

    #: Positions of the admin features the project lies in.
    features: tuple[int, ...]
    #: Names and codes of those features and of their prefectures and provinces.
    names: frozenset[str] | None
    inside: bool
    county: str | None = None
    prefecture: str | None = None
    adcode: str | None = None


_UNKNOWN = Places((), None, True)


def locate(admin: sp.LayerIndex | None, geoms: np.ndarray) -> list[Places]:
    """Per project (work-CRS geometries, the admin index in the same CRS): its ``Places``.

    Without an admin layer every project is "inside" and its places are unknown (None).
    """
    if admin is None:
        return [_UNKNOWN] * len(geoms)
    if len(admin) == 0:
        return [Places((), frozenset(), False)] * len(geoms)
    counties = sp.county_names(admin, geoms)
    by_project, inside = _lying_in(admin, geoms)
    codes = admin.columns.get("adcode")
    index = _code_index(admin)
    names_of: dict[tuple[int, ...], frozenset[str]] = {}
    out = []
    for k, feats in enumerate(by_project):
        key = tuple(feats)
        if key not in names_of:
            names_of[key] = frozenset(_names(admin, feats, index))
        county_f = _county_feature(admin, feats, counties[k])
        adcode = _text(codes[county_f]) if codes is not None and county_f is not None else None
        out.append(
            Places(
                features=key,
                names=names_of[key],
                inside=bool(inside[k]),
                county=counties[k],
                prefecture=_prefecture(admin, county_f, index),
                adcode=adcode,
            )
        )
    return out


def _lying_in(admin: sp.LayerIndex, geoms: np.ndarray) -> tuple[list[list[int]], np.ndarray]:
    """(admin features each project lies in, whether it lies inside their union).

    Most projects lie within one division: one vectorised ``covers`` test on the prepared
    admin geometries settles them. The rest (across a border, or partly outside) are tested
    for shared interior and against the union of what they touch.
    """
    n = len(geoms)
    by_project: list[list[int]] = [[] for _ in range(n)]
    inside = np.zeros(n, dtype=bool)
    pi, fi = admin.tree.query(geoms)
    if len(pi) == 0:
        return by_project, inside
    covers = shapely.covers(admin.geoms[fi], geoms[pi])
    for p, f in zip(pi[covers], fi[covers], strict=True):
        by_project[int(p)].append(int(f))
    inside[pi[covers]] = True
    rest = ~inside[pi]
    pi, fi = pi[rest], fi[rest]
    if len(pi):
        # A shared border only is not "lying in" a division (points on a border are covered above).
        meets = shapely.intersects(admin.geoms[fi], geoms[pi]) & ~shapely.touches(geoms[pi], admin.geoms[fi])
        for p, f in zip(pi[meets], fi[meets], strict=True):
            by_project[int(p)].append(int(f))
        for p in np.unique(pi[meets]):
            parts = admin.geoms[by_project[int(p)]]
            inside[p] = len(parts) > 1 and bool(shapely.covered_by(geoms[p], shapely.union_all(parts)))
    return by_project, inside


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_CODE_INDEX: weakref.WeakKeyDictionary[sp.LayerIndex, dict[str, int]] = weakref.WeakKeyDictionary()


def _code_index(admin: sp.LayerIndex) -> dict[str, int]:
    """adcode -> position, for finding a county's prefecture feature (once per admin index)."""
    hit = _CODE_INDEX.get(admin)
    if hit is None:
        codes = admin.columns.get("adcode")
        hit = {} if codes is None else {str(c).strip(): i for i, c in enumerate(codes) if c is not None}
        _CODE_INDEX[admin] = hit
    return hit


def _county_feature(admin: sp.LayerIndex, feats: Sequence[int], county: str | None) -> int | None:
    for f in feats:
        if admin.names[f] == county:
            return f
    return None


def _prefecture(admin: sp.LayerIndex, county_f: int | None, index: Mapping[str, int]) -> str | None:
    """The county's ``prefecture`` field, else the admin feature whose code is the county's
    code with 00 in its last two digits."""
    if county_f is None:
        return None
    field = admin.columns.get("prefecture")
    if field is not None and _text(field[county_f]):
        return _text(field[county_f])
    codes = admin.columns.get("adcode")
    code = _text(codes[county_f]) if codes is not None else None
    if code and len(code) == 6 and not code.endswith("00"):
        parent = index.get(code[:4] + "00")
        return str(admin.names[parent]) if parent is not None else None
    return None


def _names(admin: sp.LayerIndex, feats: Sequence[int], index: Mapping[str, int]) -> set[str]:
    """Names and codes of the features, their prefecture names (field or feature) and the
    prefecture and province codes their codes imply."""
    return _place_names(feats, admin.names, admin.columns.get("adcode"), admin.columns.get("prefecture"), index)


def _place_names(
    feats: Sequence[int], names: Any, codes: Any, prefs: Any,
    index: Mapping[str, int],
) -> set[str]:
    out: set[str] = set()
    for f in feats:
        out.add(str(names[f]))
        if prefs is not None and _text(prefs[f]):
            out.add(str(_text(prefs[f])))
        code = _text(codes[f]) if codes is not None else None
        if code:
            out |= {code, *(_parents(code))}
            for parent in _parents(code):
                if parent in index:
                    out.add(str(names[index[parent]]))
    return out


def division_places(
    names: Sequence[Any], codes: Sequence[Any] | None = None, prefectures: Sequence[Any] | None = None
) -> list[frozenset[str]]:
    """Per admin division (the admin layer's ``name``, ``adcode`` and ``prefecture`` columns,
    row order), the places a project lying only in it is in — the ``places`` the engine hands
    the rule loop (rules with ``admin:``): its name and code, its prefecture's and province's."""
    index = {str(c).strip(): i for i, c in enumerate(codes) if _text(c)} if codes is not None else {}
    return [frozenset(_place_names([f], names, codes, prefectures, index)) for f in range(len(names))]


def _parents(code: str) -> tuple[str, ...]:
    if len(code) != 6 or not code.isdigit():
        return ()
    return tuple(dict.fromkeys(c for c in (code[:4] + "00", code[:2] + "0000") if c != code))


# --- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoverageCheck:
    """A layer's coverage prepared for one work CRS: the admin features its codes include and
    its extent polygon in the work CRS."""

    layer: str
    record: LayerCoverage | None
    admin_members: frozenset[int]
    extent: Any


def prepare_coverage(
    layer: str, record: LayerCoverage | None, admin: sp.LayerIndex | None, crs: str
) -> CoverageCheck:
    members: frozenset[int] = frozenset()
    if record is not None and record.adcodes and admin is not None:
        codes = admin.columns.get("adcode")
        if codes is not None:
            members = frozenset(
                i for i, c in enumerate(codes) if c is not None and any(adcode_matches(w, str(c)) for w in record.adcodes)
            )
    extent = None
    if record is not None and record.extent is not None:
        extent = sp.to_crs(np.array([record.extent], dtype=object), STORAGE_CRS, crs)[0]
        shapely.prepare(extent)
    return CoverageCheck(layer, record, members, extent)


def covered_layers(
    checks: Sequence[CoverageCheck], places: Sequence[Places], geoms: np.ndarray, admin: sp.LayerIndex | None
) -> list[dict[str, bool]]:
    """Per project, layer -> whether the layer holds data where the project lies.

    A layer without a record covers the store's admin extent (everything, without an admin
    layer). A record's codes cover the projects whose divisions all belong to them; its
    extent covers the projects inside it; both together, the projects inside their union.
    """
    out: list[dict[str, bool]] = []
    for k, place in enumerate(places):
        row: dict[str, bool] = {}
        for check in checks:
            row[check.layer] = _covers(check, place, geoms[k], admin)
        out.append(row)
    return out


def _covers(check: CoverageCheck, place: Places, geom: Any, admin: sp.LayerIndex | None) -> bool:
    record = check.record
    if record is None:
        return place.inside
    if check.extent is not None and shapely.covered_by(geom, check.extent):
        return True
    if not record.adcodes or admin is None or not place.inside or not place.features:
        return False
    if all(f in check.admin_members for f in place.features):
        return True
    if check.extent is None:
        return False
    inside = [f for f in place.features if f in check.admin_members]
    parts = [check.extent, *admin.geoms[inside]] if inside else [check.extent]
    return bool(shapely.covered_by(geom, shapely.union_all(parts)))
