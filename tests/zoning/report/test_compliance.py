"""The 与生态环境分区管控要求的符合性分析 of the reports: the control units with their shares, the
access-list table EIA reports use (管控维度 | 准入要求 | 本项目情况 | 符合性), the coverage sentence
and the one reason for every layer without data — read back from the DOCX (python-docx) and
the PDF (poppler's pdftotext; pypdf garbles fpdf2's CID fonts, see test_formats) in both
languages, and the workbook's access-list sheet.

The result is built by hand (the fixture store of conftest.py): two units sharing the farm
60 / 40, a general clause that applies, one that does not, a unit clause and a category
default, and a layer without data where the farm lies.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import openpyxl
import pytest

from zoning.model import ClauseRecord, Conflict, CoverageInfo, UnitRecord
from zoning.report import render_report

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")

GENERAL = ClauseRecord(
    scope="省级", dimension="空间布局约束", text="生态环境分区管控成果是项目选址的重要依据", verdict="review",
    basis="《关于加强生态环境分区管控的意见》（2024年）", confidence="secondary", applies=True,
    finding_zh="适用于所有项目，须逐条核对本项目是否符合", finding_en="Applies to every project; check it",
    legal_status="示意",
)
NOT_FOR_FARMS = ClauseRecord(
    scope="湘潭市", dimension="空间布局约束", text="新建涉VOCs排放的工业企业须入园区", verdict="clear",
    basis="湘潭市\"十四五\"生态环境保护规划", confidence="unverified", applies=False, applies_to="industrial, emits_vocs",
    finding_zh="本项目（畜禽规模养殖场/养殖小区）不属本条适用对象", finding_en="Does not apply to this project",
    legal_status="示意",
)
OWN = ClauseRecord(
    scope="ZH43032110001", dimension="污染物排放管控", text="示例单元禁止新建排放污染物的养殖项目", verdict="prohibited",
    basis="示意条款", confidence="unverified", applies=True, finding_zh="本项目属本条适用对象",
    finding_en="The project is among those it applies to", unit="ZH43032110001", legal_status="示意",
)
DEFAULT = ClauseRecord(
    scope="ZH43032130001", dimension="空间布局约束", text="逐条核对准入清单", text_en="Check the access list clause by clause",
    verdict="review", basis="《关于加强生态环境分区管控的意见》", confidence="secondary", applies=True,
    finding_zh="本单元无自身准入清单，按一般管控单元类别默认要求", finding_en="Category default", origin="default",
    rule_id="ECU02", unit="ZH43032130001", legal_status="示意",
)
UNITS = (
    UnitRecord("ZH43032110001", "湘潭县示例优先保护单元", "优先保护单元", "饮用水水源保护区", 60.0,
               (GENERAL, NOT_FOR_FARMS, OWN), "示意", 0),
    UnitRecord("ZH43032130001", "湘潭县一般管控单元", "一般管控单元", "一般管控区", 40.0,
               (GENERAL, NOT_FOR_FARMS, DEFAULT), "示意", 1),
)
COVERAGE = CoverageInfo(
    missing=("green_heart",), outside=("basic_farmland",), checked=("water_source", "livestock_zone"),
    statement_zh="已筛查（在项目所在地有数据）：饮用水水源保护区、畜禽养殖禁养区/限养区。在项目所在地无数据、未能筛查：永久基本农田。",
    statement_en="Checked (data where the project lies): water source, livestock zone. No data where the project lies, not checked: farmland.",
)
NO_DATA = Conflict("basic_farmland", "", None, "no_coverage", 0.0, 0.0, 0.0, 0.0, "review", "COV01",
                   "该图层在此处无数据，未能据此图层筛查", "本工具数据覆盖规则", "verified", "示意")


@pytest.fixture(scope="module")
def result(farm):
    return dataclasses.replace(farm, units=UNITS, clauses=(GENERAL, NOT_FOR_FARMS, OWN, DEFAULT), coverage=COVERAGE,
                               conflicts=(*farm.conflicts, NO_DATA))


def _pdf_text(data: bytes, *, layout: bool = False) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(data)
        args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    """Without white space: narrow table columns wrap a word over lines (污染物排放 / 管控)."""
    return re.sub(r"\s+", "", text)


def _docx_table(document, first_header: str, header: str):
    return next(t for t in document.tables if t.rows[0].cells[0].text == first_header and header in
                [c.text for c in t.rows[0].cells])


def test_docx_has_the_units_and_the_conformity_table(result, store) -> None:
    document = docx.Document(io.BytesIO(render_report([result], "docx", store=store, maps=False)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "四、与生态环境分区管控要求的符合性分析" in headings
    units = _docx_table(document, "单元编码", "占项目比例(%)")
    assert [[c.text for c in r.cells] for r in units.rows[1:]] == [
        ["ZH43032110001", "湘潭县示例优先保护单元〔示意〕", "优先保护单元", "饮用水水源保护区", "60.0"],
        ["ZH43032130001", "湘潭县一般管控单元〔示意〕", "一般管控单元", "一般管控区", "40.0"],
    ]
    table = _docx_table(document, "序号", "符合性")
    assert [c.text for c in table.rows[0].cells] == ["序号", "管控维度", "准入要求", "本项目情况", "符合性"]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[1] for r in rows] == ["空间布局约束", "空间布局约束", "污染物排放管控", "空间布局约束"]
    assert rows[0][2] == "生态环境分区管控成果是项目选址的重要依据〔示意〕\n〔省级通用清单；依据：《关于加强生态环境分区管控的意见》（2024年）〕"
    assert rows[0][4] == "需核实\n依二手资料核实"  # one verdict vocabulary (issue 17), then the confidence
    assert rows[1][4] == "不涉及" and rows[1][3] == "本项目（畜禽规模养殖场/养殖小区）不属本条适用对象"
    assert rows[2][4] == "禁止\n待法规核实"
    assert "〔单元 ZH43032110001 清单；依据：示意条款〕" in rows[2][2]
    assert "〔单元 ZH43032130001 类别默认要求（ECU02）；依据：" in rows[3][2]
    # the conclusion says what the verdict covers, and names the layer without data once
    text = "\n".join(p.text for p in document.paragraphs)
    assert "数据覆盖：已筛查（在项目所在地有数据）：饮用水水源保护区" in text
    assert "以下图层在项目所在地无数据，未能据以筛查（需核实）：永久基本农田。" in text
    assert "生态环境准入清单中有 3 条要求适用于本项目，最严为“禁止”" in text


def test_pdf_has_the_same_table_in_chinese(result, store) -> None:
    text = _pdf_text(render_report([result], "pdf", store=store, maps=False))
    section = text[text.index("四、与生态环境分区管控要求的符合性分析"):text.index("五、周边敏感区")]
    for word in ("单元编码", "ZH43032110001", "60.0", "40.0", "管控维度", "准入要求", "本项目情况", "符合性",
                 "污染物排放管控", "示例单元禁止新建排放污染物的养殖项目", "禁止", "待法规核实",
                 "不涉及", "类别默认要求（ECU02）"):
        assert _flat(word) in _flat(section), word
    assert "数据覆盖：" in text[:text.index("三、涉及管控要素一览表")]


def test_english_report_words_the_table_in_english(result, store) -> None:
    text = _pdf_text(render_report([result], "pdf", store=store, maps=False, lang="en"))
    section = text[text.index("Conformity with the environmental zoning controls"):text.index("Sensitive zones nearby")]
    for word in ("Unit code", "Priority protection unit", "General control unit", "Dimension", "Requirement",
                 "This project", "Conformity", "Pollutant discharge control", "Check the access list clause by clause",
                 "Prohibited", "to be confirmed", "Not affected"):  # one verdict vocabulary (issue 17)
        assert _flat(word) in _flat(section), word
    assert _flat("Data coverage: Checked (data where the project lies)") in _flat(text)


def test_workbook_has_an_access_list_sheet_and_units_per_project(result) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_report([result], "xlsx")))
    assert wb.sheetnames == ["冲突一览", "项目汇总", "准入清单符合性", "数据与说明"]
    rows = list(wb["准入清单符合性"].iter_rows(values_only=True))
    assert rows[0][:6] == ("序号", "项目名称", "单元编码", "清单范围", "管控维度", "准入要求")
    assert [(r[3], r[6], r[8]) for r in rows[1:]] == [
        ("省级", "是", "需核实"), ("湘潭市", "否", "不涉及"), ("ZH43032110001", "是", "禁止"), ("ZH43032130001", "是", "需核实"),
    ]
    summary = list(wb["项目汇总"].iter_rows(values_only=True))
    assert summary[0][-2:] == ("所在管控单元", "数据覆盖")
    assert summary[1][-2] == "ZH43032110001 湘潭县示例优先保护单元（优先保护单元，60.0%）；ZH43032130001 湘潭县一般管控单元（一般管控单元，40.0%）"
    assert summary[1][-1] == COVERAGE.statement_zh


def test_a_store_without_units_says_so(farm, store) -> None:
    document = docx.Document(io.BytesIO(render_report([farm], "docx", store=store, maps=False)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "图层库无生态环境准入清单数据，未能逐条分析。" in text
