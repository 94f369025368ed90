"""Coordinate reference systems: recognise, convert and choose the metric working CRS.

Chinese planning data arrives in CGCS2000 (EPSG:4490), WGS84 (EPSG:4326), the CGCS2000
Gauss-Kruger zones (EPSG:4491-4554, often as ESRI ``.prj`` files that only say
``Gauss_Kruger``), or as coordinates copied from web maps in GCJ-02 (Gaode, Tencent) or
BD-09 (Baidu), which are offset by several hundred metres in Hunan.

Notes
-----
CGCS2000 and WGS84 differ by centimetres; for screening they are treated as equal and
the transformation between them is the identity (this is said in the results).
Areas and distances are never computed in degrees: every measurement happens in a
CGCS2000 3-degree Gauss-Kruger zone (``work_crs_for``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from gis.errors import CRSError, Label, zh_lead
from gis.text import Text

__all__ = [
    "STORAGE_CRS",
    "WGS84",
    "CHINA_BOUNDS",
    "HUNAN_BOUNDS",
    "CrsChoice",
    "parse_crs",
    "crs_from_prj",
    "gk_epsg",
    "gk_central_meridian",
    "GkZone",
    "ZoneGuess",
    "gk_zones",
    "gk_zone",
    "guess_gk_zone",
    "work_crs_for",
    "work_crs_for_geometry",
    "work_crs_for_lon",
    "gk_zones_spanning",
    "lonlat_bounds",
    "crs_label",
    "exact_epsg",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "check_lonlat_plausible",
    "check_projected_plausible",
]

#: CRS in which the product stores and exchanges geographic coordinates.
STORAGE_CRS = "EPSG:4490"
WGS84 = "EPSG:4326"

#: (min lon, min lat, max lon, max lat) of China incl. Hainan and the South China Sea
#: islands (南海诸岛, down to 曾母暗沙 at about 3.9 N), generous. National datasets reach
#: that far south; whether a place is in Hunan's store coverage is the engine's to say.
CHINA_BOUNDS = (73.0, 3.4, 135.5, 54.0)
#: Hunan province, with a margin of about 0.3 degree.
HUNAN_BOUNDS = (108.4, 24.3, 114.6, 30.4)

OffsetKind = Literal["gcj02", "bd09"]


@dataclass(frozen=True)
class CrsChoice:
    """What the user said the input coordinates are in.

    ``crs`` is a real CRS. ``offset`` is set when the coordinates are in the obfuscated
    GCJ-02 or BD-09 systems: then ``crs`` is CGCS2000 geographic and the coordinates
    must first be converted with ``gcj02_to_wgs84`` / ``bd09_to_wgs84``.
    """

    crs: CRS
    label: str
    offset: OffsetKind | None = None


_OFFSET_ALIASES: dict[str, OffsetKind] = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "高德": "gcj02",
    "tencent": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
}
_NAME_ALIASES = {
    "cgcs2000": "EPSG:4490",
    "cgcs 2000": "EPSG:4490",
    "国家2000": "EPSG:4490",
    "2000国家大地坐标系": "EPSG:4490",
    "wgs84": "EPSG:4326",
    "wgs-84": "EPSG:4326",
    "wgs 84": "EPSG:4326",
}


def parse_crs(value: str | int | CRS) -> CrsChoice:
    """Interpret a user's CRS value.

    Accepts an EPSG code (``4547``, ``"EPSG:4547"``), a name (``cgcs2000``, ``wgs84``),
    ``gcj02``/``bd09`` (and their aliases ``gaode``, ``baidu``), a WKT or ESRI ``.prj``
    text, or a ``pyproj.CRS``.

    Raises
    ------
    CRSError
        If the value is not recognised; the message lists the accepted forms.

    Examples
    --------
    >>> parse_crs("gcj02").offset
    'gcj02'
    >>> parse_crs(4547).label
    'EPSG:4547'
    """
    if isinstance(value, CRS):
        return CrsChoice(value, crs_label(value))
    if isinstance(value, int):
        value = f"EPSG:{value}"
    text = str(value).strip()
    key = text.lower()
    if key in _OFFSET_ALIASES:
        kind = _OFFSET_ALIASES[key]
        return CrsChoice(CRS.from_user_input(STORAGE_CRS), kind, offset=kind)
    if key in _NAME_ALIASES:
        text = _NAME_ALIASES[key]
    if re.fullmatch(r"\d{4,5}", text):
        text = f"EPSG:{text}"
    proj = re.search(r"\+proj=[^()]*", text)
    if proj and not text.startswith("+"):
        text = proj.group(0).strip()  # a custom CRS's label, "custom CRS (+proj=tmerc ...)", read back
    if text.upper().startswith(("PROJCS", "GEOGCS", "PROJCRS", "GEOGCRS", "GEODCRS")):
        crs = crs_from_prj(text, source=Label("the CRS text", "坐标系文本"))
        return CrsChoice(crs, crs_label(crs))
    try:
        crs = CRS.from_user_input(text)
    except _PyprojCRSError as err:
        msg = (
            f"CRS {text!r} is not recognised; expected an EPSG code such as EPSG:4490 "
            "(CGCS2000), EPSG:4326 (WGS84) or EPSG:4547 (CGCS2000 3-degree Gauss-Kruger "
            "CM 114E), a WKT/.prj text, or gcj02 / bd09 for coordinates copied from "
            "Gaode/Tencent or Baidu maps"
        )
        zh = (
            f"无法识别坐标系“{text}”；应为 EPSG 代码，如 EPSG:4490（CGCS2000 经纬度）、EPSG:4326（WGS84）"
            "或 EPSG:4547（CGCS2000 高斯-克吕格 3 度带，中央经线 114°E），或 WKT/.prj 文本；"
            "从高德、腾讯地图复制的坐标请选 gcj02，从百度地图复制的请选 bd09"
        )
        raise CRSError(msg, zh=zh) from err
    _require_earth(crs, text)
    return CrsChoice(crs, crs_label(crs))


def _require_earth(crs: CRS, text: str) -> None:
    # PROJ also knows planetary CRSs by name ("Mars2000"); they must not pass as input CRSs.
    ellipsoid = crs.ellipsoid
    if ellipsoid is not None and abs(ellipsoid.semi_major_metre - 6_378_137.0) > 10_000.0:
        msg = (
            f"CRS {text!r} is {crs.name}, not a coordinate system of the Earth; expected e.g. "
            "EPSG:4490 (CGCS2000) or EPSG:4547"
        )
        zh = f"坐标系“{text}”是 {crs.name}，不是地球的坐标系；应为 EPSG:4490（CGCS2000）、EPSG:4547 等"
        raise CRSError(msg, zh=zh)


def crs_label(crs: CRS) -> str:
    """Short label for reports: ``EPSG:4547`` when the CRS *is* that EPSG CRS, else a custom label.

    A custom CRS (a local Gauss-Kruger system with its own false easting/northing or
    central meridian) is never given the code of a standard CRS it merely resembles: its
    label gives its PROJ definition, e.g.
    ``custom CRS (+proj=tmerc +lat_0=0 +lon_0=112.5 +k=1 +x_0=11038 +y_0=-2486635 +ellps=GRS80 +units=m)``,
    which ``parse_crs`` reads back.
    """
    code = exact_epsg(crs)
    if code is not None:
        return f"EPSG:{code}"
    definition = _proj_definition(crs)
    # Not crs.name: PROJ names an ESRI WKT after the standard CRS its *name* matches, even
    # when a parameter (a false northing) differs — exactly the case that must not pass for it.
    return f"custom CRS ({definition})" if definition else str(crs.name)


def exact_epsg(crs: CRS, *, min_confidence: int = 70) -> int | None:
    """The EPSG code of ``crs`` only if that EPSG CRS is equivalent to it (names aside)."""
    code = crs.to_epsg(min_confidence=min_confidence)
    if code is None:
        return None
    try:
        candidate = CRS.from_epsg(code)
    except _PyprojCRSError:  # pragma: no cover - a code PROJ just gave
        return None
    if candidate.equals(crs, ignore_axis_order=True):
        return code
    params, ref = _tmerc_all(crs), _tmerc_all(candidate)
    same_datum = (
        crs.geodetic_crs is not None
        and candidate.geodetic_crs is not None
        and crs.geodetic_crs.equals(candidate.geodetic_crs, ignore_axis_order=True)
    )
    if params and ref and same_datum and all(abs(params[k] - ref[k]) < 1e-9 for k in ref):
        return code
    return None


def _tmerc_all(crs: CRS) -> dict[str, float] | None:
    """The Transverse Mercator parameters of a projected CRS (None for anything else)."""
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    names = {
        "latitude of natural origin": "lat_0",
        "longitude of natural origin": "lon_0",
        "scale factor at natural origin": "k",
        "false easting": "x_0",
        "false northing": "y_0",
    }
    return {names[p.name.lower()]: float(p.value) for p in op.params if p.name.lower() in names}


def _proj_definition(crs: CRS) -> str | None:
    """``+proj=tmerc ...`` for a Transverse Mercator CRS (with its ellipsoid), else None."""
    params = _tmerc_all(crs)
    if not params:
        return None
    ellipsoid = crs.ellipsoid
    ellps = ""
    if ellipsoid is not None:
        known = {"GRS 1980": "GRS80", "CGCS2000": "GRS80", "WGS 84": "WGS84", "Krassowsky 1940": "krass"}
        ellps = known.get(ellipsoid.name, "")
        if not ellps:
            ellps = f"a={ellipsoid.semi_major_metre:g} +rf={ellipsoid.inverse_flattening:.9g}"
    parts = [f"+{k}={params[k]:.10g}" for k in ("lat_0", "lon_0", "k", "x_0", "y_0") if k in params]
    return " ".join(
        ["+proj=tmerc", *parts] + ([f"+{'ellps=' if '=' not in ellps else ''}{ellps}"] if ellps else []) + ["+units=m"]
    )


def gk_epsg(central_meridian: float, *, zone_width: Literal[3, 6] = 3, zone_prefix: bool = False) -> int:
    """EPSG code of the CGCS2000 Gauss-Kruger CRS with this central meridian.

    ``zone_prefix`` selects the variant whose false easting carries the zone number
    (e.g. 38 500 000 m for 3-degree zone 38) instead of plain 500 000 m.

    Raises
    ------
    CRSError
        If the meridian is not a central meridian of that zone system over China.

    Examples
    --------
    >>> gk_epsg(114)
    4547
    >>> gk_epsg(114, zone_prefix=True)
    4526
    >>> gk_epsg(111, zone_width=6)
    4508
    """
    cm = float(central_meridian)
    if zone_width == 3:
        if abs(cm / 3 - round(cm / 3)) > 1e-9 or not 75 <= cm <= 135:
            msg = f"central meridian {cm:g}E is not a CGCS2000 3-degree Gauss-Kruger meridian (75E, 78E, ... 135E)"
            zh = f"中央经线 {cm:g}°E 不是 CGCS2000 高斯-克吕格 3 度带的中央经线（75°E、78°E……135°E）"
            raise CRSError(msg, zh=zh)
        step = int(round((cm - 75) / 3))
        return (4513 if zone_prefix else 4534) + step
    if zone_width == 6:
        if abs((cm + 3) / 6 - round((cm + 3) / 6)) > 1e-9 or not 75 <= cm <= 135:
            msg = f"central meridian {cm:g}E is not a CGCS2000 6-degree Gauss-Kruger meridian (75E, 81E, ... 135E)"
            zh = f"中央经线 {cm:g}°E 不是 CGCS2000 高斯-克吕格 6 度带的中央经线（75°E、81°E……135°E）"
            raise CRSError(msg, zh=zh)
        step = int(round((cm - 75) / 6))
        return (4491 if zone_prefix else 4502) + step
    msg = f"zone_width was {zone_width!r} but is expected to be 3 or 6"
    raise CRSError(msg, zh=f"分带宽度 zone_width 为 {zone_width!r}，应为 3 或 6")


def gk_central_meridian(lon: float) -> int:
    """Central meridian of the 3-degree Gauss-Kruger zone containing ``lon`` (degrees E)."""
    # floor(x + 0.5), not round(): Python rounds halves to even, which would send 109.5E
    # and 112.5E (both zone borders) to zones on different sides.
    return int(3 * math.floor(lon / 3 + 0.5))


def work_crs_for_lon(lon: float) -> str:
    """The metric working CRS for data centred at longitude ``lon``: the CGCS2000
    3-degree Gauss-Kruger zone (central-meridian variant, false easting 500 km)."""
    return f"EPSG:{gk_epsg(gk_central_meridian(lon))}"


# --- the Gauss-Kruger zones planners type coordinates in ------------------------------


@dataclass(frozen=True)
class GkZone:
    """A CGCS2000 3-degree Gauss-Kruger zone as a planner chooses it.

    Attributes
    ----------
    epsg
        4534-4554 without the zone number in the easting (false easting 500 000 m),
        4513-4533 with it (zone × 1 000 000 + 500 000 m).
    central_meridian
        Degrees east (a multiple of 3).
    prefixed
        True when eastings carry the zone number (e.g. 38 512 000 in zone 38).
    """

    epsg: int
    central_meridian: int
    prefixed: bool

    @property
    def zone(self) -> int:
        """The 3-degree zone number (central meridian / 3): 36, 37, 38 over Hunan."""
        return self.central_meridian // 3

    @property
    def code(self) -> str:
        return f"EPSG:{self.epsg}"

    @property
    def text(self) -> Text:
        """Its name for a choice list, code first, e.g. ``EPSG:4546 CGCS2000 3度带 中央子午线 111°E（东坐标不带带号）``."""
        cm, zone = self.central_meridian, self.zone
        if self.prefixed:
            return Text(
                f"{self.code} CGCS2000 3度带 第{zone}带 中央子午线 {cm}°E（东坐标带带号，如 {zone}512000）",
                f"{self.code} CGCS2000 / 3-degree Gauss-Kruger zone {zone}, CM {cm}E (eastings with the zone number, "
                f"e.g. {zone}512000)",
            )
        return Text(
            f"{self.code} CGCS2000 3度带 中央子午线 {cm}°E（东坐标不带带号，如 512000）",
            f"{self.code} CGCS2000 / 3-degree Gauss-Kruger CM {cm}E (eastings without the zone number, e.g. 512000)",
        )


def gk_zone(epsg: int | str) -> GkZone | None:
    """The 3-degree zone of an EPSG code (``4526``, ``"EPSG:4547"``), None for any other code."""
    text = str(epsg).upper().removeprefix("EPSG:")
    if not text.isdigit():
        return None
    code = int(text)
    if 4513 <= code <= 4533:
        return GkZone(code, 75 + 3 * (code - 4513), True)
    if 4534 <= code <= 4554:
        return GkZone(code, 75 + 3 * (code - 4534), False)
    return None


def gk_zones(bounds_lonlat: tuple[float, float, float, float] = HUNAN_BOUNDS) -> tuple[GkZone, ...]:
    """The 3-degree zones whose band (central meridian ± 1.5°) meets these lon/lat bounds,
    each without and with the zone number, west to east. Over Hunan (108.6–114.3°E):
    central meridians 108°, 111° and 114°E — EPSG:4545/4524, 4546/4525, 4547/4526.
    """
    west, east = gk_central_meridian(bounds_lonlat[0]), gk_central_meridian(bounds_lonlat[2])
    return tuple(GkZone(gk_epsg(cm, zone_prefix=prefixed), cm, prefixed)
                 for cm in range(west, east + 1, 3) for prefixed in (False, True))  # fmt: skip


@dataclass(frozen=True)
class ZoneGuess:
    """Which Gauss-Kruger CRS typed X/Y are likely in (``guess_gk_zone``).

    ``candidates`` are EPSG codes: one when the numbers say it (a
    zone number in the easting, or only one zone puts the points in the region), several
    when the planner must choose, none when no zone fits. ``text`` says what was seen and,
    when there is a choice, where each candidate puts the points.
    """

    candidates: tuple[int, ...]
    text: Text

    @property
    def certain(self) -> bool:
        return len(self.candidates) == 1


#: How far past its band (± 1.5°) a zone is still used: surveys of a county astride a zone
#: edge keep one zone for the whole county.
ZONE_OVERLAP_DEG = 0.5
_HUNAN = Text("湖南", "Hunan")


def guess_gk_zone(
    eastings: Any,
    northings: Any,
    *,
    region: tuple[float, float, float, float] | Any = HUNAN_BOUNDS,
    region_name: Text = _HUNAN,
) -> ZoneGuess | None:
    """The Gauss-Kruger zone typed eastings and northings are likely in, or None when they
    are not Gauss-Kruger metres (degrees, or northings outside China's 1.5–6.1e6 m).

    * An easting with a zone number (e.g. 38 512 000) names its zone: 3-degree zones 25–45
      (EPSG:4513–4533), 6-degree zones 13–23 (EPSG:4491–4501). Different numbers in one
      input give no candidate.
    * A bare easting (about 500 000 ± 170 000 m) fits every zone: the candidates are the
      3-degree zones over ``region`` that put every point inside ``region`` and within
      ``ZONE_OVERLAP_DEG`` of the zone's band, west to east. (A bare easting lies as far
      from every central meridian, so only the region can tell the zones apart: over
      Hunan, 5.7° wide, two zones usually fit and the planner is asked.)

    Parameters
    ----------
    eastings, northings
        Sequences of metres, in that order (swap surveying X/Y first).
    region
        Lon/lat bounds, or a shapely geometry in lon/lat (e.g. the store's admin extent).
    region_name
        The region in words, for ``ZoneGuess.text``.

    Examples
    --------
    >>> guess_gk_zone([38512000.0], [3123000.0]).candidates
    (4526,)
    >>> guess_gk_zone([512000.0], [3123000.0]).candidates
    (4546, 4547)
    """
    e = np.asarray(eastings, dtype="float64").ravel()
    n = np.asarray(northings, dtype="float64").ravel()
    if e.size == 0 or e.size != n.size or not (np.all(np.isfinite(e)) and np.all(np.isfinite(n))):
        return None
    if not np.all((n >= 1.5e6) & (n <= 6.1e6)):
        return None
    if np.all(e > 1.2e7) and np.all(e < 4.6e7):
        return _zone_from_prefix(e)
    if np.all((e > 1e4) & (e < 1e6)):
        return _zones_for_bare_eastings(e, n, region, region_name)
    return None


def _zone_from_prefix(e: np.ndarray) -> ZoneGuess:
    numbers = sorted({int(v // 1e6) for v in e})
    if len(numbers) > 1:
        listed = ", ".join(str(z) for z in numbers)
        return ZoneGuess((), Text(f"东坐标带有不同的带号（{'、'.join(str(z) for z in numbers)}），同一组坐标应在同一分带内",
                                  f"the eastings carry different zone numbers ({listed}); one set of "
                                  "coordinates should lie in one zone"))
    zone = numbers[0]
    if 25 <= zone <= 45:
        code = gk_epsg(zone * 3, zone_prefix=True)
        return ZoneGuess((code,), Text(f"东坐标带带号 {zone}：3 度带第 {zone} 带（中央子午线 {zone * 3}°E），EPSG:{code}",
                                       f"the eastings carry zone number {zone}: 3-degree zone {zone} "
                                       f"(CM {zone * 3}E), EPSG:{code}"))
    if 13 <= zone <= 23:
        code = gk_epsg(zone * 6 - 3, zone_width=6, zone_prefix=True)
        return ZoneGuess((code,), Text(f"东坐标带带号 {zone}：6 度带第 {zone} 带（中央子午线 {zone * 6 - 3}°E），EPSG:{code}",
                                       f"the eastings carry zone number {zone}: 6-degree zone {zone} "
                                       f"(CM {zone * 6 - 3}E), EPSG:{code}"))
    return ZoneGuess((), Text(f"东坐标的带号 {zone} 不是我国的高斯-克吕格分带（3 度带 25–45，6 度带 13–23）",
                              f"zone number {zone} in the eastings is not a Gauss-Kruger zone over China "
                              "(3-degree 25-45, 6-degree 13-23)"))


def _in_region(lon: np.ndarray, lat: np.ndarray, region: Any) -> bool:
    if isinstance(region, tuple):
        west, south, east, north = region
        return bool(np.all((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)))
    import shapely

    return bool(np.all(shapely.contains_xy(region, lon, lat)))


def _zones_for_bare_eastings(e: np.ndarray, n: np.ndarray, region: Any, region_name: Text) -> ZoneGuess:
    bounds = region if isinstance(region, tuple) else tuple(region.bounds)
    found: list[tuple[GkZone, float]] = []
    for zone in gk_zones(bounds):
        if zone.prefixed:
            continue
        lon, lat = Transformer.from_crs(zone.epsg, STORAGE_CRS, always_xy=True).transform(e, n)
        lon, lat = np.asarray(lon), np.asarray(lat)
        offset = float(np.max(np.abs(lon - zone.central_meridian)))
        if offset <= 1.5 + ZONE_OVERLAP_DEG and _in_region(lon, lat, region):
            found.append((zone, float(np.mean(lon))))
    codes = tuple(zone.epsg for zone, _ in found)
    first = f"{e[0]:.0f}"
    if not found:
        return ZoneGuess((), Text(f"东坐标 {first} 不带带号，但没有一个{region_name.zh}所在的分带能把这些坐标放进{region_name.zh}："
                                  "请检查 X、Y 是否填反，或坐标系是否为 CGCS2000",
                                  f"easting {first} has no zone number, and no zone over {region_name.en} puts "
                                  f"these coordinates in {region_name.en}: check the order of X and Y and that "
                                  "the system is CGCS2000"))
    where_zh = "；".join(f"按 EPSG:{z.epsg}（中央子午线 {z.central_meridian}°E）位于东经 {lon:.2f}°" for z, lon in found)
    where_en = "; ".join(f"EPSG:{z.epsg} (CM {z.central_meridian}E) puts them at {lon:.2f}E" for z, lon in found)
    if len(found) == 1:
        return ZoneGuess(codes, Text(f"东坐标 {first} 不带带号，只有一个分带把这些坐标放进{region_name.zh}：{where_zh}",
                                     f"easting {first} has no zone number; only one zone puts these coordinates in "
                                     f"{region_name.en}: {where_en}"))
    return ZoneGuess(codes, Text(f"东坐标 {first} 不带带号，无法确定分带：{where_zh}，均在{region_name.zh}境内。"
                                 "请选择测量成果所用的分带",
                                 f"easting {first} has no zone number, so the zone cannot be told: {where_en}, each in "
                                 f"{region_name.en}. Choose the zone the survey used"))


def gk_zones_spanning(min_lon: float, max_lon: float, *, zone_prefix: bool = False) -> list[str]:
    """The CGCS2000 3-degree Gauss-Kruger CRSs whose zones cover longitudes ``min_lon``..``max_lon``,
    west to east: the work CRSs a screening there may use.

    >>> gk_zones_spanning(*HUNAN_BOUNDS[::2])  # Hunan, 108.4-114.6 E
    ['EPSG:4545', 'EPSG:4546', 'EPSG:4547']
    >>> gk_zones_spanning(108.4, 114.6, zone_prefix=True)
    ['EPSG:4524', 'EPSG:4525', 'EPSG:4526']
    """
    first, last = gk_central_meridian(min_lon), gk_central_meridian(max_lon)
    return [f"EPSG:{gk_epsg(cm, zone_prefix=zone_prefix)}" for cm in range(first, last + 1, 3)]


def lonlat_bounds(bounds: tuple[float, float, float, float], crs: Any) -> tuple[float, float, float, float]:
    """``bounds`` (minx, miny, maxx, maxy in ``crs``, x = easting or longitude) as lon/lat
    bounds, the edges densified so a projected box's bulge is inside. CGCS2000 and WGS84
    lon/lat are taken as equal (the module notes)."""
    source = CRS.from_user_input(crs)
    if source.is_geographic:
        return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))
    to_lonlat = Transformer.from_crs(source, CRS.from_epsg(4490), always_xy=True)
    west, south, east, north = to_lonlat.transform_bounds(*bounds, densify_pts=21)
    return (float(west), float(south), float(east), float(north))


_THE_DATA = Label("the data", "数据")


def work_crs_for(bounds_lonlat: tuple[float, float, float, float]) -> str:
    """The metric working CRS for data with these lon/lat bounds (CGCS2000 or WGS84).

    The 3-degree zone of the centre is chosen: within +/-1.5 degrees of the central
    meridian the Gauss-Kruger scale error stays below 0.03 % (0.06 % in area).

    Raises
    ------
    CRSError
        If the bounds are not plausible longitudes/latitudes within China.
    """
    minx, miny, maxx, maxy = bounds_lonlat
    check_lonlat_plausible(bounds_lonlat, source=_THE_DATA)
    return work_crs_for_lon((minx + maxx) / 2)


def work_crs_for_geometry(geom: Any, *, source: str = _THE_DATA) -> str:
    """The metric working CRS for one lon/lat geometry: the 3-degree zone of its centroid.

    For a geometry astride a zone edge (112.5 E, say) the centroid, not the middle of the
    bounding box, says where most of it lies (an L-shaped road mostly west of the edge is
    measured in the western zone).

    Raises
    ------
    CRSError
        If the geometry's bounds are not plausible longitudes/latitudes within China.
    """
    bounds = tuple(geom.bounds)
    check_lonlat_plausible(bounds, source=source)
    centre = geom.centroid
    # A degenerate collection has no centroid: the middle of its box then.
    return work_crs_for_lon(float(centre.x) if not centre.is_empty else (bounds[0] + bounds[2]) / 2)


# --- ESRI .prj files that only say "Gauss_Kruger" ---------------------------------

_PARAM_RE = re.compile(r'PARAMETER\s*\[\s*"([^"]+)"\s*,\s*([-+0-9.eE]+)\s*\]', re.IGNORECASE)
_NAME_RE = re.compile(r'(?:GEOGCS|GEOGCRS|BASEGEOGCRS|DATUM|SPHEROID|ELLIPSOID)\s*\[\s*"([^"]+)"', re.IGNORECASE)
_CGCS_HINTS = ("2000", "cgcs")
_OLD_DATUM_HINTS = {
    "beijing": "Beijing 1954",
    "1954": "Beijing 1954",
    "_54": "Beijing 1954",
    "xian": "Xian 1980",
    "xi'an": "Xian 1980",
    "1980": "Xian 1980",
    "_80": "Xian 1980",
    "krasovsky": "Beijing 1954",
}
_DATUM_ZH = {"Beijing 1954": "1954 年北京坐标系", "Xian 1980": "1980 西安坐标系"}
_PRJ = Label(".prj", ".prj 文件")


def crs_from_prj(text: str, *, source: str = _PRJ) -> CRS:
    """Read a WKT / ESRI ``.prj`` text; standard Gauss-Kruger definitions get their EPSG code.

    Chinese desktop GIS writes ``.prj`` files such as
    ``PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",...],
    PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000],...,
    PARAMETER["Central_Meridian",114],...]`` that PROJ reads but cannot name. On a CGCS2000
    datum, when every parameter is that of a standard zone (false easting 500 000 m or
    zone × 1 000 000 + 500 000 m, false northing 0, scale 1, latitude of origin 0, a zone's
    central meridian) the EPSG code (4491-4554) is used, so the store and reports can say
    ``EPSG:4526``. Anything else — a false northing, a false easting of 700 000 m, a
    central meridian between zones, a local system — is kept as the custom CRS it is
    (every parameter honoured) and labelled as such by ``crs_label``; an EPSG code is only
    used when that EPSG CRS is exactly equivalent.

    Raises
    ------
    CRSError
        If the text is not a CRS, or is a Gauss-Kruger CRS on the Beijing 1954 or Xian 1980
        datum (no public transformation to CGCS2000 is accurate enough for screening).
    """
    body = text.strip().lstrip("\ufeff")
    if not body:
        msg = f"{source} is empty; expected a WKT coordinate system definition"
        raise CRSError(msg, zh=f"{zh_lead(source)}为空；应为 WKT 格式的坐标系定义")
    is_gk = "gauss" in body.lower() or "transverse_mercator" in body.lower().replace(" ", "_")
    params = {name.lower(): float(val) for name, val in _PARAM_RE.findall(body)}
    if is_gk and "central_meridian" in params:
        # Judge the datum by the GEOGCS/DATUM/SPHEROID names only: numbers elsewhere in
        # the text (e.g. "6378245") must not be mistaken for "54" or "80".
        geog_l = " ".join(_NAME_RE.findall(body)).lower()
        # An old datum named anywhere wins over a CGCS2000 spheroid name next to it.
        _refuse_old_datum(geog_l, source)
        if any(h in geog_l for h in _CGCS_HINTS):
            code = _standard_gk_epsg(params, body)
            if code is not None:
                return CRS.from_epsg(code)
    try:
        crs = CRS.from_user_input(body)
    except _PyprojCRSError as err:
        msg = f"{source} is not a coordinate system PROJ can read ({err}); expected WKT such as an ESRI .prj"
        zh = f"{zh_lead(source)}不是可识别的坐标系（{err}）；应为 ESRI .prj 等 WKT 文本"
        raise CRSError(msg, zh=zh) from err
    code = exact_epsg(crs)
    return CRS.from_epsg(code) if code is not None else crs


def _refuse_old_datum(geog_names: str, source: str) -> None:
    for hint, datum in _OLD_DATUM_HINTS.items():
        if hint in geog_names:
            msg = (
                f"{source} defines a Gauss-Kruger CRS on the {datum} datum; it differs "
                "from CGCS2000 by up to about 100 m and no accurate public transformation "
                "exists: convert the data to CGCS2000 (EPSG:4490 or 4513-4554) with the "
                "parameters of your surveying authority, then import it"
            )
            zh = (
                f"{zh_lead(source)}定义的是 {_DATUM_ZH.get(datum, datum)} 下的高斯-克吕格投影，与 CGCS2000 "
                "相差可达约 100 米，且没有足够精确的公开转换参数：请先用测绘主管部门提供的参数将数据转换为 "
                "CGCS2000（EPSG:4490 或 4513–4554），再导入"
            )
            raise CRSError(msg, zh=zh)


def _standard_gk_epsg(params: dict[str, float], body: str) -> int | None:
    """The EPSG code of a CGCS2000 Gauss-Kruger zone whose every parameter is standard, else None."""
    cm = params["central_meridian"]
    fe = params.get("false_easting", 500000.0)
    if abs(params.get("false_northing", 0.0)) > 1e-6 or abs(params.get("scale_factor", 1.0) - 1.0) > 1e-12:
        return None
    if abs(params.get("latitude_of_origin", 0.0)) > 1e-12:
        return None
    three = abs(cm / 3 - round(cm / 3)) < 1e-9 and 75 <= cm <= 135
    six = abs((cm + 3) / 6 - round((cm + 3) / 6)) < 1e-9 and 75 <= cm <= 135
    if abs(fe - 500000.0) < 1e-6:
        if six and (re.search(r"6[_ ]?degree", body, re.IGNORECASE) or not three):
            return gk_epsg(cm, zone_width=6)
        return gk_epsg(cm, zone_width=3) if three else None
    zone = int(round((fe - 500000.0) / 1e6))
    if abs(fe - (zone * 1e6 + 500000.0)) > 1e-6:
        return None
    if 25 <= zone <= 45 and abs(zone * 3 - cm) < 1e-9:
        return gk_epsg(cm, zone_width=3, zone_prefix=True)
    if 13 <= zone <= 23 and abs(zone * 6 - 3 - cm) < 1e-9:
        return gk_epsg(cm, zone_width=6, zone_prefix=True)
    return None


# --- GCJ-02 and BD-09 ----------------------------------------------------------------
# The public formulas of the GCJ-02 obfuscation (Krasovsky ellipsoid constants) and of
# Baidu's BD-09 offset on top of it. The inverses are computed by fixed-point iteration,
# which converges to well under a millimetre because the offset varies slowly.

_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0

ArrayLike: TypeAlias = np.ndarray | float


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 (= CGCS2000 for screening) lon/lat to GCJ-02, vectorised."""
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    return lon_a + dlon, lat_a + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to WGS84 by iterating the forward formula (error < 1e-9 degree)."""
    g_lon, g_lat = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon = w_lon - (f_lon - g_lon)
        w_lat = w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 lon/lat to Baidu BD-09."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Baidu BD-09 lon/lat to GCJ-02: the usual closed-form approximation refined by
    fixed-point iteration on ``gcj02_to_bd09`` so the round trip is exact to < 1 mm."""
    b_lon, b_lat = _as_arrays(lon, lat)
    x = b_lon - 0.0065
    y = b_lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        g_lon = g_lon - (f_lon - b_lon)
        g_lat = g_lat - (f_lat - b_lat)
    return g_lon, g_lat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat to Baidu BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Baidu BD-09 lon/lat to WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# --- plausibility: the common mistakes ------------------------------------------------


