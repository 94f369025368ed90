"""The app's maps (folium, offline) and the display form of zone layers.

This is the only module that reprojects to EPSG:4326 and simplifies geometry, and it does
so for display only: screening always uses the full-precision store geometry in a metric
work CRS. A map is built by :func:`build_map` from plain inputs (GeoJSON dicts, shapely
geometries in lon/lat), so tests inspect the returned ``folium.Map`` without a browser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from pyproj import Transformer
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from ui.csp import map_policy
from ui.escape import html_text
from ui.i18n import Lang, tr, zone_label
from ui.map_text import FieldsTooltip, TextTooltip, layer_name
from ui.offline import STATIC_URL, localise
from ui.styles import ZONE_PANE, palette, verdict_colour, zone_colour, zone_style
from zoning.model import VERDICT_RANK

__all__ = [
    "DISPLAY_CRS",
    "HUNAN_BOUNDS",
    "VECTOR_LIMIT",
    "ZoneLayerView",
    "MapPoint",
    "OnlineTiles",
    "display_tolerance_deg",
    "to_display_geojson",
    "zone_layer_view",
    "build_map",
    "LayerMeta",
    "result_map",
    "batch_map",
    "ZoneTilesLayer",
    "StaticBase",
    "tile_legend_views",
]

#: Leaflet draws in lon/lat; CGCS2000 and WGS84 are treated as equal for screening.
DISPLAY_CRS = "EPSG:4326"
#: Hunan's extent (lon/lat), the default view: (minx, miny, maxx, maxy).
HUNAN_BOUNDS = (108.78, 24.64, 114.26, 30.13)
#: About one screen pixel on a map ~1500 px wide: coarser detail cannot be seen.
_PIXELS_ACROSS = 1500
#: More features than this in view and a layer is drawn as a picture, not as vectors.
VECTOR_LIMIT = 3000
_MERC = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@dataclass(frozen=True)
class ZoneLayerView:
    """One zone layer ready for display: simplified GeoJSON in lon/lat plus its labels —
    or, for a layer too dense to draw as vectors at this scale, a picture of it."""

    layer_id: str
    title: str
    geojson: Mapping[str, Any]
    legal_status: str
    zone_field: str | None = None
    show: bool = True
    #: Zone values present (for the legend).
    values: tuple[str, ...] = ()
    #: (PNG data URL, (south, west, north, east)) when drawn as a picture.
    image: tuple[str, tuple[float, float, float, float]] | None = None
    #: "polygon", "line" or "point": what the legend swatch shows (a fill, or the edge colour).
    kind: str = "polygon"

    @property
    def empty(self) -> bool:
        return self.image is None and not self.geojson.get("features")


@dataclass(frozen=True)
class MapPoint:
    """A marker (batch projects, looked-up places): lon/lat, colour, hover text."""

    lon: float
    lat: float
    colour: str
    tooltip: str
    radius_px: int = 7


@dataclass(frozen=True)
class OnlineTiles:
    """Tile base maps: the deployment's own (``zoning.basemap.BaseMap``, shown unless the
    user hides it) and the online ones the user opted into (off by default; they need the
    internet)."""

    osm: bool = False
    tianditu_key: str = ""
    custom: Any = None  # zoning.basemap.BaseMap


@dataclass(frozen=True)
class _Overlay:
    geometry: BaseGeometry
    colour: str
    label: str
    weight: int = 3
    fill_opacity: float = 0.35
    dash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def display_tolerance_deg(bounds: Sequence[float]) -> float:
    """Simplification tolerance (degrees) for showing data over ``bounds`` (lon/lat).

    About a pixel of the map's width: finer detail is invisible and only costs payload.
    Display only — never use the simplified geometry for a measurement.
    """
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, maxy - miny, 1e-4)
    return span / _PIXELS_ACROSS


def to_display_geojson(
    gdf: gpd.GeoDataFrame,
    *,
    columns: Iterable[str] = (),
    tolerance_deg: float = 0.0,
    clip_bounds: Sequence[float] | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``gdf`` in lon/lat, simplified for display.

    Parameters
    ----------
    gdf
        Any CRS (must be set). Rows keep their position as ``_fid`` so a click can be
        traced back to the full-precision feature.
    columns
        Attribute columns to carry (missing ones are skipped).
    tolerance_deg
        Topology-preserving simplification tolerance in degrees (0 = none).
    clip_bounds
        Only features meeting this lon/lat box are kept, clipped to it.
    """
    gdf_ll = gdf if gdf.crs is not None and gdf.crs.to_epsg() in (4326, 4490) else gdf.to_crs(DISPLAY_CRS)
    geoms = gdf_ll.geometry.values
    keep = ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    if clip_bounds is not None:
        window = box(*clip_bounds)
        keep &= shapely.intersects(geoms, window)
        geoms = shapely.intersection(geoms, window)
    if tolerance_deg > 0:
        geoms = shapely.simplify(geoms, tolerance_deg, preserve_topology=True)
        # Digits beyond a tenth of the tolerance are invisible and only cost payload.
        decimals = min(max(math.ceil(-math.log10(tolerance_deg / 10)), 4), 7)
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    cols = [c for c in columns if c in gdf_ll.columns]
    features = []
    for pos in keep.nonzero()[0]:
        props = {c: _jsonable(gdf_ll.iloc[pos][c]) for c in cols}
        props["_fid"] = int(pos)
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geoms[pos])})
    return {"type": "FeatureCollection", "features": features}


