"""Heading numbers in Chinese official style (一、 / （一） / 1.) and their English equivalents."""

from __future__ import annotations

__all__ = ["chinese_numeral", "heading_number"]

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Chinese numeral for 1..99.

    Examples
    --------
    >>> chinese_numeral(3), chinese_numeral(10), chinese_numeral(21)
    ('三', '十', '二十一')
    """
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def heading_number(level: int, index: int, lang: str) -> str:
    """Prefix of a heading: level 1 ``一、`` / ``1. ``, level 2 ``（一）`` / ``1.1 `` style."""
    if lang == "zh":
        return f"{chinese_numeral(index)}、" if level == 1 else f"（{chinese_numeral(index)}）"
    return f"{index}. " if level == 1 else f"({index}) "
