"""AppTest smoke tests: every page runs, in Chinese and in English, with the shared sidebar."""

from __future__ import annotations

import pytest

from tests.ui.conftest import page, shown
from ui import state

PAGES = ["screen", "batch", "public", "about"]
TITLES = {
    "screen": ("项目筛查", "Screen a project"),
    "batch": ("批量审查", "Batch review"),
    "public": ("公众查询", "Public map"),
    "about": ("关于与数据", "About & data"),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_runs_in_chinese_then_english(app, name: str) -> None:
    at = page(app, name)
    assert at.title[0].value == TITLES[name][0]
    assert not at.error
    # The sidebar is shared: data version and the 示意 notice (the test store is illustrative).
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "数据版本" in captions
    assert any("示意数据，不具法律效力" in w.value for w in at.sidebar.warning)
    at.sidebar.radio(key=state.LANG).set_value("en").run()
    assert not at.exception
    assert at.title[0].value == TITLES[name][1]
    assert "Data version" in " ".join(c.value for c in at.sidebar.caption)


def test_default_page_is_screen(app) -> None:
    assert app.title[0].value == "项目筛查"


def test_about_shows_the_full_data_hash_and_layers(app, test_store) -> None:
    import hashlib

    at = page(app, "about")
    digest = hashlib.sha256(test_store.read_bytes()).hexdigest()
    assert any(digest in m.value for m in at.markdown)
    # The store is named, but not the server's folders (it lies outside the app here).
    assert any(test_store.name in m.value for m in at.markdown)
    assert not any(str(test_store.parent) in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert sorted(table["图层代码"]) == ["admin", "eco_redline", "water_source"]
    assert dict(zip(table["图层代码"], table["要素数"], strict=True)) == {"admin": 1, "eco_redline": 1, "water_source": 2}
    # Sources and licences come from data/attribution.yaml; GeoNames requires its line.
    sources = at.dataframe[1].value
    geonames = sources[sources["数据"] == "GeoNames"].iloc[0]
    assert geonames["许可"] == "CC BY 4.0" and "www.geonames.org" in geonames["署名说明"] and geonames["许可要求署名"] == "是"


def test_missing_store_is_a_clear_message_not_a_traceback(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ZONING_STORE", str(tmp_path / "nowhere.gpkg"))
    at = page(app, "public")
    assert at.error, "expected an error message"
    assert "nowhere.gpkg" in shown(at.error[0].value)
    # the visitor learns which file, not where the server keeps it
    assert str(tmp_path) not in shown(at.error[0].value)
