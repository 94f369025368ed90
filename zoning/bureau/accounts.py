"""Accounts, roles, sessions and sign-in limits (DESIGN.md "Who may do what").

Roles, in increasing power: ``public`` (no account: the public map), ``reviewer`` (screen,
batch, reports, saved screenings, site finder), ``admin`` (all of that, the layer manager
and the accounts). Passwords are kept only as argon2id hashes (argon2-cffi: slow, salted,
its parameters in the hash, re-hashed on sign-in when the defaults grow).

A session is a random token the server keeps (its SHA-256 in ``sessions``); it ends after
``session_idle_s`` without use and ``session_max_s`` after sign-in, when its account is
disabled or its password changed, and on sign-out.

Wrong passwords are counted per account name and per client address, in the database (a
restart does not forget them). After ``free_tries`` wrong passwords in a row (4: the 5th
try is the first to wait) each further try must wait ``delay_s`` seconds, doubling with
each failure up to ``max_delay_s``; a try that comes too early is refused without the
password being checked — also a right one — so guessing in parallel gains nothing. The
wait is reserved before the password is checked, so two tries at once cannot both slip
through. Clients have a higher allowance (an office may share one address).

Examples
--------
>>> accounts = Accounts(Database.open("sqlite:////tmp/b.sqlite3"), BureauSettings())  # doctest: +SKIP
>>> password = accounts.add("wang", role="reviewer")  # doctest: +SKIP
>>> accounts.sign_in("wang", password, client="10.0.0.5").session.role  # doctest: +SKIP
'reviewer'
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gis.errors import InputError
from zoning.bureau.db import Database, Tx
from zoning.bureau.settings import BureauSettings

__all__ = [
    "ROLES",
    "ACCOUNT_ROLES",
    "role_at_least",
    "Account",
    "Session",
    "SignIn",
    "Accounts",
    "generate_password",
    "FIRST_ADMIN",
    "MIN_PASSWORD_LENGTH",
]

log = logging.getLogger(__name__)

#: Roles in increasing power; an account is a reviewer or an admin.
ROLES = ("public", "reviewer", "admin")
ACCOUNT_ROLES = ROLES[1:]
#: The account made on first run (``ensure_first_admin``).
FIRST_ADMIN = "admin"
MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_CHINA_TZ = timezone(timedelta(hours=8))
#: Sessions' last use is written at most this often (a page rerun is not a database write).
_TOUCH_EVERY_S = 30.0


def role_at_least(role: str | None, wanted: str) -> bool:
    """Whether ``role`` may do what ``wanted`` may (``None`` is the public)."""
    have = ROLES.index(role) if role in ROLES else 0
    return have >= ROLES.index(wanted)


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def _now_text(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), _CHINA_TZ).isoformat(timespec="seconds")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Account:
    """An account as listed (never its hash)."""

    name: str
    role: str
    disabled: bool
    created_at: str
    created_by: str
    password_changed_at: str
    last_sign_in: str | None


@dataclass(frozen=True)
class Session:
    """A signed-in session: whose, with which role, and when it ends at the latest."""

    token: str
    account: str
    role: str
    started: float
    expires: float


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a session, or why not and how long to wait before the next try."""

    session: Session | None
    wait_s: float = 0.0
    reason: str = ""  # "" (signed in) | "wrong" | "wait" | "disabled"

    @property
    def ok(self) -> bool:
        return self.session is not None


