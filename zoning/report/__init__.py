"""Every output of a screening, in one registry: JSON, CSV, XLSX, DOCX, PDF, GeoPackage, zip,
Shapefile, FileGDB.

The CLI (``python -m zoning screen --format``), the app's download buttons and the batch
bundle all go through here, so the same results give the same bytes wherever they are asked
for (apart from the time a document is printed). ``FORMATS`` maps a format name to its
``OutputFormat`` (file suffix, media type, the function that renders it);
``render_report(results, fmt, lang=...)`` returns the bytes, ``write_report(...)`` writes a
file. A single result gives a project report; several give a batch report (summary, project
list, one section per project). See ``content.build_document`` for what a document holds.

Adding a format is one registration: a function ``(results, *, lang, **options) -> bytes``
decorated with ``@register(name, suffix, media_type)``, importing its writer inside the
function so that writing a CSV never loads matplotlib, fpdf2 or python-docx.

The package is cut in two: content (``tables`` — the conflict table every tabular format
writes; ``content``, ``sections``, ``maps``, ``zones`` — the document model and its maps) and
writers (``json_writer``, ``csv_writer``, ``xlsx_writer``, ``docx_writer``, ``pdf_writer``,
``gpkg_writer``, ``bundle``, ``shp_writer``, ``gdb_writer`` — the last two from ``features``:
the results as GIS features in a Gauss-Kruger zone). Writers import content, never the other way, and nothing imports
this registry but its callers. ``formulas`` keeps names that look like spreadsheet formulas
from ever running in the CSV and the workbook.

    $ python -m zoning screen farm.geojson --type livestock_farm --format pdf -o farm.pdf
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis.errors import DataSourceError, InputError
from zoning.model import ScreeningResult

__all__ = ["OutputFormat", "FORMATS", "Parts", "format_parts", "register", "render_report", "write_report", "write_output",
           "check_out_crs", "report_filename"]

Renderer = Callable[..., bytes]


@dataclass(frozen=True)
class OutputFormat:
    """One output format of a screening.

    Attributes
    ----------
    name
        The ``--format`` value, e.g. ``csv``.
    suffix
        File suffix with its dot, e.g. ``.csv``.
    media_type
        MIME type (download buttons, HTTP answers).
    render
        ``render(results, *, lang, **options) -> bytes``.
    stream
        True when the bytes may go to standard output (text formats); the others need ``-o``.
    folder
        For a zipped folder format (``.gdb``): the suffix of a folder ``write_output`` unpacks
        the zip into when the output path ends with it; None for the others.
    projected
        True when the format writes features in a CRS the caller may choose (``out_crs``).
    """

    name: str
    suffix: str
    media_type: str
    render: Renderer
    stream: bool = False
    folder: str | None = None
    projected: bool = False


#: format name -> OutputFormat, in the order the app offers them.
FORMATS: dict[str, OutputFormat] = {}


def register(name: str, suffix: str, media_type: str, *, stream: bool = False, folder: str | None = None,
             projected: bool = False) -> Callable[[Renderer], Renderer]:
    """Register the decorated renderer as output format ``name``."""

    def decorator(render: Renderer) -> Renderer:
        FORMATS[name] = OutputFormat(name, suffix, media_type, render, stream, folder, projected)
        return render

    return decorator


#: Options ``content.build_document`` takes; a document renderer passes on only these, so one
#: set of options (the CLI's, the app's) serves every format.
_DOCUMENT_OPTIONS = ("store", "zones", "maps", "max_maps", "details", "printed_at", "comparison")


def _document_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k in _DOCUMENT_OPTIONS}


@register("json", ".json", "application/json", stream=True)
def _json(results: Sequence[ScreeningResult], *, batch: bool | None = None, **_: Any) -> bytes:
    from zoning.report.json_writer import render_json

    return render_json(results, batch=batch)


@register("csv", ".csv", "text/csv", stream=True)
def _csv(results: Sequence[ScreeningResult], *, lang: str, **_: Any) -> bytes:
    from zoning.report.csv_writer import render_csv

    return render_csv(results, lang=lang)


@register("docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
def _docx(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.content import build_document
    from zoning.report.docx_writer import render_docx

    return render_docx(build_document(results, lang=lang, **_document_options(options)))


@register("pdf", ".pdf", "application/pdf")
def _pdf(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.content import build_document
    from zoning.report.pdf_writer import render_pdf

    return render_pdf(build_document(results, lang=lang, **_document_options(options)))


@register("xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def _xlsx(results: Sequence[ScreeningResult], *, lang: str, comparison: bool = False, **_: Any) -> bytes:
    from zoning.report.xlsx_writer import render_xlsx

    return render_xlsx(results, lang=lang, comparison=comparison)


@register("gpkg", ".gpkg", "application/geopackage+sqlite3")
def _gpkg(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.gpkg_writer import render_gpkg

    return render_gpkg(results, lang=lang, store=options.get("store"), zones=options.get("zones"))


@register("zip", ".zip", "application/zip")
def _zip(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.bundle import render_bundle

    bundle = {k: v for k, v in options.items() if k in ("doc_format", "store", "maps", "printed_at")}
    return render_bundle(results, lang=lang, **bundle)


@dataclass(frozen=True)
class Parts:
    """A format written part by part (batches too big to hold: ``zoning.batch``): ``head``,
    then each result's ``item(result, position, lang)`` joined by ``sep``, then ``tail`` are
    the bytes ``render_report`` gives for the whole list. Functions are module-level, so
    worker processes can render their items."""

    head: bytes
    item: Callable[..., bytes]
    sep: bytes
    tail: bytes


def format_parts(fmt: str, *, lang: str = "zh") -> Parts | None:
    """How to write format ``fmt`` part by part, or None (documents, workbooks, packages:
    rendered from the whole list)."""
    if fmt == "json":
        from zoning.report.json_writer import JSON_LIST, json_item

        head, sep, tail = JSON_LIST
        return Parts(head, json_item, sep, tail)
    if fmt == "csv":
        from zoning.report.csv_writer import csv_head, csv_item
        from zoning.report.i18n import check_lang

        return Parts(csv_head(check_lang(lang)), csv_item, b"", b"")
    return None


# Zipped GIS files for ArcGIS/QGIS desks, in the county's Gauss-Kruger zone or ``out_crs``.
# Media types of their own (the bundle has application/zip), so an HTTP Accept header picks one.
@register("shp", ".shp.zip", "application/vnd.shp+zip", projected=True)
def _shp(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.shp_writer import render_shp

    return render_shp(results, lang=lang, store=options.get("store"), out_crs=options.get("out_crs"))


@register("gdb", ".gdb.zip", "application/x-filegdb+zip", folder=".gdb", projected=True)
def _gdb(results: Sequence[ScreeningResult], *, lang: str, **options: Any) -> bytes:
    from zoning.report.gdb_writer import render_gdb

    return render_gdb(results, lang=lang, store=options.get("store"), out_crs=options.get("out_crs"))


def check_out_crs(fmt: str, out_crs: Any) -> None:
    """Check ``out_crs`` before any work: a CRS a file can declare, for a format that takes one.

    Raises
    ------
    InputError
        ``fmt`` writes no features in a chosen CRS, or ``out_crs`` is GCJ-02/BD-09.
    CRSError
        ``out_crs`` is not a CRS.
    """
    if out_crs is None or not str(out_crs).strip():
        return
    takes = sorted(name for name, spec in FORMATS.items() if spec.projected)
    if fmt in FORMATS and not FORMATS[fmt].projected:
        msg = f"--out-crs applies to {' and '.join(takes)} only; --format {fmt} is written in its own CRS"
        zh = f"--out-crs 仅用于 {'、'.join(takes)} 格式；--format {fmt} 使用其固定的坐标系"
        raise InputError(msg, zh=zh)
    from zoning.report.features import check_out_crs as check

    check(out_crs)


def _checked(results: Sequence[ScreeningResult] | ScreeningResult, fmt: str) -> list[ScreeningResult]:
    if fmt not in FORMATS:
        msg = f"report format {fmt!r} is not available; expected one of {sorted(FORMATS)}"
        zh = f"报告格式“{fmt}”不可用；应为 {'、'.join(sorted(FORMATS))} 之一"
        raise InputError(msg, zh=zh)
    items = [results] if isinstance(results, ScreeningResult) else list(results)
    if not items:
        msg = "a report needs at least one screening result; got none"
        raise InputError(msg, zh="没有筛查结果，无法生成报告")
    return items


def render_report(results: Sequence[ScreeningResult] | ScreeningResult, fmt: str, *, lang: str = "zh",
                  **options: Any) -> bytes:
    """The output of ``results`` in format ``fmt`` as bytes (download buttons, standard output).

    Parameters
    ----------
    results
        One result or a list (a batch), in input order.
    fmt
        A name in ``FORMATS``: ``json``, ``csv``, ``docx``, ``pdf``, ``xlsx``, ``gpkg`` or
        ``zip`` (a bundle for batches).
    lang
        ``"zh"`` (default) or ``"en"``; JSON has no language (its field names are the contract).
    **options
        ``store`` (the ZoneStore screened against: layer titles and zone labels come from its
        catalogue in every format); for documents, passed to ``content.build_document``: ``maps`` (False: no maps), ``max_maps`` (batch map budget), ``printed_at``;
        ``doc_format`` for the zip bundle; ``batch`` for JSON (see ``json_writer.render_json``);
        ``comparison`` (XLSX, DOCX, PDF): the results are alternative sites of one project — a
        比选 sheet / section side by side first (``comparison.comparison_table``);
        ``number``: the report number to print (a saved screening's; default: from the content).

    Raises
    ------
    InputError
        Unknown format or language, or no results.
    """
    items = _checked(results, fmt)
    from zoning.report.i18n import catalog_of, check_lang
    from zoning.report.numbering import numbered

    # Titles and zone labels from the catalogue of the store screened (an open catalogue's
    # layers keep their names in a CSV as in a PDF), the packaged one without a store; a
    # saved screening's number (``number=``) printed as its report number.
    with catalog_of(options.get("store")), numbered(options.pop("number", None)):
        return FORMATS[fmt].render(items, lang=check_lang(lang), **options)


def write_report(results: Sequence[ScreeningResult] | ScreeningResult, fmt: str, out: Path, *, lang: str = "zh",
                 **options: Any) -> None:
    """Write the output of ``results`` in format ``fmt`` to ``out`` (replaced if it exists;
    the CLI refuses an existing file without ``--overwrite`` before it screens). A folder
    format's ``out`` ending in its folder suffix (``X.gdb``) is written as that folder.

    Raises
    ------
    InputError
        Unknown format or language, or no results.
    DataSourceError
        ``out`` cannot be written.
    """
    write_output(render_report(results, fmt, lang=lang, **options), fmt, out)


def write_output(data: bytes, fmt: str, out: Path) -> None:
    """Write rendered ``data`` of format ``fmt`` to ``out``: the file, or — for a folder format
    (``gdb``) and a path ending in its folder suffix — the zip's folder unpacked there. An
    existing file or folder of that format is replaced; any other folder is refused.

    Raises
    ------
    DataSourceError
        ``out`` cannot be written, or is a folder that is not of this format.
    """
    out = Path(out)
    spec = FORMATS.get(fmt)
    try:
        if spec is not None and spec.folder and out.name.lower().endswith(spec.folder):
            from zoning.report.gdb_writer import unpack_folder

            unpack_folder(data, out, suffix=spec.folder)
        else:
            out.write_bytes(data)
    except OSError as err:
        msg = f"cannot write the {fmt} report to {out}: {err.strerror or err}"
        raise DataSourceError(msg, zh=f"无法将 {fmt} 报告写入 {out}（{err.strerror or err}）") from err


def report_filename(results: Sequence[ScreeningResult], fmt: str) -> str:
    """A download file name: ``<report number>_<project or batch>.<suffix>``."""
    from zoning.report.numbering import report_number

    items = _checked(results, fmt)
    stem = items[0].project.name if len(items) == 1 else f"batch{len(items)}"
    safe = "".join(ch for ch in stem if ch.isalnum() or ch in "-_")[:40] or "report"
    return f"{report_number(items)}_{safe}{FORMATS[fmt].suffix}"
