"""The batch-review page's parts: column mapping, summary, charts, filtered table, map."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import folium
import pandas as pd
import streamlit as st

from ui import state
from ui.cache import get_base_display, layer_titles
from ui.components import batch_map
from ui.forms import type_picker
from ui.i18n import lang, pick, t, tr
from ui.inputs import ParsedInput, to_projects
from ui.sidebar import online_tiles
from ui.styles import verdict_colour
from ui.tables import batch_frame, verdict_label
from zoning.columns import BUILDER_COLUMNS, NAME_COLUMNS, PROJECT_CODE_COLUMNS, TYPE_COLUMNS, guess_column
from zoning.model import VERDICTS, Project, ScreeningResult

__all__ = ["ColumnMapping", "column_mapping", "batch_projects", "render_batch", "summary_by"]



@dataclass(frozen=True)
class ColumnMapping:
    """Which file column holds what: name, type (or one type for all), attributes."""

    name_col: str | None
    type_col: str | None
    fixed_type: str | None
    attr_cols: Mapping[str, str]
    builder_col: str | None = None
    code_col: str | None = None


def _or_label(key: str) -> Callable[[str], str]:
    """Format a column choice: the column name, or the text for "no column" ("")."""
    empty = tr(key, lang())
    return lambda c: c or empty


def _guess(columns: Sequence[str], candidates: Sequence[str]) -> int:
    """Index of the column proposed for a candidate (``zoning.columns.guess_column``); 0 = none."""
    return guess_column(columns, candidates) or 0


def column_mapping(parsed: ParsedInput, types: Any) -> ColumnMapping | None:
    """Widgets mapping the file's columns; None until a project type source is chosen."""
    options = ["", *parsed.columns]
    cols = st.columns(2)
    name_col = cols[0].selectbox(t("batch.name_col"), options=options, index=_guess(options, NAME_COLUMNS),
                                 format_func=_or_label("batch.no_column"), key=state.BATCH_NAME_COL)  # fmt: skip
    type_col = cols[1].selectbox(t("batch.type_col"), options=options, index=_guess(options, TYPE_COLUMNS),
                                 format_func=_or_label("batch.one_type"), key=state.BATCH_TYPE_COL,
                                 help=t("batch.type_col_help"))  # fmt: skip
    # 建设单位 and 项目代码, proposed by their usual column names; the reports carry them.
    cols = st.columns(2)
    builder_col = cols[0].selectbox(t("batch.builder_col"), options=options, index=_guess(options, BUILDER_COLUMNS),
                                    format_func=_or_label("batch.no_column"), key=state.BATCH_BUILDER_COL)  # fmt: skip
    code_col = cols[1].selectbox(t("batch.code_col"), options=options, index=_guess(options, PROJECT_CODE_COLUMNS),
                                 format_func=_or_label("batch.no_column"), key=state.BATCH_CODE_COL)  # fmt: skip
    fixed = None
    if not type_col:
        fixed = type_picker(types, key=state.BATCH_FIXED_TYPE)
        if fixed is None:
            st.info(t("batch.waiting_type"), icon=":material/arrow_upward:")
            return None
    attr_cols: dict[str, str] = {}
    with st.expander(t("batch.attr_columns"), expanded=False):
        st.caption(t("batch.attr_help"))
        acols = st.columns(2)
        for i, (attr, spec) in enumerate(types.attributes.items()):
            label = pick(spec.label_zh, spec.label_en)
            guess = _guess(options, (attr, spec.label_zh, *spec.aliases))
            chosen = acols[i % 2].selectbox(label, options=options, index=guess, format_func=_or_label("batch.no_column"),
                                            key=f"{state.BATCH_ATTR_PREFIX}{attr}")  # fmt: skip
            if chosen:
                attr_cols[attr] = chosen
    return ColumnMapping(name_col or None, type_col or None, fixed, attr_cols, builder_col or None, code_col or None)


