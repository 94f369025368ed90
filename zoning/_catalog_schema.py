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

from layers.catalog import load_catalog

__all__ = ["LayerSchema", "load_layer_schemas", "schemas_from_catalog"]


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
    #: ``zone``, ``admin``, ``control_unit`` or ``access_list`` (layers.catalog.ROLES).
    role: str = "zone"
    has_geometry: bool = True
    #: The catalogue's geometry kind (``polygon``, ``point``, ``line_or_polygon``, ``none``...).
    geometry: str = "polygon"


def load_layer_schemas(path: Path) -> dict[str, LayerSchema]:
    """Layer id -> LayerSchema from the catalogue file at ``path`` (order kept).

    Raises
    ------
    PlanningError
        Whatever ``layers.catalog.load_catalog`` raises for a bad catalogue.
    """
    return schemas_from_catalog(load_catalog(path))


def schemas_from_catalog(catalog: Any) -> dict[str, LayerSchema]:
    """Layer id -> LayerSchema from a loaded ``layers.catalog.Catalog``."""
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
        role=str(getattr(spec, "role", "zone") or "zone"),
        has_geometry=getattr(spec, "geometry", "polygon") != "none",
        geometry=str(getattr(spec, "geometry", "polygon")),
    )
