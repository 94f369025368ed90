"""The messages catalogue: every key the code uses exists, in Chinese and English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from gis.text import Text
from ui.i18n import messages, tr

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        for match in re.finditer(r"""\b(?:t|tr)\(\s*["']([a-z_]+\.[a-z_0-9]+)["']""", path.read_text(encoding="utf-8")):
            keys.add(match.group(1))
    return keys


def test_sources_use_the_catalogue() -> None:
    """Guards the scan itself: a broken regex would make the next test pass vacuously."""
    assert len(_used_keys()) > 150


@pytest.mark.parametrize("key", sorted(_used_keys()))
def test_used_key_exists(key: str) -> None:
    assert key in messages(), f"{key} is used in the code but missing from data/messages.yaml"


@pytest.mark.parametrize("prefix,names", [
    ("verdict", ["prohibited", "conditional", "review", "clear"]),
    ("verdict_explain", ["prohibited", "conditional", "review", "clear"]),
    ("relation", ["intersects", "within_distance", "near_boundary"]),
    ("crs", ["auto", "EPSG:4490", "EPSG:4326", "gcj02", "bd09"]),
    ("screen", ["mode_draw", "mode_upload", "mode_typed", "kind_auto", "kind_point", "kind_line", "kind_polygon"]),
    ("public", ["rules_prohibited", "rules_conditional", "rules_review"]),
])  # fmt: skip
def test_keys_built_at_run_time_exist(prefix: str, names: list[str]) -> None:
    missing = [f"{prefix}.{n}" for n in names if f"{prefix}.{n}" not in messages()]
    assert not missing


def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    fmt = string.Formatter()
    problems = []
    for key, entry in messages().items():
        if not entry["zh"].strip() or not entry["en"].strip():
            problems.append(f"{key}: empty text")
            continue
        zh = {f for _, f, _, _ in fmt.parse(entry["zh"]) if f}
        en = {f for _, f, _, _ in fmt.parse(entry["en"]) if f}
        if zh != en:
            problems.append(f"{key}: placeholders {zh} != {en}")
    assert not problems


def test_chinese_is_chinese() -> None:
    """The zh text of UI labels contains Chinese (catches an English string pasted in zh)."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # full-width punctuation only; the language button names the other language
    exempt = {"crs.EPSG:4326", "report.colon", "site.colon", "site.lang"}
    not_chinese = [k for k, e in messages().items() if k not in exempt and not cjk.search(e["zh"]) and e["zh"] != e["en"]]
    assert not not_chinese


def test_tr_formats_and_falls_back_to_chinese() -> None:
    assert tr("batch.progress", "zh", done=3, total=10) == "正在筛查：3/10"
    assert tr("batch.progress", "en", done=3, total=10) == "Screening: 3/10"
    with pytest.raises(KeyError):
        tr("no.such_key", "zh")


@pytest.mark.parametrize("text,zh,en", [
    (Text("CSV 编码 GBK", "CSV encoding GBK"), "CSV 编码 GBK", "CSV encoding GBK"),
    (Text("坐标列：经度、纬度", "coordinate columns: 经度, 纬度"), "坐标列：经度、纬度", "coordinate columns: 经度, 纬度"),
    # a plain string (even one that looks joined) is shown as it is: nothing is split
    ("CSV 编码 GBK / CSV encoding GBK", "CSV 编码 GBK / CSV encoding GBK", "CSV 编码 GBK / CSV encoding GBK"),
    ("只有中文", "只有中文", "只有中文"),
])  # fmt: skip
def test_one_language_keeps_the_users_half_of_a_core_note(text: str, zh: str, en: str) -> None:
    from ui.i18n import one_language

    assert (one_language(text, "zh"), one_language(text, "en")) == (zh, en)
