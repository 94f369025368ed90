"""The statutory rule matrix and the project-type catalogue: load, type and validate them.

The law lives in ``data/rules.yaml`` (one row per rule, semantics documented at the top of
that file) and ``data/project_types.yaml``; this module turns them into frozen dataclasses
and refuses a file with any bad entry, listing *every* problem in one ``RuleConfigError``.

Examples
--------
>>> rules = load_rules()
>>> [r.id for r in rules.applicable("sewage_outfall") if r.layer == "water_source"]
['DWS01', 'DWS05', 'DWS10']
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from gis.errors import InputError, Label, LimitError, RuleConfigError, zh_label
from gis.limits import CONFIG_BYTES, read_limited
from layers.paths import CATALOG_PATH, PROJECT_TYPES_PATH, RULES_PATH
from zoning._catalog_schema import LayerSchema, load_layer_schemas

__all__ = [
    "AttributeSpec",
    "ProjectType",
    "ProjectTypes",
    "Condition",
    "Rule",
    "RuleSet",
    "Predicate",
    "PREDICATES",
    "RULE_VERDICTS",
    "load_project_types",
    "load_rules",
    "parse_attribute_value",
    "parse_bool",
]

log = logging.getLogger(__name__)

#: Verdicts a rule row may give (``clear`` is the absence of a row).
RULE_VERDICTS = ("prohibited", "conditional", "review")
CONFIDENCES = ("verified", "unverified")
ATTRIBUTE_TYPES = ("bool", "int")

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "对", "有", "真"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "不", "无", "假"})


# --- predicates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """A spatial relation a rule may require between the project and a zone feature.

    ``fires(distance_m, rule)`` decides from the shortest planar distance (0 when they
    intersect); ``reach_m(rule)`` is how far the engine must look for candidates.
    """

    name: str
    params: tuple[str, ...]
    fires: Callable[[float, Rule], bool]
    reach_m: Callable[[Rule], float]
    title_zh: str
    title_en: str


def _intersects(distance_m: float, rule: Rule) -> bool:
    return distance_m == 0.0


def _within_distance(distance_m: float, rule: Rule) -> bool:
    return distance_m <= (rule.distance_m or 0.0)


#: Registry of the predicates a rules file may name (pygeoapi-style plugin dict).
PREDICATES: dict[str, Predicate] = {
    "intersects": Predicate("intersects", (), _intersects, lambda r: 0.0, "相交", "intersects"),
    "within_distance": Predicate(
        "within_distance",
        ("distance_m",),
        _within_distance,
        lambda r: float(r.distance_m or 0.0),
        "距离以内",
        "within distance",
    ),
}


# --- project types -----------------------------------------------------------------------

# What a type or attribute value is called in messages when the caller names nothing more precise.
_PROJECT_TYPE = Label("project type", "项目类型")
_ATTRIBUTE = Label("attribute", "属性")


@dataclass(frozen=True)
class AttributeSpec:
    """A project attribute from RULES.md (``scale_head``, ``unavoidable``...)."""

    name: str
    type: Literal["bool", "int"]
    label_zh: str
    label_en: str
    default: bool | int | None = None
    min: int | None = None
    threshold: int | None = None
    threshold_label_zh: str = ""
    threshold_label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    #: Column names a batch file may use for it (存栏, 年出栏 ...), for guessing column maps.
    aliases: tuple[str, ...] = ()

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class ProjectType:
    """A project type the user picks (``livestock_farm``, ``road``...)."""

    key: str
    label_zh: str
    label_en: str
    attributes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    group_zh: str = ""
    group_en: str = ""

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class ProjectTypes:
    """The project-type catalogue: types, their attributes and the names users may write."""

    types: Mapping[str, ProjectType]
    attributes: Mapping[str, AttributeSpec]
    path: str = ""
    sha256: str = ""
    _names: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.types)

    @property
    def scale_threshold(self) -> int | None:
        """The livestock scale threshold (head), from ``scale_head.threshold``."""
        spec = self.attributes.get("scale_head")
        return spec.threshold if spec else None

    def resolve(self, name: str, *, source: str = _PROJECT_TYPE) -> str:
        """The type key for a key, a zh/en label or an alias (e.g. 道路 -> ``road``).

        Raises
        ------
        InputError
            If the name is unknown; the message lists the accepted keys.
        """
        text = str(name).strip()
        key = self._names.get(text) or self._names.get(text.lower())
        if key is None:
            choices = ", ".join(f"{k} ({t.label_zh})" for k, t in self.types.items())
            msg = f"{source} {text!r} is not a known project type; expected one of: {choices}"
            labels = "、".join(t.label_zh for t in self.types.values())
            example = next(iter(self.types), "road")
            zh = f"{zh_label(source)}“{text}”无法识别；可选的项目类型：{labels}（也可填写英文代码，如 {example}）"
            raise InputError(msg, zh=zh)
        return key

    def attributes_of(self, key: str) -> tuple[AttributeSpec, ...]:
        return tuple(self.attributes[a] for a in self.types[key].attributes)

    def parse_attributes(self, key: str, raw: Mapping[str, Any], *, source: str = _ATTRIBUTE) -> dict[str, Any]:
        """Validate and convert the attributes given for a project of type ``key``.

        Raises
        ------
        InputError
            For an attribute the type does not take, or a value of the wrong kind.
        """
        taken = self.types[key].attributes
        out: dict[str, Any] = {}
        for name, value in raw.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue  # an empty form field or cell: not given
            if name not in taken:
                known = "unknown attribute" if name not in self.attributes else "attribute"
                msg = (
                    f"{source} {name!r}: {known} for project type {key!r} ({self.types[key].label_zh}); "
                    f"this type takes: {', '.join(taken)}"
                )
                what = "未知" if name not in self.attributes else "不适用于该项目类型"
                taken_zh = "、".join(f"{self.attributes[a].label_zh}（{a}）" for a in taken) or "无"
                zh = (
                    f"{zh_label(source)}“{name}”{what}；项目类型“{self.types[key].label_zh}”（{key}）"
                    f"可填写的属性：{taken_zh}"
                )
                raise InputError(msg, zh=zh)
            where = Label(f"{source} {name!r}", f"{zh_label(source)}“{name}”")
            out[name] = parse_attribute_value(self.attributes[name], value, source=where)
        return out


def parse_bool(value: Any, *, source: str) -> bool:
    """Parse 是/否, true/false, yes/no, 1/0 (and real booleans) into a bool.

    Raises
    ------
    InputError
        Naming ``source`` and the bad value.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    msg = f"{source}: value {value!r} is not a yes/no value; expected 是/否, true/false, yes/no or 1/0"
    zh = f"{zh_label(source)}：值“{value}”不是“是/否”；应为 是/否、true/false、yes/no 或 1/0"
    raise InputError(msg, zh=zh)


