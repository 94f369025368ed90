"""A result rebuilt from its JSON (``zoning.results_io``) gives the same JSON again — with units,
clauses, coverage, notes in two languages — and keeps the geometries passed beside it."""

from __future__ import annotations

from tests.zoning._engine_support import rect
from tests.zoning.test_units_coverage import at, full_store, one
from zoning.results_io import result_from_dict


def test_round_trip_of_a_result_with_units_clauses_and_notes() -> None:
    result = one(at(rect(499_500, 3_100_000, 2_000, 100), emits_vocs=True), full_store())
    assert result.units and result.clauses and result.notes  # the parts the JSON must carry back
    again = result_from_dict(result.to_dict(), geometry=result.project.geometry,
                             overlaps=[c.overlap_geometry for c in result.conflicts])  # fmt: skip
    assert again.to_dict() == result.to_dict()
    assert again.project.geometry.equals(result.project.geometry)
    assert [n.zh if hasattr(n, "zh") else n for n in again.notes] == [n.zh if hasattr(n, "zh") else n for n in result.notes]
