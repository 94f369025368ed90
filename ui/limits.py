"""What one anonymous visitor of the app may ask of the server, and how to raise it.

The readers' own limits (decompressed bytes, features, vertices: ``gis.limits`` where it is
available) bound what a file may cost to read. The app adds the limits of a shared
public server, each set by an environment variable and named in its message:

==========================  =======================================  ========
setting                     what                                     default
==========================  =======================================  ========
``ZONING_APP_MAX_BATCH``    projects screened in one batch request   2000
``ZONING_APP_JOBS``         heavy jobs (screening, reports) running  2
                            at once on the server; more wait
``ZONING_APP_JOBS_PER_      heavy jobs of one visitor at once         1
VISITOR``
``ZONING_APP_JOB_WAIT_S``   how long a job waits for its turn         300
                            before the visitor is asked to retry
==========================  =======================================  ========

The upload size is Streamlit's own ``server.maxUploadSize`` (50 MB in
``.streamlit/config.toml``; ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` raises it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from gis.errors import InputError

__all__ = ["AppLimits", "app_limits", "check_batch", "ENV_PREFIX"]

ENV_PREFIX = "ZONING_APP_"
_ENV = {"max_batch": "MAX_BATCH", "jobs": "JOBS", "jobs_per_visitor": "JOBS_PER_VISITOR", "job_wait_s": "JOB_WAIT_S"}


@dataclass(frozen=True)
class AppLimits:
    """The app's limits for one server (see the module text)."""

    max_batch: int = 2000
    jobs: int = 2
    jobs_per_visitor: int = 1
    job_wait_s: float = 300.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppLimits:
        """The defaults with ``ZONING_APP_*`` variables applied.

        Raises
        ------
        InputError
            If a variable is not a positive number (the message names it).
        """
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for f in fields(cls):
            var = ENV_PREFIX + _ENV[f.name]
            raw = env.get(var, "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if value <= 0:
                msg = f"environment variable {var}={raw!r} is not a positive number; expected e.g. {var}=4"
                raise InputError(msg, zh=f"环境变量 {var}={raw!r} 不是正数；应如 {var}=4")
            values[f.name] = value if f.type in ("float", float) else int(value)
        return cls(**values)  # type: ignore[arg-type]


def app_limits() -> AppLimits:
    """The limits in force (read from the environment on each call: a stat-free dict lookup)."""
    return AppLimits.from_env()


def check_batch(count: int, source: str, *, limits: AppLimits | None = None) -> None:
    """Refuse a batch of more than ``max_batch`` projects before any of it is screened.

    Raises
    ------
    InputError
        Naming the file, the count, the limit and the setting that raises it.
    """
    limit = (limits or app_limits()).max_batch
    if count <= limit:
        return
    var = ENV_PREFIX + _ENV["max_batch"]
    msg = (
        f"{source} holds {count:,} projects, more than the {limit:,} one batch may screen on this server "
        f"(limit max_batch); split the file, or ask the administrator to raise {var}"
    )
    zh = (
        f"{source} 含 {count:,} 个项目，超过本服务器单次批量筛查的上限 {limit:,} 个（限制项 max_batch）；"
        f"请拆分文件后分批筛查，或请管理员通过环境变量 {var} 提高上限"
    )
    raise InputError(msg, zh=zh)
