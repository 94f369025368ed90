"""The workbook (openpyxl): the conflict table (``tables.conflict_table``), a per-project
summary and the data/version information.

Numbers stay numbers, as measured; the sheet only shows them rounded (number formats), so a
reviewer filtering or summing in Excel works on the exact values. Every cell goes through
``formulas.xlsx_cell``: a name that looks like a formula is stored as text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gis.paths import scrub_paths
from zoning.model import ScreeningResult
from zoning.report.comparison import comparison_table
from zoning.report.compliance import CLAUSE_KEYS, clause_table
from zoning.report.formulas import xlsx_cell
from zoning.report.i18n import ILLUSTRATIVE_MARK, check_lang, join_list, layer_title, t
from zoning.report.numbering import report_number
from zoning.report.tables import COLUMNS, PROJECT_COLUMNS, conflict_table, project_table

__all__ = ["render_xlsx"]

_WIDTHS = {"project": 24, "type": 20, "layer": 18, "feature": 22, "condition": 48, "basis": 34, "source": 28,
           "units": 40, "coverage": 60, "text": 48, "finding": 36, "unit": 16, "conformity": 12, "dimension": 14}
#: Display formats of the numeric columns (the stored value keeps every digit).
_NUMBER_FORMATS = {"area_m2": "#,##0.0", "length_m": "#,##0.0", "overlap_area_m2": "#,##0.0",
                   "overlap_length_m": "#,##0.0", "distance_m": "#,##0.0", "overlap_pct": "0.00",
                   "centroid_lon": "0.000000", "centroid_lat": "0.000000"}


def _fill(ws: Any, rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` into the empty sheet ``ws``, every cell defused (the only way this
    module writes cells)."""
    for row in rows:
        ws.append(list(row))
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            xlsx_cell(cell)


def _sheet_table(ws: Any, header: list[str], rows: list[list[Any]], keys: Sequence[str]) -> None:
    _fill(ws, [header, *rows])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E2E8F0")
    head = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = head
    for j, key in enumerate(keys, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _WIDTHS.get(key, 12)
    formats = {j: _NUMBER_FORMATS[key] for j, key in enumerate(keys) if key in _NUMBER_FORMATS}
    body = Alignment(wrap_text=True, vertical="top")  # one object: openpyxl indexes styles by value, per cell
    for row_cells in ws.iter_rows(min_row=2):
        for j, cell in enumerate(row_cells):
            cell.alignment = body
            if j in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[j]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _info_sheet(ws: Any, results: Sequence[ScreeningResult], lang: str) -> None:
    data = results[0].data
    illustrative = any(r.data.illustrative or r.illustrative_used for r in results)
    lines: list[tuple[str, str]] = [(t("title" if len(results) == 1 else "title_batch", lang), ""),
                                    (t("report_no", lang), report_number(results)),
                                    (t("screened_at", lang), results[0].generated_at),
                                    (t("data_store", lang), scrub_paths(data.zones)), (t("data_sha", lang), data.sha256)]
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
    _fill(ws, lines)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if illustrative:
        ws["A1"].font = Font(bold=True, color="C00000")
        ws["B1"].font = Font(color="C00000")


def _comparison_sheet(ws: Any, results: Sequence[ScreeningResult], lang: str) -> None:
    header, rows = comparison_table(results, lang=lang)
    _fill(ws, [header, *rows])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E2E8F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_cells in ws.iter_rows():
        for cell in row_cells:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    for row_cells in ws.iter_rows(min_row=2, max_col=1):
        for cell in row_cells:
            cell.font = bold
    ws.column_dimensions["A"].width = 22
    for j in range(2, len(header) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 40
    ws.freeze_panes = "B2"


def render_xlsx(results: Sequence[ScreeningResult], *, lang: str = "zh", comparison: bool = False) -> bytes:
    """Workbook with the conflict table, a per-project summary (with the control units and
    what each verdict covers), the access-list conformity table and data/version information
    (with ``comparison``, a 方案比选 sheet first: the sites side by side).

    When illustrative data took part, every sheet's print header carries the mark, the
    information sheet opens with it and every conflict row says 示意 in 数据法律效力.

    Raises
    ------
    InputError
        If ``lang`` is not supported.
    """
    lang = check_lang(lang)
    wb = Workbook()
    sheets = []
    if comparison:
        cmp_ws = wb.active
        cmp_ws.title = "方案比选" if lang == "zh" else "Comparison"
        _comparison_sheet(cmp_ws, results, lang)
        sheets.append(cmp_ws)
        ws = wb.create_sheet()
    else:
        ws = wb.active
    ws.title = "冲突一览" if lang == "zh" else "Conflicts"
    header, rows = conflict_table(results, lang=lang)
    _sheet_table(ws, header, rows, [k for k, _, _ in COLUMNS])
    ws2 = wb.create_sheet("项目汇总" if lang == "zh" else "Projects")
    header2, summary = project_table(results, lang=lang)
    _sheet_table(ws2, header2, summary, [*PROJECT_COLUMNS, "n", "units", "coverage"])
    ws_clauses = wb.create_sheet(t("sheet_clauses", lang))
    header_c, clauses = clause_table(results, lang=lang)
    _sheet_table(ws_clauses, header_c, clauses, CLAUSE_KEYS)
    ws3 = wb.create_sheet("数据与说明" if lang == "zh" else "Data and notes")
    _info_sheet(ws3, results, lang)
    if any(r.data.illustrative or r.illustrative_used for r in results):
        for sheet in (*sheets, ws, ws2, ws_clauses, ws3):
            sheet.oddHeader.center.text = ILLUSTRATIVE_MARK[lang]
            sheet.oddHeader.center.color = "C00000"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
