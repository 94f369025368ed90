"""A thin HTTP wrapper around the PostGIS answer, the reference for ``api_bench.py``: a bare
ASGI app (no framework) that runs the benchmark's prepared single-project statement for the
posted project id and returns the rows as JSON. Each uvicorn worker holds one connection
(``BENCH_PG_DSN``); the statement is ``BENCH_PG_SQL`` (``postgis_bench.single_sql``).

    BENCH_PG_DSN=... BENCH_PG_SQL=... uvicorn benchmarks.postgis_http:app --workers 4
"""

from __future__ import annotations

import json
import os
from typing import Any

import psycopg

_conn: psycopg.Connection | None = None


def _connection() -> psycopg.Connection:
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["BENCH_PG_DSN"], autocommit=True)
    return _conn


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _connection()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    pid = int(json.loads(body or b"{}").get("pid", 0))
    rows = _connection().execute(os.environ["BENCH_PG_SQL"], {"pid": pid}, prepare=True).fetchall()
    payload = json.dumps([list(r) for r in rows], default=str).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})
