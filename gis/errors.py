"""The one exception hierarchy of the product: every user-facing failure is a PlanningError.

Each class also inherits the builtin it specialises, so callers that only know
``ValueError`` or ``OSError`` still catch it. Messages name the input (file, layer,
field, value), say what was expected and, where possible, how to fix it. The CLI
turns any ``PlanningError`` into that message and exit code 2; pages show it with
``st.error``. Anything that is not a ``PlanningError`` is a bug and propagates.

Messages are bilingual: ``str(err)`` is the English text (what tests match and logs
keep), ``err.zh`` the Chinese one that Chinese pages and the CLI show first, naming the
same file, field and value. ``err.message(lang)`` picks one, falling back to the English
where no Chinese has been written. Input names that end up in messages ("typed
coordinates", "x.gpkg layer roads", "row 3") travel as :class:`Label` so the Chinese
text can name the input in Chinese too.

Examples
--------
>>> err = InputError("value 'abc' is not a number", zh="值“abc”不是数字")
>>> str(err), err.message("zh"), err.message("en")
("value 'abc' is not a number", '值“abc”不是数字', "value 'abc' is not a number")
"""

from __future__ import annotations

import re

from gis.text import Text

__all__ = [
    "PlanningError",
    "CRSError",
    "GeometryError",
    "DataSourceError",
    "SchemaError",
    "RuleConfigError",
    "InputError",
    "LimitError",
    "Label",
    "zh_label",
    "zh_lead",
    "error_text",
]


class PlanningError(Exception):
    """Base class: a problem with the user's input, data or configuration.

    Parameters
    ----------
    *args
        As for ``Exception``: the English message.
    zh
        The same message in Chinese, or None where it has not been written yet.
    """

    zh: str | None

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh or None

    @property
    def text(self) -> Text:
        """The message as a (Chinese, English) pair; the English in both where no Chinese
        has been written."""
        return Text(self.zh or str(self), str(self))

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"zh"`` or ``"en"``); the English when there is no Chinese."""
        return self.text.pick(lang)


class CRSError(PlanningError, ValueError):
    """A coordinate reference system is missing, unknown, implausible for the data,
    or geographic where metres are needed."""


class GeometryError(PlanningError, ValueError):
    """A geometry is empty, or invalid and cannot be repaired."""


class DataSourceError(PlanningError, OSError):
    """A file, layer or store cannot be opened or read."""


class SchemaError(PlanningError, ValueError):
    """A layer lacks required fields, has values outside the allowed set, or the
    wrong geometry type."""


class RuleConfigError(PlanningError, ValueError):
    """A rules, project-type or catalogue file has a bad entry."""


class InputError(PlanningError, ValueError):
    """A user-supplied value (CLI option, form field, coordinate text) is malformed."""


class LimitError(DataSourceError):
    """An input is bigger than a limit of ``gis.limits`` (bytes, compression ratio, features,
    vertices, batch size); the message names the limit and how to raise it, and
    ``limit_name`` holds the limit's name (``"unzipped_bytes"``)."""

    limit_name: str | None = None


class Label(Text):
    """The name of an input in messages: the English as the ``str`` value, the Chinese in ``.zh``.

    A :class:`gis.text.Text` whose string form is the English, so it passes wherever a
    ``source: str`` goes (f-strings, ``Path``, comparisons see the English) and readers can
    hand it down unchanged; a message that embeds it uses :func:`zh_label` for its Chinese text.

    >>> src = Label("typed coordinates", "输入的坐标")
    >>> f"{src} are empty", zh_label(src), src.en
    ('typed coordinates are empty', '输入的坐标', 'typed coordinates')
    """

    def __new__(cls, en: str, zh: str | None = None) -> Label:
        obj = str.__new__(cls, en)
        obj.en = str(en)
        obj.zh = zh if zh is not None else zh_label(en)
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return self.en, self.zh


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def zh_label(value: object) -> str:
    """The Chinese name of an input: the ``.zh`` of a :class:`Label` or any
    :class:`gis.text.Text`, else the value itself (a file name needs no translation).

    >>> zh_label(Text("输入的坐标", "typed coordinates")), zh_label("farm.geojson")
    ('输入的坐标', 'farm.geojson')
    """
    if isinstance(value, Text):
        return value.zh
    return str(value)


def zh_lead(value: object) -> str:
    """:func:`zh_label` as the start of a Chinese sentence: a Latin name (a file name) gets
    the space the product writes between Latin text and Chinese ("a.csv 中", "输入的坐标中")."""
    text = zh_label(value)
    return f"{text} " if text and not _CJK.match(text[-1]) else text


def error_text(message: str, zh: str | None = None, *, prefix: str = "Error") -> str:
    """A bad input as the product reports it outside a page: ``错误：<中文>`` then ``<prefix>: <English>``.

    What the CLI prints (``zoning.cli``) and what the HTTP API returns as ``message``
    (``zoning.api``), so the two say exactly the same. A message without a Chinese text
    gives its English line only. When both texts end in the same block after their first
    line (the problem list of a zone store or an import, written once for both languages),
    that block is given once, after the two lines.

    >>> print(error_text("x.csv is empty", "x.csv 为空"))
    错误：x.csv 为空
    Error: x.csv is empty
    """
    if not zh:
        return f"{prefix}: {message}"
    head_zh, sep_zh, tail_zh = zh.partition("\n")
    head_en, sep_en, tail_en = message.partition("\n")
    if sep_zh and sep_en and tail_zh == tail_en:
        return f"错误：{head_zh}\n{prefix}: {head_en}\n{tail_en}"
    return f"错误：{zh}\n{prefix}: {message}"
