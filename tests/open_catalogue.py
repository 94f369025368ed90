"""An open catalogue for tests: the packaged catalogue and rules plus a made-up layer type.

采矿权 (``mining_right``, zone field ``status`` 有效/过期) with two rules: MR01 (valid right:
conditional for every type but mining and research) and MR02 (expired: review for all).
Written to tmp files, as a deployment would keep them beside its store.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from layers.paths import CATALOG_PATH, RULES_PATH

__all__ = ["write_open_catalogue"]


def write_open_catalogue(tmp_path: Path) -> tuple[Path, Path]:
    """The packaged catalogue plus 采矿权 (mining_right, zone field status 有效/过期) and the
    packaged rules plus two rules on it, written to tmp files."""
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    catalog["layers"]["mining_right"] = {
        "title": {"zh": "采矿权", "en": "Mining right"},
        "geometry": "polygon",
        "zone_field": "status",
        "fields": {
            "name": {"required": True, "title": {"zh": "矿山名称", "en": "Name"}, "column_aliases": ["矿山名称"]},
            "status": {"required": True, "values": ["有效", "过期"], "aliases": {"已过期": "过期"},
                       "title": {"zh": "状态", "en": "Status"}},
        },
    }  # fmt: skip
    rules = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    base = {"layer": "mining_right", "predicate": "intersects", "basis": [{"law": "某省矿产资源管理条例（示例）"}],
            "confidence": "unverified", "effective_date": None}  # fmt: skip
    rules["rules"] += [
        {**base, "id": "MR01", "zones": ["有效"], "types": {"except": ["mining", "research_monitoring"]},
         "verdict": "conditional", "condition": {"zh": "压覆矿产资源须经审批", "en": "Overlying a mining right needs approval"}},
        {**base, "id": "MR02", "zones": ["过期"], "types": "all", "verdict": "review",
         "condition": {"zh": "采矿权已过期，须核实矿山是否关闭", "en": "Expired mining right: check the mine is closed"}},
    ]  # fmt: skip
    cat_path, rules_path = tmp_path / "catalog.yaml", tmp_path / "rules.yaml"
    cat_path.write_text(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cat_path, rules_path
