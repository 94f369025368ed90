"""Zip archives (zipped Shapefiles and FileGDBs, KMZ, zipped single files), opened safely.

Private helper of ``gis.io``. An archive is hostile until proven otherwise:

* damaged archives (truncated streams, bad offsets, CRC errors, unknown compression,
  encryption — the cases of libkml's ``overflow_*`` and ``bad-*`` test files) raise a
  DataSourceError that says the archive is damaged, never ``EOFError`` or ``zlib.error``
  (an ``EOFError`` reaching the CLI used to print "aborted" and exit 1);
* the sizes in the central directory are checked against ``gis.limits`` (total
  decompressed bytes; compression ratio of big members) before anything is extracted;
* extraction streams and counts the bytes actually produced, because headers can lie;
* members are written under their base name only (no ``../`` or absolute paths).
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from gis.errors import DataSourceError, PlanningError, zh_lead
from gis.limits import TEXT_BYTES, UNZIPPED_BYTES, ZIP_RATIO, active_limits, check_bytes, limit_error

__all__ = ["open_zip", "check_members", "read_member", "extract_member", "member_names", "is_junk", "ArchiveBudget"]

# What zipfile and zlib raise on damaged or unsupported archives.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


def _damaged(source: str, err: BaseException) -> DataSourceError:
    detail = str(err) or type(err).__name__
    msg = f"{source} is a damaged or unsupported zip archive ({detail}); save or export it again"
    zh = f"{zh_lead(source)}是损坏或不受支持的 zip 压缩包（{detail}）；请重新保存或导出"
    return DataSourceError(msg, zh=zh)


@contextlib.contextmanager
def open_zip(path: Path, source: str) -> Iterator[zipfile.ZipFile]:
    """The archive at ``path``; any damage found while it is open becomes a DataSourceError."""
    try:
        zf = zipfile.ZipFile(path)
    except _DAMAGED as err:
        raise _damaged(source, err) from err
    try:
        with zf:
            yield zf
    except PlanningError:
        raise
    except _DAMAGED as err:
        raise _damaged(source, err) from err


def is_junk(member: str) -> bool:
    """macOS resource forks (``__MACOSX/``, ``._name``) and folders: never data."""
    p = PurePosixPath(member)
    return member.endswith("/") or p.parts[:1] == ("__MACOSX",) or p.name.startswith("._")


def member_names(zf: zipfile.ZipFile) -> list[str]:
    """Names of the archive's data members (no folders, no macOS junk)."""
    return [i.filename for i in zf.infolist() if not is_junk(i.filename)]


def check_members(zf: zipfile.ZipFile, names: Iterable[str] | None, source: str) -> None:
    """Refuse, from the central directory alone, members that would exceed the limits.

    ``names`` None checks the whole archive.

    Raises
    ------
    LimitError
        Naming the limit (``unzipped_bytes`` or ``zip_ratio``) and the member.
    """
    limits = active_limits()
    wanted = None if names is None else set(names)
    total = 0
    for info in zf.infolist():
        if wanted is not None and info.filename not in wanted:
            continue
        total += info.file_size
        label = f"{source}/{info.filename}"
        if info.file_size > limits.zip_ratio_floor:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.zip_ratio:
                raise limit_error(ZIP_RATIO, ratio, label)
        check_bytes(UNZIPPED_BYTES, info.file_size, label)
    check_bytes(UNZIPPED_BYTES, total, source)


class ArchiveBudget:
    """Decompressed bytes left for one archive: every member read counts against it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.left = active_limits().unzipped_bytes

    def take(self, n: int, member: str) -> None:
        self.left -= n
        if self.left < 0:
            total = active_limits().unzipped_bytes - self.left
            raise limit_error(UNZIPPED_BYTES, total, self.source, at_least=True)


def _stream(zf: zipfile.ZipFile, name: str, source: str, budget: ArchiveBudget, cap: int | None) -> Iterator[bytes]:
    info = zf.getinfo(name)
    limits = active_limits()
    produced = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return
            produced += len(chunk)
            budget.take(len(chunk), name)
            if cap is not None and produced > cap:
                raise limit_error(TEXT_BYTES, produced, f"{source}/{name}", at_least=True, limit=cap)
            ratio = produced / max(info.compress_size, 1)
            if produced > limits.zip_ratio_floor and ratio > limits.zip_ratio:
                # The header understated the member: the actual stream gives it away.
                raise limit_error(ZIP_RATIO, ratio, f"{source}/{name}", at_least=True)
            yield chunk


def read_member(
    zf: zipfile.ZipFile, name: str, source: str, *, budget: ArchiveBudget | None = None, cap: int | None = None
) -> bytes:
    """The bytes of one member, counted against ``budget`` and at most ``cap`` bytes."""
    check_members(zf, [name], source)
    return b"".join(_stream(zf, name, source, budget or ArchiveBudget(source), cap))


def extract_member(
    zf: zipfile.ZipFile, name: str, dest: Path, source: str, *, budget: ArchiveBudget | None = None
) -> Path:
    """Write one member to ``dest`` (a file path chosen by the caller), streaming within the limits."""
    check_members(zf, [name], source)
    with open(dest, "wb") as out:
        for chunk in _stream(zf, name, source, budget or ArchiveBudget(source), None):
            out.write(chunk)
    return dest
