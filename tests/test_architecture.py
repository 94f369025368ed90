"""The shape of the code: the core never imports the UI, imports point one way (gis <- layers <- zoning),
and no module of gis/, layers/ or zoning's sub-packages imports itself round a circle.

Every module of gis/, layers/ and zoning/ is parsed with ``ast`` (not imported, so nothing
hidden behind a lazy import or an ``if TYPE_CHECKING`` block escapes). The checker itself is
tested on synthetic module sources, so a checker that finds nothing cannot pass unnoticed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from layers.paths import REPO_ROOT

CORE_PACKAGES = ("gis", "layers", "zoning")
#: UI libraries no core module may import (DESIGN.md: the same core serves UI, CLI and tests).
UI_LIBRARIES = frozenset({"streamlit", "folium", "streamlit_folium"})
#: The web framework of the HTTP API: only zoning/api imports it (the engine, the readers and
#: the reports stay usable without a server).
WEB_LIBRARIES = frozenset({"fastapi", "starlette", "uvicorn"})
#: Packages each core package must not import: gis <- layers <- zoning <- {ui, pages, app}.
#: click is the CLI's, which lives in zoning/cli; gis and layers stay free of it.
FORBIDDEN_BY_PACKAGE = {
    "gis": frozenset({"layers", "zoning", "ui", "pages", "app", "click"}),
    "layers": frozenset({"zoning", "ui", "pages", "app", "click"}),
    "zoning": frozenset({"ui", "pages", "app"}),
}
#: Inside zoning/: the engine and rules at its root; build/ (the embedded data), publish/
#: (tiles, the static site), report/ (documents), sites/ (the site finder), bureau/ (accounts,
#: saved screenings: it numbers them as reports do), api/ (the HTTP API), cli/ on top. The
#: engine never imports the layers above it; build never reaches into the engine's internals,
#: so the engine can change without touching the data build; the API is a client of the
#: engine, the reports and the bureau, never of the CLI (which starts it); nothing but the CLI
#: imports the CLI.
ENGINE_INTERNALS = frozenset(
    {"zoning.engine", "zoning._spatial", "zoning._match", "zoning._conflicts", "zoning._notes", "zoning._projects"}
)
ZONING_PARTS = ("zoning.build", "zoning.publish", "zoning.report", "zoning.sites", "zoning.bureau", "zoning.api",
                "zoning.cli")  # fmt: skip
FORBIDDEN_BY_PART: dict[str, frozenset[str]] = {
    "zoning": frozenset(ZONING_PARTS),  # the engine and rules at the root of zoning/
    "zoning.build": frozenset({"zoning.publish", "zoning.report", "zoning.bureau", "zoning.api", "zoning.cli"})
    | ENGINE_INTERNALS,
    "zoning.publish": frozenset({"zoning.build", "zoning.report", "zoning.bureau", "zoning.api", "zoning.cli"}),
    "zoning.report": frozenset({"zoning.build", "zoning.publish", "zoning.sites", "zoning.bureau", "zoning.api",
                                "zoning.cli"}),  # fmt: skip
    # The site finder asks the engine through its public functions only (screen, rules_for_project).
    "zoning.sites": frozenset({"zoning.build", "zoning.publish", "zoning.report", "zoning.bureau", "zoning.api",
                               "zoning.cli"})  # fmt: skip
    | (ENGINE_INTERNALS - {"zoning.engine"}),
    "zoning.bureau": frozenset({"zoning.build", "zoning.publish", "zoning.sites", "zoning.api", "zoning.cli"}),
    # The API is a thin client of the engine's public functions, the reports, the bureau and the core.
    "zoning.api": frozenset({"zoning.build", "zoning.publish", "zoning.cli"}) | (ENGINE_INTERNALS - {"zoning.engine"}),
    "zoning.cli": frozenset(),
}
_DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


def zoning_part(module: str) -> str | None:
    """Which part of zoning/ ``module`` belongs to (``zoning`` for the engine root), else None."""
    if module != "zoning" and not module.startswith("zoning."):
        return None
    if module == "zoning.__main__":
        return "zoning.cli"
    return next((p for p in ZONING_PARTS if module == p or module.startswith(p + ".")), "zoning")


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """Absolute module name of ``from ... import`` in ``module`` (handles ``from . import x``)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    # A module's own package is its name minus the last part (for __init__, the name itself is passed).
    base = package[: len(package) - node.level]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(module: str, source: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, wherever it is in the file.

    ``module`` is the dotted name of the module being read (for relative imports); for a
    package's ``__init__.py`` pass ``package.__init__``.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            if base:
                yield node.lineno, base
            else:  # `from ... import zoning`: the names are the modules
                yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and _dynamic_target(node):
            yield node.lineno, _dynamic_target(node)


def imported_names(module: str, source: str) -> Iterator[tuple[int, str]]:
    """As ``imported_modules``, plus ``package.name`` for each name of ``from package import name``
    (so ``from zoning import _spatial`` is seen as importing ``zoning._spatial``)."""
    yield from imported_modules(module, source)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (base := _resolve(module, node)):
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def _dynamic_target(node: ast.Call) -> str:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in _DYNAMIC_IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
        value = node.args[0].value
        return value if isinstance(value, str) else ""
    return ""


def violations(module: str, source: str) -> list[str]:
    """Imports of ``module`` (dotted name, e.g. ``layers.store``) that break the architecture."""
    package = module.split(".")[0]
    part = zoning_part(module)
    web = frozenset() if part == "zoning.api" else WEB_LIBRARIES
    forbidden = UI_LIBRARIES | web | FORBIDDEN_BY_PACKAGE.get(package, frozenset())
    found = []
    for line, name in imported_modules(module, source):
        top = name.split(".")[0]
        if top in forbidden:
            why = ("UI library in the core" if top in UI_LIBRARIES else "web framework outside zoning/api"
                   if top in WEB_LIBRARIES else f"{package} must not depend on {top}")  # fmt: skip
            found.append(f"{module}:{line} imports {name} ({why})")
    banned = FORBIDDEN_BY_PART.get(part or "", frozenset())
    seen: set[tuple[int, str]] = set()
    for line, name in imported_names(module, source):  # modules first, then their names
        hit = next((b for b in sorted(banned) if _within(name, b)), None)
        if hit is not None and (line, hit) not in seen:
            seen.add((line, hit))
            found.append(f"{module}:{line} imports {name} ({part} must not depend on {hit})")
    return sorted(set(found))


def core_modules() -> list[tuple[str, Path]]:
    out = []
    for package in CORE_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            out.append((".".join(parts), path))
    return out


# --- the checker, on synthetic sources ---------------------------------------------------


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("zoning.engine", "import streamlit as st\n", ["zoning.engine:1 imports streamlit (UI library in the core)"]),
        ("gis.io", "def f():\n    from folium import Map\n", ["gis.io:2 imports folium (UI library in the core)"]),
        ("layers.store", "import streamlit_folium\n", ["layers.store:1 imports streamlit_folium (UI library in the core)"]),
        ("zoning.report.pdf", "from streamlit.runtime import exists\n",
         ["zoning.report.pdf:1 imports streamlit.runtime (UI library in the core)"]),
        ("gis.crs", "from layers.store import ZoneStore\n", ["gis.crs:1 imports layers.store (gis must not depend on layers)"]),
        ("layers.catalog", "from zoning import engine\n",
         ["layers.catalog:1 imports zoning (layers must not depend on zoning)"]),
        ("layers.catalog", "import typing\nif typing.TYPE_CHECKING:\n    import zoning.model\n",
         ["layers.catalog:3 imports zoning.model (layers must not depend on zoning)"]),
        ("gis.repair", "import importlib\nimportlib.import_module('streamlit')\n",
         ["gis.repair:2 imports streamlit (UI library in the core)"]),
        ("zoning.cli.main", "from ui import cache\n",
         ["zoning.cli.main:1 imports ui (zoning must not depend on ui)"]),
        ("layers.importer", "import click\n", ["layers.importer:1 imports click (layers must not depend on click)"]),
        ("zoning.engine", "from zoning.report import render_report\n",
         ["zoning.engine:1 imports zoning.report (zoning must not depend on zoning.report)"]),
        ("zoning.rules", "import zoning.publish.zone_tiles\n",
         ["zoning.rules:1 imports zoning.publish.zone_tiles (zoning must not depend on zoning.publish)"]),
        ("zoning.build.noraise", "from zoning import _spatial\n",
         ["zoning.build.noraise:1 imports zoning._spatial (zoning.build must not depend on zoning._spatial)"]),
        ("zoning.build.build_data", "from zoning.engine import screen\n",
         ["zoning.build.build_data:1 imports zoning.engine (zoning.build must not depend on zoning.engine)"]),
        ("zoning.report.tables", "from zoning.cli.screen_cmds import x\n",
         ["zoning.report.tables:1 imports zoning.cli.screen_cmds (zoning.report must not depend on zoning.cli)"]),
        ("zoning.engine", "def f():\n    from zoning.api import create_app\n",
         ["zoning.engine:2 imports zoning.api (zoning must not depend on zoning.api)"]),
        ("zoning.report.pdf_writer", "import zoning.api.ogc\n",
         ["zoning.report.pdf_writer:1 imports zoning.api.ogc (zoning.report must not depend on zoning.api)"]),
        ("zoning.api.ogc", "from ui.cache import store_ref\n",
         ["zoning.api.ogc:1 imports ui.cache (zoning must not depend on ui)"]),
        ("zoning.api.screening", "import streamlit\n",
         ["zoning.api.screening:1 imports streamlit (UI library in the core)"]),
        ("zoning.api.screening", "from zoning.cli.errors import error_text\n",
         ["zoning.api.screening:1 imports zoning.cli.errors (zoning.api must not depend on zoning.cli)"]),
        ("zoning.api.ogc", "from zoning import _spatial\n",
         ["zoning.api.ogc:1 imports zoning._spatial (zoning.api must not depend on zoning._spatial)"]),
        ("zoning.engine", "import fastapi\n", ["zoning.engine:1 imports fastapi (web framework outside zoning/api)"]),
        ("gis.io", "from starlette.requests import Request\n",
         ["gis.io:1 imports starlette.requests (web framework outside zoning/api)"]),
    ],
)  # fmt: skip
def test_the_checker_finds_forbidden_imports(module: str, source: str, expected: list[str]) -> None:
    assert violations(module, source) == expected


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("zoning.engine", "import geopandas\nfrom layers.store import ZoneStore\nfrom gis.crs import STORAGE_CRS\n"),
        ("layers.store", "from . import _gpkg\nfrom .catalog import load_catalog\nimport gis.io\n"),
        ("zoning.cli.layers_cmds", "import click\nfrom layers.importer import import_layer\n"),
        ("zoning.cli.screen_cmds", "from zoning.report import render_report\nfrom zoning.engine import screen\n"),
        ("zoning.report.content", "from zoning.model import Conflict\nfrom zoning.engine import open_store\n"),
        ("zoning.build.build_data", "from zoning.build.noraise import x\nfrom zoning.model import Project\n"),
        ("zoning.engine", "from zoning.engineering import x\n"),
        ("zoning.api.screening", "from fastapi import APIRouter\nfrom zoning.engine import screen\n"
                                 "from zoning.report import render_report\n"),
        ("zoning.cli.serve_cmds", "def f():\n    from zoning.api import create_app\n"),
        ("gis.io", "import streamlitish\nimport foliumx\n# import streamlit\ntext = 'import folium'\n"),
    ],
)
def test_the_checker_accepts_allowed_imports(module: str, source: str) -> None:
    assert violations(module, source) == []


