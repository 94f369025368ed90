"""Results as on-screen tables: the conflict table, the nearby table, the batch table.

Pure functions of ``ScreeningResult`` (no Streamlit), so tests check the exact cells.
Numbers stay numbers (sortable in the table; units in the column header). Files (JSON, CSV,
reports) are not made here: the download buttons take them from the output registry
``zoning.report``, the same writers the CLI uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ui.i18n import Lang, pick, tr, zone_label
from zoning.model import VERDICT_RANK, ScreeningResult
from zoning.report.compliance import category_label, clause_cells, unit_summary

__all__ = [
    "verdict_label",
    "status_label",
    "conflicts_frame",
    "nearby_frame",
    "batch_frame",
    "units_frame",
    "clauses_frame",
]

LayerTitles = Mapping[str, tuple[str, str]]


def verdict_label(verdict: str, lang: Lang) -> str:
    return tr(f"verdict.{verdict}", lang)


def _layer(layer_id: str, titles: LayerTitles, lang: Lang) -> str:
    zh, en = titles.get(layer_id, (layer_id, layer_id))
    return pick(zh, en, lang)


def status_label(value: str, lang: Lang) -> str:
    """法定 / 示意 / 混合 in the user's language (the stored value stays Chinese)."""
    key = {"法定": "status.official", "示意": "status.illustrative", "混合": "status.mixed"}.get(value)
    return tr(key, lang) if key else value


def _confidence(value: str, lang: Lang) -> str:
    # Three levels (RULES.md); an unknown value reads as unverified, never as verified.
    return tr(f"table.{value}" if value in ("verified", "secondary") else "table.unverified", lang)


def conflicts_frame(result: ScreeningResult, *, titles: LayerTitles, lang: Lang) -> pd.DataFrame:
    """One row per conflict, worst first, with every column a reviewer checks."""
    rows = []
    for c in sorted(result.conflicts, key=lambda c: -VERDICT_RANK[c.verdict]):
        rows.append(
            {
                tr("table.layer", lang): _layer(c.layer, titles, lang),
                tr("table.zone", lang): zone_label(c.layer, c.zone, lang),
                tr("table.feature", lang): c.feature,
                tr("table.relation", lang): tr(f"relation.{c.relation}", lang),
                tr("table.overlap_m2", lang): round(c.overlap_area_m2, 1),
                tr("table.overlap_pct", lang): round(c.overlap_pct, 2),
                tr("table.length_m", lang): round(c.overlap_length_m, 1),
                tr("table.distance_m", lang): round(c.distance_m, 1),
                tr("table.verdict", lang): verdict_label(c.verdict, lang),
                tr("table.condition", lang): pick(c.condition, c.condition_en, lang),
                tr("table.basis", lang): c.basis,
                tr("table.confidence", lang): _confidence(c.confidence, lang),
                tr("table.legal_status", lang): status_label(c.legal_status, lang),
                tr("table.rule", lang): c.rule_id,
            }
        )
    return pd.DataFrame(rows, columns=_conflict_columns(lang))


def _conflict_columns(lang: Lang) -> list[str]:
    # The verdict leads: fourteen columns do not fit a laptop screen, and a row's verdict is
    # what a planner must never have to scroll sideways for.
    keys = (
        "verdict", "layer", "zone", "feature", "relation", "overlap_m2", "overlap_pct", "length_m", "distance_m",
        "condition", "basis", "confidence", "legal_status", "rule",
    )  # fmt: skip
    return [tr(f"table.{k}", lang) for k in keys]


def nearby_frame(result: ScreeningResult, *, titles: LayerTitles, lang: Lang, within: bool = False) -> pd.DataFrame:
    """Nearest untouched zone of each layer within the search distance — or, with
    ``within``, every zone within the radius asked for (``result.within``, touching ones at 0 m)."""
    rows = [
        {
            tr("table.layer", lang): _layer(n.layer, titles, lang),
            tr("table.zone", lang): zone_label(n.layer, n.zone, lang),
            tr("table.feature", lang): n.feature,
            tr("table.distance_m", lang): round(n.distance_m, 1),
            tr("table.bearing", lang): _bearing_text(n.bearing_deg, lang),
            tr("table.legal_status", lang): status_label(n.legal_status, lang),
        }
        for n in sorted(result.within if within else result.nearby, key=lambda n: n.distance_m)
    ]
    columns = [tr(f"table.{k}", lang) for k in ("layer", "zone", "feature", "distance_m", "bearing", "legal_status")]
    return pd.DataFrame(rows, columns=columns)


