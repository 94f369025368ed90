"""The HTTP API under load: requests/s and p50/p95 latency of ``POST /api/v1/screen`` for one
small project, with 4 uvicorn workers on the benchmark store, side by side with PostGIS
answering the same question (its query time alone, and behind a thin HTTP wrapper with 4
workers too).

    python benchmarks/api_bench.py [--quick] [--workers 4] [--seconds 20] [--connections 16]

Steps: the benchmark data (``run.ensure_data``, generated once under benchmarks/out/); one
small polygon project from the benchmark projects; ``python -m zoning serve --workers N`` on
a free port of 127.0.0.1 (screening opened to all for the run, so the load generator sends no
key); wrk (``make bench`` installs it; a small Python load generator otherwise) for a fixed
time; then PostGIS in a throwaway cluster (``postgis_bench``): the same project's statement
timed 1,000 times on one connection, and ``postgis_http.py`` under the same wrk load. Only
127.0.0.1 is ever contacted; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks._proc import stop_process  # noqa: E402
from benchmarks.run import ensure_data, log, machine, out_dir  # noqa: E402

PY = sys.executable


def small_project(out: Path) -> tuple[int, dict[str, Any]]:
    """The first polygon project of the benchmark set under 5 ha, as a GeoJSON Feature."""
    import pyogrio
    import shapely

    from gis.crs import work_crs_for_geometry

    prj = pyogrio.read_dataframe(out / "projects.gpkg", layer="projects")
    for i, (geom, ptype) in enumerate(zip(prj.geometry, prj["type"], strict=True)):
        if geom.geom_type != "Polygon":
            continue
        metric = prj.iloc[[i]].to_crs(work_crs_for_geometry(geom)).geometry.iloc[0]
        if metric.area < 50_000:
            feature = {"type": "Feature", "properties": {"name": f"bench #{i}", "type": str(ptype)},
                       "geometry": json.loads(shapely.to_geojson(geom))}  # fmt: skip
            return i, feature
    msg = "no small polygon project in the benchmark set"
    raise SystemExit(msg)


def breakdown(out: Path, feature: dict[str, Any], n: int = 200) -> dict[str, float]:
    """Where one request's time goes, in this process (no HTTP): median ms of reading the body
    (``gis.io.read_features``, as the API does), making and screening the project, and writing
    the JSON."""
    from dataclasses import replace

    from gis.io import read_features
    from layers.store import ZoneStore
    from zoning.columns import with_attribute_columns
    from zoning.engine import default_rules, projects_from_features, screen, warm
    from zoning.report import render_report

    body = json.dumps(feature).encode()
    store = ZoneStore.open(out / "zones.gpkg")
    rules = default_rules()
    warm(store, rules=rules)
    steps: dict[str, list[float]] = {"read_ms": [], "screen_ms": [], "json_ms": []}
    for _ in range(n):
        t0 = time.perf_counter()
        fs = read_features(body, filename="request.geojson")
        fs = replace(fs, gdf=with_attribute_columns(fs.gdf, rules.project_types, source=fs.source))
        t1 = time.perf_counter()
        results = screen(projects_from_features(fs, type_field="type", project_types=rules.project_types), store,
                         rules=rules)  # fmt: skip
        t2 = time.perf_counter()
        render_report(results, "json", batch=False)
        t3 = time.perf_counter()
        steps["read_ms"].append((t1 - t0) * 1e3)
        steps["screen_ms"].append((t2 - t1) * 1e3)
        steps["json_ms"].append((t3 - t2) * 1e3)
    return {k: float(np.median(v)) for k, v in steps.items()}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str], ready: str, workers: int, timeout_s: float = 600) -> Iterator[None]:
    """Run ``cmd`` until ``ready`` has been logged once per worker; stopped on exit."""
    log_file = tempfile.NamedTemporaryFile(prefix="api-bench-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + timeout_s
        while Path(log_file.name).read_text(errors="replace").count(ready) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                msg = f"server did not start: {Path(log_file.name).read_text(errors='replace')[-2000:]}"
                raise SystemExit(msg)
            time.sleep(0.5)
        yield
    finally:
        stop_process(proc, timeout_s=60)
        os.unlink(log_file.name)


_WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/geo+json"
wrk.body = io.open(os.getenv("BENCH_BODY"), "rb"):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %f %f %f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def load(url: str, body: bytes, *, seconds: int, connections: int) -> dict[str, float]:
    """requests/s and latency percentiles of POSTing ``body`` to ``url`` for ``seconds``."""
    if shutil.which("wrk"):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "body").write_bytes(body)
            (Path(tmp) / "post.lua").write_text(_WRK_LUA)
            out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
                                  "-s", str(Path(tmp) / "post.lua"), url],
                                 env={**os.environ, "BENCH_BODY": str(Path(tmp) / "body")},
                                 capture_output=True, text=True, check=True, timeout=seconds + 120).stdout  # fmt: skip
        line = next(x for x in out.splitlines() if x.startswith("BENCH "))
        n, duration_us, errors, p50, p95, p99 = (float(v) for v in line.split()[1:])
        return {"tool": "wrk", "requests": n, "rps": n / (duration_us / 1e6), "errors": errors,
                "p50_ms": p50 / 1e3, "p95_ms": p95 / 1e3, "p99_ms": p99 / 1e3}  # fmt: skip
    return _python_load(url, body, seconds=seconds, connections=connections)


def _python_load(url: str, body: bytes, *, seconds: int, connections: int) -> dict[str, float]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    stop = time.monotonic() + seconds
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            conn.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body,
                         {"Content-Type": "application/geo+json"})  # fmt: skip
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200:
                errors[0] += 1
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ms = np.asarray(times) * 1e3
    return {"tool": "python", "requests": len(times), "rps": len(times) / (time.perf_counter() - t0), "errors": errors[0],
            "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99))}  # fmt: skip


def api_side(out: Path, feature: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "ZONING_CACHE_DIR": str(out / "cache"), "ZONING_API_OPEN_SCREENING": "1"}
    cmd = [PY, "-m", "zoning", "serve", "--port", str(port), "--workers", str(args.workers), "--zones", str(out / "zones.gpkg")]
    url = f"http://127.0.0.1:{port}/api/v1/screen"
    body = json.dumps(feature).encode()
    log(f"api: starting {args.workers} workers on the benchmark store ...")
    t = time.perf_counter()
    with server(cmd, env, "Application startup complete.", args.workers):
        started = time.perf_counter() - t
        req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/geo+json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            answer = json.loads(resp.read())
        log(f"api: ready in {started:.1f} s; verdict {answer['verdict']}, {len(answer['conflicts'])} conflicts, "
            f"{len(answer['nearby'])} nearby; load for {args.seconds} s ...")  # fmt: skip
        load(url, body, seconds=3, connections=args.connections)  # warm-up
        res = load(url, body, seconds=args.seconds, connections=args.connections)
    log(f"api: {res['rps']:.0f} req/s, p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms ({res['tool']})")
    return {"startup_s": started, "answer": {"verdict": answer["verdict"], "conflicts": len(answer["conflicts"]),
                                              "nearby": len(answer["nearby"])}, **res}  # fmt: skip


def postgis_side(out: Path, pid: int, feature: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    import psycopg
    import shapely

    from benchmarks import postgis_bench as pg
    from benchmarks.run import _type_asks
    from gis.crs import work_crs_for_geometry
    from layers.store import ZoneStore

    geom = shapely.from_geojson(json.dumps(feature["geometry"]))
    srid = int(work_crs_for_geometry(geom).split(":")[1])
    ptype = feature["properties"]["type"]
    store = ZoneStore.open(out / "zones.gpkg", cache=False)
    sql = pg.single_sql(srid, _type_asks(store, [ptype])[ptype], tolerance_m=5.0, near_m=5000.0)
    res: dict[str, Any] = {}
    with pg.start_cluster() as cluster:
        log("postgis: loading the store (one table per layer in the project's work CRS, GiST) ...")
        pg.load_store(cluster, store, {"geometry": np.array([geom], dtype=object), "type": [ptype], "srid": [srid]}, [srid])
        with psycopg.connect(cluster.dsn, autocommit=True) as conn:
            for _ in range(100):
                conn.execute(sql, {"pid": 0}, prepare=True).fetchall()
            times = []
            for _ in range(1000):
                t = time.perf_counter()
                conn.execute(sql, {"pid": 0}, prepare=True).fetchall()
                times.append(time.perf_counter() - t)
        ms = np.asarray(times) * 1e3
        res["query_p50_ms"], res["query_p95_ms"] = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
        log(f"postgis: query alone p50 {res['query_p50_ms']:.2f} ms, p95 {res['query_p95_ms']:.2f} ms; HTTP wrapper ...")
        port = free_port()
        env = {**os.environ, "BENCH_PG_DSN": cluster.dsn, "BENCH_PG_SQL": sql, "PYTHONPATH": str(REPO)}
        cmd = [PY, "-m", "uvicorn", "benchmarks.postgis_http:app", "--port", str(port), "--workers", str(args.workers),
               "--log-level", "info"]  # fmt: skip
        with server(cmd, env, "Application startup complete.", args.workers, timeout_s=120):
            url = f"http://127.0.0.1:{port}/"
            body = json.dumps({"pid": 0}).encode()
            load(url, body, seconds=3, connections=args.connections)
            res["http"] = load(url, body, seconds=args.seconds, connections=args.connections)
        log(f"postgis: HTTP {res['http']['rps']:.0f} req/s, p50 {res['http']['p50_ms']:.1f} ms")
    return res


def table(m: dict[str, str], data: dict[str, Any], api: dict[str, Any], pgr: dict[str, Any] | None,
          args: argparse.Namespace, load_avg: tuple[float, float, float]) -> str:  # fmt: skip
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; load average before the run "
        f"{load_avg[0]:.1f} (other work on the machine). Date: {m['date']}.",
        f"Data: {data['polygons']:,} zone polygons, {data['vertices']:,} vertices; one {api['answer']['verdict']} polygon "
        f"project ({api['answer']['conflicts']} conflicts, {api['answer']['nearby']} nearby). "
        f"{args.workers} workers each side, {api['tool']} with {args.connections} connections for {args.seconds} s.",
        "",
        "| POST one small project | requests/s | p50 | p95 | p99 |",
        "|---|---:|---:|---:|---:|",
        f"| `/api/v1/screen` (FastAPI + uvicorn, {args.workers} workers, engine) | {api['rps']:.0f} | "
        f"{api['p50_ms']:.1f} ms | {api['p95_ms']:.1f} ms | {api['p99_ms']:.1f} ms |",
    ]
    if pgr:
        h = pgr["http"]
        lines.append(f"| PostGIS behind a thin HTTP wrapper ({args.workers} uvicorn workers, one connection each) | "
                     f"{h['rps']:.0f} | {h['p50_ms']:.1f} ms | {h['p95_ms']:.1f} ms | {h['p99_ms']:.1f} ms |")  # fmt: skip
        lines.append(f"| PostGIS query alone (one connection, prepared, sequential) | "
                     f"{1000 / pgr['query_p50_ms']:.0f} (1 / p50) | {pgr['query_p50_ms']:.2f} ms | "
                     f"{pgr['query_p95_ms']:.2f} ms | |")  # fmt: skip
    lines.append(f"\nAPI start-up ({args.workers} workers open the store through its pack and build their "
                 f"indexes): {api['startup_s']:.1f} s.")  # fmt: skip
    if "breakdown" in api:
        b = api["breakdown"]
        lines.append(f"One request in one process, without HTTP (median): reading the body {b['read_ms']:.1f} ms "
                     f"(gis.io.read_features), screening {b['screen_ms']:.1f} ms, JSON {b['json_ms']:.2f} ms.")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data (a smoke run)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-postgis", action="store_true")
    args = parser.parse_args()
    load_avg = os.getloadavg()
    out = out_dir(args.quick)
    data = ensure_data(out, quick=args.quick)
    pid, feature = small_project(out)
    api = api_side(out, feature, args)
    log("breakdown: one request's steps in this process ...")
    api["breakdown"] = breakdown(out, feature)
    pgr = None if args.skip_postgis else postgis_side(out, pid, feature, args)
    text = table(machine(), data, api, pgr, args, load_avg)
    (out / "api_results.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
