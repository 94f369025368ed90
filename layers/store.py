"""The zone store: a GeoPackage of catalogue layers, opened once, validated as a whole.

``ZoneStore.open`` reads every catalogue layer present (pyogrio with Arrow), checks each
against the catalogue (``layers.schema``) and refuses the store with *all* its problems at
once if any is an error. What it hands out is ready to screen: each layer in the CRS it
was stored in, with valid geometry and the optional fields filled with their defaults
(``legal_status`` 法定 where absent). ``validate_store`` runs the same checks and returns
the problems instead of raising.

Examples
--------
>>> from layers.paths import DEFAULT_STORE
>>> store = ZoneStore.open(DEFAULT_STORE)
>>> store.layer_ids[:2], store.legal_status("water_source")
(('eco_redline', 'water_source'), '示意')
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gis.crs import crs_label
from gis.errors import DataSourceError, SchemaError
from gis.repair import GeometryRepairWarning, repair_geometries
from layers import _gpkg, _pack
from layers._geoarrays import ColumnError, GeomColumn, encode
from layers.catalog import Catalog, LayerSpec, load_catalog
from layers.coverage import COVERAGE_TABLE, LayerCoverage, coverage_problems, read_coverage
from layers.schema import EMPTY_LAYER_NOTE, Problem, check_layer, geometry_name, text_values
from layers.timeline import current_versions

__all__ = ["ZoneStore", "LayerSummary", "Problem", "validate_store", "format_problems", "LEGAL_STATUSES"]

#: The layer name of the problem a store without any catalogue layer has.
NO_SCREENABLE_LAYER = "(store)"
#: Legal status of a layer: all features official, all illustrative, or both.
LEGAL_STATUSES = ("法定", "示意", "混合")
_MAX_LISTED_PROBLEMS = 50
_log = logging.getLogger(__name__)
# Tables that are not zone data: our import history, and the styles/projects QGIS saves into
# a GeoPackage. They are neither screened nor reported as extra layers.
_BOOKKEEPING_TABLES = frozenset({_gpkg.HISTORY_TABLE, COVERAGE_TABLE, "layer_styles", "qgis_projects"})


@dataclass(frozen=True)
class LayerSummary:
    """What ``ZoneStore.layer_info`` says about one layer."""

    layer: str
    title_zh: str
    title_en: str
    features: int
    geometry_type: str
    crs: str
    legal_status: str


@dataclass(frozen=True, eq=False)
class _Scan:
    """Everything read from a store file: problems, and the layers when they could be read."""

    problems: tuple[Problem, ...]
    frames: Mapping[str, gpd.GeoDataFrame]
    invalid: Mapping[str, tuple[int, ...]]
    present: tuple[str, ...]
    extra: tuple[str, ...]
    versions: tuple[str, ...]


def _normalised(name: str) -> str:
    return name.strip().casefold().replace("-", "_").replace(" ", "_")


def _classify(names: Sequence[str], catalog: Catalog) -> tuple[list[str], list[str], list[str], list[Problem]]:
    """(catalogue layers present, extra layers, kept versions, naming problems)."""
    present = [lid for lid in catalog.layers if lid in names]
    extra: list[str] = []
    versions: list[str] = []
    problems: list[Problem] = []
    by_norm = {_normalised(lid): lid for lid in catalog.layers}
    for name in names:
        if name in catalog.layers or name in _BOOKKEEPING_TABLES:
            continue
        kept = _gpkg.parse_version_layer(name)
        if kept is not None and kept[0] in catalog.layers:
            versions.append(name)
            continue
        extra.append(name)
        target = by_norm.get(_normalised(name))
        if target is None:
            continue
        if target in names:
            msg = (
                f"layer {name!r} duplicates catalogue layer {target!r}; keep one of them (only {target!r} is screened)"
            )
            problems.append(Problem(name, None, msg, "error"))
        else:
            msg = f"layer {name!r} looks like catalogue layer {target!r} but is not named exactly so and is not screened; rename it to {target!r}"
            problems.append(Problem(name, None, msg, "warning"))
    return present, extra, versions, problems


def _scan(path: Path, catalog: Catalog) -> _Scan:
    _gpkg.check_geopackage(path)
    tables = _gpkg.list_tables(path)
    names = [name for name, _ in tables]
    present, extra, versions, problems = _classify(names, catalog)
    kinds = dict(tables)
    frames: dict[str, gpd.GeoDataFrame] = {}
    invalid: dict[str, tuple[int, ...]] = {}
    for lid in present:
        spec = catalog.layers[lid]
        if spec.has_geometry and kinds.get(lid) is None:
            msg = f"{path.name} layer {lid!r} is a table without geometry; expected {spec.geometry} features"
            problems.append(Problem(lid, None, msg))
            continue
        if not spec.has_geometry and kinds.get(lid) is not None:
            msg = f"{path.name} layer {lid!r} has {kinds[lid]} geometry; expected an attribute table without geometry"
            problems.append(Problem(lid, None, msg))
            continue
        try:
            gdf, fids = _gpkg.read_layer(path, lid)
        except DataSourceError as err:
            problems.append(Problem(lid, None, str(err)))
            continue
        check = check_layer(gdf, spec, catalog, source=f"{path.name} layer {lid}", ids=fids, id_label="fid")
        problems.extend(check.problems)
        frames[lid] = gdf
        invalid[lid] = check.invalid_positions
    extra_notes = [
        Problem(name, None, "not in the layer catalogue; kept in the store but not screened", "warning")
        for name in extra
        if not any(p.layer == name for p in problems)
    ]
    problems.extend(_coverage_check(path, catalog, present, frames))
    declared = _declared_empty(path, frames)
    problems = [p for p in problems if not (p.layer in declared and p.message.endswith(EMPTY_LAYER_NOTE))]
    if not present:
        # Screening against it would answer "clear" for everything: the worst wrong answer.
        found = ", ".join(extra) or "no layers at all"
        msg = (
            f"{path.name} holds no layer of the catalogue ({found}), so nothing could be screened against it; "
            f"expected layers named by catalogue id ({', '.join(list(catalog.layers)[:4])} ...)"
        )
        problems.append(Problem(NO_SCREENABLE_LAYER, None, msg, "error"))
    return _Scan(tuple(problems + extra_notes), frames, invalid, tuple(present), tuple(extra), tuple(versions))


def _coverage_check(
    path: Path, catalog: Catalog, present: Sequence[str], frames: Mapping[str, pd.DataFrame]
) -> list[Problem]:
    """Problems of the ``layer_coverage`` records: unreadable (error), or naming absent layers or
    unknown admin codes (warnings)."""
    try:
        records = read_coverage(path)
    except DataSourceError as err:
        return [Problem(COVERAGE_TABLE, None, str(err))]
    admin = catalog.role_layer("admin")
    codes = None
    if admin is not None and admin in frames:
        codes = [str(c).strip() for c in frames[admin]["adcode"].dropna()]
    found = coverage_problems(records, layers=present, admin_codes=codes)
    return [Problem(COVERAGE_TABLE, lid, msg, "warning") for lid, msg in found]


def _declared_empty(path: Path, frames: Mapping[str, pd.DataFrame]) -> set[str]:
    """Layers without features whose coverage record covers nothing: shipped empty on purpose
    (results say "no data for this layer here"), so their emptiness is no warning."""
    try:
        records = read_coverage(path)
    except DataSourceError:
        return set()
    return {
        lid for lid, rec in records.items()
        if lid in frames and len(frames[lid]) == 0 and not rec.adcodes and rec.extent is None
    }  # fmt: skip


def _resolve_catalog(catalog: Catalog | str | Path | None) -> Catalog:
    return catalog if isinstance(catalog, Catalog) else load_catalog(catalog)


def validate_store(path: str | Path, *, catalog: Catalog | str | Path | None = None) -> list[Problem]:
    """Every problem of a zone store, errors and warnings, collected in one pass.

    Parameters
    ----------
    path
        The GeoPackage.
    catalog
        A ``Catalog``, the path of a catalogue file, or None for data/catalog.yaml.

    Returns
    -------
    list[Problem]
        Empty when the store is clean. The store is usable when no problem has
        ``severity == "error"``.

    Raises
    ------
    DataSourceError
        If the file does not exist or is not a readable GeoPackage (nothing else to check).
    RuleConfigError
        If the catalogue itself is bad.
    """
    p = Path(path)
    return list(_scan(p, _resolve_catalog(catalog)).problems) + _work_copy_problems(p)


def _work_copy_problems(path: Path) -> list[Problem]:
    """Work copies of interrupted edits lying next to the store (each a full copy of it)."""
    stale = set(_gpkg.stale_work_copies(path))
    problems = []
    for copy, pid in _gpkg.work_copies(path):
        if copy in stale:
            msg = (
                f"work copy {copy.name} was left by an edit that did not finish (process {pid} is gone); "
                "it is removed on the next import or rollback, or delete it now"
            )
        elif pid is None:
            msg = f"work copy {copy.name} of an earlier edit, owner unknown; if no import is running, delete it"
        else:
            msg = f"work copy {copy.name} belongs to an edit in progress (process {pid})"
        problems.append(Problem(copy.name, None, msg, "warning"))
    return problems


def format_problems(problems: Sequence[Problem], *, limit: int = _MAX_LISTED_PROBLEMS) -> str:
    """One line per problem (errors first), at most ``limit`` lines."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    lines = [f"  - {p}" for p in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"  ... and {len(ordered) - limit} more")
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _prepare(
    gdf: gpd.GeoDataFrame, spec: LayerSpec, catalog: Catalog, invalid: tuple[int, ...], source: str
) -> gpd.GeoDataFrame:
    """The layer as handed out: valid geometry, enumerated values stripped, defaults filled."""
    out = gdf.copy()
    if invalid:
        rows = list(invalid)
        with warnings.catch_warnings():
            # The repair is already reported as a warning-level Problem of the store.
            warnings.simplefilter("ignore", GeometryRepairWarning)
            fixed, _ = repair_geometries(out.geometry.iloc[rows], source=source)
        geoms = np.asarray(out.geometry.values, dtype=object).copy()
        geoms[rows] = np.asarray(fixed.values, dtype=object)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    for name, fspec in catalog.fields_of(spec.id).items():
        if name not in out.columns:
            if fspec.default is not None:
                out[name] = fspec.default
            continue
        if fspec.values or fspec.default is not None:
            text, missing = text_values(out[name])
            text[missing] = fspec.default  # the field's default, or None where it has none
            out[name] = pd.Series(text, index=out.index, dtype=object)
    return out


