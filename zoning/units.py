"""Environmental control units (环境管控单元) and access-list clauses (生态环境准入清单).

This is the "与生态环境分区管控要求的符合性分析" of an EIA report: every screened project is
told the unit(s) it lies in, with its share of each, and every clause that applies — the
general lists of its province, city or county (clause ``scope`` = ``省级`` or the place's
name) and its unit's own list (``scope`` = the unit code) — each with its dimension, text,
verdict for this project and basis. A unit without a clause of its own gets its category's
default (rules of the control-unit layer in data/rules.yaml, ECU01...).

Which clauses bind a project is data: ``applies_to`` is a comma-separated list of project
types (keys, Chinese names or aliases) and attribute conditions, read by
``parse_applies_to``::

    industrial, chemical_project          either type
    industrial, emits_vocs                an industrial project that emits VOCs
    新建, 涉VOCs排放                       any new project that emits VOCs
    scale_head>=500, !national_major      attribute comparisons and negation

Types are alternatives; every attribute condition must hold. A clause without
``applies_to`` applies to every project and, without a ``verdict`` of its own, gives
``review`` "逐条核对" (the reviewer must read it); one with ``applies_to`` gives its
``verdict`` (``review`` when it has none) to the projects it takes and ``clear`` to others.

Examples
--------
>>> from zoning.rules import load_project_types
>>> a = parse_applies_to("industrial, emits_vocs", load_project_types())
>>> sorted(a.types), [c.describe() for c in a.conditions]
(['industrial'], ['emits_vocs=true'])
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely

from zoning import _spatial as sp
from zoning._match import LayerRules, ProjectRecord, firing_rules
from zoning.model import ClauseRecord, UnitRecord, worst_verdict
from zoning.rules import Condition, ProjectTypes, parse_attribute_value

__all__ = [
    "AppliesTo",
    "Clause",
    "parse_applies_to",
    "load_clauses",
    "check_clauses",
    "clause_for_project",
    "unit_shares",
    "units_for_project",
    "PROVINCE_SCOPES",
    "clauses_verdict",
    "general_list_holds",
    "scope_rank",
]

#: ``scope`` values of the province's general list.
PROVINCE_SCOPES = frozenset({"省级", "全省", "省", "province"})
_SPLIT = re.compile(r"[,，、;；\s]+")
_COMPARE = re.compile(r"^(?P<name>[^<>=!≠≥≤]+?)\s*(?P<op>>=|≥|<|=|==|!=|≠)\s*(?P<value>.+)$")


@dataclass(frozen=True)
class AppliesTo:
    """A clause's ``applies_to`` read: project types (empty = any) and attribute conditions."""

    text: str
    types: frozenset[str] = frozenset()
    conditions: tuple[Condition, ...] = ()
    #: Tokens that are neither a type nor an attribute condition.
    unknown: tuple[str, ...] = ()

    @property
    def everyone(self) -> bool:
        """True when the clause names no type and no condition: it applies to every project."""
        return not self.types and not self.conditions and not self.unknown

    def matches(self, type_key: str, attributes: Mapping[str, Any], types: ProjectTypes) -> bool:
        if self.types and type_key not in self.types:
            return False
        return all(c.holds(attributes, types.attributes[c.attribute]) for c in self.conditions)


def parse_applies_to(text: Any, types: ProjectTypes) -> AppliesTo:
    """Read an ``applies_to`` cell (see the module notes); unknown tokens are kept, not raised."""
    raw = "" if text is None or (isinstance(text, float) and text != text) else str(text).strip()
    found: set[str] = set()
    conditions: list[Condition] = []
    unknown: list[str] = []
    for token in (t for t in _SPLIT.split(raw) if t):
        key = _type_key(token, types)
        if key is not None:
            found.add(key)
            continue
        cond = _condition(token, types)
        if cond is None:
            unknown.append(token)
        else:
            conditions.append(cond)
    return AppliesTo(raw, frozenset(found), tuple(conditions), tuple(unknown))


def _type_key(token: str, types: ProjectTypes) -> str | None:
    try:
        return types.resolve(token)
    except Exception:  # noqa: BLE001 - InputError for an unknown name: the token is something else
        return None


def _attribute(name: str, types: ProjectTypes) -> str | None:
    name = name.strip()
    for key, spec in types.attributes.items():
        if name in (key, spec.label_zh, spec.label_en) or name in spec.aliases:
            return key
    return None


