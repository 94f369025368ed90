"""Water sources delineated from officially registered parameters (``data/official/``).

Where a registration table gives a source's own extents ("from 1,000 m upstream of intake 1
to 100 m downstream of intake 2, 50 m land on both banks"), the embedded store draws that
source from those numbers rather than from a generic template. The numbers are official;
the geometry stays illustrative (示意): our river is a 1:1-3M centreline with an assumed
width, not the surveyed flood line, and the dikes that end the land parts are not in our
data. The published areas are kept beside the parameters so a test can say how far the
drawing is from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from shapely.geometry import Point

from gis.errors import RuleConfigError
from gis.io import parse_dms
from zoning.build._delineation_params import DelineationConfig, ParamSet, RiverGrade
from zoning.build.delineate import Intake

__all__ = ["OfficialSource", "load_official_source"]

#: What the drawing cannot follow of the registered definitions (no flood lines, dikes,
#: ridges or roads in our data); said in each zone's source.
_GRADE_1_NOTE = "登记表的水域为5年一遇洪水淹没的河道范围、陆域遇无直接污染源的防洪堤可止于堤脚；此处水域以示意河宽代替，陆域未按堤脚截止"
_GRADE_2_NOTE = "登记表的水域为大堤内10年一遇洪水淹没范围、陆域原则上1000 m并以分水岭或公路为界；此处水域以示意河宽代替，陆域未按分水岭、公路、大堤截止"


@dataclass(frozen=True)
class OfficialSource:
    """One registered river source: its intakes (in flow order), the parameter set made
    from its registered extents, and the published areas (km², by (grade, part))."""

    name: str
    river: str
    intakes: tuple[tuple[str, Point], ...]
    params: ParamSet
    published_km2: Mapping[tuple[str, str], float]
    citation: str

    def intake(self, label: str) -> Intake:
        """The source as one delineation intake: the first intake, reaching to the last."""
        first, last = self.intakes[0][1], self.intakes[-1][1]
        reach_to = last if len(self.intakes) > 1 else None
        return Intake(label, "河流型", first, river=self.river, flow="along", reach_to=reach_to)

    def config(self, base: DelineationConfig) -> DelineationConfig:
        """``base`` (river widths, snapping) with this source's parameter set as the only one."""
        return replace(base, param_sets=MappingProxyType({self.params.key: self.params}))


def _fail(path: Path, key: str, got: object, expected: str) -> RuleConfigError:
    return RuleConfigError(f"{path}: '{key}' is {got!r}; expected {expected}")


def _number(path: Path, data: Mapping[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(path, f"{where}.{key}", value, "a number >= 0")
    return float(value)


def load_official_source(path: Path, name: str, *, key: str) -> OfficialSource:
    """The source called ``name`` in the registration file ``path``; its parameter set is
    registered under ``key`` (written into the zones' ``param_set``).

    Raises
    ------
    RuleConfigError
        If the file cannot be read, has no such source, or a number or coordinate is bad.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read the registered water-source parameters: {err}"
        raise RuleConfigError(msg) from err
    rows = [s for s in (data or {}).get("sources", []) if isinstance(s, Mapping) and s.get("name") == name]
    if len(rows) != 1:
        raise _fail(path, "sources[].name", name, "exactly one source of that name")
    row = rows[0]
    title = str(data["source"]["title"])
    try:
        intakes = tuple((str(i["name"]), Point(parse_dms(i["lon"]), parse_dms(i["lat"]))) for i in row["intakes"])
    except (KeyError, TypeError) as err:
        raise _fail(path, f"{name}.intakes", row.get("intakes"), "a list of {name, lon, lat}") from err
    g1, g2 = row["grade_1"], row["grade_2"]
    up1, down1 = _number(path, g1, "upstream_m", "grade_1"), _number(path, g1, "downstream_m", "grade_1")
    grades = (
        RiverGrade("一级", up1, down1, _number(path, g1, "land_m", "grade_1"), note=_GRADE_1_NOTE),
        RiverGrade(
            "二级",
            up1 + _number(path, g2, "upstream_extra_m", "grade_2"),
            down1 + _number(path, g2, "downstream_extra_m", "grade_2"),
            _number(path, g2, "land_m", "grade_2"),
            note=_GRADE_2_NOTE,
        ),
    )
    seen = data["source"].get("seen_copy_uploaded", "")
    citation = f"{title}（所见副本上传于{seen}，批复日期未见）所载本水源保护范围" if seen else f"{title}所载本水源保护范围"
    params = ParamSet(
        key=key,
        title_zh="登记表公布的保护范围参数",
        title_en="parameters of the official registration table",
        citation=citation,
        confidence="verified_secondary",
        river=grades,
        lake=MappingProxyType({}),
    )
    published = {
        (grade, part): _number(path, row[f"grade_{n}"], field, f"grade_{n}")
        for n, grade in ((1, "一级"), (2, "二级"))
        for part, field in (("水域", "water_area_km2"), ("陆域", "land_area_km2"))
    }
    return OfficialSource(
        name=name,
        river=str(row["river"]),
        intakes=intakes,
        params=params,
        published_km2=MappingProxyType(published),
        citation=title,
    )
