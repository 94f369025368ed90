"""What the rules need from the layer catalogue: per layer, the zone field and allowed values.

The catalogue itself belongs to ``layers.catalog.load_catalog`` (docs/ARCHITECTURE.md).
This module reduces it to the few facts rule validation checks, so ``zoning.rules`` does
not depend on the catalogue's internal shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gis.errors import RuleConfigError

__all__ = ["LayerSchema", "load_layer_schemas"]


@dataclass(frozen=True)
class LayerSchema:
    """Rule-relevant schema of one catalogue layer."""

    layer: str
    zone_field: str | None
    #: Allowed values of the zone field, current first, then legacy ones.
    zone_values: tuple[str, ...]
    #: field name -> allowed values (empty tuple = free text).
    fields: Mapping[str, tuple[str, ...]]
    title_zh: str = ""
    title_en: str = ""


def load_layer_schemas(path: Path) -> dict[str, LayerSchema]:
    """Layer id -> LayerSchema from the catalogue at ``path`` (order kept).

    Uses ``layers.catalog.load_catalog`` when it is available.

    Raises
    ------
    RuleConfigError
        If the catalogue cannot be read.
    """
    try:
        from layers.catalog import load_catalog
    except ImportError:  # SHIM: layers.catalog not landed yet; read the YAML minimally.
        return _schemas_from_yaml(path)
    catalog = load_catalog(path)
    return {lid: _schema_from_spec(lid, spec) for lid, spec in catalog.layers.items()}


def _field_items(fields: Any) -> list[tuple[str, Any]]:
    if isinstance(fields, Mapping):
        return [(str(k), v) for k, v in fields.items()]
    return [(str(f.name), f) for f in fields]


def _schema_from_spec(lid: str, spec: Any) -> LayerSchema:
    fields: dict[str, tuple[str, ...]] = {}
    zone_values: tuple[str, ...] = ()
    for name, fspec in _field_items(spec.fields):
        values = tuple(str(v) for v in (getattr(fspec, "values", None) or ()))
        legacy = tuple(str(v) for v in (getattr(fspec, "legacy", None) or ()))
        fields[name] = values + legacy
        if name == spec.zone_field:
            zone_values = values + legacy
    return LayerSchema(
        layer=lid,
        zone_field=spec.zone_field or None,
        zone_values=zone_values,
        fields=fields,
        title_zh=str(getattr(spec, "title_zh", "") or ""),
        title_en=str(getattr(spec, "title_en", "") or ""),
    )


def _schemas_from_yaml(path: Path) -> dict[str, LayerSchema]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        layers = data["layers"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as err:
        msg = f"layer catalogue {str(path)!r} cannot be read: {err}"
        raise RuleConfigError(msg) from err
    out: dict[str, LayerSchema] = {}
    for lid, entry in layers.items():
        fields: dict[str, tuple[str, ...]] = {}
        for name, fspec in (entry.get("fields") or {}).items():
            fspec = fspec or {}
            fields[str(name)] = tuple(str(v) for v in [*(fspec.get("values") or ()), *(fspec.get("legacy") or ())])
        zone_field = entry.get("zone_field")
        title = entry.get("title") or {}
        out[str(lid)] = LayerSchema(
            layer=str(lid),
            zone_field=zone_field,
            zone_values=fields.get(zone_field, ()) if zone_field else (),
            fields=fields,
            title_zh=str(title.get("zh", "")),
            title_en=str(title.get("en", "")),
        )
    return out
