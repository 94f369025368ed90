"""The rule matrix's types: a rule row, its conditions, the predicate registry, the rule set.

Built by ``zoning._rule_parse`` from ``data/rules.yaml`` and re-exported by ``zoning.rules``
(import them from there); kept apart so the parser and the loader do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from layers.coverage import adcode_matches
from zoning.project_types import AttributeSpec, ProjectTypes

#: Verdicts a rule row may give (``clear`` is the absence of a row).
RULE_VERDICTS = ("prohibited", "conditional", "review")
#: verified = checked against the law's own text (已核实); secondary = against reliable
#: secondary sources only (依二手资料核实); unverified = from memory or local practice (待法规核实).
CONFIDENCES = ("verified", "secondary", "unverified")
Confidence = Literal["verified", "secondary", "unverified"]
#: ``layer`` value of a rule that holds for every screened layer (``no_coverage``).
ANY_LAYER = "*"


# --- predicates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """A relation a rule may require between the project and a layer.

    ``scope`` says what the engine tests: ``feature`` — each zone feature near the project,
    ``fires(distance_m, rule)`` deciding from the shortest planar distance (0 when they
    intersect) and ``reach_m(rule)`` saying how far to look; ``layer`` — the layer as a whole
    (``outside``: the project lies in no feature of it); ``store`` — where the store has data
    (``no_coverage``, ``outside_extent``).
    """

    name: str
    params: tuple[str, ...]
    fires: Callable[[float, Rule], bool]
    reach_m: Callable[[Rule], float]
    title_zh: str
    title_en: str
    scope: Literal["feature", "layer", "store"] = "feature"


def _intersects(distance_m: float, rule: Rule) -> bool:
    return distance_m == 0.0


def _within_distance(distance_m: float, rule: Rule) -> bool:
    return distance_m <= (rule.distance_m or 0.0)


def _near(distance_m: float, rule: Rule) -> bool:
    return 0.0 < distance_m <= (rule.distance_m or 0.0)


def _never(distance_m: float, rule: Rule) -> bool:
    return False


def _no_reach(rule: Rule) -> float:
    return 0.0


#: Registry of the predicates a rules file may name (pygeoapi-style plugin dict).
PREDICATES: dict[str, Predicate] = {
    "intersects": Predicate("intersects", (), _intersects, _no_reach, "相交", "intersects"),
    "within_distance": Predicate(
        "within_distance",
        ("distance_m",),
        _within_distance,
        lambda r: float(r.distance_m or 0.0),
        "距离以内",
        "within distance",
    ),
    # Within the distance of the feature but not touching it (a setback: inside, the zone's
    # own rules decide).
    "near": Predicate(
        "near", ("distance_m",), _near, lambda r: float(r.distance_m or 0.0), "距离以内（区外）", "near (outside)"
    ),
    # Not inside any feature of the layer (that passes zones/where); only where the layer has
    # coverage at the project — elsewhere the row becomes review "no data here".
    "outside": Predicate("outside", (), _never, _no_reach, "不在其内", "outside", "layer"),
    # The layer is in the store but has no data where the project lies (layers.coverage).
    "no_coverage": Predicate("no_coverage", (), _never, _no_reach, "该处无数据", "no data here", "store"),
    # The project lies (partly) outside the store's admin extent.
    "outside_extent": Predicate("outside_extent", (), _never, _no_reach, "超出覆盖范围", "outside the store", "store"),
}
#: Predicates tested feature by feature (the spatial index finds the pairs).
FEATURE_PREDICATES = frozenset(name for name, p in PREDICATES.items() if p.scope == "feature")


# --- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One project-attribute condition of a rule (``when`` in rules.yaml).

    ``op`` is ``eq`` (value or default equals ``value``), ``in`` (value or default is one of
    ``value``, a tuple: choice attributes), ``missing`` (not given and no default), ``gte`` /
    ``lt`` (given and compared with ``value``).
    """

    attribute: str
    op: Literal["eq", "in", "missing", "gte", "lt"]
    value: bool | int | str | tuple[str, ...] | None = None

    def holds(self, attributes: Mapping[str, Any], spec: AttributeSpec) -> bool:
        given = attributes.get(self.attribute)
        if self.op == "missing":
            return given is None and not spec.has_default
        if self.op in ("eq", "in"):
            actual = given if given is not None else spec.default
            if actual is None:
                return False
            return actual in self.value if self.op == "in" else actual == self.value  # type: ignore[operator]
        if given is None:
            return False
        if self.op == "gte":
            return bool(given >= self.value)
        return bool(given < self.value)

    def uses_default(self, attributes: Mapping[str, Any], spec: AttributeSpec) -> bool:
        """True when deciding this condition relied on the attribute's default or absence."""
        return attributes.get(self.attribute) is None

    def describe(self, lang: str = "zh") -> str:
        if self.op == "missing":
            return f"{self.attribute} 未填写" if lang == "zh" else f"{self.attribute} not given"
        if self.op == "in":
            return f"{self.attribute}∈{'/'.join(map(str, self.value or ()))}"  # type: ignore[arg-type]
        sym = {"eq": "=", "gte": "≥", "lt": "<"}[self.op]
        value = str(self.value).lower() if isinstance(self.value, bool) else str(self.value)
        return f"{self.attribute}{sym}{value}"


