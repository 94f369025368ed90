"""Command-line usage errors in both languages.

click words its usage errors in English only ("Missing argument 'FILE'.", "No such option",
"Invalid value for '--format'", "Got unexpected extra argument", "No such command"). The
CLI prints every other error as ``错误：<中文>`` then ``Error: <English>``; these get the
same treatment here, with the usage line click shows above them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import click

__all__ = ["BilingualBadParameter", "usage_error_text"]


class BilingualBadParameter(click.BadParameter):
    """A bad option value whose message is also written in Chinese (``zh``)."""

    def __init__(self, message: str, *, zh: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.zh = zh


def _hint(err: click.UsageError) -> str:
    param = getattr(err, "param", None)
    hint = getattr(err, "param_hint", None)
    if hint is None and param is not None and err.ctx is not None:
        hint = param.get_error_hint(err.ctx)
    if isinstance(hint, list | tuple):
        hint = " / ".join(str(h) for h in hint)
    return str(hint or "").strip("'\"")


_KINDS_ZH = {"float": "数值", "integer": "整数", "boolean": "布尔值（true/false）"}

# click's English wordings (the value and choices kept as they are) -> the Chinese sentence.
_WORDINGS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^(.*?) is not one of (.*?)\.?$"),
        lambda m: f"{m.group(1)} 不是可选值之一（可选：{'、'.join(c.strip() for c in m.group(2).split(','))}）",
    ),
    (re.compile(r"^(.*?) is not in the range (.*?)\.?$"), lambda m: f"{m.group(1)} 不在允许的范围内（{m.group(2)}）"),
    (
        re.compile(r"^(.*?) is not a valid (float|integer|boolean)( range)?\.?$"),
        lambda m: f"{m.group(1)} 不是有效的{_KINDS_ZH[m.group(2)]}",
    ),
    (
        re.compile(r"^(?:File|Path) (.*?) (does not exist|is a directory)\.?$"),
        lambda m: f"文件 {m.group(1)} {'不存在' if m.group(2) == 'does not exist' else '是文件夹'}",
    ),
    (
        re.compile(r"^Got unexpected extra arguments? \((.*)\)$"),
        lambda m: f"多余的参数：{m.group(1)}（文件名含空格时请加引号）",
    ),
    (re.compile(r"^No such command '(.*)'\.?$"), lambda m: f"没有子命令“{m.group(1)}”；可用 --help 查看全部子命令"),
)


def _translated(message: str) -> str | None:
    for pattern, say in _WORDINGS:
        m = pattern.match(message)
        if m:
            return say(m)
    return None


def _zh(err: click.UsageError) -> str:
    message = err.format_message()
    if isinstance(err, BilingualBadParameter):
        return f"参数 {_hint(err)} 的值无效：{err.zh}"
    if isinstance(err, click.MissingParameter):
        return f"缺少参数 {_hint(err) or message}"
    if isinstance(err, click.NoSuchOption):
        possible = f"（是否想用：{'、'.join(err.possibilities)}）" if err.possibilities else ""
        return f"没有选项 {err.option_name}{possible}"
    if isinstance(err, click.BadParameter):
        detail = re.sub(r"^Invalid value(?: for [^:]+)?:\s*", "", message)
        return f"参数 {_hint(err)} 的值无效：{_translated(detail) or detail}"
    return _translated(message) or f"用法错误：{message}"


def usage_error_text(err: click.UsageError) -> str:
    """What the CLI prints for a usage error: click's usage lines, then Chinese and English."""
    lines = []
    if err.ctx is not None:
        lines.append(err.ctx.get_usage())
        lines.append(f"Try '{err.ctx.command_path} {err.ctx.help_option_names[0]}' for help / 用 --help 查看帮助。\n")
    lines.append(f"错误：{_zh(err)}")
    lines.append(f"Error: {err.format_message()}")
    return "\n".join(lines)
