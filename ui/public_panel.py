"""The answer panel of the public map: which zones a place is in, and what is forbidden there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from gis.errors import PlanningError
from layers.generalise import uncertainty_m
from ui import state
from ui.cache import get_public_store, store_ref
from ui.escape import md_text
from ui.i18n import lang, pick, t, zone_label
from ui.results import verdict_badge_html
from zoning.lookup import ZoneHit, rules_for_zone, zones_at

__all__ = ["answer_title", "ask_once", "asked_marker", "clicked_point", "near_by_zone", "render_zone_answer"]

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


def clicked_point(map_key: str) -> tuple[float, float] | None:
    """The last point clicked on the map ``map_key`` as (lon, lat), from the value the map
    sent (``st_folium`` keeps it in the session under its key before the page runs)."""
    value = st.session_state.get(map_key)
    clicked = value.get("last_clicked") if isinstance(value, dict) else None
    if not isinstance(clicked, dict) or clicked.get("lng") is None or clicked.get("lat") is None:
        return None
    return float(clicked["lng"]), float(clicked["lat"])


def asked_marker(asked: tuple[float, float, str] | None, answer: str | None = None) -> Any:
    """The marker of the point asked about, as a layer ``st_folium`` adds to the map as it is;
    ``answer`` (位于保护区内 / 不在保护区内) is written beside it, so the answer is where the
    visitor tapped even when the panel above has scrolled out of a phone's window."""
    from ui.search import marker_group
    from zoning.search import Found

    return marker_group(Found(asked[2], asked[0], asked[1], "point"), answer=answer) if asked is not None else None


def _public_store() -> Any:
    """The store as the public sees it: layers the catalogue marks sensitive generalised."""
    ref = store_ref()
    return get_public_store(ref.path, ref.sha256)


def _reach(public: Any) -> float:
    """How far the exact boundary of a sensitive layer may lie from the public one (0 without one)."""
    return uncertainty_m(public.precision_m) if set(getattr(public, "sensitive", ())) else 0.0


def _zones_here(lon: float, lat: float) -> list[ZoneHit]:
    """The zones at and near (lon, lat) in the public store, as far as the generalisation's
    reach — looked up once per place and store, for the marker's words and the panel alike."""
    ref = store_ref()
    memo = st.session_state.get(state.PUBLIC_HITS)
    if memo is None or memo[0] != (lon, lat, ref.sha256):
        public = _public_store()
        memo = ((lon, lat, ref.sha256), zones_at(public, lon, lat, near_m=max(_NEAR_M, _reach(public))))
        st.session_state[state.PUBLIC_HITS] = memo
    return list(memo[1])


def answer_title(asked: tuple[float, float, str] | None) -> str | None:
    """The answer in three words (位于保护区内 / 不在保护区内) for the point asked about; None
    when nothing is asked or the point cannot be looked up (the panel says why)."""
    if asked is None:
        return None
    try:
        inside = any(h.inside for h in _zones_here(asked[0], asked[1]))
    except PlanningError:
        return None
    return t("public.inside_title" if inside else "public.outside_title")


def near_by_zone(hits: list[ZoneHit]) -> list[ZoneHit]:
    """The zones near a place, each once: the nearest piece of every (layer, name, zone).

    A zone stored as several features (the parts of a no-raise zone, a water-source zone's
    water and land parts) would otherwise be listed once per piece.
    """
    nearest: dict[tuple[str, str, str | None], ZoneHit] = {}
    for hit in sorted(hits, key=lambda h: h.distance_m):
        nearest.setdefault((hit.layer, hit.name, hit.zone), hit)
    return list(nearest.values())


def render_zone_answer(store: Any, rules: Any, labels: Mapping[str, Any], *, lon: float, lat: float, label: str) -> None:
    """The zones at (lon, lat), each with its grade, source, legal status and rules in words."""
    language = lang()
    # The public's answer: layers the catalogue marks sensitive are looked up generalised;
    # within their uncertainty the answer says that the exact boundary may differ.
    public = _public_store()
    sensitive, reach = set(getattr(public, "sensitive", ())), _reach(public)
    found = _zones_here(lon, lat)
    hits = [h for h in found if h.distance_m <= _NEAR_M]
    inside = [h for h in hits if h.inside]
    near = near_by_zone([h for h in hits if not h.inside and (h.layer, h.name, h.zone) not in {(i.layer, i.name, i.zone) for i in inside}])
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
