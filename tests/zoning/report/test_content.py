"""The report model: numbers, conclusion mapping, tables and notes, checked against the fixture arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from gis.errors import InputError
from gis.text import Text
from zoning.report.content import build_document, report_number
from zoning.report.document import Conclusion, Figure, Heading, KeyValues, Paragraph, Table
from zoning.report.i18n import conclusion_label, fmt_datetime
from zoning.report.numbering import chinese_numeral

from .conftest import farm_result, housing_result, make_store, mine_result, road_result

PRINTED = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8)))


def _texts(doc) -> str:
    parts = [doc.title, doc.subtitle, doc.mark, doc.banner]
    for b in doc.blocks:
        if isinstance(b, (Heading, Paragraph)):
            parts.append(b.text)
        elif isinstance(b, (Table, KeyValues)):
            parts += [c for row in b.rows for c in row]
        elif isinstance(b, Conclusion):
            parts += [b.headline, b.verdict_line, *b.reasons]
    return "\n".join(parts)


@pytest.mark.parametrize(("verdict", "zh", "en"), [
    ("prohibited", "禁止", "Prohibited"),
    ("conditional", "有条件准入", "Conditional"),
    ("review", "需核实", "Needs review"),
    ("clear", "不涉及", "Not affected"),
])
def test_one_verdict_vocabulary(verdict: str, zh: str, en: str) -> None:
    """The conclusion is said in the verdict's own words (the palette's), never in a second
    vocabulary (不符合/需论证/符合) beside them."""
    assert conclusion_label(verdict, "zh") == zh
    assert conclusion_label(verdict, "en") == en


def test_report_number_is_deterministic_and_content_sensitive(farm) -> None:
    number = report_number([farm])
    assert number.startswith("EZS-20261122-")
    assert len(number) == len("EZS-20261122-") + 8
    assert report_number([farm]) == number
    # the timestamp does not enter the hash; the content does
    later = dataclasses.replace(farm, generated_at="2026-11-22T18:00:00+08:00")
    assert report_number([later]) == number
    other = dataclasses.replace(farm, verdict="review")
    assert report_number([other]) != number


def test_project_document_holds_overview_conclusion_and_conflicts(store, farm) -> None:
    doc = build_document([farm], store=store, maps=False, printed_at=PRINTED)
    text = _texts(doc)
    conclusion = next(b for b in doc.blocks if isinstance(b, Conclusion))
    assert conclusion.headline == "筛查结论：禁止"
    assert conclusion.verdict_line == "项目涉及禁止建设的保护区，原则上不得在此选址。"
    # 100 m x 120 m farm = 12,000 m² = 1.2 ha; 5,000 m² in 一级 = 41.7 %
    assert "12,000 m²（1.20 公顷）" in text
    assert "项目与其重叠 5,000 m²，占项目面积 41.7%" in text
    assert "《水污染防治法》第六十五条" in text
    assert "《畜禽规模养殖污染防治条例》第十一条；《畜牧法》第四十条" in text
    assert ("项目类型", "畜禽规模养殖场/养殖小区") in next(b for b in doc.blocks if isinstance(b, KeyValues)).rows
    assert "livestock_farm" not in text  # the label, never the key
    assert doc.mark == "示意数据，不具法律效力"
    assert doc.meta[2] == ("报告生成时间", "2026年11月23日 09:30（UTC+08:00）")
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert headings[:5] == ["一、项目概况", "二、筛查结论", "三、涉及管控要素一览表", "四、与生态环境分区管控要求的符合性分析",
                            "五、周边敏感区"]
    table = next(b for b in doc.blocks if isinstance(b, Table) and "法律依据" in b.columns)
    assert len(table.rows) == 3
    assert table.rows[0][4] == "禁止\nDWS01"


def test_vertex_table_lists_corners_in_gauss_kruger(store, farm) -> None:
    doc = build_document([farm], store=store, maps=False)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[0] == "序号" and "经度(°)" in b.columns)
    assert len(table.rows) == 4  # the rectangle's four corners, closing repeat dropped
    from .conftest import X0, Y0

    # corners x 250/350, y 100/220 m from the origin: X (north) = Y0 + y, Y (east) = X0 + x
    expected = {(f"{Y0 + y:,.2f}", f"{X0 + x:,.2f}") for x in (250, 350) for y in (100, 220)}
    assert {(row[3], row[4]) for row in table.rows} == expected


def test_unverified_rule_says_to_be_confirmed(store) -> None:
    doc = build_document([mine_result(store)], store=store, maps=False)
    text = _texts(doc)
    assert "待法规核实" in text
    assert "筛查结论：需核实" in text


def test_clear_project_conforms_but_names_the_absent_layers(store) -> None:
    doc = build_document([housing_result(store)], store=store, maps=False)
    text = _texts(doc)
    assert "筛查结论：不涉及" in text
    assert "未纳入筛查的图层" in text and "长株潭生态绿心" in text
    # illustrative data: a clear verdict on 示意 layers has no legal force either
    assert doc.mark


def test_official_data_has_no_mark() -> None:
    official = make_store(legal_status="法定")
    result = farm_result(official)
    result = dataclasses.replace(result, conflicts=tuple(dataclasses.replace(c, legal_status="法定")
                                                         for c in result.conflicts), nearby=())
    doc = build_document([result], store=official, maps=False)
    assert doc.mark == "" and doc.banner == ""
    text = _texts(doc)
    assert "示意数据" not in text and "〔示意〕" not in text


def test_english_document(store, farm) -> None:
    doc = build_document([farm], store=store, maps=False, lang="en")
    text = _texts(doc)
    assert doc.title == "Eco-zoning Conflict Screening Report"
    assert "Conclusion: Prohibited" in text
    assert "Illustrative data, no legal force" in doc.mark


def test_batch_summary_counts(store, batch) -> None:
    doc = build_document(batch, store=store, maps=False)
    by_verdict = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[:2] == ("结论", "项目数"))
    counts = {row[0]: row[1] for row in by_verdict.rows}
    assert counts == {"禁止": "1", "有条件准入": "1", "需核实": "1", "不涉及": "1", "合计": "4"}
    by_county = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[0] == "县（市、区）")
    assert {row[0]: row[-1] for row in by_county.rows} == {"湘潭县": "2", "雨湖区": "2"}
    by_layer = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[:2] == ("管控图层", "涉及项目数"))
    assert {row[0]: row[1] for row in by_layer.rows} == {"生态保护红线": "2", "畜禽养殖禁养区/限养区": "1",
                                                        "饮用水水源保护区": "1"}
    headings = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert "项目4：示例安置小区" in headings


def test_batch_map_budget_is_noted(store, batch) -> None:
    doc = build_document(batch, store=store, max_maps=2)
    figures = [b for b in doc.blocks if isinstance(b, Figure)]
    assert len(figures) == 2  # the batch map and one more; the rest are left out ...
    assert "仅为前" in _texts(doc)  # ... and the report says so


def test_character_outside_the_font_is_marked_and_listed(store) -> None:
    result = farm_result(store, name="𠀾村示范养殖场")  # U+2003E, CJK Extension B
    doc = build_document([result], store=store, maps=False)
    text = _texts(doc)
    assert "U+2003E" in text


def test_no_results_and_bad_language_are_input_errors(store, farm) -> None:
    with pytest.raises(InputError, match="at least one screening result"):
        build_document([], store=store)
    with pytest.raises(InputError, match="report language 'fr' is not supported"):
        build_document([farm], store=store, lang="fr")


def test_changed_store_drops_zone_backdrop_with_a_note(farm) -> None:
    # no store given: the recorded path does not exist -> maps without zones, and a note
    doc = build_document([farm], maps=False)
    assert "无法打开或已变更" in _texts(doc)


def test_helpers() -> None:
    assert [chinese_numeral(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]
    assert fmt_datetime("2026-11-22T10:05:00+08:00", "zh") == "2026年11月22日 10:05（UTC+08:00）"


def _note_lines(doc) -> list[str]:
    start = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text.endswith(("说明", "Notes")))
    end = next(i for i, b in enumerate(doc.blocks) if i > start and isinstance(b, Heading))
    return [b.text for b in doc.blocks[start + 1:end]]


def test_batch_notes_are_listed_once_with_the_projects_they_concern(store) -> None:
    """Five projects: A on all of them, B on 1, 2 and 5, C on project 4 only (and A twice on 3)."""
    notes = [("A", "B"), ("A", "B"), ("A", "A"), ("A", "C"), ("A", "B")]
    batch = [dataclasses.replace(farm_result(store, name=f"场{i}", index=i - 1), notes=n)
             for i, n in enumerate(notes, start=1)]
    lines = _note_lines(build_document(batch, store=store, maps=False, details=False))
    assert lines == ["1. 全部 5 个项目：A", "2. 项目 1–2、5（共 3 个）：B", "3. [4] 场4：C"]
    en = _note_lines(build_document(batch, store=store, maps=False, details=False, lang="en"))
    assert en == ["1. All 5 projects: A", "2. Projects 1–2, 5 (3): B", "3. [4] 场4: C"]
    english = build_document(batch, store=store, maps=False, details=False, lang="en")
    assert english.subtitle == "Projects: 5"
    project_list = next(b for b in english.blocks if isinstance(b, Table) and b.columns[-1] == "Main conflict")
    assert project_list.rows[0][-1] == "Drinking-water source protection zone: 示例水厂水源 (Grade I)"
    single = _note_lines(build_document(batch[:1], store=store, maps=False))
    assert single == ["1. A", "2. B"]


def test_distance_rule_on_a_project_inside_the_feature_says_it_touches(store, farm) -> None:
    """A distance rule (shoreline, 1,000 m) fires with distance 0 on a project that lies in the
    river corridor: the report says it intersects, not "距其 0 m"; a project 774 m off keeps the distance."""
    from zoning.model import Conflict

    def shore(distance_m: float) -> Conflict:
        return Conflict("shoreline", "湘江干流岸线（示意水域）", "干流", "within_distance", 0.0, 0.0, 0.0,
                        distance_m, "prohibited", "SHL01", "禁止在岸线一公里范围内新建、扩建化工项目",
                        "《长江保护法》第二十六条", "verified", "示意", feature_id=0)

    for distance_m, sentence, cell in ((0.0, "项目与其相交（距离 0 m）", "相交\n距离 0 m"),
                                       (774.0, "项目距其 774 m", "距离 774 m")):
        result = dataclasses.replace(farm, conflicts=(shore(distance_m),))
        doc = build_document([result], store=store, maps=False)
        conclusion = next(b for b in doc.blocks if isinstance(b, Conclusion))
        head = f"「湘江干流岸线（示意水域）」（河流岸线，干流）：{sentence}，位于规则规定的距离范围内。"
        assert conclusion.reasons[0].startswith(head)
        table = next(b for b in doc.blocks if isinstance(b, Table) and "法律依据" in b.columns)
        assert table.rows[0][3] == cell


NOTES = (Text("CSV 编码 UTF-8", "CSV encoding UTF-8"),
         Text("部分规则待法规核实", "some rules applied are unverified: legal basis to be confirmed"),
         Text("已将 GCJ-02 坐标转换为 CGCS2000", "converted GCJ-02 coordinates to CGCS2000 (EPSG:4490)"),
         Text("示意数据，不具法律效力", "illustrative data, no legal force"))


def test_notes_print_only_the_half_in_the_report_language(store, farm) -> None:
    """The engine writes each note as a (Chinese, English) pair; a zh report prints the Chinese,
    an en report the English (as a sentence); the JSON keeps the whole note as "中文 / English"
    in ``notes`` and the pair in ``notes_i18n``."""
    result = dataclasses.replace(farm, notes=NOTES)
    zh = _note_lines(build_document([result], store=store, maps=False))
    assert zh == ["1. CSV 编码 UTF-8", "2. 部分规则待法规核实", "3. 已将 GCJ-02 坐标转换为 CGCS2000",
                  "4. 示意数据，不具法律效力"]
    en = _note_lines(build_document([result], store=store, maps=False, lang="en"))
    assert en == ["1. CSV encoding UTF-8", "2. Some rules applied are unverified: legal basis to be confirmed",
                  "3. Converted GCJ-02 coordinates to CGCS2000 (EPSG:4490)",
                  "4. Illustrative data, no legal force"]
    batch = [dataclasses.replace(result, project=dataclasses.replace(result.project, name=f"场{i}")) for i in (1, 2)]
    zh_batch = _note_lines(build_document(batch, store=store, maps=False, details=False))
    assert zh_batch[0] == "1. 全部 2 个项目：CSV 编码 UTF-8"
    assert all(" / " not in line for line in zh_batch)
    assert result.to_dict()["notes"] == [
        "CSV 编码 UTF-8 / CSV encoding UTF-8",
        "部分规则待法规核实 / some rules applied are unverified: legal basis to be confirmed",
        "已将 GCJ-02 坐标转换为 CGCS2000 / converted GCJ-02 coordinates to CGCS2000 (EPSG:4490)",
        "示意数据，不具法律效力 / illustrative data, no legal force"]
    assert result.to_dict()["notes_i18n"][0] == {"zh": "CSV 编码 UTF-8", "en": "CSV encoding UTF-8"}


def test_a_note_that_is_a_plain_string_is_never_split() -> None:
    """Only structured pairs have two halves: a joined string is not taken apart again
    (the bracket-counting splitter is gone), it reads the same in both languages."""
    from zoning._notes import note_in

    joined = "已忽略 GCJ-02/BD-09 / ignored"
    assert (note_in(joined, "zh"), note_in(joined, "en")) == (joined, joined)
    assert note_in("只有中文", "en") == "只有中文"
    pair = Text("读取“(根目录 / top level)”的 3 个要素", "read 3 features")
    assert (note_in(pair, "zh"), note_in(pair, "en")) == ("读取“(根目录 / top level)”的 3 个要素", "Read 3 features")


def test_conflict_table_does_not_repeat_a_grade_the_name_says(store, farm) -> None:
    named = dataclasses.replace(farm, conflicts=tuple(
        dataclasses.replace(c, feature=f"示例取水口 {c.zone}保护区（陆域）") if c.layer == "water_source" else c
        for c in farm.conflicts))
    doc = build_document([named], store=store, maps=False)
    table = next(b for b in doc.blocks if isinstance(b, Table) and "法律依据" in b.columns)
    assert [row[2] for row in table.rows] == ["示例取水口 一级保护区（陆域）\n〔示意〕", "示例取水口 二级保护区（陆域）\n〔示意〕",
                                              "湘潭县示例禁养区\n〔示意〕"]
    plain = build_document([farm], store=store, maps=False)
    table = next(b for b in plain.blocks if isinstance(b, Table) and "法律依据" in b.columns)
    assert table.rows[0][2] == "示例水厂水源（一级）\n〔示意〕"


def test_english_report_uses_ascii_punctuation_labels_and_sensible_precision(store, farm) -> None:
    """The farm is 100 m x 120 m = 12,000 m² = 1.20 ha; the road is 1,600 m long. Full-width
    punctuation stays only inside Chinese data (names, citations)."""
    doc = build_document([farm], store=store, maps=False, lang="en")
    overview = dict(next(b for b in doc.blocks if isinstance(b, KeyValues)).rows)
    assert overview["Project type"] == "Livestock farm / breeding community"
    assert overview["Area"] == "12,000 m² (1.20 ha)"
    assert "livestock_farm" not in _texts(doc)
    assert doc.colon == ": " and "Report No.: EZS-20261122-" in "\n".join(doc.texts())
    reasons = next(b for b in doc.blocks if isinstance(b, Conclusion)).reasons
    assert reasons[0].startswith('"示例水厂水源" (Drinking-water source protection zone, Grade I): the project overlaps '
                                 "it by 5,000 m² (41.7% of the project).")
    assert any(r.startswith("Layers not screened (absent from the store; the conclusion does not cover them): "
                            "Changsha-Zhuzhou-Xiangtan green heart, ") for r in reasons)
    table = next(b for b in doc.blocks if isinstance(b, Table) and "Legal basis" in b.columns)
    assert table.rows[0][2] == "示例水厂水源 (Grade I)\n[illustrative]"
    nearby = next(b for b in doc.blocks if isinstance(b, Table) and "Bearing" in b.columns)
    assert nearby.rows[0][3] == "General"  # the red line's category 一般, by the catalogue's English label
    mine = build_document([mine_result(store)], store=store, maps=False, lang="en")
    reason = next(b for b in mine.blocks if isinstance(b, Conclusion)).reasons[0]
    assert reason.endswith("（自然资发〔2022〕142号） (to be confirmed).")
    road = road_result(store)
    line = build_document([road], store=store, maps=False, lang="en")
    assert dict(next(b for b in line.blocks if isinstance(b, KeyValues)).rows)["Length"] == "1,600 m (1.60 km)"
    zh = build_document([road], store=store, maps=False)
    assert dict(next(b for b in zh.blocks if isinstance(b, KeyValues)).rows)["线路长度"] == "1,600 m（1.60 千米）"
    assert "项目与其重叠 5,000 m²" in _texts(build_document([farm], store=store, maps=False))


def test_data_sources_list_each_source_once_named_features_first(farm) -> None:
    """Water-source layer of 6 features with 5 sources (甲 and 乙 on the farm's two zones, 丙 on
    two others, 丁 and 戊 on one each): the layer row points to the table, which lists 甲 and
    乙 with the farm's feature, then 丙 (2 features), then one row for the 2 sources left."""
    store = make_store()
    ws = store.layers["water_source"]
    extra = ws.iloc[[1, 1, 1, 1]].copy()
    six = type(ws)(pd.concat([ws, extra], ignore_index=True), crs=ws.crs)
    six["source"] = ["来源甲", "来源乙", "来源丙", "来源丙", "来源丁", "来源戊"]
    store.layers["water_source"] = six
    result = farm_result(store)
    doc = build_document([result], store=store, maps=False)
    layers = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[:3] == ("管控图层", "要素数", "法律效力"))
    row = next(r for r in layers.rows if r[0] == "饮用水水源保护区")
    assert row[1:4] == ("6", "示意", "5 种，见下表")
    eco = next(r for r in layers.rows if r[0] == "生态保护红线")
    assert eco[3] == "示意"  # a layer of one source gets it in its own row
    sources = next(b for b in doc.blocks if isinstance(b, Table) and b.columns[-1] == "本报告涉及的要素")
    ws_rows = [r for r in sources.rows if r[0] in ("饮用水水源保护区", "")][:4]
    assert ws_rows[:3] == [("饮用水水源保护区", "1", "来源甲", "示例水厂水源"), ("", "1", "来源乙", "示例水厂水源"),
                           ("", "2", "来源丙", "—")]
    assert ws_rows[3][1] == "2" and ws_rows[3][2].startswith("其余 2 种来源说明")
    text = _texts(doc)
    assert text.count("来源丙") == 1 and "来源丁" not in text


