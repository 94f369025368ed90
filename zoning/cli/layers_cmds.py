"""``python -m zoning layers list|validate|import|coverage|push|versions|rollback``: the zone store from the shell.

Exit codes (DESIGN.md): 0 done (``validate``: the store is usable; warnings are printed);
2 bad input or usage — a missing or invalid store, a layer that does not fit the catalogue,
an existing layer without ``--replace`` — with a message naming the file, layer, field or
value. Tables and results go to stdout, errors to stderr.
"""

from __future__ import annotations

import json
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from gis.repair import GeometryRepairWarning
from zoning.cli.errors import error_text, planning_errors
from zoning.cli.options import catalog_option, format_option
from zoning.cli.usage import BilingualBadParameter

__all__ = ["COMMANDS", "layers_group"]

_LEGAL_STATUS = {"法定": "法定", "示意": "示意", "official": "法定", "illustrative": "示意"}



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
    $ python -m zoning layers import county.gpkg 准入清单.xlsx --layer access_clause
    $ python -m zoning layers coverage county.gpkg water_source --adcodes 430902,430903
    $ python -m zoning layers versions county.gpkg water_source
    $ python -m zoning layers rollback county.gpkg water_source 1
    $ python -m zoning layers diff county.gpkg water_source 1 2 -o changed.gpkg
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

    with planning_errors():
        opened = ZoneStore.open(store, catalog=catalog)
        info = opened.layer_info()
    if fmt == "json":
        _echo_json(
            {
                "store": store,
                "sha256": opened.sha256,
                "layers": {lid: asdict(s) for lid, s in info.items()},
                "coverage": {lid: _coverage_dict(opened.coverage(lid)) for lid in info},
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

    with planning_errors():
        problems = validate_store(store, catalog=catalog)
        errors = sum(p.severity == "error" for p in problems)
        if not errors:
            problems += _clause_problems(store, catalog)
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


def _clause_problems(store: str, catalog: str | None) -> list[Any]:
    """Warnings about the access list that need the project types (``applies_to`` tokens)."""
    from layers.schema import Problem
    from layers.store import ZoneStore
    from zoning.rules import load_project_types
    from zoning.units import check_clauses

    opened = ZoneStore.open(store, catalog=catalog)
    layer = opened.catalog.role_layer("access_list")
    if layer is None or layer not in opened.layer_ids:
        return []
    found = check_clauses(opened.layer(layer), load_project_types(), layer=layer)
    return [Problem(layer, "applies_to", msg, "warning") for msg in found]


# --- import --------------------------------------------------------------------------------


def _parse_pairs(pairs: Sequence[str], option: str, form: str) -> dict[str, str]:
    """``A=B`` options as a mapping; a malformed or repeated left side is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            msg = f"{pair!r}: expected {form}"
            zh = f"“{pair}”：应为 {form}"
            raise BilingualBadParameter(msg, zh=zh, param_hint=option)
        if key.strip() in out:
            msg = f"{pair!r}: {key.strip()!r} is given twice"
            zh = f"“{pair}”：“{key.strip()}”给出了两次"
            raise BilingualBadParameter(msg, zh=zh, param_hint=option)
        out[key.strip()] = value.strip()
    return out


def _parse_map(pairs: Sequence[str]) -> dict[str, str]:
    return _parse_pairs(pairs, "--map", "SOURCE_FIELD=CATALOGUE_FIELD, e.g. 名称=name")


def _parse_set(pairs: Sequence[str]) -> dict[str, str]:
    return _parse_pairs(pairs, "--set", "FIELD=VALUE, e.g. scope=省级")


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
    "--source-layer",
    metavar="NAME",
    help="Layer of a multi-layer FILE (GeoPackage layer, shapefile in a zip, workbook sheet).",
)
@click.option(
    "--set", "sets", multiple=True, metavar="FIELD=VALUE",
    help="Value for rows without one, e.g. scope=省级 for a general list; repeatable.",
)  # fmt: skip
@click.option(
    "--coverage-adcodes", metavar="CODES",
    help="Where the layer holds data: admin codes, e.g. 430902,430903 (430600 = a whole prefecture).",
)  # fmt: skip
@click.option(
    "--coverage-from-features", is_flag=True,
    help="Record as coverage the divisions of the store's admin layer that the features touch.",
)  # fmt: skip
@click.option("--coverage-note", metavar="TEXT", help="How the coverage was decided (shown with results).")
@_CATALOG
def import_cmd(store: str, file: str, layer_id: str, maps: tuple[str, ...], sets: tuple[str, ...], **opts: Any) -> None:
    """Import FILE (zipped Shapefile, GeoPackage, FileGDB, GeoJSON, DXF, a WFS / ArcGIS REST
    FeatureServer layer URL; for the access list CSV or XLSX as published) into STORE as
    catalogue layer --layer.

    Without --coverage-* a layer keeps the coverage it had; a new layer covers the store's
    whole admin extent (an official import covers its jurisdiction).

    \b
    $ python -m zoning layers import county.gpkg 水源保护区.zip --layer water_source \\
          --map 名称=name --map 级别=grade --source 湘政函〔2016〕176号 --effective-date 2016-12-30 \\
          --coverage-adcodes 430902,430903
    $ python -m zoning layers import county.gpkg 湖南省准入清单.xlsx --layer access_clause --set scope=省级
    """
    from layers.importer import import_layer

    field_map = _parse_map(maps)
    set_values = _parse_set(sets)
    with planning_errors(), warnings.catch_warnings():
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
            set_values=set_values,
            coverage_adcodes=opts["coverage_adcodes"],
            coverage_from_features=opts["coverage_from_features"],
            coverage_note=opts["coverage_note"],
            encoding=opts["encoding"],
        )
        _style_layer(store, layer_id, opts["catalog"])
    _echo_import(result, store)


def _style_layer(store: str, layer_id: str, catalog: str | None) -> None:
    """Write (or update) the QGIS style of ``layer_id`` and its kept versions in ``store``
    (``layer_styles``, from the palette), as an edit of its own: atomic like the import."""
    from layers import _gpkg
    from layers.catalog import load_catalog
    from layers.styles_table import feature_tables
    from zoning.qgis_styles import style_store

    path = Path(store)
    tables = [t for t in feature_tables(path) if t == layer_id or t.startswith(f"{layer_id}__v")]
    if not tables:
        return  # an attribute table (the access list): nothing to draw
    with _gpkg.edit_store(path) as work:
        style_store(work, catalog=load_catalog(catalog), tables=tables, update_time=_gpkg.now_text())


# --- coverage ------------------------------------------------------------------------------


@layers_group.command("coverage")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("layer", required=False)
@click.option("--adcodes", metavar="CODES", help="Admin codes where LAYER holds data, e.g. 430902,430903.")
@click.option("--extent", metavar="FILE|WKT", help="A polygon (file or WKT, any CRS gis.io reads) where LAYER holds data.")
@click.option("--note", metavar="TEXT", help="How the coverage was decided.")
@click.option("--clear", is_flag=True, help="Remove LAYER's record: it then covers the store's whole admin extent.")
@_FORMAT
@_CATALOG
def coverage_cmd(store: str, layer: str | None, fmt: str, catalog: str | None, **opts: Any) -> None:
    """Show where each layer of STORE holds data, or record it for LAYER.

    A layer without a record covers the store's whole admin extent; a project outside a
    layer's coverage gets review "该图层在此处无数据" for it.

    \b
    $ python -m zoning layers coverage county.gpkg
    $ python -m zoning layers coverage county.gpkg water_source --adcodes 430902,430903 --note 资阳区、赫山区方案
    $ python -m zoning layers coverage county.gpkg water_source --clear
    """
    from layers.coverage import read_coverage, set_coverage
    from layers.store import ZoneStore

    with planning_errors():
        opened = ZoneStore.open(store, catalog=catalog)
        if layer is not None and (opts["adcodes"] or opts["extent"] or opts["clear"]):
            if layer not in opened.layer_ids:
                opened.layer(layer)  # raises DataSourceError naming the layers present
            extent = _extent(opts["extent"]) if opts["extent"] else None
            set_coverage(store, layer, adcodes=opts["adcodes"], extent=extent, note=opts["note"], clear=opts["clear"])
        records = read_coverage(store)
    shown = [lid for lid in opened.layer_ids if layer is None or lid == layer]
    if fmt == "json":
        _echo_json({lid: _coverage_dict(records.get(lid)) for lid in shown})
        return
    rows = [["图层 layer", "覆盖范围 coverage", "说明 note"]]
    for lid in shown:
        rec = records.get(lid)
        where = "全部行政区 whole admin extent" if rec is None else ", ".join(rec.adcodes) + (" + extent" if rec.extent is not None else "")
        rows.append([lid, where, rec.note if rec is not None and rec.note else "-"])
    click.echo(_table(rows))


def _coverage_dict(record: Any) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"adcodes": list(record.adcodes), "extent": record.extent_wkt, "note": record.note}


def _extent(value: str) -> Any:
    """A coverage polygon in EPSG:4490 from a file or WKT text (gis.io reads and converts it)."""
    import shapely

    from gis.io import read_features

    fs = read_features(value)
    gdf = fs.gdf if fs.gdf.crs is None or fs.gdf.crs.is_geographic else fs.gdf.to_crs("EPSG:4490")
    return shapely.union_all(gdf.geometry.to_numpy())


# --- versions and rollback -----------------------------------------------------------------


@layers_group.command("push")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("url", metavar="URL")
@click.option("--replace", is_flag=True, help="Replace the tables already in the schema.")
@_CATALOG
def push_cmd(store: str, url: str, replace: bool, catalog: str | None) -> None:
    """推送图层库到 PostGIS / Load STORE into the PostGIS schema of URL
    (postgresql://user:pass@host/db?schema=NAME): one table per layer, history and coverage
    too; then screen with --zones URL.

    \b
    $ python -m zoning layers push data/zones.gpkg "postgresql://gis:secret@db/zoning?schema=hunan"
    """
    from layers.pgpush import push_store

    with planning_errors():
        report = push_store(store, url, catalog=catalog, replace=replace)
    click.echo(
        f"已推送 / pushed {len(report.layers)} layers ({report.features:,} features) to {report.url} "
        f"in {report.seconds:.1f} s"
    )


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

    with planning_errors():
        versions = list_versions(store, layer, catalog=catalog)
    if fmt == "json":
        _echo_json([asdict(v) for v in versions])
        return
    if not versions:
        click.echo(f"图层 {layer} 无版本记录 / layer {layer} has no versions in {store}")
        return
    head = ["版本 version", "操作 action", "时间 recorded at", "操作人 by", "来源文件 file", "要素 features",
            "坐标系 CRS", "法律效力 status", "批复 source", "生效 effective", "失效 ceased", "可恢复 restorable"]  # fmt: skip
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
            v.effective_date or "-",
            ("撤回 withdrawn" if v.withdrawn else v.ceased_date or "-"),
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

    with planning_errors():
        result = rollback(store, layer, version, catalog=catalog)
        _style_layer(store, layer, catalog)
    click.echo(
        f"已回退 rolled back {result.layer} in {store} to v{result.version} ({result.features} feature(s)); "
        f"v{result.previous_version} kept"
    )


# --- diff ----------------------------------------------------------------------------------


@layers_group.command("diff")
@click.argument("store", type=click.Path(dir_okay=False))
@click.argument("layer")
@click.argument("v1", callback=_parse_version)
@click.argument("v2", callback=_parse_version)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the changed areas and features to this GeoPackage.")
@click.option("--overwrite", is_flag=True, is_eager=True, help="Replace an existing output file.")
@_FORMAT
@_CATALOG
def diff_cmd(store: str, layer: str, v1: int, v2: int, output: str | None, overwrite: bool, fmt: str,
             catalog: str | None) -> None:  # fmt: skip
    """What changed in LAYER from version V1 to V2: features added, removed and changed, and
    the area gained and lost per zone value (m², in a metric CRS); -o writes the changed areas.

    \b
    $ python -m zoning layers diff county.gpkg water_source 1 2 -o 变化.gpkg
    """
    from layers.diff import diff_versions, write_diff
    from zoning.cli.options import refuse_existing

    refuse_existing(output, overwrite=overwrite)
    with planning_errors():
        diff = diff_versions(store, layer, v1, v2, catalog=catalog)
        if output:
            write_diff(diff, output)
    if fmt == "json":
        _echo_json(diff.to_dict())
        return
    click.echo(f"图层 layer {layer}: v{v1} → v{v2} ({diff.work_crs})")
    click.echo(f"要素 features: 新增 added {diff.added}, 删除 removed {diff.removed}, 变更 changed {diff.changed}, "
               f"未变 unchanged {diff.unchanged}")  # fmt: skip
    units = {"m2": "m²", "m": "m", "count": "个 features"}
    head = ["分区 zone", "增加 gained", "减少 lost", "净变化 net", "单位 unit"]
    rows = [[z.zone or "-", f"{z.gained:,.1f}", f"{z.lost:,.1f}", f"{z.net:+,.1f}", units[z.unit]] for z in diff.zones]
    click.echo(_table([head, *rows]))
    for change in diff.features:
        what = f" ({', '.join(change.what)})" if change.what else ""
        click.echo(f"  {change.status:<8} {change.name or '-'} {change.zone}{what}")
    if output:
        click.echo(f"变化范围已写入 changed areas written to {output}")


COMMANDS: list[click.Command] = [layers_group]
