"""From a path, an archive or a URL to raw features: which reader reads what.

Private helper of ``gis.io``, which finishes every read the same way (CRS, plausibility,
repair). This module decides the format and reads it within ``gis.limits``:

* the input must be a regular file (``/dev/zero`` is refused as a device, not called
  empty) whose size is within ``file_bytes`` (``text_bytes`` for formats parsed in
  memory) — checked before anything is read;
* zip archives (``gis._archive``) hold a shapefile, a FileGDB folder, or one other file;
* ``.gdb`` folders are read with GDAL's OpenFileGDB driver, ``.dxf`` with its DXF driver
  (closed polylines as polygons), ``.xlsx`` with openpyxl, 界址点坐标 ``.txt`` with
  ``gis._parcels``;
* ``http(s)://`` URLs of a WFS or an ArcGIS REST FeatureServer/MapServer layer are read
  with GDAL's WFS and GeoJSON drivers (paging included), at most ``features`` features.
"""

from __future__ import annotations

import re
import tempfile
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pyogrio

from gis import _archive, _kml, _parcels, _tabular, _vector
from gis._tabular import GeometryKind
from gis.crs import CrsChoice, crs_label, parse_crs
from gis.errors import DataSourceError, InputError, Label, zh_label, zh_lead
from gis.limits import FEATURES, FILE_BYTES, TEXT_BYTES, active_limits, check_bytes, limit_error, regular_file_size
from gis.text import Text

__all__ = [
    "Raw",
    "ReadOptions",
    "Located",
    "SUPPORTED_EXTENSIONS",
    "EXPECTED_FORMATS",
    "EXPECTED_FORMATS_ZH",
    "read_path_raw",
    "read_url_raw",
    "is_url",
    "url_label",
    "require_file",
    "safe_name",
    "gdb_folders",
]

#: File name endings read_features understands, with the format each stands for.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "Shapefile",
    ".zip": "Shapefile",
    ".gpkg": "GeoPackage",
    ".gdb": "FileGDB",
    ".kml": "KML",
    ".kmz": "KMZ",
    ".csv": "CSV",
    ".xlsx": "XLSX",
    ".txt": "CSV",
    ".wkt": "WKT",
    ".dxf": "DXF",
}
EXPECTED_FORMATS = (
    "GeoJSON, zipped Shapefile (.zip), .shp, GeoPackage (.gpkg), FileGDB (.gdb folder or zipped), KML, KMZ, "
    "CSV, Excel (.xlsx), 界址点坐标 TXT, DXF or WKT text"
)
EXPECTED_FORMATS_ZH = (
    "GeoJSON、Shapefile 压缩包（.zip）、.shp、GeoPackage（.gpkg）、FileGDB（.gdb 文件夹或其压缩包）、KML、KMZ、"
    "CSV、Excel（.xlsx）、界址点坐标 TXT、DXF 或 WKT 文本"
)
# Formats parsed in memory: their size is held to the text limit.
_TEXT_FORMATS = ("GeoJSON", "KML", "CSV", "WKT", "DXF")
# Zip members other than shapefiles that a zip upload may wrap (one file zipped for e-mail).
_ZIPPED_SINGLES = (".gpkg", ".geojson", ".json", ".kml", ".csv", ".wkt", ".txt", ".dxf", ".xlsx")
PARCEL_SECTION_BYTES = _parcels.PARCEL_SECTION.encode("utf-8")
_KML_CRS = "EPSG:4326"  # KML coordinates are WGS84 by definition (OGC KML 2.2, section 16.9)


@dataclass(frozen=True)
class Raw:
    """A read before the common CRS/geometry finish."""

    gdf: gpd.GeoDataFrame
    format: str
    crs: CrsChoice | None = None
    layer: str | None = None
    encoding: str | None = None
    notes: tuple[str, ...] = ()
    lonlat_default: bool = False  # CSV/WKT: coordinates without CRS are CGCS2000 lon/lat


@dataclass(frozen=True)
class ReadOptions:
    layer: str | int | None
    crs: CrsChoice | None
    encoding: str | None
    geometry: GeometryKind
    group_by: str | None
    order_by: str | None
    columns: tuple[str, str] | None = None


@dataclass(frozen=True)
class Located:
    """A raw read and the name it goes by (``x.zip/inner.geojson`` for a zipped single file)."""

    raw: Raw
    label: str


