"""The palette on the app's maps and pages: Leaflet styles and legend swatches.

Every colour is the palette's (data/styles.yaml, ``zoning.styles``), the same the zone
tiles, the public site and the reports use; this module only puts it in the form Leaflet
and HTML want. Zone fills are opaque and the zone layers sit in one map pane shown at the
palette's opacity (``ZONE_PANE``, see ``ui.components``), so overlapping zones show the
upper layer's colour — the one the legend lists — rather than a mix.
"""

from __future__ import annotations

from typing import Any

from zoning.styles import Styles, load_styles

__all__ = ["ZONE_PANE", "palette", "verdict_colour", "zone_colour", "zone_style", "zone_swatch", "legend_swatch"]

#: The Leaflet pane every zone layer is drawn in (one canvas, made translucent as a whole).
ZONE_PANE = "ezZones"


def palette() -> Styles:
    """The palette in use (cached per file version by ``zoning.styles``)."""
    return load_styles()


def verdict_colour(verdict: str) -> str:
    """The colour of a verdict's symbols and badge (white text sits on it)."""
    return palette().verdict(verdict).colour


def zone_colour(layer_id: str, zone: str | None, styles: Styles | None = None) -> str:
    """The (opaque) fill colour of a zone feature of ``layer_id`` with zone value ``zone``."""
    return (styles or palette()).zone_fill(layer_id, zone)


def zone_style(layer_id: str, zone: str | None, legal_status: str | None, styles: Styles | None = None) -> dict[str, Any]:
    """Leaflet path style of a zone feature: opaque fill (the pane gives the opacity), the
    layer's edge colour for the outline; illustrative (示意) features get a dashed edge."""
    palette_ = styles or palette()
    return {
        "color": palette_.layer(layer_id).edge,
        "weight": 1.2,
        "opacity": 1.0,
        "fillColor": palette_.zone_fill(layer_id, zone),
        "fillOpacity": 1.0,
        "dashArray": "5 4" if legal_status == "示意" else None,
    }


def zone_swatch(layer_id: str, zone: str | None, styles: Styles | None = None) -> str:
    """CSS background of a legend swatch for a zone: its fill at the zones' opacity."""
    palette_ = styles or palette()
    return palette_.rgba(palette_.zone_fill(layer_id, zone))


def legend_swatch(colour: str, styles: Styles | None = None) -> str:
    """CSS background of a legend swatch of any zone colour (at the zones' opacity)."""
    return (styles or palette()).rgba(colour)
