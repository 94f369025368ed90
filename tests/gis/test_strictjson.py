"""gis.strictjson: documents every JSON parser accepts (a browser's JSON.parse rejects NaN)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from gis.strictjson import dumps, finite
from tests.jsoncheck import strict_loads


def test_non_finite_numbers_become_null_everywhere() -> None:
    value = {"a": float("nan"), "b": [1.0, float("inf"), -math.inf, {"c": np.float64("nan")}], "d": (np.float32(2.5), np.int64(3))}
    text = dumps(value)
    assert strict_loads(text) == {"a": None, "b": [1.0, None, None, {"c": None}], "d": [2.5, 3]}


def test_strings_and_ordinary_numbers_are_kept() -> None:
    value = {"name": "NaN", "n": 0, "x": -1.25, "ok": True, "none": None}
    assert strict_loads(dumps(value)) == value
    assert finite("Infinity") == "Infinity"


def test_what_finite_cannot_convert_is_refused_not_written() -> None:
    class Odd:
        pass

    with pytest.raises(TypeError):
        dumps({"x": Odd()})
    # the plain json module would write the invalid word; the check proves the parser is strict
    with pytest.raises(ValueError, match="NaN is not JSON"):
        strict_loads(json.dumps(float("nan")))
