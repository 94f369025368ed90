"""The app's Content-Security-Policy and security headers: no script from data, no host but ours.

Escaping (``ui.escape``, ``ui.map_text``) keeps data from becoming markup; the policy is
the second wall, for whatever escaping misses: the browser refuses script that the app
did not serve and any request to a host other than the app's own.

Three documents, three policies:

* :func:`app_policy` — Streamlit's page. Its scripts are files the app serves, plus one
  inline line of Streamlit's ``index.html`` allowed by its hash (read from the installed
  Streamlit, so an upgrade keeps working). Styles may be inline (Streamlit's CSS-in-JS).
* :func:`component_policy` — the documents of Streamlit components (``/component/...``):
  streamlit-folium puts a map's script into its page as an inline ``<script>`` and runs
  updates with ``eval``, so inline script and eval are allowed there; hosts still are not.
* :func:`map_policy` — the same policy as the component's, which every folium map also
  carries as a ``<meta>`` in its head (``ui.components``): it applies where the app runs
  without these headers.

Images may also come from the online base maps a user may switch on in the sidebar
(:data:`ONLINE_TILE_HOSTS`) and from exactly the origins of the base map the deployment
configures (``ZONING_BASEMAP_URL``, ``zoning.basemap``: an intranet's 天地图 政务版 or WMTS);
nothing else may leave the host. :class:`SecurityHeaders` is a
plain ASGI middleware that adds the policy and the usual companions to every response
(``serve.py`` wires it into Streamlit's server). A reverse proxy can send the same headers
instead: see ``docs/deploy.md``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "ONLINE_TILE_HOSTS",
    "basemap_origins",
    "app_policy",
    "component_policy",
    "map_policy",
    "policy_for_path",
    "security_headers",
    "SecurityHeaders",
]

log = logging.getLogger(__name__)

#: Hosts of the online base maps the sidebar offers (off by default): 天地图 and OpenStreetMap.
ONLINE_TILE_HOSTS = ("https://*.tianditu.gov.cn", "https://tile.openstreetmap.org")

_COMMON: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'", "data:"),
    # 'self' covers the app's own websocket (ws:/wss: of the same host, CSP level 3)
    "connect-src": ("'self'",),
    "media-src": ("'self'", "blob:"),
    "worker-src": ("'self'", "blob:"),
    "frame-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
}


def _render(directives: Mapping[str, Iterable[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


@lru_cache(maxsize=1)
def _streamlit_inline_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline scripts of the installed Streamlit's ``index.html``."""
    try:
        import streamlit

        page = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    except (ImportError, OSError) as err:
        log.warning("cannot read Streamlit's index.html (%s); its inline script will be refused by the policy", err)
        return ()
    bodies = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    return tuple(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode('utf-8')).digest()).decode()}'" for b in bodies)


def app_policy() -> str:
    """The policy of Streamlit's own page: scripts only from the app (and Streamlit's one
    inline line, by hash), frames only from the app, framed only by the app."""
    directives = dict(_COMMON)
    directives["script-src"] = ("'self'", *_streamlit_inline_hashes())
    directives["frame-ancestors"] = ("'self'",)
    return _render(directives)


def basemap_origins() -> tuple[str, ...]:
    """The origins of the configured base map (``ZONING_BASEMAP_*``); none when unset or
    wrong (a wrong setting is logged here and said on the pages, ``ui.sidebar``)."""
    from gis.errors import PlanningError
    from zoning.basemap import basemap_from_env

    try:
        basemap = basemap_from_env()
    except PlanningError as err:
        log.warning("the configured base map is not used: %s", err)
        return ()
    return basemap.origins if basemap is not None else ()


def _map_directives() -> dict[str, tuple[str, ...]]:
    directives = dict(_COMMON)
    directives["script-src"] = ("'self'", "'unsafe-inline'", "'unsafe-eval'")
    directives["img-src"] = (*_COMMON["img-src"], *ONLINE_TILE_HOSTS, *basemap_origins())
    return directives


def map_policy() -> str:
    """The policy a folium map carries in its ``<meta>``: inline script (folium's own) and
    eval (streamlit-folium's updates) allowed; requests only to the app and, for images,
    the online base maps. (``frame-ancestors`` has no effect in a meta, so it is left out.)"""
    return _render(_map_directives())


#: Sandbox flags of a component's document. Streamlit frames components with
#: ``allow-same-origin allow-scripts`` (and modals, popups), which would let a script in
#: the map reach the app's page; the policy's ``sandbox`` applies on top of the frame's and
#: leaves out ``allow-same-origin`` (and ``allow-modals``): the map runs in an origin of its
#: own, talks to the page only by messages, and can neither touch it nor open dialogs.
COMPONENT_SANDBOX = ("allow-scripts", "allow-forms", "allow-popups", "allow-downloads")


def component_policy() -> str:
    """The policy of a component's document (``/component/...``): :func:`map_policy`,
    framed only by the app, in a sandbox without the app's origin."""
    return _render({**_map_directives(), "frame-ancestors": ("'self'",), "sandbox": COMPONENT_SANDBOX})


def policy_for_path(path: str) -> str:
    """The policy for a response to ``path`` (components get theirs, everything else the app's)."""
    return component_policy() if "/component/" in path else app_policy()


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    """The headers every response to ``path`` carries.

    The files under ``/app/static/`` (map data, tiles, fonts) are also readable from the
    sandboxed map documents, whose origin is not the app's (``COMPONENT_SANDBOX``): they
    are public files, served to anyone who asks, so any origin may read them.
    """
    cors = [(b"access-control-allow-origin", b"*")] if "/app/static/" in path else []
    return [*cors,
        (b"content-security-policy", policy_for_path(path).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware adding :func:`security_headers` to every HTTP response (a header the
    app already set is replaced, so there is one policy, not two to combine)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(str(scope.get("path", "")))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = [*kept, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