def batch_projects(parsed: ParsedInput, mapping: ColumnMapping, types: Any) -> list[Project]:
    """Projects of every feature, with the mapped columns renamed to the attribute names.

    A column already named like an attribute but mapped to nothing is dropped, so the
    user's "no column" choice is respected.
    """
    gdf = parsed.features.gdf.copy()
    for attr in types.attributes:
        if attr in mapping.attr_cols:
            gdf[attr] = gdf[mapping.attr_cols[attr]]
        elif attr in gdf.columns:
            gdf = gdf.drop(columns=[attr])
    for chosen, usual in ((mapping.builder_col, BUILDER_COLUMNS), (mapping.code_col, PROJECT_CODE_COLUMNS)):
        if chosen is None:  # "no column": not taken from a column named like it either
            gdf = gdf.drop(columns=[c for c in usual if c in gdf.columns])
    renamed = ParsedInput(replace(parsed.features, gdf=gdf), parsed.label)
    return to_projects(renamed, type_key=mapping.fixed_type, type_field=mapping.type_col, name_field=mapping.name_col,
                       project_types=types, builder_field=mapping.builder_col,
                       project_code_field=mapping.code_col)  # fmt: skip


def summary_by(results: Sequence[ScreeningResult], *, by: str, titles: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Counts for the charts: rows = county (projects) or layer (conflicts), columns = verdict labels."""
    language = lang()
    rows = []
    if by == "county":
        rows = [(r.project.county or t("batch.unknown_county"), r.verdict) for r in results]
    else:
        for r in results:
            for c in {(c.layer, c.verdict) for c in r.conflicts}:
                zh, en = titles.get(c[0], (c[0], c[0]))
                rows.append((zh if language == "zh" else en, c[1]))
    labels = [verdict_label(v, language) for v in reversed(VERDICTS)]
    if not rows:
        return pd.DataFrame(columns=labels)
    frame = pd.DataFrame(rows, columns=["key", "verdict"])
    table = pd.crosstab(frame["key"], frame["verdict"])
    table = table.reindex(columns=list(reversed(VERDICTS)), fill_value=0)
    table.columns = labels
    table.index.name = None
    return table


def _chart(table: pd.DataFrame) -> None:
    if table.empty:
        st.caption(t("batch.no_data"))
        return
    colours = [verdict_colour(v) for v in reversed(VERDICTS)]
    # streamlit types color as the invariant list[Color]; a list of hex strings is what it documents
    st.bar_chart(table, color=colours, stack=True,  # type: ignore[arg-type]
                 horizontal=True, height=max(220, 28 * len(table) + 80))


def render_batch(results: Sequence[ScreeningResult], *, types: Any) -> folium.Map:
    """Summary numbers, charts, filters and the table; returns the map of the filtered projects."""
    language = lang()
    titles = layer_titles()
    st.subheader(t("batch.step_results"))
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    cols = st.columns(4)
    for col, verdict in zip(cols, reversed(VERDICTS), strict=True):
        col.metric(verdict_label(verdict, language), counts[verdict])
    if any(r.illustrative_used for r in results):
        st.warning(t("common.illustrative_notice"), icon=":material/warning:")
    chart_cols = st.columns(2)
    with chart_cols[0]:
        st.markdown(f"**{t('batch.chart_county')}**")
        _chart(summary_by(results, by="county", titles=titles))
    with chart_cols[1]:
        st.markdown(f"**{t('batch.chart_layer')}**")
        _chart(summary_by(results, by="layer", titles=titles))
    type_labels = {k: types.types[k].label(language) for k in types.keys}
    frame = batch_frame(results, titles=titles, type_labels=type_labels, lang=language)
    shown = _filters(results, frame)
    st.dataframe(frame.loc[shown].drop(columns=["_verdict"], errors="ignore"), hide_index=True, width="stretch")
    filtered = [r for r, keep in zip(results, shown, strict=True) if keep]
    st.subheader(t("batch.map_title"))
    labels: dict[str, str] = {v: verdict_label(v, language) for v in VERDICTS}
    return batch_map(filtered, labels=labels, base=get_base_display(), lang=language, online=online_tiles())


def _filters(results: Sequence[ScreeningResult], frame: pd.DataFrame) -> list[bool]:
    language = lang()
    cols = st.columns(2)
    verdicts = cols[0].multiselect(t("batch.filter_verdict"), options=list(reversed(VERDICTS)), default=[],
                                   format_func=lambda v: verdict_label(v, language), key=state.BATCH_FILTER_VERDICT,
                                   placeholder=t("batch.filter_all"))  # fmt: skip
    counties = sorted({r.project.county or "" for r in results} - {""})
    chosen = cols[1].multiselect(t("batch.filter_county"), options=counties, default=[], key=state.BATCH_FILTER_COUNTY,
                                 placeholder=t("batch.filter_all"))  # fmt: skip
    return [
        (not verdicts or r.verdict in verdicts) and (not chosen or (r.project.county or "") in chosen) for r in results
    ]