class ZoneStore:
    """An opened, validated zone store (read-only).

    Use ``ZoneStore.open``. The layers are read once; ``layer()`` hands out copies that
    share memory until written to (pandas copy-on-write), so callers cannot change the store.
    A store opened from its pack (``layers/_pack.py``) reads a layer only when it is first
    asked for; the engine reads its own arrays from the pack (``pack``) and never asks.

    Attributes
    ----------
    path
        The GeoPackage.
    sha256
        Hex digest of the file's bytes when it was opened (a cache key for indexes and UI).
    catalog
        The catalogue it was validated against.
    layer_ids
        Catalogue layers present, in catalogue order.
    absent_layers
        Catalogue layers not in the store (not screened; results say so).
    extra_layers
        Layers in the file the catalogue does not know (kept, reported, not screened).
    problems
        Warning-level problems found on opening (legacy values, repaired geometry ...).
    versions
        Layer -> the version in the store (``layers.timeline``: version, label,
        effective_date, ceased_date), for layers with a version history.
    as_of, origin, origin_sha256
        For a view of a store on a past date (``layers.asof``): the date, and the store
        file and hash the versions come from; None otherwise.
    pack
        The store version's pack (``layers._pack.StorePack``) when the cache is in use, else None.
    """

    __slots__ = (
        "path",
        "sha256",
        "catalog",
        "layer_ids",
        "absent_layers",
        "extra_layers",
        "version_layers",
        "problems",
        "versions",
        "as_of",
        "origin",
        "origin_sha256",
        "pack",
        "_frames",
        "_coverage",
        "_summaries",
        "_encoded",
        "_lock",
    )

    def __init__(
        self,
        *,
        path: Path,
        sha256: str,
        catalog: Catalog,
        scan: _Scan,
        frames: Mapping[str, gpd.GeoDataFrame],
        pack: _pack.StorePack | None = None,
    ) -> None:
        self.path = path
        self.sha256 = sha256
        self.catalog = catalog
        self.layer_ids: tuple[str, ...] = scan.present
        self.absent_layers: tuple[str, ...] = tuple(lid for lid in catalog.layers if lid not in scan.present)
        self.extra_layers: tuple[str, ...] = scan.extra
        self.version_layers: tuple[str, ...] = scan.versions
        self.problems: tuple[Problem, ...] = scan.problems
        self.pack = pack
        self._frames: dict[str, gpd.GeoDataFrame] = dict(frames)
        self._summaries: dict[str, _Summary] = {}
        self._encoded: dict[str, tuple[dict[str, np.ndarray], str, int]] = {}
        if pack is not None:
            self._summaries.update({lid: _Summary.of_record(pack.layer_record(lid)) for lid in scan.present})
        self._lock = threading.Lock()
        # Read on every open (a small table), so a cached store never carries stale coverage.
        try:
            records = read_coverage(path)
        except DataSourceError:
            records = {}  # reported as a problem of the store by _scan
        self._coverage: Mapping[str, LayerCoverage] = MappingProxyType(
            {lid: rec for lid, rec in records.items() if lid in self.layer_ids}
        )
        # The versions screened (``layers.timeline``), read on every open like the coverage.
        try:
            periods = current_versions(path)
        except DataSourceError:
            periods = {}
        self.versions: Mapping[str, Mapping[str, object]] = MappingProxyType(
            {lid: p.as_dict() for lid, p in periods.items() if lid in self.layer_ids}
        )
        self.as_of: str | None = None
        self.origin: Path | None = None
        self.origin_sha256: str | None = None

    def as_view(
        self, *, as_of: str, versions: Mapping[str, Mapping[str, object]], origin: Path, origin_sha256: str
    ) -> ZoneStore:
        """This store presented as ``origin`` seen on the date ``as_of`` (``layers.asof``):
        the same layers, naming the versions in force then and the store they come from."""
        view = object.__new__(ZoneStore)
        for name in ZoneStore.__slots__:
            setattr(view, name, getattr(self, name))
        view.versions = MappingProxyType({k: dict(v) for k, v in versions.items()})
        view.as_of = as_of
        view.origin = origin
        view.origin_sha256 = origin_sha256
        return view

    @classmethod
    def open(
        cls, path: str | Path, *, catalog: Catalog | str | Path | None = None, cache: bool | None = None
    ) -> ZoneStore:
        """Open and validate a zone store.

        Parameters
        ----------
        path
            A GeoPackage whose layers are named by catalogue id (``water_source`` ...).
            Any subset of the catalogue layers may be present.
        catalog
            A ``Catalog``, a catalogue file, or None for data/catalog.yaml.
        cache
            Use the store version's pack (``layers/_pack.py``): None (default) for big
            stores only, True always, False never. It holds exactly what a fresh open gives
            and is rebuilt whenever the file changes.

        Raises
        ------
        DataSourceError
            If the file is missing, not a GeoPackage or unreadable (the message names it).
        SchemaError
            If any layer has an error-level problem; the message lists every problem.
        """
        p = Path(path)
        cat = _resolve_catalog(catalog)
        _gpkg.check_geopackage(p)
        use_cache = _pack.enabled_for(p, cache)
        if use_cache:
            hit = _pack.load_store(p, cat)
            if hit is not None:
                try:
                    return cls._from_pack(p, cat, hit)
                except (KeyError, TypeError, ValueError) as err:
                    _log.warning("store cache entry %s does not describe a store (%s); reading %s", hit.folder, err, p)
        identity = _pack.store_identity(p, cat) if use_cache else None
        digest = _sha256(p)
        scan = _scan(p, cat)
        errors = [pr for pr in scan.problems if pr.severity == "error"]
        if errors:
            msg = (
                f"zone store {p} has {len(errors)} error(s) and {len(scan.problems) - len(errors)} warning(s); "
                f"fix the errors (run `python -m zoning layers validate {p}`):\n{format_problems(scan.problems)}"
            )
            # The problem list stays as the catalogue checks write it (English, with the Chinese field titles).
            zh = (
                f"图层库 {p} 有 {len(errors)} 个错误、{len(scan.problems) - len(errors)} 个警告；请先修正错误"
                f"（可运行 `python -m zoning layers validate {p}` 检查）：\n{format_problems(scan.problems)}"
            )
            raise SchemaError(msg, zh=zh)
        frames = {
            lid: _prepare(scan.frames[lid], cat.layers[lid], cat, scan.invalid[lid], f"{p.name} layer {lid}")
            for lid in scan.present
        }
        pack = None
        if use_cache:
            summary = {
                "present": list(scan.present),
                "extra": list(scan.extra),
                "versions": list(scan.versions),
                "problems": _pack.problems_to_json(scan.problems),
            }
            pack = _pack.save_store(
                p, cat, identity_before=identity, sha256=digest, summary=summary, frames=frames,
                encode_frame=functools.partial(_encode_frame, default_status=_default_status(cat)),
            )  # fmt: skip
        return cls(path=p, sha256=digest, catalog=cat, scan=scan, frames=frames, pack=pack)

    @classmethod
    def _from_pack(cls, path: Path, catalog: Catalog, pack: _pack.StorePack) -> ZoneStore:
        m = pack.manifest
        problems = tuple(
            Problem(r["layer"], r["field"], r["message"], r["severity"], tuple(int(x) for x in r["rows"]))
            for r in m["problems"]
        )
        present = tuple(str(x) for x in m["present"])
        if any(lid not in catalog.layers for lid in present) or set(present) != set(m["layers"]):
            msg = "layers of the pack and of the catalogue differ"
            raise ValueError(msg)
        scan = _Scan(problems, {}, {}, present, tuple(m["extra"]), tuple(m["versions"]))
        return cls(path=path, sha256=pack.sha256, catalog=catalog, scan=scan, frames={}, pack=pack)

    def __repr__(self) -> str:
        return f"ZoneStore({str(self.path)!r}, layers={list(self.layer_ids)})"

    def _missing(self, layer_id: str) -> DataSourceError:
        known = "unknown to the catalogue" if layer_id not in self.catalog else "absent from this store"
        msg = (
            f"zone store {self.path} has no layer {layer_id!r} ({known}); "
            f"layers present: {', '.join(self.layer_ids) or 'none'}"
        )
        known_zh = "图层目录中没有该图层" if layer_id not in self.catalog else "本数据库未包含该图层"
        zh = f"图层库 {self.path} 中没有图层“{layer_id}”（{known_zh}）；现有图层：{'、'.join(self.layer_ids) or '无'}"
        return DataSourceError(msg, zh=zh)

    def _frame(self, layer_id: str) -> gpd.GeoDataFrame:
        frame = self._frames.get(layer_id)
        if frame is not None:
            return frame
        if layer_id not in self.layer_ids:
            raise self._missing(layer_id)
        with self._lock:
            frame = self._frames.get(layer_id)
            if frame is None:
                frame = self._load_frame(layer_id)
                self._frames[layer_id] = frame
        return frame

    def _load_frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """A layer of a store opened from its pack: from the pack, else (damaged) the file."""
        if self.pack is not None:
            try:
                return _decode_frame(self.pack, layer_id)
            except (_pack.PackError, ColumnError, KeyError, ValueError) as err:
                _log.warning("store cache layer %s of %s cannot be read (%s); reading the store", layer_id, self.path, err)
        gdf, fids = _gpkg.read_layer(self.path, layer_id)
        spec = self.catalog.layers[layer_id]
        check = check_layer(gdf, spec, self.catalog, source=f"{self.path.name} layer {layer_id}", ids=fids, id_label="fid")
        return _prepare(gdf, spec, self.catalog, check.invalid_positions, f"{self.path.name} layer {layer_id}")

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """The layer in its stored CRS, RangeIndex, valid geometry, optional fields defaulted
        (a plain ``pandas.DataFrame`` for an attribute table such as the access list).

        Raises
        ------
        DataSourceError
            If the store has no such layer (the message lists those present).
        """
        return self._frame(layer_id).copy(deep=False)

    def geometry_arrays(self, layer_id: str) -> tuple[dict[str, np.ndarray], str, int]:
        """(geometry arrays, CRS label, feature count) of a layer as stored (``layers._geoarrays``):
        from the pack (memory-mapped) when there is one, else encoded from the layer once.
        The label is ``EPSG:4490`` for any lon/lat CRS (CGCS2000 and WGS84 are treated as
        equal), else the CRS's WKT."""
        if layer_id not in self.layer_ids:
            raise self._missing(layer_id)
        if self.pack is not None:
            record = self.pack.layer_record(layer_id)
            crs = CRS.from_json(record["crs"]) if record.get("crs") else None
            try:
                return self.pack.frame_arrays(layer_id), _work_label(crs), int(record["features"])
            except _pack.PackError as err:
                _log.warning("store cache layer %s of %s cannot be read (%s); encoding the layer", layer_id, self.path, err)
        hit = self._encoded.get(layer_id)
        if hit is None:
            frame = self._frame(layer_id)
            if geometry_name(frame) is None:
                msg = f"layer {layer_id!r} of {self.path} is a table without geometry"
                raise DataSourceError(msg, zh=f"图层库 {self.path} 的图层“{layer_id}”是无几何的属性表")
            crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
            hit = encode(np.asarray(frame.geometry.values, dtype=object)), _work_label(crs), len(frame)
            self._encoded[layer_id] = hit
        return hit

    def attributes(self, layer_id: str) -> pd.DataFrame:
        """The layer's attribute columns (no geometry), as ``layer()`` has them."""
        if self.pack is not None and layer_id not in self._frames and layer_id in self.layer_ids:
            try:
                return _decode_frame(self.pack, layer_id, geometry=False)
            except (_pack.PackError, KeyError, ValueError) as err:
                _log.warning("store cache layer %s of %s cannot be read (%s); reading the store", layer_id, self.path, err)
        frame = self._frame(layer_id)
        name = geometry_name(frame)
        return pd.DataFrame(frame.drop(columns=[name])) if name else pd.DataFrame(frame)

    def coverage(self, layer_id: str) -> LayerCoverage | None:
        """Where ``layer_id`` holds data (``layers.coverage``); None = the store's whole admin extent."""
        return self._coverage.get(layer_id)

    def _summary(self, layer_id: str) -> _Summary:
        hit = self._summaries.get(layer_id)
        if hit is None:
            hit = _Summary.of_frame(self._frame(layer_id), _default_status(self.catalog))
            self._summaries[layer_id] = hit
        return hit

    def feature_count(self, layer_id: str) -> int:
        """Number of features (rows) of ``layer_id``."""
        if layer_id not in self.layer_ids:
            raise self._missing(layer_id)
        return self._summary(layer_id).features

    def crs(self, layer_id: str) -> str:
        """The stored CRS of ``layer_id`` as a label (``EPSG:4490``, ``EPSG:4526``); ``-`` for a table."""
        if layer_id not in self.layer_ids:
            raise self._missing(layer_id)
        return self._summary(layer_id).crs

    def legal_status(self, layer_id: str) -> str:
        """``法定`` if every feature is official, ``示意`` if every one is illustrative, else ``混合``.

        An empty layer has the legal status its latest ``store_history`` record gives (an
        illustrative store ships some layers empty: they stay 示意), else the catalogue
        default (法定).
        """
        if layer_id not in self.layer_ids:
            raise self._missing(layer_id)
        summary = self._summary(layer_id)
        if summary.features == 0:
            return self._recorded_status(layer_id) or summary.legal_status
        return summary.legal_status

    def _recorded_status(self, layer_id: str) -> str | None:
        try:
            rows = _gpkg.read_history(self.path, layer_id)
        except DataSourceError:
            return None
        statuses = [r.legal_status for r in rows if r.legal_status in LEGAL_STATUSES]
        return statuses[-1] if statuses else None

    def layer_info(self) -> Mapping[str, LayerSummary]:
        """Per present layer (catalogue order): titles, feature count, geometry type, CRS, legal status."""
        out: dict[str, LayerSummary] = {}
        for lid in self.layer_ids:
            spec = self.catalog.layers[lid]
            summary = self._summary(lid)
            out[lid] = LayerSummary(
                layer=lid,
                title_zh=spec.title_zh,
                title_en=spec.title_en,
                features=summary.features,
                geometry_type="/".join(summary.kinds) if spec.has_geometry else "-",
                crs=summary.crs,
                legal_status=self.legal_status(lid),
            )
        return MappingProxyType(out)


