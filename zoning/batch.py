"""Batches of any size: over the cores of one machine or a dask cluster, written in input order.

``screen_batch`` is what ``python -m zoning screen`` runs for a batch. The projects are checked
once, up front, exactly as ``screen`` checks them (the first bad one, in input order, is
refused with the same message), then sorted by work CRS and, within a CRS, along a Z-order
curve of their centroids, and cut into chunks: neighbouring projects meet the same zone
features, so the features a chunk builds serve the next, and one CRS's indexes are dropped
when a lane moves on to the next CRS (memory stays that of one zone's indexes).

Where the chunks run:

* ``workers=1``: in this process;
* ``workers=N``: N local processes, each taking a contiguous *lane* of the sorted chunks; a
  worker receives the store's *reference* (its path, or its PostGIS URL) and the rule files'
  paths, never the data, and opens the store itself: the pack of a GeoPackage store is
  memory-mapped, so the operating system's page cache holds the coordinates once for all
  workers (``layers._pack``);
* ``scheduler="tcp://host:8786"``: a dask.distributed cluster; the sorted projects become a
  dask-geopandas frame partitioned into the same chunks, each partition screened where dask
  puts it (the store reference must name the same store there: a shared path or a PostGIS
  URL).

Each chunk's results come back rendered, item by item, by the caller's part writer (JSON,
CSV: ``zoning.report.format_parts``; a ``Parts`` has the bytes before, between and after
the items and a module-level function rendering one), into a spool file; the output is then
written in input order, so the bytes are those ``screen`` + ``render_report`` give in one
process, whatever the number of workers. Without a part writer the results are gathered.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import shapely

from layers.paths import is_postgres_url
from zoning import _spatial as sp
from zoning._chunk import ChunkDone, ChunkOptions, screen_chunk
from zoning.engine import PreparedProject, default_rules, open_store, prepare_projects
from zoning.model import Project, ScreeningResult
from zoning.rules import RuleSet

__all__ = ["StoreRef", "RulesRef", "PartWriter", "BatchResult", "screen_batch", "batch_order", "open_store_ref", "CHUNK"]

#: Projects per chunk: large enough that the fixed cost of a screening call is small, small
#: enough that a chunk's results (a few MB) never weigh on memory.
CHUNK = 1000
_TZ_CHINA = _dt.timezone(_dt.timedelta(hours=8))


@dataclass(frozen=True)
class StoreRef:
    """A zone store by reference: a GeoPackage path or a ``postgresql://`` URL, and the
    catalogue file it is validated against (None: the packaged one)."""

    location: str
    catalog: str | None = None

    def open(self) -> Any:
        """The store, opened once per process (``open_store_ref``)."""
        return open_store_ref(self.location, self.catalog)

    def absolute(self) -> StoreRef:
        """The same store with absolute paths (a PostGIS URL as it is)."""
        return StoreRef(_absolute(self.location), self.catalog and _absolute(self.catalog))


def _absolute(path: str) -> str:
    return path if is_postgres_url(path) else os.path.abspath(path)


def open_store_ref(location: str, catalog: str | None = None) -> Any:
    """The store named by ``location`` (a GeoPackage path or a PostGIS URL), opened once per
    process and version: the chunks a worker screens share it, and a store changed since
    (the file rewritten, the schema pushed again, the catalogue edited) is opened again."""
    return _open_version(location, catalog, _version(location), _version(catalog))


def _version(location: str | None) -> Any:
    """What tells one version of a store or catalogue from the next: a file's identity
    (size, times, inode), a PostGIS schema's ``store_version``."""
    if location is None:
        return None
    if is_postgres_url(location):
        from layers.pgstore import store_version

        return store_version(location)
    try:
        st = os.stat(location)
    except OSError:
        return None  # opening it says what is wrong
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@lru_cache(maxsize=4)
def _open_version(location: str, catalog: str | None, version: Any, catalog_version: Any) -> Any:
    del version, catalog_version  # the cache key only
    return open_store(location if is_postgres_url(location) else Path(location), catalog=catalog)


@dataclass(frozen=True)
class RulesRef:
    """The rule files by path (None: the packaged ones), loaded once per process."""

    rules: str | None = None
    project_types: str | None = None
    catalog: str | None = None

    def load(self) -> RuleSet:
        """The rule set, loaded once per process and version of its files."""
        files = (self.rules, self.project_types, self.catalog)
        return _load_rules(*files, tuple(_version(f) for f in files))

    def absolute(self) -> RulesRef:
        """The same files by absolute path."""
        return RulesRef(*(f and _absolute(f) for f in (self.rules, self.project_types, self.catalog)))


