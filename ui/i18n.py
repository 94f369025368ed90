"""Every label of the app, in Chinese (default) and English, from the product's one message
catalogue (data/messages.yaml, read and validated by ``zoning.messages``).

The catalogue maps a dotted key to a (zh, en) pair; :func:`t` picks the language the user
chose in the sidebar. The reports and the exported public site read the same file. Data
that carries its own zh/en text (project types, layer titles, rule conditions) is shown
through :func:`pick`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import streamlit as st

from gis.text import text_of
from ui import state
from zoning.messages import MESSAGES_PATH, load_messages

__all__ = ["Lang", "LANGS", "MESSAGES_PATH", "messages", "has_message", "lang", "t", "tr", "pick", "labeller", "one_language", "zone_label"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


def messages() -> dict[str, dict[str, str]]:
    """The catalogue as ``{key: {"zh": ..., "en": ...}}`` (cached by ``zoning.messages``)."""
    return {key: text.as_dict() for key, text in load_messages().items()}


def has_message(key: str) -> bool:
    """Whether the catalogue has ``key`` (for labels built at run time)."""
    return key in load_messages()


def lang() -> Lang:
    """The language chosen in the sidebar (Chinese until the user switches)."""
    value = st.session_state.get(state.LANG, "zh")
    return "en" if value == "en" else "zh"


def tr(key: str, language: Lang, /, **values: Any) -> str:
    """The text for ``key`` in ``language``, formatted with ``values``.

    Raises
    ------
    KeyError
        If ``key`` is not in the catalogue: a missing label is a bug, not user input.
    """
    return load_messages().get_text(key, language, **values)


def t(key: str, /, **values: Any) -> str:
    """The text for ``key`` in the user's language (see :func:`tr`)."""
    return tr(key, lang(), **values)


def labeller(prefix: str) -> Callable[[Any], str]:
    """A widget ``format_func``: option ``v`` -> the text of ``prefix + v``.

    The language is captured now, so the function gives the same labels whenever it is
    called (Streamlit and AppTest may call it outside the script run).
    """
    language = lang()
    return lambda v: tr(f"{prefix}{v}", language)


def pick(zh: str, en: str, language: Lang | None = None) -> str:
    """Choose between a data item's own Chinese and English text."""
    chosen = language or lang()
    return (en or zh) if chosen == "en" else (zh or en)


def one_language(text: str, language: Lang | None = None) -> str:
    """The user's half of a core text (a ``gis.text.Text``, e.g. a note); other text as it is.

    The core (gis/, zoning/) writes its notes in both languages because it does not know
    the reader's; on a page that has a language, the other half is only noise.

    >>> from gis.text import Text
    >>> one_language(Text("CSV 编码 GBK", "CSV encoding GBK"), "en")
    'CSV encoding GBK'
    """
    return text_of(text).pick(language or lang())


def zone_label(layer_id: str, value: str | None, language: Lang | None = None) -> str:
    """A zone value (``一级``) as the reader's language names it (``Grade I``), from the
    catalogue's ``labels_en``; the value itself where the catalogue has no English name."""
    from layers.catalog import load_catalog

    if not value:
        return ""
    catalog = load_catalog()
    spec = catalog.layers.get(layer_id)
    if spec is None or not spec.zone_field:
        return value
    return catalog.field(layer_id, spec.zone_field).label(value, language or lang())
