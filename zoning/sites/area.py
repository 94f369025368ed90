"""Where the site finder searches: a county of the store's admin layer, a lon/lat box, or a file.

Every search area is held twice: in CGCS2000 lon/lat (EPSG:4490, what the engine screens)
and in the Gauss-Kruger zone of its centroid (``gis.crs.work_crs_for_geometry``, the
engine's own choice), where the raster grid is laid out in metres.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_CRS, check_lonlat_plausible, work_crs_for_geometry
from gis.errors import InputError, Label
from gis.text import Text

__all__ = ["SearchArea", "area_from_county", "area_from_bbox", "area_from_file", "area_from_geometry", "to_work",
           "to_lonlat"]


@dataclass(frozen=True)
class SearchArea:
    """The area searched: lon/lat and work-CRS geometry, the work CRS, and its name."""

    lonlat: BaseGeometry
    work: BaseGeometry
    crs: str
    label: Text
    #: What identifies the area in the result cache (a county name, a box, a geometry's WKB hash).
    key: str


def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _apply(geom: Any, src: str, dst: str) -> Any:
    tr = _transformer(src, dst)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _xy)


def to_work(geom: Any, crs: str) -> Any:
    """Lon/lat (EPSG:4490) geometry (or array of them) into the work CRS ``crs``."""
    return _apply(geom, STORAGE_CRS, crs)


def to_lonlat(geom: Any, crs: str) -> Any:
    """Work-CRS geometry (or array of them) back to lon/lat (EPSG:4490)."""
    return _apply(geom, crs, STORAGE_CRS)


def area_from_geometry(geom: BaseGeometry, *, label: Text, key: str) -> SearchArea:
    """A search area from a lon/lat polygon (repaired when invalid).

    Raises
    ------
    InputError
        The geometry has no area (a point or a line cannot be searched).
    CRSError
        The coordinates are not plausible lon/lat in China.
    """
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = shapely.get_parts(geom)
    polys = polys[shapely.get_dimensions(polys) == 2]
    if geom.is_empty or len(polys) == 0:
        msg = f"search area {label.en}: expected a polygon (an area to search), got {geom.geom_type}"
        raise InputError(msg, zh=f"搜索范围“{label.zh}”应为面（要搜索的区域），实为 {geom.geom_type}")
    geom = shapely.union_all(polys)
    crs = work_crs_for_geometry(geom, source=Label(f"search area {label.en}", f"搜索范围“{label.zh}”"))
    return SearchArea(geom, to_work(geom, crs), crs, label, key)


def area_from_county(admin: Any, name: str) -> SearchArea:
    """The admin feature named ``name`` (or with adcode ``name``) of the store's admin layer.

    ``admin`` is the admin layer's GeoDataFrame. A name matching several features (the same
    county name in two prefectures) or none is refused with the candidates listed.

    Raises
    ------
    InputError
        No such division, or an ambiguous name.
    """
    text = str(name).strip()
    names = [str(v).strip() for v in admin["name"]]
    codes = [str(v).strip() for v in admin["adcode"]] if "adcode" in admin.columns else [""] * len(names)
    hit = [i for i, (n, c) in enumerate(zip(names, codes, strict=True)) if text in (n, c)]
    if not hit:
        close = difflib.get_close_matches(text, names, n=5, cutoff=0.3)
        msg = (f"--county {text!r}: no division of that name or code in the store's admin layer; "
               f"close names: {', '.join(close) or 'none'}")
        zh = f"--county “{text}”：图层库行政区划中没有此名称或代码的区划；相近的名称：{'、'.join(close) or '无'}"
        raise InputError(msg, zh=zh)
    if len(hit) > 1:
        found = ", ".join(f"{names[i]} ({codes[i] or '?'})" for i in hit)
        msg = f"--county {text!r} names several divisions: {found}; give the 6-digit adcode instead"
        raise InputError(msg, zh=f"--county “{text}”对应多个区划：{found}；请改用6位行政区划代码")
    row = admin.iloc[[hit[0]]]
    if row.crs is not None and not row.crs.is_geographic:
        row = row.to_crs(STORAGE_CRS)
    label = names[hit[0]]
    return area_from_geometry(row.geometry.iloc[0], label=Text(label, label), key=f"county:{codes[hit[0]] or label}")


def area_from_bbox(bbox: str | Sequence[float]) -> SearchArea:
    """A lon/lat box ``W,S,E,N`` (text or four numbers).

    Raises
    ------
    InputError
        Not four numbers, or west >= east / south >= north.
    """
    text = bbox if isinstance(bbox, str) else ",".join(str(v) for v in bbox)
    try:
        w, s, e, n = (float(v) for v in text.replace("，", ",").split(","))
    except ValueError as err:
        msg = f"--bbox {text!r}: expected four numbers W,S,E,N in degrees, e.g. 112.3,26.8,112.9,27.3"
        raise InputError(msg, zh=f"--bbox “{text}”格式有误：应为四个数（经纬度）西,南,东,北，如 112.3,26.8,112.9,27.3") from err
    if not (w < e and s < n):
        msg = f"--bbox {text!r}: west must be less than east and south less than north"
        raise InputError(msg, zh=f"--bbox “{text}”：西经度应小于东经度，南纬度应小于北纬度")
    check_lonlat_plausible((w, s, e, n), source=Label(f"--bbox {text}", f"--bbox “{text}”"))
    box = shapely.box(w, s, e, n)
    label = f"{w:g},{s:g},{e:g},{n:g}"
    return area_from_geometry(box, label=Text(f"范围 {label}", f"box {label}"), key=f"bbox:{label}")


def area_from_file(path: str | Path, *, layer: str | None = None, crs: str | None = None) -> SearchArea:
    """The union of the polygons of a file (any format ``gis.io.read_features`` reads).

    Raises
    ------
    InputError
        The file holds no polygon.
    DataSourceError
        The file cannot be read.
    """
    import hashlib

    from gis.io import read_features

    fs = read_features(path, layer=layer, crs=crs)
    gdf = fs.gdf if fs.gdf.crs is None or fs.gdf.crs.is_geographic else fs.gdf.to_crs(STORAGE_CRS)
    geom = shapely.union_all(np.asarray(gdf.geometry.to_numpy(), dtype=object))
    name = Path(str(path)).name
    digest = hashlib.sha256(shapely.to_wkb(geom)).hexdigest()[:16]
    return area_from_geometry(geom, label=Text(name, name), key=f"geometry:{digest}")
