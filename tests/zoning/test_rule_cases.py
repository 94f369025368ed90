"""Rule cases kept as data (tests/zoning/rule_cases/<RULE_ID>.yml), checked by one
parametrised test; every rule of data/rules.yaml must have a case that fires and one that
must not (sqlfluff-style yaml test cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
import yaml

from tests.zoning._engine_support import LONLAT, MemoryStore, transform, zone_frame
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


@pytest.mark.parametrize(("rule_id", "case"), CASES)
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    layer = RULES.by_id(rule_id).layer
    zone = case["zone"]
    store = MemoryStore(
        {layer: zone_frame([{**zone["attributes"], "geometry": shapely.from_wkt(zone["wkt"])}], zone["crs"])}
    )
    spec = case["project"]
    project = Project(case["name"], spec["type"], _geometry(spec), spec.get("attributes") or {}, input_crs=spec["crs"])
    (result,) = screen([project], store)
    rows = [c for c in result.conflicts if c.rule_id == rule_id]
    expect = case["expect"]
    if expect == NO_CONFLICT:
        assert rows == [], f"{rule_id} fired: {rows}"
        return
    assert len(rows) == 1, f"expected one {rule_id} row, got {[c.rule_id for c in result.conflicts]}"
    assert rows[0].verdict == expect["verdict"]
    if "relation" in expect:
        assert rows[0].relation == expect["relation"]


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
