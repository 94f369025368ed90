"""A zone store in PostGIS: the second implementation of the store the engine screens against.

``--zones postgresql://user:pass@host/db?schema=NAME`` (and ``ZONING_STORE`` for the app) names
a PostgreSQL schema with one table per catalogue layer (the catalogue's fields; any geometry
column; any SRID; a layer without geometry is a plain table), as ``layers push`` writes it
from a GeoPackage store, history and coverage tables included. ``PgStore`` answers what
``ZoneStore`` answers (``zoning._index.ZoneStoreLike``), with one difference that is the point
of it: the engine never holds a layer's geometry. It asks for the features whose bounding
boxes meet a window (``fetch_window``: ``geom && envelope``, served by the table's GiST
index) around the projects of one batch tile, and screens those.

Feature numbers (``feature_id`` in results) are positions in the order of the table's
primary key (``fid`` for a pushed store), so a pushed store gives the GeoPackage's numbers
and the same answers.

Opening a pushed schema reads its ``zoning_store`` record (what the GeoPackage store held
when it was validated and pushed: layers present, problems, per-layer summaries, the source
file's sha256, which the results report) and each layer's attribute columns when first
needed. A schema made another way is validated on open as a GeoPackage is: every layer is
read once, checked against the catalogue and refused with all its problems; invalid
geometries are repaired where they are fetched, as the GeoPackage store repairs them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import urllib.parse
import warnings
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.errors import DataSourceError, SchemaError
from gis.repair import GeometryRepairWarning, repair_geometries
from layers import _gpkg
from layers.catalog import Catalog, load_catalog
from layers.coverage import COVERAGE_TABLE, LayerCoverage
from layers.schema import Problem, check_layer, text_values
from layers.store import LayerSummary, format_problems

__all__ = ["PgStore", "PgLocation", "parse_url", "META_TABLE", "redact"]

log = logging.getLogger(__name__)

#: The table ``layers push`` writes with what the pushed store held.
META_TABLE = "zoning_store"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class PgLocation:
    """A parsed store URL: the libpq connection string (without ``schema``) and the schema."""

    conninfo: str
    schema: str
    label: str  # the URL without its password: what results and messages show


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def parse_url(url: str) -> PgLocation:
    """Split ``postgresql://user:pass@host:port/db?schema=NAME&sslmode=...``.

    Raises
    ------
    DataSourceError
        If it is not such a URL or names no valid schema.
    """
    parts = urllib.parse.urlsplit(url)
    label = redact(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        msg = f"zone store {label!r} is not a PostGIS URL; expected postgresql://user:pass@host/db?schema=NAME"
        raise DataSourceError(msg, zh=f"图层库 {label} 不是 PostGIS 地址；应为 postgresql://用户:密码@主机/数据库?schema=模式名")
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), "public")
    if not _NAME_RE.match(schema):
        msg = f"zone store {label!r}: schema {schema!r} is not a plain name (letters, digits, _)"
        raise DataSourceError(msg, zh=f"图层库 {label}：模式名“{schema}”应只含字母、数字和下划线")
    rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "schema"])
    conninfo = urllib.parse.urlunsplit(parts._replace(query=rest))
    return PgLocation(conninfo, schema, label)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Layer:
    """How one table holds its layer."""

    table: str
    key: str | None  # the column whose order numbers the features (None: physical order)
    geometry: str | None  # geometry column (None: an attribute table)
    srid: int
    columns: tuple[str, ...]  # attribute columns, in table order


class PgStore:
    """An opened zone store in a PostGIS schema (read-only). Use ``PgStore.open(url)``."""

    #: The engine screens such a store tile by tile (``fetch_window``), never whole layers.
    windowed = True

    def __init__(
        self,
        location: PgLocation,
        catalog: Catalog,
        *,
        layers: Mapping[str, _Layer],
        present: Sequence[str],
        extra: Sequence[str],
        versions: Sequence[str],
        problems: Sequence[Problem],
        sha256: str,
        summaries: Mapping[str, Mapping[str, Any]],
        pushed: bool,
    ) -> None:
        self.location = location
        self.path = location.label
        self.catalog = catalog
        self.sha256 = sha256
        self.layer_ids: tuple[str, ...] = tuple(present)
        self.absent_layers: tuple[str, ...] = tuple(lid for lid in catalog.layers if lid not in present)
        self.extra_layers: tuple[str, ...] = tuple(extra)
        self.version_layers: tuple[str, ...] = tuple(versions)
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.pack = None
        self._layers = dict(layers)
        self._summaries = dict(summaries)
        self._pushed = pushed
        #: When the store was pushed (``layers push``), ISO 8601; "" for a schema made by hand.
        self.pushed_at = ""
        self._attrs: dict[str, pd.DataFrame] = {}
        self._keys: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list[Any] = []
        # Connections are closed with the store (or at exit), never left to the collector.
        self._finalizer = weakref.finalize(self, _close_all, self._opened)
        self._coverage: Mapping[str, LayerCoverage] = MappingProxyType(self._read_coverage())

    # --- connections --------------------------------------------------------------------

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        """This thread's connection (one per thread and process: a forked worker opens its own)."""
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or getattr(self._local, "pid", None) != os.getpid():
            conn = _connect(self.location)
            self._local.conn, self._local.pid = conn, os.getpid()
            self._opened.append(conn)  # list.append is atomic; self._lock may be held by the caller
        try:
            yield conn
        except psycopg.Error as err:
            self._local.conn = None
            msg = f"zone store {self.path}: PostgreSQL error ({err})"
            raise DataSourceError(msg, zh=f"图层库 {self.path}：PostgreSQL 出错（{err}）") from err

    # --- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, catalog: Catalog | str | os.PathLike[str] | None = None) -> PgStore:
        """Open and validate the store in the schema named by ``url``.

        Raises
        ------
        DataSourceError
            If the server cannot be reached, has no PostGIS, or the schema does not exist.
        SchemaError
            If any layer has an error-level problem (the message lists every problem).
        """
        location = parse_url(url)
        cat = catalog if isinstance(catalog, Catalog) else load_catalog(None if catalog is None else Path(catalog))
        conn = _connect(location)
        try:
            tables = _tables(conn, location)
            meta = _read_meta(conn, location.schema) if META_TABLE in tables else None
            layers = {name: _describe(conn, location.schema, name, tables[name]) for name in tables}
        finally:
            conn.close()
        names = [n for n in tables if n not in (META_TABLE, _gpkg.HISTORY_TABLE, COVERAGE_TABLE)]
        if meta is not None:
            return cls._from_meta(location, cat, layers, names, meta)
        return cls._validated(location, cat, layers, names)

    @classmethod
    def _from_meta(cls, location: PgLocation, cat: Catalog, layers: Mapping[str, _Layer], names: Sequence[str],
                   meta: Mapping[str, Any]) -> PgStore:  # fmt: skip
        present = [lid for lid in meta["present"] if lid in names]
        missing = [lid for lid in meta["present"] if lid not in names]
        if missing:
            msg = f"zone store {location.label}: tables {', '.join(missing)} were pushed but are gone; push the store again"
            raise DataSourceError(msg, zh=f"图层库 {location.label}：已推送的表 {'、'.join(missing)} 不存在；请重新推送")
        problems = [
            Problem(r["layer"], r["field"], r["message"], r["severity"], tuple(int(x) for x in r["rows"]))
            for r in meta["problems"]
        ]
        present = [lid for lid in cat.layers if lid in present]
        store = cls(
            location, cat, layers=layers, present=present, extra=meta.get("extra", []),
            versions=[n for n in names if _gpkg.parse_version_layer(n)], problems=problems,
            sha256=str(meta["sha256"]), summaries=meta["layers"], pushed=True,
        )  # fmt: skip
        store.pushed_at = str(meta.get("pushed_at", ""))
        return store

    @classmethod
    def _validated(cls, location: PgLocation, cat: Catalog, layers: Mapping[str, _Layer], names: Sequence[str]) -> PgStore:
        """A schema not written by ``layers push``: every layer read once and checked."""
        from layers.store import _classify, _prepare, _Summary

        present, extra, versions, problems = _classify(list(names), cat)
        store = cls(
            location, cat, layers=layers, present=present, extra=extra, versions=versions, problems=problems,
            sha256="", summaries={}, pushed=False,
        )  # fmt: skip
        digest = hashlib.sha256(location.label.encode())
        for lid in present:
            frame = store._read_all(lid)
            spec = cat.layers[lid]
            check = check_layer(frame, spec, cat, source=f"{location.label} table {lid}")
            problems.extend(check.problems)
            prepared = _prepare(frame, spec, cat, check.invalid_positions, f"{location.label} table {lid}")
            summary = _Summary.of_frame(prepared, cat.common_fields["legal_status"].default or "法定")
            store._summaries[lid] = {
                "features": summary.features, "kinds": list(summary.kinds), "crs_label": summary.crs,
                "legal_status": summary.legal_status,
            }  # fmt: skip
            name = prepared.geometry.name if spec.has_geometry else None
            store._attrs[lid] = pd.DataFrame(prepared.drop(columns=[name])) if name else pd.DataFrame(prepared)
            digest.update(pd.util.hash_pandas_object(store._attrs[lid], index=False).to_numpy().tobytes())
            if name:
                digest.update(shapely.to_wkb(np.asarray(prepared.geometry.values)).tobytes())
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            msg = (
                f"zone store {location.label} has {len(errors)} error(s) and {len(problems) - len(errors)} warning(s):\n"
                f"{format_problems(problems)}"
            )
            zh = f"图层库 {location.label} 有 {len(errors)} 个错误、{len(problems) - len(errors)} 个警告：\n{format_problems(problems)}"
            raise SchemaError(msg, zh=zh)
        store.problems = tuple(problems)
        store.sha256 = digest.hexdigest()
        return store

    def __repr__(self) -> str:
        return f"PgStore({self.path!r}, layers={list(self.layer_ids)})"

    def close(self) -> None:
        """Close the store's connections (it reconnects if used again)."""
        _close_all(self._opened)

    # --- what ZoneStore answers ---------------------------------------------------------

    def _check(self, layer_id: str) -> _Layer:
        if layer_id not in self.layer_ids:
            known = "unknown to the catalogue" if layer_id not in self.catalog else "absent from this store"
            msg = f"zone store {self.path} has no layer {layer_id!r} ({known}); layers present: {', '.join(self.layer_ids) or 'none'}"
            raise DataSourceError(msg, zh=f"图层库 {self.path} 中没有图层“{layer_id}”；现有图层：{'、'.join(self.layer_ids) or '无'}")
        return self._layers[layer_id]

    def feature_count(self, layer_id: str) -> int:
        self._check(layer_id)
        return int(self._summaries[layer_id]["features"])

    def legal_status(self, layer_id: str) -> str:
        self._check(layer_id)
        return str(self._summaries[layer_id]["legal_status"])

    def crs(self, layer_id: str) -> str:
        self._check(layer_id)
        return str(self._summaries[layer_id]["crs_label"])

    def coverage(self, layer_id: str) -> LayerCoverage | None:
        return self._coverage.get(layer_id)

    def layer_info(self) -> Mapping[str, LayerSummary]:
        out = {}
        for lid in self.layer_ids:
            spec, s = self.catalog.layers[lid], self._summaries[lid]
            out[lid] = LayerSummary(
                lid, spec.title_zh, spec.title_en, int(s["features"]),
                "/".join(s["kinds"]) if spec.has_geometry else "-", str(s["crs_label"]), str(s["legal_status"]),
            )  # fmt: skip
        return MappingProxyType(out)

    def attributes(self, layer_id: str) -> pd.DataFrame:
        """The layer's attribute columns in feature order, as the GeoPackage store has them."""
        layer = self._check(layer_id)
        hit = self._attrs.get(layer_id)
        if hit is None:
            with self._lock:
                hit = self._attrs.get(layer_id)
                if hit is None:
                    hit = self._read_attributes(layer_id, layer)
                    self._attrs[layer_id] = hit
        return hit.copy(deep=False)

    def layer(self, layer_id: str) -> Any:
        """The whole layer (reports, the app's maps): attributes and geometry in its stored CRS."""
        import geopandas as gpd

        layer = self._check(layer_id)
        attrs = self.attributes(layer_id)
        if layer.geometry is None:
            return attrs
        keys, geoms = self._fetch(layer_id, layer, None)
        out = np.full(len(attrs), None, dtype=object)
        out[self._positions(layer_id, keys)] = geoms
        frame = attrs.copy()
        frame["geometry"] = gpd.GeoSeries(out, crs=self._crs(layer))
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=self._crs(layer))

    # --- windows: what the engine asks --------------------------------------------------

    def layer_crs(self, layer_id: str) -> CRS:
        return self._crs(self._check(layer_id))

    def fetch_window(self, layer_id: str, bounds: tuple[float, float, float, float] | None) -> tuple[np.ndarray, np.ndarray]:
        """(feature positions, geometries in the stored CRS) of the features whose bounding
        boxes meet ``bounds`` (xmin, ymin, xmax, ymax in the layer's stored CRS; None: all),
        valid as the GeoPackage store hands them out."""
        layer = self._check(layer_id)
        keys, geoms = self._fetch(layer_id, layer, bounds)
        return self._positions(layer_id, keys), geoms

    # --- reading --------------------------------------------------------------------------

    def _crs(self, layer: _Layer) -> CRS:
        return CRS.from_user_input(f"EPSG:{layer.srid}") if layer.srid < 900000 else _custom_crs(self, layer.srid)

    def _order(self, layer: _Layer) -> str:
        return f" ORDER BY {_ident(layer.key)}" if layer.key else ""

    def _read_attributes(self, layer_id: str, layer: _Layer) -> pd.DataFrame:
        cols = ", ".join(_ident(c) for c in layer.columns) or "NULL AS _none"
        sql = f"SELECT {cols} FROM {_ident(self.location.schema)}.{_ident(layer.table)}{self._order(layer)}"
        with self._conn() as conn:
            cur = conn.execute(sql)
            rows = cur.fetchall()
        frame = pd.DataFrame(rows, columns=list(layer.columns) or ["_none"])
        if not layer.columns:
            frame = frame.drop(columns=["_none"])
        dtypes = self._summaries.get(layer_id, {}).get("dtypes")
        return _restore_dtypes(frame, dtypes) if dtypes else _prepared_text(frame, layer_id, self.catalog)

    def _fetch(self, layer_id: str, layer: _Layer, bounds: tuple[float, float, float, float] | None) -> tuple[np.ndarray, np.ndarray]:
        assert layer.geometry is not None
        key = _ident(layer.key) if layer.key else "ctid"
        where = ""
        params: tuple[float, ...] = ()
        if bounds is not None:
            where = f" WHERE {_ident(layer.geometry)} && ST_MakeEnvelope(%s, %s, %s, %s, {layer.srid})"
            params = tuple(float(b) for b in bounds)
        sql = (
            f"SELECT {key}, ST_AsBinary({_ident(layer.geometry)}) FROM {_ident(self.location.schema)}.{_ident(layer.table)}"
            f"{where}{self._order(layer)}"
        )
        with self._conn() as conn:
            rows = conn.execute(sql, params, binary=True).fetchall()
        keys = np.array([r[0] for r in rows], dtype=object)
        geoms = shapely.from_wkb(np.array([r[1] for r in rows], dtype=object)) if rows else np.empty(0, dtype=object)
        if not self._pushed and len(geoms):
            geoms = _repaired(geoms, f"{self.path} table {layer_id}")
        return keys, geoms

    def _positions(self, layer_id: str, keys: np.ndarray) -> np.ndarray:
        """Feature positions of primary-key values (the rank of the key in the table's order)."""
        layer = self._layers[layer_id]
        if layer.key is None:
            msg = f"zone store {self.path} table {layer_id} has no primary key to number its features by"
            raise DataSourceError(msg, zh=f"图层库 {self.path} 的表 {layer_id} 没有主键，无法为要素编号")
        order = self._keys.get(layer_id)
        if order is None:
            sql = f"SELECT {_ident(layer.key)} FROM {_ident(self.location.schema)}.{_ident(layer.table)}{self._order(layer)}"
            with self._conn() as conn:
                order = np.array([r[0] for r in conn.execute(sql).fetchall()])
            self._keys[layer_id] = order
        wanted = np.asarray(list(keys), dtype=order.dtype) if len(keys) else np.empty(0, dtype=order.dtype)
        return np.searchsorted(order, wanted).astype(np.intp)

    def _read_all(self, layer_id: str) -> Any:
        """A layer as read (not yet prepared), for validating a schema not pushed by us."""
        import geopandas as gpd

        layer = self._layers[layer_id]
        self._summaries.setdefault(layer_id, {})
        attrs = self._read_attributes(layer_id, layer)
        if layer.geometry is None:
            return attrs
        keys, geoms = self._fetch(layer_id, layer, None) if self._pushed else self._fetch_raw(layer)
        out = np.full(len(attrs), None, dtype=object)
        out[self._positions(layer_id, keys)] = geoms
        return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(out, crs=self._crs(layer)), crs=self._crs(layer))

    def _fetch_raw(self, layer: _Layer) -> tuple[np.ndarray, np.ndarray]:
        assert layer.geometry is not None and layer.key is not None
        sql = (
            f"SELECT {_ident(layer.key)}, ST_AsBinary({_ident(layer.geometry)}) "
            f"FROM {_ident(self.location.schema)}.{_ident(layer.table)}{self._order(layer)}"
        )
        with self._conn() as conn:
            rows = conn.execute(sql, binary=True).fetchall()
        return np.array([r[0] for r in rows], dtype=object), shapely.from_wkb(np.array([r[1] for r in rows], dtype=object))

    def _read_coverage(self) -> dict[str, LayerCoverage]:
        if COVERAGE_TABLE not in self._layers:
            return {}
        sql = f"SELECT layer, adcodes, extent, note FROM {_ident(self.location.schema)}.{COVERAGE_TABLE} ORDER BY layer"
        with self._conn() as conn:
            rows = conn.execute(sql).fetchall()
        out = {}
        for layer, adcodes, extent, note in rows:
            if str(layer) not in self.layer_ids:
                continue
            geom = shapely.from_wkt(str(extent)) if extent and str(extent).strip() else None
            if geom is not None and not geom.is_valid:
                geom = shapely.make_valid(geom)
            out[str(layer)] = LayerCoverage(
                layer=str(layer), adcodes=tuple(c for c in re.split(r"[\s,，、;；]+", str(adcodes or "")) if c),
                extent=geom, note=str(note or ""),
            )  # fmt: skip
        return out


