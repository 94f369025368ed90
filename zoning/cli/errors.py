"""How the CLI reports bad input: ``错误：<中文>`` then ``Error: <English>``, exit code 2 (DESIGN.md)."""

from __future__ import annotations

from typing import Any

import click

from gis.errors import PlanningError

__all__ = ["InputFailure", "error_text"]


def error_text(message: str, zh: str | None = None, *, prefix: str = "Error") -> str:
    """What the CLI prints for a bad input: ``错误：<中文>`` then ``Error: <English>``.

    A message without a Chinese text prints its English line only. When both texts end in
    the same block after their first line (the problem list of a zone store or an import,
    written once for both languages), that block is printed once, after the two lines.

    >>> print(error_text("x.csv is empty", "x.csv 为空"))
    错误：x.csv 为空
    Error: x.csv is empty
    """
    if not zh:
        return f"{prefix}: {message}"
    head_zh, sep_zh, tail_zh = zh.partition("\n")
    head_en, sep_en, tail_en = message.partition("\n")
    if sep_zh and sep_en and tail_zh == tail_en:
        return f"错误：{head_zh}\n{prefix}: {head_en}\n{tail_en}"
    return f"错误：{zh}\n{prefix}: {message}"


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
