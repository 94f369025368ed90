"""Find a site: one search box for a place name, a county, coordinates or a report number.

What every map of the app offers above it (as Natural England's MAGIC does): the planner
types what they have — ``平江``, ``平江县``, ``112.94, 27.83``, ``27°50′N 112°56′E``, a
pair read off Gaode (GCJ-02) or Baidu (BD-09) with that choice, Gauss-Kruger ``X, Y``
from a survey drawing (a zone-numbered easting names its zone; plain metres need the zone
chosen) or a saved screening's report number — and the map goes there.

No Streamlit here: :func:`find_site` returns the matches, best first; the pages show them
(``ui/search.py``). Report numbers resolve only through a finder a deployment registers
(:func:`register_report_finder`; the saved screenings of the bureau's history), so the
box already recognises them and says so until one exists.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> towns = gpd.GeoDataFrame({"name": ["Pingjiang"], "name_zh": ["平江"], "county_name": ["平江县"],
...                           "prefecture_name": ["岳阳市"]}, geometry=[Point(113.58, 28.70)], crs="EPSG:4490")
>>> [f.label for f in find_site("平江", towns=towns)]
['平江（岳阳市·平江县）']
>>> hit = find_site("113.58, 28.70", towns=towns)[0]
>>> hit.kind, round(hit.lon, 2), round(hit.lat, 2)
('coords', 113.58, 28.7)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from gis.crs import STORAGE_CRS, gk_epsg
from gis.errors import InputError
from gis.text import Text
from zoning.lookup import find_places

__all__ = [
    "Found",
    "GK_ZONES",
    "divisions_frame",
    "zoom_for_bounds",
    "REPORT_NUMBER",
    "find_site",
    "register_report_finder",
    "report_finders",
    "search_crs_choices",
]

#: A report number as ``zoning.report.numbering.report_number`` writes it, in any case (a
#: number typed as ``ezs-…`` is still a number, not coordinates).
REPORT_NUMBER = re.compile(r"^\s*(EZS-\d{8}-[0-9A-F]{8})\s*$", re.IGNORECASE)
#: The 3-degree Gauss-Kruger zones over Hunan (central meridians 108°, 111°, 114°E):
#: the zone choices of the box for projected metres without a zone number.
GK_ZONES: tuple[int, ...] = (108, 111, 114)
#: Numbers this large are metres, not degrees.
_METRES = 1000.0


@dataclass(frozen=True)
class Found:
    """One match of a search: where to put the marker and what to show of the map.

    ``bounds`` (lon/lat) is the area to show for a county or prefecture; None for a point
    (a town, typed coordinates, a report's site). ``note`` says how typed coordinates
    were read (GCJ-02 converted, Gauss-Kruger zone, X/Y swapped) — None otherwise.
    """

    label: str
    lon: float
    lat: float
    kind: str  # "coords" | "town" | "county" | "prefecture" | "report"
    bounds: tuple[float, float, float, float] | None = None
    note: Text | None = None

    @property
    def is_point(self) -> bool:
        return self.bounds is None


ReportFinder = Callable[[str], "Found | None"]
_REPORT_FINDERS: list[ReportFinder] = []


def register_report_finder(finder: ReportFinder) -> None:
    """Let the search box find saved screenings by report number: ``finder(number)``
    returns the site of that screening (a :class:`Found` of kind ``report``) or None."""
    if finder not in _REPORT_FINDERS:
        _REPORT_FINDERS.append(finder)


def report_finders() -> tuple[ReportFinder, ...]:
    return tuple(_REPORT_FINDERS)


def search_crs_choices() -> tuple[str, ...]:
    """The coordinate systems the box offers: lon/lat (CGCS2000 = WGS84 for screening),
    GCJ-02, BD-09 and the Gauss-Kruger zones over Hunan (EPSG codes)."""
    return ("EPSG:4490", "gcj02", "bd09", *(f"EPSG:{gk_epsg(cm)}" for cm in GK_ZONES))


def find_site(
    query: str,
    *,
    towns: gpd.GeoDataFrame,
    divisions: gpd.GeoDataFrame | None = None,
    crs: str = STORAGE_CRS,
    limit: int = 20,
) -> list[Found]:
    """Everything ``query`` can mean, best first.

    Parameters
    ----------
    query
        A place name (town, county, prefecture — Chinese or romanised), a coordinate pair
        in any form ``gis.io.parse_coordinates`` reads, or a report number.
    towns
        Towns with ``name_zh``/``name`` points (``data/base/towns_geonames.geojson``).
    divisions
        Counties and prefectures: ``name`` and polygons in lon/lat (their bounds are shown).
    crs
        What typed coordinates are in (see :func:`search_crs_choices`). Projected metres
        typed with a lon/lat choice are read as Gauss-Kruger when the easting carries its
        zone number; otherwise the zone must be chosen.

    Raises
    ------
    InputError
        An empty query; coordinates that cannot be read (naming the value); metres
        without a zone; a report number no finder knows.
    """
    text = (query or "").strip()
    if not text:
        msg = "the search is empty; type a place (平江, 平江县), coordinates (112.94, 27.83) or a report number"
        raise InputError(msg, zh="查询内容为空；请输入地名（如 平江、平江县）、坐标（如 112.94, 27.83）或报告编号")
    number = REPORT_NUMBER.match(text)
    if number:
        return _reports(number.group(1).upper())
    if re.search(r"\d", text):
        return [_coordinates(text, crs)]
    return (_divisions(divisions, text) + _towns(towns, text))[:limit]


def _reports(number: str) -> list[Found]:
    found = [hit for finder in _REPORT_FINDERS if (hit := finder(number)) is not None]
    if found:
        return found
    if not _REPORT_FINDERS:
        msg = f"report number {number}: finding saved screenings is not enabled on this server; search by place or coordinates"
        zh = f"报告编号 {number}：本系统尚未启用已保存筛查记录的查询；请按地名或坐标查找"
    else:
        msg = f"report number {number} was not found among the saved screenings; check the number on the report's cover"
        zh = f"未在已保存的筛查记录中找到报告编号 {number}；请核对报告封面上的编号"
    raise InputError(msg, zh=zh)


def _coordinates(text: str, crs: str) -> Found:
    from gis.io import parse_coordinates

    numbers = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", text)]
    used = crs
    note: Text | None = None
    if len(numbers) == 2 and min(numbers) > _METRES and crs.lower() in ("epsg:4490", "epsg:4326", "gcj02", "bd09"):
        used, note = _gk_from_prefix(numbers[0], numbers[1], text)
    fs = parse_coordinates(text, crs=used, geometry="point")
    if len(fs.gdf) != 1:
        msg = f"{len(fs.gdf)} coordinate pairs were given; the search takes one pair (a point), e.g. 112.94, 27.83"
        raise InputError(msg, zh=f"输入了 {len(fs.gdf)} 对坐标；查找只接受一对坐标（一个点），如 112.94, 27.83")
    gdf = fs.gdf if fs.gdf.crs is None or fs.gdf.crs.is_geographic else fs.gdf.to_crs(STORAGE_CRS)
    point = gdf.geometry.iloc[0]
    notes = [*(fs.notes or ()), *([note] if note else [])]
    joined = Text("；".join(n.zh for n in map(_text, notes)), "; ".join(n.en for n in map(_text, notes))) if notes else None
    return Found(f"{point.x:.6f}, {point.y:.6f}", float(point.x), float(point.y), "coords", note=joined)


def _text(note: object) -> Text:
    return note if isinstance(note, Text) else Text(str(note), str(note))


def _gk_from_prefix(x: float, y: float, text: str) -> tuple[str, Text]:
    """Gauss-Kruger metres typed while a lon/lat system is chosen: the zone number in the
    easting (38 391 650 = zone 38, CM 114°E) names the CRS; plain metres need a zone."""
    easting = next((v for v in (y, x) if 1.2e7 < v < 4.6e7), None)
    if easting is None:
        msg = (f"{text!r} looks like Gauss-Kruger metres without a zone number; choose the zone "
               f"(central meridian {', '.join(f'{cm}°E' for cm in GK_ZONES)}) as the coordinate system")
        zh = (f"“{text}”像是不带带号的高斯-克吕格平面坐标（米）；请在坐标系中选择所在的 3 度带"
              f"（中央经线 {'、'.join(f'{cm}°E' for cm in GK_ZONES)}）")
        raise InputError(msg, zh=zh)
    zone = int(easting // 1e6)
    code = gk_epsg(zone * 3, zone_prefix=True)
    return f"EPSG:{code}", Text(f"按高斯-克吕格 3 度带第 {zone} 带（中央经线 {zone * 3}°E，EPSG:{code}）读取",
                                f"read as Gauss-Kruger 3-degree zone {zone} (central meridian {zone * 3}°E, EPSG:{code})")


def _divisions(divisions: gpd.GeoDataFrame | None, text: str) -> list[Found]:
    if divisions is None or divisions.empty or "name" not in divisions.columns:
        return []
    names = divisions["name"].fillna("").astype(str)
    # "平江" finds 平江县; "平江县" finds it exactly; a bare 县/市 finds nothing by itself
    short = names.str.replace(r"(自治县|县|市|区)$", "", regex=True)
    exact = (names == text) | (short == text)
    hits = divisions[exact | (names.str.contains(text, regex=False) & (len(text) >= 2))]
    out = []
    ordered = sorted(hits.index, key=lambda i: (not exact[i], names[i]))  # exact names first
    for i in ordered:
        row = hits.loc[i]
        geom = row.geometry
        point = geom.representative_point()
        level = "prefecture" if str(row.get("level", "")) in ("地级", "地级市", "prefecture") else "county"
        where = str(row.get("prefecture") or "") if level == "county" else ""
        label = f"{row['name']}（{where}）" if where and where != row["name"] else str(row["name"])
        minx, miny, maxx, maxy = (float(v) for v in geom.bounds)
        out.append(Found(label, float(point.x), float(point.y), level, (minx, miny, maxx, maxy)))
    return out


def _towns(towns: gpd.GeoDataFrame, text: str) -> list[Found]:
    return [Found(label, float(lon), float(lat), "town") for label, lon, lat in find_places(towns, text)]


def divisions_frame(counties: gpd.GeoDataFrame, prefectures: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Counties (``name``, ``prefecture``) and prefectures (``name``) as one frame for
    :func:`find_site`, in lon/lat, prefectures marked by ``level`` 地级."""
    columns = ["name", "prefecture", "level", "geometry"]
    parts = [counties.to_crs(STORAGE_CRS).assign(level="县级")[columns]]
    if prefectures is not None and not prefectures.empty:
        parts.append(prefectures.to_crs(STORAGE_CRS).assign(level="地级", prefecture="")[columns])
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=STORAGE_CRS)


def zoom_for_bounds(bounds: Sequence[float], *, width_px: int = 700, height_px: int = 480) -> int:
    """The Web-Mercator zoom that shows ``bounds`` (lon/lat) in a map of this size."""
    import math

    minx, miny, maxx, maxy = bounds
    lon_span = max(maxx - minx, 1e-6)
    y0, y1 = (math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (miny, maxy))
    merc_span = max(y1 - y0, 1e-9)
    zx = math.log2(width_px * 360.0 / (256.0 * lon_span))
    zy = math.log2(height_px * 2 * math.pi / (256.0 * merc_span))
    return int(max(5, min(18, math.floor(min(zx, zy)))))
