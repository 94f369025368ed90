"""Showing a screening result: the verdict badge, the tables, the notices and the downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, cast

import streamlit as st

from ui.boundary import visitor_text
from ui.compliance_view import clause_detail, render_compliance, render_coverage
from ui.escape import md_text
from ui.i18n import Lang, lang, one_language, pick, t, tr
from ui.jobs import heavy_job
from ui.styles import palette
from ui.tables import conflicts_frame, nearby_frame
from zoning.model import VERDICT_RANK, ScreeningResult
from zoning.report import FORMATS, render_report

__all__ = ["plausibility_of", "verdict_badge_html", "verdict_tag_html", "verdict_badge", "conflict_table", "render_result", "downloads",
           "download_formats", "limits_notice"]

# Inline SVG, white on the verdict colour: no emoji font is assumed on the user's machine.
_SVG = "<svg width='34' height='34' viewBox='0 0 24 24' style='vertical-align:-5px;margin-right:8px' fill='none' stroke='#fff' stroke-width='2.4' stroke-linecap='round' stroke-linejoin='round'>{}</svg>"
_ICONS = {
    "prohibited": _SVG.format("<circle cx='12' cy='12' r='9.5'/><line x1='5.5' y1='18.5' x2='18.5' y2='5.5'/>"),
    "conditional": _SVG.format("<path d='M12 3 L22 20 H2 Z'/><line x1='12' y1='9' x2='12' y2='14'/><line x1='12' y1='17' x2='12' y2='17.2'/>"),
    "review": _SVG.format("<circle cx='10.5' cy='10.5' r='6.5'/><line x1='15.5' y1='15.5' x2='21' y2='21'/>"),
    "clear": _SVG.format("<circle cx='12' cy='12' r='9.5'/><polyline points='7,12.5 10.5,16 17,8.5'/>"),
}
#: Download buttons in this order (any other registered format follows); icons by kind.
_BUTTON_ORDER = ("json", "csv", "docx", "pdf", "xlsx", "gpkg", "zip")
_ICONS_BY_FORMAT = {"json": ":material/data_object:", "csv": ":material/table:"}


def verdict_badge_html(
    verdict: str, language: Lang, *, detail: str = "", title: str | None = None, explain: str | None = None, heading: str | None = None
) -> str:
    """The overall verdict as a large coloured block: colour and words, never colour alone.

    ``title`` / ``explain`` / ``heading`` replace the verdict's own words (the public map
    says "inside a protected zone", not "prohibited"). Every text is escaped for HTML and
    Markdown alike (``detail`` names zones): the block goes through ``st.markdown``.
    """

    colour = palette().verdict(verdict).colour
    label = md_text(title if title is not None else tr(f"verdict.{verdict}", language))
    explain = md_text(explain if explain is not None else tr(f"verdict_explain.{verdict}", language))
    heading = heading if heading is not None else tr("result.overall", language)
    extra = f"<div style='font-size:0.95rem;margin-top:4px'>{md_text(detail)}</div>" if detail else ""
    return (
        f"<div class='ez-verdict' data-verdict='{verdict}' style='background:{colour};color:#fff;"
        "border-radius:10px;padding:14px 20px;margin:6px 0 12px 0'>"
        f"<div style='font-size:0.95rem;opacity:0.9'>{md_text(heading)}</div>"
        f"<div style='font-size:2.2rem;font-weight:700;line-height:1.25'>{_ICONS[verdict]} {label}</div>"
        f"<div style='font-size:1rem'>{explain}</div>{extra}</div>"
    )


def verdict_badge(verdict: str, *, detail: str = "") -> None:
    st.markdown(verdict_badge_html(verdict, lang(), detail=detail), unsafe_allow_html=True)


def conflict_table(result: ScreeningResult, *, titles: Mapping[str, tuple[str, str]]) -> None:
    language = lang()
    frame = conflicts_frame(result, titles=titles, lang=language)
    if frame.empty:
        st.success(t("result.no_conflicts"))
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    # The conditions and their legal basis in full, readable without scrolling the table.
    lines = []
    seen = set()
    for c in sorted(result.conflicts, key=lambda c: -VERDICT_RANK[c.verdict]):
        if c.rule_id in seen:
            continue
        seen.add(c.rule_id)
        pending = "" if c.confidence == "verified" else f"（{t('table.' + ('secondary' if c.confidence == 'secondary' else 'unverified'))}）"
        text = md_text(f"{pick(c.condition, c.condition_en)} — {c.basis}{pending}")
        lines.append(f"- {verdict_tag_html(c.verdict, language)} {text} `{c.rule_id.replace('`', '')}`")  # a code span shows its text as is
    st.markdown("\n".join(lines), unsafe_allow_html=True)


def verdict_tag_html(verdict: str, language: Lang) -> str:
    """A verdict's words on its palette cell colours (fill and ink, as in the reports' tables)."""
    style = palette().verdict(verdict)
    return (f"<span class='ez-verdict-tag' data-verdict='{verdict}' style='background:{style.fill};color:{style.ink};"
            f"font-weight:700;padding:0 6px;border-radius:4px'>{md_text(style.label(language))}</span>")


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
        zone = "" if not c.zone or c.zone in c.feature else c.zone  # "…一级保护区（水域）" already says 一级
        detail = t("result.worst_detail", layer=zh if language == "zh" else en, feature=c.feature, zone=zone).strip()
    else:
        detail = clause_detail(result)  # decided by the access list, not by a zone
    verdict_badge(result.verdict, detail=detail)
    # A project that does not look like its type (a county drawn as a site, a road as a
    # point): screened all the same, and said beside the verdict.
    checks = plausibility_of(result)
    for note in checks:
        st.warning(visitor_text(one_language(note, language)), icon=":material/straighten:")
    render_coverage(result)
    cols = st.columns(4)
    cols[0].metric(t("result.m_conflicts"), len(result.conflicts))
    cols[1].metric(t("result.m_layers"), len({c.layer for c in result.conflicts}))
    cols[2].metric(t("result.m_area"), _area_text(result.project.area_m2), help=t("result.m_area_help"))
    cols[3].metric(t("result.m_county"), md_text(result.project.county or "—"))  # a metric's value is Markdown
    if result.illustrative_used or result.data.illustrative:
        st.warning(t("common.illustrative_notice") + "\n\n" + t("result.illustrative_detail"), icon=":material/warning:")
    if any(c.confidence == "unverified" for c in result.conflicts):
        st.info(t("result.unverified_notice"), icon=":material/pending:")
    if result.data.absent_layers:
        st.caption(t("result.absent_layers", layers=md_text("、".join(_titles(result.data.absent_layers, titles, language)))))
    st.subheader(t("result.conflicts_title"))
    conflict_table(result, titles=titles)
    render_compliance(result)
    near = nearby_frame(result, titles=titles, lang=language)
    if not near.empty:
        st.subheader(t("result.nearby_title"))
        st.dataframe(near, hide_index=True, width="stretch")
    if "within_m" in result.parameters:
        radius = f"{float(result.parameters['within_m']):,.0f}"
        st.subheader(t("result.within_title", m=radius, n=len(result.within)))
        if result.within:
            st.dataframe(nearby_frame(result, titles=titles, lang=language, within=True), hide_index=True, width="stretch")
        else:
            st.caption(t("result.within_none", m=radius))
    notes = [n for n in result.notes if str(n) not in {str(c) for c in checks}]
    if notes:
        with st.expander(t("result.notes_title"), icon=":material/notes:"):
            st.markdown("\n".join(f"- {visitor_text(one_language(note, language))}" for note in notes))
    limits_notice()


def plausibility_of(result: ScreeningResult) -> list[Any]:
    """The warnings ``zoning.plausibility`` gives this project (the engine put them among the notes)."""
    from ui.cache import get_rules, rules_key
    from zoning.plausibility import plausibility_notes

    p = result.project
    return plausibility_notes(p.type, p.geometry_type, p.area_m2, p.length_m, get_rules(*rules_key()).project_types)


def _titles(ids: Sequence[str], titles: Mapping[str, tuple[str, str]], language: Lang) -> list[str]:
    return [titles.get(i, (i, i))[0 if language == "zh" else 1] for i in ids]


def _area_text(area_m2: float) -> str:
    if area_m2 <= 0:
        return "—"
    if area_m2 >= 10_000:
        return f"{area_m2 / 10_000:,.2f} ha"
    return f"{area_m2:,.0f} m²"


def download_formats() -> list[str]:
    """The registry's formats as the download buttons offer them (JSON and CSV first)."""
    order = {fmt: i for i, fmt in enumerate(_BUTTON_ORDER)}
    return sorted(FORMATS, key=lambda fmt: (order.get(fmt, len(order)), fmt))


