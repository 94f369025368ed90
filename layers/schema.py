"""Check one zone layer (a GeoDataFrame) against its catalogue entry, collecting every problem.

Used by ``layers.store`` for every layer of a store and by ``layers.importer`` for the data
about to be imported, so both report the same problems in the same words. Nothing here
raises for bad data: each finding is a ``Problem`` (error or warning) and the caller decides.

Checks: the CRS is present and the coordinates are plausible for it (``gis.crs``); geometry
is neither null nor empty (error), of the catalogue's type (error) and valid (invalid is a
warning: it is repaired when the store is read); required fields exist and have a value in
every feature; enumerated fields hold only allowed values (legacy values are warnings);
``effective_date`` reads as a date. An attribute table (catalogue ``geometry: none``, a plain
``pandas.DataFrame``) has only its fields checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.crs import check_lonlat_plausible, check_projected_plausible, crs_label
from gis.errors import CRSError
from layers.catalog import Catalog, FieldSpec, LayerSpec

__all__ = ["Problem", "Severity", "LayerCheck", "check_layer", "describe_rows", "text_values", "attribute_columns", "geometry_name"]

Severity: TypeAlias = Literal["error", "warning"]
_MAX_LISTED = 10
_MAX_VALUES = 8
# Geographic datums the screener may treat as CGCS2000 (they agree to well under a metre).
_EQUAL_DATUM_HINTS = ("china 2000", "china geodetic coordinate system 2000", "wgs 84", "world geodetic system 1984")


#: The warning for a layer without features (a store may declare a layer empty on purpose:
#: ``layers.store`` drops it for a layer whose coverage record says it covers nothing).
EMPTY_LAYER_NOTE = "has no features; nothing in it will be screened"

@dataclass(frozen=True)
class Problem:
    """One finding about a store or a layer.

    Attributes
    ----------
    layer
        Layer name (None for the store as a whole).
    field
        Field name, or None for CRS/geometry/layer-level findings.
    message
        What is wrong, the offending values and what was expected.
    severity
        ``"error"`` makes the store unusable until fixed; ``"warning"`` is reported only.
    rows
        Feature ids concerned (GeoPackage fid for a store layer, feature number from 1 for a
        file being imported); at most the first few are named in ``message``.
    """

    layer: str | None
    field: str | None
    message: str
    severity: Severity = "error"
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        label = "错误 error" if self.severity == "error" else "警告 warning"
        where = ".".join(p for p in (self.layer, self.field) if p) or "store"
        return f"[{label}] {where}: {self.message}"


@dataclass(frozen=True)
class LayerCheck:
    """Result of ``check_layer``: the problems and the positions of invalid (repairable) geometries."""

    problems: tuple[Problem, ...]
    invalid_positions: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def describe_rows(ids: Sequence[int], *, id_label: str) -> str:
    """``fid 3, 7 and 12 more`` — the first few ids of a selection, for a message."""
    shown = ", ".join(str(int(i)) for i in ids[:_MAX_LISTED])
    more = f" and {len(ids) - _MAX_LISTED} more" if len(ids) > _MAX_LISTED else ""
    return f"{id_label} {shown}{more}"


def text_values(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(stripped text as an object array, mask of missing values: null, NaN or blank)."""
    missing = np.asarray(pd.isna(column), dtype=bool)
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(column.dtype):
        # Text columns (pandas str dtype): vectorised strip, ~30x faster at 10^5 rows.
        text = column.str.strip().fillna("").to_numpy(dtype=object)
    else:
        raw = column.to_numpy(dtype=object)
        text = np.array(["" if m else str(v).strip() for v, m in zip(raw, missing, strict=True)], dtype=object)
    return text, missing | (text == "")


def _counts(values: np.ndarray) -> str:
    counted = Counter(str(v) for v in values).most_common()
    shown = ", ".join(f"{v!r} ×{n}" for v, n in counted[:_MAX_VALUES])
    more = f" and {len(counted) - _MAX_VALUES} other value(s)" if len(counted) > _MAX_VALUES else ""
    return shown + more


@dataclass(frozen=True)
class _Ctx:
    layer: str
    ids: np.ndarray
    id_label: str
    source: str

    def rows(self, mask: np.ndarray) -> tuple[tuple[int, ...], str]:
        sel = tuple(int(i) for i in self.ids[mask])
        return sel, describe_rows(sel, id_label=self.id_label)


