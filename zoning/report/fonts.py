"""The shipped CJK fonts: where they are, which characters they cover, and what to print instead.

PDFs and maps must render Chinese on a machine with no CJK fonts installed, so the
reports ship Noto Sans CJK SC (SIL OFL 1.1, ``assets/``). A character outside the font
(CJK Extension B and beyond, emoji) would otherwise vanish or print as an empty box; here
it becomes 〓 — the conventional mark for a missing character in Chinese typesetting —
and the report lists the original code points so nothing is lost silently.
"""

from __future__ import annotations

import functools
from pathlib import Path

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
