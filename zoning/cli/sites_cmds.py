"""``python -m zoning site-find`` (选址建议) and ``python -m zoning compare`` (选址方案比选).

``site-find`` writes the candidate sites of a project type in an area as a GeoPackage
(``zoning.sites``) and prints the ranked table; ``compare`` screens 2-6 alternative sites of
one project and writes the side-by-side comparison (XLSX, DOCX, PDF through the output
registry's ``comparison`` option). Exit codes: 0 done; 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gis.errors import InputError, PlanningError
from zoning.cli.errors import InputFailure
from zoning.cli.options import catalog_option, format_option, lang_option, output_option, rules_option, zones_option
from zoning.cli.screen_cmds import open_data, parse_attrs, read_projects
from zoning.verdicts import VERDICTS

__all__ = ["COMMANDS", "site_find", "compare"]

#: Sites a comparison takes (an EIA 比选 weighs a few alternatives, not a batch).
COMPARE_MIN, COMPARE_MAX = 2, 6
_COMPARE_FORMATS = ("xlsx", "docx", "pdf", "json", "csv")


def _area(store: Any, county: str | None, bbox: str | None, area_file: str | None) -> Any:
    from zoning.sites import area_from_bbox, area_from_county, area_from_file

    given = [x for x in (county, bbox, area_file) if x]
    if len(given) != 1:
        msg = "give exactly one of --county NAME, --bbox W,S,E,N or --area FILE"
        raise InputError(msg, zh="请给出且只给出 --county 区县名、--bbox 西,南,东,北 或 --area 文件 三者之一")
    if county:
        admin = next((lid for lid in store.layer_ids if store.catalog.layers[lid].role == "admin"), None)
        if admin is None:
            msg = "--county needs an admin layer in the zone store; give --bbox or --area instead"
            raise InputError(msg, zh="--county 需要图层库含行政区划图层；请改用 --bbox 或 --area")
        return area_from_county(store.layer(admin), county)
    return area_from_bbox(bbox) if bbox else area_from_file(str(area_file))


def _print_table(search: Any, lang: str) -> None:
    from zoning.sites.output import candidate_table

    header, rows = candidate_table(search, lang=lang)
    keep = (0, 1, 3, 6, 9, 10, 4)  # rank, verdict, ha, to prohibited, lon, lat, reasons
    click.echo("\t".join(header[i] for i in keep))
    for row in rows:
        click.echo("\t".join("" if row[i] is None else str(row[i]) for i in keep))
    if search.illustrative:
        click.echo("示意数据，不具法律效力" if lang == "zh" else "Illustrative data, no legal force", err=True)
    click.echo(search.edges(lang), err=True)
    for note in search.notes:
        click.echo(note.pick(lang), err=True)


@click.command("site-find")
@click.option("--type", "type_", required=True, metavar="TYPE", help="Project type: key, 中文名称 or alias.")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE", help="Project attribute, repeatable.")
@click.option("--county", metavar="NAME", help="Search a county (name or adcode in the store's admin layer).")
@click.option("--bbox", metavar="W,S,E,N", help="Search a lon/lat box.")
@click.option("--area", "area_file", metavar="FILE", help="Search the polygons of a file (any readable format).")
@click.option("--area-m2", type=click.FloatRange(min=0), help="Project footprint: a candidate must hold a disc of this area.")
@click.option("--min-area-m2", type=click.FloatRange(min=0),
              help="Drop smaller candidates [default: --area-m2, else 10000 (1 ha)].")
@click.option("--dem", type=click.Path(exists=True, dir_okay=False), help="Elevation raster for --max-slope.")
@click.option("--max-slope", "max_slope", type=click.FloatRange(min=0, max=90), help="Steepest slope offered (degrees).")
@click.option("--near-layer", type=click.Path(exists=True, dir_okay=False), help="Roads, settlements...: stay near them.")
@click.option("--max-distance-m", type=click.FloatRange(min=0), help="How near to --near-layer (metres).")
@click.option("--exclude-verdict", "exclude", type=click.Choice(["prohibited", "conditional", "review"]),
              default="prohibited", show_default=True, help="Mildest verdict not offered (conditional: only review/clear).")
@click.option("--resolution-m", type=click.FloatRange(min=1), default=30.0, show_default=True, help="Raster cell size (m).")
@click.option("--max-candidates", type=click.IntRange(min=1), default=100, show_default=True, help="Candidates listed.")
@click.option("--no-cache", is_flag=True, help="Search again even if this search is cached.")
@zones_option
@rules_option
@catalog_option
@lang_option
@output_option(required=True, help="The candidates as a GeoPackage (SITES.gpkg); an existing file needs --overwrite.")
def site_find(output: Path, lang: str, **opts: Any) -> None:
    """Where in an area may a project of this type go: 选址建议.

    \b
    $ python -m zoning site-find --type chemical_project --county 衡阳县 -o sites.gpkg
    $ python -m zoning site-find --type livestock_farm --attr scale_head=3000 --bbox 112.3,26.8,112.9,27.3 \\
          --area-m2 20000 --exclude-verdict conditional -o farms.gpkg
    $ python -m zoning site-find --type landfill --area county.geojson --dem dem.tif --max-slope 15 -o fill.gpkg

    The constraint surfaces come from the rules for the type and attributes; candidates are
    screened again by the engine on their exact geometry. Exit codes: 0 done; 2 bad input.
    """
    try:
        _site_find(output, lang, opts)
    except PlanningError as err:
        raise InputFailure.of(err) from err


def _site_find(output: Path, lang: str, opts: dict[str, Any]) -> None:
    from zoning.engine import default_rules
    from zoning.sites import SiteQuery, cached_find_sites, find_sites, write_sites

    store, rules = open_data(opts["zones"], catalog=opts["catalog"], rules_path=opts["rules_path"])
    ruleset = rules or default_rules()
    query = SiteQuery(
        project_type=opts["type_"], attributes=parse_attrs(opts["attrs"]), resolution_m=opts["resolution_m"],
        exclude=opts["exclude"], area_m2=opts["area_m2"], min_area_m2=opts["min_area_m2"], dem=opts["dem"],
        max_slope_deg=opts["max_slope"], near_layer=opts["near_layer"], max_distance_m=opts["max_distance_m"],
        max_candidates=opts["max_candidates"],
    )  # fmt: skip
    area = _area(store, opts["county"], opts["bbox"], opts["area_file"])
    if opts["no_cache"]:
        search = find_sites(store, query, area, rules=ruleset)
    else:
        search = cached_find_sites(store, query, area, rules=ruleset)
    write_sites(search, output)
    _print_table(search, lang)


@click.command("compare")
@click.argument("project_file")
@click.option("--type", "type_", metavar="TYPE", required=True, help="Project type of every site.")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE", help="Project attribute, repeatable.")
@click.option("--name-field", metavar="FIELD", help="Column holding each site's name [default: 名称/name...].")
@click.option("--layer", help="Layer of a GeoPackage input.")
@click.option("--crs", help="CRS of the input (EPSG code, WKT/.prj text, gcj02, bd09).")
@format_option(list(_COMPARE_FORMATS), default="xlsx",
               help="xlsx (比选 sheet + conflicts), docx/pdf (report with the 比选 section), json/csv.")
@output_option(required=True, help="Output file; an existing file needs --overwrite.")
@zones_option
@rules_option
@catalog_option
@lang_option
def compare(fmt: str, output: Path, lang: str, **opts: Any) -> None:
    """Compare 2-6 alternative sites of one project side by side: 选址方案比选.

    \b
    $ python -m zoning compare sites.geojson --type landfill --format xlsx -o compare.xlsx
    $ python -m zoning compare sites.geojson --type livestock_farm --attr scale_head=3000 --format docx -o 比选.docx

    Every feature of PROJECT_FILE is one alternative (its name from --name-field or a name
    column). Exit codes: 0 done; 2 bad input (fewer than 2 or more than 6 sites too).
    """
    from zoning.engine import screen
    from zoning.report import render_report

    try:
        store, rules = open_data(opts["zones"], catalog=opts["catalog"], rules_path=opts["rules_path"])
        projects = read_projects({**opts, "encoding": None}, rules)
        if not COMPARE_MIN <= len(projects) <= COMPARE_MAX:
            msg = (f"{opts['project_file']}: a comparison takes {COMPARE_MIN} to {COMPARE_MAX} sites; the file holds "
                   f"{len(projects)} (screen a larger set with `python -m zoning screen`)")
            zh = (f"{opts['project_file']}：方案比选需 {COMPARE_MIN}～{COMPARE_MAX} 个选址方案，该文件有 {len(projects)} 个"
                  "（更多项目请用 `python -m zoning screen` 批量筛查）")
            raise InputError(msg, zh=zh)
        results = screen(projects, store, rules=rules)
        data = render_report(results, fmt, lang=lang, store=store, comparison=True, batch=True)
        output.write_bytes(data)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    except OSError as err:
        msg = f"-o {output}: cannot write the output file: {err.strerror or err}"
        raise InputFailure(msg, zh=f"-o {output}：无法写入输出文件（{err.strerror or err}）") from err
    worst = max((VERDICTS.index(r.verdict) for r in results), default=0)
    click.echo(f"{len(results)} sites compared; worst verdict {VERDICTS[worst]}", err=True)


COMMANDS: list[click.Command] = [site_find, compare]
