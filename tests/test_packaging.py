"""The package works off the checkout: a wheel carries the data and static files the core reads.

The slow test builds the wheel from a copy of the working tree, installs it (no
dependencies, no network) into a folder of its own and runs the CLI from another folder
with only that folder ahead of the environment's packages, so the checkout cannot be what
answers; it must screen exactly as the checkout does, and export the site and a PDF.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools import find_packages

from layers.paths import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
#: Where the wheel puts the repository's top-level data/ and static/ (see layers/paths.py).
BUNDLED = {"data": "layers/_bundled/data", "static": "layers/_bundled/static"}
POINT = "POINT (112.93 27.86)"


def test_package_list_is_the_code_tree() -> None:
    """The explicit package list (needed for the data mapping) names every package of the code."""
    code = set(find_packages(where=str(REPO_ROOT), include=["gis", "gis.*", "layers", "layers.*", "zoning", "zoning.*"]))
    listed = set(SETUPTOOLS["packages"])
    mapped = set(SETUPTOOLS["package-dir"])
    assert listed - mapped == code
    assert {SETUPTOOLS["package-dir"][name] for name in mapped} == set(BUNDLED)
    assert {name.split(".")[-1] for name in mapped} == set(BUNDLED)


def test_paths_resolve_to_the_checkout_here() -> None:
    """In the checkout (no bundle inside the package) data and static are the top-level folders."""
    from layers import paths

    assert not (REPO_ROOT / BUNDLED["data"]).exists()
    assert paths.DATA_DIR == REPO_ROOT / "data"
    assert paths.STATIC_DIR == REPO_ROOT / "static"
    assert paths.DEFAULT_STORE.is_file()


def _pins(path: Path) -> dict[str, str]:
    """name -> pinned version of a requirements file (its ``-r`` includes left out)."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line  # the requirements files are the pinned set
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_declared_ranges_hold_the_pinned_set() -> None:
    """Every dependency pyproject declares is pinned in requirements.txt, within its range."""
    pins = _pins(REPO_ROOT / "requirements.txt")
    declared = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    declared += [Requirement(r) for extra in PYPROJECT["project"]["optional-dependencies"].values() for r in extra]
    for req in declared:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not pinned in requirements.txt"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is outside {req.specifier}"
    assert set(pins) == {canonicalize_name(r.name) for r in declared}


def _third_party_imports() -> set[str]:
    files = [p for d in ("gis", "layers", "zoning", "ui", "pages") for p in (REPO_ROOT / d).rglob("*.py")]
    files.append(REPO_ROOT / "app.py")
    tops = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops.add(node.module.split(".")[0])
    return tops - set(sys.stdlib_module_names) - {"gis", "layers", "zoning", "ui", "pages", "app"}


def test_every_imported_package_is_pinned() -> None:
    """What the code imports directly is pinned, not left to arrive as another package's dependency."""
    pins = _pins(REPO_ROOT / "requirements.txt")
    owners = importlib.metadata.packages_distributions()
    imports = _third_party_imports()
    assert {"shapely", "fontTools", "branca", "affine"} <= imports  # the scan sees the code
    unpinned = {top: owners.get(top) for top in imports if not {canonicalize_name(d) for d in owners.get(top, [])} & set(pins)}
    assert not unpinned, f"imported but not pinned in requirements.txt: {unpinned}"


# --- the wheel ---------------------------------------------------------------------------


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know which files belong to the project")
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO_ROOT, capture_output=True, check=True).stdout  # fmt: skip
    return [name for name in out.decode("utf-8").split("\0") if name and (REPO_ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the working tree (an in-tree build would leave build/ behind)."""
    files = _tracked_files()
    src = tmp_path_factory.mktemp("src")
    for name in files:
        if name.startswith(("tests/", "benchmarks/")):
            continue
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
                    "--wheel-dir", str(out), str(src)], check=True, capture_output=True)  # fmt: skip
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)  # fmt: skip
    return target


def _run_installed(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -P`` (no cwd on sys.path) with only the installed copy ahead of the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ZONING_"))}
    env |= {"PYTHONPATH": str(installed), "ZONING_CACHE": "0"}
    return subprocess.run([sys.executable, "-P", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_wheel_carries_the_data_the_core_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = _tracked_files()
    # Every data file (not the maintainers' script that prepared the base geography).
    data = [n for n in tracked if n.startswith("data/") and not n.endswith(".py")]
    assert data and {f"{BUNDLED['data']}/{n.removeprefix('data/')}" for n in data} <= names
    # What the exported site copies, with the licences; not the app's own files.
    static = [n for n in tracked if n.startswith(("static/js/", "static/vendor/leaflet-1", "static/fonts/"))]
    assert static and {f"{BUNDLED['static']}/{n.removeprefix('static/')}" for n in static} <= names
    assert f"{BUNDLED['static']}/README.md" in names
    assert not [n for n in names if "leaflet-draw" in n or n.endswith("favicon.png")]
    # The report fonts with their licence, and the exported site's page.
    own = [n for n in tracked if n.startswith(("zoning/report/assets/", "zoning/publish/map_site/")) and not n.endswith(".py")]
    assert own and set(own) <= names


@pytest.mark.slow
def test_installed_wheel_screens_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run_installed(installed, elsewhere, "-c", (
        "import json, zoning, layers.paths as p, zoning.report.fonts as f;"
        "print(json.dumps([zoning.__file__, str(p.DATA_DIR), str(p.STATIC_DIR), str(f.ASSETS_DIR)]))"
    ))  # fmt: skip
    assert where.returncode == 0, where.stderr
    for path in json.loads(where.stdout):
        assert Path(path).is_relative_to(installed), path  # not the checkout

    cli = _run_installed(installed, elsewhere, "-m", "zoning", "screen", POINT, "--type", "road")
    assert cli.returncode == 0, cli.stderr
    got = json.loads(cli.stdout)
    # The same answer as the checkout gives, apart from when and from which copy of the data.
    here = subprocess.run([sys.executable, "-m", "zoning", "screen", POINT, "--type", "road"],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    want = json.loads(here.stdout)
    assert got["data"]["zones"] == str(installed / BUNDLED["data"] / "zones.gpkg")
    assert got["data"]["sha256"] == want["data"]["sha256"]
    for result in (got, want):
        result.pop("generated_at")
        result["data"].pop("zones")
    assert got == want
    # a road on the outskirts of Xiangtan touches no zone; the embedded store has no farmland,
    # urban-boundary or forest data there, so it is "needs review" for those layers only
    assert {c["rule_id"] for c in got["conflicts"]} == {"COV01"} and got["verdict"] == "review"


@pytest.mark.slow
def test_installed_wheel_exports_the_site_and_a_pdf(installed: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    cli = _run_installed(installed, tmp_path, "-m", "zoning", "export-map", "--max-zoom", "5", "--no-gzip", str(site))
    assert cli.returncode == 0, cli.stderr
    assert "WARNING" not in cli.stderr  # nothing fell back: base map, places, fonts all found
    assets = site / "assets"
    assert (assets / "leaflet" / "leaflet.js").is_file() and (assets / "zonetiles.js").is_file()
    assert len(list((assets / "fonts" / "noto-sans-sc").glob("*.woff2"))) > 100
    pdf = tmp_path / "report.pdf"
    cli = _run_installed(installed, tmp_path, "-m", "zoning", "screen", POINT, "--type", "road", "--format", "pdf",
                         "-o", str(pdf))  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and b"NotoSansCJK" in pdf.read_bytes()
