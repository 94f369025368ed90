"""Screening reports: DOCX, PDF, XLSX/CSV tables, GeoPackages, and zip bundles for batches.

``write_report(results, fmt, out, lang=...)`` writes a file (the CLI's ``--format``);
``render_report(results, fmt, lang=...)`` returns the bytes (the UI's download buttons).
A single result gives a project report; several give a batch report (summary, project
list, one section per project). See ``content.build_document`` for what a report holds.

    $ python -m zoning screen farm.geojson --type livestock_farm --format pdf -o farm.pdf
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gis.errors import DataSourceError, InputError
from zoning.model import ScreeningResult

__all__ = ["REPORT_FORMATS", "MEDIA_TYPES", "write_report", "render_report", "report_filename"]

#: MIME type and file suffix of each format (for download buttons).
MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "pdf": ("application/pdf", ".pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "csv": ("text/csv", ".csv"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "zip": ("application/zip", ".zip"),
}


def _render_docx(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.content import build_document
    from zoning.report.docx_writer import render_docx

    return render_docx(build_document(results, lang=lang, **options))


def _render_pdf(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.content import build_document
    from zoning.report.pdf_writer import render_pdf

    return render_pdf(build_document(results, lang=lang, **options))


def _render_xlsx(results: Sequence[ScreeningResult], *, lang: str, **_: Any) -> bytes:
    from zoning.report.tables import render_xlsx

    return render_xlsx(results, lang=lang)


def _render_csv(results: Sequence[ScreeningResult], *, lang: str, **_: Any) -> bytes:
    from zoning.report.tables import render_csv

    return render_csv(results, lang=lang)


def _render_gpkg(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.gpkg_writer import render_gpkg

    return render_gpkg(results, lang=lang, store=options.get("store"), zones=options.get("zones"))


def _render_zip(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.bundle import render_bundle

    return render_bundle(results, lang=lang, **options)


_RENDERERS: dict[str, Callable[..., bytes]] = {
    "docx": _render_docx,
    "pdf": _render_pdf,
    "xlsx": _render_xlsx,
    "csv": _render_csv,
    "gpkg": _render_gpkg,
    "zip": _render_zip,
}


def _file_writer(fmt: str) -> Callable[..., None]:
    def writer(results: Sequence[ScreeningResult], out: Path, *, lang: str = "zh", **options: Any) -> None:
        data = render_report(results, fmt, lang=lang, **options)
        try:
            Path(out).write_bytes(data)
        except OSError as err:
            msg = f"cannot write the {fmt} report to {out}: {err.strerror or err}"
            raise DataSourceError(msg) from err

    writer.__name__ = f"write_{fmt}"
    writer.__doc__ = f"Write ``results`` as a {fmt} report to ``out``."
    return writer


#: format name -> writer(results, out_path, *, lang). ``json`` is handled by the CLI itself;
#: ``csv`` is here too so the CLI and UI can share the table code.
REPORT_FORMATS: dict[str, Callable[..., None]] = {fmt: _file_writer(fmt) for fmt in _RENDERERS}


def _check(results: Sequence[ScreeningResult], fmt: str) -> None:
    if fmt not in _RENDERERS:
        msg = f"report format {fmt!r} is not available; expected one of {sorted(_RENDERERS)}"
        raise InputError(msg)
    if not results:
        msg = "a report needs at least one screening result; got none"
        raise InputError(msg)


def render_report(results: Sequence[ScreeningResult] | ScreeningResult, fmt: str, *, lang: str = "zh",
                  **options: Any) -> bytes:
    """The report of ``results`` in format ``fmt`` as bytes (for download buttons).

    Parameters
    ----------
    results
        One result or a list (a batch).
    fmt
        ``docx``, ``pdf``, ``xlsx``, ``csv``, ``gpkg`` or ``zip`` (a bundle for batches).
    lang
        ``"zh"`` (default) or ``"en"``.
    **options
        Passed to ``content.build_document``: ``store`` (the ZoneStore screened against),
        ``maps`` (False: no maps), ``max_maps`` (batch map budget), ``printed_at``.

    Raises
    ------
    InputError
        Unknown format or language, or no results.
    """
    items = [results] if isinstance(results, ScreeningResult) else list(results)
    _check(items, fmt)
    from zoning.report.i18n import check_lang

    return _RENDERERS[fmt](items, lang=check_lang(lang), **options)


def write_report(results: Sequence[ScreeningResult], fmt: str, out: Path, *, lang: str = "zh",
                 **options: Any) -> None:
    """Write ``results`` as a report of format ``fmt`` to ``out``.

    Raises
    ------
    InputError
        Unknown format or language, or no results.
    DataSourceError
        ``out`` cannot be written.
    """
    items = [results] if isinstance(results, ScreeningResult) else list(results)
    _check(items, fmt)
    REPORT_FORMATS[fmt](items, out, lang=lang, **options)


def report_filename(results: Sequence[ScreeningResult], fmt: str) -> str:
    """A download file name: ``<report number>_<project or batch>.<suffix>``."""
    from zoning.report.content import report_number

    items = list(results)
    stem = items[0].project.name if len(items) == 1 else f"batch{len(items)}"
    safe = "".join(ch for ch in stem if ch.isalnum() or ch in "-_")[:40] or "report"
    return f"{report_number(items)}_{safe}{MEDIA_TYPES[fmt][1]}"
