"""Import an official zone layer into a store, keep every version, roll back.

This is how a county makes the screener use its real data: a zipped Shapefile (typically in
a CGCS2000 Gauss-Kruger zone, attributes in GBK, Chinese field names) or a GeoPackage layer
is read through ``gis.io.read_features``, its fields are mapped to the catalogue's
(``--map 名称=name``; ``NAME`` and the catalogue's Chinese titles are recognised on their
own), common value spellings are mapped to catalogue values (``一级保护区`` -> ``一级``; the
aliases are data in data/catalog.yaml), and the result is checked against the catalogue with
every problem reported at once. The layer keeps its own CRS.

Each import is recorded in the store's ``store_history`` table (who, when, source file and
its sha256, feature count, CRS, legal status, version). Replacing a layer keeps the
previous version as ``<layer>__v<N>`` in the same GeoPackage, so ``rollback`` can restore
it. Changes are atomic: the store file is replaced only when everything succeeded.

Examples
--------
>>> import_layer("county.gpkg", "水源保护区.zip", layer_id="water_source",
...              field_map={"名称": "name", "级别": "grade"}, source="湘政函〔2016〕176号",
...              effective_date="2016-12-30")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from gis.crs import crs_label
from gis.errors import DataSourceError, InputError, Label, SchemaError, zh_label, zh_lead
from gis.io import is_url, read_features, url_label
from gis.limits import Limits
from gis.text import Text
from layers import _gpkg, _table_import, timeline
from layers.catalog import Catalog, FieldSpec, LayerSpec, load_catalog
from layers.coverage import LayerCoverage, coverage_record, read_coverage, write_coverage
from layers.mapping import propose_fields
from layers.schema import Problem, attribute_columns, check_layer, text_values
from layers.store import format_problems

__all__ = ["ImportResult", "LayerVersion", "RollbackResult", "import_layer", "list_versions", "rollback"]

_LEGAL_STATUSES = ("法定", "示意")
# Actions in store_history that create a version (a rollback only makes one current again).
_VERSION_ACTIONS = timeline.VERSION_ACTIONS


@dataclass(frozen=True)
class ImportResult:
    """What ``import_layer`` did.

    Attributes
    ----------
    store, layer
        The store written and the layer id.
    version
        Version number given to the imported data (1 for a new layer).
    replaced_version
        Version that was current before and is now kept as ``<layer>__v<N>``, or None.
    features, crs, legal_status
        Of the imported layer (CRS as stored: the data's own).
    source_sha256
        Hex digest of the source file's bytes.
    notes
        Sentences about the read and the mapping (encoding, CRS, repairs, fields and values mapped).
    warnings
        Warning-level problems of the imported data (legacy values, dates ...).
    coverage
        The layer's coverage record after the import (``layers.coverage``); None = the
        store's whole admin extent.
    written
        False when the import was only checked (``dry_run``).
    """

    store: Path
    layer: str
    version: int
    replaced_version: int | None
    features: int
    crs: str
    legal_status: str
    source_sha256: str
    notes: tuple[str, ...]
    warnings: tuple[Problem, ...]
    coverage: LayerCoverage | None = None
    #: False for a check (``dry_run=True``): nothing was written.
    written: bool = True


@dataclass(frozen=True)
class LayerVersion:
    """One version of a store layer, from ``store_history``.

    ``current`` marks the version in the layer itself; ``available`` says whether its data is
    still in the store (the current layer or a kept ``<layer>__v<N>``), i.e. can be restored.
    """

    layer: str
    version: int
    action: str
    recorded_at: str
    recorded_by: str
    source_file: str | None
    source_sha256: str | None
    features: int | None
    crs: str | None
    legal_status: str | None
    source: str | None
    effective_date: str | None
    label: str | None
    current: bool
    available: bool
    #: The date a later version took its place (``layers.timeline``); None while in force.
    ceased_date: str | None = None
    #: Rolled back from: treated as never in force (until restored).
    withdrawn: bool = False


@dataclass(frozen=True)
class RollbackResult:
    """What ``rollback`` did: ``version`` is current again, ``previous_version`` is kept."""

    store: Path
    layer: str
    version: int
    previous_version: int
    features: int


# --- options -------------------------------------------------------------------------------


def _check_options(legal_status: str, effective_date: str | date | None) -> str | None:
    if legal_status not in _LEGAL_STATUSES:
        msg = f"legal status {legal_status!r} is not one of {', '.join(_LEGAL_STATUSES)} (法定 = official, 示意 = illustrative)"
        zh = f"法律效力“{legal_status}”无效；应为 {'、'.join(_LEGAL_STATUSES)} 之一（法定 = 正式批复的数据，示意 = 示意数据）"
        raise InputError(msg, zh=zh)
    if effective_date is None:
        return None
    if isinstance(effective_date, date):
        return effective_date.isoformat()
    try:
        return date.fromisoformat(str(effective_date).strip()).isoformat()
    except ValueError:
        msg = f"effective date {effective_date!r} is not a date; expected YYYY-MM-DD, e.g. 2016-12-30"
        zh = f"生效日期“{effective_date}”不是有效日期；应为“年-月-日”格式（YYYY-MM-DD），如 2016-12-30"
        raise InputError(msg, zh=zh) from None


@dataclass(frozen=True)
class _Source:
    """The data to import: a path (file or FileGDB folder), the bytes of an upload with its
    file name, or the URL of a WFS / ArcGIS REST layer."""

    data: Path | bytes | str
    name: str

    @classmethod
    def of(cls, source_file: str | Path | bytes, filename: str | None) -> _Source:
        if isinstance(source_file, bytes | bytearray):
            if not filename:
                msg = "an uploaded file (bytes) needs its file name (filename=...), e.g. 水源保护区.zip"
                raise InputError(msg, zh="上传的文件（bytes）须同时给出文件名（filename=...），如 水源保护区.zip")
            return cls(bytes(source_file), Path(filename).name)
        if isinstance(source_file, str) and is_url(source_file):
            return cls(source_file.strip(), filename or url_label(source_file))
        path = Path(source_file)
        return cls(path, filename or path.name)

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    def sha256(self, gdf: gpd.GeoDataFrame) -> str:
        """Digest of the source's bytes; of the features read, for a web service."""
        digest = hashlib.sha256()
        if isinstance(self.data, bytes):
            digest.update(self.data)
        elif isinstance(self.data, str):
            digest.update(gdf.to_json(drop_id=True).encode("utf-8"))
        elif self.data.is_dir():  # a FileGDB folder: its files, by name
            for part in sorted(p for p in self.data.iterdir() if p.is_file()):
                digest.update(part.name.encode("utf-8"))
                _update_from_file(digest, part)
        else:
            _update_from_file(digest, self.data)
        return digest.hexdigest()


def _update_from_file(digest: Any, path: Path) -> None:
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)


