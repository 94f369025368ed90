"""Layer versions in time: effective and ceased dates, the store as of a date, the diff of two
versions (areas computed by hand on squares in a Gauss-Kruger CRS), the importer's check mode
and its value map."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box

from gis.errors import InputError, SchemaError
from layers import _gpkg
from layers.asof import open_as_of
from layers.diff import diff_versions, write_diff
from layers.importer import import_layer, list_versions, rollback
from layers.timeline import in_force, version_periods

# CGCS2000 3-degree Gauss-Kruger zone 38 (CM 114° E, no zone prefix): metres, near 湘潭.
GK = "EPSG:4547"
X, Y = 430_000.0, 3_080_000.0


def _squares(rows: list[tuple[str, str, float, float, float]]) -> gpd.GeoDataFrame:
    """(name, grade, x offset, y offset, side) -> a water-source layer in metres."""
    return gpd.GeoDataFrame(
        {"name": [r[0] for r in rows], "grade": [r[1] for r in rows]},
        geometry=[box(X + dx, Y + dy, X + dx + side, Y + dy + side) for _, _, dx, dy, side in rows],
        crs=GK,
    )


def _write(path: Path, frame: gpd.GeoDataFrame) -> Path:
    pyogrio.write_dataframe(frame, path, layer="water_source", driver="GPKG")
    return path


@pytest.fixture
def two_versions(tmp_path: Path) -> Path:
    """v1 (effective 2016-12-30): A 一级 at 0..100, B 二级 at 300..400, D 二级 at 600..700.
    v2 (effective 2024-07-01): A 一级 moved to 50..150, B gone, C 二级 new at 900..1000,
    D unchanged, and D2 renamed from nothing (absent)."""
    store = tmp_path / "county.gpkg"
    v1 = _write(tmp_path / "v1.gpkg", _squares([("A", "一级", 0, 0, 100), ("B", "二级", 300, 0, 100), ("D", "二级", 600, 0, 100)]))
    v2 = _write(tmp_path / "v2.gpkg", _squares([("A", "一级", 50, 0, 100), ("C", "二级", 900, 0, 100), ("D", "二级", 600, 0, 100)]))
    import_layer(store, v1, layer_id="water_source", effective_date="2016-12-30", source="湘政函〔2016〕176号",
                 imported_by="tester")  # fmt: skip
    import_layer(store, v2, layer_id="water_source", effective_date="2024-07-01", source="湘政函〔2024〕1号",
                 replace=True, imported_by="tester")  # fmt: skip
    return store


def test_versions_keep_effective_and_ceased_dates(two_versions: Path) -> None:
    periods = version_periods(two_versions, "water_source")
    assert [(p.version, p.effective_date, p.ceased_date, p.current) for p in periods] == [
        (1, "2016-12-30", "2024-07-01", False),
        (2, "2024-07-01", None, True),
    ]
    listed = list_versions(two_versions, "water_source")
    assert [(v.version, v.ceased_date, v.withdrawn) for v in listed] == [(1, "2024-07-01", False), (2, None, False)]


def test_in_force_by_date_and_a_layer_not_yet_in_force(two_versions: Path) -> None:
    assert in_force(two_versions, "2020-01-01")["water_source"].version == 1
    assert in_force(two_versions, "2024-06-30")["water_source"].version == 1
    assert in_force(two_versions, "2024-07-01")["water_source"].version == 2  # the day it takes effect
    assert in_force(two_versions, "2010-01-01")["water_source"] is None


def test_a_version_rolled_back_from_is_withdrawn(two_versions: Path) -> None:
    rollback(two_versions, "water_source", 1)
    periods = {p.version: p for p in version_periods(two_versions, "water_source")}
    assert periods[2].withdrawn and not periods[1].withdrawn
    assert periods[1].current and periods[1].ceased_date is None
    assert in_force(two_versions, "2025-01-01")["water_source"].version == 1
    rollback(two_versions, "water_source", 2)  # restored: in force again from its date
    assert in_force(two_versions, "2025-01-01")["water_source"].version == 2


def test_the_store_as_of_a_date_holds_the_version_in_force(two_versions: Path, tmp_path: Path) -> None:
    old = open_as_of(two_versions, "2020-06-30", cache_dir=tmp_path / "asof")
    assert sorted(old.layer("water_source")["name"]) == ["A", "B", "D"]
    assert old.as_of == "2020-06-30" and old.origin == two_versions
    assert old.versions["water_source"] == {"version": 1, "label": "v1", "effective_date": "2016-12-30",
                                            "ceased_date": "2024-07-01"}  # fmt: skip
    now = open_as_of(two_versions, "2025-01-01", cache_dir=tmp_path / "asof")
    assert sorted(now.layer("water_source")["name"]) == ["A", "C", "D"]
    assert now.path == two_versions  # the current layers: no view file
    # the view is written once per store version and choice
    assert len(list((tmp_path / "asof").glob("*.gpkg"))) == 1
    with pytest.raises(InputError, match="held no layer on 2015-01-01") as err:
        open_as_of(two_versions, "2015-01-01", cache_dir=tmp_path / "asof")
    assert "尚无任何有效图层" in (err.value.zh or "")


def test_a_layer_not_yet_in_force_is_absent_others_stay(two_versions: Path, tmp_path: Path) -> None:
    redline = gpd.GeoDataFrame({"name": ["红线"], "category": ["一般"]}, geometry=[box(X, Y, X + 10, Y + 10)], crs=GK)
    pyogrio.write_dataframe(redline, two_versions, layer="eco_redline", driver="GPKG")  # no history: no dates
    before = open_as_of(two_versions, "2015-01-01", cache_dir=tmp_path / "asof")
    assert "water_source" in before.absent_layers and "eco_redline" in before.layer_ids
    assert before.versions == {}


def test_as_of_refuses_a_date_that_is_not_one(two_versions: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="YYYY-MM-DD") as err:
        open_as_of(two_versions, "2020-13-45", cache_dir=tmp_path)
    assert err.value.zh and "日期" in err.value.zh


def test_diff_counts_features_and_areas_by_hand(two_versions: Path, tmp_path: Path) -> None:
    diff = diff_versions(two_versions, "water_source", 1, 2)
    assert diff.work_crs == GK  # both versions share a projected CRS: measured in it
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 1, 1)
    by_status = {(c.status, c.name): c.what for c in diff.features}
    assert by_status == {("changed", "A"): ("geometry",), ("removed", "B"): (), ("added", "C"): ()}
    zones = {z.zone: (z.gained, z.lost, z.unit) for z in diff.zones}
    # 一级: A moved 50 m east: 50 x 100 gained, 50 x 100 lost. 二级: C (100 x 100) gained, B lost.
    assert zones["一级"] == (pytest.approx(5000.0), pytest.approx(5000.0), "m2")
    assert zones["二级"] == (pytest.approx(10000.0), pytest.approx(10000.0), "m2")
    out = write_diff(diff, tmp_path / "changed.gpkg")
    areas = pyogrio.read_dataframe(out, layer="changed_areas")
    assert sorted(zip(areas["zone"], areas["change"], strict=True)) == [("一级", "gained"), ("一级", "lost"),
                                                                        ("二级", "gained"), ("二级", "lost")]  # fmt: skip
    assert areas.crs.to_epsg() == 4490
    gained = areas[(areas["zone"] == "一级") & (areas["change"] == "gained")].to_crs(GK).geometry.iloc[0]
    assert gained.area == pytest.approx(5000.0, rel=1e-6)  # 150..100 x 0..100 from X
    assert gained.bounds == pytest.approx((X + 100, Y, X + 150, Y + 100), abs=1e-3)


def test_diff_of_a_renamed_feature_and_an_attribute_change(tmp_path: Path) -> None:
    store = tmp_path / "s.gpkg"
    import_layer(store, _write(tmp_path / "a.gpkg", _squares([("甲", "一级", 0, 0, 100)])), layer_id="water_source")
    import_layer(store, _write(tmp_path / "b.gpkg", _squares([("乙", "二级", 0, 0, 100)])), layer_id="water_source",
                 replace=True)  # fmt: skip
    diff = diff_versions(store, "water_source", 1, 2)
    assert [(c.status, c.name, c.what) for c in diff.features] == [("changed", "乙", ("grade", "name"))]
    zones = {z.zone: (z.gained, z.lost) for z in diff.zones}
    assert zones == {"一级": (0.0, pytest.approx(10000.0)), "二级": (pytest.approx(10000.0), 0.0)}


def test_diff_refuses_a_version_the_layer_does_not_have(two_versions: Path) -> None:
    with pytest.raises(InputError, match="no version 7"):
        diff_versions(two_versions, "water_source", 1, 7)


def test_dry_run_checks_everything_and_writes_nothing(two_versions: Path, tmp_path: Path) -> None:
    before = two_versions.read_bytes()
    v3 = _write(tmp_path / "v3.gpkg", _squares([("E", "一级", 0, 0, 10)]))
    result = import_layer(two_versions, v3, layer_id="water_source", replace=True, dry_run=True)
    assert not result.written and result.version == 3 and result.replaced_version == 2 and result.features == 1
    assert two_versions.read_bytes() == before
    bad = _write(tmp_path / "bad.gpkg", _squares([("E", "特级", 0, 0, 10)]))
    with pytest.raises(SchemaError, match="特级"):
        import_layer(two_versions, bad, layer_id="water_source", replace=True, dry_run=True)
    assert two_versions.read_bytes() == before
    assert not [p for p, _ in _gpkg.work_copies(two_versions)]


def test_a_value_map_turns_the_files_codes_into_catalogue_values(tmp_path: Path) -> None:
    src = _write(tmp_path / "codes.gpkg", _squares([("A", "1", 0, 0, 10), ("B", "2", 20, 0, 10), ("C", "Z", 40, 0, 10)]))
    result = import_layer(tmp_path / "s.gpkg", src, layer_id="water_source",
                          value_map={"grade": {"1": "一级", "2": "二级", "Z": "准保护区"}})  # fmt: skip
    assert result.features == 3
    got = pyogrio.read_dataframe(tmp_path / "s.gpkg", layer="water_source")
    assert list(got["grade"]) == ["一级", "二级", "准保护区"]
    with pytest.raises(InputError, match="expected one of") as err:
        import_layer(tmp_path / "t.gpkg", src, layer_id="water_source", value_map={"grade": {"1": "头等"}})
    assert "头等" in (err.value.zh or "")
