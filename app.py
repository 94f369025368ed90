"""Streamlit entry point: page config, navigation over pages/, and the shared sidebar.

Run with ``make run`` (or ``streamlit run app.py``). Everything the browser loads is served
by this server (static/: Leaflet, Leaflet.draw, the Noto Sans SC font), so the app works on
a network with no internet access. The frame itself lives in ``ui/frame.py`` so that a page
opened by a deep link right after the server starts gets it too.
"""

from __future__ import annotations

from ui.frame import run_app

run_app()