def check_lonlat_plausible(bounds: tuple[float, float, float, float], *, source: str) -> None:
    """Raise a CRSError explaining the likely mistake if lon/lat ``bounds`` are not in China.

    Detects projected metres given as degrees, swapped latitude/longitude, and points
    outside China.
    """
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        msg = f"{source} has non-finite coordinates (NaN or infinity); expected longitude/latitude in degrees"
        raise CRSError(msg, zh=f"{zh_lead(source)}含有无效坐标（NaN 或无穷大）；应为以度为单位的经纬度")
    cminx, cminy, cmaxx, cmaxy = CHINA_BOUNDS
    swapped = cminx <= miny and maxy <= cmaxx and cminy <= minx and maxx <= cmaxy
    if swapped:
        msg = (
            f"{source} has coordinates such as ({minx:.5f}, {miny:.5f}) that look like "
            "latitude, longitude in swapped order; expected longitude first (east, about "
            "108-115 in Hunan) then latitude (north, about 24-31)"
        )
        zh = (
            f"{zh_lead(source)}中的 ({minx:.5f}, {miny:.5f}) 等坐标看起来是纬度在前、经度在后，顺序颠倒了；"
            "应先写经度（东经，湖南约 108–115），再写纬度（北纬，约 24–31）"
        )
        raise CRSError(msg, zh=zh)
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        hint = _projected_hint(minx, miny)
        msg = (
            f"{source} has coordinates such as ({minx:.3f}, {miny:.3f}) that are not degrees "
            f"but were read as longitude/latitude; they look like projected metres{hint}. "
            "Give the CRS of the data (e.g. --crs EPSG:4547 for CGCS2000 Gauss-Kruger CM 114E)"
        )
        zh = (
            f"{zh_lead(source)}中的 ({minx:.3f}, {miny:.3f}) 等坐标不是以度为单位的经纬度，看起来是以米为单位的"
            f"投影坐标{_projected_hint_zh(minx, miny)}。请指定数据的坐标系（如 CGCS2000 高斯-克吕格 3 度带中央经线 "
            "114°E 为 EPSG:4547，命令行用 --crs EPSG:4547）"
        )
        raise CRSError(msg, zh=zh)
    inside = cminx <= minx and maxx <= cmaxx and cminy <= miny and maxy <= cmaxy
    if inside:
        return
    msg = (
        f"{source} lies outside China (lon {minx:.4f}..{maxx:.4f}, lat {miny:.4f}..{maxy:.4f}); "
        "expected coordinates in China (Hunan: lon 108.6-114.3 E, lat 24.6-30.1 N). "
        "Check the coordinate order, the sign of the values and the CRS"
    )
    zh = (
        f"{zh_lead(source)}位于中国境外（经度 {minx:.4f}–{maxx:.4f}，纬度 {miny:.4f}–{maxy:.4f}）；坐标应在中国境内"
        "（湖南：东经 108.6–114.3°，北纬 24.6–30.1°）。请检查坐标顺序、数值正负和坐标系"
    )
    raise CRSError(msg, zh=zh)