@dataclass(frozen=True)
class Rule:
    """One row of the rule matrix (see the top of data/rules.yaml for the semantics).

    ``layer`` is the (first) layer the rule keys on; ``layers`` every layer of a rule written
    against several (the HJ/T 81 livestock setback), with ``zones_by_layer`` the zone values
    per layer (a layer not in it: every value). ``admin`` restricts the rule to projects in
    the named places (admin names or codes). ``report_nearest`` keeps one row per project:
    the nearest feature over all its layers. ``dimension`` is the 管控维度 under which a rule
    of the control-unit layer (a category default) is reported.
    """

    id: str
    layer: str
    zones: tuple[str, ...]
    types: frozenset[str]
    types_text: str
    verdict: Literal["prohibited", "conditional", "review"]
    condition_zh: str
    condition_en: str
    basis: str
    confidence: Confidence
    predicate: str = "intersects"
    distance_m: float | None = None
    when: tuple[Condition, ...] = ()
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    where_not: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: bool = False
    retired: bool = False
    effective_date: str | None = None
    note: str = ""
    layers: tuple[str, ...] = ()
    zones_by_layer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    admin: tuple[str, ...] = ()
    report_nearest: bool = False
    dimension: str = ""

    @property
    def all_layers(self) -> tuple[str, ...]:
        """Every layer the rule keys on (``("*",)`` for a rule on any layer)."""
        return self.layers or (self.layer,)

    @property
    def scope(self) -> str:
        """``feature``, ``layer`` or ``store``: how the engine tests it (``Predicate.scope``)."""
        return PREDICATES[self.predicate].scope

    def condition(self, lang: str = "zh") -> str:
        return self.condition_en if lang == "en" else self.condition_zh

    def zones_of(self, layer: str | None = None) -> tuple[str, ...]:
        """The zone values the rule applies to in ``layer`` (default its first); () = every value."""
        if layer is None or layer == self.layer:
            return self.zones
        return self.zones_by_layer.get(layer, ())

    def applies_to_zone(self, zone: str | None, layer: str | None = None) -> bool:
        zones = self.zones_of(layer)
        return not zones or zone in zones

    def applies_to_feature(self, attrs: Mapping[str, Any]) -> bool:
        """Whether a zone feature's attributes pass ``where`` / ``where_not``."""
        for name, values in self.where.items():
            if _text(attrs.get(name)) not in values:
                return False
        return all(_text(attrs.get(name)) not in values for name, values in self.where_not.items())

    def conditions_hold(self, attributes: Mapping[str, Any], specs: Mapping[str, AttributeSpec]) -> bool:
        return all(c.holds(attributes, specs[c.attribute]) for c in self.when)

    def applies_in(self, places: frozenset[str] | None) -> bool | None:
        """Whether the project's places (admin names and codes, ``None`` = unknown: the store
        has no admin layer) satisfy ``admin``; None when it cannot be told."""
        if not self.admin:
            return True
        if places is None:
            return None
        return any(_place_matches(p, places) for p in self.admin)


def _place_matches(wanted: str, places: frozenset[str]) -> bool:
    """A name matches exactly; a code matches a division it includes (see layers.coverage)."""
    if wanted.isdigit():
        return any(p.isdigit() and adcode_matches(wanted, p) for p in places)
    return wanted in places


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True, eq=False)  # identity semantics: the engine caches per loaded rule set
class RuleSet:
    """The validated rule matrix with the project types it refers to."""

    rules: tuple[Rule, ...]
    project_types: ProjectTypes
    path: str = ""
    sha256: str = ""

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def active(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.retired)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        msg = f"rule {rule_id!r} is not in {self.path or 'the rule set'}"
        raise KeyError(msg)

    def for_layer(self, layer: str) -> tuple[Rule, ...]:
        """The active rules keyed on ``layer`` (a multi-layer rule is in each of its layers)."""
        return tuple(r for r in self.active if layer in r.all_layers)

    @property
    def layers(self) -> tuple[str, ...]:
        """Layers the active rules key on, in file order (not the ``*`` of ``no_coverage``)."""
        return tuple(dict.fromkeys(lid for r in self.active for lid in r.all_layers if lid != ANY_LAYER))

    def of_predicate(self, *names: str) -> tuple[Rule, ...]:
        """The active rules with one of the predicates ``names``, file order (kept per set of names:
        the engine asks for every project)."""
        cache: dict[tuple[str, ...], tuple[Rule, ...]] = self.__dict__.setdefault("_by_predicate", {})
        hit = cache.get(names)
        if hit is None:
            hit = cache[names] = tuple(r for r in self.active if r.predicate in names)
        return hit

    @property
    def nearest_rule_ids(self) -> frozenset[str]:
        """Ids of the rules reported once per project (``report: nearest``)."""
        hit = self.__dict__.get("_nearest_ids")
        if hit is None:
            hit = self.__dict__["_nearest_ids"] = frozenset(r.id for r in self.active if r.report_nearest)
        return hit

    def applicable(self, project_type: str) -> list[Rule]:
        """The active rules that can fire for ``project_type`` (a key, label or alias),
        whatever its attributes, in file order."""
        key = self.project_types.resolve(project_type)
        return [r for r in self.active if key in r.types]
