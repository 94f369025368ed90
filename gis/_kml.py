"""Reading KML and KMZ (Google Earth, 奥维互动地图, 91卫图 exports).

Private helper of ``gis.io``. KML is parsed here with the standard library instead of
GDAL because both GDAL drivers lose what Chinese users put in it: LIBKML turns non-ASCII
ExtendedData field names (``规模``) into underscores, and the plain KML driver drops
ExtendedData altogether. KML files are small (hand-drawn features), so a per-Placemark
loop is fine here.

Each Placemark becomes one feature with ``name``, ``description``, its ExtendedData fields
and ``folder`` (the Folder path, ``/``-separated) when the document has folders. KML
coordinates are WGS84 longitude, latitude[, altitude] by definition.

What GPS apps and other writers put in KML is read too: ``gx:Track`` (a recorded line,
``<gx:coord>lon lat alt</gx:coord>`` per fix) and ``gx:MultiTrack`` become lines, and the
non-conformant ``<MultiPolygon>``/``<MultiLineString>``/``<MultiPoint>`` tags (GDAL reads
them; Google Earth shows them) are taken as the MultiGeometry they mean. A
``NetworkLink`` points at content elsewhere that is never fetched (the product makes no
requests of its own): the read says so in a note, and a document with nothing but links
is refused with that reason.

A KMZ is a zip archive: it is opened through ``gis._archive`` (damage and zip bombs are
refused with a clear message), and its KML is held to the ``text_bytes`` limit.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import _archive
from gis._tabular import numeric_attributes
from gis.errors import DataSourceError, Label, zh_label, zh_lead
from gis.limits import active_limits
from gis.text import Text

__all__ = ["ROOT_FOLDER", "KmlDocument", "read_kml_document", "kml_to_frame", "folder_summary"]

#: Layer name for placemarks that sit in no Folder (what ``list_layers`` reports for them).
ROOT_FOLDER = "(根目录 / top level)"

_MULTI_TAGS = ("MultiGeometry", "MultiPolygon", "MultiLineString", "MultiPoint", "MultiTrack")
_GEOMETRY_TAGS = ("Point", "LineString", "LinearRing", "Polygon", "Track", *_MULTI_TAGS)
_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_.:-]+)[\"'][^>]*\?>")
_EXPAT_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "utf-16"}


@dataclass(frozen=True)
class KmlDocument:
    """Placemarks of one KML document, flattened: (folder path, attributes, geometry)."""

    features: tuple[tuple[str, dict[str, str], BaseGeometry | None], ...]
    encoding: str
    has_folders: bool
    notes: tuple[str, ...] = ()


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _text(elem: ET.Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


def _coords(elem: ET.Element | None, *, source: str) -> np.ndarray:
    text = _text(_child(elem, "coordinates") if elem is not None else None)
    # Some tools write "lon, lat" with a space after the comma; tuples are space-separated.
    tuples = re.sub(r"\s*,\s*", ",", text).split()
    try:
        rows = [[float(v) for v in t.split(",")] for t in tuples]
    except ValueError:
        msg = f"{source}: KML coordinates {text[:60]!r} are not numbers; expected 'lon,lat[,alt] lon,lat[,alt] ...'"
        zh = f"{zh_label(source)}：KML 坐标“{text[:60]}”不是数字；应为“经度,纬度[,高程] 经度,纬度[,高程] ……”"
        raise DataSourceError(msg, zh=zh) from None
    if any(len(r) not in (2, 3) for r in rows):
        msg = f"{source}: KML coordinates {text[:60]!r} are not 'lon,lat[,alt]' tuples separated by spaces"
        zh = f"{zh_label(source)}：KML 坐标“{text[:60]}”不是以空格分隔的“经度,纬度[,高程]”组"
        raise DataSourceError(msg, zh=zh)
    return np.asarray([r[:2] for r in rows], dtype="float64").reshape(-1, 2)


def _geometry(elem: ET.Element, *, source: str) -> BaseGeometry | None:
    kind = _local(elem.tag)
    if kind == "Point":
        xy = _coords(elem, source=source)
        return shapely.points(xy[0]) if len(xy) else None
    if kind in ("LineString", "LinearRing"):
        xy = _coords(elem, source=source)
        return shapely.linestrings(xy) if len(xy) >= 2 else None
    if kind == "Polygon":
        return _polygon(elem, source=source)
    if kind == "Track":
        xy = _track_coords(elem, source=source)
        return shapely.linestrings(xy) if len(xy) >= 2 else (shapely.points(xy[0]) if len(xy) else None)
    parts = [g for g in (_geometry(c, source=source) for c in elem if _local(c.tag) in _GEOMETRY_TAGS) if g is not None]
    if not parts:
        return None
    types = {p.geom_type for p in parts}
    if types == {"Polygon"}:
        return shapely.multipolygons(parts)
    if types == {"LineString"}:
        return shapely.multilinestrings(parts)
    if types == {"Point"}:
        return shapely.multipoints(parts)
    return shapely.geometrycollections(parts)


def _track_coords(elem: ET.Element, *, source: str) -> np.ndarray:
    """The fixes of a ``gx:Track``: one ``<gx:coord>lon lat [alt]</gx:coord>`` each (space-separated)."""
    rows = []
    for c in elem:
        if _local(c.tag) != "coord":
            continue
        values = _text(c).split()
        try:
            numbers = [float(v) for v in values]
        except ValueError:
            numbers = []
        if len(numbers) not in (2, 3):
            msg = f"{source}: gx:coord {_text(c)[:60]!r} is not 'lon lat [alt]'"
            zh = f"{zh_label(source)}：gx:coord“{_text(c)[:60]}”不是“经度 纬度 [高程]”"
            raise DataSourceError(msg, zh=zh)
        rows.append(numbers[:2])
    return np.asarray(rows, dtype="float64").reshape(-1, 2)


def _polygon(elem: ET.Element, *, source: str) -> BaseGeometry | None:
    outer = _child(elem, "outerBoundaryIs")
    shell = _coords(_child(outer, "LinearRing") if outer is not None else None, source=source)
    if len(shell) < 3:
        return None
    holes = []
    for inner in (c for c in elem if _local(c.tag) == "innerBoundaryIs"):
        for ring in (c for c in inner if _local(c.tag) == "LinearRing"):
            xy = _coords(ring, source=source)
            if len(xy) >= 3:
                holes.append(xy)
    # shapely closes rings that are not closed, as KML viewers do.
    return shapely.polygons(shapely.linearrings(shell), holes=[shapely.linearrings(h) for h in holes] or None)


def _extended_data(placemark: ET.Element) -> dict[str, str]:
    attrs: dict[str, str] = {}
    ext = _child(placemark, "ExtendedData")
    if ext is None:
        return attrs
    for item in ext.iter():
        tag = _local(item.tag)
        if tag == "Data" and item.get("name"):
            attrs[str(item.get("name"))] = _text(_child(item, "value"))
        elif tag == "SimpleData" and item.get("name"):
            attrs[str(item.get("name"))] = _text(item)
    return attrs


def _walk(elem: ET.Element, folder: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], ET.Element]]:
    """(folder path, element) of every Placemark and NetworkLink, in document order."""
    for child in elem:
        tag = _local(child.tag)
        if tag in ("Placemark", "NetworkLink"):
            yield folder, child
        elif tag == "Folder":
            yield from _walk(child, (*folder, _text(_child(child, "name")) or "未命名 / unnamed"))
        elif tag in ("Document", "kml"):
            yield from _walk(child, folder)


def _parse_xml(data: bytes, *, source: str) -> tuple[ET.Element, str]:
    declared = _DECL_RE.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "UTF-8"
    try:
        if encoding.lower() in _EXPAT_ENCODINGS:
            return ET.fromstring(data), encoding.upper()
        # expat only knows UTF-8/16 and Latin-1: decode GBK etc. in Python, drop the declaration.
        text = data.decode(encoding)
        return ET.fromstring(_DECL_RE.sub(b"", text.encode("utf-8")).decode("utf-8")), encoding.upper()
    except (ET.ParseError, UnicodeDecodeError, LookupError) as err:
        msg = f"{source} is not readable KML ({err}); expected a KML 2.2 XML document (<kml><Document><Placemark>...)"
        zh = f"{zh_lead(source)}不是可读取的 KML（{err}）；应为 KML 2.2 XML 文档（<kml><Document><Placemark>……）"
        raise DataSourceError(msg, zh=zh) from err


def kmz_main_document(path: Path, *, source: str) -> bytes:
    """The KML inside a KMZ: ``doc.kml`` if present, else the first .kml at the top level.

    Raises
    ------
    DataSourceError
        A damaged archive, or one without a .kml.
    LimitError
        The KML would be bigger than the ``text_bytes`` limit, or the archive is a bomb.
    """
    with _archive.open_zip(path, source) as zf:
        kmls = [n for n in _archive.member_names(zf) if n.lower().endswith(".kml")]
        if not kmls:
            msg = f"{source} is a KMZ without a .kml document inside; expected doc.kml"
            raise DataSourceError(msg, zh=f"{zh_lead(source)}是 KMZ 文件，但其中没有 .kml 文档；应包含 doc.kml")
        kmls.sort(key=lambda n: (PurePosixPath(n).name.lower() != "doc.kml", n.count("/"), n))
        return _archive.read_member(zf, kmls[0], source, cap=active_limits().text_bytes)


def read_kml_document(data: bytes, *, source: str) -> KmlDocument:
    """Parse KML bytes into placemarks.

    Raises
    ------
    DataSourceError
        If the XML is malformed, not KML, or has no Placemark.
    """
    root, encoding = _parse_xml(data, source=source)
    if _local(root.tag) != "kml":
        msg = f"{source} is XML but not KML (root element <{_local(root.tag)}>); expected <kml>"
        zh = f"{zh_lead(source)}是 XML 文件，但不是 KML（根元素为 <{_local(root.tag)}>）；应为 <kml>"
        raise DataSourceError(msg, zh=zh)
    features: list[tuple[str, dict[str, str], BaseGeometry | None]] = []
    has_folders = False
    links: list[str] = []
    for folder, placemark in _walk(root, ()):
        if _local(placemark.tag) == "NetworkLink":
            link = _child(placemark, "Link")
            link = link if link is not None else _child(placemark, "Url")
            links.append(_text(_child(link, "href")) if link is not None else "")
            continue
        has_folders = has_folders or bool(folder)
        attrs = {"name": _text(_child(placemark, "name")), "description": _text(_child(placemark, "description"))}
        attrs.update(_extended_data(placemark))
        geom_elem = next((c for c in placemark if _local(c.tag) in _GEOMETRY_TAGS), None)
        placemark_id = attrs["name"] or len(features) + 1
        label = Label(f"{source} placemark {placemark_id!r}", f"{zh_label(source)} 的地标“{placemark_id}”")
        geom = _geometry(geom_elem, source=label) if geom_elem is not None else None
        features.append(("/".join(folder), attrs, geom))
    if not features and links:
        msg = (
            f"{source} holds only {len(links)} NetworkLink(s) ({_shown_links(links)}) and no Placemark; linked "
            "content is not fetched — open the link in Google Earth, save the places it shows as KML/KMZ, "
            "and use that file"
        )
        zh = (
            f"{zh_lead(source)}只有 {len(links)} 个网络链接（NetworkLink：{_shown_links(links)}），没有地标；"
            "本系统不读取链接指向的内容——请在 Google Earth 中打开该链接，把显示的地标另存为 KML/KMZ 后再使用"
        )
        raise DataSourceError(msg, zh=zh)
    if not features:
        msg = f"{source} has no Placemark; expected at least one point, line or polygon placemark"
        raise DataSourceError(msg, zh=f"{zh_lead(source)}中没有地标（Placemark）；应至少有一个点、线或面地标")
    notes: tuple[str, ...] = ()
    if links:
        notes = (
            Text(
                f"已忽略 {len(links)} 个网络链接（NetworkLink），链接指向的内容未读取：{_shown_links(links)}",
                f"{len(links)} NetworkLink(s) ignored, linked content not fetched: {_shown_links(links)}",
            ),
        )
    return KmlDocument(tuple(features), encoding, has_folders, notes)


def _shown_links(links: list[str]) -> str:
    shown = ", ".join(h[:80] or "(no href)" for h in links[:3])
    return shown + (" ..." if len(links) > 3 else "")


def folder_summary(doc: KmlDocument) -> list[tuple[str, str | None, int]]:
    """(folder path, geometry type or None if mixed, placemark count) in document order."""
    seen: dict[str, tuple[set[str], int]] = {}
    for folder, _, geom in doc.features:
        types, count = seen.get(folder or ROOT_FOLDER, (set(), 0))
        types.add(geom.geom_type if geom is not None else "None")
        seen[folder or ROOT_FOLDER] = (types, count + 1)
    return [(name, next(iter(types)) if len(types) == 1 else None, n) for name, (types, n) in seen.items()]


def kml_to_frame(doc: KmlDocument, *, layer: str | None, source: str) -> gpd.GeoDataFrame:
    """The placemarks as a GeoDataFrame (no CRS set); ``layer`` keeps one folder (and its sub-folders)."""
    rows = list(doc.features)
    if layer == ROOT_FOLDER:
        rows = [r for r in rows if r[0] == ""]
    elif layer is not None:
        rows = [r for r in rows if r[0] == layer or r[0].startswith(f"{layer}/") or r[0].split("/")[-1] == layer]
        if not rows:
            folders = sorted({r[0] for r in doc.features if r[0]})
            msg = f"{source} has no folder {layer!r}; its folders are {', '.join(folders) or '(none)'}"
            zh = f"{zh_lead(source)}中没有文件夹“{layer}”；现有文件夹：{'、'.join(folders) or '（无）'}"
            raise DataSourceError(msg, zh=zh)
    records = [attrs | ({"folder": folder} if doc.has_folders else {}) for folder, attrs, _ in rows]
    geoms = np.array([g for _, _, g in rows], dtype=object)
    frame = pd.DataFrame.from_records(records)
    # ExtendedData values are text in KML; numeric fields (规模 2000) become numbers as in CSV.
    extended = [c for c in frame.columns if c not in ("name", "description", "folder")]
    frame[extended] = numeric_attributes(frame[extended].fillna(""))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms))
