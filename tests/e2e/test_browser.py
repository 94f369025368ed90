"""The app in a real browser (Debian chromium), offline: every page opens, a typed project
is screened end to end, a click on a zone of the public map shows its rules, the batch
page's downloads are the files the CLI writes — and no request ever leaves the app's own host.

Screenshots of each page go to tests/e2e/artifacts/ when SCREENSHOTS=1 (and of the
failing page on any failure).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ARTIFACTS, ROOT, screenshot_whole_page
from tests.e2e.helpers import TIMEOUT_MS, download
from tests.e2e.helpers import choose_option as _choose_option
from tests.e2e.helpers import map_frame as _map_frame
from tests.e2e.helpers import wait_ready as _wait_ready
from tests.ui.conftest import coords_text, lonlat
from tests.ui.test_downloads import _geojson

pytestmark = pytest.mark.e2e

def _shot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the
    viewport is made as tall as the content first."""
    if os.environ.get("SCREENSHOTS") != "1":
        return
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_whole_page(page, ARTIFACTS / f"{name}.png")


def _assert_all_local(requests_seen: list[str], app_url: str) -> None:
    host = urlparse(app_url).netloc
    outside = sorted({u for u in requests_seen if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != host})
    assert requests_seen, "no requests were recorded"
    assert not outside, f"requests left the app's host {host}: {outside}"


def _zoom_map(page, south_west: tuple[float, float], north_east: tuple[float, float]):
    """Fit the map to a lon/lat box; returns its frame. Streamlit may replace the map's
    iframe once while the page settles, so the zoom is checked and redone on the new one."""
    (lo, la), (hi_lo, hi_la) = south_west, north_east
    fit = f"() => {{ window.map.fitBounds([[{la}, {lo}], [{hi_la}, {hi_lo}]], {{animate: false}}); return true; }}"
    check = f"() => window.map && window.map.getZoom() >= 13 && window.map.getBounds().contains([{(la + hi_la) / 2}, {(lo + hi_lo) / 2}])"
    for _attempt in range(3):
        _wait_ready(page)
        frame = _map_frame(page)
        try:
            frame.evaluate(fit)
            frame.wait_for_function(check, timeout=5_000)
            return frame
        except PlaywrightError:  # a timeout, or the frame was replaced meanwhile
            continue
    msg = "the map did not zoom to the requested box"
    raise AssertionError(msg)


@pytest.mark.parametrize(
    "path,title,has_map",
    [("", "项目筛查", True), ("batch", "批量审查", False), ("public", "公众查询", True), ("about", "关于与数据", False)],
)
def test_every_page_opens_offline(page, app_url: str, requests_seen: list[str], path: str, title: str, has_map: bool) -> None:
    page.goto(f"{app_url}/{path}")
    _wait_ready(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=TIMEOUT_MS)
    # The shared sidebar is there even on a deep link straight after the server started.
    page.get_by_text("数据版本").first.wait_for(timeout=TIMEOUT_MS)
    for other in ("项目筛查", "批量审查", "公众查询", "关于与数据"):
        assert page.locator("[data-testid='stSidebarNav']").get_by_text(other).count() == 1
    if has_map:
        frame = _map_frame(page)
        assert frame.evaluate("() => L.version") == "1.9.3"
        frame.get_by_text("示意数据，不具法律效力").wait_for(timeout=TIMEOUT_MS)
    _shot(page, f"page-{path or 'screen'}")
    _assert_all_local(requests_seen, app_url)


def test_screen_a_typed_project_end_to_end(page, app_url: str, requests_seen: list[str]) -> None:
    """A 200 m x 100 m industrial site half inside the grade-1 water-source zone: 禁止."""
    page.goto(app_url)  # the default page lives at the root URL
    _wait_ready(page)
    page.get_by_text("输入坐标", exact=True).click()
    area = page.locator("[data-testid='stTextArea'] textarea").first
    area.wait_for(timeout=TIMEOUT_MS)
    area.fill(coords_text([(900, 100), (1100, 100), (1100, 200), (900, 200)]))
    area.press("Control+Enter")
    page.get_by_text("面", exact=True).click()  # four corners: a polygon, not a line
    page.get_by_text("20,000 m²").wait_for(timeout=TIMEOUT_MS)
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
    _choose_option(page, box, "一般工业项目")
    verdict = page.locator(".ez-verdict[data-verdict='prohibited']")
    verdict.wait_for(timeout=TIMEOUT_MS)
    assert "禁止" in verdict.inner_text()
    # The conflict table (drawn on a canvas, so only its presence is checked here; its cells
    # are checked by the AppTest flows) and the result map.
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("结论地图").wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    _shot(page, "flow-screen-result")
    _assert_all_local(requests_seen, app_url)


