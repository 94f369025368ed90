"""Resource limits for everything the product reads: checked before reading, named when hit.

A planner's file, an anonymous upload or a rules file passed on the command line must not
be able to exhaust the machine. Each limit below is checked *before* the expensive step
(extracting a zip member, parsing XML/CSV/YAML, loading features) — sizes from the file
system or the zip central directory first, then the actual byte stream, because headers
can lie. A limit that is hit raises :class:`gis.errors.LimitError`, whose message names the
limit, the value found and how to raise it (the environment variable; the API's
``limits=`` argument).

The defaults fit a planner's desk and a county's zone layers. Each can be raised (or
lowered) by an environment variable ``ZONING_MAX_<NAME>`` (``ZONING_MAX_UNZIPPED_BYTES=4G``)
or by passing a :class:`Limits` to the readers; the app and an API pass their own, stricter
ones for anonymous visitors. ``with limits_in_force(l):`` makes ``l`` the limits of the
readers called inside (a context variable, so threads and requests do not mix).

Examples
--------
>>> Limits().text_bytes == 256 * 2**20
True
>>> Limits.from_env({"ZONING_MAX_FEATURES": "5000"}).features
5000
>>> describe_bytes(3 * 2**30)
'3.0 GiB'
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import BinaryIO

from gis.errors import DataSourceError, LimitError, zh_label, zh_lead

__all__ = [
    "Limits",
    "LIMIT_NAMES",
    "UNZIPPED_BYTES",
    "ZIP_RATIO",
    "TEXT_BYTES",
    "CONFIG_BYTES",
    "FILE_BYTES",
    "FEATURES",
    "VERTICES",
    "BATCH",
    "limit_error",
    "active_limits",
    "limits_in_force",
    "env_var",
    "describe_bytes",
    "check_bytes",
    "check_count",
    "read_limited",
    "read_stream_limited",
    "regular_file_size",
]

_MIB = 2**20
_GIB = 2**30


@dataclass(frozen=True)
class Limits:
    """The limits in force. Sizes in bytes.

    Attributes
    ----------
    unzipped_bytes
        Total decompressed bytes read out of one archive (zip, KMZ, zipped FileGDB).
    zip_ratio
        Largest compression ratio (decompressed / compressed) of a zip member bigger than
        ``zip_ratio_floor``; zip bombs reach ratios of 1000:1, real GIS data rarely 20:1.
    zip_ratio_floor
        Members smaller than this are not judged by their ratio (a blank .dbf compresses
        well and is harmless when small).
    text_bytes
        A text input parsed in memory: CSV, TXT, WKT, KML, GeoJSON, XML, DXF, 界址点 TXT.
    config_bytes
        Small configuration-like inputs: .prj, .cpg, rules/catalogue YAML.
    file_bytes
        Any one input file (GeoPackage, Shapefile parts, FileGDB tables ...).
    features
        Features in one input (checked from the layer header before the read where the
        format says it, else right after parsing).
    vertices
        Coordinate pairs in one input.
    batch
        Projects screened in one request.
    """

    unzipped_bytes: int = 2 * _GIB
    zip_ratio: float = 200.0
    zip_ratio_floor: int = 32 * _MIB
    text_bytes: int = 256 * _MIB
    config_bytes: int = 8 * _MIB
    file_bytes: int = 4 * _GIB
    features: int = 500_000
    vertices: int = 25_000_000
    batch: int = 20_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, base: Limits | None = None) -> Limits:
        """``base`` (default: the built-in defaults) with ``ZONING_MAX_<NAME>`` variables applied.

        Sizes accept K/M/G suffixes (binary: ``512M`` = 512 MiB).

        Raises
        ------
        LimitError
            If a variable is not a positive number (the message names it).
        """
        env = os.environ if environ is None else environ
        start = base or cls()
        changes: dict[str, float | int] = {}
        for f in fields(cls):
            raw = env.get(env_var(f.name))
            if raw is None or not raw.strip():
                continue
            changes[f.name] = _parse_setting(f.name, raw, as_float=f.type in ("float", float))
        return replace(start, **changes) if changes else start  # type: ignore[arg-type]


#: The limit names, in the order of the dataclass (also the env-var suffixes).
LIMIT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Limits))
# The names as constants, for the callers of limit_error/check_bytes/check_count.
UNZIPPED_BYTES = "unzipped_bytes"
ZIP_RATIO = "zip_ratio"
TEXT_BYTES = "text_bytes"
CONFIG_BYTES = "config_bytes"
FILE_BYTES = "file_bytes"
FEATURES = "features"
VERTICES = "vertices"
BATCH = "batch"

_TITLES: dict[str, tuple[str, str, str]] = {
    "unzipped_bytes": ("decompressed size of an archive", "解压后大小", "压缩包解压后大小"),
    "zip_ratio": ("compression ratio of an archive member", "压缩比", "压缩包内文件的压缩比"),
    "zip_ratio_floor": ("size above which the compression ratio is checked", "大小", "检查压缩比的文件大小下限"),
    "text_bytes": ("size of a text input", "大小", "文本输入大小"),
    "config_bytes": ("size of a configuration file", "大小", "配置文件大小"),
    "file_bytes": ("size of an input file", "大小", "输入文件大小"),
    "features": ("number of features in one input", "要素数", "单个输入的要素数"),
    "vertices": ("number of vertices in one input", "坐标点数", "单个输入的坐标点数"),
    "batch": ("number of projects in one screening request", "项目数", "单次筛查的项目数"),
}

_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*$")
_SCALE = {"": 1, "k": 2**10, "m": _MIB, "g": _GIB, "t": 2**40}


def env_var(name: str) -> str:
    """The environment variable that sets limit ``name``: ``ZONING_MAX_UNZIPPED_BYTES``."""
    return f"ZONING_MAX_{name.upper()}"


def _parse_setting(name: str, raw: str, *, as_float: bool) -> float | int:
    m = _SIZE_RE.match(raw)
    value = float(m.group(1)) * _SCALE[m.group(2).lower()] if m else -1.0
    if value <= 0:
        var = env_var(name)
        msg = f"environment variable {var}={raw!r} is not a positive number; expected e.g. {var}=1000 (sizes may use K/M/G)"
        zh = f"环境变量 {var}={raw!r} 不是正数；应如 {var}=1000（大小可带 K/M/G 单位）"
        raise LimitError(msg, zh=zh)
    return value if as_float else int(value)


_ACTIVE: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("zoning_limits", default=None)


def active_limits() -> Limits:
    """The limits in force: those of the innermost ``limits_in_force``, else the environment's."""
    current = _ACTIVE.get()
    return current if current is not None else Limits.from_env()


