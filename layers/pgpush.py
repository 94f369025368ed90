"""``python -m zoning layers push STORE.gpkg URL``: a GeoPackage zone store into a PostGIS schema.

The store is opened and validated as for screening (``ZoneStore.open``), then every layer is
written into the schema named by the URL (``?schema=NAME``) as one table: ``fid`` (1, 2, ...
in the layer's order, the primary key: the store's feature numbers), the attribute columns
with SQL types from their pandas dtypes, and ``geom`` in the layer's own SRID (a CRS without
an EPSG code is registered in ``spatial_ref_sys`` with a number of its own), with a GiST
index; a layer without geometry is a plain table. Kept versions (``<id>__v<N>``), the history
(``store_history``) and coverage (``layer_coverage``) tables go along, and ``zoning_store``
records what the store held (layers, problems, per-layer summaries and dtypes, the file's
sha256), so ``PgStore`` opens it without reading it again and results name the same version.

All of it happens in one transaction: a failed push leaves the schema as it was.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.errors import DataSourceError
from layers import _gpkg, _pack
from layers.catalog import Catalog
from layers.coverage import COVERAGE_TABLE
from layers.pgstore import META_TABLE, _connect, _ident, parse_url
from layers.schema import geometry_name
from layers.store import ZoneStore

__all__ = ["PushReport", "push_store"]

_SQL_TYPES = {"int": "bigint", "float": "double precision", "bool": "boolean", "datetime": "timestamp"}
_CUSTOM_SRID_FROM = 910000


@dataclass(frozen=True)
class PushReport:
    """What ``push_store`` wrote."""

    url: str
    schema: str
    layers: tuple[str, ...]
    features: int
    seconds: float


def _sql_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind in "iu":
        return _SQL_TYPES["int"]
    if kind == "f":
        return _SQL_TYPES["float"]
    if kind == "b":
        return _SQL_TYPES["bool"]
    if kind == "M":
        return _SQL_TYPES["datetime"]
    return "text"


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _srid(conn: Any, crs: CRS | None) -> int:
    """The SRID of ``crs``: its EPSG code, or one registered for it in ``spatial_ref_sys``."""
    if crs is None:
        return 4490
    code = crs.to_epsg(min_confidence=100)
    if code is not None and conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (code,)).fetchone():
        return int(code)
    wkt = crs.to_wkt("WKT1_GDAL")
    row = conn.execute("SELECT srid FROM spatial_ref_sys WHERE srtext = %s", (wkt,)).fetchone()
    if row is not None:
        return int(row[0])
    top = conn.execute("SELECT max(srid) FROM spatial_ref_sys WHERE srid >= %s", (_CUSTOM_SRID_FROM,)).fetchone()[0]
    srid = int(top or _CUSTOM_SRID_FROM - 1) + 1
    conn.execute(
        "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES (%s, 'zoning', %s, %s, %s)",
        (srid, srid, wkt, crs.to_proj4() or ""),
    )
    return srid


def _write_table(conn: Any, schema: str, name: str, frame: pd.DataFrame) -> None:
    """One layer as a table: fid, attributes, geom (+ GiST index)."""
    geometry = geometry_name(frame)
    attrs = [c for c in frame.columns if c != geometry]
    cols = ["fid integer PRIMARY KEY", *(f"{_ident(str(c))} {_sql_type(frame[c].dtype)}" for c in attrs)]
    srid = 0
    if geometry:
        srid = _srid(conn, CRS.from_user_input(frame.crs) if frame.crs is not None else None)
        cols.append(f"geom geometry(Geometry, {srid})")
    table = f"{_ident(schema)}.{_ident(name)}"
    conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
    names = ["fid", *(_ident(str(c)) for c in attrs), *(["geom"] if geometry else [])]
    values = [frame[c].to_numpy(dtype=object) for c in attrs]
    if geometry:
        geoms = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), srid)
        values.append(np.asarray(shapely.to_wkb(geoms, hex=True, include_srid=True), dtype=object))
    with conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for i in range(len(frame)):
            copy.write_row([i + 1, *(_cell(v[i]) for v in values)])
    if geometry:
        conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    conn.execute(f"ANALYZE {table}")


def _copy_sqlite_table(conn: Any, source: Path, schema: str, name: str) -> None:
    """A bookkeeping table of the GeoPackage (history, coverage) as it is."""
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as lite:
        if lite.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is None:
            return
        info = lite.execute(f'PRAGMA table_info("{name}")').fetchall()
        rows = lite.execute(f'SELECT * FROM "{name}"').fetchall()
    cols = [f"{_ident(c[1])} {'bigint' if 'INT' in str(c[2]).upper() else 'text'}" for c in info]
    table = f"{_ident(schema)}.{_ident(name)}"
    conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row([None if v is None else (v if isinstance(v, int) else str(v)) for v in row])


def _layer_record(store: ZoneStore, lid: str) -> dict[str, Any]:
    info = store.layer_info()[lid]
    frame = store.layer(lid)
    geometry = geometry_name(frame)
    attrs = frame.drop(columns=[geometry]) if geometry else frame
    return {
        "features": info.features,
        "kinds": info.geometry_type.split("/") if info.geometry_type != "-" else [],
        "crs_label": info.crs,
        "legal_status": info.legal_status,
        "dtypes": {str(c): str(t) for c, t in attrs.dtypes.items()},
    }


def push_store(
    source: str | Path, url: str, *, catalog: Catalog | str | Path | None = None, replace: bool = False
) -> PushReport:
    """Write the zone store ``source`` into the PostGIS schema of ``url``.

    Raises
    ------
    DataSourceError
        The store or the server cannot be read/reached, or the schema already holds tables
        and ``replace`` is not given.
    SchemaError
        The store has errors (as for screening).
    """
    started = time.perf_counter()
    path = Path(source)
    store = ZoneStore.open(path, catalog=catalog)
    location = parse_url(url)
    schema = location.schema
    conn = _connect(location)
    try:
        with conn.transaction():
            taken = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
            ).fetchone()[0]
            if taken and not replace:
                msg = (
                    f"{location.label}: schema {schema!r} already holds {taken} table(s); give --replace to replace "
                    "them with this store"
                )
                zh = f"{location.label}：模式“{schema}”中已有 {taken} 个表；如要以本图层库替换，请加 --replace"
                raise DataSourceError(msg, zh=zh)
            conn.execute(f"DROP SCHEMA IF EXISTS {_ident(schema)} CASCADE")
            conn.execute(f"CREATE SCHEMA {_ident(schema)}")
            features = 0
            for lid in store.layer_ids:
                frame = store.layer(lid)
                _write_table(conn, schema, lid, frame)
                features += len(frame)
            for name in store.version_layers:
                frame, _ = _gpkg.read_layer(path, name)
                _write_table(conn, schema, name, frame)
            for name in (_gpkg.HISTORY_TABLE, COVERAGE_TABLE):
                _copy_sqlite_table(conn, path, schema, name)
            record = {
                "sha256": store.sha256,
                "present": list(store.layer_ids),
                "extra": list(store.extra_layers),
                "problems": _pack.problems_to_json(store.problems),
                "layers": {lid: _layer_record(store, lid) for lid in store.layer_ids},
                "source": str(path),
                "pushed_at": _dt.datetime.now(_dt.timezone(_dt.timedelta(hours=8))).isoformat(timespec="seconds"),
            }
            conn.execute(f"CREATE TABLE {_ident(schema)}.{META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
            conn.execute(
                f"INSERT INTO {_ident(schema)}.{META_TABLE} (key, value) VALUES ('store', %s)",
                (json.dumps(record, ensure_ascii=False),),
            )
    finally:
        conn.close()
    return PushReport(location.label, schema, tuple(store.layer_ids), features, time.perf_counter() - started)