def _jsonable(value: Any) -> Any:
    """A property value as JSON can hold it: a missing value (None, NaN, NaT) is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None  # json.dumps would write NaN, which no browser parses
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        if value != value:  # NaN / NaT
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def zone_layer_view(
    gdf: gpd.GeoDataFrame,
    *,
    layer_id: str,
    title: str,
    zone_field: str | None,
    legal_status: str,
    bounds: Sequence[float] | None = None,
    show: bool = True,
) -> ZoneLayerView:
    """Prepare one store layer for a map showing ``bounds`` (lon/lat; None = Hunan).

    Up to :data:`VECTOR_LIMIT` features in view are drawn as simplified vectors (with
    tooltips); a denser layer is drawn as a picture (see ``ui.raster``).
    """
    view = tuple(bounds or HUNAN_BOUNDS)
    values: tuple[str, ...] = ()
    if zone_field and zone_field in gdf.columns:
        values = tuple(sorted({str(v) for v in gdf[zone_field].dropna().unique()}))
    kind = _kind(gdf)
    gdf_ll = gdf if gdf.crs is not None and gdf.crs.to_epsg() in (4326, 4490) else gdf.to_crs(DISPLAY_CRS)
    in_view = gdf_ll.sindex.query(box(*view), predicate="intersects") if bounds is not None else range(len(gdf_ll))
    if len(in_view) > VECTOR_LIMIT:
        image = _zone_picture(gdf_ll.iloc[sorted(in_view)], layer_id=layer_id, zone_field=zone_field, view=view)
        return ZoneLayerView(layer_id, title, {"type": "FeatureCollection", "features": []}, legal_status, zone_field,
                             show, values, image, kind)  # fmt: skip
    columns = ["name", zone_field or "", "legal_status"]  # tooltip only; details come from the store on click
    geojson = to_display_geojson(
        gdf_ll,
        columns=[c for c in columns if c],
        tolerance_deg=display_tolerance_deg(view),
        clip_bounds=view if bounds is not None else None,
    )
    return ZoneLayerView(layer_id, title, geojson, legal_status, zone_field, show, values, kind=kind)


def _kind(gdf: gpd.GeoDataFrame) -> str:
    """What a layer's legend swatch shows: "point" or "line" when every feature is one."""
    dims = set(shapely.get_dimensions(gdf.geometry.values).tolist()) - {-1}
    return {0: "point", 1: "line"}.get(dims.pop(), "polygon") if len(dims) == 1 else "polygon"


def _zone_picture(
    gdf_ll: gpd.GeoDataFrame, *, layer_id: str, zone_field: str | None, view: tuple[float, ...]
) -> tuple[str, tuple[float, float, float, float]]:
    """The layer drawn into a Web-Mercator picture of the view (Leaflet stretches overlays
    linearly in that projection), opaque like the vector zones (the zone pane gives the
    opacity), stricter zones drawn last so they stay visible."""
    from ui.raster import rasterise_png

    zones = [str(v) if v is not None else None for v in (gdf_ll[zone_field] if zone_field in gdf_ll.columns else [None] * len(gdf_ll))]
    style = palette().layer(layer_id)
    colours = [style.zone_fill(z) for z in zones]
    order = sorted(range(len(colours)), key=lambda i: -style.rank(zones[i]))  # lightest first, strictest on top
    # Pixel-sized detail first (cheap in degrees), then project what is left.
    coarse = shapely.simplify(gdf_ll.geometry.values, display_tolerance_deg(view) / 2, preserve_topology=False)
    merc = gpd.GeoSeries(coarse, crs=gdf_ll.crs).to_crs("EPSG:3857").values
    minx, miny, maxx, maxy = view
    (x0, x1), (y0, y1) = _MERC.transform([minx, maxx], [miny, maxy])
    url = rasterise_png([merc[i] for i in order], [colours[i] for i in order], bounds=(x0, y0, x1, y1))
    return url, (miny, minx, maxy, maxx)


# --- map building -------------------------------------------------------------------------------


class ZoneTilesLayer(JSCSSMixin, folium.map.Layer):
    """The zone layers drawn from tiles the app serves (``ui.tiles``), as one map layer:
    the browser fetches only the tiles in view, so a province-scale store costs the page
    what one screen of simplified shapes costs (``static/js/zonetiles.js`` draws them)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = ZoningTiles.layer({
    base: {{ this.base|tojson }}, meta: {{ this.meta|tojson }}, visible: {{ this.visible|tojson }}
});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
"""
    )
    default_js = [("zonetiles", f"{STATIC_URL}/js/zonetiles.js")]

    def __init__(self, base: str, meta: Mapping[str, Any], visible: Iterable[str], *, name: str) -> None:
        super().__init__(name=layer_name(name), overlay=True, control=True, show=True)
        self._name = "ZoneTiles"
        self.base = base
        self.meta = dict(meta)
        self.visible = {layer_id: True for layer_id in visible}


