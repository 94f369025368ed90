"""The zone-layer catalogue (data/catalog.yaml): which layers a store may hold and their schema.

The catalogue is data: adding a zone layer or an allowed value means editing the YAML, not
Python. It is validated as a whole when loaded, so a bad entry is reported with every other
bad entry of the file, each naming the layer, field and value, before any store is read.

Examples
--------
>>> catalog = load_catalog()
>>> spec = catalog.layers["water_source"]
>>> spec.geometry, spec.zone_field, spec.fields["grade"].values
('polygon', 'grade', ('一级', '二级', '准保护区'))
>>> catalog.field("green_heart", "zone").legacy
('禁止开发区', '限制开发区', '控制建设区')
>>> catalog.field("water_source", "legal_status").default
'法定'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast

import yaml

from gis.errors import Label, LimitError, RuleConfigError, SchemaError
from gis.limits import CONFIG_BYTES, read_limited
from layers.paths import CATALOG_PATH

__all__ = [
    "Catalog",
    "LayerSpec",
    "FieldSpec",
    "GeometryKind",
    "GEOMETRY_KINDS",
    "LayerRole",
    "ROLES",
    "ROLE_FIELDS",
    "load_catalog",
    "parse_catalog",
]

GeometryKind: TypeAlias = Literal["point", "line", "polygon", "line_or_polygon", "none"]
LayerRole: TypeAlias = Literal["zone", "admin", "control_unit", "access_list"]

#: Geometry kind of the catalogue -> the shapely geometry types a layer of that kind may hold.
GEOMETRY_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "point": frozenset({"Point", "MultiPoint"}),
        "line": frozenset({"LineString", "MultiLineString"}),
        "polygon": frozenset({"Polygon", "MultiPolygon"}),
        "line_or_polygon": frozenset({"LineString", "MultiLineString", "Polygon", "MultiPolygon"}),
        # An attribute table (a GeoPackage "attributes" table): rows without geometry.
        "none": frozenset(),
    }
)

#: What the engine does with a layer (catalogue key ``role``; default ``zone``):
#: ``zone`` — screened by the rules and listed as nearby; ``admin`` — the administrative
#: divisions: the store's extent, a project's county/prefecture, the place conditions of
#: rules and the scope of general access lists; ``control_unit`` — the environmental control
#: units a result lists with its share in each; ``access_list`` — the access-list clauses
#: (an attribute table) matched to the units and places.
ROLES: tuple[str, ...] = ("zone", "admin", "control_unit", "access_list")
#: Fields the engine reads by name from a layer of each non-zone role; the catalogue must
#: declare them (required), so a deployment's own catalogue cannot silently lack them.
ROLE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"admin": ("adcode", "name"), "control_unit": ("code", "name", "category"),
     "access_list": ("scope", "dimension", "text")}
)  # fmt: skip
#: The geometry kinds a layer of each non-zone role may have.
_ROLE_GEOMETRY: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"admin": ("polygon",), "control_unit": ("polygon",), "access_list": ("none",)}
)

# Layer ids become GeoPackage table names; "__" is reserved for kept versions (<id>__v<N>).
_LAYER_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOP_KEYS = frozenset({"version", "common_fields", "layers"})
_LAYER_KEYS = frozenset({"title", "geometry", "zone_field", "fields", "role", "melt", "sensitive"})
_FIELD_KEYS = frozenset(
    {"required", "values", "legacy", "default", "title", "aliases", "labels_en", "column_aliases"}
)
_SUPPORTED_VERSIONS = (1,)


@dataclass(frozen=True)
class FieldSpec:
    """One attribute field of a catalogue layer.

    Attributes
    ----------
    name
        Column name in the store (``grade``).
    required
        A present layer must have the column and a value in every feature.
    values
        Allowed values (empty: free text).
    legacy
        Values that are still accepted but flagged (superseded zoning, e.g. the 2012
        green-heart zones).
    default
        Value used when the column or a feature's value is absent (``legal_status`` 法定).
    title_zh, title_en
        Display titles.
    aliases
        Common spellings in official files -> the catalogue value they mean
        (``一级保护区`` -> ``一级``); applied on import only.
    labels_en
        English display names of the values (``一级`` -> ``Grade I``); the stored value and
        the Chinese display stay the Chinese term.
    column_aliases
        Column headers official files use for this field (``环境管控单元编码`` for ``code``);
        ``layers import`` takes such a column as the field when it is the only candidate.
    """

    name: str
    required: bool = False
    values: tuple[str, ...] = ()
    legacy: tuple[str, ...] = ()
    default: str | None = None
    title_zh: str = ""
    title_en: str = ""
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    labels_en: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    column_aliases: tuple[str, ...] = ()

    def label(self, value: str | None, lang: str = "zh") -> str:
        """``value`` as shown to a reader of ``lang`` (the value itself where no label is given)."""
        if value is None:
            return ""
        return self.labels_en.get(value, value) if lang == "en" else value

    @property
    def allowed(self) -> tuple[str, ...]:
        """Every accepted value: current ones first, then legacy ones."""
        return self.values + self.legacy

    @property
    def title(self) -> str:
        """``名称 / Name`` for messages."""
        return f"{self.title_zh} / {self.title_en}" if self.title_zh else self.name


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the catalogue.

    Attributes
    ----------
    id
        Layer id, also the GeoPackage layer name (``water_source``).
    title_zh, title_en
        Display titles.
    geometry
        ``point``, ``line``, ``polygon`` or ``line_or_polygon``; multi-part variants are
        accepted; ``none`` for an attribute table (the access list).
    zone_field
        The field whose value the rules key on, or None (``admin``, ``water_intake``).
    fields
        The layer's own fields by name, in catalogue order (common fields are in ``Catalog``).
    role
        What the engine does with it (``ROLES``): ``zone`` (default), ``admin``,
        ``control_unit`` or ``access_list``.
    melt
        For a table published in wide form (one column per value of a field, e.g. one column
        per 管控维度): ``(key field, value field)``; ``layers import`` turns each such column
        into rows of (key, value). None when the layer has no wide form.
    sensitive
        The layer's exact boundaries are not for the public: the public map, its place
        lookup and the exported site show it generalised (``layers.generalise``); reviewers
        screen against the exact data.
    """

    id: str
    title_zh: str
    title_en: str
    geometry: GeometryKind
    zone_field: str | None
    fields: Mapping[str, FieldSpec]
    role: LayerRole = "zone"
    melt: tuple[str, str] | None = None
    sensitive: bool = False

    @property
    def geometry_types(self) -> frozenset[str]:
        """The shapely geometry types this layer may hold (empty for an attribute table)."""
        return GEOMETRY_KINDS[self.geometry]

    @property
    def has_geometry(self) -> bool:
        """False for an attribute table (``geometry: none``)."""
        return self.geometry != "none"

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(name for name, spec in self.fields.items() if spec.required)

    @property
    def title(self) -> str:
        """``饮用水水源保护区 / Drinking-water source protection zone`` for messages."""
        return f"{self.title_zh} / {self.title_en}"