def test_the_english_report_has_no_bilingual_status_labels(store, farm) -> None:
    """Issue 17 (words): legal status and the unverified-basis mark read in English alone
    in an English report ("Illustrative", not "示意 illustrative"); the only Chinese fixed
    text left is the illustrative-data mark, which DESIGN.md requires in both languages."""
    import re

    from zoning.report.i18n import ILLUSTRATIVE_MARK, wording

    doc = build_document([farm, mine_result(store)], store=store, maps=False, lang="en")
    text = _texts(doc)
    for bilingual in ("法定 official", "示意 illustrative", "混合 mixed", "待法规核实"):
        assert bilingual not in text
    layers = next(b for b in doc.blocks if isinstance(b, Table) and "Legal status" in b.columns)
    status = {row[layers.columns.index("Legal status")] for row in layers.rows}
    assert status and status <= {"Official", "Illustrative", "Mixed (includes illustrative)"}
    assert "(to be confirmed)" in text
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert [w for w in wording("en") if cjk.search(w)] == [ILLUSTRATIVE_MARK["en"]]
    zh = _texts(build_document([mine_result(store)], store=store, maps=False))
    assert "待法规核实" in zh  # the Chinese report keeps its term


def test_titles_and_zone_labels_come_from_the_catalogue_of_the_store_screened(store, farm, tmp_path) -> None:
    """A store opened with another catalogue (here the packaged one with the water-source
    layer retitled and its 一级 relabelled) gets that catalogue's words in its report, in
    the tables and on the maps' legends; with no store the packaged catalogue answers."""
    import dataclasses as dc
    import re

    import yaml

    from layers.catalog import load_catalog
    from layers.paths import CATALOG_PATH

    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    data["layers"]["water_source"]["title"] = {"zh": "集中式饮用水水源地", "en": "Public water supply zone"}
    data["layers"]["water_source"]["fields"]["grade"]["labels_en"]["一级"] = "Class 1"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    own = dc.replace(store) if dc.is_dataclass(store) else store
    own.catalog = load_catalog(path)  # what ZoneStore.open(path, catalog=...) carries
    zh = build_document([farm], store=own, maps=True)
    assert "集中式饮用水水源地" in _texts(zh) and "饮用水水源保护区" not in _texts(zh)
    assert any("集中式饮用水水源地" in b.caption for b in zh.blocks if isinstance(b, Figure))
    en = _texts(build_document([farm], store=own, maps=False, lang="en"))
    assert "Public water supply zone" in en and "(Class 1)" in en and not re.search(r"Grade I(?!I)", en)
    packaged = _texts(build_document([farm], maps=False))  # no store: the packaged catalogue
    assert "饮用水水源保护区" in packaged and "集中式饮用水水源地" not in packaged
