"""API keys for the reviewer endpoints, from a settings file that keeps only their hashes.

A key is a random token (``ezs_`` + 32 random bytes, URL-safe base64) given to a client once
(``python -m zoning api-keys add NAME --role reviewer`` prints it); the file keeps its
SHA-256 with the name and role::

    # API keys of the eco-zoning screener's HTTP API (hashes only; never the tokens).
    keys:
    - name: 县环评审批系统
      role: reviewer
      sha256: 6b1f…
      created: '2026-12-06T10:00:00+08:00'

A client sends the token as ``Authorization: Bearer <token>`` or ``X-API-Key: <token>``.
Roles (DESIGN.md "Who may do what"): ``reviewer`` (screen, saved screenings, reports) and
``admin`` (all of that and more). A plain SHA-256 suffices for keys, unlike passwords: the
token is 256 random bits, so there is nothing to guess from its hash.

:func:`authorise` is the one place a request is let in or not; when accounts arrive (the
bureau issue) it will look up accounts and sessions as well, and nothing else changes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from gis.errors import InputError, RuleConfigError
from zoning.api.errors import ApiError

__all__ = ["ROLES", "ApiKey", "Principal", "hash_token", "new_token", "load_keys", "add_key", "remove_key",
           "authorise"]  # fmt: skip

log = logging.getLogger(__name__)

#: Roles in increasing power: a role may do what the ones before it may.
ROLES = ("reviewer", "admin")
_TOKEN_PREFIX = "ezs_"
_HEADER = "# API keys of the eco-zoning screener's HTTP API (hashes only; never the tokens).\n"
_TZ_CHINA = _dt.timezone(_dt.timedelta(hours=8))


@dataclass(frozen=True)
class ApiKey:
    """One key as the file keeps it."""

    name: str
    role: str
    sha256: str
    created: str = ""


@dataclass(frozen=True)
class Principal:
    """Who a request comes from: a key's name and role, or ``open`` (no key needed)."""

    name: str
    role: str
    via: str = "key"


