"""The 图层管理 page's parts (admin): an official file's fields and values mapped to the
catalogue, checked before anything is written, imported through ``layers.importer`` (atomic,
a version kept per import), the versions with their dates, two versions compared on a map,
and a rollback.

Everything an admin does here reads files under the readers' general limits
(``gis.limits``, the command line's), not the public visitor's stricter ones: official
layers run to 10⁵ polygons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from gis.errors import PlanningError
from gis.limits import Limits, limits_in_force
from layers.catalog import Catalog, FieldSpec
from layers.importer import ImportResult, LayerVersion
from layers.mapping import distinct_values, propose_fields, propose_values
from ui.escape import md_text
from ui.i18n import pick, t

__all__ = ["SourcePreview", "ImportChoice", "preview_upload", "mapping_form", "import_options", "check_import",
           "run_import", "versions_frame", "show_diff", "ADMIN_UPLOAD_TYPES", "admin_limits", "is_read_only",
           "problem_lines", "show_problems"]  # fmt: skip

#: What the layer manager takes: zipped Shapefile or FileGDB, GeoPackage, GeoJSON, KML/KMZ,
#: DXF, and CSV/XLSX for the access list.
ADMIN_UPLOAD_TYPES = ["zip", "gpkg", "geojson", "json", "kml", "kmz", "dxf", "csv", "xlsx"]
_NONE = ""
#: Distinct values listed for mapping, most frequent first.
_VALUES_SHOWN = 60


def admin_limits() -> Limits:
    """The readers' limits for an admin's files: the command line's (``ZONING_MAX_*``)."""
    return Limits.from_env()


def is_read_only(store_path: str | Path) -> bool:
    """The embedded illustrative store (in the checkout or the package) is never written by the app."""
    from layers.paths import DEFAULT_STORE

    try:
        return Path(store_path).resolve() == DEFAULT_STORE.resolve()
    except OSError:
        return True


@dataclass(frozen=True)
class SourcePreview:
    """An uploaded file as read: its columns, a few rows and the distinct values per column."""

    name: str
    layers: tuple[str, ...]
    layer: str | None
    count: int
    crs: str
    columns: tuple[str, ...]
    frame: pd.DataFrame = field(repr=False)


def preview_upload(data: bytes, name: str, layer: str | None, has_geometry: bool) -> SourcePreview:
    """Read the upload (as the importer will) to offer its columns and values for mapping.

    Raises
    ------
    PlanningError
        The file cannot be read (named, with what was expected).
    """
    from gis.io import list_layers, read_features
    from gis.tables import read_table

    with limits_in_force(admin_limits()):
        lower = name.lower()
        layers: tuple[str, ...] = ()
        if has_geometry and lower.endswith((".gpkg", ".zip", ".kml", ".kmz")):
            layers = tuple(info.name for info in list_layers(data, filename=name))
        if has_geometry:
            fs = read_features(data, filename=name, layer=layer or (layers[0] if len(layers) > 1 else None))
            frame = pd.DataFrame(fs.gdf.drop(columns=fs.gdf.geometry.name))
            crs = fs.input_crs
        else:
            table = read_table(data, filename=name, sheet=layer)
            frame, crs = table.frame, "-"
    return SourcePreview(name, layers, layer, len(frame), crs, tuple(str(c) for c in frame.columns), frame)


@dataclass(frozen=True)
class ImportChoice:
    """What the admin chose: the field map and value map, the dates and documents."""

    field_map: Mapping[str, str]
    value_map: Mapping[str, Mapping[str, str]]
    effective_date: str | None
    source: str | None
    version: str | None
    legal_status: str

    def signature(self) -> tuple[Any, ...]:
        return (tuple(sorted(self.field_map.items())),
                tuple(sorted((k, tuple(sorted(v.items()))) for k, v in self.value_map.items())),
                self.effective_date, self.source, self.version, self.legal_status)  # fmt: skip


def _field_label(name: str, spec: FieldSpec) -> str:
    title = pick(spec.title_zh, spec.title_en) or name
    return f"{title}（{name}）" + (" *" if spec.required else "")


