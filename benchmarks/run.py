"""Province-scale benchmarks of the screener, side by side with PostGIS: ``make bench``.

Steps (each printed as it runs):

1. generate the benchmark data under benchmarks/out/ unless it is there already for this
   generator version (``benchmarks/generate.py``; seeded, never committed);
2. the engine in fresh processes: cold start (open the store -> first result) without and
   with the store's pack (layers/_pack.py), then warm single-project latency (p50/p95), the batch of every
   project, and peak memory (``benchmarks/engine_bench.py``);
3. the same questions asked of PostGIS 3 with GiST indexes in a throwaway local cluster
   (``benchmarks/postgis_bench.py``), the answers compared with the engine's;
4. the CLI end to end on the whole batch (``benchmarks/cli_bench.py``): process start to
   JSON written, first open of the store and with its pack in place, per ``--workers``
   value, peak memory of the process tree, beside PostGIS's batch time;
5. the public map at province scale (``benchmarks/map_bench.py``): payload and first
   render in Chromium, and the exported static site under wrk;
6. scale (``--skip-scale`` leaves it out): the curves of time and memory against store and
   batch size (``benchmarks/curves_bench.py``, benchmarks/curves.png), the batch on a dask
   LocalCluster of 2 workers with the projection to N machines (``benchmarks/dask_bench.py``),
   and 20 concurrent app sessions in Chromium (``benchmarks/app_load_bench.py``). By default
   stores of 10^4 and 10^5 polygons and batches up to 10^4 projects (about 10 min); with
   ``--full-scale`` a store of 10^6 polygons and batches up to 10^6 projects, the dask run on
   10^6 projects (hours, and ~16 GB of memory on the first open of the big store);
7. the tables, with the machine, its load and the date, printed and written to
   benchmarks/out/results.md (``--record`` also puts it into benchmarks/README.md).

Options: ``--quick`` (small data, a smoke run of every step), ``--skip-postgis``,
``--skip-map``, ``--single N`` (projects timed one at a time, default 1000), ``--record``,
``--cli-only`` (steps 1, 4 and PostGIS's batch only), ``--workers 1,2`` (the CLI runs),
``--skip-scale``, ``--full-scale``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks import cli_bench, generate  # noqa: E402

PY = sys.executable


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- machine ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    import shapely

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "shapely / GEOS": f"{shapely.__version__} / {shapely.geos_version_string}",
        "load": " / ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


# --- data ---------------------------------------------------------------------------------


def out_dir(quick: bool) -> Path:
    """Where the benchmark data and results of a run live (made if missing)."""
    out = HERE / "out" / ("quick" if quick else "full")
    out.mkdir(parents=True, exist_ok=True)
    return out


def ensure_data(out: Path, *, quick: bool) -> dict:
    params = (
        {"polygons": 5_000, "vertices": 500_000, "intakes": 300, "projects": 500}
        if quick
        else {"polygons": 100_000, "vertices": 10_000_000, "intakes": 3_000, "projects": 10_000}
    )
    manifest = out / "manifest.json"
    want = {"generator": generate.GENERATOR_VERSION, **params}
    if manifest.exists() and json.loads(manifest.read_text()).get("params") == want:
        info = json.loads(manifest.read_text())
        log(f"data: reusing {out} ({info['polygons']} polygons, {info['vertices']:,} vertices)")
        return info
    log("data: generating (seeded) ...")
    rep = generate.generate_zones(
        out / "zones.gpkg", polygons=params["polygons"], vertices=params["vertices"], intakes=params["intakes"]
    )
    generate.generate_projects(out / "projects.gpkg", n=params["projects"])
    info = {
        "params": want,
        "features": rep.features,
        "polygons": rep.polygons,
        "vertices": rep.vertices,
        "projects": params["projects"],
        "seconds": rep.seconds,
        "store_mb": (out / "zones.gpkg").stat().st_size / 1e6,
    }
    manifest.write_text(json.dumps(info, indent=1))
    log(f"data: {rep.polygons} polygons, {rep.vertices:,} vertices in {rep.seconds:.0f} s")
    return info


# --- engine -------------------------------------------------------------------------------


def engine_run(mode: str, *args: str, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [PY, str(HERE / "engine_bench.py"), mode, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def engine_bench(out: Path, n_single: int) -> dict:
    cache = out / "cache"
    env = {**os.environ, "ZONING_CACHE_DIR": str(cache)}
    store, projects = str(out / "zones.gpkg"), str(out / "projects.gpkg")
    for f in sorted(cache.rglob("*"), reverse=True) if cache.exists() else []:
        f.unlink() if f.is_file() else f.rmdir()
    log("engine: cold start, empty store cache (first open of this store) ...")
    first = engine_run("cold", store, projects, env=env)
    log(f"engine: {first['cold_s']:.2f} s; cold start with the store's pack ...")
    cold = engine_run("cold", store, projects, env=env)
    log(f"engine: {cold['cold_s']:.2f} s (+ {cold['import_s']:.2f} s imports); warm single projects and batch ...")
    warm = engine_run("warm", store, projects, str(out / "engine_answers.pkl"), str(n_single), env=env)
    log(f"engine: p50 {warm['single_p50_ms']:.2f} ms, batch {warm['batch_s']:.1f} s")
    return {"first_open": first, "cold": cold, "warm": warm}


# --- PostGIS ------------------------------------------------------------------------------


def _type_asks(store: object, ptypes: list[str]) -> dict[str, list]:
    from benchmarks.postgis_bench import LayerAsk
    from zoning._match import compile_rules
    from zoning.engine import default_rules

    compiled = compile_rules(default_rules())
    out = {}
    for ptype in ptypes:
        asks = []
        for layer in store.layer_ids:  # type: ignore[attr-defined]
            if layer == "admin":
                continue
            lr = compiled.get(layer)
            measure = lr is not None and bool(lr.by_type.get(ptype))
            reach = lr.reach_m if lr is not None and ptype in lr.reach_types else 0.0
            asks.append(LayerAsk(layer, measure, reach))
        out[ptype] = asks
    return out


def postgis_bench(out: Path, sample: list[int], *, compare_answers: bool = True) -> dict:
    """PostGIS on the same data: single projects (``sample``; none: skipped), the batch, a
    cold start, and (``compare_answers``) the answers against the engine's batch."""
    import numpy as np
    import psycopg
    import pyogrio

    from benchmarks import postgis_bench as pg
    from gis.crs import work_crs_for_geometry
    from layers.store import ZoneStore

    store = ZoneStore.open(out / "zones.gpkg", cache=False)
    prj = pyogrio.read_dataframe(out / "projects.gpkg", layer="projects")
    srids = [int(work_crs_for_geometry(g).split(":")[1]) for g in prj.geometry]
    projects = {"geometry": prj.geometry.to_numpy(), "type": prj["type"].to_numpy(), "srid": srids}
    asks = _type_asks(store, sorted(set(prj["type"])))
    work = sorted(set(srids))
    kw = {"tolerance_m": 5.0, "near_m": 5000.0}
    res: dict = {}
    with pg.start_cluster() as cluster:
        log(f"postgis: cluster on port {cluster.port}; loading {len(store.layer_ids)} layers into {work} ...")
        res["load"] = pg.load_store(cluster, store, projects, work)
        log(f"postgis: loaded and indexed in {res['load']['total_s']:.0f} s; single projects ...")
        single = {(s, t): pg.single_sql(s, asks[t], **kw) for s in work for t in asks}
        with psycopg.connect(cluster.dsn, autocommit=True) as conn:
            for pid in range(min(300, len(srids))):  # warm-up, as for the engine
                conn.execute(single[(srids[pid], prj["type"][pid])], {"pid": pid}, prepare=True).fetchall()
            times = []
            for pid in sample:
                t = time.perf_counter()
                conn.execute(single[(srids[pid], prj["type"][pid])], {"pid": pid}, prepare=True).fetchall()
                times.append(time.perf_counter() - t)
            if times:
                ms = np.asarray(times) * 1e3
                res["single_p50_ms"], res["single_p95_ms"] = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
                log(f"postgis: p50 {res['single_p50_ms']:.2f} ms")
            log("postgis: batch ...")
            rows = []
            with pg.PeakPss(cluster) as mem:
                t = time.perf_counter()
                for s in work:
                    types_here = {prj["type"][i] for i in range(len(srids)) if srids[i] == s}
                    sql = pg.batch_sql(s, {k: v for k, v in asks.items() if k in types_here}, **kw)
                    rows += conn.execute(sql).fetchall()
                res["batch_s"] = time.perf_counter() - t
            res["peak_pss_mb"] = mem.peak_mb
            log(f"postgis: batch {res['batch_s']:.1f} s; cold start ...")
        cluster.stop()
        t = time.perf_counter()
        cluster.start()
        with psycopg.connect(cluster.dsn, autocommit=True) as conn:
            conn.execute(single[(srids[0], prj["type"][0])], {"pid": 0}).fetchall()
        res["cold_s"] = time.perf_counter() - t
        log(f"postgis: cold start {res['cold_s']:.2f} s")
    (out / "postgis_answers.pkl").write_bytes(pickle.dumps(rows))
    if compare_answers:
        res["compare"] = compare(out, store, rows)
    return res


