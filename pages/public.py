"""公众查询 Public map: the zones on a map, and 'is this place in a protected zone?'."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from ui import state
from ui.cache import get_base_display, get_rules, get_store, get_towns, layer_labels, rules_key, store_ref, zone_views
from ui.components import MapPoint, ZoneTilesLayer, build_map, tile_legend_views
from ui.escape import md_text
from ui.forms import crs_picker, zone_offer
from ui.frame import require_frame
from ui.i18n import lang, pick, t
from ui.pagekit import show_errors, stop_on_error
from ui.public_panel import ask_once, point_from_coordinates, render_zone_answer
from ui.public_units import render_units_answer
from ui.sidebar import data_version, online_tiles
from ui.static_cache import tile_build
from zoning.lookup import find_places

#: How long a first visit waits for the zone tiles of a new store version (the embedded
#: data takes a second or two; a province-scale store is written in the background).
_TILE_WAIT_S = 8.0

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
if illustrative:
    st.warning(t("common.illustrative_notice"), icon=":material/warning:")
if build.building:
    st.info(t("public.tiles_building"), icon=":material/hourglass_top:")

    @st.fragment(run_every=3)
    def _reload_when_tiles_are_ready() -> None:
        if not build.building:
            st.rerun()

    _reload_when_tiles_are_ready()

# One widget per language (the browser keeps a multiselect's chips in the words they were
# chosen in); the choice itself is kept across a language switch.
kept = [k for k in st.session_state.get(state.PUBLIC_LAYERS_CHOICE, list(titles)) if k in titles]
shown = st.multiselect(t("public.layers"), options=list(titles), default=kept, format_func=lambda k: titles[k],
                       key=f"{state.PUBLIC_LAYERS}.{lang()}")  # fmt: skip
st.session_state[state.PUBLIC_LAYERS_CHOICE] = shown
map_col, ask_col = st.columns([3, 2])

with ask_col:
    st.markdown(f"#### {t('public.ask_title')}")
    tab_place, tab_coords = st.tabs([t("public.by_place"), t("public.by_coords")])
    with tab_place, show_errors():
        query = st.text_input(t("public.place"), key=state.PUBLIC_PLACE, placeholder=t("public.place_placeholder"))
        if query and query.strip():
            places = find_places(get_towns(), query)
            if not places:
                st.warning(t("public.no_place", query=md_text(query.strip())))
            else:
                # A new query starts at its best match: a kept index would go on showing the
                # previous query's place in the box while the answer is for the new one.
                if st.session_state.get(state.PUBLIC_PLACE_QUERY) != query.strip():
                    st.session_state[state.PUBLIC_PLACE_QUERY] = query.strip()
                    st.session_state[state.PUBLIC_PLACE_PICK] = 0
                choice = st.selectbox(t("public.place_pick"), options=range(len(places)), format_func=lambda i: places[i][0],
                                      key=state.PUBLIC_PLACE_PICK)  # fmt: skip
                label, lon, lat = places[choice]
                ask_once("place", (lon, lat, label), zoom=True)
    with tab_coords, show_errors():
        coords = st.text_input(t("public.coords"), key=state.PUBLIC_COORDS, placeholder=t("public.coords_placeholder"))
        crs = crs_picker(key=state.PUBLIC_COORD_CRS, allow_auto=False)
        asking = zone_offer(coords, crs=crs, key=state.PUBLIC_COORD_CRS)  # survey X/Y: which zone?
        if st.button(t("public.lookup"), key=state.PUBLIC_LOOKUP, icon=":material/search:") and coords.strip() and not asking:
            lon, lat = point_from_coordinates(coords, crs=crs or "EPSG:4490")
            ask_once("coords", (lon, lat, f"{lon:.5f}, {lat:.5f}"), zoom=True)
    st.caption(t("public.click_hint"))

asked = st.session_state.get(state.PUBLIC_CLICKED)
with map_col:
    bounds = None
    points = []
    if asked is not None:
        points = [MapPoint(asked[0], asked[1], "#ffd600", asked[2], radius_px=9)]
        if st.session_state.get(state.PUBLIC_ZOOM):
            bounds = (asked[0] - 0.06, asked[1] - 0.05, asked[0] + 0.06, asked[1] + 0.05)
    if tiles is not None:
        # The browser fetches the tiles in view, at the detail of its zoom.
        tiled = ZoneTilesLayer(tiles.url, tiles.meta, shown, name=t("public.zone_layers"))
        m = build_map(lang=lang(), bounds=bounds, base=get_base_display(), zones=tile_legend_views(tiles.meta, titles, shown),
                      tiles=tiled, points=points, illustrative=illustrative, online=online_tiles(), height=560)  # fmt: skip
    else:
        # Zoomed to a place: the zones around it in finer detail (the province-wide view
        # draws a town's 500 m no-raise circle as a few pixels under the marker).
        with stop_on_error():
            map_views = zone_views(lang(), bounds, public=True) if bounds is not None and views else views
        m = build_map(lang=lang(), bounds=bounds, base=get_base_display(), zones=[v for v in map_views if v.layer_id in shown],
                      points=points, illustrative=illustrative, online=online_tiles(), height=560)  # fmt: skip
    out = st_folium(m, key=state.PUBLIC_MAP, height=560, use_container_width=True, returned_objects=["last_clicked"])
    clicked = (out or {}).get("last_clicked")
    if clicked:
        ask_once("map", (clicked["lng"], clicked["lat"], f"{clicked['lng']:.5f}, {clicked['lat']:.5f}"), zoom=False)
        asked = st.session_state.get(state.PUBLIC_CLICKED)

with ask_col:
    if asked is not None:
        with show_errors():
            render_zone_answer(store, rules, labels, lon=asked[0], lat=asked[1], label=asked[2])
            render_units_answer(rules, lon=asked[0], lat=asked[1])