def parse_attribute_value(spec: AttributeSpec, value: Any, *, source: str) -> bool | int:
    """Convert one attribute value according to its spec (bool or non-negative int)."""
    if spec.type == "bool":
        return parse_bool(value, source=source)
    if isinstance(value, bool):
        number: float | None = None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            number = float(text)
        except ValueError:
            number = None
    if number is not None and not math.isfinite(number):
        # NaN and 1e400 (= inf) are numbers to float() but no count of anything.
        msg = f"{source}: value {value!r} is not a finite number; expected a whole number such as 2000 ({spec.label_zh} / {spec.label_en})"
        zh = f"{zh_label(source)}：值“{value}”不是有限的数值；{spec.label_zh}应填写整数，如 2000"
        raise InputError(msg, zh=zh)
    if number is None or number != int(number):
        msg = f"{source}: value {value!r} is not a whole number; expected e.g. 2000 ({spec.label_zh} / {spec.label_en})"
        zh = f"{zh_label(source)}：值“{value}”不是整数；{spec.label_zh}应填写整数，如 2000"
        raise InputError(msg, zh=zh)
    if spec.min is not None and number < spec.min:
        msg = f"{source}: value {value!r} is below the minimum {spec.min} ({spec.label_zh} / {spec.label_en})"
        zh = f"{zh_label(source)}：值“{value}”小于最小值 {spec.min}（{spec.label_zh}）"
        raise InputError(msg, zh=zh)
    return int(number)