# --- helpers ----------------------------------------------------------------------------------


def store_version(url: str) -> str:
    """A cheap version of the store at ``url`` for cache keys: the pushed store's sha256, or
    for a schema made by hand a digest of its tables and their change counters."""
    location = parse_url(url)
    conn = _connect(location)
    try:
        tables = _tables(conn, location)
        if META_TABLE in tables:
            return str(_read_meta(conn, location.schema)["sha256"])
        rows = conn.execute(
            "SELECT relname, relid::bigint, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
            "WHERE schemaname = %s ORDER BY relname",
            (location.schema,),
        ).fetchall()
    finally:
        conn.close()
    return hashlib.sha256(repr((location.label, rows)).encode()).hexdigest()


def _close_all(conns: list[Any]) -> None:
    """Close the connections this process opened (a forked child's copies are not its own)."""
    pid = os.getpid()
    while conns:
        conn = conns.pop()
        if getattr(conn, "_zoning_pid", pid) == pid:
            with contextlib.suppress(Exception):
                conn.close()


def _connect(location: PgLocation) -> Any:
    import psycopg

    try:
        conn = psycopg.connect(location.conninfo, autocommit=True, connect_timeout=15)
        conn._zoning_pid = os.getpid()  # type: ignore[attr-defined]
        return conn
    except psycopg.Error as err:
        msg = f"zone store {location.label} cannot be reached ({str(err).strip()})"
        raise DataSourceError(msg, zh=f"无法连接图层库 {location.label}（{str(err).strip()}）") from err


