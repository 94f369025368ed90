"""Read any project or zone file into valid geometry with a known CRS; write GeoPackage/GeoJSON.

Formats: GeoJSON; Shapefile (zipped, or a bare ``.shp`` with its sidecars; GBK or UTF-8
attributes); GeoPackage (one layer chosen); KML and KMZ; CSV with coordinate columns
(decimal or 度分秒); WKT text (one geometry, or one per line). Uploads from the browser
arrive as ``bytes`` with their file name.

Every read ends the same way (``FeatureSet``):

* CRS: the file's own (``.prj`` through ``gis.crs.crs_from_prj``, so bare ``Gauss_Kruger``
  definitions get an EPSG code), or ``crs=`` which overrides or supplies it. Geographic
  input ends in EPSG:4490 (WGS84 is treated as equal to CGCS2000); GCJ-02/BD-09 input is
  converted to EPSG:4490, every vertex; projected input keeps its CRS. Without any CRS,
  plausible longitude/latitude is taken as EPSG:4490 and the notes say so; anything else
  is a CRSError asking for ``--crs``. The plausibility checks of ``gis.crs`` always run.
* Geometry: null/empty geometry is a GeometryError naming the features; invalid geometry
  is repaired keeping its dimension (``gis.repair``), counted, and warned about; Z values
  are dropped (screening is planar).

Examples
--------
>>> fs = read_features("POINT (113.17 28.43)")
>>> fs.format, fs.input_crs, str(fs.gdf.crs)
('WKT', 'EPSG:4490', 'EPSG:4490')
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Final, Literal, TypeAlias

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS, Transformer

from gis import _archive, _formats, _kml, _tabular, _vector
from gis._coords import SURVEY_SWAP_NOTE, looks_like_survey_xy, parse_dms, parse_pairs
from gis._formats import (
    EXPECTED_FORMATS as _EXPECTED_FORMATS,
)
from gis._formats import (
    EXPECTED_FORMATS_ZH as _EXPECTED_FORMATS_ZH,
)
from gis._formats import (
    SUPPORTED_EXTENSIONS,
    Raw,
    ReadOptions,
    is_url,
    require_file,
    safe_name,
    url_label,
)
from gis._tabular import GeometryKind, coordinate_columns
from gis.crs import (
    CHINA_BOUNDS,
    HUNAN_BOUNDS,
    STORAGE_CRS,
    CrsChoice,
    ZoneGuess,
    bd09_to_wgs84,
    check_lonlat_plausible,
    check_projected_plausible,
    gcj02_to_wgs84,
    guess_gk_zone,
    parse_crs,
)
from gis.errors import CRSError, DataSourceError, GeometryError, InputError, Label, PlanningError, zh_label, zh_lead
from gis.limits import FEATURES, TEXT_BYTES, VERTICES, Limits, check_bytes, check_count, limits_in_force
from gis.repair import RepairReport, check_not_empty, repair_geometries
from gis.text import Text

__all__ = [
    "FeatureSet",
    "GeometryKind",
    "LayerInfo",
    "SUPPORTED_EXTENSIONS",
    "read_features",
    "coordinate_columns",
    "list_layers",
    "parse_dms",
    "parse_coordinates",
    "guess_typed_crs",
    "write_features",
    "is_url",
    "url_label",
]

log = logging.getLogger(__name__)

#: What typed coordinates are called: in messages one language each, as FeatureSet.source both.
_TYPED = Label("typed coordinates", "输入的坐标")
_TYPED_SOURCE = Text("输入的坐标", "typed coordinates")
_WKT_TEXT = Label("WKT text", "WKT 文本")
_UPLOAD = Label("upload", "上传的文件")

CrsInput: TypeAlias = str | int | CRS | None
Source: TypeAlias = str | Path | bytes
Bounds: TypeAlias = tuple[float, float, float, float]

_WKT_EXAMPLE_ZH = "WKT 文本（如 POINT (113.17 28.43)）"
_OLD_DATUMS = ("beijing", "xian", "xi'an", "1954", "1980", "new beijing")
_OLD_DATUMS_ZH = {
    "Beijing 1954": "1954 年北京坐标系",
    "Xian 1980": "1980 西安坐标系",
    "New Beijing": "新 1954 年北京坐标系",
}
_CGCS_OR_WGS = ("china 2000", "china geodetic", "cgcs", "world geodetic system 1984", "wgs 84", "wgs_1984", "wgs84")


@dataclass(frozen=True, eq=False)
class FeatureSet:
    """Features read from one input, with valid geometry and a known CRS.

    Attributes
    ----------
    gdf
        Attributes + valid geometry (column ``geometry``, RangeIndex in input order).
        Geographic and GCJ-02/BD-09 input is in EPSG:4490; projected input keeps its CRS.
    source
        The file name (or ``"WKT text"``, ``"typed coordinates"``) used in messages.
    format
        ``"GeoJSON"``, ``"Shapefile"``, ``"GeoPackage"``, ``"KML"``, ``"KMZ"``, ``"CSV"``,
        ``"WKT"`` or ``"coordinates"``.
    layer
        The layer (GeoPackage layer, shapefile name, KML folder) read, if any.
    input_crs
        Label of the CRS the input was in: ``"EPSG:4326"``, ``"gcj02"``, ``"EPSG:4526"`` ...
    encoding
        Attribute text encoding (``"UTF-8"``, ``"GBK"`` ...), None when not applicable.
    notes
        Human-readable sentences, each a ``gis.text.Text`` (Chinese, English) whose string
        form is ``"中文 / English"``: encoding found, CRS assumed or converted, repairs.
    repairs
        What geometry repair changed.
    """

    gdf: gpd.GeoDataFrame
    source: str
    format: str
    layer: str | None
    input_crs: str
    encoding: str | None
    notes: tuple[str, ...] = ()
    repairs: RepairReport = field(default_factory=RepairReport)

    def __len__(self) -> int:
        return len(self.gdf)


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a multi-layer file: name, geometry type, number of features."""

    name: str
    geometry_type: str | None
    feature_count: int


