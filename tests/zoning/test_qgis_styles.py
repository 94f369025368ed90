"""QGIS styles in the GeoPackages: ``layer_styles`` rows whose QML names every zone value in
the palette's colours.

The expected colours are read from data/styles.yaml by hand here (fill, edge, the shade
rule "dark = 40 % toward the edge, light = 60 % toward white"), not from zoning.styles;
the XML is parsed with ElementTree, the table read with sqlite3.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml

from layers.catalog import load_catalog
from layers.paths import DATA_DIR, DEFAULT_STORE
from tests.layers.conftest import official_water_source, zipped_gbk_shapefile
from zoning.report import render_report, write_report

STYLE_COLUMNS = ["id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                 "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"]


def _palette() -> dict:
    return yaml.safe_load((DATA_DIR / "styles.yaml").read_text(encoding="utf-8"))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _expected_fill(layer: dict, zone: str) -> tuple[int, int, int]:
    own = (layer.get("colours") or {}).get(zone)
    if own:  # a value with its own colour (the control units by category) keeps it
        return _rgb(own)
    fill, edge = _rgb(layer["fill"]), _rgb(layer["edge"])
    shade = (layer.get("shades") or {}).get(zone, "base")
    toward, share = {"dark": (edge, 0.4), "light": ((255, 255, 255), 0.6), "base": (fill, 0.0)}[shade]
    return tuple(round(a + (b - a) * share) for a, b in zip(fill, toward, strict=True))  # type: ignore[return-value]


def _rows(path: Path) -> list[dict]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        cursor = conn.execute("SELECT * FROM layer_styles ORDER BY f_table_name")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _feature_tables(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())


def _colour(props: dict, key: str) -> tuple[int, ...]:
    return tuple(int(v) for v in props[key].split(",")[:3])


def _categories(qml: str) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """value -> (fill rgb, edge rgb) of a categorized renderer's symbols: a fill's or a
    marker's colour and outline; a line's inner and outer line."""
    root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "categorizedSymbol"
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    out = {}
    for cat in renderer.find("categories"):
        layers = [{o.get("name"): o.get("value") for o in layer.find("Option")}
                  for layer in symbols[cat.get("symbol")].findall("layer")]
        if "line_color" in layers[0]:
            out[cat.get("value")] = (_colour(layers[1], "line_color"), _colour(layers[0], "line_color"))
        else:
            out[cat.get("value")] = (_colour(layers[0], "color"), _colour(layers[0], "outline_color"))
    return out


def test_the_embedded_store_styles_every_layer_in_the_palette_colours() -> None:
    """data/zones.gpkg as `make data` writes it (the build test keeps it equal to a rebuild)."""
    rows = _rows(DEFAULT_STORE)
    assert list(rows[0]) == STYLE_COLUMNS
    tables = _feature_tables(DEFAULT_STORE)
    assert {r["f_table_name"] for r in rows if r["useAsDefault"]} == set(tables)
    assert all(r["f_geometry_column"] == tables[r["f_table_name"]] for r in rows)
    assert {r["update_time"] for r in rows} == {"1970-01-01T00:00:00.000Z"}  # no clock in the build
    catalog, palette = load_catalog(), _palette()
    for row in rows:
        layer_id = row["f_table_name"].split("__v")[0]
        qml = row["styleQML"]
        root = ET.fromstring(qml.split("\n", 1)[1])
        assert float(root.findtext("layerOpacity")) == palette["zones"]["opacity"]
        ET.fromstring(row["styleSLD"])  # parses
        spec, colours = catalog.layers[layer_id], palette["zones"]["layers"][layer_id]
        if not spec.zone_field:
            assert root.find("renderer-v2").get("type") == "singleSymbol", layer_id
            continue
        assert root.find("renderer-v2").get("attr") == spec.zone_field
        categories = _categories(qml)
        assert set(categories) == set(catalog.field(layer_id, spec.zone_field).allowed) | {""}, layer_id
        for value, (fill, edge) in categories.items():
            assert fill == _expected_fill(colours, value), (layer_id, value)
            assert edge == _rgb(colours["edge"]), (layer_id, value)


def test_water_source_style_by_hand() -> None:
    """One layer spelt out: 一级 is dark (40 % toward the edge), 准保护区 light (60 % to white)."""
    (row,) = [r for r in _rows(DEFAULT_STORE) if r["f_table_name"] == "water_source"]
    cats = _categories(row["styleQML"])
    # fill #a6cee3 = (166, 206, 227), edge #1f5fa8 = (31, 95, 168)
    assert cats["一级"][0] == (112, 162, 203)  # 166 + 0.4 * (31 - 166) = 112 ...
    assert cats["二级"][0] == (166, 206, 227)
    assert cats["准保护区"][0] == (219, 235, 244)  # 166 + 0.6 * (255 - 166) = 219.4 ...
    root = ET.fromstring(row["styleQML"].split("\n", 1)[1])
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"


def test_report_geopackage_opens_styled(tmp_path: Path) -> None:
    from tests.zoning.report.conftest import farm_result, make_store

    store = make_store()
    path = tmp_path / "report.gpkg"
    write_report([farm_result(store)], "gpkg", path, store=store)
    rows = {r["f_table_name"]: r for r in _rows(path)}
    assert {"project_polygons", "overlap_polygons", "zones_hit_polygons"} <= set(rows)
    verdicts = _palette()["verdicts"]
    project = _categories(rows["project_polygons"]["styleQML"])
    assert set(project) == set(verdicts)
    assert all(project[v][0] == _rgb(verdicts[v]["fill"]) for v in verdicts)
    overlap = _categories(rows["overlap_polygons"]["styleQML"])
    assert all(overlap[v] == (_rgb(verdicts[v]["colour"]), _rgb(_palette()["marks"]["overlap"])) for v in verdicts)
    zones = _categories(rows["zones_hit_polygons"]["styleQML"])
    layer = _palette()["zones"]["layers"]["water_source"]
    assert zones["water_source/一级"][0] == _expected_fill(layer, "一级")


def test_shapefile_zip_carries_qml_sidecars(tmp_path: Path) -> None:
    from tests.zoning.report.conftest import farm_result, make_store

    store = make_store()
    data = render_report([farm_result(store)], "shp", store=store)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        qml = zf.read("results.qml").decode("utf-8")
    cats = _categories(qml)
    assert set(cats) == set(_palette()["verdicts"])


def test_layers_import_writes_the_imported_layers_style(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from zoning.cli import main

    store = tmp_path / "county.gpkg"
    source = zipped_gbk_shapefile(official_water_source(), tmp_path / "a", "水源2016")
    with pytest.raises(SystemExit) as info:
        main(["layers", "import", str(store), str(source), "--layer", "water_source", "--map", "名称=name",
              "--map", "级别=grade"])
    assert info.value.code == 0, capsys.readouterr()
    (row,) = _rows(store)
    assert row["f_table_name"] == "water_source" and row["useAsDefault"] == 1
    assert set(_categories(row["styleQML"])) == {"一级", "二级", "准保护区", ""}
    # A replacement styles the new layer and its kept version, one default each.
    with pytest.raises(SystemExit) as info:
        main(["layers", "import", str(store), str(source), "--layer", "water_source", "--map", "名称=name",
              "--map", "级别=grade", "--replace"])
    assert info.value.code == 0
    rows = _rows(store)
    assert sorted(r["f_table_name"] for r in rows) == ["water_source", "water_source__v1"]
    assert all(r["useAsDefault"] == 1 for r in rows)
