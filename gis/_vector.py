"""Reading OGR vector files (GeoJSON, Shapefile, GeoPackage) with pyogrio and Arrow.

Private helpers of ``gis.io``. Shapefiles get two things GDAL alone does not give:

* the attribute encoding: the ``.cpg`` if there is one, else a strict UTF-8 trial decoding
  of the ``.dbf`` text (field names and character fields), falling back to GBK/GB18030 —
  Chinese desktop GIS writes GBK without a ``.cpg``, and GDAL would then read it as
  ISO-8859-1 and produce mojibake;
* the CRS: the ``.prj`` text goes through ``gis.crs.crs_from_prj`` so that ESRI files that
  only say ``Gauss_Kruger`` get their EPSG code (4491-4554).
"""

from __future__ import annotations

import codecs
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pyogrio
from pyproj import CRS

from gis.crs import CrsChoice, crs_from_prj, crs_label
from gis.errors import DataSourceError, Label, zh_label, zh_lead
from gis.text import Text

__all__ = [
    "ShapefileRef",
    "VectorRead",
    "find_shapefiles",
    "read_ogr",
    "read_shapefile",
    "sniff_dbf_encoding",
    "encoding_from_cpg",
]

log = logging.getLogger(__name__)

# Records sampled from the .dbf to decide its encoding: enough to meet non-ASCII text in
# any real layer, small enough to stay instant on a 100k-record file.
_DBF_SAMPLE_RECORDS = 20000
_DBF_SAMPLE_CELLS = 5000

_CPG_ALIASES = {
    "UTF-8": "UTF-8",
    "UTF8": "UTF-8",
    "65001": "UTF-8",
    "GBK": "GBK",
    "936": "GBK",
    "CP936": "GBK",
    "ANSI936": "GBK",
    "GB2312": "GBK",  # GBK is a superset of GB2312; reading as GBK loses nothing
    "GB18030": "GB18030",
    "54936": "GB18030",
    "BIG5": "BIG5",
    "950": "BIG5",
    "CP950": "BIG5",
}


@dataclass(frozen=True)
class VectorRead:
    """Raw result of reading one layer: attributes + geometry (CRS not yet applied)."""

    gdf: gpd.GeoDataFrame
    crs: CrsChoice | None
    layer: str | None
    encoding: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShapefileRef:
    """A shapefile on disk or inside a zip: the GDAL path of the .shp and its sidecars.

    ``zip_path`` is set when the members live in a zip archive; ``members`` maps a lower
    case extension (``"dbf"``, ``"prj"``, ``"cpg"``, ``"shx"``) to the member or file path.
    """

    name: str
    gdal_path: str
    members: dict[str, str]
    zip_path: Path | None = None

    def read_bytes(self, ext: str, limit: int | None = None) -> bytes | None:
        """Contents of a sidecar (at most ``limit`` bytes), or None if it does not exist."""
        member = self.members.get(ext)
        if member is None:
            return None
        if self.zip_path is not None:
            with zipfile.ZipFile(self.zip_path) as zf, zf.open(member) as fh:
                return fh.read() if limit is None else fh.read(limit)
        with open(member, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)


def _is_junk(member: str) -> bool:
    # macOS adds __MACOSX/._name resource forks to zips made in Finder.
    p = PurePosixPath(member)
    return p.parts[:1] == ("__MACOSX",) or p.name.startswith("._")


