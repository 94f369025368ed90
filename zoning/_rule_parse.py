"""Validation of one rules.yaml row into a ``zoning.rules.Rule`` (every problem collected).

Each ``_check_*`` appends readable problems (rule id, field, bad value, allowed values) to the
caller's list and returns its best reading of the field, so one pass reports everything.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from zoning._catalog_schema import LayerSchema
from zoning._rule_types import ANY_LAYER, CONFIDENCES, PREDICATES, RULE_VERDICTS, Condition, Rule
from zoning._yaml import bilingual
from zoning.project_types import AttributeSpec, ProjectTypes

__all__ = ["parse_rule", "RULE_FIELDS"]

RULE_FIELDS = frozenset(
    {
        "id", "layer", "zones", "where", "where_not", "types", "when", "predicate", "distance_m",
        "fallback", "retired", "verdict", "condition", "basis", "confidence", "effective_date", "note",
        "admin", "report", "dimension",
    }
)  # fmt: skip
_RULE_ID_RE = re.compile(r"[A-Z]{2,4}[0-9]{2,3}")
#: Which layer roles each predicate scope may key on.
_ROLES_FOR = {
    "feature": ("zone", "control_unit"),
    "outside": ("zone",),
    "no_coverage": ("zone", "control_unit"),
    "outside_extent": ("admin",),
}


def parse_rule(
    rid: str, entry: Any, schemas: Mapping[str, LayerSchema], types: ProjectTypes, problems: list[str]
) -> Rule | None:
    """The Rule of one rules.yaml entry, or None when it has problems (appended to ``problems``)."""
    at = f"rule {rid!r}"
    if not isinstance(entry, Mapping):
        problems.append(f"{at}: expected a mapping, got {entry!r}")
        return None
    n_before = len(problems)
    for key in entry:
        if key not in RULE_FIELDS:
            problems.append(f"{at}: unknown field {key!r}; allowed fields: {sorted(RULE_FIELDS)}")
    if not rid[:1].isalpha():
        problems.append(f"{at} field 'id': missing; expected a stable code such as DWS01")
    elif not _RULE_ID_RE.fullmatch(rid):
        problems.append(f"{at} field 'id': {rid!r} is not a rule code; expected 2-4 capital letters and 2-3 digits, such as DWS01")
    predicate, distance_m = _check_predicate(at, entry, problems)
    layers = _check_layers(at, entry.get("layer"), predicate, schemas, problems)
    first = schemas.get(layers[0]) if layers else None
    zones_by_layer = _check_zones(at, entry.get("zones"), layers, schemas, problems)
    where = _check_filter(at, "where", entry.get("where"), first, problems)
    where_not = _check_filter(at, "where_not", entry.get("where_not"), first, problems)
    type_set, types_text = _check_types(at, entry.get("types"), types, problems)
    when = _check_when(at, entry.get("when"), type_set, types, problems)
    verdict = _check_choice(at, "verdict", entry.get("verdict"), RULE_VERDICTS, problems)
    confidence = _check_choice(at, "confidence", entry.get("confidence"), CONFIDENCES, problems)
    cond_zh, cond_en = bilingual(entry.get("condition"), f"{at} field 'condition'", problems)
    basis = _check_basis(at, entry.get("basis"), problems)
    effective = _check_date(at, entry.get("effective_date"), problems)
    flags = {k: _check_flag(at, k, entry.get(k, False), problems) for k in ("fallback", "retired")}
    admin = _check_admin(at, entry.get("admin"), problems)
    nearest = _check_report(at, entry.get("report"), problems)
    dimension = _check_dimension(at, entry.get("dimension"), first, schemas, problems)
    if len(problems) > n_before:
        return None
    return Rule(
        id=rid,
        layer=layers[0],
        zones=zones_by_layer.get(layers[0], ()),
        types=type_set,
        types_text=types_text,
        verdict=verdict,  # type: ignore[arg-type]
        condition_zh=cond_zh,
        condition_en=cond_en,
        basis=basis,
        confidence=confidence,  # type: ignore[arg-type]
        predicate=predicate,
        distance_m=distance_m,
        when=when,
        where=where,
        where_not=where_not,
        fallback=flags["fallback"],
        retired=flags["retired"],
        effective_date=effective,
        note=str(entry.get("note") or "").strip(),
        layers=layers if len(layers) > 1 else (),
        zones_by_layer={k: v for k, v in zones_by_layer.items() if k != layers[0]} if len(layers) > 1 else {},
        admin=admin,
        report_nearest=nearest,
        dimension=dimension,
    )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_layers(
    at: str, raw: Any, predicate: str, schemas: Mapping[str, LayerSchema], problems: list[str]
) -> tuple[str, ...]:
    """The rule's layer ids (``layer`` is one id or a list); each must have a role the predicate takes."""
    pred = PREDICATES.get(predicate)
    kind = predicate if predicate in _ROLES_FOR else "feature"
    roles = _ROLES_FOR[kind]
    if raw == ANY_LAYER:
        if predicate != "no_coverage":
            problems.append(f"{at} field 'layer': '*' (every layer) is only for predicate no_coverage")
        return (ANY_LAYER,)
    names = [str(x) for x in _as_list(raw)] if raw else []
    if not names:
        problems.append(f"{at} field 'layer': missing; expected a layer id or a list of them")
        return ("",)
    if len(names) > 1 and (pred is None or pred.scope != "feature"):
        problems.append(f"{at} field 'layer': several layers only with intersects / within_distance, not {predicate}")
    allowed = sorted(k for k, s in schemas.items() if s.role in roles and s.has_geometry)
    for name in names:
        schema = schemas.get(name)
        if schema is None or schema.role not in roles or not schema.has_geometry:
            problems.append(f"{at} field 'layer': {name!r} is not one of {allowed} (layers a {predicate} rule may key on)")
    return tuple(names)


