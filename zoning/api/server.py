"""Running the API: uvicorn with the app factory, so each worker builds its own app from the
environment (``ZONING_STORE``, ``ZONING_API_*``) and opens and warms the store once.

With several workers the store is first opened and warmed once in a child process, which
fills the store's pack (``layers._pack``: the validated layers and their geometry in each
work CRS as memory-mapped Arrow files); the workers then start from that cache instead of each reading the
GeoPackage at the same time. Starting a worker on a province-scale store still takes tens of
seconds on a busy machine, so uvicorn's worker health check is given time to match: it
would otherwise take a worker that is building its indexes for a hung one and restart it.
"""

from __future__ import annotations

import logging
import multiprocessing

import uvicorn

__all__ = ["run", "prepare"]

log = logging.getLogger(__name__)

#: Seconds a worker may take to answer uvicorn's health check (while it warms up).
WORKER_HEALTHCHECK_S = 300


def prepare() -> None:
    """Open and warm the store of the environment's settings once (fills the store's pack)."""
    from layers.store import ZoneStore
    from zoning.api.settings import ApiSettings
    from zoning.engine import warm

    warm(ZoneStore.open(ApiSettings.from_env().store))


def run(host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1, log_level: str = "info") -> None:
    """Serve ``zoning.api:app_from_env`` until interrupted (``python -m zoning serve``)."""
    if workers > 1:
        child = multiprocessing.get_context("spawn").Process(target=prepare, name="zoning-api-prepare")
        child.start()
        child.join()
        if child.exitcode != 0:
            log.warning("preparing the store's cache failed (exit %s); each worker opens the store itself", child.exitcode)
    uvicorn.run("zoning.api:app_from_env", factory=True, host=host, port=port, workers=workers, log_level=log_level,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)  # fmt: skip
