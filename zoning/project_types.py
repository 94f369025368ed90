"""The project-type catalogue (data/project_types.yaml): types, their attributes, the names users write.

Loaded and validated as a whole (one ``RuleConfigError`` listing every problem); rules in
data/rules.yaml refer to the type keys and attribute names defined here. Attributes are
``bool``, ``int`` or ``choice`` (one of listed text values, e.g. 建设性质 新建/改建/扩建).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gis.errors import InputError, Label, RuleConfigError, zh_label
from layers.paths import PROJECT_TYPES_PATH
from zoning._yaml import bilingual, problem_message, read_yaml

__all__ = [
    "ATTRIBUTE_TYPES",
    "AttributeSpec",
    "ProjectType",
    "ProjectTypes",
    "load_project_types",
    "parse_attribute_value",
    "parse_bool",
    "match_column",
    "attribute_columns",
    "GEOMETRY_KINDS",
]

ATTRIBUTE_TYPES = ("bool", "int", "choice")

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "对", "有", "真"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "不", "无", "假"})

# --- project types -----------------------------------------------------------------------

# What a type or attribute value is called in messages when the caller names nothing more precise.
_PROJECT_TYPE = Label("project type", "项目类型")
_ATTRIBUTE = Label("attribute", "属性")


@dataclass(frozen=True)
class AttributeSpec:
    """A project attribute from RULES.md (``scale_head``, ``unavoidable``...)."""

    name: str
    type: Literal["bool", "int", "choice"]
    label_zh: str
    label_en: str
    default: bool | int | str | None = None
    min: int | None = None
    threshold: int | None = None
    threshold_label_zh: str = ""
    threshold_label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    #: Column names a batch file may use for it (存栏, 年出栏 ...), for guessing column maps.
    aliases: tuple[str, ...] = ()
    #: The values of a ``choice`` attribute (建设性质: 新建, 改建, 扩建), their other spellings
    #: (``new`` -> 新建) and English names.
    values: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    labels_en: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_default(self) -> bool:
        return self.default is not None

    def value_label(self, value: Any, lang: str = "zh") -> str:
        """A value as shown to a reader (是/否 or true/false for bools, the English name of a choice)."""
        if self.type == "bool":
            return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        if self.type == "choice" and lang == "en":
            return self.labels_en.get(str(value), str(value))
        return str(value)


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
    #: What such a project usually looks like (``plausible`` in the file; warnings only):
    #: the geometries it is drawn as, and the usual size of a polygon (ha) or a line (km).
    geometries: tuple[str, ...] = ()
    area_ha: tuple[float, float] | None = None
    length_km: tuple[float, float] | None = None

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

    def parse_attributes(self, key: str, raw: Mapping[str, Any], *, source: str = _ATTRIBUTE,
                         names: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Validate and convert the attributes given for a project of type ``key``.

        ``names`` (attribute -> what the user calls it: the file's own column, ``年出栏（头）``)
        name a refused value as the user knows it, never by the attribute's key.

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
            shown = (names or {}).get(name, name)
            where = Label(f"{source} {shown!r}", f"{zh_label(source)}“{shown}”")
            out[name] = parse_attribute_value(self.attributes[name], value, source=where)
        return out


def match_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first of ``columns`` named like a candidate: exactly (case and spaces aside), else
    one whose name holds a candidate of two or more characters (``年出栏（头）`` for 年出栏).

    Examples
    --------
    >>> match_column(["场名", "年出栏（头）"], ["scale_head", "存栏", "年出栏"])
    '年出栏（头）'
    """
    from zoning.columns import guess_column

    found = guess_column(columns, candidates)
    return str(columns[found]) if found is not None else None


def attribute_columns(columns: Sequence[str], spec: AttributeSpec) -> str | None:
    """The column of a file that holds ``spec``'s attribute: named by the attribute, its
    Chinese label or one of its aliases (see :func:`match_column`)."""
    return match_column(columns, (spec.name, spec.label_zh, *spec.aliases))


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


def parse_attribute_value(spec: AttributeSpec, value: Any, *, source: str) -> bool | int | str:
    """Convert one attribute value according to its spec (bool, non-negative int, or one of a
    choice attribute's values — its other spellings accepted)."""
    if spec.type == "bool":
        return parse_bool(value, source=source)
    if spec.type == "choice":
        return _parse_choice(spec, value, source=source)
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



def _parse_choice(spec: AttributeSpec, value: Any, *, source: str) -> str:
    text = str(value).strip()
    found = text if text in spec.values else spec.value_aliases.get(text) or spec.value_aliases.get(text.lower())
    if found is None:
        listed = ", ".join(f"{v} ({spec.labels_en.get(v, v)})" for v in spec.values)
        msg = f"{source}: value {value!r} is not one of {listed} ({spec.label_zh} / {spec.label_en})"
        zh = f"{zh_label(source)}：值“{value}”无效；{spec.label_zh}应为 {'、'.join(spec.values)} 之一"
        raise InputError(msg, zh=zh)
    return found