def _condition(token: str, types: ProjectTypes) -> Condition | None:
    """``emits_vocs``, ``!emits_vocs``, ``attr=value``, ``attr>=N``, or a bare choice value (新建)."""
    negated = token[:1] in ("!", "非", "不")
    name = token[1:] if negated else token
    attr = _attribute(name, types)
    if attr is not None and types.attributes[attr].type == "bool":
        return Condition(attr, "eq", not negated)
    for key, spec in types.attributes.items():
        if spec.type == "choice" and not negated and token in (*spec.values, *spec.value_aliases):
            return Condition(key, "eq", parse_attribute_value(spec, token, source="applies_to"))
    m = _COMPARE.match(token)
    if m is None:
        return None
    attr = _attribute(m["name"], types)
    if attr is None:
        return None
    spec = types.attributes[attr]
    try:
        value = parse_attribute_value(spec, m["value"].strip(), source="applies_to")
    except Exception:  # noqa: BLE001 - an InputError: the token is not a condition we understand
        return None
    op = {">=": "gte", "≥": "gte", "<": "lt"}.get(m["op"], "eq")
    if op != "eq" and spec.type != "int":
        return None
    if m["op"] in ("!=", "≠"):
        if spec.type != "bool":
            return None
        value = not value
    return Condition(attr, op, value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Clause:
    """One clause of the access list, read and checked (``load_clauses``)."""

    clause_id: str
    scope: str
    dimension: str
    text: str
    applies_to: AppliesTo
    verdict: str | None
    basis: str
    confidence: str
    legal_status: str


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


_CLAUSES: OrderedDict[tuple[Any, ...], tuple[Clause, ...]] = OrderedDict()
_CLAUSES_LOCK = threading.Lock()


def load_clauses(frame: pd.DataFrame, types: ProjectTypes, *, layer: str = "access_clause", title: str = "生态环境准入清单", key: Any = None) -> tuple[Clause, ...]:
    """The clauses of an access-list table (a store layer), in table order.

    ``key`` (e.g. the store's sha256) caches the result: the table is read once per store.
    A clause without ``basis`` cites the list itself (``生态环境准入清单（scope）``); one without
    ``confidence`` is ``verified`` when official (法定: the clause is the published text) and
    ``unverified`` when illustrative.
    """
    cache_key = (key, layer, id(types)) if key is not None else None
    if cache_key is not None:
        with _CLAUSES_LOCK:
            hit = _CLAUSES.get(cache_key)
        if hit is not None:
            return hit
    out = []
    rows = frame.to_dict("records")
    for i, row in enumerate(rows):
        scope = _cell(row.get("scope"))
        status = _cell(row.get("legal_status")) or "法定"
        out.append(
            Clause(
                clause_id=f"{layer}#{i}",
                scope=scope,
                dimension=_cell(row.get("dimension")),
                text=_cell(row.get("text")),
                applies_to=parse_applies_to(row.get("applies_to"), types),
                verdict=_cell(row.get("verdict")) or None,
                basis=_cell(row.get("basis")) or f"{title}（{scope}）",
                confidence=_cell(row.get("confidence")) or ("verified" if status == "法定" else "unverified"),
                legal_status=status,
            )
        )
    clauses = tuple(out)
    if cache_key is not None:
        with _CLAUSES_LOCK:
            _CLAUSES[cache_key] = clauses
            while len(_CLAUSES) > 8:
                _CLAUSES.popitem(last=False)
    return clauses


def check_clauses(frame: pd.DataFrame, types: ProjectTypes, *, layer: str = "access_clause") -> list[str]:
    """Problems of an access list the store check cannot see (it does not know the project
    types): ``applies_to`` tokens that are neither a type nor an attribute condition."""
    problems = []
    for clause in load_clauses(frame, types, layer=layer):
        if clause.applies_to.unknown:
            row = clause.clause_id.rsplit("#", 1)[1]
            problems.append(
                f"{layer} row {int(row) + 1} (scope {clause.scope}): applies_to {', '.join(map(repr, clause.applies_to.unknown))} "
                f"is neither a project type nor an attribute condition (e.g. industrial, emits_vocs, 新建, scale_head>=500)"
            )
    return problems


def clause_for_project(
    clause: Clause, type_key: str, attributes: Mapping[str, Any], types: ProjectTypes, *, unit: str = "", place_known: bool = True
) -> ClauseRecord:
    """The clause as it applies to one project: its verdict and the "本项目情况" finding."""
    a = clause.applies_to
    label = types.types[type_key]
    if not place_known:
        verdict, applies = "review", True
        zh, en = "图层库无行政区划数据，无法判断本清单是否适用于项目所在地，须核对", "The store cannot tell whether this list covers the project's place; check it"
    elif a.unknown:
        verdict, applies = "review", True
        zh = f"适用对象“{a.text}”无法识别，须人工核对"
        en = f"Applies-to {a.text!r} not understood; check by hand"
    elif a.everyone:
        verdict, applies = clause.verdict or "review", True
        zh, en = "适用于所有项目，须逐条核对本项目是否符合", "Applies to every project; check whether this project meets it"
    elif a.matches(type_key, attributes, types):
        verdict, applies = clause.verdict or "review", True
        zh = f"本项目（{label.label_zh}）属本条适用对象（{a.text}）"
        en = f"The project ({label.label_en}) is among those it applies to ({a.text})"
    else:
        verdict, applies = "clear", False
        zh = f"本项目（{label.label_zh}）不属本条适用对象（{a.text}）"
        en = f"Does not apply to this project ({label.label_en}); applies to: {a.text}"
    return ClauseRecord(
        scope=clause.scope,
        dimension=clause.dimension,
        text=clause.text,
        verdict=verdict,  # type: ignore[arg-type]
        basis=clause.basis,
        confidence=clause.confidence,  # type: ignore[arg-type]
        applies=applies,
        applies_to=a.text,
        finding_zh=zh,
        finding_en=en,
        origin="list",
        clause_id=clause.clause_id,
        unit=unit,
        legal_status=clause.legal_status,
    )


def unit_shares(index: sp.LayerIndex, geoms: np.ndarray) -> list[list[tuple[int, float]]]:
    """Per project (work-CRS geometries), the unit features it lies in and its share of each
    in percent (3 decimals): area share for a polygon project, length share for a line, 100
    for a point (a point on a border lies in both units). A shared border only does not
    count, nor a share that rounds to 0.000 %."""
    out: list[list[tuple[int, float]]] = [[] for _ in range(len(geoms))]
    if len(index) == 0 or len(geoms) == 0:
        return out
    pi, fi = index.tree.query(geoms, predicate="intersects")
    if len(pi) == 0:
        return out
    dims = shapely.get_dimensions(geoms[pi])
    keep = (dims == 0) | ~shapely.touches(geoms[pi], index.geoms[fi])
    pi, fi = pi[keep], fi[keep]
    _, area, _ = sp.overlap_measures(geoms[pi], index.geoms[fi])
    lines = sp.line_parts(geoms[pi])
    has_line = ~shapely.is_missing(lines)
    length = np.zeros(len(pi))
    if has_line.any():
        length[has_line] = shapely.length(shapely.intersection(lines[has_line], index.geoms[fi[has_line]]))
    p_area = shapely.area(geoms[pi])
    p_len = np.where(has_line, shapely.length(lines), 0.0)
    for j, (p, f) in enumerate(zip(pi, fi, strict=True)):
        if p_area[j] > 0:
            share = 100.0 * area[j] / p_area[j]
        elif p_len[j] > 0:
            share = 100.0 * length[j] / p_len[j]
        else:
            share = 100.0
        # A share that rounds to 0 is the shared border seen through coordinate rounding.
        if round(float(share), 3) > 0:
            out[int(p)].append((int(f), round(float(share), 3)))
    for row in out:
        row.sort(key=lambda t: (-t[1], str(index.columns["code"][t[0]]) if "code" in index.columns else t[0]))
    return out


_CODES: weakref.WeakKeyDictionary[sp.LayerIndex, frozenset[str]] = weakref.WeakKeyDictionary()


def _unit_codes(index: sp.LayerIndex | None) -> frozenset[str]:
    """Every unit code of the layer (once per layer index)."""
    if index is None:
        return frozenset()
    hit = _CODES.get(index)
    if hit is None:
        hit = frozenset(str(c) for c in index.columns["code"])
        _CODES[index] = hit
    return hit


def units_for_project(
    project: ProjectRecord,
    shares: Sequence[tuple[int, float]],
    index: sp.LayerIndex | None,
    clauses: Sequence[Clause],
    types: ProjectTypes,
    defaults: LayerRules | None,
) -> tuple[tuple[UnitRecord, ...], tuple[ClauseRecord, ...]]:
    """The units a project lies in (each with its general and own clauses) and the flat list
    of every clause that applies at its place (general lists first, then each unit's own or
    its category default), each clause once.

    ``shares`` are (unit feature, share %) from ``unit_shares``; ``index`` the unit layer's
    index (None when the store has none); ``defaults`` the compiled rules of the unit layer.
    """
    codes = _unit_codes(index)
    general = [
        clause_for_project(c, project.type, project.attributes, types, place_known=_place_known(c.scope, project.places))
        for c in clauses
        if _general_applies(c.scope, codes, project.places)
    ]
    general.sort(key=lambda r: _scope_rank(r.scope))
    units: list[UnitRecord] = []
    flat = list(general)
    if index is None:
        return (), tuple(flat)
    subtypes = index.columns.get("subtype")
    for f, share in shares:
        code = str(index.columns["code"][f])
        own = [clause_for_project(c, project.type, project.attributes, types, unit=code) for c in clauses if c.scope == code]
        if not own:
            own = _defaults(project, index, f, code, defaults, types)
        units.append(
            UnitRecord(
                code=code,
                name=str(index.names[f]),
                category=str(index.zones[f] or ""),
                subtype=str(subtypes[f] or "") if subtypes is not None else "",
                share_pct=share,
                clauses=tuple(general + own),
                legal_status=str(index.legal_status[f]),
                feature_id=f,
            )
        )
        flat += own
    return tuple(units), tuple(flat)


def _place_known(scope: str, places: frozenset[str] | None) -> bool:
    return places is not None or scope in PROVINCE_SCOPES


def _general_applies(scope: str, unit_codes: AbstractSet[str], places: frozenset[str] | None) -> bool:
    """A general list (not a unit's own) that holds at the project's place; with no admin
    layer a named place's list is shown (its record says the place cannot be told). The
    province's list holds wherever the project lies in the store's admin divisions, and not
    for a project wholly outside them (coordinates in Beijing are not bound by Hunan's list:
    such a project gets only "超出图层库覆盖范围")."""
    if scope in unit_codes or not scope:
        return False
    if scope in PROVINCE_SCOPES:
        return places is None or bool(places)
    return places is None or scope in places


def general_list_holds(scope: str, unit_codes: AbstractSet[str], places: frozenset[str] | None) -> bool:
    """Whether a clause of scope ``scope`` is a general list (not a unit's own) that holds at
    a place lying in the admin divisions ``places`` (None: the store has no admin layer)."""
    return _general_applies(scope, unit_codes, places)


def scope_rank(scope: str) -> int:
    """Order of general lists: the province's, then a city's, then a county's."""
    return _scope_rank(scope)


def _scope_rank(scope: str) -> int:
    if scope in PROVINCE_SCOPES:
        return 0
    return 1 if scope.endswith(("市", "州")) and not scope.endswith("县级市") else 2


def _defaults(
    project: ProjectRecord, index: sp.LayerIndex, f: int, code: str, defaults: LayerRules | None, types: ProjectTypes
) -> list[ClauseRecord]:
    """The category defaults (rules of the control-unit layer) for a unit without clauses."""
    candidates = defaults.by_type.get(project.type, ()) if defaults is not None else ()
    decision = firing_rules(
        candidates, zone=index.zones[f], feature_attrs=index.attrs(f), distance_m=0.0,
        attributes=project.attributes, specs=types.attributes, layer=index.layer, places=project.places,
    )  # fmt: skip
    project.defaults_used.update(decision.defaults_used)
    return [
        ClauseRecord(
            scope=code,
            dimension=rule.dimension,
            text=rule.condition_zh,
            text_en=rule.condition_en,
            verdict=rule.verdict,
            basis=rule.basis,
            confidence=rule.confidence,
            applies=True,
            applies_to=rule.types_text,
            finding_zh=f"本单元无自身准入清单，按{index.zones[f]}类别默认要求",
            finding_en=f"The unit has no access list of its own: the default for its category ({index.zones[f]})",
            origin="default",
            rule_id=rule.id,
            unit=code,
            legal_status=str(index.legal_status[f]),
        )
        for rule in decision.rules
    ]


def clauses_verdict(clauses: Sequence[ClauseRecord]) -> str:
    """The worst verdict of the clauses that apply (``clear`` when none does)."""
    return worst_verdict(c.verdict for c in clauses if c.applies)
