"""QGIS styles (QML and SLD) from the one palette, for the GeoPackages the product writes.

A GeoPackage opened in QGIS draws as the app does when its ``layer_styles`` table
(``layers.styles_table``) holds a default style per layer. This module makes those styles
from ``data/styles.yaml`` (``zoning.styles``) and the layer catalogue — no colour of its own:

* zone layers (``zone_layer_style``): a categorized renderer on the layer's zone field
  (``grade``, ``kind`` ...), one category per catalogue value (current and legacy) with the
  palette's shade of it, plus an empty value for everything else (QGIS's "all other
  values") in the layer's base fill; opaque fills, outlines in the layer's edge colour,
  dashed for 示意 features (as on the app's maps), the layer at the palette's opacity;
  labels from ``name``. A layer without a zone field gets one symbol. Lines are drawn in
  the edge colour with the zone's colour inside; points as circles.
* the report GeoPackage (``report_styles``): projects and overlaps categorized by verdict
  in the verdict colours (outlines in the palette's ``marks``), zones hit by layer and
  zone (an expression category ``"layer" || '/' || "zone"``).
* the Shapefile's sidecar ``.qml`` files (``verdict_style``), which QGIS loads on its own.

``style_store(path)`` writes every feature layer's style into a zone store (the data build
calls it last; ``layers import`` for the imported layer); ``style_report(path)`` into a
report GeoPackage. The QML is QGIS 3's format (symbol-layer properties both as ``Option``
maps and as the older ``prop`` elements, so QGIS 3.4 to current read it); the SLD is OGC
Symbology Encoding 1.1, for other software that reads ``styleSLD``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoning.styles import Styles, load_styles, rgb255

__all__ = [
    "Category",
    "LayerStyle",
    "zone_layer_style",
    "verdict_style",
    "report_styles",
    "style_store",
    "style_report",
    "geometry_kind",
]

log = logging.getLogger(__name__)

_QGIS_VERSION = "3.28.0-Firenze"
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_SLD = "http://www.opengis.net/sld"


@dataclass(frozen=True)
class Category:
    """One category: the value it matches (``""``: every other value), its legend label,
    fill and edge colours (``#rrggbb``)."""

    value: str
    label: str
    fill: str
    edge: str


@dataclass(frozen=True)
class LayerStyle:
    """A layer's style: categorized on ``attribute`` (an expression when ``expression``),
    or one symbol when ``attribute`` is None (``categories`` then holds that one symbol)."""

    geometry: str  # polygon | line | point
    attribute: str | None
    categories: tuple[Category, ...]
    opacity: float = 1.0
    label_field: str | None = "name"
    dashed_illustrative: bool = False
    expression: bool = False

    def qml(self) -> str:
        return _qml(self)

    def sld(self, name: str) -> str:
        return _sld(self, name)


def geometry_kind(type_name: str) -> str:
    """``polygon``, ``line`` or ``point`` for a GeoPackage geometry type name (MULTIPOLYGON ...)."""
    name = type_name.upper()
    if "POLYGON" in name or "SURFACE" in name:
        return "polygon"
    if "LINE" in name or "CURVE" in name:
        return "line"
    return "point" if "POINT" in name else "polygon"


# --- the styles ---------------------------------------------------------------------------


def zone_layer_style(layer_id: str, geometry: str, *, catalog: Any = None, styles: Styles | None = None,
                     fields: Iterable[str] | None = None) -> LayerStyle:
    """The style of a zone-store layer (see the module); ``fields``: the table's columns
    (labels and the 示意 dash only where the fields exist; None: assume they do)."""
    if catalog is None:
        from layers.catalog import load_catalog

        catalog = load_catalog()
    palette = styles or load_styles()
    style = palette.layer(layer_id)
    spec = catalog.layers.get(layer_id)
    columns = None if fields is None else set(fields)
    zone_field = spec.zone_field if spec is not None else None
    if zone_field and columns is not None and zone_field not in columns:
        zone_field = None
    categories: list[Category] = []
    if zone_field:
        for value in catalog.field(layer_id, zone_field).allowed:
            label = catalog.field(layer_id, zone_field).label(value, "en")
            categories.append(Category(value, value if label == value else f"{value} {label}",
                                       style.zone_fill(value), style.edge))
    title = spec.title_zh if spec is not None else layer_id
    categories.append(Category("", title if not zone_field else f"{title}（其他）", style.zone_fill(None), style.edge))
    return LayerStyle(geometry, zone_field, tuple(categories), palette.opacity,
                      label_field="name" if columns is None or "name" in columns else None,
                      dashed_illustrative=columns is None or "legal_status" in columns)


def verdict_style(geometry: str, *, field: str = "verdict", label_field: str | None = "name", mark: str = "project",
                  styles: Styles | None = None, fill: str = "fill") -> LayerStyle:
    """Projects (``mark`` project) or overlaps (``mark`` overlap) by verdict, in the verdict
    colours: polygons filled with the verdict's ``fill`` (table-cell colour, light) or
    ``colour``, outlined in the palette's mark colour."""
    palette = styles or load_styles()
    edge = palette.marks[mark]
    cats = tuple(Category(code, f"{v.text.zh} {v.text.en}", getattr(v, fill), edge)
                 for code, v in palette.verdicts.items())  # fmt: skip
    return LayerStyle(geometry, field, cats, 1.0, label_field=label_field)


def _zones_hit_style(geometry: str, catalog: Any, palette: Styles) -> LayerStyle:
    categories = []
    for layer_id in palette.draw_order(catalog.layers):
        zone = zone_layer_style(layer_id, geometry, catalog=catalog, styles=palette)
        categories += [Category(f"{layer_id}/{c.value}", c.label, c.fill, c.edge) for c in zone.categories]
    return LayerStyle(geometry, "\"layer\" || '/' || \"zone\"", tuple(categories), palette.opacity,
                      label_field="name", dashed_illustrative=True, expression=True)


def report_styles(tables: dict[str, tuple[str, str]], *, catalog: Any = None,
                  styles: Styles | None = None) -> dict[str, LayerStyle]:
    """Styles for the layers of a report GeoPackage (``project_*``, ``overlap_*``, ``zones_hit_*``);
    ``catalog``: the catalogue of the store the report describes (default the packaged one)."""
    if catalog is None:
        from layers.catalog import load_catalog

        catalog = load_catalog()
    palette = styles or load_styles()
    out: dict[str, LayerStyle] = {}
    for table, (_column, type_name) in tables.items():
        kind = geometry_kind(type_name)
        if table.startswith("project_"):
            out[table] = verdict_style(kind, styles=palette)
        elif table.startswith("overlap_"):
            out[table] = verdict_style(kind, label_field=None, mark="overlap", styles=palette, fill="colour")
        elif table.startswith("zones_hit_"):
            out[table] = _zones_hit_style(kind, catalog, palette)
    return out


# --- writing them into GeoPackages -------------------------------------------------------------


def _table_columns(path: Path, table: str) -> list[str]:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _base_layer(table: str) -> str:
    return table.split("__v", 1)[0]


def style_store(path: str | Path, *, catalog: Any = None, styles: Styles | None = None,
                tables: Sequence[str] | None = None, update_time: str | None = None) -> list[str]:
    """Write the default QGIS style of every feature layer of the zone store at ``path``
    (kept versions ``<id>__v<N>`` styled as their layer), or of ``tables`` only; returns
    the tables styled. Deterministic unless ``update_time`` is given."""
    from layers.styles_table import FIXED_TIME, LayerStyleRow, feature_tables, write_layer_styles

    if catalog is None:
        from layers.catalog import load_catalog

        catalog = load_catalog()
    path = Path(path)
    rows = []
    for table, (column, type_name) in feature_tables(path).items():
        if tables is not None and table not in tables:
            continue
        style = zone_layer_style(_base_layer(table), geometry_kind(type_name), catalog=catalog, styles=styles,
                                 fields=_table_columns(path, table))  # fmt: skip
        rows.append(LayerStyleRow(table, column, table, style.qml(), style.sld(table), True,
                                  "按 data/styles.yaml 生成 / made from the palette, data/styles.yaml"))
    write_layer_styles(path, rows, update_time=update_time or FIXED_TIME)
    return [row.table for row in rows]


def style_report(path: str | Path, *, catalog: Any = None, styles: Styles | None = None) -> list[str]:
    """Write the default QGIS styles of a report GeoPackage's layers; returns the tables styled."""
    from layers.styles_table import LayerStyleRow, feature_tables, write_layer_styles

    path = Path(path)
    tables = feature_tables(path)
    rows = [LayerStyleRow(table, tables[table][0], table, style.qml(), style.sld(table), True,
                          "按 data/styles.yaml 生成 / made from the palette, data/styles.yaml")
            for table, style in report_styles(tables, catalog=catalog, styles=styles).items()]  # fmt: skip
    write_layer_styles(path, rows)
    return [row.table for row in rows]


# --- QML -----------------------------------------------------------------------------------


def _rgba(colour: str, alpha: int = 255) -> str:
    r, g, b = rgb255(colour)
    return f"{r},{g},{b},{alpha}"


def _props(parent: ET.Element, props: dict[str, str]) -> None:
    """Symbol-layer properties as an ``Option`` map (QGIS >= 3.26) and ``prop`` elements (older)."""
    options = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    for key, value in props.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _dash_when_illustrative(parent: ET.Element) -> None:
    """The outline dashed where ``legal_status`` is 示意 (a data-defined stroke style)."""
    ddp = ET.SubElement(parent, "data_defined_properties")
    root = ET.SubElement(ddp, "Option", type="Map")
    ET.SubElement(root, "Option", type="QString", name="name", value="")
    props = ET.SubElement(root, "Option", type="Map", name="properties")
    prop = ET.SubElement(props, "Option", type="Map", name="outlineStyle")
    ET.SubElement(prop, "Option", type="bool", name="active", value="true")
    ET.SubElement(prop, "Option", type="QString", name="expression",
                  value="CASE WHEN \"legal_status\" = '示意' THEN 'dash' ELSE 'solid' END")
    ET.SubElement(prop, "Option", type="int", name="type", value="3")
    ET.SubElement(root, "Option", type="QString", name="type", value="collection")


def _symbol_layer(symbol: ET.Element, cls: str, props: dict[str, str], *, dashed: bool) -> None:
    layer = ET.SubElement(symbol, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    _props(layer, props)
    if dashed:
        _dash_when_illustrative(layer)


def _symbol(parent: ET.Element, name: str, geometry: str, cat: Category, *, dashed: bool) -> None:
    kind = {"polygon": "fill", "line": "line", "point": "marker"}[geometry]
    symbol = ET.SubElement(parent, "symbol", {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1",
                                              "force_rhr": "0"})
    if geometry == "polygon":
        _symbol_layer(symbol, "SimpleFill", {"color": _rgba(cat.fill), "style": "solid", "outline_color": _rgba(cat.edge),
                                             "outline_style": "solid", "outline_width": "0.4",
                                             "outline_width_unit": "MM", "joinstyle": "bevel"}, dashed=dashed)
    elif geometry == "line":
        # The edge colour outside, the zone's colour inside: the shades stay told apart.
        _symbol_layer(symbol, "SimpleLine", {"line_color": _rgba(cat.edge), "line_width": "1.2",
                                             "line_width_unit": "MM", "line_style": "solid",
                                             "capstyle": "round", "joinstyle": "round"}, dashed=dashed)
        _symbol_layer(symbol, "SimpleLine", {"line_color": _rgba(cat.fill), "line_width": "0.6",
                                             "line_width_unit": "MM", "line_style": "solid",
                                             "capstyle": "round", "joinstyle": "round"}, dashed=False)
    else:
        _symbol_layer(symbol, "SimpleMarker", {"name": "circle", "color": _rgba(cat.fill), "outline_color": _rgba(cat.edge),
                                               "outline_style": "solid", "outline_width": "0.4",
                                               "outline_width_unit": "MM", "size": "2.6", "size_unit": "MM"},
                      dashed=False)  # fmt: skip


def _renderer(root: ET.Element, style: LayerStyle) -> None:
    dashed = style.dashed_illustrative
    if style.attribute is None:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0",
                                 enableorderby="0")
        symbols = ET.SubElement(renderer, "symbols")
        _symbol(symbols, "0", style.geometry, style.categories[-1], dashed=dashed)
        return
    renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=style.attribute, symbollevels="0",
                             forceraster="0", enableorderby="0")
    categories = ET.SubElement(renderer, "categories")
    for i, cat in enumerate(style.categories):
        ET.SubElement(categories, "category", symbol=str(i), value=cat.value, label=cat.label, render="true",
                      type="string")
    symbols = ET.SubElement(renderer, "symbols")
    for i, cat in enumerate(style.categories):
        _symbol(symbols, str(i), style.geometry, cat, dashed=dashed)
    source = ET.SubElement(renderer, "source-symbol")
    _symbol(source, "0", style.geometry, style.categories[-1], dashed=dashed)


