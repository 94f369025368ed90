"""The PostGIS side of the benchmark: a throwaway PostgreSQL 15 + PostGIS 3 cluster, the same
zone layers with GiST indexes, and the same questions in SQL.

The cluster is created by ``initdb`` in a temporary folder on a free port (as the
``postgres`` system user when run as root, since PostgreSQL refuses to run as root) and
removed afterwards. Layers are loaded in their stored CRS and moved into each work CRS by
``ST_Transform`` on the server, one table per (layer, work CRS) as the engine keeps one
index per (layer, work CRS); every table has a GiST index and is analysed.

The questions, per project and per zone layer, are those the engine answers:
``ST_Intersects`` pairs with ``ST_Area(ST_Intersection)`` / ``ST_Length`` and the boundary
band (the zone clipped around the project and shrunk by the tolerance, as RULES.md
defines it) where the layer has rules for the project's type; ``ST_DWithin`` pairs with
``ST_Distance`` for the types with within-distance rules; the nearest untouched feature
within ``near_m`` by index-assisted KNN (``ORDER BY geom <-> project LIMIT 1``) with its
geodesic bearing (``ST_Azimuth`` on geography of the shortest line's ends); and the county
(the admin feature containing the centroid).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Cluster", "start_cluster", "available", "SMALL_SETTINGS", "load_store", "single_sql", "batch_sql", "pss_mb"]


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        msg = f"PostgreSQL's {name} not found; install postgresql and postgresql-postgis (make bench does)"
        raise SystemExit(msg)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster."""

    folder: Path
    port: int
    user: str | None  # system user running the server (None: this one)

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=bench"

    def url(self, schema: str) -> str:
        """A zone-store URL of this cluster (``layers.pgstore``)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/bench?schema={schema}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> float:
        """Start the server; seconds until it accepts connections."""
        t = time.perf_counter()
        self._run(_bin("pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "start")
        return time.perf_counter() - t

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        pid_file = self.folder / "data" / "postmaster.pid"
        try:
            main = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        out = [main]
        with contextlib.suppress(OSError):
            out += [int(p) for p in Path(f"/proc/{main}/task/{main}/children").read_text().split()]
        return out


_SETTINGS = {
    # Memory for a 2-core / 23 GB machine; the data (~0.5 GB per CRS) fits in shared buffers.
    "shared_buffers": "2GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "effective_cache_size": "8GB",
    "max_wal_size": "8GB",
    # A throwaway cluster: durability off (load speed only; queries are unaffected).
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # JIT compiles short OLTP-style queries for longer than they run.
    "jit": "off",
    "listen_addresses": "'127.0.0.1'",
}


#: Settings for a small cluster (tests): little memory, the same durability shortcuts.
SMALL_SETTINGS = {**_SETTINGS, "shared_buffers": "128MB", "maintenance_work_mem": "128MB", "effective_cache_size": "1GB"}


def available() -> bool:
    """Whether PostgreSQL's server programs are installed (Debian: postgresql, postgresql-postgis)."""
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


