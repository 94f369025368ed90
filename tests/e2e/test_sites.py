"""The 选址建议 page in a real browser (Debian chromium): a county search draws its candidates
on the map and lists them; three uploaded alternative sites give the comparison table, map
and an XLSX that reads back with the sites side by side — and nothing leaves the app's host."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.e2e.helpers import download
from tests.e2e.test_browser import TIMEOUT_MS, _assert_all_local, _choose_option, _shot, _wait_ready
from tests.ui.conftest import lonlat

pytestmark = pytest.mark.e2e


def _pick(page, label: str, text: str) -> None:
    """Choose ``text`` in the select box labelled ``label``."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).locator("input").first
    _wait_ready(page)
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    _wait_ready(page)


_SITE_LABELS = """() => { const out = []; window.map.eachLayer(l => {
    if (l.feature && l.feature.properties && 'label' in l.feature.properties) out.push(l.feature.properties.label); });
    return out; }"""


def _site_labels(page) -> list[list[str]]:
    """Per map iframe, the labels of the sites drawn on it (the maps draw on a canvas)."""
    out = []
    for handle in page.query_selector_all('iframe[title="streamlit_folium.st_folium"]'):
        frame = handle.content_frame()
        frame.wait_for_function("() => window.L && window.map && window.map._loaded", timeout=TIMEOUT_MS)
        out.append(frame.evaluate(_SITE_LABELS))
    return out


def _sites_geojson(path: Path) -> Path:
    """Three 300 m squares: in the grade-1 water source, by the red line, far from both."""
    def square(dx: float, dy: float) -> list:
        ring = [lonlat(dx, dy), lonlat(dx + 300, dy), lonlat(dx + 300, dy + 300), lonlat(dx, dy + 300)]
        return [[list(p) for p in [*ring, ring[0]]]]

    features = [{"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": square(*at)}}
                for name, at in (("甲址", (300, 300)), ("乙址", (4500, 300)), ("丙址", (-8000, -8000)))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def _legends(page) -> list[str]:
    """Per map iframe, the text of its legend ('' without one)."""
    out = []
    for handle in page.query_selector_all('iframe[title="streamlit_folium.st_folium"]'):
        frame = handle.content_frame()
        frame.wait_for_function("() => window.L && window.map && window.map._loaded", timeout=TIMEOUT_MS)
        out.append(frame.evaluate("() => (document.querySelector('.ez-legend') || {}).textContent || ''"))
    return out


def test_site_finder_draws_candidates_and_compares_sites(page, app_url: str, requests_seen: list[str],
                                                         tmp_path) -> None:
    import openpyxl

    page.goto(f"{app_url}/sites")
    _wait_ready(page)
    _choose_option(page, page.locator("[data-testid='stSelectbox'] input").first, "垃圾填埋/固废处置场")
    _pick(page, "区县", "测试县")
    run = page.get_by_role("button", name="查找候选地块")
    run.wait_for(timeout=TIMEOUT_MS)
    run.click()
    page.get_by_text("候选地块排序").wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=TIMEOUT_MS)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="候选地块").first.inner_text()
    assert any(ch.isdigit() and ch != "0" for ch in metric.split("\n")[-1]), metric
    labels = [x for frame in _site_labels(page) for x in frame]
    assert any(x.startswith("候选 1 — ") for x in labels), labels
    # the candidates are drawn over the zones around them (the test store's water source)
    assert any("饮用水水源保护区" in legend for legend in _legends(page)), _legends(page)
    assert page.get_by_text("栅格分辨率 30 米").count() >= 1  # what the resolution means at the edges
    _shot(page, "flow-sites-candidates")

    page.get_by_role("tab", name="备选方案比选").click()
    _wait_ready(page)
    sites = _sites_geojson(tmp_path / "sites.geojson")
    page.locator("[data-testid='stFileUploader'] input[type='file']").last.set_input_files(str(sites))
    page.get_by_text("方案比选表").wait_for(timeout=TIMEOUT_MS)
    _wait_ready(page)
    page.locator("[data-testid='stDataFrame']").nth(1).wait_for(timeout=TIMEOUT_MS)
    labels = [x for frame in _site_labels(page) for x in frame]
    assert {"1. 甲址", "2. 乙址", "3. 丙址"} <= set(labels), labels
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="XLSX").first
    name, data = download(page, button)
    assert name == "comparison.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    table = [list(r) for r in wb["方案比选"].iter_rows(values_only=True)]
    assert table[0] == ["比选因素", "方案1：甲址", "方案2：乙址", "方案3：丙址"]
    verdicts = {r[0]: r[1:] for r in table[1:]}["结论"]
    assert verdicts[0] == "禁止" and verdicts[2] == "不涉及"
    _shot(page, "flow-sites-compare")
    _assert_all_local(requests_seen, app_url)
