"""The search box above every map: a place, a county, coordinates or a report number.

One text box and a coordinate-system choice (what typed coordinates are in); several
matches give a pick list. What was found is kept per page; the page moves its map there
(``view_of``: centre and zoom handed to ``st_folium``, which moves the map without
rebuilding it) and marks it (``marker_group``: a layer handed to ``st_folium``'s
``feature_group_to_add``, drawn without rebuilding the map either). The finding itself is
``zoning.search.find_site`` (no Streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st

from gis.errors import PlanningError
from ui.boundary import visitor_text
from ui.cache import get_divisions, get_towns
from ui.escape import md_text
from ui.i18n import lang, one_language, t
from ui.map_text import TextTooltip
from zoning.search import GK_ZONES, Found, find_site, search_crs_choices, zoom_for_bounds

__all__ = ["SearchKeys", "crs_label", "search_box", "view_of", "marker_group", "located_map", "POINT_ZOOM"]

#: The zoom a found point is shown at: streets and buildings apart, a town's zones around it.
POINT_ZOOM = 15


@dataclass(frozen=True)
class SearchKeys:
    """The session keys of one page's search box (``<page>.search...``)."""

    page: str

    @property
    def text(self) -> str:
        return f"{self.page}.search"

    @property
    def crs(self) -> str:
        return f"{self.page}.search_crs"

    @property
    def pick(self) -> str:
        return f"{self.page}.search_pick"

    @property
    def query(self) -> str:
        return f"{self.page}.search_query"  # the query the pick belongs to

    @property
    def found(self) -> str:
        return f"{self.page}.search_found"  # the Found shown on the map

    @property
    def moved(self) -> str:
        return f"{self.page}.search_moved"  # the Found a map was last moved to


def crs_label(code: str) -> str:
    """A coordinate system of the box in words (the Gauss-Kruger zones by their meridian)."""
    from gis.crs import gk_epsg

    for cm in GK_ZONES:
        if code == f"EPSG:{gk_epsg(cm)}":
            return t("search.crs_gk", cm=cm, code=code)
    return t(f"crs.{code}")


def search_box(keys: SearchKeys) -> Found | None:
    """The box, its coordinate-system choice and (for several matches) the pick list.

    Returns what is found for the current query (kept in the session under ``keys.found``;
    None before any search). A query that finds nothing or cannot be read says so on the
    page, naming what was typed, and keeps the last place found.
    """
    cols = st.columns([3, 2])
    query = cols[0].text_input(t("search.label"), key=keys.text, placeholder=t("search.placeholder"),
                               help=t("search.help"))  # fmt: skip
    crs = cols[1].selectbox(t("search.crs"), options=list(search_crs_choices()), format_func=crs_label, key=keys.crs,
                            help=t("search.crs_help"))  # fmt: skip
    text = (query or "").strip()
    if not text:
        return st.session_state.get(keys.found)
    try:
        matches = _matches(text, crs)
    except PlanningError as err:
        st.error(t("common.error_prefix") + visitor_text(err.message(lang())), icon=":material/error:")
        return st.session_state.get(keys.found)
    if not matches:
        st.warning(t("search.none", query=md_text(text)), icon=":material/search_off:")
        return st.session_state.get(keys.found)
    # A new query starts at its best match (a kept pick would show the previous query's place).
    if st.session_state.get(keys.query) != (text, crs):
        st.session_state[keys.query] = (text, crs)
        st.session_state[keys.pick] = 0
    choice = 0
    if len(matches) > 1:
        choice = st.selectbox(t("search.pick"), options=range(len(matches)), format_func=lambda i: matches[i].label,
                              key=keys.pick)  # fmt: skip
    found = matches[min(choice, len(matches) - 1)]
    if found.note is not None:
        st.caption(visitor_text(one_language(found.note)))
    st.session_state[keys.found] = found
    return found


def _matches(text: str, crs: str) -> list[Found]:
    return find_site(text, towns=get_towns(), divisions=get_divisions(), crs=crs)


def view_of(found: Found | None, *, width_px: int = 700, height_px: int = 480) -> dict[str, Any]:
    """``st_folium`` arguments that move the map to ``found`` (none before a search)."""
    if found is None:
        return {}
    zoom = POINT_ZOOM if found.bounds is None else zoom_for_bounds(found.bounds, width_px=width_px, height_px=height_px)
    return {"center": (found.lat, found.lon), "zoom": zoom}


def marker_group(found: Found | None, *, colour: str = "#ffd600", answer: str | None = None) -> folium.FeatureGroup | None:
    """A layer marking ``found``: a dot for a point, the outline of a county or prefecture;
    ``answer`` is shown beside the dot at all times (otherwise its label on hover)."""
    if found is None:
        return None
    group = folium.FeatureGroup(name=t("search.layer"), control=False)
    if found.bounds is not None:
        minx, miny, maxx, maxy = found.bounds
        folium.Rectangle([[miny, minx], [maxy, maxx]], color="#333333", weight=2, dash_array="6 4", fill=False,
                         interactive=False).add_to(group)  # fmt: skip
    folium.CircleMarker([found.lat, found.lon], radius=9, color="#333333", weight=2, fill=True, fill_color=colour,
                        fill_opacity=0.95).add_child(TextTooltip(answer, permanent=True) if answer else TextTooltip(found.label)
                                                     ).add_to(group)  # fmt: skip
    return group


def located_map(m: folium.Map, keys: SearchKeys, *, key: str, height: int, returned_objects: list[str]) -> Any:
    """``st_folium(m)`` with what the search box found marked on it, the map moved there
    once per new finding — so a map rebuilt later (a drawing, a filter) opens where its
    own content is, not back at the search. Returns what ``st_folium`` returns."""
    from streamlit_folium import st_folium

    found = st.session_state.get(keys.found)
    move = found is not None and st.session_state.get(keys.moved) != found
    out = st_folium(m, key=key, height=height, use_container_width=True, returned_objects=returned_objects,
                    feature_group_to_add=marker_group(found), **(view_of(found, height_px=height) if move else {}))
    if move:
        st.session_state[keys.moved] = found
    return out