def safe_name(name: str) -> str:
    """Only the base name of an upload or archive member, so ``../x.zip`` cannot leave a temp dir."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "upload"


def require_file(path: Path, label: str) -> None:
    """Raise DataSourceError unless ``path`` exists and is not a folder (FileGDB folders aside)."""
    if not path.exists():
        msg = f"file {label} does not exist; expected a path to {EXPECTED_FORMATS}"
        zh = f"文件 {zh_label(label)} 不存在；请给出已有文件的路径（支持 {EXPECTED_FORMATS_ZH}）"
        raise DataSourceError(msg, zh=zh)
    if path.is_dir() and path.suffix.lower() != ".gdb":
        msg = f"{label} is a folder; expected a file ({EXPECTED_FORMATS})"
        zh = f"{zh_lead(label)}是文件夹；应为一个文件（{EXPECTED_FORMATS_ZH}）"
        raise DataSourceError(msg, zh=zh)


def _supported_suffix(path: Path, label: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        msg = f"{label} has the extension {suffix or '(none)'!r}, which is not a supported format; expected {EXPECTED_FORMATS}"
        zh = (
            f"{zh_lead(label)}的扩展名{f'“{suffix}”' if suffix else '（无扩展名）'}不是支持的格式；"
            f"应为 {EXPECTED_FORMATS_ZH}"
        )
        raise DataSourceError(msg, zh=zh)
    return suffix


def read_path_raw(path: Path, *, label: str, options: ReadOptions) -> Located:
    """Read the file (or FileGDB folder) at ``path`` into a Raw, within the limits.

    Raises
    ------
    DataSourceError, LimitError, InputError, CRSError
        As ``gis.io.read_features`` documents.
    """
    require_file(path, label)
    if path.is_dir():
        return Located(_read_gdb(path, label=label, options=options), label)
    size = regular_file_size(path, label)  # first: /dev/zero is a device, whatever its name
    suffix = _supported_suffix(path, label)
    if size == 0:
        # Said here once for every format: GDAL, zipfile and pandas each word it differently.
        msg = f"file {label} is empty (0 bytes); expected {EXPECTED_FORMATS}"
        raise DataSourceError(msg, zh=f"文件 {zh_label(label)} 为空（0 字节）；应为 {EXPECTED_FORMATS_ZH}")
    check_bytes(FILE_BYTES, size, label)
    fmt = SUPPORTED_EXTENSIONS[suffix]
    if fmt in _TEXT_FORMATS:
        check_bytes(TEXT_BYTES, size, label)
    if suffix == ".zip":
        return _read_zip(path, label=label, options=options)
    return Located(_read_file(path, suffix, label=label, options=options), label)


def _read_file(path: Path, suffix: str, *, label: str, options: ReadOptions) -> Raw:
    fmt = SUPPORTED_EXTENSIONS[suffix]
    if fmt in ("GeoJSON", "GeoPackage"):
        v = _vector.read_ogr(path, layer=options.layer, encoding=options.encoding, source=label, kind=fmt)
        return Raw(v.gdf, fmt, v.crs, v.layer, v.encoding, v.notes)
    if fmt == "Shapefile":
        layer = None if options.layer is None else str(options.layer)
        v = _vector.read_shapefile(path, layer=layer, encoding=options.encoding, source=label)
        return Raw(v.gdf, fmt, v.crs, v.layer, v.encoding, v.notes)
    if fmt in ("KML", "KMZ"):
        return _read_kml(path, fmt, label=label, options=options)
    if fmt == "DXF":
        return _read_dxf(path, label=label, options=options)
    if fmt == "XLSX":
        table = _tabular.read_xlsx_table(path, source=label, sheet=options.layer, options=_table_options(options))
        return Raw(table.gdf, "XLSX", None, table.sheet, None, table.notes, lonlat_default=True)
    data = path.read_bytes()  # within text_bytes, checked by the caller
    if fmt == "WKT" or (suffix == ".txt" and _tabular.looks_like_wkt(_head_text(data))):
        text, used = _tabular.decode_text(data, encoding=options.encoding, source=label)
        table = _tabular.parse_wkt_text(text, source=label)
        declared = parse_crs(table.srid) if table.srid is not None else None
        return Raw(table.gdf, "WKT", declared, None, used, table.notes, lonlat_default=True)
    if suffix == ".txt" and _has_parcel_section(data):
        return _read_parcels(data, label=label, options=options)
    table = _tabular.read_csv_table(data, source=label, encoding=options.encoding, options=_table_options(options))
    return Raw(table.gdf, "CSV", None, None, table.encoding, table.notes, lonlat_default=True)


def _table_options(options: ReadOptions) -> _tabular.TableOptions:
    projected = options.crs is not None and options.crs.offset is None and not options.crs.crs.is_geographic
    return _tabular.TableOptions(options.geometry, options.group_by, options.order_by, projected, options.columns)


def _head_text(data: bytes) -> str:
    return data[:200].decode("utf-8", "ignore").lstrip("\ufeff")


def _has_parcel_section(data: bytes) -> bool:
    """A 界址点坐标 file announces its ``[地块坐标]`` section (in UTF-8 or GBK)."""
    return any(_parcels.PARCEL_SECTION.encode(enc) in data for enc in ("utf-8", "gb18030"))


def has_parcel_section(data: bytes) -> bool:
    """True if ``data`` (a text file's bytes) is a 界址点坐标 file."""
    return _has_parcel_section(data)


def _read_parcels(data: bytes, *, label: str, options: ReadOptions) -> Raw:
    text, used = _tabular.decode_text(data, encoding=options.encoding, source=label)
    parcels = _parcels.read_parcels(text, source=label, crs_given=options.crs is not None)
    crs = CrsChoice(parcels.crs, parcels.crs_label or crs_label(parcels.crs)) if parcels.crs is not None else None
    return Raw(parcels.gdf, "界址点坐标 TXT", crs, None, used, parcels.notes)


def _read_kml(path: Path, fmt: str, *, label: str, options: ReadOptions) -> Raw:
    data = _kml.kmz_main_document(path, source=label) if fmt == "KMZ" else path.read_bytes()
    doc = _kml.read_kml_document(data, source=label)
    layer = None if options.layer is None else str(options.layer)
    gdf = _kml.kml_to_frame(doc, layer=layer, source=label)
    return Raw(gdf, fmt, parse_crs(_KML_CRS), layer, doc.encoding, doc.notes)


def _read_dxf(path: Path, *, label: str, options: ReadOptions) -> Raw:
    """CAD drawings: closed (LW)POLYLINEs as polygons, open ones as lines, points; no labels."""
    # Global GDAL settings, but only DXF reads look at them and they are always wanted so.
    pyogrio.set_gdal_config_options({"DXF_CLOSED_LINE_AS_POLYGON": "TRUE", "DXF_MERGE_BLOCK_GEOMETRIES": "TRUE"})
    v = _vector.read_ogr(path, layer=options.layer, encoding=options.encoding, source=label, kind="DXF")
    gdf = v.gdf
    notes = list(v.notes)
    text = gdf["Text"].fillna("").astype(str).str.strip() if "Text" in gdf.columns else None
    if text is not None:
        labels = (text != "").to_numpy() & (gdf.geometry.geom_type == "Point").to_numpy()
        if labels.any() and not labels.all():
            gdf = gdf[~labels].reset_index(drop=True)
            notes.append(
                Text(f"已忽略 {int(labels.sum())} 个文字注记（TEXT/MTEXT）", f"{int(labels.sum())} text label(s) (TEXT/MTEXT) ignored")
            )
    keep = [c for c in ("Layer", "EntityHandle", "Text") if c in gdf.columns]
    gdf = gpd.GeoDataFrame(gdf[keep], geometry=gdf.geometry.values).rename(columns={"Layer": "cad_layer"})
    notes.append(
        Text("DXF 不含坐标系，CAD 图形坐标按 X 为东坐标、Y 为北坐标读取", "DXF has no CRS; CAD x = easting, y = northing")
    )
    return Raw(gdf, "DXF", None, None, None, tuple(notes))


def _read_gdb(path: Path, *, label: str, options: ReadOptions) -> Raw:
    v = _vector.read_ogr(path, layer=options.layer, encoding=options.encoding, source=label, kind="FileGDB")
    return Raw(v.gdf, "FileGDB", v.crs, v.layer, v.encoding, v.notes)


# --- zip archives ------------------------------------------------------------------------


def gdb_folders(names: list[str]) -> list[str]:
    """The ``*.gdb`` folders (their paths inside the archive) holding members."""
    found: dict[str, None] = {}
    for name in names:
        parts = PurePosixPath(name).parts
        for i, part in enumerate(parts[:-1]):
            if part.lower().endswith(".gdb"):
                found["/".join(parts[: i + 1])] = None
                break
    return list(found)


def _read_zip(path: Path, *, label: str, options: ReadOptions) -> Located:
    with _archive.open_zip(path, label) as zf:
        names = _archive.member_names(zf)
        if any(n.lower().endswith(".shp") for n in names):
            layer = None if options.layer is None else str(options.layer)
            v = _vector.read_shapefile(path, layer=layer, encoding=options.encoding, source=label)
            return Located(Raw(v.gdf, "Shapefile", v.crs, v.layer, v.encoding, v.notes), label)
        gdbs = gdb_folders(names)
        if gdbs:
            return Located(_read_zipped_gdb(zf, gdbs, label=label, options=options), label)
        return _read_zipped_single(zf, names, label=label, options=options)


def _read_zipped_gdb(zf: zipfile.ZipFile, gdbs: list[str], *, label: str, options: ReadOptions) -> Raw:
    if len(gdbs) > 1:
        msg = f"{label} holds {len(gdbs)} FileGDB folders ({', '.join(gdbs)}); zip one of them"
        zh = f"{zh_lead(label)}中有 {len(gdbs)} 个 FileGDB 文件夹（{'、'.join(gdbs)}）；请只压缩其中一个"
        raise DataSourceError(msg, zh=zh)
    prefix = gdbs[0] + "/"
    members = [n for n in _archive.member_names(zf) if n.startswith(prefix) and "/" not in n[len(prefix) :]]
    _archive.check_members(zf, members, label)
    budget = _archive.ArchiveBudget(label)
    with tempfile.TemporaryDirectory(prefix="gis-gdb-") as tmp:
        folder = Path(tmp) / "data.gdb"
        folder.mkdir()
        for member in members:
            _archive.extract_member(zf, member, folder / safe_name(member), label, budget=budget)
        return _read_gdb(folder, label=label, options=options)


def _read_zipped_single(zf: zipfile.ZipFile, names: list[str], *, label: str, options: ReadOptions) -> Located:
    """A zip holding one GeoPackage/GeoJSON/KML/CSV ... instead of a shapefile: read that file."""
    members = [n for n in names if n.lower().endswith(_ZIPPED_SINGLES)]
    if len(members) != 1:
        found = ", ".join(members) or "no readable file"
        msg = f"{label} holds {found}; expected a zipped Shapefile (.shp, .shx, .dbf, .prj), a zipped FileGDB folder or one GeoPackage/GeoJSON/KML/CSV/DXF file"
        found_zh = f"中有 {len(members)} 个数据文件（{'、'.join(members)}）" if members else "中没有可读取的文件"
        zh = (
            f"{zh_label(label)} {found_zh}；应为 Shapefile 压缩包（含 .shp、.shx、.dbf、.prj）、FileGDB 文件夹的压缩包，"
            "或只含一个 GeoPackage/GeoJSON/KML/CSV/DXF 文件的压缩包"
        )
        raise DataSourceError(msg, zh=zh)
    with tempfile.TemporaryDirectory(prefix="gis-io-") as tmp:
        inner = Path(tmp) / safe_name(members[0])
        _archive.extract_member(zf, members[0], inner, label)
        inner_label = Label(f"{label}/{members[0]}", f"{zh_label(label)}/{members[0]}")
        return read_path_raw(inner, label=inner_label, options=options)


# --- web services --------------------------------------------------------------------------

_ARCGIS_LAYER_RE = re.compile(r"^(?P<base>.*/(?:FeatureServer|MapServer)/\d+)(?:/query)?/?$", re.IGNORECASE)


def is_url(text: str) -> bool:
    """True for ``http://``/``https://`` URLs (and GDAL's ``WFS:`` prefix)."""
    return bool(re.match(r"^(https?://|WFS:)", text.strip(), re.IGNORECASE))


def _url_parts(url: str) -> tuple[str, dict[str, str]]:
    parts = urllib.parse.urlsplit(url)
    query = {k.lower(): v for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
    return parts.path, query


def read_url_raw(url: str, *, options: ReadOptions) -> Located:
    """A layer of a WFS, or an ArcGIS REST FeatureServer/MapServer layer, through GDAL.

    Raises
    ------
    DataSourceError
        If the URL is neither, the service cannot be reached or answers with an error.
    LimitError
        If the layer has more features than the limit.
    """
    text = url.strip()
    label = url_label(text)
    pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": "60", "GDAL_HTTP_MAX_RETRY": "1"})
    path, query = _url_parts(text.removeprefix("WFS:"))
    arcgis = _ARCGIS_LAYER_RE.match(text.split("?", 1)[0])
    if arcgis:
        return Located(_read_arcgis(arcgis.group("base"), label=label, options=options), label)
    if text.upper().startswith("WFS:") or query.get("service", "").upper() == "WFS" or path.lower().endswith("/wfs"):
        return Located(_read_wfs(text, query, label=label, options=options), label)
    msg = (
        f"{label} is neither a WFS (…?service=WFS) nor an ArcGIS REST layer (…/FeatureServer/0); "
        "expected one of these, or a file path"
    )
    zh = f"{zh_lead(label)}既不是 WFS 服务（…?service=WFS），也不是 ArcGIS REST 图层（…/FeatureServer/0）；应为其中之一，或文件路径"
    raise DataSourceError(msg, zh=zh)


def url_label(url: str) -> str:
    """The URL as shown in messages and the store history: without user:password@."""
    parts = urllib.parse.urlsplit(url.strip().removeprefix("WFS:"))
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urllib.parse.urlunsplit((parts.scheme, host + port, parts.path, parts.query, ""))


def _read_service(gdal_path: str, *, layer: str | None, label: str, kind: str) -> Raw:
    limit = active_limits().features
    layers = _vector.spatial_layers(gdal_path, source=label)
    if not layers:
        msg = f"{label} offers no layer with geometry"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}没有带几何的图层")
    chosen = layer if layer is not None else None
    names = [n for n, _ in layers]
    if chosen is None and len(names) > 1:
        shown = ", ".join(names[:20])
        msg = f"{label} offers {len(names)} layers ({shown}); choose one with --source-layer (layer=) or typeNames= in the URL"
        zh = f"{zh_lead(label)}提供 {len(names)} 个图层（{'、'.join(names[:20])}）；请用 --source-layer 或 URL 中的 typeNames= 选择其一"
        raise DataSourceError(msg, zh=zh)
    name = chosen or names[0]
    if name not in names:
        msg = f"{label} has no layer {name!r}; it offers {', '.join(names[:20])}"
        raise DataSourceError(msg, zh=f"{zh_lead(label)}中没有图层“{name}”；现有图层：{'、'.join(names[:20])}")
    try:
        # No max_features: GDAL's WFS client stalls on it; the count is checked right after.
        gdf = pyogrio.read_dataframe(gdal_path, layer=name, on_invalid="ignore")
        info = pyogrio.read_info(gdal_path, layer=name, force_feature_count=False)
    except (*_vector.ogr_errors, OSError, ValueError) as err:
        msg = f"{label} cannot be read as a {kind} layer ({err})"
        raise DataSourceError(msg, zh=f"无法以 {kind} 图层读取 {zh_label(label)}（{err}）") from err
    if len(gdf) > limit:
        raise limit_error(FEATURES, len(gdf), label, at_least=True)
    crs = _service_crs(info.get("crs"), label)
    note = Text(f"自 {kind} 服务读取图层 {name}：{len(gdf)} 个要素", f"read layer {name} from the {kind} service: {len(gdf)} feature(s)")
    return Raw(gdf, kind, crs, str(name), "UTF-8", (note,))


def _service_crs(info_crs: str | None, label: str) -> CrsChoice | None:
    if not info_crs:
        return None
    try:
        return parse_crs(info_crs)
    except InputError:  # pragma: no cover - parse_crs raises CRSError
        return None


def _read_wfs(url: str, query: dict[str, str], *, label: str, options: ReadOptions) -> Raw:
    base = url.removeprefix("WFS:")
    layer = str(options.layer) if options.layer is not None else query.get("typenames") or query.get("typename")
    return _read_service(f"WFS:{base}", layer=layer, label=label, kind="WFS")


def _read_arcgis(base: str, *, label: str, options: ReadOptions) -> Raw:
    # f=json (Esri JSON): GDAL's ESRIJSON driver pages through exceededTransferLimit answers
    # (resultOffset); outSR=4490 asks for CGCS2000 longitude/latitude.
    params = urllib.parse.urlencode({"where": "1=1", "outFields": "*", "f": "json", "outSR": "4490"})
    # The ESRIJSON: prefix keeps the URL an http one for GDAL (pyogrio would make it /vsicurl/,
    # and GDAL pages only through http URLs).
    raw = _read_service(f"ESRIJSON:{base}/query?{params}", layer=None, label=label, kind="ArcGIS REST")
    return Raw(raw.gdf, raw.format, raw.crs or parse_crs("EPSG:4490"), None, raw.encoding, raw.notes)


def count_vertices(gdf: gpd.GeoDataFrame) -> int:
    """Coordinate pairs of all geometries."""
    import shapely

    return int(shapely.get_num_coordinates(np.asarray(gdf.geometry.values, dtype=object)).sum())