@dataclass(frozen=True)
class Catalog:
    """The validated catalogue: layers by id (catalogue order) and the fields every layer may have."""

    layers: Mapping[str, LayerSpec]
    common_fields: Mapping[str, FieldSpec]
    path: Path | None = None

    def __iter__(self) -> Iterator[str]:
        return iter(self.layers)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self.layers

    def layer(self, layer_id: str) -> LayerSpec:
        """The spec of ``layer_id``.

        Raises
        ------
        SchemaError
            If the catalogue has no such layer (the message lists the known ids).
        """
        try:
            return self.layers[layer_id]
        except KeyError:
            msg = f"layer {layer_id!r} is not in the layer catalogue; expected one of {', '.join(self.layers)}"
            listed = "、".join(f"{lid}（{spec.title_zh}）" for lid, spec in self.layers.items())
            raise SchemaError(msg, zh=f"图层目录中没有图层“{layer_id}”；应为以下之一：{listed}") from None

    def role_layer(self, role: str) -> str | None:
        """The id of the layer with ``role`` (``admin``, ``control_unit``, ``access_list``), or None."""
        return next((lid for lid, spec in self.layers.items() if spec.role == role), None)

    @property
    def zone_layer_ids(self) -> tuple[str, ...]:
        """Layers the rules screen and ``nearby`` lists (role ``zone``), catalogue order."""
        return tuple(lid for lid, spec in self.layers.items() if spec.role == "zone")

    @property
    def spatial_layer_ids(self) -> tuple[str, ...]:
        """Layers that have geometry, catalogue order."""
        return tuple(lid for lid, spec in self.layers.items() if spec.has_geometry)

    @property
    def map_layer_ids(self) -> tuple[str, ...]:
        """Layers a zone map draws: zone and control-unit layers with geometry (not the admin
        divisions, not the access-list table), catalogue order."""
        return tuple(
            lid for lid, spec in self.layers.items() if spec.has_geometry and spec.role in ("zone", "control_unit")
        )

    def fields_of(self, layer_id: str) -> Mapping[str, FieldSpec]:
        """The layer's own fields followed by the common ones (``source``, ``legal_status`` ...)."""
        return MappingProxyType({**self.layer(layer_id).fields, **self.common_fields})

    def field(self, layer_id: str, name: str) -> FieldSpec:
        """One field (own or common) of ``layer_id``.

        Raises
        ------
        SchemaError
            If the layer has no such field (the message lists its fields).
        """
        fields = self.fields_of(layer_id)
        if name not in fields:
            msg = f"layer {layer_id!r} has no field {name!r} in the catalogue; expected one of {', '.join(fields)}"
            raise SchemaError(msg, zh=f"图层目录中，图层“{layer_id}”没有字段“{name}”；应为 {'、'.join(fields)} 之一")
        return fields[name]