class Accounts:
    """The accounts, sessions and sign-in counters of one database.

    Parameters
    ----------
    db
        The bureau's database (``Database.open``).
    settings
        Session lifetimes and sign-in limits.
    clock
        Seconds since the epoch (tests pass their own).
    hasher
        The argon2 hasher (its defaults: argon2id, 64 MiB, 3 passes).
    """

    def __init__(
        self,
        db: Database,
        settings: BureauSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.db = db
        self.settings = settings or BureauSettings()
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        # Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    # --- accounts ---------------------------------------------------------------------------

    @staticmethod
    def _check_name(name: str) -> str:
        name = name.strip()
        if not _NAME.match(name):
            msg = f"account name {name!r} is not valid; expected 1–64 letters, digits, '.', '_', '-' or '@'"
            raise InputError(msg, zh=f"账户名“{name}”无效；应为 1–64 个字母、数字或 . _ - @")
        return name

    @staticmethod
    def _check_role(role: str) -> str:
        if role not in ACCOUNT_ROLES:
            msg = f"role {role!r} is not known; expected one of {', '.join(ACCOUNT_ROLES)}"
            raise InputError(msg, zh=f"角色“{role}”无法识别；应为 {'、'.join(ACCOUNT_ROLES)} 之一")
        return role

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            msg = f"the password is too short; use at least {MIN_PASSWORD_LENGTH} characters"
            raise InputError(msg, zh=f"密码太短；至少 {MIN_PASSWORD_LENGTH} 个字符")

    def add(self, name: str, *, role: str, password: str | None = None, by: str = "") -> str | None:
        """Create an account; returns the generated password when none was given (show it once).

        Raises
        ------
        InputError
            A bad name, role or password, or an account of that name exists.
        """
        name, role = self._check_name(name), self._check_role(role)
        generated = None
        if password is None:
            password = generated = generate_password()
        self._check_password(password)
        digest = self.hasher.hash(password)
        now = _now_text(self.clock)
        with self.db.write() as tx:
            if tx.one("SELECT 1 FROM accounts WHERE name = ?", (name,)) is not None:
                msg = f"an account called {name!r} exists already; choose another name or reset its password"
                raise InputError(msg, zh=f"已有名为“{name}”的账户；请换一个名称，或重设其密码")
            tx.run(
                "INSERT INTO accounts (name, role, password_hash, disabled, created_at, created_by, password_changed_at) "
                "VALUES (?, ?, ?, 0, ?, ?, ?)",
                (name, role, digest, now, by or "-", now),
            )
        log.info("account %s (%s) created by %s", name, role, by or "-")
        return generated

    def get(self, name: str) -> Account | None:
        with self.db.read() as tx:
            row = tx.one(
                "SELECT name, role, disabled, created_at, created_by, password_changed_at, last_sign_in "
                "FROM accounts WHERE name = ?",
                (name.strip(),),
            )
        return None if row is None else Account(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6])

    def all(self) -> list[Account]:
        with self.db.read() as tx:
            rows = tx.query(
                "SELECT name, role, disabled, created_at, created_by, password_changed_at, last_sign_in "
                "FROM accounts ORDER BY name"
            )
        return [Account(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

    def count(self) -> int:
        with self.db.read() as tx:
            row = tx.one("SELECT COUNT(*) FROM accounts")
        return int(row[0]) if row else 0

    def _require(self, tx: Tx, name: str) -> None:
        if tx.one("SELECT 1 FROM accounts WHERE name = ?", (name,)) is None:
            msg = f"there is no account called {name!r}; see `python -m zoning users list`"
            raise InputError(msg, zh=f"没有名为“{name}”的账户；见 `python -m zoning users list`")

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        """Disable (or enable again) an account; a disabled account's sessions end at once.

        Raises
        ------
        InputError
            No such account, or it is the last admin able to sign in.
        """
        name = name.strip()
        with self.db.write() as tx:
            self._require(tx, name)
            if disabled:
                self._keep_an_admin(tx, name)
                tx.run("DELETE FROM sessions WHERE account = ?", (name,))
            tx.run("UPDATE accounts SET disabled = ? WHERE name = ?", (int(disabled), name))
        log.info("account %s %s", name, "disabled" if disabled else "enabled")

    def _keep_an_admin(self, tx: Tx, name: str) -> None:
        """Refuse to disable (or demote) the last enabled admin: nobody could manage accounts."""
        others = tx.one("SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND disabled = 0 AND name <> ?", (name,))
        role = tx.one("SELECT role, disabled FROM accounts WHERE name = ?", (name,))
        if role is not None and role[0] == "admin" and not role[1] and others is not None and int(others[0]) == 0:
            msg = f"{name!r} is the last admin that can sign in; make another admin first"
            raise InputError(msg, zh=f"“{name}”是唯一可登录的管理员；请先设立另一名管理员")

    def set_role(self, name: str, role: str) -> None:
        """Change an account's role (its sessions end: they carry the old role).

        Raises
        ------
        InputError
            No such account or role, or it would leave no admin.
        """
        name, role = name.strip(), self._check_role(role)
        with self.db.write() as tx:
            self._require(tx, name)
            if role != "admin":
                self._keep_an_admin(tx, name)
            tx.run("UPDATE accounts SET role = ? WHERE name = ?", (role, name))
            tx.run("DELETE FROM sessions WHERE account = ?", (name,))

    def set_password(self, name: str, password: str | None = None) -> str | None:
        """A new password (generated and returned when none is given); the account's sessions end
        and its wrong-password count is cleared.

        Raises
        ------
        InputError
            No such account, or the password is too short.
        """
        name = name.strip()
        generated = None
        if password is None:
            password = generated = generate_password()
        self._check_password(password)
        digest = self.hasher.hash(password)
        with self.db.write() as tx:
            self._require(tx, name)
            tx.run(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE name = ?",
                (digest, _now_text(self.clock), name),
            )
            tx.run("DELETE FROM sessions WHERE account = ?", (name,))
            tx.run("DELETE FROM sign_in_failures WHERE key = ?", (_account_key(name),))
        return generated

    def ensure_first_admin(self) -> str | None:
        """On a fresh database, create the admin account ``admin`` with a generated password and
        return it (to be shown once); None when any account exists."""
        if self.count():
            return None
        try:
            return self.add(FIRST_ADMIN, role="admin", by="first run")
        except InputError:  # another process made it in the meantime
            return None

    # --- sign-in ----------------------------------------------------------------------------

    def _delay(self, failures: int, free: int) -> float:
        """The wait before the next try after ``failures`` wrong passwords in a row."""
        if failures < free:
            return 0.0
        return float(min(self.settings.max_delay_s, self.settings.delay_s * 2 ** min(failures - free, 40)))

    def _limits(self, name: str, client: str) -> list[tuple[str, int]]:
        return [(_account_key(name), self.settings.free_tries), (f"client:{client or '-'}", self.settings.client_free_tries)]

    def _reserve(self, name: str, client: str) -> float:
        """0 when a try may go ahead now (its wait, should it fail, then reserved), else the seconds to wait."""
        now = self.clock()
        keys = self._limits(name, client)
        with self.db.write() as tx:
            rows = {
                k: tx.one("SELECT failures, not_before FROM sign_in_failures WHERE key = ?" + tx.for_update, (k,))
                for k, _ in keys
            }
            wait = max((float(r[1]) - now for r in rows.values() if r is not None), default=0.0)
            if wait > 0:
                return wait
            for key, free in keys:
                row = rows[key]
                failures = int(row[0]) if row is not None else 0
                ahead = self._delay(failures + 1, free)
                if ahead > 0 and row is not None:  # a second try in parallel must wait for this one
                    tx.run("UPDATE sign_in_failures SET not_before = ? WHERE key = ?", (now + ahead, key))
        return 0.0

    def _failed(self, name: str, client: str) -> float:
        """Count a wrong password; the wait it imposes on the account name."""
        now = self.clock()
        waits = []
        with self.db.write() as tx:
            for key, free in self._limits(name, client):
                row = tx.one("SELECT failures FROM sign_in_failures WHERE key = ?" + tx.for_update, (key,))
                failures = (int(row[0]) if row is not None else 0) + 1
                not_before = now + self._delay(failures, free)
                if row is None:
                    tx.run(
                        "INSERT INTO sign_in_failures (key, failures, last_failure, not_before) VALUES (?, ?, ?, ?)",
                        (key, failures, now, not_before),
                    )
                else:
                    tx.run(
                        "UPDATE sign_in_failures SET failures = ?, last_failure = ?, not_before = ? WHERE key = ?",
                        (failures, now, not_before, key),
                    )
                waits.append(not_before - now)
        return max(waits)

    def wait_for(self, name: str, client: str = "") -> float:
        """Seconds before the next sign-in try for ``name`` from ``client`` is heard (0: now)."""
        now = self.clock()
        with self.db.read() as tx:
            rows = [
                tx.one("SELECT not_before FROM sign_in_failures WHERE key = ?", (k,)) for k, _ in self._limits(name, client)
            ]
        return max((float(r[0]) - now for r in rows if r is not None), default=0.0)

    def failures(self, name: str) -> int:
        """Wrong passwords in a row for the account name (0 after a sign-in)."""
        with self.db.read() as tx:
            row = tx.one("SELECT failures FROM sign_in_failures WHERE key = ?", (_account_key(name),))
        return int(row[0]) if row else 0

    def _password_matches(self, stored: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored or self._dummy_hash, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def sign_in(self, name: str, password: str, *, client: str = "") -> SignIn:
        """Check a name and password; a session when they match an enabled account.

        A try that comes before the wait after earlier wrong passwords has passed is refused
        (``reason`` ``wait``, ``wait_s`` seconds left) without checking the password.
        """
        name = name.strip()
        wait = self._reserve(name, client)
        if wait > 0:
            return SignIn(None, wait_s=wait, reason="wait")
        with self.db.read() as tx:
            row = tx.one("SELECT password_hash, role, disabled FROM accounts WHERE name = ?", (name,))
        if not self._password_matches(row[0] if row else None, password):
            return SignIn(None, wait_s=self._failed(name, client), reason="wrong")
        assert row is not None
        if row[2]:
            self._clear(name)
            return SignIn(None, reason="disabled")
        if self.hasher.check_needs_rehash(row[0]):
            self._rehash(name, password)
        return SignIn(self._start_session(name, row[1], client))

    def _clear(self, name: str) -> None:
        with self.db.write() as tx:
            tx.run("DELETE FROM sign_in_failures WHERE key = ?", (_account_key(name),))

    def _rehash(self, name: str, password: str) -> None:
        with self.db.write() as tx:
            tx.run("UPDATE accounts SET password_hash = ? WHERE name = ?", (self.hasher.hash(password), name))

    def _start_session(self, name: str, role: str, client: str) -> Session:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.write() as tx:
            tx.run("DELETE FROM sign_in_failures WHERE key = ?", (_account_key(name),))
            tx.run(
                "DELETE FROM sessions WHERE last_seen < ? OR started < ?",
                (now - self.settings.session_idle_s, now - self.settings.session_max_s),
            )
            tx.run(
                "INSERT INTO sessions (token_sha256, account, started, last_seen, client) VALUES (?, ?, ?, ?, ?)",
                (_token_hash(token), name, now, now, client or "-"),
            )
            tx.run("UPDATE accounts SET last_sign_in = ? WHERE name = ?", (_now_text(self.clock), name))
        log.info("%s signed in from %s", name, client or "-")
        return Session(token, name, role, now, now + self.settings.session_max_s)

    def session(self, token: str | None) -> Session | None:
        """The live session of ``token``, or None (unknown, expired, account disabled or gone).

        Each call counts as use: the idle time starts again.
        """
        if not token:
            return None
        digest = _token_hash(token)
        now = self.clock()
        with self.db.read() as tx:
            row = tx.one(
                "SELECT s.token_sha256, s.account, s.started, s.last_seen, a.role, a.disabled "
                "FROM sessions s JOIN accounts a ON a.name = s.account WHERE s.token_sha256 = ?",
                (digest,),
            )
        if row is None or not hmac.compare_digest(row[0], digest):
            return None
        started, last_seen = float(row[2]), float(row[3])
        expired = now - last_seen > self.settings.session_idle_s or now - started > self.settings.session_max_s
        if expired or row[5]:
            self.sign_out(token)
            return None
        if now - last_seen >= _TOUCH_EVERY_S:
            with self.db.write() as tx:
                tx.run("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", (now, digest))
        expires = min(started + self.settings.session_max_s, now + self.settings.session_idle_s)
        return Session(token, row[1], row[4], started, expires)

    def sign_out(self, token: str | None) -> None:
        """End the session of ``token`` (nothing when there is none)."""
        if token:
            with self.db.write() as tx:
                tx.run("DELETE FROM sessions WHERE token_sha256 = ?", (_token_hash(token),))


def _account_key(name: str) -> str:
    return f"account:{name.strip().casefold()}"
