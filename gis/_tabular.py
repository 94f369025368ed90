"""Reading coordinate tables (CSV) and WKT text.

Private helpers of ``gis.io``.

CSV: the encoding is UTF-8 (with or without BOM) or GBK/GB18030 (what Excel saves on a
Chinese Windows). The coordinate columns are found by name (``lon``/``lat``, ``lng``,
``longitude``/``latitude``, ``x``/``y``, ``经度``/``纬度``, ``东经``/``北纬``,
``X坐标``/``Y坐标`` ...); values are decimal or degrees-minutes-seconds. Each row is a
point, or rows sharing a value of a grouping column (``group_by``) become one line or
polygon, in file order or sorted by ``order_by``. A column named ``wkt``/``geometry``
holding WKT is used when there are no coordinate columns.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis import _archive
from gis._coords import EXPECTED_ANGLE, EXPECTED_ANGLE_ZH, SURVEY_SWAP_NOTE, looks_like_survey_xy, parse_angle
from gis._encoding import gbk_plausible, undecidable_error
from gis.errors import DataSourceError, InputError, Label, zh_label, zh_lead
from gis.limits import FEATURES, active_limits, check_count, limit_error
from gis.text import Text

__all__ = [
    "GeometryKind",
    "TableRead",
    "TableOptions",
    "decode_text",
    "read_csv_table",
    "read_xlsx_table",
    "table_from_frame",
    "parse_wkt_text",
    "looks_like_wkt",
    "numeric_attributes",
    "coordinate_columns",
]

GeometryKind = Literal["auto", "point", "line", "polygon"]

# Coordinate column pairs, most specific first. Names are compared after _norm_column.
_COLUMN_PAIRS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        # jd/wd: 经度/纬度 in pinyin initials, as county spreadsheets often head them
        ("lon", "lng", "long", "longitude", "经度", "东经", "经度e", "lon_e", "jd", "jingdu"),
        ("lat", "latitude", "纬度", "北纬", "纬度n", "lat_n", "wd", "weidu"),
    ),
    (
        ("x", "x坐标", "xcoord", "xcoordinate", "point_x", "坐标x"),
        ("y", "y坐标", "ycoord", "ycoordinate", "point_y", "坐标y"),
    ),
    (("easting", "东坐标", "e", "东向坐标", "y坐标东"), ("northing", "北坐标", "n", "北向坐标", "x坐标北")),
)
_WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息")
_WKT_START_RE = re.compile(
    r"^\s*(SRID=\d+;\s*)?(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION)\b",
    re.IGNORECASE,
)
_SRID_RE = re.compile(r"^\s*SRID=(\d+);", re.IGNORECASE)


@dataclass(frozen=True)
class TableOptions:
    """How a table becomes geometry: points, or rows joined into lines/polygons (see ``read_features``)."""

    geometry: GeometryKind = "auto"
    group_by: str | None = None
    order_by: str | None = None
    projected: bool = False  # the CRS given is in metres: X/Y in surveying order are swapped
    #: The coordinate columns (x, y) as the user mapped them; None = recognised by name.
    columns: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableRead:
    """Raw geometry + attributes from a table or WKT text (CRS not yet applied)."""

    gdf: gpd.GeoDataFrame
    encoding: str | None
    notes: tuple[str, ...]
    srid: int | None = None
    sheet: str | None = None


def decode_text(data: bytes, *, encoding: str | None, source: str) -> tuple[str, str]:
    """Decode text bytes: the given encoding, else UTF-8 (BOM or not), else GBK/GB18030 when
    the result looks like Chinese text; anything else is refused (``gis._encoding``)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as err:
            msg = f"{source} cannot be decoded as {encoding} ({err}); expected UTF-8 or GBK text, or the file's own encoding with --encoding"
            zh = f"{zh_lead(source)}无法按 {encoding} 编码读取（{err}）；应为 UTF-8 或 GBK 编码的文本，或用 --encoding 指定文件的实际编码"
            raise DataSourceError(msg, zh=zh) from err
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", "strict"), "UTF-8-SIG"
        except UnicodeDecodeError:
            raise undecidable_error(source, _non_ascii_lines(data)) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    lines = _non_ascii_lines(data)
    for candidate in ("GBK", "GB18030"):
        if gbk_plausible(lines, candidate):
            return data.decode(candidate), candidate
    raise undecidable_error(source, lines)


def _non_ascii_lines(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if any(b > 0x7F for b in line)][:5000]


