"""Real-browser fixtures: the app under ``streamlit run serve.py`` and Debian's chromium via Playwright.

Playwright's own browser download does not work on closed networks, so the browser is
the system chromium (``executable_path``). Without it the tests skip — unless
``REQUIRE_BROWSER=1`` (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import build_store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    """Poll the server's health endpoint (no fixed sleep): ready, dead, or timed out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"streamlit exited with code {proc.returncode} before serving {url}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling interval of the health check, not a wait for the UI
    msg = f"streamlit did not answer {url} within {timeout_s:.0f} s"
    raise RuntimeError(msg)


@pytest.fixture(scope="session")
def browser_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but chromium is not at {CHROMIUM}; install Debian's chromium (apt-get install chromium)")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    return CHROMIUM


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serving_folder(folder: Path) -> Iterator[str]:
    """A plain static file server on ``folder`` (what a county's intranet web server does);
    yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def running_app(store: Path, log_dir: Path, **env: str) -> Iterator[str]:
    """``streamlit run serve.py`` (the app with its security headers) on a free port, on
    ``store``; yields its URL. ``env`` adds environment variables (limits, ...)."""
    port = _free_port()
    environ = {**os.environ, "ZONING_STORE": str(store), **env}
    log_path = log_dir / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_http(f"{url}/_stcore/health", proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built test zone store the app under test screens against."""
    return build_store(tmp_path_factory.mktemp("e2e-store") / "zones_test.gpkg")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, browser_path: Path, e2e_store: Path) -> Iterator[str]:
    """The app (with its security headers) on the hand-built test zone store, screening open
    to everyone (the pages' tests; sign-in and roles: test_bureau.py runs its own app)."""
    with running_app(e2e_store, tmp_path_factory.mktemp("e2e-log"), ZONING_OPEN_SCREENING="1") as url:
        yield url


@pytest.fixture(scope="session")
def browser(browser_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def requests_seen() -> list[str]:
    return []


@pytest.fixture
def page(browser, app_url: str, requests_seen: list[str], request: pytest.FixtureRequest):
    """A fresh browser page that records every request it (and its iframes) makes."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.on("request", lambda r: requests_seen.append(r.url))
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        from playwright.sync_api import Error as PlaywrightError

        path = ARTIFACTS / f"FAILED-{request.node.name}.png"
        try:
            screenshot_whole_page(pg, path)
        except PlaywrightError:  # the page is stuck mid-run: what the window shows is still worth having
            pg.screenshot(path=str(path))
    context.close()


def screenshot_whole_page(pg, path: Path) -> None:
    """Screenshot of everything on the page. Streamlit scrolls inside its main block, so
    ``full_page=True`` alone stops at the window: the window is made as tall as the content
    first (what failed is often below the fold: a table, a download, a message)."""
    size = pg.viewport_size
    try:
        height = pg.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 1000")
        pg.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 40, size["height"]), 6000)})
        # two animation frames: the layout and the maps have redrawn at the new size
        pg.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
        pg.screenshot(path=str(path), full_page=True)
    finally:
        pg.set_viewport_size(size)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
