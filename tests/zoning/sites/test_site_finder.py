"""The site finder on constructed stores: areas against hand-computed allowed areas, every
candidate re-screened by the engine (as a whole and at sampled points), the 1 km shoreline,
the chemical-park rule, coverage, fit, slope and the cache.

Expected areas come from the squares' sides (hand arithmetic); the tolerance along edges is
one cell's width: edge length x cell size (the raster burns every cell a constraint touches).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from tests.zoning._engine_support import GK114, X0, Y0, lonlat, rect, transform, zone_frame
from tests.zoning.sites.conftest import COUNTY_M, county_area, memory_store
from zoning.engine import default_rules, screen
from zoning.model import Project
from zoning.sites import SiteQuery, cached_find_sites, find_sites
from zoning.verdicts import VERDICT_RANK

RES = 30.0


def _query(type_: str, **kw) -> SiteQuery:
    return SiteQuery(type_, kw.pop("attributes", {}), resolution_m=RES, min_area_m2=kw.pop("min_area_m2", 0.0),
                     max_candidates=kw.pop("max_candidates", None), **kw)


def _total(search) -> float:
    return sum(c.area_m2 for c in search.candidates)


def _union_work(search):
    """The candidates in EPSG:4547 (the tests' metres) whatever work CRS the search chose."""
    return transform(shapely.union_all([c.geometry_lonlat for c in search.candidates]), "EPSG:4490", GK114)


def _sample_points(search, n: int = 20, seed: int = 7) -> list:
    rng = np.random.default_rng(seed)
    pts = []
    for c in search.candidates:
        x0, y0, x1, y1 = c.geometry.bounds
        got = 0
        while got < n:
            p = shapely.Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if c.geometry.contains(p):
                pts.append((c, p))
                got += 1
    return pts


def _never_excluded(store, search, type_: str, attributes=None, exclude: str = "prohibited") -> None:
    """Every candidate, whole and at sampled points, screens below the excluded verdict."""
    from zoning.sites.area import to_lonlat

    attributes = attributes or {}
    whole = screen([Project(f"c{c.rank}", type_, c.geometry_lonlat, attributes) for c in search.candidates], store)
    assert all(VERDICT_RANK[r.verdict] < VERDICT_RANK[exclude] for r in whole), [r.verdict for r in whole]
    pts = _sample_points(search)
    projects = [Project("p", type_, to_lonlat(p, search.crs), attributes) for _, p in pts]
    verdicts = {r.verdict for r in screen(projects, store)}
    assert all(VERDICT_RANK[v] < VERDICT_RANK[exclude] for v in verdicts), verdicts


def test_allowed_area_is_county_less_red_line_within_one_cell_along_edges() -> None:
    """A 2 km x 2 km general red line (chemical projects prohibited, ECO08) in the middle of
    the 10 km county: offered = 100 - 4 = 96 km², less at most a cell along every edge."""
    redline = rect(X0 + 4000, Y0 + 4000, 2000, 2000)
    store = memory_store({"eco_redline": zone_frame([{"name": "红线", "category": "一般", "geometry": redline}])})
    search = find_sites(store, _query("chemical_project"), county_area())
    expected = COUNTY_M**2 - 2000.0**2
    tolerance = (4 * COUNTY_M + 4 * 2000.0) * RES
    assert expected - tolerance <= _total(search) <= expected
    got = _union_work(search)
    assert not got.intersects(shapely.buffer(redline, -0.5))
    assert got.distance(redline) < RES * 1.5  # right up to the red line, less than a cell and a half away
    assert {c.verdict for c in search.candidates} == {"clear"}
    _never_excluded(store, search, "chemical_project")


def test_shoreline_1km_shapes_chemical_candidates() -> None:
    """A river line across the county at mid-height: chemical projects are prohibited within
    1 km (SHL01), so the offered land is two 4 km strips (2 x 10 x 4 = 80 km²) and no
    candidate comes within 1,000 m of the line."""
    river = shapely.LineString([(X0 - 5000, Y0 + 5000), (X0 + COUNTY_M + 5000, Y0 + 5000)])
    store = memory_store({"shoreline": zone_frame([{"name": "湘江", "river": "湘江", "rank": "干流", "geometry": river}])})
    search = find_sites(store, _query("chemical_project"), county_area())
    expected = 2 * COUNTY_M * 4000.0
    tolerance = 2 * (2 * COUNTY_M + 2 * 4000.0) * RES + 2 * COUNTY_M * 1000 * 0.013 * 2  # + the buffers' 1.3 % margin
    assert expected - tolerance <= _total(search) <= expected
    got = _union_work(search)
    assert got.distance(river) >= 1000.0
    assert len(search.candidates) == 2  # one strip each side
    assert all(c.prohibited_distance_m is not None and c.prohibited_distance_m < RES * 1.5 for c in search.candidates)
    _never_excluded(store, search, "chemical_project")


def test_same_river_does_not_constrain_a_landfill() -> None:
    """The shoreline rows are for chemical projects and tailings ponds only: a landfill is
    offered the whole county (less its edge cells)."""
    river = shapely.LineString([(X0 - 5000, Y0 + 5000), (X0 + COUNTY_M + 5000, Y0 + 5000)])
    store = memory_store({"shoreline": zone_frame([{"name": "湘江", "river": "湘江", "rank": "干流", "geometry": river}])})
    search = find_sites(store, _query("landfill"), county_area())
    assert COUNTY_M**2 - 4 * COUNTY_M * RES <= _total(search) <= COUNTY_M**2
    assert len(search.candidates) == 1


def _parks() -> object:
    return zone_frame([
        {"name": "化工园", "level": "省级", "chemical": "是", "geometry": rect(X0 + 1000, Y0 + 1000, 2000, 2000)},
        {"name": "普通园", "level": "其他", "chemical": "否", "geometry": rect(X0 + 6000, Y0 + 6000, 2000, 2000)},
    ])  # fmt: skip


def test_chemical_project_only_inside_the_chemical_park() -> None:
    """PARK01: a new chemical project outside a compliant chemical park is prohibited; the
    only candidate is the chemical park (4 km² less a cell along its 8 km edge), never the
    other park."""
    store = memory_store({"industrial_park": _parks()})
    search = find_sites(store, _query("chemical_project"), county_area())
    chem = rect(X0 + 1000, Y0 + 1000, 2000, 2000)
    assert 4e6 - 8000 * RES <= _total(search) <= 4e6
    got = _union_work(search)
    assert got.within(shapely.buffer(chem, 0.5))
    assert not got.intersects(rect(X0 + 6000, Y0 + 6000, 2000, 2000))
    _never_excluded(store, search, "chemical_project")


def test_rebuilt_chemical_project_is_not_held_to_the_park() -> None:
    """PARK01 holds for 新建/扩建 only: with construction_nature=改建 the whole county is offered."""
    store = memory_store({"industrial_park": _parks()})
    search = find_sites(store, _query("chemical_project", attributes={"construction_nature": "改建"}), county_area())
    assert _total(search) >= COUNTY_M**2 - 4 * COUNTY_M * RES


def test_where_the_park_layer_has_no_data_the_answer_is_review_at_best() -> None:
    """The park layer covers only the county's west half: east of it a chemical project
    cannot be told prohibited or not, so it is offered as review (COV01/PARK01), never clear."""
    from layers.coverage import LayerCoverage

    west = lonlat(rect(X0 - 100, Y0 - 100, 5100, COUNTY_M + 200))
    store = memory_store({"industrial_park": _parks()},
                         coverage={"industrial_park": LayerCoverage("industrial_park", (), west, "west half")})
    search = find_sites(store, _query("chemical_project"), county_area())
    east = [c for c in search.candidates if c.centroid_xy[0] > X0 + 5000]
    assert east and {c.verdict for c in east} == {"review"}
    assert any(r.rule_id in ("COV01", "PARK01") for c in east for r in c.reasons)
    inside = [c for c in search.candidates if c.centroid_xy[0] < X0 + 5000]
    assert inside and all(c.verdict == "clear" for c in inside)
    _never_excluded(store, search, "chemical_project")


def test_exclude_conditional_keeps_only_review_and_clear() -> None:
    """A 限养区 (LIV04: conditional for livestock farms) is offered by default, not with
    --exclude-verdict conditional."""
    zone = rect(X0 + 2000, Y0 + 2000, 3000, 3000)
    store = memory_store({"livestock_zone": zone_frame([{"name": "限养", "kind": "限养区", "geometry": zone}])})
    attrs = {"scale_head": 800}
    default = find_sites(store, _query("livestock_farm", attributes=attrs), county_area())
    assert "conditional" in {c.verdict for c in default.candidates}
    strict = find_sites(store, _query("livestock_farm", attributes=attrs, exclude="conditional"), county_area())
    assert {c.verdict for c in strict.candidates} <= {"clear", "review"}
    assert not _union_work(strict).intersects(shapely.buffer(zone, -0.5))
    assert COUNTY_M**2 - 9e6 - (4 * COUNTY_M + 12000) * RES <= _total(strict) <= COUNTY_M**2 - 9e6
    _never_excluded(store, strict, "livestock_farm", attrs, exclude="conditional")
    cond = [c for c in default.candidates if c.verdict == "conditional"]
    assert any(r.rule_id == "LIV04" for c in cond for r in c.reasons)


def test_setback_ring_is_review_outside_the_no_raise_zone() -> None:
    """HJ/T 81 (LIV05): a large farm within 500 m of a 禁养区 is review; inside it, prohibited
    (LIV01). The ring 0-500 m around the zone is offered as review, the zone never."""
    zone = rect(X0 + 4000, Y0 + 4000, 2000, 2000)
    store = memory_store({"livestock_zone": zone_frame([{"name": "禁养", "kind": "禁养区", "geometry": zone}])})
    search = find_sites(store, _query("livestock_farm", attributes={"scale_head": 3000}), county_area())
    review = [c for c in search.candidates if c.verdict == "review"]
    assert review and all(any(r.rule_id == "LIV05" for r in c.reasons) for c in review)
    ring = shapely.union_all([c.geometry for c in review])
    assert ring.area == pytest.approx((3000.0**2 - 2000.0**2), rel=0.08)
    assert not _union_work(search).intersects(shapely.buffer(zone, -0.5))
    _never_excluded(store, search, "livestock_farm", {"scale_head": 3000})


def test_area_m2_keeps_only_candidates_a_disc_of_that_area_fits_in() -> None:
    """Two red-line blocks leave a 300 m corridor between them and open land beyond: a
    project of 20 ha (a disc of radius 252 m, diameter 505 m) does not fit the corridor."""
    a = rect(X0, Y0 + 3000, 4850, 4000)
    b = rect(X0 + 5150, Y0 + 3000, 4850, 4000)
    store = memory_store({"eco_redline": zone_frame([{"name": "甲", "category": "一般", "geometry": a},
                                                     {"name": "乙", "category": "一般", "geometry": b}])})
    corridor = rect(X0 + 4850, Y0 + 3000, 300, 4000)
    loose = find_sites(store, _query("chemical_project"), county_area())
    assert any(c.geometry.intersects(transform(corridor, GK114, loose.crs)) for c in loose.candidates)
    need = 200_000.0
    fit = find_sites(store, _query("chemical_project", area_m2=need), county_area())
    radius = math.sqrt(need / math.pi)
    assert fit.candidates and all(c.fits and c.fit_radius_m >= radius for c in fit.candidates)
    # The corridor alone joins the open land north and south, so a candidate reaches into it,
    # but the disc is centred where it fits: never in the corridor.
    for c in fit.candidates:
        centre = transform(shapely.Point(*c.fit_lonlat), "EPSG:4490", GK114)
        assert not shapely.buffer(centre, radius).intersects(shapely.buffer(corridor, -1))


def test_max_slope_with_a_synthetic_dem(tmp_path) -> None:
    """A DEM flat in the west half of the county and rising 1 m per metre (45°) in the east:
    with --max-slope 10 only the west half is offered (50 km², less the edge cells and the
    cells whose gradient straddles the break)."""
    import rasterio
    from affine import Affine

    res = 50.0
    n = int(COUNTY_M / res) + 40
    x = X0 - 1000 + (np.arange(n) + 0.5) * res
    z = np.where(x < X0 + 5000, 100.0, 100.0 + (x - (X0 + 5000)))
    dem = np.tile(z, (n, 1)).astype("float32")
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32", crs=GK114,
                       transform=Affine(res, 0, X0 - 1000, 0, -res, Y0 + COUNTY_M + 1000), nodata=-9999) as dst:
        dst.write(dem, 1)
    store = memory_store({})
    search = find_sites(store, _query("landfill", dem=str(path), max_slope_deg=10.0), county_area())
    got = _union_work(search)
    assert got.bounds[2] <= X0 + 5000 + 2 * res
    assert 50e6 - (2 * COUNTY_M + 10000) * RES - 2 * res * COUNTY_M <= got.area <= 50e6 + res * COUNTY_M
    assert all(c.slope_max_deg is not None and c.slope_max_deg <= 10.0 for c in search.candidates)


