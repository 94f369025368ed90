"""``python -m zoning screen``: screen a project file (or a WKT string) against a zone store.

The contract is DESIGN.md "The screening contract": JSON (one object for a one-feature
input, a list for a batch, in input order), CSV (the conflict table: one row per conflict,
UTF-8 with BOM), or a report; every format is written by the output registry
``zoning.report`` (the same bytes as the app's downloads). Exit codes: 0 done; 2 bad input
(the message names the file, field or value; also an existing ``-o`` without ``--overwrite``);
3 when ``--fail-on`` is reached.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import click

from gis.errors import InputError, PlanningError
from zoning.cli.errors import InputFailure
from zoning.cli.options import catalog_option, format_option, lang_option, output_option, rules_option, zones_option
from zoning.columns import parse_pairs
from zoning.model import VERDICT_RANK, VERDICTS, ScreeningResult
from zoning.report import FORMATS, check_out_crs, format_parts, render_report, write_output

__all__ = ["COMMANDS", "screen", "open_data", "read_projects", "parse_attrs", "store_location"]


def parse_attrs(pairs: Sequence[str]) -> dict[str, str]:
    """``--attr KEY=VALUE`` options as a dict (``zoning.columns.parse_pairs``, shared with the API)."""
    return parse_pairs(pairs, option="--attr")


def _check_target(fmt: str, out: Path | None) -> None:
    """``-o`` must name a file (or, for a folder format such as ``gdb``, a folder of it)."""
    if out is not None and out.is_dir() and not (FORMATS[fmt].folder and out.name.lower().endswith(FORMATS[fmt].folder or "")):
        msg = f"-o {str(out)!r} is a folder; --format {fmt} writes a file: give a file name, e.g. -o 结果{FORMATS[fmt].suffix}"
        raise InputFailure(msg, zh=f"-o {out} 是文件夹，--format {fmt} 输出的是文件：请指定文件名，如 -o 结果{FORMATS[fmt].suffix}")


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[IO[bytes]]:
    """Standard output (bytes: the JSON/CSV contract is UTF-8 whatever the terminal's
    locale), or the file ``out``, for a batch written part by part; a file that cannot be
    written is a bad ``-o`` (exit 2)."""
    if out is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        with out.open("wb") as fh:
            yield fh
    except OSError as err:
        msg = f"-o {str(out)!r}: cannot write the output file: {err.strerror or err}"
        raise InputFailure(msg, zh=f"-o {out}：无法写入输出文件（{err.strerror or err}）") from err


def _emit(data: bytes, fmt: str, out: Path | None) -> None:
    """Rendered ``data`` to standard output, or to ``out`` (``zoning.report.write_output``)."""
    if out is None:
        with _output(None) as fh:
            fh.write(data)
        return
    try:
        write_output(data, fmt, out)
    except PlanningError as err:
        raise InputFailure.of(err) from err


def store_location(zones: Path | str | None) -> str:
    """The store reference a command works on: a PostGIS URL as given, else an existing
    GeoPackage path (default the embedded one)."""
    from layers.paths import DEFAULT_STORE, is_postgres_url

    if is_postgres_url(zones):
        return str(zones)
    path = Path(zones) if zones else DEFAULT_STORE
    if not path.exists():
        msg = f"zone store {str(path)!r} does not exist; build the default with `make data` or give --zones FILE.gpkg"
        zh = f"图层库 {path} 不存在；请用 `make data` 生成内置图层库，或用 --zones 指定 GeoPackage 文件"
        raise InputError(msg, zh=zh)
    return str(path)


def open_data(zones: Path | str | None, *, catalog: str | None = None, rules_path: str | None = None,
              types_path: str | None = None) -> tuple[Any, Any]:
    """The zone store (default the embedded one; a GeoPackage or a PostGIS URL) and the rule
    set (None: the packaged one) a command works on; an open catalogue's rules and types when
    given (DESIGN.md)."""
    from zoning.batch import StoreRef
    from zoning.rules import load_project_types, load_rules

    location = store_location(zones)
    rules = None
    if rules_path or catalog or types_path:
        types = load_project_types(types_path) if types_path else None
        rules = load_rules(rules_path, project_types=types, catalog_path=catalog)
    return StoreRef(location, catalog).open(), rules


def read_projects(opts: dict[str, Any], rules: Any) -> list[Any]:
    """The projects of ``opts["project_file"]`` (type, attributes, names as the options say)."""
    from gis.io import read_features
    from zoning.engine import projects_from_features

    fs = read_features(opts["project_file"], layer=opts["layer"], crs=opts["crs"], encoding=opts.get("encoding"))
    return projects_from_features(
        fs,
        type=opts["type_"],
        type_field=opts.get("type_field"),
        attrs=parse_attrs(opts["attrs"]),
        name=opts.get("name"),
        name_field=opts["name_field"],
        project_types=rules.project_types if rules else None,
        builder=opts.get("builder"),
        builder_field=opts.get("builder_field"),
        project_code=opts.get("project_code"),
        project_code_field=opts.get("project_code_field"),
    )


def _as_of_store(location: str, day: str, catalog: str | None) -> Any:
    """The GeoPackage at ``location`` as it stood on ``day`` (``layers.asof``; the view file
    is kept under the user's data folder).

    Raises
    ------
    InputError
        A PostGIS store (its schema keeps no version history).
    """
    from layers.asof import open_as_of
    from layers.paths import is_postgres_url
    from zoning.bureau.settings import BureauSettings

    if is_postgres_url(location):
        msg = "--as-of needs a GeoPackage store with its version history; a PostGIS store keeps only the current layers"
        zh = "--as-of 需要记录了版本历史的 GeoPackage 图层库；PostGIS 图层库只保存现行图层"
        raise InputError(msg, zh=zh)
    return open_as_of(Path(location), day, catalog=catalog, cache_dir=BureauSettings.from_env().data_dir / "asof")


def _run(
    opts: dict[str, Any], fmt: str, lang: str, output: Path | None, out_crs: str | None = None, *,
    save: bool = False, saved_by: str | None = None,
) -> list[str]:
    """Screen and write the output; returns the verdicts (for ``--fail-on``). A batch runs in
    chunks (``zoning.batch``: ``--workers``, ``--dask-scheduler``), written part by part for
    JSON and CSV; the bytes are those of one ``screen`` call. ``--as-of`` and ``--save``
    screen in this process: the store as of a date is a view file of
    this machine, and a saved screening is kept whole, in one transaction."""
    from zoning.batch import RulesRef, StoreRef, screen_batch
    from zoning.engine import screen as run_screen

    # An open catalogue (DESIGN.md): a deployment's catalogue, rules and project types as data.
    catalog = opts["catalog"]
    rules_ref = RulesRef(opts["rules_path"], opts["types_path"], catalog)
    rules = rules_ref.load()
    ref = StoreRef(store_location(opts["zones"]), catalog)
    store = _as_of_store(ref.location, opts["as_of"], catalog) if opts["as_of"] else ref.open()
    projects = read_projects(opts, rules)
    kw = {"tolerance_m": opts["tolerance_m"], "near_m": opts["near_m"], "within_m": opts.get("within_m")}
    if len(projects) == 1 or opts["as_of"] or save:
        results = run_screen(projects, store, rules=rules, **kw)
        many = len(projects) != 1
        number = _save(results, many, saved_by) if save else None
        data = render_report(results, fmt, lang=lang, batch=many, store=store, out_crs=out_crs, number=number)
        _emit(data, fmt, output)
        return [r.verdict for r in results]
    workers = opts["workers"] or os.cpu_count() or 1
    parts = format_parts(fmt, lang=lang)
    with screen_batch(
        projects, ref, rules=rules_ref, workers=workers, scheduler=opts["dask_scheduler"], parts=parts, lang=lang, **kw
    ) as batch:
        if batch.results is not None:
            _emit(render_report(batch.results, fmt, lang=lang, batch=True, store=store, out_crs=out_crs), fmt, output)
        else:
            with _output(output) as fh:
                batch.write(fh)
        return batch.verdicts


def _save(results: list[ScreeningResult], batch: bool, saved_by: str | None) -> str:
    """Save the screening in the bureau's archive; its number (printed to standard error)."""
    from layers._gpkg import current_user
    from zoning.bureau.service import open_bureau

    outcome = open_bureau().archive.save(results, saved_by=saved_by or current_user(), batch=batch, source="cli")
    if outcome.created:
        click.echo(f"已保存 saved: {outcome.number}", err=True)
    else:
        click.echo(f"已保存过 saved before: {outcome.number} ({outcome.saved_at}, {outcome.saved_by})", err=True)
    return outcome.number


@click.command("screen")
@click.argument("project_file")
@click.option(
    "--type",
    "type_",
    metavar="TYPE",
    help="Project type of every feature: key, 中文名称 or alias (道路, 畜禽养殖场...).",
)
@click.option("--type-field", metavar="FIELD", help="Column holding each feature's project type (batch files).")
@zones_option
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Project attribute, repeatable: scale_head=2000, unavoidable=true...",
)
@click.option("--crs", help="CRS of the input: EPSG code, WKT/.prj text, or gcj02 / bd09 for Gaode/Baidu coordinates.")
@click.option(
    "--encoding", metavar="ENC", help="Text encoding of the input's attributes (GBK, BIG5, CP1252 ...) when it cannot be told."
)
@click.option("--name", help="Project name (a batch numbers it).")
@click.option("--name-field", metavar="FIELD", help="Column holding each feature's name.")
@click.option("--builder", metavar="TEXT", help="建设单位 of the project(s) [default: a 建设单位 column].")
@click.option("--builder-field", metavar="FIELD", help="Column holding each feature's 建设单位.")
@click.option("--project-code", metavar="TEXT", help="项目代码 of the project [default: a 项目代码 column].")
@click.option("--project-code-field", metavar="FIELD", help="Column holding each feature's 项目代码.")
@click.option("--as-of", metavar="YYYY-MM-DD",
              help="Screen against the layer versions in force on this date (the store's version history).")