_Raw = Raw
_Options = ReadOptions


# --- public API -----------------------------------------------------------------------


def read_features(
    source: Source,
    *,
    filename: str | None = None,
    layer: str | int | None = None,
    crs: CrsInput = None,
    encoding: str | None = None,
    geometry: GeometryKind = "auto",
    group_by: str | None = None,
    order_by: str | None = None,
    limits: Limits | None = None,
    columns: tuple[str, str] | None = None,
) -> FeatureSet:
    """Read a project or zone file, an upload, a web service layer or WKT text into a ``FeatureSet``.

    Parameters
    ----------
    source
        A path (``str``/``Path``), WKT text (``"POLYGON ((...))"``, or one WKT per line),
        GeoJSON text, or the ``bytes`` of an upload (then ``filename`` gives the format).
    filename
        Name of an uploaded file (``"项目.zip"``); used for the format and in messages.
    layer
        GeoPackage layer (name or 0-based number), shapefile name inside a zip with several,
        or KML folder. Required when a GeoPackage has several layers.
    crs
        CRS of the coordinates, overriding the file's own: anything ``gis.crs.parse_crs``
        accepts — ``4547``, ``"EPSG:4326"``, a WKT/.prj text, ``"gcj02"``, ``"bd09"``.
    encoding
        Attribute/text encoding, overriding detection (``"GBK"``, ``"UTF-8"``).
    geometry
        CSV only: ``"point"`` (each row a point), ``"line"`` or ``"polygon"`` (rows joined,
        per ``group_by`` group or all rows), or ``"auto"``: points without ``group_by``;
        with it, polygons when every group is a closed ring (first point = last, 4+
        points), else lines.
    group_by, order_by
        CSV only: column whose equal values form one line/polygon (``编号``, ``id``), and
        the column giving the vertex order within a group (``序号``); default file order.
    limits
        The resource limits of this read (``gis.limits.Limits``); default: those in force
        (``ZONING_MAX_*`` environment variables over the built-in defaults).
    columns
        CSV / XLSX only: the (x, y) coordinate columns — longitude and latitude, or easting
        and northing — when the header does not name them recognisably (default: found by
        name, see ``coordinate_columns``).

    Returns
    -------
    FeatureSet

    Raises
    ------
    DataSourceError
        File missing, unreadable, of an unsupported format, empty, or a GeoPackage with
        several layers and no ``layer`` (the message lists them).
    CRSError
        CRS unknown, missing where coordinates are not longitude/latitude, or implausible
        for the data (projected numbers given as degrees, swapped lat/lon, outside China,
        Gauss-Kruger zone prefix mismatch).
    GeometryError
        Null/empty geometry, or invalid geometry that cannot be repaired.
    InputError
        Malformed coordinates or WKT (the message names line and value).
    LimitError
        The input is bigger than a limit (bytes, compression ratio, features, vertices);
        the message names the limit and how to raise it.

    Warns
    -----
    GeometryRepairWarning
        When invalid geometry was repaired.
    """
    with limits_in_force(limits):
        return _read_features(source, filename, layer, crs, encoding, geometry, group_by, order_by, columns)


