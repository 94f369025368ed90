"""How the CLI reports bad input: ``错误：<中文>`` then ``Error: <English>``, exit code 2 (DESIGN.md).

The wording is ``gis.errors.error_text``, shared with the HTTP API (``zoning.api``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import click

from gis.errors import PlanningError, error_text

__all__ = ["InputFailure", "error_text", "planning_errors"]


class InputFailure(click.ClickException):
    """A PlanningError reported as ``错误：<中文>`` + ``Error: <English>`` with exit code 2 (DESIGN.md)."""

    exit_code = 2

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    @classmethod
    def of(cls, err: PlanningError) -> InputFailure:
        """The failure that reports ``err`` in both of its languages."""
        return cls(str(err), zh=err.zh)

    def show(self, file: Any = None) -> None:
        click.echo(error_text(self.format_message(), self.zh), file=file, err=file is None)


@contextlib.contextmanager
def planning_errors() -> Iterator[None]:
    """A PlanningError becomes ``错误：<中文>`` + ``Error: <English>`` and exit 2, also when
    ``cli`` runs standalone."""
    try:
        yield
    except PlanningError as err:
        raise InputFailure.of(err) from err
