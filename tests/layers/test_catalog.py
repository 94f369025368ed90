"""The layer catalogue: the embedded file as DESIGN.md describes it, and every bad entry reported at once."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
import yaml

from gis.errors import RuleConfigError, SchemaError
from layers.catalog import Catalog, load_catalog, parse_catalog
from layers.paths import CATALOG_PATH

# DESIGN.md "The zone store contract", transcribed by hand: layer -> (geometry, {field: values}).
DESIGN_TABLE = {
    "eco_redline": ("polygon", {"name": (), "category": ("自然保护地核心保护区", "一般")}),
    "water_source": ("polygon", {"name": (), "grade": ("一级", "二级", "准保护区")}),
    "water_intake": ("point", {"name": (), "source_type": ("河流型", "湖库型", "地下水型")}),
    "livestock_zone": ("polygon", {"name": (), "kind": ("禁养区", "限养区")}),
    "green_heart": ("polygon", {"name": (), "zone": ("核心保护区", "融合发展区")}),
    "nature_reserve": (
        "polygon",
        {"name": (), "zone": ("核心区", "缓冲区", "实验区", "核心保护区", "一般控制区"), "level": ()},
    ),
    "scenic_area": ("polygon", {"name": (), "zone": ("核心景区", "一般景区"), "level": ()}),
    # 湖泊 (a lake shore): the Dongting shore, RULES.md second round
    "shoreline": ("line_or_polygon", {"name": (), "river": (), "rank": ("干流", "支流", "湖泊")}),
    # RULES.md "Second round: New layers" (required fields in bold there).
    "env_control_unit": ("polygon", {"code": (), "name": (), "category": ("优先保护单元", "重点管控单元", "一般管控单元")}),
    "access_clause": (
        "none",
        {"scope": (), "dimension": ("空间布局约束", "污染物排放管控", "环境风险防控", "资源利用效率"), "text": ()},
    ),
    "industrial_park": ("polygon", {"name": (), "level": ("国家级", "省级", "其他")}),
    "basic_farmland": ("polygon", {}),
    "urban_boundary": ("polygon", {}),
    "public_forest": ("polygon", {"level": ("国家级", "省级")}),
    "wetland": ("polygon", {"name": (), "importance": ("国家重要湿地", "省级重要湿地", "一般湿地")}),
    "nature_park": ("polygon", {"name": (), "kind": ("森林公园", "湿地公园", "地质公园", "其他")}),
    "fish_germplasm": ("polygon", {"name": (), "zone": ("核心区", "实验区")}),
    "admin": ("polygon", {"adcode": (), "name": (), "level": ()}),
}


def test_embedded_catalogue_matches_the_design_table() -> None:
    catalog = load_catalog()
    assert list(catalog.layers) == list(DESIGN_TABLE)
    for lid, (geometry, fields) in DESIGN_TABLE.items():
        spec = catalog.layers[lid]
        assert spec.geometry == geometry, lid
        assert spec.required_fields == tuple(fields), lid
        assert {name: spec.fields[name].values for name in fields} == fields, lid
        assert spec.title_zh and spec.title_en
    assert catalog.field("green_heart", "zone").legacy == ("禁止开发区", "限制开发区", "控制建设区")
    assert set(catalog.common_fields) == {"source", "effective_date", "legal_status", "version"}
    assert catalog.field("admin", "legal_status").default == "法定"
    assert catalog.field("admin", "legal_status").values == ("法定", "示意")


def test_catalogue_records_are_immutable() -> None:
    spec = load_catalog().layers["water_source"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.zone_field = "name"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.fields["grade"] = spec.fields["name"]  # type: ignore[index]


def test_value_aliases_are_data_and_lead_to_allowed_values() -> None:
    grade = load_catalog().field("water_source", "grade")
    assert grade.aliases["一级保护区"] == "一级"
    assert grade.aliases["二级保护区"] == "二级"
    assert "准保护区" not in grade.aliases  # already a value: it stays as it is


def test_every_zone_value_has_an_english_name() -> None:
    """English pages and reports name zones in English; the stored value stays Chinese."""
    catalog = load_catalog()
    for layer_id, spec in catalog.layers.items():
        if spec.zone_field:
            zone = catalog.field(layer_id, spec.zone_field)
            assert set(zone.labels_en) == set(zone.allowed), layer_id
    grade = catalog.field("water_source", "grade")
    assert (grade.label("一级", "en"), grade.label("一级", "zh"), grade.label("未知", "en")) == ("Grade I", "一级", "未知")
    assert catalog.field("water_source", "legal_status").label("示意", "en") == "Illustrative"


def test_unknown_layer_and_field_name_the_choices() -> None:
    catalog = load_catalog()
    with pytest.raises(
        SchemaError, match=r"layer 'water' is not in the layer catalogue; expected one of eco_redline, water_source"
    ):
        catalog.layer("water")
    with pytest.raises(
        SchemaError, match=r"layer 'water_source' has no field 'level' .* expected one of name, grade, source"
    ):
        catalog.field("water_source", "level")


def test_loading_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_bytes(CATALOG_PATH.read_bytes())
    first = load_catalog(path)
    assert load_catalog(path) is first
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["layers"]["water_source"]["title"]["en"] = "Water source"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse-clock file systems
    assert load_catalog(path).layers["water_source"].title_en == "Water source"


def test_missing_catalogue_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuleConfigError, match=r"layer catalogue .*nope.yaml cannot be read \(No such file"):
        load_catalog(tmp_path / "nope.yaml")


def test_unparsable_catalogue_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("layers: [unclosed", encoding="utf-8")
    with pytest.raises(RuleConfigError, match=r"bad.yaml cannot be read as UTF-8 YAML"):
        load_catalog(path)


def _bad_catalogue() -> dict[str, object]:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    layers = data["layers"]
    layers["water_source"]["geometry"] = "polyline"  # unknown kind
    layers["eco_redline"]["zone_field"] = "categroy"  # not one of its fields
    layers["livestock_zone"]["fields"]["kind"]["requried"] = True  # misspelt key
    layers["green_heart"]["fields"]["zone"]["legacy"].append("核心保护区")  # both current and legacy
    layers["scenic_area"]["title"] = {"zh": "风景名胜区"}  # no English title
    layers["Water-Intake"] = layers.pop("water_intake")  # not a snake_case id
    data["common_fields"]["legal_status"]["default"] = "官方"  # default outside the values
    layers["water_source"]["fields"]["grade"]["aliases"]["三级保护区"] = "三级"  # alias to nowhere
    layers["shoreline"]["fields"]["rank"]["labels_en"]["三级支流"] = "Tertiary"  # label of no value
    return data


def test_a_bad_catalogue_lists_every_problem_at_once() -> None:
    with pytest.raises(RuleConfigError) as info:
        parse_catalog(_bad_catalogue(), source="my_catalog.yaml")
    text = str(info.value)
    assert text.startswith("layer catalogue my_catalog.yaml has 9 problem(s):")
    expected = [
        r"layer 'water_source': geometry 'polyline' is not one of \['point', 'line', 'polygon', 'line_or_polygon', 'none'\]",
        r"layer 'eco_redline': zone_field 'categroy' is not one of its fields \['name', 'category'\]",
        r"layer 'livestock_zone' field 'kind': unknown key\(s\) \['requried'\]",
        r"layer 'green_heart' field 'zone': \['核心保护区'\] are listed both as current 'values' and as 'legacy'",
        r"layer 'scenic_area': 'title' must give both 'zh' and 'en' text",
        r"layer 'Water-Intake': the id must be snake_case",
        r"common_fields field 'legal_status': default '官方' is not one of its values \['法定', '示意'\]",
        r"layer 'water_source' field 'grade': alias '三级保护区' -> '三级' does not lead to one of",
        r"layer 'shoreline' field 'rank': 'labels_en' names \['三级支流'\], which are not among its values \['干流', '支流', '湖泊'\]",
    ]
    for pattern in expected:
        assert re.search(pattern, text), pattern


def test_catalogue_top_level_is_checked() -> None:
    with pytest.raises(
        RuleConfigError, match=r"x.yaml: expected a mapping with 'version', 'common_fields' and 'layers', got list"
    ):
        parse_catalog([1, 2], source="x.yaml")
    with pytest.raises(
        RuleConfigError, match=r"'version' is 2; expected one of \[1\][\s\S]*'layers' must be a non-empty mapping"
    ):
        parse_catalog({"version": 2, "layers": {}}, source="x.yaml")


def test_minimal_catalogue_parses_into_records() -> None:
    data = {
        "version": 1,
        "layers": {
            "pond": {
                "title": {"zh": "塘", "en": "Pond"},
                "geometry": "polygon",
                "zone_field": "kind",
                "fields": {"kind": {"required": True, "values": ["甲", "乙"], "title": {"zh": "类", "en": "Kind"}}},
            }
        },
    }
    catalog = parse_catalog(data)
    assert isinstance(catalog, Catalog)
    assert catalog.layers["pond"].geometry_types == frozenset({"Polygon", "MultiPolygon"})
    assert catalog.fields_of("pond")["kind"].allowed == ("甲", "乙")
    assert dict(catalog.common_fields) == {}


def test_roles_are_checked_with_the_fields_the_engine_reads() -> None:
    data = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    layers = data["layers"]
    layers["admin2"] = {**layers["admin"]}  # a second admin layer
    layers["access_clause"]["geometry"] = "polygon"  # the access list is a table
    del layers["env_control_unit"]["fields"]["code"]  # units need their code
    layers["wetland"]["geometry"] = "none"  # a zone needs geometry
    layers["water_source"]["role"] = "zones"  # unknown role
    layers["access_clause"]["melt"] = {"key": "dimension", "value": "body"}  # not a field
    with pytest.raises(RuleConfigError) as info:
        parse_catalog(data, source="c.yaml")
    text = str(info.value)
    for expected in [
        "role 'admin' is given to several layers ['admin', 'admin2']; at most one may have it",
        "layer 'access_clause': role 'access_list' needs geometry none, not 'polygon'",
        "layer 'env_control_unit': role 'control_unit' needs the required field(s) ['code']",
        "layer 'wetland': a zone layer needs a geometry; only role access_list is a table",
        "layer 'water_source': role 'zones' is not one of ['zone', 'admin', 'control_unit', 'access_list']",
        "layer 'access_clause': melt field 'body' is not one of its fields",
    ]:
        assert expected in text, f"{expected!r} not in {text}"


def test_roles_and_map_layers_of_the_embedded_catalogue() -> None:
    catalog = load_catalog()
    assert (catalog.role_layer("admin"), catalog.role_layer("control_unit"), catalog.role_layer("access_list")) == (
        "admin", "env_control_unit", "access_clause",
    )  # fmt: skip
    assert "admin" not in catalog.map_layer_ids and "access_clause" not in catalog.map_layer_ids
    assert "env_control_unit" in catalog.map_layer_ids and "env_control_unit" not in catalog.zone_layer_ids
    assert catalog.layers["access_clause"].melt == ("dimension", "text")
    assert not catalog.layers["access_clause"].has_geometry
    assert catalog.field("env_control_unit", "code").column_aliases[:2] == ("管控单元编码", "单元编码")
