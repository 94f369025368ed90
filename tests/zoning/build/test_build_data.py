"""The embedded store data/zones.gpkg: rebuilt byte for byte from data/, honest labels,
catalogue schema, published areas, reaches along the real rivers, which-county."""

from __future__ import annotations

import filecmp
import math

import geopandas as gpd
import pyogrio
import pyproj
import pytest
import shapely
import yaml
from click.testing import CliRunner

from gis.crs import work_crs_for
from layers.paths import CATALOG_PATH, DATA_DIR, DEFAULT_STORE
from layers.store import ZoneStore
from zoning.build.build_data import LAYER_ORDER, LEGACY_GREEN_HEART, TABLE_LAYERS, build_data
from zoning.cli import cli

ZONE_LAYERS = [lid for lid in LAYER_ORDER if lid != "admin"]
#: Shipped empty on purpose (no honest illustrative form; data/README.md).
EMPTY_LAYERS = ("basic_farmland", "urban_boundary", "public_forest")
_GEOD = pyproj.Geod(ellps="GRS80")  # CGCS2000 ellipsoid: an area independent of any projection


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    return build_data(tmp_path_factory.mktemp("build") / "zones.gpkg")


@pytest.fixture(scope="module")
def store():
    return {lid: gpd.read_file(DEFAULT_STORE, layer=lid) for lid in LAYER_ORDER}


def gk_area_km2(geom) -> float:
    crs = work_crs_for(tuple(geom.bounds))
    return gpd.GeoSeries([geom], crs="EPSG:4490").to_crs(crs).area.iloc[0] / 1e6


def geodesic_area_km2(geom) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def test_rebuild_gives_the_committed_bytes(rebuilt):
    assert filecmp.cmp(rebuilt.path, DEFAULT_STORE, shallow=False), (
        "data/zones.gpkg differs from a fresh build of data/: run `python -m zoning build-data` and commit it"
    )
    assert rebuilt.seconds < 60


def test_store_is_small_and_has_every_layer(store):
    assert DEFAULT_STORE.stat().st_size < 10 * 1024 * 1024
    assert [name for name, _ in pyogrio.list_layers(DEFAULT_STORE)] == [*LAYER_ORDER, "store_history", "layer_coverage", "layer_styles"]
    assert all(len(gdf) > 0 for lid, gdf in store.items() if lid not in EMPTY_LAYERS)
    assert all(len(store[lid]) == 0 for lid in EMPTY_LAYERS)
    # the empty layers still declare the catalogue's geometry type, in the store's CRS
    kinds = dict(pyogrio.list_layers(DEFAULT_STORE))
    assert all(kinds[lid] == "MultiPolygon" for lid in EMPTY_LAYERS)
    assert all(kinds[lid] is None for lid in TABLE_LAYERS)
    assert all(gdf.crs.to_epsg() == 4490 for lid, gdf in store.items() if lid not in TABLE_LAYERS)


def test_every_feature_is_labelled_and_says_how_it_was_made(store):
    for lid, gdf in store.items():
        if lid in EMPTY_LAYERS:
            # no feature to label: the store's history and coverage say what the layer is
            assert ZoneStore.open(DEFAULT_STORE).legal_status(lid) == "示意", lid
            continue
        assert set(gdf["legal_status"]) == {"示意"}, lid
        assert gdf["source"].str.len().min() > 10, lid
        if lid != "admin":
            assert gdf["source"].str.startswith("示意").all(), lid
            # said once at the start, not "示意：位置为示意：…" (the intakes did)
            assert not gdf["source"].str.contains("示意：位置为示意").any(), lid
            assert not gdf["source"].str.startswith("示意：示意").any(), lid
        if lid not in TABLE_LAYERS:
            assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any(), lid


def test_intake_points_say_where_they_are(store):
    sources = dict(zip(store["water_intake"]["name"], store["water_intake"]["source"], strict=True))
    assert sources["湘潭市区湘江取水口（示意）"] == "示意：湘江河线上距GeoNames地名“Xiangtan”最近点沿河上溯2000 m，非真实取水口坐标"
    zones = store["water_source"]
    # the zones drawn from them name the intake: illustrative positions, or the registered coordinates
    official = zones["param_set"] == "yiyang_registered"
    assert zones.loc[~official, "source"].str.contains("。取水口位置为示意：").all()
    assert zones.loc[official, "source"].str.contains("。取水口坐标为益阳市第一批集中式饮用水水源保护区登记表公布值").all()
    assert sources["益阳市二（三）水厂取水口1"].startswith("示意：点位为益阳市第一批集中式饮用水水源保护区登记表公布的取水口坐标")


