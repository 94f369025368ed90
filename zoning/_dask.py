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

from zoning import batch as _batch
from zoning.engine import PreparedProject

__all__ = ["run_on_cluster", "partition_frame"]


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
    done = _batch._screen_chunk(items, store, rules, opts)
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


def run_on_cluster(
    address: str, chunks: Sequence[Sequence[PreparedProject]], store: Any, rules: Any, opts: Any, folder: str | None
) -> Iterator[tuple[Any, str | None]]:
    """Screen ``chunks`` on the cluster at ``address``; yields (``batch._Done``, spool path) per
    partition as it finishes (rendered items appended to ``folder``/cluster.bin)."""
    import dask
    from distributed import Client, as_completed

    # Object columns hold projects and rendered bytes: dask must not turn them into strings.
    with dask.config.set({"dataframe.convert-string": False}):
        frame = partition_frame(chunks)
        screened = frame.map_partitions(_screen_partition, store, rules, opts, meta=_empty())
    spool = os.path.join(folder, "cluster.bin") if folder else None
    with Client(address) as client:
        futures = client.compute(screened.to_delayed())
        for _, part in as_completed(futures, with_results=True):
            indices = part["index"].to_numpy(dtype=np.int64)
            verdicts = list(part["verdict"])
            if opts.item is None:
                yield _batch._Done(indices, verdicts, results=list(part["payload"])), None
                continue
            blobs = list(part["payload"])
            lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
            assert spool is not None
            with open(spool, "ab") as fh:
                fh.write(b"".join(blobs))
            yield _batch._Done(indices, verdicts, lengths), spool
