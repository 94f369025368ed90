"""Report maps: how often a figure is rendered, and what its legend and labels say."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg

from zoning.report import maps
from zoning.report.zones import ReportZones


def _count_renders(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = FigureCanvasAgg.draw

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(FigureCanvasAgg, "draw", counting)
    return calls


def test_a_map_is_rendered_once(monkeypatch, store, farm) -> None:
    """The overview plots counties, three zone layers (hit and not hit), the project and the
    overlaps — a dozen plot calls; the PNG needs exactly one render (the one savefig does)."""
    zones = ReportZones(store)
    calls = _count_renders(monkeypatch)
    maps.overview_map(farm, zones)
    assert len(calls) == 1
    calls.clear()
    maps.detail_map(farm, "water_source", zones)
    assert len(calls) == 1