def _norm_column(name: str) -> str:
    s = str(name).strip().lower()
    s = re.sub(r"[（(][^）)]*[）)]", "", s)  # 经度(°) -> 经度
    return re.sub(r"[\s_\-:：/]", "", s)


def coordinate_columns(columns: list[str]) -> tuple[str, str] | None:
    """The (x, y) coordinate columns a table's header names, recognised by name
    (lon/lat, 经度/纬度, jd/wd, X坐标/Y坐标, 东坐标/北坐标 ...); None when it names none."""
    return _find_pair([str(c) for c in columns])


def _find_pair(columns: list[str]) -> tuple[str, str] | None:
    normed = {_norm_column(c): c for c in columns}
    for xs, ys in _COLUMN_PAIRS:
        x = next((normed[n] for n in (_norm_column(v) for v in xs) if n in normed), None)
        y = next((normed[n] for n in (_norm_column(v) for v in ys) if n in normed), None)
        if x is not None and y is not None:
            return x, y
    return None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _coordinate_column(values: pd.Series, column: str, *, source: str) -> np.ndarray:
    """Numbers from a column of decimal or DMS text; errors name the CSV line and value."""
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", copy=True)
    blank = text == ""
    if blank.any():
        line = int(values.index[np.flatnonzero(blank.to_numpy())[0]]) + 2
        msg = f"{source}: column {column!r} is empty on line {line}; every row needs both coordinates"
        zh = f"{zh_label(source)}：第 {line} 行的“{column}”列为空；每行都必须填写两个坐标"
        raise InputError(msg, zh=zh)
    # Only the non-numeric cells need the (Python-level) DMS parser.
    for pos in np.flatnonzero(np.isnan(numbers)):
        try:
            numbers[pos] = parse_angle(text.iloc[pos])[0]
        except InputError as err:
            line = int(values.index[pos]) + 2
            msg = f"{source}: line {line}, column {column!r}: value {text.iloc[pos]!r} is not a coordinate; {EXPECTED_ANGLE}"
            zh = f"{zh_label(source)}：第 {line} 行“{column}”列的值“{text.iloc[pos]}”不是坐标；{EXPECTED_ANGLE_ZH}"
            raise InputError(msg, zh=zh) from err
    if not np.isfinite(numbers).all():
        line = int(values.index[np.flatnonzero(~np.isfinite(numbers))[0]]) + 2
        msg = f"{source}: line {line}, column {column!r} is not a finite number"
        raise InputError(msg, zh=f"{zh_label(source)}：第 {line} 行“{column}”列不是有效的数值")
    return numbers


def numeric_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn all-numeric attribute columns into numbers, except codes with leading zeros."""
    out = frame.copy()
    for col in out.columns:
        s = out[col].astype(str).str.strip()
        nonblank = s[s != ""]
        if nonblank.empty or nonblank.str.match(r"^[+-]?0\d").any():
            continue
        converted = pd.to_numeric(s.where(s != "", None), errors="coerce")
        if converted[s != ""].notna().all():
            out[col] = converted
    return out


def _group_geometries(
    xy: np.ndarray, frame: pd.DataFrame, *, kind: GeometryKind, group_by: str | None, order_by: str | None, source: str
) -> tuple[np.ndarray, pd.DataFrame, tuple[str, ...]]:
    """Build one line/polygon per group of rows; attributes from each group's first row."""
    keys = frame[group_by].astype(str).to_numpy() if group_by else np.zeros(len(frame), dtype=object)
    order = np.arange(len(frame))
    if order_by:
        rank = pd.to_numeric(frame[order_by], errors="coerce")
        if rank.isna().any():
            line = int(frame.index[np.flatnonzero(rank.isna().to_numpy())[0]]) + 2
            msg = f"{source}: order column {order_by!r} is not a number on line {line}; expected 1, 2, 3 ..."
            zh = f"{zh_label(source)}：第 {line} 行的排序列“{order_by}”不是数字；应为 1、2、3……"
            raise InputError(msg, zh=zh)
        order = np.argsort(rank.to_numpy(), kind="stable")
    _, first_pos, codes = np.unique(keys, return_index=True, return_inverse=True)
    # Groups in order of first appearance; within a group, rows in `order`.
    group_rank = np.argsort(np.argsort(first_pos))
    codes = group_rank[codes]
    group_keys = keys[np.sort(first_pos)]
    sorted_rows = order[np.argsort(codes[order], kind="stable")]
    xy_sorted, idx = xy[sorted_rows], codes[sorted_rows]
    counts = np.bincount(idx)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ends = starts + counts - 1
    closed = (counts >= 4) & np.all(xy_sorted[starts] == xy_sorted[ends], axis=1)
    if kind == "auto":
        kind = "polygon" if bool(closed.all()) else "line"
    need = 3 if kind == "polygon" else 2
    short = np.flatnonzero(counts < need)
    if len(short):
        label = f"group {group_keys[short[0]]!r}" if group_by else "the table"
        msg = f"{source}: {label} has {counts[short[0]]} point(s); a {kind} needs at least {need}"
        label_zh = f"分组“{group_keys[short[0]]}”" if group_by else "表中"
        kind_zh = "面" if kind == "polygon" else "线"
        zh = f"{zh_label(source)}：{label_zh}只有 {counts[short[0]]} 个点；{kind_zh}至少需要 {need} 个点"
        raise InputError(msg, zh=zh)
    if kind == "polygon":
        geoms = shapely.polygons(shapely.linearrings(xy_sorted, indices=idx))
    else:
        geoms = shapely.linestrings(xy_sorted, indices=idx)
    attrs = frame.iloc[np.sort(first_pos)].reset_index(drop=True)
    what = Text("面", "polygon") if kind == "polygon" else Text("线", "line")
    n = len(counts)
    how = f"按“{group_by}”分组" if group_by else "按顺序"
    note = Text(f"{len(frame)} 个坐标点{how}连成 {n} 个{what.zh}", f"{len(frame)} points joined into {n} {what.en}(s)")
    return geoms, attrs, (note,)