@dataclass(frozen=True)
class StaticBase:
    """The app's base map as files it serves (``ui.static_cache.publish_json``): part name
    (``lakes``, ``rivers``, ``counties``, ``prefectures``) -> URL of its GeoJSON."""

    urls: Mapping[str, str]


class _FetchedGeoJson(folium.map.Layer):
    """A GeoJSON layer the browser fetches from the app (cached by it), with one style and
    an optional tooltip field, instead of data sent in the page on every render."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJSON(null, {
    style: {{ this.style|tojson }}, interactive: {{ this.interactive|tojson }},
    onEachFeature: function (f, layer) {
        var field = {{ this.tooltip_field|tojson }};
        if (field && f.properties && f.properties[field]) {
            layer.bindTooltip(function () {
                var div = document.createElement('div');
                div.textContent = String(f.properties[field]);
                return div;
            });
        }
    }
});
fetch({{ this.url|tojson }}).then(function (r) { return r.json(); }).then(function (d) { {{ this.get_name() }}.addData(d); });
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, url: str, *, name: str, style: Mapping[str, Any], tooltip_field: str | None, interactive: bool) -> None:
        super().__init__(name=name, overlay=True, control=False, show=True)
        self._name = "FetchedGeoJson"
        self.url, self.style, self.tooltip_field, self.interactive = url, dict(style), tooltip_field, interactive


class _BaseLabels(JSCSSMixin, MacroElement):
    """The names of the offline base map (``static/js/baselabels.js``): fetched from the app
    (``url``) or given in the page (``labels``), drawn without overlap at every view."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
ZoningLabels.layer({url: {{ this.url|tojson }}, labels: {{ this.labels|tojson }}}).addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )
    default_js = [("baselabels", f"{STATIC_URL}/js/baselabels.js")]

    def __init__(self, *, url: str | None = None, labels: Sequence[Any] | None = None) -> None:
        super().__init__()
        self._name = "BaseLabels"
        self.url = url
        self.labels = list(labels) if labels is not None else None


def tile_legend_views(meta: Mapping[str, Any], titles: Mapping[str, str], shown: Iterable[str]) -> list[ZoneLayerView]:
    """Legend entries for the tiled layers in ``shown``: the zone values each one holds."""
    keep = set(shown)
    return [
        ZoneLayerView(
            layer["id"], titles.get(layer["id"], layer["id"]), {"type": "FeatureCollection", "features": []},
            layer["legal_status"], layer.get("zone_field"), values=tuple(z["value"] for z in layer["zones"]),
            kind=layer.get("kind") if layer.get("kind") in ("point", "line") else "polygon",
        )  # fmt: skip
        for layer in meta.get("layers", [])
        if layer["id"] in keep
    ]


class _HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (legend, 示意 notice) — drawn on the map itself."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var ctl = L.control({position: {{ this.position|tojson }}});
            var map = {{ this._parent.get_name() }};
            ctl.onAdd = function() {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                // On a phone a folded control starts folded: the map comes first. A phone's map
                // is narrow (a desktop's map column is wider than fold_below_px), or it is a
                // touch screen narrower than a tablet.
                var fold = div.querySelector('details');
                var width = map.getSize().x || window.innerWidth;
                var touch = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
                if (fold && (width < {{ this.fold_below_px|tojson }} || (touch && width < 700))) { fold.open = false; }
                return div;
            };
            ctl.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, content: str, *, position: str, css_class: str, fold_below_px: int = 0) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.content = content
        self.position = position
        self.css_class = css_class
        self.fold_below_px = fold_below_px


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (folium's ``control_scale`` adds feet and
    miles, which no planner in China reads)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 140}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _FitBounds(folium.FitBounds):
    """The map's first view: ``bounds`` fitted at once, without the zoom animation folium's
    ``fit_bounds`` starts. While Leaflet animates a zoom it drops any other ``setView``
    (``_tryAnimatedZoom`` returns early), so a search's centre and zoom that streamlit-folium
    applies in those first ~250 ms (longer on a slow phone) were lost: the marker moved to
    the place found while the map stayed on the province."""

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__(bounds)
        self.options = {**self.options, "animate": False}


class _ZonePane(MacroElement):
    """The map pane the zone layers are drawn in, translucent as a whole.

    Zones are filled opaque in the palette's order and this pane (one canvas with
    ``preferCanvas``) is shown at the palette's opacity: where zones overlap the upper
    layer's colour shows — the colour its legend entry shows — instead of a blend of two
    translucent fills that no legend lists. It sits where Leaflet's overlay pane sits.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var pane = {{ this._parent.get_name() }}.createPane({{ this.name|tojson }});
            pane.style.zIndex = 400;
            pane.style.opacity = {{ this.opacity|tojson }};
        })();
        {% endmacro %}
        """
    )

    def __init__(self, name: str, opacity: float) -> None:
        super().__init__()
        self._name = "ZonePane"
        self.name = name
        self.opacity = opacity


