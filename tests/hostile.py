"""Hostile names for the escaping tests: a zone store and a batch of projects named to attack
every place a name is shown (HTML, attributes, JavaScript strings and template literals,
Markdown images and links, Streamlit's Markdown extensions).

Each string is different, so a test can say which one leaked; every ``alert`` carries a
number for the same reason. ``TRACKER`` is a host no test server listens on: a request to
it means a name became an image.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from tests.ui.conftest import GK, _square, lonlat

TRACKER = "127.0.0.2:9"

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
MD_IMAGE = f"![t](http://{TRACKER}/track.png)"
JS_LINK = "[点我](javascript:alert(3))"
DOUBLE_QUOTE = '" onmouseover="alert(4)" x="'
SINGLE_QUOTE = "' onmouseover='alert(5)' x='"
TEMPLATE = "${alert(6)}`+alert(7)+`"
STREAMLIT_MD = ":red[红色] :material/home: $x^2$ **粗体** <b>b</b>"

#: Every hostile string (zone names, sources, the county, project names).
HOSTILE = (IMG, SCRIPT, MD_IMAGE, JS_LINK, DOUBLE_QUOTE, SINGLE_QUOTE, TEMPLATE, STREAMLIT_MD)

#: What each zone of the hostile store is called (same squares as tests.ui.conftest.build_store).
ZONE_NAMES = {"grade1": IMG, "grade2": SCRIPT, "redline": MD_IMAGE}
ZONE_SOURCES = {"grade1": DOUBLE_QUOTE, "grade2": SINGLE_QUOTE, "redline": JS_LINK}
COUNTY = TEMPLATE


def build_hostile_store(path: Path) -> Path:
    """The app tests' zone store (tests.ui.conftest), every name and source hostile."""
    layers = {
        "water_source": gpd.GeoDataFrame(
            {"name": [ZONE_NAMES["grade1"], ZONE_NAMES["grade2"]], "grade": ["一级", "二级"], "legal_status": ["示意", "示意"],
             "source": [ZONE_SOURCES["grade1"], ZONE_SOURCES["grade2"]]},
            geometry=[_square(0, 0, 1000, 1000), _square(-3000, 0, -2000, 1000)], crs=GK,
        ),
        "eco_redline": gpd.GeoDataFrame(
            {"name": [ZONE_NAMES["redline"]], "category": ["一般"], "legal_status": ["示意"], "source": [ZONE_SOURCES["redline"]]},
            geometry=[_square(3000, 0, 4000, 1000)], crs=GK,
        ),
        "admin": gpd.GeoDataFrame(
            {"adcode": ["430321"], "name": [COUNTY], "level": ["区县"]},
            geometry=[_square(-10000, -10000, 10000, 10000)], crs=GK,
        ),
    }  # fmt: skip
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


def hostile_batch_geojson() -> bytes:
    """One industrial project per hostile name, each a 100 m square inside the grade-1 zone
    or near the red line, as a GeoJSON upload."""
    features = []
    for i, name in enumerate(HOSTILE):
        x = 100.0 + 100.0 * i if i < 4 else 3000.0 + 150.0 * (i - 4)
        ring = [lonlat(x, 300), lonlat(x + 80, 300), lonlat(x + 80, 380), lonlat(x, 380), lonlat(x, 300)]
        features.append({"type": "Feature", "properties": {"name": name, "type": "一般工业项目"},
                         "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}})  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")
