"""Fixtures shared by every test folder: the user's data folder kept in a temporary folder, a
real PostgreSQL server (``tests/postgres.py``: the bureau's database), a real PostgreSQL/PostGIS
cluster and a real dask.distributed cluster of two worker processes, each started once per run
when asked for."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import postgres_binary, running_postgres


@pytest.fixture(scope="session", autouse=True)
def user_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No test writes accounts, saved screenings or as-of views into the real user's data
    folder: ``ZONING_DATA_DIR`` points into the session's temporary folder (a test that
    wants its own sets it again), and ``ZONING_DB_URL`` is unset."""
    folder = str(tmp_path_factory.mktemp("user-data"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZONING_DATA_DIR", folder)
        mp.delenv("ZONING_DB_URL", raising=False)
        yield folder


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the session (``initdb`` on a free port); tests make
    their own database on it with ``tests.postgres.fresh_database``. Skips without PostgreSQL,
    unless ``REQUIRE_POSTGRES=1``."""
    if not (postgres_binary("initdb") and postgres_binary("pg_ctl")):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but PostgreSQL's initdb/pg_ctl are not installed")
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed")
    with running_postgres() as url:
        yield url


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
