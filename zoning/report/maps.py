"""Offline report maps with matplotlib: overview, detail per conflicting layer, batch overview.

Every map is drawn in the metric work CRS of the project (a CGCS2000 3-degree
Gauss-Kruger zone), so the scale bar is true; grid north differs from true north by the
meridian convergence (< 1.5° inside a 3-degree zone), which the north arrow ignores.
Maps carry a legend, a scale bar, a north arrow, county boundaries (when available) and
the overlap hatched in red; a map showing illustrative (示意) zones says so on its face.

Colours, shades and the layer order are the palette's (data/styles.yaml, ``zoning.styles``),
as on the app's maps and the zone tiles. Zones are painted opaque in the colour the eye sees
at the palette's opacity over the paper, bottom layer first, so where two layers overlap the
upper one shows in its own legend colour (not a mix no legend lists); outlines keep the lower
zone's extent visible.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # reports render headless, in the CLI and inside Streamlit alike

import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402
from shapely.geometry import box  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402
from shapely.ops import polylabel  # noqa: E402

from gis.crs import STORAGE_CRS, work_crs_for  # noqa: E402
from zoning.model import ScreeningResult  # noqa: E402
from zoning.report.fonts import matplotlib_family, printable  # noqa: E402
from zoning.report.i18n import (  # noqa: E402
    ILLUSTRATIVE_MARK,
    catalog_of,
    layer_title,
    report_catalog,
    t,
    verdict_label,
    with_zone,
    zone_label,
)
from zoning.report.zones import ReportZones  # noqa: E402
from zoning.styles import Styles, load_styles  # noqa: E402

__all__ = ["MapImage", "overview_map", "detail_map", "batch_map", "nice_scale_length"]

#: The map's paper: zones are painted in the colour they show over it at the palette's opacity.
_PAPER = "#fbfbf8"
#: Layers that are not zones: the counties are drawn as boundaries, intakes only on detail maps.
_NOT_IN_OVERVIEW = frozenset({"admin", "water_intake"})
_FIG_W_IN = 6.3  # 160 mm: the text width of an A4 page with 25 mm margins


@dataclass(frozen=True)
class MapImage:
    png: bytes
    width_px: int
    height_px: int
    crs: str = ""


def nice_scale_length(span_m: float) -> float:
    """A 1-2-5 × 10ⁿ length close to a quarter of ``span_m`` (the scale-bar length).

    Examples
    --------
    >>> nice_scale_length(4000)
    1000.0
    >>> nice_scale_length(730)
    200.0
    """
    target = max(span_m / 4.0, 1e-9)
    exp = math.floor(math.log10(target))
    best = 1.0
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**exp <= target:
            best = m
    return float(best * 10**exp)


def _fmt_scale(length_m: float) -> str:
    return f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"


def _no_idle_draw(*_args: object, **_kwargs: object) -> None:
    """Stands in for ``FigureCanvasAgg.draw_idle`` on report figures (see ``_figure``)."""


def _figure(extent: tuple[float, float, float, float], *, dpi: int) -> tuple[plt.Figure, plt.Axes]:
    minx, miny, maxx, maxy = extent
    aspect = (maxy - miny) / max(maxx - minx, 1e-9)
    height = min(max(_FIG_W_IN * aspect, 3.2), 7.5)
    fig, ax = plt.subplots(figsize=(_FIG_W_IN, height), dpi=dpi)
    # geopandas' plot() ends with canvas.draw_idle(), which the Agg canvas carries out at once:
    # a map of ten plotted layers was rendered ten times before savefig rendered it for real
    # (half the time of every map). The figure is only ever saved, so those draws are skipped.
    fig.canvas.draw_idle = _no_idle_draw  # type: ignore[method-assign]
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(_PAPER)
    return fig, ax


def _square_extent(geom: BaseGeometry, *, pad_m: float, min_half_m: float) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = geom.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = max((maxx - minx) / 2, (maxy - miny) / 2) + pad_m
    half = max(half, min_half_m)
    # 3:2 landscape frame: two maps with captions fit one portrait A4 page.
    return cx - half * 1.5, cy - half, cx + half * 1.5, cy + half


def _decorate(ax: plt.Axes, *, lang: str, illustrative: bool, crs: str) -> None:
    """Scale bar (bottom left), north arrow (top right), illustrative mark, CRS label."""
    ax.set_xlabel("")  # geopandas labels the axes with the CRS axis names
    ax.set_ylabel("")
    minx, maxx = ax.get_xlim()
    miny, maxy = ax.get_ylim()
    w, h = maxx - minx, maxy - miny
    length = nice_scale_length(w)
    x0, y0 = minx + 0.04 * w, miny + 0.05 * h
    seg = length / 2
    for i in range(2):
        ax.add_patch(Rectangle((x0 + i * seg, y0), seg, 0.012 * h, facecolor="black" if i == 0 else "white",
                               edgecolor="black", linewidth=0.8, zorder=20))
    ax.text(x0, y0 + 0.022 * h, "0", fontsize=7, ha="center", va="bottom", zorder=20)
    ax.text(x0 + length, y0 + 0.022 * h, _fmt_scale(length), fontsize=7, ha="center", va="bottom", zorder=20)
    ax.add_patch(Rectangle((x0 - 0.02 * w, y0 - 0.02 * h), length + 0.07 * w, 0.08 * h, facecolor="white",
                           edgecolor="none", alpha=0.75, zorder=19))
    nx, ny = maxx - 0.05 * w, maxy - 0.16 * h
    ax.annotate("", xy=(nx, ny + 0.1 * h), xytext=(nx, ny), zorder=20,
                arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=0.9", "color": "black", "lw": 1.6})
    ax.text(nx, ny + 0.11 * h, t("north", lang), ha="center", va="bottom", fontsize=9, fontweight="bold", zorder=20)
    ax.text(maxx - 0.01 * w, miny + 0.01 * h, crs, fontsize=6, ha="right", va="bottom", color="#555555", zorder=20)
    if illustrative:
        ax.text(minx + 0.015 * w, maxy - 0.02 * h, ILLUSTRATIVE_MARK[lang], fontsize=8, color="#c00000",
                ha="left", va="top", fontweight="bold", zorder=21,
                bbox={"facecolor": "white", "edgecolor": "#c00000", "linewidth": 0.8, "alpha": 0.9, "pad": 2.5})


def _draw_counties(ax: plt.Axes, zones: ReportZones, extent_work: tuple[float, float, float, float],
                   crs: str) -> gpd.GeoDataFrame | None:
    """Draw county boundaries crossing the frame; return the counties (work CRS) for labelling."""
    bbox_ll = gpd.GeoSeries([box(*extent_work)], crs=crs).to_crs(STORAGE_CRS).total_bounds
    counties = zones.counties(tuple(bbox_ll))
    if counties is None or counties.empty:
        return None
    clip = box(*extent_work).buffer(max(extent_work[2] - extent_work[0], 1.0))
    work = counties.to_crs(crs)
    work = work.assign(geometry=work.geometry.intersection(clip))
    frame = box(*extent_work)
    boundaries = work.boundary
    if not boundaries.intersects(frame).any():
        return None
    boundaries.plot(ax=ax, color="#7a7a7a", linewidth=0.8, linestyle=(0, (6, 3)), zorder=8)
    return work


class _Labels:
    """The labels of one map, placed so that none overlaps another or the map furniture.

    Each label is tried at its anchor, then nudged above, below, right and left of it; a
    label that collides wherever it goes is left out — unless it is forced (a feature the
    project hits), when it takes its anchor. Collisions are measured on the labels' drawn
    extents in the figure's pixels (the text as the font sets it, box included), not on
    guessed sizes. ``avoid`` (map units) is what anchors keep clear of: the project, the
    furniture, and the labels placed so far.
    """

    #: Nudges tried in turn, in points from the anchor.
    _NUDGES_PT = ((0, 0), (0, 10), (0, -10), (16, 0), (-16, 0), (0, 20), (0, -20), (24, 10), (-24, -10))

    def __init__(self, ax: plt.Axes, avoid: Sequence[BaseGeometry], furniture: Sequence[BaseGeometry] = ()) -> None:
        self.ax = ax
        self.avoid = list(avoid)
        ax.apply_aspect()  # the data -> pixel transform as it will be drawn
        self._renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        self._taken = [self._pixels(g) for g in furniture]

    def _pixels(self, geom: BaseGeometry) -> Bbox:
        x0, y0, x1, y1 = geom.bounds
        return Bbox(self.ax.transData.transform([(x0, y0), (x1, y1)]))

    def place(self, x: float, y: float, text: str, *, force: bool = False, **style: Any) -> bool:
        """Draw ``text`` at (x, y) or the first nudge where it overlaps nothing; False if left out."""
        frame = self.ax.bbox
        for dx, dy in self._NUDGES_PT if not force else self._NUDGES_PT[:1]:
            artist = self.ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha="center",
                                      va="center", annotation_clip=False, **style)
            extent = artist.get_window_extent(self._renderer)
            patch = artist.get_bbox_patch()
            if patch is not None:
                extent = patch.get_window_extent(self._renderer)
            inside = frame.x0 <= extent.x0 and extent.x1 <= frame.x1 and frame.y0 <= extent.y0 and extent.y1 <= frame.y1
            if force or (inside and not any(extent.overlaps(t) for t in self._taken)):
                self._taken.append(extent)
                back = self.ax.transData.inverted().transform([(extent.x0, extent.y0), (extent.x1, extent.y1)])
                self.avoid.append(box(*back[0], *back[1]))
                return True
            artist.remove()
        return False


def _label_counties(ax: plt.Axes, counties: gpd.GeoDataFrame | None, frame: BaseGeometry, labels: _Labels) -> None:
    if counties is None or "name" not in counties.columns:
        return
    span = max(frame.bounds[2] - frame.bounds[0], frame.bounds[3] - frame.bounds[1])
    blocked = shapely.union_all(labels.avoid) if labels.avoid else None
    for _, row in counties.iterrows():
        inner = row.geometry.intersection(frame)
        if inner.is_empty or inner.area < frame.area * 0.04:
            continue
        free = inner.difference(blocked) if blocked is not None else inner
        pt = _label_point(free if free.area > 0.01 * frame.area else inner, tolerance=span / 200)
        labels.place(pt.x, pt.y, printable(_one_line(str(row["name"]))), fontsize=9, color="#666666", zorder=9, alpha=0.9,
                     fontweight="bold")


def _zone_fill(styles: Styles, layer_id: str, zone: str | None) -> str:
    """The opaque colour of a zone: its palette shade as seen at the zones' opacity on paper."""
    return styles.seen(styles.zone_fill(layer_id, zone), _PAPER)


