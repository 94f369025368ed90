"""Lay out a report ``Document`` as DOCX with python-docx (Word / WPS).

Chinese official style: 黑体 headings, 宋体 body (SimHei / SimSun, present on every Chinese
Windows or WPS installation; Word substitutes a CJK font elsewhere — DOCX does not embed
fonts), A4 with 25 mm side margins, tables with a repeated, shaded header row. The header
of every page carries the title and report number and, when illustrative data took part,
the red "示意数据，不具法律效力" mark; the footer repeats the mark and numbers the pages.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from zoning.report.document import Conclusion, Document, Figure, Heading, KeyValues, PageBreak, Paragraph, Table
from zoning.styles import load_styles

__all__ = ["render_docx"]

_BODY_FONT = ("Times New Roman", "宋体")
_HEAD_FONT = ("Arial", "黑体")
_RED = RGBColor(0xC0, 0x00, 0x00)
_GREY = RGBColor(0x55, 0x55, 0x55)
_HEADING_PT = {1: 14, 2: 13, 3: 12}
_TEXT_WIDTH_MM = 160.0


def _verdict_colours(level: str) -> tuple[str | None, RGBColor | None]:
    """(cell shading ``RRGGBB``, text colour) of a verdict from the palette; (None, None) otherwise."""
    verdict = load_styles().verdicts.get(level)
    if verdict is None:
        return None, None
    return verdict.fill.lstrip("#").upper(), RGBColor.from_string(verdict.ink.lstrip("#").upper())


def _fonts(run_or_style: object, fonts: tuple[str, str]) -> None:
    """Set the Latin and East-Asian font of a run or style (python-docx sets only Latin)."""
    latin, east = fonts
    run_or_style.font.name = latin  # type: ignore[attr-defined]
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east)):
        rfonts.set(qn(attr), value)


def _run(par: object, text: str, *, size: float | None = None, bold: bool = False, color: RGBColor | None = None,
         fonts: tuple[str, str] = _BODY_FONT) -> object:
    run = par.add_run(text)  # type: ignore[attr-defined]
    _fonts(run, fonts)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _field(par: object, code: str) -> None:
    """A Word field (PAGE / NUMPAGES) so page numbers are filled in by Word itself."""
    run = par.add_run()  # type: ignore[attr-defined]
    _fonts(run, _BODY_FONT)
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, code), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _shade(cell: object, hex_fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_fill)
    tcpr.append(shd)


def _repeat_header(row: object) -> None:
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _setup(doc: Document) -> object:
    d = new_docx()
    section = d.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.header_distance = section.footer_distance = Mm(12)
    normal = d.styles["Normal"]
    _fonts(normal, _BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.25
    props = d.core_properties
    props.title = f"{doc.title} {doc.number}"
    props.author = "湖南省生态环境分区管控符合性筛查工具"
    props.language = "zh-CN" if doc.lang == "zh" else "en"
    _header_footer(d, doc)
    return d


def _header_footer(d: object, doc: Document) -> None:
    section = d.sections[0]  # type: ignore[attr-defined]
    head = section.header.paragraphs[0]
    foot = section.footer.paragraphs[0]
    for par in (head, foot):  # one right tab at the text edge replaces the default centre/right stops
        par.paragraph_format.tab_stops.add_tab_stop(Mm(_TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    _run(head, f"{doc.header}  {doc.number}", size=8, color=_GREY)
    if doc.mark:
        _run(head, "\t" + doc.mark, size=9, bold=True, color=_RED, fonts=_HEAD_FONT)
    if doc.mark:
        _run(foot, doc.mark + "\t", size=8, bold=True, color=_RED, fonts=_HEAD_FONT)
    before, _, rest = doc.page_label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    _run(foot, before, size=8)
    _field(foot, "PAGE")
    _run(foot, middle, size=8)
    _field(foot, "NUMPAGES")
    _run(foot, after, size=8)
    if not doc.mark:
        foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _title_block(d: object, doc: Document) -> None:
    par = d.add_paragraph()  # type: ignore[attr-defined]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.space_before = Pt(12)
    _run(par, doc.title, size=18, bold=True, fonts=_HEAD_FONT)
    if doc.subtitle:
        sub = d.add_paragraph()  # type: ignore[attr-defined]
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(sub, doc.subtitle, size=14, bold=True, fonts=_HEAD_FONT)
    for label, value in doc.meta:
        meta = d.add_paragraph()  # type: ignore[attr-defined]
        meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
        meta.paragraph_format.space_after = Pt(0)
        _run(meta, f"{label}{doc.colon}{value}", size=10)
    if doc.banner:
        table = d.add_table(rows=1, cols=1)  # type: ignore[attr-defined]
        table.style = "Table Grid"
        cell = table.rows[0].cells[0]
        _shade(cell, "FDECEC")
        par = cell.paragraphs[0]
        _run(par, doc.mark, size=11, bold=True, color=_RED, fonts=_HEAD_FONT)
        par2 = cell.add_paragraph()
        _run(par2, doc.banner, size=10, color=_RED)
    d.add_paragraph()  # type: ignore[attr-defined]


def _heading(d: object, block: Heading) -> None:
    par = d.add_paragraph()  # type: ignore[attr-defined]
    par.paragraph_format.keep_with_next = True
    par.paragraph_format.space_before = Pt(10 if block.level == 1 else 6)
    par.paragraph_format.space_after = Pt(4)
    par.style = d.styles[f"Heading {min(block.level, 3)}"]  # type: ignore[attr-defined]
    _run(par, block.text, size=_HEADING_PT.get(block.level, 12), bold=True, color=RGBColor(0, 0, 0),
         fonts=_HEAD_FONT)


def _paragraph(d: object, block: Paragraph) -> None:
    size = {"body": 10.5, "note": 10, "small": 9, "warning": 10.5}[block.style]
    for line in block.text.split("\n"):
        par = d.add_paragraph()  # type: ignore[attr-defined]
        par.paragraph_format.space_after = Pt(1 if block.style == "small" else 3)
        _run(par, line, size=size, color=_RED if block.style == "warning" else None)


def _table(d: object, block: Table) -> None:
    if block.caption:
        cap = d.add_paragraph()  # type: ignore[attr-defined]
        _run(cap, block.caption, size=9.5)
        cap.paragraph_format.keep_with_next = True
    table = d.add_table(rows=1, cols=len(block.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(_TEXT_WIDTH_MM * w / sum(block.widths)) for w in block.widths]
    head = table.rows[0]
    _repeat_header(head)
    for j, col in enumerate(block.columns):
        cell = head.cells[j]
        cell.width = widths[j]
        _shade(cell, "E2E8F0")
        par = cell.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(par, col, size=block.font_size + 0.5, bold=True, fonts=_HEAD_FONT)
    numeric = block.numeric or (False,) * len(block.columns)
    for i, values in enumerate(block.rows):
        level = block.row_levels[i] if i < len(block.row_levels) else ""
        cells = table.add_row().cells
        for j, value in enumerate(values):
            cells[j].width = widths[j]
            par = cells[j].paragraphs[0]
            par.paragraph_format.space_after = Pt(0)
            par.paragraph_format.line_spacing = 1.0
            if j < len(numeric) and numeric[j]:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            verdict_col = block.columns[j] in ("判定", "Verdict", "结论", "Conclusion", "符合性", "Conformity")
            fill, color = _verdict_colours(level) if verdict_col else (None, None)
            if fill is not None:
                _shade(cells[j], fill)
            _run(par, value, size=block.font_size + 0.5, color=color, bold=bool(color))
    d.add_paragraph().paragraph_format.space_after = Pt(2)  # type: ignore[attr-defined]


def _key_values(d: object, block: KeyValues) -> None:
    table = d.add_table(rows=0, cols=2)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.autofit = False
    label_w = Mm(_TEXT_WIDTH_MM * block.label_width)
    value_w = Mm(_TEXT_WIDTH_MM * (1 - block.label_width))
    for label, value in block.rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = label_w, value_w
        _shade(cells[0], "F2F2F2")
        for cell, text in ((cells[0], label), (cells[1], value)):
            par = cell.paragraphs[0]
            par.paragraph_format.space_after = Pt(0)
            _run(par, text, size=10)
    d.add_paragraph().paragraph_format.space_after = Pt(2)  # type: ignore[attr-defined]


def _conclusion(d: object, block: Conclusion) -> None:
    table = d.add_table(rows=1, cols=1)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    cell = table.rows[0].cells[0]
    fill, ink = _verdict_colours(block.verdict)
    _shade(cell, fill or "F0F0F0")
    par = cell.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(par, block.headline, size=15, bold=True, color=ink, fonts=_HEAD_FONT)
    par2 = cell.add_paragraph()
    par2.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(par2, block.verdict_line, size=11, bold=True, color=ink, fonts=_HEAD_FONT)
    for i, reason in enumerate(block.reasons, start=1):
        par = d.add_paragraph()  # type: ignore[attr-defined]
        par.paragraph_format.first_line_indent = Pt(0)
        _run(par, f"{i}. {reason}", size=10.5)


def _figure(d: object, block: Figure) -> None:
    par = d.add_paragraph()  # type: ignore[attr-defined]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.keep_with_next = True
    par.add_run().add_picture(io.BytesIO(block.png), width=Mm(_TEXT_WIDTH_MM * block.width_frac))
    lines = block.caption.split("\n")
    cap = d.add_paragraph()  # type: ignore[attr-defined]
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.space_after = Pt(0)
    _run(cap, lines[0], size=10, bold=True, fonts=_HEAD_FONT)
    if len(lines) > 1:
        note = d.add_paragraph()  # type: ignore[attr-defined]
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(note, " ".join(lines[1:]), size=8, color=_GREY)


def _blocks(d: object, blocks: Sequence[object]) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            _heading(d, block)
        elif isinstance(block, Paragraph):
            _paragraph(d, block)
        elif isinstance(block, Table):
            _table(d, block)
        elif isinstance(block, KeyValues):
            _key_values(d, block)
        elif isinstance(block, Conclusion):
            _conclusion(d, block)
        elif isinstance(block, Figure):
            _figure(d, block)
        elif isinstance(block, PageBreak):
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]


def render_docx(doc: Document) -> bytes:
    """The DOCX bytes of ``doc`` (A4 portrait)."""
    d = _setup(doc)
    _title_block(d, doc)
    _blocks(d, doc.blocks)
    buf = io.BytesIO()
    d.save(buf)  # type: ignore[attr-defined]
    return buf.getvalue()
