"""Rules with the relation **outside**: the project is not inside any feature of a layer.

RULES.md "合规园区": a chemical project *not inside* a compliant chemical park is prohibited.
Such a rule is about the layer as a whole, so it is not decided pair by pair: per project
and rule, the qualifying features (the rule's ``zones`` / ``where`` filters) that the project
touches are united and the project is inside when it is covered by them. A project that
leaves them only within ``tolerance_m`` of their boundary gets ``near_boundary`` / review.
The rule fires only where the layer has coverage at the project; elsewhere it gives review
"no data for this layer here" (relation ``no_coverage``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

from zoning import _spatial as sp
from zoning._conflicts import place_unknown_text
from zoning._match import LayerRules, ProjectRecord
from zoning.model import VERDICT_LABELS, Conflict
from zoning.rules import AttributeSpec, Rule

__all__ = ["outside_conflicts", "no_data_text"]


_MASKS: weakref.WeakKeyDictionary[sp.LayerIndex, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_MASKS_LOCK = threading.Lock()


def _qualifying(index: sp.LayerIndex, rule: Rule) -> np.ndarray:
    """Which features of the layer pass the rule's zone and feature filters (cached per index)."""
    with _MASKS_LOCK:
        per = _MASKS.setdefault(index, {})
        hit = per.get(rule.id)
    if hit is not None:
        return hit
    mask = np.array(
        [rule.applies_to_zone(index.zones[f], index.layer) and rule.applies_to_feature(index.attrs(f)) for f in range(len(index))],
        dtype=bool,
    )
    with _MASKS_LOCK:
        per[rule.id] = mask
    return mask


def no_data_text(condition_zh: str, condition_en: str) -> tuple[str, str]:
    """The condition of a row that cannot be decided because the layer has no data here."""
    return (
        f"该图层在此处无数据，无法判断：{condition_zh}",
        f"No data for this layer here, cannot tell: {condition_en}",
    )


def outside_conflicts(
    members: Sequence[ProjectRecord],
    geoms: np.ndarray,
    areas: np.ndarray,
    index: sp.LayerIndex,
    lrules: LayerRules,
    touching: tuple[np.ndarray, np.ndarray],
    covered: Sequence[bool],
    *,
    specs: Mapping[str, AttributeSpec],
    tolerance_m: float,
) -> list[tuple[int, Conflict]]:
    """Rows of the layer's ``outside`` rules as (member position, Conflict).

    ``geoms`` are the members' geometries in the index's work CRS, ``areas`` their planar
    areas, ``touching`` the layer's (project, feature) intersecting pairs, ``covered[k]``
    whether the layer has data at member ``k``.
    """
    out: list[tuple[int, Conflict]] = []
    pi, fi = touching
    for k, member in enumerate(members):
        candidates = lrules.outside_by_type.get(member.type, ())
        for rule in candidates:
            placed = rule.applies_in(member.places)
            if placed is False:
                continue
            member.defaults_used.update(c.attribute for c in rule.when if c.uses_default(member.attributes, specs[c.attribute]))
            if not rule.conditions_hold(member.attributes, specs):
                continue
            if not covered[k]:
                out.append((k, _row(index, rule, "no_coverage", "review", no_data_text(rule.condition_zh, rule.condition_en))))
                continue
            mask = _qualifying(index, rule)
            touched = fi[(pi == k)]
            touched = touched[mask[touched]]
            conflict = _decide(geoms[k], float(areas[k]), index, rule, mask, touched, tolerance_m, placed is None)
            if conflict is not None:
                out.append((k, conflict))
    return out


