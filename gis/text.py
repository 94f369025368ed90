"""Text in two languages as one value: a (Chinese, English) pair that also reads as a string.

The core writes notes ("CSV 编码 GBK / CSV encoding GBK"), input names and message
catalogue entries without knowing the reader's language. They travel as :class:`Text`,
which holds both halves (``.zh``, ``.en``), so a page or a report in one language takes
its half with ``.pick(lang)`` — never by splitting a joined string apart again.

A ``Text`` *is* a ``str``: its value is the form string-only consumers have always seen,
``"中文 / English"`` (one half alone when the two are the same or one is missing). The
JSON ``notes`` field, the CLI's output and logs keep that form; code that compares or
searches notes as strings keeps working. Anything built from a Text with string
operations (concatenation, f-strings) is a plain ``str`` again: build a new Text instead.

Examples
--------
>>> note = Text("CSV 编码 GBK", "CSV encoding GBK")
>>> str(note), note.pick("en"), note.as_dict()
('CSV 编码 GBK / CSV encoding GBK', 'CSV encoding GBK', {'zh': 'CSV 编码 GBK', 'en': 'CSV encoding GBK'})
>>> Text("已忽略 {n} 个点", "{n} points ignored").fill(n=3).pick("zh")
'已忽略 3 个点'
>>> text_of("only one language").pick("zh")
'only one language'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["Text", "text_of", "texts_of", "joined"]


def joined(zh: str, en: str) -> str:
    """The string form of a pair: ``"中文 / English"``, or one half where they are equal or
    one is empty."""
    if not zh or not en or zh == en:
        return zh or en
    return f"{zh} / {en}"


class Text(str):
    """A text in Chinese and English; the ``str`` value is :func:`joined` of the two.

    Parameters
    ----------
    zh
        The Chinese text.
    en
        The English text; None (or empty) for a text that reads the same in both
        languages (a file name, a number) — then both halves are ``zh``.
    """

    zh: str
    en: str

    def __new__(cls, zh: str, en: str | None = None) -> Text:
        zh, en = str(zh), str(en) if en else str(zh)
        obj = super().__new__(cls, joined(zh, en))
        obj.zh, obj.en = zh or en, en or zh
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        # pickle and copy rebuild a str subclass from these arguments
        return self.zh, self.en

    def pick(self, lang: str) -> str:
        """The half for a reader of ``lang`` (``"zh"`` or ``"en"``)."""
        return self.en if lang == "en" else self.zh

    def fill(self, **values: Any) -> Text:
        """Both halves with their ``{placeholders}`` filled from ``values`` (``str.format``)."""
        return type(self)(self.zh.format(**values), self.en.format(**values))

    def as_dict(self) -> dict[str, str]:
        """``{"zh": ..., "en": ...}`` (the JSON form, e.g. ``notes_i18n``)."""
        return {"zh": self.zh, "en": self.en}


def text_of(value: object) -> Text:
    """``value`` as a :class:`Text`: a Text (or a subclass, e.g. ``gis.errors.Label``) as its
    pair, anything else as a text that reads the same in both languages (never split)."""
    if isinstance(value, Text):
        return value if type(value) is Text else Text(value.zh, value.en)
    return Text(str(value))


def texts_of(values: Iterable[object]) -> tuple[Text, ...]:
    """Each of ``values`` through :func:`text_of`, duplicates (same pair) dropped, order kept."""
    return tuple(dict.fromkeys(text_of(v) for v in values))
