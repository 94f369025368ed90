"""Text encodings of attribute tables and text files: decode right, or stop and ask.

Private helper of ``gis.io``. Chinese desktop GIS and Excel write GBK without saying so
(no ``.cpg``, no BOM), so undeclared non-UTF-8 text is tried as GBK/GB18030. But GBK
accepts almost any byte sequence: Latin-1 ``Peçeña`` decodes as ``Pe鏴馻``, Big5 and
Shift-JIS as strings of rare characters. So a GBK decoding is accepted only when it is
*plausible* — nearly every character it produces is one of the GB2312 hanzi or Chinese
punctuation that real text is made of. Otherwise the reader refuses, naming the encodings
tried, showing what the text looks like in the likely candidates, and the ``--encoding``
option (``encoding=``) that settles it.

Examples
--------
>>> gbk_plausible(["湘江长沙段".encode("gbk")])
True
>>> gbk_plausible(["Peçeña".encode("latin-1")])
False
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Sequence

from gis.errors import DataSourceError, zh_lead

__all__ = [
    "GBK_MIN_SHARE",
    "gbk_plausible",
    "gbk_share",
    "decodes",
    "candidate_samples",
    "undecidable_error",
    "python_codec",
]

#: Share of non-ASCII characters that must be common Chinese for a GBK guess to stand.
#: Real Chinese text scores 0.97-1.0 (a rare character in a name costs a little); Latin-1,
#: Big5 and Shift-JIS text read as GBK score below 0.6.
GBK_MIN_SHARE = 0.9

# Encodings shown (when they decode) in a refusal, so the user can see which one is right.
_CANDIDATES = ("BIG5", "SHIFT_JIS", "EUC-KR", "CP1252", "CP1251", "ISO-8859-1")


def _common_chinese(ch: str, encoding: str = "gbk") -> bool:
    """A character real Chinese text is made of: a GB2312 hanzi, Chinese punctuation or numbering.

    Read as GB18030, the rare hanzi of CJK extensions A and B count too: they take 4-byte
    sequences whose 2nd and 4th bytes are digits, which no other encoding's text produces.
    """
    if encoding == "gb18030" and (0x3400 <= ord(ch) <= 0x4DBF or 0x20000 <= ord(ch) <= 0x2FFFF):
        return True
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    lead = code[0]
    # rows 0xA1 (punctuation), 0xA2 (numbering ①⑴), 0xA3 (full-width ASCII), 0xB0-0xF7 (hanzi)
    return lead in (0xA1, 0xA2, 0xA3) or 0xB0 <= lead <= 0xF7


def gbk_share(cells: Iterable[bytes], encoding: str = "gbk") -> float | None:
    """Share of non-ASCII characters of the GBK (or GB18030) decoding that are common Chinese.

    None when a cell does not decode at all, or there is no non-ASCII text.
    """
    total = common = 0
    for cell in cells:
        try:
            text = cell.decode(encoding)
        except UnicodeDecodeError as err:
            # A multi-byte character cut at the field width is not evidence against GBK.
            if not (err.reason in ("incomplete multibyte sequence", "unexpected end of data") and err.end == len(cell)):
                return None
            text = cell[: err.start].decode(encoding, "replace")
        for ch in text:
            if ord(ch) > 0x7F:
                total += 1
                common += _common_chinese(ch, python_codec(encoding) or encoding)
    return common / total if total else None


def gbk_plausible(cells: Sequence[bytes], encoding: str = "gbk") -> bool:
    """True when ``cells`` decode as GBK (GB18030) into text that looks like Chinese."""
    share = gbk_share(cells, encoding)
    return share is not None and share >= GBK_MIN_SHARE


def decodes(cells: Iterable[bytes], encoding: str) -> bool:
    """True if every cell decodes strictly (a multi-byte character cut at the end excepted)."""
    for cell in cells:
        try:
            cell.decode(encoding)
        except UnicodeDecodeError as err:
            if not (err.end == len(cell) and err.reason in ("unexpected end of data", "incomplete multibyte sequence")):
                return False
    return True


def python_codec(encoding: str) -> str | None:
    """Python's codec name for an encoding label, or None if Python does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def candidate_samples(cells: Sequence[bytes], *, limit: int = 3) -> list[tuple[str, str]]:
    """(encoding, sample text) for the first encodings in which the text decodes cleanly."""
    sample = next((c for c in cells if any(b > 0x7F for b in c)), b"")
    out: list[tuple[str, str]] = []
    for enc in ("GBK", *_CANDIDATES):
        if not decodes(cells, enc):
            continue
        shown = sample.decode(enc, "replace").strip()
        out.append((enc, shown[:40]))
        if len(out) >= limit + 1:
            break
    return out


def undecidable_error(source: str, cells: Sequence[bytes], *, tried: str = "UTF-8, GBK and GB18030") -> DataSourceError:
    """The refusal for text whose encoding cannot be told: what was tried, what it may be, how to say."""
    samples = candidate_samples(cells)
    shown = "; ".join(f"as {enc}: {text!r}" for enc, text in samples)
    shown_zh = "；".join(f"按 {enc}：“{text}”" for enc, text in samples)
    likely = next((enc for enc, _ in samples if enc != "GBK"), "BIG5")
    msg = (
        f"{source}: the text encoding cannot be told safely — it is not UTF-8, and read as GBK it does not look "
        f"like Chinese text (tried {tried}){'; it reads ' + shown if shown else ''}. Give the encoding with "
        f"--encoding (encoding=), e.g. --encoding {likely}, or add a .cpg file naming it"
    )
    zh = (
        f"{zh_lead(source)}的文字编码无法可靠判断：不是 UTF-8，按 GBK 读出的也不像中文（已尝试 UTF-8、GBK、GB18030）"
        f"{'；' + shown_zh if shown_zh else ''}。请用 --encoding 指定编码（如 --encoding {likely}），"
        "或添加注明编码的 .cpg 文件"
    )
    return DataSourceError(msg, zh=zh)
