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
from tests.e2e.helpers import TIMEOUT_MS, download, make_report, map_frame, wait_ready
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


def _map_point(frame, lon: float, lat: float) -> dict[str, float]:
    """Where (lon, lat) is on the map now, in the map's own pixels."""
    x, y = frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
    return {"x": x, "y": y}


def _click_map(page, lon: float, lat: float):
    """Click the map at (lon, lat); returns the map's frame (the same map: never rebuilt)."""
    frame = map_frame(page)
    frame.locator("#map_div").click(position=_map_point(frame, lon, lat))
    return frame


def _look_up_inside(page, app_url: str) -> tuple[tuple[float, float], float]:
    """On the public page, search coordinates inside the grade-1 zone and wait until the
    answer and the marker are for them; returns the point and the map's zoom."""
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
    return inside, frame.evaluate("() => window.map.getZoom()")


def _answer(page) -> str:
    return page.locator(".ez-verdict").first.inner_text()


def test_public_lookup_then_two_clicks_elsewhere(page, app_url: str) -> None:
    """A search for a point inside the grade-1 zone, then a click outside it, then a click
    inside again: each time the marker is where the answer is for, and the map keeps the
    view the visitor has (a click never zooms out, nor is it lost)."""
    _inside, zoom = _look_up_inside(page, app_url)
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
def phone(browser, app_url: str, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 390, "height": 844}, screen={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True,
                                  device_scale_factor=2)  # fmt: skip
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:  # what the phone's window showed when it failed
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"))
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


# --- the batch: bad rows set aside, filters drive the downloads, a row's detail -------------------

N_INSIDE = 20  # 一般工业项目 inside the grade-1 water-source square: 禁止 (DWS01)
N_FAR = 27  # 8 km south-west of every zone: 不涉及
#: The three bad rows (1-based file row -> the cell the reviewer got wrong), spread over the file.
BAD_ROWS = {7: ("类型", "火箭发射场"), 23: ("类型", "待定"), 41: ("年出栏（头）", "三千头")}


