"""What a store holds, by the role the catalogue gives each layer, and the coverage rows.

The engine never names a layer: ``store_layout`` reads the catalogue's ``role`` of each
present layer (``zone``, ``admin``, ``control_unit``, ``access_list``; layers/catalog.py), so a
deployment's own catalogue with other layer ids works unchanged. ``coverage_rows`` turns
"no data here" into rows of the rules with predicate ``no_coverage`` / ``outside_extent``
(data/rules.yaml COV01, COV02).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from layers.catalog import Catalog
from layers.coverage import LayerCoverage
from zoning import _spatial as sp
from zoning._match import LayerRules, ProjectRecord
from zoning._places import CoverageCheck, Places, prepare_coverage
from zoning.model import Conflict
from zoning.rules import ANY_LAYER, Rule, RuleSet

__all__ = ["StoreLayout", "store_layout", "coverage_rows"]


@dataclass(frozen=True, eq=False)
class StoreLayout:
    """The layers of one store by role, their titles, coverage records and legal status."""

    admin: str | None
    units: str | None
    clauses: str | None
    #: Zone layers with geometry present in the store (catalogue order): screened, nearby.
    zones: tuple[str, ...]
    #: Layers whose coverage each result reports: the zone layers and the unit layer.
    screened: tuple[str, ...]
    titles: Mapping[str, tuple[str, str]]
    clause_title: str
    records: Mapping[str, LayerCoverage | None]
    status: Mapping[str, str]
    _checks: dict[tuple[int, str], list[CoverageCheck]] = field(default_factory=dict, repr=False)
    #: Coverage sentences made so far, by (missing, outside, checked, inside, verdict).
    statements: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    def coverage_checks(self, store: Any, admin: sp.LayerIndex | None, crs: str) -> list[CoverageCheck]:
        """The screened layers' coverage prepared for ``crs`` (once per admin index and CRS)."""
        key = (id(admin), crs)
        hit = self._checks.get(key)
        if hit is None:
            hit = [prepare_coverage(lid, self.records.get(lid), admin, crs) for lid in self.screened]
            self._checks[key] = hit
        return hit



_LAYOUTS: OrderedDict[tuple[Any, ...], StoreLayout] = OrderedDict()
_LOCK = threading.Lock()


def store_layout(store: Any, catalog: Catalog) -> StoreLayout:
    """The layout of ``store`` under ``catalog`` (cached per store content and catalogue)."""
    key = (str(getattr(store, "sha256", "") or id(store)), id(catalog), str(getattr(store, "path", "")))
    with _LOCK:
        hit = _LAYOUTS.get(key)
    if hit is not None and hit.titles is not None:
        return hit
    present = [lid for lid in store.layer_ids if lid in catalog.layers]
    specs = catalog.layers

    def role(r: str) -> str | None:
        return next((lid for lid in present if specs[lid].role == r), None)

    zones = tuple(lid for lid in present if specs[lid].role == "zone" and specs[lid].has_geometry)
    units = role("control_unit")
    coverage = getattr(store, "coverage", None)
    screened = (*zones, units) if units else zones
    clauses = role("access_list")
    layout = StoreLayout(
        admin=role("admin"),
        units=units,
        clauses=clauses,
        zones=zones,
        screened=screened,
        titles={lid: (spec.title_zh, spec.title_en) for lid, spec in specs.items()},
        clause_title=specs[clauses].title_zh if clauses else "",
        records={lid: coverage(lid) if coverage is not None else None for lid in screened},
        status={lid: store.legal_status(lid) for lid in present},
    )
    with _LOCK:
        _LAYOUTS[key] = layout
        while len(_LAYOUTS) > 16:
            _LAYOUTS.popitem(last=False)
    return layout


def coverage_rows(
    members: Sequence[ProjectRecord],
    places: Sequence[Places],
    covered: Sequence[Mapping[str, bool]],
    ruleset: RuleSet,
    compiled: Mapping[str, LayerRules],
    layout: StoreLayout,
) -> list[tuple[int, Conflict]]:
    """Rows for projects outside the store's admin extent (``outside_extent`` rules: one row,
    no per-layer rows) and for layers without data where a project lies (``no_coverage``
    rules: one row per such layer that has a rule for the project's type)."""
    extent_rules = ruleset.of_predicate("outside_extent")
    no_data_rules = ruleset.of_predicate("no_coverage")
    specs = ruleset.project_types.attributes
    out: list[tuple[int, Conflict]] = []
    for k, member in enumerate(members):
        if layout.admin is not None and not places[k].inside:
            out += [(k, _row(r, layout.admin, "outside_extent", layout)) for r in _holding(extent_rules, member, specs)]
            continue
        for lid in layout.screened:
            if covered[k].get(lid, True) or not _has_rules_for(lid, member.type, compiled, layout):
                continue
            rules = [r for r in no_data_rules if r.layer in (ANY_LAYER, lid)]
            out += [(k, _row(r, lid, "no_coverage", layout)) for r in _holding(rules, member, specs)]
    return out


def _has_rules_for(layer: str, type_key: str, compiled: Mapping[str, LayerRules], layout: StoreLayout) -> bool:
    """Whether anything in ``layer`` could bear on a project of this type (the unit layer always does)."""
    if layer == layout.units:
        return True
    lrules = compiled.get(layer)
    return lrules is not None and type_key in lrules.any_for


def _holding(rules: Sequence[Rule], member: ProjectRecord, specs: Mapping[str, Any]) -> list[Rule]:
    out = []
    for rule in rules:
        if member.type not in rule.types:
            continue
        member.defaults_used.update(c.attribute for c in rule.when if c.uses_default(member.attributes, specs[c.attribute]))
        if rule.conditions_hold(member.attributes, specs):
            out.append(rule)
    return out


def _row(rule: Rule, layer: str, relation: str, layout: StoreLayout) -> Conflict:
    return Conflict(
        layer=layer,
        feature="",
        zone=None,
        relation=relation,  # type: ignore[arg-type]
        overlap_area_m2=0.0,
        overlap_pct=0.0,
        overlap_length_m=0.0,
        distance_m=0.0,
        verdict=rule.verdict,
        rule_id=rule.id,
        condition=rule.condition_zh,
        condition_en=rule.condition_en,
        basis=rule.basis,
        confidence=rule.confidence,
        legal_status=layout.status.get(layer, "法定"),
        feature_id=-1,
    )
