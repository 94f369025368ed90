"""Result types of a screening: what ``zoning.screen()`` returns to the UI, CLI and reports.

``ScreeningResult.to_dict()`` is the JSON contract of DESIGN.md ("The screening
contract"). Field names there are stable: add fields freely, never rename.

All geometries carried here are shapely geometries in CGCS2000 longitude/latitude
(EPSG:4490, treated as equal to WGS84); all measurements were made in ``work_crs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from gis.text import text_of

__all__ = [
    "Verdict",
    "Relation",
    "VERDICTS",
    "VERDICT_RANK",
    "VERDICT_LABELS",
    "worst_verdict",
    "Project",
    "ProjectInfo",
    "Conflict",
    "Nearby",
    "LayerInfo",
    "DataInfo",
    "ScreeningResult",
]

Verdict = Literal["prohibited", "conditional", "review", "clear"]
Relation = Literal["intersects", "within_distance", "near_boundary"]

#: Verdict codes from best to worst (RULES.md "Verdicts", precedence 1..4).
VERDICTS: tuple[Verdict, ...] = ("clear", "review", "conditional", "prohibited")
VERDICT_RANK: dict[str, int] = {v: i + 1 for i, v in enumerate(VERDICTS)}


class _VerdictLabels(Mapping[str, Mapping[str, str]]):
    """verdict -> ``{"zh": 禁止, "en": Prohibited}``: the words of the palette
    (data/styles.yaml, ``zoning.styles``), read when first asked for."""

    def _words(self) -> Mapping[str, Mapping[str, str]]:
        from zoning.styles import load_styles

        return {code: style.text.as_dict() for code, style in load_styles().verdicts.items()}

    def __getitem__(self, code: str) -> Mapping[str, str]:
        from zoning.styles import load_styles

        return load_styles().verdicts[code].text.as_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


#: verdict -> {"zh", "en"} words, from data/styles.yaml (one vocabulary for every output).
VERDICT_LABELS: Mapping[str, Mapping[str, str]] = _VerdictLabels()


def worst_verdict(verdicts: Iterable[str]) -> Verdict:
    """The worst of ``verdicts`` by RULES.md precedence; ``clear`` when there are none."""
    worst: Verdict = "clear"
    for v in verdicts:
        if VERDICT_RANK[v] > VERDICT_RANK[worst]:
            worst = v  # type: ignore[assignment]
    return worst


@dataclass(frozen=True)
class Project:
    """A proposed project as handed to ``zoning.screen()``.

    ``geometry`` is in CGCS2000 lon/lat (EPSG:4490): readers convert GCJ-02/BD-09 and
    projected input before building a Project. ``input_crs`` records what the user gave.
    """

    name: str
    type: str
    geometry: BaseGeometry
    attributes: Mapping[str, Any] = field(default_factory=dict)
    input_crs: str = "EPSG:4490"
    #: Notes from reading the input (encoding, CRS conversion, repairs), shown with the result.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectInfo:
    """The screened project as measured in the work CRS."""

    name: str
    type: str
    geometry_type: str
    area_m2: float
    length_m: float
    centroid_lonlat: tuple[float, float]
    county: str | None
    input_crs: str
    work_crs: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: Position of the project in the input (0-based), for batches.
    index: int = 0
    #: The project geometry in EPSG:4490 lon/lat (not serialised to JSON).
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "geometry_type": self.geometry_type,
            "area_m2": self.area_m2,
            "length_m": self.length_m,
            "centroid_lonlat": list(self.centroid_lonlat),
            "county": self.county,
            "input_crs": self.input_crs,
            "work_crs": self.work_crs,
            "attributes": dict(self.attributes),
            "index": self.index,
        }


@dataclass(frozen=True)
class Conflict:
    """One (zone feature, rule) pair that fires for a project."""

    layer: str
    feature: str
    zone: str | None
    relation: Relation
    overlap_area_m2: float
    overlap_pct: float
    overlap_length_m: float
    distance_m: float
    verdict: Verdict
    rule_id: str
    condition: str
    basis: str
    confidence: Literal["verified", "unverified"]
    legal_status: str
    condition_en: str = ""
    #: Row position of the zone feature in its store layer.
    feature_id: int = -1
    #: The zone feature's ``source`` field (approving document or how it was made).
    source: str = ""
    #: project ∩ zone in EPSG:4490 (None for within_distance rows); not serialised.
    overlap_geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "feature": self.feature,
            "zone": self.zone,
            "relation": self.relation,
            "overlap_area_m2": self.overlap_area_m2,
            "overlap_pct": self.overlap_pct,
            "overlap_length_m": self.overlap_length_m,
            "distance_m": self.distance_m,
            "verdict": self.verdict,
            "rule_id": self.rule_id,
            "condition": self.condition,
            "condition_en": self.condition_en,
            "basis": self.basis,
            "confidence": self.confidence,
            "legal_status": self.legal_status,
            "feature_id": self.feature_id,
            "source": self.source,
        }


@dataclass(frozen=True)
class Nearby:
    """The nearest feature of a layer within ``near_m`` that the project does not touch."""

    layer: str
    feature: str
    zone: str | None
    distance_m: float
    bearing_deg: float
    legal_status: str = ""
    feature_id: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "feature": self.feature,
            "zone": self.zone,
            "distance_m": self.distance_m,
            "bearing_deg": self.bearing_deg,
            "legal_status": self.legal_status,
            "feature_id": self.feature_id,
        }


@dataclass(frozen=True)
class LayerInfo:
    features: int
    legal_status: str  # 法定 | 示意 | 混合 (mixed)

    def to_dict(self) -> dict[str, Any]:
        return {"features": self.features, "legal_status": self.legal_status}


@dataclass(frozen=True)
class DataInfo:
    """Which zone store answered: path, content hash, layers present and absent."""

    zones: str
    sha256: str
    layers: Mapping[str, LayerInfo]
    absent_layers: tuple[str, ...] = ()

    @property
    def illustrative(self) -> bool:
        """True when any layer holds 示意 (illustrative) features."""
        return any(info.legal_status != "法定" for info in self.layers.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "zones": self.zones,
            "sha256": self.sha256,
            "layers": {k: v.to_dict() for k, v in self.layers.items()},
            "absent_layers": list(self.absent_layers),
            "illustrative": self.illustrative,
        }


@dataclass(frozen=True)
class ScreeningResult:
    """The answer for one project."""

    project: ProjectInfo
    verdict: Verdict
    conflicts: tuple[Conflict, ...]
    nearby: tuple[Nearby, ...]
    data: DataInfo
    generated_at: str
    #: Parameters the answer depends on (tolerance_m, near_m, rules file hash...).
    parameters: Mapping[str, Any] = field(default_factory=dict)
    #: Notes for the user: repairs, CRS conversions, missing attributes; each a
    #: ``gis.text.Text`` (Chinese, English), a plain string reads the same in both.
    notes: tuple[str, ...] = ()

    @property
    def illustrative_used(self) -> bool:
        """True when any conflict or nearby row comes from 示意 data."""
        return any(c.legal_status == "示意" for c in self.conflicts) or any(
            n.legal_status == "示意" for n in self.nearby
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project.to_dict(),
            "verdict": self.verdict,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "nearby": [n.to_dict() for n in self.nearby],
            "data": self.data.to_dict(),
            "parameters": dict(self.parameters),
            "notes": list(self.notes),
            # The same notes as (zh, en) pairs: "notes" keeps its "中文 / English" strings.
            "notes_i18n": [text_of(n).as_dict() for n in self.notes],
            "illustrative_used": self.illustrative_used,
            "generated_at": self.generated_at,
        }