def _cell(value: Any) -> str:
    """A file's cell as text: empty for a missing value (None, NaN)."""
    return "" if value is None or value != value else str(value)


def units_frame(result: ScreeningResult, *, lang: Lang) -> pd.DataFrame:
    """The control units the project lies in, with its share of each (largest first)."""
    rows = [
        {
            tr("table.unit_code", lang): u.code,
            tr("table.unit_name", lang): u.name,
            tr("table.unit_category", lang): category_label(u.category, lang),
            tr("table.unit_subtype", lang): u.subtype,
            tr("table.unit_share", lang): round(u.share_pct, 1),
            tr("table.legal_status", lang): status_label(u.legal_status, lang),
        }
        for u in result.units
    ]
    keys = ("unit_code", "unit_name", "unit_category", "unit_subtype", "unit_share", "legal_status")
    return pd.DataFrame(rows, columns=[tr(f"table.{k}", lang) for k in keys])


def clauses_frame(result: ScreeningResult, *, lang: Lang) -> pd.DataFrame:
    """The EIA table 管控维度 | 准入要求 | 本项目情况 | 符合性, one row per clause at the place
    (the report's wording: ``zoning.report.compliance.clause_cells``), with its verdict in
    front and its basis and confidence after."""
    rows = []
    for c in result.clauses:
        dimension, requirement, finding, conformity = clause_cells(c, lang)
        rows.append(
            {
                tr("table.verdict", lang): verdict_label(c.verdict if c.applies else "clear", lang),
                tr("table.dimension", lang): dimension,
                tr("table.requirement", lang): requirement,
                tr("table.situation", lang): finding,
                tr("table.conformity", lang): conformity,
                tr("table.confidence", lang): _confidence(c.confidence, lang),
                tr("table.legal_status", lang): status_label(c.legal_status, lang),
            }
        )
    keys = ("verdict", "dimension", "requirement", "situation", "conformity", "confidence", "legal_status")
    return pd.DataFrame(rows, columns=[tr(f"table.{k}", lang) for k in keys])


_COMPASS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_COMPASS_EN = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _bearing_text(bearing_deg: float, lang: Lang) -> str:
    sector = int(((bearing_deg % 360) + 22.5) // 45) % 8
    names = _COMPASS_EN if lang == "en" else _COMPASS_ZH
    return f"{names[sector]} {bearing_deg:.0f}°"


def batch_frame(
    results: Sequence[ScreeningResult], *, titles: LayerTitles, type_labels: Mapping[str, str], lang: Lang,
    file_rows: Sequence[int] | None = None, extra: Mapping[str, Sequence[Any]] | None = None,
) -> pd.DataFrame:
    """One row per project: the verdict, its worst conflicts and where it is.

    ``file_rows``: each project's row in the file (rows set aside make them differ from the
    position); ``extra``: message key of a column title -> one value per project, columns of
    the file shown as they are (建设单位, 项目代码).
    """
    rows = []
    for k, r in enumerate(results):
        worst = [c for c in r.conflicts if c.verdict == r.verdict]
        layers = sorted({_layer(c.layer, titles, lang) for c in worst})
        own = {tr(key, lang): _cell(values[k]) for key, values in (extra or {}).items()}
        rows.append(
            {
                tr("batch.col_index", lang): r.project.index + 1,
                tr("batch.col_row", lang): file_rows[k] if file_rows is not None else r.project.index + 1,
                tr("batch.col_name", lang): r.project.name,
                **own,
                tr("batch.col_type", lang): type_labels.get(r.project.type, r.project.type),
                tr("batch.col_county", lang): r.project.county or "",
                tr("table.verdict", lang): verdict_label(r.verdict, lang),
                tr("batch.col_conflicts", lang): len(r.conflicts),
                tr("batch.col_layers", lang): "、".join(layers) if lang == "zh" else ", ".join(layers),
                tr("batch.col_area_m2", lang): round(r.project.area_m2, 1),
                tr("batch.col_length_m", lang): round(r.project.length_m, 1),
                tr("batch.col_illustrative", lang): tr("common.yes" if r.illustrative_used else "common.no", lang),
                tr("batch.col_units", lang): unit_summary(r, lang),
                "_verdict": r.verdict,
            }
        )
    return pd.DataFrame(rows)