# --- fields and values ---------------------------------------------------------------------


def _apply_field_map(
    gdf: pd.DataFrame, field_map: Mapping[str, str], fields: Mapping[str, FieldSpec], source: str
) -> tuple[pd.DataFrame, list[str]]:
    columns = attribute_columns(gdf)
    problems: list[str] = []
    problems_zh: list[str] = []
    zs = zh_lead(source)
    for src, dst in field_map.items():
        if src not in columns:
            problems.append(f"--map {src}={dst}: {source} has no field {src!r}; its fields: {', '.join(columns)}")
            problems_zh.append(f"--map {src}={dst}：{zs}中没有字段“{src}”；现有字段：{'、'.join(columns)}")
        if dst not in fields:
            problems.append(
                f"--map {src}={dst}: {dst!r} is not a field of this layer; expected one of {', '.join(fields)}"
            )
            problems_zh.append(f"--map {src}={dst}：“{dst}”不是该图层的字段；应为 {'、'.join(fields)} 之一")
        elif dst in columns and dst not in field_map:
            problems.append(f"--map {src}={dst}: {source} already has a field {dst!r}; map or rename that one first")
            problems_zh.append(f"--map {src}={dst}：{zs}中已有字段“{dst}”；请先对应或重命名该字段")
    targets = Counter(field_map.values())
    problems += [f"--map: several fields are mapped to {dst!r}" for dst, n in targets.items() if n > 1]
    problems_zh += [f"--map：有多个字段对应到“{dst}”" for dst, n in targets.items() if n > 1]
    if problems:
        raise InputError("; ".join(problems), zh="；".join(problems_zh))
    notes = [Text(f"字段 {src} → {dst}", f"field {src} mapped to {dst}") for src, dst in field_map.items() if src != dst]
    renamed = gdf.rename(columns=dict(field_map))
    auto, auto_notes = _auto_map(renamed, fields, set(field_map))
    return renamed.rename(columns=auto), notes + auto_notes


