"""One palette for every output: a colour changed in (a copy of) data/styles.yaml shows in the
app's legend and zone styles, in the zone tiles' style (tiles.json) and in a report map's
pixels — nothing else needs to change (issue 11: "colours and labels come from one data file").

The store: a 二级 water-source square x 0..1000, y 0..1000 m and a 一级 square x 1000..2000
(EPSG:4547, CGCS2000 GK CM 114°E, origin about 112.9°E 27.85°N), both inside a 禁养区
square x -500..2500, y -500..1500. The copy of the palette sets the water-source fill to
#ee1188; 二级 is not in the layer's shades, so its fill is #ee1188 itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml
from PIL import Image
from pyproj import Transformer
from shapely.geometry import box

from layers.store import ZoneStore
from zoning.styles import STYLES_ENV, STYLES_PATH

GK = "EPSG:4547"
ORIGIN = (391650.0, 3082300.0)
NEW_FILL = "#ee1188"
#: #ee1188 at the zones' opacity 0.7 on a white legend: rgba(238,17,136,0.7).
NEW_SWATCH = "rgba(238,17,136,0.7)"
#: ... and on the report map's paper #fbfbf8: 251+(238-251)*0.7 = 241.9, 251+(17-251)*0.7 = 87.2,
#: 248+(136-248)*0.7 = 169.6 -> (242, 87, 170).
NEW_PIXEL = (242, 87, 170)
#: The packaged 二级 fill #a6cee3 on the same paper: 251+(166-251)*0.7 = 191.5 -> 192 (round half
#: to even gives 192), 251+(206-251)*0.7 = 219.5 -> 220, 248+(227-248)*0.7 = 233.3 -> 233.
OLD_PIXEL = (192, 220, 233)


def _square(x0: float, y0: float, x1: float, y1: float):
    return box(ORIGIN[0] + x0, ORIGIN[1] + y0, ORIGIN[0] + x1, ORIGIN[1] + y1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ZoneStore:
    path = tmp_path_factory.mktemp("palette") / "zones.gpkg"
    gpd.GeoDataFrame({"name": ["二级区", "一级区"], "grade": ["二级", "一级"], "legal_status": ["法定", "法定"]},
                     geometry=[_square(0, 0, 1000, 1000), _square(1000, 0, 2000, 1000)], crs=GK,
                     ).to_file(path, layer="water_source", driver="GPKG")  # fmt: skip
    gpd.GeoDataFrame({"name": ["禁养区"], "kind": ["禁养区"], "legal_status": ["法定"]},
                     geometry=[_square(-500, -500, 2500, 1500)], crs=GK).to_file(path, layer="livestock_zone", driver="GPKG")
    return ZoneStore.open(path)


@pytest.fixture
def changed_palette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = yaml.safe_load(STYLES_PATH.read_text(encoding="utf-8"))
    assert data["zones"]["layers"]["water_source"]["fill"] != NEW_FILL
    data["zones"]["layers"]["water_source"]["fill"] = NEW_FILL
    path = tmp_path / "styles.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv(STYLES_ENV, str(path))
    return path


def _legend_and_page(store: ZoneStore) -> tuple[str, str]:
    from ui.components import _HtmlControl, build_map, zone_layer_view

    view = zone_layer_view(store.layer("water_source"), layer_id="water_source", title="饮用水水源保护区",
                           zone_field="grade", legal_status="法定")  # fmt: skip
    m = build_map(zones=[view])
    legend = next(c.content for c in m._children.values() if isinstance(c, _HtmlControl) and c.css_class == "ez-legend")
    return legend, m.get_root().render()


def _tile_colours(store: ZoneStore, folder: Path) -> dict[str, str]:
    from zoning.publish.zone_tiles import write_zone_tiles

    write_zone_tiles(store, folder, min_zoom=8, max_zoom=8, full_zoom=8)
    meta = json.loads((folder / "tiles.json").read_text(encoding="utf-8"))
    water = next(layer for layer in meta["layers"] if layer["id"] == "water_source")
    return {z["value"]: z["colour"] for z in water["zones"]}


def _report_pixels(store: ZoneStore) -> np.ndarray:
    from zoning.engine import screen
    from zoning.model import Project
    from zoning.report.maps import detail_map
    from zoning.report.zones import ReportZones

    to_ll = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
    x0, y0 = to_ll.transform(ORIGIN[0] + 400, ORIGIN[1] + 400)
    x1, y1 = to_ll.transform(ORIGIN[0] + 600, ORIGIN[1] + 600)
    result = screen([Project("养殖场", "livestock_farm", box(x0, y0, x1, y1))], store)[0]
    png = detail_map(result, "water_source", ReportZones(store), dpi=60).png
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)


def _count(pixels: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int((pixels == np.array(rgb)).all(axis=1).sum())


def test_the_packaged_palette_is_what_the_outputs_show(store: ZoneStore, tmp_path: Path) -> None:
    """The baseline: without the change no output shows the new colour."""
    legend, page = _legend_and_page(store)
    assert NEW_SWATCH not in legend and NEW_FILL not in page
    assert _tile_colours(store, tmp_path / "tiles")["二级"] == "#a6cee3"
    pixels = _report_pixels(store)
    assert _count(pixels, NEW_PIXEL) == 0 and _count(pixels, OLD_PIXEL) > 500


def test_one_colour_changed_in_the_data_shows_in_the_legend_the_tiles_and_the_report(
    store: ZoneStore, changed_palette: Path, tmp_path: Path
) -> None:
    legend, page = _legend_and_page(store)
    assert NEW_SWATCH in legend  # the app's legend swatch for 二级
    assert f'"fillColor": "{NEW_FILL}"' in page  # the app's zone style
    assert _tile_colours(store, tmp_path / "tiles")["二级"] == NEW_FILL  # the tile style
    pixels = _report_pixels(store)
    # the report map paints the 二级 zone (the project sits in it; no other layer covers it on
    # the water-source detail map) in the new colour, and the old one is gone
    assert _count(pixels, NEW_PIXEL) > 500 and _count(pixels, OLD_PIXEL) == 0