# --- loading ---------------------------------------------------------------------------


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a layer catalogue (default: the embedded data/catalog.yaml).

    Parameters
    ----------
    path
        A catalogue YAML file; None for the embedded one.

    Returns
    -------
    Catalog
        Immutable; loading the same unchanged file again returns the same object.

    Raises
    ------
    RuleConfigError
        If the file cannot be read or parsed, or has bad entries: the message lists every
        problem of the file (unknown geometry kind, zone field that is not a field, default
        outside the allowed values, misspelt keys ...).
    """
    p = Path(path) if path is not None else CATALOG_PATH
    try:
        info = os.stat(p)
    except OSError as err:
        msg = f"layer catalogue {p} cannot be read ({err.strerror}); expected a YAML file such as data/catalog.yaml"
        raise RuleConfigError(msg) from err
    # Keyed on the file's path and change time: an edited catalogue is read again. (abspath,
    # not resolve: report wording asks for the catalogue per label, and a stat is all it costs.)
    return _load_cached(os.path.abspath(p), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Catalog:
    p = Path(path)
    try:
        data = yaml.safe_load(read_limited(p, CONFIG_BYTES, Label(f"layer catalogue {p}", f"图层目录 {p}")).decode("utf-8"))
    except LimitError:
        raise
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"layer catalogue {p} cannot be read as UTF-8 YAML: {err}"
        raise RuleConfigError(msg) from err
    return parse_catalog(data, source=str(p), path=p)


def parse_catalog(data: Any, *, source: str = "catalogue", path: Path | None = None) -> Catalog:
    """Validate already-parsed catalogue data (the YAML document as Python objects).

    Raises
    ------
    RuleConfigError
        Listing every problem found, each prefixed with ``source``.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        msg = f"{source}: expected a mapping with 'version', 'common_fields' and 'layers', got {type(data).__name__}"
        raise RuleConfigError(msg)
    _check_top(data, problems)
    common = _parse_fields(data.get("common_fields") or {}, "common_fields", problems, required_ok=False)
    layers: dict[str, LayerSpec] = {}
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, Mapping) or not raw_layers:
        problems.append("'layers' must be a non-empty mapping of layer id -> layer entry")
        raw_layers = {}
    for lid, entry in raw_layers.items():
        spec = _parse_layer(str(lid), entry, common, problems)
        if spec is not None:
            layers[str(lid)] = spec
    _check_roles(layers, problems)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        msg = f"layer catalogue {source} has {len(problems)} problem(s):\n{listed}"
        raise RuleConfigError(msg)
    return Catalog(MappingProxyType(layers), common, path)


def _check_top(data: Mapping[str, Any], problems: list[str]) -> None:
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        problems.append(f"unknown top-level key(s) {unknown}; expected {sorted(_TOP_KEYS)}")
    version = data.get("version")
    if version not in _SUPPORTED_VERSIONS:
        problems.append(f"'version' is {version!r}; expected one of {list(_SUPPORTED_VERSIONS)}")
    common = data.get("common_fields")
    if common is not None and not isinstance(common, Mapping):
        problems.append("'common_fields' must be a mapping of field name -> field entry")


