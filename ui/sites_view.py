"""The 选址建议 page's parts: search form, progress, candidate map and table, downloads, 比选.

Everything here is widgets and calls: the search is ``zoning.sites`` (cached per type,
attributes, area, store and rules), the comparison table ``zoning.report.comparison`` and its
files the output registry (``render_report(..., comparison=True)``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from gis.text import Text
from ui import state
from ui.cache import get_base_display, zone_views
from ui.components import build_map
from ui.forms import upload_input
from ui.i18n import labeller, lang, t
from ui.inputs import ParsedInput, read_drawing, to_projects
from ui.pagekit import show_errors, stop_on_error
from ui.screening import screen_memo
from ui.search import SearchKeys, located_map, search_box
from ui.sidebar import online_tiles
from zoning.model import ScreeningResult
from zoning.sites import SearchArea, SiteQuery, SiteSearch

__all__ = ["search_form", "run_search", "show_search", "compare_tab"]

_COMPARE_MIN, _COMPARE_MAX = 2, 6


def _admin_layer(store: Any) -> str | None:
    return next((lid for lid in store.layer_ids if store.catalog.layers[lid].role == "admin"), None)


def _drawn_map(key: str, memo_key: str, *, many: bool) -> list[dict[str, Any]]:
    """A map to draw on, with the search box above it (find the place first, then draw);
    the drawings kept in the session (the last, or all of them)."""
    search = SearchKeys(key)
    with show_errors():
        search_box(search)
    m = build_map(lang=lang(), base=get_base_display(), draw=True, online=online_tiles(), legend=False)
    out = located_map(m, search, key=key, height=420, returned_objects=["all_drawings"])
    drawings = (out or {}).get("all_drawings") or []
    kept = st.session_state.get(memo_key) or []
    if drawings and drawings != kept:
        st.session_state[memo_key] = list(drawings) if many else [drawings[-1]]
        st.rerun()
    return list(kept)


def _area(store: Any) -> SearchArea | None:
    from zoning.sites import area_from_bbox, area_from_county, area_from_geometry

    admin = _admin_layer(store)
    modes = (["county"] if admin else []) + ["draw", "bbox"]
    mode = st.radio(t("sites.area_mode"), modes, format_func=labeller("sites.mode_"), horizontal=True,
                    key=state.SITES_AREA_MODE)  # fmt: skip
    if mode == "county" and admin is not None:
        frame = store.layer(admin)
        names = sorted({str(n) for n in frame["name"]})
        name = st.selectbox(t("sites.county"), names, index=None, key=state.SITES_COUNTY)
        return area_from_county(frame, name) if name else None
    if mode == "bbox":
        text = st.text_input(t("sites.bbox"), key=state.SITES_BBOX, placeholder="112.3,26.8,112.9,27.3")
        return area_from_bbox(text) if text.strip() else None
    st.caption(t("sites.draw_help"))
    drawn = _drawn_map(state.SITES_DRAW_MAP, state.SITES_DRAWN, many=False)
    if not drawn:
        return None
    geom = read_drawing(drawn).geometries_lonlat()[-1]
    return area_from_geometry(geom, label=Text("绘制范围", "drawn area"),
                              key="drawn:" + shapely.to_wkb(geom).hex()[:64])


def _dem_file() -> str | None:
    upload = st.file_uploader(t("sites.dem"), type=["tif", "tiff"], key=state.SITES_DEM, help=t("sites.dem_help"))
    if upload is None:
        return None
    folder = Path(tempfile.gettempdir()) / "zoning-dem"
    folder.mkdir(exist_ok=True)
    import hashlib

    data = upload.getvalue()
    path = folder / f"{hashlib.sha256(data).hexdigest()[:24]}.tif"
    if not path.exists():
        path.write_bytes(data)
    return str(path)


def search_form(store: Any, type_key: str, attrs: dict[str, Any]) -> tuple[SiteQuery, SearchArea] | None:
    """Area and conditions; None until an area is given."""
    st.subheader(t("sites.step_where"))
    area = _area(store)
    st.subheader(t("sites.step_how"))
    cols = st.columns(4)
    res = cols[0].number_input(t("sites.resolution"), min_value=10, max_value=500, value=30, step=10,
                               key=state.SITES_RESOLUTION)  # fmt: skip
    area_m2 = cols[1].number_input(t("sites.area_m2"), min_value=0.0, value=None, step=1000.0, key=state.SITES_AREA_M2,
                                   help=t("sites.area_m2_help"))  # fmt: skip
    strict = cols[2].checkbox(t("sites.exclude_conditional"), key=state.SITES_EXCLUDE)
    with cols[3]:
        dem = _dem_file()
        slope = st.number_input(t("sites.max_slope"), min_value=0.0, max_value=90.0, value=15.0,
                                key=state.SITES_MAX_SLOPE, disabled=dem is None)  # fmt: skip
    if area is None:
        st.info(t("sites.waiting_area"), icon=":material/arrow_upward:")
        return None
    query = SiteQuery(type_key, attrs, resolution_m=float(res), exclude="conditional" if strict else "prohibited",
                      area_m2=float(area_m2) if area_m2 else None, dem=dem, max_slope_deg=float(slope) if dem else None)
    return query, area


def run_search(store: Any, rules: Any, query: SiteQuery, area: SearchArea, store_sha256: str) -> SiteSearch | None:
    """The search, run on the button (progress shown) and kept in the session for its key."""
    from zoning.sites import cached_find_sites, search_key

    key = search_key(query, area, store_sha256=store_sha256, rules=rules)
    kept = st.session_state.get(state.SITES_RESULT)
    if kept is not None and kept[0] == key:
        return kept[1]
    if not st.button(t("sites.run"), key=state.SITES_RUN, type="primary", icon=":material/travel_explore:"):
        return None
    bar = st.progress(0.0, text=t("sites.run"))
    language = lang()

    def progress(fraction: float, text: Text) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=text.pick(language))

    with stop_on_error():
        search = cached_find_sites(store, query, area, rules=rules, progress=progress)
    bar.empty()
    st.session_state[state.SITES_RESULT] = (key, search)
    return search


def _site_views(search: SiteSearch) -> list[tuple[Any, str, str]]:
    words = labeller("verdict.")
    return [(c.geometry_lonlat, c.verdict, f"{t('sites.candidate', rank=c.rank)} — {words(c.verdict)}")
            for c in search.candidates]


def _bounds(geoms: list[Any]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.union_all(geoms).bounds
    pad = max(x1 - x0, y1 - y0, 0.01) * 0.05
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _sites_map(sites: Sequence[tuple[Any, str, str]], *, illustrative: bool, key: str, height: int) -> None:
    """The sites over the zone layers around them: a planner judges a candidate by what
    lies next to it, not by its outline alone."""
    bounds = _bounds([g for g, _, _ in sites])
    zones = zone_views(lang(), bounds)
    m = build_map(lang=lang(), bounds=bounds, base=get_base_display(), zones=zones, sites=sites,
                  illustrative=illustrative or any(z.legal_status != "法定" for z in zones), online=online_tiles())
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[])


def show_search(search: SiteSearch) -> None:
    """Metrics, what the resolution means, the candidates on the map and in a table, downloads."""
    from zoning.sites.output import candidate_table

    language = lang()
    cols = st.columns(3)
    cols[0].metric(t("sites.found"), len(search.candidates))
    cols[1].metric(t("sites.offered"), f"{search.offered_area_m2 / 1e6:,.2f} km²")
    cached = t("sites.cached") if search.from_cache else ""
    cols[2].metric(t("sites.seconds"), f"{sum(search.timings.values()):.1f} s{cached}")
    st.caption(search.edges(language))
    if search.illustrative:
        st.warning(t("common.illustrative_notice"), icon=":material/warning:")
    for note in search.notes:
        st.info(note.pick(language), icon=":material/landscape:")
    if not search.candidates:
        st.info(t("sites.none"), icon=":material/search_off:")
        return
    sites = _site_views(search)
    _sites_map(sites, illustrative=search.illustrative, key=state.SITES_MAP, height=480)
    st.subheader(t("sites.table"))
    st.caption(t("sites.ranking"))
    header, rows = candidate_table(search, lang=language)
    st.dataframe(pd.DataFrame(rows, columns=header), key=state.SITES_TABLE, hide_index=True, use_container_width=True)
    _search_downloads(search)


def _search_downloads(search: SiteSearch) -> None:
    from zoning.sites import write_sites

    st.subheader(t("sites.downloads"))
    with tempfile.TemporaryDirectory() as folder:
        path = write_sites(search, Path(folder) / "sites.gpkg")
        data = path.read_bytes()
    st.download_button(t("sites.gpkg"), data, file_name=f"sites-{search.type_key}.gpkg",
                       mime="application/geopackage+sqlite3", key="sites.dl_gpkg", icon=":material/map:",
                       on_click="ignore")  # fmt: skip


# --- 比选 ----------------------------------------------------------------------------------------------


def _compare_input(search: SiteSearch | None) -> list[Any] | ParsedInput | None:
    modes = ["upload", "draw"] + (["candidates"] if search is not None and len(search.candidates) >= 2 else [])
    mode = st.radio(t("sites.compare_mode"), modes, format_func=labeller("sites.cmp_"), horizontal=True,
                    key=state.SITES_CMP_MODE)  # fmt: skip
    st.caption(t("sites.compare_input"))
    if mode == "upload":
        return upload_input(key=state.SITES_CMP_UPLOAD, layer_key=state.SITES_CMP_UPLOAD_LAYER,
                            crs_key=state.SITES_CMP_UPLOAD_CRS, help_key="batch.upload_help")  # fmt: skip
    if mode == "draw":
        drawn = _drawn_map(state.SITES_CMP_DRAW_MAP, state.SITES_CMP_DRAWN, many=True)
        if drawn and st.button(t("sites.cmp_clear"), icon=":material/delete:"):
            st.session_state.pop(state.SITES_CMP_DRAWN, None)
            st.rerun()
        return read_drawing(drawn) if drawn else None
    assert search is not None  # noqa: S101 - offered only with a search of two or more candidates
    ranks = [c.rank for c in search.candidates]
    picked = st.multiselect(t("sites.pick_compare"), ranks, default=ranks[:3], key=state.SITES_PICK,
                            max_selections=_COMPARE_MAX, select_all=False)  # fmt: skip
    return [c for c in search.candidates if c.rank in picked]


def _projects(source: Any, type_key: str, attrs: dict[str, Any], types: Any) -> list[Any]:
    from zoning.model import Project

    if isinstance(source, ParsedInput):
        projects = to_projects(source, type_key=type_key, attributes=attrs, project_types=types)
        return [p if p.name else Project(f"方案{i + 1}", p.type, p.geometry, p.attributes, p.input_crs, p.notes)
                for i, p in enumerate(projects)]
    return [Project(t("sites.candidate", rank=c.rank), type_key, c.geometry_lonlat, attrs) for c in source]


def compare_tab(store: Any, rules: Any, type_key: str, attrs: dict[str, Any], store_sha256: str,
                search: SiteSearch | None) -> None:
    """Upload, draw or pick 2-6 sites; one table and one map side by side; XLSX/DOCX/PDF."""
    from zoning.report.comparison import comparison_table

    with stop_on_error():
        source = _compare_input(search)
    if not source:
        return
    projects = _projects(source, type_key, attrs, rules.project_types)
    if not _COMPARE_MIN <= len(projects) <= _COMPARE_MAX:
        st.warning(t("sites.cmp_count", n=len(projects)), icon=":material/rule:")
        return
    with stop_on_error():
        results = screen_memo(state.SITES_CMP_RESULT, projects, store=store, rules=rules, store_sha256=store_sha256)
    language = lang()
    header, rows = comparison_table(results, lang=language)
    st.subheader(t("sites.cmp_table"))
    st.dataframe(pd.DataFrame(rows, columns=header), key=state.SITES_CMP_TABLE, hide_index=True,
                 use_container_width=True)
    sites = [(r.project.geometry, r.verdict, f"{i}. {r.project.name}") for i, r in enumerate(results, start=1)]
    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    _sites_map(sites, illustrative=illustrative, key=state.SITES_CMP_MAP, height=420)
    _compare_downloads(results, language)


def _compare_downloads(results: list[ScreeningResult], language: str) -> None:
    """The comparison as XLSX and DOCX, made here as fixed bytes (no deferred downloads)."""
    from ui.results import _store_in_use
    from zoning.report import FORMATS, render_report

    st.subheader(t("sites.downloads"))
    cols = st.columns(2)
    for col, fmt in zip(cols, ("xlsx", "docx"), strict=True):
        spec = FORMATS[fmt]
        data = render_report(results, fmt, lang=language, store=_store_in_use(), comparison=True)
        col.download_button(fmt.upper(), data, file_name=f"comparison{spec.suffix}", mime=spec.media_type,
                            key=f"sites.cmp_dl_{fmt}", icon=":material/download:", on_click="ignore")
