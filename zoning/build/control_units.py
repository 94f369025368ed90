"""Environmental control units (环境管控单元) derived from zone layers, county by county.

The 生态环境分区管控 ("三线一单") plans divide each county, without gaps or overlaps, into
优先保护, 重点管控 and 一般管控 units. Where the official unit layer is not at hand, the
embedded store derives illustrative units by a documented method (``data/README.md``):

1. **优先保护单元**, in this order: the ecological parts (red line, nature reserves, scenic
   areas, important wetlands, nature parks, aquatic germplasm reserves) as one unit
   "生态保护红线及自然保护地"; the drinking-water source protection zones (一级, 二级) not
   already in it as one unit "饮用水水源保护区";
2. **重点管控单元**: the compliant industrial parks not in a priority unit ("产业园区"), then
   the town built-up areas not in any of the above ("城镇生活");
3. **一般管控单元**: the rest of the county.

Each group takes, within the county, what the groups before it did not take, so the units
partition the county. The partition is one planar overlay (the faces of the county's and the
groups' outlines, each face given to the first group covering it), so neighbouring units
share their borders exactly: their union is the county and they do not overlap. A group
smaller than ``min_area_m2`` in a county (a sliver where two outlines almost meet) is not
made a unit of its own; it stays with the general unit.

Codes follow the published pattern: ``ZH`` + the county's 6-digit adcode + the category
digit (1 优先保护, 2 重点管控, 3 一般管控) + a 4-digit serial, e.g. ``ZH43090220001``.

Examples
--------
>>> from shapely.geometry import box
>>> counties = gpd.GeoDataFrame({"adcode": ["430902"], "name": ["资阳区"]},
...                             geometry=[box(112.0, 28.0, 112.1, 28.1)], crs="EPSG:4490")
>>> groups = [UnitGroup("优先保护单元", "生态保护红线及自然保护地", box(112.0, 28.0, 112.02, 28.1))]
>>> units = derive_units(counties, groups)
>>> list(zip(units["code"], units["category"]))
[('ZH43090210001', '优先保护单元'), ('ZH43090230001', '一般管控单元')]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gis.crs import STORAGE_CRS
from zoning.build import _illustrations as il

__all__ = ["UnitGroup", "CATEGORY_DIGITS", "GENERAL", "derive_units", "unit_code"]

#: Category -> the digit after the adcode in a unit code.
CATEGORY_DIGITS = {"优先保护单元": "1", "重点管控单元": "2", "一般管控单元": "3"}
GENERAL = "一般管控单元"
_GENERAL_SUBTYPE = "一般管控区"


@dataclass(frozen=True)
class UnitGroup:
    """What one kind of unit is made of: its category, subtype and the (province-wide)
    lon/lat geometry of its parts."""

    category: str
    subtype: str
    geometry: BaseGeometry


def unit_code(adcode: str, category: str, serial: int) -> str:
    """``ZH`` + adcode + category digit + 4-digit serial.

    >>> unit_code("430902", "重点管控单元", 1)
    'ZH43090220001'
    """
    return f"ZH{adcode}{CATEGORY_DIGITS[category]}{serial:04d}"


def _polygons(geom: BaseGeometry) -> BaseGeometry:
    return il.nonempty(geom) if not geom.is_empty else Polygon()


def derive_units(
    counties: gpd.GeoDataFrame, groups: Sequence[UnitGroup], *, min_area_m2: float = 10_000.0
) -> gpd.GeoDataFrame:
    """Partition each county (``adcode``, ``name``, geometry; EPSG:4490) into units.

    Returns
    -------
    GeoDataFrame
        ``code``, ``name``, ``category``, ``subtype``, ``adcode`` and geometry (EPSG:4490),
        in county order, then in the order of ``groups``, the general unit last.
    """
    rows = []
    for _, county in counties.sort_values("adcode").iterrows():
        area = _polygons(county.geometry)
        clipped = [_polygons(g.geometry.intersection(area)) if g.geometry.intersects(area) else Polygon() for g in groups]
        faces, owner = _faces(area, clipped)
        serial: Counter[str] = Counter()
        for i, group in enumerate(groups):
            mine = [f for f, o in zip(faces, owner, strict=True) if o == i]
            piece = _polygons(shapely.union_all(mine)) if mine else Polygon()
            if piece.is_empty or il.area_m2(piece) < min_area_m2:
                owner = [len(groups) if o == i else o for o in owner]  # left to the general unit
                continue
            serial[group.category] += 1
            rows.append(_unit(county, group.category, group.subtype, serial[group.category], piece))
        rest = [f for f, o in zip(faces, owner, strict=True) if o == len(groups)]
        if rest:
            rows.append(_unit(county, GENERAL, _GENERAL_SUBTYPE, 1, _polygons(shapely.union_all(rest))))
    columns = ["code", "name", "category", "subtype", "adcode", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=STORAGE_CRS)


def _faces(area: BaseGeometry, clipped: Sequence[BaseGeometry]) -> tuple[list[BaseGeometry], list[int]]:
    """The planar faces of the county's and the groups' outlines inside the county, and for
    each the first group covering it (``len(clipped)`` = none: the general unit). Faces of one
    noded linework share their edges exactly, so the units made of them do too."""
    edges = shapely.union_all([shapely.boundary(g) for g in (area, *clipped) if not g.is_empty])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(edges))) if f.area > 0]
    inside = [f for f in faces if area.contains(shapely.point_on_surface(f))]
    owner = []
    for face in inside:
        point = shapely.point_on_surface(face)
        owner.append(next((i for i, g in enumerate(clipped) if not g.is_empty and g.contains(point)), len(clipped)))
    return inside, owner


def _unit(county: object, category: str, subtype: str, serial: int, geom: BaseGeometry) -> dict[str, object]:
    adcode, county_name = str(county["adcode"]), str(county["name"])  # type: ignore[index]
    label = f"{county_name}一般管控单元" if category == GENERAL else f"{county_name}{subtype}{category}"
    return {
        "code": unit_code(adcode, category, serial),
        "name": f"{label}（示意）",
        "category": category,
        "subtype": subtype,
        "adcode": adcode,
        "geometry": geom,
    }
