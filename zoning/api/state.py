"""What one server process holds: its settings and the zone store it serves.

The store (with the catalogue, rules and project types in use) is opened once (``layers.store.ZoneStore.open``, through the store's pack
for big stores, ``layers._pack``: memory-mapped Arrow files the app and the CLI share) and the
engine's indexes are built at start-up (``zoning.engine.warm``). Each request checks the
file's size and modification time (one ``stat``): a replaced store is opened again on the
next request, as the app picks up a new ``data/zones.gpkg`` without a restart.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from gis.errors import DataSourceError, PlanningError
from layers.store import ZoneStore
from zoning.api.errors import ApiError
from zoning.api.settings import ApiSettings
from zoning.engine import warm
from zoning.rules import RuleSet, load_project_types, load_rules

__all__ = ["ServerState", "server_state", "State"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Opened:
    stamp: tuple[Any, ...]
    store: ZoneStore
    rules: RuleSet
    work_crs: tuple[str, ...]


class ServerState:
    """The settings and the opened store of one process (kept on ``app.state.server``)."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self._opened: _Opened | None = None
        self._lock = threading.Lock()

    def _stamp(self) -> tuple[Any, ...]:
        """What the store, catalogue, rules and project types files are now (a change reopens)."""
        out: list[Any] = []
        for path in (self.settings.store, self.settings.catalog, self.settings.rules, self.settings.project_types):
            try:
                st = os.stat(path)
            except OSError as err:
                msg = f"{path} cannot be read ({err.strerror}); set ZONING_STORE (ZONING_CATALOG...) or run `make data`"
                zh = f"{path} 无法读取（{err.strerror}）；请设置 ZONING_STORE（ZONING_CATALOG 等），或运行 make data 生成内置图层库"
                raise DataSourceError(msg, zh=zh) from err
            out += [st.st_mtime_ns, st.st_size, st.st_ino]
        return tuple(out)

    def _current(self) -> _Opened:
        stamp = self._stamp()
        opened = self._opened
        if opened is not None and opened.stamp == stamp:
            return opened
        with self._lock:
            if self._opened is None or self._opened.stamp != stamp:
                settings = self.settings
                store = ZoneStore.open(settings.store, catalog=settings.catalog)
                rules = load_rules(settings.rules, project_types=load_project_types(settings.project_types),
                                   catalog_path=settings.catalog)  # fmt: skip
                zones = warm(store, rules=rules) if settings.warm_up else ()
                if self._opened is not None:
                    log.info("zone store %s or its rules changed on disk: opened again (sha256 %s)", store.path,
                             store.sha256[:12])  # fmt: skip
                self._opened = _Opened(stamp, store, rules, zones)
            return self._opened

    def _ready(self) -> _Opened:
        """The opened store; a store that cannot be opened is the server's trouble, not the
        client's: 503, with a reference to the logged reason (which names server paths)."""
        try:
            return self._current()
        except PlanningError as err:
            reference = secrets.token_hex(6)
            log.error("zone store unavailable, reference %s: %s", reference, err)
            en = f"the zone store cannot be opened at the moment (reference {reference}); ask the administrator"
            zh = f"图层库暂时无法打开（参考编号 {reference}）；请联系管理员"
            raise ApiError(503, en, zh, code="store_unavailable") from err

    def store(self) -> ZoneStore:
        """The zone store, opened (again) when the file is new or changed.

        Raises
        ------
        ApiError
            503 when the store cannot be opened or is not valid (the reason is logged).
        """
        return self._ready().store

    def rules(self) -> RuleSet:
        """The rule matrix with its project types, checked against the catalogue in use
        (reloaded with the store when a file changes; 503 as ``store``)."""
        return self._ready().rules

    def data(self) -> tuple[ZoneStore, RuleSet]:
        """The store and the rules of one moment (a request uses both from the same load)."""
        opened = self._ready()
        return opened.store, opened.rules

    def health(self) -> dict[str, Any]:
        """The readiness answer: the store opened and the engine's indexes built (else 503)."""
        opened = self._ready()
        store = opened.store
        return {
            "status": "ok",
            "store": {"file": Path(str(store.path)).name, "sha256": store.sha256, "layers": list(store.layer_ids)},
            "rules_sha256": opened.rules.sha256,
            "work_crs_ready": list(opened.work_crs),
        }


def server_state(request: Request) -> ServerState:
    """The ``ServerState`` of the app serving ``request`` (a FastAPI dependency)."""
    state = request.app.state.server
    assert isinstance(state, ServerState)
    return state


#: A route parameter receiving the ``ServerState``.
State = Annotated[ServerState, Depends(server_state)]
