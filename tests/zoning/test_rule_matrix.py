"""Every project type x every zone value x the relevant attribute combinations: the engine's
overall verdict must equal RULES.md, as transcribed by hand in rule_matrix_expected.yaml.

One batch screens all combinations: each (layer, zone value) is a 2 km square of its own,
far from the others, with a 50 m project square in its middle; each shoreline kind is a
10 km bank line with point projects at fixed distances from it.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import shapely
import yaml

from tests.zoning._engine_support import X0, Y0, MemoryStore, lonlat, rect, zone_frame
from zoning.engine import screen
from zoning.model import Project
from zoning.rules import load_project_types

EXPECTED = yaml.safe_load((Path(__file__).parent / "rule_matrix_expected.yaml").read_text(encoding="utf-8"))
LETTER = {"P": "prohibited", "C": "conditional", "R": "review"}
DEFAULTS = {
    "discharges_pollutants": True, "unavoidable": False, "national_major": False, "emits_vocs": False,
    "construction_nature": "新建",
}  # fmt: skip
SAMPLE_VALUES: dict[str, list[Any]] = {"scale_head": [None, 0, 499, 500, 2000], "construction_nature": [None, "改建", "扩建"]}
ZONE_FIELD = {
    "water_source": "grade",
    "eco_redline": "category",
    "livestock_zone": "kind",
    "green_heart": "zone",
    "nature_reserve": "zone",
    "scenic_area": "zone",
}


def _combos(ptype: str) -> list[dict[str, Any]]:
    attrs = EXPECTED["attributes"].get(ptype, EXPECTED["attributes"]["*"])
    choices = [SAMPLE_VALUES.get(a, [None, True, False]) for a in attrs]
    return [
        {a: v for a, v in zip(attrs, values, strict=True) if v is not None} for values in itertools.product(*choices)
    ]


def _holds(term: str, attrs: dict[str, Any]) -> bool:
    if term == "*":
        return True
    name, op, value = re.fullmatch(r"(\w+)\s*(>=|<|=)\s*(\w+)", term.strip()).groups()  # type: ignore[union-attr]
    given = attrs.get(name, DEFAULTS.get(name))
    if value == "missing":
        return given is None
    if op == "=":
        return given is not None and str(given).lower() == value.lower()
    if given is None:
        return False
    return given >= int(value) if op == ">=" else given < int(value)


def _expected(lines: list[list[Any]], ptype: str, attrs: dict[str, Any]) -> str:
    for cond, types, letter in lines:
        if (types == "*" or ptype in types) and all(_holds(t, attrs) for t in cond.split("&")):
            return LETTER[letter]
    return "clear"


def _cases() -> tuple[MemoryStore, list[Project], list[tuple[str, str]]]:
    layers: dict[str, list[dict[str, Any]]] = {}
    projects: list[Project] = []
    labels: list[tuple[str, str]] = []
    expected: list[str] = []
    grid = itertools.product(range(-2, 3), range(-2, 3))
    for layer, zones in EXPECTED["zones"].items():
        for zone_value, lines in zones.items():
            gx, gy = next(grid)
            x, y = X0 + gx * 20_000, Y0 + gy * 20_000
            layers.setdefault(layer, []).append(
                {"name": f"{layer}-{zone_value}", ZONE_FIELD[layer]: zone_value, "geometry": rect(x, y, 2000, 2000)}
            )
            site = lonlat(rect(x + 975, y + 975, 50, 50))
            for ptype in EXPECTED["project_types"]:
                for attrs in _combos(ptype):
                    projects.append(Project(f"{layer}/{zone_value}/{ptype}/{attrs}", ptype, site, attrs))
                    expected.append(_expected(lines, ptype, attrs))
    for k, (kind, by_distance) in enumerate(EXPECTED["shoreline"].items()):
        river, rank = kind.split("/")
        y = Y0 + 100_000 + k * 20_000  # 60+ km from every square above
        bank = shapely.LineString([(X0 - 5000, y), (X0 + 5000, y)])
        layers.setdefault("shoreline", []).append({"name": kind, "river": river, "rank": rank, "geometry": bank})
        for distance_m, lines in by_distance.items():
            site = lonlat(shapely.Point(X0, y + float(distance_m)))
            for ptype in EXPECTED["project_types"]:
                for attrs in _combos(ptype):
                    projects.append(Project(f"shoreline/{kind}@{distance_m}/{ptype}/{attrs}", ptype, site, attrs))
                    expected.append(_expected(lines, ptype, attrs))
    store = MemoryStore({lid: zone_frame(rows) for lid, rows in layers.items()})
    labels = [(p.name, e) for p, e in zip(projects, expected, strict=True)]
    return store, projects, labels


def test_matrix_covers_every_type_and_zone_value() -> None:
    """The transcription names the 24 RULES.md types (23 + port_wharf of the second round),
    the same as data/project_types.yaml, and every zone value of the catalogue."""
    types = load_project_types()
    assert sorted(EXPECTED["project_types"]) == sorted(types.keys)
    assert len(EXPECTED["project_types"]) == 24
    for key, pt in types.types.items():
        assert sorted(pt.attributes) == sorted(EXPECTED["attributes"].get(key, EXPECTED["attributes"]["*"])), key
    catalog = yaml.safe_load(Path("data/catalog.yaml").read_text(encoding="utf-8"))
    for layer, zones in EXPECTED["zones"].items():
        spec = catalog["layers"][layer]["fields"][ZONE_FIELD[layer]]
        assert sorted(zones) == sorted(spec["values"] + spec.get("legacy", [])), layer


def test_overall_verdict_matches_rules_md_for_every_combination() -> None:
    store, projects, labels = _cases()
    results = screen(projects, store, generated_at="2026-01-01T00:00:00+08:00")
    wrong = [
        f"{name}: expected {exp}, got {res.verdict} ({[c.rule_id for c in res.conflicts]})"
        for (name, exp), res in zip(labels, results, strict=True)
        if res.verdict != exp
    ]
    assert len(results) == len(projects) > 3000
    assert not wrong, f"{len(wrong)} mismatches:\n" + "\n".join(wrong[:60])
