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

import hashlib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gis.crs import crs_label
from gis.errors import DataSourceError, SchemaError
from gis.repair import GeometryRepairWarning, repair_geometries
from layers import _fastcache, _gpkg
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
        "_frames",
        "_coverage",
    )

    def __init__(
        self, *, path: Path, sha256: str, catalog: Catalog, scan: _Scan, frames: Mapping[str, gpd.GeoDataFrame]
    ) -> None:
        self.path = path
        self.sha256 = sha256
        self.catalog = catalog
        self.layer_ids: tuple[str, ...] = scan.present
        self.absent_layers: tuple[str, ...] = tuple(lid for lid in catalog.layers if lid not in scan.present)
        self.extra_layers: tuple[str, ...] = scan.extra
        self.version_layers: tuple[str, ...] = scan.versions
        self.problems: tuple[Problem, ...] = scan.problems
        self._frames: Mapping[str, gpd.GeoDataFrame] = MappingProxyType(dict(frames))
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
            Use the fast on-disk form of the opened store (``layers/_fastcache.py``):
            None (default) for big stores only, True always, False never. It holds
            exactly what a fresh open gives and is rebuilt whenever the file changes.

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
        use_cache = _fastcache.enabled_for(p, cache)
        if use_cache:
            hit = _fastcache.load_store(p, cat)
            if hit is not None:
                scan = _Scan(hit.problems, {}, {}, hit.present, hit.extra, hit.versions)
                return cls(path=p, sha256=hit.sha256, catalog=cat, scan=scan, frames=hit.frames)
        identity = _fastcache.store_identity(p, cat) if use_cache else None
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
        if use_cache:
            entry = _fastcache.CachedStore(digest, scan.present, scan.extra, scan.versions, scan.problems, frames)
            _fastcache.save_store(p, cat, entry, identity_before=identity)
        return cls(path=p, sha256=digest, catalog=cat, scan=scan, frames=frames)

    def __repr__(self) -> str:
        return f"ZoneStore({str(self.path)!r}, layers={list(self.layer_ids)})"

    def _frame(self, layer_id: str) -> gpd.GeoDataFrame:
        try:
            return self._frames[layer_id]
        except KeyError:
            known = "unknown to the catalogue" if layer_id not in self.catalog else "absent from this store"
            msg = (
                f"zone store {self.path} has no layer {layer_id!r} ({known}); "
                f"layers present: {', '.join(self.layer_ids) or 'none'}"
            )
            known_zh = "图层目录中没有该图层" if layer_id not in self.catalog else "本数据库未包含该图层"
            zh = (
                f"图层库 {self.path} 中没有图层“{layer_id}”（{known_zh}）；"
                f"现有图层：{'、'.join(self.layer_ids) or '无'}"
            )
            raise DataSourceError(msg, zh=zh) from None

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """The layer in its stored CRS, RangeIndex, valid geometry, optional fields defaulted
        (a plain ``pandas.DataFrame`` for an attribute table such as the access list).

        Raises
        ------
        DataSourceError
            If the store has no such layer (the message lists those present).
        """
        return self._frame(layer_id).copy(deep=False)

    def coverage(self, layer_id: str) -> LayerCoverage | None:
        """Where ``layer_id`` holds data (``layers.coverage``); None = the store's whole admin extent."""
        return self._coverage.get(layer_id)

    def crs(self, layer_id: str) -> str:
        """The stored CRS of ``layer_id`` as a label (``EPSG:4490``, ``EPSG:4526``); ``-`` for a table."""
        frame = self._frame(layer_id)
        if geometry_name(frame) is None:
            return "-"
        crs = frame.crs
        return crs_label(CRS.from_user_input(crs)) if crs is not None else "?"

    def legal_status(self, layer_id: str) -> str:
        """``法定`` if every feature is official, ``示意`` if every one is illustrative, else ``混合``.

        An empty layer has the legal status its latest ``store_history`` record gives (an
        illustrative store ships some layers empty: they stay 示意), else the catalogue
        default (法定).
        """
        values = {str(v) for v in self._frame(layer_id)["legal_status"].dropna()}
        if len(values) == 1:
            return values.pop()
        if not values:
            return self._recorded_status(layer_id) or self.catalog.common_fields["legal_status"].default or "法定"
        return "混合"

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
            gdf = self._frame(lid)
            spec = self.catalog.layers[lid]
            kinds = sorted(set(gdf.geometry.geom_type.dropna())) if spec.has_geometry else []
            out[lid] = LayerSummary(
                layer=lid,
                title_zh=spec.title_zh,
                title_en=spec.title_en,
                features=len(gdf),
                geometry_type="/".join(kinds) or "-",
                crs=self.crs(lid),
                legal_status=self.legal_status(lid),
            )
        return MappingProxyType(out)
