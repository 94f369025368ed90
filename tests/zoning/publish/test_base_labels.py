"""The names of the offline base map (zoning.publish.base_labels), checked against the base data."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Geod

from layers.paths import DATA_DIR
from zoning.publish.base_labels import LABEL_KINDS, base_labels

BASE = DATA_DIR / "base"


@pytest.fixture(scope="module")
def labels() -> list[list]:
    return base_labels(BASE)


def test_every_name_is_chinese_and_ranked_for_placing(labels) -> None:
    assert labels, "no labels"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in lab[1]) for lab in labels)
    assert [lab[5] for lab in labels] == sorted(lab[5] for lab in labels)  # best rank first: placed first
    assert all(lab[4] <= 10 for lab in labels)  # every name is on the map by zoom 10 (planners draw at 10-18)


def test_each_county_is_named_and_county_seats_come_before_towns(labels) -> None:
    counties = gpd.read_file(BASE / "admin_counties_display.geojson")
    named = {lab[1] for lab in labels if lab[0] == "county"}
    assert named == set(counties["name"])
    seats = {lab[1] for lab in labels if lab[0] == "seat"}
    assert "平江" in seats or "平江县" in seats
    assert LABEL_KINDS["seat"][1] < LABEL_KINDS["town"][1]


def test_a_long_river_is_named_along_its_course(labels) -> None:
    """The Xiang crosses the province (hundreds of km): it is named many times, the names
    spread along it (no two closer than a few km)."""
    xiang = [lab for lab in labels if lab[0] == "river" and lab[1] == "湘江"]
    assert len(xiang) >= 10
    geod = Geod(ellps="GRS80")
    nearest = [min(geod.inv(a[2], a[3], b[2], b[3])[2] for b in xiang if b is not a) for a in xiang]
    assert min(nearest) > 3_000