class _DrawLocale(MacroElement):
    """Leaflet.draw's toolbar texts in the user's language (set before the control is made)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            if (!window.L || !L.drawLocal) { return; }
            var t = {{ this.texts|tojson }};
            var d = L.drawLocal.draw, e = L.drawLocal.edit;
            d.toolbar.buttons.polygon = t.polygon; d.toolbar.buttons.polyline = t.polyline;
            d.toolbar.buttons.marker = t.marker; d.toolbar.buttons.rectangle = t.rectangle;
            d.toolbar.actions.text = t.cancel; d.toolbar.finish.text = t.finish;
            d.toolbar.undo.text = t.undo;
            d.handlers.polygon.tooltip.start = t.poly_start; d.handlers.polygon.tooltip.cont = t.poly_cont;
            d.handlers.polygon.tooltip.end = t.poly_end;
            d.handlers.polyline.tooltip.start = t.line_start; d.handlers.polyline.tooltip.cont = t.line_cont;
            d.handlers.polyline.tooltip.end = t.line_end;
            d.handlers.marker.tooltip.start = t.marker_start;
            d.handlers.rectangle.tooltip.start = t.rect_start;
            d.handlers.simpleshape.tooltip.end = t.rect_end;
            e.toolbar.buttons.edit = t.edit; e.toolbar.buttons.remove = t.remove;
            e.toolbar.actions.save.text = t.save; e.toolbar.actions.cancel.text = t.cancel;
            e.toolbar.actions.clearAll.text = t.clear_all;
            e.handlers.edit.tooltip.text = t.edit_hint; e.handlers.remove.tooltip.text = t.remove_hint;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, texts: Mapping[str, str]) -> None:
        super().__init__()
        self._name = "DrawLocale"
        self.texts = dict(texts)


_DRAW_TEXT_KEYS = (
    "polygon", "polyline", "marker", "rectangle", "cancel", "finish", "undo", "poly_start",
    "poly_cont", "poly_end", "line_start", "line_cont", "line_end", "marker_start", "rect_start",
    "rect_end", "edit", "remove", "save", "clear_all", "edit_hint", "remove_hint",
)  # fmt: skip

#: A map narrower than this (a phone's) starts with its legend folded; a desktop's map
#: column is wider (about 540 px on a 1440 px window, 470 px on 1280 px).
_FOLD_LEGEND_BELOW_PX = 450

_MAP_CSS = """
<style>
.leaflet-container { font-family: 'Noto Sans SC', sans-serif; background: #f4f6f3; }
.ez-legend, .ez-notice { background: rgba(255,255,255,0.93); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.25); font-size: 13px; line-height: 1.5; color: #222; }
/* The legend never hides the map: at most a third of its width and under half its height
   (English titles are long), scrolling inside; folded on a phone-sized map (_FOLD_LEGEND_BELOW_PX). */
.ez-legend { max-height: min(240px, 45vh); max-width: min(300px, 34vw); overflow-y: auto; }
.ez-legend summary { cursor: pointer; font-weight: 700; }
.ez-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px;
  border: 1px solid rgba(0,0,0,0.35); vertical-align: middle; }
