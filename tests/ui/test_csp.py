"""ui.csp: the policies forbid script from data and every host but the app's own; the
middleware puts them on every response. (That Streamlit's page and the maps work under
them, and nothing is refused, is checked in Chromium: tests/e2e/test_hostile.py.)"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from ui.csp import ONLINE_TILE_HOSTS, SecurityHeaders, app_policy, component_policy, map_policy, policy_for_path


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in out, f"{name} twice"
        out[name] = values
    return out


def test_the_app_page_runs_only_its_own_scripts() -> None:
    d = _directives(app_policy())
    assert d["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in d["script-src"] and "'unsafe-eval'" not in d["script-src"]
    # Streamlit's one inline line, by hash (a base64 sha256)
    assert any(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", v) for v in d["script-src"])
    assert d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'self'"] and d["base-uri"] == ["'self'"]


@pytest.mark.parametrize("policy", [app_policy(), component_policy(), map_policy()])
def test_no_host_but_the_app_except_the_opt_in_base_maps_for_images(policy: str) -> None:
    for name, values in _directives(policy).items():
        hosts = [v for v in values if "://" in v or v.endswith(":") and v not in ("data:", "blob:")]
        allowed = list(ONLINE_TILE_HOSTS) if name == "img-src" else []
        assert all(h in allowed for h in hosts), (name, hosts)
        assert "*" not in values and "http:" not in values and "https:" not in values


def test_components_get_the_map_policy_and_everything_else_the_apps() -> None:
    assert policy_for_path("/component/streamlit_folium.st_folium/index.html") == component_policy()
    assert policy_for_path("/") == app_policy() == policy_for_path("/app/static/js/zonetiles.js")
    assert "frame-ancestors" not in map_policy()  # ignored in a <meta>, so not written there


def _call(middleware: SecurityHeaders, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request"}

    async def send(message: dict) -> None:
        sent.append(message)

    # In a thread of its own: the browser tests' Playwright (sync API) keeps an event loop
    # running in the main thread for the whole session, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    return sent


async def _app(scope, receive, send) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html"), (b"Content-Security-Policy", b"default-src *")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"ok"})
    else:
        await send({"type": "websocket.accept"})


def test_middleware_replaces_the_policy_and_adds_the_companions() -> None:
    sent = _call(SecurityHeaders(_app), {"type": "http", "path": "/component/x/index.html"})
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"text/html"
    assert [k for k, _ in sent[0]["headers"]].count(b"content-security-policy") == 1
    assert b"default-src *" not in headers.values()
    assert headers[b"content-security-policy"].decode() == component_policy()
    assert headers[b"x-content-type-options"] == b"nosniff" and headers[b"referrer-policy"] == b"no-referrer"
    assert sent[1]["body"] == b"ok"


def test_middleware_leaves_websockets_alone() -> None:
    assert _call(SecurityHeaders(_app), {"type": "websocket", "path": "/_stcore/stream"}) == [{"type": "websocket.accept"}]


def test_components_run_sandboxed_without_the_apps_origin_or_dialogs() -> None:
    sandbox = _directives(component_policy())["sandbox"]
    assert "allow-scripts" in sandbox
    assert "allow-same-origin" not in sandbox and "allow-modals" not in sandbox and "allow-top-navigation" not in sandbox
    assert "sandbox" not in _directives(app_policy())  # the app's page is not sandboxed


def test_static_files_are_readable_from_the_sandboxed_maps() -> None:
    sent = _call(SecurityHeaders(_app), {"type": "http", "path": "/app/static/generated/base-rivers-0123.json"})
    assert dict(sent[0]["headers"])[b"access-control-allow-origin"] == b"*"
    sent = _call(SecurityHeaders(_app), {"type": "http", "path": "/_stcore/upload_file/x"})
    assert b"access-control-allow-origin" not in dict(sent[0]["headers"])


def test_the_configured_base_map_origins_and_only_they_join_the_map_policy(monkeypatch) -> None:
    monkeypatch.setenv("ZONING_BASEMAP_URL", "https://t{s}.tiles.example.gov.cn/{z}/{x}/{y}.png")
    monkeypatch.setenv("ZONING_BASEMAP_ATTRIBUTION", "© 测绘院")
    monkeypatch.setenv("ZONING_BASEMAP_SUBDOMAINS", "12")
    img = next(d for d in map_policy().split("; ") if d.startswith("img-src")).split()[1:]
    assert img[-2:] == ["https://t1.tiles.example.gov.cn", "https://t2.tiles.example.gov.cn"]
    assert "tiles.example.gov.cn" not in app_policy()  # the app's page loads no tiles itself
    monkeypatch.setenv("ZONING_BASEMAP_URL", "https://bad.example.org/{z}.png")  # wrong: not used, nothing added
    assert "example.org" not in map_policy()
