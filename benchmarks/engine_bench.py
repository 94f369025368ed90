"""The engine side of the benchmark, run in fresh processes by ``benchmarks/run.py``.

``python benchmarks/engine_bench.py cold STORE PROJECTS`` - a new process: import, open the
store, screen the first project; prints JSON timings and the peak RSS.
``python benchmarks/engine_bench.py warm STORE PROJECTS ANSWERS`` - open, warm the indexes
of every work CRS, then one project at a time (p50/p95) and the whole batch; writes the
batch's answers (for the comparison with PostGIS) and prints JSON.
"""

from __future__ import annotations

import json
import pickle
import resource
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from layers.store import ZoneStore  # noqa: E402
from zoning.engine import screen  # noqa: E402
from zoning.model import Project  # noqa: E402

_IMPORTED = time.perf_counter()


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_projects(path: str) -> list[Project]:
    """The generated projects as engine input (type key and attributes per feature)."""
    import pandas as pd
    import pyogrio

    gdf = pyogrio.read_dataframe(path, layer="projects")
    out = []
    for row in gdf.itertuples():
        attrs = {}
        if row.scale_head is not None and not pd.isna(row.scale_head):
            attrs["scale_head"] = int(row.scale_head)
        if row.unavoidable is not None and not pd.isna(row.unavoidable):
            attrs["unavoidable"] = bool(row.unavoidable)
        out.append(Project(row.name, row.type, row.geometry, attrs))
    return out


def cold(store_path: str, projects_path: str) -> dict:
    projects = load_projects(projects_path)[:1]
    t_open = time.perf_counter()
    store = ZoneStore.open(store_path)
    t_opened = time.perf_counter()
    result = screen(projects, store)
    t_first = time.perf_counter()
    return {
        "import_s": _IMPORTED - _T0,
        "open_s": t_opened - t_open,
        "first_result_s": t_first - t_opened,
        "cold_s": t_first - t_open,
        "conflicts": len(result[0].conflicts),
        "peak_rss_mb": peak_rss_mb(),
    }


def answers(results: list) -> list[dict]:
    """What PostGIS is asked too, per project: conflicts, nearby, county."""
    out = []
    for r in results:
        out.append(
            {
                "work_crs": r.project.work_crs,
                "county": r.project.county,
                "conflicts": [
                    (c.layer, c.feature_id, c.rule_id, c.relation, c.overlap_area_m2, c.overlap_length_m, c.distance_m)
                    for c in r.conflicts
                ],
                "nearby": {n.layer: (n.feature_id, n.distance_m, n.bearing_deg) for n in r.nearby},
            }
        )
    return out


def warm(store_path: str, projects_path: str, answers_path: str, n_single: int) -> dict:
    projects = load_projects(projects_path)
    store = ZoneStore.open(store_path)
    t = time.perf_counter()
    screen(projects[:300], store)  # builds the indexes of every work CRS the projects need
    warmup_s = time.perf_counter() - t
    rng = np.random.default_rng(1)
    sample = rng.choice(len(projects), size=min(n_single, len(projects)), replace=False)
    times = []
    for i in sample:
        t = time.perf_counter()
        screen([projects[int(i)]], store)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    results = screen(projects, store)
    batch_s = time.perf_counter() - t
    Path(answers_path).write_bytes(pickle.dumps(answers(results)))
    ms = np.asarray(times) * 1e3
    return {
        "single_p50_ms": float(np.percentile(ms, 50)),
        "single_p95_ms": float(np.percentile(ms, 95)),
        "single_n": len(ms),
        "single_sample": [int(i) for i in sample],
        "batch_s": batch_s,
        "batch_n": len(projects),
        "warmup_s": warmup_s,
        "conflicts": sum(len(r.conflicts) for r in results),
        "nearby": sum(len(r.nearby) for r in results),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "cold":
        out = cold(argv[1], argv[2])
    elif mode == "warm":
        out = warm(argv[1], argv[2], argv[3], int(argv[4]) if len(argv) > 4 else 1000)
    else:
        msg = f"unknown mode {mode!r}; expected cold or warm"
        raise SystemExit(msg)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
