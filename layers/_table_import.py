"""Import helpers for a layer without geometry (the access list), as provinces publish it.

A published 生态环境准入清单 is a spreadsheet: a title line above the header, the unit code in
merged cells over several rows, and often one column per 管控维度 (wide form) instead of a
dimension column. ``read`` finds the header by the catalogue's names for the fields;
``reshape`` fills merged cells from the row above, turns the wide form into one row per
(dimension, text) (catalogue ``melt``), and drops rows without text.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from gis.tables import Table, read_table
from gis.text import Text
from layers.catalog import FieldSpec, LayerSpec

__all__ = ["read", "reshape", "EMPTY_TEXT"]

#: Cell texts that mean "nothing here" in published lists.
EMPTY_TEXT = frozenset({"", "/", "／", "无", "—", "-", "--", "——", "nan", "None"})


def _names(spec: LayerSpec, fields: Mapping[str, FieldSpec]) -> set[str]:
    """Every header a published table may use for the layer's fields (and wide columns)."""
    names: set[str] = set()
    for name, f in fields.items():
        names |= {name, f.title_zh, *f.column_aliases}
    if spec.melt is not None:
        key = fields[spec.melt[0]]
        names |= {*key.values, *key.aliases}
    return names - {""}


def read(data: Path | bytes, name: str, spec: LayerSpec, fields: Mapping[str, FieldSpec], *, sheet: object) -> Table:
    """The table of ``data`` (CSV, XLSX, GeoPackage attribute table), header found by the field names."""
    return read_table(data, filename=name, sheet=None if sheet is None else str(sheet), header_names=_names(spec, fields))


def reshape(frame: pd.DataFrame, spec: LayerSpec, fields: Mapping[str, FieldSpec]) -> tuple[pd.DataFrame, list[Text]]:
    """Merged cells filled, wide form melted, empty requirements dropped; (frame, notes).

    ``frame`` has catalogue field names already (after ``--map`` and the automatic mapping).
    """
    notes: list[Text] = []
    frame = frame.copy()
    value_field = spec.melt[1] if spec.melt is not None else None
    for name, f in fields.items():
        if not f.required or name == value_field or name not in frame.columns:
            continue
        column = frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.strip()
        blank = column == ""
        if blank.any() and not blank.iloc[0]:
            frame[name] = column.mask(blank).ffill()
            notes.append(
                Text(
                    f"{name}：{int(blank.sum())} 个空单元格取上一行的值（合并单元格）",
                    f"{name}: {int(blank.sum())} empty cell(s) taken from the row above (merged cells)",
                )
            )
    if spec.melt is not None:
        frame, melted = _melt(frame, spec.melt, fields[spec.melt[0]])
        notes += melted
    if value_field is not None and value_field in frame.columns:
        text = frame[value_field].astype(object).where(frame[value_field].notna(), "").astype(str).str.strip()
        empty = text.isin(EMPTY_TEXT)
        if empty.any():
            notes.append(
                Text(
                    f"{value_field}：{int(empty.sum())} 行无内容，未导入",
                    f"{value_field}: {int(empty.sum())} row(s) without text skipped",
                )
            )
            frame = frame[~empty].reset_index(drop=True)
    return frame, notes


def _melt(frame: pd.DataFrame, melt: tuple[str, str], key: FieldSpec) -> tuple[pd.DataFrame, list[Text]]:
    """One row per (key value, value) from one column per key value, when the table is wide."""
    key_field, value_field = melt
    if key_field in frame.columns or value_field in frame.columns:
        return frame, []
    spelled = {v: v for v in key.values} | dict(key.aliases)
    wide = [c for c in frame.columns if str(c).strip() in spelled]
    if not wide:
        return frame, []
    ids = [c for c in frame.columns if c not in wide]
    long = frame.melt(id_vars=ids, value_vars=wide, var_name=key_field, value_name=value_field, ignore_index=False)
    long[key_field] = [spelled[str(c).strip()] for c in long[key_field]]
    # The published order: row by row, each row's dimension columns left to right (melt
    # stacks column by column; a stable sort on the original row restores it).
    long = long.sort_index(kind="stable").reset_index(drop=True)
    note = Text(
        f"宽表：{'、'.join(map(str, wide))} 各列转为{key_field}/{value_field}两列",
        f"wide table: columns {', '.join(map(str, wide))} read as {key_field} + {value_field}",
    )
    return long, [note]
