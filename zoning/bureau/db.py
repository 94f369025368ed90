"""The bureau's database: the same tables in SQLite (default) or PostgreSQL.

Accounts, sessions, sign-in failures and saved screenings are kept in one database:
a SQLite file in the user's data folder (``ZONING_DATA_DIR``), or PostgreSQL when
``ZONING_DB_URL=postgresql://...`` is set. Both get the same schema (portable types only:
``TEXT``, ``INTEGER``, ``DOUBLE PRECISION``); the code writes SQL with ``?`` placeholders,
turned into ``%s`` for psycopg.

Every change runs in one transaction (:meth:`Database.write`): a batch of saved
screenings is all written or none of it, also when the process is killed in the middle
(SQLite in WAL mode with ``synchronous=FULL``; PostgreSQL rolls back a transaction whose
client is gone). A connection is opened per transaction: the app's sessions run in many
threads, and neither driver's connection may be shared between them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gis.errors import DataSourceError, InputError

__all__ = ["Database", "Tx", "DuplicateKey", "redact_url", "SCHEMA"]

log = logging.getLogger(__name__)

#: Bump when a table changes; ``Database.open`` records it in ``bureau_schema``.
SCHEMA_VERSION = 1

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS bureau_schema (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        password_changed_at TEXT NOT NULL, last_sign_in TEXT)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_sha256 TEXT PRIMARY KEY, account TEXT NOT NULL, started DOUBLE PRECISION NOT NULL,
        last_seen DOUBLE PRECISION NOT NULL, client TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account)",
    """CREATE TABLE IF NOT EXISTS sign_in_failures (
        key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure DOUBLE PRECISION NOT NULL,
        not_before DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS api_keys (
        sha256 TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, account TEXT NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS screenings (
        number TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL, batch INTEGER NOT NULL, projects INTEGER NOT NULL,
        verdict TEXT NOT NULL, saved_at TEXT NOT NULL, saved_day TEXT NOT NULL, saved_by TEXT NOT NULL,
        store TEXT NOT NULL, store_sha256 TEXT NOT NULL, rules_sha256 TEXT NOT NULL, as_of TEXT,
        versions TEXT NOT NULL, parameters TEXT NOT NULL, source TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS screenings_day ON screenings (saved_day)",
    "CREATE INDEX IF NOT EXISTS screenings_content ON screenings (content_sha256)",
    """CREATE TABLE IF NOT EXISTS screening_items (
        number TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
        county TEXT, prefecture TEXT, builder TEXT, project_code TEXT, verdict TEXT NOT NULL,
        geometry_wkb TEXT NOT NULL, input_crs TEXT NOT NULL, attributes TEXT NOT NULL, notes TEXT NOT NULL,
        result TEXT NOT NULL, overlap_shapes TEXT NOT NULL, PRIMARY KEY (number, position))""",
    "CREATE INDEX IF NOT EXISTS screening_items_name ON screening_items (name)",
    "CREATE INDEX IF NOT EXISTS screening_items_county ON screening_items (county)",
)


class DuplicateKey(DataSourceError):
    """A row with that key exists already (an account name, a screening number)."""


def redact_url(url: str) -> str:
    """``url`` without its password (for messages and the About page)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


_SQLITE_PREFIX = "sqlite:///"
_PG_SCHEMES = ("postgresql://", "postgres://")


def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


class Tx:
    """One transaction: ``query`` returns rows as tuples, ``run``/``run_many`` change them."""

    def __init__(self, cursor: Any, kind: str) -> None:
        self._cursor = cursor
        self._kind = kind
        #: Appended to a SELECT whose rows the transaction will change: PostgreSQL locks them
        #: (a SQLite write transaction holds the whole database already).
        self.for_update = " FOR UPDATE" if kind == "postgresql" else ""

    def _sql(self, sql: str) -> str:
        return _pg_sql(sql) if self._kind == "postgresql" else sql

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._sql(sql), tuple(params))
        return [tuple(row) for row in self._cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a change; the number of rows it touched."""
        self._cursor.execute(self._sql(sql), tuple(params))
        return int(self._cursor.rowcount or 0)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cursor.executemany(self._sql(sql), [tuple(r) for r in rows])


class Database:
    """The bureau's database at ``url`` (``sqlite:///path`` or ``postgresql://...``).

    Use :meth:`open`, which creates the SQLite file (its folder readable by its owner only)
    and the tables.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith(_SQLITE_PREFIX):
            self.kind = "sqlite"
            self.path: Path | None = Path(url[len(_SQLITE_PREFIX) :]).expanduser()
        elif url.startswith(_PG_SCHEMES):
            self.kind = "postgresql"
            self.path = None
        else:
            msg = f"database URL {redact_url(url)!r} is not known; expected sqlite:///PATH or postgresql://USER:PASS@HOST/DB"
            zh = f"数据库地址“{redact_url(url)}”无法识别；应为 sqlite:///路径 或 postgresql://用户:密码@主机/数据库"
            raise InputError(msg, zh=zh)

    @property
    def label(self) -> str:
        return redact_url(self.url)

    @classmethod
    def open(cls, url: str) -> Database:
        """The database at ``url`` with the bureau's tables (created when missing).

        Raises
        ------
        InputError
            The URL is neither SQLite nor PostgreSQL.
        DataSourceError
            The database cannot be reached or created (the message names it, without password).
        """
        db = cls(url)
        if db.path is not None:
            db._prepare_folder(db.path)
        with db.write() as tx:
            if db.kind == "postgresql":  # concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL
                tx.run("SELECT pg_advisory_xact_lock(7420143)")
            for statement in SCHEMA:
                tx.run(statement)
            if tx.one("SELECT version FROM bureau_schema") is None:
                tx.run("INSERT INTO bureau_schema (version) VALUES (?)", (SCHEMA_VERSION,))
        return db

    @staticmethod
    def _prepare_folder(path: Path) -> None:
        folder = path.parent
        try:
            if not folder.exists():
                folder.mkdir(parents=True, mode=0o700)
        except OSError as err:
            msg = f"the data folder {folder} cannot be created ({err.strerror}); set ZONING_DATA_DIR to a folder you can write"
            zh = f"无法创建数据文件夹 {folder}（{err.strerror}）；请将 ZONING_DATA_DIR 设为可写的文件夹"
            raise DataSourceError(msg, zh=zh) from err

    def _failure(self, err: Exception | str) -> DataSourceError:
        msg = f"the bureau database {self.label} cannot be used ({err})"
        zh = f"无法使用数据库 {self.label}（{err}）"
        return DataSourceError(msg, zh=zh)

    @contextlib.contextmanager
    def _sqlite(self, *, write: bool) -> Iterator[Tx]:
        assert self.path is not None
        new = not self.path.exists()
        try:
            conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
        except sqlite3.Error as err:
            raise self._failure(err) from err
        if new:
            with contextlib.suppress(OSError):
                os.chmod(self.path, 0o600)  # passwords' hashes and who screened what: the owner's only
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            cursor = conn.cursor()
            try:
                yield Tx(cursor, "sqlite")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as err:
            msg = f"{self.label}: {err}"
            raise DuplicateKey(msg, zh=f"{self.label}：{err}") from err
        except sqlite3.Error as err:
            raise self._failure(err) from err
        finally:
            conn.close()

    @contextlib.contextmanager
    def _postgresql(self, *, write: bool) -> Iterator[Tx]:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            raise self._failure(_pg_reason(err)) from err
        try:
            with conn.transaction(), conn.cursor() as cursor:
                if not write:
                    cursor.execute("SET TRANSACTION READ ONLY")
                yield Tx(cursor, "postgresql")
        except psycopg.errors.UniqueViolation as err:
            msg = f"{self.label}: {_pg_reason(err)}"
            raise DuplicateKey(msg, zh=f"{self.label}：{_pg_reason(err)}") from err
        except psycopg.Error as err:
            raise self._failure(_pg_reason(err)) from err
        finally:
            conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """One read-write transaction: committed when the block ends, rolled back on any exception."""
        opener = self._sqlite if self.kind == "sqlite" else self._postgresql
        with opener(write=True) as tx:
            yield tx

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        """One read-only transaction (a consistent view)."""
        opener = self._sqlite if self.kind == "sqlite" else self._postgresql
        with opener(write=False) as tx:
            yield tx


def _pg_reason(err: Exception) -> str:
    """The driver's message on one line, without a password it may quote."""
    text = " ".join(str(err).split())
    return re.sub(r"password=\S+", "password=***", text)