def test_no_admin_layer_makes_place_limited_rows_review() -> None:
    """SHL04 (500 m of the Xiang, livestock) holds only in 岳阳市/衡阳市: in a county of another
    prefecture it does not fire; without an admin layer the place cannot be told: review."""
    river = shapely.LineString([(X0 - 5000, Y0 + 5000), (X0 + COUNTY_M + 5000, Y0 + 5000)])
    shore = zone_frame([{"name": "湘江", "river": "湘江", "rank": "干流", "geometry": river}])
    attrs = {"scale_head": 300}
    from tests.zoning._engine_support import MemoryStore

    def county(prefecture: str) -> object:
        return zone_frame([{"adcode": "430421", "name": "测试县", "level": "区县", "prefecture": prefecture,
                            "geometry": rect(X0, Y0, COUNTY_M, COUNTY_M)}])

    held = find_sites(MemoryStore({"admin": county("衡阳市"), "shoreline": shore}),
                      _query("livestock_farm", attributes=attrs), county_area())
    assert any(r.rule_id == "SHL04" for c in held.candidates for r in c.reasons)
    assert {c.verdict for c in held.candidates} == {"clear", "review"}
    elsewhere = find_sites(MemoryStore({"admin": county("湘潭市"), "shoreline": shore}),
                           _query("livestock_farm", attributes=attrs), county_area())
    assert not any(r.rule_id == "SHL04" for c in elsewhere.candidates for r in c.reasons)

    bare = MemoryStore({"shoreline": shore})
    unknown = find_sites(bare, _query("livestock_farm", attributes=attrs), county_area())
    assert any(r.rule_id == "SHL04" and r.verdict == "review" for c in unknown.candidates for r in c.reasons)


