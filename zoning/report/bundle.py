"""A batch as a zip bundle: a summary report, one report per project, the table and the GeoPackage.

For a large batch one document per project is easier to file than a single document of
hundreds of pages: ``00_汇总_summary.<fmt>`` (summary and project list), ``projects/NNN_<name>.<fmt>``,
``conflicts.xlsx`` and ``screening.gpkg``. The zone store is opened once for the whole bundle,
and the PDFs are set in faces cut once to the characters of the whole bundle
(``fonts.subset_fonts``) instead of each PDF reading and cutting the 11 MB shipped face.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from gis.errors import InputError
from zoning.model import ScreeningResult
from zoning.report.content import build_document
from zoning.report.document import Document
from zoning.report.fonts import FontFiles, printed_chars, subset_fonts
from zoning.report.gpkg_writer import render_gpkg
from zoning.report.i18n import wording
from zoning.report.numbering import chinese_numeral
from zoning.report.xlsx_writer import render_xlsx
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["render_bundle"]

_CST = timezone(timedelta(hours=8))


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
    if doc_format not in ("pdf", "docx"):
        msg = f"bundle document format {doc_format!r} is not supported; expected 'pdf' or 'docx'"
        raise InputError(msg)
    zones = ReportZones.for_results(results, store=store)
    # one time for every document of the bundle (each would otherwise read the clock itself)
    printed_at = options.get("printed_at") or datetime.now(_CST)
    summary = build_document(results, lang=lang, zones=zones, maps=maps, details=False, printed_at=printed_at)

    def project_doc(result: ScreeningResult, *, with_maps: bool) -> Document:
        return build_document([result], lang=lang, zones=zones, maps=with_maps and bool(result.conflicts),
                              printed_at=printed_at)

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="zoning-report-fonts-") as tmp, \
            zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        render = _renderer(doc_format, results, summary, project_doc, lang=lang, folder=Path(tmp))
        zf.writestr(f"00_汇总_summary.{doc_format}", render(summary))
        width = len(str(len(results)))
        for i, result in enumerate(results, start=1):
            doc = project_doc(result, with_maps=maps)
            zf.writestr(f"projects/{i:0{width}d}_{_safe(result.project.name)}.{doc_format}", render(doc))
        zf.writestr("conflicts.xlsx", render_xlsx(results, lang=lang))
        zf.writestr("screening.gpkg", render_gpkg(results, lang=lang, zones=zones))
    return buf.getvalue()


def _renderer(doc_format: str, results: Sequence[ScreeningResult], summary: Document,
              project_doc: Callable[..., Document], *, lang: str, folder: Path) -> Callable[[Document], bytes]:
    if doc_format == "docx":
        from zoning.report.docx_writer import render_docx

        return render_docx
    from zoning.report.pdf_writer import render_pdf

    # The characters of every document: their text without maps (cheap to build), plus the
    # fixed wording, which holds the map captions and heading numerals the maps add.
    texts: list[Iterable[str]] = [summary.texts(), wording(lang), [chinese_numeral(n) for n in range(1, 21)]]
    texts += [project_doc(r, with_maps=False).texts() for r in results]
    fonts: FontFiles = subset_fonts(printed_chars(t for part in texts for t in part), folder)

    def render(doc: Document) -> bytes:
        return render_pdf(doc, fonts=fonts)  # falls back to the shipped faces for an uncovered document

    return render