def _geometry_kind(layer_id: str) -> str:
    spec = report_catalog().layers.get(layer_id)
    return spec.geometry if spec is not None else "polygon"


def _zone_field(layer_id: str) -> str | None:
    spec = report_catalog().layers.get(layer_id)
    return spec.zone_field if spec is not None and spec.zone_field else None


def _plot_layer(ax: plt.Axes, gdf_work: gpd.GeoDataFrame, layer_id: str, *, hit: bool,
                styles: Styles) -> set[str | None]:
    """Draw one layer's features; return the zone values of the polygons drawn (None: no zone field)."""
    style = styles.layer(layer_id)
    edge = style.edge
    kinds = set(gdf_work.geom_type)
    drawn: set[str | None] = set()
    if kinds & {"Polygon", "MultiPolygon"}:
        polys = gdf_work[gdf_work.geom_type.isin(["Polygon", "MultiPolygon"])]
        field = _zone_field(layer_id)
        values = polys[field].where(polys[field].notna(), None) if field and field in polys.columns else None
        groups = [(None, polys)] if values is None else [(v, polys[values == v]) for v in values.dropna().unique()]
        if values is not None and values.isna().any():
            groups.append((None, polys[values.isna()]))
        # least strict first, so the stricter zones are drawn on top
        for value, part in sorted(groups, key=lambda g: -style.rank(g[0])):
            part.plot(ax=ax, facecolor=_zone_fill(styles, layer_id, value), edgecolor="none", zorder=5)
            part.boundary.plot(ax=ax, color=edge, linewidth=1.3 if hit else 0.7, zorder=6)
            drawn.add(None if value is None else str(value))
    if kinds & {"LineString", "MultiLineString"}:
        lines = gdf_work[gdf_work.geom_type.isin(["LineString", "MultiLineString"])]
        lines.plot(ax=ax, color=edge, linewidth=2.0 if hit else 1.2, zorder=6)
    if kinds & {"Point", "MultiPoint"}:
        pts = gdf_work[gdf_work.geom_type.isin(["Point", "MultiPoint"])]
        pts.plot(ax=ax, color=edge, marker="^", markersize=30, zorder=7)
    return drawn


