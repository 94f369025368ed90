"""Batch review flow: upload many projects, map columns, screen, summary, filter.

Expected verdicts from the layout of the test store (tests/ui/conftest.py) and the rule
matrix: industrial projects inside the grade-1 water-source square are prohibited (DWS01);
projects 8 km south-west of every zone are not affected.
"""

from __future__ import annotations

import json

from tests.ui.conftest import lonlat, page, shown
from ui import state

N_INSIDE = 15
N_FAR = 25


def _batch_geojson() -> bytes:
    features = []
    for i in range(N_INSIDE):  # points on a 60 m grid inside the grade-1 square (0..1000 m)
        dx, dy = 100 + 60 * (i % 10), 100 + 60 * (i // 10)
        features.append(("水源内" + str(i + 1), "工业项目" if i % 2 else "industrial", lonlat(dx, dy)))
    for i in range(N_FAR):  # around (-8000, -8000): > 9 km from every zone
        dx, dy = -8000 + 40 * (i % 5), -8000 + 40 * (i // 5)
        features.append(("远处" + str(i + 1), "一般工业项目", lonlat(dx, dy)))
    coll = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"项目名称": name, "类型": kind},
         "geometry": {"type": "Point", "coordinates": list(xy)}}
        for name, kind, xy in features
    ]}  # fmt: skip
    return json.dumps(coll, ensure_ascii=False).encode("utf-8")


def test_batch_of_forty_projects(app) -> None:
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", _batch_geojson(), "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    # Columns were recognised by their Chinese names.
    assert at.selectbox(key=state.BATCH_NAME_COL).value == "项目名称"
    assert at.selectbox(key=state.BATCH_TYPE_COL).value == "类型"
    assert not at.dataframe  # nothing screened before the button
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"禁止": "15", "有条件准入": "0", "需核实": "0", "不涉及": "25"}
    table = at.dataframe[0].value
    assert len(table) == N_INSIDE + N_FAR
    assert list(table["序号"]) == list(range(1, 41))  # input order kept across screening chunks
    by_name = dict(zip(table["项目名称"], table["结论"], strict=True))
    assert by_name["水源内1"] == "禁止" and by_name["远处25"] == "不涉及"
    assert set(table["所在县（市、区）"]) == {"测试县"}
    # A reviewer exporting a batch is told what the screening does not decide, as on the screen page.
    assert any(e.label == "本工具不作出的判断" for e in at.expander)
    # Filter by verdict
    at.multiselect(key=state.BATCH_FILTER_VERDICT).set_value(["prohibited"]).run()
    filtered = at.dataframe[0].value
    assert len(filtered) == N_INSIDE and set(filtered["结论"]) == {"禁止"}
    # The results are kept: a rerun shows them without pressing the button again.
    at.run()
    assert len(at.dataframe[0].value) == N_INSIDE


def test_batch_with_one_type_for_all_and_a_bad_type_cell(app) -> None:
    at = page(app, "batch")
    data = _batch_geojson().replace("一般工业项目".encode(), "火箭发射场".encode())
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", data, "application/geo+json")).run()
    assert at.error and "火箭发射场" in at.error[0].value and "第 16 行" in at.error[0].value  # the Chinese text on a Chinese page
    at.selectbox(key=state.BATCH_TYPE_COL).set_value("").run()  # ignore the column: one type for all
    assert not at.error
    at.selectbox(key=state.BATCH_FIXED_TYPE).set_value("industrial").run()
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["禁止"] == "15" and metrics["不涉及"] == "25"


def test_a_head_count_column_named_in_chinese_is_proposed(app) -> None:
    """A county's livestock list: 场名 / 类型 / 年出栏（头）. The head-count column is proposed
    for 养殖规模 (its name holds the alias 年出栏), and the batch screens with it."""
    feats = [{"type": "Feature", "properties": {"场名": "一号猪场", "类型": "畜禽养殖场", "年出栏（头）": 3000},
              "geometry": {"type": "Point", "coordinates": list(lonlat(500, 500))}}]  # fmt: skip
    data = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode("utf-8")
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("farms.geojson", data, "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=f"{state.BATCH_ATTR_PREFIX}scale_head").value == "年出栏（头）"
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["禁止"] == "1"


def test_a_batch_over_the_servers_limit_is_refused_before_screening(app, monkeypatch) -> None:
    monkeypatch.setenv("ZONING_MAX_BATCH", "30")
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", _batch_geojson(), "application/geo+json")).run()
    assert not at.exception
    (error,) = at.error
    text = shown(error.value)
    assert "projects.geojson 的项目数为 40，超过上限 30" in text and "ZONING_MAX_BATCH" in text
    assert not at.main.button  # no run button: nothing is screened


def test_report_files_are_made_on_request_and_then_downloaded_as_fixed_bytes(app) -> None:
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", _batch_geojson(), "application/geo+json")).run()
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception
    make = at.button(key="batch.make_xlsx")
    assert make.label == "生成 XLSX"
    make.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.button if b.key == "batch.make_xlsx"]  # the button became the download
    kept = at.session_state["batch.reports"][1]
    assert kept["xlsx"][:2] == b"PK"  # an XLSX is a zip
    at.run()  # kept across reruns: the same bytes, so the same download address
    assert at.session_state["batch.reports"][1]["xlsx"] is kept["xlsx"]
