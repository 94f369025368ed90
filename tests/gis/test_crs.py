"""gis.crs: CRS parsing, Gauss-Kruger codes and .prj files, GCJ-02/BD-09, plausibility checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, settings
from pyproj import CRS, Geod, Transformer

from gis.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_lonlat_plausible,
    check_projected_plausible,
    crs_from_prj,
    crs_label,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gk_central_meridian,
    gk_epsg,
    parse_crs,
    wgs84_to_bd09,
    wgs84_to_gcj02,
    work_crs_for,
    work_crs_for_geometry,
    work_crs_for_lon,
)
from gis.errors import CRSError
from tests.strategies import hunan_lonlat

GEOD = Geod(ellps="WGS84")

# --- parse_crs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (4547, "EPSG:4547"),
        ("EPSG:4326", "EPSG:4326"),
        ("4490", "EPSG:4490"),
        ("cgcs2000", "EPSG:4490"),
        ("WGS84", "EPSG:4326"),
        (CRS.from_epsg(4526), "EPSG:4526"),
    ],
)
def test_parse_crs_accepts_codes_names_and_objects(value: object, label: str) -> None:
    choice = parse_crs(value)  # type: ignore[arg-type]
    assert choice.label == label
    assert choice.offset is None
    assert choice.crs.to_epsg() == int(label.split(":")[1])


@pytest.mark.parametrize(
    ("value", "kind"), [("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("高德", "gcj02"), ("baidu", "bd09"), ("bd09", "bd09")]
)
def test_parse_crs_offset_systems_are_cgcs2000_with_an_offset(value: str, kind: str) -> None:
    choice = parse_crs(value)
    assert choice.offset == kind
    assert choice.crs.to_epsg() == 4490


def test_parse_crs_unknown_value_lists_accepted_forms() -> None:
    with pytest.raises(CRSError, match=r"CRS 'EPSG:45470' is not recognised; expected an EPSG code.*gcj02 / bd09"):
        parse_crs("EPSG:45470")


def test_parse_crs_refuses_planetary_crs_that_proj_knows_by_name() -> None:
    with pytest.raises(CRSError, match=r"CRS 'Mars2000' is GCS_Mars_2000, not a coordinate system of the Earth"):
        parse_crs("Mars2000")


# --- Gauss-Kruger EPSG codes: the EPSG database names are the oracle ----------------------


@pytest.mark.parametrize("cm", range(75, 136, 3))
def test_gk_epsg_3_degree_matches_epsg_names(cm: int) -> None:
    assert CRS.from_epsg(gk_epsg(cm)).name == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"
    assert CRS.from_epsg(gk_epsg(cm, zone_prefix=True)).name == f"CGCS2000 / 3-degree Gauss-Kruger zone {cm // 3}"


@pytest.mark.parametrize("cm", range(75, 136, 6))
def test_gk_epsg_6_degree_matches_epsg_names(cm: int) -> None:
    assert CRS.from_epsg(gk_epsg(cm, zone_width=6)).name == f"CGCS2000 / Gauss-Kruger CM {cm}E"
    zone = (cm + 3) // 6
    assert CRS.from_epsg(gk_epsg(cm, zone_width=6, zone_prefix=True)).name == f"CGCS2000 / Gauss-Kruger zone {zone}"


def test_gk_epsg_rejects_a_meridian_that_is_not_central() -> None:
    with pytest.raises(CRSError, match=r"central meridian 112E is not a CGCS2000 3-degree"):
        gk_epsg(112)
    with pytest.raises(CRSError, match=r"central meridian 114E is not a CGCS2000 6-degree"):
        gk_epsg(114, zone_width=6)


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [
        (108.9, "EPSG:4545"),  # 3-degree zone 36: 106.5-109.5E, CM 108E
        (109.99, "EPSG:4546"),  # Huaihua, zone 37: 109.5-112.5E, CM 111E
        (110.48, "EPSG:4546"),  # Zhangjiajie
        (112.94, "EPSG:4547"),  # Changsha, zone 38: 112.5-115.5E, CM 114E
        (113.5, "EPSG:4547"),
    ],
)
def test_work_crs_for_lon_picks_the_3_degree_zone_by_hand(lon: float, epsg: str) -> None:
    assert work_crs_for_lon(lon) == epsg


def test_zone_borders_belong_to_the_eastern_zone_consistently() -> None:
    # 109.5E and 112.5E are both borders; round-half-even used to send them different ways.
    assert gk_central_meridian(109.5) == 111
    assert gk_central_meridian(112.5) == 114
    assert gk_central_meridian(112.4999) == 111


def test_work_crs_for_bounds_uses_the_centre() -> None:
    assert work_crs_for((112.8, 27.7, 113.2, 28.4)) == "EPSG:4547"


def test_work_crs_for_a_geometry_uses_its_centroid() -> None:
    """A road astride the 112.5 E zone edge: its bounding box is centred east of the edge
    (112.6 E), but most of its length lies west of it — by hand, the length-weighted mean
    longitude is (0.4 x 112.2 + 2.0 x 112.4 + 0.8 x 112.8) / 3.2 = 112.475 E — so it is
    measured in the 111 E zone (EPSG:4546), not the 114 E one."""
    from shapely.geometry import LineString, Point

    road = LineString([(112.0, 27.0), (112.4, 27.0), (112.4, 29.0), (113.2, 29.0)])
    assert (road.bounds[0] + road.bounds[2]) / 2 > 112.5 and road.centroid.x < 112.5
    assert work_crs_for_geometry(road) == "EPSG:4546"
    assert work_crs_for(road.bounds) == "EPSG:4547"
    assert work_crs_for_geometry(Point(113.0, 28.0)) == "EPSG:4547"
    with pytest.raises(CRSError, match=r"site A lies outside China"):
        work_crs_for_geometry(Point(2.35, 48.85), source="site A")


def test_work_crs_for_rejects_bounds_outside_china() -> None:
    with pytest.raises(CRSError, match=r"the data lies outside China"):
        work_crs_for((2.3, 48.8, 2.4, 48.9))


# --- .prj files -------------------------------------------------------------------------------

_GK_PRJ = (
    'PROJCS["Gauss_Kruger",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",{fe}],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",{cm}],PARAMETER["Scale_Factor",{k}],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


@pytest.mark.parametrize(
    ("fe", "cm", "epsg"),
    [
        (38500000.0, 114.0, 4526),  # 3-degree zone 38 with prefix
        (500000.0, 114.0, 4547),  # same zone, CM variant
        (37500000.0, 111.0, 4525),
        (500000.0, 111.0, 4546),
        (19500000.0, 111.0, 4497),  # 6-degree zone 19 with prefix
    ],
)
def test_bare_gauss_kruger_prj_maps_to_epsg(fe: float, cm: float, epsg: int) -> None:
    crs = crs_from_prj(_GK_PRJ.format(fe=fe, cm=cm, k=1.0))
    assert crs.to_epsg() == epsg


def test_prj_6_degree_without_prefix_needs_the_6_degree_hint_in_the_name() -> None:
    text = _GK_PRJ.format(fe=500000.0, cm=111.0, k=1.0).replace(
        'PROJCS["Gauss_Kruger"', 'PROJCS["CGCS2000_6_Degree_GK_CM_111E"'
    )
    assert crs_from_prj(text).to_epsg() == 4508


@pytest.mark.parametrize(("geog", "datum"), [("GCS_Beijing_1954", "Beijing 1954"), ("GCS_Xian_1980", "Xian 1980")])
def test_prj_on_old_chinese_datums_is_refused(geog: str, datum: str) -> None:
    text = _GK_PRJ.format(fe=38500000.0, cm=114.0, k=1.0).replace("GCS_China_Geodetic_Coordinate_System_2000", geog)
    text = text.replace("D_China_2000", f"D_{geog[4:]}").replace('"CGCS2000"', '"Krasovsky_1940"')
    with pytest.raises(CRSError, match=rf"Gauss-Kruger CRS on the {datum} datum"):
        crs_from_prj(text, source="old.prj")


def test_prj_with_scale_factor_other_than_one_is_a_custom_crs() -> None:
    # A CGCS2000 Transverse Mercator with k = 0.9996 is a valid CRS, not a standard GK zone:
    # it is kept with its scale factor (PROJ's reading of the same text), never snapped to 4547.
    text = _GK_PRJ.format(fe=500000.0, cm=114.0, k=0.9996)
    crs = crs_from_prj(text, source="x.prj")
    assert crs.to_epsg() is None or crs.to_epsg() != 4547
    assert "+k=0.9996" in crs_label(crs)
    ref = Transformer.from_crs(CRS.from_user_input(text), 4490, always_xy=True).transform(520_000, 3_100_000)
    got = Transformer.from_crs(crs, 4490, always_xy=True).transform(520_000, 3_100_000)
    assert got == pytest.approx(ref, abs=1e-9)


def test_prj_whose_zone_prefix_contradicts_its_meridian_is_a_custom_crs() -> None:
    # FE 37 500 000 with CM 114E is no standard zone: kept as written (no EPSG code) ...
    crs = crs_from_prj(_GK_PRJ.format(fe=37500000.0, cm=114.0, k=1.0), source="x.prj")
    assert "+x_0=37500000" in crs_label(crs) and not crs_label(crs).startswith("EPSG:")
    # ... and data whose eastings carry zone 38 are refused by the plausibility check.
    with pytest.raises(CRSError, match=r"carry the zone prefix 38"):
        check_projected_plausible((38_500_000, 3_100_000, 38_501_000, 3_101_000), crs, source="x.shp")


def test_empty_and_garbage_prj_are_refused() -> None:
    with pytest.raises(CRSError, match=r"a.prj is empty"):
        crs_from_prj("  ", source="a.prj")
    with pytest.raises(CRSError, match=r"b.prj is not a coordinate system PROJ can read"):
        crs_from_prj("hello", source="b.prj")


def test_ordinary_esri_prj_is_read_by_proj() -> None:
    assert crs_from_prj(CRS.from_epsg(4490).to_wkt("WKT1_ESRI")).to_epsg() == 4490


# --- GCJ-02 and BD-09 ---------------------------------------------------------------------
# Published vectors for (116.404, 39.915): wandergis/coordtransform, test/app.js. The
# forward formulas are exact; the library's inverses are one-step approximations, so ours
# (iterated) must be near them but need not equal them.


def test_forward_formulas_match_published_values() -> None:
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-12)
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-12)


def test_inverse_formulas_are_close_to_published_approximations() -> None:
    for ours, published in (
        (gcj02_to_wgs84(116.404, 39.915), (116.39775550083061, 39.91359571849836)),
        (bd09_to_gcj02(116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    ):
        _, _, dist_m = GEOD.inv(float(ours[0]), float(ours[1]), *published)
        assert dist_m < 5.0


@settings(max_examples=300, deadline=None)
@given(hunan_lonlat())
def test_gcj02_round_trip_is_within_half_a_metre_over_hunan(lonlat: tuple[float, float]) -> None:
    lon, lat = lonlat
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    _, _, err_m = GEOD.inv(lon, lat, float(w_lon), float(w_lat))
    note(f"{lon=} {lat=} error {err_m} m")
    assert err_m < 0.5


@settings(max_examples=300, deadline=None)
@given(hunan_lonlat())
def test_bd09_round_trips_are_within_half_a_metre_over_hunan(lonlat: tuple[float, float]) -> None:
    lon, lat = lonlat
    b_lon, b_lat = wgs84_to_bd09(lon, lat)
    w_lon, w_lat = bd09_to_wgs84(b_lon, b_lat)
    _, _, err_m = GEOD.inv(lon, lat, float(w_lon), float(w_lat))
    assert err_m < 0.5
    # BD-09 <-> GCJ-02 on its own, too.
    g_lon, g_lat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    _, _, err2_m = GEOD.inv(lon, lat, float(g_lon), float(g_lat))
    assert err2_m < 0.5


@settings(max_examples=200, deadline=None)
@given(hunan_lonlat())
def test_gcj02_offset_in_hunan_has_the_published_magnitude(lonlat: tuple[float, float]) -> None:
    """The GCJ-02 shift in Hunan is a few hundred metres (about 300-700 m; the Amap county
    boundaries in ../shared/data/README.md are offset 550-660 m)."""
    lon, lat = lonlat
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    _, _, shift_m = GEOD.inv(lon, lat, float(g_lon), float(g_lat))
    assert 300.0 < shift_m < 700.0


def test_conversions_are_vectorised_over_arrays() -> None:
    lon = np.array([112.9, 113.0, 111.5])
    lat = np.array([27.8, 28.2, 26.0])
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert g_lon.shape == (3,)
    for i in range(3):
        one = wgs84_to_gcj02(lon[i], lat[i])
        assert (g_lon[i], g_lat[i]) == (float(one[0]), float(one[1]))


# --- plausibility -------------------------------------------------------------------------


def test_lonlat_in_hunan_is_plausible() -> None:
    check_lonlat_plausible((112.9, 27.7, 113.1, 28.3), source="f")


def test_swapped_lat_lon_is_explained() -> None:
    with pytest.raises(
        CRSError,
        match=r"f.csv has coordinates such as \(27.70000, 112.90000\) that look like latitude, longitude in swapped order",
    ):
        check_lonlat_plausible((27.7, 112.9, 28.3, 113.1), source="f.csv")


def test_projected_metres_read_as_degrees_name_the_zone() -> None:
    with pytest.raises(
        CRSError,
        match=r"not degrees.*projected metres with a Gauss-Kruger zone prefix \(38: 3-degree zone 38, EPSG:4526\)",
    ):
        check_lonlat_plausible((38_400_000.0, 3_070_000.0, 38_410_000.0, 3_080_000.0), source="f")
    with pytest.raises(CRSError, match=r"in a Gauss-Kruger zone without zone prefix"):
        check_lonlat_plausible((400_000.0, 3_070_000.0, 410_000.0, 3_080_000.0), source="f")


def test_points_outside_china_are_refused() -> None:
    with pytest.raises(CRSError, match=r"f lies outside China \(lon -113.0000..-112.9000"):
        check_lonlat_plausible((-113.0, 28.0, -112.9, 28.1), source="f")


def test_non_finite_coordinates_are_refused() -> None:
    with pytest.raises(CRSError, match=r"non-finite coordinates"):
        check_lonlat_plausible((float("nan"), 28.0, 113.0, 28.1), source="f")


def test_projected_data_in_hunan_passes_without_warnings() -> None:
    # Regression: this used CRS.to_dict(), whose UserWarning is an error under pytest.
    check_projected_plausible((400_000.0, 3_000_000.0, 500_000.0, 3_100_000.0), CRS.from_epsg(4547), source="f")
    check_projected_plausible((38_400_000.0, 3_000_000.0, 38_500_000.0, 3_100_000.0), CRS.from_epsg(4526), source="f")


def test_degrees_declared_as_projected_are_explained() -> None:
    with pytest.raises(
        CRSError,
        match=r"declared in the projected CRS EPSG:4547 \(metres\) but its coordinates such as \(112.90000, 27.70000\) look like degrees",
    ):
        check_projected_plausible((112.9, 27.7, 113.1, 28.3), CRS.from_epsg(4547), source="f")


@pytest.mark.parametrize(
    ("bounds", "epsg", "pattern"),
    [
        (
            (400_000.0, 3e6, 410_000.0, 3.01e6),
            4526,
            r"whose eastings carry the zone number .* have no zone prefix; use the CM variant, e.g. EPSG:4547",
        ),
        (
            (38_400_000.0, 3e6, 38_410_000.0, 3.01e6),
            4547,
            r"carry a zone prefix \(38\); use the zone variant, e.g. EPSG:4526",
        ),
        (
            (38_400_000.0, 3e6, 38_410_000.0, 3.01e6),
            4525,
            r"declared in EPSG:4525 \(zone 37.*carry the zone prefix 38.*wrong zone — use EPSG:4526",
        ),
    ],
)
def test_zone_prefix_mismatches_are_explained(bounds: tuple[float, ...], epsg: int, pattern: str) -> None:
    with pytest.raises(CRSError, match=pattern):
        check_projected_plausible(bounds, CRS.from_epsg(epsg), source="f")  # type: ignore[arg-type]


def test_survey_order_x_northing_is_explained() -> None:
    with pytest.raises(CRSError, match=r"X and Y are swapped \(Chinese surveying writes X = northing"):
        check_projected_plausible((3_070_000.0, 400_000.0, 3_080_000.0, 410_000.0), CRS.from_epsg(4547), source="f")


def test_projected_data_outside_china_is_refused() -> None:
    # 4547 metres of a point in Lake Baikal's latitude band, far north of China.
    x, y = Transformer.from_crs(4490, 4547, always_xy=True).transform(113.0, 58.0)
    with pytest.raises(CRSError, match=r"land outside China \(lon 113.000..113.000, lat 58.000..58.000\)"):
        check_projected_plausible((x, y, x, y), CRS.from_epsg(4547), source="f")
