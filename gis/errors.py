"""The one exception hierarchy of the product: every user-facing failure is a PlanningError.

Each class also inherits the builtin it specialises, so callers that only know
``ValueError`` or ``OSError`` still catch it. Messages name the input (file, layer,
field, value), say what was expected and, where possible, how to fix it. The CLI
turns any ``PlanningError`` into that message and exit code 2; pages show it with
``st.error``. Anything that is not a ``PlanningError`` is a bug and propagates.
"""

from __future__ import annotations

__all__ = [
    "PlanningError",
    "CRSError",
    "GeometryError",
    "DataSourceError",
    "SchemaError",
    "RuleConfigError",
    "InputError",
]


class PlanningError(Exception):
    """Base class: a problem with the user's input, data or configuration."""


class CRSError(PlanningError, ValueError):
    """A coordinate reference system is missing, unknown, implausible for the data,
    or geographic where metres are needed."""


class GeometryError(PlanningError, ValueError):
    """A geometry is empty, or invalid and cannot be repaired."""


class DataSourceError(PlanningError, OSError):
    """A file, layer or store cannot be opened or read."""


class SchemaError(PlanningError, ValueError):
    """A layer lacks required fields, has values outside the allowed set, or the
    wrong geometry type."""


class RuleConfigError(PlanningError, ValueError):
    """A rules, project-type or catalogue file has a bad entry."""


class InputError(PlanningError, ValueError):
    """A user-supplied value (CLI option, form field, coordinate text) is malformed."""
