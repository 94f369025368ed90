"""The shipped CJK fonts: where they are, which characters they cover, and what to print instead.

PDFs and maps must render Chinese on a machine with no CJK fonts installed, so the
reports ship Noto Sans CJK SC (SIL OFL 1.1, ``assets/``). A character outside the font
(CJK Extension B and beyond, emoji) would otherwise vanish or print as an empty box; here
it becomes 〓 — the conventional mark for a missing character in Chinese typesetting —
and the report lists the original code points so nothing is lost silently.

A PDF embeds only the glyphs it uses, which fpdf2 cuts out of the shipped face for each
document (fontTools, pure Python: ~0.15 s a document even for a small face, plus ~0.3 s to
read the 11 MB file). A bundle of hundreds of documents instead cuts the faces once to the
characters of the whole bundle, as TrueType outlines (``subset_fonts``): reading that small
file and cutting each document's glyphs from it costs a few milliseconds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

__all__ = [
    "ASSETS_DIR",
    "REGULAR_PATH",
    "BOLD_PATH",
    "FONT_FAMILY",
    "MISSING_MARK",
    "regular_codepoints",
    "bold_codepoints",
    "missing_chars",
    "printable",
    "matplotlib_family",
    "FontFiles",
    "SHIPPED_FONTS",
    "printed_chars",
    "subset_fonts",
]

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
REGULAR_PATH = ASSETS_DIR / "NotoSansCJKsc-Regular-subset.otf"
BOLD_PATH = ASSETS_DIR / "NotoSansCJKsc-Bold-subset.otf"
#: Family name inside the font files (what matplotlib knows them by).
FONT_FAMILY = "Noto Sans CJK SC"
#: Printed in place of a character the font cannot show (U+3013 GETA MARK).
MISSING_MARK = "〓"

# Characters that are layout, not glyphs: never reported as missing.
_CONTROL = frozenset("\n\r\t")


@functools.lru_cache(maxsize=2)
def _codepoints(path: str) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:  # closes the file: only the cmap is needed
        return frozenset(font.getBestCmap())


def regular_codepoints() -> frozenset[int]:
    """Code points the regular face can print."""
    return _codepoints(str(REGULAR_PATH))


def bold_codepoints() -> frozenset[int]:
    """Code points the bold (headings) face can print; a subset of the regular face."""
    return _codepoints(str(BOLD_PATH))


def missing_chars(text: str, *, codepoints: frozenset[int] | None = None) -> list[str]:
    """The distinct characters of ``text`` the font cannot print, in order of appearance."""
    cps = regular_codepoints() if codepoints is None else codepoints
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in _CONTROL and ord(ch) not in cps:
            seen.setdefault(ch, None)
    return list(seen)


def printable(text: str, *, codepoints: frozenset[int] | None = None) -> str:
    """``text`` with every character the font cannot print replaced by ``MISSING_MARK``.

    Examples
    --------
    >>> printable("𠀀村养殖场")
    '〓村养殖场'
    """
    cps = regular_codepoints() if codepoints is None else codepoints
    if all(ord(ch) in cps or ch in _CONTROL for ch in text):
        return text
    return "".join(ch if (ch in _CONTROL or ord(ch) in cps) else MISSING_MARK for ch in text)


@functools.lru_cache(maxsize=1)
def matplotlib_family() -> str:
    """Register the shipped fonts with matplotlib's font manager and return the family name.

    Registration only adds the files to matplotlib's list (idempotent); callers select
    the family per figure with ``rc_context`` so no global style is changed.
    """
    from matplotlib import font_manager

    for path in (REGULAR_PATH, BOLD_PATH):
        font_manager.fontManager.addfont(str(path))
    return FONT_FAMILY


@dataclass(frozen=True)
class FontFiles:
    """The regular and bold face a PDF is set in; ``chars`` is what they cover (None: the shipped faces)."""

    regular: Path
    bold: Path
    chars: frozenset[str] | None = None

    def covers(self, chars: Iterable[str]) -> bool:
        return self.chars is None or self.chars.issuperset(chars)


#: The shipped faces (every character ``printable`` keeps).
SHIPPED_FONTS = FontFiles(REGULAR_PATH, BOLD_PATH)

# Always in a cut-down face: page numbers, the 〓 mark, and any ASCII a layout may add.
_ALWAYS = frozenset(chr(c) for c in range(0x20, 0x7F)) | {MISSING_MARK}


def printed_chars(texts: Iterable[str]) -> frozenset[str]:
    """The characters a PDF of ``texts`` prints: each text after ``printable``, plus ASCII and 〓."""
    cps = regular_codepoints()
    out: set[str] = set(_ALWAYS)
    for text in texts:
        for ch in set(text):
            if ch not in _CONTROL:
                out.add(ch if ord(ch) in cps else MISSING_MARK)
    return frozenset(out)


def subset_fonts(chars: Iterable[str], folder: Path) -> FontFiles:
    """Both shipped faces cut down to ``chars`` and written to ``folder`` as TrueType fonts.

    TrueType, not the shipped CFF outlines: fpdf2 cuts every document's glyphs out of the face
    again, and for CFF fontTools re-runs and recompiles each glyph's charstring program in
    Python, while TrueType glyphs are copied as they are. The cubic outlines are converted to
    quadratic ones within 1 font unit (1/1000 em: 0.01 mm at 10.5 pt). The bold face keeps
    only what it has (GB 2312); the writer sets a text in bold only when the shipped bold
    face has all of its glyphs.

    Returns
    -------
    FontFiles
        The two files and the characters they cover.
    """
    wanted = frozenset(chars) | _ALWAYS
    folder = Path(folder)
    files = []
    for source, name in ((REGULAR_PATH, "regular"), (BOLD_PATH, "bold")):
        out = folder / f"NotoSansCJKsc-{name}-cut.ttf"
        cut = _cut(source, wanted)
        try:
            _to_truetype(cut).save(out)
        finally:
            cut.close()  # lazily loaded: the shipped file stays open until closed
        files.append(out)
    covered = frozenset(ch for ch in wanted if ord(ch) in regular_codepoints())
    return FontFiles(files[0], files[1], covered)


def _cut(source: Path, chars: frozenset[str]) -> TTFont:
    # recalcBBoxes=False: recomputing the bounding boxes runs every glyph program once more;
    # the whole face's box still encloses the glyphs kept
    font = TTFont(source, lazy=True, recalcBBoxes=False)
    options = ft_subset.Options(notdef_outline=True, recommended_glyphs=True, hinting=False)
    # no shaping or vertical text: the PDF writer sets one glyph per code point, left to right
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in chars])
    subsetter.subset(font)
    return font


def _to_truetype(cff: TTFont) -> TTFont:
    """The same glyphs, metrics and names with quadratic (``glyf``) outlines."""
    order = cff.getGlyphOrder()
    glyph_set = cff.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # PostScript outer contours run anticlockwise, TrueType ones clockwise
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    head = cff["head"]
    builder = FontBuilder(head.unitsPerEm, isTTF=True)
    builder.updateHead(macStyle=head.macStyle, fontRevision=head.fontRevision, created=head.created,
                       modified=head.modified)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cff.getBestCmap())
    builder.setupGlyf(glyphs)  # computes each glyph's box
    # a TrueType rasteriser places the outline by its left side bearing, which must be xMin
    builder.setupHorizontalMetrics({name: (cff["hmtx"][name][0], getattr(glyphs[name], "xMin", 0))
                                    for name in order})
    hhea = cff["hhea"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    post = cff["post"]
    builder.setupPost(italicAngle=post.italicAngle, underlinePosition=post.underlinePosition,
                      underlineThickness=post.underlineThickness, isFixedPitch=post.isFixedPitch)
    font = builder.font
    font["name"] = cff["name"]  # family "Noto Sans CJK SC", as in the shipped file
    font["OS/2"] = cff["OS/2"]  # weight, cap height, strikeout: read by the PDF font descriptor
    return font