def _label_features(gdf_work: gpd.GeoDataFrame, frame: BaseGeometry, *, layer_id: str, zone_field: str | None,
                    labels: _Labels, force: bool, lang: str) -> None:
    """Name each feature at the point of its visible part farthest from edges, the project
    and labels already placed; a label with no room is moved or left out (``_Labels``)."""
    if "name" not in gdf_work.columns:
        return
    span = max(frame.bounds[2] - frame.bounds[0], frame.bounds[3] - frame.bounds[1])
    for _, row in gdf_work.iterrows():
        inner = row.geometry.intersection(frame)
        if inner.is_empty:
            continue
        # keep labels off the frame edge, the project, the map furniture and earlier labels
        free = inner.intersection(frame.buffer(-span * 0.06))
        free = free.difference(shapely.union_all(labels.avoid)) if labels.avoid else free
        if free.area <= 0.01 * frame.area:
            if not force:
                continue  # a context feature with no free room stays unlabelled (the legend names it)
            free = inner
        pt = _label_point(free, tolerance=span / 200)
        label = str(row["name"])
        if zone_field and zone_field in gdf_work.columns and row[zone_field] not in (None, ""):
            label = with_zone(label, str(row[zone_field]), lang, layer_id)
        # keep the whole label inside the frame: a CJK glyph is ~7.5 pt wide on a 6.3 in figure
        fx0, _, fx1, _ = frame.bounds
        half = len(label) * (fx1 - fx0) * (7.5 / 72) / _FIG_W_IN / 2
        x = min(max(pt.x, fx0 + half + span * 0.01), fx1 - half - span * 0.01)
        pt = shapely.Point(x, pt.y)
        labels.place(pt.x, pt.y, printable(_one_line(label)), force=force, fontsize=7.5, zorder=15, color="#222222",
                     bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 1.2})


