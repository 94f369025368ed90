"""The app under concurrent use: N real sessions screening a typed project on the benchmark store.

``streamlit run serve.py`` (the app as served, with its security headers) on a free port,
``ZONING_STORE`` = the benchmark store, and Debian's chromium through Playwright: a browser
and a context (a separate Streamlit session, its own cookies and websocket) per user. Each user
opens the screen page, types the corners of one of the benchmark's polygon projects, marks it
a polygon, chooses 一般工业项目 and waits for the verdict. Times per session:

* *screen*: from the click on the project type (the run that screens) to the verdict drawn;
* *session*: from navigation to the verdict drawn (page load, typing, maps, screening).

First the first visit after the server started (it loads the display layers; reported apart),
then one session alone on the warm server, then ``--sessions`` at once. Each user is a
process of its own — its own Playwright driver and browser, as in life — run at the idle
CPU priority (``SCHED_IDLE``; ``--browser-priority normal`` to share the cores evenly): a
user's browser runs on the user's machine, not on the server's cores, so here the browsers
get the cores only when the server does not want them. (At the server's priority, 20
browsers drawing Leaflet maps took 4–9 minutes merely to open the page on 2 cores; ``nice``
is no help, as Chromium run as root sets its own processes' niceness, down to -8.) All users start
together once every browser is up. The server's memory (RSS, PSS and USS of the streamlit process,
psutil) is read after the readiness check, after the lone session and after all concurrent
sessions have their verdict while their sessions are still open, and sampled during them
for its peak: if the engine were copied per session, each session would add the engine's
size; shared (``st.cache_resource``), a session adds only its own widgets and results.
Errors: a session that times out, any ``stException`` element or error alert on a page, and
any traceback in the server's log.

    $ python benchmarks/app_load_bench.py /path/to/out/full --sessions 20

The store folder is only read; the store's pack goes to ``--cache-dir`` (reused between
runs: copy a ``cli_cache`` there to skip writing it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.map_bench import CHROMIUM, CHROMIUM_ARGS, app_server  # noqa: E402

APP_READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
TYPE_LABEL = "一般工业项目"
TIMEOUT_MS = int(os.environ.get("APP_BENCH_TIMEOUT_MS", "600000"))  # per step


def typed_polygons(projects: Path, n: int) -> list[str]:
    """The typed-coordinates text (one ``lon, lat`` per line) of the first ``n`` polygon projects."""
    import geopandas as gpd

    gdf = gpd.read_file(projects)
    polys = gdf[gdf.geom_type == "Polygon"].geometry.iloc[:n]
    return ["\n".join(f"{x:.7f}, {y:.7f}" for x, y in list(p.exterior.coords)[:-1]) for p in polys]


def memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of the server process in MB."""
    import psutil

    full = psutil.Process(pid).memory_full_info()
    out = {"rss": full.rss / 1e6, "pss": getattr(full, "pss", full.rss) / 1e6, "uss": full.uss / 1e6}
    # Anonymous pages are the process's own objects; file pages are mostly the store's
    # memory-mapped pack, touched where the projects are (shared with every other reader).
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("RssAnon", "RssFile", "RssShmem"):
            out[key] = int(value.split()[0]) / 1e3
    return out