@lru_cache(maxsize=4)
def _load_rules(rules: str | None, types: str | None, catalog: str | None, versions: tuple[Any, ...]) -> RuleSet:
    del versions  # the cache key only
    if rules is None and types is None and catalog is None:
        return default_rules()
    from zoning.rules import load_project_types, load_rules

    return load_rules(rules, project_types=load_project_types(types) if types else None, catalog_path=catalog)


class PartWriter(Protocol):
    """A format written part by part (``zoning.report.Parts``): ``head``, the items joined
    by ``sep``, ``tail``; ``item(result, position, lang)`` renders one (module-level, so
    that worker processes can run it)."""

    @property
    def head(self) -> bytes: ...
    @property
    def sep(self) -> bytes: ...
    @property
    def tail(self) -> bytes: ...
    @property
    def item(self) -> Callable[..., bytes]: ...


def batch_order(items: Sequence[PreparedProject]) -> np.ndarray:
    """Positions of ``items`` sorted by work CRS, then along a Z-order curve of the centroids."""
    if not items:
        return np.empty(0, dtype=np.intp)
    cent = shapely.centroid(np.array([it.geometry for it in items], dtype=object))
    x, y = shapely.get_x(cent), shapely.get_y(cent)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    x[bad], y[bad] = 0.0, 0.0
    crs_codes = np.unique([it.crs for it in items], return_inverse=True)[1]
    return np.lexsort((np.arange(len(items)), sp.zorder(x, y), crs_codes)).astype(np.intp)


def _chunks(order: np.ndarray, crs: Sequence[str], size: int) -> list[np.ndarray]:
    """``order`` cut into runs of at most ``size`` that never span two work CRSs."""
    out: list[np.ndarray] = []
    start = 0
    for stop in range(1, len(order) + 1):
        if stop == len(order) or stop - start == size or crs[order[stop]] != crs[order[start]]:
            out.append(order[start:stop])
            start = stop
    return out


def _run_lane(chunks: Sequence[Sequence[PreparedProject]], store: StoreRef, rules: RulesRef, opts: ChunkOptions,
              spool: str | None) -> ChunkDone:  # fmt: skip
    """Screen a lane of chunks in order (a worker process, or this one): rendered items go
    to the file ``spool`` as they come; a CRS's indexes are dropped when the lane leaves it."""
    done: list[ChunkDone] = []
    held: set[str] = set()
    with open(spool, "ab") if spool else contextlib.nullcontext() as fh:
        for chunk in chunks:
            needed = {item.crs for item in chunk}
            for crs in held - needed:  # sorted by CRS: a zone left is never needed again
                sp.clear_index_cache(crs)
            held = needed
            part = screen_chunk(chunk, store, rules, opts)
            if fh is not None:
                fh.write(part.blob)
                part.blob = b""
            done.append(part)
    return ChunkDone(
        np.concatenate([d.indices for d in done]) if done else np.empty(0, np.int64),
        [v for d in done for v in d.verdicts],
        np.concatenate([d.lengths for d in done if d.lengths is not None]) if done and opts.item else None,
        results=[r for d in done for r in (d.results or [])] if opts.item is None else None,
    )