def _postgis_by_kind(rows: list) -> tuple[dict, dict, dict, dict]:
    """PostGIS's answer rows split by kind: (touching pairs, pairs within reach, nearest per
    layer, county per project)."""
    touch: dict = {}
    within: dict = {}
    near: dict = {}
    county: dict = {}
    for pid, layer, kind, fid, area, length, dist, band, bearing in rows:
        if kind == "touch":
            touch[(pid, layer, fid)] = (area, length, band)
        elif kind == "within":
            within[(pid, layer, fid)] = dist
        elif kind == "near":
            near[(pid, layer)] = (fid, dist, bearing)
        else:
            county[pid] = fid
    return touch, within, near, county


#: The engine's coverage rows: statements about the data, not pairs of project and feature.
COVERAGE_RELATIONS = ("outside_extent", "no_coverage")


def _compare_conflicts(pid: int, conflicts: list, touch: dict, within: dict, diff: dict) -> None:
    """Count into ``diff`` where the engine's conflicts of project ``pid`` differ from PostGIS's
    (pairs of project and feature: the caller leaves the coverage rows out)."""
    for layer, fid, _rule, relation, area, length, dist in conflicts:
        if dist == 0:
            got = touch.get((pid, layer, fid))
            if got is None or got[0] is None:
                diff["conflict_pairs"] += 1
                continue
            if abs(got[0] - area) > max(1e-6 * area, 1e-3) or abs(got[1] - length) > max(1e-6 * length, 1e-3):
                diff["areas"] += 1
            if relation != "within_distance" and (relation == "near_boundary") != bool(got[2]):
                diff["band"] += 1
        else:
            got_d = within.get((pid, layer, fid))
            if got_d is None:
                diff["conflict_pairs"] += 1
            elif abs(got_d - dist) > 1e-3:
                diff["distances"] += 1


