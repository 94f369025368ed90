"""The app's frame — page config, navigation over pages/, shared sidebar — and the guard
that keeps every page inside it.

Streamlit still treats a ``pages/`` folder next to the main script as a legacy multipage
app until ``st.navigation`` has been called once in the server process (and AppTest
resets that flag before every run). In that mode a URL such as ``/public`` runs
``pages/public.py`` on its own — no sidebar, no wide layout, file names as navigation
labels. :func:`require_frame` notices this and runs the frame in place, which opens the
same page inside it; the bare run then stops. Doing it in place, not with ``st.rerun()``,
keeps the user's click (a button press is consumed by the run it arrives in).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.access import can_open
from ui.i18n import t
from ui.sidebar import render_sidebar

__all__ = ["run_app", "require_frame"]


def run_app() -> None:
    """The whole app: page config, navigation, sidebar, then the chosen page."""
    st.set_page_config(
        page_title="生态环境分区管控符合性筛查 / Eco-zoning screener",
        page_icon="static/favicon.png",
        layout="wide",
        initial_sidebar_state="expanded",
    )
    entries = [
        ("screen", st.Page("pages/screen.py", title=t("nav.screen"), icon=":material/fact_check:", default=True,
                           url_path="screen")),
        ("batch", st.Page("pages/batch.py", title=t("nav.batch"), icon=":material/table_view:", url_path="batch")),
        ("public", st.Page("pages/public.py", title=t("nav.public"), icon=":material/map:", url_path="public")),
        ("sites", st.Page("pages/sites.py", title=t("nav.sites"), icon=":material/travel_explore:", url_path="sites")),
        ("about", st.Page("pages/about.py", title=t("nav.about"), icon=":material/info:", url_path="about")),
    ]
    pages = [page for name, page in entries if can_open(name)]  # who may open what: ui/access.py
    page = st.navigation(pages)
    render_sidebar()
    _start_map_tiles()
    page.run()


def _start_map_tiles() -> None:
    """Start writing the public map's tiles of a new store version in the background (a
    no-op once they are on disk), so they are ready, or nearly, when the map is opened."""
    from gis.errors import PlanningError
    from ui.cache import store_ref
    from ui.static_cache import tile_build

    try:
        ref = store_ref()
    except PlanningError:
        return  # the page says what is wrong with the store
    tile_build(ref.path, ref.sha256)


def require_frame() -> None:
    """Call first thing in every page script (after the imports)."""
    if PagesManager.uses_pages_directory:
        run_app()  # st.navigation ends the legacy mode and runs this page inside the frame
        st.stop()
