"""Data shown as text, never as markup: the one place the app escapes names it did not write.

Zone names come from whatever GeoPackage an administrator imported, project names from an
anonymous visitor's upload. Streamlit renders Markdown (with its own extensions: icons,
colours, LaTeX) in ``st.markdown``, captions, alerts and widget labels; Leaflet puts tooltip,
legend and layer-control strings into ``innerHTML``. A name such as ``<img src=x
onerror=alert(1)>`` or ``![t](http://host/track.png)`` must reach the reader as those
characters — not as an element, an image fetched from another host, or a link.

* :func:`html_text` — for HTML (legends, map controls, HTML put in ``st.markdown`` with
  ``unsafe_allow_html``): ``& < > " '`` as entities.
* :func:`md_text` — for Markdown (``st.markdown``, ``st.caption``, ``st.info``/``warning``/
  ``error``, expander and other widget labels): every ASCII character that can start Markdown,
  HTML or a Streamlit extension as a numeric character reference. CommonMark decodes a
  character reference to a literal character that never starts syntax, so the text shows as
  typed; the same string is also safe as HTML (a reference is text there too). Line breaks
  become spaces: a name is one line, and a break could start a heading or a list.
* :func:`md_fill` — a catalogue message (which may hold Markdown of our own) filled with
  values escaped by :func:`md_text`.
* :func:`safe_filename` — a download's file name made of a data string.

Only our own words (the message catalogue) are ever passed to Streamlit as Markdown unescaped.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["html_text", "md_text", "md_fill", "safe_filename"]

#: Characters that start Markdown (CommonMark + GFM), HTML, or Streamlit's extensions
#: (``:material/x:``, ``:red[...]``, ``$LaTeX$``), plus the HTML attribute quotes.
_MD_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$:&\"'=^@%/;")
_MD_TABLE = {ord(c): f"&#{ord(c)};" for c in _MD_SPECIALS}
_BREAKS = re.compile(r"[\r\n\t\f\v\u2028\u2029]+")
#: Characters no file system or Content-Disposition header should get from data.
_FILENAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|;`$'&%]+")


def html_text(value: Any) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>``, ``"`` and ``'`` as entities.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def md_text(value: Any) -> str:
    """``value`` as literal text inside Streamlit Markdown (and inside HTML).

    >>> md_text("![t](http://h/x.png)")
    '&#33;&#91;t&#93;&#40;http&#58;&#47;&#47;h&#47;x&#46;png&#41;'
    >>> md_text("湘江 一级")
    '湘江 一级'
    """
    text = _BREAKS.sub(" ", "" if value is None else str(value))
    return text.translate(_MD_TABLE)


def md_fill(template: str, **values: Any) -> str:
    """``template.format(**values)`` with every value escaped by :func:`md_text`.

    For a catalogue message of our own (which may hold Markdown) that names data.
    """
    return template.format(**{k: md_text(v) for k, v in values.items()})


def safe_filename(stem: Any, *, default: str = "download", max_chars: int = 80) -> str:
    """A download file name stem from data: no path separators, control characters or
    characters that need quoting in a header; at most ``max_chars`` characters.

    >>> safe_filename('../../etc/passwd')
    '_.._etc_passwd'
    >>> safe_filename('<script>')
    '_script_'
    """
    text = _FILENAME_BAD.sub("_", _BREAKS.sub(" ", "" if stem is None else str(stem))).strip(" .")
    return (text[:max_chars].rstrip(" .") or default) if text else default
