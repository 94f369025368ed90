"""Build ``Project`` records from features read by ``gis.io.read_features`` (one per feature).

A batch file names each feature's type in a column (``type_field``) — by key, Chinese label
or alias — and may carry attribute columns named like the attributes (``scale_head``,
``unavoidable``...). Values are checked here so a bad cell is reported by row and column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gis.crs import STORAGE_CRS
from gis.errors import CRSError, InputError, Label, zh_label, zh_lead
from gis.limits import BATCH, check_count
from zoning.columns import BUILDER_COLUMNS, NAME_COLUMNS, PROJECT_CODE_COLUMNS
from zoning.model import Project
from zoning.rules import ProjectTypes, load_project_types, parse_attribute_value

__all__ = ["projects_from_features", "projects_by_row", "ProjectRows", "RowProblem", "blank"]

def blank(value: Any) -> bool:
    """True for an empty cell: None, NaN, or whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lonlat_geometries(fs: Any) -> np.ndarray:
    gdf = fs.gdf
    if gdf.crs is None:
        msg = f"{fs.source}: the features have no CRS; give --crs (e.g. EPSG:4490, EPSG:4547 or gcj02)"
        zh = f"{zh_label(fs.source)}：要素没有坐标系；请指定坐标系（命令行用 --crs，如 EPSG:4490、EPSG:4547 或 gcj02）"
        raise CRSError(msg, zh=zh)
    if not gdf.crs.is_geographic:
        gdf = gdf.to_crs(STORAGE_CRS)
    # Geographic input is CGCS2000 or WGS84 lon/lat, treated as equal (gis.crs).
    return np.asarray(gdf.geometry.to_numpy(), dtype=object)


def _column_values(fs: Any, column: str, what: str) -> list[Any]:
    columns = [c for c in fs.gdf.columns if c != fs.gdf.geometry.name]
    if column not in columns:
        msg = f"{fs.source}: {what} column {column!r} is not in the file; columns are {columns}"
        what_zh = {"type": "项目类型", "name": "名称", "builder": "建设单位", "project code": "项目代码"}.get(what, what)
        zh = f"{zh_lead(fs.source)}中没有{what_zh}列“{column}”；现有的列：{'、'.join(str(c) for c in columns) or '无'}"
        raise InputError(msg, zh=zh)
    return list(fs.gdf[column].to_numpy(dtype=object))


def _check_type_source(type_: str | None, type_field: str | None) -> None:
    if (type_ is None) == (type_field is None):
        msg = "give exactly one of the project type (--type) or the column holding each feature's type (--type-field)"
        zh = "项目类型（--type）与逐个要素填写类型的列（--type-field）须二选一，且只能选一个"
        raise InputError(msg, zh=zh)


def _row_type(fs: Any, types: ProjectTypes, type_field: str, row: int, value: Any) -> str:
    """The type key of the feature in ``row`` (0-based) from its cell of ``type_field``."""
    if blank(value):
        msg = f"{fs.source} row {row + 1}, column {type_field!r}: empty project type; expected a type such as road or 道路"
        zh = f"{zh_lead(fs.source)}第 {row + 1} 行“{type_field}”列的项目类型为空；应填写项目类型，如 道路 或 road"
        raise InputError(msg, zh=zh)
    where = Label(
        f"{fs.source} row {row + 1}, column {type_field!r}: project type",
        f"{zh_lead(fs.source)}第 {row + 1} 行“{type_field}”列的项目类型",
    )
    return types.resolve(str(value), source=where)


def _types(fs: Any, types: ProjectTypes, type_: str | None, type_field: str | None) -> list[str]:
    _check_type_source(type_, type_field)
    if type_ is not None:
        return [types.resolve(type_)] * len(fs.gdf)
    cells = _column_values(fs, str(type_field), "type")
    return [_row_type(fs, types, str(type_field), row, value) for row, value in enumerate(cells)]


def _names(fs: Any, name: str | None, name_field: str | None) -> list[str]:
    n = len(fs.gdf)
    if name_field is not None:
        values = _column_values(fs, name_field, "name")
        return [f"#{i + 1}" if blank(v) else str(v).strip() for i, v in enumerate(values)]
    auto = next((c for c in NAME_COLUMNS if c in fs.gdf.columns), None)
    if name is None and auto is not None:
        values = list(fs.gdf[auto].to_numpy(dtype=object))
        return [f"#{i + 1}" if blank(v) else str(v).strip() for i, v in enumerate(values)]
    base = name if name is not None else ("项目" if getattr(fs, "format", "") == "WKT" else _stem(fs.source))
    return [base] if n == 1 else [f"{base} #{i + 1}" for i in range(n)]


def _optional_texts(
    fs: Any, field: str | None, candidates: tuple[str, ...], value: str | None, what: str
) -> list[str | None]:
    """Per feature: the named column's text, else a column named like ``candidates``, else ``value``."""
    n = len(fs.gdf)
    column = field if field is not None else next((c for c in candidates if c in fs.gdf.columns), None)
    if column is None:
        return [value.strip() or None if value else None] * n
    cells = _column_values(fs, column, what)
    return [None if blank(v) else str(v).strip() for v in cells]


