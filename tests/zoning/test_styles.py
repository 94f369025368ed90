"""The palette (data/styles.yaml): validated on load, complete for the catalogue, and the
shades and contrasts it promises hold (checked by hand-computed colours, not by the loader)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml

from gis.errors import RuleConfigError
from layers.catalog import load_catalog
from zoning.model import VERDICTS
from zoning.styles import STYLES_ENV, STYLES_PATH, load_styles, parse_styles, zone_colours

CJK = re.compile(r"[\u4e00-\u9fff]")


def _raw() -> dict:
    return yaml.safe_load(STYLES_PATH.read_text(encoding="utf-8"))


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_verdict_has_words_and_colours() -> None:
    styles = load_styles()
    assert list(styles.verdicts) == ["prohibited", "conditional", "review", "clear"]
    assert set(styles.verdicts) == set(VERDICTS)
    for code, verdict in styles.verdicts.items():
        assert CJK.search(verdict.label("zh")) and not CJK.search(verdict.label("en")), code
        # white text on the badge colour: WCAG AA for large text; ink on fill: AA for body text
        assert _contrast("#ffffff", verdict.colour) >= 3.0, code
        assert _contrast(verdict.ink, verdict.fill) >= 4.5, code
    assert len({v.colour for v in styles.verdicts.values()}) == 4  # four verdicts, four colours


def test_every_catalogue_layer_has_colours_and_words() -> None:
    """Each layer of the packaged catalogue is listed in the palette (not left to the default
    family), has a title in both languages, and each zone value it lists in `shades` is one
    the catalogue knows (a misspelt value would silently get the base shade)."""
    catalog, styles = load_catalog(), load_styles()
    for lid, spec in catalog.layers.items():
        assert styles.layer(lid).listed, f"{lid} has no entry in data/styles.yaml"
        assert spec.title_zh and spec.title_en and CJK.search(spec.title_zh), lid
        known = set(catalog.field(lid, spec.zone_field).allowed) if spec.zone_field else set()
        assert set(styles.layer(lid).shades) <= known, lid
        if spec.zone_field:
            for value in catalog.field(lid, spec.zone_field).values:
                assert catalog.field(lid, spec.zone_field).label(value, "en") != value, (lid, value)


def test_shades_are_the_mixes_the_file_describes() -> None:
    """water_source: fill #a6cee3, edge #1f5fa8. 一级 (dark) is 40 % toward the edge:
    166+(31-166)*0.4 = 112 = 0x70, 206+(95-206)*0.4 = 161.6 -> 0xa2, 227+(168-227)*0.4 = 203.4
    -> 0xcb; 准保护区 (light) is 60 % toward white: 166+89*0.6 = 219.4 -> 0xdb, 206+49*0.6 = 235.4
    -> 0xeb, 227+28*0.6 = 243.8 -> 0xf4; 二级 is not listed: the fill."""
    colours = zone_colours()["water_source"]
    assert (colours["一级"], colours["二级"], colours["准保护区"], colours[""]) == ("#70a2cb", "#a6cee3", "#dbebf4", "#a6cee3")
    assert _luminance(colours["一级"]) < _luminance(colours["二级"]) < _luminance(colours["准保护区"])


def test_control_units_are_coloured_by_category_in_their_own_colours() -> None:
    """The units' categories are kinds, not grades: each has its own fill (green, pink,
    beige), distinct from each other; the shades still rank them."""
    colours = zone_colours()["env_control_unit"]
    assert (colours["优先保护单元"], colours["重点管控单元"], colours["一般管控单元"]) == ("#a6d96a", "#e9a3c9", "#efe6d2")
    style = load_styles().layer("env_control_unit")
    assert style.rank("优先保护单元") < style.rank("重点管控单元") < style.rank("一般管控单元")


def test_a_bad_value_colour_is_listed() -> None:
    data = _raw()
    data["zones"]["layers"]["env_control_unit"]["colours"]["优先保护单元"] = "green"
    data["zones"]["layers"]["wetland"]["colours"] = ["#ffffff"]
    with pytest.raises(RuleConfigError) as info:
        parse_styles(data, source="test.yaml")
    assert "zones.layers.env_control_unit.colours.优先保护单元: 'green' is not a colour" in str(info.value)
    assert "zones.layers.wetland.colours: expected a mapping of zone value -> #rrggbb" in str(info.value)


def test_draw_order_puts_water_sources_over_the_no_raise_zone_and_unlisted_layers_first() -> None:
    styles = load_styles()
    order = styles.draw_order(["water_source", "livestock_zone", "mining_right", "eco_redline"])
    assert order == ["mining_right", "livestock_zone", "eco_redline", "water_source"]
    # the colour the eye sees at 0.7 over white: 255 + (112-255)*0.7 = 154.9 -> 0x9b ...
    assert styles.seen("#70a2cb") == "#9bbedb"


def test_a_layer_the_palette_does_not_list_gets_a_default_colour_and_a_warning(caplog) -> None:
    styles = load_styles()
    with caplog.at_level(logging.WARNING, logger="zoning.styles"):
        style = styles.layer("wetland_unlisted_test")
    assert not style.listed and (style.fill, style.edge) in styles.defaults
    assert style == styles.layer("wetland_unlisted_test")  # always the same pair
    assert "wetland_unlisted_test" in caplog.text and "default colour family" in caplog.text
    assert style.zone_fill("any value") == style.fill


def test_every_problem_is_listed_at_once() -> None:
    data = _raw()
    data["verdicts"].pop("review")
    data["verdicts"]["clear"]["colour"] = "green"
    data["verdicts"]["clear"].pop("en")
    data["zones"]["opacity"] = 1.5
    data["zones"]["layers"]["water_source"]["shades"]["一级"] = "darkest"
    data["zones"]["layers"]["Bad-Id"] = {"fill": "#ffffff", "edge": "#000000"}
    data["zones"]["colour"] = "#ffffff"
    with pytest.raises(RuleConfigError) as info:
        parse_styles(data, source="test.yaml")
    text = str(info.value)
    assert "test.yaml: 7 problem(s)" in text
    for expected in ("verdicts: ['review'] missing", "verdicts.clear.colour: 'green' is not a colour",
                     "verdicts.clear.en", "zones.opacity: 1.5", "zones.layers.water_source.shades.一级: 'darkest'",
                     "zones.layers.Bad-Id: not a layer id", "zones: unknown key(s) ['colour']"):
        assert expected in text
    assert info.value.zh and "样式文件 test.yaml 有 7 处问题" in info.value.zh


def test_the_environment_names_another_palette_and_a_changed_file_is_read_again(tmp_path: Path, monkeypatch) -> None:
    data = _raw()
    data["zones"]["layers"]["water_source"]["fill"] = "#123456"
    path = tmp_path / "styles.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(STYLES_ENV, str(path))
    assert load_styles().zone_fill("water_source", "二级") == "#123456"
    data["zones"]["layers"]["water_source"]["fill"] = "#654321"
    path.write_text(yaml.safe_dump(data, allow_unicode=True) + "\n# changed\n", encoding="utf-8")
    assert load_styles().zone_fill("water_source", "二级") == "#654321"
    monkeypatch.setenv(STYLES_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(RuleConfigError, match="missing.yaml cannot be read"):
        load_styles()
