"""Loading and validating data/rules.yaml and data/project_types.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gis.errors import InputError, RuleConfigError
from zoning.rules import PREDICATES, load_project_types, load_rules, parse_attribute_value, parse_bool

GOOD_RULE = {
    "id": "TST01",
    "layer": "water_source",
    "zones": ["一级"],
    "types": ["road"],
    "predicate": "intersects",
    "verdict": "prohibited",
    "condition": {"zh": "测试", "en": "test"},
    "basis": [{"law": "《测试法》", "article": "第一条"}],
    "confidence": "verified",
    "effective_date": "2020-01-01",
}


def _write_rules(tmp_path: Path, rules: list[dict]) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "rules": rules}, allow_unicode=True), encoding="utf-8")
    return path


def test_packaged_rules_load_with_stable_unique_ids() -> None:
    rules = load_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) == 78
    assert all(re.fullmatch(r"(DWS|ECO|LIV|GH|NR|SC|SHL|PARK|BF|UB|PF|WL|NP|FG|ECU|COV)\d{2}", i) for i in ids)
    assert {lid for r in rules for lid in r.all_layers} == {
        "water_source", "eco_redline", "livestock_zone", "green_heart", "nature_reserve", "scenic_area", "shoreline",
        "industrial_park", "basic_farmland", "urban_boundary", "public_forest", "wetland", "nature_park",
        "fish_germplasm", "env_control_unit", "admin", "*",
    }  # fmt: skip
    assert all(r.condition_zh and r.condition_en and r.basis for r in rules)


def test_rule_fields_are_typed() -> None:
    rules = load_rules()
    shl02 = rules.by_id("SHL02")
    assert (shl02.predicate, shl02.distance_m, dict(shl02.where)) == ("within_distance", 3000.0, {"river": ("长江",)})
    shl03 = rules.by_id("SHL03")
    assert dict(shl03.where_not) == {"river": ("长江",)}
    liv01 = rules.by_id("LIV01")
    assert [(c.attribute, c.op, c.value) for c in liv01.when] == [("scale_head", "gte", 500)]
    assert liv01.basis == "《畜禽规模养殖污染防治条例》第十一条；《畜牧法》第四十条"
    assert rules.by_id("DWS01").effective_date == "2018-01-01"
    assert rules.by_id("ECO08").fallback and not rules.by_id("ECO07").fallback
    assert rules.by_id("SHL04").confidence == "unverified" and rules.by_id("SHL04").verdict == "review"
    assert "2019年后须以法定禁养区为准" in rules.by_id("SHL04").note


def test_applicable_lists_rules_for_a_type_label_or_alias() -> None:
    rules = load_rules()
    assert [r.id for r in rules.applicable("sewage_outfall") if r.layer == "water_source"] == [
        "DWS01",
        "DWS05",
        "DWS10",
    ]
    assert rules.applicable("道路") == rules.applicable("road")
    shoreline_for_tailings = [r.id for r in rules.applicable("尾矿库") if r.layer == "shoreline"]
    assert shoreline_for_tailings == ["SHL02", "SHL03", "SHL05", "SHL06"]


def test_project_types_catalogue() -> None:
    types = load_project_types()
    assert len(types.types) == 24
    assert types.scale_threshold == 500
    assert types.resolve("畜禽养殖场") == "livestock_farm"
    assert types.resolve("道路") == "road"
    assert types.resolve(" Road ") == "road"
    assert types.resolve("畜禽规模养殖场/养殖小区") == "livestock_farm"
    assert types.attributes["discharges_pollutants"].default is True
    assert types.attributes["scale_head"].default is None
    assert types.types["water_supply"].attributes == ("unavoidable", "national_major", "construction_nature")
    nature = types.attributes["construction_nature"]
    assert (nature.type, nature.values, nature.default) == ("choice", ("新建", "改建", "扩建"), "新建")
    assert types.attributes["emits_vocs"].default is False
    assert types.resolve("码头") == "port_wharf"


@pytest.mark.parametrize(("raw", "expected"), [("改建", "改建"), (" 扩建项目 ", "扩建"), ("Rebuild", "改建"), ("new", "新建")])
def test_choice_attribute_values_and_spellings(raw: str, expected: str) -> None:
    spec = load_project_types().attributes["construction_nature"]
    assert parse_attribute_value(spec, raw, source="x") == expected


def test_bad_choice_value_names_the_allowed_ones() -> None:
    spec = load_project_types().attributes["construction_nature"]
    with pytest.raises(InputError, match=r"value '改扩建' is not one of 新建 \(new\), 改建 \(rebuilt\), 扩建 \(extended\)") as info:
        parse_attribute_value(spec, "改扩建", source="x")
    assert info.value.zh == "x：值“改扩建”无效；建设性质应为 新建、改建、扩建 之一"


def test_unknown_project_type_lists_the_choices() -> None:
    with pytest.raises(
        InputError, match=r"project type '飞机场' is not a known project type; expected one of: .*road \(道路\)"
    ):
        load_project_types().resolve("飞机场")


@pytest.mark.parametrize(
    ("raw", "expected"), [("是", True), ("否", False), ("TRUE", True), ("0", False), ("yes", True), (1, True)]
)
def test_parse_bool(raw: object, expected: bool) -> None:
    assert parse_bool(raw, source="x") is expected


def test_parse_bool_names_source_and_value() -> None:
    with pytest.raises(InputError, match=r"row 3, column 'unavoidable': value '可能' is not a yes/no value"):
        parse_bool("可能", source="row 3, column 'unavoidable'")


def test_attribute_values_are_checked() -> None:
    types = load_project_types()
    assert types.parse_attributes("livestock_farm", {"scale_head": "2,000"}) == {"scale_head": 2000}
    with pytest.raises(InputError, match=r"attribute 'scale_head': value 'many' is not a whole number"):
        types.parse_attributes("livestock_farm", {"scale_head": "many"})
    with pytest.raises(InputError, match=r"value -5 is below the minimum 0"):
        types.parse_attributes("livestock_farm", {"scale_head": -5})
    with pytest.raises(
        InputError, match=r"'scale_head': attribute for project type 'road' .*takes: unavoidable, national_major"
    ):
        types.parse_attributes("road", {"scale_head": 10})
    with pytest.raises(InputError, match=r"'scale_heads': unknown attribute"):
        types.parse_attributes("livestock_farm", {"scale_heads": 10})


def test_good_custom_rule_file_loads(tmp_path: Path) -> None:
    rules = load_rules(_write_rules(tmp_path, [GOOD_RULE]))
    assert [r.id for r in rules] == ["TST01"]
    assert rules.sha256 and rules.path.endswith("rules.yaml")


def test_every_problem_is_listed_in_one_error(tmp_path: Path) -> None:
    """Unknown layer, zone value, type, verdict, predicate, attribute and a duplicate id:
    one RuleConfigError naming file, rule id, field, bad value and the allowed values."""
    bad = [
        {**GOOD_RULE, "id": "BAD01", "layer": "red_line"},
        {**GOOD_RULE, "id": "BAD02", "zones": ["三级"]},
        {**GOOD_RULE, "id": "BAD03", "types": ["airport"]},
        {**GOOD_RULE, "id": "BAD04", "verdict": "forbidden"},
        {**GOOD_RULE, "id": "BAD05", "predicate": "nearby"},
        {**GOOD_RULE, "id": "BAD06", "when": {"height_m": True}},
        GOOD_RULE,
        GOOD_RULE,
        {**GOOD_RULE, "id": "BAD07", "types": ["road"], "when": {"scale_head": {"gte": "threshold"}}},
        {**GOOD_RULE, "id": "BAD08", "predicate": "within_distance"},
        {**GOOD_RULE, "id": "BAD09", "layer": "shoreline", "zones": None, "where": {"river_name": "长江"}},
        {**GOOD_RULE, "id": "BAD10", "confidence": "maybe", "effective_date": "2020-13-01"},
        {**GOOD_RULE, "id": "bad id"},
    ]
    path = _write_rules(tmp_path, bad)
    with pytest.raises(RuleConfigError) as info:
        load_rules(path)
    text = str(info.value)
    expected = [
        str(path),
        "rule 'BAD01' field 'layer': 'red_line' is not one of ['basic_farmland', 'eco_redline'",
        "rule 'BAD02' field 'zones': '三级' is not a water_source.grade value ['一级', '二级', '准保护区']",
        "rule 'BAD03' field 'types': 'airport' is not a project type ['livestock_farm'",
        "rule 'BAD04' field 'verdict': 'forbidden' is not one of ['prohibited', 'conditional', 'review']",
        "rule 'BAD05' field 'predicate': 'nearby' is not one of ['intersects', 'near', 'no_coverage', 'outside', 'outside_extent', 'within_distance']",
        "rule 'BAD06' field 'when': attribute 'height_m' is not one of ['construction_nature', 'discharges_pollutants', 'emits_vocs', 'national_major', 'scale_head', 'unavoidable']",
        "rule 'TST01': duplicate id",
        "rule 'BAD07' field 'when': attribute 'scale_head' is not taken by project type(s) ['road']",
        "rule 'BAD08' field 'distance_m': None must be a positive number of metres for within_distance",
        "rule 'BAD09' field 'where': 'river_name' is not a field of layer shoreline",
        "rule 'BAD10' field 'confidence': 'maybe' is not one of ['verified', 'secondary', 'unverified']",
        "rule 'BAD10' field 'effective_date': '2020-13-01' is not an ISO date",
        "rule 'bad id' field 'id': 'bad id' is not a rule code; expected 2-4 capital letters and 2-3 digits",
    ]
    missing = [e for e in expected if e not in text]
    assert not missing, f"not in the message: {missing}\n{text}"
    assert text.startswith(f"{path}: 13 problems:")


def test_unknown_predicate_lists_the_registry(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, [{**GOOD_RULE, "predicate": "touches"}])
    with pytest.raises(RuleConfigError, match=re.escape(f"is not one of {sorted(PREDICATES)}")):
        load_rules(path)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RuleConfigError, match=r"rules file '.*nope.yaml' cannot be read"):
        load_rules(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [\n  - id: X\n", encoding="utf-8")
    with pytest.raises(RuleConfigError, match=r"broken.yaml' is not valid UTF-8 YAML"):
        load_rules(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(RuleConfigError, match=r"expected a mapping with a 'rules' list"):
        load_rules(empty)


def test_project_type_file_problems_are_collected(tmp_path: Path) -> None:
    path = tmp_path / "types.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "attributes": {"size": {"type": "float", "label": {"zh": "面积", "en": "Area"}}},
                "types": {
                    "a": {"label": {"zh": "甲", "en": "A"}, "aliases": ["同名"], "attributes": ["height"]},
                    "b": {"label": {"zh": "乙"}, "aliases": ["同名"]},
                },
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with pytest.raises(RuleConfigError) as info:
        load_project_types(path)
    text = str(info.value)
    assert "attribute 'size' field 'type': 'float' is not one of ['bool', 'int', 'choice']" in text
    assert "type 'a' field 'attributes': 'height' is not one of []" in text
    assert "type 'b' field 'label': missing the English text 'en'" in text
    assert "type 'b': name '同名' is also used by type 'a'" in text