def read_csv_table(data: bytes, *, source: str, encoding: str | None, options: TableOptions | None = None) -> TableRead:
    """Read a CSV of coordinates into geometries (no CRS applied).

    With ``options.projected`` (the caller's CRS is in metres), X/Y columns in the Chinese
    surveying order (X = northing, Y = easting) are recognised and swapped.

    Raises
    ------
    DataSourceError
        If the file cannot be decoded or has no coordinate (or WKT) columns.
    InputError
        If a coordinate value is blank or malformed (the message names line and column).
    """
    text, used = decode_text(data, encoding=encoding, source=source)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except pd.errors.EmptyDataError as err:
        raise _no_header(source) from err
    except (pd.errors.ParserError, csv.Error) as err:
        msg = f"{source} is not a readable CSV table ({err}); expected a header row and one row per point"
        zh = f"{zh_lead(source)}不是可读取的 CSV 表格（{err}）；应有一行表头，其下每行一个点"
        raise DataSourceError(msg, zh=zh) from err
    notes: list[str] = [Text(f"CSV 编码 {used}", f"CSV encoding {used}")]
    return table_from_frame(frame, source=source, encoding=used, notes=notes, options=options or TableOptions())


def table_from_frame(
    frame: pd.DataFrame, *, source: str, encoding: str | None, notes: list[str], options: TableOptions
) -> TableRead:
    """Geometries from a table of text cells (a CSV or a spreadsheet): coordinate or WKT columns.

    Row ``i`` of ``frame`` (its index) is line/row ``i + 2`` of the file (row 1 the header).
    """
    geometry, group_by, order_by = options.geometry, options.group_by, options.order_by
    frame.columns = [str(c).strip() for c in frame.columns]
    if not any(frame.columns):
        raise _no_header(source)
    check_count(FEATURES, len(frame), source)
    # Keep the original row numbers (line = index + 2) but drop fully blank lines.
    frame = frame[~(frame.apply(lambda col: col.str.strip() == "").all(axis=1))]
    if frame.empty:
        msg = f"{source} has a header but no rows; expected one row per point"
        raise DataSourceError(msg, zh=f"{zh_lead(source)}只有表头，没有数据行；表头之下应每行一个点")
    for option, col in (("group_by", group_by), ("order_by", order_by)):
        if col is not None and col not in frame.columns:
            msg = f"{source} has no column {col!r} for {option}; its columns are {', '.join(frame.columns)}"
            what = "分组" if option == "group_by" else "排序"
            zh = f"{zh_lead(source)}中没有{what}（{option}）所指的列“{col}”；现有的列：{'、'.join(frame.columns)}"
            raise DataSourceError(msg, zh=zh)
    pair = _mapped_pair(frame, options.columns, source) if options.columns else _find_pair(list(frame.columns))
    if pair is None:
        return _csv_wkt(frame, source=source, encoding=encoding, notes=notes)
    x_col, y_col = pair
    xy = np.column_stack(
        [_coordinate_column(frame[x_col], x_col, source=source), _coordinate_column(frame[y_col], y_col, source=source)]
    )
    notes.append(Text(f"坐标列：{x_col}、{y_col}", f"coordinate columns: {x_col}, {y_col}"))
    if options.projected and looks_like_survey_xy(xy[:, 0], xy[:, 1]):
        xy = xy[:, ::-1].copy()
        notes.append(SURVEY_SWAP_NOTE)
    attrs = numeric_attributes(frame.drop(columns=[x_col, y_col]))
    if group_by is not None and geometry == "point":
        msg = f"{source}: group_by={group_by!r} joins rows into lines or polygons, but geometry='point' was asked for"
        zh = f"{zh_label(source)}：group_by=“{group_by}”会把多行连成线或面，但要求的几何类型是点（geometry='point'）"
        raise InputError(msg, zh=zh)
    if group_by is None and geometry in ("auto", "point"):
        geoms = shapely.points(xy)
        attrs = attrs.reset_index(drop=True)
    else:
        geoms, attrs, more = _group_geometries(
            xy, attrs, kind=geometry, group_by=group_by, order_by=order_by, source=source
        )
        notes.extend(more)
    return TableRead(gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms)), encoding, tuple(notes))


