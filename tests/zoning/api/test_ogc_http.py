"""OGC API – Features over real HTTP, read by GDAL's OAPIF driver (what QGIS uses) and by hand.

Expected features are known by construction of the test store (squares placed in metres in
EPSG:4547); boxes and coordinates in other CRSs are computed here with pyproj, not by the
code under test.
"""

from __future__ import annotations

import re

import numpy as np
import pyogrio
import pytest
import shapely
import yaml
from pyproj import Transformer

from layers.paths import CATALOG_PATH
from tests.zoning._engine_support import GK114, X0, Y0
from tests.zoning.api.conftest import HOSTILE_NAME, ProcessServer, Server

PUBLISHED = {"water_source", "eco_redline", "livestock_zone"}  # not admin (reference data)
TO_LONLAT = Transformer.from_crs(GK114, "EPSG:4490", always_xy=True)


def lonlat_box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """A box in EPSG:4547 metres as a lon/lat box enclosing it (pyproj, densified edges)."""
    return TO_LONLAT.transform_bounds(x, y, x + w, y + h, densify_pts=21)


#: Around the grade-1 and grade-2 squares of 甲水厂 (X0..X0+2000), away from the third (X0+5000).
AROUND_JIA = lonlat_box(X0 - 100, Y0 - 100, 2200, 1200)


def oapif(server: ProcessServer) -> str:
    return f"OAPIF:{server.url}/ogc"


def test_gdal_lists_every_published_layer(served: ProcessServer) -> None:
    layers = pyogrio.list_layers(oapif(served))
    assert {str(name) for name, _geom in layers} == PUBLISHED


def test_gdal_bbox_query_returns_the_right_features(served: ProcessServer) -> None:
    """GDAL (as QGIS) reads a layer in its storage CRS, EPSG:4547 here: the bbox is in metres,
    sent as (northing, easting) pairs, and the features come back in metres."""
    frame = pyogrio.read_dataframe(oapif(served), layer="water_source", bbox=(X0 - 100, Y0 - 100, X0 + 2100, Y0 + 1100))
    assert frame.crs.to_epsg() == 4547
    assert sorted(zip(frame["name"], frame["grade"], strict=True)) == [("甲水厂水源", "一级"), ("甲水厂水源", "二级")]
    grade1 = frame[frame["grade"] == "一级"].geometry.iloc[0]
    assert grade1.symmetric_difference(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)).area < 1e-6  # m²
    far = pyogrio.read_dataframe(oapif(served), layer="water_source", bbox=(X0 + 5200, Y0 + 200, X0 + 5300, Y0 + 300))
    assert list(far["name"]) == [HOSTILE_NAME]
    assert len(pyogrio.read_dataframe(oapif(served), layer="water_source")) == 3


def test_gdal_bbox_query_in_lonlat(served: ProcessServer) -> None:
    """Asked for CRS84 (lon/lat), the same query with a lon/lat box."""
    frame = pyogrio.read_dataframe(oapif(served), layer="water_source", bbox=AROUND_JIA, CRS="OGC:CRS84")
    assert sorted(frame["grade"]) == ["一级", "二级"]
    grade1 = frame[frame["grade"] == "一级"].geometry.iloc[0]
    expected = shapely.transform(shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                                 lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))  # fmt: skip
    assert grade1.symmetric_difference(expected).area < 1e-14  # degrees²: ~1e-4 m²


def test_gdal_reads_layers_stored_in_other_crs(served: ProcessServer) -> None:
    """The no-raise layer is stored in the zone-numbered EPSG:4526 (easting + 38,000,000 m),
    the red lines in CGCS2000 lon/lat."""
    noraise = pyogrio.read_dataframe(oapif(served), layer="livestock_zone")
    assert noraise.crs.to_epsg() == 4526 and list(noraise["name"]) == ["某禁养区"]
    assert tuple(noraise.total_bounds) == pytest.approx((38e6 + X0 - 3000, Y0, 38e6 + X0 - 2000, Y0 + 1000), abs=1e-3)
    redline = pyogrio.read_dataframe(oapif(served), layer="eco_redline")
    assert redline.crs.to_epsg() == 4490 and sorted(redline["name"]) == ["红线一", "红线二"]
    assert tuple(redline[redline["name"] == "红线一"].total_bounds) == pytest.approx(
        lonlat_box(X0 - 3000, Y0 + 3000, 1000, 1000), abs=1e-9)


def test_items_paging_and_counts(server: Server) -> None:
    first = server.call("GET", "/ogc/collections/water_source/items?limit=2").json()
    assert first["numberMatched"] == 3 and first["numberReturned"] == 2
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links and "next" in links
    second = server.call("GET", links["next"].removeprefix(server.url)).json()
    assert second["numberReturned"] == 1 and [f["id"] for f in second["features"]] == [2]
    assert "next" not in {link["rel"] for link in second["links"]} and "prev" in {link["rel"] for link in second["links"]}
    assert [f["id"] for f in first["features"]] == [0, 1]


def test_property_filters_and_bbox_together(server: Server) -> None:
    grade1 = server.call("GET", "/ogc/collections/water_source/items?grade=%E4%B8%80%E7%BA%A7").json()  # 一级
    assert sorted(f["properties"]["name"] for f in grade1["features"]) == sorted(["甲水厂水源", HOSTILE_NAME])
    bbox = ",".join(map(str, AROUND_JIA))
    both = server.call("GET", f"/ogc/collections/water_source/items?grade=%E4%B8%80%E7%BA%A7&bbox={bbox}").json()
    assert [f["id"] for f in both["features"]] == [0] and both["numberMatched"] == 1
    unknown = server.call("GET", "/ogc/collections/water_source/items?colour=red")
    assert unknown.status == 400 and "colour" in unknown.error["en"] and "grade" in unknown.error["en"]


