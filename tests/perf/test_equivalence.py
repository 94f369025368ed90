"""The optimised engine gives the answers of a plain geopandas computation.

Then the other paths to the same answers give exactly the answers of that one process: a
PostGIS store pushed from the GeoPackage (``layers.pgstore``: features fetched per batch tile),
local worker processes, and a dask.distributed cluster of two worker processes
(``zoning.batch``), each on the GeoPackage and, for dask, on PostGIS too.

The reference here is written independently of ``zoning._spatial``: whole geometries (no
pieces, no local boundary clip, no nearest-neighbour tree), geopandas ``to_crs`` / ``sjoin``
/ ``intersection`` / ``distance``, and the RULES.md definition of the boundary band (the
whole zone shrunk by the tolerance). Only the rule *rows* come from the rule matcher
(``zoning._match``): which row fires for a measured pair is data logic, not what the
optimisation touches. The store is a generated, test-sized one over a dense box around
Changsha (every layer, irregular polygons with thousands of vertices, holes, multipolygons,
meandering shoreline lines, layers in EPSG:4490 and in a Gauss-Kruger zone), screened
through the real GeoPackage path with the store's pack in use (``layers._pack``).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import generate_projects, generate_zones
from layers.store import ZoneStore
from zoning._match import compile_rules, firing_rules
from zoning.engine import default_rules, screen
from zoning.model import Project

BOX = (112.7, 27.95, 113.2, 28.35)  # around Changsha: all of it in the CM 114°E zone
NEAR_M = 1500.0
TOLERANCE_M = 5.0
N_PROJECTS = 2000
STAMP = "2026-01-01T00:00:00+08:00"


def _work_epsg(lon: float) -> str:
    """CGCS2000 3-degree Gauss-Kruger zone without zone prefix (EPSG 4534 = CM 75°E)."""
    cm = 3 * round(lon / 3)
    return f"EPSG:{4534 + (cm - 75) // 3}"


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("equivalence")
    cache = folder / "cache"
    mp = pytest.MonkeyPatch()
    mp.setenv("ZONING_CACHE_DIR", str(cache))
    mp.setenv("ZONING_CACHE_MIN_BYTES", "0")
    try:
        path = folder / "zones.gpkg"
        generate_zones(path, polygons=3000, vertices=300_000, intakes=50, seed=7, bounds=BOX)
        projects = generate_projects(None, n=N_PROJECTS, seed=8, bounds=BOX)
        ZoneStore.open(path)  # writes the pack
        store = ZoneStore.open(path)  # ... and this one is read from it
        results = screen(
            [_project(row) for row in projects.itertuples()], store, near_m=NEAR_M, tolerance_m=TOLERANCE_M,
            generated_at=STAMP,
        )  # fmt: skip
        yield {"store": store, "projects": projects, "results": results, "cache": cache, "path": path}
    finally:
        mp.undo()


def _project(row: object) -> Project:
    attrs = {}
    if row.scale_head is not None and not pd.isna(row.scale_head):
        attrs["scale_head"] = int(row.scale_head)
    if row.unavoidable is not None and not pd.isna(row.unavoidable):
        attrs["unavoidable"] = bool(row.unavoidable)
    return Project(row.name, row.type, row.geometry, attrs)


def _zones(store: ZoneStore, layer: str, crs: str) -> gpd.GeoDataFrame:
    gdf = store.layer(layer)
    if gdf.crs.is_geographic:  # CGCS2000 and WGS84 lon/lat are treated as equal
        gdf = gdf.set_crs("EPSG:4490", allow_override=True)
    return gdf.to_crs(crs).reset_index(drop=True)


def _reference(store: ZoneStore, projects: gpd.GeoDataFrame) -> tuple[set, dict, dict]:
    """(conflict keys, {key: (area, length, distance)}, {(project, layer): (feature, distance)})."""
    ruleset = default_rules()
    compiled = compile_rules(ruleset)
    specs = ruleset.project_types.attributes
    crs = _work_epsg(float(projects.geometry.union_all().centroid.x))
    prj = projects.set_crs("EPSG:4490", allow_override=True).to_crs(crs)
    attrs = [_project(r).attributes for r in projects.itertuples()]
    types = projects["type"].to_numpy()
    conflicts: set = set()
    measures: dict = {}
    nearby: dict = {}
    for layer in store.layer_ids:
        if layer == "admin":
            continue
        zones = _zones(store, layer, crs)
        zone_field = store.catalog.layers[layer].zone_field
        touching = gpd.sjoin(prj, zones, predicate="intersects", how="inner")[["index_right"]]
        touch_pairs = {(int(p), int(f)) for p, f in zip(touching.index, touching["index_right"], strict=True)}
        lrules = compiled.get(layer)
        pairs = dict.fromkeys(touch_pairs, 0.0)
        if lrules is not None and lrules.reach_m > 0:
            reach = gpd.sjoin(prj, zones, predicate="dwithin", distance=lrules.reach_m, how="inner")
            pi, fi = reach.index.to_numpy(), reach["index_right"].to_numpy()
            for p, f, d in zip(pi, fi, _distances(prj, zones, pi, fi), strict=True):
                if (int(p), int(f)) not in touch_pairs and types[p] in lrules.reach_types:
                    pairs[(int(p), int(f))] = float(d)
        if lrules is not None:
            _reference_conflicts(layer, zones, zone_field, prj, types, attrs, lrules, specs, pairs, conflicts, measures)
        _reference_nearby(layer, zones, prj, touch_pairs, nearby)
    _keep_nearest(ruleset, conflicts, measures)
    return conflicts, measures, nearby


def _keep_nearest(ruleset, conflicts: set, measures: dict) -> None:
    """Rules reported once per project (``report: nearest``, the HJ/T 81 setback): only the
    row of the nearest feature over all the rule's layers (ties: layer, then feature id)."""
    once = {r.id for r in ruleset.active if r.report_nearest}
    best: dict = {}
    for key in [k for k in conflicts if k[3] in once]:
        rank = (measures[key][2], key[1], key[2])
        if (key[0], key[3]) not in best or rank < best[(key[0], key[3])][0]:
            best[(key[0], key[3])] = (rank, key)
    keep = {key for _, key in best.values()}
    for key in [k for k in conflicts if k[3] in once and k not in keep]:
        conflicts.discard(key)
        measures.pop(key)


