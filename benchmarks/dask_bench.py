"""A batch on a dask.distributed LocalCluster: the per-partition cost, and a projection to N machines.

``python -m zoning screen PROJECTS --type-field type --zones STORE --format json
--dask-scheduler tcp://…`` against a ``LocalCluster`` of 2 worker processes (one thread each)
started here, the store given by its path (the workers open it and map its pack themselves).
A client of this script on the same scheduler records the task stream while the CLI runs:
every partition's (chunk of ``zoning.batch.CHUNK`` projects) compute time on its worker. The
client-side part (reading, sorting and preparing the projects, writing the JSON) is the
CLI's wall time minus the span in which partitions ran.

Projection (not a measurement) for ``P`` partitions on ``N`` machines of ``w`` workers each::

    T(N) ≈ T_client + t_open + ceil(P / (N·w)) · t_part

with ``t_part`` the measured median partition compute time, ``t_open`` the first partition
of a worker minus the median (the store opened once per worker process), and ``T_client``
the client-side time, scaled linearly with the number of projects. It assumes every machine
maps the store from a shared file system as fast as here, and neglects the scheduler's and
the network's cost per partition (measured here on loopback, included in the span).

    $ python benchmarks/dask_bench.py --store benchmarks/out/full/zones.gpkg --projects /tmp/zoning-curves/projects_100000.gpkg
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.cli_bench import BIG_INPUTS, PY, timed_run  # noqa: E402


def partition_times(stream: list[dict]) -> list[dict]:
    """(worker, start, compute seconds) of every screening partition in a dask task stream."""
    rows = []
    for task in stream:
        if "screen_partition" not in str(task.get("key")):
            continue
        compute = [s for s in task.get("startstops", ()) if s.get("action") == "compute"]
        if compute:
            rows.append({"worker": task.get("worker"), "start": min(s["start"] for s in compute),
                         "stop": max(s["stop"] for s in compute),
                         "seconds": sum(s["stop"] - s["start"] for s in compute)})  # fmt: skip
    return sorted(rows, key=lambda r: r["start"])


def project(res: dict, projects: int, machines: int, workers_per_machine: int) -> float:
    """The projected wall time (s) of ``projects`` on ``machines`` x ``workers_per_machine``."""
    per_project_client = res["client_s"] / res["projects"]
    parts = math.ceil(projects / res["chunk"])
    rounds = math.ceil(parts / (machines * workers_per_machine))
    return per_project_client * projects + res["t_open_s"] + rounds * res["t_part_s"]


def table(res: dict) -> str:
    """The run's measured costs and the projection for 10^6 projects, as Markdown."""
    lines = [
        f"| {res['projects']:,} projects, LocalCluster of 2 workers | |",
        "|---|---:|",
        f"| wall time, CLI start to JSON written | {res['wall_s']:.1f} s |",
        f"| partitions screened | {res['partitions']} |",
        f"| partition compute time, median / p95 | {res['t_part_s']:.2f} s / {res['t_part_p95_s']:.2f} s |",
        f"| store open per worker process | {res['t_open_s']:.1f} s |",
        f"| client side (reading, preparing, gathering, writing) = wall − span | {res['client_s']:.1f} s |",
        f"| client's peak RSS | {res['client_peak_rss_mb']:.0f} MB |",
        "",
        "| projected for 10^6 projects (not measured), machines × workers | "
        + " | ".join(res["projection_1e6"]) + " |",
        "|---|" + "---:|" * len(res["projection_1e6"]),
        "| seconds | " + " | ".join(f"{v:,.0f}" for v in res["projection_1e6"].values()) + " |",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--store-cache", type=Path, help="a cache folder holding the store's pack (copied)")
    ap.add_argument("--projects", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/zoning-dask-bench"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from distributed import Client, LocalCluster, get_task_stream

    from zoning.batch import CHUNK

    args.work.mkdir(parents=True, exist_ok=True)
    cache = args.work / "cache"
    if args.store_cache is not None and args.store_cache.is_dir() and not cache.exists():  # none for a small store
        shutil.copytree(args.store_cache, cache)
    os.environ["ZONING_CACHE_DIR"] = str(cache)  # the worker processes inherit it
    import geopandas as gpd

    n = len(gpd.read_file(args.projects, columns=["type"]))
    load = os.getloadavg()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:  # fmt: skip
        with get_task_stream(client) as stream:
            run = timed_run([PY, "-m", "zoning", "screen", str(args.projects), "--type-field", "type", "--zones",
                             str(args.store), "--format", "json", "--overwrite", "--dask-scheduler",
                             cluster.scheduler_address, "-o", str(args.work / "out.json")],
                            env={**os.environ, "PYTHONPATH": str(REPO), **BIG_INPUTS})  # fmt: skip
        parts = partition_times(stream.data)
    times = [p["seconds"] for p in parts]
    first = {}
    for p in parts:
        first.setdefault(p["worker"], p["seconds"])
    t_part = statistics.median(times)
    span = parts[-1]["stop"] - parts[0]["start"]
    res = {
        "projects": n, "chunk": CHUNK, "partitions": len(parts), "wall_s": run["seconds"],
        "client_peak_rss_mb": run["peak_rss_mb"], "span_s": span, "client_s": run["seconds"] - span,
        "t_part_s": t_part, "t_part_p95_s": statistics.quantiles(times, n=20)[-1] if len(times) > 1 else t_part,
        "t_open_s": max(statistics.mean(first.values()) - t_part, 0.0), "compute_sum_s": sum(times),
        "load_before": load, "load_after": os.getloadavg(),
    }  # fmt: skip
    res["projection_1e6"] = {f"{m} x {w}": project(res, 1_000_000, m, w) for m in (1, 2, 4, 8, 16, 32) for w in (2, 8)}
    (args.work / "out.json").unlink(missing_ok=True)
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps({**res, "partitions_raw": parts}, indent=1))


if __name__ == "__main__":
    main()
