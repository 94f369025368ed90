"""Generic spatial core: errors, CRS handling, reading/writing vector data, geometry repair.

Nothing here knows about zones or rules; ``layers`` and ``zoning`` build on it.
"""

from __future__ import annotations

from gis.crs import (
    STORAGE_CRS,
    CrsChoice,
    bd09_to_wgs84,
    check_lonlat_plausible,
    check_projected_plausible,
    crs_from_prj,
    gcj02_to_wgs84,
    gk_epsg,
    parse_crs,
    wgs84_to_bd09,
    wgs84_to_gcj02,
    work_crs_for,
)
from gis.errors import (
    CRSError,
    DataSourceError,
    GeometryError,
    InputError,
    PlanningError,
    RuleConfigError,
    SchemaError,
)
from gis.io import (
    SUPPORTED_EXTENSIONS,
    FeatureSet,
    LayerInfo,
    list_layers,
    parse_coordinates,
    parse_dms,
    read_features,
    write_features,
)
from gis.repair import GeometryRepairWarning, RepairReport, repair_geometries

__all__ = [
    "STORAGE_CRS",
    "SUPPORTED_EXTENSIONS",
    "CRSError",
    "CrsChoice",
    "DataSourceError",
    "FeatureSet",
    "GeometryError",
    "GeometryRepairWarning",
    "InputError",
    "LayerInfo",
    "PlanningError",
    "RepairReport",
    "RuleConfigError",
    "SchemaError",
    "bd09_to_wgs84",
    "check_lonlat_plausible",
    "check_projected_plausible",
    "crs_from_prj",
    "gcj02_to_wgs84",
    "gk_epsg",
    "list_layers",
    "parse_coordinates",
    "parse_crs",
    "parse_dms",
    "read_features",
    "repair_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
    "work_crs_for",
    "write_features",
]