class PeakSampler:
    """The largest RSS of ``pid`` seen every 100 ms while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, memory_mb(self.pid)["rss"])
            self._stop.wait(0.1)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def _choose_type(page, mark) -> int:
    """Pick 一般工业项目 in the project-type box (retried: a rerun may redraw the box mid-pick)."""
    from playwright.async_api import Error as PlaywrightError

    box = page.locator("[data-testid='stSelectbox']").filter(has_text="项目类型")
    for attempt in range(3):
        await page.wait_for_selector(APP_READY, timeout=TIMEOUT_MS)
        mark(f"pick {attempt + 1}: app ready")
        await box.click()
        mark(f"pick {attempt + 1}: box open")
        await page.keyboard.type(TYPE_LABEL)
        mark(f"pick {attempt + 1}: typed")
        option = page.get_by_role("option").filter(has_text=TYPE_LABEL).first
        try:
            await option.wait_for(timeout=60_000)
            mark(f"pick {attempt + 1}: listed")
            # Its own timeout: with the context's 600 s, a click Playwright could not make
            # (the list redrawn under it) held a session for ten minutes, where a user
            # would have clicked again.
            await option.click(timeout=60_000)
            mark(f"pick {attempt + 1}: chosen")
            return attempt + 1
        except PlaywrightError as err:
            mark(f"pick {attempt + 1}: failed: {str(err).splitlines()[0][:120]}")
            await page.keyboard.press("Escape")
    msg = f"could not choose {TYPE_LABEL} in the project-type box"
    raise RuntimeError(msg)


async def one_session(browser, url: str, coords: str, shot: Path | None = None) -> dict:
    """One user, in a context of its own: open, type the corners, choose the type, wait for the verdict."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)  # 20 browsers share the server's 2 cores
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = await context.new_page()
    step = "open"
    t0 = time.perf_counter()
    steps: dict[str, float] = {}  # seconds since the start at each step: where a slow session waited

    def mark(name: str) -> None:
        steps[name] = round(time.perf_counter() - t0, 2)

    try:
        await page.goto(url, wait_until="commit")
        await page.wait_for_selector(APP_READY)
        mark("opened")
        step = "type the corners"
        await page.get_by_text("输入坐标", exact=True).click()
        area = page.locator("[data-testid='stTextArea'] textarea").first
        await area.fill(coords)
        await area.press("Control+Enter")
        await page.get_by_text("面", exact=True).click()
        await page.wait_for_selector(APP_READY)
        mark("corners typed")
        step = "choose the type"
        t1 = time.perf_counter()
        attempts = await _choose_type(page, mark)
        step = "wait for the verdict"
        verdict = page.locator(".ez-verdict").first
        await verdict.wait_for()
        t2 = time.perf_counter()
        mark("verdict")
        await page.wait_for_selector(APP_READY)
        errors = await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
        return {"ok": errors == 0, "session_s": t2 - t0, "screen_s": t2 - t1,
                "verdict": await verdict.get_attribute("data-verdict"), "errors_on_page": errors,
                "type_pick_attempts": attempts, "steps": steps, "context": context}  # fmt: skip
    except Exception as err:  # noqa: BLE001 - a failed session is a number in the report
        if shot is not None:
            with contextlib.suppress(Exception):
                await page.screenshot(path=str(shot))
        return {"ok": False, "error": f"{step}: {str(err).splitlines()[0][:300]}", "steps": steps, "context": context}


def _p(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation (statistics.quantiles, inclusive)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def summarize(results: list[dict]) -> dict:
    ok = [r for r in results if r["ok"]]
    out: dict = {"sessions": len(results), "ok": len(ok), "failed": [r.get("error") or r for r in results if not r["ok"]]}
    for key in ("screen_s", "session_s"):
        vals = sorted(r[key] for r in ok)
        if vals:
            out[key] = {"p50": _p(vals, 0.5), "p95": _p(vals, 0.95), "max": vals[-1]}
    out["verdicts"] = sorted({r.get("verdict") for r in ok})
    return out


async def _child(url: str, coords: str, shot: str, priority: str) -> None:
    """One user in this process: its own Playwright driver and browser. Prints "ready" once
    the browser is up, waits for a line on stdin, runs the session and prints its result."""
    from playwright.async_api import async_playwright

    if priority == "idle":  # inherited by the driver and the browser started below
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        result = await one_session(browser, url, coords, Path(shot) if shot else None)
        context = result.pop("context")
        print(json.dumps(result, ensure_ascii=False), flush=True)
        # The session stays open until told (the server's memory is read with every user on).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await context.close()
        await browser.close()


class Users:
    """``n`` user processes (:func:`_child`), started at once on a signal."""

    def __init__(self, url: str, texts: list[str], shots: list[Path | None], priority: str) -> None:
        self.procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--child", url, "--coords", text, "--shot", str(shot or ""), "--browser-priority", priority],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            )
            for text, shot in zip(texts, shots, strict=True)
        ]  # fmt: skip

    def _say(self, word: str) -> None:
        for p in self.procs:
            with contextlib.suppress(BrokenPipeError):
                p.stdin.write(word + "\n")  # type: ignore[union-attr]
                p.stdin.flush()  # type: ignore[union-attr]

    def run(self) -> list[dict]:
        """Wait until every browser is up, start all users, return their results in order."""
        for p in self.procs:
            line = p.stdout.readline().strip()  # type: ignore[union-attr]
            if line != "ready":
                msg = f"a user's browser did not start (said {line!r})"
                raise RuntimeError(msg)
        self._say("go")
        out = []
        for p in self.procs:
            line = p.stdout.readline()  # type: ignore[union-attr]
            out.append(json.loads(line) if line.strip() else {"ok": False, "error": "the user process died", "steps": {}})
        return out

    def close(self) -> None:
        self._say("close")
        for p in self.procs:
            try:
                p.wait(timeout=120)
            except Exception:  # noqa: BLE001 - a user that does not leave is stopped
                p.kill()


