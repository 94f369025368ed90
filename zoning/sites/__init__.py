"""选址建议 — the site finder: where in an area a project type may go, from the rules themselves.

The engine answers "may it go here?"; this package asks it the reverse. For a project type
and attributes it derives the constraint surfaces from the rule matrix (``surfaces``),
rasterises them with rasterio at a stated resolution and combines them into a worst-verdict
raster (``grid``), vectorises the places not excluded back into candidate polygons, screens
every candidate with ``zoning.engine.screen`` on its exact geometry (``finder``), ranks them
and writes them as a GeoPackage (``output``); results are cached per type, attributes,
area, store and rules (``cache``).

    $ python -m zoning site-find --type chemical_project --county 衡阳县 -o sites.gpkg

The engine's root never imports this package (tests/test_architecture.py).
"""

from __future__ import annotations

from zoning.sites.area import SearchArea, area_from_bbox, area_from_county, area_from_file, area_from_geometry
from zoning.sites.cache import cached_find_sites, search_key
from zoning.sites.finder import Progress, find_sites
from zoning.sites.model import DEFAULT_MIN_AREA_M2, EXCLUDABLE, Candidate, Reason, SiteQuery, SiteSearch, edges_text
from zoning.sites.output import candidate_rows, write_sites

__all__ = [
    "SearchArea",
    "area_from_bbox",
    "area_from_county",
    "area_from_file",
    "area_from_geometry",
    "SiteQuery",
    "SiteSearch",
    "Candidate",
    "Reason",
    "DEFAULT_MIN_AREA_M2",
    "EXCLUDABLE",
    "edges_text",
    "find_sites",
    "cached_find_sites",
    "search_key",
    "Progress",
    "candidate_rows",
    "write_sites",
]
