"""Screening reports: DOCX, PDF, XLSX/CSV tables and GeoPackages (filled in by the reports issue)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gis.errors import InputError
from zoning.model import ScreeningResult

__all__ = ["REPORT_FORMATS", "write_report"]

#: format name -> writer(results, out_path, *, lang) ; json and csv are handled by the CLI itself.
REPORT_FORMATS: dict[str, Callable[..., None]] = {}


def write_report(results: Sequence[ScreeningResult], fmt: str, out: Path, *, lang: str = "zh") -> None:
    """Write ``results`` as a report of format ``fmt`` to ``out``."""
    try:
        writer = REPORT_FORMATS[fmt]
    except KeyError:
        msg = f"report format {fmt!r} is not available; expected one of {sorted(REPORT_FORMATS)}"
        raise InputError(msg) from None
    writer(results, out, lang=lang)
