"""The zone catalogue and store: which layers exist, their schema, loading, validating, importing, versions.

Public API (imported lazily, so ``import layers.paths`` stays cheap)::

    from layers import load_catalog, ZoneStore, validate_store, import_layer, list_versions, rollback
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Catalog",
    "LayerSpec",
    "FieldSpec",
    "load_catalog",
    "ZoneStore",
    "LayerSummary",
    "Problem",
    "validate_store",
    "ImportResult",
    "LayerVersion",
    "RollbackResult",
    "import_layer",
    "list_versions",
    "rollback",
]

_HOMES = {
    "Catalog": "layers.catalog",
    "LayerSpec": "layers.catalog",
    "FieldSpec": "layers.catalog",
    "load_catalog": "layers.catalog",
    "ZoneStore": "layers.store",
    "LayerSummary": "layers.store",
    "Problem": "layers.schema",
    "validate_store": "layers.store",
    "ImportResult": "layers.importer",
    "LayerVersion": "layers.importer",
    "RollbackResult": "layers.importer",
    "import_layer": "layers.importer",
    "list_versions": "layers.importer",
    "rollback": "layers.importer",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'layers' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(home), name)
