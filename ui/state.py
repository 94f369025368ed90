"""Widget and session-state keys, one constant per key, named ``"<page>.<name>"``.

Tests find widgets by these keys (``at.text_input(key=state.SCREEN_COORDS)``), so a key is
part of the app's test contract: rename it here only, never inline a literal in a page.
"""

from __future__ import annotations

# --- shared (app.py sidebar) -----------------------------------------------------------
LANG = "app.lang"
ONLINE_TILES = "app.online_tiles"
TIANDITU_KEY = "app.tianditu_key"
BASEMAP_ON = "app.basemap_on"  # show the deployment's configured base map (ZONING_BASEMAP_URL)

# --- 项目筛查 Screen ----------------------------------------------------------------------
SCREEN_INPUT_MODE = "screen.input_mode"
SCREEN_MAP = "screen.map"
SCREEN_UPLOAD = "screen.upload"
SCREEN_UPLOAD_LAYER = "screen.upload_layer"
SCREEN_UPLOAD_CRS = "screen.upload_crs"
SCREEN_FEATURE = "screen.feature"
SCREEN_COORDS = "screen.coords"
SCREEN_COORD_CRS = "screen.coord_crs"
SCREEN_GEOM_KIND = "screen.geom_kind"
SCREEN_NAME = "screen.name"
SCREEN_TYPE = "screen.type"
SCREEN_ATTR_PREFIX = "screen.attr."
SCREEN_WITHIN = "screen.within_m"  # list every zone within this radius (m); 0 = no
SCREEN_RUN = "screen.run"
SCREEN_RESULT = "screen.result"  # session memo: (input signature, result)
SCREEN_DRAWN = "screen.drawn"  # the last drawn GeoJSON feature
SCREEN_BUILDER = "screen.builder"
SCREEN_PROJECT_CODE = "screen.project_code"
SCREEN_AS_OF = "screen.as_of"

# --- 批量审查 Batch review ------------------------------------------------------------------
BATCH_UPLOAD = "batch.upload"
BATCH_UPLOAD_LAYER = "batch.upload_layer"
BATCH_UPLOAD_CRS = "batch.upload_crs"
BATCH_NAME_COL = "batch.name_col"
BATCH_TYPE_COL = "batch.type_col"
BATCH_FIXED_TYPE = "batch.fixed_type"
BATCH_ATTR_PREFIX = "batch.attr."
BATCH_RUN = "batch.run"
BATCH_RESULT = "batch.result"  # session memo: (input signature, results)
BATCH_OWNER_COL = "batch.owner_col"
BATCH_CODE_COL = "batch.code_col"
BATCH_PROBLEMS = "batch.problems"  # the table of rows set aside
BATCH_TABLE = "batch.table"  # the results table (its row selection opens the detail)
BATCH_DETAIL = "batch.detail"  # the project shown in detail (position in the results)
BATCH_FILTER_VERDICT = "batch.filter_verdict"
BATCH_FILTER_COUNTY = "batch.filter_county"
BATCH_MAP = "batch.map"
BATCH_AS_OF = "batch.as_of"
BATCH_CANCEL = "batch.cancel"
BATCH_CANCELLED = "batch.cancelled"

# --- 选址建议 Site finder ---------------------------------------------------------------
SITES_TYPE = "sites.type"
SITES_ATTR_PREFIX = "sites.attr."
SITES_TABS = "sites.tabs"
SITES_AREA_MODE = "sites.area_mode"
SITES_COUNTY = "sites.county"
SITES_BBOX = "sites.bbox"
SITES_DRAW_MAP = "sites.draw_map"
SITES_DRAWN = "sites.drawn"  # the drawn search area (GeoJSON feature)
SITES_RESOLUTION = "sites.resolution"
SITES_EXCLUDE = "sites.exclude_conditional"
SITES_AREA_M2 = "sites.area_m2"
SITES_DEM = "sites.dem"
SITES_MAX_SLOPE = "sites.max_slope"
SITES_RUN = "sites.run"
SITES_RESULT = "sites.result"  # session memo: (search key, SiteSearch)
SITES_MAP = "sites.map"
SITES_TABLE = "sites.table"
SITES_PICK = "sites.pick"
SITES_CMP_MODE = "sites.cmp_mode"
SITES_CMP_UPLOAD = "sites.cmp_upload"
SITES_CMP_UPLOAD_LAYER = "sites.cmp_upload_layer"
SITES_CMP_UPLOAD_CRS = "sites.cmp_upload_crs"
SITES_CMP_DRAW_MAP = "sites.cmp_draw_map"
SITES_CMP_DRAWN = "sites.cmp_drawn"  # the drawn alternatives (GeoJSON features)
SITES_CMP_RESULT = "sites.cmp_result"  # session memo of the comparison screening
SITES_CMP_MAP = "sites.cmp_map"
SITES_CMP_TABLE = "sites.cmp_table"

# --- 公众查询 Public map -------------------------------------------------------------------
PUBLIC_LAYERS = "public.layers"  # + ".zh" / ".en": the widget of each language
PUBLIC_LAYERS_CHOICE = "public.layers_choice"  # the layers chosen, whatever the language
PUBLIC_MAP = "public.map"
PUBLIC_PLACE = "public.place"
PUBLIC_PLACE_PICK = "public.place_pick"
PUBLIC_PLACE_QUERY = "public.place_query"  # the query the place pick belongs to
PUBLIC_COORDS = "public.coords"
PUBLIC_COORD_CRS = "public.coord_crs"
PUBLIC_LOOKUP = "public.lookup"
PUBLIC_CLICKED = "public.clicked"  # the last point asked about (lon, lat, label)
PUBLIC_ZOOM = "public.zoom"  # zoom the map to the point asked about
PUBLIC_HITS = "public.hits"  # the zones at the point asked about, looked up once: ((lon, lat, store), hits)
PUBLIC_ASKED_FROM = "public.asked_from."  # + source: the last value each input gave


def attr_key(prefix: str, type_key: str, attribute: str) -> str:
    """Widget key of one project-attribute input, unique per page, type and attribute.

    The type is part of the key so that switching the project type does not carry a value
    typed for another type's attribute across.
    """
    return f"{prefix}{type_key}.{attribute}"