def test_output_crs_in_its_axis_order(server: Server) -> None:
    """crs=EPSG:4547 gives (northing, easting) in metres; EPSG:4490 gives (lat, lon)."""
    gk = server.call("GET", "/ogc/collections/water_source/items/0?crs=http://www.opengis.net/def/crs/EPSG/0/4547")
    assert gk.status == 200 and gk.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4547>"
    ring = gk.json()["geometry"]["coordinates"][0]
    northings, eastings = zip(*ring, strict=True)
    assert min(eastings) == pytest.approx(X0, abs=1e-3) and max(eastings) == pytest.approx(X0 + 1000, abs=1e-3)
    assert min(northings) == pytest.approx(Y0, abs=1e-3) and max(northings) == pytest.approx(Y0 + 1000, abs=1e-3)
    geo = server.call("GET", "/ogc/collections/water_source/items/0?crs=http://www.opengis.net/def/crs/EPSG/0/4490").json()
    lon, lat = TO_LONLAT.transform(X0, Y0)
    assert [lat, lon] in [pytest.approx(c, abs=1e-9) for c in geo["geometry"]["coordinates"][0]]
    bad = server.call("GET", "/ogc/collections/water_source/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857")
    assert bad.status == 400 and "3857" in bad.error["en"]


def test_bbox_in_another_crs(server: Server) -> None:
    """bbox-crs=EPSG:4547 takes (northing, easting) pairs, the CRS's axis order."""
    box = f"{Y0 - 100},{X0 + 4900},{Y0 + 1100},{X0 + 6100}"
    got = server.call("GET", f"/ogc/collections/water_source/items?bbox={box}"
                             "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4547").json()  # fmt: skip
    assert [f["properties"]["name"] for f in got["features"]] == [HOSTILE_NAME]
    bad = server.call("GET", "/ogc/collections/water_source/items?bbox=1,2,3")
    assert bad.status == 400 and "bbox" in bad.error["zh"]


def test_collections_carry_titles_extent_and_crs(server: Server) -> None:
    doc = server.call("GET", "/ogc/collections").json()
    by_id = {c["id"]: c for c in doc["collections"]}
    assert set(by_id) == PUBLISHED
    water = by_id["water_source"]
    title = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))["layers"]["water_source"]["title"]
    assert water["title"] == f"{title['zh']} / {title['en']}"  # the store's catalogue
    assert "示意" in water["description"]  # illustrative and official features: 混合
    west, south, east, north = water["extent"]["spatial"]["bbox"][0]
    want = lonlat_box(X0, Y0, 6000, 1000)
    assert (west, south, east, north) == pytest.approx(want, abs=1e-7)
    assert water["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4547"
    codes = {c.rsplit("/", 1)[-1] for c in water["crs"]}
    # CGCS2000, and the 3-degree Gauss-Kruger zones over Hunan (108.6-114.3 E: CM 108, 111, 114).
    assert {"CRS84", "4490", "4545", "4546", "4547", "4524", "4525", "4526"} <= codes
    assert by_id["livestock_zone"]["storageCrs"].endswith("/4526")
    assert "示意" not in by_id["livestock_zone"]["description"]


def test_landing_conformance_and_queryables(server: Server) -> None:
    landing = server.call("GET", "/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conf = server.call("GET", "/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf
    queryables = server.call("GET", "/ogc/collections/water_source/queryables").json()
    assert queryables["properties"]["grade"]["enum"][:3] == ["一级", "二级", "准保护区"]
    assert server.call("GET", "/ogc/collections/admin").status == 404
    missing = server.call("GET", "/ogc/collections/water_source/items/99")
    assert missing.status == 404 and "0 至 2" in missing.error["zh"]


def _visible_text(page: str) -> str:
    return re.sub(r"<style>.*?</style>", "", page, flags=re.S)


@pytest.mark.parametrize("path", ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/water_source",
                                  "/ogc/collections/water_source/items", "/ogc/collections/water_source/items/2"])  # fmt: skip
def test_html_pages_escape_data_and_load_nothing_from_elsewhere(path: str, server: Server) -> None:
    by_param = server.call("GET", path + "?f=html")
    by_accept = server.call("GET", path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    for got in (by_param, by_accept):
        assert got.status == 200 and got.headers["content-type"].startswith("text/html")
        assert got.headers["content-security-policy"].startswith("default-src 'none'")
        page = got.body.decode()
        assert "<script" not in page  # the hostile zone name is shown as text, never run
        assert not re.search(r"""(src|href)=["']?https?://(?!127\.0\.0\.1)""", page)  # no asset from elsewhere
    if path.endswith(("/items", "/items/2")):
        assert "乙水厂&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;水源" in _visible_text(by_param.body.decode())


def test_json_by_default_for_programs(server: Server) -> None:
    got = server.call("GET", "/ogc/collections/water_source/items", headers={"Accept": "application/geo+json"})
    assert got.headers["content-type"] == "application/geo+json"
    assert got.json()["type"] == "FeatureCollection"
