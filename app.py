"""Streamlit entry point: page config, navigation over pages/, and the shared sidebar.

Run with ``make run`` (or ``streamlit run app.py``). Everything the browser loads is served
by this server (static/: Leaflet, Leaflet.draw, the Noto Sans SC font), so the app works on
a network with no internet access.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t
from ui.sidebar import render_sidebar

st.set_page_config(
    page_title="生态环境分区管控符合性筛查 / Eco-zoning screener",
    page_icon="static/favicon.png",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = [
    st.Page("pages/screen.py", title=t("nav.screen"), icon=":material/fact_check:", default=True, url_path="screen"),
    st.Page("pages/batch.py", title=t("nav.batch"), icon=":material/table_view:", url_path="batch"),
    st.Page("pages/public.py", title=t("nav.public"), icon=":material/map:", url_path="public"),
    st.Page("pages/about.py", title=t("nav.about"), icon=":material/info:", url_path="about"),
]

page = st.navigation(PAGES)
render_sidebar()
page.run()
