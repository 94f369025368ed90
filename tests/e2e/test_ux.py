"""The app as a planner, a reviewer and the public use it (issue 17), in a real browser.

Every step leaves a screenshot under tests/e2e/artifacts/ (``ux-*.png``), so a reader can
see what each assertion saw.
"""

from __future__ import annotations

import functools
import http.server
import io
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ARTIFACTS, running_app, screenshot_whole_page
from tests.e2e.helpers import TIMEOUT_MS, map_frame, wait_ready
from tests.ui.conftest import lonlat

pytestmark = pytest.mark.e2e


def shot(page, name: str, *, whole: bool = True) -> Path:
    """A screenshot of this step (the whole page, or only the window: what is above the fold)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ux-{name}.png"
    if whole:
        screenshot_whole_page(page, path)
    else:
        page.screenshot(path=str(path))
    return path


# --- the public map: marker, answer and map agree -------------------------------------------------


#: The markers on the map now: st_folium keeps every layer it ever added in
#: window.feature_group and takes the old ones off the map, so only those on it count.
_MARKERS = ("(window.feature_group || []).filter(g => window.map.hasLayer(g))"
            ".flatMap(g => g.getLayers()).filter(l => l.getLatLng).map(l => [l.getLatLng().lng, l.getLatLng().lat])")


def _marker(frame) -> tuple[float, float] | None:
    """(lon, lat) of the one marker of the point asked about (the layer st_folium added)."""
    found = frame.evaluate(f"() => {_MARKERS}")
    assert len(found) <= 1, found
    return tuple(found[0]) if found else None


def _wait_marker(frame, lon: float, lat: float) -> None:
    """Wait until the map's one marker is at (lon, lat), to 1e-4° (~10 m: a click lands on a
    pixel, ~5 m at zoom 15)."""
    frame.wait_for_function(
        f"([lon, lat]) => {{ const m = {_MARKERS}; return m.length === 1 && Math.abs(m[0][0] - lon) < 1e-4"
        " && Math.abs(m[0][1] - lat) < 1e-4; }",
        arg=[lon, lat], timeout=TIMEOUT_MS,
    )  # fmt: skip


def _click_map(page, lon: float, lat: float):
    """Click the map at (lon, lat); returns the map's frame (the same map: never rebuilt)."""
    frame = map_frame(page)
    x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    frame.locator("#map_div").click(position={"x": x, "y": y})
    return frame


def _answer(page) -> str:
    return page.locator(".ez-verdict").first.inner_text()


def test_public_lookup_then_two_clicks_elsewhere(page, app_url: str) -> None:
    """A search for a point inside the grade-1 zone, then a click outside it, then a click
    inside again: each time the marker is where the answer is for, and the map keeps the
    view the visitor has (a click never zooms out, nor is it lost)."""
    page.goto(f"{app_url}/public")
    wait_ready(page)
    inside = lonlat(500, 500)
    box = page.get_by_role("textbox", name="查找地点")
    box.fill(f"{inside[0]:.9f}, {inside[1]:.9f}")
    box.press("Enter")
    page.get_by_text("该位置位于 1 个保护区内").wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)
    frame = map_frame(page)
    _wait_marker(frame, *inside)
    frame.wait_for_function(f"() => window.map.getBounds().contains([{inside[1]}, {inside[0]}]) && window.map.getZoom() >= 14",
                            timeout=TIMEOUT_MS)  # fmt: skip
    zoom = frame.evaluate("() => window.map.getZoom()")
    shot(page, "public-1-lookup")

    outside = lonlat(1300, 500)  # 300 m east of the zone
    frame = _click_map(page, *outside)
    page.get_by_text("该位置不在已收录的保护区内").wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)
    frame = map_frame(page)
    _wait_marker(frame, *outside)
    assert "不在保护区内" in _answer(page)
    assert frame.evaluate("() => window.map.getZoom()") == zoom  # the view the visitor had
    shot(page, "public-2-click-outside")

    again = lonlat(500, 800)  # inside the zone again
    frame = _click_map(page, *again)
    page.get_by_text("该位置位于 1 个保护区内").wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)
    frame = map_frame(page)
    _wait_marker(frame, *again)
    assert "位于保护区内" in _answer(page) and _marker(frame) is not None
    assert frame.evaluate("() => window.map.getZoom()") == zoom
    assert frame.evaluate(f"() => window.map.getBounds().contains([{again[1]}, {again[0]}])")
    shot(page, "public-3-click-inside")