def _projected_hint(x: float, y: float) -> str:
    if 1.2e7 <= x < 4.6e7 and 1.5e6 <= y <= 6.1e6:
        zone = int(x // 1e6)
        if 25 <= zone <= 45:
            return f" with a Gauss-Kruger zone prefix ({zone}: 3-degree zone {zone}, EPSG:{gk_epsg(zone * 3, zone_prefix=True)})"
        if 13 <= zone <= 23:
            return f" with a Gauss-Kruger zone prefix ({zone}: 6-degree zone {zone}, EPSG:{gk_epsg(zone * 6 - 3, zone_width=6, zone_prefix=True)})"
    if 1e5 <= x <= 9e5 and 1.5e6 <= y <= 6.1e6:
        return " in a Gauss-Kruger zone without zone prefix (Hunan: EPSG:4545 CM 108E, 4546 CM 111E or 4547 CM 114E)"
    return ""


def _projected_hint_zh(x: float, y: float) -> str:
    if 1.2e7 <= x < 4.6e7 and 1.5e6 <= y <= 6.1e6:
        zone = int(x // 1e6)
        if 25 <= zone <= 45:
            return f"（带高斯-克吕格带号 {zone}：3 度带第 {zone} 带，EPSG:{gk_epsg(zone * 3, zone_prefix=True)}）"
        if 13 <= zone <= 23:
            return f"（带高斯-克吕格带号 {zone}：6 度带第 {zone} 带，EPSG:{gk_epsg(zone * 6 - 3, zone_width=6, zone_prefix=True)}）"
    if 1e5 <= x <= 9e5 and 1.5e6 <= y <= 6.1e6:
        return (
            "（不带带号的高斯-克吕格坐标；湖南：EPSG:4545 中央经线 108°E、4546 中央经线 111°E 或 4547 中央经线 114°E）"
        )
    return ""


def _tmerc_params(crs: CRS) -> tuple[float, float] | None:
    """(central meridian, false easting) of a Transverse Mercator CRS, else None.

    Read from the coordinate operation rather than ``CRS.to_dict()``, which goes through a
    PROJ string and warns about losing information.
    """
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    values = {p.name.lower(): float(p.value) for p in op.params}
    cm = values.get("longitude of natural origin")
    if cm is None:
        return None
    return cm, values.get("false easting", 0.0)


def _zone_variant_hint(zone: int) -> str:
    if 25 <= zone <= 45:
        return f"EPSG:{gk_epsg(zone * 3, zone_prefix=True)} (3-degree zone {zone})"
    if 13 <= zone <= 23:
        return f"EPSG:{gk_epsg(zone * 6 - 3, zone_width=6, zone_prefix=True)} (6-degree zone {zone})"
    return "the CGCS2000 Gauss-Kruger CRS of that zone (EPSG:4491-4554)"


def _zone_variant_hint_zh(zone: int) -> str:
    if 25 <= zone <= 45:
        return f"EPSG:{gk_epsg(zone * 3, zone_prefix=True)}（3 度带第 {zone} 带）"
    if 13 <= zone <= 23:
        return f"EPSG:{gk_epsg(zone * 6 - 3, zone_width=6, zone_prefix=True)}（6 度带第 {zone} 带）"
    return "该带的 CGCS2000 高斯-克吕格坐标系（EPSG:4491–4554）"


def _inside_china(crs: CRS, xs: list[float], ys: list[float]) -> tuple[bool, tuple[float, float, float, float]]:
    lon, lat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True).transform(xs, ys)
    box = (min(lon), min(lat), max(lon), max(lat))
    cminx, cminy, cmaxx, cmaxy = CHINA_BOUNDS
    finite = all(math.isfinite(v) for v in box)
    inside = finite and cminx <= box[0] and box[2] <= cmaxx and cminy <= box[1] and box[3] <= cmaxy
    return inside, box


def _check_zone_prefix(bounds: tuple[float, float, float, float], crs: CRS, *, source: str) -> None:
    params = _tmerc_params(crs)
    if params is None:
        return
    cm, fe = params
    minx, miny, maxx, maxy = bounds
    label = crs_label(crs)
    northing_like_x = 1.5e6 <= minx and maxx <= 6.1e6
    easting_like_y = miny > 1e7 if fe > 1e6 else (maxy < 1e6 and miny > 0)
    if northing_like_x and easting_like_y:
        msg = (
            f"{source} has coordinates such as ({minx:,.0f}, {miny:,.0f}) whose X looks like a northing and "
            f"Y like an easting of {label}: X and Y are swapped (Chinese surveying writes X = northing, "
            "Y = easting); give the easting as x and the northing as y"
        )
        zh = (
            f"{zh_lead(source)}中的 ({minx:,.0f}, {miny:,.0f}) 等坐标，X 像 {label} 的北坐标、Y 像东坐标：X 与 Y "
            "颠倒了（我国测量习惯 X 为北坐标、Y 为东坐标）；请把东坐标作为 x、北坐标作为 y"
        )
        raise CRSError(msg, zh=zh)
    if fe > 1e6 and maxx < 1e7:
        cm_variant = f"EPSG:{gk_epsg(cm) if abs(cm / 3 - round(cm / 3)) < 1e-9 else '45xx'}"
        msg = (
            f"{source} is declared in {label}, whose eastings carry the zone number "
            f"(about {fe:,.0f} m), but its eastings such as {minx:,.0f} have no zone prefix; "
            f"use the CM variant, e.g. {cm_variant}"
        )
        zh = (
            f"{zh_lead(source)}声明为 {label}，该坐标系的东坐标带有带号（约 {fe:,.0f} 米），但数据的东坐标"
            f"（如 {minx:,.0f}）不带带号；请改用不带带号的版本，如 {cm_variant}"
        )
        raise CRSError(msg, zh=zh)
    if fe < 1e6 and minx > 1e7:
        zone = int(minx // 1e6)
        msg = (
            f"{source} is declared in {label} (false easting {fe:,.0f} m) but its eastings such "
            f"as {minx:,.0f} carry a zone prefix ({zone}); use the zone variant, e.g. "
            f"{_zone_variant_hint(zone)}"
        )
        zh = (
            f"{zh_lead(source)}声明为 {label}（东偏移 {fe:,.0f} 米，不带带号），但数据的东坐标（如 {minx:,.0f}）"
            f"带有带号 {zone}；请改用带带号的版本，如 {_zone_variant_hint_zh(zone)}"
        )
        raise CRSError(msg, zh=zh)
    declared_zone = int(fe // 1e6)
    data_zones = {int(minx // 1e6), int(maxx // 1e6)}
    if fe > 1e6 and data_zones != {declared_zone}:
        zone = int(minx // 1e6)
        hint = _zone_variant_hint(zone)
        msg = (
            f"{source} is declared in {label} (zone {declared_zone}, eastings {declared_zone},xxx,xxx m) but "
            f"its eastings such as {minx:,.0f} carry the zone prefix {zone}; the .prj or --crs names the "
            f"wrong zone — use {hint}"
        )
        zh = (
            f"{zh_lead(source)}声明为 {label}（第 {declared_zone} 带，东坐标应为 {declared_zone},xxx,xxx 米），但数据的"
            f"东坐标（如 {minx:,.0f}）带号为 {zone}：.prj 文件或所选坐标系的分带有误，请改用 {_zone_variant_hint_zh(zone)}"
        )
        raise CRSError(msg, zh=zh)


def check_projected_plausible(bounds: tuple[float, float, float, float], crs: CRS, *, source: str) -> None:
    """Raise a CRSError if data in a projected ``crs`` is implausible.

    Detects degree-sized numbers declared as metres, Gauss-Kruger eastings with/without a
    zone prefix that the CRS does not expect (or the prefix of another zone), and data that
    lands outside China once converted to longitude/latitude.
    """
    minx, miny, maxx, maxy = bounds
    label = crs_label(crs)
    if not all(math.isfinite(v) for v in bounds):
        msg = f"{source} has non-finite coordinates (NaN or infinity); expected projected metres in {label}"
        raise CRSError(msg, zh=f"{zh_lead(source)}含有无效坐标（NaN 或无穷大）；应为 {label} 下以米为单位的投影坐标")
    if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
        msg = (
            f"{source} is declared in the projected CRS {label} (metres) but its coordinates "
            f"such as ({minx:.5f}, {miny:.5f}) look like degrees; give --crs EPSG:4490 "
            "(CGCS2000) or EPSG:4326, or fix the .prj"
        )
        zh = (
            f"{zh_lead(source)}声明为投影坐标系 {label}（单位：米），但其坐标（如 ({minx:.5f}, {miny:.5f})）看起来是"
            "以度为单位的经纬度；请改选 EPSG:4490（CGCS2000）或 EPSG:4326（命令行 --crs EPSG:4490），或修正 .prj 文件"
        )
        raise CRSError(msg, zh=zh)
    _check_zone_prefix(bounds, crs, source=source)
    inside, lonlat = _inside_china(crs, [minx, maxx, minx, maxx], [miny, miny, maxy, maxy])
    if inside:
        return
    finite = all(math.isfinite(v) for v in lonlat)
    where = f"lon {lonlat[0]:.3f}..{lonlat[2]:.3f}, lat {lonlat[1]:.3f}..{lonlat[3]:.3f}" if finite else "nowhere valid"
    swapped_inside, _ = _inside_china(crs, [miny, maxy, miny, maxy], [minx, minx, maxx, maxx])
    advice = (
        "X and Y look swapped (Chinese surveying writes X = northing first, Y = easting second); "
        "give the easting as x and the northing as y"
        if swapped_inside
        else "Check the CRS (zone, central meridian) and the order of X and Y"
    )
    msg = (
        f"{source} is declared in {label}, but its coordinates ({minx:,.0f}, {miny:,.0f})..({maxx:,.0f}, "
        f"{maxy:,.0f}) land outside China ({where}); expected data in China (Hunan: lon 108.6-114.3 E, "
        f"lat 24.6-30.1 N). {advice}"
    )
    where_zh = (
        f"经度 {lonlat[0]:.3f}–{lonlat[2]:.3f}，纬度 {lonlat[1]:.3f}–{lonlat[3]:.3f}"
        if finite
        else "无法换算为有效位置"
    )
    advice_zh = (
        "X 与 Y 看起来颠倒了（我国测量习惯 X 为北坐标在前、Y 为东坐标在后）；请把东坐标作为 x、北坐标作为 y"
        if swapped_inside
        else "请检查坐标系（分带、中央经线）以及 X、Y 的顺序"
    )
    zh = (
        f"{zh_lead(source)}声明为 {label}，但其坐标 ({minx:,.0f}, {miny:,.0f})..({maxx:,.0f}, {maxy:,.0f}) 落在中国境外"
        f"（{where_zh}）；坐标应在中国境内（湖南：东经 108.6–114.3°，北纬 24.6–30.1°）。{advice_zh}"
    )
    raise CRSError(msg, zh=zh)
