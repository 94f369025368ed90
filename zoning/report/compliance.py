"""与生态环境分区管控要求的符合性分析: the control units a project lies in, the access-list
table every Chinese EIA report contains (管控维度 | 准入要求 | 本项目情况 | 符合性), and what the
verdict covers — for the documents (``compliance_blocks``) and the tabular outputs
(``clause_table``, ``unit_summary``).

Everything comes from the result (``result.units``, ``result.clauses``, ``result.coverage``):
the engine decided each clause; this module only words it. Clause texts, unit names and
codes are data: they are printed as given (the writers escape nothing and interpret nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

from zoning.model import ClauseRecord, ScreeningResult, UnitRecord, confidence_label
from zoning.report.document import Block, Paragraph, Table
from zoning.report.i18n import (
    bracket,
    check_lang,
    conclusion_label,
    join_list,
    layer_title,
    report_catalog,
    t,
    verdict_label,
)

__all__ = [
    "compliance_blocks",
    "clause_cells",
    "clause_table",
    "unit_summary",
    "coverage_text",
    "no_data_reason",
    "dimension_label",
    "category_label",
    "CLAUSE_KEYS",
]


def _field_label(role: str, field: str, value: str, lang: str) -> str:
    """A stored value of ``field`` of the layer with ``role`` in ``lang`` (catalogue ``labels_en``)."""
    if lang == "zh" or not value:
        return value
    catalog = report_catalog()
    layer = catalog.role_layer(role)
    if layer is None or field not in catalog.fields_of(layer):
        return value
    return catalog.field(layer, field).label(value, lang)


def dimension_label(dimension: str, lang: str) -> str:
    """空间布局约束 / Spatial layout constraints ..."""
    return _field_label("access_list", "dimension", dimension, lang)


def category_label(category: str, lang: str) -> str:
    """优先保护单元 / Priority protection unit ..."""
    return _field_label("control_unit", "category", category, lang)


def _illustrative(status: str, lang: str, text: str = "") -> str:
    """The 示意 mark for an illustrative row, unless its text already says 示意."""
    if not status or status == "法定" or "示意" in text:
        return ""
    return "〔示意〕" if lang == "zh" else " [illustrative]"


def _scope_text(c: ClauseRecord, lang: str) -> str:
    """Which list the clause belongs to: 省级 / 湘潭市 / 单元 ZH... (category default, ECU01)."""
    if c.origin == "default":
        return t("clause_default", lang, unit=c.unit or c.scope, rule=c.rule_id)
    if c.unit or c.scope.startswith("ZH"):
        return t("clause_unit", lang, unit=c.unit or c.scope)
    return t("clause_list", lang, scope=c.scope)


def _requirement(c: ClauseRecord, lang: str) -> str:
    text = (c.text_en or c.text) if lang == "en" else c.text
    source = t("clause_source", lang, scope=_scope_text(c, lang), basis=c.basis or "—")
    return f"{text}{_illustrative(c.legal_status, lang, text)}\n{source}"


def _conformity(c: ClauseRecord, lang: str) -> str:
    """符合性: 不涉及 for a clause that does not take this project; else the verdict (the one
    vocabulary of every output) and how far its basis is verified (three levels, RULES.md)."""
    if not c.applies:
        return verdict_label("clear", lang)
    return f"{verdict_label(c.verdict, lang)}\n{confidence_label(c.confidence, lang)}"


def clause_cells(c: ClauseRecord, lang: str) -> tuple[str, str, str, str]:
    """(管控维度, 准入要求, 本项目情况, 符合性) of one clause, in ``lang``."""
    finding = c.finding_en if lang == "en" and c.finding_en else c.finding_zh
    return dimension_label(c.dimension, lang), _requirement(c, lang), finding, _conformity(c, lang)


def _unit_table(units: Sequence[UnitRecord], lang: str) -> Table:
    rows = [
        (u.code, u.name + _illustrative(u.legal_status, lang, u.name), category_label(u.category, lang), u.subtype or "—",
         f"{u.share_pct:.1f}")
        for u in units
    ]
    cols = (t("col_unit_code", lang), t("col_unit_name", lang), t("col_unit_category", lang),
            t("col_unit_subtype", lang), t("col_unit_share", lang))  # fmt: skip
    return Table(cols, tuple(rows), (0.2, 0.36, 0.16, 0.16, 0.12), caption=t("units_intro", lang),
                 numeric=(False, False, False, False, True))  # fmt: skip


def compliance_blocks(result: ScreeningResult, lang: str) -> list[Block]:
    """The section's blocks: the units with their shares, the clause table, its note."""
    blocks: list[Block] = []
    if result.units:
        blocks.append(_unit_table(result.units, lang))
    elif result.coverage.inside_store:
        blocks.append(Paragraph(t("units_none", lang), "note"))
    if not result.clauses:
        blocks.append(Paragraph(t("clauses_none", lang), "note"))
        return blocks
    rows = [(str(i), *clause_cells(c, lang)) for i, c in enumerate(result.clauses, start=1)]
    cols = (t("col_no", lang), t("col_dimension", lang), t("col_requirement", lang), t("col_situation", lang),
            t("col_conformity", lang))  # fmt: skip
    widths = (0.05, 0.13, 0.38, 0.26, 0.18) if lang == "zh" else (0.05, 0.14, 0.36, 0.25, 0.2)
    levels = tuple(c.verdict if c.applies else "clear" for c in result.clauses)
    blocks.append(Table(cols, tuple(rows), widths, caption=t("clauses_intro", lang), row_levels=levels, font_size=8.0))
    return blocks


