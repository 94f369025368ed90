"""公众查询 Public map: the zones on a map, and 'is this place in a protected zone?'.

The question and its answer come first (on a phone: above the map), the map second. The
point asked about — a click on the map, or a place or coordinates found by the search
box — is one value: the marker, the answer and the map show that same point on every run.
The map is built the same way whatever is asked, so it is never rebuilt by a click: the
marker reaches it as a layer and a search moves it by centre and zoom (``st_folium``'s
``feature_group_to_add``, ``center`` and ``zoom``), and a click keeps the view the
visitor has.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from ui import state
from ui.cache import get_base_display, get_rules, get_store, layer_labels, rules_key, store_ref, zone_views
from ui.components import ZoneTilesLayer, build_map, tile_legend_views
from ui.frame import require_frame
from ui.i18n import lang, pick, t
from ui.pagekit import show_errors, stop_on_error
from ui.public_panel import answer_title, ask_once, asked_marker, clicked_point, render_zone_answer
from ui.public_units import render_units_answer
from ui.search import SearchKeys, search_box, view_of
from ui.sidebar import data_version, online_tiles
from ui.static_cache import tile_build

#: How long a first visit waits for the zone tiles of a new store version (the embedded
#: data takes a second or two; a province-scale store is written in the background).
_TILE_WAIT_S = 8.0
_SEARCH = SearchKeys("public")
_MAP_HEIGHT = 560

require_frame("public")
st.title(t("public.title"))
st.caption(t("public.intro"))

with stop_on_error():
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    rules = get_rules(*rules_key())
    build = tile_build(ref.path, ref.sha256)
    tiles = build.wait(_TILE_WAIT_S)
    # Without tiles (being written, or a read-only static folder) the layers are drawn by
    # the page itself, as pictures where they are dense.
    views = zone_views(lang(), public=True) if tiles is None and not build.building else ()
labels = layer_labels()
layer_ids = [ly["id"] for ly in tiles.meta["layers"]] if tiles is not None else [v.layer_id for v in views]
titles = {lid: pick(labels[lid].title_zh, labels[lid].title_en) if lid in labels else lid for lid in layer_ids}
illustrative = any(store.legal_status(lid) != "法定" for lid in store.layer_ids if lid != "admin")
with show_errors():
    version = data_version()
    st.caption(t("public.updated", date=version.date, sha=version.short))
if build.building:
    st.info(t("public.tiles_building"), icon=":material/hourglass_top:")

    @st.fragment(run_every=3)
    def _reload_when_tiles_are_ready() -> None:
        if not build.building:
            st.rerun()

    _reload_when_tiles_are_ready()

# A click on the map arrives as the map's value, written before this run: it is the
# question from here on, before anything is drawn.
click = clicked_point(state.PUBLIC_MAP)
if click is not None:
    ask_once("map", (click[0], click[1], f"{click[0]:.5f}, {click[1]:.5f}"), zoom=False)

ask_col, map_col = st.columns([2, 3])
with ask_col:
    st.markdown(f"#### {t('public.ask_title')}")
    with show_errors():
        found = search_box(_SEARCH)
    if found is not None and found.is_point:
        ask_once("search", (found.lon, found.lat, found.label), zoom=True)
    elif found is not None:
        st.caption(t("search.click_hint"))
    st.caption(t("public.click_hint"))
    answer = st.container()
    if illustrative:
        st.warning(t("common.illustrative_notice"), icon=":material/warning:")
asked = st.session_state.get(state.PUBLIC_CLICKED)

with map_col:
    # One widget per language (the browser keeps a multiselect's chips in the words they
    # were chosen in); the choice itself is kept across a language switch.
    kept = [k for k in st.session_state.get(state.PUBLIC_LAYERS_CHOICE, list(titles)) if k in titles]
    shown = st.multiselect(t("public.layers"), options=list(titles), default=kept, format_func=lambda k: titles[k],
                           key=f"{state.PUBLIC_LAYERS}.{lang()}", select_all=False)  # fmt: skip
    st.session_state[state.PUBLIC_LAYERS_CHOICE] = shown
    if tiles is not None:
        # The browser fetches the tiles in view, at the detail of its zoom.
        tiled = ZoneTilesLayer(tiles.url, tiles.meta, shown, name=t("public.zone_layers"))
        m = build_map(lang=lang(), base=get_base_display(), zones=tile_legend_views(tiles.meta, titles, shown),
                      tiles=tiled, illustrative=illustrative, online=online_tiles(), height=_MAP_HEIGHT)  # fmt: skip
    else:
        # Around the place found: the zones in finer detail (the province-wide view draws a
        # town's 500 m no-raise circle as a few pixels under the marker).
        bounds = None
        if found is not None:
            bounds = found.bounds or (found.lon - 0.06, found.lat - 0.05, found.lon + 0.06, found.lat + 0.05)
        with stop_on_error():
            map_views = zone_views(lang(), bounds, public=True) if bounds is not None and views else views
        m = build_map(lang=lang(), bounds=bounds, base=get_base_display(), zones=[v for v in map_views if v.layer_id in shown],
                      illustrative=illustrative, online=online_tiles(), height=_MAP_HEIGHT)  # fmt: skip
    st_folium(m, key=state.PUBLIC_MAP, height=_MAP_HEIGHT, use_container_width=True, returned_objects=["last_clicked"],
              feature_group_to_add=asked_marker(asked, answer_title(asked)), **view_of(found, height_px=_MAP_HEIGHT))  # fmt: skip

if asked is not None:
    with answer, show_errors():
        render_zone_answer(store, rules, labels, lon=asked[0], lat=asked[1], label=asked[2])
        render_units_answer(rules, lon=asked[0], lat=asked[1])
