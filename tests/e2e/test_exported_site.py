"""The static public map of ``python -m zoning export-map`` in a real browser (Debian chromium).

The site is served by a plain static file server (what a county's intranet web server
does): the map draws, a typed place and a click on a zone show the zone and its rules, a
place name finds the town, English is one click away — and no request leaves the host.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from layers.paths import DEFAULT_STORE
from layers.store import ZoneStore
from tests.e2e.conftest import ARTIFACTS, serving_folder
from zoning.publish.mapexport import export_map

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("exported") / "public_map"
    export_map(site, max_zoom=11, gzip=False)
    with serving_folder(site) as url:
        yield url


@pytest.fixture
def site_page(browser, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    seen: list[str] = []
    failed_requests: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    context.on("requestfailed", lambda r: failed_requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.seen, page.failed_requests, page.errors = seen, failed_requests, errors  # type: ignore[attr-defined]
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


def _grade1_point() -> tuple[float, float, str]:
    water = ZoneStore.open(DEFAULT_STORE).layer("water_source").to_crs("EPSG:4490")
    row = water[water["grade"] == "一级"].iloc[0]
    # Well inside: the site's shapes are simplified to about a pixel of zoom 11 (~60 m).
    inner = row.geometry.buffer(-0.001)
    point = (inner if not inner.is_empty else row.geometry).representative_point()
    return point.x, point.y, str(row["name"])


def test_site_draws_answers_and_stays_on_its_host(site_page, site_url: str) -> None:
    page = site_page
    page.goto(f"{site_url}/index.html")
    page.wait_for_function("() => window.__mapReady !== undefined", timeout=TIMEOUT_MS)
    # The illustrative notice is on the page, in both languages.
    assert "示意数据，不具法律效力" in page.inner_text("#notice")
    assert page.locator(".leaflet-tile-container canvas").count() > 0

    lon, lat, name = _grade1_point()
    page.fill("#coords", f"{lon:.6f}, {lat:.6f}")
    page.click("#ask-go")
    page.wait_for_function("() => document.querySelector('#answer .zone') !== null", timeout=TIMEOUT_MS)
    answer = page.inner_text("#answer")
    assert name in answer and "一级" in answer
    assert "禁止" in answer and "DWS01" in answer and "《水污染防治法》第六十五条" in answer

    # A click on the map at the same place gives the same zone.
    page.evaluate("() => { document.getElementById('answer').textContent = ''; }")
    box = page.locator("#map").bounding_box()
    xy = page.evaluate(
        "([lat, lon]) => new Promise(done => { const m = window.zoningMap; m.setView([lat, lon], 11, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); done([p.x, p.y]); })",
        [lat, lon],
    )
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.wait_for_function("() => document.querySelector('#answer .zone') !== null", timeout=TIMEOUT_MS)
    assert name in page.inner_text("#answer")

    # A place name: 湘潭 is a town in the GeoNames extract; several matches offer a choice.
    page.fill("#coords", "湘潭")
    page.click("#ask-go")
    page.wait_for_function("() => document.querySelector('#answer .zone, #answer button.place') !== null", timeout=TIMEOUT_MS)
    if page.locator("#answer button.place").count():
        page.locator("#answer button.place").first.click()
        page.wait_for_function("() => document.querySelector('#answer .zone, #answer p') !== null", timeout=TIMEOUT_MS)
    assert "27.8" in page.inner_text("#answer") or "27.9" in page.inner_text("#answer")

    page.click("#lang")
    assert "Is this place in a protected zone?" in page.inner_text("#panel")
    assert "Grade I" in page.inner_text("#legend") and "Quasi-protection zone" in page.inner_text("#legend")
    assert page.inner_text("#title") == "Hunan eco-zoning public map"

    host = urlparse(site_url).netloc
    outside = sorted({u for u in page.seen if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != host})
    assert page.seen and not outside, outside
    # Empty tiles are not asked for (the page has the tile index), so nothing fails.
    assert not page.failed_requests and not page.errors, (page.failed_requests, page.errors)
    responses_404 = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.responseStatus === 404).map(e => e.name)"
    )
    assert not responses_404, responses_404


def test_typed_nonsense_gets_a_message(site_page, site_url: str) -> None:
    page = site_page
    page.goto(f"{site_url}/index.html")
    page.wait_for_function("() => window.__mapReady !== undefined", timeout=TIMEOUT_MS)
    page.fill("#coords", "112.9 abc 7")
    page.click("#ask-go")
    assert "经度, 纬度" in page.inner_text("#answer")
    page.fill("#coords", "不存在的地方")
    page.click("#ask-go")
    assert "没有找到该地名" in page.inner_text("#answer")


def _inside(layer: str, **match: str) -> tuple[float, float]:
    gdf = ZoneStore.open(DEFAULT_STORE).layer(layer).to_crs("EPSG:4490")
    for field, value in match.items():
        gdf = gdf[gdf[field] == value]
    inner = gdf.geometry.iloc[0].buffer(-0.002)
    point = (inner if not inner.is_empty else gdf.geometry.iloc[0]).representative_point()
    return point.x, point.y


def test_a_control_unit_shows_its_access_list(site_page, site_url: str) -> None:
    """资阳区's park unit has its own (illustrative) clauses; a unit without any shows that its
    category's defaults are what applies."""
    page = site_page
    page.goto(f"{site_url}/index.html")
    page.wait_for_function("() => window.__mapReady !== undefined", timeout=TIMEOUT_MS)
    lon, lat = _inside("env_control_unit", code="ZH43090220001")
    page.fill("#coords", f"{lon:.6f}, {lat:.6f}")
    page.click("#ask-go")
    page.wait_for_function("() => document.querySelector('#answer .zone') !== null", timeout=TIMEOUT_MS)
    answer = page.inner_text("#answer")
    assert "环境管控单元" in answer and "资阳区产业园区重点管控单元（示意）" in answer
    assert "生态环境准入清单" in answer and "省级通用清单" in answer and "本单元清单" in answer
    assert "入园项目须符合园区规划环评及其审查意见确定的产业定位和准入条件" in answer
    assert "本单元无自身清单" not in answer
    lon, lat = _inside("env_control_unit", code="ZH43062110001")  # 岳阳县: no list of its own
    page.fill("#coords", f"{lon:.6f}, {lat:.6f}")
    page.click("#ask-go")
    page.locator("#answer").get_by_text("本单元无自身清单", exact=False).wait_for(timeout=TIMEOUT_MS)
    answer = page.inner_text("#answer")
    assert "本单元无自身清单" in answer and "ECU01" in answer
    assert not page.errors, page.errors
