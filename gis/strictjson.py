"""JSON that every parser accepts: no ``NaN``, no ``Infinity``.

Python's ``json.dumps`` writes a float NaN as the bare word ``NaN``, which is not JSON:
a browser's ``JSON.parse`` (``fetch(...).json()``) rejects the whole document. A missing
value read by GeoPandas (an unnamed river's ``name_zh``) is such a NaN, and the base map
of every page was rejected that way. Documents the product serves or writes go through
:func:`dumps`, which writes a non-finite number as ``null`` (a missing value, as JSON has it)
and would raise rather than write invalid JSON.

>>> dumps({"name": float("nan"), "n": [1.5, float("inf")]})
'{"name": null, "n": [1.5, null]}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["finite", "dumps"]


def finite(value: Any) -> Any:
    """``value`` with every NaN/±Infinity float (numpy's too) replaced by None, recursively
    through dicts, lists and tuples; numpy scalars become Python numbers."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    item = getattr(value, "item", None)  # a numpy scalar
    if callable(item) and getattr(value, "shape", None) == ():
        return finite(item())
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite` ``(value)``, refusing (ValueError) anything non-finite left."""
    return json.dumps(finite(value), allow_nan=False, **kwargs)
