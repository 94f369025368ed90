"""The screen page on the embedded store in a real browser (the app with its security
headers): a site in 资阳区's park shows the 符合性分析 — its control unit, the access list
— and the sentence saying what the verdict covers (HTML rendered under the app's CSP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from layers.paths import DEFAULT_STORE
from tests.e2e.conftest import ARTIFACTS, running_app, screenshot_whole_page
from tests.e2e.helpers import TIMEOUT_MS
from tests.e2e.helpers import choose_option as _choose_option
from tests.e2e.helpers import wait_ready as _wait_ready

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def embedded_url(tmp_path_factory: pytest.TempPathFactory, browser_path: Path) -> Iterator[str]:
    # Screening open to everyone (a single-user desktop): the app opens on the screen page
    # without a sign-in (the bureau's roles are tested in test_bureau.py).
    with running_app(DEFAULT_STORE, tmp_path_factory.mktemp("e2e-units-log"), ZONING_OPEN_SCREENING="1") as url:
        yield url


def test_screen_page_shows_the_unit_its_list_and_the_coverage(browser, embedded_url: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(embedded_url)
        _wait_ready(page)
        page.get_by_text("输入坐标", exact=True).click()
        area = page.locator("[data-testid='stTextArea'] textarea").first
        area.wait_for(timeout=TIMEOUT_MS)
        area.fill("112.3183, 28.6244")  # the illustrative 益阳长春经济开发区, 资阳区
        area.press("Control+Enter")
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
        _choose_option(page, box, "一般工业项目")
        page.locator(".ez-verdict").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("与生态环境分区管控要求的符合性分析").wait_for(timeout=TIMEOUT_MS)
        coverage = page.locator(".ez-coverage")
        coverage.wait_for(timeout=TIMEOUT_MS)
        text = coverage.inner_text()
        assert text.startswith("本结论覆盖范围") and "已筛查" in text and "永久基本农田" in text
        assert page.get_by_text("所在环境管控单元").count() == 1
        assert page.get_by_text("生态环境准入清单逐条分析").count() == 1
        page.locator("[data-testid='stDataFrame']").nth(2).wait_for(timeout=TIMEOUT_MS)  # conflicts, units, clauses
        _wait_ready(page)
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot_whole_page(page, ARTIFACTS / "flow-screen-units.png")
        assert not errors, errors
    finally:
        context.close()
