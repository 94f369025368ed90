"""Where the embedded default data lives (resolved from the package, never the working directory)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "DATA_DIR", "DEFAULT_STORE", "CATALOG_PATH", "RULES_PATH", "PROJECT_TYPES_PATH"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
#: The embedded default zone store (illustrative zones on real Hunan geography).
DEFAULT_STORE = DATA_DIR / "zones.gpkg"
CATALOG_PATH = DATA_DIR / "catalog.yaml"
RULES_PATH = DATA_DIR / "rules.yaml"
PROJECT_TYPES_PATH = DATA_DIR / "project_types.yaml"