def test_click_a_zone_on_the_public_map_shows_its_rules(page, app_url: str, requests_seen: list[str]) -> None:
    page.goto(f"{app_url}/public")
    _wait_ready(page)
    # Ask about a point 300 m east of the grade-1 square: the map zooms there.
    east_lon, east_lat = lonlat(1300, 500)
    field = page.get_by_role("textbox", name="查找地点")  # the one search box: places, coordinates, report numbers
    field.fill(f"{east_lon:.9f}, {east_lat:.9f}")
    field.press("Enter")
    page.get_by_text("相距约 300 米").first.wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    # Now click the middle of the grade-1 square on the map itself.
    lon, lat = lonlat(500, 500)
    frame = _map_frame(page)
    frame.wait_for_function(f"() => window.map.getBounds().contains([{lat}, {lon}])", timeout=TIMEOUT_MS)
    x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    frame.locator("#map_div").click(position={"x": x, "y": y})
    page.get_by_text("该位置位于 1 个保护区内").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("在此区域内禁止").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("《水污染防治法》第六十五条").first.wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    _shot(page, "flow-public-click")
    _assert_all_local(requests_seen, app_url)


def test_draw_a_polygon_on_the_map_and_screen_it(page, app_url: str, requests_seen: list[str]) -> None:
    """Leaflet.draw in the map iframe: a square inside the grade-1 zone, then the type."""
    page.goto(app_url)
    _wait_ready(page)
    # Zoom the map onto the grade-1 square so the drawing clicks land inside it.
    frame = _zoom_map(page, lonlat(0, 0), lonlat(1000, 1000))
    frame.locator(".leaflet-draw-draw-polygon").click()
    corners = [lonlat(200, 200), lonlat(800, 200), lonlat(800, 800), lonlat(200, 800)]
    vertices = frame.locator(".leaflet-editing-icon")
    for i, (lon, lat) in enumerate([*corners, corners[0]]):
        x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
        frame.locator("#map_div").click(position={"x": x, "y": y})
        if i < len(corners):  # Leaflet.draw drops a click that comes too soon: check each vertex landed
            for _retry in range(3):
                try:
                    frame.wait_for_function(f"() => document.querySelectorAll('.leaflet-editing-icon').length >= {i + 1}", timeout=3_000)
                    break
                except PlaywrightError:
                    frame.locator("#map_div").click(position={"x": x, "y": y})
            assert vertices.count() == i + 1
    page.get_by_text("识别的图形").wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
    _choose_option(page, box, "一般工业项目")
    page.locator(".ez-verdict[data-verdict='prohibited']").wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    _shot(page, "flow-screen-drawn")
    _assert_all_local(requests_seen, app_url)


def _run_batch(page, app_url: str, path: Path, count: int) -> None:
    """Upload the project file ``path`` on the batch page and screen its ``count`` projects."""
    page.goto(f"{app_url}/batch")
    _wait_ready(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    run = page.get_by_role("button", name=f"开始筛查 {count} 个项目")
    run.wait_for(timeout=TIMEOUT_MS)
    run.click()
    page.get_by_text("按县（市、区）统计项目结论").wait_for(timeout=TIMEOUT_MS)


def test_batch_upload_screens_every_project(page, app_url: str, requests_seen: list[str], tmp_path) -> None:
    from tests.ui.test_batch import _batch_geojson

    path = tmp_path / "projects.geojson"
    path.write_bytes(_batch_geojson())
    _run_batch(page, app_url, path, 40)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="禁止")
    assert "15" in metric.first.inner_text()
    _map_frame(page)
    _wait_ready(page)
    _shot(page, "flow-batch-result")
    _assert_all_local(requests_seen, app_url)


