"""What one anonymous visitor of the app may ask of the server, and how to raise it.

Two sets of limits, each named in its message with the setting that raises it:

* **What a file may cost to read** — the readers' limits (``gis.limits``: decompressed
  bytes and ratio of a zip/KMZ, text and file sizes, features, vertices, projects per
  request), the same names and ``ZONING_MAX_*`` variables as the command line, but with
  stricter defaults for a public server (:data:`APP_READER_DEFAULTS`). ``ui.frame`` runs
  every page inside ``limits_in_force(reader_limits())``. A ``ZONING_MAX_*`` variable raises
  (or lowers) a limit for the app and the command line alike.
* **How much work runs at once** — the job queue (``ui.jobs``):

  ============================  ==============================================  =======
  setting                       what                                            default
  ============================  ==============================================  =======
  ``ZONING_APP_JOBS``           heavy jobs (reading an upload, screening,       2
                                making a report) running at once; more wait
  ``ZONING_APP_JOBS_PER_        heavy jobs of one visitor at once               1
  VISITOR``
  ``ZONING_APP_JOB_WAIT_S``     how long a job waits for its turn before the    300
                                visitor is asked to retry
  ============================  ==============================================  =======

The upload size is Streamlit's own ``server.maxUploadSize`` (50 MB in
``.streamlit/config.toml``; ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE`` raises it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from gis.errors import InputError
from gis.limits import BATCH, Limits, check_count

__all__ = ["APP_READER_DEFAULTS", "AppLimits", "app_limits", "reader_limits", "check_batch", "ENV_PREFIX"]

_MIB = 2**20

#: The readers' limits for anonymous visitors, before ``ZONING_MAX_*`` variables: a tenth to
#: a quarter of the command line's (a planner's desk), still far above a county's projects.
APP_READER_DEFAULTS = Limits(
    unzipped_bytes=512 * _MIB, text_bytes=128 * _MIB, file_bytes=256 * _MIB, features=100_000, vertices=5_000_000, batch=2_000,
)

ENV_PREFIX = "ZONING_APP_"
_ENV = {"jobs": "JOBS", "jobs_per_visitor": "JOBS_PER_VISITOR", "job_wait_s": "JOB_WAIT_S"}


def reader_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """The readers' limits in the app: :data:`APP_READER_DEFAULTS` with ``ZONING_MAX_*`` applied.

    Raises
    ------
    LimitError
        If a variable is not a positive number (the message names it).
    """
    return Limits.from_env(environ, base=APP_READER_DEFAULTS)


@dataclass(frozen=True)
class AppLimits:
    """The job queue's limits (see the module text)."""

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
    """The job queue's limits in force (read from the environment on each call)."""
    return AppLimits.from_env()


def check_batch(count: int, source: str, *, limits: Limits | None = None) -> None:
    """Refuse a batch of more than the ``batch`` limit of projects before any of it is
    screened (the readers check it too, when the projects are built; this says it as soon
    as the file is read, before the columns are mapped).

    Raises
    ------
    LimitError
        Naming the file, the count, the limit and the setting that raises it.
    """
    check_count(BATCH, count, source, limits=limits or reader_limits())
