"""Notes shown with a screening result: what the user should know about how the answer was
reached — input conversions, attribute defaults, absent layers, illustrative data.

Every note is a ``gis.text.Text`` (Chinese, English): a page or report in one language
prints ``note.pick(lang)``; the JSON ``notes`` field keeps the string form
``"中文 / English"`` and ``notes_i18n`` the pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gis.text import Text, text_of, texts_of
from zoning._catalog_schema import LayerSchema
from zoning.model import Conflict, DataInfo, Nearby
from zoning.rules import RuleSet

__all__ = ["result_notes", "note_in", "ILLUSTRATIVE_NOTE"]

ILLUSTRATIVE_NOTE = Text("示意数据，不具法律效力", "illustrative data, no legal force")


def note_in(note: str, lang: str) -> str:
    """The half of ``note`` for a document in ``lang`` (``"zh"`` or ``"en"``), the English
    half starting with a capital letter as a sentence of its own. A note that is not a
    ``Text`` reads the same in both languages.

    Examples
    --------
    >>> note_in(Text("坐标列：lon、lat", "coordinate columns: lon, lat"), "en")
    'Coordinate columns: lon, lat'
    >>> note_in("Projects 1-3", "zh")
    'Projects 1-3'
    """
    text = text_of(note).pick(lang)
    return text if lang == "zh" else text[:1].upper() + text[1:]


def _yes_no(value: Any, lang: str) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "true" if value else "false"


def _default_text(spec: Any, lang: str) -> str:
    """An attribute's default in words: 是/否 (true/false) for a bool, the value of a choice."""
    return _yes_no(spec.default, lang) if spec.type == "bool" else str(spec.value_label(spec.default, lang))


def attribute_notes(names: Iterable[str], given: Mapping[str, Any], ruleset: RuleSet) -> list[Text]:
    """One note per attribute a relevant rule judged by its default or its absence."""
    out: list[Text] = []
    specs = ruleset.project_types.attributes
    for name in sorted(set(names) - set(given)):
        spec = specs[name]
        if spec.has_default:
            out.append(Text(
                f"未填写“{spec.label_zh}”（{name}），按默认值“{_default_text(spec, 'zh')}”判定",
                f"{name} ({spec.label_en}) not given; judged with the default {_default_text(spec, 'en')}",
            ))
        else:
            out.append(Text(
                f"未填写“{spec.label_zh}”（{name}），依赖该属性的规则无法完全判定，请补充后重新筛查",
                f"{name} ({spec.label_en}) not given; the rules that depend on it could not be fully decided",
            ))
    return out


def result_notes(
    input_notes: Sequence[str],
    defaults_used: Iterable[str],
    given: Mapping[str, Any],
    ruleset: RuleSet,
    data: DataInfo,
    conflicts: Sequence[Conflict],
    nearby: Sequence[Nearby],
    *,
    schemas: Mapping[str, LayerSchema] | None = None,
) -> list[Text]:
    """All notes for one result, in a stable order (input notes that are plain strings read
    the same in both languages)."""
    notes = list(texts_of(input_notes))
    notes += attribute_notes(defaults_used, given, ruleset)
    if data.absent_layers:
        names = "、".join(
            f"{schemas[lid].title_zh}（{lid}）" if schemas and lid in schemas else lid for lid in data.absent_layers
        )
        notes.append(Text(f"图层缺失，未筛查：{names}", f"absent layers, not screened: {', '.join(data.absent_layers)}"))
    if any(c.confidence == "unverified" for c in conflicts):
        notes.append(Text("部分规则待法规核实", "some rules applied are unverified: legal basis to be confirmed"))
    if any(c.legal_status == "示意" for c in conflicts) or any(n.legal_status == "示意" for n in nearby):
        notes.append(ILLUSTRATIVE_NOTE)
    return notes