def _mapped_pair(frame: pd.DataFrame, columns: tuple[str, str], source: str) -> tuple[str, str]:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{source} has no column {missing[0]!r} for the coordinates; its columns are {', '.join(frame.columns)}"
        zh = f"{zh_lead(source)}中没有坐标列“{missing[0]}”；现有的列：{'、'.join(frame.columns)}"
        raise DataSourceError(msg, zh=zh)
    if columns[0] == columns[1]:
        msg = f"{source}: the x and y coordinates were both mapped to column {columns[0]!r}; expected two different columns"
        zh = f"{zh_label(source)}：横坐标和纵坐标都指定为列“{columns[0]}”；应为两个不同的列"
        raise InputError(msg, zh=zh)
    return columns[0], columns[1]


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold (113.17, not 113.17000000000002)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if value != value else repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def read_xlsx_table(
    path: Path, *, source: str, sheet: str | int | None = None, options: TableOptions | None = None
) -> TableRead:
    """An Excel (.xlsx) batch: the first sheet (or ``sheet``), same columns as a CSV batch.

    Raises
    ------
    DataSourceError
        Not a readable .xlsx (damaged, a zip bomb, no such sheet), or no coordinate columns.
    InputError
        A coordinate cell that is blank or malformed (the message names the row and column).
    """
    import openpyxl  # deferred: only spreadsheets need it
    from openpyxl.utils.exceptions import InvalidFileException

    with _archive.open_zip(path, source) as zf:
        _archive.check_members(zf, None, source)
    limit = active_limits().features
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        msg = f"{source} is not a readable Excel workbook ({err}); expected an .xlsx saved by Excel or WPS"
        zh = f"{zh_lead(source)}不是可读取的 Excel 工作簿（{err}）；应为 Excel 或 WPS 保存的 .xlsx 文件"
        raise DataSourceError(msg, zh=zh) from err
    try:
        ws = _sheet(book, sheet, source)
        rows: list[list[str]] = []
        for row in ws.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > limit + 1:
                raise limit_error(FEATURES, len(rows) - 1, source, at_least=True)
        title = ws.title
    finally:
        book.close()
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)  # blank rows above the header
    if not rows:
        raise _no_header(source)
    width = max(len(r) for r in rows)
    header = [h or f"column{i + 1}" for i, h in enumerate(rows[0] + [""] * (width - len(rows[0])))]
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows[1:]], columns=header, dtype=str)
    notes: list[str] = [Text(f"Excel 工作表“{title}”", f"Excel sheet {title!r}")]
    table = table_from_frame(frame, source=source, encoding=None, notes=notes, options=options or TableOptions())
    return TableRead(table.gdf, None, table.notes, table.srid, sheet=title)


def _sheet(book: Any, sheet: str | int | None, source: str) -> Any:
    names = list(book.sheetnames)
    if sheet is None:
        return book[names[0]]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return book[names[sheet]]
    if str(sheet) in names:
        return book[str(sheet)]
    msg = f"{source} has no sheet {sheet!r}; its sheets are {', '.join(names)}"
    zh = f"{zh_lead(source)}中没有工作表“{sheet}”；现有工作表：{'、'.join(names)}"
    raise DataSourceError(msg, zh=zh)


def _no_header(source: str) -> DataSourceError:
    # Only blank lines (or a BOM): pandas finds no header row at all.
    msg = f"{source} is empty (no header row); expected a header such as lon,lat and one row per point"
    zh = f"{zh_lead(source)}为空（没有表头）；应有表头（如 lon,lat 或 经度,纬度），其下每行一个点"
    return DataSourceError(msg, zh=zh)