def _labels(root: ET.Element, style: LayerStyle) -> None:
    labeling = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    ET.SubElement(settings, "text-style", fieldName=style.label_field or "", isExpression="0", fontSize="9",
                  fontSizeUnit="Point", textColor="40,40,40,255", textOpacity="1", namedStyle="Regular",
                  fontWeight="50", fontItalic="0", fontUnderline="0", fontStrikeout="0")
    ET.SubElement(settings, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="0.85", bufferNoFill="1", bufferJoinStyle="128")
    # QGIS placements: 0 around a point, 1 over the polygon's centroid, 2 parallel to a line.
    placement = {"polygon": "1", "line": "2", "point": "0"}[style.geometry]
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM", placementFlags="10")
    ET.SubElement(settings, "rendering", obstacle="1", scaleVisibility="0", fontLimitPixelSize="0",
                  displayAll="0", upsidedownLabels="0")


def _qml(style: LayerStyle) -> str:
    labelled = style.label_field is not None
    root = ET.Element("qgis", version=_QGIS_VERSION, styleCategories="Symbology|Labeling|Rendering",
                      labelsEnabled="1" if labelled else "0")
    _renderer(root, style)
    if labelled:
        _labels(root, style)
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = f"{style.opacity:g}"
    ET.SubElement(root, "layerGeometryType").text = {"point": "0", "line": "1", "polygon": "2"}[style.geometry]
    ET.indent(root)
    return _DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


