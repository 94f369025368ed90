"""Result types of a screening: what ``zoning.screen()`` returns to the UI, CLI and reports.

``ScreeningResult.to_dict()`` is the JSON contract of DESIGN.md ("The screening
contract"). Field names there are stable: add fields freely, never rename.

All geometries carried here are shapely geometries in CGCS2000 longitude/latitude
(EPSG:4490, treated as equal to WGS84); all measurements were made in ``work_crs``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from gis.text import text_of
from zoning.verdicts import VERDICT_RANK, VERDICTS, Verdict, worst_verdict

__all__ = [
    "Verdict",
    "Relation",
    "Confidence",
    "VERDICTS",
    "VERDICT_RANK",
    "VERDICT_LABELS",
    "CONFIDENCE_LABELS",
    "confidence_label",
    "worst_verdict",
    "Project",
    "ProjectInfo",
    "Conflict",
    "Nearby",
    "LayerInfo",
    "DataInfo",
    "ScreeningResult",
    "ClauseRecord",
    "UnitRecord",
    "CoverageInfo",
]

#: intersects / within_distance / near_boundary (a zone feature); outside (in no feature of a
#: layer an ``outside`` rule asks for); no_coverage (the layer has no data here);
#: outside_extent (the project lies outside the store's admin extent).
Relation = Literal["intersects", "within_distance", "near_boundary", "outside", "no_coverage", "outside_extent"]
Confidence = Literal["verified", "secondary", "unverified"]



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


#: RULES.md: verified 已核实, secondary 依二手资料核实, unverified 待法规核实. Never print
#: secondary as 已核实.
CONFIDENCE_LABELS: dict[str, dict[str, str]] = {
    "verified": {"zh": "已核实", "en": "verified"},
    "secondary": {"zh": "依二手资料核实", "en": "verified against secondary sources"},
    "unverified": {"zh": "待法规核实", "en": "legal basis to be confirmed"},
}


def confidence_label(confidence: str, lang: str = "zh") -> str:
    """The words for a confidence level (``CONFIDENCE_LABELS``); an unknown level reads as
    unverified, never as verified.

    >>> confidence_label("secondary"), confidence_label("secondary", "en")
    ('依二手资料核实', 'verified against secondary sources')
    """
    labels = CONFIDENCE_LABELS.get(confidence, CONFIDENCE_LABELS["unverified"])
    return labels["en" if lang == "en" else "zh"]


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
    #: 建设单位 (the builder) and 项目代码 (the national investment project code), when given.
    builder: str | None = None
    project_code: str | None = None


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
    #: The prefecture (市州) of the county, and the county's admin code, from the admin layer.
    prefecture: str | None = None
    adcode: str | None = None
    #: 建设单位 and 项目代码 when the input gave them (``Project``).
    builder: str | None = None
    project_code: str | None = None

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
            "prefecture": self.prefecture,
            "adcode": self.adcode,
            "builder": self.builder,
            "project_code": self.project_code,
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
    confidence: Confidence
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
    #: Where the layer holds data (``layers.coverage``): admin codes, whether an extent polygon
    #: is recorded, and the note; None = the store's whole admin extent (then not in the JSON).
    coverage: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"features": self.features, "legal_status": self.legal_status}
        if self.coverage is not None:
            out["coverage"] = dict(self.coverage)
        return out


@dataclass(frozen=True)
class ClauseRecord:
    """One access-list clause (生态环境准入清单) as it applies to a project.

    ``scope`` is ``省级``, a city or county name (a general list) or a unit code (the unit's
    own list). ``applies`` says whether its ``applies_to`` takes this project; ``verdict`` is
    its verdict for this project (``clear`` when it does not apply). ``finding`` is the
    "本项目情况" column of the EIA table. A category default (the unit has no clause of its own)
    has ``origin`` ``default`` and the ``rule_id`` of its rules.yaml row; a clause of the
    list has ``origin`` ``list`` and ``clause_id`` = ``<layer>#<row>``.
    """

    scope: str
    dimension: str
    text: str
    verdict: Verdict
    basis: str
    confidence: Confidence
    applies: bool = True
    applies_to: str = ""
    finding_zh: str = ""
    finding_en: str = ""
    origin: Literal["list", "default"] = "list"
    rule_id: str = ""
    clause_id: str = ""
    unit: str = ""
    text_en: str = ""
    legal_status: str = "法定"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "dimension": self.dimension,
            "text": self.text,
            "text_en": self.text_en,
            "verdict": self.verdict,
            "basis": self.basis,
            "confidence": self.confidence,
            "applies": self.applies,
            "applies_to": self.applies_to,
            "finding": self.finding_zh,
            "finding_en": self.finding_en,
            "origin": self.origin,
            "rule_id": self.rule_id,
            "clause_id": self.clause_id,
            "unit": self.unit,
            "legal_status": self.legal_status,
        }


@dataclass(frozen=True)
class UnitRecord:
    """An environmental control unit (环境管控单元) the project lies in, with its share of the
    project (area share for a polygon project, length share for a line, 100 for a point)."""

    code: str
    name: str
    category: str
    subtype: str
    share_pct: float
    clauses: tuple[ClauseRecord, ...] = ()
    legal_status: str = "法定"
    feature_id: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "subtype": self.subtype,
            "share_pct": self.share_pct,
            "legal_status": self.legal_status,
            "feature_id": self.feature_id,
            "clauses": [c.to_dict() for c in self.clauses],
        }


@dataclass(frozen=True)
class CoverageInfo:
    """Which layers were checked at the project (RULES.md "A clear is only as wide as the data").

    ``missing``: catalogue layers absent from the store; ``outside``: layers present but
    without data where the project lies; ``checked``: layers present with data there;
    ``inside_store``: False when the project lies (partly) outside the store's admin extent.
    ``statement_zh`` / ``statement_en`` say it in a sentence (``zoning.coverage``).
    """

    missing: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    inside_store: bool = True
    statement_zh: str = ""
    statement_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing": list(self.missing),
            "outside": list(self.outside),
            "checked": list(self.checked),
            "inside_store": self.inside_store,
            "statement": {"zh": self.statement_zh, "en": self.statement_en},
        }


@dataclass(frozen=True)
class DataInfo:
    """Which zone store answered: path, content hash, layers present and absent."""

    zones: str
    sha256: str
    layers: Mapping[str, LayerInfo]
    absent_layers: tuple[str, ...] = ()
    #: Per layer with a version history (``store_history``): the version screened —
    #: ``version``, ``label``, ``effective_date``, ``ceased_date`` (None while in force).
    versions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The date screened "as of" (the versions in force then), None for the current layers;
    #: with it, ``source_sha256`` is the hash of the store the versions were taken from.
    as_of: str | None = None
    source_sha256: str | None = None

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
            "versions": {k: dict(v) for k, v in self.versions.items()},
            "as_of": self.as_of,
            "source_sha256": self.source_sha256,
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
    #: The environmental control units the project lies in, each with its clauses.
    units: tuple[UnitRecord, ...] = ()
    #: Every access clause that applies at the project's place: general lists first, then the
    #: units' own (or their category defaults); each once.
    clauses: tuple[ClauseRecord, ...] = ()
    coverage: CoverageInfo = field(default_factory=CoverageInfo)
    #: Every zone feature within ``parameters["within_m"]`` of the project, nearest first
    #: (distance 0: it touches), when that radius was asked for (NEPAssist's buffer report);
    #: ``nearby`` keeps only the nearest untouched feature of each layer.
    within: tuple[Nearby, ...] = ()

    @property
    def illustrative_used(self) -> bool:
        """True when any conflict, nearby row, unit or clause comes from 示意 data."""
        return (
            any(c.legal_status == "示意" for c in self.conflicts)
            or any(n.legal_status == "示意" for n in self.nearby)
            or any(u.legal_status == "示意" for u in self.units)
            or any(c.legal_status == "示意" for c in self.clauses)
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
            "units": [u.to_dict() for u in self.units],
            "clauses": [c.to_dict() for c in self.clauses],
            "coverage": self.coverage.to_dict(),
            # only when a radius was asked for: the JSON of a plain screening is unchanged
            **({"within": [n.to_dict() for n in self.within]} if "within_m" in self.parameters else {}),
        }