def _auto_map(
    gdf: pd.DataFrame, fields: Mapping[str, FieldSpec], mapped: set[str]
) -> tuple[dict[str, str], list[str]]:
    """Source fields that are unambiguously a catalogue field (``NAME``, its Chinese title or a
    header official files use for it, ``column_aliases``) -> that field (``layers.mapping``)."""
    proposed = propose_fields(attribute_columns(gdf), fields, taken=mapped)
    auto = {column: name for name, column in proposed.items() if column != name}
    notes: list[str] = [Text(f"字段 {c} 自动对应 {n}", f"field {c} taken as {n}") for c, n in auto.items()]
    return auto, notes


def _check_value_map(value_map: Mapping[str, Mapping[str, str]], fields: Mapping[str, FieldSpec]) -> None:
    """Every field of a value map is an enumerated catalogue field, every target one of its values."""
    problems, problems_zh = [], []
    for name, values in value_map.items():
        spec = fields.get(name)
        if spec is None or not spec.values:
            enumerated = [f for f, s in fields.items() if s.values]
            problems.append(f"value map: {name!r} is not an enumerated field of this layer; expected one of {', '.join(enumerated)}")
            problems_zh.append(f"取值对应：“{name}”不是该图层有取值范围的字段；应为 {'、'.join(enumerated)} 之一")
            continue
        for source, target in values.items():
            if target not in spec.allowed:
                problems.append(f"value map {name}: {source!r} -> {target!r}: expected one of {', '.join(spec.allowed)}")
                problems_zh.append(f"取值对应 {name}：“{source}”→“{target}”：应为 {'、'.join(spec.allowed)} 之一")
    if problems:
        raise InputError("; ".join(problems), zh="；".join(problems_zh))


def _map_values(
    gdf: pd.DataFrame, fields: Mapping[str, FieldSpec], value_map: Mapping[str, Mapping[str, str]] | None = None
) -> list[str]:
    """Strip enumerated values and replace the values mapped by the importer (``value_map``),
    then known spellings (aliases), in place; notes say what changed."""
    notes: list[str] = []
    for name, spec in fields.items():
        if name not in gdf.columns or not spec.values:
            continue
        text, missing = text_values(gdf[name])
        changed: Counter[tuple[str, str]] = Counter()
        chosen = (value_map or {}).get(name, {})
        for i in np.flatnonzero(~missing):
            target = chosen.get(text[i]) or spec.aliases.get(text[i])
            if target is not None:
                changed[(text[i], target)] += 1
                text[i] = target
        text[missing] = None
        gdf[name] = pd.Series(text, index=gdf.index, dtype=object)
        notes += [Text(f"{name}: {a} → {b} ×{n}", f"value {a} read as {b} ({n})") for (a, b), n in changed.items()]
    return notes


def _fill(gdf: pd.DataFrame, name: str, value: str | None) -> None:
    if value is None:
        return
    if name not in gdf.columns:
        gdf[name] = value
        return
    text, missing = text_values(gdf[name])
    gdf[name] = pd.Series(np.where(missing, value, text), index=gdf.index, dtype=object)


def _set_legal_status(gdf: pd.DataFrame, legal_status: str) -> list[str]:
    """示意 applies to every feature; 法定 fills only blanks (a file's own 示意 stays 示意)."""
    if legal_status == "示意" or "legal_status" not in gdf.columns:
        gdf["legal_status"] = legal_status
        return []
    text, missing = text_values(gdf["legal_status"])
    kept = Counter(v for v, m in zip(text, missing, strict=True) if not m and v != legal_status)
    _fill(gdf, "legal_status", legal_status)
    return [
        Text(f"legal_status: 文件自带 {v} ×{n}，保留", f"the file's own value {v} kept for {n} feature(s)")
        for v, n in kept.items()
    ]


def _check_set_values(set_values: Mapping[str, str], fields: Mapping[str, FieldSpec]) -> None:
    bad = [name for name in set_values if name not in fields]
    if bad:
        msg = f"--set {', '.join(bad)}: not a field of this layer; expected one of {', '.join(fields)}"
        raise InputError(msg, zh=f"--set {'、'.join(bad)}：不是该图层的字段；应为 {'、'.join(fields)} 之一")