def _stem(source: Any) -> str:
    text = str(source or "").strip()
    if not text or "\n" in text or "(" in text or len(text) > 200:
        return "项目"  # a WKT string or an upload without a name
    return Path(text).stem or "项目"


def _given_attributes(types: ProjectTypes, keys: list[str], attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The --attr values, checked once: known, taken by one of the types, well formed."""
    given = dict(attrs or {})
    for name in given:
        if name not in types.attributes:
            msg = f"attribute {name!r} is not known; expected one of {sorted(types.attributes)}"
            known = "、".join(f"{spec.label_zh}（{a}）" for a, spec in sorted(types.attributes.items()))
            raise InputError(msg, zh=f"属性“{name}”未知；可用的属性：{known}")
        if not any(name in types.types[k].attributes for k in keys):
            taken = sorted({a for k in set(keys) for a in types.types[k].attributes})
            msg = f"attribute {name!r} does not apply to project type(s) {sorted(set(keys))}; they take: {', '.join(taken)}"
            labels = "、".join(f"“{types.types[k].label_zh}”" for k in sorted(set(keys)))
            taken_zh = "、".join(f"{types.attributes[a].label_zh}（{a}）" for a in taken) or "无"
            zh = f"属性“{name}”不适用于项目类型 {labels}；可填写的属性：{taken_zh}"
            raise InputError(msg, zh=zh)
    # Checked once here so a bad value is reported as the attribute, not as a file cell.
    return {
        name: parse_attribute_value(types.attributes[name], v, source=Label(f"attribute {name!r}", f"属性“{name}”"))
        for name, v in given.items()
    }


def _attribute_cells(fs: Any, types: ProjectTypes) -> dict[str, list[Any]]:
    return {a: list(fs.gdf[a].to_numpy(dtype=object)) for a in types.attributes if a in fs.gdf.columns}


def _row_attributes(fs: Any, types: ProjectTypes, key: str, row: int, given: Mapping[str, Any],
                    cells: Mapping[str, list[Any]], names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The attributes of the feature in ``row``: --attr values where its type takes them,
    overridden by its non-empty cells (``names``: the file column each was read from)."""
    takes = types.types[key].attributes
    raw = {a: v for a, v in given.items() if a in takes}
    for a, column in cells.items():
        if a in takes and not blank(column[row]):
            raw[a] = column[row]
    cell = Label(f"{fs.source} row {row + 1}, column", f"{zh_lead(fs.source)}第 {row + 1} 行的列")
    return types.parse_attributes(key, raw, source=cell, names=names)


def _attributes(fs: Any, types: ProjectTypes, keys: list[str], attrs: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Per feature: --attr values (where the type takes them), overridden by non-empty cells."""
    given = _given_attributes(types, keys, attrs)
    cells = _attribute_cells(fs, types)
    return [_row_attributes(fs, types, key, row, given, cells) for row, key in enumerate(keys)]


def projects_from_features(
    fs: Any,
    *,
    type: str | None = None,  # noqa: A002 - the public contract names it `type`
    type_field: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    name: str | None = None,
    name_field: str | None = None,
    project_types: ProjectTypes | None = None,
    builder: str | None = None,
    builder_field: str | None = None,
    project_code: str | None = None,
    project_code_field: str | None = None,
) -> list[Project]:
    """One Project per feature of a ``gis.io.FeatureSet``, in input order.

    Parameters
    ----------
    fs
        Features read by ``gis.io.read_features``: ``fs.gdf`` in EPSG:4490 (geographic input)
        or a projected CRS, ``fs.source``, ``fs.input_crs``, ``fs.notes``.
    type, type_field
        Exactly one: the project type of every feature (key, Chinese label or alias, e.g.
        ``road`` / ``道路``), or the column holding each feature's type.
    attrs
        Attributes for every feature whose type takes them (``{"scale_head": "2000"}``);
        text values are parsed (是/否, true/false, 1/0; whole numbers). Non-empty cells of
        columns named like an attribute override them per feature.
    name, name_field
        The project name, or the column holding each feature's name. Default: a
        ``name``/``名称``/``项目名称`` column, else the file name (numbered for a batch).
    builder, builder_field, project_code, project_code_field
        建设单位 and 项目代码: for every feature, or the column holding each feature's.
        Default: a column named like them (``建设单位``, ``项目代码`` ...: ``BUILDER_COLUMNS``,
        ``PROJECT_CODE_COLUMNS``), else the value given, else none.

    Raises
    ------
    InputError
        Unknown type or attribute, bad value, missing column — naming the row and column.
    LimitError
        More features than the ``batch`` limit in force (``gis.limits``).
    """
    # One request screens at most `batch` projects (gis.limits; the app passes its own).
    check_count(BATCH, len(fs.gdf), getattr(fs, "source", "the input"))
    types = project_types if project_types is not None else load_project_types()
    keys = _types(fs, types, type, type_field)
    geoms = _lonlat_geometries(fs)
    names = _names(fs, name, name_field)
    attributes = _attributes(fs, types, keys, attrs)
    notes = tuple(str(n) for n in (getattr(fs, "notes", ()) or ()))
    input_crs = str(getattr(fs, "input_crs", "") or STORAGE_CRS)
    builders = _optional_texts(fs, builder_field, BUILDER_COLUMNS, builder, "builder")
    codes = _optional_texts(fs, project_code_field, PROJECT_CODE_COLUMNS, project_code, "project code")
    return [
        Project(
            name=names[i], type=keys[i], geometry=geoms[i], attributes=attributes[i], input_crs=input_crs, notes=notes,
            builder=builders[i], project_code=codes[i],
        )  # fmt: skip
        for i in range(len(keys))
    ]


@dataclass(frozen=True)
class RowProblem:
    """A row of a batch that cannot be screened: where (1-based row, column), the value,
    and the error saying what was expected (bilingual, ``err.zh`` / ``str(err)``)."""

    row: int
    column: str
    value: str
    error: InputError


@dataclass(frozen=True)
class ProjectRows:
    """A batch's projects, the input row (1-based) each came from, and every row set aside."""

    projects: tuple[Project, ...]
    rows: tuple[int, ...]
    problems: tuple[RowProblem, ...]


def projects_by_row(
    fs: Any,
    *,
    type: str | None = None,  # noqa: A002 - as projects_from_features
    type_field: str | None = None,
    attrs: Mapping[str, Any] | None = None,
    name: str | None = None,
    name_field: str | None = None,
    project_types: ProjectTypes | None = None,
    columns: Mapping[str, str] | None = None,
    builder_field: str | None = None,
    project_code_field: str | None = None,
) -> ProjectRows:
    """Like :func:`projects_from_features`, but a row with a bad cell (an unknown type, a
    malformed attribute) is set aside with its reason and every other row is kept: a
    reviewer's 50-row file with three typos screens 47 projects and names the three.

    ``columns`` (attribute -> the file's own column) is for a caller that copied the user's
    columns to attribute names: a row set aside names the column the user wrote, in its
    ``column`` and in its reason.
    ``builder_field``/``project_code_field``: the columns of 建设单位/项目代码 (default: a
    column named like them), as for :func:`projects_from_features`.

    Raises
    ------
    InputError
        What concerns the whole file, not a row: both or neither of ``type`` and
        ``type_field``, a missing column, an unknown ``type`` or ``attrs`` entry.
    LimitError
        More features than the ``batch`` limit in force.
    """
    check_count(BATCH, len(fs.gdf), getattr(fs, "source", "the input"))
    types = project_types if project_types is not None else load_project_types()
    _check_type_source(type, type_field)
    n = len(fs.gdf)
    type_cells = _column_values(fs, str(type_field), "type") if type_field is not None else [None] * n
    fixed = types.resolve(type) if type is not None else None
    geoms, names = _lonlat_geometries(fs), _names(fs, name, name_field)
    given = _given_attributes(types, [fixed] if fixed else list(types.types), attrs) if attrs else {}
    cells = _attribute_cells(fs, types)
    notes = tuple(str(n) for n in (getattr(fs, "notes", ()) or ()))
    input_crs = str(getattr(fs, "input_crs", "") or STORAGE_CRS)
    builders = _optional_texts(fs, builder_field, BUILDER_COLUMNS, None, "builder")
    codes = _optional_texts(fs, project_code_field, PROJECT_CODE_COLUMNS, None, "project code")
    projects, rows, problems = [], [], []
    for row in range(n):
        try:
            key = fixed or _row_type(fs, types, str(type_field), row, type_cells[row])
        except InputError as err:
            problems.append(RowProblem(row + 1, str(type_field), _cell(type_cells[row]), err))
            continue
        try:
            attributes = _row_attributes(fs, types, key, row, given, cells, columns)
        except InputError as err:
            attr = _failing_attribute(fs, types, key, row, given, cells)
            column = (columns or {}).get(attr, attr)
            problems.append(RowProblem(row + 1, column, _cell(cells.get(attr, [""] * n)[row]), err))
            continue
        projects.append(Project(name=names[row], type=key, geometry=geoms[row], attributes=attributes,
                                input_crs=input_crs, notes=notes, builder=builders[row], project_code=codes[row]))
        rows.append(row + 1)
    return ProjectRows(tuple(projects), tuple(rows), tuple(problems))


def _cell(value: Any) -> str:
    return "" if blank(value) else str(value).strip()


def _failing_attribute(fs: Any, types: ProjectTypes, key: str, row: int, given: Mapping[str, Any],
                       cells: Mapping[str, list[Any]]) -> str:
    """The attribute column whose cell in ``row`` is refused (the first one, in file order)."""
    for name, column in cells.items():
        try:
            _row_attributes(fs, types, key, row, given, {name: column})
        except InputError:
            return name
    return ""
