"""The rule matrix and the project types as JSON-ready dicts: what ``python -m zoning rules list
--format json`` prints and what the HTTP API's ``/api/v1/rules`` answers (one form for both).

Examples
--------
>>> from zoning.rules import load_rules
>>> rule_dict(load_rules().active[0])["id"]
'DWS01'
"""

from __future__ import annotations

from typing import Any

from zoning.rules import ProjectTypes, Rule

__all__ = ["rule_dict", "project_type_dicts"]


def rule_dict(rule: Rule) -> dict[str, Any]:
    """One rule of the matrix; field names are a contract (add, never rename)."""
    return {
        "id": rule.id,
        "layer": rule.layer,
        "layers": list(rule.all_layers),
        "admin": list(rule.admin),
        "zones": list(rule.zones),
        "where": {k: list(v) for k, v in rule.where.items()},
        "where_not": {k: list(v) for k, v in rule.where_not.items()},
        "types": sorted(rule.types),
        "types_text": rule.types_text,
        "when": [c.describe("en") for c in rule.when],
        "predicate": rule.predicate,
        "distance_m": rule.distance_m,
        "fallback": rule.fallback,
        "verdict": rule.verdict,
        "condition": rule.condition_zh,
        "condition_en": rule.condition_en,
        "basis": rule.basis,
        "confidence": rule.confidence,
        "effective_date": rule.effective_date,
        "note": rule.note,
    }


def project_type_dicts(types: ProjectTypes) -> list[dict[str, Any]]:
    """Every project type with its labels, aliases and the attributes it takes (each with
    its labels, kind, default and the column names a batch file or an API client may use)."""
    out = []
    for key, pt in types.types.items():
        attributes = []
        for name in pt.attributes:
            spec = types.attributes[name]
            attributes.append(
                {
                    "name": name,
                    "type": spec.type,
                    "label": {"zh": spec.label_zh, "en": spec.label_en},
                    "default": spec.default,
                    "aliases": list(spec.aliases),
                }
            )
        out.append(
            {
                "key": key,
                "label": {"zh": pt.label_zh, "en": pt.label_en},
                "aliases": list(pt.aliases),
                "attributes": attributes,
            }
        )
    return out
