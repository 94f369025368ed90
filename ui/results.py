"""Showing a screening result: the verdict badge, the tables, the notices and the downloads."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from ui.i18n import Lang, lang, t
from ui.styles import VERDICT_COLOURS
from ui.tables import conflicts_frame, nearby_frame, report_bytes, report_formats, results_csv, results_json
from zoning.model import ScreeningResult

__all__ = ["verdict_badge_html", "verdict_badge", "conflict_table", "render_result", "downloads", "limits_notice"]

_ICONS = {"prohibited": "⛔", "conditional": "⚠️", "review": "🔎", "clear": "✅"}
_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}


def verdict_badge_html(verdict: str, language: Lang, *, detail: str = "") -> str:
    """The overall verdict as a large coloured block: colour and words, never colour alone."""
    from ui.i18n import tr

    colour = VERDICT_COLOURS[verdict]
    label = html.escape(tr(f"verdict.{verdict}", language))
    explain = html.escape(tr(f"verdict_explain.{verdict}", language))
    extra = f"<div style='font-size:0.95rem;margin-top:4px'>{html.escape(detail)}</div>" if detail else ""
    return (
        f"<div class='ez-verdict' data-verdict='{verdict}' style='background:{colour};color:#fff;"
        "border-radius:10px;padding:14px 20px;margin:6px 0 12px 0'>"
        f"<div style='font-size:0.95rem;opacity:0.9'>{html.escape(tr('result.overall', language))}</div>"
        f"<div style='font-size:2.2rem;font-weight:700;line-height:1.25'>{_ICONS[verdict]} {label}</div>"
        f"<div style='font-size:1rem'>{explain}</div>{extra}</div>"
    )


def verdict_badge(verdict: str, *, detail: str = "") -> None:
    st.markdown(verdict_badge_html(verdict, lang(), detail=detail), unsafe_allow_html=True)


def conflict_table(result: ScreeningResult, *, titles: Mapping[str, tuple[str, str]]) -> None:
    frame = conflicts_frame(result, titles=titles, lang=lang())
    if frame.empty:
        st.success(t("result.no_conflicts"))
        return
    st.dataframe(frame, hide_index=True, width="stretch", key=None)


def limits_notice() -> None:
    """What the tool does not decide (always shown with a result)."""
    with st.expander(t("result.limits_title"), icon=":material/gavel:"):
        st.markdown(t("result.limits_body"))


def render_result(result: ScreeningResult, *, titles: Mapping[str, tuple[str, str]]) -> None:
    """Verdict, key numbers, notices, the conflict and nearby tables."""
    language = lang()
    worst = [c for c in result.conflicts if c.verdict == result.verdict]
    detail = ""
    if worst:
        c = worst[0]
        zh, en = titles.get(c.layer, (c.layer, c.layer))
        detail = t("result.worst_detail", layer=zh if language == "zh" else en, feature=c.feature, zone=c.zone or "")
    verdict_badge(result.verdict, detail=detail)
    cols = st.columns(4)
    cols[0].metric(t("result.m_conflicts"), len(result.conflicts))
    cols[1].metric(t("result.m_layers"), len({c.layer for c in result.conflicts}))
    cols[2].metric(t("result.m_area"), _area_text(result.project.area_m2), help=t("result.m_area_help"))
    cols[3].metric(t("result.m_county"), result.project.county or "—")
    if result.illustrative_used or result.data.illustrative:
        st.warning(t("common.illustrative_notice") + "\n\n" + t("result.illustrative_detail"), icon=":material/warning:")
    if any(c.confidence != "verified" for c in result.conflicts):
        st.info(t("result.unverified_notice"), icon=":material/pending:")
    if result.data.absent_layers:
        st.caption(t("result.absent_layers", layers="、".join(_titles(result.data.absent_layers, titles, language))))
    st.subheader(t("result.conflicts_title"))
    conflict_table(result, titles=titles)
    near = nearby_frame(result, titles=titles, lang=language)
    if not near.empty:
        st.subheader(t("result.nearby_title"))
        st.dataframe(near, hide_index=True, width="stretch")
    for note in result.notes:
        st.caption(f"ℹ️ {note}")
    limits_notice()


def _titles(ids: Sequence[str], titles: Mapping[str, tuple[str, str]], language: Lang) -> list[str]:
    return [titles.get(i, (i, i))[0 if language == "zh" else 1] for i in ids]


def _area_text(area_m2: float) -> str:
    if area_m2 <= 0:
        return "—"
    if area_m2 >= 10_000:
        return f"{area_m2 / 10_000:,.2f} ha"
    return f"{area_m2:,.0f} m²"


def downloads(results: Sequence[ScreeningResult], *, stem: str, key_prefix: str) -> None:
    """Download buttons: JSON and CSV always; DOCX/PDF/XLSX/GPKG when the reports package offers them."""
    st.subheader(t("result.downloads"))
    formats = report_formats()
    cols = st.columns(2 + len(formats))
    cols[0].download_button("JSON", results_json(results), file_name=f"{stem}.json", mime="application/json",
                            key=f"{key_prefix}.dl_json", icon=":material/data_object:")  # fmt: skip
    cols[1].download_button("CSV", results_csv(results), file_name=f"{stem}.csv", mime="text/csv",
                            key=f"{key_prefix}.dl_csv", icon=":material/table:")  # fmt: skip
    language = lang()
    for col, fmt in zip(cols[2:], formats, strict=True):
        # Reports (with maps, fonts) are made only when asked for, on the download click.
        col.download_button(
            fmt.upper(), _deferred_report(tuple(results), fmt, language), file_name=f"{stem}.{fmt}",
            mime=_MIME.get(fmt, "application/octet-stream"), key=f"{key_prefix}.dl_{fmt}",
            icon=":material/description:", on_click="ignore",
        )  # fmt: skip


def _deferred_report(results: tuple[ScreeningResult, ...], fmt: str, language: Lang) -> Callable[[], bytes]:
    def make() -> bytes:
        return report_bytes(results, fmt, lang=language)

    return make
