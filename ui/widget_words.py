"""Streamlit's own widget words in the page's language.

Streamlit writes some of its widgets' words itself, in English only: the file uploader's
"Upload" button and its "200MB per file • CSV, ..." line. A Chinese page shows them in
Chinese here, by a style sheet that hides Streamlit's text and writes ours in its place
(``::after`` content: the words are ours, from data/messages.yaml, never data). The
multiselects' "Select all" entry is switched off where they are made (``select_all=False``).
An English page keeps Streamlit's words.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import Lang, tr

__all__ = ["widget_words_css", "apply_widget_words"]

_BUTTON = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
_LIMIT = '[data-testid="stFileUploaderDropzoneInstructions"] span'


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line breaks escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return f'"{escaped}"'


def widget_words_css(lang: Lang, *, max_upload_mb: int, types: list[str]) -> str:
    """The style sheet putting the uploader's words in ``lang`` ("" for English)."""
    if lang == "en":
        return ""
    button = tr("widgets.upload_button", lang)
    limit = tr("widgets.upload_limit", lang, mb=max_upload_mb, types="、".join(t.upper() for t in types))
    return (
        f"{_BUTTON} {{ font-size: 0; }}\n"
        f"{_BUTTON}::after {{ content: {_css_string(button)}; font-size: 1rem; }}\n"
        f"{_LIMIT} {{ font-size: 0; }}\n"
        f"{_LIMIT}::after {{ content: {_css_string(limit)}; font-size: 0.875rem; }}\n"
    )


def apply_widget_words(lang: Lang) -> None:
    """Put the style sheet of :func:`widget_words_css` on the page (nothing for English)."""
    from ui.forms import UPLOAD_TYPES

    css = widget_words_css(lang, max_upload_mb=int(st.get_option("server.maxUploadSize")), types=list(UPLOAD_TYPES))
    if css:
        st.html(f"<style>{css}</style>")
