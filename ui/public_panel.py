"""The answer panel of the public map: which zones a place is in, and what is forbidden there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from layers.generalise import uncertainty_m
from ui import state
from ui.cache import get_public_store, store_ref
from ui.escape import md_text
from ui.i18n import lang, pick, t, tr, zone_label
from ui.results import verdict_badge_html
from zoning.lookup import ZoneHit, rules_for_zone, zones_at

__all__ = ["ask_once", "point_from_coordinates", "render_zone_answer"]

_NEAR_M = 500.0


def ask_once(source: str, value: tuple[float, float, str], *, zoom: bool) -> None:
    """Make ``value`` the point asked about, once per new value from ``source``.

    Each input (place name, coordinates, map click) keeps showing its last value on every
    rerun; only a *new* value from one of them replaces the question.
    """
    memo = f"{state.PUBLIC_ASKED_FROM}{source}"
    if st.session_state.get(memo) != value:
        st.session_state[memo] = value
        st.session_state[state.PUBLIC_CLICKED] = value
        st.session_state[state.PUBLIC_ZOOM] = zoom


def point_from_coordinates(text: str, *, crs: str) -> tuple[float, float]:
    """One typed coordinate pair as CGCS2000 lon/lat (GCJ-02/BD-09 converted).

    Raises
    ------
    InputError
        If the text is not one coordinate pair; text without any digit is most likely a
        place name ("湘潭市岳塘区"), and the message points to the place-name tab.
    """
    from gis.errors import InputError
    from gis.io import parse_coordinates

    try:
        fs = parse_coordinates(text, crs=crs, geometry="point")
    except InputError as err:
        if not text.strip() or any(ch.isdigit() for ch in text):
            raise
        msg = f"{err}; to look up a place by its name, use the '{tr('public.by_place', 'en')}' tab"
        zh = f"{err.message('zh')}；如需按地名查找，请改用“{tr('public.by_place', 'zh')}”查询"
        raise InputError(msg, zh=zh) from err
    gdf = fs.gdf if fs.gdf.crs is None or fs.gdf.crs.is_geographic else fs.gdf.to_crs("EPSG:4490")
    point = gdf.geometry.iloc[0]
    return float(point.x), float(point.y)


def render_zone_answer(store: Any, rules: Any, labels: Mapping[str, Any], *, lon: float, lat: float, label: str) -> None:
    """The zones at (lon, lat), each with its grade, source, legal status and rules in words."""
    language = lang()
    ref = store_ref()
    # The public's answer: layers the catalogue marks sensitive are looked up generalised;
    # within their uncertainty the answer says that the exact boundary may differ.
    public = get_public_store(ref.path, ref.sha256)
    sensitive = set(getattr(public, "sensitive", ()))
    reach = uncertainty_m(public.precision_m) if sensitive else 0.0
    found = zones_at(public, lon, lat, near_m=max(_NEAR_M, reach))
    hits = [h for h in found if h.distance_m <= _NEAR_M]
    inside = [h for h in hits if h.inside]
    near = [h for h in hits if not h.inside]
    st.markdown(f"##### :material/location_on: {md_text(label)}")
    if inside:
        strict = _any_prohibited(rules, inside)
        badge = verdict_badge_html(
            "prohibited" if strict else "conditional", language, heading=t("public.answer"), title=t("public.inside_title"),
            explain=t("public.inside_n", n=len(inside)), detail=t("public.inside_strict" if strict else "public.inside_soft"),
        )  # fmt: skip
    else:
        badge = verdict_badge_html("clear", language, heading=t("public.answer"), title=t("public.outside_title"),
                                   explain=t("public.outside"))  # fmt: skip
    st.markdown(badge, unsafe_allow_html=True)
    generalised = sorted({h.layer for h in found if h.distance_m <= reach} & sensitive)
    if generalised:
        titles = "、".join(pick(labels[g].title_zh, labels[g].title_en) if g in labels else g for g in generalised)
        st.info(t("public.generalised", layers=md_text(titles), m=f"{public.precision_m:.0f}"),
                icon=":material/blur_on:")  # fmt: skip
    for hit in inside:
        _zone_card(hit, rules, labels, expanded=True)
    if near:
        st.markdown(f"**{t('public.near_title', m=int(_NEAR_M))}**")
        for hit in near:
            _zone_card(hit, rules, labels, expanded=False)
    st.caption(t("public.disclaimer"))


def _any_prohibited(rules: Any, hits: list[ZoneHit]) -> bool:
    return any(line.verdict == "prohibited" for h in hits for line in rules_for_zone(rules, h))


def _zone_card(hit: ZoneHit, rules: Any, labels: Mapping[str, Any], *, expanded: bool) -> None:
    spec = labels.get(hit.layer)
    layer_title = pick(spec.title_zh, spec.title_en) if spec else hit.layer
    zone = zone_label(hit.layer, hit.zone)
    head = f"{layer_title} · {hit.name}" + (f" · {zone}" if zone else "")
    if not hit.inside:
        head += f"（{t('public.distance', m=f'{hit.distance_m:,.0f}')}）"
    with st.expander(md_text(head), expanded=expanded):  # a label is Markdown too; names are data
        facts = [
            (t("public.f_layer"), layer_title),
            (t("public.f_name"), hit.name or "—"),
            (t("public.f_zone"), zone or "—"),
            (t("public.f_level"), hit.level or "—"),
            (t("public.f_source"), hit.source or "—"),
            (t("public.f_status"), _status_text(hit.legal_status)),
        ]
        sep = "：" if lang() == "zh" else ": "
        st.markdown("\n".join(f"- **{k}**{sep}{md_text(v)}" for k, v in facts))
        lines = rules_for_zone(rules, hit)
        if not lines:
            st.caption(t("public.no_rules"))
        for verdict in ("prohibited", "conditional", "review"):
            group = [r for r in lines if r.verdict == verdict]
            if group:
                st.markdown(f"**{t(f'public.rules_{verdict}')}**")
                st.markdown("\n".join(_rule_text(r) for r in group))


def _status_text(status: str) -> str:
    if status == "示意":
        return t("public.status_illustrative")
    return t("public.status_official") if status == "法定" else status


def _rule_text(line: Any) -> str:
    condition = pick(line.condition_zh, line.condition_en)
    applies = pick(line.types_zh, line.types_en)
    pending = "" if line.confidence == "verified" else f" _{t('table.' + ('secondary' if line.confidence == 'secondary' else 'unverified'))}_"
    return f"- {md_text(condition)}  \n  {t('public.applies_to')}: {md_text(applies)} · {md_text(line.basis)}{pending}"
