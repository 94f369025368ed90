"""The 筛查档案 page's parts: finding saved screenings, one as it was saved, what a re-run
on today's data changes, and which saved screenings a new layer version affects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from ui.auth import bureau
from ui.escape import md_text
from ui.i18n import lang, t
from ui.jobs import heavy_job
from ui.tables import verdict_label
from zoning.bureau.archive import Rescreen, SavedScreening, SavedSummary
from zoning.model import VERDICTS, worst_verdict

__all__ = ["search_form", "pick_saved", "saved_facts", "changes_frame", "show_rescreen", "affected_panel"]


def search_form(key: str) -> dict[str, Any]:
    """The search fields; the filters ``Archive.find`` takes."""
    cols = st.columns(3)
    number = cols[0].text_input(t("history.number"), key=f"{key}.number", placeholder="EZS-20261206-…")
    name = cols[1].text_input(t("history.name"), key=f"{key}.name")
    county = cols[2].text_input(t("history.county"), key=f"{key}.county")
    cols = st.columns(3)
    today = dt.date.today()
    days = cols[0].date_input(t("history.dates"), key=f"{key}.dates", value=[], max_value=today, format="YYYY-MM-DD")
    language = lang()
    verdict = cols[1].selectbox(t("history.verdict"), options=["", *reversed(VERDICTS)], key=f"{key}.verdict",
                                format_func=lambda v: verdict_label(v, language) if v else t("history.any"))  # fmt: skip
    chosen = list(days) if isinstance(days, tuple | list) else [days]
    return {
        "number": number, "name": name, "county": county, "verdict": verdict or None,
        "day_from": chosen[0].isoformat() if chosen else None,
        "day_to": (chosen[1] if len(chosen) > 1 else chosen[0]).isoformat() if chosen else None,
    }  # fmt: skip


def pick_saved(found: Sequence[SavedSummary], key: str) -> str | None:
    """The table of saved screenings found and a choice of one; its number."""
    if not found:
        st.info(t("history.none_found"), icon=":material/search_off:")
        return None
    language = lang()
    frame = pd.DataFrame({
        t("history.col_number"): [s.number for s in found],
        t("history.col_saved_at"): [s.saved_at.replace("T", " ")[:16] for s in found],
        t("history.col_by"): [s.saved_by for s in found],
        t("history.col_projects"): [s.projects for s in found],
        t("history.col_names"): ["、".join(s.names) + (" …" if s.projects > len(s.names) else "") for s in found],
        t("history.col_county"): ["、".join(s.counties) for s in found],
        t("history.col_verdict"): [verdict_label(s.verdict, language) for s in found],
        t("history.col_as_of"): [s.as_of or "" for s in found],
    })  # fmt: skip
    st.dataframe(frame, hide_index=True, width="stretch")
    numbers = [s.number for s in found]
    return str(st.selectbox(t("history.open"), options=numbers, key=f"{key}.pick"))


def saved_facts(saved: SavedScreening) -> None:
    """Who saved it and when, what it was screened against."""
    language = lang()
    st.markdown(f"#### {t('history.record', number=saved.number)}")
    cols = st.columns(4)
    cols[0].metric(t("history.col_verdict"), verdict_label(saved.verdict, language))
    cols[1].metric(t("history.col_projects"), len(saved.results))
    cols[2].metric(t("history.col_by"), md_text(saved.saved_by))
    cols[3].metric(t("history.col_saved_at"), saved.saved_at.replace("T", " ")[:16])
    versions = "、".join(f"{layer} {v.get('label')}（{v.get('effective_date') or '—'}）" for layer, v in sorted(saved.versions.items()))
    st.caption(t("history.against", sha=saved.store_sha256[:12], rules=saved.rules_sha256[:12], versions=md_text(versions or "—"))
               + (" " + t("history.as_of", day=saved.as_of) if saved.as_of else ""))  # fmt: skip
    st.caption(t("history.as_saved"))


def changes_frame(again: Rescreen) -> pd.DataFrame:
    """One row per change: project, what (verdict, added, removed, overlap), before and after."""
    language = lang()
    rows = []
    for change in again.changes:
        name = f"{change.position + 1}. {change.name}"
        if change.verdict_changed:
            rows.append((name, t("history.ch_verdict"), verdict_label(change.verdict_before, language),
                         verdict_label(change.verdict_after, language)))  # fmt: skip
        rows += [(name, t("history.ch_added"), "", f"{c.layer} · {c.feature} {c.zone or ''} · {c.rule_id}") for c in change.added]
        rows += [(name, t("history.ch_removed"), f"{c.layer} · {c.feature} {c.zone or ''} · {c.rule_id}", "") for c in change.removed]
        rows += [(name, t("history.ch_area", key=a.key.label()), f"{a.before:,.1f}", f"{a.after:,.1f}") for a in change.areas]
    return pd.DataFrame(rows, columns=[t("history.col_project"), t("history.col_change"), t("history.col_before"),
                                       t("history.col_after")])  # fmt: skip


def show_rescreen(again: Rescreen) -> None:
    """What a re-run on today's data changed."""
    if again.verdict_changed:
        st.warning(t("history.verdict_changed"), icon=":material/published_with_changes:")
    elif again.changed:
        st.info(t("history.details_changed"), icon=":material/difference:")
    else:
        st.success(t("history.nothing_changed"), icon=":material/check_circle:")
    if again.rules_changed:
        st.caption(t("history.rules_changed"))
    frame = changes_frame(again)
    if not frame.empty:
        st.dataframe(frame, hide_index=True, width="stretch")
    st.caption(t("history.rescreen_time", seconds=f"{again.seconds:.2f}"))


def affected_panel(store: Any, rules: Any, key: str) -> None:
    """After a new layer version: every saved screening re-run on today's data, those whose
    verdict would change listed (with the time it took)."""
    if not st.button(t("history.affected_run"), key=f"{key}.run", icon=":material/rule:"):
        kept = st.session_state.get(f"{key}.report")
        if kept is None or kept[0] != store.sha256:
            return
        report = kept[1]
    else:
        bar = st.progress(0.0, text=t("history.affected_progress", done=0, total=bureau().archive.count()))
        with heavy_job():
            report = bureau().archive.affected(
                store, rules=rules,
                progress=lambda done, total: bar.progress(done / max(total, 1), text=t("history.affected_progress",
                                                                                       done=done, total=total)),
            )  # fmt: skip
        bar.empty()
        st.session_state[f"{key}.report"] = (store.sha256, report)
    st.caption(t("history.affected_summary", n=report.checked, projects=report.projects, seconds=f"{report.seconds:.1f}",
                 each=f"{report.seconds_per_screening * 1000:.0f}"))  # fmt: skip
    if not report.changed:
        st.success(t("history.affected_none"), icon=":material/check_circle:")
        return
    language = lang()
    frame = pd.DataFrame({
        t("history.col_number"): [r.saved.number for r in report.changed],
        t("history.col_saved_at"): [r.saved.saved_at.replace("T", " ")[:16] for r in report.changed],
        t("history.col_names"): ["、".join(c.name for c in r.changes if c.verdict_changed) for r in report.changed],
        t("history.col_before"): [verdict_label(r.saved.verdict, language) for r in report.changed],
        t("history.col_after"): [verdict_label(worst_verdict(c.verdict_after for c in r.changes), language)
                                 for r in report.changed],
    })  # fmt: skip
    st.warning(t("history.affected_some", n=len(report.changed)), icon=":material/published_with_changes:")
    st.dataframe(frame, hide_index=True, width="stretch")
