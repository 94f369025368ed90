"""Saved screenings: the interface a screening store offers its readers.

A screening a reviewer saves gets a number (the report number, ``EZS-20261206-…``) and is
kept with what it was run on (DESIGN.md "Time: versions in force, as-of screening, audit
trail"). Where and how they are kept (SQLite beside the user's data, or PostgreSQL) is the
store's business; the HTTP API (``/api/v1/screenings/{number}`` and
``/api/v1/reports/{number}.pdf|.docx``) and ``python -m zoning history`` only ask
``get(number)``. A deployment without a screening store answers every number with "no
saved screening with this number".

Examples
--------
>>> class Shelf:
...     def __init__(self): self.kept = {}
...     def get(self, number): return self.kept.get(number)
>>> isinstance(Shelf(), ScreeningStore)
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from zoning.model import ScreeningResult

__all__ = ["SavedScreening", "ScreeningStore", "NUMBER_PATTERN", "valid_number"]

#: What a screening number may look like: letters, digits, ``-``, ``_`` and ``.``, at most 64
#: characters (``EZS-20261206-0001``). Anything else is refused before any store is asked.
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_NUMBER = re.compile(NUMBER_PATTERN)


def valid_number(number: str) -> bool:
    """Whether ``number`` has the form of a screening number (not whether one is saved)."""
    return bool(_NUMBER.match(number))


@dataclass(frozen=True)
class SavedScreening:
    """One saved screening, as a screening store hands it out.

    Attributes
    ----------
    number
        The screening's number (its report number).
    results
        The results as they were saved (one per project, in input order).
    batch
        True when the input was a collection (its JSON is a list even of one result).
    saved_at
        When it was saved, ISO 8601 with the offset (``2026-12-06T10:00:00+08:00``).
    saved_by
        Who saved it (account or API key name).
    store_sha256, rules_sha256
        The zone store and rule files it was screened against.
    input
        What was screened, as given: geometry (GeoJSON, EPSG:4490), type, attributes.
    """

    number: str
    results: Sequence[ScreeningResult]
    batch: bool = False
    saved_at: str = ""
    saved_by: str = ""
    store_sha256: str = ""
    rules_sha256: str = ""
    input: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON: its facts and the results in the screening contract's form."""
        results = [r.to_dict() for r in self.results]
        return {
            "number": self.number,
            "saved_at": self.saved_at,
            "saved_by": self.saved_by,
            "store_sha256": self.store_sha256,
            "rules_sha256": self.rules_sha256,
            "input": dict(self.input),
            "results": results if self.batch or len(results) != 1 else results[0],
        }


@runtime_checkable
class ScreeningStore(Protocol):
    """Where saved screenings are kept. The history work (bureau issue) implements it."""

    def get(self, number: str) -> SavedScreening | None:
        """The screening saved under ``number``, or None when there is none."""
        ...
