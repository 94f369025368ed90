"""What a site search is asked (``SiteQuery``) and what it answers (``SiteSearch``, ``Candidate``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis.errors import InputError
from gis.text import Text
from zoning.verdicts import VERDICT_RANK

__all__ = ["SiteQuery", "Reason", "Candidate", "SiteSearch", "DEFAULT_MIN_AREA_M2", "EXCLUDABLE", "edges_text"]

#: Smallest candidate listed when no project area is given (1 ha).
DEFAULT_MIN_AREA_M2 = 10_000.0
#: ``exclude`` values: the mildest verdict no candidate may have.
EXCLUDABLE = ("prohibited", "conditional", "review")


@dataclass(frozen=True)
class SiteQuery:
    """What to look for: a project type and attributes, and how.

    ``exclude`` is the mildest verdict a candidate may not have (``prohibited``: offer every
    place the type is not prohibited; ``conditional``: only review or clear places).
    ``area_m2`` is the project's footprint: a candidate must contain a disc of that area.
    ``min_area_m2`` drops smaller candidates (default the footprint, else 1 ha); 0 keeps all.
    """

    project_type: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    resolution_m: float = 30.0
    exclude: str = "prohibited"
    area_m2: float | None = None
    min_area_m2: float | None = None
    dem: str | None = None
    max_slope_deg: float | None = None
    near_layer: str | None = None
    max_distance_m: float | None = None
    max_candidates: int | None = 100

    def __post_init__(self) -> None:
        if self.exclude not in EXCLUDABLE:
            msg = f"--exclude-verdict {self.exclude!r}: expected one of {', '.join(EXCLUDABLE)}"
            raise InputError(msg, zh=f"--exclude-verdict “{self.exclude}”：应为 {'、'.join(EXCLUDABLE)} 之一")
        for name, value in (("area_m2", self.area_m2), ("min_area_m2", self.min_area_m2),
                            ("max_distance_m", self.max_distance_m)):
            if value is not None and not value >= 0:
                msg = f"--{name.replace('_', '-')} {value!r}: expected a number >= 0"
                raise InputError(msg, zh=f"--{name.replace('_', '-')} “{value}”：应为不小于 0 的数")
        if (self.max_slope_deg is None) != (self.dem is None):
            msg = "--dem and --max-slope go together: the slope limit needs a DEM and a DEM is only used for it"
            raise InputError(msg, zh="--dem 与 --max-slope 须同时给出：坡度上限需要高程数据，高程数据仅用于坡度")
        if (self.max_distance_m is None) != (self.near_layer is None):
            msg = "--near-layer and --max-distance-m go together"
            raise InputError(msg, zh="--near-layer 与 --max-distance-m 须同时给出")

    @property
    def exclude_rank(self) -> int:
        return VERDICT_RANK[self.exclude]

    @property
    def smallest_m2(self) -> float:
        if self.min_area_m2 is not None:
            return float(self.min_area_m2)
        return float(self.area_m2) if self.area_m2 else DEFAULT_MIN_AREA_M2


@dataclass(frozen=True)
class Reason:
    """A row of the exact screening that makes a candidate conditional or review."""

    rule_id: str
    verdict: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Candidate:
    """One candidate site (geometry in the work CRS and lon/lat), as screened by the engine."""

    rank: int
    geometry: BaseGeometry
    geometry_lonlat: BaseGeometry
    area_m2: float
    verdict: str
    raster_verdict: str
    reasons: tuple[Reason, ...]
    centroid_lonlat: tuple[float, float]
    centroid_xy: tuple[float, float]
    prohibited_distance_m: float | None
    fit_radius_m: float
    fits: bool | None
    fit_lonlat: tuple[float, float] | None
    slope_mean_deg: float | None = None
    slope_max_deg: float | None = None
    near_distance_m: float | None = None
    illustrative: bool = False

    def reason_text(self, lang: str = "zh") -> str:
        sep = "；" if lang == "zh" else "; "
        return sep.join(f"{r.rule_id} {r.text_zh if lang == 'zh' else r.text_en}" for r in self.reasons)


@dataclass(frozen=True)
class SiteSearch:
    """The answer of one search: ranked candidates and how they were found."""

    query: SiteQuery
    type_key: str
    attributes: Mapping[str, Any]
    area_label: Text
    area_key: str
    crs: str
    resolution_m: float
    candidates: tuple[Candidate, ...]
    counts: Mapping[str, int]
    offered_area_m2: float
    timings: Mapping[str, float]
    store_sha256: str
    rules_sha256: str
    illustrative: bool
    notes: tuple[Text, ...] = ()
    surfaces: Mapping[str, int] = field(default_factory=dict)
    from_cache: bool = False

    def edges(self, lang: str = "zh") -> str:
        return edges_text(self.resolution_m, lang)


def edges_text(resolution_m: float, lang: str = "zh") -> str:
    """What the resolution means at the edges (rasterio ``all_touched`` for every constraint)."""
    r = f"{resolution_m:g}"
    if lang == "zh":
        return (f"栅格分辨率 {r} 米（高斯-克吕格投影）：凡与禁止或排除区域有任何接触（哪怕一角）的栅格均不列为候选，"
                f"候选地块边缘比精确可用范围最多内缩一个栅格（面积损失不超过 边长 × {r} 米）；"
                "每个候选地块均已用筛查引擎按精确几何复核，复核为排除等级的部分已剔除。")
    return (f"Raster resolution {r} m (Gauss-Kruger): any cell touching a prohibited or excluded area, even by a "
            f"corner, is never offered; candidate edges lie up to one cell inside the exact allowed area (area lost "
            f"at most edge length x {r} m); every candidate was re-screened by the engine on its exact geometry and "
            "any part at an excluded verdict removed.")
