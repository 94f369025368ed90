"""The conflict table as XLSX (openpyxl) and CSV (UTF-8 with BOM, so Excel reads Chinese).

One row per conflict; a project without conflicts still gets one row (verdict 不涉及) so a
batch table lists every project. Numbers stay numbers (m², %, m) for filtering in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zoning.model import ScreeningResult
from zoning.report.content import report_number
from zoning.report.i18n import (
    ILLUSTRATIVE_MARK,
    check_lang,
    conclusion_label,
    join_list,
    layer_title,
    project_type_label,
    relation_label,
    t,
    verdict_label,
)
from zoning.report.sections import conflict_rows

__all__ = ["COLUMNS", "conflict_table", "render_csv", "render_xlsx"]

#: (key, zh header, en header) of the conflict table, in order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("index", "序号", "No."),
    ("project", "项目名称", "Project"),
    ("type", "项目类型", "Type"),
    ("county", "县（市、区）", "County"),
    ("conclusion", "结论", "Conclusion"),
    ("project_verdict", "项目判定", "Project verdict"),
    ("layer", "管控图层", "Layer"),
    ("feature", "要素名称", "Feature"),
    ("zone", "分区/级别", "Zone"),
    ("relation", "空间关系", "Relation"),
    ("overlap_area_m2", "重叠面积(m²)", "Overlap (m²)"),
    ("overlap_pct", "占项目比例(%)", "Share of project (%)"),
    ("overlap_length_m", "穿越长度(m)", "Length inside (m)"),
    ("distance_m", "距离(m)", "Distance (m)"),
    ("verdict", "判定", "Verdict"),
    ("rule_id", "规则编号", "Rule"),
    ("condition", "管控要求/准入条件", "Condition"),
    ("basis", "法律依据", "Legal basis"),
    ("confidence", "依据核实", "Basis checked"),
    ("legal_status", "数据法律效力", "Data legal status"),
    ("source", "要素来源", "Feature source"),
)
_WIDTHS = {"project": 24, "type": 20, "layer": 18, "feature": 22, "condition": 48, "basis": 34, "source": 28}


def _project_cells(i: int, r: ScreeningResult, lang: str) -> dict[str, Any]:
    return {
        "index": i,
        "project": r.project.name,
        "type": project_type_label(r.project.type, lang),
        "county": r.project.county or "",
        "conclusion": conclusion_label(r.verdict, lang),
        "project_verdict": verdict_label(r.verdict, lang),
    }


def conflict_table(results: Sequence[ScreeningResult], *, lang: str = "zh") -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the conflict table (values typed: numbers stay numbers)."""
    lang = check_lang(lang)
    header = [zh if lang == "zh" else en for _, zh, en in COLUMNS]
    rows: list[list[Any]] = []
    for i, r in enumerate(results, start=1):
        base = _project_cells(i, r, lang)
        conflicts = conflict_rows(r, lang)
        if not conflicts:
            row = {**base, "verdict": verdict_label("clear", lang)}
            rows.append([row.get(key, "") for key, _, _ in COLUMNS])
            continue
        for c in conflicts:
            condition = (c.condition_en or c.condition) if lang == "en" else c.condition
            row = {
                **base,
                "layer": layer_title(c.layer, lang),
                "feature": c.feature,
                "zone": c.zone or "",
                "relation": relation_label(c.relation, lang),
                "overlap_area_m2": round(c.overlap_area_m2, 1),
                "overlap_pct": round(c.overlap_pct, 2),
                "overlap_length_m": round(c.overlap_length_m, 1),
                "distance_m": round(c.distance_m, 1),
                "verdict": verdict_label(c.verdict, lang),
                "rule_id": c.rule_id,
                "condition": condition,
                "basis": c.basis,
                "confidence": t(c.confidence if c.confidence in ("verified", "secondary") else "unverified", lang),
                "legal_status": c.legal_status,
                "source": c.source,
            }
            rows.append([row.get(key, "") for key, _, _ in COLUMNS])
    return header, rows


def render_csv(results: Sequence[ScreeningResult], *, lang: str = "zh") -> bytes:
    """The conflict table as CSV, UTF-8 with BOM (Excel on Chinese Windows opens it correctly)."""
    header, rows = conflict_table(results, lang=lang)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _sheet_table(ws: Any, header: list[str], rows: list[list[Any]], keys: Sequence[str]) -> None:
    ws.append(header)
    for row in rows:
        ws.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E2E8F0")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for j, key in enumerate(keys, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(key, 12)
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _info_sheet(ws: Any, results: Sequence[ScreeningResult], lang: str) -> None:
    data = results[0].data
    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    lines: list[tuple[str, str]] = [(t("title" if len(results) == 1 else "title_batch", lang), ""),
                                    (t("report_no", lang), report_number(results)),
                                    (t("screened_at", lang), results[0].generated_at),
                                    (t("data_store", lang), data.zones), (t("data_sha", lang), data.sha256)]
    for key, value in sorted(results[0].parameters.items()):
        lines.append((str(key), str(value)))
    for layer_id, info in data.layers.items():
        lines.append((layer_title(layer_id, lang), f"{info.features} · {info.legal_status}"))
    if data.absent_layers:
        absent = join_list((layer_title(x, lang) for x in data.absent_layers), lang)
        lines.append((t("absent_note", lang, layers=absent), ""))
    if illustrative:
        lines.insert(0, (ILLUSTRATIVE_MARK[lang], t("illustrative_banner", lang)))
    lines.append((t("sec_disclaimer", lang), t("disclaimer", lang)))
    for label, value in lines:
        ws.append([label, value])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if illustrative:
        ws["A1"].font = Font(bold=True, color="C00000")
        ws["B1"].font = Font(color="C00000")


def render_xlsx(results: Sequence[ScreeningResult], *, lang: str = "zh") -> bytes:
    """Workbook with the conflict table, a per-project summary and data/version information.

    When illustrative data took part, every sheet's print header carries the mark, the
    information sheet opens with it and every conflict row says 示意 in 数据法律效力.
    """
    lang = check_lang(lang)
    wb = Workbook()
    ws = wb.active
    ws.title = "冲突一览" if lang == "zh" else "Conflicts"
    header, rows = conflict_table(results, lang=lang)
    _sheet_table(ws, header, rows, [k for k, _, _ in COLUMNS])
    ws2 = wb.create_sheet("项目汇总" if lang == "zh" else "Projects")
    keys = ("index", "project", "type", "county", "conclusion", "project_verdict")
    summary = [[_project_cells(i, r, lang)[k] for k in keys] + [len(r.conflicts)] for i, r in enumerate(results, 1)]
    head2 = [h for k, zh, en in COLUMNS if k in keys for h in [zh if lang == "zh" else en]]
    _sheet_table(ws2, [*head2, t("col_conflicts", lang)], summary, [*keys, "n"])
    ws3 = wb.create_sheet("数据与说明" if lang == "zh" else "Data and notes")
    _info_sheet(ws3, results, lang)
    if any(r.data.illustrative or r.illustrative_used for r in results):
        for sheet in (ws, ws2, ws3):
            sheet.oddHeader.center.text = ILLUSTRATIVE_MARK[lang]
            sheet.oddHeader.center.color = "C00000"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
