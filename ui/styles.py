"""Colours: verdicts and zone layers by type and grade (one place, used by maps and legends).

Stricter zones are darker within a layer's hue, so a legend reads without words; verdict
colours follow traffic-light conventions (red = prohibited ... green = not affected).
"""

from __future__ import annotations

from typing import Any

from zoning.publish.zone_tiles import ZONE_COLOURS

__all__ = ["VERDICT_COLOURS", "VERDICT_TEXT_COLOURS", "LAYER_COLOURS", "zone_colour", "zone_style"]

VERDICT_COLOURS: dict[str, str] = {
    "prohibited": "#c62828",
    "conditional": "#ef6c00",
    "review": "#1f6fb2",
    "clear": "#2e7d32",
}
#: Text on a verdict-coloured background (all pass WCAG AA for large text on white text).
VERDICT_TEXT_COLOURS: dict[str, str] = {k: "#ffffff" for k in VERDICT_COLOURS}

#: layer -> zone value -> fill colour; "" is the layer's colour for values not listed (the
#: core's table, shared with the tiled maps and the exported site, plus the county layer).
LAYER_COLOURS: dict[str, dict[str, str]] = {**{k: dict(v) for k, v in ZONE_COLOURS.items()}, "admin": {"": "#777777"}}


def zone_colour(layer_id: str, zone: str | None) -> str:
    """The fill colour of a zone feature of ``layer_id`` with zone value ``zone``."""
    colours = LAYER_COLOURS.get(layer_id, {"": "#666666"})
    return colours.get(zone or "", colours.get("", "#666666"))


def zone_style(layer_id: str, zone: str | None, legal_status: str | None) -> dict[str, Any]:
    """Leaflet path style of a zone feature; illustrative (示意) features get a dashed edge."""
    colour = zone_colour(layer_id, zone)
    return {
        "color": colour,
        "weight": 1.2,
        "opacity": 0.9,
        "fillColor": colour,
        "fillOpacity": 0.35,
        "dashArray": "5 4" if legal_status == "示意" else None,
    }
