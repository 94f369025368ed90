"""The sidebar every page shares: language, data version, 示意 notice, online base maps, attribution."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from gis.errors import PlanningError
from ui import state
from ui.auth import sign_in_box
from ui.boundary import visitor_text
from ui.cache import get_layer_versions, get_store, shown_path, store_ref
from ui.components import OnlineTiles
from ui.escape import md_text
from ui.i18n import lang, t

__all__ = ["DataVersion", "data_version", "render_sidebar", "online_tiles"]


@dataclass(frozen=True)
class DataVersion:
    """What the sidebar and the About page say about the zone store in use."""

    path: str
    sha256: str
    date: str
    illustrative_layers: tuple[str, ...]
    layer_ids: tuple[str, ...]
    absent_layers: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.sha256[:12]

    @property
    def illustrative(self) -> bool:
        return bool(self.illustrative_layers)


def data_version() -> DataVersion:
    """The zone store's hash, date and which layers hold 示意 (illustrative) data.

    Raises
    ------
    PlanningError
        If the store cannot be opened (the page shows the message).
    """
    ref = store_ref()
    store = get_store(ref.path, ref.sha256)
    layer_ids = tuple(store.layer_ids)
    illustrative = tuple(lid for lid in layer_ids if store.legal_status(lid) != "法定")
    # The store's own record of its latest import (store_history) dates the data; the file's
    # modification time (a git checkout's time) is only the fallback for a store without one.
    recorded = [v.recorded_at for v in get_layer_versions(ref.path, ref.sha256).values() if v.recorded_at]
    if recorded:
        date = max(recorded)[:10]
    elif getattr(store, "pushed_at", None):
        date = str(store.pushed_at)[:10]
    else:
        date = dt.datetime.fromtimestamp(ref.mtime, tz=dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    return DataVersion(shown_path(ref.path), ref.sha256, date, illustrative, layer_ids, tuple(store.absent_layers))


def configured_basemap() -> Any:
    """The deployment's base map (``ZONING_BASEMAP_*``, ``zoning.basemap``): None when unset
    or wrongly set (the sidebar says what is wrong)."""
    from zoning.basemap import basemap_from_env

    try:
        return basemap_from_env()
    except PlanningError:
        return None


def online_tiles() -> OnlineTiles | None:
    """The tile base maps of every map: the configured one (unless hidden in the sidebar)
    and the online ones the user switched on (None = the app's own vector base only)."""
    custom = configured_basemap() if st.session_state.get(state.BASEMAP_ON, True) else None
    if not st.session_state.get(state.ONLINE_TILES, False):
        return OnlineTiles(custom=custom) if custom is not None else None
    key = str(st.session_state.get(state.TIANDITU_KEY, "") or "").strip()
    return OnlineTiles(osm=not key, tianditu_key=key, custom=custom)


def render_sidebar() -> None:
    """Language toggle, data version, 示意 notice, online-map opt-in and attribution."""
    with st.sidebar:
        sign_in_box()
        st.radio(
            t("sidebar.language"),
            options=["zh", "en"],
            format_func=lambda v: "中文" if v == "zh" else "English",
            horizontal=True,
            key=state.LANG,
        )
        _data_block()
        _basemap_block()
        with st.expander(t("sidebar.online_title")):
            st.toggle(t("sidebar.online_toggle"), key=state.ONLINE_TILES, help=t("sidebar.online_help"))
            st.text_input(t("sidebar.tianditu_key"), key=state.TIANDITU_KEY, type="password", help=t("sidebar.tianditu_help"))
        st.caption(t("sidebar.attribution"))


def _basemap_block() -> None:
    """The configured base map's switch — or, when its settings are wrong, what is wrong."""
    from zoning.basemap import basemap_from_env

    try:
        basemap = basemap_from_env()
    except PlanningError as err:
        st.error(t("sidebar.basemap_error", error=visitor_text(err.message(lang()))), icon=":material/map:")
        return
    if basemap is not None:
        name = md_text(basemap.name or t("map.configured_base"))
        st.toggle(t("sidebar.basemap_toggle", name=name), value=True, key=state.BASEMAP_ON, help=t("sidebar.basemap_help"))


def _data_block() -> None:
    try:
        version = data_version()
    except PlanningError as err:
        st.error(t("sidebar.store_error", error=visitor_text(err.message(lang()))))
        return
    st.caption(t("sidebar.data_version", sha=version.short, date=version.date))
    if version.illustrative:
        st.warning(t("common.illustrative_notice"), icon=":material/warning:")
