"""The conflict table (``tables.conflict_table``) as CSV: UTF-8 with a BOM, so Excel on Chinese
Windows opens it without garbling; CRLF line ends (RFC 4180); formula-like text defused
(``formulas.csv_cell``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from zoning.model import ScreeningResult
from zoning.report.formulas import csv_cell
from zoning.report.tables import conflict_table

__all__ = ["render_csv", "csv_head", "csv_item"]


def render_csv(results: Sequence[ScreeningResult], *, lang: str = "zh") -> bytes:
    """The conflict table as CSV bytes (UTF-8 with BOM), headers and words in ``lang``.

    Raises
    ------
    InputError
        If ``lang`` is not supported.
    """
    header, rows = conflict_table(results, lang=lang)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def _lines(cells: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows([csv_cell(v) for v in row] for row in cells)
    return buf.getvalue().encode("utf-8")


def csv_head(lang: str = "zh") -> bytes:
    """The BOM and the header line of ``render_csv``'s table (batches written part by part)."""
    header, _ = conflict_table([], lang=lang)
    return b"\xef\xbb\xbf" + _lines([list(header)])


def csv_item(result: ScreeningResult, position: int, lang: str = "zh") -> bytes:
    """The lines ``render_csv`` writes for ``result`` when it is at ``position`` (from 0) of
    the batch: ``csv_head() + b"".join(csv_item(r, i) for i, r in ...)`` is ``render_csv``."""
    _, rows = conflict_table([result], lang=lang, start=position + 1)
    return _lines(rows)