def _decide(
    geom: Any,
    area: float,
    index: sp.LayerIndex,
    rule: Rule,
    mask: np.ndarray,
    touched: np.ndarray,
    tolerance_m: float,
    place_unknown: bool,
) -> Conflict | None:
    """None when the project is inside the qualifying features, else its row."""
    union = index.geoms[touched[0]] if len(touched) == 1 else shapely.union_all(index.geoms[touched]) if len(touched) else None
    if union is not None and shapely.covered_by(geom, union):
        return None
    if union is not None and _within_band(geom, union, tolerance_m):
        return _row(index, rule, "near_boundary", "review", _band_text(rule, tolerance_m), feature=int(touched[0]))
    f, distance = (int(touched[0]), 0.0) if len(touched) else _nearest(geom, index, mask)
    inter = shapely.intersection(geom, union) if union is not None else None
    inside_area = float(shapely.area(inter)) if inter is not None else 0.0
    inside_len = float(shapely.length(inter)) if inter is not None and shapely.get_dimensions(geom) == 1 else 0.0
    verdict, text = (
        ("review", place_unknown_text(rule)) if place_unknown else (rule.verdict, (rule.condition_zh, rule.condition_en))
    )
    return _row(
        index, rule, "outside", verdict, text, feature=f, distance_m=distance,
        area_m2=inside_area, pct=100.0 * inside_area / area if area > 0 else 0.0, length_m=inside_len,
    )  # fmt: skip


def _within_band(geom: Any, union: Any, tolerance_m: float) -> bool:
    """The project leaves the features only within ``tolerance_m`` of their boundary (the
    features grown by the tolerance, locally around the project, cover it)."""
    if tolerance_m <= 0:
        return False
    x0, y0, x1, y1 = geom.bounds
    t = tolerance_m
    local = shapely.intersection(union, shapely.box(x0 - 2 * t, y0 - 2 * t, x1 + 2 * t, y1 + 2 * t))
    return bool(shapely.covered_by(geom, shapely.buffer(local, t)))


def _nearest(geom: Any, index: sp.LayerIndex, mask: np.ndarray) -> tuple[int, float]:
    """(nearest qualifying feature, distance in metres), or (-1, 0.0) when the layer has none."""
    if not mask.any():
        return -1, 0.0
    if mask.all():
        return index.nearest_piece(geom)
    which = np.flatnonzero(mask)
    dist = shapely.distance(geom, index.geoms[which])
    best = int(np.argmin(dist))
    return int(which[best]), float(dist[best])


def _band_text(rule: Rule, tolerance_m: float) -> tuple[str, str]:
    label = VERDICT_LABELS[rule.verdict]
    t = f"{tolerance_m:g}"
    return (
        f"边界附近，需核实：仅在区界{t}米容差带内位于区外（若确在区外：{label['zh']}，{rule.condition_zh}）",
        f"Near the boundary, needs checking: outside only within the {t} m tolerance band of its boundary "
        f"(if truly outside: {label['en']}, {rule.condition_en})",
    )


def _row(
    index: sp.LayerIndex,
    rule: Rule,
    relation: str,
    verdict: str,
    text: tuple[str, str],
    *,
    feature: int = -1,
    distance_m: float = 0.0,
    area_m2: float = 0.0,
    pct: float = 0.0,
    length_m: float = 0.0,
) -> Conflict:
    has = feature >= 0
    return Conflict(
        layer=index.layer,
        feature=str(index.names[feature]) if has else "",
        zone=index.zones[feature] if has else None,
        relation=relation,  # type: ignore[arg-type]
        overlap_area_m2=round(area_m2, 3),
        overlap_pct=round(pct, 3),
        overlap_length_m=round(length_m, 3),
        distance_m=round(distance_m, 3),
        verdict=verdict,  # type: ignore[arg-type]
        rule_id=rule.id,
        condition=text[0],
        condition_en=text[1],
        basis=rule.basis,
        confidence=rule.confidence,
        legal_status=str(index.legal_status[feature]) if has else _layer_status(index),
        feature_id=feature,
        source=str(index.sources[feature] or "") if has else "",
    )


def _layer_status(index: sp.LayerIndex) -> str:
    values = set(index.legal_status.tolist())
    return values.pop() if len(values) == 1 else ("混合" if values else "法定")
