"""Site finder timings: ``python benchmarks/sites_bench.py [--province]``.

1. The embedded store (data/zones.gpkg): three counties x three project types at 30 m,
   each search from scratch (no cache), in one process after one warm-up search (imports
   and the engine's first indexes are not counted); the worst is checked against the
   target of 10 s.
2. With ``--province``, the benchmark store's province-scale layers (benchmarks/out/zones.gpkg,
   made by ``make bench`` or generated here, ~3 minutes): a county-size box at 30 m and a
   prefecture-size box at 100 m.

Prints a Markdown table (paste into benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

COUNTIES = ("衡阳县", "平江县", "湘潭县")
TYPES = (("chemical_project", {}), ("livestock_farm", {"scale_head": 3000}), ("landfill", {}))


def _search(store, type_, attrs, area, res):
    from zoning.sites import SiteQuery, find_sites

    t0 = time.perf_counter()
    found = find_sites(store, SiteQuery(type_, attrs, resolution_m=res), area)
    return time.perf_counter() - t0, found


def embedded() -> list[str]:
    from layers.paths import DEFAULT_STORE
    from layers.store import ZoneStore
    from zoning.sites import area_from_county

    store = ZoneStore.open(DEFAULT_STORE)
    admin = store.layer("admin")
    _search(store, "landfill", {}, area_from_county(admin, COUNTIES[0]), 30.0)  # warm-up
    rows = []
    for county in COUNTIES:
        area = area_from_county(admin, county)
        for type_, attrs in TYPES:
            seconds, found = _search(store, type_, attrs, area, 30.0)
            rows.append(f"| embedded | {county} ({area.work.area / 1e6:,.0f} km²) | {type_} | 30 m | "
                        f"{found.counts['cells']:,} | {len(found.candidates)} | {seconds:.2f} s |")
    return rows


def province(out: Path) -> list[str]:
    from benchmarks import generate
    from layers.store import ZoneStore
    from zoning.sites import area_from_bbox

    path = out / "zones.gpkg"
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        generate.generate_zones(path)
    t0 = time.perf_counter()
    store = ZoneStore.open(path)
    opened = time.perf_counter() - t0
    rows = [f"| benchmark store | (open the 10⁵-polygon store: {opened:.1f} s) | | | | | |"]
    for label, bbox, res in (("county-size box 112.3-112.9 E, 26.8-27.3 N", "112.3,26.8,112.9,27.3", 30.0),
                             ("prefecture-size box 111.5-113.0 E, 26.5-28.0 N", "111.5,26.5,113.0,28.0", 100.0)):
        area = area_from_bbox(bbox)
        for type_, attrs in TYPES:
            seconds, found = _search(store, type_, attrs, area, res)
            rows.append(f"| benchmark store | {label} ({area.work.area / 1e6:,.0f} km²) | {type_} | {res:g} m | "
                        f"{found.counts['cells']:,} | {len(found.candidates)} | {seconds:.2f} s |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--province", action="store_true", help="also the benchmark store's province-scale layers")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    rows = ["| store | area | type | resolution | cells | candidates | time |", "|---|---|---|---|---:|---:|---:|"]
    rows += embedded()
    if args.province:
        rows += province(args.out)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
