"""Fixtures for the report tests: a tiny zone store near Xiangtan and hand-built results.

Arrangement (metres in EPSG:4547, CGCS2000 GK zone CM 114°E, origin O at 112.95°E 27.78°N):

* water_source 一级 "示例水厂水源": rectangle x 0..300, y 0..200 (示意)
* water_source 二级 "示例水厂水源": rectangle x -500..800, y -500..700 minus the 一级 rectangle (示意)
* livestock_zone 禁养区 "湘潭县示例禁养区": rectangle x -600..900, y -600..800 (示意)
* eco_redline 一般 "示例生态保护红线": rectangle x 1500..2500, y 0..1000 (示意)
* admin: 湘潭县 x -5000..1000, 雨湖区 x 1000..6000 (y -5000..5000)

Projects:

* livestock farm x 250..350, y 100..220 (100 m x 120 m = 12,000 m²); inside 一级 x 250..300,
  y 100..200 = 5,000 m² (41.7 %), inside 二级 the other 7,000 m² (58.3 %), wholly in 禁养区;
  the red line is 1,150 m east (x 350 -> 1500).
* road (1200, 500) -> (2800, 500): 1,600 m long, 1,000 m inside the red line (conditional).
* mining point at (2000, 300) inside the red line (review, unverified rule).
* residential x -3000..-2800, y -3000..-2800 (40,000 m²), touches nothing (clear).

The numbers in the results below are these hand calculations, not the engine's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from zoning.model import Conflict, DataInfo, LayerInfo, Nearby, ProjectInfo, ScreeningResult

WORK = "EPSG:4547"
_TO_WORK = Transformer.from_crs("EPSG:4490", WORK, always_xy=True)
_TO_LL = Transformer.from_crs(WORK, "EPSG:4490", always_xy=True)
X0, Y0 = _TO_WORK.transform(112.95, 27.78)
STAMP = "2026-11-22T10:00:00+08:00"


def local(geom: Any) -> Any:
    """A geometry given in metres relative to O, as CGCS2000 lon/lat."""
    def to_ll(xy: np.ndarray) -> np.ndarray:
        lon, lat = _TO_LL.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
        return np.column_stack([lon, lat])

    return shapely.transform(geom, to_ll)


WS1 = box(0, 0, 300, 200)
WS2 = box(-500, -500, 800, 700).difference(WS1)
NORAISE = box(-600, -600, 900, 800)
REDLINE = box(1500, 0, 2500, 1000)
FARM = box(250, 100, 350, 220)
ROAD = LineString([(1200, 500), (2800, 500)])
MINE = Point(2000, 300)
HOUSING = box(-3000, -3000, -2800, -2800)


@dataclass
class FakeStore:
    """The parts of layers.store.ZoneStore the reports use, over in-memory frames."""

    layers: dict[str, gpd.GeoDataFrame]
    path: Path = Path("tests/fixture_zones.gpkg")
    sha256: str = "ab" * 32
    absent_layers: tuple[str, ...] = ("green_heart", "nature_reserve", "scenic_area", "shoreline")
    calls: list[str] = field(default_factory=list)

    @property
    def layer_ids(self) -> list[str]:
        return list(self.layers)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        self.calls.append(layer_id)
        return self.layers[layer_id].copy()

    def legal_status(self, layer_id: str) -> str:
        values = set(self.layers[layer_id]["legal_status"])
        return "法定" if values == {"法定"} else ("示意" if values == {"示意"} else "混合")


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[local(r.pop("geom")) for r in rows], crs="EPSG:4490")


def make_store(*, legal_status: str = "示意") -> FakeStore:
    src = "按 HJ 338-2018 经验值推演（示意）"
    layers = {
        "water_source": _frame([
            {"name": "示例水厂水源", "grade": "一级", "legal_status": legal_status, "source": src,
             "effective_date": "2024-01-01", "geom": WS1},
            {"name": "示例水厂水源", "grade": "二级", "legal_status": legal_status, "source": src,
             "effective_date": "2024-01-01", "geom": WS2},
        ]),
        "livestock_zone": _frame([
            {"name": "湘潭县示例禁养区", "kind": "禁养区", "legal_status": legal_status,
             "source": "禁养区法定组成部分的并集（示意）", "geom": NORAISE},
        ]),
        "eco_redline": _frame([
            {"name": "示例生态保护红线", "category": "一般", "legal_status": legal_status,
             "source": "示意", "geom": REDLINE},
        ]),
        "admin": _frame([
            {"adcode": "430321", "name": "湘潭县", "level": "county", "legal_status": "法定",
             "geom": box(-5000, -5000, 1000, 5000)},
            {"adcode": "430302", "name": "雨湖区", "level": "county", "legal_status": "法定",
             "geom": box(1000, -5000, 6000, 5000)},
        ]),
    }
    return FakeStore(layers)


def data_info(store: FakeStore) -> DataInfo:
    layers = {lid: LayerInfo(len(gdf), store.legal_status(lid)) for lid, gdf in store.layers.items()}
    return DataInfo(zones=str(store.path), sha256=store.sha256, layers=layers, absent_layers=store.absent_layers)


PARAMS = {"tolerance_m": 5.0, "near_m": 5000.0, "rules_sha256": "c0ffee" * 10 + "abcd"}


def _info(name: str, type_: str, geom: Any, *, county: str, index: int = 0, **attrs: Any) -> ProjectInfo:
    g = local(geom)
    work = geom
    return ProjectInfo(
        name=name, type=type_, geometry_type=g.geom_type,
        area_m2=round(work.area, 3), length_m=round(work.length, 3) if g.geom_type == "LineString" else 0.0,
        centroid_lonlat=(g.centroid.x, g.centroid.y), county=county, input_crs="EPSG:4326", work_crs=WORK,
        attributes=attrs, index=index, geometry=g,
    )


def farm_result(store: FakeStore, *, name: str = "湘潭县示范生猪养殖场", index: int = 0) -> ScreeningResult:
    ws_cond = "饮用水水源一级保护区内禁止新建、改建、扩建与供水设施和保护水源无关的建设项目"
    conflicts = (
        Conflict("water_source", "示例水厂水源", "一级", "intersects", 5000.0, 41.67, 0.0, 0.0, "prohibited",
                 "DWS01", ws_cond, "《水污染防治法》第六十五条", "verified", "示意", feature_id=0,
                 overlap_geometry=local(box(250, 100, 300, 200))),
        Conflict("water_source", "示例水厂水源", "二级", "intersects", 7000.0, 58.33, 0.0, 0.0, "prohibited",
                 "DWS03", "饮用水水源二级保护区内禁止新建、改建、扩建排放污染物的建设项目",
                 "《水污染防治法》第六十六条", "verified", "示意", feature_id=1,
                 overlap_geometry=local(FARM.difference(WS1))),
        Conflict("livestock_zone", "湘潭县示例禁养区", "禁养区", "intersects", 12000.0, 100.0, 0.0, 0.0,
                 "prohibited", "LIV01", "禁养区内禁止建设畜禽养殖场、养殖小区",
                 "《畜禽规模养殖污染防治条例》第十一条；《畜牧法》第四十条", "verified", "示意", feature_id=0,
                 overlap_geometry=local(FARM)),
    )
    nearby = (Nearby("eco_redline", "示例生态保护红线", "一般", 1150.0, 90.0, "示意", feature_id=0),)
    return ScreeningResult(
        project=_info(name, "livestock_farm", FARM, county="湘潭县", index=index, scale_head=2000),
        verdict="prohibited", conflicts=conflicts, nearby=nearby, data=data_info(store), generated_at=STAMP,
        parameters=dict(PARAMS), notes=("输入坐标按 WGS84 处理（与 CGCS2000 视为一致）",),
    )


def road_result(store: FakeStore, *, index: int = 1) -> ScreeningResult:
    cond = "必须且无法避让、符合县级以上国土空间规划；须省级有限人为活动认定意见"
    conflict = Conflict("eco_redline", "示例生态保护红线", "一般", "intersects", 0.0, 0.0, 1000.0, 0.0, "conditional",
                        "ECO03", cond, "《关于加强生态保护红线管理的通知（试行）》（自然资发〔2022〕142号）",
                        "verified", "示意", feature_id=0,
                        overlap_geometry=local(LineString([(1500, 500), (2500, 500)])))
    return ScreeningResult(
        project=_info("示例县道改建工程", "road", ROAD, county="雨湖区", index=index, unavoidable=True),
        verdict="conditional", conflicts=(conflict,), nearby=(), data=data_info(store), generated_at=STAMP,
        parameters=dict(PARAMS),
    )


def mine_result(store: FakeStore, *, index: int = 2) -> ScreeningResult:
    conflict = Conflict("eco_redline", "示例生态保护红线", "一般", "intersects", 0.0, 0.0, 0.0, 0.0, "review",
                        "ECO06", "第七类：特定矿产勘查开采，需专项论证",
                        "《关于加强生态保护红线管理的通知（试行）》（自然资发〔2022〕142号）", "unverified", "示意",
                        feature_id=0, overlap_geometry=local(MINE))
    return ScreeningResult(
        project=_info("示例石灰石矿勘查点", "mining", MINE, county="雨湖区", index=index),
        verdict="review", conflicts=(conflict,), nearby=(), data=data_info(store), generated_at=STAMP,
        parameters=dict(PARAMS),
    )


def housing_result(store: FakeStore, *, index: int = 3) -> ScreeningResult:
    return ScreeningResult(
        project=_info("示例安置小区", "residential", HOUSING, county="湘潭县", index=index),
        verdict="clear", conflicts=(), nearby=(), data=data_info(store), generated_at=STAMP, parameters=dict(PARAMS),
    )


@pytest.fixture(scope="session")
def store() -> FakeStore:
    return make_store()


@pytest.fixture(scope="session")
def farm(store: FakeStore) -> ScreeningResult:
    return farm_result(store)


@pytest.fixture(scope="session")
def batch(store: FakeStore) -> list[ScreeningResult]:
    return [farm_result(store), road_result(store), mine_result(store), housing_result(store)]
