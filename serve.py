"""The app as it is served: ``streamlit run serve.py`` (``make run``).

Streamlit runs ``app.py`` for every visitor as before; this file only puts the server's
security headers around it (``ui.csp.SecurityHeaders``: a Content-Security-Policy that
refuses script from data and any host but the app's own, ``nosniff``, no referrer, no
framing by other sites). ``streamlit run app.py`` still works, without those headers; a
reverse proxy can send them instead (docs/deploy.md).

On the first start against a database without accounts it creates the admin account
``admin`` and prints its generated password once (``zoning.bureau.service.first_run_notice``).
"""

from __future__ import annotations

import logging

import streamlit as st
from starlette.middleware import Middleware

from gis.errors import PlanningError
from ui.csp import SecurityHeaders
from zoning.bureau.service import first_run_notice

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])

# A fresh machine: the first admin account, with a generated password shown here once (the
# database keeps only its hash). Later starts print nothing.
try:
    _notice = first_run_notice()
except PlanningError as err:  # no database: the app still serves the public map
    logging.getLogger("serve").error("accounts unavailable: %s", err)
    _notice = None
if _notice:
    print(_notice, flush=True)
