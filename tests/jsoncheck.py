"""A strict JSON parser for the tests: what a browser's ``JSON.parse`` accepts, nothing more
(Python's ``json.loads`` alone accepts the non-JSON words NaN, Infinity and -Infinity)."""

from __future__ import annotations

import json
from typing import Any


def _refuse(word: str) -> Any:
    msg = f"{word} is not JSON (a browser's JSON.parse rejects the whole document)"
    raise ValueError(msg)


def strict_loads(text: str | bytes) -> Any:
    """``json.loads`` that raises ValueError on NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_refuse)
