"""The CLI's time and peak memory against store size and batch size: a table and a plot.

Each point is one fresh ``python -m zoning screen PROJECTS --type-field type --zones STORE
--format json --workers 1`` process, timed from start to the JSON written, its peak RSS
sampled every 20 ms (``cli_bench.timed_run``).

* **store size**: seeded stores of 10^4, 10^5 (and, with ``--max-features 1000000``, 10^6)
  zone polygons, ~100 vertices each (``generate.py``), each screened with the same
  ``--store-batch`` projects: once with an empty cache (the first open writes the store's
  pack) and once with the pack in place;
* **batch size**: 10^2 … ``--max-projects`` projects (seeded, ``generate.py``) on the
  10^5-polygon store, pack in place.

The 10^5-polygon store may be given (``--store``, e.g. the one ``make bench`` made; only
read); everything else goes to ``--work`` (default /tmp/zoning-curves), the packs included. The load average is read
before each point: the cores may be shared, so every number is an upper bound.

    $ python benchmarks/curves_bench.py --store benchmarks/out/full/zones.gpkg --png benchmarks/curves.png
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import generate  # noqa: E402
from benchmarks.cli_bench import BIG_INPUTS, PY, timed_run  # noqa: E402

VERTICES_PER_POLYGON = 100  # as the 10^5-polygon benchmark store (10^7 vertices)


def _log(msg: str) -> None:
    print(f"[curves {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def projects_file(work: Path, n: int) -> Path:
    """``n`` seeded projects over Hunan (the first ``n`` of the benchmark's generator for ``n``)."""
    path = work / f"projects_{n}.gpkg"
    if not path.exists():
        generate.generate_projects(path, n=n)
    return path


def store_file(work: Path, polygons: int) -> Path:
    path = work / f"zones_{polygons}.gpkg"
    if not path.exists():
        _log(f"generating a store of {polygons:,} polygons ...")
        rep = generate.generate_zones(path, polygons=polygons, vertices=polygons * VERTICES_PER_POLYGON,
                                      intakes=max(polygons // 33, 10))  # fmt: skip
        _log(f"  {rep.vertices:,} vertices in {rep.seconds:.0f} s")
    return path


def cli_point(projects: Path, store: Path, cache: Path, out: Path) -> dict:
    """One CLI run: seconds, peak RSS, the load average before it."""
    env = {**os.environ, "ZONING_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO), **BIG_INPUTS}
    load = os.getloadavg()[0]
    got = timed_run([PY, "-m", "zoning", "screen", str(projects), "--type-field", "type", "--zones", str(store),
                     "--format", "json", "--overwrite", "--workers", "1", "-o", str(out)], env=env)  # fmt: skip
    got["load_1min"] = load
    out.unlink(missing_ok=True)
    return got


def store_curve(args: argparse.Namespace, work: Path) -> list[dict]:
    projects = projects_file(work, args.store_batch)
    rows = []
    sizes = args.store_sizes or [n for n in (10_000, 100_000, 1_000_000) if n <= args.max_features]
    for n in sizes:
        store = args.store if n == 100_000 and args.store is not None else store_file(work, n)
        cache = work / f"cache_{n}"
        shutil.rmtree(cache, ignore_errors=True)
        row: dict = {"features": n, "store_mb": store.stat().st_size / 1e6}
        _log(f"store {n:,}: first open (writes the pack) ...")
        row["first"] = cli_point(projects, store, cache, work / "out.json")
        _log(f"store {n:,}: pack in place ...")
        row["warm"] = cli_point(projects, store, cache, work / "out.json")
        _log(f"  {json.dumps(row)}")
        rows.append(row)
    return rows


def batch_curve(args: argparse.Namespace, work: Path, store: Path, cache: Path) -> list[dict]:
    rows = []
    if not cache.is_dir() or not any(cache.iterdir()):  # every point measures the pack in place
        _log("batch curve: the store's pack is written first (not measured) ...")
        cli_point(projects_file(work, 100), store, cache, work / "out.json")
    n = 100
    while n <= args.max_projects:
        projects = projects_file(work, n)
        _log(f"batch {n:,} ...")
        row = {"projects": n, **cli_point(projects, store, cache, work / "out.json")}
        _log(f"  {json.dumps(row)}")
        rows.append(row)
        n *= 10
    return rows


def plot(res: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=90)
    panels = [
        (axes[0], res["stores"], "features", "zone polygons in the store", f"{res['store_batch']:,} projects, --workers 1"),
        (axes[1], res["batches"], "projects", "projects in the batch", "10^5-polygon store, --workers 1"),
    ]
    for ax, rows, key, xlabel, title in panels:
        if not rows:  # a run of one curve only (--store-sizes, --max-projects 0)
            ax.set_axis_off()
            continue
        xs = [r[key] for r in rows]
        warm = [r["warm"] if "warm" in r else r for r in rows]
        ax.plot(xs, [w["seconds"] for w in warm], "o-", color="tab:blue", label="wall time, pack in place")
        firsts = [(r[key], r["first"]["seconds"]) for r in rows if "first" in r]
        if firsts:
            ax.plot(*zip(*firsts, strict=True), "s--", color="tab:cyan", label="wall time, first open (writes pack)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seconds (upper bound, shared cores)")
        ax.set_title(title, fontsize=10)
        mem = ax.twinx()
        mem.plot(xs, [w["peak_rss_mb"] for w in warm], "^:", color="tab:red", label="peak RSS, pack in place")
        mem.set_ylabel("peak RSS (MB)", color="tab:red")
        mem.set_ylim(bottom=0)
        lines = ax.get_legend_handles_labels()
        lines2 = mem.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=7, loc="upper left")
    fig.suptitle("python -m zoning screen … --format json, end to end (2 shared cores)", fontsize=11)
    fig.tight_layout()
    fig.savefig(png)


def table(res: dict) -> str:
    lines = [
        "| store (zone polygons) | GeoPackage | first open: time, peak RSS | pack in place: time, peak RSS | load (1 min) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in res["stores"]:
        first = r.get("first")
        cell = f"{first['seconds']:.1f} s, {first['peak_rss_mb']:.0f} MB" if first else ""
        w = r["warm"]
        loads = "/".join(f"{x['load_1min']:.1f}" for x in (first, w) if x)
        lines.append(f"| {r['features']:,} | {r['store_mb']:.0f} MB | {cell} | {w['seconds']:.1f} s, {w['peak_rss_mb']:.0f} MB | {loads} |")
    lines += ["", "| batch (projects), 10^5-polygon store | time | peak RSS | per project | load (1 min) |", "|---:|---:|---:|---:|---:|"]
    for r in res["batches"]:
        lines.append(f"| {r['projects']:,} | {r['seconds']:.1f} s | {r['peak_rss_mb']:.0f} MB | "
                     f"{r['seconds'] / r['projects'] * 1e3:.1f} ms | {r['load_1min']:.1f} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="the 10^5-polygon store to reuse (read only)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/zoning-curves"))
    ap.add_argument("--store-batch", type=int, default=1_000, help="projects screened on every store size")
    ap.add_argument("--max-features", type=int, default=100_000)
    ap.add_argument("--store-sizes", type=lambda v: [int(x) for x in v.split(",")],
                    help="only these store sizes (e.g. 1000000), instead of 10^4 … --max-features")
    ap.add_argument("--max-projects", type=int, default=100_000, help="0: no batch curve")
    ap.add_argument("--png", type=Path, default=REPO / "benchmarks" / "curves.png")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    res: dict = {"store_batch": args.store_batch, "load_before": os.getloadavg()}
    res["stores"] = store_curve(args, args.work)
    if args.max_projects:
        big = args.store or store_file(args.work, 100_000)
        res["batches"] = batch_curve(args, args.work, big, args.work / "cache_100000")
    else:
        res["batches"] = []
    res["seconds"] = time.perf_counter() - started
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    plot(res, args.png)
    print(table(res))
    print(f"\n{res['seconds'] / 60:.1f} min; load average before: {res['load_before']}")


if __name__ == "__main__":
    main()
