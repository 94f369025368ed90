"""Fixtures shared by every test folder: a real PostgreSQL/PostGIS cluster and a real
dask.distributed cluster of two worker processes, each started once per run when asked for."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def postgis() -> Iterator[object]:
    """A throwaway PostgreSQL + PostGIS cluster (``benchmarks.postgis_bench.start_cluster``:
    initdb in a temporary folder, a free port, removed at the end), one for the whole run.

    Skipped where the Debian packages postgresql + postgresql-postgis are not installed,
    unless ``REQUIRE_POSTGIS=1`` (CI), where their absence fails the tests instead.
    """
    from benchmarks import postgis_bench

    if not postgis_bench.available():
        if os.environ.get("REQUIRE_POSTGIS") == "1":
            pytest.fail("PostgreSQL/PostGIS is required (REQUIRE_POSTGIS=1) but initdb was not found")
        pytest.skip("PostgreSQL/PostGIS not installed (Debian: postgresql postgresql-postgis)")
    with postgis_bench.start_cluster(postgis_bench.SMALL_SETTINGS) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[object]:
    """A ``dask.distributed.LocalCluster`` of two worker processes (one thread each), as a
    real scheduler at a tcp:// address (``scheduler_address``) — what ``screen
    --dask-scheduler`` is given; one for the whole run."""
    from distributed import LocalCluster

    # dashboard on a free port: None means distributed's fixed 8787, which another run on
    # the machine may hold (the cluster then fails to start).
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0") as cluster:
        yield cluster
