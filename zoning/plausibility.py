"""Does the project look like what its type says? Warnings, never refusals.

A reviewer who uploads a whole county as a "chemical project" (4,115 km²), draws a road as
a point or a landfill as a line gets a screening all the same — and a note saying what
looks wrong, in both languages, beside the verdict and in every report. The usual
geometries and sizes of each type are data (``plausible`` in data/project_types.yaml).

Examples
--------
>>> from zoning.project_types import load_project_types
>>> notes = plausibility_notes("chemical_project", "Polygon", 4_115e6, 0.0, load_project_types())
>>> notes[0].zh.startswith("项目面积 411,500 公顷，远大于“化工项目/化工园区”的常见规模")
True
"""

from __future__ import annotations

from gis.text import Text
from zoning.project_types import ProjectTypes

__all__ = ["geometry_kind", "plausibility_notes"]

_KIND_ZH = {"point": "点", "line": "线", "polygon": "面"}
_KIND_EN = {"point": "a point", "line": "a line", "polygon": "a polygon"}


def geometry_kind(geometry_type: str) -> str:
    """point / line / polygon of a geometry type name (``MultiLineString`` -> line)."""
    name = geometry_type.removeprefix("Multi")
    return {"Point": "point", "LineString": "line", "Polygon": "polygon"}.get(name, "polygon")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def plausibility_notes(type_key: str, geometry_type: str, area_m2: float, length_m: float,
                       types: ProjectTypes) -> list[Text]:
    """What looks wrong about a project of ``type_key`` with this geometry and size (may be empty)."""
    spec = types.types.get(type_key)
    if spec is None:
        return []
    kind = geometry_kind(geometry_type)
    label_zh, label_en = spec.label_zh, spec.label_en
    notes = []
    if spec.geometries and kind not in spec.geometries:
        usual_zh = "或".join(_KIND_ZH[g] for g in spec.geometries)
        usual_en = " or ".join(_KIND_EN[g] for g in spec.geometries)
        notes.append(Text(
            f"“{label_zh}”通常以{usual_zh}表示，本项目为{_KIND_ZH[kind]}：请核对所绘或所上传的图形（已照常筛查）",
            f"a {label_en.lower()} is usually drawn as {usual_en}, this one is {_KIND_EN[kind]}: check the drawing or file "
            "(screened as given)",
        ))
    if kind == "polygon" and spec.area_ha is not None:
        notes += _size_note(area_m2 / 10_000, spec.area_ha, ("项目面积", "公顷", "area", "ha"), label_zh, label_en)
    if kind == "line" and spec.length_km is not None:
        notes += _size_note(length_m / 1000, spec.length_km, ("项目长度", "千米", "length", "km"), label_zh, label_en)
    return notes


def _size_note(value: float, usual: tuple[float, float], words: tuple[str, str, str, str], label_zh: str,
               label_en: str) -> list[Text]:
    what_zh, unit_zh, what_en, unit_en = words
    low, high = usual
    if low <= value <= high:
        return []
    if value > high:
        return [Text(
            f"{what_zh} {_number(value)} {unit_zh}，远大于“{label_zh}”的常见规模（一般不超过 {_number(high)} {unit_zh}）："
            "请核对图形是否为项目用地本身，而非所在县、乡或园区的范围（已照常筛查）",
            f"the project's {what_en} of {_number(value)} {unit_en} is far more than a {label_en.lower()} usually has "
            f"(up to about {_number(high)} {unit_en}): check that the shape is the site itself, not the county, township "
            "or park around it (screened as given)",
        )]
    return [Text(
        f"{what_zh} {_number(value)} {unit_zh}，小于“{label_zh}”的常见规模（一般不少于 {_number(low)} {unit_zh}）："
        "请核对坐标单位和图形（已照常筛查）",
        f"the project's {what_en} of {_number(value)} {unit_en} is less than a {label_en.lower()} usually has "
        f"(at least about {_number(low)} {unit_en}): check the coordinates' units and the shape (screened as given)",
    )]