def _check_zones(
    at: str, raw: Any, layers: Sequence[str], schemas: Mapping[str, LayerSchema], problems: list[str]
) -> dict[str, tuple[str, ...]]:
    """Zone values per layer: a list for a one-layer rule, {layer: [values]} for several."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        if len(layers) < 2:
            problems.append(f"{at} field 'zones': a mapping layer -> values is only for a rule on several layers")
            return {}
        out = {}
        for lid, values in raw.items():
            if lid not in layers:
                problems.append(f"{at} field 'zones': {lid!r} is not one of the rule's layers {list(layers)}")
                continue
            out[str(lid)] = _zone_values(at, str(lid), values, schemas.get(str(lid)), problems)
        return out
    if len(layers) > 1:
        problems.append(f"{at} field 'zones': a rule on several layers gives its zones as {{layer: [values]}}")
        return {}
    return {layers[0]: _zone_values(at, layers[0], raw, schemas.get(layers[0]), problems)}


def _zone_values(at: str, layer: str, raw: Any, schema: LayerSchema | None, problems: list[str]) -> tuple[str, ...]:
    values = tuple(str(z) for z in _as_list(raw))
    if schema is None:
        return values
    if not schema.zone_field:
        problems.append(f"{at} field 'zones': layer {layer} has no zone field; use 'where' to filter its features")
        return values
    for z in values:
        if z not in schema.zone_values:
            problems.append(f"{at} field 'zones': {z!r} is not a {layer}.{schema.zone_field} value {list(schema.zone_values)}")
    return values


def _check_filter(
    at: str, name: str, raw: Any, schema: LayerSchema | None, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{at} field {name!r}: expected a mapping field -> value(s), got {raw!r}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for fname, value in raw.items():
        values = tuple(str(v) for v in _as_list(value))
        out[str(fname)] = values
        if schema is None:
            continue
        if fname not in schema.fields:
            problems.append(
                f"{at} field {name!r}: {fname!r} is not a field of layer {schema.layer} {sorted(schema.fields)}"
            )
            continue
        allowed = schema.fields[fname]
        for v in values:
            if allowed and v not in allowed:
                problems.append(
                    f"{at} field {name!r}: {schema.layer}.{fname} value {v!r} is not one of {list(allowed)}"
                )
    return out


def _check_types(at: str, raw: Any, types: ProjectTypes, problems: list[str]) -> tuple[frozenset[str], str]:
    known = list(types.keys)
    if raw == "all":
        return frozenset(known), "all"
    if isinstance(raw, Mapping) and set(raw) == {"except"}:
        excluded = [str(t) for t in _as_list(raw["except"])]
        for t in excluded:
            if t not in types.types:
                problems.append(f"{at} field 'types.except': {t!r} is not a project type {known}")
        return frozenset(k for k in known if k not in excluded), "all except " + ", ".join(excluded)
    if isinstance(raw, list) and raw:
        listed = [str(t) for t in raw]
        for t in listed:
            if t not in types.types:
                problems.append(f"{at} field 'types': {t!r} is not a project type {known}")
        return frozenset(listed), ", ".join(listed)
    problems.append(f"{at} field 'types': {raw!r} is not 'all', a list of project types or {{except: [...]}}")
    return frozenset(), ""


def _check_when(
    at: str, raw: Any, type_set: frozenset[str], types: ProjectTypes, problems: list[str]
) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        problems.append(f"{at} field 'when': expected a mapping attribute -> condition, got {raw!r}")
        return ()
    out: list[Condition] = []
    for name, cond in raw.items():
        spec = types.attributes.get(str(name))
        if spec is None:
            problems.append(f"{at} field 'when': attribute {name!r} is not one of {sorted(types.attributes)}")
            continue
        lacking = sorted(t for t in type_set if t in types.types and name not in types.types[t].attributes)
        if lacking:
            problems.append(f"{at} field 'when': attribute {name!r} is not taken by project type(s) {lacking}")
        parsed = _parse_condition(at, spec, cond, problems)
        if parsed is not None:
            out.append(parsed)
    return tuple(out)


def _parse_condition(at: str, spec: AttributeSpec, cond: Any, problems: list[str]) -> Condition | None:
    where = f"{at} field 'when.{spec.name}'"
    if cond == "missing":
        if spec.has_default:
            problems.append(f"{where}: 'missing' never holds, the attribute has the default {spec.default!r}")
        return Condition(spec.name, "missing")
    if spec.type == "choice":
        return _choice_condition(where, spec, cond, problems)
    if isinstance(cond, bool):
        if spec.type != "bool":
            problems.append(f"{where}: {cond!r} compares a {spec.type} attribute with a yes/no value")
        return Condition(spec.name, "eq", cond)
    if isinstance(cond, Mapping) and len(cond) == 1 and next(iter(cond)) in ("gte", "lt"):
        op, value = next(iter(cond.items()))
        if spec.type != "int":
            problems.append(f"{where}: {op!r} needs a numeric attribute, {spec.name!r} is {spec.type}")
            return None
        if value == "threshold":
            if spec.threshold is None:
                problems.append(f"{where}: 'threshold' used but attribute {spec.name!r} defines no threshold")
                return None
            value = spec.threshold
        if type(value) is not int:
            problems.append(f"{where}: {value!r} is not a whole number or 'threshold'")
            return None
        return Condition(spec.name, op, value)
    problems.append(f"{where}: {cond!r} is not one of true, false, missing, {{gte: N|threshold}}, {{lt: N|threshold}}")
    return None


def _choice_condition(where: str, spec: AttributeSpec, cond: Any, problems: list[str]) -> Condition | None:
    values = [str(v) for v in _as_list(cond)]
    bad = [v for v in values if v not in spec.values]
    if bad or not values:
        problems.append(f"{where}: {cond!r} is not one or a list of {list(spec.values)}")
        return None
    return Condition(spec.name, "eq", values[0]) if len(values) == 1 else Condition(spec.name, "in", tuple(values))


def _check_predicate(at: str, entry: Mapping[str, Any], problems: list[str]) -> tuple[str, float | None]:
    name = entry.get("predicate", "intersects")
    pred = PREDICATES.get(str(name))
    if pred is None:
        problems.append(f"{at} field 'predicate': {name!r} is not one of {sorted(PREDICATES)}")
        return str(name), None
    distance = entry.get("distance_m")
    if "distance_m" in pred.params:
        if isinstance(distance, bool) or not isinstance(distance, int | float) or distance <= 0:
            problems.append(f"{at} field 'distance_m': {distance!r} must be a positive number of metres for {name}")
            return pred.name, None
        return pred.name, float(distance)
    if distance is not None:
        problems.append(f"{at} field 'distance_m': only used with within_distance, not with {name}")
    return pred.name, None


def _check_choice(at: str, fname: str, value: Any, allowed: tuple[str, ...], problems: list[str]) -> str:
    if value not in allowed:
        problems.append(f"{at} field {fname!r}: {value!r} is not one of {list(allowed)}")
    return str(value)


def _check_basis(at: str, raw: Any, problems: list[str]) -> str:
    items = raw if isinstance(raw, list) else None
    parts: list[str] = []
    for item in items or []:
        if not isinstance(item, Mapping) or not str(item.get("law") or "").strip():
            problems.append(f"{at} field 'basis': entry {item!r} needs a 'law' (and optional 'article')")
            continue
        parts.append(str(item["law"]).strip() + str(item.get("article") or "").strip())
    if not items:
        problems.append(f"{at} field 'basis': expected a non-empty list of {{law, article}}, got {raw!r}")
    return "；".join(parts)


def _check_date(at: str, raw: Any, problems: list[str]) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    try:
        return _dt.date.fromisoformat(str(raw)).isoformat()
    except ValueError:
        problems.append(f"{at} field 'effective_date': {raw!r} is not an ISO date (YYYY-MM-DD) or null")
        return None


def _check_flag(at: str, fname: str, value: Any, problems: list[str]) -> bool:
    if not isinstance(value, bool):
        problems.append(f"{at} field {fname!r}: {value!r} is not true or false")
        return False
    return value


def _check_admin(at: str, raw: Any, problems: list[str]) -> tuple[str, ...]:
    """Places the rule holds in: admin names (岳阳市) or division codes (430600)."""
    if raw is None:
        return ()
    values = [str(v).strip() for v in _as_list(raw)]
    if not values or not all(values):
        problems.append(f"{at} field 'admin': expected a list of place names or admin codes, got {raw!r}")
    bad = [v for v in values if v.isdigit() and len(v) != 6]
    if bad:
        problems.append(f"{at} field 'admin': {bad} are not 6-digit admin codes")
    return tuple(values)


def _check_report(at: str, raw: Any, problems: list[str]) -> bool:
    if raw is None:
        return False
    if raw != "nearest":
        problems.append(f"{at} field 'report': {raw!r} is not 'nearest' (one row per project, the nearest feature)")
    return raw == "nearest"


def _check_dimension(
    at: str, raw: Any, schema: LayerSchema | None, schemas: Mapping[str, LayerSchema], problems: list[str]
) -> str:
    """The 管控维度 of a control-unit rule (a category default), one of the access list's values."""
    if schema is None or schema.role != "control_unit":
        if raw is not None:
            problems.append(f"{at} field 'dimension': only for rules of the control-unit layer")
        return ""
    access = next((s for s in schemas.values() if s.role == "access_list"), None)
    allowed = access.fields.get("dimension", ()) if access else ()
    value = str(raw or (allowed[0] if allowed else "空间布局约束"))
    if allowed and value not in allowed:
        problems.append(f"{at} field 'dimension': {value!r} is not one of {list(allowed)}")
    return value
