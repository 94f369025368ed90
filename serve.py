"""The app as it is served: ``streamlit run serve.py`` (``make run``).

Streamlit runs ``app.py`` for every visitor as before; this file only puts the server's
security headers around it (``ui.csp.SecurityHeaders``: a Content-Security-Policy that
refuses script from data and any host but the app's own, ``nosniff``, no referrer, no
framing by other sites). ``streamlit run app.py`` still works, without those headers; a
reverse proxy can send them instead (docs/deploy.md).
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.csp import SecurityHeaders

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
