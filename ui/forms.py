"""Form widgets several pages share: project type and its attributes, CRS choice, file upload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import streamlit as st

from gis.crs import gk_zone
from gis.errors import PlanningError
from gis.io import SUPPORTED_EXTENSIONS
from ui import state
from ui.escape import md_text
from ui.i18n import labeller, lang, one_language, pick, t
from ui.inputs import COORD_CRS_CHOICES, ParsedInput, guess_zone, list_upload_layers, read_upload
from zoning.columns import TYPE_COLUMNS

__all__ = ["type_picker", "attribute_inputs", "carry_from_file", "crs_picker", "zone_offer", "upload_input", "UPLOAD_TYPES"]

#: File extensions the uploaders accept: every one gis.io.read_features reads from a single
#: file (a bare .shp needs its sidecars and a .gdb is a folder: both come zipped; .txt is a
#: 界址点坐标 file or coordinate text). Taken from the reader's own table, so a format it
#: learns is never refused by the browser before the reader sees it (Streamlit's English
#: "files are not allowed").
UPLOAD_TYPES = [ext.lstrip(".") for ext in SUPPORTED_EXTENSIONS if ext not in (".shp", ".gdb")]
_AUTO = ""
_T = TypeVar("_T")


def type_picker(types: Any, *, key: str) -> str | None:
    """A project-type select box, grouped (农业 · 畜禽规模养殖场...), None until chosen."""
    keys = sorted(types.keys, key=lambda k: (types.types[k].group_zh, k))

    language = lang()  # captured: format functions may be called outside the script run

    def label(k: str) -> str:
        pt = types.types[k]
        group = pick(pt.group_zh, pt.group_en, language)
        return f"{group} · {pt.label(language)}" if group else pt.label(language)

    return st.selectbox(
        t("form.type"), options=keys, index=None, format_func=label, key=key, placeholder=t("form.type_placeholder"),
        help=t("form.type_help"),
    )  # fmt: skip


def attribute_inputs(types: Any, type_key: str, *, prefix: str) -> dict[str, Any]:
    """Inputs for the attributes that matter for ``type_key`` only; returns the given values.

    An int attribute without a default (scale_head) starts empty: the rules then say it is
    missing rather than assuming a number the planner never gave.
    """
    values: dict[str, Any] = {}
    for spec in types.attributes_of(type_key):
        key = state.attr_key(prefix, type_key, spec.name)
        label = pick(spec.label_zh, spec.label_en)
        help_text = pick(spec.help_zh, spec.help_en) or None
        if spec.threshold is not None:
            help_text = f"{help_text or ''}\n\n{t('form.threshold')}: {pick(spec.threshold_label_zh, spec.threshold_label_en)}"
        # A value put in the session beforehand (carried from a file) is the widget's start:
        # giving a default as well would make Streamlit warn that there are two.
        preset = key in st.session_state
        if spec.type == "int":
            start: dict[str, Any] = {} if preset else {"value": spec.default}
            value = st.number_input(label, min_value=spec.min or 0, step=1, key=key, help=help_text,
                                    placeholder=t("form.int_placeholder"), **start)  # fmt: skip
            if value is not None:
                values[spec.name] = int(value)
        elif spec.type == "choice":
            options = list(spec.values)
            index: dict[str, Any] = {} if preset else {"index": options.index(spec.default) if spec.default in options else 0}
            choice = st.selectbox(label, options=options, format_func=_value_labeller(spec), key=key, help=help_text,
                                  **index)  # fmt: skip
            values[spec.name] = choice
        else:
            toggle: dict[str, Any] = {} if preset else {"value": bool(spec.default)}
            values[spec.name] = st.toggle(label, key=key, help=help_text, **toggle)
    return values


def carry_from_file(parsed: ParsedInput, types: Any, *, type_key: str | None, type_widget: str, prefix: str) -> list[str]:
    """What a one-feature file says of its project, put into the form once per file: its
    type (a 类型 column) into the type box when none is chosen yet, and its attribute cells
    (存栏 = 3000, by attribute name, label or alias) into the attribute inputs of the type.
    Returns one line per value carried (and per cell that could not be read), for the page
    to show; the planner can still change every value.
    """
    from gis.errors import InputError
    from zoning.project_types import attribute_columns, match_column, parse_attribute_value

    gdf = parsed.features.gdf
    if len(gdf) != 1 or not parsed.columns:
        return []
    row = gdf.iloc[0]
    signature = (parsed.label, parsed.features.gdf.geometry.iloc[0].wkb_hex[:64])
    if st.session_state.get(f"{prefix}carried_type") != signature:
        st.session_state[f"{prefix}carried_type"] = signature
        column = match_column(parsed.columns, TYPE_COLUMNS)
        try:
            if column and st.session_state.get(type_widget) is None and str(row[column]).strip():
                st.session_state[type_widget] = types.resolve(str(row[column]))
        except InputError:
            pass  # an unknown type in the file: the planner picks one
    if type_key is None:
        return []
    lines: list[str] = []
    fresh = st.session_state.get(f"{prefix}carried") != (signature, type_key)
    st.session_state[f"{prefix}carried"] = (signature, type_key)
    for spec in types.attributes_of(type_key):
        column = attribute_columns(parsed.columns, spec)
        value = row[column] if column else None
        if column is None or value is None or value != value or not str(value).strip():
            continue
        label = pick(spec.label_zh, spec.label_en)
        try:
            parsed_value = parse_attribute_value(spec, value, source=column)
        except InputError as err:
            lines.append(t("form.carried_bad", label=label, column=column, error=err.message(lang())))
            continue
        if fresh:
            st.session_state[state.attr_key(prefix, type_key, spec.name)] = parsed_value
        lines.append(t("form.carried", label=label, value=spec.value_label(parsed_value, lang()), column=column))
    return lines


def _value_labeller(spec: Any) -> Any:
    """A choice attribute's values in the user's language (captured: format functions may be
    called outside the script run)."""
    language = lang()
    return lambda value: spec.value_label(value, language)


def _extra_key(key: str) -> str:
    """Session key of the codes a zone guess added to the choice ``key`` (a 6-degree zone)."""
    return f"{key}.extra"


def _crs_labeller() -> Callable[[str], str]:
    language = lang()  # captured: format functions may be called outside the script run
    label = labeller("crs.")

    def fmt(value: str) -> str:
        zone = gk_zone(value) if value.upper().startswith("EPSG:") else None
        if zone is not None:
            return zone.text.pick(language)
        if value and value not in COORD_CRS_CHOICES:
            return value  # a code a zone guess added (a 6-degree zone)
        return label(value or "auto")

    return fmt


def crs_picker(*, key: str, allow_auto: bool) -> str | None:
    """Coordinate system choice: CGCS2000 / WGS84 / GCJ-02 (高德) / BD-09 (百度) / the
    Gauss-Kruger zones over Hunan by code and name [/ from the file]."""
    options = ([_AUTO] if allow_auto else []) + list(COORD_CRS_CHOICES) + list(st.session_state.get(_extra_key(key), []))
    choice = st.selectbox(t("form.crs"), options=options, format_func=_crs_labeller(), key=key,
                          help=t("form.crs_help"))  # fmt: skip
    return choice or None


def _use_crs(key: str, code: str) -> None:
    """Button callback (runs before the next page run, when the select box may still be set)."""
    if code not in COORD_CRS_CHOICES:
        extra = st.session_state.setdefault(_extra_key(key), [])
        if code not in extra:
            extra.append(code)
    st.session_state[key] = code


def zone_offer(text: str, *, crs: str | None, key: str) -> bool:
    """Offer the Gauss-Kruger zone typed X/Y are likely in (``ui.inputs.guess_zone``, the core's
    guess) when the choice ``key`` does not fit them: one button for a zone the numbers name,
    one per candidate when they leave a choice. True when the page should not read the
    coordinates with ``crs`` yet (the planner is being asked)."""
    guess = guess_zone(text) if text and text.strip() else None
    if guess is None:
        return False
    chosen = gk_zone(crs) if crs else None
    if chosen is not None and chosen.epsg in guess.candidates:
        return False
    detail = md_text(one_language(guess.text))
    if not guess.candidates:
        st.warning(detail, icon=":material/explore_off:")
        return chosen is None  # a zone chosen: reading says what does not fit
    if guess.certain:
        st.info(t("zone_guess.certain", detail=detail), icon=":material/explore:")
    else:
        st.warning(t("zone_guess.choose", detail=detail), icon=":material/explore:")
    cols = st.columns(len(guess.candidates))
    for col, code in zip(cols, guess.candidates, strict=True):
        col.button(t("zone_guess.use", code=f"EPSG:{code}"), key=f"{key}.use_{code}", on_click=_use_crs,
                   args=(key, f"EPSG:{code}"), type="primary" if guess.certain else "secondary")  # fmt: skip
    return True


def upload_input(*, key: str, layer_key: str, crs_key: str, help_key: str, table_columns: bool = False) -> ParsedInput | None:
    """File upload with GeoPackage layer choice and an optional CRS override; with
    ``table_columns``, a CSV or workbook's coordinate columns are shown and may be mapped
    (``jd``/``wd``, ``东坐标``/``北坐标``, ``X``/``Y`` are proposed; Gauss-Kruger X/Y
    with the zone chosen) — widget keys ``<key>.x_col`` / ``<key>.y_col``.

    Raises
    ------
    PlanningError
        If the file cannot be read (the page shows the message).
    """
    upload = st.file_uploader(t("form.upload"), type=UPLOAD_TYPES, key=key, help=t(help_key))
    if upload is None:
        return None
    layer = None
    if upload.name.lower().endswith((".gpkg", ".zip", ".kml", ".kmz")):
        layers = _read_once(f"{key}.layers", (upload.file_id,), lambda: list_upload_layers(upload.getvalue(), filename=upload.name))
        if len(layers) > 1:
            layer = st.selectbox(t("form.layer"), options=layers, key=layer_key)
    columns = None
    if table_columns and upload.name.lower().endswith((".csv", ".xlsx")):
        columns, crs = _table_coordinates(upload, key=key, crs_key=crs_key)
    else:
        with st.expander(t("form.crs_override")):
            crs = crs_picker(key=crs_key, allow_auto=True)
    return _read_once(f"{key}.parsed", (upload.file_id, layer, crs, columns),
                      lambda: read_upload(upload.getvalue(), filename=upload.name, layer=layer, crs=crs, columns=columns))  # fmt: skip


def _table_coordinates(upload: Any, *, key: str, crs_key: str) -> tuple[tuple[str, str] | None, str | None]:
    """A table's coordinate columns and their coordinate system, as the reviewer confirms
    them: the columns the reader recognises by name are proposed; any two may be chosen.
    Returns ((x, y) or None for "as recognised", CRS or None for "as the file says")."""
    from gis.io import coordinate_columns
    from gis.tables import read_table
    from ui.search import crs_label
    from zoning.search import search_crs_choices

    header = _read_once(f"{key}.header", (upload.file_id,),
                        lambda: [str(c) for c in read_table(upload.getvalue(), filename=upload.name).frame.columns])  # fmt: skip
    proposed = coordinate_columns(header)
    options = ["", *header]
    with st.expander(t("form.xy_title"), expanded=proposed is None, icon=":material/my_location:"):
        st.caption(t("form.xy_help"))
        cols = st.columns(3)
        picked = [
            cols[i].selectbox(t(label), options=options, index=options.index(proposed[i]) if proposed else 0,
                              format_func=lambda c: c or t("form.xy_none"), key=f"{key}.{axis}_col")  # fmt: skip
            for i, (axis, label) in enumerate((("x", "form.x_col"), ("y", "form.y_col")))
        ]
        crs_options = ["", *search_crs_choices()]
        crs = cols[2].selectbox(t("form.crs"), options=crs_options, format_func=lambda c: crs_label(c) if c else t("crs.auto"), key=crs_key,
                                help=t("form.xy_crs_help"))  # fmt: skip
    columns = (picked[0], picked[1]) if picked[0] and picked[1] else None
    return columns, crs or None


def _read_once(memo: str, signature: tuple[Any, ...], read: Callable[[], _T]) -> _T:
    """``read()`` once per upload and choice (Streamlit runs the page again on every click):
    the answer — or the error — is kept in the session, and reading is a heavy job (queued,
    ``ui.jobs``). An upload that failed is not read again until the file or choice changes."""
    from ui.jobs import heavy_job

    kept = st.session_state.get(memo)
    if kept is not None and kept[0] == signature:
        if isinstance(kept[1], PlanningError):
            raise kept[1]
        return cast(_T, kept[1])
    try:
        with heavy_job():
            value = read()
    except PlanningError as err:
        st.session_state[memo] = (signature, err)
        raise
    st.session_state[memo] = (signature, value)
    return value
