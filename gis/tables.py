"""Read a table without geometry (CSV, Excel workbook, GeoPackage attribute table) as text.

Official lists such as a province's 生态环境准入清单 are published as spreadsheets, often with
a title line or two above the header and merged cells; this reader finds the header row by
the column names the caller expects and gives every cell as stripped text (``""`` for an
empty cell), so the caller decides what an empty cell means.

Examples
--------
>>> table = read_table("准入清单.xlsx", header_names={"环境管控单元编码", "管控维度"})  # doctest: +SKIP
>>> table.frame.columns.tolist()  # doctest: +SKIP
['环境管控单元编码', '管控维度', '管控要求']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gis._tabular import _delimiter, decode_text
from gis.errors import DataSourceError, Label, zh_lead
from gis.text import Text

__all__ = ["Table", "read_table", "TABLE_EXTENSIONS"]

#: File name endings ``read_table`` reads.
TABLE_EXTENSIONS = (".csv", ".txt", ".xlsx", ".xlsm", ".gpkg")
#: How many leading rows may precede the header (title lines of a published list).
_HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True)
class Table:
    """A table read by ``read_table``: every cell as stripped text, blank rows dropped."""

    frame: pd.DataFrame
    source: str
    format: str
    sheet: str | None
    encoding: str | None
    notes: tuple[Text, ...]


def read_table(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    header_names: Collection[str] = (),
) -> Table:
    """Read a CSV (UTF-8 or GBK), an ``.xlsx`` workbook sheet or a GeoPackage attribute table.

    Parameters
    ----------
    source
        A path, or the bytes of an upload (then ``filename`` gives the format).
    sheet
        Workbook sheet or GeoPackage table; default the first.
    encoding
        CSV encoding; default detected (UTF-8 with or without BOM, GBK, GB18030).
    header_names
        Column names the caller expects: the header is the row among the first few holding
        most of them (published lists put a title above the header); default the first row.

    Raises
    ------
    DataSourceError
        If the file cannot be read, is of another format, or has no rows under its header.
    """
    name = filename or (Path(source).name if isinstance(source, str | Path) else "table")
    label = Label(name, name)
    suffix = Path(name).suffix.lower()
    data = source if isinstance(source, bytes) else _read_bytes(Path(source), label)
    if suffix in (".csv", ".txt"):
        text, used = decode_text(data, encoding=encoding, source=label)
        grid = _csv_grid(text, label)
        notes = [Text(f"CSV 编码 {used}", f"CSV encoding {used}")]
        fmt, sheet_used = "CSV", None
    elif suffix in (".xlsx", ".xlsm"):
        grid, sheet_used = _excel_grid(data, sheet, label)
        notes, used, fmt = [Text(f"工作表 {sheet_used}", f"sheet {sheet_used}")], None, "XLSX"
    elif suffix == ".gpkg":
        return _gpkg_table(source, name, sheet)
    else:
        msg = f"{name}: a table must be CSV, XLSX or a GeoPackage table; got {suffix or 'no extension'}"
        zh = f"{name}：表格应为 CSV、XLSX 或 GeoPackage 属性表，而不是 {suffix or '无扩展名的文件'}"
        raise DataSourceError(msg, zh=zh)
    frame, header_row = _with_header(grid, header_names, label)
    if header_row:
        notes.append(Text(f"表头在第 {header_row + 1} 行", f"header on row {header_row + 1}"))
    return Table(frame, name, fmt, sheet_used, used, tuple(notes))


def _read_bytes(path: Path, label: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        msg = f"{label} cannot be read ({err.strerror or err})"
        raise DataSourceError(msg, zh=f"无法读取 {label}（{err.strerror or err}）") from err


def _csv_grid(text: str, label: str) -> pd.DataFrame:
    """Rows of a CSV, padded to the widest: title lines above the header have fewer cells."""
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except csv.Error as err:
        msg = f"{label} is not a readable CSV table ({err})"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}不是可读取的 CSV 表格（{err}）") from err
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise _empty(label)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)


def _excel_grid(data: bytes, sheet: str | None, label: str) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    except (ValueError, OSError, KeyError) as err:  # openpyxl: not a zip / not a workbook
        msg = f"{label} is not a readable .xlsx workbook ({err})"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}不是可读取的 .xlsx 工作簿（{err}）") from err
    names = [str(n) for n in book.sheet_names]
    chosen = sheet if sheet is not None else names[0]
    if chosen not in names:
        msg = f"{label} has no sheet {chosen!r}; its sheets: {', '.join(names)}"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}中没有工作表“{chosen}”；现有工作表：{'、'.join(names)}")
    grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=str, keep_default_na=False)
    return grid.fillna(""), chosen


def _with_header(grid: pd.DataFrame, header_names: Collection[str], label: str) -> tuple[pd.DataFrame, int]:
    """The grid below its header row, cells stripped, blank rows dropped; (frame, header row)."""
    grid = grid.astype(str).apply(lambda col: col.str.strip())
    wanted = {str(n).strip() for n in header_names}
    row = 0
    if wanted:
        hits = [sum(1 for v in grid.iloc[i] if v in wanted) for i in range(min(len(grid), _HEADER_SEARCH_ROWS))]
        if hits and max(hits) > 0:
            row = hits.index(max(hits))
    if len(grid) <= row:
        raise _empty(label)
    header = [v if v else f"column{j + 1}" for j, v in enumerate(grid.iloc[row])]
    frame = grid.iloc[row + 1 :].copy()
    frame.columns = header
    frame = frame[(frame != "").any(axis=1)].reset_index(drop=True)
    frame = frame.loc[:, [c for c in frame.columns if not (c.startswith("column") and (frame[c] == "").all())]]
    if frame.empty:
        msg = f"{label} has a header but no rows"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}只有表头，没有数据行")
    return frame, row


def _empty(label: str) -> DataSourceError:
    return DataSourceError(f"{label} is empty; expected a header row and rows", zh=f"{zh_lead(label)}为空；应有表头和数据行")


def _gpkg_table(source: str | Path | bytes, name: str, sheet: str | None) -> Table:
    import pyogrio

    if isinstance(source, bytes):
        msg = f"{name}: a GeoPackage table must be read from a file, not an upload"
        raise DataSourceError(msg, zh=f"{name}：GeoPackage 属性表须从文件读取")
    try:
        layers = [str(n) for n, g in pyogrio.list_layers(source) if g is None]
        chosen = sheet or (layers[0] if layers else None)
        if chosen is None:
            msg = f"{name} has no attribute table (a layer without geometry)"
            raise DataSourceError(msg, zh=f"{name} 中没有属性表（无几何的图层）")
        frame = pyogrio.read_dataframe(source, layer=chosen, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        msg = f"{name} cannot be read as a GeoPackage table ({err})"
        raise DataSourceError(msg, zh=f"无法以 GeoPackage 属性表读取 {name}（{err}）") from err
    text = frame.astype(object).where(frame.notna(), "").astype(str).apply(lambda col: col.str.strip())
    return Table(text.reset_index(drop=True), name, "GPKG", chosen, None, (Text(f"图层 {chosen}", f"table {chosen}"),))
