"""Rule cases kept as data (tests/zoning/rule_cases/<RULE_ID>.yml), checked by one
parametrised test; every rule of data/rules.yaml must have a case that fires and one that
must not (sqlfluff-style yaml test cases).

A case has a ``project`` and a ``zone`` (one feature of the rule's layer; ``zone.layer``
names another layer, for rules on several layers or on every layer), and may add
``layers`` (layer -> list of features ``{wkt, crs, attributes}``, or of table rows
``{attributes}`` for the access list) and ``coverage`` (layer -> admin codes). A rule's
row is a conflict with its id, or a unit's access clause with its id (category defaults).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import shapely
import yaml

from layers.coverage import LayerCoverage
from tests.zoning._engine_support import GK114, LONLAT, MemoryStore, transform, zone_frame
from zoning.engine import screen
from zoning.model import Project
from zoning.rules import load_rules

CASE_DIR = Path(__file__).parent / "rule_cases"
RULES = load_rules()
NO_CONFLICT = "no conflict"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASE_DIR.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            params.append(pytest.param(doc["rule"], case, id=f"{doc['rule']}: {case['name']}"))
    return params


CASES = _load_cases()


def _geometry(spec: dict[str, Any]) -> shapely.Geometry:
    geom = shapely.from_wkt(spec["wkt"])
    crs = spec["crs"]
    return geom if crs in (LONLAT, "EPSG:4326") else transform(geom, crs, LONLAT)


def _store(rule_id: str, case: dict[str, Any]) -> MemoryStore:
    features: dict[str, list[dict[str, Any]]] = {}
    if "zone" in case:
        zone = case["zone"]
        features.setdefault(zone.get("layer", RULES.by_id(rule_id).layer), []).append(zone)
    for layer, items in (case.get("layers") or {}).items():
        features.setdefault(layer, []).extend(items)
    frames: dict[str, Any] = {}
    for layer, items in features.items():
        if all("wkt" not in f for f in items):
            frames[layer] = pd.DataFrame([f["attributes"] for f in items])
            continue
        crs = items[0].get("crs", GK114)
        frames[layer] = zone_frame([{**f["attributes"], "geometry": shapely.from_wkt(f["wkt"])} for f in items], crs)
    coverage = {lid: LayerCoverage(lid, tuple(str(c) for c in codes)) for lid, codes in (case.get("coverage") or {}).items()}
    return MemoryStore(frames, coverage=coverage)


@pytest.mark.parametrize(("rule_id", "case"), CASES)
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    store = _store(rule_id, case)
    spec = case["project"]
    project = Project(case["name"], spec["type"], _geometry(spec), spec.get("attributes") or {}, input_crs=spec["crs"])
    (result,) = screen([project], store)
    rows: list[Any] = [c for c in result.conflicts if c.rule_id == rule_id]
    rows += [c for u in result.units for c in u.clauses if c.rule_id == rule_id]
    expect = case["expect"]
    if expect == NO_CONFLICT:
        assert rows == [], f"{rule_id} fired: {rows}"
        return
    assert len(rows) == 1, f"expected one {rule_id} row, got {[c.rule_id for c in result.conflicts]}"
    assert rows[0].verdict == expect["verdict"]
    if "relation" in expect:
        assert rows[0].relation == expect["relation"]
    if "distance_m" in expect:
        assert rows[0].distance_m == pytest.approx(expect["distance_m"], abs=0.01)


def test_every_rule_has_a_firing_and_a_silent_case() -> None:
    """A rule without both kinds of case (or a case file for an unknown rule) fails."""
    kinds: dict[str, set[str]] = {}
    for param in CASES:
        rule_id, case = param.values
        kinds.setdefault(rule_id, set()).add("silent" if case["expect"] == NO_CONFLICT else "fires")
    ids = {r.id for r in RULES}
    assert set(kinds) <= ids, f"case files for unknown rules: {sorted(set(kinds) - ids)}"
    lacking = {rid: sorted({"fires", "silent"} - kinds.get(rid, set())) for rid in sorted(ids)}
    lacking = {rid: missing for rid, missing in lacking.items() if missing}
    assert not lacking, f"rules lacking cases (rule -> missing kinds): {lacking}"


def test_case_files_are_named_after_their_rule() -> None:
    for path in CASE_DIR.glob("*.yml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["rule"] == path.stem