def _distances(prj: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, pi: np.ndarray, fi: np.ndarray) -> np.ndarray:
    """Whole-geometry distances of the pairs (geopandas, element-wise)."""
    left = gpd.GeoSeries(prj.geometry.to_numpy()[pi], crs=prj.crs)
    right = gpd.GeoSeries(zones.geometry.to_numpy()[fi], crs=zones.crs)
    return left.distance(right, align=False).to_numpy()


def _reference_conflicts(layer, zones, zone_field, prj, types, attrs, lrules, specs, pairs, conflicts, measures):
    columns = [c for c in zones.columns if c != zones.geometry.name]
    records = zones[columns].to_dict("records")
    p_geoms, z_geoms = prj.geometry.to_numpy(), zones.geometry.to_numpy()
    shrunk = functools.cache(lambda f: z_geoms[f].buffer(-TOLERANCE_M))
    for (p, f), dist in pairs.items():
        candidates = lrules.by_type.get(types[p], ())
        if not candidates or dist > lrules.reach_m:
            continue
        feature_attrs = {c: (None if pd.isna(v) else str(v).strip() or None) for c, v in records[f].items()}
        decision = firing_rules(
            candidates,
            zone=feature_attrs.get(zone_field) if zone_field else None,
            feature_attrs=feature_attrs,
            distance_m=dist,
            attributes=attrs[p],
            specs=specs,
            layer=layer,
        )
        if not decision.rules:
            continue
        project, zone = p_geoms[p], z_geoms[f]
        inside = project.intersection(zone) if dist == 0 else None
        area = inside.area if inside is not None else 0.0
        length = inside.length if inside is not None and project.geom_type in ("LineString", "MultiLineString") else 0.0
        # RULES.md: in the band when the zone shrunk by the tolerance misses the project.
        band = dist == 0 and zone.geom_type in ("Polygon", "MultiPolygon") and not project.intersects(shrunk(f))
        for rule in decision.rules:
            if rule.predicate == "intersects":
                relation = "near_boundary" if band else "intersects"
            else:
                limit = rule.distance_m or 0.0
                relation = "near_boundary" if limit - TOLERANCE_M < dist <= limit else "within_distance"
            key = (p, layer, int(f), rule.id, relation)
            conflicts.add(key)
            measures[key] = (area, length, dist)


def _reference_nearby(layer, zones, prj, touch_pairs, nearby):
    near = gpd.sjoin(prj, zones, predicate="dwithin", distance=NEAR_M, how="inner")
    best: dict = {}
    pi, fi = near.index.to_numpy(), near["index_right"].to_numpy()
    for p, f, d in zip(pi, fi, _distances(prj, zones, pi, fi), strict=True):
        p, f, d = int(p), int(f), float(d)
        if (p, f) in touch_pairs:
            continue
        if p not in best or (d, f) < best[p]:
            best[p] = (d, f)
    for p, (d, f) in best.items():
        nearby[(p, layer)] = (f, d)


def test_same_conflicts_areas_and_distances(case: dict) -> None:
    conflicts, measures, nearby = _reference(case["store"], case["projects"])
    got: dict = {}
    got_nearby: dict = {}
    for p, result in enumerate(case["results"]):
        for c in result.conflicts:
            got[(p, c.layer, c.feature_id, c.rule_id, c.relation)] = c
        for n in result.nearby:
            got_nearby[(p, n.layer)] = (n.feature_id, n.distance_m)
    # Enough of each kind that the comparison means something.
    relations = defaultdict(int)
    for key in conflicts:
        relations[key[4]] += 1
    assert relations["intersects"] > 300 and relations["within_distance"] > 50 and relations["near_boundary"] > 0
    assert len(nearby) > 3 * N_PROJECTS
    assert set(got) == conflicts
    for key, (area, length, dist) in measures.items():
        c = got[key]
        assert c.overlap_area_m2 == pytest.approx(area, rel=1e-6, abs=1e-3), key
        assert c.overlap_length_m == pytest.approx(length, rel=1e-6, abs=1e-3), key
        assert c.distance_m == pytest.approx(dist, abs=1e-3), key
    assert set(got_nearby) == set(nearby)
    for key, (f, d) in nearby.items():
        got_f, got_d = got_nearby[key]
        assert got_d == pytest.approx(d, abs=1e-3), key
        # The nearest feature is the same one, or (a tie to the millimetre) one as near.
        assert got_f == f or math.isclose(got_d, d, abs_tol=1e-3), key


