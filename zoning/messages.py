"""The message catalogue (data/messages.yaml): every fixed text of the app, the reports and
the public site, in Chinese and English, as ``gis.text.Text`` pairs under dotted keys.

One file for every audience: the app reads its labels (``ui.i18n.t``), the reports theirs
under ``report.`` (``zoning.report.i18n.t``), and the exported public site receives the
``site.`` entries as JSON (``site_texts``), so no page keeps a table of its own. The
verdict words are the palette's (``verdict.<code>``, from data/styles.yaml through
``zoning.styles``), listed with the catalogue's own entries. Layer titles and zone-value
labels are in the layer catalogue, not here.

The file is validated as a whole when loaded (every entry has both languages and the same
``{placeholders}`` in each; every problem in one ``RuleConfigError``) and cached per file
version.

Examples
--------
>>> message("report.col_layer", "en"), message("verdict.clear", "zh")
('Layer', '不涉及')
>>> message("batch.progress", "zh", done=3, total=10)
'正在筛查：3/10'
"""

from __future__ import annotations

import functools
import os
import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from gis.errors import RuleConfigError
from gis.text import Text
from layers.paths import DATA_DIR

__all__ = ["MESSAGES_PATH", "Messages", "load_messages", "message", "messages", "parse_messages", "site_texts"]

#: The packaged catalogue, beside the layer catalogue and the palette.
MESSAGES_PATH = DATA_DIR / "messages.yaml"
_LANGS = ("zh", "en")


class Messages(Mapping[str, Text]):
    """Dotted key -> :class:`gis.text.Text`; ``get_text(key, lang, **values)`` formats one."""

    def __init__(self, entries: Mapping[str, Text], source: str) -> None:
        self._entries = MappingProxyType(dict(entries))
        self.source = source

    def __getitem__(self, key: str) -> Text:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get_text(self, key: str, lang: str, /, **values: Any) -> str:
        """The text of ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``.

        Raises
        ------
        KeyError
            If ``key`` is not in the catalogue: a missing label is a bug, not user input.
        """
        text = self._entries[key].pick(lang)
        return text.format(**values) if values else text

    def section(self, prefix: str) -> dict[str, Text]:
        """The entries under ``prefix.`` with the prefix taken off (``section("site")``)."""
        head = prefix.rstrip(".") + "."
        return {key[len(head):]: text for key, text in self._entries.items() if key.startswith(head)}


def load_messages(path: str | Path | None = None) -> Messages:
    """The catalogue of ``path`` (default the packaged data/messages.yaml) with the
    palette's verdict words as ``verdict.<code>``; cached per file version.

    Raises
    ------
    RuleConfigError
        If the file cannot be read or has bad entries (all of them listed).
    """
    from zoning.styles import load_styles

    # Called for every label: a stat of each file is all an unchanged catalogue costs.
    p = os.path.abspath(path if path is not None else MESSAGES_PATH)
    try:
        info = os.stat(p)
    except OSError as err:
        msg = f"message catalogue {p} cannot be read: {err.strerror or err}"
        raise RuleConfigError(msg, zh=f"文字目录 {p} 无法读取（{err.strerror or err}）") from err
    styles = load_styles()
    return _load_cached(p, info.st_mtime_ns, info.st_size, styles.path, styles.sha256)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int, styles_path: str, styles_sha256: str) -> Messages:
    from zoning.styles import load_styles

    del mtime_ns, size, styles_sha256  # cache key only: a changed file is read again
    verdicts = tuple((code, style.text) for code, style in load_styles(styles_path).verdicts.items())
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"message catalogue {path} is not valid UTF-8 YAML: {err}"
        raise RuleConfigError(msg, zh=f"文字目录 {path} 不是有效的 UTF-8 YAML：{err}") from err
    return parse_messages(data, source=path, verdicts=dict(verdicts))


def parse_messages(data: Any, *, source: str = "messages", verdicts: Mapping[str, Text] | None = None) -> Messages:
    """Validate a parsed catalogue (nested mappings ending in ``{zh: ..., en: ...}``)."""
    problems: list[str] = []
    entries: dict[str, Text] = {}
    if not isinstance(data, Mapping):
        problems.append(f"expected a mapping of sections, got {type(data).__name__}")
        data = {}
    _flatten(data, "", entries, problems)
    for code, text in (verdicts or {}).items():
        key = f"verdict.{code}"
        if key in entries:
            problems.append(f"{key}: the verdict words are the palette's (data/styles.yaml); remove this entry")
        entries[key] = text
    if problems:
        msg = f"{source}: {len(problems)} problem(s) in the message catalogue:\n" + "\n".join(f"  - {p}" for p in problems)
        zh = f"文字目录 {source} 有 {len(problems)} 处问题：\n" + "\n".join(f"  - {p}" for p in problems)
        raise RuleConfigError(msg, zh=zh)
    return Messages(entries, source)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _flatten(node: Mapping[str, Any], prefix: str, out: dict[str, Text], problems: list[str]) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and value and set(value) <= set(_LANGS):
            zh, en = (value.get(lang) for lang in _LANGS)
            if not all(isinstance(v, str) and v.strip() for v in (zh, en)):
                problems.append(f"{key}: needs a zh and an en text, got {dict(value)!r}")
                continue
            try:
                same = _placeholders(str(zh)) == _placeholders(str(en))
            except ValueError as err:  # an unbalanced brace
                problems.append(f"{key}: {err}")
                continue
            if not same:
                problems.append(f"{key}: placeholders differ: zh {_placeholders(str(zh))}, en {_placeholders(str(en))}")
            out[key] = Text(str(zh), str(en))
        elif isinstance(value, Mapping):
            _flatten(value, f"{key}.", out, problems)
        else:
            problems.append(f"{key}: expected a mapping with zh and en texts (or a section), got {value!r}")


def messages() -> Messages:
    """The packaged catalogue (see :func:`load_messages`)."""
    return load_messages()


def message(key: str, lang: str, /, **values: Any) -> str:
    """The packaged catalogue's ``key`` in ``lang``, formatted with ``values``."""
    return load_messages().get_text(key, lang, **values)


def site_texts() -> dict[str, dict[str, str]]:
    """The public site's texts as ``{"zh": {name: text}, "en": {...}}`` (JSON for map.js)."""
    site = load_messages().section("site")
    return {lang: {name: text.pick(lang) for name, text in site.items()} for lang in _LANGS}