def _read_features(
    source: Source,
    filename: str | None,
    layer: str | int | None,
    crs: CrsInput,
    encoding: str | None,
    geometry: GeometryKind,
    group_by: str | None,
    order_by: str | None,
    columns: tuple[str, str] | None = None,
) -> FeatureSet:
    options = _Options(
        layer=layer,
        crs=parse_crs(crs) if crs is not None else None,
        encoding=encoding,
        geometry=_check_geometry_kind(geometry),
        group_by=group_by,
        order_by=order_by,
        columns=columns,
    )
    if isinstance(source, bytes | bytearray | memoryview):
        return _read_bytes(bytes(source), filename=filename, options=options)
    if isinstance(source, Path):
        return _read_path(source, label=filename or str(source), options=options)
    if isinstance(source, str):
        return _read_string(source, filename=filename, options=options)
    msg = f"source of type {type(source).__name__} is not readable; expected a file path, WKT text or the bytes of an upload"
    zh = f"无法读取类型为 {type(source).__name__} 的数据源；应为文件路径、WKT 文本或上传文件的内容（bytes）"
    raise DataSourceError(msg, zh=zh)


def list_layers(
    source: str | Path | bytes, *, filename: str | None = None, limits: Limits | None = None
) -> tuple[LayerInfo, ...]:
    """Layers of a file (GeoPackage/FileGDB layers, shapefiles in a zip, KML folders, sheets) without reading them all.

    Uses fiona's record-by-record access for OGR files, so a large upload can be inspected
    (names, geometry types, feature counts) before anything is loaded.

    Raises
    ------
    DataSourceError
        If the file cannot be opened.
    """
    with limits_in_force(limits):
        if isinstance(source, bytes | bytearray | memoryview):
            with tempfile.TemporaryDirectory(prefix="gis-io-") as tmp:
                path = Path(tmp) / safe_name(filename or _sniff_name(bytes(source)))
                path.write_bytes(bytes(source))
                return _list_layers(path, filename or path.name)
        return _list_layers(Path(source), filename or str(source))


def _list_layers(path: Path, label: str) -> tuple[LayerInfo, ...]:
    require_file(path, label)
    suffix = path.suffix.lower()
    if path.is_dir():
        return _ogr_layers(path, label)
    size = _formats.regular_file_size(path, label)
    if suffix in (".kml", ".kmz"):
        if suffix == ".kml":
            check_bytes(TEXT_BYTES, size, label)
        data = _kml.kmz_main_document(path, source=label) if suffix == ".kmz" else path.read_bytes()
        doc = _kml.read_kml_document(data, source=label)
        return tuple(LayerInfo(*info) for info in _kml.folder_summary(doc))
    if suffix in (".zip", ".shp"):
        refs = _vector.find_shapefiles(path, source=label)
        if suffix == ".zip":
            with _archive.open_zip(path, label) as zf:
                _archive.check_members(zf, None, label)
                gdbs = _formats.gdb_folders(_archive.member_names(zf)) if not refs else []
            if len(gdbs) == 1:
                # A zipped FileGDB: its layers, read in place by GDAL (the sizes were checked above).
                return _ogr_layers(f"/vsizip/{path.resolve()}/{gdbs[0]}", label)
        return tuple(_fiona_layer(ref.gdal_path, None, label, name=ref.name) for ref in refs)
    if suffix in (".csv", ".txt", ".wkt"):
        # One table or text is one layer; count its non-blank lines (minus a CSV header)
        # rather than parse it: parsing errors belong to read_features.
        check_bytes(TEXT_BYTES, size, label)
        data = path.read_bytes()
        lines = [ln for ln in data.splitlines() if ln.strip() and not ln.lstrip().startswith(b"#")]
        header = 1 if suffix == ".csv" or not _tabular.looks_like_wkt(data[:200].decode("utf-8", "ignore")) else 0
        return (LayerInfo(path.stem, None, max(0, len(lines) - header)),)
    if suffix == ".xlsx":
        return (LayerInfo(path.stem, None, -1),)
    return _ogr_layers(path, label)


def _ogr_layers(path: Path | str, label: str) -> tuple[LayerInfo, ...]:
    import fiona  # deferred: only layer inspection needs it

    try:
        names = fiona.listlayers(str(path))
    except (fiona.errors.FionaError, OSError) as err:
        msg = f"{label} cannot be opened ({err}); expected {_EXPECTED_FORMATS}"
        zh = f"无法打开 {zh_label(label)}（{err}）；应为 {_EXPECTED_FORMATS_ZH}"
        raise DataSourceError(msg, zh=zh) from err
    return tuple(_fiona_layer(str(path), name, label) for name in names)