@contextlib.contextmanager
def start_cluster(settings: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """initdb + start a cluster in a temporary folder (``settings``: postgresql.conf values,
    default ``_SETTINGS``); stopped and removed on exit. The database ``bench`` has PostGIS."""
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="zoning-postgis-"))
    if user:
        pw = pwd.getpwnam(user)
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    cluster = Cluster(folder, _free_port(), user)
    try:
        cluster._run(_bin("initdb"), "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        conf = folder / "data" / "postgresql.conf"
        extra = "\n".join(f"{k} = {v}" for k, v in {**(settings or _SETTINGS), "port": str(cluster.port)}.items())
        extra += f"\nunix_socket_directories = '{folder}'\n"
        if user:
            cluster._run("sh", "-c", f"cat >> {conf} <<'EOF'\n{extra}\nEOF")
        else:
            with conf.open("a") as fh:
                fh.write(extra)
        cluster.start()
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE bench")
        with psycopg.connect(cluster.dsn, autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def pss_mb(pids: Sequence[int]) -> float:
    """Proportional set size of the processes (shared buffers counted once)."""
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


class PeakPss:
    """Samples the cluster's PSS every 0.2 s in a thread; ``.peak_mb`` after the block."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> PeakPss:
        def loop() -> None:
            while not self._stop.wait(0.2):
                self.peak_mb = max(self.peak_mb, pss_mb(self.cluster.pids()))

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, pss_mb(self.cluster.pids()))


def _epsg(crs: object) -> int:
    return int(crs.to_epsg())  # type: ignore[attr-defined]


def load_store(cluster: Cluster, store: object, projects: object, work_srids: Sequence[int]) -> dict[str, float]:
    """Zone layers (native CRS, then one GiST-indexed table per work CRS) and the projects."""
    import psycopg
    import shapely

    t0 = time.perf_counter()
    with psycopg.connect(cluster.dsn, autocommit=True) as conn:
        for layer in store.layer_ids:  # type: ignore[attr-defined]
            gdf = store.layer(layer)  # type: ignore[attr-defined]
            srid = 4490 if gdf.crs.is_geographic else _epsg(gdf.crs)
            conn.execute(f"CREATE TABLE src_{layer} (fid integer PRIMARY KEY, name text, geom geometry)")
            wkb = shapely.to_wkb(np.asarray(gdf.geometry.values), hex=True, include_srid=False)
            names = gdf["name"].astype(str).to_numpy()
            with conn.cursor().copy(f"COPY src_{layer} (fid, name, geom) FROM STDIN") as copy:
                for i, (n, g) in enumerate(zip(names, wkb, strict=True)):
                    copy.write_row((i, n, f"SRID={srid};{g}"))
        t_load = time.perf_counter()
        for layer in store.layer_ids:  # type: ignore[attr-defined]
            for srid in work_srids:
                t = f"z_{layer}_{srid}"
                conn.execute(
                    f"CREATE TABLE {t} AS SELECT fid, name, ST_Transform(geom, {srid}) AS geom FROM src_{layer}"
                )
                conn.execute(f"CREATE INDEX ON {t} USING gist (geom)")
                conn.execute(f"ALTER TABLE {t} ADD PRIMARY KEY (fid)")
                conn.execute(f"ANALYZE {t}")
        t_index = time.perf_counter()
        conn.execute("CREATE TABLE projects (pid integer PRIMARY KEY, type text, srid integer, geom geometry)")
        wkb = shapely.to_wkb(np.asarray(projects["geometry"]), hex=True)
        with conn.cursor().copy("COPY projects (pid, type, srid, geom) FROM STDIN") as copy:
            for i, (ptype, srid, g) in enumerate(zip(projects["type"], projects["srid"], wkb, strict=True)):
                copy.write_row((i, ptype, int(srid), f"SRID={int(srid)};{g}"))
        # The project in its work CRS (ST_Transform from 4490), as the engine does first.
        conn.execute("UPDATE projects SET geom = ST_Transform(ST_SetSRID(geom, 4490), srid)")
        conn.execute("CREATE INDEX ON projects (srid)")
        conn.execute("ANALYZE projects")
        conn.execute("CHECKPOINT")
    return {"load_s": t_load - t0, "transform_index_s": t_index - t_load, "total_s": time.perf_counter() - t0}


@dataclass(frozen=True)
class LayerAsk:
    """What to ask of one layer for one project type."""

    layer: str
    measure: bool  # the layer has rules for the type: overlap area/length and boundary band
    reach_m: float  # > 0: also features within this distance (within-distance rules)


def _layer_sql(srid: int, ask: LayerAsk, *, tolerance_m: float, near_m: float, pid_filter: str) -> list[str]:
    t = f"z_{ask.layer}_{srid}"
    lit = f"'{ask.layer}'"
    parts = []
    if ask.measure:
        # Boundary band as the engine computes it (and RULES.md defines it): the zone, clipped
        # to the project's box grown by 2 x tolerance, shrunk by the tolerance, misses it.
        parts.append(
            f"""SELECT p.pid, {lit} AS layer, 'touch' AS kind, z.fid, ST_Area(i.g) AS area,
       CASE WHEN ST_Dimension(p.geom) = 1 THEN ST_Length(i.g) ELSE 0 END AS length, 0::float8 AS dist,
       (ST_Dimension(z.geom) = 2 AND NOT ST_Intersects(p.geom, ST_Buffer(ST_Intersection(z.geom,
            ST_Expand(ST_Envelope(p.geom), {2 * tolerance_m})), {-tolerance_m}))) AS band,
       NULL::float8 AS bearing
  FROM p JOIN {t} z ON ST_Intersects(z.geom, p.geom)
  CROSS JOIN LATERAL (SELECT ST_Intersection(p.geom, z.geom) AS g) i{pid_filter}"""
        )
    else:
        parts.append(
            f"""SELECT p.pid, {lit}, 'touch', z.fid, NULL::float8, NULL::float8, 0::float8, NULL::bool, NULL::float8
  FROM p JOIN {t} z ON ST_Intersects(z.geom, p.geom){pid_filter}"""
        )
    if ask.reach_m > 0:
        parts.append(
            f"""SELECT p.pid, {lit}, 'within', z.fid, NULL, NULL, ST_Distance(z.geom, p.geom), NULL, NULL
  FROM p JOIN {t} z ON ST_DWithin(z.geom, p.geom, {ask.reach_m}) AND NOT ST_Intersects(z.geom, p.geom){pid_filter}"""
        )
    parts.append(
        f"""SELECT p.pid, {lit}, 'near', n.fid, NULL, NULL, n.d,
       NULL, degrees(ST_Azimuth(ST_Transform(ST_StartPoint(n.sl), 4490)::geography,
                                 ST_Transform(ST_EndPoint(n.sl), 4490)::geography))
  FROM p CROSS JOIN LATERAL (
    SELECT z.fid, ST_Distance(z.geom, p.geom) AS d, ST_ShortestLine(p.geom, z.geom) AS sl
      FROM {t} z
     WHERE ST_DWithin(z.geom, p.geom, {near_m}) AND NOT ST_Intersects(z.geom, p.geom)
     ORDER BY z.geom <-> p.geom, z.fid LIMIT 1) n{pid_filter}"""
    )
    return parts


def _county_sql(srid: int, pid_filter: str) -> str:
    # The admin feature holding the centroid, else the one sharing most of the project.
    return f"""SELECT p.pid, 'admin', 'county', COALESCE(c.fid, s.fid), NULL, NULL, NULL, NULL, NULL
  FROM p
  LEFT JOIN LATERAL (
    SELECT a.fid FROM z_admin_{srid} a WHERE ST_Intersects(a.geom, ST_Centroid(p.geom)) ORDER BY a.fid LIMIT 1) c ON true
  LEFT JOIN LATERAL (
    SELECT a.fid FROM z_admin_{srid} a
     WHERE c.fid IS NULL AND ST_Intersects(a.geom, p.geom)
     ORDER BY CASE WHEN ST_Dimension(p.geom) = 2 THEN ST_Area(ST_Intersection(a.geom, p.geom))
                   ELSE ST_Length(ST_Intersection(a.geom, p.geom)) END DESC, a.fid
     LIMIT 1) s ON true{pid_filter}"""


def single_sql(srid: int, asks: Sequence[LayerAsk], *, tolerance_m: float, near_m: float) -> str:
    """One statement answering everything for the project ``%(pid)s`` (work CRS ``srid``)."""
    parts = [p for ask in asks for p in _layer_sql(srid, ask, tolerance_m=tolerance_m, near_m=near_m, pid_filter="")]
    parts.append(_county_sql(srid, ""))
    return "WITH p AS (SELECT pid, geom FROM projects WHERE pid = %(pid)s)\n" + "\nUNION ALL\n".join(parts)


def batch_sql(srid: int, type_asks: Mapping[str, Sequence[LayerAsk]], *, tolerance_m: float, near_m: float) -> str:
    """One statement for every project of work CRS ``srid``: per layer, the projects whose
    type needs measures / reach get them (the same split as the single-project query)."""
    layers: dict[str, dict[tuple[bool, float], list[str]]] = {}
    for ptype, asks in type_asks.items():
        for ask in asks:
            layers.setdefault(ask.layer, {}).setdefault((ask.measure, ask.reach_m), []).append(ptype)
    parts = []
    for layer, groups in layers.items():
        for (measure, reach), types in groups.items():
            quoted = ", ".join(f"'{t}'" for t in types)
            flt = f"\n WHERE p.type IN ({quoted})"
            parts += _layer_sql(srid, LayerAsk(layer, measure, reach), tolerance_m=tolerance_m, near_m=near_m, pid_filter=flt)
    parts.append(_county_sql(srid, ""))
    return f"WITH p AS (SELECT pid, type, geom FROM projects WHERE srid = {srid})\n" + "\nUNION ALL\n".join(parts)
