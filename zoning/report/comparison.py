"""选址方案比选: the alternative sites of one project side by side (content, no writer).

One table with a row per factor and a column per site — the shape of the 比选 tables of
Chinese EIA reports: conclusion, the rows that prohibit or condition each site, the distance
from each site to each kind of protected zone, its control units and the access clauses that
apply, what the data cover. The XLSX writer puts it on a sheet of its own, the DOCX/PDF
document in a section before the sites' own sections (``render_report(..., comparison=True)``).
"""

from __future__ import annotations

from collections.abc import Sequence

from zoning.model import ScreeningResult
from zoning.report.i18n import (
    bracket,
    fmt_area,
    fmt_length,
    join_list,
    layer_title,
    project_type_label,
    t,
    verdict_label,
    with_zone,
)
from zoning.verdicts import VERDICT_RANK

__all__ = ["comparison_table", "site_label"]


def site_label(i: int, result: ScreeningResult, lang: str) -> str:
    """``方案1：名称`` (1-based)."""
    return t("cmp_site", lang, i=i, name=result.project.name or "—")


def _size(r: ScreeningResult, lang: str) -> str:
    if r.project.area_m2 > 0:
        return fmt_area(r.project.area_m2, lang)
    return fmt_length(r.project.length_m, lang) if r.project.length_m > 0 else "—"


def _rows_of(r: ScreeningResult, verdict: str, lang: str) -> str:
    seen: list[str] = []
    for c in r.conflicts:
        if c.verdict != verdict:
            continue
        where = with_zone(c.feature, c.zone, lang, c.layer) if c.feature else ""
        text = f"{c.rule_id} {layer_title(c.layer, lang)}" + (bracket(where, lang) if where else "")
        if text not in seen:
            seen.append(text)
    for cl in r.clauses:
        if cl.applies and cl.verdict == verdict:
            text = f"{cl.clause_id or cl.rule_id} {cl.dimension}"
            if text not in seen:
                seen.append(text)
    return join_list(seen, lang) if seen else "—"


def _distance(r: ScreeningResult, layer: str, lang: str) -> str:
    """Shortest distance from the site to the layer's features: 0 inside, the nearest
    feature within ``near_m`` otherwise, "none within" beyond."""
    found = [c.distance_m for c in r.conflicts if c.layer == layer and c.feature]
    found += [n.distance_m for n in r.nearby if n.layer == layer]
    if not found:
        near_km = float(r.parameters.get("near_m", 5000.0) or 5000.0) / 1000
        return t("cmp_beyond", lang, km=f"{near_km:g}")
    best = min(found)
    return t("cmp_inside", lang) if best == 0 else f"{best:,.0f} m"


def _units(r: ScreeningResult, lang: str) -> str:
    if not r.units:
        return "—"
    return join_list((f"{u.code} {u.name}" + bracket(f"{u.category} {u.share_pct:.0f}%", lang) for u in r.units), lang)


def _clauses(r: ScreeningResult, lang: str) -> str:
    applied = [c for c in r.clauses if c.applies]
    if not applied:
        return "—"
    by = {v: sum(1 for c in applied if c.verdict == v) for v in ("prohibited", "conditional", "review", "clear")}
    return join_list((f"{verdict_label(v, lang)} {n}" for v, n in by.items() if n), lang)


def _coverage(r: ScreeningResult, lang: str) -> str:
    cov = r.coverage
    if cov is None:
        return "—"
    return (cov.statement_en if lang == "en" else cov.statement_zh) or "—"


def _layers(results: Sequence[ScreeningResult]) -> list[str]:
    """Layers any site touches or has nearby, in the store's order."""
    order = list(results[0].data.layers)
    seen = {c.layer for r in results for c in r.conflicts if c.feature} | {n.layer for r in results for n in r.nearby}
    return sorted(seen, key=lambda lid: (order.index(lid) if lid in order else len(order), lid))


def comparison_table(results: Sequence[ScreeningResult], *, lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """(header, rows): a row per factor, a column per site (``比选因素 | 方案1 | 方案2 ...``)."""
    header = [t("cmp_factor", lang), *(site_label(i, r, lang) for i, r in enumerate(results, start=1))]
    order = sorted(range(len(results)), key=lambda k: (VERDICT_RANK[results[k].verdict], k))
    rank = {k: i + 1 for i, k in enumerate(order)}

    def row(label: str, cells: Sequence[str]) -> list[str]:
        return [label, *cells]

    rows = [
        row(t("type", lang), [project_type_label(r.project.type, lang) for r in results]),
        row(t("county_short", lang), [r.project.county or "—" for r in results]),
        row(t("cmp_size", lang), [_size(r, lang) for r in results]),
        row(t("centroid", lang), [f"{r.project.centroid_lonlat[0]:.6f}, {r.project.centroid_lonlat[1]:.6f}"
                                  for r in results]),
        row(t("col_conclusion", lang), [verdict_label(r.verdict, lang) for r in results]),
        row(t("cmp_rank", lang), [str(rank[k]) for k in range(len(results))]),
        row(t("cmp_prohibited", lang), [_rows_of(r, "prohibited", lang) for r in results]),
        row(t("cmp_conditional", lang), [_rows_of(r, "conditional", lang) for r in results]),
        row(t("cmp_review", lang), [_rows_of(r, "review", lang) for r in results]),
    ]
    rows += [row(t("cmp_distance", lang, layer=layer_title(lid, lang)), [_distance(r, lid, lang) for r in results])
             for lid in _layers(results)]
    rows += [
        row(t("cmp_units", lang), [_units(r, lang) for r in results]),
        row(t("cmp_clauses", lang), [_clauses(r, lang) for r in results]),
        row(t("cmp_coverage", lang), [_coverage(r, lang) for r in results]),
        row(t("cmp_status", lang), [("示意" if lang == "zh" else "illustrative") if (r.data.illustrative or r.illustrative_used)
                                    else ("法定" if lang == "zh" else "official") for r in results]),
    ]
    return header, rows
