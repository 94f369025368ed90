"""The screening as an Esri File Geodatabase, zipped: ``<report number>.gdb/`` and a README.

The same layers as the Shapefile (``features.gis_layers``: ``results``, ``conflicts``, split by
dimension when needed, and the ``report_info`` table), with the full field names and every
character of the text (FileGDB text is Unicode, without dBASE's 254-byte limit), in the CRS
of ``features.output_crs``. Written by GDAL's OpenFileGDB driver (write support since GDAL
3.6; the pinned pyogrio carries a newer GDAL), which ArcGIS 10.x/Pro and QGIS open.
``registry.write_output`` unpacks the zip when ``-o`` names a ``.gdb`` folder.

Formula neutralisation does not apply, as for the Shapefile (see ``shp_writer``).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from gis.errors import DataSourceError
from zoning.model import ScreeningResult
from zoning.report.features import info_rows, prepare, readme_text, zip_entries
from zoning.report.numbering import report_number
from zoning.report.zones import ReportZones, StoreLike

__all__ = ["render_gdb", "unpack_folder", "GDB_DRIVER"]

GDB_DRIVER = "OpenFileGDB"


def render_gdb(results: Sequence[ScreeningResult], *, lang: str = "zh", store: StoreLike | None = None,
               zones: ReportZones | None = None, out_crs: Any = None) -> bytes:
    """The zipped FileGDB as bytes: ``<report number>.gdb/...`` and ``README.txt``; a bad
    ``out_crs`` raises as in ``features.prepare``."""
    lang, crs, layers = prepare(results, lang=lang, store=store, zones=zones, out_crs=out_crs)
    name = f"{report_number(results)}.gdb"
    with tempfile.TemporaryDirectory() as tmp:
        gdb = Path(tmp) / name
        with warnings.catch_warnings():
            # GDAL says it writes the FileGDB's own spatial index and field domains: not news.
            warnings.simplefilter("ignore", RuntimeWarning)
            for layer in layers:
                pyogrio.write_dataframe(layer.frame, gdb, layer=layer.name, driver=GDB_DRIVER,
                                        geometry_type=layer.geometry_type)  # fmt: skip
            info = pd.DataFrame(info_rows(results, crs, lang=lang), columns=["key", "value"])
            pyogrio.write_dataframe(info, gdb, layer="report_info", driver=GDB_DRIVER)
        entries = [(f"{name}/{path.name}", path.read_bytes()) for path in sorted(gdb.iterdir()) if path.is_file()]
    readme = readme_text(results, crs, layers, shapefile=False)
    entries.append(("README.txt", b"\xef\xbb\xbf" + readme.encode("utf-8")))
    return zip_entries(entries)


def _is_filegdb(folder: Path) -> bool:
    """True for a FileGDB folder (its ``gdb`` file or ``.gdbtable`` files), or an empty one."""
    names = [p.name for p in folder.iterdir()]
    return not names or "gdb" in names or any(n.endswith(".gdbtable") for n in names)


def unpack_folder(data: bytes, out: Path, *, suffix: str = ".gdb") -> None:
    """Unpack the ``<name><suffix>/`` folder of the zip ``data`` as the folder ``out``.

    Written beside ``out`` first and renamed into place, replacing an existing FileGDB (or
    file) there; a folder that is not a FileGDB is never removed.

    Raises
    ------
    DataSourceError
        ``out`` is a folder that is not a FileGDB.
    """
    out = Path(out)
    if out.is_dir() and not _is_filegdb(out):
        msg = f"{out} is a folder but not a FileGDB; refusing to replace it (give another -o ending in {suffix})"
        zh = f"{out} 是文件夹但不是 FileGDB，不予替换（请另用以 {suffix} 结尾的 -o 路径）"
        raise DataSourceError(msg, zh=zh)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                folder, _, base = info.filename.partition("/")
                # Only our own members, by base name: nothing lands outside the folder.
                if folder.endswith(suffix) and base and "/" not in base and base not in (".", ".."):
                    (work / base).write_bytes(zf.read(info))
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        os.replace(work, out)
    finally:
        if work.exists():
            shutil.rmtree(work)
