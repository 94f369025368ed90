"""The files themselves: DOCX, PDF, XLSX, CSV, GeoPackage and zip, opened with independent readers."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from docx import Document as open_docx
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from gis.errors import InputError
from zoning.report import FORMATS, render_report, report_filename, write_report

POPPLER = shutil.which("pdffonts") is not None and shutil.which("pdftoppm") is not None
MARK = "示意数据，不具法律效力"


@pytest.fixture(scope="module")
def farm_pdf(store, farm) -> bytes:
    return render_report([farm], "pdf", store=store)


@pytest.fixture(scope="module")
def farm_docx(store, farm) -> bytes:
    return render_report([farm], "docx", store=store)


def _pdf_pages(data: bytes) -> list[str]:
    """Text of each page by poppler's pdftotext (pages split at form feeds).

    Not pypdf: fpdf2 encodes the CID-keyed CFF font through an embedded code->CID CMap
    (valid PDF, read correctly by poppler, PDF.js and Acrobat), which pypdf 7.1 decodes one
    byte at a time, garbling every glyph code above 255. pypdf still checks the structure.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    pages = text.split("\f")
    n = len(PdfReader(io.BytesIO(data)).pages)
    return pages[:n]


def test_registry_has_the_cli_formats() -> None:
    assert {"json", "csv", "docx", "pdf", "xlsx", "gpkg", "zip"} <= set(FORMATS)
    assert all(spec.name == name and spec.suffix in (f".{name}", f".{name}.zip") and "/" in spec.media_type
               for name, spec in FORMATS.items())
    # One media type per format, so an HTTP Accept header names exactly one.
    assert len({spec.media_type for spec in FORMATS.values()}) == len(FORMATS)
    assert {name for name, spec in FORMATS.items() if spec.stream} == {"json", "csv"}  # the rest need -o


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_pdf_text_has_verdict_features_bases_and_mark_on_every_page(farm_pdf) -> None:
    pages = _pdf_pages(farm_pdf)
    text = "".join("".join(pages).split())  # undo line wrapping inside paragraphs and cells
    assert "筛查结论：禁止" in text and "不符合" not in text and "需论证" not in text
    assert "示例水厂水源" in text and "湘潭县示例禁养区" in text
    assert "《水污染防治法》第六十五条" in text
    assert len(pages) >= 3
    assert all(MARK in "".join(page.split()) for page in pages)


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_pdf_embeds_the_cjk_font(farm_pdf, tmp_path: Path) -> None:
    path = tmp_path / "farm.pdf"
    path.write_bytes(farm_pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines() if "NotoSansCJK" in line]
    assert rows, out
    assert all(" yes yes " in row for row in rows)  # embedded, subset
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "筛查结论：禁止" in text  # copy-paste / search works in a real viewer


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_first_pdf_page_is_not_blank(farm_pdf, tmp_path: Path) -> None:
    path = tmp_path / "farm.pdf"
    path.write_bytes(farm_pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    dark = (pixels < 128).mean()
    assert pixels.std() > 20
    assert 0.01 < dark < 0.5  # text and tables, not an empty or black page


def test_docx_has_verdict_features_bases_and_mark_in_header(farm_docx) -> None:
    doc = open_docx(io.BytesIO(farm_docx))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    text = body + "\n" + cells
    assert "筛查结论：禁止" in text
    assert "示例水厂水源" in text and "湘潭县示例禁养区" in text
    assert "《水污染防治法》第六十六条" in text
    for section in doc.sections:  # the header repeats on every page
        assert MARK in "".join(p.text for p in section.header.paragraphs)
        assert MARK in "".join(p.text for p in section.footer.paragraphs)
    assert len(doc.inline_shapes) == 3  # overview + water_source + livestock_zone detail maps


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_english_pdf(store, farm) -> None:
    text = "\n".join(_pdf_pages(render_report([farm], "pdf", store=store, lang="en", maps=False)))
    assert "Conclusion: Prohibited" in text and "conform" not in text
    assert "Illustrative data, no legal force" in text


def test_xlsx_rows(store, batch) -> None:
    wb = load_workbook(io.BytesIO(render_report(batch, "xlsx")))
    ws = wb["冲突一览"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert header[0] == "序号" and "法律依据" in header
    body = rows[1:]
    # farm: 3 conflicts; road, mine: 1 each; housing: 1 row with no conflict
    assert len(body) == 6
    area = header.index("重叠面积(m²)")
    assert [r[area] for r in body[:3]] == [5000.0, 7000.0, 12000.0]
    confidence = header.index("依据核实")
    assert body[4][confidence] == "待法规核实"
    assert body[5][header.index("项目结论")] == "不涉及"
    assert "结论" not in header  # one verdict per project: no second vocabulary beside it
    assert MARK in wb["数据与说明"]["A1"].value


def test_csv_is_utf8_with_bom(store, batch) -> None:
    data = render_report(batch, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["序号", "项目名称"]
    assert len(rows) == 7


def test_gpkg_layers(store, batch, tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    write_report(batch, "gpkg", path, store=store)
    layers = dict(pyogrio.list_layers(path))
    assert {"project_polygons", "project_lines", "project_points", "zones_hit_polygons", "overlap_polygons",
            "overlap_lines", "report_info"} <= set(layers)
    assert pyogrio.read_info(path, layer="project_polygons")["crs"] == "EPSG:4490"
    overlaps = pyogrio.read_dataframe(path, layer="overlap_polygons")
    assert sorted(overlaps["overlap_area_m2"]) == [5000.0, 7000.0, 12000.0]
    zones = pyogrio.read_dataframe(path, layer="zones_hit_polygons")
    # zones hit: water 一级, 二级, the no-raise zone, the red line (by road and mine)
    assert sorted(zip(zones["layer"], zones["zone"], strict=True)) == [
        ("eco_redline", "一般"), ("livestock_zone", "禁养区"), ("water_source", "一级"), ("water_source", "二级")]
    info = dict(pyogrio.read_dataframe(path, layer="report_info")[["key", "value"]].values)
    assert MARK in info["legal_force"]


def test_zip_bundle(store, batch) -> None:
    data = render_report(batch, "zip", store=store, maps=False, doc_format="docx")  # docx: no font parsing, fast
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names[0] == "00_汇总_summary.docx"
    assert len([n for n in names if n.startswith("projects/")]) == 4
    assert {"conflicts.xlsx", "screening.gpkg"} <= set(names)


def test_unknown_format_and_unwritable_path(store, farm, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="report format 'odt' is not available"):
        render_report([farm], "odt")
    from gis.errors import DataSourceError

    with pytest.raises(DataSourceError, match="cannot write the csv report to"):
        write_report([farm], "csv", tmp_path / "missing" / "x.csv")


def test_report_filename(farm) -> None:
    assert report_filename([farm], "pdf").endswith("_湘潭县示范生猪养殖场.pdf")


def test_pdf_bundle_cuts_the_font_once_and_embeds_it_in_every_pdf(store, batch, monkeypatch, tmp_path: Path) -> None:
    """A bundle of 4 projects holds 5 PDFs. Each used to read and cut the 11 MB shipped face
    (regular + bold: 10 reads); now the faces are cut once for the bundle and no PDF opens them."""
    import fpdf.fonts

    from zoning.report import fonts

    opened: list[str] = []
    real_init = fpdf.fonts.TTFFont.__init__

    def recording(self, fpdf_obj, font_file_path, *args, **kwargs):
        opened.append(Path(font_file_path).name)
        return real_init(self, fpdf_obj, font_file_path, *args, **kwargs)

    monkeypatch.setattr(fpdf.fonts.TTFFont, "__init__", recording)
    cuts: list[Path] = []
    real_cut = fonts._cut
    monkeypatch.setattr(fonts, "_cut", lambda source, chars: cuts.append(source) or real_cut(source, chars))
    data = render_report(batch, "zip", store=store, maps=False)
    assert sorted(p.name for p in cuts) == sorted([fonts.REGULAR_PATH.name, fonts.BOLD_PATH.name])
    assert len(opened) == 10  # 5 PDFs x 2 faces ...
    assert fonts.REGULAR_PATH.name not in opened and fonts.BOLD_PATH.name not in opened  # ... none the shipped file
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in zf.namelist() if n.endswith(".pdf")]
    assert len(names) == 5
    if not POPPLER:
        return
    farm_pdf = next(n for n in names if "湘潭县示范生猪养殖场" in n)
    path = tmp_path / "farm.pdf"
    path.write_bytes(zf.read(farm_pdf))
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines() if "NotoSansCJK" in line]
    assert len(rows) == 2 and all(" yes yes yes " in row for row in rows), out
    text = "".join("".join(_pdf_pages(zf.read(farm_pdf))).split())
    assert "筛查结论：禁止" in text and "湘潭县示例禁养区" in text and "《水污染防治法》第六十五条" in text
    assert MARK in text


def test_cut_font_keeps_the_shipped_glyph_widths(tmp_path: Path) -> None:
    """The TrueType cut advances each character exactly as the shipped face does (read here
    with fontTools from the shipped file), so a bundle's PDFs wrap like a single report."""
    from fontTools.ttLib import TTFont

    from zoning.report import fonts

    sample = "饮用水水源一级保护区（陆域）Report No.: 12,000 m²〓"
    cut = fonts.subset_fonts(sample, tmp_path)
    assert cut.covers(sample) and not cut.covers("鳖")
    for shipped_path, cut_path in ((fonts.REGULAR_PATH, cut.regular), (fonts.BOLD_PATH, cut.bold)):
        with TTFont(shipped_path, lazy=True) as shipped, TTFont(cut_path) as small:
            assert "glyf" in small and "CFF " not in small
            shipped_cmap, small_cmap = shipped.getBestCmap(), small.getBestCmap()
            for ch in set(sample):
                if ord(ch) in shipped_cmap:
                    assert small["hmtx"][small_cmap[ord(ch)]][0] == shipped["hmtx"][shipped_cmap[ord(ch)]][0], ch


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_pdf_with_a_character_the_cut_font_lacks_falls_back_to_the_shipped_face(store, farm, tmp_path: Path) -> None:
    from zoning.report import fonts
    from zoning.report.content import build_document
    from zoning.report.pdf_writer import render_pdf

    doc = build_document([farm], store=store, maps=False)
    cut = fonts.subset_fonts(fonts.printed_chars(doc.texts()) - {"殖"}, tmp_path)
    text = "".join("".join(_pdf_pages(render_pdf(doc, fonts=cut))).split())
    assert "湘潭县示范生猪养殖场" in text


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_long_tables_repeat_their_heading_and_tall_rows_continue() -> None:
    """120 short rows need several pages: each page the table reaches starts with its heading
    row. A cell of 90 lines (taller than an A4 page) continues on the next page, all lines kept."""
    from zoning.report.document import Document, Table
    from zoning.report.pdf_writer import render_pdf

    rows = tuple((f"行{i:03d}", f"值{i}") for i in range(120))
    tall = "\n".join(f"第{i:02d}行" for i in range(90))
    doc = Document(lang="zh", title="表格", subtitle="", number="T-1", meta=(), header="表格",
                   blocks=(Table(("名称甲", "数值乙"), rows, (0.5, 0.5)), Table(("名称甲", "数值乙"), (("高", tall),), (0.5, 0.5))))
    pages = _pdf_pages(render_pdf(doc))
    assert len(pages) >= 5
    flat = ["".join(p.split()) for p in pages]
    with_rows = [p for p in flat if "行0" in p or "行1" in p]
    assert len(with_rows) >= 3 and all("名称甲" in p for p in with_rows)
    text = "".join(flat)
    assert all(f"行{i:03d}" in text for i in range(120))
    positions = [text.index(f"第{i:02d}行") for i in range(90)]
    assert positions == sorted(positions)
    assert sum(1 for p in flat if "第" in p) >= 2  # the tall row runs over a page break


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_english_title_block_uses_an_ascii_colon(store, farm) -> None:
    pdf_text = "\n".join(_pdf_pages(render_report([farm], "pdf", store=store, lang="en", maps=False)))
    assert "Report No.: EZS-" in pdf_text and "：" not in pdf_text.split("1. Project overview")[0]
    doc = open_docx(io.BytesIO(render_report([farm], "docx", store=store, lang="en", maps=False)))
    meta = [p.text for p in doc.paragraphs if p.text.startswith(("Report No.", "Screened at"))]
    assert meta[0].startswith("Report No.: EZS-") and meta[1].startswith("Screened at: 2026-11-22 10:00")
    zh = "\n".join(_pdf_pages(render_report([farm], "pdf", store=store, maps=False)))
    assert "报告编号：EZS-" in zh


def test_wrapping_breaks_a_long_english_word_after_its_hyphen() -> None:
    from fpdf import FPDF

    from zoning.report.fonts import REGULAR_PATH
    from zoning.report.pdf_writer import wrap_text

    pdf = FPDF()
    pdf.add_font("noto", "", str(REGULAR_PATH))
    pdf.set_font("noto", "", 8)
    width = pdf.get_string_width("Drinking-water") - 1  # the compound does not fit, each half does
    assert wrap_text(pdf, "Drinking-water source", width).split("\n") == ["Drinking-", "water source"]
    assert wrap_text(pdf, "Prohibited", pdf.get_string_width("Prohibited") + 0.1) == "Prohibited"
    for font in pdf.fonts.values():
        font.close()  # fpdf2 closes the lazily read face only when it writes a PDF


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_batch_pages_are_headed_with_the_batch_title(store, batch) -> None:
    pages = _pdf_pages(render_report(batch, "pdf", store=store, maps=False))
    assert len(pages) > 2
    for page in pages[1:]:
        assert "建设项目生态环境分区管控符合性批量筛查报告" in "".join(page.split()[:3])
    single = _pdf_pages(render_report(batch[:1], "pdf", store=store, maps=False))
    assert "批量" not in "".join(single[1].split()[:3])


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_a_heading_stays_with_the_start_of_its_table(tmp_path: Path) -> None:
    """Whatever the text above, a heading is never the last line of a page while its table
    (heading row plus a first row of 10 lines, ~50 mm) starts on the next."""
    from zoning.report.document import Document, Heading, Paragraph, Table
    from zoning.report.fonts import printed_chars, subset_fonts
    from zoning.report.pdf_writer import render_pdf

    tall = "\n".join(f"行{i}" for i in range(10))
    docs = []
    for n in range(24, 40):
        blocks = (*(Paragraph(f"填充段落{i}") for i in range(n)), Heading("三、要素一览表", 1),
                  Table(("列甲", "列乙"), (("甲", tall), ("乙", "短")), (0.5, 0.5)))
        docs.append(Document(lang="zh", title="标题", subtitle="", number="T-2", meta=(), header="标题", blocks=blocks))
    cut = subset_fonts(printed_chars(docs[-1].texts()), tmp_path)  # 16 PDFs: cut the face once
    for n, doc in enumerate(docs, start=24):
        pages = ["".join(p.split()) for p in _pdf_pages(render_pdf(doc, fonts=cut))]
        heading_page = next(i for i, p in enumerate(pages) if "三、要素一览表" in p)
        assert "列甲" in pages[heading_page] and "行0" in pages[heading_page], n


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_english_table_words_are_not_split_inside(store, batch) -> None:
    """Column widths fit the English labels: a word broken inside ('Prohibite' / 'd') would
    not appear whole in the extracted text."""
    text = "\n".join(_pdf_pages(render_report(batch, "pdf", store=store, lang="en", maps=False)))
    for word in ("Prohibited", "Conditional", "review", "affected", "Conflicts", "Conclusion", "checked",
                 "Features", "Drinking-"):
        assert word in text, word


def test_documents_of_a_bundle_share_wrapped_text(store, farm, monkeypatch) -> None:
    """The second document with the same data-source table, notes and disclaimer wraps only
    what differs (here: nothing but the changed project name)."""
    import dataclasses

    from zoning.report import pdf_writer
    from zoning.report.content import build_document

    doc = build_document([farm], store=store, maps=False)
    pdf_writer.render_pdf(doc)
    calls: list[str] = []
    real = pdf_writer.wrap_text
    monkeypatch.setattr(pdf_writer, "wrap_text", lambda pdf, text, width: calls.append(text) or real(pdf, text, width))
    pdf_writer.render_pdf(doc)
    assert calls == []
    other = build_document([dataclasses.replace(farm, project=dataclasses.replace(farm.project, name="另一养殖场"))],
                           store=store, maps=False)
    pdf_writer.render_pdf(other)
    assert calls and all("另一养殖场" in text or "EZS-" in text for text in calls), calls


def test_xlsx_access_list_sheet_has_one_conformity_column() -> None:
    """A project in the 资阳区 park unit of the embedded store: 8 clauses, 3 of which do not
    apply (counted in the store by hand: the province's chemical-park, 1 km shoreline and
    hazardous-substances clauses). Each row says its conformity once: 不涉及 where the clause
    does not apply — no second column repeating it (there was one, "判定")."""
    import shapely

    from layers.paths import DEFAULT_STORE
    from layers.store import ZoneStore
    from zoning.engine import screen
    from zoning.model import Project

    store = ZoneStore.open(DEFAULT_STORE)
    parks = store.layer("industrial_park")
    park = parks[parks["name"] == "益阳长春经济开发区（示意）"].geometry.iloc[0]
    (result,) = screen([Project("园区工业项目", "industrial", shapely.point_on_surface(park))], store)
    ws = load_workbook(io.BytesIO(render_report([result], "xlsx", store=store)))["准入清单符合性"]
    header, *rows = list(ws.iter_rows(values_only=True))
    assert len(set(header)) == len(header) and "判定" not in header
    applies, conformity = header.index("是否适用"), header.index("符合性")
    assert len(rows) == 8
    assert [r[conformity] for r in rows if r[applies] == "否"] == ["不涉及"] * 3
    assert {r[conformity] for r in rows if r[applies] == "是"} == {"需核实", "有条件准入"}
    columns = list(zip(*rows, strict=True))
    assert len({tuple(c) for c in columns}) == len(columns)  # no column repeats another
