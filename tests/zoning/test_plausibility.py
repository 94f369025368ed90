"""Warnings for a project that does not look like its type (never refusals): sizes and
geometries against data/project_types.yaml ``plausible``; areas measured by pyproj here."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from gis.errors import RuleConfigError
from tests.ui.conftest import build_store
from zoning.engine import screen
from zoning.model import Project
from zoning.plausibility import plausibility_notes
from zoning.project_types import load_project_types

TYPES = load_project_types()


def test_a_whole_county_as_a_chemical_project_is_screened_with_a_warning(tmp_path) -> None:
    """A 0.6° x 0.6° box near 27.8°N: about 4,000 km² (pyproj's geodesic area)."""
    county = box(112.6, 27.5, 113.2, 28.1)
    km2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(county)[0]) / 1e6
    assert 3500 < km2 < 4500
    (result,) = screen([Project("化工厂", "chemical_project", county)], build_store(tmp_path / "z.gpkg"))
    warning = result.notes[0]
    assert warning.zh.startswith("项目面积") and "远大于“化工项目/化工园区”的常见规模" in warning.zh
    assert f"{km2 * 100:,.0f}"[:3] in warning.zh  # hectares, to the first digits (GK vs geodesic)
    assert "screened as given" in warning.en
    assert result.verdict in ("prohibited", "conditional", "review", "clear")  # screened all the same


@pytest.mark.parametrize("type_key,geometry,expected", [
    ("road", Point(113, 28), "“道路”通常以线或面表示，本项目为点"),
    ("landfill", LineString([(113, 28), (113.01, 28)]), "“垃圾填埋/固废处置场”通常以点或面表示，本项目为线"),
])  # fmt: skip
def test_a_type_drawn_as_the_wrong_geometry_is_said(type_key: str, geometry, expected: str) -> None:
    notes = plausibility_notes(type_key, geometry.geom_type, 0.0, 1000.0, TYPES)
    assert notes and notes[0].zh.startswith(expected)


def test_a_usual_project_gets_no_warning() -> None:
    assert plausibility_notes("livestock_farm", "Polygon", 12_000.0, 0.0, TYPES) == []  # 1.2 ha
    assert plausibility_notes("road", "LineString", 0.0, 12_000.0, TYPES) == []  # 12 km
    assert plausibility_notes("road", "LineString", 0.0, 5.0, TYPES)[0].zh.startswith("项目长度 0.01 千米，小于")


def test_a_wrong_plausible_entry_is_refused(tmp_path) -> None:
    text = _types_text().replace("plausible: {geometry: [line, polygon], area_ha: [0.1, 5000], length_km: [0.05, 500]}",
                                     "plausible: {geometry: [curve], area_ha: [5, 1]}")  # fmt: skip
    path = tmp_path / "types.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleConfigError) as info:
        load_project_types(path)
    assert "'curve' is not one of" in str(info.value) and "not a range" in str(info.value)


def _types_text() -> str:  # noqa: N802 - reads like the constant it stands for
    from layers.paths import PROJECT_TYPES_PATH

    return PROJECT_TYPES_PATH.read_text(encoding="utf-8")
