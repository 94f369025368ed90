"""Options several commands share, defined once (in the manner of rasterio's ``rio/options.py``).

* ``zones_option``, ``rules_option``, ``catalog_option``: the data a command works on.
* ``format_option(choices, ...)``, ``lang_option``: what it prints and in which language.
* ``output_option(...)``: ``-o/--output`` with ``--overwrite``. An existing file is refused,
  before any work is done, unless ``--overwrite`` is given (exit 2, the message names the
  file and the flag), as rasterio's commands do: a mistyped ``-o`` never destroys a file.
  ``overwrite_option`` alone serves commands whose output is a folder argument.
* ``verbosity_options``: ``-v`` (info; ``-vv`` debug) and ``-q`` (errors only) on the command
  group, setting through ``gis.log.configure_logging`` what the project's loggers write to
  standard error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from gis.log import configure_logging
from layers.paths import is_postgres_url
from zoning.cli.errors import InputFailure

__all__ = [
    "zones_option",
    "rules_option",
    "catalog_option",
    "format_option",
    "lang_option",
    "output_option",
    "overwrite_option",
    "refuse_existing",
    "verbosity_options",
]

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

class ZonesParam(click.ParamType):
    """A zone store: a GeoPackage path (a ``Path``) or a PostGIS URL (kept as the string
    ``postgresql://user:pass@host/db?schema=NAME``; ``layers.pgstore``)."""

    name = "STORE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        if is_postgres_url(text):
            return text
        return click.Path(dir_okay=False, path_type=Path).convert(text, param, ctx)


zones_option: Decorator[Any] = click.option(
    "--zones", type=ZonesParam(), default=None,
    help="Zone store: a GeoPackage, or a PostGIS schema as postgresql://user:pass@host/db?schema=NAME "
    "[default: the embedded data/zones.gpkg].",
)  # fmt: skip
rules_option: Decorator[Any] = click.option(
    "--rules", "rules_path", type=click.Path(dir_okay=False), help="Rules file [default: data/rules.yaml]."
)
catalog_option: Decorator[Any] = click.option(
    "--catalog", type=click.Path(dir_okay=False), help="Layer catalogue file [default: data/catalog.yaml]."
)
lang_option: Decorator[Any] = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    help="Language of tables and reports (zh: 中文, en: English).",
)  # fmt: skip


def format_option(choices: Sequence[str], *, default: str, help: str | None = None) -> Decorator[Any]:
    """``--format`` (into the parameter ``fmt``) choosing one of ``choices``."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default, show_default=True,
                        help=help)  # fmt: skip


def refuse_existing(path: Path | str | None, *, overwrite: bool, option: str = "-o") -> None:
    """Refuse to replace an existing ``path`` unless ``overwrite``: exit 2 naming it and ``--overwrite``.

    A folder counts as existing when it holds anything (an empty one is written into).

    Raises
    ------
    InputFailure
        ``path`` exists and ``overwrite`` is False.
    """
    if path is None or overwrite:
        return
    target = Path(path)
    if target.is_dir():
        if not any(target.iterdir()):
            return
        msg = f"{option} {target}: the folder already exists and is not empty; give --overwrite to replace its contents"
        zh = f"{option} {target}：文件夹已存在且不为空；如要替换其内容，请加 --overwrite"
        raise InputFailure(msg, zh=zh)
    if target.exists():
        msg = f"{option} {target}: the file already exists; give --overwrite to replace it"
        raise InputFailure(msg, zh=f"{option} {target}：文件已存在；如要覆盖，请加 --overwrite")


def overwrite_option(help: str = "Replace an existing output.") -> Decorator[Any]:
    """``--overwrite``: processed before the other options (eager), so ``-o`` can check it."""
    return click.option("--overwrite", is_flag=True, is_eager=True, help=help)


def _check_output(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    refuse_existing(value, overwrite=bool(ctx.params.get("overwrite")))
    return value


def output_option(*, required: bool = False, help: str = "Output file.", check: bool = True,
                  default: Path | None = None, show_default: bool = False,
                  overwrite_help: str = "Replace an existing output file.", dir_okay: bool = False) -> Decorator[Any]:
    """``-o/--output`` (a file, into the parameter ``output``) and ``--overwrite``.

    Parameters
    ----------
    check
        Refuse an existing file while the options are parsed (False: the command calls
        ``refuse_existing`` itself, e.g. only when it will write).
    dir_okay
        The output may be a folder (``screen --format gdb -o X.gdb``).
    """
    output = click.option("-o", "--output", type=click.Path(dir_okay=dir_okay, path_type=Path), required=required,
                          default=default, show_default=show_default, help=help,
                          callback=_check_output if check else None)  # fmt: skip

    def decorator(f: F) -> F:
        return overwrite_option(overwrite_help)(output(f))

    return decorator


def _set_verbosity(ctx: click.Context, param: click.Parameter, value: int) -> None:
    # Called once per option (given or not); the second call sees both counts.
    counts = ctx.meta.setdefault("zoning.verbosity", {"verbose": 0, "quiet": 0})
    counts[param.name or ""] = value or 0
    configure_logging(counts["verbose"] - counts["quiet"])


def verbosity_options(f: F) -> F:
    """``-v/--verbose`` and ``-q/--quiet`` (each repeatable), applied to the logging level at once."""
    quiet = click.option("-q", "--quiet", count=True, callback=_set_verbosity, expose_value=False,
                         help="Less output on standard error: errors only.")  # fmt: skip
    verbose = click.option("-v", "--verbose", count=True, callback=_set_verbosity, expose_value=False,
                           help="More output on standard error: -v progress, -vv debugging detail.")  # fmt: skip
    return verbose(quiet(f))
