"""The ``python -m zoning`` command group.

Each subcommand lives in its own module and is registered here. Every command parses
its arguments, calls the same core functions the UI uses, and writes the result.
Exit codes (DESIGN.md): 0 done; 2 bad input or usage, with a message naming the file,
field or value; 3 when ``--fail-on`` is reached. A ``PlanningError`` never reaches the
user as a traceback.
"""

from __future__ import annotations

import sys
import warnings
from typing import TextIO

import click

from gis.errors import PlanningError
from zoning.cli import (
    data_cmds,
    history_cmds,
    layers_cmds,
    map_cmds,
    rules_cmds,
    screen_cmds,
    serve_cmds,
    sites_cmds,
    users_cmds,
)
from zoning.cli.errors import error_text
from zoning.cli.options import verbosity_options
from zoning.cli.usage import usage_error_text

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@verbosity_options
def cli() -> None:
    """生态环境分区管控符合性筛查 — eco-zoning conflict screener for Hunan.

    \b
    $ python -m zoning screen project.geojson --type road --format json
    $ python -m zoning layers validate data/zones.gpkg
    $ python -m zoning -v screen sites.csv --type-field 类型 --format csv -o out.csv --overwrite
    $ python -m zoning serve --port 8000

    -v/-q (before the command) set how much is logged to standard error.
    """


for _module in (layers_cmds, rules_cmds, screen_cmds, sites_cmds, data_cmds, map_cmds, serve_cmds, users_cmds,
                history_cmds):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """One ``warning: <message>`` line on stderr (e.g. a repaired geometry), not Python's
    default ``path.py:599: Category: ...`` followed by the source line that warned."""
    click.echo(f"warning: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn a PlanningError into its message (Chinese, then English) and exit code 2."""
    with warnings.catch_warnings():
        # catch_warnings restores the previous showwarning on exit.
        warnings.showwarning = _show_warning
        _run(argv)


def _run(argv: list[str] | None) -> None:
    try:
        # standalone_mode=False so PlanningError reaches us; ctx.exit(n) comes back as n.
        rv = cli.main(args=argv, prog_name="python -m zoning", standalone_mode=False)
    except PlanningError as err:
        click.echo(error_text(str(err), err.zh, prefix="error"), err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("已中止 / aborted", err=True)
        sys.exit(1)
    except click.UsageError as err:
        click.echo(usage_error_text(err), err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    sys.exit(rv if isinstance(rv, int) else 0)
