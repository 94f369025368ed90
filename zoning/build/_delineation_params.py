"""Load and check ``data/delineation_params.yaml`` (the templates for provisional
water-source zones) into frozen records; every bad entry is a RuleConfigError naming
the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

import yaml

from gis.errors import RuleConfigError
from layers.paths import DATA_DIR

__all__ = [
    "DELINEATION_PARAMS_PATH",
    "CONFIDENCE_ZH",
    "RiverGrade",
    "LakeGrade",
    "ParamSet",
    "DelineationConfig",
    "load_delineation_params",
]

DELINEATION_PARAMS_PATH = DATA_DIR / "delineation_params.yaml"
CONFIDENCE_ZH = {
    "verified_secondary": "已核实（二手资料）",
    "unverified": "未核实，待对照原文",
    "tool_choice": "本工具自定取值",
}
GRADES = ("一级", "二级", "准保护区")
LAKE_SIZES = ("small", "medium", "large")
LAKE_WATER = ("whole", "radius", "skip")


@dataclass(frozen=True)
class RiverGrade:
    """One grade of a river template; distances are cumulative from the intake (m)."""

    grade: str
    upstream_m: float
    downstream_m: float
    land_m: float
    confidence: str | None = None
    note: str = ""


@dataclass(frozen=True)
class LakeGrade:
    """One grade of a lake/reservoir template. ``water``: ``whole`` water body, a
    ``radius`` around the intake (clipped to the water body, cumulative), or ``skip``
    (the template needs data we do not have; ``note`` says which)."""

    grade: str
    water: str
    land_m: float = 0.0
    radius_m: float | None = None
    confidence: str | None = None
    note: str = ""


@dataclass(frozen=True)
class ParamSet:
    key: str
    title_zh: str
    title_en: str
    citation: str
    confidence: str
    river: tuple[RiverGrade, ...]
    lake: Mapping[str, tuple[LakeGrade, ...]]


@dataclass(frozen=True)
class DelineationConfig:
    param_sets: Mapping[str, ParamSet]
    river_width_m: Mapping[str, float]
    default_river_width_m: float
    snap_max_m: float
    river_polygon_lateral_m: float
    #: (small_below, large_from) in km2
    lake_size_by_area_km2: tuple[float, float]
    path: Path


class _Reader:
    """Typed access to the YAML with messages that name the file and key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, expected: str, got: object) -> NoReturn:
        msg = f"{self.path}: '{key}' is {got!r}; expected {expected}"
        raise RuleConfigError(msg)

    def mapping(self, data: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            self.fail(key, "a mapping", data)
        return data

    def number(self, data: Mapping[str, Any], field: str, key: str, *, default: float | None = None) -> float:
        value = data.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.fail(f"{key}.{field}", "a number of metres >= 0", value)
        return float(value)

    def choice(self, data: Mapping[str, Any], field: str, key: str, allowed: tuple[str, ...]) -> str:
        value = data.get(field)
        if value not in allowed:
            self.fail(f"{key}.{field}", f"one of {', '.join(allowed)}", value)
        return str(value)

    def confidence(self, data: Mapping[str, Any], key: str, *, required: bool) -> str | None:
        if "confidence" not in data and not required:
            return None
        return self.choice(data, "confidence", key, tuple(CONFIDENCE_ZH))


def _river_grades(r: _Reader, items: Any, key: str) -> tuple[RiverGrade, ...]:
    if not isinstance(items, list) or not items:
        r.fail(key, "a non-empty list of grades", items)
    grades: list[RiverGrade] = []
    for i, item in enumerate(items):
        k = f"{key}[{i}]"
        item = r.mapping(item, k)
        grade = r.choice(item, "grade", k, GRADES)
        if grades:  # outer grades extend the previous one's reach
            up = grades[-1].upstream_m + r.number(item, "upstream_extra_m", k)
            down = grades[-1].downstream_m + r.number(item, "downstream_extra_m", k)
        else:
            up, down = r.number(item, "upstream_m", k), r.number(item, "downstream_m", k)
        land = r.number(item, "land_m", k)
        if grades and land < grades[-1].land_m:
            r.fail(f"{k}.land_m", f"at least the previous grade's {grades[-1].land_m:g} m", land)
        grades.append(RiverGrade(grade, up, down, land, r.confidence(item, k, required=False), str(item.get("note", ""))))
    return tuple(grades)


def _lake_grades(r: _Reader, items: Any, key: str) -> tuple[LakeGrade, ...]:
    if not isinstance(items, list) or not items:
        r.fail(key, "a non-empty list of grades", items)
    out = []
    for i, item in enumerate(items):
        k = f"{key}[{i}]"
        item = r.mapping(item, k)
        grade, water = r.choice(item, "grade", k, GRADES), r.choice(item, "water", k, LAKE_WATER)
        note = str(item.get("note", ""))
        if water == "skip":
            if not note:
                r.fail(f"{k}.note", "a reason why this grade is not drawn", None)
            out.append(LakeGrade(grade, water, note=note))
            continue
        radius = r.number(item, "radius_m", k) if water == "radius" else None
        out.append(LakeGrade(grade, water, r.number(item, "land_m", k), radius, r.confidence(item, k, required=False), note))
    return tuple(out)


def _param_set(r: _Reader, key: str, data: Any) -> ParamSet:
    k = f"param_sets.{key}"
    data = r.mapping(data, k)
    title = r.mapping(data.get("title"), f"{k}.title")
    lake = r.mapping(data.get("lake"), f"{k}.lake")
    missing = [s for s in LAKE_SIZES if s not in lake]
    if missing:
        r.fail(f"{k}.lake", f"entries for {', '.join(LAKE_SIZES)}", sorted(lake))
    return ParamSet(
        key=key,
        title_zh=str(title.get("zh", key)),
        title_en=str(title.get("en", key)),
        citation=str(data.get("citation", "")).strip(),
        confidence=str(r.confidence(data, k, required=True)),
        river=_river_grades(r, data.get("river"), f"{k}.river"),
        lake=MappingProxyType({s: _lake_grades(r, lake[s], f"{k}.lake.{s}") for s in LAKE_SIZES}),
    )


def load_delineation_params(path: Path | str | None = None) -> DelineationConfig:
    """Read the delineation templates.

    Raises
    ------
    RuleConfigError
        If the file is unreadable or an entry is missing or malformed.
    """
    path = Path(path) if path is not None else DELINEATION_PARAMS_PATH
    r = _Reader(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read the delineation parameters: {err}"
        raise RuleConfigError(msg) from err
    data = r.mapping(data, "(top level)")
    widths = r.mapping(data.get("river_width_m"), "river_width_m")
    by_river = r.mapping(widths.get("by_river", {}), "river_width_m.by_river")
    sizes = r.mapping(data.get("lake_size_by_area_km2"), "lake_size_by_area_km2")
    sets = r.mapping(data.get("param_sets"), "param_sets")
    return DelineationConfig(
        param_sets=MappingProxyType({str(k): _param_set(r, str(k), v) for k, v in sets.items()}),
        river_width_m=MappingProxyType({str(k): r.number(by_river, k, "river_width_m.by_river") for k in by_river}),
        default_river_width_m=r.number(widths, "default", "river_width_m"),
        snap_max_m=r.number(data, "snap_max_m", "(top level)"),
        river_polygon_lateral_m=r.number(data, "river_polygon_lateral_m", "(top level)"),
        lake_size_by_area_km2=(
            r.number(sizes, "small_below", "lake_size_by_area_km2"),
            r.number(sizes, "large_from", "lake_size_by_area_km2"),
        ),
        path=path,
    )
