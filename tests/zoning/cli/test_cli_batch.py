"""``python -m zoning screen`` on a batch: the projects are screened in chunks, in this process,
on worker processes (``--workers``) or on a dask cluster (``--dask-scheduler``), and the JSON
and CSV written are the bytes one ``zoning.engine.screen`` call and ``render_report`` give
(the engine as it was before batches were chunked), apart from the time stamp.

The store is the embedded one; the projects are generated over the whole province (points,
lines, polygons, multipolygons of every type), so they fall in three Gauss-Kruger zones and
the chunks (7 projects each here) cut across zones and reorder the input (Z-order), which
the output must undo.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from benchmarks.generate import generate_projects
from gis.io import read_features
from layers.paths import DEFAULT_STORE
from layers.store import ZoneStore
from zoning import _dask, batch
from zoning.cli import cli
from zoning.engine import prepare_projects, projects_from_features, screen
from zoning.report import render_report

N_PROJECTS = 60
CHUNK = 7
#: The screening's time stamp (``generated_at``): the one thing allowed to differ.
_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "projects.gpkg"
    generate_projects(path, n=N_PROJECTS, seed=16)
    return path


@pytest.fixture(scope="module")
def reference(batch_file: Path) -> dict[str, bytes]:
    """What one ``screen`` call over the whole file gives, rendered as the CLI renders it."""
    store = ZoneStore.open(DEFAULT_STORE)
    projects = projects_from_features(read_features(str(batch_file)), type_field="type")
    results = screen(projects, store)
    return {fmt: render_report(results, fmt, lang="zh", batch=True, store=store) for fmt in ("json", "csv")}


def _cli(batch_file: Path, out: Path, fmt: str, *extra: str) -> bytes:
    res = CliRunner().invoke(
        cli, ["screen", str(batch_file), "--type-field", "type", "--zones", str(DEFAULT_STORE), "--format", fmt,
              "-o", str(out), *extra],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return out.read_bytes()


def _same(got: bytes, want: bytes) -> None:
    assert _STAMP.sub(b"T", got) == _STAMP.sub(b"T", want)


def test_the_batch_is_really_cut_and_reordered(batch_file: Path) -> None:
    items = prepare_projects(projects_from_features(read_features(str(batch_file)), type_field="type"))
    crs = {item.crs for item in items}
    order = batch.batch_order(items)
    assert len(crs) == 3  # EPSG:4545, 4546, 4547: chunks never span two
    assert not np.array_equal(order, np.arange(len(items)))
    assert sorted(order.tolist()) == list(range(len(items)))


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_write_the_bytes_of_one_screen_call(
    batch_file: Path, reference: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, workers: str
) -> None:
    monkeypatch.setattr(batch, "CHUNK", CHUNK)
    got = _cli(batch_file, tmp_path / f"out.{fmt}", fmt, "--workers", workers)
    _same(got, reference[fmt])


def test_a_dask_cluster_writes_the_bytes_of_one_screen_call(
    batch_file: Path, reference: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dask_cluster: object
) -> None:
    monkeypatch.setattr(batch, "CHUNK", CHUNK)
    address = dask_cluster.scheduler_address  # type: ignore[attr-defined]
    got = _cli(batch_file, tmp_path / "out.json", "json", "--dask-scheduler", address)
    _same(got, reference["json"])


def test_an_unreachable_scheduler_is_a_clear_exit_2(batch_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dask, "CONNECT_TIMEOUT_S", 1)
    res = CliRunner().invoke(cli, ["screen", str(batch_file), "--type-field", "type", "--dask-scheduler",
                                   "tcp://127.0.0.1:9", "-o", str(tmp_path / "out.json")])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "无法连接 dask 调度器" in res.output and "cannot reach the dask scheduler" in res.output
    assert "Traceback" not in res.output
