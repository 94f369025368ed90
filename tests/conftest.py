"""Fixtures shared by every test folder: the user's data folder kept in a temporary folder, and a
real PostgreSQL server (``tests/postgres.py``)."""

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
