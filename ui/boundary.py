"""What a visitor sees when something goes wrong: a message, never the server's insides.

Two kinds of failure reach a page:

* a :class:`gis.errors.PlanningError` — bad input or bad data: its bilingual message names
  the file, field or value, and is shown as it is (``ui.pagekit.stop_on_error``), after
  :func:`scrub_paths` has replaced any server path in it by the file's name;
* anything else — a bug: :func:`page_boundary` catches it around the whole page, writes the
  traceback to the server's log under a reference number, and shows only a short message
  in both languages with that number (:func:`unexpected_message`). Streamlit's own error
  display is switched off as well (``client.showErrorDetails = "none"`` in
  ``.streamlit/config.toml``), for whatever escapes this boundary.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gis.paths import scrub_paths

__all__ = ["scrub_paths", "visitor_text", "new_reference", "unexpected_message", "page_boundary"]

log = logging.getLogger(__name__)

def visitor_text(text: str) -> str:
    """A message from the core (an error, a reader's note) as a visitor may see it: server
    paths shortened to file names, then escaped as Markdown text (``ui.escape.md_text``) —
    messages quote file names and values from the input."""
    from ui.escape import md_text

    return md_text(scrub_paths(str(text)))


def new_reference() -> str:
    """A reference number for one failure: the time (UTC) and eight random hex digits,
    e.g. ``20261206-0553-3F9A1C2B`` — easy to read out, easy to find in the log."""
    return time.strftime("%Y%m%d-%H%M", time.gmtime()) + "-" + secrets.token_hex(4).upper()


def unexpected_message(ref: str) -> str:
    """The short message for an unexpected failure, Chinese then English."""
    from ui.i18n import tr

    return f"{tr('common.unexpected_error', 'zh', ref=ref)}\n\n{tr('common.unexpected_error', 'en', ref=ref)}"


@contextmanager
def page_boundary(where: str) -> Iterator[None]:
    """Run a page inside: a PlanningError shows its message; any other exception is logged
    with its traceback under a new reference and the page shows only :func:`unexpected_message`.

    Streamlit's ``st.stop()`` and ``st.rerun()`` (BaseExceptions) pass through untouched.
    """
    import streamlit as st

    from gis.errors import PlanningError

    try:
        yield
    except PlanningError as err:
        from ui.pagekit import error_text

        st.error(error_text(err), icon=":material/error:")
    except Exception as err:  # noqa: BLE001 - the last boundary: every bug ends here, logged
        ref = new_reference()
        log.error("unexpected error, reference %s, on %s", ref, where, exc_info=err)
        st.error(unexpected_message(ref), icon=":material/error:")