def hash_token(token: str) -> str:
    """The SHA-256 (hex) a key file keeps for ``token``."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def new_token() -> str:
    """A new random token: ``ezs_`` + 32 random bytes."""
    return _TOKEN_PREFIX + secrets.token_urlsafe(32)


def _problem(path: Path, en: str, zh: str) -> RuleConfigError:
    return RuleConfigError(f"API key file {path}: {en}", zh=f"API 密钥文件 {path}：{zh}")


def _parse(path: Path, text: str) -> dict[str, ApiKey]:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise _problem(path, f"not valid YAML ({err})", f"不是有效的 YAML（{err}）") from err
    entries = raw.get("keys") if isinstance(raw, Mapping) else None
    if not isinstance(entries, list):
        raise _problem(path, "expected a mapping with a list 'keys'", "应为含 keys 列表的映射")
    out: dict[str, ApiKey] = {}
    for i, entry in enumerate(entries):
        ok = isinstance(entry, Mapping) and all(isinstance(entry.get(k), str) for k in ("name", "role", "sha256"))
        if not ok or entry["role"] not in ROLES or len(entry["sha256"]) != 64:
            en = f"entry {i + 1} needs name, role ({' or '.join(ROLES)}) and a 64-digit sha256"
            raise _problem(path, en, f"第 {i + 1} 项须有 name、role（{' 或 '.join(ROLES)}）和 64 位 sha256")
        out[entry["sha256"].lower()] = ApiKey(entry["name"], entry["role"], entry["sha256"].lower(),
                                              str(entry.get("created", "")))  # fmt: skip
    return out


_cache: dict[str, tuple[tuple[int, int], dict[str, ApiKey]]] = {}
_cache_lock = threading.Lock()


def load_keys(path: Path) -> dict[str, ApiKey]:
    """sha256 -> key of the file at ``path`` (none when it does not exist); re-read only when
    the file changes, so a key added while the server runs works at once.

    Raises
    ------
    RuleConfigError
        The file cannot be read or has a bad entry.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise _problem(path, f"cannot be read ({err.strerror})", f"无法读取（{err.strerror}）") from err
    stamp = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _cache.get(str(path))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        keys = _parse(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise _problem(path, f"cannot be read ({err})", f"无法读取（{err}）") from err
    with _cache_lock:
        _cache[str(path)] = (stamp, keys)
    return keys


def _write(path: Path, keys: Mapping[str, ApiKey]) -> None:
    """Replace the file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump({"keys": [asdict(k) for k in keys.values()]}, allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".api_keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_HEADER + body)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_key(path: Path, name: str, role: str = "reviewer") -> str:
    """Add a key called ``name`` with ``role`` to the file; return its token (shown once).

    Raises
    ------
    InputError
        Empty name, a name already in use, or an unknown role.
    """
    name = name.strip()
    if not name:
        msg = "the key needs a name, e.g. the client system's"
        raise InputError(msg, zh="密钥须有名称，如调用方系统的名称")
    if role not in ROLES:
        msg = f"role {role!r} is not known; expected one of {', '.join(ROLES)}"
        raise InputError(msg, zh=f"角色“{role}”无法识别；应为 {'、'.join(ROLES)} 之一")
    keys = dict(load_keys(path))
    if any(k.name == name for k in keys.values()):
        msg = f"a key called {name!r} already exists in {path}; remove it first or choose another name"
        raise InputError(msg, zh=f"{path} 中已有名为“{name}”的密钥；请先删除它，或换一个名称")
    token = new_token()
    created = _dt.datetime.now(_TZ_CHINA).isoformat(timespec="seconds")
    digest = hash_token(token)
    keys[digest] = ApiKey(name, role, digest, created)
    _write(path, keys)
    return token


def remove_key(path: Path, name: str) -> bool:
    """Remove the key called ``name``; False when there is none."""
    keys = dict(load_keys(path))
    kept = {h: k for h, k in keys.items() if k.name != name}
    if len(kept) == len(keys):
        return False
    _write(path, kept)
    return True


def _unauthorised(en: str, zh: str) -> ApiError:
    return ApiError(401, en, zh, code="unauthorised", headers={"WWW-Authenticate": 'Bearer realm="zoning"'})


def _find(keys_file: Path, token: str) -> ApiKey | None:
    try:
        keys = load_keys(keys_file)
    except RuleConfigError as err:
        # The server's own configuration, not the client's fault: say so without the details.
        log.error("API keys unavailable: %s", err)
        en = "the server cannot check API keys at the moment (its key file is unreadable); ask the administrator"
        raise ApiError(503, en, "服务器暂时无法核验 API 密钥（密钥文件无法读取）；请联系管理员", code="keys_unavailable") from err
    digest = hash_token(token)
    for known, key in keys.items():
        if hmac.compare_digest(known, digest):
            return key
    return None


def authorise(token: str | None, role: str, *, keys_file: Path, open_access: bool = False) -> Principal:
    """Who may do what needs ``role``: the holder of a key of that role or above, or anyone
    when ``open_access`` (a setting that opens screening on a single-user desktop).

    Raises
    ------
    ApiError
        401 without a token or with one the file does not know; 403 when the key's role is
        below ``role``; 503 when the key file cannot be read.
    """
    if open_access:
        return Principal("anonymous", role, via="open")
    if not token or not token.strip():
        en = "this needs an API key: send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
        raise _unauthorised(en, "此操作需要 API 密钥：请在请求头中以“Authorization: Bearer <密钥>”或“X-API-Key: <密钥>”提供")
    key = _find(keys_file, token)
    if key is None:
        msg = "the API key is not valid"
        raise _unauthorised(msg, "API 密钥无效")
    if ROLES.index(key.role) < ROLES.index(role):
        en = f"the key {key.name!r} has the role {key.role!r}; this needs {role!r}"
        raise ApiError(403, en, f"密钥“{key.name}”的角色为 {key.role}，此操作需要 {role}", code="forbidden")
    return Principal(key.name, key.role)


def describe(key: ApiKey) -> dict[str, Any]:
    """A key as listed (its hash shortened: enough to tell keys apart)."""
    return {"name": key.name, "role": key.role, "sha256": key.sha256[:12], "created": key.created}
