"""``python -m zoning users add|list|disable|enable|passwd|role``: the app's accounts.

Accounts live in the bureau's database (``ZONING_DATA_DIR`` / ``ZONING_DB_URL``, see
``zoning.bureau.settings``); passwords only as argon2 hashes. A password is asked for twice
(hidden), or generated with ``--generate`` and printed once.
"""

from __future__ import annotations

import click

from zoning.bureau.accounts import ACCOUNT_ROLES
from zoning.cli.errors import planning_errors

__all__ = ["COMMANDS", "users_group"]



def _bureau():  # noqa: ANN202 - the Bureau, imported late (argon2 is not loaded for other commands)
    from zoning.bureau.service import open_bureau

    return open_bureau()


def _password(generate: bool) -> str | None:
    """None (the account's password is generated) or the one typed twice."""
    if generate:
        return None
    return click.prompt("密码 password", hide_input=True, confirmation_prompt="再次输入 repeat")


def _show_generated(name: str, password: str | None) -> None:
    if password is not None:
        click.echo(f"账户 {name} 的密码（只显示这一次）/ password of {name} (shown this once): {password}")


@click.group("users")
def users_group() -> None:
    """Accounts of the app: 账户与角色 (reviewer 审查人员, admin 管理员).

    \b
    $ python -m zoning users add wang --role reviewer
    $ python -m zoning users add li --role admin --generate
    $ python -m zoning users list
    $ python -m zoning users disable wang
    $ python -m zoning users passwd wang --generate
    """


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ACCOUNT_ROLES), required=True, help="reviewer or admin.")
@click.option("--generate", is_flag=True, help="Generate the password and print it once (instead of asking).")
def add_cmd(name: str, role: str, generate: bool) -> None:
    """Create the account NAME with ROLE; its password is asked for, or generated."""
    from layers._gpkg import current_user

    password = _password(generate)
    with planning_errors():
        generated = _bureau().accounts.add(name, role=role, password=password, by=f"cli:{current_user()}")
    click.echo(f"已创建账户 account created: {name} ({role})")
    _show_generated(name, generated)


@users_group.command("list")
def list_cmd() -> None:
    """List the accounts: name, role, state, created, last sign-in."""
    with planning_errors():
        bureau = _bureau()
        accounts = bureau.accounts.all()
    click.echo(f"账户数据库 accounts database: {bureau.settings.database_label}")
    if not accounts:
        click.echo("（无账户 / no accounts）")
        return
    for a in accounts:
        state = "停用 disabled" if a.disabled else "启用 enabled"
        click.echo(f"{a.name:<20} {a.role:<9} {state:<12} created {a.created_at} by {a.created_by}; "
                   f"last sign-in {a.last_sign_in or '-'}")  # fmt: skip


@users_group.command("disable")
@click.argument("name")
def disable_cmd(name: str) -> None:
    """Disable the account NAME: it can no longer sign in, its sessions end at once."""
    with planning_errors():
        _bureau().accounts.set_disabled(name, True)
    click.echo(f"已停用 disabled: {name}")


@users_group.command("enable")
@click.argument("name")
def enable_cmd(name: str) -> None:
    """Enable the account NAME again."""
    with planning_errors():
        _bureau().accounts.set_disabled(name, False)
    click.echo(f"已启用 enabled: {name}")


@users_group.command("passwd")
@click.argument("name")
@click.option("--generate", is_flag=True, help="Generate the new password and print it once.")
def passwd_cmd(name: str, generate: bool) -> None:
    """Set a new password for NAME (its sessions end; its wrong-password count is cleared)."""
    password = _password(generate)
    with planning_errors():
        generated = _bureau().accounts.set_password(name, password)
    click.echo(f"已重设密码 password reset: {name}")
    _show_generated(name, generated)


@users_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ACCOUNT_ROLES))
def role_cmd(name: str, role: str) -> None:
    """Give the account NAME the role ROLE (its sessions end)."""
    with planning_errors():
        _bureau().accounts.set_role(name, role)
    click.echo(f"已设定角色 role set: {name} → {role}")


COMMANDS: list[click.Command] = [users_group]