def test_layers_follow_the_catalogue(store):
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))["layers"]
    geometry = {"polygon": {"Polygon", "MultiPolygon"}, "point": {"Point", "MultiPoint"}}
    geometry["line_or_polygon"] = geometry["polygon"] | {"LineString", "MultiLineString"}
    for lid, gdf in store.items():
        spec = catalog["green_heart" if lid == LEGACY_GREEN_HEART else lid]
        if spec["geometry"] == "none":
            assert "geometry" not in gdf.columns or gdf["geometry"].isna().all(), lid
        else:
            assert set(gdf.geom_type) <= geometry[spec["geometry"]], lid
        for field, fspec in spec["fields"].items():
            if fspec.get("required"):
                assert field in gdf.columns and gdf[field].notna().all(), (lid, field)
            allowed = set(fspec.get("values", [])) | set(fspec.get("legacy", []))
            if allowed and field in gdf.columns:
                given = set(gdf[field].dropna())  # optional fields may be blank (a clause without verdict)
                assert given <= allowed, (lid, field, given - allowed)
    assert set(store["green_heart"]["zone"]) == {"核心保护区", "融合发展区"}
    assert set(store[LEGACY_GREEN_HEART]["zone"]) == {"禁止开发区", "限制开发区", "控制建设区"}


def test_green_heart_has_the_published_areas(store):
    gh = store["green_heart"].set_index("zone").geometry
    total = shapely.union_all(gh.values)
    # published: total 529.79 km2, 核心保护区 301.35 km2; to 0.5 % in the GK work CRS, and
    # the geodesic area on the ellipsoid as an independent check.
    for geom, published in ((gh["核心保护区"], 301.35), (total, 529.79)):
        assert gk_area_km2(geom) == pytest.approx(published, rel=0.005)
        assert geodesic_area_km2(geom) == pytest.approx(published, rel=0.005)
    legacy = shapely.union_all(store[LEGACY_GREEN_HEART].geometry.values)
    assert geodesic_area_km2(legacy) == pytest.approx(522.87, rel=0.005)
    # it surrounds the real Changsha/Zhuzhou/Xiangtan tri-junction
    tri = gpd.read_file(DATA_DIR / "base" / "czt_tri_junction.geojson").geometry.iloc[0]
    assert gh["核心保护区"].contains(tri)
    assert set(store["green_heart"]["effective_date"]) == {"2024-09-01"}


def test_red_line_areas_follow_the_published_figures(store):
    red = store["eco_redline"].set_index("name").geometry
    counties = gpd.read_file(DATA_DIR / "base" / "admin_counties.geojson").set_index("adcode").geometry
    assert gk_area_km2(red["平江县生态保护红线（示意）"]) == pytest.approx(1184.5, rel=0.005)
    ziyang = gk_area_km2(counties["430902"])
    assert gk_area_km2(red["资阳区生态保护红线（示意）"]) / ziyang == pytest.approx(0.2259, rel=0.005)
    assert red["平江县生态保护红线（示意）"].within(counties["430626"].buffer(1e-6))


def test_xiangtan_first_grade_reaches_1100_m_along_the_real_xiang(store):
    ws = store["water_source"]
    first = ws[(ws["intake"] == "湘潭市区湘江取水口（示意）") & (ws["grade"] == "一级") & (ws["part"] == "水域")]
    rivers = gpd.read_file(DATA_DIR / "base" / "rivers_gshhg.geojson")
    xiang = shapely.union_all(rivers[rivers["name_zh"] == "湘江"].geometry.values)
    crs = work_crs_for(tuple(first.total_bounds))
    zone = first.to_crs(crs).geometry.iloc[0]
    line = gpd.GeoSeries([xiang], crs="EPSG:4490").to_crs(crs).iloc[0]
    # HJ 338: 1000 m upstream + 100 m downstream, measured along the river line
    assert line.intersection(zone).length == pytest.approx(1100.0, abs=2.0)
    intake = store["water_intake"].set_index("name").loc["湘潭市区湘江取水口（示意）"].geometry
    assert gpd.GeoSeries([intake], crs="EPSG:4490").to_crs(crs).iloc[0].distance(line) < 1.0
    # water 500 m wide (湘江 illustrative width): area 500 * 1100 on a gently curving reach
    assert zone.area == pytest.approx(550_000.0, rel=0.01)


def test_intakes_on_the_real_rivers_of_the_five_places(store):
    admin = store["admin"]
    intakes = gpd.sjoin(store["water_intake"], admin[["name", "prefecture", "geometry"]], predicate="within")
    places = dict(zip(intakes["name_left"], intakes["prefecture"], strict=True))
    assert places == {
        "湘潭市区湘江取水口（示意）": "湘潭市",
        "衡阳市区湘江取水口（示意）": "衡阳市",
        "湘阴县城湘江取水口（示意）": "岳阳市",
        "湘阴县湖库型取水口（示意，非真实水源）": "岳阳市",
        # the registered coordinates of the Yiyang city 资江 source (two intakes)
        "益阳市二（三）水厂取水口1": "益阳市",
        "益阳市二（三）水厂取水口2": "益阳市",
    }


