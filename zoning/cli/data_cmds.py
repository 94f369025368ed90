"""CLI commands for the embedded data: ``delineate``, ``noraise``, ``build-data``.

$ python -m zoning delineate intakes.geojson --rivers rivers.geojson --params hj338 -o zones.gpkg
$ python -m zoning noraise data/zones.gpkg -o noraise.gpkg --town-radius-m 800
$ python -m zoning build-data            # regenerate data/zones.gpkg (deterministic)
"""

from __future__ import annotations

import filecmp
import tempfile
from collections import Counter
from pathlib import Path

import click
from click.core import ParameterSource

from layers.paths import DATA_DIR, DEFAULT_STORE
from zoning.cli.options import output_option, refuse_existing

__all__ = ["COMMANDS", "delineate_cmd", "noraise_cmd", "build_data_cmd"]

_FILE = click.Path(dir_okay=False, path_type=Path)
_DEFAULT_TOWNS = DATA_DIR / "base" / "towns_geonames.geojson"


def _read(path: Path | None):  # -> GeoDataFrame | None
    if path is None:
        return None
    from gis.io import read_features

    return read_features(path).gdf


def _echo_notes(notes: tuple[str, ...] | list[str]) -> None:
    for note in notes:
        click.echo(f"注意 / note: {note}", err=True)


@click.command("delineate")
@click.argument("intakes", type=_FILE)
@click.option("--rivers", type=_FILE, help="River centrelines (any vector format); pieces of one river share name_zh/river/name.")
@click.option("--water", type=_FILE, help="Lake/reservoir (or double-line river) polygons, optional.")
@click.option("--params", "params", required=True, metavar="hunan_township|hj338", help="Parameter set in data/delineation_params.yaml.")
@output_option(required=True, help="Output .gpkg (layer water_source) or .geojson.",
               overwrite_help="Write into an existing OUTPUT (a GeoPackage keeps its other layers; its water_source is replaced).")
@click.option("--snap-max-m", type=float, default=None, help="How far an intake may lie from its river line / water polygon (default 1500).")
def delineate_cmd(intakes: Path, rivers: Path | None, water: Path | None, params: str, output: Path, snap_max_m: float | None,
                  overwrite: bool) -> None:
    """起草饮用水水源保护区（示意） / Draft provisional water-source zones from intake points.

    INTAKES: points with name, source_type (河流型/湖库型; default 河流型) and optional
    river, river_width_m, flow (along/reverse), size_class. Upstream/downstream are measured
    along the river line; land strips from the bank. Every output feature is 示意.
    """
    from gis.io import write_features
    from zoning.build.delineate import delineate, intakes_from_frame

    points = intakes_from_frame(_read(intakes), source=str(intakes))
    result = delineate(points, _read(rivers), water=_read(water), params=params, snap_max_m=snap_max_m)
    write_features(result.zones, output, layer="water_source")
    _echo_notes(result.notes)
    by_grade = Counter(result.zones["grade"])
    summary = "，".join(f"{g} {n}" for g, n in by_grade.items())
    click.echo(f"已写出 {len(result.zones)} 个示意保护区要素（{summary}）/ wrote {len(result.zones)} features -> {output}")


@click.command("noraise")
@click.argument("store", type=_FILE)
@output_option(required=True, help="Output .gpkg (layer livestock_zone) or .geojson.",
               overwrite_help="Write into an existing OUTPUT (a GeoPackage keeps its other layers; its livestock_zone is replaced).")
@click.option("--town-radius-m", type=float, default=None, help="One built-up radius for every town point (default: by population class).")
@click.option("--towns", type=_FILE, default=None, help="Town points or built-up polygons (default: the embedded GeoNames towns).")
@click.option("--no-towns", is_flag=True, help="Leave out part (三), towns and other population-concentrated areas.")
def noraise_cmd(store: Path, output: Path, town_radius_m: float | None, towns: Path | None, no_towns: bool,
                overwrite: bool) -> None:
    """由法定组成部分合成禁养区（示意） / Derive livestock no-raise zones from their statutory parts.

    STORE: a zone GeoPackage; its water_source (land parts of 一级/二级), scenic_area and
    nature_reserve (核心区/缓冲区) layers are used, plus town built-up areas. Each output
    piece lists the statutory parts and features it comes from (basis_parts, basis_features).
    """
    from gis.errors import InputError
    from gis.io import write_features
    from zoning.build.noraise import no_raise_from_layers, read_store_layers

    if no_towns and (towns is not None or town_radius_m is not None):
        msg = "--no-towns leaves towns out; it cannot be combined with --towns or --town-radius-m"
        raise InputError(msg, zh="--no-towns 表示不计入城镇，不能与 --towns 或 --town-radius-m 同时使用")
    layers = read_store_layers(store, ("water_source", "scenic_area", "nature_reserve"))
    town_frame = None if no_towns else _read(towns or _DEFAULT_TOWNS)
    zones = no_raise_from_layers(layers, towns=town_frame, town_radius_m=town_radius_m)
    used = ", ".join(layers) or "(none)"
    click.echo(f"使用图层 / layers used: {used}{'' if no_towns else ' + towns ' + str(towns or _DEFAULT_TOWNS)}", err=True)
    write_features(zones, output, layer="livestock_zone")
    click.echo(f"已写出 {len(zones)} 个示意禁养区要素 / wrote {len(zones)} no-raise pieces -> {output}")


@click.command("build-data")
@output_option(default=DEFAULT_STORE, show_default=True, check=False,
               help="Zone store to write; a file named here that exists needs --overwrite (the default is rebuilt).")
@click.option("--check", is_flag=True, help="Build to a temporary file and compare with OUTPUT byte for byte; exit 1 if they differ.")
@click.pass_context
def build_data_cmd(ctx: click.Context, output: Path, check: bool, overwrite: bool) -> None:
    """由 data/ 中的文件重建内置图层库 / Rebuild the embedded zone store from the files in data/.

    Deterministic: the same inputs give a byte-identical GeoPackage. Without -o the embedded
    store is rebuilt in place (what `make data` does); a file named with -o is not replaced
    unless --overwrite is given.
    """
    from zoning.build.build_data import build_data

    if not check and ctx.get_parameter_source("output") is ParameterSource.COMMANDLINE:
        refuse_existing(output, overwrite=overwrite)

    if check:
        with tempfile.TemporaryDirectory() as tmp:
            report = build_data(Path(tmp) / "zones.gpkg")
            same = output.exists() and filecmp.cmp(report.path, output, shallow=False)
        verdict = "一致 / identical" if same else "不一致 / DIFFERS: run `python -m zoning build-data`"
        click.echo(f"{output}: {verdict} (sha256 of rebuild {report.sha256[:16]}…)")
        raise click.exceptions.Exit(0 if same else 1)
    report = build_data(output)
    counts = ", ".join(f"{k} {v}" for k, v in report.features.items())
    click.echo(f"已生成 / built {report.path} in {report.seconds:.1f} s: {counts}; sha256 {report.sha256}")


COMMANDS: list[click.Command] = [delineate_cmd, noraise_cmd, build_data_cmd]