def _reviewers_workbook(path: Path) -> Path:
    """A reviewer's 50-row Excel list: 项目名称 / 类型 / 建设单位 / jd / wd (pinyin coordinate
    columns) / 年出栏（头）, 20 projects inside the grade-1 zone, 27 far away, 3 bad rows."""
    from openpyxl import Workbook

    good = [(f"水源内{i + 1}", "一般工业项目", lonlat(100 + 60 * (i % 10), 100 + 60 * (i // 10)), None) for i in range(N_INSIDE)]
    good += [(f"远处{i + 1}", "一般工业项目", lonlat(-8000 + 40 * (i % 5), -8000 + 40 * (i // 5)), None) for i in range(N_FAR)]
    rows = iter(good)
    wb = Workbook()
    sheet = wb.active
    sheet.append(["项目名称", "类型", "建设单位", "jd", "wd", "年出栏（头）"])
    for row in range(1, 51):
        if row in BAD_ROWS:
            column, value = BAD_ROWS[row]
            kind, head = (value, None) if column == "类型" else ("畜禽养殖场", value)
            name, xy = f"问题行{row}", lonlat(-8000, -7000)
        else:
            name, kind, xy, head = next(rows)
        sheet.append([name, kind, f"某公司{row}", round(xy[0], 9), round(xy[1], 9), head])
    wb.save(path)
    return path


def _choose(page, label: str, typed: str, option: str | re.Pattern[str] | None = None) -> None:
    """Pick in the select box or multiselect labelled ``label``: type ``typed`` to filter,
    then click the option showing ``option`` (default: ``typed``) once listed — tried again
    if a rerun redraws the box mid-pick."""
    box = page.locator("[data-testid='stMultiSelect'], [data-testid='stSelectbox']").filter(has_text=label).first
    for _attempt in range(3):
        wait_ready(page)
        box.locator("input").click()
        page.keyboard.type(typed)
        choice = page.get_by_role("option").filter(has_text=option or typed).first
        try:
            choice.click(timeout=10_000)
            break
        except PlaywrightError:
            page.keyboard.press("Escape")
    else:
        msg = f"could not choose {option or typed!r} in {label!r}"
        raise AssertionError(msg)
    if box.get_attribute("data-testid") == "stMultiSelect":
        page.keyboard.press("Escape")  # a multiselect's list stays open; a select box's Escape would clear it
    wait_ready(page)


def _grid_rows(grid) -> list[list[str]]:
    """The body rows of a Streamlit data grid, as text: the grid draws on a canvas and keeps
    its cells in an accessible table beside it."""
    grid.locator("table [role='row'], table tr").first.wait_for(state="attached", timeout=TIMEOUT_MS)
    return grid.evaluate("g => [...g.querySelectorAll('table tbody tr')].map(r => [...r.querySelectorAll('td')]"
                         ".map(c => c.textContent.trim()))")  # fmt: skip


def _download(page, fmt: str) -> bytes:
    """The file the batch page's download button for ``fmt`` gives (made first when it is a
    report made on request)."""
    make_report(page, fmt)
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text=fmt.upper()).first
    return download(page, button)[1]


def test_a_50_row_batch_with_3_bad_rows_the_filter_and_the_drill_down(page, app_url: str, tmp_path) -> None:
    """The reviewer's day: 50 rows, 3 of them wrong. The 47 good ones are screened and the 3
    are named with row, column, value and reason; filtering to 禁止 leaves exactly those in
    the table, on the map and in the CSV and XLSX downloads; a row opens its conflicts."""
    page.goto(f"{app_url}/batch")
    wait_ready(page)
    path = _reviewers_workbook(tmp_path / "审查清单.xlsx")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text("3 行无法筛查").wait_for(timeout=TIMEOUT_MS)
    assert "其余 47 个项目照常筛查" in page.locator("[data-testid='stAlert']").filter(has_text="无法筛查").inner_text()
    problems = page.locator("[data-testid='stDataFrame']").first
    problems.wait_for(timeout=TIMEOUT_MS)
    cells = _grid_rows(problems)
    assert [c[:3] for c in cells] == [[str(row), column, value] for row, (column, value) in BAD_ROWS.items()], cells
    assert all(c[3] for c in cells), cells  # each with its reason
    shot(page, "batch-1-bad-rows")
    run = page.get_by_role("button", name="开始筛查 47 个项目")
    run.click()
    page.get_by_text("按县（市、区）统计项目结论").wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)
    # the four verdict counts (under load the charts' text can arrive before them)
    page.locator("[data-testid='stMetric']").nth(3).wait_for(timeout=TIMEOUT_MS)
    metrics = {m.locator("[data-testid='stMetricLabel']").inner_text(): m.locator("[data-testid='stMetricValue']").inner_text()
               for m in page.locator("[data-testid='stMetric']").all()}  # fmt: skip
    assert metrics == {"禁止": str(N_INSIDE), "有条件准入": "0", "需核实": "0", "不涉及": str(N_FAR)}, metrics
    shot(page, "batch-2-screened")

    _choose(page, "按结论筛选", "禁止")
    page.get_by_text(f"导出文件只含当前筛选的 {N_INSIDE} 个项目（共 47 个）").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(f"显示 {N_INSIDE} / 47 个项目").wait_for(timeout=TIMEOUT_MS)
    frame = map_frame(page)  # the map shows the projects the filter keeps, each at its place
    points = "() => { const n = []; window.map.eachLayer(l => { if (l instanceof L.CircleMarker && l.options.color === '#333333') n.push(l); }); return n.length; }"
    frame.wait_for_function(f"() => ({points})() === {N_INSIDE}", timeout=TIMEOUT_MS)
    csv = _download(page, "csv").decode("utf-8-sig").splitlines()
    header = csv[0].split(",")
    body = [dict(zip(header, line.split(","), strict=False)) for line in csv[1:]]
    assert len(body) == N_INSIDE and {r["项目结论"] for r in body} == {"禁止"}, csv[:3]
    assert {r["项目名称"] for r in body} == {f"水源内{i + 1}" for i in range(N_INSIDE)}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_download(page, "xlsx")), read_only=True)
    names = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
             if isinstance(cell, str) and cell.startswith(("水源内", "远处", "问题行"))}  # fmt: skip
    assert names == {f"水源内{i + 1}" for i in range(N_INSIDE)}, sorted(names)[:5]
    shot(page, "batch-3-filtered")

    _choose(page, "查看项目", "水源内1", re.compile(r"水源内1 — 禁止$"))
    detail = page.locator(".ez-verdict[data-verdict='prohibited']").first
    detail.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("《水污染防治法》第六十五条").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("测试一级水源").first.wait_for(timeout=TIMEOUT_MS)
    # the project's own map (then the batch's): it draws the project where it is
    page.locator('iframe[title="streamlit_folium.st_folium"]').nth(1).wait_for(timeout=TIMEOUT_MS)
    wait_ready(page)
    own = map_frame(page)  # the first map on the page
    own.wait_for_function("([lon, lat]) => window.map && window.map.getBounds().contains([lat, lon])",
                          arg=list(lonlat(100, 100)), timeout=TIMEOUT_MS)  # fmt: skip
    shot(page, "batch-4-drill-down")


# --- sanity: a project unlike its type is screened with a warning ---------------------------------


def test_a_county_sized_chemical_project_is_screened_with_a_warning(page, app_url: str) -> None:
    """70 km x 60 km typed as a 化工项目 (4,200 km² = 420,000 ha by hand; a county drawn by
    mistake): the verdict is shown and, beside it, the warning to check the shape."""
    from tests.e2e.helpers import choose_option
    from tests.ui.conftest import coords_text

    page.goto(app_url)
    wait_ready(page)
    page.get_by_text("输入坐标", exact=True).click()
    area = page.locator("[data-testid='stTextArea'] textarea").first
    area.wait_for(timeout=TIMEOUT_MS)
    area.fill(coords_text([(-30_000, -30_000), (40_000, -30_000), (40_000, 30_000), (-30_000, 30_000)]))
    area.press("Control+Enter")
    page.get_by_text("面", exact=True).click()
    wait_ready(page)
    choose_option(page, page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型"), "化工项目/化工园区")
    page.locator(".ez-verdict[data-verdict='prohibited']").wait_for(timeout=TIMEOUT_MS)
    warning = page.locator("[data-testid='stAlert']").filter(has_text="远大于“化工项目/化工园区”的常见规模")
    warning.wait_for(timeout=TIMEOUT_MS)
    text = warning.inner_text()
    hectares = float(re.search(r"项目面积 ([\d,]+) 公顷", text).group(1).replace(",", ""))
    assert hectares == pytest.approx(420_000, rel=1e-3) and "已照常筛查" in text, text
    verdict_top = _top(page, page.locator(".ez-verdict").first)
    assert verdict_top < _top(page, warning) < verdict_top + 400, "the warning is not beside the verdict"
    shot(page, "screen-implausible-size")


# --- the offline base: names at the zooms planners draw at ----------------------------------------


def _labels(frame) -> list[list]:
    """The offline base's names now drawn: [class, text, left, top, right, bottom]."""
    return frame.evaluate("() => [...document.querySelectorAll('.ez-labels .ez-label')].map(e => { const r = "
                          "e.getBoundingClientRect(); return [e.className, e.textContent, r.left, r.top, r.right, r.bottom]; })")  # fmt: skip


def _assert_apart(labels: list[list]) -> None:
    for i, (_c, a, *ra) in enumerate(labels):
        for _c2, b, *rb in labels[i + 1 :]:
            assert ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1], f"{a} overlaps {b}"


def test_the_offline_base_names_places_without_overlap_where_a_planner_draws(page, app_url: str) -> None:
    """Coordinates at 平江's county seat (汉昌镇) put the map at a drawing zoom, with no online
    tiles: the offline base names the place there (Chinese, never a romanisation); zoomed
    out, counties, county seats and rivers around are named, none over another."""
    page.goto(f"{app_url}/public")
    wait_ready(page)
    box = page.get_by_role("textbox", name="查找地点")
    box.fill("113.583, 28.701")
    box.press("Enter")
    wait_ready(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map.getZoom() >= 14 && document.querySelectorAll('.ez-labels .ez-label').length >= 1",
                            timeout=TIMEOUT_MS)  # fmt: skip
    near = _labels(frame)
    shot(page, "public-offline-base-names-zoom-14")
    frame.evaluate("() => { window.map.setZoom(9, {animate: false}); }")
    frame.wait_for_function("() => window.map.getZoom() === 9 && document.querySelectorAll('.ez-labels .ez-label').length >= 8",
                            timeout=TIMEOUT_MS)  # fmt: skip
    wide = _labels(frame)
    names = [name for _cls, name, *_ in near + wide]
    assert any("平江" in n for _c, n, *_ in near), near  # at the drawing zoom, the map is not blank
    assert {"ez-label ez-l-county", "ez-label ez-l-seat", "ez-label ez-l-river"} <= {c for c, *_ in wide}, wide
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names), names  # never a romanisation
    _assert_apart(near)
    _assert_apart(wide)
    assert not frame.evaluate("() => [...document.querySelectorAll('img.leaflet-tile')].some(i => !i.src.startsWith(location.origin))")
    shot(page, "public-offline-base-names-zoom-9")


def test_phone_taps_on_the_map_answer_for_the_place_tapped(phone, app_url: str) -> None:
    """On a phone (touch, 390 px): after a lookup inside the grade-1 zone, the first tap
    outside it is answered for the tapped place (marker there, 不在保护区内, the zoom kept),
    and a tap back inside answers 位于保护区内 — never the old place, never a lost tap."""
    _inside, zoom = _look_up_inside(phone, app_url)
    # 100 m outside the zone's east edge, then back inside: both in the phone's narrow view
    for n, (where, answer) in enumerate([(lonlat(1100, 500), "该位置不在已收录的保护区内"), (lonlat(700, 300), "该位置位于 1 个保护区内")]):
        frame = map_frame(phone)
        frame.locator("#map_div").tap(position=_map_point(frame, *where))
        phone.get_by_text(answer).wait_for(timeout=TIMEOUT_MS)
        wait_ready(phone)
        frame = map_frame(phone)
        _wait_marker(frame, *where)
        assert frame.evaluate("() => window.map.getZoom()") == zoom
        # the answer is also beside the marker, in the window: the panel above has scrolled away
        tip = frame.locator(".ez-tip-answer")
        tip.wait_for(timeout=TIMEOUT_MS)
        assert tip.inner_text() == ("不在保护区内" if n == 0 else "位于保护区内")
        assert 0 <= _top(phone, phone.locator('iframe[title="streamlit_folium.st_folium"]').first) + _top(frame, tip) < 844
        shot(phone, f"phone-{3 + n}-tap", whole=False)
