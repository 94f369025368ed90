"""Helpers the browser tests share: waiting for Streamlit, choosing in a select box, the map's frame."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import APP_READY

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMEOUT_MS = 60_000


def wait_ready(page) -> None:
    page.wait_for_selector(APP_READY, timeout=TIMEOUT_MS)


def _three_tries(page, act):
    """``act()`` once the page is idle; again, at most three times in all, when it raises a
    Playwright error. A map's frame resizes when it loads (and on the rerun it asks for),
    moving what lies below it: a click can land on the map instead of the button it aimed
    at. (Seen in CI, one run in ten under load: the pointer events went to the map's canvas
    and no click reached the button.)"""
    for attempt in range(3):
        wait_ready(page)
        try:
            return act()
        except PlaywrightError:
            if attempt == 2:
                raise
    return None


def download(page, button) -> tuple[str, bytes]:
    """Click the download button ``button`` and return the file's suggested name and bytes.
    A click that starts no download within 15 s is made again (:func:`_three_tries`); a
    download that starts and then fails is an error at once."""

    def click():
        button.wait_for(timeout=TIMEOUT_MS)
        with page.expect_download(timeout=15_000) as info:
            button.click()
        return info.value

    got = _three_tries(page, click)
    assert got.failure() is None, got.failure()
    return got.suggested_filename, Path(got.path()).read_bytes()


def make_report(page, fmt: str) -> None:
    """Press "生成 <FMT>" and wait until the report's download button is there; a press that
    brings no button within 30 s is made again (:func:`_three_tries`)."""
    make = page.get_by_role("button", name=f"生成 {fmt.upper()}")
    ready = page.locator("[data-testid='stDownloadButton']").filter(has_text=fmt.upper())

    def press():
        if ready.count() or not make.count():
            return
        make.click()
        wait_ready(page)
        ready.first.wait_for(timeout=30_000)

    _three_tries(page, press)


def choose_option(page, box, text: str, *, label_starts: bool = False) -> None:
    """Pick ``text`` in the select box ``box``: open it, type to filter, click the option once
    it is listed, and check the box then shows it (a label ending in `` · <text>``, as project
    types are shown, or with ``label_starts`` one starting with it, as "EPSG:4547 CGCS2000 ...").
    A rerun that lands mid-pick can redraw the box and drop the choice (pressing Enter right
    after typing could also beat the list), so the pick is tried again, at most three times."""
    shown = "i.value.startsWith(t)" if label_starts else "i.value.endsWith(' · ' + t)"
    for _attempt in range(3):
        wait_ready(page)
        box.click()
        page.keyboard.type(text)
        option = page.get_by_role("option").filter(has_text=text).first
        try:
            option.wait_for(timeout=10_000)
            option.click()
            page.wait_for_function(  # the chosen label ("工业 · 一般工业项目") is the box's input value
                f"t => [...document.querySelectorAll('input[role=combobox]')].some(i => {shown})",
                arg=text, timeout=10_000,
            )  # fmt: skip
            return
        except PlaywrightError:
            page.keyboard.press("Escape")
    msg = f"could not choose {text!r} in the select box"
    raise AssertionError(msg)


def map_frame(page):
    """The map's frame once Leaflet has loaded in it. A rerun can replace the iframe between
    finding it and reading it (its handle then has no frame, or the frame is detached), so
    the current one is looked up again, for at most ``TIMEOUT_MS`` in all."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        left_ms = max(1_000, int((deadline - time.monotonic()) * 1000))
        try:
            handle = page.wait_for_selector(MAP_IFRAME, timeout=left_ms)
            frame = handle.content_frame() if handle is not None else None
            if frame is not None:
                frame.wait_for_function("() => window.L && window.map && window.map._loaded", timeout=left_ms)
                return frame
        except PlaywrightError:
            if time.monotonic() >= deadline:
                raise
        if time.monotonic() >= deadline:
            msg = "the map's frame did not load"
            raise AssertionError(msg)
        page.wait_for_timeout(200)