def find_shapefiles(path: Path) -> list[ShapefileRef]:
    """All shapefiles in a .zip archive, or the one .shp at ``path`` with its sidecars."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not _is_junk(n)]
        by_stem: dict[str, dict[str, str]] = {}
        for name in names:
            p = PurePosixPath(name)
            by_stem.setdefault(str(p.with_suffix("")).lower(), {})[p.suffix.lower().lstrip(".")] = name
        refs = []
        for members in by_stem.values():
            if "shp" in members:
                shp = members["shp"]
                refs.append(ShapefileRef(PurePosixPath(shp).stem, f"/vsizip/{path.resolve()}/{shp}", members, path))
        return sorted(refs, key=lambda r: r.name)
    members = {}
    for sibling in path.parent.glob(f"{path.stem}.*"):
        if sibling.stem == path.stem:
            members[sibling.suffix.lower().lstrip(".")] = str(sibling)
    return [ShapefileRef(path.stem, str(path), members)]


def encoding_from_cpg(text: str, *, source: str) -> str | None:
    """The encoding a ``.cpg`` names (``UTF-8``, ``GBK``, ``936`` ...); None if it says nothing usable."""
    raw = text.strip().lstrip("\ufeff")
    key = raw.upper().replace(" ", "").replace("_", "-")
    if not key or key in ("SYSTEM", "ANSI", "OEM"):
        return None
    key = key.replace("-", "") if key.replace("-", "") in _CPG_ALIASES else key
    if key in _CPG_ALIASES:
        return _CPG_ALIASES[key]
    try:
        return codecs.lookup(raw).name.upper()
    except LookupError:
        msg = f"{source}: the .cpg names the encoding {raw!r}, which is not known; expected UTF-8, GBK or GB18030"
        zh = f"{zh_label(source)}：.cpg 文件声明的编码“{raw}”无法识别；应为 UTF-8、GBK 或 GB18030"
        raise DataSourceError(msg, zh=zh) from None


def _dbf_text_cells(data: bytes) -> list[bytes]:
    """Non-ASCII byte strings from the .dbf header field names and character fields."""
    if len(data) < 32:
        return []
    nrec = int.from_bytes(data[4:8], "little")
    hlen = int.from_bytes(data[8:10], "little")
    rlen = int.from_bytes(data[10:12], "little")
    cells: list[bytes] = []
    fields: list[tuple[int, int]] = []
    offset = 1  # each record starts with the deletion flag
    pos = 32
    while pos + 32 <= min(hlen, len(data)) and data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        name = desc[:11].split(b"\0", 1)[0]
        if any(b >= 0x80 for b in name):
            cells.append(name)
        length = desc[16]
        if desc[11:12] in (b"C", b"c"):
            fields.append((offset, length))
        offset += length
        pos += 32
    if rlen <= 0 or not fields:
        return cells
    count = min(nrec, _DBF_SAMPLE_RECORDS, max(0, (len(data) - hlen) // rlen))
    records = np.frombuffer(data, dtype=np.uint8, count=count * rlen, offset=hlen).reshape(count, rlen)
    for start, length in fields:
        block = records[:, start : start + length]
        rows = np.flatnonzero((block >= 0x80).any(axis=1))[:_DBF_SAMPLE_CELLS]
        cells.extend(bytes(block[r]).rstrip(b" \0") for r in rows)
        if len(cells) >= _DBF_SAMPLE_CELLS:
            break
    return cells


def _decodes(cells: list[bytes], encoding: str) -> bool:
    for cell in cells:
        try:
            cell.decode(encoding)
        except UnicodeDecodeError as err:
            # Writers truncate text at the field width in bytes, which can cut the last
            # multi-byte character in half; that is not evidence against the encoding.
            if not (err.reason == "unexpected end of data" and err.end == len(cell)):
                return False
    return True


def sniff_dbf_encoding(data: bytes) -> str | None:
    """Guess a .dbf's text encoding: ``"UTF-8"``, ``"GBK"``, ``"GB18030"``, or None for plain ASCII.

    Raises
    ------
    DataSourceError
        If the text is none of these (the caller adds the file name).
    """
    cells = _dbf_text_cells(data)
    if not cells:
        return None
    for encoding in ("UTF-8", "GBK", "GB18030"):
        if _decodes(cells, encoding):
            return encoding
    msg = "attribute text is neither UTF-8 nor GBK/GB18030"
    raise DataSourceError(msg, zh="属性文字既不是 UTF-8 也不是 GBK/GB18030 编码")


def _shapefile_encoding(ref: ShapefileRef, *, source: str) -> tuple[str | None, str]:
    """The attribute encoding of a shapefile and a note saying how it was found."""
    head = ref.read_bytes("dbf", 32) or b""
    hlen = int.from_bytes(head[8:10], "little") if len(head) >= 12 else 0
    rlen = int.from_bytes(head[10:12], "little") if len(head) >= 12 else 0
    dbf = ref.read_bytes("dbf", hlen + rlen * _DBF_SAMPLE_RECORDS) or b""
    cpg = ref.read_bytes("cpg")
    cpg_source = Label(f"{source} ({ref.name}.cpg)", f"{zh_label(source)}（{ref.name}.cpg）")
    declared = encoding_from_cpg(cpg.decode("ascii", "replace"), source=cpg_source) if cpg else None
    try:
        sniffed = sniff_dbf_encoding(dbf)
    except DataSourceError as err:
        if declared:
            return declared, _from_cpg(declared)
        msg = f"{source}: {err} in {ref.name}.dbf; convert the attributes to UTF-8 or give the encoding (e.g. encoding='GBK')"
        zh = (
            f"{zh_label(source)}：{ref.name}.dbf 中的{err.message('zh')}；请将属性转换为 UTF-8 编码，"
            "或指定编码（如 encoding='GBK'）"
        )
        raise DataSourceError(msg, zh=zh) from None
    if declared:
        if sniffed is None or _decodes(_dbf_text_cells(dbf), _python_codec(declared)):
            return declared, _from_cpg(declared)
        return sniffed, Text(
            f".cpg 声明 {declared}，但属性文字不是 {declared}，已按 {sniffed} 读取",
            f"the .cpg says {declared} but the attribute text is not {declared}; read as {sniffed}",
        )
    if sniffed is None:
        return "UTF-8", Text("属性为纯 ASCII 文本", "attribute text is plain ASCII")
    return sniffed, Text(f"无 .cpg，按内容识别属性编码为 {sniffed}", f"no .cpg: attribute encoding detected as {sniffed}")


def _from_cpg(encoding: str) -> Text:
    return Text(f"属性编码按 .cpg 为 {encoding}", f"attribute encoding {encoding} from the .cpg")


def _python_codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        log.warning("encoding %r is unknown to Python; its text is checked as UTF-8 instead", encoding)
        return "utf-8"


def _read_layer(gdal_path: str, *, layer: str | int | None, encoding: str | None, source: str) -> gpd.GeoDataFrame:
    try:
        # on_invalid="ignore": unreadable WKB becomes a null geometry, which the caller
        # reports by feature number instead of a GEOS traceback.
        return pyogrio.read_dataframe(gdal_path, layer=layer, encoding=encoding, use_arrow=True, on_invalid="ignore")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as err:
        msg = (
            f"{source} cannot be read as a vector file ({err}); expected a valid GeoJSON, Shapefile, GeoPackage or KML"
        )
        zh = f"{zh_lead(source)}无法作为矢量数据读取（{err}）；应为有效的 GeoJSON、Shapefile、GeoPackage 或 KML 文件"
        raise DataSourceError(msg, zh=zh) from err


def read_shapefile(path: Path, *, layer: str | None, encoding: str | None, source: str) -> VectorRead:
    """Read one shapefile (bare or zipped) with the encoding and CRS rules of this module."""
    refs = find_shapefiles(path)
    if not refs:
        msg = f"{source} contains no shapefile (.shp); expected a zip with name.shp, name.shx, name.dbf and name.prj"
        zh = f"{zh_lead(source)}中没有 Shapefile（.shp）；应为包含 name.shp、name.shx、name.dbf 和 name.prj 的压缩包"
        raise DataSourceError(msg, zh=zh)
    ref = _choose_shapefile(refs, layer=layer, source=source)
    missing = [ext for ext in ("shx", "dbf") if ext not in ref.members]
    if missing:
        names = ", ".join(f"{ref.name}.{ext}" for ext in missing)
        msg = f"{source}: shapefile {ref.name}.shp lacks {names}; a shapefile needs its .shp, .shx and .dbf (and a .prj) together"
        names_zh = "、".join(f"{ref.name}.{ext}" for ext in missing)
        zh = (
            f"{zh_label(source)}：Shapefile {ref.name}.shp 缺少 {names_zh}；Shapefile 的 .shp、.shx、.dbf"
            "（以及 .prj）文件必须放在一起"
        )
        raise DataSourceError(msg, zh=zh)
    notes = []
    if encoding is None:
        encoding, note = _shapefile_encoding(ref, source=source)
        notes.append(note)
    gdf = _read_layer(ref.gdal_path, layer=None, encoding=encoding, source=source)
    prj = ref.read_bytes("prj")
    crs = None
    if prj:
        prj_source = Label(f"{source} ({ref.name}.prj)", f"{zh_label(source)}（{ref.name}.prj）")
        crs_obj = crs_from_prj(prj.decode("utf-8", "replace"), source=prj_source)
        crs = CrsChoice(crs_obj, crs_label(crs_obj))
    return VectorRead(gdf, crs, ref.name, encoding, tuple(notes))


def _choose_shapefile(refs: list[ShapefileRef], *, layer: str | None, source: str) -> ShapefileRef:
    names = [r.name for r in refs]
    if layer is not None:
        for ref in refs:
            if ref.name.lower() == str(layer).lower():
                return ref
        msg = f"{source} has no shapefile named {layer!r}; it holds {', '.join(names)}"
        zh = f"{zh_lead(source)}中没有名为“{layer}”的 Shapefile；其中有：{'、'.join(names)}"
        raise DataSourceError(msg, zh=zh)
    if len(refs) > 1:
        msg = f"{source} holds {len(refs)} shapefiles ({', '.join(names)}); choose one with layer= (--layer)"
        zh = f"{zh_lead(source)}中有 {len(refs)} 个 Shapefile（{'、'.join(names)}）；请选择其中一个图层（命令行用 --layer）"
        raise DataSourceError(msg, zh=zh)
    return refs[0]


def _layer_crs(info_crs: str | None, *, source: str) -> CrsChoice | None:
    if not info_crs:
        return None
    crs = CRS(info_crs) if info_crs.upper().startswith("EPSG:") else crs_from_prj(info_crs, source=source)
    return CrsChoice(crs, crs_label(crs))


def spatial_layers(path: str, *, source: str) -> list[tuple[str, str]]:
    """(name, geometry type) of the layers with geometry, in file order."""
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as err:
        msg = f"{source} cannot be opened ({err}); expected a GeoPackage, GeoJSON or Shapefile"
        zh = f"无法打开 {zh_label(source)}（{err}）；应为 GeoPackage、GeoJSON 或 Shapefile 文件"
        raise DataSourceError(msg, zh=zh) from err
    return [(str(name), str(gtype)) for name, gtype in layers if gtype is not None]


def read_ogr(path: Path, *, layer: str | int | None, encoding: str | None, source: str) -> VectorRead:
    """Read one layer of a GeoPackage or GeoJSON file (a file with several layers needs ``layer``)."""
    layers = spatial_layers(str(path), source=source)
    if not layers:
        msg = f"{source} has no layer with geometry; expected at least one point, line or polygon layer"
        raise DataSourceError(msg, zh=f"{zh_lead(source)}中没有带几何的图层；应至少有一个点、线或面图层")
    names = [name for name, _ in layers]
    if layer is None:
        if len(layers) > 1:
            listed = ", ".join(f"{n} ({g})" for n, g in layers)
            msg = f"{source} has {len(layers)} layers: {listed}; choose one with layer= (--layer)"
            listed_zh = "、".join(f"{n}（{g}）" for n, g in layers)
            zh = f"{zh_lead(source)}中有 {len(layers)} 个图层：{listed_zh}；请选择其中一个图层（命令行用 --layer）"
            raise DataSourceError(msg, zh=zh)
        layer = names[0]
    elif isinstance(layer, int):
        if not 0 <= layer < len(names):
            msg = f"{source} has no layer number {layer}; it has {len(names)} layer(s): {', '.join(names)}"
            zh = f"{zh_lead(source)}中没有序号为 {layer} 的图层（从 0 起编号）；共有 {len(names)} 个图层：{'、'.join(names)}"
            raise DataSourceError(msg, zh=zh)
        layer = names[layer]
    elif layer not in names:
        msg = f"{source} has no layer {layer!r}; its layers are {', '.join(names)}"
        zh = f"{zh_lead(source)}中没有图层“{layer}”；现有图层：{'、'.join(names)}"
        raise DataSourceError(msg, zh=zh)
    info = pyogrio.read_info(str(path), layer=layer)
    crs = _layer_crs(info.get("crs"), source=Label(f"{source} layer {layer}", f"{zh_label(source)} 图层 {layer}"))
    # GeoPackage and GeoJSON text is UTF-8 by specification (and pyogrio's Arrow reader
    # refuses other encodings), so an encoding option is ignored here, visibly.
    gdf = _read_layer(str(path), layer=layer, encoding=None, source=source)
    notes: tuple[str, ...] = ()
    if encoding and _python_codec(encoding) != "utf-8":
        notes = (
            Text(
                f"GeoPackage/GeoJSON 文本总是 UTF-8，已忽略编码 {encoding}",
                f"GeoPackage and GeoJSON text is always UTF-8; encoding {encoding} ignored",
            ),
        )
    is_gpkg = path.suffix.lower() == ".gpkg"
    return VectorRead(gdf, crs, str(layer) if is_gpkg else None, "UTF-8", notes)
