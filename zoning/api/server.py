"""Running the API: uvicorn with the app factory, so each worker builds its own app from the
environment (``ZONING_STORE``, ``ZONING_API_*``) and opens and warms the store once."""

from __future__ import annotations

import uvicorn

__all__ = ["run"]


def run(host: str = "127.0.0.1", port: int = 8000, *, workers: int = 1, log_level: str = "info") -> None:
    """Serve ``zoning.api:app_from_env`` until interrupted (``python -m zoning serve``)."""
    uvicorn.run("zoning.api:app_from_env", factory=True, host=host, port=port, workers=workers, log_level=log_level)
