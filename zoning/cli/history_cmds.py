"""``python -m zoning history show|find|rescreen|affected``: saved screenings by their number.

Screenings are saved by reviewers in the app, or with ``screen --save``; they are kept in
the bureau's database (``ZONING_DATA_DIR`` / ``ZONING_DB_URL``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gis.errors import InputError
from zoning.cli.errors import InputFailure, planning_errors
from zoning.cli.options import catalog_option, format_option, lang_option, output_option, rules_option, zones_option
from zoning.model import VERDICTS

__all__ = ["COMMANDS", "history_group"]

_FORMAT = format_option(["text", "json"], default="text")



def _archive() -> Any:
    from zoning.bureau.service import open_bureau

    return open_bureau().archive


def _echo_json(data: Any) -> None:
    from gis.strictjson import dumps

    click.echo(dumps(data, ensure_ascii=False, indent=2, default=str))


def _not_found(number: str) -> InputFailure:
    msg = f"no screening is saved under the number {number!r}; find one with `python -m zoning history find`"
    return InputFailure(msg, zh=f"没有编号为“{number}”的已保存筛查；可用 `python -m zoning history find` 查找")


def _open_store(zones: Path | None, catalog: str | None) -> Any:
    from layers.paths import DEFAULT_STORE
    from layers.store import ZoneStore

    path = zones or DEFAULT_STORE
    if not path.exists():
        msg = f"zone store {str(path)!r} does not exist; give --zones FILE.gpkg"
        raise InputError(msg, zh=f"图层库 {path} 不存在；请用 --zones 指定 GeoPackage 文件")
    return ZoneStore.open(path, catalog=catalog)


def _rules(rules_path: str | None, catalog: str | None) -> Any:
    if not (rules_path or catalog):
        return None
    from zoning.rules import load_rules

    return load_rules(rules_path, catalog_path=catalog)


@click.group("history")
def history_group() -> None:
    """Saved screenings: 已保存的筛查（按报告编号查找、重新筛查）.

    \b
    $ python -m zoning history find --name 养殖场 --date 2026-12-06
    $ python -m zoning history show EZS-20261206-3F9A2C1B
    $ python -m zoning history show EZS-20261206-3F9A2C1B --format pdf -o 报告.pdf
    $ python -m zoning history rescreen EZS-20261206-3F9A2C1B --zones county.gpkg
    $ python -m zoning history affected --zones county.gpkg
    """


@history_group.command("show")
@click.argument("number")
@format_option(["text", "json", "pdf", "docx", "xlsx", "csv"], default="text",
               help="text/json: the record; pdf, docx, xlsx, csv: its report, printing its number (-o).")  # fmt: skip
@output_option(help="Output file for a report format.")
@lang_option
def show_cmd(number: str, fmt: str, output: Path | None, overwrite: bool, lang: str) -> None:
    """Print the screening saved as NUMBER, as it was saved (not re-run)."""
    with planning_errors():
        saved = _archive().get(number)
    if saved is None:
        raise _not_found(number)
    if fmt == "json":
        _echo_json(saved.to_dict())
        return
    if fmt != "text":
        from zoning.report import render_report

        if output is None and fmt in ("pdf", "docx", "xlsx"):
            msg = f"--format {fmt} writes a file: give -o OUT.{fmt}"
            raise InputFailure(msg, zh=f"--format {fmt} 输出的是文件：请用 -o 指定文件名")
        with planning_errors():
            data = render_report(list(saved.results), fmt, lang=lang, batch=saved.batch, number=saved.number)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
            click.echo(f"已写出 written: {output}")
        return
    click.echo(f"编号 number      {saved.number}")
    click.echo(f"保存 saved       {saved.saved_at} by {saved.saved_by} ({saved.source})")
    click.echo(f"结论 verdict     {saved.verdict}")
    click.echo(f"图层库 store     {saved.store} (sha256 {saved.store_sha256[:12]}); rules {saved.rules_sha256[:12]}")
    if saved.as_of:
        click.echo(f"依日期 as of     {saved.as_of}")
    for layer, v in sorted(saved.versions.items()):
        click.echo(f"  {layer}: {v.get('label')} 生效 effective {v.get('effective_date') or '-'}")
    for r in saved.results:
        p = r.project
        extra = "".join(f"; {k} {v}" for k, v in (("建设单位", p.builder), ("项目代码", p.project_code)) if v)
        click.echo(f"[{p.index + 1}] {p.name} ({p.type}, {p.county or '-'}{extra}): {r.verdict}, {len(r.conflicts)} conflict(s)")
        for c in r.conflicts:
            click.echo(f"     {c.verdict:<11} {c.layer} {c.feature} {c.zone or ''} {c.rule_id} "
                       f"overlap {c.overlap_area_m2:,.1f} m²")  # fmt: skip


@history_group.command("find")
@click.option("--number", metavar="TEXT", help="A part of the number.")
@click.option("--name", metavar="TEXT", help="A part of a project's name.")
@click.option("--county", metavar="TEXT", help="A part of a project's county.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Saved on this day.")
@click.option("--from", "day_from", metavar="YYYY-MM-DD", help="Saved on or after this day.")
@click.option("--to", "day_to", metavar="YYYY-MM-DD", help="Saved on or before this day.")
@click.option("--verdict", type=click.Choice(VERDICTS), help="A project with this verdict.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@_FORMAT
def find_cmd(fmt: str, day: str | None, day_from: str | None, day_to: str | None, **filters: Any) -> None:
    """Find saved screenings (newest first)."""
    with planning_errors():
        found = _archive().find(day_from=day or day_from, day_to=day or day_to, **filters)
    if fmt == "json":
        _echo_json([s.__dict__ for s in found])
        return
    if not found:
        click.echo("（未找到 / none found）")
        return
    for s in found:
        names = "、".join(s.names) + (" …" if s.projects > len(s.names) else "")
        click.echo(f"{s.number}  {s.saved_at}  {s.saved_by:<12} {s.verdict:<11} {s.projects:>4}  {names}  "
                   f"{'、'.join(s.counties)}{'  as of ' + s.as_of if s.as_of else ''}")  # fmt: skip


def _echo_changes(again: Any) -> None:
    saved = again.saved
    now = again.results[0].data if again.results else None
    click.echo(f"编号 number {saved.number}: {saved.verdict} → "
               f"{'、'.join(sorted({r.verdict for r in again.results}))}"
               f"{' (结论改变 verdict changed)' if again.verdict_changed else ''}")  # fmt: skip
    click.echo(f"图层库 store {saved.store_sha256[:12]} → {now.sha256[:12] if now else '-'}"
               f"{'; 规则已变 rules changed' if again.rules_changed else ''}; {again.seconds:.3f} s")  # fmt: skip
    for change in again.changes:
        if not change.changed:
            continue
        click.echo(f"[{change.position + 1}] {change.name}: {change.verdict_before} → {change.verdict_after}")
        for c in change.added:
            click.echo(f"   + {c.verdict:<11} {c.layer} {c.feature} {c.zone or ''} {c.rule_id}")
        for c in change.removed:
            click.echo(f"   - {c.verdict:<11} {c.layer} {c.feature} {c.zone or ''} {c.rule_id}")
        for a in change.areas:
            click.echo(f"   ~ {a.key.label()}: {a.before:,.1f} → {a.after:,.1f} ({a.delta:+,.1f}) {a.measure}")
    if not again.changed:
        click.echo("无变化 / nothing changed")


@history_group.command("rescreen")
@click.argument("number")
@zones_option
@rules_option
@catalog_option
@_FORMAT
def rescreen_cmd(number: str, zones: Path | None, rules_path: str | None, catalog: str | None, fmt: str) -> None:
    """Screen the saved NUMBER again against today's data and say what changed: the verdict,
    conflicts added and removed, overlap areas."""
    with planning_errors():
        archive = _archive()
        if archive.get(number) is None:
            raise _not_found(number)
        again = archive.rescreen(number, _open_store(zones, catalog), rules=_rules(rules_path, catalog))
    if fmt == "json":
        _echo_json(again.to_dict())
        return
    _echo_changes(again)


@history_group.command("affected")
@zones_option
@rules_option
@catalog_option
@_FORMAT
def affected_cmd(zones: Path | None, rules_path: str | None, catalog: str | None, fmt: str) -> None:
    """Screen every saved screening again against the store (after a new layer version) and
    list those whose verdict would change, with the time each took."""
    with planning_errors():
        report = _archive().affected(_open_store(zones, catalog), rules=_rules(rules_path, catalog))
    if fmt == "json":
        _echo_json(report.to_dict())
        return
    click.echo(f"已重新筛查 re-screened {report.checked} saved screening(s), {report.projects} project(s) in "
               f"{report.seconds:.2f} s ({report.seconds_per_screening * 1000:.1f} ms each)")  # fmt: skip
    if not report.changed:
        click.echo("结论均未改变 / no verdict would change")
    for again in report.changed:
        _echo_changes(again)


COMMANDS: list[click.Command] = [history_group]
