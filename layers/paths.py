"""Where the embedded default data and the exported site's static files are, resolved from the
package, never the working directory.

The repository keeps ``data/`` (rules, catalogue, project types, parameters, the embedded store
``zones.gpkg``, the base geography) and ``static/`` (Leaflet, the tile drawer, the font slices)
at its top, beside the packages. A wheel carries the two inside this package, as
``layers/_bundled/data`` and ``layers/_bundled/static`` (``pyproject.toml`` maps them), so
``pip install .`` screens from any folder. The bundled copy is preferred when present: an
installed package has no checkout around it, and whatever else lies beside it in
site-packages is not ours.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "REPO_ROOT",
    "DATA_DIR",
    "STATIC_DIR",
    "DEFAULT_STORE",
    "CATALOG_PATH",
    "RULES_PATH",
    "PROJECT_TYPES_PATH",
    "DATA_DIR_ENV",
    "user_data_dir",
]

#: The folder the packages sit in: the checkout, when running from one (tests and tools
#: read the source tree from here; the product reads only DATA_DIR and STATIC_DIR).
REPO_ROOT = Path(__file__).resolve().parent.parent


def _resource_root() -> Path:
    """The folder holding ``data/`` and ``static/``: the wheel's bundle, else the checkout."""
    bundled = Path(str(importlib.resources.files("layers").joinpath("_bundled")))
    return bundled if (bundled / "data").is_dir() else REPO_ROOT


_ROOT = _resource_root()
DATA_DIR = _ROOT / "data"
#: Browser files the exported site copies (the app serves the checkout's static/ itself).
STATIC_DIR = _ROOT / "static"
#: The embedded default zone store (illustrative zones on real Hunan geography).
DEFAULT_STORE = DATA_DIR / "zones.gpkg"
CATALOG_PATH = DATA_DIR / "catalog.yaml"
RULES_PATH = DATA_DIR / "rules.yaml"
PROJECT_TYPES_PATH = DATA_DIR / "project_types.yaml"

#: Environment variable naming the user's data folder (accounts, saved screenings, as-of views).
DATA_DIR_ENV = "ZONING_DATA_DIR"


def user_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The user's data folder — never inside the repository: ``$ZONING_DATA_DIR``, else
    ``$XDG_DATA_HOME/eco-zoning-screener`` (``~/.local/share/eco-zoning-screener``).

    >>> user_data_dir({"ZONING_DATA_DIR": "/srv/zoning"})
    PosixPath('/srv/zoning')
    """
    env = os.environ if environ is None else environ
    if env.get(DATA_DIR_ENV, "").strip():
        return Path(env[DATA_DIR_ENV].strip()).expanduser()
    base = env.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base) / "eco-zoning-screener"
