"""Reading OGR vector files (GeoJSON, Shapefile, GeoPackage, FileGDB, DXF) with pyogrio and Arrow.

Private helpers of ``gis.io``. Shapefiles get what GDAL alone does not give:

* the attribute encoding: the ``.cpg`` if there is one (every value GDAL accepts — code
  page numbers such as 874 or 936, ``UTF8``, ``koi8r``, ``EUC-KR`` ... — and the Windows
  forms it misses, ``65001`` and ``LDID/77``), else a strict UTF-8 trial decoding of the
  ``.dbf`` text (field names and character fields), then GBK/GB18030 when the result looks
  like Chinese text (``gis._encoding``): Chinese desktop GIS writes GBK without a ``.cpg``,
  and GDAL would read it as ISO-8859-1 and produce mojibake. Text that is neither is
  refused, naming the encodings tried and the ``--encoding`` option. Non-UTF-8 text is
  decoded by Python's codec (GDAL hands over the raw bytes as ISO-8859-1), so every
  encoding Python knows works, whatever iconv calls it;
* zipped shapefiles are extracted within ``gis.limits`` to a temporary folder first;
* the CRS: the ``.prj`` text goes through ``gis.crs.crs_from_prj`` (standard Gauss-Kruger
  definitions get their EPSG code; anything else stays the custom CRS it is).

The feature count is checked against ``gis.limits`` from the layer header before a layer
is read.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from gis import _archive
from gis._encoding import decodes, gbk_plausible, python_codec, undecidable_error
from gis.crs import CrsChoice, crs_from_prj, crs_label
from gis.errors import DataSourceError, Label, zh_label, zh_lead
from gis.limits import CONFIG_BYTES, FEATURES, active_limits, check_count, limit_error
from gis.text import Text

__all__ = [
    "ShapefileRef",
    "VectorRead",
    "find_shapefiles",
    "read_ogr",
    "read_shapefile",
    "sniff_dbf_encoding",
    "encoding_from_cpg",
    "ogr_errors",
]

log = logging.getLogger(__name__)

# Records sampled from the .dbf to decide its encoding: enough to meet non-ASCII text in
# any real layer, small enough to stay instant on a 100k-record file.
_DBF_SAMPLE_RECORDS = 20000
_DBF_SAMPLE_CELLS = 5000

# .cpg values (upper case, without spaces, hyphens, underscores) -> encoding. Numbers are
# Windows code pages: GDAL maps 437-950 and 1250-1258 to CPnnn; these are the others.
_CPG_NAMES = {
    "UTF8": "UTF-8",
    "65001": "UTF-8",
    "GBK": "GBK",
    "936": "GBK",
    "CP936": "GBK",
    "ANSI936": "GBK",
    "GB2312": "GBK",  # GBK is a superset of GB2312; reading as GBK loses nothing
    "20936": "GBK",
    "GB18030": "GB18030",
    "54936": "GB18030",
    "BIG5": "BIG5",
    "950": "BIG5",
    "CP950": "BIG5",
    "20866": "KOI8-R",
    "21866": "KOI8-U",
    "932": "SHIFT_JIS",
    "51949": "EUC-KR",
}
# dBase language driver ids (the LDID/<n> form of a .cpg) -> code page; 87 is "current ANSI".
_LDID = {1: 437, 2: 850, 3: 1252, 19: 932, 38: 866, 77: 936, 78: 949, 79: 950, 80: 874, 88: 1252,
         89: 1252, 100: 852, 101: 866, 200: 1250, 201: 1251, 202: 1254, 203: 1253, 204: 1257}  # fmt: skip
_CPG_EXAMPLES = "UTF-8, GBK (936), GB18030, BIG5 (950), 874, 1252, koi8r, EUC-KR"
_CPG_SAYS_NOTHING = ("", "SYSTEM", "ANSI", "OEM", "LDID/87", "LDID/0")

#: What pyogrio raises for a file GDAL cannot read; all become a DataSourceError.
ogr_errors = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
)


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


def find_shapefiles(path: Path, *, source: str | None = None) -> list[ShapefileRef]:
    """All shapefiles in a .zip archive, or the one .shp at ``path`` with its sidecars."""
    if path.suffix.lower() == ".zip":
        with _archive.open_zip(path, source or str(path)) as zf:
            names = _archive.member_names(zf)
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
    for sibling in path.parent.glob(f"{glob_escape(path.stem)}.*"):
        if sibling.stem == path.stem:
            members[sibling.suffix.lower().lstrip(".")] = str(sibling)
    return [ShapefileRef(path.stem, str(path), members)]


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped (a file named ``a[1].shp``)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _cpg_candidate(raw: str) -> str | None:
    """The encoding a .cpg value names, as GDAL reads .cpg files plus the Windows forms it misses."""
    key = raw.upper().replace(" ", "").replace("_", "").replace("-", "")
    if key.startswith("LDID/"):
        cp = _LDID.get(int(key[5:])) if key[5:].isdigit() else None
        return _cpg_candidate(str(cp)) if cp else None
    if key in _CPG_NAMES:
        return _CPG_NAMES[key]
    if key.startswith("ANSI") and key[4:].isdigit():  # "ANSI 1251"
        key = key[4:]
    if key.startswith("8859") and 5 <= len(key) <= 6:  # 88591, 8859-5
        return f"ISO-8859-{key[4:]}"
    if key.isdigit():
        number = int(key)
        if 28591 <= number <= 28606:
            return f"ISO-8859-{number - 28590}"
        if 437 <= number <= 950 or 1250 <= number <= 1258:
            return f"CP{number}"
        return None
    # The value itself (Big5, EUC-KR, KOI8-R ...), or with a hyphen before a last letter (koi8r).
    for guess in (raw, raw[:-1] + "-" + raw[-1:] if raw[-1:].isalpha() and raw[-2:-1].isdigit() else raw):
        if python_codec(guess):
            return guess.upper()
    return None


def encoding_from_cpg(text: str, *, source: str) -> str | None:
    """The encoding a ``.cpg`` names (``UTF-8``, ``GBK``, ``CP874``, ``KOI8-R`` ...); None if it says nothing usable.

    Raises
    ------
    DataSourceError
        If the .cpg names an encoding that is not known (the message quotes it).
    """
    raw = text.strip().lstrip("\ufeff").strip()
    if raw.upper().replace(" ", "") in _CPG_SAYS_NOTHING:
        return None
    found = _cpg_candidate(raw)
    codec = python_codec(found) if found else None
    if codec is not None:
        return "UTF-8" if codec == "utf-8" else str(found)
    shown = raw[:40]
    msg = f"{source}: the .cpg names the encoding {shown!r}, which is not known; expected e.g. {_CPG_EXAMPLES}"
    zh = f"{zh_label(source)}：.cpg 文件声明的编码“{shown}”无法识别；应为 {_CPG_EXAMPLES} 等"
    raise DataSourceError(msg, zh=zh)


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


def sniff_dbf_encoding(data: bytes, *, source: str = "the .dbf") -> str | None:
    """Guess a .dbf's text encoding: ``"UTF-8"``, ``"GBK"``, ``"GB18030"``, or None for plain ASCII.

    GBK/GB18030 only when the decoded text looks like Chinese (``gis._encoding``).

    Raises
    ------
    DataSourceError
        If the text is none of these: naming the encodings tried, the likely ones, and --encoding.
    """
    cells = _dbf_text_cells(data)
    if not cells:
        return None
    if decodes(cells, "utf-8"):
        return "UTF-8"
    for encoding in ("GBK", "GB18030"):
        if gbk_plausible(cells, encoding):
            return encoding
    raise undecidable_error(source, cells)


def _shapefile_encoding(ref: ShapefileRef, *, source: str) -> tuple[str | None, str]:
    """The attribute encoding of a shapefile and a note saying how it was found."""
    head = ref.read_bytes("dbf", 32) or b""
    hlen = int.from_bytes(head[8:10], "little") if len(head) >= 12 else 0
    rlen = int.from_bytes(head[10:12], "little") if len(head) >= 12 else 0
    dbf = ref.read_bytes("dbf", hlen + rlen * _DBF_SAMPLE_RECORDS) or b""
    limit = active_limits().config_bytes
    cpg = ref.read_bytes("cpg", limit + 1)
    cpg_source = Label(f"{source} ({ref.name}.cpg)", f"{zh_label(source)}（{ref.name}.cpg）")
    if cpg is not None and len(cpg) > limit:
        raise limit_error(CONFIG_BYTES, len(cpg) - 1, cpg_source, at_least=True)
    declared = encoding_from_cpg(cpg.decode("ascii", "replace"), source=cpg_source) if cpg else None
    cells = _dbf_text_cells(dbf)
    if declared and decodes(cells, str(python_codec(declared))):
        return declared, _from_cpg(declared)
    dbf_source = Label(f"{source} ({ref.name}.dbf)", f"{zh_label(source)}（{ref.name}.dbf）")
    sniffed = sniff_dbf_encoding(dbf, source=dbf_source)
    if declared:
        return sniffed, Text(
            f".cpg 声明 {declared}，但属性文字不是 {declared}，已按 {sniffed} 读取",
            f"the .cpg says {declared} but the attribute text is not {declared}; read as {sniffed}",
        )
    if sniffed is None:
        return "UTF-8", Text("属性为纯 ASCII 文本", "attribute text is plain ASCII")
    return sniffed, Text(f"无 .cpg，按内容识别属性编码为 {sniffed}", f"no .cpg: attribute encoding detected as {sniffed}")


def _from_cpg(encoding: str) -> Text:
    return Text(f"属性编码按 .cpg 为 {encoding}", f"attribute encoding {encoding} from the .cpg")


def _unreadable(source: str, err: BaseException) -> DataSourceError:
    msg = f"{source} cannot be read as a vector file ({err}); expected a valid GeoJSON, Shapefile, GeoPackage, FileGDB or DXF"
    zh = f"{zh_lead(source)}无法作为矢量数据读取（{err}）；应为有效的 GeoJSON、Shapefile、GeoPackage、FileGDB 或 DXF 文件"
    return DataSourceError(msg, zh=zh)


def _redecode(gdf: gpd.GeoDataFrame, codec: str, source: str) -> gpd.GeoDataFrame:
    """Text GDAL handed over as ISO-8859-1 (the raw bytes), decoded with Python's ``codec``."""

    def fix(value: object) -> object:
        if not isinstance(value, str):
            return value
        raw = value.encode("latin-1")
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            # A multi-byte character cut at the field width: drop the broken tail.
            return raw.decode(codec, "ignore")

    geom = gdf.geometry.name
    out = gdf.rename(columns={c: fix(c) for c in gdf.columns if c != geom})
    for col in out.columns:
        if col != geom and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = pd.Series([fix(v) for v in out[col]], index=out.index, dtype=object)
    return out