@click.option("--save", is_flag=True,
              help="Keep the screening in the archive (ZONING_DATA_DIR / ZONING_DB_URL) under its report number.")
@click.option("--saved-by", metavar="NAME", help="Who saves it [default: the login name].")
@click.option("--layer", help="Layer of a GeoPackage input.")
@click.option(
    "--tolerance-m", type=click.FloatRange(min=0), default=5.0, show_default=True, help="Boundary tolerance band (m)."
)
@click.option(
    "--near-m", type=click.FloatRange(min=0), default=5000.0, show_default=True, help="Radius for nearby zones (m)."
)
@click.option(
    "--within-m", type=click.FloatRange(min=0), default=None,
    help="Also list every zone feature within this radius (m), not only the nearest per layer (a buffer report).",
)  # fmt: skip
@format_option(
    list(FORMATS),
    default="json",
    help="json/csv to stdout or -o; docx, pdf, xlsx (conflict table), gpkg (project, zones hit, overlaps), "
    "zip (summary, one PDF per project, xlsx and gpkg), shp (zipped GBK Shapefile: results, conflicts) "
    "or gdb (zipped FileGDB; -o X.gdb for the folder) to -o.",
)
@output_option(help="Output file [default: stdout for json/csv]; an existing file needs --overwrite. "
               "For gdb, a name ending in .gdb writes the FileGDB folder itself.", dir_okay=True)