def test_relative_imports_are_resolved_against_the_package() -> None:
    assert list(imported_modules("layers.store", "from . import _gpkg\n")) == [(1, "layers")]
    assert list(imported_modules("layers.__init__", "from .store import ZoneStore\n")) == [(1, "layers.store")]
    assert list(imported_modules("zoning.cli.x", "from ..engine import screen\n")) == [(1, "zoning.engine")]
    # Relative imports that climb out of layers into zoning are caught like absolute ones.
    assert violations("layers.sub.mod", "from ...zoning import engine\n") == [
        "layers.sub.mod:1 imports zoning (layers must not depend on zoning)"
    ]
    assert violations("layers.sub", "from .. import zoning\n") == [
        "layers.sub:1 imports zoning (layers must not depend on zoning)"
    ]


# --- the real code -------------------------------------------------------------------------


def test_every_core_package_is_walked() -> None:
    names = {name for name, _ in core_modules()}
    assert {"gis.crs", "gis.io", "layers.store", "layers.catalog", "zoning.engine", "zoning.cli.layers_cmds"} <= names
    assert len(names) >= 20


def test_core_packages_import_no_ui_and_respect_the_dependency_direction() -> None:
    found = []
    for name, path in core_modules():
        found += violations(name, path.read_text(encoding="utf-8"))
    assert found == [], "\n".join(found)


