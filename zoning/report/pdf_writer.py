"""Lay out a report ``Document`` as PDF with fpdf2, embedding the shipped CJK font.

fpdf2 (pure Python, already a dependency) embeds a subset of the OpenType CFF font (in a
bundle, of a TrueType cut made once for all its documents: ``fonts.subset_fonts``), so the
PDF renders on machines without any CJK font and stays small (only glyphs used). Text is
wrapped once here (Chinese line-breaking rules) and set line by line; tables are drawn
from those lines (``_Grid``) rather than re-broken by fpdf2.
Every page carries the header (title, report number) and the footer (page X of Y); when
illustrative data took part, every page also carries the red "示意数据，不具法律效力" mark
in the header and a faint diagonal watermark.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.util import Padding

from zoning.report.document import Conclusion, Document, Figure, Heading, KeyValues, PageBreak, Paragraph, Table
from zoning.report.fonts import SHIPPED_FONTS, FontFiles, bold_codepoints, printable, printed_chars
from zoning.styles import load_styles, rgb255

__all__ = ["render_pdf"]

_FAMILY = "notocjk"
_MARGIN_MM = 20.0
_RED = (192, 0, 0)
_GREY = (90, 90, 90)
_HEAD_FILL = (226, 232, 240)
_HEADING_PT = {1: 13.5, 2: 12.5, 3: 11.0}


class _ReportPDF(FPDF):
    def __init__(self, doc: Document, fonts: FontFiles = SHIPPED_FONTS) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        self.set_margins(_MARGIN_MM, 18, _MARGIN_MM)
        self.set_auto_page_break(True, margin=18)
        self.add_font(_FAMILY, "", str(fonts.regular))
        self.add_font(_FAMILY, "B", str(fonts.bold))
        for font in self.fonts.values():
            if not isinstance(font, TTFFont):
                continue  # the two faces added above are TrueType; core fonts have no glyph programs
            # fpdf2 subsets the face when writing the PDF; recomputing the bounding boxes of
            # the subset ran every glyph program twice more (half of a report's time). The
            # whole face's box, which the PDF font descriptor quotes anyway, still encloses them.
            font.ttfont.recalcBBoxes = False
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
        left = printable(f"{self.doc.header}  {self.doc.number}")
        if self.doc.mark:
            self.set_font(_FAMILY, "B", 9)
            room = self.epw - self.get_string_width(self.doc.mark) - 4
            self.set_font(_FAMILY, "", 8)
            if self.get_string_width(left) > room:
                left = self.doc.number  # the English mark is long: keep the number, drop the title
        self.cell(0, 4, left, align=Align.L)
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
_HYPHENATED = re.compile(r"[^-/]+[-/]*|[-/]+")


def _width(pdf: FPDF, text: str) -> float:
    """``pdf.get_string_width(text)`` remembered per font and size: wrapping measures the same
    characters over and over, and fpdf2 builds styled fragments for every call."""
    memo: dict[tuple[str, str, float, str], float] | None = getattr(pdf, "_width_memo", None)
    if memo is None:
        memo = {}
        pdf._width_memo = memo  # type: ignore[attr-defined]
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, text)
    width = memo.get(key)
    if width is None:
        width = memo[key] = pdf.get_string_width(text)
    return width


def _tokens(text: str, pdf: FPDF, width: float) -> list[str]:
    """Breakable units: each CJK character alone, Latin/number runs kept whole when they fit."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if len(tok) > 1 and not tok.isspace() and _width(pdf, tok) > width:
            # a run wider than the line breaks after a hyphen or slash ("Drinking-" "water"),
            # and a part still too wide (a hash, a URL) anywhere
            for part in _HYPHENATED.findall(tok):
                out.extend(part if _width(pdf, part) > width else [part])
        else:
            out.append(tok)
    return out


def _wrap_line(tokens: list[str], pdf: FPDF, width: float) -> list[str]:
    lines: list[list[str]] = [[]]
    used = 0.0
    for tok in tokens:
        w = _width(pdf, tok)
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
        used = sum(_width(pdf, x) for x in new)
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


# Wrapped texts by (style, size, width, text). Every document of a bundle repeats the same
# data-source table, notes and disclaimer; the lines depend only on the Noto face's advance
# widths, which the shipped face and a bundle's cut share. Bounded; a pure function's memo.
_WRAPPED: dict[tuple[str, float, float, str], str] = {}
_WRAPPED_MAX = 20_000


