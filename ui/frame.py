"""The app's frame — page config, navigation over pages/, shared sidebar — and the guard
that keeps every page inside it.

Streamlit still treats a ``pages/`` folder next to the main script as a legacy multipage
app until ``st.navigation`` has been called once in the server process (and AppTest
resets that flag before every run). In that mode a URL such as ``/public`` runs
``pages/public.py`` on its own — no sidebar, no wide layout, file names as navigation
labels. :func:`require_frame` notices this and runs the frame in place, which opens the
same page inside it; the bare run then stops. Doing it in place, not with ``st.rerun()``,
keeps the user's click (a button press is consumed by the run it arrives in).

Every page runs inside ``ui.boundary.page_boundary``: an unexpected error shows a short
message with a reference number, and its traceback goes to the server's log.

Readiness probes (``/_stcore/script-health-check``, which runs this script in a session no
browser is attached to) do the whole first run once — the caches are then warm for the
first visitor — and after that only check that the zone store and the rules still open
from the caches: a few milliseconds, however many probes arrive at once.
"""

from __future__ import annotations

import threading

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from gis.log import configure_logging
from ui.access import allowed_pages, default_page
from ui.boundary import page_boundary
from ui.i18n import lang, t
from ui.sidebar import render_sidebar
from ui.widget_words import apply_widget_words

__all__ = ["run_app", "require_frame", "is_probe"]

#: Set once a probe's full run has passed: later probes only check the store and rules.
_WARM = threading.Event()
_WARM_LOCK = threading.Lock()


def run_app() -> None:
    """The whole app: page config, navigation, sidebar, then the chosen page."""
    configure_logging(0)  # the app's warnings and errors (with their references) to the server's log
    if is_probe():
        _readiness_run()
        return
    _run_frame(probe=False)


def is_probe() -> bool:
    """True for a script run that no browser is attached to: Streamlit's script health
    check (a bare session the server makes for the request). False outside a server (tests)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return False
    return Runtime.instance().get_client(ctx.session_id) is None


def _readiness_run() -> None:
    """A probe: the first does the full run (once, while later ones wait for it), then each
    checks that the zone store and the rules open — from the caches, in milliseconds."""
    if not _WARM.is_set():
        with _WARM_LOCK:
            if not _WARM.is_set():
                try:
                    _run_frame(probe=True)
                except Exception:
                    raise  # the probe fails; the next one tries the full run again
                except BaseException:
                    _WARM.set()  # st.stop() / st.rerun(): the page ended early, as it does with no input
                    raise
                _WARM.set()
    from ui.cache import get_rules, get_store, rules_key, store_ref

    ref = store_ref()
    get_store(ref.path, ref.sha256)
    get_rules(*rules_key())


def _run_frame(*, probe: bool) -> None:
    st.set_page_config(
        page_title="生态环境分区管控符合性筛查 / Eco-zoning screener",
        page_icon="static/favicon.png",
        layout="wide",
        # "auto": open on a desktop, closed on a phone (where an open sidebar covers the page)
        initial_sidebar_state="auto",
    )
    # Only the pages the session's role may open (ui/access.py): any other URL, or a
    # websocket request naming another page, lands on the role's default page.
    allowed = allowed_pages()
    start = default_page(allowed)
    pages = [st.Page(p.script, title=t(p.title_key), icon=p.icon, url_path=p.name, default=p.name == start)
             for p in allowed]  # fmt: skip
    page = st.navigation(pages)
    if probe:  # no boundary: an error must fail the probe, not become a message
        render_sidebar()
        _start_map_tiles()
        page.run()
        return
    from gis.limits import limits_in_force
    from ui.limits import reader_limits

    # An anonymous visitor's files are read under the app's (stricter) limits.
    with page_boundary(page.url_path or start), limits_in_force(reader_limits()):
        render_sidebar()
        apply_widget_words(lang())
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


def require_frame(page: str | None = None) -> None:
    """Call first thing in every page script (after the imports), with the page's name
    (its URL path): a restricted page then stops here, with a sign-in prompt, unless the
    session's role may open it (``ui.access.require_page``)."""
    if PagesManager.uses_pages_directory:
        run_app()  # st.navigation ends the legacy mode and runs this page inside the frame
        st.stop()
    if page is not None:
        from ui.access import require_page

        require_page(page)