def _read_layer(
    gdal_path: str, *, layer: str | int | None, encoding: str | None, source: str, **options: object
) -> gpd.GeoDataFrame:
    codec = python_codec(encoding) if encoding else None
    gdal_encoding = encoding if codec in (None, "utf-8") else "ISO-8859-1"
    try:
        # on_invalid="ignore": unreadable WKB becomes a null geometry, which the caller
        # reports by feature number instead of a GEOS traceback.
        gdf = pyogrio.read_dataframe(
            gdal_path, layer=layer, encoding=gdal_encoding, use_arrow=True, on_invalid="ignore", **options
        )
    except (*ogr_errors, UnicodeDecodeError, ValueError, OSError) as err:
        raise _unreadable(source, err) from err
    if codec not in (None, "utf-8"):
        gdf = _redecode(gdf, str(codec), source)
    return gdf


@contextlib.contextmanager
def _extracted(ref: ShapefileRef, source: str) -> Iterator[ShapefileRef]:
    """A zipped shapefile's members extracted (within the limits) to a temporary folder."""
    if ref.zip_path is None:
        yield ref
        return
    with tempfile.TemporaryDirectory(prefix="gis-shp-") as tmp, _archive.open_zip(ref.zip_path, source) as zf:
        _archive.check_members(zf, list(ref.members.values()), source)
        budget = _archive.ArchiveBudget(source)
        members = {}
        for ext, member in ref.members.items():
            dest = Path(tmp) / f"layer.{ext}"
            _archive.extract_member(zf, member, dest, source, budget=budget)
            members[ext] = str(dest)
        yield ShapefileRef(ref.name, members["shp"], members)