def _value_choices(spec: FieldSpec, column: pd.Series, key: str) -> dict[str, str]:
    """Per distinct value of the column: the catalogue value it means (aliases pre-filled);
    the values that differ from what the file says."""
    values, more = distinct_values(column, limit=_VALUES_SHOWN)
    proposed = propose_values(values, spec)
    options = [_NONE, *spec.allowed]
    out: dict[str, str] = {}
    cols = st.columns(3)
    for i, value in enumerate(values):
        guess = proposed.get(value)
        chosen = cols[i % 3].selectbox(
            md_text(value), options=options, index=options.index(guess) if guess in options else 0,
            format_func=lambda v: v or t("layers.value_unmapped"), key=f"{key}.{i}",
        )  # fmt: skip
        if chosen and chosen != value:
            out[value] = chosen
    if more:
        st.caption(t("layers.more_values", n=_VALUES_SHOWN))
    return out


def mapping_form(preview: SourcePreview, catalog: Catalog, layer_id: str, key: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The catalogue's fields, each with the file's column proposed for it; for fields with
    a list of values, the file's values each mapped to one. Returns (field map source ->
    field, value map field -> {value: catalogue value})."""
    fields = {n: s for n, s in catalog.fields_of(layer_id).items() if n not in ("legal_status", "effective_date", "version")}
    proposed = propose_fields(list(preview.columns), fields)
    options = [_NONE, *preview.columns]
    field_map: dict[str, str] = {}
    value_map: dict[str, dict[str, str]] = {}
    ordered = sorted(fields.items(), key=lambda item: (not item[1].required, item[0]))
    cols = st.columns(3)
    for i, (name, spec) in enumerate(ordered):
        guess = proposed.get(name, _NONE)
        column = cols[i % 3].selectbox(_field_label(name, spec), options=options, index=options.index(guess),
                                       format_func=lambda c: md_text(c) if c else t("layers.no_column"),
                                       key=f"{key}.field.{name}")  # fmt: skip
        if column:
            field_map[column] = name
    for column, name in field_map.items():
        spec = fields[name]
        if not spec.values:
            continue
        with st.expander(t("layers.values_of", field=_field_label(name, spec), column=md_text(column)), expanded=True):
            chosen = _value_choices(spec, preview.frame[column], f"{key}.value.{name}")
            if chosen:
                value_map[name] = chosen
    return {c: n for c, n in field_map.items() if c != n}, value_map


def import_options(key: str) -> tuple[str | None, str | None, str | None, str]:
    """Effective date, approving document, version label and legal status."""
    cols = st.columns(4)
    day = cols[0].date_input(t("layers.effective_date"), key=f"{key}.date", value=None, format="YYYY-MM-DD",
                             min_value=dt.date(1980, 1, 1))  # fmt: skip
    source = cols[1].text_input(t("layers.source_doc"), key=f"{key}.source", placeholder="湘政函〔2016〕176号")
    version = cols[2].text_input(t("layers.version_label"), key=f"{key}.version", placeholder="2024年调整")
    status = cols[3].radio(t("layers.legal_status"), options=["法定", "示意"], key=f"{key}.status", horizontal=True)
    return (day.isoformat() if isinstance(day, dt.date) else None, source.strip() or None, version.strip() or None,
            str(status))  # fmt: skip


def _import(store: str, data: bytes, name: str, layer_id: str, layer: str | None, choice: ImportChoice, catalog: Catalog,
            *, dry_run: bool, by: str, replace: bool) -> ImportResult:  # fmt: skip
    from layers.importer import import_layer

    with limits_in_force(admin_limits()):
        return import_layer(
            store, data, filename=name, layer_id=layer_id, source_layer=layer, field_map=dict(choice.field_map),
            value_map={k: dict(v) for k, v in choice.value_map.items()}, effective_date=choice.effective_date,
            source=choice.source, version=choice.version, legal_status=choice.legal_status, replace=replace,
            imported_by=by, catalog=catalog, dry_run=dry_run,
        )  # fmt: skip


def check_import(store: str, data: bytes, name: str, layer_id: str, layer: str | None, choice: ImportChoice,
                 catalog: Catalog, *, by: str, replace: bool) -> ImportResult:  # fmt: skip
    """Everything the import would do, nothing written (``import_layer(dry_run=True)``).

    Raises
    ------
    PlanningError
        Every problem of the mapped data at once (``SchemaError``), or a bad option.
    """
    return _import(store, data, name, layer_id, layer, choice, catalog, dry_run=True, by=by, replace=replace)


def run_import(store: str, data: bytes, name: str, layer_id: str, layer: str | None, choice: ImportChoice,
               catalog: Catalog, *, by: str, replace: bool,
               progress: Callable[[float, str], object]) -> ImportResult:  # fmt: skip
    """The import, in stages the progress bar shows: check, write (atomic), then the public
    map's tiles of the new store version, written in the background."""
    progress(0.1, t("layers.stage_check"))
    _import(store, data, name, layer_id, layer, choice, catalog, dry_run=True, by=by, replace=replace)
    progress(0.45, t("layers.stage_write"))
    result = _import(store, data, name, layer_id, layer, choice, catalog, dry_run=False, by=by, replace=replace)
    progress(0.9, t("layers.stage_tiles"))
    _rebuild_tiles(store)
    progress(1.0, t("layers.stage_done"))
    return result


