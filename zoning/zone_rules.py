"""What the rules say about one zone, in words: for the public map and its static export.

The screening engine answers "does *this project* conflict?"; a member of the public asks
"what is forbidden *here*?". :func:`rules_for_zone` answers the second from the same rule
file: every active rule of the zone's layer whose ``zones`` and ``where``/``where_not``
filters take the zone feature, with the project types it applies to named in Chinese and
English, worst verdict first.

Examples
--------
>>> from zoning.engine import default_rules
>>> lines = rules_for_zone(default_rules(), "water_source", "一级", {})
>>> lines[0].verdict, lines[0].rule_id
('prohibited', 'DWS01')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoning.rules import FEATURE_PREDICATES

__all__ = ["RuleLine", "rules_for_zone", "types_text"]

_ORDER = {"prohibited": 0, "conditional": 1, "review": 2}


@dataclass(frozen=True)
class RuleLine:
    """A rule in plain words: verdict, condition, the project types it applies to, basis."""

    rule_id: str
    verdict: str
    condition_zh: str
    condition_en: str
    types_zh: str
    types_en: str
    basis: str
    confidence: str
    #: For shoreline-type rules (``within_distance``): the distance in metres, else None.
    distance_m: float | None = None


def rules_for_zone(rules: Any, layer: str, zone: str | None, attributes: Mapping[str, Any]) -> list[RuleLine]:
    """The active rules of ``layer`` that apply to a feature of ``zone``, worst first.

    Parameters
    ----------
    rules
        A ``zoning.rules.RuleSet``.
    layer
        Zone-store layer id (``water_source``...).
    zone
        The feature's value of the layer's zone field (``一级``), or None for layers without one.
    attributes
        The feature's attributes, for the rules' ``where`` / ``where_not`` filters
        (e.g. shoreline rules that hold only on the Yangtze).
    """
    types = rules.project_types
    lines = []
    for rule in rules.for_layer(layer):
        # Only rules about being in or near a feature say what holds *here* (not "outside").
        if rule.predicate not in FEATURE_PREDICATES:
            continue
        if not rule.applies_to_zone(zone, layer) or not rule.applies_to_feature(attributes):
            continue
        lines.append(
            RuleLine(
                rule.id, rule.verdict, rule.condition_zh, rule.condition_en,
                types_text(rule, types, "zh"), types_text(rule, types, "en"), rule.basis, rule.confidence,
                float(rule.distance_m) if rule.predicate != "intersects" and rule.distance_m else None,
            )
        )  # fmt: skip
    return sorted(lines, key=lambda r: (_ORDER.get(r.verdict, 3), r.rule_id))


def types_text(rule: Any, types: Any, lang: str) -> str:
    """The project types a rule applies to, in words; "all but ..." when that is shorter."""
    keys = set(rule.types)
    sep = "、" if lang == "zh" else ", "
    if keys >= set(types.keys):
        return "所有项目" if lang == "zh" else "all projects"
    if len(keys) > len(types.keys) / 2:
        others = sep.join(types.types[k].label(lang) for k in types.keys if k not in keys)
        return f"除{others}以外的所有项目" if lang == "zh" else f"all projects except {others}"
    return sep.join(types.types[k].label(lang) for k in types.keys if k in keys)
