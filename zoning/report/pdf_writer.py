"""Lay out a report ``Document`` as PDF with fpdf2, embedding the shipped CJK font.

fpdf2 (pure Python, already a dependency) embeds a subset of the OpenType CFF font, so
the PDF renders on machines without any CJK font and stays small (only glyphs used).
Every page carries the header (title, report number) and the footer (page X of Y); when
illustrative data took part, every page also carries the red "示意数据，不具法律效力" mark
in the header and a faint diagonal watermark.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from zoning.report.document import Conclusion, Document, Figure, Heading, KeyValues, PageBreak, Paragraph, Table
from zoning.report.fonts import BOLD_PATH, REGULAR_PATH, bold_codepoints, printable

__all__ = ["render_pdf"]

_FAMILY = "notocjk"
_MARGIN_MM = 20.0
_RED = (192, 0, 0)
_GREY = (90, 90, 90)
_HEAD_FILL = (226, 232, 240)
_VERDICT_FILL = {
    "prohibited": (248, 208, 208),
    "conditional": (253, 227, 200),
    "review": (255, 242, 179),
    "clear": (217, 234, 211),
}
_VERDICT_INK = {"prohibited": (176, 0, 0), "conditional": (190, 90, 0), "review": (150, 110, 0),
                "clear": (30, 110, 40)}
_HEADING_PT = {1: 13.5, 2: 12.5, 3: 11.0}


class _ReportPDF(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.set_margins(_MARGIN_MM, 18, _MARGIN_MM)
        self.set_auto_page_break(True, margin=18)
        self.add_font(_FAMILY, "", str(REGULAR_PATH))
        self.add_font(_FAMILY, "B", str(BOLD_PATH))
        self.set_title(printable(f"{doc.title} {doc.number}"))
        self.set_author("湖南省生态环境分区管控符合性筛查工具")
        self.set_creator("eco-zoning conflict screener")
        self.set_lang("zh-CN" if doc.lang == "zh" else "en")
        self.alias_nb_pages("{nb}")

    # fpdf2 calls these on every page
    def header(self) -> None:
        if self.doc.mark:
            self._watermark()
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(*_GREY)
        self.set_xy(_MARGIN_MM, 9)
        self.cell(0, 4, printable(f"{self.doc.header}  {self.doc.number}"), align=Align.L)
        if self.doc.mark:
            self.set_font(_FAMILY, "B", 9)
            self.set_text_color(*_RED)
            self.set_xy(_MARGIN_MM, 9)
            self.cell(0, 4, self.doc.mark, align=Align.R)
        self.set_draw_color(160, 160, 160)
        self.line(_MARGIN_MM, 14, self.w - _MARGIN_MM, 14)
        self.set_text_color(0, 0, 0)
        self.set_y(18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(*_GREY)
        label = self.doc.page_label.format(page=self.page_no(), pages="{nb}")
        if self.doc.mark:
            self.set_text_color(*_RED)
            self.cell(0, 4, self.doc.mark, align=Align.L)
            self.set_x(_MARGIN_MM)
            self.set_text_color(*_GREY)
        self.cell(0, 4, label, align=Align.R)
        self.set_text_color(0, 0, 0)

    def _watermark(self) -> None:
        with self.local_context(fill_opacity=0.10, text_color=_RED):
            self.set_font(_FAMILY, "B", 40)
            cx, cy = self.w / 2, self.h / 2
            with self.rotation(35, x=cx, y=cy):
                text = self.doc.mark.split(" · ")[0]
                width = self.get_string_width(text)
                self.text(cx - width / 2, cy, text)


# Chinese line-breaking rules (禁则): these never start a line / never end one.
_NO_LINE_START = frozenset("，。、；：！？）》」』”’〕】…%·,.;:!?)]}²³°")
_NO_LINE_END = frozenset("（《「『“‘〔【([{")
_TOKEN = re.compile(r"[\x21-\x7e]+|\s+|.", re.DOTALL)


def _tokens(text: str, pdf: FPDF, width: float) -> list[str]:
    """Breakable units: each CJK character alone, Latin/number runs kept whole when they fit."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if len(tok) > 1 and not tok.isspace() and pdf.get_string_width(tok) > width:
            out.extend(tok)  # a run wider than the line (a hash, a URL) breaks anywhere
        else:
            out.append(tok)
    return out


def _wrap_line(tokens: list[str], pdf: FPDF, width: float) -> list[str]:
    lines: list[list[str]] = [[]]
    used = 0.0
    for tok in tokens:
        w = pdf.get_string_width(tok)
        line = lines[-1]
        if used + w <= width or not line:
            if line or not tok.isspace():
                line.append(tok)
                used += w
            continue
        carry: list[str] = []
        # pull the previous unit down so that closing punctuation never starts a line
        if tok[0] in _NO_LINE_START and len(line) > 1:
            carry.insert(0, line.pop())
        while len(line) > 1 and line[-1] and line[-1][-1] in _NO_LINE_END:
            carry.insert(0, line.pop())
        new = [*carry, tok] if not tok.isspace() else carry
        lines.append(new)
        used = sum(pdf.get_string_width(x) for x in new)
    return ["".join(line).rstrip() for line in lines]