@contextlib.contextmanager
def limits_in_force(limits: Limits | None) -> Iterator[Limits]:
    """Make ``limits`` (None: keep the ones in force) the limits of the readers called inside."""
    chosen = limits if limits is not None else active_limits()
    token = _ACTIVE.set(chosen)
    try:
        yield chosen
    finally:
        _ACTIVE.reset(token)


def describe_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``: sizes in messages."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - the loop returns


def _shown(name: str, value: float) -> str:
    if name.endswith("bytes"):
        return describe_bytes(value)
    if name == "zip_ratio":
        return f"{value:.0f}:1"
    return f"{int(value):,}"


def limit_error(
    name: str, found: float, source: str, *, at_least: bool = False, limit: float | None = None
) -> LimitError:
    """The error for limit ``name`` exceeded by ``found`` in ``source``.

    ``at_least`` says ``found`` is a lower bound (reading stopped at the limit).
    """
    lim = getattr(active_limits(), name) if limit is None else limit
    en_title, zh_what, zh_title = _TITLES[name]
    more = "more than " if at_least else ""
    var = env_var(name)
    msg = (
        f"{source}: the {en_title} is {more}{_shown(name, found)}, above the limit of {_shown(name, lim)} "
        f"(limit {name}); refused before reading it. If the input is genuine, raise the limit with the "
        f"environment variable {var} (e.g. {var}={_suggest(name, found)}) or the limits= argument of the API"
    )
    amount = f"超过上限 {_shown(name, lim)}" if at_least else f"为 {_shown(name, found)}，超过上限 {_shown(name, lim)}"
    zh = (
        f"{zh_lead(source)}的{zh_what}{amount}（{zh_title}，限制项 {name}），已在读取前拒绝。如确为正常数据，"
        f"可通过环境变量 {var} 提高上限（如 {var}={_suggest(name, found)}），或在 API 中传入 limits= 参数"
    )
    err = LimitError(msg, zh=zh)
    err.limit_name = name
    return err