def _furniture_boxes(extent: tuple[float, float, float, float]) -> list[BaseGeometry]:
    """Frame areas taken by the north arrow, legend, scale bar and illustrative mark."""
    minx, miny, maxx, maxy = extent
    w, h = maxx - minx, maxy - miny

    def rel(x0: float, y0: float, x1: float, y1: float) -> BaseGeometry:
        return box(minx + x0 * w, miny + y0 * h, minx + x1 * w, miny + y1 * h)

    return [rel(0.88, 0.7, 1, 1), rel(0.62, 0, 1, 0.36), rel(0, 0, 0.36, 0.16), rel(0, 0.88, 0.4, 1)]


def _one_line(text: str) -> str:
    """A map label on one line: tabs and line breaks in a name (data) have no glyph to draw."""
    return " ".join(text.split())


def _label_point(geom: BaseGeometry, *, tolerance: float) -> BaseGeometry:
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    if not parts:
        return geom.representative_point()
    biggest = max(parts, key=lambda g: g.area)
    return polylabel(biggest, tolerance=tolerance)


def _plot_project(ax: plt.Axes, geom_work: BaseGeometry, colour: str) -> Line2D | Patch:
    gs = gpd.GeoSeries([geom_work])
    kind = geom_work.geom_type
    if kind in ("Point", "MultiPoint"):
        gs.plot(ax=ax, color=colour, marker="*", markersize=160, zorder=12)
        return Line2D([], [], marker="*", color=colour, linestyle="none", markersize=11)
    if kind in ("LineString", "MultiLineString"):
        gs.plot(ax=ax, color=colour, linewidth=2.4, zorder=12)
        return Line2D([], [], color=colour, linewidth=2.4)
    gs.plot(ax=ax, facecolor="none", edgecolor=colour, linewidth=1.8, zorder=12)
    return Patch(facecolor="none", edgecolor=colour, linewidth=1.8)


