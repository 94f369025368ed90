"""The statutory rule matrix: typed rows, the predicate registry, loading and validation.

The law lives in ``data/rules.yaml`` (one row per rule, semantics documented at the top of
that file); the project types it refers to in ``data/project_types.yaml``
(``zoning.project_types``, re-exported here). ``load_rules`` turns the file into frozen
dataclasses and refuses a file with any bad entry, listing *every* problem in one
``RuleConfigError`` (the checks are in ``zoning._rule_parse``).

Examples
--------
>>> rules = load_rules()
>>> [r.id for r in rules.applicable("sewage_outfall") if r.layer == "water_source"]
['DWS01', 'DWS05', 'DWS10']
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gis.errors import RuleConfigError
from layers.paths import CATALOG_PATH, RULES_PATH
from zoning._catalog_schema import load_layer_schemas
from zoning._rule_parse import parse_rule
from zoning._rule_types import (
    ANY_LAYER,
    CONFIDENCES,
    FEATURE_PREDICATES,
    PREDICATES,
    RULE_VERDICTS,
    Condition,
    Predicate,
    Rule,
    RuleSet,
)
from zoning._yaml import problem_message, read_yaml
from zoning.project_types import (
    ATTRIBUTE_TYPES,
    AttributeSpec,
    ProjectType,
    ProjectTypes,
    load_project_types,
    parse_attribute_value,
    parse_bool,
)

__all__ = [
    "ATTRIBUTE_TYPES",
    "AttributeSpec",
    "ProjectType",
    "ProjectTypes",
    "Condition",
    "Rule",
    "RuleSet",
    "Predicate",
    "PREDICATES",
    "FEATURE_PREDICATES",
    "RULE_VERDICTS",
    "CONFIDENCES",
    "ANY_LAYER",
    "load_project_types",
    "load_rules",
    "parse_attribute_value",
    "parse_bool",
]

# --- loading -----------------------------------------------------------------------------


def load_rules(
    path: str | Path | None = None,
    *,
    project_types: ProjectTypes | None = None,
    catalog_path: str | Path | None = None,
) -> RuleSet:
    """Load and validate the rule matrix ``data/rules.yaml`` (or ``path``).

    Parameters
    ----------
    path
        The rules file; default ``data/rules.yaml`` of the package.
    project_types
        The project-type catalogue the rules refer to; default ``load_project_types()``.
    catalog_path
        The layer catalogue the rules are checked against; default ``data/catalog.yaml``.

    Raises
    ------
    RuleConfigError
        One error listing every problem: unknown layer, zone value, feature field, project
        type, attribute, verdict, predicate, confidence, missing text or duplicate id —
        each with the file, the rule id, the field, the bad value and the allowed values.
    """
    path = Path(path) if path is not None else RULES_PATH
    types = project_types if project_types is not None else load_project_types()
    schemas = load_layer_schemas(Path(catalog_path) if catalog_path is not None else CATALOG_PATH)
    data, sha = read_yaml(path, "rules")
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        msg = f"{path}: expected a mapping with a 'rules' list"
        raise RuleConfigError(msg)
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data["rules"]):
        rid = str(entry.get("id")) if isinstance(entry, Mapping) and entry.get("id") else f"#{i + 1}"
        if rid in seen:
            problems.append(f"rule {rid!r}: duplicate id (also rule #{seen[rid] + 1}); ids are unique and never reused")
        seen.setdefault(rid, i)
        rule = parse_rule(rid, entry, schemas, types, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise RuleConfigError(problem_message(path, problems))
    return RuleSet(rules=tuple(rules), project_types=types, path=str(path), sha256=sha)
