"""The CLI end to end on the benchmark batch: what a reviewer runs, timed from process start
to the output file written (``make bench``, ``benchmarks/run.py``).

``python -m zoning screen projects.gpkg --type-field type --zones zones.gpkg --format json -o
OUT`` in a fresh process, first with an empty store cache (the first open of a store version
writes its pack, ``layers/_pack.py``), then with the pack in place for each ``--workers`` value
asked for. Wall time is the child's whole life (interpreter start, imports, store open,
reading the projects, screening, writing the JSON). Memory is sampled every 20 ms over the
process and its worker processes: the peak of the largest one (RSS) and of their sum (PSS
where the kernel gives it: pages of the memory-mapped pack shared by the workers are counted
once). The outputs of every run must be the same bytes apart from the time stamp.

    $ python benchmarks/cli_bench.py benchmarks/out/full 1 2
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["run", "timed_run"]

PY = sys.executable
REPO = Path(__file__).resolve().parent.parent
#: The readers' limits raised for the benchmarks' inputs (10^6 generated projects are genuine;
#: the defaults refuse them, as they should from a visitor).
BIG_INPUTS = {"ZONING_MAX_BATCH": "10000000", "ZONING_MAX_FEATURES": "10000000"}
_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")


def _memory(proc: object) -> tuple[float, float]:
    """(largest RSS, sum of PSS or RSS) in MB over ``proc`` and its children (psutil)."""
    import psutil

    tree = [proc, *proc.children(recursive=True)]  # type: ignore[attr-defined]
    largest = total = 0.0
    for p in tree:
        try:
            full = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        largest = max(largest, full.rss / 1e6)
        total += getattr(full, "pss", full.rss) / 1e6
    return largest, total


def timed_run(args: Sequence[str], *, env: dict[str, str]) -> dict:
    """Run ``args`` and measure it: wall seconds and peak memory of its process tree."""
    import psutil

    start = time.perf_counter()
    child = subprocess.Popen(list(args), env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc = psutil.Process(child.pid)
    peak_rss = peak_sum = 0.0
    while child.poll() is None:
        try:
            rss, total = _memory(proc)
        except psutil.NoSuchProcess:
            break
        peak_rss, peak_sum = max(peak_rss, rss), max(peak_sum, total)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
    if child.wait() != 0:
        msg = f"{' '.join(args)} failed ({child.returncode}):\n{err[-2000:]}"
        raise RuntimeError(msg)
    return {"seconds": seconds, "peak_rss_mb": peak_rss, "peak_tree_mb": peak_sum}


def run(out: Path, *, workers: Sequence[int] = (1, 2), log: Callable[[str], None] = print) -> dict:
    """The CLI on ``out``/projects.gpkg against ``out``/zones.gpkg: the first open (an
    empty cache, ``out``/cli_cache) with one worker, then one run per ``workers`` value."""
    cache = out / "cli_cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "ZONING_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    base = [PY, "-m", "zoning", "screen", str(out / "projects.gpkg"), "--type-field", "type",
            "--zones", str(out / "zones.gpkg"), "--format", "json", "--overwrite"]  # fmt: skip
    res: dict = {}
    log("cli: first open of the store (writes its pack) ...")
    res["first"] = timed_run([*base, "-o", str(out / "cli_first.json"), "--workers", "1"], env=env)
    log(f"cli: {res['first']['seconds']:.1f} s, peak {res['first']['peak_rss_mb']:.0f} MB")
    want = _STAMP.sub(b"", (out / "cli_first.json").read_bytes())
    res["runs"] = {}
    for n in workers:
        target = out / f"cli_w{n}.json"
        got = timed_run([*base, "-o", str(target), "--workers", str(n)], env=env)
        got["identical"] = _STAMP.sub(b"", target.read_bytes()) == want
        got["output_mb"] = target.stat().st_size / 1e6
        res["runs"][n] = got
        log(f"cli --workers {n}: {got['seconds']:.1f} s, peak {got['peak_rss_mb']:.0f} MB (largest process), "
            f"{got['peak_tree_mb']:.0f} MB (all), same bytes: {got['identical']}")  # fmt: skip
    return res


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "benchmarks" / "out" / "full"
    counts = [int(a) for a in sys.argv[2:]] or [1, 2]
    print(json.dumps(run(folder, workers=counts), indent=1))
