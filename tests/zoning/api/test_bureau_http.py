"""The HTTP API and the bureau: saved screenings read from the bureau's own database, and the
OGC collections as the public sees them (a layer the catalogue marks sensitive generalised).

The sensitive red line here is a 1000 m square placed off the 500 m grid in EPSG:4547 —
easting 500 123..501 123, northing 3 100 077..3 101 077 — so its exact corners are known
and none of them is a multiple of 500 (by hand: 500 123 = 1000 × 500 + 123).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pypdf
import pytest

from gis.io import read_features
from tests.zoning._engine_support import X0, Y0, lonlat, rect, write_gpkg, zone_frame
from tests.zoning.api.conftest import serve
from tests.zoning.api.test_screen_http import feature
from zoning.api.settings import ApiSettings
from zoning.bureau.service import BureauScreenings, open_bureau
from zoning.bureau.settings import BureauSettings
from zoning.engine import projects_from_features, screen
from zoning.report.numbering import report_number

GK_URI = "http://www.opengis.net/def/crs/EPSG/0/4547"
EXACT_CORNERS = [(X0 + 123, Y0 + 77), (X0 + 1123, Y0 + 77), (X0 + 1123, Y0 + 1077), (X0 + 123, Y0 + 1077)]


@pytest.fixture(scope="module")
def sensitive_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    redline = zone_frame([{"name": "偏移红线", "category": "一般", "geometry": rect(X0 + 123, Y0 + 77, 1000, 1000)}])
    water = zone_frame([{"name": "甲水厂水源", "grade": "一级", "geometry": rect(X0 + 5123, Y0 + 77, 1000, 1000)}])
    admin = zone_frame([{"adcode": "430626", "name": "平江县", "level": "区县",
                         "geometry": rect(X0 - 30_000, Y0 - 30_000, 60_000, 60_000)}])  # fmt: skip
    path = tmp_path_factory.mktemp("sensitive-api") / "zones.gpkg"
    return write_gpkg(path, {"eco_redline": redline, "water_source": water, "admin": admin}).resolve()


def _gk_ring(answer: dict) -> np.ndarray:
    """A feature's outer ring in EPSG:4547 as (easting, northing) (the answer is northing first)."""
    ring = np.asarray(answer["geometry"]["coordinates"][0], dtype=float)
    return ring[:, ::-1]


def test_the_public_collections_give_a_sensitive_layer_only_on_the_grid(sensitive_store: Path, keys_file: Path) -> None:
    with serve(ApiSettings(store=sensitive_store, keys_file=keys_file, warm_up=False)) as running:
        red = running.call("GET", f"/ogc/collections/eco_redline/items/0?crs={GK_URI}")
        water = running.call("GET", f"/ogc/collections/water_source/items/0?crs={GK_URI}")
    assert red.status == 200 and water.status == 200
    red_ring, water_ring = _gk_ring(red.json()), _gk_ring(water.json())
    # The red line: every vertex a multiple of 500 m (to the millimetre), no exact corner left.
    assert np.allclose(np.round(red_ring / 500.0) * 500.0, red_ring, atol=1e-3)
    for corner in EXACT_CORNERS:
        assert np.hypot(*(red_ring - corner).T).min() > 50.0
    # The water source is not sensitive: its exact corner, to the millimetre.
    assert np.hypot(*(water_ring - (X0 + 5123, Y0 + 77)).T).min() < 1e-3


def test_a_screening_saved_in_the_bureau_is_read_by_the_api(api_store: Path, keys_file: Path,
                                                            auth: dict[str, str]) -> None:  # fmt: skip
    """Saved as the app saves it (the bureau's archive in ZONING_DATA_DIR, set per test session);
    the API built from the environment reads the same database and prints the saved number on
    the report. Another screening holds the content's own number first, so the saved number is
    a longer one that only the archive knows (a report numbered from its content would differ)."""
    body = feature(lonlat(rect(X0 + 200, Y0 + 200, 100, 100)), type="road", name="档案中的路")
    fs = read_features(json.dumps(body).encode(), filename="request.geojson")
    results = screen(projects_from_features(fs, type_field="type"), api_store)
    bureau = open_bureau(BureauSettings.from_env())
    taken = report_number(results)
    with bureau.db.write() as tx:
        tx.run("INSERT INTO screenings (number, content_sha256, batch, projects, verdict, saved_at, saved_day, saved_by, "
               "store, store_sha256, rules_sha256, as_of, versions, parameters, source) VALUES "
               "(?, 'other', 0, 1, 'clear', '2026-01-01T00:00:00+08:00', '2026-01-01', 'x', 's', 's', 'r', NULL, '{}', '{}', 'app')",
               (taken,))  # fmt: skip
    number = bureau.archive.save(results, saved_by="wang").number
    assert number != taken and number.startswith(taken)
    settings = ApiSettings.from_env(store=api_store, keys_file=keys_file, warm_up=False)
    assert isinstance(settings.screenings, BureauScreenings)
    with serve(settings) as running:
        got = running.call("GET", f"/api/v1/screenings/{number}", headers=auth)
        pdf = running.call("GET", f"/api/v1/reports/{number}.pdf", headers=auth)
        missing = running.call("GET", "/api/v1/screenings/EZS-20000101-00000000", headers=auth)
    assert got.status == 200
    record = got.json()
    assert (record["number"], record["saved_by"], record["source"]) == (number, "wang", "app")
    assert record["results"]["project"]["name"] == "档案中的路"
    assert pdf.status == 200
    pages = pypdf.PdfReader(io.BytesIO(pdf.body)).pages
    text = "".join("".join(page.extract_text().split()) for page in pages).replace("\x00", "")
    assert text.count(number) >= 2  # each page's header and the report's facts
    assert missing.status == 404
