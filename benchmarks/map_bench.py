"""The public map at province scale: payload and first render in Chromium, and the exported
static site under load (wrk behind nginx).

* ``python -m zoning export-map`` of the benchmark store into benchmarks/out/<size>/site;
* that site served by nginx (Debian's ``nginx-light``; a throwaway config on a free port,
  access log off) and opened in Debian's chromium through Playwright at 1280x800: bytes
  transferred until the map is drawn, and the time from navigation to the first drawn map
  (``window.__mapReady``, set when the first screen of zone tiles is drawn);
* the app's own public page (``streamlit run app.py`` with ``ZONING_STORE`` = the benchmark
  store): bytes and time until its map is drawn (the first run includes building the
  display layers; it is measured as a user would meet it after a server start, then again);
* wrk (2 threads, 64 connections, 10 s) on a mix of the site's tile URLs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks._proc import stop_process

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        time.sleep(0.2)
    msg = f"{url} did not answer within {timeout_s:.0f} s"
    raise RuntimeError(msg)


def exporter_files() -> list[Path]:
    """The code that makes the exported site: the tile writer, the exporter and the site's
    own files (zoning/publish/), and the tile script."""
    publish = REPO / "zoning" / "publish"
    files = sorted(p for p in publish.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [*files, REPO / "static" / "js" / "zonetiles.js"]


def export_site(out: Path, log: Callable[[str], None]) -> dict:
    """The exported site of the benchmark store (reused when made from the same store file)."""
    site = out / "site"
    stamp = out / "site.json"
    store = out / "zones.gpkg"
    # Reused only when made from the same store by the same exporter code.
    code = hashlib.sha256()
    for path in exporter_files():
        code.update(path.read_bytes())
    key = {"store_mtime_ns": store.stat().st_mtime_ns, "store_size": store.stat().st_size, "code": code.hexdigest()}
    if site.exists() and stamp.exists() and json.loads(stamp.read_text()).get("key") == key:
        return json.loads(stamp.read_text())["report"]
    log("map: export-map of the benchmark store ...")
    t = time.perf_counter()
    # --overwrite: a site made by other code or from another store (its stamp did not match)
    # is replaced; the CLI refuses a non-empty folder otherwise.
    done = subprocess.run(
        [sys.executable, "-m", "zoning", "export-map", str(site), "--zones", str(store), "--overwrite"], cwd=REPO,
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        msg = f"export-map failed (exit {done.returncode}): {done.stderr.strip()[-1000:]}"
        raise RuntimeError(msg)
    files = [p for p in site.rglob("*") if p.is_file()]
    report = {
        "seconds": time.perf_counter() - t,
        "megabytes": sum(p.stat().st_size for p in files) / 1e6,
        "tiles": sum(1 for p in (site / "tiles").rglob("*.json")),
    }
    stamp.write_text(json.dumps({"key": key, "report": report}))
    return report


@contextlib.contextmanager
def nginx(root: Path) -> Iterator[str]:
    """nginx serving ``root`` on a free loopback port (a throwaway config)."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(exe).exists():
        msg = "nginx not found; install it (apt-get install nginx-light) for the map benchmark"
        raise SystemExit(msg)
    port = _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="zoning-nginx-"))
    user = "user root;" if os.geteuid() == 0 else ""
    conf = f"""
{user}
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  open_file_cache max=20000 inactive=60s;
  gzip_static on; gzip on; gzip_types application/json text/css application/javascript; gzip_comp_level 1;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{ listen 127.0.0.1:{port}; root {root.resolve()}; location / {{ try_files $uri =404; }} }}
}}
"""
    (tmp / "nginx.conf").write_text(conf)
    proc = subprocess.Popen([exe, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_http(f"{url}/index.html", timeout_s=20)
        except RuntimeError:
            proc.terminate()
            msg = f"nginx did not start: {proc.communicate()[1].decode(errors='replace')[-500:]}"
            raise RuntimeError(msg) from None
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def _browser_measure(url: str, ready_js: str, *, timeout_ms: int = 120_000) -> dict:
    """Open ``url`` in a fresh chromium; bytes and ms until ``ready_js`` is true, hosts asked."""
    from playwright.sync_api import sync_playwright

    sizes: list[int] = []
    ws_sizes: list[int] = []
    hosts: set[str] = set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda e: sizes.append(int(e.get("encodedDataLength", 0))))
        # Streamlit sends the page (and a folium map's HTML) over its websocket: counted too.
        cdp.on("Network.webSocketFrameReceived", lambda e: ws_sizes.append(_frame_bytes(e["response"])))
        page.on("request", lambda r: hosts.add(re.sub(r"^[a-z]+://([^/]+).*$", r"\1", r.url)))
        t = time.perf_counter()
        page.goto(url, wait_until="commit")
        # As a function: an expression string is run through the page's eval, which the
        # site's Content-Security-Policy (script-src 'self') forbids.
        page.wait_for_function(f"() => ({ready_js})", timeout=timeout_ms, polling=50)
        wall_ms = (time.perf_counter() - t) * 1e3
        nav_ms = page.evaluate("performance.now()")
        page.wait_for_timeout(300)  # let the last responses of the first screen finish counting
        browser.close()
    return {
        "ms": wall_ms, "page_clock_ms": nav_ms, "bytes": sum(sizes) + sum(ws_sizes), "http_bytes": sum(sizes),
        "websocket_bytes": sum(ws_sizes), "requests": len(sizes), "hosts": sorted(hosts),
    }  # fmt: skip


def _frame_bytes(frame: dict) -> int:
    """Bytes of a websocket frame as CDP reports it (binary frames come base64-encoded)."""
    data = frame.get("payloadData", "")
    return len(data) * 3 // 4 if frame.get("opcode") == 2 else len(data.encode("utf-8"))


def measure_site(url: str) -> dict:
    out = _browser_measure(f"{url}/index.html", "window.__mapReady !== undefined")
    return out


#: The map is drawn when its zones are: a loaded zone tile, or the picture of a dense layer.
_APP_READY = (
    "(() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
    " if (!f || !f.contentDocument) return false; const d = f.contentDocument;"
    " return !!d.querySelector('.zone-tile.leaflet-tile-loaded, img.leaflet-image-layer'); })()"
)


@contextlib.contextmanager
def app_server(store: Path, cache_dir: Path, log_path: Path, *, script: str = "app.py", warm: bool = False,
               warm_timeout_s: float = 300) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run <script>`` on ``store`` on a free port; yields (URL, process) once it
    answers (with ``warm``, once its readiness check has run the app, filling its caches)."""
    port = _free_port()
    # Accounts in a folder of the run's own (never the user's), and screening open to every
    # visitor: the benchmarks measure the screening, not the sign-in.
    env = {**os.environ, "ZONING_STORE": str(store), "ZONING_CACHE_DIR": str(cache_dir),
           "ZONING_DATA_DIR": str(cache_dir / "bureau"), "ZONING_OPEN_SCREENING": "1"}  # fmt: skip
    logf = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=logf, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/_stcore/health")
        if warm:  # the readiness probe a deployment calls: runs the app once, filling its caches
            _wait_http(f"{url}/_stcore/script-health-check", timeout_s=warm_timeout_s)
        yield url, proc
    finally:
        stop_process(proc, timeout_s=20)
        logf.close()


@contextlib.contextmanager
def _app_server(out: Path, log_name: str, *, warm: bool = False) -> Iterator[str]:
    with app_server(out / "zones.gpkg", out / "cache", out / log_name, warm=warm) as (url, _proc):
        yield url


def _visit(url: str) -> dict:
    try:
        return _browser_measure(f"{url}/public", _APP_READY, timeout_ms=600_000)
    except Exception as err:  # noqa: BLE001 - report the failure in the table
        return {"error": str(err).splitlines()[0][:200]}


def measure_app(out: Path, log: Callable[[str], None]) -> dict:
    """The app's public page on the benchmark store: the first visit of a new store version
    (its zone tiles written then, once), then after a server restart, and a visit after that."""
    sys.path.insert(0, str(REPO))
    from ui.static_cache import TILES_DIR

    sha = hashlib.sha256((out / "zones.gpkg").read_bytes()).hexdigest()
    shutil.rmtree(TILES_DIR / sha[:16], ignore_errors=True)
    with _app_server(out, "streamlit-1.log") as url:
        log("map: the app's public page, first visit of this store version (tiles written now) ...")
        new = _visit(url)
    with _app_server(out, "streamlit-2.log") as url:
        log("map: the app's public page after a server restart, twice ...")
        first = _visit(url)
        again = _visit(url)
    with _app_server(out, "streamlit-3.log", warm=True) as url:
        log("map: the app's public page after a restart and the readiness check ...")
        warmed = _visit(url)
    return {"new_version": new, "first": first, "again": again, "warmed": warmed}


def wrk(url: str, site: Path, *, seconds: int = 10, gzip: bool = True) -> dict:
    """Requests/s of nginx serving a mix of the site's URLs (tiles of every zoom, the page)."""
    tiles = [p.relative_to(site).as_posix() for p in (site / "tiles").rglob("*.json")]
    random.Random(1).shuffle(tiles)
    paths = tiles[:2000] + ["index.html", "assets/map.js", "data/meta.json"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write("paths = {" + ",".join(json.dumps("/" + p) for p in paths) + "}\n")
        fh.write("headers = {['Accept-Encoding'] = 'gzip'}\n" if gzip else "headers = {}\n")
        fh.write(
            "counter = 0\nrequest = function()\n  counter = counter + 1\n"
            "  return wrk.format('GET', paths[(counter % #paths) + 1], headers)\nend\n"
        )
        script = fh.name
    try:
        proc = subprocess.run(
            ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", script, url], check=True, capture_output=True, text=True
        )
    finally:
        os.unlink(script)
    text = proc.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+\w+)", text).group(1)
    latency = re.search(r"Latency\s+([\d.]+\w+)", text).group(1)
    return {"requests_per_s": rps, "transfer_per_s": transfer, "mean_latency": latency, "urls": len(paths)}


def run(out: Path, *, log: Callable[[str], None]) -> dict:
    res: dict = {"export": export_site(out, log)}
    site = out / "site"
    with nginx(site) as url:
        log("map: exported site in chromium ...")
        res["site"] = measure_site(url)
        log(f"map: {res['site']['bytes'] / 1e6:.2f} MB, {res['site']['ms']:.0f} ms; wrk ...")
        res["wrk"] = wrk(url, site)
        log(f"map: {res['wrk']['requests_per_s']:.0f} requests/s")
    res["app"] = measure_app(out, log)
    res["lines"] = lines(res)
    return res


def _browser_cell(r: dict) -> str:
    if "error" in r:
        return f"not drawn ({r['error']})"
    off = [h for h in r["hosts"] if not h.startswith("127.0.0.1")]
    ws = f" (websocket {r['websocket_bytes'] / 1e6:.2f} MB)" if r.get("websocket_bytes") else ""
    return f"{r['bytes'] / 1e6:.2f} MB{ws}, {r['ms'] / 1e3:.2f} s" + (f" (other hosts: {off})" if off else "")


def lines(res: dict) -> list[str]:
    e, s, w, a = res["export"], res["site"], res["wrk"], res["app"]
    return [
        "| public map (1280x800, Chromium) | payload, first render | target |",
        "|---|---|---|",
        f"| exported static site (nginx) | {_browser_cell(s)} | ≤ 5 MB, ≤ 3 s |",
        f"| app public page, first visit of a new store version (writes its tiles, once) | {_browser_cell(a['new_version'])} | |",
        f"| app public page, first visit after a server restart | {_browser_cell(a['first'])} | ≤ 5 MB, ≤ 3 s |",
        f"| app public page, first visit after a restart and its readiness check (`/_stcore/script-health-check`) | {_browser_cell(a['warmed'])} | ≤ 5 MB, ≤ 3 s |",
        f"| app public page, next visit | {_browser_cell(a['again'])} | ≤ 5 MB, ≤ 3 s |",
        "",
        f"export-map of the benchmark store: {e['megabytes']:.0f} MB written in {e['seconds']:.0f} s. "
        f"wrk -t2 -c64 -d10s on {w['urls']:,} tile/page URLs (gzip) against nginx on loopback: "
        f"**{w['requests_per_s']:,.0f} requests/s**, {w['transfer_per_s']}/s, mean latency {w['mean_latency']}.",
    ]
