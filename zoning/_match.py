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

__all__ = ["LayerRules", "compile_rules", "firing_rules", "Decision", "ProjectRecord"]


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
