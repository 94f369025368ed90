"""Dense zone layers as one picture: rasterised polygons as a PNG data URL for Leaflet.

A province-scale official layer (10⁵ polygons) would be tens of megabytes as GeoJSON; at
the province zoom most of its polygons are smaller than a screen pixel anyway. Drawn into
an image the size of the map (a few hundred kB, embedded in the page: no request leaves
the app), it shows where the zones are; a click is answered from the full-precision store,
not from the picture.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Sequence

import numpy as np
from affine import Affine  # rasterio's own dependency
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import rasterize
from rasterio.io import MemoryFile
from shapely.geometry.base import BaseGeometry

__all__ = ["rasterise_png"]

_ALPHA = 255  # opaque, like the vector zones: the zone pane gives the palette's opacity (ui.styles)


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rasterise_png(
    geometries: Sequence[BaseGeometry],
    colours: Sequence[str],
    *,
    bounds: tuple[float, float, float, float],
    width_px: int = 1600,
) -> str:
    """Draw ``geometries`` filled with ``colours`` into a transparent PNG; returns a data URL.

    Parameters
    ----------
    geometries
        Polygons in the same projected CRS as ``bounds`` (Web Mercator for Leaflet, whose
        image overlays stretch linearly in that projection).
    colours
        ``#rrggbb`` per geometry; later geometries are drawn over earlier ones.
    bounds
        (minx, miny, maxx, maxy) of the picture in that CRS.
    width_px
        Picture width; the height keeps the aspect ratio.
    """
    minx, miny, maxx, maxy = bounds
    height_px = max(1, round(width_px * (maxy - miny) / max(maxx - minx, 1e-9)))
    # Built directly: rasterio.transform.from_bounds uses an affine operator now deprecated.
    transform = Affine((maxx - minx) / width_px, 0.0, minx, 0.0, -(maxy - miny) / height_px, maxy)
    palette = list(dict.fromkeys(colours))
    index = {c: i + 1 for i, c in enumerate(palette)}
    shapes = [(g, index[c]) for g, c in zip(geometries, colours, strict=True) if g is not None and not g.is_empty]
    codes = np.zeros((height_px, width_px), dtype="uint8")
    if shapes:
        codes = rasterize(shapes, out_shape=(height_px, width_px), transform=transform, fill=0, all_touched=True, dtype="uint8")
    lut = np.zeros((len(palette) + 1, 4), dtype="uint8")
    for colour, i in index.items():
        lut[i] = (*_rgb(colour), _ALPHA)
    rgba = lut[codes].transpose(2, 0, 1)
    with warnings.catch_warnings():
        # A plain picture has no georeferencing, and needs none: Leaflet places it.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as mem:
            with mem.open(driver="PNG", width=width_px, height=height_px, count=4, dtype="uint8") as dst:
                dst.write(rgba)
            data = mem.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
