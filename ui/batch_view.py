"""The batch-review page's parts: column mapping, rows set aside, summary, charts, the filtered
table (whose rows the map, the drill-down and the downloads follow), a project's detail."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import folium
import pandas as pd
import streamlit as st

from gis.paths import scrub_paths
from ui import state
from ui.cache import get_base_display, layer_titles
from ui.components import batch_map
from ui.escape import md_text
from ui.forms import type_picker
from ui.i18n import Lang, lang, pick, t, tr
from ui.inputs import ParsedInput
from ui.sidebar import online_tiles
from ui.styles import verdict_colour
from ui.tables import batch_frame, verdict_label
from zoning.columns import BUILDER_COLUMNS, NAME_COLUMNS, PROJECT_CODE_COLUMNS, TYPE_COLUMNS, guess_column
from zoning.engine import ProjectRows, projects_by_row
from zoning.model import VERDICTS, ScreeningResult

__all__ = ["ColumnMapping", "column_mapping", "batch_projects", "show_row_problems", "render_batch", "batch_map_of",
           "render_detail", "summary_by", "problems_frame"]



@dataclass(frozen=True)
class ColumnMapping:
    """Which file column holds what: name, type (or one type for all), attributes."""

    name_col: str | None
    type_col: str | None
    fixed_type: str | None
    attr_cols: Mapping[str, str]
    owner_col: str | None = None
    code_col: str | None = None

    @property
    def extra_cols(self) -> dict[str, str]:
        """Message key of the column title -> file column, for the columns shown as they are."""
        pairs = (("batch.col_owner", self.owner_col), ("batch.col_code", self.code_col))
        return {key: col for key, col in pairs if col}


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
    # 建设单位 and 项目代码, proposed by their usual column names (zoning.columns); shown with
    # each project and carried into its reports and saved record.
    cols = st.columns(2)
    owner_col = cols[0].selectbox(t("batch.owner_col"), options=options, index=_guess(options, BUILDER_COLUMNS),
                                  format_func=_or_label("batch.no_column"), key=state.BATCH_OWNER_COL)  # fmt: skip
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
    return ColumnMapping(name_col or None, type_col or None, fixed, attr_cols, owner_col or None, code_col or None)


def batch_projects(parsed: ParsedInput, mapping: ColumnMapping, types: Any) -> ProjectRows:
    """Projects of every good row, with the mapped columns renamed to the attribute names,
    and every row set aside with its reason (``zoning.engine.projects_by_row``).

    A column already named like an attribute but mapped to nothing is dropped, so the
    user's "no column" choice is respected.
    """
    gdf = parsed.features.gdf.copy()
    for attr in types.attributes:
        if attr in mapping.attr_cols:
            gdf[attr] = gdf[mapping.attr_cols[attr]]
        elif attr in gdf.columns:
            gdf = gdf.drop(columns=[attr])
    for chosen, usual in ((mapping.owner_col, BUILDER_COLUMNS), (mapping.code_col, PROJECT_CODE_COLUMNS)):
        if chosen is None:  # "no column": not taken from a column named like it either
            gdf = gdf.drop(columns=[c for c in usual if c in gdf.columns])
    features = replace(parsed.features, gdf=gdf)
    return projects_by_row(features, type=mapping.fixed_type, type_field=mapping.type_col, name_field=mapping.name_col,
                           project_types=types, columns=mapping.attr_cols, builder_field=mapping.owner_col,
                           project_code_field=mapping.code_col)  # fmt: skip


def problems_frame(rows: ProjectRows, language: Lang) -> pd.DataFrame:
    """The rows set aside: row number, column, value and why (what was expected)."""
    return pd.DataFrame(
        [{tr("batch.bad_row", language): p.row, tr("batch.bad_column", language): p.column,
          tr("batch.bad_value", language): p.value, tr("batch.bad_reason", language): p.error.message(language)}
         for p in rows.problems],
        columns=[tr(f"batch.bad_{k}", language) for k in ("row", "column", "value", "reason")],
    )  # fmt: skip


def show_row_problems(rows: ProjectRows) -> None:
    """Say which rows cannot be screened and why — all of them, in one table; the rest go on."""
    if not rows.problems:
        return
    st.warning(t("batch.bad_rows", bad=len(rows.problems), good=len(rows.projects)), icon=":material/rule:")
    frame = problems_frame(rows, lang())
    frame[frame.columns[3]] = frame[frame.columns[3]].map(scrub_paths)
    st.dataframe(frame, hide_index=True, width="stretch", key=state.BATCH_PROBLEMS)


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


def render_batch(results: Sequence[ScreeningResult], *, types: Any, file_rows: Sequence[int],
                 extra: Mapping[str, Sequence[Any]]) -> list[int]:
    """Summary numbers, charts, filters and the table of the projects the filters keep.

    Returns the positions (in ``results``) of the projects shown: the map, the detail and
    the downloads follow the same selection. ``file_rows`` are the projects' rows in the
    file; ``extra`` (column title -> one value per project) the file's own columns shown as
    they are (建设单位, 项目代码).
    """
    language = lang()
    titles = layer_titles()
    st.subheader(t("batch.step_results"))
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    cols = st.columns(4)
    for col, verdict in zip(cols, reversed(VERDICTS), strict=True):
        col.metric(verdict_label(verdict, language), counts[verdict])
    if any(r.illustrative_used for r in results):
        st.warning(t("common.illustrative_notice"), icon=":material/warning:")
    _show_checks(results, file_rows)
    chart_cols = st.columns(2)
    with chart_cols[0]:
        st.markdown(f"**{t('batch.chart_county')}**")
        _chart(summary_by(results, by="county", titles=titles))
    with chart_cols[1]:
        st.markdown(f"**{t('batch.chart_layer')}**")
        _chart(summary_by(results, by="layer", titles=titles))
    type_labels = {k: types.types[k].label(language) for k in types.keys}
    frame = batch_frame(results, titles=titles, type_labels=type_labels, lang=language, file_rows=file_rows, extra=extra)
    keep = _filters(results, frame)
    positions = [i for i, kept in enumerate(keep) if kept]
    st.caption(t("batch.shown_n", n=len(positions), total=len(results)))
    event = st.dataframe(frame.iloc[positions].drop(columns=["_verdict"], errors="ignore"), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="single-row", key=state.BATCH_TABLE)  # fmt: skip
    _follow_table_selection(event, positions)
    return positions


def _show_checks(results: Sequence[ScreeningResult], file_rows: Sequence[int]) -> None:
    """Projects that do not look like their type (a county as a site, a road as a point):
    screened all the same, and listed here by row for the reviewer to check."""
    from ui.results import plausibility_of

    language = lang()
    lines = [f"- {t('batch.check_row', row=file_rows[i], name=md_text(r.project.name))}{md_text(note.pick(language))}"
             for i, r in enumerate(results) for note in plausibility_of(r)]  # fmt: skip
    if lines:
        with st.expander(t("batch.checks_title", n=len(lines)), icon=":material/straighten:"):
            st.markdown("\n".join(lines))


def batch_map_of(results: Sequence[ScreeningResult], positions: Sequence[int]) -> folium.Map:
    """The map of the projects shown (the filters' selection), coloured by verdict."""
    language = lang()
    labels: dict[str, str] = {v: verdict_label(v, language) for v in VERDICTS}
    shown = [results[i] for i in positions]
    return batch_map(shown, labels=labels, base=get_base_display(), lang=language, online=online_tiles())


def _follow_table_selection(event: Any, positions: Sequence[int]) -> None:
    """A row selected in the table opens its project in the detail below (the pick box
    there is set before it is drawn); a pick no longer shown by the filters is dropped."""
    selected = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    memo = f"{state.BATCH_TABLE}.last"
    if selected and selected != st.session_state.get(memo) and selected[0] < len(positions):
        st.session_state[state.BATCH_DETAIL] = positions[selected[0]]
    st.session_state[memo] = selected
    if st.session_state.get(state.BATCH_DETAIL) not in positions:
        st.session_state.pop(state.BATCH_DETAIL, None)


def render_detail(results: Sequence[ScreeningResult], positions: Sequence[int], file_rows: Sequence[int]) -> ScreeningResult | None:
    """The drill-down from a row: pick a project shown in the table (or select its row) and
    see its verdict, every conflict with its condition and legal basis, the control units
    and clauses, the zones nearby — and its map. Returns the project shown (None: none)."""
    from ui.results import render_result

    language = lang()
    st.subheader(t("batch.detail_title"))

    def label(i: int) -> str:
        r = results[i]
        return t("batch.detail_option", row=file_rows[i], name=r.project.name, verdict=verdict_label(r.verdict, language))

    pick = st.selectbox(t("batch.detail_pick"), options=list(positions), index=None, format_func=label,
                        key=state.BATCH_DETAIL, placeholder=t("batch.detail_placeholder"))  # fmt: skip
    if pick is None:
        return None
    with st.container(border=True):
        render_result(results[pick], titles=layer_titles())
    return results[pick]


def _filters(results: Sequence[ScreeningResult], frame: pd.DataFrame) -> list[bool]:
    language = lang()
    cols = st.columns(2)
    verdicts = cols[0].multiselect(t("batch.filter_verdict"), options=list(reversed(VERDICTS)), default=[],
                                   format_func=lambda v: verdict_label(v, language), key=state.BATCH_FILTER_VERDICT,
                                   placeholder=t("batch.filter_all"), select_all=False)  # fmt: skip
    counties = sorted({r.project.county or "" for r in results} - {""})
    chosen = cols[1].multiselect(t("batch.filter_county"), options=counties, default=[], key=state.BATCH_FILTER_COUNTY,
                                 placeholder=t("batch.filter_all"), select_all=False)  # fmt: skip
    return [
        (not verdicts or r.verdict in verdicts) and (not chosen or (r.project.county or "") in chosen) for r in results
    ]