def read_shapefile(path: Path, *, layer: str | None, encoding: str | None, source: str) -> VectorRead:
    """Read one shapefile (bare or zipped) with the encoding and CRS rules of this module."""
    refs = find_shapefiles(path, source=source)
    if not refs:
        msg = f"{source} contains no shapefile (.shp); expected a zip with name.shp, name.shx, name.dbf and name.prj"
        zh = f"{zh_lead(source)}中没有 Shapefile（.shp）；应为包含 name.shp、name.shx、name.dbf 和 name.prj 的压缩包"
        raise DataSourceError(msg, zh=zh)
    chosen = _choose_shapefile(refs, layer=layer, source=source)
    missing = [ext for ext in ("shx", "dbf") if ext not in chosen.members]
    if missing:
        names = ", ".join(f"{chosen.name}.{ext}" for ext in missing)
        msg = f"{source}: shapefile {chosen.name}.shp lacks {names}; a shapefile needs its .shp, .shx and .dbf (and a .prj) together"
        names_zh = "、".join(f"{chosen.name}.{ext}" for ext in missing)
        zh = (
            f"{zh_label(source)}：Shapefile {chosen.name}.shp 缺少 {names_zh}；Shapefile 的 .shp、.shx、.dbf"
            "（以及 .prj）文件必须放在一起"
        )
        raise DataSourceError(msg, zh=zh)
    with _extracted(chosen, source) as ref:
        _check_feature_count(ref.gdal_path, None, source)
        notes = []
        if encoding is None:
            encoding, note = _shapefile_encoding(ref, source=source)
            notes.append(note)
        gdf = _read_layer(ref.gdal_path, layer=None, encoding=encoding, source=source)
        prj = ref.read_bytes("prj", active_limits().config_bytes + 1)
    crs = None
    if prj:
        prj_source = Label(f"{source} ({ref.name}.prj)", f"{zh_label(source)}（{ref.name}.prj）")
        if len(prj) > active_limits().config_bytes:
            raise limit_error(CONFIG_BYTES, len(prj) - 1, prj_source, at_least=True)
        crs_obj = crs_from_prj(prj.decode("utf-8", "replace"), source=prj_source)
        crs = CrsChoice(crs_obj, crs_label(crs_obj))
    return VectorRead(gdf, crs, ref.name, encoding, tuple(notes))