# --- no import cycles inside a package ---------------------------------------------------


def module_graph(modules: dict[str, str]) -> dict[str, set[str]]:
    """Imports between ``modules`` (dotted name -> source), lazy ones included.

    ``from package import module`` is an edge to the module, not to the package's
    ``__init__``; a package's ``__init__`` is named by the package (``zoning.report``).
    """
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, source in modules.items():
        as_read = f"{name}.__init__" if _is_package(name, modules) else name
        for _line, target in imported_names(as_read, source):
            if target in modules and target != name:
                graph[name].add(target)
        for node in ast.walk(ast.parse(source)):  # `from pkg import mod` names mod, not pkg
            if isinstance(node, ast.ImportFrom) and (base := _resolve(as_read, node)) in modules:
                if all(f"{base}.{alias.name}" in modules for alias in node.names) and base != name:
                    graph[name].discard(base)
    return graph


def _is_package(name: str, modules: dict[str, str]) -> bool:
    return any(other.startswith(name + ".") for other in modules)


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_the_cycle_finder_finds_lazy_and_type_checking_cycles() -> None:
    modules = {
        "p": "",
        "p.a": "from p import b\n",
        "p.b": "import typing\nif typing.TYPE_CHECKING:\n    from p.a import X\n",
        "p.c": "def f():\n    from p.d import g\n",
        "p.d": "from p.e import h\n",
        "p.e": "def h():\n    import p.c\n",
        "p.f": "from p import a\n",  # into a cycle, not part of it
    }
    assert import_cycles(module_graph(modules)) == [["p.a", "p.b"], ["p.c", "p.d", "p.e"]]
    # a module importing its package's registry, which imports the module lazily, is a cycle too
    assert import_cycles(module_graph({"q": "def r():\n    from q.w import x\n", "q.w": "import q\n"})) == [["q", "q.w"]]
    assert import_cycles(module_graph({"q": "", "q.w": "from q import v\n", "q.v": ""})) == []


#: Packages none of whose modules imports itself round a circle, lazily or not. zoning/report/
#: is cut into content and writers (content never imports a writer; no module imports the
#: output registry in its __init__). The verdict codes live in zoning.verdicts, which both
#: zoning.model and the palette (zoning.styles) import, so neither imports the other.
ACYCLIC_PACKAGES = ("gis", "layers", "zoning", "zoning.report", "zoning.cli", "zoning.build", "zoning.publish", "zoning.api")


@pytest.mark.parametrize("package", ACYCLIC_PACKAGES)
def test_no_import_cycles_inside(package: str) -> None:
    modules = {name.removesuffix(".__init__"): path.read_text(encoding="utf-8")
               for name, path in core_modules() if _within(name.removesuffix(".__init__"), package)}  # fmt: skip
    assert len(modules) >= 3  # the package and its modules were read
    assert import_cycles(module_graph(modules)) == []
