"""Turn what the user gave (a drawing, an uploaded file, typed coordinates) into Projects.

All three go through the same readers as the CLI (``gis.io``) and the same
``zoning.engine.projects_from_features``, so a drawn polygon is checked, repaired and
converted exactly like an uploaded one. No Streamlit here: the pages call these and show a
``PlanningError`` as a message, and the tests call them directly.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import HUNAN_BOUNDS, ZoneGuess, gk_zones
from gis.errors import GeometryError, InputError
from layers.paths import DATA_DIR
from zoning.model import Project

if TYPE_CHECKING:  # gis.io itself is imported when first needed
    from gis.io import GeometryKind

log = logging.getLogger(__name__)

__all__ = [
    "COORD_CRS_CHOICES",
    "GK_CHOICES",
    "GEOM_KINDS",
    "NAME_COLUMNS",
    "ParsedInput",
    "drawing_to_features",
    "feature_name",
    "read_drawing",
    "read_upload",
    "list_upload_layers",
    "read_typed",
    "guess_zone",
    "to_projects",
    "measure",
    "Measures",
]

#: The CGCS2000 3-degree Gauss-Kruger zones over Hunan (CM 108, 111, 114E), each without and
#: with the zone number in the easting: EPSG:4545, 4524, 4546, 4525, 4547, 4526.
GK_CHOICES: tuple[str, ...] = tuple(zone.code for zone in gk_zones(HUNAN_BOUNDS))
#: The coordinate systems a planner can pick for typed coordinates (value -> gis.crs name).
COORD_CRS_CHOICES: tuple[str, ...] = ("EPSG:4490", "EPSG:4326", "gcj02", "bd09", *GK_CHOICES)
#: What typed coordinates describe.
GEOM_KINDS: Final[tuple[GeometryKind, ...]] = ("auto", "point", "line", "polygon")
#: Columns that name a project, in the order they are looked for (as the engine does).
NAME_COLUMNS: tuple[str, ...] = ("name", "名称", "项目名称", "Name", "NAME")


@dataclass(frozen=True)
class ParsedInput:
    """Features read from the user's input, before a project type is chosen."""

    features: Any  # gis.io.FeatureSet
    label: str  # what to call the input in messages (file name, 绘制的图形...)

    @property
    def count(self) -> int:
        return len(self.features.gdf)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self.features.notes or ())

    @property
    def columns(self) -> list[str]:
        gdf = self.features.gdf
        return [c for c in gdf.columns if c != gdf.geometry.name]

    def geometries_lonlat(self) -> list[BaseGeometry]:
        """The geometries in lon/lat (EPSG:4490), for showing them back to the user."""
        gdf = self.features.gdf
        if gdf.crs is not None and not gdf.crs.is_geographic:
            gdf = gdf.to_crs("EPSG:4490")
        return list(gdf.geometry)


def feature_name(parsed: ParsedInput) -> str | None:
    """The project's own name when the input is one feature with a filled-in name column."""
    gdf = parsed.features.gdf
    column = next((c for c in NAME_COLUMNS if c in gdf.columns), None)
    if column is None or len(gdf) != 1:
        return None
    value = gdf[column].iloc[0]
    text = "" if value is None or value != value else str(value).strip()  # None / NaN = no name
    return text or None


def drawing_to_features(drawings: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, Any]:
    """The Leaflet.draw output (one feature or a list) as a GeoJSON FeatureCollection.

    Leaflet draws in WGS84 lon/lat. Raises ``GeometryError`` when nothing was drawn.
    """
    if drawings is None:
        items: list[Mapping[str, Any]] = []
    elif isinstance(drawings, Mapping):
        items = list(drawings.get("features", [drawings])) if drawings.get("type") == "FeatureCollection" else [drawings]
    else:
        items = list(drawings)
    features = [
        {"type": "Feature", "properties": {}, "geometry": dict(item["geometry"])}
        for item in items
        if isinstance(item, Mapping) and item.get("geometry")
    ]
    if not features:
        msg = "nothing was drawn on the map; draw a point, line or polygon with the toolbar on the map's left"
        raise GeometryError(msg, zh="地图上还没有绘制图形；请用地图左侧的工具栏绘制点、线或面")
    return {"type": "FeatureCollection", "features": features}


def read_drawing(drawings: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None) -> ParsedInput:
    """Read what was drawn on the map (WGS84 lon/lat, as Leaflet gives it)."""
    from gis.io import read_features

    collection = drawing_to_features(drawings)
    data = json.dumps(collection).encode("utf-8")
    # Leaflet's lon/lat is WGS84, which screening treats as equal to CGCS2000: saying so for
    # every drawing would only be noise for the planner.
    fs = read_features(data, filename="drawing.geojson", crs="EPSG:4490")
    # The reader still says how it took the CRS ("read as EPSG:4490, not the file's own
    # EPSG:4326"); for a drawing that is always true and never news. Repair notes stay.
    notes = tuple(n for n in (fs.notes or ()) if "EPSG:4326" not in str(n))
    return ParsedInput(replace(fs, notes=notes), "drawing.geojson")