def downloads(results: Sequence[ScreeningResult], *, stem: str, key_prefix: str, number: str | None = None) -> None:
    """A download button per output format, each file made by the output registry
    ``zoning.report`` (the bytes the CLI writes for the same results), in the page's language.

    Every button hands Streamlit the file's bytes, which it keeps under a name made of their
    hash: the same file keeps the same address across reruns, so a click while the page
    reruns (the maps ask for one when they load) still finds it. (Streamlit's deferred
    downloads get a new address on every rerun and drop the old one at the end of the next
    run, anyone's: about one click in fifteen failed with "Deferred file not found".) JSON
    and CSV are made at once (cheap); a document (maps, fonts: seconds) is made once, when
    its "生成" button is pressed — as a queued heavy job — and kept for this result and
    language. A download does not rerun the page. ``number``: a saved screening's number,
    printed as the report number.
    """
    st.subheader(t("result.downloads"))
    language = lang()
    formats = download_formats()
    cols = st.columns(len(formats))
    streamed = {fmt: render_report(results, fmt, lang=language, store=_store_in_use(), number=number)
                for fmt in formats if FORMATS[fmt].stream}  # fmt: skip
    signature = hashlib.sha256(b"".join(streamed.values()) or repr([r.to_dict() for r in results]).encode()).hexdigest()
    signature += f"|{number or ''}"
    made, asked = _made_reports(key_prefix, signature, language)
    made.update(streamed)
    for col, fmt in zip(cols, formats, strict=True):
        spec = FORMATS[fmt]
        slot = col.empty()  # the "make" button, replaced by the download once the file is made
        if fmt not in made:
            # The press is written down by the button's callback, which Streamlit runs before
            # the page: a rerun that cuts this run short (a map loading) cannot lose it.
            slot.button(t("result.make_report", fmt=fmt.upper()), key=f"{key_prefix}.make_{fmt}", icon=":material/description:",
                        on_click=asked.add, args=(fmt,))  # fmt: skip
            if fmt in asked:
                with st.spinner(t("result.making_report", fmt=fmt.upper())), heavy_job():
                    made[fmt] = render_report(results, fmt, lang=language, store=_store_in_use(), number=number)
                asked.discard(fmt)
        if fmt in made:
            slot.download_button(
                fmt.upper(), made[fmt], file_name=f"{stem}{spec.suffix}", mime=spec.media_type, key=f"{key_prefix}.dl_{fmt}",
                icon=_ICONS_BY_FORMAT.get(fmt, ":material/download:"), on_click="ignore",
                type="secondary" if spec.stream else "primary",
            )  # fmt: skip
    if any(not FORMATS[fmt].stream for fmt in formats):
        st.caption(t("result.report_wait"))


def _made_reports(key_prefix: str, signature: str, language: Lang) -> tuple[dict[str, bytes], set[str]]:
    """The files made for this result set and language (format -> bytes) and the formats
    asked for but not made yet, kept in the session; a new result or language starts
    afresh (the old bytes are let go)."""
    memo = f"{key_prefix}.reports"
    kept = st.session_state.get(memo)
    if kept is None or kept[0] != (signature, language):
        kept = ((signature, language), {}, set())
        st.session_state[memo] = kept
    return cast(dict[str, bytes], kept[1]), cast(set[str], kept[2])


def _store_in_use() -> Any:
    """The store the page screened against: its catalogue names the layers in every file,
    and the documents draw its zones on their maps (the results name it only by its file
    name, ``ui.screening``)."""
    from ui.cache import get_store, store_ref

    ref = store_ref()
    return get_store(ref.path, ref.sha256)