def measure(url: str, pid: int, texts: list[str], sessions: int, shots: Path, priority: str) -> dict:
    res: dict = {"memory": {"ready": memory_mb(pid)}, "browser_priority": priority}
    # The first visit after a start loads the display layers and maps the pack's pages:
    # reported on its own, then one session alone on the warm server.
    for name, text in (("first_visit", texts[0]), ("alone", texts[1 % len(texts)])):
        user = Users(url, [text], [None], priority)
        res[name] = summarize(user.run())
        if name == "alone":
            res["memory"]["after_1"] = memory_mb(pid)
        user.close()
    print(f"[app] one session: {json.dumps(res['alone'], ensure_ascii=False)}", flush=True)
    users = Users(url, [texts[i % len(texts)] for i in range(sessions)], [shots / f"failed-{i}.png" for i in range(sessions)], priority)
    try:
        start = time.perf_counter()
        with PeakSampler(pid) as peak:
            many = users.run()
        res["wall_s"] = time.perf_counter() - start
        res["memory"][f"after_{sessions}"] = memory_mb(pid)  # every session still open
        res["memory"]["peak_rss_during"] = peak.peak
    finally:
        users.close()
    res["concurrent"] = summarize(many)
    res["concurrent_raw"] = many
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", help="folder with zones.gpkg and projects.gpkg (read only)")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/zoning-app-bench-cache"))
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--browser-priority", choices=("idle", "normal"), default="idle",
                    help="CPU priority of the users' browsers: idle (SCHED_IDLE, the default) or normal")
    ap.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)  # one user's process (Users)
    ap.add_argument("--coords", help=argparse.SUPPRESS)
    ap.add_argument("--shot", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        asyncio.run(_child(args.child, args.coords, args.shot, args.browser_priority))
        return
    if args.folder is None:
        ap.error("the store folder is required")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    log_path = args.cache_dir / "streamlit.log"
    texts = typed_polygons(args.folder / "projects.gpkg", args.sessions)
    load_before = os.getloadavg()
    t = time.perf_counter()
    server = app_server(args.folder / "zones.gpkg", args.cache_dir, log_path, script="serve.py", warm=True, warm_timeout_s=900)
    with server as (url, proc):
        pid = proc.pid
        print(f"[app] server ready in {time.perf_counter() - t:.1f} s (pid {pid})", flush=True)
        res = measure(url, pid, texts, args.sessions, args.cache_dir, args.browser_priority)
    log = log_path.read_text(errors="replace")
    res["server_tracebacks"] = log.count("Traceback")
    res["load_average_before"] = load_before
    res["load_average_after"] = os.getloadavg()
    print(json.dumps({k: v for k, v in res.items() if k != "concurrent_raw"}, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
