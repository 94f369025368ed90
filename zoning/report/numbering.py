"""Numbers a report prints: the report number, and heading numbers in Chinese official style
(一、 / （一） / 1.) with their English equivalents.

Kept free of the document and map code, so the tables, the GeoPackage and the file names
can number a report without loading what draws it."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from zoning.model import ScreeningResult

__all__ = ["report_number", "content_sha256", "numbered", "chinese_numeral", "heading_number"]

log = logging.getLogger(__name__)

#: The number of a saved screening, in force while its outputs are rendered (``numbered``).
_FIXED: contextvars.ContextVar[str | None] = contextvars.ContextVar("report_number", default=None)


@contextlib.contextmanager
def numbered(number: str | None) -> Iterator[None]:
    """Inside the block every output prints ``number`` as its report number (a saved
    screening's number, as the archive gave it); None changes nothing."""
    token = _FIXED.set(number) if number else None
    try:
        yield
    finally:
        if token is not None:
            _FIXED.reset(token)


def content_sha256(results: Sequence[ScreeningResult]) -> str:
    """Hex SHA-256 of every result's JSON except the timestamp: the screening's content."""
    payload = []
    for r in results:
        d = r.to_dict()
        d.pop("generated_at", None)
        payload.append(d)
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_number(results: Sequence[ScreeningResult], *, digits: int = 8) -> str:
    """A deterministic report number: ``EZS-<screening date>-<digits hex of the content hash>``.

    The hash covers every result's JSON (``to_dict``) except the timestamp, so the same
    screening of the same data always gets the same number, and any change in project,
    data, rules or parameters gets a new one. Inside ``numbered(n)`` it is ``n`` (a saved
    screening keeps the number the archive gave it: longer, should two contents share the
    first eight digits).

    Examples
    --------
    ``EZS-20261122-3F9A2C1B``
    """
    fixed = _FIXED.get()
    if fixed:
        return fixed
    digest = content_sha256(results)[:digits].upper()
    stamp = results[0].generated_at if results else ""
    try:
        day = datetime.fromisoformat(stamp).strftime("%Y%m%d")
    except (TypeError, ValueError):
        log.warning("generated_at %r is not an ISO time; the report number has day 00000000", stamp)
        day = "00000000"
    return f"EZS-{day}-{digest}"


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