@click.option("--out-crs", metavar="CRS",
              help="CRS of the shp/gdb features: EPSG code or WKT [default: the Gauss-Kruger zone of the project's "
                   "county, with the zone number, e.g. EPSG:4526].")
@click.option(
    "--fail-on",
    type=click.Choice(VERDICTS[1:], case_sensitive=False),
    help="Exit 3 when any project's verdict is at or above this.",
)
@lang_option
@rules_option
@catalog_option
@click.option(
    "--project-types", "types_path", type=click.Path(dir_okay=False),
    help="Project types file [default: data/project_types.yaml].",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(min=0), default=1, show_default=True,
    help="Local processes screening a batch (0: one per core); the answers are the same.",
)  # fmt: skip
@click.option(
    "--dask-scheduler", metavar="ADDRESS",
    help="Screen a batch on a dask.distributed cluster (tcp://host:8786); the store must be reachable "
    "from its workers (a shared path or a PostGIS URL).",
)  # fmt: skip
@click.pass_context
def screen(
    ctx: click.Context, fmt: str, output: Path | None, fail_on: str | None, lang: str, out_crs: str | None, save: bool,
    saved_by: str | None, **opts: Any,
) -> None:
    """Screen PROJECT_FILE (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, or a WKT
    string) against the protected zones: 项目生态环境分区管控符合性筛查.

    \b
    $ python -m zoning screen farm.geojson --type 畜禽养殖场 --attr scale_head=2000
    $ python -m zoning screen "POINT (112.93 27.83)" --type road --format json
    $ python -m zoning screen batch.csv --type-field 类型 --format csv -o out.csv --fail-on prohibited
    $ python -m zoning screen batch.csv --type-field 类型 --format xlsx -o out.xlsx --overwrite
    $ python -m zoning screen batch.csv --type-field 类型 --format zip -o bundle.zip
    $ python -m zoning screen 界址点.txt --type industrial --format shp -o 结果.zip
    $ python -m zoning screen batch.xlsx --type-field 类型 --format gdb -o 结果.gdb --out-crs EPSG:4547
    $ python -m zoning screen site.geojson --type industrial --catalog my_catalog.yaml --rules my_rules.yaml
    $ python -m zoning screen farm.geojson --type 畜禽养殖场 --zones county.gpkg --as-of 2020-06-30
    $ python -m zoning screen farm.geojson --type 畜禽养殖场 --save --format pdf -o 报告.pdf
    $ python -m zoning screen national.gpkg --type-field type --workers 0 -o out.json
    $ python -m zoning screen national.gpkg --type-field type --zones postgresql://u:p@db/zones?schema=hunan \\
          --dask-scheduler tcp://scheduler:8786 -o out.json

    Exit codes: 0 done; 2 bad input (or an existing -o file without --overwrite); 3 a verdict
    at or above --fail-on.
    """
    if not FORMATS[fmt].stream and output is None:
        msg = f"--format {fmt} writes a file: give -o OUT.{fmt}"
        raise InputFailure(msg, zh=f"--format {fmt} 输出的是文件：请用 -o 指定文件名，如 -o 结果.{fmt}")
    try:
        check_out_crs(fmt, out_crs)
        _check_target(fmt, output)
        verdicts = _run(opts, fmt, lang, output, out_crs, save=save, saved_by=saved_by)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    if fail_on and any(VERDICT_RANK[v] >= VERDICT_RANK[fail_on.lower()] for v in verdicts):
        ctx.exit(3)


COMMANDS: list[click.Command] = [screen]
