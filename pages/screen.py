"""项目筛查 Screen: one project — where it is, what it is, and what the zones say about it."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

from ui import state
from ui.cache import get_base_display, get_rules, get_store, layer_titles, rules_key, store_ref, zone_views
from ui.components import build_map
from ui.escape import md_text, safe_filename
from ui.forms import attribute_inputs, carry_from_file, crs_picker, type_picker, upload_input, zone_offer
from ui.frame import require_frame
from ui.i18n import labeller, lang, t, tr
from ui.inputs import (
    GEOM_KINDS,
    NAME_COLUMNS,
    ParsedInput,
    feature_name,
    measure,
    read_drawing,
    read_typed,
    to_projects,
)
from ui.pagekit import result_map_for, show_errors, show_parsed, stop_on_error
from ui.results import downloads, render_result
from ui.saving import as_of_choice, save_box, store_as_of
from ui.screening import screen_memo
from ui.search import SearchKeys, located_map, search_box
from ui.sidebar import online_tiles

_SEARCH = SearchKeys("screen")

require_frame("screen")
st.title(t("screen.title"))
st.caption(t("screen.intro"))

with stop_on_error():
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    rules = get_rules(*rules_key())
types = rules.project_types

# --- ① where -----------------------------------------------------------------------------
st.subheader(t("screen.step_where"))
mode = st.radio(
    t("screen.input_mode"), options=["draw", "upload", "typed"], format_func=labeller("screen.mode_"),
    horizontal=True, key=state.SCREEN_INPUT_MODE, label_visibility="collapsed",
)  # fmt: skip


def _draw_input() -> ParsedInput | None:
    with show_errors():
        search_box(_SEARCH)
    st.caption(t("screen.draw_help"))
    drawn = st.session_state.get(state.SCREEN_DRAWN)
    parsed = read_drawing(drawn) if drawn else None
    bounds = None
    if parsed is not None:
        minx, miny, maxx, maxy = parsed.features.gdf.total_bounds
        pad = max(maxx - minx, maxy - miny, 0.01) * 0.6
        bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    # Province-wide until something is drawn; then the zones around it, in finer detail.
    zones = zone_views(lang(), bounds)
    m = build_map(
        lang=lang(), bounds=bounds, base=get_base_display(), zones=zones, draw=True,
        project=parsed.geometries_lonlat()[-1] if parsed else None,
        illustrative=any(z.legal_status != "法定" for z in zones), online=online_tiles(),
    )  # fmt: skip
    out = located_map(m, _SEARCH, key=state.SCREEN_MAP, height=480, returned_objects=["all_drawings"])
    drawings = (out or {}).get("all_drawings")
    # None / [] = nothing new from the map: keep the last drawing (it survives a map rebuild).
    if drawings and drawings[-1] != st.session_state.get(state.SCREEN_DRAWN):
        st.session_state[state.SCREEN_DRAWN] = drawings[-1]
        st.rerun()
    if parsed is not None and st.button(t("screen.clear_drawing"), icon=":material/delete:"):
        st.session_state.pop(state.SCREEN_DRAWN, None)
        st.rerun()
    return parsed


def _typed_input() -> ParsedInput | None:
    cols = st.columns([3, 2])
    with cols[0]:
        text = st.text_area(t("screen.coords"), key=state.SCREEN_COORDS, height=140, placeholder=t("screen.coords_placeholder"),
                            help=t("screen.coords_help"))  # fmt: skip
    with cols[1]:
        crs = crs_picker(key=state.SCREEN_COORD_CRS, allow_auto=False)
        kind = st.radio(t("screen.geom_kind"), options=list(GEOM_KINDS), format_func=labeller("screen.kind_"),
                        key=state.SCREEN_GEOM_KIND, horizontal=True, help=t("screen.geom_kind_help"))  # fmt: skip
    if not text or not text.strip():
        return None
    if zone_offer(text, crs=crs, key=state.SCREEN_COORD_CRS):
        return None  # survey X/Y: the planner picks (or confirms) the Gauss-Kruger zone first
    parsed = read_typed(text, crs=crs or "EPSG:4490", kind=kind)
    geom = parsed.features.gdf.geometry.iloc[0]
    if kind == "auto" and geom.geom_type == "LineString" and len(geom.coords) >= 3:
        # Corners copied from a site plan rarely repeat the first one: say how to get a polygon.
        st.info(t("screen.line_not_polygon", n=len(geom.coords)), icon=":material/polyline:")
    return parsed


def _one_feature(parsed: ParsedInput) -> ParsedInput:
    """A file with several features: the planner picks one (the batch page screens them all)."""
    if parsed.count <= 1:
        return parsed
    gdf = parsed.features.gdf
    name_col = next((c for c in NAME_COLUMNS if c in gdf.columns), None)
    labels = [f"{i + 1}. {gdf[name_col].iloc[i]}" if name_col else f"{i + 1}" for i in range(len(gdf))]
    st.info(t("screen.many_features", n=parsed.count), icon=":material/info:")
    pick = st.selectbox(t("screen.feature"), options=list(range(len(gdf))), format_func=lambda i: labels[i], key=state.SCREEN_FEATURE)
    return ParsedInput(replace(parsed.features, gdf=gdf.iloc[[pick]]), parsed.label)


with stop_on_error():
    if mode == "draw":
        parsed = _draw_input()
    elif mode == "upload":
        parsed = upload_input(key=state.SCREEN_UPLOAD, layer_key=state.SCREEN_UPLOAD_LAYER, crs_key=state.SCREEN_UPLOAD_CRS,
                              help_key="screen.upload_help")  # fmt: skip
    else:
        parsed = _typed_input()
    if parsed is not None:
        parsed = _one_feature(parsed)
        show_parsed(parsed, measure(parsed.geometries_lonlat()), show_map=mode != "draw")

if parsed is None:
    st.info(t("screen.waiting_geometry"), icon=":material/arrow_upward:")
    st.stop()

# --- ② what --------------------------------------------------------------------------------
st.subheader(t("screen.step_what"))
cols = st.columns([2, 3])
# What a file says of its one project (its 类型, 存栏 ...) goes into the form first.
carry_from_file(parsed, types, type_key=None, type_widget=state.SCREEN_TYPE, prefix=state.SCREEN_ATTR_PREFIX)
with cols[0]:
    # The chosen feature's own name (a 项目名称 column) before the file's name.
    default_name = feature_name(parsed) or ("" if parsed.label in ("drawing.geojson", "coordinates") else parsed.label.rsplit(".", 1)[0])
    name = st.text_input(t("screen.name"), key=state.SCREEN_NAME, placeholder=default_name or t("screen.name_placeholder"))
    builder = st.text_input(t("screen.builder"), key=state.SCREEN_BUILDER)
    project_code = st.text_input(t("screen.project_code"), key=state.SCREEN_PROJECT_CODE, help=t("screen.project_code_help"))
    type_key = type_picker(types, key=state.SCREEN_TYPE)
    within_m = st.number_input(t("screen.within"), min_value=0, max_value=20_000, step=100, value=0, key=state.SCREEN_WITHIN,
                               help=t("screen.within_help"))  # fmt: skip
with cols[1]:
    if type_key:
        for line in carry_from_file(parsed, types, type_key=type_key, type_widget=state.SCREEN_TYPE,
                                    prefix=state.SCREEN_ATTR_PREFIX):  # fmt: skip
            st.caption(md_text(line))
    attrs = attribute_inputs(types, type_key, prefix=state.SCREEN_ATTR_PREFIX) if type_key else {}

if type_key is None:
    st.info(t("screen.waiting_type"), icon=":material/arrow_upward:")
    st.stop()

# --- ③ result --------------------------------------------------------------------------------
st.subheader(t("screen.step_result"))
as_of = as_of_choice(state.SCREEN_AS_OF)
with stop_on_error():
    screened = store_as_of(ref, store, as_of)
    projects = to_projects(parsed, type_key=type_key, attributes=attrs, name=name or default_name or tr("screen.unnamed", "zh"),
                           project_types=types, builder=builder or None, project_code=project_code or None)  # fmt: skip
    with st.spinner(t("screen.screening")):
        results = screen_memo(state.SCREEN_RESULT, projects, store=screened, rules=rules,
                              store_sha256=f"{screened.sha256}@{as_of or ''}",
                              within_m=float(within_m) if within_m else None)  # fmt: skip
result = results[0]
titles = layer_titles()
render_result(result, titles=titles)
st.subheader(t("screen.result_map"))
st_folium(result_map_for(result, screened), key=f"{state.SCREEN_MAP}.result", height=480, use_container_width=True,
          returned_objects=[])  # fmt: skip
number = save_box(results, key_prefix="screen", batch=False)
downloads(results, stem=f"screening-{safe_filename(result.project.name)}", key_prefix="screen", number=number)
