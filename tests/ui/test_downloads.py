"""The app's download buttons and the CLI write the same files for the same projects.

The batch page runs in AppTest on the test store; what its download buttons hand Streamlit
is recorded at Streamlit's own media file manager (the real one, spied on: every file it is
given; each document is made by pressing its "生成" button, as a reviewer does). The
same project file goes through ``python -m zoning screen`` for every format. JSON and CSV
must be the same bytes (JSON once the screening times, ``generated_at``, are blanked); the
workbook and the documents the same content apart from the times they carry (the workbook's
sheets and embedded files compared member by member, the documents by their text and
pictures).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.ui.conftest import lonlat, page
from ui import state
from zoning.cli import cli

POPPLER = shutil.which("pdftotext") is not None

Projects = list[tuple[str, str, tuple[float, float]]]
PROJECTS: Projects = [  # name, type, GK offset (m) from the test store's origin
    ("水源内项目", "industrial", (500, 500)),  # inside the grade-1 square: prohibited
    ("红线旁道路", "road", (2990, 500)),  # 10 m west of the red-line square
    ("远处项目", "一般工业项目", (-8000, -8000)),  # far from every zone
]


def _geojson(projects: Projects = PROJECTS) -> bytes:
    features = [{"type": "Feature", "properties": {"项目名称": name, "类型": kind},
                 "geometry": {"type": "Point", "coordinates": list(lonlat(*xy))}}
                for name, kind, xy in projects]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def _file_name(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("file_name") or (args[3] if len(args) > 3 else ""))


Downloads = dict[str, Callable[[], bytes]]


def batch_downloads(at, monkeypatch: pytest.MonkeyPatch, projects: Projects) -> Downloads:
    """Run the batch page on ``projects``, press every "生成" button; what each download
    button delivers, by suffix."""
    stored: dict[str, Any] = {}
    real_add, real_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def add(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        stored[_file_name((data, *args), kwargs)] = data
        return real_add(self, data, *args, **kwargs)

    deferred: list[str] = []

    def add_deferred(self: MediaFileManager, make: Callable[[], bytes], *args: Any, **kwargs: Any) -> str:
        deferred.append(_file_name((make, *args), kwargs))
        return real_deferred(self, make, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    at = page(at, "batch")
    data = _geojson(projects)
    at.file_uploader(key=state.BATCH_UPLOAD).set_value(("projects.geojson", data, "application/geo+json")).run()
    at.button(key=state.BATCH_RUN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    for key in [b.key for b in at.button if str(b.key).startswith("batch.make_")]:
        at.button(key=key).click().run()
        assert not at.exception, [e.value for e in at.exception]
    # Every file is handed over as bytes (a fixed address across reruns): a deferred
    # download's address changes on every rerun and a click in between failed.
    assert not deferred, deferred
    from zoning.report import FORMATS

    by_suffix = {spec.suffix: fmt for fmt, spec in FORMATS.items()}  # .shp.zip is shp, .zip the bundle
    out: Downloads = {}
    for name, made in stored.items():
        if name.startswith("batch-projects."):
            out[by_suffix[name[len("batch-projects"):]]] = made if callable(made) else (lambda data=made: data)
    return out


@pytest.fixture
def app_downloads(app, monkeypatch: pytest.MonkeyPatch) -> Downloads:
    downloads = batch_downloads(app, monkeypatch, PROJECTS)
    assert {"json", "csv", "xlsx", "docx", "pdf", "gpkg", "zip", "shp", "gdb"} <= set(downloads)
    return downloads


@pytest.fixture
def cli_outputs(test_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], bytes]:
    source = tmp_path / "projects.geojson"
    source.write_bytes(_geojson())
    # The CLI names the store as typed; the app by its file name (no server path): typed
    # from the store's folder, the two agree.
    monkeypatch.chdir(test_store.parent)

    def run(fmt: str) -> bytes:
        from zoning.report import FORMATS

        out = tmp_path / f"cli{FORMATS[fmt].suffix}"  # cli.gdb.zip: cli.gdb would be the FileGDB folder
        res = CliRunner().invoke(cli, ["screen", str(source), "--type-field", "类型", "--name-field", "项目名称",
                                       "--zones", test_store.name, "--format", fmt, "-o", str(out), "--overwrite"])
        assert res.exit_code == 0, res.output
        return out.read_bytes()

    return run


_STAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
# Times as documents print them: 2026年12月6日 13:05 / 2026-12-06 13:05
_PRINTED = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _zip_members(data: bytes) -> dict[str, bytes]:
    """Members of an OOXML file, times blanked: the screening time wherever it is written,
    and the package's own created/modified properties (docProps/core.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: _STAMP.sub(b"T", zf.read(n)) for n in zf.namelist() if n != "docProps/core.xml"}
    return members