def _compare_nearby(pid: int, nearby: dict, near: dict, diff: dict) -> None:
    """Count into ``diff`` where the engine's nearest features of project ``pid`` differ from PostGIS's."""
    pg_layers = {layer for (p, layer) in near if p == pid}
    if set(nearby) != pg_layers:
        diff["nearby"] += 1
    for layer, (fid, dist, bearing) in nearby.items():
        got = near.get((pid, layer))
        if got is None:
            continue
        if abs(got[1] - dist) > 1e-3 or (got[0] != fid and abs(got[1] - dist) > 1e-3):
            diff["distances"] += 1
        elif abs(((got[2] - bearing) + 180) % 360 - 180) > 0.02:
            diff["bearings"] += 1


def compare(out: Path, store: object, rows: list) -> dict:
    """Differences between the engine's batch answers and PostGIS's."""
    eng = pickle.loads((out / "engine_answers.pkl").read_bytes())
    touch, within, near, county = _postgis_by_kind(rows)
    admin_names = list(store.layer("admin")["name"]) if "admin" in store.layer_ids else []  # type: ignore[attr-defined]
    diff = {"conflict_pairs": 0, "areas": 0, "band": 0, "distances": 0, "nearby": 0, "bearings": 0, "county": 0}
    checked = {"conflicts": 0, "nearby": 0, "coverage": 0}
    for pid, a in enumerate(eng):
        # Coverage rows (a project partly outside the store's admin extent, a layer without
        # data there) name no feature and are not asked of PostGIS: counted apart.
        pairs = [c for c in a["conflicts"] if c[3] not in COVERAGE_RELATIONS]
        checked["coverage"] += len(a["conflicts"]) - len(pairs)
        checked["conflicts"] += len(pairs)
        checked["nearby"] += len(a["nearby"])
        _compare_conflicts(pid, pairs, touch, within, diff)
        _compare_nearby(pid, a["nearby"], near, diff)
        want = admin_names[county[pid]] if county.get(pid) is not None else None
        if (want or None) != (a["county"] or None):
            diff["county"] += 1
    return {"differences": diff, "checked": checked}


