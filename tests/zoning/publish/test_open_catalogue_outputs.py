"""Issue 12 item 5: a layer type added by data alone (采矿权 ``mining_right`` of
tests/open_catalogue.py, with rules MR01/MR02) is drawn on the public map — in the zone
tiles the app and the exported site draw from, with the palette's colour — and appears in
a report, with no code change.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from layers.store import ZoneStore
from tests.open_catalogue import write_open_catalogue
from zoning.engine import screen
from zoning.model import Project
from zoning.publish.mapexport import export_map
from zoning.report import render_report
from zoning.rules import load_rules

GK = "EPSG:4547"
X0, Y0 = 391_650.0, 3_082_300.0  # about 112.9°E, 27.85°N


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("open")
    catalog, rules = write_open_catalogue(folder)
    store = folder / "zones.gpkg"
    gpd.GeoDataFrame({"name": ["甲矿"], "status": ["有效"], "legal_status": ["示意"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=GK).to_file(store, layer="mining_right")  # fmt: skip
    zstore = ZoneStore.open(store, catalog=catalog)
    return zstore, load_rules(rules, catalog_path=catalog)


def test_the_made_up_layer_is_drawn_on_the_public_map(opened, tmp_path: Path) -> None:
    zstore, rules = opened
    report = export_map(tmp_path / "site", store=zstore, rules=rules, max_zoom=10, gzip=False)
    meta = json.loads((report.outdir / "data" / "meta.json").read_text(encoding="utf-8"))
    (layer,) = [ly for ly in meta["layers"] if ly["id"] == "mining_right"]
    assert layer["title_zh"] == "采矿权" and [z["value"] for z in layer["zones"]] == ["有效"]
    assert layer["zones"][0]["colour"].startswith("#")  # the palette's default family: drawn, in a colour
    index = meta["layers"].index(layer)
    features = []
    for tile in (report.outdir / "tiles").rglob("*.json"):
        features += [f for f in json.loads(tile.read_text(encoding="utf-8"))["features"] if f["properties"]["l"] == index]
    assert features and {f["properties"]["n"] for f in features} == {"甲矿"}
    # and what a click on it shows: its rules
    groups = {r["id"] for f in features for r in meta["rule_groups"][f["properties"]["r"]]}
    assert "MR01" in groups


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_the_made_up_layer_is_in_a_report(opened) -> None:
    zstore, rules = opened
    site = gpd.GeoSeries([box(X0 + 400, Y0 + 400, X0 + 600, Y0 + 600)], crs=GK).to_crs("EPSG:4490").iloc[0]
    results = screen([Project("穿越矿区的道路", "road", site)], zstore, rules=rules)
    data = render_report(results, "pdf", store=zstore)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "采矿权" in flat and "甲矿" in flat and "MR01" in flat and "压覆矿产资源须经审批" in flat