def test_admin_answers_which_county_like_the_reference_join(store):
    towns = gpd.read_file(DATA_DIR / "base" / "towns_geonames.geojson").set_crs("EPSG:4490", allow_override=True)
    joined = gpd.sjoin(towns, store["admin"][["adcode", "geometry"]], predicate="within", how="left")
    # the reference data's own spatial join (county_adcode) against the same county set
    assert (joined["adcode"] == joined["county_adcode"]).all()


def test_no_raise_pieces_do_not_overlap_and_say_why(store):
    lz = store["livestock_zone"]
    banned = lz[lz["kind"] == "禁养区"]
    assert sum(geodesic_area_km2(g) for g in banned.geometry) == pytest.approx(
        geodesic_area_km2(shapely.union_all(banned.geometry.values)), rel=1e-6
    )
    assert banned["basis_parts"].str.len().min() > 0
    assert {"饮用水水源一级保护区", "风景名胜区", "自然保护区核心区", "城镇居民区（人口集中区域）"} <= {
        part for parts in banned["basis_parts"] for part in parts.split(";")
    }
    assert set(lz["kind"]) == {"禁养区", "限养区"}


def test_store_validates_and_keeps_the_2012_green_heart_as_version_1():
    from layers.importer import list_versions
    from layers.store import validate_store

    assert validate_store(DEFAULT_STORE) == []  # no errors, no warnings
    versions = list_versions(DEFAULT_STORE, "green_heart")
    assert [(v.version, v.effective_date, v.current, v.available) for v in versions] == [
        (1, "2013-03-01", False, True),
        (2, "2024-09-01", True, True),
    ]
    assert all(v.legal_status == "示意" for v in versions)


@pytest.mark.slow
def test_cli_check_reports_fresh_and_stale(tmp_path):
    fresh = CliRunner().invoke(cli, ["build-data", "--check", "-o", str(DEFAULT_STORE)])
    assert fresh.exit_code == 0, fresh.output
    assert "一致 / identical" in fresh.output
    stale = tmp_path / "old.gpkg"
    stale.write_bytes(b"not a geopackage")
    result = CliRunner().invoke(cli, ["build-data", "--check", "-o", str(stale)])
    assert result.exit_code == 1
    assert "DIFFERS" in result.output


def _inset_check(zone, outer, inset_m: float) -> None:
    """``zone`` lies ``inset_m`` inside ``outer`` (both EPSG:4490), measured independently in GK."""
    crs = work_crs_for(tuple(outer.bounds))
    zone_gk, outer_gk = gpd.GeoSeries([zone, outer], crs="EPSG:4490").to_crs(crs)
    # GEOS buffers an input simplified by 1 % of the distance, and rounds reflex corners with
    # 16-segment quarter arcs whose chords come up to r * (1 - cos(pi / 64)) closer (1.2 m at 1 km)
    slack = inset_m * 0.01 + inset_m * (1 - math.cos(math.pi / 64))
    assert inset_m - slack <= zone_gk.distance(outer_gk.boundary) <= inset_m + 0.1
    assert zone_gk.area == pytest.approx(outer_gk.buffer(-inset_m, quad_segs=32).area, rel=0.005)


def test_reserve_core_and_scenic_core_lie_as_far_inside_as_their_sources_say(store):
    """East Dongting: 核心区 = lake water more than 1,000 m from its shore; 南岳衡山: 核心景区 = the
    南岳区 district more than 1,500 m inside its border. Checked against the base files, and the
    source text says just that (it used to read "向内1000 m以内以外")."""
    lakes = gpd.read_file(DATA_DIR / "base" / "lakes_gshhg.geojson")
    lake = shapely.union_all(lakes[lakes["lake_id"] == 1].geometry.values)
    reserve = store["nature_reserve"].set_index("zone")
    _inset_check(reserve.geometry["核心区"], lake, 1000.0)
    assert "核心区为距湖岸1000 m以外的水面" in reserve.loc["核心区", "source"]
    counties = gpd.read_file(DATA_DIR / "base" / "admin_counties.geojson").set_index("adcode").geometry
    scenic = store["scenic_area"]
    core = scenic[(scenic["zone"] == "核心景区") & scenic["source"].str.contains("430412")].iloc[0]
    _inset_check(core.geometry, counties["430412"], 1500.0)
    assert "距区界1500 m以外的区域为核心景区" in core["source"]
    for lid, gdf in store.items():
        assert not gdf["source"].str.contains("以内以外|。 |[^。]取水口位置").any(), lid