def parse_coordinates(
    text: str,
    *,
    crs: CrsInput = STORAGE_CRS,
    geometry: GeometryKind = "auto",
) -> FeatureSet:
    """Coordinates typed or pasted by a planner, as a ``FeatureSet``.

    Parameters
    ----------
    text
        One pair per line or pairs separated by ``;``; x and y (longitude and latitude)
        separated by a comma, tab or space; decimal degrees or 度分秒 (``113°10′13″``,
        ``28º25'33＂``, ``113度10分13秒``, ``E113°10'13.5"``); projected metres with a
        projected ``crs`` (X/Y in surveying order, northing first, are recognised and
        swapped). A first line without digits (a header) is skipped.
    crs
        CRS of the coordinates (default CGCS2000 lon/lat); ``"gcj02"``/``"bd09"`` for
        coordinates read off Gaode/Baidu maps.
    geometry
        ``"point"`` (one feature per pair), ``"line"``, ``"polygon"`` (closed
        automatically), or ``"auto"``: a point for one pair, a polygon when the last pair
        repeats the first (4+ pairs), else a line.

    Raises
    ------
    InputError
        Naming the line or value that cannot be read, or too few pairs for the geometry.
    CRSError
        If the coordinates are implausible for ``crs`` (see ``read_features``).

    Examples
    --------
    >>> fs = parse_coordinates("113°10′13″, 28°25′33″")
    >>> fs.gdf.geometry.iloc[0].geom_type
    'Point'
    """
    kind = _check_geometry_kind(geometry)
    choice = parse_crs(crs) if crs is not None else parse_crs(STORAGE_CRS)
    pairs = parse_pairs(text)
    xy = pairs.xy
    notes = list(pairs.notes)
    if not choice.crs.is_geographic and looks_like_survey_xy(xy[:, 0], xy[:, 1]):
        xy = xy[:, ::-1].copy()
        notes.append(SURVEY_SWAP_NOTE)
    geoms = _pairs_to_geometries(xy, kind)
    raw = _Raw(gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms)), "coordinates", crs=choice, notes=tuple(notes))
    return replace(_finish(raw, source=_TYPED, override=None), source=_TYPED_SOURCE)


def guess_typed_crs(text: str, *, region: Any = HUNAN_BOUNDS) -> ZoneGuess | None:
    """The Gauss-Kruger zone typed X/Y are likely in (``gis.crs.guess_gk_zone``), or None
    when the text holds degrees, is not coordinates, or mixes both.

    Pairs in surveying order (X = northing first) are read as ``parse_coordinates`` reads
    them. A text that cannot be parsed gives None: reading it says what is wrong.

    Examples
    --------
    >>> guess_typed_crs("3123000, 38512000").candidates
    (4526,)
    >>> guess_typed_crs("112.93, 28.23") is None
    True
    """
    try:
        xy = parse_pairs(text).xy
    except InputError:
        return None
    if looks_like_survey_xy(xy[:, 0], xy[:, 1]):
        xy = xy[:, ::-1]
    return guess_gk_zone(xy[:, 0], xy[:, 1], region=region)