def wrap_text(pdf: FPDF, text: str, width: float) -> str:
    """``text`` with line breaks inserted so that each line fits ``width`` mm in the current
    font, breaking between CJK characters and at spaces but never before closing or after
    opening punctuation (fpdf2 alone would break anywhere in CHAR mode)."""
    out = []
    for para in text.split("\n"):
        out.extend(_wrap_line(_tokens(para, pdf, width), pdf, width) if para else [""])
    return "\n".join(out)


def _bold_ok(text: str) -> bool:
    cps = bold_codepoints()
    return all(ord(ch) in cps or ch in "\n\r\t" for ch in text)


def _set(pdf: _ReportPDF, size: float, *, bold: bool = False, text: str = "") -> None:
    """Use the bold face only when it has every glyph of ``text`` (it covers GB 2312 only)."""
    style = "B" if bold and _bold_ok(text) else ""
    pdf.set_font(_FAMILY, style, size)


def _text(pdf: _ReportPDF, text: str, width: float | None = None) -> str:
    """Printable (font-covered) and wrapped to ``width`` mm (default the text width)."""
    # multi_cell keeps c_margin free on both sides; tables pass their own (padding-less) width
    avail = pdf.epw - 2 * pdf.c_margin if width is None else width
    return wrap_text(pdf, printable(text), avail - 0.6)


