"""Colours: verdicts and zone layers by type and grade (one place, used by maps and legends).

Stricter zones are darker within a layer's hue, so a legend reads without words; verdict
colours follow traffic-light conventions (red = prohibited ... green = not affected).
"""

from __future__ import annotations

from typing import Any

__all__ = ["VERDICT_COLOURS", "VERDICT_TEXT_COLOURS", "LAYER_COLOURS", "zone_colour", "zone_style"]

VERDICT_COLOURS: dict[str, str] = {
    "prohibited": "#c62828",
    "conditional": "#ef6c00",
    "review": "#1f6fb2",
    "clear": "#2e7d32",
}
#: Text on a verdict-coloured background (all pass WCAG AA for large text on white text).
VERDICT_TEXT_COLOURS: dict[str, str] = {k: "#ffffff" for k in VERDICT_COLOURS}

#: layer -> zone value -> fill colour; "" is the layer's colour for values not listed.
LAYER_COLOURS: dict[str, dict[str, str]] = {
    "eco_redline": {"自然保护地核心保护区": "#99000d", "一般": "#e34a33", "": "#e34a33"},
    "water_source": {"一级": "#08519c", "二级": "#3182bd", "准保护区": "#9ecae1", "": "#3182bd"},
    "water_intake": {"": "#08306b"},
    "livestock_zone": {"禁养区": "#8c510a", "限养区": "#dfc27d", "": "#8c510a"},
    "green_heart": {
        "核心保护区": "#00441b",
        "融合发展区": "#74c476",
        "禁止开发区": "#00441b",
        "限制开发区": "#238b45",
        "控制建设区": "#a1d99b",
        "": "#238b45",
    },
    "nature_reserve": {
        "核心区": "#3f007d",
        "核心保护区": "#3f007d",
        "缓冲区": "#6a51a3",
        "实验区": "#bcbddc",
        "一般控制区": "#9e9ac8",
        "": "#6a51a3",
    },
    "scenic_area": {"核心景区": "#ae017e", "一般景区": "#f768a1", "": "#f768a1"},
    "shoreline": {"干流": "#01665e", "支流": "#35978f", "": "#01665e"},
    "admin": {"": "#777777"},
}


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
