"""``python -m zoning layers list|validate|import|versions|rollback``: the zone store from the shell.

Exit codes (DESIGN.md): 0 done (``validate``: the store is usable; warnings are printed);
2 bad input or usage — a missing or invalid store, a layer that does not fit the catalogue,
an existing layer without ``--replace`` — with a message naming the file, layer, field or
value. Tables and results go to stdout, errors to stderr.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

import click

from gis.errors import PlanningError
from gis.repair import GeometryRepairWarning
from zoning.cli.errors import InputFailure, error_text
from zoning.cli.options import catalog_option, format_option
from zoning.cli.usage import BilingualBadParameter

__all__ = ["COMMANDS", "layers_group"]

_LEGAL_STATUS = {"法定": "法定", "示意": "示意", "official": "法定", "illustrative": "示意"}


@contextlib.contextmanager
def _planning_errors() -> Iterator[None]:
    """A PlanningError becomes ``错误：<中文>`` + ``Error: <English>`` and exit 2, also when ``cli`` runs standalone."""
    try:
        yield
    except PlanningError as err:
        raise InputFailure.of(err) from err


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


_FORMAT = format_option(["text", "json"], default="text")
_CATALOG = catalog_option


@click.group("layers")
def layers_group() -> None:
    """The zone store (a GeoPackage): 图层列表、校验、导入、版本与回退.

    \b
    $ python -m zoning layers list data/zones.gpkg
    $ python -m zoning layers validate county.gpkg
    $ python -m zoning layers import county.gpkg 水源保护区.zip --layer water_source --map 名称=name --map 级别=grade
    $ python -m zoning layers versions county.gpkg water_source
    $ python -m zoning layers rollback county.gpkg water_source 1
    """


# --- list ----------------------------------------------------------------------------------


@layers_group.command("list")
@click.argument("store", type=click.Path(dir_okay=False))
@_FORMAT
@_CATALOG
def list_cmd(store: str, fmt: str, catalog: str | None) -> None:
    """List the layers of STORE: id, title, features, geometry, CRS, legal status; absent and extra layers.

    \b
    $ python -m zoning layers list data/zones.gpkg
    """
    from layers.store import ZoneStore

    with _planning_errors():
        opened = ZoneStore.open(store, catalog=catalog)
        info = opened.layer_info()
    if fmt == "json":
        _echo_json(
            {
                "store": store,
                "sha256": opened.sha256,
                "layers": {lid: asdict(s) for lid, s in info.items()},
                "absent_layers": list(opened.absent_layers),
                "extra_layers": list(opened.extra_layers),
            }
        )
        return
    head = ["图层 layer", "名称 title", "要素 features", "几何 geometry", "坐标系 CRS", "法律效力 legal status"]
    rows = [[s.layer, s.title_zh, str(s.features), s.geometry_type, s.crs, s.legal_status] for s in info.values()]
    click.echo(f"图层库 zone store {store} (sha256 {opened.sha256[:12]})")
    click.echo(_table([head, *rows]) if rows else "(无目录图层 / no catalogue layers)")
    absent = ", ".join(opened.absent_layers) or "-"
    click.echo(f"缺少的图层 absent layers (not screened): {absent}")
    if opened.extra_layers:
        click.echo(f"目录外图层 extra layers (kept, not screened): {', '.join(opened.extra_layers)}")
    if any(s.legal_status != "法定" for s in info.values()):
        click.echo("注意：含示意数据，不具法律效力 / note: contains illustrative data, no legal force")


# --- validate ------------------------------------------------------------------------------


@layers_group.command("validate")
@click.argument("store", type=click.Path(dir_okay=False))
@_FORMAT
@_CATALOG
@click.pass_context
def validate_cmd(ctx: click.Context, store: str, fmt: str, catalog: str | None) -> None:
    """Check every layer of STORE against the catalogue and list every problem.

    Exit 0 when the store is usable (warnings are printed), 2 when it has errors.

    \b
    $ python -m zoning layers validate county.gpkg
    """
    from layers.store import format_problems, validate_store

    with _planning_errors():
        problems = validate_store(store, catalog=catalog)
    errors = sum(p.severity == "error" for p in problems)
    if fmt == "json":
        _echo_json({"store": store, "valid": errors == 0, "problems": [asdict(p) for p in problems]})
    else:
        verdict = "无效 invalid" if errors else "有效 valid"
        click.echo(f"图层库 zone store {store}: {verdict} — {errors} error(s), {len(problems) - errors} warning(s)")
        if problems:
            click.echo(format_problems(problems, limit=len(problems)))
    if errors:
        msg = f"zone store {store} has {errors} error(s); see the list above"
        click.echo(error_text(msg, f"图层库 {store} 有 {errors} 个错误，见上方列表"), err=True)
        ctx.exit(2)


# --- import --------------------------------------------------------------------------------


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or not dst.strip():
            msg = f"{pair!r}: expected SOURCE_FIELD=CATALOGUE_FIELD, e.g. 名称=name"
            zh = f"“{pair}”：应为“源字段=目录字段”，如 名称=name"
            raise BilingualBadParameter(msg, zh=zh, param_hint="--map")
        if src.strip() in out:
            msg = f"{pair!r}: source field {src.strip()!r} is mapped twice"
            zh = f"“{pair}”：源字段“{src.strip()}”被对应了两次"
            raise BilingualBadParameter(msg, zh=zh, param_hint="--map")
        out[src.strip()] = dst.strip()
    return out


def _echo_import(result: Any, store: str) -> None:
    click.echo(
        f"已导入 imported layer {result.layer} v{result.version} into {store}: {result.features} feature(s), "
        f"{result.crs}, {result.legal_status}"
    )
    if result.replaced_version is not None:
        click.echo(
            f"原版本 v{result.replaced_version} 已保留 / previous version kept; restore it with "
            f"`python -m zoning layers rollback {store} {result.layer} {result.replaced_version}`"
        )
    for note in result.notes:
        click.echo(f"  · {note}")
    for problem in result.warnings:
        click.echo(f"  - {problem}")


@layers_group.command("import")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("file")
@click.option(
    "--layer", "layer_id", required=True, metavar="ID", help="Catalogue layer to import as (water_source ...)."
)
@click.option(
    "--map", "maps", multiple=True, metavar="SRC=DST", help="Map a source field to a catalogue field; repeatable."
)
@click.option("--crs", metavar="CRS", help="CRS of FILE, overriding its own: 4526, EPSG:4547, a .prj text.")
@click.option("--encoding", metavar="ENC", help="Text encoding of FILE's attributes (GBK, BIG5 ...) when it cannot be told.")
@click.option(
    "--legal-status",
    type=click.Choice(list(_LEGAL_STATUS)),
    default="法定",
    show_default=True,
    help="法定 official (fills features without a value) or 示意 illustrative (all features).",
)
@click.option("--source", metavar="TEXT", help="Approving document, e.g. 湘政函〔2016〕176号.")
@click.option("--effective-date", metavar="YYYY-MM-DD", help="Date the zoning took effect.")
@click.option("--version", "version_label", metavar="TEXT", help="Version label [default: v<N>].")
@click.option("--replace", is_flag=True, help="Replace an existing layer; the current version is kept for rollback.")
@click.option(
    "--source-layer", metavar="NAME", help="Layer of a multi-layer FILE (GeoPackage layer, shapefile in a zip)."
)
@_CATALOG
def import_cmd(store: str, file: str, layer_id: str, maps: tuple[str, ...], **opts: Any) -> None:
    """Import FILE (zipped Shapefile, GeoPackage, FileGDB, GeoJSON, DXF, or a WFS / ArcGIS REST
    FeatureServer layer URL) into STORE as catalogue layer --layer.

    \b
    $ python -m zoning layers import county.gpkg 水源保护区.zip --layer water_source \\
          --map 名称=name --map 级别=grade --source 湘政函〔2016〕176号 --effective-date 2016-12-30
    """
    from layers.importer import import_layer

    field_map = _parse_map(maps)
    with _planning_errors(), warnings.catch_warnings():
        # Repairs are listed in the notes printed below; the warning would only repeat them.
        warnings.simplefilter("ignore", GeometryRepairWarning)
        result = import_layer(
            store,
            file,
            layer_id=layer_id,
            field_map=field_map,
            crs=opts["crs"],
            legal_status=_LEGAL_STATUS[opts["legal_status"]],
            source=opts["source"],
            effective_date=opts["effective_date"],
            version=opts["version_label"],
            replace=opts["replace"],
            source_layer=opts["source_layer"],
            catalog=opts["catalog"],
            encoding=opts["encoding"],
        )
    _echo_import(result, store)


# --- versions and rollback -----------------------------------------------------------------


@layers_group.command("versions")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("layer")
@_FORMAT
@_CATALOG
def versions_cmd(store: str, layer: str, fmt: str, catalog: str | None) -> None:
    """List the versions of LAYER in STORE (current one marked *).

    \b
    $ python -m zoning layers versions county.gpkg water_source
    """
    from layers.importer import list_versions

    with _planning_errors():
        versions = list_versions(store, layer, catalog=catalog)
    if fmt == "json":
        _echo_json([asdict(v) for v in versions])
        return
    if not versions:
        click.echo(f"图层 {layer} 无版本记录 / layer {layer} has no versions in {store}")
        return
    head = ["版本 version", "操作 action", "时间 recorded at", "操作人 by", "来源文件 file", "要素 features",
            "坐标系 CRS", "法律效力 status", "批复 source", "可恢复 restorable"]  # fmt: skip
    rows = [
        [
            f"{'*' if v.current else ' '}v{v.version}" + (f" ({v.label})" if v.label else ""),
            v.action,
            v.recorded_at,
            v.recorded_by,
            v.source_file or "-",
            "-" if v.features is None else str(v.features),
            v.crs or "-",
            v.legal_status or "-",
            v.source or "-",
            "是 yes" if v.available else "否 no",
        ]
        for v in versions
    ]
    click.echo(_table([head, *rows]))
    click.echo("* 当前版本 / current version")


def _parse_version(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    text = value.strip().lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        msg = f"{value!r}: expected a version number such as 2 or v2 (see `layers versions`)"
        zh = f"“{value}”：应为版本号，如 2 或 v2（见 `layers versions`）"
        raise BilingualBadParameter(msg, zh=zh)
    return int(text)


@layers_group.command("rollback")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("layer")
@click.argument("version", callback=_parse_version)
@_CATALOG
def rollback_cmd(store: str, layer: str, version: int, catalog: str | None) -> None:
    """Make VERSION of LAYER current again; the version it replaces is kept.

    \b
    $ python -m zoning layers rollback county.gpkg water_source 1
    """
    from layers.importer import rollback

    with _planning_errors():
        result = rollback(store, layer, version, catalog=catalog)
    click.echo(
        f"已回退 rolled back {result.layer} in {store} to v{result.version} ({result.features} feature(s)); "
        f"v{result.previous_version} kept"
    )


COMMANDS: list[click.Command] = [layers_group]