def coverage_text(result: ScreeningResult, lang: str) -> str:
    """What the verdict covers, in a sentence (the engine's ``CoverageInfo`` statement)."""
    statement = result.coverage.statement_en if lang == "en" else result.coverage.statement_zh
    return t("coverage_line", lang, statement=statement) if statement else ""


def no_data_reason(layers: Sequence[str], lang: str) -> str:
    """One reason for every layer without data where the project lies (instead of one each)."""
    return t("no_data_reason", lang, layers=join_list((layer_title(lid, lang) for lid in layers), lang))


# --- tabular outputs ------------------------------------------------------------------------------

# One conformity column: a clause that does not apply is 不涉及 there (its verdict is "clear"),
# so a second "verdict" column beside it only repeated it.
CLAUSE_KEYS = ("index", "project", "unit", "scope", "dimension", "text", "applies", "finding", "conformity",
                "basis", "confidence", "legal_status")  # fmt: skip


def clause_table(results: Sequence[ScreeningResult], *, lang: str = "zh") -> tuple[list[str], list[list[str | int]]]:
    """Header and rows of the access-list sheet: one row per clause per project."""
    lang = check_lang(lang)
    header = [t(f"clause_col.{k}", lang) for k in CLAUSE_KEYS]
    rows: list[list[str | int]] = []
    for i, r in enumerate(results, start=1):
        for c in r.clauses:
            rows.append([
                i, r.project.name, c.unit, c.scope, dimension_label(c.dimension, lang),
                (c.text_en or c.text) if lang == "en" else c.text,
                t("yes" if c.applies else "no", lang),
                c.finding_en if lang == "en" and c.finding_en else c.finding_zh,
                conclusion_label(c.verdict if c.applies else "clear", lang), c.basis, confidence_label(c.confidence, lang),
                t(f"status_{c.legal_status}", lang) if c.legal_status in ("法定", "示意") else c.legal_status,
            ])  # fmt: skip
    return header, rows


def unit_summary(result: ScreeningResult, lang: str) -> str:
    """The units a project lies in, in one cell: ``ZH43090220001 资阳区…（重点管控单元，100.0%）``."""
    sep = "，" if lang == "zh" else ", "
    parts = [f"{u.code} {u.name}{bracket(f'{category_label(u.category, lang)}{sep}{u.share_pct:.1f}%', lang)}"
             for u in result.units]  # fmt: skip
    return ("; " if lang == "en" else "；").join(parts)
