"""Rebuild the shipped CJK font subsets from Debian's ``fonts-noto-cjk`` package (not run at run time).

The reports embed these fonts in PDFs and use them for map labels, so a machine with no
CJK fonts installed still renders Chinese. Source: Debian bookworm ``fonts-noto-cjk``
1:20220127+repack1-1 (Noto Sans CJK, SIL Open Font License 1.1, see OFL.txt).

* ``NotoSansCJKsc-Regular-subset.otf``: the Simplified-Chinese face of
  ``NotoSansCJK-Regular.ttc`` cut to every code point the reports can print — all CJK
  Unified Ideographs (U+4E00-9FFF), Extension A (U+3400-4DBF), compatibility ideographs,
  Latin, punctuation, CJK symbols, full-width forms, kana/bopomofo and common symbols.
  Characters outside (Extension B and beyond, emoji) are replaced by 〓 in the PDF and
  listed by code point (zoning/report/fonts.py), never dropped silently.
* ``NotoSansCJKsc-Bold-subset.otf``: the bold face cut to GB 2312 (6,763 hanzi) plus the
  same non-ideograph ranges, for headings; glyphs it lacks fall back to the regular face.

$ apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb deb
$ python zoning/report/assets/build_fonts.py deb/usr/share/fonts/opentype/noto
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent

#: Non-ideograph ranges kept in both faces.
COMMON_RANGES = [
    (0x0020, 0x007E), (0x00A0, 0x017F), (0x02C6, 0x02DD), (0x0391, 0x03C9), (0x0401, 0x0451),
    (0x2000, 0x206F), (0x2070, 0x209F), (0x2100, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF), (0x3000, 0x303F),
    (0x3040, 0x30FF), (0x3100, 0x312F), (0x31C0, 0x31EF), (0x3200, 0x33FF), (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
]
FULL_HAN_RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]


def _gb2312_hanzi() -> list[int]:
    """The 6,763 hanzi of GB 2312 (rows 0xB0-0xF7)."""
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


def _expand(ranges: list[tuple[int, int]]) -> list[int]:
    return [u for a, b in ranges for u in range(a, b + 1)]


def build(ttc: Path, face: str, out: Path, unicodes: list[int]) -> None:
    """Cut face ``face`` of collection ``ttc`` down to ``unicodes`` and save it as ``out``."""
    collection = TTCollection(str(ttc))
    fonts = [f for f in collection.fonts if f["name"].getDebugName(4) == face]
    if not fonts:
        msg = f"{ttc}: no face named {face!r}"
        raise SystemExit(msg)
    font = fonts[0]
    opts = subset.Options()
    opts.layout_features = ["*"]  # keep vertical forms, proportional punctuation etc.
    opts.name_IDs = ["*"]  # keep copyright and licence records
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False  # PDFs and 200-dpi maps do not need hinting; saves space
    subsetter = subset.Subsetter(opts)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(str(out))


def main(src_dir: str) -> None:
    src = Path(src_dir)
    common = _expand(COMMON_RANGES)
    build(src / "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", HERE / "NotoSansCJKsc-Regular-subset.otf",
          common + _expand(FULL_HAN_RANGES))
    build(src / "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold", HERE / "NotoSansCJKsc-Bold-subset.otf",
          common + _gb2312_hanzi())


if __name__ == "__main__":
    main(sys.argv[1])