def _check_feature_count(gdal_path: str, layer: str | int | None, source: str) -> None:
    """Refuse a layer with more features than the limit, from its header, before reading it."""
    try:
        count = int(pyogrio.read_info(gdal_path, layer=layer, force_feature_count=False).get("features", -1))
    except (*ogr_errors, OSError, ValueError) as err:
        raise _unreadable(source, err) from err
    if count >= 0:
        check_count(FEATURES, count, source)


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
    except (*ogr_errors, OSError, ValueError) as err:
        msg = f"{source} cannot be opened ({err}); expected a GeoPackage, GeoJSON, FileGDB, DXF or Shapefile"
        zh = f"无法打开 {zh_label(source)}（{err}）；应为 GeoPackage、GeoJSON、FileGDB、DXF 或 Shapefile 文件"
        raise DataSourceError(msg, zh=zh) from err
    return [(str(name), str(gtype)) for name, gtype in layers if gtype is not None]


def _pick_layer(layers: list[tuple[str, str]], layer: str | int | None, source: str) -> str:
    names = [name for name, _ in layers]
    if layer is None:
        if len(layers) > 1:
            listed = ", ".join(f"{n} ({g})" for n, g in layers)
            msg = f"{source} has {len(layers)} layers: {listed}; choose one with layer= (--layer)"
            listed_zh = "、".join(f"{n}（{g}）" for n, g in layers)
            zh = f"{zh_lead(source)}中有 {len(layers)} 个图层：{listed_zh}；请选择其中一个图层（命令行用 --layer）"
            raise DataSourceError(msg, zh=zh)
        return names[0]
    if isinstance(layer, int):
        if not 0 <= layer < len(names):
            msg = f"{source} has no layer number {layer}; it has {len(names)} layer(s): {', '.join(names)}"
            zh = f"{zh_lead(source)}中没有序号为 {layer} 的图层（从 0 起编号）；共有 {len(names)} 个图层：{'、'.join(names)}"
            raise DataSourceError(msg, zh=zh)
        return names[layer]
    if layer not in names:
        msg = f"{source} has no layer {layer!r}; its layers are {', '.join(names)}"
        zh = f"{zh_lead(source)}中没有图层“{layer}”；现有图层：{'、'.join(names)}"
        raise DataSourceError(msg, zh=zh)
    return layer


