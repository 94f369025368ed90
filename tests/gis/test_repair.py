"""gis.repair: invalid geometry is repaired keeping its dimension, and every repair is reported."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, note, settings
from shapely.geometry import Polygon

from gis.errors import GeometryError
from gis.repair import GeometryRepairWarning, RepairReport, repair_geometries
from tests.strategies import bowtie_polygons_lonlat, hunan_polygons_gk, hunan_polygons_lonlat


@settings(max_examples=100, deadline=None)
@given(hunan_polygons_lonlat())
def test_valid_lonlat_polygons_are_returned_untouched(poly: Polygon) -> None:
    note(poly.wkt)
    series = gpd.GeoSeries([poly], crs="EPSG:4490")
    # filterwarnings=error: a repair warning here would fail the test.
    fixed, report = repair_geometries(series, source="t")
    assert report.count == 0
    assert fixed.iloc[0] is poly
    assert fixed.iloc[0].area == poly.area


@settings(max_examples=100, deadline=None)
@given(hunan_polygons_gk())
def test_valid_gk_polygons_keep_their_area(poly: Polygon) -> None:
    note(poly.wkt)
    fixed, report = repair_geometries(gpd.GeoSeries([poly], crs="EPSG:4547"), source="t")
    assert report == RepairReport(source="t")
    assert fixed.iloc[0].area == pytest.approx(poly.area, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(bowtie_polygons_lonlat())
def test_bowtie_becomes_two_triangles_of_half_the_box_area(bowtie: Polygon) -> None:
    note(bowtie.wkt)
    minx, miny, maxx, maxy = bowtie.bounds
    expected_area = (maxx - minx) * (maxy - miny) / 2  # two triangles meeting at the centre
    with pytest.warns(
        GeometryRepairWarning,
        match=r"t: 已修复 1 个无效几何.*repaired 1 invalid geometry \(Self-intersection: 1\) at feature #1",
    ):
        fixed, report = repair_geometries(gpd.GeoSeries([bowtie]), source="t")
    geom = fixed.iloc[0]
    assert geom.is_valid
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2
    assert geom.area == pytest.approx(expected_area, rel=1e-9)
    assert report.count == 1
    assert dict(report.kinds) == {"Self-intersection": 1}
    assert report.rows == (0,)


def test_ring_self_intersection_keeps_the_polygon_and_counts_the_dropped_spike() -> None:
    """A 4 x 4 square whose top edge has a spike going down to (2, 2) and back: the spike is a
    line, dropped; the polygon left is the square, area 16."""
    spiky = shapely.from_wkt("POLYGON ((0 0, 4 0, 4 4, 2 4, 2 2, 2 4, 0 4, 0 0))")
    with pytest.warns(GeometryRepairWarning, match=r"Ring Self-intersection: 1.*dropped 1 lower-dimension part"):
        fixed, report = repair_geometries(gpd.GeoSeries([spiky], crs="EPSG:4547"), source="spiky.shp")
    assert fixed.iloc[0].geom_type == "Polygon"
    assert fixed.iloc[0].area == pytest.approx(16.0)
    assert report.kinds == {"Ring Self-intersection": 1}
    assert report.dropped_parts == 1
    assert str(fixed.crs) == "EPSG:4547"


def test_only_invalid_rows_change_and_index_is_kept() -> None:
    square = shapely.box(0, 0, 1, 1)
    bowtie = shapely.from_wkt("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))")
    line = shapely.from_wkt("LINESTRING (0 0, 1 1)")
    series = gpd.GeoSeries([square, bowtie, line, bowtie], index=[10, 11, 12, 13])
    with pytest.warns(
        GeometryRepairWarning, match=r"repaired 2 invalid geometries \(Self-intersection: 2\) at feature #2, #4"
    ):
        fixed, report = repair_geometries(series, source="batch")
    assert list(fixed.index) == [10, 11, 12, 13]
    assert fixed.iloc[0] is square
    assert fixed.iloc[2] is line
    assert report.rows == (1, 3)
    assert fixed.is_valid.all()


def test_empty_and_null_geometries_are_errors_naming_source_and_features() -> None:
    series = gpd.GeoSeries([shapely.box(0, 0, 1, 1), None, shapely.from_wkt("POLYGON EMPTY")])
    with pytest.raises(
        GeometryError,
        match=r"upload.zip: 2 feature\(s\) without geometry or with an empty geometry \(#2, #3, numbered from 1\)",
    ):
        repair_geometries(series, source="upload.zip")


def test_polygon_that_collapses_to_a_line_cannot_be_repaired() -> None:
    flat = shapely.from_wkt("POLYGON ((0 0, 1 0, 2 0, 0 0))")
    with pytest.raises(GeometryError, match=r"f.gpkg: feature #1 \(numbered from 1\) is invalid .* cannot be repaired"):
        repair_geometries(gpd.GeoSeries([flat]), source="f.gpkg")


def test_line_with_one_distinct_point_cannot_be_repaired() -> None:
    with pytest.raises(GeometryError, match=r"Too few points in geometry component.*cannot be repaired"):
        repair_geometries(gpd.GeoSeries([shapely.from_wkt("LINESTRING (1 1, 1 1)")]), source="f")


def test_summary_sentences() -> None:
    assert RepairReport().summary() == "几何有效，无需修复 / all geometries valid, no repair needed"
    report = RepairReport(12, {"Self-intersection": 12}, tuple(range(12)), 0, "f")
    assert report.summary().endswith("at feature #1, #2, #3, #4, #5, #6, #7, #8, #9, #10 and 2 more")
