"""QGIS layer styles inside a GeoPackage: the ``layer_styles`` table.

QGIS keeps a layer's style in the GeoPackage itself, in an attributes table named
``layer_styles`` with the columns of its style-in-database convention (the same table QGIS
writes to PostGIS and SpatiaLite): ``f_table_catalog``, ``f_table_schema``,
``f_table_name``, ``f_geometry_column``, ``styleName``, ``styleQML``, ``styleSLD``,
``useAsDefault``, ``description``, ``owner``, ``ui``, ``update_time``. A layer whose table
has a row with ``useAsDefault`` opens styled. This module writes and reads the rows; what
the QML says is the caller's (``zoning.qgis_styles`` makes it from the palette).

The table is registered in ``gpkg_contents`` (as QGIS does) so GDAL lists it; the zone
store treats it as bookkeeping, not a layer. Writes are deterministic when ``update_time``
is fixed (the data build), so a rebuilt store stays byte-identical.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layers import _gpkg

__all__ = ["STYLES_TABLE", "FIXED_TIME", "LayerStyleRow", "write_layer_styles", "read_layer_styles",
           "feature_tables"]

STYLES_TABLE = "layer_styles"
#: The time written by a build (no clock: a rebuilt store is byte-identical).
FIXED_TIME = "1970-01-01T00:00:00.000Z"

# QGIS's own definition of the table (QgsOgrProviderUtils / the GeoPackage provider).
_CREATE = f"""CREATE TABLE IF NOT EXISTS "{STYLES_TABLE}" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256),
    "f_table_name" TEXT(256),
    "f_geometry_column" TEXT(256),
    "styleName" TEXT(30),
    "styleQML" TEXT,
    "styleSLD" TEXT,
    "useAsDefault" BOOLEAN,
    "description" TEXT,
    "owner" TEXT(30),
    "ui" TEXT(30),
    "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""


@dataclass(frozen=True)
class LayerStyleRow:
    """One style of one layer: the table it styles, its name, QML and SLD."""

    table: str
    geometry_column: str
    name: str
    qml: str
    sld: str = ""
    default: bool = True
    description: str = ""


def feature_tables(path: str | Path) -> dict[str, tuple[str, str]]:
    """Feature tables of the GeoPackage: table -> (geometry column, geometry type name)."""
    with contextlib.closing(_gpkg.connect(Path(path))) as conn:
        rows = conn.execute("SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns "
                            "ORDER BY table_name").fetchall()  # fmt: skip
    return {str(t): (str(c), str(g)) for t, c, g in rows}


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (STYLES_TABLE,)).fetchone()
    return row is not None


def write_layer_styles(path: str | Path, rows: Sequence[LayerStyleRow], *, update_time: str = FIXED_TIME) -> None:
    """Write ``rows`` into the ``layer_styles`` table of the GeoPackage at ``path`` (created
    and registered on first use), in one transaction: a row replaces the style of the same
    table and name; a default row makes it the only default of its table.

    ``update_time``: ISO time of the rows (``FIXED_TIME`` by default, for reproducible builds).
    """
    with contextlib.closing(_gpkg.connect(Path(path))) as conn, conn:
        if not _has_table(conn):
            conn.execute(_CREATE)
            _gpkg.register_attributes_table(conn, STYLES_TABLE, "QGIS 图层样式 / QGIS layer styles",
                                            fixed_time=update_time)  # fmt: skip
        for row in rows:
            conn.execute(f'DELETE FROM "{STYLES_TABLE}" WHERE f_table_name = ? AND styleName = ?', (row.table, row.name))
            if row.default:
                conn.execute(f'UPDATE "{STYLES_TABLE}" SET useAsDefault = 0 WHERE f_table_name = ?', (row.table,))
            conn.execute(
                f'INSERT INTO "{STYLES_TABLE}" (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, '
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)",
                (row.table, row.geometry_column, row.name, row.qml, row.sld, 1 if row.default else 0,
                 row.description, update_time),
            )  # fmt: skip


def read_layer_styles(path: str | Path) -> list[LayerStyleRow]:
    """The rows of ``layer_styles`` (empty when the GeoPackage has none), by table and name."""
    with contextlib.closing(_gpkg.connect(Path(path))) as conn:
        if not _has_table(conn):
            return []
        rows = conn.execute(
            f'SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description '
            f'FROM "{STYLES_TABLE}" ORDER BY f_table_name, styleName'
        ).fetchall()
    return [LayerStyleRow(str(t), str(g or ""), str(n), str(q or ""), str(s or ""), bool(d), str(desc or ""))
            for t, g, n, q, s, d, desc in rows]  # fmt: skip
