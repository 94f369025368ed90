"""What changed between a saved screening result and the same project screened again.

A conflict row is identified by (layer, zone feature, zone value, rule): a row present only
before was removed, one present only now was added; one present in both whose overlap
(area, or length for a line) moved by more than the tolerance is an area change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoning.model import Conflict, ScreeningResult

__all__ = ["ConflictKey", "AreaChange", "ResultChange", "compare_results", "conflict_key"]

#: Overlaps that differ by less than this (m² or m) are the same (floating-point noise).
AREA_TOLERANCE = 0.01


@dataclass(frozen=True, order=True)
class ConflictKey:
    """What names one conflict row across two screenings."""

    layer: str
    feature: str
    zone: str
    rule_id: str

    def label(self) -> str:
        zone = f" {self.zone}" if self.zone and self.zone not in self.feature else ""
        return f"{self.layer} · {self.feature}{zone} · {self.rule_id}"


def conflict_key(c: Conflict | Mapping[str, Any]) -> ConflictKey:
    get = c.get if isinstance(c, Mapping) else (lambda k: getattr(c, k))
    return ConflictKey(str(get("layer")), str(get("feature") or ""), str(get("zone") or ""), str(get("rule_id")))


@dataclass(frozen=True)
class AreaChange:
    """A conflict in both screenings whose overlap changed: area (m²) or, for lines, length (m)."""

    key: ConflictKey
    measure: str  # "area_m2" | "length_m"
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class ResultChange:
    """One project: its verdict before and now, conflicts added and removed, overlaps changed."""

    position: int
    name: str
    verdict_before: str
    verdict_after: str
    added: tuple[Conflict, ...]
    removed: tuple[Conflict, ...]
    areas: tuple[AreaChange, ...]

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    @property
    def changed(self) -> bool:
        return self.verdict_changed or bool(self.added or self.removed or self.areas)

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "name": self.name,
            "verdict_before": self.verdict_before,
            "verdict_after": self.verdict_after,
            "verdict_changed": self.verdict_changed,
            "added": [c.to_dict() for c in self.added],
            "removed": [c.to_dict() for c in self.removed],
            "areas": [
                {"layer": a.key.layer, "feature": a.key.feature, "zone": a.key.zone, "rule_id": a.key.rule_id,
                 "measure": a.measure, "before": a.before, "after": a.after, "delta": a.delta}
                for a in self.areas
            ],
        }  # fmt: skip


def _measure(c: Conflict) -> tuple[str, float]:
    if c.overlap_length_m and not c.overlap_area_m2:
        return "length_m", float(c.overlap_length_m)
    return "area_m2", float(c.overlap_area_m2)


def compare_results(before: ScreeningResult, after: ScreeningResult, *, position: int = 0) -> ResultChange:
    """What changed for one project between two screenings of it."""
    old = {conflict_key(c): c for c in before.conflicts}
    new = {conflict_key(c): c for c in after.conflicts}
    areas = []
    for key in sorted(old.keys() & new.keys()):
        measure, was = _measure(old[key])
        _, now = _measure(new[key])
        if abs(now - was) > AREA_TOLERANCE:
            areas.append(AreaChange(key, measure, was, now))
    return ResultChange(
        position=position,
        name=after.project.name,
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        added=tuple(new[k] for k in sorted(new.keys() - old.keys())),
        removed=tuple(old[k] for k in sorted(old.keys() - new.keys())),
        areas=tuple(areas),
    )
