"""ui.boundary: a bug shows a short bilingual message with a reference; the traceback goes to
the log under that reference; no server path reaches a page."""

from __future__ import annotations

import logging
import re

import pytest
from streamlit.testing.v1 import AppTest

from ui.boundary import new_reference, scrub_paths


@pytest.mark.parametrize(
    "text,expected",
    [
        ("无法读取文件 /srv/zoning/data/zones.gpkg（No such file）", "无法读取文件 zones.gpkg（No such file）"),
        ("'/tmp/gis-io-x1/broken.geojson' not recognized", "'broken.geojson' not recognized"),
        ("in C:\\Users\\gis\\proj\\a.shp: bad", "in a.shp: bad"),
        ("folder /var/lib/zoning/ is full", "folder … is full"),
        ("see https://example.org/a/b/c.html", "see https://example.org/a/b/c.html"),
        ("GCJ-02/BD-09, m/s, 中文 / English, 1/2", "GCJ-02/BD-09, m/s, 中文 / English, 1/2"),
        ("such as /dev/zero", "such as /dev/zero"),
        ("/a", "/a"),  # a single slash-word is not a folder layout
    ],
)
def test_scrub_paths(text: str, expected: str) -> None:
    assert scrub_paths(text) == expected


def test_reference_numbers_are_distinct_and_readable() -> None:
    refs = {new_reference() for _ in range(200)}
    assert len(refs) == 200
    assert all(re.fullmatch(r"\d{8}-\d{4}-[0-9A-F]{8}", r) for r in refs)


def _failing_page() -> None:
    import streamlit as st

    from ui.boundary import page_boundary

    with page_boundary("test"):
        st.write("before")
        msg = "secret detail at /srv/zoning/ui/x.py line 3"
        raise RuntimeError(msg)


def _planning_error_page() -> None:
    from gis.errors import InputError
    from ui.boundary import page_boundary

    with page_boundary("test"):
        msg = "file /srv/zoning/tmp/up.csv: bad row 3"
        raise InputError(msg, zh="文件 /srv/zoning/tmp/up.csv：第 3 行有误")


def test_a_bug_is_a_short_message_with_a_reference_and_the_details_are_logged(caplog) -> None:
    caplog.set_level(logging.ERROR, logger="ui.boundary")
    at = AppTest.from_function(_failing_page).run()
    assert not at.exception
    (error,) = at.error
    ref = re.search(r"参考编号 (\S+?)）", error.value).group(1)
    assert f"reference {ref}" in error.value  # both languages, the same number
    assert "secret detail" not in error.value and "/srv/" not in error.value and "RuntimeError" not in error.value
    (record,) = [r for r in caplog.records if ref in r.getMessage()]
    assert record.exc_info and "secret detail" in str(record.exc_info[1])


def test_a_planning_error_shows_its_own_message_without_the_servers_paths() -> None:
    import html

    at = AppTest.from_function(_planning_error_page).run()
    (error,) = at.error
    text = html.unescape(error.value)
    assert "up.csv：第 3 行有误" in text and "/srv/" not in text
