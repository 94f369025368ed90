"""Reading the YAML data files of the rules (rule matrix, project types): shared helpers.

Every loader collects its problems in a list and raises one ``RuleConfigError`` listing them
(``problem_message``); these helpers read the file and check the zh/en text pairs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from gis.errors import Label, LimitError, RuleConfigError
from gis.limits import CONFIG_BYTES, read_limited

__all__ = ["read_yaml", "bilingual", "problem_message"]

log = logging.getLogger(__name__)


def _parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when present (10x faster: the rule matrix is read at
    every process start); a document libyaml refuses is parsed again by the pure-Python
    loader so the error message is the same everywhere."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
    except yaml.YAMLError as err:
        log.debug("libyaml refused the document (%s); parsing it again in Python for the message", err)
        return yaml.safe_load(text)


def read_yaml(path: Path, what: str) -> tuple[Any, str]:
    try:
        # Held to the config-size limit: `--rules /dev/zero` is refused, not read until memory runs out.
        what_zh = {"rules": "规则文件", "project-types": "项目类型文件", "catalogue": "图层目录文件"}.get(what, f"{what} 文件")
        raw = read_limited(path, CONFIG_BYTES, Label(f"{what} file {path}", f"{what_zh} {path}"))
    except LimitError:
        raise
    except OSError as err:
        msg = f"{what} file {str(path)!r} cannot be read: {err.strerror or err}"
        raise RuleConfigError(msg) from err
    try:
        data = _parse_yaml(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        msg = f"{what} file {str(path)!r} is not valid UTF-8 YAML: {err}"
        raise RuleConfigError(msg) from err
    return data, hashlib.sha256(raw).hexdigest()


def bilingual(value: Any, where: str, problems: list[str]) -> tuple[str, str]:
    if not isinstance(value, Mapping) or not str(value.get("zh") or "").strip():
        problems.append(f"{where}: expected a mapping with non-empty 'zh' (and 'en') text, got {value!r}")
        return "", ""
    en = str(value.get("en") or "").strip()
    if not en:
        problems.append(f"{where}: missing the English text 'en'")
    return str(value["zh"]).strip(), en



def problem_message(path: Path | str, problems: Iterable[str]) -> str:
    items = list(problems)
    head = f"{path}: {len(items)} problem{'s' if len(items) != 1 else ''}:"
    return "\n".join([head, *(f"  - {p}" for p in items)])
