"""Fixtures shared by every test folder: a real PostgreSQL server (``tests/postgres.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import postgres_binary, running_postgres


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