def _text(pdf: _ReportPDF, text: str, width: float | None = None) -> str:
    """Printable (font-covered) and wrapped to ``width`` mm (default the text width)."""
    # the line keeps c_margin free on both sides; tables pass their own (padding-less) width
    avail = pdf.epw - 2 * pdf.c_margin if width is None else width
    key = (pdf.font_style, pdf.font_size_pt, round(avail, 4), text)
    wrapped = _WRAPPED.get(key) if pdf.font_family == _FAMILY else None
    if wrapped is None:
        wrapped = wrap_text(pdf, printable(text), avail - 0.6)
        if pdf.font_family == _FAMILY:
            if len(_WRAPPED) >= _WRAPPED_MAX:
                _WRAPPED.clear()
            _WRAPPED[key] = wrapped
    return wrapped


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
        pdf.cell(0, 5.5, printable(f"{label}{doc.colon}{value}"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if doc.banner:
        pdf.set_draw_color(*_RED)
        pdf.set_fill_color(253, 236, 236)
        pdf.set_text_color(*_RED)
        pdf.set_line_width(0.4)
        _set(pdf, 10, bold=True, text=doc.banner)
        pdf.multi_cell(0, 5.5, _text(pdf, f"{doc.mark}\n{doc.banner}", pdf.epw - 5 - 2 * pdf.c_margin), border=1, fill=True,
                       padding=Padding(2.5, 2.5, 2.5, 2.5), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
    _lines(pdf, _text(pdf, block.text), size * 0.55)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.2)


_PAD = 1.3


class _Cell:
    """One table cell, already wrapped into lines."""

    __slots__ = ("lines", "align", "fill", "ink", "bold")

    def __init__(self, text: str, *, align: Align = Align.L, fill: tuple[int, int, int] | None = None,
                 ink: tuple[int, int, int] | None = None, bold: bool = False) -> None:
        self.lines = text.split("\n")
        self.align = align
        self.fill = fill
        self.ink = ink
        self.bold = bold


class _Grid:
    """A bordered table drawn cell by cell from pre-wrapped lines.

    Not fpdf2's ``table()``: that breaks every cell's text again, character by character,
    once to measure the row and once to draw it — most of a report's layout time. The text
    here is wrapped once (``wrap_text``) so a row's height is known from its line counts.
    Rows never split unless one is taller than a page; the heading row repeats on every page.
    """

    def __init__(self, pdf: _ReportPDF, widths: Sequence[float], *, size: float, line_h: float, pad_v: float,
                 pad_h: float, head: Sequence[_Cell] | None = None) -> None:
        self.pdf = pdf
        self.widths = list(widths)
        self.size = size
        self.line_h = line_h
        self.pad_v = pad_v
        self.pad_h = pad_h
        self.head = list(head) if head else None

    def height(self, row: Sequence[_Cell]) -> float:
        return max(len(c.lines) for c in row) * self.line_h + 2 * self.pad_v

    def draw(self, rows: Sequence[Sequence[_Cell]]) -> None:
        pdf = self.pdf
        first = self.height(rows[0]) if rows else 0.0
        if self.head is not None:
            if pdf.get_y() + self.height(self.head) + first > pdf.page_break_trigger:
                pdf.add_page()
            self._row(self.head)
        elif pdf.get_y() + first > pdf.page_break_trigger:
            pdf.add_page()
        for row in rows:
            self._fit(row)
        pdf.set_xy(pdf.l_margin, pdf.get_y())

    def _new_page(self) -> None:
        self.pdf.add_page()
        if self.head is not None:
            self._row(self.head)

    def _fit(self, row: Sequence[_Cell]) -> None:
        pdf = self.pdf
        if pdf.get_y() + self.height(row) <= pdf.page_break_trigger:
            self._row(row)
            return
        top = pdf.t_margin + (self.height(self.head) if self.head is not None else 0.0)  # a new page's first row
        if self.height(row) <= pdf.page_break_trigger - top:
            self._new_page()
            self._row(row)
            return
        # taller than a page: continue the cells' lines on the next pages
        done = 0
        while done < max(len(c.lines) for c in row):
            room = int((pdf.page_break_trigger - pdf.get_y() - 2 * self.pad_v) // self.line_h)
            if room < 2:
                self._new_page()
                continue
            part = [_Cell("\n".join(c.lines[done:done + room]), align=c.align, fill=c.fill, ink=c.ink, bold=c.bold)
                    for c in row]
            self._row(part, v_middle=False)
            done += room
            if done < max(len(c.lines) for c in row):
                self._new_page()

    def _row(self, row: Sequence[_Cell], *, v_middle: bool = True) -> None:
        pdf = self.pdf
        y = pdf.get_y()
        h = self.height(row)
        x = pdf.l_margin
        for cell, w in zip(row, self.widths, strict=True):
            if cell.fill is not None:
                pdf.set_fill_color(*cell.fill)
            pdf.rect(x, y, w, h, style="DF" if cell.fill is not None else "D")
            pdf.set_font(_FAMILY, "B" if cell.bold else "", self.size)
            pdf.set_text_color(*(cell.ink or (0, 0, 0)))
            text_h = len(cell.lines) * self.line_h
            line_y = y + self.pad_v + ((h - 2 * self.pad_v - text_h) / 2 if v_middle else 0.0)
            # cell() keeps c_margin free on both sides; the padding replaces it
            inner = w - 2 * self.pad_h + 2 * pdf.c_margin
            for line in cell.lines:
                pdf.set_xy(x + self.pad_h - pdf.c_margin, line_y)
                pdf.cell(inner, self.line_h, line, align=cell.align)
                line_y += self.line_h
            x += w
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y + h)


def _table_grid(pdf: _ReportPDF, block: Table, *, first_only: bool = False) -> tuple[_Grid, list[list[_Cell]]]:
    """The grid of a table block and its rows, wrapped (only the first row with ``first_only``)."""
    width = pdf.epw
    widths = [w / sum(block.widths) * width for w in block.widths]
    bold_head = all(_bold_ok(c) for c in block.columns)
    pdf.set_font(_FAMILY, "B" if bold_head else "", block.font_size)
    head = [_Cell(_text(pdf, c, w - 2 * _PAD), align=Align.C, fill=_HEAD_FILL, bold=bold_head)
            for c, w in zip(block.columns, widths, strict=True)]
    pdf.set_font(_FAMILY, "", block.font_size)
    numeric = block.numeric or (False,) * len(block.columns)
    rows = []
    for i, values in enumerate(block.rows[:1] if first_only else block.rows):
        level = block.row_levels[i] if i < len(block.row_levels) else ""
        row = []
        for j, value in enumerate(values):
            fill, ink = _verdict_colours(level) if _is_verdict_col(block, j) else (None, None)
            row.append(_Cell(_text(pdf, value, widths[j] - 2 * _PAD),
                             align=Align.R if j < len(numeric) and numeric[j] else Align.L, fill=fill, ink=ink))
        rows.append(row)
    grid = _Grid(pdf, widths, size=block.font_size, line_h=block.font_size * 0.5, pad_v=_PAD, pad_h=_PAD, head=head)
    return grid, rows


def _table(pdf: _ReportPDF, block: Table) -> None:
    _reset(pdf)
    if block.caption:
        pdf.set_font(_FAMILY, "", 9)
        _lines(pdf, _text(pdf, block.caption), 5)
    grid, rows = _table_grid(pdf, block)
    grid.draw(rows)
    pdf.ln(2.5)


def _verdict_colours(level: str) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
    """(fill, ink) of a verdict's table cell from the palette; (None, None) for no verdict."""
    verdict = load_styles().verdicts.get(level)
    if verdict is None:
        return None, None
    return rgb255(verdict.fill), rgb255(verdict.ink)


def _is_verdict_col(block: Table, j: int) -> bool:
    name = block.columns[j]
    return name in ("判定", "Verdict", "结论", "Conclusion", "符合性", "Conformity")


_KV_PT = 9.5


def _key_values_grid(pdf: _ReportPDF, block: KeyValues, *, first_only: bool = False) -> tuple[_Grid, list[list[_Cell]]]:
    pdf.set_font(_FAMILY, "", _KV_PT)
    width = pdf.epw
    label_w = block.label_width * width
    rows = [[_Cell(_text(pdf, label, label_w - 3.2), fill=(242, 242, 242)),
             _Cell(_text(pdf, value, width - label_w - 3.2))]
            for label, value in (block.rows[:1] if first_only else block.rows)]
    return _Grid(pdf, [label_w, width - label_w], size=_KV_PT, line_h=5.0, pad_v=_PAD, pad_h=1.6), rows


def _key_values(pdf: _ReportPDF, block: KeyValues) -> None:
    _reset(pdf)
    grid, rows = _key_values_grid(pdf, block)
    grid.draw(rows)
    pdf.ln(2.5)


def _lines(pdf: _ReportPDF, wrapped: str, line_h: float, *, align: Align = Align.L) -> None:
    """Pre-wrapped text, one cell per line across the text width (cell() breaks pages itself)."""
    for line in wrapped.split("\n"):
        pdf.cell(0, line_h, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _conclusion(pdf: _ReportPDF, block: Conclusion) -> None:
    fill, ink = _verdict_colours(block.verdict)
    fill, ink = fill or (240, 240, 240), ink or (0, 0, 0)
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
        _lines(pdf, _text(pdf, f"{i}. {reason}"), 5.6)
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
    if isinstance(block, Table) and block.rows:
        # the caption, the heading row and the first row: a heading never ends a page alone
        grid, rows = _table_grid(pdf, block, first_only=True)
        caption = 5.0 * len(_text(pdf, block.caption).split("\n")) if block.caption else 0.0
        return caption + grid.height(grid.head or []) + grid.height(rows[0]) + 1
    if isinstance(block, KeyValues) and block.rows:
        grid, rows = _key_values_grid(pdf, block, first_only=True)
        return grid.height(rows[0]) + 1
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


def render_pdf(doc: Document, *, fonts: FontFiles | None = None) -> bytes:
    """The PDF bytes of ``doc`` (A4 portrait, CJK font subset embedded).

    Parameters
    ----------
    fonts
        Faces to set the document in, e.g. ``fonts.subset_fonts`` made once for a bundle of
        documents; used only when they cover every character of ``doc`` (otherwise, and by
        default, the shipped faces).
    """
    if fonts is None or not fonts.covers(printed_chars(doc.texts())):
        fonts = SHIPPED_FONTS
    pdf = _ReportPDF(doc, fonts)
    pdf.add_page()
    _title_block(pdf, doc)
    _blocks(pdf, doc.blocks)
    return bytes(pdf.output())
