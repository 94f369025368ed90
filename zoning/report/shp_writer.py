"""The screening as a zipped Shapefile for ArcGIS and QGIS desks: GBK attributes, .prj, Gauss-Kruger.

``results.shp`` (one feature per project) and ``conflicts.shp`` (one per conflict row), split
by dimension when a batch mixes points, lines and polygons (``features.gis_layers``), each
with a ``.qml`` QGIS loads with it (by verdict, in the palette's colours), a
``report_info.dbf`` table and a ``README.txt`` with the field-name mapping; in the CRS of
``features.output_crs`` (by default the county's Gauss-Kruger zone with the zone number).

Encoding
    The .dbf text is GBK (code page 936), the encoding Chinese desktop GIS has always
    written, declared twice: the dBASE language-driver byte 0x4D ("Chinese GBK (PRC)", byte
    29 of the header) and a ``.cpg`` saying ``936``. ArcGIS reads the language-driver byte
    first and then the .cpg, and knows code pages by number (the usual fix for garbled
    Chinese in ArcGIS is a .cpg with ``936``; ArcGIS 10.2.1 and later read a shapefile with
    neither as UTF-8); GDAL — and QGIS, which uses GDAL's rule — reads a .cpg number *n* as
    ``CP<n>`` and the byte 0x4D as CP936. A .cpg saying ``GBK`` would be read by GDAL and
    QGIS (iconv and Qt know the name) but is not a code-page number ArcGIS is documented to
    read. Text GBK cannot hold (a few rare characters, emoji) is written as ``?`` and a
    dBASE text field holds 254 bytes (127 Chinese characters): longer text is cut at a
    character and ends in ``…``; both are counted in ``report_info`` (``dbf_text``). The
    FileGDB and GeoPackage outputs keep every character.

Formula neutralisation (``formulas``) is not applied: a .dbf is typed data for GIS software,
which never evaluates attribute text, and a spreadsheet that opens a .dbf imports its
character fields as text cells instead of parsing them as typed input the way it parses a
CSV — LibreOffice Calc 7.4 keeps ``=1+1`` in a .dbf as text while the same CSV cell becomes
a formula (``tests/zoning/report/test_gis_formats.py``, run where ``soffice`` is installed);
Excel's dBase import was not available to test. An apostrophe would also change the names
desks join on, as in the GeoPackage (see ``formulas``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from zoning.model import ScreeningResult
from zoning.qgis_styles import geometry_kind, verdict_style
from zoning.report.features import GisLayer, info_rows, prepare, readme_text, zip_entries
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["render_shp", "CPG_TEXT", "LDID_GBK", "DBF_TEXT_BYTES"]

#: What the .cpg says, and the dBASE language-driver id of code page 936 (see the module).
CPG_TEXT = "936"
LDID_GBK = 0x4D
#: The most bytes a dBASE character field holds.
DBF_TEXT_BYTES = 254
_CODEC = "gbk"
_SUFFIXES = (".shp", ".shx", ".dbf", ".prj", ".cpg")


class _TextFit:
    """Fits text into GBK dBASE fields and counts what it had to change."""

    def __init__(self) -> None:
        self.replaced = 0
        self.cut = 0

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        data = value.encode(_CODEC, errors="replace")
        if data.count(b"?") != value.count("?"):
            self.replaced += 1
        if len(data) <= DBF_TEXT_BYTES:
            return data.decode(_CODEC)
        self.cut += 1
        # Cut at a character (a GBK character is one or two bytes) and mark the cut.
        mark = "…".encode(_CODEC)
        return data[: DBF_TEXT_BYTES - len(mark)].decode(_CODEC, errors="ignore") + "…"

    def note(self) -> str:
        return (f"GBK: {self.replaced} 项含 GBK 无法表示的字符，已写作“?”；{self.cut} 项超过 254 字节，已截断并以“…”结尾"
                f" / {self.replaced} values had characters GBK cannot hold (written as ?); {self.cut} values were longer "
                "than 254 bytes (cut, ending in …); the FileGDB and GeoPackage keep them whole")


def _write_dbf_layer(frame: Any, folder: Path, name: str, fit: _TextFit, *, geometry_type: str | None,
                     date: str) -> None:
    frame = frame.copy()
    for column in frame.columns:
        if column != "geometry" and (pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object):
            frame[column] = frame[column].map(fit)
    options = {"DBF_DATE_LAST_UPDATE": date}
    kwargs: dict[str, Any] = {"geometry_type": geometry_type} if geometry_type else {}
    pyogrio.write_dataframe(frame, folder / f"{name}.shp" if geometry_type else folder / f"{name}.dbf",
                            encoding=_CODEC.upper(), layer_options=options, **kwargs)  # fmt: skip
    _declare_gbk(folder / f"{name}.dbf", folder / f"{name}.cpg")


def _declare_gbk(dbf: Path, cpg: Path) -> None:
    """Set the language-driver byte and the .cpg to code page 936 (GDAL writes only a
    .cpg with the name it was given)."""
    with dbf.open("r+b") as fh:
        fh.seek(29)
        fh.write(bytes([LDID_GBK]))
    cpg.write_text(CPG_TEXT, encoding="ascii")


def _shp_frame(layer: GisLayer) -> Any:
    """The layer with its Shapefile field names."""
    return layer.frame.rename(columns={f.name: f.shp for f in layer.fields})


def _sidecar_qml(layer: GisLayer) -> str:
    """The style QGIS loads with ``<layer>.shp`` on its own: by verdict, in the palette's colours."""
    kind = geometry_kind(layer.geometry_type)
    if layer.name.startswith("results"):
        return verdict_style(kind).qml()
    return verdict_style(kind, label_field=None, mark="overlap", fill="colour").qml()


def render_shp(results: Sequence[ScreeningResult], *, lang: str = "zh", store: StoreLike | None = None,
               zones: ReportZones | None = None, out_crs: Any = None) -> bytes:
    """The zipped Shapefile as bytes (see the module); a bad ``out_crs`` raises as in
    ``features.prepare``."""
    lang, crs, layers = prepare(results, lang=lang, store=store, zones=zones, out_crs=out_crs)
    date = str(results[0].generated_at)[:10]
    fit = _TextFit()
    entries: list[tuple[str, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for layer in layers:
            _write_dbf_layer(_shp_frame(layer), folder, layer.name, fit, geometry_type=layer.geometry_type, date=date)
            entries += [(f"{layer.name}{s}", (folder / f"{layer.name}{s}").read_bytes()) for s in _SUFFIXES]
            entries.append((f"{layer.name}.qml", _sidecar_qml(layer).encode("utf-8")))
        info = pd.DataFrame([*info_rows(results, crs, lang=lang), ("dbf_text", fit.note())], columns=["key", "value"])
        _write_dbf_layer(info, folder, "report_info", fit, geometry_type=None, date=date)
        entries += [(f"report_info{s}", (folder / f"report_info{s}").read_bytes()) for s in (".dbf", ".cpg")]
    readme = readme_text(results, crs, layers, shapefile=True, extra=[
        f"  编码 / Encoding: GBK（.cpg = {CPG_TEXT}，DBF 语言驱动 0x{LDID_GBK:02X}）",
    ])  # fmt: skip
    entries.append(("README.txt", b"\xef\xbb\xbf" + readme.encode("utf-8")))
    return zip_entries(entries)
