"""The screen page shows the control units a project lies in (with its share of each), the
access list clause by clause and what the verdict covers; the batch table names the units.

A store built here on the app-test geometry (tests/ui/conftest.py): two control units split
at x = 500 m, a province-wide clause, one unit clause, and a unit and clause whose names are
markup (they must arrive as text). A 200 m x 100 m site at x 400..600 lies half in each unit:
shares 50 / 50 by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from tests.ui.conftest import GK, _square, build_store, coords_text, page
from ui import state

HOSTILE = "<img src=x onerror=alert(1)>[链接](javascript:alert(1))"


@pytest.fixture(scope="module")
def unit_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_store(tmp_path_factory.mktemp("units") / "zones_units.gpkg")
    units = gpd.GeoDataFrame(
        {"code": ["ZH43032110001", "ZH43032130001"], "name": ["测试优先保护单元", f"测试一般管控单元{HOSTILE}"],
         "category": ["优先保护单元", "一般管控单元"], "subtype": ["饮用水水源保护区", "一般管控区"],
         "legal_status": ["示意", "示意"]},
        geometry=[_square(-10000, -10000, 500, 10000), _square(500, -10000, 10000, 10000)], crs=GK,
    )  # fmt: skip
    units.to_file(path, layer="env_control_unit", driver="GPKG")
    clauses = pd.DataFrame(
        {"scope": ["省级", "ZH43032110001"], "dimension": ["空间布局约束", "污染物排放管控"],
         "text": ["建设项目须符合所在单元的准入清单", f"单元内禁止新建排放污染物的工业项目{HOSTILE}"],
         "applies_to": [None, "industrial"], "verdict": [None, "prohibited"], "basis": ["测试依据", "测试单元清单"],
         "confidence": ["secondary", "unverified"], "legal_status": ["示意", "示意"]}
    )  # fmt: skip
    pyogrio.write_dataframe(clauses, path, layer="access_clause", driver="GPKG")  # a table, no geometry
    return path


@pytest.fixture
def unit_app(unit_store: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    monkeypatch.setenv("ZONING_STORE", str(unit_store))
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")  # the page's own test; roles: tests/ui/test_access.py
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return page(at, "screen")


def _frame_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_screen_page_shows_units_shares_clauses_and_coverage(unit_app) -> None:
    at = unit_app
    at.radio(key=state.SCREEN_INPUT_MODE).set_value("typed").run()
    at.text_area(key=state.SCREEN_COORDS).input(coords_text([(400, 2000), (600, 2000), (600, 2100), (400, 2100)])).run()
    at.radio(key=state.SCREEN_GEOM_KIND).set_value("polygon").run()
    at.selectbox(key=state.SCREEN_TYPE).set_value("industrial").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "与生态环境分区管控要求的符合性分析" in [s.value for s in at.subheader]
    units = _frame_with(at, "单元编码")
    assert list(units["单元编码"]) == ["ZH43032110001", "ZH43032130001"]
    assert list(units["占项目比例（%）"]) == [pytest.approx(50.0, abs=0.1)] * 2
    assert units["单元名称"].iloc[1] == f"测试一般管控单元{HOSTILE}"  # the name as typed, in a plain-text table
    clauses = _frame_with(at, "准入要求")
    assert list(clauses.columns[:5]) == ["结论", "管控维度", "准入要求", "本项目情况", "符合性"]
    assert list(clauses["结论"]) == ["需核实", "禁止", "需核实"]  # general; unit 1's own; unit 2's category default
    assert clauses["符合性"].iloc[1] == "禁止\n待法规核实"  # one verdict vocabulary (issue 17), then the confidence
    assert "ECU02" in clauses["准入要求"].iloc[2]
    # the clause verdicts count: prohibited overall although no zone is touched
    badge = next(md.value for md in at.markdown if "ez-verdict" in md.value)
    assert "data-verdict='prohibited'" in badge
    assert "主要依据：生态环境准入清单（ZH43032110001）· 污染物排放管控" in badge  # decided by a clause, not a zone
    coverage = [h.proto.body for h in at.get("html")]
    assert any("本结论覆盖范围" in body and "已筛查" in body for body in coverage), coverage


def test_the_coverage_sentence_is_escaped_html() -> None:
    """Layer titles in it come from the catalogue (data): a title that is markup stays text."""
    import dataclasses

    from ui.compliance_view import coverage_html
    from zoning.model import CoverageInfo

    fake = type("R", (), {})()
    fake.coverage = dataclasses.replace(CoverageInfo(), statement_zh=f"已筛查：{HOSTILE}。")
    out = coverage_html(fake, "zh")  # type: ignore[arg-type]
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_batch_table_names_the_units(unit_store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, lonlat

    monkeypatch.setenv("ZONING_STORE", str(unit_store))
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")  # the page's own test; roles: tests/ui/test_access.py
    features = [{"type": "Feature", "properties": {"name": f"点{i}", "type": "industrial"},
                 "geometry": {"type": "Point", "coordinates": list(lonlat(x, 2000))}} for i, x in enumerate((0, 2000))]
    upload = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at = page(at, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("p.geojson", upload, "application/geo+json")).run()
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = _frame_with(at, "所在管控单元")
    assert table["所在管控单元"].iloc[0].startswith("ZH43032110001 测试优先保护单元（优先保护单元，100.0%）")
    assert table["所在管控单元"].iloc[1].startswith("ZH43032130001 ")


def test_public_map_answers_with_the_unit_and_its_list(unit_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A point in the priority unit (x 200 m): the unit, the province's list, then the unit's
    own clause; a point in the general unit (x 2,000 m), which has no list: its category's
    default rule (ECU02, data/rules.yaml)."""
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, lonlat
    from ui.search import SearchKeys

    monkeypatch.setenv("ZONING_STORE", str(unit_store))
    monkeypatch.setenv("ZONING_OPEN_SCREENING", "1")  # the page's own test; roles: tests/ui/test_access.py
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at = page(at, "public")
    for dx, code, lists in ((200, "ZH43032110001", ["省级通用清单", "本单元清单"]),
                            (2000, "ZH43032130001", ["省级通用清单", "类别默认要求（ECU02）"])):  # fmt: skip
        lon, lat = lonlat(dx, 2000)
        at.text_input(key=SearchKeys("public").text).input(f"{lon:.9f}, {lat:.9f}").run()  # the page's search box
        assert not at.exception, [e.value for e in at.exception]
        assert any(m.value == "**环境管控单元与生态环境准入清单**" for m in at.markdown)
        units = _frame_with(at, "单元编码")
        assert list(units["单元编码"]) == [code]
        listing = _frame_with(at, "适用项目")
        assert list(listing["清单"]) == lists
        assert listing["适用项目"].iloc[0] == "所有项目"
