"""A real HTTP server for the API tests: uvicorn on a free port of 127.0.0.1, in a thread,
serving ``zoning.api.create_app`` over a small zone store built here.

The store (hand-made near 114E 28N, as in the engine tests) has layers in three CRSs:
water-source zones in the Gauss-Kruger zone EPSG:4547 (metres), red lines in CGCS2000
lon/lat, a no-raise zone in the zone-numbered variant EPSG:4526, and a county. One zone
name carries markup, to check that the HTML pages escape it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.zoning._engine_support import (
    GK114,
    GK114_ZONE,
    LONLAT,
    X0,
    Y0,
    lonlat,
    rect,
    transform,
    write_gpkg,
    zone_frame,
)
from zoning.api import create_app
from zoning.api.settings import ApiSettings

HOSTILE_NAME = '乙水厂<script>alert("x")</script>&水源'


def build_store(path: Path) -> Path:
    """The test store (see the module notes)."""
    water = zone_frame(
        [
            {"name": "甲水厂水源", "grade": "一级", "legal_status": "示意", "geometry": rect(X0, Y0, 1000, 1000)},
            {"name": "甲水厂水源", "grade": "二级", "legal_status": "示意", "geometry": rect(X0 + 1000, Y0, 1000, 1000)},
            {"name": HOSTILE_NAME, "grade": "一级", "legal_status": "法定", "geometry": rect(X0 + 5000, Y0, 1000, 1000)},
        ]
    )
    redline = zone_frame(
        [
            {"name": "红线一", "category": "一般", "geometry": lonlat(rect(X0 - 3000, Y0 + 3000, 1000, 1000))},
            {"name": "红线二", "category": "自然保护地核心保护区",
             "geometry": lonlat(rect(X0 + 8000, Y0 + 3000, 1000, 1000))},
        ],
        crs=LONLAT,
    )  # fmt: skip
    noraise = zone_frame(
        [{"name": "某禁养区", "kind": "禁养区", "geometry": transform(rect(X0 - 3000, Y0, 1000, 1000), GK114, GK114_ZONE)}],
        crs=GK114_ZONE,
    )
    admin = zone_frame(
        [{"adcode": "430626", "name": "平江县", "level": "区县",
          "geometry": rect(X0 - 30_000, Y0 - 30_000, 60_000, 60_000)}]
    )  # fmt: skip
    return write_gpkg(path, {"water_source": water, "eco_redline": redline, "livestock_zone": noraise, "admin": admin})


@pytest.fixture(scope="session")
def api_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("api-store") / "zones.gpkg").resolve()


@dataclass
class Answer:
    """An HTTP answer: status, headers, body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, Any]:
        return self.json()["error"]


class _Client:
    """``call``: one request; every status comes back as an ``Answer`` (no exception for 4xx/5xx)."""

    url: str

    def call(self, method: str, path: str, body: bytes | str | Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None) -> Answer:  # fmt: skip
        data = json.dumps(body).encode() if isinstance(body, Mapping) else body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return Answer(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Answer(err.code, dict(err.headers), err.read())


class Server(_Client):
    """uvicorn serving ``app`` on 127.0.0.1 at a free port, in a thread of this process."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                msg = "the API server did not start"
                raise RuntimeError(msg)
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ProcessServer(_Client):
    """``python -m zoning serve`` in a child process (for clients such as GDAL that hold the
    GIL while they wait for the answer, which a server thread of the same process could not give)."""

    def __init__(self, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["-m", "zoning", "serve", "--port", str(self.port), *args]
        self.env = {**os.environ, "ZONING_CACHE": "0", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ProcessServer:
        self.proc = subprocess.Popen([sys.executable, *self.args], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)  # fmt: skip
        try:
            self._wait()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                msg = f"the API server exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}"
                raise RuntimeError(msg)
            try:
                if self.call("GET", "/api/health").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        msg = "the API server did not answer in 90 s"
        raise RuntimeError(msg)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()


def serve(settings: ApiSettings) -> Server:
    """A server for ``settings`` (use as a context manager)."""
    return Server(create_app(settings))


@pytest.fixture(scope="session")
def keys_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys") / "api_keys.yaml"


@pytest.fixture(scope="session")
def reviewer_key(keys_file: Path) -> str:
    from zoning.api.keys import add_key

    return add_key(keys_file, "测试审查系统", "reviewer")


@pytest.fixture(scope="session")
def server(api_store: Path, keys_file: Path, reviewer_key: str) -> Iterator[Server]:
    """The API over the test store; screening needs a reviewer key."""
    with serve(ApiSettings(store=api_store, keys_file=keys_file)) as running:
        yield running


@pytest.fixture(scope="session")
def auth(reviewer_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {reviewer_key}"}


@pytest.fixture(scope="session")
def served(api_store: Path, keys_file: Path, reviewer_key: str) -> Iterator[ProcessServer]:
    """``python -m zoning serve`` over the test store, in its own process."""
    with ProcessServer("--zones", str(api_store), "--keys-file", str(keys_file)) as running:
        yield running
