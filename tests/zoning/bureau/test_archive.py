"""Saved screenings against a real database (SQLite and PostgreSQL): numbers, what is kept,
finding, re-screening against new data, what a new layer version changes, and a batch save
killed with SIGKILL in the middle (nothing half-written)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import shapely
from pypdf import PdfReader

from layers.asof import open_as_of
from layers.paths import REPO_ROOT
from layers.store import ZoneStore
from tests.zoning.bureau.conftest import lonlat
from zoning.bureau.archive import Archive
from zoning.bureau.db import Database
from zoning.engine import screen
from zoning.model import Project
from zoning.report import render_report
from zoning.report.numbering import report_number


def _road(dx: float = 500.0, dy: float = 500.0, name: str = "测试道路", **extra: str) -> Project:
    return Project(name, "road", shapely.Point(*lonlat(dx, dy)), {}, **extra)


def _area(x0: float, y0: float, x1: float, y1: float, name: str) -> Project:
    """A rectangle drawn in GK metres, its corners converted to lon/lat."""
    corners = [lonlat(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return Project(name, "road", shapely.Polygon(corners), {})


@pytest.fixture
def archive(db: Database) -> Archive:
    return Archive(db)


def test_a_saved_screening_is_kept_as_it_was(archive: Archive, versioned_store: Path) -> None:
    project = _area(-200, 200, 400, 600, "跨界地块")  # 400 m of 600 m inside the zone
    results = screen([Project(project.name, "road", project.geometry, {}, builder="某某建设有限公司",
                              project_code="2612-430321-04-01-123456")], versioned_store)  # fmt: skip
    saved = archive.save(results, saved_by="wang")
    assert saved.created and saved.number == report_number(results)
    assert saved.number.startswith("EZS-") and len(saved.number.rsplit("-", 1)[1]) == 8
    got = archive.get(saved.number)
    assert got is not None and got.saved_by == "wang" and got.number == saved.number
    assert [r.to_dict() for r in got.results] == [r.to_dict() for r in results]
    assert got.results[0].project.geometry.equals(results[0].project.geometry)
    original = results[0].conflicts[0]
    assert got.results[0].conflicts[0].overlap_geometry.equals(original.overlap_geometry)
    assert original.overlap_area_m2 == pytest.approx(400 * 400, rel=1e-3)
    assert got.store_sha256 == ZoneStore.open(versioned_store).sha256
    assert got.versions["water_source"]["version"] == 2 and got.versions["water_source"]["effective_date"] == "2024-07-01"
    assert got.to_dict()["results"]["project"]["builder"] == "某某建设有限公司"
    assert got.input["projects"][0]["project_code"] == "2612-430321-04-01-123456"
    assert archive.get("EZS-00000000-NOTHERE") is None


def test_the_same_screening_saved_twice_is_one_record(archive: Archive, versioned_store: Path) -> None:
    results = screen([_road()], versioned_store)
    first = archive.save(results, saved_by="wang")
    again = archive.save(screen([_road()], versioned_store), saved_by="li")
    assert not again.created and again.number == first.number and again.saved_by == "wang"
    assert archive.count() == 1


def test_a_number_taken_by_another_screening_gets_longer_and_the_pdf_prints_it(
    archive: Archive, versioned_store: Path, db: Database
) -> None:
    results = screen([_road()], versioned_store)
    taken = report_number(results)
    with db.write() as tx:  # another screening holds this number (a clash of the first 8 hex digits)
        tx.run("INSERT INTO screenings (number, content_sha256, batch, projects, verdict, saved_at, saved_day, saved_by, "
               "store, store_sha256, rules_sha256, as_of, versions, parameters, source) VALUES "
               "(?, 'other', 0, 1, 'clear', '2026-01-01T00:00:00+08:00', '2026-01-01', 'x', 's', 's', 'r', NULL, '{}', '{}', 'app')",
               (taken,))  # fmt: skip
    saved = archive.save(results, saved_by="wang")
    assert saved.number != taken and saved.number.startswith(taken) and len(saved.number) == len(taken) + 2
    pdf = render_report(list(archive.get(saved.number).results), "pdf", number=saved.number)
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "")
    assert text.count(saved.number) >= 2  # the header of each page and the report's facts
    assert text.replace(saved.number, "").count(taken) == 0


def test_find_by_number_name_county_date_and_verdict(archive: Archive, versioned_store: Path) -> None:
    batch = screen([_road(500, 500, "湘江大道"), _road(5000, 5000, "韶山路")], versioned_store)
    single = screen([_road(6000, 6000, "Ring_Road%")], versioned_store)
    b = archive.save(batch, saved_by="wang", batch=True).number
    s = archive.save(single, saved_by="li").number
    day = archive.get(b).saved_at[:10]
    assert [x.number for x in archive.find(name="湘江")] == [b]
    assert [x.number for x in archive.find(name="ring_road%")] == [s]  # case-insensitive; % is a character
    assert {x.number for x in archive.find(county="测试")} == {b, s}
    assert [x.number for x in archive.find(verdict="prohibited")] == [b]
    assert [x.number for x in archive.find(number=b[-6:])] == [b]
    assert {x.number for x in archive.find(day_from=day, day_to=day)} == {b, s}
    assert archive.find(day_to="2000-01-01") == []
    summary = archive.find(number=b)[0]
    assert summary.projects == 2 and summary.batch and summary.verdict == "prohibited"
    assert summary.names == ("湘江大道", "韶山路") and summary.counties == ("测试县",)


def test_saved_screenings_survive_a_new_connection(db_url: str, versioned_store: Path) -> None:
    number = Archive(Database.open(db_url)).save(screen([_road()], versioned_store), saved_by="wang").number
    assert Archive(Database.open(db_url)).get(number) is not None  # a restarted app opens the database afresh


def test_rescreen_against_the_new_version_says_what_changed(archive: Archive, versioned_store: Path, tmp_path: Path) -> None:
    then = open_as_of(versioned_store, "2020-06-30", cache_dir=tmp_path / "asof")
    old = screen([_area(-200, 200, 400, 600, "跨界地块")], then)
    assert old[0].data.as_of == "2020-06-30" and old[0].data.versions["water_source"]["version"] == 1
    number = archive.save(old, saved_by="wang").number
    saved = archive.get(number)
    assert saved.as_of == "2020-06-30" and saved.versions["water_source"]["version"] == 1
    again = archive.rescreen(number, ZoneStore.open(versioned_store))
    (change,) = again.changes
    assert change.verdict_before != "prohibited" and change.verdict_after == "prohibited" and again.verdict_changed
    assert {c.zone for c in change.added} == {"一级"} and {c.zone for c in change.removed} == {"二级"}
    assert again.to_dict()["versions_after"]["water_source"]["version"] == 2
    same = archive.rescreen(number, then)
    assert not same.changed


def test_after_a_new_version_the_screenings_whose_verdict_changes_are_listed(
    archive: Archive, versioned_store: Path, tmp_path: Path
) -> None:
    then = open_as_of(versioned_store, "2020-06-30", cache_dir=tmp_path / "asof")
    inside = archive.save(screen([_road(500, 500, "区内")], then), saved_by="wang").number
    archive.save(screen([_road(8000, 8000, "区外")], then), saved_by="wang")
    report = archive.affected(ZoneStore.open(versioned_store))
    assert report.checked == 2 and [r.saved.number for r in report.changed] == [inside]
    assert report.seconds_per_screening > 0


def test_nothing_is_saved_without_results_or_geometry(archive: Archive) -> None:
    from gis.errors import InputError

    with pytest.raises(InputError, match="nothing to save"):
        archive.save([], saved_by="wang")


_KILLED_SAVE = textwrap.dedent(
    """
    import sys, time
    import shapely
    from zoning.bureau import archive as module
    from zoning.bureau.archive import Archive
    from zoning.bureau.db import Database
    from zoning.engine import screen
    from zoning.model import Project

    url, store, lon, lat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    projects = [Project(f"项目{i}", "road", shapely.Point(lon + i * 1e-4, lat), {}) for i in range(40)]
    results = screen(projects, store)
    original = module._item_row

    def slow_row(number, position, result):
        if position == 25:  # well inside the transaction: the head and 25 rows are written
            print("INSIDE", number, flush=True)
            time.sleep(60)
        return original(number, position, result)

    module._item_row = slow_row
    Archive(Database.open(url)).save(results, saved_by="wang", batch=True)
    print("SAVED", flush=True)
    """
)


def test_a_batch_save_killed_midway_leaves_nothing_half_written(db_url: str, versioned_store: Path) -> None:
    Database.open(db_url)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    args = [sys.executable, "-c", _KILLED_SAVE, db_url, str(versioned_store), *map(str, lonlat(500, 500))]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        try:
            line = proc.stdout.readline()
            assert line.startswith("INSIDE"), proc.stderr.read()
            number = line.split()[1]
            os.kill(proc.pid, signal.SIGKILL)  # kill -9 inside the transaction
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    db = Database.open(db_url)
    archive = Archive(db)
    assert archive.get(number) is None and archive.count() == 0
    with db.read() as tx:
        assert tx.one("SELECT COUNT(*) FROM screening_items")[0] == 0
    # the database is usable at once: the same batch saves whole
    projects = [Project(f"项目{i}", "road", shapely.Point(lonlat(500, 500)[0] + i * 1e-4, lonlat(500, 500)[1]), {})
                for i in range(40)]  # fmt: skip
    saved = archive.save(screen(projects, versioned_store), saved_by="wang", batch=True)
    assert saved.number == number and len(archive.get(number).results) == 40