def test_results_were_served_from_the_pack(case: dict) -> None:
    pointers = list((case["cache"] / "stores").glob("*.json"))
    assert len(pointers) == 1
    (pack,) = (p for p in (case["cache"] / "packs").iterdir() if not p.name.startswith("."))
    derived = [p.name for p in (pack / "derived").iterdir()]
    # Layers stored in EPSG:4490 and EPSG:4546 were moved into the work CRS EPSG:4547, once each.
    indexes = sorted(n.split(".")[1] for n in derived if n.startswith("index."))
    assert indexes == sorted(f"{layer}@EPSG_4547" for layer in case["store"].layer_ids)
    assert not list(case["cache"].rglob("*.pkl"))


def test_pack_matches_a_fresh_open(case: dict, tmp_path: Path) -> None:
    fresh = ZoneStore.open(case["store"].path, cache=False)
    cached = case["store"]
    assert cached.sha256 == fresh.sha256
    assert cached.layer_ids == fresh.layer_ids and cached.problems == fresh.problems
    for layer in fresh.layer_ids:
        pd.testing.assert_frame_equal(cached.layer(layer), fresh.layer(layer))
        assert cached.crs(layer) == fresh.crs(layer)
    assert np.all(fresh.layer("eco_redline").geometry.geom_equals_exact(cached.layer("eco_redline").geometry, 0))


# --- the other paths: PostGIS, local workers, dask -------------------------------------------


def _dicts(results: list) -> list[dict]:
    out = [r.to_dict() for r in results]
    for r in out:
        r["data"].pop("zones")  # the path or the URL the store was named by
    return out


def _json_of_batch(case: dict, store_ref: object, **kw: object) -> bytes:
    import io

    from zoning.batch import screen_batch
    from zoning.report import format_parts

    projects = [_project(row) for row in case["projects"].itertuples()]
    with screen_batch(
        projects, store_ref, parts=format_parts("json"), near_m=NEAR_M, tolerance_m=TOLERANCE_M, generated_at=STAMP,
        chunk=300, **kw,
    ) as batch:  # fmt: skip
        buf = io.BytesIO()
        batch.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pushed(case: dict, postgis: object) -> str:
    from layers.pgpush import push_store

    url = postgis.url("equivalence")  # type: ignore[attr-defined]
    push_store(case["path"], url, replace=True)
    return url


def test_postgis_store_gives_the_same_answers(case: dict, pushed: str) -> None:
    from layers.pgstore import PgStore
    from zoning import _spatial as sp

    store = PgStore.open(pushed)
    assert store.sha256 == case["store"].sha256
    sp.clear_index_cache()
    projects = [_project(row) for row in case["projects"].itertuples()]
    got = screen(projects, store, near_m=NEAR_M, tolerance_m=TOLERANCE_M, generated_at=STAMP)
    assert _dicts(got) == _dicts(case["results"])
    store.close()


def test_local_workers_give_the_same_bytes(case: dict) -> None:
    from zoning.batch import StoreRef
    from zoning.report import render_report

    want = render_report(case["results"], "json", batch=True)
    assert _json_of_batch(case, StoreRef(str(case["path"])), workers=2) == want


def test_dask_cluster_gives_the_same_bytes(case: dict, dask_cluster: object) -> None:
    from zoning.batch import StoreRef
    from zoning.report import render_report

    want = render_report(case["results"], "json", batch=True)
    got = _json_of_batch(case, StoreRef(str(case["path"])), scheduler=dask_cluster.scheduler_address)  # type: ignore[attr-defined]
    assert got == want


def test_dask_cluster_opens_a_store_path_given_relative_to_the_client(
    case: dict, dask_cluster: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers run in folders of their own: the client names the store to them by its
    absolute path (the relative one would name nothing there; it did, before)."""
    from zoning.batch import StoreRef
    from zoning.report import render_report

    monkeypatch.chdir(case["path"].parent)  # the workers' folder stays the one they started in
    want = render_report(case["results"], "json", batch=True)
    got = _json_of_batch(case, StoreRef(case["path"].name), scheduler=dask_cluster.scheduler_address)  # type: ignore[attr-defined]
    assert got == want


def test_dask_cluster_on_postgis_gives_the_same_answers(case: dict, pushed: str, dask_cluster: object) -> None:
    import json

    from zoning.batch import StoreRef

    got = json.loads(_json_of_batch(case, StoreRef(pushed), scheduler=dask_cluster.scheduler_address))  # type: ignore[attr-defined]
    for r in got:
        r["data"].pop("zones")
    assert got == _dicts(case["results"])
