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


def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _capture_legend(monkeypatch) -> list[tuple[object, str]]:
    seen: list[tuple[object, str]] = []
    real = maps._legend

    def capture(ax, handles):
        seen.extend(handles)
        return real(ax, handles)

    monkeypatch.setattr(maps, "_legend", capture)
    return seen


def test_water_source_grades_have_their_own_shade_and_legend_entry(monkeypatch, store, farm) -> None:
    """The farm's detail map shows the 一级 and 二级 zones of the fixture store: two legend
    entries, the stricter grade darker; in English the layer title heads the grades' rows."""
    zones = ReportZones(store)
    legend = _capture_legend(monkeypatch)
    maps.detail_map(farm, "water_source", zones)
    by_label = {label: handle for handle, label in legend}
    assert {"饮用水水源保护区（一级）", "饮用水水源保护区（二级）"} <= set(by_label)
    assert "饮用水水源保护区" not in by_label
    grade1, grade2 = by_label["饮用水水源保护区（一级）"], by_label["饮用水水源保护区（二级）"]
    assert _luminance(grade1.get_facecolor()) < _luminance(grade2.get_facecolor()) - 0.05
    legend.clear()
    maps.detail_map(farm, "water_source", zones, lang="en")
    labels = [label for _, label in legend]
    start = labels.index("Drinking-water source protection zone")
    assert labels[start + 1:start + 3] == ["Grade I", "Grade II"]


def test_third_grade_is_lightest() -> None:
    from zoning.styles import load_styles

    shades = [maps._zone_fill(load_styles(), "water_source", g) for g in ("一级", "二级", "准保护区")]
    assert _luminance(shades[0]) < _luminance(shades[1]) < _luminance(shades[2])


def _record_texts(monkeypatch) -> list[str]:
    """Every text drawn on a map's axes (labels are annotations placed by ``maps._Labels``)."""
    from matplotlib.axes import Axes

    texts: list[str] = []
    real_text, real_annotate = Axes.text, Axes.annotate

    def text(self, x, y, s, *args, **kwargs):
        texts.append(str(s))
        return real_text(self, x, y, s, *args, **kwargs)

    def annotate(self, s, *args, **kwargs):
        texts.append(str(s))
        return real_annotate(self, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", text)
    monkeypatch.setattr(Axes, "annotate", annotate)
    return texts


def test_labels_do_not_repeat_the_grade_a_name_already_says(monkeypatch, farm) -> None:
    """Delineated zones are named "…一级保护区（陆域）": the label must not add "（一级）"."""
    from .conftest import make_store

    named = make_store()
    ws = named.layers["water_source"]
    ws["name"] = ["示例取水口 一级保护区（陆域）", "示例取水口 二级保护区（陆域）"]
    texts = _record_texts(monkeypatch)
    maps.detail_map(farm, "water_source", ReportZones(named))
    labels = [s for s in texts if "示例取水口" in s]
    assert "示例取水口 一级保护区（陆域）" in labels
    assert not any("（一级）" in s or "（二级）" in s for s in labels)
    texts.clear()
    maps.detail_map(farm, "water_source", ReportZones(make_store()))  # names without the grade get it
    assert "示例水厂水源（一级）" in texts


def test_a_zone_name_with_tabs_and_line_breaks_is_drawn_on_one_line(monkeypatch, farm) -> None:
    """A tab or line break in a zone's name (data) has no glyph: the label joins the words
    with spaces (the suite turns matplotlib's "Glyph 9 missing" warning into an error)."""

    from .conftest import make_store

    named = make_store()
    ws = named.layers["water_source"]
    ws["name"] = ["甲\t水源\n一级", "乙\r\n水源"]
    texts = _record_texts(monkeypatch)
    maps.detail_map(farm, "water_source", ReportZones(named))
    assert any(s.startswith("甲 水源 一级") for s in texts)
    assert not any(ch in s for s in texts for ch in "\t\r\n")


def test_labels_never_overlap_each_other_or_the_map_furniture() -> None:
    """Ten long labels anchored at one spot: each one drawn lies clear of every other and of
    the legend corner (measured on the drawn text, in pixels); the rest are left out, and a
    forced label is always drawn."""
    import matplotlib.pyplot as plt
    from shapely.geometry import box

    from zoning.report.fonts import matplotlib_family

    with plt.rc_context({"font.family": [matplotlib_family()]}):  # the reports' CJK font, as the maps set it
        fig, ax = plt.subplots(figsize=(6.3, 4.2), dpi=100)
        ax.set_xlim(0, 3000)
        ax.set_ylim(0, 2000)
        legend_corner = box(2000, 0, 3000, 700)
        labels = maps._Labels(ax, [legend_corner], [legend_corner])
        placed = [labels.place(1500, 1000, f"禁养区：某某乡镇城镇建成区{i}", fontsize=9) for i in range(10)]
        assert placed[0] and not all(placed)
        assert labels.place(1500, 1000, "项目涉及的要素", force=True, fontsize=9)
        renderer = fig.canvas.get_renderer()
        drawn = [a.get_window_extent(renderer) for a in ax.texts]
        free = [b for a, b in zip(ax.texts, drawn, strict=True) if a.get_text() != "项目涉及的要素"]
        assert len(free) == sum(placed)
        for i, a in enumerate(free):
            assert not any(a.overlaps(b) for b in free[i + 1:])
        corner = ax.transData.transform([(2000, 0), (3000, 700)])
        for b in free:
            assert not (b.x1 > corner[0][0] and b.y0 < corner[1][1]), "a label over the legend"
        plt.close(fig)
