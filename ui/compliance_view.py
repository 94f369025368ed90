"""The screen page's 与生态环境分区管控要求的符合性分析: the control units the project lies in,
the access list clause by clause, and what the verdict covers.

Unit names, codes and clause texts are data: they are shown only in plain-text widgets
(``st.dataframe``) or escaped into HTML that no Markdown renders (``st.html`` with
``ui.escape.html_text``).
"""

from __future__ import annotations

import streamlit as st

from ui.escape import html_text
from ui.i18n import lang, t
from ui.tables import clauses_frame, units_frame
from zoning.model import ScreeningResult
from zoning.report.compliance import dimension_label

__all__ = ["render_compliance", "coverage_html", "render_coverage", "clause_detail"]


def coverage_html(result: ScreeningResult, language: str) -> str:
    """The coverage sentence as escaped HTML (layer titles come from the catalogue: data)."""
    statement = result.coverage.statement_en if language == "en" else result.coverage.statement_zh
    if not statement:
        return ""
    title = html_text(t("result.coverage_title"))
    return (f"<div class='ez-coverage' data-testid='ez-coverage'><strong>{title}</strong>"
            f"{html_text('：' if language == 'zh' else ': ')}{html_text(statement)}</div>")


def clause_detail(result: ScreeningResult) -> str:
    """The badge's "decided by" line when the verdict comes from an access-list clause (plain
    text: the badge escapes it)."""
    clause = next((c for c in result.clauses if c.applies and c.verdict == result.verdict), None)
    if clause is None:
        return ""
    return t("result.worst_clause", scope=clause.unit or clause.scope, dimension=dimension_label(clause.dimension, lang()))


def render_coverage(result: ScreeningResult) -> None:
    """What the verdict covers, under the verdict ("a clear is only as wide as the data")."""
    block = coverage_html(result, lang())
    if block:
        st.html(block)


def render_compliance(result: ScreeningResult) -> None:
    """Units with their shares, then the clause table."""
    language = lang()
    st.subheader(t("result.compliance_title"))
    units = units_frame(result, lang=language)
    st.markdown(f"**{t('result.units_title')}**")
    if units.empty:
        st.caption(t("result.units_none"))
    else:
        st.dataframe(units, hide_index=True, width="stretch")
    st.markdown(f"**{t('result.clauses_title')}**")
    clauses = clauses_frame(result, lang=language)
    if clauses.empty:
        st.caption(t("result.clauses_none"))
        return
    st.caption(t("result.clauses_intro"))
    st.dataframe(clauses, hide_index=True, width="stretch")
