"""Sensitive layers for the public: simplified and snapped to a 500 m grid in the public view, its
lookup, its tiles and the exported site — while screening uses the exact data.

The store, in EPSG:4547 (CGCS2000 GK, CM 114°E — the zone the public view measures in for data
near 112.9°E), origin (391 650, 3 082 300), which lies 150 m east and 300 m north of a 500 m
grid line (391 650 = 783 × 500 + 150; 3 082 300 = 6164 × 500 + 300):

    eco_redline  (sensitive)  "大红线" x 123..1123,  y 77..1077   (1000 m square, off the grid)
                              "小红线" x 3010..3110, y 20..120    (100 m square: smaller than a cell)
    water_source (not)        "水源"   x 5000..6000, y 0..1000
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from layers.catalog import load_catalog
from layers.generalise import PublicView, generalise_frame, public_view, uncertainty_m
from layers.store import ZoneStore
from zoning.engine import screen
from zoning.lookup import zones_at
from zoning.model import Project

GK = "EPSG:4547"
OX, OY = 391_650.0, 3_082_300.0
_TO_LONLAT = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)
_TO_GK = Transformer.from_crs("EPSG:4490", GK, always_xy=True)


def _sq(x0: float, y0: float, x1: float, y1: float):
    return box(OX + x0, OY + y0, OX + x1, OY + y1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ZoneStore:
    path = tmp_path_factory.mktemp("sensitive") / "zones.gpkg"
    gpd.GeoDataFrame({"name": ["大红线", "小红线"], "category": ["一般", "一般"]},
                     geometry=[_sq(123, 77, 1123, 1077), _sq(3010, 20, 3110, 120)], crs=GK
                     ).to_file(path, layer="eco_redline", driver="GPKG")  # fmt: skip
    gpd.GeoDataFrame({"name": ["水源"], "grade": ["一级"]}, geometry=[_sq(5000, 0, 6000, 1000)], crs=GK
                     ).to_file(path, layer="water_source", driver="GPKG")  # fmt: skip
    return ZoneStore.open(path)


def _gk_coords(geom) -> np.ndarray:
    xy = shapely.get_coordinates(geom)
    x, y = _TO_GK.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def test_the_packaged_catalogue_marks_the_red_line_sensitive() -> None:
    catalog = load_catalog()
    assert catalog.layers["eco_redline"].sensitive and not catalog.layers["water_source"].sensitive


def test_every_vertex_is_on_the_500_m_grid_and_a_small_zone_becomes_its_cell(store: ZoneStore) -> None:
    public = generalise_frame(store.layer("eco_redline"), 500.0)
    assert public.crs.to_epsg() == 4490
    big, small = (_gk_coords(g) for g in public.geometry)
    for coords in (big, small):
        assert np.allclose(np.round(coords / 500.0) * 500.0, coords, atol=0.01)  # on the grid (mm)
    # The 1000 m square x 123..1123 snaps to whole cells: from 391 773 to 392 773 east -> 392 000..392 500 ...;
    # whatever the snapping, no vertex keeps the exact (off-grid) corner
    assert not np.any(np.all(np.isclose(big, [OX + 123, OY + 77], atol=1.0), axis=1))
    # The 100 m square x 3010..3110, y 20..120 (east 394 660..394 760, north 3 082 320..3 082 420)
    # lies in the cell east 394 500..395 000, north 3 082 000..3 082 500.
    cell = shapely.box(394_500, 3_082_000, 395_000, 3_082_500)
    got = shapely.Polygon(small)
    assert got.symmetric_difference(cell).area < 1.0


def test_the_public_view_generalises_only_sensitive_layers(store: ZoneStore) -> None:
    view = public_view(store)
    assert isinstance(view, PublicView) and view.sensitive == ("eco_redline",)
    assert view.sha256 != store.sha256 and len(view.sha256) == 64
    assert view.layer("water_source").geometry.iloc[0].equals(store.layer("water_source").geometry.iloc[0])
    assert not view.layer("eco_redline").geometry.iloc[0].equals(store.layer("eco_redline").to_crs(4490).geometry.iloc[0])
    assert view.layer_ids == store.layer_ids and view.catalog is store.catalog
    # The exact data's fast paths (the pack, geometry arrays) are not handed out by the view:
    # the engine's indexes for the public are built from its generalised layers.
    assert getattr(view, "pack", None) is None and getattr(view, "geometry_arrays", None) is None
    assert view.crs("eco_redline") == "EPSG:4490" and view.crs("water_source") == store.crs("water_source")


def test_lookup_for_the_public_answers_from_the_generalised_zone_screening_from_the_exact(store: ZoneStore) -> None:
    """A point 60 m inside the exact red line's west edge (x 183) but west of the snapped edge
    (the west edge 391 773 snaps to 392 000, i.e. x 350): inside for screening, not for the public."""
    lon, lat = _TO_LONLAT.transform(OX + 183, OY + 500)
    exact = [h.name for h in zones_at(store, lon, lat, near_m=0) if h.inside]
    public = [h.name for h in zones_at(public_view(store), lon, lat, near_m=0) if h.inside]
    assert exact == ["大红线"] and public == []
    (result,) = screen([Project("点", "road", shapely.Point(lon, lat), {})], store)
    assert [c.feature for c in result.conflicts if c.relation == "intersects"] == ["大红线"]


def test_tiles_and_the_exported_site_hold_no_exact_corner(store: ZoneStore, tmp_path: Path) -> None:
    from zoning.publish.mapexport import export_map

    export_map(tmp_path / "site", store=store, min_zoom=9, max_zoom=12, full_zoom=12, gzip=False)
    corners = [(OX + 123, OY + 77), (OX + 1123, OY + 1077), (OX + 3010, OY + 20), (OX + 3110, OY + 120)]
    redline = []
    for tile in (tmp_path / "site").rglob("*.json"):
        data = json.loads(tile.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            redline += [f for f in data["features"] if "大红线" in json.dumps(f, ensure_ascii=False)
                        or "小红线" in json.dumps(f, ensure_ascii=False)]  # fmt: skip
    assert redline, "the red line is on the exported map"
    coords = np.vstack([_gk_coords(shapely.geometry.shape(f["geometry"])) for f in redline])
    for corner in corners:
        distance = np.hypot(coords[:, 0] - corner[0], coords[:, 1] - corner[1]).min()
        assert distance > 20.0, corner  # nearest tile vertex: on the grid, far from the exact corner


def test_the_exact_boundary_lies_within_the_stated_uncertainty(store: ZoneStore) -> None:
    """The uncertainty the public answer names, by hand: 250 m of simplification (half the
    precision) + half a 500 m cell's diagonal (500 × √2 / 2 = 353.55 m) = 603.55 m."""
    assert uncertainty_m(500.0) == pytest.approx(603.553, abs=1e-3)
    exact = store.layer("eco_redline").to_crs(4490).geometry.iloc[0]
    public = public_view(store).layer("eco_redline").geometry.iloc[0]
    ring_exact, ring_public = shapely.Polygon(_gk_coords(exact)), shapely.Polygon(_gk_coords(public))
    assert ring_exact.hausdorff_distance(ring_public) <= uncertainty_m(500.0)
    # The point 60 m inside the exact edge but outside the generalised one is within reach:
    # the public answer names the red line as generalised there.
    lon, lat = _TO_LONLAT.transform(OX + 183, OY + 500)
    near = [h for h in zones_at(public_view(store), lon, lat, near_m=uncertainty_m(500.0)) if h.layer == "eco_redline"]
    assert [h.name for h in near] == ["大红线"] and 0 < near[0].distance_m <= uncertainty_m(500.0)