def test_batch_downloads_are_the_cli_files(page, app_url: str, requests_seen: list[str], tmp_path, e2e_store) -> None:
    """The CSV and JSON the browser downloads from the batch page are the files
    ``python -m zoning screen`` writes for the same projects (JSON once the screening times
    are blanked), served by the app itself."""
    path = tmp_path / "projects.geojson"
    path.write_bytes(_geojson())
    _run_batch(page, app_url, path, 3)
    _wait_ready(page)
    got = {}
    for fmt in ("csv", "json"):
        button = page.locator("[data-testid='stDownloadButton']").filter(has_text=fmt.upper()).first
        name, got[fmt] = download(page, button)
        assert name == f"batch-projects.{fmt}"
    stamp = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
    for fmt, data in got.items():
        out = tmp_path / f"cli.{fmt}"
        # The CLI names the store as typed, the app by its file name (never a server path):
        # typed from the store's own folder, the two agree.
        subprocess.run([sys.executable, "-m", "zoning", "screen", str(path), "--type-field", "类型", "--name-field", "项目名称",
                        "--zones", e2e_store.name, "--format", fmt, "-o", str(out)], cwd=e2e_store.parent, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
        assert stamp.sub(b"T", data) == stamp.sub(b"T", out.read_bytes()), fmt
    _assert_all_local(requests_seen, app_url)


def test_place_lookup_follows_the_query_and_english_is_one_click_away(page, app_url: str, requests_seen: list[str]) -> None:
    """Streamlit keeps a keyed select box's shown choice across reruns: after picking the
    2nd 长沙 match, a new query must show (and go to) its own best match."""
    page.goto(f"{app_url}/public")
    _wait_ready(page)
    field = page.get_by_role("textbox", name="查找地点")
    field.fill("长沙")
    field.press("Enter")
    _wait_ready(page)
    pick = page.get_by_role("combobox", name="匹配的地点")
    pick.click(force=True)
    second = page.get_by_role("option").nth(1)
    second_label = second.inner_text()
    second.click()
    _wait_ready(page)
    page.wait_for_function("t => [...document.querySelectorAll('input[role=combobox]')].some(i => i.value === t)",
                           arg=second_label, timeout=TIMEOUT_MS)  # fmt: skip
    field.fill("岳阳")
    field.press("Enter")
    _wait_ready(page)
    page.wait_for_function("() => [...document.querySelectorAll('input[role=combobox]')].some(i => i.value.startsWith('岳阳'))",
                           timeout=TIMEOUT_MS)  # fmt: skip
    assert pick.input_value().startswith("岳阳")  # the best match (a county or town: the map goes there)
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    _wait_ready(page)
    page.get_by_role("heading", name="Is this place in a protected zone?").wait_for(timeout=TIMEOUT_MS)
    for _attempt in range(3):  # the language switch rebuilds the map: its iframe may be replaced once
        try:
            _map_frame(page).get_by_text("Illustrative data, no legal force").wait_for(timeout=10_000)
            break
        except PlaywrightError:
            _wait_ready(page)
    else:
        msg = "the map's illustrative-data notice is not in English"
        raise AssertionError(msg)
    # The chosen layers are named in English too (the browser keeps a multiselect's chips in
    # the words they were chosen in unless the page gives each language its own widget).
    chips = page.locator("[data-testid='stMultiSelectTagsContainer']").first.inner_text()
    assert "Ecological protection red line" in chips and "生态保护红线" not in chips, chips
    _shot(page, "flow-public-place-en")
    _assert_all_local(requests_seen, app_url)


def test_readiness_check_runs_the_app(app_url: str) -> None:
    """The readiness probe (.streamlit/config.toml scriptHealthCheckEnabled; `make run` calls it)
    runs the app once without error, which loads the store into the server's caches."""
    import urllib.request

    with urllib.request.urlopen(f"{app_url}/_stcore/script-health-check", timeout=120) as resp:
        assert resp.status == 200 and resp.read().decode() == "ok"