def geometry_name(frame: pd.DataFrame) -> str | None:
    """The active geometry column of ``frame``, None for a plain table."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        return str(frame.geometry.name)
    except AttributeError:  # a GeoDataFrame without an active geometry column
        return None


def attribute_columns(frame: pd.DataFrame) -> list[str]:
    """The column names of ``frame`` except its active geometry column (if it has one)."""
    geometry = geometry_name(frame)
    return [str(c) for c in frame.columns if c != geometry]


def check_layer(
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    spec: LayerSpec,
    catalog: Catalog,
    *,
    source: str,
    ids: Sequence[int] | np.ndarray | None = None,
    id_label: str = "feature #",
) -> LayerCheck:
    """Every problem of one layer against its catalogue entry.

    Parameters
    ----------
    gdf
        The layer as read (any CRS; the geometry column is the active one); a plain
        DataFrame for an attribute table (``spec.has_geometry`` False).
    spec, catalog
        Its catalogue entry and the catalogue (for the common fields).
    source
        How to name the layer in messages, e.g. ``zones.gpkg layer water_source``.
    ids
        Id of each row for messages (GeoPackage fids); default: feature numbers from 1.
    id_label
        Word in front of the ids in messages (``fid``, ``feature #``).

    Returns
    -------
    LayerCheck
    """
    row_ids = np.arange(1, len(gdf) + 1) if ids is None else np.asarray(ids)
    ctx = _Ctx(spec.id, row_ids, id_label, source)
    problems: list[Problem] = []
    if len(gdf) == 0:
        problems.append(Problem(spec.id, None, f"{source} {EMPTY_LAYER_NOTE}", "warning"))
    invalid: tuple[int, ...] = ()
    if spec.has_geometry:
        if geometry_name(gdf) is None:
            msg = f"{source} has no geometry; expected {spec.geometry} features"
            return LayerCheck((*problems, Problem(spec.id, None, msg)))
        problems.extend(_check_crs(gdf, ctx))
        geometry_problems, invalid = _check_geometry(gdf, spec, ctx)
        problems.extend(geometry_problems)
    columns = set(attribute_columns(gdf))
    for name, fspec in catalog.fields_of(spec.id).items():
        if name in columns:
            problems.extend(_check_values(gdf[name], fspec, ctx))
        elif fspec.required:
            problems.append(_missing_field(fspec, columns, ctx))
    return LayerCheck(tuple(problems), invalid)


# --- CRS -------------------------------------------------------------------------------


def _check_crs(gdf: gpd.GeoDataFrame, ctx: _Ctx) -> list[Problem]:
    crs = gdf.crs
    if crs is None:
        msg = (
            f"{ctx.source} has no coordinate reference system; expected one such as EPSG:4490 (CGCS2000) "
            "or a CGCS2000 Gauss-Kruger zone (EPSG:4513-4554). Set it in QGIS (Layer > Set CRS) or "
            "re-import the file with --crs"
        )
        return [Problem(ctx.layer, None, msg)]
    values = np.asarray(gdf.geometry.values, dtype=object)
    present = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    if len(present) == 0:
        return []
    bounds = tuple(float(v) for v in shapely.total_bounds(present))
    return _plausibility(CRS.from_user_input(crs), (bounds[0], bounds[1], bounds[2], bounds[3]), ctx)


def _plausibility(crs: CRS, bounds: tuple[float, float, float, float], ctx: _Ctx) -> list[Problem]:
    try:
        if crs.is_geographic:
            check_lonlat_plausible(bounds, source=ctx.source)
        else:
            check_projected_plausible(bounds, crs, source=ctx.source)
    except CRSError as err:
        return [Problem(ctx.layer, None, str(err))]
    datum = (crs.datum.name if crs.datum is not None else "").lower()
    if crs.is_geographic and not any(h in datum for h in _EQUAL_DATUM_HINTS):
        msg = (
            f"{ctx.source} is in {crs_label(crs)} (datum {crs.datum.name if crs.datum else '?'}); the screener "
            "treats longitude/latitude as CGCS2000, which for Beijing 1954 or Xi'an 1980 is off by up to "
            "about 100 m. Reproject the layer to EPSG:4490 (CGCS2000) before use"
        )
        return [Problem(ctx.layer, None, msg)]
    return []


# --- geometry --------------------------------------------------------------------------


def _check_geometry(gdf: gpd.GeoDataFrame, spec: LayerSpec, ctx: _Ctx) -> tuple[list[Problem], tuple[int, ...]]:
    values = np.asarray(gdf.geometry.values, dtype=object)
    problems: list[Problem] = []
    absent = shapely.is_missing(values) | shapely.is_empty(values)
    if absent.any():
        rows, text = ctx.rows(absent)
        msg = (
            f"{int(absent.sum())} feature(s) have no geometry or an empty geometry ({text}); every zone "
            "feature needs its shape — redraw or delete them"
        )
        problems.append(Problem(spec.id, None, msg, "error", rows))
    type_ids = shapely.get_type_id(values)
    names = np.array(
        ["" if a else _TYPE_NAMES.get(int(t), "?") for a, t in zip(absent, type_ids, strict=True)], dtype=object
    )
    wrong = ~absent & ~np.isin(names, list(spec.geometry_types))
    if wrong.any():
        rows, text = ctx.rows(wrong)
        expected = " or ".join(sorted(spec.geometry_types))
        msg = f"{int(wrong.sum())} feature(s) have the wrong geometry type ({_counts(names[wrong])}; {text}); expected {expected}"
        problems.append(Problem(spec.id, None, msg, "error", rows))
    checkable = ~absent & ~wrong
    invalid = np.zeros(len(values), dtype=bool)
    invalid[checkable] = ~shapely.is_valid(values[checkable])
    if invalid.any():
        rows, text = ctx.rows(invalid)
        reasons = np.array([_reason(r) for r in shapely.is_valid_reason(values[invalid])], dtype=object)
        msg = (
            f"{int(invalid.sum())} feature(s) have invalid geometry ({_counts(reasons)}; {text}); they are "
            "repaired (make_valid, same dimension) when the store is read — fix them at the source"
        )
        problems.append(Problem(spec.id, None, msg, "warning", rows))
    return problems, tuple(int(i) for i in np.flatnonzero(invalid))


_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _reason(text: str) -> str:
    # "Self-intersection[113.1 28.2]" -> "Self-intersection"
    return text.split("[", 1)[0].strip() or text


# --- fields ----------------------------------------------------------------------------


def _missing_field(fspec: FieldSpec, columns: set[str], ctx: _Ctx) -> Problem:
    hint = ""
    near = sorted(c for c in columns if c.casefold() == fspec.name.casefold() or c == fspec.title_zh)
    if near:
        hint = (
            f"; the layer has {near[0]!r} — rename it to {fspec.name!r} (or import with --map {near[0]}={fspec.name})"
        )
    allowed = f" holding one of {', '.join(fspec.values)}" if fspec.values else ""
    present = ", ".join(sorted(columns)) or "none"
    msg = f"required field {fspec.name!r} ({fspec.title}){allowed} is missing; fields present: {present}{hint}"
    return Problem(ctx.layer, fspec.name, msg)


def _check_values(column: pd.Series, fspec: FieldSpec, ctx: _Ctx) -> list[Problem]:
    text, missing = text_values(column)
    problems: list[Problem] = []
    if fspec.required and missing.any():
        rows, listed = ctx.rows(missing)
        msg = f"{int(missing.sum())} feature(s) have no value ({listed}); {fspec.name!r} ({fspec.title}) is required"
        problems.append(Problem(ctx.layer, fspec.name, msg, "error", rows))
    if fspec.values:
        problems.extend(_check_allowed(text, missing, fspec, ctx))
    if fspec.name == "effective_date":
        problems.extend(_check_dates(column, missing, ctx))
    return problems


def _check_allowed(text: np.ndarray, missing: np.ndarray, fspec: FieldSpec, ctx: _Ctx) -> list[Problem]:
    problems: list[Problem] = []
    outside = ~missing & ~np.isin(text, list(fspec.allowed))
    if outside.any():
        rows, listed = ctx.rows(outside)
        aliased = sorted({v for v in text[outside] if v in fspec.aliases})
        hint = ""
        if aliased:
            pairs = ", ".join(f"{v} → {fspec.aliases[v]}" for v in aliased)
            hint = f"; known spellings ({pairs}) are mapped by `python -m zoning layers import`"
        msg = (
            f"{int(outside.sum())} feature(s) have values outside the allowed set ({_counts(text[outside])}; "
            f"{listed}); allowed: {', '.join(fspec.values)}"
            + (f" (legacy: {', '.join(fspec.legacy)})" if fspec.legacy else "")
            + hint
        )
        problems.append(Problem(ctx.layer, fspec.name, msg, "error", rows))
    old = ~missing & np.isin(text, list(fspec.legacy))
    if old.any():
        rows, listed = ctx.rows(old)
        msg = (
            f"{int(old.sum())} feature(s) use legacy values ({_counts(text[old])}; {listed}); accepted and "
            f"flagged by the rules as superseded — current values: {', '.join(fspec.values)}"
        )
        problems.append(Problem(ctx.layer, fspec.name, msg, "warning", rows))
    return problems


def _check_dates(column: pd.Series, missing: np.ndarray, ctx: _Ctx) -> list[Problem]:
    text, _ = text_values(column)
    bad = np.array([not m and not _is_date(v) for v, m in zip(text, missing, strict=True)], dtype=bool)
    if not bad.any():
        return []
    rows, listed = ctx.rows(bad)
    msg = f"{int(bad.sum())} feature(s) have dates that are not YYYY-MM-DD ({_counts(text[bad])}; {listed})"
    return [Problem(ctx.layer, "effective_date", msg, "warning", rows)]


def _is_date(text: str) -> bool:
    # Date fields come back as date/datetime objects or text; both start with YYYY-MM-DD.
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return len(text) == 10 or text[10] in " T"