@dataclass(frozen=True)
class _Prepared:
    gdf: pd.DataFrame
    notes: tuple[str, ...]
    warnings: tuple[Problem, ...]
    crs: str


def _prepare(
    src: _Source,
    spec: LayerSpec,
    catalog: Catalog,
    *,
    read_options: Mapping[str, object],
    field_map: Mapping[str, str],
    common: Mapping[str, str | None],
    set_values: Mapping[str, str],
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> _Prepared:
    filename = src.name if isinstance(src.data, bytes) else None
    fields = catalog.fields_of(spec.id)
    if spec.has_geometry:
        fs = read_features(src.data, filename=filename, **read_options)  # type: ignore[arg-type]
        label, frame, read_notes = fs.source, fs.gdf.copy(), list(fs.notes)
        if fs.layer and fs.layer != src.stem:
            label = Label(f"{fs.source} layer {fs.layer}", f"{zh_label(fs.source)} 图层 {fs.layer}")
    else:
        if isinstance(src.data, str):  # a URL: the services serve features, not tables
            msg = f"{src.name}: layer {spec.id!r} is a table without geometry; import it from a CSV or XLSX file, not a service URL"
            zh = f"{src.name}：图层“{spec.title_zh}”为无几何的属性表，请从 CSV 或 XLSX 文件导入，而非服务地址"
            raise InputError(msg, zh=zh)
        table = _table_import.read(src.data, src.name, spec, fields, sheet=read_options.get("layer"))
        label, frame, read_notes = table.source, table.frame, list(table.notes)
    gdf, notes = _apply_field_map(frame, field_map, fields, label)
    _check_set_values(set_values, fields)
    _check_value_map(value_map or {}, fields)
    if not spec.has_geometry:
        gdf, more = _table_import.reshape(gdf, spec, fields)
        notes += more
    for name, value in set_values.items():
        _fill(gdf, name, value)
    notes += _map_values(gdf, fields, value_map)
    notes += _set_legal_status(gdf, str(common["legal_status"]))
    for name in ("source", "effective_date", "version"):
        _fill(gdf, name, common.get(name))
    check = check_layer(gdf, spec, catalog, source=label)
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        msg = (
            f"{label} cannot be imported as layer {spec.id!r} ({spec.title}): {len(errors)} error(s); "
            f"fix them in the file or map the fields with --map SOURCE=FIELD:\n{format_problems(check.problems)}"
        )
        # The problem list stays as the catalogue checks write it (English, with the Chinese field titles).
        zh = (
            f"{zh_lead(label)}无法导入为图层“{spec.id}”（{spec.title_zh}）：有 {len(errors)} 个错误；请在文件中修正，"
            f"或用 --map 源字段=目录字段 对应字段：\n{format_problems(check.problems)}"
        )
        raise SchemaError(msg, zh=zh)
    crs = "-" if not spec.has_geometry else crs_label(CRS.from_user_input(gdf.crs)) if gdf.crs is not None else "?"
    return _Prepared(
        gdf, tuple(read_notes) + tuple(notes), tuple(p for p in check.problems if p.severity != "error"), crs
    )


# --- versions ------------------------------------------------------------------------------


def _current_version(history: list[_gpkg.HistoryRow]) -> int | None:
    return history[-1].version if history else None


def _adopt_row(work: Path, layer_id: str) -> _gpkg.HistoryRow:
    """A layer that was in the store before any import becomes version 1 when first replaced."""
    info = pyogrio.read_info(work, layer=layer_id)
    return _gpkg.HistoryRow(
        layer=layer_id,
        version=1,
        action="adopt",
        recorded_at=_gpkg.now_text(),
        recorded_by=_gpkg.current_user(),
        features=int(info["features"]),
        crs=str(info["crs"]) if info["crs"] else None,
        note="导入前已存在于数据库 / in the store before version tracking",
    )


def _refuse_existing(store: Path, layer_id: str, history: list[_gpkg.HistoryRow]) -> None:
    current = _current_version(history)
    which = f"version {current}" if current else "not imported through this tool"
    msg = (
        f"zone store {store} already has layer {layer_id!r} ({which}); refusing to overwrite it. "
        "Add --replace (replace=True) to import a new version — the current one is kept and can be "
        "restored with `python -m zoning layers rollback`"
    )
    which_zh = f"版本 {current}" if current else "未经本工具导入"
    zh = (
        f"图层库 {store} 已有图层“{layer_id}”（{which_zh}），不会覆盖。如要导入新版本，请加 --replace（replace=True）"
        "——当前版本会保留，可用 `python -m zoning layers rollback` 恢复"
    )
    raise InputError(msg, zh=zh)


def _precheck(store: Path, layer_id: str, replace: bool) -> None:
    """Fail fast, before reading the source, on a store that is unusable or a layer that exists."""
    if not store.exists():
        return
    _gpkg.check_geopackage(store)
    if not replace and layer_id in {name for name, _ in _gpkg.list_tables(store)}:
        _refuse_existing(store, layer_id, _gpkg.read_history(store, layer_id))


def import_layer(
    store_path: str | Path,
    source_file: str | Path | bytes,
    *,
    layer_id: str,
    field_map: Mapping[str, str] | None = None,
    crs: str | int | None = None,
    legal_status: str = "法定",
    source: str | None = None,
    effective_date: str | date | None = None,
    version: str | None = None,
    replace: bool = False,
    source_layer: str | None = None,
    imported_by: str | None = None,
    filename: str | None = None,
    catalog: Catalog | str | Path | None = None,
    set_values: Mapping[str, str] | None = None,
    coverage_adcodes: str | Sequence[str] | None = None,
    coverage_from_features: bool = False,
    coverage_note: str | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one official layer into a zone store (created if it does not exist).

    Parameters
    ----------
    store_path
        The store GeoPackage.
    source_file
        Zipped Shapefile, Shapefile, GeoPackage, GeoJSON or KML (anything ``gis.io`` reads),
        as a path or as the bytes of an upload (then ``filename`` gives its name and format).
        For a layer without geometry (the access list): CSV, XLSX or a GeoPackage table,
        read by ``gis.tables.read_table`` (header found under title lines, merged cells
        filled, a wide table melted — ``layers/_table_import.py``).
    layer_id
        Catalogue layer to import as (``water_source``).
    field_map
        Source field -> catalogue field, e.g. ``{"名称": "name", "级别": "grade"}``.
    crs
        CRS of the source, overriding/supplying its own (``4526``, ``"EPSG:4547"``, .prj text).
    legal_status
        ``法定`` (official; fills features without a value) or ``示意`` (illustrative; set on all).
    source, effective_date, version
        Approving document, its date (YYYY-MM-DD) and a version label; fill features
        without a value. Without ``version`` the store's version number (``v3``) is used.
    replace
        Replace an existing layer; its current version is kept for ``rollback``.
    source_layer
        Layer of a multi-layer source (GeoPackage layer, shapefile in a zip).
    imported_by
        Who imports (default: the login name), for the history.
    filename
        Name of an uploaded file given as bytes (``水源保护区.zip``); recorded in the history.
    catalog
        A ``Catalog`` or catalogue file; None for data/catalog.yaml.
    set_values
        Field -> value for rows without one (``{"scope": "省级"}`` for a general list that
        has no scope column).
    coverage_adcodes, coverage_from_features, coverage_note
        Where the layer holds data (``layers.coverage``): admin codes (``"430902,430903"``),
        or the divisions of the store's admin layer that the imported features touch.
        Without either, a coverage the layer had is kept (the notes say so); a new layer
        then covers the store's whole admin extent.
    encoding
        Attribute text encoding of the source when it cannot be told (``GBK``, ``BIG5``).
    limits
        Resource limits of the read (``gis.limits.Limits``); default: those in force.
    value_map
        Catalogue field -> {value in the file: catalogue value}, applied before the
        catalogue's aliases (``{"grade": {"1": "一级", "2": "二级"}}``).
    dry_run
        Only check: read, map and validate everything (every problem raised as it would
        be) and say what the import would do, without writing anything (``written`` False).

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        Bad option (legal status, date, field map), or the layer exists and ``replace`` is False.
    SchemaError
        The mapped data does not fit the catalogue (every problem listed), or ``layer_id`` is unknown.
    DataSourceError, CRSError, GeometryError
        The source or the store cannot be read (from ``gis.io`` / the store).
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    spec = cat.layer(layer_id)
    store, src = Path(store_path), _Source.of(source_file, filename)
    date_text = _check_options(legal_status, effective_date)
    _precheck(store, layer_id, replace)
    read_options = {"crs": crs, "layer": source_layer, "encoding": encoding, "limits": limits}
    common = {"legal_status": legal_status, "source": source, "effective_date": date_text}
    wanted = _coverage_wanted(spec, coverage_adcodes, coverage_from_features, coverage_note)
    prepare: dict[str, Any] = {"read_options": read_options, "field_map": dict(field_map or {}), "set_values": dict(set_values or {}),
               "value_map": dict(value_map or {})}  # fmt: skip
    if dry_run:
        plan = _plan(store, layer_id, replace)
        prepared = _prepare(src, spec, cat, common={**common, "version": version or f"v{plan.version}"}, **prepare)
        return _result(store, layer_id, plan, prepared, src.sha256(prepared.gdf), None, (), written=False,
                       new_date=date_text)  # fmt: skip
    with _gpkg.edit_store(store) as work:
        plan = _plan(work, layer_id, replace, shown=store)
        names, rows, previous, new_version = plan.names, list(plan.rows), plan.previous, plan.version
        prepared = _prepare(src, spec, cat, common={**common, "version": version or f"v{new_version}"}, **prepare)
        if previous is not None and _gpkg.version_layer(layer_id, previous) not in names:
            _gpkg.copy_layer(work, layer_id, _gpkg.version_layer(layer_id, previous))
        _gpkg.write_layer(work, layer_id, prepared.gdf)
        rows.append(
            _gpkg.HistoryRow(
                layer=layer_id,
                version=new_version,
                action="replace" if layer_id in names else "import",
                recorded_at=_gpkg.now_text(),
                recorded_by=imported_by or _gpkg.current_user(),
                source_file=src.name,
                source_sha256=src.sha256(prepared.gdf),
                features=len(prepared.gdf),
                crs=prepared.crs,
                legal_status=legal_status,
                source=source,
                effective_date=date_text,
                label=version,
            )
        )
        _gpkg.append_history(work, rows)
        coverage, coverage_notes = _record_coverage(work, cat, spec, prepared.gdf, wanted, coverage_from_features)
    return _result(store, layer_id, plan, prepared, rows[-1].source_sha256 or "", coverage, coverage_notes, written=True,
                   new_date=date_text)  # fmt: skip


@dataclass(frozen=True)
class _Plan:
    """What an import into a store will do: its version number, the version it replaces."""

    names: set[str]
    history: list[_gpkg.HistoryRow]
    rows: tuple[_gpkg.HistoryRow, ...]  # an adopt row for a layer that predates version tracking
    previous: int | None
    version: int
    previous_effective: str | None


def _plan(path: Path, layer_id: str, replace: bool, *, shown: Path | None = None) -> _Plan:
    names = {name for name, _ in _gpkg.list_tables(path)} if path.exists() else set()
    history = _gpkg.read_history(path, layer_id) if path.exists() else []
    exists = layer_id in names
    if exists and not replace:
        _refuse_existing(shown or path, layer_id, history)
    rows = (_adopt_row(path, layer_id),) if exists and not history else ()
    previous = _current_version(history + list(rows)) if exists else None
    periods = {p.version: p for p in timeline.periods_of(layer_id, history, present=exists, kept=set())}
    effective = periods[previous].effective_date if previous in periods else None
    return _Plan(names, history, rows, previous, max((r.version for r in history + list(rows)), default=0) + 1, effective)


def _result(
    store: Path, layer_id: str, plan: _Plan, prepared: _Prepared, sha256: str, coverage: LayerCoverage | None,
    coverage_notes: tuple[Text, ...], *, written: bool, new_date: str | None,
) -> ImportResult:  # fmt: skip
    notes = prepared.notes + coverage_notes
    if plan.previous_effective and new_date and new_date < plan.previous_effective:
        notes += (
            Text(f"注意：新版本生效日期 {new_date} 早于所替换版本 v{plan.previous} 的 {plan.previous_effective}",
                 f"note: the new version's effective date {new_date} is before that of v{plan.previous} it replaces "
                 f"({plan.previous_effective}); from {new_date} on the new version is in force"),
        )  # fmt: skip
    return ImportResult(
        store=store, layer=layer_id, version=plan.version, replaced_version=plan.previous, features=len(prepared.gdf),
        crs=prepared.crs, legal_status=_layer_status(prepared.gdf), source_sha256=sha256, notes=notes,
        warnings=prepared.warnings, coverage=coverage, written=written,
    )  # fmt: skip


def _coverage_wanted(
    spec: LayerSpec, adcodes: str | Sequence[str] | None, from_features: bool, note: str | None
) -> LayerCoverage | None:
    """The coverage record asked for by codes (checked before anything is read), else None."""
    given = adcodes is not None and (not isinstance(adcodes, str) or adcodes.strip())
    if given and from_features:
        msg = "give either coverage admin codes or coverage from the features, not both"
        raise InputError(msg, zh="覆盖范围：行政区划代码与“按要素所在行政区”二者只能选一")
    if (given or from_features) and not spec.has_geometry:
        msg = f"layer {spec.id!r} has no geometry; it has no coverage of its own"
        raise InputError(msg, zh=f"图层“{spec.id}”没有几何，不记录覆盖范围")
    return coverage_record(spec.id, adcodes=adcodes, note=note) if given else None


def _record_coverage(
    work: Path, catalog: Catalog, spec: LayerSpec, frame: pd.DataFrame, wanted: LayerCoverage | None, from_features: bool
) -> tuple[LayerCoverage | None, tuple[Text, ...]]:
    """Write the coverage asked for; otherwise keep (and say) what the layer had."""
    if from_features:
        wanted = _coverage_of_features(work, catalog, spec, frame)
    if wanted is not None:
        write_coverage(work, [wanted])
        codes = "、".join(wanted.adcodes)
        return wanted, (Text(f"覆盖范围：{codes}", f"coverage recorded: {', '.join(wanted.adcodes)}"),)
    if not spec.has_geometry:
        return None, ()
    kept = read_coverage(work).get(spec.id)
    if kept is not None:
        codes = ", ".join(kept.adcodes) or "extent"
        return kept, (Text(f"沿用原覆盖范围：{codes}", f"previous coverage kept: {codes}"),)
    return None, (Text("覆盖范围：图层库全部行政区", "coverage: the store's whole admin extent"),)


def _coverage_of_features(work: Path, catalog: Catalog, spec: LayerSpec, frame: pd.DataFrame) -> LayerCoverage:
    """The divisions of the store's admin layer that the imported features touch."""
    admin_id = catalog.role_layer("admin")
    names = {name for name, _ in _gpkg.list_tables(work)} if work.exists() else set()
    if admin_id is None or admin_id not in names:
        msg = f"coverage from the features needs the store's admin layer ({admin_id or 'admin'}); import it first or give admin codes"
        zh = f"按要素所在行政区记录覆盖范围需要图层库中的行政区划图层（{admin_id or 'admin'}）；请先导入，或直接给出行政区划代码"
        raise InputError(msg, zh=zh)
    admin, _ = _gpkg.read_layer(work, admin_id)
    features = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=frame.crs)
    if admin.crs is not None and features.crs is not None and not features.crs.equals(admin.crs):
        features = features.to_crs(admin.crs)
    hit = admin.iloc[np.unique(features.sindex.query(admin.geometry, predicate="intersects")[0])]
    codes = [str(c).strip() for c in hit["adcode"] if str(c).strip()]
    if not codes:
        msg = f"the features of layer {spec.id!r} touch no division of the store's admin layer"
        raise InputError(msg, zh=f"图层“{spec.id}”的要素不在图层库任何行政区内")
    return LayerCoverage(spec.id, tuple(codes), None, "按导入要素所在行政区 / divisions the imported features touch")


def _layer_status(gdf: pd.DataFrame) -> str:
    values = set(gdf["legal_status"].astype(str))
    return values.pop() if len(values) == 1 else "混合"


def list_versions(
    store_path: str | Path, layer_id: str, *, catalog: Catalog | str | Path | None = None
) -> tuple[LayerVersion, ...]:
    """Versions of ``layer_id`` in a store, oldest first.

    A layer that was in the store before any import is listed as version 1 (``adopt``).
    A store or layer without history gives an empty tuple when the layer is absent.

    Raises
    ------
    DataSourceError
        If the store is missing or not a GeoPackage.
    SchemaError
        If ``layer_id`` is not a catalogue layer.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    cat.layer(layer_id)
    store = Path(store_path)
    _gpkg.check_geopackage(store)
    names = {name for name, _ in _gpkg.list_tables(store)}
    history = _gpkg.read_history(store, layer_id)
    if not history and layer_id in names:
        history = [_adopt_row(store, layer_id)]
    current = _current_version(history) if layer_id in names else None
    kept = {n for lid, n in filter(None, map(_gpkg.parse_version_layer, names)) if lid == layer_id}
    periods = {p.version: p for p in timeline.periods_of(layer_id, history, present=layer_id in names, kept=kept)}
    out: list[LayerVersion] = []
    for row in history:
        if row.action not in _VERSION_ACTIONS:
            continue
        available = row.version == current or _gpkg.version_layer(layer_id, row.version) in names
        period = periods.get(row.version)
        out.append(
            LayerVersion(
                layer=row.layer,
                version=row.version,
                action=row.action,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                source_file=row.source_file,
                source_sha256=row.source_sha256,
                features=row.features,
                crs=row.crs,
                legal_status=row.legal_status,
                source=row.source,
                effective_date=row.effective_date,
                label=row.label,
                current=row.version == current,
                available=available,
                ceased_date=period.ceased_date if period else None,
                withdrawn=period.withdrawn if period else False,
            )
        )
    return tuple(out)


def rollback(
    store_path: str | Path,
    layer_id: str,
    version: int,
    *,
    rolled_back_by: str | None = None,
    catalog: Catalog | str | Path | None = None,
) -> RollbackResult:
    """Make a kept version of ``layer_id`` current again; the version it replaces is kept.

    Raises
    ------
    InputError
        If the layer has no such version, or it is already the current one.
    DataSourceError
        If the store cannot be read or the kept copy of that version is missing.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    cat.layer(layer_id)
    store = Path(store_path)
    _gpkg.check_geopackage(store)
    with _gpkg.edit_store(store) as work:
        versions = {v.version: v for v in list_versions(work, layer_id, catalog=cat)}
        listed = ", ".join(f"v{n}" for n in sorted(versions)) or "none"
        target = versions.get(int(version))
        if target is None:
            msg = f"layer {layer_id!r} of {store} has no version {version}; versions: {listed}"
            listed_zh = "、".join(f"v{n}" for n in sorted(versions)) or "无"
            raise InputError(msg, zh=f"{store} 的图层“{layer_id}”没有版本 {version}；现有版本：{listed_zh}")
        if target.current:
            msg = f"version {version} of layer {layer_id!r} is already the current one; versions: {listed}"
            listed_zh = "、".join(f"v{n}" for n in sorted(versions))
            raise InputError(msg, zh=f"图层“{layer_id}”的版本 {version} 已是当前版本；现有版本：{listed_zh}")
        kept = _gpkg.version_layer(layer_id, target.version)
        names = {name for name, _ in _gpkg.list_tables(work)}
        if kept not in names:
            msg = f"zone store {store} no longer holds layer {kept!r}, the kept copy of version {version}; it cannot be restored"
            zh = f"图层库 {store} 中已没有版本 {version} 的保留副本“{kept}”，无法恢复"
            raise DataSourceError(msg, zh=zh)
        previous = next(v.version for v in versions.values() if v.current) if layer_id in names else 0
        if previous and _gpkg.version_layer(layer_id, previous) not in names:
            _gpkg.copy_layer(work, layer_id, _gpkg.version_layer(layer_id, previous))
        features = _gpkg.copy_layer(work, kept, layer_id)
        _gpkg.drop_layer(work, kept)
        _gpkg.append_history(
            work,
            [
                _gpkg.HistoryRow(
                    layer=layer_id,
                    version=target.version,
                    action="rollback",
                    recorded_at=_gpkg.now_text(),
                    recorded_by=rolled_back_by or _gpkg.current_user(),
                    features=features,
                    crs=target.crs,
                    legal_status=target.legal_status,
                    note=f"由 v{previous} 回退 / rolled back from v{previous}",
                )
            ],
        )
    return RollbackResult(
        store=store, layer=layer_id, version=target.version, previous_version=previous, features=features
    )