def test_a_sliver_narrower_than_the_grid_is_kept_along_its_whole_length(tmp_path: Path) -> None:
    """A 60 m wide strip running 3 km north-east (a river's red line, say): snapping alone
    collapses it (nothing is 500 m wide), and one cell at its middle would leave its ends
    1.5 km from anything the public sees. Every point of it (its outline sampled every 10 m)
    must be within the stated 603.55 m, all vertices on the grid."""
    strip = shapely.LineString([(OX + 100, OY + 100), (OX + 2221, OY + 2221)]).buffer(30, cap_style="flat")
    frame = gpd.GeoDataFrame({"name": ["窄带红线"], "category": ["一般"]}, geometry=[strip], crs=GK)
    (public,) = generalise_frame(frame, 500.0).geometry
    coords = _gk_coords(public)
    assert np.allclose(np.round(coords / 500.0) * 500.0, coords, atol=0.01)
    ring = shapely.Polygon(coords)
    samples = shapely.points(shapely.get_coordinates(shapely.segmentize(strip.exterior, 10.0)))
    assert shapely.distance(samples, ring).max() <= 603.55
    # its length is kept: the generalised shape reaches both ends of the strip (by hand,
    # within one cell's diagonal, 707 m, of (OX+100, OY+100) and (OX+2221, OY+2221))
    for end in ((OX + 100, OY + 100), (OX + 2221, OY + 2221)):
        assert ring.distance(shapely.Point(end)) == 0.0 or ring.distance(shapely.Point(end)) < 707.2


def test_the_embedded_red_line_for_the_public_is_on_the_grid_and_within_the_uncertainty() -> None:
    """The packaged store's red line as the public map shows it: every vertex on the 500 m grid
    of EPSG:4547 (the zone of the whole province's centre, as pyproj's transform here), and
    every point of the exact outline (sampled every 20 m) within 603.55 m of it."""
    from layers.paths import DEFAULT_STORE

    exact = ZoneStore.open(DEFAULT_STORE).layer("eco_redline").to_crs(GK)
    public = public_view(ZoneStore.open(DEFAULT_STORE)).layer("eco_redline").to_crs(GK)
    xy = shapely.get_coordinates(public.geometry.to_numpy())
    assert np.allclose(np.round(xy / 500.0) * 500.0, xy, atol=0.01)
    for a, b in zip(exact.geometry, public.geometry, strict=True):
        samples = shapely.points(shapely.get_coordinates(shapely.segmentize(a.boundary, 20.0)))
        assert shapely.distance(samples, b).max() <= 603.55
