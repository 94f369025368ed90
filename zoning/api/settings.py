"""The HTTP API's settings: one frozen record, read from the environment by default.

| variable | default | what |
|---|---|---|
| ``ZONING_STORE`` | the embedded ``data/zones.gpkg`` | the zone store served (the app's too: ``layers.paths.store_path``) |
| ``ZONING_API_KEYS_FILE`` | ``$XDG_CONFIG_HOME/eco-zoning-screener/api_keys.yaml`` | API keys (hashes only; ``python -m zoning api-keys add``) |
| ``ZONING_API_OPEN_SCREENING`` | off | ``1``: anyone may ``POST /api/v1/screen`` without a key (a single-user desktop) |
| ``ZONING_API_CORS_ORIGINS`` | none (CORS off) | origins a browser page may call the API from, comma-separated |
| ``ZONING_CATALOG``, ``ZONING_RULES``, ``ZONING_PROJECT_TYPES`` | the packaged files | an open catalogue, as for the app (``layers.paths``) |
| ``ZONING_MAX_<NAME>`` | the API's defaults below | the readers' limits (``gis.limits``) for requests |
| ``ZONING_DATA_DIR``, ``ZONING_DB_URL`` | the user's data folder, SQLite | where saved screenings are read (the app's: ``zoning.bureau``) |

Requests are read under ``ApiSettings.limits`` (``gis.limits.limits_in_force``): the
readers' limits with stricter defaults for a server answering anyone — a body of at most
16 MiB (``text_bytes``; a larger one is refused with 413 before it is read), 20,000
features and 2,000 projects per request, 2,000,000 vertices — each raised or lowered by
its ``ZONING_MAX_<NAME>`` variable (``ZONING_MAX_TEXT_BYTES=64M``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis.errors import InputError
from gis.limits import Limits
from layers.paths import catalog_path, project_types_path, rules_path, store_path
from zoning.bureau.service import BureauScreenings
from zoning.bureau.settings import BureauSettings
from zoning.saved import ScreeningStore

__all__ = ["ApiSettings", "default_keys_file", "zone_layer", "API_LIMITS", "api_limits"]

KEYS_ENV = "ZONING_API_KEYS_FILE"
OPEN_ENV = "ZONING_API_OPEN_SCREENING"
CORS_ENV = "ZONING_API_CORS_ORIGINS"
#: The readers' limits for requests, before ``ZONING_MAX_<NAME>``: an HTTP API answers
#: machines it does not know, so its defaults are a county batch, not a province's layers.
API_LIMITS = Limits(text_bytes=16 * 2**20, file_bytes=16 * 2**20, unzipped_bytes=64 * 2**20, features=20_000,
                    vertices=2_000_000, batch=2_000)  # fmt: skip
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

#: Layers that are reference data, not zones (the engine's ``admin``): no OGC collection.
_REFERENCE_LAYERS = frozenset({"admin"})


def zone_layer(store: Any, layer_id: str) -> bool:
    """The default collection filter: every zone layer of the store, not the admin divisions.

    Layers the catalogue marks ``sensitive`` are published too, generalised
    (``layers.generalise.public_view``, in ``zoning.api.ogc``).
    """
    return layer_id not in _REFERENCE_LAYERS


def default_keys_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$ZONING_API_KEYS_FILE``, else ``api_keys.yaml`` in the user's configuration folder
    (never inside the repository)."""
    env = os.environ if environ is None else environ
    if env.get(KEYS_ENV):
        return Path(env[KEYS_ENV])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "eco-zoning-screener" / "api_keys.yaml"


def api_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """``API_LIMITS`` with the environment's ``ZONING_MAX_<NAME>`` applied."""
    return Limits.from_env(environ, base=API_LIMITS)


def _flag(text: str, *, name: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    msg = f"{name}={text!r} is not a yes/no value; expected 1 or 0 (true/false)"
    raise InputError(msg, zh=f"{name}={text!r} 不是开关值；应为 1 或 0（true/false）")


@dataclass(frozen=True)
class ApiSettings:
    """What a server process serves and whom it lets in.

    Attributes
    ----------
    store
        The zone store (GeoPackage) screened and served.
    keys_file
        The API key file (``zoning.api.keys``).
    open_screening
        Anyone may screen without a key (single-user desktop); other reviewer endpoints
        still need one.
    cors_origins
        Origins allowed to call the API from a browser; empty: no CORS headers at all.
    catalog, rules, project_types
        The layer catalogue, rule matrix and project types (an open catalogue), as the app's.
    limits
        The readers' limits requests are read under; ``limits.text_bytes`` is the largest
        body (413 before it is read).
    ogc_default_limit, ogc_max_limit
        Features per OGC API page when the client names no ``limit``, and the most it may ask.
    warm_up
        Build the engine's indexes at start-up (the first answer is then as fast as the next).
    screenings
        Where saved screenings are kept; None: every number is answered "no saved screening".
        ``from_env``: the bureau's (``zoning.bureau.service.BureauScreenings``), the ones
        the app and ``python -m zoning history`` save to.
    collection_filter
        ``(store, layer_id) -> bool``: which layers are published as OGC collections.
    """

    store: Path = field(default_factory=store_path)
    keys_file: Path = field(default_factory=default_keys_file)
    open_screening: bool = False
    cors_origins: tuple[str, ...] = ()
    catalog: Path = field(default_factory=catalog_path)
    rules: Path = field(default_factory=rules_path)
    project_types: Path = field(default_factory=project_types_path)
    limits: Limits = API_LIMITS
    ogc_default_limit: int = 100
    ogc_max_limit: int = 10_000
    warm_up: bool = True
    screenings: ScreeningStore | None = field(default=None, compare=False)
    collection_filter: Callable[[Any, str], bool] = field(default=zone_layer, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ApiSettings:
        """Settings from the environment (the table in the module notes), then ``overrides``.

        Raises
        ------
        InputError, LimitError
            A variable with a value that cannot be read (named in the message).
        """
        env = os.environ if environ is None else environ
        origins = tuple(o for o in re.split(r"[,\s]+", env.get(CORS_ENV, "")) if o)
        values: dict[str, Any] = {
            "store": store_path(env),
            "keys_file": default_keys_file(env),
            "open_screening": _flag(env.get(OPEN_ENV, ""), name=OPEN_ENV),
            "cors_origins": origins,
            "catalog": catalog_path(env),
            "rules": rules_path(env),
            "project_types": project_types_path(env),
            "limits": api_limits(env),
            "screenings": BureauScreenings(BureauSettings.from_env(env)),
        }
        return cls(**(values | overrides))
