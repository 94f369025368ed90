"""The bureau's settings: where accounts and saved screenings live, and how sign-in behaves.

| variable | default | what |
|---|---|---|
| ``ZONING_DATA_DIR`` | ``$XDG_DATA_HOME/eco-zoning-screener`` (``~/.local/share/eco-zoning-screener``) | the user's data folder: the SQLite database, as-of views |
| ``ZONING_DB_URL`` | ``sqlite:///<data dir>/bureau.sqlite3`` | ``postgresql://user:pass@host/db`` keeps accounts and saved screenings in PostgreSQL |
| ``ZONING_OPEN_SCREENING`` | off | ``1``: everyone may screen, batch and download without signing in (a single-user desktop) |
| ``ZONING_SESSION_IDLE_MIN`` | 30 | a session ends after this many minutes without use |
| ``ZONING_SESSION_MAX_H`` | 12 | and in any case this many hours after sign-in |
| ``ZONING_SIGNIN_FREE_TRIES`` | 4 | wrong passwords in a row for one account before each further try must wait |
| ``ZONING_SIGNIN_CLIENT_FREE_TRIES`` | 20 | the same for one client address (an office behind one address shares it) |
| ``ZONING_SIGNIN_DELAY_S`` | 2 | the first wait; it doubles with each further wrong password |
| ``ZONING_SIGNIN_MAX_DELAY_S`` | 900 | the longest wait |

The data folder is never inside the repository: the default is the user's own, and the
product never writes accounts or screenings next to its code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gis.errors import InputError
from layers.paths import user_data_dir

__all__ = ["BureauSettings", "default_data_dir", "parse_flag"]

DB_URL_ENV = "ZONING_DB_URL"
OPEN_ENV = "ZONING_OPEN_SCREENING"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
#: Numeric settings: attribute -> (variable, default, factor to the stored unit).
_NUMBERS = {
    "session_idle_s": ("ZONING_SESSION_IDLE_MIN", 30.0, 60.0),
    "session_max_s": ("ZONING_SESSION_MAX_H", 12.0, 3600.0),
    "free_tries": ("ZONING_SIGNIN_FREE_TRIES", 4.0, 1.0),
    "client_free_tries": ("ZONING_SIGNIN_CLIENT_FREE_TRIES", 20.0, 1.0),
    "delay_s": ("ZONING_SIGNIN_DELAY_S", 2.0, 1.0),
    "max_delay_s": ("ZONING_SIGNIN_MAX_DELAY_S", 900.0, 1.0),
}


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$ZONING_DATA_DIR``, else the user's data folder (``layers.paths.user_data_dir``)."""
    return user_data_dir(environ)


def parse_flag(text: str, *, name: str) -> bool:
    """A yes/no setting (``1``/``0``, ``true``/``false``, ``yes``/``no``, ``on``/``off``).

    Raises
    ------
    InputError
        Naming the variable and its value.
    """
    value = text.strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    msg = f"{name}={text!r} is not a yes/no value; expected 1 or 0 (true/false)"
    raise InputError(msg, zh=f"{name}={text!r} 不是开关值；应为 1 或 0（true/false）")


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        msg = f"environment variable {name}={raw!r} is not a number of zero or more; expected e.g. {name}={default:g}"
        raise InputError(msg, zh=f"环境变量 {name}={raw!r} 不是大于或等于 0 的数；应如 {name}={default:g}")
    return value


@dataclass(frozen=True)
class BureauSettings:
    """Where the bureau's records are kept and how sign-in behaves (see the module text).

    Attributes
    ----------
    data_dir
        The user's data folder (created on first use).
    db_url
        ``sqlite:///path`` or ``postgresql://...``.
    open_screening
        Everyone may screen and download without signing in.
    session_idle_s, session_max_s
        Idle and absolute session lifetimes, in seconds.
    free_tries, client_free_tries
        Wrong passwords in a row (per account name, per client) before tries are slowed down.
    delay_s, max_delay_s
        The first wait after those, doubling per further failure, and its cap (seconds).
    """

    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str = ""
    open_screening: bool = False
    session_idle_s: float = 30 * 60.0
    session_max_s: float = 12 * 3600.0
    free_tries: int = 4
    client_free_tries: int = 20
    delay_s: float = 2.0
    max_delay_s: float = 900.0

    @property
    def database_url(self) -> str:
        """``db_url``, or the SQLite file in the data folder."""
        return self.db_url or f"sqlite:///{self.data_dir / 'bureau.sqlite3'}"

    @property
    def database_label(self) -> str:
        """The database as it may be shown: the SQLite path, or the PostgreSQL URL without its password."""
        from zoning.bureau.db import redact_url

        return redact_url(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> BureauSettings:
        """The settings from the environment (module text), then ``overrides``.

        Raises
        ------
        InputError
            A variable that cannot be read (named in the message).
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "data_dir": default_data_dir(env),
            "db_url": env.get(DB_URL_ENV, "").strip(),
            "open_screening": parse_flag(env.get(OPEN_ENV, ""), name=OPEN_ENV),
        }
        for attr, (name, default, factor) in _NUMBERS.items():
            value = _number(env, name, default) * factor
            values[attr] = int(value) if attr.endswith("tries") else value
        return cls(**(values | overrides))  # type: ignore[arg-type]
