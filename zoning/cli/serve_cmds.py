"""``python -m zoning serve`` (the HTTP API and OGC API – Features) and ``python -m zoning
api-keys add|list|remove`` (the keys its reviewer endpoints accept).

    $ python -m zoning serve --port 8000
    $ python -m zoning api-keys add 县环评审批系统 --role reviewer
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from gis.errors import PlanningError
from zoning.cli.errors import InputFailure

__all__ = ["COMMANDS", "serve", "api_keys"]

_KEYS_FILE = click.option(
    "--keys-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="API key file [default: $ZONING_API_KEYS_FILE, else ~/.config/eco-zoning-screener/api_keys.yaml].",
)  # fmt: skip


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (each opens the store and builds its indexes once).")  # fmt: skip
@click.option("--zones", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Zone store to serve [default: $ZONING_STORE, else the embedded data/zones.gpkg].")  # fmt: skip
@_KEYS_FILE
@click.option("--open-screening", is_flag=True, default=None,
              help="Let anyone screen without a key (a single-user desktop); also ZONING_API_OPEN_SCREENING=1.")  # fmt: skip
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from ORIGIN to call the API (repeatable); default none (CORS off).")  # fmt: skip
def serve(host: str, port: int, workers: int, zones: Path | None, keys_file: Path | None,
          open_screening: bool | None, cors_origins: tuple[str, ...]) -> None:  # fmt: skip
    """Serve the screening as an HTTP API (/api/docs) and the zone layers as OGC API – Features (/ogc).

    \b
    $ python -m zoning serve --port 8000
    $ ZONING_STORE=county.gpkg python -m zoning serve --host 0.0.0.0 --workers 4

    Options are handed to every worker through the environment (ZONING_STORE,
    ZONING_API_KEYS_FILE, ZONING_API_OPEN_SCREENING, ZONING_API_CORS_ORIGINS).
    """
    from zoning.api.server import run
    from zoning.api.settings import ApiSettings

    overrides = {"ZONING_STORE": str(zones.resolve()) if zones else None,
                 "ZONING_API_KEYS_FILE": str(keys_file.resolve()) if keys_file else None,
                 "ZONING_API_OPEN_SCREENING": "1" if open_screening else None,
                 "ZONING_API_CORS_ORIGINS": ",".join(cors_origins) or None}  # fmt: skip
    os.environ.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = ApiSettings.from_env()
        if not settings.store.is_file():
            msg = f"zone store {settings.store} does not exist; build the default with `make data` or give --zones FILE.gpkg"
            zh = f"图层库 {settings.store} 不存在；请用 `make data` 生成内置图层库，或用 --zones 指定 GeoPackage 文件"
            raise InputFailure(msg, zh=zh)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    click.echo(f"图层库 zone store: {settings.store}", err=True)
    click.echo(f"API 文档 docs: http://{host}:{port}/api/docs   OGC API – Features: http://{host}:{port}/ogc", err=True)
    run(host, port, workers=workers)


@click.group("api-keys")
def api_keys() -> None:
    """API keys for the HTTP API's reviewer endpoints: 接口密钥（仅保存其哈希值）.

    \b
    $ python -m zoning api-keys add 县环评审批系统 --role reviewer
    $ python -m zoning api-keys list
    $ python -m zoning api-keys remove 县环评审批系统
    """


def _keys_file(given: Path | None) -> Path:
    from zoning.api.settings import default_keys_file

    return given if given is not None else default_keys_file()


@api_keys.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer", show_default=True)
@_KEYS_FILE
def add_cmd(name: str, role: str, keys_file: Path | None) -> None:
    """Add a key called NAME; print its token once (the file keeps only its hash)."""
    from zoning.api.keys import add_key

    path = _keys_file(keys_file)
    try:
        token = add_key(path, name, role)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    click.echo(f"已添加密钥“{name}”（{role}），保存在 {path}。密钥只显示这一次，请妥善保存：", err=True)
    click.echo(f"Key {name!r} ({role}) added to {path}. It is shown this once only; keep it safe:", err=True)
    click.echo(token)


@api_keys.command("list")
@_KEYS_FILE
def list_cmd(keys_file: Path | None) -> None:
    """List the keys: name, role, the start of the hash, when added."""
    from zoning.api.keys import describe, load_keys

    path = _keys_file(keys_file)
    try:
        keys = load_keys(path)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    click.echo(f"{path}: {len(keys)} 个密钥 keys")
    for key in keys.values():
        d = describe(key)
        click.echo(f"  {d['name']}\t{d['role']}\tsha256 {d['sha256']}…\t{d['created']}")


@api_keys.command("remove")
@click.argument("name")
@_KEYS_FILE
def remove_cmd(name: str, keys_file: Path | None) -> None:
    """Remove the key called NAME (its holder is refused from then on)."""
    from zoning.api.keys import remove_key

    path = _keys_file(keys_file)
    try:
        removed = remove_key(path, name)
    except PlanningError as err:
        raise InputFailure.of(err) from err
    if not removed:
        msg = f"no key called {name!r} in {path}"
        raise InputFailure(msg, zh=f"{path} 中没有名为“{name}”的密钥")
    click.echo(f"已删除密钥“{name}” / key {name!r} removed")


COMMANDS: list[click.Command] = [serve, api_keys]
