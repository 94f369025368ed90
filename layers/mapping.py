"""Which column of an official file is which catalogue field, and which of its values is which
catalogue value — proposed, for the importer and for the layer manager's mapping form.

A column is proposed for a field when it is the only one named like it: the field's own name
(any case), its Chinese title, or a header official files use for it (``column_aliases``). A
value is proposed when it is a catalogue value, or a spelling the catalogue lists as an alias
(``一级保护区`` -> ``一级``); anything else is left for the person importing to decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from layers.catalog import FieldSpec
from layers.schema import text_values

__all__ = ["propose_fields", "propose_values", "distinct_values"]


def _named_like(column: str, name: str, spec: FieldSpec) -> bool:
    names = {spec.title_zh, *spec.column_aliases} - {""}
    return column.casefold() == name or column.strip() in names


def propose_fields(
    columns: Sequence[str], fields: Mapping[str, FieldSpec], *, taken: Iterable[str] = ()
) -> dict[str, str]:
    """Catalogue field -> the source column proposed for it (fields present under their own
    name map to themselves); ``taken`` columns are already mapped by hand."""
    used = set(taken)
    out: dict[str, str] = {}
    for name, spec in fields.items():
        if name in columns:
            out[name] = name
            continue
        candidates = [c for c in columns if c not in used and c not in out.values() and _named_like(c, name, spec)]
        if len(candidates) == 1:
            out[name] = candidates[0]
    return out


def propose_values(values: Iterable[str], spec: FieldSpec) -> dict[str, str | None]:
    """Source value -> the catalogue value proposed for it (None: none; the person decides)."""
    out: dict[str, str | None] = {}
    for value in values:
        text = str(value).strip()
        if text in spec.allowed:
            out[value] = text
        else:
            out[value] = spec.aliases.get(text)
    return out


def distinct_values(column: pd.Series, *, limit: int = 100) -> tuple[list[str], bool]:
    """The distinct non-empty values of a column as text (most frequent first), at most
    ``limit``; and whether there were more."""
    text, missing = text_values(column)
    counts = pd.Series(text[~missing]).value_counts()
    values = [str(v) for v in counts.index]
    return values[:limit], len(values) > limit