def read_ogr(
    path: Path | str, *, layer: str | int | None, encoding: str | None, source: str, kind: str = "GeoPackage"
) -> VectorRead:
    """Read one layer of a GeoPackage, GeoJSON, FileGDB or DXF (a file with several layers needs ``layer``).

    ``kind`` names the format for the layer label: GeoPackage and FileGDB layers are named
    in the result, a GeoJSON's or DXF's single layer is not.
    """
    layers = spatial_layers(str(path), source=source)
    if not layers:
        msg = f"{source} has no layer with geometry; expected at least one point, line or polygon layer"
        raise DataSourceError(msg, zh=f"{zh_lead(source)}中没有带几何的图层；应至少有一个点、线或面图层")
    name = _pick_layer(layers, layer, source)
    try:
        info = pyogrio.read_info(str(path), layer=name, force_feature_count=False)
    except (*ogr_errors, OSError, ValueError) as err:
        raise _unreadable(source, err) from err
    if int(info.get("features", -1)) >= 0:
        check_count(FEATURES, int(info["features"]), source)
    crs = _layer_crs(info.get("crs"), source=Label(f"{source} layer {name}", f"{zh_label(source)} 图层 {name}"))
    # GeoPackage, GeoJSON and FileGDB text is UTF-8 (pyogrio's Arrow reader hands it over so),
    # so an encoding option is ignored here, visibly.
    gdf = _read_layer(str(path), layer=name, encoding=None, source=source)
    notes: tuple[str, ...] = ()
    if encoding and python_codec(encoding) != "utf-8" and kind != "DXF":
        notes = (
            Text(f"{kind} 文本总是 UTF-8，已忽略编码 {encoding}", f"{kind} text is always UTF-8; encoding {encoding} ignored"),
        )
    named = kind in ("GeoPackage", "FileGDB")
    return VectorRead(gdf, crs, str(name) if named else None, "UTF-8", notes)


def gdal_layer_count(path: str) -> int:
    """Number of layers GDAL sees (0 when it cannot open the file)."""
    try:
        return len(pyogrio.list_layers(path))
    except (*ogr_errors, OSError, ValueError):
        return 0