def read_upload(
    data: bytes, *, filename: str, layer: str | None = None, crs: str | None = None, columns: tuple[str, str] | None = None
) -> ParsedInput:
    """Read an uploaded file (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, XLSX);
    ``columns`` are a table's (x, y) coordinate columns when mapped by hand."""
    from gis.io import read_features

    if not data:
        msg = f"{filename}: the uploaded file is empty; expected GeoJSON, a zipped Shapefile, GeoPackage, KML/KMZ or CSV"
        zh = f"{filename}：上传的文件为空；应为 GeoJSON、Shapefile 压缩包、GeoPackage、KML/KMZ 或 CSV 文件"
        raise InputError(msg, zh=zh)
    fs = read_features(data, filename=filename, layer=layer or None, crs=crs or None, columns=columns)
    return ParsedInput(fs, filename)


def list_upload_layers(data: bytes, *, filename: str) -> list[str]:
    """The layer names of an uploaded file (several for a GeoPackage, one for most formats)."""
    from gis.io import list_layers

    return [info.name for info in list_layers(data, filename=filename)]


@functools.lru_cache(maxsize=1)
def _province() -> Any:
    """Hunan's outline (the shipped base map), a little widened, or its bounding box."""
    path = DATA_DIR / "base" / "admin_province_display.geojson"
    try:
        import geopandas as gpd

        return shapely.union_all(gpd.read_file(path).geometry.values).buffer(0.05)
    except Exception as err:  # noqa: BLE001 - the box still gives an answer, only a vaguer one
        log.warning("province outline %s cannot be read (%s); zones are guessed within Hunan's bounding box", path, err)
        return HUNAN_BOUNDS


def guess_zone(text: str) -> ZoneGuess | None:
    """The Gauss-Kruger zone typed X/Y are likely in (``gis.io.guess_typed_crs`` within Hunan's
    outline), or None for degrees and text that is not coordinates."""
    from gis.io import guess_typed_crs

    return guess_typed_crs(text, region=_province())


def read_typed(text: str, *, crs: str, kind: str) -> ParsedInput:
    """Read typed coordinates (decimal or 度分秒), one pair per line, as a point, line or polygon.

    Raises
    ------
    InputError
        Unreadable coordinates (naming the line), or too few points for ``kind``.
    """
    from gis.io import parse_coordinates

    if kind not in GEOM_KINDS:
        msg = f"geometry kind {kind!r} is not one of {list(GEOM_KINDS)}"
        raise InputError(msg, zh=f"几何类型“{kind}”无效；应为 {'、'.join(GEOM_KINDS)} 之一")
    fs = parse_coordinates(text, crs=crs, geometry=kind)
    return ParsedInput(fs, "coordinates")


def to_projects(
    parsed: ParsedInput,
    *,
    type_key: str | None = None,
    type_field: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    name: str | None = None,
    name_field: str | None = None,
    project_types: Any = None,
    builder: str | None = None,
    builder_field: str | None = None,
    project_code: str | None = None,
    project_code_field: str | None = None,
) -> list[Project]:
    """Projects from parsed input: one per feature, with the chosen type and attributes
    (and 建设单位 / 项目代码: given, from the named columns, or from columns named like them)."""
    from zoning.engine import projects_from_features

    return projects_from_features(
        parsed.features,
        type=type_key,
        type_field=type_field,
        attrs=dict(attributes or {}),
        name=name or None,
        name_field=name_field or None,
        project_types=project_types,
        builder=builder or None,
        builder_field=builder_field or None,
        project_code=project_code or None,
        project_code_field=project_code_field or None,
    )


@dataclass(frozen=True)
class Measures:
    """Size of the parsed geometry, measured in its metric work CRS (never in degrees)."""

    geometry_type: str
    area_m2: float
    length_m: float
    work_crs: str


def measure(geometries: Sequence[BaseGeometry]) -> Measures:
    """Area and length of lon/lat geometries, planar in the CGCS2000 Gauss-Kruger zone."""
    import geopandas as gpd

    from gis.crs import work_crs_for

    geoms = [g for g in geometries if g is not None and not g.is_empty]
    if not geoms:
        msg = "the input has no geometry; expected at least one point, line or polygon"
        raise GeometryError(msg, zh="输入的内容没有几何图形；应至少有一个点、线或面")
    union = shapely.union_all(geoms)
    crs = work_crs_for(union.bounds)
    projected = gpd.GeoSeries([union], crs="EPSG:4490").to_crs(crs).iloc[0]
    area = float(projected.area)
    length = 0.0 if area > 0 else float(projected.length)
    types = sorted({g.geom_type for g in geoms})
    return Measures("/".join(types), area, length, crs)
