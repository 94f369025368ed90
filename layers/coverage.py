"""Where each layer of a zone store holds data: the ``layer_coverage`` table.

RULES.md "A `clear` is only as wide as the data": a layer records the places its features
were delineated for, so that a project elsewhere is told "no data for this layer here"
instead of a silent clear. The record lives in the store itself, in a GeoPackage attributes
table (registered in ``gpkg_contents``, so QGIS lists it) with one row per layer:

============  ==============================================================================
``layer``     the layer id (primary key)
``adcodes``   comma-separated admin division codes (the ``adcode`` of the store's ``admin``
              layer). A code ending in ``0000`` means the whole province, one ending in ``00``
              a whole prefecture (every division whose code shares its first four digits);
              any other code one division
``extent``    optional WKT polygon in CGCS2000 lon/lat (EPSG:4490) for coverage that does not
              follow admin boundaries (a survey area)
``note``      free text: how the coverage was decided
============  ==============================================================================

A layer covers the union of the divisions its codes name and its extent. **A layer without a
row covers the store's whole admin extent** (DESIGN.md: an official import covers its
jurisdiction). The engine (``zoning._coverage``) decides per project; this module only reads,
checks and writes the records.

Examples
--------
>>> set_coverage("county.gpkg", "water_source", adcodes=["430902", "430903"],
...              note="资阳区、赫山区划定方案")  # doctest: +SKIP
>>> read_coverage("county.gpkg")["water_source"].adcodes  # doctest: +SKIP
('430902', '430903')
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from gis.errors import DataSourceError, InputError
from layers import _gpkg

__all__ = [
    "COVERAGE_TABLE",
    "LayerCoverage",
    "read_coverage",
    "write_coverage",
    "set_coverage",
    "parse_adcodes",
    "adcode_matches",
]

COVERAGE_TABLE = "layer_coverage"
_ADCODE_RE = re.compile(r"^[0-9]{6}(?:[0-9]{3,6})?$")
_CREATE = f"""CREATE TABLE IF NOT EXISTS {COVERAGE_TABLE} (
    layer TEXT PRIMARY KEY NOT NULL, adcodes TEXT, extent TEXT, note TEXT)"""


@dataclass(frozen=True)
class LayerCoverage:
    """Where one layer holds data (see the module notes).

    Attributes
    ----------
    layer
        Layer id.
    adcodes
        Admin division codes (province / prefecture / county codes, see ``adcode_matches``).
    extent
        A polygon in EPSG:4490 lon/lat, or None.
    note
        How the coverage was decided (shown with results that fall outside it).
    """

    layer: str
    adcodes: tuple[str, ...] = ()
    extent: BaseGeometry | None = None
    note: str = ""

    @property
    def extent_wkt(self) -> str | None:
        return None if self.extent is None else shapely.to_wkt(self.extent, rounding_precision=-1)


def parse_adcodes(text: str | Iterable[str] | None, *, source: str = "--coverage-adcodes") -> tuple[str, ...]:
    """Admin codes from ``"430902, 430903"`` (commas, spaces, 、 or ； between them) or a list.

    Raises
    ------
    InputError
        A code that is not 6 digits (or 9/12 for townships/villages), naming it.
    """
    if text is None:
        return ()
    parts = re.split(r"[\s,，、;；]+", text) if isinstance(text, str) else [str(t) for t in text]
    codes = [p.strip() for p in parts if p and p.strip()]
    bad = [c for c in codes if not _ADCODE_RE.match(c)]
    if bad:
        msg = f"{source}: {', '.join(map(repr, bad))} is not an admin division code; expected 6 digits such as 430902"
        zh = f"{source}：“{'、'.join(bad)}”不是行政区划代码；应为6位数字，如 430902"
        raise InputError(msg, zh=zh)
    return tuple(dict.fromkeys(codes))


def adcode_matches(code: str, adcode: str) -> bool:
    """Whether coverage code ``code`` includes the division ``adcode``.

    ``430000`` (province) includes every ``43....``; ``430600`` (prefecture) every
    ``4306..``; any other code only itself.

    >>> adcode_matches("430600", "430603"), adcode_matches("431000", "431002"), adcode_matches("431000", "431100")
    (True, True, False)
    """
    code, adcode = code.strip(), str(adcode).strip()
    if code == adcode:
        return True
    if len(code) == 6 and code.endswith("0000"):
        return adcode.startswith(code[:2])
    if len(code) == 6 and code.endswith("00"):
        return adcode.startswith(code[:4])
    return False


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (COVERAGE_TABLE,)).fetchone()
    return row is not None


def read_coverage(path: str | Path) -> dict[str, LayerCoverage]:
    """Layer id -> its coverage record; empty when the store records none.

    Raises
    ------
    DataSourceError
        If the table cannot be read or holds a bad extent (the message names the layer).
    """
    p = Path(path)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{p}?mode=ro", uri=True)) as conn:
            if not _has_table(conn):
                return {}
            rows = conn.execute(f"SELECT layer, adcodes, extent, note FROM {COVERAGE_TABLE} ORDER BY layer").fetchall()
    except sqlite3.Error as err:
        msg = f"zone store {p}: the {COVERAGE_TABLE} table cannot be read ({err})"
        raise DataSourceError(msg, zh=f"无法读取图层库 {p} 的 {COVERAGE_TABLE} 表（{err}）") from err
    out: dict[str, LayerCoverage] = {}
    for layer, adcodes, extent, note in rows:
        out[str(layer)] = LayerCoverage(
            layer=str(layer),
            adcodes=tuple(c for c in re.split(r"[\s,，、;；]+", str(adcodes or "")) if c),
            extent=_extent(p, str(layer), extent),
            note=str(note or ""),
        )
    return out


def _extent(path: Path, layer: str, wkt: str | None) -> BaseGeometry | None:
    if not wkt or not str(wkt).strip():
        return None
    try:
        geom = shapely.from_wkt(str(wkt))
    except shapely.errors.GEOSException as err:
        msg = f"zone store {path}: {COVERAGE_TABLE} extent of layer {layer!r} is not WKT ({err})"
        raise DataSourceError(msg, zh=f"图层库 {path}：图层“{layer}”的覆盖范围 extent 不是有效的 WKT（{err}）") from err
    if shapely.get_dimensions(geom) != 2 or geom.is_empty:
        msg = f"zone store {path}: {COVERAGE_TABLE} extent of layer {layer!r} is not a polygon in lon/lat"
        raise DataSourceError(msg, zh=f"图层库 {path}：图层“{layer}”的覆盖范围 extent 不是经纬度面")
    return shapely.make_valid(geom) if not geom.is_valid else geom


def write_coverage(path: Path, records: Sequence[LayerCoverage], *, remove: Iterable[str] = ()) -> None:
    """Insert or replace the records of ``records`` and delete those of ``remove`` in the
    GeoPackage at ``path`` (a work copy inside ``_gpkg.edit_store``, or a store being built).

    Deterministic: no timestamps, so a rebuilt store is byte-identical.
    """
    with contextlib.closing(_gpkg.connect(path)) as conn, conn:
        if not _has_table(conn):
            conn.execute(_CREATE)
            _gpkg.register_attributes_table(
                conn, COVERAGE_TABLE, "图层数据覆盖范围 / where each layer holds data", fixed_time="1970-01-01T00:00:00.000Z"
            )
        conn.executemany(f"DELETE FROM {COVERAGE_TABLE} WHERE layer = ?", [(lid,) for lid in remove])
        conn.executemany(
            f"INSERT OR REPLACE INTO {COVERAGE_TABLE} (layer, adcodes, extent, note) VALUES (?, ?, ?, ?)",
            [(r.layer, ",".join(r.adcodes) or None, r.extent_wkt, r.note or None) for r in records],
        )


def set_coverage(
    store_path: str | Path,
    layer_id: str,
    *,
    adcodes: Sequence[str] | str | None = None,
    extent: BaseGeometry | str | None = None,
    note: str | None = None,
    clear: bool = False,
) -> LayerCoverage | None:
    """Record (or with ``clear`` remove) where ``layer_id`` of a store holds data; atomic.

    Returns the new record, None after ``clear``.

    Raises
    ------
    InputError
        Neither codes nor an extent given (and not ``clear``), or a bad code / extent.
    DataSourceError
        If the store cannot be read or written.
    """
    store = Path(store_path)
    _gpkg.check_geopackage(store)
    record = None if clear else coverage_record(layer_id, adcodes=adcodes, extent=extent, note=note)
    with _gpkg.edit_store(store) as work:
        write_coverage(work, [record] if record else [], remove=[layer_id] if clear else [])
    return record


def coverage_record(
    layer_id: str,
    *,
    adcodes: Sequence[str] | str | None = None,
    extent: BaseGeometry | str | None = None,
    note: str | None = None,
) -> LayerCoverage:
    """A checked ``LayerCoverage`` from user input (codes as text or a list, extent as WKT or geometry).

    Raises
    ------
    InputError
        Neither codes nor an extent, a bad code, or an extent that is not a lon/lat polygon.
    """
    codes = parse_adcodes(adcodes)
    geom = shapely.from_wkt(extent) if isinstance(extent, str) and extent.strip() else extent
    if isinstance(geom, str):
        geom = None
    if geom is not None and (shapely.get_dimensions(geom) != 2 or not _lonlat(geom)):
        msg = f"coverage extent of layer {layer_id!r} must be a polygon in CGCS2000 lon/lat (EPSG:4490)"
        raise InputError(msg, zh=f"图层“{layer_id}”的覆盖范围须为经纬度（EPSG:4490）下的面")
    if not codes and geom is None:
        msg = f"coverage of layer {layer_id!r}: give admin codes (e.g. 430902,430903) or an extent polygon"
        raise InputError(msg, zh=f"图层“{layer_id}”的覆盖范围：请给出行政区划代码（如 430902,430903）或范围面")
    return LayerCoverage(layer=layer_id, adcodes=codes, extent=geom, note=note or "")


def _lonlat(geom: BaseGeometry) -> bool:
    x0, y0, x1, y1 = geom.bounds
    return -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90


def coverage_problems(
    records: Mapping[str, LayerCoverage], *, layers: Sequence[str], admin_codes: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(layer, message) warnings about coverage records: for layers absent from the store,
    codes that name no division of the admin layer, codes without an admin layer to apply them."""
    out: list[tuple[str, str]] = []
    for lid, rec in records.items():
        if lid not in layers:
            out.append((lid, f"{COVERAGE_TABLE} has a record for layer {lid!r}, which the store does not hold"))
            continue
        if not rec.adcodes:
            continue
        if admin_codes is None:
            out.append((lid, f"coverage by admin codes {list(rec.adcodes)} cannot be applied: the store has no admin layer"))
            continue
        unknown = [c for c in rec.adcodes if not any(adcode_matches(c, a) for a in admin_codes)]
        if unknown:
            out.append((lid, f"coverage codes {unknown} name no division of the admin layer; they cover nothing"))
    return out
