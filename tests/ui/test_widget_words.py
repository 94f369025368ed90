"""Streamlit's own widget words on a Chinese page: the uploader's button and limit line."""

from __future__ import annotations

import re
from pathlib import Path

from tests.ui.conftest import page
from ui import state
from ui.widget_words import widget_words_css

ROOT = Path(__file__).resolve().parents[2]


def test_the_uploader_words_are_chinese_on_a_chinese_page() -> None:
    css = widget_words_css("zh", max_upload_mb=50, types=["geojson", "csv"])
    assert 'content: "选择文件"' in css and 'content: "单个文件不超过 50 MB · 支持 GEOJSON、CSV"' in css
    assert widget_words_css("en", max_upload_mb=50, types=["csv"]) == ""


def test_the_style_sheet_is_on_every_page_and_no_multiselect_offers_select_all(app) -> None:
    at = page(app, "batch")
    assert any("选择文件" in h.proto.body for h in at.get("html")), "no widget-words style sheet on the page"
    sources = [*ROOT.joinpath("pages").glob("*.py"), *ROOT.joinpath("ui").glob("*.py")]
    calls = [m for p in sources for m in re.finditer(r"multiselect\((?:[^()]|\([^()]*\))*\)", p.read_text(encoding="utf-8"))]
    assert calls and all("select_all=False" in m.group(0) for m in calls)


def test_the_uploaders_accept_every_format_the_reader_reads_from_one_file(app) -> None:
    """The browser filters by the uploader's list before the reader sees a file: an .xlsx
    list or a 界址点 .txt left off it is refused with Streamlit's English "not allowed"."""
    expected = {"geojson", "json", "zip", "gpkg", "kml", "kmz", "csv", "xlsx", "txt", "wkt", "dxf"}  # gis/_formats.py, by hand
    for name in ("batch", "screen"):
        at = page(app, name)
        if name == "screen":
            at.radio(key=state.SCREEN_INPUT_MODE).set_value("upload").run()
        uploaders = at.get("file_uploader")
        assert uploaders, name
        assert all({t.lstrip(".") for t in u.proto.type} == expected for u in uploaders), [list(u.proto.type) for u in uploaders]