@dataclass
class BatchResult:
    """The answers of a batch: verdicts in input order, and either the results (in input
    order) or the rendered items in spool files, written out by ``write``."""

    n: int
    verdicts: list[str]
    parts: PartWriter | None
    results: list[ScreeningResult] | None = None
    _where: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    _folder: str | None = None

    def write(self, out: IO[bytes]) -> None:
        """Write the format's bytes, items in input order (with a part writer only)."""
        parts = self.parts
        if parts is None:
            msg = "this batch gathered its results: render them with zoning.report.render_report"
            raise ValueError(msg)
        source = np.full(self.n, -1, dtype=np.int64)
        offset = np.zeros(self.n, dtype=np.int64)
        length = np.zeros(self.n, dtype=np.int64)
        for k, (_, indices, offsets, lengths) in enumerate(self._where):
            source[indices], offset[indices], length[indices] = k, offsets, lengths
        files = [open(path, "rb") for path, *_ in self._where]  # noqa: SIM115 - closed below
        try:
            out.write(parts.head)
            for i in range(self.n):
                if i:
                    out.write(parts.sep)
                fh = files[int(source[i])]
                fh.seek(int(offset[i]))
                out.write(fh.read(int(length[i])))
            out.write(parts.tail)
        finally:
            for fh in files:
                fh.close()

    def close(self) -> None:
        """Remove the spool files."""
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> BatchResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def screen_batch(
    projects: Sequence[Project],
    store: StoreRef,
    *,
    rules: RulesRef | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    parts: PartWriter | None = None,
    lang: str = "zh",
    tolerance_m: float = 5.0,
    near_m: float = 5000.0,
    generated_at: str | None = None,
    chunk: int | None = None,
    within_m: float | None = None,
) -> BatchResult:
    """Screen a batch in chunks, on ``workers`` local processes or the dask cluster at
    ``scheduler``; answers identical to ``zoning.engine.screen`` in one process.

    Parameters
    ----------
    projects
        The projects, in input order.
    store
        The store by reference (``StoreRef``): a GeoPackage path or a PostGIS URL.
    rules
        The rule files by reference (default the packaged ones).
    workers
        Local processes (1: this one).
    scheduler
        Address of a dask.distributed scheduler (``tcp://host:8786``); then ``workers`` is not used.
    parts
        How to write the output part by part (``zoning.report.format_parts("json")``): the
        results come back rendered and ``BatchResult.write`` writes them; None:
        ``BatchResult.results`` holds them.
    lang
        Language of the rendered items.
    chunk
        Projects per chunk (default ``CHUNK``); the answers do not depend on it.

    Raises
    ------
    InputError, GeometryError, CRSError
        For the first project that cannot be screened (before any is screened).
    """
    ruleset_ref = rules or RulesRef()
    items = prepare_projects(projects, ruleset_ref.load())
    stamp = generated_at or _dt.datetime.now(_TZ_CHINA).isoformat(timespec="seconds")
    opts = ChunkOptions(float(tolerance_m), float(near_m), stamp, parts.item if parts is not None else None, lang,
                        None if within_m is None else float(within_m))
    order = batch_order(items)
    chunks = [[items[int(k)] for k in idx] for idx in _chunks(order, [it.crs for it in items], max(int(chunk or CHUNK), 1))]
    folder = tempfile.mkdtemp(prefix="zoning-batch-") if parts is not None else None
    out = BatchResult(len(items), [""] * len(items), parts, _folder=folder)
    try:
        if scheduler:
            from zoning._dask import run_on_cluster

            # The workers run in folders of their own (and on other machines): a path as
            # typed here ("data/zones.gpkg") would name nothing, or another file, there.
            lanes = run_on_cluster(scheduler, chunks, store.absolute(), ruleset_ref.absolute(), opts, folder)
        else:
            lanes = _run_local(chunks, store, ruleset_ref, opts, folder, workers)
        _gather(out, lanes, parts is None)
    except BaseException:
        out.close()
        raise
    return out


def _run_local(chunks: list[list[PreparedProject]], store: StoreRef, rules: RulesRef, opts: ChunkOptions,
               folder: str | None, workers: int) -> Iterator[tuple[ChunkDone, str | None]]:  # fmt: skip
    n_lanes = max(1, min(int(workers), len(chunks)))
    bounds = np.linspace(0, len(chunks), n_lanes + 1).round().astype(int)
    lanes = [chunks[bounds[k] : bounds[k + 1]] for k in range(n_lanes)]
    spools = [os.path.join(folder, f"lane{k}.bin") if folder else None for k in range(n_lanes)]
    if n_lanes == 1:
        yield _run_lane(lanes[0], store, rules, opts, spools[0]), spools[0]
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=n_lanes, mp_context=multiprocessing.get_context(method)) as pool:
        futures = [pool.submit(_run_lane, lane, store, rules, opts, spool) for lane, spool in zip(lanes, spools, strict=True)]
        for future, spool in zip(futures, spools, strict=True):
            yield future.result(), spool


def _gather(out: BatchResult, lanes: Any, keep_results: bool) -> None:
    """Record what each lane (or partition) gave: verdicts, results, or where its items are in
    its spool file (partitions of a cluster append to one file, in the order they finish)."""
    results: list[ScreeningResult | None] = [None] * out.n if keep_results else []
    spooled: dict[str, int] = {}
    for done, spool in lanes:
        for i, v in zip(done.indices, done.verdicts, strict=True):
            out.verdicts[int(i)] = v
        if keep_results:
            for i, r in zip(done.indices, done.results or [], strict=True):
                results[int(i)] = r
        elif spool is not None and done.lengths is not None:
            start = spooled.get(spool, 0)
            offsets = start + np.concatenate([[0], np.cumsum(done.lengths)[:-1]]).astype(np.int64)
            spooled[spool] = start + int(done.lengths.sum())
            out._where.append((spool, done.indices, offsets, done.lengths))
    if keep_results:
        out.results = [r for r in results if r is not None]