def test_candidates_are_ranked_and_cached() -> None:
    """Best verdict first; a second identical search comes from the cache with the same answer."""
    zone = rect(X0 + 2000, Y0 + 2000, 3000, 3000)
    store = memory_store({"livestock_zone": zone_frame([{"name": "限养", "kind": "限养区", "geometry": zone}])})
    q = _query("livestock_farm", attributes={"scale_head": 800})
    first = cached_find_sites(store, q, county_area(), rules=default_rules())
    ranks = [VERDICT_RANK[c.verdict] for c in first.candidates]
    assert ranks == sorted(ranks) and [c.rank for c in first.candidates] == list(range(1, len(ranks) + 1))
    from zoning.sites import cache as site_cache

    site_cache._MEMORY.clear()  # the disk entry, not the process memory
    again = cached_find_sites(store, q, county_area(), rules=default_rules())
    assert again.from_cache
    assert [(c.rank, c.verdict, round(c.area_m2)) for c in again.candidates] == [
        (c.rank, c.verdict, round(c.area_m2)) for c in first.candidates]
    assert [r.rule_id for c in again.candidates for r in c.reasons] == [r.rule_id for c in first.candidates for r in c.reasons]


def test_bad_options_are_refused_in_both_languages() -> None:
    from gis.errors import InputError

    with pytest.raises(InputError, match="exclude-verdict") as err:
        SiteQuery("landfill", exclude="clear")
    assert "应为" in err.value.zh
    with pytest.raises(InputError, match="--dem and --max-slope"):
        SiteQuery("landfill", max_slope_deg=10.0)
    with pytest.raises(InputError, match="resolution"):
        find_sites(memory_store({}), SiteQuery("landfill", resolution_m=0.0), county_area())
    with pytest.raises(InputError, match="cells"):
        find_sites(memory_store({}), SiteQuery("landfill", resolution_m=0.01), county_area())
