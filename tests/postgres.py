"""A real PostgreSQL server for the tests: ``initdb`` in a temporary folder, on a free port.

``running_postgres()`` starts a throwaway cluster (as the ``postgres`` system user when the
tests run as root, since PostgreSQL refuses to run as root), creates a database and yields
its URL; the server is stopped and its folder removed afterwards. The session fixture
``postgres_url`` (tests/conftest.py) shares one cluster among all tests that ask for it;
each test makes its own database with ``fresh_database(url)``.

Without PostgreSQL's binaries the fixture skips — unless ``REQUIRE_POSTGRES=1``, where a
missing server is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["postgres_binary", "running_postgres", "fresh_database"]


def postgres_binary(name: str) -> str | None:
    """Path of PostgreSQL's ``name`` (initdb, pg_ctl): Debian's versioned folder first."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def running_postgres() -> Iterator[str]:
    """A started cluster; yields ``postgresql://postgres@127.0.0.1:PORT/postgres``.

    Raises
    ------
    FileNotFoundError
        PostgreSQL's initdb or pg_ctl is not installed.
    """
    initdb, pg_ctl = postgres_binary("initdb"), postgres_binary("pg_ctl")
    if not initdb or not pg_ctl:
        msg = "PostgreSQL's initdb/pg_ctl not found (apt-get install postgresql)"
        raise FileNotFoundError(msg)
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="zoning-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, port = folder / "data", _free_port()
    try:
        _run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"], user)
        options = f"-c port={port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={folder} -c fsync=off"
        _run([pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"], user)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str) -> str:
    """A new, empty database on the cluster of ``url``; its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"