def _suggest(name: str, found: float) -> str:
    target = found * 2
    if name.endswith("bytes"):
        for unit, scale in (("G", _GIB), ("M", _MIB), ("K", 2**10)):
            if target >= scale:
                return f"{int(-(-target // scale))}{unit}"
        return str(int(target))
    if name == "zip_ratio":
        return str(int(target))
    return str(int(target))


def check_bytes(name: str, size: int, source: str, *, limits: Limits | None = None) -> None:
    """Raise LimitError if ``size`` exceeds the byte limit ``name``."""
    lim = getattr(limits or active_limits(), name)
    if size > lim:
        raise limit_error(name, size, source, limit=lim)


def check_count(name: str, count: int, source: str, *, limits: Limits | None = None) -> None:
    """Raise LimitError if ``count`` exceeds limit ``name`` (features, vertices, batch)."""
    lim = getattr(limits or active_limits(), name)
    if count > lim:
        raise limit_error(name, count, source, limit=lim)


def regular_file_size(path: Path, source: str) -> int:
    """The size of ``path``, which must be a regular file (not a device, pipe or socket).

    ``/dev/zero`` has size 0 yet never ends: it must not be called empty, nor read.

    Raises
    ------
    DataSourceError
        If ``path`` is not a regular file, naming what it is.
    """
    try:
        st = path.stat()
    except OSError as err:
        msg = f"{source} cannot be read ({err.strerror or err})"
        raise DataSourceError(msg, zh=f"无法读取 {zh_label(source)}（{err.strerror or err}）") from err
    if stat.S_ISREG(st.st_mode):
        return st.st_size
    kind, kind_zh = _file_kind(st.st_mode)
    msg = f"{source} is not a regular file but a {kind}; expected a data file saved on disk"
    zh = f"{zh_lead(source)}不是普通文件，而是{kind_zh}；应为保存在磁盘上的数据文件"
    raise DataSourceError(msg, zh=zh)


def _file_kind(mode: int) -> tuple[str, str]:
    if stat.S_ISCHR(mode):
        return "character device (such as /dev/zero)", "字符设备（如 /dev/zero）"
    if stat.S_ISBLK(mode):
        return "block device", "块设备"
    if stat.S_ISFIFO(mode):
        return "pipe (FIFO)", "管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "socket", "套接字"
    if stat.S_ISDIR(mode):
        return "folder", "文件夹"
    return "special file", "特殊文件"


def read_stream_limited(fh: BinaryIO, name: str, source: str, *, limit: int | None = None) -> bytes:
    """Read a stream to its end, refusing once more than limit ``name`` bytes arrive.

    At most ``limit + 1`` bytes are ever held, whatever the stream's size claims.
    """
    lim = int(getattr(active_limits(), name) if limit is None else limit)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(min(1 << 20, lim + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > lim:
            raise limit_error(name, total - 1, source, at_least=True, limit=lim)
        chunks.append(chunk)


def read_limited(path: str | Path, name: str, source: str | None = None) -> bytes:
    """The bytes of a file, refused (LimitError) when it is bigger than limit ``name``.

    The size is checked before reading for a regular file; anything else (a pipe,
    ``/dev/zero``) is read as a stream and refused as soon as it passes the limit.

    Raises
    ------
    LimitError
        The file is over the limit.
    DataSourceError
        The file cannot be opened.
    """
    p = Path(path)
    label = source or str(p)
    try:
        st = p.stat()
        if stat.S_ISREG(st.st_mode):
            check_bytes(name, st.st_size, label)
        with p.open("rb") as fh:
            return read_stream_limited(fh, name, label)
    except LimitError:
        raise
    except OSError as err:
        msg = f"{label} cannot be read ({err.strerror or err})"
        raise DataSourceError(msg, zh=f"无法读取 {zh_label(label)}（{err.strerror or err}）") from err