def _plot_overlaps(ax: plt.Axes, overlaps: Sequence[BaseGeometry], crs: str, colour: str) -> bool:
    geoms = [g for g in overlaps if g is not None and not g.is_empty]
    if not geoms:
        return False
    gs = gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(crs)
    polys = gs[gs.geom_type.isin(["Polygon", "MultiPolygon"])]
    if not polys.empty:
        polys.plot(ax=ax, facecolor=colour, edgecolor=colour, alpha=0.45, hatch="////", linewidth=1.0, zorder=10)
    lines = gs[gs.geom_type.isin(["LineString", "MultiLineString"])]
    if not lines.empty:
        lines.plot(ax=ax, color=colour, linewidth=4.0, zorder=13, alpha=0.8)
    pts = gs[gs.geom_type.isin(["Point", "MultiPoint"])]
    if not pts.empty:
        pts.plot(ax=ax, color=colour, marker="o", markersize=90, zorder=11, alpha=0.6)
    return True


def _save(fig: plt.Figure, crs: str) -> MapImage:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    width, height = fig.canvas.get_width_height(physical=True)
    plt.close(fig)
    return MapImage(buf.getvalue(), int(width), int(height), crs)


def _legend(ax: plt.Axes, handles: list[tuple[Artist, str]]) -> None:
    if handles:
        legend = ax.legend([h for h, _ in handles], [printable(lbl) for _, lbl in handles], loc="lower right",
                           bbox_to_anchor=(1.0, 0.04), fontsize=7.5, framealpha=0.95, edgecolor="#999999")
        legend.set_zorder(30)
        for (handle, _), text in zip(handles, legend.get_texts(), strict=True):
            if isinstance(handle, Patch) and not handle.get_visible():
                text.set_fontweight("bold")  # a layer title above its zones' rows


def _layer_patch(layer_id: str, styles: Styles) -> Patch | Line2D:
    """The legend symbol of a layer drawn without zone values: a line, a point or a fill."""
    edge = styles.layer(layer_id).edge
    kind = _geometry_kind(layer_id)
    if kind in ("line", "line_or_polygon"):
        return Line2D([], [], color=edge, linewidth=2.0)
    if kind == "point":
        return Line2D([], [], color=edge, marker="^", linestyle="none")
    return Patch(facecolor=_zone_fill(styles, layer_id, None), edgecolor=edge)


def _illustrative(gdf: gpd.GeoDataFrame | None) -> bool:
    if gdf is None or gdf.empty or "legal_status" not in gdf.columns:
        return False
    return bool((gdf["legal_status"].astype(str) != "法定").any())


def _project_work(result: ScreeningResult) -> tuple[BaseGeometry, str]:
    geom = result.project.geometry
    if geom is None:  # callers draw maps only for results that still carry their geometry
        msg = f"project {result.project.name!r} has no geometry to draw (a result read back from JSON)"
        raise ValueError(msg)
    crs = result.project.work_crs or work_crs_for(geom.bounds)
    return gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(crs).iloc[0], crs


