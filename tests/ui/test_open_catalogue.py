"""The app picks up a deployment's own catalogue and rules from ZONING_CATALOG / ZONING_RULES."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from tests.open_catalogue import write_open_catalogue
from tests.ui.conftest import APP, GK, _square, coords_text, state


def test_screen_page_uses_the_catalogue_and_rules_of_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mining right (有效) x 0..1000 m, y 0..1000 m: a road site inside it gets MR01 conditional."""
    catalog, rules = write_open_catalogue(tmp_path)
    store = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"name": ["甲矿"], "status": ["有效"]}, geometry=[_square(0, 0, 1000, 1000)], crs=GK).to_file(
        store, layer="mining_right"
    )
    monkeypatch.setenv("ZONING_STORE", str(store))
    monkeypatch.setenv("ZONING_CATALOG", str(catalog))
    monkeypatch.setenv("ZONING_RULES", str(rules))
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")  # the screen page without signing in
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text([(400, 400), (600, 400), (600, 600), (400, 600)])).run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("road").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert list(table["规则编号"]) == ["MR01"]
    assert "压覆矿产资源须经审批" in " ".join(md.value for md in at.markdown)
    for name in ("public", "batch", "about"):
        at.switch_page(f"pages/{name}.py")
        at.run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert not at.error, (name, [e.value for e in at.error])