# --- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One project-attribute condition of a rule (``when`` in rules.yaml).

    ``op`` is ``eq`` (value or default equals ``value``), ``missing`` (not given and no
    default), ``gte`` / ``lt`` (given and compared with ``value``).
    """

    attribute: str
    op: Literal["eq", "missing", "gte", "lt"]
    value: bool | int | None = None

    def holds(self, attributes: Mapping[str, Any], spec: AttributeSpec) -> bool:
        given = attributes.get(self.attribute)
        if self.op == "missing":
            return given is None and not spec.has_default
        if self.op == "eq":
            actual = given if given is not None else spec.default
            return actual is not None and actual == self.value
        if given is None:
            return False
        if self.op == "gte":
            return bool(given >= self.value)
        return bool(given < self.value)

    def uses_default(self, attributes: Mapping[str, Any], spec: AttributeSpec) -> bool:
        """True when deciding this condition relied on the attribute's default or absence."""
        return attributes.get(self.attribute) is None

    def describe(self, lang: str = "zh") -> str:
        if self.op == "missing":
            return f"{self.attribute} 未填写" if lang == "zh" else f"{self.attribute} not given"
        sym = {"eq": "=", "gte": "≥", "lt": "<"}[self.op]
        value = str(self.value).lower() if isinstance(self.value, bool) else str(self.value)
        return f"{self.attribute}{sym}{value}"


@dataclass(frozen=True)
class Rule:
    """One row of the rule matrix (see the top of data/rules.yaml for the semantics)."""

    id: str
    layer: str
    zones: tuple[str, ...]
    types: frozenset[str]
    types_text: str
    verdict: Literal["prohibited", "conditional", "review"]
    condition_zh: str
    condition_en: str
    basis: str
    confidence: Literal["verified", "unverified"]
    predicate: str = "intersects"
    distance_m: float | None = None
    when: tuple[Condition, ...] = ()
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    where_not: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: bool = False
    retired: bool = False
    effective_date: str | None = None
    note: str = ""

    def condition(self, lang: str = "zh") -> str:
        return self.condition_en if lang == "en" else self.condition_zh

    def applies_to_zone(self, zone: str | None) -> bool:
        return not self.zones or zone in self.zones

    def applies_to_feature(self, attrs: Mapping[str, Any]) -> bool:
        """Whether a zone feature's attributes pass ``where`` / ``where_not``."""
        for name, values in self.where.items():
            if _text(attrs.get(name)) not in values:
                return False
        return all(_text(attrs.get(name)) not in values for name, values in self.where_not.items())

    def conditions_hold(self, attributes: Mapping[str, Any], specs: Mapping[str, AttributeSpec]) -> bool:
        return all(c.holds(attributes, specs[c.attribute]) for c in self.when)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True, eq=False)  # identity semantics: the engine caches per loaded rule set
class RuleSet:
    """The validated rule matrix with the project types it refers to."""

    rules: tuple[Rule, ...]
    project_types: ProjectTypes
    path: str = ""
    sha256: str = ""

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def active(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.retired)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        msg = f"rule {rule_id!r} is not in {self.path or 'the rule set'}"
        raise KeyError(msg)

    def for_layer(self, layer: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.active if r.layer == layer)

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.layer for r in self.active))

    def applicable(self, project_type: str) -> list[Rule]:
        """The active rules that can fire for ``project_type`` (a key, label or alias),
        whatever its attributes, in file order."""
        key = self.project_types.resolve(project_type)
        return [r for r in self.active if key in r.types]


# --- loading -----------------------------------------------------------------------------


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


def _read_yaml(path: Path, what: str) -> tuple[Any, str]:
    try:
        # Held to the config-size limit: `--rules /dev/zero` is refused, not read until memory runs out.
        what_zh = "规则文件" if what == "rules" else "项目类型文件"
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


def _bilingual(value: Any, where: str, problems: list[str]) -> tuple[str, str]:
    if not isinstance(value, Mapping) or not str(value.get("zh") or "").strip():
        problems.append(f"{where}: expected a mapping with non-empty 'zh' (and 'en') text, got {value!r}")
        return "", ""
    en = str(value.get("en") or "").strip()
    if not en:
        problems.append(f"{where}: missing the English text 'en'")
    return str(value["zh"]).strip(), en


