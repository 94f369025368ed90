"""Every label of the app, in Chinese (default) and English, from one catalogue file.

``ui/messages.yaml`` maps a dotted key to ``{zh: ..., en: ...}``; :func:`t` picks the
language the user chose in the sidebar. Data that carries its own zh/en text (project
types, layer titles, rule conditions) is shown through :func:`pick`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import streamlit as st
import yaml

from gis.text import text_of
from ui import state

__all__ = ["Lang", "LANGS", "MESSAGES_PATH", "messages", "lang", "t", "tr", "pick", "labeller", "one_language", "zone_label"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
MESSAGES_PATH = Path(__file__).resolve().parent / "messages.yaml"


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    """The catalogue as ``{key: {"zh": ..., "en": ...}}`` (read once per process)."""
    raw = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    _flatten(raw, "", out)
    return out


def _flatten(node: Mapping[str, Any], prefix: str, out: dict[str, dict[str, str]]) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and set(value) <= {"zh", "en"} and value:
            out[key] = {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}
        elif isinstance(value, Mapping):
            _flatten(value, f"{key}.", out)
        else:
            msg = f"{MESSAGES_PATH.name}: {key!r} must be a mapping with zh and en texts, got {value!r}"
            raise ValueError(msg)


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
    entry = messages()[key]
    text = entry.get(language) or entry["zh"]
    return text.format(**values) if values else text


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