.ez-notice { background: #fff4d6; border: 1px solid #e0a100; font-weight: 700; color: #7a4b00; }
.ez-tip b { color: #1f3b2c; }
/* The answer beside the point asked about on the public map (ui.public_panel.asked_marker). */
.ez-tip-answer { font-weight: 700; font-size: 13px; }
/* Names of the offline base map (static/js/baselabels.js): text with a white halo. */
.ez-label { position: absolute; white-space: nowrap; text-align: center; line-height: 1.3; color: #333;
  font-family: 'Noto Sans SC', sans-serif; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.ez-l-prefecture, .ez-l-county { font-weight: 700; color: #4a4a4a; }
.ez-l-seat { font-weight: 700; color: #222; }
.ez-l-river, .ez-l-lake { color: #1f5f99; font-style: italic; }
/* Leaflet.draw names its own fonts (Helvetica/Arial, no Chinese): use the app's font. */
.leaflet-draw-actions a, .leaflet-draw-tooltip, .leaflet-control-layers, .leaflet-tooltip {
  font-family: 'Noto Sans SC', sans-serif; }
</style>
"""


def _new_map(bounds: Sequence[float], lang: Lang, height: int | None) -> folium.Map:
    minx, miny, maxx, maxy = bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=7,
        control_scale=False,  # _MetricScale below
        prefer_canvas=True,
        zoom_snap=0.25,
        height=f"{height}px" if height else "100%",
    )
    header = cast(Figure, m.get_root()).header  # a Map's root is a Figure
    # The map's own Content-Security-Policy, first in its head: streamlit-folium adds the
    # head to the component's document, where it limits what the map may load to the app
    # itself (and the online base maps a user may switch on) — a second wall behind the
    # escaping, also where the app runs without its headers (serve.py, the proxy).
    header.add_child(folium.Element(f'<meta http-equiv="Content-Security-Policy" content="{html_text(map_policy())}">'), name="csp")
    header.add_child(folium.Element(_MAP_CSS))
    m.add_child(_MetricScale())
    m.add_child(_FitBounds([[miny, minx], [maxy, maxx]]))
    return m


def _add_configured_tiles(m: folium.Map, basemap: Any, lang: Lang) -> None:
    """The deployment's base map (an intranet 天地图 政务版, a WMTS/XYZ service) under
    everything, with its annotation layer when it has one; the credit it requires is shown
    as text (Leaflet writes attributions as HTML: the configured words are escaped)."""
    name = basemap.name or tr("map.configured_base", lang)
    options: dict[str, Any] = {"subdomains": basemap.subdomain_list} if basemap.subdomain_list else {}
    folium.TileLayer(tiles=basemap.url, attr=html_text(basemap.attribution), name=layer_name(name), overlay=False,
                     control=True, max_zoom=basemap.max_zoom, max_native_zoom=basemap.max_zoom, **options).add_to(m)
    if basemap.labels_url:
        folium.TileLayer(tiles=basemap.labels_url, attr=html_text(basemap.attribution), name=layer_name(f"{name} · {tr('map.configured_labels', lang)}"),
                         overlay=True, control=True, max_zoom=basemap.max_zoom, **options).add_to(m)  # fmt: skip


def _add_online_tiles(m: folium.Map, online: OnlineTiles, lang: Lang) -> None:
    if online.custom is not None:
        _add_configured_tiles(m, online.custom, lang)
    if online.tianditu_key:
        for layer, key in (("vec", "map.tianditu_vec"), ("cva", "map.tianditu_label")):
            folium.TileLayer(
                tiles=(
                    f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                    f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
                    f"&TILEROW={{y}}&TILECOL={{x}}&tk={online.tianditu_key}"
                ),
                attr=tr("map.tianditu_attr", lang),
                name=layer_name(tr(key, lang)),
                subdomains="01234567",
                overlay=True,
                max_zoom=18,
            ).add_to(m)
    elif online.osm:
        folium.TileLayer(
            tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            attr=tr("map.osm_attr", lang),
            name=layer_name(tr("map.osm", lang)),
            overlay=True,
            max_zoom=19,
        ).add_to(m)


def _add_base(m: folium.Map, base: Mapping[str, Mapping[str, Any]] | StaticBase, lang: Lang) -> None:
    """The app's own vector base map: lakes, rivers, county and prefecture boundaries."""
    styles = {
        "lakes": {"color": "#6aa6d6", "weight": 0.6, "fillColor": "#b7d7ef", "fillOpacity": 0.9},
        "rivers": {"color": "#5b9bd5", "weight": 1.4, "opacity": 0.9},
        "counties": {"color": "#9a9a9a", "weight": 0.6, "fill": False, "dashArray": "3 3"},
        "prefectures": {"color": "#555555", "weight": 1.4, "fill": False},
    }
    group = folium.FeatureGroup(name=layer_name(tr("map.base", lang)), control=True, show=True)
    if isinstance(base, StaticBase):
        for key in ("lakes", "rivers", "counties", "prefectures"):
            if key in base.urls:
                tip = "name_zh" if key in ("lakes", "rivers") else None
                _FetchedGeoJson(base.urls[key], name=key, style=styles[key], tooltip_field=tip, interactive=tip is not None).add_to(group)
        group.add_to(m)
        if "labels" in base.urls:
            m.add_child(_BaseLabels(url=base.urls["labels"]))
        return
    if base.get("labels"):
        m.add_child(_BaseLabels(labels=base["labels"].get("labels", [])))
    for key in ("lakes", "rivers", "counties", "prefectures"):
        data = base.get(key)
        if not data or not data.get("features"):
            continue
        style = styles[key]
        tooltip_field = "name_zh" if key in ("lakes", "rivers") else "name"
        fields = [tooltip_field] if any(f["properties"].get(tooltip_field) for f in data["features"]) else []
        layer = folium.GeoJson(
            data,
            name=key,
            style_function=lambda _f, s=style: s,
            interactive=bool(fields) and key != "counties",
        )
        if fields:
            layer.add_child(FieldsTooltip(fields))
        layer.add_to(group)
    group.add_to(m)


def _zone_tooltip_fields(view: ZoneLayerView) -> tuple[list[str], list[str]]:
    props = view.geojson["features"][0]["properties"] if view.geojson["features"] else {}
    fields, aliases = [], []
    for name, key in (("name", "map.f_name"), (view.zone_field, "map.f_zone"), ("legal_status", "map.f_status")):
        if name and name in props:
            fields.append(name)
            aliases.append(key)
    return fields, aliases


def _add_zone_layer(m: folium.Map, view: ZoneLayerView, lang: Lang) -> None:
    suffix = "" if view.legal_status == "法定" else f"（{tr('common.illustrative_short', lang)}）"
    if view.image is not None:
        url, (south, west, north, east) = view.image
        folium.raster_layers.ImageOverlay(
            url, bounds=[[south, west], [north, east]], name=layer_name(f"{view.title}{suffix}"), show=view.show, interactive=False,
            pane=ZONE_PANE,
        ).add_to(m)  # fmt: skip
        return
    if not view.geojson.get("features"):
        return
    zf = view.zone_field
    styles = palette()

    def style(feature: Mapping[str, Any]) -> dict[str, Any]:
        props = feature["properties"]
        return zone_style(view.layer_id, props.get(zf) if zf else None, props.get("legal_status"), styles)

    fields, alias_keys = _zone_tooltip_fields(view)
    layer = folium.GeoJson(
        dict(view.geojson),
        name=layer_name(f"{view.title}{suffix}"),
        style_function=style,
        highlight_function=lambda _f: {"weight": 3},
        marker=folium.CircleMarker(radius=6, fill=True),
        show=view.show,
        pane=ZONE_PANE,
    )
    if fields:
        layer.add_child(FieldsTooltip(fields, [tr(k, lang) for k in alias_keys]))
    layer.add_to(m)


def _add_overlay(m: folium.Map, overlay: _Overlay, name: str) -> None:
    style = {
        "color": overlay.colour,
        "weight": overlay.weight,
        "fillColor": overlay.colour,
        "fillOpacity": overlay.fill_opacity,
        "dashArray": overlay.dash,
    }
    geom = overlay.geometry
    if geom.geom_type == "Point":
        folium.CircleMarker(
            location=[geom.y, geom.x], radius=8, color=overlay.colour, weight=3, fill=True,
            fill_color="#ffffff", fill_opacity=0.9,
        ).add_child(TextTooltip(overlay.label)).add_to(m)  # fmt: skip
        return
    folium.GeoJson(
        {"type": "Feature", "properties": {"label": overlay.label}, "geometry": mapping(geom)},
        name=layer_name(name),
        style_function=lambda _f, s=style: s,
        marker=folium.CircleMarker(radius=8, fill=True, color=overlay.colour),
    ).add_child(TextTooltip(overlay.label)).add_to(m)


def _legend_html(zones: Sequence[ZoneLayerView], verdict_legend: bool, lang: Lang, symbols: Sequence[str] = ()) -> str:
    """The legend's rows: each zone value in the colour it is drawn in (its palette fill at
    the zone pane's opacity; lines and points in their layer's edge colour), then the verdicts."""
    rows: list[str] = list(symbols)
    styles = palette()
    for view in zones:
        values = _zone_values(view)
        rows.append(f"<div><b>{html_text(view.title)}</b></div>")
        for value in values or (None,):
            colour = styles.layer(view.layer_id).edge if view.kind in ("point", "line") else zone_colour(view.layer_id, value, styles)
            label = html_text(zone_label(view.layer_id, value, lang) if value else view.title)
            rows.append(f"<div><i style='background:{styles.rgba(colour)}'></i>{label}</div>")
    if verdict_legend:
        rows.append(f"<div><b>{html_text(tr('map.legend_verdicts', lang))}</b></div>")
        for style in styles.verdicts.values():
            rows.append(f"<div><i style='background:{style.colour}'></i>{html_text(style.label(lang))}</div>")
    return "".join(rows)


def _zone_values(view: ZoneLayerView) -> list[str]:
    if not view.zone_field:
        return []
    if view.image is not None or view.values:
        return list(view.values)
    seen = {f["properties"].get(view.zone_field) for f in view.geojson.get("features", [])}
    return sorted(v for v in seen if isinstance(v, str) and v)


def _draw_texts(lang: Lang) -> dict[str, str]:
    return {k: tr(f"draw.{k}", lang) for k in _DRAW_TEXT_KEYS}


def build_map(
    *,
    lang: Lang = "zh",
    bounds: Sequence[float] | None = None,
    base: Mapping[str, Mapping[str, Any]] | StaticBase | None = None,
    zones: Sequence[ZoneLayerView] = (),
    project: BaseGeometry | None = None,
    conflict_zones: Sequence[tuple[BaseGeometry, str, str]] = (),
    overlaps: Sequence[BaseGeometry] = (),
    points: Sequence[MapPoint] = (),
    draw: bool = False,
    illustrative: bool = False,
    legend: bool = True,
    verdict_legend: bool = False,
    online: OnlineTiles | None = None,
    height: int | None = None,
    fit: Sequence[float] | None = None,
    tiles: ZoneTilesLayer | None = None,
    sites: Sequence[tuple[BaseGeometry, str, str]] = (),
    changes: Sequence[tuple[BaseGeometry, str, str]] = (),
) -> folium.Map:
    """Build a map that loads nothing from outside the app.

    Parameters
    ----------
    lang
        Language of every label on the map.
    bounds
        lon/lat (minx, miny, maxx, maxy) to show; defaults to Hunan.
    base
        The app's vector base map: GeoJSON dicts under ``lakes``, ``rivers``, ``counties``,
        ``prefectures`` (lon/lat, already simplified), or a :class:`StaticBase` of the same
        as files the browser fetches.
    zones
        Zone layers to show (see :func:`zone_layer_view`), with a legend.
    project
        The project geometry (lon/lat), drawn in dark outline.
    conflict_zones
        ``(geometry, verdict, label)`` of the zone features a project conflicts with,
        outlined in the verdict colour.
    overlaps
        project ∩ zone geometries (lon/lat), filled in red on top.
    points
        Markers (batch projects coloured by verdict, looked-up places).
    draw
        Add the drawing toolbar (point, line, polygon, rectangle), texts in ``lang``.
    illustrative
        Put the 示意 notice on the map itself (whenever 示意 data is shown).
    verdict_legend
        Add the verdict colours to the legend (maps of projects coloured by verdict).
    online
        Online base maps the user opted into; None = none (works with no internet).
    fit
        lon/lat box the map opens on, when it should be tighter than ``bounds`` (the
        zones are prepared for ``bounds``, so zooming out still shows them).
    tiles
        Zone layers drawn from the app's tiles (the public map); ``zones`` then only give
        the legend (see :func:`tile_legend_views`).
    sites
        ``(geometry, verdict, label)`` of candidate or alternative sites (lon/lat), filled
        in their verdict's colour; labels are data, shown as text (TextTooltip).
    changes
        ``(geometry, "gained" | "lost", label)``: areas a new layer version adds or removes
        (``layers.diff``), in the palette's ``gained`` and ``lost`` marks.
    """
    view = tuple(bounds) if bounds is not None else HUNAN_BOUNDS
    m = _new_map(tuple(fit) if fit is not None else view, lang, height)
    if online is not None:
        _add_online_tiles(m, online, lang)
    if base:
        _add_base(m, base, lang)
    if zones:
        styles = palette()
        m.add_child(_ZonePane(ZONE_PANE, styles.opacity))
        # bottom layer first, as the tiles, the public site and the reports draw them
        order = {lid: i for i, lid in enumerate(styles.draw_order({v.layer_id for v in zones}))}
        for zone_view in sorted(zones, key=lambda v: order[v.layer_id]):
            _add_zone_layer(m, zone_view, lang)
    if tiles is not None:
        tiles.add_to(m)
    for geom, verdict, label in conflict_zones:
        colour = verdict_colour(verdict)
        _add_overlay(m, _Overlay(geom, colour, label, weight=3, fill_opacity=0.12, dash="6 4"), tr("map.conflict_zones", lang))
    for geom, verdict, label in sites:
        _add_overlay(m, _Overlay(geom, verdict_colour(verdict), label, weight=2, fill_opacity=0.45),
                     tr("map.sites", lang))
    marks = palette().marks
    for geom, change, label in changes:
        _add_overlay(m, _Overlay(geom, marks[change], label, weight=2, fill_opacity=0.5), tr(f"map.{change}", lang))
    for geom in overlaps:
        _add_overlay(m, _Overlay(geom, marks["overlap"], tr("map.overlap", lang), weight=2, fill_opacity=0.6), tr("map.overlap", lang))
    if project is not None and not project.is_empty:
        _add_overlay(m, _Overlay(project, marks["project"], tr("map.project", lang), weight=3, fill_opacity=0.08), tr("map.project", lang))
    for point in points:
        folium.CircleMarker(
            location=[point.lat, point.lon], radius=point.radius_px, color="#333333", weight=1,
            fill=True, fill_color=point.colour, fill_opacity=0.9,
        ).add_child(TextTooltip(point.tooltip)).add_to(m)  # fmt: skip
    if draw:
        m.add_child(_DrawLocale(_draw_texts(lang)))
        folium.plugins.Draw(
            export=False,
            position="topleft",
            show_geometry_on_click=False,
            draw_options={"circle": False, "circlemarker": False, "polygon": {"allowIntersection": False}},
            edit_options={"edit": False},
        ).add_to(m)
    symbols = _result_symbols(project is not None and not project.is_empty, bool(conflict_zones), bool(overlaps), lang)
    _add_controls(m, zones=zones, verdicts=verdict_legend or bool(sites), illustrative=illustrative, legend=legend,
                  lang=lang, symbols=symbols)
    return localise(m)


def _result_symbols(project: bool, conflict_zones: bool, overlaps: bool, lang: Lang) -> list[str]:
    """Legend rows for what a result map draws on top of the zones (same styles as drawn)."""
    rows = []
    marks = palette().marks
    if project:
        rows.append(f"<div><i style='background:transparent;border:2px solid {marks['project']}'></i>{html_text(tr('map.project', lang))}</div>")
    if overlaps:
        rows.append(f"<div><i style='background:{marks['overlap']};opacity:0.8'></i>{html_text(tr('map.overlap', lang))}</div>")
    if conflict_zones:
        rows.append(f"<div><i style='background:transparent;border:2px dashed #555'></i>{html_text(tr('map.legend_conflict', lang))}</div>")
    return rows


def _add_controls(
    m: folium.Map, *, zones: Sequence[ZoneLayerView], verdicts: bool, illustrative: bool, legend: bool, lang: Lang,
    symbols: Sequence[str] = (),
) -> None:
    if illustrative:
        notice = html_text(tr("map.illustrative", lang))
        m.add_child(_HtmlControl(notice, position="topright", css_class="ez-notice"))
    if legend and (zones or verdicts or symbols):
        rows = _legend_html(zones, verdicts, lang, symbols)
        body = f"<details open><summary>{html_text(tr('map.legend', lang))}</summary>{rows}</details>"
        m.add_child(_HtmlControl(body, position="bottomright", css_class="ez-legend", fold_below_px=_FOLD_LEGEND_BELOW_PX))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)


def geojson_of(geometry: BaseGeometry) -> str:
    """A GeoJSON geometry string of a lon/lat shapely geometry (downloads, tests)."""
    return json.dumps(mapping(geometry), ensure_ascii=False)


# --- maps of results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerMeta:
    """What a map needs to know about a store layer besides its geometry."""

    title: str
    zone_field: str | None
    legal_status: str


def _lonlat_bounds(geometry: BaseGeometry, margin_m: float) -> tuple[float, float, float, float]:
    """Bounds of ``geometry`` (lon/lat) grown by about ``margin_m`` metres, for a map view."""
    import math

    minx, miny, maxx, maxy = geometry.bounds
    dlat = margin_m / 111_000.0
    dlon = margin_m / (111_000.0 * max(math.cos(math.radians((miny + maxy) / 2)), 0.2))
    return (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


def _feature_lonlat(gdf: gpd.GeoDataFrame, feature_id: int) -> BaseGeometry | None:
    if feature_id < 0 or feature_id >= len(gdf):
        return None
    row = gdf.iloc[[feature_id]]
    if row.crs is not None and row.crs.to_epsg() not in (4326, 4490):
        row = row.to_crs(DISPLAY_CRS)
    return row.geometry.iloc[0]


def result_map(
    result: Any,
    *,
    layers: Mapping[str, gpd.GeoDataFrame],
    meta: Mapping[str, LayerMeta],
    base: Mapping[str, Mapping[str, Any]] | StaticBase | None = None,
    lang: Lang = "zh",
    online: OnlineTiles | None = None,
    margin_m: float = 3000.0,
    height: int | None = None,
) -> folium.Map:
    """The map of one screening result: project, conflicting zones (outlined in the verdict
    colour), the overlap (red fill) and the zones around it (full store layers clipped to
    the view and simplified for display)."""
    project = result.project.geometry
    view = _lonlat_bounds(project, margin_m)
    # Open on the project itself (a 60 m site is a dot in a 6 km view), with the zones
    # prepared for the whole margin so that zooming out shows the nearby ones.
    fit = _lonlat_bounds(project, min(max(2.0 * _extent_m(project), 250.0), margin_m))
    zones = [
        zone_layer_view(gdf, layer_id=lid, title=meta[lid].title, zone_field=meta[lid].zone_field,
                        legal_status=meta[lid].legal_status, bounds=view)
        for lid, gdf in layers.items() if lid in meta and lid != "admin"
    ]  # fmt: skip
    zones = [z for z in zones if not z.empty]
    conflict_zones = []
    # worst verdict last: a zone several rules hit is outlined in the colour of its worst verdict
    for c in sorted(result.conflicts, key=lambda c: VERDICT_RANK[c.verdict]):
        geom = _feature_lonlat(layers[c.layer], c.feature_id) if c.layer in layers else None
        if geom is not None:
            conflict_zones.append((geom, c.verdict, f"{c.feature} {c.zone or ''}".strip()))
    overlaps = [c.overlap_geometry for c in result.conflicts if c.overlap_geometry is not None and not c.overlap_geometry.is_empty]
    illustrative = any(z.legal_status != "法定" for z in zones)
    return build_map(
        lang=lang, bounds=view, base=base, zones=zones, project=project, conflict_zones=conflict_zones,
        overlaps=overlaps, illustrative=illustrative, online=online, height=height, fit=fit,
    )  # fmt: skip


def _extent_m(geometry: BaseGeometry) -> float:
    """Larger side of a lon/lat geometry's bounds, in metres (roughly; for a map view only)."""
    import math

    minx, miny, maxx, maxy = geometry.bounds
    return max((maxx - minx) * 111_000.0 * math.cos(math.radians((miny + maxy) / 2)), (maxy - miny) * 111_000.0)


def batch_map(
    results: Sequence[Any],
    *,
    labels: Mapping[str, str],
    base: Mapping[str, Mapping[str, Any]] | StaticBase | None = None,
    lang: Lang = "zh",
    online: OnlineTiles | None = None,
    height: int | None = None,
) -> folium.Map:
    """All projects of a batch as points at their centroids, coloured by verdict."""
    points = [
        MapPoint(
            lon=r.project.centroid_lonlat[0],
            lat=r.project.centroid_lonlat[1],
            colour=verdict_colour(r.verdict),
            tooltip=f"{r.project.index + 1}. {r.project.name} — {labels.get(r.verdict, r.verdict)}",
        )
        for r in results
    ]
    if points:
        xs = [p.lon for p in points]
        ys = [p.lat for p in points]
        pad = 0.05
        bounds: Sequence[float] | None = (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
    else:
        bounds = None
    return build_map(lang=lang, bounds=bounds, base=base, points=points, verdict_legend=True, online=online, height=height)
