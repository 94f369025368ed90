"""Which column of a batch file (or which property of a GeoJSON feature) holds a project's
name, type or attributes.

The batch page proposes a column for each (a reviewer confirms the mapping); the HTTP API
(``zoning.api``) takes a property when its name is exactly one the project types file lists
for an attribute — the attribute's key, its Chinese label or one of its ``aliases``
(``存栏``, ``年出栏``, ``养殖规模`` for ``scale_head``) — since a machine client has no one to
confirm a guess.

Examples
--------
>>> from zoning.rules import load_project_types
>>> attribute_columns(["name", "存栏", "type"], load_project_types())
{'scale_head': ['存栏']}
>>> guess_column(["", "项目名称", "年出栏（头）"], ["年出栏"])
2
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gis.errors import InputError, zh_lead

__all__ = ["NAME_COLUMNS", "TYPE_COLUMNS", "BUILDER_COLUMNS", "PROJECT_CODE_COLUMNS", "guess_column", "find_column", "attribute_columns", "with_attribute_columns",
           "parse_pairs"]

#: Column names taken as a project's name (first present wins).
NAME_COLUMNS = ("name", "名称", "项目名称", "Name", "NAME")
#: Column names taken as a project's type (first present wins).
TYPE_COLUMNS = ("type", "类型", "项目类型", "project_type", "TYPE", "Type")
#: Columns that hold 建设单位 and 项目代码 under their usual names (taken on their own).
BUILDER_COLUMNS = ("建设单位", "builder", "Builder", "BUILDER", "建设单位名称", "业主单位", "项目单位", "申报单位")
PROJECT_CODE_COLUMNS = ("项目代码", "project_code", "PROJECT_CODE", "项目编码", "统一项目代码", "投资项目代码", "项目统一代码")


def _norm(text: Any) -> str:
    return str(text).strip().lower()


def guess_column(columns: Sequence[Any], candidates: Sequence[Any], *, partial: bool = True) -> int | None:
    """Index of the first column named like a candidate (trimmed, case-insensitive); with
    ``partial``, else a column whose name holds a candidate of two or more characters
    ("年出栏（头）" for 年出栏). None when no column matches."""
    names = [_norm(c) for c in columns]
    wanted = [_norm(c) for c in candidates if _norm(c)]
    for i, name in enumerate(names):
        if name and name in wanted:
            return i
    if not partial:
        return None
    for want in wanted:
        if len(want) < 2:
            continue
        for i, name in enumerate(names):
            if name and want in name:
                return i
    return None


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` that is exactly a column name, else None."""
    present = set(columns)
    return next((c for c in candidates if c in present), None)


def attribute_columns(columns: Sequence[str], types: Any) -> dict[str, list[str]]:
    """Attribute name -> the columns named exactly like it (see the module notes), in column order."""
    found: dict[str, list[str]] = {}
    for attr, spec in types.attributes.items():
        names = {_norm(n) for n in (attr, spec.label_zh, *spec.aliases) if _norm(n)}
        hits = [c for c in columns if _norm(c) in names]
        if hits:
            found[attr] = hits
    return found


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def with_attribute_columns(frame: Any, types: Any, *, source: str = "") -> Any:
    """``frame`` with one column per attribute, named as the attribute, made of the columns
    that name it (``存栏`` -> ``scale_head``): in each row, the one value given.

    A collection's features may each use another name (one ``存栏``, the next ``年出栏``); a
    row that gives two different values for one attribute is refused.

    Raises
    ------
    InputError
        A row giving one attribute twice with different values (row, columns and values named).
    """
    found = {a: cols for a, cols in attribute_columns([str(c) for c in frame.columns], types).items()
             if cols != [a]}  # fmt: skip
    if not found:
        return frame
    out = frame.copy()
    for attr, cols in found.items():
        merged = []
        for row, values in enumerate(zip(*(frame[c].to_numpy(dtype=object) for c in cols), strict=True)):
            given = [(c, v) for c, v in zip(cols, values, strict=True) if not _blank(v)]
            if len({str(v).strip() for _c, v in given}) > 1:
                spec = types.attributes[attr]
                listed = ", ".join(f"{c}={v!r}" for c, v in given)
                msg = f"{source} row {row + 1}: {listed} all give the attribute {attr!r} ({spec.label_en}); keep one of them"
                zh = (f"{zh_lead(source)}第 {row + 1} 行的{'、'.join(f'“{c}”' for c, _v in given)}列都给出了"
                      f"属性“{spec.label_zh}”（{attr}），且值不同；请只保留其中一列")  # fmt: skip
                raise InputError(msg, zh=zh)
            merged.append(given[0][1] if given else None)
        out = out.drop(columns=[c for c in cols if c in out.columns])
        out[attr] = merged
    return out


def parse_pairs(pairs: Iterable[str], *, option: str = "--attr") -> dict[str, str]:
    """``KEY=VALUE`` texts (the CLI's ``--attr``, the API's ``attr=``) as a dict, keys and
    values trimmed.

    Raises
    ------
    InputError
        A text without ``=``, or with an empty key or value; the message names ``option``.
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            msg = f"{option} {pair!r}: expected KEY=VALUE, e.g. scale_head=2000 or unavoidable=true"
            zh = f"{option} “{pair}”格式有误：应为“属性=值”，如 scale_head=2000 或 unavoidable=true"
            raise InputError(msg, zh=zh)
        out[key.strip()] = value.strip()
    return out