def load_project_types(path: str | Path | None = None) -> ProjectTypes:
    """Load and validate ``data/project_types.yaml`` (or ``path``).

    Raises
    ------
    RuleConfigError
        Listing every problem (file, type or attribute, field, bad value, allowed values).
    """
    path = Path(path) if path is not None else PROJECT_TYPES_PATH
    data, sha = _read_yaml(path, "project-types")
    problems: list[str] = []
    if not isinstance(data, Mapping) or not isinstance(data.get("types"), Mapping):
        msg = f"{path}: expected a mapping with 'attributes' and 'types'"
        raise RuleConfigError(msg)
    attributes = _parse_attributes(data.get("attributes") or {}, str(path), problems)
    types: dict[str, ProjectType] = {}
    for key, entry in data["types"].items():
        pt = _parse_type(str(key), entry, attributes, f"{path} type {key!r}", problems)
        if pt is not None:
            types[pt.key] = pt
    names = _name_index(types, str(path), problems)
    if problems:
        raise RuleConfigError(_problem_message(path, problems))
    return ProjectTypes(types=types, attributes=attributes, path=str(path), sha256=sha, _names=names)


def _parse_attributes(raw: Any, where: str, problems: list[str]) -> dict[str, AttributeSpec]:
    if not isinstance(raw, Mapping):
        problems.append(f"{where} attributes: expected a mapping of attribute name -> spec")
        return {}
    out: dict[str, AttributeSpec] = {}
    for name, entry in raw.items():
        at = f"{where} attribute {name!r}"
        if not isinstance(entry, Mapping):
            problems.append(f"{at}: expected a mapping")
            continue
        kind = entry.get("type")
        if kind not in ATTRIBUTE_TYPES:
            problems.append(f"{at} field 'type': {kind!r} is not one of {list(ATTRIBUTE_TYPES)}")
            continue
        default = entry.get("default")
        pytype = bool if kind == "bool" else int
        if default is not None and type(default) is not pytype:
            problems.append(f"{at} field 'default': {default!r} is not a {kind}")
        label_zh, label_en = _bilingual(entry.get("label"), f"{at} field 'label'", problems)
        help_zh, help_en = _bilingual(entry["help"], f"{at} field 'help'", problems) if "help" in entry else ("", "")
        tl_zh, tl_en = (
            _bilingual(entry["threshold_label"], f"{at} field 'threshold_label'", problems)
            if "threshold_label" in entry
            else ("", "")
        )
        for num in ("min", "threshold"):
            if entry.get(num) is not None and (kind != "int" or type(entry[num]) is not int):
                problems.append(f"{at} field {num!r}: {entry[num]!r} must be a whole number on an int attribute")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            problems.append(f"{at} field 'aliases': expected a list of column names, got {aliases!r}")
            aliases = []
        out[str(name)] = AttributeSpec(
            name=str(name),
            type=kind,
            label_zh=label_zh,
            label_en=label_en,
            default=default,
            min=entry.get("min"),
            threshold=entry.get("threshold"),
            threshold_label_zh=tl_zh,
            threshold_label_en=tl_en,
            help_zh=help_zh,
            help_en=help_en,
            aliases=tuple(a.strip() for a in aliases),
        )
    return out


def _parse_type(
    key: str, entry: Any, attributes: Mapping[str, AttributeSpec], at: str, problems: list[str]
) -> ProjectType | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{at}: expected a mapping")
        return None
    label_zh, label_en = _bilingual(entry.get("label"), f"{at} field 'label'", problems)
    group_zh, group_en = _bilingual(entry["group"], f"{at} field 'group'", problems) if "group" in entry else ("", "")
    attrs = tuple(str(a) for a in entry.get("attributes") or ())
    for a in attrs:
        if a not in attributes:
            problems.append(f"{at} field 'attributes': {a!r} is not one of {sorted(attributes)}")
    aliases = tuple(str(a).strip() for a in entry.get("aliases") or ())
    return ProjectType(key, label_zh, label_en, attrs, aliases, group_zh, group_en)


