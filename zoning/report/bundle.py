"""A batch as a zip bundle: a summary report, one report per project, the table and the GeoPackage.

For a large batch one document per project is easier to file than a single document of
hundreds of pages: ``00_汇总_summary.<fmt>`` (summary and project list), ``projects/NNN_<name>.<fmt>``,
``conflicts.xlsx`` and ``screening.gpkg``. The zone store is opened once for the whole bundle.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from gis.errors import InputError
from zoning.model import ScreeningResult
from zoning.report.content import build_document
from zoning.report.gpkg_writer import render_gpkg
from zoning.report.tables import render_xlsx
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["render_bundle"]


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_（）()")[:40] or "project"


def render_bundle(results: Sequence[ScreeningResult], *, lang: str = "zh", doc_format: str = "pdf",
                  store: StoreLike | None = None, maps: bool = True, **options: Any) -> bytes:
    """The zip bundle as bytes.

    Parameters
    ----------
    doc_format
        ``pdf`` (default) or ``docx`` for the summary and per-project reports.
    maps
        Draw maps in the per-project reports (projects without conflicts get none in a bundle).

    Raises
    ------
    InputError
        If ``doc_format`` is not pdf or docx.
    """
    if doc_format == "pdf":
        from zoning.report.pdf_writer import render_pdf as render
    elif doc_format == "docx":
        from zoning.report.docx_writer import render_docx as render
    else:
        msg = f"bundle document format {doc_format!r} is not supported; expected 'pdf' or 'docx'"
        raise InputError(msg)
    zones = ReportZones.for_results(results, store=store)
    printed_at = options.get("printed_at")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        summary = build_document(results, lang=lang, zones=zones, maps=maps, details=False, printed_at=printed_at)
        zf.writestr(f"00_汇总_summary.{doc_format}", render(summary))
        width = len(str(len(results)))
        for i, result in enumerate(results, start=1):
            doc = build_document([result], lang=lang, zones=zones, maps=maps and bool(result.conflicts),
                                 printed_at=printed_at)
            zf.writestr(f"projects/{i:0{width}d}_{_safe(result.project.name)}.{doc_format}", render(doc))
        zf.writestr("conflicts.xlsx", render_xlsx(results, lang=lang))
        zf.writestr("screening.gpkg", render_gpkg(results, lang=lang, zones=zones))
    return buf.getvalue()