def load_project_types(path: str | Path | None = None) -> ProjectTypes:
    """Load and validate ``data/project_types.yaml`` (or ``path``).

    Raises
    ------
    RuleConfigError
        Listing every problem (file, type or attribute, field, bad value, allowed values).
    """
    path = Path(path) if path is not None else PROJECT_TYPES_PATH
    data, sha = read_yaml(path, "project-types")
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
        raise RuleConfigError(problem_message(path, problems))
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
        values, value_aliases, labels_en = _choice_values(entry, kind, at, problems)
        pytype = {"bool": bool, "int": int, "choice": str}[kind]
        if default is not None and type(default) is not pytype:
            problems.append(f"{at} field 'default': {default!r} is not a {kind}")
        elif kind == "choice" and default is not None and default not in values:
            problems.append(f"{at} field 'default': {default!r} is not one of its values {list(values)}")
        label_zh, label_en = bilingual(entry.get("label"), f"{at} field 'label'", problems)
        help_zh, help_en = bilingual(entry["help"], f"{at} field 'help'", problems) if "help" in entry else ("", "")
        tl_zh, tl_en = (
            bilingual(entry["threshold_label"], f"{at} field 'threshold_label'", problems)
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
            values=values,
            value_aliases=value_aliases,
            labels_en=labels_en,
        )
    return out


def _choice_values(
    entry: Mapping[str, Any], kind: str, at: str, problems: list[str]
) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    """(values, value aliases, English labels) of a choice attribute; checks that only it has them."""
    raw_values, raw_aliases, raw_labels = entry.get("values"), entry.get("value_aliases"), entry.get("labels_en")
    if kind != "choice":
        if raw_values is not None or raw_aliases is not None or raw_labels is not None:
            problems.append(f"{at}: 'values', 'value_aliases' and 'labels_en' are only for a choice attribute")
        return (), {}, {}
    if not isinstance(raw_values, list) or not raw_values or not all(isinstance(v, str) and v.strip() for v in raw_values):
        problems.append(f"{at} field 'values': a choice attribute needs a list of text values, got {raw_values!r}")
        return (), {}, {}
    values = tuple(v.strip() for v in raw_values)
    aliases = {str(k).strip(): str(v) for k, v in (raw_aliases or {}).items()}
    labels = {str(k): str(v) for k, v in (raw_labels or {}).items()}
    for spelling, target in aliases.items():
        if target not in values:
            problems.append(f"{at} field 'value_aliases': {spelling!r} -> {target!r} does not lead to one of {list(values)}")
    unknown = sorted(k for k in labels if k not in values)
    if unknown:
        problems.append(f"{at} field 'labels_en': {unknown} are not among its values {list(values)}")
    aliases |= {k.lower(): v for k, v in aliases.items()}
    return values, aliases, labels


def _parse_type(
    key: str, entry: Any, attributes: Mapping[str, AttributeSpec], at: str, problems: list[str]
) -> ProjectType | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{at}: expected a mapping")
        return None
    label_zh, label_en = bilingual(entry.get("label"), f"{at} field 'label'", problems)
    group_zh, group_en = bilingual(entry["group"], f"{at} field 'group'", problems) if "group" in entry else ("", "")
    attrs = tuple(str(a) for a in entry.get("attributes") or ())
    for a in attrs:
        if a not in attributes:
            problems.append(f"{at} field 'attributes': {a!r} is not one of {sorted(attributes)}")
    aliases = tuple(str(a).strip() for a in entry.get("aliases") or ())
    geometries, area, length = _parse_plausible(entry.get("plausible"), f"{at} field 'plausible'", problems)
    return ProjectType(key, label_zh, label_en, attrs, aliases, group_zh, group_en, geometries, area, length)


#: The geometries a project type may usually be drawn as (``plausible.geometry``).
GEOMETRY_KINDS = ("point", "line", "polygon")


def _parse_plausible(raw: Any, at: str, problems: list[str]) -> tuple[tuple[str, ...], tuple[float, float] | None,
                                                                     tuple[float, float] | None]:
    """``plausible: {geometry: [...], area_ha: [min, max], length_km: [min, max]}`` (all optional)."""
    if raw is None:
        return (), None, None
    if not isinstance(raw, Mapping):
        problems.append(f"{at}: expected a mapping with geometry, area_ha and/or length_km")
        return (), None, None
    unknown = sorted(set(raw) - {"geometry", "area_ha", "length_km"})
    if unknown:
        problems.append(f"{at}: unknown key(s) {unknown}; expected geometry, area_ha, length_km")
    geometries = tuple(str(g) for g in raw.get("geometry") or ())
    for g in geometries:
        if g not in GEOMETRY_KINDS:
            problems.append(f"{at}.geometry: {g!r} is not one of {list(GEOMETRY_KINDS)}")
    return geometries, _range(raw.get("area_ha"), f"{at}.area_ha", problems), _range(raw.get("length_km"), f"{at}.length_km", problems)


def _range(raw: Any, at: str, problems: list[str]) -> tuple[float, float] | None:
    if raw is None:
        return None
    try:
        low, high = (float(v) for v in raw)
    except (TypeError, ValueError):
        problems.append(f"{at}: {raw!r} is not [min, max]; expected two numbers such as [0.1, 2000]")
        return None
    if not 0 <= low < high or not math.isfinite(high):
        problems.append(f"{at}: [{low}, {high}] is not a range 0 <= min < max")
        return None
    return low, high


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
