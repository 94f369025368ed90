"""界址点坐标 TXT: the boundary-point exchange format of land approvals and surveys.

Private helper of ``gis.io``. The format (国土资源部 建设用地勘测定界 / 土地整治 exchange
files; every county's land-use approvals arrive in it) is plain text, usually GBK::

    [属性描述]
    格式版本号=1.01
    坐标系=2000国家大地坐标系
    几度分带=3
    投影类型=高斯克吕格
    计量单位=米
    带号=38
    精度=0.001
    [地块坐标]
    5,0.1523,1,某某项目用地,面,H49G001001,工业用地,,@
    J1,1,3131200.000,38500000.000
    J2,1,3131200.000,38500100.000
    ...

After ``[地块坐标]`` each parcel starts with a header line — 界址点数, 地块面积 (公顷),
地块编号, 地块名称, 记录图形属性 (点/线/面), 图幅号, 地块用途, 地类编码, ending in ``@``
— followed by its points ``点号,圈号,X,Y``: 圈号 numbers the rings (1 the outer boundary,
2, 3 ... further rings: holes when inside another ring, else further parts); X is the
northing and Y the easting, as Chinese surveying writes them (the reverse of x/y in GIS).

The coordinate system is the header's: 坐标系 (2000国家大地坐标系 = CGCS2000; 西安 80 and
北京 54 are refused, as for .prj files), 几度分带 (3 or 6), 带号 and/or 中央子午线 give the
Gauss-Kruger zone; eastings with the zone number in front (``38500000``) select the
zone-prefixed EPSG code. Where the header does not say, ``crs=`` (``--crs``) must.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from gis.crs import gk_epsg
from gis.errors import CRSError, InputError, zh_label, zh_lead
from gis.text import Text

__all__ = ["PARCEL_SECTION", "looks_like_parcels", "ParcelRead", "read_parcels"]

PARCEL_SECTION = "[地块坐标]"
_ATTR_SECTION = "[属性描述]"
_HEADER_FIELDS = ("界址点数", "地块面积", "地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码")
_POINT_RE = re.compile(r"^\s*([^,]+?)\s*,\s*(\d+)\s*,\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*(?:,.*)?$")
_OLD_DATUMS = (
    ("西安", "1980 西安坐标系", "Xian 1980"),
    ("北京", "1954 年北京坐标系", "Beijing 1954"),
    ("54", "1954 年北京坐标系", "Beijing 1954"),
    ("80", "1980 西安坐标系", "Xian 1980"),
)
_CGCS_NAMES = ("2000", "cgcs")
_EXPECTED = (
    "expected a [地块坐标] section with a parcel header line (界址点数,地块面积,地块编号,地块名称,面,...,@) "
    "followed by point rows 点号,圈号,X,Y (e.g. J1,1,3131200.000,38500000.000)"
)
_EXPECTED_ZH = "应有 [地块坐标] 段：每个地块先一行地块信息（界址点数,地块面积,地块编号,地块名称,面,……,@），其后每行一个界址点“点号,圈号,X,Y”（如 J1,1,3131200.000,38500000.000）"


def looks_like_parcels(text: str) -> bool:
    """True if the text is a 界址点坐标 file (has a ``[地块坐标]`` section)."""
    return PARCEL_SECTION in text


@dataclass(frozen=True)
class ParcelRead:
    """Parcels as polygons (or lines/points as the header says), the CRS the header names, notes."""

    gdf: gpd.GeoDataFrame
    crs: CRS | None
    crs_label: str | None
    notes: tuple[str, ...]


def _header_block(lines: list[str]) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            header[key.strip()] = value.strip()
    return header


def _split_sections(text: str) -> tuple[dict[str, str], list[tuple[int, str]]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    attr: list[str] = []
    body: list[tuple[int, str]] = []
    section = ""
    for no, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if line.startswith("[") and line.endswith("]"):
            section = line
            continue
        if not line:
            continue
        if section == _ATTR_SECTION:
            attr.append(line)
        elif section == PARCEL_SECTION:
            body.append((no, line))
    return _header_block(attr), body


@dataclass
class _Parcel:
    line: int
    fields: list[str]
    points: list[tuple[int, float, float, int]]  # (ring, northing X, easting Y, line)


def _parse_body(body: list[tuple[int, str]], source: str) -> list[_Parcel]:
    parcels: list[_Parcel] = []
    for no, line in body:
        point = None if line.endswith("@") else _POINT_RE.match(line)
        if point is None and (line.endswith("@") or line.count(",") >= 4):
            # A parcel header line (ends in @; some writers leave the @ out).
            parcels.append(_Parcel(no, [f.strip() for f in line.rstrip("@").split(",")], []))
            continue
        if point is None:
            msg = f"{source}: line {no} {line[:60]!r} is neither a parcel header nor a point row; {_EXPECTED}"
            zh = f"{zh_label(source)}：第 {no} 行“{line[:60]}”既不是地块信息行也不是界址点行；{_EXPECTED_ZH}"
            raise InputError(msg, zh=zh)
        if not parcels:
            msg = f"{source}: line {no} is a point row before any parcel header line; {_EXPECTED}"
            zh = f"{zh_label(source)}：第 {no} 行是界址点行，但其前没有地块信息行；{_EXPECTED_ZH}"
            raise InputError(msg, zh=zh)
        try:
            x, y = float(point.group(3)), float(point.group(4))
        except ValueError:
            x = y = float("nan")
        if not (np.isfinite(x) and np.isfinite(y)):
            msg = f"{source}: line {no} {line[:60]!r} has a coordinate that is not a finite number"
            raise InputError(msg, zh=f"{zh_label(source)}：第 {no} 行“{line[:60]}”的坐标不是有效数值")
        parcels[-1].points.append((int(point.group(2)), x, y, no))
    if not parcels:
        msg = f"{source} has no parcel in its [地块坐标] section; {_EXPECTED}"
        raise InputError(msg, zh=f"{zh_lead(source)}的 [地块坐标] 段中没有地块；{_EXPECTED_ZH}")
    return parcels


def _rings(parcel: _Parcel) -> dict[int, np.ndarray]:
    rings: dict[int, list[tuple[float, float]]] = {}
    for ring, x, y, _ in parcel.points:
        rings.setdefault(ring, []).append((y, x))  # X = northing, Y = easting -> (easting, northing)
    return {k: np.asarray(v, dtype="float64") for k, v in rings.items()}


def _polygon(parcel: _Parcel, source: str, name: str) -> BaseGeometry:
    rings = _rings(parcel)
    short = [k for k, xy in rings.items() if len(np.unique(xy, axis=0)) < 3]
    if short:
        msg = f"{source}: parcel {name!r} (line {parcel.line}) ring {short[0]} has fewer than 3 distinct points"
        zh = f"{zh_label(source)}：地块“{name}”（第 {parcel.line} 行）的第 {short[0]} 圈不足 3 个不同的界址点"
        raise InputError(msg, zh=zh)
    polys = [shapely.Polygon(xy) for _, xy in sorted(rings.items())]
    # A ring inside an odd number of other rings is a hole of the smallest one holding it.
    order = sorted(range(len(polys)), key=lambda i: polys[i].area, reverse=True)
    depth = {i: sum(1 for j in order if j != i and polys[j].contains(polys[i])) for i in order}
    shells: dict[int, list[int]] = {i: [] for i in order if depth[i] % 2 == 0}
    for i in order:
        if depth[i] % 2 == 1:
            holders = [j for j in shells if polys[j].contains(polys[i])]
            owner = min(holders, key=lambda j: polys[j].area)
            shells[owner].append(i)
    parts = [
        shapely.Polygon(polys[s].exterior.coords, [polys[h].exterior.coords for h in holes])
        for s, holes in shells.items()
    ]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _geometry(parcel: _Parcel, kind: str, source: str, name: str) -> BaseGeometry:
    if not parcel.points:
        msg = f"{source}: parcel {name!r} (line {parcel.line}) has no point rows"
        raise InputError(msg, zh=f"{zh_label(source)}：地块“{name}”（第 {parcel.line} 行）没有界址点")
    if kind == "点":
        return shapely.MultiPoint([(y, x) for _, x, y, _ in parcel.points])
    if kind == "线":
        lines = [shapely.LineString(xy) for xy in _rings(parcel).values() if len(xy) >= 2]
        return lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)
    return _polygon(parcel, source, name)


def _field(fields: list[str], i: int) -> str:
    return fields[i] if i < len(fields) else ""


def _frame(parcels: list[_Parcel], source: str) -> gpd.GeoDataFrame:
    records = []
    geoms = []
    for k, parcel in enumerate(parcels, start=1):
        row = {name: _field(parcel.fields, i) for i, name in enumerate(_HEADER_FIELDS)}
        name = row["地块名称"] or row["地块编号"] or f"#{k}"
        row["name"] = name
        kind = row["图形属性"] or "面"
        geoms.append(_geometry(parcel, kind, source, name))
        records.append(row)
    gdf = gpd.GeoDataFrame(records, geometry=gpd.GeoSeries(geoms))
    area = gdf["地块面积"].astype(str).str.strip()
    numeric = area.str.fullmatch(r"[-+]?[0-9]*\.?[0-9]+")
    if numeric.all():
        gdf["地块面积"] = area.astype(float)
    return gdf


def _header_number(header: Mapping[str, str], *keys: str) -> float | None:
    for key in keys:
        for k, v in header.items():
            if key in k:
                m = re.search(r"[-+]?\d+(?:\.\d+)?", v)
                if m:
                    return float(m.group(0))
    return None


def _header_text(header: Mapping[str, str], key: str) -> str:
    return next((v for k, v in header.items() if key in k), "")


def _header_crs(header: Mapping[str, str], eastings: np.ndarray, source: str) -> tuple[CRS | None, str | None]:
    """The Gauss-Kruger CRS the header names, or (None, None) when it names none."""
    system = _header_text(header, "坐标系")
    zone = _header_number(header, "带号")
    cm = _header_number(header, "中央子午线", "中央经线")
    width_value = _header_number(header, "分带")
    if not system and zone is None and cm is None:
        return None, None
    lowered = system.lower()
    if system and not any(h in lowered for h in _CGCS_NAMES):
        for hint, zh_name, en_name in _OLD_DATUMS:
            if hint in system:
                msg = (
                    f"{source} is in the {en_name} coordinate system ({system}); it differs from CGCS2000 by up to "
                    "about 100 m and no accurate public transformation exists: convert the boundary points to "
                    "2000国家大地坐标系 (CGCS2000) first"
                )
                zh = (
                    f"{zh_lead(source)}使用 {zh_name}（{system}），与 2000 国家大地坐标系相差可达约 100 米，且没有足够"
                    "精确的公开转换参数：请先将界址点转换为 2000 国家大地坐标系"
                )
                raise CRSError(msg, zh=zh)
    width = 6 if width_value == 6 else 3
    prefixed = bool(len(eastings)) and bool(np.all(eastings > 1e7))
    if prefixed:
        data_zone = int(eastings.min() // 1e6)
        zone = zone if zone is not None else float(data_zone)
        if int(zone) != data_zone:
            msg = f"{source}: the header says zone (带号) {zone:g} but the eastings (Y) carry zone {data_zone}"
            zh = f"{zh_label(source)}：文件头的带号为 {zone:g}，但界址点的 Y 坐标带号为 {data_zone}"
            raise CRSError(msg, zh=zh)
    if cm is None and zone is not None:
        cm = zone * 3 if width == 3 else zone * 6 - 3
    if cm is None:
        return None, None
    code = gk_epsg(cm, zone_width=width, zone_prefix=prefixed)  # type: ignore[arg-type]
    return CRS.from_epsg(code), f"EPSG:{code}"


def read_parcels(text: str, *, source: str, crs_given: bool) -> ParcelRead:
    """Parse a 界址点坐标 TXT.

    Raises
    ------
    InputError
        A malformed line (the message names it) or a parcel without enough points.
    CRSError
        The header names an old datum, contradicts the coordinates, or names no coordinate
        system while ``crs_given`` is False.
    """
    header, body = _split_sections(text)
    parcels = _parse_body(body, source)
    gdf = _frame(parcels, source)
    eastings = np.asarray([y for p in parcels for _, _, y, _ in p.points], dtype="float64")
    crs, label = _header_crs(header, eastings, source)
    notes = [
        Text(
            f"界址点坐标文件：{len(parcels)} 个地块，X 为北坐标、Y 为东坐标",
            f"boundary-point file: {len(parcels)} parcel(s), X = northing, Y = easting",
        )
    ]
    if crs is not None:
        notes.append(Text(f"坐标系取自文件头：{label}", f"CRS from the file header: {label}"))
    elif not crs_given:
        msg = (
            f"{source} does not say its coordinate system (no 坐标系 / 带号 / 中央子午线 in [属性描述]); give it "
            "with --crs (crs=), e.g. --crs EPSG:4547 for CGCS2000 3-degree Gauss-Kruger CM 114E, or EPSG:4526 "
            "when the Y values carry the zone number 38"
        )
        zh = (
            f"{zh_lead(source)}未说明坐标系（[属性描述] 中没有 坐标系、带号 或 中央子午线）；请用 --crs 指定，"
            "如 CGCS2000 3 度带中央经线 114°E 为 --crs EPSG:4547，Y 坐标带带号 38 时为 EPSG:4526"
        )
        raise CRSError(msg, zh=zh)
    return ParcelRead(gdf, crs, label, tuple(notes))