def test_json_and_csv_downloads_are_the_cli_bytes(app_downloads: Downloads, cli_outputs) -> None:
    app_json, cli_json = app_downloads["json"](), cli_outputs("json")
    assert json.loads(app_json)[0]["project"]["name"] == "水源内项目"
    assert _STAMP.sub(b"T", app_json) == _STAMP.sub(b"T", cli_json)
    app_csv = app_downloads["csv"]()
    assert app_csv.startswith(b"\xef\xbb\xbf\xe5\xba\x8f\xe5\x8f\xb7")  # BOM, 序号: the Chinese page's language
    assert app_csv == cli_outputs("csv")


def test_xlsx_download_is_the_cli_workbook(app_downloads: Downloads, cli_outputs) -> None:
    app_members, cli_members = _zip_members(app_downloads["xlsx"]()), _zip_members(cli_outputs("xlsx"))
    assert "xl/worksheets/sheet1.xml" in app_members
    assert app_members == cli_members


def test_docx_download_is_the_cli_document(app_downloads: Downloads, cli_outputs) -> None:
    from docx import Document

    def content(data: bytes) -> tuple[list[str], dict[str, bytes]]:
        doc = Document(io.BytesIO(data))
        texts = [p.text for p in doc.paragraphs]
        texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
        pictures = {n: b for n, b in _zip_members(data).items() if n.startswith("word/media/")}
        return [_PRINTED.sub("T", text) for text in texts], pictures

    app_text, app_pictures = content(app_downloads["docx"]())
    cli_text, cli_pictures = content(cli_outputs("docx"))
    assert any("水源内项目" in text for text in app_text) and app_pictures
    assert app_text == cli_text
    assert app_pictures == cli_pictures


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_pdf_download_is_the_cli_document(app_downloads: Downloads, cli_outputs) -> None:
    def text(data: bytes) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.pdf"
            path.write_bytes(data)
            out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        return _PRINTED.sub("T", out.stdout)

    app_text = text(app_downloads["pdf"]())
    assert "水源内项目" in app_text
    assert app_text == text(cli_outputs("pdf"))


def test_hostile_names_are_no_formula_in_the_apps_csv_and_workbook(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 19: project names that are spreadsheet formulas, uploaded to the batch page."""
    from tests.zoning.report.test_formulas import HOSTILE_PROJECTS, check_csv, check_workbook

    offsets = [(100 + 150 * i, 500) for i in range(4)] + [(-8000, -8000)]  # four in the grade-1 square
    projects = [(name, "industrial", xy) for name, xy in zip(HOSTILE_PROJECTS, offsets, strict=True)]
    downloads = batch_downloads(app, monkeypatch, projects)
    check_csv(downloads["csv"]())
    check_workbook(downloads["xlsx"](), HOSTILE_PROJECTS[:4])
    check_workbook(zipfile.ZipFile(io.BytesIO(downloads["zip"]())).read("conflicts.xlsx"), HOSTILE_PROJECTS[:4])


@pytest.mark.parametrize("fmt", ["shp", "gdb"])
def test_shp_and_gdb_downloads_are_the_cli_features(app_downloads: Downloads, cli_outputs, fmt: str,
                                                    tmp_path: Path) -> None:
    """Read back with GDAL: the same layers, attributes (the time aside) and geometry as the
    CLI's, in the test county's zone (112.9E: zone 38, with the zone number EPSG:4526)."""
    import pyogrio
    from pyproj import CRS

    app_file, cli_file = tmp_path / f"app.{fmt}.zip", tmp_path / f"cli.{fmt}.zip"
    app_file.write_bytes(app_downloads[fmt]())
    cli_file.write_bytes(cli_outputs(fmt))
    layers = [name for name, _ in pyogrio.list_layers(app_file)]
    assert layers == [name for name, _ in pyogrio.list_layers(cli_file)] and "results" in layers
    for layer in ("results", "conflicts"):
        assert CRS.from_user_input(pyogrio.read_info(app_file, layer=layer)["crs"]).equals(CRS.from_epsg(4526))
        app_frame, cli_frame = (pyogrio.read_dataframe(f, layer=layer) for f in (app_file, cli_file))
        timed = [c for c in app_frame.columns if c.startswith("generated")]
        assert app_frame.drop(columns=timed).equals(cli_frame.drop(columns=timed)), layer
    names = list(pyogrio.read_dataframe(app_file, layer="results")["name" if fmt == "shp" else "project_name"])
    assert names == ["水源内项目", "红线旁道路", "远处项目"]
