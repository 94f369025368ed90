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
    "STORE_ENV",
    "CATALOG_ENV",
    "RULES_ENV",
    "TYPES_ENV",
    "store_path",
    "store_location",
    "is_postgres_url",
    "catalog_path",
    "rules_path",
    "project_types_path",
    "display_path",
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
#: Environment variable naming the zone store a deployment serves (a user's official
#: GeoPackage); unset, the embedded default.
STORE_ENV = "ZONING_STORE"


def store_path(environ: Mapping[str, str] | None = None) -> Path:
    """The zone store the app and the HTTP API serve: ``$ZONING_STORE`` when set, else the
    embedded ``data/zones.gpkg``. One resolution for both, so they answer from one store.

    >>> store_path({"ZONING_STORE": "/srv/zones/county.gpkg"})
    PosixPath('/srv/zones/county.gpkg')
    """
    return _configured(STORE_ENV, DEFAULT_STORE, environ)


def is_postgres_url(location: object) -> bool:
    """True for a PostGIS store reference (``postgresql://user:pass@host/db?schema=NAME``)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def store_location(environ: Mapping[str, str] | None = None) -> str:
    """The zone store the app serves as a reference: a PostGIS URL in ``$ZONING_STORE`` as
    given (a ``Path`` would fold its ``//``), else the GeoPackage path of ``store_path``.

    >>> store_location({"ZONING_STORE": "postgresql://gis@db/zoning?schema=hunan"})
    'postgresql://gis@db/zoning?schema=hunan'
    """
    env = os.environ if environ is None else environ
    value = env.get(STORE_ENV) or ""
    return value if is_postgres_url(value) else str(store_path(environ))


#: Environment overrides for an open catalogue (DESIGN.md): a deployment's layer catalogue,
#: rules and project types as data files beside its store.
CATALOG_ENV = "ZONING_CATALOG"
RULES_ENV = "ZONING_RULES"
TYPES_ENV = "ZONING_PROJECT_TYPES"


def _configured(variable: str, default: Path, environ: Mapping[str, str] | None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(variable) or default)


def catalog_path(environ: Mapping[str, str] | None = None) -> Path:
    """The layer catalogue the app and the API use: ``$ZONING_CATALOG``, else data/catalog.yaml."""
    return _configured(CATALOG_ENV, CATALOG_PATH, environ)


def rules_path(environ: Mapping[str, str] | None = None) -> Path:
    """The rules file the app and the API use: ``$ZONING_RULES``, else data/rules.yaml."""
    return _configured(RULES_ENV, RULES_PATH, environ)


def project_types_path(environ: Mapping[str, str] | None = None) -> Path:
    """The project types the app and the API use: ``$ZONING_PROJECT_TYPES``, else data/project_types.yaml."""
    return _configured(TYPES_ENV, PROJECT_TYPES_PATH, environ)


def display_path(path: str | Path) -> str:
    """A file's path as a visitor of the app or the HTTP API may see it (``data.zones`` of the
    JSON, page captions): relative to the checkout (``data/zones.gpkg``, DESIGN.md's example),
    else only the file name — never the server's folder layout. The CLI keeps what its user
    typed: that path is theirs. A PostGIS store shows as ``PostGIS NAME`` (its schema): never
    its server, user or password.

    >>> display_path("postgresql://gis:secret@db.internal/zoning?schema=hunan")
    'PostGIS hunan'
    """
    if is_postgres_url(path):
        text = str(path)
        return "PostGIS " + text.rsplit("schema=", 1)[-1].split("&")[0] if "schema=" in text else "PostGIS"
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except (ValueError, OSError):
        return Path(path).name