def _csv_wkt(frame: pd.DataFrame, *, source: str, encoding: str | None, notes: list[str]) -> TableRead:
    normed = {_norm_column(c): c for c in frame.columns}
    col = next((normed[n] for n in _WKT_COLUMNS if n in normed), None)
    if col is None:
        msg = (
            f"{source} has no coordinate columns: its columns are {', '.join(frame.columns)}; expected a "
            "pair such as lon/lat, lng/lat, longitude/latitude, x/y, 经度/纬度, 东经/北纬 or X坐标/Y坐标, "
            "or a wkt column"
        )
        zh = (
            f"{zh_lead(source)}中没有坐标列：现有的列为 {'、'.join(frame.columns)}；应有一对坐标列，如 经度/纬度、"
            "东经/北纬、X坐标/Y坐标、lon/lat、lng/lat、longitude/latitude 或 x/y，或一个 wkt 列"
        )
        raise DataSourceError(msg, zh=zh)
    geoms = _from_wkt_lines(
        frame[col].astype(str).tolist(),
        line_numbers=[int(i) + 2 for i in frame.index],
        source=Label(f"{source} column {col!r}", f"{zh_label(source)} 的“{col}”列"),
    )
    attrs = numeric_attributes(frame.drop(columns=[col])).reset_index(drop=True)
    notes.append(Text(f"几何取自 WKT 列 {col}", f"geometry from the WKT column {col}"))
    return TableRead(gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms)), encoding, tuple(notes))


def looks_like_wkt(text: str) -> bool:
    """True if ``text`` starts like WKT or EWKT (``POINT (...)``, ``SRID=4490;POLYGON ...``)."""
    return bool(_WKT_START_RE.match(text))


def _from_wkt_lines(lines: list[str], *, line_numbers: list[int], source: str) -> np.ndarray:
    cleaned = [_SRID_RE.sub("", s).strip().rstrip(";") for s in lines]
    geoms = shapely.from_wkt(cleaned, on_invalid="ignore")
    bad = np.flatnonzero(shapely.is_missing(geoms))
    if len(bad):
        line = line_numbers[int(bad[0])]
        msg = f"{source}: line {line} {lines[bad[0]][:60]!r} is not valid WKT; expected e.g. POLYGON ((113.1 28.2, 113.2 28.2, 113.2 28.3, 113.1 28.2))"
        zh = (
            f"{zh_label(source)}：第 {line} 行“{lines[bad[0]][:60]}”不是有效的 WKT；"
            "应如 POLYGON ((113.1 28.2, 113.2 28.2, 113.2 28.3, 113.1 28.2))"
        )
        raise InputError(msg, zh=zh)
    return geoms


def parse_wkt_text(text: str, *, source: str) -> TableRead:
    """One WKT geometry, or one per line (blank lines and ``#`` comments skipped).

    An EWKT ``SRID=4326;`` prefix is honoured when all geometries agree on it.

    Raises
    ------
    InputError
        Naming the line that is not WKT, or conflicting SRIDs.
    """
    body = text.strip().lstrip("\ufeff")
    whole = shapely.from_wkt(_SRID_RE.sub("", body), on_invalid="ignore") if looks_like_wkt(body) else None
    if whole is not None:
        lines, geoms = [body], np.array([whole], dtype=object)
    else:
        numbered = [
            (i + 1, s.strip()) for i, s in enumerate(text.splitlines()) if s.strip() and not s.strip().startswith("#")
        ]
        if not numbered:
            msg = f"{source} is empty; expected WKT such as POINT (113.1 28.2)"
            raise InputError(msg, zh=f"{zh_lead(source)}为空；应为 WKT 文本，如 POINT (113.1 28.2)")
        lines = [s for _, s in numbered]
        geoms = _from_wkt_lines(lines, line_numbers=[n for n, _ in numbered], source=source)
    srids = {int(m.group(1)) for m in (_SRID_RE.match(s) for s in lines) if m}
    if len(srids) > 1:
        msg = f"{source} mixes SRIDs {sorted(srids)}; expected one CRS for all geometries"
        zh = f"{zh_lead(source)}混用了多个 SRID（{'、'.join(str(s) for s in sorted(srids))}）；所有几何应使用同一坐标系"
        raise InputError(msg, zh=zh)
    srid = srids.pop() if srids else None
    return TableRead(gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms)), None, (), srid)
