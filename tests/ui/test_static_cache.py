"""Files the app serves itself (ui.static_cache): the base map and the zone tiles of a store.

The maps fetch them from ``/app/static/generated/...`` instead of carrying the data in the
page. Tests write into a temporary folder (the module's folders are patched), never into
the checkout's static/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ui.static_cache as sc
from layers.generalise import public_key
from tests.jsoncheck import strict_loads
from tests.ui.conftest import build_store
from ui.components import StaticBase, ZoneTilesLayer, build_map, tile_legend_views


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "static" / "generated"
    monkeypatch.setattr(sc, "GENERATED_DIR", folder)
    monkeypatch.setattr(sc, "TILES_DIR", folder / "zone_tiles")
    sc.tile_build.clear()
    yield folder
    sc.tile_build.clear()


def test_published_json_is_named_by_its_content_and_served_under_app_static(generated: Path) -> None:
    payload = {"type": "FeatureCollection", "features": [], "名称": "湘江"}
    url = sc.publish_json("base-rivers", payload)
    assert url is not None and re.fullmatch(r"/app/static/generated/base-rivers-[0-9a-f]{16}\.json", url)
    path = generated / url.rsplit("/", 1)[1]
    assert json.loads(path.read_text(encoding="utf-8")) == payload
    # Same content, same file; other content, another name.
    assert sc.publish_json("base-rivers", payload) == url
    assert sc.publish_json("base-rivers", {**payload, "名称": "资江"}) != url


def test_a_read_only_static_folder_gives_no_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(sc, "GENERATED_DIR", blocker / "generated")
    assert sc.publish_json("base-lakes", {"features": []}) is None


def test_tiles_of_a_store_are_written_once_and_complete(generated: Path, tmp_path: Path) -> None:
    store = build_store(tmp_path / "zones_test.gpkg")
    tiles = sc.zone_tiles(str(store), "ab" * 32, wait_s=60)
    assert tiles is not None
    # The tiles are the public's (the red line generalised): named by that view's content,
    # never by the exact store's hash alone.
    name = public_key("ab" * 32, ("eco_redline",), 500.0)[:16]
    assert name != "ab" * 8
    assert tiles.url == f"/app/static/generated/zone_tiles/{name}/tiles/"
    folder = generated / "zone_tiles" / name
    assert (folder / "tiles.json").is_file() and any((folder / "tiles").rglob("*.json"))
    # The page gets what it draws with; the per-feature rules stay on the server.
    ids = [layer["id"] for layer in tiles.meta["layers"]]
    assert ids == ["eco_redline", "water_source"]
    assert "rule_groups" not in tiles.meta and tiles.meta["subpixel"] == 4
    # No work folders are left beside the finished set.
    assert [p.name for p in (generated / "zone_tiles").iterdir()] == [name]
    # The next request (another session, the same store version) finds it at once.
    sc.tile_build.clear()
    assert sc.tile_build(str(store), "ab" * 32).building is False


def test_a_store_that_cannot_be_read_leaves_the_error_and_no_tiles(generated: Path, tmp_path: Path) -> None:
    build = sc.tile_build(str(tmp_path / "missing.gpkg"), "cd" * 32)
    assert build.wait(60) is None
    assert build.error and "missing.gpkg" in build.error
    assert not (generated / "zone_tiles" / ("cd" * 8)).exists()


def test_maps_fetch_the_base_and_the_tiles_instead_of_carrying_them() -> None:
    meta = {
        "min_zoom": 5, "max_zoom": 12, "subpixel": 4, "illustrative": True, "tiles": {},
        "layers": [{"id": "water_source", "legal_status": "示意", "zone_field": "grade", "colour": "#3182bd",
                    "zones": [{"value": "一级", "colour": "#08519c"}, {"value": "二级", "colour": "#3182bd"}]}],
    }  # fmt: skip
    base = StaticBase({"rivers": "/app/static/generated/base-rivers-0123456789abcdef.json"})
    tiled = ZoneTilesLayer("/app/static/generated/zone_tiles/x/tiles/", meta, ["water_source"], name="保护区图层")
    legend = tile_legend_views(meta, {"water_source": "饮用水水源保护区"}, ["water_source"])
    page = build_map(base=base, zones=legend, tiles=tiled).get_root().render()
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), page)
    assert '<script src="/app/static/js/zonetiles.js"></script>' in page
    assert 'fetch("/app/static/generated/base-rivers-0123456789abcdef.json")' in page
    assert '"/app/static/generated/zone_tiles/x/tiles/"' in page
    assert '"coordinates"' not in page  # no geometry in the page itself
    # The legend still names the layer and each grade it holds.
    assert "饮用水水源保护区" in page and "一级" in page and "二级" in page


def test_every_json_the_maps_fetch_parses_strictly(generated: Path, tmp_path: Path) -> None:
    """The base map's rivers and lakes have unnamed features (NaN names once made every map's
    base-map JSON unparseable in the browser): every published file and every tile is JSON
    that a strict parser (the browser's) accepts."""
    from ui.cache import BASE_DIR, _base_geojson

    base = _base_geojson(str(BASE_DIR))
    assert any(f["properties"].get("name_zh") is None for f in base["rivers"]["features"])  # the unnamed ones are there
    for key, doc in base.items():
        url = sc.publish_json(f"base-{key}", doc)
        assert url is not None
        strict_loads((generated / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    store = build_store(tmp_path / "zones_test.gpkg")
    assert sc.zone_tiles(str(store), "cd" * 32, wait_s=60) is not None
    files = list((generated / "zone_tiles").rglob("*.json"))
    assert len(files) > 2
    for path in files:
        strict_loads(path.read_text(encoding="utf-8"))
