"""CLI command for the public zone map as a static site: ``export-map``.

$ python -m zoning export-map public_map/ --zones official.gpkg
"""

from __future__ import annotations

from pathlib import Path

import click

from gis.errors import PlanningError
from layers.paths import DEFAULT_STORE
from zoning.cli.errors import InputFailure
from zoning.cli.options import overwrite_option, refuse_existing, zones_option

__all__ = ["COMMANDS", "export_map_cmd"]


@click.command("export-map")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@zones_option
@overwrite_option("Replace the site in an existing OUTDIR (only a folder an earlier export-map wrote is replaced).")
@click.option("--max-zoom", type=int, default=12, show_default=True, help="Most detailed tile level (the page overzooms it).")
@click.option("--min-zoom", type=int, default=5, show_default=True, help="Least detailed tile level.")
@click.option("--gzip/--no-gzip", default=True, show_default=True,
              help="Also write precompressed tiles (.json.gz) for servers such as nginx gzip_static.")  # fmt: skip
@click.option("--basemap-url", default=None, metavar="TEMPLATE",
              help="Tile service drawn under the zones: an XYZ or WMTS URL template with {z}/{x}/{y} (or {TileMatrix}/"
                   "{TileCol}/{TileRow}), e.g. an intranet 天地图 政务版. Default: $ZONING_BASEMAP_URL.")  # fmt: skip
@click.option("--basemap-attribution", default=None, help="The credit the service requires. Default: $ZONING_BASEMAP_ATTRIBUTION.")
@click.option("--basemap-subdomains", default=None, help="What {s} in the template takes, e.g. 01234567. Default: $ZONING_BASEMAP_SUBDOMAINS.")
def export_map_cmd(outdir: Path, zones: Path | None, max_zoom: int, min_zoom: int, gzip: bool, overwrite: bool,
                   basemap_url: str | None, basemap_attribution: str | None, basemap_subdomains: str | None) -> None:
    """导出公众查询地图（静态网站） / Export the public zone map as a static website.

    OUTDIR gets index.html, its scripts, styles and fonts, and the zones as simplified
    GeoJSON tiles per zoom: any web server (nginx, a CDN-less intranet server) can host it;
    nothing is loaded from elsewhere. Illustrative (示意) data is marked on the page.
    An OUTDIR that is not empty is replaced only with --overwrite.
    """
    import os

    from zoning.basemap import ENV_PREFIX, basemap_from_env
    from zoning.publish.mapexport import export_map

    refuse_existing(outdir, overwrite=overwrite, option="OUTDIR")
    given = {"URL": basemap_url, "ATTRIBUTION": basemap_attribution, "SUBDOMAINS": basemap_subdomains}
    settings = {**os.environ, **{f"{ENV_PREFIX}_{k}": v for k, v in given.items() if v is not None}}
    try:
        basemap = basemap_from_env(settings)
    except PlanningError as err:  # a wrong setting: its message, exit 2 (before anything is written)
        raise InputFailure.of(err) from err
    report = export_map(outdir, store=zones or DEFAULT_STORE, min_zoom=min_zoom, max_zoom=max_zoom, gzip=gzip,
                        basemap=basemap)  # fmt: skip
    click.echo(
        f"已导出 / exported {report.outdir}: {report.tiles} tiles (zoom {report.zooms[0]}-{report.zooms[1]}), "
        f"{report.megabytes:.1f} MB in {report.seconds:.1f} s; serve the folder with any web server"
    )


COMMANDS = [export_map_cmd]