def _draw_layers(ax: plt.Axes, zones: ReportZones, layers: dict[str, set[int]], extent: tuple[float, float, float, float],
                 crs: str, *, lang: str, label_hits: bool, labels: _Labels,
                 styles: Styles) -> tuple[list[tuple[Artist, str]], bool]:
    """Draw ``layers`` (id -> feature ids hit; empty set = context only) clipped to the frame,
    in the palette's order (bottom first)."""
    frame = box(*extent)
    bbox_ll = tuple(gpd.GeoSeries([frame], crs=crs).to_crs(STORAGE_CRS).total_bounds)
    handles: list[tuple[Artist, str]] = []
    illustrative = False
    clip = frame.buffer(max(extent[2] - extent[0], extent[3] - extent[1]) * 0.2)
    for layer_id in styles.draw_order(layers):
        hit_ids = layers[layer_id]
        gdf = zones.in_bbox(layer_id, bbox_ll)
        if gdf is None or gdf.empty:
            continue
        work = gdf.to_crs(crs)
        work = work.assign(geometry=work.geometry.intersection(clip))
        work = work[~work.geometry.is_empty]
        if work.empty:
            continue
        illustrative |= _illustrative(work)
        hit = work[work["feature_id"].isin(hit_ids)]
        other = work[~work["feature_id"].isin(hit_ids)]
        zones_drawn: set[str | None] = set()
        if not other.empty:
            zones_drawn |= _plot_layer(ax, other, layer_id, hit=False, styles=styles)
        if not hit.empty:
            zones_drawn |= _plot_layer(ax, hit, layer_id, hit=True, styles=styles)
        to_label = hit if label_hits else other
        if not to_label.empty:
            _label_features(to_label, frame, layer_id=layer_id, zone_field=_zone_field(layer_id), labels=labels,
                            force=label_hits, lang=lang)
        handles += _layer_handles(layer_id, zones_drawn, lang, styles)
    return handles, illustrative


def _layer_handles(layer_id: str, zones_drawn: set[str | None], lang: str,
                   styles: Styles) -> list[tuple[Artist, str]]:
    """Legend entries of a layer: one per zone value drawn, strictest first, in its own shade."""
    title = layer_title(layer_id, lang)
    style = styles.layer(layer_id)
    values = sorted((v for v in zones_drawn if v is not None), key=lambda v: (style.rank(v), v))
    if not values:
        return [(_layer_patch(layer_id, styles), title)]
    edge = style.edge
    # English titles and labels are long ("Drinking-water source protection zone: Grade I"):
    # the title goes on a row of its own above the zones' swatches
    grouped = lang == "en" and len(values) > 1
    out: list[tuple[Artist, str]] = [(Patch(visible=False), title)] if grouped else []
    for value in values:
        label = zone_label(layer_id, value, lang)
        text = label if grouped else (f"{title}（{label}）" if lang == "zh" else f"{title}: {label}")
        out.append((Patch(facecolor=_zone_fill(styles, layer_id, value), edgecolor=edge), text))
    if None in zones_drawn:
        out.append((_layer_patch(layer_id, styles), title))
    return out


def _render_project(result: ScreeningResult, zones: ReportZones, *, layers: dict[str, set[int]],
                    overlaps: Sequence[BaseGeometry], extent: tuple[float, float, float, float], label_hits: bool,
                    lang: str, dpi: int) -> MapImage:
    geom, crs = _project_work(result)
    span = max(extent[2] - extent[0], extent[3] - extent[1])
    styles = load_styles()
    with (catalog_of(zones.store),
          plt.rc_context({"font.family": [matplotlib_family()], "axes.unicode_minus": False, "hatch.linewidth": 0.8})):
        fig, ax = _figure(extent, dpi=dpi)
        counties = _draw_counties(ax, zones, extent, crs)
        has_counties = counties is not None
        furniture = _furniture_boxes(extent)
        labels = _Labels(ax, [geom.buffer(span * 0.06).envelope, *furniture], furniture)
        handles, illustrative = _draw_layers(ax, zones, layers, extent, crs, lang=lang, label_hits=label_hits,
                                             labels=labels, styles=styles)
        _label_counties(ax, counties, box(*extent), labels)
        project_handle = _plot_project(ax, geom, styles.marks["project"])
        overlap = styles.marks["overlap"]
        has_overlap = _plot_overlaps(ax, overlaps, crs, overlap)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        legend = [(project_handle, t("legend_project", lang)), *handles]
        if has_overlap:
            legend.append((Patch(facecolor=overlap, edgecolor=overlap, alpha=0.45, hatch="////"),
                           t("legend_overlap", lang)))
        if has_counties:
            legend.append((Line2D([], [], color="#7a7a7a", linestyle=(0, (6, 3))), t("legend_county", lang)))
        _legend(ax, legend)
        _decorate(ax, lang=lang, illustrative=illustrative or result.illustrative_used, crs=crs)
        return _save(fig, crs)