# --- SLD ------------------------------------------------------------------------------------


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{_SE}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _sld_param(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _sld_symbolizer(rule: ET.Element, style: LayerStyle, cat: Category) -> None:
    if style.geometry == "polygon":
        sym = _se(rule, "PolygonSymbolizer")
        fill = _se(sym, "Fill")
        _sld_param(fill, "fill", cat.fill)
        _sld_param(fill, "fill-opacity", f"{style.opacity:g}")
        stroke = _se(sym, "Stroke")
    elif style.geometry == "line":
        sym = _se(rule, "LineSymbolizer")
        stroke = _se(sym, "Stroke")
    else:
        sym = _se(rule, "PointSymbolizer")
        mark = _se(_se(sym, "Graphic"), "Mark")
        _se(mark, "WellKnownName", "circle")
        _sld_param(_se(mark, "Fill"), "fill", cat.fill)
        stroke = _se(mark, "Stroke")
    _sld_param(stroke, "stroke", cat.edge)
    _sld_param(stroke, "stroke-width", "1")


def _sld(style: LayerStyle, name: str) -> str:
    ET.register_namespace("se", _SE)
    ET.register_namespace("ogc", _OGC)
    ET.register_namespace("", _SLD)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", version="1.1.0")
    layer = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    _se(layer, "Name", name)
    feature_style = _se(ET.SubElement(layer, f"{{{_SLD}}}UserStyle"), "FeatureTypeStyle")
    listed = [c.value for c in style.categories if c.value]
    for cat in style.categories:
        rule = _se(feature_style, "Rule")
        _se(rule, "Name", cat.label)
        if style.attribute is not None and not style.expression:
            if cat.value:
                _sld_filter(rule, style.attribute, [cat.value], negate=False)
            elif listed:
                _sld_filter(rule, style.attribute, listed, negate=True)
        _sld_symbolizer(rule, style, cat)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def _sld_filter(rule: ET.Element, attribute: str, values: Sequence[str], *, negate: bool) -> None:
    """``attribute = value`` (or, negated, none of ``values``: the "all other values" rule)."""
    filt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
    parent = ET.SubElement(filt, f"{{{_OGC}}}Not") if negate else filt
    if len(values) > 1:
        parent = ET.SubElement(parent, f"{{{_OGC}}}Or")
    for value in values:
        cmp = ET.SubElement(parent, f"{{{_OGC}}}PropertyIsEqualTo")
        ET.SubElement(cmp, f"{{{_OGC}}}PropertyName").text = attribute
        ET.SubElement(cmp, f"{{{_OGC}}}Literal").text = value
