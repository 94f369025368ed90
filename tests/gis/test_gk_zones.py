"""The Gauss-Kruger zones a planner may type coordinates in, and the zone guessed from X/Y.

References: pyproj's own EPSG definitions (names, central meridians, false eastings) and
pyproj transforms of known places; the zone arithmetic by hand (zone = CM / 3).
"""

from __future__ import annotations

import pytest
import shapely
from pyproj import CRS, Transformer

from gis.crs import GkZone, gk_zone, gk_zones, guess_gk_zone
from gis.io import guess_typed_crs

# Hunan spans about 108.6-114.3E: the 3-degree bands of CM 108 (106.5-109.5), 111 and 114.
HUNAN_LON = (108.6, 24.6, 114.3, 30.1)
CHANGSHA = (112.94, 28.23)


def _params(code: int) -> tuple[float, float]:
    op = CRS.from_epsg(code).coordinate_operation
    values = {p.name: p.value for p in op.params}
    return values["Longitude of natural origin"], values["False easting"]


def test_the_zones_over_hunan_by_code_and_name() -> None:
    zones = gk_zones(HUNAN_LON)
    assert [z.epsg for z in zones] == [4545, 4524, 4546, 4525, 4547, 4526]
    for z in zones:
        cm, fe = _params(z.epsg)
        assert cm == z.central_meridian and z.zone == cm // 3
        assert fe == (z.zone * 1_000_000 + 500_000 if z.prefixed else 500_000)
        name = CRS.from_epsg(z.epsg).name
        assert (f"zone {z.zone}" in name) if z.prefixed else (f"CM {z.central_meridian}E" in name)
        assert z.code in z.text.zh and z.code in z.text.en and f"{z.central_meridian}°E" in z.text.zh
    assert gk_zone("EPSG:4546") == GkZone(4546, 111, False) and gk_zone(4525) == GkZone(4525, 111, True)
    assert gk_zone(4490) is None and gk_zone("gcj02") is None


def test_an_easting_with_the_zone_number_names_the_zone() -> None:
    for code in (4524, 4525, 4526):
        lon = 108.9 if code == 4524 else (110.9 if code == 4525 else CHANGSHA[0])
        e, n = Transformer.from_crs(4490, code, always_xy=True).transform(lon, 28.0)
        guess = guess_gk_zone([e], [n])
        assert guess is not None and guess.candidates == (code,) and guess.certain
    # 6-degree zone 19 (CM 111E) with its number: EPSG:4497 (4491 + 19 - 13)
    e, n = Transformer.from_crs(4490, 4497, always_xy=True).transform(111.5, 28.0)
    assert guess_gk_zone([e], [n]).candidates == (4497,)


def test_a_bare_easting_gives_every_zone_that_puts_it_in_the_region() -> None:
    e, n = Transformer.from_crs(4490, 4547, always_xy=True).transform(*CHANGSHA)
    guess = guess_gk_zone([e], [n])
    assert guess is not None and not guess.certain and 4547 in guess.candidates
    for code in guess.candidates:  # each candidate really puts the point in Hunan's box
        lon, lat = Transformer.from_crs(code, 4490, always_xy=True).transform(e, n)
        assert 108.4 <= lon <= 114.6 and 24.3 <= lat <= 30.4
    assert "EPSG:4546" in guess.text.zh and "EPSG:4547" in guess.text.en and "请选择" in guess.text.zh


def test_a_region_that_only_one_zone_fits_makes_the_guess_certain() -> None:
    region = shapely.box(110.0, 26.0, 112.0, 28.0)  # within CM 111's band only
    e, n = Transformer.from_crs(4490, 4546, always_xy=True).transform(111.5, 27.0)
    assert guess_gk_zone([e], [n], region=region).candidates == (4546,)
    assert guess_gk_zone([e], [n], region=(110.0, 26.0, 112.0, 28.0)).candidates == (4546,)


def test_what_is_not_a_zone() -> None:
    assert guess_gk_zone([112.9], [28.2]) is None  # degrees
    assert guess_gk_zone([512_000.0], [9_000_000.0]) is None  # no northing over China
    mixed = guess_gk_zone([37_512_000.0, 38_512_000.0], [3_100_000.0, 3_100_000.0])
    assert mixed is not None and mixed.candidates == () and "37" in mixed.text.en and "38" in mixed.text.en
    far = guess_gk_zone([150_000.0], [3_100_000.0])  # 3.5 degrees west of every meridian
    assert far is not None and far.candidates == () and "X" in far.text.zh


@pytest.mark.parametrize("text", ["3123000, 38512000", "38512000 3123000", "3123000\t38512000\n3123100\t38512100"])
def test_typed_text_in_either_order(text: str) -> None:
    guess = guess_typed_crs(text)
    assert guess is not None and guess.candidates == (4526,)


def test_typed_degrees_and_words_are_no_zone() -> None:
    assert guess_typed_crs("112.93, 28.23") is None and guess_typed_crs("not coordinates") is None
