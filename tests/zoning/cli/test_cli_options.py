"""The options the commands share (zoning/cli/options.py): ``-o`` never replaces an existing
file without ``--overwrite``, for every command that writes to a path the user names; ``-v``
and ``-q`` set what is logged to standard error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gis.errors import InputError
from zoning.cli import cli

REPO = Path(__file__).resolve().parents[3]


def _refused(args: list[str], target: Path, option: str = "-o") -> None:
    before = target.read_bytes() if target.is_file() else None
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert f"错误：{option} {target}：" in res.output and "请加 --overwrite" in res.output
    assert f"Error: {option} {target}: " in res.output and "give --overwrite" in res.output
    assert "Traceback" not in res.output
    if before is not None:
        assert target.read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        ["screen", "POINT (112.93 27.86)", "--type", "road"],
        ["screen", "POINT (112.93 27.86)", "--type", "road", "--format", "pdf"],
        ["delineate", "intakes.geojson", "--params", "hj338"],
        ["noraise", "zones.gpkg"],
        ["build-data"],
    ],
    ids=["screen-json", "screen-pdf", "delineate", "noraise", "build-data"],
)
def test_an_existing_output_file_is_refused_before_any_work(command: list[str], tmp_path: Path) -> None:
    """The inputs named here do not even exist: the refusal comes first, and the file stays."""
    out = tmp_path / "existing.gpkg"
    out.write_bytes(b"keep me")
    _refused([*command, "-o", str(out)], out)


def test_delineate_writes_into_an_existing_geopackage_with_overwrite(tmp_path: Path) -> None:
    """--overwrite lets the command go on (here to its own check of the missing input)."""
    out = tmp_path / "existing.gpkg"
    out.write_bytes(b"keep me")
    res = CliRunner().invoke(cli, ["delineate", str(tmp_path / "none.geojson"), "--params", "hj338", "-o", str(out),
                                   "--overwrite"])  # fmt: skip
    assert res.exit_code != 0 and "overwrite" not in res.output


def test_export_map_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    _refused(["export-map", str(site)], site, option="OUTDIR")
    # --overwrite still never empties a folder an earlier export did not write (the InputError
    # that `python -m zoning` prints as exit 2)
    res = CliRunner().invoke(cli, ["export-map", str(site), "--overwrite"])
    assert isinstance(res.exception, InputError) and "not an earlier export" in str(res.exception)
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"


_LOG_AT_EVERY_LEVEL = """
import logging, sys
from zoning.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
log = logging.getLogger("zoning.test")
for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
    log.log(level, "at %s", logging.getLevelName(level))
"""


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ([], ["WARNING", "ERROR", "CRITICAL"]),
        (["-v"], ["INFO", "WARNING", "ERROR", "CRITICAL"]),
        (["-vv"], ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
        (["-q"], ["ERROR", "CRITICAL"]),
        (["-qq"], ["ERROR", "CRITICAL"]),
        (["-v", "-q"], ["WARNING", "ERROR", "CRITICAL"]),
    ],
)
def test_verbosity_sets_the_logging_level_and_logs_go_to_stderr(flags: list[str], shown: list[str]) -> None:
    res = subprocess.run([sys.executable, "-c", _LOG_AT_EVERY_LEVEL, *flags, "rules", "list", "--format", "json"],
                         capture_output=True, text=True, cwd=REPO, check=False)  # fmt: skip
    lines = [line for line in res.stderr.splitlines() if "zoning.test" in line]
    assert lines == [f"{level} zoning.test: at {level}" for level in shown]
    assert "zoning.test" not in res.stdout and res.stdout.lstrip().startswith("[")
