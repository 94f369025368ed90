"""What a PDF and a DOCX may say: no server path, no attribute key, one verdict vocabulary.

A 3,000-head pig farm half inside a grade-1 water-source zone is screened by the engine
against a zone store at an absolute path (as the CLI names it when typed so), then printed
as PDF and DOCX in both languages. The text a reader sees is taken from the files
themselves (poppler's pdftotext; python-docx), not from the document model.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from shapely.geometry import Polygon

from tests.ui.conftest import build_store, lonlat
from zoning.engine import screen
from zoning.model import Project
from zoning.report import render_report

POPPLER = shutil.which("pdftotext") is not None
#: Words of the second vocabulary the reports once printed beside the verdict (需论证 next
#: to 需核实), and the line that carried it.
OTHER_VOCABULARY = {"zh": ("不符合", "需论证", "综合判定"), "en": ("Does not conform", "Needs justification", "Conforms",
                                                             "Overall verdict")}
VERDICT_WORDS = {"zh": "筛查结论：禁止", "en": "Conclusion: Prohibited"}
ATTRIBUTE_LABEL = {"zh": "养殖规模（存栏/出栏，头）：3000", "en": "Scale (head in stock / sold per year): 3000"}


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory):
    store = _deep_store(tmp_path_factory)
    corners = [lonlat(x, y) for x, y in ((900, 100), (1100, 100), (1100, 200), (900, 200))]
    project = Project("示范生猪养殖场", "livestock_farm", Polygon(corners), attributes={"scale_head": 3000})
    (result,) = screen([project], str(store))
    assert Path(result.data.zones).is_absolute()  # the store is named by its full path here
    return result, store


def _deep_store(factory: pytest.TempPathFactory) -> Path:
    folder = factory.mktemp("srv") / "app" / "data"
    folder.mkdir(parents=True)
    return build_store(folder / "zones_test.gpkg")


def _pdf_text(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _check(text: str, lang: str, store: Path) -> None:
    flat = "".join(text.split())  # undo line wrapping inside cells and paragraphs
    assert str(store.parent) not in text and str(store.parent).replace("/", "") not in flat.replace("/", "")
    assert not re.search(r"(?<![\w.:/])/(tmp|srv|home|root|work)/", text), re.findall(r"/\w+/[^\s]*", text)
    assert "scale_head" not in text and "livestock_farm" not in text
    assert "".join(ATTRIBUTE_LABEL[lang].split()) in flat
    assert "".join(VERDICT_WORDS[lang].split()) in flat
    for word in OTHER_VOCABULARY[lang]:
        assert "".join(word.split()) not in flat, word
    assert "zones_test.gpkg" in flat  # the store is still named, by its file name


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_has_no_path_no_keys_and_one_vocabulary(farm, lang: str) -> None:
    result, store = farm
    _check(_pdf_text(render_report([result], "pdf", lang=lang, maps=False)), lang, store)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_docx_has_no_path_no_keys_and_one_vocabulary(farm, lang: str) -> None:
    result, store = farm
    _check(_docx_text(render_report([result], "docx", lang=lang, maps=False)), lang, store)


def test_csv_has_one_verdict_column_per_project(farm) -> None:
    result, _store = farm
    header = render_report([result], "csv", lang="zh").decode("utf-8-sig").splitlines()[0].split(",")
    assert "项目结论" in header and "结论" not in header