def write_features(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    layer: str | None = None,
    driver: Literal["GPKG", "GeoJSON"] | None = None,
) -> Path:
    """Write features to a GeoPackage layer or a GeoJSON file (UTF-8).

    Parameters
    ----------
    gdf
        Features with a CRS.
    path
        Output file; ``.gpkg`` or ``.geojson``/``.json`` unless ``driver`` is given.
    layer
        GeoPackage layer name (default: the file name without extension). An existing
        layer of that name is replaced; other layers of the GeoPackage are kept.
    driver
        ``"GPKG"`` or ``"GeoJSON"``.

    Returns
    -------
    Path
        The written file.

    Notes
    -----
    GeoJSON is always written in longitude/latitude (EPSG:4490, equal to WGS84 for
    screening), as RFC 7946 expects; projected data is converted.

    Raises
    ------
    CRSError
        If ``gdf`` has no CRS.
    DataSourceError
        If the format cannot be told from the name or the file cannot be written.
    """
    out = Path(path)
    drivers = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}
    chosen = driver or drivers.get(out.suffix.lower())
    if chosen not in ("GPKG", "GeoJSON"):
        msg = f"cannot tell the output format of {out}: driver {driver!r}; expected a .gpkg or .geojson name, or driver='GPKG' / 'GeoJSON'"
        zh = f"无法判断 {out} 的输出格式（driver {driver!r}）；文件名应以 .gpkg 或 .geojson 结尾，或指定 driver='GPKG' / 'GeoJSON'"
        raise DataSourceError(msg, zh=zh)
    if gdf.crs is None:
        msg = f"features written to {out} have no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before writing"
        zh = f"写入 {out} 的要素没有坐标系；写入前请先设置坐标系（如 gdf.set_crs('EPSG:4490')）"
        raise CRSError(msg, zh=zh)
    frame = gdf
    kwargs: dict[str, object] = {}
    if chosen == "GeoJSON":
        if not CRS(gdf.crs).equals(CRS(STORAGE_CRS)):
            frame = gdf.to_crs(STORAGE_CRS)
        if out.exists():
            out.unlink()  # GeoJSON holds one layer: replace the file
    else:
        kwargs["layer"] = layer or out.stem
    try:
        pyogrio.write_dataframe(frame, out, driver=chosen, encoding="UTF-8", **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as err:
        msg = f"cannot write {out} ({err}); check that the folder exists and is writable"
        zh = f"无法写入 {out}（{err}）；请检查文件夹是否存在、是否有写入权限"
        raise DataSourceError(msg, zh=zh) from err
    return out


# --- sources ----------------------------------------------------------------------------


def _check_geometry_kind(kind: str) -> GeometryKind:
    allowed: Final[tuple[GeometryKind, ...]] = ("auto", "point", "line", "polygon")
    if kind not in allowed:
        msg = f"geometry was {kind!r} but is expected to be one of {list(allowed)}"
        zh = f"几何类型“{kind}”无效；应为 {'、'.join(allowed)} 之一"
        raise InputError(msg, zh=zh)
    return kind


def _sniff_name(data: bytes) -> str:
    """A file name whose extension matches the content of an upload that came without one."""
    head = data[:512].lstrip()
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n.lower() for n in zf.namelist()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return "upload.zip"  # the zip reader says what is wrong with it
        if any(n.endswith(".kml") for n in names):
            return "upload.kmz"
        return "upload.xlsx" if "[content_types].xml" in names else "upload.zip"
    if data.startswith(b"SQLite format 3"):
        return "upload.gpkg"
    if head.startswith((b"{", b"[")) and not _formats.has_parcel_section(data[:4096]):
        return "upload.geojson"
    if head.startswith(b"<"):
        return "upload.kml"
    if head.startswith(b"0\n") or b"\nSECTION" in data[:256]:
        return "upload.dxf"
    if _tabular.looks_like_wkt(head.decode("utf-8", "ignore")):
        return "upload.wkt"
    if _formats.has_parcel_section(data[:65536]):
        return "upload.txt"
    return "upload.csv"


def _read_bytes(data: bytes, *, filename: str | None, options: _Options) -> FeatureSet:
    if not data:
        msg = f"upload {filename or ''} is empty (0 bytes); expected {_EXPECTED_FORMATS}".replace("  ", " ")
        zh = f"上传的文件{f' {filename} ' if filename else ''}为空（0 字节）；应为 {_EXPECTED_FORMATS_ZH}"
        raise DataSourceError(msg, zh=zh)
    name = safe_name(filename) if filename else _sniff_name(data)
    label = filename or _UPLOAD
    with tempfile.TemporaryDirectory(prefix="gis-io-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return _read_path(path, label=label, options=options)
        except PlanningError as err:
            raise _without_work_path(err, str(path), str(label)) from err


def _without_work_path(err: PlanningError, work_path: str, label: str) -> PlanningError:
    """``err`` with the upload's temporary path (quoted in GDAL's own words) replaced by its
    name: a message names what the user gave, never a server's folders."""
    if work_path not in str(err) and work_path not in (err.zh or ""):
        return err
    fixed = type(err)(str(err).replace(work_path, label), zh=(err.zh or "").replace(work_path, label) or None)
    fixed.__dict__.update({k: v for k, v in err.__dict__.items() if k != "zh"})
    return fixed


def _read_string(text: str, *, filename: str | None, options: _Options) -> FeatureSet:
    stripped = text.strip()
    if not stripped:
        # Path("") is the current folder: without this an empty argument reads as "is a folder".
        msg = (
            f"no input given (an empty text); expected a path to {_EXPECTED_FORMATS}, "
            "or WKT such as POINT (113.17 28.43)"
        )
        zh = f"没有输入内容（文本为空）；请给出文件路径（支持 {_EXPECTED_FORMATS_ZH}），或 {_WKT_EXAMPLE_ZH}"
        raise InputError(msg, zh=zh)
    # A file that exists is read as a file, whatever its name looks like ("a;b.geojson",
    # a name beginning with "POINT"): checked before the text forms below.
    if "\n" not in stripped and len(stripped) < 4096:
        path = Path(stripped).expanduser()
        if _exists(path):
            return _read_path(path, label=filename or stripped, options=options)
    if _formats.is_url(stripped):
        located = _formats.read_url_raw(stripped, options=options)
        return _finish(located.raw, source=located.label, override=options.crs)
    if _tabular.looks_like_wkt(stripped):
        label = filename or _WKT_TEXT
        check_bytes(TEXT_BYTES, len(text), label)
        return _finish(_read_wkt(text, source=label), source=label, override=options.crs)
    if stripped.startswith(("{", "<")):
        name = filename or ("input.geojson" if stripped.startswith("{") else "input.kml")
        return _read_bytes(text.encode("utf-8"), filename=name, options=options)
    if "\n" not in stripped and len(stripped) < 4096:
        path = Path(stripped).expanduser()
        if path.suffix.lower() in SUPPORTED_EXTENSIONS:
            return _read_path(path, label=filename or stripped, options=options)
    msg = (
        f"{stripped[:60]!r} is neither an existing file nor WKT text; expected a path to "
        f"{_EXPECTED_FORMATS}, or WKT such as POINT (113.17 28.43)"
    )
    zh = f"“{stripped[:60]}”既不是已有的文件，也不是 WKT 文本；请给出文件路径（支持 {_EXPECTED_FORMATS_ZH}），或 {_WKT_EXAMPLE_ZH}"
    raise DataSourceError(msg, zh=zh)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as err:  # e.g. a name longer than the file system allows
        log.debug("%.60r is not a file name this system can check (%s); read as text", str(path), err)
        return False


def _read_path(path: Path, *, label: str, options: _Options) -> FeatureSet:
    located = _formats.read_path_raw(path, label=label, options=options)
    try:
        return _finish(located.raw, source=located.label, override=options.crs)
    except GeometryError as err:
        if located.raw.format == "GeoJSON":
            _explain_geojson_geometry(path, err, source=located.label)
        raise


def _explain_geojson_geometry(path: Path, err: GeometryError, *, source: str) -> None:
    """GDAL turns a GeoJSON coordinate NaN into an empty geometry: name the real cause."""
    if not path.is_file() or path.stat().st_size > 64 * 2**20:
        return
    try:
        doc = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        return
    for i, feature in enumerate(features):
        coords = (feature.get("geometry") or {}).get("coordinates") if isinstance(feature, dict) else None
        bad = _first_non_finite(coords)
        if bad is not None:
            msg = (
                f"{source}: feature #{i + 1} (numbered from 1) has the coordinate value {bad!r}, which is not a "
                "number; expected finite longitude/latitude or projected metres"
            )
            zh = f"{zh_label(source)}：第 {i + 1} 个要素（从 1 起编号）的坐标值 {bad!r} 不是有效数值；坐标应为有限的经纬度或投影坐标"
            raise GeometryError(msg, zh=zh) from err


def _first_non_finite(value: object, depth: int = 0) -> object | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float | int):
        return value if not np.isfinite(value) else None
    if isinstance(value, list) and depth < 6:
        for item in value:
            found = _first_non_finite(item, depth + 1)
            if found is not None:
                return found
    return None


def _read_wkt(text: str, *, source: str) -> _Raw:
    table = _tabular.parse_wkt_text(text, source=source)
    declared = parse_crs(table.srid) if table.srid is not None else None
    return _Raw(table.gdf, "WKT", declared, notes=table.notes, lonlat_default=True)


def _fiona_layer(gdal_path: str, layer: str | None, label: str, *, name: str | None = None) -> LayerInfo:
    import fiona

    try:
        with fiona.open(gdal_path, layer=layer) as coll:
            return LayerInfo(name or str(layer), coll.schema.get("geometry"), len(coll))
    except (fiona.errors.FionaError, OSError) as err:
        msg = f"{label} layer {layer or name!r} cannot be opened ({err})"
        raise DataSourceError(msg, zh=f"无法打开 {zh_label(label)} 的图层“{layer or name}”（{err}）") from err


# --- the common finish: CRS, geometry checks, repair -----------------------------------


def _finish(raw: _Raw, *, source: str, override: CrsChoice | None) -> FeatureSet:
    gdf = raw.gdf
    # "x.gpkg layer roads"; a shapefile's layer is its own name, which the path already says.
    where = source
    if raw.layer and PurePosixPath(source).stem != raw.layer:
        where = Label(f"{source} layer {raw.layer}", f"{zh_label(source)} 图层 {raw.layer}")
    if len(gdf) == 0:
        msg = f"{where} has no features; expected at least one point, line or polygon"
        raise DataSourceError(msg, zh=f"{zh_lead(where)}没有要素；应至少有一个点、线或面")
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    gdf = gdf.reset_index(drop=True)
    # Before repair and screening, the expensive steps: the reader may not know the count up front.
    check_count(FEATURES, len(gdf), where)
    check_count(VERTICES, _formats.count_vertices(gdf), where)
    check_not_empty(gdf.geometry, source=where)
    notes = list(raw.notes)
    values = np.asarray(gdf.geometry.values, dtype=object)
    if shapely.has_z(values).any():
        gdf = gdf.set_geometry(gpd.GeoSeries(shapely.force_2d(values), index=gdf.index))
        notes.append(Text("已忽略高程（Z）坐标", "Z (height) values were dropped: screening is planar"))
    gdf, label, crs_notes = _apply_crs(gdf, raw, override=override, source=where)
    notes.extend(crs_notes)
    repaired, report = repair_geometries(gdf.geometry, source=where)
    if report.count:
        gdf = gdf.set_geometry(repaired)
        notes.append(report.summary())
    return FeatureSet(gdf, source, raw.format, raw.layer, label, raw.encoding, tuple(notes), report)


def _apply_crs(
    gdf: gpd.GeoDataFrame, raw: _Raw, *, override: CrsChoice | None, source: str
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    notes: list[str] = []
    declared = raw.crs
    choice = override or declared
    if override is not None and declared is not None and override.label != declared.label:
        notes.append(
            Text(
                f"已按指定坐标系 {override.label} 读取，未用文件自带的 {declared.label}",
                f"read as {override.label} as requested, not the file's own {declared.label}",
            )
        )
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    bounds: Bounds = (minx, miny, maxx, maxy)
    if choice is None:
        choice = _assume_lonlat(gdf, bounds, source=source, lonlat_default=raw.lonlat_default)
        notes.append(
            Text("未指定坐标系，按 CGCS2000 经纬度（EPSG:4490）读取", "no CRS given: read as CGCS2000 longitude/latitude (EPSG:4490)")
        )
    if choice.offset is not None:
        _check_lonlat(gdf, bounds, source=source)
        gdf = _undo_offset(gdf, choice.offset)
        name = "GCJ-02" if choice.offset == "gcj02" else "BD-09"
        notes.append(Text(f"已将 {name} 坐标转换为 CGCS2000", f"converted {name} coordinates to CGCS2000 (EPSG:4490)"))
        return gdf.set_crs(STORAGE_CRS, allow_override=True), choice.label, notes
    if choice.crs.is_geographic:
        gdf, more = _geographic_to_storage(gdf, choice, bounds, source=source)
        return gdf, choice.label, notes + more
    crs = choice.crs
    try:
        check_projected_plausible(bounds, crs, source=source)
    except CRSError as err:
        ok = _projected_ok(_feature_bounds(gdf), crs)
        _name_the_outliers(
            gdf, ok, lambda b, label: check_projected_plausible(b, crs, source=label), source=source, error=err
        )
        raise
    return gdf.set_crs(crs, allow_override=True), choice.label, notes


def _assume_lonlat(gdf: gpd.GeoDataFrame, bounds: Bounds, *, source: str, lonlat_default: bool) -> CrsChoice:
    try:
        _check_lonlat(gdf, bounds, source=source)
    except CRSError as err:
        if lonlat_default or isinstance(err, _OutlierError):
            raise
        detail = str(err).removeprefix(f"{source} ")
        ask = "" if "--crs" in detail else "; or give the CRS of the data with --crs (crs=)"
        msg = f"{source} has no coordinate reference system (no .prj or CRS in the file), and it {detail}{ask}"
        raise CRSError(msg, zh=_no_crs_zh(source, err.message("zh"), ask="--crs" not in detail)) from err
    return parse_crs(STORAGE_CRS)


def _no_crs_zh(source: str, inner: str, *, ask: bool) -> str:
    lead = zh_lead(source)
    head = f"{lead}没有坐标系（无 .prj 文件，文件中也未声明坐标系）"
    # The inner message names the same input first: "x.geojson 中的 ... 等坐标..." -> "且其中的 ..."
    body = f"，且其{inner[len(lead) :]}" if inner.startswith(lead) else f"。{inner}"
    return head + body + ("；也可指定数据的坐标系（命令行用 --crs）" if ask else "")


# --- plausibility of single features ---------------------------------------------------
# The checks of gis.crs look at the bounds of the whole input. When only some features are
# wrong (one CSV row typed as 27.95,113.08 or in metres), the whole-file message would quote
# a good row's numbers and blame the CRS; these helpers name the first wrong feature instead.


class _OutlierError(CRSError):
    """Some features of an input are implausible and the others are fine."""


def _feature_bounds(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(shapely.bounds(np.asarray(gdf.geometry.values, dtype=object)), dtype="float64")


def _lonlat_ok(per: np.ndarray) -> np.ndarray:
    """Per row of (minx, miny, maxx, maxy): finite longitude/latitude inside China."""
    cminx, cminy, cmaxx, cmaxy = CHINA_BOUNDS
    with np.errstate(invalid="ignore"):
        inside = (per[:, 0] >= cminx) & (per[:, 2] <= cmaxx) & (per[:, 1] >= cminy) & (per[:, 3] <= cmaxy)
    return np.isfinite(per).all(axis=1) & inside


def _projected_ok(per: np.ndarray, crs: CRS) -> np.ndarray:
    """Per row of bounds in the projected ``crs``: metres (not degrees) that land in China."""
    degree_like = (np.abs(per[:, [0, 2]]).max(axis=1) <= 180) & (np.abs(per[:, [1, 3]]).max(axis=1) <= 90)
    tr = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
    lon0, lat0 = tr.transform(per[:, 0], per[:, 1])
    lon1, lat1 = tr.transform(per[:, 2], per[:, 3])
    lonlat = np.column_stack([np.fmin(lon0, lon1), np.fmin(lat0, lat1), np.fmax(lon0, lon1), np.fmax(lat0, lat1)])
    return np.isfinite(per).all(axis=1) & ~degree_like & _lonlat_ok(lonlat)


def _name_the_outliers(
    gdf: gpd.GeoDataFrame,
    ok: np.ndarray,
    check: Callable[[Bounds, str], None],
    *,
    source: str,
    error: CRSError,
) -> None:
    """If only some features fail ``check``, raise its message for the first of them."""
    bad = np.flatnonzero(~ok)
    if len(ok) < 2 or len(bad) in (0, len(ok)):
        return  # one feature, or all wrong: the whole-input message is right
    first = int(bad[0])
    label = Label(
        f"{source} feature #{first + 1} (numbered from 1; {len(bad)} of {len(ok)} features look wrong, "
        "the others are plausible)",
        f"{zh_label(source)} 的第 {first + 1} 个要素（从 1 起编号；{len(ok)} 个要素中有 {len(bad)} 个看起来有误，其余正常）",
    )
    b = _feature_bounds(gdf.iloc[[first]])[0]
    try:
        check((float(b[0]), float(b[1]), float(b[2]), float(b[3])), label)
    except CRSError as err:
        raise _OutlierError(str(err), zh=err.zh) from error


def _check_lonlat(gdf: gpd.GeoDataFrame, bounds: Bounds, *, source: str) -> None:
    try:
        check_lonlat_plausible(bounds, source=source)
    except CRSError as err:
        ok = _lonlat_ok(_feature_bounds(gdf))
        _name_the_outliers(gdf, ok, lambda b, label: check_lonlat_plausible(b, source=label), source=source, error=err)
        raise


def _undo_offset(gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    inverse = gcj02_to_wgs84 if kind == "gcj02" else bd09_to_wgs84

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = inverse(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    # One call over the vertices of all geometries at once.
    values = shapely.transform(np.asarray(gdf.geometry.values, dtype=object), convert)
    return gdf.set_geometry(gpd.GeoSeries(values, index=gdf.index))


def _geographic_to_storage(
    gdf: gpd.GeoDataFrame, choice: CrsChoice, bounds: Bounds, *, source: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    crs = choice.crs
    datum = (crs.datum.name if crs.datum is not None else "").lower()
    if crs.equals(CRS(STORAGE_CRS)):
        _check_lonlat(gdf, bounds, source=source)
        return gdf.set_crs(STORAGE_CRS, allow_override=True), []
    if any(h in datum for h in _CGCS_OR_WGS):
        _check_lonlat(gdf, bounds, source=source)
        note = (
            f"{choice.label} 与 CGCS2000 相差仅厘米级，按相同处理 / {choice.label} differs from "
            "CGCS2000 by centimetres and is treated as equal (EPSG:4490)"
        )
        return gdf.set_crs(STORAGE_CRS, allow_override=True), [note]
    if any(h in datum for h in _OLD_DATUMS):
        datum_name = crs.datum.name if crs.datum is not None else datum
        msg = (
            f"{source} is in {choice.label} on the {datum_name} datum, which differs from CGCS2000 "
            "by tens of metres without an accurate public transformation; convert it to CGCS2000 "
            "(EPSG:4490) with your surveying authority's parameters first"
        )
        zh = (
            f"{zh_lead(source)}使用 {choice.label}（{_OLD_DATUMS_ZH.get(datum_name, datum_name + ' 基准')}），与 CGCS2000 "
            "相差数十米，且没有精确的"
            "公开转换参数；请先用测绘主管部门提供的参数转换为 CGCS2000（EPSG:4490）"
        )
        raise CRSError(msg, zh=zh)
    _check_lonlat(gdf, bounds, source=source)
    note = Text(f"已由 {choice.label} 转换为 CGCS2000", f"converted from {choice.label} to CGCS2000 (EPSG:4490)")
    return gdf.set_crs(crs, allow_override=True).to_crs(STORAGE_CRS), [note]


# --- typed coordinates --------------------------------------------------------------------


def _pairs_to_geometries(xy: np.ndarray, kind: GeometryKind) -> np.ndarray:
    n = len(xy)
    closed = n >= 4 and bool(np.all(xy[0] == xy[-1]))
    if kind == "auto":
        kind = "point" if n == 1 else ("polygon" if closed else "line")
    if kind == "point":
        return shapely.points(xy)
    distinct = len(np.unique(xy, axis=0))
    if kind == "line" and distinct < 2:
        msg = f"a line needs at least 2 different coordinate pairs, {distinct} given"
        raise InputError(msg, zh=f"线至少需要 2 对不同的坐标，现只有 {distinct} 对")
    if kind == "polygon" and distinct < 3:
        msg = f"a polygon needs at least 3 different coordinate pairs, {distinct} given"
        raise InputError(msg, zh=f"面至少需要 3 对不同的坐标，现只有 {distinct} 对")
    if kind == "line":
        return np.array([shapely.linestrings(xy)], dtype=object)
    return np.array([shapely.polygons(shapely.linearrings(xy))], dtype=object)