def _titles(raw: Any, where: str, problems: list[str]) -> tuple[str, str]:
    if not isinstance(raw, Mapping) or not all(isinstance(raw.get(k), str) and raw.get(k) for k in ("zh", "en")):
        problems.append(f"{where}: 'title' must give both 'zh' and 'en' text, got {raw!r}")
        return "", ""
    return str(raw["zh"]), str(raw["en"])


def _parse_layer(lid: str, entry: Any, common: Mapping[str, FieldSpec], problems: list[str]) -> LayerSpec | None:
    where = f"layer {lid!r}"
    if not _LAYER_ID_RE.match(lid):
        problems.append(f"{where}: the id must be snake_case ascii (a-z, 0-9, single '_'), e.g. water_source")
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: expected a mapping with {sorted(_LAYER_KEYS)}, got {type(entry).__name__}")
        return None
    unknown = sorted(str(k) for k in entry if k not in _LAYER_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {unknown}; expected {sorted(_LAYER_KEYS)}")
    title_zh, title_en = _titles(entry.get("title"), where, problems)
    geometry = entry.get("geometry")
    if geometry not in GEOMETRY_KINDS:
        problems.append(f"{where}: geometry {geometry!r} is not one of {list(GEOMETRY_KINDS)}")
    fields = _parse_fields(entry.get("fields"), where, problems, required_ok=True)
    if not fields:
        problems.append(f"{where}: 'fields' must be a non-empty mapping of field name -> field entry")
    for name in fields:
        if name in common:
            problems.append(f"{where}: field {name!r} is also a common field; define it in one place only")
    zone_field = entry.get("zone_field")
    if zone_field is not None:
        if zone_field not in fields:
            problems.append(f"{where}: zone_field {zone_field!r} is not one of its fields {list(fields)}")
        elif not fields[zone_field].values:
            problems.append(f"{where}: zone_field {zone_field!r} has no allowed 'values'; the rules key on them")
    role = entry.get("role", "zone")
    if role not in ROLES:
        problems.append(f"{where}: role {role!r} is not one of {list(ROLES)}")
        role = "zone"
    sensitive = entry.get("sensitive", False)
    if not isinstance(sensitive, bool):
        problems.append(f"{where}: 'sensitive' must be true or false, got {sensitive!r}")
        sensitive = True  # when in doubt, do not show it at full precision
    return LayerSpec(
        id=lid,
        title_zh=title_zh,
        title_en=title_en,
        geometry=cast(GeometryKind, geometry) if geometry in GEOMETRY_KINDS else "polygon",
        zone_field=str(zone_field) if zone_field is not None else None,
        fields=fields,
        role=cast(LayerRole, role),
        melt=_parse_melt(entry.get("melt"), fields, where, problems),
        sensitive=sensitive,
    )


def _parse_melt(raw: Any, fields: Mapping[str, FieldSpec], where: str, problems: list[str]) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != {"key", "value"}:
        problems.append(f"{where}: 'melt' must be a mapping {{key: FIELD, value: FIELD}}, got {raw!r}")
        return None
    key, value = str(raw["key"]), str(raw["value"])
    for name in (key, value):
        if name not in fields:
            problems.append(f"{where}: melt field {name!r} is not one of its fields {list(fields)}")
    if key in fields and not fields[key].values:
        problems.append(f"{where}: melt key {key!r} needs allowed 'values' (they name the wide columns)")
    return key, value


def _check_roles(layers: Mapping[str, LayerSpec], problems: list[str]) -> None:
    """At most one layer per non-zone role, with the geometry and fields the engine reads."""
    for role, needed in ROLE_FIELDS.items():
        holders = [spec for spec in layers.values() if spec.role == role]
        if len(holders) > 1:
            problems.append(f"role {role!r} is given to several layers {[s.id for s in holders]}; at most one may have it")
        for spec in holders:
            if spec.geometry not in _ROLE_GEOMETRY[role]:
                problems.append(
                    f"layer {spec.id!r}: role {role!r} needs geometry {' or '.join(_ROLE_GEOMETRY[role])}, not {spec.geometry!r}"
                )
            lacking = [f for f in needed if f not in spec.fields or not spec.fields[f].required]
            if lacking:
                problems.append(f"layer {spec.id!r}: role {role!r} needs the required field(s) {lacking}")
    for spec in layers.values():
        if spec.role == "zone" and not spec.has_geometry:
            problems.append(f"layer {spec.id!r}: a zone layer needs a geometry; only role access_list is a table")


def _parse_fields(raw: Any, where: str, problems: list[str], *, required_ok: bool) -> Mapping[str, FieldSpec]:
    if not isinstance(raw, Mapping):
        return MappingProxyType({})
    out: dict[str, FieldSpec] = {}
    for name, entry in raw.items():
        spec = _parse_field(str(name), entry, f"{where} field {str(name)!r}", problems)
        if spec is None:
            continue
        if spec.required and not required_ok:
            problems.append(f"{where} field {spec.name!r}: common fields cannot be required (every layer is optional)")
        out[spec.name] = spec
    return MappingProxyType(out)


def _text_list(raw: Any, key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() == v and v for v in raw):
        problems.append(
            f"{where}: {key!r} must be a list of non-empty text values without surrounding spaces, got {raw!r}"
        )
        return ()
    dupes = sorted({v for v in raw if raw.count(v) > 1})
    if dupes:
        problems.append(f"{where}: {key!r} lists {dupes} more than once")
    return tuple(dict.fromkeys(raw))


def _parse_field(name: str, entry: Any, where: str, problems: list[str]) -> FieldSpec | None:
    if not _FIELD_NAME_RE.match(name):
        problems.append(f"{where}: field names must be ascii identifiers (letters, digits, '_')")
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: expected a mapping with {sorted(_FIELD_KEYS)}, got {type(entry).__name__}")
        return None
    unknown = sorted(str(k) for k in entry if k not in _FIELD_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {unknown}; expected {sorted(_FIELD_KEYS)}")
    required = entry.get("required", False)
    if not isinstance(required, bool):
        problems.append(f"{where}: 'required' must be true or false, got {required!r}")
    values = _text_list(entry.get("values"), "values", where, problems)
    legacy = _text_list(entry.get("legacy"), "legacy", where, problems)
    if legacy and not values:
        problems.append(f"{where}: 'legacy' values need current 'values' as well")
    both = sorted(set(values) & set(legacy))
    if both:
        problems.append(f"{where}: {both} are listed both as current 'values' and as 'legacy'")
    default = entry.get("default")
    if default is not None and (not isinstance(default, str) or (values and default not in values)):
        problems.append(f"{where}: default {default!r} is not one of its values {list(values)}")
    title_zh, title_en = _titles(entry.get("title"), where, problems)
    aliases = _parse_aliases(entry.get("aliases"), values + legacy, where, problems)
    labels_en = _parse_labels(entry.get("labels_en"), values + legacy, where, problems)
    column_aliases = _text_list(entry.get("column_aliases"), "column_aliases", where, problems)
    return FieldSpec(
        name=name,
        required=required is True,
        values=values,
        legacy=legacy,
        default=default if isinstance(default, str) else None,
        title_zh=title_zh,
        title_en=title_en,
        aliases=aliases,
        labels_en=labels_en,
        column_aliases=column_aliases,
    )


def _parse_labels(raw: Any, allowed: tuple[str, ...], where: str, problems: list[str]) -> Mapping[str, str]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping) or not allowed:
        problems.append(f"{where}: 'labels_en' must map each of its 'values' to an English name, got {raw!r}")
        return MappingProxyType({})
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        problems.append(f"{where}: 'labels_en' names {unknown}, which are not among its values {list(allowed)}")
    empty = sorted(str(k) for k, v in raw.items() if not isinstance(v, str) or not v.strip())
    if empty:
        problems.append(f"{where}: 'labels_en' of {empty} must be non-empty text")
    return MappingProxyType({str(k): str(v).strip() for k, v in raw.items() if k in allowed and isinstance(v, str) and v.strip()})


def _parse_aliases(raw: Any, allowed: tuple[str, ...], where: str, problems: list[str]) -> Mapping[str, str]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, Mapping) or not allowed:
        problems.append(f"{where}: 'aliases' must map spellings to one of its 'values', got {raw!r}")
        return MappingProxyType({})
    out: dict[str, str] = {}
    for spelling, value in raw.items():
        if value not in allowed:
            problems.append(f"{where}: alias {spelling!r} -> {value!r} does not lead to one of {list(allowed)}")
        elif str(spelling) in allowed:
            problems.append(f"{where}: alias {spelling!r} is itself an allowed value")
        else:
            out[str(spelling)] = str(value)
    return MappingProxyType(out)