# --- scale --------------------------------------------------------------------------------


def _script(name: str, *argv: str, json_out: Path) -> dict:
    """Run ``benchmarks/NAME`` in its own process (its output shown as it runs); its JSON."""
    subprocess.run([PY, str(HERE / name), *argv, "--json", str(json_out)], check=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    return json.loads(json_out.read_text())


def scale_bench(out: Path, *, quick: bool, full: bool) -> dict:
    """Step 6: the curves, the dask LocalCluster and the app under 20 sessions (their scripts)."""
    from benchmarks import curves_bench, dask_bench

    res: dict = {}
    work = out / "scale"
    work.mkdir(exist_ok=True)
    log("scale: curves of time and memory against store and batch size ...")
    sizes = "1000,5000" if quick else ("10000,100000,1000000" if full else "10000,100000")
    max_projects = 1000 if quick else (1_000_000 if full else 10_000)
    store = out / "zones.gpkg"
    # The committed plot spans 10^4–10^6 (--full-scale, benchmarks/curves_recorded.json): a
    # default run's narrower curves are drawn beside its other outputs instead of over it.
    curve_args = ["--work", str(work / "curves"), "--store-sizes", sizes, "--max-projects", str(max_projects),
                  "--png", str(HERE / "curves.png" if full else work / "curves.png"),
                  "--store", str(store)]  # fmt: skip  # the store of step 1 (10^5 polygons; --quick: 5,000)
    res["curves"] = _script("curves_bench.py", *curve_args, json_out=work / "curves.json")
    res["curves_table"] = curves_bench.table(res["curves"])
    log("scale: a batch on a dask LocalCluster of 2 workers ...")
    dask_projects = out / "projects.gpkg"
    if full:
        dask_projects = curves_bench.projects_file(work / "curves", 1_000_000)
    res["dask"] = _script("dask_bench.py", "--store", str(store), "--store-cache", str(out / "cli_cache"), "--projects",
                          str(dask_projects), "--work", str(work / "dask"), json_out=work / "dask.json")  # fmt: skip
    res["dask_table"] = dask_bench.table(res["dask"])
    log("scale: 20 concurrent app sessions in Chromium ...")
    res["app"] = _script("app_load_bench.py", str(out), "--sessions", "5" if quick else "20", "--cache-dir",
                         str(work / "app"), json_out=work / "app.json")  # fmt: skip
    res["app"].pop("concurrent_raw", None)
    res["app_table"] = app_table(res["app"])
    return res


def app_table(app: dict) -> str:
    """The app under concurrent sessions: errors, p50/p95, memory."""
    c, mem = app["concurrent"], app["memory"]
    ready = mem["ready"]["rss"]  # app_load_bench.memory_mb: MB under "rss"
    n = c["sessions"]
    after = mem[f"after_{n}"]["rss"]
    s = c.get("screen_s", {"p50": float("nan"), "p95": float("nan"), "max": float("nan")})
    lines = [
        f"| app, {n} concurrent sessions | sessions without error | screen p50 | screen p95 | max | server RSS ready → after {n} | tracebacks |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| one browser each, typed polygon, screened | {c['ok']} / {n} | {s['p50']:.1f} s | {s['p95']:.1f} s | {s['max']:.1f} s | "
        f"{ready:.0f} → {after:.0f} MB | {app.get('server_tracebacks', 0)} |",
    ]
    return "\n".join(lines)


# --- report -------------------------------------------------------------------------------


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "-"
    return f"{theirs / ours:.1f}x faster" if ours <= theirs else f"{ours / theirs:.1f}x slower"


def table(m: dict, data: dict, eng: dict, pgr: dict | None, mapr: dict | None) -> str:
    w, c = eng["warm"], eng["cold"]
    p = pgr or {}
    n = w["batch_n"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; {m['os']}; Python {m['python']}, "
        f"shapely/GEOS {m['shapely / GEOS']}. Date: {m['date']}.",
        f"Data: {data['polygons']:,} zone polygons + {data['features'].get('shoreline', 0) - round(data['polygons'] * 0.10):,} "
        f"shoreline lines + {data['features'].get('water_intake', 0):,} intake points, {data['vertices']:,} vertices, "
        f"{len(data['features'])} layers ({data['store_mb']:.0f} MB GeoPackage); {n:,} projects.",
        "",
        "| measure | engine | PostGIS 3 + GiST | engine vs PostGIS | target |",
        "|---|---:|---:|---|---|",
        f"| one project, warm, p50 | {w['single_p50_ms']:.2f} ms | {_fmt(p.get('single_p50_ms'), 'ms')} | "
        f"{_ratio(w['single_p50_ms'], p.get('single_p50_ms'))} | ≤ 2 ms |",
        f"| one project, warm, p95 | {w['single_p95_ms']:.2f} ms | {_fmt(p.get('single_p95_ms'), 'ms')} | "
        f"{_ratio(w['single_p95_ms'], p.get('single_p95_ms'))} | |",
        f"| batch of {n:,} projects | {w['batch_s']:.1f} s | {_fmt(p.get('batch_s'), 's')} | "
        f"{_ratio(w['batch_s'], p.get('batch_s'))} | ≤ ⅓ of PostGIS |",
        f"| cold start (open → first result), store pack in place | {c['cold_s']:.2f} s | {_fmt(p.get('cold_s'), 's')} | "
        f"{_ratio(c['cold_s'], p.get('cold_s'))} | ≤ 3 s |",
        f"| cold start, first open ever (builds the cache) | {eng['first_open']['cold_s']:.2f} s | "
        f"{_fmt(p.get('load', {}).get('total_s'), 's')} (load + index) | | |",
        f"| Python imports before the store opens | {c['import_s']:.2f} s | | | |",
        f"| peak memory (RSS; PostGIS: PSS of all server processes) | {w['peak_rss_mb']:.0f} MB | "
        f"{_fmt(p.get('peak_pss_mb'), 'MB', 0)} | | reported |",
    ]
    if pgr and "compare" in pgr:
        d = pgr["compare"]["differences"]
        ck = pgr["compare"]["checked"]
        lines += [
            "",
            f"Same answers: {ck['conflicts']:,} engine conflicts and {ck['nearby']:,} nearby features checked against "
            f"PostGIS: " + (", ".join(f"{k} {v}" for k, v in d.items() if v) or "no differences") + "."
            + (f" (Besides, {ck['coverage']:,} coverage rows — projects partly outside the data's extent — which"
               " name no feature and are not asked of PostGIS.)" if ck.get("coverage") else ""),
        ]
    if mapr:
        lines += ["", *mapr.get("lines", [])]
    return "\n".join(lines)


def cli_table(m: dict, data: dict, cli: dict, pgr: dict | None) -> str:
    """The CLI end to end beside PostGIS's batch query (``cli_bench``), with the targets."""
    pg_s = (pgr or {}).get("batch_s")
    n = data["projects"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; load average before the run {m['load']} "
        f"(1/5/15 min; the cores are shared with other work). Date: {m['date']}.",
        f"Data: {data['polygons']:,} zone polygons, {data['vertices']:,} vertices ({data['store_mb']:.0f} MB GeoPackage); "
        f"{n:,} projects, every answer written as JSON.",
        "",
        f"| {n:,} projects, all answers | wall time | peak RSS, largest process | peak, all processes | CLI / PostGIS | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    first = cli["first"]
    lines.append(
        f"| CLI, first open of this store version (writes the pack), 1 process | {first['seconds']:.1f} s | "
        f"{first['peak_rss_mb']:.0f} MB | {first['peak_tree_mb']:.0f} MB | {_share(first['seconds'], pg_s)} | |"
    )
    for w, r in cli["runs"].items():
        same = "" if r["identical"] else " (**output differs**)"
        lines.append(
            f"| CLI end to end, pack in place, `--workers {w}`{same} | {r['seconds']:.1f} s | {r['peak_rss_mb']:.0f} MB | "
            f"{r['peak_tree_mb']:.0f} MB | {_share(r['seconds'], pg_s)} | ≤ 1.0, ≤ 1 GB |"
        )
    if pgr:
        lines.append(
            f"| PostGIS 3 + GiST, the batch as SQL (tables loaded, reprojected and indexed beforehand: "
            f"{pgr['load']['total_s']:.0f} s) | {pg_s:.1f} s | | {_fmt(pgr.get('peak_pss_mb'), 'MB', 0)} (PSS) | 1.0 | |"
        )
    same = all(r["identical"] for r in cli["runs"].values())
    lines += ["", f"Outputs of every CLI run byte-identical apart from the time stamp: {'yes' if same else 'NO'}."]
    return "\n".join(lines)


def _share(ours: float, theirs: float | None) -> str:
    return "-" if not theirs else f"{ours / theirs:.2f}"


def _fmt(v: float | None, unit: str, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f} {unit}"


def record(text: str, section: str = "results") -> None:
    readme = HERE / "README.md"
    body = readme.read_text(encoding="utf-8")
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-postgis", action="store_true")
    ap.add_argument("--skip-map", action="store_true")
    ap.add_argument("--single", type=int, default=1000)
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--cli-only", action="store_true", help="only the CLI end to end beside PostGIS's batch")
    ap.add_argument("--workers", default="1,2", help="--workers values of the CLI runs (comma-separated)")
    ap.add_argument("--skip-scale", action="store_true", help="no curves, dask or concurrent-app step")
    ap.add_argument("--full-scale", action="store_true", help="scale step up to 10^6 features and projects (hours)")
    args = ap.parse_args()
    started = time.perf_counter()
    out = out_dir(args.quick)
    m = machine()
    data = ensure_data(out, quick=args.quick)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    if args.cli_only:
        cli_only(args, out, m, data, workers, started)
        return
    eng = engine_bench(out, args.single)
    pgr = None if args.skip_postgis else postgis_bench(out, eng["warm"]["single_sample"])
    mapr = None
    if not args.skip_map:
        from benchmarks import map_bench

        mapr = map_bench.run(out, log=log)
    cli = cli_bench.run(out, workers=workers, log=log)
    scale = None if args.skip_scale else scale_bench(out, quick=args.quick, full=args.full_scale)
    text = table(m, data, eng, pgr, mapr)
    text += f"\n\n`make bench` wall time: {(time.perf_counter() - started) / 60:.1f} min."
    cli_text = cli_table(m, data, cli, pgr)
    scale_text = "" if scale is None else "\n\n".join((scale["curves_table"], scale["dask_table"], scale["app_table"]))
    (out / "results.md").write_text(text + "\n\n" + cli_text + "\n\n" + scale_text + "\n", encoding="utf-8")
    (out / "results.json").write_text(json.dumps({"machine": m, "data": data, "engine": eng, "postgis": pgr, "map": mapr, "cli": cli, "scale": scale}, indent=1, default=str))
    print("\n" + text + "\n\n" + cli_text + "\n\n" + scale_text)
    if args.record:
        record(text)
        record(cli_text, "cli-results")
        if scale is not None:
            record(scale_text, "scale-results")
        log("recorded in benchmarks/README.md")


def cli_only(args: argparse.Namespace, out: Path, m: dict, data: dict, workers: list[int], started: float) -> None:
    """``--cli-only``: the CLI end to end (``cli_bench``) and PostGIS's batch, side by side."""
    cli = cli_bench.run(out, workers=workers, log=log)
    pgr = None if args.skip_postgis else postgis_bench(out, [], compare_answers=False)
    text = cli_table(m, data, cli, pgr)
    text += f"\n\n`benchmarks/run.py --cli-only` wall time: {(time.perf_counter() - started) / 60:.1f} min."
    (out / "cli_results.md").write_text(text + "\n", encoding="utf-8")
    (out / "cli_results.json").write_text(json.dumps({"machine": m, "data": data, "cli": cli, "postgis": pgr}, indent=1, default=str))
    print("\n" + text)
    if args.record:
        record(text, "cli-results")
        log("recorded in benchmarks/README.md")


if __name__ == "__main__":
    main()
