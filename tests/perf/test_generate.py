"""Smoke tests of the benchmark data generator at tiny size (the full size runs in `make bench`)."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from benchmarks.generate import LAYER_PLAN, generate_projects, generate_zones
from layers.catalog import load_catalog
from layers.store import ZoneStore, validate_store


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "zones.gpkg"
    generate_zones(path, polygons=400, vertices=40_000, intakes=20, seed=3)
    return path


def test_every_catalogue_layer_is_there_and_valid(tiny: Path) -> None:
    problems = validate_store(tiny)
    assert problems == []
    store = ZoneStore.open(tiny, cache=False)
    # The first-round layers the benchmark plans, with the intakes and counties (the second-round
    # layers are not generated: the benchmark measures the zone screening of DESIGN.md).
    assert set(store.layer_ids) == {plan.layer for plan in LAYER_PLAN} | {"water_intake", "admin"}
    assert set(store.layer_ids) <= set(load_catalog().layers)
    for layer in store.layer_ids:
        assert store.legal_status(layer) == ("法定" if layer == "admin" else "示意")


def test_sizes_shapes_and_crs_are_as_planned(tiny: Path) -> None:
    store = ZoneStore.open(tiny, cache=False)
    polygons = vertices = 0
    for plan in LAYER_PLAN:
        gdf = store.layer(plan.layer)
        assert store.crs(plan.layer) == plan.crs
        polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
        polygons += len(polys)
        vertices += int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    assert polygons == 400
    assert 40_000 <= vertices <= 50_000
    eco = store.layer("eco_redline").geometry.values
    counts = shapely.get_num_coordinates(eco)
    # Many small polygons, a few with hundreds of vertices; holes and two-part features exist.
    assert np.median(counts) < 100 and counts.max() > 300
    assert (shapely.get_num_interior_rings(store.layer("eco_redline").geometry.values) > 0).any() or (
        shapely.get_type_id(eco) == 6
    ).any()
    line_kinds = set(store.layer("shoreline").geom_type)
    assert {"LineString", "Polygon"} <= line_kinds


def test_same_seed_same_data(tmp_path: Path, tiny: Path) -> None:
    again = tmp_path / "again.gpkg"
    generate_zones(again, polygons=400, vertices=40_000, intakes=20, seed=3)
    for plan in LAYER_PLAN:
        a = pyogrio.read_dataframe(tiny, layer=plan.layer)
        b = pyogrio.read_dataframe(again, layer=plan.layer)
        assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
        assert a.geometry.geom_equals_exact(b.geometry, 0).all()


def test_projects_mix_types_and_geometries(tmp_path: Path) -> None:
    gdf = generate_projects(tmp_path / "p.gpkg", n=200, seed=5)
    assert len(gdf) == 200 and (tmp_path / "p.gpkg").exists()
    assert {"Point", "LineString", "Polygon", "MultiPolygon"} <= set(gdf.geom_type)
    assert gdf["type"].nunique() > 10
    farms = gdf[gdf["type"] == "livestock_farm"]
    assert farms["scale_head"].notna().all()
    assert shapely.is_valid(gdf.geometry.values).all()


@pytest.mark.skipif(not (glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb")), reason="no PostgreSQL")
def test_postgis_answers_match_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's PostGIS side on tiny data: a cluster starts, loads, answers, and its
    answers agree with the engine's (the comparison the benchmark reports)."""
    import pickle

    from benchmarks import run
    from benchmarks.engine_bench import answers, load_projects
    from zoning.engine import screen

    out = tmp_path / "out"
    box = (112.8, 28.0, 113.1, 28.25)  # dense: conflicts and nearby features for most projects
    generate_zones(out / "zones.gpkg", polygons=600, vertices=60_000, intakes=20, seed=4, bounds=box)
    generate_projects(out / "projects.gpkg", n=60, seed=9, bounds=box)
    store = ZoneStore.open(out / "zones.gpkg", cache=False)
    results = screen(load_projects(str(out / "projects.gpkg")), store)
    (out / "engine_answers.pkl").write_bytes(pickle.dumps(answers(results)))
    monkeypatch.setattr(run, "log", lambda msg: None)
    res = run.postgis_bench(out, sample=list(range(10)))
    assert res["compare"]["checked"]["nearby"] > 100 and res["compare"]["checked"]["conflicts"] > 20
    assert all(v == 0 for v in res["compare"]["differences"].values()), res["compare"]
    assert res["single_p50_ms"] > 0 and res["batch_s"] > 0


def test_the_map_bench_fingerprints_the_exporter_where_it_is() -> None:
    """The map benchmark reuses an exported site only when the exporter's code is unchanged:
    its list of that code must name files that exist (after issue 11 moved the exporter, the
    old list stopped `make bench` at step 5)."""
    from benchmarks.map_bench import exporter_files

    files = exporter_files()
    assert all(p.is_file() for p in files), [p for p in files if not p.is_file()]
    assert {"zone_tiles.py", "mapexport.py", "zonetiles.js"} <= {p.name for p in files}
    assert any("map_site" in p.parts for p in files)
