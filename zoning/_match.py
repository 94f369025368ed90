"""Which rule rows fire for a (project, zone feature) pair: the rule loop of the engine.

Pure data logic, no geometry: the engine hands over the feature's zone value and
attributes and the measured distance; this module applies the rows of ``data/rules.yaml``
with the ``fallback`` semantics documented at the top of that file.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from zoning.rules import FEATURE_PREDICATES, PREDICATES, AttributeSpec, Rule, RuleSet

__all__ = ["LayerRules", "compile_rules", "firing_rules", "Decision", "ProjectRecord", "ProjectRules", "rules_for_project"]


class ProjectRecord(Protocol):
    """What the engine's per-project record offers the rule loops (read-only properties, so a
    dataclass field of a narrower type fits); ``defaults_used`` collects the attributes a
    relevant rule judged by their default or absence."""

    @property
    def type(self) -> str: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...
    @property
    def defaults_used(self) -> set[str]: ...
    @property
    def places(self) -> frozenset[str] | None:
        """Admin names and codes the project lies in (None: the store has no admin layer)."""


@dataclass(frozen=True)
class LayerRules:
    """The active rules of one layer, pre-sorted by project type."""

    layer: str
    #: project type key -> rules of this layer that can apply to it (file order).
    by_type: Mapping[str, tuple[Rule, ...]]
    #: how far (m) any rule of this layer reaches beyond the zone (0 for intersects only).
    reach_m: float
    #: project types with a rule here that reaches beyond the zone (within_distance).
    reach_types: frozenset[str] = frozenset()
    #: project type key -> the layer's ``outside`` rules that can apply to it (file order).
    outside_by_type: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    @property
    def any_for(self) -> frozenset[str]:
        """Project types some rule of this layer (feature or outside) can apply to."""
        return frozenset(k for k, v in self.by_type.items() if v) | frozenset(
            k for k, v in self.outside_by_type.items() if v
        )


@dataclass(frozen=True)
class Decision:
    """The rows that fire for one pair, and the attributes decided by default/absence.

    ``place_unknown`` holds the ids of fired rows limited to some places (``admin``) that
    could not be checked: the store has no admin layer.
    """

    rules: tuple[Rule, ...]
    defaults_used: frozenset[str] = field(default_factory=frozenset)
    place_unknown: frozenset[str] = field(default_factory=frozenset)


_compiled: weakref.WeakKeyDictionary[RuleSet, dict[str, LayerRules]] = weakref.WeakKeyDictionary()
_compiled_lock = threading.Lock()


def compile_rules(ruleset: RuleSet) -> dict[str, LayerRules]:
    """Group the active rules by layer and project type for fast lookup per pair
    (computed once per loaded rule set)."""
    with _compiled_lock:
        hit = _compiled.get(ruleset)
    if hit is not None:
        return hit
    out = _compile(ruleset)
    with _compiled_lock:
        _compiled[ruleset] = out
    return out


def _compile(ruleset: RuleSet) -> dict[str, LayerRules]:
    out: dict[str, LayerRules] = {}
    keys = ruleset.project_types.keys
    for layer in ruleset.layers:
        layer_rules = ruleset.for_layer(layer)
        rules = [r for r in layer_rules if r.predicate in FEATURE_PREDICATES]
        outside = [r for r in layer_rules if r.predicate == "outside"]
        by_type = {key: tuple(r for r in rules if key in r.types) for key in keys}
        reach = max((PREDICATES[r.predicate].reach_m(r) for r in rules), default=0.0)
        reach_types = frozenset(t for r in rules if PREDICATES[r.predicate].reach_m(r) > 0 for t in r.types)
        out[layer] = LayerRules(
            layer=layer,
            by_type=by_type,
            reach_m=reach,
            reach_types=reach_types,
            outside_by_type={key: tuple(r for r in outside if key in r.types) for key in keys},
        )
    return out


def firing_rules(
    candidates: Sequence[Rule],
    *,
    zone: str | None,
    feature_attrs: Mapping[str, Any],
    distance_m: float,
    attributes: Mapping[str, Any],
    specs: Mapping[str, AttributeSpec],
    layer: str | None = None,
    places: frozenset[str] | None = frozenset(),
) -> Decision:
    """The rows among ``candidates`` (one layer, one project type) that fire for a feature.

    A row fires when the feature's zone value and attributes match, the project's
    attribute conditions hold, it lies in the row's places (``admin``; ``places`` None =
    unknown: the row fires and is listed in ``place_unknown``) and its spatial predicate
    holds at ``distance_m``. Fallback rows fire only when no non-fallback row fires for the
    same project and feature.
    """
    fired: list[Rule] = []
    defaults: set[str] = set()
    unknown: set[str] = set()
    for rule in candidates:
        if not rule.applies_to_zone(zone, layer) or not rule.applies_to_feature(feature_attrs):
            continue
        if not PREDICATES[rule.predicate].fires(distance_m, rule):
            continue
        placed = rule.applies_in(places)
        if placed is False:
            continue
        # The rule was relevant here: record attributes it judged by default or absence.
        defaults.update(c.attribute for c in rule.when if c.uses_default(attributes, specs[c.attribute]))
        if rule.conditions_hold(attributes, specs):
            fired.append(rule)
            if placed is None:
                unknown.add(rule.id)
    primary = [r for r in fired if not r.fallback]
    return Decision(tuple(primary or fired), frozenset(defaults), frozenset(unknown))


@dataclass(frozen=True)
class ProjectRules:
    """What the rule matrix says for one project type and attributes, geometry aside.

    The site finder's question ("which rows can fire for this type and attributes, and with
    which verdict?"), answered by the engine's own compiled rules and rule loop
    (``firing_rules``), so the constraint surfaces never come from a second list. Build with
    :func:`rules_for_project`.
    """

    type: str
    attributes: Mapping[str, Any]
    specs: Mapping[str, AttributeSpec]
    compiled: Mapping[str, LayerRules]
    ruleset: RuleSet

    def feature_rules(self, layer: str) -> tuple[Rule, ...]:
        """The layer's feature rows (intersects, within_distance, near) written for this type."""
        lrules = self.compiled.get(layer)
        return lrules.by_type.get(self.type, ()) if lrules is not None else ()

    def breakpoints(self, layer: str) -> tuple[float, ...]:
        """Distances (m) at which the layer's rows for this type can change: 0 (touching) and
        each row's reach. A predicate is a step function of the distance that changes only at
        these, so the rows firing at any distance in (b[i-1], b[i]] are those firing at b[i]."""
        reaches = {PREDICATES[r.predicate].reach_m(r) for r in self.feature_rules(layer)}
        return (0.0, *sorted(d for d in reaches if d > 0))

    def fired(
        self, layer: str, *, zone: str | None, feature_attrs: Mapping[str, Any], distance_m: float,
        places: frozenset[str] | None,
    ) -> Decision:
        """The rows that fire for a feature of ``layer`` at ``distance_m`` (``firing_rules``)."""
        return firing_rules(
            self.feature_rules(layer), zone=zone, feature_attrs=feature_attrs, distance_m=distance_m,
            attributes=self.attributes, specs=self.specs, layer=layer, places=places,
        )  # fmt: skip

    def outside_rules(self, layer: str, places: frozenset[str] | None) -> tuple[tuple[Rule, bool], ...]:
        """The layer's ``outside`` rows that fire for this project in ``places``, each with
        whether its place could not be told (no admin layer: the row becomes review)."""
        lrules = self.compiled.get(layer)
        out = []
        for rule in lrules.outside_by_type.get(self.type, ()) if lrules is not None else ():
            placed = rule.applies_in(places)
            if placed is not False and rule.conditions_hold(self.attributes, self.specs):
                out.append((rule, placed is None))
        return tuple(out)

    def has_rules(self, layer: str) -> bool:
        """Whether any row of ``layer`` (feature or outside) is written for this type — the
        engine's test for reporting "no data for this layer here" (COV01)."""
        lrules = self.compiled.get(layer)
        return lrules is not None and self.type in lrules.any_for

    def store_rules(self, predicate: str, layer: str | None = None) -> tuple[Rule, ...]:
        """Rows of a store predicate (``no_coverage`` for ``layer``, ``outside_extent``) that
        hold for this type and attributes."""
        rules = self.ruleset.of_predicate(predicate)
        return tuple(
            r for r in rules
            if self.type in r.types and (layer is None or r.layer in ("*", layer))
            and r.conditions_hold(self.attributes, self.specs)
        )  # fmt: skip


def rules_for_project(ruleset: RuleSet, project_type: str, attributes: Mapping[str, Any]) -> ProjectRules:
    """The rule matrix as it bears on one project type and its attributes.

    ``project_type`` may be a key, label or alias; ``attributes`` raw or parsed values
    (parsed here as ``screen`` parses them).

    Raises
    ------
    InputError
        Unknown project type, attribute or value.
    """
    types = ruleset.project_types
    key = types.resolve(project_type)
    attrs = types.parse_attributes(key, dict(attributes))
    return ProjectRules(key, attrs, types.attributes, compile_rules(ruleset), ruleset)
