"""``python -m zoning export-map``: a self-contained static site of the public zone map."""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from gis.errors import InputError
from layers.paths import DEFAULT_STORE
from layers.store import ZoneStore
from tests.jsoncheck import strict_loads
from zoning.cli import cli
from zoning.publish.mapexport import export_map
from zoning.publish.zone_tiles import tile_range

# A fetchable reference to another host: a scheme URL or a protocol-relative one.
_EXTERNAL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
# Strings in the vendored Leaflet that are not fetched: the SVG namespace, and the link
# in Leaflet's attribution prefix, which the page turns off (attributionControl: false).
_NOT_FETCHED = {"http://www.w3.org", "https://leafletjs.com", "https://bugzilla.mozilla.org"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public_map"
    result = CliRunner().invoke(cli, ["export-map", str(out), "--max-zoom", "10"])
    assert result.exit_code == 0, result.output
    assert "exported" in result.output
    return out


def test_the_site_has_its_page_scripts_styles_data_and_tiles(site: Path) -> None:
    for rel in ("index.html", "assets/map.js", "assets/map.css", "assets/leaflet/leaflet.js",
                "assets/leaflet/leaflet.css", "assets/fonts/noto-sans-sc.css", "data/meta.json", "data/base.json"):  # fmt: skip
        assert (site / rel).is_file(), rel
    html = (site / "index.html").read_text(encoding="utf-8")
    # Every script and style the page names is in the site.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        if not ref.startswith("data:"):
            assert (site / ref).is_file(), ref
    # The font CSS points at slices that exist beside it.
    css = (site / "assets/fonts/noto-sans-sc.css").read_text(encoding="utf-8")
    slices = re.findall(r"url\(([^)]+)\)", css)
    assert slices and all((site / "assets/fonts" / s).is_file() for s in slices)
    assert sorted(int(p.name) for p in (site / "tiles").iterdir()) == list(range(5, 11))


def test_no_external_urls_in_html_js_css(site: Path) -> None:
    for path in [*site.rglob("*.html"), *site.rglob("*.js"), *site.rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        found = {m.group(0) for m in _EXTERNAL.finditer(text)}
        assert found <= _NOT_FETCHED, (path, found - _NOT_FETCHED)
        if path.parent.name != "leaflet":  # our own files: no URL at all
            assert not found, (path, found)


def test_meta_says_what_the_map_shows_and_which_rules_apply(site: Path) -> None:
    meta = json.loads((site / "data/meta.json").read_text(encoding="utf-8"))
    store = ZoneStore.open(DEFAULT_STORE)
    ids = [layer["id"] for layer in meta["layers"]]
    # every layer a map draws (zone and control-unit layers; not admin, not the access list table)
    assert ids == [lid for lid in store.layer_ids if lid in store.catalog.map_layer_ids]
    assert "env_control_unit" in ids and "access_clause" not in ids
    # The embedded data is illustrative, and the page is told to say so.
    assert meta["illustrative"] is True and meta["attribution"]["notice_zh"] == "示意数据，不具法律效力"
    water = next(layer for layer in meta["layers"] if layer["id"] == "water_source")
    assert [z["value"] for z in water["zones"]][:3] == ["一级", "二级", "准保护区"]
    assert water["title_zh"] == "饮用水水源保护区" and water["legal_status"] == "示意"
    # Only the zone values the data holds are in the legend (the green heart's legacy
    # three-zone values are not, as no current feature carries them).
    heart = next(layer for layer in meta["layers"] if layer["id"] == "green_heart")
    assert {z["value"] for z in heart["zones"]} == set(store.layer("green_heart")["zone"])


def test_each_feature_names_the_rules_that_apply_to_it(site: Path) -> None:
    meta = json.loads((site / "data/meta.json").read_text(encoding="utf-8"))
    groups = meta["rule_groups"]
    k = next(i for i, layer in enumerate(meta["layers"]) if layer["id"] == "water_source")
    grade1 = meta["layers"][k]["zones"].index(next(z for z in meta["layers"][k]["zones"] if z["value"] == "一级"))
    feats = [f for p in (site / "tiles" / "10").rglob("*.json") for f in json.loads(p.read_text(encoding="utf-8"))["features"]]
    ones = [f for f in feats if f["properties"]["l"] == k and f["properties"]["z"] == grade1]
    assert ones
    for f in ones:
        rules = groups[f["properties"]["r"]]
        dws01 = next(r for r in rules if r["id"] == "DWS01")
        assert dws01["verdict_zh"] == "禁止" and "水污染防治法" in dws01["basis"] and "第六十五条" in dws01["basis"]
        # Types in words, not keys: DWS01 applies to all but three types (rules.yaml).
        assert dws01["types_zh"].startswith("除") and "_" not in dws01["types_zh"]
        # The water-source rules, and the HJ/T 81 livestock setback written against several layers.
        assert "准保护区" not in {r["condition_zh"] for r in rules}
        assert all(r["id"].startswith("DWS") or r["id"] == "LIV05" for r in rules)
    # Shoreline rules filter on the river: the Yangtze's 1 km rule is not on the Xiang River.
    s = next(i for i, layer in enumerate(meta["layers"]) if layer["id"] == "shoreline")
    by_name = {f["properties"]["n"]: groups[f["properties"]["r"]] for f in feats if f["properties"]["l"] == s}
    yangtze = [ids for n, ids in by_name.items() if "长江" in n]
    xiang = [ids for n, ids in by_name.items() if "湘江" in n]
    assert yangtze and xiang
    yangtze_ids = {r["id"] for r in yangtze[0]}
    xiang_ids = {r["id"] for r in xiang[0]}
    assert yangtze_ids and xiang_ids and yangtze_ids != xiang_ids


def test_the_tile_index_lists_exactly_the_written_tiles(site: Path) -> None:
    import base64

    import numpy as np

    meta = json.loads((site / "data/meta.json").read_text(encoding="utf-8"))
    for z, idx in meta["tiles"].items():
        bits = np.unpackbits(np.frombuffer(base64.b64decode(idx["bits"]), dtype=np.uint8))[: idx["w"] * idx["h"]]
        listed = {(idx["x0"] + i % idx["w"], idx["y0"] + i // idx["w"]) for i in np.flatnonzero(bits)}
        written = {(int(p.parent.name), int(p.stem)) for p in (site / "tiles" / z).glob("*/*.json")}
        assert listed == written, z


def test_places_for_name_lookup(site: Path) -> None:
    rows = json.loads((site / "data/places.json").read_text(encoding="utf-8"))
    xiangtan = [r for r in rows if r[0] == "湘潭"]
    assert xiangtan, "the town of 湘潭 is in the GeoNames extract"
    lon, lat = xiangtan[0][3], xiangtan[0][4]
    assert 112.5 < lon < 113.2 and 27.6 < lat < 28.1


def test_tiles_load_and_hold_the_zones_where_they_are(site: Path) -> None:
    meta = json.loads((site / "data/meta.json").read_text(encoding="utf-8"))
    store = ZoneStore.open(DEFAULT_STORE)
    water = store.layer("water_source").to_crs("EPSG:4490")
    k = next(i for i, layer in enumerate(meta["layers"]) if layer["id"] == "water_source")
    # A point inside the first water-source zone: its z=10 tile (computed here by the
    # Web-Mercator formula) holds that feature, and the feature's shape — in sub-pixels of
    # that tile, from its top-left corner — contains the point.
    point = water.geometry.iloc[0].representative_point()
    n = 2**10
    world_x = (point.x + 180) / 360 * n * 256
    lat = math.radians(point.y)
    world_y = (1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n * 256
    x, y = int(world_x // 256), int(world_y // 256)
    sub = meta["subpixel"]
    here = shapely.Point((world_x - x * 256) * sub, (world_y - y * 256) * sub)
    data = json.loads((site / "tiles" / "10" / str(x) / f"{y}.json").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    mine = [f for f in data["features"] if f["properties"]["l"] == k and f["properties"]["i"] == 0]
    assert mine and mine[0]["properties"]["n"] == water["name"].iloc[0]
    # within a pixel (the shapes are simplified to about one)
    assert any(shapely.geometry.shape(f["geometry"]).buffer(sub).contains(here) for f in mine)
    # Coordinates are whole sub-pixels within the tile and its drawing margin.
    coords = shapely.get_coordinates([shapely.geometry.shape(f["geometry"]) for f in data["features"]])
    assert (coords == coords.round()).all() and coords.min() >= -8 * sub and coords.max() <= (256 + 8) * sub
    # Precompressed copies hold the same JSON.
    gz = site / "tiles" / "10" / str(x) / f"{y}.json.gz"
    assert json.loads(gzip.decompress(gz.read_bytes())) == data


def test_tile_range_matches_hand_computed_tiles() -> None:
    import numpy as np

    # A box north-east of (0, 0) at zoom 1 lies in the north-east quarter: x = 1, y = 0.
    x0, x1, y0, y1 = tile_range(np.array([[0.5, 0.5, 1.0, 1.0]]), 1)
    assert (x0[0], x1[0], y0[0], y1[0]) == (1, 1, 0, 0)
    # Changsha (112.94E, 28.23N) at zoom 8: x = floor((112.94+180)/360*256) = 208.
    x0, _, y0, _ = tile_range(np.array([[112.94, 28.23, 112.94, 28.23]]), 8)
    assert x0[0] == 208 and y0[0] == 107


def test_a_foreign_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="non-empty folder that is not an earlier export"):
        export_map(tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_zoom_levels_out_of_order_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"zoom levels 9\.\.5 \(full from 10\) are expected as 0 <= min <= max <= 18"):
        export_map(tmp_path / "site", min_zoom=9, max_zoom=5)
    assert not (tmp_path / "site").exists()


def test_refusals_are_said_in_chinese_too(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InputError) as info:
        export_map(tmp_path)
    assert info.value.zh and str(tmp_path) in info.value.zh and "不是空文件夹" in info.value.zh
    with pytest.raises(InputError) as info:
        export_map(tmp_path / "site", min_zoom=9, max_zoom=5)
    assert info.value.zh and "缩放级别 9..5" in info.value.zh


def test_every_json_of_the_site_parses_strictly(site: Path) -> None:
    """A browser's JSON.parse refuses NaN and Infinity: not one of the site's documents may hold them."""

    files = sorted(site.rglob("*.json"))
    assert {"meta.json", "base.json", "places.json"} <= {p.name for p in files}
    for path in files:
        strict_loads(path.read_text(encoding="utf-8"))


def test_a_configured_base_map_reaches_the_site_and_its_policy(tmp_path: Path) -> None:
    """--basemap-url: the template (a WMTS RESTful one, turned into XYZ), its credit and its
    subdomains reach meta.json; the page's policy allows images from exactly its origins."""
    out = tmp_path / "site"
    template = "https://t{s}.tiles.example.gov.cn/vec/{TileMatrix}/{TileRow}/{TileCol}.png"
    result = CliRunner().invoke(cli, ["export-map", str(out), "--max-zoom", "6", "--no-gzip", "--basemap-url", template,
                                      "--basemap-attribution", "© 某市测绘院", "--basemap-subdomains", "01"])  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "data" / "meta.json").read_text(encoding="utf-8"))
    assert meta["basemap"]["url"] == "https://t{s}.tiles.example.gov.cn/vec/{z}/{y}/{x}.png"
    assert meta["basemap"]["attribution"] == "© 某市测绘院" and meta["basemap"]["subdomains"] == ["0", "1"]
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', (out / "index.html").read_text(encoding="utf-8")).group(1)
    img = next(d for d in policy.split("; ") if d.startswith("img-src")).split()[1:]
    assert img == ["'self'", "data:", "blob:", "https://t0.tiles.example.gov.cn", "https://t1.tiles.example.gov.cn"]
    labels = json.loads((out / "data" / "labels.json").read_text(encoding="utf-8"))
    assert {"county", "seat", "town", "river"} <= {lab[0] for lab in labels}
    bad = CliRunner().invoke(cli, ["export-map", str(tmp_path / "bad"), "--basemap-url", "https://x.example.org/{z}/{x}.png",
                                   "--basemap-attribution", "x"])  # fmt: skip
    assert bad.exit_code == 2 and "{y}" in bad.output


def test_without_a_base_map_the_policy_names_no_other_host(site: Path) -> None:
    meta = json.loads((site / "data" / "meta.json").read_text(encoding="utf-8"))
    assert meta["basemap"] is None
    assert "img-src 'self' data: blob:;" in (site / "index.html").read_text(encoding="utf-8")
