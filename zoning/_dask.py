"""A batch on a dask.distributed cluster (``zoning.batch``, ``screen --dask-scheduler``).

The sorted projects become a dask-geopandas frame whose partitions are the batch's chunks; each
partition is screened on a worker, which opens the store from its *reference* (a path on a
shared file system, or a PostGIS URL: ``batch.StoreRef``) once per worker process and loads
the rules from their paths. A partition comes back as one row per project: its position in
the input, its verdict and its rendered item (or its result, for formats written whole).
The client spools the items as partitions finish, in any order; ``BatchResult.write`` puts
them in input order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gis.errors import DataSourceError, InputError
from zoning._chunk import ChunkDone, screen_chunk
from zoning.engine import PreparedProject

__all__ = ["run_on_cluster", "partition_frame", "CONNECT_TIMEOUT_S"]

#: Seconds to wait for the scheduler before telling the user it cannot be reached.
CONNECT_TIMEOUT_S = 10


def partition_frame(chunks: Sequence[Sequence[PreparedProject]]) -> Any:
    """A dask-geopandas GeoDataFrame of the prepared projects, one partition per chunk."""
    import dask.dataframe as dd
    import dask_geopandas
    import geopandas as gpd

    rows = [item for chunk in chunks for item in chunk]
    sizes = [len(chunk) for chunk in chunks]
    frame = gpd.GeoDataFrame(
        {"item": pd.Series(rows, dtype=object)},
        geometry=gpd.GeoSeries([item.geometry for item in rows], crs="EPSG:4490"),
    )
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    parts = [frame.iloc[bounds[k] : bounds[k + 1]] for k in range(len(sizes))]
    return dask_geopandas.from_dask_dataframe(dd.concat([dd.from_pandas(p, npartitions=1, sort=False) for p in parts]))


def _screen_partition(frame: pd.DataFrame, store: Any, rules: Any, opts: Any) -> pd.DataFrame:
    """Screen one partition on a worker: one row per project (index, verdict, item)."""
    items = list(frame["item"])
    if not items:
        return _empty()
    done = screen_chunk(items, store, rules, opts)
    if done.results is not None:
        payload = pd.Series(done.results, dtype=object)
    else:
        assert done.lengths is not None
        ends = np.cumsum(done.lengths)
        starts = ends - done.lengths
        payload = pd.Series([done.blob[s:e] for s, e in zip(starts, ends, strict=True)], dtype=object)
    return pd.DataFrame({"index": done.indices, "verdict": pd.Series(done.verdicts, dtype=object), "payload": payload})


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "index": pd.Series([], dtype=np.int64), "verdict": pd.Series([], dtype=object),
        "payload": pd.Series([], dtype=object),
    })  # fmt: skip


def _client(address: str) -> Any:
    """A client of the scheduler at ``address``; one that cannot be reached is a bad
    ``--dask-scheduler`` (a clear message, exit 2), not a traceback."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        msg = (
            f"--dask-scheduler {address!r}: cannot reach the dask scheduler ({err}); "
            "expected the address of a running one, e.g. tcp://scheduler:8786"
        )
        zh = f"--dask-scheduler {address}：无法连接 dask 调度器（{err}）；请给出正在运行的调度器地址，如 tcp://scheduler:8786"
        raise DataSourceError(msg, zh=zh) from err


def run_on_cluster(
    address: str, chunks: Sequence[Sequence[PreparedProject]], store: Any, rules: Any, opts: Any, folder: str | None
) -> Iterator[tuple[Any, str | None]]:
    """Screen ``chunks`` on the cluster at ``address``; yields (``ChunkDone``, spool path) per
    partition as it finishes (rendered items appended to ``folder``/cluster.bin)."""
    try:
        import dask
        from distributed import as_completed
    except ImportError as err:  # the "dask" extra (pyproject.toml) is not installed
        msg = f"--dask-scheduler needs dask, dask-geopandas and distributed ({err.name} is not installed)"
        zh = f"使用 --dask-scheduler 需要安装 dask、dask-geopandas 与 distributed（缺少 {err.name}）"
        raise InputError(msg, zh=zh) from err

    # Object columns hold projects and rendered bytes: dask must not turn them into strings.
    with dask.config.set({"dataframe.convert-string": False}):
        frame = partition_frame(chunks)
        screened = frame.map_partitions(_screen_partition, store, rules, opts, meta=_empty())
    spool = os.path.join(folder, "cluster.bin") if folder else None
    with _client(address) as client:
        # Only as_completed holds the futures, so a partition's result can be released on
        # the workers once it is yielded; a list kept here held every result to the end
        # (on 10^6 projects the workers had grown to 4.5 GB each; not measured since).
        finished = as_completed(client.compute(screened.to_delayed()), with_results=True)
        for _, part in finished:
            indices = part["index"].to_numpy(dtype=np.int64)
            verdicts = list(part["verdict"])
            if opts.item is None:
                yield ChunkDone(indices, verdicts, results=list(part["payload"])), None
                continue
            blobs = list(part["payload"])
            lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
            assert spool is not None
            with open(spool, "ab") as fh:
                fh.write(b"".join(blobs))
            yield ChunkDone(indices, verdicts, lengths), spool
