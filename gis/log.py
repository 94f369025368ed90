"""How much the screener says while it works: one call for the command line (``-v``/``-q``) or the app.

Every module that has something to say takes ``log = logging.getLogger(__name__)``; the
fallbacks (a cache that cannot be read, a file that is optional, a slower path) log what
they fell back from and why. Nothing is configured on import: until ``configure_logging``
runs, Python prints warnings and errors to stderr as they are and drops the rest.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["PACKAGES", "configure_logging", "level_for"]

#: The project's top-level packages: the loggers ``configure_logging`` sets.
PACKAGES = ("gis", "layers", "zoning", "ui")
_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (click's test runner swaps it per call)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break the program (logging's own rule)
            self.handleError(record)


_handler = _StderrHandler()
_handler.setFormatter(logging.Formatter(_FORMAT))


def level_for(verbosity: int) -> int:
    """The logging level for ``verbosity`` = number of ``-v`` minus number of ``-q``.

    Examples
    --------
    >>> [logging.getLevelName(level_for(v)) for v in (-2, -1, 0, 1, 2, 3)]
    ['ERROR', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'DEBUG']
    """
    if verbosity < 0:
        return logging.ERROR
    if verbosity == 0:
        return logging.WARNING
    return logging.INFO if verbosity == 1 else logging.DEBUG


def configure_logging(verbosity: int = 0) -> None:
    """Send the project's log records at ``level_for(verbosity)`` and above to stderr.

    Only the project's loggers (``PACKAGES``) are set; third-party libraries keep their own
    (warnings and up). Calling it again changes the level without adding a second handler.
    """
    level = level_for(verbosity)
    for name in PACKAGES:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if _handler not in logger.handlers:
            logger.addHandler(_handler)
