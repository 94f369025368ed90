"""``python -m zoning screen``: screen a project file (or a WKT string) against a zone store.

The contract is DESIGN.md "The screening contract": JSON (one object for a one-feature
input, a list for a batch, in input order), CSV (one row per conflict, UTF-8 with BOM),
or a report format through ``zoning.report.write_report``. Exit codes: 0 done; 2 bad input
(the message names the file, field or value); 3 when ``--fail-on`` is reached.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from gis.errors import InputError, PlanningError
from zoning.model import VERDICT_LABELS, VERDICT_RANK, VERDICTS, ScreeningResult

__all__ = ["COMMANDS", "screen", "InputFailure", "error_text", "results_json", "results_csv"]

#: ``zip`` (a bundle: summary report, one PDF per project, conflicts.xlsx, screening.gpkg) and
#: ``xlsx`` extend DESIGN.md's json|csv|docx|pdf|gpkg.
FORMATS = ("json", "csv", "docx", "pdf", "xlsx", "gpkg", "zip")


def error_text(message: str, zh: str | None = None, *, prefix: str = "Error") -> str:
    """What the CLI prints for a bad input: ``错误：<中文>`` then ``Error: <English>``.

    A message without a Chinese text prints its English line only. When both texts end in
    the same block after their first line (the problem list of a zone store or an import,
    written once for both languages), that block is printed once, after the two lines.

    >>> print(error_text("x.csv is empty", "x.csv 为空"))
    错误：x.csv 为空
    Error: x.csv is empty
    """
    if not zh:
        return f"{prefix}: {message}"
    head_zh, sep_zh, tail_zh = zh.partition("\n")
    head_en, sep_en, tail_en = message.partition("\n")
    if sep_zh and sep_en and tail_zh == tail_en:
        return f"错误：{head_zh}\n{prefix}: {head_en}\n{tail_en}"
    return f"错误：{zh}\n{prefix}: {message}"


class InputFailure(click.ClickException):
    """A PlanningError reported as ``错误：<中文>`` + ``Error: <English>`` with exit code 2 (DESIGN.md)."""

    exit_code = 2

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    @classmethod
    def of(cls, err: PlanningError) -> InputFailure:
        """The failure that reports ``err`` in both of its languages."""
        return cls(str(err), zh=err.zh)

    def show(self, file: Any = None) -> None:
        click.echo(error_text(self.format_message(), self.zh), file=file, err=file is None)


def _parse_attrs(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            msg = f"--attr {pair!r}: expected KEY=VALUE, e.g. scale_head=2000 or unavoidable=true"
            zh = f"--attr “{pair}”格式有误：应为“属性=值”，如 scale_head=2000 或 unavoidable=true"
            raise InputError(msg, zh=zh)
        out[key.strip()] = value.strip()
    return out


def results_json(results: Sequence[ScreeningResult], *, batch: bool) -> str:
    """The JSON text of DESIGN.md: one object, or a list for a batch (UTF-8, not escaped)."""
    payload: Any = [r.to_dict() for r in results] if batch else results[0].to_dict()
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


#: CSV columns: key (English header, = JSON field names) -> Chinese header.
CSV_COLUMNS = {
    "project_index": "序号",
    "project_name": "项目名称",
    "project_type": "项目类型",
    "geometry_type": "几何类型",
    "area_m2": "项目面积(m²)",
    "length_m": "项目长度(m)",
    "centroid_lon": "中心经度",
    "centroid_lat": "中心纬度",
    "county": "所在县区",
    "project_verdict": "项目结论",
    "layer": "图层",
    "feature": "要素名称",
    "zone": "分区/级别",
    "relation": "空间关系",
    "overlap_area_m2": "重叠面积(m²)",
    "overlap_pct": "重叠比例(%)",
    "overlap_length_m": "区内长度(m)",
    "distance_m": "距离(m)",
    "verdict": "结论",
    "rule_id": "规则编号",
    "condition": "条件说明",
    "basis": "法律依据",
    "confidence": "核实状态",
    "legal_status": "数据效力",
    "input_crs": "输入坐标系",
    "work_crs": "计算坐标系",
}


def _verdict_text(code: str, lang: str) -> str:
    return code if lang == "en" else f"{VERDICT_LABELS[code]['zh']}({code})"


def _csv_rows(result: ScreeningResult, lang: str) -> list[dict[str, Any]]:
    p = result.project
    base = {
        "project_index": p.index + 1,
        "project_name": p.name,
        "project_type": p.type,
        "geometry_type": p.geometry_type,
        "area_m2": p.area_m2,
        "length_m": p.length_m,
        "centroid_lon": p.centroid_lonlat[0],
        "centroid_lat": p.centroid_lonlat[1],
        "county": p.county or "",
        "project_verdict": _verdict_text(result.verdict, lang),
        "input_crs": p.input_crs,
        "work_crs": p.work_crs,
    }
    if not result.conflicts:
        return [base]
    return [
        {
            **base,
            "layer": c.layer,
            "feature": c.feature,
            "zone": c.zone or "",
            "relation": c.relation,
            "overlap_area_m2": c.overlap_area_m2,
            "overlap_pct": c.overlap_pct,
            "overlap_length_m": c.overlap_length_m,
            "distance_m": c.distance_m,
            "verdict": _verdict_text(c.verdict, lang),
            "rule_id": c.rule_id,
            "condition": c.condition_en if lang == "en" else c.condition,
            "basis": c.basis,
            "confidence": c.confidence if lang == "en" or c.confidence == "verified" else "待法规核实(unverified)",
            "legal_status": c.legal_status,
        }
        for c in result.conflicts
    ]


def results_csv(results: Sequence[ScreeningResult], *, lang: str = "zh") -> str:
    """One row per conflict (one row for a project without conflicts); headers in ``lang``
    (English headers are the JSON field names). Prefixed with a BOM so Excel reads UTF-8."""
    buf = io.StringIO()
    headers = list(CSV_COLUMNS) if lang == "en" else list(CSV_COLUMNS.values())
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for result in results:
        for row in _csv_rows(result, lang):
            writer.writerow([row.get(key, "") for key in CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()


def _emit(text: str, out: str | None) -> None:
    data = text.encode("utf-8")
    if out is None:
        # Bytes, not text: the JSON/CSV contract is UTF-8 whatever the terminal's locale.
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).write_bytes(data)
    except OSError as err:
        msg = f"-o {out!r}: cannot write the output file: {err.strerror or err}"
        raise InputFailure(msg, zh=f"-o {out}：无法写入输出文件（{err.strerror or err}）") from err


def _screen(opts: dict[str, Any]) -> tuple[list[ScreeningResult], bool]:
    from gis.io import read_features
    from layers.paths import DEFAULT_STORE
    from zoning.engine import open_store, projects_from_features
    from zoning.engine import screen as run_screen
    from zoning.rules import load_rules

    zones = Path(opts["zones"]) if opts["zones"] else DEFAULT_STORE
    if not zones.exists():
        msg = f"zone store {str(zones)!r} does not exist; build the default with `make data` or give --zones FILE.gpkg"
        zh = f"图层库 {zones} 不存在；请用 `make data` 生成内置图层库，或用 --zones 指定 GeoPackage 文件"
        raise InputError(msg, zh=zh)
    rules = load_rules(opts["rules_path"]) if opts["rules_path"] else None
    fs = read_features(opts["project_file"], layer=opts["layer"], crs=opts["crs"], encoding=opts["encoding"])
    projects = projects_from_features(
        fs,
        type=opts["type_"],
        type_field=opts["type_field"],
        attrs=_parse_attrs(opts["attrs"]),
        name=opts["name"],
        name_field=opts["name_field"],
        project_types=rules.project_types if rules else None,
    )
    results = run_screen(
        projects, open_store(zones), rules=rules, tolerance_m=opts["tolerance_m"], near_m=opts["near_m"]
    )
    return results, len(projects) != 1


@click.command("screen")
@click.argument("project_file")
@click.option(
    "--type",
    "type_",
    metavar="TYPE",
    help="Project type of every feature: key, 中文名称 or alias (道路, 畜禽养殖场...).",
)
@click.option("--type-field", metavar="FIELD", help="Column holding each feature's project type (batch files).")
@click.option("--zones", type=click.Path(dir_okay=False), help="Zone store GeoPackage [default: data/zones.gpkg].")
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
@click.option("--layer", help="Layer of a GeoPackage input.")
@click.option(
    "--tolerance-m", type=click.FloatRange(min=0), default=5.0, show_default=True, help="Boundary tolerance band (m)."
)
@click.option(
    "--near-m", type=click.FloatRange(min=0), default=5000.0, show_default=True, help="Radius for nearby zones (m)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json/csv to stdout or -o; docx, pdf, xlsx (conflict table), gpkg (project, zones hit, overlaps) "
    "or zip (summary, one PDF per project, xlsx and gpkg) to -o.",
)
@click.option(
    "-o", "--output", "out", type=click.Path(dir_okay=False), help="Output file [default: stdout for json/csv]."
)
@click.option(
    "--fail-on",
    type=click.Choice(VERDICTS[1:], case_sensitive=False),
    help="Exit 3 when any project's verdict is at or above this.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of CSV headers and reports.",
)
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False), help="Rules file [default: data/rules.yaml].")
@click.pass_context
def screen(ctx: click.Context, fmt: str, out: str | None, fail_on: str | None, lang: str, **opts: Any) -> None:
    """Screen PROJECT_FILE (GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, or a WKT
    string) against the protected zones: 项目生态环境分区管控符合性筛查.

    \b
    $ python -m zoning screen farm.geojson --type 畜禽养殖场 --attr scale_head=2000
    $ python -m zoning screen "POINT (112.93 27.83)" --type road --format json
    $ python -m zoning screen batch.csv --type-field 类型 --format csv -o out.csv --fail-on prohibited
    $ python -m zoning screen batch.csv --type-field 类型 --format zip -o bundle.zip

    Exit codes: 0 done; 2 bad input; 3 a verdict at or above --fail-on.
    """
    if fmt not in ("json", "csv") and out is None:
        msg = f"--format {fmt} writes a file: give -o OUT.{fmt}"
        raise InputFailure(msg, zh=f"--format {fmt} 输出的是文件：请用 -o 指定文件名，如 -o 结果.{fmt}")
    try:
        results, batch = _screen(opts)
        if fmt == "json":
            _emit(results_json(results, batch=batch), out)
        elif fmt == "csv":
            _emit(results_csv(results, lang=lang), out)
        else:
            from zoning.report import write_report

            write_report(results, fmt, Path(str(out)), lang=lang)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    if fail_on and any(VERDICT_RANK[r.verdict] >= VERDICT_RANK[fail_on.lower()] for r in results):
        ctx.exit(3)


COMMANDS: list[click.Command] = [screen]