def overview_map(result: ScreeningResult, zones: ReportZones, *, lang: str = "zh", dpi: int = 150) -> MapImage:
    """The project in its surroundings: every zone layer within a few km, counties, overlaps.

    The frame reaches the nearest listed nearby feature (at most ``near_m``) and at least
    1.5 km around the project.
    """
    reach = max([n.distance_m for n in result.nearby] + [c.distance_m for c in result.conflicts] + [0.0])
    reach = min(max(reach * 1.15, 1500.0), float(result.parameters.get("near_m", 5000.0) or 5000.0) * 1.1)
    with catalog_of(zones.store) as catalog:
        # the layers a map draws (no attribute tables such as the access list)
        layer_ids = [lid for lid in catalog.map_layer_ids if lid not in _NOT_IN_OVERVIEW]
    hit: dict[str, set[int]] = {lid: set() for lid in layer_ids}
    for c in result.conflicts:
        if c.feature_id >= 0:  # "no data here" rows name no feature
            hit.setdefault(c.layer, set()).add(c.feature_id)
    geom, _ = _project_work(result)
    extent = _square_extent(geom, pad_m=reach, min_half_m=1500.0)
    return _render_project(result, zones, layers=hit, overlaps=[c.overlap_geometry for c in result.conflicts],
                           extent=extent, label_hits=False, lang=lang, dpi=dpi)


def detail_map(result: ScreeningResult, layer_id: str, zones: ReportZones, *, lang: str = "zh",
               dpi: int = 150) -> MapImage:
    """The project against one conflicting layer, zoomed to the project and the overlap."""
    rows = [c for c in result.conflicts if c.layer == layer_id]
    geom, crs = _project_work(result)
    size = max(geom.bounds[2] - geom.bounds[0], geom.bounds[3] - geom.bounds[1], 50.0)
    reach = max([c.distance_m for c in rows] + [0.0])
    # Show the zone's boundary when it lies within reach of the project, so the reader sees
    # where the project sits in the zone; never zoom out past a few km for a huge zone.
    window = geom.buffer(max(size * 2.0, 800.0, reach * 1.3))
    focus = geom
    hit = zones.features(layer_id, [c.feature_id for c in rows])
    if hit is not None and not hit.empty:
        focus = focus.union(hit.to_crs(crs).geometry.intersection(window).union_all())
    for c in rows:
        if c.overlap_geometry is not None:
            focus = focus.union(gpd.GeoSeries([c.overlap_geometry], crs=STORAGE_CRS).to_crs(crs).iloc[0])
    fb = focus.bounds
    pad = max(fb[2] - fb[0], fb[3] - fb[1]) * 0.08 + 30.0
    extent = _square_extent(focus, pad_m=pad, min_half_m=max(size * 0.6, 150.0))
    return _render_project(result, zones, layers={layer_id: {c.feature_id for c in rows}},
                           overlaps=[c.overlap_geometry for c in rows], extent=extent, label_hits=True,
                           lang=lang, dpi=dpi)


