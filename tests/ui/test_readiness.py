"""ui.readiness: wait for the app's script health check (the readiness probe `make run` calls)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from ui.readiness import wait_ready


class _Handler(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self.calls.append(self.path)
        ok = self.path == "/_stcore/script-health-check" and len(self.calls) >= 2  # 503 first: still starting
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"starting")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[int]:
    _Handler.calls = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_waits_through_a_starting_server_and_asks_the_script_health_check(server: int) -> None:
    assert wait_ready(server, timeout_s=20, host="127.0.0.1") is True
    assert _Handler.calls == ["/_stcore/script-health-check"] * 2


def test_gives_up_when_nothing_answers() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    assert wait_ready(port, timeout_s=1.5, host="127.0.0.1") is False