def _default_status(catalog: Catalog) -> str:
    return catalog.common_fields["legal_status"].default or "法定"


@dataclass(frozen=True)
class _Summary:
    """What ``layer_info``, ``crs`` and ``legal_status`` say of a layer (kept in the pack)."""

    features: int
    kinds: tuple[str, ...]
    crs: str
    legal_status: str

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, default_status: str) -> _Summary:
        geometry = geometry_name(frame)
        kinds: tuple[str, ...] = ()
        label = "-"
        if geometry is not None:
            kinds = tuple(sorted(set(frame.geometry.geom_type.dropna())))
            label = crs_label(CRS.from_user_input(frame.crs)) if frame.crs is not None else "?"
        values = {str(v) for v in frame["legal_status"].dropna()} if "legal_status" in frame.columns else set()
        status = values.pop() if len(values) == 1 else (default_status if not values else "混合")
        return cls(len(frame), kinds, label, status)

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> _Summary:
        return cls(int(record["features"]), tuple(record["kinds"]), str(record["crs_label"]), str(record["legal_status"]))


def _encode_frame(frame: pd.DataFrame, *, default_status: str) -> tuple[dict[str, Any], bytes, dict[str, np.ndarray]]:
    """A prepared layer as (pack record, Arrow IPC bytes of its attributes, geometry arrays)."""
    import pyarrow as pa

    geometry = geometry_name(frame)
    attrs = pd.DataFrame(frame.drop(columns=[geometry])) if geometry else pd.DataFrame(frame)
    table = pa.Table.from_pandas(attrs, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    summary = _Summary.of_frame(frame, default_status)
    record: dict[str, Any] = {
        "features": len(frame),
        "columns": [str(c) for c in frame.columns],
        "dtypes": {str(c): str(t) for c, t in attrs.dtypes.items()},
        "geometry": geometry,
        "crs": frame.crs.to_json() if geometry and frame.crs is not None else None,
        "kinds": list(summary.kinds),
        "crs_label": summary.crs,
        "legal_status": summary.legal_status,
    }
    arrays = encode(np.asarray(frame.geometry.values, dtype=object)) if geometry else {}
    return record, sink.getvalue().to_pybytes(), arrays


def _work_label(crs: CRS | None) -> str:
    return "EPSG:4490" if crs is None or crs.is_geographic else crs.to_wkt()


def _decode_frame(pack: _pack.StorePack, layer_id: str, *, geometry: bool = True) -> pd.DataFrame:
    """The layer as ``_prepare`` made it, from its pack (``_encode_frame``'s inverse)."""
    record = pack.layer_record(layer_id)
    table = pack.frame_table(layer_id)
    columns: dict[str, Any] = {}
    for name, dtype in record["dtypes"].items():
        column = table.column(name)
        if dtype == "object":
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
        else:
            columns[name] = column.to_pandas()
    attrs = pd.DataFrame(columns, index=pd.RangeIndex(record["features"]))
    name = record["geometry"]
    if not name or not geometry:
        return attrs
    geoms = GeomColumn(pack.frame_arrays(layer_id), int(record["features"])).all()
    crs = CRS.from_json(record["crs"]) if record["crs"] else None
    attrs[name] = gpd.GeoSeries(geoms, crs=crs)
    return gpd.GeoDataFrame(attrs[record["columns"]], geometry=name, crs=crs)
