"""One opened bureau: its settings, database, accounts and archive — what the app, the CLI
and the HTTP API hold.

``open_bureau()`` reads the settings from the environment and opens the database once per
process and URL (creating the tables); ``first_run_notice()`` is what ``make run`` prints
on a fresh machine: the first admin's generated password, shown once, stored only hashed.
``BureauScreenings`` is the saved screenings as the HTTP API asks them (``zoning.saved``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from zoning.bureau.accounts import FIRST_ADMIN, Accounts
from zoning.bureau.archive import Archive, SavedScreening
from zoning.bureau.db import Database
from zoning.bureau.settings import BureauSettings

__all__ = ["Bureau", "open_bureau", "first_run_notice", "BureauScreenings"]


@dataclass(frozen=True)
class Bureau:
    """The settings, and the accounts and saved screenings of their database."""

    settings: BureauSettings
    db: Database
    accounts: Accounts
    archive: Archive


_OPENED: dict[tuple[str, BureauSettings], Bureau] = {}
_LOCK = threading.Lock()


def open_bureau(settings: BureauSettings | None = None) -> Bureau:
    """The bureau of ``settings`` (default: from the environment), opened once per process.

    Raises
    ------
    InputError
        A setting that cannot be read.
    DataSourceError
        The database cannot be opened or created.
    """
    settings = settings or BureauSettings.from_env()
    key = (settings.database_url, settings)
    with _LOCK:
        hit = _OPENED.get(key)
        if hit is None:
            db = Database.open(settings.database_url)
            hit = Bureau(settings, db, Accounts(db, settings), Archive(db))
            _OPENED[key] = hit
    return hit


class BureauScreenings:
    """The saved screenings of the bureau the environment names (``zoning.saved.ScreeningStore``):
    what ``GET /api/v1/screenings/{number}`` reads. The database is opened at the first
    ``get``, in the process that answers (a server's workers each open their own)."""

    def __init__(self, settings: BureauSettings | None = None) -> None:
        self._settings = settings

    def get(self, number: str) -> SavedScreening | None:
        """The screening saved under ``number``, or None."""
        return open_bureau(self._settings).archive.get(number)


def first_run_notice(bureau: Bureau | None = None) -> str | None:
    """On a database without accounts: create the first admin and return how to sign in
    (its generated password is in the text, shown once and never stored in clear). None
    when accounts exist."""
    bureau = bureau or open_bureau()
    password = bureau.accounts.ensure_first_admin()
    if password is None:
        return None
    bar = "=" * 72
    return "\n".join([
        bar,
        "首次运行：已创建管理员账户 / first run: an admin account was created",
        f"  账户 account : {FIRST_ADMIN}",
        f"  密码 password: {password}",
        "此密码只显示这一次，数据库中仅保存其哈希值 / shown this once; only its hash is stored.",
        "请在应用侧栏登录后，用“用户管理”为审查人员建立账户，或运行 / sign in from the app's sidebar, then add",
        "reviewers on the 用户管理 page, or run:",
        "  python -m zoning users add NAME --role reviewer",
        f"忘记密码 / forgotten: python -m zoning users passwd {FIRST_ADMIN}",
        f"账户数据库 / accounts database: {bureau.settings.database_label}",
        bar,
    ])  # fmt: skip
