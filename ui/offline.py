"""Point every script, style and font a folium map needs at files this app serves itself.

folium and its plugins name CDN URLs in ``default_js`` / ``default_css`` (jsDelivr,
cdnjs, code.jquery.com, bootstrapcdn...), and streamlit-folium hands exactly those lists
to the browser. On a government intranet, or in CI, none of those hosts answers and the
map stays blank. :func:`localise` replaces the lists, per element, with the copies under
``static/`` (served by Streamlit at ``/app/static/``; see ``static/README.md`` for the
versions and licences). An element that would still load from elsewhere is a bug and
raises, so a new plugin cannot silently bring a CDN back.
"""

from __future__ import annotations

from collections.abc import Iterator

import folium
import folium.plugins
from branca.element import Element

__all__ = [
    "STATIC_URL",
    "LEAFLET_VERSION",
    "LEAFLET_DRAW_VERSION",
    "asset_urls",
    "localise",
    "external_urls",
]

#: Where Streamlit serves ``static/`` (``[server] enableStaticServing = true``).
STATIC_URL = "/app/static"
LEAFLET_VERSION = "1.9.3"  # the version folium 0.20 targets
LEAFLET_DRAW_VERSION = "1.0.4"


def asset_urls(static_url: str = STATIC_URL) -> dict[str, str]:
    """The local URL of each vendored asset, by name."""
    leaflet = f"{static_url}/vendor/leaflet-{LEAFLET_VERSION}"
    draw = f"{static_url}/vendor/leaflet-draw-{LEAFLET_DRAW_VERSION}"
    return {
        "leaflet_js": f"{leaflet}/leaflet.js",
        "leaflet_css": f"{leaflet}/leaflet.css",
        "leaflet_images": f"{leaflet}/images/",
        "draw_js": f"{draw}/leaflet.draw.js",
        "draw_css": f"{draw}/leaflet.draw.css",
        "font_css": f"{static_url}/fonts/noto-sans-sc.css",
    }


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localise(m: folium.Map, *, static_url: str = STATIC_URL) -> folium.Map:
    """Make ``m`` load nothing but this app's own files; returns ``m``.

    Only the Map and the Draw plugin are used by the app. jQuery, Bootstrap, Font Awesome
    and awesome-markers, which folium adds by default, are dropped: no element of ours
    needs them.

    Raises
    ------
    ValueError
        If the map holds another element that loads JS/CSS from a URL (a programming
        error: vendor its files and add it here).
    """
    urls = asset_urls(static_url)
    for element in _walk(m):
        if isinstance(element, folium.Map):
            element.default_js = [("leaflet", urls["leaflet_js"])]
            element.default_css = [("leaflet_css", urls["leaflet_css"]), ("noto_sans_sc", urls["font_css"])]
        elif isinstance(element, folium.plugins.Draw):
            element.default_js = [("leaflet_draw_js", urls["draw_js"])]
            element.default_css = [("leaflet_draw_css", urls["draw_css"])]
    leftover = external_urls(m)
    if leftover:
        msg = f"map elements would load from outside the app: {leftover}; vendor them under static/"
        raise ValueError(msg)
    return m


def external_urls(m: folium.Map) -> list[str]:
    """Script/style URLs of ``m``'s elements that do not point at this app (should be [])."""
    found: list[str] = []
    for element in _walk(m):
        for _name, url in [*getattr(element, "default_js", []), *getattr(element, "default_css", [])]:
            if "://" in url or url.startswith("//"):
                found.append(url)
    return found
