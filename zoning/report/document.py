"""A format-neutral report document: a title block plus a flat sequence of blocks.

``content.build_document`` fills it from screening results (all wording already in the
chosen language, maps already rendered); ``docx_writer`` and ``pdf_writer`` only lay it out,
so the DOCX and the PDF always say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Heading", "Paragraph", "KeyValues", "Table", "Figure", "Conclusion", "PageBreak", "Block", "Document"]

ParagraphStyle = Literal["body", "note", "small", "warning"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: ParagraphStyle = "body"


@dataclass(frozen=True)
class KeyValues:
    """A two-column label/value table (project overview, data versions)."""

    rows: tuple[tuple[str, str], ...]
    label_width: float = 0.28


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``widths`` are fractions of the text width summing to 1.

    ``row_levels`` (one per row, may be empty) holds a verdict code per row so writers can
    colour the verdict cell; ``numeric`` marks right-aligned columns.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    caption: str = ""
    row_levels: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = ()
    font_size: float = 8.5


@dataclass(frozen=True)
class Figure:
    """A rendered map: PNG bytes with its pixel size, shown ``width_frac`` of the text width."""

    png: bytes
    caption: str
    width_px: int
    height_px: int
    width_frac: float = 0.9


@dataclass(frozen=True)
class Conclusion:
    """The boxed conclusion: the verdict in its words (禁止/有条件准入/需核实/不涉及), what it
    means for the project, and the reasons."""

    verdict: str
    headline: str
    verdict_line: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | KeyValues | Table | Figure | Conclusion | PageBreak


@dataclass(frozen=True)
class Document:
    """Everything a writer needs; ``mark`` is the illustrative-data mark (empty when official)."""

    lang: str
    title: str
    subtitle: str
    number: str
    meta: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    mark: str = ""
    banner: str = ""
    header: str = ""
    page_label: str = "第 {page} 页 共 {pages} 页"
    extra_notes: tuple[str, ...] = field(default=())

    @property
    def colon(self) -> str:
        """Between a label and its value: full-width in Chinese, ``": "`` in English."""
        return "：" if self.lang == "zh" else ": "

    def texts(self) -> Iterator[str]:
        """Every string a writer prints (title block, header, footer, blocks), for font coverage.

        Page numbers are filled in at layout time; ``fonts.printed_chars`` always adds the ASCII digits.
        """
        yield from (self.title, self.subtitle, self.number, self.mark, self.banner, self.header, self.page_label)
        for label, value in self.meta:
            yield f"{label}{self.colon}{value}"
        yield from self.extra_notes
        for block in self.blocks:
            if isinstance(block, (Heading, Paragraph)):
                yield block.text
            elif isinstance(block, Table):
                yield block.caption
                yield from block.columns
                for row in block.rows:
                    yield from row
            elif isinstance(block, KeyValues):
                for row in block.rows:
                    yield from row
            elif isinstance(block, Conclusion):
                yield from (block.headline, block.verdict_line, *block.reasons)
            elif isinstance(block, Figure):
                yield block.caption