def batch_map(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str = "zh", dpi: int = 150) -> MapImage:
    """All projects of a batch as verdict-coloured symbols over the county boundaries."""
    geoms = gpd.GeoSeries([r.project.geometry for r in results], crs=STORAGE_CRS)
    crs = work_crs_for(tuple(geoms.total_bounds))
    work = geoms.to_crs(crs)
    pts = work.representative_point()
    minx, miny, maxx, maxy = work.total_bounds
    span = max(maxx - minx, maxy - miny, 4000.0)
    extent = _square_extent(box(minx, miny, maxx, maxy), pad_m=span * 0.08, min_half_m=2000.0)
    styles = load_styles()
    with catalog_of(zones.store), plt.rc_context({"font.family": [matplotlib_family()], "axes.unicode_minus": False}):
        fig, ax = _figure(extent, dpi=dpi)
        counties = _draw_counties(ax, zones, extent, crs)
        has_counties = counties is not None
        _label_counties(ax, counties, box(*extent), _Labels(ax, _furniture_boxes(extent), _furniture_boxes(extent)))
        verdicts = [r.verdict for r in results]
        legend: list[tuple[Artist, str]] = []
        for verdict in ("clear", "review", "conditional", "prohibited"):
            mask = [v == verdict for v in verdicts]
            if not any(mask):
                continue
            sel = pts[mask]
            colour = styles.verdict(verdict).colour
            ax.scatter(sel.x, sel.y, s=22, color=colour, edgecolor="black", linewidth=0.4, zorder=10 + len(legend))
            handle = Line2D([], [], marker="o", linestyle="none", color=colour, markeredgecolor="black")
            legend.append((handle, f"{verdict_label(verdict, lang)} {sum(mask)}"))
        if has_counties:
            legend.append((Line2D([], [], color="#7a7a7a", linestyle=(0, (6, 3))), t("legend_county", lang)))
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        _legend(ax, legend)
        illustrative = any(r.data.illustrative for r in results)
        _decorate(ax, lang=lang, illustrative=illustrative, crs=crs)
        return _save(fig, crs)


def comparison_map(results: Sequence[ScreeningResult], zones: ReportZones, *, lang: str = "zh",
                   dpi: int = 150) -> MapImage:
    """The alternative sites of one project on one map (选址方案比选): each outlined in the
    colour of its verdict and numbered as in the comparison table, over the zones around them."""
    geoms = gpd.GeoSeries([r.project.geometry for r in results], crs=STORAGE_CRS)
    crs = work_crs_for(tuple(geoms.total_bounds))
    work = geoms.to_crs(crs)
    minx, miny, maxx, maxy = work.total_bounds
    span = max(maxx - minx, maxy - miny, 3000.0)
    extent = _square_extent(box(minx, miny, maxx, maxy), pad_m=span * 0.15, min_half_m=1500.0)
    with catalog_of(zones.store) as catalog:
        layer_ids = [lid for lid in catalog.layers if lid not in _NOT_IN_OVERVIEW]
    hit: dict[str, set[int]] = {lid: set() for lid in layer_ids}
    for r in results:
        for c in r.conflicts:
            hit.setdefault(c.layer, set()).add(c.feature_id)
    styles = load_styles()
    with catalog_of(zones.store), plt.rc_context({"font.family": [matplotlib_family()], "axes.unicode_minus": False}):
        fig, ax = _figure(extent, dpi=dpi)
        counties = _draw_counties(ax, zones, extent, crs)
        labels = _Labels(ax, [g.buffer(span * 0.04).envelope for g in work] + _furniture_boxes(extent),
                         _furniture_boxes(extent))
        handles, illustrative = _draw_layers(ax, zones, hit, extent, crs, lang=lang, label_hits=False, labels=labels,
                                             styles=styles)
        _label_counties(ax, counties, box(*extent), labels)
        legend: list[tuple[Artist, str]] = []
        for i, (r, geom) in enumerate(zip(results, work, strict=True), start=1):
            colour = styles.verdict(r.verdict).colour
            handle = _plot_project(ax, geom, colour)
            at = _label_point(geom, tolerance=span * 0.01)
            ax.text(at.x, at.y, str(i), ha="center", va="center", fontsize=9, fontweight="bold", zorder=30,
                    color="black", bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": colour, "lw": 1.2})
            legend.append((handle, f"{i} {_one_line(r.project.name)} — {verdict_label(r.verdict, lang)}"))
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        if counties is not None:
            handles.append((Line2D([], [], color="#7a7a7a", linestyle=(0, (6, 3))), t("legend_county", lang)))
        _legend(ax, [*legend, *handles])
        _decorate(ax, lang=lang, illustrative=illustrative or any(r.illustrative_used for r in results), crs=crs)
        return _save(fig, crs)