def _name_index(types: Mapping[str, ProjectType], where: str, problems: list[str]) -> dict[str, str]:
    """Every name a user may write -> type key; a name claimed by two types is a problem."""
    names: dict[str, str] = {}
    for key, pt in types.items():
        candidates = [key, key.lower(), pt.label_zh, pt.label_en, pt.label_en.lower(), *pt.aliases]
        candidates += [a.lower() for a in pt.aliases]
        for name in dict.fromkeys(c for c in candidates if c):
            other = names.get(name)
            if other is not None and other != key:
                problems.append(f"{where} type {key!r}: name {name!r} is also used by type {other!r}")
            names.setdefault(name, key)
    return names


def _problem_message(path: Path | str, problems: Iterable[str]) -> str:
    items = list(problems)
    head = f"{path}: {len(items)} problem{'s' if len(items) != 1 else ''}:"
    return "\n".join([head, *(f"  - {p}" for p in items)])


def load_rules(
    path: str | Path | None = None,
    *,
    project_types: ProjectTypes | None = None,
    catalog_path: str | Path | None = None,
) -> RuleSet:
    """Load and validate the rule matrix ``data/rules.yaml`` (or ``path``).

    Parameters
    ----------
    path
        The rules file; default ``data/rules.yaml`` of the package.
    project_types
        The project-type catalogue the rules refer to; default ``load_project_types()``.
    catalog_path
        The layer catalogue the rules are checked against; default ``data/catalog.yaml``.

    Raises
    ------
    RuleConfigError
        One error listing every problem: unknown layer, zone value, feature field, project
        type, attribute, verdict, predicate, confidence, missing text or duplicate id —
        each with the file, the rule id, the field, the bad value and the allowed values.
    """
    path = Path(path) if path is not None else RULES_PATH
    types = project_types if project_types is not None else load_project_types()
    schemas = load_layer_schemas(Path(catalog_path) if catalog_path is not None else CATALOG_PATH)
    data, sha = _read_yaml(path, "rules")
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        msg = f"{path}: expected a mapping with a 'rules' list"
        raise RuleConfigError(msg)
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(data["rules"]):
        rid = str(entry.get("id")) if isinstance(entry, Mapping) and entry.get("id") else f"#{i + 1}"
        if rid in seen:
            problems.append(f"rule {rid!r}: duplicate id (also rule #{seen[rid] + 1}); ids are unique and never reused")
        seen.setdefault(rid, i)
        rule = _parse_rule(rid, entry, schemas, types, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise RuleConfigError(_problem_message(path, problems))
    return RuleSet(rules=tuple(rules), project_types=types, path=str(path), sha256=sha)


_RULE_FIELDS = frozenset(
    {
        "id", "layer", "zones", "where", "where_not", "types", "when", "predicate", "distance_m",
        "fallback", "retired", "verdict", "condition", "basis", "confidence", "effective_date", "note",
    }
)  # fmt: skip


_RULE_ID_RE = re.compile(r"[A-Z]{2,4}[0-9]{2,3}")


def _parse_rule(
    rid: str, entry: Any, schemas: Mapping[str, LayerSchema], types: ProjectTypes, problems: list[str]
) -> Rule | None:
    at = f"rule {rid!r}"
    if not isinstance(entry, Mapping):
        problems.append(f"{at}: expected a mapping, got {entry!r}")
        return None
    n_before = len(problems)
    for key in entry:
        if key not in _RULE_FIELDS:
            problems.append(f"{at}: unknown field {key!r}; allowed fields: {sorted(_RULE_FIELDS)}")
    if not rid[:1].isalpha():
        problems.append(f"{at} field 'id': missing; expected a stable code such as DWS01")
    elif not _RULE_ID_RE.fullmatch(rid):
        problems.append(f"{at} field 'id': {rid!r} is not a rule code; expected 2-4 capital letters and 2-3 digits, such as DWS01")
    schema = _check_layer(at, entry.get("layer"), schemas, problems)
    zones = _check_zones(at, entry.get("zones"), schema, problems)
    where = _check_filter(at, "where", entry.get("where"), schema, problems)
    where_not = _check_filter(at, "where_not", entry.get("where_not"), schema, problems)
    type_set, types_text = _check_types(at, entry.get("types"), types, problems)
    when = _check_when(at, entry.get("when"), type_set, types, problems)
    predicate, distance_m = _check_predicate(at, entry, problems)
    verdict = _check_choice(at, "verdict", entry.get("verdict"), RULE_VERDICTS, problems)
    confidence = _check_choice(at, "confidence", entry.get("confidence"), CONFIDENCES, problems)
    cond_zh, cond_en = _bilingual(entry.get("condition"), f"{at} field 'condition'", problems)
    basis = _check_basis(at, entry.get("basis"), problems)
    effective = _check_date(at, entry.get("effective_date"), problems)
    flags = {k: _check_flag(at, k, entry.get(k, False), problems) for k in ("fallback", "retired")}
    if len(problems) > n_before:
        return None
    return Rule(
        id=rid,
        layer=str(entry["layer"]),
        zones=zones,
        types=type_set,
        types_text=types_text,
        verdict=verdict,  # type: ignore[arg-type]
        condition_zh=cond_zh,
        condition_en=cond_en,
        basis=basis,
        confidence=confidence,  # type: ignore[arg-type]
        predicate=predicate,
        distance_m=distance_m,
        when=when,
        where=where,
        where_not=where_not,
        fallback=flags["fallback"],
        retired=flags["retired"],
        effective_date=effective,
        note=str(entry.get("note") or "").strip(),
    )


def _check_layer(at: str, layer: Any, schemas: Mapping[str, LayerSchema], problems: list[str]) -> LayerSchema | None:
    ruled = sorted(k for k, s in schemas.items() if s.zone_field)
    if layer in schemas and schemas[str(layer)].zone_field:
        return schemas[str(layer)]
    problems.append(f"{at} field 'layer': {layer!r} is not one of {ruled}")
    return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _check_zones(at: str, zones: Any, schema: LayerSchema | None, problems: list[str]) -> tuple[str, ...]:
    if zones is None:
        return ()
    values = [str(z) for z in _as_list(zones)]
    if schema is not None:
        allowed = schema.zone_values
        for z in values:
            if z not in allowed:
                problems.append(
                    f"{at} field 'zones': {z!r} is not a {schema.layer}.{schema.zone_field} value {list(allowed)}"
                )
    return tuple(values)


def _check_filter(
    at: str, name: str, raw: Any, schema: LayerSchema | None, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{at} field {name!r}: expected a mapping field -> value(s), got {raw!r}")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for fname, value in raw.items():
        values = tuple(str(v) for v in _as_list(value))
        out[str(fname)] = values
        if schema is None:
            continue
        if fname not in schema.fields:
            problems.append(
                f"{at} field {name!r}: {fname!r} is not a field of layer {schema.layer} {sorted(schema.fields)}"
            )
            continue
        allowed = schema.fields[fname]
        for v in values:
            if allowed and v not in allowed:
                problems.append(
                    f"{at} field {name!r}: {schema.layer}.{fname} value {v!r} is not one of {list(allowed)}"
                )
    return out


def _check_types(at: str, raw: Any, types: ProjectTypes, problems: list[str]) -> tuple[frozenset[str], str]:
    known = list(types.keys)
    if raw == "all":
        return frozenset(known), "all"
    if isinstance(raw, Mapping) and set(raw) == {"except"}:
        excluded = [str(t) for t in _as_list(raw["except"])]
        for t in excluded:
            if t not in types.types:
                problems.append(f"{at} field 'types.except': {t!r} is not a project type {known}")
        return frozenset(k for k in known if k not in excluded), "all except " + ", ".join(excluded)
    if isinstance(raw, list) and raw:
        listed = [str(t) for t in raw]
        for t in listed:
            if t not in types.types:
                problems.append(f"{at} field 'types': {t!r} is not a project type {known}")
        return frozenset(listed), ", ".join(listed)
    problems.append(f"{at} field 'types': {raw!r} is not 'all', a list of project types or {{except: [...]}}")
    return frozenset(), ""


def _check_when(
    at: str, raw: Any, type_set: frozenset[str], types: ProjectTypes, problems: list[str]
) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        problems.append(f"{at} field 'when': expected a mapping attribute -> condition, got {raw!r}")
        return ()
    out: list[Condition] = []
    for name, cond in raw.items():
        spec = types.attributes.get(str(name))
        if spec is None:
            problems.append(f"{at} field 'when': attribute {name!r} is not one of {sorted(types.attributes)}")
            continue
        lacking = sorted(t for t in type_set if t in types.types and name not in types.types[t].attributes)
        if lacking:
            problems.append(f"{at} field 'when': attribute {name!r} is not taken by project type(s) {lacking}")
        parsed = _parse_condition(at, spec, cond, problems)
        if parsed is not None:
            out.append(parsed)
    return tuple(out)


def _parse_condition(at: str, spec: AttributeSpec, cond: Any, problems: list[str]) -> Condition | None:
    where = f"{at} field 'when.{spec.name}'"
    if cond == "missing":
        if spec.has_default:
            problems.append(f"{where}: 'missing' never holds, the attribute has the default {spec.default!r}")
        return Condition(spec.name, "missing")
    if isinstance(cond, bool):
        if spec.type != "bool":
            problems.append(f"{where}: {cond!r} compares a {spec.type} attribute with a yes/no value")
        return Condition(spec.name, "eq", cond)
    if isinstance(cond, Mapping) and len(cond) == 1 and next(iter(cond)) in ("gte", "lt"):
        op, value = next(iter(cond.items()))
        if spec.type != "int":
            problems.append(f"{where}: {op!r} needs a numeric attribute, {spec.name!r} is {spec.type}")
            return None
        if value == "threshold":
            if spec.threshold is None:
                problems.append(f"{where}: 'threshold' used but attribute {spec.name!r} defines no threshold")
                return None
            value = spec.threshold
        if type(value) is not int:
            problems.append(f"{where}: {value!r} is not a whole number or 'threshold'")
            return None
        return Condition(spec.name, op, value)
    problems.append(f"{where}: {cond!r} is not one of true, false, missing, {{gte: N|threshold}}, {{lt: N|threshold}}")
    return None


def _check_predicate(at: str, entry: Mapping[str, Any], problems: list[str]) -> tuple[str, float | None]:
    name = entry.get("predicate", "intersects")
    pred = PREDICATES.get(str(name))
    if pred is None:
        problems.append(f"{at} field 'predicate': {name!r} is not one of {sorted(PREDICATES)}")
        return str(name), None
    distance = entry.get("distance_m")
    if "distance_m" in pred.params:
        if isinstance(distance, bool) or not isinstance(distance, int | float) or distance <= 0:
            problems.append(f"{at} field 'distance_m': {distance!r} must be a positive number of metres for {name}")
            return pred.name, None
        return pred.name, float(distance)
    if distance is not None:
        problems.append(f"{at} field 'distance_m': only used with within_distance, not with {name}")
    return pred.name, None


def _check_choice(at: str, fname: str, value: Any, allowed: tuple[str, ...], problems: list[str]) -> str:
    if value not in allowed:
        problems.append(f"{at} field {fname!r}: {value!r} is not one of {list(allowed)}")
    return str(value)


def _check_basis(at: str, raw: Any, problems: list[str]) -> str:
    items = raw if isinstance(raw, list) else None
    parts: list[str] = []
    for item in items or []:
        if not isinstance(item, Mapping) or not str(item.get("law") or "").strip():
            problems.append(f"{at} field 'basis': entry {item!r} needs a 'law' (and optional 'article')")
            continue
        parts.append(str(item["law"]).strip() + str(item.get("article") or "").strip())
    if not items:
        problems.append(f"{at} field 'basis': expected a non-empty list of {{law, article}}, got {raw!r}")
    return "；".join(parts)


def _check_date(at: str, raw: Any, problems: list[str]) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    try:
        return _dt.date.fromisoformat(str(raw)).isoformat()
    except ValueError:
        problems.append(f"{at} field 'effective_date': {raw!r} is not an ISO date (YYYY-MM-DD) or null")
        return None


def _check_flag(at: str, fname: str, value: Any, problems: list[str]) -> bool:
    if not isinstance(value, bool):
        problems.append(f"{at} field {fname!r}: {value!r} is not true or false")
        return False
    return value