# --- the phone -------------------------------------------------------------------------------------


@pytest.fixture
def phone(browser, app_url: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, screen={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True,
                                  device_scale_factor=2)  # fmt: skip
    pg = context.new_page()
    yield pg
    context.close()


def _top(page, locator) -> float:
    return float(locator.evaluate("e => e.getBoundingClientRect().top"))


def test_phone_shows_the_search_and_the_answer_above_the_fold(phone, app_url: str) -> None:
    phone.goto(f"{app_url}/public")
    wait_ready(phone)
    # the sidebar does not open over the page
    sidebar = phone.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("aria-expanded") != "true"
    box = phone.get_by_role("textbox", name="查找地点")
    assert _top(phone, box) + 40 < 844, "the search box is below the fold"
    inside = lonlat(500, 500)
    box.fill(f"{inside[0]:.9f}, {inside[1]:.9f}")
    box.press("Enter")
    verdict = phone.locator(".ez-verdict").first
    verdict.wait_for(timeout=TIMEOUT_MS)
    wait_ready(phone)
    phone.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    assert _top(phone, verdict) + 60 < 844, "the answer is below the fold"
    iframe = phone.locator('iframe[title="streamlit_folium.st_folium"]').first
    assert _top(phone, iframe) > _top(phone, verdict), "the map comes after the answer"
    shot(phone, "phone-1-answer-above-the-fold", whole=False)
    frame = map_frame(phone)
    frame.locator(".ez-legend details").wait_for(state="attached", timeout=TIMEOUT_MS)
    assert frame.evaluate("() => document.querySelector('.ez-legend details').open") is False  # the legend starts folded
    shot(phone, "phone-2-whole-page")


def test_desktop_english_legend_leaves_the_map_visible(page, app_url: str) -> None:
    page.goto(f"{app_url}/public")
    wait_ready(page)
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    wait_ready(page)
    for _attempt in range(3):  # the language switch rebuilds the map
        try:
            frame = map_frame(page)
            frame.get_by_text("Illustrative data, no legal force").wait_for(timeout=10_000)
            break
        except PlaywrightError:
            wait_ready(page)
    size = frame.evaluate("() => { const m = window.map.getSize(); const l = document.querySelector('.ez-legend')"
                          ".getBoundingClientRect(); return [m.x * m.y, l.width * l.height]; }")  # fmt: skip
    assert size[1] < 0.2 * size[0], f"the legend covers {size[1] / size[0]:.0%} of the map"
    shot(page, "public-en-legend")


# --- the configured base map ---------------------------------------------------------------------


class _TileHandler(http.server.BaseHTTPRequestHandler):
    """A tiny XYZ tile server: a 256 px PNG for every /z/x/y.png, each path recorded."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        type(self).seen.append(self.path)
        body = _tile_png()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@functools.lru_cache(maxsize=1)
def _tile_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 220, 200)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def tile_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _TileHandler.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_base_map_setting_reaches_the_page(browser, e2e_store, tmp_path, tile_server: str) -> None:
    """ZONING_BASEMAP_URL (an intranet tile service, here a local one): the maps request its
    tiles, the policy lets them load (they have pixels), and its credit is on the map."""
    env = {"ZONING_BASEMAP_URL": f"{tile_server}/{{z}}/{{x}}/{{y}}.png", "ZONING_BASEMAP_ATTRIBUTION": "© 测试瓦片服务",
           "ZONING_BASEMAP_NAME": "内网底图"}  # fmt: skip
    with running_app(e2e_store, tmp_path, **env) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        page.goto(url)
        wait_ready(page)
        page.locator("[data-testid='stSidebar']").get_by_text("显示本单位底图（内网底图）").wait_for(timeout=TIMEOUT_MS)
        frame = map_frame(page)
        frame.wait_for_function(f"() => [...document.querySelectorAll('img.leaflet-tile')].some(i => i.src.startsWith({tile_server!r})"
                                " && i.complete && i.naturalWidth === 256)", timeout=TIMEOUT_MS)  # fmt: skip
        frame.get_by_text("© 测试瓦片服务").wait_for(timeout=TIMEOUT_MS)
        tiles = [u for u in requested if u.startswith(tile_server)]
        assert tiles and all(re.fullmatch(rf"{re.escape(tile_server)}/\d+/\d+/\d+\.png", u) for u in tiles), tiles[:5]
        assert _TileHandler.seen, "the tile server was never asked"
        shot(page, "basemap-configured")
        context.close()