def _tables(conn: Any, location: PgLocation) -> dict[str, str]:
    """Table name -> kind of every table of the schema (refused: no PostGIS, no schema)."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
        msg = f"zone store {location.label}: the database has no PostGIS (CREATE EXTENSION postgis)"
        raise DataSourceError(msg, zh=f"图层库 {location.label}：数据库未安装 PostGIS 扩展（CREATE EXTENSION postgis）")
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (location.schema,)).fetchone() is None:
        msg = f"zone store {location.label}: schema {location.schema!r} does not exist (push a store with `python -m zoning layers push`)"
        raise DataSourceError(msg, zh=f"图层库 {location.label}：模式“{location.schema}”不存在（可用 python -m zoning layers push 推送图层库）")
    rows = conn.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name",
        (location.schema,),
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def _describe(conn: Any, schema: str, table: str, _kind: str) -> _Layer:
    geo = conn.execute(
        "SELECT f_geometry_column, srid FROM geometry_columns WHERE f_table_schema = %s AND f_table_name = %s "
        "ORDER BY f_geometry_column",
        (schema, table),
    ).fetchall()
    cols = [
        str(r[0])
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "ORDER BY ordinal_position",
            (schema, table),
        ).fetchall()
    ]
    pk = conn.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass AND i.indisprimary",
        (schema, table),
    ).fetchall()
    key = str(pk[0][0]) if len(pk) == 1 else next((c for c in ("fid", "ogc_fid", "gid", "id") if c in cols), None)
    geometry = str(geo[0][0]) if geo else None
    srid = int(geo[0][1]) if geo else 0
    if geometry is not None and srid == 0:
        srid = _guess_srid(conn, schema, table, geometry)
    # A pushed store's ``fid`` (or GDAL's ``ogc_fid``) numbers the rows; any other key is an attribute too.
    attrs = tuple(c for c in cols if c != geometry and not (c == key and c in ("fid", "ogc_fid")))
    return _Layer(table, key, geometry, srid, attrs)


def _guess_srid(conn: Any, schema: str, table: str, column: str) -> int:
    row = conn.execute(f"SELECT ST_SRID({_ident(column)}) FROM {_ident(schema)}.{_ident(table)} LIMIT 1").fetchone()
    return int(row[0]) if row and row[0] else 4490


def _read_meta(conn: Any, schema: str) -> dict[str, Any]:
    rows = conn.execute(f"SELECT key, value FROM {_ident(schema)}.{META_TABLE}").fetchall()
    data = {str(k): json.loads(v) for k, v in rows}
    if "store" not in data:
        msg = f"schema {schema}: {META_TABLE} has no store record"
        raise DataSourceError(msg, zh=f"模式 {schema}：{META_TABLE} 表中没有图层库记录")
    return dict(data["store"])


def _restore_dtypes(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """The attribute columns with the pandas dtypes the pushed store had."""
    out = {}
    for name in frame.columns:
        dtype = dtypes.get(name, "object")
        column = frame[name]
        if dtype == "object":
            out[name] = pd.Series(np.array([None if _missing(v) else v for v in column], dtype=object), dtype=object)
        elif dtype == "str":
            out[name] = pd.Series([None if _missing(v) else str(v) for v in column], dtype="str")
        else:
            try:
                out[name] = column.astype(dtype)
            except (TypeError, ValueError):
                out[name] = column
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _prepared_text(frame: pd.DataFrame, layer_id: str, catalog: Catalog) -> pd.DataFrame:
    """Attributes of a schema not pushed by us, with the catalogue's defaults (as ``_prepare``)."""
    out = frame.copy()
    if layer_id not in catalog.layers:
        return out
    for name, fspec in catalog.fields_of(layer_id).items():
        if name not in out.columns:
            continue
        if fspec.values or fspec.default is not None:
            text, missing = text_values(out[name])
            text[missing] = fspec.default
            out[name] = pd.Series(text, index=out.index, dtype=object)
    return out


def _repaired(geoms: np.ndarray, source: str) -> np.ndarray:
    invalid = np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms))
    if len(invalid) == 0:
        return geoms
    out = np.array(geoms, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairWarning)
        import geopandas as gpd

        fixed, _ = repair_geometries(gpd.GeoSeries(out[invalid]), source=source)
    out[invalid] = np.asarray(fixed.values, dtype=object)
    return out


def _custom_crs(store: PgStore, srid: int) -> CRS:
    with store._conn() as conn:
        row = conn.execute("SELECT srtext FROM spatial_ref_sys WHERE srid = %s", (srid,)).fetchone()
    if row is None or not row[0]:
        msg = f"zone store {store.path}: SRID {srid} is not in spatial_ref_sys"
        raise DataSourceError(msg, zh=f"图层库 {store.path}：spatial_ref_sys 中没有 SRID {srid}")
    return CRS.from_wkt(str(row[0]))