def _rebuild_tiles(store: str) -> None:
    from ui.cache import file_ref
    from ui.static_cache import tile_build

    try:
        ref = file_ref(store)
        tile_build(ref.path, ref.sha256)
    except PlanningError:
        pass  # the public page says what is wrong with the store


def versions_frame(versions: Sequence[LayerVersion]) -> pd.DataFrame:
    """The versions of a layer as the page lists them (newest first)."""
    rows = []
    for v in reversed(versions):
        state = t("layers.v_current") if v.current else t("layers.v_withdrawn") if v.withdrawn else ""
        rows.append({
            t("layers.col_version"): f"v{v.version}" + (f"（{v.label}）" if v.label else ""),
            t("layers.col_state"): state,
            t("layers.col_effective"): v.effective_date or "—",
            t("layers.col_ceased"): v.ceased_date or "—",
            t("layers.col_imported"): f"{v.recorded_at[:16].replace('T', ' ')} · {v.recorded_by}",
            t("layers.col_file"): v.source_file or "—",
            t("layers.col_features"): v.features if v.features is not None else "",
            t("layers.col_source"): v.source or "—",
            t("layers.col_restorable"): t("layers.yes") if v.available else t("layers.no"),
        })  # fmt: skip
    return pd.DataFrame(rows)


def show_diff(store_path: str, layer_id: str, v1: int, v2: int, catalog: Catalog) -> None:
    """Two versions compared (``layers.diff``): features added, removed, changed; area gained
    and lost per zone value; the changed areas on a map.

    Raises
    ------
    PlanningError
        A version that is no longer kept, or a store that cannot be read.
    """
    from streamlit_folium import st_folium

    from layers.diff import diff_versions
    from ui.cache import get_base_display
    from ui.components import build_map
    from ui.i18n import lang

    diff = diff_versions(store_path, layer_id, v1, v2, catalog=catalog)
    counts = (("added", diff.added), ("removed", diff.removed), ("changed", diff.changed), ("unchanged", diff.unchanged))
    for col, (label, value) in zip(st.columns(4), counts, strict=True):
        col.metric(t(f"layers.f_{label}"), value)
    unit = {"m2": "m²", "m": "m", "count": ""}
    st.dataframe(pd.DataFrame({
        t("layers.zone"): [z.zone or "—" for z in diff.zones],
        t("layers.gained"): [f"{z.gained:,.1f} {unit[z.unit]}" for z in diff.zones],
        t("layers.lost"): [f"{z.lost:,.1f} {unit[z.unit]}" for z in diff.zones],
    }), hide_index=True, width="stretch")  # fmt: skip
    areas = diff.changed_areas
    shapes = [(g, str(c), f"{z or '—'} · {t('layers.' + str(c))}")
              for g, c, z in zip(areas.geometry, areas["change"], areas["zone"], strict=True)]  # fmt: skip
    bounds = tuple(float(b) for b in areas.total_bounds) if len(areas) else None
    m = build_map(lang=lang(), bounds=bounds, base=get_base_display(), changes=shapes, legend=False, height=460)
    st_folium(m, key=f"layers.diff_map.{layer_id}.{v1}.{v2}", height=460, use_container_width=True, returned_objects=[])


def problem_lines(err: PlanningError) -> list[str]:
    """The lines of an import's message (the problem list keeps one problem per line), in the
    page's language, server paths shortened; raw text, to be shown escaped."""
    from ui.boundary import scrub_paths
    from ui.i18n import lang

    return [line.strip() for line in scrub_paths(err.message(lang())).splitlines() if line.strip()]


def show_problems(lines: Sequence[str]) -> None:
    """Every problem found, each on its own line, shown as text."""
    st.error(t("layers.problems"), icon=":material/error:")
    head, *rest = lines or [""]
    st.markdown(md_text(head))
    if rest:
        st.markdown("\n".join(f"- {md_text(line.lstrip('- '))}" for line in rest))
