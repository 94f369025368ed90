"""The machine interface (DESIGN.md "Machine interface"): the screening as an HTTP API with
OpenAPI, and the zone layers as OGC API – Features, for other government systems, QGIS and
ArcGIS. ``python -m zoning serve`` runs it (uvicorn).

A thin layer over the core: ``/api/v1/screen`` reads the body with the CLI's reader
(``gis.io.read_features``), makes projects and screens them with the engine
(``zoning.engine``) and writes the answer through the one output registry
(``zoning.report``), so its JSON is the CLI's. Modules:

* ``settings`` (``ApiSettings``, from the environment), ``state`` (the opened store, warmed),
  ``keys`` + ``auth`` (API keys, the one ``authorise`` check), ``errors`` (bilingual errors,
  the body limit, the catch-all 500 with a reference number);
* ``screening`` (``POST /api/v1/screen``), ``catalogue`` (health, layers, rules, units),
  ``saved_routes`` (saved screenings and their reports, over ``zoning.saved.ScreeningStore``);
* ``ogc``, ``ogc_data``, ``ogc_html`` (OGC API – Features under ``/ogc``);
* ``docs`` (``/api/openapi.json``, ``/api/docs`` with the vendored Swagger UI).

Examples
--------
>>> from zoning.api import create_app
>>> app = create_app()  # doctest: +SKIP
$ python -m zoning serve --port 8000
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from zoning.api import catalogue, docs, ogc, saved_routes, screening
from zoning.api.errors import install_error_handlers
from zoning.api.settings import ApiSettings
from zoning.api.state import ServerState

__all__ = ["create_app", "app_from_env", "ApiSettings"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
生态环境分区管控符合性筛查的机器接口：项目筛查（与命令行 `python -m zoning screen` 的 JSON 相同）、
图层与规则查询，以及 OGC API – Features 图层服务（`/ogc`，QGIS 可直接连接）。

The screener's machine interface: screening (the JSON of `python -m zoning screen`), layers
and rules, and the zone layers as OGC API – Features under `/ogc` (QGIS's "OGC API – Features"
connection reads them). Screening and saved screenings need an API key
(`python -m zoning api-keys add NAME --role reviewer`) unless the server opens screening to all.
Errors: `{"error": {"code", "status", "message", "zh", "en"}}`, `message` being what the CLI prints.
"""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The API application for ``settings`` (default: from the environment)."""
    settings = settings if settings is not None else ApiSettings.from_env()
    state = ServerState(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Open the store and build the engine's indexes before the first request
        # (uvicorn accepts connections only after this), as the app's readiness check does.
        if settings.warm_up:
            await run_in_threadpool(state.store)
            log.info("zone store %s ready", settings.store)
        yield

    app = FastAPI(
        title="生态环境分区管控符合性筛查 API / Eco-zoning screener API",
        version="1.0.0",
        description=_DESCRIPTION,
        openapi_url=docs.OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    # The document is written to be valid OpenAPI 3.0 (OGC API – Features' oas30 class; the
    # tests validate it as 3.0), which FastAPI labels 3.1 unless told.
    app.openapi_version = "3.0.3"
    app.state.server = state
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"])  # fmt: skip
    for module in (screening, catalogue, saved_routes, ogc, docs):
        app.include_router(module.router)
    docs.mount_assets(app)
    return app


def app_from_env() -> Any:
    """The app with settings from the environment (``uvicorn --factory zoning.api:app_from_env``,
    what ``python -m zoning serve`` runs in each worker)."""
    return create_app()
