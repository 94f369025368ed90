"""``python -m zoning rules list|validate``: show the rule matrix, check a rules file."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence

import click

from gis.errors import InputError, PlanningError
from zoning.cli.errors import InputFailure
from zoning.cli.options import catalog_option, format_option, lang_option, rules_option
from zoning.model import VERDICT_LABELS, confidence_label
from zoning.rule_listing import rule_dict
from zoning.rules import Rule, load_project_types, load_rules

__all__ = ["COMMANDS", "rules"]


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _row(rule: Rule, lang: str) -> list[str]:
    where = rule.predicate if rule.distance_m is None else f"{rule.predicate} {rule.distance_m:g} m"
    filters = [f"{k}={'/'.join(v)}" for k, v in rule.where.items()]
    filters += [f"{k}≠{'/'.join(v)}" for k, v in rule.where_not.items()]
    scope = "/".join(rule.zones) or ("*" if not filters else "")
    if filters:
        scope = " ".join(filter(None, [scope, *filters]))
    when = " & ".join(c.describe(lang) for c in rule.when) + (" (fallback)" if rule.fallback else "")
    verdict = VERDICT_LABELS[rule.verdict]["en" if lang == "en" else "zh"]
    conf = rule.confidence if lang == "en" else confidence_label(rule.confidence, "zh")
    if rule.admin:
        scope = " ".join(filter(None, [scope, f"@{'/'.join(rule.admin)}"]))
    return [rule.id, "+".join(rule.all_layers), scope, where, when.strip(), verdict, rule.condition(lang), rule.basis, conf]


@click.group("rules")
def rules() -> None:
    """The statutory rule matrix (data/rules.yaml): 规则列表与校验.

    \b
    $ python -m zoning rules list --type 畜禽养殖场
    $ python -m zoning rules validate my_rules.yaml
    """


@rules.command("list")
@click.option(
    "--type", "type_", metavar="TYPE", help="Only rules that can apply to this project type (key, 中文名称 or alias)."
)
@click.option("--layer", metavar="LAYER", help="Only rules of this zone layer.")
@format_option(["table", "json"], default="table")
@lang_option
@rules_option
@catalog_option
def list_rules(
    type_: str | None, layer: str | None, fmt: str, lang: str, rules_path: str | None, catalog: str | None
) -> None:
    """List the rules (optionally those applicable to a project type or a layer).

    \b
    $ python -m zoning rules list --type road --layer eco_redline --format json
    """
    try:
        ruleset = load_rules(rules_path, catalog_path=catalog)
        selected = ruleset.applicable(type_) if type_ else list(ruleset.active)
        if layer:
            if layer not in ruleset.layers:
                msg = f"--layer {layer!r} has no rules; expected one of {list(ruleset.layers)}"
                raise InputError(msg, zh=f"--layer “{layer}”没有规则；应为 {'、'.join(ruleset.layers)} 之一")
            selected = [r for r in selected if layer in r.all_layers]
    except PlanningError as err:
        raise InputFailure.of(err) from err
    if fmt == "json":
        click.echo(json.dumps([rule_dict(r) for r in selected], ensure_ascii=False, indent=2))
        return
    head = (
        ["id", "layer", "zones", "predicate", "when", "verdict", "condition", "basis", "confidence"]
        if lang == "en"
        else ["编号", "图层", "分区", "空间关系", "条件", "结论", "说明", "法律依据", "核实"]
    )
    click.echo(_table([head, *(_row(r, lang) for r in selected)]), nl=False)


@rules.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--project-types",
    "types_path",
    type=click.Path(dir_okay=False),
    help="Project types file [default: data/project_types.yaml].",
)
@catalog_option
def validate(file: str, types_path: str | None, catalog: str | None) -> None:
    """Check a rules FILE against the layer catalogue and the project types; list every
    problem (exit 2) or confirm it (exit 0).

    \b
    $ python -m zoning rules validate data/rules.yaml
    """
    try:
        ruleset = load_rules(file, project_types=load_project_types(types_path), catalog_path=catalog)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    retired = len(ruleset) - len(ruleset.active)
    extra = f" ({retired} retired)" if retired else ""
    click.echo(f"{file}: {len(ruleset)} rules OK{extra}, layers: {', '.join(ruleset.layers)}")


COMMANDS: list[click.Command] = [rules]