def _title_block(pdf: _ReportPDF, doc: Document) -> None:
    pdf.ln(6)
    _set(pdf, 18, bold=True, text=doc.title)
    pdf.multi_cell(0, 10, _text(pdf, doc.title), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.subtitle:
        _set(pdf, 13, bold=True, text=doc.subtitle)
        pdf.multi_cell(0, 8, _text(pdf, doc.subtitle), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(_FAMILY, "", 9.5)
    for label, value in doc.meta:
        pdf.cell(0, 5.5, printable(f"{label}：{value}"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if doc.banner:
        pdf.set_draw_color(*_RED)
        pdf.set_fill_color(253, 236, 236)
        pdf.set_text_color(*_RED)
        pdf.set_line_width(0.4)
        _set(pdf, 10, bold=True, text=doc.banner)
        pdf.multi_cell(0, 5.5, _text(pdf, f"{doc.mark}\n{doc.banner}", pdf.epw - 5 - 2 * pdf.c_margin), border=1, fill=True,
                       padding=2.5, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        _reset(pdf)
        pdf.ln(4)


def _reset(pdf: _ReportPDF) -> None:
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)


def _heading(pdf: _ReportPDF, block: Heading, *, keep: float) -> None:
    size = _HEADING_PT.get(block.level, 11)
    # keep a heading on the page of what follows it (the next block's first lines or figure)
    if pdf.get_y() + size * 0.9 + keep > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3 if block.level > 1 else 4)
    _set(pdf, size, bold=True, text=block.text)
    pdf.multi_cell(0, size * 0.55, _text(pdf, block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def _paragraph(pdf: _ReportPDF, block: Paragraph) -> None:
    size = {"body": 10.5, "note": 9.5, "small": 9.0, "warning": 10.0}[block.style]
    pdf.set_font(_FAMILY, "", size)
    pdf.set_text_color(*(_RED if block.style == "warning" else (0, 0, 0)))
    pdf.multi_cell(0, size * 0.55, _text(pdf, block.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.2)


_PAD = 1.3


def _table(pdf: _ReportPDF, block: Table) -> None:
    _reset(pdf)
    if block.caption:
        pdf.set_font(_FAMILY, "", 9)
        pdf.multi_cell(0, 5, _text(pdf, block.caption), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    width = pdf.epw
    widths = [w / sum(block.widths) * width for w in block.widths]
    bold_head = all(_bold_ok(c) for c in block.columns)
    pdf.set_font(_FAMILY, "B" if bold_head else "", block.font_size)
    heads = [_text(pdf, c, w - 2 * _PAD) for c, w in zip(block.columns, widths, strict=True)]
    pdf.set_font(_FAMILY, "", block.font_size)
    heading_style = FontFace(emphasis="BOLD" if bold_head else None, fill_color=_HEAD_FILL)
    numeric = block.numeric or (False,) * len(block.columns)
    with pdf.table(col_widths=widths, width=width, line_height=block.font_size * 0.5, headings_style=heading_style,
                   text_align="LEFT", wrapmode=WrapMode.CHAR, padding=(_PAD, _PAD), repeat_headings=1,
                   v_align="MIDDLE") as table:
        head = table.row()
        for col in heads:
            head.cell(col, align=Align.C)
        for i, values in enumerate(block.rows):
            level = block.row_levels[i] if i < len(block.row_levels) else ""
            row = table.row()
            for j, value in enumerate(values):
                style = _verdict_style(level) if level and _is_verdict_col(block, j) else None
                align = Align.R if j < len(numeric) and numeric[j] else None
                row.cell(_text(pdf, value, widths[j] - 2 * _PAD), style=style, align=align)
    pdf.ln(2.5)


def _is_verdict_col(block: Table, j: int) -> bool:
    name = block.columns[j]
    return name in ("判定", "Verdict", "结论", "Conclusion")


def _verdict_style(level: str) -> FontFace | None:
    fill = _VERDICT_FILL.get(level)
    return FontFace(fill_color=fill, color=_VERDICT_INK.get(level)) if fill else None


def _key_values(pdf: _ReportPDF, block: KeyValues) -> None:
    _reset(pdf)
    pdf.set_font(_FAMILY, "", 9.5)
    width = pdf.epw
    label_w = block.label_width * width
    with pdf.table(col_widths=[label_w, width - label_w], width=width, first_row_as_headings=False,
                   line_height=5.0, text_align="LEFT", wrapmode=WrapMode.CHAR, padding=(_PAD, 1.6)) as table:
        for label, value in block.rows:
            row = table.row()
            row.cell(_text(pdf, label, label_w - 3.2), style=FontFace(fill_color=(242, 242, 242)))
            row.cell(_text(pdf, value, width - label_w - 3.2))
    pdf.ln(2.5)


def _conclusion(pdf: _ReportPDF, block: Conclusion) -> None:
    fill = _VERDICT_FILL.get(block.verdict, (240, 240, 240))
    ink = _VERDICT_INK.get(block.verdict, (0, 0, 0))
    pdf.set_fill_color(*fill)
    pdf.set_draw_color(*ink)
    pdf.set_line_width(0.5)
    pdf.set_text_color(*ink)
    _set(pdf, 15, bold=True, text=block.headline)
    pdf.multi_cell(0, 9, _text(pdf, block.headline), border="LTR", fill=True, align=Align.C, padding=(2, 3, 0, 3),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _set(pdf, 10.5, bold=True, text=block.verdict_line)
    pdf.multi_cell(0, 6, _text(pdf, block.verdict_line), border="LRB", fill=True, align=Align.C,
                   padding=(0, 3, 2, 3), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _reset(pdf)
    pdf.ln(2)
    pdf.set_font(_FAMILY, "", 10)
    for i, reason in enumerate(block.reasons, start=1):
        pdf.multi_cell(0, 5.6, _text(pdf, f"{i}. {reason}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)
    pdf.ln(1.5)


def _figure_height(pdf: _ReportPDF, block: Figure) -> float:
    return pdf.epw * block.width_frac * block.height_px / max(block.width_px, 1)


def _figure(pdf: _ReportPDF, block: Figure) -> None:
    width = pdf.epw * block.width_frac
    height = _figure_height(pdf, block)
    if pdf.get_y() + height + 11 > pdf.h - pdf.b_margin:
        pdf.add_page()
    x = pdf.l_margin + (pdf.epw - width) / 2
    pdf.image(io.BytesIO(block.png), x=x, y=pdf.get_y(), w=width, h=height)
    pdf.set_y(pdf.get_y() + height + 1.5)
    lines = block.caption.split("\n")
    _set(pdf, 9.5, bold=True, text=lines[0])
    pdf.multi_cell(0, 5, _text(pdf, lines[0]), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(lines) > 1:
        pdf.set_font(_FAMILY, "", 8)
        pdf.set_text_color(*_GREY)
        pdf.multi_cell(0, 4, _text(pdf, " ".join(lines[1:])), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)


def _keep_height(pdf: _ReportPDF, block: object) -> float:
    """Height that must follow a heading on the same page."""
    if isinstance(block, Figure):
        return _figure_height(pdf, block) + 12
    if isinstance(block, Conclusion):
        return 40
    if isinstance(block, (Table, KeyValues)):
        return 24
    return 12


def _blocks(pdf: _ReportPDF, blocks: Sequence[object]) -> None:
    for k, block in enumerate(blocks):
        if isinstance(block, Heading):
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            _heading(pdf, block, keep=_keep_height(pdf, nxt) if nxt is not None else 12)
        elif isinstance(block, Paragraph):
            _paragraph(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, KeyValues):
            _key_values(pdf, block)
        elif isinstance(block, Conclusion):
            _conclusion(pdf, block)
        elif isinstance(block, Figure):
            _figure(pdf, block)
        elif isinstance(block, PageBreak):
            pdf.add_page()


def render_pdf(doc: Document) -> bytes:
    """The PDF bytes of ``doc`` (A4 portrait, CJK font subset embedded)."""
    pdf = _ReportPDF(doc)
    pdf.add_page()
    _title_block(pdf, doc)
    _blocks(pdf, doc.blocks)
    return bytes(pdf.output())
