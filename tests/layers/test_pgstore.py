"""The PostGIS store (``layers.pgstore``, ``layers push``) against a real PostgreSQL/PostGIS.

A store pushed from a GeoPackage gives the GeoPackage's layers, summaries, coverage and
answers; a schema made by hand (another geometry column name, another SRID, no ``fid``) is
validated on open and screened the same; the engine fetches only the features near the
projects. The cluster is the session's (``tests/conftest.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

from gis.errors import DataSourceError
from layers.coverage import set_coverage
from layers.pgpush import push_store
from layers.pgstore import PgStore
from layers.store import ZoneStore
from tests.layers.conftest import X0, Y0, probe_projects
from zoning import _spatial as sp
from zoning.cli import cli
from zoning.engine import screen
from zoning.model import Project

STAMP = "2026-01-01T00:00:00+08:00"


def _answers(store: Any) -> list[dict]:
    sp.clear_index_cache()
    out = [r.to_dict() for r in screen(probe_projects(), store, generated_at=STAMP)]
    for r in out:
        r["data"].pop("zones")
    return out


@pytest.fixture
def pushed(postgis: Any, valid_store: Path, request: pytest.FixtureRequest) -> tuple[str, Path]:
    set_coverage(valid_store, "water_source", adcodes=["430302"], note="示意范围")
    url = postgis.url(f"t_{request.node.name[:40].lower()}")
    push_store(valid_store, url, replace=True)
    return url, valid_store


def test_a_pushed_store_is_the_geopackage(pushed: tuple[str, Path]) -> None:
    url, path = pushed
    pg, gpkg = PgStore.open(url), ZoneStore.open(path, cache=False)
    assert pg.sha256 == gpkg.sha256 and pg.layer_ids == gpkg.layer_ids
    assert pg.extra_layers == gpkg.extra_layers and pg.problems == gpkg.problems
    assert dict(pg.layer_info()) == dict(gpkg.layer_info())
    assert pg.coverage("water_source") == gpkg.coverage("water_source")
    assert "secret" not in pg.path
    for layer in gpkg.layer_ids:
        want, got = gpkg.layer(layer), pg.layer(layer)
        pd.testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns=want.geometry.name))
        assert bool(shapely.equals_exact(got.geometry.to_numpy(), want.geometry.to_numpy(), 0).all())
        assert got.crs == want.crs
    assert _answers(pg) == _answers(gpkg)


def test_history_and_coverage_go_along(pushed: tuple[str, Path], postgis: Any) -> None:
    import psycopg

    url, _ = pushed
    schema = url.rsplit("=", 1)[1]
    with psycopg.connect(postgis.dsn) as conn:
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema=%s", (schema,))}
        cov = conn.execute(f"SELECT layer, adcodes, note FROM {schema}.layer_coverage").fetchall()
        srid = conn.execute(f"SELECT Find_SRID('{schema}', 'water_source', 'geom')").fetchone()[0]
        gist = conn.execute("SELECT count(*) FROM pg_indexes WHERE schemaname=%s AND indexdef LIKE '%%gist%%'", (schema,)).fetchone()[0]
    assert {"water_source", "eco_redline", "layer_coverage", "zoning_store"} <= tables
    assert cov == [("water_source", "430302", "示意范围")]
    assert srid == 4490 and gist >= 4


def test_the_engine_fetches_only_features_near_the_projects(pushed: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = pushed
    store = PgStore.open(url)
    fetched: list[tuple[str, int, Any]] = []
    original = store.fetch_window

    def counting(layer: str, bounds: Any) -> Any:
        positions, geoms = original(layer, bounds)
        fetched.append((layer, len(positions), bounds))
        return positions, geoms

    monkeypatch.setattr(store, "fetch_window", counting)
    far = Project("far", "road", box(X0 + 0.5, Y0 + 0.5, X0 + 0.51, Y0 + 0.51))
    sp.clear_index_cache()
    screen([far], store, near_m=500.0)
    assert fetched and all(bounds is not None for _, _, bounds in fetched)
    assert sum(n for _, n, _ in fetched) == 0  # 50 km from every zone: nothing comes back


def test_a_schema_made_by_hand_is_validated_and_screened(postgis: Any, valid_store: Path) -> None:
    """Another geometry column name, the layer in WGS84 lon/lat (SRID 4326), a serial key,
    one invalid polygon (repaired on fetch as the GeoPackage store repairs it)."""
    import psycopg

    gpkg = ZoneStore.open(valid_store, cache=False)
    frame = gpkg.layer("eco_redline")
    bowtie = shapely.Polygon([(X0 + 0.06, Y0), (X0 + 0.07, Y0 + 0.01), (X0 + 0.07, Y0), (X0 + 0.06, Y0 + 0.01)])
    with psycopg.connect(postgis.dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS handmade CASCADE")
        conn.execute("CREATE SCHEMA handmade")
        conn.execute("CREATE TABLE handmade.eco_redline (id serial PRIMARY KEY, name text, category text, shape geometry(Geometry, 4326))")
        rows = [*zip(frame["name"], frame["category"], frame.geometry, strict=True), ("交叉红线", "一般", bowtie)]
        for name, category, geom in rows:
            conn.execute(
                "INSERT INTO handmade.eco_redline (name, category, shape) VALUES (%s, %s, ST_GeomFromText(%s, 4326))",
                (name, category, geom.wkt),
            )
    store = PgStore.open(postgis.url("handmade"))
    assert store.layer_ids == ("eco_redline",)
    assert any(p.layer == "eco_redline" and p.severity == "warning" for p in store.problems)  # the repaired bowtie
    got = store.layer("eco_redline")
    assert list(got["name"]) == ["韶山红线", "昭山红线", "交叉红线"] and bool(got.geometry.is_valid.all())
    answers = [r.to_dict() for r in screen([Project("p", "industrial", box(X0 + 0.061, Y0 + 0.001, X0 + 0.066, Y0 + 0.004))], store)]
    assert any(c["feature"] == "交叉红线" for c in answers[0]["conflicts"])


def test_screen_cli_on_postgis_writes_what_the_geopackage_gives(pushed: tuple[str, Path], tmp_path: Path) -> None:
    url, path = pushed
    projects = tmp_path / "p.geojson"
    features = [
        {"type": "Feature", "properties": {"type": p.type, "name": p.name, **p.attributes}, "geometry": shapely.geometry.mapping(p.geometry)}
        for p in probe_projects()
    ]
    projects.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    outputs = {}
    for label, zones in (("pg", url), ("gpkg", str(path))):
        sp.clear_index_cache()
        out = tmp_path / f"{label}.json"
        res = CliRunner().invoke(cli, ["screen", str(projects), "--type-field", "type", "--zones", zones, "-o", str(out)])
        assert res.exit_code == 0, res.output
        outputs[label] = json.loads(out.read_text(encoding="utf-8"))
    for answers in outputs.values():
        for r in answers:
            r.pop("generated_at")
            r["data"].pop("zones")
    assert outputs["pg"] == outputs["gpkg"]


def test_push_refuses_a_schema_in_use_without_replace(pushed: tuple[str, Path]) -> None:
    url, path = pushed
    res = CliRunner().invoke(cli, ["layers", "push", str(path), url])
    assert res.exit_code == 2
    assert "--replace" in res.output and "已有" in res.output
    res = CliRunner().invoke(cli, ["layers", "push", str(path), url, "--replace"])
    assert res.exit_code == 0 and "pushed 4 layers" in res.output


def test_unreachable_or_wrong_urls_are_told_in_both_languages(postgis: Any) -> None:
    with pytest.raises(DataSourceError) as info:
        PgStore.open(postgis.url("no_such_schema"))
    assert "no_such_schema" in str(info.value) and info.value.zh and "不存在" in info.value.zh
    res = CliRunner().invoke(cli, ["screen", "POINT (112.9 27.85)", "--type", "road", "--zones",
                                   "postgresql://nobody:secret@127.0.0.1:1/none?schema=x"])  # fmt: skip
    assert res.exit_code == 2 and "无法连接" in res.output and "secret" not in res.output
