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


def test_bad_type_cells_set_their_rows_aside_and_the_rest_is_screened(app) -> None:
    """25 rows name a type that does not exist: all 25 are listed with row, column, value and
    reason, and the 15 good rows are screened; one type for all then screens all 40."""
    at = page(app, "batch")
    data = _batch_geojson().replace("一般工业项目".encode(), "火箭发射场".encode())
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", data, "application/geo+json")).run()
    assert not at.exception and not at.error
    assert "25 行无法筛查" in at.warning[0].value and "其余 15 个项目照常筛查" in at.warning[0].value
    problems = at.dataframe[0].value  # the rows set aside, above the results
    assert list(problems["行号"]) == list(range(16, 41))
    assert set(problems["列"]) == {"类型"} and set(problems["值"]) == {"火箭发射场"}
    assert all("无法识别" in reason for reason in problems["原因（应为）"])
    assert at.button(key=state.BATCH_RUN).label == "开始筛查 15 个项目"
    at.button(key=state.BATCH_RUN).click().run()
    assert {m.label: m.value for m in at.metric}["禁止"] == "15"
    table = at.dataframe(key=state.BATCH_TABLE).value
    assert list(table["文件行号"]) == list(range(1, 16))
    at.selectbox(key=state.BATCH_TYPE_COL).set_value("").run()  # ignore the column: one type for all
    assert not at.error and not any("无法筛查" in w.value for w in at.warning)
    at.selectbox(key=state.BATCH_FIXED_TYPE).set_value("industrial").run()
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["禁止"] == "15" and metrics["不涉及"] == "25"


def test_the_filter_drives_the_map_the_detail_and_the_downloads(app) -> None:
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", _batch_geojson(), "application/geo+json")).run()
    at.button(key=state.BATCH_RUN).click().run()
    at.multiselect(key=state.BATCH_FILTER_VERDICT).set_value(["prohibited"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("导出文件只含当前筛选的 15 个项目（共 40 个）" in c.value for c in at.caption)
    csv = at.session_state["batch.reports"][1]["csv"].decode("utf-8-sig").splitlines()
    names = {line.split(",")[1] for line in csv[1:]}
    assert len(names) == 15 and all(n.startswith("水源内") for n in names), names
    # the detail: only the projects shown can be picked; picking one shows its conflicts
    pick = at.selectbox(key=state.BATCH_DETAIL)
    assert len(pick.options) == 15
    pick.set_value(pick.options[0]).run()
    assert not at.exception, [e.value for e in at.exception]
    text = "\n".join(m.value for m in at.markdown)
    assert "data-verdict='prohibited'" in text and "《水污染防治法》第六十五条" in text


def test_pinyin_coordinate_columns_of_a_table_are_recognised_and_shown(app) -> None:
    csv = "项目名称,类型,建设单位,jd,wd\n" + "\n".join(
        f"厂{i},一般工业项目,某公司{i},{lon:.9f},{lat:.9f}" for i, (lon, lat) in enumerate([lonlat(500, 500), lonlat(-8000, -8000)]))
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("清单.csv", csv.encode("utf-8"), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.selectbox(key=f"{state.BATCH_UPLOAD}.x_col").value, at.selectbox(key=f"{state.BATCH_UPLOAD}.y_col").value) == ("jd", "wd")
    assert at.selectbox(key=state.BATCH_OWNER_COL).value == "建设单位"
    at.button(key=state.BATCH_RUN).click().run()
    table = at.dataframe(key=state.BATCH_TABLE).value
    assert list(table["建设单位"]) == ["某公司0", "某公司1"] and list(table["结论"]) == ["禁止", "不涉及"]


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


def test_projects_unlike_their_type_are_listed_by_row_and_screened(app) -> None:
    """Row 2 is a road given as a point, row 3 a "chemical project" the size of a county
    (70 km x 60 km): both are screened and listed by row for the reviewer to check."""
    def square(x0: float, y0: float, x1: float, y1: float) -> list[list[list[float]]]:
        return [[list(lonlat(x, y)) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]]

    feats = [
        ("一号厂", "一般工业项目", {"type": "Polygon", "coordinates": square(-5000, -5000, -4900, -4900)}),
        ("村道", "道路", {"type": "Point", "coordinates": list(lonlat(-6000, -6000))}),
        ("化工园", "化工项目", {"type": "Polygon", "coordinates": square(-30_000, -30_000, 40_000, 30_000)}),
    ]
    coll = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"项目名称": n, "类型": k}, "geometry": g} for n, k, g in feats]}  # fmt: skip
    at = page(app, "batch")
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("mixed.geojson", json.dumps(coll, ensure_ascii=False).encode(),
                                                        "application/geo+json")).run()  # fmt: skip
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert sum(int(m.value) for m in at.metric) == 3  # all three screened
    (checks,) = [e for e in at.expander if e.label.startswith("需核对图形或规模的项目")]
    assert checks.label == "需核对图形或规模的项目（2 条提示，均已照常筛查）"
    text = shown("\n".join(m.value for m in checks.markdown))
    lines = text.splitlines()
    assert lines[0].startswith("- 第 2 行 村道：“道路”通常以线或面表示，本项目为点"), lines
    assert lines[1].startswith("- 第 3 行 化工园：项目面积 420,0") and "远大于“化工项目/化工园区”的常见规模" in lines[1], lines
